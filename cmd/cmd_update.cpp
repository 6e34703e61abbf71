// update: runc's flags (or --resources FILE|-) -> specs::LinuxResources -> the library.
#include <unistd.h>

#include <charconv>
#include <cstdio>

#include "cgroups/units.hpp"
#include "commands.hpp"
#include "lc/log.hpp"
#include "specs/json.hpp"
#include "state/cgroup_ops.hpp"
#include "state/container_id.hpp"
#include "sys/file.hpp"

namespace cort {

namespace {

template <typename T>
lc::Result<T> parse_int(const std::string& v, const std::string& flag) {
    T out{};
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc{} || p != v.data() + v.size())
        return lc::plain_error(EINVAL, "invalid value for --" + flag + ": \"" + v + "\" (expected an integer" +
                                           (std::is_signed_v<T> ? "" : " >= 0") + ")");
    return out;
}

lc::Result<std::string> read_stdin() {
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(0, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return lc::sys_error("--resources -: read stdin");
        }
        if (n == 0) return out;
        out.append(buf, static_cast<size_t>(n));
    }
}

lc::Result<specs::LinuxResources> from_file(const std::string& in) {
    std::string text;
    if (in == "-") {
        TRY_ASSIGN(text, read_stdin());
    } else {
        auto r = lc::sys::read_file(in);
        if (!r) return std::move(r).error().wrap("--resources");
        text = std::move(r).value();
    }
    auto r = specs::parse_resources(text);
    if (!r) return std::move(r).error().wrap("--resources " + in);
    return r;
}

// runc: Intel RDT schemata need a resctrl mount with that feature.
lc::Result<void> check_rdt(const ParsedArgs& a) {
    if (a.has("l3-cache-schema") && !a.get("l3-cache-schema").empty()) {
        if (::access("/sys/fs/resctrl/info/L3", F_OK) != 0)
            return lc::plain_error(EINVAL, "--l3-cache-schema: Intel RDT/CAT: l3 cache schema is not enabled");
        return lc::plain_error(ENOTSUP, "--l3-cache-schema: Intel RDT is not supported by cort yet");
    }
    if (a.has("mem-bw-schema") && !a.get("mem-bw-schema").empty()) {
        if (::access("/sys/fs/resctrl/info/MB", F_OK) != 0)
            return lc::plain_error(EINVAL, "--mem-bw-schema: Intel RDT/MBA: memory bandwidth schema is not enabled");
        return lc::plain_error(ENOTSUP, "--mem-bw-schema: Intel RDT is not supported by cort yet");
    }
    return {};
}

// The flags, as runc reads them: empty means unset; a present flag sets its field only.
lc::Result<specs::LinuxResources> from_flags(const ParsedArgs& a) {
    specs::LinuxResources r;
    specs::LinuxMemory mem;
    specs::LinuxCPU cpu;
    auto val = [&](const char* flag) -> std::optional<std::string> {
        std::string v = a.get(flag);
        if (v.empty()) return std::nullopt;
        return v;
    };
    struct ByteFlag {
        const char* flag;
        std::optional<int64_t>* dest;
    };
    for (ByteFlag f : {ByteFlag{"memory", &mem.limit}, ByteFlag{"memory-swap", &mem.swap},
                       ByteFlag{"memory-reservation", &mem.reservation}, ByteFlag{"kernel-memory", &mem.kernel},
                       ByteFlag{"kernel-memory-tcp", &mem.kernel_tcp}}) {
        if (auto v = val(f.flag)) {
            TRY_ASSIGN(*f.dest, lc::cgroups::parse_ram_bytes(*v, std::string("--") + f.flag));
        }
    }
    // runc: unlimited memory with swap unset means both unlimited.
    if (mem.limit == -1 && !mem.swap) mem.swap = -1;
    struct UFlag {
        const char* flag;
        std::optional<uint64_t>* dest;
    };
    for (UFlag f : {UFlag{"cpu-share", &cpu.shares}, UFlag{"cpu-period", &cpu.period},
                    UFlag{"cpu-rt-period", &cpu.realtime_period}, UFlag{"cpu-burst", &cpu.burst}}) {
        if (auto v = val(f.flag)) {
            TRY_ASSIGN(*f.dest, parse_int<uint64_t>(*v, f.flag));
        }
    }
    struct IFlag {
        const char* flag;
        std::optional<int64_t>* dest;
    };
    for (IFlag f : {IFlag{"cpu-quota", &cpu.quota}, IFlag{"cpu-rt-runtime", &cpu.realtime_runtime},
                    IFlag{"cpu-idle", &cpu.idle}}) {
        if (auto v = val(f.flag)) {
            TRY_ASSIGN(*f.dest, parse_int<int64_t>(*v, f.flag));
        }
    }
    if (auto v = val("cpuset-cpus")) cpu.cpus = *v;
    if (auto v = val("cpuset-mems")) cpu.mems = *v;
    if (mem.limit || mem.swap || mem.reservation || mem.kernel || mem.kernel_tcp) r.memory = mem;
    if (cpu.shares || cpu.period || cpu.realtime_period || cpu.burst || cpu.quota || cpu.realtime_runtime ||
        cpu.idle || cpu.cpus || cpu.mems)
        r.cpu = cpu;
    if (auto v = val("blkio-weight")) {
        TRY_ASSIGN(int64_t w, parse_int<int64_t>(*v, "blkio-weight"));
        // runc: 0 means unset; the kernel takes 10-1000 (checked here so the error names the flag).
        if (w != 0) {
            if (w < 10 || w > 1000)
                return lc::plain_error(EINVAL, "invalid value for --blkio-weight: " + *v + " (valid range is 10-1000)");
            r.block_io.emplace();
            r.block_io->weight = static_cast<uint16_t>(w);
        }
    }
    if (auto v = val("pids-limit")) {
        TRY_ASSIGN(int64_t l, parse_int<int64_t>(*v, "pids-limit"));
        if (l < -1) return lc::plain_error(EINVAL, "invalid value for --pids-limit: " + *v + " (use -1 for no limit)");
        r.pids = specs::LinuxPids{l};
    }
    return r;
}

// With flags (not --resources), an error about a field also names the flag that set it.
lc::Error name_flag(lc::Error e) {
    static const std::pair<const char*, const char*> kFields[] = {
        {"linux.resources.memory.limit", "--memory"},
        {"linux.resources.memory.swap", "--memory-swap"},
        {"linux.resources.memory.reservation", "--memory-reservation"},
        {"linux.resources.memory.kernelTCP", "--kernel-memory-tcp"},
        {"linux.resources.memory.kernel", "--kernel-memory"},
        {"linux.resources.cpu.shares", "--cpu-share"},
        {"linux.resources.cpu.quota", "--cpu-quota"},
        {"linux.resources.cpu.period", "--cpu-period"},
        {"linux.resources.cpu.burst", "--cpu-burst"},
        {"linux.resources.cpu.realtimePeriod", "--cpu-rt-period"},
        {"linux.resources.cpu.realtimeRuntime", "--cpu-rt-runtime"},
        {"linux.resources.cpu.idle", "--cpu-idle"},
        {"linux.resources.cpu.cpus", "--cpuset-cpus"},
        {"linux.resources.cpu.mems", "--cpuset-mems"},
        {"linux.resources.pids", "--pids-limit"},
        {"linux.resources.blockIO.weight", "--blkio-weight"},
    };
    for (auto [field, flag] : kFields)
        if (e.msg.rfind(field, 0) == 0) return std::move(e).wrap(flag);
    return e;
}

}  // namespace

const std::vector<FlagSpec>& update_flags() {
    static const std::vector<FlagSpec> f = {
        {{"resources", "r"}, true, "linux.resources JSON file, or - for stdin (the other flags are then ignored)"},
        {{"blkio-weight"}, true, "block IO weight, 10-1000"},
        {{"cpu-period"}, true, "CPU CFS period (us)"},
        {{"cpu-quota"}, true, "CPU CFS quota (us) per period, -1 for none"},
        {{"cpu-burst"}, true, "CPU CFS burst (us)"},
        {{"cpu-share", "cpu-shares"}, true, "CPU shares (relative weight)"},
        {{"cpu-rt-period"}, true, "CPU realtime period (us)"},
        {{"cpu-rt-runtime"}, true, "CPU realtime runtime (us) per period"},
        {{"cpu-idle"}, true, "cgroup SCHED_IDLE: 0 or 1"},
        {{"cpuset-cpus"}, true, "CPUs to use, e.g. 0-1"},
        {{"cpuset-mems"}, true, "memory nodes to use"},
        {{"memory"}, true, "memory limit: bytes or 512k/64m/1g..., -1 for none"},
        {{"memory-reservation"}, true, "memory soft limit"},
        {{"memory-swap"}, true, "memory+swap limit, -1 for unlimited swap"},
        {{"kernel-memory"}, true, "kernel memory limit (cgroup v1 kernels that still have it)"},
        {{"kernel-memory-tcp"}, true, "kernel TCP buffer limit (cgroup v1 kernels that still have it)"},
        {{"pids-limit"}, true, "maximum number of pids, -1 for none (0: unchanged)"},
        {{"l3-cache-schema"}, true, "Intel RDT/CAT L3 cache schema"},
        {{"mem-bw-schema"}, true, "Intel RDT/MBA memory bandwidth schema"},
    };
    return f;
}

int cmd_update(const GlobalOptions& g, const ParsedArgs& a) {
    int rc = 0;
    if (!check_positional(command_named("update"), a, 1, rc)) return rc;
    std::string id = a.positional[0];
    if (auto v = lc::validate_container_id(id); !v) return fail(v.error());
    auto rdt = check_rdt(a);
    if (!rdt) return fail(rdt.error());
    auto r = a.has("resources") ? from_file(a.get("resources")) : from_flags(a);
    if (!r) return fail(r.error());
    auto u = lc::update_container(lc::StateStore(g.root), id, std::move(r).value());
    if (!u) return fail(a.has("resources") ? u.error() : name_flag(std::move(u).error()));
    return 0;
}

}  // namespace cort
