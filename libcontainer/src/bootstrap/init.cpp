// Stage 2: the container init. Pid 1 of the container's pid namespace (when it has one).
// It builds the container from the inside, reports Ready, then blocks on exec.fifo until
// `cort start` writes a byte, and execs the user process.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "lc/log.hpp"
#include "bootstrap/bootstrap.hpp"
#include "bootstrap/child_process.hpp"
#include "bootstrap/console.hpp"
#include "bootstrap/process_setup.hpp"
#include "hooks.hpp"
#include "rootfs/rootfs.hpp"
#include "rootfs/safe_path.hpp"
#include "security/process_security.hpp"
#include "specs/oci_state.hpp"
#include "sys/fds.hpp"
#include "sys/file.hpp"
#include "sys/procfs.hpp"
#include "sys/syscalls.hpp"

namespace lc::bootstrap {
namespace {

// Hooks run here are in the container's namespaces: runtime.md gives them the pid "as seen
// by the container", i.e. ours.
std::string hook_state(const Plan& plan, const char* status) {
    return specs::to_json_string(plan_oci_state(plan, ::getpid(), status), false);
}

Result<void> join_namespaces(const ChildContext& ctx) {
    const auto& joins = ctx.plan->joins;
    for (size_t i = 0; i < joins.size(); i++)
        if (::setns(ctx.ns_fds[i], joins[i].flag) < 0)
            return sys_error("join " + joins[i].type + " namespace " + joins[i].path);
    return {};
}

// Through a procfs instance of our own, never the container's "/proc" path: the image may
// have a fake /proc tree or a symlink there, and mounts could redirect a write to another
// procfs file (CVE-2025-52881).
Result<void> write_sysctls(const std::map<std::string, std::string>& sysctl) {
    if (sysctl.empty()) return {};
    auto opened = sys::open_procfs(false);
    if (!opened) return std::move(opened).error().wrap("linux.sysctl");
    UniqueFd proc = std::move(opened).value();
    for (const auto& [key, value] : sysctl) {
        std::string path = "sys/" + key;
        for (size_t i = 4; i < path.size(); i++)
            if (path[i] == '.') path[i] = '/';
        TRY_CTX(sys::write_proc_file(proc.get(), path, value), "linux.sysctl \"" + key + "\"");
    }
    return {};
}

Result<void> wait_for_start(int fifo_fd) {
    // The fifo was opened O_NONBLOCK by the parent: poll for the byte `start` writes. We hold
    // a write end ourselves, so a stranger that opens and closes the fifo without writing
    // (a monitoring tool, a stray `cat > exec.fifo`) never raises POLLHUP: the poll sleeps
    // until a byte comes.
    for (;;) {
        pollfd p{fifo_fd, POLLIN, 0};
        if (::poll(&p, 1, -1) < 0) {
            if (errno == EINTR) continue;
            return sys_error("wait on exec.fifo");
        }
        char c;
        ssize_t n = ::read(fifo_fd, &c, 1);
        if (n == 1) return {};
        if (n < 0 && errno != EAGAIN && errno != EINTR) return sys_error("read exec.fifo");
        if (n == 0) {
            // Only without our write end (the parent could not pass one): POLLHUP stays set
            // after a writer closed; back off instead of spinning.
            struct timespec ts{0, 1000000};
            nanosleep(&ts, nullptr);
        }
    }
}

// Made through the container's root, never following a symlink out of it; one access()
// when the cwd is there, as it usually is.
Result<void> create_missing_cwd(const std::string& cwd) {
    if (cwd == "/" || ::access(cwd.c_str(), F_OK) == 0 || errno != ENOENT) return {};
    TRY_ASSIGN(rootfs::SafeRoot root, rootfs::SafeRoot::open("/"));
    TRY_CTX(root.mkdir_all(cwd, 0755), "process.cwd \"" + cwd + "\"");
    return {};
}

std::vector<char*> to_argv(const std::vector<std::string>& v) {
    std::vector<char*> out;
    for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

// Everything up to Ready. Any error goes back to the parent, which reports it.
Result<pid_t> prepare(const ChildContext& ctx, const Channel& ch, bool joins_done, std::string& exe,
                      std::vector<std::string>& env) {
    const Plan& plan = *ctx.plan;
    TRY_ASSIGN(Message go, ch.expect(MsgType::Go));
    pid_t host_pid = static_cast<pid_t>(std::atoi(go.payload.c_str()));
    if (::setsid() < 0) return sys_error("setsid");
    if (!joins_done) TRY(join_namespaces(ctx));
    // Unshared only now: the parent has moved us into the container's cgroup, which thus
    // becomes the root of the new cgroup namespace.
    if ((plan.new_ns & CLONE_NEWCGROUP) && ::unshare(CLONE_NEWCGROUP) < 0) return sys_error("unshare cgroup namespace");
    if (plan.spec.hostname && ::sethostname(plan.spec.hostname->data(), plan.spec.hostname->size()) < 0)
        return sys_error("sethostname \"" + *plan.spec.hostname + "\"");
    if (plan.spec.domainname && ::setdomainname(plan.spec.domainname->data(), plan.spec.domainname->size()) < 0)
        return sys_error("setdomainname \"" + *plan.spec.domainname + "\"");

    // Read while "/proc" is still the one we inherited: after the pivot it is the image's,
    // which can ship a fake setgroups file.
    bool setgroups_allowed = true;
    if (plan.new_ns & CLONE_NEWUSER) {
        auto sg = sys::read_file("/proc/self/setgroups");
        setgroups_allowed = !sg || sg->rfind("deny", 0) != 0;
    }
    {  // with or without a mount namespace: setup_rootfs knows both (the spec allows either)
        rootfs::SetupContext rctx;
        rctx.cgroup_mounts = ctx.cgroup_mounts;
        rctx.new_user_ns = plan.new_ns & CLONE_NEWUSER;
        rctx.new_mount_ns = plan.new_ns & CLONE_NEWNS;
        rctx.idmapped_fds = ctx.idmapped_fds;
        rctx.before_pivot = [&]() -> Result<void> {
            if (plan.has_runtime_hooks) {
                TRY(ch.send(MsgType::HooksReq));
                TRY(ch.expect(MsgType::HooksDone));
            }
            if (plan.spec.hooks && !plan.spec.hooks->create_container.empty())
                // Step 5 of runtime.md's lifecycle, after step 2: "created", as for prestart.
                TRY(hooks::run_hooks(plan.spec.hooks->create_container, hook_state(plan, "created"),
                                     "createContainer"));
            return {};
        };
        log::phase("init rootfs");
        TRY_CTX(rootfs::setup_rootfs(*plan.rootfs_plan, rctx), "rootfs");
    }
    // After pivot (the pty comes from the container's devpts), before finalize (a read-only
    // /dev would refuse the /dev/console bind).
    if (plan.spec.process->terminal) {
        TRY_CTX(console::setup_console(ctx.console_fd, plan.spec.process->console_size, true), "process.terminal");
        ::close(ctx.console_fd);
    }
    if (plan.spec.linux) TRY(write_sysctls(plan.spec.linux->sysctl));
    // runc and crun create a missing cwd; before finalize, which may make "/" read-only.
    TRY(create_missing_cwd(plan.spec.process->cwd));
    log::phase("init finalize rootfs");
    TRY_CTX(rootfs::finalize_rootfs(*plan.rootfs_plan), "rootfs");

    const specs::Process& proc = *plan.spec.process;
    if (proc.oom_score_adj) TRY(apply_oom_score_adj(*proc.oom_score_adj));
    TRY(apply_rlimits(plan.rlimits));
    if (!plan.opts.no_new_keyring) {
        // A fresh session keyring, so the container never sees the host's keys.
        // KEYCTL_JOIN_SESSION_KEYRING with a NULL name; ENOSYS/EPERM (keys disabled) is fine.
        ::syscall(SYS_keyctl, 1, nullptr);
    }
    FinalizeInput fin_in;
    fin_in.process = &proc;
    fin_in.security = &*plan.security_plan;
    fin_in.env = plan.env;
    fin_in.setgroups_allowed = setgroups_allowed;
    fin_in.passed_fds = plan.opts.listen_fds + plan.opts.preserve_fds;
    // Capabilities and seccomp before Ready, not after the fifo wait: a notify listener fd
    // must reach the parent while it is still there. What runs after this (the channel,
    // the fifo wait, execve) must be allowed by the filter, as with runc.
    TRY_ASSIGN(FinalizedProcess fin, finalize_process(fin_in));
    if (fin.seccomp_notify) TRY(ch.send(MsgType::SeccompFd, {}, 0, {fin.seccomp_notify.get()}));
    exe = std::move(fin.exe);
    env = std::move(fin.env);
    return host_pid;
}

}  // namespace

void run_init(const ChildContext& ctx, bool joins_done) noexcept {
    ::prctl(PR_SET_NAME, "cort:[2:INIT]", 0, 0, 0);
    // Die with `create` until it has saved our state: a killed create leaves no orphan.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    // No getppid() check: it reads 0 from inside a new pid namespace. A parent that died
    // before the death signal was set closed its end of the channel, so the first recv fails.
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    // From stage 1 these were closed there already (and the numbers may since be reused).
    if (!joins_done && ctx.lock_fd >= 0) ::close(ctx.lock_fd);
    if (!joins_done && ctx.parent_channel_fd >= 0) ::close(ctx.parent_channel_fd);
    Channel ch{UniqueFd(ctx.channel_fd)};
    ch.forward_logs();
    std::string exe;
    std::vector<std::string> env;
    auto prepared = prepare(ctx, ch, joins_done, exe, env);
    if (!prepared) {
        (void)ch.send_error(std::move(prepared).error());
        _exit(1);
    }
    log::phase("init ready");
    if (!ch.send(MsgType::Ready) || !ch.expect(MsgType::Run)) _exit(1);
    // Nothing reads the channel from here on, and stderr may be the container's.
    Channel::stop_forwarding_logs();
    ::prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    if (ctx.fifo_fd < 0) {
        // `run`: the start comes on the channel; EOF instead means `run` died: never start.
        if (!ch.expect(MsgType::Start)) _exit(1);
        ch.close();
    } else {
        // Closing our end is the parent's signal that we no longer depend on it.
        ch.close();
        auto started = wait_for_start(ctx.fifo_fd);
        if (!started) {
            std::fprintf(stderr, "cort init: %s\n", started.error().text().c_str());
            _exit(1);
        }
        ::close(ctx.fifo_fd);
        ::close(ctx.fifo_writer_fd);
    }
    const Plan& plan = *ctx.plan;
    if (plan.spec.hooks && !plan.spec.hooks->start_container.empty()) {
        auto r = hooks::run_hooks(plan.spec.hooks->start_container, hook_state(plan, "created"),
                                  "startContainer");
        if (!r) {
            std::fprintf(stderr, "cort init: %s\n", r.error().text().c_str());
            _exit(1);
        }
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // Only stdio, the socket-activation fds and those the caller asked to preserve reach
    // the container: the rest is close-on-exec since before the filter was loaded; closing
    // here too (where the filter allows it) keeps them out of /proc/1/fd right away.
    sys::close_range(3 + plan.opts.listen_fds + plan.opts.preserve_fds, ~0U, 0);
    auto argv = to_argv(plan.spec.process->args);
    auto envp = to_argv(env);
    ::execve(exe.c_str(), argv.data(), envp.data());
    int err = errno;
    std::fprintf(stderr, "cort init: exec %s: %s\n", exe.c_str(), go_strerror(err).c_str());
    _exit(exec_failure_status(err));
}

}  // namespace lc::bootstrap
