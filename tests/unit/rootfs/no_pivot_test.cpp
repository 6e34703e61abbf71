// Which mounts --no-pivot hides before its chroot (pivot.cpp): full proc and sysfs mounts
// outside the rootfs, read from mountinfo text.
#include <catch2/catch.hpp>

#include "rootfs/steps.hpp"

using lc::rootfs::full_proc_sys_mounts;

TEST_CASE("no-pivot hides the full proc and sysfs mounts outside the rootfs", "[rootfs][no-pivot]") {
    const std::string mi =
        "22 1 0:21 / /proc rw,nosuid shared:5 - proc proc rw\n"
        "23 1 0:22 / /sys rw,nosuid shared:6 - sysfs sysfs rw\n"
        "24 22 0:23 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw\n"
        "25 1 0:21 /sys /mnt/procsys ro - proc proc rw\n"
        "26 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
        "27 1 0:21 / /b/rootfs/proc rw - proc proc rw\n"
        "28 1 0:22 / /b/rootfs2/sys rw - sysfs sysfs rw\n"
        "29 1 0:21 / /with\\040space rw - proc proc rw\n"
        "30 1 0:21 / /opt rw master:3 unbindable - proc none rw\n";
    CHECK(full_proc_sys_mounts(mi, "/b/rootfs") ==
          std::vector<std::string>{"/proc", "/sys", "/b/rootfs2/sys", "/with space", "/opt"});
    CHECK(full_proc_sys_mounts("", "/b/rootfs").empty());
    CHECK(full_proc_sys_mounts("garbage line\n", "/b/rootfs").empty());
}
