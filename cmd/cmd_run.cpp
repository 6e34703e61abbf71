// run = create + start, then (unless --detach) wait for the init, forward signals to it,
// delete the container and exit with its status (128+n for a signal, like a shell).
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.hpp"
#include "lc/container.hpp"
#include "bootstrap/console.hpp"
#include "bootstrap/foreground.hpp"
#include "lc/log.hpp"

namespace cort {
namespace {

// Signals a foreground `run` passes on to the container instead of dying from them.
sigset_t forwarded_signals() {
    sigset_t set;
    sigfillset(&set);
    for (int s : {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS}) sigdelset(&set, s);
    return set;
}

int wait_and_forward(pid_t init, const sigset_t& set) {
    int sfd = ::signalfd(-1, &set, SFD_CLOEXEC);
    for (;;) {
        int status = 0;
        pid_t r = ::waitpid(init, &status, WNOHANG);
        if (r == init) {
            if (WIFEXITED(status)) return WEXITSTATUS(status);
            if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
        }
        if (r < 0 && errno == ECHILD) return 255;
        if (sfd < 0) {
            // No signalfd: fall back to a blocking wait without forwarding.
            while (::waitpid(init, &status, 0) < 0 && errno == EINTR) {
            }
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        signalfd_siginfo si;
        ssize_t n = ::read(sfd, &si, sizeof si);
        if (n != sizeof si) continue;
        if (si.ssi_signo == SIGCHLD) continue;
        ::kill(init, static_cast<int>(si.ssi_signo));
    }
}

}  // namespace

int cmd_run(const GlobalOptions& g, const ParsedArgs& a) {
    int rc = 0;
    if (!check_positional(command_named("run"), a, 1, rc)) return rc;
    const std::string id = a.positional[0];
    auto opts = create_options(g, a, id);
    if (!opts) return fail(opts.error());
    opts->start_over_channel = true;  // no exec.fifo: this process starts it
    bool detach = a.has("detach");
    // A terminal in the foreground without --console-socket: cort receives the pty itself.
    // Made only once create has read config.json and found process.terminal set.
    std::optional<lc::console::Listener> tty;
    if (!detach && opts->console_socket.empty())
        opts->terminal_socket = [&tty]() -> lc::Result<std::string> {
            TRY_ASSIGN(auto l, lc::console::Listener::make());
            tty.emplace(std::move(l));
            return tty->path();
        };
    // Blocked before the clone so that no signal is lost between create and the wait loop;
    // the init unblocks everything before it execs the user process.
    sigset_t set = forwarded_signals(), old;
    if (!detach) ::sigprocmask(SIG_BLOCK, &set, &old);
    auto c = lc::create_container(*opts);
    if (!c) return fail(c.error());
    lc::StateStore store(g.root);
    auto s = lc::start_created(store, *c, opts->notify_socket);
    if (!s) {
        (void)lc::delete_container(store, id, true);
        return fail(s.error());
    }
    if (detach) return 0;
    int code;
    if (tty) {
        auto master = tty->accept_master();
        if (!master) {
            (void)lc::delete_container(store, id, true);
            return fail(master.error());
        }
        code = lc::console::run_foreground(c->pid, master->get(), set);
    } else {
        code = wait_and_forward(c->pid, set);
    }
    if (!a.has("keep")) {
        // The init is reaped: what it left is removed without reading back its state.
        auto d = lc::delete_reaped(store, *c);
        if (!d) lc::log::warn(d.error().text());
    }
    return code;
}

}  // namespace cort
