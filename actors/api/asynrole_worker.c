/*  asynrole_worker.c - the public worker class: wraps the worker actor
    (actors/remote/worker.c) */
#include "asynrole_remote.h"
#include "clock.h"
#include "error_fill.h"
#include "log.h"
#include "rcall.h"
#include "rremote.h"
#include "rsecurity.h"
#include "rwire.h"
#include "worker.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct asynrole_worker_s {
    actor_t *actor;      //  the worker actor
    rcall_t call;        //  calls to it from other threads
    worker_args_t args;  //  its settings (it reads them for its whole life)
    int timeout;         //  ms a call waits
};

static void
s_free (void *arg)
{
    asynrole_worker_t *self = (asynrole_worker_t *) arg;
    rcall_destroy (&self->call);
    pthread_mutex_destroy (&self->args.end_mutex);
    pthread_cond_destroy (&self->args.end_cond);
    free (self);
}

static int
s_settings (asynrole_worker_t *self, const asynrole_remote_options_t *options,
            asynrole_error_t *error)
{
    //  The keys are copied: the actor makes a socket for each new link
    rremote_options_t common;
    if (rremote_options (options, "worker", &common, error))
        return -1;
    worker_args_t *args = &self->args;
    snprintf (args->name, sizeof args->name, "%s", common.name);
    self->timeout = args->timeout = common.timeout;
    args->heartbeat = common.heartbeat;
    args->heartbeat_timeout = common.heartbeat_timeout;
    args->credit = common.given.credit ? common.given.credit : ASYNROLE_DEFAULT_CREDIT;
    args->verbose = common.given.verbose;
    if (*common.secret_key && *common.server_key) {
        memcpy (args->secret_key, common.secret_key, sizeof common.secret_key);
        memcpy (args->public_key, common.public_key, sizeof common.public_key);
        memcpy (args->server_key, common.server_key, sizeof common.server_key);
    }
    return 0;
}

asynrole_worker_t *
asynrole_worker_new (const char *endpoint, asynrole_worker_fn *callback, void *ctx,
                     const asynrole_remote_options_t *options, asynrole_error_t *error)
{
    if (!endpoint || !callback) {
        error_badarg (error, "a worker needs an endpoint and a callback");
        return NULL;
    }
    asynrole_worker_t *self = calloc (1, sizeof *self);
    if (!self) {
        error_nomem (error, "a worker");
        return NULL;
    }
    self->args.worker = self;
    self->args.callback = callback;
    self->args.ctx = ctx;
    snprintf (self->args.endpoint, sizeof self->args.endpoint, "%s", endpoint);
    self->args.finalize = s_free;
    atomic_init (&self->args.destroying, false);
    pthread_mutex_init (&self->args.end_mutex, NULL);
    clock_cond_init (&self->args.end_cond);
    if (s_settings (self, options, error)
        || rsec_check_endpoint (endpoint, options, false, error)) {
        s_free (self);
        return NULL;
    }
    self->actor = actor_new (worker_actor, &self->args, "asynrole-wrkr", self->timeout, error);
    if (!self->actor) {
        s_free (self);
        return NULL;
    }
    rcall_init (&self->call, self->actor);
    actor_go (self->actor);
    return self;
}

void
asynrole_worker_destroy (asynrole_worker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    asynrole_worker_t *self = *self_p;
    *self_p = NULL;
    if (actor_is_self (self->actor)) {
        //  From the callback: the actor ends once it returns, and frees us
        atomic_store (&self->args.destroying, true);
        return;
    }
    //  Wait at most options.timeout for its end (its callback may be
    //  stuck); past that its thread ends itself, and frees it all, once the
    //  callback returns
    worker_args_t *args = &self->args;
    pthread_mutex_lock (&args->end_mutex);
    args->outside = true;
    pthread_mutex_unlock (&args->end_mutex);
    atomic_store (&args->destroying, true);
    if (zstr_send (actor_pipe (self->actor), "STOP"))
        log_error ("%s: cannot ask the worker to stop: %s", args->name, zmq_strerror (errno));
    pthread_mutex_lock (&args->end_mutex);
    bool ended =
        clock_wait_flag (&args->end_cond, &args->end_mutex, &args->ended, true, self->timeout);
    if (!ended)
        args->orphan = true;
    pthread_mutex_unlock (&args->end_mutex);
    if (!ended) {
        log_error ("%s: its callback has not returned within %d ms: the worker ends when it "
                   "does",
                   args->name, self->timeout);
        return;
    }
    //  A copy: a callback under way may still read self->actor
    actor_t *actor = self->actor;
    actor_destroy (&actor);
    s_free (self);
}

//  A SEND message for the workers actor
static zmsg_t *
s_send_msg (const void *data, size_t size, const asynrole_addr_t *destination,
            const asynrole_addr_t *local, unsigned ifindex, asynrole_error_t *error)
{
    if (size > ASYNROLE_DGRAM_MAX || (size && !data)) {
        error_badarg (error, "a datagram of %zu bytes cannot be sent", size);
        return NULL;
    }
    rwire_msg_t m = { .type = RWIRE_SEND,
                      .peer = *destination,
                      .ifindex = ifindex,
                      .data = (const uint8_t *) data,
                      .size = size };
    if (local)
        m.local = *local;
    zmsg_t *msg = rwire_encode (&m);
    if (!msg)
        error_nomem (error, "a SEND message");
    return msg;
}

int
asynrole_worker_reply (asynrole_worker_t *self, const asynrole_datagram_t *request,
                       const void *data, size_t size, asynrole_error_t *error)
{
    if (!self || !request)
        return error_badarg (error, "no worker, or no request to reply to");
    if (!actor_is_self (self->actor) || !worker_in_callback (self->args.state))
        return error_badarg (error, "a reply comes from the worker's callback: %s",
                             self->args.name);
    zmsg_t *msg = s_send_msg (data, size, &request->peer, &request->local, request->ifindex, error);
    return msg ? worker_send_now (self->args.state, &msg, error) : -1;
}

int
asynrole_worker_send (asynrole_worker_t *self, const void *data, size_t size,
                      const asynrole_addr_t *destination, asynrole_error_t *error)
{
    if (!self || !destination)
        return error_badarg (error, "no worker, or no destination");
    zmsg_t *msg = s_send_msg (data, size, destination, NULL, 0, error);
    if (!msg)
        return -1;
    if (actor_is_self (self->actor))
        return worker_send_now (self->args.state, &msg, error);
    //  The worker's thread sends it only before deadline; we wait a little
    //  longer for its answer, so that ETIMEOUT means "not sent"
    int64_t deadline = clock_ms () + self->timeout;
    if (zmsg_pushmem (msg, &deadline, sizeof deadline) || zmsg_pushstr (msg, "SEND")) {
        zmsg_destroy (&msg);
        return error_nomem (error, "a SEND request");
    }
    zframe_t *blob;
    if (rcall (&self->call, &msg, "SEND", self->timeout + WORKER_SEND_GRACE, self->args.name, &blob,
               error))
        return -1;
    zframe_destroy (&blob);
    return 0;
}

int
asynrole_worker_stats (asynrole_worker_t *self, asynrole_remote_stats_t *stats,
                       asynrole_error_t *error)
{
    if (!self || !stats)
        return error_badarg (error, "no worker, or nowhere to put its counters");
    if (actor_is_self (self->actor)) {
        worker_stats_now (self->args.state, stats);
        return 0;
    }
    zframe_t *blob;
    zmsg_t *request = zmsg_new ();
    if (request)
        zmsg_addstr (request, "STATS");
    if (rcall (&self->call, &request, "STATS", self->timeout, self->args.name, &blob, error))
        return -1;
    int rc = 0;
    if (blob && zframe_size (blob) == sizeof *stats)
        memcpy (stats, zframe_data (blob), sizeof *stats);
    else
        rc = error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_CONTROL, 0,
                        "a malformed STATS answer: %s", self->args.name);
    zframe_destroy (&blob);
    return rc;
}
