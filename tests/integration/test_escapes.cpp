// Container escapes, each from inside a real container: the attack is played for real and
// the test checks the host is untouched (docs/security.md, "CVE checklist").
#include "exec_helpers.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace itest;
namespace fs = std::filesystem;

namespace {

json mount_entry(const std::string& dest, const std::string& type, const std::string& src,
                 const std::vector<std::string>& opts) {
    return {{"destination", dest}, {"type", type}, {"source", src}, {"options", opts}};
}

// `<prefix...> <runtime> --root R <args...>`: the runtime run through a wrapper (a seccomp
// filter) or a private copy of its binary.
RunResult rt_via(const std::vector<std::string>& prefix, const std::string& runtime, const std::vector<std::string>& args,
                 const std::string& cwd = "") {
    std::vector<std::string> argv = prefix;
    argv.push_back(runtime);
    argv.push_back("--root");
    argv.push_back(state_root());
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions o;
    o.cwd = cwd;
    return run_cmd(argv, o);
}

void remove_mount(json& config, const std::string& dest) {
    auto& m = config["mounts"];
    for (size_t i = 0; i < m.size(); ++i)
        if (m[i]["destination"] == dest) {
            m.erase(i);
            return;
        }
}

void add_capability(json& config, const std::string& cap) {
    for (const char* set : {"bounding", "effective", "permitted"}) config["process"]["capabilities"][set].push_back(cap);
}

bool wait_file(const std::string& path, int max_ms) {
    for (int i = 0; i < max_ms / 20; ++i) {
        if (fs::exists(path) && !read_file(path).empty()) return true;
        usleep(20000);
    }
    return false;
}

// rootfs/mnt/abs -> <bundle>/outside (an absolute host path) and rootfs/mnt/rel ->
// ../../..<bundle>/outside2: resolved on the host, the binds would land in <bundle>.
void add_symlinked_mount_targets(Bundle& b) {
    for (const char* d : {"/outside", "/outside2", "/src"}) fs::create_directories(b.path() + d);
    write_file(b.path() + "/src/marker", "MARK\n");
    fs::create_directories(b.rootfs() + "/mnt");
    fs::create_directories(b.rootfs() + b.path() + "/outside");
    fs::create_directories(b.rootfs() + b.path() + "/outside2");
    fs::create_symlink(b.path() + "/outside", b.rootfs() + "/mnt/abs");
    fs::create_symlink("../../../../../../../.." + b.path() + "/outside2", b.rootfs() + "/mnt/rel");
    b.config["mounts"].push_back(mount_entry("/mnt/abs", "bind", b.path() + "/src", {"bind", "ro"}));
    b.config["mounts"].push_back(mount_entry("/mnt/rel", "bind", b.path() + "/src", {"bind", "ro"}));
    b.set_args({"cat", b.path() + "/outside/marker", b.path() + "/outside2/marker"});
}

void check_symlinked_mount_targets(const Bundle& b, const RunResult& r) {
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "MARK\nMARK\n");
    CHECK(fs::is_empty(b.path() + "/outside"));
    CHECK(fs::is_empty(b.path() + "/outside2"));
    CHECK(mounts_mentioning(b.path() + "/outside").empty());
}

// A createContainer hook runs in the container's mount namespace with the rootfs as its cwd,
// after the mounts and before the masks: the moment a hostile image (or a process racing
// the runtime) could have swapped /dev/null.
void container_hook(Bundle& b, const std::string& script) {
    add_hook(b.config, "createContainer", {"sh", "-c", script});
    b.config["hooks"]["createContainer"].back()["path"] = "/bin/sh";
    b.save();
}

void swap_dev_null(Bundle& b, const std::string& with) { container_hook(b, "rm -f dev/null && " + with); }

// A rootfs whose /proc is not a procfs: a fake tree with files named like sysctls, or a
// symlink to one. The config mounts no proc, so nothing hides the fake.
void fake_proc(Bundle& b, bool as_symlink) {
    remove_mount(b.config, "/proc");
    fs::remove_all(b.rootfs() + "/proc");
    std::string dir = as_symlink ? b.rootfs() + "/fake" : b.rootfs() + "/proc";
    fs::create_directories(dir + "/sys/kernel");
    write_file(dir + "/sys/kernel/shmmni", "FAKE\n");
    if (as_symlink) fs::create_symlink("/fake", b.rootfs() + "/proc");
    b.config["linux"]["sysctl"] = {{"kernel.shmmni", "1000"}};
    b.set_args({"cat", "/proc/sys/kernel/shmmni"});
}

// The runtime's image cannot be written through /proc/<pid>/exe: a sealed memfd copy, or
// (the usual case as root) the binary on a detached read-only mount, whose path reads "/".
bool image_is_protected(pid_t pid) {
    std::string exe = "/proc/" + std::to_string(pid) + "/exe";
    if (fs::read_symlink(exe).string().rfind("/memfd:cort", 0) == 0) return true;
    struct statvfs vfs {};
    return ::statvfs(exe.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY) != 0;
}

}  // namespace

TEST_CASE("CVE-2019-5736: the container cannot rewrite the runtime's binary", "[escape][cort-only]") {
    CORT_ONLY();
    // A private copy of cort, so that no other test keeps it busy (ETXTBSY) and so that a
    // failed defence damages only the copy.
    std::string dir = "/tmp/cort-itest-5736-" + std::to_string(::getpid());
    fs::create_directories(dir);
    std::string copy = dir + "/cort";
    fs::copy_file(runtime_path(), copy, fs::copy_options::overwrite_existing);
    const std::string before = read_file(copy);
    Bundle b;
    // The hook runs in the container's namespaces as a child of the runtime's init, while
    // the runtime is still in there: it stands for a container process that won the race
    // and got a handle on the runtime's image. It keeps the handle and writes through it
    // as soon as the binary is no longer busy (ETXTBSY), i.e. once cort has exited.
    std::string result = b.path() + "/result";
    add_hook(b.config, "createContainer",
             {"sh", "-c",
              "exec 6>>" + result + " 7>" + b.path() + "/exe_seen; read -r _ _ _ ppid _ < /proc/self/stat; "
              "readlink /proc/$ppid/exe >&7; "
              // Opened here, not in the background part: once the init has pivoted, /proc
              // is the container's and $ppid (a host pid) no longer exists there.
              "exec 5</proc/$ppid/exe; "
              "( i=0; "
              "  while [ $i -lt 60 ]; do "
              "    if printf PWNED >>/proc/self/fd/5; then echo written >&6; exit 0; fi; "
              "    sleep 0.05; i=$((i+1)); done; echo refused >&6 ) </dev/null >/dev/null 2>&1 &"});
    b.config["hooks"]["createContainer"].back()["path"] = "/bin/sh";
    b.set_args({"sleep", "100000"});
    std::string id = unique_id("cve5736");
    ContainerGuard g(id);
    auto c = rt_via({}, copy, {"create", "--bundle", b.path(), id}, b.path());
    REQUIRE(c.exit_code == 0);
    // The init waiting on exec.fifo is a runtime process inside the container: its image
    // is the read-only detached mount (or sealed copy), not the host binary's path.
    auto st = state_of(id);
    REQUIRE(st);
    pid_t init = (*st)["pid"].get<int>();
    CHECK(image_is_protected(init));
    CHECK(fs::read_symlink("/proc/" + std::to_string(init) + "/exe") != copy);
    REQUIRE(rt_via({}, copy, {"start", id}).exit_code == 0);
    REQUIRE(wait_file(result, 60000));  // bounded only against a hang: the loop takes ~3 s
    CHECK(trim(read_file(b.path() + "/exe_seen")) != copy);
    CHECK(trim(read_file(result)) == "refused");
    bool unchanged = read_file(copy) == before;  // not CHECK(a == b): it would print 60 MB
    CHECK(unchanged);
    rt_via({}, copy, {"delete", "--force", id});
    fs::remove_all(dir);
}

TEST_CASE("CVE-2019-5736: only create, run and exec run from a protected image", "[escape][cort-only]") {
    CORT_ONLY();
    // --log naming a fifo with no reader blocks the runtime in open(2) right after the
    // point where it would have re-exec'd itself: its exe is then final.
    std::string dir = "/tmp/cort-itest-seal-" + std::to_string(::getpid());
    fs::create_directories(dir);
    std::string fifo = dir + "/log";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    for (std::string verb : {"state", "start", "kill", "delete", "create", "run", "exec"}) {
        pid_t p = spawn({runtime_path(), "--root", state_root(), "--log", fifo, verb, "no-such-container"});
        std::string exe;
        int hits = 0;  // twice in a row, 20 ms apart: blocked, not just passing through an open
        for (int i = 0; i < 1000 && hits < 2; ++i) {
            std::string sc = read_file("/proc/" + std::to_string(p) + "/syscall");
            hits = sc.rfind(std::to_string(SYS_openat) + " ", 0) == 0 ? hits + 1 : 0;
            if (hits == 2) exe = fs::read_symlink("/proc/" + std::to_string(p) + "/exe");
            usleep(20000);
        }
        INFO(verb << ": exe " << exe);
        REQUIRE(!exe.empty());
        bool is_protected = image_is_protected(p);
        ::kill(p, SIGKILL);
        ::waitpid(p, nullptr, 0);
        CHECK(is_protected == (verb == "create" || verb == "run" || verb == "exec"));
    }
    fs::remove_all(dir);
}

TEST_CASE("CVE-2019-5736: as root, the re-exec happens at the entry point, before libc start-up",
          "[escape][cort-only]") {
    CORT_ONLY();
    // The cheap path (early_entry.cpp): a first image that runs libc's start-up only to throw
    // it away would cost ~1 ms on a VM (CPUID traps). The debug log says which path ran.
    Bundle b;
    std::string log = b.path() + "/debug.log";
    std::string id = unique_id("entry");
    ContainerGuard g(id);
    auto r = rt_global({"--debug", "--log", log}, {"run", "--bundle", b.path(), id});
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    CHECK(read_file(log).find("image protected, seen at the entry point") != std::string::npos);
}

TEST_CASE("CVE-2024-21626: no host fd reaches the container", "[escape][fds]") {
    Bundle b;
    // "; true": busybox sh would exec a last command in place, and ls's own fd would show.
    b.set_args({"sh", "-c", "ls /proc/$$/fd; true"});
    std::string id = unique_id("fds");
    ContainerGuard g(id);
    // fd 7 is an open host directory the caller leaked (not CLOEXEC).
    RunOptions o;
    o.cwd = b.path();
    auto r = sh_with_rt("exec 7</; $RT run --bundle " + b.path() + " " + id, o);
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    CHECK(split_lines(r.out) == std::vector<std::string>{"0", "1", "2"});
}

// The caller's other fds are closed before anything runs (test_escape_fds.cpp), so the fd a
// cwd could escape through is one passed on purpose: a host directory as --preserve-fds.
TEST_CASE("CVE-2024-21626: a cwd outside the rootfs is refused", "[escape][cwd]") {
    Bundle b;
    b.set_args({"sh", "-c", "ls"});
    SECTION("process.cwd = /proc/self/fd/3, fd 3 a passed host directory") {
        b.config["process"]["cwd"] = "/proc/self/fd/3";
    }
    SECTION("process.cwd through an image symlink to /proc/self/fd/3") {
        fs::create_symlink("/proc/self/fd/3", b.rootfs() + "/evil");
        b.config["process"]["cwd"] = "/evil";
    }
    b.save();
    std::string id = unique_id("cwd");
    ContainerGuard g(id);
    RunOptions o;
    o.cwd = b.path();
    auto r = sh_with_rt("exec 3</; $RT run --preserve-fds 1 --bundle " + b.path() + " " + id, o);
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    // runc: "current working directory is outside of container mount namespace root".
    CHECK(r.err.find("outside") != std::string::npos);
    if (runtime_is_cort()) CHECK(r.err.find("process.cwd") != std::string::npos);
    assert_nothing_left(id, b.path());
}

TEST_CASE("CVE-2024-21626: a cwd through a leaked, unpassed fd finds nothing", "[escape][cwd]") {
    Bundle b;
    b.set_args({"ls"});
    b.config["process"]["cwd"] = "/proc/self/fd/7/etc";
    b.save();
    std::string id = unique_id("cwdleak");
    ContainerGuard g(id);
    RunOptions o;
    o.cwd = b.path();
    auto r = sh_with_rt("exec 7</; $RT run --bundle " + b.path() + " " + id, o);
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK(r.out.find("shadow") == std::string::npos);
    assert_nothing_left(id, b.path());
}

TEST_CASE("CVE-2024-21626: exec --cwd outside the rootfs is refused", "[escape][cwd][exec]") {
    RunningContainer c("cwdexec");
    auto r = sh_with_rt("exec 3</; $RT exec --preserve-fds 1 --cwd /proc/self/fd/3 " + c.guard.id() + " ls");
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("outside") != std::string::npos);
    CHECK(c.pids().size() == 1);
}

TEST_CASE("CVE-2021-30465: symlinked mount targets land inside the rootfs", "[escape][mounts]") {
    Bundle b;
    add_symlinked_mount_targets(b);
    std::string id = unique_id("mnt");
    ContainerGuard g(id);
    check_symlinked_mount_targets(b, run(b, id));
}

TEST_CASE("CVE-2025-31133: a swapped /dev/null is never bound over masked paths", "[escape][masked]") {
    Bundle b;
    SECTION("a symlink to a procfs file") { swap_dev_null(b, "ln -s /proc/sys/kernel/core_pattern dev/null"); }
    SECTION("a regular file") { swap_dev_null(b, "echo secret > dev/null"); }
    std::string id = unique_id("devnull");
    ContainerGuard g(id);
    auto r = create(b, id);
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("/dev/null is not the null device") != std::string::npos);
    assert_nothing_left(id, b.path());
}

TEST_CASE("CVE-2025-31133: an image's fake /dev/null is replaced by the real one", "[escape][masked]") {
    Bundle b;
    fs::create_directories(b.rootfs() + "/dev");
    fs::remove(b.rootfs() + "/dev/null");
    fs::create_symlink("/proc/sys/kernel/core_pattern", b.rootfs() + "/dev/null");
    std::string out = output_of(b, {"sh", "-c", "stat -c '%t:%T %F' /dev/null; cat /proc/kcore | wc -c"});
    CHECK(out == "1:3 character special file\n0\n");
}

TEST_CASE("CVE-2025-52565: /dev/console swapped for a symlink or a directory is refused", "[escape][tty]") {
    Bundle b;
    b.config["process"]["terminal"] = true;
    SECTION("a symlink to a procfs file") {
        container_hook(b, "rm -rf dev/console && ln -s /proc/sysrq-trigger dev/console");
    }
    SECTION("a directory") { container_hook(b, "rm -rf dev/console && mkdir dev/console"); }
    // A listening socket is all `create` needs to connect; nothing is received.
    std::string sock = b.path() + "/tty.sock";
    int lfd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(lfd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock.c_str());
    REQUIRE(::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(lfd, 4) == 0);
    std::string id = unique_id("console");
    ContainerGuard g(id);
    auto r = create(b, id, {"--console-socket", sock});
    ::close(lfd);
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("/dev/console") != std::string::npos);
    assert_nothing_left(id, b.path());
}

TEST_CASE("CVE-2025-52881: sysctls are never written through the container's /proc", "[escape][sysctl]") {
    Bundle b;
    bool symlink = GENERATE(false, true);
    INFO((symlink ? "/proc is a symlink to a fake tree" : "/proc is a fake tree"));
    fake_proc(b, symlink);
    b.set_args({"sleep", "100000"});
    std::string id = unique_id("sysctl");
    ContainerGuard g(id);
    auto c = create(b, id);
    REQUIRE(c.exit_code == 0);
    std::string fake = b.rootfs() + (symlink ? "/fake" : "/proc") + "/sys/kernel/shmmni";
    CHECK(read_file(fake) == "FAKE\n");
    auto st = state_of(id);
    REQUIRE(st);
    // The real sysctl, in the container's ipc namespace, got the value.
    auto r = run_cmd({"nsenter", "-t", std::to_string((*st)["pid"].get<int>()), "-i", "cat", "/proc/sys/kernel/shmmni"});
    CHECK(trim(r.out) == "1000");
}

TEST_CASE("CVE-2025-52881: oomScoreAdj is never written through the container's /proc", "[escape][sysctl]") {
    Bundle b;
    bool symlink = GENERATE(false, true);
    INFO((symlink ? "/proc is a symlink to a fake tree" : "/proc is a fake tree"));
    fake_proc(b, symlink);
    b.config["linux"].erase("sysctl");
    std::string fake = b.rootfs() + (symlink ? "/fake" : "/proc") + "/self/oom_score_adj";
    std::filesystem::create_directories(b.rootfs() + (symlink ? "/fake" : "/proc") + "/self");
    write_file(fake, "FAKE\n");
    b.config["process"]["oomScoreAdj"] = 500;
    b.set_args({"sleep", "100000"});
    std::string id = unique_id("oomadj");
    ContainerGuard g(id);
    auto c = create(b, id);
    INFO(c.describe());
    REQUIRE(c.exit_code == 0);
    CHECK(read_file(fake) == "FAKE\n");
    auto st = state_of(id);
    REQUIRE(st);
    CHECK(trim(read_file("/proc/" + std::to_string((*st)["pid"].get<int>()) + "/oom_score_adj")) == "500");
}

TEST_CASE("the runtime is not dumpable while inside the container", "[escape][dumpable]") {
    // The init that waits on exec.fifo is the runtime, in the container's namespaces. A
    // process without CAP_SYS_PTRACE (like a container's root) may not open its memory,
    // even under the same uid.
    Bundle b;
    b.set_args({"sleep", "100000"});
    std::string id = unique_id("dump");
    ContainerGuard g(id);
    REQUIRE(create(b, id).exit_code == 0);
    auto st = state_of(id);
    REQUIRE(st);
    std::string pid = std::to_string((*st)["pid"].get<int>());
    // /proc/<pid>/mem: ptrace-attach access, which a non-dumpable process refuses to
    // anyone without CAP_SYS_PTRACE (the reader holds every capability the init does).
    const std::string reader = "setpriv --bounding-set=-sys_ptrace --inh-caps=-sys_ptrace -- /bin/sh -c ";
    auto r = run_cmd({"/bin/sh", "-c", reader + "'exec 3</proc/" + pid + "/mem'"});
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("Permission denied") != std::string::npos);
    // The same reader may open a dumpable root process's memory: the check is real.
    auto control = run_cmd({"/bin/sh", "-c",
                            "setpriv --bounding-set=-sys_ptrace --inh-caps=-sys_ptrace -- sleep 30 & p=$!; sleep 0.2; " +
                                reader + "\"exec 3</proc/$p/mem\"; rc=$?; kill $p; exit $rc"});
    INFO(control.describe());
    CHECK(control.exit_code == 0);
}

TEST_CASE("without openat2 (ENOSYS under seccomp) the fallbacks hold", "[escape][no-openat2][cort-only]") {
    CORT_ONLY();
    std::string tool = test_tool("no_openat2");
    std::string id = unique_id("noat2");
    ContainerGuard g(id);
    SECTION("symlinked mount targets land inside the rootfs") {
        Bundle b;
        add_symlinked_mount_targets(b);
        check_symlinked_mount_targets(b, rt_via({tool}, runtime_path(), {"run", "--bundle", b.path(), id}, b.path()));
    }
    SECTION("a swapped /dev/null is refused") {
        Bundle b;
        swap_dev_null(b, "ln -s /proc/sys/kernel/core_pattern dev/null");
        auto r = rt_via({tool}, runtime_path(), {"create", "--bundle", b.path(), id}, b.path());
        INFO(r.describe());
        CHECK(r.exit_code != 0);
        CHECK(r.err.find("/dev/null is not the null device") != std::string::npos);
        assert_nothing_left(id, b.path());
    }
    SECTION("sysctls skip a fake /proc") {
        Bundle b;
        fake_proc(b, false);
        auto r = rt_via({tool}, runtime_path(), {"run", "--bundle", b.path(), id}, b.path());
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        CHECK(read_file(b.rootfs() + "/proc/sys/kernel/shmmni") == "FAKE\n");
    }
    SECTION("a cwd outside the rootfs is refused") {
        Bundle b;
        b.config["process"]["cwd"] = "/proc/self/fd/3";
        b.set_args({"ls"});
        auto r = run_cmd({"/bin/sh", "-c",
                          "exec 3</; exec " + tool + " " + runtime_path() + " --root " + state_root() +
                              " run --preserve-fds 1 --bundle " + b.path() + " " + id});
        INFO(r.describe());
        CHECK(r.exit_code != 0);
        CHECK(r.err.find("outside the container") != std::string::npos);
        assert_nothing_left(id, b.path());
    }
}

TEST_CASE("masked paths hold against an image's fake /proc/self/fd tree", "[escape][masked]") {
    // No proc mount, and the image's /proc/self/fd/N all point at one decoy directory: a
    // runtime that binds the mask through "/proc/self/fd/<source>" onto
    // "/proc/self/fd/<target>" binds the decoy onto itself and leaves the host's
    // /sys/firmware in view.
    REQUIRE(fs::exists("/sys/firmware"));
    Bundle b;
    remove_mount(b.config, "/proc");
    fs::remove_all(b.rootfs() + "/proc");
    fs::create_directories(b.rootfs() + "/decoy");
    fs::create_directories(b.rootfs() + "/proc/self/fd");
    // A masked directory before /sys/firmware in the list: it takes the fresh tmpfs itself,
    // so /sys/firmware is the one masked by a bind.
    fs::create_directories(b.rootfs() + "/proc/acpi");
    for (int fd = 0; fd < 256; fd++) fs::create_symlink("/decoy", b.rootfs() + "/proc/self/fd/" + std::to_string(fd));
    b.set_args({"ls", "-A", "/sys/firmware"});
    std::string id = unique_id("fakeprocfd");
    ContainerGuard g(id);
    auto r = run(b, id);
    INFO(r.describe());
    // runc refuses such a bundle; cort masks without the container's /proc.
    if (runtime_is_cort()) CHECK(r.exit_code == 0);
    CHECK(trim(r.out).empty());
}

TEST_CASE("--no-pivot leaves no full procfs to mount a bare /proc from", "[escape][no-pivot]") {
    // runc's test: in a user namespace of its own the container may mount procfs only where a
    // full procfs mount is visible in its mount namespace; with --no-pivot the host's stay
    // there unless the runtime hides them.
    Bundle b;
    add_capability(b.config, "CAP_SETFCAP");  // to map root in the new user namespace
    b.set_args({"unshare", "-mrpf", "sh", "-c", "mount -t proc none /proc && echo BARE-PROC-MOUNTED"});
    std::vector<std::string> flags;
    SECTION("pivot_root") {}
    SECTION("--no-pivot") { flags = {"--no-pivot"}; }
    std::string id = unique_id("nopivotproc");
    ContainerGuard g(id);
    auto r = run(b, id, flags);
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK(r.out.find("BARE-PROC-MOUNTED") == std::string::npos);
    CHECK((r.err + r.out).find("ermission denied") != std::string::npos);
}

TEST_CASE("--no-pivot still runs a container with its masks", "[rootfs][no-pivot]") {
    Bundle b;
    std::string out = [&] {
        b.set_args({"sh", "-c", "ls -A /sys/firmware; cat /proc/kcore | wc -c"});
        std::string id = unique_id("nopivotrun");
        ContainerGuard g(id);
        auto r = run(b, id, {"--no-pivot"});
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        return r.out;
    }();
    CHECK(trim(out) == "0");
    // The host's own /proc and /sys were only detached in the container's mount namespace.
    CHECK(fs::exists("/proc/self/status"));
    CHECK(fs::exists("/sys/kernel"));
}
