/*  role_ctl.h - a role's control requests to the I/O actor, from any thread

    A request goes on the role's push socket (behind its earlier sends, so
    they leave first), built from a zsock_send picture whose first two items
    are its name and the number role_ctl_begin gave. The answer comes on the
    role's ctl pair, which has no high-water mark: it is never refused while
    the role holds its end. One request is open at a time (the ctl lock);
    the whole call, waiting for the lock included, has one deadline. An
    answer that comes after its caller gave up is discarded by the next
    caller, by its number.

        role_call_t call;
        if (role_ctl_begin (role, timeout, &call, error))
            return -1;
        zmsg_t *answer = role_ctl_end (role, &call,
            role_push (role, "s44", "STATS", call.seq, role->role_id), "STATS", error);
*/
#ifndef ASYNROLE_ROLE_CTL_H_INCLUDED
#define ASYNROLE_ROLE_CTL_H_INCLUDED

#include "role.h"
#include <czmq.h>

//  One request under way
typedef struct {
    uint32_t seq;      //  its number
    int64_t deadline;  //  when the caller stops waiting (clock_ms)
    int timeout;       //  how long that was, for the error
} role_call_t;

//  Push a message built from a zsock_send picture, under the push lock;
//  0, or -1 with errno (EAGAIN: the I/O actor is gone)
int role_push (role_t *role, const char *picture, ...);

//  Take the ctl lock, waiting at most timeout_ms, and number the request.
//  0, or -1 with ASYNROLE_ETIMEOUT (other callers held the lock too long).
int role_ctl_begin (role_t *role, int timeout_ms, role_call_t *call, asynrole_error_t *error);

//  role_ctl_begin for a request that changes the role's slot at the I/O
//  actor (FILTER, CAPTURE): -1 with ASYNROLE_ECLOSED, and the lock given
//  back, once the role has detached or is detaching
int role_ctl_begin_attached (role_t *role, int timeout_ms, role_call_t *call,
                             asynrole_error_t *error);

//  sent: role_push's result for the request. Wait for its answer, named
//  name, until the call's deadline, then drop the lock. The answer with its
//  name and number taken off, or NULL with error filled (ASYNROLE_ETIMEOUT
//  when none came in time).
zmsg_t *role_ctl_end (role_t *role, const role_call_t *call, int sent, const char *name,
                      asynrole_error_t *error);

//  How long a step of starting or stopping the role may wait: its timeout,
//  but never less than the default, so that a short deadline chosen for
//  _stats never leaves sockets half made or half closed
int role_ctl_step_timeout (role_t *role);

#endif
