// pause / resume: freeze and thaw the container's cgroup.
#include "commands.hpp"
#include "state/cgroup_ops.hpp"
#include "state/container_id.hpp"

namespace cort {

namespace {

int freeze_cmd(const char* name, const GlobalOptions& g, const ParsedArgs& a, bool pause) {
    int rc = 0;
    if (!check_positional(command_named(name), a, 1, rc)) return rc;
    const std::string& id = a.positional[0];
    if (auto v = lc::validate_container_id(id); !v) return fail(v.error());
    lc::StateStore store(g.root);
    auto r = pause ? lc::pause_container(store, id) : lc::resume_container(store, id);
    return r ? 0 : fail(r.error());
}

}  // namespace

int cmd_pause(const GlobalOptions& g, const ParsedArgs& a) { return freeze_cmd("pause", g, a, true); }
int cmd_resume(const GlobalOptions& g, const ParsedArgs& a) { return freeze_cmd("resume", g, a, false); }

}  // namespace cort
