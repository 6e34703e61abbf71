#include "state/cgroup_ops.hpp"

#include <poll.h>
#include <time.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cgroups/manager.hpp"
#include "lc/container.hpp"
#include "sys/proc.hpp"
#include "sys/syscalls.hpp"

namespace lc {
namespace {

bool live(Status s) { return s == Status::Created || s == Status::Running || s == Status::Paused; }

Result<std::unique_ptr<cgroups::Manager>> manager_of(const ContainerState& st) {
    if (st.cgroup.empty()) return plain_error(EINVAL, "container \"" + st.id + "\" has no cgroup");
    return cgroups::load_manager(st.cgroup);
}

// A live container and its manager; "container not running" otherwise (runc's words).
struct Live {
    ContainerInfo info;
    std::unique_ptr<cgroups::Manager> mgr;
};
Result<Live> load_live(const StateStore& store, const std::string& id) {
    TRY_ASSIGN(ContainerInfo info, load_container(store, id));
    if (!live(info.status)) return plain_error(ESRCH, "container not running");
    TRY_ASSIGN(auto mgr, manager_of(info.state));
    return Live{std::move(info), std::move(mgr)};
}

int64_t now_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

Result<void> update_container(const StateStore& store, const std::string& id, specs::LinuxResources r) {
    // Serialises with delete (and other updates), so the cgroup cannot vanish mid-write.
    TRY_ASSIGN(UniqueFd lock, store.lock(id));
    TRY_ASSIGN(Live c, load_live(store, id));
    // runc's update never touches device rules (plugins may have added their own), and
    // its pids limit 0 means "leave as is".
    r.devices.clear();
    if (r.pids && r.pids->limit.value_or(0) == 0) r.pids.reset();
    return c.mgr->set(r);
}

Result<void> pause_container(const StateStore& store, const std::string& id) {
    TRY_ASSIGN(UniqueFd lock, store.lock(id));
    TRY_ASSIGN(ContainerInfo info, load_container(store, id));
    // runc 1.1 pauses created and running containers only; pausing twice is "not running".
    if (info.status != Status::Created && info.status != Status::Running)
        return plain_error(ESRCH, "container not running");
    TRY_ASSIGN(auto mgr, manager_of(info.state));
    return mgr->freeze(true);
}

Result<void> resume_container(const StateStore& store, const std::string& id) {
    TRY_ASSIGN(UniqueFd lock, store.lock(id));
    TRY_ASSIGN(ContainerInfo info, load_container(store, id));
    if (info.status != Status::Paused) return plain_error(EINVAL, "container not paused");
    TRY_ASSIGN(auto mgr, manager_of(info.state));
    return mgr->freeze(false);
}

Result<std::vector<pid_t>> container_pids(const StateStore& store, const std::string& id) {
    TRY_ASSIGN(ContainerInfo info, load_container(store, id));
    // runc lists the cgroup of a stopped container too (it may still hold processes when
    // the container shared the host pid namespace); an empty list is a valid answer.
    TRY_ASSIGN(auto mgr, manager_of(info.state));
    TRY_ASSIGN(auto pids, mgr->pids());
    std::sort(pids.begin(), pids.end());
    return pids;
}

Result<cgroups::Stats> container_stats(const StateStore& store, const std::string& id) {
    TRY_ASSIGN(Live c, load_live(store, id));
    return c.mgr->stats();
}

std::string stats_event_json(const std::string& id, const cgroups::Stats& s) {
    return R"({"type":"stats","id":)" + nlohmann::json(id).dump() + R"(,"data":)" + cgroups::stats_to_json(s) + "}";
}

std::string oom_event_json(const std::string& id) {
    return R"({"type":"oom","id":)" + nlohmann::json(id).dump() + "}";
}

Result<void> watch_events(const StateStore& store, const std::string& id, int interval_ms,
                          const std::function<void(const std::string&)>& emit,
                          const std::function<void(const Error&)>& warn) {
    TRY_ASSIGN(Live c, load_live(store, id));
    const ContainerState& st = c.info.state;
    // The init's pidfd ends the loop when the container stops; the start time check makes
    // sure it is our init and not a reused pid.
    UniqueFd pidfd(sys::pidfd_open(st.pid));
    if (!pidfd) return plain_error(ESRCH, "container not running");
    auto ps = sys::read_proc_stat(st.pid);
    if (!ps || ps->start_time != st.pid_start_time) return plain_error(ESRCH, "container not running");
    // A host without a memory controller still gets stats, just no oom events.
    auto oom = c.mgr->watch_oom();
    if (!oom) warn(Error(oom.error()).wrap("events: no oom notifications"));

    int64_t next = now_ms() + interval_ms;
    for (;;) {
        pollfd fds[2] = {{pidfd.get(), POLLIN, 0}, {oom ? oom->fd() : -1, POLLIN, 0}};
        int timeout = static_cast<int>(std::max<int64_t>(0, next - now_ms()));
        int n = ::poll(fds, 2, timeout);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("events: poll");
        }
        if (fds[1].revents & POLLIN) {
            auto fired = oom->consume();
            if (!fired) warn(fired.error());
            else if (*fired) emit(oom_event_json(id));
        }
        if (fds[0].revents & (POLLIN | POLLHUP)) return {};
        if (now_ms() >= next) {
            auto s = c.mgr->stats();
            if (s) emit(stats_event_json(id, *s));
            else warn(s.error());
            next += interval_ms;
            if (next < now_ms()) next = now_ms() + interval_ms;  // a slow consumer: no burst
        }
    }
}

}  // namespace lc
