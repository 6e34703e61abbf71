// make_manager / load_manager, and the JSON saved in state.json.
#include <nlohmann/json.hpp>

#include "cgroups/fs_manager.hpp"

namespace lc::cgroups {

namespace {

const char* layout_name(Layout l) {
    switch (l) {
    case Layout::Unified: return "unified";
    case Layout::Legacy: return "legacy";
    case Layout::Hybrid: return "hybrid";
    }
    return "unified";
}

std::string base_name(const std::string& p) { return p.substr(p.find_last_of('/') + 1); }

}  // namespace

Result<std::unique_ptr<Manager>> make_manager(const CgroupConfig& cfg) {
    if (cfg.systemd)
        return make_error(
            "--systemd-cgroup: not supported yet (no systemd cgroup driver; use the cgroupfs driver, "
            "i.e. drop --systemd-cgroup)");
    TRY_ASSIGN(InnerPath inner, inner_path(cfg.cgroups_path, cfg.id));
    TRY_ASSIGN(HostCgroups host, detect_host(inner));
    return std::unique_ptr<Manager>(new FsManager(host.layout, std::move(host.hierarchies)));
}

std::string FsManager::to_json() const {
    nlohmann::json j;
    j["driver"] = "cgroupfs";
    j["layout"] = layout_name(layout_);
    auto& hs = j["hierarchies"] = nlohmann::json::array();
    for (const auto& h : hierarchies_)
        hs.push_back({{"v2", h.v2}, {"controllers", h.controllers}, {"mount", h.mount}, {"path", h.path}});
    return j.dump();
}

Result<std::unique_ptr<Manager>> load_manager(std::string_view saved_json) {
    try {
        auto j = nlohmann::json::parse(saved_json);
        if (j.value("driver", "cgroupfs") != "cgroupfs")
            return make_error("load cgroup manager: unknown driver " + j["driver"].dump());
        std::string l = j.at("layout").get<std::string>();
        Layout layout;
        if (l == "unified")
            layout = Layout::Unified;
        else if (l == "legacy")
            layout = Layout::Legacy;
        else if (l == "hybrid")
            layout = Layout::Hybrid;
        else
            return make_error("load cgroup manager: unknown layout \"" + l + "\"");
        std::vector<Hierarchy> hs;
        for (const auto& e : j.at("hierarchies")) {
            Hierarchy h;
            h.v2 = e.at("v2").get<bool>();
            h.controllers = e.at("controllers").get<std::vector<std::string>>();
            h.mount = e.at("mount").get<std::string>();
            h.path = e.at("path").get<std::string>();
            if (h.path.empty() || h.path.front() != '/' || h.path.compare(0, h.mount.size(), h.mount) != 0)
                return make_error("load cgroup manager: path \"" + h.path + "\" is not under \"" + h.mount + "\"");
            hs.push_back(std::move(h));
        }
        if (hs.empty()) return make_error("load cgroup manager: no hierarchies");
        return std::unique_ptr<Manager>(new FsManager(layout, std::move(hs)));
    } catch (const nlohmann::json::exception& e) {
        return make_error(std::string("load cgroup manager: ") + e.what());
    }
}

std::vector<CgroupMountSource> FsManager::mount_sources() const {
    std::vector<CgroupMountSource> out;
    for (const auto& h : hierarchies_) {
        CgroupMountSource s;
        s.host_path = h.path;
        s.v2 = h.v2;
        // Unified: the container's cgroup2 mount is /sys/fs/cgroup itself.
        s.name = layout_ == Layout::Unified ? "" : base_name(h.mount);
        if (!h.v2 && s.name.find(',') != std::string::npos) s.aliases = split(s.name, ',');
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace lc::cgroups
