/*  asynrole_workers.c - the public workers class: wraps the workers actor
    (actors/remote/workers.c) */
#include "asynrole_remote.h"
#include "agent_internal.h"
#include "error_fill.h"
#include "link.h"
#include "log.h"
#include "rcall.h"
#include "rremote.h"
#include "rsecurity.h"
#include "workers.h"
#include <stdlib.h>
#include <string.h>

struct asynrole_workers_s {
    actor_t *actor;                    //  the workers actor
    rcall_t call;                      //  calls to it
    workers_args_t args;               //  its settings (it reads them for its whole life)
    int timeout;                       //  ms a call waits
    bool overflow_set;                 //  we set the Agent's overflow to PAUSE: set it back
    asynrole_overflow_t overflow_was;  //  to this
    bool claimed;                      //  the Agent knows us (agent_claim), until detached
};

//  Settings from the options, with their defaults
static int
s_settings (asynrole_workers_t *self, const asynrole_remote_options_t *options,
            asynrole_error_t *error)
{
    //  The caller's own (NULL = defaults) goes to the actor, for the keys
    //  and the allow list (read only while _new waits for its start)
    const asynrole_remote_options_t *given = options;
    rremote_options_t common;
    if (rremote_options (options, "workers", &common, error))
        return -1;
    options = &common.given;
    workers_args_t *args = &self->args;
    snprintf (args->name, sizeof args->name, "%s", common.name);
    self->timeout = args->timeout = common.timeout;
    args->heartbeat = common.heartbeat;
    args->heartbeat_timeout = common.heartbeat_timeout;
    if (options->overflow != ASYNROLE_OVERFLOW_DROP && options->overflow != ASYNROLE_OVERFLOW_PAUSE)
        return error_badarg (error, "unknown overflow policy %d: %s", (int) options->overflow,
                             args->name);
    args->overflow = options->overflow;
    args->max_credit = options->max_credit ? options->max_credit : ASYNROLE_DEFAULT_MAX_CREDIT;
    args->on_event = options->on_event;
    args->event_ctx = options->event_ctx;
    args->verbose = options->verbose;
    args->options = given;
    return 0;
}

//  The Agent is touched only while attached: once detached it may be gone
static void
s_free (asynrole_workers_t *self)
{
    if (self->claimed) {
        if (self->overflow_set)
            agent_set_overflow (self->args.agent, self->overflow_was, NULL);
        agent_release (self->args.agent, self);
    }
    free (self);
}

void
workers_detach (asynrole_workers_t *self)
{
    //  Seen by the actor before its next use of the Agent, even if the
    //  call below times out (its callback stuck) or comes from that thread
    atomic_store (&self->args.detached, true);
    self->claimed = false;
    if (actor_is_self (self->actor))
        return;
    zmsg_t *request = zmsg_new ();
    if (request)
        zmsg_addstr (request, "DETACH");
    asynrole_error_t error;
    zframe_t *blob = NULL;
    if (rcall (&self->call, &request, "DETACH", self->timeout, self->args.name, &blob, &error))
        log_error ("%s: the workers actor did not let go of the Agent: %s", self->args.name,
                   error.detail);
    zframe_destroy (&blob);
}

asynrole_workers_t *
asynrole_workers_new (asynrole_agent_t *agent, const char *endpoint, asynrole_local_fn *local,
                      void *local_ctx, const asynrole_remote_options_t *options,
                      asynrole_error_t *error)
{
    if (!agent || !asynrole_agent_socket (agent)) {
        error_badarg (error, "workers need an Agent in pipe mode");
        return NULL;
    }
    if (!endpoint) {
        error_badarg (error, "workers need an endpoint to bind");
        return NULL;
    }
    asynrole_workers_t *self = calloc (1, sizeof *self);
    if (!self) {
        error_nomem (error, "a workers actor");
        return NULL;
    }
    self->args.agent = agent;
    self->args.endpoint = endpoint;
    self->args.local = local;
    self->args.local_ctx = local_ctx;
    if (s_settings (self, options, error) || rsec_check_endpoint (endpoint, options, true, error)
        || agent_claim (agent, self, error)) {
        free (self);
        return NULL;
    }
    self->claimed = true;
    if (self->args.overflow == ASYNROLE_OVERFLOW_PAUSE) {
        self->overflow_was = link_overflow (agent_role (agent)->link);
        if (agent_set_overflow (agent, ASYNROLE_OVERFLOW_PAUSE, error)) {
            s_free (self);
            return NULL;
        }
        self->overflow_set = true;
    }
    self->actor = actor_new (workers_actor, &self->args, "asynrole-wrks", self->timeout, error);
    if (!self->actor) {
        s_free (self);
        return NULL;
    }
    //  Pointers of the caller's, valid only until we return
    self->args.endpoint = NULL;
    self->args.options = NULL;
    rcall_init (&self->call, self->actor);
    actor_go (self->actor);
    return self;
}

void
asynrole_workers_destroy (asynrole_workers_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    asynrole_workers_t *self = *self_p;
    if (actor_is_self (self->actor)) {
        log_error ("%s: asynrole_workers_destroy from its own callback is refused",
                   self->args.name);
        return;
    }
    *self_p = NULL;
    //  A copy: a callback under way may still read self->actor
    actor_t *actor = self->actor;
    actor_destroy (&actor);
    rcall_destroy (&self->call);
    s_free (self);
}

const char *
asynrole_workers_endpoint (asynrole_workers_t *self)
{
    return self ? self->args.bound : NULL;
}

int
asynrole_workers_stats (asynrole_workers_t *self, asynrole_remote_stats_t *stats,
                        asynrole_error_t *error)
{
    if (!self || !stats)
        return error_badarg (error, "no workers, or nowhere to put their counters");
    if (actor_is_self (self->actor))
        return error_badarg (error, "not from the workers actor's own callbacks: %s",
                             self->args.name);
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

int
asynrole_workers_list (asynrole_workers_t *self, asynrole_worker_info_t *info, size_t max,
                       asynrole_error_t *error)
{
    if (!self || (!info && max))
        return error_badarg (error, "no workers, or nowhere to put their records");
    if (actor_is_self (self->actor))
        return error_badarg (error, "not from the workers actor's own callbacks: %s",
                             self->args.name);
    zframe_t *blob;
    zmsg_t *request = zmsg_new ();
    if (request)
        zmsg_addstr (request, "LIST");
    if (rcall (&self->call, &request, "LIST", self->timeout, self->args.name, &blob, error))
        return -1;
    size_t size = blob ? zframe_size (blob) : 0;
    size_t count = size / sizeof *info;
    int rc = (int) count;
    if (!blob || size % sizeof *info)
        rc = error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_CONTROL, 0,
                        "a malformed LIST answer: %s", self->args.name);
    else if (count && max)
        memcpy (info, zframe_data (blob), (count < max ? count : max) * sizeof *info);
    zframe_destroy (&blob);
    return rc;
}
