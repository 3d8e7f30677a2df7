/*  fault_peer.c - a deterministic UDP peer (fault_peer.h) */
#include "fault_peer.h"
#include "testutil.h"
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

//  Bytes of an answer kept inline; longer ones are allocated
#define FP_INLINE 64

typedef struct {
    int64_t due_us;           //  when to send (pending), or when made (held)
    asynrole_addr_t to;       //  whom
    bool other;               //  from the other socket
    int copies;               //  how many times
    size_t size;              //  bytes
    uint8_t *heap;            //  the bytes when longer than FP_INLINE
    uint8_t data[FP_INLINE];  //  else here
} fp_answer_t;

struct fault_peer_s {
    fp_options_t options;   //  as given (script copied)
    fp_action_t *script;    //  our copy
    int fd;                 //  the peer's socket
    int other_fd;           //  the other socket, or -1
    int stop_fd;            //  eventfd: fp_destroy wants the thread to end
    asynrole_addr_t addr;   //  where fd is bound
    asynrole_addr_t other;  //  where other_fd is bound
    pthread_t thread;       //  the peer's thread
    pthread_mutex_t mutex;  //  guards what follows
    pthread_cond_t cond;    //  signalled on every datagram (CLOCK_MONOTONIC)
    size_t received;        //  datagrams received
    size_t answered;        //  answers sent (copies count)
    size_t lost;            //  answers lost
    int64_t *arrivals;      //  when each came (capacity of them)
    fp_answer_t *pending;   //  answers waiting for their time
    size_t pending_count;
    fp_answer_t *held;  //  answers held for fp_release (a stack)
    size_t held_count;
    size_t capacity;  //  room in arrivals, pending and held
};

//  Every peer alive, for fp_destroy_all
#define FP_REGISTRY 32
static fault_peer_t *s_registry[FP_REGISTRY];
static pthread_mutex_t s_registry_mutex = PTHREAD_MUTEX_INITIALIZER;

static void
s_register (fault_peer_t *self, fault_peer_t *was)
{
    pthread_mutex_lock (&s_registry_mutex);
    for (size_t i = 0; i < FP_REGISTRY; i++)
        if (s_registry[i] == was) {
            s_registry[i] = self;
            break;
        }
    pthread_mutex_unlock (&s_registry_mutex);
}

void
fp_destroy_all (void)
{
    for (size_t i = 0; i < FP_REGISTRY; i++) {
        pthread_mutex_lock (&s_registry_mutex);
        fault_peer_t *peer = s_registry[i];
        pthread_mutex_unlock (&s_registry_mutex);
        fp_destroy (&peer);
    }
}

int
fp_teardown (void **state)
{
    int rc = tu_teardown (state);
    fp_destroy_all ();
    return rc;
}

static int
s_bind (const char *text, asynrole_addr_t *bound)
{
    asynrole_error_t error;
    asynrole_addr_t addr;
    if (asynrole_addr_parse (&addr, text, &error)) {
        fprintf (stderr, "fault peer: %s\n", error.detail);
        return -1;
    }
    int fd = socket (asynrole_addr_family (&addr), SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind (fd, &addr.u.sa, addr.len)) {
        fprintf (stderr, "fault peer: cannot bind %s: %s\n", text, strerror (errno));
        if (fd >= 0)
            close (fd);
        return -1;
    }
    //  The kernel stamps each datagram as it takes it in (s_arrival)
    int on = 1;
    if (setsockopt (fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on))
        fprintf (stderr, "fault peer: no receive stamps: %s\n", strerror (errno));
    *bound = addr;
    bound->len = sizeof bound->u;
    getsockname (fd, &bound->u.sa, &bound->len);
    bound->via = 0;
    return fd;
}

//  Send one answer (every copy); under the mutex
static void
s_send (fault_peer_t *self, fp_answer_t *answer)
{
    int fd = answer->other && self->other_fd >= 0 ? self->other_fd : self->fd;
    const uint8_t *data = answer->heap ? answer->heap : answer->data;
    for (int i = 0; i < answer->copies; i++) {
        if (sendto (fd, data, answer->size, 0, &answer->to.u.sa, answer->to.len) < 0)
            self->lost++;
        else
            self->answered++;
    }
    free (answer->heap);
    answer->heap = NULL;
}

//  The answer to datagram index, per the script; false when there is none
static bool
s_make (fault_peer_t *self, size_t index, const uint8_t *in, size_t size,
        const asynrole_addr_t *from, fp_answer_t *answer)
{
    const fp_action_t *action =
        index < self->options.script_len ? &self->script[index] : &self->options.otherwise;
    if (action->drop)
        return false;
    static __thread uint8_t out[65536];
    int length = (int) size;
    if (self->options.answer)
        length = self->options.answer (self->options.answer_ctx, index, in, size, out, sizeof out);
    else
        memcpy (out, in, size);
    if (length < 0)
        return false;
    memset (answer, 0, sizeof *answer);
    answer->due_us = tu_now_us () + (int64_t) action->delay_ms * 1000;
    answer->to = *from;
    answer->other = action->other;
    answer->copies = action->copies > 0 ? action->copies : 1;
    answer->size = (size_t) length;
    if (answer->size > FP_INLINE) {
        answer->heap = malloc (answer->size);
        if (!answer->heap)
            return false;
        memcpy (answer->heap, out, answer->size);
    }
    else
        memcpy (answer->data, out, answer->size);
    return true;
}

//  When the kernel took the datagram in (us, CLOCK_MONOTONIC): now less its
//  age on the real-time clock the kernel stamped it with (now when it has no
//  stamp). A peer thread the scheduler runs late on a busy machine does not
//  make the datagram look late; the time it left its sender is what tests
//  of retry timing measure.
static int64_t
s_arrival (struct msghdr *message)
{
    int64_t now = tu_now_us ();
    for (struct cmsghdr *item = CMSG_FIRSTHDR (message); item; item = CMSG_NXTHDR (message, item))
        if (item->cmsg_level == SOL_SOCKET && item->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec stamp, real;
            memcpy (&stamp, CMSG_DATA (item), sizeof stamp);
            clock_gettime (CLOCK_REALTIME, &real);
            int64_t age = (int64_t) (real.tv_sec - stamp.tv_sec) * 1000000
                + (real.tv_nsec - stamp.tv_nsec) / 1000;
            return age > 0 ? now - age : now;
        }
    return now;
}

//  One datagram in: recorded, then answered now, later, or held
static void
s_receive (fault_peer_t *self, int fd)
{
    uint8_t in[65536];
    asynrole_addr_t from;
    memset (&from, 0, sizeof from);
    struct iovec part = { in, sizeof in };
    char control[CMSG_SPACE (sizeof (struct timespec))];
    struct msghdr message = { .msg_name = &from.u.sa,
                              .msg_namelen = sizeof from.u,
                              .msg_iov = &part,
                              .msg_iovlen = 1,
                              .msg_control = control,
                              .msg_controllen = sizeof control };
    ssize_t size = recvmsg (fd, &message, 0);
    if (size < 0)
        return;
    from.len = message.msg_namelen;
    int64_t arrival = s_arrival (&message);
    pthread_mutex_lock (&self->mutex);
    size_t index = self->received++;
    if (index < self->capacity)
        self->arrivals[index] = arrival;
    pthread_cond_broadcast (&self->cond);
    fp_answer_t answer;
    const fp_action_t *action =
        index < self->options.script_len ? &self->script[index] : &self->options.otherwise;
    bool now = action->delay_ms == 0 && !self->options.hold;
    if (s_make (self, index, in, (size_t) size, &from, &answer)) {
        if (now)
            s_send (self, &answer);
        else if (self->options.hold && self->held_count < self->capacity)
            self->held[self->held_count++] = answer;
        else if (!self->options.hold && self->pending_count < self->capacity)
            self->pending[self->pending_count++] = answer;
        else {
            free (answer.heap);
            self->lost++;
        }
    }
    pthread_mutex_unlock (&self->mutex);
}

//  Send the pending answers that are due; ms until the next, or -1
static int
s_due (fault_peer_t *self)
{
    pthread_mutex_lock (&self->mutex);
    int64_t now = tu_now_us ();
    int64_t next = -1;
    for (size_t i = 0; i < self->pending_count;) {
        fp_answer_t *answer = &self->pending[i];
        if (answer->due_us <= now) {
            s_send (self, answer);
            self->pending[i] = self->pending[--self->pending_count];
            continue;
        }
        if (next < 0 || answer->due_us < next)
            next = answer->due_us;
        i++;
    }
    pthread_mutex_unlock (&self->mutex);
    return next < 0 ? -1 : (int) ((next - now + 999) / 1000);
}

static void *
s_thread (void *arg)
{
    fault_peer_t *self = (fault_peer_t *) arg;
    struct pollfd items[3] = { { self->stop_fd, POLLIN, 0 },
                               { self->fd, POLLIN, 0 },
                               { self->other_fd, POLLIN, 0 } };
    nfds_t count = self->other_fd >= 0 ? 3 : 2;
    while (true) {
        int timeout = s_due (self);
        if (poll (items, count, timeout) < 0 && errno != EINTR)
            break;
        if (items[0].revents)
            break;
        //  A burst at a time, so the due answers are not kept waiting
        for (int i = 0; i < 64 && (items[1].revents & POLLIN); i++)
            s_receive (self, self->fd);
        if (count == 3 && items[2].revents & POLLIN)
            s_receive (self, self->other_fd);
    }
    return NULL;
}

fault_peer_t *
fp_new (const fp_options_t *options)
{
    fault_peer_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->options = *options;
    self->capacity = options->capacity ? options->capacity : 4096;
    self->script = calloc (options->script_len + 1, sizeof *self->script);
    self->arrivals = calloc (self->capacity, sizeof *self->arrivals);
    self->pending = calloc (self->capacity, sizeof *self->pending);
    self->held = calloc (self->capacity, sizeof *self->held);
    self->other_fd = self->stop_fd = -1;
    self->fd = s_bind (options->bind ? options->bind : "127.0.0.1:0", &self->addr);
    if (options->other)
        self->other_fd = s_bind (options->other, &self->other);
    if (self->fd >= 0 && options->rcvbuf
        && setsockopt (self->fd, SOL_SOCKET, SO_RCVBUFFORCE, &options->rcvbuf, sizeof (int)))
        setsockopt (self->fd, SOL_SOCKET, SO_RCVBUF, &options->rcvbuf, sizeof (int));
    self->stop_fd = eventfd (0, EFD_CLOEXEC);
    pthread_mutex_init (&self->mutex, NULL);
    tu_cond_init (&self->cond);
    bool ok = self->script && self->arrivals && self->pending && self->held && self->fd >= 0
        && (!options->other || self->other_fd >= 0) && self->stop_fd >= 0;
    if (ok && options->script_len)
        memcpy (self->script, options->script, options->script_len * sizeof *self->script);
    if (!ok || pthread_create (&self->thread, NULL, s_thread, self)) {
        fprintf (stderr, "fault peer: cannot start\n");
        self->thread = 0;
        fp_destroy (&self);
    }
    else
        s_register (self, NULL);
    return self;
}

void
fp_destroy (fault_peer_t **self_p)
{
    fault_peer_t *self = *self_p;
    *self_p = NULL;
    if (!self)
        return;
    s_register (NULL, self);
    if (self->thread) {
        uint64_t one = 1;
        if (write (self->stop_fd, &one, sizeof one) != sizeof one)
            perror ("fault peer: stop");
        pthread_join (self->thread, NULL);
    }
    for (int fd_index = 0; fd_index < 3; fd_index++) {
        int fd = fd_index == 0 ? self->fd : fd_index == 1 ? self->other_fd : self->stop_fd;
        if (fd >= 0)
            close (fd);
    }
    for (size_t i = 0; i < self->pending_count; i++)
        free (self->pending[i].heap);
    for (size_t i = 0; i < self->held_count; i++)
        free (self->held[i].heap);
    pthread_mutex_destroy (&self->mutex);
    pthread_cond_destroy (&self->cond);
    free (self->script);
    free (self->arrivals);
    free (self->pending);
    free (self->held);
    free (self);
}

int
fp_rcvbuf (fault_peer_t *self)
{
    int size = 0;
    socklen_t length = sizeof size;
    getsockopt (self->fd, SOL_SOCKET, SO_RCVBUF, &size, &length);
    return size;
}

const asynrole_addr_t *
fp_addr (fault_peer_t *self)
{
    return &self->addr;
}

const asynrole_addr_t *
fp_other (fault_peer_t *self)
{
    return &self->other;
}

static size_t
s_read (fault_peer_t *self, const size_t *counter)
{
    return tu_read_count (&self->mutex, counter);
}

size_t
fp_received (fault_peer_t *self)
{
    return s_read (self, &self->received);
}

size_t
fp_answered (fault_peer_t *self)
{
    return s_read (self, &self->answered);
}

size_t
fp_held (fault_peer_t *self)
{
    return s_read (self, &self->held_count);
}

size_t
fp_lost (fault_peer_t *self)
{
    return s_read (self, &self->lost);
}

bool
fp_wait_received (fault_peer_t *self, size_t n, int timeout_ms)
{
    return tu_wait_count (&self->mutex, &self->cond, &self->received, n, timeout_ms);
}

int64_t
fp_arrival (fault_peer_t *self, size_t i)
{
    pthread_mutex_lock (&self->mutex);
    int64_t at = i < self->received && i < self->capacity ? self->arrivals[i] : -1;
    pthread_mutex_unlock (&self->mutex);
    return at;
}

size_t
fp_release (fault_peer_t *self, size_t n)
{
    pthread_mutex_lock (&self->mutex);
    size_t sent = 0;
    while (sent < n && self->held_count > 0) {
        s_send (self, &self->held[--self->held_count]);
        sent++;
    }
    pthread_mutex_unlock (&self->mutex);
    return sent;
}
