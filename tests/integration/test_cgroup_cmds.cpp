// update, pause/resume, ps, events, kill --all, and delete's cgroup cleanup, on real
// containers in this host's (hybrid v1) cgroups. Values are checked in the container's
// cgroup files and, where the kernel makes it observable, by their effect.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>

using namespace itest;

namespace {

const std::vector<std::string> kTwoSleeps{"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & sleep 1000 & wait"};

// The container's directory in the v1 hierarchy mounted at /sys/fs/cgroup/<ctl>.
std::string cgroup_dir(const std::string& id, const std::string& ctl) {
    std::string prefix = "/sys/fs/cgroup/" + ctl + "/";
    for (const auto& d : cgroup_dirs_named(id))
        if (d.rfind(prefix, 0) == 0 && std::filesystem::path(d).filename() == id) return d;
    return "";
}

std::string cg_file(const std::string& id, const std::string& ctl, const std::string& file) {
    std::string d = cgroup_dir(id, ctl);
    return d.empty() ? "<no " + ctl + " cgroup>" : trim(read_file(d + "/" + file));
}

// A running container from `args`, with a writable rootfs (tests use files as triggers).
void start_running(Bundle& b, const std::string& id, const std::vector<std::string>& args) {
    b.config["root"]["readonly"] = false;
    b.set_args(args);
    auto c = create(b, id);
    INFO(c.describe());
    REQUIRE(c.exit_code == 0);
    auto s = rt({"start", id});
    INFO(s.describe());
    REQUIRE(s.exit_code == 0);
    REQUIRE(status_of(id) == "running");
}

pid_t init_pid(const std::string& id) {
    auto st = state_of(id);
    REQUIRE(st);
    return (*st)["pid"].get<pid_t>();
}

}  // namespace

TEST_CASE("update writes memory, pids and cpu limits into the container's cgroup", "[cgroup-cmds][update]") {
    Bundle b;
    std::string id = unique_id("upd");
    ContainerGuard g(id);
    start_running(b, id, kTwoSleeps);

    auto u = rt({"update", "--memory", "64m", "--memory-reservation", "32m", "--pids-limit", "50", "--cpu-quota",
                 "50000", "--cpu-period", "100000", "--cpu-share", "512", id});
    INFO(u.describe());
    REQUIRE(u.exit_code == 0);
    CHECK(cg_file(id, "memory", "memory.limit_in_bytes") == "67108864");
    CHECK(cg_file(id, "memory", "memory.soft_limit_in_bytes") == "33554432");
    CHECK(cg_file(id, "pids", "pids.max") == "50");
    CHECK(cg_file(id, "cpu", "cpu.cfs_quota_us") == "50000");
    CHECK(cg_file(id, "cpu", "cpu.cfs_period_us") == "100000");
    CHECK(cg_file(id, "cpu", "cpu.shares") == "512");

    SECTION("--resources FILE (podman) and - (stdin)") {
        std::string f = b.path() + "/res.json";
        write_file(f, R"({"memory":{"limit":134217728},"pids":{"limit":70}})");
        auto r = rt({"update", "--resources=" + f, id});
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        CHECK(cg_file(id, "memory", "memory.limit_in_bytes") == "134217728");
        CHECK(cg_file(id, "pids", "pids.max") == "70");
        RunOptions o;
        o.stdin_data = R"({"cpu":{"quota":20000}})";
        auto s = rt({"update", "-r", "-", id}, o);
        INFO(s.describe());
        REQUIRE(s.exit_code == 0);
        CHECK(cg_file(id, "cpu", "cpu.cfs_quota_us") == "20000");
        CHECK(cg_file(id, "pids", "pids.max") == "70");  // untouched
    }
    SECTION("--memory -1 lifts the limit; --pids-limit -1 writes max") {
        REQUIRE(rt({"update", "--memory", "-1", "--pids-limit", "-1", id}).exit_code == 0);
        CHECK(std::stoull(cg_file(id, "memory", "memory.limit_in_bytes")) > (1ULL << 60));
        CHECK(cg_file(id, "pids", "pids.max") == "max");
    }
}

TEST_CASE("a pids limit set by update refuses the container's next fork", "[cgroup-cmds][update]") {
    Bundle b;
    std::string id = unique_id("updpids");
    ContainerGuard g(id);
    // The shell blocks on the fifo /go (no fork while waiting: busybox sh gives up on a
    // failed fork), then forks once. A refused fork ends the shell before it writes /result.
    b.config["root"]["readonly"] = false;
    b.save();
    REQUIRE(mkfifo((b.rootfs() + "/go").c_str(), 0600) == 0);
    start_running(b, id, {"sh", "-c", "exec 2>/err; read x < /go; sleep 0; echo forked > /result"});
    auto u = rt({"update", "--pids-limit", "1", id});
    INFO(u.describe());
    REQUIRE(u.exit_code == 0);
    REQUIRE(cg_file(id, "pids", "pids.max") == "1");
    write_file(b.rootfs() + "/go", "go\n");
    REQUIRE(wait_status(id, "stopped"));
    INFO("stderr of the shell: " << read_file(b.rootfs() + "/err"));
    CHECK_FALSE(std::filesystem::exists(b.rootfs() + "/result"));
    CHECK(read_file(b.rootfs() + "/err").find("fork") != std::string::npos);
}

TEST_CASE("update refuses bad input and changes nothing", "[cgroup-cmds][update][bad-input]") {
    Bundle b;
    std::string id = unique_id("updbad");
    ContainerGuard g(id);
    start_running(b, id, kTwoSleeps);
    REQUIRE(rt({"update", "--memory", "64m", "--pids-limit", "40", id}).exit_code == 0);

    auto unchanged = [&] {
        CHECK(cg_file(id, "memory", "memory.limit_in_bytes") == "67108864");
        CHECK(cg_file(id, "pids", "pids.max") == "40");
        CHECK(status_of(id) == "running");
    };
    SECTION("a cpuset naming a cpu the host lacks") {
        long ncpu = sysconf(_SC_NPROCESSORS_CONF);
        auto r = rt({"update", "--cpuset-cpus", std::to_string(ncpu + 64), "--memory", "32m", id});
        INFO(r.describe());
        CHECK(r.exit_code != 0);
        CHECK(r.err.find("cpuset.cpus") != std::string::npos);
        unchanged();
    }
    SECTION("a memory size runc would not parse") {
        auto r = rt({"update", "--memory", "1.5x", id});
        CHECK(r.exit_code != 0);
        CHECK(r.err.find("memory") != std::string::npos);
        unchanged();
    }
    SECTION("a malformed resources file") {
        RunOptions o;
        o.stdin_data = R"({"memory":{"limit":"lots"}})";
        auto r = rt({"update", "-r", "-", id}, o);
        CHECK(r.exit_code != 0);
        unchanged();
    }
    SECTION("[cort-only] a pids limit below -1, with another valid value alongside") {
        CORT_ONLY();  // runc 1.1 writes "max" for any negative limit
        auto r = rt({"update", "--pids-limit", "-5", "--memory", "32m", id});
        INFO(r.describe());
        CHECK(r.exit_code != 0);
        CHECK(r.err.find("--pids-limit") != std::string::npos);
        unchanged();
        RunOptions o;
        o.stdin_data = R"({"memory":{"limit":33554432},"pids":{"limit":-5}})";
        auto j = rt({"update", "-r", "-", id}, o);
        INFO(j.describe());
        CHECK(j.exit_code != 0);
        CHECK(j.err.find("pids.limit") != std::string::npos);
        unchanged();
    }
    SECTION("[cort-only] a unified key naming no file, beside a valid memory limit") {
        CORT_ONLY();
        // The hybrid host's cgroup2 hierarchy holds the container too, so cgroup.* keys are
        // accepted there; a file that does not exist must fail before memory is written.
        RunOptions o;
        o.stdin_data = R"({"memory":{"limit":33554432},"unified":{"cgroup.nosuchfile":"1"}})";
        auto r = rt({"update", "-r", "-", id}, o);
        INFO(r.describe());
        CHECK(r.exit_code != 0);
        CHECK(r.err.find("unified.cgroup.nosuchfile") != std::string::npos);
        unchanged();
    }
    SECTION("[cort-only] a unified key on a v1 memory controller") {
        CORT_ONLY();  // runc 1.1 names no key
        RunOptions o;
        o.stdin_data = R"({"memory":{"limit":33554432},"unified":{"memory.high":"1000000"}})";
        auto r = rt({"update", "-r", "-", id}, o);
        INFO(r.describe());
        CHECK(r.exit_code != 0);
        CHECK(r.err.find("unified.memory.high") != std::string::npos);
        unchanged();
    }
}

TEST_CASE("memory.checkBeforeUpdate is a v2 check: on v1 memory it changes nothing", "[cgroup-cmds][update]") {
    // runc applies it only in its v2 managers; the v1 kernel itself refuses a limit it
    // cannot reclaim down to (EBUSY). The v2 refusal is tested under qemu (tests/qemu).
    Bundle b;
    std::string id = unique_id("updchk");
    ContainerGuard g(id);
    start_running(b, id, kTwoSleeps);
    RunOptions o;
    o.stdin_data = R"({"memory":{"limit":67108864,"checkBeforeUpdate":true}})";
    auto r = rt({"update", "-r", "-", id}, o);
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    CHECK(cg_file(id, "memory", "memory.limit_in_bytes") == "67108864");
}

TEST_CASE("update of a missing or stopped container fails", "[cgroup-cmds][update][bad-input]") {
    auto r = rt({"update", "--memory", "64m", unique_id("nosuch")});
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("does not exist") != std::string::npos);

    Bundle b;
    std::string id = unique_id("updstop");
    ContainerGuard g(id);
    start_running(b, id, kTwoSleeps);
    REQUIRE(rt({"kill", id, "KILL"}).exit_code == 0);
    REQUIRE(wait_status(id, "stopped"));
    auto s = rt({"update", "--memory", "64m", id});
    INFO(s.describe());
    CHECK(s.exit_code != 0);
    CHECK(s.err.find("not running") != std::string::npos);
}

TEST_CASE("pause, state paused, resume, state running", "[cgroup-cmds][pause]") {
    Bundle b;
    std::string id = unique_id("pause");
    ContainerGuard g(id);
    start_running(b, id, kTwoSleeps);

    auto r0 = rt({"resume", id});
    CHECK(r0.exit_code != 0);  // not paused
    CHECK(r0.err.find("not paused") != std::string::npos);

    auto p = rt({"pause", id});
    INFO(p.describe());
    REQUIRE(p.exit_code == 0);
    CHECK(status_of(id) == "paused");
    CHECK(cg_file(id, "freezer", "freezer.state") == "FROZEN");
    // A frozen task shows state D (or T) in /proc; every one of them is frozen.
    auto again = rt({"pause", id});
    CHECK(again.exit_code != 0);
    CHECK(again.err.find("not running") != std::string::npos);

    auto r = rt({"resume", id});
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    CHECK(status_of(id) == "running");
    CHECK(cg_file(id, "freezer", "freezer.state") == "THAWED");

    SECTION("delete --force of a paused container leaves nothing") {
        REQUIRE(rt({"pause", id}).exit_code == 0);
        auto d = rt({"delete", "--force", id});
        INFO(d.describe());
        CHECK(d.exit_code == 0);
        assert_nothing_left(id, b.path());
    }
}

TEST_CASE("ps: json lists the host pids, table filters procps ps", "[cgroup-cmds][ps]") {
    Bundle b;
    std::string id = unique_id("ps");
    ContainerGuard g(id);
    start_running(b, id, kTwoSleeps);
    pid_t init = init_pid(id);

    auto j = rt({"ps", "--format", "json", id});
    INFO(j.describe());
    REQUIRE(j.exit_code == 0);
    auto arr = json::parse(j.out);
    REQUIRE(arr.is_array());
    std::vector<pid_t> pids = arr.get<std::vector<pid_t>>();
    CHECK(std::find(pids.begin(), pids.end(), init) != pids.end());
    CHECK(pids.size() == 3);  // sh and two sleeps

    auto t = rt({"ps", id, "-o", "pid,comm"});
    INFO(t.describe());
    REQUIRE(t.exit_code == 0);
    auto lines = split_lines(trim(t.out));
    REQUIRE(lines.size() == 4);  // header + 3
    CHECK(lines[0].find("PID") != std::string::npos);
    CHECK(t.out.find(std::to_string(init) + " sh") != std::string::npos);

    auto bad = rt({"ps", "--format", "yaml", id});
    CHECK(bad.exit_code != 0);
}

TEST_CASE("update and ps take what follows the id runc's way", "[cgroup-cmds][update][ps][cli-args]") {
    Bundle b;
    std::string id = unique_id("argsafter");
    ContainerGuard g(id);
    start_running(b, id, {"sleep", "1000"});
    // update: urfave/cli moves the verb's flags (and their values) before the id.
    auto u = rt({"update", id, "--pids-limit", "42", "--cpu-period=50000"});
    INFO(u.describe());
    REQUIRE(u.exit_code == 0);
    CHECK(cg_file(id, "pids", "pids.max") == "42");
    CHECK(cg_file(id, "cpu", "cpu.cfs_period_us") == "50000");
    // An unknown flag is not moved: after the id it is a second argument, refused.
    auto bad = rt({"update", id, "--no-such-flag", "--pids-limit", "7"});
    INFO(bad.describe());
    CHECK(bad.exit_code != 0);
    CHECK(cg_file(id, "pids", "pids.max") == "42");
    // ps is not reordered: everything after the id is ps's own ("-e -x"), not cort's.
    auto ps = rt({"ps", id, "-e", "-x"});
    INFO(ps.describe());
    REQUIRE(ps.exit_code == 0);
    auto lines = split_lines(trim(ps.out));
    REQUIRE(lines.size() == 2);  // header + the sleep
    CHECK(lines[0].find("PID") != std::string::npos);
    CHECK(lines[1].find(std::to_string(init_pid(id))) != std::string::npos);
}

TEST_CASE("events --stats prints one runc stats event", "[cgroup-cmds][events]") {
    Bundle b;
    std::string id = unique_id("ev");
    ContainerGuard g(id);
    start_running(b, id, kTwoSleeps);
    REQUIRE(rt({"update", "--pids-limit", "30", id}).exit_code == 0);

    auto e = rt({"events", "--stats", id});
    INFO(e.describe());
    REQUIRE(e.exit_code == 0);
    auto lines = split_lines(trim(e.out));
    REQUIRE(lines.size() == 1);
    auto ev = json::parse(lines[0]);
    CHECK(ev["type"] == "stats");
    CHECK(ev["id"] == id);
    auto& d = ev["data"];
    CHECK(d["memory"]["usage"]["usage"].get<uint64_t>() > 0);
    CHECK(d["memory"]["usage"].contains("limit"));
    CHECK(d["pids"]["current"].get<uint64_t>() == 3);
    CHECK(d["pids"]["limit"].get<uint64_t>() == 30);
    CHECK(d["cpu"]["usage"]["total"].get<uint64_t>() > 0);
    CHECK(d.contains("blkio"));
    CHECK(d.contains("hugetlb"));

    SECTION("stopped: events fails") {
        REQUIRE(rt({"kill", id, "KILL"}).exit_code == 0);
        REQUIRE(wait_status(id, "stopped"));
        auto s = rt({"events", "--stats", id});
        CHECK(s.exit_code != 0);
        CHECK(s.err.find("not running") != std::string::npos);
    }
}

TEST_CASE("events streams an oom event and (cort) ends when the container stops", "[cgroup-cmds][events]") {
    Bundle b;
    std::string id = unique_id("evoom");
    ContainerGuard g(id);
    b.config["linux"]["resources"]["memory"] = {{"limit", 16 << 20}, {"swap", 16 << 20}};
    // Waits for /go, then grows a shell variable far past the limit: the kernel OOM-kills it.
    start_running(b, id,
                  {"sh", "-c",
                   "while [ ! -e /go ]; do sleep 0.05; done; x=a; while :; do x=$x$x$x$x; done"});
    std::string out = b.path() + "/events.out";
    std::string cmd = "exec " + runtime_path() + " --root " + state_root() + " events --interval 1h " + id + " > " +
                      out + " 2>&1";
    pid_t ev = spawn({"/bin/sh", "-c", cmd});
    REQUIRE(ev > 0);
    // Trigger only once events has registered its OOM eventfd (bounded hang guard).
    bool registered = false;
    for (int i = 0; i < 1000 && !registered; ++i) {
        std::error_code ec;
        for (auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(ev) + "/fd", ec)) {
            std::error_code ec2;
            if (std::filesystem::read_symlink(fd.path(), ec2).string().find("eventfd") != std::string::npos)
                registered = true;
        }
        if (!registered) usleep(20000);
    }
    REQUIRE(registered);
    write_file(b.rootfs() + "/go", "");
    // cort's events ends by itself when the init dies; runc 1.1's waits for the cgroup to
    // go away (delete), so it is stopped here. (No runtime call before waitpid for cort: the
    // harness reaps stray children while it runs one.)
    if (!runtime_is_cort()) {
        REQUIRE(wait_status(id, "stopped"));
        kill(ev, SIGTERM);
    }
    int status = 0;
    REQUIRE(waitpid(ev, &status, 0) == ev);
    INFO(read_file(out));
    if (runtime_is_cort()) {
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    auto lines = split_lines(trim(read_file(out)));
    bool oom = false;
    for (const auto& l : lines) {
        auto j = json::parse(l, nullptr, false);
        REQUIRE_FALSE(j.is_discarded());
        if (j["type"] == "oom") {
            CHECK(j["id"] == id);
            oom = true;
        }
    }
    CHECK(oom);
    CHECK(status_of(id) == "stopped");
}

TEST_CASE("kill --all reaches every process; delete after kill -9 removes every cgroup dir",
          "[cgroup-cmds][kill]") {
    Bundle b;
    std::string id = unique_id("killall");
    ContainerGuard g(id);
    start_running(b, id, {"sh", "-c", "sleep 100 & sleep 100"});
    auto j = rt({"ps", "--format", "json", id});
    REQUIRE(j.exit_code == 0);
    auto pids = json::parse(j.out).get<std::vector<pid_t>>();
    REQUIRE(pids.size() >= 2);  // sh may exec the last sleep itself
    // Every v1 hierarchy plus the cgroup2 one holds the container.
    CHECK(cgroup_dirs_named(id).size() >= 9);

    SECTION("kill --all KILL") {
        auto k = rt({"kill", "--all", id, "KILL"});
        INFO(k.describe());
        REQUIRE(k.exit_code == 0);
        REQUIRE(wait_status(id, "stopped"));
        for (pid_t p : pids) {
            for (int i = 0; i < 500 && pid_alive(p); ++i) usleep(10000);
            CHECK_FALSE(pid_alive(p));
        }
    }
    SECTION("kill KILL (init only), then delete") {
        REQUIRE(rt({"kill", id, "KILL"}).exit_code == 0);
        REQUIRE(wait_status(id, "stopped"));
    }
    auto d = rt({"delete", id});
    INFO(d.describe());
    CHECK(d.exit_code == 0);
    CHECK(cgroup_dirs_named(id).empty());
    assert_nothing_left(id, b.path());
}
