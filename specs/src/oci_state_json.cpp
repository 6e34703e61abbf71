#include <nlohmann/json.hpp>

#include "specs/oci_state.hpp"

namespace specs {

std::string to_json_string(const OciState& s, bool pretty) {
    nlohmann::ordered_json j;
    j["ociVersion"] = s.oci_version;
    j["id"] = s.id;
    j["status"] = s.status;
    if (s.pid > 0) j["pid"] = s.pid;
    j["bundle"] = s.bundle;
    if (!s.annotations.empty()) j["annotations"] = s.annotations;
    return pretty ? j.dump(2) : j.dump();
}

}  // namespace specs
