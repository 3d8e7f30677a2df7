/*  rmail.c - a remote actor's mailbox and the calls that wait on it */
#include "rmail.h"
#include "clock.h"
#include "doorbell.h"
#include "error_fill.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct rmail_s {
    atomic_int refs;         //  the actor's, and one per sender that holds it
    pthread_mutex_t mutex;   //  guards head, tail, closed
    rmail_item_t *head;      //  oldest item
    rmail_item_t *tail;      //  newest item
    bool closed;             //  posts refused
    doorbell_t *bell;        //  rung when the list stops being empty
    rmail_free_fn *free_fn;  //  frees items nobody took
};

rmail_t *
rmail_new (rmail_free_fn *free_fn, asynrole_error_t *error)
{
    rmail_t *self = calloc (1, sizeof *self);
    if (!self) {
        error_nomem (error, "a mailbox");
        return NULL;
    }
    self->bell = doorbell_new (error);
    if (!self->bell) {
        free (self);
        return NULL;
    }
    atomic_init (&self->refs, 1);
    pthread_mutex_init (&self->mutex, NULL);
    self->free_fn = free_fn;
    return self;
}

rmail_t *
rmail_ref (rmail_t *self)
{
    atomic_fetch_add (&self->refs, 1);
    return self;
}

static void
s_free_items (rmail_t *self, rmail_item_t *item)
{
    while (item) {
        rmail_item_t *next = item->next;
        if (item->kind == RMAIL_CALL) {
            rmail_call_t *call = (rmail_call_t *) item;
            call->rc = error_set (&call->error, ASYNROLE_ECLOSED, ASYNROLE_OP_CONTROL, 0,
                                  "the object was destroyed before it answered");
            rmail_answer (call);
        }
        else if (self->free_fn)
            self->free_fn (item);
        item = next;
    }
}

void
rmail_unref (rmail_t **self_p)
{
    rmail_t *self = *self_p;
    *self_p = NULL;
    if (!self || atomic_fetch_sub (&self->refs, 1) > 1)
        return;
    s_free_items (self, self->head);
    doorbell_unref (&self->bell);
    pthread_mutex_destroy (&self->mutex);
    free (self);
}

static bool
s_link (rmail_t *self, rmail_item_t *item, bool always)
{
    item->next = NULL;
    pthread_mutex_lock (&self->mutex);
    if (self->closed && !always) {
        pthread_mutex_unlock (&self->mutex);
        return false;
    }
    bool was_empty = !self->head;
    if (self->tail)
        self->tail->next = item;
    else
        self->head = item;
    self->tail = item;
    pthread_mutex_unlock (&self->mutex);
    //  One ring wakes the actor for the whole burst
    if (was_empty)
        doorbell_ring (self->bell);
    return true;
}

int
rmail_post (rmail_t *self, rmail_item_t *item)
{
    return s_link (self, item, false) ? 0 : -1;
}

void
rmail_post_always (rmail_t *self, rmail_item_t *item)
{
    s_link (self, item, true);
}

rmail_item_t *
rmail_take (rmail_t *self)
{
    pthread_mutex_lock (&self->mutex);
    rmail_item_t *items = self->head;
    self->head = self->tail = NULL;
    pthread_mutex_unlock (&self->mutex);
    return items;
}

rmail_item_t *
rmail_remove (rmail_t *self, rmail_match_fn *match, void *arg)
{
    pthread_mutex_lock (&self->mutex);
    rmail_item_t *prev = NULL, *item = self->head;
    while (item && !match (item, arg)) {
        prev = item;
        item = item->next;
    }
    if (item) {
        if (prev)
            prev->next = item->next;
        else
            self->head = item->next;
        if (self->tail == item)
            self->tail = prev;
        item->next = NULL;
    }
    pthread_mutex_unlock (&self->mutex);
    return item;
}

rmail_item_t *
rmail_close (rmail_t *self)
{
    pthread_mutex_lock (&self->mutex);
    self->closed = true;
    rmail_item_t *items = self->head;
    self->head = self->tail = NULL;
    pthread_mutex_unlock (&self->mutex);
    return items;
}

int
rmail_fd (rmail_t *self)
{
    return doorbell_fd (self->bell);
}

void
rmail_clear (rmail_t *self)
{
    doorbell_clear (self->bell);
}

static void
s_call_unref (rmail_call_t *call)
{
    if (atomic_fetch_sub (&call->refs, 1) > 1)
        return;
    pthread_mutex_destroy (&call->mutex);
    pthread_cond_destroy (&call->cond);
    free (call);
}

int
rmail_call (rmail_t *self, int what, uint64_t handle, int timeout_ms, rmail_call_t *answer,
            asynrole_error_t *error)
{
    rmail_call_t *call = calloc (1, sizeof *call);
    if (!call)
        return error_nomem (error, "a call");
    call->item.kind = RMAIL_CALL;
    call->what = what;
    call->handle = handle;
    atomic_init (&call->refs, 2);
    pthread_mutex_init (&call->mutex, NULL);
    clock_cond_init (&call->cond);
    if (rmail_post (self, &call->item)) {
        atomic_store (&call->refs, 1);
        s_call_unref (call);
        return error_set (error, ASYNROLE_ECLOSED, ASYNROLE_OP_CONTROL, 0,
                          "the object is being destroyed");
    }
    pthread_mutex_lock (&call->mutex);
    bool done = clock_wait_flag (&call->cond, &call->mutex, &call->done, true, timeout_ms);
    int rc = -1;
    if (done) {
        rc = call->rc;
        if (answer)
            memcpy (&answer->stats, &call->stats, sizeof call->stats);
        if (rc < 0 && error)
            *error = call->error;
        else
            error_clear (error);
    }
    pthread_mutex_unlock (&call->mutex);
    s_call_unref (call);
    if (!done)
        return error_set (error, ASYNROLE_ETIMEOUT, ASYNROLE_OP_CONTROL, ETIMEDOUT,
                          "no answer within %d ms", timeout_ms);
    return rc;
}

void
rmail_answer (rmail_call_t *call)
{
    pthread_mutex_lock (&call->mutex);
    call->done = true;
    pthread_cond_signal (&call->cond);
    pthread_mutex_unlock (&call->mutex);
    s_call_unref (call);
}
