#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "bootstrap/channel.hpp"

using namespace lc::bootstrap;

TEST_CASE("channel: typed message with payload and an fd arrives whole, fd CLOEXEC", "[channel]") {
    auto pair = Channel::make_pair();
    REQUIRE(pair.ok());
    auto& [a, b] = *pair;
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    REQUIRE(a.send(MsgType::InitPid, "4242", 7, {fds[1]}).ok());
    auto m = b.recv();
    REQUIRE(m.ok());
    CHECK(m->type == MsgType::InitPid);
    CHECK(m->payload == "4242");
    CHECK(m->code == 7);
    REQUIRE(m->fds.size() == 1);
    CHECK((::fcntl(m->fds[0].get(), F_GETFD) & FD_CLOEXEC) != 0);
    // The received fd is the pipe's write end.
    REQUIRE(::write(m->fds[0].get(), "x", 1) == 1);
    char c = 0;
    REQUIRE(::read(fds[0], &c, 1) == 1);
    CHECK(c == 'x');
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST_CASE("channel: expect turns a peer Error into this side's error", "[channel]") {
    auto pair = Channel::make_pair();
    REQUIRE(pair.ok());
    auto& [a, b] = *pair;
    REQUIRE(a.send_error(lc::Error(EPERM, "mount proc to /proc")).ok());
    auto r = b.expect(MsgType::Ready);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == EPERM);
    CHECK(r.error().text() == "mount proc to /proc: Operation not permitted");
}

TEST_CASE("channel: unexpected type and EOF are named", "[channel]") {
    auto pair = Channel::make_pair();
    REQUIRE(pair.ok());
    auto& [a, b] = *pair;
    REQUIRE(a.send(MsgType::Run).ok());
    auto r = b.expect(MsgType::Ready);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text().find("expected ready, got run") != std::string::npos);
    a.close();
    auto eof = b.recv();
    REQUIRE_FALSE(eof.ok());
    CHECK(eof.error().code == EPIPE);
}
