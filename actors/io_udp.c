/*  io_udp.c - the I/O actor's UDP work: open, receive in batches, send in
    batches, read the error queue. Everything here runs in the I/O thread and
    never blocks: every call is MSG_DONTWAIT / ZMQ_DONTWAIT. */
#define _GNU_SOURCE
#include "io_actor.h"
#include "error_fill.h"
#include <errno.h>
#include <linux/errqueue.h>
#include <stddef.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40
#endif

//  -------------------------------------------------------------------------
//  Slots and ids

uint32_t
io_udp_id (self_t *self, io_socket_t *sock)
{
    uint32_t slot = (uint32_t) (sock - self->sockets);
    return (sock->generation << WIRE_SLOT_BITS) | slot;
}

io_socket_t *
io_udp_lookup (self_t *self, uint32_t id)
{
    uint32_t slot = id & WIRE_SLOT_MASK;
    if (slot >= self->nsockets)
        return NULL;
    io_socket_t *sock = &self->sockets[slot];
    if (sock->fd < 0 || sock->generation != id >> WIRE_SLOT_BITS)
        return NULL;
    return sock;
}

static io_socket_t *
s_slot_new (self_t *self)
{
    uint32_t slot;
    if (self->nfree_sockets)
        slot = self->free_sockets[--self->nfree_sockets];
    else {
        if (self->nsockets > WIRE_SLOT_MASK)
            return NULL;
        if (self->nsockets == self->sockets_max) {
            uint32_t max = self->sockets_max ? self->sockets_max * 2 : 64;
            io_socket_t *sockets = realloc (self->sockets, max * sizeof *sockets);
            uint32_t *free_sockets = realloc (self->free_sockets, max * sizeof *free_sockets);
            if (sockets)
                self->sockets = sockets;
            if (free_sockets)
                self->free_sockets = free_sockets;
            if (!sockets || !free_sockets)
                return NULL;
            self->sockets_max = max;
        }
        slot = self->nsockets++;
        self->sockets[slot].generation = 0;
    }
    io_socket_t *sock = &self->sockets[slot];
    uint32_t generation = sock->generation;
    memset (sock, 0, sizeof *sock);
    //  Generations run 1..4095 so that no id is ever 0
    sock->generation = generation % ((1u << (32 - WIRE_SLOT_BITS)) - 1) + 1;
    sock->fd = -1;
    return sock;
}

static void
s_slot_free (self_t *self, io_socket_t *sock)
{
    sock->fd = -1;
    self->free_sockets[self->nfree_sockets++] = (uint32_t) (sock - self->sockets);
}

//  -------------------------------------------------------------------------
//  Open and close

static int
s_setopt (int fd, int level, int name, int value, const asynrole_addr_t *local,
          asynrole_error_t *error)
{
    if (setsockopt (fd, level, name, &value, sizeof value) == 0)
        return 0;
    return error_network (error, ASYNROLE_OP_SETSOCKOPT, errno, local);
}

io_socket_t *
io_udp_open (self_t *self, uint32_t role, uint32_t tag, const asynrole_addr_t *local,
             const asynrole_addr_t *connect_to, int rcvbuf, int sndbuf, size_t buffer_size,
             asynrole_error_t *error)
{
    int family = asynrole_addr_family (local);
    if (family != AF_INET && family != AF_INET6) {
        error_badarg (error, "local address is not IPv4 or IPv6");
        return NULL;
    }
    int fd = socket (family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_network (error, ASYNROLE_OP_SOCKET, errno, local);
        return NULL;
    }
    //  Local address and interface of every datagram, ICMP errors with the
    //  address they concern, and the kernel's drop count
    int rc = family == AF_INET6 ? s_setopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, local, error)
            || s_setopt (fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, local, error)
            || s_setopt (fd, IPPROTO_IPV6, IPV6_RECVERR, 1, local, error)
                                : s_setopt (fd, IPPROTO_IP, IP_PKTINFO, 1, local, error)
            || s_setopt (fd, IPPROTO_IP, IP_RECVERR, 1, local, error);
    if (rc == 0)
        rc = s_setopt (fd, SOL_SOCKET, SO_RXQ_OVFL, 1, local, error);
    if (rc == 0 && rcvbuf > 0)
        rc = s_setopt (fd, SOL_SOCKET, SO_RCVBUF, rcvbuf, local, error);
    if (rc == 0 && sndbuf > 0)
        rc = s_setopt (fd, SOL_SOCKET, SO_SNDBUF, sndbuf, local, error);
    if (rc == 0 && bind (fd, &local->u.sa, local->len))
        rc = error_network (error, ASYNROLE_OP_BIND, errno, local);
    if (rc == 0 && connect_to && connect_to->len
        && connect (fd, &connect_to->u.sa, connect_to->len))
        rc = error_network (error, ASYNROLE_OP_CONNECT, errno, connect_to);
    asynrole_addr_t bound = { .len = sizeof bound.u, .via = -1 };
    if (rc == 0 && getsockname (fd, &bound.u.sa, &bound.len))
        rc = error_network (error, ASYNROLE_OP_BIND, errno, local);
    io_socket_t *sock = rc == 0 ? s_slot_new (self) : NULL;
    if (rc == 0 && !sock)
        rc = error_network (error, ASYNROLE_OP_SOCKET, ENFILE, local);
    if (rc == 0) {
        struct epoll_event event = { .events = EPOLLIN };
        event.data.u32 = (uint32_t) (sock - self->sockets);
        if (epoll_ctl (self->epfd, EPOLL_CTL_ADD, fd, &event)) {
            rc = error_network (error, ASYNROLE_OP_SOCKET, errno, local);
            s_slot_free (self, sock);
        }
    }
    if (rc) {
        close (fd);
        return NULL;
    }
    sock->fd = fd;
    sock->role = role;
    sock->tag = tag;
    sock->buffer_size =
        buffer_size && buffer_size < ASYNROLE_BUFFER_SIZE ? buffer_size : ASYNROLE_BUFFER_SIZE;
    if (connect_to && connect_to->len)
        sock->peer = *connect_to;
    sock->stats.local = bound;
    error_clear (error);
    return sock;
}

void
io_udp_close (self_t *self, io_socket_t *sock)
{
    if (self->tx_socket == sock)
        io_udp_flush (self);
    close (sock->fd);  //  leaves the epoll set with it
    s_slot_free (self, sock);
}

//  -------------------------------------------------------------------------
//  To the role

//  Remember that the socket's role has drops to report: the loop then polls
//  the role's data pair for room and sends the notice alone if no batch
//  carries it first
static void
s_notice_due (self_t *self, io_socket_t *sock)
{
    io_role_t *role = &self->roles[sock->role];
    if (role->notice_due)
        return;
    if (self->nnotice_roles == self->notice_max) {
        uint32_t max = self->notice_max ? self->notice_max * 2 : 16;
        uint32_t *roles = realloc (self->notice_roles, max * sizeof *roles);
        if (roles)
            self->notice_roles = roles;
        uint32_t *ready = roles ? realloc (self->ready_roles, max * sizeof *ready) : NULL;
        if (ready)
            self->ready_roles = ready;
        if (!roles || !ready)
            return;  //  The next batch that gets through still carries it
        self->notice_max = max;
    }
    self->notice_roles[self->nnotice_roles++] = sock->role;
    role->notice_due = true;
}

//  What a frame carries, for the counters
typedef struct {
    uint64_t datagrams;       //  datagram records
    uint64_t errors;          //  error records
    uint64_t drops_noticed;   //  datagram drops its WIRE_DROPS record reports
    uint64_t errors_noticed;  //  error-event drops it reports
} s_carried_t;

//  Send one batch frame to the socket's role without waiting. On a full
//  queue the frame is dropped and what it carried is counted as dropped.
static void
s_send_batch (self_t *self, io_socket_t *sock, zmq_msg_t *msg, const s_carried_t *carried)
{
    io_role_t *role = &self->roles[sock->role];
    if (zmq_msg_send (msg, role->data_handle, ZMQ_DONTWAIT) >= 0) {
        sock->drops_unreported -= carried->drops_noticed;
        sock->errors_unreported -= carried->errors_noticed;
        sock->stats.errors += carried->errors;
        return;
    }
    zmq_msg_close (msg);
    sock->stats.dropped += carried->datagrams;
    sock->stats.errors_dropped += carried->errors;
    sock->drops_unreported += carried->datagrams;
    sock->errors_unreported += carried->errors;
    s_notice_due (self, sock);
}

//  Write the header of a record at offset into a frame being built
static size_t
s_put_record (uint8_t *frame, size_t offset, const wire_rec_t *rec, const void *payload)
{
    memcpy (frame + offset, rec, sizeof *rec);
    if (payload && rec->size)
        memcpy (frame + offset + sizeof *rec, payload, rec->size);
    return offset + wire_rec_span (rec->size);
}

//  Begin a frame with room for payload bytes of records, led by a WIRE_DROPS
//  notice when drops are unreported; returns the offset after it, or
//  SIZE_MAX when out of memory
static size_t
s_frame_init (io_socket_t *sock, zmq_msg_t *msg, size_t room, s_carried_t *carried)
{
    memset (carried, 0, sizeof *carried);
    carried->drops_noticed = sock->drops_unreported;
    carried->errors_noticed =
        sock->errors_unreported < UINT32_MAX ? sock->errors_unreported : UINT32_MAX;
    bool notice = carried->drops_noticed || carried->errors_noticed;
    if (zmq_msg_init_size (msg, room + (notice ? wire_rec_span (0) : 0)))
        return SIZE_MAX;
    if (!notice)
        return 0;
    wire_rec_t rec = { .type = WIRE_DROPS, .socket = sock->tag };
    rec.count = carried->drops_noticed;
    rec.errors = (uint32_t) carried->errors_noticed;
    rec.peer = sock->stats.local;
    return s_put_record (zmq_msg_data (msg), 0, &rec, NULL);
}

void
io_udp_send_notices (self_t *self, io_role_t *role)
{
    role->notice_due = false;
    for (size_t i = 0; i < role->nsockets; i++) {
        io_socket_t *sock = &self->sockets[role->sockets[i]];
        if (!sock->drops_unreported && !sock->errors_unreported)
            continue;
        zmq_msg_t msg;
        s_carried_t carried;
        if (s_frame_init (sock, &msg, 0, &carried) == SIZE_MAX) {
            s_notice_due (self, sock);
            continue;
        }
        s_send_batch (self, sock, &msg, &carried);  //  re-marks notice_due on failure
        if (sock->drops_unreported || sock->errors_unreported)
            s_notice_due (self, sock);  //  more than one notice holds
    }
}

//  Report an error to the socket's role as a one-record batch
static void
s_report (self_t *self, io_socket_t *sock, asynrole_op_t op, int err, const asynrole_addr_t *peer)
{
    wire_rec_t rec = { .type = WIRE_ERROR, .op = (uint16_t) op, .socket = sock->tag, .err = err };
    if (peer && peer->len)
        rec.peer = *peer;
    rec.peer.via = (int) sock->tag;
    rec.local = sock->stats.local;
    if (self->verbose) {
        char text[ASYNROLE_ADDR_STRLEN];
        zsys_info ("asynrole io: %s %s: %s", asynrole_op_name (op),
                   asynrole_addr_format (&rec.peer, text, sizeof text), strerror (err));
    }
    zmq_msg_t msg;
    s_carried_t carried;
    size_t offset = s_frame_init (sock, &msg, wire_rec_span (0), &carried);
    carried.errors = 1;
    if (offset == SIZE_MAX) {
        sock->stats.errors_dropped++;
        sock->errors_unreported++;
        s_notice_due (self, sock);
        return;
    }
    s_put_record (zmq_msg_data (&msg), offset, &rec, NULL);
    s_send_batch (self, sock, &msg, &carried);
}

//  -------------------------------------------------------------------------
//  Receive

//  Read the error queue: each entry is an ICMP error (or a local one) for a
//  datagram we sent, with the destination it concerns. Returns how many.
static int
s_drain_errqueue (self_t *self, io_socket_t *sock)
{
    int reported = 0;
    for (int attempt = 0; attempt < WIRE_BATCH; attempt++) {
        struct sockaddr_in6 name;
        uint8_t control[256];
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
        for (struct cmsghdr *cm = CMSG_FIRSTHDR (&msg); cm; cm = CMSG_NXTHDR (&msg, cm)) {
            bool v4 = cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR;
            bool v6 = cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR;
            if (!v4 && !v6)
                continue;
            struct sock_extended_err ee;
            memcpy (&ee, CMSG_DATA (cm), sizeof ee);
            asynrole_addr_t peer = { .len = 0 };
            if (msg.msg_namelen && msg.msg_namelen <= sizeof peer.u) {
                memcpy (&peer.u, &name, msg.msg_namelen);
                peer.len = msg.msg_namelen;
            }
            bool icmp = ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6;
            s_report (self, sock, icmp ? ASYNROLE_OP_ICMP : ASYNROLE_OP_SEND, (int) ee.ee_errno,
                      &peer);
            reported++;
        }
    }
    return reported;
}

//  Ancillary data of one datagram: where it arrived, and the kernel's drops
static void
s_parse_control (io_socket_t *sock, struct msghdr *msg, wire_rec_t *rec)
{
    for (struct cmsghdr *cm = CMSG_FIRSTHDR (msg); cm; cm = CMSG_NXTHDR (msg, cm)) {
        if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo info;
            memcpy (&info, CMSG_DATA (cm), sizeof info);
            rec->ifindex = (uint32_t) info.ipi_ifindex;
            rec->local.u.in.sin_family = AF_INET;
            rec->local.u.in.sin_addr = info.ipi_addr;
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
            sock->stats.kernel_dropped = drops;
        }
    }
}

//  Pack n datagrams just read into frames of at most WIRE_BATCH_BYTES and
//  send them to the role
static void
s_deliver (self_t *self, io_socket_t *sock, unsigned n)
{
    unsigned first = 0;
    while (first < n) {
        size_t room = 0;
        unsigned last = first;
        for (; last < n; last++) {
            size_t copied = self->rx_msgs[last].msg_len < sock->buffer_size
                ? self->rx_msgs[last].msg_len
                : sock->buffer_size;
            if (last > first && room + wire_rec_span (copied) > WIRE_BATCH_BYTES)
                break;
            room += wire_rec_span (copied);
        }
        zmq_msg_t msg;
        s_carried_t carried;
        size_t offset = s_frame_init (sock, &msg, room, &carried);
        carried.datagrams = last - first;
        if (offset == SIZE_MAX) {
            sock->stats.dropped += carried.datagrams;
            sock->drops_unreported += carried.datagrams;
            s_notice_due (self, sock);
            first = last;
            continue;
        }
        uint8_t *frame = zmq_msg_data (&msg);
        for (unsigned i = first; i < last; i++) {
            struct mmsghdr *mm = &self->rx_msgs[i];
            wire_rec_t rec = { .type = WIRE_DATAGRAM, .socket = sock->tag };
            rec.original = mm->msg_len;
            rec.size = mm->msg_len < sock->buffer_size ? mm->msg_len : (uint32_t) sock->buffer_size;
            if (mm->msg_hdr.msg_flags & MSG_TRUNC || rec.original > rec.size) {
                rec.flags |= ASYNROLE_DGRAM_TRUNCATED;
                sock->stats.truncated++;
            }
            if (mm->msg_hdr.msg_namelen <= sizeof rec.peer.u) {
                memcpy (&rec.peer.u, &self->rx_names[i], mm->msg_hdr.msg_namelen);
                rec.peer.len = mm->msg_hdr.msg_namelen;
            }
            rec.peer.via = (int) sock->tag;
            rec.local.via = -1;
            s_parse_control (sock, &mm->msg_hdr, &rec);
            sock->stats.rx_bytes += rec.original;
            offset = s_put_record (frame, offset, &rec, self->rx_iov[i].iov_base);
        }
        s_send_batch (self, sock, &msg, &carried);
        first = last;
    }
}

static void
s_receive (self_t *self, io_socket_t *sock)
{
    for (int round = 0; round < IO_RX_ROUNDS; round++) {
        for (unsigned i = 0; i < WIRE_BATCH; i++) {
            self->rx_iov[i].iov_len = sock->buffer_size;
            self->rx_msgs[i].msg_hdr.msg_namelen = sizeof self->rx_names[i];
            self->rx_msgs[i].msg_hdr.msg_controllen = IO_CONTROL_SIZE;
            self->rx_msgs[i].msg_hdr.msg_flags = 0;
        }
        //  MSG_TRUNC: msg_len is the datagram's real length even when cut
        int n = recvmmsg (sock->fd, self->rx_msgs, WIRE_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            //  A pending error (an ICMP error for an earlier send): the
            //  error queue says which destination; else report it bare
            int err = errno;
            if (s_drain_errqueue (self, sock) == 0)
                s_report (self, sock, ASYNROLE_OP_RECV, err, &sock->peer);
            continue;
        }
        sock->stats.rx_datagrams += (unsigned) n;
        s_deliver (self, sock, (unsigned) n);
        if (n < WIRE_BATCH)
            return;
    }
}

void
io_udp_handle_ready (self_t *self)
{
    struct epoll_event events[WIRE_BATCH];
    int n = epoll_wait (self->epfd, events, WIRE_BATCH, 0);
    for (int i = 0; i < n; i++) {
        uint32_t slot = events[i].data.u32;
        if (slot >= self->nsockets || self->sockets[slot].fd < 0)
            continue;
        io_socket_t *sock = &self->sockets[slot];
        if (events[i].events & EPOLLERR)
            s_drain_errqueue (self, sock);
        if (events[i].events & EPOLLIN)
            s_receive (self, sock);
    }
}

//  -------------------------------------------------------------------------
//  Send

void
io_udp_queue_send (self_t *self, const wire_rec_t *rec, const uint8_t *record)
{
    io_socket_t *sock = io_udp_lookup (self, rec->socket);
    if (!sock) {
        //  Only a send racing its role's destroy can name a closed socket
        self->stale_sends++;
        zsys_warning (
            "asynrole io: a send to socket %u, which is closed, was dropped (%llu so far)",
            rec->socket, (unsigned long long) self->stale_sends);
        return;
    }
    if (self->tx_socket != sock || self->tx_count == WIRE_BATCH)
        io_udp_flush (self);
    self->tx_socket = sock;
    unsigned i = self->tx_count++;
    self->tx_iov[i].iov_base = (void *) (record + sizeof *rec);
    self->tx_iov[i].iov_len = rec->size;
    struct msghdr *hdr = &self->tx_msgs[i].msg_hdr;
    memset (hdr, 0, sizeof *hdr);
    hdr->msg_iov = &self->tx_iov[i];
    hdr->msg_iovlen = 1;
    if (rec->peer.len) {
        //  The record lives on in a held message: point at its address
        hdr->msg_name = (void *) (record + offsetof (wire_rec_t, peer));
        hdr->msg_namelen = rec->peer.len;
    }
}

//  The destination of a queued send, for error reports
static asynrole_addr_t
s_tx_peer (io_socket_t *sock, const struct msghdr *hdr)
{
    asynrole_addr_t peer = sock->peer;
    if (hdr->msg_name && hdr->msg_namelen <= sizeof peer.u) {
        memcpy (&peer.u, hdr->msg_name, hdr->msg_namelen);
        peer.len = hdr->msg_namelen;
    }
    return peer;
}

//  Errors the kernel hands to a later call after an ICMP error
static bool
s_icmp_errno (int err)
{
    return err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH || err == EHOSTDOWN
        || err == EMSGSIZE || err == EPROTO || err == ENOPROTOOPT || err == EACCES;
}

void
io_udp_flush (self_t *self)
{
    io_socket_t *sock = self->tx_socket;
    unsigned done = 0;
    bool retried = false;  //  the datagram at done failed once already
    int pending = 0;       //  that failure's errno, if the error queue was empty
    while (sock && done < self->tx_count) {
        int rc = sendmmsg (sock->fd, self->tx_msgs + done, self->tx_count - done, MSG_DONTWAIT);
        if (rc > 0) {
            //  It went through on the retry: the error was an earlier
            //  datagram's, handed to this call by the kernel
            if (pending)
                s_report (self, sock, ASYNROLE_OP_ICMP, pending, &sock->peer);
            for (int i = 0; i < rc; i++)
                sock->stats.tx_bytes += self->tx_iov[done + (unsigned) i].iov_len;
            sock->stats.tx_datagrams += (unsigned) rc;
            done += (unsigned) rc;
            retried = false;
            pending = 0;
            continue;
        }
        if (rc < 0 && errno == EINTR)
            continue;
        int err = rc < 0 ? errno : EIO;
        if (!retried) {
            //  Report what the error queue holds (ICMP errors for earlier
            //  datagrams, with their destinations), then try once more
            retried = true;
            pending = s_drain_errqueue (self, sock) == 0 && s_icmp_errno (err) ? err : 0;
            continue;
        }
        asynrole_addr_t peer = s_tx_peer (sock, &self->tx_msgs[done].msg_hdr);
        s_report (self, sock, ASYNROLE_OP_SEND, err, &peer);
        sock->stats.tx_failed++;
        done++;
        retried = false;
        pending = 0;
    }
    self->tx_count = 0;
    self->tx_socket = NULL;
    for (unsigned i = 0; i < self->tx_nheld; i++)
        zmq_msg_close (&self->tx_held[i]);
    self->tx_nheld = 0;
}
