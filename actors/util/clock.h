/*  clock.h - monotonic time and deadlines, in milliseconds (and us), and
    the condition variables that wait for them */
#ifndef ASYNROLE_CLOCK_H_INCLUDED
#define ASYNROLE_CLOCK_H_INCLUDED

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

//  Milliseconds on the monotonic clock
static inline int64_t
clock_ms (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

//  Microseconds on the monotonic clock
static inline int64_t
clock_us (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (int64_t) now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

//  Milliseconds left until deadline, never negative
static inline int
clock_left (int64_t deadline)
{
    int64_t left = deadline - clock_ms ();
    return left > 0 ? (int) left : 0;
}

//  The monotonic time timeout_ms from now, for pthread_cond_timedwait on a
//  condition variable set to CLOCK_MONOTONIC
static inline struct timespec
clock_after (int timeout_ms)
{
    struct timespec at;
    clock_gettime (CLOCK_MONOTONIC, &at);
    at.tv_sec += timeout_ms / 1000;
    at.tv_nsec += (long) (timeout_ms % 1000) * 1000000L;
    if (at.tv_nsec >= 1000000000L) {
        at.tv_sec++;
        at.tv_nsec -= 1000000000L;
    }
    return at;
}

//  A condition variable whose timed waits take clock_after's deadlines
static inline void
clock_cond_init (pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    pthread_condattr_init (&attr);
    pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
    pthread_cond_init (cond, &attr);
    pthread_condattr_destroy (&attr);
}

//  With mutex held: wait on cond until *flag is want, at most timeout_ms;
//  whether it is
static inline bool
clock_wait_flag (pthread_cond_t *cond, pthread_mutex_t *mutex, const bool *flag, bool want,
                 int timeout_ms)
{
    struct timespec deadline = clock_after (timeout_ms);
    int rc = 0;
    while (*flag != want && rc == 0)
        rc = pthread_cond_timedwait (cond, mutex, &deadline);
    return *flag == want;
}

#endif
