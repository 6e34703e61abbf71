// The container's filesystem, observed from inside: mounts with their options, bind mounts,
// mount targets behind symlinks, devices, masked and readonly paths, root.readonly, sysctls.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <sys/mount.h>
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

TEST_CASE("kernel.hostname is refused with a uts namespace, as runc does", "[rootfs][sysctl]") {
    // It conflicts with the hostname field, which says the same thing: refused even when the
    // field is absent, so that only one of the two ever sets the name.
    Bundle b;
    b.config.erase("hostname");
    b.config["linux"]["sysctl"] = {{"kernel.hostname", "other"}};
    b.set_args({"true"});
    std::string id = unique_id("sysctl-host");
    ContainerGuard g(id);
    auto r = run(b, id);
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("kernel.hostname") != std::string::npos);
    if (runtime_is_cort())
        CHECK(r.err.find("linux.sysctl[\"kernel.hostname\"]: conflicts with the hostname field") != std::string::npos);
}

TEST_CASE("kernel.domainname is accepted, also equal to the domainname field", "[rootfs][sysctl]") {
    Bundle b;
    b.config["linux"]["sysctl"] = {{"kernel.domainname", "same.example"}};
    SECTION("without the field") {
        CHECK(trim(output_of(b, {"cat", "/proc/sys/kernel/domainname"})) == "same.example");
    }
    SECTION("with the same value in the field") {
        b.config["domainname"] = "same.example";
        CHECK(trim(output_of(b, {"cat", "/proc/sys/kernel/domainname"})) == "same.example");
    }
}

TEST_CASE("kernel.domainname differing from the domainname field is refused", "[rootfs][sysctl][cort-only]") {
    // crun refuses it too; runc accepts it and one of the two values silently wins.
    CORT_ONLY();
    Bundle b;
    b.config["domainname"] = "a.example";
    b.config["linux"]["sysctl"] = {{"kernel.domainname", "b.example"}};
    b.set_args({"true"});
    std::string id = unique_id("sysctl-dom");
    ContainerGuard g(id);
    auto r = run(b, id);
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("linux.sysctl[\"kernel.domainname\"]: value \"b.example\" differs from the domainname field "
                     "\"a.example\"") != std::string::npos);
}

TEST_CASE("a mount on a dangling symlink makes its target inside the rootfs", "[rootfs][mounts][dangling]") {
    // runc and crun create what the link points to, taken inside the rootfs, and mount there.
    // <bundle>/outside must stay empty whatever the link says.
    Bundle b;
    fs::create_directories(b.path() + "/outside");
    fs::create_directories(b.path() + "/src");
    write_file(b.path() + "/src/marker", "MARK\n");
    const std::string in_root_outside = b.rootfs() + b.path() + "/outside";
    SECTION("relative: /etc/not-existing -> ../foo/bar/not/here, a tmpfs") {
        fs::create_symlink("../foo/bar/not/here", b.rootfs() + "/etc/not-existing");
        b.config["mounts"].push_back(mount_entry("/etc/not-existing", "tmpfs", "tmpfs", {"size=1m"}));
        auto l = mountinfo_line(b, "/foo/bar/not/here");
        INFO(l);
        CHECK(has_word(l, "tmpfs"));
        CHECK(fs::is_directory(b.rootfs() + "/foo/bar/not/here"));
    }
    SECTION("relative, climbing above the rootfs: a directory bind") {
        fs::create_symlink("../../../../../../../.." + b.path() + "/outside/rel/dir", b.rootfs() + "/etc/rel-link");
        b.config["mounts"].push_back(mount_entry("/etc/rel-link", "bind", b.path() + "/src", {"bind", "ro"}));
        CHECK(output_of(b, {"cat", "/etc/rel-link/marker", b.path() + "/outside/rel/dir/marker"}) == "MARK\nMARK\n");
        CHECK(fs::is_directory(in_root_outside + "/rel/dir"));
    }
    SECTION("absolute, naming a host path: a file bind") {
        fs::create_symlink(b.path() + "/outside/abs/file", b.rootfs() + "/etc/abs-link");
        b.config["mounts"].push_back(mount_entry("/etc/abs-link", "bind", b.path() + "/src/marker", {"bind"}));
        CHECK(output_of(b, {"cat", "/etc/abs-link"}) == "MARK\n");
        CHECK(fs::is_regular_file(in_root_outside + "/abs/file"));
    }
    CHECK(fs::is_empty(b.path() + "/outside"));
}

TEST_CASE("a bind mount with filesystem data options runs, the data ignored", "[rootfs][mounts][bind-data]") {
    // The kernel ignores data for binds; runtime-tools' "mounts" case writes ["bind","mode=755"].
    Bundle b;
    fs::create_directories(b.path() + "/data");
    write_file(b.path() + "/data/f", "from-host\n");
    b.config["mounts"].push_back(mount_entry("/data", "bind", b.path() + "/data", {"bind", "mode=755", "size=1m"}));
    b.set_args({"cat", "/data/f"});
    std::string log = b.path() + "/debug.log";
    std::string id = unique_id("binddata");
    ContainerGuard g(id);
    auto r = rt_global({"--debug", "--log", log}, {"run", "--bundle", b.path(), id});
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == "from-host\n");
    CORT_ONLY();
    auto text = read_file(log);
    INFO(text);
    bool said = false;
    for (const auto& l : split_lines(text))
        said = said || (l.find("mode=755") != std::string::npos && l.find("ignored") != std::string::npos);
    CHECK(said);
}

namespace {

// Without a mount namespace: only what the test mounts, nothing the host would have to undo.
void share_mount_ns(Bundle& b, const json& mounts) {
    remove_namespace(b.config, "mount");
    b.config["mounts"] = mounts;
    b.config["root"]["readonly"] = false;
    b.config["linux"].erase("maskedPaths");
    b.config["linux"].erase("readonlyPaths");
}

}  // namespace

TEST_CASE("without a mount namespace, mounts are made in the caller's", "[rootfs][mounts][no-mountns]") {
    // The spec: the container then shares the runtime's mount namespace, and mounts[] are
    // still mounted (runc does so). They outlive the container: the test unmounts them.
    Bundle b;
    const std::string target = b.rootfs() + "/mnt/shared";
    SECTION("a tmpfs inside the rootfs, seen from the host") {
        // (runc needs a /proc in the container: it is made on the host too.)
        share_mount_ns(b, json::array({mount_entry("/proc", "proc", "proc", {}),
                                       mount_entry("/mnt/shared", "tmpfs", "tmpfs", {"size=1m", "mode=700"})}));
        CHECK(output_of(b, {"sh", "-c", "echo inside > /mnt/shared/f && cat /mnt/shared/f"}) == "inside\n");
        auto lines = mounts_mentioning(target);
        REQUIRE(lines.size() == 1);
        CHECK(has_word(lines[0], "tmpfs"));
        CHECK(read_file(target + "/f") == "inside\n");
        CHECK(::umount2(target.c_str(), MNT_DETACH) == 0);
        CHECK(::umount2((b.rootfs() + "/proc").c_str(), MNT_DETACH) == 0);
        // runc also leaves a self-bind of the rootfs behind (run it in a private mount ns).
        if (runtime_is_cort()) CHECK(mounts_mentioning(b.path()).empty());
    }
    SECTION("a ro tmpfs is read-only") {
        CORT_ONLY();  // runc 1.1.5 leaves it writable: it skips finalizeRootfs without a mount ns
        share_mount_ns(b, json::array({mount_entry("/proc", "proc", "proc", {}),
                                       mount_entry("/mnt/shared", "tmpfs", "tmpfs", {"ro", "size=1m"})}));
        CHECK(output_of(b, {"sh", "-c", "touch /mnt/shared/f 2>/dev/null && echo W || echo R"}) == "R\n");
        CHECK(::umount2(target.c_str(), MNT_DETACH) == 0);
        CHECK(::umount2((b.rootfs() + "/proc").c_str(), MNT_DETACH) == 0);
    }
    SECTION("a failing entry undoes the ones before it") {
        CORT_ONLY();  // runc leaves the first mount on the host
        share_mount_ns(b, json::array({mount_entry("/mnt/shared", "tmpfs", "tmpfs", {"size=1m"}),
                                       mount_entry("/mnt/missing", "bind", b.path() + "/no-such-dir", {"bind"})}));
        b.save();
        std::string id = unique_id("nomntns");
        ContainerGuard g(id);
        auto r = create(b, id);
        INFO(r.describe());
        CHECK(r.exit_code != 0);
        CHECK(r.err.find("no-such-dir") != std::string::npos);
        assert_nothing_left(id, b.path());
    }
}

TEST_CASE("without a mount namespace, exec lands in the container's root", "[rootfs][exec][no-mountns][cort-only]") {
    // runc 1.1.5 gives the exec'd process the host's "/" here; cort chroots it where the init is.
    CORT_ONLY();
    Bundle b;
    share_mount_ns(b, json::array());
    write_file(b.rootfs() + "/in-the-rootfs", "yes\n");
    b.set_args({"sleep", "100000"});
    std::string id = unique_id("nomntexec");
    ContainerGuard g(id);
    REQUIRE(create(b, id).exit_code == 0);
    REQUIRE(rt({"start", id}).exit_code == 0);
    auto r = rt({"exec", id, "cat", "/in-the-rootfs"});
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "yes\n");
}
