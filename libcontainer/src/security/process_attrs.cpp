#include "security/process_attrs.hpp"

#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <charconv>
#include <string>

namespace lc::security {

namespace {

// From linux/ioprio.h and linux/sched.h: including those next to glibc's <sched.h>
// redefines macros, so the few values are spelled out here.
constexpr int kIoprioClassShift = 13;
constexpr uint64_t kSchedDeadline = 6;

// struct sched_attr (SCHED_ATTR_SIZE_VER0): linux/sched/types.h clashes with glibc.
struct SchedAttr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
};
constexpr int kIoprioWhoProcess = 1;

struct NamedValue {
    const char* name;
    uint64_t value;
};

constexpr NamedValue kPolicies[] = {
    {"SCHED_OTHER", SCHED_OTHER}, {"SCHED_FIFO", SCHED_FIFO},   {"SCHED_RR", SCHED_RR},
    {"SCHED_BATCH", SCHED_BATCH}, {"SCHED_IDLE", SCHED_IDLE},   {"SCHED_DEADLINE", kSchedDeadline},
};

constexpr NamedValue kSchedFlags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},
    {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},
    {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},
    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

constexpr NamedValue kIoClasses[] = {
    {"IOPRIO_CLASS_RT", 1}, {"IOPRIO_CLASS_BE", 2}, {"IOPRIO_CLASS_IDLE", 3},
};

template <size_t N>
std::optional<uint64_t> lookup(const NamedValue (&table)[N], std::string_view name) {
    for (const auto& e : table)
        if (name == e.name) return e.value;
    return std::nullopt;
}

}  // namespace

Result<unsigned long> plan_personality(const specs::LinuxPersonality& p) {
    unsigned long persona;
    if (p.domain == "LINUX") persona = PER_LINUX;
    else if (p.domain == "LINUX32") persona = PER_LINUX32;
    else return make_error("linux.personality.domain: unknown domain \"" + p.domain + "\"");
    if (!p.flags.empty())
        return make_error("linux.personality.flags[0]: unsupported flag \"" + p.flags[0] + "\"");
    return persona;
}

Result<void> apply_personality(unsigned long persona) {
    if (::personality(persona) < 0) return sys_error("set personality");
    return {};
}

Result<SchedulerPlan> plan_scheduler(const specs::Scheduler& s) {
    SchedulerPlan plan;
    auto policy = lookup(kPolicies, s.policy);
    if (!policy) {
        if (s.policy == "SCHED_ISO")
            return make_error("process.scheduler.policy: SCHED_ISO is not supported by Linux");
        return make_error("process.scheduler.policy: unknown policy \"" + s.policy + "\"");
    }
    plan.policy = static_cast<uint32_t>(*policy);
    for (size_t i = 0; i < s.flags.size(); ++i) {
        auto flag = lookup(kSchedFlags, s.flags[i]);
        if (!flag)
            return make_error("process.scheduler.flags[" + std::to_string(i) + "]: unknown flag \"" +
                              s.flags[i] + "\"");
        plan.flags |= *flag;
    }
    if (s.nice) {
        if (*s.nice < -20 || *s.nice > 19)
            return make_error("process.scheduler.nice: " + std::to_string(*s.nice) +
                              " is out of range (-20 to 19)");
        plan.nice = *s.nice;
    }
    bool realtime = plan.policy == SCHED_FIFO || plan.policy == SCHED_RR;
    if (s.priority && *s.priority != 0) {
        if (!realtime)
            return make_error("process.scheduler.priority: only SCHED_FIFO and SCHED_RR take a priority");
        if (*s.priority < 1 || *s.priority > 99)
            return make_error("process.scheduler.priority: " + std::to_string(*s.priority) +
                              " is out of range (1 to 99)");
        plan.priority = static_cast<uint32_t>(*s.priority);
    } else if (realtime) {
        return make_error("process.scheduler.priority: required (1 to 99) for " + s.policy);
    }
    bool deadline = plan.policy == kSchedDeadline;
    if (!deadline && (s.runtime.value_or(0) || s.deadline.value_or(0) || s.period.value_or(0)))
        return make_error("process.scheduler: runtime, deadline and period are only for SCHED_DEADLINE");
    plan.runtime = s.runtime.value_or(0);
    plan.deadline = s.deadline.value_or(0);
    plan.period = s.period.value_or(0);
    return plan;
}

Result<void> apply_scheduler(const SchedulerPlan& s) {
    SchedAttr attr{};
    attr.size = sizeof attr;
    attr.sched_policy = s.policy;
    attr.sched_flags = s.flags;
    attr.sched_nice = s.nice;
    attr.sched_priority = s.priority;
    attr.sched_runtime = s.runtime;
    attr.sched_deadline = s.deadline;
    attr.sched_period = s.period;
    if (::syscall(SYS_sched_setattr, 0, &attr, 0) < 0) return sys_error("set scheduler attributes");
    return {};
}

Result<int> plan_io_priority(const specs::IOPriority& p) {
    auto cls = lookup(kIoClasses, p.io_class);
    if (!cls) return make_error("process.ioPriority.class: unknown class \"" + p.io_class + "\"");
    if (p.priority < 0 || p.priority > 7)
        return make_error("process.ioPriority.priority: " + std::to_string(p.priority) +
                          " is out of range (0 to 7)");
    return static_cast<int>(*cls << kIoprioClassShift) | p.priority;
}

Result<void> apply_io_priority(int ioprio) {
    if (::syscall(SYS_ioprio_set, kIoprioWhoProcess, 0, ioprio) < 0) return sys_error("set I/O priority");
    return {};
}

Result<cpu_set_t> parse_cpu_list(std::string_view list, std::string_view field) {
    cpu_set_t set;
    CPU_ZERO(&set);
    auto bad = [&](std::string_view why) {
        return make_error(std::string(field) + ": invalid CPU list \"" + std::string(list) + "\": " +
                          std::string(why));
    };
    if (list.empty()) return bad("empty");
    auto number = [](std::string_view s, unsigned& out) {
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        return ec == std::errc() && p == s.data() + s.size() && !s.empty();
    };
    size_t pos = 0;
    while (pos <= list.size()) {
        size_t comma = list.find(',', pos);
        std::string_view item = list.substr(pos, comma == std::string_view::npos ? list.npos : comma - pos);
        unsigned lo = 0, hi = 0;
        size_t dash = item.find('-');
        if (dash == std::string_view::npos) {
            if (!number(item, lo)) return bad("bad item \"" + std::string(item) + "\"");
            hi = lo;
        } else if (!number(item.substr(0, dash), lo) || !number(item.substr(dash + 1), hi) || hi < lo) {
            return bad("bad range \"" + std::string(item) + "\"");
        }
        if (hi >= CPU_SETSIZE) return bad("CPU " + std::to_string(hi) + " is beyond " + std::to_string(CPU_SETSIZE - 1));
        for (unsigned c = lo; c <= hi; ++c) CPU_SET(c, &set);
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return set;
}

Result<CpuAffinityPlan> plan_cpu_affinity(const specs::CPUAffinity& a) {
    CpuAffinityPlan plan;
    if (a.initial) {
        TRY_ASSIGN(plan.initial, parse_cpu_list(*a.initial, "process.execCPUAffinity.initial"));
    }
    if (a.final_) {
        TRY_ASSIGN(plan.final_, parse_cpu_list(*a.final_, "process.execCPUAffinity.final"));
    }
    return plan;
}

Result<void> apply_cpu_affinity(const cpu_set_t& set) {
    if (::sched_setaffinity(0, sizeof set, &set) < 0) return sys_error("set CPU affinity");
    return {};
}

}  // namespace lc::security
