// Semantic checks the JSON schema cannot express. Every error names the field:
//   "mounts[3].destination: must be an absolute path, got \"proc\""
#pragma once
#include "lc/error.hpp"
#include "specs/runtime_spec.hpp"

namespace specs {

// ociVersion 1.0.0 .. 1.3.x accepted; other majors rejected.
lc::Result<void> validate_version(const std::string& oci_version);
// Whole-config checks: process present with args and absolute cwd, root.path present,
// absolute mount destinations, namespace types known and unique, id mappings only with a
// user namespace, timeOffsets only with a time namespace, hook paths absolute and timeouts > 0,
// rlimit types known and unique, device types valid, sysctls allowed by the namespaces.
lc::Result<void> validate(const Spec& spec);
lc::Result<void> validate_process(const Process& p, const std::string& field = "process");
// Every entry KEY=VALUE with a non-empty KEY and no NUL byte (runc refuses the rest);
// errors name `field[i]`.
lc::Result<void> validate_env(const std::vector<std::string>& env, const std::string& field);

}  // namespace specs
