// File descriptors, socket activation, sd_notify and detach semantics; the exec flags that
// change the process's privileges. Each check holds for runc 1.1 too unless marked.
#include "exec_helpers.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

using namespace itest;
namespace fs = std::filesystem;

namespace {

std::string sq(const std::string& s) { return "'" + s + "'"; }

// Pids (other than ours) holding an fd on the pipe whose inode `fd` refers to.
std::vector<pid_t> pipe_holders(int fd) {
    struct stat st;
    REQUIRE(::fstat(fd, &st) == 0);
    std::string want = "pipe:[" + std::to_string(st.st_ino) + "]";
    std::vector<pid_t> out;
    for (const auto& p : fs::directory_iterator("/proc")) {
        std::string name = p.path().filename();
        if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
        pid_t pid = std::stoi(name);
        if (pid == ::getpid()) continue;
        std::error_code ec;
        for (const auto& f : fs::directory_iterator(p.path() / "fd", ec)) {
            std::error_code ec2;
            if (fs::read_symlink(f.path(), ec2).string() == want) {
                out.push_back(pid);
                break;
            }
        }
    }
    return out;
}

// Runs the runtime with stdout on a fresh pipe; returns the read end and the exit code.
std::pair<int, int> run_with_stdout_pipe(const std::vector<std::string>& args, const std::string& cwd) {
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(p[1], 1);
        int null = ::open("/dev/null", O_RDWR);
        ::dup2(null, 0);
        ::dup2(null, 2);
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) _exit(126);
        std::vector<std::string> argv{runtime_path(), "--root", state_root()};
        argv.insert(argv.end(), args.begin(), args.end());
        std::vector<char*> a;
        for (auto& s : argv) a.push_back(s.data());
        a.push_back(nullptr);
        ::execv(a[0], a.data());
        _exit(127);
    }
    ::close(p[1]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return {p[0], WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)};
}

bool hung_up(int fd, int wait_ms) {
    pollfd p{fd, POLLIN, 0};
    for (int waited = 0; waited <= wait_ms; waited += 10) {
        if (::poll(&p, 1, 10) > 0 && (p.revents & POLLHUP)) return true;
    }
    return false;
}

// A datagram receiver for NOTIFY_SOCKET, in a child process so that `start` (which waits
// for the host to acknowledge BARRIER=1) never waits on this test: each datagram is
// appended to a file, its fds (the barrier pipe) dropped at once.
struct NotifyReceiver {
    std::string sock, log;
    pid_t pid = -1;
    explicit NotifyReceiver(const std::string& dir) : sock(dir + "/host-notify.sock"), log(dir + "/host-notify.log") {
        int s = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(s >= 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strncpy(a.sun_path, sock.c_str(), sizeof a.sun_path - 1);
        REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        write_file(log, "");
        pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            int out = ::open(log.c_str(), O_WRONLY | O_APPEND);
            for (;;) {
                char buf[4096];
                ssize_t n = ::recv(s, buf, sizeof buf, 0);  // no control buffer: fds are closed
                if (n < 0) _exit(1);
                (void)!::write(out, buf, static_cast<size_t>(n));
                (void)!::write(out, "|", 1);
            }
        }
        ::close(s);
    }
    ~NotifyReceiver() {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }
    std::string got() const { return read_file(log); }
};

}  // namespace

TEST_CASE("socket activation: LISTEN_FDS fds pass before --preserve-fds ones", "[fds][lifecycle]") {
    Bundle b;
    ContainerGuard g(unique_id("listenfds"));
    write_file(b.path() + "/a.txt", "file-a\n");
    write_file(b.path() + "/b.txt", "file-b\n");
    write_file(b.path() + "/c.txt", "file-c\n");
    b.set_args({"sh", "-c",
                "echo \"$LISTEN_FDS $LISTEN_PID\"; cat <&3; cat <&4; cat <&5 2>/dev/null || echo no-5; "
                "ls /proc/self/fd | sort -n | tr '\\n' ' '"});
    std::string cd = "cd " + sq(b.path()) + " && exec 3<a.txt 4<b.txt 5<c.txt 6</dev/null && ";
    SECTION("LISTEN_PID is the runtime's pid: fds 3..3+n-1 arrive, LISTEN_PID=1 inside") {
        // `exec` keeps the shell's pid, so $$ is the runtime's pid, as systemd sets it.
        auto r = sh_with_rt(cd + "LISTEN_FDS=2 LISTEN_PID=$$ exec $RT run --bundle . " + g.id());
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        CHECK(split_lines(r.out) == std::vector<std::string>{"2 1", "file-a", "file-b", "no-5", "0 1 2 3 4 5 "});
    }
    SECTION("with --preserve-fds 1 the next fd follows them") {
        auto r = sh_with_rt(cd + "LISTEN_FDS=2 LISTEN_PID=$$ exec $RT run --preserve-fds 1 --bundle . " + g.id());
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        CHECK(split_lines(r.out) ==
              std::vector<std::string>{"2 1", "file-a", "file-b", "file-c", "0 1 2 3 4 5 6 "});
    }
    SECTION("LISTEN_PID naming another process: no fd, no variable") {
        auto r = sh_with_rt(cd + "LISTEN_FDS=2 LISTEN_PID=1 exec $RT run --bundle . " + g.id());
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        auto l = split_lines(r.out);
        REQUIRE(l.size() >= 1);
        CHECK(l[0] == " ");
        CHECK(l.back() == "0 1 2 3 ");
    }
}

TEST_CASE("NOTIFY_SOCKET: READY=1 reaches the host only after start", "[notify][lifecycle]") {
    Bundle b;
    ContainerGuard g(unique_id("notify"));
    fs::copy_file(test_tool("sdnotify"), b.rootfs() + "/sdnotify");
    NotifyReceiver host(b.path());
    std::string env = "NOTIFY_SOCKET=" + sq(host.sock) + " ";
    SECTION("the container notifies: start returns after READY=1 and MAINPID were forwarded") {
        b.set_args({"sh", "-c", "/sdnotify STATUS=starting; sleep 0.2; "
                                "/sdnotify READY=1; exec sleep 100000"});
        auto c = sh_with_rt("cd " + sq(b.path()) + " && " + env + "exec $RT create --bundle . " + g.id());
        INFO(c.describe());
        REQUIRE(c.exit_code == 0);
        CHECK(host.got().empty());
        auto s = sh_with_rt(env + "exec $RT start " + g.id());
        INFO(s.describe());
        REQUIRE(s.exit_code == 0);
        auto st = state_of(g.id());
        REQUIRE(st);
        std::string pid = std::to_string((*st)["pid"].get<int>());
        // Everything up to the barrier is in the log when start returns.
        CHECK(host.got().rfind("READY=1\n|MAINPID=" + pid + "\n|BARRIER=1|", 0) == 0);
        std::string environ = read_file("/proc/" + pid + "/environ");
        CHECK(environ.find(std::string("NOTIFY_SOCKET=/run/notify/notify.sock") + '\0') != std::string::npos);
    }
    SECTION("the container exits without READY: start returns, the host hears nothing") {
        b.set_args({"sh", "-c", "sleep 0.2"});
        REQUIRE(sh_with_rt("cd " + sq(b.path()) + " && " + env + "exec $RT create --bundle . " + g.id())
                    .exit_code == 0);
        auto s = sh_with_rt(env + "exec $RT start " + g.id());
        INFO(s.describe());
        CHECK(s.exit_code == 0);
        CHECK(host.got().empty());
    }
}

TEST_CASE("detach: create and exec --detach hold none of the container's stdio", "[fds][exec][lifecycle]") {
    Bundle b;
    ContainerGuard g(unique_id("detach"));
    b.set_args({"sleep", "100000"});
    auto [rd, rc] = run_with_stdout_pipe({"create", "--bundle", b.path(), "--pid-file", b.path() + "/ctr.pid", g.id()},
                                         b.path());
    REQUIRE(rc == 0);
    pid_t init = std::stoi(read_file(b.path() + "/ctr.pid"));
    CHECK(pipe_holders(rd) == std::vector<pid_t>{init});
    CHECK_FALSE(hung_up(rd, 0));

    REQUIRE(rt({"start", g.id()}).exit_code == 0);
    auto [erd, erc] = run_with_stdout_pipe(
        {"exec", "--detach", "--pid-file", b.path() + "/exec.pid", g.id(), "sleep", "100000"}, "");
    REQUIRE(erc == 0);
    pid_t ex = std::stoi(read_file(b.path() + "/exec.pid"));
    CHECK(pipe_holders(erd) == std::vector<pid_t>{ex});
    SECTION("the pid files were renamed into place: no temp file next to them") {
        for (const auto& e : fs::directory_iterator(b.path())) {
            std::string n = e.path().filename();
            CHECK((n.find(".pid") == std::string::npos || n == "ctr.pid" || n == "exec.pid"));
        }
    }
    SECTION("killing the container's processes closes the pipes") {
        REQUIRE(rt({"kill", "--all", g.id(), "9"}).exit_code == 0);
        bool both = false;
        for (int i = 0; i < 1000 && !both; i++) {
            reap_orphans();  // we are the subreaper of the detached processes
            both = hung_up(rd, 0) && hung_up(erd, 0);
            ::usleep(10000);
        }
        CHECK(both);
    }
    ::close(rd);
    ::close(erd);
}

TEST_CASE("exec into a paused container needs --ignore-paused", "[exec]") {
    RunningContainer c("exec-paused");
    REQUIRE(rt({"pause", c.guard.id()}).exit_code == 0);
    auto r = exec_in({"--detach", c.guard.id(), "true"});
    CHECK(r.exit_code == 255);
    CHECK(r.err.find("paused") != std::string::npos);
    CHECK(c.pids() == std::vector<pid_t>{c.init_pid});
    // With --ignore-paused the process is born in the frozen cgroup and stays frozen until
    // resume (runc's exec blocks until resume too): "hi" can only follow "resumed". The sleep
    // only gives exec time to get frozen; a slow exec passes too, never a wrong one fails.
    const std::string& id = c.guard.id();
    auto thawed = sh_with_rt("$RT exec --ignore-paused " + id + " echo hi & p=$!; sleep 1; echo resumed; "
                        "$RT resume " + id + "; wait $p");
    INFO(thawed.describe());
    CHECK(thawed.exit_code == 0);
    CHECK(thawed.out == "resumed\nhi\n");
    CHECK(status_of(id) == "running");
}

TEST_CASE("exec --no-new-privs, its false form, and --cap", "[exec]") {
    RunningContainer c("exec-privs");
    auto nnp = [&](const std::vector<std::string>& flags) {
        std::vector<std::string> a = flags;
        a.push_back(c.guard.id());
        for (const char* s : {"sh", "-c", "grep NoNewPrivs /proc/self/status | tr -d ' \\t'"}) a.push_back(s);
        auto r = exec_in(a);
        INFO(r.describe());
        return trim(r.out);
    };
    // The default config has noNewPrivileges: true.
    CHECK(nnp({}) == "NoNewPrivs:1");
    CHECK(nnp({"--no-new-privs"}) == "NoNewPrivs:1");
    CHECK(nnp({"--no-new-privs=false"}) == "NoNewPrivs:0");
    SECTION("--cap adds to the bounding, effective and permitted sets") {
        auto caps = [&](const std::vector<std::string>& flags) {
            std::vector<std::string> a = flags;
            a.push_back(c.guard.id());
            for (const char* s : {"sh", "-c", "grep -E '^Cap(Eff|Bnd|Prm|Amb)' /proc/self/status | tr -d ' \\t'"})
                a.push_back(s);
            return split_lines(exec_in(a).out);
        };
        auto before = caps({});
        auto after = caps({"--cap", "CAP_SYS_ADMIN"});
        REQUIRE(before.size() == 4);
        REQUIRE(after.size() == 4);
        // CAP_SYS_ADMIN is bit 21: 0x200000.
        for (size_t i = 0; i < 4; i++) {
            INFO(before[i] << " -> " << after[i]);
            unsigned long long b = std::stoull(before[i].substr(before[i].find(':') + 1), nullptr, 16);
            unsigned long long a = std::stoull(after[i].substr(after[i].find(':') + 1), nullptr, 16);
            if (before[i].rfind("CapAmb", 0) == 0) CHECK(a == b);  // no inheritable set: no ambient
            else CHECK(a == (b | 0x200000ull));
        }
    }
}

TEST_CASE("exec into a container with a user namespace", "[exec][userns]") {
    Bundle b;
    ContainerGuard g(unique_id("exec-userns"));
    set_namespace(b.config, "user");
    b.config["linux"]["uidMappings"] = json::array({{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}});
    b.config["linux"]["gidMappings"] = json::array({{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}});
    b.set_args({"sleep", "100000"});
    // The rootfs must be usable by the mapped root.
    REQUIRE(run_cmd({"chown", "-R", "100000:100000", b.rootfs()}).exit_code == 0);
    REQUIRE(create(b, g.id()).exit_code == 0);
    REQUIRE(rt({"start", g.id()}).exit_code == 0);
    auto st = state_of(g.id());
    REQUIRE(st);
    pid_t init = (*st)["pid"].get<pid_t>();
    for (std::string type : {"user", "mnt", "uts", "ipc", "net", "pid"}) {
        auto r = exec_in({g.id(), "readlink", "/proc/self/ns/" + type});
        INFO(type << ": " << r.describe());
        REQUIRE(r.exit_code == 0);
        CHECK(trim(r.out) == ns_of(init, type));
    }
    auto r = exec_in({"--user", "1000:1000", g.id(), "sh", "-c", "id -u; id -g; cat /proc/self/uid_map | tr -s ' '"});
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    auto l = split_lines(r.out);
    REQUIRE(l.size() == 3);
    CHECK(l[0] == "1000");
    CHECK(l[1] == "1000");
    CHECK(trim(l[2]) == "0 100000 65536");
    std::string pidfile = b.path() + "/e.pid";
    REQUIRE(exec_in({"--detach", "--user", "1000", "--pid-file", pidfile, g.id(), "sleep", "100000"}).exit_code == 0);
    // Seen from the host, the process runs as the mapped uid.
    auto status = read_file("/proc/" + read_file(pidfile) + "/status");
    CHECK(status.find("Uid:\t101000\t") != std::string::npos);
}
