/*  asynrole_io.h - the I/O actor: owns the UDP sockets

    One I/O actor serves any number of Managers and Agents and their sockets.
    It waits on one epoll set holding every UDP socket, reads with recvmmsg
    into 64 KiB buffers (a capped number per wake-up), forwards each batch to
    the owning role over an inproc pipe without ever waiting for the role, and
    writes with sendmmsg. A role that holds its max_bytes loses datagrams,
    which are counted (asynrole_stats_t.dropped) and reported to it as an
    ASYNROLE_EDROPPED error event as soon as it has room again. A send the
    kernel has no room for waits in the I/O actor for POLLOUT, and senders
    wait when their socket's queue is full: nothing is lost for lack of room.

    The object is reference-counted: each role sharing it holds a reference,
    so it may be destroyed before or after the roles; the actor stops when the
    last holder lets go.

    Commands on the actor pipe (asynrole_io_actor), each answered as shown:

        zsock_send (actor, "s", "STATS");
            -> zsock_recv (actor, "ib", &count, &stats, &size)
               count asynrole_stats_t records, one per socket
        zsock_send (actor, "s", "TOTALS");
            -> zsock_recv (actor, "ib", &count, &totals, &size)
               count 1, an asynrole_io_totals_t
        zsock_send (actor, "si", "VERBOSE", 1);
            -> zsock_recv (actor, "is", &code, &text)  code 0, or EBADARG
        CAPTURE, CAPTURE-STOP: as in asynrole_deploy.h
        zsock_send (actor, "s", "$TERM");
            //  asynrole_io_destroy sends it when the last holder lets go;
            //  sent by anyone else it is refused:
            -> zsock_recv (actor, "is", &code, &text)  code ASYNROLE_EBADARG
        any other command
            -> zsock_recv (actor, "is", &code, &text)  code ASYNROLE_EBADARG

    The actor pipe is a libzmq socket (void *): every CZMQ call that takes a
    socket takes it (zsock_send, zsock_recv, zpoller, zmsg_recv; zloop_reader
    with a cast). asynrole makes its sockets with libzmq directly, because
    CZMQ 4.2.1's constructors abort the process when descriptors run out.

    Deadlines: _stats and _totals wait at most ASYNROLE_DEFAULT_TIMEOUT ms
    (5 s) for the actor's answer, then fail with ASYNROLE_ETIMEOUT.

    Thread safety: every function here is safe from any thread. Use the raw
    actor pipe from one thread at a time, and not together with these calls.
*/
#ifndef ASYNROLE_IO_H_INCLUDED
#define ASYNROLE_IO_H_INCLUDED

#include "asynrole_types.h"

#ifdef __cplusplus
extern "C" {
#endif

//  What the I/O actor counts beyond its sockets
typedef struct {
    uint64_t roles;           //  roles attached now
    uint64_t sockets;         //  UDP sockets open now
    uint64_t stale_sends;     //  sends naming a socket already closed (dropped)
    uint64_t answers_failed;  //  answers libzmq refused (the caller timed out)
    uint64_t requests_bad;    //  malformed requests from roles, ignored
    asynrole_stats_t closed;  //  the counters of every socket closed so far,
                              //  summed (local is empty)
    uint64_t news;            //  the kernel's messages of addresses and links read
    uint64_t news_lost;       //  times the kernel dropped such news for us (every
                              //  socket that is down then tries to bind at once)
    uint64_t news_malformed;  //  messages of it skipped as malformed
    bool news_watched;        //  false when the kernel refused us its news (a
                              //  sandbox): failed sends and receives still close
                              //  sockets, and the rebind timer still runs
} asynrole_io_totals_t;

//  Start an I/O actor. Returns NULL (error filled: ERESOURCE, ENOMEM) if it
//  cannot start.
ASYNROLE_EXPORT asynrole_io_t *asynrole_io_new (asynrole_error_t *error);

//  Let go of the caller's reference and null the pointer; the actor stops
//  when no role holds it any longer.
ASYNROLE_EXPORT void asynrole_io_destroy (asynrole_io_t **self_p);

//  Take another reference (for each extra holder); returns self
ASYNROLE_EXPORT asynrole_io_t *asynrole_io_ref (asynrole_io_t *self);

//  Counters of every socket the actor owns. Fills at most max records and
//  returns how many sockets there are (which may be more than max), or -1.
ASYNROLE_EXPORT int asynrole_io_stats (asynrole_io_t *self, asynrole_stats_t *stats, size_t max,
                                       asynrole_error_t *error);

//  The actor's own counters. Returns 0 or -1.
ASYNROLE_EXPORT int asynrole_io_totals (asynrole_io_t *self, asynrole_io_totals_t *totals,
                                        asynrole_error_t *error);

//  Log what the actor does (socket opened, closed, errors), to stderr
ASYNROLE_EXPORT void asynrole_io_set_verbose (asynrole_io_t *self, bool verbose);

//  The actor pipe, for raw commands (a libzmq socket)
ASYNROLE_EXPORT void *asynrole_io_actor (asynrole_io_t *self);

#ifdef __cplusplus
}
#endif
#endif
