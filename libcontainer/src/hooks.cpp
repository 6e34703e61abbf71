#include "hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lc/fd.hpp"
#include "sys/fds.hpp"
#include "sys/syscalls.hpp"

namespace lc::hooks {
namespace {

constexpr size_t kOutputKept = 4096;

long now_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

std::vector<char*> to_argv(const std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

}  // namespace

Result<void> run_hook(const specs::Hook& h, std::string_view state_json, std::string_view kind) {
    std::string what = std::string(kind) + " hook " + h.path;
    TRY_ASSIGN(Pipe in, make_pipe());
    TRY_ASSIGN(Pipe out, make_pipe());
    std::vector<std::string> args = h.args.empty() ? std::vector<std::string>{h.path} : h.args;
    auto argv = to_argv(args);
    // Without an env of its own the hook inherits ours, PATH included, as runc's and crun's do.
    std::vector<char*> envp_own;
    if (h.env) envp_own = to_argv(*h.env);
    char* const* envp = h.env ? envp_own.data() : environ;
    pid_t pid = ::fork();
    if (pid < 0) return sys_error("fork " + what);
    if (pid == 0) {
        // The hook gets a clean signal state whatever the caller had blocked.
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        ::dup2(in.read.get(), 0);
        ::dup2(out.write.get(), 1);
        ::dup2(out.write.get(), 2);
        // Only the state, stdout and stderr: not the --preserve-fds meant for the container
        // process, nor any fd of ours that lacked CLOEXEC. Hooks in the container run under
        // its seccomp filter, where close_range may be denied: close_fds_from falls back.
        sys::close_fds_from(3);
        ::execve(h.path.c_str(), argv.data(), envp);
        _exit(127);
    }
    in.read.reset();
    out.write.reset();
    // State JSON is far below the pipe buffer; a hook that never reads stdin must not block us.
    [[maybe_unused]] ssize_t w = ::write(in.write.get(), state_json.data(), state_json.size());
    in.write.reset();

    UniqueFd pidfd(sys::pidfd_open(pid));
    long deadline = h.timeout ? now_ms() + *h.timeout * 1000L : -1;
    std::string output;
    bool out_open = true, timed_out = false;
    auto read_some = [&]() {
        char buf[1024];
        ssize_t r = ::read(out.read.get(), buf, sizeof buf);
        if (r <= 0) return false;
        output.append(buf, static_cast<size_t>(r));
        if (output.size() > kOutputKept) output.erase(0, output.size() - kOutputKept);
        return true;
    };
    for (;;) {
        // poll ignores a negative fd: once the output hits EOF only the exit is watched.
        pollfd fds[2] = {{pidfd.get(), POLLIN, 0}, {out_open ? out.read.get() : -1, POLLIN, 0}};
        int timeout = deadline < 0 ? -1 : static_cast<int>(std::max(0L, deadline - now_ms()));
        int n = ::poll(fds, 2, timeout);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) {
            timed_out = true;
            ::kill(pid, SIGKILL);
            break;
        }
        if (fds[1].revents & (POLLIN | POLLHUP)) out_open = read_some();
        if (fds[0].revents & POLLIN) {
            // Exited: keep what it already wrote, but never wait for its children's output.
            if (out_open && ::fcntl(out.read.get(), F_SETFL, O_NONBLOCK) == 0)
                while (read_some()) {
                }
            break;
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
    std::string tail = output.empty() ? "" : ": " + output;
    if (timed_out) return plain_error(ETIMEDOUT, what + ": timed out after " + std::to_string(*h.timeout) + "s" + tail);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && output.empty())
        return plain_error(ENOENT, what + ": cannot execute (missing or not executable)");
    if (WIFSIGNALED(status))
        return plain_error(0, what + ": killed by signal " + std::to_string(WTERMSIG(status)) + tail);
    return plain_error(0, what + ": exit status " + std::to_string(WEXITSTATUS(status)) + tail);
}

Result<void> run_hooks(const std::vector<specs::Hook>& hs, std::string_view state_json, std::string_view kind) {
    for (const auto& h : hs) TRY(run_hook(h, state_json, kind));
    return {};
}

std::vector<std::string> run_hooks_all(const std::vector<specs::Hook>& hs, std::string_view state_json,
                                       std::string_view kind) {
    std::vector<std::string> failures;
    for (const auto& h : hs) {
        auto r = run_hook(h, state_json, kind);
        if (!r) failures.push_back(r.error().text());
    }
    return failures;
}

}  // namespace lc::hooks
