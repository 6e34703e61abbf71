#include "lc/error.hpp"

#include <cstring>
#include <fcntl.h>

#include "lc/fd.hpp"

namespace lc {

std::string Error::text() const {
    if (code == 0 || plain) return msg;
    return msg + ": " + std::strerror(code);
}

Error sys_error(std::string what, int err) { return Error(err, std::move(what)); }

Result<Pipe> make_pipe(int extra_flags) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | extra_flags) < 0) return sys_error("pipe2");
    return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace lc
