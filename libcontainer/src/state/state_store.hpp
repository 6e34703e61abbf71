// The state directory: <root>/<id>/{state.json, config.json, exec.fifo, .lock}.
// state.json holds runtime facts only (the init's pid and start time, cgroup paths, the
// hooks later commands must run); it is written atomically (temp + rename; no fsync, see docs/architecture.md).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lc/error.hpp"
#include "lc/fd.hpp"

namespace lc {

struct ContainerState {
    std::string id;
    pid_t pid = 0;                // 0 until the init exists ("creating")
    uint64_t pid_start_time = 0;  // /proc/<pid>/stat field 22: guards against pid reuse
    std::string bundle;
    std::string rootfs;
    std::string created;  // RFC 3339
    uid_t owner = 0;
    std::map<std::string, std::string> annotations;
    std::string cgroup;           // cgroups::Manager::to_json(), empty when none
    std::string hooks;            // specs::Hooks as JSON, empty when the config has none
    std::map<std::string, std::string> namespace_paths;  // type -> /proc/<pid>/ns/<x> (for exec)
    bool new_pid_ns = true;       // without one, kill/delete must reach every pid in the cgroup
    bool systemd_cgroup = false;
};

std::string to_json(const ContainerState& s);
Result<ContainerState> parse_state(std::string_view text);

class StateStore {
public:
    explicit StateStore(std::string root) : root_(std::move(root)) {}
    const std::string& root() const { return root_; }
    std::string dir(const std::string& id) const { return root_ + "/" + id; }
    std::string fifo_path(const std::string& id) const { return dir(id) + "/exec.fifo"; }

    // mkdir <root> (0700) and <root>/<id> (0711); EEXIST becomes "container ... already exists".
    // Returns the held exclusive lock.
    Result<UniqueFd> create_dir(const std::string& id) const;
    // Exclusive lock of an existing container; "container ... does not exist" when missing.
    Result<UniqueFd> lock(const std::string& id) const;
    bool exists(const std::string& id) const;
    Result<void> save(const ContainerState& s) const;
    Result<ContainerState> load(const std::string& id) const;
    Result<void> remove(const std::string& id) const;
    Result<std::vector<std::string>> list() const;  // sorted by id

private:
    std::string root_;
};

}  // namespace lc
