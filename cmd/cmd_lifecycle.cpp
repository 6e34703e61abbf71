// start, state, kill, delete: thin wrappers over the library.
#include <signal.h>

#include <cstdio>
#include <cstdlib>

#include "commands.hpp"
#include "lc/container.hpp"
#include "state/container_id.hpp"

namespace cort {

namespace {

bool id_arg(const char* cmd, const ParsedArgs& a, size_t n, std::string& id, int& rc) {
    if (!check_positional(command_named(cmd), a, n, rc)) return false;
    id = a.positional[0];
    auto v = lc::validate_container_id(id);
    if (!v) {
        rc = fail(v.error());
        return false;
    }
    return true;
}

}  // namespace

int cmd_start(const GlobalOptions& g, const ParsedArgs& a) {
    std::string id;
    int rc = 0;
    if (!id_arg("start", a, 1, id, rc)) return rc;
    const char* notify = std::getenv("NOTIFY_SOCKET");
    auto r = lc::start_container(lc::StateStore(g.root), id, notify ? notify : "");
    return r ? 0 : fail(r.error());
}

int cmd_state(const GlobalOptions& g, const ParsedArgs& a) {
    std::string id;
    int rc = 0;
    if (!id_arg("state", a, 1, id, rc)) return rc;
    auto info = lc::load_container(lc::StateStore(g.root), id);
    if (!info) return fail(info.error());
    std::string out = lc::oci_state_json(*info);
    out += '\n';
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

int cmd_kill(const GlobalOptions& g, const ParsedArgs& a) {
    const Command& c = command_named("kill");
    if (a.positional.empty() || a.positional.size() > 2)
        return fail_usage(c, "expects <container-id> [signal]");
    std::string id = a.positional[0];
    auto v = lc::validate_container_id(id);
    if (!v) return fail(v.error());
    int sig = SIGTERM;
    // runc: an empty signal is the default; 0 only checks that the init exists.
    if (a.positional.size() == 2 && !a.positional[1].empty()) {
        sig = parse_signal(a.positional[1]);
        if (sig < 0) return fail(lc::plain_error(EINVAL, "unknown signal \"" + a.positional[1] + "\""));
    }
    auto r = lc::kill_container(lc::StateStore(g.root), id, sig, a.has("all"));
    return r ? 0 : fail(r.error());
}

int cmd_delete(const GlobalOptions& g, const ParsedArgs& a) {
    std::string id;
    int rc = 0;
    if (!id_arg("delete", a, 1, id, rc)) return rc;
    auto r = lc::delete_container(lc::StateStore(g.root), id, a.has("force"));
    return r ? 0 : fail(r.error());
}

}  // namespace cort
