// What this build and host support, for `cort features`.
#pragma once
#include <string>
#include <vector>

namespace lc::security {

struct SecurityFeatures {
    std::vector<std::string> capabilities;  // known to the running kernel, "CAP_*"
    bool seccomp_enabled = false;           // the kernel has seccomp filters
    std::vector<std::string> seccomp_actions, seccomp_operators, seccomp_archs, seccomp_flags;
    bool apparmor = false, selinux = false;
};

SecurityFeatures security_features();
// The linked libseccomp's version, "2.5.4" (`cort --version`, as runc prints it).
std::string libseccomp_version();

}  // namespace lc::security
