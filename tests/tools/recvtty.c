/* recvtty: a console-socket receiver for tests (the role conmon/containerd-shim play).
 *
 *   recvtty SOCKET_PATH INPUT_FILE OUTPUT_FILE
 *
 * Listens on SOCKET_PATH, accepts one connection, receives one message carrying exactly one
 * fd (SCM_RIGHTS) and prints "name=<payload> fds=<n>" on stdout. Then it writes INPUT_FILE's
 * bytes to the pty master and copies everything the master yields into OUTPUT_FILE until
 * the pty hangs up (EIO: every holder of the slave is gone). Exit 0 on success. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: recvtty SOCKET INPUT OUTPUT\n");
        return 2;
    }
    int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
    unlink(argv[1]);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 1) < 0) {
        perror("bind/listen");
        return 1;
    }
    /* Ready marker: the test waits for this line before starting the runtime. */
    printf("listening\n");
    fflush(stdout);
    int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) {
        perror("accept");
        return 1;
    }
    char name[4096] = {0};
    char cbuf[CMSG_SPACE(sizeof(int) * 8)];
    struct iovec iov = {name, sizeof name - 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    ssize_t n = recvmsg(c, &m, MSG_CMSG_CLOEXEC);
    if (n < 0) {
        perror("recvmsg");
        return 1;
    }
    int nfds = 0, master = -1;
    for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
        if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) continue;
        int cnt = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < cnt; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof fd);
            if (master < 0) master = fd;
            nfds++;
        }
    }
    printf("name=%s fds=%d\n", name, nfds);
    fflush(stdout);
    if (master < 0) return 1;
    int in = open(argv[2], O_RDONLY | O_CLOEXEC);
    int out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (in < 0 || out < 0) {
        perror("open");
        return 1;
    }
    char buf[4096];
    ssize_t r;
    while ((r = read(in, buf, sizeof buf)) > 0)
        if (write(master, buf, (size_t)r) != r) return 1;
    for (;;) {
        r = read(master, buf, sizeof buf);
        if (r > 0) {
            if (write(out, buf, (size_t)r) != r) return 1;
            continue;
        }
        if (r < 0 && errno == EINTR) continue;
        break; /* EIO: hung up */
    }
    return 0;
}
