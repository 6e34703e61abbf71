#include <seccomp.h>

#include <catch2/catch.hpp>

#include "security/seccomp.hpp"

using namespace lc::security;

namespace {

specs::LinuxSyscall call(std::vector<std::string> names, std::string action,
                         std::vector<specs::LinuxSyscallArg> args = {},
                         std::optional<uint32_t> errno_ret = std::nullopt) {
    specs::LinuxSyscall c;
    c.names = std::move(names);
    c.action = std::move(action);
    c.args = std::move(args);
    c.errno_ret = errno_ret;
    return c;
}

specs::LinuxSyscallArg arg(uint32_t index, std::string op, uint64_t value, uint64_t two = 0) {
    specs::LinuxSyscallArg a;
    a.index = index;
    a.op = std::move(op);
    a.value = value;
    a.value_two = two;
    return a;
}

specs::LinuxSeccomp allow_by_default() {
    specs::LinuxSeccomp s;
    s.default_action = "SCMP_ACT_ALLOW";
    return s;
}

std::string plan_error(const specs::LinuxSeccomp& s) {
    auto r = plan_seccomp(s);
    return r.ok() ? "<ok>" : r.error().text();
}

}  // namespace

TEST_CASE("every action name maps to its libseccomp value", "[seccomp]") {
    struct Case {
        const char* name;
        std::optional<uint32_t> errno_ret;
        uint32_t want;
    };
    const Case cases[] = {
        {"SCMP_ACT_KILL", {}, SCMP_ACT_KILL_THREAD},
        {"SCMP_ACT_KILL_THREAD", {}, SCMP_ACT_KILL_THREAD},
        {"SCMP_ACT_KILL_PROCESS", {}, SCMP_ACT_KILL_PROCESS},
        {"SCMP_ACT_TRAP", {}, SCMP_ACT_TRAP},
        {"SCMP_ACT_ERRNO", {}, SCMP_ACT_ERRNO(EPERM)},
        {"SCMP_ACT_ERRNO", 38u, SCMP_ACT_ERRNO(38)},
        {"SCMP_ACT_TRACE", {}, SCMP_ACT_TRACE(EPERM)},
        {"SCMP_ACT_TRACE", 7u, SCMP_ACT_TRACE(7)},
        {"SCMP_ACT_LOG", {}, SCMP_ACT_LOG},
    };
    for (const Case& c : cases) {
        specs::LinuxSeccomp s;
        s.default_action = c.name;
        s.default_errno_ret = c.errno_ret;
        auto plan = plan_seccomp(s);
        REQUIRE(plan.ok());
        CHECK(plan->default_action == c.want);
    }
    auto s = allow_by_default();
    s.syscalls.push_back(call({"getppid"}, "SCMP_ACT_NOTIFY"));
    s.listener_path = "/run/agent.sock";
    s.listener_metadata = "meta";
    auto plan = plan_seccomp(s);
    REQUIRE(plan.ok());
    CHECK(plan->uses_notify);
    REQUIRE(plan->rules.size() == 1);
    CHECK(plan->rules[0].action == SCMP_ACT_NOTIFY);
    CHECK(plan->listener_metadata == "meta");
}

TEST_CASE("bad seccomp input is an error naming the field", "[seccomp]") {
    struct Case {
        std::function<void(specs::LinuxSeccomp&)> edit;
        std::string message;
    };
    const Case cases[] = {
        {[](auto& s) { s.default_action = "SCMP_ACT_FOO"; },
         "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\""},
        {[](auto& s) { s.default_action = ""; }, "linux.seccomp.defaultAction: required"},
        {[](auto& s) { s.default_action = "SCMP_ACT_NOTIFY"; },
         "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"},
        {[](auto& s) { s.default_errno_ret = 5; },
         "linux.seccomp.defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno"},
        {[](auto& s) { s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_Z80"}; },
         "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_Z80\""},
        {[](auto& s) { s.flags = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_BOGUS"}; },
         "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_BOGUS\""},
        {[](auto& s) { s.flags = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}; },
         "linux.seccomp.flags[0]: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is not supported "
         "(libseccomp 2.5 has no attribute for it)"},
        {[](auto& s) { s.syscalls = {call({"read"}, "SCMP_ACT_ERRNO"), call({"mkdir"}, "SCMP_ACT_BLOCK")}; },
         "linux.seccomp.syscalls[1].action: unknown action \"SCMP_ACT_BLOCK\""},
        {[](auto& s) { s.syscalls = {call({"read"}, "SCMP_ACT_KILL", {}, 1)}; },
         "linux.seccomp.syscalls[0].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno"},
        {[](auto& s) { s.syscalls = {call({"read"}, "SCMP_ACT_ERRNO", {}, 70000)}; },
         "linux.seccomp.syscalls[0].errnoRet: 70000 is out of range"},
        {[](auto& s) { s.syscalls = {call({"read"}, "SCMP_ACT_ERRNO", {arg(0, "SCMP_CMP_EQ", 1), arg(6, "SCMP_CMP_EQ", 1)})}; },
         "linux.seccomp.syscalls[0].args[1].index: 6 is out of range (a syscall has 6 arguments, 0 to 5)"},
        {[](auto& s) { s.syscalls = {call({"read"}, "SCMP_ACT_ERRNO", {arg(0, "SCMP_CMP_SIMILAR", 1)})}; },
         "linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_SIMILAR\""},
        {[](auto& s) { s.syscalls = {call({"getppid"}, "SCMP_ACT_NOTIFY")}; },
         "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used"},
        {[](auto& s) {
             s.syscalls = {call({"read", "write"}, "SCMP_ACT_NOTIFY")};
             s.listener_path = "/run/x.sock";
         },
         "linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for \"write\" (the runtime "
         "itself writes after loading the filter)"},
        {[](auto& s) {
             s.syscalls = {call({"getppid"}, "SCMP_ACT_NOTIFY")};
             s.listener_path = "/" + std::string(200, 'x');
         },
         "linux.seccomp.listenerPath: longer than a unix socket path allows (107 bytes)"},
    };
    for (const Case& c : cases) {
        auto s = allow_by_default();
        c.edit(s);
        CHECK(plan_error(s) == c.message);
    }
}

TEST_CASE("unknown syscalls are skipped and default-action rules dropped", "[seccomp]") {
    auto s = allow_by_default();
    s.syscalls = {call({"no_such_syscall", "mkdir"}, "SCMP_ACT_ERRNO"), call({"read"}, "SCMP_ACT_ALLOW")};
    auto plan = plan_seccomp(s);
    REQUIRE(plan.ok());
    REQUIRE(plan->rules.size() == 1);
    CHECK(plan->rules[0].name == "mkdir");
    CHECK(plan->rules[0].syscall == SCMP_SYS(mkdir));
    CHECK(plan->rules[0].action == SCMP_ACT_ERRNO(EPERM));

    // ERRNO with a different errno than the default is a different action and is kept.
    specs::LinuxSeccomp deny;
    deny.default_action = "SCMP_ACT_ERRNO";
    deny.syscalls = {call({"read"}, "SCMP_ACT_ERRNO"), call({"write"}, "SCMP_ACT_ERRNO", {}, 5)};
    auto plan2 = plan_seccomp(deny);
    REQUIRE(plan2.ok());
    REQUIRE(plan2->rules.size() == 1);
    CHECK(plan2->rules[0].name == "write");
}

TEST_CASE("argument conditions: distinct indexes AND, a repeated index splits like runc", "[seccomp]") {
    auto s = allow_by_default();
    s.syscalls = {
        call({"getpriority"}, "SCMP_ACT_ERRNO", {arg(0, "SCMP_CMP_EQ", 1), arg(1, "SCMP_CMP_MASKED_EQ", 0xff, 7)}),
        call({"setpriority"}, "SCMP_ACT_ERRNO", {arg(0, "SCMP_CMP_EQ", 1), arg(0, "SCMP_CMP_EQ", 2)}),
    };
    auto plan = plan_seccomp(s);
    REQUIRE(plan.ok());
    REQUIRE(plan->rules.size() == 3);
    CHECK(plan->rules[0].args.size() == 2);
    CHECK(plan->rules[0].args[1].op == SCMP_CMP_MASKED_EQ);
    CHECK(plan->rules[0].args[1].value == 0xff);
    CHECK(plan->rules[0].args[1].value_two == 7);
    CHECK(plan->rules[1].args.size() == 1);
    CHECK(plan->rules[2].args.size() == 1);
    CHECK(plan->rules[2].args[0].value == 2);
}

TEST_CASE("every operator, arch and flag name is accepted", "[seccomp]") {
    for (const auto& op : seccomp_operator_names()) CHECK(seccomp_op_from_name(op));
    CHECK(seccomp_operator_names().size() == 7);
    CHECK(seccomp_arch_names().size() == 19);
    for (const auto& a : seccomp_arch_names()) CHECK(seccomp_arch_from_name(a));
    auto s = allow_by_default();
    s.architectures = {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"};
    s.flags = seccomp_flag_names();
    s.syscalls = {call({"mkdir"}, "SCMP_ACT_ERRNO")};
    auto plan = plan_seccomp(s);
    REQUIRE(plan.ok());
    CHECK(plan->arches.size() == 4);
    // libseccomp refuses to mix byte orders in one filter; the error says which arch.
    s.architectures = {"SCMP_ARCH_S390X"};
    CHECK(plan_error(s) == "linux.seccomp: add seccomp architecture SCMP_ARCH_S390X: Numerical "
                           "argument out of domain");
    CHECK(plan->flag_tsync);
    CHECK(plan->flag_log);
    CHECK(plan->flag_spec_allow);
    CHECK(seccomp_action_names().size() == 9);
}
