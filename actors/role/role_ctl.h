/*  role_ctl.h - a role's control requests to the I/O actor, from any thread

    A request goes on the role's push socket (behind its earlier sends, so
    they leave first), built from a zsock_send picture whose first two items
    are its name and the number role_ctl_begin gave. The answer comes on the
    role's ctl pair, which has no high-water mark: it is never lost. The
    caller waits for it at most options.timeout; an answer that comes after
    its caller gave up is discarded by the next caller, by its number.

        uint32_t seq = role_ctl_begin (role);
        zmsg_t *answer = role_ctl_end (role, seq,
            role_push (role, "s44", "STATS", seq, role->role_id), "STATS", timeout, error);
*/
#ifndef ASYNROLE_ROLE_CTL_H_INCLUDED
#define ASYNROLE_ROLE_CTL_H_INCLUDED

#include "role.h"
#include <czmq.h>

//  Push a message built from a zsock_send picture, under the push lock;
//  0, or -1 with errno
int role_push (role_t *role, const char *picture, ...);

//  Take the ctl lock and number the next request
uint32_t role_ctl_begin (role_t *role);

//  sent: role_push's result for the request numbered seq. Wait at most
//  timeout_ms for its answer, named name, then drop the lock. The answer
//  with its name and number taken off, or NULL with error filled
//  (ASYNROLE_ETIMEOUT when none came in time).
zmsg_t *role_ctl_end (role_t *role, uint32_t seq, int sent, const char *name, int timeout_ms,
                      asynrole_error_t *error);

//  How long a step of starting or stopping the role may wait: its timeout,
//  but never less than the default, so that a short deadline chosen for
//  _stats never leaves sockets half made or half closed
int role_ctl_step_timeout (role_t *role);

#endif
