/*  asynrole_blocking.h - the seed's blocking roles and bulk dispatch, on
    the same actors and the Manager's request engine

    - asynrole_manager_send_and_receive: send, wait with timeout and
      retries, return the reply or ASYNROLE_ENORESPONSE (the seed's
      role.Manager.sendAndReceive). A request like any other: it shares the
      Manager's socket, limits and counters with the asynchronous ones.
    - asynrole_agent_receive_and_send: wait for one request, hand it to a
      handler, send what the handler returns (role.Agent.receiveAndSend).
    - asynrole_manager_bulk: many requests in one call, all on the Manager's
      one socket, each with its own retries, within the in-flight limits;
      a result per entry (bulkrole, without its global retry count).

    Threads: each call blocks its caller, never the Manager's thread: from
    a Manager's own callback (where it would wait for the thread it runs
    in) it fails with ASYNROLE_EBADARG. Several threads may call at once;
    without a key function, replies to one destination cannot be told
    apart, so the engine then keeps one request in flight per destination
    (asynrole_requests_t.max_per_destination) and the others wait their
    turn. Every wait has a deadline: a request's life (its deadline, or the
    sum of every attempt's wait) plus the Manager's timeout as a margin for
    time in the engine's queue and a busy Manager's thread; past it the
    call cancels what it started and fails with ASYNROLE_ETIMEOUT.
*/
#ifndef ASYNROLE_BLOCKING_H_INCLUDED
#define ASYNROLE_BLOCKING_H_INCLUDED

#include "asynrole_agent.h"
#include "asynrole_request.h"

#ifdef __cplusplus
extern "C" {
#endif

//  A reply, kept: its bytes are the caller's (asynrole_reply_free)
typedef struct {
    uint8_t *data;         //  the reply (malloc'd; NULL when there is none)
    size_t size;           //  its bytes
    asynrole_addr_t peer;  //  who sent it
    int attempts;          //  attempts sent
    int attempt;           //  the attempt it answered (asynrole_result_t)
    int64_t rtt_us;        //  from that attempt to the reply
} asynrole_reply_t;

//  Free a reply's bytes (and zero it); NULL is fine
ASYNROLE_EXPORT void asynrole_reply_free (asynrole_reply_t *reply);

//  Send request and wait for its reply, with the request's policy (NULL:
//  the engine's). request->validate, if any, runs in the Manager's thread
//  with request->ctx. Returns 0 with reply filled, or -1:
//  ASYNROLE_ENORESPONSE, ASYNROLE_EBADARG, ASYNROLE_EWOULDBLOCK (the
//  engine's queue is full), ASYNROLE_ECANCELLED (asynrole_manager_cancel_all
//  from elsewhere), ASYNROLE_ECLOSED, ASYNROLE_ETIMEOUT (see above).
ASYNROLE_EXPORT int asynrole_manager_send_and_receive (asynrole_manager_t *self,
                                                       const asynrole_request_t *request,
                                                       asynrole_reply_t *reply,
                                                       asynrole_error_t *error);

//  What a handler answers a request with
typedef struct {
    const void *data;                    //  the response; NULL with size 0: send nothing
    size_t size;                         //  its bytes
    const asynrole_addr_t *destination;  //  NULL: back to the request's source,
                                         //  from the socket it came in on
} asynrole_response_t;

//  Runs in the caller's thread with the request; fills response (zeroed:
//  send nothing). response->data must stay valid until the handler's
//  caller returns.
typedef void (asynrole_handler_fn) (void *ctx, const asynrole_datagram_t *request,
                                    asynrole_response_t *response);

//  A pipe-mode Agent: wait at most timeout ms (1 .. one day) for one
//  request, run handler on it, send its response. Returns 1 when a
//  response was sent, 0 when the handler gave none, or -1: ASYNROLE_EIDLE
//  (no request came in time: the seed's role.Agent timeout), the error of
//  an error event that came instead of a request (the Agent serves on; a
//  notice, code ASYNROLE_OK, returns 0 instead, copied to error),
//  ASYNROLE_EBADARG (no handler, or the Agent is not in pipe mode, or the
//  response cannot be sent there), ASYNROLE_EWOULDBLOCK, ASYNROLE_ECLOSED
//  (destroyed meanwhile). One caller reads the Agent's data socket at a
//  time: the others wait their turn within their own timeout (and fail
//  with ASYNROLE_EIDLE, sys_errno EBUSY, when it does not come). Do not
//  read asynrole_agent_socket () meanwhile.
ASYNROLE_EXPORT int asynrole_agent_receive_and_send (asynrole_agent_t *self, int timeout,
                                                     asynrole_handler_fn *handler, void *ctx,
                                                     asynrole_error_t *error);

//  One request of a bulk dispatch, and its result
typedef struct {
    asynrole_request_t request;  //  in: data, destination, policy, validate;
                                 //  ctx goes to validate, and is yours
    asynrole_error_t error;      //  out: code 0 when a reply came, else why not
    asynrole_reply_t reply;      //  out: the reply (data NULL without one)
} asynrole_bulk_entry_t;

//  Send every entry's request, at most the engine's max_in_flight of them
//  at once, and wait until each has ended. Each entry gets its own result,
//  even when others fail: a bad argument, ASYNROLE_ENORESPONSE,
//  ASYNROLE_EWOULDBLOCK when the engine's queue is full of other callers'
//  requests and none of ours is under way, ASYNROLE_ECLOSED when the
//  Manager is destroyed meanwhile, ASYNROLE_ETIMEOUT for those given up
//  when none ended for as long as the longest entry's life plus the
//  Manager's timeout (they were stuck behind others' requests, or the
//  Manager's thread was busy). Returns how many entries got a reply, or -1
//  when nothing could be started (ASYNROLE_EBADARG, ASYNROLE_ECLOSED).
//  Free the replies with asynrole_bulk_free.
ASYNROLE_EXPORT int asynrole_manager_bulk (asynrole_manager_t *self, asynrole_bulk_entry_t *entries,
                                           size_t count, asynrole_error_t *error);

//  Free every entry's reply
ASYNROLE_EXPORT void asynrole_bulk_free (asynrole_bulk_entry_t *entries, size_t count);

#ifdef __cplusplus
}
#endif
#endif
