/*  asynrole_io.h - the I/O actor: owns the UDP sockets

    One I/O actor serves any number of Managers and Agents and their sockets.
    It waits on one epoll set holding every UDP socket, reads with recvmmsg
    into 64 KiB buffers (a capped number per wake-up), forwards each batch to
    the owning role over an inproc pipe without ever waiting for the role, and
    writes with sendmmsg. A role whose queue is full loses datagrams, which are
    counted (asynrole_stats_t.dropped) and reported to it as an
    ASYNROLE_EDROPPED error event once its queue has room again.

    What it sends a role: one message per recvmmsg batch, a single frame of
    records (actors/wire.h: for each datagram the socket, peer, local
    address, interface, flags, sizes and payload; also error and drop
    records), not one multi-frame message per datagram: a batch crosses the
    pipe for about a quarter of the CPU (docs/design.md). The one message
    per datagram form is the role's data socket (asynrole_event.h).

    The object is reference-counted: each role sharing it holds a reference,
    so it may be destroyed before or after the roles; the actor stops when the
    last holder lets go.

    Commands on the actor pipe (asynrole_io_actor), each answered as shown:

        zsock_send (actor, "s", "STATS");
            -> zsock_recv (actor, "ib", &count, &stats, &size)
               count asynrole_stats_t records, one per socket
        zsock_send (actor, "si", "VERBOSE", 1);        //  no answer
        zsock_send (actor, "s", "$TERM");
            //  asynrole_io_destroy sends it when the last holder lets go;
            //  sent by anyone else it is refused:
            -> zsock_recv (actor, "is", &code, &text)  code ASYNROLE_EBADARG
        any other command
            -> zsock_recv (actor, "is", &code, &text)  code ASYNROLE_EBADARG

    Thread safety: every function here is safe from any thread. Use the raw
    actor pipe from one thread at a time, and not together with these calls.
*/
#ifndef ASYNROLE_IO_H_INCLUDED
#define ASYNROLE_IO_H_INCLUDED

#include "asynrole_types.h"
#include <czmq.h>

#ifdef __cplusplus
extern "C" {
#endif

//  Start an I/O actor. Returns NULL (error filled) if it cannot start.
asynrole_io_t *asynrole_io_new (asynrole_error_t *error);

//  Let go of the caller's reference and null the pointer; the actor stops
//  when no role holds it any longer.
void asynrole_io_destroy (asynrole_io_t **self_p);

//  Take another reference (for each extra holder); returns self
asynrole_io_t *asynrole_io_ref (asynrole_io_t *self);

//  Counters of every socket the actor owns. Fills at most max records and
//  returns how many sockets there are (which may be more than max), or -1.
int asynrole_io_stats (asynrole_io_t *self, asynrole_stats_t *stats, size_t max);

//  Log what the actor does (socket opened, closed, errors) via zsys
void asynrole_io_set_verbose (asynrole_io_t *self, bool verbose);

//  The actor, for raw pipe commands
zactor_t *asynrole_io_actor (asynrole_io_t *self);

#ifdef __cplusplus
}
#endif
#endif
