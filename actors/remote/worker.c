/*  worker.c - the worker actor: datagrams from a workers actor to a
    callback, credit back once per burst, heartbeats (docs/protocol.md) */
#include "worker.h"
#include "clock.h"
#include "ctx.h"
#include "error_fill.h"
#include "log.h"
#include "rcall.h"
#include "rmsg.h"
#include "rsecurity.h"
#include "rremote.h"
#include "rwire.h"
#include <errno.h>
#include <string.h>

//  Messages read before the pipe and the timers get a turn
#define WORKER_BURST 256

struct worker_state_s {
    actor_t *actor;                 //  our thread
    void *pipe;                     //  its pipe (commands)
    worker_args_t *args;            //  settings, in the public object
    void *dealer;                   //  connected to the workers actor
    bool joined;                    //  WELCOME came, no loss since
    bool hello_due;                 //  HELLO to send (as soon as connected)
    bool in_callback;               //  the callback runs
    bool terminated;                //  $TERM came, or destroyed from the callback
    uint32_t credit;                //  granted by WELCOME
    uint32_t done;                  //  datagrams done, not yet given back
    int heartbeat;                  //  ms (WELCOME's)
    int heartbeat_timeout;          //  ms (WELCOME's)
    int64_t now;                    //  clock_ms of this turn
    int64_t heard;                  //  clock_ms of the last message from the workers actor
    int64_t sent;                   //  clock_ms of our last message to it
    int64_t hello_at;               //  clock_ms of our last HELLO
    int64_t complained;             //  clock_ms of our last ERROR or protocol event
    asynrole_remote_stats_t stats;  //  counters
};

typedef worker_state_t self_t;

//  -------------------------------------------------------------------------
//  Events, to the callback

static void
s_event (self_t *self, asynrole_code_t code, asynrole_op_t op, uint64_t count, const char *why)
{
    asynrole_error_t event;
    error_clear (&event);
    event.code = code;
    event.op = op;
    event.count = count;
    snprintf (event.detail, sizeof event.detail, "%s: %s", why, self->args->name);
    if (self->args->verbose)
        log_info ("%s", event.detail);
    self->in_callback = true;
    self->args->callback (self->args->worker, self->args->ctx, NULL, &event);
    self->in_callback = false;
}

//  -------------------------------------------------------------------------
//  Sending

static int s_connect (self_t *self, asynrole_error_t *error);

static int
s_send (self_t *self, zmsg_t *msg)
{
    int rc = msg && self->dealer ? rmsg_send (self->dealer, NULL, 0, &msg) : -1;
    zmsg_destroy (&msg);
    if (rc == 0)
        self->sent = self->now;
    return rc;
}

static void
s_hello (self_t *self)
{
    rwire_msg_t m = { .type = RWIRE_HELLO,
                      .credit = self->args->credit,
                      .heartbeat = (uint32_t) self->args->heartbeat };
    snprintf (m.text, sizeof m.text, "%s", self->args->name);
    //  Not connected yet (ZMQ_IMMEDIATE): again once it is
    if (s_send (self, rwire_encode (&m)))
        return;
    self->hello_due = false;
    self->hello_at = self->now;
    self->heard = self->now;
    self->done = 0;
}

//  Give back the credit of the datagrams done
static void
s_credit (self_t *self)
{
    if (!self->done || !self->joined)
        return;
    rwire_msg_t m = { .type = RWIRE_CREDIT, .done = self->done };
    if (s_send (self, rwire_encode (&m)) == 0)
        self->done = 0;
}

int
worker_send_now (worker_state_t *self, zmsg_t **msg_p, asynrole_error_t *error)
{
    if (!self->joined) {
        zmsg_destroy (msg_p);
        return error_set (error, ASYNROLE_EDISCONNECTED, ASYNROLE_OP_REMOTE, 0,
                          "not joined to a workers actor: %s", self->args->name);
    }
    if (!self->dealer || rmsg_send (self->dealer, NULL, 0, msg_p)) {
        int sys_errno = errno;
        zmsg_destroy (msg_p);
        return error_set (error, ASYNROLE_EDISCONNECTED, ASYNROLE_OP_REMOTE, sys_errno,
                          "cannot send to the workers actor: %s: %s", zmq_strerror (sys_errno),
                          self->args->name);
    }
    self->sent = clock_ms ();
    error_clear (error);
    return 0;
}

bool
worker_in_callback (worker_state_t *self)
{
    return self->in_callback;
}

void
worker_stats_now (worker_state_t *self, asynrole_remote_stats_t *stats)
{
    *stats = self->stats;
    stats->peers = self->joined ? 1 : 0;
    stats->credit = self->joined ? self->credit : 0;
}

//  -------------------------------------------------------------------------
//  What comes from the workers actor

//  The workers actor is lost (silent, BYE, or it no longer knows us):
//  HELLO again
static void
s_hub_lost (self_t *self, const char *why, bool left)
{
    self->hello_due = true;
    self->done = 0;
    asynrole_error_t error;
    if (s_connect (self, &error))
        log_error ("%s", error.detail);  //  the next tick tries again
    if (!self->joined)
        return;
    self->joined = false;
    if (left)
        self->stats.left++;
    else
        self->stats.lost++;
    s_event (self, ASYNROLE_EDISCONNECTED, ASYNROLE_OP_REMOTE, 0, why);
}

static void
s_refuse (self_t *self, int type, const char *why)
{
    if (self->complained && self->now - self->complained < 1000)
        return;
    self->complained = self->now;
    if (type != RWIRE_ERROR)
        s_send (self, rwire_error (ASYNROLE_EPROTOCOL, why));
    s_event (self, ASYNROLE_EPROTOCOL, ASYNROLE_OP_REMOTE, 1, why);
}

static void
s_welcome (self_t *self, const rwire_msg_t *m)
{
    //  In 64 bits: 2 * heartbeat wraps in uint32 (a negative heartbeat then
    //  makes a busy loop); above INT32_MAX / 2 it cannot be stored as int
    if (m->credit == 0 || m->heartbeat == 0 || m->heartbeat > INT32_MAX / 2
        || m->heartbeat_timeout > INT32_MAX
        || (uint64_t) m->heartbeat_timeout < 2 * (uint64_t) m->heartbeat) {
        self->stats.malformed++;
        s_refuse (self, RWIRE_WELCOME, "a WELCOME with bad numbers");
        return;
    }
    self->joined = true;
    self->credit = m->credit;
    self->heartbeat = (int) m->heartbeat;
    self->heartbeat_timeout = (int) m->heartbeat_timeout;
    self->stats.joined++;
    s_event (self, ASYNROLE_OK, ASYNROLE_OP_REMOTE, 0, "joined the workers actor");
}

static void
s_datagram (self_t *self, const rwire_msg_t *m)
{
    //  Before WELCOME on this link (each link is a new socket): no workers
    //  actor sends that
    if (!self->joined) {
        self->stats.malformed++;
        s_refuse (self, RWIRE_DATAGRAM, "a DATAGRAM before WELCOME");
        return;
    }
    asynrole_datagram_t datagram = { .data = m->data,
                                     .size = m->size,
                                     .original_size = m->original_size,
                                     .peer = m->peer,
                                     .local = m->local,
                                     .ifindex = m->ifindex,
                                     .flags = m->flags };
    self->stats.datagrams++;
    self->in_callback = true;
    self->args->callback (self->args->worker, self->args->ctx, &datagram, NULL);
    self->in_callback = false;
    self->stats.done++;
    self->done++;
    //  Half the credit done: give it back without waiting for the burst's end
    if (self->done >= (self->credit + 1) / 2)
        s_credit (self);
}

static void
s_message (self_t *self, const rwire_msg_t *m)
{
    switch (m->type) {
        case RWIRE_WELCOME: s_welcome (self, m); break;
        case RWIRE_DATAGRAM: s_datagram (self, m); break;
        case RWIRE_HEARTBEAT: self->stats.heartbeats++; break;
        case RWIRE_BYE: s_hub_lost (self, "the workers actor left", true); break;
        case RWIRE_ERROR:
            if (m->code == ASYNROLE_EDISCONNECTED) {
                //  Awaiting WELCOME, it answers what we sent before our HELLO
                //  (queued across a reconnection): the WELCOME comes next
                if (self->joined || self->hello_due)
                    s_hub_lost (self, "the workers actor no longer knows us", false);
            }
            else if (!self->complained || self->now - self->complained >= 1000) {
                self->complained = self->now;
                s_event (self, ASYNROLE_EPROTOCOL, ASYNROLE_OP_REMOTE, 1,
                         "the workers actor refused a message of ours");
            }
            break;
        default:
            self->stats.malformed++;
            s_refuse (self, m->type, "a message a workers actor never sends");
    }
}

static void
s_handle_dealer (self_t *self)
{
    for (int i = 0; i < WORKER_BURST && !atomic_load (&self->args->destroying); i++) {
        zmsg_t *msg = self->dealer ? rmsg_recv_nowait (self->dealer) : NULL;
        if (!msg)
            break;
        zframe_t *first = zmsg_first (msg);
        int type = first && zframe_size (first) >= 4 ? zframe_data (first)[3] : 0;
        rwire_msg_t m;
        rwire_status_t status = rwire_decode (msg, &m);
        self->heard = self->now;
        if (status == RWIRE_OK)
            s_message (self, &m);
        else {
            if (status == RWIRE_BAD_VERSION)
                self->stats.bad_version++;
            else
                self->stats.malformed++;
            s_refuse (self, type,
                      status == RWIRE_BAD_VERSION ? "a message of another protocol version"
                                                  : "a malformed message");
        }
        zmsg_destroy (&msg);
    }
    s_credit (self);
}

//  -------------------------------------------------------------------------
//  Timers

static void
s_timers (self_t *self)
{
    if (self->joined && self->now - self->heard >= self->heartbeat_timeout)
        s_hub_lost (self, "the workers actor went silent", false);
    else if (!self->dealer
             || (!self->joined && !self->hello_due
                 && self->now - self->hello_at >= self->args->heartbeat_timeout))
        s_hub_lost (self, "no WELCOME", false);  //  a new socket, HELLO again
    else if (self->joined && self->now - self->sent >= self->heartbeat
             && s_send (self, rwire_simple (RWIRE_HEARTBEAT)))
        self->sent = self->now;  //  not connected now: tried, the next one is due later
}

//  ms until the next timer is due
static long
s_wait (self_t *self)
{
    int64_t due;
    if (self->joined) {
        due = self->heard + self->heartbeat_timeout;
        if (self->sent + self->heartbeat < due)
            due = self->sent + self->heartbeat;
    }
    else if (self->hello_due)
        due = self->now + self->args->heartbeat;  //  POLLOUT tells us sooner
    else
        due = self->hello_at + self->args->heartbeat_timeout;
    int64_t wait = due - clock_ms ();
    return wait > 0 ? (long) wait : 0;
}

//  -------------------------------------------------------------------------
//  The pipe

//  SEND from another thread: not after its caller gave up (it said
//  ETIMEOUT: "not sent")
static void
s_pipe_send (self_t *self, zmsg_t **request_p)
{
    zframe_t *frame = zmsg_pop (*request_p);
    int64_t deadline = 0;
    if (frame && zframe_size (frame) == sizeof deadline)
        memcpy (&deadline, zframe_data (frame), sizeof deadline);
    zframe_destroy (&frame);
    asynrole_error_t error;
    if (clock_ms () >= deadline) {
        self->stats.replies_failed++;
        rcall_answer (self->pipe, ASYNROLE_ETIMEOUT, "the caller gave up", NULL, 0);
    }
    else if (worker_send_now (self, request_p, &error))
        rcall_answer (self->pipe, error.code, error.detail, NULL, 0);
    else
        rcall_answer (self->pipe, ASYNROLE_OK, NULL, NULL, 0);
}

static void
s_handle_pipe (self_t *self)
{
    zmsg_t *request = zmsg_recv (self->pipe);
    if (!request)
        return;
    rcall_received ();
    char *command = zmsg_popstr (request);
    if (command && streq (command, "$TERM") && actor_stopping (self->actor))
        self->terminated = true;
    else if (command && streq (command, "STOP")) {
        self->terminated = true;
        rcall_answer (self->pipe, ASYNROLE_OK, NULL, NULL, 0);
    }
    else if (command && streq (command, "STATS")) {
        asynrole_remote_stats_t stats;
        worker_stats_now (self, &stats);
        rcall_answer (self->pipe, ASYNROLE_OK, NULL, &stats, sizeof stats);
    }
    else if (command && streq (command, "SEND"))
        s_pipe_send (self, &request);
    else
        rcall_answer (self->pipe, ASYNROLE_EBADARG, "unknown command", NULL, 0);
    zstr_free (&command);
    zmsg_destroy (&request);
}

static void
s_loop (self_t *self)
{
    while (!self->terminated) {
        zmq_pollitem_t items[2] = {
            { self->pipe, 0, ZMQ_POLLIN, 0 },
            { self->dealer, 0, (short) (ZMQ_POLLIN | (self->hello_due ? ZMQ_POLLOUT : 0)), 0 }
        };
        self->now = clock_ms ();
        //  Without a socket (making one failed), the timers try again
        if (zmq_poll (items, self->dealer ? 2 : 1, s_wait (self)) < 0) {
            if (errno == EINTR)
                continue;
            log_error ("%s: zmq_poll failed: %s", self->args->name, zmq_strerror (errno));
            break;
        }
        self->now = clock_ms ();
        if (items[0].revents & ZMQ_POLLIN)
            s_handle_pipe (self);
        if (self->hello_due && self->dealer)
            s_hello (self);
        if (items[1].revents & ZMQ_POLLIN)
            s_handle_dealer (self);
        s_timers (self);
        if (atomic_load (&self->args->destroying))
            self->terminated = true;
    }
}

//  -------------------------------------------------------------------------
//  Start and end

//  A new DEALER, connected: each link to a workers actor starts on a new
//  socket, so that nothing queued for the last one (its HELLO, CREDIT,
//  SEND) reaches the next
static int
s_connect (self_t *self, asynrole_error_t *error)
{
    ctx_close (&self->dealer);
    worker_args_t *args = self->args;
    asynrole_remote_options_t keys = { 0 };
    if (*args->secret_key) {
        keys.curve_secret_key = args->secret_key;
        keys.curve_public_key = args->public_key;
        keys.curve_server_key = args->server_key;
    }
    //  Immediate: nothing queued for a connection not made; HELLO waits for one
    self->dealer = rremote_connect (args->endpoint, &keys, true, error);
    return self->dealer ? 0 : -1;
}

static void
s_self_destroy (self_t **self_p)
{
    self_t *self = *self_p;
    if (!self)
        return;
    *self_p = NULL;
    if (self->joined) {
        self->now = clock_ms ();
        s_credit (self);
        s_send (self, rwire_simple (RWIRE_BYE));
    }
    ctx_close (&self->dealer);
    free (self);
}

static self_t *
s_self_new (actor_t *actor, worker_args_t *args, asynrole_error_t *error)
{
    self_t *self = calloc (1, sizeof *self);
    if (!self) {
        error_nomem (error, "a worker");
        return NULL;
    }
    self->actor = actor;
    self->pipe = actor_inner (actor);
    self->args = args;
    self->hello_due = true;
    self->heartbeat = args->heartbeat;
    self->heartbeat_timeout = args->heartbeat_timeout;
    if (s_connect (self, error))
        s_self_destroy (&self);
    return self;
}

void
worker_actor (actor_t *actor, void *args)
{
    worker_args_t *worker_args = (worker_args_t *) args;
    asynrole_error_t error;
    self_t *self = s_self_new (actor, worker_args, &error);
    if (!self) {
        actor_started (actor, &error);
        return;
    }
    worker_args->state = self;
    actor_started (actor, NULL);
    //  No callback before _new has returned (one may call this object)
    if (actor_wait_go (actor, worker_args->timeout))
        s_loop (self);
    s_self_destroy (&self);
    //  Destroyed from its callback, or _destroy gave up waiting for us (the
    //  callback was stuck): nobody will join us; we free it all
    pthread_mutex_lock (&worker_args->end_mutex);
    bool detach =
        worker_args->orphan || (atomic_load (&worker_args->destroying) && !worker_args->outside);
    worker_args->ended = true;
    pthread_cond_broadcast (&worker_args->end_cond);
    pthread_mutex_unlock (&worker_args->end_mutex);
    if (detach)
        actor_detach (actor, worker_args->finalize, worker_args->worker);
}
