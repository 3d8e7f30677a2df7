/*  asynrole_server.c - the request server: remote clients' requests on a
    Manager (the actor: actors/remote/rserver.c) */
#include "asynrole_remote.h"
#include "error_fill.h"
#include "log.h"
#include "manager_internal.h"
#include "rserver.h"
#include <stdlib.h>
#include <string.h>

asynrole_server_t *
asynrole_server_new (asynrole_manager_t *manager, const char *endpoint,
                     const asynrole_remote_options_t *options, asynrole_error_t *error)
{
    if (!manager) {
        error_badarg (error, "a server needs a Manager");
        return NULL;
    }
    asynrole_server_t *self = (asynrole_server_t *) calloc (1, sizeof *self);
    if (!self) {
        error_nomem (error, "a server");
        return NULL;
    }
    self->manager = manager;
    if (rremote_options (options, "server", &self->options, error)
        || rremote_check_endpoint (endpoint, &self->options, true, error)) {
        free (self);
        return NULL;
    }
    snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint);
    if (manager_claim (manager, self, error)) {
        free (self);
        return NULL;
    }
    self->mail = rmail_new (rserver_item_free, error);
    if (self->mail)
        self->actor = actor_new (rserver_actor, self, "asynrole-srv", self->options.timeout, error);
    if (!self->actor) {
        manager_unclaim (manager, self);
        rmail_unref (&self->mail);
        free (self);
        return NULL;
    }
    //  The strings of options were read only while it started: never again
    return self;
}

void
asynrole_server_destroy (asynrole_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    asynrole_server_t *self = *self_p;
    if (actor_is_self (self->actor)) {
        log_error ("%s: asynrole_server_destroy from its own on_event is refused",
                   self->options.name);
        return;
    }
    *self_p = NULL;
    actor_destroy (&self->actor);
    //  A Manager destroyed first let us go (manager NULL): nothing of it
    //  is touched
    if (self->manager)
        manager_unclaim (self->manager, self);
    rmail_unref (&self->mail);
    free (self);
}

const char *
asynrole_server_endpoint (asynrole_server_t *self)
{
    return self ? self->endpoint : NULL;
}

int
asynrole_server_stats (asynrole_server_t *self, asynrole_remote_stats_t *stats,
                       asynrole_error_t *error)
{
    if (!self || !stats)
        return error_badarg (error, "no server, or no stats");
    if (actor_is_self (self->actor)) {
        rserver_stats_here (self, stats);
        error_clear (error);
        return 0;
    }
    rmail_call_t answer;
    if (rmail_call (self->mail, RSERVER_STATS, 0, self->options.timeout, &answer, error))
        return -1;
    *stats = answer.stats;
    return 0;
}
