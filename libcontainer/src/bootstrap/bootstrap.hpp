// The two-stage bootstrap (docs/bootstrap-protocol.md). The parent is the `create`
// process; stage 1 exists only when a user namespace, a pid-namespace join or a time
// namespace needs a process in between; stage 2 is the container init.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

#include "bootstrap/channel.hpp"
#include "cgroups/manager.hpp"
#include "lc/error.hpp"
#include "plan/plan.hpp"

namespace lc::bootstrap {

// What the children read. It lives in the parent's memory and reaches the children through
// clone's copy, so nothing is serialized and nothing is parsed after the fork.
struct ChildContext {
    const Plan* plan = nullptr;
    pid_t parent_pid = 0;
    int channel_fd = -1;       // the children's end of the socketpair
    int parent_channel_fd = -1;  // the parent's end: the first child closes its copy at once,
                                 // or it would never see EOF when the parent dies before
                                 // the death signal is set
    int fifo_fd = -1;          // read end of exec.fifo; the init waits on it for `start`
    int fifo_writer_fd = -1;   // a write end the init holds while it waits (init.cpp)
    int lock_fd = -1;          // the state lock: flock follows the open file, so a child
                               // holding a copy would keep `start` waiting forever
    int console_fd = -1;       // connected --console-socket when process.terminal (console.hpp)
    std::vector<int> ns_fds;   // one per plan->joins entry, opened before any setns
    std::vector<cgroups::CgroupMountSource> cgroup_mounts;
    std::vector<int> idmapped_fds;  // per mounts[] index, -1 unless idmapped or host_tree (idmap.cpp)
};

// Stage entry points never return: they end in execve or _exit, so no destructor of the
// parent's stack ever runs twice.
[[noreturn]] void run_stage1(const ChildContext& ctx) noexcept;
[[noreturn]] void run_init(const ChildContext& ctx, bool joins_done) noexcept;

// Writes /proc/<pid>/{setgroups,uid_map,gid_map} for a child that unshared CLONE_NEWUSER.
Result<void> write_id_maps(pid_t pid, const specs::Linux& linux, bool deny_setgroups);
// The parent's side of UsermapReq. Root writes the maps itself; rootless writes a map of
// only its own id itself (setgroups "deny" first for gid_map) and leaves anything wider
// to newuidmap/newgidmap, whose refusal is reported naming /etc/subuid or /etc/subgid.
Result<void> write_user_maps(pid_t pid, const specs::Linux& linux, bool rootless);

// For each idmapped mount of the plan, a detached tree (open_tree + mount_setattr with
// MOUNT_ATTR_IDMAP) made here in the host's namespaces, where we hold CAP_SYS_ADMIN over
// the source's filesystem; for each plain bind in a container user namespace (host_tree),
// a clone of the source, looked up here where the container's root may not reach it;
// indexed by mounts[] position, empty fds elsewhere.
Result<std::vector<UniqueFd>> prepare_idmapped_mounts(const rootfs::RootfsPlan& plan);

}  // namespace lc::bootstrap
