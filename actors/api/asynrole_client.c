/*  asynrole_client.c - the client of a request server (the actor:
    actors/remote/rclient.c) */
#include "asynrole_remote.h"
#include "clock.h"
#include "error_fill.h"
#include "log.h"
#include "rclient.h"
#include "req.h"
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

static void
s_item_free (rmail_item_t *item)
{
    //  A request posted to a client whose thread never took it: only when
    //  its start failed, before any request was made
    free (item);
}

asynrole_client_t *
asynrole_client_new (const char *endpoint, const asynrole_remote_options_t *options,
                     asynrole_error_t *error)
{
    asynrole_client_t *self = (asynrole_client_t *) calloc (1, sizeof *self);
    if (!self) {
        error_nomem (error, "a client");
        return NULL;
    }
    if (rremote_options (options, "client", &self->options, error)
        || rremote_check_endpoint (endpoint, &self->options, false, error)) {
        free (self);
        return NULL;
    }
    snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint);
    atomic_init (&self->in_flight, 0);
    atomic_init (&self->handles, 0);
    atomic_init (&self->closing, false);
    atomic_init (&self->calls, 0);
    pthread_mutex_init (&self->calls_mutex, NULL);
    clock_cond_init (&self->calls_cond);
    self->mail = rmail_new (s_item_free, error);
    if (self->mail)
        self->actor = actor_new (rclient_actor, self, "asynrole-cli", self->options.timeout, error);
    if (!self->actor) {
        rclient_free (self);
        return NULL;
    }
    return self;
}

void
rclient_free (asynrole_client_t *self)
{
    pthread_mutex_lock (&self->calls_mutex);
    struct timespec deadline = clock_after (self->options.timeout);
    int rc = 0;
    while (atomic_load (&self->calls) > 0 && rc == 0)
        rc = pthread_cond_timedwait (&self->calls_cond, &self->calls_mutex, &deadline);
    bool idle = atomic_load (&self->calls) == 0;
    pthread_mutex_unlock (&self->calls_mutex);
    if (!idle) {
        log_error ("%s: calls still under way %d ms after its destroy: the client is left",
                   self->options.name, self->options.timeout);
        return;
    }
    rmail_unref (&self->mail);
    pthread_mutex_destroy (&self->calls_mutex);
    pthread_cond_destroy (&self->calls_cond);
    free (self);
}

int
rclient_enter (asynrole_client_t *self, asynrole_error_t *error)
{
    atomic_fetch_add (&self->calls, 1);
    if (!atomic_load (&self->closing))
        return 0;
    rclient_leave (self);
    return error_set (error, ASYNROLE_ECLOSED, ASYNROLE_OP_REMOTE, 0,
                      "the client is being destroyed");
}

void
rclient_leave (asynrole_client_t *self)
{
    //  Under the mutex: a destroy between its look at calls and its wait
    //  cannot miss the signal
    if (atomic_fetch_sub (&self->calls, 1) == 1 && atomic_load (&self->closing)) {
        pthread_mutex_lock (&self->calls_mutex);
        pthread_cond_broadcast (&self->calls_cond);
        pthread_mutex_unlock (&self->calls_mutex);
    }
}

void
asynrole_client_destroy (asynrole_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    asynrole_client_t *self = *self_p;
    *self_p = NULL;
    atomic_store (&self->closing, true);
    if (rclient_in_own_thread (self)) {
        //  From a result's callback: the client's thread ends it when the
        //  callback returns (nothing, when it is ending already)
        self->deferred = true;
        return;
    }
    actor_destroy (&self->actor);
    rclient_free (self);
}

//  What a request must be to cross to the server
static int
s_check (const asynrole_request_t *request, asynrole_client_result_fn *callback,
         asynrole_error_t *error)
{
    if (!request || !callback)
        return error_badarg (error, "no request, or no callback");
    const asynrole_addr_t *to = request->destination;
    if (!to
        || !((to->u.sa.sa_family == AF_INET && to->len == sizeof (struct sockaddr_in))
             || (to->u.sa.sa_family == AF_INET6 && to->len == sizeof (struct sockaddr_in6))))
        return error_badarg (error, "a remote request needs a numeric IPv4 or IPv6 destination");
    if (request->validate || request->room)
        return error_badarg (error, "validate and room cannot cross to another process");
    size_t max = to->u.sa.sa_family == AF_INET ? ASYNROLE_DGRAM_MAX_IPV4 : ASYNROLE_DGRAM_MAX_IPV6;
    if (request->size > max || (request->size && !request->data))
        return error_badarg (error, "data too long (%zu bytes), or missing", request->size);
    req_policy_t checked;
    if (request->policy && req_policy_check (request->policy, &checked, error))
        return -1;
    return 0;
}

//  Reserve a slot, copy the request, hand it to the client's thread
static int
s_post (asynrole_client_t *self, const asynrole_request_t *request,
        asynrole_client_result_fn *callback, uint64_t *handle, asynrole_error_t *error)
{
    if (atomic_fetch_add (&self->in_flight, 1) >= self->options.max_in_flight) {
        atomic_fetch_sub (&self->in_flight, 1);
        return error_set (error, ASYNROLE_EWOULDBLOCK, ASYNROLE_OP_QUEUE, 0,
                          "%zu requests await their result (max_in_flight)",
                          self->options.max_in_flight);
    }
    creq_t *req = (creq_t *) malloc (sizeof *req + request->size);
    if (!req) {
        atomic_fetch_sub (&self->in_flight, 1);
        return error_nomem (error, "a request");
    }
    memset (req, 0, sizeof *req);
    req->item.kind = RCLIENT_REQUEST;
    req->callback = callback;
    req->ctx = request->ctx;
    req->destination = *request->destination;
    req->destination.via = 0;
    req->has_policy = request->policy != NULL;
    if (request->policy)
        req->policy = *request->policy;
    req->size = request->size;
    if (request->size)
        memcpy (req->data, request->data, request->size);
    req->handle = atomic_fetch_add (&self->handles, 1) + 1;
    uint64_t given = req->handle;
    if (rmail_post (self->mail, &req->item)) {
        free (req);
        atomic_fetch_sub (&self->in_flight, 1);
        return error_set (error, ASYNROLE_ECLOSED, ASYNROLE_OP_REMOTE, 0,
                          "the client is being destroyed");
    }
    if (handle)
        *handle = given;
    error_clear (error);
    return 0;
}

int
asynrole_client_request (asynrole_client_t *self, const asynrole_request_t *request,
                         asynrole_client_result_fn *callback, uint64_t *handle,
                         asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no client");
    if (s_check (request, callback, error) || rclient_enter (self, error))
        return -1;
    int rc = s_post (self, request, callback, handle, error);
    rclient_leave (self);
    return rc;
}

int
asynrole_client_cancel (asynrole_client_t *self, uint64_t handle, asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no client");
    if (rclient_enter (self, error))
        return -1;
    int rc = rclient_in_own_thread (self)
        ? rclient_cancel_here (self, handle, error)
        : rmail_call (self->mail, RCLIENT_CANCEL, handle, self->options.timeout, NULL, error);
    rclient_leave (self);
    return rc;
}

int
asynrole_client_stats (asynrole_client_t *self, asynrole_remote_stats_t *stats,
                       asynrole_error_t *error)
{
    if (!self || !stats)
        return error_badarg (error, "no client, or no stats");
    if (rclient_enter (self, error))
        return -1;
    int rc = 0;
    if (rclient_in_own_thread (self)) {
        rclient_stats_here (self, stats);
        error_clear (error);
    }
    else {
        rmail_call_t answer;
        rc = rmail_call (self->mail, RCLIENT_STATS, 0, self->options.timeout, &answer, error);
        if (rc == 0)
            *stats = answer.stats;
    }
    rclient_leave (self);
    return rc;
}

//  By the thread's identity, not self->actor: a destroy from another
//  thread clears and frees that while a callback's call may still look
bool
rclient_in_own_thread (asynrole_client_t *self)
{
    return pthread_equal (pthread_self (), self->thread);
}
