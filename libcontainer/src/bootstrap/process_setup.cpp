#include "bootstrap/process_setup.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "sys/file.hpp"
#include "sys/procfs.hpp"

namespace lc::bootstrap {

Result<void> apply_rlimits(const std::vector<RlimitEntry>& rl) {
    for (const auto& r : rl)
        if (::setrlimit(static_cast<__rlimit_resource>(r.resource), &r.limit) < 0)
            return sys_error("setrlimit " + std::to_string(r.resource));
    return {};
}

// Through a procfs instance of our own: by now "/proc" is the container's, and its image or
// mounts could point the write elsewhere (CVE-2025-52881). Paid only when the field is set.
Result<void> apply_oom_score_adj(int adj) {
    auto opened = sys::open_procfs(true);
    if (!opened) return std::move(opened).error().wrap("process.oomScoreAdj");
    TRY_CTX(sys::write_proc_file(opened->get(), "self/oom_score_adj", std::to_string(adj)),
            "process.oomScoreAdj");
    return {};
}

Result<void> switch_user(const specs::User& u, bool setgroups_allowed) {
    if (setgroups_allowed) {
        std::vector<gid_t> groups(u.additional_gids.begin(), u.additional_gids.end());
        if (::setgroups(groups.size(), groups.data()) < 0) return sys_error("setgroups");
    } else if (!u.additional_gids.empty()) {
        return plain_error(EPERM, "process.user.additionalGids: setgroups is denied in this user namespace");
    }
    if (::setresgid(u.gid, u.gid, u.gid) < 0) return sys_error("setresgid " + std::to_string(u.gid));
    if (::setresuid(u.uid, u.uid, u.uid) < 0) return sys_error("setresuid " + std::to_string(u.uid));
    return {};
}

static std::string env_value(const std::vector<std::string>& env, std::string_view key) {
    for (const auto& e : env)
        if (e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=')
            return e.substr(key.size() + 1);
    return {};
}

std::string go_strerror(int err) {
    std::string s = std::strerror(err);
    if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] - 'A' + 'a');
    return s;
}

Result<std::string> find_executable(const std::string& arg0, const std::vector<std::string>& env) {
    struct stat st;
    if (arg0.find('/') != std::string::npos) {
        if (::stat(arg0.c_str(), &st) < 0) {
            int err = errno;
            return plain_error(err, "exec: \"" + arg0 + "\": stat " + arg0 + ": " + go_strerror(err));
        }
        if (S_ISDIR(st.st_mode)) return plain_error(EACCES, "exec: \"" + arg0 + "\": permission denied (is a directory)");
        return arg0;
    }
    std::string path = env_value(env, "PATH");
    if (path.empty()) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    size_t pos = 0;
    while (pos <= path.size()) {
        size_t end = path.find(':', pos);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(pos, end - pos);
        std::string cand = (dir.empty() ? "." : dir) + "/" + arg0;
        if (::stat(cand.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(cand.c_str(), X_OK) == 0) return cand;
        pos = end + 1;
    }
    return plain_error(ENOENT, "exec: \"" + arg0 + "\": executable file not found in $PATH");
}

void add_home_env(std::vector<std::string>& env, uid_t uid) {
    for (const auto& e : env)
        if (e.rfind("HOME=", 0) == 0) return;
    std::string home = "/";
    auto passwd = sys::read_file("/etc/passwd");
    if (passwd) {
        size_t pos = 0;
        const std::string& s = *passwd;
        while (pos < s.size()) {
            size_t end = s.find('\n', pos);
            if (end == std::string::npos) end = s.size();
            std::string_view line(s.data() + pos, end - pos);
            // name:pw:uid:gid:gecos:home:shell
            std::string_view f[7];
            size_t n = 0, start = 0;
            for (size_t i = 0; i <= line.size() && n < 7; i++) {
                if (i == line.size() || line[i] == ':') {
                    f[n++] = line.substr(start, i - start);
                    start = i + 1;
                }
            }
            if (n >= 6 && f[2] == std::to_string(uid)) {
                home = std::string(f[5]);
                break;
            }
            pos = end + 1;
        }
    }
    env.push_back("HOME=" + home);
}

Result<void> enter_cwd(const std::string& cwd) {
    // "/" is the root itself: nothing to check.
    if (cwd == "/") return ::chdir("/") == 0 ? Result<void>() : sys_error("chdir to cwd \"/\"");
    if (::chdir(cwd.c_str()) < 0) return sys_error("chdir to cwd (\"" + cwd + "\") set in config.json");
    char buf[4096];
    // getcwd fails with ENOENT, or glibc returns "(unreachable)...", when the directory is
    // outside our root: a leaked host fd as cwd (CVE-2024-21626).
    if (!::getcwd(buf, sizeof buf) || buf[0] != '/')
        return plain_error(EPERM, "process.cwd \"" + cwd + "\": resolves outside the container (possible breakout)");
    return {};
}

}  // namespace lc::bootstrap
