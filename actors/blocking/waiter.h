/*  waiter.h - where a blocking call waits for the results of its requests

    One slot per request: the request's ctx is its slot, the result callback
    (waiter_result, in the Manager's thread) fills it and wakes the caller.
    Reference-counted by the caller and by each request under way, so that
    a caller that gave up (its deadline passed) leaves nothing behind that a
    late result could write into. */
#ifndef ASYNROLE_WAITER_H_INCLUDED
#define ASYNROLE_WAITER_H_INCLUDED

#include "asynrole_blocking.h"
#include <pthread.h>
#include <stdatomic.h>

typedef struct waiter_s waiter_t;

typedef struct {
    waiter_t *waiter;                //  whose slot
    asynrole_validate_fn *validate;  //  the caller's validator, or NULL
    void *ctx;                       //  its context
    uint64_t handle;                 //  the request, once made
    bool done;                       //  its result is in (under the mutex)
    asynrole_error_t error;          //  code 0 with a reply
    asynrole_reply_t reply;          //  the reply, copied
} waiter_slot_t;

struct waiter_s {
    atomic_int refs;        //  the caller's, and one per request under way
    pthread_mutex_t mutex;  //  guards every slot's done, error, reply, and ended
    pthread_cond_t cond;    //  signalled on every result (CLOCK_MONOTONIC)
    size_t ended;           //  slots done
    size_t count;           //  slots
    waiter_slot_t slots[];  //  one per request
};

struct role_s;

//  A blocking call may not wait for the thread it runs in: -1 with
//  ASYNROLE_EBADARG from the role's own thread
int waiter_check_thread (struct role_s *role, asynrole_error_t *error);

//  NULL with ASYNROLE_ENOMEM
waiter_t *waiter_new (size_t count, asynrole_error_t *error);
void waiter_unref (waiter_t **self_p);

//  Make the request of slot index: its ctx and validator become the
//  slot's. 0, or -1 with error filled (no result will come).
int waiter_request (waiter_t *self, size_t index, asynrole_manager_t *manager,
                    const asynrole_request_t *request, asynrole_error_t *error);

//  A slot ended without a request (under the mutex, like a result)
void waiter_fail (waiter_t *self, size_t index, const asynrole_error_t *error);

//  Wait until more than ended slots are done, at most timeout_ms; how many
//  are done then
size_t waiter_wait (waiter_t *self, size_t ended, int timeout_ms);

//  Give up: cancel every request not done yet, then wait at most
//  timeout_ms for their results; how many slots are done then
size_t waiter_cancel (waiter_t *self, asynrole_manager_t *manager, int timeout_ms);

#endif
