/*  io_socket.c - one UDP socket of the I/O actor */
#define _GNU_SOURCE
#include "io_socket.h"
#include "error_fill.h"
#include "bounds.h"
#include <errno.h>
#include <linux/sock_diag.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40
#endif

static int
s_setopt (int fd, int level, int name, int value, const asynrole_addr_t *local,
          asynrole_error_t *error)
{
    if (setsockopt (fd, level, name, &value, sizeof value) == 0)
        return 0;
    return error_network (error, ASYNROLE_OP_SETSOCKOPT, errno, local);
}

//  Local address and interface of every datagram, ICMP errors with the
//  address they concern, the kernel's drop count, the buffer sizes asked for
static int
s_options (int fd, const io_open_t *spec, asynrole_error_t *error)
{
    const asynrole_addr_t *local = &spec->local;
    int rc = asynrole_addr_family (local) == AF_INET6
        ? s_setopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, local, error)
            || s_setopt (fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, local, error)
            || s_setopt (fd, IPPROTO_IPV6, IPV6_RECVERR, 1, local, error)
        : s_setopt (fd, IPPROTO_IP, IP_PKTINFO, 1, local, error)
            || s_setopt (fd, IPPROTO_IP, IP_RECVERR, 1, local, error);
    if (rc == 0)
        rc = s_setopt (fd, SOL_SOCKET, SO_RXQ_OVFL, 1, local, error);
    if (rc == 0 && spec->rcvbuf > 0)
        rc = s_setopt (fd, SOL_SOCKET, SO_RCVBUF, spec->rcvbuf, local, error);
    if (rc == 0 && spec->sndbuf > 0)
        rc = s_setopt (fd, SOL_SOCKET, SO_SNDBUF, spec->sndbuf, local, error);
    return rc;
}

//  Bind, connect when asked, and read back the bound address
static int
s_bind (int fd, const io_open_t *spec, asynrole_addr_t *bound, asynrole_error_t *error)
{
    if (bind (fd, &spec->local.u.sa, spec->local.len))
        return error_network (error, ASYNROLE_OP_BIND, errno, &spec->local);
    if (spec->connect_to.len && connect (fd, &spec->connect_to.u.sa, spec->connect_to.len))
        return error_network (error, ASYNROLE_OP_CONNECT, errno, &spec->connect_to);
    memset (bound, 0, sizeof *bound);
    bound->len = sizeof bound->u;
    if (getsockname (fd, &bound->u.sa, &bound->len))
        return error_network (error, ASYNROLE_OP_BIND, errno, &spec->local);
    return 0;
}

io_socket_t *
io_socket_open (const io_open_t *spec, asynrole_error_t *error)
{
    int family = asynrole_addr_family (&spec->local);
    if (family != AF_INET && family != AF_INET6) {
        error_badarg (error, "the local address is not IPv4 or IPv6");
        return NULL;
    }
    if (spec->connect_to.len && asynrole_addr_family (&spec->connect_to) != family) {
        error_badarg (error, "the local address and the peer are not of one family");
        return NULL;
    }
    io_socket_t *self = calloc (1, sizeof *self);
    if (!self) {
        error_nomem (error, "a socket");
        return NULL;
    }
    self->fd = socket (family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (self->fd < 0) {
        error_network (error, ASYNROLE_OP_SOCKET, errno, &spec->local);
        free (self);
        return NULL;
    }
    if (s_options (self->fd, spec, error) || s_bind (self->fd, spec, &self->stats.local, error)) {
        io_socket_close (&self);
        return NULL;
    }
    self->role = spec->role;
    self->tag = spec->tag;
    self->link = spec->link;
    self->buffer_size = spec->buffer_size && spec->buffer_size < ASYNROLE_BUFFER_SIZE
        ? spec->buffer_size
        : ASYNROLE_BUFFER_SIZE;
    self->peer = spec->connect_to;
    error_clear (error);
    return self;
}

void
io_socket_close (io_socket_t **self_p)
{
    io_socket_t *self = *self_p;
    if (!self)
        return;
    if (self->fd >= 0)
        close (self->fd);  //  leaves the epoll set with it
    free (self->backlog.data);
    free (self);
    *self_p = NULL;
}

int
io_socket_arm (io_socket_t *self, int epfd, uint32_t events)
{
    if (self->armed == events)
        return 0;
    struct epoll_event event = { .events = events };
    event.data.u32 = self->id;
    int rc = epoll_ctl (epfd, self->armed ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, self->fd, &event);
    if (rc == 0)
        self->armed = events;
    return rc;
}

bool
io_socket_backlog_add (io_socket_t *self, const wire_rec_t *rec, const uint8_t *payload)
{
    io_backlog_t *backlog = &self->backlog;
    size_t span = wire_rec_span (rec->size);
    if (backlog->head == backlog->tail)
        backlog->head = backlog->tail = 0;
    if (backlog->tail + span > backlog->room && backlog->head > 0) {
        //  Move what waits to the front before growing
        memmove (backlog->data, backlog->data + backlog->head, backlog->tail - backlog->head);
        backlog->tail -= backlog->head;
        backlog->head = 0;
    }
    if (backlog->tail + span > backlog->room) {
        size_t room = backlog->room ? backlog->room : ROOM_FIRST_BACKLOG;
        while (room < backlog->tail + span)
            room *= 2;
        uint8_t *data = realloc (backlog->data, room);
        if (!data)
            return false;
        backlog->data = data;
        backlog->room = room;
    }
    memcpy (backlog->data + backlog->tail, rec, sizeof *rec);
    if (rec->size)
        memcpy (backlog->data + backlog->tail + sizeof *rec, payload, rec->size);
    backlog->tail += span;
    backlog->count++;
    return true;
}

void
io_socket_read_drops (io_socket_t *self)
{
    uint32_t meminfo[SK_MEMINFO_VARS];
    socklen_t size = sizeof meminfo;
    //  A kernel without SO_MEMINFO (before 4.12) leaves the count to SO_RXQ_OVFL
    if (getsockopt (self->fd, SOL_SOCKET, SO_MEMINFO, meminfo, &size) == 0
        && size > SK_MEMINFO_DROPS * sizeof meminfo[0])
        self->stats.kernel_dropped = meminfo[SK_MEMINFO_DROPS];
}

size_t
io_socket_max_datagram (const io_socket_t *self)
{
    return asynrole_addr_family (&self->stats.local) == AF_INET6 ? ASYNROLE_DGRAM_MAX_IPV6
                                                                 : ASYNROLE_DGRAM_MAX_IPV4;
}
