/*
 * timer.c - wall-clock one command (or N sequential runs of it) for tests/bench/bench.sh.
 *
 * Why not bash's `time` or `date +%s%N`: both add a fork/exec of their own and a
 * millisecond-scale parse around the command, which is noise next to a 2 ms `state`.
 * Here the clock starts just before posix_spawn (vfork-like in glibc: no page-table
 * copy) and stops right after waitpid, so only the command itself is measured.
 *
 * usage: timer [-n N] [-t SECONDS] [-e ERRFILE] [--] CMD [ARGS...]
 *   Runs CMD N times (default 1) one after the other, stdin and stdout on /dev/null,
 *   stderr appended to ERRFILE (default /dev/null). Prints the total elapsed time in
 *   microseconds (3 decimals) on stdout. Exit 0 if every run exited 0; otherwise it
 *   stops at the first failure, prints its status on stderr and exits 1.
 *   -t: a run still going after SECONDS is SIGKILLed and counts as a failure, so a
 *   runtime that hangs (a half-written one) cannot stall the whole benchmark.
 *
 * Build: gcc -O2 -o timer timer.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static volatile pid_t child;
static void on_alarm(int sig)
{
    (void)sig;
    if (child > 0)
        kill(child, SIGKILL);
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
    long n = 1, timeout = 0;
    const char *errfile = "/dev/null";
    int i = 1;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            n = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "-t") && i + 1 < argc)
            timeout = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "-e") && i + 1 < argc)
            errfile = argv[++i];
        else if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else
            break;
    }
    if (i >= argc || n < 1) {
        fprintf(stderr, "usage: timer [-n N] [-t SECONDS] [-e ERRFILE] [--] CMD [ARGS...]\n");
        return 2;
    }

    /* Opened once, outside the timed region. */
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    int err = open(errfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (devnull < 0 || err < 0) {
        perror("timer: open");
        return 2;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, devnull, 0);
    posix_spawn_file_actions_adddup2(&fa, devnull, 1);
    posix_spawn_file_actions_adddup2(&fa, err, 2);
    struct sigaction sa = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa, NULL);

    double start = now_us();
    for (long k = 0; k < n; k++) {
        pid_t pid;
        int rc = posix_spawnp(&pid, argv[i], &fa, NULL, argv + i, environ);
        if (rc) {
            fprintf(stderr, "timer: spawn %s: %s\n", argv[i], strerror(rc));
            return 1;
        }
        child = pid;
        if (timeout > 0)
            alarm((unsigned)timeout);
        int st, w;
        while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
            ;
        alarm(0);
        child = 0;
        if (w < 0) {
            perror("timer: waitpid");
            return 1;
        }
        if (!WIFEXITED(st) || WEXITSTATUS(st)) {
            fprintf(stderr, "timer: run %ld of %s: %s %d\n", k + 1, argv[i],
                    WIFEXITED(st) ? "exit" : "signal",
                    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
            return 1;
        }
    }
    printf("%.3f\n", now_us() - start);
    return 0;
}
