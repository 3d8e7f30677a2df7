/*  rcall.c - a remote class's calls to its actor */
#include "rcall.h"
#include "clock.h"
#include "error_fill.h"
#include "frames.h"
#include "tsan.h"
#include <errno.h>

//  Name the hand-offs of a request's and an answer's bytes (TSan)
static int s_request_handoff;
static int s_answer_handoff;

void
rcall_received (void)
{
    HANDOFF_ACQUIRE (&s_request_handoff);
}

void
rcall_init (rcall_t *self, actor_t *actor)
{
    self->actor = actor;
    self->owed = 0;
    pthread_mutex_init (&self->mutex, NULL);
}

void
rcall_destroy (rcall_t *self)
{
    pthread_mutex_destroy (&self->mutex);
}

//  Wait for the answer, skipping those owed to callers that gave up
static zmsg_t *
s_wait (rcall_t *self, void *pipe, const char *command, int timeout, const char *who,
        asynrole_error_t *error)
{
    int64_t deadline = clock_ms () + timeout;
    while (true) {
        int ready = frames_wait (pipe, clock_left (deadline));
        zmsg_t *msg = ready > 0 ? zmsg_recv (pipe) : NULL;
        if (!msg) {
            self->owed++;  //  ours will come later
            if (ready == 0)
                error_set (error, ASYNROLE_ETIMEOUT, ASYNROLE_OP_CONTROL, ETIMEDOUT,
                           "%s did not answer %s within %d ms", who, command, timeout);
            else
                error_zmq (error, errno, "cannot read an actor's answer");
            return NULL;
        }
        HANDOFF_ACQUIRE (&s_answer_handoff);
        if (self->owed == 0)
            return msg;
        self->owed--;
        zmsg_destroy (&msg);
    }
}

int
rcall (rcall_t *self, zmsg_t **request_p, const char *command, int timeout, const char *who,
       zframe_t **blob, asynrole_error_t *error)
{
    *blob = NULL;
    void *pipe = actor_pipe (self->actor);
    pthread_mutex_lock (&self->mutex);
    HANDOFF_RELEASE (&s_request_handoff);
    if (!*request_p || zmsg_send (request_p, pipe)) {
        error_zmq (error, *request_p ? errno : ENOMEM, "cannot send to an actor");
        zmsg_destroy (request_p);
        pthread_mutex_unlock (&self->mutex);
        return -1;
    }
    zmsg_t *answer = s_wait (self, pipe, command, timeout, who, error);
    pthread_mutex_unlock (&self->mutex);
    if (!answer)
        return -1;
    long long code = -1;
    char *text = NULL;
    int rc = -1;
    if (!frames_pop_number (answer, 0, ASYNROLE_EPROTOCOL, &code) || !(text = zmsg_popstr (answer))
        || zmsg_size (answer) != 1)
        error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_CONTROL, 0,
                   "a malformed answer to %s from %s", command, who);
    else if (code != ASYNROLE_OK)
        error_set (error, (asynrole_code_t) code, ASYNROLE_OP_CONTROL, 0, "%s", text);
    else {
        *blob = zmsg_pop (answer);
        error_clear (error);
        rc = 0;
    }
    zstr_free (&text);
    zmsg_destroy (&answer);
    return rc;
}

int
rcall_answer (void *pipe, int code, const char *text, const void *blob, size_t size)
{
    HANDOFF_RELEASE (&s_answer_handoff);
    return zsock_send (pipe, "isb", code, text ? text : "", blob, size);
}
