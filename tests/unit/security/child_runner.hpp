// Runs a function in a forked child and returns what it reported. Security state
// (capabilities, seccomp, personality) is per process and irreversible, so every test
// that applies it does so in a child; the parent only compares the report.
#pragma once
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

namespace security_test {

struct ChildReport {
    int status = 0;      // raw wait status
    std::string output;  // what the function returned
    bool exited_ok() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }
};

// The function's return value is written to a pipe; the child then _exit()s, so nothing
// of the parent's state (Catch2, stdio buffers) runs twice.
inline ChildReport run_in_child(const std::function<std::string()>& fn) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return {-1, "pipe2 failed"};
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return {-1, "fork failed"};
    if (pid == 0) {
        ::close(fds[0]);
        std::string out = fn();
        size_t off = 0;
        while (off < out.size()) {
            ssize_t n = ::write(fds[1], out.data() + off, out.size() - off);
            if (n <= 0) ::_exit(3);
            off += static_cast<size_t>(n);
        }
        ::_exit(0);
    }
    ::close(fds[1]);
    ChildReport rep;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) rep.output.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    while (::waitpid(pid, &rep.status, 0) < 0 && errno == EINTR) {
    }
    return rep;
}

// "CapEff:\t0000000000000020" -> "0000000000000020" from the caller's /proc/self/status.
inline std::string status_field(const std::string& key) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key + ":", 0) == 0) {
            std::string v = line.substr(key.size() + 1);
            size_t start = v.find_first_not_of(" \t");
            return start == std::string::npos ? "" : v.substr(start);
        }
    return "<missing " + key + ">";
}

}  // namespace security_test
