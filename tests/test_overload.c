/*  test_overload.c - a sender at twice what a role can take, for a while

    Three roles, one case each, each under a load twice its capacity for
    ASYNROLE_SOAK_SECONDS (default 60):
    - an Agent in callback mode whose callback costs COST_US of CPU per
      datagram (a busy loop on the thread's clock), so the role is the
      bottleneck;
    - an Agent in pipe mode whose reader thread costs the same per event;
    - a Manager's request engine, asked for requests by a paced thread,
      to a peer that answers each at once.
    What a role can take is measured, not assumed: every second the test
    reads what the role got through in the last second (datagrams through
    the callback or the reader; requests ended by the engine) and sets the
    sender to twice that. The first seconds are the calibration (the
    sender starts at a guess above the capacity); the rate then follows the
    role, so the load stays at twice what it takes when another test shares
    the machine (ctest -j2) or a tool slows it (valgrind).

    Checked: the resident set, sampled every second, stays under a bound
    derived from what the role may hold (s_rss_bound); at the end, after a
    drain with a deadline, sent = delivered + counted drops, exactly, per
    reason, and the ASYNROLE_EDROPPED events sum to the counters; for the
    engine, every request accepted ended with exactly one result, and every
    request refused was refused with ASYNROLE_EWOULDBLOCK (max_queued).
    docs/reliability.md, "Overload and soak", has the figures.
*/
#define _GNU_SOURCE
#include "fault_peer.h"
#include "load.h"
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KIB 1024u
#define MIB (1024u * 1024u)

//  CPU a datagram costs the callback or the reader, microseconds
#define COST_US 50

//  Bytes of each datagram, and of each request
#define SIZE 64

//  What a role may hold (options.max_bytes) and its receive buffer
//  (options.rcvbuf; the kernel's memory, not ours)
#define MAX_BYTES (1 * MIB)
#define RCVBUF (256 * KIB)

//  The request engine's limits: in flight, and waiting for a place; and
//  the Manager's send queue (options.send_queue: attempts the kernel has
//  not taken yet)
#define IN_FLIGHT 256
#define QUEUED 1024
#define SEND_QUEUE (256 * KIB)

//  Seconds of calibration before the measured phase
#define CALIBRATION_S 3

//  Every second: twice what the role got through in the last WINDOW_S
//  seconds (one second's stall does not stop the load), never below MIN_RATE
#define WINDOW_S 3
#define MIN_RATE 50.0

//  The engine case counts, per handle modulo RING, the requests made and
//  the results: equal at the end for every slot when each request ended
//  exactly once (a request lives seconds; RING handles take longer)
#define RING (1u << 20)

//  -------------------------------------------------------------------------
//  The memory bound

//  The resident set may grow from its baseline (taken with the role made,
//  before any load) by what the role may hold (max_bytes), one batch more
//  (256 KiB: held_max's own bound), the I/O actor's 64 receive buffers of
//  64 KiB as they get touched, extra (what the case itself keeps: the
//  engine's requests), malloc's slack (8 MiB: arenas of the threads that
//  free), and the tool's own (load.h: ld_tool_allowance).
static size_t
s_rss_bound (size_t base, size_t extra, const char **tool)
{
    size_t app = MAX_BYTES + 256 * KIB + 64 * 64 * KIB + extra + 8 * MIB;
    return base + app + ld_tool_allowance (app, tool);
}

//  After the drain the role holds nothing, and the engine has no request:
//  the heap's live bytes (tu_heap_bytes) are back to what they were before
//  the load, within 1 MiB (libzmq's caches, the allocator's); what stays
//  beyond that is a leak, or a list that grows
#define HEAP_BOUND (1 * MIB)

static void
s_check_heap (const char *what, size_t base)
{
    size_t now = tu_heap_bytes ();
    print_message ("%s: heap %zu KiB before the load, %zu KiB after the drain (bound +%u)\n", what,
                   base / KIB, now / KIB, HEAP_BOUND / KIB);
    assert_true (now <= base + HEAP_BOUND);
}

//  -------------------------------------------------------------------------
//  What a role saw: datagrams and drop notices, by reason

typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;   //  CLOCK_MONOTONIC; signalled on each
    uint64_t delivered;    //  datagrams
    uint64_t queue;        //  datagrams in EDROPPED notices, op QUEUE
    uint64_t filter;       //  op FILTER
    uint64_t rate;         //  op RATE_LIMIT
    uint64_t lost_errors;  //  error events in notices
    uint64_t notices;      //  EDROPPED events
    uint64_t bad;          //  anything else
    asynrole_error_t first_bad;
} tally_t;

static void
s_tally_init (tally_t *self)
{
    memset (self, 0, sizeof *self);
    pthread_mutex_init (&self->mutex, NULL);
    tu_cond_init (&self->cond);
}

static void
s_tally_fini (tally_t *self)
{
    pthread_cond_destroy (&self->cond);
    pthread_mutex_destroy (&self->mutex);
}

static void
s_tally (tally_t *self, const asynrole_datagram_t *datagram, const asynrole_error_t *error)
{
    pthread_mutex_lock (&self->mutex);
    if (datagram)
        self->delivered++;
    else if (error->code == ASYNROLE_EDROPPED) {
        self->notices++;
        self->lost_errors += error->lost_errors;
        if (error->op == ASYNROLE_OP_QUEUE)
            self->queue += error->count;
        else if (error->op == ASYNROLE_OP_FILTER)
            self->filter += error->count;
        else if (error->op == ASYNROLE_OP_RATE_LIMIT)
            self->rate += error->count;
        else if (!self->bad++)
            self->first_bad = *error;
    }
    else if (!self->bad++)
        self->first_bad = *error;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

static tally_t
s_tally_read (tally_t *self)
{
    pthread_mutex_lock (&self->mutex);
    tally_t copy = *self;
    pthread_mutex_unlock (&self->mutex);
    return copy;
}

static uint64_t
s_delivered (tally_t *self)
{
    return s_tally_read (self).delivered;
}

//  Spend COST_US of this thread's CPU: the work a datagram costs
static void
s_work (void)
{
    struct timespec now;
    clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
    int64_t end = now.tv_sec * 1000000000LL + now.tv_nsec + COST_US * 1000LL;
    for (int i = 0; i < 100000000; i++) {
        clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
        if (now.tv_sec * 1000000000LL + now.tv_nsec >= end)
            break;
    }
}

//  -------------------------------------------------------------------------
//  The load: twice what the role got through in the last WINDOW_S seconds

typedef uint64_t (progress_fn) (void *ctx);

typedef struct {
    double capacity;  //  through a second, calibration's last seconds
    double mean;      //  through a second, the measured phase
    double offered;   //  calls a second the pacer made, the measured phase
    size_t rss_base;
    size_t rss_calibrated;  //  at the end of the calibration
    size_t rss_peak;
    int samples;
    int over;  //  the first second whose sample passed the bound, or -1
} run_t;

//  Drive pacer for CALIBRATION_S + ld_seconds () seconds, following the
//  role's progress; sample the resident set every second
static run_t
s_drive (ld_pacer_t *pacer, progress_fn *progress, void *ctx, size_t rss_bound)
{
    run_t run = { .rss_base = ld_rss (), .over = -1 };
    int seconds = ld_seconds ();
    uint64_t last = progress (ctx), start = 0, offered_start = 0;
    int64_t last_us = tu_now_us (), start_us = 0;
    uint64_t window[WINDOW_S];  //  progress, and when, at the last seconds
    int64_t window_us[WINDOW_S];
    for (int i = 0; i < WINDOW_S; i++) {
        window[i] = last;
        window_us[i] = last_us;
    }
    for (int second = 0; second < CALIBRATION_S + seconds; second++) {
        ld_pause (1000);
        uint64_t now = progress (ctx);
        int64_t now_us = tu_now_us ();
        int oldest = second % WINDOW_S;
        double through =
            (double) (now - window[oldest]) * 1e6 / (double) (now_us - window_us[oldest]);
        window[oldest] = now;
        window_us[oldest] = now_us;
        ld_pacer_set_rate (pacer, through * 2 > MIN_RATE ? through * 2 : MIN_RATE);
        last = now;
        last_us = now_us;
        size_t rss = ld_rss ();
        run.rss_peak = rss > run.rss_peak ? rss : run.rss_peak;
        run.samples++;
        if (rss > rss_bound && run.over < 0)
            run.over = second;
        if (second == CALIBRATION_S - 1) {
            run.rss_calibrated = rss;
            run.capacity = through;
            start = now;
            start_us = now_us;
            offered_start = ld_pacer_done (pacer) + ld_pacer_failed (pacer);
        }
    }
    double span = (double) (last_us - start_us) / 1e6;
    run.mean = (double) (last - start) / span;
    run.offered = (double) (ld_pacer_done (pacer) + ld_pacer_failed (pacer) - offered_start) / span;
    return run;
}

static void
s_report (const char *what, const run_t *run, size_t bound, const char *tool)
{
    print_message ("%s: capacity %.0f/s at calibration, %.0f/s through over %d s, offered "
                   "%.0f/s; RSS %zu KiB at the start, %zu after the calibration, peak %zu KiB "
                   "(+%zu KiB) in %d samples, bound %zu KiB (tool: %s)\n",
                   what, run->capacity, run->mean, ld_seconds (), run->offered, run->rss_base / KIB,
                   run->rss_calibrated / KIB, run->rss_peak / KIB,
                   (run->rss_peak - run->rss_base) / KIB, run->samples, bound / KIB, tool);
    if (run->over >= 0)
        fail_msg ("second %d: RSS past the bound of %zu bytes (peak %zu)", run->over, bound,
                  run->rss_peak);
}

//  -------------------------------------------------------------------------
//  Agents

//  Callback mode: the work, then the tally
static void
s_agent_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
            const asynrole_error_t *error)
{
    (void) agent;
    if (datagram)
        s_work ();
    s_tally ((tally_t *) ctx, datagram, error);
}

//  Pipe mode: a reader as slow as the callback
typedef struct {
    void *socket;
    tally_t *tally;
    atomic_bool stop;
} reader_t;

static void *
s_reader (void *arg)
{
    reader_t *self = (reader_t *) arg;
    while (!atomic_load (&self->stop)) {
        asynrole_event_t *event = asynrole_event_recv (self->socket, 100);
        if (!event)
            continue;
        const asynrole_datagram_t *datagram = asynrole_event_datagram (event);
        if (datagram)
            s_work ();
        s_tally (self->tally, datagram, asynrole_event_error (event));
        asynrole_event_destroy (&event);
    }
    return NULL;
}

static uint64_t
s_tally_progress (void *ctx)
{
    return s_delivered ((tally_t *) ctx);
}

//  Is every datagram sent accounted for? The kernel took sent; each was
//  read or dropped by the kernel; each read was delivered or dropped by
//  reason, and every drop reported.
static bool
s_agent_accounted (const asynrole_stats_t *stats, const tally_t *tally, uint64_t sent)
{
    return stats->rx_datagrams + stats->kernel_dropped == sent
        && tally->delivered + stats->dropped + stats->filtered + stats->rate_limited
        == stats->rx_datagrams
        && tally->queue == stats->dropped && tally->filter == stats->filtered
        && tally->rate == stats->rate_limited && tally->lost_errors == stats->errors_dropped;
}

//  Wait, with a deadline, for what is in flight to be read and reported
static asynrole_stats_t
s_agent_drain (asynrole_agent_t *agent, tally_t *tally, uint64_t sent, int timeout_ms)
{
    int64_t end = tu_now () + timeout_ms;
    asynrole_stats_t stats = tu_agent_stats (agent, 0);
    tally_t seen = s_tally_read (tally);
    while (!s_agent_accounted (&stats, &seen, sent) && tu_now () < end) {
        pthread_mutex_lock (&tally->mutex);
        if (tally->delivered + tally->notices == seen.delivered + seen.notices) {
            struct timespec deadline = tu_deadline (200);
            pthread_cond_timedwait (&tally->cond, &tally->mutex, &deadline);
        }
        pthread_mutex_unlock (&tally->mutex);
        stats = tu_agent_stats (agent, 0);
        seen = s_tally_read (tally);
    }
    return stats;
}

static void
s_agent_check (const char *what, const asynrole_stats_t *stats, const tally_t *tally, uint64_t sent,
               uint64_t side)
{
    print_message (
        "%s: sent %llu (%llu from a denied source), read %llu, kernel dropped %llu; "
        "delivered %llu, dropped %llu, filtered %llu, rate limited %llu; %llu "
        "EDROPPED events; held at most %llu of %u bytes\n",
        what, (unsigned long long) sent, (unsigned long long) side,
        (unsigned long long) stats->rx_datagrams, (unsigned long long) stats->kernel_dropped,
        (unsigned long long) tally->delivered, (unsigned long long) stats->dropped,
        (unsigned long long) stats->filtered, (unsigned long long) stats->rate_limited,
        (unsigned long long) tally->notices, (unsigned long long) stats->held_max, MAX_BYTES);
    if (tally->bad)
        fail_msg ("%llu unexpected events, the first: %s", (unsigned long long) tally->bad,
                  tally->first_bad.detail);
    //  sent = delivered + counted drops, per reason
    assert_int_equal (stats->rx_datagrams + stats->kernel_dropped, sent);
    assert_int_equal (tally->delivered + stats->dropped + stats->filtered + stats->rate_limited,
                      stats->rx_datagrams);
    //  Every drop reported, by reason, to the datagram
    assert_int_equal (tally->queue, stats->dropped);
    assert_int_equal (tally->filter, stats->filtered);
    assert_int_equal (tally->rate, stats->rate_limited);
    assert_int_equal (tally->lost_errors, stats->errors_dropped);
    assert_int_equal (stats->rate_limited, 0);
    //  The denied source's datagrams, and only those, were filtered (or
    //  dropped by the kernel before the filter saw them)
    assert_true (stats->filtered > 0 && stats->filtered <= side);
    //  It was an overload: the role or the kernel dropped
    assert_true (stats->dropped + stats->kernel_dropped > 0);
    //  held_max's own bound: max_bytes and one batch (256 KiB of records,
    //  and in pipe mode 64 events of 768 bytes each; docs/design.md)
    assert_true (stats->held_max <= MAX_BYTES + 256 * KIB + 64 * 768);
    assert_int_equal (stats->rx_bytes, stats->rx_datagrams * SIZE);
}

//  The run against one Agent, whichever its mode
static void
s_agent_run (const char *what, asynrole_agent_t *agent, tally_t *tally)
{
    const char *tool;
    size_t bound = s_rss_bound (ld_rss (), 0, &tool);
    size_t heap = tu_heap_bytes ();
    ld_udp_t main_udp, side_udp;
    ld_udp_open (&main_udp, "127.0.0.1", asynrole_agent_local (agent, 0), SIZE);
    ld_udp_open (&side_udp, "127.0.0.2", asynrole_agent_local (agent, 0), SIZE);
    //  Calibration starts at twice the most the work lets through
    ld_pacer_t *pacer = ld_pacer_new (ld_udp_send, &main_udp, 2e6 / COST_US);
    ld_pacer_t *side = ld_pacer_new (ld_udp_send, &side_udp, 20);
    assert_non_null (pacer);
    assert_non_null (side);
    run_t run = s_drive (pacer, s_tally_progress, tally, bound);
    uint64_t sent = ld_pacer_destroy (&pacer);
    uint64_t side_sent = ld_pacer_destroy (&side);
    ld_udp_close (&main_udp);
    ld_udp_close (&side_udp);
    s_report (what, &run, bound, tool);
    asynrole_stats_t stats = s_agent_drain (agent, tally, sent + side_sent, 60000);
    tally_t seen = s_tally_read (tally);
    s_agent_check (what, &stats, &seen, sent + side_sent, side_sent);
    s_check_heap (what, heap);
}

static asynrole_options_t
s_agent_options (bool pipe_mode, asynrole_filter_t *filter)
{
    static const char *const deny[] = { "127.0.0.2" };
    memset (filter, 0, sizeof *filter);
    filter->deny = deny;
    filter->deny_count = 1;
    asynrole_options_t options = {
        .pipe_mode = pipe_mode, .max_bytes = MAX_BYTES, .rcvbuf = RCVBUF, .filter = filter
    };
    return options;
}

static void
test_agent_callback (void **state)
{
    (void) state;
    tally_t tally;
    s_tally_init (&tally);
    asynrole_filter_t filter;
    asynrole_options_t options = s_agent_options (false, &filter);
    asynrole_agent_t *agent = tu_agent_new (s_agent_cb, &tally, "127.0.0.1:0", &options);
    s_agent_run ("agent, callback mode", agent, &tally);
    tu_agent_destroy (&agent);
    s_tally_fini (&tally);
}

static void
test_agent_pipe (void **state)
{
    (void) state;
    tally_t tally;
    s_tally_init (&tally);
    asynrole_filter_t filter;
    asynrole_options_t options = s_agent_options (true, &filter);
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &options);
    reader_t reader = { .socket = asynrole_agent_socket (agent), .tally = &tally };
    atomic_init (&reader.stop, false);
    pthread_t thread;
    assert_int_equal (pthread_create (&thread, NULL, s_reader, &reader), 0);
    s_agent_run ("agent, pipe mode", agent, &tally);
    atomic_store (&reader.stop, true);
    pthread_join (thread, NULL);
    tu_agent_destroy (&agent);
    s_tally_fini (&tally);
}

//  -------------------------------------------------------------------------
//  The request engine. What it can take is the requests it ends a second
//  with IN_FLIGHT awaiting a reply and a peer that answers each at once:
//  the Manager's thread (the engine) and the I/O actor are then the
//  bottleneck. Asked twice that, its queue (QUEUED) fills and the rest is
//  refused with ASYNROLE_EWOULDBLOCK: nothing grows.

typedef struct {
    asynrole_manager_t *manager;
    uint64_t seq;         //  the next request's key (the pacer's thread)
    uint64_t calls;       //  calls made (the pacer's thread)
    uint64_t accepted;    //  calls that returned 0
    uint64_t wouldblock;  //  refused with ASYNROLE_EWOULDBLOCK
    uint64_t refused;     //  refused otherwise
    asynrole_error_t first_refused;
    uint8_t *made;                 //  requests accepted, per handle % RING (the pacer's thread)
    uint8_t *ended;                //  results, per handle % RING (the Manager's thread)
    atomic_uint_fast64_t results;  //  results, all
    uint64_t replies, noresponse, other;  //  the Manager's thread
    tally_t datagrams;                    //  what reached the Manager's own callback
} engine_t;

static void
s_result (asynrole_manager_t *manager, void *ctx, const asynrole_result_t *result)
{
    (void) manager;
    engine_t *self = (engine_t *) ctx;
    self->ended[result->handle % RING]++;
    if (!result->error)
        self->replies++;
    else if (result->error->code == ASYNROLE_ENORESPONSE)
        self->noresponse++;
    else
        self->other++;
    atomic_fetch_add (&self->results, 1);
}

//  One request (the pacer's call)
static bool
s_request (void *ctx)
{
    engine_t *self = (engine_t *) ctx;
    self->calls++;
    uint8_t data[SIZE];
    tu_fill (data, sizeof data, (unsigned) self->seq);
    memcpy (data, &self->seq, 8);
    self->seq++;
    asynrole_request_t request = { .data = data, .size = sizeof data, .ctx = self };
    uint64_t handle = 0;
    asynrole_error_t error;
    if (asynrole_manager_request (self->manager, &request, s_result, &handle, &error) == 0) {
        self->accepted++;
        self->made[handle % RING]++;
        return true;
    }
    if (error.code == ASYNROLE_EWOULDBLOCK)
        self->wouldblock++;
    else if (!self->refused++)
        self->first_refused = error;
    return false;
}

static uint64_t
s_engine_progress (void *ctx)
{
    return atomic_load (&((engine_t *) ctx)->results);
}

static void
s_manager_cb (asynrole_manager_t *manager, void *ctx, const asynrole_datagram_t *datagram,
              const asynrole_error_t *error)
{
    (void) manager;
    s_tally (&((engine_t *) ctx)->datagrams, datagram, error);
}

//  Wait, with a deadline, until every request accepted has ended and every
//  answer the peer sent is read
static asynrole_stats_t
s_engine_drain (engine_t *self, fault_peer_t *peer, int timeout_ms)
{
    int64_t end = tu_now () + timeout_ms;
    asynrole_stats_t stats = tu_manager_stats (self->manager);
    while ((atomic_load (&self->results) != self->accepted
            || stats.rx_datagrams + stats.kernel_dropped != fp_answered (peer))
           && tu_now () < end) {
        pthread_mutex_lock (&self->datagrams.mutex);
        struct timespec deadline = tu_deadline (100);
        pthread_cond_timedwait (&self->datagrams.cond, &self->datagrams.mutex, &deadline);
        pthread_mutex_unlock (&self->datagrams.mutex);
        stats = tu_manager_stats (self->manager);
    }
    return stats;
}

static void
s_engine_check (engine_t *self, const asynrole_stats_t *stats,
                const asynrole_requests_stats_t *engine, uint64_t answered)
{
    tally_t seen = s_tally_read (&self->datagrams);
    print_message ("engine: %llu calls: %llu accepted, %llu refused (EWOULDBLOCK), %llu "
                   "refused otherwise; results: %llu replies, %llu no response, %llu other; "
                   "engine: %llu retries, %llu unmatched, %llu send waits; the peer answered "
                   "%llu, the Manager read %llu (kernel dropped %llu, dropped %llu)\n",
                   (unsigned long long) self->calls, (unsigned long long) self->accepted,
                   (unsigned long long) self->wouldblock, (unsigned long long) self->refused,
                   (unsigned long long) self->replies, (unsigned long long) self->noresponse,
                   (unsigned long long) self->other, (unsigned long long) engine->retries,
                   (unsigned long long) engine->unmatched, (unsigned long long) engine->send_waits,
                   (unsigned long long) answered, (unsigned long long) stats->rx_datagrams,
                   (unsigned long long) stats->kernel_dropped, (unsigned long long) stats->dropped);
    if (self->refused)
        fail_msg ("%llu requests refused, the first: %s", (unsigned long long) self->refused,
                  self->first_refused.detail);
    //  Every call accepted or refused, typed; the refusals were the load's
    assert_int_equal (self->accepted + self->wouldblock, self->calls);
    assert_true (self->wouldblock > 0);
    //  Every request accepted ended exactly once
    assert_int_equal (atomic_load (&self->results), self->accepted);
    for (uint64_t slot = 0; slot < RING; slot++)
        if (self->made[slot] != self->ended[slot])
            fail_msg ("handles %llu + k * %u: %u made, %u results (modulo 256)",
                      (unsigned long long) slot, RING, self->made[slot], self->ended[slot]);
    //  The engine's counters say the same
    assert_int_equal (engine->requests, self->accepted);
    assert_int_equal (engine->replies, self->replies);
    assert_int_equal (engine->timeouts, self->noresponse);
    assert_int_equal (engine->cancelled + engine->failed, self->other);
    assert_int_equal (engine->in_flight + engine->queued, 0);
    //  Every answer accounted for: it ended a request, or reached the
    //  callback as a datagram (a late one), or was dropped and reported
    assert_int_equal (stats->rx_datagrams + stats->kernel_dropped, answered);
    assert_int_equal (engine->replies + engine->unmatched + engine->rejected + stats->dropped,
                      stats->rx_datagrams);
    assert_int_equal (seen.delivered, engine->unmatched + engine->rejected);
    assert_int_equal (seen.queue, stats->dropped);
    assert_int_equal (seen.bad, 0);
}

static void
test_request_engine (void **state)
{
    (void) state;
    fp_options_t peer_options = { .rcvbuf = 4 * (int) MIB };
    fault_peer_t *peer = fp_new (&peer_options);
    assert_non_null (peer);
    engine_t *self = calloc (1, sizeof *self);
    assert_non_null (self);
    s_tally_init (&self->datagrams);
    self->made = calloc (RING, 1);
    self->ended = calloc (RING, 1);
    assert_true (self->made && self->ended);
    atomic_init (&self->results, 0);
    //  A reply's key is its first 8 bytes: replies to one destination are
    //  told apart, so IN_FLIGHT may be in flight to the one peer
    asynrole_requests_t requests = {
        .key = tu_key_first8,
        .max_in_flight = IN_FLIGHT,
        .max_per_destination = IN_FLIGHT,
        .max_queued = QUEUED,
        .policy = { .timeout = 5000, .retries = 1 },
    };
    asynrole_options_t options = {
        .max_bytes = MAX_BYTES, .rcvbuf = RCVBUF, .send_queue = SEND_QUEUE, .requests = &requests
    };
    char where[ASYNROLE_ADDR_STRLEN];
    self->manager =
        tu_manager_new (s_manager_cb, self, TU_FMT (fp_addr (peer), where), NULL, &options);
    //  Each request held costs one allocation of its record and data (446
    //  bytes beyond the data measured, docs/design.md): 1 KiB covers it and
    //  the allocator's rounding; the attempts the kernel has not taken are
    //  at most SEND_QUEUE; the two rings are touched as they fill
    const char *tool;
    size_t extra = (IN_FLIGHT + QUEUED) * KIB + SEND_QUEUE + 2 * RING;
    size_t bound = s_rss_bound (ld_rss (), extra, &tool);
    size_t heap = tu_heap_bytes ();
    ld_pacer_t *pacer = ld_pacer_new (s_request, self, 20000);
    assert_non_null (pacer);
    run_t run = s_drive (pacer, s_engine_progress, self, bound);
    ld_pacer_destroy (&pacer);
    s_report ("request engine", &run, bound, tool);
    asynrole_stats_t stats = s_engine_drain (self, peer, 2 * 5000 + 60000);
    asynrole_requests_stats_t engine;
    asynrole_error_t error;
    if (asynrole_manager_requests_stats (self->manager, &engine, &error))
        fail_msg ("requests stats: %s", error.detail);
    s_engine_check (self, &stats, &engine, fp_answered (peer));
    s_check_heap ("request engine", heap);
    tu_manager_destroy (&self->manager);
    fp_destroy (&peer);
    s_tally_fini (&self->datagrams);
    free (self->made);
    free (self->ended);
    free (self);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown (test_agent_callback, fp_teardown),
        cmocka_unit_test_teardown (test_agent_pipe, fp_teardown),
        cmocka_unit_test_teardown (test_request_engine, fp_teardown),
    };
    return tu_main (tests, argc, argv);
}
