/*  workers.h - the workers actor (Agent side of asynrole_remote.h): hands
    a pipe-mode Agent's datagrams to workers by credit, and their replies
    back to the Agent

    Commands on its pipe, each answered "isb" (rcall.h):
        "STATS"   -> blob: an asynrole_remote_stats_t
        "LIST"    -> blob: every asynrole_worker_info_t it has (connected
                     first, then the last gone, latest first)
        "$TERM"   -> from actor_destroy: BYE to every worker, then it ends;
                     any other $TERM is refused (ASYNROLE_EBADARG)
        any other -> ASYNROLE_EBADARG */
#ifndef ASYNROLE_WORKERS_H_INCLUDED
#define ASYNROLE_WORKERS_H_INCLUDED

#include "actor.h"
#include "asynrole_remote.h"

//  Room for an endpoint as libzmq writes it (ZMQ_LAST_ENDPOINT)
#define WORKERS_ENDPOINT_MAX 256

//  What the actor starts with; it lives in the public object, which
//  outlives the actor
typedef struct {
    asynrole_agent_t *agent;                   //  whose data socket it reads
    const char *endpoint;                      //  to bind (valid during the start)
    const asynrole_remote_options_t *options;  //  likewise (keys: read at the start)
    asynrole_local_fn *local;                  //  runs first for each datagram
    void *local_ctx;                           //  its ctx
    asynrole_overflow_t overflow;              //  when no worker has credit
    uint32_t max_credit;                       //  granted at most
    int heartbeat;                             //  ms
    int heartbeat_timeout;                     //  ms
    asynrole_remote_event_fn *on_event;        //  events go here
    void *event_ctx;                           //  its ctx
    bool verbose;                              //  log what happens
    int timeout;                               //  ms to wait for the go of _new
    char name[64];                             //  in log lines
    char bound[WORKERS_ENDPOINT_MAX];          //  written by the actor before its start
                                               //  status: the endpoint bound
} workers_args_t;

//  The actor's body (actor_new's fn; args: a workers_args_t)
void workers_actor (actor_t *actor, void *args);

#endif
