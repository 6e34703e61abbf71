// sd_notify proxy (NOTIFY_SOCKET), runc's contract without runc's goroutines:
//   create: the container gets <state dir>/notify bind-mounted read-only at /run/notify and
//           NOTIFY_SOCKET=/run/notify/notify.sock in its environment.
//   start (and run): binds that socket before the container's process is released, then
//           waits in one poll(2) on the socket and the init's pidfd: the first READY= line
//           goes to the host's NOTIFY_SOCKET followed by MAINPID=<init host pid> and a
//           BARRIER=1 handshake; if the init exits first, start returns without a word.
// The host only hears READY=1 once the container has really started.
#pragma once
#include <sys/types.h>

#include <string>

#include "lc/error.hpp"
#include "lc/fd.hpp"
#include "specs/runtime_spec.hpp"

namespace lc::notify {

inline constexpr const char* kContainerDir = "/run/notify";
inline constexpr const char* kContainerSocket = "/run/notify/notify.sock";

// The directory holding the proxy socket: <state dir>/notify.
std::string socket_dir(const std::string& state_dir);

// create: the read-only bind mount and the environment variable, added to the spec.
void add_to_spec(specs::Spec& spec, const std::string& state_dir);

// The first READY= line of one datagram, or "" (pure; unit-tested).
std::string ready_line(std::string_view datagram);

// start: the bound proxy socket (empty when create did not set one up: the container has
// no /run/notify, so nothing could reach it).
Result<UniqueFd> bind_socket(const std::string& state_dir);

// Waits for READY= on `sock` or the exit of the process behind `pidfd`; forwards READY to
// `host` (a path, or "@name" for the abstract namespace) as runc does.
Result<void> forward_ready(int sock, int pidfd, pid_t init_pid, const std::string& host);

}  // namespace lc::notify
