/*  link.c - the bounds a role and its I/O actor share */
#include "link.h"
#include "clock.h"
#include "error_fill.h"
#include "wire.h"
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

char wire_inbound_handoff;
char wire_answer_handoff;

struct link_s {
    atomic_int refs;                   //  holders
    size_t max_held;                   //  receive bound, bytes
    size_t record_overhead;            //  bytes a record costs beyond its batch
    atomic_size_t held;                //  bytes held now
    atomic_size_t held_max;            //  the most held
    atomic_bool want_room;             //  the I/O actor waits for room (doorbell armed)
    doorbell_t *doorbell;              //  the I/O actor's (a reference)
    atomic_int overflow;               //  asynrole_overflow_t: at the bound, drop or pause
    size_t tx_max;                     //  send bound per socket, bytes
    size_t sockets;                    //  entries in tx and tx_waits
    atomic_size_t *tx;                 //  bytes queued per socket
    atomic_uint_least64_t *tx_waits;   //  sends that waited for room, per socket
    atomic_uint_least64_t *tx_failed;  //  held sends whose push failed, per socket
    atomic_int tx_waiters;             //  senders waiting for room now
    atomic_bool tx_closed;             //  the role is going: no more waiting
    doorbell_t *tx_bell;               //  rung when room comes and tx_wanted (a
                                       //  reference; set before the I/O actor has it)
    atomic_bool tx_wanted;             //  the role's thread waits for room
    pthread_mutex_t mutex;             //  for the wait on room
    pthread_cond_t room;               //  signalled when waiters may go (CLOCK_MONOTONIC)
};

link_t *
link_new (size_t sockets, size_t max_held, size_t record_overhead, size_t tx_max,
          doorbell_t *doorbell, asynrole_error_t *error)
{
    link_t *self = calloc (1, sizeof *self);
    size_t count = sockets ? sockets : 1;
    atomic_size_t *tx = self ? calloc (count, sizeof *tx) : NULL;
    atomic_uint_least64_t *tx_waits = tx ? calloc (count, sizeof *tx_waits) : NULL;
    atomic_uint_least64_t *tx_failed = tx_waits ? calloc (count, sizeof *tx_failed) : NULL;
    if (!tx_failed) {
        free (tx_waits);
        free (tx);
        free (self);
        error_nomem (error, "a role's link");
        return NULL;
    }
    atomic_init (&self->refs, 1);
    self->max_held = max_held;
    self->record_overhead = record_overhead;
    atomic_init (&self->held, 0);
    atomic_init (&self->held_max, 0);
    atomic_init (&self->want_room, false);
    atomic_init (&self->overflow, 0);
    self->doorbell = doorbell_ref (doorbell);
    self->tx_max = tx_max;
    self->sockets = sockets;
    self->tx = tx;
    self->tx_waits = tx_waits;
    self->tx_failed = tx_failed;
    for (size_t i = 0; i < count; i++) {
        atomic_init (&tx[i], 0);
        atomic_init (&tx_waits[i], 0);
        atomic_init (&tx_failed[i], 0);
    }
    atomic_init (&self->tx_waiters, 0);
    atomic_init (&self->tx_closed, false);
    atomic_init (&self->tx_wanted, false);
    pthread_mutex_init (&self->mutex, NULL);
    clock_cond_init (&self->room);
    return self;
}

link_t *
link_ref (link_t *self)
{
    atomic_fetch_add (&self->refs, 1);
    return self;
}

void
link_unref (link_t **self_p)
{
    link_t *self = *self_p;
    *self_p = NULL;
    if (!self || atomic_fetch_sub (&self->refs, 1) != 1)
        return;
    doorbell_unref (&self->doorbell);
    doorbell_unref (&self->tx_bell);
    pthread_cond_destroy (&self->room);
    pthread_mutex_destroy (&self->mutex);
    free (self->tx);
    free (self->tx_waits);
    free (self->tx_failed);
    free (self);
}

//  Keep the high-water mark
static void
s_charged (link_t *self, size_t held)
{
    size_t most = atomic_load (&self->held_max);
    while (held > most && !atomic_compare_exchange_weak (&self->held_max, &most, held))
        ;
}

bool
link_charge (link_t *self, size_t bytes)
{
    //  Only the I/O actor charges against the bound: others only release
    size_t held = atomic_load (&self->held);
    if (held > 0 && held + bytes > self->max_held)
        return false;
    s_charged (self, atomic_fetch_add (&self->held, bytes) + bytes);
    return true;
}

size_t
link_cost (const link_t *self, size_t frame, size_t records)
{
    return frame + records * self->record_overhead;
}

static bool
s_roomy (link_t *self, size_t held)
{
    return held <= self->max_held / 2;
}

void
link_release (link_t *self, size_t bytes)
{
    size_t held = atomic_fetch_sub (&self->held, bytes) - bytes;
    if (s_roomy (self, held) && atomic_load (&self->want_room)
        && atomic_exchange (&self->want_room, false))
        doorbell_ring (self->doorbell);
}

bool
link_want_room (link_t *self)
{
    atomic_store (&self->want_room, true);
    //  A release that came before the store saw no one waiting: look again
    if (s_roomy (self, atomic_load (&self->held)) && atomic_exchange (&self->want_room, false))
        return true;
    return false;
}

void
link_set_overflow (link_t *self, asynrole_overflow_t overflow)
{
    int was = atomic_exchange (&self->overflow, (int) overflow);
    if (was == ASYNROLE_OVERFLOW_PAUSE && overflow != ASYNROLE_OVERFLOW_PAUSE)
        doorbell_ring (self->doorbell);
}

asynrole_overflow_t
link_overflow (link_t *self)
{
    return (asynrole_overflow_t) atomic_load (&self->overflow);
}

size_t
link_held (link_t *self)
{
    return atomic_load (&self->held);
}

size_t
link_held_max (link_t *self)
{
    return atomic_load (&self->held_max);
}

//  Reserve if there is room now
static bool
s_tx_take (link_t *self, atomic_size_t *queued, size_t bytes)
{
    size_t now = atomic_load (queued);
    while (now == 0 || now + bytes <= self->tx_max)
        if (atomic_compare_exchange_weak (queued, &now, now + bytes))
            return true;
    return false;
}

bool
link_tx_try (link_t *self, size_t socket, size_t bytes)
{
    return s_tx_take (self, &self->tx[socket], bytes);
}

int
link_tx_reserve (link_t *self, size_t socket, size_t bytes, int timeout_ms, asynrole_error_t *error)
{
    atomic_size_t *queued = &self->tx[socket];
    if (s_tx_take (self, queued, bytes))
        return 0;
    bool taken = false;
    if (timeout_ms > 0 && !atomic_load (&self->tx_closed)) {
        atomic_fetch_add (&self->tx_waits[socket], 1);
        struct timespec deadline = clock_after (timeout_ms);
        pthread_mutex_lock (&self->mutex);
        atomic_fetch_add (&self->tx_waiters, 1);
        int rc = 0;
        while (!(taken = s_tx_take (self, queued, bytes)) && rc == 0
               && !atomic_load (&self->tx_closed))
            rc = pthread_cond_timedwait (&self->room, &self->mutex, &deadline);
        atomic_fetch_sub (&self->tx_waiters, 1);
        pthread_mutex_unlock (&self->mutex);
    }
    if (taken)
        return 0;
    if (atomic_load (&self->tx_closed))
        return error_set (error, ASYNROLE_ECLOSED, ASYNROLE_OP_QUEUE, 0,
                          "the role is being destroyed: the send was not queued");
    return error_set (error, ASYNROLE_EWOULDBLOCK, ASYNROLE_OP_QUEUE, EAGAIN,
                      "the socket's send queue is full (%zu bytes the kernel has not taken)%s",
                      atomic_load (queued), timeout_ms > 0 ? " for the whole send_timeout" : "");
}

void
link_tx_release (link_t *self, size_t socket, size_t bytes)
{
    atomic_fetch_sub (&self->tx[socket], bytes);
    //  After the room is given: link_tx_want's caller tries again after it
    //  says so, so one of the two sees the other
    if (atomic_load (&self->tx_wanted) && atomic_exchange (&self->tx_wanted, false))
        doorbell_ring (self->tx_bell);
    if (atomic_load (&self->tx_waiters) > 0) {
        pthread_mutex_lock (&self->mutex);
        pthread_cond_broadcast (&self->room);
        pthread_mutex_unlock (&self->mutex);
    }
}

void
link_tx_fail (link_t *self, size_t socket, size_t bytes)
{
    atomic_fetch_add (&self->tx_failed[socket], 1);
    link_tx_release (self, socket, bytes);
}

uint64_t
link_tx_failed (link_t *self, size_t socket)
{
    return socket < self->sockets ? atomic_load (&self->tx_failed[socket]) : 0;
}

void
link_tx_bell (link_t *self, doorbell_t *bell)
{
    self->tx_bell = doorbell_ref (bell);
}

void
link_tx_want (link_t *self)
{
    if (self->tx_bell)
        atomic_store (&self->tx_wanted, true);
}

uint64_t
link_tx_waits (link_t *self, size_t socket)
{
    return socket < self->sockets ? atomic_load (&self->tx_waits[socket]) : 0;
}

void
link_tx_close (link_t *self)
{
    pthread_mutex_lock (&self->mutex);
    atomic_store (&self->tx_closed, true);
    pthread_cond_broadcast (&self->room);
    pthread_mutex_unlock (&self->mutex);
}
