/*  req_control.c - the request engine's calls: cancel, counters, and what
    other threads post; its end */
#include "req_engine.h"
#include "error_fill.h"
#include "role.h"
#include <stdlib.h>
#include <string.h>

int
req_engine_cancel (req_engine_t *self, uint64_t handle, asynrole_error_t *error)
{
    uint32_t slot;
    if (map_get (&self->by_handle, handle, &slot)) {
        req_engine_end (self, self->slots[slot], ASYNROLE_ECANCELLED);
        return 0;
    }
    //  Every request made before this call has been taken (the inbox keeps
    //  their order): one of them that is not in the table has ended
    if (handle && handle < req_inbox_next_handle (self->inbox))
        return 1;
    return error_badarg (error, "no request has handle %llu: %s", (unsigned long long) handle,
                         self->role->name);
}

//  Every request in the table made before the call: each slot once, so the
//  ones its callbacks make stay
size_t
req_engine_end_all (req_engine_t *self, asynrole_code_t code)
{
    uint64_t before = req_inbox_next_handle (self->inbox);
    size_t ended = 0;
    //  No pumping meanwhile: a request to be ended next would go out first
    bool pumping = self->pumping;
    self->pumping = true;
    for (uint32_t slot = 0; slot < self->room; slot++) {
        req_t *req = self->slots[slot];
        if (req && req->handle < before) {
            req_engine_end (self, req, code);
            ended++;
        }
    }
    self->pumping = pumping;
    req_engine_pump (self);
    return ended;
}

//  Cancel the requests named that are still under way; how many
static size_t
s_cancel_many (req_engine_t *self, const uint64_t *handles, size_t count)
{
    size_t cancelled = 0;
    for (size_t i = 0; i < count; i++)
        cancelled += req_engine_cancel (self, handles[i], NULL) == 0;
    return cancelled;
}

size_t
req_engine_cancel_all (req_engine_t *self)
{
    return req_engine_end_all (self, ASYNROLE_ECANCELLED);
}

void
req_engine_stats (req_engine_t *self, asynrole_requests_stats_t *stats)
{
    *stats = self->totals;
    stats->forgotten = self->dests.forgotten;
    stats->in_flight = self->in_flight;
    stats->queued = req_inbox_waiting (self->inbox);
}

int
req_engine_dests (req_engine_t *self, asynrole_destination_stats_t **dests, size_t *count)
{
    *dests = NULL;
    *count = 0;
    if (self->dests.count == 0)
        return 0;
    *dests = malloc (self->dests.count * sizeof **dests);
    if (!*dests)
        return -1;
    *count = req_dests_copy (&self->dests, *dests);
    return 0;
}

void
req_engine_reset (req_engine_t *self)
{
    req_dests_reset (&self->dests);
}

void
req_engine_call (req_engine_t *self, req_call_t *call)
{
    call->rc = 0;
    switch (call->kind) {
        case REQ_CALL_CANCEL:
            call->rc = req_engine_cancel (self, call->handle, &call->error);
            break;
        case REQ_CALL_CANCEL_ALL: call->count = req_engine_cancel_all (self); break;
        case REQ_CALL_CANCEL_MANY:
            call->count = s_cancel_many (self, call->handles, call->count);
            break;
        case REQ_CALL_STATS: req_engine_stats (self, &call->stats); break;
        case REQ_CALL_DESTS:
            if (req_engine_dests (self, &call->dests, &call->count))
                call->rc = error_nomem (&call->error, "the destinations' counters");
            break;
        case REQ_CALL_RESET: req_engine_reset (self); break;
    }
    req_call_done (call);
}

//  A request from another thread; one the engine cannot take ends at once
static void
s_take_request (req_engine_t *self, req_t *req)
{
    asynrole_error_t error;
    if (req_engine_submit (self, req, &error) == 0)
        return;
    req_inbox_unreserve (self->inbox);
    self->totals.requests++;
    self->totals.failed++;
    asynrole_result_t result = { .handle = req->handle, .error = &error, .attempt = -1 };
    req->callback ((asynrole_manager_t *) self->role->owner, req->ctx, &result);
    free (req);
}

void
req_engine_take (req_engine_t *self, req_msg_t *list)
{
    while (list) {
        req_msg_t *msg = list;
        list = msg->next;
        if (msg->is_call) {
            //  The requests posted before it have gone out, as far as room allows
            req_engine_pump (self);
            req_engine_call (self, (req_call_t *) msg);
        }
        else
            s_take_request (self, (req_t *) msg);
    }
}

void
req_engine_destroy (req_engine_t **self_p)
{
    req_engine_t *self = *self_p;
    if (!self)
        return;
    //  Nothing goes out from here: each request's callback runs with
    //  ECLOSED, and the calls they make are refused (closing)
    self->closing = true;
    req_engine_end_all (self, ASYNROLE_ECLOSED);
    *self_p = NULL;
    free (self->slots);
    free (self->free);
    map_destroy (&self->by_handle);
    map_destroy (&self->by_key);
    heap_destroy (&self->timers);
    req_dests_destroy (&self->dests);
    free (self);
}
