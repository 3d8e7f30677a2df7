/*  rmail.h - what other threads hand a remote actor (server, client)

    A list under a mutex and a doorbell in the actor's poll set: a result
    from the Manager's thread (server), a request from any thread (client),
    or a call that waits for its answer (rmail_call_t: counters, cancel). The
    actor takes the whole list at a time, in order. Reference-counted: a
    Manager's result callback that runs after the server has gone posts
    into a mailbox nobody reads, and the last reference frees what is in it
    (items with the free function, calls answered ASYNROLE_ECLOSED). Once
    closed, posts fail with ASYNROLE_ECLOSED (rmail_post_always does not). */
#ifndef ASYNROLE_RMAIL_H_INCLUDED
#define ASYNROLE_RMAIL_H_INCLUDED

#include "asynrole_remote.h"
#include <pthread.h>
#include <stdatomic.h>

//  What an item is; the owner's kinds start at RMAIL_USER
#define RMAIL_CALL 1
#define RMAIL_USER 2

typedef struct rmail_item_s {
    struct rmail_item_s *next;  //  the list's link
    int kind;                   //  RMAIL_CALL, or the owner's
} rmail_item_t;

typedef struct rmail_s rmail_t;

//  Frees an item of the owner's kinds that nobody took
typedef void (rmail_free_fn) (rmail_item_t *item);

//  A call another thread waits on
typedef struct {
    rmail_item_t item;              //  first: kind RMAIL_CALL
    int what;                       //  which call (the owner's numbers)
    uint64_t handle;                //  its argument
    int rc;                         //  the answer: 0 or 1, or -1 with error
    asynrole_error_t error;         //  why not
    asynrole_remote_stats_t stats;  //  counters, when asked for
    atomic_int refs;                //  the caller's and the actor's
    pthread_mutex_t mutex;          //  guards done
    pthread_cond_t cond;            //  signalled when done (CLOCK_MONOTONIC)
    bool done;                      //  answered
} rmail_call_t;

//  NULL with error filled
rmail_t *rmail_new (rmail_free_fn *free_fn, asynrole_error_t *error);
rmail_t *rmail_ref (rmail_t *self);
void rmail_unref (rmail_t **self_p);

//  Any thread: hand item over; 0, or -1 when closed (item still the caller's)
int rmail_post (rmail_t *self, rmail_item_t *item);

//  Any thread: hand item over even when closed (results that must be freed)
void rmail_post_always (rmail_t *self, rmail_item_t *item);

//  The actor: everything posted, oldest first (NULL when none)
rmail_item_t *rmail_take (rmail_t *self);

//  The actor: take out the oldest item for which match (item, arg) is
//  true, leaving the others in order; NULL when none
typedef bool (rmail_match_fn) (const rmail_item_t *item, void *arg);
rmail_item_t *rmail_remove (rmail_t *self, rmail_match_fn *match, void *arg);

//  The actor: refuse further posts; returns what was posted before
rmail_item_t *rmail_close (rmail_t *self);

//  The descriptor to poll, and clearing it once woken
int rmail_fd (rmail_t *self);
void rmail_clear (rmail_t *self);

//  Any thread but the actor's: post a call and wait at most timeout_ms for
//  its answer; returns call->rc (the answer copied into *answer when given),
//  or -1 with ASYNROLE_ECLOSED / ASYNROLE_ETIMEOUT / ASYNROLE_ENOMEM
int rmail_call (rmail_t *self, int what, uint64_t handle, int timeout_ms, rmail_call_t *answer,
                asynrole_error_t *error);

//  The actor: the call is answered (rc, error, stats set); wakes its caller
void rmail_answer (rmail_call_t *call);

#endif
