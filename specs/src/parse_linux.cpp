// Readers for the "linux" section of config.json, including linux.resources.
#include "json_read.hpp"
#include "specs/known_names.hpp"

namespace specs::detail {

lc::Result<void> read(const json& j, const JPath& p, LinuxNamespace& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("type", out.type));
    if (!is_one_of(kNamespaceTypes, out.type))
        return field_error(p.field("type"), "unknown namespace " + json_quote(out.type));
    TRY(o.opt("path", out.path));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxDevice& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("type", out.type));
    if (!is_one_of(kDeviceTypes, out.type))
        return field_error(p.field("type"),
                           "unknown device type " + json_quote(out.type) + " (expected c, b, u or p)");
    TRY(o.req("path", out.path));
    TRY(o.opt("major", out.major));
    TRY(o.opt("minor", out.minor));
    TRY(o.opt("fileMode", out.file_mode));
    TRY(o.opt("uid", out.uid));
    TRY(o.opt("gid", out.gid));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxDeviceCgroup& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("allow", out.allow));
    TRY(o.opt("type", out.type));
    TRY(o.opt("major", out.major));
    TRY(o.opt("minor", out.minor));
    TRY(o.opt("access", out.access));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxMemory& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.opt("limit", out.limit));
    TRY(o.opt("reservation", out.reservation));
    TRY(o.opt("swap", out.swap));
    TRY(o.opt("kernel", out.kernel));
    TRY(o.opt("kernelTCP", out.kernel_tcp));
    TRY(o.opt("swappiness", out.swappiness));
    TRY(o.opt("disableOOMKiller", out.disable_oom_killer));
    TRY(o.opt("useHierarchy", out.use_hierarchy));
    TRY(o.opt("checkBeforeUpdate", out.check_before_update));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxCPU& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.opt("shares", out.shares));
    TRY(o.opt("quota", out.quota));
    TRY(o.opt("burst", out.burst));
    TRY(o.opt("period", out.period));
    TRY(o.opt("realtimeRuntime", out.realtime_runtime));
    TRY(o.opt("realtimePeriod", out.realtime_period));
    TRY(o.opt("cpus", out.cpus));
    TRY(o.opt("mems", out.mems));
    TRY(o.opt("idle", out.idle));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxPids& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("limit", out.limit));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxWeightDevice& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("major", out.major));
    TRY(o.req("minor", out.minor));
    TRY(o.opt("weight", out.weight));
    TRY(o.opt("leafWeight", out.leaf_weight));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxThrottleDevice& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("major", out.major));
    TRY(o.req("minor", out.minor));
    TRY(o.req("rate", out.rate));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxBlockIO& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.opt("weight", out.weight));
    TRY(o.opt("leafWeight", out.leaf_weight));
    TRY(o.opt("weightDevice", out.weight_device));
    TRY(o.opt("throttleReadBpsDevice", out.throttle_read_bps_device));
    TRY(o.opt("throttleWriteBpsDevice", out.throttle_write_bps_device));
    TRY(o.opt("throttleReadIOPSDevice", out.throttle_read_iops_device));
    TRY(o.opt("throttleWriteIOPSDevice", out.throttle_write_iops_device));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxHugepageLimit& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("pageSize", out.page_size));
    TRY(o.req("limit", out.limit));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxInterfacePriority& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("name", out.name));
    TRY(o.req("priority", out.priority));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxNetwork& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.opt("classID", out.class_id));
    TRY(o.opt("priorities", out.priorities));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxRdma& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.opt("hcaHandles", out.hca_handles));
    TRY(o.opt("hcaObjects", out.hca_objects));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxResources& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.opt("devices", out.devices));
    TRY(o.opt("memory", out.memory));
    TRY(o.opt("cpu", out.cpu));
    TRY(o.opt("pids", out.pids));
    TRY(o.opt("blockIO", out.block_io));
    TRY(o.opt("hugepageLimits", out.hugepage_limits));
    TRY(o.opt("network", out.network));
    TRY(o.opt("rdma", out.rdma));
    TRY(o.opt("unified", out.unified));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxSyscallArg& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("index", out.index));
    TRY(o.req("value", out.value));
    TRY(o.opt("valueTwo", out.value_two));
    TRY(o.req("op", out.op));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxSyscall& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("names", out.names));
    TRY(o.req("action", out.action));
    TRY(o.opt("errnoRet", out.errno_ret));
    TRY(o.opt("args", out.args));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxSeccomp& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("defaultAction", out.default_action));
    TRY(o.opt("defaultErrnoRet", out.default_errno_ret));
    TRY(o.opt("architectures", out.architectures));
    TRY(o.opt("flags", out.flags));
    TRY(o.opt("listenerPath", out.listener_path));
    TRY(o.opt("listenerMetadata", out.listener_metadata));
    TRY(o.opt("syscalls", out.syscalls));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxPersonality& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("domain", out.domain));
    TRY(o.opt("flags", out.flags));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxIntelRdt& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.opt("closID", out.clos_id));
    TRY(o.opt("l3CacheSchema", out.l3_cache_schema));
    TRY(o.opt("memBwSchema", out.mem_bw_schema));
    TRY(o.opt("schemata", out.schemata));
    TRY(o.opt("enableMonitoring", out.enable_monitoring));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxTimeOffset& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.opt("secs", out.secs));
    TRY(o.opt("nanosecs", out.nanosecs));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxNetDevice& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.opt("name", out.name));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, MemoryPolicy& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("mode", out.mode));
    TRY(o.opt("nodes", out.nodes));
    TRY(o.opt("flags", out.flags));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, Linux& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.opt("uidMappings", out.uid_mappings));
    TRY(o.opt("gidMappings", out.gid_mappings));
    TRY(o.opt("timeOffsets", out.time_offsets));
    TRY(o.opt("sysctl", out.sysctl));
    TRY(o.opt("resources", out.resources));
    TRY(o.opt("cgroupsPath", out.cgroups_path));
    TRY(o.opt("namespaces", out.namespaces));
    TRY(o.opt("devices", out.devices));
    TRY(o.opt("seccomp", out.seccomp));
    TRY(o.opt("rootfsPropagation", out.rootfs_propagation));
    TRY(o.opt("maskedPaths", out.masked_paths));
    TRY(o.opt("readonlyPaths", out.readonly_paths));
    TRY(o.opt("mountLabel", out.mount_label));
    TRY(o.opt("intelRdt", out.intel_rdt));
    TRY(o.opt("personality", out.personality));
    TRY(o.opt("netDevices", out.net_devices));
    TRY(o.opt("memoryPolicy", out.memory_policy));
    return lc::ok();
}

}  // namespace specs::detail
