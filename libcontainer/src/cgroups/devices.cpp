#include "cgroups/devices.hpp"

#include <algorithm>

namespace lc::cgroups {

static Result<uint8_t> parse_access(const std::string& s, const std::string& field) {
    uint8_t acc = 0;
    for (char c : s) {
        switch (c) {
        case 'r': acc |= kAccRead; break;
        case 'w': acc |= kAccWrite; break;
        case 'm': acc |= kAccMknod; break;
        default: return make_error(field + ": invalid access \"" + s + "\" (expected letters of \"rwm\")");
        }
    }
    return acc;
}

Result<std::vector<DeviceRule>> rules_from_spec(const std::vector<specs::LinuxDeviceCgroup>& devs) {
    std::vector<DeviceRule> out;
    for (size_t i = 0; i < devs.size(); ++i) {
        const auto& d = devs[i];
        std::string field = "linux.resources.devices[" + std::to_string(i) + "]";
        DeviceRule r;
        r.allow = d.allow;
        std::string type = d.type.value_or("a");
        if (type.empty()) type = "a";
        if (type != "a" && type != "c" && type != "b")
            return make_error(field + ".type: invalid device type \"" + type + "\" (expected a, c or b)");
        r.type = type[0];
        if (d.major) {
            if (*d.major < -1) return make_error(field + ".major: invalid value " + std::to_string(*d.major));
            r.major = *d.major;
        }
        if (d.minor) {
            if (*d.minor < -1) return make_error(field + ".minor: invalid value " + std::to_string(*d.minor));
            r.minor = *d.minor;
        }
        if (d.access && !d.access->empty()) {
            TRY_ASSIGN(r.access, parse_access(*d.access, field + ".access"));
        }
        out.push_back(r);
    }
    return out;
}

const std::vector<DeviceRule>& default_allowed_rules() {
    static const std::vector<DeviceRule> rules = {
        {'c', kWildcard, kWildcard, kAccMknod, true},  // mknod of any device; access still needs a rule
        {'b', kWildcard, kWildcard, kAccMknod, true},
        {'c', 1, 3, kAccAll, true},          // /dev/null
        {'c', 1, 8, kAccAll, true},          // /dev/random
        {'c', 1, 7, kAccAll, true},          // /dev/full
        {'c', 5, 0, kAccAll, true},          // /dev/tty
        {'c', 1, 5, kAccAll, true},          // /dev/zero
        {'c', 1, 9, kAccAll, true},          // /dev/urandom
        {'c', 136, kWildcard, kAccAll, true},  // /dev/pts/*
        {'c', 5, 2, kAccAll, true},          // /dev/ptmx
        {'c', 10, 200, kAccAll, true},       // /dev/net/tun
    };
    return rules;
}

Result<std::vector<DeviceRule>> container_rules(const std::vector<specs::LinuxDeviceCgroup>& devs) {
    TRY_ASSIGN(auto rules, rules_from_spec(devs));
    const auto& defaults = default_allowed_rules();
    rules.insert(rules.end(), defaults.begin(), defaults.end());
    return rules;
}

std::string access_string(uint8_t access) {
    std::string s;
    if (access & kAccRead) s += 'r';
    if (access & kAccWrite) s += 'w';
    if (access & kAccMknod) s += 'm';
    return s;
}

static std::string num(int64_t v) { return v == kWildcard ? "*" : std::to_string(v); }

V1DeviceWrite v1_device_write(const DeviceRule& r) {
    std::string file = r.allow ? "devices.allow" : "devices.deny";
    if (r.type == 'a') return {file, "a"};
    return {file, std::string(1, r.type) + " " + num(r.major) + ":" + num(r.minor) + " " + access_string(r.access)};
}

static bool same_device(const DeviceRule& a, const DeviceRule& b) {
    return a.type == b.type && a.major == b.major && a.minor == b.minor;
}

void DevicePolicy::apply(const DeviceRule& r) {
    if (r.type == 'a') {
        // The kernel's "a": switch the default, forget every exception.
        default_allow = r.allow;
        exceptions.clear();
        return;
    }
    if (r.allow != default_allow) {
        // An exception to the default: merge into an identical one or add.
        for (auto& e : exceptions)
            if (same_device(e, r)) {
                e.access |= r.access;
                return;
            }
        DeviceRule e = r;
        exceptions.push_back(e);
        return;
    }
    // Same as the default: take those access bits out of the matching exception.
    for (auto& e : exceptions)
        if (same_device(e, r)) e.access &= static_cast<uint8_t>(~r.access);
    exceptions.erase(std::remove_if(exceptions.begin(), exceptions.end(),
                                    [](const DeviceRule& e) { return e.access == 0; }),
                     exceptions.end());
}

bool DevicePolicy::allows(char type, int64_t major, int64_t minor, uint8_t access) const {
    for (const auto& e : exceptions) {
        if (e.type != 'a' && e.type != type) continue;
        if (e.major != kWildcard && e.major != major) continue;
        if (e.minor != kWildcard && e.minor != minor) continue;
        // The kernel's asymmetry: an allow exception must cover every requested bit,
        // a deny exception bites on any of them.
        if (default_allow ? (access & e.access) == 0 : (access & e.access) != access) continue;
        return !default_allow;
    }
    return default_allow;
}

DevicePolicy policy_from_rules(const std::vector<DeviceRule>& rules) {
    DevicePolicy p;
    for (const auto& r : rules) p.apply(r);
    return p;
}

}  // namespace lc::cgroups
