#include "harness.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <ftw.h>
#include <poll.h>
#include <sstream>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace itest {

namespace {

// Process-wide setup, run before any test: we become a child subreaper so that processes a
// killed runtime leaves behind are reparented to us (and can be found and reaped), and a
// write to a closed stdin pipe must not kill the test binary.
struct ProcessSetup {
    ProcessSetup() {
        std::signal(SIGPIPE, SIG_IGN);
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
    ~ProcessSetup() {
        // The private --root: state dirs of deleted containers are gone; remove the rest.
        std::error_code ec;
        if (!root_.empty()) fs::remove_all(root_, ec);
    }
    std::string root_;
};
ProcessSetup g_setup;

void set_cloexec_pipe(int p[2]) {
    if (pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
}

int pidfd_open(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

// Reads whatever is available on fd into out; returns false at EOF or error.
bool drain(int fd, std::string& out) {
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return true;
        return false;
    }
}

bool path_within(const std::string& p, const std::string& dir) {
    return p == dir || (p.size() > dir.size() && p.compare(0, dir.size(), dir) == 0 &&
                        p[dir.size()] == '/');
}

std::string readlink_str(const std::string& p) {
    char buf[4096];
    ssize_t n = readlink(p.c_str(), buf, sizeof buf - 1);
    if (n < 0) return {};
    return std::string(buf, static_cast<size_t>(n));
}

// Process state letter from /proc/<pid>/stat (after the last ')', since comm may hold one).
char proc_state(pid_t pid) {
    std::string s = read_file("/proc/" + std::to_string(pid) + "/stat");
    auto pos = s.rfind(')');
    if (pos == std::string::npos || pos + 2 >= s.size()) return 0;
    return s[pos + 2];
}

const std::vector<std::string>& busybox_applets() {
    static std::vector<std::string> applets = [] {
        auto r = run_cmd({"/bin/busybox", "--list"});
        return split_lines(r.out);
    }();
    return applets;
}

}  // namespace

// ---- processes -------------------------------------------------------------------------------

std::string RunResult::describe() const {
    std::ostringstream o;
    o << "exit=" << exit_code << (timed_out ? " (TIMED OUT)" : "") << "\n--- stdout ---\n"
      << out << "\n--- stderr ---\n" << err;
    return o.str();
}

RunResult run_cmd(const std::vector<std::string>& argv, const RunOptions& opts) {
    int in[2], out[2], err[2];
    set_cloexec_pipe(in);
    set_cloexec_pipe(out);
    set_cloexec_pipe(err);
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        // Own process group, so a timeout can kill the runtime and its helpers together.
        setpgid(0, 0);
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        if (!opts.cwd.empty() && chdir(opts.cwd.c_str()) != 0) _exit(126);
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    for (int fd : {in[1], out[0], err[0]}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

    // We stop reading when the child exits, not at EOF: a detached container inherits the
    // write ends of our pipes and would keep them open long after `create` returned.
    int pfd = pidfd_open(pid);
    RunResult r;
    size_t written = 0;
    int infd = in[1];
    if (opts.stdin_data.empty()) {
        close(infd);
        infd = -1;
    }
    bool out_open = true, err_open = true;
    auto deadline_left = [start = std::chrono::steady_clock::now(), &opts] {
        auto el = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
        return opts.timeout_ms - static_cast<int>(el);
    };
    for (;;) {
        std::vector<pollfd> fds;
        fds.push_back({pfd, POLLIN, 0});
        if (out_open) fds.push_back({out[0], POLLIN, 0});
        if (err_open) fds.push_back({err[0], POLLIN, 0});
        if (infd >= 0) fds.push_back({infd, POLLOUT, 0});
        int left = deadline_left();
        if (left <= 0) {
            r.timed_out = true;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            break;
        }
        int n = poll(fds.data(), fds.size(), left);
        if (n < 0 && errno == EINTR) continue;
        bool exited = false;
        for (auto& p : fds) {
            if (!p.revents) continue;
            if (p.fd == pfd) exited = true;
            else if (p.fd == out[0]) out_open = drain(out[0], r.out);
            else if (p.fd == err[0]) err_open = drain(err[0], r.err);
            else if (p.fd == infd) {
                ssize_t w = write(infd, opts.stdin_data.data() + written,
                                  opts.stdin_data.size() - written);
                if (w > 0) written += static_cast<size_t>(w);
                if (w < 0 && errno != EAGAIN && errno != EINTR) written = opts.stdin_data.size();
                if (written >= opts.stdin_data.size()) {
                    close(infd);
                    infd = -1;
                }
            }
        }
        if (exited) break;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (out_open) drain(out[0], r.out);
    if (err_open) drain(err[0], r.err);
    if (infd >= 0) close(infd);
    close(out[0]);
    close(err[0]);
    if (pfd >= 0) close(pfd);
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) {
        r.term_signal = WTERMSIG(status);
        r.exit_code = 128 + r.term_signal;
    }
    return r;
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& cwd) {
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    return pid;
}

// ---- runtime -------------------------------------------------------------------------------

const std::string& runtime_path() {
    static std::string p = [] {
        const char* e = std::getenv("CORT_TEST_RUNTIME");
        return std::string(e && *e ? e : CORT_BINARY);
    }();
    return p;
}

bool runtime_is_cort() { return fs::path(runtime_path()).filename() == "cort"; }
bool runtime_is_runc() { return fs::path(runtime_path()).filename() == "runc"; }

const std::string& state_root() {
    static std::string root = [] {
        std::string r = "/run/cort-itest-" + std::to_string(getpid());
        fs::create_directories(r);
        chmod(r.c_str(), 0700);
        g_setup.root_ = r;
        return r;
    }();
    return root;
}

RunResult rt_global(const std::vector<std::string>& global, const std::vector<std::string>& args,
                    const RunOptions& opts) {
    std::vector<std::string> argv{runtime_path(), "--root", state_root()};
    // Extra global flags for validating against another runtime, e.g. crun on this hybrid
    // host needs CORT_TEST_RUNTIME_ARGS=--cgroup-manager=disabled.
    static const std::vector<std::string> extra = [] {
        std::vector<std::string> v;
        const char* e = std::getenv("CORT_TEST_RUNTIME_ARGS");
        std::istringstream in(e ? e : "");
        for (std::string w; in >> w;) v.push_back(w);
        return v;
    }();
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), global.begin(), global.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return run_cmd(argv, opts);
}

RunResult rt(const std::vector<std::string>& args, const RunOptions& opts) {
    return rt_global({}, args, opts);
}

std::string unique_id(const std::string& prefix) {
    static std::atomic<int> n{0};
    // The trailing letter keeps "x-1-1" from being a prefix of "x-1-10" in leftover scans.
    return "it-" + prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(++n) + "z";
}

// ---- bundles -------------------------------------------------------------------------------

json default_config() {
    // runc 1.1's `runc spec`, with terminal=false so stdio passes through to the harness.
    return json::parse(R"({
  "ociVersion": "1.0.2-dev",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": ["true"],
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    },
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "cort-itest",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
     "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
     "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs",
     "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
     "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
  ],
  "linux": {
    "resources": {"devices": [{"allow": false, "access": "rwm"}]},
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"},
                   {"type": "mount"}],
    "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                    "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
})");
}

Bundle::Bundle() : config(default_config()) {
    char tmpl[] = "/tmp/cort-itest-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
    chmod(path_.c_str(), 0755);  // a userns root must be able to reach the rootfs
    std::string r = rootfs();
    for (const char* d : {"bin", "proc", "sys", "dev", "tmp", "etc", "root", "home/tester"})
        fs::create_directories(r + "/" + d);
    chmod((r + "/tmp").c_str(), 01777);
    fs::copy_file("/bin/busybox", r + "/bin/busybox");
    chmod((r + "/bin/busybox").c_str(), 0755);
    for (const auto& a : busybox_applets()) {
        if (a == "busybox") continue;
        std::string link = r + "/bin/" + a;
        if (symlink("busybox", link.c_str()) != 0 && errno != EEXIST)
            throw std::runtime_error("symlink " + link + ": " + std::strerror(errno));
    }
    write_file(r + "/etc/passwd",
               "root:x:0:0:root:/root:/bin/sh\n"
               "tester:x:1000:1000:tester:/home/tester:/bin/sh\n"
               "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
    write_file(r + "/etc/group", "root:x:0:\ntester:x:1000:\nnogroup:x:65534:\n");
    save();
}

Bundle::~Bundle() {
    // A mount that leaked below the bundle (a runtime bug) must not let remove_all walk into
    // host directories: detach them first, deepest first, and never cross a mount point.
    auto leaked = mounts_mentioning(path_);
    for (auto it = leaked.rbegin(); it != leaked.rend(); ++it) {
        std::istringstream ls(*it);
        std::string f, target;
        for (int i = 0; i < 5 && ls >> f; ++i) target = f;
        if (path_within(target, path_)) umount2(target.c_str(), MNT_DETACH);
    }
    nftw(
        path_.c_str(),
        [](const char* p, const struct stat*, int flag, struct FTW*) {
            if (flag == FTW_DP) rmdir(p);
            else unlink(p);
            return 0;
        },
        16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

void Bundle::save() const { write_file(config_path(), config.dump(2)); }

void Bundle::set_args(const std::vector<std::string>& args) {
    config["process"]["args"] = args;
    save();
}

void Bundle::write_raw_config(const std::string& text) const { write_file(config_path(), text); }

void add_hook(json& config, const std::string& kind, const std::vector<std::string>& args,
              const std::vector<std::string>& env, std::optional<int> timeout) {
    json h{{"path", args.at(0)}, {"args", args}};
    if (!env.empty()) h["env"] = env;
    if (timeout) h["timeout"] = *timeout;
    config["hooks"][kind].push_back(h);
}

void set_namespace(json& config, const std::string& type, const std::string& path) {
    remove_namespace(config, type);
    json n{{"type", type}};
    if (!path.empty()) n["path"] = path;
    config["linux"]["namespaces"].push_back(n);
}

void remove_namespace(json& config, const std::string& type) {
    auto& ns = config["linux"]["namespaces"];
    json kept = json::array();
    for (auto& n : ns)
        if (n["type"] != type) kept.push_back(n);
    ns = kept;
}

std::string write_script(const std::string& path, const std::string& body) {
    write_file(path, body);
    chmod(path.c_str(), 0755);
    return path;
}

// ---- state ---------------------------------------------------------------------------------

std::optional<json> state_of(const std::string& id) {
    auto r = rt({"state", id});
    if (r.exit_code != 0) return std::nullopt;
    try {
        return json::parse(r.out);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::string status_of(const std::string& id) {
    auto s = state_of(id);
    if (!s || !s->contains("status") || !(*s)["status"].is_string()) return "";
    return (*s)["status"].get<std::string>();
}

bool wait_status(const std::string& id, const std::string& status, int max_ms) {
    for (int waited = 0; waited < max_ms; waited += 10) {
        reap_orphans();  // a dead init of ours must not linger as a zombie
        if (status_of(id) == status) return true;
        usleep(10000);
    }
    return false;
}

bool pid_alive(pid_t pid) {
    if (pid <= 0) return false;
    char st = proc_state(pid);
    return st != 0 && st != 'Z' && st != 'X';
}

RunResult create(const Bundle& b, const std::string& id, const std::vector<std::string>& extra) {
    std::vector<std::string> a{"create", "--bundle", b.path()};
    a.insert(a.end(), extra.begin(), extra.end());
    a.push_back(id);
    RunOptions o;
    o.cwd = b.path();
    return rt(a, o);
}

RunResult run(const Bundle& b, const std::string& id, const std::vector<std::string>& extra,
              const RunOptions& opts) {
    std::vector<std::string> a{"run", "--bundle", b.path()};
    a.insert(a.end(), extra.begin(), extra.end());
    a.push_back(id);
    RunOptions o = opts;
    if (o.cwd.empty()) o.cwd = b.path();
    return rt(a, o);
}

std::string output_of(Bundle& b, const std::vector<std::string>& args) {
    b.set_args(args);
    std::string id = unique_id("out");
    ContainerGuard g(id);
    auto r = run(b, id);
    INFO("container " << id << " args[0]=" << args.at(0) << "\n" << r.describe());
    REQUIRE(r.exit_code == 0);
    return r.out;
}

ContainerGuard::~ContainerGuard() {
    rt({"delete", "--force", id_});
    reap_orphans();
    // Last resort against a faulty runtime: processes still in cgroups named after this
    // (unique) id are ours to kill, so a failed test leaves nothing running on the host.
    auto dirs = cgroup_dirs_named(id_);
    for (int round = 0; round < 100 && !dirs.empty(); ++round) {
        bool busy = false;
        for (auto& d : dirs)
            for (auto& l : split_lines(read_file(d + "/cgroup.procs")))
                if (!l.empty()) {
                    kill(std::stoi(l), SIGKILL);
                    busy = true;
                }
        reap_orphans();
        if (!busy) break;
        usleep(10000);
    }
    for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) rmdir(it->c_str());
}

// ---- leftovers -----------------------------------------------------------------------------

std::vector<std::string> mounts_mentioning(const std::string& path) {
    std::vector<std::string> res;
    for (auto& l : split_lines(read_file("/proc/self/mountinfo")))
        if (l.find(path) != std::string::npos) res.push_back(l);
    return res;
}

std::vector<std::string> cgroup_dirs_named(const std::string& id) {
    std::vector<std::string> res;
    auto matches = [&](const std::string& name) {
        auto pos = name.find(id);
        return pos != std::string::npos;
    };
    std::error_code ec;
    for (auto& ctl : fs::directory_iterator("/sys/fs/cgroup", ec)) {
        if (!ctl.is_directory(ec)) continue;
        fs::recursive_directory_iterator it(ctl.path(), fs::directory_options::skip_permission_denied, ec),
            end;
        for (; it != end; it.increment(ec)) {
            if (ec) break;
            if (!it->is_directory(ec)) continue;
            if (it.depth() >= 4) it.disable_recursion_pending();
            if (matches(it->path().filename().string())) res.push_back(it->path().string());
        }
    }
    return res;
}

std::vector<pid_t> processes_left(const std::string& id, const std::string& bundle) {
    std::vector<pid_t> res;
    struct stat bb {};
    bool have_bb = stat((bundle + "/rootfs/bin/busybox").c_str(), &bb) == 0;
    std::error_code ec;
    for (auto& e : fs::directory_iterator("/proc", ec)) {
        std::string name = e.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        pid_t pid = std::stoi(name);
        if (pid == getpid() || !pid_alive(pid)) continue;
        std::string base = "/proc/" + name;
        bool hit = path_within(readlink_str(base + "/root"), bundle) ||
                   path_within(readlink_str(base + "/cwd"), bundle);
        // After pivot_root the root link may not show the bundle path; the rootfs's busybox
        // seen through the process's root is the same inode, though.
        struct stat st {};
        if (!hit && have_bb && stat((base + "/root/bin/busybox").c_str(), &st) == 0)
            hit = st.st_dev == bb.st_dev && st.st_ino == bb.st_ino;
        if (hit) res.push_back(pid);
    }
    for (auto& dir : cgroup_dirs_named(id))
        for (auto& l : split_lines(read_file(dir + "/cgroup.procs")))
            if (!l.empty()) res.push_back(std::stoi(l));
    return res;
}

bool state_dir_exists(const std::string& id) {
    return fs::exists(state_root() + "/" + id);
}

void reap_orphans() {
    int st;
    while (waitpid(-1, &st, WNOHANG) > 0) {
    }
}

std::string describe_process(pid_t pid) {
    std::string base = "/proc/" + std::to_string(pid);
    std::string stat = read_file(base + "/stat");
    auto pos = stat.rfind(')');
    std::istringstream rest(pos == std::string::npos ? "" : stat.substr(pos + 2));
    std::string state, ppid;
    rest >> state >> ppid;
    return std::to_string(pid) + " comm=" + trim(read_file(base + "/comm")) + " state=" + state +
           " ppid=" + ppid + " cwd=" + readlink_str(base + "/cwd") +
           " wchan=" + read_file(base + "/wchan");
}

void assert_nothing_left(const std::string& id, const std::string& bundle, bool check_cgroups) {
    reap_orphans();
    INFO("container " << id << ", bundle " << bundle);
    CHECK_FALSE(state_dir_exists(id));
    auto s = rt({"state", id});
    CHECK(s.exit_code != 0);
    auto m = mounts_mentioning(bundle);
    INFO("mounts: " << [&] { std::string a; for (auto& x : m) a += x + "\n"; return a; }());
    CHECK(m.empty());
    auto c = cgroup_dirs_named(id);
    INFO("cgroups: " << [&] { std::string a; for (auto& x : c) a += x + "\n"; return a; }());
    if (check_cgroups) CHECK(c.empty());
    else if (!c.empty()) WARN("cgroups left (tolerated for this runtime): " << c.front());
    auto p = processes_left(id, bundle);
    std::sort(p.begin(), p.end());
    p.erase(std::unique(p.begin(), p.end()), p.end());
    INFO("processes: " << [&] {
        std::string a;
        for (auto x : p) a += describe_process(x) + "\n";
        return a;
    }());
    CHECK(p.empty());
}

// ---- small helpers -------------------------------------------------------------------------

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& data) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << data;
    if (!f) throw std::runtime_error("write " + path + " failed");
}

std::vector<std::string> split_lines(const std::string& s) {
    std::vector<std::string> res;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) res.push_back(l);
    return res;
}

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return "";
    auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

std::string host_ns(const std::string& type) { return readlink_str("/proc/self/ns/" + type); }

}  // namespace itest
