/*  asynrole_request.c - the request engine's API: requests go through the
    inbox to the Manager's thread (or straight in, from that thread), calls
    wait there for an answer with the Manager's timeout */
#include "asynrole_request.h"
#include "clock.h"
#include "error_fill.h"
#include "manager_internal.h"
#include "req_engine.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>

//  In the Manager's thread, inside a key function, validator, rewriter or
//  hook: the engine is in the middle of its work, and refuses
static int
s_check_thread (role_t *role, bool *own, asynrole_error_t *error)
{
    *own = actor_is_self (role->actor);
    if (*own && role->engine && role->engine->in_user)
        return error_badarg (
            error, "not from a key function, validator, attempt rewriter or hook: %s", role->name);
    return 0;
}

//  The destination a request goes to; 0 or -1 with error filled
static int
s_destination (role_t *role, const asynrole_request_t *request, asynrole_addr_t *to,
               asynrole_error_t *error)
{
    const asynrole_addr_t *given = request->destination;
    if (given && role->destination.len && !asynrole_addr_equal (given, &role->destination))
        return error_badarg (error,
                             "a request may not name another destination: %s has a "
                             "default one",
                             role->name);
    int index = role_pick_socket (role, role->destination.len ? NULL : given, error);
    if (index < 0)
        return -1;
    size_t max = asynrole_addr_family (&role->locals[index]) == AF_INET6 ? ASYNROLE_DGRAM_MAX_IPV6
                                                                         : ASYNROLE_DGRAM_MAX_IPV4;
    if (request->size > max || request->room > max)
        return error_badarg (error, "%zu bytes is more than a datagram holds (%zu): %s",
                             request->size > request->room ? request->size : request->room, max,
                             role->name);
    *to = role->destination.len ? role->destination : *given;
    to->via = 0;
    return 0;
}

//  The request, checked and copied; NULL with error filled
static req_t *
s_make (role_t *role, const asynrole_request_t *request, asynrole_result_fn *callback,
        asynrole_error_t *error)
{
    if (!request || !callback) {
        error_badarg (error, "no request, or no callback: %s", role->name);
        return NULL;
    }
    if (!request->data && request->size) {
        error_badarg (error, "no data: %s", role->name);
        return NULL;
    }
    req_policy_t policy;
    asynrole_addr_t to;
    if (req_policy_check (request->policy ? request->policy : &role->requests.policy, &policy,
                          error)
        || s_destination (role, request, &to, error))
        return NULL;
    size_t capacity = request->room > request->size ? request->room : request->size;
    req_t *req = malloc (sizeof *req + capacity);
    if (!req) {
        error_nomem (error, "a request");
        return NULL;
    }
    memset (req, 0, sizeof *req);
    req->callback = callback;
    req->ctx = request->ctx;
    req->validate = request->validate;
    req->destination = to;
    req->policy = policy;
    req->born_us = clock_us ();
    req->end_us = policy.deadline ? req->born_us + policy.deadline : INT64_MAX;
    req->size = request->size;
    req->capacity = capacity;
    if (request->size)
        memcpy (req->data, request->data, request->size);
    return req;
}

//  Hand the request to the engine: directly from its own thread, else
//  through the inbox (after which it is the Manager's thread's: handle is
//  read before)
static int
s_submit (role_t *role, req_t *req, bool own, uint64_t *handle, asynrole_error_t *error)
{
    if (!req_inbox_reserve (role->inbox, role->requests.max_queued))
        return error_set (error, ASYNROLE_EWOULDBLOCK, ASYNROLE_OP_QUEUE, 0,
                          "%zu requests wait for a place already (max_queued): %s",
                          role->requests.max_queued, role->name);
    req->handle = req_inbox_handle (role->inbox);
    if (handle)
        *handle = req->handle;
    int rc = own ? req_engine_submit (role->engine, req, error)
                 : req_inbox_post (role->inbox, &req->msg, error);
    if (rc)
        req_inbox_unreserve (role->inbox);
    return rc;
}

int
asynrole_manager_request (asynrole_manager_t *self, const asynrole_request_t *request,
                          asynrole_result_fn *callback, uint64_t *handle, asynrole_error_t *error)
{
    role_t *role = manager_role (self);
    if (!role)
        return error_badarg (error, "no manager");
    //  Entered first: a role being destroyed is refused before its actor
    //  (which says whose thread this is) is looked at
    bool own;
    if (role_enter (role, error))
        return -1;
    if (s_check_thread (role, &own, error)) {
        role_leave (role);
        return -1;
    }
    req_t *req = s_make (role, request, callback, error);
    uint64_t made = 0;
    int rc = req ? s_submit (role, req, own, &made, error) : -1;
    if (rc)
        free (req);
    else if (handle)
        *handle = made;
    role_leave (role);
    if (rc == 0)
        error_clear (error);
    return rc;
}

//  -------------------------------------------------------------------------
//  Calls the engine answers

//  Run a call on the engine and return it answered (the caller unrefs it),
//  or NULL with error filled. A CANCEL_MANY call takes handles.
static req_call_t *
s_call (asynrole_manager_t *self, req_call_kind_t kind, uint64_t handle, uint64_t *handles,
        size_t count, asynrole_error_t *error)
{
    role_t *role = manager_role (self);
    bool own;
    if (!role || role_enter (role, error)) {
        if (!role)
            error_badarg (error, "no manager");
        free (handles);
        return NULL;
    }
    if (s_check_thread (role, &own, error)) {
        role_leave (role);
        free (handles);
        return NULL;
    }
    req_call_t *call = req_call_new (kind, error);
    int rc = call ? 0 : -1;
    if (!call)
        free (handles);
    if (call) {
        call->handle = handle;
        call->handles = handles;
        call->count = count;
        if (own) {
            atomic_fetch_add (&call->refs, 1);
            req_engine_call (role->engine, call);
        }
        else
            rc = req_inbox_post (role->inbox, &call->msg, error) == 0
                ? req_call_wait (call, atomic_load (&role->timeout), error)
                : -1;
    }
    role_leave (role);
    if (rc)
        req_call_unref (&call);
    return call;
}

//  A call's own result: 0 (or 1) or -1 with its error
static int
s_result (req_call_t **call_p, asynrole_error_t *error)
{
    req_call_t *call = *call_p;
    int rc = call->rc;
    if (rc < 0 && error)
        *error = call->error;
    else if (rc >= 0)
        error_clear (error);
    req_call_unref (call_p);
    return rc;
}

int
asynrole_manager_cancel (asynrole_manager_t *self, uint64_t handle, asynrole_error_t *error)
{
    if (handle == 0)
        return error_badarg (error, "no request has handle 0");
    req_call_t *call = s_call (self, REQ_CALL_CANCEL, handle, NULL, 0, error);
    return call ? s_result (&call, error) : -1;
}

int
asynrole_manager_cancel_all (asynrole_manager_t *self, asynrole_error_t *error)
{
    req_call_t *call = s_call (self, REQ_CALL_CANCEL_ALL, 0, NULL, 0, error);
    if (!call)
        return -1;
    int count = call->count > INT_MAX ? INT_MAX : (int) call->count;
    return s_result (&call, error) ? -1 : count;
}

int
asynrole_manager_destinations (asynrole_manager_t *self, asynrole_destination_stats_t *stats,
                               size_t max, asynrole_error_t *error)
{
    if (!stats && max)
        return error_badarg (error, "nowhere to put the counters");
    req_call_t *call = s_call (self, REQ_CALL_DESTS, 0, NULL, 0, error);
    if (!call)
        return -1;
    size_t count = call->count;
    if (call->rc == 0 && count && max)
        memcpy (stats, call->dests, (count < max ? count : max) * sizeof *stats);
    if (s_result (&call, error))
        return -1;
    return count > INT_MAX ? INT_MAX : (int) count;
}

int
asynrole_manager_reset_destinations (asynrole_manager_t *self, asynrole_error_t *error)
{
    req_call_t *call = s_call (self, REQ_CALL_RESET, 0, NULL, 0, error);
    return call ? s_result (&call, error) : -1;
}

int
asynrole_manager_requests_stats (asynrole_manager_t *self, asynrole_requests_stats_t *stats,
                                 asynrole_error_t *error)
{
    if (!stats)
        return error_badarg (error, "nowhere to put the counters");
    req_call_t *call = s_call (self, REQ_CALL_STATS, 0, NULL, 0, error);
    if (!call)
        return -1;
    *stats = call->stats;
    return s_result (&call, error);
}

int
manager_cancel_many (asynrole_manager_t *self, uint64_t *handles, size_t count,
                     asynrole_error_t *error)
{
    req_call_t *call = s_call (self, REQ_CALL_CANCEL_MANY, 0, handles, count, error);
    if (!call)
        return -1;
    int cancelled = call->count > INT_MAX ? INT_MAX : (int) call->count;
    return s_result (&call, error) ? -1 : cancelled;
}
