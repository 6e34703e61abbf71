// exec: a process joins a running container. Each check compares what the exec'd process
// sees with what the container's init has (host view of /proc/<pid>/ns and cgroup), so the
// tests hold for any runtime; they pass against runc 1.1.5.
#include "exec_helpers.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>

using namespace itest;

TEST_CASE("exec joins every namespace of the container", "[exec]") {
    RunningContainer c("exec-ns");
    for (std::string type : {"mnt", "uts", "ipc", "net", "pid", "cgroup", "user"}) {
        auto r = exec_in({c.guard.id(), "readlink", "/proc/self/ns/" + type});
        INFO(type << ": " << r.describe());
        REQUIRE(r.exit_code == 0);
        CHECK(trim(r.out) == ns_of(c.init_pid, type));
    }
}

TEST_CASE("exec runs in the container's cgroup and pid namespace", "[exec]") {
    RunningContainer c("exec-cg");
    std::string pidfile = c.bundle.path() + "/exec.pid";
    auto r = exec_in({"--detach", "--pid-file", pidfile, c.guard.id(), "sleep", "100000"});
    REQUIRE(r.exit_code == 0);
    pid_t pid = std::stoi(read_file(pidfile));
    REQUIRE(pid_alive(pid));
    SECTION("pid file holds the host pid, of a process in the container's pid namespace") {
        CHECK(ns_of(pid, "pid") == ns_of(c.init_pid, "pid"));
        CHECK(read_file("/proc/" + std::to_string(pid) + "/comm") == "sleep\n");
    }
    SECTION("same cgroup as the init") {
        CHECK(read_file("/proc/" + std::to_string(pid) + "/cgroup") ==
              read_file("/proc/" + std::to_string(c.init_pid) + "/cgroup"));
        auto pids = c.pids();
        CHECK(std::find(pids.begin(), pids.end(), pid) != pids.end());
    }
    SECTION("the container's pid 1 is the init; the exec'd process is another pid") {
        auto ps = exec_in({c.guard.id(), "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '"});
        CHECK(trim(ps.out) == "sleep 100000");
    }
}

TEST_CASE("exec: --env, --cwd, --user, --additional-gids", "[exec]") {
    RunningContainer c("exec-flags");
    auto r = exec_in({"--env", "FOO=bar baz", "--env", "X=1", "--cwd", "/etc", "--user", "1000:1000",
                      "--additional-gids", "5", c.guard.id(), "sh", "-c",
                      "echo \"$FOO|$X\"; pwd; id -u; id -g; id -G"});
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    auto l = split_lines(r.out);
    REQUIRE(l.size() == 5);
    CHECK(l[0] == "bar baz|1");
    CHECK(l[1] == "/etc");
    CHECK(l[2] == "1000");
    CHECK(l[3] == "1000");
    CHECK(l[4] == "1000 5");
    SECTION("defaults come from the container's config: env, cwd, uid 0") {
        auto d = exec_in({c.guard.id(), "sh", "-c", "echo $PATH; pwd; id -u"});
        CHECK(split_lines(d.out) ==
              std::vector<std::string>{"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "/", "0"});
    }
}

TEST_CASE("exec --process: a whole process JSON", "[exec]") {
    RunningContainer c("exec-proc");
    json p = {{"args", {"sh", "-c", "echo $ONLY; pwd; id -u"}},
              {"env", {"ONLY=yes", "PATH=/bin"}},
              {"cwd", "/tmp"},
              {"user", {{"uid", 65534}, {"gid", 65534}}}};
    std::string f = c.bundle.path() + "/process.json";
    write_file(f, p.dump());
    auto r = exec_in({"--process", f, c.guard.id()});
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    CHECK(split_lines(r.out) == std::vector<std::string>{"yes", "/tmp", "65534"});
}

TEST_CASE("exec forwards the exit code", "[exec]") {
    RunningContainer c("exec-rc");
    CHECK(exec_in({c.guard.id(), "true"}).exit_code == 0);
    CHECK(exec_in({c.guard.id(), "sh", "-c", "exit 7"}).exit_code == 7);
    CHECK(exec_in({c.guard.id(), "sh", "-c", "kill -9 $$"}).exit_code == 137);
    SECTION("stdout and stderr are the caller's") {
        auto r = exec_in({c.guard.id(), "sh", "-c", "echo out; echo err >&2"});
        CHECK(r.out == "out\n");
        CHECK(r.err.find("err\n") != std::string::npos);
    }
    SECTION("stdin is the caller's") {
        RunOptions o;
        o.stdin_data = "from stdin\n";
        CHECK(exec_in({c.guard.id(), "cat"}, o).out == "from stdin\n");
    }
}

TEST_CASE("exec: a missing binary fails with runc's wording and exit code", "[exec][bad-input]") {
    RunningContainer c("exec-nobin");
    auto r = exec_in({c.guard.id(), "nosuchbinary"});
    CHECK(r.exit_code == 255);
    // runc logs it as text with the quotes escaped; cort prints it plain.
    CHECK(r.err.find("nosuchbinary") != std::string::npos);
    CHECK(r.err.find("executable file not found in $PATH") != std::string::npos);
    if (runtime_is_cort()) CHECK(r.err.find("exec: \"nosuchbinary\": executable file not found in $PATH") != std::string::npos);
    CHECK(c.pids() == std::vector<pid_t>{c.init_pid});
}

TEST_CASE("exec --preserve-fds hands the fds in", "[exec][fds]") {
    RunningContainer c("exec-fds");
    write_file(c.bundle.path() + "/a.txt", "file-a\n");
    write_file(c.bundle.path() + "/b.txt", "file-b\n");
    std::string cd = "cd '" + c.bundle.path() + "' && ";
    SECTION("two files") {
        auto r = sh_with_rt(cd + "exec 3<a.txt 4<b.txt; exec $RT exec --preserve-fds 2 " + c.guard.id() +
                            " sh -c 'cat <&3; cat <&4; ls /proc/self/fd | sort -n | tr \"\\n\" \" \"'");
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        auto l = split_lines(r.out);
        REQUIRE(l.size() == 3);
        CHECK(l[0] == "file-a");
        CHECK(l[1] == "file-b");
        // 0-2, 3, 4 and the fd `ls` itself opens on /proc/self/fd: nothing else leaks in.
        CHECK(l[2] == "0 1 2 3 4 5 ");
    }
    SECTION("without --preserve-fds only stdio arrives") {
        auto r = sh_with_rt(cd + "exec 3<a.txt 4<b.txt; exec $RT exec " + c.guard.id() +
                            " sh -c 'ls /proc/self/fd | sort -n | tr \"\\n\" \" \"'");
        CHECK(r.out == "0 1 2 3 ");
    }
}

TEST_CASE("exec into a created container", "[exec]") {
    RunningContainer c("exec-created", /*start=*/false);
    auto r = exec_in({c.guard.id(), "echo", "in-created"});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "in-created\n");
    CHECK(status_of(c.guard.id()) == "created");
}

TEST_CASE("exec: bad input fails clearly and leaves no process", "[exec][bad-input]") {
    RunningContainer c("exec-bad");
    SECTION("missing container") {
        auto r = exec_in({c.guard.id() + "-nope", "true"});
        CHECK(r.exit_code == 255);
        CHECK(r.err.find("does not exist") != std::string::npos);
    }
    SECTION("stopped container") {
        REQUIRE(rt({"kill", c.guard.id(), "9"}).exit_code == 0);
        REQUIRE(wait_status(c.guard.id(), "stopped"));
        auto r = exec_in({c.guard.id(), "true"});
        CHECK(r.exit_code == 255);
        CHECK(r.err.find("cannot exec in a stopped container") != std::string::npos);
    }
    SECTION("malformed process JSON") {
        std::string f = c.bundle.path() + "/bad.json";
        write_file(f, "{bad");
        auto r = exec_in({"--process", f, c.guard.id()});
        CHECK(r.exit_code == 255);
        CHECK_FALSE(r.err.empty());
    }
    SECTION("console socket path that does not exist") {
        auto r = exec_in({"--detach", "--tty", "--console-socket", c.bundle.path() + "/no.sock", c.guard.id(), "true"});
        CHECK(r.exit_code == 255);
        CHECK(r.err.find("no such file or directory") != std::string::npos);
    }
    SECTION("--preserve-fds naming a closed fd") {
        CORT_ONLY();  // runc 1.1 hands the closed fd's number to exec.Cmd and fails later, differently
        auto r = sh_with_rt("exec 3</dev/null 4<&-; exec $RT exec --preserve-fds 2 " + c.guard.id() + " true");
        CHECK(r.exit_code == 255);
        CHECK(r.err.find("fd 4 is not open") != std::string::npos);
    }
    // Whatever failed, nothing of the exec stayed in the container (the init only, or
    // nothing once it was killed).
    auto left = c.pids();
    CHECK((left == std::vector<pid_t>{c.init_pid} || left.empty()));
    reap_orphans();
}
