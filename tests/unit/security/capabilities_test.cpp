#include <sys/prctl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>

#include "child_runner.hpp"
#include "security/capabilities.hpp"
#include "security/process_security.hpp"

using namespace lc::security;
using security_test::run_in_child;
using security_test::status_field;

namespace {

specs::LinuxCapabilities caps_of(std::vector<std::string> b, std::vector<std::string> e,
                                 std::vector<std::string> p, std::vector<std::string> i,
                                 std::vector<std::string> a) {
    specs::LinuxCapabilities c;
    c.bounding = std::move(b);
    c.effective = std::move(e);
    c.permitted = std::move(p);
    c.inheritable = std::move(i);
    c.ambient = std::move(a);
    return c;
}

std::string hex(uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

std::string cap_status() {
    return "Bnd=" + status_field("CapBnd") + " Eff=" + status_field("CapEff") +
           " Prm=" + status_field("CapPrm") + " Inh=" + status_field("CapInh") +
           " Amb=" + status_field("CapAmb");
}

}  // namespace

TEST_CASE("capability names map both ways", "[caps]") {
    CHECK(cap_from_name("CAP_CHOWN") == 0u);
    CHECK(cap_from_name("CAP_SYS_ADMIN") == 21u);
    CHECK(cap_from_name("CAP_CHECKPOINT_RESTORE") == 40u);
    CHECK_FALSE(cap_from_name("CAP_TEST"));
    CHECK_FALSE(cap_from_name("cap_chown"));  // the spec's spelling only
    CHECK_FALSE(cap_from_name("CHOWN"));
    CHECK(cap_name(21) == "CAP_SYS_ADMIN");
    auto names = known_capability_names();
    REQUIRE(names.size() == kernel_cap_count());
    CHECK(names.front() == "CAP_CHOWN");
    CHECK(kernel_cap_count() >= 41u);
}

TEST_CASE("plan_capabilities turns names into masks", "[caps]") {
    auto plan = plan_capabilities(caps_of({"CAP_CHOWN", "CAP_KILL"}, {"CAP_KILL"}, {"CAP_KILL", "CAP_CHOWN"},
                                          {"CAP_CHOWN"}, {"CAP_CHOWN"}));
    REQUIRE(plan.ok());
    CHECK(plan->bounding == 0x21);
    CHECK(plan->effective == 0x20);
    CHECK(plan->permitted == 0x21);
    CHECK(plan->inheritable == 0x1);
    CHECK(plan->ambient == 0x1);

    auto none = plan_capabilities(std::nullopt);
    REQUIRE(none.ok());
    CHECK(none->bounding == 0);
    CHECK(none->effective == 0);
}

TEST_CASE("plan_capabilities errors name the field", "[caps]") {
    struct Case {
        specs::LinuxCapabilities caps;
        std::string message;
    };
    const Case cases[] = {
        {caps_of({"CAP_KILL"}, {"CAP_KILL"}, {}, {}, {}),
         "process.capabilities.effective: CAP_KILL is not in process.capabilities.permitted"},
        {caps_of({}, {}, {}, {"CAP_KILL"}, {}),
         "process.capabilities.inheritable: CAP_KILL is not in process.capabilities.bounding"},
    };
    for (const Case& c : cases) {
        auto r = plan_capabilities(c.caps);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().text() == c.message);
    }
}

TEST_CASE("capabilities that cannot be granted are dropped with a warning naming the field", "[caps]") {
    // runtime-spec >= 1.1 config.md: "MUST be logged as a warning", "SHOULD NOT fail".
    auto unknown = plan_capabilities(caps_of({"CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_TEST"}, {"cap_kill"}, {}, {}, {}));
    REQUIRE(unknown.ok());
    CHECK(unknown->bounding == ((1u << 0) | (1u << 5) | (1u << 7)));
    CHECK(unknown->effective == 0);
    CHECK(unknown->warnings == std::vector<std::string>{
                                   "process.capabilities.bounding[3]: unknown capability \"CAP_TEST\", ignored",
                                   "process.capabilities.effective[0]: unknown capability \"cap_kill\", ignored"});

    // A host bounding set without CAP_SYS_RESOURCE (24): dropped from all five sets, and the
    // others kept (a config listing every capability runs).
    const CapMask host = ~(CapMask{1} << 24);
    std::vector<std::string> names = {"CAP_KILL", "CAP_SYS_RESOURCE"};
    auto outside = plan_capabilities(caps_of(names, names, names, names, names), host);
    REQUIRE(outside.ok());
    for (CapMask m : {outside->bounding, outside->effective, outside->permitted, outside->inheritable, outside->ambient})
        CHECK(m == (CapMask{1} << 5));
    REQUIRE(outside->warnings.size() == 5);
    CHECK(outside->warnings[0] ==
          "process.capabilities.bounding[1]: capability CAP_SYS_RESOURCE is not in the runtime's bounding set, ignored");
    CHECK(outside->warnings[4].rfind("process.capabilities.ambient[1]: ", 0) == 0);

    auto clean = plan_capabilities(caps_of({"CAP_KILL"}, {}, {}, {}, {}), ~CapMask{0});
    REQUIRE(clean.ok());
    CHECK(clean->warnings.empty());
}

TEST_CASE("ambient capabilities outside permitted or inheritable are skipped, as runc does", "[caps]") {
    // runc's own default spec lists ambient capabilities with an empty inheritable set.
    auto no_inh = plan_capabilities(caps_of({"CAP_KILL"}, {}, {"CAP_KILL"}, {}, {"CAP_KILL"}));
    REQUIRE(no_inh.ok());
    CHECK(no_inh->ambient == 0);
    auto no_prm = plan_capabilities(caps_of({"CAP_KILL"}, {}, {}, {"CAP_KILL"}, {"CAP_KILL"}));
    REQUIRE(no_prm.ok());
    CHECK(no_prm->ambient == 0);
}

TEST_CASE("capability sets are applied around a uid switch", "[caps][real]") {
    specs::Process proc;
    proc.capabilities = caps_of({"CAP_CHOWN", "CAP_KILL", "CAP_SETGID", "CAP_SETUID"}, {"CAP_KILL"},
                                {"CAP_KILL", "CAP_CHOWN"}, {"CAP_CHOWN"}, {"CAP_CHOWN"});
    proc.user.uid = 1000;  // the plan keeps the capabilities across the switch only for a non-0 uid
    proc.user.gid = 1000;
    auto plan = lc::security::plan(proc, nullptr, HostLsm{});
    REQUIRE(plan.ok());
    CHECK(plan->keep_caps_across_setuid);
    auto rep = run_in_child([&]() -> std::string {
        if (auto r = prepare_for_user_switch(*plan); !r) return r.error().text();
        // What the lead does between the two calls.
        if (::setresgid(1000, 1000, 1000) < 0 || ::setresuid(1000, 1000, 1000) < 0) return "setres*id failed";
        auto fd = finish(*plan);
        if (!fd) return fd.error().text();
        return cap_status();
    });
    REQUIRE(rep.exited_ok());
    CHECK(rep.output == "Bnd=" + hex(0xe1) + " Eff=" + hex(0x20) + " Prm=" + hex(0x21) +
                            " Inh=" + hex(0x1) + " Amb=" + hex(0x1));
}

TEST_CASE("capability sets are applied when staying root", "[caps][real]") {
    specs::Process proc;
    proc.capabilities = caps_of({"CAP_NET_BIND_SERVICE", "CAP_SYS_ADMIN"}, {"CAP_SYS_ADMIN"},
                                {"CAP_SYS_ADMIN", "CAP_NET_BIND_SERVICE"}, {}, {});
    auto plan = lc::security::plan(proc, nullptr, HostLsm{});
    REQUIRE(plan.ok());
    CHECK(!plan->keep_caps_across_setuid);  // uid 0 to uid 0: no PR_SET_KEEPCAPS at all
    auto rep = run_in_child([&]() -> std::string {
        if (auto r = prepare_for_user_switch(*plan); !r) return r.error().text();
        auto fd = finish(*plan);
        if (!fd) return fd.error().text();
        return cap_status() + " keepcaps=" + std::to_string(::prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
    });
    REQUIRE(rep.exited_ok());
    uint64_t want = (1ull << 10) | (1ull << 21);
    CHECK(rep.output == "Bnd=" + hex(want) + " Eff=" + hex(1ull << 21) + " Prm=" + hex(want) +
                            " Inh=" + hex(0) + " Amb=" + hex(0) + " keepcaps=0");
}

TEST_CASE("no capabilities configured means none at all", "[caps][real]") {
    specs::Process proc;
    auto plan = lc::security::plan(proc, nullptr, HostLsm{});
    REQUIRE(plan.ok());
    auto rep = run_in_child([&]() -> std::string {
        if (auto r = prepare_for_user_switch(*plan); !r) return r.error().text();
        auto fd = finish(*plan);
        if (!fd) return fd.error().text();
        return cap_status();
    });
    REQUIRE(rep.exited_ok());
    CHECK(rep.output == "Bnd=" + hex(0) + " Eff=" + hex(0) + " Prm=" + hex(0) + " Inh=" + hex(0) +
                            " Amb=" + hex(0));
}
