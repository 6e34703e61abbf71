// A foreground process of `run`/`exec`: wait for it, forward signals, and with a terminal
// proxy the caller's stdio to the pty master.
#pragma once
#include <signal.h>
#include <sys/types.h>

namespace lc::console {

// Signals a foreground runtime passes on instead of dying from them (runc's set: all but
// the unblockable and the synchronous fault signals). Block them before the clone so none
// is lost; the exec'd process unblocks everything.
sigset_t forwarded_signals();

// Waits for `pid` (a child of the caller) and returns its status the shell way: the exit
// code, or 128+n for signal n. Signals in `forward` go to the process. With master >= 0,
// stdin goes to the pty and the pty's output to stdout; a tty stdin is put in raw mode
// (restored before return) and SIGWINCH resizes the pty. `forward` must be blocked.
int run_foreground(pid_t pid, int master, const sigset_t& forward);

}  // namespace lc::console
