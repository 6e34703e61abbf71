// The config `cort spec` writes: the same content as `runc spec` (1.1), so that bundles and
// scripts written for runc work unchanged, with an ociVersion we support.
#include <unistd.h>

#include "specs/json.hpp"

namespace specs {
namespace {

Mount make_mount(std::string dest, std::string type, std::string source,
                 std::vector<std::string> options) {
    Mount m;
    m.destination = std::move(dest);
    m.type = std::move(type);
    m.source = std::move(source);
    m.options = std::move(options);
    return m;
}

Process default_process() {
    Process p;
    p.terminal = true;
    p.args = {"sh"};
    p.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
    p.cwd = "/";
    const std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    LinuxCapabilities c;
    c.bounding = caps;
    c.effective = caps;
    c.permitted = caps;
    c.ambient = caps;
    p.capabilities = std::move(c);
    p.rlimits = {Rlimit{"RLIMIT_NOFILE", 1024, 1024}};
    p.no_new_privileges = true;
    return p;
}

std::vector<Mount> default_mounts(bool rootless) {
    std::vector<Mount> m;
    m.push_back(make_mount("/proc", "proc", "proc", {}));
    m.push_back(make_mount("/dev", "tmpfs", "tmpfs",
                           {"nosuid", "strictatime", "mode=755", "size=65536k"}));
    std::vector<std::string> pts = {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"};
    // A user namespace maps only the caller's ids, so gid 5 (tty) would not exist there.
    if (!rootless) pts.push_back("gid=5");
    m.push_back(make_mount("/dev/pts", "devpts", "devpts", std::move(pts)));
    m.push_back(make_mount("/dev/shm", "tmpfs", "shm",
                           {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}));
    m.push_back(make_mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}));
    // Without a network namespace of its own, a rootless container may not mount sysfs;
    // it gets a read-only bind of the host's /sys instead.
    if (rootless)
        m.push_back(make_mount("/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"}));
    else
        m.push_back(make_mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}));
    m.push_back(make_mount("/sys/fs/cgroup", "cgroup", "cgroup",
                           {"nosuid", "noexec", "nodev", "relatime", "ro"}));
    return m;
}

Linux default_linux(bool rootless) {
    Linux l;
    if (rootless) {
        l.uid_mappings = {IDMapping{0, static_cast<uint32_t>(::geteuid()), 1}};
        l.gid_mappings = {IDMapping{0, static_cast<uint32_t>(::getegid()), 1}};
        l.namespaces = {{"pid", {}}, {"ipc", {}}, {"uts", {}}, {"mount", {}}, {"user", {}}};
    } else {
        LinuxResources r;
        LinuxDeviceCgroup deny_all;
        deny_all.allow = false;
        deny_all.access = "rwm";
        r.devices.push_back(std::move(deny_all));
        l.resources = std::move(r);
        l.namespaces = {{"pid", {}}, {"network", {}}, {"ipc", {}}, {"uts", {}}, {"mount", {}}};
    }
    l.masked_paths = {"/proc/acpi",        "/proc/asound",     "/proc/kcore",
                      "/proc/keys",        "/proc/latency_stats", "/proc/timer_list",
                      "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                      "/proc/scsi"};
    l.readonly_paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
    return l;
}

}  // namespace

Spec default_spec(bool rootless) {
    Spec s;
    s.oci_version = "1.2.0";
    s.process = default_process();
    s.root = Root{"rootfs", true};
    s.hostname = "runc";
    s.mounts = default_mounts(rootless);
    s.linux = default_linux(rootless);
    return s;
}

}  // namespace specs
