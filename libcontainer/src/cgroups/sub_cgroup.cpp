#include "cgroups/sub_cgroup.hpp"

#include <cerrno>

#include "cgroups/paths.hpp"

namespace lc::cgroups {

namespace {

Error bad_arg(const std::string& arg, const std::string& why) {
    return plain_error(EINVAL, "--cgroup: " + why + " (expected PATH or CONTROLLER[,CONTROLLER]:PATH, got \"" +
                                   arg + "\")");
}

std::string join_names(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

// The v1 controllers this container's cgroup spans, for the "unknown controller" error.
std::vector<std::string> v1_controllers(const std::vector<Hierarchy>& hs) {
    std::vector<std::string> out;
    for (const auto& h : hs)
        if (!h.v2) out.insert(out.end(), h.controllers.begin(), h.controllers.end());
    return out;
}

}  // namespace

Result<SubCgroups> parse_sub_cgroups(const std::vector<std::string>& args) {
    SubCgroups out;
    for (const auto& a : args) {
        size_t colon = a.find(':');
        if (colon == std::string::npos) {
            // A bare path means "every hierarchy"; mixed with per-controller paths it would
            // be ambiguous, so runc allows it only alone.
            if (args.size() != 1) return bad_arg(a, "a path without a controller prefix must be the only --cgroup");
            out.paths[""] = a;
            continue;
        }
        // runc 1.1 refuses a second colon too (the path part is a cgroup name, not a spec).
        if (a.find(':', colon + 1) != std::string::npos) return bad_arg(a, "more than one ':'");
        std::string path = a.substr(colon + 1);
        for (const auto& ctrl : split(std::string_view(a).substr(0, colon), ',')) {
            if (ctrl.empty()) return bad_arg(a, "empty controller name");
            // Refused rather than last-one-wins: two sub-cgroups for one controller is a typo.
            if (!out.paths.emplace(ctrl, path).second)
                return bad_arg(a, "controller \"" + ctrl + "\" given more than once");
        }
    }
    return out;
}

Result<std::string> sub_cgroup_dir(std::string_view container_dir, std::string_view sub) {
    std::string base = clean_abs(container_dir);
    std::string dir = clean_abs(base + "/" + std::string(sub));
    // Whole components: "../ctr2" next to "ctr" shares its prefix but is a sibling.
    if (dir != base && dir.rfind(base + "/", 0) != 0)
        return plain_error(EINVAL, "--cgroup: \"" + std::string(sub) +
                                       "\" is not a sub cgroup path (it climbs out of the container's cgroup with \"..\")");
    return dir;
}

Result<std::vector<std::string>> sub_cgroup_dirs(Layout layout, const std::vector<Hierarchy>& hierarchies,
                                                 const SubCgroups& sub) {
    std::vector<std::string> out;
    auto all = sub.paths.find("");
    if (layout == Layout::Unified && all == sub.paths.end())
        return plain_error(EINVAL, "--cgroup: this host has cgroup v2 only, which has no per-controller "
                                   "hierarchies: give one path without a controller prefix");
    // Per-controller form: every name must be a v1 controller of the container's cgroup
    // (hybrid's cgroup2 hierarchy follows the bare-path form only, as in runc).
    for (const auto& [ctrl, path] : sub.paths) {
        if (ctrl.empty()) continue;
        bool known = false;
        for (const auto& h : hierarchies) known |= !h.v2 && h.has(ctrl);
        if (!known)
            return plain_error(EINVAL, "--cgroup: unknown controller \"" + ctrl + "\" (the container's cgroup has: " +
                                           join_names(v1_controllers(hierarchies)) + ")");
    }
    for (const auto& h : hierarchies) {
        std::string path = all != sub.paths.end() ? all->second : "";
        std::string named;  // the controller that chose `path`, to report a conflict
        for (const auto& c : h.controllers) {
            auto it = h.v2 ? sub.paths.end() : sub.paths.find(c);
            if (it == sub.paths.end()) continue;
            // Co-mounted controllers ("cpu,cpuacct") share one directory.
            if (!named.empty() && it->second != path)
                return plain_error(EINVAL, "--cgroup: controllers \"" + named + "\" and \"" + c +
                                               "\" share one hierarchy but name different sub-cgroups");
            named = c;
            path = it->second;
        }
        TRY_ASSIGN(std::string dir, sub_cgroup_dir(h.path, path));
        out.push_back(std::move(dir));
    }
    return out;
}

}  // namespace lc::cgroups
