/*  io_actor.c - the I/O actor: its loop, its pipe, and the roles' requests

    It waits in one epoll_wait on one set, whatever the number of sockets:
    every UDP socket, the doorbell, and the ZMQ_FD of its pipe and of the one
    inbound socket all roles write to. The sockets, the roles, the receive
    side and the send side are classes of their own (io_table, io_roles,
    io_rx, io_tx).
*/
#define _GNU_SOURCE
#include "io_actor.h"
#include "log.h"
#include "ctx.h"
#include "error_fill.h"
#include "frames.h"
#include "io_internal.h"
#include "io_rebind.h"
#include "io_rx.h"
#include "io_table.h"
#include "io_tx.h"
#include "asynrole_deploy.h"
#include "capture_command.h"
#include "clock.h"
#include "stats_codec.h"
#include "tsan.h"
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

//  What epoll's data holds besides socket ids (whose generation is never
//  0, so that no id is below 1 << LIMIT_SLOT_BITS)
#define IO_EPOLL_DOORBELL 0
#define IO_EPOLL_PIPE 1
#define IO_EPOLL_INBOUND 2
#define IO_EPOLL_WATCH 3

typedef struct {
    actor_t *actor;            //  our thread and pipe
    void *pipe;                //  our end of the pipe
    asynrole_io_t *owner;      //  the public object (verbose flag, endpoint)
    doorbell_t *doorbell;      //  rung when a role has room again (owner's)
    void *inbound;             //  PULL: requests and sends from every role
    int epfd;                  //  epoll set: every UDP socket, the doorbell,
                               //  the pipe and the inbound socket (ZMQ_FD)
    bool terminated;           //  $TERM from asynrole_io_destroy
    bool pipe_due;             //  the pipe may hold a request its fd
                               //  will not signal: look without waiting
    bool inbound_due;          //  the same for the inbound socket
    io_table_t table;          //  the sockets, by id
    io_roles_t roles;          //  the attached roles
    io_rx_t *rx;               //  the receive side
    io_tx_t tx;                //  the send side
    io_watch_t watch;          //  the kernel's news of addresses and links
    io_rebind_t rebind;        //  sockets that failed, to close and bind again
    uint64_t requests_bad;     //  malformed requests from roles
    asynrole_stats_t closed;   //  counters of the sockets closed so far
    capture_t *closing;        //  our capture, stopped, until its writer has
                               //  finished; the pipe waits meanwhile
    int64_t closing_deadline;  //  when we stop waiting for it (clock_ms)
} self_t;

//  -------------------------------------------------------------------------
//  Construction

static void
s_self_destroy (self_t **self_p)
{
    self_t *self = *self_p;
    if (!self)
        return;
    io_tx_destroy (&self->tx);
    io_watch_close (&self->watch);
    io_rebind_destroy (&self->rebind);
    capture_unref (&self->closing);
    io_table_destroy (&self->table);
    io_roles_destroy (&self->roles);
    io_rx_destroy (&self->rx);
    if (self->epfd >= 0)
        close (self->epfd);
    ctx_close (&self->inbound);
    free (self);
    *self_p = NULL;
}

//  The epoll set with the doorbell in it, the receive side, the inbound
//  socket bound; 0 or -1 with error filled
static int
s_self_open (self_t *self, asynrole_error_t *error)
{
    self->epfd = epoll_create1 (EPOLL_CLOEXEC);
    if (self->epfd < 0)
        return error_network (error, ASYNROLE_OP_SOCKET, errno, NULL);
    self->roles.epfd = self->epfd;
    io_tx_init (&self->tx, self->epfd, &self->roles);
    self->tx.rebind = &self->rebind;
    self->rx = io_rx_new (error);
    if (!self->rx)
        return -1;
    self->inbound = ctx_socket (ZMQ_PULL, error);
    if (!self->inbound)
        return -1;
    if (zmq_bind (self->inbound, io_endpoint (self->owner)))
        return error_zmq (error, errno, "cannot bind the I/O actor's inbound socket");
    struct epoll_event bell = { .events = EPOLLIN, .data.u32 = IO_EPOLL_DOORBELL };
    struct epoll_event pipe = { .events = EPOLLIN, .data.u32 = IO_EPOLL_PIPE };
    struct epoll_event inbound = { .events = EPOLLIN, .data.u32 = IO_EPOLL_INBOUND };
    if (epoll_ctl (self->epfd, EPOLL_CTL_ADD, doorbell_fd (self->doorbell), &bell)
        || epoll_ctl (self->epfd, EPOLL_CTL_ADD, ctx_fd (self->pipe), &pipe)
        || epoll_ctl (self->epfd, EPOLL_CTL_ADD, ctx_fd (self->inbound), &inbound))
        return error_network (error, ASYNROLE_OP_SOCKET, errno, NULL);
    //  Without the news (a sandbox may refuse it) failures still close
    //  sockets and the rebind timer still runs
    struct epoll_event watch = { .events = EPOLLIN, .data.u32 = IO_EPOLL_WATCH };
    if (!io_watch_open (&self->watch)
        || epoll_ctl (self->epfd, EPOLL_CTL_ADD, self->watch.fd, &watch)) {
        log_warning ("asynrole io: no news of addresses and links: %s", strerror (errno));
        io_watch_close (&self->watch);
    }
    return 0;
}

//  Whether epoll reports the pipe: not while a capture it stopped is
//  closing (its descriptor would stay readable, and the loop spin)
static void
s_watch_pipe (self_t *self, bool on)
{
    struct epoll_event pipe = { .events = on ? EPOLLIN : 0, .data.u32 = IO_EPOLL_PIPE };
    if (epoll_ctl (self->epfd, EPOLL_CTL_MOD, ctx_fd (self->pipe), &pipe))
        log_error ("asynrole io: cannot watch the pipe: %s", strerror (errno));
    //  Whatever came meanwhile may have been signalled already
    self->pipe_due = true;
}

static self_t *
s_self_new (actor_t *actor, asynrole_io_t *owner, asynrole_error_t *error)
{
    self_t *self = calloc (1, sizeof *self);
    if (!self) {
        error_nomem (error, "the I/O actor");
        return NULL;
    }
    self->actor = actor;
    self->pipe = actor_inner (actor);
    self->owner = owner;
    self->doorbell = io_doorbell (owner);
    self->epfd = -1;
    self->watch.fd = -1;
    io_rebind_init (&self->rebind);
    io_table_init (&self->table);
    io_roles_init (&self->roles);
    io_tx_init (&self->tx, -1, &self->roles);
    //  A new pipe's reader counts as awake: its first messages are not
    //  signalled until a read has found it empty
    self->pipe_due = self->inbound_due = true;
    if (s_self_open (self, error))
        s_self_destroy (&self);
    return self;
}

//  -------------------------------------------------------------------------
//  Answers

//  Send an answer built from a zsock_send picture; a refusal is counted
static void
s_answer (self_t *self, void *to, const char *picture, ...)
{
    va_list args;
    va_start (args, picture);
    HANDOFF_RELEASE (&wire_answer_handoff);
    int rc = zsock_vsend (to, picture, args);
    va_end (args);
    if (rc) {
        self->roles.answers_failed++;
        log_error ("asynrole io: an answer was refused: %s", strerror (errno));
    }
}

//  Counters of count sockets, as a STATS answer (its two frames)
static zmsg_t *
s_stats (io_socket_t **sockets, size_t count)
{
    asynrole_stats_t *records = calloc (count ? count : 1, sizeof *records);
    if (!records)
        return stats_encode (NULL, -1);
    for (size_t i = 0; i < count; i++) {
        io_socket_read_drops (sockets[i]);
        records[i] = sockets[i]->stats;
        records[i].tx_backlog = sockets[i]->backlog.count;
        records[i].held = link_held (sockets[i]->link);
        records[i].held_max = link_held_max (sockets[i]->link);
        records[i].tx_waits = link_tx_waits (sockets[i]->link, sockets[i]->tag);
        records[i].tx_failed += link_tx_failed (sockets[i]->link, sockets[i]->tag);
    }
    zmsg_t *msg = stats_encode (records, (int) count);
    free (records);
    return msg;
}

//  Add one socket's counters to the closed sums
static void
s_sum (asynrole_stats_t *sum, const asynrole_stats_t *stats)
{
    sum->rx_datagrams += stats->rx_datagrams;
    sum->rx_bytes += stats->rx_bytes;
    sum->tx_datagrams += stats->tx_datagrams;
    sum->tx_bytes += stats->tx_bytes;
    sum->truncated += stats->truncated;
    sum->dropped += stats->dropped;
    sum->kernel_dropped += stats->kernel_dropped;
    sum->tx_failed += stats->tx_failed;
    sum->tx_blocked += stats->tx_blocked;
    sum->errors += stats->errors;
    sum->errors_dropped += stats->errors_dropped;
    sum->filtered += stats->filtered;
    sum->rate_limited += stats->rate_limited;
    sum->went_down += stats->went_down;
    sum->rebound += stats->rebound;
    sum->paused += stats->paused;
}

//  -------------------------------------------------------------------------
//  The owner's pipe

static void
s_pipe_stats (self_t *self)
{
    io_socket_t **all = calloc (self->table.open ? self->table.open : 1, sizeof *all);
    size_t count = 0;
    for (uint32_t slot = 0; all && slot < self->table.used; slot++)
        if (self->table.slots[slot])
            all[count++] = self->table.slots[slot];
    zmsg_t *msg = all ? s_stats (all, count) : stats_encode (NULL, -1);
    free (all);
    io_roles_answer (&self->roles, self->pipe, &msg);
}

static void
s_pipe_totals (self_t *self)
{
    asynrole_io_totals_t totals = { .roles = self->roles.attached, .sockets = self->table.open };
    totals.stale_sends = self->tx.stale_sends;
    totals.answers_failed = self->roles.answers_failed;
    totals.requests_bad = self->requests_bad;
    totals.closed = self->closed;
    totals.news = self->watch.messages;
    totals.news_lost = self->watch.overflows;
    totals.news_malformed = self->watch.malformed;
    totals.news_watched = self->watch.fd >= 0;
    s_answer (self, self->pipe, "ib", 1, &totals, sizeof totals);
}

static void
s_pipe_verbose (self_t *self, zmsg_t *request)
{
    long long value;
    if (frames_pop_number (request, 0, 1, &value) && zmsg_size (request) == 0) {
        io_set_verbose (self->owner, value == 1);
        s_answer (self, self->pipe, "is", 0, "");
    }
    else
        s_answer (self, self->pipe, "is", ASYNROLE_EBADARG,
                  "VERBOSE takes one frame, 0 or 1: asynrole io");
}

//  Send a CAPTURE or CAPTURE-STOP answer on our pipe
static void
s_pipe_capture_answer (self_t *self, bool stop, const asynrole_error_t *error,
                       const capture_stats_t *stats)
{
    zmsg_t *answer = capture_command_answer (stop, error, stats);
    io_roles_answer (&self->roles, self->pipe, &answer);
}

//  CAPTURE-STOP: the answer waits until the writer has finished (the
//  doorbell says when) or LIMIT_CAPTURE_CLOSE_MS has passed, and the pipe
//  with it, so that answers keep their order; the sockets are served
static void
s_pipe_capture_stop (self_t *self)
{
    if (!self->roles.capture) {
        asynrole_error_t none = { .code = ASYNROLE_OK };
        s_pipe_capture_answer (self, true, &none, NULL);
        return;
    }
    self->closing = self->roles.capture;
    self->roles.capture = NULL;
    capture_stop (self->closing, self->doorbell);
    self->closing_deadline = clock_ms () + LIMIT_CAPTURE_CLOSE_MS;
    s_watch_pipe (self, false);
}

//  The stopped capture, once its writer finished or the wait is over
static void
s_pipe_capture_closed (self_t *self)
{
    if (!self->closing
        || (!capture_finished (self->closing) && clock_ms () < self->closing_deadline))
        return;
    capture_stats_t stats;
    asynrole_error_t error;
    io_roles_close_capture (&self->closing, 0, &stats, &error);
    s_pipe_capture_answer (self, true, &error, &stats);
    s_watch_pipe (self, true);
}

//  CAPTURE path max_bytes files [snaplen [queue_bytes]], CAPTURE-STOP: the
//  I/O actor's own capture, of every socket. The file is opened here (an
//  open that never waits: capture_open); its writer is a thread of its own.
static void
s_pipe_capture (self_t *self, const char *command, zmsg_t *request)
{
    char *path;
    capture_options_t options;
    asynrole_error_t error = { .code = ASYNROLE_OK };
    bool stop = streq (command, "CAPTURE-STOP");
    int rc = capture_command_read (command, request, &path, &options, &error);
    if (rc == 0 && stop)
        s_pipe_capture_stop (self);
    else {
        if (rc == 0 && self->roles.capture)
            error_badarg (&error, "a capture is on already (%s): stop it first", path);
        else if (rc == 0)
            self->roles.capture = capture_open (path, &options, &error);
        s_pipe_capture_answer (self, stop, &error, NULL);
    }
    zstr_free (&path);
}

static void
s_handle_pipe (self_t *self)
{
    zmsg_t *request = zmsg_recv (self->pipe);
    if (!request)
        return;  //  Interrupted
    char *command = zmsg_popstr (request);
    if (command && streq (command, "$TERM") && actor_stopping (self->actor))
        self->terminated = true;
    else if (command && streq (command, "$TERM"))
        //  Holders (roles, or roles yet to come) would hang waiting for
        //  answers: only the last holder ends us, through asynrole_io_destroy
        s_answer (self, self->pipe, "is", ASYNROLE_EBADARG,
                  "$TERM comes from asynrole_io_destroy, when the last holder lets go: "
                  "asynrole io");
    else if (command && streq (command, "STATS") && zmsg_size (request) == 0)
        s_pipe_stats (self);
    else if (command && streq (command, "TOTALS") && zmsg_size (request) == 0)
        s_pipe_totals (self);
    else if (command && streq (command, "VERBOSE"))
        s_pipe_verbose (self, request);
    else if (capture_command_is (command))
        s_pipe_capture (self, command, request);
    else {
        char quoted[ERROR_QUOTE_MAX];
        char detail[ASYNROLE_DETAIL_MAX];
        snprintf (detail, sizeof detail, "unknown command, or wrong frames: %s: asynrole io",
                  error_quote (command ? command : "", quoted, sizeof quoted));
        log_warning ("%s", detail);
        s_answer (self, self->pipe, "is", ASYNROLE_EBADARG, detail);
    }
    zstr_free (&command);
    zmsg_destroy (&request);
}

//  -------------------------------------------------------------------------
//  The roles' control requests

static void
s_request_bad (self_t *self, const char *command)
{
    self->requests_bad++;
    log_error ("asynrole io: a malformed '%s' request was ignored", command);
}

static void
s_handle_attach (self_t *self, zmsg_t *request)
{
    long long seq = 0;
    void *link = NULL, *data = NULL, *ctl = NULL;
    bool ok = frames_pop_number (request, 0, UINT32_MAX, &seq)
        && frames_pop_pointer (request, &link) && frames_pop_pointer (request, &data)
        && frames_pop_pointer (request, &ctl) && link && data && ctl;
    //  The request carries a reference to the link: ours, kept or dropped
    link_t *held = (link_t *) link;
    if (!ok) {
        link_unref (&held);
        s_request_bad (self, "ATTACH");
        return;
    }
    asynrole_error_t error = { .code = ASYNROLE_OK };
    int id = io_roles_attach (&self->roles, held, data, ctl);
    if (id < 0) {
        link_unref (&held);
        error_nomem (&error, "a role's slot at the I/O actor");
    }
    s_answer (self, ctl, "s4ib", "ATTACHED", (uint32_t) seq, id, &error, sizeof error);
}

//  The OPEN request's parameters, after its sequence number and role
static bool
s_open_spec (zmsg_t *request, io_open_t *spec)
{
    wire_open_t *wire = &spec->wire;
    return frames_pop_struct (request, wire, sizeof *wire)
        && wire->local.len <= sizeof wire->local.u
        && wire->connect_to.len <= sizeof wire->connect_to.u
        && wire->buffer_size <= ASYNROLE_BUFFER_SIZE
        && memchr (wire->device, 0, sizeof wire->device)
        //  0 would retry in a busy loop: roles send -1 (never) or an interval
        && (wire->rebind_ms == -1 || wire->rebind_ms > 0);
}

//  Open a socket for role: in the table, in the epoll set, in the role's
//  list; NULL with error filled, nothing left
static io_socket_t *
s_open (self_t *self, io_role_t *role, io_open_t *spec, asynrole_error_t *error)
{
    spec->role = (uint32_t) (role - self->roles.roles);
    spec->link = role->link;
    io_socket_t *sock = io_socket_open (spec, error);
    if (!sock)
        return NULL;
    if (io_table_add (&self->table, sock)) {
        error_nomem (error, "a socket slot at the I/O actor");
        io_socket_close (&sock);
        return NULL;
    }
    int rc = io_socket_arm (sock, self->epfd, EPOLLIN)
        ? error_network (error, ASYNROLE_OP_SOCKET, errno, &spec->wire.local)
        : 0;
    if (rc == 0 && !io_roles_add_socket (&self->roles, role, sock))
        rc = error_nomem (error, "a role's socket list at the I/O actor");
    if (rc) {
        io_table_remove (&self->table, sock);
        io_socket_close (&sock);
    }
    else
        io_rebind_claim (&self->rebind, &self->table, sock);
    return sock;
}

static void
s_handle_open (self_t *self, zmsg_t *request)
{
    long long seq, id;
    io_open_t spec = { .wire.fd = -1 };
    io_role_t *role = NULL;
    //  Every frame popped, whatever the first ones hold: a descriptor in the
    //  spec is ours
    bool numbers = frames_pop_number (request, 0, UINT32_MAX, &seq);
    numbers &= frames_pop_number (request, 0, UINT32_MAX, &id);
    bool ok = s_open_spec (request, &spec) && numbers && (role = io_roles_get (&self->roles, id));
    if (!ok) {
        //  A descriptor the request handed over is ours even so
        if (spec.wire.fd >= 0)
            close (spec.wire.fd);
        s_request_bad (self, "OPEN");
        return;
    }
    asynrole_error_t error;
    io_socket_t *sock = s_open (self, role, &spec, &error);
    asynrole_addr_t bound = sock ? sock->stats.local : spec.wire.local;
    if (io_verbose (self->owner)) {
        char text[ASYNROLE_ADDR_STRLEN];
        log_info ("asynrole io: open %s: %s", asynrole_addr_format (&bound, text, sizeof text),
                  sock ? "ok" : error.detail);
    }
    s_answer (self, role->ctl, "s44bbi", "OPENED", (uint32_t) seq, sock ? sock->id : 0, &bound,
              sizeof bound, &error, sizeof error, sock && sock->dual ? 1 : 0);
}

static void
s_handle_stats (self_t *self, zmsg_t *request)
{
    long long seq, id;
    io_role_t *role = NULL;
    if (!frames_pop_number (request, 0, UINT32_MAX, &seq)
        || !frames_pop_number (request, 0, UINT32_MAX, &id)
        || !(role = io_roles_get (&self->roles, id))) {
        s_request_bad (self, "STATS");
        return;
    }
    zmsg_t *answer = s_stats (role->sockets, role->nsockets);
    if (answer && (zmsg_pushstrf (answer, "%u", (uint32_t) seq) || zmsg_pushstr (answer, "STATS")))
        zmsg_destroy (&answer);
    io_roles_answer (&self->roles, role->ctl, &answer);
}

static void
s_handle_detach (self_t *self, zmsg_t *request)
{
    long long seq, id;
    io_role_t *role = NULL;
    if (!frames_pop_number (request, 0, UINT32_MAX, &seq)
        || !frames_pop_number (request, 0, UINT32_MAX, &id)
        || !(role = io_roles_get (&self->roles, id))) {
        s_request_bad (self, "DETACH");
        return;
    }
    for (size_t i = 0; i < role->nsockets; i++) {
        io_socket_t *sock = role->sockets[i];
        io_tx_forget (&self->tx, sock);
        s_sum (&self->closed, &sock->stats);
        io_table_remove (&self->table, sock);
        io_socket_close (&sock);
    }
    //  The pair ends go back to the role, which closes them once it has this
    //  answer: nothing of ours touches them after this send
    void *ctl = io_roles_detach (&self->roles, role);
    s_answer (self, ctl, "s4", "DETACHED", (uint32_t) seq);
}

//  The frames of a request that hands a pointer over (FILTER, CAPTURE):
//  every one popped, whatever the first ones hold, since the pointer is
//  ours from here. The role, or NULL when the request is bad.
static io_role_t *
s_pop_handover (self_t *self, zmsg_t *request, uint32_t *seq, void **pointer)
{
    long long number = 0, id = 0;
    *pointer = NULL;
    bool numbers = frames_pop_number (request, 0, UINT32_MAX, &number);
    numbers &= frames_pop_number (request, 0, UINT32_MAX, &id);
    bool ok = frames_pop_pointer (request, pointer) && numbers;
    *seq = (uint32_t) number;
    return ok ? io_roles_get (&self->roles, id) : NULL;
}

//  FILTER: the role's new filter (ours, even when the request is bad), or none
static void
s_handle_filter (self_t *self, zmsg_t *request)
{
    uint32_t seq;
    void *pointer;
    io_role_t *role = s_pop_handover (self, request, &seq, &pointer);
    filter_t *filter = (filter_t *) pointer;
    if (!role) {
        filter_destroy (&filter);
        s_request_bad (self, "FILTER");
        return;
    }
    filter_destroy (&role->filter);
    role->filter = filter;
    s_answer (self, role->ctl, "s4", "FILTERED", seq);
}

//  CAPTURE pointer: a reference to the role's capture, which the role
//  opened (ours even when the request is bad), or NULL to let go of it (the
//  role then waits for its writer: never this thread)
static void
s_handle_capture (self_t *self, zmsg_t *request)
{
    uint32_t seq;
    void *pointer;
    io_role_t *role = s_pop_handover (self, request, &seq, &pointer);
    capture_t *capture = (capture_t *) pointer;
    if (!role) {
        capture_unref (&capture);
        s_request_bad (self, "CAPTURE");
        return;
    }
    capture_unref (&role->capture);
    role->capture = capture;
    s_answer (self, role->ctl, "s4", "CAPTURED", seq);
}

static void
s_handle_request (self_t *self, const char *command, zmsg_t *request)
{
    //  A role's sends that came before its request go out first
    io_tx_flush (&self->tx);
    if (streq (command, "ATTACH"))
        s_handle_attach (self, request);
    else if (streq (command, "OPEN"))
        s_handle_open (self, request);
    else if (streq (command, "STATS"))
        s_handle_stats (self, request);
    else if (streq (command, "DETACH"))
        s_handle_detach (self, request);
    else if (streq (command, "FILTER"))
        s_handle_filter (self, request);
    else if (streq (command, "CAPTURE"))
        s_handle_capture (self, request);
    else
        s_request_bad (self, command);
}

//  -------------------------------------------------------------------------
//  Sends and requests from the roles

//  A frame of WIRE_SEND records: queue each. Returns true when records of
//  the message are queued, so that it must be held.
static bool
s_handle_sends (self_t *self, zmq_msg_t *msg)
{
    const uint8_t *frame = zmq_msg_data (msg);
    size_t size = zmq_msg_size (msg);
    bool hold = false;
    wire_rec_t rec;
    for (size_t offset = 0; offset < size; offset += wire_rec_span (rec.size)) {
        //  io_tx reads the addresses in place
        const uint8_t *payload = wire_rec_head_at (frame, size, offset, &rec);
        if (!payload || rec.type != WIRE_SEND) {
            s_request_bad (self, "SEND");
            break;
        }
        hold |= io_tx_queue (&self->tx, &self->table, &rec, payload - sizeof rec);
    }
    return hold;
}

//  Up to LIMIT_INBOUND_PER_WAKE messages; true when it read them all (a
//  recv failed), so that the inbound socket's fd will signal the next one
static bool
s_handle_inbound (self_t *self)
{
    bool drained = false;
    for (int count = 0; count < LIMIT_INBOUND_PER_WAKE; count++) {
        zmq_msg_t msg;
        zmq_msg_init (&msg);
        if (zmq_msg_recv (&msg, self->inbound, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&msg);
            drained = true;
            break;
        }
        HANDOFF_ACQUIRE (&wire_inbound_handoff);
        if (zmq_msg_more (&msg)) {
            char command[LIMIT_COMMAND] = "";
            size_t size = zmq_msg_size (&msg);
            if (size < sizeof command)
                memcpy (command, zmq_msg_data (&msg), size);
            zmq_msg_close (&msg);
            zmsg_t *request = zmsg_recv (self->inbound);
            if (request)
                s_handle_request (self, command, request);
            zmsg_destroy (&request);
            continue;
        }
        if (s_handle_sends (self, &msg))
            io_tx_hold (&self->tx, &msg);
        zmq_msg_close (&msg);
    }
    io_tx_flush (&self->tx);
    return drained;
}

//  -------------------------------------------------------------------------
//  The sockets epoll says are ready

//  News of an address or a link (io_watch)
static void
s_on_news (void *ctx, const io_watch_event_t *event)
{
    self_t *self = (self_t *) ctx;
    io_rebind_news (&self->rebind, &self->table, event);
}

//  What settling and rebinding work with
static io_rebind_ctx_t
s_rebind_ctx (self_t *self)
{
    return (io_rebind_ctx_t){ .table = &self->table,
                              .roles = &self->roles,
                              .rx = self->rx,
                              .tx = &self->tx,
                              .epfd = self->epfd };
}

static void
s_handle_ready (self_t *self, const struct epoll_event *events, int n)
{
    for (int i = 0; i < n; i++) {
        if (events[i].data.u32 == IO_EPOLL_PIPE || events[i].data.u32 == IO_EPOLL_INBOUND)
            continue;
        if (events[i].data.u32 == IO_EPOLL_WATCH) {
            io_watch_read (&self->watch, s_on_news, self);
            continue;
        }
        if (events[i].data.u32 == IO_EPOLL_DOORBELL) {
            doorbell_clear (self->doorbell);
            io_roles_send_notices (&self->roles);
            continue;
        }
        io_socket_t *sock = io_table_find (&self->table, events[i].data.u32);
        //  A socket that failed meanwhile is read no more
        if (!sock)
            continue;
        if (sock->failed) {
            //  Settled in this step, or never (no memory to list it): it
            //  must not wake the loop again (a gone descriptor is not ours)
            if (sock->armed && !io_socket_gone (sock->failed)
                && epoll_ctl (self->epfd, EPOLL_CTL_DEL, sock->fd, NULL) == 0)
                sock->armed = 0;
            continue;
        }
        if (events[i].events & EPOLLERR)
            io_rx_error (sock, &self->roles);
        if (events[i].events & EPOLLOUT)
            io_tx_drain (&self->tx, sock);
        int fatal = events[i].events & EPOLLIN ? io_rx_read (self->rx, sock, &self->roles) : 0;
        if (fatal)
            io_rebind_mark (&self->rebind, sock, fatal);
    }
}

//  -------------------------------------------------------------------------
//  The actor

//  Close what failed in this step, and bind again what is due
static void
s_rebind_step (self_t *self)
{
    io_rebind_ctx_t ctx = s_rebind_ctx (self);
    if (io_rebind_pending (&self->rebind))
        io_rebind_settle (&self->rebind, &ctx);
    io_rebind_retry (&self->rebind, &ctx);
    //  Binding again may find sockets whose descriptor went (io_rebind.c):
    //  settled now, bound again on the next turn (no wait: they are due)
    if (io_rebind_pending (&self->rebind))
        io_rebind_settle (&self->rebind, &ctx);
}

//  How long the wait may last: not at all while the pipe or the inbound
//  socket may hold more; else the send side's retry, and a closing
//  capture's deadline
static int
s_timeout (self_t *self)
{
    if (self->inbound_due || (self->pipe_due && !self->closing))
        return 0;
    int timeout = io_tx_timeout (&self->tx);
    int rebind = io_rebind_timeout (&self->rebind);
    if (rebind >= 0 && (timeout < 0 || rebind < timeout))
        timeout = rebind;
    if (self->closing) {
        int64_t left = self->closing_deadline - clock_ms ();
        left = left > 0 ? left : 0;
        if (timeout < 0 || left < timeout)
            timeout = (int) left;
    }
    return timeout;
}

void
io_actor (actor_t *actor, void *args)
{
    asynrole_error_t error;
    self_t *self = s_self_new (actor, (asynrole_io_t *) args, &error);
    actor_started (actor, self ? NULL : &error);
    if (!self)
        return;
    while (!self->terminated) {
        self->roles.verbose = io_verbose (self->owner);
        struct epoll_event events[LIMIT_READY_SOCKETS];
        int n = epoll_wait (self->epfd, events, LIMIT_READY_SOCKETS, s_timeout (self));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            log_error ("asynrole io: epoll_wait failed: %s", strerror (errno));
            break;
        }
        //  A full set may leave the pipe and the inbound socket behind
        //  ready UDP sockets: look at both anyway, so that neither starves
        bool pipe = self->pipe_due || n == LIMIT_READY_SOCKETS;
        bool inbound = self->inbound_due || n == LIMIT_READY_SOCKETS;
        for (int i = 0; i < n; i++) {
            pipe |= events[i].data.u32 == IO_EPOLL_PIPE;
            inbound |= events[i].data.u32 == IO_EPOLL_INBOUND;
        }
        //  The pipe waits while a capture it stopped is closing; a request
        //  read, another may follow unsignalled (an answer sent on the pipe
        //  may have taken its commands)
        if (pipe && !self->closing) {
            self->pipe_due = ctx_readable (self->pipe);
            if (self->pipe_due)
                s_handle_pipe (self);
        }
        if (inbound)
            self->inbound_due = !s_handle_inbound (self);
        s_handle_ready (self, events, n);
        io_tx_retry (&self->tx);
        s_rebind_step (self);
        if (self->roles.notices_now)
            io_roles_send_notices (&self->roles);
        s_pipe_capture_closed (self);
    }
    s_self_destroy (&self);
}
