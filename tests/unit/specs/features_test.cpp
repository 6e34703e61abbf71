#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "specs/features.hpp"

TEST_CASE("default features render the spec's lists and omit unset flags", "[specs][features]") {
    specs::Features f = specs::default_features();
    auto j = nlohmann::json::parse(specs::to_json_string(f));
    CHECK(j["ociVersionMin"] == "1.0.0");
    CHECK(j["ociVersionMax"] == "1.3.0");
    CHECK(j["hooks"].size() == 6);
    CHECK(j["hooks"][1] == "createRuntime");
    CHECK(j["mountOptions"].size() == 64);
    CHECK(j["linux"]["namespaces"].size() == 8);
    CHECK(j["linux"]["capabilities"].back() == "CAP_CHECKPOINT_RESTORE");
    CHECK(j["linux"]["seccomp"]["operators"].size() == 7);
    CHECK(!j["linux"]["seccomp"].contains("enabled"));
    CHECK(!j["linux"].contains("cgroup"));
    CHECK(!j["linux"].contains("apparmor"));
    CHECK(!j.contains("annotations"));
}

TEST_CASE("features flags set by the caller appear in spec shape", "[specs][features]") {
    specs::Features f = specs::default_features();
    f.cgroup.v1 = true;
    f.cgroup.v2 = true;
    f.cgroup.systemd = false;
    f.seccomp.enabled = true;
    f.seccomp.supported_flags = {"SECCOMP_FILTER_FLAG_LOG"};
    f.apparmor = false;
    f.selinux = false;
    f.idmap_mounts = true;
    f.intel_rdt = false;
    f.net_devices = false;
    f.annotations["org.cort.version"] = "0.1.0";
    std::string text = specs::to_json_string(f);
    CHECK(text.rfind("{\n    \"ociVersionMin\"", 0) == 0);  // runc's 4-space indentation
    auto j = nlohmann::json::parse(text);
    CHECK(j["linux"]["cgroup"] == nlohmann::json({{"v1", true}, {"v2", true}, {"systemd", false}}));
    CHECK(j["linux"]["seccomp"]["enabled"] == true);
    CHECK(j["linux"]["seccomp"]["supportedFlags"][0] == "SECCOMP_FILTER_FLAG_LOG");
    CHECK(j["linux"]["apparmor"]["enabled"] == false);
    CHECK(j["linux"]["mountExtensions"]["idmap"]["enabled"] == true);
    CHECK(j["linux"]["intelRdt"] == nlohmann::json({{"enabled", false}}));
    CHECK(j["linux"]["netDevices"]["enabled"] == false);
    CHECK(j["annotations"]["org.cort.version"] == "0.1.0");
}
