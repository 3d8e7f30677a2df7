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
            -> zsock_recv (actor, "is", &code, &text)   //  destination "" = default
        zsock_send (actor, "s", "STATS");
            -> zsock_recv (actor, "ib", &count, &stats, &size) //  asynrole_stats_t
        zsock_send (actor, "spp", "CALLBACK", (void *) callback, ctx);
            -> zsock_recv (actor, "is", &code, &text)  //  as asynrole_manager_set_callback
        zsock_send (actor, "si", "VERBOSE", 1);         //  no answer
        zsock_send (actor, "si", "DUMP", 1);            //  no answer
        zsock_send (actor, "s", "$TERM");               //  ends it (use _destroy)
        any other command
            -> zsock_recv (actor, "is", &code, &text)   //  code ASYNROLE_EBADARG

    Replacing the callback (_set_callback, _send_with): datagrams already
    read when it changes may still reach the previous callback (at most one
    batch of 64). Keep the previous context alive until a datagram has come
    through the new callback, or until the Manager is destroyed.

    Threads:
        any thread, callbacks included: _send, _send_with, _set_callback,
            _stats, _set_verbose, _set_dump, _local, _unhandled
        any thread but the Manager's own callback: _destroy
        one thread at a time: reading _socket (); using the raw _actor pipe
            (and then not together with the calls above from other threads)
        from a callback, calls that wait for an answer (_stats) only on the
            role whose callback it is: two roles whose callbacks wait on each
            other would wait for ever. Sends never wait on a role.
*/
#ifndef ASYNROLE_MANAGER_H_INCLUDED
#define ASYNROLE_MANAGER_H_INCLUDED

#include "asynrole_types.h"
#include <czmq.h>

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
asynrole_manager_t *asynrole_manager_new (asynrole_manager_fn *callback, void *ctx,
                                          const char *destination, const char *iface,
                                          const asynrole_options_t *options,
                                          asynrole_error_t *error);

//  Close the socket, drop what is in flight, free everything, null *self_p
void asynrole_manager_destroy (asynrole_manager_t **self_p);

//  Send one datagram (0..65507 bytes) to destination, or to the default
//  destination when NULL. Returns 0 once the I/O actor has it, -1 with
//  ASYNROLE_EBADARG when the call cannot be carried out. What the kernel says
//  later arrives as an error event.
int asynrole_manager_send (asynrole_manager_t *self, const void *data, size_t size,
                           const asynrole_addr_t *destination, asynrole_error_t *error);

//  The same, first replacing the callback and context for all later
//  datagrams and errors (the seed's send (msg, dst, (cbFun, cbCtx)))
int asynrole_manager_send_with (asynrole_manager_t *self, const void *data, size_t size,
                                const asynrole_addr_t *destination, asynrole_manager_fn *callback,
                                void *ctx, asynrole_error_t *error);

//  Replace the callback and context. -1 (ASYNROLE_EBADARG) in pipe mode or
//  when callback is NULL.
int asynrole_manager_set_callback (asynrole_manager_t *self, asynrole_manager_fn *callback,
                                   void *ctx, asynrole_error_t *error);

//  The address the socket is bound to (port filled in)
const asynrole_addr_t *asynrole_manager_local (asynrole_manager_t *self);

//  Counters of the Manager's socket. Returns 0 or -1.
int asynrole_manager_stats (asynrole_manager_t *self, asynrole_stats_t *stats);

//  Datagrams that arrived while there was no callback to run
uint64_t asynrole_manager_unhandled (asynrole_manager_t *self);

void asynrole_manager_set_verbose (asynrole_manager_t *self, bool verbose);
void asynrole_manager_set_dump (asynrole_manager_t *self, bool dump);

//  The data socket (pipe mode), NULL in callback mode
zsock_t *asynrole_manager_socket (asynrole_manager_t *self);

//  The actor, for raw pipe commands
zactor_t *asynrole_manager_actor (asynrole_manager_t *self);

#ifdef __cplusplus
}
#endif
#endif
