/*  rclient.h - the client's actor (asynrole_client_t)

    Its thread owns a DEALER connected to a server. Requests from any
    thread are posted to its mailbox (rmail.h) with a slot reserved
    (in_flight, at most max_in_flight): the call never waits. The actor
    keeps them by handle (the token on the wire), holds them until the
    server's WELCOME, and ends each exactly once, in its own thread: with
    the server's RESULT, ASYNROLE_ECANCELLED (cancel: at once, locally; a
    CANCEL goes to the server), ASYNROLE_EDISCONNECTED (the server went
    silent, said BYE, or no longer knows us: a fresh DEALER says HELLO
    again) or ASYNROLE_ECLOSED (destroy). Calls from other threads (cancel,
    counters) are mailbox calls; from the client's own thread (a result callback)
    they run at once. The pipe takes $TERM only. */
#ifndef ASYNROLE_RCLIENT_H_INCLUDED
#define ASYNROLE_RCLIENT_H_INCLUDED

#include "actor.h"
#include "rmail.h"
#include "rremote.h"

#define RCLIENT_STATS 1
#define RCLIENT_CANCEL 2

//  A request handed to the actor (kind RCLIENT_REQUEST)
#define RCLIENT_REQUEST RMAIL_USER

typedef struct {
    rmail_item_t item;                    //  first: the mailbox's link
    uint64_t handle;                      //  ours, and the token on the wire
    asynrole_client_result_fn *callback;  //  runs once
    void *ctx;                            //  for it
    asynrole_addr_t destination;          //  where the server's Manager sends it
    bool has_policy;                      //  else the server engine's
    asynrole_policy_t policy;             //  when has_policy
    bool sent;                            //  the REQUEST left (a CANCEL is due)
    size_t size;                          //  bytes in data
    uint8_t data[];                       //  the payload
} creq_t;

struct rclient_self_s;

//  The public object
struct asynrole_client_s {
    actor_t *actor;                       //  the client's thread (destroy's only)
    pthread_t thread;                     //  its identity, set by the thread before
                                          //  it serves; read by calls (never cleared)
    rmail_t *mail;                        //  requests and calls for it
    rremote_options_t options;            //  checked
    char endpoint[RREMOTE_ENDPOINT_MAX];  //  the server's
    atomic_size_t in_flight;              //  slots reserved: requests made, not ended
    atomic_uint_fast64_t handles;         //  the last handle given
    struct rclient_self_s *inner;         //  the actor's state (its thread only)
    bool deferred;                        //  client thread: destroy from a callback
    atomic_bool closing;                  //  destroy has begun: calls refused
    atomic_int calls;                     //  calls under way (a bulk dispatch waits)
    pthread_mutex_t calls_mutex;          //  with calls_cond: destroy waits for
    pthread_cond_t calls_cond;            //  the last call to leave (CLOCK_MONOTONIC)
};

void rclient_actor (actor_t *actor, void *args);

//  A call begins: 0, or -1 with ASYNROLE_ECLOSED once destroy has begun
int rclient_enter (asynrole_client_t *client, asynrole_error_t *error);
void rclient_leave (asynrole_client_t *client);

//  Free the public object once the calls under way have left (at most
//  options.timeout: then it is left, and logged)
void rclient_free (asynrole_client_t *client);

//  In the client's own thread (a callback): cancel and counters at once
int rclient_cancel_here (asynrole_client_t *client, uint64_t handle, asynrole_error_t *error);
bool rclient_in_own_thread (asynrole_client_t *client);
void rclient_stats_here (asynrole_client_t *client, asynrole_remote_stats_t *stats);

#endif
