// config.json <-> specs::Spec. Parse errors name the JSON path and the reason:
//   "linux.namespaces[2].type: unknown namespace \"pdi\""
// Unknown keys are ignored (runtime-spec: "implementations MUST ignore unknown properties").
#pragma once
#include <string>
#include <string_view>

#include "lc/error.hpp"
#include "specs/runtime_spec.hpp"

namespace specs {

lc::Result<Spec> parse_config(std::string_view text);
// Reads and parses a file; errors are prefixed with the path.
lc::Result<Spec> load_config(const std::string& path);
std::string to_json_string(const Spec& spec, bool pretty = false);

// A process JSON as `exec --process` receives it.
lc::Result<Process> parse_process(std::string_view text);
// A linux.resources JSON as `update --resources` receives it.
lc::Result<LinuxResources> parse_resources(std::string_view text);
std::string to_json_string(const LinuxResources& r);

// Hooks round-trip (the state store keeps the hooks a later command must run).
std::string to_json_string(const Hooks& hooks);
lc::Result<Hooks> parse_hooks(std::string_view text);

// The config `cort spec` writes: runc's default (busybox-friendly `sh`, terminal true),
// or its rootless variant.
Spec default_spec(bool rootless);

}  // namespace specs
