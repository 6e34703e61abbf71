#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "full_config.hpp"
#include "specs/json.hpp"
#include "specs/validate.hpp"

namespace {

std::string error_of(const lc::Result<void>& r) { return r.ok() ? std::string() : r.error().text(); }

// runc's default spec, which must validate, as the base each table row mutates.
specs::Spec base() { return specs::default_spec(false); }

}  // namespace

TEST_CASE("ociVersion acceptance table", "[specs][validate]") {
    for (const char* v : {"1.0.0", "1.0.2", "1.0.2-dev", "1.1.0", "1.1.0-rc.1", "1.2.0", "1.2.1",
                          "1.3.0", "1.3.7", "1.3.0+build.5", "1.0.0-rc5"}) {
        INFO(v);
        CHECK(error_of(specs::validate_version(v)) == "");
    }
    for (const char* v : {"2.0.0", "0.9.0", "1.4.0", "1.10.0", "3.1.0-rc.1"}) {
        INFO(v);
        CHECK(error_of(specs::validate_version(v)) ==
              std::string("ociVersion: unsupported version \"") + v +
                  "\" (supported: 1.0.0 to 1.3.x)");
    }
    for (const char* v : {"", "1", "1.0", "1.0.0.0", "v1.0.0", "1.x.0", "1..0", "a.b.c", "1.0.-1"}) {
        INFO(v);
        CHECK_THAT(error_of(specs::validate_version(v)),
                   Catch::StartsWith("ociVersion: invalid version \""));
    }
}

TEST_CASE("the full test config and both default specs validate", "[specs][validate]") {
    auto full = specs::parse_config(kFullConfig);
    REQUIRE(full.ok());
    CHECK(error_of(specs::validate(*full)) == "");
    CHECK(error_of(specs::validate(specs::default_spec(false))) == "");
    CHECK(error_of(specs::validate(specs::default_spec(true))) == "");
}

TEST_CASE("validation table: each rule names its field", "[specs][validate]") {
    using specs::Spec;
    struct Case {
        const char* name;
        std::function<void(Spec&)> mutate;
        std::string message;
    };
    auto ns = [](Spec& s, const char* type) { s.linux->namespaces.push_back({type, {}}); };
    auto drop_ns = [](Spec& s, const char* type) {
        std::erase_if(s.linux->namespaces, [&](const auto& n) { return n.type == type; });
    };
    const Case cases[] = {
        {"bad version", [](Spec& s) { s.oci_version = "2.0.0"; },
         "ociVersion: unsupported version \"2.0.0\" (supported: 1.0.0 to 1.3.x)"},
        {"no root", [](Spec& s) { s.root.reset(); }, "root: missing required field"},
        {"empty root path", [](Spec& s) { s.root->path.clear(); }, "root.path: must not be empty"},
        {"no process", [](Spec& s) { s.process.reset(); }, "process: missing required field"},
        {"no args", [](Spec& s) { s.process->args.clear(); }, "process.args: must not be empty"},
        {"relative cwd", [](Spec& s) { s.process->cwd = "work"; },
         "process.cwd: must be an absolute path, got \"work\""},
        {"unknown rlimit", [](Spec& s) { s.process->rlimits.push_back({"RLIMIT_FOO", 1, 1}); },
         "process.rlimits[1].type: unknown rlimit \"RLIMIT_FOO\""},
        {"duplicate rlimit", [](Spec& s) { s.process->rlimits.push_back({"RLIMIT_NOFILE", 1, 1}); },
         "process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\""},
        {"soft above hard", [](Spec& s) { s.process->rlimits[0].soft = 2048; },
         "process.rlimits[0]: soft limit 2048 exceeds hard limit 1024"},
        {"oom score", [](Spec& s) { s.process->oom_score_adj = 1001; },
         "process.oomScoreAdj: must be between -1000 and 1000, got 1001"},
        {"io class", [](Spec& s) { s.process->io_priority = specs::IOPriority{"RT", 1}; },
         "process.ioPriority.class: unknown class \"RT\""},
        {"relative mount", [](Spec& s) { s.mounts[3].destination = "proc"; },
         "mounts[3].destination: must be an absolute path, got \"proc\""},
        {"half idmapped mount", [](Spec& s) { s.mounts[0].uid_mappings.push_back({0, 1, 1}); },
         "mounts[0]: uidMappings and gidMappings must be given together"},
        {"hostname without uts", [&](Spec& s) { drop_ns(s, "uts"); },
         "hostname: requires a uts namespace"},
        {"domainname without uts", [&](Spec& s) { s.hostname.reset(); s.domainname = "d"; drop_ns(s, "uts"); },
         "domainname: requires a uts namespace"},
        {"unknown namespace", [&](Spec& s) { ns(s, "pdi"); },
         "linux.namespaces[5].type: unknown namespace \"pdi\""},
        {"duplicate namespace", [&](Spec& s) { ns(s, "pid"); },
         "linux.namespaces[5].type: duplicate namespace \"pid\""},
        {"relative ns path", [](Spec& s) { s.linux->namespaces[0].path = "ns/pid"; },
         "linux.namespaces[0].path: must be an absolute path, got \"ns/pid\""},
        {"uid map without userns", [](Spec& s) { s.linux->uid_mappings.push_back({0, 1000, 1}); },
         "linux.uidMappings: requires a user namespace"},
        {"gid map without userns", [](Spec& s) { s.linux->gid_mappings.push_back({0, 1000, 1}); },
         "linux.gidMappings: requires a user namespace"},
        {"overlapping container uids",
         [&](Spec& s) { ns(s, "user"); s.linux->uid_mappings = {{0, 100000, 65536}, {1000, 300000, 1}}; },
         "linux.uidMappings[1]: containerID range 1000-1000 overlaps linux.uidMappings[0] (0-65535)"},
        {"overlapping host gids",
         [&](Spec& s) { ns(s, "user"); s.linux->gid_mappings = {{0, 100000, 10}, {10, 100005, 10}}; },
         "linux.gidMappings[1]: hostID range 100005-100014 overlaps linux.gidMappings[0] (100000-100009)"},
        {"empty id range", [&](Spec& s) { ns(s, "user"); s.linux->uid_mappings = {{0, 100000, 0}}; },
         "linux.uidMappings[0].size: must be greater than zero"},
        {"id range past 2^32", [&](Spec& s) { ns(s, "user"); s.linux->uid_mappings = {{4294967295u, 1, 2}}; },
         "linux.uidMappings[0]: containerID range 4294967295-4294967296 exceeds 4294967295"},
        {"overlapping idmapped mount maps",
         [](Spec& s) {
             s.mounts[0].uid_mappings = {{0, 1000, 5}, {3, 2000, 5}};
             s.mounts[0].gid_mappings = {{0, 1000, 1}};
         },
         "mounts[0].uidMappings[1]: containerID range 3-7 overlaps mounts[0].uidMappings[0] (0-4)"},
        {"time offsets without timens", [](Spec& s) { s.linux->time_offsets["monotonic"] = {1, 0}; },
         "linux.timeOffsets: requires a time namespace"},
        {"unknown clock", [&](Spec& s) { ns(s, "time"); s.linux->time_offsets["realtime"] = {1, 0}; },
         "linux.timeOffsets[\"realtime\"]: unknown clock (expected monotonic or boottime)"},
        {"hook relative path",
         [](Spec& s) { s.hooks = specs::Hooks{}; s.hooks->poststart.push_back({"hook", {}, {}, {}}); },
         "hooks.poststart[0].path: must be an absolute path, got \"hook\""},
        {"hook zero timeout",
         [](Spec& s) {
             s.hooks = specs::Hooks{};
             s.hooks->create_runtime.push_back({"/a", {}, {}, 3});
             s.hooks->create_runtime.push_back({"/b", {}, {}, 0});
         },
         "hooks.createRuntime[1].timeout: must be greater than zero, got 0"},
        {"device type", [](Spec& s) { s.linux->devices.push_back({"x", "/dev/x", 1, 1, {}, {}, {}}); },
         "linux.devices[0].type: unknown device type \"x\" (expected c, b, u or p)"},
        {"device path", [](Spec& s) { s.linux->devices.push_back({"c", "dev/x", 1, 1, {}, {}, {}}); },
         "linux.devices[0].path: must be an absolute path, got \"dev/x\""},
        {"net sysctl without netns", [&](Spec& s) { drop_ns(s, "network"); s.linux->sysctl["net.ipv4.ip_forward"] = "1"; },
         "linux.sysctl[\"net.ipv4.ip_forward\"]: not allowed in the host's network namespace"},
        {"slash sysctl without netns", [&](Spec& s) { drop_ns(s, "network"); s.linux->sysctl["net/core/somaxconn"] = "1"; },
         "linux.sysctl[\"net/core/somaxconn\"]: not allowed in the host's network namespace"},
        {"ipc sysctl without ipcns", [&](Spec& s) { drop_ns(s, "ipc"); s.linux->sysctl["kernel.shmmax"] = "1"; },
         "linux.sysctl[\"kernel.shmmax\"]: requires an ipc namespace"},
        {"mqueue sysctl without ipcns", [&](Spec& s) { drop_ns(s, "ipc"); s.linux->sysctl["fs.mqueue.msg_max"] = "1"; },
         "linux.sysctl[\"fs.mqueue.msg_max\"]: requires an ipc namespace"},
        {"hostname sysctl without uts", [&](Spec& s) { s.hostname.reset(); drop_ns(s, "uts"); s.linux->sysctl["kernel.hostname"] = "h"; },
         "linux.sysctl[\"kernel.hostname\"]: requires a uts namespace"},
        {"hostname sysctl and field", [](Spec& s) { s.linux->sysctl["kernel.hostname"] = "h"; },
         "linux.sysctl[\"kernel.hostname\"]: conflicts with the hostname field (set hostname instead)"},
        // runc: refused with a uts namespace even without the hostname field.
        {"hostname sysctl without the field", [](Spec& s) { s.hostname.reset(); s.linux->sysctl["kernel.hostname"] = "h"; },
         "linux.sysctl[\"kernel.hostname\"]: conflicts with the hostname field (set hostname instead)"},
        {"domainname sysctl differing from the field",
         [](Spec& s) { s.domainname = "a.example"; s.linux->sysctl["kernel.domainname"] = "b.example"; },
         "linux.sysctl[\"kernel.domainname\"]: value \"b.example\" differs from the domainname field \"a.example\""},
        {"host-wide sysctl", [](Spec& s) { s.linux->sysctl["vm.swappiness"] = "1"; },
         "linux.sysctl[\"vm.swappiness\"]: not in a separate kernel namespace"},
        {"propagation", [](Spec& s) { s.linux->rootfs_propagation = "rwhatever"; },
         "linux.rootfsPropagation: unknown propagation \"rwhatever\""},
        {"masked path", [](Spec& s) { s.linux->masked_paths.push_back("proc/x"); },
         "linux.maskedPaths[10]: must be an absolute path, got \"proc/x\""},
        {"readonly path", [](Spec& s) { s.linux->readonly_paths[0] = ""; },
         "linux.readonlyPaths[0]: must not be empty"},
        {"personality", [](Spec& s) { s.linux->personality = specs::LinuxPersonality{"BSD", {}}; },
         "linux.personality.domain: unknown domain \"BSD\" (expected LINUX or LINUX32)"},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        Spec s = base();
        c.mutate(s);
        CHECK(error_of(specs::validate(s)) == c.message);
    }
}

TEST_CASE("validation accepts what runc accepts", "[specs][validate]") {
    specs::Spec s = base();
    s.linux->sysctl["net.ipv4.ip_forward"] = "1";
    s.linux->sysctl["kernel.msgmax"] = "8192";
    s.linux->sysctl["fs.mqueue.queues_max"] = "10";
    s.linux->sysctl["kernel.domainname"] = "example.org";  // no domainname field set
    CHECK(error_of(specs::validate(s)) == "");
    s.domainname = "example.org";  // the same value twice (crun refuses only a different one)
    s.linux->namespaces.push_back({"user", {}});
    s.linux->uid_mappings.push_back({0, 100000, 65536});
    s.linux->gid_mappings.push_back({0, 100000, 65536});
    s.linux->namespaces.push_back({"time", {}});
    s.linux->time_offsets["boottime"] = {-10, 999999999};
    s.linux->rootfs_propagation = "";  // empty means "runtime default"
    s.hostname = "";                   // empty hostname needs no uts namespace
    CHECK(error_of(specs::validate(s)) == "");
    CHECK(error_of(specs::validate_process(*s.process, "exec")) == "");
    s.process->cwd = "rel";
    CHECK(error_of(specs::validate_process(*s.process, "exec")) ==
          "exec.cwd: must be an absolute path, got \"rel\"");
}

TEST_CASE("process.env entries must be KEY=VALUE, as runc's init requires", "[specs][validate]") {
    specs::Spec s = base();
    s.process->env = {"PATH=/bin", "EMPTY=", "A==b"};
    CHECK(error_of(specs::validate(s)) == "");
    s.process->env.push_back("NOVALUE");
    CHECK(error_of(specs::validate(s)) == "process.env[3]: invalid environment variable \"NOVALUE\": missing \"=\"");
    s.process->env.back() = "=x";
    CHECK(error_of(specs::validate(s)) == "process.env[3]: invalid environment variable \"=x\": empty name");
    s.process->env.back() = std::string("A=b\0c", 5);
    CHECK(error_of(specs::validate(s)) == "process.env[3]: invalid environment variable (contains a NUL byte)");
    CHECK(error_of(specs::validate_env({"X=1", "Y"}, "--env")) ==
          "--env[1]: invalid environment variable \"Y\": missing \"=\"");
}
