// Per-process attributes from the spec that are not privileges: personality, scheduler,
// I/O priority and exec CPU affinity. plan_* are pure; apply_* run in the container process.
#pragma once
#include <sched.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "lc/error.hpp"
#include "specs/runtime_spec.hpp"

namespace lc::security {

// linux.personality: LINUX -> PER_LINUX, LINUX32 -> PER_LINUX32. The spec defines no flag
// values, so any flag is an error.
Result<unsigned long> plan_personality(const specs::LinuxPersonality& p);
Result<void> apply_personality(unsigned long persona);

// process.scheduler, in the shape sched_setattr(2) takes.
struct SchedulerPlan {
    uint32_t policy = 0;
    uint64_t flags = 0;
    int32_t nice = 0;
    uint32_t priority = 0;
    uint64_t runtime = 0, deadline = 0, period = 0;
};
Result<SchedulerPlan> plan_scheduler(const specs::Scheduler& s);
Result<void> apply_scheduler(const SchedulerPlan& s);

// process.ioPriority as the ioprio_set(2) value: class << 13 | level.
Result<int> plan_io_priority(const specs::IOPriority& p);
Result<void> apply_io_priority(int ioprio);

// process.execCPUAffinity. "initial" is set on the runtime process before it joins the
// container's cgroup (so the kernel's cpuset move cannot widen it back); "final" is set
// on the container process after the join, just before execve.
struct CpuAffinityPlan {
    std::optional<cpu_set_t> initial, final_;
};
// "0-3,7" -> cpu_set_t; field names the JSON path for errors.
Result<cpu_set_t> parse_cpu_list(std::string_view list, std::string_view field);
Result<CpuAffinityPlan> plan_cpu_affinity(const specs::CPUAffinity& a);
Result<void> apply_cpu_affinity(const cpu_set_t& set);

}  // namespace lc::security
