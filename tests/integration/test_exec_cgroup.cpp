// exec --cgroup: the exec'd process joins an existing sub-cgroup of the container's cgroup
// (runc 1.1). These cases need cgroup v1 controllers (pids, memory), so they skip on a
// unified host; the cgroup v2 form (--cgroup PATH) is covered in the qemu guest
// (tests/qemu/guest-cases.sh). They pass against runc 1.1.5, except the [cort-only]
// wording checks (docs/cli.md lists the differences).
#include "exec_helpers.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>

using namespace itest;

namespace {

bool v1_host() { return ::access("/sys/fs/cgroup/pids/cgroup.procs", F_OK) == 0; }

// controller field -> the cgroup path, from a /proc/<pid>/cgroup text.
std::map<std::string, std::string> cgroup_paths(const std::string& text) {
    std::map<std::string, std::string> out;
    for (const auto& line : split_lines(text)) {
        auto c1 = line.find(':'), c2 = line.find(':', c1 + 1);
        if (c1 == std::string::npos || c2 == std::string::npos) continue;
        out[line.substr(c1 + 1, c2 - c1 - 1)] = line.substr(c2 + 1);
    }
    return out;
}

// Sub-cgroups the test makes under the container's cgroup; removed before the container
// is deleted (declared after it, so destroyed first), whatever the test did.
struct SubDirs {
    std::vector<std::string> dirs;
    void make(const std::string& d) {
        REQUIRE(::mkdir(d.c_str(), 0755) == 0);
        dirs.push_back(d);
    }
    ~SubDirs() {
        for (const auto& d : dirs)
            for (int i = 0; i < 100 && ::rmdir(d.c_str()) != 0 && errno == EBUSY; i++) ::usleep(20000);
    }
};

}  // namespace

TEST_CASE("exec --cgroup CONTROLLER:PATH joins that controller's sub-cgroup", "[exec][exec-cgroup]") {
    if (!v1_host()) {
        WARN("skipped: needs cgroup v1 controllers; the v2 form runs in the qemu guest");
        return;
    }
    RunningContainer c("exec-subcg");
    auto init = cgroup_paths(read_file("/proc/" + std::to_string(c.init_pid) + "/cgroup"));
    REQUIRE(init.count("pids"));
    REQUIRE(init.count("memory"));
    SubDirs subs;
    subs.make("/sys/fs/cgroup/pids" + init["pids"] + "/sub");
    subs.make("/sys/fs/cgroup/memory" + init["memory"] + "/sub");

    SECTION("one controller: only its hierarchy changes") {
        auto r = exec_in({"--cgroup", "pids:sub", c.guard.id(), "cat", "/proc/self/cgroup"});
        REQUIRE(r.exit_code == 0);
        auto got = cgroup_paths(r.out);
        // The container may have its own cgroup namespace: compare against what the init
        // sees from inside, not the host path.
        auto in_init = cgroup_paths(exec_in({c.guard.id(), "cat", "/proc/self/cgroup"}).out);
        CHECK(got["pids"] == (in_init["pids"] == "/" ? "" : in_init["pids"]) + "/sub");
        CHECK(got["memory"] == in_init["memory"]);
    }
    SECTION("a controller list, repeated flags and an absolute path (relative to the container's cgroup)") {
        auto r = exec_in({"--cgroup", "pids,memory:/sub", c.guard.id(), "cat", "/proc/self/cgroup"});
        REQUIRE(r.exit_code == 0);
        auto in_init = cgroup_paths(exec_in({c.guard.id(), "cat", "/proc/self/cgroup"}).out);
        auto got = cgroup_paths(r.out);
        for (std::string ctrl : {"pids", "memory"})
            CHECK(got[ctrl] == (in_init[ctrl] == "/" ? "" : in_init[ctrl]) + "/sub");
        auto r2 = exec_in({"--cgroup", "pids:sub", "--cgroup", "memory:sub/../sub", c.guard.id(), "cat",
                           "/proc/self/cgroup"});
        REQUIRE(r2.exit_code == 0);
        CHECK(cgroup_paths(r2.out) == got);
    }
    SECTION("the host sees the process in the sub-cgroup, not in the container's cgroup") {
        std::string pidfile = c.bundle.path() + "/exec.pid";
        auto r = exec_in({"--detach", "--pid-file", pidfile, "--cgroup", "pids:sub", c.guard.id(), "sleep", "100000"});
        REQUIRE(r.exit_code == 0);
        pid_t pid = std::stoi(read_file(pidfile));
        auto in_sub = pids_in(subs.dirs[0]);
        CHECK(std::find(in_sub.begin(), in_sub.end(), pid) != in_sub.end());
        CHECK(c.pids() == std::vector<pid_t>{c.init_pid});
        ::kill(pid, SIGKILL);
        reap_orphans();
    }
}

TEST_CASE("exec --cgroup: '..', a missing sub-cgroup or controller fail and leave nothing",
          "[exec][exec-cgroup][bad-input]") {
    if (!v1_host()) {
        WARN("skipped: needs cgroup v1 controllers; the v2 form runs in the qemu guest");
        return;
    }
    RunningContainer c("exec-subcg-bad");
    auto init = cgroup_paths(read_file("/proc/" + std::to_string(c.init_pid) + "/cgroup"));
    std::string pids_dir = "/sys/fs/cgroup/pids" + init["pids"];
    std::string parent = pids_dir.substr(0, pids_dir.find_last_of('/'));
    struct Case {
        std::vector<std::string> args;
        std::string runc_says, cort_says;  // runc 1.1.5's wording; cort's, which names the flag
    };
    const std::vector<Case> cases = {
        {{"--cgroup", ".."}, "is not a sub cgroup path", "--cgroup: \"..\" is not a sub cgroup path"},
        {{"--cgroup", "pids:../x"}, "is not a sub cgroup path", "--cgroup: \"../x\" is not a sub cgroup path"},
        {{"--cgroup", "pids:nope"}, "no such file or directory", "--cgroup: sub-cgroup " + pids_dir + "/nope does not exist"},
        {{"--cgroup", "nope"}, "no such file or directory", "/nope does not exist"},
        {{"--cgroup", "whaat:sub"}, "unknown controller whaat", "--cgroup: unknown controller \"whaat\""},
        {{"--cgroup", "pids:a:b"}, "invalid --cgroup argument", "--cgroup: more than one ':'"},
        {{"--cgroup", "x", "--cgroup", "pids:y"}, "missing <controller>: prefix", "must be the only --cgroup"},
    };
    for (const auto& k : cases) {
        std::vector<std::string> args = k.args;
        args.insert(args.end(), {c.guard.id(), "true"});
        auto r = exec_in(args);
        INFO(r.describe());
        CHECK(r.exit_code == 255);
        CHECK(r.err.find(runtime_is_cort() ? k.cort_says : k.runc_says) != std::string::npos);
        // Nothing created, nothing left running: no sub-cgroup made by exec, only the init.
        struct stat st;
        CHECK(::stat((pids_dir + "/nope").c_str(), &st) != 0);
        CHECK(::stat((parent + "/x").c_str(), &st) != 0);
        CHECK(c.pids() == std::vector<pid_t>{c.init_pid});
    }
    reap_orphans();
}
