// OCI hooks: the container's state JSON on stdin, the hook's own args and env, a timeout.
// Used both by the parent (prestart, createRuntime, poststart, poststop) and by the
// container init (createContainer, startContainer), so it touches no global state.
#pragma once
#include <string_view>
#include <vector>

#include "lc/error.hpp"
#include "specs/runtime_spec.hpp"

namespace lc::hooks {

// Error text: "createRuntime hook /usr/bin/x: exit status 3: <last lines of its output>".
Result<void> run_hook(const specs::Hook& h, std::string_view state_json, std::string_view kind);
// Runs in order and stops at the first failure.
Result<void> run_hooks(const std::vector<specs::Hook>& hs, std::string_view state_json, std::string_view kind);
// Runs every hook even when one fails (poststart, poststop: the spec says warn and go on);
// returns the failures' messages.
std::vector<std::string> run_hooks_all(const std::vector<specs::Hook>& hs, std::string_view state_json,
                                       std::string_view kind);

}  // namespace lc::hooks
