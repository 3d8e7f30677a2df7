/*  waiter.c - where a blocking call waits for its results */
#include "waiter.h"
#include "role_batch.h"
#include "clock.h"
#include "error_fill.h"
#include "role.h"
#include "manager_internal.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
waiter_check_thread (role_t *role, asynrole_error_t *error)
{
    if (actor_is_self (role->actor))
        return error_badarg (error,
                             "a blocking call from the role's own callback would wait "
                             "for the thread it runs in: %s",
                             role->name);
    return 0;
}

waiter_t *
waiter_new (size_t count, asynrole_error_t *error)
{
    bool fits = count <= (SIZE_MAX - sizeof (waiter_t)) / sizeof (waiter_slot_t);
    waiter_t *self = fits ? calloc (1, sizeof *self + count * sizeof (waiter_slot_t)) : NULL;
    if (!self) {
        error_nomem (error, "a blocking call's results");
        return NULL;
    }
    atomic_init (&self->refs, 1);
    pthread_mutex_init (&self->mutex, NULL);
    clock_cond_init (&self->cond);
    self->count = count;
    for (size_t i = 0; i < count; i++)
        self->slots[i].waiter = self;
    return self;
}

void
waiter_unref (waiter_t **self_p)
{
    waiter_t *self = *self_p;
    *self_p = NULL;
    if (!self || atomic_fetch_sub (&self->refs, 1) != 1)
        return;
    for (size_t i = 0; i < self->count; i++)
        asynrole_reply_free (&self->slots[i].reply);
    pthread_mutex_destroy (&self->mutex);
    pthread_cond_destroy (&self->cond);
    free (self);
}

//  The result callback (the Manager's thread): the slot is done
static void
s_result (asynrole_manager_t *manager, void *ctx, const asynrole_result_t *result)
{
    (void) manager;
    waiter_slot_t *slot = (waiter_slot_t *) ctx;
    waiter_t *self = slot->waiter;
    uint8_t *copy = NULL;
    const asynrole_datagram_t *reply = result->reply;
    if (reply && reply->size && !(copy = malloc (reply->size)))
        reply = NULL;  //  no room for the reply: ENOMEM below
    pthread_mutex_lock (&self->mutex);
    if (result->error)
        slot->error = *result->error;
    else if (!reply)
        error_nomem (&slot->error, "a reply's copy");
    else {
        if (reply->size)
            memcpy (copy, reply->data, reply->size);
        slot->reply = (asynrole_reply_t){ .data = copy,
                                          .size = reply->size,
                                          .peer = reply->peer,
                                          .attempts = result->attempts,
                                          .attempt = result->attempt,
                                          .rtt_us = result->rtt_us };
        error_clear (&slot->error);
    }
    slot->done = true;
    self->ended++;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
    waiter_unref (&self);
}

//  The caller's validator, with the caller's context
static bool
s_validate (void *ctx, const asynrole_datagram_t *reply)
{
    waiter_slot_t *slot = (waiter_slot_t *) ctx;
    return slot->validate (slot->ctx, reply);
}

int
waiter_request (waiter_t *self, size_t index, asynrole_manager_t *manager,
                const asynrole_request_t *request, asynrole_error_t *error)
{
    waiter_slot_t *slot = &self->slots[index];
    if (!request)
        return error_badarg (error, "no request");
    asynrole_request_t ours = *request;
    slot->validate = request->validate;
    slot->ctx = request->ctx;
    ours.validate = request->validate ? s_validate : NULL;
    ours.ctx = slot;
    atomic_fetch_add (&self->refs, 1);  //  the result's
    if (asynrole_manager_request (manager, &ours, s_result, &slot->handle, error) == 0)
        return 0;
    atomic_fetch_sub (&self->refs, 1);
    return -1;
}

void
waiter_fail (waiter_t *self, size_t index, const asynrole_error_t *error)
{
    pthread_mutex_lock (&self->mutex);
    self->slots[index].error = *error;
    self->slots[index].done = true;
    self->ended++;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

size_t
waiter_wait (waiter_t *self, size_t ended, int timeout_ms)
{
    //  Sends this thread holds (a callback of another role) go before it waits
    if (timeout_ms > 0)
        role_batch_flush ();
    struct timespec until = clock_after (timeout_ms);
    pthread_mutex_lock (&self->mutex);
    int rc = 0;
    while (self->ended <= ended && self->ended < self->count && rc == 0)
        rc = pthread_cond_timedwait (&self->cond, &self->mutex, &until);
    size_t now = self->ended;
    pthread_mutex_unlock (&self->mutex);
    return now;
}

size_t
waiter_cancel (waiter_t *self, asynrole_manager_t *manager, int timeout_ms)
{
    int64_t deadline = clock_ms () + timeout_ms;
    uint64_t *handles = calloc (self->count, sizeof *handles);
    size_t count = 0;
    pthread_mutex_lock (&self->mutex);
    for (size_t i = 0; handles && i < self->count; i++)
        if (!self->slots[i].done && self->slots[i].handle)
            handles[count++] = self->slots[i].handle;
    pthread_mutex_unlock (&self->mutex);
    //  One call, one deadline; those that end meanwhile are not found.
    //  Without memory for the list, the results come by the requests' ends.
    if (handles)
        manager_cancel_many (manager, handles, count, NULL);
    size_t ended = waiter_wait (self, 0, 0);
    while (ended < self->count && clock_left (deadline) > 0)
        ended = waiter_wait (self, ended, clock_left (deadline));
    return ended;
}
