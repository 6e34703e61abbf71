// Help in runc's (urfave/cli) shape, generated from the verb table: `cort --help`, `-h`,
// `help`, `help VERB`, `VERB --help`, `VERB -h`. Engines and people read the section names.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cli.hpp"

namespace cort {
namespace {

struct HelpRow {
    std::string left, right;
};

// urfave lays out options with a tabwriter: one column as wide as the widest name.
void print_rows(const std::vector<HelpRow>& rows) {
    size_t width = 0;
    for (const auto& r : rows) width = std::max(width, r.left.size());
    for (const auto& r : rows) std::printf("   %-*s  %s\n", static_cast<int>(width), r.left.c_str(), r.right.c_str());
}

// "--bundle value, -b value", as urfave names a flag.
std::string flag_names(const FlagSpec& f) {
    std::string out;
    for (const auto& n : f.names) {
        if (!out.empty()) out += ", ";
        out += (n.size() == 1 ? "-" : "--") + n;
        if (f.takes_value) out += " value";
    }
    return out;
}

}  // namespace

void print_app_help() {
    std::printf(
        "NAME:\n   cort - an OCI container runtime (runc's command line)\n\n"
        "USAGE:\n   cort [global options] command [command options] [arguments...]\n\n"
        "VERSION:\n   ");
    print_version();
    std::printf("\nCOMMANDS:\n");
    std::vector<HelpRow> rows;
    for (const auto& c : commands()) rows.push_back({c.name, c.summary});
    rows.push_back({"help, h", "Shows a list of commands or help for one command"});
    print_rows(rows);
    std::printf("\nGLOBAL OPTIONS:\n");
    print_rows({
        {"--debug", "enable debug logging, with per-phase timings"},
        {"--log value", "log file (default: stderr)"},
        {"--log-format value", "text or json (default: \"text\")"},
        {"--root value", "state directory (default: \"/run/cort\", or \"$XDG_RUNTIME_DIR/cort\" when not root)"},
        {"--criu value", "accepted for compatibility, ignored"},
        {"--systemd-cgroup", "use the systemd cgroup driver (not supported yet)"},
        {"--rootless value", "accepted for compatibility, ignored"},
        {"--help, -h", "show help"},
        {"--version, -v", "print the version"},
    });
}

void print_command_help(const Command& c) {
    // runc leaves "[command options]" out of a verb that has none.
    std::printf("NAME:\n   cort %s - %s\n\nUSAGE:\n   cort %s%s %s\n\nDESCRIPTION:\n   %s\n", c.name, c.summary, c.name,
                c.flags.empty() ? "" : " [command options]", c.args_usage, c.summary);
    if (c.flags.empty()) return;
    std::printf("\nOPTIONS:\n");
    std::vector<HelpRow> rows;
    for (const auto& f : c.flags) rows.push_back({flag_names(f), f.help});
    print_rows(rows);
}

int cmd_help(const std::vector<std::string>& args, size_t start) {
    if (start >= args.size()) {
        print_app_help();
        return 0;
    }
    for (const auto& c : commands())
        if (args[start] == c.name) {
            print_command_help(c);
            return 0;
        }
    std::fprintf(stderr, "cort: no help topic for \"%s\" (see cort --help)\n", args[start].c_str());
    return 1;
}

}  // namespace cort
