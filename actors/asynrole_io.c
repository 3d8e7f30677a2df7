/*  asynrole_io.c - the public I/O class: wraps the actor, counts references */
#include "asynrole_io.h"
#include "actor_status.h"
#include "error_fill.h"
#include "io_internal.h"
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

struct asynrole_io_s {
    zactor_t *actor;        //  the I/O actor (io_actor.c)
    char endpoint[64];      //  inproc endpoint of its inbound socket
    atomic_int refs;        //  holders: the creator and every role sharing it
    atomic_bool closing;    //  the last holder let go: $TERM is ours
    pthread_mutex_t mutex;  //  one caller at a time on the actor pipe
};

//  Makes every endpoint in the process unique
static atomic_uint s_endpoints;

asynrole_io_t *
asynrole_io_new (asynrole_error_t *error)
{
    asynrole_io_t *self = calloc (1, sizeof *self);
    if (!self) {
        error_network (error, ASYNROLE_OP_SOCKET, ENOMEM, NULL);
        return NULL;
    }
    snprintf (self->endpoint, sizeof self->endpoint, "inproc://asynrole-io-%d-%u", (int) getpid (),
              atomic_fetch_add (&s_endpoints, 1));
    atomic_init (&self->refs, 1);
    pthread_mutex_init (&self->mutex, NULL);
    atomic_init (&self->closing, false);
    self->actor = zactor_new (io_actor, self);
    if (actor_status_recv (self->actor, error)) {
        zactor_destroy (&self->actor);
        pthread_mutex_destroy (&self->mutex);
        free (self);
        self = NULL;
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
    atomic_store (&self->closing, true);
    zactor_destroy (&self->actor);
    pthread_mutex_destroy (&self->mutex);
    free (self);
}

int
asynrole_io_stats (asynrole_io_t *self, asynrole_stats_t *stats, size_t max)
{
    if (!self)
        return -1;
    int count = -1;
    byte *records = NULL;
    size_t size = 0;
    pthread_mutex_lock (&self->mutex);
    if (zsock_send (self->actor, "s", "STATS") == 0)
        zsock_recv (self->actor, "ib", &count, &records, &size);
    pthread_mutex_unlock (&self->mutex);
    if (count < 0 || size != (size_t) count * sizeof *stats)
        count = -1;  //  Not a STATS answer (someone else's traffic on the pipe)
    else if (stats)
        memcpy (stats, records, ((size_t) count < max ? (size_t) count : max) * sizeof *stats);
    free (records);
    return count;
}

void
asynrole_io_set_verbose (asynrole_io_t *self, bool verbose)
{
    if (!self)
        return;
    pthread_mutex_lock (&self->mutex);
    zsock_send (self->actor, "si", "VERBOSE", verbose ? 1 : 0);
    pthread_mutex_unlock (&self->mutex);
}

zactor_t *
asynrole_io_actor (asynrole_io_t *self)
{
    return self ? self->actor : NULL;
}

const char *
io_endpoint (asynrole_io_t *self)
{
    return self->endpoint;
}

bool
io_closing (asynrole_io_t *self)
{
    return atomic_load (&self->closing);
}
