// After pivot_root: deferred read-only mounts, readonlyPaths and maskedPaths. Built on the
// new mount API (open_tree/fsmount + move_mount onto an fd). A mask is one bind between two
// fd paths ("/proc/self/fd/N") only where the container's /proc was proved to be procfs with
// that path inside it; otherwise (no /proc mount, an image's fake /proc tree) the detached
// clone, which never looks a path up at all.
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "rootfs/steps.hpp"
#include "sys/syscalls.hpp"

namespace lc::rootfs {
namespace {

constexpr uint64_t kLockedDown = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

// A missing path is skipped, as runc and crun do; any other failure is an error.
Result<UniqueFd> open_optional(const SafeRoot& root, const std::string& path, bool& missing) {
    auto fd = root.resolve(path);
    missing = !fd.ok() && fd.error().code == ENOENT;
    return fd;
}

Result<void> attach(int mnt, int target, const std::string& what) {
    if (sys::move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return sys_error("mount " + what);
    return {};
}

// CVE-2025-31133: /dev/null may have been swapped for a symlink or another file (say, to
// /proc/sys/kernel/core_pattern) to turn a mask into a writable bind. Only bind the node
// that fstat proves is the char device 1:3, and bind it from that very fd.
Result<UniqueFd> open_verified_dev_null(const SafeRoot& root) {
    TRY_ASSIGN(UniqueFd fd, root.resolve("/dev/null", O_NOFOLLOW));
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) return sys_error("stat /dev/null");
    if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
        return Error(EPERM, "mask paths: /dev/null is not the null device (1:3), refusing to use it");
    return fd;
}

// One empty read-only tmpfs, cloned over each masked directory (runc shares one too).
Result<UniqueFd> make_empty_tmpfs() {
    int fs = sys::fsopen("tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0) return sys_error("fsopen tmpfs");
    UniqueFd fs_fd(fs);
    if (sys::fsconfig(fs, FSCONFIG_SET_STRING, "size", "0", 0) < 0) return sys_error("fsconfig tmpfs size");
    if (sys::fsconfig(fs, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) return sys_error("create tmpfs");
    int mnt = sys::fsmount(fs, FSMOUNT_CLOEXEC, static_cast<unsigned>(kLockedDown));
    if (mnt < 0) return sys_error("fsmount tmpfs");
    return UniqueFd(mnt);
}

Result<UniqueFd> clone_tree(int fd, bool recursive, const std::string& what) {
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
    int t = sys::open_tree(fd, "", flags);
    if (t < 0) return sys_error("clone mount of " + what);
    return UniqueFd(t);
}

// Whether "/proc/self/fd/N" means our own fd N: /proc (found without leaving the root) is a
// procfs and self/fd is reached on it without crossing a mount. Nothing else runs in the
// container yet, so the answer holds until the masks are done.
bool proc_fd_paths_trusted(const SafeRoot& root) {
    auto proc = root.resolve("/proc", O_DIRECTORY | O_NOFOLLOW);
    if (!proc.ok()) return false;
    struct statfs sf {};
    if (::fstatfs(proc->get(), &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC) return false;
    open_how how{};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS;
    // RESOLVE_NO_XDEV keeps the walk on the procfs mount just checked.
    UniqueFd fd(sys::openat2(proc->get(), "self/fd", &how));
    return static_cast<bool>(fd);
}

}  // namespace

Result<void> remount_deferred_readonly(const SafeRoot& root, const RootfsPlan& plan) {
    for (const auto& m : plan.mounts) {
        if (!m.defer_readonly) continue;
        TRY_ASSIGN(UniqueFd fd, root.resolve(m.destination, O_DIRECTORY));
        // mount_setattr changes only the bits named, so locked flags need no special care.
        mount_attr attr{};
        attr.attr_set = MOUNT_ATTR_RDONLY;
        if (sys::mount_setattr(fd.get(), "", AT_EMPTY_PATH, &attr) < 0)
            return sys_error("remount " + m.destination + " read-only");
    }
    return {};
}

Result<void> make_paths_readonly(const SafeRoot& root, const std::vector<std::string>& paths) {
    for (const auto& p : paths) {
        bool missing = false;
        auto fd = open_optional(root, p, missing);
        if (missing) continue;
        if (!fd.ok()) return std::move(fd).error().wrap("readonly path");
        TRY_ASSIGN(UniqueFd tree, clone_tree(fd->get(), true, p));
        mount_attr attr{};
        attr.attr_set = kLockedDown;
        if (sys::mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) < 0)
            return sys_error("make " + p + " read-only");
        TRY(attach(tree.get(), fd->get(), "read-only " + p));
    }
    return {};
}

Result<void> mask_paths(const SafeRoot& root, const std::vector<std::string>& paths) {
    UniqueFd dev_null, empty_dir;
    bool empty_dir_attached = false;
    int proc_checked = -1;  // -1: not yet; asked once, on the first mask that could use it
    for (const auto& p : paths) {
        bool missing = false;
        auto fd = open_optional(root, p, missing);
        if (missing) continue;
        if (!fd.ok()) return std::move(fd).error().wrap("masked path");
        struct stat st {};
        if (::fstat(fd->get(), &st) < 0) return sys_error("stat masked path " + p);
        UniqueFd* source = &dev_null;
        if (S_ISDIR(st.st_mode)) {
            if (!empty_dir) {
                TRY_ASSIGN(empty_dir, make_empty_tmpfs());
            }
            source = &empty_dir;
        } else if (!dev_null) {
            TRY_ASSIGN(dev_null, open_verified_dev_null(root));
        }
        if (source == &empty_dir && !empty_dir_attached) {
            // Kernels before 6.15 refuse to clone a detached mount (open_tree: EINVAL), so
            // the fresh tmpfs itself goes over the first masked directory; the others get
            // clones of it, which every kernel allows once it is attached.
            TRY(attach(empty_dir.get(), fd->get(), "mask over " + p));
            empty_dir_attached = true;
            continue;
        }
        // A bind between the two fds' paths is one syscall (open_tree + move_mount + close is
        // three), but only where "/proc/self/fd" is provably ours.
        if (proc_checked < 0) proc_checked = proc_fd_paths_trusted(root) ? 1 : 0;
        if (proc_checked == 1) {
            const std::string from = fd_path(source->get()), to = fd_path(fd->get());
            if (::mount(from.c_str(), to.c_str(), nullptr, MS_BIND, nullptr) < 0)
                return sys_error("mount mask over " + p);
            continue;
        }
        TRY_ASSIGN(UniqueFd tree, clone_tree(source->get(), false, p));
        TRY(attach(tree.get(), fd->get(), "mask over " + p));
    }
    return {};
}

}  // namespace lc::rootfs
