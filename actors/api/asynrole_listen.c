/*  asynrole_listen.c - descriptors passed by systemd, and interface strings
    that name descriptors ("fd:N", "systemd:NAME") */
#define _GNU_SOURCE
#include "asynrole_listen.h"
#include "error_fill.h"
#include "listen_internal.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  First descriptor systemd passes (SD_LISTEN_FDS_START), and the most we
//  believe it passes (a larger LISTEN_FDS is malformed, not a long loop)
#define LISTEN_FDS_START 3
#define LISTEN_FDS_MAX 65536

//  A whole decimal number in 0..max
static bool
s_number (const char *text, long long max, long long *value)
{
    if (!text || !*text || strspn (text, "0123456789") != strlen (text) || strlen (text) > 10)
        return false;
    *value = strtoll (text, NULL, 10);
    return *value <= max;
}

//  How many descriptors systemd passed to this process; -1 with error
static int
s_passed (asynrole_error_t *error)
{
    const char *pid_text = getenv ("LISTEN_PID");
    const char *fds_text = getenv ("LISTEN_FDS");
    if (!pid_text || !fds_text)
        return error_badarg (error,
                             "systemd passed no sockets: LISTEN_PID and LISTEN_FDS are unset");
    long long pid, fds;
    if (!s_number (pid_text, INT_MAX, &pid) || !s_number (fds_text, LISTEN_FDS_MAX, &fds))
        return error_badarg (error,
                             "LISTEN_PID or LISTEN_FDS is not a number (LISTEN_FDS at most 65536)");
    if (pid != getpid ())
        return error_badarg (error, "the sockets systemd passed are for process %lld, not this one",
                             pid);
    return (int) fds;
}

//  Does entry i of LISTEN_FDNAMES (colon-separated) equal name? Missing
//  entries are "unknown", as systemd names them.
static bool
s_named (const char *names, int i, const char *name)
{
    const char *at = names;
    for (int k = 0; at && k < i; k++) {
        at = strchr (at, ':');
        at = at ? at + 1 : NULL;
    }
    if (!at)
        return strcmp (name, "unknown") == 0;
    size_t len = strcspn (at, ":");
    return strlen (name) == len && strncmp (at, name, len) == 0;
}

int
asynrole_listen_fds (const char *name, int *fds, size_t max, asynrole_error_t *error)
{
    if (max && !fds)
        return error_badarg (error, "no array for the descriptors");
    int passed = s_passed (error);
    if (passed < 0)
        return -1;
    const char *names = getenv ("LISTEN_FDNAMES");
    int found = 0;
    for (int i = 0; i < passed; i++)
        if (!name || s_named (names, i, name)) {
            if ((size_t) found < max)
                fds[found] = LISTEN_FDS_START + i;
            found++;
        }
    error_clear (error);
    return found;
}

int
listen_iface_fd (const char *text, asynrole_error_t *error)
{
    char quoted[ERROR_QUOTE_MAX];
    long long fd;
    if (strncmp (text, "fd:", 3) == 0) {
        if (!s_number (text + 3, INT_MAX, &fd))
            return error_badarg (error, "not a descriptor number: %s",
                                 error_quote (text, quoted, sizeof quoted));
    }
    else if (strncmp (text, "systemd:", 8) == 0) {
        int fds[2];
        int found = asynrole_listen_fds (text + 8, fds, 2, error);
        if (found < 0)
            return -1;
        if (found != 1)
            return error_badarg (error,
                                 "systemd passed %d sockets named so, not one: %s (see "
                                 "asynrole_listen_fds)",
                                 found, error_quote (text, quoted, sizeof quoted));
        fd = fds[0];
    }
    else
        return LISTEN_NOT_FD;
    if (fcntl ((int) fd, F_GETFD) < 0)
        return error_set (error, ASYNROLE_EBADARG, ASYNROLE_OP_ADOPT, errno,
                          "descriptor %lld is not open: %s", fd,
                          error_quote (text, quoted, sizeof quoted));
    return (int) fd;
}
