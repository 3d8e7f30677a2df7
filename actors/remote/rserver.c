/*  rserver.c - the request server's actor: clients' requests made on a
    Manager, each answered with exactly one RESULT */
#include "rserver.h"
#include "clock.h"
#include "ctx.h"
#include "error_fill.h"
#include "log.h"
#include "manager_internal.h"
#include "rsecurity.h"
#include <errno.h>
#include <string.h>

#define SREC_RESULT RMAIL_USER

//  Routing ids are at most 255 bytes; as hex, with its terminator
#define ID_MAX 255
#define HEX_MAX (2 * ID_MAX + 1)

//  One request under way for a client
typedef struct {
    rmail_item_t item;   //  first: kind SREC_RESULT once posted
    rmail_t *mail;       //  where the result goes (a reference of its own)
    uint8_t id[ID_MAX];  //  the client's routing id
    size_t id_size;      //  its bytes
    uint64_t token;      //  the client's name for the request (its table's key)
    uint64_t handle;     //  the Manager's
    bool gone;           //  server thread: its client left; the result is orphaned
    zmsg_t *result;      //  the RESULT, encoded in the Manager's thread
} srec_t;

//  A client that said HELLO
typedef struct {
    char hex[HEX_MAX];   //  its routing id in hex (the peers table's key)
    uint8_t id[ID_MAX];  //  its routing id
    size_t id_size;      //  its bytes
    zhashx_t *requests;  //  token -> srec_t, under way
    int64_t heard;       //  clock_ms of its last message
    int64_t sent;        //  clock_ms of our last message to it
    int64_t complained;  //  clock_ms of our last EPROTOCOL to it
} speer_t;

typedef struct rserver_self_s {
    actor_t *actor;                 //  our thread and pipe
    void *pipe;                     //  our end of the pipe
    asynrole_server_t *owner;       //  the public object (options, manager)
    const rremote_options_t *opt;   //  owner's options
    rmail_t *mail;                  //  results and calls (owner's, referenced)
    void *router;                   //  clients connect here
    rsec_zap_t *zap;                //  the security layer's ZAP handler, or NULL
    zhash_t *peers;                 //  hex id -> speer_t
    zhashx_t *strangers;            //  hex id -> clock_ms of our last ERROR to it
    asynrole_remote_stats_t stats;  //  our counters
    bool terminated;                //  $TERM came
} self_t;

//  -------------------------------------------------------------------------
//  Records

static void
s_srec_free (srec_t *rec)
{
    zmsg_destroy (&rec->result);
    free (rec);
}

void
rserver_item_free (rmail_item_t *item)
{
    s_srec_free ((srec_t *) item);
}

static void
s_free_value (void **item)
{
    free (*item);
    *item = NULL;
}

static void
s_hex (const uint8_t *id, size_t size, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < size; i++) {
        hex[2 * i] = digits[id[i] >> 4];
        hex[2 * i + 1] = digits[id[i] & 15];
    }
    hex[2 * size] = '\0';
}

//  A RESULT for token from a Manager's result, or an error of our own
static zmsg_t *
s_encode_result (uint64_t token, const asynrole_result_t *result, const asynrole_error_t *error)
{
    rwire_msg_t m;
    memset (&m, 0, sizeof m);
    m.type = RWIRE_RESULT;
    m.token = token;
    m.attempt = -1;
    if (result) {
        m.attempts = result->attempts;
        m.attempt = result->attempt;
        m.rtt_us = result->rtt_us;
        error = result->error;
        if (result->reply) {
            m.peer = result->reply->peer;
            m.peer.via = 0;
            m.data = result->reply->data;
            m.size = result->reply->size;
        }
    }
    if (error) {
        m.code = error->code;
        m.op = error->op;
        m.sys_errno = error->sys_errno;
        snprintf (m.text, sizeof m.text, "%s", error->detail);
    }
    return rwire_encode (&m);
}

//  The Manager's thread: encode the result and hand it to the server
static void
s_on_result (asynrole_manager_t *manager, void *ctx, const asynrole_result_t *result)
{
    (void) manager;
    srec_t *rec = (srec_t *) ctx;
    rec->result = s_encode_result (rec->token, result, NULL);
    rec->item.kind = SREC_RESULT;
    rmail_t *mail = rec->mail;
    rec->mail = NULL;
    rmail_post_always (mail, &rec->item);
    rmail_unref (&mail);
}

//  -------------------------------------------------------------------------
//  Sending

//  Send msg to the client with routing id; 0, or -1 (msg destroyed)
static int
s_send_to (self_t *self, const uint8_t *id, size_t size, zmsg_t *msg)
{
    if (!msg)
        return -1;
    if (zmsg_pushmem (msg, id, size)) {
        zmsg_destroy (&msg);
        return -1;
    }
    int rc = rremote_send (self->router, &msg);
    if (rc && self->opt->given.verbose)
        log_warning ("%s: cannot send to a client: %s", self->opt->name, zmq_strerror (errno));
    return rc;
}

static int
s_send_peer (self_t *self, speer_t *peer, zmsg_t *msg)
{
    peer->sent = clock_ms ();
    return s_send_to (self, peer->id, peer->id_size, msg);
}

static void
s_result_now (self_t *self, speer_t *peer, uint64_t token, asynrole_code_t code, const char *text)
{
    asynrole_error_t error = { .code = code, .op = ASYNROLE_OP_REMOTE };
    snprintf (error.detail, sizeof error.detail, "%s", text);
    if (s_send_peer (self, peer, s_encode_result (token, NULL, &error)) == 0)
        self->stats.results++;
    else
        self->stats.orphaned++;
}

//  -------------------------------------------------------------------------
//  Peers

static speer_t *
s_peer_find (self_t *self, const uint8_t *id, size_t size)
{
    char hex[HEX_MAX];
    s_hex (id, size, hex);
    return (speer_t *) zhash_lookup (self->peers, hex);
}

//  Cancel every request of peer on the Manager, in one call (each result
//  comes back through the mailbox); how many were cancelled
static size_t
s_peer_cancel (self_t *self, speer_t *peer, bool gone)
{
    size_t count = zhashx_size (peer->requests);
    if (!count)
        return 0;
    uint64_t *handles = (uint64_t *) malloc (count * sizeof *handles);
    size_t n = 0;
    for (srec_t *rec = (srec_t *) zhashx_first (peer->requests); rec;
         rec = (srec_t *) zhashx_next (peer->requests)) {
        rec->gone |= gone;
        if (handles)
            handles[n++] = rec->handle;
    }
    asynrole_error_t error;
    if (!self->owner->manager) {
        //  Detached: the Manager's destroy ended them (their results come)
        free (handles);
        return 0;
    }
    int cancelled = handles ? manager_cancel_many (self->owner->manager, handles, n, &error) : -1;
    if (cancelled < 0) {
        log_error ("%s: cannot cancel %zu requests: %s", self->opt->name, count,
                   handles ? error.detail : "out of memory");
        return 0;
    }
    return (size_t) cancelled;
}

//  Cancel every request of peer (it left), forget it: the results come
//  back through the mailbox and are counted orphaned there
static size_t
s_peer_forget (self_t *self, speer_t *peer)
{
    size_t cancelled = s_peer_cancel (self, peer, true);
    self->stats.cancelled += cancelled;
    zhashx_destroy (&peer->requests);
    zhash_delete (self->peers, peer->hex);
    free (peer);
    self->stats.peers--;
    return cancelled;
}

static void
s_peer_gone (self_t *self, speer_t *peer, bool silent)
{
    char hex[HEX_MAX];
    snprintf (hex, sizeof hex, "%s", peer->hex);
    size_t cancelled = s_peer_forget (self, peer);
    if (silent)
        self->stats.lost++;
    else
        self->stats.left++;
    rremote_event (self->opt, ASYNROLE_EDISCONNECTED, ASYNROLE_OP_REMOTE, cancelled,
                   "client %s %s: %zu requests cancelled", hex, silent ? "went silent" : "said BYE",
                   cancelled);
}

static void
s_hello (self_t *self, const uint8_t *id, size_t size, const rwire_msg_t *m)
{
    speer_t *peer = s_peer_find (self, id, size);
    //  The same routing id again: a client that started over
    if (peer)
        s_peer_forget (self, peer);
    peer = (speer_t *) calloc (1, sizeof *peer);
    zhashx_t *requests = peer ? rremote_table_new () : NULL;
    if (!requests) {
        free (peer);
        log_error ("%s: out of memory for a client", self->opt->name);
        return;
    }
    memcpy (peer->id, id, size);
    peer->id_size = size;
    s_hex (id, size, peer->hex);
    peer->requests = requests;
    peer->heard = clock_ms ();
    peer->complained = INT64_MIN / 2;
    zhash_insert (self->peers, peer->hex, peer);
    self->stats.joined++;
    self->stats.peers++;
    rwire_msg_t welcome = { .type = RWIRE_WELCOME,
                            .heartbeat = (uint32_t) self->opt->heartbeat,
                            .heartbeat_timeout = (uint32_t) self->opt->heartbeat_timeout };
    s_send_peer (self, peer, rwire_encode (&welcome));
    rremote_event (self->opt, ASYNROLE_OK, ASYNROLE_OP_REMOTE, 0, "client %s joined (%s)",
                   peer->hex, m->text);
}

//  -------------------------------------------------------------------------
//  Requests

static void
s_request (self_t *self, speer_t *peer, const rwire_msg_t *m)
{
    self->stats.requests++;
    if (m->peer.len == 0) {
        //  Never the Manager's default: a client names where it goes
        s_result_now (self, peer, m->token, ASYNROLE_EBADARG, "a request needs a destination");
        return;
    }
    if (!self->owner->manager) {
        s_result_now (self, peer, m->token, ASYNROLE_ECLOSED, "the server's Manager was destroyed");
        return;
    }
    if (zhashx_lookup (peer->requests, &m->token)) {
        s_result_now (self, peer, m->token, ASYNROLE_EBADARG,
                      "a request of this client with this token is under way");
        return;
    }
    srec_t *rec = (srec_t *) calloc (1, sizeof *rec);
    if (!rec) {
        s_result_now (self, peer, m->token, ASYNROLE_ENOMEM, "out of memory for a request");
        return;
    }
    memcpy (rec->id, peer->id, peer->id_size);
    rec->id_size = peer->id_size;
    rec->token = m->token;
    rec->mail = rmail_ref (self->mail);
    asynrole_request_t request = { .data = m->data,
                                   .size = m->size,
                                   .destination = &m->peer,
                                   .policy = m->has_policy ? &m->policy : NULL,
                                   .ctx = rec };
    asynrole_error_t error;
    if (asynrole_manager_request (self->owner->manager, &request, s_on_result, &rec->handle,
                                  &error)) {
        rmail_unref (&rec->mail);
        free (rec);
        s_result_now (self, peer, m->token, error.code, error.detail);
        return;
    }
    //  Its result cannot overtake this: only we read the mailbox
    zhashx_insert (peer->requests, &rec->token, rec);
    self->stats.in_flight++;
}

static void
s_cancel (self_t *self, speer_t *peer, const rwire_msg_t *m)
{
    srec_t *rec = (srec_t *) zhashx_lookup (peer->requests, &m->token);
    if (!rec || !self->owner->manager)
        return;  //  it had ended, or the Manager's destroy ends it: its RESULT
                 //  is on its way or gone
    //  0: its callback ran with ASYNROLE_ECANCELLED; 1: it had ended. Either
    //  way its one RESULT comes through the mailbox.
    asynrole_error_t error;
    if (asynrole_manager_cancel (self->owner->manager, rec->handle, &error) < 0)
        rremote_event (self->opt, error.code, ASYNROLE_OP_REMOTE, 0, "cannot cancel: %s",
                       error.detail);
}

//  A result that could not be encoded (out of memory): its client still
//  gets one RESULT, ENOMEM without payload. Should that fail too, it is
//  counted orphaned with an event, and the client's request ends only when
//  the link does (lost, BYE) or at the client's destroy.
static void
s_unencoded (self_t *self, speer_t *peer, uint64_t token)
{
    uint64_t orphaned = self->stats.orphaned;
    s_result_now (self, peer, token, ASYNROLE_ENOMEM, "out of memory for the result");
    if (self->stats.orphaned != orphaned)
        rremote_event (self->opt, ASYNROLE_ENOMEM, ASYNROLE_OP_REMOTE, 1,
                       "a result for client %s could not be sent", peer->hex);
}

//  Results from the Manager's thread, and calls from others
static void
s_handle_mail (self_t *self)
{
    rmail_clear (self->mail);
    rmail_item_t *item = rmail_take (self->mail);
    while (item) {
        rmail_item_t *next = item->next;
        if (item->kind == RMAIL_CALL) {
            rmail_call_t *call = (rmail_call_t *) item;
            if (call->what == RSERVER_DETACH)
                self->owner->manager = NULL;
            else
                rserver_stats_here (self->owner, &call->stats);
            call->rc = 0;
            rmail_answer (call);
            item = next;
            continue;
        }
        srec_t *rec = (srec_t *) item;
        self->stats.in_flight--;
        speer_t *peer = rec->gone ? NULL : s_peer_find (self, rec->id, rec->id_size);
        if (peer)
            zhashx_delete (peer->requests, &rec->token);
        zmsg_t *result = rec->result;
        rec->result = NULL;
        if (peer && !result)
            s_unencoded (self, peer, rec->token);
        else if (peer && s_send_peer (self, peer, result) == 0)
            self->stats.results++;
        else {
            if (!peer)
                zmsg_destroy (&result);
            self->stats.orphaned++;
        }
        s_srec_free (rec);
        item = next;
    }
}

void
rserver_detach (asynrole_server_t *server)
{
    if (actor_is_self (server->actor)) {
        server->manager = NULL;  //  from the server's own on_event
        return;
    }
    asynrole_error_t error;
    if (rmail_call (server->mail, RSERVER_DETACH, 0, server->options.timeout, NULL, &error))
        log_error ("%s: its Manager's destroy cannot reach it (%s): it may still use the "
                   "Manager",
                   server->options.name, error.detail);
}

void
rserver_stats_here (asynrole_server_t *server, asynrole_remote_stats_t *stats)
{
    self_t *self = server->inner;
    *stats = self->stats;
    stats->denied = rsec_zap_denied (self->zap);
}

//  -------------------------------------------------------------------------
//  Messages from clients

//  Whether id may have an ERROR now: at most one a second per peer
//  (strangers included, in a bounded table), so that a flood from a peer
//  that never reads cannot grow the ROUTER's queue without bound
static bool
s_may_answer (self_t *self, const uint8_t *id, size_t size, speer_t *peer, char *hex)
{
    int64_t now = clock_ms ();
    s_hex (id, size, hex);
    int64_t *last = peer ? &peer->complained : (int64_t *) zhashx_lookup (self->strangers, hex);
    if (last && now - *last < 1000)
        return false;
    if (!last) {
        if (zhashx_size (self->strangers) >= 4096)
            zhashx_purge (self->strangers);  //  bounded: forget them all
        last = (int64_t *) malloc (sizeof *last);
        if (!last || zhashx_insert (self->strangers, hex, last)) {
            free (last);
            return false;
        }
    }
    *last = now;
    return true;
}

//  ERROR code to id, at most once a second per peer, with an event
static void
s_complain (self_t *self, const uint8_t *id, size_t size, speer_t *peer, asynrole_code_t code,
            const char *what)
{
    char hex[HEX_MAX];
    if (!s_may_answer (self, id, size, peer, hex))
        return;
    s_send_to (self, id, size, rwire_error (code, what));
    rremote_event (self->opt, code, ASYNROLE_OP_REMOTE, 1, "%s from %s", what, hex);
}

static void
s_dispatch (self_t *self, speer_t *peer, const rwire_msg_t *m, const uint8_t *id, size_t size)
{
    switch (m->type) {
        case RWIRE_REQUEST: s_request (self, peer, m); break;
        case RWIRE_CANCEL: s_cancel (self, peer, m); break;
        case RWIRE_HEARTBEAT: self->stats.heartbeats++; break;
        case RWIRE_BYE: s_peer_gone (self, peer, false); break;
        case RWIRE_ERROR: break;  //  never answered
        default:
            self->stats.malformed++;
            s_complain (self, id, size, peer, ASYNROLE_EPROTOCOL,
                        "a message a server does not take");
            break;
    }
}

static void
s_handle_message (self_t *self, zmsg_t *msg)
{
    zframe_t *idf = zmsg_pop (msg);
    size_t size = idf ? zframe_size (idf) : 0;
    if (!idf || size == 0 || size > ID_MAX) {
        zframe_destroy (&idf);
        return;
    }
    uint8_t id[ID_MAX];
    memcpy (id, zframe_data (idf), size);
    zframe_destroy (&idf);
    rwire_msg_t m;
    rwire_status_t status = rwire_decode (msg, &m);
    speer_t *peer = s_peer_find (self, id, size);
    if (peer)
        peer->heard = clock_ms ();  //  any message proves its sender alive
    if (status == RWIRE_MALFORMED || status == RWIRE_BAD_VERSION) {
        if (status == RWIRE_MALFORMED)
            self->stats.malformed++;
        else
            self->stats.bad_version++;
        s_complain (self, id, size, peer, ASYNROLE_EPROTOCOL,
                    status == RWIRE_MALFORMED ? "a malformed message" : "another protocol version");
    }
    else if (m.type == RWIRE_HELLO)
        s_hello (self, id, size, &m);
    else if (peer)
        s_dispatch (self, peer, &m, id, size);
    else {
        self->stats.unknown_peer++;
        //  A server that restarted: the client must say HELLO again (once
        //  a second at most: the rest are counted only)
        char hex[HEX_MAX];
        if (m.type != RWIRE_ERROR && m.type != RWIRE_BYE
            && s_may_answer (self, id, size, NULL, hex))
            s_send_to (self, id, size,
                       rwire_error (ASYNROLE_EDISCONNECTED, "unknown client: say HELLO"));
    }
}

static void
s_handle_router (self_t *self)
{
    //  A batch at a time, so that the mailbox and the pipe are not starved
    for (int i = 0; i < 256 && ctx_readable (self->router); i++) {
        zmsg_t *msg = zmsg_recv (self->router);
        if (!msg)
            break;
        s_handle_message (self, msg);
        zmsg_destroy (&msg);
    }
}

//  -------------------------------------------------------------------------
//  Heartbeats

//  Heartbeat to peers we have been quiet to; forget the silent ones
static void
s_heartbeat (self_t *self)
{
    int64_t now = clock_ms ();
    zlist_t *silent = zlist_new ();
    speer_t *peer = (speer_t *) zhash_first (self->peers);
    while (peer) {
        if (now - peer->heard > self->opt->heartbeat_timeout) {
            if (!silent || zlist_append (silent, peer))
                peer->heard = now;  //  next time
        }
        else if (now - peer->sent >= self->opt->heartbeat)
            s_send_peer (self, peer, rwire_simple (RWIRE_HEARTBEAT));
        peer = (speer_t *) zhash_next (self->peers);
    }
    for (peer = silent ? (speer_t *) zlist_first (silent) : NULL; peer;
         peer = (speer_t *) zlist_next (silent))
        s_peer_gone (self, peer, true);
    zlist_destroy (&silent);
}

//  -------------------------------------------------------------------------
//  Construction, destruction

static void
s_self_destroy (self_t **self_p)
{
    self_t *self = *self_p;
    if (!self)
        return;
    if (self->peers) {
        //  Records still in a table are the callbacks' (a cancel that timed
        //  out): they free them through the mailbox
        speer_t *peer = (speer_t *) zhash_first (self->peers);
        while (peer) {
            zhashx_destroy (&peer->requests);
            free (peer);
            peer = (speer_t *) zhash_next (self->peers);
        }
        zhash_destroy (&self->peers);
    }
    zhashx_destroy (&self->strangers);
    ctx_close (&self->router);
    rremote_unbind (&self->zap);
    rmail_unref (&self->mail);
    free (self);
    *self_p = NULL;
}

static self_t *
s_self_new (actor_t *actor, asynrole_server_t *owner, asynrole_error_t *error)
{
    self_t *self = (self_t *) calloc (1, sizeof *self);
    if (!self) {
        error_nomem (error, "a server");
        return NULL;
    }
    self->actor = actor;
    self->pipe = actor_inner (actor);
    self->owner = owner;
    self->opt = &owner->options;
    self->mail = rmail_ref (owner->mail);
    self->peers = zhash_new ();
    self->strangers = zhashx_new ();
    if (self->strangers)
        zhashx_set_destructor (self->strangers, s_free_value);
    if (!self->peers || !self->strangers) {
        error_nomem (error, "a server's tables");
        s_self_destroy (&self);
        return NULL;
    }
    char bound[RREMOTE_ENDPOINT_MAX];
    self->router =
        rremote_bind (owner->endpoint, &self->opt->given, bound, sizeof bound, &self->zap, error);
    if (!self->router) {
        s_self_destroy (&self);
        return NULL;
    }
    memcpy (owner->endpoint, bound, sizeof bound);
    owner->inner = self;
    return self;
}

//  $TERM: every request under way ends (ECANCELLED, sent to its client),
//  then BYE to every client
static void
s_shutdown (self_t *self)
{
    speer_t *peer;
    for (peer = (speer_t *) zhash_first (self->peers); peer;
         peer = (speer_t *) zhash_next (self->peers))
        s_peer_cancel (self, peer, false);
    s_handle_mail (self);
    for (peer = (speer_t *) zhash_first (self->peers); peer;
         peer = (speer_t *) zhash_next (self->peers))
        s_send_peer (self, peer, rwire_simple (RWIRE_BYE));
    //  What we just queued is delivered within a bounded linger
    int linger = self->opt->timeout < 1000 ? self->opt->timeout : 1000;
    zmq_setsockopt (self->router, ZMQ_LINGER, &linger, sizeof linger);
}

static void
s_handle_pipe (self_t *self)
{
    zmsg_t *msg = zmsg_recv (self->pipe);
    char *command = msg ? zmsg_popstr (msg) : NULL;
    if (command && streq (command, "$TERM") && actor_stopping (self->actor))
        self->terminated = true;
    else if (zsock_send (self->pipe, "is", ASYNROLE_EBADARG, "unknown command"))
        log_error ("%s: cannot answer on its pipe: %s", self->opt->name, zmq_strerror (errno));
    zstr_free (&command);
    zmsg_destroy (&msg);
}

void
rserver_actor (actor_t *actor, void *args)
{
    asynrole_error_t error;
    self_t *self = s_self_new (actor, (asynrole_server_t *) args, &error);
    actor_started (actor, self ? NULL : &error);
    if (!self)
        return;
    int tick = self->opt->heartbeat / 2 > 0 ? self->opt->heartbeat / 2 : 1;
    int64_t next_tick = clock_ms () + tick;
    while (!self->terminated) {
        zmq_pollitem_t items[] = { { self->pipe, 0, ZMQ_POLLIN, 0 },
                                   { self->router, 0, ZMQ_POLLIN, 0 },
                                   { NULL, rmail_fd (self->mail), ZMQ_POLLIN, 0 } };
        if (zmq_poll (items, 3, clock_left (next_tick)) < 0 && errno != EINTR) {
            log_error ("%s: zmq_poll failed: %s", self->opt->name, zmq_strerror (errno));
            break;
        }
        if (items[0].revents & ZMQ_POLLIN)
            s_handle_pipe (self);
        if (items[1].revents & ZMQ_POLLIN)
            s_handle_router (self);
        if (items[2].revents & ZMQ_POLLIN)
            s_handle_mail (self);
        if (clock_ms () >= next_tick) {
            s_heartbeat (self);
            next_tick = clock_ms () + tick;
        }
    }
    s_shutdown (self);
    self->owner->inner = NULL;
    s_self_destroy (&self);
}
