/*  asynrole_request.h - the Manager's request engine: a datagram sent with
    timeouts and retries, matched with its reply, ended by exactly one result

    A request is data, a destination, a retry policy, and a callback that
    runs exactly once, in the Manager's thread, with the result: the
    accepted reply (its source, and which attempt it answered), or
    ASYNROLE_ENORESPONSE after the last attempt (or at its deadline), or
    ASYNROLE_ECANCELLED, or ASYNROLE_ECLOSED when the Manager is destroyed
    first (then before _destroy returns). The engine lives in the Manager's
    own thread: its table and its timers (a heap: no tick, no rounding, a
    deadline is kept to the millisecond) are that thread's. Many requests
    share the Manager's one socket; 100,000 may be in flight at once.

    Matching stays SNMP-agnostic. Given a key function (asynrole_requests_t),
    the engine takes a key from each attempt it sends and from each datagram
    that comes, and a reply answers a request one of whose attempts had its
    key (an SNMP request-id, say); the attempt with that key tells which
    attempt was answered. Without one, a reply answers the oldest request in
    flight to its source (at most 16 are offered it, oldest first, until
    one's validator accepts; with a key, at most 16 validators are asked).
    The peer check (strict, address only, any) says which sources may
    answer; a request's validator may refuse a reply and keep waiting (the
    seed's sendAndReceive). A reply to an earlier
    attempt is accepted until the request's end (without a key, a reply is
    taken to answer the latest attempt). Whatever answers no
    request (unmatched: a duplicate, a reply after the end, a stranger's
    datagram) or is refused (rejected: the peer check, a validator) is
    counted and goes on as a plain datagram: to the Manager's callback, or
    as an event on its data socket.

    Limits with back-pressure: at most max_in_flight requests await a reply,
    and max_per_destination of them one destination; requests past them
    wait in the engine's queue, in order, and go as others end. The queue
    is bounded (max_queued, requests made but not yet sent): past it
    asynrole_manager_request fails with ASYNROLE_EWOULDBLOCK. An attempt
    that finds the socket's send queue full waits in the engine's send
    queue, in order, until the I/O actor frees room (counted in
    send_waits); its wait for a reply starts when it leaves. Without a key
    function, replies from one destination cannot be told apart, so
    max_per_destination is then 1 unless set.

    Policies: attempt n (0 = the first) waits timeout, or with exponential
    backoff timeout * 2^n capped at max_timeout; jitter draws each wait from
    [wait - wait * jitter / 100, wait]. The request ends when its last
    attempt's wait is over, or at its deadline (counted from the call, time
    in the queue included), whichever comes first.

    Commands on the Manager's actor pipe (asynrole_manager_actor), each
    answered as shown (calls and pipe commands are not ordered with each
    other):

        zsock_send (actor, "s", "DESTINATIONS");
            -> zsock_recv (actor, "ib", &count, &records, &size)
               count asynrole_destination_stats_t records (-1 on failure);
               or asynrole_destinations_recv (actor, stats, max, timeout, &error)
        zsock_send (actor, "s", "REQUESTS");
            -> zsock_recv (actor, "ib", &count, &stats, &size)
               count 1, an asynrole_requests_stats_t;
               or asynrole_requests_stats_recv (actor, &stats, timeout, &error)
        zsock_send (actor, "ss", "CANCEL", "42");
            -> zsock_recv (actor, "is", &code, &text)  //  handle in decimal; text
               "ended" when it had ended; ASYNROLE_EBADARG for no such handle
        zsock_send (actor, "s", "CANCEL-ALL");
            -> zsock_recv (actor, "is", &code, &text)  //  text: how many
        zsock_send (actor, "s", "RESET");
            -> zsock_recv (actor, "is", &code, &text)  //  per-destination counters to 0
        An Agent answers these like any unknown command (ASYNROLE_EBADARG).

    Threads: every call here is safe from any thread, the Manager's own
    callbacks included (there they run at once, in the Manager's thread:
    cancel runs the request's callback before it returns). Other threads'
    calls wait for the Manager's thread at most the Manager's timeout
    (ASYNROLE_ETIMEOUT). Result callbacks and the hook run in the Manager's
    thread. The key function, validators, the attempt rewriter and the hook
    run in the middle of the engine's work: they may not call the engine
    (those calls fail with ASYNROLE_EBADARG); a result callback may call
    anything, a new request or the Manager's own destroy included.
*/
#ifndef ASYNROLE_REQUEST_H_INCLUDED
#define ASYNROLE_REQUEST_H_INCLUDED

#include "asynrole_manager.h"

#ifdef __cplusplus
extern "C" {
#endif

//  How the wait grows from one attempt to the next
typedef enum {
    ASYNROLE_BACKOFF_FIXED = 0,       //  every attempt waits timeout
    ASYNROLE_BACKOFF_EXPONENTIAL = 1  //  each waits twice the one before, up to max_timeout
} asynrole_backoff_t;

//  When to try again, and when to give up
typedef struct {
    int timeout;                 //  ms the first attempt waits for a reply: 1 .. one day
    int retries;                 //  attempts after the first: 0 .. 1000
    asynrole_backoff_t backoff;  //  fixed or exponential
    int max_timeout;             //  exponential: no wait longer than this, ms; 0 = one day
    int jitter;                  //  percent, 0 .. 100: each wait is drawn at random from
                                 //  [wait - wait * jitter / 100, wait]
    int deadline;                //  ms from the request to its end, whatever attempts are
                                 //  left; 0 = when the last attempt's wait ends
} asynrole_policy_t;

//  Which sources may answer a request
typedef enum {
    ASYNROLE_CHECK_STRICT = 0,   //  the destination's address and port (checkPeerAddrFlag)
    ASYNROLE_CHECK_ADDRESS = 1,  //  its address, from any port
    ASYNROLE_CHECK_ANY = 2       //  anyone (matching by key alone)
} asynrole_check_t;

//  A key from a datagram's bytes (an SNMP request-id, say); false when it
//  has none. Called in the Manager's thread, for every attempt sent and for
//  every datagram that comes while requests are in flight. Keys need not
//  be unique: requests under one key are offered a reply newest first.
typedef bool (asynrole_key_fn) (void *ctx, const uint8_t *data, size_t size, uint64_t *key);

//  Called before every attempt after the first, in the Manager's thread,
//  with the request's own copy of its bytes: it may change them in place
//  (a new request-id, say, so that a reply tells which attempt it
//  answers), within room bytes (asynrole_request_t.room, at least size),
//  and returns their size now (size: unchanged). More than room ends the
//  request with ASYNROLE_EBADARG.
typedef size_t (asynrole_attempt_fn) (void *ctx, uint64_t handle, int attempt, uint8_t *data,
                                      size_t size, size_t room);

//  A request's validator: false refuses the reply (counted as rejected),
//  and the request keeps waiting
typedef bool (asynrole_validate_fn) (void *ctx, const asynrole_datagram_t *reply);

//  What the request engine tells a metrics hook
typedef enum {
    ASYNROLE_REQUEST_SENT = 1,     //  the first attempt left
    ASYNROLE_REQUEST_RETRIED = 2,  //  another attempt left
    ASYNROLE_REQUEST_FINISHED = 3  //  the request ended (its result is out)
} asynrole_request_event_t;

//  What a metrics hook is told
typedef struct {
    asynrole_request_event_t event;      //  sent, retried or finished
    uint64_t handle;                     //  which request
    const asynrole_addr_t *destination;  //  where it goes
    int attempt;                         //  SENT, RETRIED: the attempt that left (0 =
                                         //  the first); FINISHED: the one answered, or -1
    int attempts;                        //  attempts sent so far (FINISHED: 0 when it
                                         //  ended before one left)
    asynrole_code_t code;                //  FINISHED: 0 with a reply, else how it ended
    int64_t rtt_us;                      //  FINISHED with a reply: its round trip
} asynrole_request_info_t;

typedef void (asynrole_request_hook_fn) (asynrole_manager_t *manager, void *ctx,
                                         const asynrole_request_info_t *info);

//  The request engine's settings, one per Manager (asynrole_options_t.requests).
//  Zero-initialise and set what you need; zero means the default.
typedef struct asynrole_requests_s {
    asynrole_key_fn *key;             //  NULL = a reply answers the oldest request to its source
    void *key_ctx;                    //  for key
    asynrole_check_t check;           //  ASYNROLE_CHECK_STRICT by default
    size_t max_in_flight;             //  requests awaiting a reply; 0 = 100,000
    size_t max_per_destination;       //  of those, to one destination; 0 = max_in_flight
                                      //  with a key function, 1 without one (replies
                                      //  from one destination then cannot be told apart)
    size_t max_queued;                //  requests waiting for a place; 0 = 100,000
                                      //  (each limit at most 10,000,000)
    size_t max_destinations;          //  per-destination records kept: past it the
                                      //  one idle longest (no request to it under
                                      //  way) is forgotten; 0 = 65,536
    asynrole_policy_t policy;         //  for requests that give none; all zero = 1000 ms,
                                      //  3 retries, fixed (the seed's role.Manager); a
                                      //  zero timeout with anything else set: EBADARG
    asynrole_attempt_fn *on_attempt;  //  may rewrite each attempt after the first
    void *attempt_ctx;                //  for on_attempt
    asynrole_request_hook_fn *hook;   //  sent, retried, finished; NULL = none
    void *hook_ctx;                   //  for hook
} asynrole_requests_t;

//  A request
typedef struct {
    const void *data;                    //  what to send (copied by the call)
    size_t size;                         //  0 .. 65,507 (IPv4) or 65,527 (IPv6)
    const asynrole_addr_t *destination;  //  NULL = the Manager's default destination
    const asynrole_policy_t *policy;     //  NULL = the engine's
    size_t room;                         //  bytes on_attempt may grow data to; 0 = size
    asynrole_validate_fn *validate;      //  NULL = accept what matches
    void *ctx;                           //  for the callback and validate
} asynrole_request_t;

//  A request's end; valid during the callback only (copy what you keep)
typedef struct {
    uint64_t handle;                   //  the request's (asynrole_manager_request)
    const asynrole_datagram_t *reply;  //  the accepted reply; NULL when error is set
    const asynrole_error_t *error;     //  NULL with a reply; else ENORESPONSE, ECANCELLED,
                                       //  ECLOSED, or what stopped an attempt from
                                       //  leaving (ENOMEM, EBADARG from on_attempt, a send
                                       //  the I/O actor refused)
    int attempts;                      //  attempts sent
    int attempt;                       //  which attempt the reply answered (0 = the first):
                                       //  the one whose key it carries, or the latest sent
                                       //  before it came when the keys do not tell; -1 with
                                       //  no reply
    int64_t rtt_us;                    //  from that attempt's send to the reply, microseconds
} asynrole_result_t;

typedef void (asynrole_result_fn) (asynrole_manager_t *manager, void *ctx,
                                   const asynrole_result_t *result);

//  Counters per destination, kept by the request engine
typedef struct {
    asynrole_addr_t destination;  //  whom they are about
    uint64_t requests;            //  requests made to it
    uint64_t replies;             //  requests that ended with a reply
    uint64_t timeouts;            //  requests that ended without (ENORESPONSE)
    uint64_t retries;             //  attempts after the first
    uint64_t late;                //  replies to an attempt before the latest one sent
                                  //  (only a key function tells: 0 without one)
    uint64_t rejected;            //  replies refused: the peer check or the validator
    uint64_t cancelled;           //  requests cancelled
    uint64_t in_flight;           //  requests to it awaiting a reply, now
    int64_t srtt_us;              //  smoothed round-trip time, microseconds (RFC 6298)
    int64_t rttvar_us;            //  its variation
} asynrole_destination_stats_t;

//  The engine's own counters
typedef struct {
    uint64_t requests;    //  requests made
    uint64_t replies;     //  ended with a reply
    uint64_t timeouts;    //  ended with ENORESPONSE
    uint64_t cancelled;   //  ended with ECANCELLED
    uint64_t failed;      //  ended with another error: ECLOSED, ENOMEM, or a send
                          //  the I/O actor refused
    uint64_t retries;     //  attempts after the first
    uint64_t late;        //  replies to an earlier attempt
    uint64_t rejected;    //  replies refused by the peer check or a validator
    uint64_t unmatched;   //  datagrams that answered no request (delivered as datagrams)
    uint64_t send_waits;  //  attempts that found the socket's send queue full and
                          //  waited their turn in the engine's send queue
    uint64_t forgotten;   //  idle destination records dropped (max_destinations)
    uint64_t in_flight;   //  awaiting a reply now
    uint64_t queued;      //  waiting for a place now
} asynrole_requests_stats_t;

//  Make a request; the callback runs exactly once, in the Manager's thread
//  (never inside this call). handle (may be NULL) names it for
//  asynrole_manager_cancel: 1, 2, ... in the order of the calls. Returns 0,
//  or -1 with ASYNROLE_EBADARG (a NULL callback or request, a bad policy,
//  no destination, a destination of another family, data too long),
//  ASYNROLE_EWOULDBLOCK (max_queued requests wait already), ASYNROLE_ENOMEM
//  or ASYNROLE_ECLOSED; when it fails, the callback never runs.
ASYNROLE_EXPORT int asynrole_manager_request (asynrole_manager_t *self,
                                              const asynrole_request_t *request,
                                              asynrole_result_fn *callback, uint64_t *handle,
                                              asynrole_error_t *error);

//  Cancel a request: its callback runs with ASYNROLE_ECANCELLED (before this
//  returns, in the Manager's thread), and 0 is returned. 1 when the request
//  had ended already (its callback has run: a race, not a mistake). -1 with
//  ASYNROLE_EBADARG for a handle no request ever had, ASYNROLE_ETIMEOUT when
//  the Manager's thread did not answer in time (the cancel may still happen).
ASYNROLE_EXPORT int asynrole_manager_cancel (asynrole_manager_t *self, uint64_t handle,
                                             asynrole_error_t *error);

//  Cancel every request made before the call, those of blocking calls
//  included (each callback runs with ASYNROLE_ECANCELLED before this
//  returns); returns how many, or -1
ASYNROLE_EXPORT int asynrole_manager_cancel_all (asynrole_manager_t *self, asynrole_error_t *error);

//  Counters of every destination requests went to: fills at most max and
//  returns how many there are, or -1
ASYNROLE_EXPORT int asynrole_manager_destinations (asynrole_manager_t *self,
                                                   asynrole_destination_stats_t *stats, size_t max,
                                                   asynrole_error_t *error);

//  Set every destination's counters to 0 (what is in flight stays)
ASYNROLE_EXPORT int asynrole_manager_reset_destinations (asynrole_manager_t *self,
                                                         asynrole_error_t *error);

//  The engine's counters
ASYNROLE_EXPORT int asynrole_manager_requests_stats (asynrole_manager_t *self,
                                                     asynrole_requests_stats_t *stats,
                                                     asynrole_error_t *error);

//  Read the answer to a raw "DESTINATIONS" command: fills at most max
//  records and returns how many there are, or -1 (ASYNROLE_ETIMEOUT after
//  timeout ms, ASYNROLE_EINTERNAL for a malformed answer)
ASYNROLE_EXPORT int asynrole_destinations_recv (void *actor, asynrole_destination_stats_t *stats,
                                                size_t max, int timeout, asynrole_error_t *error);

//  Read the answer to a raw "REQUESTS" command: 0 or -1
ASYNROLE_EXPORT int asynrole_requests_stats_recv (void *actor, asynrole_requests_stats_t *stats,
                                                  int timeout, asynrole_error_t *error);

#ifdef __cplusplus
}
#endif
#endif
