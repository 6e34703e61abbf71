// cort-conformance: OCI runtime-spec conformance cases against any runc-compatible runtime.
//
//   cort-conformance --runtime PATH [--checker PATH] [--filter SUBSTR] [--tap] [--verbose] [--list]
//
// Prints TAP ("ok N - <spec file>#<section>: <what>"), then "N passed, N failed, N skipped"
// (a TAP comment with --tap). Exits 0 only when no case failed. --list prints each case's name
// and the spec sentence it checks, tab-separated (run-peers.sh builds docs/conformance.md
// from it).
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.hpp"

namespace fs = std::filesystem;
using namespace conf;

namespace {

int usage() {
  std::cerr << "usage: cort-conformance --runtime PATH [--checker PATH] [--filter SUBSTR] "
               "[--tap] [--verbose] [--list]\n";
  return 2;
}

// One line, so a TAP reader keeps it as one diagnostic.
std::string oneline(std::string s) {
  for (auto& c : s)
    if (c == '\n') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  std::string filter;
  bool tap = false, list = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--runtime") opt.runtime = value();
      else if (a == "--checker") opt.checker = value();
      else if (a == "--busybox") opt.busybox = value();
      else if (a == "--filter") filter = value();
      else if (a == "--tap") tap = true;
      else if (a == "--verbose" || a == "-v") opt.verbose = true;
      else if (a == "--list") list = true;
      else return usage();
    } catch (const std::exception& e) {
      std::cerr << e.what() << "\n";
      return usage();
    }
  }

  std::vector<Case> all;
  add_lifecycle_cases(all);
  add_hook_cases(all);
  add_config_cases(all);
  add_linux_cases(all);
  add_linux_resource_cases(all);
  std::vector<Case> cases;
  for (auto& c : all)
    if (filter.empty() || c.name.find(filter) != std::string::npos) cases.push_back(c);

  if (list) {
    for (auto& c : cases) std::cout << c.name << "\t" << c.sentence << "\n";
    return 0;
  }
  if (opt.runtime.empty()) return usage();
  opt.runtime = fs::absolute(opt.runtime).string();
  if (opt.checker.empty())  // built beside the driver
    opt.checker = (fs::read_symlink("/proc/self/exe").parent_path() / "conf-checker").string();
  for (auto* p : {&opt.runtime, &opt.checker, &opt.busybox})
    if (access(p->c_str(), X_OK) != 0) {
      std::cerr << "cort-conformance: " << *p << " is not executable\n";
      return 2;
    }

  char tmpl[] = "/tmp/cort-conf.XXXXXX";
  if (!mkdtemp(tmpl)) {
    perror("mkdtemp");
    return 2;
  }
  opt.tmp = tmpl;
  chmod(opt.tmp.c_str(), 0755);
  // Container inits outlive the `create` that forked them; as a subreaper the driver gets
  // them, reaps them (as containerd's shim does) and so leaves no zombie behind.
  prctl(PR_SET_CHILD_SUBREAPER, 1);

  std::cout << "1.." << cases.size() << "\n" << std::flush;
  int passed = 0, failed = 0, skipped = 0, n = 0;
  for (auto& c : cases) {
    ++n;
    std::vector<std::string> fails, notes;
    std::string skip;
    {
      Ctx ctx(opt, n);
      try {
        c.fn(ctx);
      } catch (const Skip& s) {
        skip = s.why;
      } catch (const std::exception& e) {
        ctx.failures.push_back(std::string("exception: ") + e.what());
      }
      fails = ctx.failures;
      notes = std::move(ctx.notes);
    }  // cleanup runs here; its notes are lost but failures of cleanup show in the next case
    if (!skip.empty()) {
      std::cout << "ok " << n << " - " << c.name << " # SKIP " << oneline(skip) << "\n";
      ++skipped;
    } else if (fails.empty()) {
      std::cout << "ok " << n << " - " << c.name << "\n";
      ++passed;
    } else {
      std::cout << "not ok " << n << " - " << c.name << "\n";
      for (auto& f : fails) std::cout << "#   " << oneline(f) << "\n";
      ++failed;
    }
    if (opt.verbose || !fails.empty())
      for (auto& note : notes) std::cout << "#   " << oneline(note) << "\n";
    std::cout << std::flush;
  }
  sweep_cgroups();
  std::error_code ec;
  fs::remove_all(opt.tmp, ec);
  std::cout << (tap ? "# " : "") << passed << " passed, " << failed << " failed, " << skipped
            << " skipped\n";
  return failed ? 1 : 0;
}
