/*  testutil.c - shared helpers for the asynrole test suite */
#define _GNU_SOURCE
#include "testutil.h"
#include <arpa/inet.h>
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TU_SANITIZER_HEAP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TU_SANITIZER_HEAP 1
#endif
#endif
#ifdef TU_SANITIZER_HEAP
//  The sanitizer runtimes' count of live heap bytes (gcc 12 ships no header
//  that declares it)
size_t __sanitizer_get_current_allocated_bytes (void);
#else
#include <malloc.h>
#endif
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <errno.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

//  -------------------------------------------------------------------------
//  Registry of what the running test made, for tu_teardown

#define TU_MAX_OBJECTS 64

static asynrole_agent_t *s_agents[TU_MAX_OBJECTS];
static asynrole_manager_t *s_managers[TU_MAX_OBJECTS];
static asynrole_io_t *s_ios[TU_MAX_OBJECTS];
static tu_collector_t *s_collectors[TU_MAX_OBJECTS];
static int s_fds[TU_MAX_OBJECTS];
static size_t s_nfds;

static void
s_track (void **table, void *object)
{
    for (size_t i = 0; i < TU_MAX_OBJECTS; i++)
        if (!table[i]) {
            table[i] = object;
            return;
        }
    fail_msg ("testutil: more than %d objects of one kind in a test", TU_MAX_OBJECTS);
}

//  Forget one registration of object; true if it was registered
static bool
s_untrack (void **table, void *object)
{
    for (size_t i = TU_MAX_OBJECTS; i-- > 0;)
        if (table[i] == object) {
            table[i] = NULL;
            return true;
        }
    return false;
}

int
tu_setup (void **state)
{
    (void) state;
    return 0;
}

int
tu_teardown (void **state)
{
    (void) state;
    //  Roles first: their threads run callbacks that use the collectors
    for (size_t i = 0; i < TU_MAX_OBJECTS; i++)
        if (s_managers[i])
            asynrole_manager_destroy (&s_managers[i]);
    for (size_t i = 0; i < TU_MAX_OBJECTS; i++)
        if (s_agents[i])
            asynrole_agent_destroy (&s_agents[i]);
    for (size_t i = 0; i < TU_MAX_OBJECTS; i++)
        if (s_ios[i])
            asynrole_io_destroy (&s_ios[i]);
    for (size_t i = 0; i < TU_MAX_OBJECTS; i++)
        if (s_collectors[i]) {
            tu_collector_t *collector = s_collectors[i];
            s_collectors[i] = NULL;
            tu_collector_destroy (&collector);
        }
    for (size_t i = 0; i < s_nfds; i++)
        close (s_fds[i]);
    s_nfds = 0;
    return 0;
}

//  -------------------------------------------------------------------------
//  Collector

tu_collector_t *
tu_collector_new (void)
{
    tu_collector_t *self = calloc (1, sizeof *self);
    assert_non_null (self);
    pthread_mutex_init (&self->mutex, NULL);
    tu_cond_init (&self->cond);
    self->keep_data = true;
    s_track ((void **) s_collectors, self);
    return self;
}

void
tu_collector_destroy (tu_collector_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tu_collector_t *self = *self_p;
    s_untrack ((void **) s_collectors, self);
    for (size_t i = 0; i < self->count; i++) {
        free (self->events[i]->data);
        free (self->events[i]);
    }
    free (self->events);
    pthread_cond_destroy (&self->cond);
    pthread_mutex_destroy (&self->mutex);
    free (self);
    *self_p = NULL;
}

//  Append one event; the caller holds the mutex
static void
s_append (tu_collector_t *self, const asynrole_datagram_t *datagram, const asynrole_error_t *error,
          int echo_rc, const asynrole_error_t *echo_error)
{
    //  Never assert here: this runs in a role's thread
    tu_event_t *event = calloc (1, sizeof *event);
    if (!event)
        abort ();
    if (error) {
        event->is_error = true;
        event->error = *error;
    }
    if (datagram) {
        if (self->keep_data && datagram->size) {
            event->data = malloc (datagram->size);
            if (!event->data)
                abort ();
            memcpy (event->data, datagram->data, datagram->size);
        }
        event->size = datagram->size;
        event->original_size = datagram->original_size;
        event->peer = datagram->peer;
        event->local = datagram->local;
        event->ifindex = datagram->ifindex;
        event->flags = datagram->flags;
    }
    event->echo_rc = echo_rc;
    if (echo_error)
        event->echo_error = *echo_error;

    if (self->count == self->max) {
        size_t max = self->max ? self->max * 2 : 64;
        tu_event_t **events = realloc (self->events, max * sizeof *events);
        if (!events)
            abort ();
        self->events = events;
        self->max = max;
    }
    self->events[self->count++] = event;
    if (datagram)
        self->datagrams++;
    else
        self->errors++;
    if (echo_rc != 0)
        self->echo_failures++;
    pthread_cond_broadcast (&self->cond);
}

void
tu_collector_add (tu_collector_t *self, const asynrole_datagram_t *datagram,
                  const asynrole_error_t *error, int echo_rc, const asynrole_error_t *echo_error)
{
    pthread_mutex_lock (&self->mutex);
    s_append (self, datagram, error, echo_rc, echo_error);
    pthread_mutex_unlock (&self->mutex);
}

//  Wait until *counter >= n or the deadline
static bool
s_wait (tu_collector_t *self, const size_t *counter, size_t n, int timeout_ms)
{
    return tu_wait_count (&self->mutex, &self->cond, counter, n, timeout_ms);
}

bool
tu_collector_wait (tu_collector_t *self, size_t n, int timeout_ms)
{
    return s_wait (self, &self->count, n, timeout_ms);
}

bool
tu_collector_wait_datagrams (tu_collector_t *self, size_t n, int timeout_ms)
{
    return s_wait (self, &self->datagrams, n, timeout_ms);
}

bool
tu_collector_wait_errors (tu_collector_t *self, size_t n, int timeout_ms)
{
    return s_wait (self, &self->errors, n, timeout_ms);
}

static size_t
s_read (tu_collector_t *self, const size_t *counter)
{
    return tu_read_count (&self->mutex, counter);
}

size_t
tu_collector_count (tu_collector_t *self)
{
    return s_read (self, &self->count);
}

size_t
tu_collector_datagrams (tu_collector_t *self)
{
    return s_read (self, &self->datagrams);
}

size_t
tu_collector_errors (tu_collector_t *self)
{
    return s_read (self, &self->errors);
}

size_t
tu_collector_echo_failures (tu_collector_t *self)
{
    return s_read (self, &self->echo_failures);
}

const tu_event_t *
tu_collector_get (tu_collector_t *self, size_t index)
{
    pthread_mutex_lock (&self->mutex);
    const tu_event_t *event = index < self->count ? self->events[index] : NULL;
    pthread_mutex_unlock (&self->mutex);
    return event;
}

static const tu_event_t *
s_nth (tu_collector_t *self, size_t index, bool is_error)
{
    const tu_event_t *found = NULL;
    pthread_mutex_lock (&self->mutex);
    for (size_t i = 0; i < self->count && !found; i++)
        if (self->events[i]->is_error == is_error && index-- == 0)
            found = self->events[i];
    pthread_mutex_unlock (&self->mutex);
    return found;
}

const tu_event_t *
tu_collector_datagram (tu_collector_t *self, size_t index)
{
    return s_nth (self, index, false);
}

const tu_event_t *
tu_collector_error (tu_collector_t *self, size_t index)
{
    return s_nth (self, index, true);
}

//  -------------------------------------------------------------------------
//  Callbacks

void
tu_agent_echo_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
                  const asynrole_error_t *error)
{
    //  Reply while holding the collector's lock: whoever saw the reply and
    //  then looks at this collector finds the request in it
    tu_collector_t *self = (tu_collector_t *) ctx;
    int rc = 0;
    asynrole_error_t echo_error;
    memset (&echo_error, 0, sizeof echo_error);
    pthread_mutex_lock (&self->mutex);
    if (datagram)
        rc = asynrole_agent_send (agent, datagram->data, datagram->size, &datagram->peer,
                                  &echo_error);
    s_append (self, datagram, error, rc, &echo_error);
    pthread_mutex_unlock (&self->mutex);
}

void
tu_agent_reply_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
                   const asynrole_error_t *error)
{
    //  Under the collector's lock, as tu_agent_echo_cb: whoever saw the
    //  reply finds the request collected
    tu_collector_t *self = (tu_collector_t *) ctx;
    asynrole_error_t reply_error;
    memset (&reply_error, 0, sizeof reply_error);
    int rc = 0;
    pthread_mutex_lock (&self->mutex);
    if (datagram)
        rc = asynrole_agent_reply (agent, datagram, datagram->data, datagram->size, &reply_error);
    s_append (self, datagram, error, rc, &reply_error);
    pthread_mutex_unlock (&self->mutex);
}

void
tu_agent_collect_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
                     const asynrole_error_t *error)
{
    (void) agent;
    tu_collector_add ((tu_collector_t *) ctx, datagram, error, 0, NULL);
}

void
tu_manager_collect_cb (asynrole_manager_t *manager, void *ctx, const asynrole_datagram_t *datagram,
                       const asynrole_error_t *error)
{
    (void) manager;
    tu_collector_add ((tu_collector_t *) ctx, datagram, error, 0, NULL);
}

//  -------------------------------------------------------------------------
//  Roles

asynrole_agent_t *
tu_agent_new_n (asynrole_agent_fn *callback, void *ctx, const char *const *ifaces, size_t count,
                const asynrole_options_t *options)
{
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    asynrole_agent_t *agent = asynrole_agent_new (callback, ctx, ifaces, count, options, &error);
    if (!agent)
        fail_msg ("asynrole_agent_new (%s%s): %s: %s", count ? ifaces[0] : "default",
                  count > 1 ? ", ..." : "", asynrole_strerror (error.code), error.detail);
    s_track ((void **) s_agents, agent);
    return agent;
}

asynrole_agent_t *
tu_agent_new (asynrole_agent_fn *callback, void *ctx, const char *iface,
              const asynrole_options_t *options)
{
    const char *ifaces[] = { iface };
    return tu_agent_new_n (callback, ctx, ifaces, 1, options);
}

asynrole_manager_t *
tu_manager_new (asynrole_manager_fn *callback, void *ctx, const char *destination,
                const char *iface, const asynrole_options_t *options)
{
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    asynrole_manager_t *manager =
        asynrole_manager_new (callback, ctx, destination, iface, options, &error);
    if (!manager)
        fail_msg ("asynrole_manager_new (%s, %s): %s: %s", destination ? destination : "NULL",
                  iface ? iface : "NULL", asynrole_strerror (error.code), error.detail);
    s_track ((void **) s_managers, manager);
    return manager;
}

asynrole_io_t *
tu_io_new (void)
{
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    asynrole_io_t *io = asynrole_io_new (&error);
    if (!io)
        fail_msg ("asynrole_io_new: %s: %s", asynrole_strerror (error.code), error.detail);
    s_track ((void **) s_ios, io);
    return io;
}

void
tu_io_track (asynrole_io_t *io)
{
    s_track ((void **) s_ios, io);
}

void
tu_agent_destroy (asynrole_agent_t **agent_p)
{
    if (*agent_p)
        s_untrack ((void **) s_agents, *agent_p);
    asynrole_agent_destroy (agent_p);
}

void
tu_manager_destroy (asynrole_manager_t **manager_p)
{
    if (*manager_p)
        s_untrack ((void **) s_managers, *manager_p);
    asynrole_manager_destroy (manager_p);
}

void
tu_io_destroy (asynrole_io_t **io_p)
{
    if (*io_p)
        s_untrack ((void **) s_ios, *io_p);
    asynrole_io_destroy (io_p);
}

//  -------------------------------------------------------------------------
//  Addresses and plain sockets

asynrole_addr_t
tu_addr (const char *text)
{
    asynrole_addr_t addr;
    asynrole_error_t error;
    memset (&addr, 0, sizeof addr);
    memset (&error, 0, sizeof error);
    if (asynrole_addr_parse (&addr, text, &error))
        fail_msg ("asynrole_addr_parse (%s): %s", text, error.detail);
    return addr;
}

char *
tu_agent_text (asynrole_agent_t *agent, size_t index, char *buf, size_t size)
{
    const asynrole_addr_t *local = asynrole_agent_local (agent, index);
    assert_non_null (local);
    assert_true (asynrole_addr_port (local) != 0);
    return asynrole_addr_format (local, buf, size);
}

bool
tu_same_ip (const asynrole_addr_t *a, const asynrole_addr_t *b)
{
    int family = asynrole_addr_family (a);
    if (family != asynrole_addr_family (b))
        return false;
    if (family == AF_INET)
        return a->u.in.sin_addr.s_addr == b->u.in.sin_addr.s_addr;
    if (family == AF_INET6)
        return memcmp (&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, sizeof (struct in6_addr)) == 0;
    return family == AF_UNSPEC;
}

//  Bind a plain UDP socket to ip:port; returns fd (bound filled) or -1
static int
s_bind (const asynrole_addr_t *addr, asynrole_addr_t *bound)
{
    int fd = socket (asynrole_addr_family (addr), SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (bind (fd, &addr->u.sa, addr->len)) {
        close (fd);
        return -1;
    }
    if (bound) {
        memset (bound, 0, sizeof *bound);
        bound->len = sizeof bound->u;
        bound->via = -1;
        if (getsockname (fd, &bound->u.sa, &bound->len)) {
            close (fd);
            return -1;
        }
    }
    return fd;
}

asynrole_addr_t
tu_closed_port (int family)
{
    asynrole_addr_t any = tu_addr (family == AF_INET6 ? "[::1]:0" : "127.0.0.1:0");
    asynrole_addr_t bound;
    int fd = s_bind (&any, &bound);
    if (fd < 0)
        fail_msg ("tu_closed_port: cannot bind a plain socket: %s", strerror (errno));
    close (fd);
    assert_int_not_equal (asynrole_addr_port (&bound), 0);
    return bound;
}

int
tu_hold_port (const char *ip, asynrole_addr_t *bound)
{
    char text[ASYNROLE_ADDR_STRLEN];
    snprintf (text, sizeof text, strchr (ip, ':') ? "[%s]:0" : "%s:0", ip);
    asynrole_addr_t any = tu_addr (text);
    int fd = s_bind (&any, bound);
    if (fd < 0)
        fail_msg ("tu_hold_port (%s): %s", ip, strerror (errno));
    if (s_nfds == TU_MAX_OBJECTS)
        fail_msg ("tu_hold_port: too many held ports");
    s_fds[s_nfds++] = fd;
    return fd;
}

void
tu_release_port (int fd)
{
    for (size_t i = 0; i < s_nfds; i++)
        if (s_fds[i] == fd) {
            s_fds[i] = s_fds[--s_nfds];
            close (fd);
            return;
        }
    fail_msg ("tu_release_port: fd %d is not held", fd);
}

bool
tu_key_first8 (void *ctx, const uint8_t *data, size_t size, uint64_t *key)
{
    (void) ctx;
    if (size < 8)
        return false;
    memcpy (key, data, 8);
    return true;
}

bool
tu_can_bind (const asynrole_addr_t *addr)
{
    int fd = s_bind (addr, NULL);
    if (fd < 0)
        return false;
    close (fd);
    return true;
}

//  -------------------------------------------------------------------------
//  Time and waiting

struct timespec
tu_deadline (int timeout_ms)
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

int64_t
tu_now_us (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (int64_t) now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

void
tu_cond_init (pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    pthread_condattr_init (&attr);
    pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
    pthread_cond_init (cond, &attr);
    pthread_condattr_destroy (&attr);
}

size_t
tu_read_count (pthread_mutex_t *mutex, const size_t *count)
{
    pthread_mutex_lock (mutex);
    size_t value = *count;
    pthread_mutex_unlock (mutex);
    return value;
}

bool
tu_wait_count (pthread_mutex_t *mutex, pthread_cond_t *cond, const size_t *count, size_t n,
               int timeout_ms)
{
    struct timespec deadline = tu_deadline (timeout_ms);
    pthread_mutex_lock (mutex);
    int rc = 0;
    while (*count < n && rc == 0)
        rc = pthread_cond_timedwait (cond, mutex, &deadline);
    bool reached = *count >= n;
    pthread_mutex_unlock (mutex);
    return reached;
}

bool
tu_wait_flag (pthread_mutex_t *mutex, pthread_cond_t *cond, const bool *flag, int timeout_ms)
{
    struct timespec deadline = tu_deadline (timeout_ms);
    pthread_mutex_lock (mutex);
    int rc = 0;
    while (!*flag && rc == 0)
        rc = pthread_cond_timedwait (cond, mutex, &deadline);
    bool set = *flag;
    pthread_mutex_unlock (mutex);
    return set;
}

int64_t
tu_now (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

bool
tu_readable (void *sock, int timeout_ms)
{
    zpoller_t *poller = zpoller_new (sock, NULL);
    assert_non_null (poller);
    void *which = zpoller_wait (poller, timeout_ms);
    zpoller_destroy (&poller);
    return which == sock;
}

asynrole_event_t *
tu_event_wait (void *sock, int timeout_ms)
{
    return asynrole_event_recv (sock, timeout_ms);
}

void
tu_fill (uint8_t *buf, size_t size, unsigned seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < size; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t) (x >> 16);
    }
}

int
tu_raw_stats (void *actor, asynrole_stats_t *stats, size_t max)
{
    if (zsock_send (actor, "s", "STATS"))
        return -1;
    return asynrole_stats_recv (actor, stats, max, TU_TIMEOUT_MS, NULL);
}

int
tu_raw_answer (void *actor, char **text)
{
    if (text)
        *text = NULL;
    if (!tu_readable (actor, TU_TIMEOUT_MS))
        return -100;
    int code = -100;
    char *answer = NULL;
    if (zsock_recv (actor, "is", &code, &answer))
        return -100;
    if (text)
        *text = answer;
    else
        zstr_free (&answer);
    return code;
}

int
tu_fill_send_queue (asynrole_manager_t *manager, size_t size)
{
    static const uint8_t payload[1000];
    int accepted = 0;
    for (int i = 0; i < 10000 && size <= sizeof payload; i++) {
        asynrole_error_t error;
        if (asynrole_manager_try_send (manager, payload, size, NULL, &error) == 0) {
            accepted++;
            continue;
        }
        if (error.code != ASYNROLE_EWOULDBLOCK)
            return -1;
        //  The queue counts sends still on their way to the I/O actor: once
        //  the stats answer (which follows them) says the kernel is full,
        //  the queue stays full
        asynrole_stats_t stats;
        if (asynrole_manager_stats (manager, &stats, &error))
            return -1;
        if (stats.tx_backlog == 0)
            continue;
        if (asynrole_manager_try_send (manager, payload, size, NULL, &error) == 0)
            accepted++;  //  room came meanwhile: counted like any other
        else if (error.code == ASYNROLE_EWOULDBLOCK)
            return accepted;
    }
    return -1;
}

asynrole_stats_t
tu_manager_stats (asynrole_manager_t *manager)
{
    asynrole_stats_t stats;
    asynrole_error_t error;
    memset (&stats, 0, sizeof stats);
    if (asynrole_manager_stats (manager, &stats, &error))
        fail_msg ("asynrole_manager_stats: %s: %s", asynrole_strerror (error.code), error.detail);
    return stats;
}

asynrole_stats_t
tu_agent_stats (asynrole_agent_t *agent, size_t index)
{
    asynrole_stats_t stats[64];
    asynrole_error_t error;
    memset (stats, 0, sizeof stats);
    int count = asynrole_agent_stats (agent, stats, 64, &error);
    if (count < 0)
        fail_msg ("asynrole_agent_stats: %s: %s", asynrole_strerror (error.code), error.detail);
    if (index >= (size_t) count || index >= 64)
        fail_msg ("asynrole_agent_stats: no socket %zu of %d", index, count);
    return stats[index];
}

int
tu_udp_socket (const char *ip, asynrole_addr_t *bound)
{
    char text[ASYNROLE_ADDR_STRLEN];
    snprintf (text, sizeof text, strchr (ip, ':') ? "[%s]:0" : "%s:0", ip);
    asynrole_addr_t any;
    asynrole_error_t error;
    if (asynrole_addr_parse (&any, text, &error))
        return -1;
    return s_bind (&any, bound);
}

size_t
tu_heap_bytes (void)
{
#ifdef TU_SANITIZER_HEAP
    return __sanitizer_get_current_allocated_bytes ();
#else
    struct mallinfo2 info = mallinfo2 ();
    return info.uordblks + info.hblkhd;
#endif
}

int
tu_open_fds (void)
{
    //  Sockets and anonymous inodes (eventfd, epoll): what asynrole and
    //  libzmq open. Files and pipes are left out: a sanitizer's runtime opens
    //  some of its own (a pipe to its symbolizer) at any time.
    DIR *dir = opendir ("/proc/self/fd");
    if (!dir)
        return -1;
    int count = 0;
    for (struct dirent *entry = readdir (dir); entry; entry = readdir (dir)) {
        char path[300], target[64] = "";
        snprintf (path, sizeof path, "/proc/self/fd/%s", entry->d_name);
        ssize_t size = readlink (path, target, sizeof target - 1);
        if (size > 0 && (!strncmp (target, "socket:", 7) || !strncmp (target, "anon_inode:", 11)))
            count++;
    }
    closedir (dir);
    return count;
}

int
tu_set_nofile (rlim_t soft)
{
    struct rlimit limit;
    if (getrlimit (RLIMIT_NOFILE, &limit))
        return -1;
    limit.rlim_cur = soft;
    return setrlimit (RLIMIT_NOFILE, &limit);
}

//  -------------------------------------------------------------------------
//  Children

//  A case skipped itself (tu_run then exits with TU_SKIP, which CTest counts)
static bool s_skipped;

//  The child's set-up: a namespace of its own, lo up, the qdisc
static int
s_child_netns (const char *qdisc)
{
    if (geteuid () != 0 || unshare (CLONE_NEWNET)) {
        fprintf (stderr, "skipped: needs root for a network namespace of its own\n");
        return TU_SKIP;
    }
    if (system ("ip link set lo up")) {
        fprintf (stderr, "skipped: 'ip link set lo up' failed (iproute2)\n");
        return TU_SKIP;
    }
    char command[256];
    snprintf (command, sizeof command, "tc qdisc add dev lo root %s", qdisc ? qdisc : "");
    if (qdisc && system (command)) {
        fprintf (stderr, "skipped: '%s' failed\n", command);
        return TU_SKIP;
    }
    return 0;
}

void
tu_skip (const char *why)
{
    //  CI runs as root with every tool there: a skip there is a failure
    if (getenv ("ASYNROLE_REQUIRE_ALL"))
        fail_msg ("skipped (%s), and ASYNROLE_REQUIRE_ALL is set", why);
    print_message ("skipped: %s\n", why);
    s_skipped = true;
    skip ();
}

void
tu_child (int (*body) (void *arg), void *arg, bool netns, const char *qdisc, int timeout_s)
{
    fflush (stdout);
    fflush (stderr);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        alarm ((unsigned) timeout_s);
        int rc = netns ? s_child_netns (qdisc) : 0;
        if (rc == 0)
            rc = body (arg);
        fflush (stdout);
        fflush (stderr);
        exit (rc);
    }
    int status = 0;
    while (waitpid (pid, &status, 0) < 0)
        assert_int_equal (errno, EINTR);
    if (WIFSIGNALED (status))
        fail_msg ("the child died of signal %d%s", WTERMSIG (status),
                  WTERMSIG (status) == SIGALRM ? " (its deadline)" : "");
    if (WEXITSTATUS (status) == TU_SKIP)
        tu_skip ("the child could not set up (its reason is above)");
    assert_int_equal (WEXITSTATUS (status), 0);
}

//  -------------------------------------------------------------------------
//  Running

int
tu_run (const struct CMUnitTest *tests, size_t count, int argc, char **argv)
{
    if (argc > 1) {
        bool known = false;
        for (size_t i = 0; i < count; i++)
            known |= strcmp (tests[i].name, argv[1]) == 0;
        if (!known) {
            fprintf (stderr, "%s: no case named '%s'\n", argv[0], argv[1]);
            return 2;
        }
        cmocka_set_test_filter (argv[1]);
    }
    int failed = _cmocka_run_group_tests (argv[0], tests, count, NULL, NULL);
    //  One case run, and it skipped: say so to CTest (SKIP_RETURN_CODE)
    return failed == 0 && s_skipped && argc > 1 ? TU_SKIP : failed;
}

int
tu_client (const char *ip, asynrole_addr_t *bound)
{
    int fd = tu_udp_socket (ip, bound);
    assert_true (fd >= 0);
    bound->via = 0;
    return fd;
}

asynrole_addr_t
tu_ask (int fd, const char *ip, uint16_t port, const char *text)
{
    char where[ASYNROLE_ADDR_STRLEN];
    snprintf (where, sizeof where, strchr (ip, ':') ? "[%s]:%u" : "%s:%u", ip, port);
    asynrole_addr_t to = tu_addr (where);
    assert_int_equal (sendto (fd, text, strlen (text), 0, &to.u.sa, to.len),
                      (ssize_t) strlen (text));
    struct pollfd item = { .fd = fd, .events = POLLIN };
    assert_int_equal (poll (&item, 1, TU_TIMEOUT_MS), 1);
    char buf[256];
    asynrole_addr_t from = { .len = sizeof from.u };
    ssize_t size = recvfrom (fd, buf, sizeof buf, 0, &from.u.sa, &from.len);
    assert_int_equal (size, (ssize_t) strlen (text));
    assert_memory_equal (buf, text, strlen (text));
    return from;
}

ssize_t
tu_recv (int fd, void *buf, size_t size, int timeout_ms)
{
    struct pollfd item = { .fd = fd, .events = POLLIN };
    if (poll (&item, 1, timeout_ms) != 1)
        return -1;
    return recv (fd, buf, size, MSG_DONTWAIT);
}

void
tu_fifo_make (tu_fifo_t *fifo, const char *path)
{
    snprintf (fifo->path, sizeof fifo->path, "%s", path);
    assert_int_equal (mkfifo (fifo->path, 0600), 0);
    fifo->fd = open (fifo->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    assert_true (fifo->fd >= 0);
    int size = fcntl (fifo->fd, F_SETPIPE_SZ, 4096);
    assert_true (size >= 4096);
    fifo->pipe_size = (size_t) size;
}

size_t
tu_fifo_read (tu_fifo_t *fifo, uint8_t *buf, size_t want)
{
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    size_t got = 0;
    while (got < want) {
        struct pollfd item = { .fd = fifo->fd, .events = POLLIN };
        int64_t left = deadline - tu_now ();
        if (left <= 0 || poll (&item, 1, (int) left) <= 0)
            break;
        ssize_t rc = read (fifo->fd, buf + got, want - got);
        if (rc == 0)
            break;
        if (rc < 0 && errno != EAGAIN && errno != EINTR)
            fail_msg ("read from the FIFO: %s", strerror (errno));
        got += rc > 0 ? (size_t) rc : 0;
    }
    return got;
}
