/*  snmp_cli.c - what the SNMP example programs share (see snmp_cli.h)
*/
#define _GNU_SOURCE  //  signalfd
#include "snmp_cli.h"
#include "polled_write.h"
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

size_t
snmp_cli_number (const char *text, size_t max)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull (text, &end, 10);
    if (errno || end == text || *end || text[0] < '0' || text[0] > '9' || value > max)
        return 0;
    return (size_t) value;
}

bool
snmp_cli_check_listen (const char *program, const char *text)
{
    //  Adopted sockets: the Agent checks them when it starts
    if (strncmp (text, "fd:", 3) == 0 || strncmp (text, "systemd:", 8) == 0)
        return true;
    asynrole_addr_t addr;
    asynrole_error_t error;
    if (asynrole_addr_parse (&addr, text, &error) == 0)
        return true;
    fprintf (stderr, "%s: bad --listen '%s': %s\n", program, text, error.detail);
    return false;
}

int
snmp_cli_signals (void)
{
    sigset_t set;
    sigemptyset (&set);
    sigaddset (&set, SIGINT);
    sigaddset (&set, SIGTERM);
    if (pthread_sigmask (SIG_BLOCK, &set, NULL) != 0)
        return -1;
    return signalfd (-1, &set, SFD_CLOEXEC);
}

void
snmp_cli_print_listening (asynrole_agent_t *agent)
{
    printf ("listening on");
    for (size_t i = 0; i < asynrole_agent_count (agent); i++) {
        char text[ASYNROLE_ADDR_STRLEN];
        printf (" %s", asynrole_addr_format (asynrole_agent_local (agent, i), text, sizeof text));
    }
    printf ("\n");
    fflush (stdout);
}

int
snmp_cli_wait (int signal_fd, int wake_fd)
{
    struct pollfd fds[2] = { { .fd = signal_fd, .events = POLLIN },
                             { .fd = wake_fd, .events = POLLIN } };
    //  A server waits for as long as it runs; each poll is one wake-up
    while (true) {
        int rc = poll (fds, wake_fd >= 0 ? 2 : 1, -1);
        if (rc < 0 && errno != EINTR)
            return SIGTERM;  //  cannot wait: stop as if asked to
        if (rc > 0 && (fds[0].revents & POLLIN)) {
            struct signalfd_siginfo info;
            if (read (signal_fd, &info, sizeof info) == (ssize_t) sizeof info)
                return (int) info.ssi_signo;
        }
        if (rc > 0 && wake_fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP)))
            return 0;
    }
}

int
snmp_cli_write (int fd, int stop_fd, int timeout_ms, const char *data, size_t len)
{
    int64_t deadline = timeout_ms < 0 ? -1 : polled_now_ms () + timeout_ms;
    return polled_write (fd, stop_fd, deadline, &data, &len);
}
