// What the parents of bootstrap stages (create, exec) share about their children.
#pragma once
#include <sys/types.h>

#include <vector>

#include "cgroups/manager.hpp"
#include "lc/error.hpp"
#include "plan/plan.hpp"
#include "specs/oci_state.hpp"

namespace lc::bootstrap {

// SIGKILLs and reaps its processes unless released (crun's cleanup_pid): a failed create or
// exec leaves no process behind.
class ChildReaper {
public:
    ChildReaper() = default;
    ChildReaper(const ChildReaper&) = delete;
    ChildReaper& operator=(const ChildReaper&) = delete;
    void add(pid_t p) { pids_.push_back(p); }
    void forget(pid_t p) { std::erase(pids_, p); }
    void release() { pids_.clear(); }
    ~ChildReaper();

private:
    std::vector<pid_t> pids_;
};

// The channel closed before the expected message: reap the child and say how it ended
// ("<who> exited unexpectedly (exit status 1)"), or that it was OOM-killed when `mgr`
// shows an OOM kill.
Error child_died(pid_t pid, const char* who, cgroups::Manager* mgr = nullptr);

// The OCI state hooks receive, for a container described by `plan`.
specs::OciState plan_oci_state(const Plan& plan, pid_t pid, const char* status);

}  // namespace lc::bootstrap
