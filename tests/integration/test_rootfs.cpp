// The container's filesystem, observed from inside: mounts with their options, bind mounts,
// mount targets behind symlinks, devices, masked and readonly paths, root.readonly, sysctls.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <sys/sysmacros.h>

using namespace itest;
namespace fs = std::filesystem;

namespace {

// The /proc/self/mountinfo line whose mount point is `target`, from inside the container.
std::string mountinfo_line(Bundle& b, const std::string& target) {
    for (auto& l : split_lines(output_of(b, {"cat", "/proc/self/mountinfo"}))) {
        std::istringstream in(l);
        std::string f, mp;
        for (int i = 0; i < 5 && in >> f; ++i) mp = f;
        if (mp == target) return l;
    }
    return "";
}

bool has_word(const std::string& line, const std::string& w) {
    // mountinfo options are comma separated inside space separated fields
    std::string l = " " + line + " ";
    for (char& c : l)
        if (c == ',') c = ' ';
    return l.find(" " + w + " ") != std::string::npos;
}

json mount_entry(const std::string& dest, const std::string& type, const std::string& src,
                 const std::vector<std::string>& opts) {
    return {{"destination", dest}, {"type", type}, {"source", src}, {"options", opts}};
}

}  // namespace

TEST_CASE("mounts from the config, with their options", "[rootfs][mounts]") {
    Bundle b;
    SECTION("tmpfs with nosuid,nodev,size,mode") {
        b.config["mounts"].push_back(
            mount_entry("/mnt/t", "tmpfs", "tmpfs", {"nosuid", "nodev", "size=1m", "mode=700"}));
        auto l = mountinfo_line(b, "/mnt/t");
        INFO(l);
        REQUIRE_FALSE(l.empty());
        CHECK(has_word(l, "tmpfs"));
        CHECK(has_word(l, "nosuid"));
        CHECK(has_word(l, "nodev"));
        CHECK(has_word(l, "size=1024k"));
        CHECK(has_word(l, "mode=700"));
    }
    SECTION("proc is mounted at /proc") {
        auto l = mountinfo_line(b, "/proc");
        INFO(l);
        CHECK(has_word(l, "proc"));
    }
    SECTION("sysfs read-only at /sys") {
        auto l = mountinfo_line(b, "/sys");
        INFO(l);
        CHECK(has_word(l, "sysfs"));
        CHECK(has_word(l, "ro"));
    }
    SECTION("devpts at /dev/pts, mqueue at /dev/mqueue, shm tmpfs at /dev/shm") {
        auto all = output_of(b, {"cat", "/proc/self/mountinfo"});
        CHECK(all.find(" /dev/pts ") != std::string::npos);
        CHECK(all.find(" /dev/mqueue ") != std::string::npos);
        CHECK(all.find(" /dev/shm ") != std::string::npos);
    }
}

TEST_CASE("bind mounts", "[rootfs][mounts]") {
    Bundle b;
    fs::create_directories(b.path() + "/data");
    write_file(b.path() + "/data/f", "from-host\n");
    SECTION("a ro bind shows the host's file and refuses writes") {
        b.config["mounts"].push_back(mount_entry("/data", "bind", b.path() + "/data", {"bind", "ro"}));
        auto out = output_of(
            b, {"sh", "-c", "cat /data/f; touch /data/new 2>/dev/null && echo WRITABLE || echo READONLY"});
        CHECK(out == "from-host\nREADONLY\n");
        CHECK_FALSE(fs::exists(b.path() + "/data/new"));
    }
    SECTION("a rw bind writes through to the host") {
        b.config["mounts"].push_back(
            mount_entry("/data", "bind", b.path() + "/data", {"rbind", "rw"}));
        output_of(b, {"sh", "-c", "echo from-container > /data/new"});
        CHECK(read_file(b.path() + "/data/new") == "from-container\n");
    }
    SECTION("a file bind mount") {
        b.config["mounts"].push_back(
            mount_entry("/etc/hostfile", "bind", b.path() + "/data/f", {"bind", "ro"}));
        CHECK(output_of(b, {"cat", "/etc/hostfile"}) == "from-host\n");
    }
}

TEST_CASE("a mount on a symlinked destination stays inside the rootfs", "[rootfs][mounts][security]") {
    // rootfs/mnt/escape -> ../../../..<bundle>/outside: resolved on the host it would mount
    // over <bundle>/outside; resolved inside the root (as it must be) `..` stops at the root,
    // so the mount lands on <rootfs><bundle>/outside.
    Bundle b;
    fs::create_directories(b.path() + "/outside");
    fs::create_directories(b.path() + "/src");
    write_file(b.path() + "/src/marker", "MARK\n");
    fs::create_directories(b.rootfs() + "/mnt");
    fs::create_directories(b.rootfs() + b.path() + "/outside");
    fs::create_symlink("../../../../../../.." + b.path() + "/outside", b.rootfs() + "/mnt/escape");
    b.config["mounts"].push_back(mount_entry("/mnt/escape", "bind", b.path() + "/src", {"bind", "ro"}));
    auto out = output_of(b, {"cat", b.path() + "/outside/marker"});
    CHECK(out == "MARK\n");
    CHECK(fs::is_empty(b.path() + "/outside"));
}

TEST_CASE("default devices", "[rootfs][devices]") {
    Bundle b;
    auto out = output_of(b, {"stat", "-c", "%n %F %t:%T", "/dev/null", "/dev/zero", "/dev/full",
                             "/dev/random", "/dev/urandom", "/dev/tty"});
    auto lines = split_lines(out);
    // %t/%T print major/minor in hex.
    std::vector<std::pair<std::string, std::string>> want{
        {"/dev/null", "1:3"},   {"/dev/zero", "1:5"},    {"/dev/full", "1:7"},
        {"/dev/random", "1:8"}, {"/dev/urandom", "1:9"}, {"/dev/tty", "5:0"}};
    REQUIRE(lines.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
        DYNAMIC_SECTION(want[i].first) {
            CHECK(lines[i] == want[i].first + " character special file " + want[i].second);
        }
    }
    SECTION("symlinks /dev/fd, /dev/stdin, /dev/ptmx") {
        auto l = output_of(b, {"sh", "-c",
                               "for f in /dev/fd /dev/stdin /dev/stdout /dev/stderr /dev/ptmx; "
                               "do readlink $f; done"});
        CHECK(l == "/proc/self/fd\n/proc/self/fd/0\n/proc/self/fd/1\n/proc/self/fd/2\npts/ptmx\n");
    }
    SECTION("/dev/null is usable") {
        CHECK(output_of(b, {"sh", "-c", "echo x > /dev/null && head -c 4 /dev/zero | wc -c"}) ==
              "4\n");
    }
}

TEST_CASE("a linux.devices entry with mode, uid and gid", "[rootfs][devices]") {
    Bundle b;
    b.config["linux"]["devices"] = json::array({{{"path", "/dev/mydev"},
                                                 {"type", "c"},
                                                 {"major", 1},
                                                 {"minor", 7},
                                                 {"fileMode", 0640},
                                                 {"uid", 1000},
                                                 {"gid", 1000}}});
    auto out = trim(output_of(b, {"stat", "-c", "%F %t:%T %a %u %g", "/dev/mydev"}));
    CHECK(out == "character special file 1:7 640 1000 1000");
}

TEST_CASE("masked paths read empty", "[rootfs][masked]") {
    Bundle b;
    write_file(b.rootfs() + "/etc/secret", "SECRET\n");
    b.config["linux"]["maskedPaths"].push_back("/etc/secret");
    SECTION("a file in /proc (non-empty on the host)") {
        REQUIRE_FALSE(read_file("/proc/timer_list").empty());
        CHECK(trim(output_of(b, {"sh", "-c", "wc -c < /proc/timer_list"})) == "0");
    }
    SECTION("a directory in /sys (non-empty on the host)") {
        REQUIRE_FALSE(std::filesystem::is_empty("/sys/firmware"));
        CHECK(output_of(b, {"ls", "-A", "/sys/firmware"}).empty());
    }
    SECTION("a file of the rootfs") { CHECK(output_of(b, {"cat", "/etc/secret"}).empty()); }
}

TEST_CASE("readonly paths refuse writes", "[rootfs][readonly]") {
    Bundle b;
    b.config["root"]["readonly"] = false;
    fs::create_directories(b.rootfs() + "/ro-dir");
    b.config["linux"]["readonlyPaths"].push_back("/ro-dir");
    SECTION("/proc/sys") {
        auto out = output_of(b, {"sh", "-c",
                                 "echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo W || echo R"});
        CHECK(out == "R\n");
    }
    SECTION("a rootfs dir listed in readonlyPaths, while / stays writable") {
        auto out = output_of(b, {"sh", "-c",
                                 "touch /ro-dir/x 2>/dev/null && echo W || echo R; "
                                 "touch /rw-file && echo W || echo R"});
        CHECK(out == "R\nW\n");
    }
}

TEST_CASE("root.readonly", "[rootfs]") {
    Bundle b;
    const std::vector<std::string> probe{"sh", "-c", "touch /probe 2>/dev/null && echo W || echo R"};
    SECTION("true: / refuses writes") {
        b.config["root"]["readonly"] = true;
        CHECK(output_of(b, probe) == "R\n");
    }
    SECTION("false: / is writable") {
        b.config["root"]["readonly"] = false;
        CHECK(output_of(b, probe) == "W\n");
        CHECK(fs::exists(b.rootfs() + "/probe"));
    }
}

TEST_CASE("sysctls are applied in the container's namespaces", "[rootfs][sysctl]") {
    Bundle b;
    b.config["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}, {"kernel.shmmni", "1000"}};
    SECTION("net.ipv4.ip_forward in the new netns") {
        CHECK(trim(output_of(b, {"cat", "/proc/sys/net/ipv4/ip_forward"})) == "1");
    }
    SECTION("kernel.shmmni in the new ipc ns") {
        CHECK(trim(output_of(b, {"cat", "/proc/sys/kernel/shmmni"})) == "1000");
    }
    SECTION("the host is untouched") {
        output_of(b, {"true"});
        CHECK(trim(read_file("/proc/sys/kernel/shmmni")) != "1000");
    }
}
