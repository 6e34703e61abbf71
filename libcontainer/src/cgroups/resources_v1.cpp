// linux.resources -> cgroup v1 files (runc's fs subsystems). Pure.
#include <cctype>

#include "cgroups/resources.hpp"

namespace lc::cgroups {

namespace {
const std::string kMem = kResources + ".memory";
const std::string kCpu = kResources + ".cpu";
const std::string kBlk = kResources + ".blockIO";

std::string dev(int64_t major, int64_t minor) { return std::to_string(major) + ":" + std::to_string(minor); }
}  // namespace

Result<Writes> v1_memory(const specs::LinuxMemory& m, std::optional<uint64_t> current_limit) {
    Writes out;
    // runc treats 0 as "not set" for these, and so do we.
    int64_t limit = m.limit.value_or(0);
    int64_t swap = m.swap.value_or(0);
    if (limit < -1) return make_error(kMem + ".limit: invalid value " + std::to_string(limit));
    if (swap < -1) return make_error(kMem + ".swap: invalid value " + std::to_string(swap));
    if (limit > 0 && swap > 0 && swap < limit)
        return make_error(kMem + ".swap: memory+swap limit " + std::to_string(swap) +
                          " is lower than the memory limit " + std::to_string(limit));
    FileWrite lim{"memory.limit_in_bytes", std::to_string(limit), kMem + ".limit"};
    FileWrite sw{"memory.memsw.limit_in_bytes", std::to_string(swap), kMem + ".swap"};
    if (limit == -1 && swap == 0) {
        // "unlimited memory" also lifts memsw, where swap accounting exists (runc).
        sw.value = "-1";
        sw.if_exists = true;
        swap = -1;
    }
    if (limit != 0 && swap != 0) {
        // memsw must stay >= limit after each write: raise memsw first when growing.
        bool swap_first = swap == -1 || (current_limit && *current_limit < static_cast<uint64_t>(swap));
        if (swap_first) {
            out.push_back(sw);
            out.push_back(lim);
        } else {
            out.push_back(lim);
            out.push_back(sw);
        }
    } else if (limit != 0) {
        out.push_back(lim);
    } else if (swap != 0) {
        out.push_back(sw);
    }
    if (m.reservation && *m.reservation != 0)
        out.push_back({"memory.soft_limit_in_bytes", std::to_string(*m.reservation), kMem + ".reservation"});
    if (m.kernel && *m.kernel != 0)
        out.push_back({"memory.kmem.limit_in_bytes", std::to_string(*m.kernel), kMem + ".kernel", true});
    if (m.kernel_tcp && *m.kernel_tcp != 0)
        out.push_back(
            {"memory.kmem.tcp.limit_in_bytes", std::to_string(*m.kernel_tcp), kMem + ".kernelTCP", true});
    if (m.swappiness) {
        if (*m.swappiness > 100)
            return make_error(kMem + ".swappiness: invalid value " + std::to_string(*m.swappiness) +
                              " (valid range is 0-100)");
        out.push_back({"memory.swappiness", std::to_string(*m.swappiness), kMem + ".swappiness"});
    }
    if (m.disable_oom_killer && *m.disable_oom_killer)
        out.push_back({"memory.oom_control", "1", kMem + ".disableOOMKiller"});
    if (m.use_hierarchy)
        out.push_back({"memory.use_hierarchy", *m.use_hierarchy ? "1" : "0", kMem + ".useHierarchy"});
    return out;
}

Result<Writes> v1_cpu(const specs::LinuxCPU& c) {
    Writes out;
    if (c.shares && *c.shares != 0)
        out.push_back({"cpu.shares", std::to_string(*c.shares), kCpu + ".shares"});
    bool quota = c.quota && *c.quota != 0;
    if (c.period && *c.period != 0) {
        FileWrite w{"cpu.cfs_period_us", std::to_string(*c.period), kCpu + ".period"};
        // A smaller period can be refused until the new quota is in (runc retries too).
        w.retry_einval_at_end = quota;
        out.push_back(w);
    }
    if (quota) {
        if (*c.quota < -1) return make_error(kCpu + ".quota: invalid value " + std::to_string(*c.quota));
        out.push_back({"cpu.cfs_quota_us", std::to_string(*c.quota), kCpu + ".quota"});
    }
    if (c.burst) out.push_back({"cpu.cfs_burst_us", std::to_string(*c.burst), kCpu + ".burst"});
    if (c.realtime_period && *c.realtime_period != 0)
        out.push_back({"cpu.rt_period_us", std::to_string(*c.realtime_period), kCpu + ".realtimePeriod"});
    if (c.realtime_runtime && *c.realtime_runtime != 0)
        out.push_back({"cpu.rt_runtime_us", std::to_string(*c.realtime_runtime), kCpu + ".realtimeRuntime"});
    if (c.idle) out.push_back({"cpu.idle", std::to_string(*c.idle), kCpu + ".idle"});
    return out;
}

Writes v1_cpuset(const specs::LinuxCPU& c) {
    Writes out;
    if (c.cpus && !c.cpus->empty()) out.push_back({"cpuset.cpus", *c.cpus, kCpu + ".cpus"});
    if (c.mems && !c.mems->empty()) out.push_back({"cpuset.mems", *c.mems, kCpu + ".mems"});
    return out;
}

static Result<std::string> pids_value(const specs::LinuxPids& p) {
    int64_t l = p.limit.value_or(0);
    if (l < -1)
        return make_error(kResources + ".pids.limit: invalid value " + std::to_string(l) +
                          " (use -1 for no limit)");
    return l > 0 ? std::to_string(l) : std::string("max");
}

Result<Writes> v1_pids(const specs::LinuxPids& p) {
    if (!p.limit) return Writes{};
    TRY_ASSIGN(std::string v, pids_value(p));
    return Writes{{"pids.max", v, kResources + ".pids.limit"}};
}

Result<Writes> v2_pids(const specs::LinuxPids& p) { return v1_pids(p); }

static void throttle(Writes& out, const std::vector<specs::LinuxThrottleDevice>& devs, const std::string& file,
                     const std::string& field) {
    for (size_t i = 0; i < devs.size(); ++i)
        out.push_back({file, dev(devs[i].major, devs[i].minor) + " " + std::to_string(devs[i].rate),
                       kBlk + "." + field + "[" + std::to_string(i) + "]"});
}

Writes v1_blkio(const specs::LinuxBlockIO& b) {
    Writes out;
    if (b.weight && *b.weight != 0) {
        FileWrite w{"blkio.weight", std::to_string(*b.weight), kBlk + ".weight"};
        w.alt_file = "blkio.bfq.weight";
        out.push_back(w);
    }
    if (b.leaf_weight && *b.leaf_weight != 0)
        out.push_back({"blkio.leaf_weight", std::to_string(*b.leaf_weight), kBlk + ".leafWeight"});
    for (size_t i = 0; i < b.weight_device.size(); ++i) {
        const auto& d = b.weight_device[i];
        std::string f = kBlk + ".weightDevice[" + std::to_string(i) + "]";
        if (d.weight) {
            FileWrite w{"blkio.weight_device", dev(d.major, d.minor) + " " + std::to_string(*d.weight),
                        f + ".weight"};
            w.alt_file = "blkio.bfq.weight_device";
            out.push_back(w);
        }
        if (d.leaf_weight)
            out.push_back({"blkio.leaf_weight_device", dev(d.major, d.minor) + " " + std::to_string(*d.leaf_weight),
                           f + ".leafWeight"});
    }
    throttle(out, b.throttle_read_bps_device, "blkio.throttle.read_bps_device", "throttleReadBpsDevice");
    throttle(out, b.throttle_write_bps_device, "blkio.throttle.write_bps_device", "throttleWriteBpsDevice");
    throttle(out, b.throttle_read_iops_device, "blkio.throttle.read_iops_device", "throttleReadIOPSDevice");
    throttle(out, b.throttle_write_iops_device, "blkio.throttle.write_iops_device", "throttleWriteIOPSDevice");
    return out;
}

Result<std::string> hugepage_size(const std::string& page_size, const std::string& field) {
    size_t i = 0;
    while (i < page_size.size() && std::isdigit(static_cast<unsigned char>(page_size[i]))) ++i;
    std::string unit = page_size.substr(i);
    if (i == 0 || (unit != "KB" && unit != "MB" && unit != "GB" && unit != "TB"))
        return make_error(field + ": invalid page size \"" + page_size + "\" (expected e.g. \"2MB\", \"1GB\")");
    return page_size;
}

static Result<Writes> hugetlb(const std::vector<specs::LinuxHugepageLimit>& h, const char* limit_suffix,
                              const char* rsvd_suffix) {
    Writes out;
    for (size_t i = 0; i < h.size(); ++i) {
        std::string f = kResources + ".hugepageLimits[" + std::to_string(i) + "]";
        TRY_ASSIGN(std::string size, hugepage_size(h[i].page_size, f + ".pageSize"));
        std::string v = std::to_string(h[i].limit);
        out.push_back({"hugetlb." + size + "." + limit_suffix, v, f + ".limit"});
        // Reservation accounting (5.7+): keep it in step so reservations cannot exceed the limit.
        out.push_back({"hugetlb." + size + "." + rsvd_suffix, v, f + ".limit", true});
    }
    return out;
}

Result<Writes> v1_hugetlb(const std::vector<specs::LinuxHugepageLimit>& h) {
    return hugetlb(h, "limit_in_bytes", "rsvd.limit_in_bytes");
}
Result<Writes> v2_hugetlb(const std::vector<specs::LinuxHugepageLimit>& h) { return hugetlb(h, "max", "rsvd.max"); }

Writes v1_net_cls(const specs::LinuxNetwork& n) {
    if (!n.class_id) return {};
    return {{"net_cls.classid", std::to_string(*n.class_id), kResources + ".network.classID"}};
}

Writes v1_net_prio(const specs::LinuxNetwork& n) {
    Writes out;
    for (size_t i = 0; i < n.priorities.size(); ++i)
        out.push_back({"net_prio.ifpriomap", n.priorities[i].name + " " + std::to_string(n.priorities[i].priority),
                       kResources + ".network.priorities[" + std::to_string(i) + "]"});
    return out;
}

Writes rdma_writes(const std::map<std::string, specs::LinuxRdma>& r) {
    Writes out;
    for (const auto& [device, l] : r) {
        if (!l.hca_handles && !l.hca_objects) continue;
        std::string v = device;
        if (l.hca_handles) v += " hca_handle=" + std::to_string(*l.hca_handles);
        if (l.hca_objects) v += " hca_object=" + std::to_string(*l.hca_objects);
        out.push_back({"rdma.max", v, kResources + ".rdma." + device});
    }
    return out;
}

std::vector<ControllerUse> used_controllers(const specs::LinuxResources& r, bool v2) {
    std::vector<ControllerUse> out;
    if (r.cpu && ((r.cpu->cpus && !r.cpu->cpus->empty()) || (r.cpu->mems && !r.cpu->mems->empty())))
        out.push_back({"cpuset", kCpu + (r.cpu->cpus ? ".cpus" : ".mems")});
    if (r.memory) out.push_back({"memory", kMem});
    if (r.cpu && (r.cpu->shares || r.cpu->quota || r.cpu->period || r.cpu->burst || r.cpu->realtime_period ||
                  r.cpu->realtime_runtime || r.cpu->idle))
        out.push_back({"cpu", kCpu});
    if (r.pids && r.pids->limit) out.push_back({"pids", kResources + ".pids"});
    if (r.block_io) out.push_back({v2 ? "io" : "blkio", kBlk});
    if (!r.hugepage_limits.empty()) out.push_back({"hugetlb", kResources + ".hugepageLimits"});
    if (r.network && r.network->class_id) out.push_back({"net_cls", kResources + ".network.classID"});
    if (r.network && !r.network->priorities.empty())
        out.push_back({"net_prio", kResources + ".network.priorities"});
    if (!r.rdma.empty()) out.push_back({"rdma", kResources + ".rdma"});
    return out;
}

}  // namespace lc::cgroups
