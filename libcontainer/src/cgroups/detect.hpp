// Host layout detection: statfs("/sys/fs/cgroup") for the layout, /proc/self/cgroup for
// the hierarchies and our own place in them, and mount points assumed at
// /sys/fs/cgroup/<name> (checked with one statfs each); /proc/self/mountinfo is parsed
// at most once, and only when an assumption fails.
#pragma once
#include <string>
#include <vector>

#include "cgroups/manager.hpp"
#include "cgroups/paths.hpp"
#include "lc/error.hpp"

namespace lc::cgroups {

struct Hierarchy {
    bool v2 = false;
    // v1: the hierarchy's controllers ("cpu","cpuacct" or "name=systemd");
    // v2: the controllers available at the hierarchy root (cgroup.controllers).
    std::vector<std::string> controllers;
    std::string mount;  // "/sys/fs/cgroup/memory"
    std::string path;   // the container's cgroup directory
    bool has(std::string_view controller) const;
};

struct HostCgroups {
    Layout layout = Layout::Unified;
    std::vector<Hierarchy> hierarchies;  // mounted ones only, /proc/self/cgroup order
};

// statfs only: which layout /sys/fs/cgroup has.
Result<Layout> detect_layout(const std::string& root = "/sys/fs/cgroup");
// Everything make_manager needs, with each Hierarchy::path computed for `inner`.
Result<HostCgroups> detect_host(const InnerPath& inner, const std::string& root = "/sys/fs/cgroup");

// Pure: hierarchies from /proc/self/cgroup lines and (optional) mountinfo mounts. A
// hierarchy whose mount cannot be found is skipped. assumed_ok(mount, own) reports
// whether the conventional mount holds our own cgroup; when it says no, mounts is used.
struct ResolvedHierarchy {
    bool v2 = false;
    std::vector<std::string> controllers;
    std::string mount;
    std::string own;  // our cgroup relative to that mount
};
std::optional<ResolvedHierarchy> resolve_from_mounts(const ProcCgroupLine& line,
                                                     const std::vector<CgroupMount>& mounts);

}  // namespace lc::cgroups
