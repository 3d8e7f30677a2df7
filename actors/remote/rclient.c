/*  rclient.c - the client's actor: requests to a server, each ended once */
#include "rclient.h"
#include "clock.h"
#include "ctx.h"
#include "error_fill.h"
#include "log.h"
#include <errno.h>
#include <string.h>

typedef struct rclient_self_s {
    actor_t *actor;                 //  our thread and pipe
    void *pipe;                     //  our end of the pipe
    asynrole_client_t *owner;       //  the public object
    const rremote_options_t *opt;   //  owner's options
    rmail_t *mail;                  //  requests and calls (owner's, referenced)
    void *dealer;                   //  to the server (made again on each HELLO)
    zhashx_t *requests;             //  handle -> creq_t, not ended
    uint64_t *pending;              //  handles held until WELCOME, in order
    size_t pending_count;           //  how many
    size_t pending_max;             //  room for them
    bool welcomed;                  //  the server answered our HELLO
    int heartbeat;                  //  ms (the server's, once welcomed)
    int heartbeat_timeout;          //  ms (likewise)
    int64_t hello_at;               //  clock_ms of our HELLO
    int64_t heard;                  //  clock_ms of the server's last message
    int64_t sent;                   //  clock_ms of our last message
    int64_t complained;             //  clock_ms of our last EPROTOCOL
    asynrole_remote_stats_t stats;  //  our counters
    bool terminating;               //  ending: destroy calls are no-ops
    bool terminated;                //  $TERM came
} self_t;

//  -------------------------------------------------------------------------
//  Sending

static int
s_send (self_t *self, zmsg_t *msg)
{
    self->sent = clock_ms ();
    int rc = rremote_send (self->dealer, &msg);
    if (rc && self->opt->given.verbose)
        log_warning ("%s: cannot send to the server: %s", self->opt->name, zmq_strerror (errno));
    return rc;
}

static int
s_send_request (self_t *self, creq_t *req)
{
    rwire_msg_t m = { .type = RWIRE_REQUEST,
                      .token = req->handle,
                      .peer = req->destination,
                      .has_policy = req->has_policy,
                      .policy = req->policy,
                      .data = req->data,
                      .size = req->size };
    req->sent = s_send (self, rwire_encode (&m)) == 0;
    return req->sent ? 0 : -1;
}

//  -------------------------------------------------------------------------
//  Ending requests

//  Run req's callback with result, forget it, free its slot
static void
s_end (self_t *self, creq_t *req, asynrole_result_t *result)
{
    zhashx_delete (self->requests, &req->handle);
    result->handle = req->handle;
    //  The slot first: the request awaits nothing now, and the callback
    //  may make the next one (a chain at max_in_flight 1)
    atomic_fetch_sub (&self->owner->in_flight, 1);
    req->callback (self->owner, req->ctx, result);
    free (req);
}

//  End req with an error of ours
static void
s_end_error (self_t *self, creq_t *req, asynrole_code_t code, const char *detail)
{
    if (self->owner->deferred && code != ASYNROLE_ECLOSED) {
        //  Destroyed from a callback: the rest end ECLOSED, whatever came
        code = ASYNROLE_ECLOSED;
        detail = "the client was destroyed";
    }
    asynrole_error_t error = { .code = code, .op = ASYNROLE_OP_REMOTE };
    snprintf (error.detail, sizeof error.detail, "%s", detail);
    asynrole_result_t result = { .error = &error, .attempt = -1 };
    s_end (self, req, &result);
}

//  End every request under way with code; how many
static size_t
s_end_all (self_t *self, asynrole_code_t code, const char *detail)
{
    size_t count = zhashx_size (self->requests);
    self->pending_count = 0;
    if (!count)
        return 0;
    //  By handle: a callback may cancel another of them, or make new ones
    //  (those stay)
    uint64_t *all = (uint64_t *) malloc (count * sizeof *all);
    if (!all) {
        //  Out of memory: one at a time, whatever comes
        size_t ended = 0;
        for (; ended < count && zhashx_size (self->requests); ended++)
            s_end_error (self, (creq_t *) zhashx_first (self->requests), code, detail);
        return ended;
    }
    size_t n = 0;
    for (creq_t *req = (creq_t *) zhashx_first (self->requests); req;
         req = (creq_t *) zhashx_next (self->requests))
        all[n++] = req->handle;
    size_t ended = 0;
    for (size_t i = 0; i < n; i++) {
        creq_t *req = (creq_t *) zhashx_lookup (self->requests, &all[i]);
        if (req) {
            s_end_error (self, req, code, detail);
            ended++;
        }
    }
    free (all);
    return ended;
}

static void
s_on_result (self_t *self, const rwire_msg_t *m)
{
    creq_t *req = (creq_t *) zhashx_lookup (self->requests, &m->token);
    if (!req) {
        self->stats.orphaned++;  //  cancelled here, or ended otherwise
        return;
    }
    self->stats.results++;
    asynrole_datagram_t reply = {
        .data = m->data, .size = m->size, .original_size = m->size, .peer = m->peer
    };
    reply.peer.via = 0;
    asynrole_error_t error = { .code = (asynrole_code_t) m->code,
                               .op = (asynrole_op_t) m->op,
                               .sys_errno = m->sys_errno };
    snprintf (error.detail, sizeof error.detail, "%.*s", (int) sizeof error.detail - 1, m->text);
    asynrole_result_t result = { .reply = m->code ? NULL : &reply,
                                 .error = m->code ? &error : NULL,
                                 .attempts = m->attempts,
                                 .attempt = m->code ? -1 : m->attempt,
                                 .rtt_us = m->rtt_us };
    s_end (self, req, &result);
}

//  -------------------------------------------------------------------------
//  The link

//  A fresh DEALER (nothing old queued on it) says HELLO
static void
s_hello (self_t *self)
{
    asynrole_error_t error;
    void *dealer = rremote_connect (self->owner->endpoint, &self->opt->given, false, &error);
    if (dealer) {
        ctx_close (&self->dealer);
        self->dealer = dealer;
    }
    else
        log_error ("%s: cannot connect again, keeping the old socket: %s", self->opt->name,
                   error.detail);
    self->welcomed = false;
    self->heartbeat = self->opt->heartbeat;
    self->heartbeat_timeout = self->opt->heartbeat_timeout;
    self->hello_at = clock_ms ();
    self->stats.peers = 0;
    rwire_msg_t hello = { .type = RWIRE_HELLO, .heartbeat = (uint32_t) self->opt->heartbeat };
    snprintf (hello.text, sizeof hello.text, "%s", self->opt->name);
    s_send (self, rwire_encode (&hello));
}

//  The server is gone, went silent, or forgot us: end what is under way,
//  start over
static void
s_disconnected (self_t *self, const char *why, bool silent)
{
    bool was = self->welcomed;
    size_t ended = s_end_all (self, ASYNROLE_EDISCONNECTED, why);
    self->stats.disconnected += ended;
    if (was && silent)
        self->stats.lost++;
    if (was || ended)
        rremote_event (self->opt, ASYNROLE_EDISCONNECTED, ASYNROLE_OP_REMOTE, ended,
                       "%s: %zu requests ended", why, ended);
    s_hello (self);
}

static void
s_welcome (self_t *self, const rwire_msg_t *m)
{
    if (self->welcomed)
        return;
    self->welcomed = true;
    self->stats.joined++;
    self->stats.peers = 1;
    //  The server's heartbeat rules the link (within sane bounds)
    //  (the options' bounds: a server takes no others; 64 bits, no overflow)
    uint64_t heartbeat = m->heartbeat, timeout = m->heartbeat_timeout;
    if (heartbeat >= 1 && heartbeat <= RREMOTE_HEARTBEAT_MAX && timeout >= 2 * heartbeat
        && timeout <= RREMOTE_HEARTBEAT_TIMEOUT_MAX) {
        self->heartbeat = (int) m->heartbeat;
        self->heartbeat_timeout = (int) m->heartbeat_timeout;
    }
    for (size_t i = 0; i < self->pending_count; i++) {
        creq_t *req = (creq_t *) zhashx_lookup (self->requests, &self->pending[i]);
        if (req && !req->sent)
            s_send_request (self, req);
    }
    self->pending_count = 0;
    rremote_event (self->opt, ASYNROLE_OK, ASYNROLE_OP_REMOTE, 0, "server at %s welcomed us",
                   self->owner->endpoint);
}

static void
s_complain (self_t *self, const char *what)
{
    int64_t now = clock_ms ();
    if (now - self->complained < 1000)
        return;
    self->complained = now;
    s_send (self, rwire_error (ASYNROLE_EPROTOCOL, what));
    rremote_event (self->opt, ASYNROLE_EPROTOCOL, ASYNROLE_OP_REMOTE, 1, "%s from the server",
                   what);
}

static void
s_dispatch (self_t *self, const rwire_msg_t *m)
{
    switch (m->type) {
        case RWIRE_WELCOME: s_welcome (self, m); break;
        case RWIRE_RESULT: s_on_result (self, m); break;
        case RWIRE_HEARTBEAT: self->stats.heartbeats++; break;
        case RWIRE_BYE:
            self->stats.left++;
            s_disconnected (self, "the server said BYE", false);
            break;
        case RWIRE_ERROR:
            //  Before the WELCOME, one answers a message of an earlier
            //  session (protocol rule 6; a fresh socket makes them rare)
            if (m->code == ASYNROLE_EDISCONNECTED && self->welcomed)
                s_disconnected (self, "the server does not know us (it restarted)", false);
            else if (m->code != ASYNROLE_EDISCONNECTED)
                rremote_event (self->opt, (asynrole_code_t) m->code, ASYNROLE_OP_REMOTE, 0,
                               "the server refused a message: %s", m->text);
            break;
        default: self->stats.malformed++; s_complain (self, "a message a client does not take");
    }
}

static void
s_handle_dealer (self_t *self)
{
    for (int i = 0;
         i < 256 && !self->terminated && !self->owner->deferred && ctx_readable (self->dealer);
         i++) {
        void *dealer = self->dealer;
        zmsg_t *msg = zmsg_recv (dealer);
        if (!msg)
            break;
        rwire_msg_t m;
        rwire_status_t status = rwire_decode (msg, &m);
        self->heard = clock_ms ();
        if (status == RWIRE_MALFORMED) {
            self->stats.malformed++;
            s_complain (self, "a malformed message");
        }
        else if (status == RWIRE_BAD_VERSION) {
            self->stats.bad_version++;
            s_complain (self, "another protocol version");
        }
        else
            s_dispatch (self, &m);
        zmsg_destroy (&msg);
        if (dealer != self->dealer)
            break;  //  started over: the new socket's turn comes
    }
}

static void
s_heartbeat (self_t *self)
{
    int64_t now = clock_ms ();
    if (self->welcomed && now - self->heard > self->heartbeat_timeout)
        s_disconnected (self, "the server went silent", true);
    else if (!self->welcomed && now - self->hello_at > self->heartbeat_timeout)
        s_disconnected (self, "the server did not answer our HELLO", true);
    else if (self->welcomed && now - self->sent >= self->heartbeat)
        s_send (self, rwire_simple (RWIRE_HEARTBEAT));
}

//  -------------------------------------------------------------------------
//  Requests and calls

static void
s_take_request (self_t *self, creq_t *req)
{
    self->stats.requests++;
    if (self->terminating) {
        s_end_error (self, req, ASYNROLE_ECLOSED, "the client was destroyed");
        return;
    }
    if (zhashx_insert (self->requests, &req->handle, req)) {
        s_end_error (self, req, ASYNROLE_ENOMEM, "out of memory for a request");
        return;
    }
    if (self->welcomed) {
        if (s_send_request (self, req))
            s_end_error (self, req, ASYNROLE_EDISCONNECTED, "cannot send to the server");
        return;
    }
    if (self->pending_count == self->pending_max) {
        size_t max = self->pending_max ? 2 * self->pending_max : 64;
        uint64_t *grown = (uint64_t *) realloc (self->pending, max * sizeof *grown);
        if (!grown) {
            s_end_error (self, req, ASYNROLE_ENOMEM, "out of memory for a request");
            return;
        }
        self->pending = grown;
        self->pending_max = max;
    }
    self->pending[self->pending_count++] = req->handle;
}

static int
s_cancel (self_t *self, uint64_t handle, asynrole_error_t *error)
{
    creq_t *req = (creq_t *) zhashx_lookup (self->requests, &handle);
    if (!req) {
        if (handle == 0 || handle > atomic_load (&self->owner->handles))
            return error_badarg (error, "no request ever had handle %llu",
                                 (unsigned long long) handle);
        error_clear (error);
        return 1;
    }
    if (req->sent) {
        rwire_msg_t m = { .type = RWIRE_CANCEL, .token = handle };
        s_send (self, rwire_encode (&m));
    }
    s_end_error (self, req, ASYNROLE_ECANCELLED, "cancelled");
    error_clear (error);
    return 0;
}

static void
s_stats (self_t *self, asynrole_remote_stats_t *stats)
{
    *stats = self->stats;
    stats->in_flight = atomic_load (&self->owner->in_flight);
}

static void
s_handle_mail (self_t *self)
{
    rmail_clear (self->mail);
    rmail_item_t *item = rmail_take (self->mail);
    while (item) {
        rmail_item_t *next = item->next;
        //  Destroyed from a callback meanwhile: the rest end ECLOSED
        self->terminating = self->terminating || self->owner->deferred;
        if (item->kind == RCLIENT_REQUEST)
            s_take_request (self, (creq_t *) item);
        else {
            rmail_call_t *call = (rmail_call_t *) item;
            if (call->what == RCLIENT_CANCEL)
                call->rc = s_cancel (self, call->handle, &call->error);
            else {
                s_stats (self, &call->stats);
                call->rc = 0;
            }
            rmail_answer (call);
        }
        item = next;
    }
}

static bool
s_is_request (const rmail_item_t *item, void *arg)
{
    return item->kind == RCLIENT_REQUEST && ((const creq_t *) item)->handle == *(uint64_t *) arg;
}

int
rclient_cancel_here (asynrole_client_t *client, uint64_t handle, asynrole_error_t *error)
{
    self_t *self = client->inner;
    //  A request made in this callback may still be in the mailbox: it
    //  never left, it ends here (the other items keep their order)
    creq_t *queued = zhashx_lookup (self->requests, &handle)
        ? NULL
        : (creq_t *) rmail_remove (self->mail, s_is_request, &handle);
    if (queued) {
        self->stats.requests++;
        s_end_error (self, queued, ASYNROLE_ECANCELLED, "cancelled");
        error_clear (error);
        return 0;
    }
    return s_cancel (self, handle, error);
}

void
rclient_stats_here (asynrole_client_t *client, asynrole_remote_stats_t *stats)
{
    s_stats (client->inner, stats);
}

//  -------------------------------------------------------------------------
//  Construction, destruction

static void
s_self_destroy (self_t **self_p)
{
    self_t *self = *self_p;
    if (!self)
        return;
    zhashx_destroy (&self->requests);
    free (self->pending);
    ctx_close (&self->dealer);
    rmail_unref (&self->mail);
    free (self);
    *self_p = NULL;
}

static self_t *
s_self_new (actor_t *actor, asynrole_client_t *owner, asynrole_error_t *error)
{
    self_t *self = (self_t *) calloc (1, sizeof *self);
    if (!self) {
        error_nomem (error, "a client");
        return NULL;
    }
    self->actor = actor;
    self->pipe = actor_inner (actor);
    self->owner = owner;
    self->opt = &owner->options;
    self->mail = rmail_ref (owner->mail);
    self->requests = rremote_table_new ();
    self->complained = INT64_MIN / 2;
    if (!self->requests) {
        error_nomem (error, "a client's table");
        s_self_destroy (&self);
        return NULL;
    }
    self->dealer = rremote_connect (owner->endpoint, &self->opt->given, false, error);
    if (!self->dealer) {
        s_self_destroy (&self);
        return NULL;
    }
    owner->inner = self;
    return self;
}

//  Destroy: every request ends ECLOSED (those still in the mailbox too),
//  BYE tells the server to cancel them
static void
s_shutdown (self_t *self)
{
    self->terminating = true;
    rmail_item_t *item = rmail_close (self->mail);
    while (item) {
        rmail_item_t *next = item->next;
        if (item->kind == RCLIENT_REQUEST)
            s_take_request (self, (creq_t *) item);
        else {
            rmail_call_t *call = (rmail_call_t *) item;
            call->rc = error_set (&call->error, ASYNROLE_ECLOSED, ASYNROLE_OP_CONTROL, 0,
                                  "the client is being destroyed");
            rmail_answer (call);
        }
        item = next;
    }
    s_end_all (self, ASYNROLE_ECLOSED, "the client was destroyed");
    if (self->welcomed) {
        s_send (self, rwire_simple (RWIRE_BYE));
        int linger = self->opt->timeout < 1000 ? self->opt->timeout : 1000;
        zmq_setsockopt (self->dealer, ZMQ_LINGER, &linger, sizeof linger);
    }
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

static void
s_finalize (void *arg)
{
    rclient_free ((asynrole_client_t *) arg);
}

void
rclient_actor (actor_t *actor, void *args)
{
    asynrole_error_t error;
    asynrole_client_t *owner = (asynrole_client_t *) args;
    //  Before the start-up status: calls compare with it from then on
    owner->thread = pthread_self ();
    self_t *self = s_self_new (actor, owner, &error);
    actor_started (actor, self ? NULL : &error);
    if (!self)
        return;
    s_hello (self);
    while (!self->terminated && !owner->deferred) {
        int tick = self->heartbeat / 2 > 0 ? self->heartbeat / 2 : 1;
        zmq_pollitem_t items[] = { { self->pipe, 0, ZMQ_POLLIN, 0 },
                                   { self->dealer, 0, ZMQ_POLLIN, 0 },
                                   { NULL, rmail_fd (self->mail), ZMQ_POLLIN, 0 } };
        if (zmq_poll (items, 3, tick) < 0 && errno != EINTR) {
            log_error ("%s: zmq_poll failed: %s", self->opt->name, zmq_strerror (errno));
            break;
        }
        if (items[0].revents & ZMQ_POLLIN)
            s_handle_pipe (self);
        if (items[2].revents & ZMQ_POLLIN && !owner->deferred)
            s_handle_mail (self);
        if (items[1].revents & ZMQ_POLLIN && !owner->deferred)
            s_handle_dealer (self);
        if (!owner->deferred)
            s_heartbeat (self);
    }
    //  A destroy from a callback while we end is no second destroy
    bool deferred = owner->deferred;
    s_shutdown (self);
    owner->inner = NULL;
    s_self_destroy (&self);
    //  Destroyed from a callback: nobody joins us, we free the client
    if (deferred)
        actor_detach (actor, s_finalize, owner);
}
