#include "cgroups/paths.hpp"

#include <algorithm>

namespace lc::cgroups {

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t pos = s.find(sep, start);
        if (pos == std::string_view::npos) {
            out.emplace_back(s.substr(start));
            return out;
        }
        out.emplace_back(s.substr(start, pos - start));
        start = pos + 1;
    }
}

std::string clean_abs(std::string_view path) {
    std::vector<std::string_view> parts;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        std::string_view comp = path.substr(i, j - i);
        if (comp == "..") {
            if (!parts.empty()) parts.pop_back();
        } else if (!comp.empty() && comp != ".") {
            parts.push_back(comp);
        }
        i = j + 1;
    }
    std::string out;
    for (auto p : parts) {
        out += '/';
        out += p;
    }
    return out.empty() ? "/" : out;
}

std::string clean_path(std::string_view path) {
    if (path.empty()) return "";
    if (path.front() == '/') return clean_abs(path);
    std::string rooted = clean_abs(std::string("/") + std::string(path));
    return rooted == "/" ? "" : rooted.substr(1);
}

Result<InnerPath> inner_path(const std::optional<std::string>& cgroups_path, std::string_view id) {
    std::string p = cgroups_path ? clean_path(*cgroups_path) : "";
    if (p.empty()) {
        if (id.empty()) return make_error("cgroup path: container id is empty");
        std::string name = clean_path(id);
        if (name.empty() || name.find('/') != std::string::npos)
            return make_error("cgroup path: invalid container id \"" + std::string(id) + "\"");
        return InnerPath{name, false};
    }
    bool abs = p.front() == '/';
    return InnerPath{p, abs};
}

std::string join_cgroup(std::string_view mount, std::string_view own, const InnerPath& inner, RelativeTo base) {
    std::string from = clean_abs(own);
    if (base == RelativeTo::OwnParent && from != "/") from = from.substr(0, std::max<size_t>(from.rfind('/'), 1));
    std::string rel = inner.absolute ? inner.path : from + "/" + inner.path;
    std::string cleaned = clean_abs(rel);
    std::string out(mount);
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    if (cleaned != "/") out += cleaned;
    return out;
}

std::vector<ProcCgroupLine> parse_proc_cgroup(std::string_view content) {
    std::vector<ProcCgroupLine> out;
    for (const auto& line : split(content, '\n')) {
        if (line.empty()) continue;
        size_t a = line.find(':');
        if (a == std::string::npos) continue;
        size_t b = line.find(':', a + 1);
        if (b == std::string::npos) continue;
        ProcCgroupLine l;
        l.id = std::atoi(line.substr(0, a).c_str());
        std::string ctl = line.substr(a + 1, b - a - 1);
        if (!ctl.empty()) l.controllers = split(ctl, ',');
        l.path = line.substr(b + 1);
        out.push_back(std::move(l));
    }
    return out;
}

// mountinfo escapes spaces and the like as \ooo.
static std::string unescape_octal(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        auto oct = [](char c) { return c >= '0' && c <= '7'; };
        if (s[i] == '\\' && i + 3 < s.size() && oct(s[i + 1]) && oct(s[i + 2]) && oct(s[i + 3])) {
            out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
            continue;
        }
        out += s[i];
    }
    return out;
}

std::vector<CgroupMount> parse_cgroup_mounts(std::string_view mountinfo) {
    static const std::vector<std::string> kNotControllers = {"rw", "ro", "relatime", "noatime", "nosuid",
                                                             "nodev", "noexec", "clone_children",
                                                             "xattr", "nsdelegate", "memory_recursiveprot",
                                                             "favordynmods", "cpuset_v2_mode"};
    std::vector<CgroupMount> out;
    for (const auto& line : split(mountinfo, '\n')) {
        // id parent maj:min root mount-point options [optional...] - fstype source super-options
        size_t dash = line.find(" - ");
        if (dash == std::string::npos) continue;
        auto left = split(std::string_view(line).substr(0, dash), ' ');
        auto right = split(std::string_view(line).substr(dash + 3), ' ');
        if (left.size() < 5 || right.size() < 3) continue;
        const std::string& fstype = right[0];
        if (fstype != "cgroup" && fstype != "cgroup2") continue;
        CgroupMount m;
        m.root = unescape_octal(left[3]);
        m.mount_point = unescape_octal(left[4]);
        m.v2 = fstype == "cgroup2";
        if (!m.v2) {
            for (auto& opt : split(right[2], ',')) {
                if (opt.empty() || opt.find("release_agent=") == 0) continue;
                if (std::find(kNotControllers.begin(), kNotControllers.end(), opt) != kNotControllers.end())
                    continue;
                m.controllers.push_back(opt);
            }
        }
        out.push_back(std::move(m));
    }
    return out;
}

std::string conventional_mount_name(const std::vector<std::string>& controllers) {
    std::string out;
    for (const auto& c : controllers) {
        std::string name = c.rfind("name=", 0) == 0 ? c.substr(5) : c;
        if (!out.empty()) out += ',';
        out += name;
    }
    return out;
}

std::optional<std::string> exec_fallback_cgroup(bool unified, std::string_view container_dir,
                                                std::string_view init_proc_cgroup, std::string_view unified_mount) {
    if (!unified) return std::nullopt;
    for (const auto& l : parse_proc_cgroup(init_proc_cgroup)) {
        if (l.id != 0 || !l.controllers.empty()) continue;
        // The init's path is cleaned on its own first: it can never climb out of the mount.
        std::string dir = clean_abs(std::string(unified_mount) + clean_abs(l.path));
        if (dir == clean_abs(container_dir)) return std::nullopt;
        return dir;
    }
    return std::nullopt;
}

}  // namespace lc::cgroups
