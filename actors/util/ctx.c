/*  ctx.c - the library's libzmq context and the sockets made in it */
#include "ctx.h"
#include "error_fill.h"
#include <czmq.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

static pthread_mutex_t s_mutex = PTHREAD_MUTEX_INITIALIZER;
static void *s_ctx;              //  the context; NULL while nobody holds it
static size_t s_holders;         //  references (under s_mutex)
static atomic_size_t s_sockets;  //  sockets open in it

int
ctx_acquire (asynrole_error_t *error)
{
    pthread_mutex_lock (&s_mutex);
    if (!s_ctx) {
        s_ctx = zmq_ctx_new ();
        if (!s_ctx) {
            int err = errno ? errno : EMFILE;
            pthread_mutex_unlock (&s_mutex);
            return error_zmq (error, err, "cannot make a libzmq context");
        }
        //  As many sockets as libzmq can poll: roles are not limited to the
        //  default 1023 sockets of a context
        int limit = zmq_ctx_get (s_ctx, ZMQ_SOCKET_LIMIT);
        if ((limit > 0 && zmq_ctx_set (s_ctx, ZMQ_MAX_SOCKETS, limit))
            || zmq_ctx_set (s_ctx, ZMQ_BLOCKY, 0))
            zsys_warning ("asynrole: cannot set up the libzmq context: %s", strerror (errno));
    }
    s_holders++;
    pthread_mutex_unlock (&s_mutex);
    return 0;
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
            zsys_error ("asynrole: %zu dangling sockets when the last object went; the libzmq "
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
        || zmq_setsockopt (sock, ZMQ_RCVHWM, &zero, sizeof zero)) {
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
