/*  io_roles.c - the roles attached to the I/O actor, and what it sends them */
#include "io_roles.h"
#include "log.h"
#include "bounds.h"
#include "tsan.h"
#include "error_fill.h"
#include <time.h>
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

void
io_roles_init (io_roles_t *self)
{
    memset (self, 0, sizeof *self);
    self->epfd = -1;  //  until the I/O actor has its set
}

void
io_roles_destroy (io_roles_t *self)
{
    //  Roles always detach before the last reference to the I/O object
    //  goes: only their socket lists can be left
    for (uint32_t id = 0; id < self->room; id++) {
        free (self->roles[id].sockets);
        free (self->roles[id].paused);
        link_unref (&self->roles[id].link);
        filter_destroy (&self->roles[id].filter);
        capture_unref (&self->roles[id].capture);
    }
    //  The I/O actor is ending, with nothing left to serve: its own capture
    //  may take the writer's time, so that the file is whole at exit
    io_roles_close_capture (&self->capture, LIMIT_CAPTURE_CLOSE_MS, NULL, NULL);
    free (self->roles);
    free (self->notices);
    free (self->ready);
    memset (self, 0, sizeof *self);
}

int
io_roles_attach (io_roles_t *self, link_t *link, void *data, void *ctl)
{
    uint32_t id = 0;
    while (id < self->room && self->roles[id].used)
        id++;
    if (id == self->room) {
        uint32_t room = self->room ? self->room * 2 : ROOM_FIRST_LIST;
        io_role_t *roles = realloc (self->roles, room * sizeof *roles);
        if (!roles)
            return -1;
        memset (roles + self->room, 0, (room - self->room) * sizeof *roles);
        self->roles = roles;
        self->room = room;
    }
    io_role_t *role = &self->roles[id];
    role->used = true;
    role->link = link;  //  the reference the ATTACH request carried
    role->data = data;
    role->ctl = ctl;
    role->nsockets = 0;
    self->attached++;
    return (int) id;
}

io_role_t *
io_roles_get (io_roles_t *self, long long id)
{
    if (id < 0 || id >= self->room || !self->roles[id].used)
        return NULL;
    return &self->roles[id];
}

bool
io_roles_add_socket (io_roles_t *self, io_role_t *role, io_socket_t *sock)
{
    (void) self;
    if (role->nsockets == role->room) {
        size_t room = role->room ? role->room * 2 : ROOM_FIRST_SOCKETS;
        io_socket_t **sockets = realloc (role->sockets, room * sizeof *sockets);
        if (!sockets)
            return false;
        role->sockets = sockets;
        role->room = room;
    }
    role->sockets[role->nsockets++] = sock;
    return true;
}

void *
io_roles_detach (io_roles_t *self, io_role_t *role)
{
    io_roles_forget_notices (self, role);
    void *ctl = role->ctl;
    filter_destroy (&role->filter);
    //  The role holds its capture too, and closes it once detached
    capture_unref (&role->capture);
    role->used = false;
    role->nsockets = 0;
    role->npaused = 0;  //  its sockets are closed: nothing of them is kept
    role->data = role->ctl = NULL;
    link_unref (&role->link);
    self->attached--;
    return ctl;
}

void
io_roles_answer (io_roles_t *self, void *ctl, zmsg_t **msg_p)
{
    //  The ctl pair has no high-water mark: only a role that closed its end
    //  (it gave up waiting for good) or a failing libzmq refuses
    HANDOFF_RELEASE (&wire_answer_handoff);
    if (*msg_p && zmsg_send (msg_p, ctl) == 0)
        return;
    self->answers_failed++;
    log_error ("asynrole io: an answer to a role was refused: %s",
               *msg_p ? strerror (errno) : "out of memory");
    zmsg_destroy (msg_p);
}

//  -------------------------------------------------------------------------
//  Batch frames

//  One WIRE_DROPS record at offset for a reason with drops unreported
static size_t
s_notice (uint8_t *frame, size_t offset, io_socket_t *sock, asynrole_op_t op, uint64_t count,
          uint64_t errors)
{
    wire_rec_t rec = { .type = WIRE_DROPS, .op = (uint16_t) op, .socket = sock->tag };
    rec.count = count;
    rec.errors = (uint32_t) errors;
    rec.peer = sock->stats.local;
    rec.peer.via = sock->tag + 1;
    return io_roles_put (frame, offset, &rec, NULL);
}

size_t
io_roles_frame (io_socket_t *sock, zmq_msg_t *msg, size_t room, io_carried_t *carried)
{
    memset (carried, 0, sizeof *carried);
    carried->drops_noticed = sock->drops_unreported;
    carried->errors_noticed =
        sock->errors_unreported < UINT32_MAX ? sock->errors_unreported : UINT32_MAX;
    carried->filtered_noticed = sock->filtered_unreported;
    carried->limited_noticed = sock->limited_unreported;
    bool queue = carried->drops_noticed || carried->errors_noticed;
    carried->notices = (queue ? 1u : 0u) + (carried->filtered_noticed ? 1u : 0u)
        + (carried->limited_noticed ? 1u : 0u);
    if (zmq_msg_init_size (msg, room + carried->notices * wire_rec_span (0)))
        return SIZE_MAX;
    uint8_t *frame = zmq_msg_data (msg);
    size_t offset = 0;
    if (queue)
        offset = s_notice (frame, offset, sock, ASYNROLE_OP_QUEUE, carried->drops_noticed,
                           carried->errors_noticed);
    if (carried->filtered_noticed)
        offset = s_notice (frame, offset, sock, ASYNROLE_OP_FILTER, carried->filtered_noticed, 0);
    if (carried->limited_noticed)
        offset =
            s_notice (frame, offset, sock, ASYNROLE_OP_RATE_LIMIT, carried->limited_noticed, 0);
    return offset;
}

//  The role has drops to report: put it on the notice list and ask its link
//  to ring when it has room
static void
s_notice_due (io_roles_t *self, io_role_t *role)
{
    if (role->notice_due)
        return;
    if (self->nnotices == self->notices_room) {
        uint32_t room = self->notices_room ? self->notices_room * 2 : ROOM_FIRST_LIST;
        uint32_t *notices = realloc (self->notices, room * sizeof *notices);
        if (notices)
            self->notices = notices;
        uint32_t *ready = notices ? realloc (self->ready, room * sizeof *ready) : NULL;
        if (ready)
            self->ready = ready;
        if (!ready)
            return;  //  The next batch that gets through still carries them
        self->notices_room = room;
    }
    self->notices[self->nnotices++] = (uint32_t) (role - self->roles);
    role->notice_due = true;
    if (link_want_room (role->link))
        //  Room came back between the drop and now: no ring will come
        self->notices_now = true;
}

//  The role holds its bound in PAUSE: read the socket no more until it has
//  room. Only while the role is on the notice list (the ring that resumes
//  it comes through there); else, or out of memory, it reads and drops.
static void
s_pause (io_roles_t *self, io_role_t *role, io_socket_t *sock)
{
    if (sock->paused || sock->failed || sock->fd < 0 || !sock->armed || !role->notice_due)
        return;
    if (role->npaused == role->paused_room) {
        size_t room = role->paused_room ? role->paused_room * 2 : ROOM_FIRST_SOCKETS;
        io_socket_t **paused = realloc (role->paused, room * sizeof *paused);
        if (!paused)
            return;
        role->paused = paused;
        role->paused_room = room;
    }
    sock->paused = true;
    if (io_socket_arm (sock, self->epfd, sock->armed)) {
        sock->paused = false;
        log_error ("asynrole io: cannot pause a socket (it reads and drops): %s", strerror (errno));
        return;
    }
    role->paused[role->npaused++] = sock;
    sock->stats.paused++;
}

//  The role has room (or left PAUSE): read its paused sockets again
static void
s_resume (io_roles_t *self, io_role_t *role)
{
    for (size_t i = 0; i < role->npaused; i++) {
        io_socket_t *sock = role->paused[i];
        sock->paused = false;
        //  Level-triggered: what waits in the kernel is reported at once. A
        //  socket that failed meanwhile is left to io_rebind (its descriptor
        //  may not be ours)
        if (sock->failed || sock->fd < 0)
            continue;
        if (io_socket_arm (sock, self->epfd, (sock->armed & EPOLLOUT) | EPOLLIN))
            log_error ("asynrole io: cannot read a paused socket again: %s", strerror (errno));
    }
    role->npaused = 0;
}

void
io_roles_unpause (io_roles_t *self, io_socket_t *sock)
{
    if (!sock->paused)
        return;
    io_role_t *role = &self->roles[sock->role];
    sock->paused = false;
    for (size_t i = 0; i < role->npaused; i++)
        if (role->paused[i] == sock) {
            role->paused[i] = role->paused[--role->npaused];
            break;
        }
}

void
io_roles_deliver (io_roles_t *self, io_socket_t *sock, zmq_msg_t *msg, const io_carried_t *carried)
{
    io_role_t *role = &self->roles[sock->role];
    //  Each record costs the role its place in the frame and, in pipe mode,
    //  the event it becomes (link.h)
    size_t records = carried->datagrams + carried->errors + carried->notices;
    size_t bytes = link_cost (role->link, zmq_msg_size (msg), records);
    if (link_charge (role->link, bytes)) {
        HANDOFF_RELEASE (role->link);
        if (zmq_msg_send (msg, role->data, ZMQ_DONTWAIT) >= 0) {
            sock->drops_unreported -= carried->drops_noticed;
            sock->errors_unreported -= carried->errors_noticed;
            sock->filtered_unreported -= carried->filtered_noticed;
            sock->limited_unreported -= carried->limited_noticed;
            sock->stats.errors += carried->errors;
            return;
        }
        //  No high-water mark on the data pair: only a failing libzmq refuses
        log_error ("asynrole io: a batch to a role was refused: %s", strerror (errno));
        link_release (role->link, bytes);
    }
    zmq_msg_close (msg);
    io_roles_drop (self, sock, carried->datagrams, carried->errors);
    if (link_overflow (role->link) == ASYNROLE_OVERFLOW_PAUSE)
        s_pause (self, role, sock);
}

void
io_roles_drop (io_roles_t *self, io_socket_t *sock, uint64_t datagrams, uint64_t errors)
{
    sock->stats.dropped += datagrams;
    sock->stats.errors_dropped += errors;
    sock->drops_unreported += datagrams;
    sock->errors_unreported += errors;
    s_notice_due (self, &self->roles[sock->role]);
}

void
io_roles_filtered (io_roles_t *self, io_socket_t *sock, uint64_t denied, uint64_t limited)
{
    sock->stats.filtered += denied;
    sock->stats.rate_limited += limited;
    sock->filtered_unreported += denied;
    sock->limited_unreported += limited;
    s_notice_due (self, &self->roles[sock->role]);
}

void
io_roles_capture (io_roles_t *self, io_socket_t *sock, const asynrole_addr_t *from,
                  const asynrole_addr_t *to, const void *data, size_t size, size_t length)
{
    capture_t *mine = self->roles[sock->role].capture;
    if (!mine && !self->capture)
        return;
    //  A dual-stack socket's IPv4 datagrams as IPv4, as the role sees them
    asynrole_addr_t source = *from, target = *to;
    if (sock->dual) {
        io_socket_unmap (&source);
        io_socket_unmap (&target);
        from = &source;
        to = &target;
    }
    struct timespec now;
    clock_gettime (CLOCK_REALTIME, &now);
    int64_t time_us = (int64_t) now.tv_sec * 1000000 + now.tv_nsec / 1000;
    if (mine)
        capture_put (mine, from, to, data, size, length, time_us);
    if (self->capture)
        capture_put (self->capture, from, to, data, size, length, time_us);
}

int
io_roles_close_capture (capture_t **slot, int timeout_ms, capture_stats_t *stats,
                        asynrole_error_t *error)
{
    capture_stats_t mine;
    asynrole_error_t my_error;
    stats = stats ? stats : &mine;
    error = error ? error : &my_error;
    int rc = capture_close (slot, timeout_ms, stats, error);
    //  What the capture could not write is said here too, for those who
    //  read logs rather than answers
    if (stats->dropped || stats->skipped || stats->failed)
        log_warning ("asynrole io: a capture left out %llu datagrams (queue full), %llu (file "
                     "full), %llu (write errors%s%s)",
                     (unsigned long long) stats->dropped, (unsigned long long) stats->skipped,
                     (unsigned long long) stats->failed, stats->last_errno ? ": " : "",
                     stats->last_errno ? strerror (stats->last_errno) : "");
    if (rc && error && error->code == ASYNROLE_ETIMEOUT)
        log_error ("asynrole io: a capture's writer is still busy; it finishes on its own");
    return rc;
}

void
io_roles_report (io_roles_t *self, io_socket_t *sock, asynrole_op_t op, int err,
                 const asynrole_addr_t *peer)
{
    io_roles_report_count (self, sock, op, err, peer, 0);
}

void
io_roles_report_count (io_roles_t *self, io_socket_t *sock, asynrole_op_t op, int err,
                       const asynrole_addr_t *peer, uint64_t count)
{
    wire_rec_t rec = { .type = WIRE_ERROR, .op = (uint16_t) op, .socket = sock->tag, .err = err };
    rec.count = count;
    if (peer && peer->len)
        rec.peer = *peer;
    if (sock->dual)
        io_socket_unmap (&rec.peer);
    rec.peer.via = sock->tag + 1;
    rec.local = sock->stats.local;
    if (self->verbose) {
        char text[ASYNROLE_ADDR_STRLEN];
        log_info ("asynrole io: %s %s: %s", asynrole_op_name (op),
                  asynrole_addr_format (&rec.peer, text, sizeof text),
                  err ? strerror (err) : "serving again");
    }
    zmq_msg_t msg;
    io_carried_t carried;
    size_t offset = io_roles_frame (sock, &msg, wire_rec_span (0), &carried);
    if (offset == SIZE_MAX) {
        io_roles_drop (self, sock, 0, 1);
        return;
    }
    carried.errors = 1;
    io_roles_put (zmq_msg_data (&msg), offset, &rec, NULL);
    io_roles_deliver (self, sock, &msg, &carried);
}

//  -------------------------------------------------------------------------
//  Drop notices

//  Send a role's notices, one frame per socket with drops to report
static void
s_send_notices (io_roles_t *self, io_role_t *role)
{
    for (size_t i = 0; i < role->nsockets; i++) {
        io_socket_t *sock = role->sockets[i];
        if (!sock->drops_unreported && !sock->errors_unreported && !sock->filtered_unreported
            && !sock->limited_unreported)
            continue;
        zmq_msg_t msg;
        io_carried_t carried;
        if (io_roles_frame (sock, &msg, 0, &carried) == SIZE_MAX)
            s_notice_due (self, role);
        else
            io_roles_deliver (self, sock, &msg, &carried);  //  re-marks it when refused
    }
}

void
io_roles_send_notices (io_roles_t *self)
{
    //  Roles with room come off the list (into ready, which grows with the
    //  list); sending may put some back, never more than were taken off
    self->notices_now = false;
    uint32_t kept = 0;
    uint32_t nready = 0;
    for (uint32_t i = 0; i < self->nnotices; i++) {
        io_role_t *role = &self->roles[self->notices[i]];
        //  A role that left PAUSE reads again now, room or not (it drops)
        bool resume = role->npaused && link_overflow (role->link) != ASYNROLE_OVERFLOW_PAUSE;
        if (link_want_room (role->link) || resume) {
            role->notice_due = false;
            self->ready[nready++] = self->notices[i];
        }
        else
            self->notices[kept++] = self->notices[i];
    }
    self->nnotices = kept;
    for (uint32_t i = 0; i < nready; i++) {
        s_resume (self, &self->roles[self->ready[i]]);
        s_send_notices (self, &self->roles[self->ready[i]]);
    }
}

void
io_roles_forget_notices (io_roles_t *self, io_role_t *role)
{
    uint32_t id = (uint32_t) (role - self->roles);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < self->nnotices; i++)
        if (self->notices[i] != id)
            self->notices[kept++] = self->notices[i];
    self->nnotices = kept;
    role->notice_due = false;
}
