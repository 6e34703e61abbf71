// Stats readers on fixture directories (the kernel's file formats, written by hand), the
// JSON shape runc's consumers read, byte-size parsing for `update`, and set()'s
// validate-before-write rule on an FsManager over plain directories.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cgroups/fs_manager.hpp"
#include "cgroups/stats.hpp"
#include "cgroups/units.hpp"

using namespace lc::cgroups;
namespace fsys = std::filesystem;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/cort-stats-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() {
        std::error_code ec;
        fsys::remove_all(path, ec);
    }
    void put(const std::string& file, const std::string& content) const {
        std::ofstream(path + "/" + file) << content;
    }
    std::string get(const std::string& file) const {
        std::ifstream in(path + "/" + file);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
};

}  // namespace

TEST_CASE("cpu lists", "[cgroups][stats]") {
    CHECK(*parse_cpu_list("0-2,4\n") == std::vector<uint16_t>{0, 1, 2, 4});
    CHECK(*parse_cpu_list("7") == std::vector<uint16_t>{7});
    CHECK(parse_cpu_list("")->empty());
    CHECK_FALSE(parse_cpu_list("3-1").ok());
    CHECK_FALSE(parse_cpu_list("a").ok());
    CHECK_FALSE(parse_cpu_list("1-x").ok());
}

TEST_CASE("blkio and io.stat parsing", "[cgroups][stats]") {
    auto v = parse_blkio_file("8:0 Read 4096\n8:0 Write 0\n8:16 Sync 12\nTotal 4108\n");
    REQUIRE(v.size() == 3);
    CHECK(v[0] == BlkioEntry{8, 0, "Read", 4096});
    CHECK(v[2] == BlkioEntry{8, 16, "Sync", 12});
    auto t = parse_blkio_file("8:0 1234\n");
    REQUIRE(t.size() == 1);
    CHECK(t[0] == BlkioEntry{8, 0, "", 1234});

    BlkioStats s;
    parse_io_stat("259:0 rbytes=100 wbytes=200 rios=3 wios=4 dbytes=0 dios=0\n", s);
    REQUIRE(s.service_bytes.size() == 2);
    CHECK(s.service_bytes[0] == BlkioEntry{259, 0, "Read", 100});
    CHECK(s.service_bytes[1] == BlkioEntry{259, 0, "Write", 200});
    REQUIRE(s.serviced.size() == 2);
    CHECK(s.serviced[1] == BlkioEntry{259, 0, "Write", 4});
}

TEST_CASE("v1 readers on a fixture", "[cgroups][stats]") {
    TempDir d;
    d.put("memory.stat", "cache 8192\nrss 4096\ntotal_rss 4096\n");
    d.put("memory.usage_in_bytes", "12288\n");
    d.put("memory.max_usage_in_bytes", "20480\n");
    d.put("memory.failcnt", "3\n");
    d.put("memory.limit_in_bytes", "9223372036854771712\n");
    // no memsw / kmem files: a kernel without them leaves those entries zero
    MemoryStats m;
    REQUIRE(v1_memory_stats(d.path, m).ok());
    CHECK(m.cache == 8192);
    CHECK(m.raw.at("rss") == 4096);
    CHECK(m.usage.usage == 12288);
    CHECK(m.usage.max == 20480);
    CHECK(m.usage.failcnt == 3);
    CHECK(m.usage.limit == 9223372036854771712ULL);
    CHECK(m.swap.usage == 0);

    d.put("cpuacct.usage", "1500\n");
    d.put("cpuacct.usage_percpu", "1000 500 \n");
    d.put("cpuacct.usage_all", "cpu user system\n0 600 400\n1 300 200\n");
    d.put("cpuacct.stat", "user 2\nsystem 1\n");
    d.put("cpu.stat", "nr_periods 10\nnr_throttled 2\nthrottled_time 999\n");
    CpuStats c;
    REQUIRE(v1_cpuacct_stats(d.path, c).ok());
    REQUIRE(v1_cpu_stats(d.path, c).ok());
    CHECK(c.total == 1500);
    CHECK(c.percpu == std::vector<uint64_t>{1000, 500});
    CHECK(c.percpu_user == std::vector<uint64_t>{600, 300});
    CHECK(c.percpu_kernel == std::vector<uint64_t>{400, 200});
    uint64_t tick = 1000000000ULL / static_cast<uint64_t>(sysconf(_SC_CLK_TCK));
    CHECK(c.user == 2 * tick);
    CHECK(c.kernel == tick);
    CHECK(c.periods == 10);
    CHECK(c.throttled_periods == 2);
    CHECK(c.throttled_time == 999);

    d.put("pids.current", "4\n");
    d.put("pids.max", "max\n");
    PidsStats p;
    REQUIRE(pids_stats(d.path, p).ok());
    CHECK(p.current == 4);
    CHECK(p.limit == 0);

    d.put("hugetlb.2MB.limit_in_bytes", "0\n");
    d.put("hugetlb.2MB.rsvd.limit_in_bytes", "0\n");
    d.put("hugetlb.2MB.usage_in_bytes", "2097152\n");
    d.put("hugetlb.2MB.failcnt", "1\n");
    std::map<std::string, HugetlbStats> h;
    REQUIRE(v1_hugetlb_stats(d.path, h).ok());
    REQUIRE(h.size() == 1);  // the rsvd file is not a size of its own
    CHECK(h["2MB"].usage == 2097152);
    CHECK(h["2MB"].failcnt == 1);
}

TEST_CASE("v2 readers on a fixture", "[cgroups][stats]") {
    TempDir d;
    d.put("cpu.stat", "usage_usec 30\nuser_usec 20\nsystem_usec 10\nnr_periods 5\nnr_throttled 1\nthrottled_usec 7\n");
    CpuStats c;
    REQUIRE(v2_cpu_stats(d.path, c).ok());
    CHECK(c.total == 30000);
    CHECK(c.user == 20000);
    CHECK(c.kernel == 10000);
    CHECK(c.throttled_time == 7000);

    d.put("memory.stat", "anon 100\nfile 200\n");
    d.put("memory.current", "300\n");
    d.put("memory.max", "max\n");
    d.put("memory.events", "low 0\nhigh 0\nmax 6\noom 1\noom_kill 1\n");
    d.put("memory.swap.current", "50\n");
    d.put("memory.swap.max", "max\n");
    MemoryStats m;
    REQUIRE(v2_memory_stats(d.path, m).ok());
    CHECK(m.cache == 200);
    CHECK(m.usage.usage == 300);
    CHECK(m.usage.limit == UINT64_MAX);
    CHECK(m.usage.failcnt == 6);
    CHECK(m.swap.usage == 350);  // runc: memory + swap
    CHECK(m.swap.limit == UINT64_MAX);

    d.put("hugetlb.1GB.max", "max\n");
    d.put("hugetlb.1GB.current", "0\n");
    d.put("hugetlb.1GB.events", "max 2\n");
    std::map<std::string, HugetlbStats> h;
    REQUIRE(v2_hugetlb_stats(d.path, h).ok());
    CHECK(h["1GB"].failcnt == 2);
}

TEST_CASE("stats JSON has runc's shape and omitempty rules", "[cgroups][stats]") {
    Stats s;
    s.memory.usage.usage = 4096;
    s.memory.usage.limit = 1 << 20;
    s.pids.current = 2;
    s.cpuset.cpus = {0, 1};
    s.hugetlb["2MB"] = HugetlbStats{};
    auto j = nlohmann::json::parse(stats_to_json(s));
    for (const char* k : {"cpu", "cpuset", "memory", "pids", "blkio", "hugetlb", "intel_rdt", "network_interfaces"})
        CHECK(j.contains(k));
    CHECK(j["network_interfaces"].is_null());
    CHECK(j["memory"]["usage"]["usage"] == 4096);
    CHECK(j["memory"]["usage"]["failcnt"] == 0);
    CHECK_FALSE(j["memory"]["usage"].contains("max"));  // zero: omitted
    CHECK_FALSE(j["memory"].contains("cache"));
    CHECK(j["memory"]["kernelTCP"]["limit"] == 0);       // limit is never omitted
    CHECK(j["pids"] == nlohmann::json{{"current", 2}});
    CHECK(j["cpu"]["usage"]["kernel"] == 0);
    CHECK(j["cpu"]["throttling"] == nlohmann::json::object());
    CHECK(j["cpuset"]["cpus"] == nlohmann::json{0, 1});
    CHECK(j["cpuset"]["sched_relax_domain_level"] == 0);
    CHECK(j["blkio"] == nlohmann::json::object());
    CHECK(j["hugetlb"]["2MB"] == nlohmann::json{{"failcnt", 0}});
    // runc's field order, for people who diff the output
    std::string text = stats_to_json(s);
    CHECK(text.find("\"cpu\"") < text.find("\"memory\""));
    CHECK(text.find("\"memory\"") < text.find("\"pids\""));
}

TEST_CASE("byte sizes as runc's update parses them (go-units RAMInBytes)", "[cgroups][units]") {
    CHECK(*parse_ram_bytes("1024", "--memory") == 1024);
    CHECK(*parse_ram_bytes("512k", "--memory") == 512 * 1024);
    CHECK(*parse_ram_bytes("512m", "--memory") == 512LL << 20);
    CHECK(*parse_ram_bytes("1g", "--memory") == 1LL << 30);
    CHECK(*parse_ram_bytes("1G", "--memory") == 1LL << 30);
    CHECK(*parse_ram_bytes("2GiB", "--memory") == 2LL << 30);
    CHECK(*parse_ram_bytes("1 GB", "--memory") == 1LL << 30);
    CHECK(*parse_ram_bytes("1.5k", "--memory") == 1536);
    CHECK(*parse_ram_bytes("10b", "--memory") == 10);
    CHECK(*parse_ram_bytes("-1", "--memory") == -1);
    for (const char* bad : {"", "-2", "1.5x", "k", "1..5", "1.2.3", "1gb extra", "0x10", "99999999999p"}) {
        auto r = parse_ram_bytes(bad, "--memory-swap");
        INFO(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().text().find("--memory-swap") != std::string::npos);
    }
}

TEST_CASE("set() writes nothing when any value is refused", "[cgroups][set]") {
    TempDir mem, pids, cpuset;
    mem.put("memory.limit_in_bytes", "111\n");
    pids.put("pids.max", "max\n");
    cpuset.put("cpuset.cpus", "0");  // cgroup writes do not truncate: no newline to leave behind
    std::vector<Hierarchy> hs(3);
    hs[0].controllers = {"memory"};
    hs[0].path = mem.path;
    hs[1].controllers = {"pids"};
    hs[1].path = pids.path;
    hs[2].controllers = {"cpuset"};
    hs[2].path = cpuset.path;
    FsManager m(Layout::Legacy, hs);

    specs::LinuxResources r;
    r.cpu.emplace();
    r.cpu->cpus = "1";
    r.memory.emplace();
    r.memory->limit = 4096;
    r.pids = specs::LinuxPids{-5};
    auto res = m.set(r);
    REQUIRE_FALSE(res.ok());
    CHECK(res.error().text().find("linux.resources.pids.limit") != std::string::npos);
    CHECK(mem.get("memory.limit_in_bytes") == "111\n");
    CHECK(cpuset.get("cpuset.cpus") == "0");

    r.pids.reset();
    r.unified["memory.high"] = "1";
    auto u = m.set(r);
    REQUIRE_FALSE(u.ok());
    CHECK(u.error().text().find("linux.resources.unified.memory.high") != std::string::npos);
    CHECK(mem.get("memory.limit_in_bytes") == "111\n");

    r.unified.clear();
    REQUIRE(m.set(r).ok());
    CHECK(mem.get("memory.limit_in_bytes") == "4096");
    CHECK(cpuset.get("cpuset.cpus") == "1");
}
