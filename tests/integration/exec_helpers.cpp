#include "exec_helpers.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>

namespace itest {

RunningContainer::RunningContainer(const std::string& prefix, bool start) : guard(unique_id(prefix)) {
    bundle.set_args({"sleep", "100000"});
    auto c = create(bundle, guard.id());
    REQUIRE(c.exit_code == 0);
    if (start) REQUIRE(rt({"start", guard.id()}).exit_code == 0);
    auto st = state_of(guard.id());
    REQUIRE(st);
    init_pid = (*st)["pid"].get<pid_t>();
    REQUIRE(init_pid > 0);
    cgroup_dir = cgroup_dir_of(init_pid);
    REQUIRE_FALSE(cgroup_dir.empty());
}

std::vector<pid_t> RunningContainer::pids() const { return pids_in(cgroup_dir); }

RunResult exec_in(const std::vector<std::string>& args, const RunOptions& opts) {
    std::vector<std::string> a{"exec"};
    a.insert(a.end(), args.begin(), args.end());
    return rt(a, opts);
}

RunResult sh_with_rt(const std::string& script, const RunOptions& opts) {
    std::string rtcmd = runtime_path() + " --root " + state_root();
    return run_cmd({"/bin/sh", "-c", "RT='" + rtcmd + "'; " + script}, opts);
}

namespace {
// Built tools live for the run only: removed when the test binary exits.
struct ToolCache {
    std::map<std::string, std::string> paths;
    ~ToolCache() {
        for (const auto& [n, p] : paths) ::unlink(p.c_str());
    }
};
}  // namespace

std::string test_tool(const std::string& name) {
    static ToolCache cache;
    auto& built = cache.paths;
    auto it = built.find(name);
    if (it != built.end()) return it->second;
    std::string out = "/tmp/cort-itest-tool-" + std::to_string(::getpid()) + "-" + name;
    std::string src = std::string(CORT_SOURCE_DIR) + "/tests/tools/" + name + ".c";
    auto r = run_cmd({"/bin/sh", "-c", "cc -static -O1 -o '" + out + "' '" + src + "' || gcc -O1 -o '" + out + "' '" + src + "'"});
    REQUIRE(r.exit_code == 0);
    built[name] = out;
    return out;
}

std::string ns_of(pid_t pid, const std::string& type) {
    char buf[256];
    std::string p = "/proc/" + std::to_string(pid) + "/ns/" + type;
    ssize_t n = ::readlink(p.c_str(), buf, sizeof buf - 1);
    if (n < 0) return "";
    return std::string(buf, static_cast<size_t>(n));
}

std::string cgroup_dir_of(pid_t init_pid) {
    // The init's pids-controller (v1) or unified path, from its /proc/<pid>/cgroup.
    std::ifstream f("/proc/" + std::to_string(init_pid) + "/cgroup");
    std::string line, dir;
    while (std::getline(f, line)) {
        auto c1 = line.find(':'), c2 = line.find(':', c1 + 1);
        std::string ctrl = line.substr(c1 + 1, c2 - c1 - 1), path = line.substr(c2 + 1);
        if (ctrl == "pids") dir = "/sys/fs/cgroup/pids" + path;
        else if (ctrl.empty() && dir.empty())
            dir = (::access("/sys/fs/cgroup/cgroup.procs", F_OK) == 0 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified") + path;
    }
    return dir;
}

std::vector<pid_t> pids_in(const std::string& dir) {
    std::vector<pid_t> out;
    std::ifstream procs(dir + "/cgroup.procs");
    pid_t p;
    while (procs >> p) out.push_back(p);
    return out;
}

}  // namespace itest
