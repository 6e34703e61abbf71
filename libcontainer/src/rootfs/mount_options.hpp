// Parsing of mounts[].options into what the kernel wants. Pure: no syscalls, table-tested.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lc/error.hpp"

namespace lc::rootfs {

struct MountOptions {
    unsigned long flags = 0;  // MS_* to pass to mount(2) (includes MS_BIND/MS_REC for binds)
    unsigned long clear = 0;  // MS_* the options explicitly turned off ("rw", "suid", ...)
    // Each propagation option becomes its own mount(2) call, in the order given.
    std::vector<unsigned long> propagation;
    // Recursive attributes, applied with mount_setattr(AT_RECURSIVE) after the mount.
    uint64_t attr_set = 0;
    uint64_t attr_clr = 0;
    std::string data;  // options the kernel parses itself ("size=64k,mode=755")
    bool bind = false;
    bool recursive_bind = false;
    bool idmap = false;            // "idmap" or "ridmap": an idmapped bind mount
    bool idmap_recursive = false;  // "ridmap": the idmap reaches every submount of an rbind
    bool tmpcopyup = false;

    bool has_recursive_attrs() const { return attr_set != 0 || attr_clr != 0; }
    // Flags that need an MS_REMOUNT pass after a bind (the bind itself ignores them).
    unsigned long remount_flags() const;
};

// Unknown options go to `data` (as runc does: the filesystem's own parser validates them).
// `unknown` collects them too, so callers that mount something which ignores data (binds)
// can reject typos such as "rbnd".
struct ParsedOptions {
    MountOptions opts;
    std::vector<std::string> unknown;
};
ParsedOptions parse_mount_options(const std::vector<std::string>& options);

// MS_* propagation value for "rprivate", "shared", ... ; 0 when the name is not one.
unsigned long propagation_flag(std::string_view name);

// The MOUNT_ATTR_* (mount_setattr) equivalents of the per-mount MS_RDONLY, MS_NOSUID, MS_NODEV
// and MS_NOEXEC in `ms_flags`; other flags are ignored.
uint64_t per_mount_attrs(unsigned long ms_flags);

}  // namespace lc::rootfs
