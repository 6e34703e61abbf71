#include <catch2/catch.hpp>

#include "cgroups/bpf_devices.hpp"
#include "cgroups/devices.hpp"

using namespace lc::cgroups;

// A tiny interpreter for the instructions device_program() emits, so the program's
// decisions can be table-tested against the v1 policy model without a kernel.
static int run_program(const std::vector<bpf_insn>& prog, uint32_t access_type, uint32_t major, uint32_t minor) {
    uint64_t r[11] = {};
    const uint32_t ctx[3] = {access_type, major, minor};
    for (size_t pc = 0; pc < prog.size(); ++pc) {
        const bpf_insn& i = prog[pc];
        uint64_t imm = static_cast<uint64_t>(static_cast<int64_t>(i.imm));
        switch (i.code) {
        case BPF_LDX | BPF_MEM | BPF_W:
            REQUIRE(i.src_reg == 1);
            REQUIRE(i.off % 4 == 0);
            r[i.dst_reg] = ctx[i.off / 4];
            break;
        case BPF_ALU64 | BPF_MOV | BPF_X: r[i.dst_reg] = r[i.src_reg]; break;
        case BPF_ALU64 | BPF_MOV | BPF_K: r[i.dst_reg] = imm; break;
        case BPF_ALU64 | BPF_AND | BPF_K: r[i.dst_reg] &= imm; break;
        case BPF_ALU64 | BPF_RSH | BPF_K: r[i.dst_reg] >>= i.imm; break;
        case BPF_JMP | BPF_JNE | BPF_K:
            if (r[i.dst_reg] != imm) pc += i.off;
            break;
        case BPF_JMP | BPF_JEQ | BPF_K:
            if (r[i.dst_reg] == imm) pc += i.off;
            break;
        case BPF_JMP | BPF_EXIT: return static_cast<int>(r[0]);
        default: FAIL("unexpected opcode " << int(i.code));
        }
        REQUIRE(pc < prog.size());
    }
    FAIL("fell off the end of the program");
    return -1;
}

static uint32_t access_type(char type, uint8_t acc) {
    uint32_t t = type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK;
    uint32_t a = 0;
    if (acc & kAccRead) a |= BPF_DEVCG_ACC_READ;
    if (acc & kAccWrite) a |= BPF_DEVCG_ACC_WRITE;
    if (acc & kAccMknod) a |= BPF_DEVCG_ACC_MKNOD;
    return (a << 16) | t;
}

static specs::LinuxDeviceCgroup rule(bool allow, std::optional<std::string> type, std::optional<int64_t> major,
                                     std::optional<int64_t> minor, std::optional<std::string> access) {
    specs::LinuxDeviceCgroup d;
    d.allow = allow;
    d.type = type;
    d.major = major;
    d.minor = minor;
    d.access = access;
    return d;
}

TEST_CASE("device rules from the spec are validated", "[cgroups][devices]") {
    auto ok = rules_from_spec({rule(false, std::nullopt, std::nullopt, std::nullopt, "rwm"),
                               rule(true, "c", 1, 3, "rw")});
    REQUIRE(ok.ok());
    CHECK((*ok)[0] == DeviceRule{'a', kWildcard, kWildcard, kAccAll, false});
    CHECK((*ok)[1] == DeviceRule{'c', 1, 3, kAccRead | kAccWrite, true});
    auto bad_type = rules_from_spec({rule(true, "c", 1, 3, "r"), rule(true, "x", 1, 3, "r")});
    REQUIRE_FALSE(bad_type.ok());
    CHECK(bad_type.error().text() == "linux.resources.devices[1].type: invalid device type \"x\" (expected a, c or b)");
    CHECK_THAT(rules_from_spec({rule(true, "c", 1, 3, "rwx")}).error().text(),
               Catch::StartsWith("linux.resources.devices[0].access: invalid access \"rwx\""));
    CHECK_FALSE(rules_from_spec({rule(true, "b", -2, 3, "r")}).ok());
}

TEST_CASE("v1 device lines", "[cgroups][devices]") {
    CHECK(v1_device_write({'a', kWildcard, kWildcard, kAccAll, false}) == V1DeviceWrite{"devices.deny", "a"});
    CHECK(v1_device_write({'c', 1, 3, kAccAll, true}) == V1DeviceWrite{"devices.allow", "c 1:3 rwm"});
    CHECK(v1_device_write({'c', 136, kWildcard, kAccRead | kAccWrite, true}) ==
          V1DeviceWrite{"devices.allow", "c 136:* rw"});
    CHECK(v1_device_write({'b', kWildcard, kWildcard, kAccMknod, true}) == V1DeviceWrite{"devices.allow", "b *:* m"});
}

TEST_CASE("default rules come after the container's own (runc order)", "[cgroups][devices]") {
    auto rules = container_rules({rule(false, std::nullopt, std::nullopt, std::nullopt, "rwm")});
    REQUIRE(rules.ok());
    auto p = policy_from_rules(*rules);
    CHECK_FALSE(p.default_allow);
    CHECK(p.allows('c', 1, 3, kAccRead | kAccWrite));   // /dev/null survives a leading deny-all
    CHECK(p.allows('c', 136, 7, kAccRead));             // pts
    CHECK(p.allows('b', 8, 0, kAccMknod));              // mknod of anything
    CHECK_FALSE(p.allows('b', 8, 0, kAccRead));         // but not access
    CHECK_FALSE(p.allows('c', 1, 1, kAccRead));         // /dev/mem
}

struct Case {
    char type;
    int64_t major, minor;
    uint8_t access;
};

TEST_CASE("the bpf program decides exactly as the v1 policy model", "[cgroups][devices][bpf]") {
    std::vector<std::vector<specs::LinuxDeviceCgroup>> rule_sets = {
        {rule(false, "a", std::nullopt, std::nullopt, "rwm")},
        {rule(false, "a", std::nullopt, std::nullopt, "rwm"), rule(true, "c", 10, 229, "rw")},
        {rule(true, "a", std::nullopt, std::nullopt, "rwm")},
        // allow-all, then deny a class and a single device (blacklist mode)
        {rule(true, "a", std::nullopt, std::nullopt, "rwm"), rule(false, "c", 1, 3, "w"),
         rule(false, "b", std::nullopt, std::nullopt, "m")},
        // deny then re-allow the same device: the exception goes away
        {rule(false, "c", 1, 3, "rwm")},
        {rule(true, "b", 8, std::nullopt, "r"), rule(true, "b", 8, std::nullopt, "w")},
    };
    std::vector<Case> cases;
    for (char t : {'c', 'b'})
        for (int64_t maj : {1, 5, 8, 10, 136, 4095})
            for (int64_t min : {0, 1, 2, 3, 7, 200, 229})
                for (uint8_t acc : {kAccRead, kAccWrite, kAccMknod, uint8_t(kAccRead | kAccWrite)})
                    cases.push_back({t, maj, min, acc});
    for (size_t s = 0; s < rule_sets.size(); ++s) {
        auto rules = container_rules(rule_sets[s]);
        REQUIRE(rules.ok());
        auto policy = policy_from_rules(*rules);
        auto prog = device_program(policy);
        for (const auto& c : cases) {
            INFO("set " << s << ": " << c.type << " " << c.major << ":" << c.minor << " access " << int(c.access));
            int got = run_program(prog, access_type(c.type, c.access), uint32_t(c.major), uint32_t(c.minor));
            CHECK(got == (policy.allows(c.type, c.major, c.minor, c.access) ? 1 : 0));
        }
    }
}

TEST_CASE("policy model: v1 kernel semantics", "[cgroups][devices]") {
    DevicePolicy p;  // a fresh v1 cgroup allows all
    CHECK(p.allows('c', 1, 1, kAccRead));
    p.apply({'c', 1, 3, kAccWrite, false});
    CHECK(p.allows('c', 1, 3, kAccRead));
    CHECK_FALSE(p.allows('c', 1, 3, kAccRead | kAccWrite));
    p.apply({'c', 1, 3, kAccWrite, true});  // same as default: removes the exception
    CHECK(p.exceptions.empty());
    p.apply({'a', kWildcard, kWildcard, kAccAll, false});
    p.apply({'c', 1, 3, kAccRead, true});
    p.apply({'c', 1, 3, kAccWrite, true});
    REQUIRE(p.exceptions.size() == 1);
    CHECK(p.allows('c', 1, 3, kAccRead | kAccWrite));
    CHECK_FALSE(p.allows('c', 1, 3, kAccMknod));
}
