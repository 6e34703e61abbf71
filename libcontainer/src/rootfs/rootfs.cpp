// The ordered drivers (anchors §4, runc's order). Each step lives in its own file.
#include "rootfs/rootfs.hpp"

#include <sys/mount.h>
#include <unistd.h>

#include "rootfs/plan.hpp"
#include "rootfs/steps.hpp"

namespace lc::rootfs {

Result<void> setup_rootfs(const RootfsPlan& plan, const SetupContext& ctx) {
    if (!ctx.new_mount_ns || !plan.mount_ns) {
        // Sharing the caller's mount namespace: mounting anything would change the host,
        // so the container only gets a chroot (runc does the same).
        if (::chroot(plan.rootfs.c_str()) < 0) return sys_error("chroot to rootfs " + plan.rootfs);
        if (::chdir("/") < 0) return sys_error("chdir /");
        return {};
    }
    TRY(prepare_root(plan));
    TRY_ASSIGN(SafeRoot root, SafeRoot::open(plan.rootfs));
    MountTarget target{root, {}, {}, {}};
    if (::fstat(root.fd(), &target.root_stat) < 0) return sys_error("stat rootfs " + plan.rootfs);
    for (const auto& m : plan.mounts) TRY(mount_entry(target, m, ctx));
    TRY(setup_dev(root, plan, ctx));
    if (ctx.before_pivot) {
        // Hooks see the container's root as their cwd, as under runc.
        if (::fchdir(root.fd()) < 0) return sys_error("chdir to rootfs " + plan.rootfs);
        TRY(ctx.before_pivot());
    }
    return enter_root(root, plan);
}

Result<void> finalize_rootfs(const RootfsPlan& plan) {
    // Without a mount namespace "/" is the host's: never remount or mask anything there.
    if (!plan.mount_ns) return {};
    TRY_ASSIGN(SafeRoot root, SafeRoot::open("/"));
    TRY(remount_deferred_readonly(root, plan));
    if (plan.readonly) TRY(remount_bind_path("/", MS_RDONLY, "/ read-only"));
    TRY(make_paths_readonly(root, plan.readonly_paths));
    return mask_paths(root, plan.masked_paths);
}

}  // namespace lc::rootfs
