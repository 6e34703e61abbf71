#include "plan/plan.hpp"
#include "bootstrap/process_setup.hpp"

#include <sched.h>
#include <unistd.h>

#include <cstring>

#include "lc/log.hpp"
#include "rootfs/plan.hpp"
#include "rootfs/rootfs.hpp"
#include "security/process_security.hpp"
#include "specs/validate.hpp"

namespace lc {

int namespace_flag(std::string_view t) {
    if (t == "pid") return CLONE_NEWPID;
    if (t == "network") return CLONE_NEWNET;
    if (t == "mount") return CLONE_NEWNS;
    if (t == "ipc") return CLONE_NEWIPC;
    if (t == "uts") return CLONE_NEWUTS;
    if (t == "user") return CLONE_NEWUSER;
    if (t == "cgroup") return CLONE_NEWCGROUP;
    if (t == "time") return CLONE_NEWTIME;
    return 0;
}

int rlimit_from_name(std::string_view n) {
    static const struct {
        const char* name;
        int res;
    } table[] = {
        {"RLIMIT_CPU", RLIMIT_CPU},       {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_DATA", RLIMIT_DATA},
        {"RLIMIT_STACK", RLIMIT_STACK},   {"RLIMIT_CORE", RLIMIT_CORE},       {"RLIMIT_RSS", RLIMIT_RSS},
        {"RLIMIT_NPROC", RLIMIT_NPROC},   {"RLIMIT_NOFILE", RLIMIT_NOFILE},   {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
        {"RLIMIT_AS", RLIMIT_AS},         {"RLIMIT_LOCKS", RLIMIT_LOCKS},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
        {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE}, {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
        {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    };
    for (const auto& e : table)
        if (n == e.name) return e.res;
    return -1;
}

static Result<void> plan_namespaces(Plan& p) {
    if (!p.spec.linux) return {};
    const auto& nss = p.spec.linux->namespaces;
    for (size_t i = 0; i < nss.size(); i++) {
        const auto& ns = nss[i];
        std::string field = "linux.namespaces[" + std::to_string(i) + "]";
        int flag = namespace_flag(ns.type);
        if (flag == 0) return plain_error(EINVAL, field + ".type: unknown namespace \"" + ns.type + "\"");
        if (ns.path && !ns.path->empty()) {
            if ((*ns.path)[0] != '/')
                return plain_error(EINVAL, field + ".path: must be absolute, got \"" + *ns.path + "\"");
            p.joins.push_back({flag, ns.type, *ns.path});
        } else {
            p.new_ns |= static_cast<unsigned long>(flag);
        }
        if (flag == CLONE_NEWPID) p.has_pid_ns = true;
        if (flag == CLONE_NEWNS) p.has_mount_ns = true;
    }
    bool joins_pid_or_user = false;
    for (const auto& j : p.joins)
        if (j.flag == CLONE_NEWPID || j.flag == CLONE_NEWUSER || j.flag == CLONE_NEWTIME) joins_pid_or_user = true;
    p.needs_stage1 = (p.new_ns & (CLONE_NEWUSER | CLONE_NEWTIME)) || joins_pid_or_user;
    return {};
}

static Result<void> plan_process(Plan& p) {
    if (!p.spec.process) return plain_error(EINVAL, "process: required to create a container");
    const auto& proc = *p.spec.process;
    if (proc.args.empty()) return plain_error(EINVAL, "process.args: must not be empty");
    for (size_t i = 0; i < proc.rlimits.size(); i++) {
        const auto& r = proc.rlimits[i];
        int res = rlimit_from_name(r.type);
        std::string field = "process.rlimits[" + std::to_string(i) + "]";
        if (res < 0) return plain_error(EINVAL, field + ".type: unknown rlimit \"" + r.type + "\"");
        if (r.soft > r.hard) return plain_error(EINVAL, field + ": soft limit exceeds hard limit");
        p.rlimits.push_back({res, {static_cast<rlim_t>(r.soft), static_cast<rlim_t>(r.hard)}});
    }
    p.env = proc.env;
    if (p.opts.listen_fds > 0) {
        p.env.push_back("LISTEN_FDS=" + std::to_string(p.opts.listen_fds));
        p.env.push_back("LISTEN_PID=1");
    }
    p.env = bootstrap::merge_env(p.env);
    return {};
}

Result<Plan> build_plan(specs::Spec spec, const CreateOptions& opts) {
    Plan p;
    p.spec = std::move(spec);
    p.opts = opts;
    TRY(specs::validate_version(p.spec.oci_version));
    TRY(specs::validate(p.spec));
    TRY(plan_namespaces(p));
    TRY(plan_process(p));
    {
        const specs::Linux* linux = p.spec.linux ? &*p.spec.linux : nullptr;
        TRY_ASSIGN(auto sec, security::plan(*p.spec.process, linux));
        // Planned in the cort process the caller started, so the warnings reach its log.
        for (const auto& w : sec.caps.warnings) log::warn(w);
        p.security_plan = std::make_shared<const security::ProcessSecurityPlan>(std::move(sec));
    }
    p.rootless = ::geteuid() != 0;
    // Without one every mount, hostname and mapping would be refused later, from inside the
    // child; runc refuses the config up front too.
    bool has_userns = (p.new_ns & CLONE_NEWUSER) != 0;
    for (const auto& j : p.joins) has_userns = has_userns || j.flag == CLONE_NEWUSER;
    if (p.rootless && !has_userns)
        return plain_error(EINVAL, "linux.namespaces: a rootless container needs a user namespace "
                                   "(cort spec --rootless writes one)");
    TRY_ASSIGN(p.rootfs_plan,
               rootfs::plan_rootfs(p.spec, rootfs::PlanOptions{opts.bundle, opts.no_pivot, p.rootless}));
    for (const auto& note : p.rootfs_plan->notes) log::debug(note);
    if (p.spec.root) {
        p.rootfs = p.spec.root->path[0] == '/' ? p.spec.root->path : opts.bundle + "/" + p.spec.root->path;
    }
    p.cgroup.id = opts.id;
    p.cgroup.systemd = opts.systemd_cgroup;
    if (p.spec.linux) p.cgroup.cgroups_path = p.spec.linux->cgroups_path;
    if (p.spec.hooks) p.has_runtime_hooks = !p.spec.hooks->prestart.empty() || !p.spec.hooks->create_runtime.empty();
    return p;
}

}  // namespace lc
