/*  asynrole_agent.c - the Agent role: one socket per interface, replies
    leave through the socket their request came in on */
#include "asynrole_agent.h"
#include "error_fill.h"
#include "role.h"

struct asynrole_agent_s {
    role_t role;  //  everything is in the shared role machinery
};

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
    asynrole_addr_t *locals = role_resolve (ifaces, count, error);
    if (!locals)
        return NULL;
    asynrole_agent_t *self = calloc (1, sizeof *self);
    if (!self) {
        free (locals);
        error_badarg (error, "out of memory");
        return NULL;
    }
    role_fn_t fn = { .agent = callback };
    if (role_start (&self->role, ROLE_AGENT, self, "agent", options, locals, count, NULL, fn, ctx,
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
    if (role_stop (&(*self_p)->role) == 0) {
        free (*self_p);
        *self_p = NULL;
    }
}

int
asynrole_agent_send (asynrole_agent_t *self, const void *data, size_t size,
                     const asynrole_addr_t *destination, asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no agent");
    if (!destination)
        return error_badarg (error, "%s: a response needs a destination", self->role.name);
    return role_send (&self->role, data, size, destination, error);
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
asynrole_agent_stats (asynrole_agent_t *self, asynrole_stats_t *stats, size_t max)
{
    return self ? role_stats (&self->role, stats, max) : -1;
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

zsock_t *
asynrole_agent_socket (asynrole_agent_t *self)
{
    return self ? self->role.user : NULL;
}

zactor_t *
asynrole_agent_actor (asynrole_agent_t *self)
{
    return self ? self->role.actor : NULL;
}
