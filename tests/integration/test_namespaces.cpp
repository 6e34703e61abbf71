// Namespaces, observed from inside the container: /proc/self/ns/* compared with the host's.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <sstream>
#include <sys/stat.h>

using namespace itest;

namespace {

// spec type -> /proc/self/ns entry
const std::vector<std::pair<std::string, std::string>> kNamespaces{
    {"pid", "pid"},   {"network", "net"}, {"ipc", "ipc"},     {"uts", "uts"},
    {"mount", "mnt"}, {"cgroup", "cgroup"}, {"user", "user"}, {"time", "time"}};

void add_user_mappings(json& c) {
    c["linux"]["uidMappings"] = json::array({{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}});
    c["linux"]["gidMappings"] = json::array({{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}});
}

std::string ns_inside(Bundle& b, const std::string& procname) {
    return trim(output_of(b, {"readlink", "/proc/self/ns/" + procname}));
}

std::string ns_link_of_file(const std::string& type, const std::string& path) {
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    return type + ":[" + std::to_string(st.st_ino) + "]";
}

}  // namespace

TEST_CASE("each namespace listed in the config is new", "[namespaces]") {
    for (auto& [type, proc] : kNamespaces) {
        DYNAMIC_SECTION("new " << type) {
            if (type == "time" && runtime_is_runc()) {
                WARN("skipped: runc 1.1 lacks time namespaces; validated against crun");
                continue;
            }
            Bundle b;
            set_namespace(b.config, type);
            if (type == "user") add_user_mappings(b.config);
            auto inside = ns_inside(b, proc);
            INFO(type << ": inside " << inside << ", host " << host_ns(proc));
            CHECK(inside.rfind(proc + ":[", 0) == 0);
            CHECK(inside != host_ns(proc));
        }
    }
}

TEST_CASE("a namespace not listed is the runtime's", "[namespaces]") {
    // mount is left out: without a mount namespace there is no pivot_root into the rootfs.
    for (auto& [type, proc] : kNamespaces) {
        if (type == "mount") continue;
        DYNAMIC_SECTION("shared " << type) {
            Bundle b;
            remove_namespace(b.config, type);
            if (type == "uts") b.config.erase("hostname");  // needs a private uts namespace
            auto inside = ns_inside(b, proc);
            CHECK(inside == host_ns(proc));
        }
    }
}

TEST_CASE("namespaces joined by path", "[namespaces]") {
    SECTION("a network namespace bind-mounted by `ip netns add`") {
        std::string name = unique_id("netns");
        REQUIRE(run_cmd({"ip", "netns", "add", name}).exit_code == 0);
        struct Del {
            std::string n;
            ~Del() { run_cmd({"ip", "netns", "delete", n}); }
        } del{name};
        std::string path = "/run/netns/" + name;
        Bundle b;
        set_namespace(b.config, "network", path);
        auto inside = ns_inside(b, "net");
        CHECK(inside == ns_link_of_file("net", path));
    }
    SECTION("another container's namespaces through /proc/<pid>/ns") {
        Bundle a;
        a.set_args({"sleep", "1000"});
        std::string ida = unique_id("nsowner");
        ContainerGuard ga(ida);
        REQUIRE(create(a, ida).exit_code == 0);
        pid_t pid = (*state_of(ida))["pid"].get<pid_t>();
        std::string base = "/proc/" + std::to_string(pid) + "/ns/";
        for (auto [type, proc] : std::vector<std::pair<std::string, std::string>>{
                 {"network", "net"}, {"ipc", "ipc"}, {"uts", "uts"}}) {
            Bundle b;
            set_namespace(b.config, type, base + proc);
            if (type == "uts") b.config.erase("hostname");  // runc: no hostname in a joined uts
            INFO(type);
            auto inside = ns_inside(b, proc);
            CHECK(inside == ns_link_of_file(proc, base + proc));
        }
    }
}

TEST_CASE("user namespace with uid/gid mappings", "[namespaces][userns]") {
    Bundle b;
    set_namespace(b.config, "user");
    add_user_mappings(b.config);
    SECTION("uid_map") {
        auto m = output_of(b, {"cat", "/proc/self/uid_map"});
        std::istringstream in(m);
        long inside = -1, outside = -1, len = -1;
        in >> inside >> outside >> len;
        CHECK(inside == 0);
        CHECK(outside == 100000);
        CHECK(len == 65536);
    }
    SECTION("gid_map") {
        auto m = output_of(b, {"cat", "/proc/self/gid_map"});
        std::istringstream in(m);
        long inside = -1, outside = -1, len = -1;
        in >> inside >> outside >> len;
        CHECK(inside == 0);
        CHECK(outside == 100000);
        CHECK(len == 65536);
    }
    SECTION("the process is root inside") { CHECK(trim(output_of(b, {"id", "-u"})) == "0"); }
}

TEST_CASE("time namespace with offsets", "[namespaces][timens]") {
    NOT_ON_RUNC();
    Bundle b;
    set_namespace(b.config, "time");
    const long offset = 1000L * 86400;  // 1000 days
    b.config["linux"]["timeOffsets"] = {{"boottime", {{"secs", offset}, {"nanosecs", 0}}},
                                        {"monotonic", {{"secs", offset}, {"nanosecs", 0}}}};
    SECTION("/proc/uptime shifts by the boottime offset") {
        // Bracketed by host readings taken before and after: no timing assumption.
        double before = std::stod(read_file("/proc/uptime"));
        double inside = std::stod(output_of(b, {"cat", "/proc/uptime"}));
        double after = std::stod(read_file("/proc/uptime"));
        CHECK(inside >= before + offset - 1);
        CHECK(inside <= after + offset + 1);
    }
    SECTION("timens_offsets lists both clocks") {
        auto t = output_of(b, {"cat", "/proc/self/timens_offsets"});
        CHECK(t.find("monotonic") != std::string::npos);
        CHECK(t.find(std::to_string(offset)) != std::string::npos);
    }
}

TEST_CASE("hostname and domainname", "[namespaces][uts]") {
    Bundle b;
    b.config["hostname"] = "box-host";
    b.config["domainname"] = "example.test";
    SECTION("hostname") { CHECK(trim(output_of(b, {"hostname"})) == "box-host"); }
    SECTION("domainname") {
        NOT_ON_RUNC();  // runc 1.1 ignores domainname (added in runc 1.2)
        CHECK(trim(output_of(b, {"cat", "/proc/sys/kernel/domainname"})) == "example.test");
    }
}
