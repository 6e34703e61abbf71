// CVE-2024-21626 class: a file descriptor the caller of the runtime left open (here a host
// directory holding a "secret") must not reach anything that runs in the container or any
// hook: not the container process, not an exec'd process, not a hook on the host or in the
// container, and not through the init's /proc/1/fd while the container waits for `start`.
// Each case also runs under a seccomp profile that denies close_range, which once left every
// caller fd open because the runtime's last close came after the filter was loaded.
#include "exec_helpers.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace itest;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kStdioOnly{"0", "1", "2"};

// A host directory with a secret in it; the caller of the runtime holds it open as fd 7.
struct LeakedDir {
    explicit LeakedDir(const Bundle& b) : path(b.path() + "/host-secret-dir") {
        fs::create_directories(path);
        write_file(path + "/secret", "HOST-SECRET\n");
    }
    std::string redirect() const { return "exec 7<'" + path + "'; "; }
    std::string path;
};

// close_range fails with EPERM; everything else is allowed.
void deny_close_range(Bundle& b) {
    b.config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
        {"syscalls", {{{"names", {"close_range"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}}}}};
    b.save();
}

// A directory shared with the container, for what hooks inside it write.
std::string add_shared_dir(Bundle& b) {
    fs::create_directories(b.path() + "/shared");
    fs::create_directories(b.rootfs() + "/shared");
    b.config["mounts"].push_back(
        {{"destination", "/shared"}, {"type", "bind"}, {"source", b.path() + "/shared"}, {"options", {"rbind", "rw"}}});
    return b.path() + "/shared";
}

// A hook of `kind` that lists its own fds into `<dir>/<kind>` (dir as the hook sees it).
void add_fd_listing_hook(Bundle& b, const std::string& kind, const std::string& dir) {
    // ls inherits whatever the hook has and adds its own directory fd, 3. Not /proc/$$: a
    // createContainer hook sees the host's procfs from the container's pid namespace. `exec >`:
    // a redirection of one command would have the shell save its stdout on fd 10 meanwhile.
    add_hook(b.config, kind, {"sh", "-c", "exec > " + dir + "/" + kind + "; ls /proc/self/fd"},
             {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"});
    b.config["hooks"][kind].back()["path"] = "/bin/sh";
}

}  // namespace

TEST_CASE("CVE-2024-21626: hooks on the host and in the container get only stdio", "[escape][fds][hooks][cort-only]") {
    // runc 1.1.5 passes its own fds (up to fd 7 here) to hooks; docs/cli.md says why cort does not.
    CORT_ONLY();
    Bundle b;
    LeakedDir leak(b);
    std::string shared = add_shared_dir(b);
    for (const char* kind : {"prestart", "createRuntime", "poststart", "poststop"}) add_fd_listing_hook(b, kind, shared);
    // createContainer runs before the pivot with the rootfs as its cwd: a relative path.
    add_fd_listing_hook(b, "createContainer", "shared");
    add_fd_listing_hook(b, "startContainer", "/shared");
    b.set_args({"true"});
    std::string id = unique_id("fdhooks");
    ContainerGuard g(id);
    RunOptions o;
    o.cwd = b.path();
    // fd 3 is passed on purpose, to the container process only; fd 7 is a leak.
    auto r = sh_with_rt(leak.redirect() + "exec 3</dev/null; $RT run --preserve-fds 1 --bundle " + b.path() + " " + id, o);
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    for (const char* kind : {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}) {
        INFO(kind);
        CHECK(split_lines(read_file(shared + "/" + kind)) == std::vector<std::string>{"0", "1", "2", "3"});
    }
}

TEST_CASE("CVE-2024-21626: an exec into a created container cannot read the caller's fds through the init",
          "[escape][fds][exec]") {
    Bundle b;
    LeakedDir leak(b);
    b.set_args({"sleep", "100000"});
    std::string id = unique_id("fdinit");
    ContainerGuard g(id);
    RunOptions o;
    o.cwd = b.path();
    auto c = sh_with_rt(leak.redirect() + "$RT create --bundle " + b.path() + " " + id, o);
    INFO(c.describe());
    REQUIRE(c.exit_code == 0);
    // The init waits for `start`; its fd table is what the attacker reads.
    auto r = exec_in({"--cap", "CAP_SYS_PTRACE", id, "sh", "-c", "cat /proc/1/fd/*/secret; true"});
    INFO(r.describe());
    CHECK(r.out.find("HOST-SECRET") == std::string::npos);
}

TEST_CASE("CVE-2024-21626: no caller fd survives a seccomp profile that denies close_range", "[escape][fds][seccomp]") {
    Bundle b;
    LeakedDir leak(b);
    deny_close_range(b);
    RunOptions o;
    o.cwd = b.path();
    SECTION("the container process") {
        b.set_args({"sh", "-c", "ls /proc/$$/fd; true"});
        std::string id = unique_id("fdscmp");
        ContainerGuard g(id);
        auto r = sh_with_rt(leak.redirect() + "$RT run --bundle " + b.path() + " " + id, o);
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        CHECK(split_lines(r.out) == kStdioOnly);
    }
    SECTION("an exec'd process") {
        b.set_args({"sleep", "100000"});
        std::string id = unique_id("fdscmpx");
        ContainerGuard g(id);
        REQUIRE(create(b, id).exit_code == 0);
        REQUIRE(rt({"start", id}).exit_code == 0);
        auto r = sh_with_rt(leak.redirect() + "$RT exec " + id + " sh -c 'ls /proc/$$/fd; true'", o);
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        CHECK(split_lines(r.out) == kStdioOnly);
    }
}
