// config.md#posix-platform-hooks and the hook steps of runtime.md#lifecycle.
//
// Every hook appends one line, "== <name> <the state it read on stdin>", to one log. Hooks run in the
// runtime namespace write the host path of rootfs/hooks.log; hooks run in the container write
// /hooks.log: the same file, whichever side of pivot_root a runtime runs them on.
#include <filesystem>
#include <sstream>

#include "harness.hpp"

namespace conf {

namespace {

json hook(const std::string& host_log, const std::string& name, int exit_code = 0) {
  // One append per hook, after stdin is read: a line is the hook's completion, in order.
  std::string script = "L=" + host_log + "; [ -e \"$L\" ] || L=/hooks.log; S=$(cat); echo \"== " +
                       name + " $S\" >> \"$L\"; exit " + std::to_string(exit_code);
  return {{"path", "/bin/sh"}, {"args", {"sh", "-c", script}}};
}

struct Entry {
  std::string name;
  json state;
};

std::vector<Entry> parse_log(const std::string& text) {
  std::vector<Entry> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("== ", 0) != 0) continue;
    auto sp = line.find(' ', 3);
    Entry e{line.substr(3, sp == std::string::npos ? std::string::npos : sp - 3), nullptr};
    if (sp != std::string::npos) {
      try {
        e.state = json::parse(line.substr(sp + 1));
      } catch (const std::exception&) {
      }
    }
    out.push_back(e);
  }
  return out;
}

std::string names(const std::vector<Entry>& e) {
  std::string s;
  for (auto& x : e) s += (s.empty() ? "" : ",") + x.name;
  return s.empty() ? "(none)" : s;
}

// A bundle whose config has every hook; returns the bundle path.
std::string hooked_bundle(Ctx& c, const std::vector<std::string>& args, const std::string& fail = "") {
  json cfg = c.config(args);
  std::string log = c.dir + "/b/rootfs/hooks.log";
  auto h = [&](const std::string& n) { return json::array({hook(log, n, n == fail ? 1 : 0)}); };
  cfg["hooks"] = {{"prestart", h("prestart")},       {"createRuntime", h("createRuntime")},
                  {"createContainer", h("createContainer")}, {"startContainer", h("startContainer")},
                  {"poststart", h("poststart")},     {"poststop", h("poststop")}};
  std::string b = c.bundle(cfg);
  write_file(log, "");
  return b;
}

}  // namespace

void add_hook_cases(std::vector<Case>& cases) {
  cases.push_back({"config.md#posix-platform-hooks: hooks run in lifecycle order",
                   "Lifecycle: prestart, createRuntime and createContainer hooks MUST be invoked "
                   "during create; startContainer hooks before the user-specified program; "
                   "poststart after it; poststop after the container is deleted.",
                   [](Ctx& c) {
                     std::string b = hooked_bundle(c, {"touch|/ran"});
                     std::string log = b + "/rootfs/hooks.log";
                     std::string id = c.new_id();
                     c.expect_ok(c.create(b, id), "create");
                     auto at_create = parse_log(read_file(log));
                     c.expect(names(at_create) == "prestart,createRuntime,createContainer",
                              "hooks run by create: " + names(at_create));
                     json st;
                     c.state(id, st);
                     c.expect_ok(c.rt({"start", id}), "start");
                     c.wait_exit(st.value("pid", 0));
                     auto at_start = parse_log(read_file(log));
                     c.expect(names(at_start) ==
                                  "prestart,createRuntime,createContainer,startContainer,poststart",
                              "hooks run by create+start: " + names(at_start));
                     c.expect_ok(c.rt({"delete", id}), "delete");
                     auto all = parse_log(read_file(log));
                     c.expect(!all.empty() && all.back().name == "poststop",
                              "hooks after delete: " + names(all));
                   }});

  cases.push_back({"config.md#posix-platform-hooks: each hook gets the state on stdin",
                   "The state of the container MUST be passed to hooks over stdin so that they may "
                   "do work appropriate to the current state of the container.",
                   [](Ctx& c) {
                     std::string b = hooked_bundle(c, {"true"});
                     std::string id = c.new_id();
                     c.expect_ok(c.create(b, id), "create");
                     json st;
                     c.state(id, st);
                     c.expect_ok(c.rt({"start", id}), "start");
                     c.wait_exit(st.value("pid", 0));
                     c.expect_ok(c.rt({"delete", id}), "delete");
                     auto all = parse_log(read_file(b + "/rootfs/hooks.log"));
                     c.expect(all.size() == 6, "hooks run: " + names(all));
                     for (auto& e : all) {
                       if (!e.state.is_object()) {
                         c.expect(false, e.name + ": stdin was not a state JSON");
                         continue;
                       }
                       c.expect(e.state.value("id", "") == id, e.name + ": id " + e.state.value("id", ""));
                       c.expect(e.state.value("bundle", "") == b,
                                e.name + ": bundle '" + e.state.value("bundle", "") + "'");
                       c.expect(e.state.value("ociVersion", "") != "", e.name + ": no ociVersion");
                       c.expect(e.state.contains("status"), e.name + ": no status");
                       if (e.name == "createRuntime" || e.name == "poststart")
                         c.expect(e.state.value("pid", 0) > 0, e.name + ": no pid");
                     }
                     if (!all.empty() && all.back().name == "poststop" && all.back().state.is_object())
                       c.expect(all.back().state.value("status", "") == "stopped",
                                "poststop: status '" + all.back().state.value("status", "") + "'");
                   }});

  // runtime.md defines "creating" as step 2 and "created" as "after step 2"; prestart is step
  // 3 and poststart step 9 (after the program ran). runtime-tools' hooks_stdin checks the same.
  cases.push_back({"runtime.md#state: prestart sees created, poststart sees running",
                   "created: the runtime has finished the create operation (after step 2 in the "
                   "lifecycle), and the container process has neither exited nor executed the "
                   "user-specified program",
                   [](Ctx& c) {
                     std::string b = hooked_bundle(c, {"true"});
                     std::string id = c.new_id();
                     c.expect_ok(c.create(b, id), "create");
                     json st;
                     c.state(id, st);
                     c.expect_ok(c.rt({"start", id}), "start");
                     c.wait_exit(st.value("pid", 0));
                     c.expect_ok(c.rt({"delete", id}), "delete");
                     for (auto& e : parse_log(read_file(b + "/rootfs/hooks.log"))) {
                       std::string want = e.name == "prestart" ? "created" : e.name == "poststart" ? "running" : "";
                       if (want.empty() || !e.state.is_object()) continue;
                       std::string got = e.state.value("status", "");
                       c.expect(got == want, e.name + ": status '" + got + "', want '" + want + "'");
                     }
                   }});

  cases.push_back({"runtime.md#lifecycle: a failing createRuntime hook fails create",
                   "If any createRuntime hook fails, the runtime MUST generate an error, stop the "
                   "container, and continue the lifecycle at step 12.",
                   [](Ctx& c) {
                     std::string b = hooked_bundle(c, {"touch|/ran"}, "createRuntime");
                     std::string id = c.new_id();
                     c.expect_err(c.create(b, id), "create");
                     json st;
                     if (c.state(id, st))
                       c.expect(st.value("status", "") == "stopped",
                                "container left " + st.value("status", ""));
                     c.expect(!std::filesystem::exists(b + "/rootfs/ran"), "the program ran");
                   }});

  cases.push_back({"runtime.md#lifecycle: a failing prestart hook fails create",
                   "If any prestart hook fails, the runtime MUST generate an error, stop the "
                   "container, and continue the lifecycle at step 12.",
                   [](Ctx& c) {
                     std::string b = hooked_bundle(c, {"touch|/ran"}, "prestart");
                     std::string id = c.new_id();
                     c.expect_err(c.create(b, id), "create");
                     json st;
                     if (c.state(id, st))
                       c.expect(st.value("status", "") == "stopped",
                                "container left " + st.value("status", ""));
                     c.expect(!std::filesystem::exists(b + "/rootfs/ran"), "the program ran");
                   }});

  cases.push_back({"runtime.md#lifecycle: a failing poststart hook only warns",
                   "If any poststart hook fails, the runtime MUST log a warning, but the remaining "
                   "hooks and lifecycle continue as if the hook had succeeded.",
                   [](Ctx& c) {
                     std::string b = hooked_bundle(c, {"touch|/ran"}, "poststart");
                     std::string id = c.new_id();
                     c.expect_ok(c.create(b, id), "create");
                     json st;
                     if (!c.state(id, st)) return;
                     c.expect_ok(c.rt({"start", id}), "start");
                     c.wait_exit(st.value("pid", 0));
                     c.expect(std::filesystem::exists(b + "/rootfs/ran"), "the program did not run");
                   }});

  cases.push_back({"runtime.md#lifecycle: a failing poststop hook only warns",
                   "If any poststop hook fails, the runtime MUST log a warning, but the remaining "
                   "hooks and lifecycle continue as if the hook had succeeded.",
                   [](Ctx& c) {
                     std::string b = hooked_bundle(c, {"true"}, "poststop");
                     std::string id = c.new_id();
                     c.expect_ok(c.create(b, id), "create");
                     json st;
                     c.state(id, st);
                     c.expect_ok(c.rt({"start", id}), "start");
                     c.wait_exit(st.value("pid", 0));
                     c.expect_ok(c.rt({"delete", id}), "delete");
                     json st2;
                     c.expect(!c.state(id, st2), "the container still exists after delete");
                   }});
}

}  // namespace conf
