// The container process's own attributes, applied by the init after the rootfs is in place.
#pragma once
#include <string>
#include <vector>

#include "lc/error.hpp"
#include "lc/fd.hpp"
#include "plan/plan.hpp"
#include "security/process_security.hpp"

namespace lc::bootstrap {

Result<void> apply_rlimits(const std::vector<RlimitEntry>& rl);
Result<void> apply_oom_score_adj(int adj);
// setgroups (unless setgroups is denied in this user namespace), setresgid, setresuid.
Result<void> switch_user(const specs::User& u, bool setgroups_allowed);
// Like execvp's search but reporting runc's wording, which engines map to exit codes:
//   exec: "foo": executable file not found in $PATH
//   exec: "/no/such": stat /no/such: no such file or directory
//   exec: "/etc/passwd": permission denied   (exists, not executable: refused at create)
Result<std::string> find_executable(const std::string& arg0, const std::vector<std::string>& env);
// strerror in Go's (so runc's) spelling: lowercase ("no such file or directory"). Docker matches
// the runtime's error text case-sensitively ("no such file or directory" -> 127, "permission
// denied" -> 126); libc's capitalised "No such file or directory" made it report 125.
std::string go_strerror(int err);
// HOME from the container's /etc/passwd when the config does not set it (runc does this).
void add_home_env(std::vector<std::string>& env, uid_t uid);
// Hands the process's stdio to its user (runc's fixStdioPermissions), so that a terminal
// or pipe given to a non-root process is its own: only ttys, pipes and sockets, never a
// regular file or another device (runc would chown a host file the caller redirected to).
// Owner unmapped or read-only: left as it is, as runc does. Nothing to do for uid 0.
Result<void> give_stdio_to_user(uid_t uid);
// runc's order for the cwd: tried as root before the user switch (a 0700 directory the
// user cannot enter itself, such as /root), and again as the user only where root was
// refused (EPERM/EACCES: a root-squashed volume the user owns). Returns whether it entered.
Result<bool> enter_cwd_before_user(const std::string& cwd);
// After the user switch: the retry if needed, then the check that the cwd is inside the
// container (CVE-2024-21626).
Result<void> enter_cwd_after_user(const std::string& cwd, bool entered);
// Later entries replace earlier ones with the same name, in place (runc: exec --env K=V
// overrides K from config.json). An entry without '=' is its own name.
std::vector<std::string> merge_env(const std::vector<std::string>& env);
// The exit status for a failed execve, as shells and engines read it: 126 for a file that
// cannot be executed, 127 for one that does not exist.
int exec_failure_status(int err);

// What the last steps before execve need, the same for the init and for every exec.
struct FinalizeInput {
    const specs::Process* process = nullptr;
    const security::ProcessSecurityPlan* security = nullptr;
    std::vector<std::string> env;  // merged already (merge_env)
    bool setgroups_allowed = true;
    unsigned passed_fds = 0;       // from fd 3: LISTEN_FDS and --preserve-fds
};
struct FinalizedProcess {
    std::string exe;
    std::vector<std::string> env;  // with HOME
    UniqueFd seccomp_notify;       // the listener, for the parent, when the profile has one
};
// One fixed order, shared by the init and exec (docs/bootstrap-protocol.md): stdio to the
// user, cwd as root, LSM + bounding set + keep-caps, user switch, umask, cwd retry + check,
// HOME, the executable, fds above the passed range CLOEXEC, then capabilities, no_new_privs
// and seccomp. Nothing after it may need a syscall the container's filter could deny, but
// the channel, the fifo wait and execve.
Result<FinalizedProcess> finalize_process(const FinalizeInput& in);

}  // namespace lc::bootstrap
