// The OCI state JSON that `cort state` prints and hooks read on stdin.
#pragma once
#include <map>
#include <string>

namespace specs {

struct OciState {
    std::string oci_version = "1.3.0";
    std::string id;
    std::string status;  // creating | created | running | stopped | paused
    int pid = 0;         // 0 when stopped (omitted from JSON then)
    std::string bundle;
    std::map<std::string, std::string> annotations;
};

std::string to_json_string(const OciState& s, bool pretty = true);

}  // namespace specs
