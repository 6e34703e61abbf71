// The document `cort features` prints (runtime-spec features.md / features-linux.md).
// default_features() fills every list with the names the spec and runc recognise and leaves
// each implementation flag unset; the caller sets the flags for what cort implements.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace specs {

struct CgroupFeatures {
    std::optional<bool> v1, v2, systemd, systemd_user, rdma;
};

struct SeccompFeatures {
    std::optional<bool> enabled;
    std::vector<std::string> actions, operators, archs, known_flags, supported_flags;
};

struct Features {
    std::string oci_version_min = "1.0.0";
    std::string oci_version_max = "1.3.0";
    std::vector<std::string> hooks;
    std::vector<std::string> mount_options;

    // "linux" object. Empty lists and unset flags are omitted from the JSON.
    std::vector<std::string> namespaces;
    std::vector<std::string> capabilities;
    CgroupFeatures cgroup;
    SeccompFeatures seccomp;
    std::optional<bool> apparmor, selinux;
    std::optional<bool> intel_rdt, intel_rdt_schemata;
    std::optional<bool> idmap_mounts;  // mountExtensions.idmap.enabled
    std::optional<bool> net_devices;   // netDevices.enabled

    std::vector<std::string> potentially_unsafe_config_annotations;
    std::map<std::string, std::string> annotations;
};

// Lists: the six hooks, runc's mount options, the eight namespace types, the capabilities
// up to CAP_CHECKPOINT_RESTORE, and libseccomp's actions, operators, archs and flags.
Features default_features();
// Pretty output uses 4-space indentation like `runc features`.
std::string to_json_string(const Features& f, bool pretty = true);

}  // namespace specs
