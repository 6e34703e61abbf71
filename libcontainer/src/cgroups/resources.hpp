// linux.resources -> the files to write, one pure function per controller and cgroup
// version. Nothing here touches the filesystem: the managers decide which hierarchy
// each controller lives in and write the list in order.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lc/error.hpp"
#include "specs/runtime_spec.hpp"

namespace lc::cgroups {

struct FileWrite {
    FileWrite() = default;
    FileWrite(std::string f, std::string v, std::string fld, bool only_if_exists = false)
        : file(std::move(f)), value(std::move(v)), field(std::move(fld)), if_exists(only_if_exists) {}

    std::string file;   // relative to the container's cgroup directory
    std::string value;
    std::string field;  // "linux.resources.memory.limit", named in errors
    // Skip quietly when the kernel lacks the file (ENOENT) or refuses the knob as
    // obsolete (EOPNOTSUPP): kernel memory, rsvd hugetlb. runc does the same.
    bool if_exists = false;
    // Try this file first when it exists (bfq weight files replace blkio.weight).
    std::string alt_file;
    // EINVAL now may succeed after the following writes (cfs period before quota).
    bool retry_einval_at_end = false;

    bool operator==(const FileWrite&) const = default;
};
using Writes = std::vector<FileWrite>;

inline const std::string kResources = "linux.resources";

// ---- cgroup v1 ----
// current_limit: memory.limit_in_bytes now, as read (only consulted when limit and swap are both
// set; the kernel requires memsw >= limit at every step, so the order depends on it).
Result<Writes> v1_memory(const specs::LinuxMemory& m, std::optional<uint64_t> current_limit);
Result<Writes> v1_cpu(const specs::LinuxCPU& c);
Writes v1_cpuset(const specs::LinuxCPU& c);
Result<Writes> v1_pids(const specs::LinuxPids& p);
Writes v1_blkio(const specs::LinuxBlockIO& b);
Result<Writes> v1_hugetlb(const std::vector<specs::LinuxHugepageLimit>& h);
Writes v1_net_cls(const specs::LinuxNetwork& n);
Writes v1_net_prio(const specs::LinuxNetwork& n);
Writes rdma_writes(const std::map<std::string, specs::LinuxRdma>& r);  // same file on v1 and v2

// ---- cgroup v2 ----
Result<Writes> v2_memory(const specs::LinuxMemory& m);
Result<Writes> v2_cpu(const specs::LinuxCPU& c);
Writes v2_cpuset(const specs::LinuxCPU& c);
Result<Writes> v2_pids(const specs::LinuxPids& p);
// bfq: io.bfq.weight exists (values as given); otherwise io.weight (converted).
Result<Writes> v2_io(const specs::LinuxBlockIO& b, bool bfq);
Result<Writes> v2_hugetlb(const std::vector<specs::LinuxHugepageLimit>& h);
Result<Writes> v2_unified(const std::map<std::string, std::string>& u);
// memory.checkBeforeUpdate (runc's CheckMemoryUsage, v2 only): with the flag set, refuse a
// memory limit or memory+swap limit at or below `usage` (memory.current). Unset, false, or
// no positive limit: nothing to check.
Result<void> check_memory_usage(const specs::LinuxMemory& m, uint64_t usage);

// ---- conversions (runc's, so values match what runc writes) ----
// cpu.shares [2, 262144] -> cpu.weight [1, 10000]; 1024 -> 100. 0 means unset.
uint64_t shares_to_weight(uint64_t shares);
// OCI swap (memory+swap, v1 semantics) -> memory.swap.max. -1 = max, 0 = leave alone.
Result<int64_t> swap_to_v2(int64_t swap, int64_t memory);
// blkio.weight [10, 1000] -> io.weight [1, 10000].
uint64_t blkio_weight_to_io_weight(uint64_t w);
// "2MB" and friends; the hugetlb file component. Errors for anything else.
Result<std::string> hugepage_size(const std::string& page_size, const std::string& field);

// The controllers a resources block needs, in runc's subsystem order. Names are the
// kernel controller names ("memory", "cpu", "cpuset", "pids", "blkio"/"io", "hugetlb",
// "net_cls", "net_prio", "rdma", "devices").
struct ControllerUse {
    std::string controller;
    std::string field;  // for "<field>: no hierarchy has <controller>" errors
};
std::vector<ControllerUse> used_controllers(const specs::LinuxResources& r, bool v2);

}  // namespace lc::cgroups
