// Integration-test harness: runs the runtime under test (cort, or runc/crun to validate the
// tests themselves) as a real binary on real busybox bundles, and checks what it leaves behind.
//
// The runtime is $CORT_TEST_RUNTIME when set, else the cort built next to this binary.
// $CORT_TEST_RUNTIME_ARGS adds global flags (space separated) after --root.
// Every runtime call gets a private `--root` so tests never see other engineers' containers.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace itest {

using json = nlohmann::json;

struct RunResult {
    int exit_code = -1;     // exit status, or 128+signal when killed (shell convention)
    int term_signal = 0;    // non-zero when the process died of a signal
    bool timed_out = false;
    std::string out;
    std::string err;
    std::string describe() const;  // for failure messages: code, stdout, stderr
};

struct RunOptions {
    std::string stdin_data;
    int timeout_ms = 60000;  // a safety net against hangs, never a pass/fail criterion
    std::string cwd;         // empty: inherit
};

// fork/exec argv[0] (no PATH search when it contains '/'), feed stdin, capture both streams.
RunResult run_cmd(const std::vector<std::string>& argv, const RunOptions& opts = {});

// fork/exec without waiting, stdio on /dev/null; the caller kills and reaps it.
pid_t spawn(const std::vector<std::string>& argv, const std::string& cwd = "");

// ---- the runtime under test ---------------------------------------------------------------
const std::string& runtime_path();
bool runtime_is_cort();              // basename == "cort": enables [cort-only] checks
const std::string& state_root();     // private --root, e.g. /run/cort-itest-<pid>

// `<runtime> --root <state_root> <args...>`
RunResult rt(const std::vector<std::string>& args, const RunOptions& opts = {});
// Same, with global flags placed before the command (e.g. {"--log", f, "--log-format", "json"}).
RunResult rt_global(const std::vector<std::string>& global, const std::vector<std::string>& args,
                    const RunOptions& opts = {});

// Skip the rest of a [cort-only] test when the runtime is not cort (runc differs on purpose).
#define CORT_ONLY()                                                                           \
    do {                                                                                      \
        if (!::itest::runtime_is_cort()) {                                                    \
            WARN("skipped: [cort-only] check, runtime is " << ::itest::runtime_path());     \
            return;                                                                           \
        }                                                                                     \
    } while (0)

// A container id unique within this run and across concurrent runs: prefix-<pid>-<n>.
std::string unique_id(const std::string& prefix);

// ---- bundles --------------------------------------------------------------------------------
// A temp dir with rootfs/ (static busybox + applet symlinks, /etc/passwd, /etc/group) and a
// config.json built here (runc's default spec with terminal=false), so the tests never depend on
// `<runtime> spec`. Tests edit `config` and call save(). The destructor unmounts anything that
// leaked below the bundle and removes it without crossing mount points.
class Bundle {
public:
    Bundle();
    ~Bundle();
    Bundle(const Bundle&) = delete;
    Bundle& operator=(const Bundle&) = delete;

    const std::string& path() const { return path_; }
    std::string rootfs() const { return path_ + "/rootfs"; }
    std::string config_path() const { return path_ + "/config.json"; }

    json config;
    void save() const;                                     // write config as config.json
    void set_args(const std::vector<std::string>& args);   // process.args, and save()
    void write_raw_config(const std::string& text) const;  // for malformed-input tests

private:
    std::string path_;
};

json default_config();

// Adds a hook of `kind` (e.g. "prestart") to config.hooks.
void add_hook(json& config, const std::string& kind, const std::vector<std::string>& args,
              const std::vector<std::string>& env = {}, std::optional<int> timeout = {});

// linux.namespaces editing: add (or replace) an entry of `type`, optionally joined by `path`;
// remove one so the container shares the runtime's namespace.
void set_namespace(json& config, const std::string& type, const std::string& path = "");
void remove_namespace(json& config, const std::string& type);

// Skip for checks runc 1.1 cannot pass because it lacks a feature the spec has
// (time namespaces...). Such tests are validated against crun instead.
bool runtime_is_runc();
#define NOT_ON_RUNC()                                                                         \
    do {                                                                                      \
        if (::itest::runtime_is_runc()) {                                                     \
            WARN("skipped: runc 1.1 lacks this feature; validated against crun");            \
            return;                                                                           \
        }                                                                                     \
    } while (0)

// Writes an executable file (e.g. a hook script) and returns its path.
std::string write_script(const std::string& path, const std::string& body);

// ---- state and lifecycle --------------------------------------------------------------------
// `state ID` parsed; nullopt when the command fails or its output is not JSON.
std::optional<json> state_of(const std::string& id);
std::string status_of(const std::string& id);  // "" when state fails
// Polls `state` until `status` (bounded only to avoid a hang; not a timing assertion).
bool wait_status(const std::string& id, const std::string& status, int max_ms = 20000);
bool pid_alive(pid_t pid);  // exists and is not a zombie

// `create --bundle B ID` run with cwd = bundle, so that even an orphaned early-stage child is
// recognisable by its cwd.
RunResult create(const Bundle& b, const std::string& id, const std::vector<std::string>& extra = {});
// `run --bundle B ID` (foreground): the container's stdout/stderr are captured.
RunResult run(const Bundle& b, const std::string& id, const std::vector<std::string>& extra = {},
              const RunOptions& opts = {});

// Runs `args` in a fresh container from `b` (foreground) and returns its stdout; fails the test
// (REQUIRE) when the container exits non-zero. The container is deleted afterwards.
std::string output_of(Bundle& b, const std::vector<std::string>& args);

// RAII: `delete --force ID` on scope exit, whatever the test did; then removes (empty) cgroup
// dirs named after the id that a faulty runtime left, so failures don't accumulate on the host.
class ContainerGuard {
public:
    explicit ContainerGuard(std::string id) : id_(std::move(id)) {}
    ~ContainerGuard();
    ContainerGuard(const ContainerGuard&) = delete;
    ContainerGuard& operator=(const ContainerGuard&) = delete;
    const std::string& id() const { return id_; }

private:
    std::string id_;
};

// ---- leftovers ------------------------------------------------------------------------------
std::vector<std::string> mounts_mentioning(const std::string& path);  // host mountinfo lines
std::vector<std::string> cgroup_dirs_named(const std::string& id);    // under /sys/fs/cgroup
// Processes rooted in, or with a cwd in, the bundle; processes in the id's cgroups; and our
// orphans (we are a child subreaper, so anything a killed runtime left is reparented to us).
std::vector<pid_t> processes_left(const std::string& id, const std::string& bundle);
bool state_dir_exists(const std::string& id);
std::string describe_process(pid_t pid);  // pid comm state ppid cwd wchan, for failure messages
void reap_orphans();  // waitpid(-1, WNOHANG) loop: only call while no run_cmd is in flight

// CHECKs (not REQUIREs, so every kind of leftover is reported) that nothing of the container
// is left: state dir, `state` succeeding, host mounts, cgroup dirs, processes.
// With check_cgroups=false a leftover cgroup is only reported as a warning (runc 1.1 leaves
// cgroups behind when create is SIGKILLed late; cort must not).
void assert_nothing_left(const std::string& id, const std::string& bundle,
                         bool check_cgroups = true);

// Small helpers.
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& data);
std::vector<std::string> split_lines(const std::string& s);
std::string trim(const std::string& s);
std::string host_ns(const std::string& type);  // readlink /proc/self/ns/<type>

}  // namespace itest
