// Filesystem operations on one cgroup directory, shared by the v1 and v2 code.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

#include "cgroups/resources.hpp"
#include "lc/error.hpp"
#include "lc/fd.hpp"

namespace lc::cgroups::fs {

// mkdir -p with 0755. created receives the directories this call made, parent first.
Result<void> mkdir_all(const std::string& path, std::vector<std::string>* created = nullptr);
Result<UniqueFd> open_dir(const std::string& path);  // O_RDONLY|O_DIRECTORY (bpf attach needs a real fd)
bool exists_at(int dirfd, const std::string& file);

// One small write; the error reads "write <dir>/<file>: <strerror>".
Result<void> write_at(int dirfd, const std::string& dir, const std::string& file, std::string_view value);
Result<std::string> read_at(int dirfd, const std::string& dir, const std::string& file);
// Writes a resource list in order, honouring if_exists / alt_file / retry_einval_at_end;
// errors are "<field>: write <dir>/<file>: <strerror>".
Result<void> write_all(int dirfd, const std::string& dir, const Writes& writes);

// Every pid in cgroup.procs of dir and of its sub-cgroups.
Result<std::vector<pid_t>> read_pids_recursive(const std::string& dir);
// Sub-cgroups first, then dir. EBUSY (processes still exiting) is retried with a short
// backoff for about a second; a missing directory is success.
Result<void> remove_tree(const std::string& dir);

// "oom_kill N" from memory.oom_control (v1) or memory.events (v2).
uint64_t parse_key_value(std::string_view content, std::string_view key);

}  // namespace lc::cgroups::fs
