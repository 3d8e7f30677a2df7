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
        || out->max_per_destination > LIMIT_REQUESTS_MAX
        || out->max_destinations > LIMIT_REQUESTS_MAX)
        return error_badarg (error, "the request limits may be at most %u each",
                             LIMIT_REQUESTS_MAX);
    if (!out->max_in_flight)
        out->max_in_flight = LIMIT_IN_FLIGHT;
    //  Without keys, replies from one destination cannot be told apart:
    //  one request in flight to each, unless the caller says otherwise
    if (!out->max_per_destination)
        out->max_per_destination = out->key ? out->max_in_flight : 1;
    if (out->max_per_destination > out->max_in_flight)
        out->max_per_destination = out->max_in_flight;
    if (!out->max_queued)
        out->max_queued = LIMIT_QUEUED;
    if (!out->max_destinations)
        out->max_destinations = LIMIT_DESTINATIONS;
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
    req_dests_init (&self->dests, (uint32_t) settings->max_destinations);
    self->queue = self->ready = self->flying = self->sendq = (req_list_t){ REQ_NONE, REQ_NONE };
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

//  The link of req that field (REQ_LINK_*) names
static req_link_t *
s_link (req_t *req, size_t field)
{
    return (req_link_t *) ((uint8_t *) req + field);
}

void
req_list_push (req_engine_t *self, req_list_t *list, req_t *req, size_t field, bool front)
{
    req_link_t *link = s_link (req, field);
    link->prev = front ? REQ_NONE : list->tail;
    link->next = front ? list->head : REQ_NONE;
    if (link->prev != REQ_NONE)
        s_link (self->slots[link->prev], field)->next = req->slot;
    else
        list->head = req->slot;
    if (link->next != REQ_NONE)
        s_link (self->slots[link->next], field)->prev = req->slot;
    else
        list->tail = req->slot;
}

void
req_list_unlink (req_engine_t *self, req_list_t *list, req_t *req, size_t field)
{
    req_link_t *link = s_link (req, field);
    if (link->prev != REQ_NONE)
        s_link (self->slots[link->prev], field)->next = link->next;
    else
        list->head = link->next;
    if (link->next != REQ_NONE)
        s_link (self->slots[link->next], field)->prev = link->prev;
    else
        list->tail = link->prev;
    link->prev = link->next = REQ_NONE;
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
void
req_engine_key_register (req_engine_t *self, req_t *req, req_attempt_t *attempt)
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
    attempt->before = REQ_NONE;
    attempt->registered = true;
    if (first != REQ_NONE)
        req_engine_registered (self->slots[first], attempt->key)->before = req->slot;
}

//  Take the request out of its key's chain: O(1), however many share it
static void
s_key_unregister (req_engine_t *self, const req_attempt_t *attempt)
{
    if (attempt->before == REQ_NONE) {
        if (attempt->chain == REQ_NONE)
            map_remove (&self->by_key, attempt->key);
        else
            map_put (&self->by_key, attempt->key, attempt->chain);  //  a replacement
    }
    else
        req_engine_registered (self->slots[attempt->before], attempt->key)->chain = attempt->chain;
    if (attempt->chain != REQ_NONE)
        req_engine_registered (self->slots[attempt->chain], attempt->key)->before = attempt->before;
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
            s_key_unregister (self, req_attempt (req, i));
    req_dest_t *dest = &self->dests.dests[req->dest];
    if (req->state == REQ_WAITING)
        req_list_unlink (self, &self->queue, req, REQ_LINK);
    else if (req->state == REQ_READY)
        req_list_unlink (self, &self->ready, req, REQ_LINK);
    else if (req->state == REQ_BLOCKED)
        req_list_unlink (self, &dest->blocked, req, REQ_LINK);
    else {
        req_list_unlink (self, &dest->flying, req, REQ_LINK);
        req_list_unlink (self, &self->flying, req, REQ_LINK_ALL);
        if (req->resend)
            req_list_unlink (self, &self->sendq, req, REQ_LINK_SEND);
        self->in_flight--;
        if (--dest->stats.in_flight == 0)
            req_dests_landed (&self->dests, req->dest);
        //  The place it held goes to the oldest request blocked on it, ahead
        //  of the queue, behind those let out before
        req_t *next = s_req (self, dest->blocked.head);
        if (next) {
            req_list_unlink (self, &dest->blocked, next, REQ_LINK);
            next->state = REQ_READY;
            req_list_push (self, &self->ready, next, REQ_LINK, false);
        }
    }
    if (req->state != REQ_FLYING)
        req_inbox_unreserve (self->inbox);
    req_dests_release (&self->dests, req->dest);
    s_slot_give (self, req);
}

void
req_engine_hook (req_engine_t *self, const asynrole_request_info_t *info)
{
    if (!self->settings.hook)
        return;
    bool in_user = self->in_user;
    self->in_user = true;
    self->settings.hook ((asynrole_manager_t *) self->role->owner, self->settings.hook_ctx, info);
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
    asynrole_request_info_t info = { .event = ASYNROLE_REQUEST_FINISHED,
                                     .handle = req->handle,
                                     .destination = &req->destination,
                                     .attempt = result->attempt,
                                     .attempts = req->attempts,
                                     .code = code,
                                     .rtt_us = result->rtt_us };
    req_engine_hook (self, &info);
    free (req->more);
    free (req);
}

//  End a request with an error
void
req_engine_fail (req_engine_t *self, req_t *req, asynrole_code_t code,
                 const asynrole_error_t *cause)
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
    req_engine_fail (self, req, code, NULL);
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

void
req_engine_pump (req_engine_t *self)
{
    if (self->pumping || self->closing)
        return;
    self->pumping = true;
    while (self->in_flight < self->settings.max_in_flight
           && !atomic_load (&self->role->destroying)) {
        req_list_t *from = self->ready.head != REQ_NONE ? &self->ready : &self->queue;
        req_t *req = s_req (self, from->head);
        if (!req)
            break;
        req_list_unlink (self, from, req, REQ_LINK);
        req_dest_t *dest = &self->dests.dests[req->dest];
        if (dest->stats.in_flight >= self->settings.max_per_destination) {
            req->state = REQ_BLOCKED;
            req_list_push (self, &dest->blocked, req, REQ_LINK, false);
        }
        else
            req_send_launch (self, req);
    }
    self->pumping = false;
}

//  -------------------------------------------------------------------------
//  Requests in, and out

int
req_engine_submit (req_engine_t *self, req_t *req, asynrole_error_t *error)
{
    req->state = REQ_WAITING;
    req->attempts = 0;
    req->link = req->all = req->send = (req_link_t){ REQ_NONE, REQ_NONE };
    req->resend = false;
    req->dest = req_dests_use (&self->dests, &req->destination);
    if (req->dest == REQ_NONE)
        return error_nomem (error, "a request's destination record");
    bool slot = s_slot_take (self, req);
    bool mapped = slot && map_put (&self->by_handle, req->handle, req->slot);
    bool timed =
        mapped && (req->end_us == INT64_MAX || heap_set (&self->timers, req->slot, req->end_us));
    if (!timed) {
        if (mapped)
            map_remove (&self->by_handle, req->handle);
        if (slot)
            s_slot_give (self, req);
        req_dests_release (&self->dests, req->dest);
        return error_nomem (error, "a request's place in the engine");
    }
    req_list_push (self, &self->queue, req, REQ_LINK, false);
    self->totals.requests++;
    self->dests.dests[req->dest].stats.requests++;
    return 0;
}
