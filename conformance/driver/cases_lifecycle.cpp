// runtime.md: state, lifecycle and operations (create, start, kill, delete, state).
#include <csignal>
#include <filesystem>
#include <unistd.h>

#include "harness.hpp"

namespace conf {

namespace {

pid_t pid_of(const json& st) {
  return st.contains("pid") && st["pid"].is_number_integer() ? st["pid"].get<pid_t>() : 0;
}

std::string status_of(const json& st) {
  return st.contains("status") && st["status"].is_string() ? st["status"].get<std::string>() : "";
}

// Creates a container whose process waits for SIGUSR1 (or is killed); returns its id.
std::string created(Ctx& c, json& st,
                    const std::vector<std::string>& args = {"wait-signal|10|/ready.fifo"}) {
  json cfg = c.config(args);
  std::string b = c.bundle(cfg);
  std::string id = c.new_id();
  Exec r = c.create(b, id);
  if (r.rc != 0) throw std::runtime_error("create failed: " + r.err);
  if (!c.state(id, st)) throw std::runtime_error("state after create failed");
  return id;
}

void started(Ctx& c, const std::string& id) {
  Exec r = c.rt({"start", id});
  if (r.rc != 0) throw std::runtime_error("start failed: " + r.err);
}

}  // namespace

void add_lifecycle_cases(std::vector<Case>& cases) {
  cases.push_back({"runtime.md#state: created state has ociVersion, id, status, pid, bundle",
                   "The state of a container includes ociVersion, id, status, pid (REQUIRED when "
                   "status is created or running on Linux) and bundle (REQUIRED, the absolute path "
                   "to the container's bundle directory).",
                   [](Ctx& c) {
                     json st;
                     std::string id = created(c, st);
                     c.expect(st.value("ociVersion", "") != "", "ociVersion missing");
                     c.expect(st.value("id", "") == id, "id is not " + id);
                     c.expect(status_of(st) == "created", "status '" + status_of(st) + "'");
                     c.expect(pid_of(st) > 0, "pid missing");
                     c.expect(st.value("bundle", "") == c.dir + "/b", "bundle is not " + c.dir + "/b");
                   }});

  cases.push_back({"runtime.md#state: pid is the container process as seen by the host",
                   "pid (int, REQUIRED when status is created or running on Linux) is the ID of "
                   "the container process.",
                   [](Ctx& c) {
                     json st;
                     std::string id = created(c, st);
                     started(c, id);
                     if (!c.wait_ready(c.dir + "/b")) return;  // it has exec'd the program
                     pid_t pid = pid_of(st);
                     std::string cmd = read_file("/proc/" + std::to_string(pid) + "/cmdline");
                     c.expect(cmd.rfind("/conf/conf-checker", 0) == 0,
                              "/proc/<pid>/cmdline is '" + cmd + "', not the container's program");
                     c.rt({"kill", id, "KILL"});
                     c.wait_exit(pid);
                   }});

  cases.push_back({"runtime.md#state: bundle is absolute when given as a relative path",
                   "bundle (string, REQUIRED) is the absolute path to the container's bundle "
                   "directory.",
                   [](Ctx& c) {
                     std::string b = c.bundle(c.config({"wait-signal|10|/ready.fifo"}));
                     std::string id = c.new_id();
                     c.expect_ok(c.rt({"create", "--bundle", "b", id}, c.dir), "create --bundle b");
                     json st;
                     c.expect(c.state(id, st), "state failed");
                     c.expect(st.value("bundle", "") == b, "bundle '" + st.value("bundle", "") + "'");
                   }});

  cases.push_back({"runtime.md#lifecycle: the program does not run at create, runs at start",
                   "create: the user-specified program (from process) MUST NOT be run at this time. "
                   "start: This operation MUST run the user-specified program as specified by "
                   "process.",
                   [](Ctx& c) {
                     json cfg = c.config({"touch|/ran"});
                     std::string b = c.bundle(cfg);
                     std::string id = c.new_id();
                     c.expect_ok(c.create(b, id), "create");
                     json st;
                     c.state(id, st);
                     c.expect(!std::filesystem::exists(b + "/rootfs/ran"), "the program ran at create");
                     c.expect_ok(c.rt({"start", id}), "start");
                     c.wait_exit(pid_of(st));
                     c.expect(std::filesystem::exists(b + "/rootfs/ran"), "the program did not run");
                   }});

  cases.push_back({"runtime.md#state: status goes created, running, stopped",
                   "status: created ... running: the container process has executed the "
                   "user-specified program but has not exited ... stopped: the container process "
                   "has exited.",
                   [](Ctx& c) {
                     json st;
                     std::string id = created(c, st);
                     c.expect(status_of(st) == "created", "after create: " + status_of(st));
                     started(c, id);
                     json st2;
                     c.state(id, st2);
                     c.expect(status_of(st2) == "running", "after start: " + status_of(st2));
                     c.expect(pid_of(st2) == pid_of(st), "pid changed at start");
                     if (!c.wait_ready(c.dir + "/b")) return;
                     c.expect_ok(c.rt({"kill", id, "USR1"}), "kill USR1");
                     c.wait_exit(pid_of(st));
                     json st3;
                     c.state(id, st3);
                     c.expect(status_of(st3) == "stopped", "after exit: " + status_of(st3));
                   }});

  cases.push_back({"runtime.md#create: a duplicate id is an error and leaves the first container",
                   "If the ID provided is not unique across all containers within the scope of the "
                   "runtime, or is not valid in any other way, the implementation MUST generate an "
                   "error and a new container MUST NOT be created.",
                   [](Ctx& c) {
                     json st;
                     std::string id = created(c, st);
                     std::string b2 = c.bundle(c.config({"touch|/second"}), "b2");
                     c.expect_err(c.create(b2, id), "second create with the same id");
                     json again;
                     c.expect(c.state(id, again), "the first container is gone");
                     c.expect(pid_of(again) == pid_of(st) && status_of(again) == "created",
                              "the first container changed");
                     c.expect(!std::filesystem::exists(b2 + "/rootfs/second"), "a second one ran");
                   }});

  cases.push_back({"runtime.md#create: an invalid config is an error, nothing is created",
                   "Runtimes MUST generate an error when invalid or unsupported values are "
                   "encountered (config.md#valid-values); the runtime MUST generate an error and a "
                   "new container MUST NOT be created.",
                   [](Ctx& c) {
                     json cfg = c.config({"true"});
                     cfg["linux"]["namespaces"].push_back({{"type", "no-such-namespace"}});
                     std::string b = c.bundle(cfg);
                     std::string id = c.new_id();
                     c.expect_err(c.create(b, id), "create with namespace type no-such-namespace");
                     json st;
                     c.expect(!c.state(id, st), "the container exists after a failed create");
                   }});

  cases.push_back({"runtime.md#create: config.json changes after create have no effect",
                   "Any changes made to the config.json file after this operation will not have an "
                   "effect on the container.",
                   [](Ctx& c) {
                     json cfg = c.config({"touch|/first"});
                     std::string b = c.bundle(cfg);
                     std::string id = c.new_id();
                     c.expect_ok(c.create(b, id), "create");
                     json st;
                     c.state(id, st);
                     cfg["process"]["args"] = {"/conf/conf-checker", "touch|/changed"};
                     write_file(b + "/config.json", cfg.dump());
                     c.expect_ok(c.rt({"start", id}), "start");
                     c.wait_exit(pid_of(st));
                     c.expect(std::filesystem::exists(b + "/rootfs/first"), "the original args did not run");
                     c.expect(!std::filesystem::exists(b + "/rootfs/changed"), "the edited args ran");
                   }});

  cases.push_back({"runtime.md#start: start of a running container errors, no effect",
                   "Attempting to start a container that is not created MUST have no effect on the "
                   "container and MUST generate an error.",
                   [](Ctx& c) {
                     json st;
                     std::string id = created(c, st);
                     started(c, id);
                     c.expect_err(c.rt({"start", id}), "second start");
                     json st2;
                     c.state(id, st2);
                     c.expect(status_of(st2) == "running" && pid_of(st2) == pid_of(st),
                              "the container changed: " + status_of(st2));
                     c.rt({"kill", id, "KILL"});
                     c.wait_exit(pid_of(st));
                   }});

  cases.push_back({"runtime.md#start: start of a stopped container errors",
                   "Attempting to start a container that is not created MUST have no effect on the "
                   "container and MUST generate an error.",
                   [](Ctx& c) {
                     json st;
                     std::string id = created(c, st);
                     started(c, id);
                     c.rt({"kill", id, "KILL"});
                     c.wait_exit(pid_of(st));
                     c.expect_err(c.rt({"start", id}), "start after the process exited");
                     json st2;
                     c.state(id, st2);
                     c.expect(status_of(st2) == "stopped", "status '" + status_of(st2) + "'");
                   }});

  cases.push_back({"runtime.md#start: start of an unknown id errors",
                   "This operation MUST generate an error if it is not provided the container ID.",
                   [](Ctx& c) { c.expect_err(c.rt({"start", run_prefix() + "-nonexistent"}), "start"); }});

  cases.push_back({"runtime.md#kill: the signal reaches the container process",
                   "This operation MUST send the specified signal to the container process.",
                   [](Ctx& c) {
                     json st;
                     std::string id = created(c, st);
                     started(c, id);
                     if (!c.wait_ready(c.dir + "/b")) return;
                     c.expect_ok(c.rt({"kill", id, "USR1"}), "kill USR1");
                     c.wait_exit(pid_of(st));
                     // The process's stdout is the file `create` wrote to (the first exec: out.0).
                     std::string out = read_file(c.dir + "/out.0");
                     c.expect(out.find("got signal 10") != std::string::npos,
                              "the process did not report SIGUSR1: '" + out + "'");
                   }});

  cases.push_back({"runtime.md#kill: kill of a created container reaches it",
                   "Attempting to send a signal to a container that is neither created nor running "
                   "MUST have no effect on the container and MUST generate an error (a created "
                   "container accepts signals).",
                   [](Ctx& c) {
                     json st;
                     std::string id = created(c, st);
                     c.expect_ok(c.rt({"kill", id, "KILL"}), "kill KILL of a created container");
                     c.wait_exit(pid_of(st));
                     json st2;
                     c.state(id, st2);
                     c.expect(status_of(st2) == "stopped", "status '" + status_of(st2) + "'");
                   }});

  cases.push_back({"runtime.md#kill: kill of a stopped container errors",
                   "Attempting to send a signal to a container that is neither created nor running "
                   "MUST have no effect on the container and MUST generate an error.",
                   [](Ctx& c) {
                     json st;
                     std::string id = created(c, st);
                     started(c, id);
                     c.rt({"kill", id, "KILL"});
                     c.wait_exit(pid_of(st));
                     c.expect_err(c.rt({"kill", id, "TERM"}), "kill TERM of a stopped container");
                     json st2;
                     c.expect(c.state(id, st2) && status_of(st2) == "stopped", "state changed");
                   }});

  cases.push_back({"runtime.md#delete: delete of a running container errors, no effect",
                   "Attempting to delete a container that is not stopped MUST have no effect on the "
                   "container and MUST generate an error.",
                   [](Ctx& c) {
                     json st;
                     std::string id = created(c, st);
                     started(c, id);
                     c.expect_err(c.rt({"delete", id}), "delete of a running container");
                     json st2;
                     c.expect(c.state(id, st2), "the container is gone");
                     c.expect(status_of(st2) == "running" && pid_of(st2) == pid_of(st),
                              "the container changed: " + status_of(st2));
                     c.expect(kill(pid_of(st), 0) == 0, "the container process is gone");
                     c.rt({"kill", id, "KILL"});
                     c.wait_exit(pid_of(st));
                   }});

  cases.push_back({"runtime.md#delete: delete removes the container and its cgroup",
                   "Deleting a container MUST delete the resources that were created at the create "
                   "step.",
                   [](Ctx& c) {
                     json cfg = c.config({"true"});
                     std::string b = c.bundle(cfg);
                     std::string id = c.new_id();
                     cfg["linux"]["cgroupsPath"] = c.cgroup_path(id);
                     write_file(b + "/config.json", cfg.dump());
                     c.expect_ok(c.create(b, id), "create");
                     json st;
                     c.state(id, st);
                     std::string cg = cgroup_v1_dir("pids");
                     if (!cg.empty())
                       c.expect(std::filesystem::exists(cg + c.cgroup_path(id)), "no pids cgroup at create");
                     c.expect_ok(c.rt({"start", id}), "start");
                     c.wait_exit(pid_of(st));
                     c.expect_ok(c.rt({"delete", id}), "delete");
                     json st2;
                     c.expect(!c.state(id, st2), "state still works after delete");
                     for (auto ctl : {"pids", "memory", "cpu", "devices", "freezer"}) {
                       std::string d = cgroup_v1_dir(ctl);
                       if (!d.empty())
                         c.expect(!std::filesystem::exists(d + c.cgroup_path(id)),
                                  std::string(ctl) + " cgroup left after delete");
                     }
                   }});

  cases.push_back({"runtime.md#query-state: state of an unknown id errors",
                   "Attempting to query a container that does not exist MUST generate an error.",
                   [](Ctx& c) {
                     c.expect_err(c.rt({"state", run_prefix() + "-nonexistent"}), "state");
                   }});

  cases.push_back({"runtime.md#delete: delete of an unknown id errors",
                   "This operation MUST generate an error if it is not provided the container ID.",
                   [](Ctx& c) {
                     c.expect_err(c.rt({"delete", run_prefix() + "-nonexistent"}), "delete");
                   }});

  cases.push_back({"runtime.md#state: annotations from config appear in the state",
                   "annotations (map, OPTIONAL) contains the list of annotations associated with "
                   "the container.",
                   [](Ctx& c) {
                     json cfg = c.config({"wait-signal|10|/ready.fifo"});
                     cfg["annotations"] = {{"org.example.conformance", "yes"}, {"k2", "v2"}};
                     std::string b = c.bundle(cfg);
                     std::string id = c.new_id();
                     c.expect_ok(c.create(b, id), "create");
                     json st;
                     c.expect(c.state(id, st), "state");
                     c.expect(st.contains("annotations") &&
                                  st["annotations"] == cfg["annotations"],
                              "annotations in state: " +
                                  (st.contains("annotations") ? st["annotations"].dump() : "absent"));
                   }});
}

}  // namespace conf
