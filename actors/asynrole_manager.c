/*  asynrole_manager.c - the Manager role: one socket, an optional default
    destination (connected), a callback replaceable per send */
#include "asynrole_manager.h"
#include "error_fill.h"
#include "role.h"

struct asynrole_manager_s {
    role_t role;  //  everything is in the shared role machinery
};

asynrole_manager_t *
asynrole_manager_new (asynrole_manager_fn *callback, void *ctx, const char *destination,
                      const char *iface, const asynrole_options_t *options, asynrole_error_t *error)
{
    if (options && options->pipe_mode && callback) {
        error_badarg (error, "a Manager in pipe mode takes no callback");
        return NULL;
    }
    asynrole_addr_t target = { .len = 0, .via = -1 };
    if (destination) {
        if (asynrole_addr_resolve (&target, destination, error))
            return NULL;
        if (asynrole_addr_port (&target) == 0) {
            error_badarg (error, "default destination '%s' has port 0", destination);
            return NULL;
        }
    }
    //  By default: any address of the destination's family, ephemeral port
    if (!iface)
        iface = asynrole_addr_family (&target) == AF_INET6 ? "[::]:0" : "0.0.0.0:0";
    asynrole_addr_t *local = role_resolve (&iface, 1, error);
    if (!local)
        return NULL;
    if (target.len && asynrole_addr_family (local) != asynrole_addr_family (&target)) {
        error_badarg (error, "interface '%s' and destination '%s' are not of one family", iface,
                      destination);
        free (local);
        return NULL;
    }
    asynrole_manager_t *self = calloc (1, sizeof *self);
    if (!self) {
        free (local);
        error_badarg (error, "out of memory");
        return NULL;
    }
    role_fn_t fn = { .manager = callback };
    if (role_start (&self->role, ROLE_MANAGER, self, "manager", options, local, 1,
                    target.len ? &target : NULL, fn, ctx, error)) {
        free (self);
        return NULL;
    }
    return self;
}

void
asynrole_manager_destroy (asynrole_manager_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    if (role_stop (&(*self_p)->role) == 0) {
        free (*self_p);
        *self_p = NULL;
    }
}

int
asynrole_manager_send (asynrole_manager_t *self, const void *data, size_t size,
                       const asynrole_addr_t *destination, asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no manager");
    return role_send (&self->role, data, size, destination, error);
}

int
asynrole_manager_send_with (asynrole_manager_t *self, const void *data, size_t size,
                            const asynrole_addr_t *destination, asynrole_manager_fn *callback,
                            void *ctx, asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no manager");
    role_fn_t fn = { .manager = callback };
    return role_send_with (&self->role, data, size, destination, &fn, ctx, error);
}

int
asynrole_manager_set_callback (asynrole_manager_t *self, asynrole_manager_fn *callback, void *ctx,
                               asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no manager");
    role_fn_t fn = { .manager = callback };
    return role_set_callback (&self->role, fn, ctx, error);
}

const asynrole_addr_t *
asynrole_manager_local (asynrole_manager_t *self)
{
    return self ? &self->role.locals[0] : NULL;
}

int
asynrole_manager_stats (asynrole_manager_t *self, asynrole_stats_t *stats)
{
    if (!self || !stats)
        return -1;
    return role_stats (&self->role, stats, 1) == 1 ? 0 : -1;
}

uint64_t
asynrole_manager_unhandled (asynrole_manager_t *self)
{
    return self ? atomic_load (&self->role.unhandled) : 0;
}

void
asynrole_manager_set_verbose (asynrole_manager_t *self, bool verbose)
{
    if (self)
        atomic_store (&self->role.verbose, verbose);
}

void
asynrole_manager_set_dump (asynrole_manager_t *self, bool dump)
{
    if (self)
        atomic_store (&self->role.dump, dump);
}

zsock_t *
asynrole_manager_socket (asynrole_manager_t *self)
{
    return self ? self->role.user : NULL;
}

zactor_t *
asynrole_manager_actor (asynrole_manager_t *self)
{
    return self ? self->role.actor : NULL;
}
