// Helpers shared by test_exec*.cpp and test_tty*.cpp (kept out of harness.hpp, which has
// its own owner).
#pragma once
#include "harness.hpp"

#include <string>
#include <vector>

namespace itest {

// A started container running `sleep 100000` (a long sleep: the test deletes it).
struct RunningContainer {
    Bundle bundle;
    ContainerGuard guard;
    pid_t init_pid = 0;
    std::string cgroup_dir;  // found while the init lives: checks still work after it died
    explicit RunningContainer(const std::string& prefix, bool start = true);
    std::vector<pid_t> pids() const;  // the container cgroup's processes
};

// `<runtime> --root R exec <args...>`
RunResult exec_in(const std::vector<std::string>& args, const RunOptions& opts = {});

// Runs a shell command line (argv of /bin/sh -c) whose `$RT` is the runtime with --root,
// for tests that need extra fds or redirections around the runtime.
RunResult sh_with_rt(const std::string& script, const RunOptions& opts = {});

// Builds tests/tools/<name>.c statically (once per run) and returns the binary's path.
std::string test_tool(const std::string& name);

// The host's view of /proc/<pid>/ns/<type> ("mnt:[4026...]").
std::string ns_of(pid_t pid, const std::string& type);

// The init's cgroup directory (v1 pids controller, or the unified hierarchy).
std::string cgroup_dir_of(pid_t init_pid);
std::vector<pid_t> pids_in(const std::string& cgroup_dir);

}  // namespace itest
