// Stage 0: the `create` process. It owns every resource until the init reports Ready,
// and releases them all (process, cgroup, state directory) if anything fails before.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "bootstrap/bootstrap.hpp"
#include "bootstrap/child_process.hpp"
#include "bootstrap/console.hpp"
#include "bootstrap/notify_socket.hpp"
#include "hooks.hpp"
#include "lc/container.hpp"
#include "lc/log.hpp"
#include "security/process_security.hpp"
#include "security/seccomp_notify.hpp"
#include "specs/json.hpp"
#include "specs/oci_state.hpp"
#include "sys/file.hpp"
#include "sys/proc.hpp"
#include "sys/syscalls.hpp"

namespace lc {
namespace {

using bootstrap::Channel;
using bootstrap::Message;
using bootstrap::MsgType;

using bootstrap::child_died;
using bootstrap::ChildReaper;

std::string hook_state(const Plan& plan, pid_t pid, const char* status) {
    return specs::to_json_string(bootstrap::plan_oci_state(plan, pid, status), false);
}

Result<void> write_pid_file(const std::string& path, pid_t pid) {
    std::string abs = path;
    if (abs.empty()) return {};
    return sys::write_file_atomic(abs, std::to_string(pid), 0644);
}

// A child in a frozen cgroup never answers: the cgroup was frozen under us (through an
// ancestor, or by someone mid-create). After each second of silence the parent looks, so
// that no wait on the child lasts forever for that reason (runc's "unexpectedly frozen").
Result<Message> recv_unless_frozen(const Channel& ch, cgroups::Manager* mgr) {
    while (mgr) {
        TRY_ASSIGN(bool ready, ch.wait_readable(1000));
        if (ready) break;
        auto frozen = mgr->is_frozen();
        if (frozen.ok() && *frozen) {
            // Create fails and its reaper SIGKILLs the children: a task frozen by the v1
            // freezer would not die until thawed, and the reaper would wait for it forever.
            (void)mgr->freeze(false);
            return plain_error(EBUSY, "linux.cgroupsPath: container's cgroup unexpectedly frozen while the "
                                      "container was being created");
        }
    }
    return ch.recv();
}

Result<void> recv_unless_frozen_close(const Channel& ch, cgroups::Manager* mgr) {
    auto fin = recv_unless_frozen(ch, mgr);
    if (fin) return plain_error(EPROTO, std::string("bootstrap protocol: unexpected message \"") +
                                            bootstrap::to_string(fin->type) + "\"");
    if (fin.error().code != EPIPE) return std::move(fin).error();
    return {};
}

// Talk to the init until Ready, running the runtime-namespace hooks when it asks.
Result<void> await_ready(const Plan& plan, const Channel& ch, pid_t init_pid, cgroups::Manager* mgr) {
    for (;;) {
        auto m = recv_unless_frozen(ch, mgr);
        if (!m) {
            if (m.error().code == EPIPE) return child_died(init_pid, "container init", mgr);
            return std::move(m).error();
        }
        switch (m->type) {
            case MsgType::Ready: return {};
            case MsgType::Error: return plain_error(m->code, m->payload);
            case MsgType::SeccompFd: {
                if (m->fds.size() != 1 || !plan.security_plan->seccomp)
                    return plain_error(EPROTO, "bootstrap protocol: bad seccomp-fd message");
                security::ContainerProcessState cps;
                cps.pid = init_pid;
                if (plan.spec.linux && plan.spec.linux->seccomp && plan.spec.linux->seccomp->listener_metadata)
                    cps.metadata = *plan.spec.linux->seccomp->listener_metadata;
                cps.state = bootstrap::plan_oci_state(plan, init_pid, "creating");
                TRY_CTX(security::send_seccomp_listener_fd(plan.security_plan->seccomp->listener_path,
                                                           m->fds[0].get(), cps),
                        "linux.seccomp.listenerPath");
                break;
            }
            case MsgType::HooksReq: {
                // runtime.md: "created" is "after step 2 in the lifecycle" (the environment
                // exists); prestart and createRuntime are steps 3 and 4. runc says "creating".
                std::string st = hook_state(plan, init_pid, "created");
                TRY(hooks::run_hooks(plan.spec.hooks->prestart, st, "prestart"));
                TRY(hooks::run_hooks(plan.spec.hooks->create_runtime, st, "createRuntime"));
                TRY(ch.send(MsgType::HooksDone));
                break;
            }
            default:
                return plain_error(EPROTO, std::string("bootstrap protocol: unexpected ") + bootstrap::to_string(m->type));
        }
    }
}

// Stage 1 asks for id maps and reports the init's pid, then exits.
Result<pid_t> drive_stage1(const Plan& plan, const Channel& ch, pid_t stage1, cgroups::Manager* mgr) {
    for (;;) {
        auto m = recv_unless_frozen(ch, mgr);
        if (!m) {
            if (m.error().code == EPIPE) return child_died(stage1, "bootstrap stage 1", nullptr);
            return std::move(m).error();
        }
        switch (m->type) {
            case MsgType::UsermapReq:
                TRY(bootstrap::write_user_maps(stage1, *plan.spec.linux, plan.rootless));
                TRY(ch.send(MsgType::UsermapAck));
                break;
            case MsgType::InitPid: return static_cast<pid_t>(std::atoi(m->payload.c_str()));
            case MsgType::Error: return plain_error(m->code, m->payload);
            default:
                return plain_error(EPROTO, std::string("bootstrap protocol: unexpected ") + bootstrap::to_string(m->type));
        }
    }
}

bool cgroup_not_writable(int code) { return code == EACCES || code == EPERM || code == EROFS; }

// Root inside a user namespace that does not map every id (a container running cort, a
// rootless podman's namespace) is rootless as far as cgroups go. Read only after a cgroup
// failure, so the usual create pays nothing for it.
bool in_partial_user_namespace() {
    auto m = sys::read_file("/proc/self/uid_map");
    if (!m) return false;
    // The third field of the first line, the range's length (no sscanf: it would link
    // glibc's scanf engine, ~70 KB, into the static binary for this one line).
    std::string_view rest(*m);
    std::string_view field;
    for (int i = 0; i < 3; i++) {
        size_t b = rest.find_first_not_of(" \t");
        if (b == std::string_view::npos) return true;
        rest.remove_prefix(b);
        size_t e = std::min(rest.find_first_of(" \t\n"), rest.size());
        field = rest.substr(0, e);
        rest.remove_prefix(e);
    }
    return field != "4294967295";
}

// The first resource a rootless container without a cgroup could not honour, by field
// name; device rules are not counted (no rootless container can change them anyway).
std::optional<std::string> limited_resource(const specs::Spec& spec) {
    if (!spec.linux || !spec.linux->resources) return std::nullopt;
    const auto& r = *spec.linux->resources;
    if (r.memory) return "memory";
    if (r.cpu) return "cpu";
    if (r.pids) return "pids";
    if (r.block_io) return "blockIO";
    if (!r.hugepage_limits.empty()) return "hugepageLimits";
    if (r.network) return "network";
    if (!r.rdma.empty()) return "rdma";
    if (!r.unified.empty()) return "unified";
    return std::nullopt;
}

Result<CreatedContainer> bootstrap_container(const Plan& plan, const StateStore& store, ContainerState& st,
                                             cgroups::Manager* mgr, int lock_fd) {
    const std::string dir = store.dir(plan.opts.id);
    UniqueFd fifo_fd, fifo_writer;
    if (!plan.opts.start_over_channel) {
        const std::string fifo = store.fifo_path(plan.opts.id);
        if (::mkfifo(fifo.c_str(), 0622) < 0) return sys_error("mkfifo " + fifo);
        // Opened before the clone so the init inherits the read end: `start` then needs no
        // /proc inside the container and works whatever uid the process runs as.
        fifo_fd.reset(::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
        if (!fifo_fd) return sys_error("open " + fifo);
        // A write end for the init to hold: while one writer stays, a stranger opening and
        // closing the fifo never leaves it in the hangup state that would wake its poll
        // over and over.
        fifo_writer.reset(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
        if (!fifo_writer) return sys_error("open " + fifo + " for writing");
    }

    bootstrap::ChildContext ctx;
    ctx.plan = &plan;
    ctx.parent_pid = ::getpid();
    ctx.lock_fd = lock_fd;
    std::vector<UniqueFd> ns_fds;
    for (const auto& j : plan.joins) {
        int fd = ::open(j.path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return sys_error("linux.namespaces: open " + j.type + " namespace " + j.path);
        ns_fds.emplace_back(fd);
        ctx.ns_fds.push_back(fd);
    }
    TRY_ASSIGN(auto chans, Channel::make_pair());
    Channel& ch = chans.first;
    ctx.channel_fd = chans.second.fd();
    ctx.parent_channel_fd = ch.fd();
    ctx.fifo_fd = fifo_fd.get();
    ctx.fifo_writer_fd = fifo_writer.get();
    if (mgr) ctx.cgroup_mounts = mgr->mount_sources();
    TRY_ASSIGN(std::vector<UniqueFd> idmapped, bootstrap::prepare_idmapped_mounts(*plan.rootfs_plan));
    for (const auto& fd : idmapped) ctx.idmapped_fds.push_back(fd.get());
    // Connected here: the socket's path is on the host, out of the init's sight after pivot.
    UniqueFd console_fd;
    if (plan.spec.process->terminal) {
        TRY_ASSIGN(console_fd, console::connect_socket(plan.opts.console_socket));
        ctx.console_fd = console_fd.get();
    }

    ChildReaper reaper;
    log::phase("clone");
    pid_t first;
    if (plan.needs_stage1) {
        first = sys::clone_fork(SIGCHLD);
        if (first == 0) bootstrap::run_stage1(ctx);
    } else {
        unsigned long flags = plan.new_ns & ~static_cast<unsigned long>(CLONE_NEWUSER | CLONE_NEWTIME | CLONE_NEWCGROUP);
        first = sys::clone_fork(flags | SIGCHLD);
        if (first == 0) bootstrap::run_init(ctx, /*joins_done=*/false);
    }
    if (first < 0) return sys_error("clone");
    reaper.add(first);
    chans.second.close();
    fifo_fd.reset();
    fifo_writer.reset();
    console_fd.reset();
    ns_fds.clear();
    idmapped.clear();

    if (mgr) {
        TRY_CTX(mgr->apply(first), "cgroup");
        if (plan.spec.linux && plan.spec.linux->resources) TRY(mgr->set(*plan.spec.linux->resources));
    }
    log::phase("cgroup applied");

    pid_t init_pid = first;
    if (plan.needs_stage1) {
        TRY(ch.send(MsgType::Go));
        TRY_ASSIGN(init_pid, drive_stage1(plan, ch, first, mgr));
        reaper.add(init_pid);
        int status = 0;
        while (::waitpid(first, &status, 0) < 0 && errno == EINTR) {
        }
        reaper.forget(first);
    }
    TRY(ch.send(MsgType::Go, std::to_string(init_pid)));
    TRY_CTX(await_ready(plan, ch, init_pid, mgr), "container init");
    log::phase("init ready");

    TRY_ASSIGN(auto pst, sys::read_proc_stat(init_pid));
    st.pid = init_pid;
    st.pid_start_time = pst.start_time;
    if (plan.spec.linux)
        for (const auto& ns : plan.spec.linux->namespaces) {
            static const std::map<std::string, std::string> proc_name = {
                {"pid", "pid"}, {"network", "net"}, {"mount", "mnt"},       {"ipc", "ipc"},
                {"uts", "uts"}, {"user", "user"},   {"cgroup", "cgroup"}, {"time", "time"}};
            auto it = proc_name.find(ns.type);
            if (it != proc_name.end())
                st.namespace_paths[ns.type] = "/proc/" + std::to_string(init_pid) + "/ns/" + it->second;
        }
    TRY(store.save(st));
    TRY_CTX(write_pid_file(plan.opts.pid_file, init_pid), "--pid-file");
    TRY(ch.send(MsgType::Run));
    if (plan.opts.start_over_channel) {
        // start_created sends Start on it, then waits for the close as below.
        reaper.release();
        log::phase("created");
        return CreatedContainer{init_pid, st, {}, ch.release()};
    }
    // The init closes its end once it has dropped its death signal: only then may we exit.
    TRY(recv_unless_frozen_close(ch, mgr));
    reaper.release();
    log::phase("created");
    (void)dir;
    return CreatedContainer{init_pid, st, {}, {}};
}

}  // namespace

Result<CreatedContainer> create_container(const CreateOptions& opts) {
    log::phase("create");
    std::string cfg_path = opts.bundle + "/config.json";
    TRY_ASSIGN(std::string cfg_text, sys::read_file(cfg_path));
    auto spec = specs::parse_config(cfg_text);
    if (!spec) return std::move(spec).error().wrap(cfg_path);
    if (!opts.notify_socket.empty()) notify::add_to_spec(*spec, StateStore(opts.state_root).dir(opts.id));
    TRY_ASSIGN(Plan plan, build_plan(std::move(spec).value(), opts));
    if (plan.spec.process->terminal && opts.console_socket.empty()) {
        // runc's wording; a foreground `run` passes its own socket (console::Listener).
        if (!opts.terminal_socket)
            return plain_error(EINVAL, "cannot allocate tty if cort will detach without setting console socket");
        TRY_ASSIGN(plan.opts.console_socket, opts.terminal_socket());
    }
    log::phase("planned");

    StateStore store(opts.state_root);
    TRY_ASSIGN(UniqueFd lock, store.create_dir(opts.id));
    bool keep = false;
    std::unique_ptr<cgroups::Manager> mgr;
    bool cgroup_created = false;
    ScopeExit cleanup([&] {
        if (keep) return;
        if (mgr && cgroup_created) (void)mgr->undo_create();
        (void)store.remove(opts.id);
    });
    // Read only by commands on a created container: nobody sees it before create is done.
    TRY(sys::write_new_file(store.dir(opts.id) + "/config.json", cfg_text));
    if (!opts.notify_socket.empty()) {
        std::string d = notify::socket_dir(store.dir(opts.id));
        if (::mkdir(d.c_str(), 0755) < 0) return sys_error("mkdir " + d);
    }

    TRY_ASSIGN(mgr, cgroups::make_manager(plan.cgroup));
    // Before anything is made: the cleanup then removes only the state directory, never a
    // cgroup the user made and froze.
    TRY(mgr->check_not_frozen());
    ContainerState st;
    st.id = opts.id;
    st.bundle = opts.bundle;
    st.rootfs = plan.rootfs;
    st.created = log::rfc3339_now();
    st.owner = ::getuid();
    st.annotations = plan.spec.annotations;
    st.cgroup = mgr->to_json();
    if (plan.spec.hooks && !plan.spec.hooks->empty()) st.hooks = specs::to_json_string(*plan.spec.hooks);
    st.new_pid_ns = plan.has_pid_ns;
    st.systemd_cgroup = opts.systemd_cgroup;
    // Saved before anything exists outside this directory, so that `delete --force` can
    // clean up after a create that was killed halfway.
    TRY(store.save(st));
    // A create() that fails halfway leaves directories too: undo_create() must run either way.
    cgroup_created = true;
    if (auto made = mgr->create(); !made) {
        if (!cgroup_not_writable(made.error().code) || !(plan.rootless || in_partial_user_namespace()))
            return std::move(made).error().wrap("cgroup");
        // runc's rootless rule: without a writable cgroup the container runs in ours,
        // unless it asks for limits, which then cannot be honoured.
        if (auto what = limited_resource(plan.spec)) {
            return plain_error(made.error().code, "linux.resources." + *what +
                                                      ": cannot be set: a rootless container could not create its "
                                                      "cgroup (" + made.error().text() + ")");
        }
        (void)mgr->undo_create();
        mgr.reset();
        st.cgroup.clear();
        TRY(store.save(st));
    }
    log::phase("cgroup created");

    TRY_ASSIGN(CreatedContainer c, bootstrap_container(plan, store, st, mgr.get(), lock.get()));
    keep = true;
    c.lock = std::move(lock);
    return c;
}

}  // namespace lc
