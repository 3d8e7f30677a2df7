/*  engine.c - asynrole-engine-bench: the Manager's request engine under load

    Window mode: W requests in flight against an echo; each result's
    callback makes the next request, a key function matches replies by the
    sequence number in their first 8 bytes. After a warm-up (a quarter of
    the duration, at most 0.2 s) it measures for --duration, as the load
    generator does, and prints one line in its format (bench/loadgen.c), so
    the two compare directly:

        rate=<replies/s> p50_us= p99_us= sent= received= lost= resent=
        cpu_us_per_req=0 client_cpu_us_per_req=<this process's CPU per reply>

    Outstanding mode (--outstanding N): N requests at once against a server
    that holds them (raw-echo --hold N), then answers all. Prints

        outstanding=N payload=B bytes_per_request=<heap growth per request
        beyond its payload> send_ms=<until all had left> answer_ms=<until
        all were answered> received= lost= kernel_dropped=

    Exit 0, 1 when a request could not be made or failed, none was
    answered, or the run missed its deadline, 2 on bad arguments.
*/
#define _GNU_SOURCE
#include "bench_support.h"
#include "asynrole.h"

#include <malloc.h>
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BENCH_SANITIZER_HEAP 1
//  The sanitizer runtimes' count of live heap bytes (gcc 12 ships no header
//  that declares it); mallinfo2 does not see their allocator
size_t __sanitizer_get_current_allocated_bytes (void);
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const char *s_usage =
    "usage: asynrole-engine-bench --target HOST:PORT [--window W (64)] [--duration SEC (2)]\n"
    "           [--size BYTES (43)] [--timeout MS (200)] [--retries N (5)] [--rcvbuf BYTES]\n"
    "       asynrole-engine-bench --target HOST:PORT --outstanding N [--size BYTES (16)]\n"
    "           [--rcvbuf BYTES (64M)] [--deadline SEC (120)]\n";

typedef struct {
    const char *target;
    long window, size, timeout, retries, rcvbuf, outstanding;
    double duration, deadline;
} args_t;

typedef struct {
    asynrole_manager_t *manager;
    size_t size;
    atomic_uint_fast64_t next_seq;
    atomic_long pending;                   //  requests made whose callback has not run
    int64_t start_us, measure_us, end_us;  //  measured from measure_us to end_us
    bool refill;                           //  window mode: each result makes the next request
    //  The Manager's thread alone writes these; read after pending is 0
    uint64_t replies, in_time, lost;
    atomic_uint_fast64_t make_failed;     //  requests the engine refused (any thread)
    atomic_uint_fast64_t failed;          //  requests ended by another error
    atomic_uint_fast64_t strays, errors;  //  the Manager's callback: datagrams
                                          //  that answered nothing, error events
    bench_hist_t *latency;                //  round trips
    asynrole_error_t error;               //  the first failure (under mutex)
    bool have_error;                      //  under mutex
    pthread_mutex_t mutex;
    pthread_cond_t cond;
} bench_t;

static bool
s_key (void *ctx, const uint8_t *data, size_t size, uint64_t *key)
{
    (void) ctx;
    if (size < sizeof *key)
        return false;
    memcpy (key, data, sizeof *key);
    return true;
}

static void s_result (asynrole_manager_t *manager, void *ctx, const asynrole_result_t *result);

//  Keep the first failure's error (requests are made from two threads)
static void
s_note_error (bench_t *self, const asynrole_error_t *error)
{
    pthread_mutex_lock (&self->mutex);
    if (!self->have_error) {
        self->error = *error;
        self->have_error = true;
    }
    pthread_mutex_unlock (&self->mutex);
}

//  What answers no request, and error events (an unreachable port, say):
//  counted, not logged
static void
s_stray (asynrole_manager_t *manager, void *ctx, const asynrole_datagram_t *datagram,
         const asynrole_error_t *error)
{
    (void) manager;
    (void) error;
    bench_t *self = (bench_t *) ctx;
    atomic_fetch_add (datagram ? &self->strays : &self->errors, 1);
}

//  Make one request; false (self->error filled) when the engine refused it
static bool
s_make (bench_t *self)
{
    uint8_t data[ASYNROLE_DGRAM_MAX_IPV4];
    uint64_t seq = atomic_fetch_add (&self->next_seq, 1);
    memset (data, 'x', self->size);
    memcpy (data, &seq, sizeof seq);
    asynrole_request_t request = { .data = data, .size = self->size, .ctx = self };
    atomic_fetch_add (&self->pending, 1);
    asynrole_error_t error;
    if (asynrole_manager_request (self->manager, &request, s_result, NULL, &error) == 0)
        return true;
    atomic_fetch_add (&self->make_failed, 1);
    s_note_error (self, &error);
    atomic_fetch_sub (&self->pending, 1);
    return false;
}

static void
s_result (asynrole_manager_t *manager, void *ctx, const asynrole_result_t *result)
{
    (void) manager;
    bench_t *self = (bench_t *) ctx;
    int64_t now = bench_now_us ();
    if (result->reply) {
        self->replies++;
        if (now >= self->measure_us && now <= self->end_us) {
            self->in_time++;
            bench_hist_add (self->latency,
                            result->rtt_us > 0 ? (uint64_t) result->rtt_us * 1000 : 0);
        }
    }
    else if (result->error->code == ASYNROLE_ENORESPONSE)
        self->lost++;
    else {
        atomic_fetch_add (&self->failed, 1);
        s_note_error (self, result->error);
    }
    if (self->refill && now < self->end_us)
        s_make (self);
    if (atomic_fetch_sub (&self->pending, 1) == 1) {
        pthread_mutex_lock (&self->mutex);
        pthread_cond_broadcast (&self->cond);
        pthread_mutex_unlock (&self->mutex);
    }
}

//  Wait until every request made has had its result, or the deadline
static bool
s_wait_all (bench_t *self, int64_t deadline_us)
{
    struct timespec real;
    clock_gettime (CLOCK_REALTIME, &real);
    int64_t left = deadline_us - bench_now_us ();
    int64_t at = (int64_t) real.tv_sec * 1000000 + real.tv_nsec / 1000 + (left > 0 ? left : 0);
    struct timespec until = { .tv_sec = at / 1000000, .tv_nsec = (at % 1000000) * 1000 };
    pthread_mutex_lock (&self->mutex);
    int rc = 0;
    while (atomic_load (&self->pending) > 0 && rc == 0)
        rc = pthread_cond_timedwait (&self->cond, &self->mutex, &until);
    bool done = atomic_load (&self->pending) == 0;
    pthread_mutex_unlock (&self->mutex);
    return done;
}

static double
s_cpu_us (void)
{
    struct rusage usage;
    if (getrusage (RUSAGE_SELF, &usage))
        return 0;
    return (double) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6
        + (double) (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

static size_t
s_heap_bytes (void)
{
#ifdef BENCH_SANITIZER_HEAP
    return __sanitizer_get_current_allocated_bytes ();
#else
    struct mallinfo2 info = mallinfo2 ();
    return info.uordblks + info.hblkhd;
#endif
}

static asynrole_manager_t *
s_manager_new (bench_t *self, const args_t *args, size_t in_flight)
{
    asynrole_requests_t requests = {
        .key = s_key,
        .max_in_flight = in_flight,
        .max_queued = in_flight,
        .policy = { .timeout = (int) args->timeout, .retries = (int) args->retries },
    };
    asynrole_options_t options = { .requests = &requests, .rcvbuf = (int) args->rcvbuf };
    asynrole_error_t error;
    asynrole_manager_t *manager =
        asynrole_manager_new (s_stray, self, args->target, NULL, &options, &error);
    if (!manager)
        fprintf (stderr, "asynrole-engine-bench: cannot start a Manager for %s: %s\n", args->target,
                 error.detail);
    return manager;
}

static int
s_report_failure (bench_t *self, const char *what)
{
    pthread_mutex_lock (&self->mutex);
    fprintf (stderr,
             "asynrole-engine-bench: %s (%llu refused, %llu failed, %llu error events%s%s)\n", what,
             (unsigned long long) atomic_load (&self->make_failed),
             (unsigned long long) atomic_load (&self->failed),
             (unsigned long long) atomic_load (&self->errors), self->have_error ? ": " : "",
             self->have_error ? self->error.detail : "");
    pthread_mutex_unlock (&self->mutex);
    return BENCH_EXIT_FAILED;
}

static int
s_window_run (bench_t *self, const args_t *args)
{
    //  A warm-up as the load generator's: a quarter of the duration, at most 0.2 s
    double warm = args->duration / 4 < 0.2 ? args->duration / 4 : 0.2;
    self->refill = true;
    self->start_us = bench_now_us ();
    self->measure_us = self->start_us + (int64_t) (warm * 1e6);
    self->end_us = self->measure_us + (int64_t) (args->duration * 1e6);
    for (long i = 0; i < args->window; i++)
        if (!s_make (self))
            break;
    //  This thread only sleeps meanwhile: the process's CPU is the engine's
    bench_sleep_until (self->measure_us);
    double cpu = s_cpu_us ();
    bench_sleep_until (self->end_us);
    cpu = s_cpu_us () - cpu;
    int64_t slowest = (int64_t) args->timeout * 1000 * (args->retries + 1);
    if (!s_wait_all (self, self->end_us + slowest + 5000000))
        return s_report_failure (self, "requests still under way at the deadline");
    if (atomic_load (&self->make_failed) || atomic_load (&self->failed))
        return s_report_failure (self, "requests failed");
    if (self->replies == 0)
        return s_report_failure (self, "no request was answered");
    asynrole_requests_stats_t stats;
    asynrole_error_t error;
    if (asynrole_manager_requests_stats (self->manager, &stats, &error)) {
        fprintf (stderr, "asynrole-engine-bench: no counters: %s\n", error.detail);
        return BENCH_EXIT_FAILED;
    }
    double seconds = (double) (self->end_us - self->measure_us) / 1e6;
    printf ("rate=%.0f p50_us=%.1f p99_us=%.1f sent=%llu received=%llu lost=%llu resent=%llu "
            "cpu_us_per_req=0 client_cpu_us_per_req=%.2f\n",
            (double) self->in_time / seconds,
            (double) bench_hist_quantile (self->latency, 0.5) / 1e3,
            (double) bench_hist_quantile (self->latency, 0.99) / 1e3,
            (unsigned long long) stats.requests, (unsigned long long) self->replies,
            (unsigned long long) self->lost, (unsigned long long) stats.retries,
            self->in_time ? cpu / (double) self->in_time : 0.0);
    return 0;
}

//  Wait until all n requests have left the Manager's socket
static bool
s_wait_sent (bench_t *self, uint64_t n, int64_t deadline_us)
{
    asynrole_error_t error;
    for (int i = 0; i < 1000000 && bench_now_us () < deadline_us; i++) {
        asynrole_requests_stats_t engine;
        asynrole_stats_t socket;
        if (asynrole_manager_requests_stats (self->manager, &engine, &error)
            || asynrole_manager_stats (self->manager, &socket, &error)) {
            fprintf (stderr, "asynrole-engine-bench: no counters: %s\n", error.detail);
            return false;
        }
        if (engine.queued == 0 && socket.tx_datagrams >= n)
            return true;
        bench_sleep_until (bench_now_us () + 2000);
    }
    fprintf (stderr, "asynrole-engine-bench: not all %llu requests left by the deadline\n",
             (unsigned long long) n);
    return false;
}

static int
s_outstanding_run (bench_t *self, const args_t *args)
{
    uint64_t n = (uint64_t) args->outstanding;
    int64_t deadline = bench_now_us () + (int64_t) (args->deadline * 1e6);
    self->end_us = deadline;
    size_t before = s_heap_bytes ();
    self->start_us = bench_now_us ();
    for (uint64_t i = 0; i < n; i++)
        if (!s_make (self))
            return s_report_failure (self, "a request was refused");
    if (!s_wait_sent (self, n, deadline))
        return BENCH_EXIT_FAILED;
    int64_t sent_us = bench_now_us ();
    size_t during = s_heap_bytes ();
    if (!s_wait_all (self, deadline))
        return s_report_failure (self, "requests still unanswered at the deadline");
    int64_t answered_us = bench_now_us ();
    asynrole_stats_t socket;
    asynrole_error_t error;
    if (asynrole_manager_stats (self->manager, &socket, &error)) {
        fprintf (stderr, "asynrole-engine-bench: no counters: %s\n", error.detail);
        return BENCH_EXIT_FAILED;
    }
    double each = ((double) during - (double) before) / (double) n - (double) self->size;
    printf ("outstanding=%llu payload=%zu bytes_per_request=%.0f send_ms=%.0f answer_ms=%.0f "
            "received=%llu lost=%llu kernel_dropped=%llu\n",
            (unsigned long long) n, self->size, each, (double) (sent_us - self->start_us) / 1e3,
            (double) (answered_us - self->start_us) / 1e3, (unsigned long long) self->replies,
            (unsigned long long) (n - self->replies), (unsigned long long) socket.kernel_dropped);
    if (self->replies == 0)
        return s_report_failure (self, "no request was answered");
    return atomic_load (&self->failed) ? s_report_failure (self, "requests failed") : 0;
}

static bool
s_parse (void *into, int argc, char **argv)
{
    args_t *args = (args_t *) into;
    *args = (args_t){ .window = 64,
                      .duration = 2,
                      .deadline = 120,
                      .timeout = -1,
                      .retries = -1,
                      .size = -1,
                      .rcvbuf = -2 };
    const bench_option_t options[] = {
        { "--target", BENCH_OPT_TEXT, 0, 0, &args->target },
        { "--window", BENCH_OPT_LONG, 1, 100000, &args->window },
        { "--duration", BENCH_OPT_DOUBLE, 0.01, 3600, &args->duration },
        { "--size", BENCH_OPT_LONG, 8, ASYNROLE_DGRAM_MAX_IPV4, &args->size },
        { "--timeout", BENCH_OPT_LONG, 1, 3600000, &args->timeout },
        { "--retries", BENCH_OPT_LONG, 0, 1000, &args->retries },
        { "--rcvbuf", BENCH_OPT_SIZE, -1, 1L << 30, &args->rcvbuf },
        { "--outstanding", BENCH_OPT_LONG, 1, 10000000, &args->outstanding },
        { "--deadline", BENCH_OPT_DOUBLE, 1, 3600, &args->deadline },
        { NULL, BENCH_OPT_FLAG, 0, 0, NULL },
    };
    if (!bench_parse_options (options, argc, argv))
        return false;
    if (!args->target) {
        fprintf (stderr, "asynrole-engine-bench: --target is required\n");
        return false;
    }
    //  Outstanding mode: one long wait, no retry, a buffer for every reply
    bool held = args->outstanding > 0;
    args->timeout = args->timeout >= 0 ? args->timeout : held ? 60000 : 200;
    args->retries = args->retries >= 0 ? args->retries : held ? 0 : 5;
    args->size = args->size >= 0 ? args->size : held ? 16 : 43;
    args->rcvbuf = args->rcvbuf >= -1 ? args->rcvbuf : held ? 64L << 20 : 0;
    return true;
}

int
main (int argc, char **argv)
{
    args_t args;
    bench_command_line (argc, argv, s_usage, s_parse, &args);
    bench_t self = { .size = (size_t) args.size };
    self.latency = (bench_hist_t *) calloc (1, sizeof *self.latency);
    size_t in_flight = (size_t) (args.outstanding ? args.outstanding : args.window);
    if (!self.latency || !(self.manager = s_manager_new (&self, &args, in_flight))) {
        free (self.latency);
        return BENCH_EXIT_FAILED;
    }
    pthread_mutex_init (&self.mutex, NULL);
    pthread_cond_init (&self.cond, NULL);
    int code = args.outstanding ? s_outstanding_run (&self, &args) : s_window_run (&self, &args);
    //  Ends whatever is still under way (their callbacks run, ECLOSED)
    asynrole_manager_destroy (&self.manager);
    pthread_mutex_destroy (&self.mutex);
    pthread_cond_destroy (&self.cond);
    free (self.latency);
    return code;
}
