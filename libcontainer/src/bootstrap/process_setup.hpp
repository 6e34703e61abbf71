// The container process's own attributes, applied by the init after the rootfs is in place.
#pragma once
#include <string>
#include <vector>

#include "lc/error.hpp"
#include "plan/plan.hpp"

namespace lc::bootstrap {

Result<void> apply_rlimits(const std::vector<RlimitEntry>& rl);
Result<void> apply_oom_score_adj(int adj);
// setgroups (unless setgroups is denied in this user namespace), setresgid, setresuid.
Result<void> switch_user(const specs::User& u, bool setgroups_allowed);
// Like execvp's search but reporting runc's wording, which engines map to exit codes:
//   exec: "foo": executable file not found in $PATH
Result<std::string> find_executable(const std::string& arg0, const std::vector<std::string>& env);
// HOME from the container's /etc/passwd when the config does not set it (runc does this).
void add_home_env(std::vector<std::string>& env, uid_t uid);
// chdir into cwd and refuse a cwd outside the container (CVE-2024-21626).
Result<void> enter_cwd(const std::string& cwd);

}  // namespace lc::bootstrap
