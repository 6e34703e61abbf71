#include "bootstrap/child_process.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <string>

namespace lc::bootstrap {

ChildReaper::~ChildReaper() {
    for (pid_t p : pids_) ::kill(p, SIGKILL);
    for (pid_t p : pids_)
        while (::waitpid(p, nullptr, 0) < 0 && errno == EINTR) {
        }
}

static std::string exit_text(int status) {
    if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
    return "status " + std::to_string(status);
}

Error child_died(pid_t pid, const char* who, cgroups::Manager* mgr) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::string msg = std::string(who) + " exited unexpectedly (" + exit_text(status) + ")";
    if (mgr) {
        auto ooms = mgr->oom_kill_count();
        if (ooms && *ooms > 0) msg = std::string(who) + " was OOM-killed (memory limit too low?)";
    }
    return plain_error(ECHILD, msg);
}

specs::OciState plan_oci_state(const Plan& plan, pid_t pid, const char* status) {
    specs::OciState s;
    s.id = plan.opts.id;
    s.status = status;
    s.pid = pid;
    s.bundle = plan.opts.bundle;
    s.annotations = plan.spec.annotations;
    return s;
}

}  // namespace lc::bootstrap
