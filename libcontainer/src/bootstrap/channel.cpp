#include "bootstrap/channel.hpp"
#include "lc/log.hpp"
#include "sys/syscalls.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cstring>

namespace lc::bootstrap {
namespace {

struct Header {
    uint32_t type;
    int32_t code;
};

constexpr size_t kMaxPayload = 16384;
constexpr size_t kMaxFds = 8;

}  // namespace

const char* to_string(MsgType t) {
    switch (t) {
        case MsgType::Go: return "go";
        case MsgType::UsermapReq: return "usermap-request";
        case MsgType::UsermapAck: return "usermap-ack";
        case MsgType::InitPid: return "init-pid";
        case MsgType::HooksReq: return "hooks-request";
        case MsgType::HooksDone: return "hooks-done";
        case MsgType::SeccompFd: return "seccomp-fd";
        case MsgType::Ready: return "ready";
        case MsgType::Run: return "run";
        case MsgType::Error: return "error";
        case MsgType::Start: return "start";
        case MsgType::Log: return "log";
    }
    return "unknown";
}

Result<std::pair<Channel, Channel>> Channel::make_pair() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return sys_error("socketpair");
    return std::make_pair(Channel(UniqueFd(sv[0])), Channel(UniqueFd(sv[1])));
}

Result<void> Channel::send(MsgType type, std::string_view payload, int32_t code, const std::vector<int>& fds) const {
    if (payload.size() > kMaxPayload) payload = payload.substr(0, kMaxPayload);
    if (fds.size() > kMaxFds) return Error(EINVAL, "send: too many fds");
    Header h{static_cast<uint32_t>(type), code};
    iovec iov[2] = {{&h, sizeof h}, {const_cast<char*>(payload.data()), payload.size()}};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = payload.empty() ? 1 : 2;
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * kMaxFds)];
    if (!fds.empty()) sys::attach_fds(msg, cbuf, fds.data(), fds.size());
    for (;;) {
        if (::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL) >= 0) return {};
        if (errno != EINTR) return sys_error(std::string("send ") + to_string(type));
    }
}

Result<Message> Channel::recv() const {
    for (;;) {
        TRY_ASSIGN(Message m, recv_one());
        if (m.type != MsgType::Log) return m;
        auto level = static_cast<log::Level>(m.code);
        if (level < log::Level::Debug || level > log::Level::Error) level = log::Level::Info;
        log::write(level, m.payload);
    }
}

namespace {

void send_log_line(log::Level level, std::string_view msg, const void* ctx) {
    (void)static_cast<const Channel*>(ctx)->send(MsgType::Log, msg, static_cast<int32_t>(level));
}

void drop_log_line(log::Level, std::string_view, const void*) {}

}  // namespace

void Channel::forward_logs() const { log::forward_to(send_log_line, this); }

void Channel::stop_forwarding_logs() { log::forward_to(drop_log_line, nullptr); }

Result<Message> Channel::recv_one() const {
    Header h{};
    char buf[kMaxPayload];
    iovec iov[2] = {{&h, sizeof h}, {buf, sizeof buf}};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * kMaxFds)];
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    ssize_t n;
    do {
        n = ::recvmsg(fd_.get(), &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return sys_error("receive from bootstrap channel");
    if (n == 0) return Error(EPIPE, "peer closed the channel");
    if (static_cast<size_t>(n) < sizeof h) return Error(EPROTO, "short bootstrap message");
    Message m;
    m.type = static_cast<MsgType>(h.type);
    m.code = h.code;
    m.payload.assign(buf, static_cast<size_t>(n) - sizeof h);
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            m.fds.emplace_back(fd);
        }
    }
    return m;
}

Result<Message> Channel::expect(MsgType type) const {
    TRY_ASSIGN(Message m, recv());
    if (m.type == type) return m;
    if (m.type == MsgType::Error) return lc::plain_error(m.code, m.payload);
    return lc::Error(EPROTO, std::string("bootstrap protocol: expected ") + to_string(type) + ", got " +
                                 to_string(m.type));
}

Result<bool> Channel::wait_readable(int timeout_ms) const {
    pollfd p{fd_.get(), POLLIN, 0};
    int n;
    do {
        n = ::poll(&p, 1, timeout_ms);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return sys_error("poll bootstrap channel");
    return n > 0;
}

Result<void> Channel::expect_close() const {
    auto fin = recv();
    if (fin) return plain_error(EPROTO, std::string("bootstrap protocol: unexpected message \"") + to_string(fin->type) + "\"");
    if (fin.error().code != EPIPE) return std::move(fin).error();
    return {};
}

}  // namespace lc::bootstrap
