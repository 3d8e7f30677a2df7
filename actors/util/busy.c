/*  busy.c - a lock taken with a deadline */
#include "busy.h"
#include "clock.h"

void
busy_init (busy_t *self)
{
    pthread_mutex_init (&self->mutex, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init (&attr);
    pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
    pthread_cond_init (&self->free, &attr);
    pthread_condattr_destroy (&attr);
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
    struct timespec until = clock_after (timeout_ms);
    pthread_mutex_lock (&self->mutex);
    int rc = 0;
    while (self->busy && rc == 0)
        rc = pthread_cond_timedwait (&self->free, &self->mutex, &until);
    bool taken = !self->busy;
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
