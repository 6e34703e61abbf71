/* sdnotify: sd_notify(3) for tests, run inside a container.
 *
 *   sdnotify STATE
 *
 * Sends STATE (e.g. "READY=1") as one datagram to the AF_UNIX socket named by
 * $NOTIFY_SOCKET ("@name" for the abstract namespace). Exit 0 when sent. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *path = getenv("NOTIFY_SOCKET");
    if (argc != 2 || !path || !*path || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        fprintf(stderr, "usage: NOTIFY_SOCKET=PATH sdnotify STATE\n");
        return 2;
    }
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    memcpy(a.sun_path, path, strlen(path));
    socklen_t len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
    if (path[0] == '@') a.sun_path[0] = 0;
    else len++;
    int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0 || sendto(s, argv[1], strlen(argv[1]), 0, (struct sockaddr *)&a, len) < 0) {
        perror("sdnotify");
        return 1;
    }
    return 0;
}
