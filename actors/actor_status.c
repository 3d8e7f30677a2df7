/*  actor_status.c - the start-up handshake of our actors */
#include "actor_status.h"
#include "error_fill.h"
#include <errno.h>

bool
actor_status_send (zsock_t *pipe, bool started, const asynrole_error_t *error)
{
    zsock_signal (pipe, 0);
    zsock_send (pipe, "ib", started ? 0 : -1, error, sizeof *error);
    if (!started) {
        char *command = zstr_recv (pipe);
        zstr_free (&command);
    }
    return started;
}

int
actor_status_recv (zactor_t *actor, asynrole_error_t *error)
{
    int rc = -1;
    byte *reason = NULL;
    size_t size = 0;
    if (actor)
        zsock_recv (actor, "ib", &rc, &reason, &size);
    if (rc != 0) {
        if (reason && size == sizeof *error) {
            if (error)
                memcpy (error, reason, sizeof *error);
        }
        else
            error_network (error, ASYNROLE_OP_SOCKET, EMFILE, NULL);
        rc = -1;
    }
    else
        error_clear (error);
    free (reason);
    return rc;
}
