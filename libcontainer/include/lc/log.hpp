// The runtime's log: text or JSON lines (containerd reads the last {"level":"error"} line).
// Only the cort process that the engine started writes here; container-side stages send
// their errors and log lines back over the bootstrap channel (forward_to).
#pragma once
#include <string>
#include <string_view>

namespace lc::log {

enum class Level { Debug, Info, Warn, Error };
enum class Format { Text, Json };

struct Config {
    std::string path;  // empty: stderr
    Format format = Format::Text;
    bool debug = false;
};

void init(const Config& cfg);
bool debug_enabled();
// True when log lines already go to stderr (no --log file).
bool writes_to_stderr();
void write(Level level, std::string_view msg);
inline void debug(std::string_view m) {
    if (debug_enabled()) write(Level::Debug, m);
}
inline void info(std::string_view m) { write(Level::Info, m); }
inline void warn(std::string_view m) { write(Level::Warn, m); }
inline void error(std::string_view m) { write(Level::Error, m); }

// In a bootstrap child: hand every line to `fn` (which sends it to the parent) instead of
// writing it here; the level filter still applies. nullptr restores direct writes.
using Forwarder = void (*)(Level level, std::string_view msg, const void* ctx);
void forward_to(Forwarder fn, const void* ctx);

// --debug phase trace: "phase <name> +<µs since process start>". Free when --debug is off.
void phase(std::string_view name);

// RFC 3339 with nanoseconds in UTC, as Go's time.RFC3339Nano parses it.
std::string rfc3339_now();

}  // namespace lc::log
