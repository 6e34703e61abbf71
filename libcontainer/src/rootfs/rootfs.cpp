// The ordered drivers (anchors §4, runc's order). Each step lives in its own file.
#include "rootfs/rootfs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs/plan.hpp"
#include "rootfs/steps.hpp"

namespace lc::rootfs {
namespace {

// The mount ID of what `dest` resolves to in `root`, 0 when it does not resolve.
uint64_t mount_id_of(const SafeRoot& root, const std::string& dest) {
    auto fd = root.resolve(dest);
    struct statx sx {};
    if (!fd.ok() || ::statx(fd->get(), "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) < 0) return 0;
    return sx.stx_mnt_id;
}

// Undoes, newest first, the mounts a failed setup made in the caller's mount namespace, so
// a bad mounts[] entry leaves nothing behind on the host. `failed_before` is the mount ID
// the failing entry's destination had before it was tried: a different one now means its
// mount(2) went through before a later step (remount, propagation) failed.
void unmount_made(const SafeRoot& root, const std::vector<std::string>& made, const std::string& failed,
                  uint64_t failed_before) {
    const uint64_t now = failed.empty() ? 0 : mount_id_of(root, failed);
    if (now != 0 && now != failed_before) {
        if (auto fd = root.resolve(failed); fd.ok()) ::umount2(fd_path(fd->get()).c_str(), MNT_DETACH);
    }
    for (auto it = made.rbegin(); it != made.rend(); ++it)
        if (auto fd = root.resolve(*it); fd.ok()) ::umount2(fd_path(fd->get()).c_str(), MNT_DETACH);
}

// Hooks (they see the rootfs as their cwd, as under runc), then chroot: the way in when the
// mount namespace is not the container's own.
Result<void> enter_by_chroot(const RootfsPlan& plan, const SetupContext& ctx) {
    if (ctx.before_pivot) {
        if (::chdir(plan.rootfs.c_str()) < 0) return sys_error("chdir to rootfs " + plan.rootfs);
        TRY(ctx.before_pivot());
    }
    if (::chroot(plan.rootfs.c_str()) < 0) return sys_error("chroot to rootfs " + plan.rootfs);
    if (::chdir("/") < 0) return sys_error("chdir /");
    return {};
}

// No mount namespace of its own: the container shares the caller's, and mounts[] are made
// there, inside the rootfs, as the spec says (runc does too). Nothing else is changed: no
// propagation change of "/", no self-bind, no devices (runc does those on the host as well;
// they would alter the host's mount table for good). They outlive the container.
Result<void> setup_shared_mount_ns(const RootfsPlan& plan, const SetupContext& ctx) {
    if (!plan.mounts.empty()) {
        TRY_ASSIGN(SafeRoot root, SafeRoot::open(plan.rootfs));
        MountTarget target{root, {}, {}, {}};
        if (::fstat(root.fd(), &target.root_stat) < 0) return sys_error("stat rootfs " + plan.rootfs);
        std::vector<std::string> made;
        for (const auto& m : plan.mounts) {
            const uint64_t before = mount_id_of(root, m.destination);
            if (auto r = mount_entry(target, m, ctx); !r.ok()) {
                unmount_made(root, made, m.destination, before);
                return r;
            }
            made.push_back(m.destination);
        }
        // finalize_rootfs() does nothing here ("/" is the host's): a "ro" tmpfs is made
        // read-only now, while its path still resolves.
        if (auto r = remount_deferred_readonly(root, plan); !r.ok()) {
            unmount_made(root, made, "", 0);
            return r;
        }
    }
    return enter_by_chroot(plan, ctx);
}

}  // namespace

Result<void> setup_rootfs(const RootfsPlan& plan, const SetupContext& ctx) {
    if (!plan.mount_ns) return setup_shared_mount_ns(plan, ctx);
    // A joined mount namespace is someone else's: the container only gets a chroot.
    if (!ctx.new_mount_ns) return enter_by_chroot(plan, ctx);
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
