// Getting the container's cgroup into a state a process can join and be limited in:
// v2 controller delegation down the ancestors (never through a cgroup that holds
// processes), v1 cpuset inheritance down the ancestors, and the checks that refuse a
// placement that cannot work (a frozen cgroup, a "domain invalid" one) before any process
// is started, with errors that name linux.cgroupsPath.
#pragma once
#include <string>
#include <vector>

#include "lc/error.hpp"

namespace lc::cgroups {

// v1 cpuset: every cgroup from below `mount` down to `path` whose cpuset.cpus or
// cpuset.mems is empty gets its parent's value, top down (runc's cpuset ensureParent). A
// pre-existing ancestor left empty (a pod cgroup made by an engine) is filled too: no task
// can join a cpuset cgroup with no cpus or mems (ENOSPC).
Result<void> fill_cpuset_chain(const std::string& mount, const std::string& path);

// v2: enable `controllers` in cgroup.subtree_control of every ancestor of `path` below
// and including `mount`, skipping any (but the root) that holds processes: enabling a
// domain controller there fails (EBUSY), and enabling a threaded one (cpu, cpuset, pids)
// succeeds but makes it a thread root, so that every new child is "domain invalid" and
// refuses processes (EOPNOTSUPP, issue 15). A controller that then cannot reach the
// container is reported by set() (missing_controller_reason).
void enable_v2_controllers(const std::string& mount, const std::string& path,
                           const std::vector<std::string>& controllers);

// v2: refuses a cgroup no process can join ("domain invalid"), naming linux.cgroupsPath.
Result<void> check_v2_joinable(const std::string& path);

// v2: why `controller` is not in path's cgroup.controllers, for an error message.
std::string missing_controller_reason(const std::string& mount, const std::string& path,
                                      const std::string& controller);

// The nearest frozen cgroup among `path` and its existing ancestors below `mount`, or
// an error naming linux.cgroupsPath (runc: "container's cgroup unexpectedly frozen"). A
// process that joins a frozen cgroup stops at once, and create would wait for it forever.
Result<void> refuse_frozen(const std::string& mount, const std::string& path, bool v2);

// Whether a v2 cgroup directory has processes of its own (cgroup.procs is not empty).
bool has_processes(const std::string& dir);

}  // namespace lc::cgroups
