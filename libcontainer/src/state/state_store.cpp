#include "state/state_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "sys/file.hpp"

namespace lc {

using nlohmann::json;

std::string to_json(const ContainerState& s) {
    json j;
    j["id"] = s.id;
    j["pid"] = s.pid;
    j["pid_start_time"] = s.pid_start_time;
    j["bundle"] = s.bundle;
    j["rootfs"] = s.rootfs;
    j["created"] = s.created;
    j["owner"] = s.owner;
    j["annotations"] = s.annotations;
    if (!s.cgroup.empty()) j["cgroup"] = s.cgroup;
    if (!s.hooks.empty()) j["hooks"] = s.hooks;
    j["namespace_paths"] = s.namespace_paths;
    j["new_pid_ns"] = s.new_pid_ns;
    j["systemd_cgroup"] = s.systemd_cgroup;
    return j.dump();
}

Result<ContainerState> parse_state(std::string_view text) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return plain_error(EINVAL, "state.json: malformed");
    ContainerState s;
    try {
        s.id = j.at("id").get<std::string>();
        s.pid = j.value("pid", 0);
        s.pid_start_time = j.value("pid_start_time", uint64_t{0});
        s.bundle = j.value("bundle", "");
        s.rootfs = j.value("rootfs", "");
        s.created = j.value("created", "");
        s.owner = j.value("owner", 0u);
        s.annotations = j.value("annotations", std::map<std::string, std::string>{});
        s.cgroup = j.value("cgroup", "");
        s.hooks = j.value("hooks", "");
        s.namespace_paths = j.value("namespace_paths", std::map<std::string, std::string>{});
        s.new_pid_ns = j.value("new_pid_ns", true);
        s.systemd_cgroup = j.value("systemd_cgroup", false);
    } catch (const json::exception& e) {
        return plain_error(EINVAL, std::string("state.json: ") + e.what());
    }
    return s;
}

namespace {
// The root and any missing parents, as runc's MkdirAll(root, 0700): containerd-shim-runc-v2
// passes --root /run/containerd/runc/<namespace> and leaves creating it to the runtime.
Result<void> mkdir_parents(const std::string& path) {
    for (size_t pos = path.find('/', 1);; pos = path.find('/', pos + 1)) {
        std::string prefix = path.substr(0, pos);
        if (!prefix.empty() && ::mkdir(prefix.c_str(), 0700) < 0 && errno != EEXIST) return sys_error("mkdir " + prefix);
        if (pos == std::string::npos) return {};
    }
}
}  // namespace

Result<UniqueFd> StateStore::create_dir(const std::string& id) const {
    std::string d = dir(id);
    // The root usually exists: its parents are made only when the first mkdir says so.
    int made = ::mkdir(d.c_str(), 0711);
    if (made < 0 && errno == ENOENT) {
        if (auto r = mkdir_parents(root_); !r) return r.error();
        made = ::mkdir(d.c_str(), 0711);
    }
    if (made < 0) {
        if (errno == EEXIST) return plain_error(EEXIST, "container with id \"" + id + "\" already exists");
        return sys_error("mkdir " + d);
    }
    // The directory is ours alone until .lock is held: on failure it goes again, or `list`
    // would show a container that never was.
    const std::string lock_path = d + "/.lock";
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        Error e = sys_error("create " + lock_path);
        ::rmdir(d.c_str());
        return e;
    }
    UniqueFd lock(fd);
    if (::flock(fd, LOCK_EX) < 0) {
        Error e = sys_error("lock " + d);
        ::unlink(lock_path.c_str());
        ::rmdir(d.c_str());
        return e;
    }
    return lock;
}

Result<UniqueFd> StateStore::lock(const std::string& id) const {
    std::string d = dir(id);
    int fd = ::open((d + "/.lock").c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return plain_error(ENOENT, "container \"" + id + "\" does not exist");
        return sys_error("open " + d + "/.lock");
    }
    UniqueFd lock(fd);
    while (::flock(fd, LOCK_EX) < 0) {
        if (errno != EINTR) return sys_error("lock " + d);
    }
    return lock;
}

bool StateStore::exists(const std::string& id) const { return ::access(dir(id).c_str(), F_OK) == 0; }

Result<void> StateStore::save(const ContainerState& s) const {
    return sys::write_file_atomic(dir(s.id) + "/state.json", to_json(s));
}

Result<ContainerState> StateStore::load(const std::string& id) const {
    auto text = sys::read_file(dir(id) + "/state.json");
    if (!text) {
        if (text.error().code == ENOENT) {
            if (!exists(id)) return plain_error(ENOENT, "container \"" + id + "\" does not exist");
            // The directory exists without state.json: a create that died before its first save.
            ContainerState s;
            s.id = id;
            return s;
        }
        return std::move(text).error();
    }
    return parse_state(*text);
}

static Result<void> remove_tree(int parent_fd, const char* name) {
    int fd = ::openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return {};
        if (errno == ENOTDIR || errno == ELOOP) {
            if (::unlinkat(parent_fd, name, 0) < 0 && errno != ENOENT) return sys_error(std::string("unlink ") + name);
            return {};
        }
        return sys_error(std::string("open ") + name);
    }
    DIR* d = ::fdopendir(fd);
    if (!d) {
        ::close(fd);
        return sys_error(std::string("opendir ") + name);
    }
    while (dirent* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (n == "." || n == "..") continue;
        if (e->d_type == DT_DIR) {
            auto r = remove_tree(::dirfd(d), e->d_name);
            if (!r) {
                ::closedir(d);
                return r;
            }
        } else if (::unlinkat(::dirfd(d), e->d_name, 0) < 0 && errno != ENOENT) {
            int err = errno;
            ::closedir(d);
            return sys_error(std::string("unlink ") + e->d_name, err);
        }
    }
    ::closedir(d);
    if (::unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) return sys_error(std::string("rmdir ") + name);
    return {};
}

Result<void> StateStore::remove(const std::string& id) const {
    int rootfd = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) return errno == ENOENT ? Result<void>() : Result<void>(sys_error("open " + root_));
    UniqueFd owned(rootfd);
    // The files cort itself keeps there, removed by name: no directory listing in the common
    // case. exec.fifo only if the rmdir says it is needed: `start` removed it already, and
    // `run` never made one. Anything else (a temp file left by a killed create) makes the
    // rmdir fail: then list.
    int fd = ::openat(rootfd, id.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        UniqueFd dir(fd);
        for (const char* name : {"state.json", "config.json", ".lock"})
            if (::unlinkat(fd, name, 0) < 0 && errno != ENOENT) break;
        if (::unlinkat(rootfd, id.c_str(), AT_REMOVEDIR) == 0 || errno == ENOENT) return {};
        if (errno == ENOTEMPTY && ::unlinkat(fd, "exec.fifo", 0) == 0 &&
            (::unlinkat(rootfd, id.c_str(), AT_REMOVEDIR) == 0 || errno == ENOENT))
            return {};
    }
    return remove_tree(rootfd, id.c_str());
}

Result<std::vector<std::string>> StateStore::list() const {
    std::vector<std::string> ids;
    DIR* d = ::opendir(root_.c_str());
    if (!d) {
        if (errno == ENOENT) return ids;
        return sys_error("open " + root_);
    }
    while (dirent* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (n == "." || n == ".." || e->d_type != DT_DIR) continue;
        ids.emplace_back(n);
    }
    ::closedir(d);
    // Sorted by id, bytewise: runc lists what Go's os.ReadDir returns, which is sorted.
    std::sort(ids.begin(), ids.end());
    return ids;
}

}  // namespace lc
