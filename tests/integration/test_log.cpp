// --log / --log-format json: containerd (go-runc getLastRuntimeError) decodes every line into
// {level, msg, time} and reports the msg of the last "error" line, so every line must be one
// JSON object with an RFC3339 time, and a failure must end in an explanatory "error" line.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>

using namespace itest;

namespace {

const std::regex kRfc3339(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$)");

std::vector<json> json_lines(const std::string& file) {
    std::vector<json> res;
    for (auto& l : split_lines(read_file(file))) {
        if (trim(l).empty()) continue;
        INFO("log line: " << l);
        json j = json::parse(l, nullptr, false);
        CHECK_FALSE(j.is_discarded());
        if (!j.is_discarded()) res.push_back(j);
    }
    return res;
}

// What containerd would report: the msg of the last line whose level is "error".
std::string last_error(const std::vector<json>& lines) {
    std::string msg;
    for (auto& j : lines)
        if (j.value("level", "") == "error") msg = j.value("msg", "");
    return msg;
}

}  // namespace

TEST_CASE("--log-format json: a failing create ends in an error line", "[log]") {
    Bundle b;
    b.config["root"]["path"] = "no-such-rootfs";
    b.save();
    std::string log = b.path() + "/log.json";
    std::string id = unique_id("logjson");
    ContainerGuard g(id);
    RunOptions o;
    o.cwd = b.path();
    auto r = rt_global({"--log", log, "--log-format", "json"}, {"create", "--bundle", b.path(), id}, o);
    INFO(r.describe() << "\n--- log ---\n" << read_file(log));
    REQUIRE(r.exit_code != 0);
    auto lines = json_lines(log);
    REQUIRE_FALSE(lines.empty());

    SECTION("every line has level, msg and an RFC3339 time") {
        for (auto& j : lines) {
            INFO(j.dump());
            CHECK(j["level"].is_string());
            CHECK(j["msg"].is_string());
            REQUIRE(j["time"].is_string());
            CHECK(std::regex_match(j["time"].get<std::string>(), kRfc3339));
        }
    }
    SECTION("the last error line explains the failure") {
        auto msg = last_error(lines);
        CHECK(msg.find("no-such-rootfs") != std::string::npos);
    }
    SECTION("the last line is the error") { CHECK(lines.back()["level"] == "error"); }
    assert_nothing_left(id, b.path());
}

TEST_CASE("--log-format json: an unknown namespace names the field", "[log][cort-only]") {
    CORT_ONLY();
    Bundle b;
    b.config["linux"]["namespaces"][2]["type"] = "pdi";
    b.save();
    std::string log = b.path() + "/log.json";
    std::string id = unique_id("logns");
    ContainerGuard g(id);
    auto r = rt_global({"--log", log, "--log-format", "json"}, {"create", "--bundle", b.path(), id});
    REQUIRE(r.exit_code != 0);
    auto msg = last_error(json_lines(log));
    CHECK(msg.find("linux.namespaces[2].type") != std::string::npos);
    CHECK(msg.find("pdi") != std::string::npos);
}

TEST_CASE("--log-format json with --debug on a successful run stays one object per line",
          "[log]") {
    Bundle b;
    std::string log = b.path() + "/log.json";
    std::string id = unique_id("logdebug");
    ContainerGuard g(id);
    auto r = rt_global({"--debug", "--log", log, "--log-format", "json"},
                       {"run", "--bundle", b.path(), id});
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    auto lines = json_lines(log);
    for (auto& j : lines) {
        INFO(j.dump());
        CHECK(j["level"] != "error");
        REQUIRE(j["time"].is_string());
        CHECK(std::regex_match(j["time"].get<std::string>(), kRfc3339));
    }
}

TEST_CASE("--log in text format gets the error too", "[log]") {
    Bundle b;
    b.config["root"]["path"] = "no-such-rootfs";
    b.save();
    std::string log = b.path() + "/log.txt";
    std::string id = unique_id("logtext");
    ContainerGuard g(id);
    auto r = rt_global({"--log", log}, {"create", "--bundle", b.path(), id});
    REQUIRE(r.exit_code != 0);
    // runc's (logrus) text lines, which log scrapers parse: time="..." level=... msg=...
    const std::regex kLogrus(
        R"re(^time="\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})" level=(debug|info|warning|error) msg=.*$)re");
    bool error_line = false;
    for (const auto& l : split_lines(read_file(log))) {
        if (trim(l).empty()) continue;
        INFO("log line: " << l);
        CHECK(std::regex_match(l, kLogrus));
        if (l.find(" level=error msg=\"") != std::string::npos && l.find("no-such-rootfs") != std::string::npos)
            error_line = true;
    }
    CHECK(error_line);
}

TEST_CASE("--debug reaches --log from the container's own stages", "[log][cort-only]") {
    CORT_ONLY();  // the phase names are cort's
    Bundle b;
    b.set_args({"sleep", "100000"});
    std::string log = b.path() + "/log.json";
    std::string id = unique_id("logstages");
    ContainerGuard g(id);
    auto c = rt_global({"--debug", "--log", log, "--log-format", "json"}, {"create", "--bundle", b.path(), id});
    INFO(c.describe());
    REQUIRE(c.exit_code == 0);
    REQUIRE(rt({"start", id}).exit_code == 0);
    auto e = rt_global({"--debug", "--log", log, "--log-format", "json"}, {"exec", id, "true"});
    INFO(e.describe());
    REQUIRE(e.exit_code == 0);
    std::vector<std::string> phases;
    for (auto& j : json_lines(log)) {
        std::string msg = j.value("msg", "");
        if (msg.rfind("phase ", 0) == 0 && j.value("level", "") == "debug")
            phases.push_back(msg.substr(6, msg.find(" +") - 6));
    }
    INFO("phases: " << json(phases).dump());
    for (const char* p : {"init rootfs", "init finalize rootfs", "init ready", "exec process ready"})
        CHECK(std::find(phases.begin(), phases.end(), p) != phases.end());
}
