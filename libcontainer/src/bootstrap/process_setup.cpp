#include "bootstrap/process_setup.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "sys/fds.hpp"
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
        // Checked now, as the container's user, so that create fails as runc's does and an
        // engine reports 126 instead of starting a container whose execve must fail.
        if (!S_ISREG(st.st_mode) || ::access(arg0.c_str(), X_OK) < 0)
            return plain_error(EACCES, "exec: \"" + arg0 + "\": permission denied");
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

Result<void> give_stdio_to_user(uid_t uid) {
    if (uid == 0) return {};
    for (int fd = 0; fd <= 2; fd++) {
        struct stat st {};
        if (::fstat(fd, &st) < 0) {
            if (errno == EBADF) continue;
            return sys_error("stat stdio fd " + std::to_string(fd));
        }
        if (st.st_uid == uid || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || (S_ISCHR(st.st_mode) && ::isatty(fd))))
            continue;
        if (::fchown(fd, uid, st.st_gid) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
            return sys_error("chown stdio fd " + std::to_string(fd) + " to uid " + std::to_string(uid));
    }
    return {};
}

Result<bool> enter_cwd_before_user(const std::string& cwd) {
    if (::chdir(cwd.c_str()) == 0) return true;
    if (errno == EPERM || errno == EACCES) return false;
    return sys_error("chdir to cwd (\"" + cwd + "\") set in config.json");
}

Result<void> enter_cwd_after_user(const std::string& cwd, bool entered) {
    if (!entered && ::chdir(cwd.c_str()) < 0) return sys_error("chdir to cwd (\"" + cwd + "\") set in config.json");
    // "/" is the root itself: nothing to check.
    if (cwd == "/") return {};
    char buf[4096];
    // getcwd fails with ENOENT, or glibc returns "(unreachable)...", when the directory is
    // outside our root: a leaked host fd as cwd (CVE-2024-21626).
    if (!::getcwd(buf, sizeof buf) || buf[0] != '/')
        return plain_error(EPERM, "process.cwd \"" + cwd + "\": resolves outside the container (possible breakout)");
    return {};
}

std::vector<std::string> merge_env(const std::vector<std::string>& env) {
    std::vector<std::string> out;
    out.reserve(env.size());
    for (const auto& e : env) {
        std::string_view name(e.data(), std::min(e.find('='), e.size()));
        bool replaced = false;
        for (auto& o : out)
            if (o.compare(0, name.size(), name) == 0 && (o.size() == name.size() || o[name.size()] == '=')) {
                o = e;
                replaced = true;
                break;
            }
        if (!replaced) out.push_back(e);
    }
    return out;
}

int exec_failure_status(int err) {
    switch (err) {
    case ENOENT:
    case ENOTDIR:
        return 127;
    case EACCES:
    case EPERM:
    case ENOEXEC:
    case EISDIR:
        return 126;
    default:
        return 1;
    }
}

Result<FinalizedProcess> finalize_process(const FinalizeInput& in) {
    const specs::Process& proc = *in.process;
    TRY_CTX(give_stdio_to_user(proc.user.uid), "process.user");
    TRY_ASSIGN(bool cwd_entered, enter_cwd_before_user(proc.cwd));
    TRY_CTX(security::prepare_for_user_switch(*in.security), "process security");
    TRY_CTX(switch_user(proc.user, in.setgroups_allowed), "process.user");
    if (proc.user.umask) ::umask(*proc.user.umask);
    TRY(enter_cwd_after_user(proc.cwd, cwd_entered));
    FinalizedProcess out;
    out.env = in.env;
    add_home_env(out.env, proc.user.uid);
    TRY_ASSIGN(out.exe, find_executable(proc.args[0], out.env));
    // cort closed the caller's fds at start-up (sys/fds.hpp); anything still open above the
    // passed range is ours and must not survive execve, even where the filter about to be
    // loaded denies close_range. Marked, not closed: the channel must survive until execve
    // so that a failing execve can still be reported.
    sys::cloexec_fds_from(3 + in.passed_fds);
    TRY_ASSIGN(out.seccomp_notify, security::finish(*in.security));
    return out;
}

}  // namespace lc::bootstrap
