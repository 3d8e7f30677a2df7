/*  role_actor.c - the role actor: attaches to the I/O actor, opens the
    role's sockets, then turns each batch from the I/O actor into callbacks
    (callback mode) or into one event message per record (pipe mode). */
#define _GNU_SOURCE
#include "role_actor.h"
#include "actor_status.h"
#include "error_fill.h"
#include "msg_pop.h"
#include "wire.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

//  Batches read per wake-up, so the pipe is heard between them
#define ROLE_BATCHES_PER_WAKE 64

typedef struct {
    zsock_t *pipe;          //  actor pipe
    role_t *role;           //  shared with the API (role.h says who writes what)
    zsock_t *data;          //  batches from the I/O actor (we read)
    zsock_t *data_io;       //  its other end, lent to the I/O actor while attached
    zsock_t *ctl;           //  answers from the I/O actor (we read)
    zsock_t *ctl_io;        //  its other end, lent likewise
    bool attached;          //  attached at the I/O actor (role->role_id is valid)
    bool lent;              //  the I/O actor may hold data_io and ctl_io
    bool terminated;        //  $TERM received
    zmq_msg_t pending;      //  pipe mode: a batch the user's queue had no room for
    size_t pending_offset;  //  where in it to go on
    bool has_pending;       //  pending holds a batch
} self_t;

//  -------------------------------------------------------------------------
//  Talking to the I/O actor

//  Send a control request through the shared PUSH socket
static int
s_request (role_t *role, const char *picture, ...)
{
    va_list args;
    va_start (args, picture);
    zmsg_t *msg = zmsg_new ();
    for (const char *p = picture; *p; p++) {
        if (*p == 's')
            zmsg_addstr (msg, va_arg (args, const char *));
        else if (*p == '4')
            zmsg_addstrf (msg, "%u", va_arg (args, uint32_t));
        else if (*p == 'i')
            zmsg_addstrf (msg, "%d", va_arg (args, int));
        else if (*p == 'p') {
            void *pointer = va_arg (args, void *);
            zmsg_addmem (msg, &pointer, sizeof pointer);
        }
        else if (*p == 'b') {
            const void *data = va_arg (args, const void *);
            size_t size = va_arg (args, size_t);
            zmsg_addmem (msg, data, size);
        }
    }
    va_end (args);
    //  A signal can cut a send that waits on a full inbound queue: try again
    int rc = -1;
    for (int attempt = 0; attempt < 1000 && rc; attempt++) {
        zmsg_t *copy = zmsg_dup (msg);
        pthread_mutex_lock (&role->push_mutex);
        rc = copy ? zmsg_send (&copy, role->push) : -1;
        pthread_mutex_unlock (&role->push_mutex);
        zmsg_destroy (&copy);
        if (rc && errno != EINTR)
            break;
    }
    zmsg_destroy (&msg);
    return rc;
}

//  Wait for the I/O actor's answer to command; the I/O actor always
//  answers. The answer comes with its name popped.
static zmsg_t *
s_answer (zsock_t *ctl, const char *command)
{
    for (int attempt = 0; attempt < 1000; attempt++) {
        zmsg_t *msg = zmsg_recv (ctl);
        if (!msg && errno == EINTR)
            continue;
        if (!msg)
            return NULL;
        char *name = zmsg_popstr (msg);
        bool match = name && streq (name, command);
        zstr_free (&name);
        if (match)
            return msg;
        zmsg_destroy (&msg);  //  An answer nobody waits for any more
    }
    return NULL;
}

int
role_actor_fetch_stats (role_t *role, byte **records, size_t *size)
{
    *records = NULL;
    *size = 0;
    if (s_request (role, "s4", "STATS", role->role_id))
        return -1;
    zmsg_t *answer = s_answer (role->ctl, "STATS");
    if (!answer)
        return -1;
    char *count = zmsg_popstr (answer);
    zframe_t *frame = zmsg_pop (answer);
    int rc = -1;
    if (count && frame) {
        rc = atoi (count);
        *size = zframe_size (frame);
        *records = malloc (*size ? *size : 1);
        if (*records)
            memcpy (*records, zframe_data (frame), *size);
        else
            rc = -1;
    }
    zstr_free (&count);
    zframe_destroy (&frame);
    zmsg_destroy (&answer);
    return rc;
}

static int
s_attach (self_t *self, asynrole_error_t *error)
{
    role_t *role = self->role;
    if (s_request (role, "spp", "ATTACH", (void *) self->data_io, (void *) self->ctl_io))
        return error_network (error, ASYNROLE_OP_SOCKET, errno, NULL);
    //  From here the I/O actor may hold our pair ends, until it says DETACHED
    self->lent = true;
    zmsg_t *answer = s_answer (self->ctl, "ATTACHED");
    char *id = answer ? zmsg_popstr (answer) : NULL;
    int rc = id && atoi (id) >= 0 ? 0 : -1;
    if (id && rc)
        self->lent = false;  //  Refused: the I/O actor kept nothing of ours
    if (rc == 0) {
        role->role_id = (uint32_t) atoi (id);
        self->attached = true;
    }
    else
        error_network (error, ASYNROLE_OP_SOCKET, ENOMEM, NULL);
    zstr_free (&id);
    zmsg_destroy (&answer);
    return rc;
}

static int
s_open (self_t *self, size_t index, asynrole_error_t *error)
{
    role_t *role = self->role;
    asynrole_addr_t *local = &role->locals[index];
    if (s_request (role, "s44bbii4", "OPEN", role->role_id, (uint32_t) index, local, sizeof *local,
                   &role->destination, sizeof role->destination, role->options.rcvbuf,
                   role->options.sndbuf, (uint32_t) role->options.buffer_size))
        return error_network (error, ASYNROLE_OP_SOCKET, errno, local);
    zmsg_t *answer = s_answer (self->ctl, "OPENED");
    char *id = answer ? zmsg_popstr (answer) : NULL;
    asynrole_addr_t bound;
    int rc = -1;
    if (id && msg_pop_struct (answer, &bound, sizeof bound)
        && msg_pop_struct (answer, error, sizeof *error)) {
        role->socket_ids[index] = (uint32_t) strtoul (id, NULL, 10);
        if (role->socket_ids[index]) {
            bound.via = -1;  //  a bound address is not a route
            *local = bound;
            rc = 0;
        }
    }
    else
        error_network (error, ASYNROLE_OP_SOCKET, EPROTO, local);
    zstr_free (&id);
    zmsg_destroy (&answer);
    return rc;
}

static void
s_detach (self_t *self)
{
    if (!self->attached)
        return;
    if (s_request (self->role, "s4", "DETACH", self->role->role_id) == 0) {
        zmsg_t *answer = s_answer (self->ctl, "DETACHED");
        if (answer)
            self->lent = false;
        zmsg_destroy (&answer);
    }
    self->attached = false;
}

//  -------------------------------------------------------------------------
//  Construction

static zsock_t *
s_pair_end (zsock_t **other, const char *what, int rcvhwm, int sndhwm)
{
    char endpoint[96];
    snprintf (endpoint, sizeof endpoint, "inproc://asynrole-role-%d-%u-%s", (int) getpid (),
              role_endpoint_number (), what);
    zsock_t *ours = zsock_new (ZMQ_PAIR);
    *other = zsock_new (ZMQ_PAIR);
    if (ours && *other) {
        zsock_set_rcvhwm (ours, rcvhwm);
        zsock_set_sndhwm (*other, sndhwm);
        if (zsock_bind (ours, "%s", endpoint) == 0 && zsock_connect (*other, "%s", endpoint) == 0)
            return ours;
    }
    zsock_destroy (&ours);
    zsock_destroy (other);
    return NULL;
}

static void
s_self_destroy (self_t **self_p)
{
    self_t *self = *self_p;
    if (self->has_pending)
        zmq_msg_close (&self->pending);
    s_detach (self);
    if (self->lent)
        //  No DETACHED came: the I/O actor may still write to its ends, so
        //  they must outlive us (a leak CZMQ will report, not a crash)
        zsys_error ("%s: the I/O actor did not let go of the role's pipes", self->role->name);
    else {
        zsock_destroy (&self->data_io);
        zsock_destroy (&self->ctl_io);
    }
    zsock_destroy (&self->data);
    zsock_destroy (&self->ctl);
    self->role->ctl = NULL;
    free (self);
    *self_p = NULL;
}

static self_t *
s_self_new (zsock_t *pipe, role_t *role, asynrole_error_t *error)
{
    self_t *self = calloc (1, sizeof *self);
    if (!self) {
        error_network (error, ASYNROLE_OP_SOCKET, ENOMEM, NULL);
        return NULL;
    }
    self->pipe = pipe;
    self->role = role;
    //  The I/O actor's end sends with an HWM of 1, ours queues the rest
    self->data = s_pair_end (&self->data_io, "data", role->options.queue, 1);
    self->ctl = s_pair_end (&self->ctl_io, "ctl", 16, 16);
    role->ctl = self->ctl;
    int rc = self->data && self->ctl ? 0 : error_network (error, ASYNROLE_OP_SOCKET, EMFILE, NULL);
    if (rc == 0)
        rc = s_attach (self, error);
    for (size_t i = 0; rc == 0 && i < role->count; i++)
        rc = s_open (self, i, error);
    if (rc)
        s_self_destroy (&self);  //  Detaching closes what was opened: all or none
    return self;
}

//  -------------------------------------------------------------------------
//  Batches from the I/O actor

static void
s_make_error (const wire_rec_t *rec, asynrole_error_t *error)
{
    memset (error, 0, sizeof *error);
    error->address = rec->peer;
    if (rec->type == WIRE_DROPS) {
        error->code = ASYNROLE_EDROPPED;
        error->op = ASYNROLE_OP_QUEUE;
        error->count = rec->count;
        error->lost_errors = rec->errors;
    }
    else {
        error->code = ASYNROLE_ENETWORK;
        error->op = (asynrole_op_t) rec->op;
        error->sys_errno = rec->err;
    }
    error_describe (error);
}

static void
s_call (role_t *role, role_fn_t callback, void *ctx, const asynrole_datagram_t *datagram,
        const asynrole_error_t *error)
{
    if (role->kind == ROLE_MANAGER)
        callback.manager ((asynrole_manager_t *) role->owner, ctx, datagram, error);
    else
        callback.agent ((asynrole_agent_t *) role->owner, ctx, datagram, error);
}

static void
s_datagram (const wire_rec_t *rec, const uint8_t *payload, asynrole_datagram_t *datagram)
{
    datagram->data = payload;
    datagram->size = rec->size;
    datagram->original_size = rec->original;
    datagram->peer = rec->peer;
    datagram->local = rec->local;
    datagram->ifindex = rec->ifindex;
    datagram->flags = rec->flags;
}

//  Callback mode: run the callback for one record
static void
s_dispatch (self_t *self, role_fn_t callback, void *ctx, const wire_rec_t *rec,
            const uint8_t *payload)
{
    role_t *role = self->role;
    if (rec->type == WIRE_DATAGRAM) {
        asynrole_datagram_t datagram;
        s_datagram (rec, payload, &datagram);
        if (atomic_load_explicit (&role->dump, memory_order_relaxed))
            role_dump (role, "received", &rec->peer, payload, rec->size);
        if (callback.manager)
            s_call (role, callback, ctx, &datagram, NULL);
        else
            atomic_fetch_add (&role->unhandled, 1);
        return;
    }
    asynrole_error_t error;
    s_make_error (rec, &error);
    if (atomic_load_explicit (&role->verbose, memory_order_relaxed) || !callback.manager)
        zsys_warning ("%s: %s", role->name, error.detail);
    if (callback.manager)
        s_call (role, callback, ctx, NULL, &error);
}

//  Pipe mode: one record as one event message. Returns -1 when the user's
//  queue has no room (only the first frame can be refused).
static int
s_emit (self_t *self, const wire_rec_t *rec, const uint8_t *payload)
{
    role_t *role = self->role;
    void *events = zsock_resolve (role->events);
    if (rec->type == WIRE_DATAGRAM) {
        if (zmq_send (events, "DATAGRAM", 8, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
            return -1;
        if (atomic_load_explicit (&role->dump, memory_order_relaxed))
            role_dump (role, "received", &rec->peer, payload, rec->size);
        char number[3][16];
        int lengths[3] = {
            snprintf (number[0], sizeof number[0], "%u", rec->ifindex),
            snprintf (number[1], sizeof number[1], "%u", rec->flags),
            snprintf (number[2], sizeof number[2], "%u", rec->original),
        };
        zmq_send (events, &rec->peer, sizeof rec->peer, ZMQ_SNDMORE);
        zmq_send (events, &rec->local, sizeof rec->local, ZMQ_SNDMORE);
        for (int i = 0; i < 3; i++)
            zmq_send (events, number[i], (size_t) lengths[i], ZMQ_SNDMORE);
        zmq_send (events, payload, rec->size, 0);
        return 0;
    }
    if (zmq_send (events, "ERROR", 5, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return -1;
    asynrole_error_t error;
    s_make_error (rec, &error);
    if (atomic_load_explicit (&role->verbose, memory_order_relaxed))
        zsys_warning ("%s: %s", role->name, error.detail);
    zmq_send (events, &error, sizeof error, 0);
    return 0;
}

//  Handle a batch from offset on. Returns SIZE_MAX when done, or the offset
//  to go on from when the user's queue is full (pipe mode).
static size_t
s_process (self_t *self, zmq_msg_t *msg, size_t offset)
{
    role_t *role = self->role;
    const uint8_t *frame = zmq_msg_data (msg);
    size_t size = zmq_msg_size (msg);
    role_fn_t callback = { NULL };
    void *ctx = NULL;
    if (!role->options.pipe_mode) {
        //  Every datagram of the batch arrived before anything sent after
        //  this point, so one look at the callback serves the batch
        pthread_mutex_lock (&role->callback_mutex);
        callback = role->callback;
        ctx = role->ctx;
        pthread_mutex_unlock (&role->callback_mutex);
    }
    while (offset + sizeof (wire_rec_t) <= size) {
        wire_rec_t rec;
        memcpy (&rec, frame + offset, sizeof rec);
        if (rec.size > size - offset - sizeof rec) {
            zsys_error ("%s: malformed batch from the I/O actor", role->name);
            break;
        }
        const uint8_t *payload = frame + offset + sizeof rec;
        if (role->options.pipe_mode) {
            if (s_emit (self, &rec, payload))
                return offset;
        }
        else
            s_dispatch (self, callback, ctx, &rec, payload);
        offset += wire_rec_span (rec.size);
    }
    return SIZE_MAX;
}

static void
s_self_handle_data (self_t *self)
{
    void *data = zsock_resolve (self->data);
    for (int count = 0; count < ROLE_BATCHES_PER_WAKE && !self->has_pending; count++) {
        zmq_msg_t msg;
        zmq_msg_init (&msg);
        if (zmq_msg_recv (&msg, data, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&msg);
            break;
        }
        size_t stopped = s_process (self, &msg, 0);
        if (stopped == SIZE_MAX)
            zmq_msg_close (&msg);
        else {
            zmq_msg_init (&self->pending);  //  zmq_msg_move closes it first
            zmq_msg_move (&self->pending, &msg);
            zmq_msg_close (&msg);
            self->pending_offset = stopped;
            self->has_pending = true;
        }
    }
}

static void
s_self_resume (self_t *self)
{
    size_t stopped = s_process (self, &self->pending, self->pending_offset);
    if (stopped == SIZE_MAX) {
        zmq_msg_close (&self->pending);
        self->has_pending = false;
    }
    else
        self->pending_offset = stopped;
}

//  -------------------------------------------------------------------------
//  The pipe

static void
s_reply (self_t *self, int rc, const asynrole_error_t *error)
{
    zsock_send (self->pipe, "is", rc == 0 ? 0 : (int) error->code, rc == 0 ? "" : error->detail);
}

static void
s_handle_send (self_t *self, zmsg_t *request)
{
    role_t *role = self->role;
    char *destination = zmsg_popstr (request);
    zframe_t *data = zmsg_pop (request);
    char *via = zmsg_popstr (request);
    asynrole_error_t error;
    asynrole_addr_t addr;
    int rc;
    if (!destination || !data)
        rc = error_badarg (&error, "%s: SEND takes a destination and data", role->name);
    else if (*destination == 0)
        rc = role_send (role, zframe_data (data), zframe_size (data), NULL, &error);
    else {
        rc = asynrole_addr_resolve (&addr, destination, &error);
        if (rc == 0 && via) {
            char *end = NULL;
            long number = strtol (via, &end, 10);
            if (*via == 0 || *end != 0 || number < -1 || number > INT32_MAX)
                rc = error_badarg (&error, "%s: SEND via '%s' is not a socket index", role->name,
                                   via);
            addr.via = (int) number;
        }
        if (rc == 0)
            rc = role_send (role, zframe_data (data), zframe_size (data), &addr, &error);
    }
    s_reply (self, rc, &error);
    zstr_free (&destination);
    zstr_free (&via);
    zframe_destroy (&data);
}

//  CALLBACK p callback p ctx: a Manager's callback, replaced from the pipe
static void
s_handle_callback (self_t *self, zmsg_t *request)
{
    role_t *role = self->role;
    void *callback = msg_pop_pointer (request);
    void *ctx = msg_pop_pointer (request);
    asynrole_error_t error;
    int rc;
    if (role->kind != ROLE_MANAGER)
        rc =
            error_badarg (&error, "%s: an Agent's callback is given once, at creation", role->name);
    else {
        role_fn_t fn;
        //  POSIX: a function pointer survives the round trip through void *
        memcpy (&fn.manager, &callback, sizeof callback);
        rc = role_set_callback (role, fn, ctx, &error);
    }
    s_reply (self, rc, &error);
}

static void
s_self_handle_pipe (self_t *self)
{
    role_t *role = self->role;
    zmsg_t *request = zmsg_recv (self->pipe);
    if (!request)
        return;  //  Interrupted
    char *command = zmsg_popstr (request);
    if (command && streq (command, "$TERM"))
        self->terminated = true;
    else if (command && streq (command, "SEND"))
        s_handle_send (self, request);
    else if (command && streq (command, "STATS")) {
        byte *records;
        size_t size;
        int count = role_actor_fetch_stats (role, &records, &size);
        zsock_send (self->pipe, "ib", count, records, size);
        free (records);
    }
    else if (command && streq (command, "CALLBACK"))
        s_handle_callback (self, request);
    else if (command && (streq (command, "VERBOSE") || streq (command, "DUMP"))) {
        char *value = zmsg_popstr (request);
        atomic_store (streq (command, "VERBOSE") ? &role->verbose : &role->dump,
                      value && atoi (value) != 0);
        zstr_free (&value);
    }
    else {
        asynrole_error_t error;
        error_badarg (&error, "%s: unknown command '%s'", role->name,
                      command ? command : "(empty)");
        zsys_warning ("%s", error.detail);
        s_reply (self, -1, &error);
    }
    zstr_free (&command);
    zmsg_destroy (&request);
}

//  -------------------------------------------------------------------------
//  The actor

void
role_actor (zsock_t *pipe, void *args)
{
    role_t *role = (role_t *) args;
    prctl (PR_SET_NAME, role->kind == ROLE_MANAGER ? "asynrole-mgr" : "asynrole-agent");
    role->thread = pthread_self ();
    asynrole_error_t error = { .code = ASYNROLE_OK };
    self_t *self = s_self_new (pipe, role, &error);
    if (!actor_status_send (pipe, self != NULL, &error))
        return;
    while (!self->terminated) {
        zmq_pollitem_t items[] = {
            { zsock_resolve (pipe), 0, ZMQ_POLLIN, 0 },
            self->has_pending ? (zmq_pollitem_t){ zsock_resolve (role->events), 0, ZMQ_POLLOUT, 0 }
                              : (zmq_pollitem_t){ zsock_resolve (self->data), 0, ZMQ_POLLIN, 0 },
        };
        if (zmq_poll (items, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;  //  Context terminated
        }
        if (items[0].revents & ZMQ_POLLIN)
            s_self_handle_pipe (self);
        if (items[1].revents & ZMQ_POLLOUT)
            s_self_resume (self);
        else if (items[1].revents & ZMQ_POLLIN)
            s_self_handle_data (self);
    }
    s_self_destroy (&self);
}
