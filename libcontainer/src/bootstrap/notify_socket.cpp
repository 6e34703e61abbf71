#include "bootstrap/notify_socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "sys/syscalls.hpp"

namespace lc::notify {
namespace {

// How long the host gets to acknowledge BARRIER=1 (runc's 30 s); a receiver that does not
// speak the barrier protocol costs this once and is then ignored.
constexpr int kBarrierTimeoutMs = 30000;

Result<sockaddr_un> address_of(const std::string& path, socklen_t& len) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof a.sun_path)
        return plain_error(EINVAL, "NOTIFY_SOCKET: bad socket path \"" + path + "\"");
    std::memcpy(a.sun_path, path.data(), path.size());
    if (path[0] == '@') a.sun_path[0] = '\0';  // abstract namespace, as systemd writes it
    len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (path[0] == '@' ? 0 : 1));
    return a;
}

Result<void> send_all(int fd, const std::string& msg, int pass_fd = -1) {
    iovec iov{const_cast<char*>(msg.data()), msg.size()};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    alignas(cmsghdr) char buf[CMSG_SPACE(sizeof(int))];
    if (pass_fd >= 0) sys::attach_fds(mh, buf, &pass_fd, 1);
    while (::sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
        if (errno != EINTR) return sys_error("NOTIFY_SOCKET: sendmsg");
    return {};
}

// sd_notify_barrier: BARRIER=1 with the write end of a pipe; the host closes it once it has
// processed everything before. EOF is the acknowledgement.
Result<void> barrier(int client) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return sys_error("pipe");
    UniqueFd rd(p[0]), wr(p[1]);
    TRY(send_all(client, "BARRIER=1", wr.get()));
    wr.reset();
    pollfd pf{rd.get(), POLLIN, 0};
    int n;
    while ((n = ::poll(&pf, 1, kBarrierTimeoutMs)) < 0 && errno == EINTR) {
    }
    if (n == 0) return {};  // no barrier support on the host side: runc ignores it too
    char c;
    if (::read(rd.get(), &c, 1) != 0) return plain_error(EPROTO, "NOTIFY_SOCKET: unexpected read from the barrier pipe");
    return {};
}

}  // namespace

std::string socket_dir(const std::string& state_dir) { return state_dir + "/notify"; }

void add_to_spec(specs::Spec& spec, const std::string& state_dir) {
    specs::Mount m;
    m.destination = kContainerDir;
    m.type = "bind";
    m.source = socket_dir(state_dir);
    m.options = {"bind", "nosuid", "noexec", "nodev", "ro"};
    spec.mounts.push_back(std::move(m));
    if (spec.process) spec.process->env.push_back(std::string("NOTIFY_SOCKET=") + kContainerSocket);
}

std::string ready_line(std::string_view d) {
    size_t pos = 0;
    while (pos <= d.size()) {
        size_t end = d.find('\n', pos);
        if (end == std::string_view::npos) end = d.size();
        std::string_view line = d.substr(pos, end - pos);
        if (line.substr(0, 6) == "READY=") return std::string(line);
        pos = end + 1;
    }
    return {};
}

Result<UniqueFd> bind_socket(const std::string& state_dir) {
    std::string dir = socket_dir(state_dir);
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0) return UniqueFd();
    std::string path = dir + "/notify.sock";
    UniqueFd s(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!s) return sys_error("NOTIFY_SOCKET: socket");
    ::unlink(path.c_str());  // a previous `start` that failed may have left it
    socklen_t len = 0;
    TRY_ASSIGN(sockaddr_un a, address_of(path, len));
    if (::bind(s.get(), reinterpret_cast<sockaddr*>(&a), len) < 0) return sys_error("listen unixgram " + path + ": bind");
    // Any uid in the container may notify, as with runc.
    if (::chmod(path.c_str(), 0777) < 0) return sys_error("chmod " + path);
    return s;
}

Result<void> forward_ready(int sock, int pidfd, pid_t init_pid, const std::string& host) {
    // Connected first, like runc: a host socket that is not there fails `start` at once.
    UniqueFd client(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!client) return sys_error("NOTIFY_SOCKET: socket");
    socklen_t len = 0;
    TRY_ASSIGN(sockaddr_un a, address_of(host, len));
    if (::connect(client.get(), reinterpret_cast<sockaddr*>(&a), len) < 0)
        return sys_error("dial unixgram " + host + ": connect");
    for (;;) {
        pollfd p[2] = {{sock, POLLIN, 0}, {pidfd, POLLIN, 0}};
        if (::poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return sys_error("NOTIFY_SOCKET: poll");
        }
        if (p[0].revents & POLLIN) {
            char buf[4096];
            ssize_t n = ::recv(sock, buf, sizeof buf, MSG_DONTWAIT);
            if (n < 0 && errno != EAGAIN && errno != EINTR) return sys_error("NOTIFY_SOCKET: recv");
            std::string ready = n > 0 ? ready_line(std::string_view(buf, static_cast<size_t>(n))) : "";
            if (!ready.empty()) {
                TRY(send_all(client.get(), ready + "\n"));
                TRY(send_all(client.get(), "MAINPID=" + std::to_string(init_pid) + "\n"));
                return barrier(client.get());
            }
            continue;  // other states (STATUS=...) are not forwarded, as with runc
        }
        // The init exited without READY: nothing to tell (runc returns quietly too).
        if (p[1].revents) return {};
    }
}

}  // namespace lc::notify
