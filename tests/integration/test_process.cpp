// process.* of the config, observed from inside the container.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace itest;

namespace {

// "Key:\tvalue" from /proc/self/status as the container's process sees it.
std::string status_field(Bundle& b, const std::string& key) {
    for (auto& l : split_lines(output_of(b, {"cat", "/proc/self/status"})))
        if (l.rfind(key + ":", 0) == 0) return trim(l.substr(key.size() + 1));
    return "";
}

}  // namespace

TEST_CASE("process.args reach the process unchanged", "[process]") {
    Bundle b;
    auto out = output_of(b, {"sh", "-c", "printf '[%s]' \"$@\"", "argv0", "a", "b c", "", "$HOME"});
    CHECK(out == "[a][b c][][$HOME]");
}

TEST_CASE("process.env", "[process]") {
    Bundle b;
    b.config["process"]["env"] = {"PATH=/bin", "FOO=bar baz", "EMPTY="};
    auto lines = split_lines(output_of(b, {"env"}));
    auto has = [&](const std::string& kv) {
        return std::find(lines.begin(), lines.end(), kv) != lines.end();
    };
    SECTION("FOO") { CHECK(has("FOO=bar baz")); }
    SECTION("EMPTY") { CHECK(has("EMPTY=")); }
    SECTION("PATH") { CHECK(has("PATH=/bin")); }
    SECTION("TERM from the default config is gone") { CHECK_FALSE(has("TERM=xterm")); }
}

TEST_CASE("process.cwd", "[process]") {
    Bundle b;
    b.config["process"]["cwd"] = "/etc";
    CHECK(output_of(b, {"pwd"}) == "/etc\n");
}

TEST_CASE("process.user: uid, gid, additionalGids", "[process][user]") {
    Bundle b;
    b.config["process"]["user"] = {{"uid", 1000}, {"gid", 1000}, {"additionalGids", {5, 65534}}};
    SECTION("uid") { CHECK(trim(output_of(b, {"id", "-u"})) == "1000"); }
    SECTION("gid") { CHECK(trim(output_of(b, {"id", "-g"})) == "1000"); }
    SECTION("groups") {
        auto g = split_lines(output_of(b, {"sh", "-c", "id -G | tr ' ' '\\n'"}));
        std::sort(g.begin(), g.end());
        CHECK(g == std::vector<std::string>{"1000", "5", "65534"});
    }
    SECTION("names come from the rootfs's /etc/passwd") {
        CHECK(trim(output_of(b, {"id", "-un"})) == "tester");
    }
}

TEST_CASE("process.user.umask", "[process][user]") {
    Bundle b;
    b.config["process"]["user"]["umask"] = 027;
    CHECK(trim(output_of(b, {"sh", "-c", "umask"})) == "0027");
}

TEST_CASE("process.rlimits", "[process]") {
    Bundle b;
    b.config["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 512}, {"hard", 2048}},
                                      {{"type", "RLIMIT_NPROC"}, {"soft", 300}, {"hard", 400}}};
    SECTION("soft NOFILE") { CHECK(trim(output_of(b, {"sh", "-c", "ulimit -n"})) == "512"); }
    SECTION("hard NOFILE") { CHECK(trim(output_of(b, {"sh", "-c", "ulimit -Hn"})) == "2048"); }
    SECTION("soft NPROC") { CHECK(trim(output_of(b, {"sh", "-c", "ulimit -u"})) == "300"); }
}

TEST_CASE("process.noNewPrivileges", "[process]") {
    Bundle b;
    SECTION("true") {
        b.config["process"]["noNewPrivileges"] = true;
        CHECK(status_field(b, "NoNewPrivs") == "1");
    }
    SECTION("false") {
        b.config["process"]["noNewPrivileges"] = false;
        CHECK(status_field(b, "NoNewPrivs") == "0");
    }
}

TEST_CASE("process.oomScoreAdj", "[process]") {
    Bundle b;
    b.config["process"]["oomScoreAdj"] = 500;
    CHECK(trim(output_of(b, {"cat", "/proc/self/oom_score_adj"})) == "500");
}

TEST_CASE("the container process is pid 1 of its pid namespace", "[process]") {
    Bundle b;
    CHECK(trim(output_of(b, {"sh", "-c", "echo $$"})) == "1");
}

TEST_CASE("stdin passes through with terminal=false", "[process]") {
    Bundle b;
    b.set_args({"cat"});
    std::string id = unique_id("stdin");
    ContainerGuard g(id);
    RunOptions o;
    o.stdin_data = "line one\nline two\n";
    auto r = run(b, id, {}, o);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "line one\nline two\n");
}

TEST_CASE("a missing absolute process.args[0] fails with Go's lowercase errno text", "[process][bad-input]") {
    // Docker maps the runtime's error to the exit code by a case-sensitive match on "no such
    // file or directory" (127) and "permission denied" (126): libc's "No such ..." gave 125.
    Bundle b;
    b.set_args({"/no/such/binary"});
    std::string id = unique_id("abs-nobin");
    ContainerGuard g(id);
    auto r = rt({"run", "--bundle", b.path(), id});
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("stat /no/such/binary: no such file or directory") != std::string::npos);
}
