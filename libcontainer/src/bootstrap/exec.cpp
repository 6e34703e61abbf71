// `exec`, parent side (the sequence is in exec.hpp).
#include "bootstrap/exec.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bootstrap/channel.hpp"
#include "bootstrap/child_process.hpp"
#include "bootstrap/console.hpp"
#include "bootstrap/exec_stage.hpp"
#include "bootstrap/process_setup.hpp"
#include "cgroups/manager.hpp"
#include "cgroups/paths.hpp"
#include "cgroups/sub_cgroup.hpp"
#include "lc/container.hpp"
#include "lc/log.hpp"
#include "security/capabilities.hpp"
#include "security/seccomp_notify.hpp"
#include "specs/json.hpp"
#include "specs/validate.hpp"
#include "sys/file.hpp"
#include "sys/proc.hpp"
#include "sys/syscalls.hpp"

namespace lc {
namespace {

using bootstrap::Channel;
using bootstrap::MsgType;
using bootstrap::child_died;
using bootstrap::ChildReaper;

Result<void> parse_user(const std::string& s, specs::User& u) {
    auto num = [&](const std::string& v, uint32_t& out) -> bool {
        if (v.empty() || v.size() > 10) return false;
        for (char c : v)
            if (c < '0' || c > '9') return false;
        unsigned long n = std::stoul(v);
        if (n > 0xFFFFFFFFul) return false;
        out = static_cast<uint32_t>(n);
        return true;
    };
    size_t colon = s.find(':');
    std::string uid = s.substr(0, colon);
    if (!num(uid, u.uid)) return plain_error(EINVAL, "--user: expected uid[:gid] as numbers, got \"" + s + "\"");
    if (colon != std::string::npos && !num(s.substr(colon + 1), u.gid))
        return plain_error(EINVAL, "--user: expected uid[:gid] as numbers, got \"" + s + "\"");
    return {};
}

Result<void> check_exec_process(const specs::Process& p) {
    if (p.args.empty()) return plain_error(EINVAL, "process.args: must not be empty");
    if (p.cwd.empty()) return plain_error(EINVAL, "process.cwd: must not be empty");
    if (p.cwd[0] != '/') return plain_error(EINVAL, "process.cwd: must be an absolute path, got \"" + p.cwd + "\"");
    return specs::validate_env(p.env, "process.env");
}

Result<std::vector<RlimitEntry>> plan_rlimits(const specs::Process& p) {
    std::vector<RlimitEntry> out;
    for (size_t i = 0; i < p.rlimits.size(); i++) {
        const auto& r = p.rlimits[i];
        int res = rlimit_from_name(r.type);
        std::string field = "process.rlimits[" + std::to_string(i) + "]";
        if (res < 0) return plain_error(EINVAL, field + ".type: unknown rlimit \"" + r.type + "\"");
        if (r.soft > r.hard) return plain_error(EINVAL, field + ": soft limit exceeds hard limit");
        out.push_back({res, {static_cast<rlim_t>(r.soft), static_cast<rlim_t>(r.hard)}});
    }
    return out;
}

struct Opened {
    std::vector<UniqueFd> fds;
    std::vector<bootstrap::ExecNamespace> list;
    bool user = false;
};

// Every namespace of the container, by the init's /proc/<pid>/ns links, all opened before
// any setns. The start time is checked after opening: the fds then surely belong to the
// container's init and not to a process that reused its pid.
Result<Opened> open_namespaces(const ContainerState& st) {
    Opened o;
    for (const auto& [type, path] : st.namespace_paths) {
        int flag = namespace_flag(type);
        if (!flag) return plain_error(EINVAL, "state: unknown namespace type \"" + type + "\"");
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) {
            if (errno == ENOENT || errno == ESRCH) return plain_error(ESRCH, "cannot exec in a stopped container");
            return sys_error("open " + type + " namespace " + path);
        }
        o.list.push_back({flag, type, fd.get()});
        o.fds.push_back(std::move(fd));
        if (flag == CLONE_NEWUSER) o.user = true;
    }
    auto ps = sys::read_proc_stat(st.pid);
    if (!ps || ps->start_time != st.pid_start_time) return plain_error(ESRCH, "cannot exec in a stopped container");
    return o;
}

Result<void> check_preserved_fds(unsigned n) {
    for (unsigned i = 0; i < n; i++) {
        int fd = 3 + static_cast<int>(i);
        if (::fcntl(fd, F_GETFD) < 0)
            return plain_error(EBADF, "--preserve-fds: fd " + std::to_string(fd) + " is not open");
    }
    return {};
}

// Talks to stage 2 until its execve closes the channel.
Result<void> await_exec(const Channel& ch, pid_t pid, const std::optional<security::SeccompPlan>& seccomp,
                        const specs::Spec& config, const ContainerState& st) {
    for (;;) {
        auto m = ch.recv();
        if (!m) {
            if (m.error().code == EPIPE) return {};
            return std::move(m).error();
        }
        switch (m->type) {
            case MsgType::Error: return plain_error(m->code, m->payload);
            case MsgType::SeccompFd: {
                if (m->fds.size() != 1 || !seccomp) return plain_error(EPROTO, "exec protocol: bad seccomp-fd message");
                security::ContainerProcessState cps;
                cps.pid = pid;
                if (config.linux && config.linux->seccomp && config.linux->seccomp->listener_metadata)
                    cps.metadata = *config.linux->seccomp->listener_metadata;
                cps.state.id = st.id;
                cps.state.status = "running";
                cps.state.pid = st.pid;
                cps.state.bundle = st.bundle;
                cps.state.annotations = st.annotations;
                TRY_CTX(security::send_seccomp_listener_fd(seccomp->listener_path, m->fds[0].get(), cps),
                        "linux.seccomp.listenerPath");
                TRY(ch.send(MsgType::Run));
                break;
            }
            default: return plain_error(EPROTO, std::string("exec protocol: unexpected ") + bootstrap::to_string(m->type));
        }
    }
}

// The container's cgroup; on v2, when that refuses the pid because the container has made
// sub-cgroups (no internal processes), the init's own cgroup, as runc does. Reading the
// init's /proc/<pid>/cgroup happens only on that failure path.
Result<void> join_cgroup(cgroups::Manager& mgr, pid_t pid, pid_t init_pid) {
    auto joined = mgr.apply(pid);
    if (joined) return {};
    std::string container_dir;
    for (const auto& src : mgr.mount_sources())
        if (src.v2) container_dir = src.host_path;
    auto init_cg = sys::read_file("/proc/" + std::to_string(init_pid) + "/cgroup");
    auto fallback = init_cg ? cgroups::exec_fallback_cgroup(mgr.layout() == cgroups::Layout::Unified, container_dir,
                                                            *init_cg, "/sys/fs/cgroup")
                            : std::nullopt;
    if (!fallback) return std::move(joined).error().wrap("join the container's cgroup");
    TRY_CTX(sys::write_file(*fallback + "/cgroup.procs", std::to_string(pid)), "join the container's cgroup " + *fallback);
    return {};
}

// --cgroup: the sub-cgroup directories, all checked before any process exists so that a
// typo leaves nothing behind. exec never creates them (runc: "an (existing) sub-cgroup").
Result<std::vector<std::string>> plan_sub_cgroups(const std::vector<std::string>& args, const cgroups::Manager* mgr) {
    TRY_ASSIGN(cgroups::SubCgroups sub, cgroups::parse_sub_cgroups(args));
    if (sub.empty()) return std::vector<std::string>{};
    if (!mgr) return plain_error(EINVAL, "--cgroup: the container has no cgroup of its own");
    TRY_ASSIGN(auto dirs, mgr->sub_cgroup_dirs(sub));
    for (const auto& d : dirs)
        if (::access((d + "/cgroup.procs").c_str(), F_OK) != 0)
            return plain_error(ENOENT, "--cgroup: sub-cgroup " + d +
                                           " does not exist (exec joins an existing sub-cgroup; it creates none)");
    return dirs;
}

// The --cgroup directories when given, with no fallback: the caller named the cgroup
// (runc: --cgroup / disables the v2 fallback to the init's cgroup). Else join_cgroup.
Result<void> join_exec_cgroup(cgroups::Manager* mgr, const std::vector<std::string>& dirs, pid_t pid, pid_t init_pid) {
    if (dirs.empty()) return mgr ? join_cgroup(*mgr, pid, init_pid) : Result<void>{};
    for (const auto& d : dirs) {
        auto r = sys::write_file(d + "/cgroup.procs", std::to_string(pid));
        if (r) continue;
        if (r.error().code == EBUSY)
            return std::move(r).error().wrap("--cgroup: join " + d +
                                             " (cgroup v2: it passes controllers to sub-cgroups, so no process may join it)");
        return std::move(r).error().wrap("--cgroup: join " + d);
    }
    return {};
}

// --cap names the kernel has no capability for are left out here, so that the warning
// names the flag (runtime-spec >= 1.1: warn, do not fail) rather than an index into the
// merged sets.
std::vector<std::string> known_exec_caps(const std::vector<std::string>& caps) {
    std::vector<std::string> out;
    for (const auto& cap : caps) {
        if (security::cap_from_name(cap)) out.push_back(cap);
        else log::warn("--cap: unknown capability \"" + cap + "\", ignored");
    }
    return out;
}

void add_exec_caps(const std::vector<std::string>& caps, specs::Process& p) {
    if (!p.capabilities) p.capabilities.emplace();
    auto& c = *p.capabilities;
    for (auto* set : {&c.bounding, &c.effective, &c.permitted}) {
        if (!*set) set->emplace();
        for (const auto& cap : caps) (*set)->push_back(cap);
    }
    // runc: ambient only when the process has inheritable capabilities already (an
    // ambient cap needs its inheritable bit; --cap never adds inheritable ones).
    if (c.inheritable) {
        if (!c.ambient) c.ambient.emplace();
        for (const auto& cap : caps) c.ambient->push_back(cap);
    }
}

}  // namespace

Result<specs::Process> build_exec_process(const ExecOptions& o, const specs::Spec& config) {
    if (!o.process_file.empty()) {
        TRY_ASSIGN(std::string text, sys::read_file(o.process_file));
        auto p = specs::parse_process(text);
        if (!p) return std::move(p).error().wrap("--process " + o.process_file);
        TRY(check_exec_process(*p));
        return std::move(p).value();
    }
    if (!config.process) return plain_error(EINVAL, "config.json of the container has no process section");
    specs::Process p = *config.process;
    p.args = o.args;
    if (!o.cwd.empty()) p.cwd = o.cwd;
    if (!o.apparmor.empty()) p.apparmor_profile = o.apparmor;
    if (!o.process_label.empty()) p.selinux_label = o.process_label;
    if (!o.caps.empty()) add_exec_caps(known_exec_caps(o.caps), p);
    // Checked on their own so the error names the flag, not an index into the merged list.
    TRY(specs::validate_env(o.env, "--env"));
    p.env.insert(p.env.end(), o.env.begin(), o.env.end());
    // runc: a terminal only when --tty says so, whatever config.json has.
    p.terminal = o.tty.value_or(false);
    if (o.no_new_privs) p.no_new_privileges = *o.no_new_privs;
    if (!o.user.empty()) TRY(parse_user(o.user, p.user));
    for (uint32_t g : o.additional_gids) p.user.additional_gids.push_back(g);
    TRY(check_exec_process(p));
    return p;
}

Result<ExecStarted> exec_process(const ExecOptions& o) {
    StateStore store(o.state_root);
    TRY_ASSIGN(ContainerInfo info, load_container(store, o.id));
    const ContainerState& st = info.state;
    if (info.status == Status::Stopped) return plain_error(ESRCH, "cannot exec in a stopped container");
    if (info.status == Status::Creating) return plain_error(EBUSY, "cannot exec in a container that is still being created");
    if (info.status == Status::Paused && !o.ignore_paused)
        return plain_error(EBUSY, "cannot exec in a paused container (use --ignore-paused to override)");

    std::string cfg_path = store.dir(o.id) + "/config.json";
    TRY_ASSIGN(std::string cfg_text, sys::read_file(cfg_path));
    auto config = specs::parse_config(cfg_text);
    if (!config) return std::move(config).error().wrap(cfg_path);
    TRY_ASSIGN(specs::Process proc, build_exec_process(o, *config));
    // runc's two rules for terminals, with its wording.
    if (o.detach && proc.terminal && o.console_socket.empty())
        return plain_error(EINVAL, "cannot allocate tty if cort will detach without setting console socket");
    if (!o.console_socket.empty() && (!o.detach || !proc.terminal))
        return plain_error(EINVAL, "cannot use console socket if cort will not detach or allocate tty");
    TRY(check_preserved_fds(o.preserve_fds));

    const specs::Linux* linux = config->linux ? &*config->linux : nullptr;
    TRY_ASSIGN(security::ProcessSecurityPlan sec, security::plan(proc, linux));
    for (const auto& w : sec.caps.warnings) log::warn(w);
    TRY_ASSIGN(auto rlimits, plan_rlimits(proc));
    std::unique_ptr<cgroups::Manager> mgr;
    if (!st.cgroup.empty()) {
        TRY_ASSIGN(mgr, cgroups::load_manager(st.cgroup));
    }
    TRY_ASSIGN(auto sub_dirs, plan_sub_cgroups(o.cgroups, mgr.get()));
    TRY(security::apply_initial_cpu_affinity(sec));

    TRY_ASSIGN(Opened ns, open_namespaces(st));
    UniqueFd console_child, console_parent;
    if (!o.console_socket.empty()) {
        TRY_ASSIGN(console_child, console::connect_socket(o.console_socket));
    } else if (proc.terminal) {
        // Foreground terminal: cort itself is the console-socket receiver.
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return sys_error("socketpair");
        console_parent.reset(sv[0]);
        console_child.reset(sv[1]);
    }
    TRY_ASSIGN(auto chans, Channel::make_pair());
    const Channel& ch = chans.first;

    bootstrap::ExecContext ctx;
    ctx.process = &proc;
    ctx.security = &sec;
    ctx.rlimits = std::move(rlimits);
    ctx.env = bootstrap::merge_env(proc.env);
    ctx.namespaces = ns.list;
    ctx.joins_user_ns = ns.user;
    if (ns.user) {
        auto sg = sys::read_file("/proc/" + std::to_string(st.pid) + "/setgroups");
        ctx.setgroups_allowed = !sg || sg->rfind("deny", 0) != 0;
    }
    ctx.channel_fd = chans.second.fd();
    ctx.parent_channel_fd = ch.fd();
    ctx.console_fd = console_child.get();
    // No mount namespace of its own: the init chrooted into the rootfs in the caller's
    // namespace, and an exec must land in the same root, not the host's "/".
    UniqueFd root_fd;
    bool joins_mount_ns = false;
    for (const auto& n : ns.list) joins_mount_ns |= n.flag == CLONE_NEWNS;
    if (!joins_mount_ns) {
        root_fd.reset(::open(("/proc/" + std::to_string(st.pid) + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!root_fd) return sys_error("open the container's root /proc/" + std::to_string(st.pid) + "/root");
        ctx.root_fd = root_fd.get();
    }
    ctx.preserve_fds = o.preserve_fds;

    ChildReaper reaper;
    pid_t stage1 = sys::clone_fork(SIGCHLD);
    if (stage1 < 0) return sys_error("clone");
    if (stage1 == 0) bootstrap::run_exec_stage1(ctx);
    reaper.add(stage1);
    chans.second.close();
    console_child.reset();
    ns.fds.clear();

    TRY(join_exec_cgroup(mgr.get(), sub_dirs, stage1, st.pid));
    TRY(ch.send(MsgType::Go));
    auto m = ch.recv();
    if (!m) {
        if (m.error().code == EPIPE) return child_died(stage1, "exec stage 1");
        return std::move(m).error();
    }
    if (m->type == MsgType::Error) return plain_error(m->code, m->payload);
    if (m->type != MsgType::InitPid) return plain_error(EPROTO, std::string("exec protocol: unexpected ") + bootstrap::to_string(m->type));
    pid_t pid = static_cast<pid_t>(std::atoi(m->payload.c_str()));
    if (pid <= 0) return plain_error(EPROTO, "exec protocol: bad pid \"" + m->payload + "\"");
    reaper.add(pid);
    while (::waitpid(stage1, nullptr, 0) < 0 && errno == EINTR) {
    }
    reaper.forget(stage1);

    TRY(ch.send(MsgType::Go));
    TRY_CTX(await_exec(ch, pid, sec.seccomp, *config, st), "unable to start container process");
    ExecStarted out;
    out.pid = pid;
    if (console_parent) {
        TRY_ASSIGN(out.pty_master, console::recv_master(console_parent.get()));
    }
    if (!o.pid_file.empty()) TRY_CTX(sys::write_file_atomic(o.pid_file, std::to_string(pid), 0644), "--pid-file");
    reaper.release();
    return out;
}

}  // namespace lc
