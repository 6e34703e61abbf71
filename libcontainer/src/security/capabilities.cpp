#include "security/capabilities.hpp"

#include <linux/capability.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

namespace lc::security {

namespace {

// libcap's own table: capabilities it can name even if this kernel lacks them.
constexpr unsigned kLibcapLast = CAP_LAST_CAP;

bool is_numeric(const char* s) {
    if (*s == '\0') return false;
    for (; *s; ++s)
        if (!std::isdigit(static_cast<unsigned char>(*s))) return false;
    return true;
}

// Upper-case "CAP_*" name from libcap, or empty when libcap only knows the number.
std::string libcap_name(unsigned cap) {
    char* raw = ::cap_to_name(static_cast<cap_value_t>(cap));
    if (raw == nullptr) return {};
    std::string out;
    if (!is_numeric(raw)) {
        out = raw;
        for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    ::cap_free(raw);
    return out;
}

struct NamedSet {
    const char* field;
    const std::optional<std::vector<std::string>>* names;
    CapMask* mask;
};

}  // namespace

unsigned kernel_cap_count() {
    // PR_CAPBSET_READ fails with EINVAL past the kernel's last capability; probing avoids
    // depending on /proc being mounted (the child may be mid-pivot). A binary search, done
    // once per process (forked children inherit it), not one prctl per capability.
    // libcap's constructor has probed the same way already: take its answer when it has one.
    static unsigned cached = 0;
    if (cached != 0) return cached;
    if (cap_value_t bits = ::cap_max_bits(); bits > 0 && bits <= 64) return cached = static_cast<unsigned>(bits);
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
    std::string name = libcap_name(cap);
    return name.empty() ? "CAP_" + std::to_string(cap) : name;
}

std::optional<unsigned> cap_from_name(std::string_view name) {
    // Built once per process: a plan looks up every name of five sets.
    static const std::vector<std::string> table = [] {
        std::vector<std::string> t;
        unsigned limit = std::max(kLibcapLast + 1, kernel_cap_count());
        for (unsigned cap = 0; cap < limit; ++cap) t.push_back(libcap_name(cap));
        return t;
    }();
    for (unsigned cap = 0; cap < table.size(); ++cap)
        if (!table[cap].empty() && table[cap] == name) return cap;
    return std::nullopt;
}

std::vector<std::string> known_capability_names() {
    std::vector<std::string> out;
    unsigned n = kernel_cap_count();
    for (unsigned cap = 0; cap < n; ++cap) out.push_back(cap_name(cap));
    return out;
}

Result<CapabilityPlan> plan_capabilities(const std::optional<specs::LinuxCapabilities>& caps) {
    CapabilityPlan plan;
    if (!caps) return plan;
    const unsigned kernel_count = kernel_cap_count();
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
            std::string field = std::string("process.capabilities.") + set.field + "[" +
                                std::to_string(i) + "]";
            auto cap = cap_from_name(names[i]);
            if (!cap) return make_error(field + ": unknown capability \"" + names[i] + "\"");
            if (*cap >= kernel_count)
                return make_error(field + ": capability " + names[i] +
                                  " is not supported by the running kernel");
            *set.mask |= CapMask{1} << *cap;
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
