/* Runs a command under a seccomp filter that makes openat2(2) fail with ENOSYS, as on a
 * kernel older than 5.6, so the tests cover cort's fallbacks (crun's tests/no_openat2.c
 * does the same for crun). A raw BPF filter: the tool is built static without libseccomp.
 * Usage: no_openat2 PROGRAM ARGS... */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_openat2
#define __NR_openat2 437
#endif

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: no_openat2 PROGRAM ARGS...\n");
        return 2;
    }
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat2, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof filter / sizeof filter[0], .filter = filter};
    /* Root (CAP_SYS_ADMIN) needs no no_new_privs, and cort must keep its privileges. */
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
        perror("no_openat2: seccomp");
        return 2;
    }
    if (syscall(__NR_openat2, -100, "/", NULL, 0) != -1 || errno != ENOSYS) {
        fprintf(stderr, "no_openat2: the filter does not make openat2 fail with ENOSYS\n");
        return 2;
    }
    execv(argv[1], argv + 1);
    fprintf(stderr, "no_openat2: exec %s: %s\n", argv[1], strerror(errno));
    return 127;
}
