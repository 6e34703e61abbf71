#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "security/lsm.hpp"
#include "security/process_security.hpp"

using namespace lc::security;

namespace {

// A temp dir shaped like /proc/thread-self/attr, removed at scope exit.
struct FakeAttrDir {
    std::string path;
    lc::UniqueFd fd;
    FakeAttrDir(bool with_apparmor_dir) {
        char tmpl[] = "/tmp/cort-attr-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
        for (const char* f : {"exec", "keycreate"}) std::ofstream(path + "/" + f);
        if (with_apparmor_dir) {
            ::mkdir((path + "/apparmor").c_str(), 0700);
            std::ofstream(path + "/apparmor/exec");
        }
        fd.reset(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        REQUIRE(fd);
    }
    ~FakeAttrDir() {
        for (const char* f : {"exec", "keycreate", "apparmor/exec", "link"}) ::unlink((path + "/" + f).c_str());
        ::rmdir((path + "/apparmor").c_str());
        ::rmdir(path.c_str());
    }
    std::string read(const char* name) const {
        std::ifstream in(path + "/" + name);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
};

}  // namespace

TEST_CASE("AppArmor profile goes to apparmor/exec, else exec", "[lsm]") {
    {
        FakeAttrDir dir(true);
        REQUIRE(write_apparmor_exec(dir.fd.get(), "cort-default").ok());
        CHECK(dir.read("apparmor/exec") == "exec cort-default");
        CHECK(dir.read("exec").empty());
    }
    {
        FakeAttrDir dir(false);
        REQUIRE(write_apparmor_exec(dir.fd.get(), "cort-default").ok());
        CHECK(dir.read("exec") == "exec cort-default");
    }
}

TEST_CASE("SELinux labels go to exec and keycreate", "[lsm]") {
    FakeAttrDir dir(false);
    REQUIRE(write_selinux_exec(dir.fd.get(), "system_u:system_r:container_t:s0").ok());
    REQUIRE(write_selinux_keycreate(dir.fd.get(), "system_u:system_r:container_t:s0").ok());
    CHECK(dir.read("exec") == "system_u:system_r:container_t:s0");
    CHECK(dir.read("keycreate") == "system_u:system_r:container_t:s0");
}

TEST_CASE("attribute writes refuse symlinks and, when verified, non-procfs files", "[lsm]") {
    FakeAttrDir dir(false);
    REQUIRE(::symlink("/tmp/cort-should-not-exist", (dir.path + "/link").c_str()) == 0);
    auto via_link = write_attr_at(dir.fd.get(), "link", "x");
    REQUIRE_FALSE(via_link.ok());
    CHECK(via_link.error().code == ELOOP);
    CHECK(::access("/tmp/cort-should-not-exist", F_OK) != 0);

    auto verified = write_selinux_exec(dir.fd.get(), "label", true);
    REQUIRE_FALSE(verified.ok());
    CHECK(verified.error().text() == "verify attr/exec is on procfs: Invalid cross-device link");
    CHECK(dir.read("exec").empty());
}

TEST_CASE("the real attr directory is on a verified procfs", "[lsm][real]") {
    auto root = open_procfs_root();
    REQUIRE(root.ok());
    CHECK(is_on_procfs(root->get()).value());
    auto attr = open_proc_attr_dir();
    REQUIRE(attr.ok());
    CHECK(is_on_procfs(attr->get()).value());
    // "current" exists for every task; reading it through the handle proves where it points.
    lc::UniqueFd cur(::openat(attr->get(), "current", O_RDONLY | O_CLOEXEC));
    CHECK(cur.valid());
}

TEST_CASE("asking for an LSM the host lacks is a plan error", "[lsm]") {
    specs::Process proc;
    proc.apparmor_profile = "cort-default";
    auto r = lc::security::plan(proc, nullptr, HostLsm{false, false});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text() ==
          "process.apparmorProfile: AppArmor is not enabled on this host (no /sys/kernel/security/apparmor)");
    CHECK(lc::security::plan(proc, nullptr, HostLsm{true, false}).ok());

    specs::Process se;
    se.selinux_label = "system_u:system_r:container_t:s0";
    auto r2 = lc::security::plan(se, nullptr, HostLsm{true, false});
    REQUIRE_FALSE(r2.ok());
    CHECK(r2.error().text() == "process.selinuxLabel: SELinux is not enabled on this host (no /sys/fs/selinux)");

    specs::Linux linux;
    linux.mount_label = "system_u:object_r:container_file_t:s0";
    auto r3 = lc::security::plan(specs::Process{}, &linux, HostLsm{});
    REQUIRE_FALSE(r3.ok());
    CHECK(r3.error().text() == "linux.mountLabel: SELinux is not enabled on this host (no /sys/fs/selinux)");

    // Empty strings mean "not set", as in runc.
    specs::Process empty;
    empty.apparmor_profile = "";
    empty.selinux_label = "";
    CHECK(lc::security::plan(empty, nullptr, HostLsm{}).ok());
}

TEST_CASE("this host has neither LSM", "[lsm][real]") {
    HostLsm host = detect_host_lsm();
    // The development machines run without AppArmor and SELinux; detection must agree
    // with the filesystem rather than assume.
    CHECK(host.apparmor == (::access("/sys/kernel/security/apparmor", F_OK) == 0));
    CHECK(host.selinux == (::access("/sys/fs/selinux/enforce", F_OK) == 0));
}
