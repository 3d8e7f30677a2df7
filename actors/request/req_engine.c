/*  req_engine.c - the request engine: its table, its lists, and the life of
    a request from the queue to its one final callback */
#include "req_engine.h"
#include "bounds.h"
#include "clock.h"
#include "error_fill.h"
#include "log.h"
#include "role.h"
#include <stdlib.h>
#include <string.h>

int
req_engine_check (const asynrole_requests_t *given, asynrole_requests_t *out,
                  asynrole_error_t *error)
{
    asynrole_requests_t none;
    memset (&none, 0, sizeof none);
    *out = given ? *given : none;
    if (out->check != ASYNROLE_CHECK_STRICT && out->check != ASYNROLE_CHECK_ADDRESS
        && out->check != ASYNROLE_CHECK_ANY)
        return error_badarg (error, "unknown peer check %d", (int) out->check);
    if (out->max_in_flight > LIMIT_REQUESTS_MAX || out->max_queued > LIMIT_REQUESTS_MAX
        || out->max_per_destination > LIMIT_REQUESTS_MAX)
        return error_badarg (error, "the request limits may be at most %u each",
                             LIMIT_REQUESTS_MAX);
    if (!out->max_in_flight)
        out->max_in_flight = LIMIT_IN_FLIGHT;
    if (!out->max_per_destination || out->max_per_destination > out->max_in_flight)
        out->max_per_destination = out->max_in_flight;
    if (!out->max_queued)
        out->max_queued = LIMIT_QUEUED;
    asynrole_policy_t policy;
    req_policy_default (&out->policy, &policy);
    req_policy_t checked;
    if (req_policy_check (&policy, &checked, error))
        return -1;
    out->policy = policy;
    return 0;
}

req_engine_t *
req_engine_new (role_t *role, const asynrole_requests_t *settings, req_inbox_t *inbox,
                asynrole_error_t *error)
{
    req_engine_t *self = calloc (1, sizeof *self);
    if (!self) {
        error_nomem (error, "a request engine");
        return NULL;
    }
    self->role = role;
    self->inbox = inbox;
    self->settings = *settings;
    map_init (&self->by_handle);
    map_init (&self->by_key);
    heap_init (&self->timers);
    req_dests_init (&self->dests);
    self->queue = self->flying = (req_list_t){ REQ_NONE, REQ_NONE };
    //  Jitter needs no more than a different sequence per engine
    self->rng =
        (uint64_t) clock_us () ^ ((uint64_t) (uintptr_t) self << 16) ^ 0x9e3779b97f4a7c15ull;
    return self;
}

//  -------------------------------------------------------------------------
//  The table and the lists

static req_t *
s_req (req_engine_t *self, uint32_t slot)
{
    return slot == REQ_NONE ? NULL : self->slots[slot];
}

//  A free slot for req; false when out of memory
static bool
s_slot_take (req_engine_t *self, req_t *req)
{
    if (self->free_count == 0) {
        uint32_t room = self->room ? self->room * 2 : ROOM_FIRST_SLOTS;
        if (self->room >= LIMIT_SLOTS_MAX)
            return false;
        req_t **slots = realloc (self->slots, room * sizeof *slots);
        if (!slots)
            return false;
        self->slots = slots;
        uint32_t *free_slots = realloc (self->free, room * sizeof *free_slots);
        if (!free_slots)
            return false;
        self->free = free_slots;
        //  The new slots, lowest on top
        for (uint32_t slot = room; slot > self->room; slot--) {
            self->slots[slot - 1] = NULL;
            self->free[self->free_count++] = slot - 1;
        }
        self->room = room;
    }
    req->slot = self->free[--self->free_count];
    self->slots[req->slot] = req;
    return true;
}

static void
s_slot_give (req_engine_t *self, req_t *req)
{
    self->slots[req->slot] = NULL;
    self->free[self->free_count++] = req->slot;
}

//  Lists through prev/next (the queue, a destination's lists)
static void
s_push (req_engine_t *self, req_list_t *list, req_t *req, bool front)
{
    req->prev = front ? REQ_NONE : list->tail;
    req->next = front ? list->head : REQ_NONE;
    if (req->prev != REQ_NONE)
        self->slots[req->prev]->next = req->slot;
    else
        list->head = req->slot;
    if (req->next != REQ_NONE)
        self->slots[req->next]->prev = req->slot;
    else
        list->tail = req->slot;
}

static void
s_unlink (req_engine_t *self, req_list_t *list, req_t *req)
{
    if (req->prev != REQ_NONE)
        self->slots[req->prev]->next = req->next;
    else
        list->head = req->next;
    if (req->next != REQ_NONE)
        self->slots[req->next]->prev = req->prev;
    else
        list->tail = req->prev;
    req->prev = req->next = REQ_NONE;
}

//  The list of everything in flight, through all_prev/all_next
static void
s_all_push (req_engine_t *self, req_t *req)
{
    req->all_prev = self->flying.tail;
    req->all_next = REQ_NONE;
    if (req->all_prev != REQ_NONE)
        self->slots[req->all_prev]->all_next = req->slot;
    else
        self->flying.head = req->slot;
    self->flying.tail = req->slot;
}

static void
s_all_unlink (req_engine_t *self, req_t *req)
{
    if (req->all_prev != REQ_NONE)
        self->slots[req->all_prev]->all_next = req->all_next;
    else
        self->flying.head = req->all_next;
    if (req->all_next != REQ_NONE)
        self->slots[req->all_next]->all_prev = req->all_prev;
    else
        self->flying.tail = req->all_prev;
}

//  -------------------------------------------------------------------------
//  Keys

req_attempt_t *
req_engine_registered (req_t *req, uint64_t key)
{
    for (int i = 0; i < req->attempts; i++) {
        req_attempt_t *attempt = req_attempt (req, i);
        if (attempt->registered && attempt->key == key)
            return attempt;
    }
    return NULL;
}

//  Put the request first under its attempt's key, unless it is there already
static void
s_key_register (req_engine_t *self, req_t *req, req_attempt_t *attempt)
{
    if (!attempt->has_key || req_engine_registered (req, attempt->key))
        return;
    uint32_t first = REQ_NONE;
    map_get (&self->by_key, attempt->key, &first);
    if (!map_put (&self->by_key, attempt->key, req->slot)) {
        log_error ("%s: out of memory: a request's key is not known; it can only time out",
                   self->role->name);
        return;
    }
    attempt->chain = first;
    attempt->registered = true;
}

static void
s_key_unregister (req_engine_t *self, req_t *req, const req_attempt_t *attempt)
{
    uint32_t at = REQ_NONE;
    map_get (&self->by_key, attempt->key, &at);
    if (at == req->slot) {
        if (attempt->chain == REQ_NONE)
            map_remove (&self->by_key, attempt->key);
        else
            map_put (&self->by_key, attempt->key, attempt->chain);  //  a replacement
        return;
    }
    //  Further down the chain: find whoever points at us
    while (at != REQ_NONE) {
        req_attempt_t *before = req_engine_registered (self->slots[at], attempt->key);
        if (before->chain == req->slot) {
            before->chain = attempt->chain;
            return;
        }
        at = before->chain;
    }
}

//  -------------------------------------------------------------------------
//  The end of a request

//  Take the request out of every list, map and timer; the destination's
//  place it held goes to the oldest request blocked on it
static void
s_detach (req_engine_t *self, req_t *req)
{
    heap_remove (&self->timers, req->slot);
    map_remove (&self->by_handle, req->handle);
    for (int i = 0; i < req->attempts; i++)
        if (req_attempt (req, i)->registered)
            s_key_unregister (self, req, req_attempt (req, i));
    req_dest_t *dest = &self->dests.dests[req->dest];
    if (req->state == REQ_WAITING)
        s_unlink (self, &self->queue, req);
    else if (req->state == REQ_BLOCKED)
        s_unlink (self, &dest->blocked, req);
    else {
        s_unlink (self, &dest->flying, req);
        s_all_unlink (self, req);
        self->in_flight--;
        dest->stats.in_flight--;
        req_t *next = s_req (self, dest->blocked.head);
        if (next) {
            s_unlink (self, &dest->blocked, next);
            next->state = REQ_WAITING;
            s_push (self, &self->queue, next, true);
        }
    }
    if (req->state != REQ_FLYING)
        req_inbox_unreserve (self->inbox);
    s_slot_give (self, req);
}

static void
s_hook (req_engine_t *self, const req_t *req, asynrole_request_event_t event, int attempt)
{
    if (!self->settings.hook)
        return;
    bool in_user = self->in_user;
    self->in_user = true;
    self->settings.hook ((asynrole_manager_t *) self->role->owner, self->settings.hook_ctx,
                         req->handle, event, &req->destination, attempt);
    self->in_user = in_user;
}

//  The one final callback. error NULL: result holds the reply.
static void
s_finish (req_engine_t *self, req_t *req, asynrole_result_t *result)
{
    s_detach (self, req);
    req_dest_t *dest = &self->dests.dests[req->dest];
    asynrole_code_t code = result->error ? result->error->code : 0;
    if (code == ASYNROLE_ENORESPONSE) {
        self->totals.timeouts++;
        dest->stats.timeouts++;
    }
    else if (code == ASYNROLE_ECANCELLED) {
        self->totals.cancelled++;
        dest->stats.cancelled++;
    }
    else if (code)
        self->totals.failed++;
    result->handle = req->handle;
    result->attempts = req->attempts;
    req->callback ((asynrole_manager_t *) self->role->owner, req->ctx, result);
    s_hook (self, req, ASYNROLE_REQUEST_FINISHED, req->attempts - 1);
    free (req->more);
    free (req);
}

//  End a request with an error
static void
s_fail (req_engine_t *self, req_t *req, asynrole_code_t code, const asynrole_error_t *cause)
{
    asynrole_error_t error;
    char text[ASYNROLE_ADDR_STRLEN];
    if (cause)
        error = *cause;
    else {
        error_set (&error, code, ASYNROLE_OP_NONE, 0, "%s after %d attempt%s: request %llu to %s",
                   code == ASYNROLE_ENORESPONSE      ? "no response"
                       : code == ASYNROLE_ECANCELLED ? "cancelled"
                                                     : "the Manager closed",
                   req->attempts, req->attempts == 1 ? "" : "s", (unsigned long long) req->handle,
                   asynrole_addr_format (&req->destination, text, sizeof text));
        error.address = req->destination;
    }
    asynrole_result_t result = { .error = &error, .attempt = -1 };
    s_finish (self, req, &result);
}

void
req_engine_end (req_engine_t *self, req_t *req, asynrole_code_t code)
{
    s_fail (self, req, code, NULL);
}

void
req_engine_accept (req_engine_t *self, req_t *req, const asynrole_datagram_t *reply, int attempt,
                   bool sure)
{
    req_dest_t *dest = &self->dests.dests[req->dest];
    int64_t rtt = clock_us () - req_attempt (req, attempt)->sent_us;
    //  Karn: only a reply that can answer one attempt alone is a sample
    if (sure)
        req_dests_sample (&self->dests, req->dest, rtt);
    self->totals.replies++;
    dest->stats.replies++;
    if (attempt < req->attempts - 1) {
        self->totals.late++;
        dest->stats.late++;
    }
    asynrole_result_t result = { .reply = reply, .attempt = attempt, .rtt_us = rtt };
    s_finish (self, req, &result);
}

//  -------------------------------------------------------------------------
//  Attempts

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

//  Hand the attempt to the I/O actor; the send never waits: a full queue
//  tries again shortly. 0 sent, 1 try again, -1 failed (error filled).
static int
s_send (req_engine_t *self, req_t *req, asynrole_error_t *error)
{
    role_t *role = self->role;
    role_send_t how = { .nowait = true };
    const asynrole_addr_t *to = role->destination.len ? NULL : &req->destination;
    if (role_send (role, req->data, req->size, to, &how, error) == 0)
        return 0;
    return error->code == ASYNROLE_EWOULDBLOCK ? 1 : -1;
}

//  The next attempt: rewritten (after the first), sent, recorded, timed
static void
s_attempt (req_engine_t *self, req_t *req)
{
    asynrole_error_t error;
    if (!s_attempt_room (req)) {
        error_nomem (&error, "a request's attempt");
        s_fail (self, req, ASYNROLE_ENOMEM, &error);
        return;
    }
    int n = req->attempts;
    bool in_user = self->in_user;
    self->in_user = true;
    if (n > 0 && !req->resend && self->settings.on_attempt)
        self->settings.on_attempt (self->settings.attempt_ctx, req->handle, n, req->data,
                                   req->size);
    self->in_user = in_user;
    int rc = s_send (self, req, &error);
    int64_t now = clock_us ();
    req->resend = rc == 1;
    if (rc == 1) {
        int64_t at = now + LIMIT_REQ_RESEND_US;
        heap_set (&self->timers, req->slot, at < req->end_us ? at : req->end_us);
        return;
    }
    if (rc < 0) {
        s_fail (self, req, error.code, &error);
        return;
    }
    req_attempt_t *attempt = req_attempt (req, n);
    memset (attempt, 0, sizeof *attempt);
    attempt->sent_us = now;
    if (self->settings.key) {
        self->in_user = true;
        attempt->has_key =
            self->settings.key (self->settings.key_ctx, req->data, req->size, &attempt->key);
        self->in_user = in_user;
    }
    req->attempts++;
    s_key_register (self, req, attempt);
    if (n > 0) {
        self->totals.retries++;
        self->dests.dests[req->dest].stats.retries++;
    }
    int64_t due = now + s_jitter (self, req_policy_wait (&req->policy, n), req->policy.jitter);
    if (!heap_set (&self->timers, req->slot, due < req->end_us ? due : req->end_us)) {
        error_nomem (&error, "a request's timer");
        s_fail (self, req, ASYNROLE_ENOMEM, &error);
        return;
    }
    s_hook (self, req, n ? ASYNROLE_REQUEST_RETRIED : ASYNROLE_REQUEST_SENT, n);
}

//  From the queue to flight
static void
s_launch (req_engine_t *self, req_t *req)
{
    req_dest_t *dest = &self->dests.dests[req->dest];
    req->state = REQ_FLYING;
    s_push (self, &dest->flying, req, false);
    s_all_push (self, req);
    self->in_flight++;
    dest->stats.in_flight++;
    req_inbox_unreserve (self->inbox);
    s_attempt (self, req);
}

void
req_engine_pump (req_engine_t *self)
{
    if (self->pumping || self->closing)
        return;
    self->pumping = true;
    while (self->in_flight < self->settings.max_in_flight
           && !atomic_load (&self->role->destroying)) {
        req_t *req = s_req (self, self->queue.head);
        if (!req)
            break;
        s_unlink (self, &self->queue, req);
        req_dest_t *dest = &self->dests.dests[req->dest];
        if (dest->stats.in_flight >= self->settings.max_per_destination) {
            req->state = REQ_BLOCKED;
            s_push (self, &dest->blocked, req, false);
        }
        else
            s_launch (self, req);
    }
    self->pumping = false;
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

//  A request's timer is due: try again, or end it
static void
s_timer (req_engine_t *self, req_t *req, int64_t now)
{
    heap_remove (&self->timers, req->slot);
    if (req->state != REQ_FLYING || now >= req->end_us)
        s_fail (self, req, ASYNROLE_ENORESPONSE, NULL);
    else if (req->resend || req->attempts <= req->policy.retries)
        s_attempt (self, req);
    else
        s_fail (self, req, ASYNROLE_ENORESPONSE, NULL);
}

void
req_engine_expire (req_engine_t *self)
{
    int64_t now = clock_us ();
    int64_t at;
    uint32_t slot;
    //  Each timer handled ends its request or moves past now: the loop ends
    while (!atomic_load (&self->role->destroying) && heap_peek (&self->timers, &at, &slot)
           && at <= now)
        s_timer (self, self->slots[slot], now);
    req_engine_pump (self);
}

//  -------------------------------------------------------------------------
//  Requests in, and out

int
req_engine_submit (req_engine_t *self, req_t *req, asynrole_error_t *error)
{
    req->state = REQ_WAITING;
    req->attempts = 0;
    req->prev = req->next = req->all_prev = req->all_next = REQ_NONE;
    req->dest = req_dests_get (&self->dests, &req->destination);
    if (req->dest == REQ_NONE || !s_slot_take (self, req))
        return error_nomem (error, "a request's place in the engine");
    if (!map_put (&self->by_handle, req->handle, req->slot)) {
        s_slot_give (self, req);
        return error_nomem (error, "a request's place in the engine");
    }
    if (req->end_us != INT64_MAX && !heap_set (&self->timers, req->slot, req->end_us)) {
        map_remove (&self->by_handle, req->handle);
        s_slot_give (self, req);
        return error_nomem (error, "a request's timer");
    }
    s_push (self, &self->queue, req, false);
    self->totals.requests++;
    self->dests.dests[req->dest].stats.requests++;
    return 0;
}
