/*  io_tx.c - the I/O actor's send side. Runs in the I/O thread and never
    blocks: every call is MSG_DONTWAIT. */
#define _GNU_SOURCE
#include "io_tx.h"
#include "clock.h"
#include "io_rebind.h"
#include "io_rx.h"
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>

void
io_tx_init (io_tx_t *self, int epfd, io_roles_t *roles)
{
    memset (self, 0, sizeof *self);
    self->epfd = epfd;
    self->roles = roles;
}

void
io_tx_destroy (io_tx_t *self)
{
    io_tx_flush (self);
    free (self->waiting);
    self->waiting = NULL;
    self->nwaiting = self->waiting_room = 0;
}

//  A reply from a wildcard socket leaves from the address its request came
//  to: IP_PKTINFO / IPV6_PKTINFO. The interface is left to routing, except
//  for an IPv6 link-local address, which needs it.
static void
s_source (struct msghdr *hdr, const wire_rec_t *rec, uint8_t *control)
{
    memset (control, 0, IO_TX_CONTROL);
    hdr->msg_control = control;
    struct cmsghdr *cm = (struct cmsghdr *) control;
    if (rec->local.u.sa.sa_family == AF_INET) {
        struct in_pktinfo info = { .ipi_spec_dst = rec->local.u.in.sin_addr };
        cm->cmsg_level = IPPROTO_IP;
        cm->cmsg_type = IP_PKTINFO;
        cm->cmsg_len = CMSG_LEN (sizeof info);
        memcpy (CMSG_DATA (cm), &info, sizeof info);
        hdr->msg_controllen = CMSG_SPACE (sizeof info);
    }
    else {
        struct in6_pktinfo info = { .ipi6_addr = rec->local.u.in6.sin6_addr };
        if (IN6_IS_ADDR_LINKLOCAL (&info.ipi6_addr))
            info.ipi6_ifindex = rec->ifindex;
        cm->cmsg_level = IPPROTO_IPV6;
        cm->cmsg_type = IPV6_PKTINFO;
        cm->cmsg_len = CMSG_LEN (sizeof info);
        memcpy (CMSG_DATA (cm), &info, sizeof info);
        hdr->msg_controllen = CMSG_SPACE (sizeof info);
    }
}

//  Prepare message i of msgs to send record (header + payload) from memory
//  that stays put until it is sent
static void
s_prepare (struct mmsghdr *mm, struct iovec *iov, const uint8_t *record, const io_socket_t *sock,
           uint8_t *control)
{
    const wire_rec_t *rec = (const wire_rec_t *) record;
    iov->iov_base = (void *) (record + sizeof *rec);
    iov->iov_len = rec->size;
    //  Field by field (every one of struct msghdr's): cheaper than a memset
    mm->msg_hdr.msg_iov = iov;
    mm->msg_hdr.msg_iovlen = 1;
    mm->msg_hdr.msg_name = rec->peer.len ? (void *) (record + offsetof (wire_rec_t, peer)) : NULL;
    mm->msg_hdr.msg_namelen = rec->peer.len;
    mm->msg_hdr.msg_control = NULL;
    mm->msg_hdr.msg_controllen = 0;
    mm->msg_hdr.msg_flags = 0;
    int family = sock->stats.local.u.sa.sa_family;  //  a bound socket's: never len 0
    //  A multicast address is no source: the kernel picks one
    bool multicast = family == AF_INET6 && IN6_IS_ADDR_MULTICAST (&rec->local.u.in6.sin6_addr);
    if (sock->wildcard && rec->local.len && rec->local.u.sa.sa_family == family && !multicast)
        s_source (&mm->msg_hdr, rec, control);
}

//  Where a prepared message left from: the source it named, else the
//  socket's address
static asynrole_addr_t
s_from (io_socket_t *sock, const struct msghdr *hdr)
{
    asynrole_addr_t from = sock->stats.local;
    struct cmsghdr *cm = hdr->msg_control ? CMSG_FIRSTHDR (hdr) : NULL;
    if (cm && cm->cmsg_type == IP_PKTINFO && cm->cmsg_level == IPPROTO_IP) {
        struct in_pktinfo info;
        memcpy (&info, CMSG_DATA (cm), sizeof info);
        from.u.in.sin_addr = info.ipi_spec_dst;
    }
    else if (cm) {
        struct in6_pktinfo info;
        memcpy (&info, CMSG_DATA (cm), sizeof info);
        from.u.in6.sin6_addr = info.ipi6_addr;
    }
    return from;
}

//  The destination of a prepared message, for error reports
static asynrole_addr_t
s_peer (io_socket_t *sock, const struct msghdr *hdr)
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

//  A datagram the kernel refused for good: reported and counted
static void
s_failed (io_tx_t *self, io_socket_t *sock, const struct msghdr *hdr, int err)
{
    asynrole_addr_t peer = s_peer (sock, hdr);
    io_roles_report (self->roles, sock, ASYNROLE_OP_SEND, err, &peer);
    sock->stats.tx_failed++;
}

//  Put n messages the kernel took in the capture files that want them
static void
s_capture (io_tx_t *self, io_socket_t *sock, const struct mmsghdr *msgs, unsigned n)
{
    if (!io_roles_capturing (self->roles, sock))
        return;
    for (unsigned i = 0; i < n; i++) {
        const struct msghdr *hdr = &msgs[i].msg_hdr;
        asynrole_addr_t from = s_from (sock, hdr);
        asynrole_addr_t to = s_peer (sock, hdr);
        io_roles_capture (self->roles, sock, &from, &to, hdr->msg_iov->iov_base,
                          hdr->msg_iov->iov_len, hdr->msg_iov->iov_len);
    }
}

//  Is this ENOBUFS for good? It is once the kernel refused so, taking
//  nothing, for LIMIT_NOBUFS_GIVE_UP_MS (the first ENOBUFS starts the
//  clock, a datagram taken stops it); and then, for as long as ENOBUFS
//  keeps coming (one every LIMIT_NOBUFS_GIVE_UP_MS), each one is at once,
//  so that sends to a dead route interleaved with others cost no more waits
static bool
s_nobufs_for_good (io_socket_t *sock)
{
    int64_t now = clock_ms ();
    if (now < sock->nobufs_dead) {
        sock->nobufs_dead = now + LIMIT_NOBUFS_GIVE_UP_MS;
        return true;
    }
    if (!sock->nobufs_since)
        sock->nobufs_since = now;
    if (now - sock->nobufs_since < LIMIT_NOBUFS_GIVE_UP_MS)
        return false;
    sock->nobufs_dead = now + LIMIT_NOBUFS_GIVE_UP_MS;
    return true;
}

//  Send n prepared messages. Returns how many are done (sent, or refused for
//  good and reported); *blocked is the errno that stopped it for want of
//  room (EAGAIN, ENOBUFS), else 0. Gives back the credit of what is done.
static unsigned
s_send (io_tx_t *self, io_socket_t *sock, struct mmsghdr *msgs, unsigned n, int *blocked)
{
    unsigned done = 0;
    bool retried = false;  //  the datagram at done failed once already
    int pending = 0;       //  that failure's errno, if the error queue was empty
    size_t released = 0;
    *blocked = 0;
    while (done < n) {
        int rc = sendmmsg (sock->fd, msgs + done, n - done, MSG_DONTWAIT);
        if (rc > 0) {
            //  It went through on the retry: the error was an earlier
            //  datagram's, handed to this call by the kernel
            if (pending)
                io_roles_report (self->roles, sock, ASYNROLE_OP_ICMP, pending, &sock->peer);
            for (unsigned i = done; i < done + (unsigned) rc; i++) {
                sock->stats.tx_bytes += msgs[i].msg_hdr.msg_iov->iov_len;
                released += wire_rec_span (msgs[i].msg_hdr.msg_iov->iov_len);
            }
            s_capture (self, sock, msgs + done, (unsigned) rc);
            sock->stats.tx_datagrams += (unsigned) rc;
            sock->nobufs_since = 0;
            done += (unsigned) rc;
            retried = false;
            pending = 0;
            continue;
        }
        int err = rc < 0 ? errno : EIO;
        if (err == EINTR)
            continue;
        //  An ENOBUFS that lasts is a refusal like any other
        if (err == EAGAIN || err == EWOULDBLOCK || (err == ENOBUFS && !s_nobufs_for_good (sock))) {
            if (pending)
                io_roles_report (self->roles, sock, ASYNROLE_OP_ICMP, pending, &sock->peer);
            *blocked = err;
            break;
        }
        //  ENODEV and ENXIO may concern one datagram (an IPV6_PKTINFO
        //  interface deleted since its request came) rather than the socket
        if (io_socket_fatal (err) && (io_socket_gone (err) || io_rebind_gone (sock))) {
            //  The socket serves no more: this run fails, and it is closed
            io_rebind_mark (self->rebind, sock, err);
            for (; done < n; done++) {
                s_failed (self, sock, &msgs[done].msg_hdr, err);
                released += wire_rec_span (msgs[done].msg_hdr.msg_iov->iov_len);
            }
            break;
        }
        if (!retried) {
            //  Report what the error queue holds (ICMP errors for earlier
            //  datagrams, with their destinations), then try once more
            retried = true;
            pending = io_rx_errqueue (sock, self->roles) == 0 && s_icmp_errno (err) ? err : 0;
            continue;
        }
        s_failed (self, sock, &msgs[done].msg_hdr, err);
        released += wire_rec_span (msgs[done].msg_hdr.msg_iov->iov_len);
        done++;
        retried = false;
        pending = 0;
    }
    if (released)
        link_tx_release (sock->link, sock->tag, released);
    return done;
}

//  -------------------------------------------------------------------------
//  Waiting for room

static void
s_waiting_add (io_tx_t *self, io_socket_t *sock)
{
    if (sock->waiting)
        return;
    if (self->nwaiting == self->waiting_room) {
        uint32_t room = self->waiting_room ? self->waiting_room * 2 : ROOM_FIRST_LIST;
        io_socket_t **waiting = realloc (self->waiting, room * sizeof *waiting);
        if (!waiting)
            return;  //  EPOLLOUT still drains it; only an ENOBUFS timer is lost
        self->waiting = waiting;
        self->waiting_room = room;
    }
    self->waiting[self->nwaiting++] = sock;
    sock->waiting = true;
}

static void
s_waiting_remove (io_tx_t *self, io_socket_t *sock)
{
    if (!sock->waiting)
        return;
    sock->waiting = false;
    for (uint32_t i = 0; i < self->nwaiting; i++)
        if (self->waiting[i] == sock) {
            self->waiting[i] = self->waiting[--self->nwaiting];
            return;
        }
}

//  The kernel had no room: wait for POLLOUT, or for a timer after ENOBUFS
//  (or when epoll cannot be asked)
static void
s_wait_room (io_tx_t *self, io_socket_t *sock, int blocked)
{
    sock->stats.tx_blocked++;
    s_waiting_add (self, sock);
    if (blocked != ENOBUFS && io_socket_arm (sock, self->epfd, EPOLLIN | EPOLLOUT) == 0) {
        sock->retry_at = 0;
        sock->retry_ms = 0;
        return;
    }
    io_socket_arm (sock, self->epfd, EPOLLIN);
    sock->retry_ms = sock->retry_ms ? sock->retry_ms * 2 : LIMIT_NOBUFS_RETRY_MS;
    if (sock->retry_ms > LIMIT_NOBUFS_RETRY_MAX_MS)
        sock->retry_ms = LIMIT_NOBUFS_RETRY_MAX_MS;
    sock->retry_at = clock_ms () + sock->retry_ms;
}

//  Copy a send into the backlog; out of memory, it fails (reported)
static void
s_backlog (io_tx_t *self, io_socket_t *sock, const uint8_t *record, const struct msghdr *hdr)
{
    const wire_rec_t *rec = (const wire_rec_t *) record;
    if (io_socket_backlog_add (sock, rec, record + sizeof *rec))
        return;
    s_failed (self, sock, hdr, ENOMEM);
    link_tx_release (sock->link, sock->tag, wire_rec_span (rec->size));
}

//  -------------------------------------------------------------------------
//  Runs

//  A send that joins no run: behind a backlog it joins the backlog; to a
//  socket that is down it fails, reported with the reason. Not inlined:
//  io_tx_queue's common case then sets up no stack for it (about 6
//  instructions fewer a send).
__attribute__ ((noinline)) static void
s_off_run (io_tx_t *self, io_socket_t *sock, const uint8_t *record)
{
    struct mmsghdr mm;
    struct iovec iov;
    uint8_t control[IO_TX_CONTROL];
    s_prepare (&mm, &iov, record, sock, control);
    if (!sock->failed) {
        s_backlog (self, sock, record, &mm.msg_hdr);
        return;
    }
    s_failed (self, sock, &mm.msg_hdr, sock->failed);
    link_tx_release (sock->link, sock->tag, wire_rec_span (iov.iov_len));
}

bool
io_tx_queue (io_tx_t *self, io_table_t *table, const wire_rec_t *rec, const uint8_t *record)
{
    //  Consecutive sends to one socket (the common case) skip the lookup:
    //  the run's socket is open (io_tx_forget ends its run before it closes)
    io_socket_t *sock = self->sock && self->sock->id == rec->socket
        ? self->sock
        : io_table_find (table, rec->socket);
    if (!sock) {
        //  Only a send racing its role's destroy names a closed socket
        self->stale_sends++;
        return false;
    }
    if (sock->failed) {
        s_off_run (self, sock, record);
        return false;
    }
    if (sock->backlog.count) {
        s_off_run (self, sock, record);
        return false;
    }
    if (self->sock != sock || self->count == LIMIT_TX_BATCH)
        io_tx_flush (self);
    self->sock = sock;
    unsigned i = self->count++;
    s_prepare (&self->msgs[i], &self->iov[i], record, sock, self->control[i]);
    self->records[i] = record;
    return true;
}

void
io_tx_hold (io_tx_t *self, zmq_msg_t *msg)
{
    //  zmq_msg_move closes its destination first: make it a message
    zmq_msg_t *held = &self->held[self->nheld++];
    zmq_msg_init (held);
    zmq_msg_move (held, msg);
    if (self->nheld == LIMIT_TX_BATCH)
        io_tx_flush (self);
}

void
io_tx_flush (io_tx_t *self)
{
    io_socket_t *sock = self->sock;
    if (sock && self->count) {
        int blocked;
        unsigned done = s_send (self, sock, self->msgs, self->count, &blocked);
        for (unsigned i = done; i < self->count; i++)
            s_backlog (self, sock, self->records[i], &self->msgs[i].msg_hdr);
        if (done < self->count)
            s_wait_room (self, sock, blocked);
        else
            sock->nobufs_since = 0;  //  nothing waits: a next ENOBUFS starts anew
    }
    self->sock = NULL;
    self->count = 0;
    for (unsigned i = 0; i < self->nheld; i++)
        zmq_msg_close (&self->held[i]);
    self->nheld = 0;
}

//  -------------------------------------------------------------------------
//  Backlogs

//  Send one batch from the front of the backlog; false when the kernel
//  had no room (waiting again)
static bool
s_drain_batch (io_tx_t *self, io_socket_t *sock)
{
    io_backlog_t *backlog = &sock->backlog;
    struct mmsghdr msgs[LIMIT_TX_BATCH];
    struct iovec iov[LIMIT_TX_BATCH];
    uint8_t control[LIMIT_TX_BATCH][IO_TX_CONTROL];
    size_t spans[LIMIT_TX_BATCH];
    unsigned n = 0;
    for (size_t at = backlog->head; at < backlog->tail && n < LIMIT_TX_BATCH; n++) {
        s_prepare (&msgs[n], &iov[n], backlog->data + at, sock, control[n]);
        spans[n] = wire_rec_span (iov[n].iov_len);
        at += spans[n];
    }
    int blocked;
    unsigned done = s_send (self, sock, msgs, n, &blocked);
    for (unsigned i = 0; i < done; i++)
        backlog->head += spans[i];
    backlog->count -= done;
    if (done == n)
        return true;
    s_wait_room (self, sock, blocked);
    return false;
}

void
io_tx_drain (io_tx_t *self, io_socket_t *sock)
{
    //  The run may hold sends to this socket that came before the backlog's
    if (self->sock == sock)
        io_tx_flush (self);
    while (sock->backlog.count)
        if (!s_drain_batch (self, sock))
            return;
    //  Drained: back to plain reading, and to runs (a socket that failed
    //  is left alone: its descriptor may not be ours)
    if (!sock->failed)
        io_socket_arm (sock, self->epfd, EPOLLIN);
    sock->retry_at = 0;
    sock->retry_ms = 0;
    sock->nobufs_since = 0;
    free (sock->backlog.data);
    memset (&sock->backlog, 0, sizeof sock->backlog);
    s_waiting_remove (self, sock);
}

int
io_tx_timeout (io_tx_t *self)
{
    int64_t earliest = 0;
    for (uint32_t i = 0; i < self->nwaiting; i++) {
        int64_t at = self->waiting[i]->retry_at;
        if (at && (!earliest || at < earliest))
            earliest = at;
    }
    return earliest ? clock_left (earliest) : -1;
}

void
io_tx_retry (io_tx_t *self)
{
    int64_t now = clock_ms ();
    //  Draining may take a socket off the list: walk it backwards
    for (uint32_t i = self->nwaiting; i-- > 0;) {
        io_socket_t *sock = self->waiting[i];
        if (sock->retry_at && sock->retry_at <= now)
            io_tx_drain (self, sock);
    }
}

void
io_tx_forget (io_tx_t *self, io_socket_t *sock)
{
    if (self->sock == sock)
        io_tx_flush (self);
    io_backlog_t *backlog = &sock->backlog;
    size_t released = 0;
    for (size_t at = backlog->head; at < backlog->tail;) {
        const wire_rec_t *rec = (const wire_rec_t *) (backlog->data + at);
        released += wire_rec_span (rec->size);
        at += wire_rec_span (rec->size);
    }
    sock->stats.tx_failed += backlog->count;
    if (released)
        link_tx_release (sock->link, sock->tag, released);
    s_waiting_remove (self, sock);
}
