// Keeping the caller's file descriptors out of the container (CVE-2024-21626 class).
// cort closes every fd it inherited, except stdio and those it passes on on purpose
// (--preserve-fds, LISTEN_FDS), as soon as its command line is read: before any log file,
// state dir, hook or child exists. Each stage that ends in the container's execve then marks
// everything above the passed range close-on-exec again before its seccomp filter is loaded,
// so that a profile denying close_range cannot keep a runtime fd alive in the container.
#pragma once

namespace lc::sys {

// Closes every fd >= first. close_range where the kernel (and any seccomp filter) allows it;
// otherwise one close() per fd up to the RLIMIT_NOFILE soft limit.
void close_fds_from(unsigned first) noexcept;

// Marks every fd >= first close-on-exec; same fallback, with fcntl.
void cloexec_fds_from(unsigned first) noexcept;

}  // namespace lc::sys
