// Where the container's cgroup goes and what must be true of it before a process is put
// there (issue 15), on this host's hybrid v1 cgroups: a frozen cgroup is refused up front
// instead of hanging create, and a pre-existing empty cpuset ancestor (a pod cgroup made by
// an engine) is filled so that the container can join. The v2 rules are tested in the
// qemu guest (tests/qemu/guest-cases.sh).
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

using namespace itest;

namespace {

const std::string kCg = "/sys/fs/cgroup";

// The v1 hierarchies mounted here that a container gets a directory in.
std::vector<std::string> v1_hierarchies() {
    std::vector<std::string> out;
    for (const char* h : {"blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids", "systemd"})
        if (std::filesystem::exists(kCg + "/" + h + "/cgroup.procs")) out.push_back(kCg + "/" + h);
    return out;
}

// Removes `rel` (and then its parents up to the first component) in every hierarchy,
// deepest first: the test's own cgroups, whatever the runtime left.
void remove_cgroups(const std::vector<std::string>& rels) {
    for (const auto& h : v1_hierarchies())
        for (const auto& r : rels) ::rmdir((h + r).c_str());
    for (const auto& r : rels) ::rmdir((kCg + "/unified" + r).c_str());
}

void must_mkdir(const std::string& dir) {
    INFO(dir);
    REQUIRE((::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST));
}

}  // namespace

// runc: "container's cgroup unexpectedly frozen". Before the fix create hung forever: the
// init froze on joining and the parent waited for it.
TEST_CASE("create refuses a frozen cgroupsPath at once and leaves nothing behind", "[cgroup-placement][bad-input]") {
    const std::string freezer = kCg + "/freezer";
    REQUIRE(std::filesystem::exists(freezer + "/cgroup.procs"));
    std::string cg = "/" + unique_id("frzcg");
    std::string id = unique_id("frz");
    ContainerGuard g(id);
    Bundle b;

    // The cgroup itself is frozen (runc checks this one) or, cort only, an ancestor of a
    // cgroup not made yet (cort looks at the nearest existing one).
    bool ancestor = GENERATE(false, true);
    if (ancestor && !runtime_is_cort()) return;  // runc 1.1 hangs here
    std::string frozen = cg, path = ancestor ? cg + "/ctr" : cg;
    must_mkdir(freezer + frozen);
    write_file(freezer + frozen + "/freezer.state", "FROZEN");
    REQUIRE(trim(read_file(freezer + frozen + "/freezer.state")) == "FROZEN");
    b.config["linux"]["cgroupsPath"] = path;
    b.save();

    auto t0 = std::chrono::steady_clock::now();
    RunOptions o;
    o.timeout_ms = 10000;  // before the fix: a hang
    auto c = rt({"create", "--bundle", b.path(), id}, o);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    INFO(c.describe() << "\nancestor frozen: " << ancestor << ", took " << ms << " ms");
    CHECK_FALSE(c.timed_out);
    CHECK(c.exit_code != 0);
    CHECK(c.err.find("frozen") != std::string::npos);
    if (runtime_is_cort()) {
        CHECK(c.err.find("linux.cgroupsPath") != std::string::npos);
        CHECK(c.err.find(freezer + frozen) != std::string::npos);
        CHECK(ms < 1000);
    }
    // The user's frozen cgroup stays, untouched; nothing else was made.
    CHECK(std::filesystem::is_directory(freezer + frozen));
    CHECK(trim(read_file(freezer + frozen + "/freezer.state")) == "FROZEN");
    CHECK_FALSE(std::filesystem::exists(freezer + path + "/ctr"));
    if (ancestor) CHECK_FALSE(std::filesystem::exists(freezer + path));
    for (const auto& h : v1_hierarchies())
        if (h != freezer) CHECK_FALSE(std::filesystem::exists(h + cg));
    assert_nothing_left(id, b.path());

    write_file(freezer + frozen + "/freezer.state", "THAWED");
    remove_cgroups({cg + "/ctr", cg});
}

// An engine made the pod cgroup and left its cpuset empty: no task can join a cpuset
// cgroup with no cpus or mems. Before the fix create failed with ENOSPC.
TEST_CASE("create under pre-existing empty cpuset ancestors fills cpus and mems down the chain",
          "[cgroup-placement]") {
    const std::string cpuset = kCg + "/cpuset";
    REQUIRE(std::filesystem::exists(cpuset + "/cpuset.cpus"));
    std::string pod = "/" + unique_id("podcg");
    std::string id = unique_id("cpuset");
    ContainerGuard g(id);
    Bundle b;
    must_mkdir(cpuset + pod);
    must_mkdir(cpuset + pod + "/inner");
    // Emptied explicitly: a hierarchy mounted with clone_children would have copied them.
    for (const auto& d : {pod + "/inner", pod})
        for (const char* f : {"cpuset.cpus", "cpuset.mems"}) write_file(cpuset + d + "/" + f, "\n");
    REQUIRE(trim(read_file(cpuset + pod + "/cpuset.cpus")).empty());
    REQUIRE(trim(read_file(cpuset + pod + "/inner/cpuset.mems")).empty());

    b.config["linux"]["cgroupsPath"] = pod + "/inner/" + id;
    b.config["root"]["readonly"] = false;
    b.set_args({"sleep", "1000"});
    auto c = create(b, id);
    INFO(c.describe());
    CHECK(c.exit_code == 0);
    std::string cpus = trim(read_file(cpuset + "/cpuset.cpus")), mems = trim(read_file(cpuset + "/cpuset.mems"));
    for (const auto& d : {pod, pod + "/inner", pod + "/inner/" + id}) {
        INFO(d);
        CHECK(trim(read_file(cpuset + d + "/cpuset.cpus")) == cpus);
        CHECK(trim(read_file(cpuset + d + "/cpuset.mems")) == mems);
    }
    if (c.exit_code == 0) {
        auto st = state_of(id);
        REQUIRE(st);
        std::string pid = std::to_string((*st)["pid"].get<int>());
        CHECK(read_file(cpuset + pod + "/inner/" + id + "/cgroup.procs").find(pid) != std::string::npos);
    }
    auto d = rt({"delete", "--force", id});
    CHECK(d.exit_code == 0);
    CHECK_FALSE(std::filesystem::exists(cpuset + pod + "/inner/" + id));
    CHECK(std::filesystem::is_directory(cpuset + pod + "/inner"));  // the engine's, kept
    remove_cgroups({pod + "/inner/" + id, pod + "/inner", pod});
}

// Frozen under the runtime's feet, after the init joined: a createRuntime hook freezes the
// container's cgroup while the init waits for the hooks to finish. Before the fix create
// waited for the frozen init forever; now each second of silence makes it look.
TEST_CASE("create ends its wait when the container's cgroup is frozen mid-create", "[cgroup-placement]") {
    CORT_ONLY();  // runc 1.1 hangs here
    const std::string freezer = kCg + "/freezer";
    REQUIRE(std::filesystem::exists(freezer + "/cgroup.procs"));
    std::string cg = "/" + unique_id("midfrzcg");
    std::string id = unique_id("midfrz");
    ContainerGuard g(id);
    Bundle b;
    b.config["linux"]["cgroupsPath"] = cg;
    add_hook(b.config, "createRuntime", {"/bin/sh", "-c", "echo FROZEN > " + freezer + cg + "/freezer.state"});
    b.save();

    RunOptions o;
    o.timeout_ms = 20000;  // before the fix: a hang
    auto c = rt({"create", "--bundle", b.path(), id}, o);
    INFO(c.describe());
    CHECK_FALSE(c.timed_out);
    CHECK(c.exit_code != 0);
    CHECK(c.err.find("unexpectedly frozen") != std::string::npos);
    CHECK(c.err.find("linux.cgroupsPath") != std::string::npos);
    // The cgroup was cort's own: removed with everything else.
    CHECK_FALSE(std::filesystem::exists(freezer + cg));
    assert_nothing_left(id, b.path());
    if (std::filesystem::exists(freezer + cg)) write_file(freezer + cg + "/freezer.state", "THAWED");
    remove_cgroups({cg});
}

// A failed create removes the cgroups it made, and only those: a cgroupsPath the user made
// beforehand (here in the memory hierarchy only) stays, and so do its ancestors; the
// ancestors create had to make go. Before the fix the cleanup removed the container's
// directory in every hierarchy, the user's included, and left the ancestors it made.
TEST_CASE("a failed create leaves a pre-existing cgroupsPath in place and removes what it made",
          "[cgroup-placement][bad-input]") {
    CORT_ONLY();  // runc 1.1 removes the user's cgroup too
    const std::string memory = kCg + "/memory";
    REQUIRE(std::filesystem::exists(memory + "/cgroup.procs"));
    std::string cg = "/" + unique_id("usercg");
    std::string id = unique_id("undo");
    ContainerGuard g(id);
    Bundle b;
    must_mkdir(memory + cg);
    // The user's cgroup is the container's cgroup itself, or its parent.
    bool nested = GENERATE(false, true);
    std::string path = nested ? cg + "/ctr" : cg;
    b.config["linux"]["cgroupsPath"] = path;
    // No such cpu: the kernel refuses the write after the cgroups were made and joined.
    b.config["linux"]["resources"]["cpu"]["cpus"] = "4095";
    b.save();

    auto c = create(b, id);
    INFO(c.describe() << "\ncgroupsPath " << path);
    CHECK(c.exit_code != 0);
    CHECK(c.err.find("cpuset.cpus") != std::string::npos);
    CHECK(std::filesystem::is_directory(memory + cg));  // the user's
    CHECK(trim(read_file(memory + cg + "/cgroup.procs")).empty());
    CHECK_FALSE(std::filesystem::exists(memory + cg + "/ctr"));
    for (const auto& h : v1_hierarchies())
        if (h != memory) CHECK_FALSE(std::filesystem::exists(h + cg));  // made by create: gone
    assert_nothing_left(id, b.path());
    remove_cgroups({cg + "/ctr", cg});
}
