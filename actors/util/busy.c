/*  busy.c - a lock taken with a deadline */
#include "busy.h"
#include "clock.h"

void
busy_init (busy_t *self)
{
    pthread_mutex_init (&self->mutex, NULL);
    clock_cond_init (&self->free);
    self->busy = false;
}

void
busy_destroy (busy_t *self)
{
    pthread_mutex_destroy (&self->mutex);
    pthread_cond_destroy (&self->free);
}

bool
busy_take (busy_t *self, int timeout_ms)
{
    pthread_mutex_lock (&self->mutex);
    bool taken = clock_wait_flag (&self->free, &self->mutex, &self->busy, false, timeout_ms);
    if (taken)
        self->busy = true;
    pthread_mutex_unlock (&self->mutex);
    return taken;
}

void
busy_give (busy_t *self)
{
    pthread_mutex_lock (&self->mutex);
    self->busy = false;
    pthread_cond_signal (&self->free);
    pthread_mutex_unlock (&self->mutex);
}
