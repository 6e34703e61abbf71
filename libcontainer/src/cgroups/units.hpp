// Byte sizes as runc's `update` flags take them (docker/go-units RAMInBytes): "1024",
// "512k", "512m", "1.5g", "2GiB", "1 GB"; binary multiples (k = 1024) whatever the case
// or suffix spelling. runc passes "-1" through as "unlimited" before parsing; so do we.
#pragma once
#include <cstdint>
#include <string_view>

#include "lc/error.hpp"

namespace lc::cgroups {

// Errors name the flag: `invalid value for --memory: invalid size "1.5x"`.
Result<int64_t> parse_ram_bytes(std::string_view text, std::string_view flag);

}  // namespace lc::cgroups
