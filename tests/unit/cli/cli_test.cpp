#include <signal.h>

#include <catch2/catch.hpp>

#include "cli.hpp"
#include "early_entry.hpp"

using namespace cort;

static const std::vector<FlagSpec> kFlags = {
    {{"bundle", "b"}, true, ""}, {{"detach", "d"}, false, ""}, {{"pid-file"}, true, ""}};

TEST_CASE("cli: runc's flag spellings", "[cli]") {
    std::vector<std::string> args = {"run", "--bundle", "/b", "-d", "--pid-file=/p", "id"};
    auto a = parse_args(kFlags, args, 1);
    REQUIRE(a.ok());
    CHECK(a->get("bundle") == "/b");
    CHECK(a->has("detach"));
    CHECK(a->get("pid-file") == "/p");
    CHECK(a->positional == std::vector<std::string>{"id"});

    auto single_dash = parse_args(kFlags, {"x", "-bundle", "/c", "-b=/d", "id"}, 1);
    REQUIRE(single_dash.ok());
    CHECK(single_dash->get("bundle") == "/d");

    auto boolean = parse_args(kFlags, {"x", "--detach=false", "id"}, 1);
    REQUIRE(boolean.ok());
    CHECK_FALSE(boolean->has("detach"));
}

TEST_CASE("cli: flags stop at the first positional argument unless told otherwise", "[cli]") {
    auto a = parse_args(kFlags, {"exec", "id", "sh", "-c", "x"}, 1);
    REQUIRE(a.ok());
    CHECK(a->positional == std::vector<std::string>{"id", "sh", "-c", "x"});
    auto b = parse_args(kFlags, {"x", "--", "-d"}, 1);
    REQUIRE(b.ok());
    CHECK(b->positional == std::vector<std::string>{"-d"});
}

TEST_CASE("cli: urfave/cli's reordering moves known flags (and their values) first", "[cli]") {
    using V = std::vector<std::string>;
    CHECK(reorder_args(kFlags, {"run", "id", "--bundle", "/b", "-d"}, 1) == V{"--bundle", "/b", "-d", "id"});
    CHECK(reorder_args(kFlags, {"run", "id", "--pid-file=/p", "x"}, 1) == V{"--pid-file=/p", "id", "x"});
    // An unknown flag stays in place; after the id it is positional.
    CHECK(reorder_args(kFlags, {"run", "id", "--nope", "-d"}, 1) == V{"-d", "id", "--nope"});
    // "--" ends the reordering and leads what was not moved.
    CHECK(reorder_args(kFlags, {"run", "id", "--", "-d"}, 1) == V{"--", "id", "-d"});
    // A value is taken as is, even "--" (Go's flag package does the same).
    CHECK(reorder_args(kFlags, {"run", "id", "-b", "--"}, 1) == V{"-b", "--", "id"});
    // Deliberate difference: a boolean flag does not pull the next argument.
    CHECK(reorder_args(kFlags, {"run", "-d", "id", "-b", "/b"}, 1) == V{"-d", "-b", "/b", "id"});
    auto a = parse_args(kFlags, reorder_args(kFlags, {"run", "id", "-d", "--bundle", "/b"}, 1), 0);
    REQUIRE(a.ok());
    CHECK(a->has("detach"));
    CHECK(a->get("bundle") == "/b");
    CHECK(a->positional == V{"id"});
}

TEST_CASE("cli: errors name the flag", "[cli]") {
    auto unknown = parse_args(kFlags, {"x", "--nope", "id"}, 1);
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().text() == "flag provided but not defined: -nope");
    auto missing = parse_args(kFlags, {"x", "--bundle"}, 1);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().text() == "flag needs an argument: -bundle");
}

TEST_CASE("cli: signals by number and by name, with or without SIG", "[cli]") {
    CHECK(parse_signal("9") == SIGKILL);
    CHECK(parse_signal("KILL") == SIGKILL);
    CHECK(parse_signal("SIGKILL") == SIGKILL);
    CHECK(parse_signal("sigterm") == SIGTERM);
    CHECK(parse_signal("TERM") == SIGTERM);
    CHECK(parse_signal("USR1") == SIGUSR1);
    CHECK(parse_signal("0") == 0);  // kill ID 0: does the init exist?
    CHECK(parse_signal("NOPE") == -1);
    CHECK(parse_signal("99") == -1);
}

TEST_CASE("cli: early_verb finds the verb as main's flag parsing does", "[cli]") {
    auto verb = [](std::vector<const char*> v) -> std::string {
        v.insert(v.begin(), "cort");
        const char* r = early_verb(static_cast<int>(v.size()), const_cast<char* const*>(v.data()));
        return r ? r : "<none>";
    };
    CHECK(verb({"run", "-b", "x", "id"}) == "run");
    CHECK(verb({"--root", "/r", "create", "id"}) == "create");
    CHECK(verb({"--root=/r", "--debug", "exec", "id", "ls"}) == "exec");
    CHECK(verb({"-root", "run", "state", "id"}) == "state");  // "run" is --root's value
    CHECK(verb({"--log", "/l", "--log-format", "json", "--rootless", "true", "--criu", "c", "run"}) == "run");
    CHECK(verb({"--systemd-cgroup", "--", "run"}) == "run");
    CHECK(verb({"--help", "run"}) == "<none>");
    CHECK(verb({"-v"}) == "<none>");
    CHECK(verb({"--root"}) == "<none>");
    CHECK(verb({}) == "<none>");
}
