// Stage 1: only when a user namespace, a pid-namespace join or a time namespace is asked
// for. Order as runc's nsexec: join by path (EPERM retried after the user namespace),
// unshare the user namespace alone while the parent writes the maps, become root in it,
// unshare the rest, then fork the init with CLONE_PARENT (a new pid namespace applies to
// children only) and exit.
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "lc/log.hpp"
#include "bootstrap/bootstrap.hpp"
#include "sys/file.hpp"
#include "sys/syscalls.hpp"

namespace lc::bootstrap {
namespace {

Result<void> write_time_offsets(const specs::Linux& linux) {
    std::string s;
    for (const auto& [clock, off] : linux.time_offsets)
        s += clock + " " + std::to_string(off.secs) + " " + std::to_string(off.nanosecs) + "\n";
    if (s.empty()) return {};
    // One write per clock: the kernel takes a single line per write.
    size_t pos = 0;
    while (pos < s.size()) {
        size_t end = s.find('\n', pos) + 1;
        TRY_CTX(sys::write_file("/proc/self/timens_offsets", s.substr(pos, end - pos)), "linux.timeOffsets");
        pos = end;
    }
    return {};
}

Result<pid_t> stage1(const ChildContext& ctx, const Channel& ch) {
    const Plan& plan = *ctx.plan;
    TRY(ch.expect(MsgType::Go));
    const auto& joins = plan.joins;
    std::vector<size_t> retry;
    int user_fd = -1;
    for (size_t i = 0; i < joins.size(); i++) {
        if (joins[i].flag == CLONE_NEWUSER) {
            user_fd = ctx.ns_fds[i];
            continue;
        }
        if (::setns(ctx.ns_fds[i], joins[i].flag) < 0) {
            // Namespaces owned by the user namespace we are about to join need its caps.
            if (errno == EPERM) {
                retry.push_back(i);
                continue;
            }
            return sys_error("join " + joins[i].type + " namespace " + joins[i].path);
        }
    }
    if (user_fd >= 0) {
        if (::setns(user_fd, CLONE_NEWUSER) < 0) return sys_error("join user namespace");
        if (::setresgid(0, 0, 0) < 0 || ::setresuid(0, 0, 0) < 0) return sys_error("become root in the user namespace");
    } else if (plan.new_ns & CLONE_NEWUSER) {
        if (::unshare(CLONE_NEWUSER) < 0) return sys_error("unshare user namespace");
        // An unprivileged parent (and newuidmap, which checks who owns /proc/<pid>) can only
        // reach our /proc files while we are dumpable: briefly, while it writes the maps.
        if (plan.rootless) ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
        TRY(ch.send(MsgType::UsermapReq));
        TRY(ch.expect(MsgType::UsermapAck));
        if (plan.rootless) ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (::setresgid(0, 0, 0) < 0 || ::setresuid(0, 0, 0) < 0) return sys_error("become root in the user namespace");
    }
    for (size_t i : retry)
        if (::setns(ctx.ns_fds[i], joins[i].flag) < 0)
            return sys_error("join " + joins[i].type + " namespace " + joins[i].path);
    if (plan.new_ns & CLONE_NEWTIME) {
        if (::unshare(CLONE_NEWTIME) < 0) return sys_error("unshare time namespace");
        if (plan.spec.linux) TRY(write_time_offsets(*plan.spec.linux));
    }
    unsigned long rest = plan.new_ns & ~static_cast<unsigned long>(CLONE_NEWUSER | CLONE_NEWTIME | CLONE_NEWCGROUP);
    if (rest && ::unshare(static_cast<int>(rest)) < 0) return sys_error("unshare namespaces");
    pid_t pid = sys::clone_fork(CLONE_PARENT | SIGCHLD);
    if (pid < 0) return sys_error("clone container init");
    if (pid == 0) run_init(ctx, /*joins_done=*/true);
    return pid;
}

}  // namespace

void run_stage1(const ChildContext& ctx) noexcept {
    ::prctl(PR_SET_NAME, "cort:[1:CHILD]", 0, 0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    // No getppid() check: it reads 0 from inside a new pid namespace. A parent that died
    // before the death signal was set closed its end of the channel, so the first recv fails.
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (ctx.lock_fd >= 0) ::close(ctx.lock_fd);
    if (ctx.parent_channel_fd >= 0) ::close(ctx.parent_channel_fd);
    Channel ch{UniqueFd(ctx.channel_fd)};
    ch.forward_logs();
    log::phase("stage-1");
    auto pid = stage1(ctx, ch);
    if (!pid) {
        (void)ch.send_error(std::move(pid).error());
        _exit(1);
    }
    (void)ch.send(MsgType::InitPid, std::to_string(*pid));
    // Leave the fd to the init (same number): release so no destructor closes it.
    (void)ch;
    _exit(0);
}

}  // namespace lc::bootstrap
