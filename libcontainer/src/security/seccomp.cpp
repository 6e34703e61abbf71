#include "security/seccomp.hpp"
#include "security/features.hpp"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

namespace lc::security {

namespace {

struct NamedArch {
    const char* name;
    uint32_t token;
};
// The architectures libseccomp 2.5.4 knows. Spec names absent here (LOONGARCH64, M68K,
// SH, SHEB) are rejected as unknown: the installed libseccomp cannot build them.
constexpr NamedArch kArches[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},           {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},           {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},   {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},     {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},     {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},           {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},   {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},       {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64}, {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
};

struct NamedOp {
    const char* name;
    scmp_compare op;
};
constexpr NamedOp kOps[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE}, {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

std::string arch_name(uint32_t token) {
    for (const auto& a : kArches)
        if (a.token == token) return a.name;
    return std::to_string(token);
}

constexpr const char* kActions[] = {
    "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",        "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",
};

constexpr const char* kFlags[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
};

constexpr unsigned kMaxSyscallArgs = 6;
constexpr uint32_t kMaxErrnoRet = 0xffff;  // SECCOMP_RET_DATA is 16 bits

// An action name (+ its errno) to the libseccomp action value.
Result<uint32_t> resolve_action(const std::string& name, std::optional<uint32_t> errno_ret,
                                const std::string& field, const std::string& errno_field) {
    bool takes_errno = name == "SCMP_ACT_ERRNO" || name == "SCMP_ACT_TRACE";
    if (errno_ret && !takes_errno)
        return make_error(errno_field + ": only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno");
    if (errno_ret && *errno_ret > kMaxErrnoRet)
        return make_error(errno_field + ": " + std::to_string(*errno_ret) + " is out of range");
    // Unset errno means EPERM for both ERRNO and TRACE, as runc does.
    uint32_t data = errno_ret.value_or(EPERM);
    if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
    if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
    if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
    if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(data);
    if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(data);
    if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
    if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
    if (name == "SCMP_ACT_NOTIFY") return SCMP_ACT_NOTIFY;
    if (name.empty()) return make_error(field + ": required");
    return make_error(field + ": unknown action \"" + name + "\"");
}

struct FilterDeleter {
    void operator()(void* ctx) const { ::seccomp_release(ctx); }
};
using Filter = std::unique_ptr<void, FilterDeleter>;

Error scmp_error(int rc, std::string what) { return Error(-rc, std::move(what)); }

Result<Filter> build_filter(const SeccompPlan& plan) {
    Filter ctx(::seccomp_init(plan.default_action));
    if (!ctx) return make_error("initialize seccomp filter: invalid default action");
    struct Attr {
        scmp_filter_attr attr;
        bool on;
        const char* what;
    };
    // NNP off: the init sets no_new_privs itself, at the point the spec asks for it.
    const Attr attrs[] = {
        {SCMP_FLTATR_CTL_NNP, false, "no_new_privs"},
        {SCMP_FLTATR_CTL_TSYNC, plan.flag_tsync, "SECCOMP_FILTER_FLAG_TSYNC"},
        {SCMP_FLTATR_CTL_LOG, plan.flag_log, "SECCOMP_FILTER_FLAG_LOG"},
        {SCMP_FLTATR_CTL_SSB, plan.flag_spec_allow, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"},
    };
    for (const Attr& a : attrs) {
        if (!a.on && a.attr != SCMP_FLTATR_CTL_NNP) continue;
        int rc = ::seccomp_attr_set(ctx.get(), a.attr, a.on ? 1 : 0);
        if (rc < 0) return scmp_error(rc, std::string("set seccomp attribute ") + a.what);
    }
    for (uint32_t arch : plan.arches) {
        int rc = ::seccomp_arch_add(ctx.get(), arch);
        // EDOM: libseccomp cannot mix endiannesses with the native architecture.
        if (rc < 0 && rc != -EEXIST) return scmp_error(rc, "add seccomp architecture " + arch_name(arch));
    }
    for (const SeccompRule& rule : plan.rules) {
        scmp_arg_cmp cmps[kMaxSyscallArgs] = {};
        for (size_t i = 0; i < rule.args.size(); ++i) {
            const SeccompArgCmp& a = rule.args[i];
            cmps[i] = scmp_arg_cmp{a.index, static_cast<scmp_compare>(a.op), a.value, a.value_two};
        }
        int rc = ::seccomp_rule_add_array(ctx.get(), rule.action, rule.syscall,
                                          static_cast<unsigned>(rule.args.size()), cmps);
        if (rc < 0) return scmp_error(rc, "add seccomp rule for " + rule.name);
    }
    return ctx;
}

// libseccomp 2.5 exports only to an fd: a memfd, read back whole.
Result<std::string> export_bpf(void* ctx) {
    UniqueFd mem(::memfd_create("cort-seccomp", MFD_CLOEXEC));
    if (!mem) return sys_error("memfd for the seccomp program");
    int rc = ::seccomp_export_bpf(ctx, mem.get());
    if (rc < 0) return scmp_error(rc, "compile seccomp filter");
    off_t size = ::lseek(mem.get(), 0, SEEK_END);
    if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0 ||
        size / static_cast<off_t>(sizeof(sock_filter)) > BPF_MAXINSNS)
        return Error(E2BIG, "compile seccomp filter: " + std::to_string(size) + " bytes of program");
    std::string out(static_cast<size_t>(size), '\0');
    if (::pread(mem.get(), out.data(), out.size(), 0) != size) return sys_error("read the seccomp program back");
    return out;
}

// The conditions of one syscalls[] entry, split the way runc splits them.
Result<std::vector<std::vector<SeccompArgCmp>>> plan_conditions(const specs::LinuxSyscall& call,
                                                                const std::string& field) {
    std::vector<SeccompArgCmp> conds;
    unsigned per_index[kMaxSyscallArgs] = {};
    bool repeated = false;
    for (size_t i = 0; i < call.args.size(); ++i) {
        const auto& arg = call.args[i];
        std::string afield = field + ".args[" + std::to_string(i) + "]";
        if (arg.index >= kMaxSyscallArgs)
            return make_error(afield + ".index: " + std::to_string(arg.index) +
                              " is out of range (a syscall has 6 arguments, 0 to 5)");
        auto op = seccomp_op_from_name(arg.op);
        if (!op) return make_error(afield + ".op: unknown operator \"" + arg.op + "\"");
        repeated |= ++per_index[arg.index] > 1;
        conds.push_back(SeccompArgCmp{arg.index, *op, arg.value, arg.value_two});
    }
    std::vector<std::vector<SeccompArgCmp>> out;
    if (repeated) {
        // libseccomp cannot AND two comparisons of one argument; runc falls back to one rule
        // per condition, which ORs them. Kept for compatibility with existing profiles.
        for (const auto& c : conds) out.push_back({c});
    } else {
        out.push_back(std::move(conds));
    }
    return out;
}

}  // namespace

std::optional<uint32_t> seccomp_arch_from_name(std::string_view name) {
    for (const auto& a : kArches)
        if (name == a.name) return a.token;
    return std::nullopt;
}

std::optional<int> seccomp_op_from_name(std::string_view name) {
    for (const auto& o : kOps)
        if (name == o.name) return o.op;
    return std::nullopt;
}

std::vector<std::string> seccomp_action_names() { return {std::begin(kActions), std::end(kActions)}; }
std::vector<std::string> seccomp_flag_names() { return {std::begin(kFlags), std::end(kFlags)}; }
std::vector<std::string> seccomp_operator_names() {
    std::vector<std::string> out;
    for (const auto& o : kOps) out.emplace_back(o.name);
    return out;
}
std::vector<std::string> seccomp_arch_names() {
    std::vector<std::string> out;
    for (const auto& a : kArches) out.emplace_back(a.name);
    return out;
}

Result<SeccompPlan> plan_seccomp(const specs::LinuxSeccomp& sc) {
    SeccompPlan plan;
    TRY_ASSIGN(plan.default_action, resolve_action(sc.default_action, sc.default_errno_ret,
                                                   "linux.seccomp.defaultAction",
                                                   "linux.seccomp.defaultErrnoRet"));
    if (plan.default_action == SCMP_ACT_NOTIFY)
        return make_error("linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");

    for (size_t i = 0; i < sc.architectures.size(); ++i) {
        auto arch = seccomp_arch_from_name(sc.architectures[i]);
        if (!arch)
            return make_error("linux.seccomp.architectures[" + std::to_string(i) +
                              "]: unknown architecture \"" + sc.architectures[i] + "\"");
        plan.arches.push_back(*arch);
    }

    for (size_t i = 0; i < sc.flags.size(); ++i) {
        const std::string& f = sc.flags[i];
        std::string field = "linux.seccomp.flags[" + std::to_string(i) + "]";
        if (f == "SECCOMP_FILTER_FLAG_TSYNC") plan.flag_tsync = true;
        else if (f == "SECCOMP_FILTER_FLAG_LOG") plan.flag_log = true;
        else if (f == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") plan.flag_spec_allow = true;
        else if (f == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")
            return make_error(field + ": " + f + " is not supported (libseccomp " +
                              std::to_string(SCMP_VER_MAJOR) + "." + std::to_string(SCMP_VER_MINOR) +
                              " has no attribute for it)");
        else
            return make_error(field + ": unknown flag \"" + f + "\"");
    }

    for (size_t i = 0; i < sc.syscalls.size(); ++i) {
        const specs::LinuxSyscall& call = sc.syscalls[i];
        std::string field = "linux.seccomp.syscalls[" + std::to_string(i) + "]";
        TRY_ASSIGN(uint32_t action, resolve_action(call.action, call.errno_ret, field + ".action",
                                                   field + ".errnoRet"));
        TRY_ASSIGN(auto cond_sets, plan_conditions(call, field));
        if (action == SCMP_ACT_NOTIFY) plan.uses_notify = true;
        for (size_t j = 0; j < call.names.size(); ++j) {
            const std::string& name = call.names[j];
            if (action == SCMP_ACT_NOTIFY && name == "write")
                return make_error(field + ".names[" + std::to_string(j) +
                                  "]: SCMP_ACT_NOTIFY cannot be used for \"write\" (the "
                                  "runtime itself writes after loading the filter)");
            int nr = ::seccomp_syscall_resolve_name(name.c_str());
            if (nr == __NR_SCMP_ERROR) continue;  // unknown to libseccomp: skipped like runc
            if (action == plan.default_action) continue;
            for (const auto& conds : cond_sets) plan.rules.push_back(SeccompRule{nr, name, action, conds});
        }
    }

    if (plan.uses_notify) {
        if (!sc.listener_path || sc.listener_path->empty())
            return make_error("linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
        if (sc.listener_path->size() >= sizeof(sockaddr_un::sun_path))
            return make_error("linux.seccomp.listenerPath: longer than a unix socket path allows (" +
                              std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes)");
        plan.listener_path = *sc.listener_path;
        plan.listener_metadata = sc.listener_metadata.value_or("");
    }

    // libseccomp's own checks (conflicting rules, arch support) run here, in the parent.
    auto built = build_filter(plan);
    if (!built) return std::move(built).error().wrap("linux.seccomp");
    TRY_ASSIGN(plan.bpf, export_bpf(built->get()));
    return plan;
}

Result<UniqueFd> load_seccomp(const SeccompPlan& plan) {
    if (plan.bpf.empty() || plan.bpf.size() % sizeof(sock_filter) != 0)
        return Error(EINVAL, "load seccomp filter: no compiled program in the plan");
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(plan.bpf.size() / sizeof(sock_filter));
    prog.filter = reinterpret_cast<sock_filter*>(const_cast<char*>(plan.bpf.data()));
    unsigned flags = (plan.flag_tsync ? SECCOMP_FILTER_FLAG_TSYNC : 0) | (plan.flag_log ? SECCOMP_FILTER_FLAG_LOG : 0) |
                     (plan.flag_spec_allow ? SECCOMP_FILTER_FLAG_SPEC_ALLOW : 0) |
                     (plan.uses_notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
    long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (rc < 0) return sys_error("load seccomp filter");
    // With NEW_LISTENER the kernel returns the listener, created O_CLOEXEC.
    return plan.uses_notify ? UniqueFd(static_cast<int>(rc)) : UniqueFd();
}

std::string libseccomp_version() {
    // The library's own answer, not SCMP_VER_*: those are the headers this was compiled with.
    const scmp_version* v = seccomp_version();
    if (!v) return "unknown";
    return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

}  // namespace lc::security
