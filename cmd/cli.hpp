// A small argv parser with runc's (urfave/cli) conventions: "--flag value", "--flag=value",
// single-dash long flags ("-bundle"), short aliases ("-b"), "--" to end flags, and (for every
// verb but exec and ps) the verb's own flags accepted after its arguments too.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "lc/error.hpp"

namespace cort {

struct GlobalOptions {
    std::string root = "/run/cort";
    std::string log;
    std::string log_format = "text";
    bool debug = false;
    bool systemd_cgroup = false;
};

struct FlagSpec {
    std::vector<std::string> names;  // first is canonical: {"bundle", "b"}
    bool takes_value = false;
    std::string help;
};

struct ParsedArgs {
    std::map<std::string, std::vector<std::string>> values;  // canonical name -> values
    std::vector<std::string> positional;
    // Boolean flags given as "--flag=false": absent from `values`, but set (urfave's IsSet),
    // which `exec --no-new-privs=false` needs to override config.json.
    std::map<std::string, bool> set_false;
    bool is_set(const std::string& name) const { return has(name) || set_false.count(name) > 0; }
    bool has(const std::string& name) const { return values.count(name) > 0; }
    std::string get(const std::string& name, const std::string& def = "") const {
        auto it = values.find(name);
        return it == values.end() || it->second.empty() ? def : it->second.back();
    }
    const std::vector<std::string>& all(const std::string& name) const;
};

// Parses args[start..] as Go's flag package does: flags until the first positional argument
// (or "--"), everything after it positional.
lc::Result<ParsedArgs> parse_args(const std::vector<FlagSpec>& specs, const std::vector<std::string>& args,
                                  size_t start);

// urfave/cli's argument reordering (runc 1.1): args[start..] with every argument that names
// one of `specs` (and the value after a value-taking one) moved before the others, up to a
// "--", which then leads the rest. Unknown flags stay where they are (so, after the id, they
// are positional). See docs/cli.md for the one deliberate difference (boolean flags).
std::vector<std::string> reorder_args(const std::vector<FlagSpec>& specs, const std::vector<std::string>& args,
                                      size_t start);

struct Command {
    const char* name;
    const char* args_usage;  // "<container-id>"
    const char* summary;
    std::vector<FlagSpec> flags;
    int (*run)(const GlobalOptions&, const ParsedArgs&);
    // runc's SkipArgReorder (exec, ps): everything after the id is the process's or ps's.
    bool skip_reorder = false;
};

const std::vector<Command>& commands();
const Command& command_named(std::string_view name);
// help.cpp: runc's NAME/USAGE/... layout, from the verb table.
void print_app_help();
void print_command_help(const Command& c);
// `cort help [VERB]`: args[start] is the verb, if any. Returns the exit code.
int cmd_help(const std::vector<std::string>& args, size_t start);
// `--version`: version, commit, spec and libseccomp lines, as runc prints them.
void print_version();
// A verb's arguments (args[start..]) parsed runc's way: its flags plus --help/-h, reordered
// unless the verb skips that.
lc::Result<ParsedArgs> parse_command_args(const Command& c, const std::vector<std::string>& args, size_t start);

// Reports an error the way engines read it: plain text on stderr, and with --log a final
// {"level":"error"} line. Returns the exit code (1).
int fail(const lc::Error& e);
int fail_usage(const Command& c, const std::string& msg);
// Requires exactly `n` positional arguments.
bool check_positional(const Command& c, const ParsedArgs& a, size_t n, int& rc);

// "9", "KILL", "SIGKILL", "sigkill" -> 9; "0" -> 0 (existence check); -1 when unknown.
int parse_signal(const std::string& s);

}  // namespace cort
