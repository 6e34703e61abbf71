// Pure path logic: where the container's cgroup lives, and parsers for the two procfs
// files detection reads. No I/O here, so all of it is table-tested.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lc/error.hpp"

namespace lc::cgroups {

// filepath.Clean semantics on an absolute path: "/a//b/../c/" -> "/a/c"; "" -> "/".
std::string clean_abs(std::string_view path);
// runc's utils.CleanPath for a relative path: cleaned as if rooted at "/", so it can
// never climb out ("../../x" -> "x"). An absolute path stays absolute.
std::string clean_path(std::string_view path);

// The cgroup path of the container relative to its hierarchy root, the way runc 1.1
// computes it (specconv + fs/fs2 managers):
//   cgroupsPath absolute  -> used as is under each hierarchy root
//   cgroupsPath relative  -> v1 hierarchies (and hybrid's cgroup2): under the calling
//                            process's own cgroup; pure v2: under the *parent* of it
//   no cgroupsPath        -> "<id>", placed as a relative path (runc: Name=id, Path="")
struct InnerPath {
    std::string path;       // cleaned; absolute or relative
    bool absolute = false;  // false: join under the caller's own cgroup per hierarchy
};
Result<InnerPath> inner_path(const std::optional<std::string>& cgroups_path, std::string_view id);

// Which cgroup a relative path is joined to.
enum class RelativeTo {
    Own,        // v1 and hybrid: the caller's own cgroup
    OwnParent,  // pure v2 (runc fs2): its parent, since the caller's own cgroup holds
                // processes (a session scope) and so can never pass controllers down
};
// "<mount>" + "<own>" (or its parent) + "<inner>" -> the directory on the host.
std::string join_cgroup(std::string_view mount, std::string_view own, const InnerPath& inner,
                        RelativeTo base = RelativeTo::Own);

// One line of /proc/self/cgroup: "4:memory:/a/b" or "0::/" (v2) or "9:name=systemd:/".
struct ProcCgroupLine {
    int id = 0;
    std::vector<std::string> controllers;  // empty for the v2 line
    std::string path;
};
std::vector<ProcCgroupLine> parse_proc_cgroup(std::string_view content);

// `exec` on a unified (v2) host: joining the container's cgroup fails (EBUSY) once the
// container made sub-cgroups with domain controllers enabled ("no internal processes").
// runc then joins the cgroup its init is in, from /proc/<init>/cgroup. Returns that
// directory under `unified_mount`, or nullopt when there is no such fallback: not v2, no
// "0::" line, or the init is in the very cgroup that just refused (the error stands).
std::optional<std::string> exec_fallback_cgroup(bool unified, std::string_view container_dir,
                                                std::string_view init_proc_cgroup, std::string_view unified_mount);

// A cgroup or cgroup2 mount from /proc/self/mountinfo.
struct CgroupMount {
    std::string mount_point;
    std::string root;  // the mount's root within the hierarchy (usually "/")
    bool v2 = false;
    std::vector<std::string> controllers;  // from super options (v1 only): "cpu", "name=systemd"
};
std::vector<CgroupMount> parse_cgroup_mounts(std::string_view mountinfo);

// The directory name a v1 hierarchy is conventionally mounted at:
// {"cpu","cpuacct"} -> "cpu,cpuacct"; {"name=systemd"} -> "systemd".
std::string conventional_mount_name(const std::vector<std::string>& controllers);

std::vector<std::string> split(std::string_view s, char sep);

}  // namespace lc::cgroups
