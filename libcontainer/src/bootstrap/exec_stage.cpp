// Stages 1 and 2 of `exec`. Both are non-dumpable from the start: while they sit in the
// container's namespaces with the runtime's memory (and fds), a container process must not
// be able to ptrace them or read /proc/<pid>/mem. execve resets dumpability for the user
// process.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "lc/log.hpp"
#include "bootstrap/channel.hpp"
#include "bootstrap/console.hpp"
#include "bootstrap/exec_stage.hpp"
#include "bootstrap/process_setup.hpp"
#include "sys/fds.hpp"
#include "sys/file.hpp"
#include "sys/syscalls.hpp"

namespace lc::bootstrap {
namespace {

Result<void> join_namespaces(const ExecContext& ctx) {
    // runc's order: what the host's capabilities allow first; the user namespace next (it
    // gives up host privileges); then what failed with EPERM because its owner is that user
    // namespace.
    std::vector<const ExecNamespace*> retry;
    const ExecNamespace* user = nullptr;
    for (const auto& ns : ctx.namespaces) {
        if (ns.flag == CLONE_NEWUSER) {
            user = &ns;
            continue;
        }
        if (::setns(ns.fd, ns.flag) < 0) {
            if (errno == EPERM && ctx.joins_user_ns) {
                retry.push_back(&ns);
                continue;
            }
            return sys_error("join the container's " + ns.type + " namespace");
        }
    }
    if (user) {
        if (::setns(user->fd, CLONE_NEWUSER) < 0) return sys_error("join the container's user namespace");
        if (::setresgid(0, 0, 0) < 0 || ::setresuid(0, 0, 0) < 0) return sys_error("become root in the user namespace");
    }
    for (const auto* ns : retry)
        if (::setns(ns->fd, ns->flag) < 0) return sys_error("join the container's " + ns->type + " namespace");
    return {};
}

std::vector<char*> to_argv(const std::vector<std::string>& v) {
    std::vector<char*> out;
    for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

// Stage 2 up to the point of no return. Returns the resolved executable.
Result<std::string> prepare(const ExecContext& ctx, const Channel& ch, std::vector<std::string>& env) {
    TRY(ch.expect(MsgType::Go));
    const specs::Process& proc = *ctx.process;
    if (::setsid() < 0) return sys_error("setsid");
    if (proc.terminal) TRY_CTX(console::setup_console(ctx.console_fd, proc.console_size, false), "process.terminal");
    if (ctx.console_fd >= 0) ::close(ctx.console_fd);
    if (proc.oom_score_adj) TRY(apply_oom_score_adj(*proc.oom_score_adj));
    TRY(apply_rlimits(ctx.rlimits));
    FinalizeInput fin_in;
    fin_in.process = &proc;
    fin_in.security = ctx.security;
    fin_in.env = ctx.env;
    fin_in.setgroups_allowed = ctx.setgroups_allowed;
    fin_in.passed_fds = ctx.preserve_fds;
    TRY_ASSIGN(FinalizedProcess fin, finalize_process(fin_in));
    log::phase("exec process ready");
    env = std::move(fin.env);
    UniqueFd notify_fd = std::move(fin.seccomp_notify);
    std::string exe = std::move(fin.exe);
    if (notify_fd) {
        TRY(ch.send(MsgType::SeccompFd, {}, 0, {notify_fd.get()}));
        TRY(ch.expect(MsgType::Run));
    }
    return exe;
}

[[noreturn]] void run_exec_process(const ExecContext& ctx) noexcept {
    ::prctl(PR_SET_NAME, "cort:[2:EXEC]", 0, 0, 0);
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    // Until execve: die with `cort exec`, so a killed exec leaves no half-set-up process.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    Channel ch{UniqueFd(ctx.channel_fd)};
    ch.forward_logs();
    std::vector<std::string> env;
    auto exe = prepare(ctx, ch, env);
    if (!exe) {
        (void)ch.send_error(std::move(exe).error());
        _exit(1);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // A detached exec's caller exits right after us; the process must outlive it.
    ::prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    auto argv = to_argv(ctx.process->args);
    auto envp = to_argv(env);
    ::execve(exe->c_str(), argv.data(), envp.data());
    int err = errno;
    (void)ch.send_error(plain_error(err, "exec: \"" + ctx.process->args[0] + "\": " + go_strerror(err)));
    _exit(1);
}

}  // namespace

void run_exec_stage1(const ExecContext& ctx) noexcept {
    ::prctl(PR_SET_NAME, "cort:[1:EXEC]", 0, 0, 0);
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (ctx.parent_channel_fd >= 0) ::close(ctx.parent_channel_fd);
    Channel ch{UniqueFd(ctx.channel_fd)};
    ch.forward_logs();
    auto r = [&]() -> Result<pid_t> {
        // Go: the parent has moved us into the container's cgroup; what we fork is born there.
        TRY(ch.expect(MsgType::Go));
        TRY(join_namespaces(ctx));
        for (const auto& ns : ctx.namespaces) ::close(ns.fd);
        if (ctx.root_fd >= 0) {
            if (::fchdir(ctx.root_fd) < 0 || ::chroot(".") < 0) return sys_error("chroot to the container's root");
            ::close(ctx.root_fd);
        }
        pid_t pid = sys::clone_fork(CLONE_PARENT | SIGCHLD);
        if (pid < 0) return sys_error("clone the exec process");
        if (pid == 0) run_exec_process(ctx);
        return pid;
    }();
    if (!r) {
        (void)ch.send_error(std::move(r).error());
        _exit(1);
    }
    (void)ch.send(MsgType::InitPid, std::to_string(*r));
    // _exit runs no destructor: stage 2 keeps using the same (shared) channel fd.
    _exit(0);
}

}  // namespace lc::bootstrap
