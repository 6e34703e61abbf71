// Harness: runs the runtime under test with its output in files (a created container inherits
// the runtime's stdio, so pipes would stay open for as long as the container lives), builds
// busybox bundles, and undoes everything a case made.
#include "harness.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace conf {

namespace {

// Applets the cases use (hooks inside the container, marker files). The checker does the rest.
const char* const kApplets[] = {"sh", "cat", "echo", "sleep", "true", "false", "ls", "touch"};

const char* const kCapNames[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
    "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE"};

// Hard link when possible (same filesystem: no copy), else a copy.
void place(const std::string& from, const std::string& to, mode_t mode) {
  if (link(from.c_str(), to.c_str()) == 0) return;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  chmod(to.c_str(), mode);
}

}  // namespace

std::string run_prefix() { return "cort-conf-" + std::to_string(getpid()); }

bool write_file(const std::string& path, const std::string& data) {
  std::ofstream f(path);
  f << data;
  return static_cast<bool>(f);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

unsigned long host_ns_inode(const std::string& type) {
  struct stat st {};
  if (stat(("/proc/self/ns/" + type).c_str(), &st) != 0) return 0;
  return st.st_ino;
}

bool host_has_ns(const std::string& type) { return host_ns_inode(type) != 0; }

std::string cgroup_v1_dir(const std::string& controller) {
  std::string d = "/sys/fs/cgroup/" + controller;
  struct stat st {};
  if (stat((d + "/cgroup.procs").c_str(), &st) != 0) return "";
  return d;
}

std::string cap_mask(const std::vector<std::string>& names) {
  unsigned long long m = 0;
  for (auto& n : names)
    for (size_t i = 0; i < std::size(kCapNames); ++i)
      if (n == kCapNames[i]) m |= 1ULL << i;
  char buf[32];
  snprintf(buf, sizeof buf, "%016llx", m);
  return buf;
}

void sweep_cgroups() {
  DIR* root = opendir("/sys/fs/cgroup");
  if (!root) return;
  std::string prefix = run_prefix();
  while (auto* e = readdir(root)) {
    std::string ctl = std::string("/sys/fs/cgroup/") + e->d_name;
    DIR* d = opendir(ctl.c_str());
    if (!d) continue;
    while (auto* c = readdir(d))
      if (std::string(c->d_name).rfind(prefix, 0) == 0) rmdir((ctl + "/" + c->d_name).c_str());
    closedir(d);
  }
  closedir(root);
}

Ctx::Ctx(const Options& o, int index) : opt(o), index_(index) {
  dir = opt.tmp + "/case" + std::to_string(index);
  fs::create_directories(dir);
  // Traversable by a user namespace's root (an unprivileged host uid) on its way to the rootfs.
  chmod(dir.c_str(), 0755);
}

Ctx::~Ctx() {
  for (auto it = containers_.rbegin(); it != containers_.rend(); ++it) {
    json st;
    if (!state(*it, st)) continue;  // never created, or already deleted by the case
    Exec r = rt({"delete", "--force", *it});
    if (r.rc != 0) notes.push_back("cleanup: delete --force " + *it + " failed: " + r.err);
    if (st.contains("pid") && st["pid"].is_number()) {
      pid_t pid = st["pid"].get<pid_t>();
      if (pid > 0) wait_exit(pid);
    }
  }
  // The driver is a subreaper: reap container inits reparented to it.
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

std::string Ctx::new_id() {
  std::string id = run_prefix() + "-" + std::to_string(index_) + "-" + std::to_string(ids_++);
  containers_.push_back(id);
  return id;
}

std::string Ctx::cgroup_path(const std::string& id) const { return "/" + id; }

json Ctx::config(const std::vector<std::string>& checks) const {
  json args = json::array({"/conf/conf-checker"});
  for (auto& c : checks) args.push_back(c);
  json caps = json::array({"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"});
  // ociVersion 1.0.2: every runtime here accepts it (crun 1.8.1 refuses 1.1+ versions).
  return json{
      {"ociVersion", "1.0.2"},
      {"process",
       {{"terminal", false},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", args},
        {"env", {"PATH=/conf:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
        {"cwd", "/"},
        {"capabilities",
         {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", caps}}},
        {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
        {"noNewPrivileges", true}}},
      {"root", {{"path", "rootfs"}, {"readonly", false}}},
      {"hostname", "conf"},
      {"mounts",
       {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
        {{"destination", "/dev"}, {"type", "tmpfs"}, {"source", "tmpfs"},
         {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
        {{"destination", "/dev/pts"}, {"type", "devpts"}, {"source", "devpts"},
         {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}}},
        {{"destination", "/dev/shm"}, {"type", "tmpfs"}, {"source", "shm"},
         {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}},
        {{"destination", "/dev/mqueue"}, {"type", "mqueue"}, {"source", "mqueue"},
         {"options", {"nosuid", "noexec", "nodev"}}},
        {{"destination", "/sys"}, {"type", "sysfs"}, {"source", "sysfs"},
         {"options", {"nosuid", "noexec", "nodev", "ro"}}}}},
      {"linux",
       {{"resources", {{"devices", {{{"allow", false}, {"access", "rwm"}}}}}},
        {"namespaces",
         {{{"type", "pid"}}, {{"type", "network"}}, {{"type", "ipc"}}, {{"type", "uts"}},
          {{"type", "mount"}}}},
        {"maskedPaths",
         {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
          "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
          "/proc/scsi"}},
        {"readonlyPaths",
         {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}}}}};
}

std::string Ctx::bundle(const json& cfg, const std::string& name) {
  std::string b = dir + "/" + name;
  std::string r = b + "/rootfs";
  for (auto d : {"bin", "conf", "proc", "sys", "dev", "tmp", "etc", "root"})
    fs::create_directories(r + "/" + d);
  chmod((r + "/tmp").c_str(), 01777);
  place(opt.busybox, r + "/bin/busybox", 0755);
  for (auto a : kApplets) fs::create_symlink("busybox", r + "/bin/" + a);
  place(opt.checker, r + "/conf/conf-checker", 0755);
  write_file(r + "/etc/passwd",
             "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  write_file(r + "/etc/group", "root:x:0:\nnogroup:x:65534:\n");
  write_file(b + "/config.json", cfg.dump(2));
  mkfifo((r + "/ready.fifo").c_str(), 0666);
  return b;
}

Exec Ctx::rt(const std::vector<std::string>& args, const std::string& cwd) {
  int n = execs_++;
  Exec e;
  e.out_path = dir + "/out." + std::to_string(n);
  std::string err_path = dir + "/err." + std::to_string(n);
  std::vector<std::string> argv = {opt.runtime, "--root", opt.tmp + "/state"};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = fork();
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int out = open(e.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  e.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  e.out = read_file(e.out_path);
  e.err = read_file(err_path);
  if (opt.verbose) {
    std::string line;
    for (auto& a : args) line += " " + a;
    notes.push_back("$ runtime" + line + " -> " + std::to_string(e.rc) +
                    (e.err.empty() ? "" : " stderr: " + e.err));
  }
  return e;
}

Exec Ctx::run(const std::string& bundle, const std::string& id) {
  return rt({"run", "--bundle", bundle, id});
}

Exec Ctx::create(const std::string& bundle, const std::string& id) {
  return rt({"create", "--bundle", bundle, id});
}

bool Ctx::state(const std::string& id, json& st) {
  Exec r = rt({"state", id});
  if (r.rc != 0) return false;
  try {
    st = json::parse(r.out);
  } catch (const std::exception&) {
    notes.push_back("state " + id + " printed no JSON: " + r.out);
    return false;
  }
  return true;
}

void Ctx::wait_exit(pid_t pid) {
  if (pid <= 0) return;
  int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return;  // already gone (and reaped)
  struct pollfd p = {fd, POLLIN, 0};
  // A safety net, not a timing assertion: a runtime that failed to deliver a signal must not
  // hang the whole suite. After 30 s the process is killed and the case fails.
  int n;
  while ((n = poll(&p, 1, 30000)) < 0 && errno == EINTR) {
  }
  if (n == 0) {
    failures.push_back("pid " + std::to_string(pid) + " did not exit; killed by the driver");
    syscall(SYS_pidfd_send_signal, fd, SIGKILL, nullptr, 0);
    poll(&p, 1, -1);
  }
  close(fd);
  waitpid(pid, nullptr, WNOHANG);  // ours when reparented to the subreaper driver
}

bool Ctx::wait_ready(const std::string& b) {
  std::string fifo = b + "/rootfs/ready.fifo";
  int fd = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    failures.push_back("open " + fifo + ": " + strerror(errno));
    return false;
  }
  struct pollfd p = {fd, POLLIN, 0};
  int n;
  // Safety net only (see wait_exit): the writer normally shows up within milliseconds.
  while ((n = poll(&p, 1, 30000)) < 0 && errno == EINTR) {
  }
  char buf[16] = {};
  bool ok = n > 0 && ::read(fd, buf, sizeof buf - 1) > 0;
  close(fd);
  if (!ok) failures.push_back("the container process never became ready");
  return ok;
}

std::string Ctx::read(const std::string& path) const { return read_file(path); }

void Ctx::expect(bool cond, const std::string& what) {
  if (!cond) failures.push_back(what);
}

void Ctx::expect_checks(const Exec& r, const std::string& what) {
  std::istringstream in(r.out);
  std::string line;
  bool any_ok = false;
  while (std::getline(in, line)) {
    if (line.rfind("FAIL ", 0) == 0) failures.push_back(what + ": " + line.substr(5));
    if (line.rfind("ok ", 0) == 0 || line.rfind("argv0 ", 0) == 0) any_ok = true;
  }
  if (r.rc != 0 && failures.empty())
    failures.push_back(what + ": exit " + std::to_string(r.rc) + ", stderr: " + r.err);
  if (!any_ok && failures.empty()) failures.push_back(what + ": the checker printed nothing");
}

void Ctx::expect_ok(const Exec& r, const std::string& what) {
  if (r.rc != 0) failures.push_back(what + ": exit " + std::to_string(r.rc) + ": " + r.err);
}

void Ctx::expect_err(const Exec& r, const std::string& what) {
  if (r.rc == 0) failures.push_back(what + ": succeeded, an error was required");
}

}  // namespace conf
