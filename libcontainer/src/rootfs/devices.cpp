// /dev: device nodes, /dev/ptmx and the default symlinks. Runs before pivot_root, so every
// path goes through the SafeRoot.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs/steps.hpp"

namespace lc::rootfs {
namespace {

Result<void> make_node(const SafeRoot& root, const PlannedDevice& d) {
    TRY_ASSIGN(auto parent, root.open_parent(d.path, true));
    auto& [dir, base] = parent;
    if (::mknodat(dir.get(), base.c_str(), d.type | d.mode, d.rdev) < 0) {
        if (errno != EEXIST) return sys_error("mknod " + d.path);
        // Whatever the image left there (a regular file, a wrong node) is replaced, so that
        // /dev/null really is 1:3 when masking relies on it.
        if (::unlinkat(dir.get(), base.c_str(), 0) < 0) return sys_error("remove existing " + d.path);
        if (::mknodat(dir.get(), base.c_str(), d.type | d.mode, d.rdev) < 0) return sys_error("mknod " + d.path);
    }
    if (::fchownat(dir.get(), base.c_str(), d.uid, d.gid, AT_SYMLINK_NOFOLLOW) < 0) return sys_error("chown " + d.path);
    // mknod applied the umask; the spec's mode is exact.
    if (::fchmodat(dir.get(), base.c_str(), d.mode, 0) < 0) return sys_error("chmod " + d.path);
    return {};
}

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
    for (const auto& d : plan.devices) TRY(ctx.new_user_ns ? bind_node(root, d) : make_node(root, d));

    TRY_ASSIGN(UniqueFd dev, root.mkdir_all("/dev"));
    if (::unlinkat(dev.get(), "ptmx", 0) < 0 && errno != ENOENT) return sys_error("remove /dev/ptmx");
    if (::symlinkat("pts/ptmx", dev.get(), "ptmx") < 0) return sys_error("symlink /dev/ptmx");

    for (const auto& l : plan.symlinks) {
        TRY_ASSIGN(auto parent, root.open_parent(l.path, true));
        if (::symlinkat(l.target.c_str(), parent.first.get(), parent.second.c_str()) < 0 && errno != EEXIST)
            return sys_error("symlink " + l.path + " to " + l.target);
    }
    return {};
}

}  // namespace lc::rootfs
