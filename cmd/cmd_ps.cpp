// ps: the container's host pids as JSON, or procps `ps` output filtered to them (runc).
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

#include "commands.hpp"
#include "state/cgroup_ops.hpp"
#include "state/container_id.hpp"

namespace cort {

namespace {

// Runs `ps args...` and returns its stdout. stderr passes through, as runc lets it.
lc::Result<std::string> run_ps(const std::vector<std::string>& args) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return lc::sys_error("ps: pipe");
    pid_t pid = ::fork();
    if (pid < 0) return lc::sys_error("ps: fork");
    if (pid == 0) {
        ::dup2(p[1], 1);  // dup2 clears CLOEXEC on the copy
        std::vector<char*> argv;
        static char ps[] = "ps";
        argv.push_back(ps);
        for (const auto& s : args) argv.push_back(const_cast<char*>(s.c_str()));
        argv.push_back(nullptr);
        ::execvp("ps", argv.data());
        std::fprintf(stderr, "cort: exec ps: %s\n", std::strerror(errno));
        ::_exit(127);
    }
    ::close(p[1]);
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(p[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(p[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return lc::plain_error(EIO, "ps failed (exit status " + std::to_string(WEXITSTATUS(status)) + ")");
    return out;
}

}  // namespace

int cmd_ps(const GlobalOptions& g, const ParsedArgs& a) {
    const Command& c = command_named("ps");
    if (a.positional.empty()) return fail_usage(c, "expects <container-id> [ps options]");
    const std::string& id = a.positional[0];
    if (auto v = lc::validate_container_id(id); !v) return fail(v.error());
    std::string format = a.get("format", "table");
    if (format != "table" && format != "json")
        return fail(lc::plain_error(EINVAL, "--format: invalid value \"" + format + "\" (expected table or json)"));
    auto pids = lc::container_pids(lc::StateStore(g.root), id);
    if (!pids) return fail(pids.error());
    if (format == "json") {
        std::string out = "[";
        for (size_t i = 0; i < pids->size(); ++i) out += (i ? "," : "") + std::to_string((*pids)[i]);
        std::printf("%s]\n", out.c_str());
        return 0;
    }
    std::vector<std::string> args(a.positional.begin() + 1, a.positional.end());
    if (args.empty()) args = {"-ef"};
    auto out = run_ps(args);
    if (!out) return fail(out.error());
    // Split by hand, not with iostreams: they would pull the locale machinery into the binary.
    std::string_view rest = *out;
    auto next_line = [&rest](std::string_view& line) {
        if (rest.empty()) return false;
        size_t nl = rest.find('\n');
        line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        return true;
    };
    // The n-th whitespace-separated field of a line (0-based), or empty.
    auto field = [](std::string_view line, int n) {
        size_t i = 0;
        for (int k = 0;; ++k) {
            while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
            if (i == line.size()) return std::string_view();
            size_t start = i;
            while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
            if (k == n) return line.substr(start, i - start);
        }
    };
    std::string_view header;
    next_line(header);
    // The PID column: its index among the header's whitespace-separated fields.
    int pid_col = -1;
    for (int i = 0; !field(header, i).empty(); ++i)
        if (field(header, i) == "PID") {
            pid_col = i;
            break;
        }
    if (pid_col < 0) return fail(lc::plain_error(EINVAL, "couldn't find PID field in ps output"));
    std::printf("%.*s\n", static_cast<int>(header.size()), header.data());
    std::string_view line;
    while (next_line(line)) {
        std::string f(field(line, pid_col));
        long p = std::strtol(f.c_str(), nullptr, 10);
        if (std::binary_search(pids->begin(), pids->end(), static_cast<pid_t>(p)))
            std::printf("%.*s\n", static_cast<int>(line.size()), line.data());
    }
    return 0;
}

}  // namespace cort
