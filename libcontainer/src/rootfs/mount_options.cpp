#include "rootfs/mount_options.hpp"

#include <linux/mount.h>
#include <sys/mount.h>

#include <array>

namespace lc::rootfs {
namespace {

struct FlagOption {
    std::string_view name;
    bool clear;  // true: the option turns the flag off
    unsigned long flag;
};

// runc's list (libcontainer/specconv mountFlags), plus "nosymfollow".
constexpr std::array kFlagOptions{
    FlagOption{"acl", false, MS_POSIXACL},
    FlagOption{"async", true, MS_SYNCHRONOUS},
    FlagOption{"atime", true, MS_NOATIME},
    FlagOption{"bind", false, MS_BIND},
    FlagOption{"defaults", false, 0},
    FlagOption{"dev", true, MS_NODEV},
    FlagOption{"diratime", true, MS_NODIRATIME},
    FlagOption{"dirsync", false, MS_DIRSYNC},
    FlagOption{"exec", true, MS_NOEXEC},
    FlagOption{"iversion", false, MS_I_VERSION},
    FlagOption{"lazytime", false, MS_LAZYTIME},
    FlagOption{"loud", true, MS_SILENT},
    FlagOption{"mand", false, MS_MANDLOCK},
    FlagOption{"noacl", true, MS_POSIXACL},
    FlagOption{"noatime", false, MS_NOATIME},
    FlagOption{"nodev", false, MS_NODEV},
    FlagOption{"nodiratime", false, MS_NODIRATIME},
    FlagOption{"noexec", false, MS_NOEXEC},
    FlagOption{"noiversion", true, MS_I_VERSION},
    FlagOption{"nolazytime", true, MS_LAZYTIME},
    FlagOption{"nomand", true, MS_MANDLOCK},
    FlagOption{"norelatime", true, MS_RELATIME},
    FlagOption{"nostrictatime", true, MS_STRICTATIME},
    FlagOption{"nosuid", false, MS_NOSUID},
    FlagOption{"nosymfollow", false, MS_NOSYMFOLLOW},
    FlagOption{"rbind", false, MS_BIND | MS_REC},
    FlagOption{"relatime", false, MS_RELATIME},
    FlagOption{"remount", false, MS_REMOUNT},
    FlagOption{"ro", false, MS_RDONLY},
    FlagOption{"rw", true, MS_RDONLY},
    FlagOption{"silent", false, MS_SILENT},
    FlagOption{"strictatime", false, MS_STRICTATIME},
    FlagOption{"suid", true, MS_NOSUID},
    FlagOption{"symfollow", true, MS_NOSYMFOLLOW},
    FlagOption{"sync", false, MS_SYNCHRONOUS},
};

struct PropagationOption {
    std::string_view name;
    unsigned long flag;
};
constexpr std::array kPropagationOptions{
    PropagationOption{"private", MS_PRIVATE},
    PropagationOption{"rprivate", MS_PRIVATE | MS_REC},
    PropagationOption{"shared", MS_SHARED},
    PropagationOption{"rshared", MS_SHARED | MS_REC},
    PropagationOption{"slave", MS_SLAVE},
    PropagationOption{"rslave", MS_SLAVE | MS_REC},
    PropagationOption{"unbindable", MS_UNBINDABLE},
    PropagationOption{"runbindable", MS_UNBINDABLE | MS_REC},
};

struct AttrOption {
    std::string_view name;
    bool clear;
    uint64_t attr;
};
// The atime attributes are a 3-bit field (MOUNT_ATTR__ATIME); "set" values are handled
// below by also clearing the whole field, which the kernel requires.
constexpr std::array kRecursiveAttrOptions{
    AttrOption{"rro", false, MOUNT_ATTR_RDONLY},
    AttrOption{"rrw", true, MOUNT_ATTR_RDONLY},
    AttrOption{"rnosuid", false, MOUNT_ATTR_NOSUID},
    AttrOption{"rsuid", true, MOUNT_ATTR_NOSUID},
    AttrOption{"rnodev", false, MOUNT_ATTR_NODEV},
    AttrOption{"rdev", true, MOUNT_ATTR_NODEV},
    AttrOption{"rnoexec", false, MOUNT_ATTR_NOEXEC},
    AttrOption{"rexec", true, MOUNT_ATTR_NOEXEC},
    AttrOption{"rnodiratime", false, MOUNT_ATTR_NODIRATIME},
    AttrOption{"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    AttrOption{"rrelatime", false, MOUNT_ATTR_RELATIME},
    AttrOption{"rnorelatime", true, MOUNT_ATTR_RELATIME},
    AttrOption{"rnoatime", false, MOUNT_ATTR_NOATIME},
    AttrOption{"ratime", true, MOUNT_ATTR_NOATIME},
    AttrOption{"rstrictatime", false, MOUNT_ATTR_STRICTATIME},
    AttrOption{"rnostrictatime", true, MOUNT_ATTR_STRICTATIME},
    AttrOption{"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW},
    AttrOption{"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
};

bool is_atime_option(std::string_view name) {
    return name == "rrelatime" || name == "rnoatime" || name == "rstrictatime";
}

}  // namespace

uint64_t per_mount_attrs(unsigned long ms_flags) {
    struct FlagAttr {
        unsigned long flag;
        uint64_t attr;
    };
    uint64_t out = 0;
    for (auto fa : {FlagAttr{MS_RDONLY, MOUNT_ATTR_RDONLY}, FlagAttr{MS_NOSUID, MOUNT_ATTR_NOSUID},
                    FlagAttr{MS_NODEV, MOUNT_ATTR_NODEV}, FlagAttr{MS_NOEXEC, MOUNT_ATTR_NOEXEC}})
        if (ms_flags & fa.flag) out |= fa.attr;
    return out;
}

unsigned long propagation_flag(std::string_view name) {
    for (const auto& p : kPropagationOptions)
        if (p.name == name) return p.flag;
    return 0;
}

unsigned long MountOptions::remount_flags() const {
    return flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
}

ParsedOptions parse_mount_options(const std::vector<std::string>& options) {
    ParsedOptions out;
    MountOptions& o = out.opts;
    for (const std::string& opt : options) {
        bool known = false;
        for (const auto& f : kFlagOptions) {
            if (f.name != opt) continue;
            known = true;
            if (f.clear) {
                o.flags &= ~f.flag;
                o.clear |= f.flag;
            } else {
                o.flags |= f.flag;
                o.clear &= ~f.flag;
            }
        }
        if (known) continue;
        if (unsigned long p = propagation_flag(opt)) {
            o.propagation.push_back(p);
            continue;
        }
        for (const auto& a : kRecursiveAttrOptions) {
            if (a.name != opt) continue;
            known = true;
            if (a.clear) {
                o.attr_clr |= a.attr;
                o.attr_set &= ~a.attr;
            } else {
                if (is_atime_option(opt)) {
                    o.attr_clr |= MOUNT_ATTR__ATIME;
                    o.attr_set &= ~static_cast<uint64_t>(MOUNT_ATTR__ATIME);
                } else {
                    o.attr_clr &= ~a.attr;
                }
                o.attr_set |= a.attr;
            }
        }
        // "rrelatime" is MOUNT_ATTR_RELATIME == 0: it lives only in attr_clr (atime field reset).
        if (known) continue;
        if (opt == "idmap" || opt == "ridmap") {
            // The last one wins, as in runc.
            o.idmap = true;
            o.idmap_recursive = opt == "ridmap";
            continue;
        }
        if (opt == "tmpcopyup") {
            o.tmpcopyup = true;
            continue;
        }
        out.unknown.push_back(opt);
        if (!o.data.empty()) o.data += ',';
        o.data += opt;
    }
    o.bind = (o.flags & MS_BIND) != 0;
    o.recursive_bind = o.bind && (o.flags & MS_REC) != 0;
    return out;
}

}  // namespace lc::rootfs
