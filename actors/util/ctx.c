/*  ctx.c - the library's libzmq context and the sockets made in it */
#include "ctx.h"
#include "log.h"
#include "bounds.h"
#include "clock.h"
#include "error_fill.h"
#include <czmq.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

//  A probe thread: lives until the prober lets go of the mutex (arg), so
//  that the probe's threads exist all at once, as libzmq's will
static void *
s_idle (void *arg)
{
    pthread_mutex_t *hold = (pthread_mutex_t *) arg;
    pthread_mutex_lock (hold);
    pthread_mutex_unlock (hold);
    return NULL;
}

//  Threads of this process now (/proc/self/stat, field 20), or -1
static long
s_threads_now (void)
{
    FILE *file = fopen ("/proc/self/stat", "re");
    if (!file)
        return -1;
    char line[1024];
    size_t size = fread (line, 1, sizeof line - 1, file);
    fclose (file);
    line[size] = 0;
    const char *field = strrchr (line, ')');  //  the name may hold spaces
    long threads = -1;
    if (field
        && sscanf (field + 1,
                   " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %ld",
                   &threads)
            != 1)
        threads = -1;
    return threads;
}

//  A joined thread still counts against RLIMIT_NPROC until the kernel
//  releases its task, an instant after pthread_join returns; libzmq, which
//  aborts when it cannot make a thread, must not start in that instant. The
//  kernel gives no event for it (a pidfd names no thread before Linux
//  6.9): look at the count, at most LIMIT_CTX_RELEASE_MS
static void
s_wait_released (long before)
{
    int64_t deadline = clock_ms () + LIMIT_CTX_RELEASE_MS;
    while (before >= 0 && s_threads_now () > before && clock_ms () < deadline) {
        struct timespec pause = { .tv_nsec = 200 * 1000 };
        nanosleep (&pause, NULL);
    }
}

static pthread_mutex_t s_mutex = PTHREAD_MUTEX_INITIALIZER;
static void *s_ctx;              //  the context; NULL while nobody holds it
static size_t s_holders;         //  references (under s_mutex)
static atomic_size_t s_sockets;  //  sockets open in it

//  Whether LIMIT_CTX_START_FDS descriptors and LIMIT_CTX_START_THREADS
//  threads can be had right now
static int
s_room_to_start (asynrole_error_t *error)
{
    int fds[LIMIT_CTX_START_FDS];
    int made = 0;
    while (made < LIMIT_CTX_START_FDS && (fds[made] = eventfd (0, EFD_CLOEXEC)) >= 0)
        made++;
    int err = errno;
    for (int i = 0; i < made; i++)
        close (fds[i]);
    if (made < LIMIT_CTX_START_FDS)
        return error_set (error, ASYNROLE_ERESOURCE, ASYNROLE_OP_PIPE, err,
                          "%s: no room to start libzmq (it needs %d descriptors)", strerror (err),
                          LIMIT_CTX_START_FDS);
    pthread_t threads[LIMIT_CTX_START_THREADS];
    pthread_mutex_t hold = PTHREAD_MUTEX_INITIALIZER;
    long before = s_threads_now ();
    int started = 0, rc = 0;
    pthread_mutex_lock (&hold);
    while (started < LIMIT_CTX_START_THREADS
           && (rc = pthread_create (&threads[started], NULL, s_idle, &hold)) == 0)
        started++;
    pthread_mutex_unlock (&hold);
    for (int i = 0; i < started; i++)
        pthread_join (threads[i], NULL);
    pthread_mutex_destroy (&hold);
    s_wait_released (before);
    if (started < LIMIT_CTX_START_THREADS)
        return error_set (error, ASYNROLE_ERESOURCE, ASYNROLE_OP_THREAD, rc,
                          "%s: no room to start libzmq's threads", strerror (rc));
    return 0;
}

//  Make the context and start it (libzmq starts its reaper thread and poller
//  with the first socket, and aborts when it cannot: so check the room first,
//  and start it here, where a failure is ours to report)
static int
s_start (asynrole_error_t *error)
{
    if (s_room_to_start (error))
        return -1;
    s_ctx = zmq_ctx_new ();
    if (!s_ctx)
        return error_zmq (error, errno ? errno : EMFILE, "cannot make a libzmq context");
    //  One I/O thread: the remote links' tcp:// and ipc:// (asynrole_remote.h)
    //  need one, inproc pipes never use it. As many sockets as libzmq can
    //  poll, so that roles are not limited to the default 1023 sockets of a
    //  context
    int limit = zmq_ctx_get (s_ctx, ZMQ_SOCKET_LIMIT);
    if (zmq_ctx_set (s_ctx, ZMQ_IO_THREADS, 1) || zmq_ctx_set (s_ctx, ZMQ_BLOCKY, 0)
        || (limit > 0 && zmq_ctx_set (s_ctx, ZMQ_MAX_SOCKETS, limit)))
        log_warning ("asynrole: cannot set up the libzmq context: %s", strerror (errno));
    void *first = zmq_socket (s_ctx, ZMQ_PAIR);
    if (!first) {
        int err = errno;
        zmq_ctx_term (s_ctx);
        s_ctx = NULL;
        return error_zmq (error, err, "cannot start libzmq");
    }
    zmq_close (first);
    return 0;
}

int
ctx_acquire (asynrole_error_t *error)
{
    pthread_mutex_lock (&s_mutex);
    int rc = s_ctx ? 0 : s_start (error);
    if (rc == 0)
        s_holders++;
    pthread_mutex_unlock (&s_mutex);
    return rc;
}

void
ctx_release (void)
{
    pthread_mutex_lock (&s_mutex);
    if (s_holders > 0 && --s_holders == 0) {
        size_t open = atomic_load (&s_sockets);
        if (open == 0) {
            while (zmq_ctx_term (s_ctx) != 0 && errno == EINTR)
                ;
        }
        else
            log_error ("asynrole: %zu dangling sockets when the last object went; the libzmq "
                       "context is left open",
                       open);
        s_ctx = NULL;
    }
    pthread_mutex_unlock (&s_mutex);
}

void *
ctx_socket (int type, asynrole_error_t *error)
{
    pthread_mutex_lock (&s_mutex);
    void *ctx = s_ctx;
    pthread_mutex_unlock (&s_mutex);
    if (!ctx) {
        error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_PIPE, 0,
                   "no libzmq context: a socket was asked for without a reference");
        return NULL;
    }
    void *sock = zmq_socket (ctx, type);
    if (!sock) {
        error_zmq (error, errno, "cannot make a libzmq socket");
        return NULL;
    }
    atomic_fetch_add (&s_sockets, 1);
    int zero = 0;
    if (zmq_setsockopt (sock, ZMQ_LINGER, &zero, sizeof zero)
        || zmq_setsockopt (sock, ZMQ_SNDHWM, &zero, sizeof zero)
        || zmq_setsockopt (sock, ZMQ_RCVHWM, &zero, sizeof zero)
        || zmq_setsockopt (sock, ZMQ_SNDTIMEO, &zero, sizeof zero)) {
        error_zmq (error, errno, "cannot set up a libzmq socket");
        ctx_close (&sock);
    }
    return sock;
}

void
ctx_close (void **sock_p)
{
    if (*sock_p) {
        zmq_close (*sock_p);
        atomic_fetch_sub (&s_sockets, 1);
        *sock_p = NULL;
    }
}

size_t
ctx_sockets (void)
{
    return atomic_load (&s_sockets);
}

int
ctx_fd (void *sock)
{
    int fd = -1;
    size_t size = sizeof fd;
    return zmq_getsockopt (sock, ZMQ_FD, &fd, &size) ? -1 : fd;
}

bool
ctx_readable (void *sock)
{
    int events = 0;
    size_t size = sizeof events;
    return zmq_getsockopt (sock, ZMQ_EVENTS, &events, &size) == 0 && (events & ZMQ_POLLIN);
}
