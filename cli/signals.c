/*  signals.c - SIGINT and SIGTERM through a signalfd */
#define _GNU_SOURCE
#include "signals.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

int
signals_open (void)
{
    //  Whatever CZMQ might do later, its own handler stays off
    setenv ("ZSYS_SIGHANDLER", "false", 1);
    struct sigaction ignore;
    memset (&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    if (sigaction (SIGPIPE, &ignore, NULL))
        return -1;
    sigset_t set;
    sigemptyset (&set);
    sigaddset (&set, SIGINT);
    sigaddset (&set, SIGTERM);
    int rc = pthread_sigmask (SIG_BLOCK, &set, NULL);
    if (rc) {
        errno = rc;
        return -1;
    }
    return signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int
signals_take (int fd)
{
    struct signalfd_siginfo info;
    ssize_t got = read (fd, &info, sizeof info);
    return got == (ssize_t) sizeof info ? (int) info.ssi_signo : 0;
}

int
signals_wait (int signal_fd, int other_fd, int timeout_ms)
{
    struct pollfd items[2] = { { .fd = signal_fd, .events = POLLIN },
                               { .fd = other_fd, .events = POLLIN } };
    int rc = poll (items, other_fd >= 0 ? 2 : 1, timeout_ms);
    if (rc < 0)
        return errno == EINTR ? -1 : -2;
    if (rc == 0)
        return -1;
    if (items[0].revents) {
        int signal = signals_take (signal_fd);
        if (signal)
            return signal;
    }
    return other_fd >= 0 && items[1].revents ? 0 : -1;
}

const char *
signals_name (int signal)
{
    return signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "a signal";
}
