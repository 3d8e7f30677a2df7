/*  asynrole_manager.h - the Manager role: an asynchronous UDP client

    A Manager owns one UDP socket (in an I/O actor) and talks to one or more
    servers over it. Given a default destination, its socket is connected and
    every send goes there; naming another destination is then ASYNROLE_EBADARG.

    Callback mode (the default): the callback runs in the Manager's own thread
    for every datagram that arrives and for every error:
        callback (manager, ctx, datagram, NULL)   or
        callback (manager, ctx, NULL, error)
    A Manager may start without a callback and get one with the first send
    (asynrole_manager_send_with), as the seed's Manager did; datagrams that
    arrive while it has none are counted in asynrole_manager_unhandled ().

    Pipe mode (options.pipe_mode): datagrams and errors arrive instead as
    messages on asynrole_manager_socket (), for your own zpoller or zloop;
    read them with asynrole_event_recv () (frames in asynrole_event.h).

    Commands on the actor pipe (asynrole_manager_actor), each answered as shown:

        zsock_send (actor, "ssb", "SEND", destination, data, size);
            -> zsock_recv (actor, "is", &code, &text)   //  destination: numeric, "" =
               default; never waits (a full send queue: ASYNROLE_EWOULDBLOCK)
        zsock_send (actor, "s", "STATS");
            -> zsock_recv (actor, "ib", &count, &stats, &size) //  count 1, or -1
        zsock_send (actor, "spp", "CALLBACK", (void *) callback, ctx);
            -> zsock_recv (actor, "is", &code, &text)  //  as asynrole_manager_set_callback
        zsock_send (actor, "si", "VERBOSE", 1);
            -> zsock_recv (actor, "is", &code, &text)  //  value 0 or 1, else EBADARG
        zsock_send (actor, "si", "DUMP", 1);
            -> zsock_recv (actor, "is", &code, &text)  //  likewise
        CAPTURE, CAPTURE-STOP: as in asynrole_deploy.h
        zsock_send (actor, "s", "$TERM");
            -> zsock_recv (actor, "is", &code, &text)  //  refused (EBADARG): use _destroy
        DESTINATIONS, REQUESTS, CANCEL, CANCEL-ALL, RESET: the request
            engine's (asynrole_request.h)
        any other command
            -> zsock_recv (actor, "is", &code, &text)   //  code ASYNROLE_EBADARG

    Requests with timeouts, retries and reply matching: asynrole_request.h;
    blocking send-and-receive and bulk dispatch: asynrole_blocking.h.

    Where a call waits, and for how long at most:
        _new waits for each step of its start (attaching to the I/O actor,
            opening each socket): options.timeout each, and at least 5 s,
            then fails with ASYNROLE_ETIMEOUT, nothing left open;
        _stats waits options.timeout (5 s by default) for the I/O actor's
            answer, then fails with ASYNROLE_ETIMEOUT;
        _send waits only when its socket's send queue holds send_queue bytes
            the kernel has not taken (the kernel's buffer is full): then up
            to send_timeout, and fails with ASYNROLE_EWOULDBLOCK. _try_send
            fails with ASYNROLE_EWOULDBLOCK at once instead;
        _destroy ends every request still under way (ASYNROLE_ECLOSED, their
            callbacks run before it returns), waits for the calls under way
            in other threads (a step's time at most: one still running then
            frees the Manager's memory when it leaves), then for the I/O
            actor to close the socket (as long as a step of _new).

    Replacing the callback (_set_callback, _send_with): datagrams already
    read when it changes may still reach the previous callback (at most one
    batch of 64). Keep the previous context alive until a datagram has come
    through the new callback, or until the Manager is destroyed.

    Sends from the callback: a send on this role (_send, _try_send,
    _send_with; the request engine's attempts and retries) made by the
    role's own thread while it runs the callbacks of one batch (the
    datagrams one read brought), or the request engine's turn after a
    wake-up, is held and leaves with the others of that batch, as one
    message to the I/O actor, when the batch's callbacks are done. It
    leaves sooner when the held sends reach 256 KiB, and before anything on
    that thread could wait: a send that finds its socket's send queue full
    (it first pushes what is held, then waits as any send does), _stats and
    the other calls that ask the I/O actor, a blocking call, a destroy. Its
    credit is reserved when the call is made, as for any send, and 0 means
    it will leave; in order with the thread's other sends on this role.
    Sends on another role, and sends from other threads, go at once. The
    push of held sends never fails while the I/O actor lives (nothing
    bounds its inbound pipe); if it did, each send's credit is given back,
    it is counted in stats.tx_failed, and the callback gets one error with
    ASYNROLE_OP_SEND and count = the sends lost. A role destroyed from its
    callback still sends what it held, before its sockets close.

    Destroying the Manager from its own callback is allowed: it ends when the
    callback returns. Its socket closes, then the callback runs once more,
    with an ASYNROLE_ECLOSED error, and never again: ctx may be freed then.

    Threads:
        any thread, callbacks included: every call. A call under way when
            _destroy begins in another thread ends first (a send waiting for
            room gives up with ASYNROLE_ECLOSED); a call made after _destroy
            began fails with ASYNROLE_ECLOSED until it returns; after that the
            pointer is gone
        one thread at a time: reading _socket (); using the raw _actor pipe
        from a callback: do not wait on another role whose callback waits on
            this one (two callbacks destroying each other's roles wait for ever)
*/
#ifndef ASYNROLE_MANAGER_H_INCLUDED
#define ASYNROLE_MANAGER_H_INCLUDED

#include "asynrole_types.h"

#ifdef __cplusplus
extern "C" {
#endif

//  Exactly one of datagram and error is non-NULL
typedef void (asynrole_manager_fn) (asynrole_manager_t *manager, void *ctx,
                                    const asynrole_datagram_t *datagram,
                                    const asynrole_error_t *error);

//  Create a Manager. destination: default destination or NULL; iface: local
//  address to bind, NULL = any address of the destination's family (IPv4
//  without one), ephemeral port. callback may be NULL in callback mode and
//  must be NULL in pipe mode. Host names are resolved here, in the caller's
//  thread. Returns NULL with error filled on failure.
ASYNROLE_EXPORT asynrole_manager_t *asynrole_manager_new (asynrole_manager_fn *callback, void *ctx,
                                                          const char *destination,
                                                          const char *iface,
                                                          const asynrole_options_t *options,
                                                          asynrole_error_t *error);

//  Close the socket, drop what is in flight, free everything, null *self_p.
//  From the Manager's own callback: deferred until the callback returns.
//  A request server on it (asynrole_server_new) is let go first
//  (asynrole_remote.h).
ASYNROLE_EXPORT void asynrole_manager_destroy (asynrole_manager_t **self_p);

//  Send one datagram (0..65507 bytes over IPv4, 0..65527 over IPv6) to
//  destination, or to the default destination when NULL. Returns 0 once the
//  I/O actor has it queued (from the Manager's own callback: once it is
//  held, to leave when the batch's callbacks are done), -1 with ASYNROLE_EBADARG when the call cannot be
//  carried out, ASYNROLE_EWOULDBLOCK when the send queue stayed full. What
//  the kernel says later arrives as an error event.
ASYNROLE_EXPORT int asynrole_manager_send (asynrole_manager_t *self, const void *data, size_t size,
                                           const asynrole_addr_t *destination,
                                           asynrole_error_t *error);

//  The same, but never waits: ASYNROLE_EWOULDBLOCK at once when the queue is full
ASYNROLE_EXPORT int asynrole_manager_try_send (asynrole_manager_t *self, const void *data,
                                               size_t size, const asynrole_addr_t *destination,
                                               asynrole_error_t *error);

//  Send, first replacing the callback and context for all later datagrams
//  and errors (the seed's send (msg, dst, (cbFun, cbCtx)))
ASYNROLE_EXPORT int asynrole_manager_send_with (asynrole_manager_t *self, const void *data,
                                                size_t size, const asynrole_addr_t *destination,
                                                asynrole_manager_fn *callback, void *ctx,
                                                asynrole_error_t *error);

//  Replace the callback and context. -1 (ASYNROLE_EBADARG) in pipe mode or
//  when callback is NULL.
ASYNROLE_EXPORT int asynrole_manager_set_callback (asynrole_manager_t *self,
                                                   asynrole_manager_fn *callback, void *ctx,
                                                   asynrole_error_t *error);

//  The address the socket is bound to (port filled in)
ASYNROLE_EXPORT const asynrole_addr_t *asynrole_manager_local (asynrole_manager_t *self);

//  Counters of the Manager's socket. Returns 0 or -1 (ASYNROLE_ETIMEOUT, ...).
ASYNROLE_EXPORT int asynrole_manager_stats (asynrole_manager_t *self, asynrole_stats_t *stats,
                                            asynrole_error_t *error);

//  Datagrams that arrived while there was no callback to run
ASYNROLE_EXPORT uint64_t asynrole_manager_unhandled (asynrole_manager_t *self);

//  Change how long _stats waits for the I/O actor (options.timeout), 1 ms
//  to one day. Returns 0 or -1 (ASYNROLE_EBADARG).
ASYNROLE_EXPORT int asynrole_manager_set_timeout (asynrole_manager_t *self, int timeout,
                                                  asynrole_error_t *error);

ASYNROLE_EXPORT void asynrole_manager_set_verbose (asynrole_manager_t *self, bool verbose);
ASYNROLE_EXPORT void asynrole_manager_set_dump (asynrole_manager_t *self, bool dump);

//  The data socket (pipe mode; a libzmq socket), NULL in callback mode
ASYNROLE_EXPORT void *asynrole_manager_socket (asynrole_manager_t *self);

//  The actor pipe, for raw commands (a libzmq socket)
ASYNROLE_EXPORT void *asynrole_manager_actor (asynrole_manager_t *self);

#ifdef __cplusplus
}
#endif
#endif
