// Cgroup statistics for `events`, in the shape of runc's types.Stats, and an OOM watch.
// Readers are per controller and per cgroup version; each takes the container's cgroup
// directory in the hierarchy that hosts the controller (fs_manager decides which).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lc/error.hpp"
#include "lc/fd.hpp"

namespace lc::cgroups {

struct CpuStats {
    // nanoseconds
    uint64_t total = 0, kernel = 0, user = 0;
    std::vector<uint64_t> percpu, percpu_kernel, percpu_user;
    uint64_t periods = 0, throttled_periods = 0, throttled_time = 0;
};

struct CpusetStats {
    std::vector<uint16_t> cpus, mems;
    uint64_t cpu_exclusive = 0, mem_hardwall = 0, mem_exclusive = 0, memory_migrate = 0,
             memory_spread_page = 0, memory_spread_slab = 0, memory_pressure = 0, sched_load_balance = 0;
    int64_t sched_relax_domain_level = 0;
};

struct MemoryEntry {
    uint64_t limit = 0, usage = 0, max = 0, failcnt = 0;
};

struct MemoryStats {
    uint64_t cache = 0;
    MemoryEntry usage, swap, kernel, kernel_tcp;
    std::map<std::string, uint64_t> raw;  // memory.stat as is
};

struct PidsStats {
    uint64_t current = 0, limit = 0;  // limit 0 = no limit ("max")
};

struct BlkioEntry {
    uint64_t major = 0, minor = 0;
    std::string op;
    uint64_t value = 0;
    bool operator==(const BlkioEntry&) const = default;
};

struct BlkioStats {
    std::vector<BlkioEntry> service_bytes, serviced, queued, service_time, wait_time, merged, time, sectors;
};

struct HugetlbStats {
    uint64_t usage = 0, max = 0, failcnt = 0;
};

struct Stats {
    CpuStats cpu;
    CpusetStats cpuset;
    MemoryStats memory;
    PidsStats pids;
    BlkioStats blkio;
    std::map<std::string, HugetlbStats> hugetlb;  // "2MB" -> stats
};

// runc's `data` object of a stats event: {"cpu":…,"cpuset":…,"memory":…,"pids":…,"blkio":…,
// "hugetlb":…,"intel_rdt":{},"network_interfaces":null}, with runc's omitempty rules.
std::string stats_to_json(const Stats& s);

// ---- readers (dir = the container's directory in the hierarchy with that controller) ----
// A file the kernel lacks (ENOENT) leaves its fields zero; other read errors are errors.
Result<void> v1_cpuacct_stats(const std::string& dir, CpuStats& out);
Result<void> v1_cpu_stats(const std::string& dir, CpuStats& out);  // cpu.stat throttling
Result<void> cpuset_stats(const std::string& dir, CpusetStats& out);
Result<void> v1_memory_stats(const std::string& dir, MemoryStats& out);
Result<void> pids_stats(const std::string& dir, PidsStats& out);
Result<void> v1_blkio_stats(const std::string& dir, BlkioStats& out);
Result<void> v1_hugetlb_stats(const std::string& dir, std::map<std::string, HugetlbStats>& out);
Result<void> v2_cpu_stats(const std::string& dir, CpuStats& out);
Result<void> v2_memory_stats(const std::string& dir, MemoryStats& out);
Result<void> v2_io_stats(const std::string& dir, BlkioStats& out);
Result<void> v2_hugetlb_stats(const std::string& dir, std::map<std::string, HugetlbStats>& out);

// ---- pure parsers (unit-tested) ----
// "0-2,4" -> {0,1,2,4}. Errors name the text.
Result<std::vector<uint16_t>> parse_cpu_list(std::string_view text);
// "key value" lines (memory.stat, cpu.stat, memory.events).
std::map<std::string, uint64_t> parse_flat_keyed(std::string_view text);
// v1 blkio files: "8:0 Read 4096" lines ("Total N" skipped); lines with only "maj:min value"
// (blkio.sectors, blkio.time) get an empty op.
std::vector<BlkioEntry> parse_blkio_file(std::string_view text);
// v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" -> service bytes
// (Read/Write) and serviced (Read/Write), as runc reports them.
void parse_io_stat(std::string_view text, BlkioStats& out);

// Readable when an OOM may have happened: v1 an eventfd registered through
// cgroup.event_control on memory.oom_control; v2 an inotify watch on memory.events.
class OomWatch {
public:
    OomWatch() = default;
    OomWatch(UniqueFd fd, bool v2, std::string dir, uint64_t last_oom)
        : fd_(std::move(fd)), v2_(v2), dir_(std::move(dir)), last_(last_oom) {}
    int fd() const { return fd_.get(); }
    // Drains the fd; true when an OOM happened since the last call. v1: the kernel signals
    // the eventfd on each OOM (and once when the cgroup is removed: false then). v2: the
    // `oom` counter of memory.events grew.
    Result<bool> consume();

private:
    UniqueFd fd_;
    bool v2_ = false;
    std::string dir_;
    uint64_t last_ = 0;
};

Result<OomWatch> make_oom_watch(const std::string& memory_dir, bool v2);

}  // namespace lc::cgroups
