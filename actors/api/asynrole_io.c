/*  asynrole_io.c - the public I/O class: wraps the actor, counts references */
#include "asynrole_io.h"
#include "actor.h"
#include "bounds.h"
#include "clock.h"
#include "error_fill.h"
#include "frames.h"
#include "io_actor.h"
#include "io_internal.h"
#include "capture_command.h"
#include "stats_codec.h"
#include "tsan.h"
#include "wire.h"
#include <czmq.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

struct asynrole_io_s {
    actor_t *actor;                 //  the I/O actor (io_actor.c)
    char endpoint[LIMIT_ENDPOINT];  //  inproc endpoint of its inbound socket
    doorbell_t *doorbell;           //  the actor polls it; the roles' links ring it
    atomic_int refs;                //  holders: the creator and every role sharing it
    atomic_bool verbose;            //  the actor logs what it does
    pthread_mutex_t mutex;          //  one caller at a time on the actor pipe
    unsigned owed;                  //  answers still to come for calls that gave up
                                    //  waiting (under mutex): the next caller skips them
};

//  Makes every endpoint in the process unique
static atomic_uint s_endpoints;

static void
s_free (asynrole_io_t *self)
{
    doorbell_unref (&self->doorbell);
    pthread_mutex_destroy (&self->mutex);
    free (self);
}

asynrole_io_t *
asynrole_io_new (asynrole_error_t *error)
{
    asynrole_io_t *self = calloc (1, sizeof *self);
    if (!self) {
        error_nomem (error, "an I/O object");
        return NULL;
    }
    snprintf (self->endpoint, sizeof self->endpoint, "inproc://asynrole-io-%u",
              atomic_fetch_add (&s_endpoints, 1));
    atomic_init (&self->refs, 1);
    atomic_init (&self->verbose, false);
    pthread_mutex_init (&self->mutex, NULL);
    self->doorbell = doorbell_new (error);
    if (self->doorbell)
        self->actor = actor_new (io_actor, self, "asynrole-io", ASYNROLE_DEFAULT_TIMEOUT, error);
    if (!self->actor) {
        s_free (self);
        return NULL;
    }
    return self;
}

asynrole_io_t *
asynrole_io_ref (asynrole_io_t *self)
{
    if (self)
        atomic_fetch_add (&self->refs, 1);
    return self;
}

void
asynrole_io_destroy (asynrole_io_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    asynrole_io_t *self = *self_p;
    *self_p = NULL;
    if (atomic_fetch_sub (&self->refs, 1) != 1)
        return;
    actor_destroy (&self->actor);
    s_free (self);
}

//  Send a request on the pipe (taking it) and wait for its answer,
//  skipping the answers owed to callers that gave up. The answer, or NULL
//  with error filled.
static zmsg_t *
s_request (asynrole_io_t *self, zmsg_t **request_p, const char *command, int timeout,
           asynrole_error_t *error)
{
    void *pipe = actor_pipe (self->actor);
    zmsg_t *answer = NULL;
    pthread_mutex_lock (&self->mutex);
    if (!*request_p || zmsg_send (request_p, pipe)) {
        error_zmq (error, *request_p ? errno : ENOMEM, "cannot send to the I/O actor");
        zmsg_destroy (request_p);
        pthread_mutex_unlock (&self->mutex);
        return NULL;
    }
    int64_t deadline = clock_ms () + timeout;
    while (!answer) {
        int ready = frames_wait (pipe, clock_left (deadline));
        zmsg_t *msg = ready > 0 ? zmsg_recv (pipe) : NULL;
        if (!msg) {
            self->owed++;  //  ours will come later
            if (ready == 0)
                error_set (error, ASYNROLE_ETIMEOUT, ASYNROLE_OP_CONTROL, ETIMEDOUT,
                           "the I/O actor did not answer %s within %d ms", command, timeout);
            else
                error_zmq (error, errno, "cannot read the I/O actor's answer");
            break;
        }
        HANDOFF_ACQUIRE (&wire_answer_handoff);
        if (self->owed > 0) {
            self->owed--;
            zmsg_destroy (&msg);
        }
        else
            answer = msg;
    }
    pthread_mutex_unlock (&self->mutex);
    return answer;
}

//  A command of one frame
static zmsg_t *
s_call (asynrole_io_t *self, const char *command, asynrole_error_t *error)
{
    zmsg_t *request = zmsg_new ();
    if (request && zmsg_addstr (request, command))
        zmsg_destroy (&request);
    return s_request (self, &request, command, ASYNROLE_DEFAULT_TIMEOUT, error);
}

int
io_capture (asynrole_io_t *self, const char *path, const asynrole_capture_t *options,
            asynrole_capture_stats_t *stats, asynrole_error_t *error)
{
    asynrole_capture_stats_t unused;
    stats = stats ? stats : &unused;
    memset (stats, 0, sizeof *stats);
    if (!self)
        return error_badarg (error, "no I/O object");
    if (path && !*path)
        return error_badarg (error, "the capture's path is empty");
    asynrole_capture_t settings = { .max_bytes = 0 };
    if (options)
        settings = *options;
    zmsg_t *request = zmsg_new ();
    bool ok = request
        && (path ? zmsg_addstr (request, "CAPTURE") == 0 && zmsg_addstr (request, path) == 0
                    && zmsg_addstrf (request, "%llu", (unsigned long long) settings.max_bytes) == 0
                    && zmsg_addstrf (request, "%u", settings.files) == 0
                    && zmsg_addstrf (request, "%u", settings.snaplen) == 0
                    && zmsg_addstrf (request, "%zu", settings.queue_bytes) == 0
                 : zmsg_addstr (request, "CAPTURE-STOP") == 0);
    if (!ok)
        zmsg_destroy (&request);
    //  A stop's answer waits for the capture's writer too
    const char *command = path ? "CAPTURE" : "CAPTURE-STOP";
    zmsg_t *answer =
        s_request (self, &request, command,
                   ASYNROLE_DEFAULT_TIMEOUT + (path ? 0 : LIMIT_CAPTURE_CLOSE_MS), error);
    if (!answer)
        return -1;
    int rc = capture_command_outcome (answer, !path, stats, error);
    zmsg_destroy (&answer);
    return rc;
}

int
asynrole_io_stats (asynrole_io_t *self, asynrole_stats_t *stats, size_t max,
                   asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no I/O object");
    zmsg_t *answer = s_call (self, "STATS", error);
    if (!answer)
        return -1;
    int count = stats_decode (answer, stats, max, error);
    zmsg_destroy (&answer);
    return count;
}

int
asynrole_io_totals (asynrole_io_t *self, asynrole_io_totals_t *totals, asynrole_error_t *error)
{
    if (!self || !totals)
        return error_badarg (error, "no I/O object, or nowhere to put the totals");
    zmsg_t *answer = s_call (self, "TOTALS", error);
    if (!answer)
        return -1;
    long long count = 0;
    bool ok = frames_pop_number (answer, 1, 1, &count)
        && frames_pop_struct (answer, totals, sizeof *totals);
    zmsg_destroy (&answer);
    if (!ok)
        return error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_CONTROL, 0,
                          "not a TOTALS answer from the I/O actor");
    error_clear (error);
    return 0;
}

void
asynrole_io_set_verbose (asynrole_io_t *self, bool verbose)
{
    if (self)
        io_set_verbose (self, verbose);
}

void *
asynrole_io_actor (asynrole_io_t *self)
{
    return self ? actor_pipe (self->actor) : NULL;
}

const char *
io_endpoint (asynrole_io_t *self)
{
    return self->endpoint;
}

doorbell_t *
io_doorbell (asynrole_io_t *self)
{
    return self->doorbell;
}

bool
io_verbose (asynrole_io_t *self)
{
    return atomic_load_explicit (&self->verbose, memory_order_relaxed);
}

void
io_set_verbose (asynrole_io_t *self, bool verbose)
{
    atomic_store (&self->verbose, verbose);
}
