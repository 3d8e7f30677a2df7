/*  actor.c - our actors' threads */
#define _GNU_SOURCE
#include "actor.h"
#include "log.h"
#include "ctx.h"
#include "error_fill.h"
#include "frames.h"
#include "clock.h"
#include "pair.h"
#include "tsan.h"
#include <czmq.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/prctl.h>

struct actor_s {
    void *pipe;                 //  the caller's end
    void *inner;                //  the body's end
    pthread_t thread;           //  runs the body
    actor_fn *fn;               //  the body
    void *args;                 //  its argument
    char name[16];              //  thread name
    atomic_bool stopping;       //  actor_destroy sent the $TERM
    bool detached;              //  the body ends the actor itself
    void (*finalize) (void *);  //  then run this
    void *finalize_arg;         //  with this
    pthread_mutex_t go_mutex;   //  guards go
    pthread_cond_t go_cond;     //  signalled by actor_go (CLOCK_MONOTONIC)
    bool go;                    //  the creator let the body serve
    int64_t made;               //  clock_ms when the thread was started
    atomic_llong began;         //  ms from made to the body's start, or -1
    atomic_llong reported;      //  ms from made to its status sent, or -1
};

//  Close the pipes and free the actor (the context reference stays)
static void
s_close (actor_t *self)
{
    ctx_close (&self->inner);
    ctx_close (&self->pipe);
    pthread_mutex_destroy (&self->go_mutex);
    pthread_cond_destroy (&self->go_cond);
    free (self);
}

static void
s_free (actor_t *self)
{
    s_close (self);
    ctx_release ();
}

static void *
s_thread (void *arg)
{
    actor_t *self = (actor_t *) arg;
    prctl (PR_SET_NAME, self->name);
    atomic_store (&self->began, clock_ms () - self->made);
    self->fn (self, self->args);
    if (self->detached) {
        void (*finalize) (void *) = self->finalize;
        void *finalize_arg = self->finalize_arg;
        pthread_detach (pthread_self ());
        s_close (self);
        finalize (finalize_arg);
        ctx_release ();
    }
    return NULL;
}

//  Start the thread with every signal blocked; 0 or an errno
static int
s_start (actor_t *self)
{
    sigset_t all, previous;
    sigfillset (&all);
    pthread_sigmask (SIG_SETMASK, &all, &previous);
    int rc = pthread_create (&self->thread, NULL, s_thread, self);
    pthread_sigmask (SIG_SETMASK, &previous, NULL);
    return rc;
}

//  A start that timed out: how far the body got says where the time went
static int
s_late (actor_t *self, int timeout_ms, asynrole_error_t *error)
{
    long long began = atomic_load (&self->began);
    long long reported = atomic_load (&self->reported);
    char how[96] = "its thread has not begun";
    if (reported >= 0)
        snprintf (how, sizeof how, "its thread began after %lld ms and reported after %lld ms",
                  began, reported);
    else if (began >= 0)
        snprintf (how, sizeof how, "its thread began after %lld ms and has not reported", began);
    return error_set (error, ASYNROLE_ETIMEOUT, ASYNROLE_OP_CONTROL, ETIMEDOUT,
                      "no start-up status within %d ms: %s (%s)", timeout_ms, self->name, how);
}

//  Read the body's status from the pipe: 0, or -1 with error filled
static int
s_status (actor_t *self, int timeout_ms, asynrole_error_t *error)
{
    int ready = frames_wait (self->pipe, timeout_ms);
    if (ready == 0)
        return s_late (self, timeout_ms, error);
    zmsg_t *msg = ready > 0 ? zmsg_recv (self->pipe) : NULL;
    if (!msg)
        return error_zmq (error, errno, "the actor's start-up status did not come");
    //  What the body set up before its status is the caller's to read now
    HANDOFF_ACQUIRE (self);
    long long rc = -1;
    asynrole_error_t failure;
    bool ok =
        frames_pop_number (msg, -1, 0, &rc) && frames_pop_struct (msg, &failure, sizeof failure);
    zmsg_destroy (&msg);
    if (!ok)
        return error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_CONTROL, 0,
                          "malformed start-up status: %s", self->name);
    if (rc == 0)
        return 0;
    if (error)
        *error = failure;
    return -1;
}

actor_t *
actor_new (actor_fn *fn, void *args, const char *name, int timeout_ms, asynrole_error_t *error)
{
    if (ctx_acquire (error))
        return NULL;
    actor_t *self = calloc (1, sizeof *self);
    if (!self) {
        ctx_release ();
        error_nomem (error, "an actor");
        return NULL;
    }
    self->fn = fn;
    self->args = args;
    snprintf (self->name, sizeof self->name, "%s", name);
    atomic_init (&self->stopping, false);
    atomic_init (&self->began, -1);
    atomic_init (&self->reported, -1);
    pthread_mutex_init (&self->go_mutex, NULL);
    clock_cond_init (&self->go_cond);
    if (pair_new (&self->pipe, &self->inner, "pipe", error)) {
        s_free (self);
        return NULL;
    }
    self->made = clock_ms ();
    int rc = s_start (self);
    if (rc) {
        error_set (error, ASYNROLE_ERESOURCE, ASYNROLE_OP_THREAD, rc, "%s: cannot start thread %s",
                   strerror (rc), self->name);
        s_free (self);
        return NULL;
    }
    if (s_status (self, timeout_ms, error)) {
        asynrole_error_t status = error ? *error : (asynrole_error_t){ .code = ASYNROLE_OK };
        actor_destroy (&self);
        if (error)
            *error = status;
        return NULL;
    }
    error_clear (error);
    return self;
}

bool
actor_destroy (actor_t **self_p)
{
    actor_t *self = *self_p;
    if (!self)
        return true;
    if (actor_is_self (self))
        return false;
    atomic_store (&self->stopping, true);
    //  A body waiting for its go learns there will be none
    pthread_mutex_lock (&self->go_mutex);
    pthread_cond_broadcast (&self->go_cond);
    pthread_mutex_unlock (&self->go_mutex);
    *self_p = NULL;
    //  A body that failed to start has returned already; one that runs reads
    //  its pipe, and our pipes have no high-water mark to refuse the $TERM.
    //  Should libzmq refuse it all the same, joining would wait for ever:
    //  the actor is then left running, and reported
    if (zstr_send (self->pipe, "$TERM")) {
        log_error ("asynrole: cannot send $TERM to %s (%s): it is left running", self->name,
                   strerror (errno));
        pthread_detach (self->thread);
        return true;
    }
    pthread_join (self->thread, NULL);
    s_free (self);
    return true;
}

void *
actor_pipe (actor_t *self)
{
    return self->pipe;
}

bool
actor_is_self (actor_t *self)
{
    return pthread_equal (pthread_self (), self->thread);
}

void *
actor_inner (actor_t *self)
{
    return self->inner;
}

void
actor_started (actor_t *self, const asynrole_error_t *failure)
{
    asynrole_error_t none = { .code = ASYNROLE_OK };
    atomic_store (&self->reported, clock_ms () - self->made);
    HANDOFF_RELEASE (self);
    if (zsock_send (self->inner, "ib", failure ? -1 : 0, failure ? failure : &none, sizeof none))
        log_error ("asynrole: %s cannot send its start-up status: %s", self->name,
                   strerror (errno));
}

bool
actor_stopping (actor_t *self)
{
    return atomic_load (&self->stopping);
}

void
actor_go (actor_t *self)
{
    pthread_mutex_lock (&self->go_mutex);
    self->go = true;
    pthread_cond_signal (&self->go_cond);
    pthread_mutex_unlock (&self->go_mutex);
}

bool
actor_wait_go (actor_t *self, int timeout_ms)
{
    struct timespec deadline = clock_after (timeout_ms);
    pthread_mutex_lock (&self->go_mutex);
    int rc = 0;
    while (!self->go && !atomic_load (&self->stopping) && rc == 0)
        rc = pthread_cond_timedwait (&self->go_cond, &self->go_mutex, &deadline);
    bool go = self->go;
    pthread_mutex_unlock (&self->go_mutex);
    return go;
}

void
actor_detach (actor_t *self, void (*finalize) (void *arg), void *arg)
{
    self->detached = true;
    self->finalize = finalize;
    self->finalize_arg = arg;
}
