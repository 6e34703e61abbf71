// Device cgroup rules: validation of linux.resources.devices, runc's default allow-list,
// the v1 "devices.allow"/"devices.deny" lines, and a model of the v1 kernel semantics
// (default policy + exception list) that the v2 eBPF program is compiled from, so both
// versions decide the same way for the same rules.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "lc/error.hpp"
#include "specs/runtime_spec.hpp"

namespace lc::cgroups {

inline constexpr uint8_t kAccRead = 1, kAccWrite = 2, kAccMknod = 4, kAccAll = 7;
inline constexpr int64_t kWildcard = -1;

struct DeviceRule {
    char type = 'a';            // 'a' (all), 'c', 'b'
    int64_t major = kWildcard;  // -1 = '*'
    int64_t minor = kWildcard;
    uint8_t access = kAccAll;
    bool allow = false;

    bool operator==(const DeviceRule&) const = default;
};

// Validates and converts; errors name linux.resources.devices[i].<field>.
Result<std::vector<DeviceRule>> rules_from_spec(const std::vector<specs::LinuxDeviceCgroup>& devs);
// runc 1.1's specconv.AllowedDevices (mknod of anything, the standard char devices, pts, tun).
const std::vector<DeviceRule>& default_allowed_rules();
// The full list a container gets: its own rules, then the default allow-list (runc's
// order, so a leading "deny all" in config.json never removes /dev/null).
Result<std::vector<DeviceRule>> container_rules(const std::vector<specs::LinuxDeviceCgroup>& devs);

// v1: which file and which line. "a" for the all-devices rule, else "c 1:3 rwm".
struct V1DeviceWrite {
    std::string file;  // "devices.allow" or "devices.deny"
    std::string line;
    bool operator==(const V1DeviceWrite&) const = default;
};
V1DeviceWrite v1_device_write(const DeviceRule& r);
std::string access_string(uint8_t access);

// The v1 kernel's model after applying rules in order: a default and exceptions.
struct DevicePolicy {
    bool default_allow = true;  // a fresh v1 cgroup allows everything
    std::vector<DeviceRule> exceptions;  // each has allow == !default_allow
    void apply(const DeviceRule& r);
    // What the policy decides for one access (type 'c'/'b', one access bit or several).
    bool allows(char type, int64_t major, int64_t minor, uint8_t access) const;
};
DevicePolicy policy_from_rules(const std::vector<DeviceRule>& rules);

}  // namespace lc::cgroups
