/*  doorbell.h - a way for any thread to wake the I/O actor without a socket

    An eventfd in the I/O actor's epoll set. A thread that frees room a role
    was out of (a callback returning, a pipe-mode event destroyed) rings it,
    so the I/O actor sends the drop notices it holds. Reference-counted: the
    I/O object and every link (role) hold it, so a ring from the last event
    a user destroys never writes to a closed descriptor. */
#ifndef ASYNROLE_DOORBELL_H_INCLUDED
#define ASYNROLE_DOORBELL_H_INCLUDED

#include "asynrole_error.h"

typedef struct doorbell_s doorbell_t;

//  NULL with error filled (ASYNROLE_ERESOURCE when no descriptor is left)
doorbell_t *doorbell_new (asynrole_error_t *error);
doorbell_t *doorbell_ref (doorbell_t *self);
void doorbell_unref (doorbell_t **self_p);

//  Any thread: wake the I/O actor (never blocks)
void doorbell_ring (doorbell_t *self);

//  I/O actor: the descriptor to poll, and clearing it once woken
int doorbell_fd (doorbell_t *self);
void doorbell_clear (doorbell_t *self);

#endif
