/*  load.c - what the overload and soak tests share (load.h) */
#define _GNU_SOURCE
#include "load.h"
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define LD_ASAN 1
#elif defined(__SANITIZE_THREAD__)
#define LD_TSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LD_ASAN 1
#elif __has_feature(thread_sanitizer)
#define LD_TSAN 1
#endif
#endif

#ifdef LD_ASAN
//  ASan keeps freed memory in a quarantine, 256 MiB by default: under a
//  load that frees a batch per wake-up, RSS would grow to that whatever
//  the library holds. A smaller one keeps the memory bound a number that
//  says something (ASAN_OPTIONS still overrides it).
const char *__asan_default_options (void);
const char *
__asan_default_options (void)
{
    return "quarantine_size_mb=16:thread_local_quarantine_size_kb=256";
}
#endif

#define MIB (1024u * 1024u)

int
ld_seconds (void)
{
    const char *text = getenv ("ASYNROLE_SOAK_SECONDS");
    char *end = NULL;
    long seconds = text ? strtol (text, &end, 10) : 60;
    if (text && (end == text || *end || seconds < 1 || seconds > 86400))
        fail_msg ("ASYNROLE_SOAK_SECONDS='%s': not a number of seconds, 1 .. 86400", text);
    return (int) seconds;
}

size_t
ld_rss (void)
{
    FILE *file = fopen ("/proc/self/status", "r");
    if (!file)
        return 0;
    char line[256];
    size_t kib = 0;
    while (fgets (line, sizeof line, file))
        if (sscanf (line, "VmRSS: %zu kB", &kib) == 1)
            break;
    fclose (file);
    return kib * 1024;
}

int
ld_threads (void)
{
    DIR *dir = opendir ("/proc/self/task");
    if (!dir)
        return -1;
    int count = 0;
    for (struct dirent *entry = readdir (dir); entry; entry = readdir (dir))
        count += entry->d_name[0] != '.';
    closedir (dir);
    return count;
}

size_t
ld_tool_allowance (size_t app_bytes, const char **name)
{
    const char *preload = getenv ("LD_PRELOAD");
    const char *tool = "none";
    size_t extra = 0;
#if defined(LD_ASAN)
    tool = "ASan";
    //  The quarantine, and as much again: the chunks it lets go stay mapped
    //  in the allocator's free lists; 8 MiB for the per-thread quarantines
    //  and caches and 8 MiB for the stack depot (a trace per allocation
    //  site); the shadow of it all (1/8)
    extra = 2 * 16 * MIB + 16 * MIB + (app_bytes + 48 * MIB) / 8;
#elif defined(LD_TSAN)
    tool = "TSan";
    //  Shadow: 4 bytes for each byte the program touches; 64 MiB for the
    //  runtime's allocator caches, sync objects and traces
    extra = 4 * app_bytes + 64 * MIB;
#endif
    if (preload && strstr (preload, "vgpreload")) {
        tool = "valgrind";
        //  memcheck's shadow (up to a byte for each byte), its queue of
        //  freed blocks (--freelist-vol, 20 MB), 32 MiB for its own tables
        extra = app_bytes + 20 * MIB + 32 * MIB;
    }
    if (name)
        *name = tool;
    return extra;
}

void
ld_pause (int ms)
{
    int64_t end = tu_now () + ms;
    for (int64_t left = ms; left > 0; left = end - tu_now ())
        poll (NULL, 0, (int) left);
}

//  -------------------------------------------------------------------------
//  Pacer

#define LD_TICK_MS 10

struct ld_pacer_s {
    ld_call_fn *call;
    void *ctx;
    pthread_t thread;
    int stop_fd;
    _Atomic double rate;       //  calls a second
    _Atomic int64_t since_us;  //  when the rate was set
    _Atomic uint64_t done;     //  calls that returned true
    _Atomic uint64_t failed;   //  and false
};

static void *
s_pacer (void *arg)
{
    ld_pacer_t *self = (ld_pacer_t *) arg;
    struct pollfd item = { self->stop_fd, POLLIN, 0 };
    int64_t since = -1;
    uint64_t made = 0;  //  calls since the rate was set
    while (true) {
        int64_t now = tu_now_us ();
        double rate = atomic_load (&self->rate);
        if (atomic_load (&self->since_us) != since) {
            since = atomic_load (&self->since_us);
            made = 0;
        }
        double due = rate * (double) (now - since) / 1e6 - (double) made;
        //  Behind by more than a second: forget the rest (bounded catch-up)
        if (due > rate + 1) {
            made += (uint64_t) (due - rate);
            due = rate;
        }
        for (; due >= 1; due--, made++) {
            if (self->call (self->ctx))
                atomic_fetch_add (&self->done, 1);
            else
                atomic_fetch_add (&self->failed, 1);
        }
        int wait = LD_TICK_MS - (int) ((tu_now_us () - now) / 1000);
        if (poll (&item, 1, wait > 0 ? wait : 0) < 0 && errno != EINTR)
            break;
        if (item.revents)
            break;
    }
    return NULL;
}

ld_pacer_t *
ld_pacer_new (ld_call_fn *call, void *ctx, double rate)
{
    ld_pacer_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->call = call;
    self->ctx = ctx;
    atomic_init (&self->rate, rate);
    atomic_init (&self->since_us, tu_now_us ());
    self->stop_fd = eventfd (0, EFD_CLOEXEC);
    if (self->stop_fd < 0 || pthread_create (&self->thread, NULL, s_pacer, self)) {
        if (self->stop_fd >= 0)
            close (self->stop_fd);
        free (self);
        return NULL;
    }
    return self;
}

void
ld_pacer_set_rate (ld_pacer_t *self, double rate)
{
    atomic_store (&self->rate, rate);
    atomic_store (&self->since_us, tu_now_us ());
}

uint64_t
ld_pacer_done (ld_pacer_t *self)
{
    return atomic_load (&self->done);
}

uint64_t
ld_pacer_failed (ld_pacer_t *self)
{
    return atomic_load (&self->failed);
}

uint64_t
ld_pacer_destroy (ld_pacer_t **self_p)
{
    ld_pacer_t *self = *self_p;
    *self_p = NULL;
    if (!self)
        return 0;
    uint64_t one = 1;
    if (write (self->stop_fd, &one, sizeof one) != sizeof one)
        fail_msg ("pacer: cannot stop: %s", strerror (errno));
    pthread_join (self->thread, NULL);
    close (self->stop_fd);
    uint64_t done = atomic_load (&self->done);
    free (self);
    return done;
}

//  -------------------------------------------------------------------------
//  Numbered datagrams from a plain socket

void
ld_udp_open (ld_udp_t *self, const char *ip, const asynrole_addr_t *to, size_t size)
{
    memset (self, 0, sizeof *self);
    assert_true (size >= 8 && size <= sizeof self->data);
    asynrole_addr_t bound;
    self->fd = tu_client (ip, &bound);
    self->to = *to;
    self->size = size;
    tu_fill (self->data, size, 7);
}

void
ld_udp_close (ld_udp_t *self)
{
    if (self->fd >= 0)
        close (self->fd);
    self->fd = -1;
}

bool
ld_udp_send (void *ctx)
{
    ld_udp_t *self = (ld_udp_t *) ctx;
    memcpy (self->data, &self->seq, 8);
    ssize_t rc;
    while ((rc = sendto (self->fd, self->data, self->size, 0, &self->to.u.sa, self->to.len)) < 0
           && errno == EINTR)
        ;
    if (rc != (ssize_t) self->size) {
        self->refused++;
        return false;
    }
    self->seq++;
    return true;
}
