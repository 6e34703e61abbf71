#include "cgroups/bpf_devices.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace lc::cgroups {

namespace {

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

// Registers: r1 = ctx; r2 = access_type; r3 = device type; r4 = access; r5 major; r6 minor.
constexpr uint8_t R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6, R7 = 7;

int32_t bpf_access(uint8_t acc) {
    int32_t out = 0;
    if (acc & kAccRead) out |= BPF_DEVCG_ACC_READ;
    if (acc & kAccWrite) out |= BPF_DEVCG_ACC_WRITE;
    if (acc & kAccMknod) out |= BPF_DEVCG_ACC_MKNOD;
    return out;
}

constexpr int32_t kAllBpfAccess = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;

long sys_bpf(int cmd, bpf_attr* attr) { return ::syscall(SYS_bpf, cmd, attr, sizeof(*attr)); }

}  // namespace

std::vector<bpf_insn> device_program(const DevicePolicy& policy) {
    std::vector<bpf_insn> p;
    // struct bpf_cgroup_dev_ctx { u32 access_type /* (access << 16) | type */; u32 major; u32 minor; }
    p.push_back(insn(BPF_LDX | BPF_MEM | BPF_W, R2, R1, 0, 0));
    p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_X, R3, R2, 0, 0));
    p.push_back(insn(BPF_ALU64 | BPF_AND | BPF_K, R3, 0, 0, 0xffff));
    p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_X, R4, R2, 0, 0));
    p.push_back(insn(BPF_ALU64 | BPF_RSH | BPF_K, R4, 0, 0, 16));
    p.push_back(insn(BPF_LDX | BPF_MEM | BPF_W, R5, R1, 4, 0));
    p.push_back(insn(BPF_LDX | BPF_MEM | BPF_W, R6, R1, 8, 0));

    const int32_t on_match = policy.default_allow ? 0 : 1;
    for (const auto& e : policy.exceptions) {
        std::vector<bpf_insn> block;
        std::vector<size_t> jumps;  // indexes whose off must skip to the end of the block
        auto jump = [&](bpf_insn i) {
            jumps.push_back(block.size());
            block.push_back(i);
        };
        if (e.type != 'a')
            jump(insn(BPF_JMP | BPF_JNE | BPF_K, R3, 0, 0, e.type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK));
        int32_t acc = bpf_access(e.access);
        if (acc != kAllBpfAccess) {
            block.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_X, R7, R4, 0, 0));
            if (policy.default_allow) {
                // deny exception: matches when any requested bit is in it
                block.push_back(insn(BPF_ALU64 | BPF_AND | BPF_K, R7, 0, 0, acc));
                jump(insn(BPF_JMP | BPF_JEQ | BPF_K, R7, 0, 0, 0));
            } else {
                // allow exception: matches when every requested bit is in it
                block.push_back(insn(BPF_ALU64 | BPF_AND | BPF_K, R7, 0, 0, ~acc & kAllBpfAccess));
                jump(insn(BPF_JMP | BPF_JNE | BPF_K, R7, 0, 0, 0));
            }
        }
        if (e.major != kWildcard) jump(insn(BPF_JMP | BPF_JNE | BPF_K, R5, 0, 0, static_cast<int32_t>(e.major)));
        if (e.minor != kWildcard) jump(insn(BPF_JMP | BPF_JNE | BPF_K, R6, 0, 0, static_cast<int32_t>(e.minor)));
        block.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, on_match));
        block.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
        for (size_t j : jumps) block[j].off = static_cast<int16_t>(block.size() - j - 1);
        p.insert(p.end(), block.begin(), block.end());
    }
    p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, policy.default_allow ? 1 : 0));
    p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    return p;
}

Result<UniqueFd> load_device_program(const std::vector<bpf_insn>& prog) {
    static const char license[] = "Apache";
    bpf_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = reinterpret_cast<uint64_t>(prog.data());
    attr.insn_cnt = static_cast<uint32_t>(prog.size());
    attr.license = reinterpret_cast<uint64_t>(license);
    long fd = sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd < 0) return sys_error("load device cgroup bpf program");
    return UniqueFd(static_cast<int>(fd));
}

Result<void> attach_device_program(int cgroup_fd, int prog_fd) {
    uint32_t ids[64];
    bpf_attr q;
    std::memset(&q, 0, sizeof q);
    q.query.target_fd = static_cast<uint32_t>(cgroup_fd);
    q.query.attach_type = BPF_CGROUP_DEVICE;
    q.query.prog_ids = reinterpret_cast<uint64_t>(ids);
    q.query.prog_cnt = 64;
    if (sys_bpf(BPF_PROG_QUERY, &q) < 0) return sys_error("query device cgroup bpf programs");
    uint32_t old_count = q.query.prog_cnt;

    bpf_attr a;
    std::memset(&a, 0, sizeof a);
    a.target_fd = static_cast<uint32_t>(cgroup_fd);
    a.attach_bpf_fd = static_cast<uint32_t>(prog_fd);
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = BPF_F_ALLOW_MULTI;
    if (sys_bpf(BPF_PROG_ATTACH, &a) < 0) {
        // Someone attached a single (non-multi) program: replacing it is the only way.
        if (errno != EPERM || old_count > 1) return sys_error("attach device cgroup bpf program");
        a.attach_flags = 0;
        if (sys_bpf(BPF_PROG_ATTACH, &a) < 0) return sys_error("attach device cgroup bpf program");
        return {};
    }
    for (uint32_t i = 0; i < old_count && i < 64; ++i) {
        bpf_attr g;
        std::memset(&g, 0, sizeof g);
        g.prog_id = ids[i];
        long fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &g);
        if (fd < 0) {
            if (errno == ENOENT) continue;  // already gone
            return sys_error("get old device cgroup bpf program " + std::to_string(ids[i]));
        }
        UniqueFd old(static_cast<int>(fd));
        bpf_attr d;
        std::memset(&d, 0, sizeof d);
        d.target_fd = static_cast<uint32_t>(cgroup_fd);
        d.attach_bpf_fd = static_cast<uint32_t>(old.get());
        d.attach_type = BPF_CGROUP_DEVICE;
        if (sys_bpf(BPF_PROG_DETACH, &d) < 0 && errno != ENOENT)
            return sys_error("detach old device cgroup bpf program");
    }
    return {};
}

}  // namespace lc::cgroups
