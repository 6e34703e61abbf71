// Small whole-file helpers used across modules.
#pragma once
#include <string>

#include "lc/error.hpp"
#include "lc/fd.hpp"

namespace lc::sys {

Result<std::string> read_file(const std::string& path);
Result<std::string> read_file_at(int dirfd, const char* path);
// open(O_WRONLY|O_TRUNC) + one write: the way cgroup and procfs files want it.
Result<void> write_file(const std::string& path, std::string_view data);
Result<void> write_file_at(int dirfd, const char* path, std::string_view data);
// Write to "<path>.tmp-XXXX" in the same directory, fsync, rename over path.
Result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode = 0600);
Result<UniqueFd> open_fd(const std::string& path, int flags, mode_t mode = 0);

}  // namespace lc::sys
