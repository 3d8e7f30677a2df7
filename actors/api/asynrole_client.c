/*  asynrole_client.c - the client of a request server (the actor:
    actors/remote/rclient.c) */
#include "asynrole_remote.h"
#include "error_fill.h"
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
    self->mail = rmail_new (s_item_free, error);
    if (!self->mail) {
        free (self);
        return NULL;
    }
    self->actor = actor_new (rclient_actor, self, "asynrole-cli", self->options.timeout, error);
    if (!self->actor) {
        rmail_unref (&self->mail);
        free (self);
        return NULL;
    }
    return self;
}

void
asynrole_client_destroy (asynrole_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    asynrole_client_t *self = *self_p;
    *self_p = NULL;
    if (actor_is_self (self->actor)) {
        //  From a result's callback: the client's thread ends it when the
        //  callback returns (nothing, when it is ending already)
        self->deferred = true;
        return;
    }
    actor_destroy (&self->actor);
    rmail_unref (&self->mail);
    free (self);
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

int
asynrole_client_request (asynrole_client_t *self, const asynrole_request_t *request,
                         asynrole_client_result_fn *callback, uint64_t *handle,
                         asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no client");
    if (s_check (request, callback, error))
        return -1;
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
asynrole_client_cancel (asynrole_client_t *self, uint64_t handle, asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no client");
    if (actor_is_self (self->actor))
        return rclient_cancel_here (self, handle, error);
    return rcall_run (self->mail, RCLIENT_CANCEL, handle, self->options.timeout, NULL, error);
}

int
asynrole_client_stats (asynrole_client_t *self, asynrole_remote_stats_t *stats,
                       asynrole_error_t *error)
{
    if (!self || !stats)
        return error_badarg (error, "no client, or no stats");
    if (actor_is_self (self->actor)) {
        rclient_stats_here (self, stats);
        error_clear (error);
        return 0;
    }
    rcall_t answer;
    if (rcall_run (self->mail, RCLIENT_STATS, 0, self->options.timeout, &answer, error))
        return -1;
    *stats = answer.stats;
    return 0;
}

bool
rclient_in_own_thread (asynrole_client_t *self)
{
    return actor_is_self (self->actor);
}
