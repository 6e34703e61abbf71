#include "sys/exe_seal.hpp"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "lc/fd.hpp"
#include "sys/syscalls.hpp"

#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020  // Linux 6.3; glibc 2.36 lacks it
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U  // Linux 6.3: ask for an executable memfd when vm.memfd_noexec=1
#endif

namespace lc::sys {
namespace {

constexpr int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

UniqueFd make_memfd() {
    // The name shows in /proc/<pid>/exe ("/memfd:cort (deleted)"), which is how a sealed
    // process is told apart when debugging.
    int fd = ::memfd_create("cort", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL) fd = ::memfd_create("cort", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    return UniqueFd(fd);
}

Result<void> copy_range(int from, int to, size_t size) {
    off_t off = 0;
    while (static_cast<size_t>(off) < size) {
        ssize_t n = ::sendfile(to, from, &off, size - static_cast<size_t>(off));
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("copy /proc/self/exe into a memfd");
        }
        if (n == 0) return Error(EIO, "copy /proc/self/exe into a memfd: short read");
    }
    return {};
}

}  // namespace

size_t elf_exec_size(std::string_view head, size_t file_size) {
    if (head.size() < sizeof(Elf64_Ehdr)) return 0;
    Elf64_Ehdr eh;
    std::memcpy(&eh, head.data(), sizeof eh);
    if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64) return 0;
    if (eh.e_phentsize != sizeof(Elf64_Phdr)) return 0;
    size_t ph_end = eh.e_phoff + size_t{eh.e_phnum} * sizeof(Elf64_Phdr);
    if (eh.e_phoff == 0 || ph_end > head.size() || ph_end < eh.e_phoff) return 0;
    size_t end = ph_end;
    for (size_t i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        std::memcpy(&ph, head.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
        size_t seg_end = ph.p_offset + ph.p_filesz;
        if (seg_end < ph.p_offset) return 0;
        if (seg_end > end) end = seg_end;
    }
    return end > file_size ? 0 : end;
}

namespace {

bool is_sealed_memfd(int fd) {
    int seals = ::fcntl(fd, F_GET_SEALS);
    return seals >= 0 && (seals & kSeals) == kSeals;
}

// A file on a read-only mount cannot be opened for writing through any path that reaches
// this mount, /proc/<pid>/exe included, and a container cannot remount a mount of another
// mount namespace (nor a detached one) read-write.
bool on_read_only_mount(int fd) {
    struct statvfs vfs {};
    return ::fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY) != 0;
}

// The cheap way: a detached, read-only bind mount of the binary itself (open_tree
// OPEN_TREE_CLONE + mount_setattr). No copy, the pages stay the page cache's, and the mount
// never appears in any namespace's table (no mount event for systemd and co. to re-read).
// Once the exec has closed the tree fd the mount is dissolved: it lives on only as the
// image of this process, and nothing (not even host root) can make it writable again.
// Returns only on failure.
void exec_from_read_only_mount(int self, char** argv, char** envp) {
    UniqueFd tree(open_tree(self, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
    if (!tree) return;
    mount_attr attr {};
    attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    if (mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attr) < 0) return;
    ::syscall(SYS_execveat, tree.get(), "", argv, envp, AT_EMPTY_PATH);
}

// The fallback where mounts are not ours to make (no CAP_SYS_ADMIN, kernels before 5.12):
// a sealed memfd copy of the loadable part of the binary. Returns only on failure.
Result<void> exec_from_sealed_copy(int self, char** argv, char** envp) {
    struct stat st {};
    if (::fstat(self, &st) < 0) return sys_error("stat /proc/self/exe");
    size_t file_size = static_cast<size_t>(st.st_size);
    char head[4096];
    ssize_t got = ::pread(self, head, sizeof head, 0);
    if (got < 0) return sys_error("read /proc/self/exe");
    size_t size = elf_exec_size(std::string_view(head, static_cast<size_t>(got)), file_size);
    if (size == 0) size = file_size;  // not an ELF we can trim: copy all of it

    UniqueFd mem = make_memfd();
    if (!mem) return sys_error("memfd_create");
    if (::ftruncate(mem.get(), static_cast<off_t>(size)) < 0) return sys_error("size the memfd");
    TRY(copy_range(self, mem.get(), size));
    if (::fcntl(mem.get(), F_ADD_SEALS, kSeals | F_SEAL_EXEC) < 0 &&
        (errno != EINVAL || ::fcntl(mem.get(), F_ADD_SEALS, kSeals) < 0))
        return sys_error("seal the memfd copy of cort");
    // The memfd is CLOEXEC: execveat of an ELF needs no path to it afterwards.
    ::syscall(SYS_execveat, mem.get(), "", argv, envp, AT_EMPTY_PATH);
    return sys_error("re-exec cort from its sealed copy");
}

}  // namespace

bool self_exe_is_sealed() {
    UniqueFd fd(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    return fd && is_sealed_memfd(fd.get());
}

Result<void> reexec_sealed(char** argv, char** envp) {
    // O_RDONLY, not O_PATH: F_GET_SEALS and the copy need a readable file.
    UniqueFd self(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    if (!self) return sys_error("open /proc/self/exe");
    if (is_sealed_memfd(self.get()) || on_read_only_mount(self.get())) return {};
    exec_from_read_only_mount(self.get(), argv, envp);
    return exec_from_sealed_copy(self.get(), argv, envp);
}

}  // namespace lc::sys
