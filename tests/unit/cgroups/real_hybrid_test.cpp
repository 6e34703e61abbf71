// Real cgroups on this host (root required): a manager for a random id, a forked child
// moved in, resources written and read back, freeze, kill, destroy. Every test removes
// what it made, also when it fails (Cleanup guard).
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <functional>
#include <random>

#include "cgroups/detect.hpp"
#include "cgroups/fs_manager.hpp"
#include "sys/file.hpp"

using namespace lc::cgroups;

namespace {

bool can_run_real() { return ::geteuid() == 0 && ::access("/sys/fs/cgroup", F_OK) == 0; }

std::string random_id() {
    std::random_device rd;
    return "cort-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 1000000);
}

std::string slurp(const std::string& path) {
    auto r = lc::sys::read_file(path);
    if (!r.ok()) return "<" + r.error().text() + ">";
    std::string s = *r;
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

bool exists(const std::string& p) { return ::access(p.c_str(), F_OK) == 0; }

// A forked child that waits for "go", runs an action, reports an int, then sleeps
// until killed. Killed and reaped by the destructor if the test did not.
class Child {
public:
    explicit Child(std::function<int()> action) {
        int go[2], res[2];
        REQUIRE(::pipe2(go, O_CLOEXEC) == 0);
        REQUIRE(::pipe2(res, O_CLOEXEC) == 0);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            // Catch's fatal-signal handlers would report a "failure" from this child.
            for (int sig : {SIGTERM, SIGINT, SIGABRT, SIGSEGV, SIGILL, SIGFPE}) ::signal(sig, SIG_DFL);
            char c;
            if (::read(go[0], &c, 1) != 1) ::_exit(1);
            int v = action();
            if (::write(res[1], &v, sizeof v) != sizeof v) ::_exit(1);
            for (;;) ::pause();
        }
        ::close(go[0]);
        ::close(res[1]);
        go_ = go[1];
        res_ = res[0];
    }
    ~Child() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        ::close(go_);
        ::close(res_);
    }
    pid_t pid() const { return pid_; }
    int run() {
        REQUIRE(::write(go_, "g", 1) == 1);
        int v = -1;
        REQUIRE(::read(res_, &v, sizeof v) == sizeof v);
        return v;
    }
    // Wait for death (after kill_all); returns the terminating signal.
    int reap() {
        int status = 0;
        REQUIRE(::waitpid(pid_, &status, 0) == pid_);
        pid_ = -1;
        return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    }

private:
    pid_t pid_ = -1;
    int go_ = -1, res_ = -1;
};

struct Cleanup {
    Manager* m;
    ~Cleanup() {
        if (m) (void)m->destroy();
    }
};

std::unique_ptr<Manager> make(const std::string& id, std::optional<std::string> path = std::nullopt) {
    CgroupConfig cfg;
    cfg.id = id;
    cfg.cgroups_path = path;
    auto m = make_manager(cfg);
    if (!m.ok()) FAIL(m.error().text());
    return std::move(m).value();
}

// No directory with this id's name left anywhere under /sys/fs/cgroup (depth-limited walk).
bool left_anywhere(const std::string& dir, const std::string& name, int depth) {
    if (depth == 0) return false;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return false;
    bool found = false;
    while (dirent* e = ::readdir(d)) {
        if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
        std::string sub = dir + "/" + e->d_name;
        if (name == e->d_name || left_anywhere(sub, name, depth - 1)) {
            found = true;
            break;
        }
    }
    ::closedir(d);
    return found;
}


}  // namespace

TEST_CASE("real: hybrid host, full lifecycle", "[cgroups][real]") {
    if (!can_run_real()) return;
    auto layout = detect_layout();
    REQUIRE(layout.ok());
    std::string id = random_id();
    auto m = make(id);
    Cleanup guard{m.get()};
    auto* fm = dynamic_cast<FsManager*>(m.get());
    REQUIRE(fm);

    REQUIRE(m->create().ok());
    for (const auto& h : fm->hierarchies()) CHECK(exists(h.path));
    auto path_of = [&](std::string_view ctl) -> std::string {
        for (const auto& h : fm->hierarchies())
            if (!h.v2 && h.has(ctl)) return h.path;
        return "";
    };
    if (!path_of("cpuset").empty()) CHECK(slurp(path_of("cpuset") + "/cpuset.cpus") != "");

    Child child([] { return 0; });
    auto ap = m->apply(child.pid());
    if (!ap.ok()) FAIL(ap.error().text());
    for (const auto& h : fm->hierarchies())
        CHECK_THAT(slurp(h.path + "/cgroup.procs"), Catch::Contains(std::to_string(child.pid())));

    specs::LinuxResources r;
    r.memory = specs::LinuxMemory{};
    r.memory->limit = 64 << 20;
    r.memory->swap = 128 << 20;
    r.memory->reservation = 32 << 20;
    r.cpu = specs::LinuxCPU{};
    r.cpu->shares = 512;
    r.cpu->quota = 50000;
    r.cpu->period = 100000;
    r.cpu->cpus = "0";
    r.cpu->mems = "0";
    r.pids = specs::LinuxPids{20};
    r.hugepage_limits.push_back({"2MB", 4 << 20});
    auto s = m->set(r);
    if (!s.ok()) FAIL(s.error().text());

    if (layout.value() != Layout::Unified) {
        CHECK(slurp(path_of("memory") + "/memory.limit_in_bytes") == std::to_string(64 << 20));
        CHECK(slurp(path_of("memory") + "/memory.soft_limit_in_bytes") == std::to_string(32 << 20));
        if (exists(path_of("memory") + "/memory.memsw.limit_in_bytes"))
            CHECK(slurp(path_of("memory") + "/memory.memsw.limit_in_bytes") == std::to_string(128 << 20));
        CHECK(slurp(path_of("cpu") + "/cpu.shares") == "512");
        CHECK(slurp(path_of("cpu") + "/cpu.cfs_quota_us") == "50000");
        CHECK(slurp(path_of("cpu") + "/cpu.cfs_period_us") == "100000");
        CHECK(slurp(path_of("cpuset") + "/cpuset.cpus") == "0");
        CHECK(slurp(path_of("pids") + "/pids.max") == "20");
        // Shrinking memory below memsw's old value and growing it back both work (write order).
        r.memory->limit = 16 << 20;
        r.memory->swap = 32 << 20;
        REQUIRE(m->set(r).ok());
        CHECK(slurp(path_of("memory") + "/memory.limit_in_bytes") == std::to_string(16 << 20));
        r.memory->limit = 256 << 20;
        r.memory->swap = 512 << 20;
        auto grow = m->set(r);
        if (!grow.ok()) FAIL(grow.error().text());
        CHECK(slurp(path_of("memory") + "/memory.limit_in_bytes") == std::to_string(256 << 20));
    }
    if (layout.value() == Layout::Hybrid) {
        // hugetlb lives in the cgroup2 hierarchy on this layout.
        std::string unified;
        for (const auto& h : fm->hierarchies())
            if (h.v2) unified = h.path;
        REQUIRE(!unified.empty());
        REQUIRE(exists(unified + "/hugetlb.2MB.max"));
        CHECK(slurp(unified + "/hugetlb.2MB.max") == std::to_string(4 << 20));
    }

    auto pids = m->pids();
    REQUIRE(pids.ok());
    CHECK(*pids == std::vector<pid_t>{child.pid()});

    REQUIRE(m->freeze(true).ok());
    CHECK(*m->is_frozen());
    REQUIRE(m->freeze(false).ok());
    CHECK_FALSE(*m->is_frozen());

    auto oom = m->oom_kill_count();
    REQUIRE(oom.ok());
    CHECK(*oom == 0);

    REQUIRE(m->kill_all(SIGKILL).ok());
    CHECK(child.reap() == SIGKILL);

    auto d = m->destroy();
    if (!d.ok()) FAIL(d.error().text());
    for (const auto& h : fm->hierarchies()) CHECK_FALSE(exists(h.path));
    CHECK_FALSE(left_anywhere("/sys/fs/cgroup", id, 5));
    guard.m = nullptr;
}

TEST_CASE("real: a pids limit of 1 refuses the next fork", "[cgroups][real]") {
    if (!can_run_real()) return;
    auto m = make(random_id());
    Cleanup guard{m.get()};
    REQUIRE(m->create().ok());
    Child child([] {
        pid_t p = ::fork();
        if (p == 0) ::_exit(0);
        if (p > 0) {
            ::waitpid(p, nullptr, 0);
            return 0;
        }
        return errno;
    });
    REQUIRE(m->apply(child.pid()).ok());
    specs::LinuxResources r;
    r.pids = specs::LinuxPids{1};
    REQUIRE(m->set(r).ok());
    CHECK(child.run() == EAGAIN);
}

TEST_CASE("real: device rules deny what is not allowed", "[cgroups][real]") {
    if (!can_run_real() || !exists("/dev/kmsg")) return;
    auto m = make(random_id());
    Cleanup guard{m.get()};
    REQUIRE(m->create().ok());
    specs::LinuxResources r;
    specs::LinuxDeviceCgroup deny_all;  // {"allow": false, "access": "rwm"}, as config.json starts
    deny_all.access = "rwm";
    r.devices.push_back(deny_all);
    REQUIRE(m->set(r).ok());
    Child child([] {
        int a = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        int b = ::open("/dev/kmsg", O_RDONLY | O_CLOEXEC);
        int res = (a >= 0 ? 0 : 1) | (b < 0 && errno == EPERM ? 0 : 2);
        return res;
    });
    REQUIRE(m->apply(child.pid()).ok());
    CHECK(child.run() == 0);
}

TEST_CASE("real: bad input names the field and writes nothing", "[cgroups][real]") {
    if (!can_run_real()) return;
    auto layout = detect_layout();
    REQUIRE(layout.ok());
    auto m = make(random_id());
    Cleanup guard{m.get()};
    REQUIRE(m->create().ok());

    specs::LinuxResources bad_dev;
    bad_dev.pids = specs::LinuxPids{7};
    specs::LinuxDeviceCgroup d;
    d.allow = true;
    d.type = "q";
    bad_dev.devices.push_back(d);
    auto e = m->set(bad_dev);
    REQUIRE_FALSE(e.ok());
    CHECK_THAT(e.error().text(), Catch::StartsWith("linux.resources.devices[0].type: invalid device type"));

    if (layout.value() == Layout::Hybrid) {
        specs::LinuxResources u;
        u.unified["memory.high"] = "1000";
        auto ue = m->set(u);
        REQUIRE_FALSE(ue.ok());
        CHECK_THAT(ue.error().text(), Catch::StartsWith("linux.resources.unified.memory.high:"));

        specs::LinuxResources n;
        n.network = specs::LinuxNetwork{};
        n.network->class_id = 42;
        auto ne = m->set(n);
        REQUIRE_FALSE(ne.ok());
        CHECK_THAT(ne.error().text(), Catch::Contains("linux.resources.network.classID"));
    }
    if (layout.value() != Layout::Unified) {
        specs::LinuxResources c;
        c.cpu = specs::LinuxCPU{};
        c.cpu->cpus = "4096";
        auto ce = m->set(c);
        REQUIRE_FALSE(ce.ok());
        CHECK_THAT(ce.error().text(), Catch::StartsWith("linux.resources.cpu.cpus: write "));
        CHECK_THAT(ce.error().text(), Catch::Contains("/cpuset.cpus: "));
    }
    specs::LinuxResources neg;
    neg.pids = specs::LinuxPids{-3};
    CHECK_FALSE(m->set(neg).ok());
}

TEST_CASE("real: load_manager rebuilds the same manager from its JSON", "[cgroups][real]") {
    if (!can_run_real()) return;
    std::string id = random_id();
    auto m = make(id, "/" + id + "/nested");
    Cleanup guard{m.get()};
    REQUIRE(m->create().ok());
    auto loaded = load_manager(m->to_json());
    REQUIRE(loaded.ok());
    CHECK((*loaded)->to_json() == m->to_json());
    CHECK((*loaded)->layout() == m->layout());
    auto sources = (*loaded)->mount_sources();
    REQUIRE(!sources.empty());
    for (const auto& s : sources) CHECK_THAT(s.host_path, Catch::EndsWith("/" + id + "/nested"));
    if (m->layout() == Layout::Hybrid) {
        bool unified = false;
        for (const auto& s : sources) unified |= s.v2 && s.name == "unified";
        CHECK(unified);
    }
    REQUIRE((*loaded)->destroy().ok());
    // Like runc, only the container's own directory goes; remove the parent we made here.
    for (const auto& s : sources) {
        std::string parent = s.host_path.substr(0, s.host_path.find_last_of('/'));
        CHECK_FALSE(exists(s.host_path));
        ::rmdir(parent.c_str());
    }
    guard.m = nullptr;
}

TEST_CASE("real: --systemd-cgroup is a clear error", "[cgroups][real]") {
    CgroupConfig cfg;
    cfg.id = "x";
    cfg.systemd = true;
    auto m = make_manager(cfg);
    REQUIRE_FALSE(m.ok());
    CHECK_THAT(m.error().text(), Catch::StartsWith("--systemd-cgroup: not supported"));
}

// The v2 code paths, for real, on the cgroup2 hierarchy a hybrid host has: a manager
// that sees only /sys/fs/cgroup/unified as if it were a unified host. Exercises mkdir +
// subtree_control, the eBPF device program, cgroup.freeze and cgroup.kill.
TEST_CASE("real: v2 manager on the hybrid host's cgroup2 hierarchy", "[cgroups][real][v2]") {
    if (!can_run_real()) return;
    auto layout = detect_layout();
    REQUIRE(layout.ok());
    if (layout.value() != Layout::Hybrid || !exists("/dev/kmsg")) return;
    std::string id = random_id();
    Hierarchy h;
    h.v2 = true;
    h.mount = "/sys/fs/cgroup/unified";
    h.path = h.mount + "/" + id;
    auto ctl = slurp(h.mount + "/cgroup.controllers");
    if (!ctl.empty()) h.controllers = split(ctl, ' ');
    FsManager m(Layout::Unified, {h});
    Cleanup guard{&m};
    auto c = m.create();
    if (!c.ok()) FAIL(c.error().text());

    Child child([] {
        int a = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        int b = ::open("/dev/kmsg", O_RDONLY | O_CLOEXEC);
        return (a >= 0 ? 0 : 1) | (b < 0 && errno == EPERM ? 0 : 2);
    });
    REQUIRE(m.apply(child.pid()).ok());
    // create() attached deny-all + runc's defaults: /dev/null yes, /dev/kmsg no.
    CHECK(child.run() == 0);

    // Replacing the program: now allow /dev/kmsg reads.
    specs::LinuxResources r;
    specs::LinuxDeviceCgroup deny_all;
    deny_all.access = "rwm";
    specs::LinuxDeviceCgroup kmsg;
    kmsg.allow = true;
    kmsg.type = "c";
    kmsg.major = 1;
    kmsg.minor = 11;
    kmsg.access = "r";
    r.devices = {deny_all, kmsg};
    if (h.has("hugetlb")) r.hugepage_limits.push_back({"2MB", 2 << 20});
    auto s = m.set(r);
    if (!s.ok()) FAIL(s.error().text());
    if (h.has("hugetlb")) CHECK(slurp(h.path + "/hugetlb.2MB.max") == std::to_string(2 << 20));
    Child reader([] {
        int b = ::open("/dev/kmsg", O_RDONLY | O_CLOEXEC);
        int w = ::open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
        return (b >= 0 ? 0 : 1) | (w < 0 && errno == EPERM ? 0 : 2);
    });
    REQUIRE(m.apply(reader.pid()).ok());
    CHECK(reader.run() == 0);

    REQUIRE(m.freeze(true).ok());
    CHECK(slurp(h.path + "/cgroup.freeze") == "1");
    CHECK(*m.is_frozen());
    REQUIRE(m.freeze(false).ok());
    CHECK_FALSE(*m.is_frozen());
    auto pids = m.pids();
    REQUIRE(pids.ok());
    CHECK(pids->size() == 2);

    REQUIRE(m.kill_all(SIGKILL).ok());  // cgroup.kill
    CHECK(child.reap() == SIGKILL);
    CHECK(reader.reap() == SIGKILL);
    auto d = m.destroy();
    if (!d.ok()) FAIL(d.error().text());
    CHECK_FALSE(exists(h.path));
    guard.m = nullptr;
}

TEST_CASE("real: kill_all with another signal goes through freeze + signal + thaw", "[cgroups][real]") {
    if (!can_run_real()) return;
    auto m = make(random_id());
    Cleanup guard{m.get()};
    REQUIRE(m->create().ok());
    Child child([] { return 0; });
    REQUIRE(m->apply(child.pid()).ok());
    REQUIRE(m->kill_all(SIGTERM).ok());
    CHECK(child.reap() == SIGTERM);
    CHECK_FALSE(*m->is_frozen());
}
