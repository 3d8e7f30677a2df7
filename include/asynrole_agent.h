/*  asynrole_agent.h - the Agent role: an asynchronous UDP server

    An Agent serves every interface it is given, one socket each, IPv4 and
    IPv6 mixed (default "127.0.0.1:161"), and talks to many clients. A reply
    sent to datagram->peer leaves through the socket its request came in on
    (peer.via says which); an address without via uses the first socket of
    its family.

    Callback mode (the default): the callback is required and runs in the
    Agent's own thread for every request and every error:
        callback (agent, ctx, datagram, NULL)   or
        callback (agent, ctx, NULL, error)
    Pipe mode (options.pipe_mode, callback NULL): events arrive on
    asynrole_agent_socket (); read them with asynrole_event_recv ().

    Commands on the actor pipe (asynrole_agent_actor), each answered as shown:

        zsock_send (actor, "ssbi", "SEND", destination, data, size, via);
            -> zsock_recv (actor, "is", &code, &text)   //  via -1 = by family
        zsock_send (actor, "s", "STATS");
            -> zsock_recv (actor, "ib", &count, &stats, &size)  //  asynrole_stats_t
        zsock_send (actor, "si", "VERBOSE", 1);         //  no answer
        zsock_send (actor, "si", "DUMP", 1);            //  no answer
        zsock_send (actor, "s", "$TERM");               //  ends it (use _destroy)
        any other command
            -> zsock_recv (actor, "is", &code, &text)   //  code ASYNROLE_EBADARG

    Threads:
        any thread, callbacks included: _send, _stats, _set_verbose,
            _set_dump, _local, _count
        any thread but the Agent's own callback: _destroy
        one thread at a time: reading _socket (); using the raw _actor pipe
        from a callback, calls that wait for an answer (_stats) only on the
            role whose callback it is (see asynrole_manager.h)
*/
#ifndef ASYNROLE_AGENT_H_INCLUDED
#define ASYNROLE_AGENT_H_INCLUDED

#include "asynrole_types.h"
#include <czmq.h>

#ifdef __cplusplus
extern "C" {
#endif

//  Exactly one of datagram and error is non-NULL
typedef void (asynrole_agent_fn) (asynrole_agent_t *agent, void *ctx,
                                  const asynrole_datagram_t *datagram,
                                  const asynrole_error_t *error);

//  Create an Agent serving count interfaces (ifaces NULL or count 0 =
//  "127.0.0.1:161"). All are bound or none: a failure names the address and
//  the reason (a privileged port: EACCES; a port in use: EADDRINUSE).
//  Returns NULL with error filled on failure.
asynrole_agent_t *asynrole_agent_new (asynrole_agent_fn *callback, void *ctx,
                                      const char *const *ifaces, size_t count,
                                      const asynrole_options_t *options, asynrole_error_t *error);

void asynrole_agent_destroy (asynrole_agent_t **self_p);

//  Send a response (0..65507 bytes) to destination. Returns 0 once the I/O
//  actor has it, -1 with ASYNROLE_EBADARG (no socket of that family, bad via).
int asynrole_agent_send (asynrole_agent_t *self, const void *data, size_t size,
                         const asynrole_addr_t *destination, asynrole_error_t *error);

//  Number of interfaces served, and the address each is bound to
size_t asynrole_agent_count (asynrole_agent_t *self);
const asynrole_addr_t *asynrole_agent_local (asynrole_agent_t *self, size_t index);

//  Counters, one record per interface; fills at most max, returns the number
//  of interfaces or -1
int asynrole_agent_stats (asynrole_agent_t *self, asynrole_stats_t *stats, size_t max);

void asynrole_agent_set_verbose (asynrole_agent_t *self, bool verbose);
void asynrole_agent_set_dump (asynrole_agent_t *self, bool dump);

zsock_t *asynrole_agent_socket (asynrole_agent_t *self);
zactor_t *asynrole_agent_actor (asynrole_agent_t *self);

#ifdef __cplusplus
}
#endif
#endif
