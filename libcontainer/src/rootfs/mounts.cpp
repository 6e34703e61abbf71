// One mounts[] entry: resolve or create the target inside the rootfs, mount through the
// target's fd, then read-only remount, propagation and recursive attributes.
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "rootfs/steps.hpp"
#include "sys/syscalls.hpp"

#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000  // glibc 2.36 lacks it; value from the kernel's statfs.h
#endif

namespace lc::rootfs {
namespace {

unsigned long locked_flags(const struct statvfs& sv) {
    struct Map {
        unsigned long st, ms;
    };
    static constexpr Map kMap[] = {
        {ST_RDONLY, MS_RDONLY},     {ST_NOSUID, MS_NOSUID},         {ST_NODEV, MS_NODEV},
        {ST_NOEXEC, MS_NOEXEC},     {ST_SYNCHRONOUS, MS_SYNCHRONOUS}, {ST_MANDLOCK, MS_MANDLOCK},
        {ST_NOATIME, MS_NOATIME},   {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME},
        {ST_NOSYMFOLLOW, MS_NOSYMFOLLOW},
    };
    unsigned long out = 0;
    for (const auto& m : kMap)
        if (sv.f_flag & m.st) out |= m.ms;
    return out;
}

Result<void> remount_with_retry(const char* path, int fd, unsigned long flags, const std::string& what) {
    const unsigned long base = MS_REMOUNT | MS_BIND;
    if (::mount(nullptr, path, nullptr, base | flags, nullptr) == 0) return {};
    if (errno != EPERM) return sys_error("remount " + what);
    struct statvfs sv {};
    int r = fd >= 0 ? ::fstatvfs(fd, &sv) : ::statvfs(path, &sv);
    if (r < 0) return sys_error("statvfs " + what);
    unsigned long kept = locked_flags(sv);
    // Asking for "relatime" while the mount is noatime (or the reverse) is a locked change
    // too: keep the mount's own atime setting.
    if (kept & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME)) flags &= ~(MS_NOATIME | MS_STRICTATIME | MS_RELATIME);
    if (::mount(nullptr, path, nullptr, base | flags | kept, nullptr) < 0) return sys_error("remount " + what);
    return {};
}

constexpr unsigned long kPerMountFlagsKept = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;

Result<void> check_target(const MountTarget& t, int fd, const std::string& dest) {
    struct stat st {};
    if (::fstat(fd, &st) < 0) return sys_error("stat mount target " + dest);
    if (st.st_dev == t.root_stat.st_dev && st.st_ino == t.root_stat.st_ino)
        return Error(EINVAL, "mount target " + dest + " resolves to the container's \"/\"");
    return {};
}

// `target` is the path mount(2) acts on: an fd's /proc/self/fd path, or a name under one.
Result<void> do_mount(const std::string& source, const std::string& target, const std::string& type,
                      unsigned long flags, const std::string& data, const std::string& dest) {
    if (::mount(source.c_str(), target.c_str(), type.empty() ? nullptr : type.c_str(), flags,
                data.empty() ? nullptr : data.c_str()) < 0)
        return sys_error("mount " + source + " to " + dest);
    return {};
}

// After a mount, an fd taken before it still points below the new mount; look again.
Result<UniqueFd> reopen(const MountTarget& t, const std::string& dest) { return t.root.resolve(dest); }

// `keep`: flags the remount must not drop (those a user namespace would have locked).
Result<void> apply_after_mount(const MountTarget& t, const PlannedMount& m, bool remount, unsigned long keep = 0) {
    const MountOptions& o = m.opts;
    if (!remount && o.propagation.empty() && !o.has_recursive_attrs()) return {};
    TRY_ASSIGN(UniqueFd fd, reopen(t, m.destination));
    if (remount) TRY(remount_bind(fd.get(), o.remount_flags() | keep, m.destination));
    std::string path = fd_path(fd.get());
    for (unsigned long p : o.propagation)
        if (::mount(nullptr, path.c_str(), nullptr, p, nullptr) < 0)
            return sys_error("set propagation of " + m.destination);
    if (o.has_recursive_attrs()) {
        mount_attr attr{};
        attr.attr_set = o.attr_set;
        attr.attr_clr = o.attr_clr;
        if (sys::mount_setattr(fd.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) < 0)
            return sys_error("set recursive mount attributes of " + m.destination);
    }
    return {};
}

Result<void> mount_bind(const MountTarget& t, const PlannedMount& m, const SetupContext* ctx = nullptr) {
    // A tree the parent made: idmapped, or the source opened on the host side (host_tree).
    // The latter is used only when this side cannot look the source up (a root-owned mode
    // 000 parent, in a user namespace), as runc asks its parent only then: a bind made here
    // from the path keeps the flags the kernel locked, a host-side clone has none locked.
    int tree = ctx && m.index < ctx->idmapped_fds.size() ? ctx->idmapped_fds[m.index] : -1;
    if (m.idmapped && tree < 0)
        return Error(EINVAL, "mount " + m.source + " to " + m.destination + ": no idmapped tree");
    struct stat st {};
    if (!m.idmapped && ::stat(m.source.c_str(), &st) == 0) {
        tree = -1;
    } else if (tree < 0 || ::fstat(tree, &st) < 0) {
        return sys_error("stat bind source " + m.source);
    }
    if (m.destination == "/proc") {
        // Only a real procfs may sit at /proc: anything else could fake /proc/self/... later.
        struct statfs sf {};
        if ((tree >= 0 ? ::fstatfs(tree, &sf) : ::statfs(m.source.c_str(), &sf)) < 0)
            return sys_error("statfs " + m.source);
        if (sf.f_type != PROC_SUPER_MAGIC)
            return Error(EINVAL, "mount " + m.source + " to /proc: source is not a procfs");
    }
    TRY_ASSIGN(UniqueFd fd, S_ISDIR(st.st_mode) ? t.root.mkdir_all(m.destination) : t.root.create_file(m.destination));
    TRY(check_target(t, fd.get(), m.destination));
    unsigned long keep = 0;
    if (tree >= 0) {
        if (m.host_tree) {
            // A bind made in the user namespace would have the source's ro/nosuid/nodev/noexec
            // locked; the host-side clone has them unlocked, so keep them by hand.
            struct statvfs sv {};
            if (::fstatvfs(tree, &sv) < 0) return sys_error("statvfs bind source " + m.source);
            keep = locked_flags(sv) & kPerMountFlagsKept;
        }
        if (sys::move_mount(tree, "", fd.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            return sys_error(std::string("attach ") + (m.idmapped ? "idmapped mount " : "bind mount ") + m.source +
                             " to " + m.destination);
    } else {
        TRY(do_mount(m.source, fd_path(fd.get()), "", MS_BIND | (m.opts.flags & MS_REC), "", m.destination));
    }
    return apply_after_mount(t, m, m.opts.remount_flags() != 0, keep);
}

// The mount point of `dest` made right under the fresh tmpfs (MountTarget::fresh_dest), as
// "/proc/self/fd/<fresh>/<name>"; empty when `dest` is not directly under it or is taken.
Result<std::string> fresh_mount_point(MountTarget& t, const std::string& dest) {
    if (t.fresh_dest.empty()) return std::string();
    const std::string cleaned = clean_path(dest);
    const size_t slash = cleaned.rfind('/');
    if (slash == 0 || cleaned.compare(0, slash, t.fresh_dest) != 0 || slash != t.fresh_dest.size())
        return std::string();
    const std::string name = cleaned.substr(slash + 1);
    if (!t.fresh_fd) {
        TRY_ASSIGN(t.fresh_fd, reopen(t, t.fresh_dest));
    }
    if (::mkdirat(t.fresh_fd.get(), name.c_str(), 0755) < 0) {
        if (errno == EEXIST) return std::string();  // a second mount on it: the careful way
        return sys_error("mkdir " + cleaned);
    }
    return fd_path(t.fresh_fd.get()) + "/" + name;
}

Result<void> mount_fs(MountTarget& t, const PlannedMount& m) {
    if (!m.opts.tmpcopyup) {  // (the directory is new and empty: nothing to copy up)
        TRY_ASSIGN(std::string point, fresh_mount_point(t, m.destination));
        if (!point.empty()) {
            TRY(do_mount(m.source, point, m.type, m.opts.flags, m.opts.data, m.destination));
            return apply_after_mount(t, m, false);
        }
    }
    TRY_ASSIGN(UniqueFd fd, t.root.mkdir_all(m.destination));
    TRY(check_target(t, fd.get(), m.destination));
    TRY(do_mount(m.source, fd_path(fd.get()), m.type, m.opts.flags, m.opts.data, m.destination));
    if (m.opts.tmpcopyup) {
        // `fd` still names the directory now hidden under the tmpfs: the copy's source.
        TRY_ASSIGN(UniqueFd top, reopen(t, m.destination));
        bool mode_given = ("," + m.opts.data).find(",mode=") != std::string::npos;
        TRY(copy_up(fd.get(), top.get(), m.destination, mode_given));
    }
    return apply_after_mount(t, m, false);
}

constexpr unsigned long kPerMountFlags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;

// cgroup v2 only: a cgroup2 mount (the cgroup ns root, or the host root without one). When
// the kernel refuses (no cgroup ns, rootless), bind the container's own cgroup instead.
Result<void> mount_cgroup2(const MountTarget& t, const PlannedMount& m, const SetupContext& ctx) {
    TRY_ASSIGN(UniqueFd fd, t.root.mkdir_all(m.destination));
    TRY(check_target(t, fd.get(), m.destination));
    std::string target = fd_path(fd.get());
    unsigned long flags = m.opts.flags & ~(MS_BIND | MS_REC);
    if (::mount("cgroup2", target.c_str(), "cgroup2", flags, nullptr) == 0) return apply_after_mount(t, m, false);
    if ((errno != EPERM && errno != EBUSY) || ctx.cgroup_mounts.empty())
        return sys_error("mount cgroup2 to " + m.destination);
    TRY(do_mount(ctx.cgroup_mounts.front().host_path, target, "", MS_BIND | MS_REC, "", m.destination));
    return apply_after_mount(t, m, (flags & kPerMountFlags) != 0);
}

// cgroup v1 (and hybrid): a tmpfs holding one bind per hierarchy, plus alias symlinks
// ("cpu" -> "cpu,cpuacct"); made read-only last, if asked, once everything is inside.
Result<void> mount_cgroup_v1(const MountTarget& t, const PlannedMount& m, const SetupContext& ctx) {
    TRY_ASSIGN(UniqueFd fd, t.root.mkdir_all(m.destination));
    TRY(check_target(t, fd.get(), m.destination));
    unsigned long flags = m.opts.flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
    TRY(do_mount("tmpfs", fd_path(fd.get()), "tmpfs", flags, "mode=755", m.destination));
    TRY_ASSIGN(UniqueFd dir, t.root.resolve(m.destination, O_DIRECTORY));
    // The tmpfs is ours and nothing else runs in this mount namespace yet: its entries may be
    // named through the directory's fd path, which crosses into each new bind mount.
    const std::string dir_path = fd_path(dir.get());
    const unsigned long bind_flags = m.opts.flags & kPerMountFlags;
    for (const auto& src : ctx.cgroup_mounts) {
        const std::string dest = m.destination + "/" + src.name;
        if (src.name.empty() || src.name.find('/') != std::string::npos || src.name == "..")
            return Error(EINVAL, "cgroup mount: bad hierarchy name \"" + src.name + "\"");
        if (::mkdirat(dir.get(), src.name.c_str(), 0755) < 0 && errno != EEXIST) return sys_error("mkdir " + dest);
        const std::string sub_path = dir_path + "/" + src.name;
        TRY(do_mount(src.host_path, sub_path, "", MS_BIND | MS_REC, "", dest));
        for (const auto& alias : src.aliases) {
            if (alias == src.name) continue;
            if (::symlinkat(src.name.c_str(), dir.get(), alias.c_str()) < 0 && errno != EEXIST)
                return sys_error("symlink " + m.destination + "/" + alias);
        }
    }
    // One recursive mount_setattr gives every bind (and the tmpfs, which has these flags
    // already, or is to be read-only too) its flags: one syscall instead of a remount each.
    // Without mount_setattr (before 5.12), the remounts one by one.
    if (bind_flags != 0) {
        mount_attr attr{};
        attr.attr_set = per_mount_attrs(bind_flags);
        if (sys::mount_setattr(dir.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) < 0) {
            if (errno != ENOSYS) return sys_error("set the flags of the cgroup mounts under " + m.destination);
            for (const auto& src : ctx.cgroup_mounts)
                TRY(remount_bind_path((dir_path + "/" + src.name).c_str(), bind_flags, m.destination + "/" + src.name));
            if (m.opts.flags & MS_RDONLY) TRY(remount_bind(dir.get(), bind_flags, m.destination));
        }
    }
    return apply_after_mount(t, m, false);  // propagation and recursive attributes
}

}  // namespace

Result<void> remount_bind(int fd, unsigned long flags, const std::string& what) {
    std::string path = fd_path(fd);
    return remount_with_retry(path.c_str(), fd, flags, what);
}

Result<void> remount_bind_path(const char* path, unsigned long flags, const std::string& what) {
    return remount_with_retry(path, -1, flags, what);
}

namespace {

// Whether `dest` is strictly below the fresh tmpfs: any other mount may cover it.
bool under_fresh(const MountTarget& t, const std::string& dest) {
    if (t.fresh_dest.empty()) return false;
    const std::string cleaned = clean_path(dest);
    return cleaned.size() > t.fresh_dest.size() + 1 && cleaned.compare(0, t.fresh_dest.size(), t.fresh_dest) == 0 &&
           cleaned[t.fresh_dest.size()] == '/';
}

Result<void> mount_entry_kind(MountTarget& t, const PlannedMount& m, const SetupContext& ctx) {
    switch (m.kind) {
        case MountKind::Bind:
            return mount_bind(t, m, &ctx);
        case MountKind::Cgroup: {
            bool v2_only = m.type == "cgroup2" || (ctx.cgroup_mounts.size() == 1 && ctx.cgroup_mounts[0].v2);
            return v2_only ? mount_cgroup2(t, m, ctx) : mount_cgroup_v1(t, m, ctx);
        }
        case MountKind::Proc:
            return mount_fs(t, m);
        case MountKind::Generic: {
            auto r = mount_fs(t, m);
            // A user ns that does not own the net ns may not mount sysfs: show the host's.
            if (!r.ok() && m.type == "sysfs" && (r.error().code == EPERM || r.error().code == EBUSY))
                return mount_bind(t, sysfs_as_rbind(m));
            return r;
        }
    }
    return {};
}

}  // namespace

Result<void> mount_entry(MountTarget& t, const PlannedMount& m, const SetupContext& ctx) {
    const bool keeps_fresh = under_fresh(t, m.destination);
    if (!keeps_fresh) {
        t.fresh_dest.clear();
        t.fresh_fd.reset();
    }
    TRY(mount_entry_kind(t, m, ctx));
    if (!keeps_fresh && m.kind == MountKind::Generic && m.type == "tmpfs" && !m.opts.tmpcopyup)
        t.fresh_dest = clean_path(m.destination);
    return {};
}

}  // namespace lc::rootfs
