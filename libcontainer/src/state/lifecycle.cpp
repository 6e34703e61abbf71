// start, state, kill, delete: the commands that never enter the container. They read
// state.json (one small file), never config.json or mountinfo, and never copy the binary.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "bootstrap/channel.hpp"
#include "bootstrap/notify_socket.hpp"
#include "hooks.hpp"
#include "lc/container.hpp"
#include "lc/log.hpp"
#include "specs/json.hpp"
#include "specs/oci_state.hpp"
#include "sys/proc.hpp"
#include "sys/syscalls.hpp"

namespace lc {
namespace {

// True when `create` still holds the container's lock (it is mid-bootstrap).
bool lock_busy(const StateStore& store, const std::string& id) {
    UniqueFd fd(::open((store.dir(id) + "/.lock").c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    return ::flock(fd.get(), LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

Status derive_status(const StateStore& store, const ContainerState& st) {
    if (st.pid <= 0) return lock_busy(store, st.id) ? Status::Creating : Status::Stopped;
    auto ps = sys::read_proc_stat(st.pid);
    if (!ps || ps->start_time != st.pid_start_time || ps->state == 'Z' || ps->state == 'X') return Status::Stopped;
    if (!st.cgroup.empty()) {
        auto mgr = cgroups::load_manager(st.cgroup);
        if (mgr) {
            auto frozen = (*mgr)->is_frozen();
            if (frozen && *frozen) return Status::Paused;
        }
    }
    if (::access(store.fifo_path(st.id).c_str(), F_OK) == 0) return Status::Created;
    return Status::Running;
}

std::string hook_state(const ContainerState& st, const char* status) {
    specs::OciState s;
    s.id = st.id;
    s.status = status;
    s.pid = st.pid;
    s.bundle = st.bundle;
    s.annotations = st.annotations;
    return specs::to_json_string(s, false);
}

// pidfd_open, then check the start time, then signal through the pidfd: a pid reused by an
// unrelated process between the check and the signal can never be hit (crun's order).
Result<UniqueFd> open_init(const ContainerState& st) {
    UniqueFd pidfd(sys::pidfd_open(st.pid));
    if (!pidfd) {
        if (errno == ESRCH) return plain_error(ESRCH, "container not running");
        return sys_error("pidfd_open " + std::to_string(st.pid));
    }
    auto ps = sys::read_proc_stat(st.pid);
    if (!ps || ps->start_time != st.pid_start_time) return plain_error(ESRCH, "container not running");
    return pidfd;
}

bool wait_exit(int pidfd, int timeout_ms) {
    pollfd p{pidfd, POLLIN, 0};
    for (;;) {
        int n = ::poll(&p, 1, timeout_ms);
        if (n < 0 && errno == EINTR) continue;
        return n > 0;
    }
}

// The init renames itself "cort:[2:INIT]"; execve replaces that name. Polled only when
// poststart hooks exist: no channel to the init survives `create`.
void wait_for_exec(const ContainerState& st) {
    for (int i = 0; i < 10000; i++) {
        auto ps = sys::read_proc_stat(st.pid);
        if (!ps || ps->start_time != st.pid_start_time || ps->comm != "cort:[2:INIT]") return;
        struct timespec ts{0, 1000000};
        nanosleep(&ts, nullptr);
    }
}

Result<std::optional<specs::Hooks>> saved_hooks(const ContainerState& st) {
    if (st.hooks.empty()) return std::optional<specs::Hooks>{};
    TRY_ASSIGN(specs::Hooks h, specs::parse_hooks(st.hooks));
    return std::optional<specs::Hooks>(std::move(h));
}

}  // namespace

const char* to_string(Status s) {
    switch (s) {
        case Status::Creating: return "creating";
        case Status::Created: return "created";
        case Status::Running: return "running";
        case Status::Paused: return "paused";
        case Status::Stopped: return "stopped";
    }
    return "unknown";
}

Result<ContainerInfo> load_container(const StateStore& store, const std::string& id) {
    TRY_ASSIGN(ContainerState st, store.load(id));
    ContainerInfo info;
    info.status = derive_status(store, st);
    info.state = std::move(st);
    return info;
}

std::string oci_state_json(const ContainerInfo& info) {
    specs::OciState s;
    s.oci_version = "1.3.0";
    s.id = info.state.id;
    s.status = to_string(info.status);
    s.pid = (info.status == Status::Stopped) ? 0 : info.state.pid;
    s.bundle = info.state.bundle;
    s.annotations = info.state.annotations;
    return specs::to_json_string(s, true);
}

namespace {

// Releases an init that waits on exec.fifo.
Result<void> release_by_fifo(const StateStore& store, const std::string& id) {
    std::string fifo = store.fifo_path(id);
    // Non-blocking: ENXIO means no reader, i.e. the init is gone; we never hang on it.
    UniqueFd fd(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
        if (errno == ENXIO) return plain_error(ESRCH, "container init is not waiting on exec.fifo (it exited?)");
        return sys_error("open " + fifo);
    }
    if (::write(fd.get(), "0", 1) != 1) return sys_error("write " + fifo);
    fd.reset();
    ::unlink(fifo.c_str());
    return {};
}

// Releases the init `run` just created (CreateOptions::start_over_channel). It closes its end
// once it has the message: after that it no longer depends on this process.
Result<void> release_by_channel(UniqueFd channel) {
    bootstrap::Channel ch(std::move(channel));
    auto sent = ch.send(bootstrap::MsgType::Start);
    if (!sent) {
        if (sent.error().code == EPIPE) return plain_error(ESRCH, "container init is not waiting for start (it exited?)");
        return sent;
    }
    return ch.expect_close();
}

// start, once the container is known to be created and `lock` is held. `channel`: see
// release_by_channel; without it the init waits on exec.fifo.
Result<void> start_locked(const StateStore& store, const ContainerState& st, UniqueFd lock,
                          const std::string& notify_host, UniqueFd channel = {}) {
    const std::string& id = st.id;
    // Bound before the process is released, so that no READY=1 can be sent to nowhere.
    UniqueFd notify_sock;
    if (!notify_host.empty()) {
        TRY_ASSIGN(notify_sock, notify::bind_socket(store.dir(id)));
    }
    if (channel) {
        TRY(release_by_channel(std::move(channel)));
    } else {
        TRY(release_by_fifo(store, id));
    }
    TRY_ASSIGN(auto hooks, saved_hooks(st));
    if (hooks && !hooks->poststart.empty()) {
        // poststart runs "after the user-specified process is executed": wait for the exec.
        wait_for_exec(st);
        // runtime-spec: a failing poststart hook is a warning; the others still run.
        for (const auto& w : hooks::run_hooks_all(hooks->poststart, hook_state(st, "running"), "poststart"))
            log::warn(w);
    }
    if (notify_sock) {
        // Unlocked while waiting: `delete --force` must still be able to stop it.
        lock.reset();
        auto pidfd = open_init(st);
        if (!pidfd) return {};  // the init is gone already: nothing will ever be ready
        return notify::forward_ready(notify_sock.get(), pidfd->get(), st.pid, notify_host);
    }
    return {};
}

}  // namespace

Result<void> start_container(const StateStore& store, const std::string& id, const std::string& notify_host) {
    TRY_ASSIGN(UniqueFd lock, store.lock(id));
    TRY_ASSIGN(ContainerInfo info, load_container(store, id));
    // runc's words for the two states an engine meets (it may retry a start).
    if (info.status == Status::Stopped) return plain_error(EINVAL, "cannot start a container that has stopped");
    if (info.status == Status::Running) return plain_error(EINVAL, "cannot start an already running container");
    if (info.status != Status::Created)
        return plain_error(EINVAL, "cannot start a container in the " + std::string(to_string(info.status)) +
                                 " state (only a created container can be started)");
    return start_locked(store, info.state, std::move(lock), notify_host);
}

Result<void> start_created(const StateStore& store, CreatedContainer& c, const std::string& notify_host) {
    if (!c.lock) {
        TRY_ASSIGN(c.lock, store.lock(c.state.id));
    }
    return start_locked(store, c.state, std::move(c.lock), notify_host, std::move(c.start_channel));
}

Result<void> kill_container(const StateStore& store, const std::string& id, int sig, bool all) {
    TRY_ASSIGN(ContainerInfo info, load_container(store, id));
    if (info.status == Status::Creating || (info.status == Status::Stopped && !all))
        return plain_error(ESRCH, "container not running");
    if (info.status == Status::Stopped) {
        // runc: --all still reaches what the init left behind. Without its own pid namespace
        // the init's death kills nothing else, and containerd-shim then sends `kill --all ID 9`.
        // Nothing to signal (no cgroup, or it is gone) is success, as with runc.
        if (info.state.cgroup.empty()) return {};
        TRY_ASSIGN(auto mgr, cgroups::load_manager(info.state.cgroup));
        TRY_ASSIGN(auto left, mgr->pids());  // a cgroup that is gone has none
        if (left.empty()) return {};
        return mgr->kill_all(sig);
    }
    if (all || !info.state.new_pid_ns) {
        if (info.state.cgroup.empty()) return plain_error(EINVAL, "kill --all: the container has no cgroup");
        TRY_ASSIGN(auto mgr, cgroups::load_manager(info.state.cgroup));
        return mgr->kill_all(sig);
    }
    TRY_ASSIGN(UniqueFd pidfd, open_init(info.state));
    if (sys::pidfd_send_signal(pidfd.get(), sig) < 0) {
        if (errno == ESRCH) return plain_error(ESRCH, "container not running");
        return sys_error("signal container init");
    }
    return {};
}

namespace {

// What is left once the init is gone: stray processes of a shared pid namespace, the
// cgroup, the poststop hooks, the state directory.
Result<void> remove_stopped(const StateStore& store, const ContainerState& st, std::unique_ptr<cgroups::Manager> mgr) {
    if (mgr) {
        // A create killed before its final save leaves no pid to signal; whatever is still
        // in the cgroup (an init that has not yet died of its death signal) goes now. With its
        // own pid namespace, the init's death took every other process with it (runc skips
        // this too): then only the rmdirs remain, which wait out tasks still exiting.
        if (st.pid <= 0 || !st.new_pid_ns) {
            auto left = mgr->pids();
            if (left && !left->empty()) (void)mgr->kill_all(SIGKILL);
        }
        TRY_CTX(mgr->destroy(), "delete cgroup");
    }
    auto hooks = saved_hooks(st);
    if (hooks && *hooks && !(*hooks)->poststop.empty() && st.pid > 0)
        for (const auto& w : hooks::run_hooks_all((*hooks)->poststop, hook_state(st, "stopped"), "poststop"))
            log::warn(w);
    return store.remove(st.id);
}

std::unique_ptr<cgroups::Manager> saved_manager(const ContainerState& st) {
    if (st.cgroup.empty()) return nullptr;
    auto m = cgroups::load_manager(st.cgroup);
    return m ? std::move(m).value() : nullptr;
}

}  // namespace

Result<void> delete_container(const StateStore& store, const std::string& id, bool force) {
    if (!store.exists(id)) {
        if (force) return {};
        return plain_error(ENOENT, "container \"" + id + "\" does not exist");
    }
    auto locked = store.lock(id);
    if (!locked) {
        // A create killed between its mkdir and creating .lock left a bare directory: nothing
        // was started yet, so --force only has the directory to remove.
        if (force && locked.error().code == ENOENT) return store.remove(id);
        return std::move(locked).error();
    }
    UniqueFd lock = std::move(locked).value();
    TRY_ASSIGN(ContainerInfo info, load_container(store, id));
    const ContainerState& st = info.state;
    if ((info.status == Status::Running || info.status == Status::Paused) && !force)
        return plain_error(EBUSY, "cannot delete container \"" + id + "\" that is not stopped: " +
                                to_string(info.status) + " (use --force)");
    std::unique_ptr<cgroups::Manager> mgr = saved_manager(st);
    if (info.status != Status::Stopped && st.pid > 0) {
        auto pidfd = open_init(st);
        if (pidfd) {
            if (!st.new_pid_ns && mgr) (void)mgr->kill_all(SIGKILL);
            (void)sys::pidfd_send_signal(pidfd->get(), SIGKILL);
            // A frozen process cannot die: thaw after the kill is queued.
            if (info.status == Status::Paused && mgr) (void)mgr->freeze(false);
            if (!wait_exit(pidfd->get(), 10000)) return plain_error(ETIMEDOUT, "delete: container init did not exit after SIGKILL");
        }
    }
    return remove_stopped(store, st, std::move(mgr));
}

Result<void> delete_reaped(const StateStore& store, const CreatedContainer& c) {
    auto locked = store.lock(c.state.id);
    // Gone already: someone else (`delete --force`) removed it meanwhile.
    if (!locked) return locked.error().code == ENOENT ? Result<void>{} : Result<void>(std::move(locked).error());
    return remove_stopped(store, c.state, saved_manager(c.state));
}

}  // namespace lc
