// linux.resources -> cgroup v2 files (runc's fs2, crun's cgroup-resources.c). Pure.
#include <cmath>

#include "cgroups/resources.hpp"

namespace lc::cgroups {

namespace {
const std::string kMem = kResources + ".memory";
const std::string kCpu = kResources + ".cpu";
const std::string kBlk = kResources + ".blockIO";

std::string dev(int64_t major, int64_t minor) { return std::to_string(major) + ":" + std::to_string(minor); }
// runc's numToStr: 0 = unset (nothing written), -1 = "max".
std::string num_or_max(int64_t v) { return v == 0 ? "" : v == -1 ? "max" : std::to_string(v); }
Error unsupported(const std::string& field) { return make_error(field + ": not supported on cgroup v2"); }
}  // namespace

uint64_t shares_to_weight(uint64_t shares) {
    if (shares == 0) return 0;
    if (shares <= 2) return 1;
    if (shares >= 262144) return 10000;
    // The quadratic fit through (2,1), (1024,100), (262144,10000) in log2 space that runc
    // and crun use; the older linear formula gave 1024 -> 39.
    double l = std::log2(static_cast<double>(shares));
    double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
    return static_cast<uint64_t>(std::ceil(std::pow(10, exponent)));
}

Result<int64_t> swap_to_v2(int64_t swap, int64_t memory) {
    // "Unlimited memory, swap unset" means both unlimited, as on v1.
    if (memory == -1 && swap == 0) return int64_t{-1};
    if (swap == -1 || swap == 0) return swap;
    if (memory == 0) return make_error(kMem + ".swap: a swap limit needs a memory limit");
    if (memory < 0) return make_error(kMem + ".limit: invalid value " + std::to_string(memory));
    if (swap < memory)
        return make_error(kMem + ".swap: memory+swap limit " + std::to_string(swap) +
                          " is lower than the memory limit " + std::to_string(memory));
    return swap - memory;
}

uint64_t blkio_weight_to_io_weight(uint64_t w) {
    if (w == 0) return 0;
    return 1 + (w - 10) * 9999 / 990;
}

Result<Writes> v2_memory(const specs::LinuxMemory& m) {
    Writes out;
    int64_t limit = m.limit.value_or(0);
    int64_t swap_in = m.swap.value_or(0);
    if (limit < -1) return make_error(kMem + ".limit: invalid value " + std::to_string(limit));
    if (swap_in < -1) return make_error(kMem + ".swap: invalid value " + std::to_string(swap_in));
    TRY_ASSIGN(int64_t swap, swap_to_v2(swap_in, limit));
    std::string swap_str = num_or_max(swap);
    // swap == limit: no swap at all, which is "0", not "leave alone".
    if (swap_str.empty() && swap_in > 0) swap_str = "0";
    if (!swap_str.empty()) {
        FileWrite w{"memory.swap.max", swap_str, kMem + ".swap"};
        // Without swap accounting there is nothing to lift or disable (runc).
        w.if_exists = swap_str == "max" || swap_str == "0";
        out.push_back(w);
    }
    if (auto v = num_or_max(limit); !v.empty()) out.push_back({"memory.max", v, kMem + ".limit"});
    if (m.reservation) {
        if (*m.reservation < -1)
            return make_error(kMem + ".reservation: invalid value " + std::to_string(*m.reservation));
        if (auto v = num_or_max(*m.reservation); !v.empty())
            out.push_back({"memory.low", v, kMem + ".reservation"});
    }
    // kernel and kernelTCP: v2 accounts kernel memory inside memory.max and has no
    // separate limit; runc and crun ignore both, and so do we (documented).
    if (m.swappiness) return unsupported(kMem + ".swappiness");
    if (m.disable_oom_killer && *m.disable_oom_killer) return unsupported(kMem + ".disableOOMKiller");
    if (m.use_hierarchy && !*m.use_hierarchy)
        return make_error(kMem + ".useHierarchy: cgroup v2 is always hierarchical");
    return out;
}

Result<void> check_memory_usage(const specs::LinuxMemory& m, uint64_t usage) {
    if (!m.check_before_update.value_or(false)) return {};
    auto refuse = [&](const char* field, const char* what, int64_t limit) -> Result<void> {
        return make_error(kMem + "." + field + ": " + what + " " + std::to_string(limit) +
                          " is not above the current usage " + std::to_string(usage) +
                          " (memory.current; memory.checkBeforeUpdate is set)");
    };
    int64_t swap = m.swap.value_or(0), limit = m.limit.value_or(0);
    if (swap > 0 && static_cast<uint64_t>(swap) <= usage) return refuse("swap", "memory+swap limit", swap);
    if (limit > 0 && static_cast<uint64_t>(limit) <= usage) return refuse("limit", "memory limit", limit);
    return {};
}

Result<Writes> v2_cpu(const specs::LinuxCPU& c) {
    Writes out;
    if (c.shares && *c.shares != 0) {
        if (*c.shares < 2 || *c.shares > 262144)
            return make_error(kCpu + ".shares: invalid value " + std::to_string(*c.shares) +
                              " (valid range is 2-262144)");
        out.push_back({"cpu.weight", std::to_string(shares_to_weight(*c.shares)), kCpu + ".shares"});
    }
    int64_t quota = c.quota.value_or(0);
    uint64_t period = c.period.value_or(0);
    if (quota != 0 || period != 0) {
        if (quota < -1) return make_error(kCpu + ".quota: invalid value " + std::to_string(quota));
        std::string v = quota > 0 ? std::to_string(quota) : "max";
        v += " " + std::to_string(period != 0 ? period : 100000);
        out.push_back({"cpu.max", v, quota != 0 ? kCpu + ".quota" : kCpu + ".period"});
    }
    if (c.burst) out.push_back({"cpu.max.burst", std::to_string(*c.burst), kCpu + ".burst"});
    if (c.realtime_period && *c.realtime_period != 0) return unsupported(kCpu + ".realtimePeriod");
    if (c.realtime_runtime && *c.realtime_runtime != 0) return unsupported(kCpu + ".realtimeRuntime");
    if (c.idle) out.push_back({"cpu.idle", std::to_string(*c.idle), kCpu + ".idle"});
    return out;
}

Writes v2_cpuset(const specs::LinuxCPU& c) { return v1_cpuset(c); }

Result<Writes> v2_io(const specs::LinuxBlockIO& b, bool bfq) {
    Writes out;
    if (b.leaf_weight && *b.leaf_weight != 0) return unsupported(kBlk + ".leafWeight");
    auto weight = [&](uint64_t w) { return std::to_string(bfq ? w : blkio_weight_to_io_weight(w)); };
    const std::string wfile = bfq ? "io.bfq.weight" : "io.weight";
    if (b.weight && *b.weight != 0) out.push_back({wfile, weight(*b.weight), kBlk + ".weight"});
    for (size_t i = 0; i < b.weight_device.size(); ++i) {
        const auto& d = b.weight_device[i];
        if (d.leaf_weight) return unsupported(kBlk + ".weightDevice[" + std::to_string(i) + "].leafWeight");
        if (d.weight)
            out.push_back({wfile, dev(d.major, d.minor) + " " + weight(*d.weight),
                           kBlk + ".weightDevice[" + std::to_string(i) + "].weight"});
    }
    auto throttle = [&](const std::vector<specs::LinuxThrottleDevice>& devs, const char* key, const char* field) {
        for (size_t i = 0; i < devs.size(); ++i)
            out.push_back({"io.max", dev(devs[i].major, devs[i].minor) + " " + key + "=" + std::to_string(devs[i].rate),
                           kBlk + "." + field + "[" + std::to_string(i) + "]"});
    };
    throttle(b.throttle_read_bps_device, "rbps", "throttleReadBpsDevice");
    throttle(b.throttle_write_bps_device, "wbps", "throttleWriteBpsDevice");
    throttle(b.throttle_read_iops_device, "riops", "throttleReadIOPSDevice");
    throttle(b.throttle_write_iops_device, "wiops", "throttleWriteIOPSDevice");
    return out;
}

Result<Writes> v2_unified(const std::map<std::string, std::string>& u) {
    Writes out;
    for (const auto& [key, value] : u) {
        std::string field = kResources + ".unified." + key;
        if (key.empty() || key == "." || key == ".." || key.find('/') != std::string::npos)
            return make_error(field + ": invalid cgroup file name");
        if (key == "cgroup.procs" || key == "cgroup.threads" || key == "cgroup.subtree_control")
            return make_error(field + ": may not be set through linux.resources.unified");
        out.push_back({key, value, field});
    }
    return out;
}

}  // namespace lc::cgroups
