#include <catch2/catch.hpp>

#include "cgroups/detect.hpp"
#include "cgroups/paths.hpp"

using namespace lc::cgroups;

TEST_CASE("clean_path keeps relative paths from climbing out", "[cgroups][paths]") {
    CHECK(clean_abs("/a//b/../c/") == "/a/c");
    CHECK(clean_abs("") == "/");
    CHECK(clean_abs("/..") == "/");
    CHECK(clean_path("../../x") == "x");
    CHECK(clean_path("a/./b/") == "a/b");
    CHECK(clean_path("/machine/../ctr") == "/ctr");
    CHECK(clean_path("..") == "");
}

TEST_CASE("inner_path follows runc 1.1", "[cgroups][paths]") {
    auto abs = inner_path(std::string("/machine.slice/ctr"), "id");
    REQUIRE(abs.ok());
    CHECK(abs->absolute);
    CHECK(abs->path == "/machine.slice/ctr");

    auto rel = inner_path(std::string("pods/ctr"), "id");
    REQUIRE(rel.ok());
    CHECK_FALSE(rel->absolute);
    CHECK(rel->path == "pods/ctr");

    auto none = inner_path(std::nullopt, "abc");
    REQUIRE(none.ok());
    CHECK_FALSE(none->absolute);
    CHECK(none->path == "abc");

    // An empty cgroupsPath is "not set" in runc.
    auto empty = inner_path(std::string(""), "abc");
    REQUIRE(empty.ok());
    CHECK(empty->path == "abc");

    CHECK_FALSE(inner_path(std::nullopt, "").ok());
}

TEST_CASE("join_cgroup puts relative paths under our own cgroup", "[cgroups][paths]") {
    InnerPath rel{"ctr", false}, abs{"/x/ctr", true};
    CHECK(join_cgroup("/sys/fs/cgroup/memory", "/process_api/42", rel) == "/sys/fs/cgroup/memory/process_api/42/ctr");
    CHECK(join_cgroup("/sys/fs/cgroup/memory", "/process_api/42", abs) == "/sys/fs/cgroup/memory/x/ctr");
    CHECK(join_cgroup("/sys/fs/cgroup/pids", "/", rel) == "/sys/fs/cgroup/pids/ctr");
    CHECK(join_cgroup("/sys/fs/cgroup/", "/", InnerPath{"/", true}) == "/sys/fs/cgroup");
}

// Issue 15: on v2 the caller's own cgroup (a session scope) holds processes, so a cgroup
// below it can never get domain controllers; runc's fs2 uses the parent instead.
TEST_CASE("join_cgroup on pure v2 puts relative paths under the parent of our own cgroup", "[cgroups][paths]") {
    InnerPath rel{"ctr", false}, deep{"pods/ctr", false}, abs{"/x/ctr", true};
    const auto P = RelativeTo::OwnParent;
    CHECK(join_cgroup("/sys/fs/cgroup", "/user.slice/session-1.scope", rel, P) == "/sys/fs/cgroup/user.slice/ctr");
    CHECK(join_cgroup("/sys/fs/cgroup", "/user.slice/session-1.scope", deep, P) ==
          "/sys/fs/cgroup/user.slice/pods/ctr");
    CHECK(join_cgroup("/sys/fs/cgroup", "/user.slice/session-1.scope", abs, P) == "/sys/fs/cgroup/x/ctr");
    CHECK(join_cgroup("/sys/fs/cgroup", "/init.scope", rel, P) == "/sys/fs/cgroup/ctr");
    CHECK(join_cgroup("/sys/fs/cgroup", "/", rel, P) == "/sys/fs/cgroup/ctr");
    CHECK(join_cgroup("/sys/fs/cgroup", "/a/b/", rel, P) == "/sys/fs/cgroup/a/ctr");
}

TEST_CASE("parse_proc_cgroup reads v1, named and v2 lines", "[cgroups][paths]") {
    auto lines = parse_proc_cgroup("9:name=systemd:/\n4:memory:/a/b\n2:cpu,cpuacct:/\n0::/x\n");
    REQUIRE(lines.size() == 4);
    CHECK(lines[0].controllers == std::vector<std::string>{"name=systemd"});
    CHECK(lines[1].id == 4);
    CHECK(lines[1].path == "/a/b");
    CHECK(lines[2].controllers == std::vector<std::string>{"cpu", "cpuacct"});
    CHECK(lines[3].controllers.empty());
    CHECK(lines[3].path == "/x");
}

TEST_CASE("parse_cgroup_mounts and resolve_from_mounts", "[cgroups][paths]") {
    const char* mi =
        "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
        "34 30 0:31 /docker/abc /mnt/my\\040mem rw,relatime - cgroup cgroup rw,memory\n"
        "39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
        "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n";
    auto mounts = parse_cgroup_mounts(mi);
    REQUIRE(mounts.size() == 4);
    CHECK(mounts[0].controllers == std::vector<std::string>{"cpu", "cpuacct"});
    CHECK(mounts[1].mount_point == "/mnt/my mem");
    CHECK(mounts[2].controllers == std::vector<std::string>{"name=systemd"});
    CHECK(mounts[3].v2);

    auto cpu = resolve_from_mounts(ProcCgroupLine{2, {"cpuacct", "cpu"}, "/a"}, mounts);
    REQUIRE(cpu);
    CHECK(cpu->mount == "/sys/fs/cgroup/cpu,cpuacct");
    CHECK(cpu->own == "/a");
    // A subtree mount shows our cgroup relative to its root.
    auto mem = resolve_from_mounts(ProcCgroupLine{4, {"memory"}, "/docker/abc/inner"}, mounts);
    REQUIRE(mem);
    CHECK(mem->own == "/inner");
    auto v2 = resolve_from_mounts(ProcCgroupLine{0, {}, "/"}, mounts);
    REQUIRE(v2);
    CHECK(v2->mount == "/sys/fs/cgroup/unified");
    CHECK_FALSE(resolve_from_mounts(ProcCgroupLine{7, {"pids"}, "/"}, mounts));
}

TEST_CASE("conventional mount names", "[cgroups][paths]") {
    CHECK(conventional_mount_name({"cpu", "cpuacct"}) == "cpu,cpuacct");
    CHECK(conventional_mount_name({"name=systemd"}) == "systemd");
    CHECK(conventional_mount_name({"memory"}) == "memory");
}
