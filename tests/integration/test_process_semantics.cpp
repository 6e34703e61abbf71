// runc's process semantics, each a behaviour a user of runc relies on: where the cwd is
// entered, which env value wins, who owns the terminal, what create says about a file that
// cannot be executed, and how the waiting init sleeps.
#include "exec_helpers.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

using namespace itest;
namespace fs = std::filesystem;

namespace {

void as_user_1000(Bundle& b) {
    b.config["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
}

long voluntary_switches(pid_t pid) {
    for (const auto& l : split_lines(read_file("/proc/" + std::to_string(pid) + "/status")))
        if (l.rfind("voluntary_ctxt_switches:", 0) == 0) return std::stol(l.substr(24));
    return -1;
}

}  // namespace

TEST_CASE("the cwd is entered as root before the user switch", "[process][cwd]") {
    Bundle b;
    fs::create_directories(b.rootfs() + "/root");
    ::chmod((b.rootfs() + "/root").c_str(), 0700);
    as_user_1000(b);
    b.config["process"]["cwd"] = "/root";
    b.set_args({"sh", "-c", "pwd; id -u"});
    CHECK(output_of(b, {"sh", "-c", "pwd; id -u"}) == "/root\n1000\n");
}

TEST_CASE("a missing cwd is created inside the rootfs", "[process][cwd]") {
    Bundle b;
    b.config["process"]["cwd"] = "/does/not/exist";
    b.save();
    CHECK(output_of(b, {"pwd"}) == "/does/not/exist\n");
    CHECK(fs::is_directory(b.rootfs() + "/does/not/exist"));
}

TEST_CASE("exec --env replaces a variable of config.json", "[process][exec][env]") {
    RunningContainer c("envover");
    auto r = exec_in({"--env", "PATH=/bin:/custom", "--env", "NEW=1", c.guard.id(), "sh", "-c",
                      "echo $PATH; env | grep -c '^PATH='; echo $NEW"});
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == "/bin:/custom\n1\n1\n");
}

TEST_CASE("a process run as another user owns its stdio", "[process][tty]") {
    Bundle b;
    as_user_1000(b);
    SECTION("pipes (run in the foreground)") {
        CHECK(output_of(b, {"sh", "-c", "stat -L -c %u /proc/self/fd/1"}) == "1000\n");
    }
    SECTION("a terminal (cort's foreground proxy; runc needs a tty of its own here)") {
        if (!runtime_is_cort()) return;
        b.config["process"]["terminal"] = true;
        b.set_args({"sh", "-c", "stat -L -c %u /proc/self/fd/0"});
        std::string id = unique_id("ttyown");
        ContainerGuard g(id);
        auto r = run(b, id);
        INFO(r.describe());
        CHECK(trim(r.out) == "1000");
    }
    SECTION("an exec's pipes") {
        b.set_args({"sleep", "100000"});
        std::string id = unique_id("stdioown");
        ContainerGuard g(id);
        REQUIRE(create(b, id).exit_code == 0);
        REQUIRE(rt({"start", id}).exit_code == 0);
        auto r = exec_in({id, "sh", "-c", "stat -L -c %u /proc/self/fd/1"});
        INFO(r.describe());
        CHECK(r.out == "1000\n");
    }
}

TEST_CASE("create refuses a process.args[0] that cannot be executed, with runc's words", "[process][bad-input]") {
    Bundle b;
    std::string want;
    SECTION("exists, not executable") {
        b.set_args({"/etc/passwd"});
        want = "/etc/passwd\": permission denied";  // runc's log line escapes the first quote
    }
    SECTION("not in $PATH") {
        b.set_args({"no-such-command"});
        want = "executable file not found in $PATH";
    }
    std::string id = unique_id("noexec");
    ContainerGuard g(id);
    auto r = create(b, id);
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK(r.err.find(want) != std::string::npos);
    assert_nothing_left(id, b.path());
}

TEST_CASE("a created container's init sleeps after a stranger opens and closes exec.fifo", "[process][lifecycle][cort-only]") {
    CORT_ONLY();  // the fifo's place and direction are cort's own
    Bundle b;
    b.set_args({"true"});
    std::string id = unique_id("fifospin");
    ContainerGuard g(id);
    REQUIRE(create(b, id).exit_code == 0);
    auto st = state_of(id);
    REQUIRE(st);
    pid_t pid = (*st)["pid"].get<pid_t>();
    int fd = ::open((state_root() + "/" + id + "/exec.fifo").c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(fd >= 0);
    ::close(fd);
    long before = voluntary_switches(pid);
    ::usleep(300000);
    long after = voluntary_switches(pid);
    INFO("wakeups in 300 ms: " << after - before);
    // Spinning on POLLHUP with a 1 ms sleep woke it about 270 times here.
    CHECK(after - before < 10);
    CHECK(status_of(id) == "created");
    REQUIRE(rt({"start", id}).exit_code == 0);
    CHECK(wait_status(id, "stopped"));
}
