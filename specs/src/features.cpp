#include "specs/features.hpp"

#include <nlohmann/json.hpp>

#include "specs/known_names.hpp"

namespace specs {
namespace {

using ojson = nlohmann::ordered_json;

template <size_t N>
std::vector<std::string> to_strings(const std::array<std::string_view, N>& a) {
    return {a.begin(), a.end()};
}

void put_list(ojson& j, const char* key, const std::vector<std::string>& v) {
    if (!v.empty()) j[key] = v;
}

void put_flag(ojson& j, const char* key, const std::optional<bool>& v) {
    if (v) j[key] = *v;
}

// {"enabled": b} objects, omitted entirely when unset.
void put_enabled(ojson& j, const char* key, const std::optional<bool>& v) {
    if (v) j[key] = {{"enabled", *v}};
}

}  // namespace

Features default_features() {
    Features f;
    f.hooks = to_strings(kHookNames);
    // runc 1.2's list: every option its mount-option parser understands.
    f.mount_options = {
        "acl",         "async",        "atime",        "bind",         "defaults",
        "dev",         "diratime",     "dirsync",      "exec",         "idmap",        "iversion",
        "lazytime",    "loud",         "mand",         "noacl",        "noatime",
        "nodev",       "nodiratime",   "noexec",       "noiversion",   "nolazytime",
        "nomand",      "norelatime",   "nostrictatime", "nosuid",      "nosymfollow",
        "private",     "ratime",       "rbind",        "rdev",         "rdiratime",
        "relatime",    "remount",      "rexec",        "rnoatime",     "rnodev",
        "rnodiratime", "rnoexec",      "rnorelatime",  "rnostrictatime", "rnosuid",
        "ridmap",      "rnosymfollow", "ro",          "rprivate",     "rrelatime",    "rro",
        "rrw",         "rshared",      "rslave",       "rstrictatime", "rsuid",
        "rsymfollow",  "runbindable",  "rw",           "shared",       "silent",
        "slave",       "strictatime",  "suid",         "symfollow",    "sync",
        "tmpcopyup",   "unbindable"};
    f.namespaces = {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"};
    f.capabilities = to_strings(kCapabilityNames);
    f.seccomp.actions = {"SCMP_ACT_ALLOW",        "SCMP_ACT_ERRNO",       "SCMP_ACT_KILL",
                         "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
                         "SCMP_ACT_NOTIFY",       "SCMP_ACT_TRACE",       "SCMP_ACT_TRAP"};
    f.seccomp.operators = {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",       "SCMP_CMP_LE",
                           "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"};
    f.seccomp.archs = {"SCMP_ARCH_AARCH64",  "SCMP_ARCH_ARM",        "SCMP_ARCH_MIPS",
                       "SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",  "SCMP_ARCH_MIPSEL",
                       "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
                       "SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",    "SCMP_ARCH_RISCV64",
                       "SCMP_ARCH_S390",     "SCMP_ARCH_S390X",      "SCMP_ARCH_X32",
                       "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64"};
    f.seccomp.known_flags = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                             "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                             "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
    return f;
}

std::string to_json_string(const Features& f, bool pretty) {
    ojson j;
    j["ociVersionMin"] = f.oci_version_min;
    j["ociVersionMax"] = f.oci_version_max;
    put_list(j, "hooks", f.hooks);
    put_list(j, "mountOptions", f.mount_options);

    ojson linux = ojson::object();
    put_list(linux, "namespaces", f.namespaces);
    put_list(linux, "capabilities", f.capabilities);
    ojson cgroup = ojson::object();
    put_flag(cgroup, "v1", f.cgroup.v1);
    put_flag(cgroup, "v2", f.cgroup.v2);
    put_flag(cgroup, "systemd", f.cgroup.systemd);
    put_flag(cgroup, "systemdUser", f.cgroup.systemd_user);
    put_flag(cgroup, "rdma", f.cgroup.rdma);
    if (!cgroup.empty()) linux["cgroup"] = std::move(cgroup);
    ojson seccomp = ojson::object();
    put_flag(seccomp, "enabled", f.seccomp.enabled);
    put_list(seccomp, "actions", f.seccomp.actions);
    put_list(seccomp, "operators", f.seccomp.operators);
    put_list(seccomp, "archs", f.seccomp.archs);
    put_list(seccomp, "knownFlags", f.seccomp.known_flags);
    put_list(seccomp, "supportedFlags", f.seccomp.supported_flags);
    if (!seccomp.empty()) linux["seccomp"] = std::move(seccomp);
    put_enabled(linux, "apparmor", f.apparmor);
    put_enabled(linux, "selinux", f.selinux);
    if (f.intel_rdt || f.intel_rdt_schemata) {
        ojson rdt = ojson::object();
        put_flag(rdt, "enabled", f.intel_rdt);
        put_flag(rdt, "schemata", f.intel_rdt_schemata);
        linux["intelRdt"] = std::move(rdt);
    }
    if (f.idmap_mounts) linux["mountExtensions"] = {{"idmap", {{"enabled", *f.idmap_mounts}}}};
    put_enabled(linux, "netDevices", f.net_devices);
    if (!linux.empty()) j["linux"] = std::move(linux);

    put_list(j, "potentiallyUnsafeConfigAnnotations", f.potentially_unsafe_config_annotations);
    if (!f.annotations.empty()) j["annotations"] = f.annotations;
    return pretty ? j.dump(4, ' ', false, ojson::error_handler_t::replace)
                  : j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

}  // namespace specs
