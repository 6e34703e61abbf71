#include <sched.h>

#include <catch2/catch.hpp>

#include "plan/plan.hpp"
#include "specs/json.hpp"

namespace {

specs::Spec base_spec() {
    auto s = specs::default_spec(false);
    s.root->path = "/";  // an existing directory: plan_rootfs checks root.path
    s.process->terminal = false;
    return s;
}

lc::CreateOptions opts() {
    lc::CreateOptions o;
    o.id = "p";
    o.bundle = "/tmp";
    return o;
}

}  // namespace

TEST_CASE("plan: default spec needs no stage 1 and creates the usual namespaces", "[plan]") {
    auto p = lc::build_plan(base_spec(), opts());
    REQUIRE(p.ok());
    CHECK_FALSE(p->needs_stage1);
    CHECK((p->new_ns & CLONE_NEWPID));
    CHECK((p->new_ns & CLONE_NEWNS));
    CHECK(p->has_pid_ns);
    CHECK(p->rlimits.size() == 1);
}

TEST_CASE("plan: a user namespace or a time namespace needs stage 1", "[plan]") {
    auto s = base_spec();
    s.linux->namespaces.push_back({"user", std::nullopt});
    s.linux->uid_mappings = {{0, 100000, 65536}};
    s.linux->gid_mappings = {{0, 100000, 65536}};
    auto p = lc::build_plan(s, opts());
    REQUIRE(p.ok());
    CHECK(p->needs_stage1);
    auto t = base_spec();
    t.linux->namespaces.push_back({"time", std::nullopt});
    auto q = lc::build_plan(t, opts());
    REQUIRE(q.ok());
    CHECK(q->needs_stage1);
}

TEST_CASE("plan: bad input names the field", "[plan]") {
    auto s = base_spec();
    s.linux->namespaces.push_back({"pid", std::nullopt});
    auto dup = lc::build_plan(s, opts());
    REQUIRE_FALSE(dup.ok());
    CHECK(dup.error().text().find("linux.namespaces") != std::string::npos);

    auto noargs = base_spec();
    noargs.process->args.clear();
    auto r = lc::build_plan(noargs, opts());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text().find("process.args") != std::string::npos);

    auto rl = base_spec();
    rl.process->rlimits.push_back({"RLIMIT_NOPE", 1, 1});
    auto r2 = lc::build_plan(rl, opts());
    REQUIRE_FALSE(r2.ok());
    CHECK(r2.error().text().find("RLIMIT_NOPE") != std::string::npos);

    auto v = base_spec();
    v.oci_version = "2.0.0";
    auto r3 = lc::build_plan(v, opts());
    REQUIRE_FALSE(r3.ok());
    CHECK(r3.error().text().find("ociVersion") != std::string::npos);
}
