// exec's cgroup on v2 when the container's cgroup has children: runc's rule (join the
// init's own cgroup instead). The host here may be v1, so the decision is tested as data;
// a cgroup-v2 guest case (tests/qemu) would cover the real write.
#include <catch2/catch.hpp>

#include "cgroups/paths.hpp"

using namespace lc::cgroups;

TEST_CASE("exec_fallback_cgroup: the init's v2 cgroup when the container's refused", "[cgroups][exec]") {
    SECTION("container cgroup has a child holding the init: join the child") {
        auto d = exec_fallback_cgroup(true, "/sys/fs/cgroup/ctr", "0::/ctr/init\n", "/sys/fs/cgroup");
        REQUIRE(d);
        CHECK(*d == "/sys/fs/cgroup/ctr/init");
    }
    SECTION("the init sits in the refusing cgroup itself: no fallback, the error stands") {
        CHECK_FALSE(exec_fallback_cgroup(true, "/sys/fs/cgroup/ctr", "0::/ctr\n", "/sys/fs/cgroup"));
        CHECK_FALSE(exec_fallback_cgroup(true, "/sys/fs/cgroup/ctr/", "0::/ctr\n", "/sys/fs/cgroup"));
    }
    SECTION("v1 or hybrid: never (no internal-process rule there)") {
        CHECK_FALSE(exec_fallback_cgroup(false, "/sys/fs/cgroup/pids/ctr", "0::/ctr/init\n5:pids:/ctr\n",
                                         "/sys/fs/cgroup"));
    }
    SECTION("only the 0:: line counts") {
        auto d = exec_fallback_cgroup(true, "/sys/fs/cgroup/a", "1:name=systemd:/x\n0::/a/b/c\n", "/sys/fs/cgroup");
        REQUIRE(d);
        CHECK(*d == "/sys/fs/cgroup/a/b/c");
    }
    SECTION("no 0:: line (init gone, file empty): no fallback") {
        CHECK_FALSE(exec_fallback_cgroup(true, "/sys/fs/cgroup/a", "", "/sys/fs/cgroup"));
    }
    SECTION("a path trying to climb is cleaned under the mount") {
        auto d = exec_fallback_cgroup(true, "/sys/fs/cgroup/a", "0::/../../etc\n", "/sys/fs/cgroup");
        REQUIRE(d);
        CHECK(d->rfind("/sys/fs/cgroup", 0) == 0);
    }
}
