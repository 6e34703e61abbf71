// The commands that act on a live container's cgroup: update, pause, resume, ps, events.
// Like start/kill/delete they read state.json only and rebuild the cgroup manager from
// the paths saved there (no detection, no mountinfo).
#pragma once
#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "cgroups/stats.hpp"
#include "lc/error.hpp"
#include "specs/runtime_spec.hpp"
#include "state/state_store.hpp"

namespace lc {

// Writes `r` to the container's cgroup (created, running or paused). runc's update rules:
// devices are ignored, a pids limit of 0 means "unchanged". Values the manager can refuse
// without the kernel are checked before the first write. A stopped or missing container
// is an error.
Result<void> update_container(const StateStore& store, const std::string& id, specs::LinuxResources r);

// Freeze a created or running container ("container not running" otherwise, as runc);
// thaw a paused one ("container not paused" otherwise).
Result<void> pause_container(const StateStore& store, const std::string& id);
Result<void> resume_container(const StateStore& store, const std::string& id);

// Host pids of every process in the container's cgroup (and its sub-cgroups), sorted.
Result<std::vector<pid_t>> container_pids(const StateStore& store, const std::string& id);

Result<cgroups::Stats> container_stats(const StateStore& store, const std::string& id);

// One line of runc's event stream: {"type":"stats","id":…,"data":{…}} / {"type":"oom","id":…}.
std::string stats_event_json(const std::string& id, const cgroups::Stats& s);
std::string oom_event_json(const std::string& id);

// runc's `events` loop: a stats event every interval_ms and an oom event on each OOM, given
// to `emit` as one JSON line each, until the container's init exits. A stats read that
// fails is reported through `warn` and the loop goes on (runc logs and continues).
Result<void> watch_events(const StateStore& store, const std::string& id, int interval_ms,
                          const std::function<void(const std::string&)>& emit,
                          const std::function<void(const Error&)>& warn);

}  // namespace lc
