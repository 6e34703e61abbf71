// config-linux.md: namespaces, id mappings, devices, masked/readonly paths, sysctl,
// rootfsPropagation, seccomp, personality.
#include <filesystem>
#include <sstream>
#include <sys/stat.h>

#include "harness.hpp"

namespace conf {

namespace {

using Mod = std::function<void(json&)>;

Case checked(std::string name, std::string sentence, std::function<std::vector<std::string>()> checks,
             Mod mod, std::function<void(Ctx&, const std::string&)> prep = nullptr) {
  return {std::move(name), std::move(sentence), [checks, mod, prep](Ctx& c) {
            json cfg = c.config(checks());
            mod(cfg);
            std::string b = c.bundle(cfg);
            if (prep) prep(c, b);
            c.expect_checks(c.run(b, c.new_id()));
          }};
}

// Whether the mount holding `path` is in a shared peer group (longest mount point prefix).
bool host_mount_shared(const std::string& path) {
  std::istringstream in(read_file("/proc/self/mountinfo"));
  std::string line, best;
  bool shared = false;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string id, parent, dev, root, mp, opts, opt;
    f >> id >> parent >> dev >> root >> mp >> opts;
    bool s = false;
    while (f >> opt && opt != "-")
      if (opt.rfind("shared:", 0) == 0) s = true;
    bool under = path == mp || mp == "/" || path.rfind(mp + "/", 0) == 0;
    if (under && mp.size() >= best.size()) {
      best = mp;
      shared = s;
    }
  }
  return shared;
}

std::string ino(const std::string& type) { return std::to_string(host_ns_inode(type)); }

void drop_ns(json& cfg, const std::string& type) {
  json out = json::array();
  for (auto& n : cfg["linux"]["namespaces"])
    if (n["type"] != type) out.push_back(n);
  cfg["linux"]["namespaces"] = out;
}

// The kernel's name under /proc/self/ns for a spec namespace type.
std::string proc_name(const std::string& type) {
  if (type == "network") return "net";
  if (type == "mount") return "mnt";
  return type;
}

void require_seccomp(Ctx& c) {
  Exec r = c.rt({"features"});
  if (r.rc != 0) return;  // no `features`: try it anyway
  try {
    json f = json::parse(r.out);
    if (f.contains("linux") && f["linux"].contains("seccomp") &&
        f["linux"]["seccomp"].value("enabled", true) == false)
      throw Skip{"the runtime reports seccomp disabled"};
  } catch (const json::exception&) {
  }
}

}  // namespace

void add_linux_cases(std::vector<Case>& cases) {
  const char* new_sentence =
      "If a namespace type is specified without path, the runtime MUST create a new container "
      "namespace of that type.";
  for (std::string t : {"pid", "network", "ipc", "uts", "mount", "cgroup", "user", "time"}) {
    std::string p = proc_name(t);
    cases.push_back({"config-linux.md#namespaces: " + t + " namespace is new", new_sentence,
                     [t, p](Ctx& c) {
                       if (!host_has_ns(p)) throw Skip{"the kernel has no " + t + " namespace"};
                       json cfg = c.config({"ns|" + p + "|new|" + ino(p)});
                       drop_ns(cfg, t);
                       cfg["linux"]["namespaces"].push_back({{"type", t}});
                       if (t == "user") {
                         cfg["linux"]["uidMappings"] = {
                             {{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
                         cfg["linux"]["gidMappings"] = {
                             {{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
                       }
                       c.expect_checks(c.run(c.bundle(cfg), c.new_id()));
                     }});
  }
  for (std::string t : {"network", "ipc", "uts", "cgroup"}) {
    std::string p = proc_name(t);
    cases.push_back(checked(
        "config-linux.md#namespaces: without a " + t + " entry the runtime's is inherited",
        "If a namespace type is not specified in the namespaces array, the container MUST "
        "inherit the runtime namespace of that type.",
        [p] { return std::vector<std::string>{"ns|" + p + "|same|" + ino(p)}; },
        [t](json& c) {
          drop_ns(c, t);
          if (t == "uts") c.erase("hostname");  // a hostname needs its own UTS namespace
        }));
  }
  cases.push_back({"config-linux.md#namespaces: namespaces joined by path",
                   "If a path is specified, the runtime MUST place the container process in the "
                   "namespace at that path.",
                   [](Ctx& c) {
                     // The namespaces to join are those of a first container (created, waiting).
                     std::string b1 = c.bundle(c.config({"pause"}), "holder");
                     std::string holder = c.new_id();
                     c.expect_ok(c.create(b1, holder), "create the holder container");
                     json st;
                     if (!c.state(holder, st)) return;
                     std::string proc = "/proc/" + std::to_string(st.value("pid", 0)) + "/ns/";
                     std::vector<std::string> checks;
                     json nss = json::array();
                     for (std::string t : {"pid", "network", "ipc", "uts", "mount"}) {
                       std::string p = proc_name(t);
                       struct stat s {};
                       stat((proc + p).c_str(), &s);
                       checks.push_back("ns|" + p + "|same|" + std::to_string(s.st_ino));
                       nss.push_back(t == "mount" ? json{{"type", t}}
                                                  : json{{"type", t}, {"path", proc + p}});
                     }
                     checks.pop_back();  // the mount namespace stays new: it gets its own root
                     json cfg = c.config(checks);
                     cfg["linux"]["namespaces"] = nss;
                     cfg.erase("hostname");  // the joined UTS namespace is not ours to rename
                     c.expect_checks(c.run(c.bundle(cfg, "joiner"), c.new_id()));
                   }});
  cases.push_back({"config-linux.md#namespaces: a duplicated namespace type is an error",
                   "If a namespaces field contains duplicated namespaces with same type, the "
                   "runtime MUST generate an error.",
                   [](Ctx& c) {
                     json cfg = c.config({"touch|/ran"});
                     cfg["linux"]["namespaces"].push_back({{"type", "ipc"}});
                     std::string b = c.bundle(cfg);
                     c.expect_err(c.run(b, c.new_id()), "run");
                     c.expect(!std::filesystem::exists(b + "/rootfs/ran"), "the program ran");
                   }});
  cases.push_back(checked(
      "config-linux.md#user-namespace-mappings: uid and gid mappings are written",
      "uidMappings (array of objects, OPTIONAL) describes the user namespace uid mappings from "
      "the host to the container. gidMappings ... The runtime SHOULD NOT modify the ownership of "
      "referenced filesystems to realize the mapping.",
      [] {
        return std::vector<std::string>{"file|/proc/self/uid_map|0 100000 65536",
                                        "file|/proc/self/gid_map|0 200000 65536", "uid|0", "gid|0"};
      },
      [](json& c) {
        c["linux"]["namespaces"].push_back({{"type", "user"}});
        c["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
        c["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 200000}, {"size", 65536}}};
      }));

  cases.push_back(checked(
      "config-linux.md#devices: a listed device is created with its type, numbers, mode, owner",
      "devices (array of objects, OPTIONAL) lists devices that MUST be available in the "
      "container.",
      [] {
        return std::vector<std::string>{"chr|/dev/conf-null|1|3|0620|1|2",
                                        "blk|/dev/conf-loop|7|200|0640|0|0"};
      },
      [](json& c) {
        c["linux"]["devices"] = {
            {{"path", "/dev/conf-null"}, {"type", "c"}, {"major", 1}, {"minor", 3},
             {"fileMode", 0620}, {"uid", 1}, {"gid", 2}},
            {{"path", "/dev/conf-loop"}, {"type", "b"}, {"major", 7}, {"minor", 200},
             {"fileMode", 0640}, {"uid", 0}, {"gid", 0}}};
      }));
  cases.push_back(checked(
      "config-linux.md#default-devices: null zero full random urandom tty ptmx",
      "In addition to any devices configured with this setting, the runtime MUST also supply: "
      "/dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom, /dev/tty, /dev/console (if "
      "terminal is enabled), /dev/ptmx (a bind-mount or symlink of the container's ptmx).",
      [] {
        return std::vector<std::string>{
            "chr|/dev/null|1|3|-|-|-",   "chr|/dev/zero|1|5|-|-|-", "chr|/dev/full|1|7|-|-|-",
            "chr|/dev/random|1|8|-|-|-", "chr|/dev/urandom|1|9|-|-|-", "chr|/dev/tty|5|0|-|-|-",
            "usable|/dev/null",          "usable|/dev/zero",       "usable|/dev/urandom",
            "ptmx"};
      },
      [](json&) {}));
  cases.push_back(checked(
      "config-linux.md#default-devices: /dev/fd, stdin, stdout, stderr symlinks",
      "the runtime MUST also supply ... /dev/fd -> /proc/self/fd, /dev/stdin -> /proc/self/fd/0, "
      "/dev/stdout -> /proc/self/fd/1, /dev/stderr -> /proc/self/fd/2 (runtime.md / runc's "
      "default symlinks; config-linux.md#default-devices).",
      [] {
        return std::vector<std::string>{
            "symlink|/dev/fd|/proc/self/fd", "symlink|/dev/stdin|/proc/self/fd/0",
            "symlink|/dev/stdout|/proc/self/fd/1", "symlink|/dev/stderr|/proc/self/fd/2"};
      },
      [](json&) {}));

  cases.push_back(checked(
      "config-linux.md#masked-paths: masked files and directories read empty",
      "maskedPaths (array of strings, OPTIONAL) will mask over the provided paths inside the "
      "container so that they cannot be read.",
      [] {
        return std::vector<std::string>{"empty|/secret.txt", "empty|/secretdir", "empty|/proc/kcore",
                                        "exists|/secret.txt"};
      },
      [](json& c) {
        c["linux"]["maskedPaths"].push_back("/secret.txt");
        c["linux"]["maskedPaths"].push_back("/secretdir");
      },
      [](Ctx&, const std::string& b) {
        write_file(b + "/rootfs/secret.txt", "secret\n");
        std::filesystem::create_directories(b + "/rootfs/secretdir");
        write_file(b + "/rootfs/secretdir/inner", "secret\n");
      }));
  cases.push_back(checked(
      "config-linux.md#readonly-paths: readonly paths refuse writes",
      "readonlyPaths (array of strings, OPTIONAL) will set the provided paths as readonly "
      "inside the container.",
      [] {
        return std::vector<std::string>{"ro|/rodir", "ro|/rofile", "ro|/proc/sys/kernel/domainname", "rw|/tmp",
                                        "file|/rofile|keep"};
      },
      [](json& c) {
        c["linux"]["readonlyPaths"].push_back("/rodir");
        c["linux"]["readonlyPaths"].push_back("/rofile");
      },
      [](Ctx&, const std::string& b) {
        std::filesystem::create_directories(b + "/rootfs/rodir");
        write_file(b + "/rootfs/rofile", "keep\n");
      }));
  cases.push_back(checked(
      "config-linux.md#sysctl: sysctls are set in the container",
      "sysctl (object, OPTIONAL) allows kernel parameters to be modified at runtime for the "
      "container.",
      [] {
        return std::vector<std::string>{"file|/proc/sys/net/ipv4/ip_forward|1",
                                        "file|/proc/sys/kernel/msgmax|9000"};
      },
      [](json& c) {
        c["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}, {"kernel.msgmax", "9000"}};
      }));
  for (std::string prop : {"private", "slave", "shared", "unbindable"}) {
    if (prop == "slave") {
      cases.push_back({"config-linux.md#rootfs-mount-propagation: rootfsPropagation slave",
                       "rootfsPropagation (string, OPTIONAL) sets the rootfs's mount propagation. "
                       "Its value is either shared, slave, private or unbindable.",
                       [](Ctx& c) {
                         // A slave of a private mount is private: visible only when the host's
                         // mount holding the bundle has peers.
                         if (!host_mount_shared(c.dir))
                           throw Skip{"the host mount holding the bundle is private"};
                         json cfg = c.config({"propagation|/|slave"});
                         cfg["linux"]["rootfsPropagation"] = "slave";
                         c.expect_checks(c.run(c.bundle(cfg), c.new_id()));
                       }});
      continue;
    }
    cases.push_back(checked("config-linux.md#rootfs-mount-propagation: rootfsPropagation " + prop,
                            "rootfsPropagation (string, OPTIONAL) sets the rootfs's mount "
                            "propagation. Its value is either shared, slave, private or "
                            "unbindable.",
                            [prop] { return std::vector<std::string>{"propagation|/|" + prop}; },
                            [prop](json& c) { c["linux"]["rootfsPropagation"] = prop; }));
  }
  cases.push_back({"config-linux.md#seccomp: SCMP_ACT_ERRNO with errnoRet",
                   "errnoRet (uint, OPTIONAL) is the errno return code to use. ... When the action "
                   "doesn't support an errno, the runtime MUST print an error and fail.",
                   [](Ctx& c) {
                     require_seccomp(c);
                     json cfg = c.config({"errno|getppid|99", "cwd|/"});
                     cfg["linux"]["seccomp"] = {
                         {"defaultAction", "SCMP_ACT_ALLOW"},
                         {"syscalls",
                          {{{"names", {"getppid"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 99}}}}};
                     c.expect_checks(c.run(c.bundle(cfg), c.new_id()));
                   }});
  cases.push_back({"config-linux.md#seccomp: SCMP_ACT_ERRNO defaults to EPERM",
                   "errnoRet (uint, OPTIONAL) is the errno return code to use. ... If not "
                   "specified, EPERM is returned.",
                   [](Ctx& c) {
                     require_seccomp(c);
                     json cfg = c.config({"errno|getpgid|1"});
                     cfg["linux"]["seccomp"] = {
                         {"defaultAction", "SCMP_ACT_ALLOW"},
                         {"syscalls", {{{"names", {"getpgid"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
                     c.expect_checks(c.run(c.bundle(cfg), c.new_id()));
                   }});
  cases.push_back(checked("config-linux.md#personality: LINUX32 domain",
                          "personality (object, OPTIONAL) sets the Linux execution personality. "
                          "domain (string, REQUIRED) the execution domain. The valid list of "
                          "constants is shown below. LINUX32 will set the uname system call to "
                          "show a 32 bit CPU type, such as i686.",
                          [] { return std::vector<std::string>{"personality|0x8"}; },
                          [](json& c) { c["linux"]["personality"] = {{"domain", "LINUX32"}}; }));
}

}  // namespace conf
