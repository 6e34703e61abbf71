// exec: run one more process in a container (docs/cli.md). Errors exit 255 and read
// "exec failed: ..." like runc's, since engines match on that text; otherwise the exit
// code is the process's (128+n for signal n), or 0 with --detach.
#include <signal.h>

#include <cstdlib>

#include "bootstrap/exec.hpp"
#include "bootstrap/foreground.hpp"
#include "commands.hpp"
#include "lc/log.hpp"
#include "state/container_id.hpp"

namespace cort {
namespace {

constexpr int kExecFailed = 255;

int exec_fail(const lc::Error& e) {
    (void)fail(lc::Error(e).wrap("exec failed"));
    return kExecFailed;
}

lc::Result<unsigned> parse_count(const std::string& flag, const std::string& v, unsigned long max) {
    char* end = nullptr;
    unsigned long n = std::strtoul(v.c_str(), &end, 10);
    if (v.empty() || *end || v[0] == '-' || n > max)
        return lc::plain_error(EINVAL, "--" + flag + ": expected a number, got \"" + v + "\"");
    return static_cast<unsigned>(n);
}

}  // namespace

const std::vector<FlagSpec>& exec_flags() {
    static const std::vector<FlagSpec> f = {
        {{"process", "p"}, true, "path to a process.json (the whole process; other process flags are ignored)"},
        {{"console-socket"}, true, "unix socket that receives the pty master (needs --tty and --detach)"},
        {{"cwd"}, true, "current working directory in the container"},
        {{"env", "e"}, true, "set an environment variable (K=V), repeatable"},
        {{"tty", "t"}, false, "allocate a pseudo-TTY"},
        {{"user", "u"}, true, "uid[:gid] to run as"},
        {{"additional-gids", "g"}, true, "additional gid, repeatable"},
        {{"detach", "d"}, false, "return once the process has started"},
        {{"pid-file"}, true, "file to write the process's host pid to"},
        {{"process-label"}, true, "SELinux label for the process"},
        {{"apparmor"}, true, "AppArmor profile for the process"},
        {{"no-new-privs"}, false, "set no_new_privs for the process"},
        {{"cap", "c"}, true, "add a capability to the process's sets, repeatable"},
        {{"preserve-fds"}, true, "number of extra fds (from 3) to pass to the process"},
        {{"ignore-paused"}, false, "exec even if the container is paused"},
        {{"cgroup"}, true, "join an existing sub-cgroup: PATH, or CONTROLLER[,CONTROLLER]:PATH (v1), repeatable"},
    };
    return f;
}

int cmd_exec(const GlobalOptions& g, const ParsedArgs& a) {
    if (a.positional.empty()) return fail_usage(command_named("exec"), "expects a container id");
    lc::ExecOptions o;
    o.id = a.positional[0];
    if (auto v = lc::validate_container_id(o.id); !v) return exec_fail(v.error());
    o.state_root = g.root;
    o.process_file = a.get("process");
    o.args.assign(a.positional.begin() + 1, a.positional.end());
    if (o.process_file.empty() && o.args.empty())
        return fail_usage(command_named("exec"), "expects a command after the container id (or --process)");
    o.cwd = a.get("cwd");
    if (a.has("env")) o.env = a.all("env");
    o.user = a.get("user");
    if (a.has("additional-gids"))
        for (const auto& s : a.all("additional-gids")) {
            auto n = parse_count("additional-gids", s, 0xFFFFFFFFul);
            if (!n) return exec_fail(n.error());
            o.additional_gids.push_back(*n);
        }
    if (a.has("cap")) o.caps = a.all("cap");
    // runc: only when given, either way (--no-new-privs=false overrides config.json's true).
    if (a.is_set("no-new-privs")) o.no_new_privs = a.has("no-new-privs");
    if (a.has("tty")) o.tty = true;
    o.apparmor = a.get("apparmor");
    o.process_label = a.get("process-label");
    o.detach = a.has("detach");
    o.ignore_paused = a.has("ignore-paused");
    o.pid_file = a.get("pid-file");
    o.console_socket = a.get("console-socket");
    if (a.has("cgroup")) o.cgroups = a.all("cgroup");
    if (a.has("preserve-fds")) {
        auto n = parse_count("preserve-fds", a.get("preserve-fds"), 4096);
        if (!n) return exec_fail(n.error());
        o.preserve_fds = *n;
    }
    // Blocked before the clone so that no signal is lost between the start and the wait
    // loop; the exec'd process unblocks everything before execve.
    sigset_t fwd = lc::console::forwarded_signals();
    if (!o.detach) ::sigprocmask(SIG_BLOCK, &fwd, nullptr);
    auto started = lc::exec_process(o);
    if (!started) return exec_fail(started.error());
    if (o.detach) return 0;
    return lc::console::run_foreground(started->pid, started->pty_master.get(), fwd);
}

}  // namespace cort
