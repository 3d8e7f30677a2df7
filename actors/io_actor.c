/*  io_actor.c - the I/O actor: its loop, its pipe, and the roles' requests

    It polls three items whatever the number of sockets: its pipe, the one
    inbound socket all roles write to, and an epoll set of every UDP socket.
*/
#define _GNU_SOURCE
#include "io_actor.h"
#include "actor_status.h"
#include "error_fill.h"
#include "io_internal.h"
#include "msg_pop.h"
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

//  -------------------------------------------------------------------------
//  Construction

static void s_self_destroy (self_t **self_p);
static void s_forget_notices (self_t *self, io_role_t *role);

static self_t *
s_self_new (zsock_t *pipe, asynrole_io_t *owner, asynrole_error_t *error)
{
    const char *endpoint = io_endpoint (owner);
    self_t *self = calloc (1, sizeof *self);
    if (!self) {
        error_network (error, ASYNROLE_OP_SOCKET, ENOMEM, NULL);
        return NULL;
    }
    self->pipe = pipe;
    self->owner = owner;
    self->epfd = epoll_create1 (EPOLL_CLOEXEC);
    self->rx_buffers = malloc ((size_t) WIRE_BATCH * ASYNROLE_BUFFER_SIZE);
    self->inbound = zsock_new (ZMQ_PULL);
    self->items = calloc (3, sizeof *self->items);
    self->items_max = 3;
    if (self->epfd < 0 || !self->rx_buffers || !self->inbound || !self->items) {
        error_network (error, ASYNROLE_OP_SOCKET, self->epfd < 0 ? errno : ENOMEM, NULL);
        s_self_destroy (&self);
        return NULL;
    }
    //  Roles block on a full inbound queue (back-pressure on senders), so
    //  give it room for bursts
    zsock_set_rcvhwm (self->inbound, 100000);
    if (zsock_bind (self->inbound, "%s", endpoint) != 0) {
        error_network (error, ASYNROLE_OP_BIND, errno, NULL);
        s_self_destroy (&self);
        return NULL;
    }
    for (unsigned i = 0; i < WIRE_BATCH; i++) {
        self->rx_iov[i].iov_base = self->rx_buffers + (size_t) i * ASYNROLE_BUFFER_SIZE;
        self->rx_iov[i].iov_len = ASYNROLE_BUFFER_SIZE;
        struct msghdr *hdr = &self->rx_msgs[i].msg_hdr;
        hdr->msg_iov = &self->rx_iov[i];
        hdr->msg_iovlen = 1;
        hdr->msg_name = &self->rx_names[i];
        hdr->msg_control = self->rx_control[i];
    }
    return self;
}

static void
s_self_destroy (self_t **self_p)
{
    self_t *self = *self_p;
    if (!self)
        return;
    io_udp_flush (self);
    for (uint32_t slot = 0; slot < self->nsockets; slot++)
        if (self->sockets[slot].fd >= 0)
            close (self->sockets[slot].fd);
    //  Roles always detach before the last reference goes, so no role's
    //  pair ends are left here; their socket lists are ours to free
    for (uint32_t id = 0; id < self->roles_max; id++)
        free (self->roles[id].sockets);
    free (self->roles);
    free (self->notice_roles);
    free (self->ready_roles);
    free (self->items);
    free (self->sockets);
    free (self->free_sockets);
    free (self->rx_buffers);
    if (self->epfd >= 0)
        close (self->epfd);
    zsock_destroy (&self->inbound);
    free (self);
    *self_p = NULL;
}

//  -------------------------------------------------------------------------
//  Stats

static void
s_send_stats (zsock_t *to, const char *command, io_socket_t **sockets, size_t count)
{
    asynrole_stats_t *stats = calloc (count ? count : 1, sizeof *stats);
    size_t filled = 0;
    for (size_t i = 0; stats && i < count; i++)
        stats[filled++] = sockets[i]->stats;
    if (command)
        zsock_send (to, "sib", command, (int) filled, stats, filled * sizeof *stats);
    else
        zsock_send (to, "ib", (int) filled, stats, filled * sizeof *stats);
    free (stats);
}

//  -------------------------------------------------------------------------
//  The owner's pipe

static void
s_self_handle_pipe (self_t *self)
{
    zmsg_t *request = zmsg_recv (self->pipe);
    if (!request)
        return;  //  Interrupted
    char *command = zmsg_popstr (request);
    if (command && streq (command, "$TERM") && !io_closing (self->owner))
        //  Holders (roles, or roles yet to come) would hang waiting for
        //  answers: only the last holder ends us, through asynrole_io_destroy
        zsock_send (self->pipe, "is", ASYNROLE_EBADARG,
                    "asynrole io: $TERM comes from asynrole_io_destroy, when the last holder "
                    "lets go");
    else if (command && streq (command, "$TERM"))
        self->terminated = true;
    else if (command && streq (command, "STATS")) {
        size_t count = 0;
        io_socket_t **all = calloc (self->nsockets ? self->nsockets : 1, sizeof *all);
        for (uint32_t slot = 0; all && slot < self->nsockets; slot++)
            if (self->sockets[slot].fd >= 0)
                all[count++] = &self->sockets[slot];
        s_send_stats (self->pipe, NULL, all, count);
        free (all);
    }
    else if (command && streq (command, "VERBOSE")) {
        char *value = zmsg_popstr (request);
        self->verbose = value && atoi (value) != 0;
        zstr_free (&value);
    }
    else {
        char detail[ASYNROLE_DETAIL_MAX];
        snprintf (detail, sizeof detail, "asynrole io: unknown command '%s'",
                  command ? command : "(empty)");
        zsys_warning ("%s", detail);
        zsock_send (self->pipe, "is", ASYNROLE_EBADARG, detail);
    }
    zstr_free (&command);
    zmsg_destroy (&request);
}

//  -------------------------------------------------------------------------
//  The roles' control requests

static io_role_t *
s_role (self_t *self, zmsg_t *request)
{
    char *text = zmsg_popstr (request);
    uint32_t id = text ? (uint32_t) strtoul (text, NULL, 10) : UINT32_MAX;
    zstr_free (&text);
    if (id >= self->roles_max || !self->roles[id].used)
        return NULL;
    return &self->roles[id];
}

//  An address frame; empty (len 0) when missing or malformed
static asynrole_addr_t
s_pop_addr (zmsg_t *request)
{
    asynrole_addr_t addr = { .len = 0, .via = -1 };
    msg_pop_struct (request, &addr, sizeof addr);  //  untouched when it fails
    return addr;
}

static void
s_handle_attach (self_t *self, zmsg_t *request)
{
    zsock_t *data = (zsock_t *) msg_pop_pointer (request);
    zsock_t *ctl = (zsock_t *) msg_pop_pointer (request);
    if (!data || !ctl)
        return;  //  Not from a role of ours: nobody to answer
    uint32_t id = 0;
    while (id < self->roles_max && self->roles[id].used)
        id++;
    if (id == self->roles_max) {
        uint32_t max = self->roles_max ? self->roles_max * 2 : 16;
        io_role_t *roles = realloc (self->roles, max * sizeof *roles);
        if (!roles) {
            zsock_set_sndtimeo (ctl, 0);
            zsock_send (ctl, "si", "ATTACHED", -1);
            return;
        }
        memset (roles + self->roles_max, 0, (max - self->roles_max) * sizeof *roles);
        self->roles = roles;
        self->roles_max = max;
    }
    //  Answers never wait: the role waits for each one, so there is always
    //  room, unless the role gave up, and then nobody needs the answer
    zsock_set_sndtimeo (ctl, 0);
    io_role_t *role = &self->roles[id];
    role->used = true;
    role->data = data;
    role->data_handle = zsock_resolve (data);
    role->ctl = ctl;
    role->nsockets = 0;
    zsock_send (ctl, "si", "ATTACHED", (int) id);
}

static void
s_handle_open (self_t *self, io_role_t *role, zmsg_t *request)
{
    char *tag = zmsg_popstr (request);
    asynrole_addr_t local = s_pop_addr (request);
    asynrole_addr_t connect_to = s_pop_addr (request);
    char *rcvbuf = zmsg_popstr (request);
    char *sndbuf = zmsg_popstr (request);
    char *buffer = zmsg_popstr (request);
    asynrole_error_t error;
    io_socket_t *sock = NULL;
    if (role->nsockets == role->sockets_max) {
        size_t max = role->sockets_max ? role->sockets_max * 2 : 4;
        uint32_t *sockets = realloc (role->sockets, max * sizeof *sockets);
        if (sockets) {
            role->sockets = sockets;
            role->sockets_max = max;
        }
    }
    if (role->nsockets == role->sockets_max)
        error_network (&error, ASYNROLE_OP_SOCKET, ENOMEM, &local);
    else
        sock = io_udp_open (self, (uint32_t) (role - self->roles), tag ? (uint32_t) atoi (tag) : 0,
                            &local, &connect_to, rcvbuf ? atoi (rcvbuf) : 0,
                            sndbuf ? atoi (sndbuf) : 0,
                            buffer ? (size_t) strtoul (buffer, NULL, 10) : 0, &error);
    asynrole_addr_t bound = local;
    uint32_t id = 0;
    if (sock) {
        role->sockets[role->nsockets++] = (uint32_t) (sock - self->sockets);
        bound = sock->stats.local;
        id = io_udp_id (self, sock);
    }
    if (self->verbose) {
        char text[ASYNROLE_ADDR_STRLEN];
        zsys_info ("asynrole io: open %s: %s", asynrole_addr_format (&bound, text, sizeof text),
                   sock ? "ok" : error.detail);
    }
    zsock_send (role->ctl, "s4bb", "OPENED", id, &bound, sizeof bound, &error, sizeof error);
    zstr_free (&tag);
    zstr_free (&rcvbuf);
    zstr_free (&sndbuf);
    zstr_free (&buffer);
}

static void
s_handle_detach (self_t *self, io_role_t *role)
{
    for (size_t i = 0; i < role->nsockets; i++)
        io_udp_close (self, &self->sockets[role->sockets[i]]);
    role->nsockets = 0;
    role->used = false;
    s_forget_notices (self, role);
    //  The pair ends go back to the role, which destroys them once it has
    //  this answer: nothing of ours touches them after this send
    zsock_t *ctl = role->ctl;
    role->data = role->ctl = NULL;
    role->data_handle = NULL;
    zsock_send (ctl, "s", "DETACHED");
}

static void
s_handle_control (self_t *self, const char *command, zmsg_t *request)
{
    //  A role's sends that came before its request go out first
    io_udp_flush (self);
    if (streq (command, "ATTACH")) {
        s_handle_attach (self, request);
        return;
    }
    io_role_t *role = s_role (self, request);
    if (!role)
        zsys_error ("asynrole io: '%s' from a role that is not attached", command);
    else if (streq (command, "OPEN"))
        s_handle_open (self, role, request);
    else if (streq (command, "STATS")) {
        io_socket_t **mine = calloc (role->nsockets ? role->nsockets : 1, sizeof *mine);
        for (size_t i = 0; mine && i < role->nsockets; i++)
            mine[i] = &self->sockets[role->sockets[i]];
        s_send_stats (role->ctl, "STATS", mine, mine ? role->nsockets : 0);
        free (mine);
    }
    else if (streq (command, "DETACH"))
        s_handle_detach (self, role);
    else
        zsys_error ("asynrole io: unknown request '%s'", command);
}

//  A batch frame of WIRE_SEND records: queue each for sendmmsg. Returns true
//  when records of the message are queued, so the message must be held.
static bool
s_handle_sends (self_t *self, zmq_msg_t *msg)
{
    const uint8_t *frame = zmq_msg_data (msg);
    size_t size = zmq_msg_size (msg);
    size_t offset = 0;
    bool queued = false;
    while (offset + sizeof (wire_rec_t) <= size) {
        wire_rec_t rec;
        memcpy (&rec, frame + offset, sizeof rec);
        if (rec.type != WIRE_SEND || rec.size > size - offset - sizeof rec
            || rec.peer.len > sizeof rec.peer.u) {
            zsys_error ("asynrole io: malformed send record at %zu", offset);
            break;
        }
        io_udp_queue_send (self, &rec, frame + offset);
        queued = true;
        offset += wire_rec_span (rec.size);
    }
    return queued;
}

static void
s_self_handle_inbound (self_t *self)
{
    void *inbound = zsock_resolve (self->inbound);
    for (int count = 0; count < IO_INBOUND_CAP; count++) {
        zmq_msg_t msg;
        zmq_msg_init (&msg);
        if (zmq_msg_recv (&msg, inbound, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&msg);
            break;
        }
        if (zmq_msg_more (&msg)) {
            char command[16] = "";
            size_t size = zmq_msg_size (&msg);
            if (size < sizeof command)
                memcpy (command, zmq_msg_data (&msg), size);
            zmq_msg_close (&msg);
            zmsg_t *request = zmsg_recv (self->inbound);
            if (request)
                s_handle_control (self, command, request);
            zmsg_destroy (&request);
            continue;
        }
        if (s_handle_sends (self, &msg)) {
            //  zmq_msg_move closes its destination first: make it a message
            zmq_msg_t *held = &self->tx_held[self->tx_nheld++];
            zmq_msg_init (held);
            zmq_msg_move (held, &msg);
            if (self->tx_nheld == WIRE_BATCH)
                io_udp_flush (self);
        }
        zmq_msg_close (&msg);
    }
    io_udp_flush (self);
}

//  -------------------------------------------------------------------------
//  Drop notices

//  Roles whose queue has room again come off the list and get their
//  notices; a notice that still finds no room puts its role back on
static void
s_self_handle_notices (self_t *self, zmq_pollitem_t *items, int count)
{
    //  Roles still waiting stay on the list; the ready ones move to
    //  ready_roles, which grows with the list, so nothing is allocated here
    uint32_t kept = 0;
    uint32_t *ready = self->ready_roles;
    int nready = 0;
    for (int i = 0; i < count; i++) {
        if (items[i].revents & ZMQ_POLLOUT)
            ready[nready++] = self->notice_roles[i];
        else
            self->notice_roles[kept++] = self->notice_roles[i];
    }
    //  Roles the poll set had no room for stay on the list too
    for (uint32_t i = (uint32_t) count; i < self->nnotice_roles; i++)
        self->notice_roles[kept++] = self->notice_roles[i];
    self->nnotice_roles = kept;
    //  Roles put back on the list are some of these, so it never grows past
    //  its room here and ready_roles stays where it is
    for (int i = 0; i < nready; i++)
        io_udp_send_notices (self, &self->roles[ready[i]]);
}

//  A role that detaches has no notices due any more
static void
s_forget_notices (self_t *self, io_role_t *role)
{
    uint32_t id = (uint32_t) (role - self->roles);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < self->nnotice_roles; i++)
        if (self->notice_roles[i] != id)
            self->notice_roles[kept++] = self->notice_roles[i];
    self->nnotice_roles = kept;
    role->notice_due = false;
}

//  -------------------------------------------------------------------------
//  The actor

void
io_actor (zsock_t *pipe, void *args)
{
    prctl (PR_SET_NAME, "asynrole-io");
    asynrole_error_t error = { .code = ASYNROLE_OK };
    self_t *self = s_self_new (pipe, (asynrole_io_t *) args, &error);
    if (!actor_status_send (pipe, self != NULL, &error))
        return;
    while (!self->terminated) {
        //  Three items, plus one per role that has drops to report and is
        //  waiting for room in its queue (none unless a role falls behind)
        uint32_t wanted = 3 + self->nnotice_roles;
        if (wanted > self->items_max) {
            //  Grows only while roles fall behind; never on the way of a datagram
            zmq_pollitem_t *grown = realloc (self->items, wanted * sizeof *grown);
            if (grown) {
                self->items = grown;
                self->items_max = wanted;
            }
        }
        //  When growing failed, the roles past the room wait for the next round
        int count = (int) (wanted < self->items_max ? wanted : self->items_max);
        zmq_pollitem_t *items = self->items;
        items[0] = (zmq_pollitem_t){ zsock_resolve (self->pipe), 0, ZMQ_POLLIN, 0 };
        items[1] = (zmq_pollitem_t){ zsock_resolve (self->inbound), 0, ZMQ_POLLIN, 0 };
        items[2] = (zmq_pollitem_t){ NULL, self->epfd, ZMQ_POLLIN, 0 };
        for (int i = 3; i < count; i++)
            items[i] = (zmq_pollitem_t){ self->roles[self->notice_roles[i - 3]].data_handle, 0,
                                         ZMQ_POLLOUT, 0 };
        if (zmq_poll (items, count, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;  //  Context terminated
        }
        //  Notices first, while the list still matches the items
        if (count > 3)
            s_self_handle_notices (self, items + 3, count - 3);
        if (items[0].revents & ZMQ_POLLIN)
            s_self_handle_pipe (self);
        if (items[1].revents & ZMQ_POLLIN)
            s_self_handle_inbound (self);
        if (items[2].revents & ZMQ_POLLIN)
            io_udp_handle_ready (self);
    }
    s_self_destroy (&self);
}
