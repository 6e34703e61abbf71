#include <catch2/catch.hpp>

#include "cgroups/resources.hpp"

using namespace lc::cgroups;
using Pairs = std::vector<std::pair<std::string, std::string>>;

static Pairs pairs(const Writes& w) {
    Pairs out;
    for (const auto& x : w) out.emplace_back(x.file, x.value);
    return out;
}
template <typename R>
static Pairs ok_pairs(R r) {
    if (!r.ok()) FAIL(r.error().text());
    return pairs(*r);
}

TEST_CASE("shares to weight: runc's quadratic conversion", "[cgroups][resources]") {
    CHECK(shares_to_weight(0) == 0);
    CHECK(shares_to_weight(2) == 1);
    CHECK(shares_to_weight(1024) == 100);
    CHECK(shares_to_weight(262144) == 10000);
    CHECK(shares_to_weight(512) == 59);
    CHECK(shares_to_weight(2048) == 174);
}

TEST_CASE("swap conversion for v2", "[cgroups][resources]") {
    CHECK(*swap_to_v2(0, -1) == -1);
    CHECK(*swap_to_v2(-1, 100) == -1);
    CHECK(*swap_to_v2(0, 100) == 0);
    CHECK(*swap_to_v2(300, 100) == 200);
    CHECK(*swap_to_v2(100, 100) == 0);
    CHECK_FALSE(swap_to_v2(100, 0).ok());
    CHECK_FALSE(swap_to_v2(50, 100).ok());
    CHECK(blkio_weight_to_io_weight(10) == 1);
    CHECK(blkio_weight_to_io_weight(1000) == 10000);
    CHECK(blkio_weight_to_io_weight(500) == 4950);
}

TEST_CASE("v1 memory", "[cgroups][resources][v1]") {
    specs::LinuxMemory m;
    m.limit = 100 << 20;
    CHECK(ok_pairs(v1_memory(m, std::nullopt)) == Pairs{{"memory.limit_in_bytes", "104857600"}});

    // Growing: memsw first; shrinking: limit first (memsw >= limit at every step).
    m.swap = 200 << 20;
    CHECK(ok_pairs(v1_memory(m, uint64_t(50) << 20)) ==
          Pairs{{"memory.memsw.limit_in_bytes", "209715200"}, {"memory.limit_in_bytes", "104857600"}});
    CHECK(ok_pairs(v1_memory(m, uint64_t(9223372036854771712ULL))) ==
          Pairs{{"memory.limit_in_bytes", "104857600"}, {"memory.memsw.limit_in_bytes", "209715200"}});
    m.swap = -1;
    CHECK(ok_pairs(v1_memory(m, std::nullopt)) ==
          Pairs{{"memory.memsw.limit_in_bytes", "-1"}, {"memory.limit_in_bytes", "104857600"}});

    specs::LinuxMemory unl;
    unl.limit = -1;
    auto w = v1_memory(unl, std::nullopt);
    REQUIRE(w.ok());
    CHECK(pairs(*w) == Pairs{{"memory.memsw.limit_in_bytes", "-1"}, {"memory.limit_in_bytes", "-1"}});
    CHECK(w->at(0).if_exists);

    specs::LinuxMemory all;
    all.reservation = 1000;
    all.kernel = 2000;
    all.kernel_tcp = 3000;
    all.swappiness = 60;
    all.disable_oom_killer = true;
    all.use_hierarchy = true;
    auto a = v1_memory(all, std::nullopt);
    REQUIRE(a.ok());
    CHECK(pairs(*a) == Pairs{{"memory.soft_limit_in_bytes", "1000"},
                             {"memory.kmem.limit_in_bytes", "2000"},
                             {"memory.kmem.tcp.limit_in_bytes", "3000"},
                             {"memory.swappiness", "60"},
                             {"memory.oom_control", "1"},
                             {"memory.use_hierarchy", "1"}});
    CHECK(a->at(1).if_exists);
    CHECK(a->at(2).if_exists);
    CHECK(a->at(0).field == "linux.resources.memory.reservation");

    specs::LinuxMemory bad;
    bad.swappiness = 101;
    auto e = v1_memory(bad, std::nullopt);
    REQUIRE_FALSE(e.ok());
    CHECK_THAT(e.error().text(), Catch::StartsWith("linux.resources.memory.swappiness: invalid value 101"));
    specs::LinuxMemory low;
    low.limit = 200;
    low.swap = 100;
    CHECK_THAT(v1_memory(low, std::nullopt).error().text(), Catch::StartsWith("linux.resources.memory.swap:"));
}

TEST_CASE("v1 cpu and cpuset", "[cgroups][resources][v1]") {
    specs::LinuxCPU c;
    c.shares = 512;
    c.period = 50000;
    c.quota = 25000;
    c.burst = 1000;
    c.realtime_period = 1000000;
    c.realtime_runtime = 950000;
    c.idle = 1;
    c.cpus = "0-1";
    c.mems = "0";
    auto w = v1_cpu(c);
    REQUIRE(w.ok());
    CHECK(pairs(*w) == Pairs{{"cpu.shares", "512"},
                             {"cpu.cfs_period_us", "50000"},
                             {"cpu.cfs_quota_us", "25000"},
                             {"cpu.cfs_burst_us", "1000"},
                             {"cpu.rt_period_us", "1000000"},
                             {"cpu.rt_runtime_us", "950000"},
                             {"cpu.idle", "1"}});
    CHECK(w->at(1).retry_einval_at_end);
    CHECK(pairs(v1_cpuset(c)) == Pairs{{"cpuset.cpus", "0-1"}, {"cpuset.mems", "0"}});

    specs::LinuxCPU unl;
    unl.quota = -1;
    CHECK(ok_pairs(v1_cpu(unl)) == Pairs{{"cpu.cfs_quota_us", "-1"}});
    specs::LinuxCPU none;
    CHECK(ok_pairs(v1_cpu(none)).empty());
}

TEST_CASE("pids limit: -1 and 0 are max, below -1 is an error", "[cgroups][resources]") {
    specs::LinuxPids p;
    p.limit = 10;
    CHECK(ok_pairs(v1_pids(p)) == Pairs{{"pids.max", "10"}});
    p.limit = -1;
    CHECK(ok_pairs(v1_pids(p)) == Pairs{{"pids.max", "max"}});
    p.limit = 0;
    CHECK(ok_pairs(v2_pids(p)) == Pairs{{"pids.max", "max"}});
    p.limit = -5;
    CHECK_THAT(v1_pids(p).error().text(), Catch::StartsWith("linux.resources.pids.limit: invalid value -5"));
}

static specs::LinuxBlockIO sample_blkio() {
    specs::LinuxBlockIO b;
    b.weight = 500;
    b.weight_device.push_back({8, 0, uint16_t(300), std::nullopt});
    b.throttle_read_bps_device.push_back({8, 0, 1048576});
    b.throttle_write_bps_device.push_back({8, 16, 2097152});
    b.throttle_read_iops_device.push_back({8, 0, 100});
    b.throttle_write_iops_device.push_back({8, 0, 200});
    return b;
}

TEST_CASE("v1 blkio", "[cgroups][resources][v1]") {
    auto b = sample_blkio();
    b.leaf_weight = 400;
    auto w = v1_blkio(b);
    CHECK(pairs(w) == Pairs{{"blkio.weight", "500"},
                            {"blkio.leaf_weight", "400"},
                            {"blkio.weight_device", "8:0 300"},
                            {"blkio.throttle.read_bps_device", "8:0 1048576"},
                            {"blkio.throttle.write_bps_device", "8:16 2097152"},
                            {"blkio.throttle.read_iops_device", "8:0 100"},
                            {"blkio.throttle.write_iops_device", "8:0 200"}});
    CHECK(w[0].alt_file == "blkio.bfq.weight");
    CHECK(w[3].field == "linux.resources.blockIO.throttleReadBpsDevice[0]");
}

TEST_CASE("v2 io", "[cgroups][resources][v2]") {
    auto b = sample_blkio();
    CHECK(ok_pairs(v2_io(b, false)) == Pairs{{"io.weight", "4950"},
                                             {"io.weight", "8:0 2930"},
                                             {"io.max", "8:0 rbps=1048576"},
                                             {"io.max", "8:16 wbps=2097152"},
                                             {"io.max", "8:0 riops=100"},
                                             {"io.max", "8:0 wiops=200"}});
    CHECK(ok_pairs(v2_io(b, true)).at(0) == std::pair<std::string, std::string>{"io.bfq.weight", "500"});
    b.leaf_weight = 10;
    CHECK_THAT(v2_io(b, false).error().text(), Catch::Contains("leafWeight: not supported on cgroup v2"));
}

TEST_CASE("hugetlb v1 and v2, with rsvd where the kernel has it", "[cgroups][resources]") {
    std::vector<specs::LinuxHugepageLimit> h{{"2MB", 4194304}};
    auto v1 = v1_hugetlb(h);
    REQUIRE(v1.ok());
    CHECK(pairs(*v1) == Pairs{{"hugetlb.2MB.limit_in_bytes", "4194304"}, {"hugetlb.2MB.rsvd.limit_in_bytes", "4194304"}});
    CHECK(v1->at(1).if_exists);
    CHECK(ok_pairs(v2_hugetlb(h)) == Pairs{{"hugetlb.2MB.max", "4194304"}, {"hugetlb.2MB.rsvd.max", "4194304"}});
    std::vector<specs::LinuxHugepageLimit> bad{{"2M", 1}};
    CHECK_THAT(v2_hugetlb(bad).error().text(),
               Catch::StartsWith("linux.resources.hugepageLimits[0].pageSize: invalid page size \"2M\""));
}

TEST_CASE("network and rdma", "[cgroups][resources]") {
    specs::LinuxNetwork n;
    n.class_id = 0x100001;
    n.priorities = {{"eth0", 5}, {"lo", 1}};
    CHECK(pairs(v1_net_cls(n)) == Pairs{{"net_cls.classid", "1048577"}});
    CHECK(pairs(v1_net_prio(n)) == Pairs{{"net_prio.ifpriomap", "eth0 5"}, {"net_prio.ifpriomap", "lo 1"}});
    std::map<std::string, specs::LinuxRdma> r;
    r["mlx5_1"] = {3u, std::nullopt};
    r["mlx4_0"] = {1u, 100u};
    CHECK(pairs(rdma_writes(r)) ==
          Pairs{{"rdma.max", "mlx4_0 hca_handle=1 hca_object=100"}, {"rdma.max", "mlx5_1 hca_handle=3"}});
}

TEST_CASE("v2 memory", "[cgroups][resources][v2]") {
    specs::LinuxMemory m;
    m.limit = 1000;
    m.swap = 3000;
    m.reservation = 500;
    CHECK(ok_pairs(v2_memory(m)) == Pairs{{"memory.swap.max", "2000"}, {"memory.max", "1000"}, {"memory.low", "500"}});
    m.swap = 1000;  // swap == limit: no swap
    CHECK(ok_pairs(v2_memory(m)).at(0) == std::pair<std::string, std::string>{"memory.swap.max", "0"});
    specs::LinuxMemory unl;
    unl.limit = -1;
    CHECK(ok_pairs(v2_memory(unl)) == Pairs{{"memory.swap.max", "max"}, {"memory.max", "max"}});
    specs::LinuxMemory k;
    k.kernel = 100;  // ignored on v2, as runc and crun do
    CHECK(ok_pairs(v2_memory(k)).empty());
    specs::LinuxMemory s;
    s.swappiness = 10;
    CHECK_THAT(v2_memory(s).error().text(),
               Catch::Equals("linux.resources.memory.swappiness: not supported on cgroup v2"));
}

TEST_CASE("v2 cpu", "[cgroups][resources][v2]") {
    specs::LinuxCPU c;
    c.shares = 1024;
    c.quota = 50000;
    c.burst = 10;
    c.idle = 0;
    CHECK(ok_pairs(v2_cpu(c)) ==
          Pairs{{"cpu.weight", "100"}, {"cpu.max", "50000 100000"}, {"cpu.max.burst", "10"}, {"cpu.idle", "0"}});
    specs::LinuxCPU q;
    q.quota = -1;
    q.period = 20000;
    CHECK(ok_pairs(v2_cpu(q)) == Pairs{{"cpu.max", "max 20000"}});
    specs::LinuxCPU p;
    p.period = 20000;
    CHECK(ok_pairs(v2_cpu(p)) == Pairs{{"cpu.max", "max 20000"}});
    specs::LinuxCPU rt;
    rt.realtime_runtime = 1000;
    CHECK_THAT(v2_cpu(rt).error().text(), Catch::Contains("realtimeRuntime: not supported on cgroup v2"));
    specs::LinuxCPU sh;
    sh.shares = 1;
    CHECK_FALSE(v2_cpu(sh).ok());
}

TEST_CASE("v2 unified keys", "[cgroups][resources][v2]") {
    CHECK(ok_pairs(v2_unified({{"memory.high", "1000"}, {"pids.max", "5"}})) ==
          Pairs{{"memory.high", "1000"}, {"pids.max", "5"}});
    CHECK_THAT(v2_unified({{"../x", "1"}}).error().text(), Catch::StartsWith("linux.resources.unified.../x:"));
    CHECK_FALSE(v2_unified({{"cgroup.procs", "1"}}).ok());
}

TEST_CASE("used controllers in runc's order", "[cgroups][resources]") {
    specs::LinuxResources r;
    r.memory = specs::LinuxMemory{};
    r.cpu = specs::LinuxCPU{};
    r.cpu->cpus = "0";
    r.cpu->shares = 2;
    r.pids = specs::LinuxPids{5};
    r.block_io = specs::LinuxBlockIO{};
    r.hugepage_limits.push_back({"2MB", 0});
    std::vector<std::string> names;
    for (auto& u : used_controllers(r, false)) names.push_back(u.controller);
    CHECK(names == std::vector<std::string>{"cpuset", "memory", "cpu", "pids", "blkio", "hugetlb"});
    CHECK(used_controllers(r, true)[4].controller == "io");
}

TEST_CASE("memory.checkBeforeUpdate: a limit at or below memory.current is refused", "[cgroups][resources][v2]") {
    specs::LinuxMemory m;
    m.limit = 1000;
    // The flag unset or false: no check (runc).
    CHECK(check_memory_usage(m, 5000).ok());
    m.check_before_update = false;
    CHECK(check_memory_usage(m, 5000).ok());
    m.check_before_update = true;
    CHECK(check_memory_usage(m, 999).ok());
    auto at = check_memory_usage(m, 1000);  // equal is refused too, as runc does
    REQUIRE_FALSE(at.ok());
    CHECK(at.error().text().find("linux.resources.memory.limit") != std::string::npos);
    CHECK(at.error().text().find("1000") != std::string::npos);
    CHECK(at.error().text().find("memory.current") != std::string::npos);
    // -1 (unlimited) and 0 (unset) never are.
    m.limit = -1;
    CHECK(check_memory_usage(m, 1ULL << 40).ok());
    m.limit = 0;
    CHECK(check_memory_usage(m, 1ULL << 40).ok());
    // memory+swap is checked against the same usage, and named.
    m.limit = 4000;
    m.swap = 2000;
    auto sw = check_memory_usage(m, 3000);
    REQUIRE_FALSE(sw.ok());
    CHECK(sw.error().text().find("linux.resources.memory.swap") != std::string::npos);
    m.swap = -1;
    CHECK(check_memory_usage(m, 3000).ok());
}
