// Terminals: the console-socket protocol as conmon and containerd-shim use it, checked with
// tests/tools/recvtty.c as the receiver, and cort's own foreground proxy.
#include "exec_helpers.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace itest;

namespace {

// recvtty listening on <dir>/tty.sock, typing `input` into the pty it receives and
// recording the pty's output until it hangs up.
class Receiver {
public:
    Receiver(const std::string& dir, const std::string& input) : dir_(dir) {
        write_file(dir + "/in.txt", input);
        pid_ = spawn({"/bin/sh", "-c",
                      "exec '" + test_tool("recvtty") + "' '" + socket() + "' '" + dir + "/in.txt' '" + dir +
                          "/out.txt' > '" + dir + "/recv.log'"});
        // Wait for the listening socket (bounded only so a broken tool cannot hang the run).
        struct stat st;
        for (int i = 0; i < 5000 && ::stat(socket().c_str(), &st) != 0; i++) ::usleep(1000);
        REQUIRE(::stat(socket().c_str(), &st) == 0);
    }
    ~Receiver() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    std::string socket() const { return dir_ + "/tty.sock"; }
    // Waits for recvtty to see the pty hang up; returns its exit status.
    int wait() {
        int status = 0;
        for (int i = 0; i < 60000; i++) {
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            ::usleep(1000);
        }
        return -1;
    }
    std::string output() const { return read_file(dir_ + "/out.txt"); }
    std::string log() const { return read_file(dir_ + "/recv.log"); }

private:
    std::string dir_;
    pid_t pid_ = -1;
};

}  // namespace

TEST_CASE("exec --tty --console-socket: the receiver gets a working pty master", "[tty][exec]") {
    RunningContainer c("tty-exec");
    Receiver recv(c.bundle.path(), "echo hi-$((40+2)); tty; exit\n");
    auto r = exec_in({"--detach", "--tty", "--console-socket", recv.socket(), c.guard.id(), "sh"});
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    REQUIRE(recv.wait() == 0);
    CHECK(recv.log().find("name=/dev/ptmx fds=1") != std::string::npos);
    auto out = recv.output();
    INFO(out);
    CHECK(out.find("\nhi-42") != std::string::npos);  // the result, not the echoed command line
    CHECK(out.find("/dev/pts/") != std::string::npos);
}

TEST_CASE("exec --process with terminal and consoleSize", "[tty][exec]") {
    RunningContainer c("tty-size");
    Receiver recv(c.bundle.path(), "");
    json p = {{"terminal", true},
              {"consoleSize", {{"height", 33}, {"width", 111}}},
              {"args", {"sh", "-c", "stty size; ls -l /proc/self/fd/0"}},
              {"env", {"PATH=/bin"}},
              {"cwd", "/"}};
    std::string f = c.bundle.path() + "/process.json";
    write_file(f, p.dump());
    auto r = exec_in({"--process", f, "--detach", "--console-socket", recv.socket(), c.guard.id()});
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    REQUIRE(recv.wait() == 0);
    auto out = recv.output();
    INFO(out);
    CHECK(out.find("33 111") != std::string::npos);
    CHECK(out.find("-> /dev/pts/") != std::string::npos);
}

TEST_CASE("create with process.terminal: the init's pty reaches the console socket", "[tty][lifecycle]") {
    Bundle b;
    b.config["process"]["terminal"] = true;
    b.config["process"]["args"] = {"sh"};
    b.save();
    ContainerGuard g(unique_id("tty-init"));
    Receiver recv(b.path(), "echo init-$((6*7)); tty; ls -l /dev/console; exit\n");
    REQUIRE(create(b, g.id(), {"--console-socket", recv.socket()}).exit_code == 0);
    REQUIRE(rt({"start", g.id()}).exit_code == 0);
    REQUIRE(recv.wait() == 0);
    auto out = recv.output();
    INFO(out);
    CHECK(out.find("\ninit-42") != std::string::npos);
    CHECK(out.find("/dev/pts/0") != std::string::npos);
    CHECK(out.find("136,   0 ") != std::string::npos);  // /dev/console is the pty (major 136)
    REQUIRE(wait_status(g.id(), "stopped"));
}

TEST_CASE("exec --tty in the foreground: cort proxies the pty", "[tty][exec][cort-only]") {
    CORT_ONLY();  // runc 1.1 insists on a terminal on its own stdin (open /dev/tty)
    RunningContainer c("tty-proxy");
    SECTION("output and exit code through the pty") {
        auto r = exec_in({"--tty", c.guard.id(), "sh", "-c", "tty; exit 3"});
        CHECK(r.exit_code == 3);
        CHECK(r.out.find("/dev/pts/") != std::string::npos);
    }
    SECTION("piped stdin reaches the pty") {
        RunOptions o;
        o.stdin_data = "echo typed-$((2+3)); exit\n";
        auto r = exec_in({"--tty", c.guard.id(), "sh"}, o);
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("typed-5") != std::string::npos);
    }
}

TEST_CASE("console socket rules (runc's)", "[tty][bad-input]") {
    RunningContainer c("tty-rules");
    SECTION("--tty --detach without a console socket") {
        auto r = exec_in({"--tty", "--detach", c.guard.id(), "true"});
        CHECK(r.exit_code == 255);
        CHECK(r.err.find("cannot allocate tty if") != std::string::npos);
    }
    SECTION("a console socket without --tty") {
        auto r = exec_in({"--detach", "--console-socket", c.bundle.path() + "/x.sock", c.guard.id(), "true"});
        CHECK(r.exit_code == 255);
        CHECK(r.err.find("cannot use console socket if") != std::string::npos);
    }
    CHECK(c.pids() == std::vector<pid_t>{c.init_pid});
}

TEST_CASE("run with process.terminal in the foreground: cort proxies the init's pty", "[tty][run][cort-only]") {
    CORT_ONLY();  // runc 1.1 needs a terminal on its own stdin here
    Bundle b;
    b.config["process"]["terminal"] = true;
    b.config["process"]["args"] = {"sh", "-c", "tty; exit 4"};
    b.save();
    ContainerGuard g(unique_id("tty-run"));
    auto r = run(b, g.id());
    INFO(r.describe());
    CHECK(r.exit_code == 4);
    CHECK(r.out.find("/dev/pts/0") != std::string::npos);
    CHECK_FALSE(state_dir_exists(g.id()));
}
