// Lifecycle transitions, each observed through `state`, and the CLI verbs around them.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <unistd.h>

using namespace itest;

namespace {

// As pid 1 of a pid namespace, a process only gets the signals it handles: trap TERM so that
// `kill TERM` stops the container; `wait` returns as soon as the trap fires.
const std::vector<std::string> kWaitForTerm{"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"};

// `start` returns before the shell has run `trap`: a TERM sent earlier is ignored by pid 1.
// Poll the init's SigCgt until it catches `sig` (bounded only against a hang).
bool wait_catches(pid_t pid, int sig) {
    for (int i = 0; i < 2000; ++i) {
        for (const auto& line : split_lines(read_file("/proc/" + std::to_string(pid) + "/status")))
            if (line.rfind("SigCgt:", 0) == 0 &&
                (std::stoull(line.substr(7), nullptr, 16) >> (sig - 1)) & 1)
                return true;
        usleep(10000);
    }
    return false;
}

pid_t init_pid(const std::string& id) {
    auto st = state_of(id);
    return st ? st->value("pid", 0) : 0;
}

}  // namespace

TEST_CASE("create, start, kill, delete: every transition through state", "[lifecycle]") {
    Bundle b;
    b.set_args(kWaitForTerm);
    std::string id = unique_id("life");
    ContainerGuard g(id);

    auto c = create(b, id);
    INFO(c.describe());
    REQUIRE(c.exit_code == 0);

    auto st = state_of(id);
    REQUIRE(st);
    INFO(st->dump());
    CHECK((*st)["status"] == "created");
    CHECK((*st)["id"] == id);
    CHECK(st->contains("ociVersion"));
    CHECK(std::filesystem::equivalent((*st)["bundle"].get<std::string>(), b.path()));
    pid_t pid = (*st)["pid"].get<pid_t>();
    CHECK(pid > 0);
    CHECK(pid_alive(pid));

    auto s = rt({"start", id});
    INFO(s.describe());
    REQUIRE(s.exit_code == 0);
    CHECK(status_of(id) == "running");

    SECTION("start of a running container fails") {
        auto again = rt({"start", id});
        INFO(again.describe());
        CHECK(again.exit_code != 0);
        CHECK(again.err.find("cannot start an already running container") != std::string::npos);
        CHECK(status_of(id) == "running");
    }
    SECTION("delete without --force of a running container fails") {
        auto d = rt({"delete", id});
        CHECK(d.exit_code != 0);
        CHECK(status_of(id) == "running");
    }
    SECTION("kill TERM stops it; delete removes it") {
        REQUIRE(wait_catches(pid, SIGTERM));
        auto k = rt({"kill", id, "TERM"});
        INFO(k.describe());
        REQUIRE(k.exit_code == 0);
        REQUIRE(wait_status(id, "stopped"));
        auto d = rt({"delete", id});
        INFO(d.describe());
        CHECK(d.exit_code == 0);
        CHECK_FALSE(state_of(id));
        CHECK_FALSE(pid_alive(pid));
        assert_nothing_left(id, b.path());
    }
    SECTION("start and update of a stopped container say so in runc's words") {
        REQUIRE(wait_catches(pid, SIGTERM));
        REQUIRE(rt({"kill", id, "TERM"}).exit_code == 0);
        REQUIRE(wait_status(id, "stopped"));
        auto s2 = rt({"start", id});
        INFO(s2.describe());
        CHECK(s2.exit_code != 0);
        CHECK(s2.err.find("cannot start a container that has stopped") != std::string::npos);
        auto u = rt({"update", "--pids-limit", "9", id});
        INFO(u.describe());
        CHECK(u.exit_code != 0);
        CHECK(u.err.find("container not running") != std::string::npos);
    }
}

TEST_CASE("kill accepts a signal as a name, SIG-name, or number", "[lifecycle]") {
    Bundle b;
    b.set_args(kWaitForTerm);
    std::string id = unique_id("killsig");
    ContainerGuard g(id);
    REQUIRE(create(b, id).exit_code == 0);
    REQUIRE(rt({"start", id}).exit_code == 0);
    std::string sig;
    SECTION("TERM") { sig = "TERM"; }
    SECTION("SIGTERM") { sig = "SIGTERM"; }
    SECTION("15") { sig = "15"; }
    REQUIRE(wait_catches(init_pid(id), SIGTERM));
    auto k = rt({"kill", id, sig});
    INFO(k.describe());
    CHECK(k.exit_code == 0);
    CHECK(wait_status(id, "stopped"));
}

TEST_CASE("kill --all KILL stops a container with several processes", "[lifecycle]") {
    Bundle b;
    b.set_args({"sh", "-c", "sleep 1000 & sleep 1000 & wait"});
    std::string id = unique_id("killall");
    ContainerGuard g(id);
    REQUIRE(create(b, id).exit_code == 0);
    REQUIRE(rt({"start", id}).exit_code == 0);
    auto k = rt({"kill", "--all", id, "KILL"});
    INFO(k.describe());
    CHECK(k.exit_code == 0);
    CHECK(wait_status(id, "stopped"));
    REQUIRE(rt({"delete", id}).exit_code == 0);
    assert_nothing_left(id, b.path());
}

TEST_CASE("kill 0 checks that the init exists; an empty signal is SIGTERM", "[lifecycle][kill]") {
    Bundle b;
    b.set_args(kWaitForTerm);
    std::string id = unique_id("killzero");
    ContainerGuard g(id);
    REQUIRE(create(b, id).exit_code == 0);
    REQUIRE(rt({"start", id}).exit_code == 0);
    REQUIRE(wait_catches(init_pid(id), SIGTERM));
    auto zero = rt({"kill", id, "0"});
    INFO(zero.describe());
    CHECK(zero.exit_code == 0);
    CHECK(status_of(id) == "running");
    auto empty = rt({"kill", id, ""});
    INFO(empty.describe());
    CHECK(empty.exit_code == 0);
    REQUIRE(wait_status(id, "stopped"));
    auto gone = rt({"kill", id, "0"});
    INFO(gone.describe());
    CHECK(gone.exit_code != 0);
    CHECK((gone.err + gone.out).find("container not running") != std::string::npos);
}

namespace {
bool cmdline_is(pid_t pid, const std::string& nul_separated) {
    return read_file("/proc/" + std::to_string(pid) + "/cmdline") == nul_separated;
}
}  // namespace

// containerd-shim's call when a container without its own pid namespace loses its init: the
// rest of the cgroup must still be reachable, and that is success (runc exits 0).
TEST_CASE("kill --all of a stopped container without a pid namespace reaches what is left",
          "[lifecycle][kill]") {
    Bundle b;
    remove_namespace(b.config, "pid");
    b.set_args({"sh", "-c", "sleep 4711 & exit 0"});
    std::string id = unique_id("killstopped");
    ContainerGuard g(id);
    REQUIRE(create(b, id).exit_code == 0);
    REQUIRE(rt({"start", id}).exit_code == 0);
    REQUIRE(wait_status(id, "stopped"));
    pid_t sleeper = 0;
    for (pid_t p : processes_left(id, b.path()))
        if (cmdline_is(p, std::string("sleep\0" "4711\0", 11))) sleeper = p;
    REQUIRE(sleeper > 0);
    auto k = rt({"kill", "--all", id, "9"});
    INFO(k.describe());
    CHECK(k.exit_code == 0);
    for (int i = 0; i < 500 && pid_alive(sleeper); ++i) usleep(10000);
    CHECK_FALSE(pid_alive(sleeper));
    auto d = rt({"delete", id});
    INFO(d.describe());
    CHECK(d.exit_code == 0);
    assert_nothing_left(id, b.path());
}

TEST_CASE("a verb's flags may follow the container id, as urfave/cli reorders them", "[lifecycle][cli-args]") {
    Bundle b;
    b.set_args(kWaitForTerm);
    std::string id = unique_id("flagsafter");
    ContainerGuard g(id);
    std::string pid_file = b.path() + "/init.pid";
    RunOptions in_bundle;
    in_bundle.cwd = b.path();
    auto c = rt({"create", id, "--bundle", b.path(), "--pid-file=" + pid_file}, in_bundle);
    INFO(c.describe());
    REQUIRE(c.exit_code == 0);
    CHECK(trim(read_file(pid_file)) == std::to_string(init_pid(id)));
    auto help = rt({"state", id, "--help"});
    INFO(help.describe());
    CHECK(help.exit_code == 0);
    CHECK(status_of(id) == "created");
    REQUIRE(rt({"start", id}).exit_code == 0);
    // exec is not reordered: after the id, everything is the process's.
    auto e = rt({"exec", id, "echo", "--cwd", "-e", "--env"});
    INFO(e.describe());
    CHECK(e.exit_code == 0);
    CHECK(trim(e.out) == "--cwd -e --env");
    auto k = rt({"kill", id, "0", "--all"});
    INFO(k.describe());
    CHECK(k.exit_code == 0);
    auto d = rt({"delete", id, "--force"});
    INFO(d.describe());
    CHECK(d.exit_code == 0);
    assert_nothing_left(id, b.path());
}

// urfave/cli also moves the argument after a boolean flag, so `runc create --no-new-keyring ID
// --bundle B` reads ID as that flag's value and fails; cort keeps ID the id (docs/cli.md).
TEST_CASE("a boolean flag never takes the next argument", "[lifecycle][cli-args][cort-only]") {
    CORT_ONLY();
    Bundle b;
    b.set_args({"sleep", "1000"});
    std::string id = unique_id("boolflag");
    ContainerGuard g(id);
    RunOptions in_bundle;
    in_bundle.cwd = b.path();
    auto c = rt({"create", "--no-new-keyring", id, "--bundle", b.path()}, in_bundle);
    INFO(c.describe());
    REQUIRE(c.exit_code == 0);
    CHECK(status_of(id) == "created");
}

TEST_CASE("a created container can be deleted without --force", "[lifecycle]") {
    Bundle b;
    b.set_args({"sleep", "1000"});
    std::string id = unique_id("delcreated");
    ContainerGuard g(id);
    REQUIRE(create(b, id).exit_code == 0);
    pid_t pid = (*state_of(id))["pid"].get<pid_t>();
    auto d = rt({"delete", id});
    INFO(d.describe());
    CHECK(d.exit_code == 0);
    CHECK_FALSE(pid_alive(pid));
    assert_nothing_left(id, b.path());
}

TEST_CASE("delete --force of a running container removes everything", "[lifecycle]") {
    Bundle b;
    b.set_args({"sleep", "1000"});
    std::string id = unique_id("delforce");
    ContainerGuard g(id);
    REQUIRE(create(b, id).exit_code == 0);
    REQUIRE(rt({"start", id}).exit_code == 0);
    auto d = rt({"delete", "--force", id});
    INFO(d.describe());
    CHECK(d.exit_code == 0);
    assert_nothing_left(id, b.path());
}

TEST_CASE("run forwards the container's exit code", "[lifecycle][run]") {
    Bundle b;
    std::string id = unique_id("runexit");
    ContainerGuard g(id);
    SECTION("exit 0") {
        b.set_args({"true"});
        auto r = run(b, id);
        INFO(r.describe());
        CHECK(r.exit_code == 0);
    }
    SECTION("exit 3") {
        b.set_args({"sh", "-c", "exit 3"});
        auto r = run(b, id);
        INFO(r.describe());
        CHECK(r.exit_code == 3);
    }
    SECTION("killed by SIGKILL: 128+9") {
        // pid 1 of a pid namespace cannot SIGKILL itself, so this one shares the host's pidns.
        remove_namespace(b.config, "pid");
        b.set_args({"sh", "-c", "kill -9 $$"});
        auto r = run(b, id);
        INFO(r.describe());
        CHECK(r.exit_code == 137);
    }
    SECTION("stdout and stderr pass through") {
        b.set_args({"sh", "-c", "echo out-text; echo err-text >&2"});
        auto r = run(b, id);
        CHECK(r.exit_code == 0);
        CHECK(r.out == "out-text\n");
        CHECK(r.err.find("err-text") != std::string::npos);
    }
    SECTION("after run, nothing is left") {
        b.set_args({"true"});
        REQUIRE(run(b, id).exit_code == 0);
        assert_nothing_left(id, b.path());
    }
}

TEST_CASE("run --detach leaves a running container", "[lifecycle][run]") {
    Bundle b;
    b.set_args({"sleep", "1000"});
    std::string id = unique_id("detach");
    ContainerGuard g(id);
    auto r = run(b, id, {"--detach"});
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    auto st = state_of(id);
    REQUIRE(st);
    CHECK((*st)["status"] == "running");
    CHECK(pid_alive((*st)["pid"].get<pid_t>()));
    REQUIRE(rt({"delete", "--force", id}).exit_code == 0);
    assert_nothing_left(id, b.path());
}

TEST_CASE("--pid-file holds the init's pid", "[lifecycle]") {
    Bundle b;
    b.set_args({"sleep", "1000"});
    std::string id = unique_id("pidfile");
    ContainerGuard g(id);
    std::string pf = b.path() + "/init.pid";
    REQUIRE(create(b, id, {"--pid-file", pf}).exit_code == 0);
    auto st = state_of(id);
    REQUIRE(st);
    CHECK(trim(read_file(pf)) == std::to_string((*st)["pid"].get<pid_t>()));
}

TEST_CASE("list shows containers as json and as ids", "[lifecycle][list]") {
    Bundle b;
    b.set_args({"sleep", "1000"});
    std::string id = unique_id("list");
    ContainerGuard g(id);
    REQUIRE(create(b, id).exit_code == 0);
    pid_t pid = (*state_of(id))["pid"].get<pid_t>();

    SECTION("--format json") {
        auto l = rt({"list", "--format", "json"});
        INFO(l.describe());
        REQUIRE(l.exit_code == 0);
        auto j = json::parse(l.out);
        REQUIRE(j.is_array());
        bool found = false;
        for (auto& c : j) {
            if (c["id"] != id) continue;
            found = true;
            CHECK(c["status"] == "created");
            CHECK(c["pid"] == pid);
        }
        CHECK(found);
    }
    SECTION("-q prints ids only") {
        auto l = rt({"list", "-q"});
        REQUIRE(l.exit_code == 0);
        auto lines = split_lines(l.out);
        CHECK(std::find(lines.begin(), lines.end(), id) != lines.end());
    }
    SECTION("table has a header and the id") {
        auto l = rt({"list"});
        REQUIRE(l.exit_code == 0);
        CHECK(l.out.rfind("ID", 0) == 0);
        CHECK(l.out.find(id) != std::string::npos);
    }
}

TEST_CASE("list is sorted by id (table, -q and json), as runc's", "[lifecycle][list]") {
    Bundle b;
    b.set_args({"sleep", "1000"});
    const std::string base = unique_id("lsort");
    // Created out of order: neither creation order nor its reverse (tmpfs readdir) is sorted.
    const std::vector<std::string> ids = {base + "-b", base + "-c", base + "-a"};
    ContainerGuard g1(ids[0]), g2(ids[1]), g3(ids[2]);
    for (const auto& id : ids) REQUIRE(create(b, id).exit_code == 0);
    std::vector<std::string> sorted = ids;
    std::sort(sorted.begin(), sorted.end());
    auto ours = [&](const std::vector<std::string>& listed) {
        std::vector<std::string> out;
        for (const auto& i : listed)
            if (i.rfind(base, 0) == 0) out.push_back(i);
        return out;
    };
    auto q = rt({"list", "-q"});
    REQUIRE(q.exit_code == 0);
    CHECK(ours(split_lines(q.out)) == sorted);
    auto j = rt({"list", "--format", "json"});
    REQUIRE(j.exit_code == 0);
    std::vector<std::string> from_json;
    for (auto& c : json::parse(j.out)) from_json.push_back(c["id"]);
    CHECK(ours(from_json) == sorted);
    auto t = rt({"list"});
    REQUIRE(t.exit_code == 0);
    std::vector<std::string> from_table;
    for (const auto& line : split_lines(t.out)) from_table.push_back(line.substr(0, line.find(' ')));
    CHECK(ours(from_table) == sorted);
}

TEST_CASE("spec writes a parsable config.json", "[cli]") {
    Bundle b;  // only used as a scratch dir
    std::string dir = b.path() + "/specdir";
    std::filesystem::create_directory(dir);
    SECTION("default") {
        auto r = rt({"spec", "--bundle", dir});
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        auto j = json::parse(read_file(dir + "/config.json"));
        CHECK(j["ociVersion"].get<std::string>().rfind("1.", 0) == 0);
        CHECK(j["process"]["args"].is_array());
        CHECK(j["root"]["path"] == "rootfs");
        CHECK(j["linux"]["namespaces"].is_array());
    }
    SECTION("--rootless adds a user namespace with mappings") {
        auto r = rt({"spec", "--rootless", "--bundle", dir});
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        auto j = json::parse(read_file(dir + "/config.json"));
        bool userns = false;
        for (auto& n : j["linux"]["namespaces"]) userns |= n["type"] == "user";
        CHECK(userns);
        CHECK(j["linux"]["uidMappings"].size() >= 1);
    }
}

TEST_CASE("features and --version", "[cli]") {
    SECTION("--version: version, commit, spec and libseccomp lines, runc's layout") {
        auto r = run_cmd({runtime_path(), "--version"});
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        auto lines = split_lines(trim(r.out));
        REQUIRE_FALSE(lines.empty());
        CHECK(lines[0].find(" version ") != std::string::npos);
        for (const char* prefix : {"commit: ", "spec: 1.", "libseccomp: 2."})
            CHECK(std::count_if(lines.begin(), lines.end(),
                                [&](const std::string& l) { return l.rfind(prefix, 0) == 0; }) == 1);
    }
    SECTION("features is JSON with ociVersionMin/Max") {
        auto r = rt({"features"});
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        auto j = json::parse(r.out);
        CHECK(j.contains("ociVersionMin"));
        CHECK(j.contains("ociVersionMax"));
    }
}

TEST_CASE("help in runc's shape: every spelling exits 0; an unknown verb does not", "[cli]") {
    auto has = [](const RunResult& r, const std::string& what) { return r.out.find(what) != std::string::npos; };
    for (std::vector<std::string> args : {std::vector<std::string>{"--help"}, {"-h"}, {"help"}}) {
        auto r = rt(args);
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        for (const char* section : {"NAME:", "USAGE:", "COMMANDS:", "GLOBAL OPTIONS:"}) CHECK(has(r, section));
        CHECK(has(r, "   kill "));
    }
    for (std::vector<std::string> args :
         {std::vector<std::string>{"help", "kill"}, {"kill", "--help"}, {"kill", "-h"}}) {
        auto r = rt(args);
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        for (const char* section : {"NAME:", "USAGE:", "OPTIONS:", "--all, -a"}) CHECK(has(r, section));
        if (runtime_is_cort()) CHECK(has(r, "DESCRIPTION:"));  // runc's kill help has none
    }
    auto bad = rt({"no-such-verb"});
    INFO(bad.describe());
    CHECK(bad.exit_code != 0);
    CHECK((bad.out + bad.err).find("no-such-verb") != std::string::npos);
}

TEST_CASE("create --no-pivot still runs the container in its rootfs", "[lifecycle][cli]") {
    Bundle b;
    b.set_args({"cat", "/etc/group"});
    std::string id = unique_id("nopivot");
    ContainerGuard g(id);
    auto r = run(b, id, {"--no-pivot"});
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == read_file(b.rootfs() + "/etc/group"));
}

TEST_CASE("--preserve-fds passes extra fds to the container", "[lifecycle][cli]") {
    Bundle b;
    write_file(b.path() + "/extra", "through-fd-3\n");
    b.set_args({"sh", "-c", "cat <&3"});
    std::string id = unique_id("preservefds");
    ContainerGuard g(id);
    // A shell opens fd 3 and execs the runtime with it, as a caller like containerd would.
    std::string cmd = "exec 3<'" + b.path() + "/extra'; exec '" + runtime_path() + "' --root '" +
                      state_root() + "' run --preserve-fds 1 --bundle '" + b.path() + "' " + id;
    auto r = run_cmd({"/bin/sh", "-c", cmd});
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "through-fd-3\n");
}

TEST_CASE("a missing state root and its parents are created (containerd shim --root)", "[lifecycle]") {
    // containerd-shim-runc-v2 passes --root /run/containerd/runc/<namespace> and never creates it.
    Bundle b;
    b.set_args({"true"});
    std::string id = unique_id("deeproot");
    std::string top = "/run/cort-itest-deep-" + std::to_string(::getpid());
    std::string root = top + "/runc/k8s.io";
    std::filesystem::remove_all(top);
    auto r = rt_global({"--root", root}, {"run", "--bundle", b.path(), id});
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(std::filesystem::is_directory(root));
    CHECK_FALSE(std::filesystem::exists(root + "/" + id));
    std::filesystem::remove_all(top);
}

TEST_CASE("run starts its container over the bootstrap channel: no exec.fifo; create makes one",
          "[lifecycle][cort-only]") {
    CORT_ONLY();
    // createRuntime runs on the host while the init waits to be started: it sees the state dir
    // as start will. `run` releases the init with a channel message instead of the fifo.
    for (std::string verb : {"run", "create"}) {
        Bundle b;
        std::string id = unique_id("fifo" + verb);
        std::string seen = b.path() + "/seen";
        add_hook(b.config, "createRuntime", {"sh", "-c", "ls -a " + state_root() + "/" + id + " > " + seen});
        b.config["hooks"]["createRuntime"].back()["path"] = "/bin/sh";
        b.save();
        ContainerGuard g(id);
        auto r = rt({verb, "--bundle", b.path(), id});
        INFO(verb << ": " << r.describe());
        REQUIRE(r.exit_code == 0);
        std::string listing = read_file(seen);
        INFO(listing);
        CHECK(listing.find("state.json") != std::string::npos);
        CHECK((listing.find("exec.fifo") != std::string::npos) == (verb == "create"));
        if (verb == "create") {
            REQUIRE(rt({"start", id}).exit_code == 0);
            rt({"delete", "--force", id});
        }
    }
}
