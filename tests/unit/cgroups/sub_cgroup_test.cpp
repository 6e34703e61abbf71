// exec --cgroup: parsing and the directories a process joins, as data (the real joins are
// in tests/integration/test_exec_cgroup.cpp and the qemu guest).
#include <catch2/catch.hpp>

#include "cgroups/sub_cgroup.hpp"

using namespace lc::cgroups;

namespace {

Hierarchy v1(std::vector<std::string> ctrls, std::string path) {
    Hierarchy h;
    h.controllers = std::move(ctrls);
    h.path = std::move(path);
    return h;
}

Hierarchy v2(std::string path) {
    Hierarchy h;
    h.v2 = true;
    h.controllers = {"hugetlb"};
    h.path = std::move(path);
    return h;
}

std::string error_of(const std::vector<std::string>& args) {
    auto r = parse_sub_cgroups(args);
    REQUIRE_FALSE(r);
    return r.error().msg;
}

}  // namespace

TEST_CASE("parse_sub_cgroups: PATH alone or CONTROLLER[,CONTROLLER]:PATH", "[cgroups][exec]") {
    CHECK(parse_sub_cgroups({})->empty());
    CHECK(parse_sub_cgroups({"sub"})->paths == std::map<std::string, std::string>{{"", "sub"}});
    CHECK(parse_sub_cgroups({"pids,memory:a", "cpu:b"})->paths ==
          std::map<std::string, std::string>{{"pids", "a"}, {"memory", "a"}, {"cpu", "b"}});
    CHECK(parse_sub_cgroups({"pids:"})->paths == std::map<std::string, std::string>{{"pids", ""}});
    CHECK(error_of({"a", "pids:b"}).find("must be the only --cgroup") != std::string::npos);
    CHECK(error_of({"pids:a:b"}).find("more than one ':'") != std::string::npos);
    CHECK(error_of({":a"}).find("empty controller name") != std::string::npos);
    CHECK(error_of({"pids,:a"}).find("empty controller name") != std::string::npos);
    CHECK(error_of({"pids:a", "pids:b"}).find("\"pids\" given more than once") != std::string::npos);
    CHECK(error_of({"a:b:c"}).rfind("--cgroup: ", 0) == 0);
}

TEST_CASE("sub_cgroup_dir: below the container's cgroup, by whole components", "[cgroups][exec]") {
    CHECK(*sub_cgroup_dir("/sys/fs/cgroup/pids/ctr", "sub") == "/sys/fs/cgroup/pids/ctr/sub");
    CHECK(*sub_cgroup_dir("/sys/fs/cgroup/pids/ctr", "/a/b/") == "/sys/fs/cgroup/pids/ctr/a/b");
    CHECK(*sub_cgroup_dir("/sys/fs/cgroup/pids/ctr", "a/../b") == "/sys/fs/cgroup/pids/ctr/b");
    CHECK(*sub_cgroup_dir("/sys/fs/cgroup/pids/ctr", "") == "/sys/fs/cgroup/pids/ctr");
    CHECK(*sub_cgroup_dir("/sys/fs/cgroup/pids/ctr", "/") == "/sys/fs/cgroup/pids/ctr");
    for (std::string bad : {"..", "../x", "a/../../x", "/..", "../ctr2", "../ctr/../../y"}) {
        auto r = sub_cgroup_dir("/sys/fs/cgroup/pids/ctr", bad);
        INFO(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().msg.find("is not a sub cgroup path") != std::string::npos);
    }
}

TEST_CASE("sub_cgroup_dirs: the named controllers' sub-cgroups, the container's cgroup elsewhere",
          "[cgroups][exec]") {
    std::vector<Hierarchy> hybrid = {v1({"pids"}, "/cg/pids/c"), v1({"cpu", "cpuacct"}, "/cg/cpu,cpuacct/c"),
                                     v1({"name=systemd"}, "/cg/systemd/c"), v2("/cg/unified/c")};
    auto dirs = [&](Layout l, const std::vector<Hierarchy>& hs, std::vector<std::string> args) {
        return sub_cgroup_dirs(l, hs, *parse_sub_cgroups(args));
    };
    SECTION("one controller") {
        CHECK(*dirs(Layout::Hybrid, hybrid, {"pids:s"}) ==
              std::vector<std::string>{"/cg/pids/c/s", "/cg/cpu,cpuacct/c", "/cg/systemd/c", "/cg/unified/c"});
    }
    SECTION("co-mounted controllers share the directory; named hierarchies too") {
        CHECK(*dirs(Layout::Legacy, hybrid, {"cpuacct:s", "name=systemd:t"}) ==
              std::vector<std::string>{"/cg/pids/c", "/cg/cpu,cpuacct/c/s", "/cg/systemd/c/t", "/cg/unified/c"});
        CHECK(dirs(Layout::Legacy, hybrid, {"cpu,cpuacct:s"})->at(1) == "/cg/cpu,cpuacct/c/s");
        auto r = dirs(Layout::Legacy, hybrid, {"cpu:s", "cpuacct:t"});
        REQUIRE_FALSE(r);
        CHECK(r.error().msg.find("share one hierarchy") != std::string::npos);
    }
    SECTION("a bare path: every hierarchy, cgroup2 included") {
        CHECK(*dirs(Layout::Hybrid, hybrid, {"s"}) ==
              std::vector<std::string>{"/cg/pids/c/s", "/cg/cpu,cpuacct/c/s", "/cg/systemd/c/s", "/cg/unified/c/s"});
    }
    SECTION("unknown controllers; hybrid's cgroup2 controllers are not per-controller hierarchies") {
        for (std::string bad : {"whaat:s", "hugetlb:s", "unified:s"}) {
            auto r = dirs(Layout::Hybrid, hybrid, {bad});
            INFO(bad);
            REQUIRE_FALSE(r);
            CHECK(r.error().msg.find("--cgroup: unknown controller") != std::string::npos);
        }
    }
    SECTION("cgroup v2 only: one bare path") {
        std::vector<Hierarchy> unified = {v2("/cg/c")};
        CHECK(*dirs(Layout::Unified, unified, {"s"}) == std::vector<std::string>{"/cg/c/s"});
        auto r = dirs(Layout::Unified, unified, {"pids:s"});
        REQUIRE_FALSE(r);
        CHECK(r.error().msg.find("without a controller prefix") != std::string::npos);
        CHECK_FALSE(dirs(Layout::Unified, unified, {".."}));
    }
}
