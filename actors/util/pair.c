/*  pair.c - the one builder of inproc PAIR pairs */
#include "pair.h"
#include "bounds.h"
#include "ctx.h"
#include "error_fill.h"
#include <czmq.h>
#include <errno.h>
#include <stdatomic.h>

//  Makes every endpoint unique in the process
static atomic_uint s_endpoints;

int
pair_new (void **bound, void **connected, const char *what, asynrole_error_t *error)
{
    char endpoint[LIMIT_ENDPOINT];
    snprintf (endpoint, sizeof endpoint, "inproc://asynrole-%s-%u", what,
              atomic_fetch_add (&s_endpoints, 1));
    *bound = ctx_socket (ZMQ_PAIR, error);
    *connected = *bound ? ctx_socket (ZMQ_PAIR, error) : NULL;
    if (*bound && *connected) {
        if (zmq_bind (*bound, endpoint) == 0 && zmq_connect (*connected, endpoint) == 0)
            return 0;
        error_zmq (error, errno, "cannot join an inproc pair");
    }
    ctx_close (bound);
    ctx_close (connected);
    return -1;
}
