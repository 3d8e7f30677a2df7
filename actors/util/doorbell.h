/*  doorbell.h - a way for any thread to wake an actor without a socket

    An eventfd in the actor's poll set. The I/O actor's: a thread that frees
    room a role was out of (a callback returning, a pipe-mode event
    destroyed) rings it, so the I/O actor sends the drop notices it holds.
    A Manager's: its request inbox, rung by a post and by the I/O actor
    when the send queue the engine waits on has room again; a pipe-mode
    Agent's: rung by _destroy. Reference-counted: a ring from the last
    holder never writes to a closed descriptor. */
#ifndef ASYNROLE_DOORBELL_H_INCLUDED
#define ASYNROLE_DOORBELL_H_INCLUDED

#include "asynrole_error.h"

typedef struct doorbell_s doorbell_t;

//  NULL with error filled (ASYNROLE_ERESOURCE when no descriptor is left)
doorbell_t *doorbell_new (asynrole_error_t *error);
doorbell_t *doorbell_ref (doorbell_t *self);
void doorbell_unref (doorbell_t **self_p);

//  Any thread: wake the actor (never blocks)
void doorbell_ring (doorbell_t *self);

//  The actor: the descriptor to poll, and clearing it once woken
int doorbell_fd (doorbell_t *self);
void doorbell_clear (doorbell_t *self);

#endif
