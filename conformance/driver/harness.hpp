// The conformance driver's harness: running the runtime under test, building bundles, and the
// per-case context that cleans up after itself.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/types.h>
#include <vector>

namespace conf {

using nlohmann::json;

struct Options {
  std::string runtime;  // the binary under test (runc-compatible command line)
  std::string checker;  // the static conf-checker, copied into each rootfs
  std::string busybox = "/bin/busybox";
  std::string tmp;      // this run's scratch dir (removed at the end)
  bool verbose = false;
};

// One invocation of the runtime (or any program): exit status and what it printed.
struct Exec {
  int rc = -1;              // exit code; 128+N when killed by signal N
  std::string out, err;     // stdout and stderr as of when the program exited
  std::string out_path;     // stdout's file: a created container keeps writing there
};

// Thrown by a case to report "the host cannot check this" (TAP # SKIP).
struct Skip {
  std::string why;
};

class Ctx {
 public:
  Ctx(const Options& opt, int index);
  ~Ctx();  // delete --force every container this case made, then remove its files
  Ctx(const Ctx&) = delete;
  Ctx& operator=(const Ctx&) = delete;

  // The default config (runc's `spec`, non-terminal, not read-only) with the checker as the
  // process: args = [/conf/conf-checker, checks...].
  json config(const std::vector<std::string>& checks = {}) const;
  // Writes DIR/<name>/{rootfs,config.json}; returns the bundle's absolute path.
  std::string bundle(const json& cfg, const std::string& name = "b");
  std::string new_id();  // a unique container id, deleted (--force) when the case ends
  std::string cgroup_path(const std::string& id) const;  // the cgroupsPath config() uses

  Exec rt(const std::vector<std::string>& args, const std::string& cwd = "");
  Exec run(const std::string& bundle, const std::string& id);  // `run --bundle B ID` (foreground)
  Exec create(const std::string& bundle, const std::string& id);
  bool state(const std::string& id, json& st);  // false when `state` fails or is not JSON
  // Blocks until the checker in bundle `b` (args "wait-signal|SIG|/ready.fifo") has its signal
  // handler in place; false (and a failure recorded) when it never gets there.
  bool wait_ready(const std::string& b);
  void wait_exit(pid_t pid);  // blocks until pid has exited (pidfd: no polling, no timeout)
  std::string read(const std::string& path) const;

  // Recording what went wrong: a case passes when nothing was recorded.
  void expect(bool cond, const std::string& what);
  // The checker's run: exit 0 and no FAIL line; each FAIL line is recorded.
  void expect_checks(const Exec& r, const std::string& what = "checker");
  void expect_ok(const Exec& r, const std::string& what);   // rc == 0
  void expect_err(const Exec& r, const std::string& what);  // rc != 0

  std::vector<std::string> failures;
  std::vector<std::string> notes;  // diagnostics printed as TAP comments
  const Options& opt;
  std::string dir;  // this case's scratch dir

 private:
  int index_;
  int ids_ = 0;
  int execs_ = 0;
  std::vector<std::string> containers_;
};

// Host facts the cases compare against.
unsigned long host_ns_inode(const std::string& type);  // 0 when the kernel lacks it
bool host_has_ns(const std::string& type);
std::string cgroup_v1_dir(const std::string& controller);  // "" when not mounted (v1)
bool write_file(const std::string& path, const std::string& data);
std::string read_file(const std::string& path);
std::string cap_mask(const std::vector<std::string>& names);  // "00000000000004e1"-style hex
// Removes scratch cgroups a crashed case may have left (only this run's prefix).
void sweep_cgroups();
std::string run_prefix();  // "cort-conf-<pid>": ids and cgroup names start with it

struct Case {
  std::string name;      // "<file>.md#<section>: <what>"
  std::string sentence;  // the spec sentence the case checks (quoted in docs/conformance.md)
  std::function<void(Ctx&)> fn;
};
void add_lifecycle_cases(std::vector<Case>& cases);
void add_config_cases(std::vector<Case>& cases);
void add_hook_cases(std::vector<Case>& cases);
void add_linux_cases(std::vector<Case>& cases);
void add_linux_resource_cases(std::vector<Case>& cases);

}  // namespace conf
