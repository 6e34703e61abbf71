// The container's cgroup, whatever the host layout (v1, v2, hybrid). Built once in the
// parent from the spec; later commands rebuild it from the JSON saved in state.json, so
// no command but create ever reads /proc/self/mountinfo for cgroups.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cgroups/stats.hpp"
#include "lc/error.hpp"
#include "specs/runtime_spec.hpp"

namespace lc::cgroups {

enum class Layout { Unified, Legacy, Hybrid };
struct SubCgroups;  // cgroups/sub_cgroup.hpp

// What the container sees under its `cgroup` mount (rootfs code consumes this).
struct CgroupMountSource {
    std::string name;       // subdirectory under the mount: "memory", "cpu,cpuacct", "systemd", "unified"
    std::string host_path;  // the container's cgroup directory on the host
    bool v2 = false;        // a cgroup2 hierarchy
    std::vector<std::string> aliases;  // symlinks for co-mounted controllers: "cpu" -> "cpu,cpuacct"
};

struct CgroupConfig {
    std::string id;
    std::optional<std::string> cgroups_path;  // linux.cgroupsPath (absolute or relative)
    bool systemd = false;                     // --systemd-cgroup: an error until a driver exists
    bool rootless = false;
};

class Manager {
public:
    virtual ~Manager() = default;
    virtual Layout layout() const = 0;
    // mkdir the container's cgroup in every hierarchy (idempotent), set up cpuset and the
    // default device rules.
    virtual Result<void> create() = 0;
    // Refuses a container cgroup (or its nearest existing ancestor) that is frozen, before
    // anything is created: a process started in it would stop at once (runc's check).
    virtual Result<void> check_not_frozen() = 0;
    // Move a process in (every hierarchy).
    virtual Result<void> apply(pid_t pid) = 0;
    // exec --cgroup: the directories (one per hierarchy) a process joins instead of the
    // container's cgroup. Checks names and ".." only; whether they exist is the caller's.
    virtual Result<std::vector<std::string>> sub_cgroup_dirs(const SubCgroups& sub) const = 0;
    // Write linux.resources. Errors name the field and the file.
    virtual Result<void> set(const specs::LinuxResources& r) = 0;
    virtual Result<void> freeze(bool frozen) = 0;
    virtual Result<bool> is_frozen() = 0;
    // Signal every process in the cgroup (cgroup.kill for SIGKILL on v2 when present).
    virtual Result<void> kill_all(int sig) = 0;
    virtual Result<std::vector<pid_t>> pids() = 0;
    virtual Result<uint64_t> oom_kill_count() = 0;
    // Usage statistics (events --stats), each controller read where it is hosted.
    virtual Result<Stats> stats() = 0;
    // A pollable fd that signals OOM in the container's memory cgroup (events).
    virtual Result<OomWatch> watch_oom() = 0;
    // rmdir every directory create() made, retrying while the last processes exit.
    // Missing directories are not an error.
    virtual Result<void> destroy() = 0;
    // After a failed create: removes what create() made (the container's directories and the
    // ancestors it had to make), never a directory that was there before: a cgroupsPath the
    // user made stays, only emptied of the processes the failed create put there.
    virtual Result<void> undo_create() = 0;
    // Saved in state.json; load_manager() rebuilds the manager from it.
    virtual std::string to_json() const = 0;
    virtual std::vector<CgroupMountSource> mount_sources() const = 0;
};

// Detects the layout (statfs /sys/fs/cgroup, /proc/self/cgroup) and computes the paths.
// Creates nothing.
Result<std::unique_ptr<Manager>> make_manager(const CgroupConfig& cfg);
Result<std::unique_ptr<Manager>> load_manager(std::string_view saved_json);

}  // namespace lc::cgroups
