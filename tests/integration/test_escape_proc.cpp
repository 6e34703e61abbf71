// Masks and procfs that the image or --no-pivot could get around (docs/security.md, "CVE
// checklist"): each attack is played for real from inside a container built by the test.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace itest;
namespace fs = std::filesystem;

namespace {

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

}  // namespace

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
