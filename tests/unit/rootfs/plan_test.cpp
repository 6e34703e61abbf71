#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <catch2/catch.hpp>

#include "rootfs/plan.hpp"
#include "test_tree.hpp"

using namespace lc::rootfs;
using rootfs_test::TempDir;

namespace {

specs::Spec base_spec() {
    specs::Spec s;
    s.oci_version = "1.2.0";
    s.root = specs::Root{"rootfs", false};
    s.linux = specs::Linux{};
    s.linux->namespaces = {{"mount", std::nullopt}};
    return s;
}

specs::Mount mnt(std::string dest, std::optional<std::string> type, std::optional<std::string> src,
                 std::vector<std::string> opts) {
    specs::Mount m;
    m.destination = std::move(dest);
    m.type = std::move(type);
    m.source = std::move(src);
    m.options = std::move(opts);
    return m;
}

std::string plan_error(const specs::Spec& s, const std::string& bundle) {
    auto r = plan_rootfs(s, {bundle, false});
    return r.ok() ? std::string("<ok>") : r.error().text();
}

}  // namespace

TEST_CASE("plan: rootfs path", "[rootfs][plan]") {
    TempDir b;
    rootfs_test::mkdirs(b / "rootfs");
    rootfs_test::write_file(b / "file", "x");
    auto s = base_spec();
    auto r = plan_rootfs(s, {b.path(), false});
    REQUIRE(r.ok());
    CHECK((*r)->rootfs == b / "rootfs");

    s.root->path = b / "rootfs";  // absolute is taken as is
    CHECK(plan_rootfs(s, {"/nonexistent", false}).ok());

    s.root->path = "missing";
    CHECK(plan_error(s, b.path()) == "root.path: " + (b / "missing") + ": No such file or directory");
    s.root->path = "file";
    CHECK(plan_error(s, b.path()) == "root.path: " + (b / "file") + ": Not a directory");
    s.root.reset();
    CHECK(plan_error(s, b.path()) == "root.path: required");

    // A symlink, or a path through one, is refused (runc too): it could name the host's "/".
    REQUIRE(::symlink("/", (b / "tohost").c_str()) == 0);
    REQUIRE(::symlink(b.path().c_str(), (b / "bundlelink").c_str()) == 0);
    s = base_spec();
    s.root->path = "tohost";
    CHECK(plan_error(s, b.path()) ==
          "root.path: " + (b / "tohost") + " is a symlink or goes through one (to /); give the real path");
    s.root->path = b / "bundlelink/rootfs";
    CHECK(plan_error(s, b.path()) == "root.path: " + (b / "bundlelink/rootfs") +
                                         " is a symlink or goes through one (to " + (b / "rootfs") +
                                         "); give the real path");
}

TEST_CASE("plan: mount errors name the field", "[rootfs][plan]") {
    TempDir b;
    rootfs_test::mkdirs(b / "rootfs");
    struct Row {
        specs::Mount m;
        std::string err;
    };
    const Row rows[] = {
        {mnt("/x", "bind", std::nullopt, {"rbind"}), "mounts[1].source: required for a bind mount"},
        {mnt("/x", std::nullopt, "/tmp", {"nosuid"}), "mounts[1].type: required unless the mount is a bind"},
        {mnt("", "tmpfs", "tmpfs", {}), "mounts[1].destination: required"},
        {mnt("/", "tmpfs", "tmpfs", {}), "mounts[1].destination: cannot mount over the container's \"/\""},
        {mnt("/a/..", "tmpfs", "tmpfs", {}), "mounts[1].destination: cannot mount over the container's \"/\""},
        {mnt("/x", "bind", "/tmp", {"bind", "idmap"}),
         "mounts[1].options: \"idmap\" without mounts[1].uidMappings/gidMappings needs a user namespace "
         "(linux.namespaces) to take them from"},
        {mnt("/x", "tmpfs", "tmpfs", {"idmap"}), "mounts[1].options: idmapped mounts are only supported for bind mounts"},
        {mnt("/x", "proc", "proc", {"tmpcopyup"}), "mounts[1].options: \"tmpcopyup\" needs a tmpfs mount, not \"proc\""},
        {mnt("/proc/self", "tmpfs", "tmpfs", {}),
         "mounts[1].destination: \"/proc/self\" cannot be mounted beneath /proc"},
        {mnt("/proc/../proc/sys/x", "bind", "/tmp", {"bind"}),
         "mounts[1].destination: \"/proc/sys/x\" cannot be mounted beneath /proc"},
        {mnt("/proc", "tmpfs", "tmpfs", {}), "mounts[1].type: /proc must be a proc mount, not \"tmpfs\""},
    };
    for (const auto& r : rows) {
        auto s = base_spec();
        s.mounts.push_back(mnt("/proc", "proc", "proc", {}));
        s.mounts.push_back(r.m);
        CHECK(plan_error(s, b.path()) == r.err);
    }
    auto s = base_spec();
    s.mounts.push_back(mnt("/x", "tmpfs", "tmpfs", {}));
    s.mounts[0].uid_mappings.push_back({0, 1000, 1});
    CHECK(plan_error(s, b.path()) == "mounts[0].uidMappings: idmapped mounts are only supported for bind mounts");
}

TEST_CASE("plan: idmapped mounts", "[rootfs][plan]") {
    TempDir b;
    rootfs_test::mkdirs(b / "rootfs");
    auto planned = [&](const specs::Spec& s, bool rootless = false) {
        auto r = plan_rootfs(s, {b.path(), false, rootless});
        REQUIRE(r.ok());
        return (*r)->mounts.at(0);
    };
    SECTION("explicit mappings, no user namespace: used as given") {
        auto s = base_spec();
        s.mounts.push_back(mnt("/x", "bind", "/tmp", {"rbind"}));
        s.mounts[0].uid_mappings = {{1000, 2000, 1}};
        s.mounts[0].gid_mappings = {{1000, 3000, 1}};
        auto m = planned(s);
        CHECK(m.idmapped);
        CHECK_FALSE(m.opts.idmap_recursive);
        REQUIRE(m.idmap_uids.size() == 1);
        CHECK(m.idmap_uids[0].host_id == 2000);
        CHECK(m.idmap_gids[0].host_id == 3000);
    }
    SECTION("\"ridmap\" alone takes the container's new user namespace mappings") {
        auto s = base_spec();
        s.linux->namespaces.push_back({"user", std::nullopt});
        s.linux->uid_mappings = {{0, 100000, 65536}};
        s.linux->gid_mappings = {{0, 200000, 65536}};
        s.mounts.push_back(mnt("/x", "bind", "/tmp", {"rbind", "ridmap"}));
        auto m = planned(s);
        CHECK(m.idmapped);
        CHECK(m.opts.idmap_recursive);
        CHECK(m.idmap_uids[0].host_id == 100000);
        CHECK(m.idmap_gids[0].host_id == 200000);
        CHECK(m.idmap_userns_path.empty());
    }
    SECTION("\"idmap\" alone with a joined user namespace uses that namespace") {
        auto s = base_spec();
        s.linux->namespaces.push_back({"user", "/proc/1/ns/user"});
        s.mounts.push_back(mnt("/x", "bind", "/tmp", {"bind", "idmap"}));
        auto m = planned(s);
        CHECK(m.idmap_userns_path == "/proc/1/ns/user");
    }
    SECTION("not in rootless mode") {
        auto s = base_spec();
        s.mounts.push_back(mnt("/x", "bind", "/tmp", {"rbind"}));
        s.mounts[0].uid_mappings = {{0, 1000, 1}};
        s.mounts[0].gid_mappings = {{0, 1000, 1}};
        auto r = plan_rootfs(s, {b.path(), false, true});
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().text() ==
              "mounts[0].uidMappings: idmapped mounts need root on the host (not available in rootless mode)");
    }
}

TEST_CASE("plan: mounts are precomputed", "[rootfs][plan]") {
    TempDir b;
    rootfs_test::mkdirs(b / "rootfs");
    auto s = base_spec();
    s.mounts = {
        mnt("/proc", "proc", "proc", {}),
        mnt("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k", "ro"}),
        mnt("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
        mnt("data//x/", "none", "hostdata", {"rbind", "ro"}),
        mnt("/proc/meminfo", "bind", "/var/lib/lxcfs/proc/meminfo", {"bind"}),
        mnt("/sys/fs/cgroup", "cgroup", "cgroup", {"ro"}),
    };
    auto r = plan_rootfs(s, {b.path(), false});
    REQUIRE(r.ok());
    const auto& p = **r;
    REQUIRE(p.mounts.size() == 6);
    CHECK(p.mounts[0].kind == MountKind::Proc);
    CHECK(p.mounts[1].kind == MountKind::Generic);
    CHECK(p.mounts[1].defer_readonly);
    CHECK((p.mounts[1].opts.flags & MS_RDONLY) == 0);
    CHECK(p.mounts[1].opts.data == "mode=755,size=65536k");
    // No network namespace: sysfs becomes an rbind of the host's /sys.
    CHECK(p.mounts[2].kind == MountKind::Bind);
    CHECK(p.mounts[2].source == "/sys");
    CHECK(p.mounts[2].opts.recursive_bind);
    CHECK(p.mounts[3].kind == MountKind::Bind);
    CHECK(p.mounts[3].destination == "/data/x");
    CHECK(p.mounts[3].source == b / "hostdata");
    CHECK(p.mounts[3].opts.remount_flags() == MS_RDONLY);
    CHECK(p.mounts[4].kind == MountKind::Bind);
    CHECK(p.mounts[5].kind == MountKind::Cgroup);
    CHECK(p.root_propagation == (MS_SLAVE | MS_REC));
    CHECK(p.rootfs_propagation == 0);
    CHECK_FALSE(p.make_parent_private);

    s.linux->namespaces.push_back({"network", std::nullopt});
    auto with_net = plan_rootfs(s, {b.path(), false});
    REQUIRE(with_net.ok());
    CHECK((*with_net)->mounts[2].kind == MountKind::Generic);
    CHECK((*with_net)->mounts[2].type == "sysfs");
}

TEST_CASE("plan: devices, symlinks, paths, propagation", "[rootfs][plan]") {
    TempDir b;
    rootfs_test::mkdirs(b / "rootfs");
    auto s = base_spec();
    specs::LinuxDevice fuse;
    fuse.type = "c";
    fuse.path = "/dev/fuse";
    fuse.major = 10;
    fuse.minor = 229;
    fuse.file_mode = 0600;
    fuse.uid = 1000;
    specs::LinuxDevice null_override = {"c", "/dev/null", 1, 3, 0640u, 0u, 5u};
    s.linux->devices = {fuse, null_override};
    s.linux->masked_paths = {"/proc/kcore", "/proc//acpi/"};
    s.linux->readonly_paths = {"/proc/sys"};
    s.linux->rootfs_propagation = "shared";
    auto r = plan_rootfs(s, {b.path(), false});
    REQUIRE(r.ok());
    const auto& p = **r;
    CHECK(p.setup_dev);
    REQUIRE(p.devices.size() == 7);  // 2 from the spec + 5 defaults not listed
    CHECK(p.devices[0].rdev == makedev(10, 229));
    CHECK(p.devices[0].mode == 0600);
    CHECK(p.devices[0].uid == 1000);
    CHECK(p.devices[1].mode == 0640);
    int nulls = 0;
    for (const auto& d : p.devices) nulls += d.path == "/dev/null";
    CHECK(nulls == 1);
    CHECK(p.symlinks.front().path == "/dev/fd");
    CHECK(p.symlinks.front().target == "/proc/self/fd");
    CHECK(p.masked_paths == std::vector<std::string>{"/proc/kcore", "/proc/acpi"});
    CHECK(p.root_propagation == MS_SHARED);
    CHECK(p.rootfs_propagation == MS_SHARED);
    CHECK(p.make_parent_private);

    // A bind-mounted /dev gets neither devices nor symlinks.
    s.mounts.push_back(mnt("/dev", "bind", "/dev", {"rbind"}));
    auto bound = plan_rootfs(s, {b.path(), false});
    REQUIRE(bound.ok());
    CHECK_FALSE((*bound)->setup_dev);
    CHECK((*bound)->devices.empty());
    CHECK((*bound)->symlinks.empty());
}

TEST_CASE("plan: device and path errors", "[rootfs][plan]") {
    TempDir b;
    rootfs_test::mkdirs(b / "rootfs");
    auto s = base_spec();
    s.linux->devices = {{"x", "/dev/x", 1, 1, std::nullopt, std::nullopt, std::nullopt}};
    CHECK(plan_error(s, b.path()) == "linux.devices[0].type: unknown device type \"x\"");
    s.linux->devices = {{"c", "dev/x", 1, 1, std::nullopt, std::nullopt, std::nullopt}};
    CHECK(plan_error(s, b.path()) == "linux.devices[0].path: must be an absolute path");
    s.linux->devices.clear();
    s.linux->masked_paths = {"/ok", "relative"};
    CHECK(plan_error(s, b.path()) == "linux.maskedPaths[1]: must be an absolute path");
    s.linux->masked_paths.clear();
    s.linux->readonly_paths = {""};
    CHECK(plan_error(s, b.path()) == "linux.readonlyPaths[0]: must be an absolute path");
    s.linux->readonly_paths.clear();
    s.linux->rootfs_propagation = "sharde";
    CHECK(plan_error(s, b.path()) == "linux.rootfsPropagation: unknown propagation \"sharde\"");
}

TEST_CASE("plan: a bind drops filesystem data options", "[rootfs][plan]") {
    TempDir b;
    rootfs_test::mkdirs(b / "rootfs");
    auto s = base_spec();
    s.mounts.push_back(mnt("/x", "bind", "/tmp", {"bind", "mode=755", "ro"}));
    s.mounts.push_back(mnt("/y", std::nullopt, "/tmp", {"rbind", "rro", "size=1m"}));
    auto r = plan_rootfs(s, {b.path(), false});
    REQUIRE(r.ok());
    for (const auto& m : (*r)->mounts) {
        CAPTURE(m.destination);
        CHECK(m.kind == MountKind::Bind);
        CHECK(m.opts.data.empty());
    }
    CHECK(((*r)->mounts[0].opts.flags & MS_RDONLY) != 0);
    CHECK((*r)->notes == std::vector<std::string>{
                             "mounts[0].options: \"mode=755\" ignored: a bind mount takes no filesystem data",
                             "mounts[1].options: \"size=1m\" ignored: a bind mount takes no filesystem data"});
}

TEST_CASE("plan: binds in a user namespace are cloned by the parent", "[rootfs][plan]") {
    TempDir b;
    rootfs_test::mkdirs(b / "rootfs");
    auto s = base_spec();
    s.mounts.push_back(mnt("/x", "bind", "/tmp", {"bind"}));
    s.mounts.push_back(mnt("/t", "tmpfs", "tmpfs", {}));
    auto host_tree = [&](bool rootless) {
        auto r = plan_rootfs(s, {b.path(), false, rootless});
        REQUIRE(r.ok());
        return std::make_pair((*r)->mounts[0].host_tree, (*r)->mounts[1].host_tree);
    };
    CHECK(host_tree(false) == std::make_pair(false, false));  // no user namespace: not needed
    s.linux->namespaces.push_back({"user", std::nullopt});
    CHECK(host_tree(false) == std::make_pair(true, false));
    CHECK(host_tree(true) == std::make_pair(false, false));  // rootless: the parent cannot either
    s.linux->namespaces.back().path = "/proc/1/ns/user";
    CHECK(host_tree(false) == std::make_pair(true, false));
}

TEST_CASE("plan: without a mount namespace", "[rootfs][plan]") {
    TempDir b;
    rootfs_test::mkdirs(b / "rootfs");
    auto s = base_spec();
    s.linux->namespaces.clear();
    auto r = plan_rootfs(s, {b.path(), false});
    REQUIRE(r.ok());
    CHECK_FALSE((*r)->mount_ns);
    CHECK_FALSE((*r)->setup_dev);
    // mounts[] are made in the caller's mount namespace (the spec's rule).
    s.mounts.push_back(mnt("/proc", "proc", "proc", {}));
    auto with_mounts = plan_rootfs(s, {b.path(), false});
    REQUIRE(with_mounts.ok());
    CHECK((*with_mounts)->mounts.size() == 1);
    s.mounts.clear();
    s.linux->masked_paths = {"/proc/kcore"};
    CHECK(plan_error(s, b.path()) == "linux.maskedPaths: need a mount namespace (linux.namespaces)");
    s.linux->masked_paths.clear();
    s.root->readonly = true;
    CHECK(plan_error(s, b.path()) == "root.readonly: needs a mount namespace (linux.namespaces)");
}
