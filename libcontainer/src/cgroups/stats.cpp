#include "cgroups/stats.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

#include "cgroups/cgroup_fs.hpp"

namespace lc::cgroups {

namespace {

using json = nlohmann::ordered_json;  // runc's field order

uint64_t to_u64(std::string_view s) {
    uint64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

// Whitespace-separated fields (no iostreams: they pull the locale machinery into the binary).
std::vector<std::string_view> fields(std::string_view s) {
    std::vector<std::string_view> out;
    size_t i = 0;
    for (;;) {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        if (i == s.size()) return out;
        size_t start = i;
        while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        out.push_back(s.substr(start, i - start));
    }
}

std::vector<std::string_view> lines(std::string_view s) {
    std::vector<std::string_view> out;
    while (!s.empty()) {
        size_t nl = s.find('\n');
        out.push_back(s.substr(0, nl));
        if (nl == std::string_view::npos) break;
        s.remove_prefix(nl + 1);
    }
    return out;
}

// A whole unsigned decimal field, as `istream >> uint64_t` would accept it.
bool parse_u64(std::string_view f, uint64_t& v) {
    auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
    return ec == std::errc() && p == f.data() + f.size();
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
    while (!s.empty() && (s.front() == ' ' || s.front() == '\n')) s.remove_prefix(1);
    return s;
}

// The file's content, or nullopt when the kernel does not have it: stats are best effort
// per file (kernels differ in which knobs exist), but a real read error is reported.
Result<std::optional<std::string>> read_opt(const std::string& dir, const std::string& file) {
    auto r = fs::read_at(AT_FDCWD, dir, file);
    if (!r.ok()) {
        if (r.error().code == ENOENT || r.error().code == EOPNOTSUPP) return std::optional<std::string>{};
        return std::move(r).error().wrap("stats");
    }
    return std::optional<std::string>(std::move(r).value());
}

// A single number; "max" (v2 limits) is reported as 0 unless max_value says otherwise.
Result<uint64_t> read_u64(const std::string& dir, const std::string& file, uint64_t max_value = 0) {
    TRY_ASSIGN(auto s, read_opt(dir, file));
    if (!s) return uint64_t{0};
    std::string_view v = trim(*s);
    if (v == "max") return max_value;
    return to_u64(v);
}

std::vector<uint64_t> parse_u64_list(std::string_view s) {
    std::vector<uint64_t> out;
    uint64_t v;
    for (auto f : fields(s)) {
        if (!parse_u64(f, v)) break;
        out.push_back(v);
    }
    return out;
}

// runc's omitempty: a zero number is left out.
void put_nz(json& j, const char* key, uint64_t v) {
    if (v != 0) j[key] = v;
}

json memory_entry(const MemoryEntry& e, bool with_usage = true) {
    json j = json::object();
    j["limit"] = e.limit;
    if (with_usage) {
        put_nz(j, "usage", e.usage);
        put_nz(j, "max", e.max);
    }
    j["failcnt"] = e.failcnt;
    return j;
}

json blkio_list(const std::vector<BlkioEntry>& v) {
    json a = json::array();
    for (const auto& e : v) {
        json j = json::object();
        put_nz(j, "major", e.major);
        put_nz(j, "minor", e.minor);
        if (!e.op.empty()) j["op"] = e.op;
        put_nz(j, "value", e.value);
        a.push_back(std::move(j));
    }
    return a;
}

}  // namespace

// ---------------------------------------------------------------- parsers

Result<std::vector<uint16_t>> parse_cpu_list(std::string_view text) {
    std::vector<uint16_t> out;
    text = trim(text);
    while (!text.empty()) {
        size_t comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        size_t dash = item.find('-');
        unsigned lo = 0, hi = 0;
        auto bad = [&] { return make_error("invalid cpu list \"" + std::string(item) + "\""); };
        auto [p1, e1] = std::from_chars(item.data(), item.data() + (dash == std::string_view::npos ? item.size() : dash), lo);
        if (e1 != std::errc{}) return bad();
        hi = lo;
        if (dash != std::string_view::npos) {
            auto [p2, e2] = std::from_chars(item.data() + dash + 1, item.data() + item.size(), hi);
            if (e2 != std::errc{} || p2 != item.data() + item.size()) return bad();
        } else if (p1 != item.data() + item.size()) {
            return bad();
        }
        if (hi < lo || hi > std::numeric_limits<uint16_t>::max()) return bad();
        for (unsigned c = lo; c <= hi; ++c) out.push_back(static_cast<uint16_t>(c));
    }
    return out;
}

std::map<std::string, uint64_t> parse_flat_keyed(std::string_view text) {
    std::map<std::string, uint64_t> out;
    auto f = fields(text);
    for (size_t i = 0; i + 1 < f.size(); i += 2) out[std::string(f[i])] = to_u64(f[i + 1]);
    return out;
}

std::vector<BlkioEntry> parse_blkio_file(std::string_view text) {
    std::vector<BlkioEntry> out;
    for (auto line : lines(text)) {
        auto f = fields(line);
        if (f.size() < 2) continue;
        std::string_view dev = f[0];
        size_t colon = dev.find(':');
        if (colon == std::string::npos) continue;  // "Total N"
        BlkioEntry e;
        e.major = to_u64(dev.substr(0, colon));
        e.minor = to_u64(dev.substr(colon + 1));
        if (f.size() >= 3) {
            e.op = std::string(f[1]);
            e.value = to_u64(f[2]);
        } else {
            e.value = to_u64(f[1]);
        }
        out.push_back(std::move(e));
    }
    return out;
}

void parse_io_stat(std::string_view text, BlkioStats& out) {
    for (auto line : lines(text)) {
        auto f = fields(line);
        if (f.empty()) continue;
        std::string_view dev = f[0];
        size_t colon = dev.find(':');
        if (colon == std::string::npos) continue;
        uint64_t major = to_u64(dev.substr(0, colon));
        uint64_t minor = to_u64(dev.substr(colon + 1));
        for (size_t i = 1; i < f.size(); ++i) {
            std::string_view kv = f[i];
            size_t eq = kv.find('=');
            if (eq == std::string::npos) continue;
            std::string_view k = kv.substr(0, eq);
            uint64_t v = to_u64(kv.substr(eq + 1));
            if (k == "rbytes") out.service_bytes.push_back({major, minor, "Read", v});
            else if (k == "wbytes") out.service_bytes.push_back({major, minor, "Write", v});
            else if (k == "rios") out.serviced.push_back({major, minor, "Read", v});
            else if (k == "wios") out.serviced.push_back({major, minor, "Write", v});
        }
    }
}

// ---------------------------------------------------------------- v1 readers

Result<void> v1_cpuacct_stats(const std::string& dir, CpuStats& out) {
    TRY_ASSIGN(out.total, read_u64(dir, "cpuacct.usage"));
    TRY_ASSIGN(auto percpu, read_opt(dir, "cpuacct.usage_percpu"));
    if (percpu) out.percpu = parse_u64_list(*percpu);
    // "cpu user system" header, then one line per cpu, in nanoseconds.
    TRY_ASSIGN(auto all, read_opt(dir, "cpuacct.usage_all"));
    if (all) {
        std::string_view rest = *all;
        size_t nl = rest.find('\n');
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        auto f = fields(rest);
        uint64_t cpu, user, sys;
        for (size_t i = 0; i + 2 < f.size(); i += 3) {
            if (!parse_u64(f[i], cpu) || !parse_u64(f[i + 1], user) || !parse_u64(f[i + 2], sys)) break;
            out.percpu_user.push_back(user);
            out.percpu_kernel.push_back(sys);
        }
    }
    // cpuacct.stat is in clock ticks.
    TRY_ASSIGN(auto stat, read_opt(dir, "cpuacct.stat"));
    if (stat) {
        long hz = ::sysconf(_SC_CLK_TCK);
        uint64_t ns_per_tick = hz > 0 ? 1000000000ULL / static_cast<uint64_t>(hz) : 10000000ULL;
        auto kv = parse_flat_keyed(*stat);
        out.user = kv["user"] * ns_per_tick;
        out.kernel = kv["system"] * ns_per_tick;
    }
    return {};
}

Result<void> v1_cpu_stats(const std::string& dir, CpuStats& out) {
    TRY_ASSIGN(auto stat, read_opt(dir, "cpu.stat"));
    if (!stat) return {};
    auto kv = parse_flat_keyed(*stat);
    out.periods = kv["nr_periods"];
    out.throttled_periods = kv["nr_throttled"];
    out.throttled_time = kv["throttled_time"];
    return {};
}

Result<void> cpuset_stats(const std::string& dir, CpusetStats& out) {
    // v1 files are "cpuset.<x>"; v2 has cpuset.cpus.effective etc. but only cpus/mems matter.
    for (auto [file, dest] : {std::pair{"cpuset.cpus", &out.cpus}, std::pair{"cpuset.mems", &out.mems}}) {
        TRY_ASSIGN(auto s, read_opt(dir, file));
        if (!s) continue;
        TRY_ASSIGN(*dest, parse_cpu_list(*s));
    }
    struct {
        const char* file;
        uint64_t* dest;
    } nums[] = {{"cpuset.cpu_exclusive", &out.cpu_exclusive},       {"cpuset.mem_hardwall", &out.mem_hardwall},
                {"cpuset.mem_exclusive", &out.mem_exclusive},       {"cpuset.memory_migrate", &out.memory_migrate},
                {"cpuset.memory_spread_page", &out.memory_spread_page},
                {"cpuset.memory_spread_slab", &out.memory_spread_slab},
                {"cpuset.memory_pressure", &out.memory_pressure},   {"cpuset.sched_load_balance", &out.sched_load_balance}};
    for (auto& n : nums) {
        TRY_ASSIGN(*n.dest, read_u64(dir, n.file));
    }
    TRY_ASSIGN(auto lvl, read_opt(dir, "cpuset.sched_relax_domain_level"));
    if (lvl) out.sched_relax_domain_level = std::strtoll(lvl->c_str(), nullptr, 10);
    return {};
}

Result<void> v1_memory_stats(const std::string& dir, MemoryStats& out) {
    TRY_ASSIGN(auto stat, read_opt(dir, "memory.stat"));
    if (stat) out.raw = parse_flat_keyed(*stat);
    out.cache = out.raw.count("cache") ? out.raw["cache"] : 0;
    struct {
        const char* prefix;
        MemoryEntry* e;
    } entries[] = {{"memory.", &out.usage}, {"memory.memsw.", &out.swap},
                   {"memory.kmem.", &out.kernel}, {"memory.kmem.tcp.", &out.kernel_tcp}};
    for (auto& [prefix, e] : entries) {
        std::string p = prefix;
        TRY_ASSIGN(e->usage, read_u64(dir, p + "usage_in_bytes"));
        TRY_ASSIGN(e->max, read_u64(dir, p + "max_usage_in_bytes"));
        TRY_ASSIGN(e->failcnt, read_u64(dir, p + "failcnt"));
        TRY_ASSIGN(e->limit, read_u64(dir, p + "limit_in_bytes"));
    }
    return {};
}

Result<void> pids_stats(const std::string& dir, PidsStats& out) {
    TRY_ASSIGN(out.current, read_u64(dir, "pids.current"));
    TRY_ASSIGN(out.limit, read_u64(dir, "pids.max"));
    return {};
}

Result<void> v1_blkio_stats(const std::string& dir, BlkioStats& out) {
    // runc's order: the CFQ files, else the BFQ ones, else the throttle (always-present) ones.
    struct Set {
        const char* prefix;
        bool full;  // CFQ has the queued/time/... files too
    };
    for (Set set : {Set{"blkio.", true}, Set{"blkio.bfq.", true}, Set{"blkio.throttle.", false}}) {
        std::string p = set.prefix;
        TRY_ASSIGN(auto bytes, read_opt(dir, p + "io_service_bytes_recursive"));
        if (!bytes || bytes->empty() || parse_blkio_file(*bytes).empty()) {
            if (set.full) continue;
        }
        BlkioStats s;
        if (bytes) s.service_bytes = parse_blkio_file(*bytes);
        TRY_ASSIGN(auto serviced, read_opt(dir, p + "io_serviced_recursive"));
        if (serviced) s.serviced = parse_blkio_file(*serviced);
        if (set.full) {
            struct {
                const char* file;
                std::vector<BlkioEntry>* dest;
            } more[] = {{"io_queued_recursive", &s.queued},          {"io_service_time_recursive", &s.service_time},
                        {"io_wait_time_recursive", &s.wait_time},    {"io_merged_recursive", &s.merged},
                        {"time_recursive", &s.time},                 {"sectors_recursive", &s.sectors}};
            for (auto& m : more) {
                TRY_ASSIGN(auto t, read_opt(dir, p + m.file));
                if (t) *m.dest = parse_blkio_file(*t);
            }
        }
        out = std::move(s);
        return {};
    }
    return {};
}

// "hugetlb.2MB.limit_in_bytes" -> the sizes present in the directory.
static Result<std::vector<std::string>> hugetlb_sizes(const std::string& dir, std::string_view suffix) {
    std::vector<std::string> out;
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return sys_error("stats: open " + dir);
    DIR* d = ::fdopendir(fd.release());
    if (!d) return sys_error("stats: fdopendir " + dir);
    while (dirent* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (n.rfind("hugetlb.", 0) != 0 || n.size() <= suffix.size() + 8) continue;
        if (n.substr(n.size() - suffix.size()) != suffix) continue;
        std::string_view size = n.substr(8, n.size() - 8 - suffix.size());
        if (size.find('.') == std::string_view::npos) out.emplace_back(size);
    }
    ::closedir(d);
    return out;
}

Result<void> v1_hugetlb_stats(const std::string& dir, std::map<std::string, HugetlbStats>& out) {
    TRY_ASSIGN(auto sizes, hugetlb_sizes(dir, ".limit_in_bytes"));
    for (const auto& sz : sizes) {
        HugetlbStats h;
        TRY_ASSIGN(h.usage, read_u64(dir, "hugetlb." + sz + ".usage_in_bytes"));
        TRY_ASSIGN(h.max, read_u64(dir, "hugetlb." + sz + ".max_usage_in_bytes"));
        TRY_ASSIGN(h.failcnt, read_u64(dir, "hugetlb." + sz + ".failcnt"));
        out[sz] = h;
    }
    return {};
}

// ---------------------------------------------------------------- v2 readers

Result<void> v2_cpu_stats(const std::string& dir, CpuStats& out) {
    TRY_ASSIGN(auto stat, read_opt(dir, "cpu.stat"));
    if (!stat) return {};
    auto kv = parse_flat_keyed(*stat);
    out.total = kv["usage_usec"] * 1000;
    out.user = kv["user_usec"] * 1000;
    out.kernel = kv["system_usec"] * 1000;
    out.periods = kv["nr_periods"];
    out.throttled_periods = kv["nr_throttled"];
    out.throttled_time = kv["throttled_usec"] * 1000;
    return {};
}

Result<void> v2_memory_stats(const std::string& dir, MemoryStats& out) {
    constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();  // runc reports "max" so
    TRY_ASSIGN(auto stat, read_opt(dir, "memory.stat"));
    if (stat) out.raw = parse_flat_keyed(*stat);
    out.cache = out.raw.count("file") ? out.raw["file"] : 0;
    TRY_ASSIGN(out.usage.usage, read_u64(dir, "memory.current"));
    TRY_ASSIGN(out.usage.limit, read_u64(dir, "memory.max", kMax));
    TRY_ASSIGN(out.usage.max, read_u64(dir, "memory.peak"));
    TRY_ASSIGN(auto events, read_opt(dir, "memory.events"));
    if (events) out.usage.failcnt = parse_flat_keyed(*events)["max"];
    // runc reports swap as memory+swap (the v1 meaning).
    TRY_ASSIGN(uint64_t swap, read_u64(dir, "memory.swap.current"));
    TRY_ASSIGN(uint64_t swap_max, read_u64(dir, "memory.swap.max", kMax));
    out.swap.usage = out.usage.usage + swap;
    out.swap.limit = (swap_max == kMax || out.usage.limit == kMax) ? kMax : swap_max + out.usage.limit;
    return {};
}

Result<void> v2_io_stats(const std::string& dir, BlkioStats& out) {
    TRY_ASSIGN(auto stat, read_opt(dir, "io.stat"));
    if (stat) parse_io_stat(*stat, out);
    return {};
}

Result<void> v2_hugetlb_stats(const std::string& dir, std::map<std::string, HugetlbStats>& out) {
    TRY_ASSIGN(auto sizes, hugetlb_sizes(dir, ".max"));
    for (const auto& sz : sizes) {
        HugetlbStats h;
        TRY_ASSIGN(h.usage, read_u64(dir, "hugetlb." + sz + ".current"));
        TRY_ASSIGN(auto events, read_opt(dir, "hugetlb." + sz + ".events"));
        if (events) h.failcnt = parse_flat_keyed(*events)["max"];
        out[sz] = h;
    }
    return {};
}

// ---------------------------------------------------------------- JSON

std::string stats_to_json(const Stats& s) {
    json cpu_usage = json::object();
    put_nz(cpu_usage, "total", s.cpu.total);
    if (!s.cpu.percpu.empty()) cpu_usage["percpu"] = s.cpu.percpu;
    if (!s.cpu.percpu_kernel.empty()) cpu_usage["percpu_kernel"] = s.cpu.percpu_kernel;
    if (!s.cpu.percpu_user.empty()) cpu_usage["percpu_user"] = s.cpu.percpu_user;
    cpu_usage["kernel"] = s.cpu.kernel;
    cpu_usage["user"] = s.cpu.user;
    json throttling = json::object();
    put_nz(throttling, "periods", s.cpu.periods);
    put_nz(throttling, "throttledPeriods", s.cpu.throttled_periods);
    put_nz(throttling, "throttledTime", s.cpu.throttled_time);

    json cpuset = json::object();
    if (!s.cpuset.cpus.empty()) cpuset["cpus"] = s.cpuset.cpus;
    cpuset["cpu_exclusive"] = s.cpuset.cpu_exclusive;
    if (!s.cpuset.mems.empty()) cpuset["mems"] = s.cpuset.mems;
    cpuset["mem_hardwall"] = s.cpuset.mem_hardwall;
    cpuset["mem_exclusive"] = s.cpuset.mem_exclusive;
    cpuset["memory_migrate"] = s.cpuset.memory_migrate;
    cpuset["memory_spread_page"] = s.cpuset.memory_spread_page;
    cpuset["memory_spread_slab"] = s.cpuset.memory_spread_slab;
    cpuset["memory_pressure"] = s.cpuset.memory_pressure;
    cpuset["sched_load_balance"] = s.cpuset.sched_load_balance;
    cpuset["sched_relax_domain_level"] = s.cpuset.sched_relax_domain_level;

    json memory = json::object();
    put_nz(memory, "cache", s.memory.cache);
    memory["usage"] = memory_entry(s.memory.usage);
    memory["swap"] = memory_entry(s.memory.swap);
    memory["kernel"] = memory_entry(s.memory.kernel);
    memory["kernelTCP"] = memory_entry(s.memory.kernel_tcp);
    if (!s.memory.raw.empty()) memory["raw"] = s.memory.raw;

    json pids = json::object();
    put_nz(pids, "current", s.pids.current);
    put_nz(pids, "limit", s.pids.limit);

    json blkio = json::object();
    auto put_list = [&](const char* key, const std::vector<BlkioEntry>& v) {
        if (!v.empty()) blkio[key] = blkio_list(v);
    };
    put_list("ioServiceBytesRecursive", s.blkio.service_bytes);
    put_list("ioServicedRecursive", s.blkio.serviced);
    put_list("ioQueueRecursive", s.blkio.queued);
    put_list("ioServiceTimeRecursive", s.blkio.service_time);
    put_list("ioWaitTimeRecursive", s.blkio.wait_time);
    put_list("ioMergedRecursive", s.blkio.merged);
    put_list("ioTimeRecursive", s.blkio.time);
    put_list("sectorsRecursive", s.blkio.sectors);

    json hugetlb = json::object();
    for (const auto& [size, h] : s.hugetlb) {
        json j = json::object();
        put_nz(j, "usage", h.usage);
        put_nz(j, "max", h.max);
        j["failcnt"] = h.failcnt;
        hugetlb[size] = std::move(j);
    }

    json data = json::object();
    data["cpu"] = json{{"usage", std::move(cpu_usage)}, {"throttling", std::move(throttling)}};
    data["cpuset"] = std::move(cpuset);
    data["memory"] = std::move(memory);
    data["pids"] = std::move(pids);
    data["blkio"] = std::move(blkio);
    data["hugetlb"] = std::move(hugetlb);
    data["intel_rdt"] = json::object();
    data["network_interfaces"] = nullptr;
    return data.dump();
}

// ---------------------------------------------------------------- OOM watch

Result<OomWatch> make_oom_watch(const std::string& dir, bool v2) {
    if (v2) {
        UniqueFd fd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
        if (!fd) return sys_error("inotify_init1");
        std::string events = dir + "/memory.events";
        if (::inotify_add_watch(fd.get(), events.c_str(), IN_MODIFY) < 0) return sys_error("inotify_add_watch " + events);
        TRY_ASSIGN(std::string s, fs::read_at(AT_FDCWD, dir, "memory.events"));
        return OomWatch(std::move(fd), true, dir, parse_flat_keyed(s)["oom"]);
    }
    UniqueFd efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!efd) return sys_error("eventfd");
    std::string ctl = dir + "/memory.oom_control";
    UniqueFd ofd(::open(ctl.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ofd) return sys_error("open " + ctl);
    // The registration lives as long as the eventfd; the oom_control fd may close after it.
    TRY(fs::write_at(AT_FDCWD, dir, "cgroup.event_control",
                     std::to_string(efd.get()) + " " + std::to_string(ofd.get())));
    return OomWatch(std::move(efd), false, dir, 0);
}

Result<bool> OomWatch::consume() {
    if (!v2_) {
        uint64_t n = 0;
        if (::read(fd_.get(), &n, sizeof n) != sizeof n) {
            if (errno == EAGAIN) return false;
            return sys_error("read oom eventfd");
        }
        // The kernel also signals the eventfd when the cgroup is removed.
        return ::access((dir_ + "/memory.oom_control").c_str(), F_OK) == 0;
    }
    char buf[4096];
    while (::read(fd_.get(), buf, sizeof buf) > 0) {
    }
    auto s = fs::read_at(AT_FDCWD, dir_, "memory.events");
    if (!s.ok()) return false;  // the cgroup is gone
    uint64_t now = parse_flat_keyed(*s)["oom"];
    bool grew = now > last_;
    last_ = now;
    return grew;
}

}  // namespace lc::cgroups
