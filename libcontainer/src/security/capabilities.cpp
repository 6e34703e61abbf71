#include "security/capabilities.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <variant>

#include "specs/known_names.hpp"
#include "sys/file.hpp"

namespace lc::security {

namespace {

// specs::kCapabilityNames, not libcap's table: libcap's constructor probes the bounding set
// in every process that links it (six prctls per cort command, twice per `run`), and the
// names are all it was used for.
constexpr auto& kCapNames = specs::kCapabilityNames;
constexpr unsigned kNamedCaps = kCapNames.size();
static_assert(kNamedCaps == CAP_LAST_CAP + 1, "a capability of <linux/capability.h> has no name in specs::kCapabilityNames");

struct NamedSet {
    const char* field;
    const std::optional<std::vector<std::string>>* names;
    CapMask* mask;
};

}  // namespace

unsigned kernel_cap_count() {
    // Done once per process and only when asked (forked children inherit it).
    static unsigned cached = 0;
    if (cached != 0) return cached;
    // The kernel says it in one file; the probe is for when /proc is not there.
    if (auto last = sys::read_file("/proc/sys/kernel/cap_last_cap")) {
        unsigned long v = std::strtoul(last->c_str(), nullptr, 10);
        if (v > 0 && v < 64) return cached = static_cast<unsigned>(v + 1);
    }
    // PR_CAPBSET_READ fails with EINVAL past the kernel's last capability: a binary search.
    unsigned lo = 0, hi = 64;  // the answer n is in [lo, hi]: caps below lo exist, hi does not
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (::prctl(PR_CAPBSET_READ, mid, 0, 0, 0) >= 0) lo = mid + 1;
        else hi = mid;
    }
    cached = lo;
    return lo;
}

std::string cap_name(unsigned cap) {
    return cap < kNamedCaps ? std::string(kCapNames[cap]) : "CAP_" + std::to_string(cap);
}

std::optional<unsigned> cap_from_name(std::string_view name) {
    for (unsigned cap = 0; cap < kNamedCaps; ++cap)
        if (name == kCapNames[cap]) return cap;
    return std::nullopt;
}

std::vector<std::string> known_capability_names() {
    std::vector<std::string> out;
    unsigned n = kernel_cap_count();
    for (unsigned cap = 0; cap < n; ++cap) out.push_back(cap_name(cap));
    return out;
}

namespace {

// The runtime's bounding set, probed lazily: one PR_CAPBSET_READ per capability a config
// names rather than one per capability the kernel has (this runs on every create and exec).
class HostBounding {
public:
    explicit HostBounding(std::optional<CapMask> given) : given_(given) {}
    bool has(unsigned cap) {
        const CapMask bit = CapMask{1} << cap;
        if (given_) return *given_ & bit;
        if (!(probed_ & bit)) {
            probed_ |= bit;
            if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) > 0) held_ |= bit;
        }
        return held_ & bit;
    }

private:
    std::optional<CapMask> given_;
    CapMask probed_ = 0, held_ = 0;
};

// One name of one set: its bit, or why it is left out (the warning, without the field).
std::variant<CapMask, std::string> map_capability(const std::string& name, unsigned kernel_count,
                                                  HostBounding& host) {
    auto cap = cap_from_name(name);
    if (!cap) return "unknown capability \"" + name + "\", ignored";
    if (*cap >= kernel_count) return "capability " + name + " is not supported by the running kernel, ignored";
    // Only the bounding set a process has can be passed on (a new user namespace does not
    // widen it): asking for more fails in capset, so the capability is left out up front.
    if (!host.has(*cap)) return "capability " + name + " is not in the runtime's bounding set, ignored";
    return CapMask{1} << *cap;
}

}  // namespace

Result<CapabilityPlan> plan_capabilities(const std::optional<specs::LinuxCapabilities>& caps,
                                         std::optional<CapMask> host_bounding) {
    CapabilityPlan plan;
    if (!caps) return plan;
    const unsigned kernel_count = kernel_cap_count();
    HostBounding host(host_bounding);
    const NamedSet sets[] = {
        {"bounding", &caps->bounding, &plan.bounding},
        {"effective", &caps->effective, &plan.effective},
        {"permitted", &caps->permitted, &plan.permitted},
        {"inheritable", &caps->inheritable, &plan.inheritable},
        {"ambient", &caps->ambient, &plan.ambient},
    };
    for (const NamedSet& set : sets) {
        if (!*set.names) continue;
        const auto& names = **set.names;
        for (size_t i = 0; i < names.size(); ++i) {
            auto mapped = map_capability(names[i], kernel_count, host);
            if (auto* bit = std::get_if<CapMask>(&mapped)) {
                *set.mask |= *bit;
                continue;
            }
            plan.warnings.push_back(std::string("process.capabilities.") + set.field + "[" + std::to_string(i) +
                                    "]: " + std::get<std::string>(mapped));
        }
    }
    // The kernel's capset/ambient rules, checked here so that applying cannot fail later:
    // effective within permitted, inheritable within bounding.
    struct Rule {
        const char* field;
        CapMask subject, allowed;
        const char* within;
    };
    const Rule rules[] = {
        {"effective", plan.effective, plan.permitted, "permitted"},
        {"inheritable", plan.inheritable, plan.bounding, "bounding"},
    };
    for (const Rule& r : rules) {
        CapMask extra = r.subject & ~r.allowed;
        if (extra == 0) continue;
        unsigned cap = static_cast<unsigned>(__builtin_ctzll(extra));
        return make_error(std::string("process.capabilities.") + r.field + ": " + cap_name(cap) +
                          " is not in process.capabilities." + r.within);
    }
    // The kernel refuses to raise an ambient capability outside permitted and inheritable.
    // runc ignores that failure, and its own default spec (ambient set, inheritable empty)
    // relies on it; engines send such configs, so those capabilities are skipped, not fatal.
    plan.ambient &= plan.permitted & plan.inheritable;
    return plan;
}

Result<void> drop_bounding_set(const CapabilityPlan& plan) {
    unsigned n = kernel_cap_count();
    for (unsigned cap = 0; cap < n; ++cap) {
        if (plan.bounding & (CapMask{1} << cap)) continue;
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
            return sys_error("drop " + cap_name(cap) + " from the bounding set");
    }
    return {};
}

Result<void> set_capabilities(CapMask effective, CapMask permitted, CapMask inheritable) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    for (int i = 0; i < 2; ++i) {
        data[i].effective = static_cast<uint32_t>(effective >> (32 * i));
        data[i].permitted = static_cast<uint32_t>(permitted >> (32 * i));
        data[i].inheritable = static_cast<uint32_t>(inheritable >> (32 * i));
    }
    if (::syscall(SYS_capset, &header, data) < 0) return sys_error("capset");
    return {};
}

Result<CapMask> current_permitted() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    if (::syscall(SYS_capget, &header, data) < 0) return sys_error("capget");
    return CapMask{data[0].permitted} | (CapMask{data[1].permitted} << 32);
}

Result<void> set_ambient(CapMask ambient) {
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        return sys_error("clear the ambient capability set");
    for (unsigned cap = 0; cap < 64; ++cap) {
        if (!(ambient & (CapMask{1} << cap))) continue;
        if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            return sys_error("raise ambient capability " + cap_name(cap));
    }
    return {};
}

}  // namespace lc::security
