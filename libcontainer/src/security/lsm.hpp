// AppArmor and SELinux: host detection and the /proc attribute writes that label the next
// execve. The writes go through a directory fd so tests can point them at a temp dir; the
// real path opens that directory on a verified procfs (CVE-2025-52881: a write meant for
// /proc/self/attr/* must not be redirected by mounts the container controls).
#pragma once
#include <string>
#include <string_view>

#include "lc/error.hpp"
#include "lc/fd.hpp"

namespace lc::security {

struct HostLsm {
    bool apparmor = false;  // /sys/kernel/security/apparmor present and the module enabled
    bool selinux = false;   // selinuxfs at /sys/fs/selinux
};
HostLsm detect_host_lsm();

// Writes `value` to <dirfd>/<name> (O_WRONLY, no symlink follow, one write).
// With require_procfs the opened file must itself be on procfs.
Result<void> write_attr_at(int dirfd, const char* name, std::string_view value,
                           bool require_procfs = false);

// AppArmor: "exec <profile>" to apparmor/exec (LSM-stacking kernels), falling back to exec.
Result<void> write_apparmor_exec(int attr_dir, const std::string& profile, bool require_procfs = false);
// SELinux: the label the next execve gets (exec) and the label of keyrings it creates.
Result<void> write_selinux_exec(int attr_dir, const std::string& label, bool require_procfs = false);
Result<void> write_selinux_keycreate(int attr_dir, const std::string& label, bool require_procfs = false);

// A procfs root no container mount can cover: a fresh detached procfs (fsopen), else a
// non-recursive clone of /proc (open_tree, so no submounts/overmounts), else /proc itself.
// Always checked with fstatfs == PROC_SUPER_MAGIC.
Result<UniqueFd> open_procfs_root();
// <procfs>/thread-self/attr resolved without magic links or mount crossings, checked on procfs.
Result<UniqueFd> open_proc_attr_dir();
// True when fd lives on a procfs.
Result<bool> is_on_procfs(int fd);

}  // namespace lc::security
