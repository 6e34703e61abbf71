#include "cgroups/placement.hpp"

#include <fcntl.h>

#include <algorithm>

#include "cgroups/cgroup_fs.hpp"
#include "cgroups/paths.hpp"

namespace lc::cgroups {

namespace {

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

// mount, mount/a, mount/a/b, ..., path (path must be mount or below it).
std::vector<std::string> chain(const std::string& mount, const std::string& path) {
    std::vector<std::string> out{mount};
    if (path.size() <= mount.size()) return out;
    std::string dir = mount;
    for (const auto& part : split(std::string_view(path).substr(mount.size() + 1), '/')) {
        if (part.empty()) continue;
        dir += "/" + part;
        out.push_back(dir);
    }
    return out;
}

bool has_word(const std::string& list, const std::string& word) {
    auto words = split(trim(list), ' ');
    return std::find(words.begin(), words.end(), word) != words.end();
}

}  // namespace

bool has_processes(const std::string& dir) {
    auto procs = fs::read_at(AT_FDCWD, dir, "cgroup.procs");
    return procs.ok() && !trim(*procs).empty();
}

Result<void> fill_cpuset_chain(const std::string& mount, const std::string& path) {
    auto dirs = chain(mount, path);
    for (size_t i = 1; i < dirs.size(); ++i) {
        for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
            TRY_ASSIGN(std::string cur, fs::read_at(AT_FDCWD, dirs[i], file));
            if (!trim(cur).empty()) continue;
            TRY_ASSIGN(std::string v, fs::read_at(AT_FDCWD, dirs[i - 1], file));
            v = trim(v);
            if (!v.empty()) TRY_CTX(fs::write_at(AT_FDCWD, dirs[i], file, v), "create cgroup");
        }
    }
    return {};
}

void enable_v2_controllers(const std::string& mount, const std::string& path,
                           const std::vector<std::string>& controllers) {
    if (controllers.empty()) return;
    std::string want;
    for (const auto& c : controllers) want += (want.empty() ? "+" : " +") + c;
    auto dirs = chain(mount, path);
    dirs.pop_back();  // the container's own subtree_control is the container's business
    for (const auto& dir : dirs) {
        // The root may hold processes and still delegate ("mixable").
        if (dir != mount && has_processes(dir)) continue;
        if (fs::write_at(AT_FDCWD, dir, "cgroup.subtree_control", want).ok()) continue;
        // One controller can refuse (not delegated to us); take the others one by one.
        for (const auto& c : controllers) (void)fs::write_at(AT_FDCWD, dir, "cgroup.subtree_control", "+" + c);
    }
}

Result<void> check_v2_joinable(const std::string& path) {
    auto type = fs::read_at(AT_FDCWD, path, "cgroup.type");
    if (!type.ok() || trim(*type) != "domain invalid") return {};
    return plain_error(EOPNOTSUPP,
                       "linux.cgroupsPath: " + path +
                           " is a \"domain invalid\" cgroup, which no process can join: an ancestor holds "
                           "processes and has threaded controllers (cpu, cpuset, pids) in its "
                           "cgroup.subtree_control; choose a cgroupsPath outside that ancestor, or empty "
                           "its cgroup.subtree_control");
}

std::string missing_controller_reason(const std::string& mount, const std::string& path,
                                      const std::string& controller) {
    auto dirs = chain(mount, path);
    dirs.pop_back();
    // The deepest ancestor that does not pass it on is where it stops.
    for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
        auto ctl = fs::read_at(AT_FDCWD, *it, "cgroup.subtree_control");
        if (!ctl.ok() || has_word(*ctl, controller)) continue;
        auto avail = fs::read_at(AT_FDCWD, *it, "cgroup.controllers");
        if (*it != mount && avail.ok() && !has_word(*avail, controller)) continue;  // stopped higher up
        if (*it != mount && has_processes(*it))
            return *it + " holds processes, and cgroup v2 passes no controller to the children of such a "
                         "cgroup; set linux.cgroupsPath to a cgroup outside it";
        return "the cgroup.subtree_control of " + *it + " does not enable it (not delegated to us?)";
    }
    return "it is not enabled in the ancestors' cgroup.subtree_control";
}

Result<void> refuse_frozen(const std::string& mount, const std::string& path, bool v2) {
    auto dirs = chain(mount, path);
    // The hierarchy root can never be frozen (and has no freezer files).
    for (auto it = dirs.rbegin(); it + 1 != dirs.rend(); ++it) {
        auto st = fs::read_at(AT_FDCWD, *it, v2 ? "cgroup.events" : "freezer.state");
        if (!st.ok()) {
            if (st.error().code == ENOENT) continue;  // not created yet: look at its parent
            if (st.error().code == EACCES || st.error().code == EPERM) return {};
            return std::move(st).error().wrap("linux.cgroupsPath: read freezer state");
        }
        bool frozen;
        std::string what;
        if (v2) {
            // cgroup.freeze is this cgroup's own request; cgroup.events "frozen" is the
            // effective state, ancestors included.
            auto own = fs::read_at(AT_FDCWD, *it, "cgroup.freeze");
            frozen = st->find("frozen 1") != std::string::npos || (own.ok() && trim(*own) == "1");
            what = "cgroup.freeze";
        } else {
            frozen = trim(*st) != "THAWED";  // FROZEN, or FREEZING
            what = "freezer.state " + trim(*st);
        }
        if (!frozen) return {};  // the nearest existing cgroup decides: it inherits from above
        std::string where = *it == path ? "the container's cgroup " + path
                                        : *it + " (an ancestor of the container's cgroup " + path + ")";
        return plain_error(EBUSY, "linux.cgroupsPath: " + where + " is unexpectedly frozen (" + what +
                                      "); a process started in it would stop at once: thaw it first");
    }
    return {};
}

}  // namespace lc::cgroups
