/*  role.h - what Managers and Agents share: the state their API and their
    actor share, and the API side (start, stop, send, counters)

    Who owns what: role_start makes every socket below and the actor;
    role_release closes them, after the actor's thread is joined (or, for a
    role destroyed from its own callback, in that thread once it is done).
    The actor's thread alone reads data; any thread sends on push under
    push_mutex, and waits on ctl while it holds the control path (role_ctl.h). */
#ifndef ASYNROLE_ROLE_H_INCLUDED
#define ASYNROLE_ROLE_H_INCLUDED

#include "actor.h"
#include "bounds.h"
#include "asynrole_agent.h"
#include "asynrole_manager.h"
#include "asynrole_request.h"
#include "link.h"
#include "wire.h"
#include "doorbell.h"
#include "busy.h"
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

typedef struct role_s {
    //  Set by role_start (and the actor's start) and read-only after it
    role_kind_t kind;              //  Manager or Agent
    void *owner;                   //  the asynrole_manager_t / _agent_t (calloc'd)
    char name[LIMIT_NAME];         //  in log lines
    asynrole_io_t *io;             //  the I/O object (a reference)
    asynrole_options_t options;    //  as given, defaults filled in
    asynrole_addr_t destination;   //  Manager's default destination; len 0 if none
    asynrole_addr_t *locals;       //  addresses to open, then as bound
    int *adopt;                    //  the caller's descriptor to adopt a copy
                                   //  of, per socket; -1 = bind locals[i]
    bool *dual;                    //  socket i is IPv6 and takes IPv4 too
    struct filter_s *filter;       //  the source filter, compiled; handed to
                                   //  the I/O actor once attached
    char device[WIRE_DEVICE_MAX];  //  options.device, copied; "" = none
    uint32_t *socket_ids;          //  the I/O actor's id of each socket
    size_t count;                  //  how many sockets
    uint32_t role_id;              //  the role's slot at the I/O actor
    link_t *link;                  //  the bounds shared with the I/O actor
    actor_t *actor;                //  the role actor (role_actor.c)
    asynrole_requests_t requests;  //  Manager: the engine's settings, checked
    struct req_inbox_s *inbox;     //  Manager: requests and calls for the engine
    struct req_engine_s *engine;   //  Manager: the request engine (the actor's
                                   //  thread alone uses it)

    //  The pipes (libzmq sockets, all made by role_start)
    pthread_mutex_t push_mutex;  //  guards push
    void *push;                  //  to the I/O actor's inbound socket
    busy_t ctl_busy;             //  held while a request is open: its holder
                                 //  alone reads ctl and numbers requests
    void *ctl;                   //  answers from the I/O actor
    uint32_t ctl_seq;            //  the last request's number (ctl_busy's holder)
    void *ctl_io;                //  ctl's other end, lent to the I/O actor
    void *data;                  //  batches from the I/O actor (the actor reads)
    void *data_io;               //  data's other end, lent to the I/O actor
    bool lent;                   //  the I/O actor may still hold the lent ends
    void *events;                //  pipe mode: the role's end of the data socket
    void *user;                  //  pipe mode: the user's end
    doorbell_t *wake;            //  pipe-mode Agent: rung when _destroy begins
                                 //  (receive_and_send waits on it)
    busy_t user_busy;            //  held by the receive_and_send reading user
    busy_t capture_busy;         //  held by a capture's start or stop
    struct capture_s *capture;   //  the capture, or NULL (capture_busy's
                                 //  holder; the I/O actor holds a reference)
    bool capture_owed;           //  a stop could not reach the I/O actor: it
                                 //  still holds a stopped capture (capture_busy's)

    //  Sends held while the role's thread handles a batch, or (pipe-mode
    //  Agent, whose thread makes no batches) while a user thread's hold is
    //  open (role_batch.h): that thread alone touches these
    atomic_bool held;              //  a user thread's hold is open
    uint8_t *batch;                //  the frame of WIRE_SEND records held
    size_t batch_size;             //  bytes held
    size_t batch_room;             //  bytes allocated (reused batch after batch)
    uint64_t batch_lost;           //  records whose push failed, to report
    asynrole_error_t batch_error;  //  the first such failure

    pthread_mutex_t callback_mutex;   //  guards callback and ctx, and remote
                                      //  (never held long)
    void *remote;                     //  Manager: the request server that claimed
                                      //  it (asynrole_server_t), or NULL
    role_fn_t callback;               //  NULL in pipe mode (or not yet given)
    void *ctx;                        //  the callback's context
    uint64_t callback_generation;     //  bumped by every change of callback
    atomic_bool verbose;              //  log what happens
    atomic_bool dump;                 //  hex-dump datagrams
    atomic_uint_least64_t unhandled;  //  datagrams that found no callback
    atomic_bool destroying;           //  destroyed from its own callback
    atomic_bool closed;               //  detached: its sockets are gone
    atomic_bool stopping;             //  _destroy has begun (role_quiesce)
    atomic_int timeout;               //  ms _stats waits (options.timeout, settable)
    atomic_uint calls;                //  calls under way (any thread), and
                                      //  role_quiesce's bits (ROLE_CALLS_STOP)
    pthread_mutex_t calls_mutex;      //  for the wait on calls
    pthread_cond_t calls_done;        //  signalled when the last call leaves a
                                      //  stopping role (CLOCK_MONOTONIC)
    bool calls_drained;               //  the last call left (under calls_mutex)
} role_t;

//  role_t.calls: the count of calls under way, and the bits role_quiesce
//  sets: stopped, and waited on (calls were under way)
#define ROLE_CALLS_STOP 0x80000000u
#define ROLE_CALLS_WAIT 0x40000000u
#define ROLE_CALLS_ORPHAN 0x20000000u  //  role_dispose left the freeing to the last call
#define ROLE_CALLS_COUNT 0x1fffffffu

//  How a send is made (role_send)
typedef struct {
    const role_fn_t *callback;            //  replace the callback first (send_with); NULL: keep it
    void *ctx;                            //  its context
    bool nowait;                          //  fail at once when the send queue is full (try_send)
    const asynrole_datagram_t *reply_to;  //  a reply: leaves from the address
                                          //  its request came to; NULL = not
} role_send_t;

//  Interfaces as given: addresses to bind, or descriptors to adopt
typedef struct {
    asynrole_addr_t *locals;  //  count addresses (len 0 where adopted)
    int *adopt;               //  count descriptors, -1 where an address
    size_t count;             //  how many
} role_ifaces_t;

//  Resolve count interface strings (addresses, "fd:N", "systemd:NAME";
//  NULL entries are bad arguments); 0, or -1 with error filled and nothing
//  to free
int role_resolve (const char *const *texts, size_t count, role_ifaces_t *ifaces,
                  asynrole_error_t *error);

//  Free what role_resolve made (role_start takes it over otherwise)
void role_ifaces_free (role_ifaces_t *ifaces);

//  Start the role: take or start an I/O actor, make the pipes, start the
//  role actor, which opens the sockets (all or none). Takes ifaces over
//  (freed on failure too). Returns 0, or -1 with error filled and everything released.
int role_start (role_t *role, role_kind_t kind, void *owner, const char *default_name,
                const asynrole_options_t *options, role_ifaces_t *ifaces,
                const asynrole_addr_t *destination, role_fn_t callback, void *ctx,
                asynrole_error_t *error);

//  Stop the role and free it and its owner. Called from the role's own
//  callback, it is deferred: the role ends when that returns, in its thread.
void role_stop (role_t *role);

//  How long its creator waits for a role's start-up status (every step's
//  time); the role waits as long for the go that follows it
int role_start_wait (role_t *role);

//  Free the role and its owner (the actor is gone), now, or when the last
//  call still under way leaves (role_quiesce stopped waiting for it)
void role_dispose (role_t *role);

//  Stop the role's calls and wait for those under way (role.c). Both ways of
//  destroying run it before the role detaches: from another thread in
//  role_stop, from its own callback on the role's thread once it returns.
void role_quiesce (role_t *role);

//  Free what role_start made (the actor is gone)
void role_release (role_t *role);

//  A call on the role begins: 0, or -1 with ASYNROLE_ECLOSED when the role
//  is closed or being destroyed. Each 0 is followed by one role_leave, so
//  that _destroy waits for the call.
int role_enter (role_t *role, asynrole_error_t *error);

//  A call on the role has ended
void role_leave (role_t *role);

//  Which socket a datagram to destination (NULL: the default destination)
//  leaves from, or -1 with error filled (ASYNROLE_EBADARG)
int role_pick_socket (role_t *role, const asynrole_addr_t *destination, asynrole_error_t *error);

//  Send a datagram; the socket is the default destination's, destination's
//  via, or the first of the destination's family. Any thread.
int role_send (role_t *role, const void *data, size_t size, const asynrole_addr_t *destination,
               const role_send_t *how, asynrole_error_t *error);

//  Replace callback + context under the lock. Any thread.
int role_set_callback (role_t *role, role_fn_t callback, void *ctx, asynrole_error_t *error);

//  Counters of the role's sockets; returns the count or -1. Any thread.
int role_stats (role_t *role, asynrole_stats_t *stats, size_t max, asynrole_error_t *error);

//  Change how long _stats waits (1 .. LIMIT_TIMEOUT_MAX ms). Any thread.
int role_set_timeout (role_t *role, int timeout, asynrole_error_t *error);

#endif
