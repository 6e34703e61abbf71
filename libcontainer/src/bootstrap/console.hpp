// Terminals for the container's processes (runc's console-socket protocol).
//
// The receiver (conmon, containerd-shim, tests/tools/recvtty.c, or cort itself when it
// proxies a foreground terminal) listens on an AF_UNIX SOCK_STREAM socket. The runtime's
// parent connects to it BEFORE the clone, because the path is on the host and the child
// will only see the container's filesystem. The child opens a new pty from the
// container's own devpts (after pivot_root), and sends the master as exactly one
// SCM_RIGHTS fd in one message whose payload is the master's name ("/dev/ptmx", as runc).
// The slave becomes the child's controlling terminal and its stdin/stdout/stderr.
#pragma once
#include <optional>
#include <string>
#include <utility>

#include "lc/error.hpp"
#include "lc/fd.hpp"
#include "specs/runtime_spec.hpp"

namespace lc::console {

// Parent side: connect to the receiver's socket. ENOENT keeps runc's wording
// ("dial unix PATH: connect: no such file or directory") which engines match on.
Result<UniqueFd> connect_socket(const std::string& path);

// Child side, inside the container's mount namespace, still root: new pty from /dev/ptmx,
// master sent over `socket_fd`, consoleSize applied, slave made the controlling terminal
// (the caller must have called setsid) and dup'ed onto 0, 1 and 2. With mount_console the
// slave is also bind-mounted on /dev/console (the init, before /dev may turn read-only).
Result<void> setup_console(int socket_fd, const std::optional<specs::Box>& size, bool mount_console);

// Receiver side: one message with one fd (the pty master, CLOEXEC).
Result<UniqueFd> recv_master(int socket_fd);

// For `run` in the foreground with a terminal and no --console-socket: cort is its own
// receiver. A listening socket in a fresh 0700 directory; the init connects during
// create (the connection waits in the backlog) and its message is read after start.
class Listener {
public:
    static Result<Listener> make();
    Listener(Listener&& o) noexcept
        : fd_(std::move(o.fd_)), dir_(std::exchange(o.dir_, {})), path_(std::exchange(o.path_, {})) {}
    Listener& operator=(Listener&&) = delete;
    Listener(const Listener&) = delete;
    ~Listener();
    const std::string& path() const { return path_; }
    Result<UniqueFd> accept_master() const;

private:
    Listener() = default;
    UniqueFd fd_;
    std::string dir_, path_;
};

}  // namespace lc::console
