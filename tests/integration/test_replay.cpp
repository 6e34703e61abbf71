// Replays the exact calls conmon and containerd-shim make, with their global flags, against
// cort and against Debian's runc (/usr/sbin/runc) in the same test, and compares what an
// engine can observe: exit codes, the pid files and the JSON log written, and the state
// afterwards. Each runtime gets its own bundle and a private --root (never /run/containerd).
//
// A step's transcript line is built from observations only (no pids, no times), so the two
// transcripts must be equal line by line. Known, documented differences are listed in
// docs/cli.md ("Differences from runc") and checked separately at the end.
#include "exec_helpers.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

using namespace itest;
namespace fs = std::filesystem;

namespace {

const char* kRunc = "/usr/sbin/runc";

struct Runtime {
    std::string name;    // "cort" or "runc"
    std::string bin;
    std::string root;    // private --root
    std::vector<std::string> global;  // the engine's global flags (after --root)
};

// One runtime replaying one engine's sequence on its own bundle.
class Replay {
public:
    Replay(Runtime rt, const std::string& prefix) : rt_(std::move(rt)), id_(unique_id(prefix + "-" + rt_.name)) {
        bundle_.set_args({"sleep", "100000"});
    }
    ~Replay() {
        (void)call({"delete", "--force", id_});
        for (const auto& extra : extra_ids_) (void)call({"delete", "--force", extra});
        for (pid_t p : helpers_) {
            ::kill(p, SIGKILL);
            ::waitpid(p, nullptr, 0);
        }
    }
    Replay(const Replay&) = delete;
    Replay& operator=(const Replay&) = delete;

    const std::string& id() const { return id_; }
    std::string path(const std::string& name) const { return bundle_.path() + "/" + name; }
    Bundle& bundle() { return bundle_; }
    void own_helper(pid_t p) { helpers_.push_back(p); }

    // `<bin> --root R <engine flags> args...`; with `fd3`, fd 3 is open (on /dev/null).
    RunResult call(const std::vector<std::string>& args, bool fd3 = false, bool engine_flags = true) {
        std::vector<std::string> argv;
        if (fd3) argv = {"/bin/sh", "-c", "exec 3</dev/null; exec \"$@\"", "sh"};
        argv.push_back(rt_.bin);
        argv.push_back("--root");
        argv.push_back(rt_.root);
        if (engine_flags) argv.insert(argv.end(), rt_.global.begin(), rt_.global.end());
        argv.insert(argv.end(), args.begin(), args.end());
        RunOptions o;
        o.cwd = bundle_.path();
        o.timeout_ms = 30000;
        return run_cmd(argv, o);
    }

    std::string status() {
        // We are the subreaper of every detached process (as conmon and the shim are): a
        // dying pid-namespace init waits until its exec'd zombies are reaped.
        reap_orphans();
        // Without the engine's --log: only the replayed calls write to it.
        auto r = call({"state", id_}, false, false);
        if (r.exit_code != 0) return "gone";
        try {
            return json::parse(r.out).at("status").get<std::string>();
        } catch (...) {
            return "bad-state-json";
        }
    }

    // Polls until the status is `want` (bounded: a safety net, not a timing assertion).
    std::string status_becomes(const std::string& want) {
        std::string s;
        for (int i = 0; i < 400; i++) {
            s = status();
            if (s == want) break;
            ::usleep(10000);
        }
        return s;
    }

    // "step rc=N status=S log=[...]" plus what the step wrote.
    // Call the runtime first, then observe: argument evaluation order is unspecified, so
    // callers pass the observation as a callable.
    template <class Status>
    std::string step(const std::string& name, const RunResult& r, Status&& status_fn, const std::string& extra = "") {
        std::string status_after = status_fn();
        return record(name, r, status_after, extra);
    }
    std::string record(const std::string& name, const RunResult& r, const std::string& status_after,
                       const std::string& extra = "") {
        std::string s = name + ": rc=" + std::to_string(r.exit_code) + " status=" + status_after +
                        " log=" + log_delta();
        if (!extra.empty()) s += " " + extra;
        transcript.push_back(s);
        if (std::getenv("CORT_REPLAY_TRACE")) std::fprintf(stderr, "[%s] %s  | %s\n", rt_.name.c_str(), s.c_str(), trim(r.err).c_str());
        last_ = r;
        return s;
    }

    // What a pid file looks like: digits only, no newline, mode, and whether that pid lives.
    static std::string pid_file_shape(const std::string& f) {
        struct stat st;
        if (::stat(f.c_str(), &st) != 0) return "pidfile=absent";
        std::string c = read_file(f);
        bool digits = !c.empty() && std::all_of(c.begin(), c.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
        char mode[8];
        std::snprintf(mode, sizeof mode, "%o", st.st_mode & 0777);
        std::string s = std::string("pidfile=") + (digits ? "digits" : "other:" + c) + ",mode=" + mode;
        if (digits) s += pid_alive(std::stoi(c)) ? ",alive" : ",dead";
        return s;
    }
    static pid_t pid_in(const std::string& f) {
        try {
            return std::stoi(read_file(f));
        } catch (...) {
            return 0;
        }
    }

    std::vector<std::string> transcript;
    const RunResult& last() const { return last_; }
    void add_id(const std::string& id) { extra_ids_.push_back(id); }

private:
    // The new lines of the JSON log since the last step: their levels and key sets; a line
    // that is not a JSON object shows as "not-json".
    std::string log_delta() {
        std::string log_file;
        for (size_t i = 0; i + 1 < rt_.global.size(); i++)
            if (rt_.global[i] == "--log") log_file = rt_.global[i + 1];
        for (const auto& g : rt_.global)
            if (g.rfind("--log=", 0) == 0) log_file = g.substr(6);
        auto lines = split_lines(fs::exists(log_file) ? read_file(log_file) : "");
        std::string out = "[";
        std::string last;
        for (size_t i = log_lines_seen_; i < lines.size(); i++) {
            if (lines[i].empty()) continue;
            std::string shape;
            try {
                auto j = json::parse(lines[i]);
                std::set<std::string> keys;
                for (auto& [k, v] : j.items()) keys.insert(k);
                shape = j.value("level", "?") + "{";
                for (const auto& k : keys) shape += k + ",";
                shape += "}";
            } catch (...) {
                shape = "not-json";
            }
            // Debug and info lines are chatter that differs between runtimes; warnings,
            // errors and malformed lines are what an engine reacts to.
            // runc adds "fatal" lines from its exec'd child before the final error: engines
            // read the last line, so that is what is compared.
            if (shape.rfind("debug", 0) == 0 || shape.rfind("info", 0) == 0) continue;
            last = shape;
        }
        log_lines_seen_ = lines.size();
        return out + last + "]";
    }

    Runtime rt_;
    Bundle bundle_;
    std::string id_;
    RunResult last_;
    size_t log_lines_seen_ = 0;
    std::vector<pid_t> helpers_;
    std::vector<std::string> extra_ids_;
};

json process_json(bool terminal) {
    return {{"terminal", terminal},
            {"args", {"sleep", "100000"}},
            {"env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
            {"cwd", "/"},
            {"user", {{"uid", 0}, {"gid", 0}}}};
}

// recvtty on <bundle>/S.sock, as the engine's console-socket receiver.
std::string start_receiver(Replay& r, const std::string& name) {
    std::string sock = r.path(name + ".sock");
    write_file(r.path(name + ".in"), "");
    pid_t p = spawn({"/bin/sh", "-c",
                     "exec '" + test_tool("recvtty") + "' '" + sock + "' '" + r.path(name + ".in") + "' '" +
                         r.path(name + ".out") + "' > '" + r.path(name + ".log") + "'"});
    r.own_helper(p);
    struct stat st;
    for (int i = 0; i < 5000 && ::stat(sock.c_str(), &st) != 0; i++) ::usleep(1000);
    return sock;
}

std::string has_fd3(pid_t pid) {
    return std::string("fd3=") + (fs::exists("/proc/" + std::to_string(pid) + "/fd/3") ? "yes" : "no");
}

std::string pids_max_of(pid_t init) {
    std::string dir = cgroup_dir_of(init);
    if (dir.empty() || dir.find("/pids") == std::string::npos) return "pids.max=?";
    return "pids.max=" + trim(read_file(dir + "/pids.max"));
}

// `create` as both engines call it: --pid-file, and with a terminal the config says so and
// a receiver named "ctr" serves the console socket.
std::vector<std::string> create_args(Replay& r, bool tty, const std::string& pid_file) {
    std::vector<std::string> create{"create", "--bundle", r.bundle().path(), "--pid-file", r.path(pid_file)};
    if (tty) {
        r.bundle().config["process"]["terminal"] = true;
        r.bundle().save();
        create.push_back("--console-socket");
        create.push_back(start_receiver(r, "ctr"));
    }
    create.push_back(r.id());
    return create;
}

// conmon (podman): every call prefixed with --log-format=json --log FILE.
void replay_conmon(Replay& r, bool tty) {
    const std::string& id = r.id();
    write_file(r.path("p.json"), process_json(false).dump());
    write_file(r.path("ptty.json"), process_json(true).dump());
    write_file(r.path("res.json"), R"({"pids":{"limit":123}})");

    auto c = r.call(create_args(r, tty, "ctr.pid"));
    r.step("create", c, [&] { return r.status(); }, Replay::pid_file_shape(r.path("ctr.pid")));
    pid_t init = Replay::pid_in(r.path("ctr.pid"));
    r.step("start", r.call({"start", id}), [&] { return r.status_becomes("running"); });

    auto e = r.call({"exec", "--pid-file", r.path("e1.pid"), "--process", r.path("p.json"), "--detach", id});
    r.step("exec --detach", e, [&] { return r.status(); }, Replay::pid_file_shape(r.path("e1.pid")));

    std::string sock = start_receiver(r, "e2");
    e = r.call({"exec", "--pid-file", r.path("e2.pid"), "--process", r.path("ptty.json"), "--detach", "--tty",
                "--console-socket", sock, id});
    r.step("exec --tty --console-socket", e, [&] { return r.status(); }, Replay::pid_file_shape(r.path("e2.pid")));

    e = r.call({"exec", "--pid-file", r.path("e3.pid"), "--process", r.path("p.json"), "--detach", "--preserve-fds",
                "1", id},
               /*fd3=*/true);
    r.step("exec --preserve-fds 1", e, [&] { return r.status(); },
           Replay::pid_file_shape(r.path("e3.pid")) + " " + has_fd3(Replay::pid_in(r.path("e3.pid"))));

    auto u = r.call({"update", "--resources=" + r.path("res.json"), id});
    r.step("update --resources", u, [&] { return r.status(); }, pids_max_of(init));

    r.step("pause", r.call({"pause", id}), [&] { return r.status(); });
    e = r.call({"exec", "--pid-file", r.path("e4.pid"), "--process", r.path("p.json"), "--detach", id});
    r.step("exec into paused", e, [&] { return r.status(); }, Replay::pid_file_shape(r.path("e4.pid")));
    r.step("resume", r.call({"resume", id}), [&] { return r.status(); });

    r.step("kill 15", r.call({"kill", id, "15"}), [&] { return r.status(); });
    r.step("kill 9", r.call({"kill", id, "9"}), [&] { return r.status_becomes("stopped"); });
    r.step("kill 9 (stopped)", r.call({"kill", id, "9"}), [&] { return r.status(); });
    r.step("exec into stopped", r.call({"exec", "--process", r.path("p.json"), "--detach", id}), [&] { return r.status(); });
    r.step("delete --force", r.call({"delete", "--force", id}), [&] { return r.status(); });
    r.step("delete --force (gone)", r.call({"delete", "--force", id}), [&] { return r.status(); });
    r.step("exec into missing", r.call({"exec", "--process", r.path("p.json"), "--detach", id}), [&] { return r.status(); });
    r.step("pause missing", r.call({"pause", id}), [&] { return r.status(); });

    // kill --all on a second container with an exec'd process.
    std::string id2 = id + "-all";
    r.add_id(id2);
    std::vector<std::string> create2{"create", "--bundle", r.bundle().path(), "--pid-file", r.path("ctr2.pid")};
    if (tty) {
        create2.push_back("--console-socket");
        create2.push_back(start_receiver(r, "ctr2"));
    }
    create2.push_back(id2);
    r.call(create2);
    r.call({"start", id2});
    r.call({"exec", "--pid-file", r.path("e5.pid"), "--process", r.path("p.json"), "--detach", id2});
    pid_t e5 = Replay::pid_in(r.path("e5.pid"));
    auto k = r.call({"kill", "--all", id2, "9"});
    std::string st;
    for (int i = 0; i < 400; i++) {
        reap_orphans();
        auto s2 = r.call({"state", id2}, false, false);
        st = s2.exit_code == 0 ? json::parse(s2.out).value("status", "") : "gone";
        if (st == "stopped" && !pid_alive(e5)) break;
        ::usleep(10000);
    }
    r.record("kill --all 9", k, st, std::string("exec'd=") + (pid_alive(e5) ? "alive" : "dead"));
    r.step("delete --force (all)", r.call({"delete", "--force", id2}), [&] { return r.status(); });

    auto v = r.call({"--version"});
    r.record("--version", v, "-", "first-word-is-version=" + std::to_string(v.out.find(" version ") != std::string::npos));
}

// containerd-shim (runc v2 shim): --root R --log B/log.json --log-format json.
void replay_shim(Replay& r, bool tty) {
    const std::string& id = r.id();
    auto c = r.call(create_args(r, tty, "init.pid"));
    r.step("create", c, [&] { return r.status(); }, Replay::pid_file_shape(r.path("init.pid")));
    r.step("start", r.call({"start", id}), [&] { return r.status_becomes("running"); });

    write_file(r.path("p.json"), process_json(false).dump());
    auto e = r.call({"exec", "--process", r.path("p.json"), "--detach", "--pid-file", r.path("e1.pid"), id});
    r.step("exec", e, [&] { return r.status(); }, Replay::pid_file_shape(r.path("e1.pid")));
    write_file(r.path("ptty.json"), process_json(true).dump());
    std::string sock = start_receiver(r, "e2");
    e = r.call({"exec", "--process", r.path("ptty.json"), "--console-socket", sock, "--detach", "--pid-file",
                r.path("e2.pid"), id});
    r.step("exec terminal", e, [&] { return r.status(); }, Replay::pid_file_shape(r.path("e2.pid")));

    auto ps = r.call({"ps", "--format", "json", id});
    std::string shape = "ps=";
    try {
        auto j = json::parse(ps.out);
        bool ints = j.is_array() && std::all_of(j.begin(), j.end(), [](const json& x) { return x.is_number_integer(); });
        shape += std::string(ints ? "int-array" : "other") + ",n=" + std::to_string(j.size());
    } catch (...) {
        shape += "not-json:" + ps.out;
    }
    r.step("ps --format json", ps, [&] { return r.status(); }, shape);

    r.step("pause", r.call({"pause", id}), [&] { return r.status(); });
    r.step("ps (paused)", r.call({"ps", "--format", "json", id}), [&] { return r.status(); });
    r.step("resume", r.call({"resume", id}), [&] { return r.status(); });
    r.step("delete (running)", r.call({"delete", id}), [&] { return r.status(); });
    r.step("kill 15", r.call({"kill", id, "15"}), [&] { return r.status(); });
    pid_t e1 = Replay::pid_in(r.path("e1.pid"));
    auto k = r.call({"kill", "--all", id, "9"});
    std::string st = r.status_becomes("stopped");
    for (int i = 0; i < 400 && pid_alive(e1); i++) ::usleep(10000);
    r.record("kill --all 9", k, st, std::string("exec'd=") + (pid_alive(e1) ? "alive" : "dead"));
    r.step("kill 9 (stopped)", r.call({"kill", id, "9"}), [&] { return r.status(); });
    r.step("delete", r.call({"delete", id}), [&] { return r.status(); });
    r.step("delete --force (gone)", r.call({"delete", "--force", id}), [&] { return r.status(); });
    r.step("delete (gone)", r.call({"delete", id}), [&] { return r.status(); });
    r.record("state (gone)", r.call({"state", id}), "-");
}

Runtime make_runtime(const std::string& name, const std::string& bin, const std::string& log_of_bundle_or_file,
                     bool shim) {
    Runtime rt;
    rt.name = name;
    rt.bin = bin;
    rt.root = state_root() + "-replay-" + name;
    fs::create_directories(rt.root);
    if (shim) rt.global = {"--log", log_of_bundle_or_file, "--log-format", "json"};
    else rt.global = {"--log-format=json", "--log", log_of_bundle_or_file};
    return rt;
}

void compare(const std::vector<std::string>& cort, const std::vector<std::string>& runc) {
    for (size_t i = 0; i < std::max(cort.size(), runc.size()); i++) {
        std::string a = i < cort.size() ? cort[i] : "(missing)";
        std::string b = i < runc.size() ? runc[i] : "(missing)";
        INFO("cort: " << a << "\nrunc: " << b);
        CHECK(a == b);
    }
}

template <class Fn>
void replay_both(const std::string& prefix, bool shim, Fn&& sequence) {
    CORT_ONLY();
    if (!fs::exists(kRunc)) {
        WARN("skipped: " << kRunc << " is not installed");
        return;
    }
    std::vector<std::string> out[2];
    const std::pair<std::string, std::string> rts[2] = {{"cort", runtime_path()}, {"runc", kRunc}};
    for (int i = 0; i < 2; i++) {
        // The log file sits in the bundle (shim) or next to it (conmon's userdata dir): a
        // temp dir that outlives the Replay's bundle is not needed, the bundle is enough.
        std::string tmp = "/tmp/cort-replay-" + std::to_string(::getpid()) + "-" + rts[i].first + "-" + prefix + ".log";
        fs::remove(tmp);
        Runtime rt = make_runtime(rts[i].first, rts[i].second, tmp, shim);
        {
            Replay r(rt, prefix);
            sequence(r);
            out[i] = r.transcript;
        }
        fs::remove(tmp);
        reap_orphans();
    }
    compare(out[0], out[1]);
}

}  // namespace

TEST_CASE("replay: conmon's calls behave as with runc", "[replay]") {
    replay_both("cm", false, [](Replay& r) { replay_conmon(r, false); });
}

TEST_CASE("replay: conmon's calls with a terminal behave as with runc", "[replay][tty]") {
    replay_both("cmt", false, [](Replay& r) { replay_conmon(r, true); });
}

TEST_CASE("replay: containerd-shim's calls behave as with runc", "[replay]") {
    replay_both("shim", true, [](Replay& r) { replay_shim(r, false); });
}

TEST_CASE("replay: containerd-shim's calls with a terminal behave as with runc", "[replay][tty]") {
    replay_both("shimt", true, [](Replay& r) { replay_shim(r, true); });
}
