// config-linux.md: cgroupsPath and resources, checked in the container's cgroup from the host
// (the container has no cgroup mount in the default config). cgroup v1 layout (this host's);
// a host without the v1 controller skips the case.
#include <filesystem>
#include <sstream>

#include "harness.hpp"

namespace conf {

namespace {

struct Want {
  std::string controller, file, value;
};

// Creates a container (its process waits) with `resources` and checks each wanted file.
Case resource(std::string name, std::string sentence, json resources, std::vector<Want> wants) {
  return {std::move(name), std::move(sentence), [resources, wants](Ctx& c) {
            for (auto& w : wants)
              if (cgroup_v1_dir(w.controller).empty())
                throw Skip{"no cgroup v1 " + w.controller + " controller"};
            json cfg = c.config({"wait-signal|10"});
            std::string id = c.new_id();
            cfg["linux"]["cgroupsPath"] = c.cgroup_path(id);
            for (auto& [k, v] : resources.items()) cfg["linux"]["resources"][k] = v;
            c.expect_ok(c.create(c.bundle(cfg), id), "create");
            for (auto& w : wants) {
              std::string path = cgroup_v1_dir(w.controller) + c.cgroup_path(id) + "/" + w.file;
              std::istringstream in(read_file(path));
              std::string got;
              in >> got;
              c.expect(got == w.value, w.file + " is '" + got + "', want " + w.value);
            }
          }};
}

}  // namespace

void add_linux_resource_cases(std::vector<Case>& cases) {
  cases.push_back({"config-linux.md#cgroups-path: the process is in the cgroup at cgroupsPath",
                   "If the value is specified, the runtime MUST consistently attach to the same "
                   "place in the cgroups hierarchy given the same value of cgroupsPath.",
                   [](Ctx& c) {
                     if (cgroup_v1_dir("memory").empty()) throw Skip{"no cgroup v1 memory"};
                     json cfg = c.config({"wait-signal|10"});
                     std::string id = c.new_id();
                     cfg["linux"]["cgroupsPath"] = c.cgroup_path(id);
                     c.expect_ok(c.create(c.bundle(cfg), id), "create");
                     json st;
                     c.state(id, st);
                     std::string pid = std::to_string(st.value("pid", 0));
                     std::string cg = read_file("/proc/" + pid + "/cgroup");
                     for (auto ctl : {"memory", "pids", "devices"}) {
                       bool found = false;
                       std::istringstream in(cg);
                       std::string line;
                       while (std::getline(in, line)) {
                         auto a = line.find(':'), b = line.find(':', a + 1);
                         if (a == std::string::npos || b == std::string::npos) continue;
                         std::string ctls = "," + line.substr(a + 1, b - a - 1) + ",";
                         if (ctls.find(std::string(",") + ctl + ",") != std::string::npos)
                           found = line.substr(b + 1) == c.cgroup_path(id);
                       }
                       c.expect(found, std::string(ctl) + ": /proc/pid/cgroup is " + cg);
                       std::string procs = read_file(cgroup_v1_dir(ctl) + c.cgroup_path(id) + "/cgroup.procs");
                       c.expect(("\n" + procs).find("\n" + pid + "\n") != std::string::npos,
                                std::string(ctl) + " cgroup.procs lacks the container pid");
                     }
                   }});
  const char* mem = "memory (object, OPTIONAL) represents the cgroup subsystem memory and it's "
                    "used to set limits on the container's memory usage. limit (int64, "
                    "OPTIONAL) - sets limit of memory usage in bytes.";
  cases.push_back(resource("config-linux.md#memory: limit and reservation", mem,
                           {{"memory", {{"limit", 67108864}, {"reservation", 33554432}}}},
                           {{"memory", "memory.limit_in_bytes", "67108864"},
                            {"memory", "memory.soft_limit_in_bytes", "33554432"}}));
  cases.push_back(resource("config-linux.md#pids: limit",
                           "pids (object, OPTIONAL) represents the cgroup subsystem pids. limit "
                           "(int64, REQUIRED) - specifies the maximum number of tasks in the "
                           "cgroup.",
                           {{"pids", {{"limit", 123}}}}, {{"pids", "pids.max", "123"}}));
  cases.push_back(resource("config-linux.md#cpu: shares, quota and period",
                           "cpu (object, OPTIONAL) represents the cgroup subsystems cpu and "
                           "cpusets. shares (uint64, OPTIONAL) - specifies a relative share of "
                           "CPU time available to the tasks in a cgroup; quota; period.",
                           {{"cpu", {{"shares", 512}, {"quota", 50000}, {"period", 100000}}}},
                           {{"cpu", "cpu.shares", "512"},
                            {"cpu", "cpu.cfs_quota_us", "50000"},
                            {"cpu", "cpu.cfs_period_us", "100000"}}));
  cases.push_back(resource("config-linux.md#cpu: cpuset cpus and mems",
                           "cpus (string, OPTIONAL) - list of CPUs the container will run in. mems "
                           "(string, OPTIONAL) - list of Memory Nodes the container will run in.",
                           {{"cpu", {{"cpus", "0"}, {"mems", "0"}}}},
                           {{"cpuset", "cpuset.cpus", "0"}, {"cpuset", "cpuset.mems", "0"}}));
}

}  // namespace conf
