/*  req_send.c - attempts and timers: a request in flight is sent, timed,
    sent again, and ended when its last wait or its deadline is over

    A send never waits (the Manager's thread must stay free to take
    replies). When the socket's send queue is full, the attempt joins the
    engine's send queue, in order, and the link rings the Manager's inbox
    bell when the I/O actor frees room (libuv's wait for POLLOUT, one level
    up): the queue then goes from its head. No polling, and no request
    overtakes one that was blocked before it. */
#include "req_engine.h"
#include "bounds.h"
#include "clock.h"
#include "error_fill.h"
#include "log.h"
#include "role.h"
#include <stdlib.h>
#include <string.h>

//  A wait drawn in [wait - wait * jitter / 100, wait] (xorshift64*)
static int64_t
s_jitter (req_engine_t *self, int64_t wait, int jitter)
{
    if (!jitter || wait <= 0)
        return wait;
    self->rng ^= self->rng >> 12;
    self->rng ^= self->rng << 25;
    self->rng ^= self->rng >> 27;
    uint64_t draw = self->rng * 0x2545f4914f6cdd1dull;
    int64_t span = wait * jitter / 100;
    return wait - (int64_t) (draw % (uint64_t) (span + 1));
}

//  Room to record one more attempt; false when out of memory
static bool
s_attempt_room (req_t *req)
{
    int beyond = req->attempts + 1 - REQ_INLINE_ATTEMPTS;
    if (beyond <= req->room)
        return true;
    int room = req->room ? req->room * 2 : REQ_INLINE_ATTEMPTS;
    req_attempt_t *more = realloc (req->more, (size_t) room * sizeof *more);
    if (!more)
        return false;
    req->more = more;
    req->room = room;
    return true;
}

//  Before an attempt after the first: the rewriter may change the bytes,
//  within their capacity. 0, or -1 with error filled.
static int
s_rewrite (req_engine_t *self, req_t *req, asynrole_error_t *error)
{
    if (req->attempts == 0 || !self->settings.on_attempt)
        return 0;
    bool in_user = self->in_user;
    self->in_user = true;
    size_t size = self->settings.on_attempt (self->settings.attempt_ctx, req->handle, req->attempts,
                                             req->data, req->size, req->capacity);
    self->in_user = in_user;
    if (size > req->capacity)
        return error_badarg (error, "the attempt rewriter made %zu bytes of room for %zu: %s", size,
                             req->capacity, self->role->name);
    req->size = size;
    return 0;
}

//  Hand the attempt to the I/O actor: 0 sent, 1 no room (the link rings
//  when there is), -1 failed (error filled)
static int
s_send (req_engine_t *self, req_t *req, asynrole_error_t *error)
{
    role_t *role = self->role;
    role_send_t how = { .nowait = true };
    const asynrole_addr_t *to = role->destination.len ? NULL : &req->destination;
    if (role_send (role, req->data, req->size, to, &how, error) == 0)
        return 0;
    if (error->code != ASYNROLE_EWOULDBLOCK)
        return -1;
    //  Ask to be told of room, then look once more: room freed in between
    //  is seen now, room freed after rings
    link_tx_want (role->link);
    if (role_send (role, req->data, req->size, to, &how, error) == 0)
        return 0;
    return error->code == ASYNROLE_EWOULDBLOCK ? 1 : -1;
}

//  The attempt is out: record it, key it, time it, tell the hook
static void
s_sent (req_engine_t *self, req_t *req, int64_t now)
{
    int n = req->attempts;
    req_attempt_t *attempt = req_attempt (req, n);
    memset (attempt, 0, sizeof *attempt);
    attempt->sent_us = now;
    if (self->settings.key) {
        bool in_user = self->in_user;
        self->in_user = true;
        attempt->has_key =
            self->settings.key (self->settings.key_ctx, req->data, req->size, &attempt->key);
        self->in_user = in_user;
    }
    req->attempts++;
    req_engine_key_register (self, req, attempt);
    if (n > 0) {
        self->totals.retries++;
        self->dests.dests[req->dest].stats.retries++;
    }
    int64_t due = now + s_jitter (self, req_policy_wait (&req->policy, n), req->policy.jitter);
    if (!heap_set (&self->timers, req->slot, due < req->end_us ? due : req->end_us)) {
        asynrole_error_t error;
        error_nomem (&error, "a request's timer");
        req_engine_fail (self, req, ASYNROLE_ENOMEM, &error);
        return;
    }
    asynrole_request_info_t info = { .event = n ? ASYNROLE_REQUEST_RETRIED : ASYNROLE_REQUEST_SENT,
                                     .handle = req->handle,
                                     .destination = &req->destination,
                                     .attempt = n,
                                     .attempts = req->attempts };
    req_engine_hook (self, &info);
}

//  No room to leave: wait in the send queue, keeping only the deadline's
//  timer, until the link rings
static void
s_blocked (req_engine_t *self, req_t *req)
{
    req->resend = true;
    self->totals.send_waits++;
    req_list_push (self, &self->sendq, req, REQ_LINK_SEND, false);
    if (req->end_us == INT64_MAX)
        heap_remove (&self->timers, req->slot);
    else if (!heap_set (&self->timers, req->slot, req->end_us))
        log_error ("%s: out of memory: request %llu's deadline is not kept", self->role->name,
                   (unsigned long long) req->handle);
}

//  The next attempt: rewritten (after the first), sent, recorded, timed.
//  Returns 1 when it is (still) in the send queue, else 0 (it may have
//  ended).
static int
s_attempt (req_engine_t *self, req_t *req)
{
    asynrole_error_t error;
    //  Made ready once per attempt, not once per try to send it
    if (!req->resend) {
        int rc = s_attempt_room (req) ? s_rewrite (self, req, &error)
                                      : error_nomem (&error, "a request's attempt");
        if (rc) {
            req_engine_fail (self, req, error.code, &error);
            return 0;
        }
    }
    //  Behind others blocked before it: it waits its turn
    bool queued = !req->resend && self->sendq.head != REQ_NONE;
    int rc = queued ? 1 : s_send (self, req, &error);
    int64_t now = clock_us ();
    if (rc == 1) {
        if (!req->resend)
            s_blocked (self, req);
        return 1;
    }
    if (req->resend) {
        req_list_unlink (self, &self->sendq, req, REQ_LINK_SEND);
        req->resend = false;
    }
    if (rc < 0)
        req_engine_fail (self, req, error.code, &error);
    else
        s_sent (self, req, now);
    return 0;
}

void
req_send_launch (req_engine_t *self, req_t *req)
{
    req_dest_t *dest = &self->dests.dests[req->dest];
    req->state = REQ_FLYING;
    req_list_push (self, &dest->flying, req, REQ_LINK, false);
    req_list_push (self, &self->flying, req, REQ_LINK_ALL, false);
    self->in_flight++;
    if (dest->stats.in_flight++ == 0 && !req_dests_flying (&self->dests, req->dest))
        log_error ("%s: out of memory: replies from other ports of a destination are not "
                   "matched",
                   self->role->name);
    req_inbox_unreserve (self->inbox);
    s_attempt (self, req);
}

//  The send queue's turn (every wake-up while it holds requests): from its
//  head, until one finds no room again
static void
s_resend (req_engine_t *self)
{
    while (self->sendq.head != REQ_NONE && !atomic_load (&self->role->destroying))
        if (s_attempt (self, self->slots[self->sendq.head]))
            break;
}

//  -------------------------------------------------------------------------
//  Timers

long
req_engine_timeout (req_engine_t *self)
{
    int64_t at;
    uint32_t slot;
    if (!heap_peek (&self->timers, &at, &slot))
        return -1;
    int64_t left = at - clock_us ();
    return left <= 0 ? 0 : (long) ((left + 999) / 1000);
}

//  A request's timer is due: its next attempt, or its end
static void
s_timer (req_engine_t *self, req_t *req, int64_t now)
{
    heap_remove (&self->timers, req->slot);
    bool more = req->state == REQ_FLYING && now < req->end_us && !req->resend
        && req->attempts <= req->policy.retries;
    if (more)
        s_attempt (self, req);
    else
        req_engine_fail (self, req, ASYNROLE_ENORESPONSE, NULL);
}

void
req_engine_expire (req_engine_t *self)
{
    s_resend (self);
    int64_t now = clock_us ();
    int64_t at;
    uint32_t slot;
    //  Each timer handled ends its request, moves past now, or leaves the
    //  heap for the send queue: the loop ends
    while (!atomic_load (&self->role->destroying) && heap_peek (&self->timers, &at, &slot)
           && at <= now)
        s_timer (self, self->slots[slot], now);
    req_engine_pump (self);
}
