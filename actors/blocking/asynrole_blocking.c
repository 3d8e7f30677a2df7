/*  asynrole_blocking.c - send-and-receive (a Manager) and receive-and-send
    (a pipe-mode Agent): the seed's blocking roles */
#include "asynrole_blocking.h"
#include "asynrole_event.h"
#include "clock.h"
#include "error_fill.h"
#include "manager_internal.h"
#include "agent_internal.h"
#include "bounds.h"
#include "req.h"
#include "waiter.h"
#include "role_batch.h"
#include <errno.h>
#include <zmq.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

void
asynrole_reply_free (asynrole_reply_t *reply)
{
    if (!reply)
        return;
    free (reply->data);
    memset (reply, 0, sizeof *reply);
}

//  -------------------------------------------------------------------------
//  send-and-receive

//  How long the caller waits for the result: the request's life (its
//  deadline, or the sum of its attempts' waits) plus the Manager's timeout,
//  a margin for time in the engine's queue and a busy Manager's thread.
//  0, or -1 with error filled (a bad policy).
static int
s_patience (role_t *role, const asynrole_request_t *request, int *patience, asynrole_error_t *error)
{
    req_policy_t policy;
    if (req_policy_check (request->policy ? request->policy : &role->requests.policy, &policy,
                          error))
        return -1;
    int64_t wait = req_policy_life (&policy) / 1000 + atomic_load (&role->timeout);
    *patience = wait < INT_MAX ? (int) wait : INT_MAX;
    return 0;
}

int
asynrole_manager_send_and_receive (asynrole_manager_t *self, const asynrole_request_t *request,
                                   asynrole_reply_t *reply, asynrole_error_t *error)
{
    role_t *role = manager_role (self);
    if (!role || !request || !reply)
        return error_badarg (error, "no manager, no request, or nowhere to put the reply");
    memset (reply, 0, sizeof *reply);
    int patience;
    if (s_patience (role, request, &patience, error) || role_enter (role, error))
        return -1;
    if (waiter_check_thread (role, error)) {
        role_leave (role);
        return -1;
    }
    //  A call under way: _destroy ends our request, then waits for us
    waiter_t *waiter = waiter_new (1, error);
    if (!waiter) {
        role_leave (role);
        return -1;
    }
    int rc = waiter_request (waiter, 0, self, request, error);
    if (rc == 0 && waiter_wait (waiter, 0, patience) == 0) {
        waiter_cancel (waiter, self, atomic_load (&role->timeout));
        rc = error_set (error, ASYNROLE_ETIMEOUT, ASYNROLE_OP_NONE, ETIMEDOUT,
                        "no result within %d ms (a long queue, or a busy Manager's thread): %s",
                        patience, role->name);
    }
    if (rc == 0) {
        //  Done: the slot is ours alone now
        waiter_slot_t *slot = &waiter->slots[0];
        rc = slot->error.code ? -1 : 0;
        if (rc && error)
            *error = slot->error;
        else if (rc == 0) {
            *reply = slot->reply;
            memset (&slot->reply, 0, sizeof slot->reply);
            error_clear (error);
        }
    }
    waiter_unref (&waiter);
    role_leave (role);
    return rc;
}

//  -------------------------------------------------------------------------
//  receive-and-send

//  Wait for an event on the Agent's data socket: 1 one is there, 0 none
//  came in time, -1 the Agent is being destroyed or the wait failed
static int
s_wait_request (role_t *role, int64_t deadline, asynrole_error_t *error)
{
    zmq_pollitem_t items[] = { { role->user, 0, ZMQ_POLLIN, 0 },
                               { NULL, doorbell_fd (role->wake), ZMQ_POLLIN, 0 } };
    while (true) {
        int rc = zmq_poll (items, 2, clock_left (deadline));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return error_zmq (error, errno, "cannot wait for a request");
        if (items[1].revents & ZMQ_POLLIN)
            return error_set (error, ASYNROLE_ECLOSED, ASYNROLE_OP_NONE, 0,
                              "the Agent is being destroyed: %s", role->name);
        return items[0].revents & ZMQ_POLLIN ? 1 : 0;
    }
}

//  Send the handler's response; 1 sent, 0 none, -1 failed
static int
s_respond (asynrole_agent_t *agent, const asynrole_datagram_t *request,
           const asynrole_response_t *response, asynrole_error_t *error)
{
    if (!response->data && !response->size)
        return 0;
    if (!response->data)
        return error_badarg (error, "the handler's response has a size but no data");
    if (!response->destination)
        return asynrole_agent_reply (agent, request, response->data, response->size, error) ? -1
                                                                                            : 1;
    asynrole_addr_t to = *response->destination;
    //  Elsewhere, but of the request's family: from the socket it came in on
    if (!to.via && asynrole_addr_family (&to) == asynrole_addr_family (&request->peer))
        to.via = request->peer.via;
    return asynrole_agent_send (agent, response->data, response->size, &to, error) ? -1 : 1;
}

//  One event: a request for the handler, or an error for the caller (2: a
//  notice, in error)
static int
s_serve_one (asynrole_agent_t *agent, role_t *role, asynrole_handler_fn *handler, void *ctx,
             asynrole_error_t *error)
{
    asynrole_event_t *event = asynrole_event_recv (role->user, 0);
    if (!event)
        return error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_PIPE, 0,
                          "an unreadable event on the data socket: %s", role->name);
    int rc;
    const asynrole_datagram_t *request = asynrole_event_datagram (event);
    if (request) {
        asynrole_response_t response;
        memset (&response, 0, sizeof response);
        handler (ctx, request, &response);
        rc = s_respond (agent, request, &response, error);
    }
    else {
        //  A notice (a socket serves again) is no failure: 2, to keep it
        const asynrole_error_t *what = asynrole_event_error (event);
        rc = what->code == ASYNROLE_OK ? 2 : -1;
        if (error)
            *error = *what;
    }
    asynrole_event_destroy (&event);
    return rc;
}

int
asynrole_agent_receive_and_send (asynrole_agent_t *self, int timeout, asynrole_handler_fn *handler,
                                 void *ctx, asynrole_error_t *error)
{
    role_t *role = agent_role (self);
    if (!role || !handler)
        return error_badarg (error, "no agent, or no handler");
    if (!role->options.pipe_mode)
        return error_badarg (error, "receive_and_send needs an Agent in pipe mode: %s", role->name);
    if (timeout < 1 || timeout > LIMIT_TIMEOUT_MAX)
        return error_badarg (error, "the timeout must be 1 .. %d ms, not %d", LIMIT_TIMEOUT_MAX,
                             timeout);
    if (role_enter (role, error))
        return -1;
    int64_t deadline = clock_ms () + timeout;
    int rc = -1;
    role_batch_flush ();  //  what this thread holds goes before it waits
    if (!busy_take (&role->user_busy, timeout))
        error_set (error, ASYNROLE_EIDLE, ASYNROLE_OP_RECV, EBUSY,
                   "other callers held the data socket for %d ms: %s", timeout, role->name);
    else {
        rc = s_wait_request (role, deadline, error);
        if (rc == 0)
            rc = error_set (error, ASYNROLE_EIDLE, ASYNROLE_OP_RECV, 0,
                            "no request within %d ms: %s", timeout, role->name);
        else if (rc > 0)
            rc = s_serve_one (self, role, handler, ctx, error);
        busy_give (&role->user_busy);
    }
    role_leave (role);
    if (rc == 2)
        return 0;  //  the notice stays in error
    if (rc >= 0)
        error_clear (error);
    return rc;
}
