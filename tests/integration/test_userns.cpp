// User namespaces and idmapped mounts, run as root: the maps the container sees, owners
// through the maps, flags the kernel locks, devices without mknod, and idmapped binds.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <sstream>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace itest;

namespace {

json mapping(uint32_t container, uint32_t host, uint32_t size) {
    return {{"containerID", container}, {"hostID", host}, {"size", size}};
}

void enable_userns(Bundle& b, json uids, json gids) {
    set_namespace(b.config, "user");
    b.config["linux"]["uidMappings"] = std::move(uids);
    b.config["linux"]["gidMappings"] = std::move(gids);
}

// "0 100000 65536" lines, whitespace normalised.
std::string normalise_map(const std::string& text) {
    std::string out;
    for (const auto& line : split_lines(text)) {
        std::istringstream in(line);
        std::string a, b, c;
        if (!(in >> a >> b >> c)) continue;
        out += a + " " + b + " " + c + "\n";
    }
    return out;
}

std::string map_text(const json& maps) {
    std::string out;
    for (const auto& m : maps)
        out += std::to_string(m["containerID"].get<uint32_t>()) + " " + std::to_string(m["hostID"].get<uint32_t>()) +
               " " + std::to_string(m["size"].get<uint32_t>()) + "\n";
    return out;
}

// A host directory in the bundle with one file owned by uid:gid.
std::string owned_dir(const Bundle& b, const std::string& name, uid_t uid, gid_t gid) {
    std::string dir = b.path() + "/" + name;
    REQUIRE(mkdir(dir.c_str(), 0755) == 0);
    write_file(dir + "/f", "x");
    REQUIRE(chown((dir + "/f").c_str(), uid, gid) == 0);
    return dir;
}

// The mount point is made here: a container root mapped to an unprivileged host uid cannot
// create it in the root-owned rootfs.
json bind_mount(const Bundle& b, const std::string& dest, const std::string& src, std::vector<std::string> opts) {
    mkdir((b.rootfs() + dest).c_str(), 0755);
    return {{"destination", dest}, {"type", "bind"}, {"source", src}, {"options", opts}};
}

}  // namespace

TEST_CASE("user namespace: the container's uid_map and gid_map are the config's", "[userns]") {
    Bundle b;
    json uids = json::array({mapping(0, 100000, 1000), mapping(1000, 1000, 1), mapping(1001, 101001, 64535)});
    json gids = json::array({mapping(0, 200000, 65536)});
    enable_userns(b, uids, gids);
    CHECK(normalise_map(output_of(b, {"cat", "/proc/self/uid_map"})) == map_text(uids));
    CHECK(normalise_map(output_of(b, {"cat", "/proc/self/gid_map"})) == map_text(gids));
    // Root inside is the first host id of the range.
    CHECK(trim(output_of(b, {"id", "-u"})) == "0");
}

TEST_CASE("user namespace: host files show the mapped owner", "[userns]") {
    Bundle b;
    enable_userns(b, json::array({mapping(0, 100000, 65536)}), json::array({mapping(0, 200000, 65536)}));
    std::string dir = owned_dir(b, "owned", 100005, 200007);
    b.config["mounts"].push_back(bind_mount(b, "/owned", dir, {"bind"}));
    CHECK(trim(output_of(b, {"stat", "-c", "%u:%g", "/owned/f"})) == "5:7");
    // Outside the ranges: the overflow ids.
    REQUIRE(chown((dir + "/f").c_str(), 1000, 1000) == 0);
    CHECK(trim(output_of(b, {"stat", "-c", "%u:%g", "/owned/f"})) == "65534:65534");
}

TEST_CASE("user namespace: a remount keeps the flags the kernel locked", "[userns]") {
    // A host mount that is nosuid,nodev,noexec: inside a user namespace those flags are
    // locked, so the "ro" remount must carry them or the kernel refuses it (EPERM).
    Bundle b;
    enable_userns(b, json::array({mapping(0, 100000, 65536)}), json::array({mapping(0, 100000, 65536)}));
    std::string src = b.path() + "/locked";
    REQUIRE(mkdir(src.c_str(), 0755) == 0);
    REQUIRE(mount("tmpfs", src.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") == 0);
    struct Unmount {
        std::string p;
        ~Unmount() { umount2(p.c_str(), MNT_DETACH); }
    } unmount{src};
    b.config["mounts"].push_back(bind_mount(b, "/locked", src, {"bind", "ro"}));
    std::string line;
    for (const auto& l : split_lines(output_of(b, {"cat", "/proc/self/mountinfo"})))
        if (l.find(" /locked ") != std::string::npos) line = l;
    INFO(line);
    REQUIRE_FALSE(line.empty());
    std::istringstream in(line);
    std::string f[6];
    for (auto& x : f) in >> x;
    std::string opts = "," + f[5] + ",";
    for (const char* want : {",ro,", ",nosuid,", ",nodev,", ",noexec,"}) CHECK(opts.find(want) != std::string::npos);
}

TEST_CASE("user namespace: a bind source the container's root cannot reach is opened by the runtime",
          "[userns][bind-source]") {
    // <bundle>/locked is root's, mode 000: the container's root (host uid 100000) cannot
    // look up anything below it. runc and crun open bind sources on the host side and pass
    // the mount in (open_tree), so the bind works anyway.
    Bundle b;
    enable_userns(b, json::array({mapping(0, 100000, 65536)}), json::array({mapping(0, 200000, 65536)}));
    const std::string locked = b.path() + "/locked";
    REQUIRE(mkdir(locked.c_str(), 0755) == 0);
    const std::string dir = owned_dir(b, "locked/data", 100000, 200000);
    REQUIRE(chmod(locked.c_str(), 0) == 0);
    SECTION("a directory, read-only") {
        b.config["mounts"].push_back(bind_mount(b, "/data", dir, {"bind", "ro"}));
        CHECK(output_of(b, {"sh", "-c", "cat /data/f; touch /data/g 2>/dev/null && echo W || echo R"}) == "xR\n");
    }
    SECTION("a nosuid,noexec source keeps those flags through the ro remount") {
        // Bound from its path in the user namespace they would be locked; the host-side
        // clone has them unlocked, and the runtime must not drop them. Deliberately stricter
        // than the others: runc 1.1 fails this config (its ro remount gets EPERM and it has
        // no retry with the locked flags) and crun 1.8.1 runs it with nosuid,noexec dropped.
        CORT_ONLY();
        REQUIRE(mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755") == 0);
        write_file(dir + "/f", "x");
        b.config["mounts"].push_back(bind_mount(b, "/data", dir, {"bind", "ro"}));
        auto line = output_of(b, {"sh", "-c", "cat /data/f; grep ' /data ' /proc/self/mountinfo"});
        INFO(line);
        CHECK(line.rfind("x", 0) == 0);
        std::istringstream in(line.substr(1));
        std::string f, opts;
        for (int i = 0; i < 6 && in >> f; ++i) opts = f;  // field 6: the mount's own options
        CHECK(("," + opts + ",").find(",ro,") != std::string::npos);
        CHECK(opts.find("nosuid") != std::string::npos);
        CHECK(opts.find("noexec") != std::string::npos);
    }
    SECTION("a file, recursive bind") {
        write_file(b.rootfs() + "/datafile", "");
        b.config["mounts"].push_back(
            {{"destination", "/datafile"}, {"type", "bind"}, {"source", dir + "/f"}, {"options", {"rbind"}}});
        CHECK(output_of(b, {"cat", "/datafile"}) == "x");
    }
}

TEST_CASE("user namespace: devices are bind-mounted from the host", "[userns]") {
    // mknod is refused in a user namespace: /dev/null must be the host's node, bound.
    Bundle b;
    enable_userns(b, json::array({mapping(0, 100000, 65536)}), json::array({mapping(0, 100000, 65536)}));
    auto out = output_of(b, {"sh", "-c", "stat -c '%t:%T %F' /dev/null; grep -c ' /dev/null ' /proc/self/mountinfo"});
    auto lines = split_lines(out);
    REQUIRE(lines.size() >= 2);
    CHECK(lines[0] == "1:3 character special file");
    CHECK(lines[1] == "1");
}

TEST_CASE("idmapped mount without a container user namespace", "[userns][idmap]") {
    Bundle b;
    std::string dir = owned_dir(b, "data", 1000, 1000);
    json m = bind_mount(b, "/data", dir, {"rbind"});
    m["uidMappings"] = json::array({mapping(1000, 2000, 1)});
    m["gidMappings"] = json::array({mapping(1000, 3000, 1)});
    b.config["mounts"].push_back(m);
    CHECK(trim(output_of(b, {"stat", "-c", "%u:%g", "/data/f"})) == "2000:3000");
    // The host's view is unchanged.
    struct stat st {};
    REQUIRE(stat((dir + "/f").c_str(), &st) == 0);
    CHECK(st.st_uid == 1000);
}

TEST_CASE("idmapped mount in a container user namespace", "[userns][idmap]") {
    // The container maps 0..65535 to 100000..: a host file of uid 1000 shows as nobody,
    // unless the bind is idmapped with the container's own mappings ("idmap"), which makes
    // it show with its on-disk owner.
    Bundle b;
    enable_userns(b, json::array({mapping(0, 100000, 65536)}), json::array({mapping(0, 100000, 65536)}));
    std::string dir = owned_dir(b, "data", 1000, 1000);
    SECTION("plain bind") {
        b.config["mounts"].push_back(bind_mount(b, "/data", dir, {"bind"}));
        CHECK(trim(output_of(b, {"stat", "-c", "%u:%g", "/data/f"})) == "65534:65534");
    }
    SECTION("\"idmap\"") {
        NOT_ON_RUNC();
        b.config["mounts"].push_back(bind_mount(b, "/data", dir, {"bind", "idmap"}));
        CHECK(trim(output_of(b, {"stat", "-c", "%u:%g", "/data/f"})) == "1000:1000");
        // Writes go through the map too: root inside creates a file owned by host uid 0.
        output_of(b, {"touch", "/data/new"});
        struct stat st {};
        REQUIRE(stat((dir + "/new").c_str(), &st) == 0);
        CHECK(st.st_uid == 0);
    }
    SECTION("\"ridmap\" with explicit mappings") {
        NOT_ON_RUNC();
        json m = bind_mount(b, "/data", dir, {"rbind", "ridmap"});
        m["uidMappings"] = json::array({mapping(0, 100000 + 42, 65536 - 42)});
        m["gidMappings"] = json::array({mapping(0, 100000 + 42, 65536 - 42)});
        b.config["mounts"].push_back(m);
        CHECK(trim(output_of(b, {"stat", "-c", "%u:%g", "/data/f"})) == "1042:1042");
    }
}

TEST_CASE("user namespace and idmap bad input names the field, leaves nothing", "[userns][bad-input]") {
    CORT_ONLY();
    Bundle b;
    std::string id = unique_id("userns-bad");
    auto fails_with = [&](const std::string& text) {
        ContainerGuard g(id);
        auto r = create(b, id);
        INFO(r.describe());
        CHECK(r.exit_code != 0);
        CHECK(r.err.find(text) != std::string::npos);
        assert_nothing_left(id, b.path());
    };
    SECTION("mappings without a user namespace") {
        b.config["linux"]["uidMappings"] = json::array({mapping(0, 100000, 65536)});
        b.config["linux"]["gidMappings"] = json::array({mapping(0, 100000, 65536)});
        b.save();
        fails_with("linux.uidMappings: requires a user namespace");
    }
    SECTION("overlapping mappings") {
        enable_userns(b, json::array({mapping(0, 100000, 65536), mapping(1000, 300000, 10)}),
                      json::array({mapping(0, 100000, 65536)}));
        b.save();
        fails_with("linux.uidMappings[1]: containerID range 1000-1009 overlaps linux.uidMappings[0] (0-65535)");
    }
    SECTION("idmap on a tmpfs") {
        b.config["mounts"].push_back({{"destination", "/t"}, {"type", "tmpfs"}, {"source", "tmpfs"},
                                      {"options", {"idmap"}}});
        b.save();
        fails_with("options: idmapped mounts are only supported for bind mounts");
    }
    SECTION("idmap without mappings or a user namespace") {
        b.config["mounts"].push_back(bind_mount(b, "/data", b.path(), {"bind", "idmap"}));
        b.save();
        fails_with(".uidMappings/gidMappings needs a user namespace");
    }
}

TEST_CASE("features reports idmapped mounts and the idmap options", "[userns][idmap]") {
    CORT_ONLY();
    auto r = rt({"features"});
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    auto j = json::parse(r.out);
    CHECK(j["linux"]["mountExtensions"]["idmap"]["enabled"] == true);
    auto opts = j["mountOptions"];
    CHECK(std::find(opts.begin(), opts.end(), "idmap") != opts.end());
    CHECK(std::find(opts.begin(), opts.end(), "ridmap") != opts.end());
}

TEST_CASE("NOTIFY_SOCKET reaches a container whose root is mapped to another uid", "[userns][notify]") {
    // The socket's directory is under the state dir (mode 0700, host root's): the container's
    // root cannot stat it, so the bind source must be opened on the host side.
    Bundle b;
    enable_userns(b, json::array({mapping(0, 100000, 65536)}), json::array({mapping(0, 100000, 65536)}));
    mkdir((b.rootfs() + "/run").c_str(), 0755);
    mkdir((b.rootfs() + "/run/notify").c_str(), 0755);
    b.set_args({"ls", "/run/notify"});
    // A host socket for the runtime to forward to; nothing is sent to it here.
    std::string host_sock = b.path() + "/host.sock";
    int s = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(s >= 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, host_sock.c_str(), sizeof a.sun_path - 1);
    REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    std::string id = unique_id("nsnotify");
    ContainerGuard g(id);
    auto r = run_cmd({"/usr/bin/env", "NOTIFY_SOCKET=" + host_sock, runtime_path(), "--root", state_root(), "run",
                      "--bundle", b.path(), id});
    ::close(s);
    INFO(r.describe());
    CHECK(r.err.find("Permission denied") == std::string::npos);
    CHECK(r.out == "notify.sock\n");
}
