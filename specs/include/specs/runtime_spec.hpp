// OCI runtime-spec 1.3 config.json types. Optional fields are std::optional so that
// "absent" and "zero" stay distinct (the spec gives absent fields their own meaning).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

// GNU dialects predefine `linux` as 1; the field below is named after the spec key.
#ifdef linux
#undef linux
#endif

namespace specs {

struct Box {
    uint32_t height = 0;
    uint32_t width = 0;
};

struct User {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::optional<uint32_t> umask;
    std::vector<uint32_t> additional_gids;
    std::optional<std::string> username;  // Windows only in the spec; accepted and ignored
};

struct Rlimit {
    std::string type;  // "RLIMIT_NOFILE"
    uint64_t soft = 0;
    uint64_t hard = 0;
};

struct LinuxCapabilities {
    std::optional<std::vector<std::string>> bounding, effective, inheritable, permitted, ambient;
};

struct Scheduler {
    std::string policy;  // SCHED_OTHER, SCHED_FIFO, ...
    std::optional<int32_t> nice, priority;
    std::vector<std::string> flags;
    std::optional<uint64_t> runtime, deadline, period;
};

struct IOPriority {
    std::string io_class;  // IOPRIO_CLASS_RT / BE / IDLE
    int32_t priority = 0;
};

struct CPUAffinity {
    std::optional<std::string> initial, final_;
};

struct Process {
    bool terminal = false;
    std::optional<Box> console_size;
    User user;
    std::vector<std::string> args;
    std::optional<std::string> command_line;  // Windows only
    std::vector<std::string> env;
    std::string cwd;  // required, absolute
    std::optional<LinuxCapabilities> capabilities;
    std::vector<Rlimit> rlimits;
    bool no_new_privileges = false;
    std::optional<std::string> apparmor_profile;
    std::optional<int32_t> oom_score_adj;
    std::optional<Scheduler> scheduler;
    std::optional<std::string> selinux_label;
    std::optional<IOPriority> io_priority;
    std::optional<CPUAffinity> exec_cpu_affinity;
};

struct Root {
    std::string path;  // required
    bool readonly = false;
};

struct IDMapping {
    uint32_t container_id = 0;
    uint32_t host_id = 0;
    uint32_t size = 0;
};

struct Mount {
    std::string destination;  // required, absolute on Linux
    std::optional<std::string> type;
    std::optional<std::string> source;
    std::vector<std::string> options;
    std::vector<IDMapping> uid_mappings, gid_mappings;
};

struct Hook {
    std::string path;  // required, absolute
    std::vector<std::string> args;
    // Absent: the hook runs with the runtime's own environment (runc, crun); [] is empty.
    std::optional<std::vector<std::string>> env;
    std::optional<int> timeout;  // seconds, > 0
};

struct Hooks {
    std::vector<Hook> prestart;  // deprecated, still honoured
    std::vector<Hook> create_runtime, create_container, start_container, poststart, poststop;
    bool empty() const {
        return prestart.empty() && create_runtime.empty() && create_container.empty() &&
               start_container.empty() && poststart.empty() && poststop.empty();
    }
};

struct LinuxNamespace {
    std::string type;  // pid network mount ipc uts user cgroup time
    std::optional<std::string> path;
};

struct LinuxDevice {
    std::string type;  // c, b, u, p
    std::string path;
    int64_t major = 0, minor = 0;
    std::optional<uint32_t> file_mode;
    std::optional<uint32_t> uid, gid;
};

struct LinuxDeviceCgroup {
    bool allow = false;
    std::optional<std::string> type;  // a, c, b
    std::optional<int64_t> major, minor;
    std::optional<std::string> access;  // rwm
};

struct LinuxMemory {
    std::optional<int64_t> limit, reservation, swap, kernel, kernel_tcp;
    std::optional<uint64_t> swappiness;
    std::optional<bool> disable_oom_killer, use_hierarchy, check_before_update;
};

struct LinuxCPU {
    std::optional<uint64_t> shares;
    std::optional<int64_t> quota;
    std::optional<uint64_t> burst;
    std::optional<uint64_t> period;
    std::optional<int64_t> realtime_runtime;
    std::optional<uint64_t> realtime_period;
    std::optional<std::string> cpus, mems;
    std::optional<int64_t> idle;
};

struct LinuxPids {
    std::optional<int64_t> limit;  // required inside "pids" by the schema
};

struct LinuxWeightDevice {
    int64_t major = 0, minor = 0;
    std::optional<uint16_t> weight, leaf_weight;
};

struct LinuxThrottleDevice {
    int64_t major = 0, minor = 0;
    uint64_t rate = 0;
};

struct LinuxBlockIO {
    std::optional<uint16_t> weight, leaf_weight;
    std::vector<LinuxWeightDevice> weight_device;
    std::vector<LinuxThrottleDevice> throttle_read_bps_device, throttle_write_bps_device,
        throttle_read_iops_device, throttle_write_iops_device;
};

struct LinuxHugepageLimit {
    std::string page_size;  // "2MB"
    uint64_t limit = 0;
};

struct LinuxInterfacePriority {
    std::string name;
    uint32_t priority = 0;
};

struct LinuxNetwork {
    std::optional<uint32_t> class_id;
    std::vector<LinuxInterfacePriority> priorities;
};

struct LinuxRdma {
    std::optional<uint32_t> hca_handles, hca_objects;
};

struct LinuxResources {
    std::vector<LinuxDeviceCgroup> devices;
    std::optional<LinuxMemory> memory;
    std::optional<LinuxCPU> cpu;
    std::optional<LinuxPids> pids;
    std::optional<LinuxBlockIO> block_io;
    std::vector<LinuxHugepageLimit> hugepage_limits;
    std::optional<LinuxNetwork> network;
    std::map<std::string, LinuxRdma> rdma;
    std::map<std::string, std::string> unified;
};

struct LinuxSyscallArg {
    uint32_t index = 0;
    uint64_t value = 0;
    uint64_t value_two = 0;
    std::string op;  // SCMP_CMP_*
};

struct LinuxSyscall {
    std::vector<std::string> names;
    std::string action;
    std::optional<uint32_t> errno_ret;
    std::vector<LinuxSyscallArg> args;
};

struct LinuxSeccomp {
    std::string default_action;
    std::optional<uint32_t> default_errno_ret;
    std::vector<std::string> architectures;
    std::vector<std::string> flags;
    std::optional<std::string> listener_path, listener_metadata;
    std::vector<LinuxSyscall> syscalls;
};

struct LinuxPersonality {
    std::string domain;  // LINUX, LINUX32
    std::vector<std::string> flags;
};

struct LinuxIntelRdt {
    std::optional<std::string> clos_id, l3_cache_schema, mem_bw_schema;
    std::vector<std::string> schemata;
    std::optional<bool> enable_monitoring;
};

struct LinuxTimeOffset {
    int64_t secs = 0;
    uint32_t nanosecs = 0;
};

struct LinuxNetDevice {
    std::optional<std::string> name;
};

struct MemoryPolicy {
    std::string mode;
    std::optional<std::string> nodes;
    std::vector<std::string> flags;
};

struct Linux {
    std::vector<IDMapping> uid_mappings, gid_mappings;
    std::map<std::string, LinuxTimeOffset> time_offsets;  // "monotonic", "boottime"
    std::map<std::string, std::string> sysctl;
    std::optional<LinuxResources> resources;
    std::optional<std::string> cgroups_path;
    std::vector<LinuxNamespace> namespaces;
    std::vector<LinuxDevice> devices;
    std::optional<LinuxSeccomp> seccomp;
    std::optional<std::string> rootfs_propagation;
    std::vector<std::string> masked_paths, readonly_paths;
    std::optional<std::string> mount_label;
    std::optional<LinuxIntelRdt> intel_rdt;
    std::optional<LinuxPersonality> personality;
    std::map<std::string, LinuxNetDevice> net_devices;
    std::optional<MemoryPolicy> memory_policy;
};

struct Spec {
    std::string oci_version;  // required
    std::optional<Process> process;
    std::optional<Root> root;
    std::optional<std::string> hostname, domainname;
    std::vector<Mount> mounts;
    std::optional<Hooks> hooks;
    std::map<std::string, std::string> annotations;
    std::optional<Linux> linux;
};

}  // namespace specs
