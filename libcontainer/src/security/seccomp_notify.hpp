// Handing a seccomp notify listener fd to the agent at linux.seccomp.listenerPath.
// runc does this from the parent once the init sent it the fd; the functions here do not
// care which process calls them.
#pragma once
#include <sys/types.h>

#include <string>

#include "lc/error.hpp"
#include "specs/oci_state.hpp"

namespace lc::security {

// The runtime-spec's ContainerProcessState:
//   {"ociVersion","fds":["seccompFd"],"pid","metadata","state":{...OCI state...}}
struct ContainerProcessState {
    std::string oci_version = "1.3.0";
    pid_t pid = 0;         // the container process the filter was loaded into
    std::string metadata;  // linux.seccomp.listenerMetadata, opaque
    specs::OciState state;
};
std::string to_json_string(const ContainerProcessState& s);

// Connects an AF_UNIX SOCK_STREAM socket to listener_path and sends the JSON with the fd
// attached (SCM_RIGHTS, one fd, index 0 = "seccompFd"). The caller keeps its fd.
Result<void> send_seccomp_listener_fd(const std::string& listener_path, int listener_fd,
                                      const ContainerProcessState& state);

}  // namespace lc::security
