#include "cli.hpp"

#include <string_view>

#include <signal.h>
#include <string.h>

#include <cctype>
#include <cstdio>

#include "lc/log.hpp"

namespace cort {

const std::vector<std::string>& ParsedArgs::all(const std::string& name) const {
    static const std::vector<std::string> empty;
    auto it = values.find(name);
    return it == values.end() ? empty : it->second;
}

static const FlagSpec* find_flag(const std::vector<FlagSpec>& specs, const std::string& name) {
    for (const auto& f : specs)
        for (const auto& n : f.names)
            if (n == name) return &f;
    return nullptr;
}

lc::Result<ParsedArgs> parse_args(const std::vector<FlagSpec>& specs, const std::vector<std::string>& args,
                                  size_t start) {
    ParsedArgs out;
    bool flags_done = false;
    for (size_t i = start; i < args.size(); i++) {
        const std::string& a = args[i];
        if (flags_done || a.size() < 2 || a[0] != '-') {
            out.positional.push_back(a);
            flags_done = true;
            continue;
        }
        if (a == "--") {
            flags_done = true;
            continue;
        }
        std::string body = a.substr(a[1] == '-' ? 2 : 1);
        std::string value;
        bool has_value = false;
        if (auto eq = body.find('='); eq != std::string::npos) {
            value = body.substr(eq + 1);
            body = body.substr(0, eq);
            has_value = true;
        }
        const FlagSpec* f = find_flag(specs, body);
        if (!f) return lc::plain_error(EINVAL, "flag provided but not defined: -" + body);
        if (f->takes_value) {
            if (!has_value) {
                if (i + 1 >= args.size()) return lc::plain_error(EINVAL, "flag needs an argument: -" + body);
                value = args[++i];
            }
        } else if (has_value) {
            if (value != "true" && value != "false")
                return lc::plain_error(EINVAL, "invalid boolean value \"" + value + "\" for -" + body);
            if (value == "false") {
                out.values.erase(f->names[0]);
                out.set_false[f->names[0]] = true;
                continue;
            }
        }
        out.set_false.erase(f->names[0]);
        out.values[f->names[0]].push_back(value);
    }
    return out;
}

// The flag an argument names ("--memory=1g", "-m", "-memory" -> memory's spec), if any.
static const FlagSpec* flag_named_by(const std::vector<FlagSpec>& specs, const std::string& arg) {
    if (arg.size() < 2 || arg[0] != '-' || arg == "--") return nullptr;
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    return find_flag(specs, body.substr(0, body.find('=')));
}

std::vector<std::string> reorder_args(const std::vector<FlagSpec>& specs, const std::vector<std::string>& args,
                                      size_t start) {
    std::vector<std::string> flags, rest;
    bool value_next = false;  // the previous flag takes a value and had no "=value"
    for (size_t i = start; i < args.size(); i++) {
        const std::string& a = args[i];
        const FlagSpec* f = flag_named_by(specs, a);
        if (value_next && !f) {
            // The value travels with its flag, even "--" or "-x": Go's flag takes it as is.
            flags.push_back(a);
            value_next = false;
        } else if (a == "--") {
            rest.insert(rest.begin(), "--");
            rest.insert(rest.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
            break;
        } else if (f) {
            flags.push_back(a);
            // urfave/cli also pulls the argument after a *boolean* flag ("kill ID --all 9" then
            // signals container "9"); cort does not: a boolean flag never takes a value.
            value_next = f->takes_value && a.find('=') == std::string::npos;
        } else {
            rest.push_back(a);
        }
    }
    flags.insert(flags.end(), rest.begin(), rest.end());
    return flags;
}

lc::Result<ParsedArgs> parse_command_args(const Command& c, const std::vector<std::string>& args, size_t start) {
    std::vector<FlagSpec> flags = c.flags;
    flags.push_back({{"help", "h"}, false, "show help"});
    if (c.skip_reorder) return parse_args(flags, args, start);
    return parse_args(flags, reorder_args(flags, args, start), 0);
}

int fail(const lc::Error& e) {
    std::string text = e.text();
    lc::log::error(text);
    if (!lc::log::writes_to_stderr()) std::fprintf(stderr, "cort: %s\n", text.c_str());
    return 1;
}

int fail_usage(const Command& c, const std::string& msg) {
    std::fprintf(stderr, "cort %s: %s\nRun 'cort %s --help' for usage.\n", c.name, msg.c_str(), c.name);
    lc::log::error(std::string(c.name) + ": " + msg);
    return 1;
}

bool check_positional(const Command& c, const ParsedArgs& a, size_t n, int& rc) {
    if (a.positional.size() == n) return true;
    rc = fail_usage(c, "expects " + std::to_string(n) + " argument" + (n == 1 ? "" : "s") + " (" + c.args_usage +
                           "), got " + std::to_string(a.positional.size()));
    return false;
}

int parse_signal(const std::string& s) {
    if (s.empty()) return -1;
    if (std::isdigit(static_cast<unsigned char>(s[0]))) {
        char* end = nullptr;
        long v = std::strtol(s.c_str(), &end, 10);
        return (*end == 0 && v >= 0 && v < NSIG) ? static_cast<int>(v) : -1;
    }
    std::string up;
    for (char ch : s) up += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (up.rfind("SIG", 0) == 0) up = up.substr(3);
    for (int sig = 1; sig < NSIG; sig++) {
        const char* abbrev = sigabbrev_np(sig);
        if (abbrev && up == abbrev) return sig;
    }
    if (up.rfind("RTMIN+", 0) == 0) return SIGRTMIN + std::atoi(up.c_str() + 6);
    return -1;
}

}  // namespace cort
