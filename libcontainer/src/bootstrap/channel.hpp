// Typed messages between the bootstrap stages over one SOCK_SEQPACKET socketpair: a packet
// is never split, so a message is exactly one send/recv. fds travel as SCM_RIGHTS and are
// received CLOEXEC. Wire: {u32 type; i32 code} + payload bytes.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lc/error.hpp"
#include "lc/fd.hpp"

namespace lc::bootstrap {

enum class MsgType : uint32_t {
    Go = 1,          // parent -> first child: cgroup joined, resources set; proceed
    UsermapReq,      // stage-1 -> parent: write my uid/gid maps
    UsermapAck,      // parent -> stage-1
    InitPid,         // stage-1 -> parent: payload = pid of stage-2 (host view)
    HooksReq,        // stage-2 -> parent: mounts done, run prestart/createRuntime hooks
    HooksDone,       // parent -> stage-2
    SeccompFd,       // stage-2 -> parent: the seccomp notify listener (one fd)
    Ready,           // stage-2 -> parent: ready to exec, waiting for start
    Run,             // parent -> stage-2: state saved; drop the death signal and detach
    Error,           // either way: code = errno, payload = message
    Start,           // parent -> stage-2, `run` only: start now (there is no exec.fifo)
    Log,             // child -> parent: code = lc::log::Level, payload = the line's text
};

struct Message {
    MsgType type{};
    int32_t code = 0;
    std::string payload;
    std::vector<UniqueFd> fds;
};

const char* to_string(MsgType t);

class Channel {
public:
    Channel() = default;
    explicit Channel(UniqueFd fd) : fd_(std::move(fd)) {}
    static Result<std::pair<Channel, Channel>> make_pair();

    Result<void> send(MsgType type, std::string_view payload = {}, int32_t code = 0,
                      const std::vector<int>& fds = {}) const;
    // The text travels whole (strerror included); the receiver rebuilds a plain Error.
    Result<void> send_error(const lc::Error& e) const { return send(MsgType::Error, e.text(), e.code); }
    // EOF is an Error with code EPIPE and message "peer closed the channel". Log messages
    // never come out of here: they go to this process's logger on the way, so every receive
    // loop of the parent forwards the children's log lines without knowing about them.
    Result<Message> recv() const;
    // In a child stage: lc::log lines go to the parent over this channel from now on, until
    // stop_forwarding_logs (a closed channel must not be written to, nor the container's
    // stderr: lines are then dropped).
    void forward_logs() const;
    static void stop_forwarding_logs();
    // Receives one message; an Error message from the peer becomes this call's Error, any
    // other unexpected type is a protocol error naming both types.
    Result<Message> expect(MsgType type) const;
    // Waits for the peer to close its end without sending anything more.
    Result<void> expect_close() const;
    // Whether a message (or EOF) is there to receive within timeout_ms.
    Result<bool> wait_readable(int timeout_ms) const;

    int fd() const { return fd_.get(); }
    void close() { fd_.reset(); }
    UniqueFd release() { return std::move(fd_); }

private:
    Result<Message> recv_one() const;
    UniqueFd fd_;
};

}  // namespace lc::bootstrap
