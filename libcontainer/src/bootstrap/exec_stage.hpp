// The children of `exec` (see exec.hpp for the sequence). Like the create stages they get
// this context by clone's copy of the parent's memory: nothing is parsed after the fork.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "plan/plan.hpp"
#include "security/process_security.hpp"
#include "specs/runtime_spec.hpp"

namespace lc::bootstrap {

struct ExecNamespace {
    int flag = 0;  // CLONE_NEW*
    std::string type;
    int fd = -1;   // /proc/<init>/ns/<x>, opened by the parent
};

struct ExecContext {
    const specs::Process* process = nullptr;
    const security::ProcessSecurityPlan* security = nullptr;
    std::vector<RlimitEntry> rlimits;
    std::vector<std::string> env;
    std::vector<ExecNamespace> namespaces;
    bool joins_user_ns = false;
    // Read by the parent from the host's /proc/<init>/setgroups: the container's /proc,
    // which the exec stage sees, is the image's to fake.
    bool setgroups_allowed = true;
    int channel_fd = -1;
    int parent_channel_fd = -1;  // closed first thing in stage 1: else no EOF if `cort exec` dies early
    // The init's root (/proc/<pid>/root, opened by the parent) when the container shares the
    // caller's mount namespace: joining no mount namespace, stage 1 chroots there instead.
    int root_fd = -1;
    int console_fd = -1;  // connected console socket (or cort's own socketpair end); -1 without a terminal
    unsigned preserve_fds = 0;
};

[[noreturn]] void run_exec_stage1(const ExecContext& ctx) noexcept;

}  // namespace lc::bootstrap
