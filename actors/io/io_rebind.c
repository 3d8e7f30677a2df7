/*  io_rebind.c - sockets that fail for good, and binding them again */
#define _GNU_SOURCE
#include "io_rebind.h"
#include "bounds.h"
#include "clock.h"
#include "error_fill.h"
#include "log.h"
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

void
io_rebind_init (io_rebind_t *self)
{
    memset (self, 0, sizeof *self);
}

void
io_rebind_destroy (io_rebind_t *self)
{
    free (self->marked);
    free (self->down);
    memset (self, 0, sizeof *self);
}

//  Append id to a list; false when out of memory
static bool
s_push (uint32_t **list, uint32_t *count, uint32_t *room, uint32_t id)
{
    if (*count == *room) {
        uint32_t more = *room ? *room * 2 : ROOM_FIRST_LIST;
        uint32_t *grown = realloc (*list, more * sizeof *grown);
        if (!grown)
            return false;
        *list = grown;
        *room = more;
    }
    (*list)[(*count)++] = id;
    return true;
}

void
io_rebind_mark (io_rebind_t *self, io_socket_t *sock, int err)
{
    if (sock->failed)
        return;
    sock->failed = err;
    //  Out of memory, it is not closed: every send to it fails meanwhile
    sock->marked = s_push (&self->marked, &self->nmarked, &self->marked_room, sock->id);
    if (!sock->marked)
        log_error ("asynrole io: out of memory: a failed socket stays open");
}

//  Wait for room no more: what waited fails with the socket; how many
static uint64_t
s_abandon_backlog (io_tx_t *tx, io_socket_t *sock)
{
    uint64_t waited = sock->backlog.count;
    io_tx_forget (tx, sock);
    free (sock->backlog.data);
    memset (&sock->backlog, 0, sizeof sock->backlog);
    sock->retry_at = 0;
    sock->retry_ms = 0;
    return waited;
}

//  What arrived before the socket failed, read to its end (a paused
//  socket's queue may be its whole receive buffer, more than one
//  io_rx_read takes), at most what the buffer can hold: delivered, or
//  dropped and counted, rather than closed with the descriptor
static void
s_read_out (const io_rebind_ctx_t *ctx, io_socket_t *sock)
{
    const uint64_t per_call = (uint64_t) LIMIT_RX_ROUNDS * LIMIT_RX_BATCH;
    uint64_t calls = sock->stats.rcvbuf / LIMIT_RX_TRUESIZE_MIN / per_call + 1;
    for (uint64_t call = 0; call < calls; call++) {
        uint64_t before = sock->stats.rx_datagrams;
        if (io_rx_read (ctx->rx, sock, ctx->roles) || sock->stats.rx_datagrams - before < per_call)
            return;
    }
}

//  Close one marked socket, tell its role, and put it on the down list
//  (first try: at once, so that an address that is still there elsewhere
//  costs no interval)
static void
s_settle (io_rebind_t *self, const io_rebind_ctx_t *ctx, io_socket_t *sock)
{
    sock->marked = false;
    //  What arrived before it failed is delivered (a descriptor that is
    //  gone is not ours to read), or dropped and counted: a paused socket
    //  too (its queue would go with the descriptor, uncounted), which comes
    //  back unpaused and reads as its role's room says
    io_roles_unpause (ctx->roles, sock);
    if (sock->fd >= 0 && !io_socket_gone (sock->failed))
        s_read_out (ctx, sock);
    uint64_t waited = s_abandon_backlog (ctx->tx, sock);
    io_socket_shut (sock);
    sock->stats.went_down++;
    sock->stats.down = 1;
    io_roles_report_count (ctx->roles, sock, ASYNROLE_OP_INTERFACE, sock->failed,
                           &sock->stats.local, waited);
    if (sock->adopted || sock->spec.rebind_ms < 0)
        return;
    sock->rebind_at = clock_ms ();
    if (!s_push (&self->down, &self->ndown, &self->down_room, sock->id)) {
        log_error ("asynrole io: out of memory: a failed socket will not be bound again");
        sock->rebind_at = 0;
        return;
    }
    self->next = sock->rebind_at;
}

void
io_rebind_settle (io_rebind_t *self, const io_rebind_ctx_t *ctx)
{
    //  Settling reads what is queued, which may mark others: take the list
    for (uint32_t i = 0; i < self->nmarked; i++) {
        io_socket_t *sock = io_table_find (ctx->table, self->marked[i]);
        if (sock && sock->marked)
            s_settle (self, ctx, sock);
    }
    self->nmarked = 0;
}

//  Whether a socket is bound to the address that went (IPv6 link-local:
//  on that interface)
static bool
s_bound_to (const io_socket_t *sock, const asynrole_addr_t *addr)
{
    const asynrole_addr_t *local = &sock->stats.local;
    if (sock->wildcard || local->u.sa.sa_family != addr->u.sa.sa_family)
        return false;
    if (addr->u.sa.sa_family == AF_INET)
        return local->u.in.sin_addr.s_addr == addr->u.in.sin_addr.s_addr;
    return memcmp (&local->u.in6.sin6_addr, &addr->u.in6.sin6_addr, sizeof addr->u.in6.sin6_addr)
        == 0
        && (!addr->u.in6.sin6_scope_id || local->u.in6.sin6_scope_id == addr->u.in6.sin6_scope_id);
}

//  Whether a socket went with the interface: bound to it by name, or to
//  an IPv6 link-local address on it
static bool
s_on_link (const io_socket_t *sock, const io_watch_event_t *event)
{
    if (sock->spec.device[0])
        return event->name[0] && strcmp (sock->spec.device, event->name) == 0;
    const asynrole_addr_t *local = &sock->stats.local;
    return local->u.sa.sa_family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL (&local->u.in6.sin6_addr)
        && local->u.in6.sin6_scope_id == event->ifindex;
}

//  Every down socket is due now
static void
s_soon (io_rebind_t *self, io_table_t *table)
{
    if (!self->ndown)
        return;
    int64_t now = clock_ms ();
    for (uint32_t i = 0; i < self->ndown; i++) {
        io_socket_t *sock = io_table_find (table, self->down[i]);
        if (sock)
            sock->rebind_at = now;
    }
    self->next = now;
}

//  Whether an address is absent, asked of the kernel itself by binding a
//  probe to it (any port): the errno that says so (EADDRNOTAVAIL; ENODEV,
//  a link-local address's interface gone), 0 when it is there, -1 when
//  there is no telling (no descriptor for the probe)
static int
s_absent (const asynrole_addr_t *addr)
{
    asynrole_addr_t probe = *addr;
    if (probe.u.sa.sa_family == AF_INET)
        probe.u.in.sin_port = 0;
    else
        probe.u.in6.sin6_port = 0;
    int fd = socket (probe.u.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int err = bind (fd, &probe.u.sa, probe.len) ? errno : 0;
    close (fd);
    return err == EADDRNOTAVAIL || err == ENODEV ? err : err ? -1 : 0;
}

int
io_rebind_gone (const io_socket_t *sock)
{
    //  if_nametoindex needs a descriptor too: only ENODEV says it is gone
    if (sock->spec.device[0] && !if_nametoindex (sock->spec.device) && errno == ENODEV)
        return ENODEV;
    int err = sock->wildcard ? 0 : s_absent (&sock->stats.local);
    return err > 0 ? err : 0;
}

//  News was lost (the netlink socket's buffer overflowed): an address or a
//  device that went meanwhile is found by asking (rare: a look, and a
//  probe, for every socket that serves)
static void
s_recheck (io_rebind_t *self, io_table_t *table)
{
    for (uint32_t slot = 0; slot < table->used; slot++) {
        io_socket_t *sock = table->slots[slot];
        int err = sock && !sock->failed ? io_rebind_gone (sock) : 0;
        if (err)
            io_rebind_mark (self, sock, err);
    }
}

void
io_rebind_news (io_rebind_t *self, io_table_t *table, const io_watch_event_t *event)
{
    if (event->kind == IO_WATCH_OVERFLOW)
        s_recheck (self, table);
    if (event->kind != IO_WATCH_ADDR_GONE && event->kind != IO_WATCH_LINK_GONE) {
        s_soon (self, table);
        return;
    }
    //  Rare (an address or a link deleted): a look at every socket. An
    //  address deleted from one interface may be another's too (the same
    //  address on two, a secondary promoted): one probe, once a socket
    //  bound to it is found, says whether it really went
    bool asked = false;
    int absent = 0;
    for (uint32_t slot = 0; slot < table->used; slot++) {
        io_socket_t *sock = table->slots[slot];
        if (!sock || sock->failed)
            continue;
        if (event->kind == IO_WATCH_LINK_GONE) {
            if (s_on_link (sock, event))
                io_rebind_mark (self, sock, ENODEV);
            continue;
        }
        if (!s_bound_to (sock, &event->addr))
            continue;
        if (!asked)
            absent = s_absent (&event->addr);
        asked = true;
        if (absent == 0)
            return;
        io_rebind_mark (self, sock, EADDRNOTAVAIL);
    }
}

int
io_rebind_timeout (const io_rebind_t *self)
{
    return self->next ? clock_left (self->next) : -1;
}

void
io_rebind_claim (io_rebind_t *self, io_table_t *table, io_socket_t *sock)
{
    io_socket_t *lost = io_table_take_fd (table, sock);
    if (!lost)
        return;
    //  Its number is not its own any more: never used, read or closed by it
    lost->fd = -1;
    lost->armed = 0;
    io_rebind_mark (self, lost, EBADF);
}

//  Bind one socket again; true when it serves again
static bool
s_rebind (io_rebind_t *self, const io_rebind_ctx_t *ctx, io_socket_t *sock)
{
    asynrole_error_t error;
    int rc = io_socket_rebind (sock, &error);
    if (rc == 0 && io_socket_arm (sock, ctx->epfd, EPOLLIN)) {
        rc = error_network (&error, ASYNROLE_OP_SOCKET, errno, &sock->stats.local);
        close (sock->fd);
        sock->fd = -1;
    }
    if (rc == 0) {
        sock->failed = 0;
        sock->rebind_at = 0;
        sock->stats.down = 0;
        sock->stats.rebound++;
        io_rebind_claim (self, ctx->table, sock);
        io_roles_report_count (ctx->roles, sock, ASYNROLE_OP_INTERFACE, 0, &sock->stats.local, 0);
        return true;
    }
    if (ctx->roles->verbose)
        log_info ("asynrole io: binding again: %s", error.detail);
    sock->rebind_at = clock_ms () + sock->spec.rebind_ms;
    return false;
}

void
io_rebind_retry (io_rebind_t *self, const io_rebind_ctx_t *ctx)
{
    if (!self->next || self->next > clock_ms ())
        return;
    int64_t now = clock_ms (), next = 0;
    for (uint32_t i = 0; i < self->ndown;) {
        io_socket_t *sock = io_table_find (ctx->table, self->down[i]);
        bool done = !sock || !sock->failed;
        if (!done && sock->rebind_at <= now)
            done = s_rebind (self, ctx, sock);
        if (done) {
            self->down[i] = self->down[--self->ndown];
            continue;
        }
        if (!next || sock->rebind_at < next)
            next = sock->rebind_at;
        i++;
    }
    self->next = next;
}
