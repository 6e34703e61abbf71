// `exec --cgroup`: the exec'd process joins an existing sub-cgroup of the container's
// cgroup instead of the cgroup itself (runc 1.1). Parsing and path resolution are pure, so
// they are table-tested; exec checks the directories exist and writes the pid.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cgroups/detect.hpp"
#include "lc/error.hpp"

namespace lc::cgroups {

// The parsed --cgroup arguments: either one path for every hierarchy (key "", the only
// form a cgroup v2 host takes) or v1 controller -> path.
struct SubCgroups {
    std::map<std::string, std::string> paths;
    bool empty() const { return paths.empty(); }
};

// "PATH" (alone) or "CONTROLLER[,CONTROLLER]:PATH" (repeatable). Errors name --cgroup.
Result<SubCgroups> parse_sub_cgroups(const std::vector<std::string>& args);

// container_dir + sub, cleaned; refused when it is not container_dir or below it (".."),
// compared by whole path components. An absolute sub is relative to the container's cgroup.
Result<std::string> sub_cgroup_dir(std::string_view container_dir, std::string_view sub);

// One directory per hierarchy for the process to join: the named controllers' hierarchies
// get their sub-cgroup, the others the container's cgroup (runc's rule).
Result<std::vector<std::string>> sub_cgroup_dirs(Layout layout, const std::vector<Hierarchy>& hierarchies,
                                                 const SubCgroups& sub);

}  // namespace lc::cgroups
