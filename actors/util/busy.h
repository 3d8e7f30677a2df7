/*  busy.h - a lock taken with a deadline

    pthread_mutex_clocklock would do, but ThreadSanitizer does not know it;
    a flag under a mutex, waited on with a CLOCK_MONOTONIC condition, is
    seen by every tool. Held across waits on a socket (a role's control
    path, a pipe-mode Agent's data socket), so never for long by the mutex
    itself. */
#ifndef ASYNROLE_BUSY_H_INCLUDED
#define ASYNROLE_BUSY_H_INCLUDED

#include <pthread.h>
#include <stdbool.h>

typedef struct {
    pthread_mutex_t mutex;  //  guards busy
    pthread_cond_t free;    //  signalled when busy clears
    bool busy;              //  someone holds it
} busy_t;

void busy_init (busy_t *self);
void busy_destroy (busy_t *self);

//  Take it, waiting at most timeout_ms; false when it stayed busy
bool busy_take (busy_t *self, int timeout_ms);

//  Give it back
void busy_give (busy_t *self);

#endif
