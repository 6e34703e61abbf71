#include "commands.hpp"

namespace cort {

static std::vector<FlagSpec> with(std::vector<FlagSpec> base, std::vector<FlagSpec> extra) {
    base.insert(base.end(), extra.begin(), extra.end());
    return base;
}

const std::vector<FlagSpec>& create_flags() {
    static const std::vector<FlagSpec> f = {
        {{"bundle", "b"}, true, "path to the bundle directory (default: current directory)"},
        {{"pid-file"}, true, "file to write the init's host pid to"},
        {{"console-socket"}, true, "unix socket that receives the pty master when process.terminal is true"},
        {{"no-pivot"}, false, "use MS_MOVE + chroot instead of pivot_root (e.g. on a ramdisk)"},
        {{"no-new-keyring"}, false, "keep the caller's session keyring"},
        {{"preserve-fds"}, true, "number of extra fds (from 3) to pass to the container"},
    };
    return f;
}

const std::vector<Command>& commands() {
    static const std::vector<Command> table = {
        {"create", "<container-id>", "create a container (it waits for `start`)", create_flags(), cmd_create},
        {"start", "<container-id>", "start a created container", {}, cmd_start},
        {"run", "<container-id>", "create and start a container; wait for it unless --detach",
         with(create_flags(), {{{"detach", "d"}, false, "return once the container has started"},
                               {{"keep"}, false, "do not delete the container after it exits"}}),
         cmd_run},
        {"state", "<container-id>", "print the OCI state of a container", {}, cmd_state},
        {"kill", "<container-id> [signal]", "send a signal (default SIGTERM) to the container's init",
         {{{"all", "a"}, false, "signal every process in the container's cgroup"}}, cmd_kill},
        {"delete", "<container-id>", "delete a stopped (or created) container",
         {{{"force", "f"}, false, "kill a running container first; succeed if it does not exist"}}, cmd_delete},
        {"list", "", "list containers",
         {{{"format", "f"}, true, "table or json"}, {{"quiet", "q"}, false, "print ids only"}}, cmd_list},
        {"spec", "", "write a default config.json",
         {{{"bundle", "b"}, true, "directory to write config.json into"},
          {{"rootless"}, false, "a config for running as an unprivileged user"}},
         cmd_spec},
        {"features", "", "print the features this runtime implements (JSON)", {}, cmd_features},
        {"exec", "<container-id> <command> [args...]", "run a process in a running container", exec_flags(), cmd_exec,
         /*skip_reorder=*/true},
        {"update", "<container-id>", "update the container's cgroup resource limits", update_flags(), cmd_update},
        {"pause", "<container-id>", "freeze every process of the container", {}, cmd_pause},
        {"resume", "<container-id>", "thaw a paused container", {}, cmd_resume},
        {"ps", "<container-id> [ps options]", "list the container's processes",
         {{{"format", "f"}, true, "table (default: procps ps output) or json (host pids)"}}, cmd_ps,
         /*skip_reorder=*/true},
        {"events", "<container-id>", "print stats and oom events as JSON lines until the container stops",
         {{{"interval"}, true, "stats interval (default 5s)"}, {{"stats"}, false, "print one stats event and exit"}},
         cmd_events},
    };
    return table;
}

}  // namespace cort

namespace cort {

const Command& command_named(std::string_view name) {
    for (const auto& c : commands())
        if (name == c.name) return c;
    return commands().front();
}

}  // namespace cort
