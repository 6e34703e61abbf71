#include "security/process_security.hpp"

#include <sys/prctl.h>

namespace lc::security {

namespace {

bool set(const std::optional<std::string>& s) { return s && !s->empty(); }

Result<void> check_lsm(const specs::Process& process, const specs::Linux* linux, const HostLsm& host) {
    if (set(process.apparmor_profile) && !host.apparmor)
        return make_error("process.apparmorProfile: AppArmor is not enabled on this host "
                          "(no /sys/kernel/security/apparmor)");
    if (set(process.selinux_label) && !host.selinux)
        return make_error("process.selinuxLabel: SELinux is not enabled on this host (no /sys/fs/selinux)");
    if (linux && set(linux->mount_label) && !host.selinux)
        return make_error("linux.mountLabel: SELinux is not enabled on this host (no /sys/fs/selinux)");
    return {};
}

Result<void> apply_lsm(const ProcessSecurityPlan& plan) {
    if (!plan.apparmor_profile && !plan.selinux_label) return {};
    TRY_ASSIGN(UniqueFd attr, open_proc_attr_dir());
    if (plan.apparmor_profile)
        TRY_CTX(write_apparmor_exec(attr.get(), *plan.apparmor_profile, true), "apply AppArmor profile");
    if (plan.selinux_label) {
        TRY_CTX(write_selinux_keycreate(attr.get(), *plan.selinux_label, true), "set SELinux keyring label");
        TRY_CTX(write_selinux_exec(attr.get(), *plan.selinux_label, true), "set SELinux exec label");
    }
    return {};
}

// capset cannot grow the permitted set. The plan cannot see the init's starting set (a
// new user namespace grants all), so an EPERM here is explained by naming what is missing.
Result<void> set_final_capabilities(const CapabilityPlan& caps) {
    auto r = set_capabilities(caps.effective, caps.permitted, caps.inheritable);
    if (r.ok() || r.error().code != EPERM) return r;
    auto have = current_permitted();
    if (!have.ok()) return r;
    CapMask missing = caps.permitted & ~*have;
    if (missing == 0) return r;
    unsigned cap = static_cast<unsigned>(__builtin_ctzll(missing));
    return Error(EPERM, "capset: " + cap_name(cap) + " in process.capabilities.permitted is not held by the runtime");
}

}  // namespace

Result<ProcessSecurityPlan> plan(const specs::Process& process, const specs::Linux* linux,
                                 const HostLsm& host) {
    ProcessSecurityPlan p;
    TRY_ASSIGN(p.caps, plan_capabilities(process.capabilities));
    p.no_new_privileges = process.no_new_privileges;
    p.keep_caps_across_setuid = process.user.uid != 0;
    TRY(check_lsm(process, linux, host));
    if (set(process.apparmor_profile)) p.apparmor_profile = process.apparmor_profile;
    if (set(process.selinux_label)) p.selinux_label = process.selinux_label;
    if (process.scheduler) {
        TRY_ASSIGN(p.scheduler, plan_scheduler(*process.scheduler));
    }
    if (process.io_priority) {
        TRY_ASSIGN(p.io_priority, plan_io_priority(*process.io_priority));
    }
    if (process.exec_cpu_affinity) {
        TRY_ASSIGN(p.cpu_affinity, plan_cpu_affinity(*process.exec_cpu_affinity));
    }
    if (linux && linux->seccomp) {
        TRY_ASSIGN(p.seccomp, plan_seccomp(*linux->seccomp));
    }
    if (linux && linux->personality) {
        TRY_ASSIGN(p.personality, plan_personality(*linux->personality));
    }
    return p;
}

Result<ProcessSecurityPlan> plan(const specs::Process& process, const specs::Linux* linux) {
    // The host is probed only when a label is asked for: no stat of securityfs otherwise.
    bool wants_lsm = set(process.apparmor_profile) || set(process.selinux_label) || (linux && set(linux->mount_label));
    return plan(process, linux, wants_lsm ? detect_host_lsm() : HostLsm{});
}

Result<void> apply_initial_cpu_affinity(const ProcessSecurityPlan& plan) {
    if (!plan.cpu_affinity.initial) return {};
    return apply_cpu_affinity(*plan.cpu_affinity.initial);
}

Result<void> prepare_for_user_switch(const ProcessSecurityPlan& plan) {
    TRY(apply_lsm(plan));
    if (plan.personality) TRY(apply_personality(*plan.personality));
    if (plan.scheduler) TRY(apply_scheduler(*plan.scheduler));
    if (plan.io_priority) TRY(apply_io_priority(*plan.io_priority));
    if (plan.cpu_affinity.final_) TRY(apply_cpu_affinity(*plan.cpu_affinity.final_));
    TRY(drop_bounding_set(plan.caps));
    if (plan.keep_caps_across_setuid) TRY_SYS(::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "set keep-capabilities");
    return {};
}

Result<UniqueFd> finish(const ProcessSecurityPlan& plan) {
    if (plan.keep_caps_across_setuid) TRY_SYS(::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0), "clear keep-capabilities");
    UniqueFd notify_fd;
    if (plan.no_new_privileges) TRY_SYS(::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "set no_new_privs");
    if (plan.seccomp && !plan.no_new_privileges) {
        // Without no_new_privs the kernel wants CAP_SYS_ADMIN in the effective set, which a
        // switch away from uid 0 cleared even though it stays permitted.
        TRY_ASSIGN(CapMask permitted, current_permitted());
        TRY(set_capabilities(permitted, permitted, plan.caps.inheritable));
        TRY_ASSIGN(notify_fd, load_seccomp(*plan.seccomp));
    }
    TRY(set_final_capabilities(plan.caps));
    TRY(set_ambient(plan.caps.ambient));
    if (plan.seccomp && plan.no_new_privileges) {
        TRY_ASSIGN(notify_fd, load_seccomp(*plan.seccomp));
    }
    return notify_fd;
}

}  // namespace lc::security
