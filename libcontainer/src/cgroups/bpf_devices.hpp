// cgroup v2 device control: a BPF_PROG_TYPE_CGROUP_DEVICE program compiled from the
// v1 policy model (devices.hpp), loaded with bpf(2) and attached to the cgroup's fd.
// The generator is pure; the instruction layout is the kernel ABI from linux/bpf.h.
#pragma once
#include <linux/bpf.h>

#include <vector>

#include "cgroups/devices.hpp"
#include "lc/error.hpp"
#include "lc/fd.hpp"

namespace lc::cgroups {

// Exceptions first (each a short block that jumps past itself on mismatch), then the default.
std::vector<bpf_insn> device_program(const DevicePolicy& policy);

// BPF_PROG_LOAD; the returned fd is close-on-exec (bpf(2) always sets it).
Result<UniqueFd> load_device_program(const std::vector<bpf_insn>& prog);
// Attach with BPF_F_ALLOW_MULTI, then detach the programs that were there before, so the
// cgroup is never without a filter while rules change.
Result<void> attach_device_program(int cgroup_fd, int prog_fd);

}  // namespace lc::cgroups
