/*  actor.h - our actors' threads: a pipe, a thread, a start-up status, $TERM

    Like CZMQ's zactor, with what a library needs that zactor lacks:
    zactor_new aborts when descriptors run out and waits for ever when the
    thread cannot start. Here every step fails with a typed error, the
    caller waits for the start-up status with a deadline, the thread is
    joined (not detached), and an actor may end itself (actor_detach).

    The body runs in the new thread with every signal blocked (they are the
    program's, not ours). It calls actor_started exactly once: with NULL
    when it is ready to serve, else with the error that stopped it, and then
    returns. After a start it serves its pipe until $TERM. */
#ifndef ASYNROLE_ACTOR_H_INCLUDED
#define ASYNROLE_ACTOR_H_INCLUDED

#include "asynrole_error.h"
#include <stdbool.h>

typedef struct actor_s actor_t;

typedef void (actor_fn) (actor_t *actor, void *args);

//  Start an actor: its pipe, its thread (named name, at most 15 characters),
//  then wait at most timeout_ms for its status. Returns the actor, or NULL
//  with the body's error, or a typed error of our own (ERESOURCE, ENOMEM,
//  ETIMEOUT: the actor was ended and joined).
actor_t *actor_new (actor_fn *fn, void *args, const char *name, int timeout_ms,
                    asynrole_error_t *error);

//  End the actor: $TERM on its pipe, then join its thread. Refused (false)
//  from the actor's own thread.
bool actor_destroy (actor_t **self_p);

//  The caller's end of the pipe (commands and answers)
void *actor_pipe (actor_t *self);

//  True in the actor's own thread
bool actor_is_self (actor_t *self);

//  Body side: its end of the pipe
void *actor_inner (actor_t *self);

//  Body side: report the start-up status (NULL = started)
void actor_started (actor_t *self, const asynrole_error_t *failure);

//  Creator side, once actor_new has returned: let the body serve. Nothing
//  of the caller's is touched after the body is let go: a body that ends
//  itself may free everything at once.
void actor_go (actor_t *self);

//  Body side, after a start: wait at most timeout_ms for actor_go; false
//  when it did not come, or when actor_destroy ends the actor instead (a
//  creator whose wait for the status ran out)
bool actor_wait_go (actor_t *self, int timeout_ms);

//  Body side: true once actor_destroy is ending the actor, so that a $TERM
//  on the pipe is ours (a body refuses one that is not)
bool actor_stopping (actor_t *self);

//  Body side, for an actor that ends itself: when the body returns, the
//  thread frees the actor, runs finalize (arg) and lets its thread go.
//  Nobody may call actor_destroy on it after this.
void actor_detach (actor_t *self, void (*finalize) (void *arg), void *arg);

#endif
