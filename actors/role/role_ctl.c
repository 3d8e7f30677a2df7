/*  role_ctl.c - a role's control requests to the I/O actor */
#include "role_ctl.h"
#include "clock.h"
#include "error_fill.h"
#include "frames.h"
#include "role_batch.h"
#include "tsan.h"
#include "wire.h"
#include <errno.h>

int
role_push (role_t *role, const char *picture, ...)
{
    va_list args;
    va_start (args, picture);
    pthread_mutex_lock (&role->push_mutex);
    HANDOFF_RELEASE (&wire_inbound_handoff);
    int rc = zsock_vsend (role->push, picture, args);
    pthread_mutex_unlock (&role->push_mutex);
    va_end (args);
    return rc;
}

int
role_ctl_begin (role_t *role, int timeout_ms, role_call_t *call, asynrole_error_t *error)
{
    //  Sends this thread holds go first: the request and its wait follow them
    role_batch_flush ();
    call->deadline = clock_ms () + timeout_ms;
    call->timeout = timeout_ms;
    if (!busy_take (&role->ctl_busy, timeout_ms))
        return error_set (error, ASYNROLE_ETIMEOUT, ASYNROLE_OP_CONTROL, ETIMEDOUT,
                          "other callers held the control path for %d ms: %s", timeout_ms,
                          role->name);
    call->seq = ++role->ctl_seq;
    return 0;
}

//  The request is over: the next caller may go
static void
s_ctl_done (role_t *role)
{
    busy_give (&role->ctl_busy);
}

int
role_ctl_begin_attached (role_t *role, int timeout_ms, role_call_t *call, asynrole_error_t *error)
{
    if (role_ctl_begin (role, timeout_ms, call, error))
        return -1;
    //  Detaching sets closed before it takes the control path: seen here,
    //  under it, no request can follow DETACH to a slot another role may get
    if (!atomic_load (&role->closed))
        return 0;
    s_ctl_done (role);
    return error_set (error, ASYNROLE_ECLOSED, ASYNROLE_OP_CONTROL, 0,
                      "the role has let go of its sockets: %s", role->name);
}

//  Is msg the answer named name, numbered seq? Pops both when it is.
static bool
s_match (zmsg_t *msg, const char *name, uint32_t seq)
{
    char *got = zmsg_popstr (msg);
    long long number = -1;
    bool match = got && streq (got, name) && frames_pop_number (msg, 0, UINT32_MAX, &number)
        && number == seq;
    zstr_free (&got);
    return match;
}

zmsg_t *
role_ctl_end (role_t *role, const role_call_t *call, int sent, const char *name,
              asynrole_error_t *error)
{
    zmsg_t *answer = NULL;
    if (sent)
        error_zmq (error, errno, "cannot send a request to the I/O actor");
    while (!sent && !answer) {
        int ready = frames_wait (role->ctl, clock_left (call->deadline));
        zmsg_t *msg = ready > 0 ? zmsg_recv (role->ctl) : NULL;
        if (!msg) {
            if (ready == 0)
                error_set (error, ASYNROLE_ETIMEOUT, ASYNROLE_OP_CONTROL, ETIMEDOUT,
                           "the I/O actor did not answer %s within %d ms: %s", name, call->timeout,
                           role->name);
            else
                error_zmq (error, errno, "cannot read the I/O actor's answer");
            break;
        }
        HANDOFF_ACQUIRE (&wire_answer_handoff);
        if (s_match (msg, name, call->seq))
            answer = msg;
        else
            zmsg_destroy (&msg);  //  an answer whose caller gave up
    }
    s_ctl_done (role);
    return answer;
}

int
role_ctl_step_timeout (role_t *role)
{
    int timeout = atomic_load (&role->timeout);
    return timeout > ASYNROLE_DEFAULT_TIMEOUT ? timeout : ASYNROLE_DEFAULT_TIMEOUT;
}
