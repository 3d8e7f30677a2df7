/*  worker.h - the worker actor (worker side of asynrole_remote.h): a
    DEALER connected to a workers actor, a callback per datagram, credit
    given back once per burst, heartbeats, HELLO again when the workers
    actor is lost

    Commands on its pipe, each answered "isb" (rcall.h):
        "STATS"           -> blob: an asynrole_remote_stats_t
        "SEND" + frames   -> the frames are a SEND message (rwire), sent as
                             they are; ASYNROLE_EDISCONNECTED when not joined
        "$TERM"           -> from actor_destroy: BYE, then it ends
        any other         -> ASYNROLE_EBADARG */
#ifndef ASYNROLE_WORKER_H_INCLUDED
#define ASYNROLE_WORKER_H_INCLUDED

#include "actor.h"
#include "asynrole_remote.h"
#include <czmq.h>
#include <stdatomic.h>

typedef struct worker_state_s worker_state_t;

//  What the actor starts with; it lives in the public object
typedef struct {
    asynrole_worker_t *worker;     //  the public object, for the callback
    asynrole_worker_fn *callback;  //  per datagram and per event
    void *ctx;                     //  its ctx
    char endpoint[256];            //  to connect (checked: at most 255 bytes)
    char secret_key[41];           //  CURVE keys (Z85), "" = none: a new
    char public_key[41];           //  socket is made for each new link
    char server_key[41];
    uint32_t credit;            //  asked in HELLO
    int heartbeat;              //  ms, until WELCOME says otherwise
    int heartbeat_timeout;      //  likewise
    bool verbose;               //  log what happens
    int timeout;                //  ms to wait for the go of _new
    char name[64];              //  in HELLO and in log lines
    atomic_bool destroying;     //  destroyed from the callback: end
                                //  once it returns, then free
    void (*finalize) (void *);  //  frees the public object then
    worker_state_t *state;      //  the actor's own (its thread only)
} worker_args_t;

void worker_actor (actor_t *actor, void *args);

//  In the worker's thread only: send a SEND message (taken) now. 0, or -1
//  with error filled (ASYNROLE_EDISCONNECTED when not joined).
int worker_send_now (worker_state_t *state, zmsg_t **msg_p, asynrole_error_t *error);

//  In the worker's thread only: is its callback running? Its counters.
bool worker_in_callback (worker_state_t *state);
void worker_stats_now (worker_state_t *state, asynrole_remote_stats_t *stats);

#endif
