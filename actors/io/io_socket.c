/*  io_socket.c - one UDP socket of the I/O actor */
#define _GNU_SOURCE
#include "io_socket.h"
#include "error_fill.h"
#include "bounds.h"
#include <errno.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
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

//  A buffer size: past the system's cap when privileged (the FORCE option),
//  else as much as the cap allows (the kernel clamps SO_RCVBUF / SO_SNDBUF)
static int
s_buffer (int fd, int force, int plain, int bytes, const asynrole_addr_t *local,
          asynrole_error_t *error)
{
    if (bytes <= 0 || setsockopt (fd, SOL_SOCKET, force, &bytes, sizeof bytes) == 0)
        return 0;
    return s_setopt (fd, SOL_SOCKET, plain, bytes, local, error);
}

//  The interface or VRF every datagram goes by; a refusal names the device
static int
s_device (int fd, const char *device, const asynrole_addr_t *local, asynrole_error_t *error)
{
    if (!device[0] || setsockopt (fd, SOL_SOCKET, SO_BINDTODEVICE, device, strlen (device)) == 0)
        return 0;
    int err = errno;
    char text[ASYNROLE_ADDR_STRLEN];
    const char *why = err == EPERM ? "binding to a device needs CAP_NET_RAW"
        : err == ENODEV            ? "no such device"
                                   : strerror (err);
    return error_set (error, err == EPERM ? ASYNROLE_ENETWORK : ASYNROLE_EBADARG,
                      ASYNROLE_OP_DEVICE, err, "%s: %s, for %s", why, device,
                      asynrole_addr_format (local, text, sizeof text));
}

//  Local address and interface of every datagram, ICMP errors with the
//  address they concern, the kernel's drop count, the buffer sizes asked for
static int
s_options (int fd, int family, const wire_open_t *spec, asynrole_error_t *error)
{
    const asynrole_addr_t *local = &spec->local;
    int rc = family == AF_INET6 ? s_setopt (fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, local, error)
            || s_setopt (fd, IPPROTO_IPV6, IPV6_RECVERR, 1, local, error)
                                : s_setopt (fd, IPPROTO_IP, IP_PKTINFO, 1, local, error)
            || s_setopt (fd, IPPROTO_IP, IP_RECVERR, 1, local, error);
    //  A dual-stack socket (asked for, or adopted as one) reports IPv4
    //  errors by IP_RECVERR (best effort)
    int v6only = 1;
    socklen_t size = sizeof v6only;
    if (rc == 0 && family == AF_INET6 && spec->fd >= 0)
        getsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &size);
    if (rc == 0 && family == AF_INET6 && (spec->fd >= 0 ? !v6only : spec->dual_stack))
        setsockopt (fd, IPPROTO_IP, IP_RECVERR, &(int){ 1 }, sizeof (int));
    if (rc == 0)
        rc = s_setopt (fd, SOL_SOCKET, SO_RXQ_OVFL, 1, local, error);
    if (rc == 0)
        rc = s_buffer (fd, SO_RCVBUFFORCE, SO_RCVBUF, spec->rcvbuf, local, error);
    if (rc == 0)
        rc = s_buffer (fd, SO_SNDBUFFORCE, SO_SNDBUF, spec->sndbuf, local, error);
    if (rc == 0)
        rc = s_device (fd, spec->device, local, error);
    return rc;
}

//  What must be set before bind: V6ONLY (or not), SO_REUSEPORT
static int
s_before_bind (int fd, int family, const wire_open_t *spec, asynrole_error_t *error)
{
    const asynrole_addr_t *local = &spec->local;
    if (family == AF_INET6
        && s_setopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, spec->dual_stack ? 0 : 1, local, error))
        return -1;
    if (spec->reuse_port && s_setopt (fd, SOL_SOCKET, SO_REUSEPORT, 1, local, error))
        return -1;
    return 0;
}

//  Bind, connect when asked, and read back the bound address
static int
s_bind (int fd, const wire_open_t *spec, asynrole_addr_t *bound, asynrole_error_t *error)
{
    if (spec->fd < 0 && bind (fd, &spec->local.u.sa, spec->local.len))
        return error_network (error, ASYNROLE_OP_BIND, errno, &spec->local);
    if (spec->connect_to.len && connect (fd, &spec->connect_to.u.sa, spec->connect_to.len))
        return error_network (error, ASYNROLE_OP_CONNECT, errno, &spec->connect_to);
    memset (bound, 0, sizeof *bound);
    bound->len = sizeof bound->u;
    if (getsockname (fd, &bound->u.sa, &bound->len))
        return error_network (error, ASYNROLE_OP_BIND, errno, &spec->local);
    return 0;
}

//  An adopted descriptor: a UDP socket over IPv4 or IPv6, bound. Its family,
//  or -1 with ASYNROLE_EBADARG saying what it is instead.
static int
s_adoptable (int fd, asynrole_error_t *error)
{
    int type = 0, protocol = 0, family = 0;
    socklen_t size = sizeof type;
    if (getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &size))
        return error_set (error, ASYNROLE_EBADARG, ASYNROLE_OP_ADOPT, errno,
                          "descriptor %d is not a socket: %s", fd, strerror (errno));
    size = sizeof family;
    getsockopt (fd, SOL_SOCKET, SO_DOMAIN, &family, &size);
    size = sizeof protocol;
    getsockopt (fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &size);
    if (family != AF_INET && family != AF_INET6)
        return error_set (error, ASYNROLE_EBADARG, ASYNROLE_OP_ADOPT, EAFNOSUPPORT,
                          "descriptor %d is not an IPv4 or IPv6 socket (family %d)", fd, family);
    if (type != SOCK_DGRAM || protocol != IPPROTO_UDP)
        return error_set (error, ASYNROLE_EBADARG, ASYNROLE_OP_ADOPT, EPROTOTYPE,
                          "descriptor %d is not a UDP socket (type %d, protocol %d)", fd, type,
                          protocol);
    asynrole_addr_t bound = { .len = sizeof bound.u };
    if (getsockname (fd, &bound.u.sa, &bound.len) || asynrole_addr_port (&bound) == 0)
        return error_set (error, ASYNROLE_EBADARG, ASYNROLE_OP_ADOPT, EDESTADDRREQ,
                          "descriptor %d is a UDP socket that is not bound", fd);
    return family;
}

//  An adopted socket was bound with its options: those asked for that it
//  lacks cannot be had any more (0, or -1 with EBADARG saying which)
static int
s_adopted_fits (int fd, int family, const wire_open_t *spec, asynrole_error_t *error)
{
    int on = 0;
    socklen_t size = sizeof on;
    if (spec->reuse_port && (getsockopt (fd, SOL_SOCKET, SO_REUSEPORT, &on, &size) || !on))
        return error_set (error, ASYNROLE_EBADARG, ASYNROLE_OP_ADOPT, 0,
                          "descriptor %d was bound without SO_REUSEPORT, which options.reuse_port "
                          "asks for: set it before bind",
                          fd);
    size = sizeof on;
    if (spec->dual_stack && family == AF_INET6
        && (getsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, &size) || on))
        return error_set (error, ASYNROLE_EBADARG, ASYNROLE_OP_ADOPT, 0,
                          "descriptor %d is IPV6_V6ONLY, and options.dual_stack asks for IPv4 "
                          "too: clear it before bind",
                          fd);
    return 0;
}

//  The descriptor: a new socket, or the adopted one (checked). Its family,
//  or -1 with error filled.
static int
s_descriptor (const wire_open_t *spec, int *fd, asynrole_error_t *error)
{
    //  An adopted descriptor is the socket's from here: closed with it
    *fd = spec->fd;
    int family =
        spec->fd >= 0 ? s_adoptable (spec->fd, error) : asynrole_addr_family (&spec->local);
    if (family < 0 || (spec->fd >= 0 && s_adopted_fits (spec->fd, family, spec, error)))
        return -1;
    if (family != AF_INET && family != AF_INET6)
        return error_badarg (error, "the local address is not IPv4 or IPv6");
    if (spec->connect_to.len && asynrole_addr_family (&spec->connect_to) != family)
        return error_badarg (error, "the local address and the peer are not of one family");
    if (spec->fd < 0)
        *fd = socket (family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (*fd < 0)
        return error_network (error, ASYNROLE_OP_SOCKET, errno, &spec->local);
    return family;
}

//  What the socket turned out to be: wildcard, dual-stack, buffer sizes
static void
s_learn (io_socket_t *self, int family)
{
    const asynrole_addr_t *local = &self->stats.local;
    int v6only = 1;
    socklen_t size = sizeof v6only;
    if (family == AF_INET6)
        getsockopt (self->fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &size);
    self->dual = family == AF_INET6 && !v6only;
    self->wildcard = family == AF_INET6 ? IN6_IS_ADDR_UNSPECIFIED (&local->u.in6.sin6_addr)
                                        : local->u.in.sin_addr.s_addr == htonl (INADDR_ANY);
    int bytes = 0;
    size = sizeof bytes;
    if (getsockopt (self->fd, SOL_SOCKET, SO_RCVBUF, &bytes, &size) == 0)
        self->stats.rcvbuf = (uint64_t) bytes;
    size = sizeof bytes;
    if (getsockopt (self->fd, SOL_SOCKET, SO_SNDBUF, &bytes, &size) == 0)
        self->stats.sndbuf = (uint64_t) bytes;
}

//  A descriptor set up, bound and connected as spec asks; its family, or
//  -1 with error filled and nothing left open (an adopted one closed too)
static int
s_make (const wire_open_t *spec, int *fd, asynrole_addr_t *bound, asynrole_error_t *error)
{
    *fd = -1;
    int family = s_descriptor (spec, fd, error);
    bool ok = family > 0 && (spec->fd >= 0 || s_before_bind (*fd, family, spec, error) == 0)
        && s_options (*fd, family, spec, error) == 0 && s_bind (*fd, spec, bound, error) == 0;
    if (ok)
        return family;
    if (*fd >= 0)
        close (*fd);
    *fd = -1;
    return -1;
}

io_socket_t *
io_socket_open (const io_open_t *open_spec, asynrole_error_t *error)
{
    const wire_open_t *spec = &open_spec->wire;
    io_socket_t *self = calloc (1, sizeof *self);
    if (!self) {
        if (spec->fd >= 0)
            close (spec->fd);
        error_nomem (error, "a socket");
        return NULL;
    }
    int family = s_make (spec, &self->fd, &self->stats.local, error);
    if (family < 0) {
        io_socket_close (&self);
        return NULL;
    }
    s_learn (self, family);
    self->role = open_spec->role;
    self->tag = spec->tag;
    self->link = open_spec->link;
    self->buffer_size = spec->buffer_size && spec->buffer_size < ASYNROLE_BUFFER_SIZE
        ? spec->buffer_size
        : ASYNROLE_BUFFER_SIZE;
    self->peer = spec->connect_to;
    self->spec = *spec;
    self->adopted = spec->fd >= 0;
    self->spec.fd = -1;
    const struct sockaddr_in6 *in6 = &self->stats.local.u.in6;
    if (family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL (&in6->sin6_addr)
        && !if_indextoname (in6->sin6_scope_id, self->scope_name))
        self->scope_name[0] = 0;
    error_clear (error);
    return self;
}

bool
io_socket_fatal (int err)
{
    return err == EBADF || err == ENOTSOCK || err == ENODEV || err == ENXIO;
}

void
io_socket_shut (io_socket_t *self)
{
    if (self->fd >= 0 && !io_socket_gone (self->failed)) {
        io_socket_read_drops (self);
        close (self->fd);  //  leaves the epoll set with it
    }
    //  A descriptor that is gone may have been given to someone else since:
    //  it is never closed, nor read from, again
    self->kernel_drops_past = self->stats.kernel_dropped;
    self->fd = -1;
    self->armed = 0;
}

static void
s_set_port (asynrole_addr_t *addr, uint16_t port)
{
    if (addr->u.sa.sa_family == AF_INET)
        addr->u.in.sin_port = htons (port);
    else
        addr->u.in6.sin6_port = htons (port);
}

//  A link-local address's interface, made again, has another index: the
//  address (and a peer by the same interface) take the one its name has now
static void
s_rescope (io_socket_t *self, wire_open_t *spec)
{
    unsigned index = self->scope_name[0] ? if_nametoindex (self->scope_name) : 0;
    uint32_t was = self->stats.local.u.in6.sin6_scope_id;  //  a scope_name: IPv6
    if (!index || index == was)
        return;
    if (IN6_IS_ADDR_LINKLOCAL (&spec->local.u.in6.sin6_addr))
        spec->local.u.in6.sin6_scope_id = index;
    if (spec->connect_to.len && spec->connect_to.u.sa.sa_family == AF_INET6
        && spec->connect_to.u.in6.sin6_scope_id == was)
        spec->connect_to.u.in6.sin6_scope_id = index;
}

int
io_socket_rebind (io_socket_t *self, asynrole_error_t *error)
{
    //  The address it asked for (any, the kernel then picks a source that
    //  is there now; or one in particular) at the port it had: its peers
    //  know it by that
    wire_open_t spec = self->spec;
    bool any_port = asynrole_addr_port (&spec.local) == 0;
    s_set_port (&spec.local, asynrole_addr_port (&self->stats.local));
    spec.connect_to = self->peer;
    s_rescope (self, &spec);
    asynrole_addr_t bound;
    int family = s_make (&spec, &self->fd, &bound, error);
    //  It asked for any port, and another socket took the one it had
    //  meanwhile: another port (its notice says which) rather than none
    if (family < 0 && any_port && error->sys_errno == EADDRINUSE) {
        s_set_port (&spec.local, 0);
        family = s_make (&spec, &self->fd, &bound, error);
    }
    if (family < 0)
        return -1;
    self->stats.local = bound;
    self->peer = spec.connect_to;
    s_learn (self, family);
    error_clear (error);
    return 0;
}

void
io_socket_close (io_socket_t **self_p)
{
    io_socket_t *self = *self_p;
    if (!self)
        return;
    if (self->fd >= 0 && !io_socket_gone (self->failed))
        close (self->fd);  //  leaves the epoll set with it
    free (self->backlog.data);
    free (self);
    *self_p = NULL;
}

int
io_socket_arm (io_socket_t *self, int epfd, uint32_t events)
{
    if (self->paused)
        events = events & ~(uint32_t) EPOLLIN ? events & ~(uint32_t) EPOLLIN : EPOLLERR;
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
    if (self->fd < 0)
        return;
    //  A kernel without SO_MEMINFO (before 4.12) leaves the count to SO_RXQ_OVFL
    if (getsockopt (self->fd, SOL_SOCKET, SO_MEMINFO, meminfo, &size) == 0
        && size > SK_MEMINFO_DROPS * sizeof meminfo[0])
        io_socket_set_drops (self, meminfo[SK_MEMINFO_DROPS]);
}

void
io_socket_unmap (asynrole_addr_t *addr)
{
    if (addr->u.sa.sa_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED (&addr->u.in6.sin6_addr))
        return;
    struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = addr->u.in6.sin6_port };
    memcpy (&in.sin_addr, &addr->u.in6.sin6_addr.s6_addr[12], sizeof in.sin_addr);
    memset (&addr->u, 0, sizeof addr->u);
    addr->u.in = in;
    addr->len = sizeof in;
}

size_t
io_socket_max_datagram (const io_socket_t *self)
{
    return asynrole_addr_family (&self->stats.local) == AF_INET6 ? ASYNROLE_DGRAM_MAX_IPV6
                                                                 : ASYNROLE_DGRAM_MAX_IPV4;
}
