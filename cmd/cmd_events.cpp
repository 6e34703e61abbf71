// events: runc's JSON event stream (stats every --interval, oom), or one stats event.
#include <cctype>
#include <cstdio>

#include "commands.hpp"
#include "lc/log.hpp"
#include "state/cgroup_ops.hpp"
#include "state/container_id.hpp"

namespace cort {

namespace {

// Go durations as runc's --interval takes them: "5s", "500ms", "1m", "1m30s", "1.5s".
lc::Result<int> parse_interval(const std::string& s) {
    auto bad = [&] { return lc::plain_error(EINVAL, "invalid value for --interval: \"" + s + "\" (e.g. 5s, 500ms)"); };
    double total_ms = 0;
    size_t i = 0;
    if (s.empty()) return bad();
    while (i < s.size()) {
        size_t start = i;
        while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
        if (i == start) return bad();
        double v = std::strtod(s.substr(start, i - start).c_str(), nullptr);
        size_t u = i;
        while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
        std::string unit = s.substr(u, i - u);
        if (unit == "ms") total_ms += v;
        else if (unit == "s") total_ms += v * 1000;
        else if (unit == "m") total_ms += v * 60000;
        else if (unit == "h") total_ms += v * 3600000;
        else if (unit == "us" || unit == "µs") total_ms += v / 1000;
        else if (unit == "ns") total_ms += v / 1e6;
        else return bad();
    }
    // runc refuses a zero interval; below 1 ms poll() could not honour it anyway.
    if (total_ms < 1) return lc::plain_error(EINVAL, "invalid value for --interval: \"" + s + "\" (duration must be greater than 0)");
    if (total_ms > 2e9) return bad();
    return static_cast<int>(total_ms);
}

void emit(const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);  // consumers read the stream line by line as it comes
}

}  // namespace

int cmd_events(const GlobalOptions& g, const ParsedArgs& a) {
    int rc = 0;
    if (!check_positional(command_named("events"), a, 1, rc)) return rc;
    const std::string& id = a.positional[0];
    if (auto v = lc::validate_container_id(id); !v) return fail(v.error());
    auto interval = parse_interval(a.get("interval", "5s"));
    if (!interval) return fail(interval.error());
    lc::StateStore store(g.root);
    if (a.has("stats")) {
        auto s = lc::container_stats(store, id);
        if (!s) return fail(s.error());
        emit(lc::stats_event_json(id, *s));
        return 0;
    }
    auto r = lc::watch_events(store, id, *interval, emit, [](const lc::Error& e) { lc::log::warn(e.text()); });
    return r ? 0 : fail(r.error());
}

}  // namespace cort
