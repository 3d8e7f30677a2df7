/*  asynrole_client_bulk.c - bulk dispatch through a request server, as
    asynrole_manager_bulk: a result per entry */
#include "asynrole_remote.h"
#include "clock.h"
#include "error_fill.h"
#include "rclient.h"
#include "req.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct bulk_s bulk_t;

typedef struct {
    bulk_t *bulk;            //  whose slot
    uint64_t handle;         //  the request, once made
    bool made;               //  a request is (or was) under way
    bool done;               //  its result is in (under the mutex)
    asynrole_error_t error;  //  code 0 with a reply
    asynrole_reply_t reply;  //  the reply, copied
} bslot_t;

struct bulk_s {
    atomic_int refs;        //  the caller's, and one per request under way
    pthread_mutex_t mutex;  //  guards every slot's done, error, reply, and ended
    pthread_cond_t cond;    //  signalled on every result (CLOCK_MONOTONIC)
    size_t ended;           //  slots done
    size_t open;            //  requests made and not ended
    size_t count;           //  slots
    bslot_t slots[];        //  one per entry
};

static void
s_unref (bulk_t **self_p)
{
    bulk_t *self = *self_p;
    *self_p = NULL;
    if (atomic_fetch_sub (&self->refs, 1) > 1)
        return;
    for (size_t i = 0; i < self->count; i++)
        asynrole_reply_free (&self->slots[i].reply);
    pthread_mutex_destroy (&self->mutex);
    pthread_cond_destroy (&self->cond);
    free (self);
}

//  The slot's end (under the mutex)
static void
s_done (bslot_t *slot, const asynrole_error_t *error)
{
    slot->done = true;
    if (error)
        slot->error = *error;
    slot->bulk->ended++;
    pthread_cond_broadcast (&slot->bulk->cond);
}

//  The client's thread: a result
static void
s_on_result (asynrole_client_t *client, void *ctx, const asynrole_result_t *result)
{
    (void) client;
    bslot_t *slot = (bslot_t *) ctx;
    bulk_t *bulk = slot->bulk;
    pthread_mutex_lock (&bulk->mutex);
    bulk->open--;
    if (result->reply) {
        const asynrole_datagram_t *reply = result->reply;
        uint8_t *copy = (uint8_t *) malloc (reply->size ? reply->size : 1);
        if (copy) {
            memcpy (copy, reply->data, reply->size);
            slot->reply = (asynrole_reply_t){ .data = copy,
                                              .size = reply->size,
                                              .peer = reply->peer,
                                              .attempts = result->attempts,
                                              .attempt = result->attempt,
                                              .rtt_us = result->rtt_us };
            error_clear (&slot->error);
        }
        else
            error_nomem (&slot->error, "a reply");
        s_done (slot, NULL);
    }
    else
        s_done (slot, result->error);
    pthread_mutex_unlock (&bulk->mutex);
    s_unref (&bulk);
}

//  Wait until more than ended slots are done, at most timeout_ms
static size_t
s_wait (bulk_t *self, size_t ended, int timeout_ms)
{
    struct timespec deadline = clock_after (timeout_ms);
    pthread_mutex_lock (&self->mutex);
    int rc = 0;
    while (self->ended <= ended && self->ended < self->count && rc == 0 && timeout_ms > 0)
        rc = pthread_cond_timedwait (&self->cond, &self->mutex, &deadline);
    size_t now = self->ended;
    pthread_mutex_unlock (&self->mutex);
    return now;
}

//  The longest an entry may take once made, plus the server's liveness
//  and the client's timeout: the bound on a wait in which nothing ends
static int
s_patience (asynrole_client_t *client, const asynrole_bulk_entry_t *entries, size_t count)
{
    int64_t longest = 0;
    asynrole_policy_t seed;
    req_policy_default (NULL, &seed);
    for (size_t i = 0; i < count; i++) {
        const asynrole_policy_t *given = entries[i].request.policy;
        req_policy_t policy;
        if (req_policy_check (given ? given : &seed, &policy, NULL) == 0) {
            int64_t life = req_policy_life (&policy) / 1000;
            longest = life > longest ? life : longest;
        }
    }
    longest += client->options.timeout + client->options.heartbeat_timeout;
    return longest < INT_MAX ? (int) longest : INT_MAX;
}

//  Make entry i's request; false when the client is full (try again later)
static bool
s_make (asynrole_client_t *client, bulk_t *bulk, asynrole_bulk_entry_t *entry, size_t i,
        bool ours_under_way)
{
    bslot_t *slot = &bulk->slots[i];
    asynrole_request_t request = entry->request;
    request.ctx = slot;
    atomic_fetch_add (&bulk->refs, 1);
    //  Counted before: its result may come before the call returns
    pthread_mutex_lock (&bulk->mutex);
    bulk->open++;
    pthread_mutex_unlock (&bulk->mutex);
    asynrole_error_t error;
    if (asynrole_client_request (client, &request, s_on_result, &slot->handle, &error) == 0) {
        slot->made = true;
        return true;
    }
    atomic_fetch_sub (&bulk->refs, 1);
    pthread_mutex_lock (&bulk->mutex);
    bulk->open--;
    pthread_mutex_unlock (&bulk->mutex);
    if (error.code == ASYNROLE_EWOULDBLOCK && ours_under_way)
        return false;
    pthread_mutex_lock (&bulk->mutex);
    s_done (slot, &error);
    pthread_mutex_unlock (&bulk->mutex);
    return true;
}

//  Whether some request of ours is made and not ended (a slot refused at
//  once is done without one: it frees nothing to wait for)
static bool
s_under_way (bulk_t *bulk)
{
    pthread_mutex_lock (&bulk->mutex);
    bool any = bulk->open > 0;
    pthread_mutex_unlock (&bulk->mutex);
    return any;
}

//  Give up: cancel what is under way (each ends ECANCELLED at once)
static void
s_give_up (asynrole_client_t *client, bulk_t *bulk)
{
    for (size_t i = 0; i < bulk->count; i++) {
        pthread_mutex_lock (&bulk->mutex);
        bool cancel = bulk->slots[i].made && !bulk->slots[i].done;
        pthread_mutex_unlock (&bulk->mutex);
        asynrole_error_t error;
        if (cancel)
            asynrole_client_cancel (client, bulk->slots[i].handle, &error);
    }
}

static int
s_collect (bulk_t *bulk, asynrole_bulk_entry_t *entries, int gave_up)
{
    int replies = 0;
    pthread_mutex_lock (&bulk->mutex);
    for (size_t i = 0; i < bulk->count; i++) {
        bslot_t *slot = &bulk->slots[i];
        memset (&entries[i].reply, 0, sizeof entries[i].reply);
        if (!slot->done || (gave_up && slot->error.code == ASYNROLE_ECANCELLED)) {
            error_set (&entries[i].error, ASYNROLE_ETIMEOUT, ASYNROLE_OP_REMOTE, ETIMEDOUT,
                       "none of the entries ended within %d ms: given up", gave_up);
            continue;
        }
        entries[i].error = slot->error;
        entries[i].reply = slot->reply;
        memset (&slot->reply, 0, sizeof slot->reply);
        replies += slot->error.code == 0;
    }
    pthread_mutex_unlock (&bulk->mutex);
    return replies;
}

int
asynrole_client_bulk (asynrole_client_t *self, asynrole_bulk_entry_t *entries, size_t count,
                      asynrole_error_t *error)
{
    if (!self || (!entries && count))
        return error_badarg (error, "no client, or no entries");
    if (rclient_in_own_thread (self))
        return error_badarg (error, "a bulk dispatch cannot wait in the client's own thread");
    if (!count) {
        error_clear (error);
        return 0;
    }
    //  A destroy meanwhile ends our requests (ECLOSED), then waits for us
    if (rclient_enter (self, error))
        return -1;
    bulk_t *bulk = (bulk_t *) calloc (1, sizeof *bulk + count * sizeof (bslot_t));
    if (!bulk) {
        rclient_leave (self);
        return error_nomem (error, "a bulk dispatch");
    }
    atomic_init (&bulk->refs, 1);
    pthread_mutex_init (&bulk->mutex, NULL);
    clock_cond_init (&bulk->cond);
    bulk->count = count;
    for (size_t i = 0; i < count; i++)
        bulk->slots[i].bulk = bulk;
    int patience = s_patience (self, entries, count);
    size_t next = 0, ended = 0;
    int gave_up = 0;
    while (ended < count && !gave_up) {
        ended = s_wait (bulk, 0, 0);
        while (next < count && s_make (self, bulk, &entries[next], next, s_under_way (bulk)))
            next++;
        size_t before = s_wait (bulk, 0, 0);
        if (before == count)
            break;
        ended = s_wait (bulk, before, patience);
        if (ended == before) {
            s_give_up (self, bulk);
            gave_up = patience;
        }
    }
    int replies = s_collect (bulk, entries, gave_up);
    s_unref (&bulk);
    rclient_leave (self);
    error_clear (error);
    return replies;
}
