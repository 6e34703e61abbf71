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
// Write to "<path>.tmp-<pid>" in the same directory and rename it over path: readers see the
// old or the new file, never a partial one. No fsync: this is for state under /run, which
// does not outlive a reboot, and an fsync costs tens of ms when /run sits on a disk.
Result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode = 0600);
// A file that must not exist yet (O_EXCL|O_NOFOLLOW), written in place: for a directory
// nobody reads before the writer is done with it (a container's state dir while `create`
// holds its lock), where the temp file and rename buy nothing.
Result<void> write_new_file(const std::string& path, std::string_view data, mode_t mode = 0600);
Result<UniqueFd> open_fd(const std::string& path, int flags, mode_t mode = 0);

}  // namespace lc::sys
