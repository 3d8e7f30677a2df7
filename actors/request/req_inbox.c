/*  req_inbox.c - requests and calls handed to the Manager's thread */
#include "req_inbox.h"
#include "clock.h"
#include "error_fill.h"
#include "log.h"
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct req_inbox_s {
    pthread_mutex_t mutex;              //  guards head, tail, closed
    req_msg_t *head;                    //  posted, oldest first
    req_msg_t *tail;                    //  the newest
    bool closed;                        //  the Manager's thread takes no more
    doorbell_t *bell;                   //  rung: something was posted
    atomic_size_t waiting;              //  requests reserved, not yet sent
    atomic_uint_least64_t next_handle;  //  the next request's handle
};

req_inbox_t *
req_inbox_new (asynrole_error_t *error)
{
    req_inbox_t *self = calloc (1, sizeof *self);
    if (!self) {
        error_nomem (error, "a request inbox");
        return NULL;
    }
    self->bell = doorbell_new (error);
    if (!self->bell) {
        free (self);
        return NULL;
    }
    pthread_mutex_init (&self->mutex, NULL);
    atomic_init (&self->waiting, 0);
    atomic_init (&self->next_handle, 1);
    return self;
}

void
req_inbox_destroy (req_inbox_t **self_p)
{
    req_inbox_t *self = *self_p;
    *self_p = NULL;
    if (!self)
        return;
    //  The Manager's thread closed it and took what was left
    assert (self->head == NULL);
    doorbell_unref (&self->bell);
    pthread_mutex_destroy (&self->mutex);
    free (self);
}

int
req_inbox_fd (req_inbox_t *self)
{
    return doorbell_fd (self->bell);
}

doorbell_t *
req_inbox_bell (req_inbox_t *self)
{
    return self->bell;
}

int
req_inbox_post (req_inbox_t *self, req_msg_t *msg, asynrole_error_t *error)
{
    msg->next = NULL;
    if (msg->is_call)
        atomic_fetch_add (&((req_call_t *) msg)->refs, 1);
    pthread_mutex_lock (&self->mutex);
    bool closed = self->closed;
    bool was_empty = self->head == NULL;
    if (!closed) {
        if (self->tail)
            self->tail->next = msg;
        else
            self->head = msg;
        self->tail = msg;
    }
    pthread_mutex_unlock (&self->mutex);
    if (closed) {
        if (msg->is_call)
            atomic_fetch_sub (&((req_call_t *) msg)->refs, 1);
        return error_set (error, ASYNROLE_ECLOSED, ASYNROLE_OP_NONE, 0,
                          "the Manager is closed, or being destroyed");
    }
    if (was_empty)
        req_inbox_wake (self);
    return 0;
}

void
req_inbox_wake (req_inbox_t *self)
{
    doorbell_ring (self->bell);
}

req_msg_t *
req_inbox_take (req_inbox_t *self)
{
    //  Cleared first: a post after the take below rings again
    doorbell_clear (self->bell);
    pthread_mutex_lock (&self->mutex);
    req_msg_t *taken = self->head;
    self->head = self->tail = NULL;
    pthread_mutex_unlock (&self->mutex);
    return taken;
}

req_msg_t *
req_inbox_close (req_inbox_t *self)
{
    pthread_mutex_lock (&self->mutex);
    self->closed = true;
    pthread_mutex_unlock (&self->mutex);
    return req_inbox_take (self);
}

bool
req_inbox_reserve (req_inbox_t *self, size_t max)
{
    size_t waiting = atomic_load (&self->waiting);
    do
        if (waiting >= max)
            return false;
    while (!atomic_compare_exchange_weak (&self->waiting, &waiting, waiting + 1));
    return true;
}

void
req_inbox_unreserve (req_inbox_t *self)
{
    atomic_fetch_sub (&self->waiting, 1);
}

size_t
req_inbox_waiting (req_inbox_t *self)
{
    return atomic_load (&self->waiting);
}

uint64_t
req_inbox_handle (req_inbox_t *self)
{
    return atomic_fetch_add (&self->next_handle, 1);
}

uint64_t
req_inbox_next_handle (req_inbox_t *self)
{
    return atomic_load (&self->next_handle);
}

//  -------------------------------------------------------------------------
//  Calls

req_call_t *
req_call_new (req_call_kind_t kind, asynrole_error_t *error)
{
    req_call_t *self = calloc (1, sizeof *self);
    if (!self) {
        error_nomem (error, "a call to a Manager's request engine");
        return NULL;
    }
    self->msg.is_call = true;
    self->kind = kind;
    atomic_init (&self->refs, 1);
    pthread_mutex_init (&self->mutex, NULL);
    clock_cond_init (&self->cond);
    return self;
}

int
req_call_wait (req_call_t *self, int timeout, asynrole_error_t *error)
{
    pthread_mutex_lock (&self->mutex);
    bool done = clock_wait_flag (&self->cond, &self->mutex, &self->done, true, timeout);
    pthread_mutex_unlock (&self->mutex);
    if (done)
        return 0;
    return error_set (error, ASYNROLE_ETIMEOUT, ASYNROLE_OP_CONTROL, ETIMEDOUT,
                      "the Manager's thread did not answer within %d ms (a callback that "
                      "does not return?)",
                      timeout);
}

void
req_call_done (req_call_t *self)
{
    pthread_mutex_lock (&self->mutex);
    self->done = true;
    pthread_cond_signal (&self->cond);
    pthread_mutex_unlock (&self->mutex);
    req_call_unref (&self);
}

void
req_call_unref (req_call_t **self_p)
{
    req_call_t *self = *self_p;
    *self_p = NULL;
    if (!self || atomic_fetch_sub (&self->refs, 1) != 1)
        return;
    free (self->dests);
    free (self->handles);
    pthread_mutex_destroy (&self->mutex);
    pthread_cond_destroy (&self->cond);
    free (self);
}
