#include "bootstrap/foreground.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <optional>

#include "lc/fd.hpp"

namespace lc::console {
namespace {

bool write_all(int fd, const char* p, size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                pollfd pf{fd, POLLOUT, 0};
                ::poll(&pf, 1, -1);
                continue;
            }
            return false;
        }
        p += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

// Raw mode on the caller's terminal for the proxy's lifetime; restored on every path out.
class RawMode {
public:
    explicit RawMode(int fd) : fd_(fd) {
        if (!::isatty(fd) || ::tcgetattr(fd, &saved_) < 0) return;
        termios raw = saved_;
        ::cfmakeraw(&raw);
        if (::tcsetattr(fd, TCSANOW, &raw) == 0) active_ = true;
    }
    ~RawMode() {
        if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
    }
    RawMode(const RawMode&) = delete;
    RawMode& operator=(const RawMode&) = delete;

private:
    int fd_;
    termios saved_{};
    bool active_ = false;
};

void copy_window_size(int from, int to) {
    winsize ws{};
    if (::ioctl(from, TIOCGWINSZ, &ws) == 0 && (ws.ws_row || ws.ws_col)) ::ioctl(to, TIOCSWINSZ, &ws);
}

int shell_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 255;
}

// Whatever the process wrote before it exited is still buffered in the pty.
void drain(int master) {
    char buf[8192];
    for (;;) {
        pollfd p{master, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN)) return;
        ssize_t n = ::read(master, buf, sizeof buf);
        if (n <= 0) return;
        if (!write_all(1, buf, static_cast<size_t>(n))) return;
    }
}

}  // namespace

sigset_t forwarded_signals() {
    sigset_t set;
    sigfillset(&set);
    for (int s : {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS}) sigdelset(&set, s);
    return set;
}

int run_foreground(pid_t pid, int master, const sigset_t& forward) {
    sigset_t watched = forward;
    sigaddset(&watched, SIGCHLD);
    sigaddset(&watched, SIGWINCH);
    ::sigprocmask(SIG_BLOCK, &watched, nullptr);
    UniqueFd sfd(::signalfd(-1, &watched, SFD_CLOEXEC));
    std::optional<RawMode> raw;
    bool stdin_open = master >= 0;
    if (master >= 0) {
        raw.emplace(0);
        copy_window_size(0, master);
    }
    int status = 0;
    bool exited = false;
    char buf[8192];
    while (!exited) {
        pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            exited = true;
            break;
        }
        if (r < 0 && errno == ECHILD) return 255;
        if (!sfd) {
            // No signalfd: a blocking wait without forwarding or proxying.
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            exited = true;
            break;
        }
        pollfd fds[3] = {{sfd.get(), POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}, {master, POLLIN, 0}};
        if (::poll(fds, 3, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = ::read(master, buf, sizeof buf);
            if (n > 0) {
                write_all(1, buf, static_cast<size_t>(n));
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                master = -1;  // EIO: every holder of the slave is gone; only the wait is left
            }
        }
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = ::read(0, buf, sizeof buf);
            if (n > 0) {
                write_all(master, buf, static_cast<size_t>(n));
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                // End of a piped stdin: the pty's EOF character, so a reading shell ends.
                if (master >= 0) write_all(master, "\x04", 1);
                stdin_open = false;
            }
        }
        if (fds[0].revents & POLLIN) {
            signalfd_siginfo si;
            if (::read(sfd.get(), &si, sizeof si) != sizeof si) continue;
            int sig = static_cast<int>(si.ssi_signo);
            if (sig == SIGCHLD) continue;
            if (sig == SIGWINCH) {
                if (master >= 0) copy_window_size(0, master);
                continue;
            }
            ::kill(pid, sig);
        }
    }
    if (master >= 0) drain(master);
    return shell_status(status);
}

}  // namespace lc::console
