// The library's API: one function per lifecycle operation. cmd/ only parses arguments and
// calls these.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

#include "lc/error.hpp"
#include "lc/fd.hpp"
#include "plan/plan.hpp"
#include "state/state_store.hpp"

namespace lc {

enum class Status { Creating, Created, Running, Paused, Stopped };
const char* to_string(Status s);

struct CreatedContainer {
    pid_t pid = 0;  // host pid of the init; a child of the calling process
    ContainerState state;  // as saved in state.json
    // create's lock on the state directory, still held: `run` starts under it instead of
    // taking it again (start_created releases it). Dropping it releases the lock.
    UniqueFd lock;
    // CreateOptions::start_over_channel: the bootstrap channel, on which the init waits for
    // Start (start_created sends it).
    UniqueFd start_channel;
};

// Reads <bundle>/config.json, plans, bootstraps. On failure nothing is left behind: no
// state directory, cgroup, mount or process.
Result<CreatedContainer> create_container(const CreateOptions& opts);

struct ContainerInfo {
    ContainerState state;
    Status status = Status::Stopped;
};
Result<ContainerInfo> load_container(const StateStore& store, const std::string& id);
// The OCI state JSON `cort state` prints.
std::string oci_state_json(const ContainerInfo& info);

// notify_host: the caller's NOTIFY_SOCKET; start then returns once the container sent
// READY= (forwarded there) or its init exited (bootstrap/notify_socket.hpp).
Result<void> start_container(const StateStore& store, const std::string& id, const std::string& notify_host = {});
// `run`'s start and delete: the container this process just created (and, for the delete, whose
// init it has reaped). Same effects, without reading back the state it already holds.
Result<void> start_created(const StateStore& store, CreatedContainer& c, const std::string& notify_host = {});
Result<void> delete_reaped(const StateStore& store, const CreatedContainer& c);
Result<void> kill_container(const StateStore& store, const std::string& id, int sig, bool all);
// force: kill a running container first. A missing container is an error unless force.
Result<void> delete_container(const StateStore& store, const std::string& id, bool force);

}  // namespace lc
