// Getting into the rootfs: propagation of "/", the self-bind, pivot_root (or MS_MOVE+chroot).
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs/steps.hpp"
#include "sys/syscalls.hpp"

namespace lc::rootfs {
namespace {

Result<uint64_t> mount_id(const std::string& path) {
    struct statx sx {};
    if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) < 0) return sys_error("statx " + path);
    return static_cast<uint64_t>(sx.stx_mnt_id);
}

// The mount point of the mount holding `path`: walk up while the mount id stays the same.
// A few statx calls instead of reading /proc/self/mountinfo.
Result<std::string> mount_point_of(const std::string& path) {
    TRY_ASSIGN(uint64_t id, mount_id(path));
    std::string cur = path;
    while (cur != "/") {
        size_t slash = cur.rfind('/');
        std::string parent = slash == 0 ? "/" : cur.substr(0, slash);
        TRY_ASSIGN(uint64_t pid, mount_id(parent));
        if (pid != id) break;
        cur = parent;
    }
    return cur;
}

}  // namespace

Result<void> prepare_root(const RootfsPlan& plan) {
    // Nothing mounted from here on may propagate back to the host.
    if (::mount(nullptr, "/", nullptr, plan.root_propagation, nullptr) < 0)
        return sys_error("set propagation of /");
    if (plan.make_parent_private) {
        TRY_ASSIGN(std::string mp, mount_point_of(plan.rootfs));
        if (::mount(nullptr, mp.c_str(), nullptr, MS_PRIVATE, nullptr) < 0)
            return sys_error("make parent mount " + mp + " private");
    }
    // pivot_root needs the new root to be a mount point.
    if (::mount(plan.rootfs.c_str(), plan.rootfs.c_str(), "bind", MS_BIND | MS_REC, nullptr) < 0)
        return sys_error("bind mount rootfs " + plan.rootfs + " onto itself");
    return {};
}

Result<void> enter_root(const SafeRoot& root, const RootfsPlan& plan) {
    if (plan.no_pivot) {
        // --no-pivot (rootfs on ramfs/initramfs, where pivot_root is refused). The host's
        // mounts stay in this namespace, merely out of reach of the chroot.
        if (::fchdir(root.fd()) < 0) return sys_error("chdir to rootfs " + plan.rootfs);
        if (::mount(plan.rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr) < 0)
            return sys_error("move rootfs " + plan.rootfs + " to /");
        if (::chroot(".") < 0) return sys_error("chroot to rootfs " + plan.rootfs);
    } else {
        int old = ::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (old < 0) return sys_error("open old root /");
        UniqueFd old_root(old);
        if (::fchdir(root.fd()) < 0) return sys_error("chdir to rootfs " + plan.rootfs);
        // pivot_root(".", ".") stacks the old root on top of the new one, no put_old dir needed.
        if (sys::pivot_root(".", ".") < 0) return sys_error("pivot_root to " + plan.rootfs);
        if (::fchdir(old_root.get()) < 0) return sys_error("chdir to old root");
        // Slave first, so the detach below cannot propagate an unmount to the host.
        if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0)
            return sys_error("set propagation of old root");
        if (::umount2(".", MNT_DETACH) < 0) return sys_error("unmount old root");
    }
    if (::chdir("/") < 0) return sys_error("chdir /");
    if (plan.rootfs_propagation != 0 && ::mount(nullptr, "/", nullptr, plan.rootfs_propagation, nullptr) < 0)
        return sys_error("set rootfsPropagation of /");
    return {};
}

}  // namespace lc::rootfs
