// The container's filesystem: everything between "new mount namespace" and "exec".
// plan_rootfs() is pure and runs in the parent; setup_rootfs() and finalize_rootfs()
// run in the container init (stage 2) inside its new mount namespace.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "cgroups/manager.hpp"
#include "lc/error.hpp"
#include "specs/runtime_spec.hpp"

namespace lc::rootfs {

struct RootfsPlan;  // defined in rootfs/plan.hpp (owned by the rootfs module)

struct PlanOptions {
    std::string bundle;     // absolute bundle dir; root.path is relative to it
    bool no_pivot = false;  // --no-pivot: MS_MOVE + chroot instead of pivot_root
    bool rootless = false;  // the runtime is not root on the host: no idmapped mounts
};

// Validate and precompute (mount flags parsed, destinations checked, default devices and
// symlinks added). Errors name the field: "mounts[2].options: unknown option \"rbnd\"".
Result<std::shared_ptr<const RootfsPlan>> plan_rootfs(const specs::Spec& spec, const PlanOptions& opts);

struct SetupContext {
    std::vector<cgroups::CgroupMountSource> cgroup_mounts;
    bool new_user_ns = false;            // devices are bind-mounted instead of mknod
    bool new_mount_ns = true;            // false with a joined mount namespace: chroot only
    // One per plan.mounts entry: a detached tree made by the parent (prepare_idmapped_mounts:
    // idmapped, or a bind source opened on the host side), or -1. The init only attaches it.
    std::vector<int> idmapped_fds;
    // Runs after every mount and device is in place, before pivot_root: the init uses it
    // for createContainer hooks (they need host paths to still resolve).
    std::function<Result<void>()> before_pivot;
};

// Root propagation, self-bind, mounts[], /dev (devices, symlinks, ptmx), pivot_root (or
// MS_MOVE+chroot), rootfsPropagation. Returns with cwd == "/" of the container.
Result<void> setup_rootfs(const RootfsPlan& plan, const SetupContext& ctx);
// After pivot: root.readonly, maskedPaths, readonlyPaths, remount deferred read-only mounts.
Result<void> finalize_rootfs(const RootfsPlan& plan);

}  // namespace lc::rootfs
