// Thin wrappers for syscalls glibc 2.36 lacks or wraps awkwardly. All return -1/errno.
#pragma once
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

namespace lc::sys {

inline int openat2(int dirfd, const char* path, const open_how* how) {
    return static_cast<int>(::syscall(SYS_openat2, dirfd, path, how, sizeof(*how)));
}
inline int pidfd_open(pid_t pid, unsigned flags = 0) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}
inline int pidfd_send_signal(int pidfd, int sig) {
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}
inline int pivot_root(const char* new_root, const char* put_old) {
    return static_cast<int>(::syscall(SYS_pivot_root, new_root, put_old));
}
inline int close_range(unsigned first, unsigned last, unsigned flags) {
    return static_cast<int>(::syscall(SYS_close_range, first, last, flags));
}
inline int open_tree(int dirfd, const char* path, unsigned flags) {
    return static_cast<int>(::syscall(SYS_open_tree, dirfd, path, flags));
}
inline int move_mount(int from_dfd, const char* from, int to_dfd, const char* to, unsigned flags) {
    return static_cast<int>(::syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags));
}
inline int fsopen(const char* fstype, unsigned flags) {
    return static_cast<int>(::syscall(SYS_fsopen, fstype, flags));
}
inline int fsconfig(int fd, unsigned cmd, const char* key, const void* value, int aux) {
    return static_cast<int>(::syscall(SYS_fsconfig, fd, cmd, key, value, aux));
}
inline int fsmount(int fd, unsigned flags, unsigned attr_flags) {
    return static_cast<int>(::syscall(SYS_fsmount, fd, flags, attr_flags));
}
inline int mount_setattr(int dirfd, const char* path, unsigned flags, mount_attr* attr) {
    return static_cast<int>(::syscall(SYS_mount_setattr, dirfd, path, flags, attr, sizeof(*attr)));
}
// Raw clone with fork semantics (no new stack): returns 0 in the child.
inline pid_t clone_fork(unsigned long flags) {
    return static_cast<pid_t>(::syscall(SYS_clone, flags, nullptr, nullptr, nullptr, nullptr));
}

// Attaches fds[0..n) to `msg` as one SCM_RIGHTS control message, built in `control`: aligned
// for cmsghdr, at least CMSG_SPACE(n * sizeof(int)) bytes, alive until the sendmsg.
inline void attach_fds(msghdr& msg, char* control, const int* fds, size_t n) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    std::memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
}

}  // namespace lc::sys
