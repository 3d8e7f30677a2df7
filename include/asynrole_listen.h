/*  asynrole_listen.h - sockets made before the roles: systemd socket
    activation, and ports below 1024 bound before privilege is dropped

    A role adopts a bound UDP socket when an interface string names it:
        "fd:N"          descriptor N (bound, UDP, IPv4 or IPv6)
        "systemd:NAME"  the one descriptor systemd passed under NAME
                        (FileDescriptorName= in the .socket unit; without
                        it systemd names them after the unit, "x.socket";
                        without LISTEN_FDNAMES at all they are "unknown")
    The role works on a copy (F_DUPFD_CLOEXEC): the caller's descriptor stays
    the caller's, open, and may be closed once the role is made. The copy
    gets the options every socket gets (IP_PKTINFO, IP_RECVERR, ...); these
    are set on the socket, which the two descriptors share. Adopted sockets
    keep their buffer sizes unless options.rcvbuf / sndbuf ask otherwise.
    A descriptor that is not a socket, not UDP, not IPv4 or IPv6, or not
    bound is refused with ASYNROLE_EBADARG (op ASYNROLE_OP_ADOPT).
    docs/deployment.md has units and examples.
*/
#ifndef ASYNROLE_LISTEN_H_INCLUDED
#define ASYNROLE_LISTEN_H_INCLUDED

#include "asynrole_error.h"
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

//  The descriptors systemd passed this process (LISTEN_PID, LISTEN_FDS,
//  LISTEN_FDNAMES; they start at 3) whose name is name, or all when name is
//  NULL. Fills at most max of them into fds (NULL when max is 0) and returns
//  how many there are (0 when none has that name, or LISTEN_FDS is 0), or
//  -1 with ASYNROLE_EBADARG: LISTEN_PID / LISTEN_FDS are unset or name
//  another process, or the variables are malformed. Reads the environment only:
//  nothing is unset or closed (call it before starting threads that change
//  the environment).
ASYNROLE_EXPORT int asynrole_listen_fds (const char *name, int *fds, size_t max,
                                         asynrole_error_t *error);

#ifdef __cplusplus
}
#endif
#endif
