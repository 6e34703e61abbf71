// config.md: root, mounts, process, hostname/domainname, extensibility and valid values.
// Each case runs the checker in the container (`run`, foreground) with the checks it needs.
#include <filesystem>
#include <sys/stat.h>

#include "harness.hpp"

namespace conf {

namespace {

using Mod = std::function<void(json&)>;

// A case whose verdict is the checker's: the config gets `mod`, the checker gets `checks`.
Case checked(std::string name, std::string sentence, std::vector<std::string> checks, Mod mod,
             std::function<void(Ctx&, const std::string&)> prep = nullptr) {
  return {std::move(name), std::move(sentence), [checks, mod, prep](Ctx& c) {
            json cfg = c.config(checks);
            mod(cfg);
            std::string b = c.bundle(cfg);
            if (prep) prep(c, b);
            c.expect_checks(c.run(b, c.new_id()));
          }};
}

// A case where the runtime must refuse the config.
Case refused(std::string name, std::string sentence, Mod mod) {
  return {std::move(name), std::move(sentence), [mod](Ctx& c) {
            json cfg = c.config({"touch|/ran"});
            mod(cfg);
            std::string b = c.bundle(cfg);
            std::string id = c.new_id();
            c.expect_err(c.run(b, id), "run");
            c.expect(!std::filesystem::exists(b + "/rootfs/ran"), "the program ran");
          }};
}

json mount(const std::string& dest, const std::string& type, const std::string& src,
           std::vector<std::string> opts) {
  return {{"destination", dest}, {"type", type}, {"source", src}, {"options", opts}};
}

}  // namespace

void add_config_cases(std::vector<Case>& cases) {
  cases.push_back(checked("config.md#root: readonly root refuses writes",
                          "readonly (bool, OPTIONAL) If true then the root filesystem MUST be "
                          "read-only inside the container, defaults to false.",
                          {"ro|/", "ro|/etc", "mount|/||ro"},
                          [](json& c) { c["root"]["readonly"] = true; }));
  cases.push_back(checked("config.md#root: root is writable when readonly is false",
                          "readonly (bool, OPTIONAL) If true then the root filesystem MUST be "
                          "read-only inside the container, defaults to false.",
                          {"rw|/", "rw|/etc"}, [](json&) {}));
  cases.push_back({"config.md#root: an absolute root.path is used",
                   "path (string, REQUIRED) Specifies the path to the root filesystem for the "
                   "container. On POSIX platforms, path is either an absolute path or a relative "
                   "path to the bundle.",
                   [](Ctx& c) {
                     json cfg = c.config({"exists|/abs-marker"});
                     std::string b = c.bundle(cfg);
                     cfg["root"]["path"] = b + "/rootfs";
                     write_file(b + "/config.json", cfg.dump());
                     write_file(b + "/rootfs/abs-marker", "x");
                     c.expect_checks(c.run(b, c.new_id()));
                   }});

  cases.push_back(checked("config.md#mounts: tmpfs mount with type, options and data",
                          "type: the type of the filesystem to be mounted; options: mount options "
                          "of the filesystem to be used.",
                          {"mount|/mnt/t|tmpfs|nosuid,nodev,noexec,ro,size=1024k,mode=750",
                           "ro|/mnt/t"},
                          [](json& c) {
                            c["mounts"].push_back(mount("/mnt/t", "tmpfs", "tmpfs",
                                                        {"nosuid", "nodev", "noexec", "ro",
                                                         "size=1m", "mode=750"}));
                          }));
  cases.push_back(checked("config.md#mounts: destination is created when missing",
                          "destination (string, REQUIRED) Destination of mount point: path "
                          "inside container.",
                          {"isdir|/does/not/exist/yet", "mount|/does/not/exist/yet|tmpfs|"},
                          [](json& c) {
                            c["mounts"].push_back(
                                mount("/does/not/exist/yet", "tmpfs", "tmpfs", {"size=1m"}));
                          }));
  cases.push_back(checked(
      "config.md#mounts: mounts are made in the listed order",
      "The runtime MUST mount entries in the listed order.",
      {"mount|/mnt/o|tmpfs|size=2048k", "mount|/mnt/o/inner|tmpfs|size=1024k"},
      [](json& c) {
        c["mounts"].push_back(mount("/mnt/o", "tmpfs", "tmpfs", {"size=1m"}));
        c["mounts"].push_back(mount("/mnt/o", "tmpfs", "tmpfs", {"size=2m"}));
        c["mounts"].push_back(mount("/mnt/o/inner", "tmpfs", "tmpfs", {"size=1m"}));
      }));
  cases.push_back(checked("config.md#mounts: bind mount of a host directory, read-only",
                          "source: a device name, but can also be a file or directory name for "
                          "bind mounts or a dummy. options: mount options of the filesystem.",
                          {"file|/mnt/host/hello.txt|from the host", "ro|/mnt/host"},
                          [](json& c) {
                            c["mounts"].push_back(
                                mount("/mnt/host", "bind", "@HOSTDIR@", {"rbind", "ro"}));
                          },
                          [](Ctx& c, const std::string& b) {
                            std::string h = c.dir + "/hostdir";
                            std::filesystem::create_directories(h);
                            write_file(h + "/hello.txt", "from the host\n");
                            std::string text = read_file(b + "/config.json");
                            text.replace(text.find("@HOSTDIR@"), 9, h);
                            write_file(b + "/config.json", text);
                          }));
  cases.push_back(checked("config.md#mounts: default filesystems (proc, sysfs ro, devpts, shm, mqueue)",
                          "mounts (array of objects, OPTIONAL) specifies additional mounts beyond "
                          "root. The runtime MUST mount entries in the listed order.",
                          {"mount|/proc|proc|", "mount|/sys|sysfs|ro,nosuid,nodev,noexec",
                           "mount|/dev|tmpfs|nosuid,mode=755", "mount|/dev/pts|devpts|nosuid,noexec",
                           "mount|/dev/shm|tmpfs|nosuid,noexec,nodev", "mount|/dev/mqueue|mqueue|"},
                          [](json&) {}));

  cases.push_back(checked("config.md#process: args, execvp semantics for args[0]",
                          "args ... with similar semantics to IEEE Std 1003.1-2008 execvp's argv. "
                          "... at least one entry is REQUIRED, and that entry is used with the "
                          "same semantics as execvp's file.",
                          {"cwd|/"},
                          [](json& c) { c["process"]["args"][0] = "conf-checker"; }));
  cases.push_back(checked("config.md#process: cwd is the working directory",
                          "cwd (string, REQUIRED) is the working directory that will be set for "
                          "the executable. This value MUST be an absolute path.",
                          {"cwd|/tmp"}, [](json& c) { c["process"]["cwd"] = "/tmp"; }));
  cases.push_back(checked("config.md#process: env is the environment",
                          "env (array of strings, OPTIONAL) with the same semantics as IEEE Std "
                          "1003.1-2008's environ.",
                          {"env|CONF_A|one", "env|CONF_B|two=2", "env|TERM|xterm",
                           "env|CONF_UNSET|-"},
                          [](json& c) {
                            c["process"]["env"].push_back("CONF_A=one");
                            c["process"]["env"].push_back("CONF_B=two=2");
                          }));
  cases.push_back(checked("config.md#posix-process: rlimits are applied",
                          "rlimits (array of objects, OPTIONAL) allows setting resource limits "
                          "for the process. ... the runtime MUST set the limits with setrlimit.",
                          {"rlimit|RLIMIT_NOFILE|512|600", "rlimit|RLIMIT_CORE|0|4096",
                           "rlimit|RLIMIT_NPROC|300|400"},
                          [](json& c) {
                            c["process"]["rlimits"] = {
                                {{"type", "RLIMIT_NOFILE"}, {"soft", 512}, {"hard", 600}},
                                {{"type", "RLIMIT_CORE"}, {"soft", 0}, {"hard", 4096}},
                                {{"type", "RLIMIT_NPROC"}, {"soft", 300}, {"hard", 400}}};
                          }));
  cases.push_back(refused("config.md#posix-process: duplicate rlimit types are an error",
                          "If rlimits contains duplicated entries with same type, the runtime "
                          "MUST generate an error.",
                          [](json& c) {
                            c["process"]["rlimits"].push_back(
                                {{"type", "RLIMIT_NOFILE"}, {"soft", 100}, {"hard", 100}});
                          }));
  cases.push_back(refused("config.md#posix-process: an unknown rlimit type is an error",
                          "type (string, REQUIRED) the platform resource being limited. ... the "
                          "runtime MUST generate an error for any values which cannot be mapped "
                          "to a relevant kernel interface.",
                          [](json& c) {
                            c["process"]["rlimits"].push_back(
                                {{"type", "RLIMIT_NO_SUCH"}, {"soft", 1}, {"hard", 1}});
                          }));
  cases.push_back(checked("config.md#posix-platform-user: uid, gid and additionalGids",
                          "uid (int, REQUIRED) specifies the user ID in the container namespace. "
                          "gid (int, REQUIRED) ... additionalGids (array of ints, OPTIONAL) "
                          "specifies additional group IDs in the container namespace to be added "
                          "to the process.",
                          {"uid|1000", "gid|1001", "groups|2000,3000"},
                          [](json& c) {
                            c["process"]["user"] = {
                                {"uid", 1000}, {"gid", 1001}, {"additionalGids", {2000, 3000}}};
                          }));
  cases.push_back(checked("config.md#posix-platform-user: umask",
                          "umask (int, OPTIONAL) specifies the umask of the user.",
                          {"umask|0027"},
                          [](json& c) { c["process"]["user"]["umask"] = 027; }));
  cases.push_back(checked("config.md#linux-process: noNewPrivileges true sets no_new_privs",
                          "noNewPrivileges (bool, OPTIONAL) setting noNewPrivileges to true "
                          "prevents the process from gaining additional privileges.",
                          {"status|NoNewPrivs|1"}, [](json&) {}));
  cases.push_back(checked("config.md#linux-process: noNewPrivileges false leaves it unset",
                          "noNewPrivileges (bool, OPTIONAL) setting noNewPrivileges to true "
                          "prevents the process from gaining additional privileges.",
                          {"status|NoNewPrivs|0"},
                          [](json& c) { c["process"]["noNewPrivileges"] = false; }));
  cases.push_back(checked("config.md#linux-process: oomScoreAdj is set",
                          "oomScoreAdj (int, OPTIONAL) adjusts the oom-killer score in "
                          "[pid]/oom_score_adj for the process's [pid] in a proc pseudo-filesystem.",
                          {"file|/proc/self/oom_score_adj|421"},
                          [](json& c) { c["process"]["oomScoreAdj"] = 421; }));
  cases.push_back(checked("config.md#linux-process: bounding/effective/permitted capabilities",
                          "capabilities (object, OPTIONAL) is an object containing arrays that "
                          "specifies the sets of capabilities for the process.",
                          {"status|CapBnd|" + cap_mask({"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"}),
                           "status|CapEff|" + cap_mask({"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"}),
                           "status|CapPrm|" + cap_mask({"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"}),
                           "status|CapInh|" + cap_mask({}), "status|CapAmb|" + cap_mask({})},
                          [](json& c) {
                            json s = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"};
                            c["process"]["capabilities"] = {
                                {"bounding", s}, {"effective", s}, {"permitted", s},
                                {"inheritable", json::array()}, {"ambient", json::array()}};
                          }));
  cases.push_back(checked("config.md#linux-process: ambient capabilities of a non-root user",
                          "capabilities ... ambient (array of strings, OPTIONAL) the ambient "
                          "capabilities that are kept for the process.",
                          {"uid|1000", "status|CapAmb|" + cap_mask({"CAP_NET_BIND_SERVICE"}),
                           "status|CapEff|" + cap_mask({"CAP_NET_BIND_SERVICE"}),
                           "status|CapBnd|" + cap_mask({"CAP_NET_BIND_SERVICE", "CAP_KILL"})},
                          [](json& c) {
                            json s = {"CAP_NET_BIND_SERVICE"};
                            c["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
                            c["process"]["capabilities"] = {
                                {"bounding", {"CAP_NET_BIND_SERVICE", "CAP_KILL"}},
                                {"effective", s}, {"permitted", s}, {"inheritable", s},
                                {"ambient", s}};
                          }));
  // runtime-spec 1.0.2 asked for an error here (as runtime-tools' process_capabilities_fail
  // still does); 1.1 changed the rule, and the current text wins.
  cases.push_back(checked("config.md#linux-process: an unknown capability is ignored with a warning",
                          "Any value which cannot be mapped to a relevant kernel interface, or "
                          "cannot be granted otherwise MUST be logged as a warning by the runtime. "
                          "Runtimes SHOULD NOT fail if the container configuration requests "
                          "capabilities that cannot be granted, for example, if the runtime "
                          "operates in a restricted environment with a limited set of capabilities.",
                          {"status|CapBnd|" + cap_mask({"CAP_CHOWN", "CAP_KILL"}),
                           "status|CapEff|" + cap_mask({"CAP_CHOWN", "CAP_KILL"})},
                          [](json& c) {
                            json s = {"CAP_CHOWN", "CAP_NO_SUCH_CAP", "CAP_KILL"};
                            c["process"]["capabilities"] = {
                                {"bounding", s}, {"effective", s}, {"permitted", s},
                                {"inheritable", json::array()}, {"ambient", json::array()}};
                          }));

  cases.push_back(checked("config.md#hostname: hostname is set in the UTS namespace",
                          "hostname (string, OPTIONAL) specifies the container's hostname as seen "
                          "by processes running inside the container.",
                          {"hostname|conf-host"}, [](json& c) { c["hostname"] = "conf-host"; }));
  cases.push_back(checked("config.md#domainname: domainname is set in the UTS namespace",
                          "domainname (string, OPTIONAL) specifies the container's domainname as "
                          "seen by processes running inside the container.",
                          {"domainname|conf.example"},
                          [](json& c) { c["domainname"] = "conf.example"; }));

  cases.push_back(checked("config.md#extensibility: unknown properties are ignored",
                          "Runtimes that are reading or processing this configuration file MUST "
                          "NOT generate an error if they encounter an unknown property. Instead "
                          "they MUST ignore unknown properties.",
                          {"cwd|/"},
                          [](json& c) {
                            c["org.example.unknown"] = {{"a", 1}};
                            c["process"]["org.example.unknown"] = "x";
                            c["linux"]["org.example.unknown"] = json::array({1, 2});
                          }));
  cases.push_back(refused("config.md#valid-values: an unknown mount propagation value is an error",
                          "Runtimes that are reading or processing this configuration file MUST "
                          "generate an error when invalid or unsupported values are encountered.",
                          [](json& c) { c["linux"]["rootfsPropagation"] = "no-such-propagation"; }));
}

}  // namespace conf
