/*  workers.c - the workers actor: a pipe-mode Agent's datagrams to workers
    by credit (round-robin over those with credit left), their replies back
    to the Agent, heartbeats both ways (docs/protocol.md) */
#include "workers.h"
#include "asynrole_event.h"
#include "clock.h"
#include "ctx.h"
#include "error_fill.h"
#include "frames.h"
#include "log.h"
#include "rcall.h"
#include "rmsg.h"
#include "rsecurity.h"
#include "rremote.h"
#include "rwire.h"
#include "workers_table.h"
#include <errno.h>
#include <string.h>

//  Messages read from one socket before the others get a turn
#define WORKERS_BURST 256

//  ms the BYEs to the workers may take to leave once we close
#define WORKERS_BYE_LINGER 100

//  ms _destroy waits for libzmq to close the listener
#define WORKERS_UNBIND_WAIT 1000

//  Slots of the rate limit on complaints to peers we do not know
#define WORKERS_STRANGERS 256

//  "say HELLO" answers a second to the strangers of one slot
#define WORKERS_HELLO_ASKS 4

typedef struct {
    actor_t *actor;                          //  our thread
    void *pipe;                              //  its pipe (commands)
    workers_args_t *args;                    //  settings, in the public object
    asynrole_agent_t *agent;                 //  the Agent, NULL once detached
    void *data;                              //  its data socket (NULL likewise)
    int64_t closed_complained;               //  clock_ms of the last ECLOSED event
    void *router;                            //  the workers connect here
    rsec_zap_t *zap;                         //  CURVE's ZAP handler, NULL without keys
    workers_table_t table;                   //  the workers, the ring of those with credit
    asynrole_remote_stats_t stats;           //  counters (peers, in_worker, credit: live)
    uint64_t seq;                            //  the last DATAGRAM's number
    uint64_t burst_dropped;                  //  dropped in this burst, one event at its end
    bool paused;                             //  not reading the Agent (PAUSE, no credit)
    bool holding;                            //  the Agent holds our sends (a burst of replies)
    bool terminated;                         //  $TERM came
    int64_t now;                             //  clock_ms of this turn
    int64_t next_tick;                       //  clock_ms of the next heartbeat round
    int64_t strangers[WORKERS_STRANGERS];    //  clock_ms of the last complaint to an
                                             //  unknown peer, by a hash of its id
    int64_t asked_since[WORKERS_STRANGERS];  //  "say HELLO" answers by the same hash:
    int asked[WORKERS_STRANGERS];            //  since when, how many
} self_t;

//  -------------------------------------------------------------------------
//  Events

static void
s_event (self_t *self, asynrole_error_t *event)
{
    if (self->args->on_event)
        self->args->on_event (self->args->event_ctx, event);
    else if (self->args->verbose)
        log_info ("%s: %s", self->args->name, event->detail);
}

static void s_notify (self_t *self, asynrole_code_t code, asynrole_op_t op, uint64_t count,
                      const char *format, ...) ERROR_PRINTF (5, 6);

static void
s_notify (self_t *self, asynrole_code_t code, asynrole_op_t op, uint64_t count, const char *format,
          ...)
{
    asynrole_error_t event;
    error_clear (&event);
    event.code = code;
    event.op = op;
    event.count = count;
    va_list args;
    va_start (args, format);
    vsnprintf (event.detail, sizeof event.detail, format, args);
    va_end (args);
    s_event (self, &event);
}

//  -------------------------------------------------------------------------
//  The Agent

//  Is the Agent gone (or going)? Checked before each use of it: the flag
//  is set before asynrole_agent_destroy frees it, even when that comes
//  from our own callback (no DETACH then) or its DETACH timed out
static bool
s_detached (self_t *self)
{
    if (self->agent && atomic_load (&self->args->detached)) {
        //  Its hold on our sends ended with it (role_stop)
        self->agent = NULL;
        self->data = NULL;
        self->holding = false;
        self->paused = false;
    }
    return !self->agent;
}

//  -------------------------------------------------------------------------
//  Sending to a worker

//  Send msg (taken) to the peer with this routing id. 0, or -1 (errno:
//  EHOSTUNREACH when it is gone).
static int
s_send_to (self_t *self, const void *id, size_t size, zmsg_t **msg_p)
{
    int rc = *msg_p ? rmsg_send (self->router, id, size, msg_p) : -1;
    if (!*msg_p && rc)
        errno = ENOMEM;
    zmsg_destroy (msg_p);
    return rc;
}

static void s_gone (self_t *self, workers_peer_t *peer, bool left, const char *why);

//  Send to a worker we know; one that is gone is counted lost. 0 or -1.
static int
s_send_peer (self_t *self, workers_peer_t *peer, zmsg_t *msg)
{
    if (s_send_to (self, peer->id, peer->id_size, &msg) == 0) {
        peer->sent = self->now;
        return 0;
    }
    s_gone (self, peer, false, errno == EHOSTUNREACH ? "unreachable" : "refused our message");
    return -1;
}

//  A worker left (BYE), went silent or cannot be reached: what it held is
//  lost to it, its record goes to the gone list
static void
s_gone (self_t *self, workers_peer_t *peer, bool left, const char *why)
{
    uint64_t lost = peer->info.in_worker;
    peer->info.lost_datagrams += lost;
    peer->info.in_worker = 0;
    self->stats.lost_datagrams += lost;
    if (left)
        self->stats.left++;
    else
        self->stats.lost++;
    self->stats.peers--;
    s_notify (self, ASYNROLE_EDISCONNECTED, ASYNROLE_OP_REMOTE, lost,
              "worker %s %s: %" PRIu64 " datagrams lost with it: %s", peer->info.name,
              left ? "left" : why, lost, self->args->name);
    workers_table_remove (&self->table, peer);
}

//  -------------------------------------------------------------------------
//  What comes from the network that we refuse

//  When did we last complain to this peer? (per peer; for strangers a slot
//  by a hash of their id)
static int64_t *
s_complained (self_t *self, workers_peer_t *peer, zframe_t *id)
{
    if (peer)
        return &peer->complained;
    uint64_t hash = map_hash_bytes (zframe_data (id), zframe_size (id));
    return &self->strangers[hash % WORKERS_STRANGERS];
}

//  Refused: answer ERROR code (never to an ERROR), report it; both at most
//  once a second per peer
static void
s_refuse (self_t *self, workers_peer_t *peer, zframe_t *id, int type, asynrole_code_t code,
          const char *why)
{
    int64_t *last = s_complained (self, peer, id);
    if (*last && self->now - *last < 1000)
        return;
    *last = self->now;
    if (type != RWIRE_ERROR) {
        zmsg_t *msg = rwire_error (code, why);
        s_send_to (self, zframe_data (id), zframe_size (id), &msg);
    }
    s_notify (self, ASYNROLE_EPROTOCOL, ASYNROLE_OP_REMOTE, 1, "%s from %s: %s", why,
              peer ? peer->info.name : "a peer that has not said HELLO", self->args->name);
}

//  -------------------------------------------------------------------------
//  Credit

static void
s_unpause (self_t *self)
{
    if (self->paused && self->table.cursor)
        self->paused = false;
}

static void
s_credit (self_t *self, workers_peer_t *peer, zframe_t *id, uint32_t done)
{
    if (done > peer->info.in_worker) {
        self->stats.malformed++;
        s_refuse (self, peer, id, RWIRE_CREDIT, ASYNROLE_EPROTOCOL,
                  "CREDIT for more than it holds");
        return;
    }
    peer->info.in_worker -= done;
    peer->info.done += done;
    self->stats.done += done;
    workers_table_update (&self->table, peer);
    s_unpause (self);
}

//  HELLO: a new worker, or one that starts over (what it held is lost)
static void
s_hello (self_t *self, workers_peer_t *peer, zframe_t *id, const rwire_msg_t *m)
{
    if (m->credit == 0) {
        self->stats.malformed++;
        s_refuse (self, peer, id, RWIRE_HELLO, ASYNROLE_EPROTOCOL, "HELLO with no credit");
        return;
    }
    //  Rule 4: a known peer starts over, as when one is gone (then new)
    if (peer)
        self->stats.lost++;
    if (peer && peer->info.in_worker) {
        uint64_t lost = peer->info.in_worker;
        peer->info.lost_datagrams += lost;
        peer->info.in_worker = 0;
        self->stats.lost_datagrams += lost;
        s_notify (self, ASYNROLE_EDISCONNECTED, ASYNROLE_OP_REMOTE, lost,
                  "worker %s started over: %" PRIu64 " datagrams lost with it: %s", peer->info.name,
                  lost, self->args->name);
    }
    if (!peer) {
        peer = workers_table_add (&self->table, zframe_data (id), zframe_size (id));
        if (!peer) {
            s_refuse (self, NULL, id, RWIRE_HELLO, ASYNROLE_ENOMEM, "no room for another worker");
            return;
        }
        self->stats.peers++;
    }
    snprintf (peer->info.name, sizeof peer->info.name, "%s", m->text);
    uint32_t max = self->args->max_credit;
    peer->info.credit = m->credit < max ? m->credit : max;
    peer->heard = self->now;
    self->stats.joined++;
    rwire_msg_t welcome = { .type = RWIRE_WELCOME,
                            .credit = peer->info.credit,
                            .heartbeat = (uint32_t) self->args->heartbeat,
                            .heartbeat_timeout = (uint32_t) self->args->heartbeat_timeout };
    if (s_send_peer (self, peer, rwire_encode (&welcome)))
        return;
    workers_table_update (&self->table, peer);
    s_unpause (self);
    s_notify (self, ASYNROLE_OK, ASYNROLE_OP_REMOTE, 0, "worker %s joined, credit %" PRIu32 ": %s",
              peer->info.name, peer->info.credit, self->args->name);
}

//  -------------------------------------------------------------------------
//  Replies and sends from workers, out through the Agent

//  A SEND after the Agent was destroyed: counted, one event a second
static void
s_reply_closed (self_t *self)
{
    self->stats.replies_failed++;
    if (self->closed_complained && self->now - self->closed_complained < 1000)
        return;
    self->closed_complained = self->now;
    s_notify (self, ASYNROLE_ECLOSED, ASYNROLE_OP_WORKER, 1,
              "a SEND from a worker after the Agent was destroyed: %s", self->args->name);
}

static void
s_reply (self_t *self, const rwire_msg_t *m)
{
    if (s_detached (self)) {
        s_reply_closed (self);
        return;
    }
    if (!self->holding && asynrole_agent_hold (self->agent, NULL) == 0)
        self->holding = true;
    asynrole_datagram_t request = { .peer = m->peer, .local = m->local, .ifindex = m->ifindex };
    asynrole_error_t error;
    int rc = m->peer.via
        ? asynrole_agent_try_reply (self->agent, &request, m->data, m->size, &error)
        : asynrole_agent_try_send (self->agent, m->data, m->size, &m->peer, &error);
    if (rc == 0) {
        self->stats.replies++;
        return;
    }
    self->stats.replies_failed++;
    error.op = ASYNROLE_OP_WORKER;
    error.count = 1;
    s_event (self, &error);
}

//  An ERROR from a worker: never answered; one event a second per worker
//  at most (a storm of them must not become a storm of events)
static void
s_peer_error (self_t *self, workers_peer_t *peer, const rwire_msg_t *m)
{
    if (peer->errored && self->now - peer->errored < 1000)
        return;
    peer->errored = self->now;
    s_notify (self, ASYNROLE_EPROTOCOL, ASYNROLE_OP_REMOTE, 1,
              "worker %s sent ERROR %" PRIu32 ": %s: %s", peer->info.name, m->code, m->text,
              self->args->name);
}

//  A message from a worker we know
static void
s_from_peer (self_t *self, workers_peer_t *peer, zframe_t *id, const rwire_msg_t *m)
{
    peer->heard = self->now;
    switch (m->type) {
        case RWIRE_HEARTBEAT: self->stats.heartbeats++; break;
        case RWIRE_CREDIT: s_credit (self, peer, id, m->done); break;
        case RWIRE_SEND: s_reply (self, m); break;
        case RWIRE_BYE: s_gone (self, peer, true, "left"); break;
        case RWIRE_ERROR: s_peer_error (self, peer, m); break;
        default:
            self->stats.malformed++;
            s_refuse (self, peer, id, m->type, ASYNROLE_EPROTOCOL,
                      "a message a worker never sends");
    }
}

//  The type byte of frame 0, whatever the rest holds (0 when none)
static int
s_raw_type (zmsg_t *msg)
{
    zframe_t *first = zmsg_first (msg);
    return first && zframe_size (first) >= 4 ? zframe_data (first)[3] : 0;
}

//  May we answer this stranger "say HELLO"? At most WORKERS_HELLO_ASKS a
//  second per slot (a hash of its id): our ROUTER has no high-water mark
//  (ctx_socket), so a peer that floods us and never reads would otherwise
//  make it queue answers without bound. A real worker that misses one
//  learns of our loss at its heartbeat_timeout.
static bool
s_may_ask_hello (self_t *self, zframe_t *id)
{
    size_t slot = map_hash_bytes (zframe_data (id), zframe_size (id)) % WORKERS_STRANGERS;
    if (self->now - self->asked_since[slot] >= 1000) {
        self->asked_since[slot] = self->now;
        self->asked[slot] = 0;
    }
    if (self->asked[slot] >= WORKERS_HELLO_ASKS)
        return false;
    self->asked[slot]++;
    return true;
}

static void
s_handle_message (self_t *self, zmsg_t *msg)
{
    zframe_t *id = zmsg_pop (msg);
    if (!id)
        return;
    workers_peer_t *peer = workers_table_find (&self->table, zframe_data (id), zframe_size (id));
    int type = s_raw_type (msg);
    rwire_msg_t m;
    rwire_status_t status = rwire_decode (msg, &m);
    if (status == RWIRE_BAD_VERSION) {
        self->stats.bad_version++;
        char why[64];
        snprintf (why, sizeof why, "protocol version %u, not %u", m.version,
                  ASYNROLE_PROTOCOL_VERSION);
        s_refuse (self, peer, id, type, ASYNROLE_EPROTOCOL, why);
    }
    else if (status != RWIRE_OK) {
        self->stats.malformed++;
        s_refuse (self, peer, id, type, ASYNROLE_EPROTOCOL, "a malformed message");
    }
    else if (m.type == RWIRE_HELLO)
        s_hello (self, peer, id, &m);
    else if (peer)
        s_from_peer (self, peer, id, &m);
    else {
        //  Not one of ours (it was lost, or we restarted): it says HELLO again
        self->stats.unknown_peer++;
        if (m.type != RWIRE_ERROR && m.type != RWIRE_BYE && s_may_ask_hello (self, id)) {
            zmsg_t *answer = rwire_error (ASYNROLE_EDISCONNECTED, "say HELLO");
            s_send_to (self, zframe_data (id), zframe_size (id), &answer);
        }
    }
    zframe_destroy (&id);
}

static void
s_handle_router (self_t *self)
{
    for (int i = 0; i < WORKERS_BURST; i++) {
        zmsg_t *msg = rmsg_recv_nowait (self->router);
        if (!msg)
            break;
        s_handle_message (self, msg);
        zmsg_destroy (&msg);
    }
    //  The burst's replies leave as one message
    if (self->holding && !s_detached (self)) {
        asynrole_error_t error;
        if (asynrole_agent_flush (self->agent, &error)) {
            error.op = ASYNROLE_OP_WORKER;
            self->stats.replies_failed += error.count;
            s_event (self, &error);
        }
        self->holding = false;
    }
}

//  -------------------------------------------------------------------------
//  Datagrams from the Agent

static void
s_datagram (self_t *self, const asynrole_datagram_t *datagram)
{
    if (self->args->local && self->args->local (self->args->local_ctx, self->agent, datagram))
        return;
    workers_peer_t *peer = workers_table_next (&self->table);
    if (!peer) {
        self->stats.dropped++;
        self->burst_dropped++;
        return;
    }
    rwire_msg_t m = { .type = RWIRE_DATAGRAM,
                      .seq = ++self->seq,
                      .peer = datagram->peer,
                      .local = datagram->local,
                      .ifindex = datagram->ifindex,
                      .flags = datagram->flags,
                      .original_size = (uint32_t) datagram->original_size,
                      .data = datagram->data,
                      .size = datagram->size };
    zmsg_t *msg = rwire_encode (&m);
    if (!msg) {
        //  Out of memory, or an address the protocol cannot carry
        self->stats.dropped++;
        self->burst_dropped++;
        return;
    }
    //  Counted handed first: a worker gone counts it lost with the rest
    peer->info.datagrams++;
    peer->info.in_worker++;
    self->stats.datagrams++;
    if (s_send_peer (self, peer, msg) == 0)
        workers_table_update (&self->table, peer);
}

static void
s_handle_data (self_t *self)
{
    //  A callback may destroy the Agent: checked before each read
    for (int i = 0; i < WORKERS_BURST && !s_detached (self); i++) {
        if (self->args->overflow == ASYNROLE_OVERFLOW_PAUSE && !self->table.cursor) {
            self->paused = true;
            self->stats.paused++;
            break;
        }
        asynrole_event_t *event = asynrole_event_recv (self->data, 0);
        if (!event)
            break;
        const asynrole_datagram_t *datagram = asynrole_event_datagram (event);
        if (datagram)
            s_datagram (self, datagram);
        else if (asynrole_event_error (event)) {
            asynrole_error_t error = *asynrole_event_error (event);
            s_event (self, &error);
        }
        asynrole_event_destroy (&event);
    }
    if (self->burst_dropped) {
        uint64_t count = self->burst_dropped;
        self->burst_dropped = 0;
        s_notify (self, ASYNROLE_EDROPPED, ASYNROLE_OP_WORKER, count,
                  "no worker had credit: %" PRIu64 " datagrams dropped: %s", count,
                  self->args->name);
    }
}

//  -------------------------------------------------------------------------
//  Heartbeats: one round over the workers per tick, the next tick when the
//  first of them is due (no sooner than a quarter heartbeat)

static void
s_tick (self_t *self)
{
    int heartbeat = self->args->heartbeat;
    int64_t next = self->now + heartbeat;
    //  Backwards: a worker removed takes the last one's place
    for (size_t i = self->table.count; i-- > 0;) {
        workers_peer_t *peer = self->table.peers[i];
        if (self->now - peer->heard >= self->args->heartbeat_timeout) {
            s_gone (self, peer, false, "went silent");
            continue;
        }
        if (self->now - peer->sent >= heartbeat
            && s_send_peer (self, peer, rwire_simple (RWIRE_HEARTBEAT)))
            continue;
        int64_t due = peer->heard + self->args->heartbeat_timeout;
        if (peer->sent + heartbeat < due)
            due = peer->sent + heartbeat;
        if (due < next)
            next = due;
    }
    int64_t soonest = self->now + (heartbeat / 4 > 0 ? heartbeat / 4 : 1);
    self->next_tick = next > soonest ? next : soonest;
}

//  -------------------------------------------------------------------------
//  The pipe

static void
s_pipe_stats (self_t *self)
{
    asynrole_remote_stats_t stats = self->stats;
    stats.in_worker = stats.datagrams - stats.done - stats.lost_datagrams;
    stats.denied = self->zap ? rsec_zap_denied (self->zap) : 0;
    for (size_t i = 0; i < self->table.count; i++) {
        const asynrole_worker_info_t *info = &self->table.peers[i]->info;
        stats.credit += info->credit - info->in_worker;
    }
    rcall_answer (self->pipe, ASYNROLE_OK, NULL, &stats, sizeof stats);
}

static void
s_pipe_list (self_t *self)
{
    size_t count = workers_table_list (&self->table, NULL, 0);
    asynrole_worker_info_t *info = count ? calloc (count, sizeof *info) : NULL;
    if (count && !info) {
        rcall_answer (self->pipe, ASYNROLE_ENOMEM, "no memory for the list of workers", NULL, 0);
        return;
    }
    workers_table_list (&self->table, info, count);
    rcall_answer (self->pipe, ASYNROLE_OK, NULL, info, count * sizeof *info);
    free (info);
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
    else if (command && streq (command, "STATS"))
        s_pipe_stats (self);
    else if (command && streq (command, "LIST"))
        s_pipe_list (self);
    else if (command && streq (command, "DETACH")) {
        s_detached (self);  //  the flag is set before DETACH is sent
        rcall_answer (self->pipe, ASYNROLE_OK, NULL, NULL, 0);
    }
    else if (command && streq (command, "$TERM"))
        rcall_answer (self->pipe, ASYNROLE_EBADARG, "$TERM comes from asynrole_workers_destroy",
                      NULL, 0);
    else
        rcall_answer (self->pipe, ASYNROLE_EBADARG, "unknown command", NULL, 0);
    zstr_free (&command);
    zmsg_destroy (&request);
}

//  -------------------------------------------------------------------------
//  The loop

static void
s_loop (self_t *self)
{
    self->now = clock_ms ();
    self->next_tick = self->now + self->args->heartbeat;
    while (!self->terminated) {
        zmq_pollitem_t items[3] = { { self->pipe, 0, ZMQ_POLLIN, 0 },
                                    { self->router, 0, ZMQ_POLLIN, 0 },
                                    { self->data, 0, ZMQ_POLLIN, 0 } };
        int count = self->paused || s_detached (self) ? 2 : 3;
        int64_t wait = self->next_tick - clock_ms ();
        if (zmq_poll (items, count, wait > 0 ? (long) wait : 0) < 0) {
            if (errno == EINTR)
                continue;
            log_error ("%s: zmq_poll failed: %s", self->args->name, zmq_strerror (errno));
            break;
        }
        self->now = clock_ms ();
        if (items[0].revents & ZMQ_POLLIN)
            s_handle_pipe (self);
        if (items[1].revents & ZMQ_POLLIN)
            s_handle_router (self);
        if (count == 3 && (items[2].revents & ZMQ_POLLIN))
            s_handle_data (self);
        if (self->now >= self->next_tick)
            s_tick (self);
    }
}

//  -------------------------------------------------------------------------
//  Start and end

static int
s_bind (self_t *self, asynrole_error_t *error)
{
    self->router = rremote_bind (self->args->endpoint, self->args->options, self->args->bound,
                                 sizeof self->args->bound, &self->zap, error);
    return self->router ? 0 : -1;
}

//  Unbind, and wait (a moment at most) until libzmq's I/O thread has
//  closed the listener: the endpoint is free when _destroy returns, for a
//  workers actor that restarts on the same port
static void
s_unbind (self_t *self)
{
    const char *bound = self->args->bound;
    //  inproc:// has no listener: its unbind takes the name at once
    if (strncmp (bound, "inproc://", 9) == 0) {
        zmq_unbind (self->router, bound);
        return;
    }
    char monitor[64];
    snprintf (monitor, sizeof monitor, "inproc://asynrole-workers-unbind-%p", (void *) self);
    if (!*bound || zmq_socket_monitor (self->router, monitor, ZMQ_EVENT_CLOSED))
        return;
    void *events = ctx_socket (ZMQ_PAIR, NULL);
    if (events && zmq_connect (events, monitor) == 0
        && zmq_unbind (self->router, self->args->bound) == 0) {
        int64_t deadline = clock_ms () + WORKERS_UNBIND_WAIT;
        zmsg_t *event = NULL;
        while (!event && frames_wait (events, clock_left (deadline)) > 0)
            event = zmsg_recv (events);
        zmsg_destroy (&event);
    }
    zmq_socket_monitor (self->router, NULL, 0);
    ctx_close (&events);
}

static void
s_self_destroy (self_t **self_p)
{
    self_t *self = *self_p;
    if (!self)
        return;
    *self_p = NULL;
    //  Every worker learns at once that we are gone
    for (size_t i = 0; i < self->table.count; i++) {
        zmsg_t *bye = rwire_simple (RWIRE_BYE);
        workers_peer_t *peer = self->table.peers[i];
        s_send_to (self, peer->id, peer->id_size, &bye);
    }
    if (self->holding && !s_detached (self))
        asynrole_agent_flush (self->agent, NULL);
    //  The BYEs may leave after the close, for a moment: without them a
    //  worker learns of our end only at its heartbeat timeout
    int linger = WORKERS_BYE_LINGER;
    if (self->table.count && self->router)
        zmq_setsockopt (self->router, ZMQ_LINGER, &linger, sizeof linger);
    workers_table_destroy (&self->table);
    if (self->router)
        s_unbind (self);
    ctx_close (&self->router);
    rremote_unbind (&self->zap);
    free (self);
}

static self_t *
s_self_new (actor_t *actor, workers_args_t *args, asynrole_error_t *error)
{
    self_t *self = calloc (1, sizeof *self);
    if (!self) {
        error_nomem (error, "a workers actor");
        return NULL;
    }
    self->actor = actor;
    self->pipe = actor_inner (actor);
    self->args = args;
    self->agent = args->agent;
    self->data = asynrole_agent_socket (args->agent);
    workers_table_init (&self->table);
    if (s_bind (self, error))
        s_self_destroy (&self);
    return self;
}

void
workers_actor (actor_t *actor, void *args)
{
    asynrole_error_t error;
    self_t *self = s_self_new (actor, (workers_args_t *) args, &error);
    if (!self) {
        actor_started (actor, &error);
        return;
    }
    actor_started (actor, NULL);
    //  No callback before _new has returned (one may call this object)
    if (actor_wait_go (actor, ((workers_args_t *) args)->timeout))
        s_loop (self);
    s_self_destroy (&self);
}
