// Verified procfs handles (CVE-2025-52881 and CVE-2019-16884 style attacks): a write the
// runtime makes to a /proc file must land on that procfs file, never on whatever the
// container's image or mounts put at "/proc/...". Callers open a procfs root that no
// container mount can cover, then open the file beneath it without crossing a mount or
// following a magic link, and check again that the file is on procfs before writing.
#pragma once
#include <string>
#include <string_view>

#include "lc/error.hpp"
#include "lc/fd.hpp"

namespace lc::sys {

// A procfs root for the caller's pid namespace that no container mount can cover: a fresh
// detached instance (fsopen "proc"; `pid_only` adds subset=pid, best effort), else a
// non-recursive detached clone of /proc (overmounts are not part of it; /proc itself must
// not be a symlink). Checked to be procfs either way.
Result<UniqueFd> open_procfs(bool pid_only);

// Opens `rel` ("sys/net/ipv4/ip_forward", "self/oom_score_adj") beneath `proc_root` with
// RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS|RESOLVE_NO_XDEV (O_NOFOLLOW walk without openat2)
// and writes `value` in one write, after checking the file is on procfs.
Result<void> write_proc_file(int proc_root, std::string_view rel, std::string_view value);

}  // namespace lc::sys
