#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>
#include <unistd.h>

#include "full_config.hpp"
#include "specs/json.hpp"
#include "specs/validate.hpp"

namespace {

// The message of a failed parse, or "" when it unexpectedly succeeded.
template <typename R>
std::string error_of(const R& r) {
    return r.ok() ? std::string() : r.error().text();
}

std::string parse_error(const std::string& text) { return error_of(specs::parse_config(text)); }

// A minimal valid config with `extra` spliced into the top-level object.
std::string config_with(const std::string& extra) {
    return R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"},
               "process": {"args": ["sh"], "cwd": "/"})" +
           (extra.empty() ? std::string() : ", " + extra) + "}";
}

}  // namespace

TEST_CASE("full config round-trips without losing a field", "[specs][json]") {
    auto spec = specs::parse_config(kFullConfig);
    REQUIRE(error_of(spec) == "");
    std::string out = specs::to_json_string(*spec);
    // Every key we read is written back under the same name with the same value.
    CHECK(nlohmann::json::parse(out) == nlohmann::json::parse(kFullConfig));
    auto again = specs::parse_config(out);
    REQUIRE(again.ok());
    CHECK(specs::to_json_string(*again, true) == specs::to_json_string(*spec, true));
}

TEST_CASE("full config values land in the right fields", "[specs][json]") {
    auto spec = specs::parse_config(kFullConfig);
    REQUIRE(spec.ok());
    const auto& p = *spec->process;
    CHECK(p.user.uid == 1000);
    CHECK(p.user.umask == 18u);
    CHECK(p.user.additional_gids == std::vector<uint32_t>{5, 6});
    CHECK(p.rlimits[1].hard == UINT64_MAX);
    CHECK(p.oom_score_adj == -500);
    CHECK(p.io_priority->io_class == "IOPRIO_CLASS_BE");
    CHECK(p.exec_cpu_affinity->final_ == "0-1");
    CHECK(p.capabilities->inheritable.has_value());
    CHECK(p.capabilities->inheritable->empty());
    const auto& l = *spec->linux;
    CHECK(l.resources->memory->swap == -1);
    CHECK(l.resources->memory->use_hierarchy == false);
    CHECK(l.resources->cpu->quota == -1);
    CHECK(l.resources->block_io->throttle_write_iops_device[0].rate == 4);
    CHECK(l.resources->rdma.at("mlx5_1").hca_objects == 10000u);
    CHECK(l.time_offsets.at("monotonic").secs == -86400);
    CHECK(l.namespaces[1].path == "/var/run/netns/x");
    CHECK(l.seccomp->syscalls[1].args[0].value_two == 8);
    CHECK(l.net_devices.at("eth1").name == "ceth1");
    CHECK(l.memory_policy->nodes == "0-1");
    CHECK(spec->hooks->prestart[0].timeout == 5);
    CHECK(spec->annotations.at("org.example.key") == "value");
}

TEST_CASE("runc's default spec parses and validates", "[specs][json]") {
    char dir[] = "/tmp/cort-specs-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    std::string cmd = std::string("cd ") + dir + " && runc spec 2>/dev/null";
    if (std::system(cmd.c_str()) != 0) {
        rmdir(dir);
        WARN("runc not installed; skipped");
        return;
    }
    std::string path = std::string(dir) + "/config.json";
    auto spec = specs::load_config(path);
    unlink(path.c_str());
    rmdir(dir);
    REQUIRE(error_of(spec) == "");
    CHECK(spec->oci_version == "1.0.2-dev");
    CHECK(spec->process->terminal);
    CHECK(spec->mounts.size() == 7);
    CHECK(spec->linux->masked_paths.size() == 10);
    CHECK(error_of(specs::validate(*spec)) == "");
}

TEST_CASE("default_spec matches runc spec apart from ociVersion", "[specs][json]") {
    auto ours = nlohmann::json::parse(specs::to_json_string(specs::default_spec(false)));
    CHECK(ours["ociVersion"] == "1.2.0");
    CHECK(ours["process"]["args"] == nlohmann::json::array({"sh"}));
    CHECK(ours["process"]["terminal"] == true);
    CHECK(ours["process"]["rlimits"][0]["hard"] == 1024);
    CHECK(ours["linux"]["resources"]["devices"][0]["access"] == "rwm");
    CHECK(ours["mounts"][2]["options"].back() == "gid=5");
    auto rootless = nlohmann::json::parse(specs::to_json_string(specs::default_spec(true)));
    CHECK(rootless["linux"]["uidMappings"][0]["hostID"] == geteuid());
    CHECK(!rootless["linux"].contains("resources"));
    CHECK(rootless["mounts"][5]["options"][0] == "rbind");
    CHECK(rootless["linux"]["namespaces"].back()["type"] == "user");
}

TEST_CASE("pretty output uses runc's tab indentation and spec key order", "[specs][json]") {
    std::string out = specs::to_json_string(specs::default_spec(false), true);
    CHECK(out.rfind("{\n\t\"ociVersion\": \"1.2.0\",\n\t\"process\": {\n\t\t\"terminal\": true", 0) == 0);
    CHECK(out.find("\"type\": \"RLIMIT_NOFILE\",\n\t\t\t\t\"hard\"") != std::string::npos);
}

TEST_CASE("parse errors name the JSON path and the reason", "[specs][json]") {
    struct Case {
        std::string text;
        std::string message;
    };
    const Case cases[] = {
        {R"({"root": {"path": "r"}})", "ociVersion: missing required field"},
        {R"({"ociVersion": 1})", "ociVersion: expected string, got integer"},
        {R"([1, 2])", "expected object, got array"},
        {config_with(R"("root": {"readonly": true})"), "root.path: missing required field"},
        {R"({"ociVersion": "1.0.0", "process": {"args": ["sh"]}})",
         "process.cwd: missing required field"},
        {R"({"ociVersion": "1.0.0", "process": {"cwd": "/"}})",
         "process.args: missing required field"},
        {config_with(R"("mounts": [{"destination": "/a"}, {"type": "tmpfs"}])"),
         "mounts[1].destination: missing required field"},
        {config_with(R"("mounts": {"destination": "/a"})"), "mounts: expected array, got object"},
        {config_with(R"("linux": {"namespaces": [{"type": "pid"}, {"type": "uts"}, {"type": "pdi"}]})"),
         "linux.namespaces[2].type: unknown namespace \"pdi\""},
        {config_with(R"("linux": {"namespaces": [{"path": "/x"}]})"),
         "linux.namespaces[0].type: missing required field"},
        {config_with(R"("linux": {"resources": {"memory": {"limit": "1G"}}})"),
         "linux.resources.memory.limit: expected integer, got string"},
        {config_with(R"("linux": {"resources": {"memory": {"limit": 1.5}}})"),
         "linux.resources.memory.limit: expected integer, got number 1.5"},
        {config_with(R"("linux": {"resources": {"memory": {"limit": 9223372036854775808}}})"),
         "linux.resources.memory.limit: value 9223372036854775808 out of range"},
        {config_with(R"("linux": {"resources": {"cpu": {"shares": -2}}})"),
         "linux.resources.cpu.shares: value -2 out of range (0 to 18446744073709551615)"},
        {config_with(R"("linux": {"resources": {"memory": {"swappiness": 1e30}}})"),
         "linux.resources.memory.swappiness: value 1e+30 out of range"},
        {config_with(R"("linux": {"resources": {"pids": {}}})"),
         "linux.resources.pids.limit: missing required field"},
        {config_with(R"("linux": {"devices": [{"type": "x", "path": "/dev/x"}]})"),
         "linux.devices[0].type: unknown device type \"x\""},
        {config_with(R"("linux": {"devices": [{"type": "c"}]})"),
         "linux.devices[0].path: missing required field"},
        {config_with(R"("linux": {"sysctl": {"net.x": 1}})"),
         "linux.sysctl[\"net.x\"]: expected string, got integer"},
        {config_with(R"("linux": {"uidMappings": [{"containerID": 0, "hostID": 0}]})"),
         "linux.uidMappings[0].size: missing required field"},
        {config_with(R"("hooks": {"poststart": [{"args": ["x"]}]})"),
         "hooks.poststart[0].path: missing required field"},
        {config_with(R"("hooks": {"prestart": [{"path": "/x", "timeout": "5"}]})"),
         "hooks.prestart[0].timeout: expected integer, got string"},
        {config_with(R"("annotations": {"a": true})"),
         "annotations[\"a\"]: expected string, got boolean"},
        {config_with(R"("linux": {"seccomp": {"syscalls": []}})"),
         "linux.seccomp.defaultAction: missing required field"},
        {config_with(R"("linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["a"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1}]}]}})"),
         "linux.seccomp.syscalls[0].args[0].op: missing required field"},
        {config_with(R"("linux": {"timeOffsets": {"monotonic": {"nanosecs": -1}}})"),
         "linux.timeOffsets[\"monotonic\"].nanosecs: value -1 out of range"},
        {config_with(R"("process": {"args": ["sh"], "cwd": "/", "terminal": "yes"})"),
         "process.terminal: expected boolean, got string"},
        {config_with(R"("process": {"args": ["sh", 7], "cwd": "/"})"),
         "process.args[1]: expected string, got integer"},
        {config_with(R"("process": {"args": ["sh"], "cwd": "/", "oomScoreAdj": 2147483648})"),
         "process.oomScoreAdj: value 2147483648 out of range (-2147483648 to 2147483647)"},
        {config_with(R"("linux": {"resources": {"blockIO": {"weight": 70000}}})"),
         "linux.resources.blockIO.weight: value 70000 out of range (0 to 65535)"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        std::string err = parse_error(c.text);
        CHECK_THAT(err, Catch::StartsWith(c.message));
    }
}

TEST_CASE("ids outside uint32 are rejected with the field name", "[specs][json]") {
    CHECK(parse_error(config_with(R"("process": {"args": ["sh"], "cwd": "/", "user": {"uid": -1}})")) ==
          "process.user.uid: value -1 out of range (0 to 4294967295)");
    CHECK(parse_error(config_with(R"("process": {"args": ["sh"], "cwd": "/", "user": {"uid": 0, "gid": 4294967296}})")) ==
          "process.user.gid: value 4294967296 out of range (0 to 4294967295)");
    CHECK(parse_error(config_with(R"("process": {"args": ["sh"], "cwd": "/", "user": {"additionalGids": [1, -5]}})")) ==
          "process.user.additionalGids[1]: value -5 out of range (0 to 4294967295)");
    auto ok = specs::parse_config(config_with(R"("process": {"args": ["sh"], "cwd": "/", "user": {"uid": 4294967295}})"));
    REQUIRE(ok.ok());
    CHECK(ok->process->user.uid == 4294967295u);
}

TEST_CASE("malformed and truncated JSON report line and column", "[specs][json]") {
    std::string err = parse_error("{\n  \"ociVersion\": \"1.0.0\",\n  \"process\" {\n}");
    CHECK_THAT(err, Catch::StartsWith("malformed JSON at line 3, column 13: "));
    std::string full = kFullConfig;
    for (size_t cut : {size_t(0), size_t(1), full.size() / 3, full.size() / 2, full.size() - 2}) {
        INFO(cut);
        CHECK_THAT(parse_error(full.substr(0, cut)), Catch::StartsWith("malformed JSON at line "));
    }
    CHECK_THAT(parse_error("{\"ociVersion\": \"1.0.0\"} trailing"),
               Catch::StartsWith("malformed JSON at line 1, column "));
    CHECK_THAT(parse_error("{\"ociVersion\": \"\xff\"}"), Catch::StartsWith("malformed JSON"));
}

TEST_CASE("unknown keys are ignored and null reads as absent", "[specs][json]") {
    auto spec = specs::parse_config(config_with(
        R"("futureField": {"x": [1, 2]}, "windows": {"layerFolders": []}, "hostname": null,
           "linux": {"resources": null, "namespaces": [{"type": "pid", "newThing": 1}]})"));
    REQUIRE(error_of(spec) == "");
    CHECK(!spec->hostname);
    CHECK(!spec->linux->resources);
    CHECK(spec->linux->namespaces.size() == 1);
}

TEST_CASE("load_config prefixes errors with the file path", "[specs][json]") {
    auto missing = specs::load_config("/nonexistent/config.json");
    CHECK(error_of(missing) == "open `/nonexistent/config.json`: No such file or directory");
    char path[] = "/tmp/cort-config-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    const char bad[] = "{\"ociVersion\": 2}";
    REQUIRE(write(fd, bad, sizeof bad - 1) == ssize_t(sizeof bad - 1));
    close(fd);
    CHECK(error_of(specs::load_config(path)) ==
          std::string(path) + ": ociVersion: expected string, got integer");
    unlink(path);
}

TEST_CASE("process, resources and hooks documents parse on their own", "[specs][json]") {
    auto p = specs::parse_process(R"({"args": ["ls", "-l"], "cwd": "/tmp", "env": ["A=B"],
                                      "user": {"uid": 5, "gid": 6}})");
    REQUIRE(error_of(p) == "");
    CHECK(p->args.size() == 2);
    CHECK(p->user.gid == 6);
    CHECK(error_of(specs::parse_process(R"({"args": ["ls"]})")) == "cwd: missing required field");

    auto r = specs::parse_resources(R"({"memory": {"limit": 1048576, "swap": -1},
                                        "cpu": {"quota": 50000, "period": 100000},
                                        "pids": {"limit": -1}})");
    REQUIRE(error_of(r) == "");
    CHECK(r->memory->limit == 1048576);
    CHECK(r->pids->limit == -1);
    auto r2 = specs::parse_resources(specs::to_json_string(*r));
    REQUIRE(r2.ok());
    CHECK(specs::to_json_string(*r2) == specs::to_json_string(*r));
    CHECK(error_of(specs::parse_resources(R"({"cpu": {"shares": "x"}})")) ==
          "cpu.shares: expected integer, got string");

    auto full = specs::parse_config(kFullConfig);
    REQUIRE(full.ok());
    std::string hooks_text = specs::to_json_string(*full->hooks);
    auto h = specs::parse_hooks(hooks_text);
    REQUIRE(error_of(h) == "");
    CHECK(specs::to_json_string(*h) == hooks_text);
    CHECK(h->poststop[0].timeout == 1);
    CHECK(error_of(specs::parse_hooks(R"({"poststop": [{}]})")) ==
          "poststop[0].path: missing required field");
}
