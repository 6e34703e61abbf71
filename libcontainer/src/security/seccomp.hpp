// seccomp through libseccomp, in the parent only. plan_seccomp() validates linux.seccomp,
// resolves every name to a number and compiles the filter to classic BPF (crun does the
// same); load_seccomp() in the child hands those instructions to seccomp(2) itself: no
// libseccomp, no second build, no allocation in the child.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lc/error.hpp"
#include "lc/fd.hpp"
#include "specs/runtime_spec.hpp"

namespace lc::security {

struct SeccompArgCmp {
    unsigned index = 0;  // syscall argument 0..5
    int op = 0;          // enum scmp_compare
    uint64_t value = 0, value_two = 0;
};

struct SeccompRule {
    int syscall = 0;      // native number (libseccomp translates it for the other arches)
    std::string name;     // for error messages
    uint32_t action = 0;  // SCMP_ACT_* with the errno/trace data folded in
    std::vector<SeccompArgCmp> args;  // ANDed together
};

struct SeccompPlan {
    uint32_t default_action = 0;
    std::vector<uint32_t> arches;  // SCMP_ARCH_* tokens besides the native one
    bool flag_tsync = false, flag_log = false, flag_spec_allow = false;
    std::vector<SeccompRule> rules;
    bool uses_notify = false;  // the load returns a listener fd to hand to listener_path
    std::string listener_path, listener_metadata;
    std::string bpf;           // the compiled program: struct sock_filter[], as bytes
};

// Errors name the field: "linux.seccomp.syscalls[4].action: unknown action \"SCMP_ACT_FOO\"".
// Unknown syscall names are skipped (runc does the same: profiles list syscalls newer
// than the host). Rules whose action equals the default are dropped, as libseccomp
// rejects them. Two conditions on the same argument index become separate rules (OR),
// which is runc's behaviour; distinct indexes stay one rule (AND).
// The filter is built and exported here, so libseccomp's own checks run in the parent.
Result<SeccompPlan> plan_seccomp(const specs::LinuxSeccomp& seccomp);

// Loads the compiled filter into the calling process with the plan's flags. NO_NEW_PRIVS is not
// set by this call: without it the caller must hold CAP_SYS_ADMIN.
// Returns the notify listener fd when the plan uses SCMP_ACT_NOTIFY, else an invalid fd.
Result<UniqueFd> load_seccomp(const SeccompPlan& plan);

// Lookup tables, also used by `cort features`.
std::optional<uint32_t> seccomp_arch_from_name(std::string_view name);  // "SCMP_ARCH_X86"
std::optional<int> seccomp_op_from_name(std::string_view name);         // "SCMP_CMP_EQ"
std::vector<std::string> seccomp_action_names();
std::vector<std::string> seccomp_operator_names();
std::vector<std::string> seccomp_arch_names();
std::vector<std::string> seccomp_flag_names();  // the flags plan_seccomp accepts

}  // namespace lc::security
