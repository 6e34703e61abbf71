#include "cgroups/detect.hpp"

#include <linux/magic.h>
#include <sys/statfs.h>

#include <algorithm>

#include "sys/file.hpp"

namespace lc::cgroups {

bool Hierarchy::has(std::string_view controller) const {
    return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

static bool fs_magic(const std::string& path, long magic) {
    struct statfs st;
    return ::statfs(path.c_str(), &st) == 0 && static_cast<long>(st.f_type) == magic;
}

Result<Layout> detect_layout(const std::string& root) {
    struct statfs st;
    if (::statfs(root.c_str(), &st) < 0) return sys_error("statfs " + root);
    if (static_cast<long>(st.f_type) == CGROUP2_SUPER_MAGIC) return Layout::Unified;
    if (static_cast<long>(st.f_type) != TMPFS_MAGIC)
        return make_error(root + ": neither cgroup2 nor a tmpfs of cgroup v1 hierarchies");
    return fs_magic(root + "/unified", CGROUP2_SUPER_MAGIC) ? Layout::Hybrid : Layout::Legacy;
}

// /proc/self/cgroup paths are relative to the hierarchy root; a mount of a subtree (as
// inside a container) shows them relative to that subtree.
static std::string strip_root(const std::string& own, const std::string& mount_root) {
    if (mount_root == "/" || mount_root.empty()) return own;
    if (own.compare(0, mount_root.size(), mount_root) == 0 &&
        (own.size() == mount_root.size() || own[mount_root.size()] == '/')) {
        std::string rest = own.substr(mount_root.size());
        return rest.empty() ? "/" : rest;
    }
    return own;
}

std::optional<ResolvedHierarchy> resolve_from_mounts(const ProcCgroupLine& line,
                                                     const std::vector<CgroupMount>& mounts) {
    bool v2 = line.controllers.empty();
    for (const auto& m : mounts) {
        if (m.v2 != v2) continue;
        if (!v2) {
            auto a = line.controllers, b = m.controllers;
            std::sort(a.begin(), a.end());
            std::sort(b.begin(), b.end());
            if (a != b) continue;
        }
        return ResolvedHierarchy{v2, line.controllers, m.mount_point, strip_root(line.path, m.root)};
    }
    return std::nullopt;
}

Result<HostCgroups> detect_host(const InnerPath& inner, const std::string& root) {
    HostCgroups host;
    TRY_ASSIGN(host.layout, detect_layout(root));
    TRY_ASSIGN(std::string self, sys::read_file("/proc/self/cgroup"));
    auto lines = parse_proc_cgroup(self);

    std::optional<std::vector<CgroupMount>> mounts;  // parsed on first need only
    for (const auto& line : lines) {
        bool v2 = line.controllers.empty();
        if (v2 && host.layout == Layout::Legacy) continue;  // a v2 line without a v2 mount
        if (!v2 && host.layout == Layout::Unified) continue;
        ResolvedHierarchy r{v2, line.controllers, "", line.path};
        if (v2)
            r.mount = host.layout == Layout::Unified ? root : root + "/unified";
        else
            r.mount = root + "/" + conventional_mount_name(line.controllers);
        // One statfs checks both that the hierarchy is mounted there and that our own
        // cgroup is visible under it.
        if (!fs_magic(r.mount + r.own, v2 ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC)) {
            if (!mounts) {
                TRY_ASSIGN(std::string mi, sys::read_file("/proc/self/mountinfo"));
                mounts = parse_cgroup_mounts(mi);
            }
            auto found = resolve_from_mounts(line, *mounts);
            if (!found) continue;  // not mounted: runc skips it too
            r = *found;
        }
        Hierarchy h;
        h.v2 = v2;
        h.mount = r.mount;
        // runc's fs2 rule on a pure v2 host; hybrid's cgroup2 follows the v1 rule, as
        // runc's fs (v1) manager places it too.
        h.path = join_cgroup(r.mount, r.own, inner,
                             host.layout == Layout::Unified ? RelativeTo::OwnParent : RelativeTo::Own);
        if (v2) {
            // What the v2 hierarchy can host; in hybrid mode this is where hugetlb lives.
            auto ctl = sys::read_file(r.mount + "/cgroup.controllers");
            if (ctl.ok())
                for (auto& c : split(*ctl, ' ')) {
                    while (!c.empty() && (c.back() == '\n' || c.back() == ' ')) c.pop_back();
                    if (!c.empty()) h.controllers.push_back(c);
                }
        } else {
            h.controllers = r.controllers;
        }
        host.hierarchies.push_back(std::move(h));
    }
    if (host.hierarchies.empty()) return make_error("detect cgroups: no cgroup hierarchy is mounted");
    return host;
}

}  // namespace lc::cgroups
