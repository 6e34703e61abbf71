// CVE-2019-5736: a container process that gets hold of /proc/<pid>/exe of a runtime process
// (or runs it through "#!/proc/self/exe") could reopen it for writing and replace the host's
// cort binary. The commands that put a process into a container (create, run, exec) therefore
// re-exec themselves first from an image nobody can write: a detached read-only bind mount of
// the binary (no copy), or where that is refused a sealed memfd copy. /proc/<pid>/exe then
// names a file no path leads to for writing, and the host binary's writable path is never the
// image of anything the container can reach. state/start/kill/delete never enter a container
// and never pay for this.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lc/error.hpp"

namespace lc::sys {

// True when the running image is a sealed memfd copy (F_SEAL_WRITE and friends set).
bool self_exe_is_sealed();

// Re-execs the running program with the same argv and environment from a read-only detached
// mount of /proc/self/exe, else from a sealed memfd copy. Returns only on failure (the error
// says what failed); when the image is already protected it returns success at once.
Result<void> reexec_sealed(char** argv, char** envp);

// How many leading bytes of the ELF image in `head` (the file's first bytes, at least the
// ELF header and program headers) the kernel needs to exec it: the end of the furthest
// segment. Debug info and section headers after it are not needed to run, so the copy
// stays ~3 MB whatever the build type. 0 when `head` is not a 64-bit ELF this can read.
size_t elf_exec_size(std::string_view head, size_t file_size);

}  // namespace lc::sys
