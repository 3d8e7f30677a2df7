/*  req_engine.h - the Manager's request engine: its table, timers, limits
    and matching, all owned by the Manager's thread

    Every function here runs in the Manager's thread. Requests come from the
    inbox (other threads) or straight from a callback (req_engine_submit);
    each ends in exactly one call of its callback (s_finish in
    req_engine.c), after which the engine forgets it.

    Timers: one heap entry per request that has a deadline or an attempt
    out, keyed by slot, at the microsecond; the Manager's poll waits until
    the earliest (req_engine_timeout), so no tick and no scan.

    User code the engine calls in the middle of its own work (the key
    function, a validator, the attempt rewriter, the hook) may not call the
    engine back: in_user is set meanwhile, and the API refuses such calls
    with ASYNROLE_EBADARG. A result callback runs when the request is
    already out of every list, so it may call anything. */
#ifndef ASYNROLE_REQ_ENGINE_H_INCLUDED
#define ASYNROLE_REQ_ENGINE_H_INCLUDED

#include "heap.h"
#include "map.h"
#include "req.h"
#include "req_dests.h"
#include "req_inbox.h"
#include <stddef.h>

struct role_s;

typedef struct req_engine_s {
    struct role_s *role;               //  the Manager whose thread runs us
    req_inbox_t *inbox;                //  the role's (shared with the API)
    asynrole_requests_t settings;      //  defaults filled in
    req_t **slots;                     //  requests by slot; NULL = free
    uint32_t *free;                    //  free slots (a stack)
    uint32_t free_count;               //  how many
    uint32_t room;                     //  slots allocated
    map_t by_handle;                   //  handle -> slot
    map_t by_key;                      //  key -> first request registered under it
    heap_t timers;                     //  slot -> when its timer is due (us)
    req_dests_t dests;                 //  per destination: counters and lists
    req_list_t queue;                  //  waiting for room in flight
    req_list_t ready;                  //  let out of their destination's queue,
                                       //  in the order they were let out
    req_list_t flying;                 //  in flight, oldest first
    req_list_t sendq;                  //  in flight, their attempt blocked on a
                                       //  full send queue, oldest first
    size_t in_flight;                  //  how many
    asynrole_requests_stats_t totals;  //  counters (in_flight, queued: when read)
    uint64_t rng;                      //  xorshift state, for jitter
    bool pumping;                      //  req_engine_pump is under way
    bool closing;                      //  req_engine_destroy is under way
    bool in_user;                      //  in a key function, validator, rewriter or hook
} req_engine_t;

//  The settings as given (NULL = all defaults), checked; 0, or -1 with error
//  filled (ASYNROLE_EBADARG)
int req_engine_check (const asynrole_requests_t *given, asynrole_requests_t *out,
                      asynrole_error_t *error);

//  NULL with error filled (ASYNROLE_ENOMEM)
req_engine_t *req_engine_new (struct role_s *role, const asynrole_requests_t *settings,
                              req_inbox_t *inbox, asynrole_error_t *error);

//  End every request with ASYNROLE_ECLOSED, then free the engine
void req_engine_destroy (req_engine_t **self_p);

//  Take a request (its handle set, a waiting place reserved); it goes out
//  when req_engine_pump finds room. 0, or -1 with ASYNROLE_ENOMEM (the
//  request is still the caller's, its place still reserved).
int req_engine_submit (req_engine_t *self, req_t *req, asynrole_error_t *error);

//  Handle what the inbox held: requests are taken, calls answered
void req_engine_take (req_engine_t *self, req_msg_t *list);

//  Answer a call, now
void req_engine_call (req_engine_t *self, req_call_t *call);

//  Send what waits, while there is room in flight
void req_engine_pump (req_engine_t *self);

//  ms until the earliest timer (rounded up), 0 when one is due, -1 with none
long req_engine_timeout (req_engine_t *self);

//  Run the timers that are due
void req_engine_expire (req_engine_t *self);

//  A datagram came: true when it answered a request (which has ended)
bool req_engine_offer (req_engine_t *self, const asynrole_datagram_t *datagram);

//  Cancel a request: 0; 1 when it had ended already; -1 with
//  ASYNROLE_EBADARG when no request ever had that handle
int req_engine_cancel (req_engine_t *self, uint64_t handle, asynrole_error_t *error);

//  Cancel every request made so far; how many
size_t req_engine_cancel_all (req_engine_t *self);

//  End every request made so far with code (ASYNROLE_ECLOSED); how many
size_t req_engine_end_all (req_engine_t *self, asynrole_code_t code);

//  The engine's counters
void req_engine_stats (req_engine_t *self, asynrole_requests_stats_t *stats);

//  Every destination's counters: a malloc'd array of *count records (NULL
//  with *count 0 when there are none, or no memory: -1)
int req_engine_dests (req_engine_t *self, asynrole_destination_stats_t **dests, size_t *count);

//  Zero the destinations' counters
void req_engine_reset (req_engine_t *self);

//  -------------------------------------------------------------------------
//  Internal to the engine's files

//  The lists: by the link field of req_t they go through
#define REQ_LINK offsetof (req_t, link)
#define REQ_LINK_ALL offsetof (req_t, all)
#define REQ_LINK_SEND offsetof (req_t, send)
void req_list_push (req_engine_t *self, req_list_t *list, req_t *req, size_t field, bool front);
void req_list_unlink (req_engine_t *self, req_list_t *list, req_t *req, size_t field);

//  The end of a request: with a reply (req_engine_accept), or an error
//  (cause, or one made for code when NULL); its callback runs, it is freed
void req_engine_accept (req_engine_t *self, req_t *req, const asynrole_datagram_t *reply,
                        int attempt, bool sure);
void req_engine_fail (req_engine_t *self, req_t *req, asynrole_code_t code,
                      const asynrole_error_t *cause);
void req_engine_end (req_engine_t *self, req_t *req, asynrole_code_t code);

//  Keys: the request's attempt registered under key (NULL: none), and
//  registering an attempt's key
req_attempt_t *req_engine_registered (req_t *req, uint64_t key);
void req_engine_key_register (req_engine_t *self, req_t *req, req_attempt_t *attempt);

//  Tell the hook (as user code: in_user meanwhile)
void req_engine_hook (req_engine_t *self, const asynrole_request_info_t *info);

//  From the queue to flight: the first attempt (req_send.c)
void req_send_launch (req_engine_t *self, req_t *req);

#endif
