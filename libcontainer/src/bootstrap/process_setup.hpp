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
//   exec: "/no/such": stat /no/such: no such file or directory
Result<std::string> find_executable(const std::string& arg0, const std::vector<std::string>& env);
// strerror in Go's (so runc's) spelling: lowercase ("no such file or directory"). Docker matches
// the runtime's error text case-sensitively ("no such file or directory" -> 127, "permission
// denied" -> 126); libc's capitalised "No such file or directory" made it report 125.
std::string go_strerror(int err);
// HOME from the container's /etc/passwd when the config does not set it (runc does this).
void add_home_env(std::vector<std::string>& env, uid_t uid);
// chdir into cwd and refuse a cwd outside the container (CVE-2024-21626).
Result<void> enter_cwd(const std::string& cwd);

}  // namespace lc::bootstrap
