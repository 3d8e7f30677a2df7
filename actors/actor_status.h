/*  actor_status.h - how our actors say whether they started

    zactor_new waits for the actor's first signal; after it the actor sends
    one status message ("ib": 0 or -1, an asynrole_error_t), which the
    public class reads. An actor that failed to start stays until $TERM, so
    zactor_destroy finds the pipe as it expects. */
#ifndef ASYNROLE_ACTOR_STATUS_H_INCLUDED
#define ASYNROLE_ACTOR_STATUS_H_INCLUDED

#include "asynrole_error.h"
#include <czmq.h>

//  Actor side: signal, send the status; when not started, wait for $TERM.
//  Returns started.
bool actor_status_send (zsock_t *pipe, bool started, const asynrole_error_t *error);

//  Class side: read the status. Returns 0, or -1 with error filled.
int actor_status_recv (zactor_t *actor, asynrole_error_t *error);

#endif
