/*  io_rebind.h - sockets that fail for good, and binding them again

    A class the I/O actor owns. A socket is marked when it fails for good
    (its descriptor or device is gone: a receive or a send said so) or when
    the kernel says its address or device went away (io_watch). Once the
    current step of the loop is over, each marked socket is settled: what
    its receive queue holds is delivered, the sends waiting for room fail
    (counted), its descriptor is closed, and its role gets one event, op
    ASYNROLE_OP_INTERFACE with the errno. While it is down every send to it
    fails (reported), and every spec.rebind_ms it is bound again at the
    address it asked for (any: the kernel picks a source that is there) and
    the port it had, first at once and again whenever an address or a link
    comes; when that works the role gets a notice (code ASYNROLE_OK, op
    ASYNROLE_OP_INTERFACE) and the socket serves again. Adopted sockets,
    and sockets of roles that asked for no rebinding (-1), stay down.

    A descriptor opened or bound again is checked against the other
    sockets: one that still takes its number for its own lost its
    descriptor unnoticed (closed behind our back) and is marked too.

    Lists hold socket ids, not pointers: a socket closed meanwhile (its role
    detached) is simply not found. Nothing here runs per datagram. */
#ifndef ASYNROLE_IO_REBIND_H_INCLUDED
#define ASYNROLE_IO_REBIND_H_INCLUDED

#include "io_roles.h"
#include "io_rx.h"
#include "io_table.h"
#include "io_tx.h"
#include "io_watch.h"

typedef struct io_rebind_s {
    uint32_t *marked;  //  ids of sockets to settle
    uint32_t nmarked;
    uint32_t marked_room;
    uint32_t *down;  //  ids of sockets waiting to be bound again
    uint32_t ndown;
    uint32_t down_room;
    int64_t next;  //  the earliest rebind_at of the down list; 0 = none
} io_rebind_t;

//  What settling and rebinding work with: the I/O actor's parts
typedef struct {
    io_table_t *table;
    io_roles_t *roles;
    io_rx_t *rx;
    io_tx_t *tx;
    int epfd;
} io_rebind_ctx_t;

void io_rebind_init (io_rebind_t *self);
void io_rebind_destroy (io_rebind_t *self);

//  The socket fails for good with err (or its address or device went):
//  every send to it fails from now; it is settled by io_rebind_settle
void io_rebind_mark (io_rebind_t *self, io_socket_t *sock, int err);

//  Whether sockets wait to be settled
static inline bool
io_rebind_pending (const io_rebind_t *self)
{
    return self->nmarked > 0;
}

//  Settle the marked sockets (see above)
void io_rebind_settle (io_rebind_t *self, const io_rebind_ctx_t *ctx);

//  What the kernel said: mark the sockets an address or link took with it;
//  try every down socket at once when one came; when news was lost, ask
//  the kernel whether each serving socket's address and device are there
void io_rebind_news (io_rebind_t *self, io_table_t *table, const io_watch_event_t *event);

//  Whether what a socket is bound to is gone, asked of the kernel: its
//  device (options.device) by name, its address by binding a probe to it.
//  The errno that says so (ENODEV, EADDRNOTAVAIL), else 0. Syscalls: for
//  rare paths only.
int io_rebind_gone (const io_socket_t *sock);

//  sock has just got a descriptor (opened, or bound again): a socket that
//  still takes that number for its own lost its descriptor unnoticed
//  (closed behind our back, and no send since: epoll forgets a closed
//  descriptor) and is marked (EBADF)
void io_rebind_claim (io_rebind_t *self, io_table_t *table, io_socket_t *sock);

//  Milliseconds until a socket is due to be bound again, -1 when none waits
int io_rebind_timeout (const io_rebind_t *self);

//  Bind again the sockets that are due
void io_rebind_retry (io_rebind_t *self, const io_rebind_ctx_t *ctx);

#endif
