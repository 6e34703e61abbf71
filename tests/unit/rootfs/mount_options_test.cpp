#include <linux/mount.h>
#include <sys/mount.h>

#include <catch2/catch.hpp>

#include "rootfs/mount_options.hpp"

using lc::rootfs::parse_mount_options;
using lc::rootfs::per_mount_attrs;

TEST_CASE("mount options: flags set and cleared", "[rootfs][options]") {
    struct Row {
        std::vector<std::string> in;
        unsigned long flags, clear;
    };
    const Row rows[] = {
        {{"ro"}, MS_RDONLY, 0},
        {{"ro", "rw"}, 0, MS_RDONLY},
        {{"rw", "ro"}, MS_RDONLY, 0},
        {{"nosuid", "nodev", "noexec"}, MS_NOSUID | MS_NODEV | MS_NOEXEC, 0},
        {{"suid", "dev", "exec"}, 0, MS_NOSUID | MS_NODEV | MS_NOEXEC},
        {{"bind"}, MS_BIND, 0},
        {{"rbind"}, MS_BIND | MS_REC, 0},
        {{"noatime", "nodiratime"}, MS_NOATIME | MS_NODIRATIME, 0},
        {{"relatime"}, MS_RELATIME, 0},
        {{"strictatime"}, MS_STRICTATIME, 0},
        {{"sync", "dirsync"}, MS_SYNCHRONOUS | MS_DIRSYNC, 0},
        {{"sync", "async"}, 0, MS_SYNCHRONOUS},
        {{"mand"}, MS_MANDLOCK, 0},
        {{"remount"}, MS_REMOUNT, 0},
        {{"silent"}, MS_SILENT, 0},
        {{"lazytime"}, MS_LAZYTIME, 0},
        {{"iversion"}, MS_I_VERSION, 0},
        {{"acl"}, MS_POSIXACL, 0},
        {{"nosymfollow"}, MS_NOSYMFOLLOW, 0},
        {{"defaults"}, 0, 0},
    };
    for (const auto& r : rows) {
        CAPTURE(r.in);
        auto p = parse_mount_options(r.in);
        CHECK(p.opts.flags == r.flags);
        CHECK(p.opts.clear == r.clear);
        CHECK(p.opts.data.empty());
        CHECK(p.unknown.empty());
    }
}

TEST_CASE("mount options: propagation keeps order", "[rootfs][options]") {
    auto p = parse_mount_options({"rprivate", "shared", "rslave", "unbindable", "runbindable", "private",
                                  "rshared", "slave"});
    REQUIRE(p.opts.propagation == std::vector<unsigned long>{
                                      MS_PRIVATE | MS_REC, MS_SHARED, MS_SLAVE | MS_REC, MS_UNBINDABLE,
                                      MS_UNBINDABLE | MS_REC, MS_PRIVATE, MS_SHARED | MS_REC, MS_SLAVE});
    CHECK(p.opts.flags == 0);
}

TEST_CASE("mount options: recursive attributes", "[rootfs][options]") {
    struct Row {
        std::vector<std::string> in;
        uint64_t set, clr;
    };
    const Row rows[] = {
        {{"rro"}, MOUNT_ATTR_RDONLY, 0},
        {{"rro", "rrw"}, 0, MOUNT_ATTR_RDONLY},
        {{"rnosuid", "rnodev", "rnoexec"}, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0},
        {{"rsuid", "rdev", "rexec"}, 0, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC},
        {{"rnoatime"}, MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME},
        {{"rstrictatime"}, MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
        {{"rrelatime"}, 0, MOUNT_ATTR__ATIME},
        {{"rnoatime", "rrelatime"}, 0, MOUNT_ATTR__ATIME},
        {{"rnodiratime"}, MOUNT_ATTR_NODIRATIME, 0},
        {{"rnosymfollow"}, MOUNT_ATTR_NOSYMFOLLOW, 0},
        {{"rsymfollow"}, 0, MOUNT_ATTR_NOSYMFOLLOW},
    };
    for (const auto& r : rows) {
        CAPTURE(r.in);
        auto p = parse_mount_options(r.in);
        CHECK(p.opts.attr_set == r.set);
        CHECK(p.opts.attr_clr == r.clr);
        CHECK(p.opts.has_recursive_attrs());
        CHECK(p.opts.flags == 0);
    }
    CHECK_FALSE(parse_mount_options({"ro"}).opts.has_recursive_attrs());
}

TEST_CASE("mount options: unknown options go to data", "[rootfs][options]") {
    auto p = parse_mount_options({"nosuid", "size=64k", "mode=755", "rbnd"});
    CHECK(p.opts.flags == MS_NOSUID);
    CHECK(p.opts.data == "size=64k,mode=755,rbnd");
    CHECK(p.unknown == std::vector<std::string>{"size=64k", "mode=755", "rbnd"});
}

TEST_CASE("mount options: bind, idmap, tmpcopyup, remount flags", "[rootfs][options]") {
    auto b = parse_mount_options({"rbind", "ro", "nosuid", "rprivate"}).opts;
    CHECK(b.bind);
    CHECK(b.recursive_bind);
    CHECK(b.remount_flags() == (MS_RDONLY | MS_NOSUID));
    auto plain = parse_mount_options({"bind"}).opts;
    CHECK(plain.bind);
    CHECK_FALSE(plain.recursive_bind);
    CHECK(plain.remount_flags() == 0);
    CHECK(parse_mount_options({"idmap"}).opts.idmap);
    CHECK_FALSE(parse_mount_options({"idmap"}).opts.idmap_recursive);
    CHECK(parse_mount_options({"ridmap"}).opts.idmap);
    CHECK(parse_mount_options({"ridmap"}).opts.idmap_recursive);
    CHECK_FALSE(parse_mount_options({"ridmap", "idmap"}).opts.idmap_recursive);  // the last one wins
    CHECK(parse_mount_options({"bind", "idmap"}).unknown.empty());
    CHECK(parse_mount_options({"tmpcopyup"}).opts.tmpcopyup);
    CHECK(lc::rootfs::propagation_flag("rslave") == (MS_SLAVE | MS_REC));
    CHECK(lc::rootfs::propagation_flag("ro") == 0);
}

TEST_CASE("mount options: per-mount MS_* flags as mount_setattr attributes", "[rootfs][options]") {
    CHECK(per_mount_attrs(0) == 0);
    CHECK(per_mount_attrs(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC) ==
          (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC));
    CHECK(per_mount_attrs(MS_NOSUID | MS_BIND | MS_REC) == MOUNT_ATTR_NOSUID);  // others ignored
}
