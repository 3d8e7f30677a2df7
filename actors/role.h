/*  role.h - what Managers and Agents share: the role actor and the state
    its API shares with it */
#ifndef ASYNROLE_ROLE_H_INCLUDED
#define ASYNROLE_ROLE_H_INCLUDED

#include "asynrole_agent.h"
#include "asynrole_manager.h"
#include <pthread.h>
#include <stdatomic.h>

typedef enum {
    ROLE_MANAGER,
    ROLE_AGENT
} role_kind_t;

typedef union {
    asynrole_manager_fn *manager;
    asynrole_agent_fn *agent;
} role_fn_t;

//  Written before the actor starts, or by the actor before it signals
//  ready; read-only after that unless a field says how it is guarded.
typedef struct {
    role_kind_t kind;             //  Manager or Agent
    void *owner;                  //  the asynrole_manager_t / _agent_t for callbacks
    char name[64];                //  in log lines
    asynrole_io_t *io;            //  the I/O actor (one reference held)
    asynrole_options_t options;   //  as given, defaults filled in
    asynrole_addr_t destination;  //  Manager's default destination; len 0 if none
    asynrole_addr_t *locals;      //  addresses to open, then as bound
    uint32_t *socket_ids;         //  the I/O actor's id of each socket
    size_t count;                 //  how many sockets
    pthread_t thread;             //  the role actor's thread
    uint32_t role_id;             //  the role's id at the I/O actor
    zsock_t *ctl;                 //  answers from the I/O actor (role thread only)

    pthread_mutex_t push_mutex;       //  guards push (a send may wait on it)
    zsock_t *push;                    //  to the I/O actor's inbound socket
    pthread_mutex_t callback_mutex;   //  guards callback and ctx (never held long)
    role_fn_t callback;               //  NULL in pipe mode (or not yet given)
    void *ctx;                        //  the callback's context
    uint64_t callback_generation;     //  bumped by every change of callback
    atomic_bool verbose;              //  log what happens
    atomic_bool dump;                 //  hex-dump datagrams
    atomic_uint_least64_t unhandled;  //  datagrams that found no callback

    zactor_t *actor;             //  the role actor
    pthread_mutex_t pipe_mutex;  //  one API caller at a time on the actor pipe
    zsock_t *events;             //  pipe mode: the role's end of the data pair
    zsock_t *user;               //  pipe mode: the user's end
} role_t;

//  Resolve count text addresses (NULL entries are bad arguments) into an
//  array the caller frees; NULL with error filled on failure
asynrole_addr_t *role_resolve (const char *const *texts, size_t count, asynrole_error_t *error);

//  Start the role: take or start an I/O actor, start the role actor, open
//  the sockets (all or none). Returns 0, or -1 with error filled and
//  everything released.
int role_start (role_t *role, role_kind_t kind, void *owner, const char *default_name,
                const asynrole_options_t *options, asynrole_addr_t *locals, size_t count,
                const asynrole_addr_t *destination, role_fn_t callback, void *ctx,
                asynrole_error_t *error);

//  Stop the actor and free what role_start made. Refused (returns -1)
//  from the role's own thread.
int role_stop (role_t *role);

//  Send a datagram; the socket is the default destination's, destination.via,
//  or the first of the destination's family. Any thread.
int role_send (role_t *role, const void *data, size_t size, const asynrole_addr_t *destination,
               asynrole_error_t *error);

//  The same, replacing callback + context (when callback is not NULL) under
//  the lock the send takes; a call that fails changes nothing
int role_send_with (role_t *role, const void *data, size_t size, const asynrole_addr_t *destination,
                    const role_fn_t *callback, void *ctx, asynrole_error_t *error);

//  Replace callback + context under the lock. Any thread.
int role_set_callback (role_t *role, role_fn_t callback, void *ctx, asynrole_error_t *error);

//  Counters of the role's sockets; returns the count or -1. Any thread.
int role_stats (role_t *role, asynrole_stats_t *stats, size_t max);

//  Hex-dump a datagram in the role's log (when dump is on)
void role_dump (role_t *role, const char *what, const asynrole_addr_t *peer, const void *data,
                size_t size);

#endif
