/*  req_inbox.h - what other threads hand the Manager's thread: requests,
    and calls that need the engine (cancel, counters)

    A list under a mutex and an eventfd in the Manager's poll set: posting
    is a lock and a link, and a write to the eventfd only when the list was
    empty, so a burst of requests wakes the Manager's thread once. The
    Manager's thread takes the whole list at a time. Once it closes the
    inbox (the role ends), every post fails with ASYNROLE_ECLOSED at once.

    A call waits for its answer on a condition variable of its own, with a
    deadline; it is reference-counted, so that an answer that comes after
    its caller gave up goes nowhere harmful. */
#ifndef ASYNROLE_REQ_INBOX_H_INCLUDED
#define ASYNROLE_REQ_INBOX_H_INCLUDED

#include "req.h"
#include "doorbell.h"
#include <pthread.h>
#include <stdatomic.h>

typedef struct req_inbox_s req_inbox_t;

typedef enum {
    REQ_CALL_CANCEL,       //  cancel one request (handle)
    REQ_CALL_CANCEL_MANY,  //  cancel the requests in handles (answer: count)
    REQ_CALL_CANCEL_ALL,   //  cancel them all (answer: count)
    REQ_CALL_STATS,        //  the engine's counters (answer: stats)
    REQ_CALL_DESTS,        //  every destination's counters (answer: dests, count)
    REQ_CALL_RESET         //  zero the destinations' counters
} req_call_kind_t;

typedef struct {
    req_msg_t msg;         //  first: the inbox's link
    req_call_kind_t kind;  //  what to do
    uint64_t handle;       //  REQ_CALL_CANCEL: which request
    uint64_t *handles;     //  REQ_CALL_CANCEL_MANY: which (count of them;
                           //  malloc'd, freed with the call)
    //  The answer, written by the Manager's thread before done
    int rc;                               //  0, or -1 with error filled
    asynrole_error_t error;               //  why not
    size_t count;                         //  CANCEL_ALL, DESTS: how many
    asynrole_requests_stats_t stats;      //  STATS
    asynrole_destination_stats_t *dests;  //  DESTS: count records (malloc'd)
    //  The wait
    atomic_int refs;        //  the caller's, and the Manager thread's once posted
    pthread_mutex_t mutex;  //  guards done
    pthread_cond_t cond;    //  signalled when done (CLOCK_MONOTONIC)
    bool done;              //  answered
} req_call_t;

//  NULL with error filled (no descriptor, no memory)
req_inbox_t *req_inbox_new (asynrole_error_t *error);
void req_inbox_destroy (req_inbox_t **self_p);

//  The eventfd the Manager's thread polls, and its doorbell (which the
//  link rings too, when the send queue the engine waits on has room)
int req_inbox_fd (req_inbox_t *self);
doorbell_t *req_inbox_bell (req_inbox_t *self);

//  Any thread: hand msg over. 0, or -1 with ASYNROLE_ECLOSED (msg still the
//  caller's). A call gains the Manager thread's reference here.
int req_inbox_post (req_inbox_t *self, req_msg_t *msg, asynrole_error_t *error);

//  Any thread: wake the Manager's thread (it looks at the role's state)
void req_inbox_wake (req_inbox_t *self);

//  The Manager's thread: everything posted, oldest first (NULL: nothing)
req_msg_t *req_inbox_take (req_inbox_t *self);

//  The Manager's thread: refuse every later post; what was left, oldest first
req_msg_t *req_inbox_close (req_inbox_t *self);

//  A place among the requests that wait for room (at most max of them);
//  false when there is none. Given back by req_inbox_unreserve when the
//  request leaves the waiting (sent, or ended).
bool req_inbox_reserve (req_inbox_t *self, size_t max);
void req_inbox_unreserve (req_inbox_t *self);

//  Requests waiting for room now
size_t req_inbox_waiting (req_inbox_t *self);

//  A new request's handle: 1, 2, ... (never 0)
uint64_t req_inbox_handle (req_inbox_t *self);

//  The next handle to be given (handles below it were given)
uint64_t req_inbox_next_handle (req_inbox_t *self);

//  A call; NULL with ASYNROLE_ENOMEM
req_call_t *req_call_new (req_call_kind_t kind, asynrole_error_t *error);

//  Wait at most timeout ms for the answer: 0 (answered: read the call), or
//  -1 with ASYNROLE_ETIMEOUT
int req_call_wait (req_call_t *self, int timeout, asynrole_error_t *error);

//  The Manager's thread: the answer is written; wake the caller, drop our
//  reference
void req_call_done (req_call_t *self);

void req_call_unref (req_call_t **self_p);

#endif
