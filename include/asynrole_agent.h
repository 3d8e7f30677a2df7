/*  asynrole_agent.h - the Agent role: an asynchronous UDP server

    An Agent serves every interface it is given, one socket each, IPv4 and
    IPv6 mixed (default "127.0.0.1:161"), and talks to many clients.
    Interfaces are addresses, or bound sockets to adopt: "fd:N",
    "systemd:NAME" (asynrole_listen.h). asynrole_agent_reply answers a
    request through the socket it came in on, from the address it was sent
    to (a wildcard socket names that source per reply: docs/deployment.md);
    a send to an address whose via names a socket leaves through that one,
    and an address without via (the zero value) through the first socket of
    its family.

    Callback mode (the default): the callback is required and runs in the
    Agent's own thread for every request and every error:
        callback (agent, ctx, datagram, NULL)   or
        callback (agent, ctx, NULL, error)
    Pipe mode (options.pipe_mode, callback NULL): events arrive on
    asynrole_agent_socket (); read them with asynrole_event_recv (). The
    reading thread may hold its replies to leave as one message
    (asynrole_agent_hold, asynrole_agent_flush).

    Commands on the actor pipe (asynrole_agent_actor), each answered as shown:

        zsock_send (actor, "ssbi", "SEND", destination, data, size, socket);
            -> zsock_recv (actor, "is", &code, &text)  //  socket: index, or -1 = by
               family; destination numeric; never waits (ASYNROLE_EWOULDBLOCK)
        zsock_send (actor, "s", "STATS");
            -> zsock_recv (actor, "ib", &count, &stats, &size)  //  asynrole_stats_t each
        zsock_send (actor, "si", "VERBOSE", 1);
            -> zsock_recv (actor, "is", &code, &text)  //  value 0 or 1, else EBADARG
        zsock_send (actor, "si", "DUMP", 1);
            -> zsock_recv (actor, "is", &code, &text)  //  likewise
        CAPTURE, CAPTURE-STOP: as in asynrole_deploy.h
        zsock_send (actor, "s", "$TERM");
            -> zsock_recv (actor, "is", &code, &text)  //  refused (EBADARG): use _destroy
        any other command
            -> zsock_recv (actor, "is", &code, &text)  //  code ASYNROLE_EBADARG

    Replies made in the callback (asynrole_agent_reply, _send, _try_send
    on this Agent) leave together: the Agent's thread holds them while it
    runs the callbacks of one batch (the datagrams one read brought, up to
    64 per socket) and hands them to the I/O actor as one message when the
    last callback of the batch returns; the details, and when they go
    sooner, are in asynrole_manager.h ("Sends from the callback").

    Deadlines, threads and destroying from the callback: as for the Manager
    (asynrole_manager.h); the Agent's sockets all close before the last
    ASYNROLE_ECLOSED callback.
*/
#ifndef ASYNROLE_AGENT_H_INCLUDED
#define ASYNROLE_AGENT_H_INCLUDED

#include "asynrole_types.h"

#ifdef __cplusplus
extern "C" {
#endif

//  Exactly one of datagram and error is non-NULL
typedef void (asynrole_agent_fn) (asynrole_agent_t *agent, void *ctx,
                                  const asynrole_datagram_t *datagram,
                                  const asynrole_error_t *error);

//  Create an Agent serving count interfaces (ifaces NULL or count 0 =
//  "127.0.0.1:161"). All are bound or none: a failure names the address and
//  the reason (a privileged port: EACCES; a port in use: EADDRINUSE; out of
//  descriptors: ASYNROLE_ERESOURCE). Returns NULL with error filled on failure.
ASYNROLE_EXPORT asynrole_agent_t *asynrole_agent_new (asynrole_agent_fn *callback, void *ctx,
                                                      const char *const *ifaces, size_t count,
                                                      const asynrole_options_t *options,
                                                      asynrole_error_t *error);

//  Close the sockets, free everything, null *self_p. From the Agent's own
//  callback: deferred until the callback returns. A workers actor on it
//  (asynrole_remote.h) is first detached: it stops reading the Agent and
//  forgets it (waiting at most that actor's options.timeout).
ASYNROLE_EXPORT void asynrole_agent_destroy (asynrole_agent_t **self_p);

//  Send a datagram to destination (0..65507 bytes over IPv4, 0..65527 over
//  IPv6). Returns 0 once the I/O actor has it queued (from the Agent's own
//  callback: once it is held, to leave when the batch's callbacks are
//  done; 0 means it will leave), -1 with
//  ASYNROLE_EBADARG (no socket of that family, a bad via) or
//  ASYNROLE_EWOULDBLOCK (the send queue stayed full for send_timeout).
ASYNROLE_EXPORT int asynrole_agent_send (asynrole_agent_t *self, const void *data, size_t size,
                                         const asynrole_addr_t *destination,
                                         asynrole_error_t *error);

//  The same, but never waits: ASYNROLE_EWOULDBLOCK at once when the queue is full
ASYNROLE_EXPORT int asynrole_agent_try_send (asynrole_agent_t *self, const void *data, size_t size,
                                             const asynrole_addr_t *destination,
                                             asynrole_error_t *error);

//  Answer a datagram the Agent received: to its sender, through the socket
//  it came in on
ASYNROLE_EXPORT int asynrole_agent_reply (asynrole_agent_t *self,
                                          const asynrole_datagram_t *request, const void *data,
                                          size_t size, asynrole_error_t *error);

//  The same, but never waits: ASYNROLE_EWOULDBLOCK at once when the queue
//  is full (the Agent's workers actor replies so: asynrole_remote.h)
ASYNROLE_EXPORT int asynrole_agent_try_reply (asynrole_agent_t *self,
                                              const asynrole_datagram_t *request, const void *data,
                                              size_t size, asynrole_error_t *error);

//  Pipe mode: hold this thread's sends on this Agent (asynrole_agent_reply,
//  _send, _try_send), to leave as one message at asynrole_agent_flush, as a
//  callback's replies do in callback mode (one allocation, one push, one
//  wake-up of the I/O actor for all of them, not one each). The records
//  held still take their credit of send_queue, and the return of each send
//  means what it means in a callback: 0, it will leave. What is held goes
//  sooner, and the hold goes on, when it reaches 256 KiB and before this
//  thread waits in any call of the library (a send short of credit pushes
//  what it holds, then waits; _stats, blocking calls); the hold ENDS, what
//  is held gone, when asynrole_event_recv on this thread is about to wait
//  for a message (timeout > 0 and nothing there: a reader that drains its
//  socket, then waits, never strands replies; one that waits by other
//  means, zmq_poll or a zpoller, flushes first), and when this thread
//  destroys the Agent. Sends from other threads go at once, as ever.
//  Returns 0, or -1 with ASYNROLE_EBADARG: a callback-mode Agent (its
//  callbacks' replies are held already); another thread holds this Agent
//  (one holder at a time); this thread holds another Agent's sends, or
//  runs a callback batch (flush first); ASYNROLE_ECLOSED: being destroyed.
//  Again from the holder: 0, nothing changes.
//  A hold is a call under way until it ends: asynrole_agent_destroy from
//  another thread waits for it as for any call (sends within the hold
//  then fail with ASYNROLE_ECLOSED; the flush still pushes what was held
//  before), up to max(options.timeout, 5 s); past that, the destroy
//  returns (logging that calls are under way) and the Agent is freed by
//  the flush that ends the hold, so the holder must end it: a thread that
//  exits holding leaks the Agent.
ASYNROLE_EXPORT int asynrole_agent_hold (asynrole_agent_t *self, asynrole_error_t *error);

//  End this thread's hold: what is held leaves as one message. Returns 0,
//  or -1 when pushes of this hold (or of a hold asynrole_event_recv ended
//  since the last flush) failed: their credit is given back, each counts
//  in stats tx_failed, and error (ASYNROLE_ENOMEM, ASYNROLE_EINTERNAL) says
//  why, its count the records lost. Without a hold of this thread's on
//  this Agent (none, another thread's, callback mode): 0, nothing done.
//  The Agent may be freed in this call when a destroy gave up waiting
//  for the hold (asynrole_agent_hold): use it no more after such a destroy.
ASYNROLE_EXPORT int asynrole_agent_flush (asynrole_agent_t *self, asynrole_error_t *error);

//  Number of interfaces served, and the address each is bound to
ASYNROLE_EXPORT size_t asynrole_agent_count (asynrole_agent_t *self);
ASYNROLE_EXPORT const asynrole_addr_t *asynrole_agent_local (asynrole_agent_t *self, size_t index);

//  Counters, one record per interface; fills at most max, returns the number
//  of interfaces or -1 (ASYNROLE_ETIMEOUT, ...)
ASYNROLE_EXPORT int asynrole_agent_stats (asynrole_agent_t *self, asynrole_stats_t *stats,
                                          size_t max, asynrole_error_t *error);

//  Change how long _stats waits (options.timeout), 1 ms to one day
ASYNROLE_EXPORT int asynrole_agent_set_timeout (asynrole_agent_t *self, int timeout,
                                                asynrole_error_t *error);

ASYNROLE_EXPORT void asynrole_agent_set_verbose (asynrole_agent_t *self, bool verbose);
ASYNROLE_EXPORT void asynrole_agent_set_dump (asynrole_agent_t *self, bool dump);

//  The data socket (pipe mode; a libzmq socket), NULL in callback mode
ASYNROLE_EXPORT void *asynrole_agent_socket (asynrole_agent_t *self);

//  The actor pipe, for raw commands (a libzmq socket)
ASYNROLE_EXPORT void *asynrole_agent_actor (asynrole_agent_t *self);

#ifdef __cplusplus
}
#endif
#endif
