// User-namespace id maps (written by the parent for stage 1) and idmapped mount trees
// (made by the parent, attached by the init).
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "bootstrap/bootstrap.hpp"
#include "rootfs/plan.hpp"
#include "sys/file.hpp"
#include "sys/syscalls.hpp"

namespace lc::bootstrap {
namespace {

std::string format_map(const std::vector<specs::IDMapping>& m) {
    std::string s;
    for (const auto& e : m)
        s += std::to_string(e.container_id) + " " + std::to_string(e.host_id) + " " + std::to_string(e.size) + "\n";
    return s;
}

bool same_maps(const std::vector<specs::IDMapping>& a, const std::vector<specs::IDMapping>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); i++)
        if (a[i].container_id != b[i].container_id || a[i].host_id != b[i].host_id || a[i].size != b[i].size)
            return false;
    return true;
}

// A user namespace holding `uids`/`gids`, kept only as an fd: a child unshares it and
// waits on a pipe; we write its maps, open /proc/<pid>/ns/user and let it exit.
Result<UniqueFd> make_userns(const std::vector<specs::IDMapping>& uids, const std::vector<specs::IDMapping>& gids,
                             const std::string& field) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return sys_error("pipe");
    UniqueFd rd(p[0]), wr(p[1]);
    pid_t pid = sys::clone_fork(CLONE_NEWUSER | SIGCHLD);
    if (pid < 0) return sys_error(field + ": create a user namespace for an idmapped mount");
    if (pid == 0) {
        ::close(p[1]);
        char c;
        while (::read(p[0], &c, 1) < 0 && errno == EINTR) {
        }
        _exit(0);
    }
    rd.reset();
    ScopeExit reap([&] {
        wr.reset();  // EOF: the child exits
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
    });
    const std::string base = "/proc/" + std::to_string(pid) + "/";
    TRY_CTX(sys::write_file(base + "uid_map", format_map(uids)), field);
    TRY_CTX(sys::write_file(base + "gid_map", format_map(gids)), field);
    int fd = ::open((base + "ns/user").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return sys_error(field + ": open the idmapped mount's user namespace");
    return UniqueFd(fd);
}

// Only our own id, one wide: the one map an unprivileged process may write itself.
bool own_id_only(const std::vector<specs::IDMapping>& m, unsigned id) {
    return m.size() == 1 && m[0].host_id == id && m[0].size == 1;
}

// newuidmap/newgidmap (setuid root, from shadow's uidmap package) check the ranges against
// /etc/subuid and /etc/subgid and write the map for us.
Result<void> run_map_helper(const char* tool, const char* subid_file, pid_t pid,
                            const std::vector<specs::IDMapping>& maps, const std::string& field) {
    std::vector<std::string> args{tool, std::to_string(pid)};
    for (const auto& m : maps) {
        args.push_back(std::to_string(m.container_id));
        args.push_back(std::to_string(m.host_id));
        args.push_back(std::to_string(m.size));
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return sys_error("pipe");
    UniqueFd rd(p[0]), wr(p[1]);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], STDERR_FILENO);
    pid_t child = -1;
    int rc = ::posix_spawnp(&child, tool, &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    wr.reset();
    if (rc != 0) {
        if (rc == ENOENT)
            return Error(rc, field + ": " + tool + " not found: mapping more than your own id needs it "
                             "(Debian package uidmap) and a range in " + subid_file);
        return Error(rc, field + ": run " + tool);
    }
    std::string err;
    char buf[512];
    for (;;) {
        ssize_t n = ::read(rd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        err.append(buf, static_cast<size_t>(n));
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    return Error(EPERM, field + ": " + tool + " refused the mappings (the ranges must be yours in " + subid_file +
                            ")" + (err.empty() ? "" : ": " + err));
}

}  // namespace

Result<void> write_user_maps(pid_t pid, const specs::Linux& linux, bool rootless) {
    if (!rootless) return write_id_maps(pid, linux, false);
    const std::string base = "/proc/" + std::to_string(pid) + "/";
    if (own_id_only(linux.uid_mappings, ::geteuid()))
        TRY_CTX(sys::write_file(base + "uid_map", format_map(linux.uid_mappings)), "linux.uidMappings");
    else
        TRY(run_map_helper("newuidmap", "/etc/subuid", pid, linux.uid_mappings, "linux.uidMappings"));
    if (own_id_only(linux.gid_mappings, ::getegid())) {
        // The kernel lets an unprivileged writer map its gid only once setgroups is denied.
        TRY_CTX(sys::write_file(base + "setgroups", "deny"), "linux.gidMappings");
        TRY_CTX(sys::write_file(base + "gid_map", format_map(linux.gid_mappings)), "linux.gidMappings");
    } else {
        TRY(run_map_helper("newgidmap", "/etc/subgid", pid, linux.gid_mappings, "linux.gidMappings"));
    }
    return {};
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

Result<std::vector<UniqueFd>> prepare_idmapped_mounts(const rootfs::RootfsPlan& plan) {
    std::vector<UniqueFd> trees;
    struct Userns {
        const rootfs::PlannedMount* first;
        UniqueFd fd;
    };
    std::vector<Userns> made;  // mounts with the same mappings share one user namespace
    for (const auto& m : plan.mounts) {
        if (!m.idmapped && !m.host_tree) continue;
        if (trees.size() <= m.index) trees.resize(m.index + 1);
        const std::string f = "mounts[" + std::to_string(m.index) + "]";
        if (m.host_tree) {
            // Opened here, on the host side: the container's root may not reach the source.
            // Only a help: when this fails too (a missing source; root in a user namespace
            // that does not own our mount namespace: EPERM) the init tries the path itself
            // and reports what it finds, as it did before.
            unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (m.opts.recursive_bind ? AT_RECURSIVE : 0);
            trees[m.index].reset(sys::open_tree(AT_FDCWD, m.source.c_str(), flags));
            continue;
        }
        const std::string field = m.idmap_userns_path.empty() ? f + ".uidMappings" : f + ".options";
        int userns = -1;
        UniqueFd joined;
        if (!m.idmap_userns_path.empty()) {
            joined.reset(::open(m.idmap_userns_path.c_str(), O_RDONLY | O_CLOEXEC));
            if (!joined) return sys_error(field + ": open user namespace " + m.idmap_userns_path);
            userns = joined.get();
        } else {
            for (const auto& u : made)
                if (same_maps(u.first->idmap_uids, m.idmap_uids) && same_maps(u.first->idmap_gids, m.idmap_gids))
                    userns = u.fd.get();
            if (userns < 0) {
                TRY_ASSIGN(UniqueFd fd, make_userns(m.idmap_uids, m.idmap_gids, field));
                userns = fd.get();
                made.push_back({&m, std::move(fd)});
            }
        }
        unsigned tree_flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (m.opts.recursive_bind ? AT_RECURSIVE : 0);
        UniqueFd tree(sys::open_tree(AT_FDCWD, m.source.c_str(), tree_flags));
        if (!tree) return sys_error(f + ".source: open_tree " + m.source);
        mount_attr attr{};
        attr.attr_set = MOUNT_ATTR_IDMAP;
        attr.userns_fd = static_cast<uint64_t>(userns);
        unsigned at = AT_EMPTY_PATH | (m.opts.idmap_recursive ? AT_RECURSIVE : 0);
        if (sys::mount_setattr(tree.get(), "", at, &attr) < 0)
            return sys_error(field + ": idmap " + m.source +
                             (errno == EINVAL ? " (does its filesystem support idmapped mounts?)" : ""));
        trees[m.index] = std::move(tree);
    }
    return trees;
}

}  // namespace lc::bootstrap
