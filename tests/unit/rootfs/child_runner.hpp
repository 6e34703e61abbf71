// Runs a check in a forked child (in fresh namespaces) and brings its verdict back through a
// pipe: the child never touches Catch2, it only returns a text of failures ("" = all good).
#pragma once
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace rootfs_test {

struct Checks {
    std::string fails;
    void expect(bool ok, const std::string& what) {
        if (!ok) fails += what + "\n";
    }
};

inline std::string read_host_mountinfo() {
    std::string out;
    int fd = ::open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    char buf[8192];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return out;
}

template <typename F>
std::string run_in_child(int unshare_flags, F&& body) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return "pipe failed";
    pid_t pid = ::fork();
    if (pid < 0) return "fork failed";
    if (pid == 0) {
        ::close(fds[0]);
        std::string out;
        if (::unshare(unshare_flags) < 0)
            out = "unshare failed";
        else
            out = body();
        size_t off = 0;
        while (off < out.size()) {
            ssize_t n = ::write(fds[1], out.data() + off, out.size() - off);
            if (n <= 0) break;
            off += static_cast<size_t>(n);
        }
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) out += "child died, status " + std::to_string(status);
    return out;
}

}  // namespace rootfs_test
