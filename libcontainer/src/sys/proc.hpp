// /proc/<pid>/stat parsing (start time and state), parsed after the last ')'.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lc/error.hpp"

namespace lc::sys {

struct ProcStat {
    char state = '?';         // R S D Z X T t ...
    uint64_t start_time = 0;  // field 22, clock ticks since boot
    pid_t ppid = 0;
    std::string comm;         // field 2, without the parentheses
};

// Pure parser for the content of /proc/<pid>/stat.
std::optional<ProcStat> parse_proc_stat(std::string_view content);
// Reads /proc/<pid>/stat; ENOENT when the process is gone.
Result<ProcStat> read_proc_stat(pid_t pid);

}  // namespace lc::sys
