/*  req.h - one request of the engine: what its caller gave, and where it
    stands

    A request is one allocation: this record, then its data. The caller's
    thread makes it (asynrole_manager_request) and hands it to the Manager's
    thread through the inbox (req_inbox.h); from there the engine
    (req_engine.h) alone touches it, until it frees it after the final
    callback. Lists link requests by slot (an index into the engine's
    table), so that the table may grow without moving anything. */
#ifndef ASYNROLE_REQ_H_INCLUDED
#define ASYNROLE_REQ_H_INCLUDED

#include "asynrole_request.h"
#include <stdint.h>

//  No record, no request: the end of a list
#define REQ_NONE UINT32_MAX

//  A list of requests (by slot), oldest first
typedef struct {
    uint32_t head;  //  the oldest, or REQ_NONE
    uint32_t tail;  //  the newest, or REQ_NONE
} req_list_t;

//  A request's place in one list
typedef struct {
    uint32_t prev;  //  the one before, or REQ_NONE
    uint32_t next;  //  the one after, or REQ_NONE
} req_link_t;

//  Attempts a request records without another allocation (the first and
//  two retries; more grow an array)
#define REQ_INLINE_ATTEMPTS 3

//  A policy checked and with its defaults filled in
typedef struct {
    int timeout;       //  ms, the first attempt's wait
    int retries;       //  attempts after the first
    int backoff;       //  asynrole_backoff_t
    int max_timeout;   //  ms, the cap of an exponential wait
    int jitter;        //  percent
    int64_t deadline;  //  us from the request to its end; 0 = none
} req_policy_t;

//  One attempt sent
typedef struct {
    int64_t sent_us;  //  when it left
    uint64_t key;     //  its key (when has_key)
    uint32_t chain;   //  registered: the next request under the same key
    uint32_t before;  //  registered: the request before it under the key
    bool has_key;     //  the key function found one
    bool registered;  //  the first attempt of this request with this key:
                      //  the one the key map knows the request by
} req_attempt_t;

typedef enum {
    REQ_WAITING,  //  in the engine's queue: no room in flight
    REQ_BLOCKED,  //  in its destination's queue: that one is full
    REQ_READY,    //  out of it again: in the engine's ready list, ahead of
                  //  the queue (still waiting for room in flight)
    REQ_FLYING    //  an attempt is out; waiting for a reply or a timer
} req_state_t;

//  Something posted to the Manager's thread: a request or a call
typedef struct req_msg_s {
    struct req_msg_s *next;  //  in the inbox, oldest first
    bool is_call;            //  a req_call_t, not a req_t
} req_msg_t;

typedef struct {
    req_msg_t msg;                            //  first: the inbox's link
    uint64_t handle;                          //  the caller's name for it
    asynrole_result_fn *callback;             //  runs once, with the result
    void *ctx;                                //  for callback and validate
    asynrole_validate_fn *validate;           //  may refuse a reply; NULL = none
    asynrole_addr_t destination;              //  where it goes (via 0)
    req_policy_t policy;                      //  when to try again, when to give up
    int64_t born_us;                          //  when it was made
    int64_t end_us;                           //  its deadline (policy), or INT64_MAX
    uint32_t slot;                            //  its place in the engine's table
    uint32_t dest;                            //  its destination's record
    req_link_t link;                          //  in the queue, the destination's
                                              //  queue, or its in-flight list
    req_link_t all;                           //  in flight: in the list of them all
    req_link_t send;                          //  in the send queue (resend)
    req_state_t state;                        //  which of those lists
    int attempts;                             //  attempts sent
    bool resend;                              //  the attempt found no room to leave:
                                              //  it waits in the send queue
    int room;                                 //  attempts recorded room (more)
    req_attempt_t *more;                      //  attempts past the inline ones
    req_attempt_t sent[REQ_INLINE_ATTEMPTS];  //  the first attempts
    size_t size;                              //  bytes of data
    size_t capacity;                          //  room in data (for on_attempt)
    uint8_t data[];                           //  what to send
} req_t;

//  Attempt i of a request (i < attempts)
static inline req_attempt_t *
req_attempt (req_t *req, int i)
{
    return i < REQ_INLINE_ATTEMPTS ? &req->sent[i] : &req->more[i - REQ_INLINE_ATTEMPTS];
}

//  The policy as given (NULL = the engine's), checked; 0, or -1 with error
//  filled (ASYNROLE_EBADARG)
int req_policy_check (const asynrole_policy_t *policy, req_policy_t *out, asynrole_error_t *error);

//  The engine's default policy (settings.policy with its zero defaults)
void req_policy_default (const asynrole_policy_t *given, asynrole_policy_t *out);

//  How long attempt (0 = the first) waits, in us, before jitter
int64_t req_policy_wait (const req_policy_t *policy, int attempt);

//  The longest a request with this policy lives, in us: its deadline, or
//  the sum of every attempt's wait
int64_t req_policy_life (const req_policy_t *policy);

#endif
