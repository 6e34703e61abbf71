#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "child_runner.hpp"
#include "security/features.hpp"
#include "security/process_security.hpp"

using namespace lc::security;
using security_test::run_in_child;

namespace {

template <typename T>
std::string error_of(const lc::Result<T>& r) {
    return r.ok() ? "<ok>" : r.error().text();
}

specs::Scheduler sched(std::string policy) {
    specs::Scheduler s;
    s.policy = std::move(policy);
    return s;
}

}  // namespace

TEST_CASE("personality domains and flags", "[attrs]") {
    CHECK(plan_personality({"LINUX", {}}).value() == 0x0000);
    CHECK(plan_personality({"LINUX32", {}}).value() == 0x0008);
    CHECK(error_of(plan_personality({"SVR4", {}})) == "linux.personality.domain: unknown domain \"SVR4\"");
    CHECK(error_of(plan_personality({"LINUX", {"ADDR_NO_RANDOMIZE"}})) ==
          "linux.personality.flags[0]: unsupported flag \"ADDR_NO_RANDOMIZE\"");
}

TEST_CASE("personality LINUX32 shows as i686 in uname", "[attrs][real]") {
    specs::Process proc;
    specs::Linux linux;
    linux.personality = specs::LinuxPersonality{"LINUX32", {}};
    auto plan = lc::security::plan(proc, &linux, HostLsm{});
    REQUIRE(plan.ok());
    utsname before{};
    REQUIRE(::uname(&before) == 0);
    if (std::string(before.machine) != "x86_64") {
        WARN("LINUX32 maps x86_64 to i686 only; not checked on " << before.machine);
        return;
    }
    auto rep = run_in_child([&]() -> std::string {
        if (auto r = prepare_for_user_switch(*plan); !r) return r.error().text();
        utsname u{};
        ::uname(&u);
        return u.machine;
    });
    REQUIRE(rep.exited_ok());
    CHECK(rep.output == "i686");
}

TEST_CASE("scheduler validation", "[attrs]") {
    auto fifo = sched("SCHED_FIFO");
    fifo.priority = 10;
    fifo.flags = {"SCHED_FLAG_RESET_ON_FORK"};
    auto p = plan_scheduler(fifo);
    REQUIRE(p.ok());
    CHECK(p->policy == SCHED_FIFO);
    CHECK(p->priority == 10);
    CHECK(p->flags == 1);

    auto dl = sched("SCHED_DEADLINE");
    dl.runtime = 1000000;
    dl.deadline = 2000000;
    dl.period = 3000000;
    CHECK(plan_scheduler(dl).ok());

    auto bad_nice = sched("SCHED_OTHER");
    bad_nice.nice = 40;
    auto prio_other = sched("SCHED_OTHER");
    prio_other.priority = 5;
    auto rt_no_prio = sched("SCHED_RR");
    auto dl_other = sched("SCHED_BATCH");
    dl_other.runtime = 5;
    auto bad_flag = sched("SCHED_OTHER");
    bad_flag.flags = {"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_TURBO"};
    CHECK(error_of(plan_scheduler(sched("SCHED_FAST"))) == "process.scheduler.policy: unknown policy \"SCHED_FAST\"");
    CHECK(error_of(plan_scheduler(sched("SCHED_ISO"))) == "process.scheduler.policy: SCHED_ISO is not supported by Linux");
    CHECK(error_of(plan_scheduler(bad_nice)) == "process.scheduler.nice: 40 is out of range (-20 to 19)");
    CHECK(error_of(plan_scheduler(prio_other)) == "process.scheduler.priority: only SCHED_FIFO and SCHED_RR take a priority");
    CHECK(error_of(plan_scheduler(rt_no_prio)) == "process.scheduler.priority: required (1 to 99) for SCHED_RR");
    CHECK(error_of(plan_scheduler(dl_other)) ==
          "process.scheduler: runtime, deadline and period are only for SCHED_DEADLINE");
    CHECK(error_of(plan_scheduler(bad_flag)) == "process.scheduler.flags[1]: unknown flag \"SCHED_FLAG_TURBO\"");
}

TEST_CASE("I/O priority encoding and validation", "[attrs]") {
    CHECK(plan_io_priority({"IOPRIO_CLASS_RT", 3}).value() == ((1 << 13) | 3));
    CHECK(plan_io_priority({"IOPRIO_CLASS_BE", 7}).value() == ((2 << 13) | 7));
    CHECK(plan_io_priority({"IOPRIO_CLASS_IDLE", 0}).value() == (3 << 13));
    CHECK(error_of(plan_io_priority({"IOPRIO_CLASS_NONE", 0})) ==
          "process.ioPriority.class: unknown class \"IOPRIO_CLASS_NONE\"");
    CHECK(error_of(plan_io_priority({"IOPRIO_CLASS_BE", 8})) == "process.ioPriority.priority: 8 is out of range (0 to 7)");
}

TEST_CASE("CPU lists", "[attrs]") {
    auto set = parse_cpu_list("0-2,5,7-7", "f");
    REQUIRE(set.ok());
    CHECK(CPU_COUNT(&*set) == 5);
    CHECK(CPU_ISSET(0, &*set));
    CHECK(CPU_ISSET(2, &*set));
    CHECK_FALSE(CPU_ISSET(3, &*set));
    CHECK(CPU_ISSET(5, &*set));
    CHECK(CPU_ISSET(7, &*set));
    CHECK(error_of(parse_cpu_list("", "process.execCPUAffinity.final")) ==
          "process.execCPUAffinity.final: invalid CPU list \"\": empty");
    CHECK(error_of(parse_cpu_list("3-1", "x")) == "x: invalid CPU list \"3-1\": bad range \"3-1\"");
    CHECK(error_of(parse_cpu_list("1,,2", "x")) == "x: invalid CPU list \"1,,2\": bad item \"\"");
    CHECK(error_of(parse_cpu_list("a", "x")) == "x: invalid CPU list \"a\": bad item \"a\"");
    CHECK(error_of(parse_cpu_list("0-5000", "x")) == "x: invalid CPU list \"0-5000\": CPU 5000 is beyond 1023");
    specs::CPUAffinity a;
    a.initial = "0";
    a.final_ = "0-1x";
    CHECK(error_of(plan_cpu_affinity(a)) ==
          "process.execCPUAffinity.final: invalid CPU list \"0-1x\": bad range \"0-1x\"");
}

TEST_CASE("scheduler, I/O priority and final affinity applied in a child", "[attrs][real]") {
    specs::Process proc;
    auto batch = sched("SCHED_BATCH");
    batch.nice = 7;
    proc.scheduler = batch;
    proc.io_priority = specs::IOPriority{"IOPRIO_CLASS_BE", 6};
    proc.exec_cpu_affinity = specs::CPUAffinity{"0", "0"};
    auto plan = lc::security::plan(proc, nullptr, HostLsm{});
    REQUIRE(plan.ok());
    auto rep = run_in_child([&]() -> std::string {
        if (auto r = apply_initial_cpu_affinity(*plan); !r) return r.error().text();
        if (auto r = prepare_for_user_switch(*plan); !r) return r.error().text();
        cpu_set_t cpus;
        ::sched_getaffinity(0, sizeof cpus, &cpus);
        long ioprio = ::syscall(SYS_ioprio_get, 1, 0);
        return "policy=" + std::to_string(::sched_getscheduler(0)) +
               " nice=" + std::to_string(::getpriority(PRIO_PROCESS, 0)) + " ioprio=" + std::to_string(ioprio) +
               " cpus=" + std::to_string(CPU_COUNT(&cpus)) + (CPU_ISSET(0, &cpus) ? ",0" : "");
    });
    REQUIRE(rep.exited_ok());
    CHECK(rep.output == "policy=" + std::to_string(SCHED_BATCH) + " nice=7 ioprio=" + std::to_string((2 << 13) | 6) +
                            " cpus=1,0");
}

TEST_CASE("no_new_privileges is set by finish", "[attrs][real]") {
    specs::Process proc;
    proc.no_new_privileges = true;
    auto plan = lc::security::plan(proc, nullptr, HostLsm{});
    REQUIRE(plan.ok());
    auto rep = run_in_child([&]() -> std::string {
        if (auto r = prepare_for_user_switch(*plan); !r) return r.error().text();
        if (auto r = finish(*plan); !r) return r.error().text();
        return "NoNewPrivs=" + security_test::status_field("NoNewPrivs");
    });
    REQUIRE(rep.exited_ok());
    CHECK(rep.output == "NoNewPrivs=1");
}

TEST_CASE("features lists are real", "[attrs]") {
    SecurityFeatures f = security_features();
    CHECK(f.capabilities.size() == kernel_cap_count());
    CHECK(std::find(f.capabilities.begin(), f.capabilities.end(), "CAP_SYS_ADMIN") != f.capabilities.end());
    CHECK(f.seccomp_enabled);
    CHECK(std::find(f.seccomp_actions.begin(), f.seccomp_actions.end(), "SCMP_ACT_NOTIFY") != f.seccomp_actions.end());
    CHECK(std::find(f.seccomp_archs.begin(), f.seccomp_archs.end(), "SCMP_ARCH_X86_64") != f.seccomp_archs.end());
    CHECK(f.seccomp_operators.size() == 7);
    CHECK(f.seccomp_flags.size() == 3);
}
