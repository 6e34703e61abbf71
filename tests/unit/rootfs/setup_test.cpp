// Real rootfs setups: a forked child in new mount (and net) namespaces builds a busybox
// container root, pivots into it, and checks from inside. The host's mount table must not
// change.
#include <dirent.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>

#include "child_runner.hpp"
#include "rootfs/plan.hpp"
#include "test_tree.hpp"

using namespace lc::rootfs;
using rootfs_test::Checks;

namespace {

struct Bundle {
    rootfs_test::TempDir tmp;
    std::string rootfs = tmp / "rootfs";
    Bundle() {
        rootfs_test::mkdirs(rootfs + "/bin");
        rootfs_test::mkdirs(rootfs + "/etc");
        rootfs_test::mkdirs(tmp / "hostdata");
        rootfs_test::write_file(tmp / "hostdata/f", "data");
        rootfs_test::write_file(rootfs + "/etc/hostname", "image");
        std::filesystem::copy_file("/bin/busybox", rootfs + "/bin/busybox");
        ::chmod((rootfs + "/bin/busybox").c_str(), 0755);
        for (const char* applet : {"sh", "ls", "cat"}) (void)::symlink("busybox", (rootfs + "/bin/" + applet).c_str());
        // A mount target that tries to leave the root: must land on <rootfs>/etc.
        (void)::symlink("/../../etc", (rootfs + "/evil").c_str());
    }
};

specs::Mount mnt(std::string dest, std::string type, std::string src, std::vector<std::string> opts) {
    specs::Mount m;
    m.destination = std::move(dest);
    m.type = std::move(type);
    m.source = std::move(src);
    m.options = std::move(opts);
    return m;
}

specs::Spec default_spec() {
    specs::Spec s;
    s.oci_version = "1.2.0";
    s.root = specs::Root{"rootfs", false};
    s.linux = specs::Linux{};
    s.linux->namespaces = {{"mount", {}}, {"network", {}}};
    s.mounts = {
        mnt("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
        mnt("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
        mnt("/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}),
        mnt("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
        mnt("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
        mnt("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
        mnt("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}),
        mnt("/evil", "tmpfs", "tmpfs", {"size=1m"}),
        mnt("/data", "bind", "hostdata", {"rbind", "ro", "rprivate"}),
        mnt("/tmpro", "tmpfs", "tmpfs", {"ro"}),
        mnt("/recro", "none", "hostdata", {"rbind", "rro", "rnosuid"}),
    };
    s.linux->masked_paths = {"/proc/kcore", "/proc/timer_list", "/proc/acpi", "/sys/firmware", "/nonexistent/x"};
    s.linux->readonly_paths = {"/proc/sys", "/proc/sysrq-trigger", "/proc/bus", "/missing"};
    specs::LinuxDevice d{"c", "/dev/mynull", 1, 3, 0600u, 1000u, 1000u};
    s.linux->devices = {d};
    return s;
}

std::vector<lc::cgroups::CgroupMountSource> cgroup_sources() {
    return {{"memory", "/sys/fs/cgroup/memory", false, {}},
            {"cpu", "/sys/fs/cgroup/cpu", false, {"cpux"}},
            {"unified", "/sys/fs/cgroup/unified", true, {}}};
}

bool fails_with(int r, int err) { return r < 0 && errno == err; }

std::string read_all(const char* path) {
    std::string out;
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return "<open failed>";
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return out;
}

bool is_fs(const char* path, long magic) {
    struct statfs sf {};
    return ::statfs(path, &sf) == 0 && static_cast<long>(sf.f_type) == magic;
}

bool create_fails_erofs(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ::close(fd);
        ::unlink(path.c_str());
        return false;
    }
    return errno == EROFS;
}

// Runs busybox inside the container: proves the root is usable, not just mounted.
std::string busybox_cat(const char* path) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return "<pipe>";
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(fds[1], 1);
        ::execl("/bin/cat", "cat", path, static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(fds[1]);
    std::string out;
    char buf[256];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    int st = 0;
    ::waitpid(pid, &st, 0);
    return out;
}

std::string setup_and_finalize(const RootfsPlan& plan, const SetupContext& ctx) {
    auto r = setup_rootfs(plan, ctx);
    if (!r.ok()) return "setup_rootfs: " + r.error().text() + "\n";
    auto f = finalize_rootfs(plan);
    if (!f.ok()) return "finalize_rootfs: " + f.error().text() + "\n";
    return "";
}

// Field 5 of each mountinfo line is the mount point; field 4 (the root inside the source
// filesystem) legitimately names host paths for binds.
bool mount_points_inside(const std::string& mountinfo, const std::string& host_tmp) {
    size_t pos = 0;
    while (pos < mountinfo.size()) {
        size_t end = mountinfo.find('\n', pos);
        if (end == std::string::npos) end = mountinfo.size();
        std::string line = mountinfo.substr(pos, end - pos);
        pos = end + 1;
        size_t f = 0;
        for (int i = 0; i < 4 && f != std::string::npos; ++i) f = line.find(' ', f + 1);
        if (f == std::string::npos) continue;
        if (line.compare(f + 1, host_tmp.size(), host_tmp) == 0) return false;
    }
    return true;
}

void check_default_container(Checks& c, const std::string& tmp) {
    char cwd[PATH_MAX];
    c.expect(::getcwd(cwd, sizeof cwd) && std::string(cwd) == "/", "cwd is /");
    c.expect(::access("/bin/busybox", X_OK) == 0, "/bin/busybox present");
    struct stat st {};
    c.expect(::stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3) &&
                 (st.st_mode & 07777) == 0666,
             "/dev/null is 1:3 0666");
    c.expect(::stat("/dev/mynull", &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_uid == 1000 &&
                 st.st_gid == 1000,
             "/dev/mynull has the spec's mode and owner");
    char link[64] = {};
    c.expect(::readlink("/dev/ptmx", link, sizeof link - 1) > 0 && std::string(link) == "pts/ptmx", "/dev/ptmx");
    std::fill(std::begin(link), std::end(link), 0);
    c.expect(::readlink("/dev/fd", link, sizeof link - 1) > 0 && std::string(link) == "/proc/self/fd", "/dev/fd");
    c.expect(is_fs("/dev/pts", DEVPTS_SUPER_MAGIC), "/dev/pts is devpts");
    c.expect(is_fs("/dev/mqueue", 0x19800202 /* MQUEUE_MAGIC */), "/dev/mqueue is mqueue");
    c.expect(is_fs("/sys", SYSFS_MAGIC), "/sys is sysfs");
    c.expect(is_fs("/etc", TMPFS_MAGIC), "tmpfs at /evil -> /../../etc landed on the container's /etc");
    c.expect(read_all("/proc/timer_list").empty(), "/proc/timer_list masked (reads empty)");
    if (::access("/proc/acpi", F_OK) == 0) {
        c.expect(is_fs("/proc/acpi", TMPFS_MAGIC), "/proc/acpi masked by tmpfs");
        c.expect(create_fails_erofs("/proc/acpi/x"), "/proc/acpi mask is read-only");
    }
    int w = ::open("/proc/sys/kernel/hostname", O_WRONLY | O_CLOEXEC);
    c.expect(w < 0 && errno == EROFS, "/proc/sys is read-only");
    if (w >= 0) ::close(w);  // never write: it would be the host's hostname
    if (::access("/proc/sysrq-trigger", F_OK) == 0) {  // absent on some kernels
        int sysrq = ::open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
        c.expect(sysrq < 0 && errno == EROFS, "/proc/sysrq-trigger is read-only");
        if (sysrq >= 0) ::close(sysrq);  // never write to it
    }
    if (::access("/proc/bus", F_OK) == 0) {
        struct statvfs sv {};
        c.expect(::statvfs("/proc/bus", &sv) == 0 && (sv.f_flag & ST_RDONLY) && (sv.f_flag & ST_NOEXEC),
                 "/proc/bus is a ro,noexec bind");
    }
    if (::access("/sys/firmware", F_OK) == 0) c.expect(is_fs("/sys/firmware", TMPFS_MAGIC), "/sys/firmware masked");
    c.expect(read_all("/data/f") == "data", "/data bind (relative source) readable");
    c.expect(create_fails_erofs("/data/new"), "/data is read-only");
    c.expect(create_fails_erofs("/tmpro/new"), "/tmpro deferred read-only");
    c.expect(create_fails_erofs("/recro/new"), "/recro is rro");
    c.expect(::access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK) == 0, "memory hierarchy bound");
    c.expect(is_fs("/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC), "unified hierarchy bound");
    std::fill(std::begin(link), std::end(link), 0);
    c.expect(::readlink("/sys/fs/cgroup/cpux", link, sizeof link - 1) > 0 && std::string(link) == "cpu",
             "cgroup alias symlink");
    c.expect(fails_with(::mkdir("/sys/fs/cgroup/memory/x", 0755), EROFS), "cgroup binds read-only");
    c.expect(create_fails_erofs("/sys/fs/cgroup/y"), "cgroup tmpfs read-only");
    std::string mi = read_all("/proc/self/mountinfo");
    c.expect(mi.find(" " + tmp) == std::string::npos || mount_points_inside(mi, tmp),
             "no mount point outside the container is visible");
    c.expect(mi.find(" /dev/pts ") != std::string::npos, "mountinfo lists /dev/pts");
    c.expect(busybox_cat("/data/f") == "data", "busybox cat runs inside");
}

}  // namespace

TEST_CASE("setup_rootfs + finalize_rootfs: default container", "[rootfs][setup][root]") {
    for (bool fallback : {false, true}) {
        CAPTURE(fallback);
        Bundle b;
        auto s = default_spec();
        auto plan = plan_rootfs(s, {b.tmp.path(), false});
        REQUIRE(plan.ok());
        const std::string before = rootfs_test::read_host_mountinfo();
        std::string out = rootfs_test::run_in_child(CLONE_NEWNS | CLONE_NEWNET, [&] {
            if (fallback) ::setenv("CORT_TEST_NO_OPENAT2", "1", 1);
            SetupContext ctx;
            ctx.cgroup_mounts = cgroup_sources();
            bool hook_ran = false;
            ctx.before_pivot = [&]() -> lc::Result<void> {
                char cwd[PATH_MAX];
                hook_ran = ::access((b.rootfs + "/dev/null").c_str(), F_OK) == 0 &&
                           ::getcwd(cwd, sizeof cwd) != nullptr && std::string(cwd) == b.rootfs;
                return {};
            };
            std::string err = setup_and_finalize(**plan, ctx);
            if (!err.empty()) return err;
            Checks c;
            c.expect(hook_ran, "before_pivot ran with devices in place, cwd at the rootfs");
            check_default_container(c, b.tmp.path());
            return c.fails;
        });
        CHECK(out == "");
        CHECK(rootfs_test::read_host_mountinfo() == before);
    }
}

TEST_CASE("setup_rootfs: readonly root, no net ns, user-ns devices, no-pivot", "[rootfs][setup][root]") {
    Bundle b;
    auto s = default_spec();
    s.root->readonly = true;
    s.linux->namespaces = {{"mount", {}}};
    s.mounts = {
        mnt("/proc", "proc", "proc", {}),
        mnt("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
        mnt("/cg2", "cgroup2", "cgroup2", {"nosuid"}),
        mnt("/data", "bind", b.tmp / "hostdata", {"bind"}),
    };
    s.linux->devices.clear();
    s.linux->masked_paths = {"/proc/timer_list"};
    for (bool no_pivot : {false, true}) {
        CAPTURE(no_pivot);
        auto plan = plan_rootfs(s, {b.tmp.path(), no_pivot});
        REQUIRE(plan.ok());
        const std::string before = rootfs_test::read_host_mountinfo();
        std::string out = rootfs_test::run_in_child(CLONE_NEWNS, [&] {
            ::setenv("CORT_TEST_NO_OPENAT2", "1", 1);
            SetupContext ctx;
            ctx.new_user_ns = true;  // devices become binds of the host's nodes
            std::string err = setup_and_finalize(**plan, ctx);
            if (!err.empty()) return err;
            Checks c;
            c.expect(create_fails_erofs("/newfile"), "root is read-only");
            struct stat st {};
            c.expect(::stat("/dev/null", &st) == 0 && st.st_rdev == makedev(1, 3), "/dev/null bound from host");
            c.expect(::stat("/dev/tty", &st) == 0 && st.st_rdev == makedev(5, 0), "/dev/tty bound from host");
            c.expect(is_fs("/sys", SYSFS_MAGIC), "/sys is the host's sysfs (rbind)");
            c.expect(fails_with(::mkdir("/sys/fs/cgroup/memory/cort-test-x", 0755), EROFS),
                     "host cgroups under the /sys rbind are read-only");
            c.expect(is_fs("/cg2", CGROUP2_SUPER_MAGIC), "cgroup2 mount");
            c.expect(read_all("/proc/timer_list").empty(), "/proc/timer_list masked");
            c.expect(read_all("/data/f") == "data", "/data bind");
            return c.fails;
        });
        CHECK(out == "");
        CHECK(rootfs_test::read_host_mountinfo() == before);
    }
}

TEST_CASE("finalize_rootfs refuses a /dev/null that is not 1:3 (CVE-2025-31133)", "[rootfs][setup][root]") {
    Bundle b;
    auto s = default_spec();
    s.linux->masked_paths = {"/proc/timer_list"};
    auto plan = plan_rootfs(s, {b.tmp.path(), false});
    REQUIRE(plan.ok());
    std::string out = rootfs_test::run_in_child(CLONE_NEWNS | CLONE_NEWNET, [&]() -> std::string {
        SetupContext ctx;
        ctx.before_pivot = [&]() -> lc::Result<void> {
            // The attack: /dev/null swapped for a symlink to a procfs file.
            std::string null_path = b.rootfs + "/dev/null";
            if (::unlink(null_path.c_str()) < 0 || ::symlink("/proc/sys/kernel/core_pattern", null_path.c_str()) < 0)
                return lc::sys_error("swap /dev/null");
            return {};
        };
        auto r = setup_rootfs(**plan, ctx);
        if (!r.ok()) return "setup_rootfs: " + r.error().text();
        auto f = finalize_rootfs(**plan);
        if (f.ok()) return "finalize_rootfs accepted a fake /dev/null";
        return f.error().text().find("not the null device") == std::string::npos ? f.error().text() : "";
    });
    CHECK(out == "");
}

TEST_CASE("setup_rootfs errors", "[rootfs][setup][root]") {
    struct Row {
        specs::Mount m;
        std::string want;
    };
    Bundle b;
    (void)::symlink("/", (b.rootfs + "/toroot").c_str());
    const Row rows[] = {
        {mnt("/toroot", "tmpfs", "tmpfs", {}), "mount target /toroot resolves to the container's \"/\": Invalid argument"},
        {mnt("/x", "bind", "nothere", {"bind"}),
         "stat bind source " + (b.tmp / "nothere") + ": No such file or directory"},
        {mnt("/x", "nosuchfs", "src", {}), "mount src to /x: No such device"},
        {mnt("/proc", "bind", b.tmp / "hostdata", {"rbind"}),
         "mount " + (b.tmp / "hostdata") + " to /proc: source is not a procfs: Invalid argument"},
    };
    for (const auto& row : rows) {
        auto s = default_spec();
        s.mounts = {row.m};
        auto plan = plan_rootfs(s, {b.tmp.path(), false});
        REQUIRE(plan.ok());
        std::string out = rootfs_test::run_in_child(CLONE_NEWNS, [&]() -> std::string {
            auto r = setup_rootfs(**plan, SetupContext{});
            return r.ok() ? "<ok>" : r.error().text();
        });
        CHECK(out == row.want);
    }
}

TEST_CASE("setup_rootfs: rootfsPropagation", "[rootfs][setup][root]") {
    for (const char* prop : {"rshared", "shared", "private", "slave", "rprivate"}) {
        CAPTURE(prop);
        Bundle b;
        auto s = default_spec();
        s.mounts = {mnt("/proc", "proc", "proc", {})};
        s.linux->masked_paths.clear();
        s.linux->readonly_paths.clear();
        s.linux->rootfs_propagation = prop;
        auto plan = plan_rootfs(s, {b.tmp.path(), false});
        REQUIRE(plan.ok());
        const std::string before = rootfs_test::read_host_mountinfo();
        std::string out = rootfs_test::run_in_child(CLONE_NEWNS, [&]() -> std::string {
            std::string err = setup_and_finalize(**plan, SetupContext{});
            if (!err.empty()) return err;
            std::string mi = read_all("/proc/self/mountinfo");
            // The root's line: mount point "/" followed by its options and optional fields.
            bool shared = false;
            size_t pos = 0;
            while (pos < mi.size()) {
                size_t end = mi.find('\n', pos);
                std::string line = mi.substr(pos, end - pos);
                pos = end == std::string::npos ? mi.size() : end + 1;
                size_t f = 0;
                for (int i = 0; i < 4 && f != std::string::npos; ++i) f = line.find(' ', f + 1);
                if (f != std::string::npos && line.compare(f, 3, " / ") == 0)
                    shared = line.find("shared:") != std::string::npos;
            }
            bool want_shared = std::string(prop).find("shared") != std::string::npos;
            return shared == want_shared ? "" : "unexpected propagation of /:\n" + mi;
        });
        CHECK(out == "");
        CHECK(rootfs_test::read_host_mountinfo() == before);
    }
}

namespace {

bool write_proc(const char* path, const char* text) {
    int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = ::write(fd, text, std::strlen(text)) == static_cast<ssize_t>(std::strlen(text));
    ::close(fd);
    return ok;
}

}  // namespace

// Mounts inherited into a user namespace have their nosuid/nodev/noexec/atime flags locked:
// a plain "ro" remount of a bind of such a mount gets EPERM, and setup must retry with the
// mount's current flags (statvfs). Devices are bind-mounted since mknod is refused.
TEST_CASE("setup_rootfs in a user namespace keeps locked flags", "[rootfs][setup][root][userns]") {
    Bundle b;
    auto s = default_spec();
    s.root->readonly = true;
    s.linux->namespaces = {{"mount", {}}, {"user", {}}};
    rootfs_test::mkdirs(b.tmp / "locked");
    s.mounts = {mnt("/cgmem", "bind", b.tmp / "locked", {"bind", "ro"})};
    s.linux->devices.clear();
    s.linux->masked_paths.clear();
    s.linux->readonly_paths.clear();
    auto plan = plan_rootfs(s, {b.tmp.path(), false});
    REQUIRE(plan.ok());
    const std::string before = rootfs_test::read_host_mountinfo();
    std::string out = rootfs_test::run_in_child(CLONE_NEWNS, [&]() -> std::string {
        // A nosuid,noexec mount made while still privileged: locked once in the user ns.
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) < 0) return "make / rslave failed";
        if (::mount("tmpfs", (b.tmp / "locked").c_str(), "tmpfs", MS_NOSUID | MS_NOEXEC, nullptr) < 0)
            return "mount tmpfs failed";
        if (::unshare(CLONE_NEWUSER) < 0) return "unshare(CLONE_NEWUSER) failed";
        if (!write_proc("/proc/self/setgroups", "deny") || !write_proc("/proc/self/uid_map", "0 0 1") ||
            !write_proc("/proc/self/gid_map", "0 0 1"))
            return "write id maps failed";
        if (::unshare(CLONE_NEWNS) < 0) return "unshare(CLONE_NEWNS) in the user ns failed";
        SetupContext ctx;
        ctx.new_user_ns = true;
        std::string err = setup_and_finalize(**plan, ctx);
        if (!err.empty()) return err;
        Checks c;
        c.expect(fails_with(::mkdir("/cgmem/x", 0755), EROFS), "/cgmem is read-only");
        struct statvfs sv {};
        c.expect(::statvfs("/cgmem", &sv) == 0 && (sv.f_flag & ST_NOSUID) && (sv.f_flag & ST_NOEXEC),
                 "/cgmem kept its locked nosuid,noexec");
        c.expect(create_fails_erofs("/newfile"), "root is read-only");
        struct stat st {};
        c.expect(::stat("/dev/null", &st) == 0 && st.st_rdev == makedev(1, 3), "/dev/null bound from the host");
        return c.fails;
    });
    CHECK(out == "");
    CHECK(rootfs_test::read_host_mountinfo() == before);
}

TEST_CASE("setup_rootfs without a mount namespace is a chroot", "[rootfs][setup][root]") {
    Bundle b;
    auto s = default_spec();
    s.linux->namespaces.clear();
    s.mounts.clear();
    s.linux->masked_paths.clear();
    s.linux->readonly_paths.clear();
    s.linux->devices.clear();
    auto plan = plan_rootfs(s, {b.tmp.path(), false});
    REQUIRE(plan.ok());
    const std::string before = rootfs_test::read_host_mountinfo();
    std::string out = rootfs_test::run_in_child(0, [&]() -> std::string {
        SetupContext ctx;
        ctx.new_mount_ns = false;
        std::string err = setup_and_finalize(**plan, ctx);
        if (!err.empty()) return err;
        Checks c;
        c.expect(::access("/bin/busybox", X_OK) == 0, "chrooted into the rootfs");
        c.expect(::access("/dev/null", F_OK) < 0, "no devices created");
        return c.fails;
    });
    CHECK(out == "");
    CHECK(rootfs_test::read_host_mountinfo() == before);
}

TEST_CASE("setup_rootfs: tmpcopyup copies what the tmpfs hides", "[rootfs][setup][root]") {
    Bundle b;
    const std::string copy = b.rootfs + "/copy";
    rootfs_test::mkdirs(copy + "/sub");
    rootfs_test::write_file(copy + "/file", "hello");
    rootfs_test::write_file(copy + "/sub/file2", "deep");
    REQUIRE(::symlink("file", (copy + "/link").c_str()) == 0);
    REQUIRE(::symlink("/../../../etc/passwd", (copy + "/escape").c_str()) == 0);
    REQUIRE(::chmod(copy.c_str(), 0750) == 0);
    REQUIRE(::chown((copy + "/sub/file2").c_str(), 1234, 5678) == 0);
    auto s = default_spec();
    s.mounts = {mnt("/copy", "tmpfs", "tmpfs", {"tmpcopyup", "nosuid"})};
    s.linux->masked_paths.clear();
    s.linux->readonly_paths.clear();
    auto plan = plan_rootfs(s, {b.tmp.path(), false});
    REQUIRE(plan.ok());
    std::string out = rootfs_test::run_in_child(CLONE_NEWNS, [&]() -> std::string {
        std::string err = setup_and_finalize(**plan, SetupContext{});
        if (!err.empty()) return err;
        Checks c;
        c.expect(is_fs("/copy", TMPFS_MAGIC), "/copy is a tmpfs");
        c.expect(read_all("/copy/file") == "hello", "file copied");
        c.expect(read_all("/copy/sub/file2") == "deep", "nested file copied");
        struct stat st {};
        c.expect(::stat("/copy/sub/file2", &st) == 0 && st.st_uid == 1234 && st.st_gid == 5678, "owner kept");
        c.expect(::stat("/copy", &st) == 0 && (st.st_mode & 07777) == 0750, "root mode taken from the hidden dir");
        char link[64] = {};
        c.expect(::readlink("/copy/link", link, sizeof link - 1) > 0 && std::string(link) == "file", "symlink copied");
        std::fill(std::begin(link), std::end(link), 0);
        c.expect(::readlink("/copy/escape", link, sizeof link - 1) > 0 &&
                     std::string(link) == "/../../../etc/passwd",
                 "symlink copied as a link, not followed");
        return c.fails;
    });
    CHECK(out == "");
}

TEST_CASE("setup_rootfs: a read-only /dev is made read-only after the devices", "[rootfs][setup][root]") {
    Bundle b;
    auto s = default_spec();
    s.mounts = {mnt("/dev", "tmpfs", "tmpfs", {"nosuid", "mode=755", "ro"}),
                mnt("/dev/pts", "devpts", "devpts", {"newinstance", "ptmxmode=0666"})};
    s.linux->masked_paths.clear();
    s.linux->readonly_paths.clear();
    auto plan = plan_rootfs(s, {b.tmp.path(), false});
    REQUIRE(plan.ok());
    std::string out = rootfs_test::run_in_child(CLONE_NEWNS, [&]() -> std::string {
        std::string err = setup_and_finalize(**plan, SetupContext{});
        if (!err.empty()) return err;
        Checks c;
        struct stat st {};
        c.expect(::stat("/dev/zero", &st) == 0 && S_ISCHR(st.st_mode), "devices created before the ro remount");
        c.expect(is_fs("/dev/pts", DEVPTS_SUPER_MAGIC), "nested mount under the ro /dev");
        c.expect(create_fails_erofs("/dev/newfile"), "/dev is read-only");
        struct statvfs sv {};
        c.expect(::statvfs("/dev", &sv) == 0 && (sv.f_flag & ST_NOSUID), "/dev kept nosuid");
        return c.fails;
    });
    CHECK(out == "");
}
