#include "security/features.hpp"

#include <linux/seccomp.h>
#include <sys/prctl.h>

#include <cerrno>

#include "security/capabilities.hpp"
#include "security/lsm.hpp"
#include "security/seccomp.hpp"

namespace lc::security {

SecurityFeatures security_features() {
    SecurityFeatures f;
    f.capabilities = known_capability_names();
    // PR_GET_SECCOMP works on any kernel with seccomp; EINVAL means it is compiled out.
    f.seccomp_enabled = ::prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 || errno != EINVAL;
    f.seccomp_actions = seccomp_action_names();
    f.seccomp_operators = seccomp_operator_names();
    f.seccomp_archs = seccomp_arch_names();
    f.seccomp_flags = seccomp_flag_names();
    HostLsm lsm = detect_host_lsm();
    f.apparmor = lsm.apparmor;
    f.selinux = lsm.selinux;
    return f;
}

}  // namespace lc::security
