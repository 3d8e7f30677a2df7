/*  io_rx.c - the I/O actor's receive side. Everything here runs in the I/O
    thread and never blocks: every call is MSG_DONTWAIT. */
#define _GNU_SOURCE
#include "io_rx.h"
#include "error_fill.h"
#include "clock.h"
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <string.h>

#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40
#endif

io_rx_t *
io_rx_new (asynrole_error_t *error)
{
    io_rx_t *self = calloc (1, sizeof *self);
    if (self)
        self->buffers = malloc ((size_t) LIMIT_RX_BATCH * ASYNROLE_BUFFER_SIZE);
    if (!self || !self->buffers) {
        free (self);
        error_nomem (error, "the receive buffers");
        return NULL;
    }
    for (unsigned i = 0; i < LIMIT_RX_BATCH; i++) {
        self->iov[i].iov_base = self->buffers + (size_t) i * ASYNROLE_BUFFER_SIZE;
        struct msghdr *hdr = &self->msgs[i].msg_hdr;
        hdr->msg_iov = &self->iov[i];
        hdr->msg_iovlen = 1;
        hdr->msg_name = &self->names[i];
        hdr->msg_control = self->control[i];
    }
    return self;
}

void
io_rx_destroy (io_rx_t **self_p)
{
    if (*self_p) {
        free ((*self_p)->buffers);
        free (*self_p);
        *self_p = NULL;
    }
}

//  One error-queue entry: report each IP_RECVERR / IPV6_RECVERR in it
static int
s_errqueue_entry (io_socket_t *sock, io_roles_t *roles, struct msghdr *msg,
                  const struct sockaddr_in6 *name)
{
    int reported = 0;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR (msg); cm; cm = CMSG_NXTHDR (msg, cm)) {
        bool v4 = cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR;
        bool v6 = cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR;
        if (!v4 && !v6)
            continue;
        struct sock_extended_err ee;
        memcpy (&ee, CMSG_DATA (cm), sizeof ee);
        //  A local error (EMSGSIZE past the route's MTU) is the kernel's
        //  copy of what a send call returned, which io_tx reports with the
        //  whole destination (IPv4's copy has no port): read, not reported
        if (ee.ee_origin == SO_EE_ORIGIN_LOCAL)
            continue;
        asynrole_addr_t peer = { .len = 0 };
        if (msg->msg_namelen && msg->msg_namelen <= sizeof peer.u) {
            memcpy (&peer.u, name, msg->msg_namelen);
            peer.len = msg->msg_namelen;
        }
        bool icmp = ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6;
        io_roles_report (roles, sock, icmp ? ASYNROLE_OP_ICMP : ASYNROLE_OP_SEND, (int) ee.ee_errno,
                         &peer);
        reported++;
    }
    return reported;
}

int
io_rx_errqueue (io_socket_t *sock, io_roles_t *roles)
{
    int reported = 0;
    for (int entry = 0; entry < LIMIT_ERRQUEUE_PER_CALL; entry++) {
        struct sockaddr_in6 name;
        uint8_t control[LIMIT_ERRQUEUE_CONTROL];
        uint8_t byte;
        struct iovec iov = { .iov_base = &byte, .iov_len = sizeof byte };
        struct msghdr msg = { .msg_name = &name,
                              .msg_namelen = sizeof name,
                              .msg_iov = &iov,
                              .msg_iovlen = 1,
                              .msg_control = control,
                              .msg_controllen = sizeof control };
        if (recvmsg (sock->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        reported += s_errqueue_entry (sock, roles, &msg, &name);
    }
    return reported;
}

//  Ancillary data of one datagram: where it arrived, and the kernel's drops
static void
s_parse_control (io_socket_t *sock, struct msghdr *msg, wire_rec_t *rec)
{
    //  A walk of our own, checked as CMSG_NXTHDR checks (a whole header, a
    //  length that fits) in fewer steps. at never passes size by more than
    //  the alignment, so at + a header cannot wrap.
    const uint8_t *control = msg->msg_control;
    size_t size = msg->msg_controllen;
    for (size_t at = 0; at + sizeof (struct cmsghdr) <= size;) {
        const struct cmsghdr *cm = (const struct cmsghdr *) (control + at);
        if (cm->cmsg_len < sizeof *cm || cm->cmsg_len > size - at)
            break;
        at += CMSG_ALIGN (cm->cmsg_len);
        if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo info;
            memcpy (&info, CMSG_DATA (cm), sizeof info);
            rec->ifindex = (uint32_t) info.ipi_ifindex;
            rec->local.u.in.sin_family = AF_INET;
            //  The local address that answers for it: the one asked, or for
            //  a broadcast or multicast the interface's own (a reply may
            //  leave from it; from a broadcast address it may not)
            rec->local.u.in.sin_addr = info.ipi_spec_dst;
            rec->local.u.in.sin_port = sock->stats.local.u.in.sin_port;
            rec->local.len = sizeof rec->local.u.in;
        }
        else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo info;
            memcpy (&info, CMSG_DATA (cm), sizeof info);
            rec->ifindex = info.ipi6_ifindex;
            rec->local.u.in6.sin6_family = AF_INET6;
            rec->local.u.in6.sin6_addr = info.ipi6_addr;
            rec->local.u.in6.sin6_port = sock->stats.local.u.in6.sin6_port;
            if (IN6_IS_ADDR_LINKLOCAL (&info.ipi6_addr))
                rec->local.u.in6.sin6_scope_id = info.ipi6_ifindex;
            rec->local.len = sizeof rec->local.u.in6;
        }
        else if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL) {
            uint32_t drops;
            memcpy (&drops, CMSG_DATA (cm), sizeof drops);
            io_socket_set_drops (sock, drops);
        }
    }
}

//  The record of datagram i, as read
static void
s_record (io_rx_t *self, io_socket_t *sock, unsigned i, wire_rec_t *rec)
{
    struct mmsghdr *mm = &self->msgs[i];
    //  Field by field, local cleared whole (PKTINFO fills part of it): a
    //  memset of the whole record cost 23 instructions a datagram
    rec->type = WIRE_DATAGRAM;
    rec->op = 0;
    rec->socket = sock->tag;
    rec->original = mm->msg_len;
    rec->size = mm->msg_len < sock->buffer_size ? mm->msg_len : (uint32_t) sock->buffer_size;
    rec->flags = rec->ifindex = rec->errors = 0;
    rec->err = 0;
    rec->count = 0;
    memset (&rec->local, 0, sizeof rec->local);
    if (mm->msg_hdr.msg_flags & MSG_TRUNC || rec->original > rec->size) {
        rec->flags |= ASYNROLE_DGRAM_TRUNCATED;
        sock->stats.truncated++;
    }
    //  The whole name's room, a fixed size: a copy of namelen bytes
    //  costs more than the bytes (len says which are the address)
    _Static_assert(sizeof rec->peer.u == sizeof self->names[i], "a name fills peer.u");
    memcpy (&rec->peer.u, &self->names[i], sizeof rec->peer.u);
    rec->peer.len = mm->msg_hdr.msg_namelen;
    if (rec->peer.len > sizeof rec->peer.u)  //  not a UDP peer's: no address
        memset (&rec->peer, 0, sizeof rec->peer);
    rec->peer.via = sock->tag + 1;
    s_parse_control (sock, &mm->msg_hdr, rec);
    if (sock->dual) {
        io_socket_unmap (&rec->peer);
        io_socket_unmap (&rec->local);
    }
    sock->stats.rx_bytes += rec->original;
}

//  The records of the n datagrams read, each captured when asked; those
//  the role's filter lets through listed in kept. Returns how many.
static unsigned
s_sift (io_rx_t *self, io_socket_t *sock, io_roles_t *roles, unsigned n)
{
    //  Looked at once: nothing changes them while the I/O thread is here
    filter_t *filter = roles->roles[sock->role].filter;
    bool capturing = io_roles_capturing (roles, sock);
    int64_t now = filter ? clock_us () : 0;
    uint64_t denied = 0, limited = 0;
    unsigned kept = 0;
    for (unsigned i = 0; i < n; i++) {
        wire_rec_t *rec = &self->recs[i];
        s_record (self, sock, i, rec);
        if (capturing)
            io_roles_capture (roles, sock, &rec->peer,
                              rec->local.len ? &rec->local : &sock->stats.local,
                              self->iov[i].iov_base, rec->size, rec->original);
        filter_verdict_t verdict = filter ? filter_check (filter, &rec->peer, now) : FILTER_PASS;
        if (verdict == FILTER_PASS)
            self->kept[kept++] = i;
        else if (verdict == FILTER_DENIED)
            denied++;
        else
            limited++;
    }
    if (denied || limited)
        io_roles_filtered (roles, sock, denied, limited);
    return kept;
}

//  How many of the kept datagrams first..n-1 fit one frame, and its room
static unsigned
s_fit (io_rx_t *self, unsigned first, unsigned n, size_t *room)
{
    unsigned last = first;
    *room = 0;
    for (; last < n; last++) {
        size_t span = wire_rec_span (self->recs[self->kept[last]].size);
        if (last > first && *room + span > LIMIT_BATCH_BYTES)
            break;
        *room += span;
    }
    return last;
}

//  Pack the n datagrams kept into frames and send them to the role
static void
s_deliver (io_rx_t *self, io_socket_t *sock, io_roles_t *roles, unsigned n)
{
    for (unsigned first = 0; first < n;) {
        size_t room;
        unsigned last = s_fit (self, first, n, &room);
        zmq_msg_t msg;
        io_carried_t carried;
        size_t offset = io_roles_frame (sock, &msg, room, &carried);
        if (offset == SIZE_MAX)
            //  Out of memory for the frame: nothing in it can be delivered
            io_roles_drop (roles, sock, last - first, 0);
        else {
            uint8_t *frame = zmq_msg_data (&msg);
            for (unsigned k = first; k < last; k++) {
                unsigned i = self->kept[k];
                offset = io_roles_put (frame, offset, &self->recs[i], self->iov[i].iov_base);
            }
            carried.datagrams = last - first;
            io_roles_deliver (roles, sock, &msg, &carried);
        }
        first = last;
    }
}

void
io_rx_error (io_socket_t *sock, io_roles_t *roles)
{
    if (io_rx_errqueue (sock, roles) > 0)
        return;
    //  An error the queue does not hold (its entry found the receive buffer
    //  full, or a local one): a read would take it, but a paused socket is
    //  not read, and the error would keep epoll reporting it
    int err = 0;
    socklen_t size = sizeof err;
    if (getsockopt (sock->fd, SOL_SOCKET, SO_ERROR, &err, &size) == 0 && err)
        io_roles_report (roles, sock, ASYNROLE_OP_RECV, err, &sock->peer);
}

int
io_rx_read (io_rx_t *self, io_socket_t *sock, io_roles_t *roles)
{
    //  A batch that found the role at its bound in PAUSE paused the socket:
    //  read no more (one test per batch of up to LIMIT_RX_BATCH)
    for (int round = 0; round < LIMIT_RX_ROUNDS && !sock->paused; round++) {
        //  Only the headers the kernel wrote to are reset (a busy socket
        //  reads a few datagrams per call, not LIMIT_RX_BATCH), and only
        //  what it writes: the lengths of name and control (msg_flags is
        //  written on every datagram read, the iovecs never)
        if (self->buffer_size != sock->buffer_size) {
            for (unsigned i = 0; i < LIMIT_RX_BATCH; i++)
                self->iov[i].iov_len = sock->buffer_size;
            self->buffer_size = sock->buffer_size;
            self->dirty = LIMIT_RX_BATCH;
        }
        for (unsigned i = 0; i < self->dirty; i++) {
            self->msgs[i].msg_hdr.msg_namelen = sizeof self->names[i];
            self->msgs[i].msg_hdr.msg_controllen = LIMIT_CONTROL_SIZE;
        }
        self->dirty = LIMIT_RX_BATCH;  //  a failed call may have written to any
        //  MSG_TRUNC: msg_len is the datagram's real length even when cut
        int n = recvmmsg (sock->fd, self->msgs, LIMIT_RX_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            int err = errno;
            if (io_socket_fatal (err))
                return err;
            //  A pending error (an ICMP error for an earlier send): the
            //  error queue says which destination; else report it bare
            if (io_rx_errqueue (sock, roles) == 0)
                io_roles_report (roles, sock, ASYNROLE_OP_RECV, err, &sock->peer);
            continue;
        }
        self->dirty = (unsigned) n;
        sock->stats.rx_datagrams += (unsigned) n;
        s_deliver (self, sock, roles, s_sift (self, sock, roles, (unsigned) n));
        if (n < LIMIT_RX_BATCH)
            return 0;
    }
    return 0;
}
