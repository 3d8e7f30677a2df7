/*  asynrole_manager.c - the Manager role: one socket, an optional default
    destination (connected), a callback replaceable per send */
#include "asynrole_manager.h"
#include "error_fill.h"
#include "manager_internal.h"
#include "rserver.h"
#include <stdlib.h>

struct asynrole_manager_s {
    role_t role;  //  everything is in the shared role machinery
};

role_t *
manager_role (asynrole_manager_t *self)
{
    return self ? &self->role : NULL;
}

//  The local address to bind: iface (an address, or a descriptor to
//  adopt), or any address of the destination's family; 0 or -1 with error
static int
s_local (const char *iface, const asynrole_addr_t *target, role_ifaces_t *local,
         asynrole_error_t *error)
{
    if (!iface)
        iface = asynrole_addr_family (target) == AF_INET6 ? "[::]:0" : "0.0.0.0:0";
    if (role_resolve (&iface, 1, local, error))
        return -1;
    //  An adopted socket's family is known once the I/O actor has it
    bool adopted = local->adopt[0] >= 0;
    if (!adopted && target->len
        && asynrole_addr_family (&local->locals[0]) != asynrole_addr_family (target)) {
        role_ifaces_free (local);
        return error_badarg (error, "the interface and the destination are not of one family");
    }
    return 0;
}

asynrole_manager_t *
asynrole_manager_new (asynrole_manager_fn *callback, void *ctx, const char *destination,
                      const char *iface, const asynrole_options_t *options, asynrole_error_t *error)
{
    if (options && options->pipe_mode && callback) {
        error_badarg (error, "a Manager in pipe mode takes no callback");
        return NULL;
    }
    asynrole_addr_t target = { .len = 0 };
    if (destination) {
        if (asynrole_addr_resolve (&target, destination, error))
            return NULL;
        if (asynrole_addr_port (&target) == 0) {
            error_badarg (error, "the default destination has port 0");
            return NULL;
        }
    }
    role_ifaces_t local;
    if (s_local (iface, &target, &local, error))
        return NULL;
    asynrole_manager_t *self = calloc (1, sizeof *self);
    if (!self) {
        role_ifaces_free (&local);
        error_nomem (error, "a Manager");
        return NULL;
    }
    role_fn_t fn = { .manager = callback };
    if (role_start (&self->role, ROLE_MANAGER, self, "manager", options, &local,
                    target.len ? &target : NULL, fn, ctx, error)) {
        free (self);
        return NULL;
    }
    return self;
}

int
manager_claim (asynrole_manager_t *self, void *server, asynrole_error_t *error)
{
    pthread_mutex_lock (&self->role.callback_mutex);
    bool taken = self->role.remote != NULL;
    if (!taken)
        self->role.remote = server;
    pthread_mutex_unlock (&self->role.callback_mutex);
    if (taken)
        return error_badarg (error, "this Manager has a request server already");
    return 0;
}

void
manager_unclaim (asynrole_manager_t *self, void *server)
{
    pthread_mutex_lock (&self->role.callback_mutex);
    if (self->role.remote == server)
        self->role.remote = NULL;
    pthread_mutex_unlock (&self->role.callback_mutex);
}

void
asynrole_manager_destroy (asynrole_manager_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    asynrole_manager_t *self = *self_p;
    //  Its request server first lets it go (synchronously): it makes no
    //  request on it after this; the destroy below ends those under way
    //  (ECLOSED), whose results reach the server's mailbox
    pthread_mutex_lock (&self->role.callback_mutex);
    asynrole_server_t *server = (asynrole_server_t *) self->role.remote;
    self->role.remote = NULL;
    pthread_mutex_unlock (&self->role.callback_mutex);
    if (server)
        rserver_detach (server);
    role_stop (&self->role);
    *self_p = NULL;
}

int
asynrole_manager_send (asynrole_manager_t *self, const void *data, size_t size,
                       const asynrole_addr_t *destination, asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no manager");
    role_send_t how = { .callback = NULL };
    return role_send (&self->role, data, size, destination, &how, error);
}

int
asynrole_manager_try_send (asynrole_manager_t *self, const void *data, size_t size,
                           const asynrole_addr_t *destination, asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no manager");
    role_send_t how = { .nowait = true };
    return role_send (&self->role, data, size, destination, &how, error);
}

int
asynrole_manager_send_with (asynrole_manager_t *self, const void *data, size_t size,
                            const asynrole_addr_t *destination, asynrole_manager_fn *callback,
                            void *ctx, asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no manager");
    role_fn_t fn = { .manager = callback };
    role_send_t how = { .callback = &fn, .ctx = ctx };
    return role_send (&self->role, data, size, destination, &how, error);
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
asynrole_manager_stats (asynrole_manager_t *self, asynrole_stats_t *stats, asynrole_error_t *error)
{
    if (!self || !stats)
        return error_badarg (error, "no manager, or nowhere to put the counters");
    return role_stats (&self->role, stats, 1, error) == 1 ? 0 : -1;
}

uint64_t
asynrole_manager_unhandled (asynrole_manager_t *self)
{
    return self ? atomic_load (&self->role.unhandled) : 0;
}

int
asynrole_manager_set_timeout (asynrole_manager_t *self, int timeout, asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no manager");
    return role_set_timeout (&self->role, timeout, error);
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

void *
asynrole_manager_socket (asynrole_manager_t *self)
{
    return self ? self->role.user : NULL;
}

void *
asynrole_manager_actor (asynrole_manager_t *self)
{
    return self ? actor_pipe (self->role.actor) : NULL;
}
