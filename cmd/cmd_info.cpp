// list, spec, features: commands that touch no container.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "lc/container.hpp"
#include "security/features.hpp"
#include "specs/features.hpp"
#include "specs/json.hpp"
#include "sys/file.hpp"

#ifndef CORT_VERSION
#define CORT_VERSION "0.0.0"
#endif
#ifndef CORT_COMMIT
#define CORT_COMMIT "unknown"
#endif

namespace cort {
namespace {

// Owner names from /etc/passwd, read once, as runc does (its user package parses the file):
// not getpwuid, whose NSS machinery (dlopen, DNS) would be linked into the static binary.
class UserNames {
public:
    const char* name(uid_t uid) {
        if (!loaded_) {
            loaded_ = true;
            if (auto s = lc::sys::read_file("/etc/passwd")) passwd_ = std::move(*s);
        }
        std::string_view rest = passwd_;
        const std::string want = std::to_string(uid);
        while (!rest.empty()) {
            size_t nl = rest.find('\n');
            std::string_view line = rest.substr(0, nl);
            rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
            // name:password:uid:...
            size_t c1 = line.find(':');
            size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
            size_t c3 = c2 == std::string_view::npos ? c2 : line.find(':', c2 + 1);
            if (c3 == std::string_view::npos || line.substr(c2 + 1, c3 - c2 - 1) != want) continue;
            found_ = std::string(line.substr(0, c1));
            return found_.c_str();
        }
        return nullptr;
    }

private:
    bool loaded_ = false;
    std::string passwd_, found_;
};

}  // namespace

int cmd_list(const GlobalOptions& g, const ParsedArgs& a) {
    lc::StateStore store(g.root);
    auto ids = store.list();
    if (!ids) return fail(ids.error());
    std::string format = a.get("format", "table");
    if (format != "table" && format != "json") return fail(lc::plain_error(EINVAL, "--format: expected table or json"));
    std::vector<lc::ContainerInfo> infos;
    for (const auto& id : *ids) {
        auto info = lc::load_container(store, id);
        if (info) infos.push_back(std::move(info).value());
    }
    if (a.has("quiet")) {
        for (const auto& i : infos) std::printf("%s\n", i.state.id.c_str());
        return 0;
    }
    UserNames users;
    if (format == "json") {
        nlohmann::ordered_json arr = nlohmann::ordered_json::array();
        for (const auto& i : infos) {
            nlohmann::ordered_json j;
            j["ociVersion"] = "1.3.0";
            j["id"] = i.state.id;
            j["pid"] = i.status == lc::Status::Stopped ? 0 : i.state.pid;
            j["status"] = lc::to_string(i.status);
            j["bundle"] = i.state.bundle;
            j["rootfs"] = i.state.rootfs;
            j["created"] = i.state.created;
            j["owner"] = "";
            if (const char* owner = users.name(i.state.owner)) j["owner"] = owner;
            arr.push_back(j);
        }
        std::printf("%s\n", arr.dump().c_str());
        return 0;
    }
    std::printf("%-20s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
    for (const auto& i : infos) {
        const char* owner = users.name(i.state.owner);
        std::printf("%-20s %-8d %-10s %-40s %-30s %s\n", i.state.id.c_str(),
                    i.status == lc::Status::Stopped ? 0 : i.state.pid, lc::to_string(i.status),
                    i.state.bundle.c_str(), i.state.created.c_str(), owner ? owner : "#");
    }
    return 0;
}

void print_version() {
    // runc's layout, line for line, minus its "go:" line.
    std::printf("cort version %s\ncommit: %s\nspec: %s\nlibseccomp: %s\n", CORT_VERSION, CORT_COMMIT,
                specs::Features{}.oci_version_max.c_str(), lc::security::libseccomp_version().c_str());
}

int cmd_spec(const GlobalOptions&, const ParsedArgs& a) {
    std::string dir = a.get("bundle", ".");
    std::string path = dir + "/config.json";
    if (::access(path.c_str(), F_OK) == 0)
        return fail(lc::plain_error(EEXIST, "File " + path + " exists. Remove it first"));
    std::string text = specs::to_json_string(specs::default_spec(a.has("rootless")), true) + "\n";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) return fail(lc::sys_error("create " + path));
    lc::UniqueFd owned(fd);
    if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        return fail(lc::sys_error("write " + path));
    return 0;
}

int cmd_features(const GlobalOptions&, const ParsedArgs&) {
    // Only what this build really does: lists come from the kernel and libseccomp.
    specs::Features f = specs::default_features();
    auto sec = lc::security::security_features();
    f.capabilities = sec.capabilities;
    f.cgroup.v1 = true;
    f.cgroup.v2 = true;
    f.cgroup.systemd = false;
    f.cgroup.systemd_user = false;
    f.cgroup.rdma = false;
    f.seccomp.enabled = sec.seccomp_enabled;
    f.seccomp.actions = sec.seccomp_actions;
    f.seccomp.operators = sec.seccomp_operators;
    f.seccomp.archs = sec.seccomp_archs;
    f.seccomp.supported_flags = sec.seccomp_flags;
    f.apparmor = sec.apparmor;
    f.selinux = sec.selinux;
    f.intel_rdt = false;
    // Idmapped binds need mount_setattr(2) (Linux 5.12); ENOSYS is the only "no". They are
    // refused in rootless mode, which features cannot know about.
    f.idmap_mounts = ::syscall(SYS_mount_setattr, -1, "", 0, nullptr, 0) == 0 || errno != ENOSYS;
    f.net_devices = false;
    std::printf("%s\n", specs::to_json_string(f, true).c_str());
    return 0;
}

}  // namespace cort
