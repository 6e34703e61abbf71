// Rootless: cort run by an ordinary user, created for the test (useradd, with /etc/subuid and
// /etc/subgid ranges) and removed after. The user gets its own XDG_RUNTIME_DIR, a bundle it
// owns and a copy of the runtime it can execute.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <pwd.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace itest;
namespace fs = std::filesystem;

namespace {

struct SubRange {
    uint32_t start = 0, count = 0;
};

SubRange sub_range(const std::string& file, const std::string& user) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(user + ":", 0) != 0) continue;
        SubRange r;
        std::sscanf(line.c_str() + user.size() + 1, "%u:%u", &r.start, &r.count);
        return r;
    }
    return {};
}

// An unprivileged user with subordinate ids, removed (with its /etc/sub[ug]id lines) on exit.
class TestUser {
public:
    TestUser() : name_("cortrl" + std::to_string(getpid() % 100000)) {
        run_cmd({"userdel", name_});  // a leftover from a killed run
        auto r = run_cmd({"useradd", "-M", "-s", "/bin/sh", name_});
        if (r.exit_code != 0) throw std::runtime_error("useradd: " + r.describe());
        struct passwd* pw = getpwnam(name_.c_str());
        if (!pw) throw std::runtime_error("getpwnam " + name_);
        uid_ = pw->pw_uid;
        gid_ = pw->pw_gid;
        subuid_ = sub_range("/etc/subuid", name_);
        subgid_ = sub_range("/etc/subgid", name_);
        if (subuid_.count == 0 || subgid_.count == 0) {
            // useradd only adds ranges when login.defs asks for them: add some ourselves.
            std::string range = std::to_string(600000 + (getpid() % 1000) * 65536);
            std::string spec = range + "-" + std::to_string(std::stoul(range) + 65535);
            run_cmd({"usermod", "--add-subuids", spec, "--add-subgids", spec, name_});
            subuid_ = sub_range("/etc/subuid", name_);
            subgid_ = sub_range("/etc/subgid", name_);
        }
    }
    ~TestUser() {
        run_cmd({"userdel", name_});
        // Older userdel leaves the subordinate ranges behind.
        for (const char* f : {"/etc/subuid", "/etc/subgid"}) run_cmd({"sed", "-i", "/^" + name_ + ":/d", f});
    }
    const std::string& name() const { return name_; }
    uid_t uid() const { return uid_; }
    gid_t gid() const { return gid_; }
    SubRange subuid() const { return subuid_; }
    SubRange subgid() const { return subgid_; }

private:
    std::string name_;
    uid_t uid_ = 0;
    gid_t gid_ = 0;
    SubRange subuid_, subgid_;
};

// The user's world: XDG_RUNTIME_DIR, the runtime binary, and a bundle, all theirs.
struct RootlessSetup {
    TestUser user;
    Bundle bundle;
    std::string xdg;
    std::string bin_dir;
    std::string cort;

    RootlessSetup() {
        char t[] = "/tmp/cort-xdg-XXXXXX";
        REQUIRE(mkdtemp(t));
        xdg = t;
        char b[] = "/tmp/cort-bin-XXXXXX";
        REQUIRE(mkdtemp(b));
        bin_dir = b;
        chmod(bin_dir.c_str(), 0755);
        cort = bin_dir + "/cort";
        fs::copy_file(runtime_path(), cort);
        chmod(cort.c_str(), 0755);
        REQUIRE(chown(xdg.c_str(), user.uid(), user.gid()) == 0);
        REQUIRE(chmod(xdg.c_str(), 0700) == 0);
        // `cort spec --rootless` refuses to overwrite a config.
        fs::remove(bundle.config_path());
        chown_bundle();
    }
    ~RootlessSetup() {
        std::error_code ec;
        fs::remove_all(xdg, ec);
        fs::remove_all(bin_dir, ec);
    }
    void chown_bundle() {
        for (auto& e : fs::recursive_directory_iterator(bundle.path()))
            lchown(e.path().c_str(), user.uid(), user.gid());
        REQUIRE(lchown(bundle.path().c_str(), user.uid(), user.gid()) == 0);
    }
    // Runs the runtime as the user, with only the environment it would have.
    // With in_userns, from inside `unshare -r`: the runtime sees euid 0 in a user namespace
    // that maps only the user.
    RunResult as_user(const std::vector<std::string>& args, bool in_userns = false) {
        std::vector<std::string> argv{"setpriv",
                                      "--reuid=" + std::to_string(user.uid()),
                                      "--regid=" + std::to_string(user.gid()),
                                      "--clear-groups",
                                      "--"};
        if (in_userns) argv.insert(argv.end(), {"unshare", "-r"});
        argv.insert(argv.end(), {"env",
                                      "-i",
                                      "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                                      "XDG_RUNTIME_DIR=" + xdg,
                                      "HOME=" + bundle.path(),
                                      cort});
        argv.insert(argv.end(), args.begin(), args.end());
        RunOptions o;
        o.cwd = bundle.path();
        return run_cmd(argv, o);
    }
    // The config `cort spec --rootless` wrote, edited to run `args` without a terminal.
    json rootless_spec(const std::vector<std::string>& args, bool in_userns = false) {
        auto r = as_user({"spec", "--rootless"}, in_userns);
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        json c = json::parse(read_file(bundle.config_path()));
        c["process"]["terminal"] = false;
        c["process"]["args"] = args;
        return c;
    }
    void save(const json& c) {
        write_file(bundle.config_path(), c.dump(2));
        REQUIRE(chown(bundle.config_path().c_str(), user.uid(), user.gid()) == 0);
    }
    bool leftovers(const std::string& id) {
        return fs::exists(xdg + "/cort/" + id) || !processes_left(id, bundle.path()).empty() ||
               !mounts_mentioning(bundle.path()).empty();
    }
};

std::string first_map_line(const std::string& text) {
    std::istringstream in(text);
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

}  // namespace

TEST_CASE("rootless: an ordinary user runs a container from `spec --rootless`", "[rootless]") {
    CORT_ONLY();
    RootlessSetup s;
    auto c = s.rootless_spec({"sh", "-c", "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map"});
    CHECK(c["linux"]["uidMappings"][0]["hostID"] == s.user.uid());
    s.save(c);
    std::string id = unique_id("rootless");

    SECTION("run: uid 0 inside is the user outside") {
        auto r = s.as_user({"run", "--bundle", s.bundle.path(), id});
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        auto lines = split_lines(r.out);
        REQUIRE(lines.size() >= 4);
        CHECK(lines[0] == "0");
        CHECK(lines[1] == "0");
        CHECK(first_map_line(lines[2]) == "0 " + std::to_string(s.user.uid()) + " 1");
        CHECK(first_map_line(lines[3]) == "0 " + std::to_string(s.user.gid()) + " 1");
        s.as_user({"delete", "--force", id});
        CHECK_FALSE(s.leftovers(id));
    }
    SECTION("create, state, list, kill, delete under $XDG_RUNTIME_DIR/cort") {
        c["process"]["args"] = {"sleep", "100"};
        s.save(c);
        auto r = s.as_user({"create", "--bundle", s.bundle.path(), id});
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        CHECK(fs::exists(s.xdg + "/cort/" + id + "/state.json"));
        auto st = s.as_user({"state", id});
        INFO(st.describe());
        REQUIRE(st.exit_code == 0);
        auto j = json::parse(st.out);
        CHECK(j["status"] == "created");
        pid_t pid = j["pid"].get<pid_t>();
        // The init runs as the user on the host.
        struct stat ps {};
        REQUIRE(stat(("/proc/" + std::to_string(pid)).c_str(), &ps) == 0);
        CHECK(ps.st_uid == s.user.uid());
        // A user cannot make mounts, so CVE-2019-5736's read-only mount is out of reach and
        // the re-exec falls back to the sealed memfd copy.
        CHECK(fs::read_symlink("/proc/" + std::to_string(pid) + "/exe").string().rfind("/memfd:cort", 0) == 0);
        CHECK(s.as_user({"list"}).out.find(id) != std::string::npos);
        REQUIRE(s.as_user({"start", id}).exit_code == 0);
        CHECK(json::parse(s.as_user({"state", id}).out)["status"] == "running");
        auto e = s.as_user({"exec", id, "id", "-u"});
        INFO(e.describe());
        CHECK(e.exit_code == 0);
        CHECK(trim(e.out) == "0");
        REQUIRE(s.as_user({"kill", id, "KILL"}).exit_code == 0);
        for (int i = 0; i < 200 && json::parse(s.as_user({"state", id}).out)["status"] != "stopped"; i++) usleep(20000);
        auto d = s.as_user({"delete", id});
        INFO(d.describe());
        CHECK(d.exit_code == 0);
        CHECK_FALSE(s.leftovers(id));
    }
}

TEST_CASE("rootless: multi-range mappings through newuidmap/newgidmap", "[rootless]") {
    CORT_ONLY();
    RootlessSetup s;
    auto c = s.rootless_spec({"cat", "/proc/self/uid_map", "/proc/self/gid_map"});
    REQUIRE(s.user.subuid().count >= 1000);
    c["linux"]["uidMappings"] = json::array({{{"containerID", 0}, {"hostID", s.user.uid()}, {"size", 1}},
                                             {{"containerID", 1}, {"hostID", s.user.subuid().start}, {"size", 1000}}});
    c["linux"]["gidMappings"] = json::array({{{"containerID", 0}, {"hostID", s.user.gid()}, {"size", 1}},
                                             {{"containerID", 1}, {"hostID", s.user.subgid().start}, {"size", 1000}}});
    std::string id = unique_id("rootless-multi");

    SECTION("allowed ranges") {
        s.save(c);
        auto r = s.as_user({"run", "--bundle", s.bundle.path(), id});
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        auto lines = split_lines(r.out);
        REQUIRE(lines.size() == 4);
        CHECK(first_map_line(lines[0]) == "0 " + std::to_string(s.user.uid()) + " 1");
        CHECK(first_map_line(lines[1]) == "1 " + std::to_string(s.user.subuid().start) + " 1000");
        CHECK(first_map_line(lines[3]) == "1 " + std::to_string(s.user.subgid().start) + " 1000");
        s.as_user({"delete", "--force", id});
        CHECK_FALSE(s.leftovers(id));
    }
    SECTION("a range that is not the user's: newuidmap refuses, the error names /etc/subuid") {
        c["linux"]["uidMappings"][1]["hostID"] = 1;  // root's ids
        s.save(c);
        auto r = s.as_user({"run", "--bundle", s.bundle.path(), id});
        INFO(r.describe());
        CHECK(r.exit_code != 0);
        CHECK(r.err.find("linux.uidMappings") != std::string::npos);
        CHECK(r.err.find("/etc/subuid") != std::string::npos);
        CHECK_FALSE(s.leftovers(id));
    }
}

TEST_CASE("rootless: resources without a writable cgroup name the field", "[rootless][bad-input]") {
    CORT_ONLY();
    RootlessSetup s;
    auto c = s.rootless_spec({"true"});
    c["linux"]["resources"] = {{"memory", {{"limit", 64 << 20}}}};
    s.save(c);
    std::string id = unique_id("rootless-res");
    auto r = s.as_user({"run", "--bundle", s.bundle.path(), id});
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("linux.resources.memory: cannot be set") != std::string::npos);
    CHECK_FALSE(s.leftovers(id));
}

TEST_CASE("rootless: idmapped mounts are refused", "[rootless][bad-input]") {
    CORT_ONLY();
    RootlessSetup s;
    auto c = s.rootless_spec({"true"});
    c["mounts"].push_back({{"destination", "/data"}, {"type", "bind"}, {"source", s.bundle.path()},
                           {"options", {"bind", "idmap"}}});
    s.save(c);
    std::string id = unique_id("rootless-idmap");
    auto r = s.as_user({"run", "--bundle", s.bundle.path(), id});
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("options: idmapped mounts need root on the host") != std::string::npos);
    CHECK_FALSE(s.leftovers(id));
}

TEST_CASE("rootless: a config without a user namespace is refused", "[rootless][bad-input]") {
    CORT_ONLY();
    RootlessSetup s;
    auto c = s.rootless_spec({"true"});
    json nss = json::array();
    for (auto& n : c["linux"]["namespaces"])
        if (n["type"] != "user") nss.push_back(n);
    c["linux"]["namespaces"] = nss;
    c["linux"].erase("uidMappings");
    c["linux"].erase("gidMappings");
    s.save(c);
    std::string id = unique_id("rootless-nouserns");
    auto r = s.as_user({"run", "--bundle", s.bundle.path(), id});
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("linux.namespaces: a rootless container needs a user namespace") != std::string::npos);
    CHECK_FALSE(s.leftovers(id));
}

TEST_CASE("rootless: root in a user namespace that maps only the user runs without a cgroup",
          "[rootless]") {
    // euid 0, so not rootless by uid; but the host's cgroup tree is not writable from
    // there, and cort must fall back as for rootless instead of failing on mkdir.
    CORT_ONLY();
    RootlessSetup s;
    auto c = s.rootless_spec({"sh", "-c", "id -u; cat /proc/self/uid_map"}, true);
    CHECK(c["linux"]["uidMappings"][0]["hostID"] == 0);  // the user, seen from its namespace
    s.save(c);
    std::string id = unique_id("rootless-userns");
    auto r = s.as_user({"--root", s.xdg + "/cort", "run", "--bundle", s.bundle.path(), id}, true);
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    auto lines = split_lines(r.out);
    REQUIRE(lines.size() >= 2);
    CHECK(lines[0] == "0");
    CHECK(first_map_line(lines[1]) == "0 0 1");  // read from inside: relative to the unshare'd namespace
    CHECK_FALSE(s.leftovers(id));
}
