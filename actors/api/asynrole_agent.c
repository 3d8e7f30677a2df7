/*  asynrole_agent.c - the Agent role: one socket per interface, replies
    leave through the socket their request came in on */
#include "asynrole_agent.h"
#include "error_fill.h"
#include "agent_internal.h"
#include "role_batch.h"
#include <stdlib.h>

struct asynrole_agent_s {
    role_t role;  //  everything is in the shared role machinery
};

role_t *
agent_role (asynrole_agent_t *self)
{
    return self ? &self->role : NULL;
}

int
agent_set_overflow (asynrole_agent_t *agent, asynrole_overflow_t overflow, asynrole_error_t *error)
{
    if (!agent)
        return error_badarg (error, "no agent");
    if (overflow != ASYNROLE_OVERFLOW_DROP && overflow != ASYNROLE_OVERFLOW_PAUSE)
        return error_badarg (error, "overflow must be ASYNROLE_OVERFLOW_DROP or _PAUSE, not %d: %s",
                             (int) overflow, agent->role.name);
    link_set_overflow (agent->role.link, overflow);
    error_clear (error);
    return 0;
}

asynrole_agent_t *
asynrole_agent_new (asynrole_agent_fn *callback, void *ctx, const char *const *ifaces, size_t count,
                    const asynrole_options_t *options, asynrole_error_t *error)
{
    bool pipe_mode = options && options->pipe_mode;
    if (!pipe_mode && !callback) {
        error_badarg (error, "an Agent in callback mode needs a callback");
        return NULL;
    }
    if (pipe_mode && callback) {
        error_badarg (error, "an Agent in pipe mode takes no callback");
        return NULL;
    }
    static const char *const default_ifaces[] = { "127.0.0.1:161" };
    if (!ifaces || count == 0) {
        ifaces = default_ifaces;
        count = 1;
    }
    role_ifaces_t resolved;
    if (role_resolve (ifaces, count, &resolved, error))
        return NULL;
    asynrole_agent_t *self = calloc (1, sizeof *self);
    if (!self) {
        role_ifaces_free (&resolved);
        error_nomem (error, "an Agent");
        return NULL;
    }
    role_fn_t fn = { .agent = callback };
    if (role_start (&self->role, ROLE_AGENT, self, "agent", options, &resolved, NULL, fn, ctx,
                    error)) {
        free (self);
        return NULL;
    }
    return self;
}

void
asynrole_agent_destroy (asynrole_agent_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    role_stop (&(*self_p)->role);
    *self_p = NULL;
}

static int
s_send (asynrole_agent_t *self, const void *data, size_t size, const asynrole_addr_t *destination,
        bool nowait, const asynrole_datagram_t *reply_to, asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no agent");
    if (!destination)
        return error_badarg (error, "a datagram from an Agent needs a destination: %s",
                             self->role.name);
    role_send_t how = { .nowait = nowait, .reply_to = reply_to };
    return role_send (&self->role, data, size, destination, &how, error);
}

int
asynrole_agent_send (asynrole_agent_t *self, const void *data, size_t size,
                     const asynrole_addr_t *destination, asynrole_error_t *error)
{
    return s_send (self, data, size, destination, false, NULL, error);
}

int
asynrole_agent_try_send (asynrole_agent_t *self, const void *data, size_t size,
                         const asynrole_addr_t *destination, asynrole_error_t *error)
{
    return s_send (self, data, size, destination, true, NULL, error);
}

int
asynrole_agent_reply (asynrole_agent_t *self, const asynrole_datagram_t *request, const void *data,
                      size_t size, asynrole_error_t *error)
{
    if (!request)
        return error_badarg (error, "no request to reply to");
    if (!request->peer.via)
        return error_badarg (error, "the request names no socket of the Agent's (peer.via is 0)");
    return s_send (self, data, size, &request->peer, false, request, error);
}

int
asynrole_agent_try_reply (asynrole_agent_t *self, const asynrole_datagram_t *request,
                          const void *data, size_t size, asynrole_error_t *error)
{
    if (!request)
        return error_badarg (error, "no request to reply to");
    if (!request->peer.via)
        return error_badarg (error, "the request names no socket of the Agent's (peer.via is 0)");
    return s_send (self, data, size, &request->peer, true, request, error);
}

int
asynrole_agent_hold (asynrole_agent_t *self, asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no agent");
    return role_hold (&self->role, error);
}

int
asynrole_agent_flush (asynrole_agent_t *self, asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no agent");
    return role_hold_flush (&self->role, error);
}

size_t
asynrole_agent_count (asynrole_agent_t *self)
{
    return self ? self->role.count : 0;
}

const asynrole_addr_t *
asynrole_agent_local (asynrole_agent_t *self, size_t index)
{
    return self && index < self->role.count ? &self->role.locals[index] : NULL;
}

int
asynrole_agent_stats (asynrole_agent_t *self, asynrole_stats_t *stats, size_t max,
                      asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no agent");
    return role_stats (&self->role, stats, max, error);
}

int
asynrole_agent_set_timeout (asynrole_agent_t *self, int timeout, asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no agent");
    return role_set_timeout (&self->role, timeout, error);
}

void
asynrole_agent_set_verbose (asynrole_agent_t *self, bool verbose)
{
    if (self)
        atomic_store (&self->role.verbose, verbose);
}

void
asynrole_agent_set_dump (asynrole_agent_t *self, bool dump)
{
    if (self)
        atomic_store (&self->role.dump, dump);
}

void *
asynrole_agent_socket (asynrole_agent_t *self)
{
    return self ? self->role.user : NULL;
}

void *
asynrole_agent_actor (asynrole_agent_t *self)
{
    return self ? actor_pipe (self->role.actor) : NULL;
}
