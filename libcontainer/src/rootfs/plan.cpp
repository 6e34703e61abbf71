// plan_rootfs(): spec -> RootfsPlan. Runs in the parent, before any clone, so every error
// names the spec field it came from.
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <array>
#include <climits>
#include <cstdlib>

#include "rootfs/plan.hpp"
#include "rootfs/safe_path.hpp"

namespace lc::rootfs {
namespace {

// Files beneath /proc that may be over-mounted: what lxcfs provides (runc checkProcMount).
constexpr std::array<std::string_view, 10> kProcOvermountAllowed{
    "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo",       "/proc/stat",
    "/proc/swaps",   "/proc/uptime",    "/proc/loadavg",       "/proc/slabinfo",
    "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
};

struct DefaultDevice {
    std::string_view path;
    unsigned major, minor;
};
constexpr std::array<DefaultDevice, 6> kDefaultDevices{{
    {"/dev/null", 1, 3},
    {"/dev/zero", 1, 5},
    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8},
    {"/dev/urandom", 1, 9},
    {"/dev/tty", 5, 0},
}};

// The container's user namespace, where "idmap" without mappings takes its mappings.
struct UserNs {
    bool fresh = false;      // a new one, with linux.uidMappings/gidMappings
    std::string join_path;   // or one joined by path
    std::vector<specs::IDMapping> uid_mappings, gid_mappings;
};

std::string field(std::string_view name, size_t i) { return std::string(name) + "[" + std::to_string(i) + "]"; }

bool is_beneath(std::string_view path, std::string_view dir) {
    return path.size() > dir.size() && path.substr(0, dir.size()) == dir && path[dir.size()] == '/';
}

Result<std::string> resolve_rootfs(const specs::Spec& spec, const PlanOptions& opts) {
    if (!spec.root || spec.root->path.empty()) return make_error("root.path: required");
    std::string path = spec.root->path;
    if (path[0] != '/') path = opts.bundle + "/" + path;
    std::string resolved;
    // The usual "rootfs": a plain name under the bundle, which is canonical already (cmd
    // resolved it). Only that last component needs a look; realpath would readlink every
    // component of the bundle's path again.
    const std::string& rel = spec.root->path;
    bool plain_name = rel[0] != '/' && rel.find('/') == std::string::npos && rel != "." && rel != ".." &&
                      !opts.bundle.empty() && opts.bundle[0] == '/';
    char link[1];
    if (plain_name && ::readlink(path.c_str(), link, sizeof link) < 0 && errno == EINVAL) {
        resolved = path;  // exists and is not a symlink
    } else {
        char real[PATH_MAX];
        if (::realpath(path.c_str(), real) == nullptr) return sys_error("root.path: " + path);
        resolved = real;
        // A symlink could send the container anywhere, the host's "/" included (and what
        // failed next was a cgroup step, far from the cause). runc refuses it as well.
        if (resolved != clean_path(path))
            return plain_error(EINVAL, "root.path: " + path + " is a symlink or goes through one (to " + resolved +
                                     "); give the real path");
    }
    struct stat st {};
    if (::stat(resolved.c_str(), &st) < 0) return sys_error("root.path: " + path);
    if (!S_ISDIR(st.st_mode)) return Error(ENOTDIR, "root.path: " + path);
    return resolved;
}

// runc 1.2's rules: explicit mappings, else ("idmap"/"ridmap" alone) the container's own
// user namespace; bind mounts only; never rootless (mount_setattr(MOUNT_ATTR_IDMAP) needs
// CAP_SYS_ADMIN over the source's filesystem, i.e. root on the host).
Result<void> plan_idmap(PlannedMount& pm, const specs::Mount& m, const std::string& f, const UserNs& userns,
                        const PlanOptions& opts) {
    bool explicit_maps = !m.uid_mappings.empty() || !m.gid_mappings.empty();
    if (!explicit_maps && !pm.opts.idmap) return {};
    const std::string what = explicit_maps ? f + ".uidMappings" : f + ".options";
    if (!pm.opts.bind) return make_error(what + ": idmapped mounts are only supported for bind mounts");
    if (opts.rootless)
        return make_error(what + ": idmapped mounts need root on the host (not available in rootless mode)");
    pm.idmapped = true;
    if (explicit_maps) {
        pm.idmap_uids = m.uid_mappings;
        pm.idmap_gids = m.gid_mappings;
    } else if (!userns.join_path.empty()) {
        pm.idmap_userns_path = userns.join_path;
    } else if (userns.fresh) {
        pm.idmap_uids = userns.uid_mappings;
        pm.idmap_gids = userns.gid_mappings;
    } else {
        return make_error(what + ": \"idmap\" without " + f +
                          ".uidMappings/gidMappings needs a user namespace (linux.namespaces) to take them from");
    }
    return {};
}

Result<PlannedMount> plan_mount(const specs::Mount& m, size_t i, const PlanOptions& opts, bool net_ns,
                                const UserNs& userns, std::vector<std::string>& notes) {
    const std::string f = field("mounts", i);
    if (m.destination.empty()) return make_error(f + ".destination: required");
    PlannedMount pm;
    pm.index = i;
    // Relative destinations are taken from "/", as runc still does (with a warning).
    pm.destination = clean_path(m.destination);
    if (pm.destination == "/") return make_error(f + ".destination: cannot mount over the container's \"/\"");

    ParsedOptions parsed = parse_mount_options(m.options);
    pm.opts = std::move(parsed.opts);

    pm.type = m.type.value_or("");
    if (pm.type == "bind" && !pm.opts.bind) {
        pm.opts.flags |= MS_BIND;
        pm.opts.bind = true;
    }
    if (pm.type == "sysfs" && !net_ns) {
        // sysfs shows the mounter's net ns; without a new one, show the host's /sys as runc does.
        pm = sysfs_as_rbind(std::move(pm));
    } else if (pm.opts.bind) {
        // The kernel ignores data for a bind; runc and crun run such configs (runtime-tools'
        // "mounts" case writes ["bind","mode=755"]), so drop it, saying so under --debug.
        for (const auto& u : parsed.unknown)
            notes.push_back(f + ".options: \"" + u + "\" ignored: a bind mount takes no filesystem data");
        pm.opts.data.clear();
        if (!m.source || m.source->empty()) return make_error(f + ".source: required for a bind mount");
        pm.source = (*m.source)[0] == '/' ? *m.source : opts.bundle + "/" + *m.source;
        if (pm.type == "bind") pm.type.clear();
    } else {
        if (pm.type.empty()) return make_error(f + ".type: required unless the mount is a bind");
        pm.source = m.source.value_or(pm.type);
    }

    TRY(plan_idmap(pm, m, f, userns, opts));
    if (pm.opts.tmpcopyup && pm.type != "tmpfs")
        return make_error(f + ".options: \"tmpcopyup\" needs a tmpfs mount, not \"" + pm.type + "\"");
    if (pm.opts.bind) {
        pm.kind = MountKind::Bind;
    } else if (pm.type == "proc") {
        pm.kind = MountKind::Proc;
    } else if (pm.type == "cgroup" || pm.type == "cgroup2") {
        pm.kind = MountKind::Cgroup;
    }
    // Rootless, the parent is no better placed than the init: it holds no CAP_SYS_ADMIN over
    // the host's mount namespace to clone anything from it.
    pm.host_tree = pm.kind == MountKind::Bind && !pm.idmapped && !opts.rootless &&
                   (userns.fresh || !userns.join_path.empty());

    if (is_beneath(pm.destination, "/proc")) {
        bool allowed = false;
        for (auto a : kProcOvermountAllowed) allowed = allowed || a == pm.destination;
        if (!allowed)
            return make_error(f + ".destination: \"" + pm.destination + "\" cannot be mounted beneath /proc");
    } else if (pm.destination == "/proc" && pm.kind != MountKind::Proc && pm.kind != MountKind::Bind) {
        return make_error(f + ".type: /proc must be a proc mount, not \"" + pm.type + "\"");
    }

    bool ro = (pm.opts.flags & MS_RDONLY) != 0;
    if (ro && !pm.opts.bind && (pm.type == "tmpfs" || pm.destination == "/dev")) {
        pm.opts.flags &= ~MS_RDONLY;
        pm.defer_readonly = true;
    }
    return pm;
}

Result<PlannedDevice> plan_device(const specs::LinuxDevice& d, size_t i) {
    const std::string f = field("linux.devices", i);
    if (d.path.empty() || d.path[0] != '/') return make_error(f + ".path: must be an absolute path");
    PlannedDevice pd;
    pd.path = clean_path(d.path);
    if (pd.path == "/") return make_error(f + ".path: must name a file");
    if (d.type == "c" || d.type == "u") {
        pd.type = S_IFCHR;
    } else if (d.type == "b") {
        pd.type = S_IFBLK;
    } else if (d.type == "p") {
        pd.type = S_IFIFO;
    } else {
        return make_error(f + ".type: unknown device type \"" + d.type + "\"");
    }
    if (pd.type != S_IFIFO) {
        if (d.major < 0 || d.minor < 0) return make_error(f + ".major: must not be negative");
        pd.rdev = makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor));
    }
    pd.mode = d.file_mode.value_or(0666) & 07777;
    pd.uid = d.uid.value_or(0);
    pd.gid = d.gid.value_or(0);
    return pd;
}

Result<std::vector<std::string>> plan_paths(const std::vector<std::string>& in, std::string_view name) {
    std::vector<std::string> out;
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i].empty() || in[i][0] != '/') return make_error(field(name, i) + ": must be an absolute path");
        out.push_back(clean_path(in[i]));
    }
    return out;
}

}  // namespace

PlannedMount sysfs_as_rbind(PlannedMount pm) {
    pm.kind = MountKind::Bind;
    pm.source = "/sys";
    pm.type.clear();
    pm.opts.flags |= MS_BIND | MS_REC;
    pm.opts.bind = pm.opts.recursive_bind = true;
    // The host's /sys has submounts (cgroups, securityfs...): "ro,nosuid,..." must reach
    // them too, or the container could write to the host's cgroup tree.
    pm.opts.attr_set |= per_mount_attrs(pm.opts.flags);
    return pm;
}

Result<std::shared_ptr<const RootfsPlan>> plan_rootfs(const specs::Spec& spec, const PlanOptions& opts) {
    auto plan = std::make_shared<RootfsPlan>();
    TRY_ASSIGN(plan->rootfs, resolve_rootfs(spec, opts));
    plan->readonly = spec.root->readonly;
    plan->no_pivot = opts.no_pivot;

    static const specs::Linux kNoLinux;
    const specs::Linux& lx = spec.linux ? *spec.linux : kNoLinux;
    plan->mount_ns = false;
    UserNs userns;
    userns.uid_mappings = lx.uid_mappings;
    userns.gid_mappings = lx.gid_mappings;
    for (const auto& ns : lx.namespaces) {
        if (ns.type == "user") {
            userns.join_path = ns.path.value_or("");
            userns.fresh = userns.join_path.empty();
        }
        plan->new_net_ns = plan->new_net_ns || ns.type == "network";
        plan->mount_ns = plan->mount_ns || ns.type == "mount";
    }
    if (!plan->mount_ns) {
        // mounts[] are done in the caller's mount namespace, as the spec says (and runc
        // does): they stay there after the container is gone. Masks and read-only settings
        // would change the host's own paths and mounts: refuse rather than skip, since
        // silently skipping them would weaken the container without anyone noticing.
        if (plan->readonly) return make_error("root.readonly: needs a mount namespace (linux.namespaces)");
        if (!lx.masked_paths.empty()) return make_error("linux.maskedPaths: need a mount namespace (linux.namespaces)");
        if (!lx.readonly_paths.empty())
            return make_error("linux.readonlyPaths: need a mount namespace (linux.namespaces)");
        plan->setup_dev = false;
    }

    plan->root_propagation = MS_SLAVE | MS_REC;
    if (lx.rootfs_propagation && !lx.rootfs_propagation->empty()) {
        unsigned long p = propagation_flag(*lx.rootfs_propagation);
        if (p == 0)
            return make_error("linux.rootfsPropagation: unknown propagation \"" + *lx.rootfs_propagation + "\"");
        plan->root_propagation = p;
        plan->rootfs_propagation = p;
    }
    // Only a recursive non-shared change guarantees no mount above the rootfs is left shared.
    plan->make_parent_private =
        !((plan->root_propagation & MS_REC) && !(plan->root_propagation & MS_SHARED));

    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        TRY_ASSIGN(auto pm, plan_mount(spec.mounts[i], i, opts, plan->new_net_ns, userns, plan->notes));
        if (pm.destination == "/dev" && pm.kind == MountKind::Bind) plan->setup_dev = false;
        plan->mounts.push_back(std::move(pm));
    }

    for (size_t i = 0; i < lx.devices.size(); ++i) {
        TRY_ASSIGN(auto d, plan_device(lx.devices[i], i));
        plan->devices.push_back(std::move(d));
    }
    if (!plan->setup_dev) {
        plan->devices.clear();
    } else {
        for (const auto& def : kDefaultDevices) {
            bool listed = false;
            for (const auto& d : plan->devices) listed = listed || d.path == def.path;
            if (listed) continue;
            plan->devices.push_back(PlannedDevice{std::string(def.path), S_IFCHR, makedev(def.major, def.minor),
                                                  0666, 0, 0});
        }
        plan->symlinks = {{"/proc/self/fd", "/dev/fd"},
                          {"/proc/self/fd/0", "/dev/stdin"},
                          {"/proc/self/fd/1", "/dev/stdout"},
                          {"/proc/self/fd/2", "/dev/stderr"}};
        // Only where the host kernel has one, like runc.
        if (::access("/proc/kcore", F_OK) == 0) plan->symlinks.push_back({"/proc/kcore", "/dev/core"});
    }

    TRY_ASSIGN(plan->masked_paths, plan_paths(lx.masked_paths, "linux.maskedPaths"));
    TRY_ASSIGN(plan->readonly_paths, plan_paths(lx.readonly_paths, "linux.readonlyPaths"));
    return std::shared_ptr<const RootfsPlan>(std::move(plan));
}

}  // namespace lc::rootfs
