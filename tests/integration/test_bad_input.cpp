// Bad input: each case must fail with a non-zero exit, a message naming the field or step, and
// leave nothing behind (state dir, host mounts, cgroups, processes).
// The wording checked for every runtime is what runc also says; cort's JSON-path messages
// (`linux.namespaces[2].type: unknown namespace "pdi"`) are checked in [cort-only] sections.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <sys/mount.h>
#include <unistd.h>

using namespace itest;
namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

bool mentions(const RunResult& r, const std::string& what) {
    return lower(r.err + r.out).find(lower(what)) != std::string::npos;
}

// create must fail; returns its result after checking exit code, message and leftovers.
RunResult create_fails(Bundle& b, const std::string& id) {
    ContainerGuard g(id);
    auto r = create(b, id);
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK_FALSE(r.timed_out);
    CHECK_FALSE(trim(r.err).empty());
    // Checked before the guard's delete --force: the failed create itself must clean up.
    assert_nothing_left(id, b.path());
    return r;
}

}  // namespace

TEST_CASE("malformed config.json", "[bad-input]") {
    Bundle b;
    std::string id = unique_id("badjson");
    SECTION("not JSON at all") {
        b.write_raw_config("{ this is not json");
        auto r = create_fails(b, id);
        // runc: "invalid character 't' looking for beginning of object key string"
        CHECK((mentions(r, "json") || mentions(r, "invalid character")));
        if (runtime_is_cort()) CHECK(mentions(r, "config.json"));
    }
    SECTION("truncated") {
        std::string full = b.config.dump(2);
        b.write_raw_config(full.substr(0, full.size() / 2));
        auto r = create_fails(b, id);
        CHECK((mentions(r, "json") || mentions(r, "unexpected")));
        if (runtime_is_cort()) CHECK(mentions(r, "config.json"));
    }
    SECTION("empty file") {
        b.write_raw_config("");
        create_fails(b, id);
    }
    SECTION("missing config.json") {
        fs::remove(b.config_path());
        auto r = create_fails(b, id);
        CHECK(mentions(r, "config.json"));
    }
}

TEST_CASE("a field of the wrong type", "[bad-input]") {
    Bundle b;
    std::string id = unique_id("badtype");
    SECTION("hostname is a number") {
        b.config["hostname"] = 5;
        b.save();
        auto r = create_fails(b, id);
        CHECK(mentions(r, "hostname"));
    }
    SECTION("process.args is a string") {
        b.config["process"]["args"] = "sh";
        b.save();
        auto r = create_fails(b, id);
        CHECK(mentions(r, "args"));
    }
    SECTION("cort names the JSON path") {
        CORT_ONLY();
        b.config["process"]["user"]["uid"] = "root";
        b.save();
        auto r = create_fails(b, id);
        CHECK(mentions(r, "process.user.uid"));
    }
}

TEST_CASE("an unknown namespace type", "[bad-input]") {
    Bundle b;
    b.config["linux"]["namespaces"][2]["type"] = "pdi";
    b.save();
    auto r = create_fails(b, unique_id("badns"));
    CHECK(mentions(r, "pdi"));
    SECTION("cort: the message is linux.namespaces[2].type: unknown namespace \"pdi\"") {
        CORT_ONLY();
        CHECK(mentions(r, "linux.namespaces[2].type"));
        CHECK(mentions(r, "unknown namespace \"pdi\""));
    }
}

TEST_CASE("a namespace type listed twice", "[bad-input][cort-only]") {
    // runc 1.1 silently accepts duplicates; the spec says a type MUST NOT be listed twice.
    CORT_ONLY();
    Bundle b;
    b.config["linux"]["namespaces"].push_back({{"type", "ipc"}});
    b.save();
    auto r = create_fails(b, unique_id("dupns"));
    CHECK(mentions(r, "linux.namespaces[5]"));
}

TEST_CASE("a relative mount destination", "[bad-input][cort-only]") {
    // config.md: destination MUST be absolute (Linux). runc 1.1 only warns and joins it to /.
    CORT_ONLY();
    Bundle b;
    b.config["mounts"][1]["destination"] = "dev";
    b.save();
    auto r = create_fails(b, unique_id("relmount"));
    CHECK(mentions(r, "mounts[1].destination"));
}

TEST_CASE("a process.env entry that is not KEY=VALUE", "[bad-input][env]") {
    Bundle b;
    b.config["process"]["env"] = {"PATH=/bin:/usr/bin", "A=1", "EMPTY=", "NOVALUE"};
    b.save();
    auto r = create_fails(b, unique_id("badenv"));
    CHECK(mentions(r, "environment variable"));
    CORT_ONLY();
    CHECK(mentions(r, "process.env[3]"));
    CHECK(mentions(r, "NOVALUE"));
}

TEST_CASE("exec refuses an environment entry without '='", "[bad-input][env][exec]") {
    Bundle b;
    b.set_args({"sleep", "1000"});
    std::string id = unique_id("execenv");
    ContainerGuard g(id);
    REQUIRE(create(b, id).exit_code == 0);
    REQUIRE(rt({"start", id}).exit_code == 0);
    std::string process = b.path() + "/process.json";
    RunResult r;
    std::string field;
    SECTION("--env") {
        r = rt({"exec", "--env", "OK=1", "--env", "NOVALUE", id, "true"});
        field = "--env[1]";
    }
    SECTION("--process") {
        json p = b.config["process"];
        p["args"] = {"true"};
        p["env"] = {"PATH=/bin", "NOVALUE"};
        write_file(process, p.dump());
        r = rt({"exec", "--process", process, id});
        field = "process.env[1]";
    }
    INFO(r.describe());
    CHECK(r.exit_code == 255);
    CHECK(mentions(r, "environment variable"));
    CHECK(status_of(id) == "running");
    CORT_ONLY();
    CHECK(mentions(r, field));
}

TEST_CASE("a missing rootfs", "[bad-input]") {
    Bundle b;
    b.config["root"]["path"] = "no-such-rootfs";
    b.save();
    auto r = create_fails(b, unique_id("norootfs"));
    CHECK(mentions(r, "no-such-rootfs"));
}

TEST_CASE("a symlinked root.path is refused", "[bad-input][rootfs][root-symlink]") {
    // Followed, a link could make the host's "/" the container's root. runc refuses it too
    // ("invalid rootfs: not an absolute path, or a symlink").
    Bundle b;
    SECTION("to the host's /") { fs::create_symlink("/", b.path() + "/rootlink"); }
    SECTION("to the bundle's own rootfs") { fs::create_symlink("rootfs", b.path() + "/rootlink"); }
    SECTION("an absolute path through a symlinked directory") {
        fs::create_symlink(b.path(), b.path() + "/bundlelink");
        b.config["root"]["path"] = b.path() + "/bundlelink/rootfs";
    }
    if (b.config["root"]["path"] == "rootfs") b.config["root"]["path"] = "rootlink";
    b.save();
    auto r = create_fails(b, unique_id("rootlink"));
    CHECK(mentions(r, "symlink"));
    if (runtime_is_cort()) CHECK(mentions(r, "root.path"));
}

TEST_CASE("an unsupported ociVersion major", "[bad-input][cort-only]") {
    CORT_ONLY();
    Bundle b;
    b.config["ociVersion"] = "2.0.0";
    b.save();
    auto r = create_fails(b, unique_id("ociver"));
    CHECK(mentions(r, "ociVersion"));
}

TEST_CASE("a duplicate id", "[bad-input]") {
    Bundle b;
    b.set_args({"sleep", "1000"});
    std::string id = unique_id("dupid");
    ContainerGuard g(id);
    REQUIRE(create(b, id).exit_code == 0);
    pid_t pid = (*state_of(id))["pid"].get<pid_t>();
    Bundle b2;
    auto r = create(b2, id);
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK(mentions(r, "exist"));
    SECTION("the first container is untouched") {
        auto st = state_of(id);
        REQUIRE(st);
        CHECK((*st)["status"] == "created");
        CHECK((*st)["pid"] == pid);
        CHECK(fs::equivalent((*st)["bundle"].get<std::string>(), b.path()));
    }
    SECTION("the second bundle got nothing") { assert_nothing_left("-none-", b2.path()); }
}

TEST_CASE("an id that is not a plain name", "[bad-input]") {
    Bundle b;
    std::string bad = GENERATE(std::string("../it-escape"), std::string("a/b"), std::string(".."),
                               std::string(""));
    std::string escaped = fs::path(state_root()).parent_path().string() + "/it-escape";
    auto r = create(b, bad);
    INFO("id '" << bad << "'\n" << r.describe());
    CHECK(r.exit_code != 0);
    CHECK_FALSE(fs::exists(escaped));
    CHECK_FALSE(fs::exists(state_root() + "/a"));
    CHECK(processes_left("-none-", b.path()).empty());
    CHECK(mounts_mentioning(b.path()).empty());
    if (bad == "../it-escape") {
        SECTION("cort says the id is invalid") {
            CORT_ONLY();
            CHECK(mentions(r, "id"));
        }
    }
}

TEST_CASE("verbs on a container that does not exist", "[bad-input]") {
    std::string id = unique_id("missing");
    std::vector<std::string> args;
    SECTION("start") { args = {"start", id}; }
    SECTION("kill") { args = {"kill", id, "TERM"}; }
    SECTION("state") { args = {"state", id}; }
    SECTION("delete") { args = {"delete", id}; }
    auto r = rt(args);
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK((mentions(r, "not exist") || mentions(r, "no such")));
    CHECK_FALSE(state_dir_exists(id));
}

TEST_CASE("delete --force of a missing container succeeds (idempotent)", "[bad-input]") {
    // The issue asks for an idempotent delete --force; runc 1.1 also exits 0 here.
    auto r = rt({"delete", "--force", unique_id("missingforce")});
    INFO(r.describe());
    CHECK(r.exit_code == 0);
}

TEST_CASE("a process that cannot be executed fails create or start", "[bad-input]") {
    Bundle b;
    b.set_args({"/no/such/binary"});
    std::string id = unique_id("noexec");
    ContainerGuard g(id);
    auto r = run(b, id);
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK(mentions(r, "/no/such/binary"));
    rt({"delete", "--force", id});
    assert_nothing_left(id, b.path());
}

// The state directory is made first, then its .lock: a create that fails in between must not
// leave a container behind (`list` would show it as stopped). The root is a tmpfs with one
// inode to spare past its own: mkdir gets it, the lock file cannot be made (ENOSPC).
TEST_CASE("a create that cannot make its lock file leaves nothing behind", "[bad-input][phantom]") {
    std::string root = "/run/cort-itest-phantom-" + std::to_string(getpid());
    fs::create_directories(root);
    REQUIRE(::mount("tmpfs", root.c_str(), "tmpfs", 0, "nr_inodes=2,size=1m,mode=0700") == 0);
    struct Unmount {
        std::string dir;
        ~Unmount() {
            ::umount2(dir.c_str(), MNT_DETACH);
            ::rmdir(dir.c_str());
        }
    } unmount{root};
    Bundle b;
    b.set_args({"true"});
    std::string id = unique_id("phantom");
    RunOptions in_bundle;
    in_bundle.cwd = b.path();
    auto r = run_cmd({runtime_path(), "--root", root, "create", "--bundle", b.path(), id}, in_bundle);
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK(fs::is_empty(root));
    auto l = run_cmd({runtime_path(), "--root", root, "list", "-q"});
    INFO(l.describe());
    CHECK(trim(l.out).empty());
    assert_nothing_left(id, b.path());
}
