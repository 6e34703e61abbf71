// Linux capabilities: name <-> number, the validated five sets, and applying them.
// Sets are 64-bit masks (bit N = capability N); the kernel has 41 capabilities today.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lc/error.hpp"
#include "specs/runtime_spec.hpp"

namespace lc::security {

using CapMask = uint64_t;

struct CapabilityPlan {
    // Absent sets (or an absent process.capabilities) are empty, as in runc: an
    // unconfigured container gets no capabilities at all.
    CapMask bounding = 0, effective = 0, permitted = 0, inheritable = 0, ambient = 0;
    // Capabilities left out (runtime-spec >= 1.1: warn, do not fail), one line each for the
    // runtime's log: "process.capabilities.bounding[3]: unknown capability \"CAP_TEST\", ignored".
    std::vector<std::string> warnings;
};

// Highest capability number + 1 the running kernel knows (libcap's cap_max_bits).
unsigned kernel_cap_count();
// "CAP_CHOWN" -> 0. Names are matched exactly (upper case, with the CAP_ prefix, as the
// spec writes them). nullopt for names neither libcap nor the kernel know.
std::optional<unsigned> cap_from_name(std::string_view name);
// 0 -> "CAP_CHOWN"; a number libcap has no name for -> "CAP_<n>".
std::string cap_name(unsigned cap);
// Every capability the running kernel supports, by name, in numeric order (for `features`).
std::vector<std::string> known_capability_names();

// Names -> masks, plus the kernel's capset rules checked up front so the child cannot fail.
// runtime-spec >= 1.1 config.md: a capability that "cannot be mapped to a relevant kernel
// interface, or cannot be granted otherwise MUST be logged as a warning by the runtime" and
// the runtime "SHOULD NOT fail": unknown names, capabilities past the running kernel's last
// one and those outside the runtime's bounding set (`host_bounding`, or the calling process's
// when not given) are dropped from their set with a warning.
Result<CapabilityPlan> plan_capabilities(const std::optional<specs::LinuxCapabilities>& caps,
                                         std::optional<CapMask> host_bounding = std::nullopt);

// --- child side (stage 2) ---
// Drops every capability not in plan.bounding from the bounding set (needs CAP_SETPCAP).
Result<void> drop_bounding_set(const CapabilityPlan& plan);
// capset(effective, permitted, inheritable) for the calling thread.
Result<void> set_capabilities(CapMask effective, CapMask permitted, CapMask inheritable);
// Clears the ambient set, then raises each capability of `ambient`.
Result<void> set_ambient(CapMask ambient);
// The calling thread's current permitted set (to raise effective temporarily).
Result<CapMask> current_permitted();

}  // namespace lc::security
