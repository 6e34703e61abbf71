#include "state/container_id.hpp"

#include <cerrno>
#include <string>

namespace lc {

Result<void> validate_container_id(std::string_view id) {
    if (id.empty()) return plain_error(EINVAL, "container id: must not be empty");
    if (id == "." || id == "..") return plain_error(EINVAL, "container id \"" + std::string(id) + "\": not allowed");
    if (id.size() > 1024) return plain_error(EINVAL, "container id: longer than 1024 characters");
    for (char c : id) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '+' || c == '-' || c == '.';
        if (!ok)
            return plain_error(EINVAL, "container id \"" + std::string(id) +
                                     "\": invalid character (allowed: letters, digits, _ + - .)");
    }
    return {};
}

}  // namespace lc
