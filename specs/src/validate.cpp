// Semantic checks on a parsed Spec. Messages name the field the way the parser does, so a
// user sees one error style whether the JSON was ill-typed or merely inconsistent.
#include "specs/validate.hpp"

#include <charconv>
#include <set>

#include "specs/known_names.hpp"

namespace specs {
namespace {

std::string quote(std::string_view s) {
    std::string out = "\"";
    out += s;
    out += '"';
    return out;
}

lc::Error field_error(const std::string& field, const std::string& reason) {
    return lc::make_error(field + ": " + reason);
}

std::string at(const std::string& field, size_t i) {
    return field + "[" + std::to_string(i) + "]";
}

lc::Result<void> absolute(const std::string& field, const std::string& path) {
    if (path.empty()) return field_error(field, "must not be empty");
    if (path[0] != '/') return field_error(field, "must be an absolute path, got " + quote(path));
    return lc::ok();
}

// Parses a decimal component; false on anything but digits.
bool parse_number(std::string_view s, unsigned& out) {
    if (s.empty()) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

bool has_namespace(const Spec& spec, std::string_view type) {
    if (!spec.linux) return false;
    for (const auto& ns : spec.linux->namespaces)
        if (ns.type == type) return true;
    return false;
}

lc::Result<void> validate_hooks(const Hooks& hooks) {
    const std::pair<const char*, const std::vector<Hook>*> lists[] = {
        {"prestart", &hooks.prestart},
        {"createRuntime", &hooks.create_runtime},
        {"createContainer", &hooks.create_container},
        {"startContainer", &hooks.start_container},
        {"poststart", &hooks.poststart},
        {"poststop", &hooks.poststop},
    };
    for (const auto& [name, list] : lists) {
        for (size_t i = 0; i < list->size(); ++i) {
            const Hook& h = (*list)[i];
            std::string field = at(std::string("hooks.") + name, i);
            TRY(absolute(field + ".path", h.path));
            if (h.timeout && *h.timeout <= 0)
                return field_error(field + ".timeout",
                                   "must be greater than zero, got " + std::to_string(*h.timeout));
        }
    }
    return lc::ok();
}

std::string id_range(uint64_t first, uint64_t size) {
    return std::to_string(first) + "-" + std::to_string(first + size - 1);
}

// What the kernel enforces when the map is written (user_namespaces(7)), checked here so the
// error names the entry: non-empty ranges, no wrap past 2^32, no overlap on either side.
lc::Result<void> validate_id_mappings(const std::string& field, const std::vector<IDMapping>& maps) {
    constexpr size_t kMaxRanges = 340;  // the kernel's limit per map since 4.15
    if (maps.size() > kMaxRanges)
        return field_error(field, "at most " + std::to_string(kMaxRanges) + " ranges, got " + std::to_string(maps.size()));
    constexpr uint64_t kIds = uint64_t{1} << 32;
    for (size_t i = 0; i < maps.size(); ++i) {
        const IDMapping& m = maps[i];
        std::string f = at(field, i);
        if (m.size == 0) return field_error(f + ".size", "must be greater than zero");
        if (uint64_t{m.container_id} + m.size > kIds)
            return field_error(f, "containerID range " + id_range(m.container_id, m.size) + " exceeds 4294967295");
        if (uint64_t{m.host_id} + m.size > kIds)
            return field_error(f, "hostID range " + id_range(m.host_id, m.size) + " exceeds 4294967295");
        for (size_t j = 0; j < i; ++j) {
            const IDMapping& o = maps[j];
            auto overlaps = [](uint64_t a, uint64_t an, uint64_t b, uint64_t bn) { return a < b + bn && b < a + an; };
            if (overlaps(m.container_id, m.size, o.container_id, o.size))
                return field_error(f, "containerID range " + id_range(m.container_id, m.size) + " overlaps " +
                                          at(field, j) + " (" + id_range(o.container_id, o.size) + ")");
            if (overlaps(m.host_id, m.size, o.host_id, o.size))
                return field_error(f, "hostID range " + id_range(m.host_id, m.size) + " overlaps " + at(field, j) +
                                          " (" + id_range(o.host_id, o.size) + ")");
        }
    }
    return lc::ok();
}

lc::Result<void> validate_mounts(const std::vector<Mount>& mounts) {
    for (size_t i = 0; i < mounts.size(); ++i) {
        const Mount& m = mounts[i];
        std::string field = at("mounts", i);
        TRY(absolute(field + ".destination", m.destination));
        // An idmapped mount needs both maps: the kernel takes them from one user namespace.
        if (m.uid_mappings.empty() != m.gid_mappings.empty())
            return field_error(field, "uidMappings and gidMappings must be given together");
        TRY(validate_id_mappings(field + ".uidMappings", m.uid_mappings));
        TRY(validate_id_mappings(field + ".gidMappings", m.gid_mappings));
    }
    return lc::ok();
}

lc::Result<void> validate_namespaces(const Linux& l) {
    std::set<std::string_view> seen;
    for (size_t i = 0; i < l.namespaces.size(); ++i) {
        const auto& ns = l.namespaces[i];
        std::string field = at("linux.namespaces", i);
        if (!is_one_of(kNamespaceTypes, ns.type))
            return field_error(field + ".type", "unknown namespace " + quote(ns.type));
        if (!seen.insert(ns.type).second)
            return field_error(field + ".type", "duplicate namespace " + quote(ns.type));
        if (ns.path) TRY(absolute(field + ".path", *ns.path));
    }
    return lc::ok();
}

// runc's rule set: a sysctl may only be set when it lives in a namespace the container owns.
lc::Result<void> validate_sysctls(const Spec& spec) {
    const Linux& l = *spec.linux;
    static constexpr std::string_view kIpcSysctls[] = {
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
        "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};
    for (const auto& [raw_key, value] : l.sysctl) {
        std::string key = raw_key;
        for (char& c : key)
            if (c == '/') c = '.';  // "net/ipv4/ip_forward" is the same sysctl
        std::string field = "linux.sysctl[" + quote(raw_key) + "]";
        bool ipc_key = key.rfind("fs.mqueue.", 0) == 0;
        for (auto k : kIpcSysctls) ipc_key = ipc_key || key == k;
        if (ipc_key) {
            if (!has_namespace(spec, "ipc"))
                return field_error(field, "requires an ipc namespace");
            continue;
        }
        if (key.rfind("net.", 0) == 0) {
            if (!has_namespace(spec, "network"))
                return field_error(field, "not allowed in the host's network namespace");
            continue;
        }
        if (key == "kernel.hostname" || key == "kernel.domainname") {
            if (!has_namespace(spec, "uts")) return field_error(field, "requires a uts namespace");
            // runc: the hostname has its own field, so the sysctl is refused even when the
            // field is absent (the two would race to set it).
            if (key == "kernel.hostname")
                return field_error(field, "conflicts with the hostname field (set hostname instead)");
            // runc accepts any kernel.domainname; crun refuses one that differs from
            // domainname. The same value twice is harmless; two values have no right answer.
            if (spec.domainname && !spec.domainname->empty() && *spec.domainname != value)
                return field_error(field, "value " + quote(value) + " differs from the domainname field " +
                                              quote(*spec.domainname));
            continue;
        }
        return field_error(field, "not in a separate kernel namespace");
    }
    return lc::ok();
}

lc::Result<void> validate_linux(const Spec& spec) {
    const Linux& l = *spec.linux;
    TRY(validate_namespaces(l));
    if (!has_namespace(spec, "user")) {
        if (!l.uid_mappings.empty())
            return field_error("linux.uidMappings", "requires a user namespace");
        if (!l.gid_mappings.empty())
            return field_error("linux.gidMappings", "requires a user namespace");
    }
    TRY(validate_id_mappings("linux.uidMappings", l.uid_mappings));
    TRY(validate_id_mappings("linux.gidMappings", l.gid_mappings));
    for (const auto& [clock, off] : l.time_offsets) {
        std::string field = "linux.timeOffsets[" + quote(clock) + "]";
        if (clock != "monotonic" && clock != "boottime")
            return field_error(field, "unknown clock (expected monotonic or boottime)");
        if (off.nanosecs >= 1000000000u)
            return field_error(field + ".nanosecs", "must be below 1000000000");
    }
    if (!l.time_offsets.empty() && !has_namespace(spec, "time"))
        return field_error("linux.timeOffsets", "requires a time namespace");
    for (size_t i = 0; i < l.devices.size(); ++i) {
        std::string field = at("linux.devices", i);
        if (!is_one_of(kDeviceTypes, l.devices[i].type))
            return field_error(field + ".type", "unknown device type " + quote(l.devices[i].type) +
                                                    " (expected c, b, u or p)");
        TRY(absolute(field + ".path", l.devices[i].path));
    }
    TRY(validate_sysctls(spec));
    if (l.rootfs_propagation && !l.rootfs_propagation->empty() &&
        !is_one_of(kRootfsPropagations, *l.rootfs_propagation))
        return field_error("linux.rootfsPropagation",
                           "unknown propagation " + quote(*l.rootfs_propagation));
    for (size_t i = 0; i < l.masked_paths.size(); ++i)
        TRY(absolute(at("linux.maskedPaths", i), l.masked_paths[i]));
    for (size_t i = 0; i < l.readonly_paths.size(); ++i)
        TRY(absolute(at("linux.readonlyPaths", i), l.readonly_paths[i]));
    if (l.personality && l.personality->domain != "LINUX" && l.personality->domain != "LINUX32")
        return field_error("linux.personality.domain",
                           "unknown domain " + quote(l.personality->domain) +
                               " (expected LINUX or LINUX32)");
    return lc::ok();
}

}  // namespace

lc::Result<void> validate_version(const std::string& oci_version) {
    // SemVer: MAJOR.MINOR.PATCH, then an optional -prerelease and +build we do not interpret.
    std::string_view v = oci_version;
    std::string_view core = v.substr(0, v.find_first_of("-+"));
    unsigned parts[3] = {0, 0, 0};
    size_t start = 0;
    bool well_formed = true;
    for (int i = 0; i < 3; ++i) {
        size_t dot = i < 2 ? core.find('.', start) : core.size();
        if (dot == std::string_view::npos || !parse_number(core.substr(start, dot - start), parts[i])) {
            well_formed = false;
            break;
        }
        start = dot + 1;
    }
    if (!well_formed || start != core.size() + 1)
        return field_error("ociVersion", "invalid version " + quote(oci_version) +
                                             " (expected MAJOR.MINOR.PATCH)");
    if (parts[0] != 1 || parts[1] > 3)
        return field_error("ociVersion", "unsupported version " + quote(oci_version) +
                                             " (supported: 1.0.0 to 1.3.x)");
    return lc::ok();
}

lc::Result<void> validate_env(const std::vector<std::string>& env, const std::string& field) {
    for (size_t i = 0; i < env.size(); ++i) {
        const std::string& e = env[i];
        const std::string what = "invalid environment variable ";
        // JSON can carry \u0000; execve would cut the entry there. Checked first: the entry is
        // quoted below, and a NUL would cut the message too.
        if (e.find('\0') != std::string::npos) return field_error(at(field, i), what + "(contains a NUL byte)");
        size_t eq = e.find('=');
        // execve would pass a bare "FOO" through, but getenv never finds it: runc refuses it.
        if (eq == std::string::npos) return field_error(at(field, i), what + quote(e) + ": missing \"=\"");
        if (eq == 0) return field_error(at(field, i), what + quote(e) + ": empty name");
    }
    return lc::ok();
}

lc::Result<void> validate_process(const Process& p, const std::string& field) {
    if (p.args.empty()) return field_error(field + ".args", "must not be empty");
    TRY(absolute(field + ".cwd", p.cwd));
    TRY(validate_env(p.env, field + ".env"));
    std::set<std::string_view> seen;
    for (size_t i = 0; i < p.rlimits.size(); ++i) {
        const Rlimit& r = p.rlimits[i];
        std::string rf = at(field + ".rlimits", i);
        if (!is_one_of(kRlimitTypes, r.type))
            return field_error(rf + ".type", "unknown rlimit " + quote(r.type));
        if (!seen.insert(r.type).second)
            return field_error(rf + ".type", "duplicate rlimit " + quote(r.type));
        if (r.soft > r.hard)
            return field_error(rf, "soft limit " + std::to_string(r.soft) +
                                       " exceeds hard limit " + std::to_string(r.hard));
    }
    if (p.oom_score_adj && (*p.oom_score_adj < -1000 || *p.oom_score_adj > 1000))
        return field_error(field + ".oomScoreAdj",
                           "must be between -1000 and 1000, got " + std::to_string(*p.oom_score_adj));
    if (p.io_priority) {
        const auto& io = *p.io_priority;
        if (io.io_class != "IOPRIO_CLASS_RT" && io.io_class != "IOPRIO_CLASS_BE" &&
            io.io_class != "IOPRIO_CLASS_IDLE")
            return field_error(field + ".ioPriority.class", "unknown class " + quote(io.io_class));
        if (io.priority < 0 || io.priority > 7)
            return field_error(field + ".ioPriority.priority",
                               "must be between 0 and 7, got " + std::to_string(io.priority));
    }
    return lc::ok();
}

lc::Result<void> validate(const Spec& spec) {
    TRY(validate_version(spec.oci_version));
    if (!spec.root) return field_error("root", "missing required field");
    if (spec.root->path.empty()) return field_error("root.path", "must not be empty");
    if (!spec.process) return field_error("process", "missing required field");
    TRY(validate_process(*spec.process, "process"));
    if (spec.hostname && !spec.hostname->empty() && !has_namespace(spec, "uts"))
        return field_error("hostname", "requires a uts namespace");
    if (spec.domainname && !spec.domainname->empty() && !has_namespace(spec, "uts"))
        return field_error("domainname", "requires a uts namespace");
    TRY(validate_mounts(spec.mounts));
    if (spec.hooks) TRY(validate_hooks(*spec.hooks));
    if (spec.linux) TRY(validate_linux(spec));
    return lc::ok();
}

}  // namespace specs
