// `exec`: start one more process in a running (or created) container.
//
// Parent (the `cort exec` process):
//   load state, refuse stopped/paused, build the process (the --process JSON, or the
//   container's config.json copy overridden by flags, like runc), plan its security,
//   open every /proc/<init>/ns/* of the container and re-check the init's start time,
//   connect the console socket, clone stage 1 and move it into the container's cgroup
//   (or, with --cgroup, into existing sub-cgroups of it, checked before the clone).
// Stage 1 "cort:[1:EXEC]": joins the namespaces (non-user first, the user namespace,
//   then those that needed its capabilities), forks the process with CLONE_PARENT (a
//   joined pid/time namespace applies to children only), reports its pid, exits.
// Stage 2 "cort:[2:EXEC]": waits for Go, setsid, terminal, rlimits, LSM/caps/user
//   switch, cwd, env, seccomp, marks fds >= 3+preserve_fds CLOEXEC and execs. The channel
//   is CLOEXEC: EOF without an Error message means the execve succeeded.
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "lc/error.hpp"
#include "lc/fd.hpp"
#include "specs/runtime_spec.hpp"

namespace lc {

struct ExecOptions {
    std::string id;
    std::string state_root;
    std::string process_file;  // --process: the whole process; other process flags are ignored (runc)
    std::vector<std::string> args;
    std::string cwd;
    std::vector<std::string> env;          // appended to config.json's
    std::string user;                      // "uid[:gid]"
    std::vector<uint32_t> additional_gids;
    std::vector<std::string> caps;         // added to every set
    std::optional<bool> no_new_privs;
    std::optional<bool> tty;
    std::string apparmor, process_label;
    bool detach = false;
    bool ignore_paused = false;
    std::string pid_file;
    std::string console_socket;
    unsigned preserve_fds = 0;
    std::vector<std::string> cgroups;  // --cgroup, as given: "PATH" or "CTRL[,CTRL]:PATH"
};

struct ExecStarted {
    pid_t pid = 0;       // host pid; a child of the caller
    UniqueFd pty_master; // set when a foreground terminal is to be proxied by the caller
};

// The process `exec` would run (exposed for tests and `exec --help` docs).
Result<specs::Process> build_exec_process(const ExecOptions& o, const specs::Spec& config);

// Starts the process; returns once it has exec'd (or reports why it could not). Errors
// leave no process behind.
Result<ExecStarted> exec_process(const ExecOptions& o);

}  // namespace lc
