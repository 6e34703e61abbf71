// Getting into the rootfs: propagation of "/", the self-bind, pivot_root (or MS_MOVE+chroot).
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs/steps.hpp"
#include "sys/file.hpp"
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

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mountinfo(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            int v = 0;
            bool octal = true;
            for (size_t k = 1; k <= 3; k++) {
                if (s[i + k] < '0' || s[i + k] > '7') octal = false;
                else v = v * 8 + (s[i + k] - '0');
            }
            if (octal) {
                out.push_back(static_cast<char>(v));
                i += 3;
                continue;
            }
        }
        out.push_back(s[i]);
    }
    return out;
}

}  // namespace

std::vector<std::string> full_proc_sys_mounts(std::string_view mountinfo, const std::string& rootfs) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos < mountinfo.size()) {
        size_t end = mountinfo.find('\n', pos);
        if (end == std::string_view::npos) end = mountinfo.size();
        std::string_view line = mountinfo.substr(pos, end - pos);
        pos = end + 1;
        // id parent major:minor root mountpoint options [optional...] - fstype source super
        std::vector<std::string_view> f;
        for (size_t a = 0; a <= line.size();) {
            size_t b = line.find(' ', a);
            if (b == std::string_view::npos) b = line.size();
            f.push_back(line.substr(a, b - a));
            a = b + 1;
        }
        size_t dash = 6;
        while (dash < f.size() && f[dash] != "-") dash++;
        if (f.size() < 5 || dash + 1 >= f.size()) continue;
        if (f[3] != "/" || (f[dash + 1] != "proc" && f[dash + 1] != "sysfs")) continue;
        std::string mp = unescape_mountinfo(f[4]);
        if (mp == rootfs || mp.rfind(rootfs + "/", 0) == 0) continue;
        out.push_back(std::move(mp));
    }
    return out;
}

namespace {

// --no-pivot leaves the host's mounts in the container's mount namespace, merely out of
// reach of the chroot. The kernel lets a user namespace mount a fresh procfs or sysfs while
// a full one is visible in its mount namespace, and the host's are: a process inside could
// mount an unmasked /proc (runc's msMoveRoot). Detach every full proc and sysfs mount outside
// the rootfs, or cover it with a tmpfs where detaching is refused.
Result<void> hide_host_proc_sys(const std::string& rootfs) {
    TRY_ASSIGN(std::string mi, sys::read_file("/proc/self/mountinfo"));
    for (const auto& mp : full_proc_sys_mounts(mi, rootfs)) {
        if (::mount(nullptr, mp.c_str(), nullptr, MS_SLAVE | MS_REC, nullptr) < 0) {
            // A parent already detached took this one with it.
            if (errno == ENOENT) continue;
            return sys_error("make " + mp + " a slave mount (--no-pivot)");
        }
        if (::umount2(mp.c_str(), MNT_DETACH) == 0) continue;
        if (errno != EINVAL && errno != EPERM) return sys_error("detach " + mp + " (--no-pivot)");
        if (::mount("tmpfs", mp.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0") < 0)
            return sys_error("cover " + mp + " with a tmpfs (--no-pivot)");
    }
    return {};
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
        // --no-pivot (rootfs on ramfs/initramfs, where pivot_root is refused).
        TRY(hide_host_proc_sys(plan.rootfs));
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
