// Readers for the platform-neutral parts of config.json: process, root, mounts, hooks.
#include "json_read.hpp"

namespace specs::detail {

lc::Result<void> read(const json& j, const JPath& p, Box& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("height", out.height));
    TRY(o.req("width", out.width));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, User& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    // The schema marks uid/gid required, but runc (Go zero values) accepts them absent.
    TRY(o.opt("uid", out.uid));
    TRY(o.opt("gid", out.gid));
    TRY(o.opt("umask", out.umask));
    TRY(o.opt("additionalGids", out.additional_gids));
    TRY(o.opt("username", out.username));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, Rlimit& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("type", out.type));
    TRY(o.req("soft", out.soft));
    TRY(o.req("hard", out.hard));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, LinuxCapabilities& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.opt("bounding", out.bounding));
    TRY(o.opt("effective", out.effective));
    TRY(o.opt("inheritable", out.inheritable));
    TRY(o.opt("permitted", out.permitted));
    TRY(o.opt("ambient", out.ambient));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, Scheduler& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("policy", out.policy));
    TRY(o.opt("nice", out.nice));
    TRY(o.opt("priority", out.priority));
    TRY(o.opt("flags", out.flags));
    TRY(o.opt("runtime", out.runtime));
    TRY(o.opt("deadline", out.deadline));
    TRY(o.opt("period", out.period));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, IOPriority& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("class", out.io_class));
    TRY(o.opt("priority", out.priority));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, CPUAffinity& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.opt("initial", out.initial));
    TRY(o.opt("final", out.final_));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, Process& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.opt("terminal", out.terminal));
    TRY(o.opt("consoleSize", out.console_size));
    TRY(o.opt("user", out.user));
    // args is required on Linux (commandLine is the Windows alternative).
    TRY(o.req("args", out.args));
    TRY(o.opt("commandLine", out.command_line));
    TRY(o.opt("env", out.env));
    TRY(o.req("cwd", out.cwd));
    TRY(o.opt("capabilities", out.capabilities));
    TRY(o.opt("rlimits", out.rlimits));
    TRY(o.opt("noNewPrivileges", out.no_new_privileges));
    TRY(o.opt("apparmorProfile", out.apparmor_profile));
    TRY(o.opt("oomScoreAdj", out.oom_score_adj));
    TRY(o.opt("scheduler", out.scheduler));
    TRY(o.opt("selinuxLabel", out.selinux_label));
    TRY(o.opt("ioPriority", out.io_priority));
    TRY(o.opt("execCPUAffinity", out.exec_cpu_affinity));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, Root& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("path", out.path));
    TRY(o.opt("readonly", out.readonly));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, IDMapping& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("containerID", out.container_id));
    TRY(o.req("hostID", out.host_id));
    TRY(o.req("size", out.size));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, Mount& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("destination", out.destination));
    TRY(o.opt("type", out.type));
    TRY(o.opt("source", out.source));
    TRY(o.opt("options", out.options));
    TRY(o.opt("uidMappings", out.uid_mappings));
    TRY(o.opt("gidMappings", out.gid_mappings));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, Hook& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("path", out.path));
    TRY(o.opt("args", out.args));
    TRY(o.opt("env", out.env));
    TRY(o.opt("timeout", out.timeout));
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, Hooks& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.opt("prestart", out.prestart));
    TRY(o.opt("createRuntime", out.create_runtime));
    TRY(o.opt("createContainer", out.create_container));
    TRY(o.opt("startContainer", out.start_container));
    TRY(o.opt("poststart", out.poststart));
    TRY(o.opt("poststop", out.poststop));
    return lc::ok();
}

}  // namespace specs::detail
