/*  rserver.h - the request server's actor (asynrole_server_t)

    Its thread owns the ROUTER that clients connect to. Each REQUEST becomes
    a request on the Manager (asynrole_manager_request), whose ctx is a
    small record of ours (srec_t): the client's routing id and its token.
    The result callback runs in the Manager's thread, which may not touch
    the ROUTER: it encodes the RESULT and posts the record to the server's
    mailbox (rmail.h), whose doorbell wakes the server, which sends it.
    Records are kept per client by token, so that a CANCEL, a client that
    says BYE or goes silent, and the server's destroy find the Manager's
    handle. The pipe takes $TERM only; counters are a mailbox call (RSERVER_STATS),
    and so is the Manager's destroy letting its server go (RSERVER_DETACH). */
#ifndef ASYNROLE_RSERVER_H_INCLUDED
#define ASYNROLE_RSERVER_H_INCLUDED

#include "actor.h"
#include "rmail.h"
#include "rremote.h"

#define RSERVER_STATS 1
#define RSERVER_DETACH 2

struct rserver_self_s;

//  The public object
struct asynrole_server_s {
    actor_t *actor;                       //  the server's thread
    rmail_t *mail;                        //  results and calls for it
    asynrole_manager_t *manager;          //  whose requests we make; NULL once
                                          //  detached (the server's thread writes
                                          //  it; destroy reads it after the join)
    rremote_options_t options;            //  checked
    struct rserver_self_s *inner;         //  the actor's state (its thread only)
    char endpoint[RREMOTE_ENDPOINT_MAX];  //  asked for, then bound (written
                                          //  before the start-up status)
};

void rserver_actor (actor_t *actor, void *args);

//  In the server's own thread (on_event): its counters at once
void rserver_stats_here (asynrole_server_t *server, asynrole_remote_stats_t *stats);

//  The Manager's destroy, before it stops: the server forgets it (a
//  mailbox call, at most options.timeout; at once from the server's own
//  thread). From then on every REQUEST is answered RESULT ASYNROLE_ECLOSED.
void rserver_detach (asynrole_server_t *server);

//  The mailbox's free function: a result nobody sent (the server gone)
void rserver_item_free (rmail_item_t *item);

#endif
