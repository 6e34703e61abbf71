// Spec -> JSON in the runtime-spec's key order (ordered_json), omitting absent optionals and
// empty lists the way the spec's Go types do (omitempty), so `cort spec` output matches runc's.
#include <nlohmann/json.hpp>

#include "specs/json.hpp"

namespace specs {
namespace {

using ojson = nlohmann::ordered_json;

template <typename T>
void put_opt(ojson& j, const char* key, const std::optional<T>& v);
template <typename T>
void put_list(ojson& j, const char* key, const std::vector<T>& v);
template <typename T>
ojson map_to_ojson(const std::map<std::string, T>& m);

ojson to_ojson(const std::string& s) { return s; }

ojson to_ojson(const Box& b) { return {{"height", b.height}, {"width", b.width}}; }

ojson to_ojson(const User& u) {
    ojson j = {{"uid", u.uid}, {"gid", u.gid}};
    put_opt(j, "umask", u.umask);
    put_list(j, "additionalGids", u.additional_gids);
    put_opt(j, "username", u.username);
    return j;
}

ojson to_ojson(const Rlimit& r) { return {{"type", r.type}, {"hard", r.hard}, {"soft", r.soft}}; }

ojson to_ojson(const LinuxCapabilities& c) {
    ojson j = ojson::object();
    put_opt(j, "bounding", c.bounding);
    put_opt(j, "effective", c.effective);
    put_opt(j, "inheritable", c.inheritable);
    put_opt(j, "permitted", c.permitted);
    put_opt(j, "ambient", c.ambient);
    return j;
}

ojson to_ojson(const std::vector<std::string>& v) { return v; }

ojson to_ojson(const Scheduler& s) {
    ojson j = {{"policy", s.policy}};
    put_opt(j, "nice", s.nice);
    put_opt(j, "priority", s.priority);
    put_list(j, "flags", s.flags);
    put_opt(j, "runtime", s.runtime);
    put_opt(j, "deadline", s.deadline);
    put_opt(j, "period", s.period);
    return j;
}

ojson to_ojson(const IOPriority& p) { return {{"class", p.io_class}, {"priority", p.priority}}; }

ojson to_ojson(const CPUAffinity& a) {
    ojson j = ojson::object();
    put_opt(j, "initial", a.initial);
    put_opt(j, "final", a.final_);
    return j;
}

ojson to_ojson(const Process& p) {
    ojson j = ojson::object();
    if (p.terminal) j["terminal"] = true;
    put_opt(j, "consoleSize", p.console_size);
    j["user"] = to_ojson(p.user);
    j["args"] = p.args;
    put_opt(j, "commandLine", p.command_line);
    put_list(j, "env", p.env);
    j["cwd"] = p.cwd;
    put_opt(j, "capabilities", p.capabilities);
    put_list(j, "rlimits", p.rlimits);
    if (p.no_new_privileges) j["noNewPrivileges"] = true;
    put_opt(j, "apparmorProfile", p.apparmor_profile);
    put_opt(j, "oomScoreAdj", p.oom_score_adj);
    put_opt(j, "scheduler", p.scheduler);
    put_opt(j, "selinuxLabel", p.selinux_label);
    put_opt(j, "ioPriority", p.io_priority);
    put_opt(j, "execCPUAffinity", p.exec_cpu_affinity);
    return j;
}

ojson to_ojson(const Root& r) {
    ojson j = {{"path", r.path}};
    if (r.readonly) j["readonly"] = true;
    return j;
}

ojson to_ojson(const IDMapping& m) {
    return {{"containerID", m.container_id}, {"hostID", m.host_id}, {"size", m.size}};
}

ojson to_ojson(const Mount& m) {
    ojson j = {{"destination", m.destination}};
    put_opt(j, "type", m.type);
    put_opt(j, "source", m.source);
    put_list(j, "options", m.options);
    put_list(j, "uidMappings", m.uid_mappings);
    put_list(j, "gidMappings", m.gid_mappings);
    return j;
}

ojson to_ojson(const Hook& h) {
    ojson j = {{"path", h.path}};
    put_list(j, "args", h.args);
    if (h.env) {
        ojson env = ojson::array();
        for (const auto& e : *h.env) env.push_back(e);
        j["env"] = std::move(env);
    }
    put_opt(j, "timeout", h.timeout);
    return j;
}

ojson to_ojson(const Hooks& h) {
    ojson j = ojson::object();
    put_list(j, "prestart", h.prestart);
    put_list(j, "createRuntime", h.create_runtime);
    put_list(j, "createContainer", h.create_container);
    put_list(j, "startContainer", h.start_container);
    put_list(j, "poststart", h.poststart);
    put_list(j, "poststop", h.poststop);
    return j;
}

ojson to_ojson(const LinuxNamespace& n) {
    ojson j = {{"type", n.type}};
    put_opt(j, "path", n.path);
    return j;
}

ojson to_ojson(const LinuxDevice& d) {
    ojson j = {{"path", d.path}, {"type", d.type}, {"major", d.major}, {"minor", d.minor}};
    put_opt(j, "fileMode", d.file_mode);
    put_opt(j, "uid", d.uid);
    put_opt(j, "gid", d.gid);
    return j;
}

ojson to_ojson(const LinuxDeviceCgroup& d) {
    ojson j = {{"allow", d.allow}};
    put_opt(j, "type", d.type);
    put_opt(j, "major", d.major);
    put_opt(j, "minor", d.minor);
    put_opt(j, "access", d.access);
    return j;
}

ojson to_ojson(const LinuxMemory& m) {
    ojson j = ojson::object();
    put_opt(j, "limit", m.limit);
    put_opt(j, "reservation", m.reservation);
    put_opt(j, "swap", m.swap);
    put_opt(j, "kernel", m.kernel);
    put_opt(j, "kernelTCP", m.kernel_tcp);
    put_opt(j, "swappiness", m.swappiness);
    put_opt(j, "disableOOMKiller", m.disable_oom_killer);
    put_opt(j, "useHierarchy", m.use_hierarchy);
    put_opt(j, "checkBeforeUpdate", m.check_before_update);
    return j;
}

ojson to_ojson(const LinuxCPU& c) {
    ojson j = ojson::object();
    put_opt(j, "shares", c.shares);
    put_opt(j, "quota", c.quota);
    put_opt(j, "burst", c.burst);
    put_opt(j, "period", c.period);
    put_opt(j, "realtimeRuntime", c.realtime_runtime);
    put_opt(j, "realtimePeriod", c.realtime_period);
    put_opt(j, "cpus", c.cpus);
    put_opt(j, "mems", c.mems);
    put_opt(j, "idle", c.idle);
    return j;
}

ojson to_ojson(const LinuxPids& p) { return {{"limit", p.limit.value_or(0)}}; }

ojson to_ojson(const LinuxWeightDevice& d) {
    ojson j = {{"major", d.major}, {"minor", d.minor}};
    put_opt(j, "weight", d.weight);
    put_opt(j, "leafWeight", d.leaf_weight);
    return j;
}

ojson to_ojson(const LinuxThrottleDevice& d) {
    return {{"major", d.major}, {"minor", d.minor}, {"rate", d.rate}};
}

ojson to_ojson(const LinuxBlockIO& b) {
    ojson j = ojson::object();
    put_opt(j, "weight", b.weight);
    put_opt(j, "leafWeight", b.leaf_weight);
    put_list(j, "weightDevice", b.weight_device);
    put_list(j, "throttleReadBpsDevice", b.throttle_read_bps_device);
    put_list(j, "throttleWriteBpsDevice", b.throttle_write_bps_device);
    put_list(j, "throttleReadIOPSDevice", b.throttle_read_iops_device);
    put_list(j, "throttleWriteIOPSDevice", b.throttle_write_iops_device);
    return j;
}

ojson to_ojson(const LinuxHugepageLimit& h) { return {{"pageSize", h.page_size}, {"limit", h.limit}}; }

ojson to_ojson(const LinuxInterfacePriority& p) {
    return {{"name", p.name}, {"priority", p.priority}};
}

ojson to_ojson(const LinuxNetwork& n) {
    ojson j = ojson::object();
    put_opt(j, "classID", n.class_id);
    put_list(j, "priorities", n.priorities);
    return j;
}

ojson to_ojson(const LinuxRdma& r) {
    ojson j = ojson::object();
    put_opt(j, "hcaHandles", r.hca_handles);
    put_opt(j, "hcaObjects", r.hca_objects);
    return j;
}

ojson to_ojson(const LinuxResources& r) {
    ojson j = ojson::object();
    put_list(j, "devices", r.devices);
    put_opt(j, "memory", r.memory);
    put_opt(j, "cpu", r.cpu);
    put_opt(j, "pids", r.pids);
    put_opt(j, "blockIO", r.block_io);
    put_list(j, "hugepageLimits", r.hugepage_limits);
    put_opt(j, "network", r.network);
    if (!r.rdma.empty()) j["rdma"] = map_to_ojson(r.rdma);
    if (!r.unified.empty()) j["unified"] = map_to_ojson(r.unified);
    return j;
}

ojson to_ojson(const LinuxSyscallArg& a) {
    ojson j = {{"index", a.index}, {"value", a.value}};
    if (a.value_two != 0) j["valueTwo"] = a.value_two;
    j["op"] = a.op;
    return j;
}

ojson to_ojson(const LinuxSyscall& s) {
    ojson j = {{"names", s.names}, {"action", s.action}};
    put_opt(j, "errnoRet", s.errno_ret);
    put_list(j, "args", s.args);
    return j;
}

ojson to_ojson(const LinuxSeccomp& s) {
    ojson j = {{"defaultAction", s.default_action}};
    put_opt(j, "defaultErrnoRet", s.default_errno_ret);
    put_list(j, "architectures", s.architectures);
    put_list(j, "flags", s.flags);
    put_opt(j, "listenerPath", s.listener_path);
    put_opt(j, "listenerMetadata", s.listener_metadata);
    put_list(j, "syscalls", s.syscalls);
    return j;
}

ojson to_ojson(const LinuxPersonality& p) {
    ojson j = {{"domain", p.domain}};
    put_list(j, "flags", p.flags);
    return j;
}

ojson to_ojson(const LinuxIntelRdt& r) {
    ojson j = ojson::object();
    put_opt(j, "closID", r.clos_id);
    put_opt(j, "l3CacheSchema", r.l3_cache_schema);
    put_opt(j, "memBwSchema", r.mem_bw_schema);
    put_list(j, "schemata", r.schemata);
    put_opt(j, "enableMonitoring", r.enable_monitoring);
    return j;
}

ojson to_ojson(const LinuxTimeOffset& t) {
    ojson j = ojson::object();
    if (t.secs != 0) j["secs"] = t.secs;
    if (t.nanosecs != 0) j["nanosecs"] = t.nanosecs;
    return j;
}

ojson to_ojson(const LinuxNetDevice& d) {
    ojson j = ojson::object();
    put_opt(j, "name", d.name);
    return j;
}

ojson to_ojson(const MemoryPolicy& m) {
    ojson j = {{"mode", m.mode}};
    put_opt(j, "nodes", m.nodes);
    put_list(j, "flags", m.flags);
    return j;
}

ojson to_ojson(const Linux& l) {
    ojson j = ojson::object();
    put_list(j, "uidMappings", l.uid_mappings);
    put_list(j, "gidMappings", l.gid_mappings);
    if (!l.time_offsets.empty()) j["timeOffsets"] = map_to_ojson(l.time_offsets);
    if (!l.sysctl.empty()) j["sysctl"] = map_to_ojson(l.sysctl);
    put_opt(j, "resources", l.resources);
    put_opt(j, "cgroupsPath", l.cgroups_path);
    put_list(j, "namespaces", l.namespaces);
    put_list(j, "devices", l.devices);
    if (!l.net_devices.empty()) j["netDevices"] = map_to_ojson(l.net_devices);
    put_opt(j, "seccomp", l.seccomp);
    put_opt(j, "rootfsPropagation", l.rootfs_propagation);
    put_list(j, "maskedPaths", l.masked_paths);
    put_list(j, "readonlyPaths", l.readonly_paths);
    put_opt(j, "mountLabel", l.mount_label);
    put_opt(j, "intelRdt", l.intel_rdt);
    put_opt(j, "personality", l.personality);
    put_opt(j, "memoryPolicy", l.memory_policy);
    return j;
}

ojson to_ojson(const Spec& s) {
    ojson j = {{"ociVersion", s.oci_version}};
    put_opt(j, "process", s.process);
    put_opt(j, "root", s.root);
    put_opt(j, "hostname", s.hostname);
    put_opt(j, "domainname", s.domainname);
    put_list(j, "mounts", s.mounts);
    if (s.hooks && !s.hooks->empty()) j["hooks"] = to_ojson(*s.hooks);
    if (!s.annotations.empty()) j["annotations"] = map_to_ojson(s.annotations);
    put_opt(j, "linux", s.linux);
    return j;
}

template <typename T>
ojson scalar_or_struct(const T& v) {
    if constexpr (std::is_arithmetic_v<T>) {
        return v;
    } else {
        return to_ojson(v);
    }
}

template <typename T>
void put_opt(ojson& j, const char* key, const std::optional<T>& v) {
    if (v) j[key] = scalar_or_struct(*v);
}

template <typename T>
void put_list(ojson& j, const char* key, const std::vector<T>& v) {
    if (v.empty()) return;
    ojson arr = ojson::array();
    for (const auto& item : v) arr.push_back(scalar_or_struct(item));
    j[key] = std::move(arr);
}

template <typename T>
ojson map_to_ojson(const std::map<std::string, T>& m) {
    ojson j = ojson::object();
    for (const auto& [k, v] : m) j[k] = scalar_or_struct(v);
    return j;
}

// runc writes config.json with tab indentation; replace keeps invalid UTF-8 in a
// programmatically built Spec from throwing inside dump().
std::string dump(const ojson& j, bool pretty) {
    return pretty ? j.dump(1, '\t', false, ojson::error_handler_t::replace)
                  : j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

}  // namespace

std::string to_json_string(const Spec& spec, bool pretty) { return dump(to_ojson(spec), pretty); }
std::string to_json_string(const LinuxResources& r) { return dump(to_ojson(r), false); }
std::string to_json_string(const Hooks& hooks) { return dump(to_ojson(hooks), false); }

}  // namespace specs
