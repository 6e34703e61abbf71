#include "cgroups/fs_manager.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "cgroups/bpf_devices.hpp"
#include "cgroups/cgroup_fs.hpp"
#include "cgroups/devices.hpp"
#include "cgroups/placement.hpp"

namespace lc::cgroups {

namespace {

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

void sleep_us(long us) {
    timespec ts{us / 1000000, (us % 1000000) * 1000};
    ::nanosleep(&ts, nullptr);
}

bool contains_word(const std::string& list, const std::string& word) {
    for (auto& w : split(trim(list), ' '))
        if (w == word) return true;
    return false;
}

// How long freeze waits for the kernel to report every task frozen.
constexpr long kFreezeWaitUs = 2000000;

// The root may list a controller that never reaches the container's cgroup (an ancestor
// holding processes, or not delegated): say which and why, rather than ENOENT on its file.
Result<void> v2_controller_reaches(const Hierarchy& h, int dirfd, const std::string& ctl, const std::string& field) {
    auto have = fs::read_at(dirfd, h.path, "cgroup.controllers");
    if (!have.ok() || h.path == h.mount || contains_word(*have, ctl)) return {};
    return make_error(field + ": the " + ctl + " controller is not available in the container's cgroup " + h.path +
                      " (linux.cgroupsPath): " + missing_controller_reason(h.mount, h.path, ctl));
}

}  // namespace

const Hierarchy* FsManager::v1_with(std::string_view controller) const {
    for (const auto& h : hierarchies_)
        if (!h.v2 && h.has(controller)) return &h;
    return nullptr;
}

const Hierarchy* FsManager::v2() const {
    for (const auto& h : hierarchies_)
        if (h.v2) return &h;
    return nullptr;
}

// ---------------------------------------------------------------- create / apply

Result<void> FsManager::create() {
    for (const auto& h : hierarchies_) TRY(h.v2 ? create_v2(h) : create_v1(h));
    return {};
}

Result<void> FsManager::create_v1(const Hierarchy& h) {
    TRY_CTX(fs::mkdir_all(h.path, &made_), "create cgroup");
    // No task may join a cpuset cgroup with empty cpus or mems: fill them from the first
    // non-empty ancestor, pre-existing empty ancestors included (runc).
    if (h.has("cpuset")) TRY(fill_cpuset_chain(h.mount, h.path));
    if (h.has("devices")) {
        // Deny everything, then runc's default allow-list; set() adds the spec's rules.
        std::vector<DeviceRule> rules = {DeviceRule{'a', kWildcard, kWildcard, kAccAll, false}};
        const auto& defaults = default_allowed_rules();
        rules.insert(rules.end(), defaults.begin(), defaults.end());
        TRY_ASSIGN(auto failed, write_v1_device_rules(h.path, rules));
        if (failed.first != rules.size()) {
            auto w = v1_device_write(rules[failed.first]);
            return sys_error("write " + h.path + "/" + w.file, failed.second).wrap("set default device rules");
        }
    }
    return {};
}

// Writes the rules in order, one open per file (devices.allow, devices.deny) for all of
// them: each write() to a v1 devices file is one rule. Returns the index of the first
// refused rule and its errno, or rules.size(). Remembers what it wrote, so that set()
// during the same create does not repeat create()'s default list.
Result<std::pair<size_t, int>> FsManager::write_v1_device_rules(const std::string& path, const std::vector<DeviceRule>& rules) {
    TRY_ASSIGN(UniqueFd dir, fs::open_dir(path));
    UniqueFd allow, deny;
    std::vector<std::string> lines;
    for (size_t i = 0; i < rules.size(); ++i) {
        auto w = v1_device_write(rules[i]);
        UniqueFd& f = rules[i].allow ? allow : deny;
        if (!f) {
            f = UniqueFd(::openat(dir.get(), w.file.c_str(), O_WRONLY | O_CLOEXEC));
            if (!f) return std::pair<size_t, int>{i, errno};
        }
        ssize_t n;
        do {
            n = ::write(f.get(), w.line.data(), w.line.size());
        } while (n < 0 && errno == EINTR);
        if (n < 0) return std::pair<size_t, int>{i, errno};
        lines.push_back(std::move(w.line) + (rules[i].allow ? "+" : "-"));
    }
    v1_device_lines_ = std::move(lines);
    return std::pair<size_t, int>{rules.size(), 0};
}

Result<void> FsManager::create_v2(const Hierarchy& h) {
    TRY_CTX(fs::mkdir_all(h.path, &made_), "create cgroup");
    // Controllers reach a cgroup only through every ancestor's subtree_control.
    enable_v2_controllers(h.mount, h.path, h.controllers);
    TRY(check_v2_joinable(h.path));
    if (layout_ == Layout::Unified) {
        std::vector<DeviceRule> rules = {DeviceRule{'a', kWildcard, kWildcard, kAccAll, false}};
        const auto& defaults = default_allowed_rules();
        rules.insert(rules.end(), defaults.begin(), defaults.end());
        TRY_ASSIGN(UniqueFd dir, fs::open_dir(h.path));
        TRY_ASSIGN(UniqueFd prog, load_device_program(device_program(policy_from_rules(rules))));
        TRY_CTX(attach_device_program(dir.get(), prog.get()), "set default device rules on " + h.path);
    }
    return {};
}

Result<void> FsManager::apply(pid_t pid) {
    std::string p = std::to_string(pid);
    for (const auto& h : hierarchies_) {
        auto r = fs::write_at(AT_FDCWD, h.path, "cgroup.procs", p);
        if (r.ok()) continue;
        if (h.v2 && r.error().code == EBUSY)
            // v2's "no internal processes" rule: this cgroup passes domain controllers on.
            return std::move(r).error().wrap("linux.cgroupsPath: " + h.path +
                                             " enables controllers for sub-cgroups in its cgroup.subtree_control, "
                                             "so no process may join it; join cgroup");
        if (h.v2 && r.error().code == EOPNOTSUPP) TRY(check_v2_joinable(h.path));
        return std::move(r).error().wrap("join cgroup");
    }
    return {};
}

Result<void> FsManager::check_not_frozen() {
    for (const auto& h : hierarchies_)
        if (h.v2 || (layout_ != Layout::Unified && h.has("freezer"))) TRY(refuse_frozen(h.mount, h.path, h.v2));
    return {};
}

// ---------------------------------------------------------------- set

Result<FsManager::PlannedWrites> FsManager::plan_controller(const ControllerUse& use, const specs::LinuxResources& r) {
    const Hierarchy* h = layout_ == Layout::Unified ? nullptr : v1_with(use.controller);
    const std::string& c = use.controller;
    Writes writes;
    UniqueFd dir;
    if (h) {
        TRY_ASSIGN(dir, fs::open_dir(h->path));
        if (c == "memory") {
            std::optional<uint64_t> current;
            if (r.memory->limit.value_or(0) != 0 && r.memory->swap.value_or(0) != 0) {
                TRY_ASSIGN(std::string v, fs::read_at(dir.get(), h->path, "memory.limit_in_bytes"));
                current = std::strtoull(v.c_str(), nullptr, 10);
            }
            TRY_ASSIGN(writes, v1_memory(*r.memory, current));
        } else if (c == "cpu") {
            TRY_ASSIGN(writes, v1_cpu(*r.cpu));
        } else if (c == "cpuset") {
            writes = v1_cpuset(*r.cpu);
        } else if (c == "pids") {
            TRY_ASSIGN(writes, v1_pids(*r.pids));
        } else if (c == "blkio") {
            writes = v1_blkio(*r.block_io);
        } else if (c == "hugetlb") {
            TRY_ASSIGN(writes, v1_hugetlb(r.hugepage_limits));
        } else if (c == "net_cls") {
            writes = v1_net_cls(*r.network);
        } else if (c == "net_prio") {
            writes = v1_net_prio(*r.network);
        } else if (c == "rdma") {
            writes = rdma_writes(r.rdma);
        }
        return PlannedWrites{std::move(dir), h->path, std::move(writes)};
    }
    std::string v2name = c == "blkio" ? "io" : c;
    h = v2();
    if (!h || !h->has(v2name))
        return make_error(use.field + ": no cgroup hierarchy on this host has the " + c + " controller");
    TRY_ASSIGN(dir, fs::open_dir(h->path));
    TRY(v2_controller_reaches(*h, dir.get(), v2name, use.field));
    if (c == "memory") {
        if (r.memory->check_before_update.value_or(false)) {
            // Best effort, as runc: a usage we cannot read is no reason to refuse.
            auto cur = fs::read_at(dir.get(), h->path, "memory.current");
            if (cur.ok()) TRY(check_memory_usage(*r.memory, std::strtoull(cur->c_str(), nullptr, 10)));
        }
        TRY_ASSIGN(writes, v2_memory(*r.memory));
    } else if (c == "cpu") {
        // cpu.max holds quota and period together: when only one is given (update
        // --cpu-period), keep the other as it is now rather than resetting it.
        specs::LinuxCPU cpu = *r.cpu;
        bool has_quota = cpu.quota.value_or(0) != 0, has_period = cpu.period.value_or(0) != 0;
        if (has_quota != has_period) {
            auto cur = fs::read_at(dir.get(), h->path, "cpu.max");
            if (cur.ok()) {
                std::string quota_now = cur->substr(0, cur->find(' '));
                uint64_t period_now = std::strtoull(cur->c_str() + quota_now.size(), nullptr, 10);
                if (!has_period && period_now != 0) cpu.period = period_now;
                if (!has_quota) cpu.quota = quota_now == "max" ? -1 : std::strtoll(quota_now.c_str(), nullptr, 10);
            }
        }
        TRY_ASSIGN(writes, v2_cpu(cpu));
    } else if (c == "cpuset") {
        writes = v2_cpuset(*r.cpu);
    } else if (c == "pids") {
        TRY_ASSIGN(writes, v2_pids(*r.pids));
    } else if (v2name == "io") {
        bool bfq = r.block_io->weight || !r.block_io->weight_device.empty()
                       ? fs::exists_at(dir.get(), "io.bfq.weight")
                       : false;
        TRY_ASSIGN(writes, v2_io(*r.block_io, bfq));
    } else if (c == "hugetlb") {
        TRY_ASSIGN(writes, v2_hugetlb(r.hugepage_limits));
    } else if (c == "rdma") {
        writes = rdma_writes(r.rdma);
    } else {
        return make_error(use.field + ": the " + c + " controller does not exist in cgroup v2");
    }
    return PlannedWrites{std::move(dir), h->path, std::move(writes)};
}

Result<void> FsManager::set_devices(const std::vector<specs::LinuxDeviceCgroup>& devs) {
    TRY_ASSIGN(auto rules, container_rules(devs));
    if (const Hierarchy* h = layout_ == Layout::Unified ? nullptr : v1_with("devices")) {
        // The default spec's rules ("deny all") give exactly what create() already wrote.
        std::vector<std::string> lines;
        for (const auto& rule : rules) lines.push_back(v1_device_write(rule).line + (rule.allow ? "+" : "-"));
        if (lines == v1_device_lines_) return {};
        TRY_ASSIGN(auto failed, write_v1_device_rules(h->path, rules));
        size_t i = failed.first;
        if (i == rules.size()) return {};
        auto w = v1_device_write(rules[i]);
        std::string field = i < devs.size() ? "linux.resources.devices[" + std::to_string(i) + "]"
                                             : std::string("default device rule \"" + w.line + "\"");
        v1_device_lines_.clear();  // partly written: the next set() must write everything
        return sys_error("write " + h->path + "/" + w.file, failed.second).wrap(field);
    }
    if (layout_ == Layout::Unified) {
        const Hierarchy* h = v2();
        TRY_ASSIGN(UniqueFd dir, fs::open_dir(h->path));
        TRY_ASSIGN(UniqueFd prog, load_device_program(device_program(policy_from_rules(rules))));
        TRY_CTX(attach_device_program(dir.get(), prog.get()), "linux.resources.devices");
        return {};
    }
    return make_error("linux.resources.devices: no devices cgroup hierarchy on this host");
}

Result<void> FsManager::set(const specs::LinuxResources& r) {
    // Everything that can be refused without asking the kernel (bad values, device rules,
    // missing controllers, `unified` keys) is checked before the first write, so bad input
    // changes nothing (`update` relies on this).
    TRY(rules_from_spec(r.devices));
    std::vector<PlannedWrites> plan;
    for (const auto& use : used_controllers(r, layout_ == Layout::Unified)) {
        TRY_ASSIGN(auto p, plan_controller(use, r));
        plan.push_back(std::move(p));
    }
    if (!r.unified.empty()) {
        const Hierarchy* h = v2();
        if (!h)
            return make_error("linux.resources.unified." + r.unified.begin()->first +
                              ": no cgroup v2 hierarchy on this host (cgroup v1 only)");
        TRY_ASSIGN(Writes writes, v2_unified(r.unified));
        for (const auto& w : writes) {
            std::string ctl = w.file.substr(0, w.file.find('.'));
            if (ctl != "cgroup" && !h->has(ctl))
                return make_error(w.field + ": the cgroup v2 hierarchy " + h->mount + " has no " + ctl +
                                  " controller");
        }
        TRY_ASSIGN(UniqueFd dir, fs::open_dir(h->path));
        // A key naming no file (memory.nosuch) would otherwise fail only at its write, after
        // the controllers' values were written; unified is last, so check before any write.
        for (const auto& w : writes)
            if (!fs::exists_at(dir.get(), w.file))
                return make_error(w.field + ": no such file in the container's cgroup " + h->path);
        plan.push_back(PlannedWrites{std::move(dir), h->path, std::move(writes)});
    }
    if (!r.devices.empty() && layout_ != Layout::Unified && !v1_with("devices"))
        return make_error("linux.resources.devices: no devices cgroup hierarchy on this host");
    // The controllers in runc's order, then devices, then unified.
    size_t n_controllers = plan.size() - (r.unified.empty() ? 0 : 1);
    for (size_t i = 0; i < n_controllers; ++i) TRY(fs::write_all(plan[i].dir.get(), plan[i].path, plan[i].writes));
    if (!r.devices.empty()) TRY(set_devices(r.devices));
    if (!r.unified.empty()) TRY(fs::write_all(plan.back().dir.get(), plan.back().path, plan.back().writes));
    return {};
}

// ---------------------------------------------------------------- freeze

Result<void> FsManager::freeze_v1(const Hierarchy& h, bool frozen) {
    if (!frozen) return fs::write_at(AT_FDCWD, h.path, "freezer.state", "THAWED");
    long waited = 0;
    for (long delay = 100;; delay = std::min(delay * 2, 10000L)) {
        // Re-writing FROZEN restarts freezing of tasks that forked meanwhile.
        TRY(fs::write_at(AT_FDCWD, h.path, "freezer.state", "FROZEN"));
        TRY_ASSIGN(std::string state, fs::read_at(AT_FDCWD, h.path, "freezer.state"));
        if (trim(state) == "FROZEN") return {};
        if (waited >= kFreezeWaitUs) break;
        sleep_us(delay);
        waited += delay;
    }
    (void)fs::write_at(AT_FDCWD, h.path, "freezer.state", "THAWED");
    return make_error("freeze " + h.path + ": tasks still FREEZING after 2s");
}

Result<void> FsManager::freeze_v2(const Hierarchy& h, bool frozen) {
    TRY(fs::write_at(AT_FDCWD, h.path, "cgroup.freeze", frozen ? "1" : "0"));
    std::string events = h.path + "/cgroup.events";
    int fd = ::open(events.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return sys_error("open " + events);
    UniqueFd owned(fd);
    const std::string want = frozen ? "frozen 1" : "frozen 0";
    for (long waited = 0;;) {
        char buf[512];
        ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
        if (n < 0) return sys_error("read " + events);
        buf[n] = 0;
        if (std::string_view(buf, static_cast<size_t>(n)).find(want) != std::string_view::npos) return {};
        if (waited >= kFreezeWaitUs) break;
        // cgroup.events signals changes with POLLPRI.
        pollfd p{fd, POLLPRI, 0};
        ::poll(&p, 1, 10);
        waited += 10000;
    }
    if (frozen) (void)fs::write_at(AT_FDCWD, h.path, "cgroup.freeze", "0");
    return make_error((frozen ? "freeze " : "thaw ") + h.path + ": cgroup.events did not report \"" + want +
                      "\" within 2s");
}

Result<void> FsManager::freeze(bool frozen) {
    if (layout_ != Layout::Unified)
        if (const Hierarchy* h = v1_with("freezer")) return freeze_v1(*h, frozen);
    // Hybrid without a v1 freezer still has cgroup.freeze in its v2 hierarchy.
    if (const Hierarchy* h = v2()) return freeze_v2(*h, frozen);
    return make_error(std::string(frozen ? "freeze" : "thaw") + ": no freezer cgroup hierarchy on this host");
}

Result<bool> FsManager::is_frozen() {
    if (layout_ != Layout::Unified)
        if (const Hierarchy* h = v1_with("freezer")) {
            TRY_ASSIGN(std::string s, fs::read_at(AT_FDCWD, h->path, "freezer.state"));
            return trim(s) == "FROZEN";
        }
    if (const Hierarchy* h = v2()) {
        auto s = fs::read_at(AT_FDCWD, h->path, "cgroup.freeze");
        if (!s.ok() && s.error().code == ENOENT) return false;  // kernel without cgroup.freeze
        TRY_ASSIGN(std::string v, std::move(s));
        return trim(v) == "1";
    }
    return false;
}

// ---------------------------------------------------------------- processes

const Hierarchy& FsManager::pids_hierarchy() const {
    if (layout_ == Layout::Unified) return *v2();
    for (const char* c : {"freezer", "devices", "pids", "memory"})
        if (const Hierarchy* h = v1_with(c)) return *h;
    return hierarchies_.front();
}

Result<std::vector<pid_t>> FsManager::pids() { return fs::read_pids_recursive(pids_hierarchy().path); }

Result<void> FsManager::kill_all(int sig) {
    if (sig == SIGKILL) {
        // cgroup.kill (5.14+) kills the whole subtree atomically, forks included; in
        // hybrid mode the container is in the v2 hierarchy too, so it works there as well.
        if (const Hierarchy* h = v2()) {
            auto r = fs::write_at(AT_FDCWD, h->path, "cgroup.kill", "1");
            if (r.ok()) return {};
            if (r.error().code != ENOENT) return r;
        }
    }
    // Freeze so no task forks between listing and signalling.
    bool frozen = freeze(true).ok();
    auto list = pids();
    Result<void> result;
    if (!list.ok()) {
        result = std::move(list).error().wrap("kill all processes");
    } else {
        for (pid_t p : *list)
            if (::kill(p, sig) < 0 && errno != ESRCH && result.ok())
                result = sys_error("kill " + std::to_string(p));
    }
    if (frozen) {
        auto t = freeze(false);
        if (!t.ok() && result.ok()) result = std::move(t).error();
    }
    return result;
}

Result<uint64_t> FsManager::oom_kill_count() {
    if (layout_ != Layout::Unified)
        if (const Hierarchy* h = v1_with("memory")) {
            TRY_ASSIGN(std::string s, fs::read_at(AT_FDCWD, h->path, "memory.oom_control"));
            return fs::parse_key_value(s, "oom_kill");
        }
    if (const Hierarchy* h = v2(); h && h->has("memory")) {
        TRY_ASSIGN(std::string s, fs::read_at(AT_FDCWD, h->path, "memory.events"));
        return fs::parse_key_value(s, "oom_kill");
    }
    return make_error("oom kill count: no memory cgroup hierarchy on this host");
}

Result<void> FsManager::undo_create() {
    Result<void> first;
    // Deepest first, so that an ancestor we made is empty by the time we reach it.
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) {
        auto r = fs::remove_tree(*it);
        if (!r.ok() && first.ok()) first = std::move(r).error();
    }
    made_.clear();
    return first;
}

Result<void> FsManager::destroy() {
    Result<void> first;
    for (const auto& h : hierarchies_) {
        auto r = fs::remove_tree(h.path);
        if (!r.ok() && first.ok()) first = std::move(r).error();
    }
    return first;
}

}  // namespace lc::cgroups

namespace lc::cgroups {

// ---------------------------------------------------------------- stats

Result<Stats> FsManager::stats() {
    Stats s;
    const Hierarchy* v2h = v2();
    // A controller is read where set() would write it: its v1 hierarchy, else cgroup2.
    auto on_v2 = [&](const char* c) -> const Hierarchy* {
        return v2h && v2h->has(c) ? v2h : nullptr;
    };
    bool unified = layout_ == Layout::Unified;
    const Hierarchy* h = nullptr;
    if (!unified && (h = v1_with("cpuacct"))) TRY(v1_cpuacct_stats(h->path, s.cpu));
    if (!unified && (h = v1_with("cpu"))) TRY(v1_cpu_stats(h->path, s.cpu));
    else if ((h = on_v2("cpu")) || (unified && (h = v2h))) TRY(v2_cpu_stats(h->path, s.cpu));  // cpu.stat is always there
    if ((!unified && (h = v1_with("cpuset"))) || (h = on_v2("cpuset"))) TRY(cpuset_stats(h->path, s.cpuset));
    if (!unified && (h = v1_with("memory"))) TRY(v1_memory_stats(h->path, s.memory));
    else if ((h = on_v2("memory"))) TRY(v2_memory_stats(h->path, s.memory));
    if ((!unified && (h = v1_with("pids"))) || (h = on_v2("pids"))) TRY(pids_stats(h->path, s.pids));
    if (!unified && (h = v1_with("blkio"))) TRY(v1_blkio_stats(h->path, s.blkio));
    else if ((h = on_v2("io"))) TRY(v2_io_stats(h->path, s.blkio));
    if (!unified && (h = v1_with("hugetlb"))) TRY(v1_hugetlb_stats(h->path, s.hugetlb));
    else if ((h = on_v2("hugetlb"))) TRY(v2_hugetlb_stats(h->path, s.hugetlb));
    return s;
}

Result<OomWatch> FsManager::watch_oom() {
    if (layout_ != Layout::Unified)
        if (const Hierarchy* h = v1_with("memory")) return make_oom_watch(h->path, false);
    if (const Hierarchy* h = v2(); h && h->has("memory")) return make_oom_watch(h->path, true);
    return make_error("oom events: no memory cgroup hierarchy on this host");
}

}  // namespace lc::cgroups
