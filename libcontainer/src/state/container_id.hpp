#pragma once
#include <string_view>

#include "lc/error.hpp"

namespace lc {

// Container ids become directory names under --root and cgroup names: no '/', no "." or
// "..", nothing empty, nothing that needs quoting. Same charset as runc: [\w+-.].
Result<void> validate_container_id(std::string_view id);

}  // namespace lc
