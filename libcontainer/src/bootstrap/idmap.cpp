#include <fcntl.h>

#include <string>

#include "bootstrap/bootstrap.hpp"
#include "sys/file.hpp"

namespace lc::bootstrap {

static std::string format_map(const std::vector<specs::IDMapping>& m) {
    std::string s;
    for (const auto& e : m)
        s += std::to_string(e.container_id) + " " + std::to_string(e.host_id) + " " + std::to_string(e.size) + "\n";
    return s;
}

Result<void> write_id_maps(pid_t pid, const specs::Linux& linux, bool deny_setgroups) {
    std::string base = "/proc/" + std::to_string(pid) + "/";
    // setgroups must be denied before gid_map when an unprivileged writer maps a single gid.
    if (deny_setgroups) TRY_CTX(sys::write_file(base + "setgroups", "deny"), "linux.gidMappings");
    if (!linux.uid_mappings.empty())
        TRY_CTX(sys::write_file(base + "uid_map", format_map(linux.uid_mappings)), "linux.uidMappings");
    if (!linux.gid_mappings.empty())
        TRY_CTX(sys::write_file(base + "gid_map", format_map(linux.gid_mappings)), "linux.gidMappings");
    return {};
}

}  // namespace lc::bootstrap
