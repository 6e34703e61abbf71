// cort: global flags, logger, dispatch. Each verb lives in cmd_<verb>.cpp.
#include <malloc.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"
#include "early_entry.hpp"
#include "lc/log.hpp"
#include "sys/exe_seal.hpp"
#include "sys/fds.hpp"

namespace {

using namespace cort;

// runc's rule: an unprivileged caller cannot write /run, so its state lives in its own
// runtime directory ($XDG_RUNTIME_DIR/runc there, $XDG_RUNTIME_DIR/cort here).
std::string default_root() {
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    if (::geteuid() != 0 && xdg && *xdg) return std::string(xdg) + "/cort";
    return "/run/cort";
}

// CVE-2024-21626: an fd the caller left open (a host directory, a socket) must never reach
// a hook or the container. Everything above stdio and the fds passed on purpose is closed
// before the log file, the state dir or any child exists, so nothing of the caller can be
// mistaken for cort's own or inherited by what cort starts (docs/security.md).
void drop_inherited_fds(const std::string& verb, const ParsedArgs* a) {
    unsigned passed = 0;
    if (a && a->has("preserve-fds")) {
        // An invalid count is reported by the command itself; nothing is passed then.
        const std::string v = a->get("preserve-fds");
        char* end = nullptr;
        unsigned long n = std::strtoul(v.c_str(), &end, 10);
        if (!v.empty() && !*end && n <= 4096) passed = static_cast<unsigned>(n);
    }
    if (verb != "exec") passed += listen_fds_from_env();
    lc::sys::close_fds_from(3 + passed);
}

}  // namespace

namespace {

// CVE-2019-5736 (sys/exe_seal.hpp): create, run and exec re-exec from a protected image before
// anything else. The entry point (early_entry.cpp) does it before libc's start-up; where it
// could not (no mount allowed: the sealed memfd copy needs libc), it is done here in
// .preinit_array, after libc is up but before any C++ constructor and before main() parses
// anything. main() checks again (a cheap no-op once protected), so a command line these read
// differently from parse_args still ends up protected or refused.
bool g_image_protected = false;  // constant-initialised: valid before any constructor

void reexec_early(int argc, char** argv, char** envp) {
    if (cort_entry_verdict == kEntryProtected) {
        g_image_protected = true;
        return;
    }
    if (cort_entry_verdict == kEntryNotNeeded || !verb_enters_container(early_verb(argc, argv))) return;
    if (auto sealed = lc::sys::reexec_sealed(argv, envp); !sealed) {
        std::fprintf(stderr, "cort: %s\n", sealed.error().text().c_str());
        std::exit(1);
    }
    g_image_protected = true;  // returned: this image is the protected one
}

}  // namespace

__attribute__((section(".preinit_array"), used)) static void (*const cort_preinit)(int, char**, char**) = reexec_early;

int main(int argc, char** argv, char** envp) {
    // A command's whole heap is a few hundred KB: take it in one brk and never give it back
    // (glibc grows by 128 KB and trims on free). Untouched pages cost nothing.
    ::mallopt(M_TOP_PAD, 1 << 20);
    ::mallopt(M_TRIM_THRESHOLD, 64 << 20);
    std::vector<std::string> args(argv, argv + argc);
    static const std::vector<FlagSpec> global_flags = {
        {{"root"}, true, ""},          {{"log"}, true, ""},   {{"log-format"}, true, ""},
        {{"debug"}, false, ""},        {{"systemd-cgroup"}, false, ""},
        {{"rootless"}, true, ""},      {{"criu"}, true, ""},  {{"help", "h"}, false, ""},
        {{"version", "v"}, false, ""},
    };
    auto parsed = parse_args(global_flags, args, 1);
    if (!parsed) {
        std::fprintf(stderr, "cort: %s\n", parsed.error().text().c_str());
        return 1;
    }
    ParsedArgs& g = *parsed;
    GlobalOptions opts;
    opts.root = g.get("root", default_root());
    opts.log = g.get("log");
    opts.log_format = g.get("log-format", "text");
    opts.debug = g.has("debug");
    opts.systemd_cgroup = g.has("systemd-cgroup");
    if (opts.log_format != "text" && opts.log_format != "json") {
        std::fprintf(stderr, "cort: --log-format: unknown format \"%s\" (text or json)\n", opts.log_format.c_str());
        return 1;
    }
    // CVE-2019-5736: normally done already by reexec_early; this catches a command line that
    // it read differently. Before anything is opened or logged; other verbs never pay for it.
    const bool enters_container =
        !g.positional.empty() && !g.has("help") && !g.has("version") && verb_enters_container(g.positional[0].c_str());
    if (enters_container) {
        if (!g_image_protected) {
            if (auto sealed = lc::sys::reexec_sealed(argv, envp); !sealed) {
                std::fprintf(stderr, "cort: %s\n", sealed.error().text().c_str());
                return 1;
            }
        }
        // execveat named the process after the fd ("4"): give `ps`/`top` the name it was
        // called by (argv[0] survives the re-exec).
        const char* base = std::strrchr(argv[0], '/');
        ::prctl(PR_SET_NAME, base ? base + 1 : argv[0], 0, 0, 0);
    }
    auto start_logging = [&] {
        lc::log::init({opts.log, opts.log_format == "json" ? lc::log::Format::Json : lc::log::Format::Text, opts.debug});
        if (opts.debug && enters_container)
            lc::log::debug(cort_entry_verdict == kEntryProtected
                               ? "CVE-2019-5736: image protected, seen at the entry point (before libc start-up)"
                               : "CVE-2019-5736: image protected by the re-exec after libc start-up");
    };
    if (!enters_container) start_logging();
    if (g.has("version")) {
        print_version();
        return 0;
    }
    if (g.positional.empty() || g.has("help")) {
        print_app_help();  // runc: also without any argument, and exit 0
        return 0;
    }
    const std::string& name = g.positional[0];
    // The command's own arguments start after the command name in the original argv.
    size_t cmd_index = args.size() - g.positional.size();
    if (name == "help" || name == "h") return cmd_help(args, cmd_index + 1);
    for (const auto& c : commands()) {
        if (name != c.name) continue;
        auto a = parse_command_args(c, args, cmd_index + 1);
        if (enters_container) {
            drop_inherited_fds(name, a ? &*a : nullptr);
            start_logging();
        }
        if (!a) return fail_usage(c, a.error().text());
        if (a->has("help")) {
            print_command_help(c);
            return 0;
        }
        return c.run(opts, *a);
    }
    std::fprintf(stderr, "cort: no such command \"%s\" (see cort --help)\n", name.c_str());
    return 1;
}
