// Everything `create` needs, decided once in the parent from config.json and the command
// line. The bootstrap stages only read it (they get it by clone's copy of memory, never by
// re-parsing), so every check that can fail on bad input fails here, before any side effect.
#pragma once
#include <sys/resource.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cgroups/manager.hpp"
#include "lc/error.hpp"
#include "specs/runtime_spec.hpp"

namespace lc::rootfs {
struct RootfsPlan;
}
namespace lc::security {
struct ProcessSecurityPlan;
}

namespace lc {

struct CreateOptions {
    std::string id;
    std::string bundle;  // absolute
    std::string state_root;
    std::string pid_file;
    std::string console_socket;
    bool no_pivot = false;
    bool no_new_keyring = false;
    unsigned preserve_fds = 0;
    // Socket activation (runc's rule): LISTEN_FDS fds from 3 are passed before the
    // --preserve-fds ones, and the init gets LISTEN_FDS=n, LISTEN_PID=1.
    unsigned listen_fds = 0;
    // NOTIFY_SOCKET of the caller: the container gets a socket of its own (docs/cli.md).
    std::string notify_socket;
    bool systemd_cgroup = false;
    // Foreground `run` only: called when config.json asks for a terminal and no console
    // socket was given; returns the socket to use. Saves `run` reading config.json twice.
    std::function<Result<std::string>()> terminal_socket;
    // `run`: the same process starts the container, so the init waits for Start on the
    // bootstrap channel instead of on exec.fifo (no fifo to make, open, write and unlink).
    bool start_over_channel = false;
};

struct NamespaceJoin {
    int flag = 0;  // CLONE_NEW*
    std::string type;
    std::string path;
};

struct RlimitEntry {
    int resource = 0;
    rlimit limit{};
};

struct Plan {
    specs::Spec spec;
    CreateOptions opts;
    std::string rootfs;  // absolute

    // Namespaces to create (CLONE_NEW* bits, user/time/cgroup included) and to join.
    unsigned long new_ns = 0;
    std::vector<NamespaceJoin> joins;
    bool has_pid_ns = false;    // new or joined
    bool has_mount_ns = false;  // new or joined
    // A separate stage-1 process is needed to enter a user namespace (maps written by the
    // parent), join a pid namespace, or create a time namespace (offsets before the fork).
    bool needs_stage1 = false;
    // Not root on the host (euid != 0): id maps beyond our own ids go through
    // newuidmap/newgidmap, no idmapped mounts, cgroups only where writable.
    bool rootless = false;

    std::shared_ptr<const rootfs::RootfsPlan> rootfs_plan;
    std::shared_ptr<const security::ProcessSecurityPlan> security_plan;
    cgroups::CgroupConfig cgroup;

    std::vector<RlimitEntry> rlimits;
    std::vector<std::string> env;
    bool has_runtime_hooks = false;  // prestart/createRuntime: the init must pause for them
};

Result<Plan> build_plan(specs::Spec spec, const CreateOptions& opts);

// "RLIMIT_NOFILE" -> RLIMIT_NOFILE; -1 when unknown.
int rlimit_from_name(std::string_view name);
// "network" -> CLONE_NEWNET; 0 when unknown.
int namespace_flag(std::string_view type);

}  // namespace lc
