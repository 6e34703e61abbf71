#include "security/seccomp_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "lc/fd.hpp"
#include "sys/syscalls.hpp"

namespace lc::security {

namespace {

std::string json_string(const std::string& s) {
    // replace, not throw: metadata is user input and may not be UTF-8.
    return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string to_json_string(const ContainerProcessState& s) {
    // The OCI state is serialised by specs; the envelope is small enough to write here.
    return "{\"ociVersion\":" + json_string(s.oci_version) + ",\"fds\":[\"seccompFd\"],\"pid\":" +
           std::to_string(s.pid) + ",\"metadata\":" + json_string(s.metadata) +
           ",\"state\":" + specs::to_json_string(s.state, false) + "}";
}

Result<void> send_seccomp_listener_fd(const std::string& listener_path, int listener_fd,
                                      const ContainerProcessState& state) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (listener_path.empty() || listener_path.size() >= sizeof addr.sun_path)
        return make_error("connect " + listener_path + ": socket path too long or empty");
    std::memcpy(addr.sun_path, listener_path.c_str(), listener_path.size() + 1);

    UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) return sys_error("create seccomp listener socket");
    int rc;
    do {
        rc = ::connect(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) return sys_error("connect " + listener_path);

    const std::string payload = to_json_string(state);
    size_t sent = 0;
    bool fd_sent = false;
    while (sent < payload.size()) {
        iovec iov{const_cast<char*>(payload.data() + sent), payload.size() - sent};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
        // The fd rides with the first byte; the stream may split the rest.
        if (!fd_sent) sys::attach_fds(msg, control, &listener_fd, 1);
        ssize_t n = ::sendmsg(sock.get(), &msg, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("send seccomp listener fd to " + listener_path);
        }
        fd_sent = true;
        sent += static_cast<size_t>(n);
    }
    return {};
}

}  // namespace lc::security
