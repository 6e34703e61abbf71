#include "sys/procfs.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "sys/syscalls.hpp"

namespace lc::sys {
namespace {

bool on_procfs(int fd) {
    struct statfs sf {};
    return ::fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

Result<UniqueFd> fresh_instance(bool pid_only) {
    UniqueFd fs(fsopen("proc", FSOPEN_CLOEXEC));
    if (!fs) return sys_error("fsopen proc");
    // Older kernels lack subset=pid; the instance is private all the same.
    if (pid_only) (void)fsconfig(fs.get(), FSCONFIG_SET_STRING, "subset", "pid", 0);
    if (fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) return sys_error("create procfs instance");
    UniqueFd mnt(fsmount(fs.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC));
    if (!mnt) return sys_error("fsmount procfs");
    return mnt;
}

}  // namespace

Result<UniqueFd> open_procfs(bool pid_only) {
    UniqueFd root;
    if (auto fresh = fresh_instance(pid_only); fresh.ok()) {
        root = std::move(fresh).value();
    } else {
        // A user namespace may not mount a new procfs: clone the one at /proc, without
        // what is mounted below it and without following a symlink planted at /proc.
        root.reset(open_tree(AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW));
        if (!root) root.reset(::open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!root) return sys_error("open /proc");
    }
    if (!on_procfs(root.get())) return Error(EXDEV, "/proc is not a procfs, refusing to write through it");
    return root;
}

Result<void> write_proc_file(int proc_root, std::string_view rel, std::string_view value) {
    std::string path(rel);
    open_how how{};
    how.flags = O_WRONLY | O_CLOEXEC | O_NOFOLLOW;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    UniqueFd fd(openat2(proc_root, path.c_str(), &how));
    if (!fd && errno == ENOSYS) fd.reset(::openat(proc_root, path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return sys_error("open /proc/" + path);
    if (!on_procfs(fd.get())) return Error(EXDEV, "/proc/" + path + " is not on procfs, refusing to write it");
    ssize_t n;
    do {
        n = ::write(fd.get(), value.data(), value.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) return sys_error("write /proc/" + path);
    if (static_cast<size_t>(n) != value.size()) return Error(EIO, "short write to /proc/" + path);
    return {};
}

}  // namespace lc::sys
