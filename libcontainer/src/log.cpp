#include "lc/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace lc::log {
namespace {

Config g_cfg;
int g_fd = 2;
Forwarder g_forward = nullptr;
const void* g_forward_ctx = nullptr;
timespec g_start{};

const char* level_name(Level l) {
    switch (l) {
        case Level::Debug: return "debug";
        case Level::Info: return "info";
        case Level::Warn: return "warning";
        case Level::Error: return "error";
    }
    return "info";
}

// logrus's TextFormatter (runc's text --log) quotes a value unless every character is one of
// these; quoting is Go's %q.
bool needs_quoting(std::string_view v) {
    for (char c : v) {
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                     c == '.' || c == '_' || c == '/' || c == '@' || c == '^' || c == '+';
        if (!plain) return true;
    }
    return false;
}

std::string logfmt_value(std::string_view v) {
    if (!needs_quoting(v)) return std::string(v);
    std::string out = "\"";
    for (unsigned char c : v) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char hex[8];
                    snprintf(hex, sizeof hex, "\\x%02x", c);
                    out += hex;
                } else {
                    out += static_cast<char>(c);  // UTF-8 passes through, as %q keeps printable runes
                }
        }
    }
    return out + '"';
}

// time="2026-01-02T15:04:05Z" level=error msg="..." : what runc writes to a text --log, so
// that tools which scrape runc's log read cort's. Seconds only, like logrus's default.
std::string logrus_line(Level level, std::string_view msg) {
    std::string t = rfc3339_now();
    t = t.substr(0, t.find('.')) + "Z";
    return "time=" + logfmt_value(t) + " level=" + level_name(level) + " msg=" + logfmt_value(msg);
}

}  // namespace

void init(const Config& cfg) {
    g_cfg = cfg;
    clock_gettime(CLOCK_MONOTONIC, &g_start);
    if (!cfg.path.empty()) {
        int fd = ::open(cfg.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd >= 0) g_fd = fd;
    }
}

bool debug_enabled() { return g_cfg.debug; }
bool writes_to_stderr() { return g_fd == 2; }

std::string rfc3339_now() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    // UTC by hand, not gmtime_r/strftime: glibc's first call loads /etc/localtime (tzset)
    // even for UTC. Days to civil date: H. Hinnant's algorithm (proleptic Gregorian).
    long long secs = ts.tv_sec;
    long long days = secs / 86400, rem = secs % 86400;
    if (rem < 0) rem += 86400, --days;
    long long z = days + 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = static_cast<unsigned>(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned day = doy - (153 * mp + 2) / 5 + 1;
    unsigned month = mp < 10 ? mp + 3 : mp - 9;
    long long year = static_cast<long long>(yoe) + era * 400 + (month <= 2);
    char buf[64];
    snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%09ldZ", year, month, day, rem / 3600,
             rem / 60 % 60, rem % 60, ts.tv_nsec);
    return buf;
}

void forward_to(Forwarder fn, const void* ctx) {
    g_forward = fn;
    g_forward_ctx = ctx;
}

void write(Level level, std::string_view msg) {
    if (level == Level::Debug && !g_cfg.debug) return;
    if (g_forward) {
        g_forward(level, msg, g_forward_ctx);
        return;
    }
    std::string line;
    if (g_cfg.format == Format::Json) {
        nlohmann::ordered_json j;
        j["level"] = level_name(level);
        j["msg"] = msg;
        j["time"] = rfc3339_now();
        line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else if (g_fd == 2) {
        // A person reads stderr: no timestamp, and errors need no level word.
        line = level == Level::Error ? "cort: " + std::string(msg)
                                     : std::string("cort: ") + level_name(level) + ": " + std::string(msg);
    } else {
        line = logrus_line(level, msg);
    }
    line += '\n';
    // One write per line keeps lines whole when several cort processes share the file.
    [[maybe_unused]] ssize_t n = ::write(g_fd, line.data(), line.size());
}

void phase(std::string_view name) {
    if (!g_cfg.debug) return;
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long us = (now.tv_sec - g_start.tv_sec) * 1000000L + (now.tv_nsec - g_start.tv_nsec) / 1000;
    write(Level::Debug, "phase " + std::string(name) + " +" + std::to_string(us) + "us");
}

}  // namespace lc::log
