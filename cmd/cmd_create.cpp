#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "commands.hpp"
#include "lc/container.hpp"
#include "lc/fd.hpp"
#include "rootfs/safe_path.hpp"
#include "state/container_id.hpp"

namespace cort {

// systemd socket activation, as runc (go-systemd's activation.Files) reads it: the fds are
// ours only when LISTEN_PID names this process; anything malformed means none.
unsigned listen_fds_from_env() {
    const char* pid = std::getenv("LISTEN_PID");
    const char* fds = std::getenv("LISTEN_FDS");
    if (!pid || !fds || !*pid || !*fds) return 0;
    char* end = nullptr;
    long p = std::strtol(pid, &end, 10);
    if (*end || p != ::getpid()) return 0;
    unsigned long n = std::strtoul(fds, &end, 10);
    if (*end || fds[0] == '-' || n > 4096) return 0;
    return static_cast<unsigned>(n);
}

// realpath(3) would readlink every component (containerd's bundles are 5-6 deep): open the
// directory and ask the kernel for its path instead, three syscalls whatever the depth.
lc::Result<std::string> canonical_dir(const std::string& path) {
    lc::UniqueFd fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return lc::sys_error("bundle " + path);
    char buf[PATH_MAX];
    std::string link = lc::rootfs::fd_path(fd.get());
    ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
    if (n > 0 && buf[0] == '/') return std::string(buf, static_cast<size_t>(n));
    // No /proc, or the "(unreachable)" of a directory outside our root: the slow way.
    if (!::realpath(path.c_str(), buf)) return lc::sys_error("bundle " + path);
    return std::string(buf);
}

lc::Result<lc::CreateOptions> create_options(const GlobalOptions& g, const ParsedArgs& a, const std::string& id) {
    TRY(lc::validate_container_id(id));
    lc::CreateOptions o;
    o.id = id;
    std::string bundle = a.get("bundle", ".");
    TRY_ASSIGN(o.bundle, canonical_dir(bundle));
    o.state_root = g.root;
    o.pid_file = a.get("pid-file");
    o.console_socket = a.get("console-socket");
    o.no_pivot = a.has("no-pivot");
    o.no_new_keyring = a.has("no-new-keyring");
    o.systemd_cgroup = g.systemd_cgroup;
    if (a.has("preserve-fds")) {
        std::string v = a.get("preserve-fds");
        char* end = nullptr;
        unsigned long n = std::strtoul(v.c_str(), &end, 10);
        if (v.empty() || *end || n > 4096) return lc::plain_error(EINVAL, "--preserve-fds: expected a small number, got \"" + v + "\"");
        o.preserve_fds = static_cast<unsigned>(n);
    }
    o.listen_fds = listen_fds_from_env();
    if (const char* n = std::getenv("NOTIFY_SOCKET")) o.notify_socket = n;
    return o;
}

int cmd_create(const GlobalOptions& g, const ParsedArgs& a) {
    int rc = 0;
    if (!check_positional(command_named("create"), a, 1, rc)) return rc;
    auto opts = create_options(g, a, a.positional[0]);
    if (!opts) return fail(opts.error());
    auto c = lc::create_container(*opts);
    if (!c) return fail(c.error());
    return 0;
}

}  // namespace cort
