// /dev: device nodes, /dev/ptmx and the default symlinks. Runs before pivot_root, so every
// path goes through the SafeRoot.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <optional>

#include "rootfs/steps.hpp"

namespace lc::rootfs {
namespace {

// The parent directory of the last path asked for, kept open: every default node and
// symlink lives in /dev, so one lookup serves them all. Whether a node made there gets
// exactly the owner and mode asked (no set-group-ID directory, no default ACL), so that
// chown and chmod can be skipped, is decided once per directory.
class ParentDirs {
public:
    explicit ParentDirs(const SafeRoot& root) : root_(root) {}
    // The open parent of `path` and the base name.
    Result<int> open(const std::string& path, std::string& base) {
        std::string cleaned = clean_path(path);
        size_t slash = cleaned.rfind('/');
        std::string dir = slash == 0 ? "/" : cleaned.substr(0, slash);
        if (!fd_ || dir != dir_) {
            TRY_ASSIGN(auto parent, root_.open_parent(cleaned, true));
            fd_ = std::move(parent.first);
            dir_ = dir;
            plain_.reset();
        }
        base = cleaned.substr(slash + 1);
        return fd_.get();
    }
    // A node made here (umask 0) has the mode asked and the owner (euid, egid).
    bool plain() {
        if (!plain_) {
            struct stat st {};
            plain_ = ::fstat(fd_.get(), &st) == 0 && !(st.st_mode & S_ISGID) &&
                     ::getxattr(fd_path(fd_.get()).c_str(), "system.posix_acl_default", nullptr, 0) < 0 &&
                     (errno == ENODATA || errno == EOPNOTSUPP);
        }
        return *plain_;
    }
    bool ours(uid_t uid, gid_t gid) const { return uid == euid_ && gid == egid_; }

private:
    const SafeRoot& root_;
    std::string dir_;
    UniqueFd fd_;
    std::optional<bool> plain_;
    uid_t euid_ = ::geteuid();
    gid_t egid_ = ::getegid();
};

// Called with umask 0: mknod's mode is then exact, no chmod needed.
Result<void> make_node(ParentDirs& dirs, const PlannedDevice& d) {
    std::string base;
    TRY_ASSIGN(int dir, dirs.open(d.path, base));
    if (::mknodat(dir, base.c_str(), d.type | d.mode, d.rdev) < 0) {
        if (errno != EEXIST) return sys_error("mknod " + d.path);
        // Whatever the image left there (a regular file, a wrong node) is replaced, so that
        // /dev/null really is 1:3 when masking relies on it.
        if (::unlinkat(dir, base.c_str(), 0) < 0) return sys_error("remove existing " + d.path);
        if (::mknodat(dir, base.c_str(), d.type | d.mode, d.rdev) < 0) return sys_error("mknod " + d.path);
    }
    bool plain = dirs.plain();
    if ((!plain || !dirs.ours(d.uid, d.gid)) &&
        ::fchownat(dir, base.c_str(), d.uid, d.gid, AT_SYMLINK_NOFOLLOW) < 0)
        return sys_error("chown " + d.path);
    // chown clears set-id bits; so may the kernel at mknod: only then is the mode re-applied.
    if ((!plain || (d.mode & 07000)) && ::fchmodat(dir, base.c_str(), d.mode, 0) < 0)
        return sys_error("chmod " + d.path);
    return {};
}

struct UmaskZero {
    mode_t old = ::umask(0);
    ~UmaskZero() { ::umask(old); }
};

// In a user namespace mknod is refused: bind the host's node instead (runc does the same).
Result<void> bind_node(const SafeRoot& root, const PlannedDevice& d) {
    TRY_ASSIGN(UniqueFd fd, root.create_file(d.path, 0600));
    std::string target = fd_path(fd.get());
    if (::mount(d.path.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) < 0)
        return sys_error("bind mount " + d.path + " to " + d.path);
    return {};
}

}  // namespace

Result<void> setup_dev(const SafeRoot& root, const RootfsPlan& plan, const SetupContext& ctx) {
    if (!plan.setup_dev) return {};
    ParentDirs dirs(root);
    if (ctx.new_user_ns) {
        for (const auto& d : plan.devices) TRY(bind_node(root, d));
    } else {
        UmaskZero umask0;
        for (const auto& d : plan.devices) TRY(make_node(dirs, d));
    }

    std::string base;
    TRY_ASSIGN(int dev, dirs.open("/dev/ptmx", base));
    // Usually /dev is a fresh tmpfs: try first, replace what the image has there only on EEXIST.
    if (::symlinkat("pts/ptmx", dev, "ptmx") < 0) {
        if (errno != EEXIST) return sys_error("symlink /dev/ptmx");
        if (::unlinkat(dev, "ptmx", 0) < 0) return sys_error("remove /dev/ptmx");
        if (::symlinkat("pts/ptmx", dev, "ptmx") < 0) return sys_error("symlink /dev/ptmx");
    }

    for (const auto& l : plan.symlinks) {
        TRY_ASSIGN(int dir, dirs.open(l.path, base));
        if (::symlinkat(l.target.c_str(), dir, base.c_str()) < 0 && errno != EEXIST)
            return sys_error("symlink " + l.path + " to " + l.target);
    }
    return {};
}

}  // namespace lc::rootfs
