// Everything that restricts the container process, planned in the parent and applied by
// the container init (stage 2) or an exec'd process just before execve.
//
// Usage (init and exec alike):
//
//   parent, before clone:   auto plan = security::plan(process, spec.linux ? &*spec.linux : nullptr);
//   parent (exec only):     security::apply_initial_cpu_affinity(*plan);   // before joining the cgroup
//   child, still root, rootfs ready, right before switching ids:
//                           TRY(security::prepare_for_user_switch(*plan));
//   child, lead's code:     setgroups(); setresgid(); setresuid();   // caps survive: KEEPCAPS is on
//   child, last step before execve (after the exec.fifo wait):
//                           TRY_ASSIGN(UniqueFd notify_fd, security::finish(*plan));
//                           if (notify_fd) send it to the parent, which calls
//                           send_seccomp_listener_fd(plan->seccomp->listener_path, ...)
//
// Order inside the two calls, and why:
//   prepare_for_user_switch:
//     1. LSM exec labels (AppArmor profile, SELinux exec/keycreate label) through a verified
//        procfs handle; they take effect at execve.
//     2. personality, scheduler, I/O priority, final CPU affinity: RT scheduling and
//        IOPRIO_CLASS_RT need CAP_SYS_NICE/CAP_SYS_ADMIN, so before any capability drop.
//     3. drop the bounding set (needs CAP_SETPCAP, which the final capset may remove).
//     4. PR_SET_KEEPCAPS=1 so the permitted set survives a switch away from uid 0.
//   finish:
//     1. PR_SET_KEEPCAPS=0.
//     2. noNewPrivileges=true: set no_new_privs.
//     3. noNewPrivileges=false and seccomp: raise effective to the full permitted set (the
//        uid switch cleared it) and load the filter while CAP_SYS_ADMIN is still held.
//     4. capset(effective, permitted, inheritable) to the configured sets.
//     5. ambient: clear, then raise each configured capability.
//     6. noNewPrivileges=true and seccomp: load the filter now, as late as possible, so the
//        fewest runtime syscalls run under it (it needs no capability with no_new_privs).
//   The process then calls execve, which the filter must allow.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "lc/error.hpp"
#include "lc/fd.hpp"
#include "security/capabilities.hpp"
#include "security/lsm.hpp"
#include "security/process_attrs.hpp"
#include "security/seccomp.hpp"
#include "specs/runtime_spec.hpp"

namespace lc::security {

struct ProcessSecurityPlan {
    CapabilityPlan caps;
    bool no_new_privileges = false;
    std::optional<SeccompPlan> seccomp;
    std::optional<unsigned long> personality;
    std::optional<SchedulerPlan> scheduler;
    std::optional<int> io_priority;
    CpuAffinityPlan cpu_affinity;
    std::optional<std::string> apparmor_profile, selinux_label;
    // process.user.uid is not 0: setresuid would clear the capabilities unless
    // PR_SET_KEEPCAPS is set around it. Switching to uid 0 never clears them.
    bool keep_caps_across_setuid = true;
};

// Pure validation + precomputation (capability numbers, seccomp rules, scheduler values,
// CPU sets). `linux` may be null (no linux section). `host` says which LSMs exist: asking
// for a profile/label the host lacks is an error here, not in the child.
Result<ProcessSecurityPlan> plan(const specs::Process& process, const specs::Linux* linux,
                                 const HostLsm& host);
// Same, detecting the host's LSMs.
Result<ProcessSecurityPlan> plan(const specs::Process& process, const specs::Linux* linux);

// The runtime's own affinity for `exec` (execCPUAffinity.initial), set before it joins
// the container's cgroup. No-op without one.
Result<void> apply_initial_cpu_affinity(const ProcessSecurityPlan& plan);

// Child, as root in the container's namespaces, before setgroups/setresgid/setresuid.
Result<void> prepare_for_user_switch(const ProcessSecurityPlan& plan);
// Child, after the id switch, as the last step before execve. Returns the seccomp notify
// listener fd when the filter uses SCMP_ACT_NOTIFY, else an invalid fd.
Result<UniqueFd> finish(const ProcessSecurityPlan& plan);

}  // namespace lc::security
