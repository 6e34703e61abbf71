#include "sys/fds.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sys/syscalls.hpp"

namespace lc::sys {
namespace {

// The fallback walks fd numbers rather than /proc/self/fd: in a stage that already entered
// the container, /proc is the image's and could hide an fd from the listing.
unsigned fd_limit() noexcept {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY) return 1u << 20;
    return rl.rlim_cur > (1u << 20) ? 1u << 20 : static_cast<unsigned>(rl.rlim_cur);
}

}  // namespace

void close_fds_from(unsigned first) noexcept {
    if (close_range(first, ~0U, 0) == 0) return;
    for (unsigned fd = first, end = fd_limit(); fd < end; fd++) ::close(static_cast<int>(fd));
}

void cloexec_fds_from(unsigned first) noexcept {
    if (close_range(first, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
    for (unsigned fd = first, end = fd_limit(); fd < end; fd++) {
        int flags = ::fcntl(static_cast<int>(fd), F_GETFD);
        if (flags >= 0 && !(flags & FD_CLOEXEC)) ::fcntl(static_cast<int>(fd), F_SETFD, flags | FD_CLOEXEC);
    }
}

}  // namespace lc::sys
