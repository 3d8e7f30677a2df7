/*  asynrole_bulk.c - many requests in one call (the seed's bulkrole), each
    with its own policy and retries, on the Manager's request engine */
#include "asynrole_blocking.h"
#include "clock.h"
#include "error_fill.h"
#include "manager_internal.h"
#include "req.h"
#include "waiter.h"
#include <errno.h>
#include <limits.h>
#include <string.h>

//  The longest any entry may take once sent, plus the margin: the bound on
//  a wait in which nothing of ours ends
static int
s_patience (role_t *role, const asynrole_bulk_entry_t *entries, size_t count)
{
    int64_t longest = 0;
    for (size_t i = 0; i < count; i++) {
        const asynrole_policy_t *given = entries[i].request.policy;
        req_policy_t policy;
        if (req_policy_check (given ? given : &role->requests.policy, &policy, NULL) == 0) {
            int64_t life = req_policy_life (&policy) / 1000;
            longest = life > longest ? life : longest;
        }
    }
    longest += atomic_load (&role->timeout);
    return longest < INT_MAX ? (int) longest : INT_MAX;
}

//  Make requests from next on while ours under way stay below window;
//  returns the next entry to make. *full: it stopped at a full queue.
static size_t
s_submit (waiter_t *waiter, asynrole_manager_t *manager, asynrole_bulk_entry_t *entries,
          size_t count, size_t next, size_t window, bool *full)
{
    *full = false;
    size_t ended = waiter_wait (waiter, 0, 0);
    while (next < count && next - ended < window) {
        asynrole_error_t error;
        if (waiter_request (waiter, next, manager, &entries[next].request, &error)) {
            //  The queue is full of others' requests: wait for ours, unless
            //  none is under way any more (then nothing would wake us)
            ended = waiter_wait (waiter, 0, 0);
            if (error.code == ASYNROLE_EWOULDBLOCK && next > ended) {
                *full = true;
                break;
            }
            waiter_fail (waiter, next, &error);
        }
        next++;
        ended = waiter_wait (waiter, 0, 0);
    }
    return next;
}

//  Each entry's result, moved out of its slot. Given up after patience
//  ms: what we cancelled, or never got to, timed out.
static int
s_collect (waiter_t *waiter, asynrole_bulk_entry_t *entries, size_t count, int gave_up)
{
    int replies = 0;
    pthread_mutex_lock (&waiter->mutex);
    for (size_t i = 0; i < count; i++) {
        waiter_slot_t *slot = &waiter->slots[i];
        memset (&entries[i].reply, 0, sizeof entries[i].reply);
        if (!slot->done || (gave_up && slot->error.code == ASYNROLE_ECANCELLED)) {
            error_set (&entries[i].error, ASYNROLE_ETIMEOUT, ASYNROLE_OP_NONE, ETIMEDOUT,
                       "none of the entries ended within %d ms: given up", gave_up);
            continue;
        }
        entries[i].error = slot->error;
        entries[i].reply = slot->reply;
        memset (&slot->reply, 0, sizeof slot->reply);
        replies += slot->error.code == 0;
    }
    pthread_mutex_unlock (&waiter->mutex);
    return replies;
}

int
asynrole_manager_bulk (asynrole_manager_t *self, asynrole_bulk_entry_t *entries, size_t count,
                       asynrole_error_t *error)
{
    role_t *role = manager_role (self);
    if (!role || (!entries && count))
        return error_badarg (error, "no manager, or no entries");
    if (role_enter (role, error))
        return -1;
    if (waiter_check_thread (role, error)) {
        role_leave (role);
        return -1;
    }
    //  A call under way: _destroy ends our requests, then waits for us
    waiter_t *waiter = count ? waiter_new (count, error) : NULL;
    if (!waiter) {
        role_leave (role);
        return count ? -1 : 0;
    }
    int patience = s_patience (role, entries, count);
    size_t window = role->requests.max_in_flight;
    size_t next = 0;
    size_t ended = 0;
    int gave_up = 0;
    while (ended < count && !gave_up) {
        bool full;
        next = s_submit (waiter, self, entries, count, next, window, &full);
        size_t before = waiter_wait (waiter, 0, 0);
        //  Ours ended meanwhile and left room (or left nothing to wait for):
        //  make more now rather than wait for what cannot come
        bool room = next < count && (before == next || (!full && next - before < window));
        if (room) {
            ended = before;
            continue;
        }
        ended = before < count ? waiter_wait (waiter, before, patience) : before;
        if (ended == before && ended < count) {
            //  Nothing of ours ended in all that time: give up on the rest
            waiter_cancel (waiter, self, atomic_load (&role->timeout));
            gave_up = patience;
        }
    }
    int replies = s_collect (waiter, entries, count, gave_up);
    waiter_unref (&waiter);
    role_leave (role);
    error_clear (error);
    return replies;
}

void
asynrole_bulk_free (asynrole_bulk_entry_t *entries, size_t count)
{
    for (size_t i = 0; entries && i < count; i++)
        asynrole_reply_free (&entries[i].reply);
}
