// conf-checker: runs as the container's process and reports what the container sees.
//
// It is linked statically because the bundle's rootfs is busybox only (no libc, no loader).
// Each argument is one check, fields separated by '|' (paths and mount options contain ',' and
// ':' but never '|'): "kind|arg|arg...". One line per check goes to stdout:
//   ok <check>             or
//   FAIL <check>: <what was seen>
// and the exit status is 1 when any check failed. The driver decides what is expected; the
// checker only observes, so the same binary serves every runtime under test.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <set>
#include <sstream>
#include <string>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <vector>

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

// Reads a whole file; returns false (with errno) when it cannot be opened or read.
bool slurp(const std::string& path, std::string& out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out.clear();
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      int e = errno;
      close(fd);
      errno = e;
      return false;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return true;
}

// Collapses runs of blanks so "  0  100000  65536" compares as "0 100000 65536".
std::string squeeze(const std::string& s) {
  std::istringstream in(s);
  std::string w, out;
  while (in >> w) out += (out.empty() ? "" : " ") + w;
  return out;
}

struct MountInfo {
  std::string mountpoint, fstype, opts, superopts, optional;
};

// Last entry for a mount point wins: it is the one on top, the one the container sees.
bool find_mount(const std::string& dest, MountInfo& mi) {
  std::string text;
  if (!slurp("/proc/self/mountinfo", text)) return false;
  bool found = false;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto f = split(line, ' ');
    if (f.size() < 10) continue;
    if (f[4] != dest) continue;
    size_t dash = 6;
    std::string optional;
    while (dash < f.size() && f[dash] != "-") optional += (optional.empty() ? "" : " ") + f[dash++];
    if (dash + 3 >= f.size()) continue;
    mi = {f[4], f[dash + 1], f[5], f[dash + 3], optional};
    found = true;
  }
  return found;
}

bool has_opt(const std::string& list, const std::string& opt) {
  for (auto& o : split(list, ','))
    if (o == opt) return true;
  return false;
}

std::string status_field(const std::string& key) {
  std::string text;
  if (!slurp("/proc/self/status", text)) return "";
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) return trim(line.substr(key.size() + 1));
  return "";
}

int rlimit_by_name(const std::string& n) {
  static const std::pair<const char*, int> table[] = {
      {"RLIMIT_AS", RLIMIT_AS},         {"RLIMIT_CORE", RLIMIT_CORE},
      {"RLIMIT_CPU", RLIMIT_CPU},       {"RLIMIT_DATA", RLIMIT_DATA},
      {"RLIMIT_FSIZE", RLIMIT_FSIZE},   {"RLIMIT_LOCKS", RLIMIT_LOCKS},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
      {"RLIMIT_NICE", RLIMIT_NICE},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},
      {"RLIMIT_NPROC", RLIMIT_NPROC},   {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},
      {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK}};
  for (auto& [name, v] : table)
    if (n == name) return v;
  return -1;
}

std::string errstr(int e) { return std::string(strerror(e)) + " (" + std::to_string(e) + ")"; }

// A write probe: a directory gets a new file, a file gets opened for writing.
int write_probe(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return errno;
  int fd;
  if (S_ISDIR(st.st_mode)) {
    std::string p = path + "/.conf-probe";
    fd = open(p.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) unlink(p.c_str());
  } else {
    fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  }
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

volatile sig_atomic_t got_signal = 0;
void on_signal(int sig) { got_signal = sig; }

// Returns "" when the check holds, else what was seen.
std::string check(const std::vector<std::string>& a) {
  const std::string& k = a[0];
  auto need = [&](size_t n) {
    if (a.size() < n + 1) throw std::string("malformed check (needs " + std::to_string(n) + " args)");
  };
  if (k == "ns") {  // ns|TYPE|same|INODE or ns|TYPE|new|INODE (INODE: the runtime side's)
    need(3);
    struct stat st {};
    if (stat(("/proc/self/ns/" + a[1]).c_str(), &st) != 0) return "stat: " + errstr(errno);
    bool same = std::to_string(st.st_ino) == a[3];
    if (a[2] == "same" && !same) return "inode " + std::to_string(st.st_ino) + " != " + a[3];
    if (a[2] == "new" && same) return "inode " + std::to_string(st.st_ino) + " is the runtime's";
    return "";
  }
  if (k == "file") {  // file|PATH|CONTENT (trimmed compare)
    need(2);
    std::string s;
    if (!slurp(a[1], s)) return "read: " + errstr(errno);
    if (squeeze(s) != squeeze(a[2])) return "content '" + trim(s) + "'";
    return "";
  }
  if (k == "contains") {  // contains|PATH|LINE: some line of PATH equals LINE
    need(2);
    std::string s, line;
    if (!slurp(a[1], s)) return "read: " + errstr(errno);
    std::istringstream in(s);
    while (std::getline(in, line))
      if (trim(line) == a[2]) return "";
    return "no such line in '" + s + "'";
  }
  if (k == "mount") {  // mount|DEST|FSTYPE|opt,opt (each in mount or super options)
    need(3);
    MountInfo mi;
    if (!find_mount(a[1], mi)) return "not a mount point";
    if (!a[2].empty() && mi.fstype != a[2]) return "fstype " + mi.fstype;
    if (!a[3].empty())
      for (auto& o : split(a[3], ','))
        if (!has_opt(mi.opts, o) && !has_opt(mi.superopts, o))
          return "option " + o + " missing: " + mi.opts + " / " + mi.superopts;
    return "";
  }
  if (k == "notmount") {
    need(1);
    MountInfo mi;
    return find_mount(a[1], mi) ? "is a mount point (" + mi.fstype + ")" : "";
  }
  if (k == "propagation") {  // propagation|DEST|shared|slave|private|unbindable
    need(2);
    MountInfo mi;
    if (!find_mount(a[1], mi)) return "not a mount point";
    const std::string& o = mi.optional;
    bool shared = o.find("shared:") != std::string::npos;
    bool slave = o.find("master:") != std::string::npos;
    bool unb = o.find("unbindable") != std::string::npos;
    bool ok = (a[2] == "shared" && shared) || (a[2] == "slave" && slave && !shared) ||
              (a[2] == "private" && !shared && !slave && !unb) || (a[2] == "unbindable" && unb);
    return ok ? "" : "optional fields '" + o + "'";
  }
  if (k == "chr" || k == "blk") {  // chr|PATH|MAJ|MIN|MODE|UID|GID ('-' skips a field)
    need(6);
    struct stat st {};
    if (stat(a[1].c_str(), &st) != 0) return "stat: " + errstr(errno);
    if (k == "chr" ? !S_ISCHR(st.st_mode) : !S_ISBLK(st.st_mode)) return "wrong file type";
    std::string seen = std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
    if (seen != a[2] + ":" + a[3]) return "device " + seen;
    char mode[16];
    snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    if (a[4] != "-" && std::strtol(a[4].c_str(), nullptr, 8) != (st.st_mode & 07777))
      return std::string("mode ") + mode;
    if (a[5] != "-" && std::to_string(st.st_uid) != a[5]) return "uid " + std::to_string(st.st_uid);
    if (a[6] != "-" && std::to_string(st.st_gid) != a[6]) return "gid " + std::to_string(st.st_gid);
    return "";
  }
  if (k == "usable") {  // usable|PATH: open read-write works (a device the container can use)
    need(1);
    int fd = open(a[1].c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return "open: " + errstr(errno);
    close(fd);
    return "";
  }
  if (k == "symlink") {  // symlink|PATH|TARGET
    need(2);
    char buf[4096];
    ssize_t n = readlink(a[1].c_str(), buf, sizeof buf - 1);
    if (n < 0) return "readlink: " + errstr(errno);
    buf[n] = 0;
    return a[2] == buf ? "" : std::string("points to ") + buf;
  }
  if (k == "ptmx") {  // /dev/ptmx must reach the container's own devpts instance
    struct stat st {};
    if (stat("/dev/ptmx", &st) != 0) return "stat: " + errstr(errno);
    if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 || minor(st.st_rdev) != 2)
      return "not the ptmx device";
    char buf[256];
    ssize_t n = readlink("/dev/ptmx", buf, sizeof buf - 1);
    if (n > 0) {
      buf[n] = 0;
      return std::string(buf) == "pts/ptmx" || std::string(buf) == "/dev/pts/ptmx"
                 ? "" : std::string("symlink to ") + buf;
    }
    // Not a symlink: it must then be a bind of /dev/pts/ptmx, i.e. the same inode.
    struct stat pts {};
    if (stat("/dev/pts/ptmx", &pts) != 0) return "no /dev/pts/ptmx";
    return pts.st_ino == st.st_ino && pts.st_dev == st.st_dev ? "" : "a device node, not devpts' ptmx";
  }
  if (k == "empty") {  // masked: a file reads nothing, a directory lists nothing
    need(1);
    struct stat st {};
    if (stat(a[1].c_str(), &st) != 0) return errno == ENOENT ? "" : "stat: " + errstr(errno);
    if (S_ISDIR(st.st_mode)) {
      DIR* d = opendir(a[1].c_str());
      if (!d) return errno == EACCES || errno == EPERM ? "" : "opendir: " + errstr(errno);
      std::string names;
      while (auto* e = readdir(d))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names += std::string(" ") + e->d_name;
      closedir(d);
      return names.empty() ? "" : "lists" + names;
    }
    std::string s;
    if (!slurp(a[1], s)) return errno == EACCES || errno == EPERM ? "" : "read: " + errstr(errno);
    return s.empty() ? "" : "read " + std::to_string(s.size()) + " bytes";
  }
  if (k == "ro") {  // ro|PATH: a write is refused with EROFS
    need(1);
    int e = write_probe(a[1]);
    return e == EROFS ? "" : e == 0 ? "write succeeded" : "write failed with " + errstr(e);
  }
  if (k == "rw") {
    need(1);
    int e = write_probe(a[1]);
    return e == 0 ? "" : "write failed with " + errstr(e);
  }
  if (k == "exists" || k == "absent") {
    need(1);
    struct stat st {};
    bool there = lstat(a[1].c_str(), &st) == 0;
    return there == (k == "exists") ? "" : there ? "exists" : "missing";
  }
  if (k == "isdir") {
    need(1);
    struct stat st {};
    if (stat(a[1].c_str(), &st) != 0) return "stat: " + errstr(errno);
    return S_ISDIR(st.st_mode) ? "" : "not a directory";
  }
  if (k == "hostname" || k == "domainname") {
    need(1);
    struct utsname u {};
    uname(&u);
    std::string v = k == "hostname" ? u.nodename : u.domainname;
    return v == a[1] ? "" : "'" + v + "'";
  }
  if (k == "rlimit") {  // rlimit|RLIMIT_X|SOFT|HARD
    need(3);
    int r = rlimit_by_name(a[1]);
    if (r < 0) return "unknown rlimit";
    struct rlimit rl {};
    getrlimit(static_cast<__rlimit_resource>(r), &rl);
    std::string seen = std::to_string(rl.rlim_cur) + "/" + std::to_string(rl.rlim_max);
    return seen == a[2] + "/" + a[3] ? "" : seen;
  }
  if (k == "status") {  // status|Key|VALUE from /proc/self/status (CapEff, NoNewPrivs, ...)
    need(2);
    std::string v = status_field(a[1]);
    return squeeze(v) == squeeze(a[2]) ? "" : "'" + v + "'";
  }
  if (k == "uid" || k == "gid") {
    need(1);
    unsigned v = k == "uid" ? getuid() : getgid();
    unsigned e = k == "uid" ? geteuid() : getegid();
    return std::to_string(v) == a[1] && std::to_string(e) == a[1]
               ? "" : std::to_string(v) + "/" + std::to_string(e);
  }
  if (k == "groups") {  // groups|a,b,c: the supplementary groups, as a set
    need(1);
    gid_t g[256];
    int n = getgroups(256, g);
    std::set<std::string> seen, want;
    for (int i = 0; i < n; ++i) seen.insert(std::to_string(g[i]));
    for (auto& s : split(a[1], ','))
      if (!s.empty()) want.insert(s);
    std::string list;
    for (auto& s : seen) list += s + " ";
    return seen == want ? "" : "groups " + list;
  }
  if (k == "umask") {
    need(1);
    mode_t m = umask(0);
    umask(m);
    char buf[16];
    snprintf(buf, sizeof buf, "%04o", m);
    return std::strtol(a[1].c_str(), nullptr, 8) == static_cast<long>(m) ? "" : buf;
  }
  if (k == "cwd") {
    need(1);
    char buf[4096];
    if (!getcwd(buf, sizeof buf)) return "getcwd: " + errstr(errno);
    return a[1] == buf ? "" : buf;
  }
  if (k == "env") {  // env|NAME|VALUE, or env|NAME|- for "must be unset"
    need(2);
    const char* v = getenv(a[1].c_str());
    if (a[2] == "-") return v ? std::string("set to ") + v : "";
    if (!v) return "unset";
    return a[2] == v ? "" : std::string("'") + v + "'";
  }
  if (k == "errno") {  // errno|SYSCALL|N: the syscall fails with N (seccomp)
    need(2);
    long r;
    if (a[1] == "getppid") {
      r = syscall(SYS_getppid);
    } else if (a[1] == "getpgid") {
      r = syscall(SYS_getpgid, 0);
    } else {
      return "unknown syscall";
    }
    if (r != -1) return "succeeded (" + std::to_string(r) + ")";
    return std::to_string(errno) == a[2] ? "" : "failed with " + errstr(errno);
  }
  if (k == "personality") {  // personality|HEX (the domain in the low byte)
    need(1);
    int p = personality(0xffffffff);
    char buf[16];
    snprintf(buf, sizeof buf, "0x%x", p & 0xff);
    return std::strtol(a[1].c_str(), nullptr, 16) == (p & 0xff) ? "" : buf;
  }
  if (k == "touch") {  // a side effect, to tell "the program ran" from "it did not"
    need(1);
    int fd = open(a[1].c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return "create: " + errstr(errno);
    close(fd);
    return "";
  }
  throw std::string("unknown check kind '" + k + "'");
}

}  // namespace

int main(int argc, char** argv) {
  // "wait-signal|SIG": stay alive until SIG arrives, then report it. The handler makes the
  // signal deliverable even though we are the pid namespace's init.
  // With "wait-signal|SIG|FIFO" the checker also writes "ready" to FIFO once the handler is in
  // place, so the driver knows a signal sent from now on cannot be lost.
  if (argc == 2 && std::string(argv[1]).rfind("wait-signal|", 0) == 0) {
    auto f = split(argv[1], '|');
    int sig = std::atoi(f[1].c_str());
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(sig, &sa, nullptr);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, sig);
    sigprocmask(SIG_BLOCK, &block, &old);
    if (f.size() > 2) {
      int fd = open(f[2].c_str(), O_WRONLY | O_CLOEXEC);
      if (fd >= 0) {
        (void)!write(fd, "ready\n", 6);
        close(fd);
      }
    }
    printf("ready\n");
    fflush(stdout);
    while (!got_signal) sigsuspend(&old);
    printf("got signal %d\n", static_cast<int>(got_signal));
    return 0;
  }
  if (argc == 2 && std::string(argv[1]) == "pause") {
    for (;;) pause();
  }
  int failed = 0;
  printf("argv0 %s\n", argv[0]);
  for (int i = 1; i < argc; ++i) {
    std::string why;
    try {
      why = check(split(argv[i], '|'));
    } catch (const std::string& e) {
      why = e;
    }
    if (why.empty()) {
      printf("ok %s\n", argv[i]);
    } else {
      printf("FAIL %s: %s\n", argv[i], why.c_str());
      ++failed;
    }
  }
  fflush(stdout);
  return failed ? 1 : 0;
}
