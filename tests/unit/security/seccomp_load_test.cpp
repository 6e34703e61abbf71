// Real filters, loaded in forked children through the same finish() the init calls.
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "child_runner.hpp"
#include "security/process_security.hpp"
#include "security/seccomp_notify.hpp"

using namespace lc::security;
using security_test::run_in_child;

namespace {

specs::LinuxSyscall call(std::vector<std::string> names, std::string action,
                         std::optional<uint32_t> errno_ret = std::nullopt,
                         std::vector<specs::LinuxSyscallArg> args = {}) {
    specs::LinuxSyscall c;
    c.names = std::move(names);
    c.action = std::move(action);
    c.errno_ret = errno_ret;
    c.args = std::move(args);
    return c;
}

specs::LinuxSyscallArg arg(uint32_t index, std::string op, uint64_t value, uint64_t two = 0) {
    specs::LinuxSyscallArg a;
    a.index = index;
    a.op = std::move(op);
    a.value = value;
    a.value_two = two;
    return a;
}

// A plan as the init gets it: root keeps every capability, only seccomp + nnp differ.
ProcessSecurityPlan plan_for(const specs::LinuxSeccomp& sc, bool no_new_privs) {
    specs::Process proc;
    proc.no_new_privileges = no_new_privs;
    // The test runner's own permitted set: a sandbox may lack some capabilities.
    std::vector<std::string> all;
    CapMask have = current_permitted().value();
    for (unsigned c = 0; c < kernel_cap_count(); ++c)
        if (have & (CapMask{1} << c)) all.push_back(cap_name(c));
    specs::LinuxCapabilities caps;
    caps.bounding = caps.effective = caps.permitted = all;
    proc.capabilities = caps;
    specs::Linux linux;
    linux.seccomp = sc;
    auto p = lc::security::plan(proc, &linux, HostLsm{});
    if (!p) FAIL(p.error().text());
    return std::move(p).value();
}

std::string errno_of(long rc) { return rc < 0 ? std::to_string(errno) : "ok"; }

}  // namespace

TEST_CASE("a denied syscall returns the configured errno", "[seccomp][real]") {
    for (bool nnp : {true, false}) {
        specs::LinuxSeccomp sc;
        sc.default_action = "SCMP_ACT_ALLOW";
        sc.syscalls = {call({"mkdir", "mkdirat"}, "SCMP_ACT_ERRNO", ENOMSG)};
        auto plan = plan_for(sc, nnp);
        auto rep = run_in_child([&]() -> std::string {
            if (auto r = prepare_for_user_switch(plan); !r) return r.error().text();
            if (auto r = finish(plan); !r) return r.error().text();
            std::string nnp_now = std::to_string(::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
            return "mkdir=" + errno_of(::syscall(SYS_mkdir, "/tmp/cort-seccomp-never", 0700)) +
                   " mkdirat=" + errno_of(::syscall(SYS_mkdirat, AT_FDCWD, "/tmp/cort-seccomp-never", 0700)) +
                   " nnp=" + nnp_now;
        });
        REQUIRE(rep.exited_ok());
        CHECK(rep.output == "mkdir=" + std::to_string(ENOMSG) + " mkdirat=" + std::to_string(ENOMSG) +
                                " nnp=" + (nnp ? "1" : "0"));
    }
}

TEST_CASE("ERRNO as the default action with an allow list", "[seccomp][real]") {
    specs::LinuxSeccomp sc;
    sc.default_action = "SCMP_ACT_ERRNO";
    sc.default_errno_ret = EXDEV;
    sc.syscalls = {call({"write", "exit", "exit_group", "getpid"}, "SCMP_ACT_ALLOW")};
    auto plan = plan_for(sc, true);
    auto rep = run_in_child([&]() -> std::string {
        if (auto r = prepare_for_user_switch(plan); !r) return r.error().text();
        if (auto r = finish(plan); !r) return r.error().text();
        long pid = ::syscall(SYS_getpid);
        return std::string("getpid=") + (pid > 0 ? "ok" : "denied") + " getppid=" + errno_of(::syscall(SYS_getppid));
    });
    REQUIRE(rep.exited_ok());
    CHECK(rep.output == "getpid=ok getppid=" + std::to_string(EXDEV));
}

TEST_CASE("argument comparisons match only the configured values", "[seccomp][real]") {
    specs::LinuxSeccomp sc;
    sc.default_action = "SCMP_ACT_ALLOW";
    sc.syscalls = {
        // AND of two indexes: only getpriority(PRIO_PGRP, 12345).
        call({"getpriority"}, "SCMP_ACT_ERRNO", EDOM, {arg(0, "SCMP_CMP_EQ", PRIO_PGRP), arg(1, "SCMP_CMP_EQ", 12345)}),
        // One index twice: runc ORs them, so both PRIO_PGRP and PRIO_USER are denied.
        call({"setpriority"}, "SCMP_ACT_ERRNO", ERANGE,
             {arg(0, "SCMP_CMP_EQ", PRIO_PGRP), arg(0, "SCMP_CMP_EQ", PRIO_USER)}),
        // MASKED_EQ: (arg0 & 0xf0) == 0x10, and GT on another syscall.
        call({"umask"}, "SCMP_ACT_ERRNO", ENOTTY, {arg(0, "SCMP_CMP_MASKED_EQ", 0xf0, 0x10)}),
        call({"dup"}, "SCMP_ACT_ERRNO", EBADE, {arg(0, "SCMP_CMP_GT", 1000)}),
    };
    auto plan = plan_for(sc, true);
    auto rep = run_in_child([&]() -> std::string {
        if (auto r = prepare_for_user_switch(plan); !r) return r.error().text();
        if (auto r = finish(plan); !r) return r.error().text();
        std::string out;
        out += "getprio(pgrp,12345)=" + errno_of(::syscall(SYS_getpriority, PRIO_PGRP, 12345));
        out += " getprio(pgrp,0)=" + errno_of(::syscall(SYS_getpriority, PRIO_PGRP, 0));
        out += " getprio(proc,12345)=" + errno_of(::syscall(SYS_getpriority, PRIO_PROCESS, 12345));
        int me = static_cast<int>(::getuid());
        out += " setprio(pgrp)=" + errno_of(::syscall(SYS_setpriority, PRIO_PGRP, 0, 0));
        out += " setprio(user)=" + errno_of(::syscall(SYS_setpriority, PRIO_USER, me, 0));
        out += " setprio(proc)=" + errno_of(::syscall(SYS_setpriority, PRIO_PROCESS, 0, 0));
        out += " umask(0x12)=" + errno_of(::syscall(SYS_umask, 0x12));
        out += " umask(0x22)=" + errno_of(::syscall(SYS_umask, 0x22));
        out += " dup(2000)=" + errno_of(::syscall(SYS_dup, 2000));
        out += " dup(999)=" + errno_of(::syscall(SYS_dup, 999));
        return out;
    });
    REQUIRE(rep.exited_ok());
    auto e = [](int v) { return std::to_string(v); };
    CHECK(rep.output == "getprio(pgrp,12345)=" + e(EDOM) + " getprio(pgrp,0)=ok getprio(proc,12345)=" + e(ESRCH) +
                            " setprio(pgrp)=" + e(ERANGE) + " setprio(user)=" + e(ERANGE) +
                            " setprio(proc)=ok umask(0x12)=" + e(ENOTTY) + " umask(0x22)=ok dup(2000)=" +
                            e(EBADE) + " dup(999)=" + e(EBADF));
}

TEST_CASE("SCMP_ACT_KILL_PROCESS kills the process", "[seccomp][real]") {
    specs::LinuxSeccomp sc;
    sc.default_action = "SCMP_ACT_ALLOW";
    sc.syscalls = {call({"getppid"}, "SCMP_ACT_KILL_PROCESS")};
    auto plan = plan_for(sc, true);
    auto rep = run_in_child([&]() -> std::string {
        if (auto r = prepare_for_user_switch(plan); !r) return r.error().text();
        if (auto r = finish(plan); !r) return r.error().text();
        ::syscall(SYS_getppid);
        return "survived";
    });
    REQUIRE(WIFSIGNALED(rep.status));
    CHECK(WTERMSIG(rep.status) == SIGSYS);
    CHECK(rep.output.empty());
}

TEST_CASE("a notify listener receives the fd and answers for the container", "[seccomp][real]") {
    char dir_template[] = "/tmp/cort-notify-XXXXXX";
    REQUIRE(::mkdtemp(dir_template) != nullptr);
    std::string dir = dir_template;
    std::string path = dir + "/listener.sock";
    lc::ScopeExit cleanup([&] {
        ::unlink(path.c_str());
        ::rmdir(dir.c_str());
    });
    lc::UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(listener);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path.c_str());
    REQUIRE(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listener.get(), 1) == 0);

    specs::LinuxSeccomp sc;
    sc.default_action = "SCMP_ACT_ALLOW";
    sc.syscalls = {call({"getppid"}, "SCMP_ACT_NOTIFY")};
    sc.listener_path = path;
    sc.listener_metadata = "test-metadata";
    auto plan = plan_for(sc, true);

    // The child reports over a pipe; its EOF also tells the parent the child is gone, so no
    // step below can block forever on a child that failed early.
    int report[2];
    REQUIRE(::pipe2(report, O_CLOEXEC) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(report[0]);
        std::string out;
        auto fd = [&]() -> lc::Result<lc::UniqueFd> {
            TRY(prepare_for_user_switch(plan));
            return finish(plan);
        }();
        if (!fd) {
            out = fd.error().text();
        } else {
            ContainerProcessState st;
            st.pid = ::getpid();
            st.metadata = plan.seccomp->listener_metadata;
            st.state.id = "notify-test";
            st.state.status = "creating";
            st.state.pid = ::getpid();
            st.state.bundle = "/bundle";
            auto sent = send_seccomp_listener_fd(plan.seccomp->listener_path, fd->get(), st);
            fd->reset();
            out = sent ? "getppid=" + std::to_string(::syscall(SYS_getppid)) : sent.error().text();
        }
        (void)!::write(report[1], out.data(), out.size());
        ::_exit(0);
    }
    ::close(report[1]);
    lc::UniqueFd report_fd(report[0]);

    auto wait_readable = [&](int fd) {
        pollfd p[2] = {{fd, POLLIN, 0}, {report_fd.get(), POLLIN, 0}};
        while (::poll(p, 2, -1) < 0 && errno == EINTR) {
        }
        return (p[0].revents & POLLIN) != 0;
    };
    auto child_output = [&]() {
        std::string out;
        char buf[512];
        ssize_t n;
        while ((n = ::read(report_fd.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
        int status = 0;
        ::waitpid(pid, &status, 0);
        return out;
    };

    if (!wait_readable(listener.get())) FAIL("child gave up before connecting: " << child_output());
    lc::UniqueFd conn(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    REQUIRE(conn);
    char data[8192];
    iovec iov{data, sizeof data};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(conn.get(), &msg, MSG_CMSG_CLOEXEC);
    REQUIRE(n > 0);
    cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    REQUIRE(cm != nullptr);
    REQUIRE(cm->cmsg_type == SCM_RIGHTS);
    int raw_fd;
    std::memcpy(&raw_fd, CMSG_DATA(cm), sizeof raw_fd);
    lc::UniqueFd notify_fd(raw_fd);
    std::string payload(data, static_cast<size_t>(n));
    // The rest of the JSON, if the stream split it.
    while ((n = ::read(conn.get(), data, sizeof data)) > 0) payload.append(data, static_cast<size_t>(n));

    auto j = nlohmann::json::parse(payload);
    CHECK(j["ociVersion"] == "1.3.0");
    CHECK(j["fds"] == nlohmann::json::array({"seccompFd"}));
    CHECK(j["pid"] == pid);
    CHECK(j["metadata"] == "test-metadata");
    CHECK(j["state"]["id"] == "notify-test");
    CHECK(j["state"]["pid"] == pid);

    if (!wait_readable(notify_fd.get())) FAIL("child gone before the notification: " << child_output());
    seccomp_notif req{};
    REQUIRE(::ioctl(notify_fd.get(), SECCOMP_IOCTL_NOTIF_RECV, &req) == 0);
    CHECK(req.pid == static_cast<uint32_t>(pid));
    CHECK(req.data.nr == SYS_getppid);
    seccomp_notif_resp resp{};
    resp.id = req.id;
    resp.val = 4242;
    resp.error = 0;
    REQUIRE(::ioctl(notify_fd.get(), SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0);

    CHECK(child_output() == "getppid=4242");
}
