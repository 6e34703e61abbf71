// Value sets the runtime-spec defines by name. Shared by the parser, the validator and the
// `cort features` document so that the three never disagree.
#pragma once
#include <algorithm>
#include <array>
#include <string_view>

namespace specs {

inline constexpr std::array<std::string_view, 8> kNamespaceTypes = {
    "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"};

// Every RLIMIT_* that setrlimit(2) knows on Linux.
inline constexpr std::array<std::string_view, 16> kRlimitTypes = {
    "RLIMIT_AS",     "RLIMIT_CORE",    "RLIMIT_CPU",        "RLIMIT_DATA",
    "RLIMIT_FSIZE",  "RLIMIT_LOCKS",   "RLIMIT_MEMLOCK",    "RLIMIT_MSGQUEUE",
    "RLIMIT_NICE",   "RLIMIT_NOFILE",  "RLIMIT_NPROC",      "RLIMIT_RSS",
    "RLIMIT_RTPRIO", "RLIMIT_RTTIME",  "RLIMIT_SIGPENDING", "RLIMIT_STACK"};

// linux.devices[].type: char, block, unbuffered char, fifo.
inline constexpr std::array<std::string_view, 4> kDeviceTypes = {"c", "b", "u", "p"};

inline constexpr std::array<std::string_view, 6> kHookNames = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"};

inline constexpr std::array<std::string_view, 7> kRootfsPropagations = {
    "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable"};

template <size_t N>
constexpr bool is_one_of(const std::array<std::string_view, N>& set, std::string_view v) {
    return std::find(set.begin(), set.end(), v) != set.end();
}

}  // namespace specs
