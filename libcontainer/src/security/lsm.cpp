#include "security/lsm.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>

#include "sys/file.hpp"
#include "sys/procfs.hpp"
#include "sys/syscalls.hpp"

namespace lc::security {

namespace {

bool exists(const char* path) {
    struct stat st;
    return ::stat(path, &st) == 0;
}

}  // namespace

HostLsm detect_host_lsm() {
    HostLsm host;
    if (exists("/sys/kernel/security/apparmor")) {
        auto enabled = sys::read_file("/sys/module/apparmor/parameters/enabled");
        host.apparmor = !enabled.ok() || (!enabled->empty() && (*enabled)[0] == 'Y');
    }
    host.selinux = exists("/sys/fs/selinux/enforce");
    return host;
}

Result<bool> is_on_procfs(int fd) {
    struct statfs st;
    if (::fstatfs(fd, &st) < 0) return sys_error("fstatfs");
    return st.f_type == PROC_SUPER_MAGIC;
}

Result<void> write_attr_at(int dirfd, const char* name, std::string_view value, bool require_procfs) {
    UniqueFd fd(::openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return sys_error(std::string("open attr/") + name);
    if (require_procfs) {
        TRY_ASSIGN(bool on_proc, is_on_procfs(fd.get()));
        if (!on_proc) return Error(EXDEV, std::string("verify attr/") + name + " is on procfs");
    }
    ssize_t n;
    do {
        n = ::write(fd.get(), value.data(), value.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) return sys_error(std::string("write attr/") + name);
    if (static_cast<size_t>(n) != value.size()) return Error(EIO, std::string("short write to attr/") + name);
    return {};
}

Result<void> write_apparmor_exec(int attr_dir, const std::string& profile, bool require_procfs) {
    std::string value = "exec " + profile;
    auto r = write_attr_at(attr_dir, "apparmor/exec", value, require_procfs);
    if (r.ok() || r.error().code != ENOENT) return r;
    return write_attr_at(attr_dir, "exec", value, require_procfs);
}

Result<void> write_selinux_exec(int attr_dir, const std::string& label, bool require_procfs) {
    return write_attr_at(attr_dir, "exec", label, require_procfs);
}

Result<void> write_selinux_keycreate(int attr_dir, const std::string& label, bool require_procfs) {
    return write_attr_at(attr_dir, "keycreate", label, require_procfs);
}

// Shared with the sysctl writes (sys/procfs.hpp); subset=pid hides the global files an
// attacker could aim a write at.
Result<UniqueFd> open_procfs_root() { return sys::open_procfs(true); }

Result<UniqueFd> open_proc_attr_dir() {
    TRY_ASSIGN(UniqueFd root, open_procfs_root());
    open_how how{};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    UniqueFd dir(sys::openat2(root.get(), "thread-self/attr", &how));
    if (!dir && errno == ENOSYS)
        dir.reset(::openat(root.get(), "thread-self/attr", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) return sys_error("open /proc/thread-self/attr");
    TRY_ASSIGN(bool on_proc, is_on_procfs(dir.get()));
    if (!on_proc) return Error(EXDEV, "verify /proc/thread-self/attr is on procfs");
    return dir;
}

}  // namespace lc::security
