// Checks the leftover detectors themselves: a test that "finds nothing left" is only worth
// something if the same detectors do find a live container's state, processes and cgroups.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

#include <sys/mount.h>

using namespace itest;

TEST_CASE("the leftover detectors see a live container", "[harness]") {
    Bundle b;
    b.set_args({"sleep", "1000"});
    std::string id = unique_id("harness");
    ContainerGuard g(id);
    REQUIRE(create(b, id).exit_code == 0);
    pid_t pid = (*state_of(id))["pid"].get<pid_t>();

    SECTION("state dir") { CHECK(state_dir_exists(id)); }
    SECTION("the init, found by its root") {
        auto p = processes_left(id, b.path());
        CHECK(std::find(p.begin(), p.end(), pid) != p.end());
    }
    SECTION("cgroup dirs named after the id") { CHECK_FALSE(cgroup_dirs_named(id).empty()); }
    SECTION("and after delete, none of it") {
        REQUIRE(rt({"delete", "--force", id}).exit_code == 0);
        assert_nothing_left(id, b.path());
    }
}

TEST_CASE("the mount detector sees a mount below the bundle", "[harness]") {
    Bundle b;
    std::string target = b.rootfs() + "/tmp";
    REQUIRE(mount("tmpfs", target.c_str(), "tmpfs", 0, nullptr) == 0);
    CHECK(mounts_mentioning(b.path()).size() == 1);
    umount2(target.c_str(), MNT_DETACH);
    CHECK(mounts_mentioning(b.path()).empty());
}
