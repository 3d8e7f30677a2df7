/*  role_actor.c - the role actor: attaches to the I/O actor, opens the
    role's sockets, then delivers each batch from the I/O actor (role_deliver)
    and answers its pipe, until $TERM from _destroy or a destroy from its own
    callback. */
#define _GNU_SOURCE
#include "role_actor.h"
#include "log.h"
#include "ctx.h"
#include "error_fill.h"
#include "frames.h"
#include "bounds.h"
#include "role_ctl.h"
#include "role_batch.h"
#include "role_deliver.h"
#include "role_deploy.h"
#include "capture_command.h"
#include "req_engine.h"
#include "stats_codec.h"
#include "tsan.h"
#include <czmq.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

typedef struct {
    actor_t *actor;   //  our thread and pipe
    void *pipe;       //  our end of the pipe
    role_t *role;     //  shared with the API (role.h says who writes what)
    bool attached;    //  attached at the I/O actor (role->role_id is valid)
    bool terminated;  //  $TERM from _destroy, or destroyed from a callback
} self_t;

//  -------------------------------------------------------------------------
//  Attaching, opening, detaching

//  A control request during start or stop: the answer, or NULL (error filled)
static zmsg_t *
s_step (role_t *role, const role_call_t *call, int sent, const char *name, asynrole_error_t *error)
{
    return role_ctl_end (role, call, sent, name, error);
}

static int
s_attach (self_t *self, asynrole_error_t *error)
{
    role_t *role = self->role;
    role_call_t call;
    if (role_ctl_begin (role, role_ctl_step_timeout (role), &call, error))
        return -1;
    //  The request carries a reference to the link: the I/O actor keeps it
    //  while the role is attached, and drops it when it refuses. Once the
    //  request is sent it is the I/O actor's, answer or not.
    link_ref (role->link);
    int sent = role_push (role, "s4ppp", "ATTACH", call.seq, (void *) role->link, role->data_io,
                          role->ctl_io);
    link_t *unsent = sent ? role->link : NULL;
    link_unref (&unsent);
    //  From here the I/O actor may hold our pair ends, until it says DETACHED
    role->lent = sent == 0;
    zmsg_t *answer = s_step (role, &call, sent, "ATTACHED", error);
    if (!answer)
        return -1;
    long long id = -1;
    asynrole_error_t refusal;
    bool ok = frames_pop_number (answer, -1, INT32_MAX, &id)
        && frames_pop_struct (answer, &refusal, sizeof refusal);
    zmsg_destroy (&answer);
    if (!ok)
        return error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_CONTROL, 0,
                          "a malformed ATTACHED answer: %s", role->name);
    if (id < 0) {
        role->lent = false;  //  refused: the I/O actor kept nothing of ours
        if (error)
            *error = refusal;
        return -1;
    }
    role->role_id = (uint32_t) id;
    self->attached = true;
    return 0;
}

//  How socket index is opened: bound here, or the caller's descriptor
//  adopted (a copy, which the I/O actor owns once the request is sent)
static int
s_open_spec (role_t *role, size_t index, wire_open_t *spec, asynrole_error_t *error)
{
    memset (spec, 0, sizeof *spec);
    spec->tag = (uint32_t) index;
    spec->local = role->locals[index];
    spec->connect_to = role->destination;
    spec->buffer_size = (uint32_t) role->options.buffer_size;
    spec->reuse_port = role->options.reuse_port;
    spec->dual_stack = role->options.dual_stack;
    spec->rebind_ms = role->options.rebind_interval;
    memcpy (spec->device, role->device, sizeof spec->device);
    spec->fd = -1;
    if (role->adopt[index] >= 0) {
        spec->fd = fcntl (role->adopt[index], F_DUPFD_CLOEXEC, 3);
        if (spec->fd < 0)
            return error_set (error, errno == EMFILE ? ASYNROLE_ERESOURCE : ASYNROLE_EBADARG,
                              ASYNROLE_OP_ADOPT, errno, "cannot copy descriptor %d: %s",
                              role->adopt[index], strerror (errno));
    }
    //  Agents meet storms of traps: a large buffer unless told otherwise
    //  (an adopted socket keeps the size its maker gave it)
    bool storm = role->kind == ROLE_AGENT && spec->fd < 0 && role->options.rcvbuf == 0;
    spec->rcvbuf = storm ? ASYNROLE_DEFAULT_AGENT_RCVBUF
                         : (role->options.rcvbuf > 0 ? role->options.rcvbuf : 0);
    spec->sndbuf = role->options.sndbuf > 0 ? role->options.sndbuf : 0;
    return 0;
}

static int
s_open (self_t *self, size_t index, asynrole_error_t *error)
{
    role_t *role = self->role;
    wire_open_t spec;
    role_call_t call;
    if (s_open_spec (role, index, &spec, error))
        return -1;
    if (role_ctl_begin (role, role_ctl_step_timeout (role), &call, error)) {
        if (spec.fd >= 0)
            close (spec.fd);
        return -1;
    }
    int sent = role_push (role, "s44b", "OPEN", call.seq, role->role_id, &spec, sizeof spec);
    if (sent && spec.fd >= 0)
        close (spec.fd);  //  not sent: still ours
    zmsg_t *answer = s_step (role, &call, sent, "OPENED", error);
    if (!answer)
        return -1;
    long long id = 0, dual = 0;
    asynrole_addr_t bound;
    asynrole_error_t refusal;
    bool ok = frames_pop_number (answer, 0, UINT32_MAX, &id)
        && frames_pop_struct (answer, &bound, sizeof bound)
        && frames_pop_struct (answer, &refusal, sizeof refusal)
        && frames_pop_number (answer, 0, 1, &dual);
    zmsg_destroy (&answer);
    if (!ok)
        return error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_CONTROL, 0,
                          "a malformed OPENED answer: %s", role->name);
    if (id == 0) {
        if (error)
            *error = refusal;
        return -1;
    }
    role->socket_ids[index] = (uint32_t) id;
    role->dual[index] = dual != 0;
    bound.via = 0;  //  a bound address is not a route
    role->locals[index] = bound;
    return 0;
}

static void
s_detach (self_t *self)
{
    role_t *role = self->role;
    if (!self->attached)
        return;
    //  From here every call on the role fails at once: nothing is left to ask
    atomic_store (&role->closed, true);
    asynrole_error_t error;
    role_call_t call;
    zmsg_t *answer = NULL;
    if (role_ctl_begin (role, role_ctl_step_timeout (role), &call, &error) == 0)
        answer = s_step (role, &call, role_push (role, "s44", "DETACH", call.seq, role->role_id),
                         "DETACHED", &error);
    if (answer)
        role->lent = false;
    else
        log_error ("%s: %s", role->name, error.detail);
    zmsg_destroy (&answer);
    self->attached = false;
}

//  -------------------------------------------------------------------------
//  The pipe

static void
s_reply (self_t *self, int rc, const asynrole_error_t *error)
{
    if (zsock_send (self->pipe, "is", rc == 0 ? 0 : (int) error->code,
                    rc == 0 ? "" : error->detail))
        log_error ("%s: an answer on the pipe was refused: %s", self->role->name, strerror (errno));
}

//  SEND destination data [socket]: numeric destinations only, so that the
//  role's thread never waits on DNS
static int
s_pipe_send (role_t *role, zmsg_t *request, asynrole_error_t *error)
{
    size_t frames = zmsg_size (request);
    bool agent = role->kind == ROLE_AGENT;
    if (frames != 2 && !(agent && frames == 3))
        return error_badarg (error, "SEND takes a destination and data%s: %s",
                             agent ? " (and a socket index)" : "", role->name);
    char *destination = zmsg_popstr (request);
    zframe_t *data = zmsg_pop (request);
    long long socket = -1;
    int rc = 0;
    if (frames == 3 && !frames_pop_number (request, -1, (long long) role->count - 1, &socket))
        rc = error_badarg (error, "SEND's socket must be -1 .. %zu: %s", role->count - 1,
                           role->name);
    asynrole_addr_t addr = { .len = 0 };
    bool named = destination && *destination;
    if (rc == 0 && named)
        rc = asynrole_addr_parse (&addr, destination, error);
    addr.via = (uint32_t) (socket + 1);
    //  The role's thread never waits for room: a full queue is an answer
    role_send_t how = { .nowait = true };
    if (rc == 0)
        rc = role_send (role, zframe_data (data), zframe_size (data), named ? &addr : NULL, &how,
                        error);
    zstr_free (&destination);
    zframe_destroy (&data);
    return rc;
}

static void
s_pipe_stats (self_t *self)
{
    role_t *role = self->role;
    asynrole_stats_t *records = calloc (role->count, sizeof *records);
    int count = records ? role_stats (role, records, role->count, NULL) : -1;
    zmsg_t *answer = stats_encode (records, count);
    free (records);
    if (!answer || zmsg_send (&answer, self->pipe)) {
        zmsg_destroy (&answer);
        log_error ("%s: a STATS answer was refused", role->name);
    }
}

//  CALLBACK p callback p ctx: a Manager's callback, replaced from the pipe
static int
s_pipe_callback (role_t *role, zmsg_t *request, asynrole_error_t *error)
{
    if (role->kind != ROLE_MANAGER)
        return error_badarg (error, "an Agent's callback is given once, at creation: %s",
                             role->name);
    if (zmsg_size (request) != 2)
        return error_badarg (error, "CALLBACK takes 2 frames (callback, ctx), not %zu: %s",
                             zmsg_size (request), role->name);
    void *callback = NULL;
    void *ctx = NULL;
    if (!frames_pop_pointer (request, &callback))
        return error_badarg (error, "CALLBACK's frame 1 (the callback) is not a pointer: %s",
                             role->name);
    if (!frames_pop_pointer (request, &ctx))
        return error_badarg (error, "CALLBACK's frame 2 (ctx) is not a pointer: %s", role->name);
    role_fn_t fn;
    //  POSIX: a function pointer survives the round trip through void *
    memcpy (&fn.manager, &callback, sizeof callback);
    return role_set_callback (role, fn, ctx, error);
}

//  CAPTURE path max_bytes files [snaplen [queue_bytes]], CAPTURE-STOP: the
//  answer carries sys_errno, and a stop's the capture's counters
static void
s_pipe_capture (self_t *self, const char *command, zmsg_t *request)
{
    char *path;
    asynrole_capture_t options;
    asynrole_capture_stats_t stats = { 0 };
    asynrole_error_t error;
    bool stop = streq (command, "CAPTURE-STOP");
    if (capture_command_read (command, request, &path, &options, &error) == 0)
        role_capture (self->role, path, &options, &stats, &error);
    zstr_free (&path);
    zmsg_t *answer = capture_command_answer (stop, &error, &stats);
    if (!answer || zmsg_send (&answer, self->pipe)) {
        log_error ("%s: an answer on the pipe was refused: %s", self->role->name,
                   answer ? strerror (errno) : "out of memory");
        zmsg_destroy (&answer);
    }
}

//  VERBOSE 0|1, DUMP 0|1
static int
s_pipe_switch (role_t *role, const char *command, zmsg_t *request, asynrole_error_t *error)
{
    long long value;
    if (zmsg_size (request) != 1 || !frames_pop_number (request, 0, 1, &value))
        return error_badarg (error, "%s takes one frame, 0 or 1: %s", command, role->name);
    atomic_store (streq (command, "VERBOSE") ? &role->verbose : &role->dump, value == 1);
    return 0;
}

//  DESTINATIONS, REQUESTS: the request engine's counters
static void
s_pipe_counters (self_t *self, const char *command)
{
    req_engine_t *engine = self->role->engine;
    zmsg_t *answer;
    if (streq (command, "REQUESTS")) {
        asynrole_requests_stats_t stats;
        req_engine_stats (engine, &stats);
        answer = records_encode (&stats, sizeof stats, 1);
    }
    else {
        asynrole_destination_stats_t *dests;
        size_t count;
        int rc = req_engine_dests (engine, &dests, &count);
        answer = records_encode (dests, sizeof *dests, rc ? -1 : (int) count);
        free (dests);
    }
    if (!answer || zmsg_send (&answer, self->pipe)) {
        zmsg_destroy (&answer);
        log_error ("%s: a %s answer was refused", self->role->name, command);
    }
}

//  CANCEL handle, CANCEL-ALL, RESET: the request engine's commands. Each
//  answers "is": 0 and, for CANCEL-ALL, how many it cancelled (for CANCEL,
//  "ended" when the request had ended already); or an error.
static void
s_pipe_engine (self_t *self, const char *command, zmsg_t *request)
{
    req_engine_t *engine = self->role->engine;
    asynrole_error_t error;
    char text[32] = "";
    int rc = 0;
    long long handle;
    if (streq (command, "RESET"))
        req_engine_reset (engine);
    else if (streq (command, "CANCEL-ALL"))
        snprintf (text, sizeof text, "%zu", req_engine_cancel_all (engine));
    else if (!frames_pop_number (request, 1, LLONG_MAX, &handle))
        rc = error_badarg (&error, "CANCEL takes one frame, a request's handle: %s",
                           self->role->name);
    else if ((rc = req_engine_cancel (engine, (uint64_t) handle, &error)) == 1) {
        snprintf (text, sizeof text, "ended");
        rc = 0;
    }
    if (zsock_send (self->pipe, "is", rc == 0 ? 0 : (int) error.code,
                    rc == 0 ? text : error.detail))
        log_error ("%s: an answer on the pipe was refused: %s", self->role->name, strerror (errno));
}

//  Is command one of the request engine's, with the right frames?
static bool
s_engine_command (self_t *self, const char *command, zmsg_t *request)
{
    if (!command || !self->role->engine)
        return false;
    size_t frames = zmsg_size (request);
    if (streq (command, "CANCEL"))
        return frames == 1;
    return frames == 0
        && (streq (command, "DESTINATIONS") || streq (command, "REQUESTS")
            || streq (command, "RESET") || streq (command, "CANCEL-ALL"));
}

static void
s_handle_pipe (self_t *self)
{
    role_t *role = self->role;
    zmsg_t *request = zmsg_recv (self->pipe);
    if (!request)
        return;  //  Interrupted
    char *command = zmsg_popstr (request);
    asynrole_error_t error;
    if (command && streq (command, "$TERM") && actor_stopping (self->actor))
        self->terminated = true;
    else if (command && streq (command, "STATS") && zmsg_size (request) == 0)
        s_pipe_stats (self);
    else if (s_engine_command (self, command, request)
             && (streq (command, "DESTINATIONS") || streq (command, "REQUESTS")))
        s_pipe_counters (self, command);
    else if (s_engine_command (self, command, request))
        s_pipe_engine (self, command, request);
    else if (capture_command_is (command))
        s_pipe_capture (self, command, request);
    else {
        int rc;
        char quoted[ERROR_QUOTE_MAX];
        if (command && streq (command, "$TERM"))
            rc = error_badarg (&error, "$TERM comes from _destroy, which ends the role: %s",
                               role->name);
        else if (command && streq (command, "SEND"))
            rc = s_pipe_send (role, request, &error);
        else if (command && streq (command, "CALLBACK"))
            rc = s_pipe_callback (role, request, &error);
        else if (command && (streq (command, "VERBOSE") || streq (command, "DUMP")))
            rc = s_pipe_switch (role, command, request, &error);
        else
            rc = error_badarg (&error, "unknown command, or wrong frames: %s: %s",
                               error_quote (command ? command : "", quoted, sizeof quoted),
                               role->name);
        s_reply (self, rc, &error);
    }
    zstr_free (&command);
    zmsg_destroy (&request);
}

//  -------------------------------------------------------------------------
//  Batches from the I/O actor

//  Up to LIMIT_ROLE_BATCHES_PER_WAKE batches; true when it read them all (a
//  recv failed), so that the data socket's fd will signal the next one
static bool
s_handle_data (self_t *self)
{
    role_t *role = self->role;
    for (int count = 0; count < LIMIT_ROLE_BATCHES_PER_WAKE && !self->terminated; count++) {
        //  Being destroyed: deliver nothing more (the batches stay queued
        //  until the socket closes)
        if (atomic_load (&role->stopping) || atomic_load (&role->destroying))
            break;
        zmq_msg_t msg;
        zmq_msg_init (&msg);
        if (zmq_msg_recv (&msg, role->data, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&msg);
            return true;
        }
        HANDOFF_ACQUIRE (role->link);
        if (!role_deliver (role, &msg))
            //  Destroyed from its own callback, or from another thread (whose
            //  $TERM then ends the loop)
            self->terminated = atomic_load (&role->destroying);
    }
    return false;
}

//  -------------------------------------------------------------------------
//  The actor

//  A role destroyed from its own callback: free it once its thread is done
static void
s_finalize (void *arg)
{
    role_dispose ((role_t *) arg);
}

//  The request engine's turn: what other threads posted, the timers due,
//  and what waits for room
static void
s_engine_turn (self_t *self, bool posted)
{
    req_engine_t *engine = self->role->engine;
    if (!engine)
        return;
    //  The turn's sends leave together, as a batch's replies do
    role_batch_begin (self->role);
    if (posted)
        req_engine_take (engine, req_inbox_take (self->role->inbox));
    //  Being destroyed: every request ends now, so that the blocking calls
    //  waiting for them leave and _destroy need not wait for them
    if (atomic_load (&self->role->stopping))
        req_engine_end_all (engine, ASYNROLE_ECLOSED);
    req_engine_expire (engine);
    role_batch_end (self->role);
    self->terminated |= atomic_load (&self->role->destroying);
}

//  The loop waits in poll on the ZMQ_FD of its pipe and data socket (and a
//  Manager's inbox eventfd), not in zmq_poll, which asks every socket for
//  ZMQ_EVENTS before and after each wait (two syscalls a socket each time).
//  A socket's fd signals only once a read has found it empty: after a pipe
//  command, or a data read cut short by its bound, the loop looks again
//  without waiting.
static void
s_loop (self_t *self)
{
    role_t *role = self->role;
    struct pollfd fds[3] = { { ctx_fd (self->pipe), POLLIN, 0 },
                             { role->inbox ? req_inbox_fd (role->inbox) : -1, POLLIN, 0 },
                             { ctx_fd (role->data), POLLIN, 0 } };
    if (fds[0].fd < 0 || fds[2].fd < 0) {
        log_error ("%s: cannot wait on the role's sockets: %s", role->name, strerror (errno));
        return;
    }
    int data_fd = fds[2].fd;
    //  A new pipe's reader counts as awake: its first messages are not
    //  signalled until a read has found it empty
    bool pipe_due = true, data_due = true;
    while (!self->terminated) {
        //  Once _destroy began, no datagram is delivered: its $TERM comes
        //  next. The engine still answers its calls and its timers run.
        bool stopping = atomic_load (&role->stopping);
        fds[2].fd = stopping ? -1 : data_fd;
        long wait = role->engine ? req_engine_timeout (role->engine) : -1;
        int timeout = wait > INT_MAX ? INT_MAX : (int) wait;
        if (pipe_due || (data_due && !stopping))
            timeout = 0;
        if (poll (fds, 3, timeout) < 0) {
            if (errno == EINTR)
                continue;
            log_error ("%s: poll failed: %s", role->name, strerror (errno));
            break;
        }
        if (pipe_due || fds[0].revents) {
            pipe_due = ctx_readable (self->pipe);
            if (pipe_due)
                s_handle_pipe (self);
        }
        if (!stopping && (data_due || fds[2].revents))
            data_due = !s_handle_data (self);
        if (!self->terminated)
            s_engine_turn (self, fds[1].revents & POLLIN);
    }
}

//  After the start-up status, wait for role_start's go: until _new has
//  returned, no callback may run (one could destroy the role under it).
//  As long as the creator may wait for the status: a creator slow to read
//  it (a busy machine) still sends the go, and one that gave up ends the
//  actor, which ends this wait at once
static bool
s_go (self_t *self)
{
    if (actor_wait_go (self->actor, role_start_wait (self->role)))
        return true;
    log_error ("%s: no go from its creator", self->role->name);
    return false;
}

//  A Manager's engine, made in the thread that owns it
static int
s_engine_new (role_t *role, asynrole_error_t *error)
{
    if (role->kind != ROLE_MANAGER)
        return 0;
    role->engine = req_engine_new (role, &role->requests, role->inbox, error);
    return role->engine ? 0 : -1;
}

//  The role ends: what was posted is taken (no more can be), every request
//  still under way ends with ASYNROLE_ECLOSED, the calls under way leave,
//  and the sockets close
static void
s_end (self_t *self, int rc)
{
    role_t *role = self->role;
    if (role->inbox) {
        req_msg_t *left = req_inbox_close (role->inbox);
        if (role->engine)
            req_engine_take (role->engine, left);
    }
    //  Every request still under way ends (ASYNROLE_ECLOSED), blocking
    //  calls waiting for them included
    req_engine_destroy (&role->engine);
    //  Destroyed from its own callback: the calls under way leave before the
    //  role detaches (the I/O actor still answers theirs) and is freed
    if (rc == 0 && atomic_load (&role->destroying))
        role_quiesce (role);
    //  Detaching closes what was opened: all or none, before a failed start
    //  is reported
    s_detach (self);
}

void
role_actor (actor_t *actor, void *args)
{
    role_t *role = (role_t *) args;
    role->actor = actor;
    self_t self = { .actor = actor, .pipe = actor_inner (actor), .role = role };
    asynrole_error_t error;
    int rc = s_engine_new (role, &error);
    if (rc == 0)
        rc = s_attach (&self, &error);
    //  The filter is in place before the first socket reads
    if (rc == 0 && role->filter)
        rc = role_set_filter (role, &role->filter, &error);
    for (size_t i = 0; rc == 0 && i < role->count; i++)
        rc = s_open (&self, i, &error);
    if (rc == 0) {
        actor_started (actor, NULL);
        if (s_go (&self))
            s_loop (&self);
    }
    s_end (&self, rc);
    if (rc)
        actor_started (actor, &error);
    else if (atomic_load (&role->destroying)) {
        role_deliver_closed (role);
        actor_detach (actor, s_finalize, role);
    }
}
