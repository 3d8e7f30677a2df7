/*  role_ctl.c - a role's control requests to the I/O actor */
#include "role_ctl.h"
#include "clock.h"
#include "error_fill.h"
#include "frames.h"
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

uint32_t
role_ctl_begin (role_t *role)
{
    pthread_mutex_lock (&role->ctl_mutex);
    return ++role->ctl_seq;
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

int
role_ctl_step_timeout (role_t *role)
{
    return role->options.timeout > ASYNROLE_DEFAULT_TIMEOUT ? role->options.timeout
                                                            : ASYNROLE_DEFAULT_TIMEOUT;
}

zmsg_t *
role_ctl_end (role_t *role, uint32_t seq, int sent, const char *name, int timeout_ms,
              asynrole_error_t *error)
{
    zmsg_t *answer = NULL;
    if (sent)
        error_zmq (error, errno, "cannot send a request to the I/O actor");
    int64_t deadline = clock_ms () + timeout_ms;
    while (!sent && !answer) {
        int ready = frames_wait (role->ctl, clock_left (deadline));
        zmsg_t *msg = ready > 0 ? zmsg_recv (role->ctl) : NULL;
        if (!msg) {
            if (ready == 0)
                error_set (error, ASYNROLE_ETIMEOUT, ASYNROLE_OP_CONTROL, ETIMEDOUT,
                           "the I/O actor did not answer %s within %d ms: %s", name, timeout_ms,
                           role->name);
            else
                error_zmq (error, errno, "cannot read the I/O actor's answer");
            break;
        }
        if (s_match (msg, name, seq))
            answer = msg;
        else
            zmsg_destroy (&msg);  //  an answer whose caller gave up
    }
    pthread_mutex_unlock (&role->ctl_mutex);
    return answer;
}
