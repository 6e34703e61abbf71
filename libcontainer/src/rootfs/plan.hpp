// RootfsPlan: everything setup_rootfs()/finalize_rootfs() need, validated and precomputed in
// the parent by plan_rootfs(), so the container init never parses or decides anything.
#pragma once
#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rootfs/mount_options.hpp"
#include "rootfs/rootfs.hpp"

namespace lc::rootfs {

enum class MountKind {
    Bind,     // bind/rbind of a host path (also sysfs without a new net ns: rbind /sys)
    Proc,     // proc at /proc
    Cgroup,   // v1: tmpfs + one bind per hierarchy; v2-only: cgroup2
    Generic,  // tmpfs, devpts, mqueue, sysfs, overlay, anything else: mount(2) with data
};

struct PlannedMount {
    size_t index = 0;         // position in spec mounts[], for error messages
    std::string destination;  // cleaned absolute container path
    std::string source;       // bind: absolute host path; otherwise passed to mount(2)
    std::string type;         // filesystem type ("" for binds without a type)
    MountKind kind = MountKind::Generic;
    MountOptions opts;
    // tmpfs and /dev are mounted read-write and made read-only in finalize_rootfs(), so
    // that devices and nested mount points can still be created under them.
    bool defer_readonly = false;
    // Idmapped bind ("idmap"/"ridmap" or mounts[].uidMappings): the parent makes the tree
    // with open_tree + mount_setattr(MOUNT_ATTR_IDMAP), using a user namespace that has
    // these mappings, or the one at idmap_userns_path (a joined container user namespace).
    bool idmapped = false;
    std::vector<specs::IDMapping> idmap_uids, idmap_gids;
    std::string idmap_userns_path;
    // A plain bind in a container user namespace (not rootless): the parent clones the
    // source (open_tree) on the host side and the init attaches it, since the container's
    // root may not be able to look the source up at all (runc's procMountPlease, crun's
    // pre-opened mounts).
    bool host_tree = false;
};

struct PlannedDevice {
    std::string path;  // cleaned absolute container path
    mode_t type = 0;   // S_IFCHR, S_IFBLK or S_IFIFO
    dev_t rdev = 0;
    mode_t mode = 0666;
    uid_t uid = 0;
    gid_t gid = 0;
};

struct PlannedSymlink {
    std::string target;  // what the link says ("/proc/self/fd")
    std::string path;    // where it goes ("/dev/fd")
};

struct RootfsPlan {
    std::string rootfs;  // absolute, symlink-free host path
    bool readonly = false;
    bool no_pivot = false;
    bool new_net_ns = false;
    // linux.namespaces has "mount". Without one, setup makes mounts[] in the caller's mount
    // namespace and chroots; finalize does nothing (plan_rootfs refuses masks and read-only
    // settings in that case).
    bool mount_ns = true;
    // Applied recursively to "/" first thing in the new mount namespace.
    unsigned long root_propagation = 0;
    // linux.rootfsPropagation: applied again to the container's "/" after pivot_root.
    unsigned long rootfs_propagation = 0;
    // pivot_root refuses a shared parent; set when the requested propagation may leave the
    // mount holding the rootfs shared.
    bool make_parent_private = false;
    std::vector<PlannedMount> mounts;
    bool setup_dev = true;  // false when /dev is a bind mount: no devices, no symlinks
    std::vector<PlannedDevice> devices;
    std::vector<PlannedSymlink> symlinks;
    std::vector<std::string> masked_paths;    // cleaned
    std::vector<std::string> readonly_paths;  // cleaned
    // What was accepted but ignored ("mounts[9].options: \"mode=755\" ignored..."), for the
    // caller's --debug log (this module does not log).
    std::vector<std::string> notes;
};

// sysfs shown as an rbind of the host's /sys (no net ns of its own, or sysfs refused in a
// user ns): the per-mount flags become recursive attributes so they reach /sys's submounts.
PlannedMount sysfs_as_rbind(PlannedMount m);

}  // namespace lc::rootfs
