// The steps setup_rootfs()/finalize_rootfs() are made of, one file each. Internal to rootfs/.
#pragma once
#include <sys/stat.h>

#include "rootfs/plan.hpp"
#include "rootfs/safe_path.hpp"

namespace lc::rootfs {

// mounts.cpp
struct MountTarget {
    const SafeRoot& root;
    struct stat root_stat;  // to refuse a target that resolved to the rootfs itself
    // The last tmpfs this pass mounted (e.g. /dev) and, once needed, an fd on it. It is ours
    // and nothing else runs in this mount namespace yet, so a mount point right under it
    // (/dev/pts, /dev/shm...) is made with mkdirat and mounted through the fd's path: two
    // syscalls instead of a resolve, a create and a check (eight).
    std::string fresh_dest;
    UniqueFd fresh_fd;
};
Result<void> mount_entry(MountTarget& t, const PlannedMount& m, const SetupContext& ctx);
// MS_REMOUNT|MS_BIND with `flags` on the mount at `fd` (through /proc/self/fd). In a user
// namespace the kernel refuses to drop locked flags (EPERM): retry with the mount's current
// flags (statvfs) OR'ed in, as runc does.
Result<void> remount_bind(int fd, unsigned long flags, const std::string& what);
Result<void> remount_bind_path(const char* path, unsigned long flags, const std::string& what);

// copyup.cpp: copy what `hidden_dir` (an fd taken before the mount) holds into the fresh
// tmpfs at `tmpfs_root` ("tmpcopyup"); the root gets the hidden directory's owner and, unless
// `keep_root_mode` (the data string set "mode="), its mode.
Result<void> copy_up(int hidden_dir, int tmpfs_root, const std::string& dest, bool keep_root_mode);

// devices.cpp: device nodes (mknod, or host binds in a user ns), /dev/ptmx, default symlinks.
Result<void> setup_dev(const SafeRoot& root, const RootfsPlan& plan, const SetupContext& ctx);

// pivot.cpp
// "/" propagation, private parent mount (pivot_root refuses shared), rootfs self-bind.
Result<void> prepare_root(const RootfsPlan& plan);
// The mount points, from /proc/self/mountinfo, of every full ("/" root) proc and sysfs mount
// outside `rootfs`: what --no-pivot must hide before its chroot.
std::vector<std::string> full_proc_sys_mounts(std::string_view mountinfo, const std::string& rootfs);
// pivot_root(".", ".") (or MS_MOVE+chroot), then rootfsPropagation, then chdir("/").
Result<void> enter_root(const SafeRoot& root, const RootfsPlan& plan);

// mask.cpp: run after the pivot, "/" is the container's root.
Result<void> remount_deferred_readonly(const SafeRoot& root, const RootfsPlan& plan);
Result<void> make_paths_readonly(const SafeRoot& root, const std::vector<std::string>& paths);
Result<void> mask_paths(const SafeRoot& root, const std::vector<std::string>& paths);

}  // namespace lc::rootfs
