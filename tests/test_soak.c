/*  test_soak.c - mixed work on one shared I/O actor, for a while

    For ASYNROLE_SOAK_SECONDS (default 60; `./tools/run soak` runs 600),
    on ONE asynrole_io_t:
    - requests with retries (a paced thread) from a Manager to the fault
      peer, which drops, delays, duplicates and answers from another
      socket, by a seeded script;
    - a trap storm into an Agent with a source filter and a rate limit:
      a source it lets in, one it denies, one past its rate;
    - ICMP errors: a Manager sending to a closed port;
    - roles made and destroyed at random by a thread of their own
      (Managers and Agents, callback and pipe mode, with requests and
      datagrams under way when they go), seeded: the seed is printed, and
      ASYNROLE_SOAK_SEED replays it;
    - counters read from three threads at once (the I/O actor's, the
      Agent's, the Manager's and its engine's).
    Checked at the end: descriptors and threads as at the start, exactly;
    the heap and the resident set grown by no more than their bounds (the
    set-up is done before the baseline, so what remains is growth); no
    callback after a destroy returned (a flag per role, set then, checked
    in every callback); every request ended with exactly one result, those
    of the roles destroyed too; every datagram of the storm counted, per
    reason; every ICMP error delivered or counted. docs/reliability.md,
    "Overload and soak", has the figures.
*/
#define _GNU_SOURCE
#include "fault_peer.h"
#include "load.h"
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KIB 1024u
#define MIB (1024u * 1024u)

//  Rates a second: requests; the storm from the source let in, the one
//  past the rate limit, the denied one; sends to the closed port; counter
//  reads per thread
#define REQUEST_RATE 200
#define STORM_RATE 500
#define NOISY_RATE 3000
#define DENIED_RATE 20
#define ICMP_RATE 50
#define STATS_RATE 50
#define STATS_THREADS 3

//  The storm Agent's rate limit per source (the noisy one passes it)
#define LIMIT_RATE 1000
#define LIMIT_BURST 100

//  Answers of the fault peer scripted (beyond: every tenth dropped)
#define SCRIPT 65536

//  Results counted per handle % RING (requests live a second at most)
#define RING 65536

//  Roles the churn may make (contexts made up front: none is ever freed
//  before the end, so a late callback finds its own)
#define CHURN_PER_S 40

//  The churned roles' options.timeout: each step of _new and _destroy may
//  take this long (the default is 5 s). On a machine loaded past its cores
//  (load average 7 on 2 cores, under ASan) a start was seen to take more
//  than its three default steps: the roles here start beside a storm, on
//  one I/O actor. A role that never starts still fails the test, in 90 s.
#define CHURN_TIMEOUT 30000

//  What each long-lived role may hold (options.max_bytes), and each role
//  of the churn (max_bytes, and send_queue for every Manager)
#define ROLE_BYTES (256 * KIB)
#define CHURN_BYTES (64 * KIB)

//  Growth allowed from the baseline (after the set-up) to the end. The
//  heap's live bytes, after the drain: nothing is held then, so what is
//  left is caches (libzmq's, the engine's records of the one destination)
//  and a leak would show; 1 MiB. The resident set at its peak, under
//  load: the three long-lived roles' max_bytes and one churned role's,
//  a batch more each (256 KiB), their send queues (64 KiB each), the
//  requests in flight (at most REQUEST_RATE times their 0.41 s life, 1 KiB
//  each: 100 KiB), and 8 MiB of malloc's slack; under 12 MiB, rounded up
//  to 16 MiB; with the tool's own on top (load.h)
#define HEAP_BOUND (1 * MIB)
#define RSS_BOUND (16 * MIB)

//  -------------------------------------------------------------------------
//  A seeded random source (xorshift64*), for the churn and the script

static uint64_t
s_rand (uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static uint64_t
s_seed (void)
{
    const char *text = getenv ("ASYNROLE_SOAK_SEED");
    uint64_t seed = text ? strtoull (text, NULL, 0) : (uint64_t) tu_now_us ();
    seed = seed ? seed : 1;
    print_message ("soak: seed %llu (replay: ASYNROLE_SOAK_SEED=%llu)\n", (unsigned long long) seed,
                   (unsigned long long) seed);
    return seed;
}

//  What every callback checks: no callback after its role's destroy returned
static atomic_uint_fast64_t s_after_destroy;

//  Signalled by every callback: what the drain waits on
static pthread_mutex_t s_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t s_cond;

static void
s_progress (void)
{
    pthread_mutex_lock (&s_mutex);
    pthread_cond_broadcast (&s_cond);
    pthread_mutex_unlock (&s_mutex);
}

//  Wait for a callback, at most ms
static void
s_wait_progress (int ms)
{
    pthread_mutex_lock (&s_mutex);
    struct timespec deadline = tu_deadline (ms);
    pthread_cond_timedwait (&s_cond, &s_mutex, &deadline);
    pthread_mutex_unlock (&s_mutex);
}

//  -------------------------------------------------------------------------
//  Counting what a role gets

typedef struct {
    atomic_bool destroyed;           //  set when _destroy returned
    atomic_uint_fast64_t datagrams;  //  datagrams
    atomic_uint_fast64_t icmp;       //  ENETWORK errors, op ICMP
    atomic_uint_fast64_t queue;      //  in EDROPPED notices: op QUEUE
    atomic_uint_fast64_t filter;     //  op FILTER
    atomic_uint_fast64_t rate;       //  op RATE_LIMIT
    atomic_uint_fast64_t lost;       //  error events lost
    atomic_uint_fast64_t other;      //  anything else
    atomic_uint_fast64_t accepted;   //  requests accepted
    atomic_uint_fast64_t results;    //  their results
} counts_t;

static void
s_count (counts_t *self, const asynrole_datagram_t *datagram, const asynrole_error_t *error)
{
    if (atomic_load (&self->destroyed))
        atomic_fetch_add (&s_after_destroy, 1);
    if (datagram)
        atomic_fetch_add (&self->datagrams, 1);
    else if (error->code == ASYNROLE_EDROPPED) {
        atomic_fetch_add (&self->lost, error->lost_errors);
        if (error->op == ASYNROLE_OP_QUEUE)
            atomic_fetch_add (&self->queue, error->count);
        else if (error->op == ASYNROLE_OP_FILTER)
            atomic_fetch_add (&self->filter, error->count);
        else if (error->op == ASYNROLE_OP_RATE_LIMIT)
            atomic_fetch_add (&self->rate, error->count);
        else
            atomic_fetch_add (&self->other, 1);
    }
    else if (error->code == ASYNROLE_ENETWORK && error->op == ASYNROLE_OP_ICMP)
        atomic_fetch_add (&self->icmp, 1);
    else
        atomic_fetch_add (&self->other, 1);
    s_progress ();
}

static void
s_agent_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
            const asynrole_error_t *error)
{
    (void) agent;
    s_count ((counts_t *) ctx, datagram, error);
}

static void
s_manager_cb (asynrole_manager_t *manager, void *ctx, const asynrole_datagram_t *datagram,
              const asynrole_error_t *error)
{
    (void) manager;
    s_count ((counts_t *) ctx, datagram, error);
}

//  A request's end, for a role's counts
static void
s_result_cb (asynrole_manager_t *manager, void *ctx, const asynrole_result_t *result)
{
    (void) manager;
    (void) result;
    counts_t *self = (counts_t *) ctx;
    if (atomic_load (&self->destroyed))
        atomic_fetch_add (&s_after_destroy, 1);
    atomic_fetch_add (&self->results, 1);
    s_progress ();
}

//  Keys of requests: unique across the Managers that share the peer
static atomic_uint_fast64_t s_next_key;

//  Make a request to the Manager's default destination with ctx's counts
static int
s_request (asynrole_manager_t *manager, asynrole_result_fn *callback, void *ctx,
           const asynrole_policy_t *policy, uint64_t *handle)
{
    uint8_t data[32];
    uint64_t key = atomic_fetch_add (&s_next_key, 1);
    tu_fill (data, sizeof data, (unsigned) key);
    memcpy (data, &key, 8);
    asynrole_request_t request = {
        .data = data, .size = sizeof data, .policy = policy, .ctx = ctx
    };
    asynrole_error_t error;
    return asynrole_manager_request (manager, &request, callback, handle, &error);
}

//  -------------------------------------------------------------------------
//  The soak's state

typedef struct {
    asynrole_io_t *io;
    fault_peer_t *peer;
    char peer_text[ASYNROLE_ADDR_STRLEN];
    uint64_t rng;  //  the churn's (its thread's, after the warm-up)
    //  The requests, from a long-lived Manager
    asynrole_manager_t *requester;
    counts_t requester_counts;
    uint8_t *made;   //  requests accepted per handle % RING (the pacer's thread)
    uint8_t *ended;  //  results per handle % RING (the Manager's thread)
    uint64_t refused;
    asynrole_error_t first_refused;
    //  The storm's Agent, and the Manager that meets closed ports
    asynrole_agent_t *storm;
    counts_t storm_counts;
    asynrole_manager_t *icmp;
    counts_t icmp_counts;
    asynrole_addr_t closed;
    //  The churn: a context per role it may make
    counts_t *pool;
    size_t pool_size, pool_used;
    size_t made_kind[4];  //  roles made, per kind
    uint64_t failures;    //  roles or requests that could not be made
    char failure[ASYNROLE_DETAIL_MAX + 64];
    uint64_t unended;         //  roles whose requests had not all ended when _destroy returned
    int64_t slowest_new;      //  the longest a churned role's _new took, us
    int64_t slowest_destroy;  //  and its _destroy
    int churn_fd;             //  what sends to the churn's Agents
    atomic_bool churn_stop;
} soak_t;

static void
s_failure (soak_t *self, const char *what, const asynrole_error_t *error)
{
    if (!self->failures++)
        snprintf (self->failure, sizeof self->failure, "%s: %s", what, error->detail);
}

//  The requester's result: counted per handle
static void
s_requester_result (asynrole_manager_t *manager, void *ctx, const asynrole_result_t *result)
{
    soak_t *self = (soak_t *) ctx;
    self->ended[result->handle % RING]++;
    s_result_cb (manager, &self->requester_counts, result);
}

static bool
s_requester_call (void *ctx)
{
    soak_t *self = (soak_t *) ctx;
    static const asynrole_policy_t policy = { .timeout = 30,
                                              .retries = 3,
                                              .backoff = ASYNROLE_BACKOFF_EXPONENTIAL,
                                              .max_timeout = 200,
                                              .jitter = 20 };
    uint64_t handle = 0;
    uint8_t data[32];
    uint64_t key = atomic_fetch_add (&s_next_key, 1);
    tu_fill (data, sizeof data, (unsigned) key);
    memcpy (data, &key, 8);
    asynrole_request_t request = {
        .data = data, .size = sizeof data, .policy = &policy, .ctx = self
    };
    asynrole_error_t error;
    if (asynrole_manager_request (self->requester, &request, s_requester_result, &handle, &error)) {
        if (!self->refused++)
            self->first_refused = error;
        return false;
    }
    self->made[handle % RING]++;
    atomic_fetch_add (&self->requester_counts.accepted, 1);
    return true;
}

static bool
s_icmp_call (void *ctx)
{
    soak_t *self = (soak_t *) ctx;
    static const char data[16] = "nobody listens";
    return asynrole_manager_try_send (self->icmp, data, sizeof data, &self->closed, NULL) == 0;
}

//  Every counter, from several threads at once
static bool
s_stats_call (void *ctx)
{
    soak_t *self = (soak_t *) ctx;
    asynrole_stats_t stats[8];
    asynrole_io_totals_t totals;
    asynrole_requests_stats_t requests;
    return asynrole_io_stats (self->io, stats, 8, NULL) >= 0
        && asynrole_io_totals (self->io, &totals, NULL) == 0
        && asynrole_agent_stats (self->storm, stats, 1, NULL) == 1
        && asynrole_manager_stats (self->requester, stats, NULL) == 0
        && asynrole_manager_requests_stats (self->requester, &requests, NULL) == 0;
}

//  -------------------------------------------------------------------------
//  The churn: one role made, used for a while, destroyed

//  Keep the longest time since start, us
static void
s_slowest (int64_t *slowest, int64_t start)
{
    int64_t took = tu_now_us () - start;
    *slowest = took > *slowest ? took : *slowest;
}

//  Read a pipe-mode role's events for ms
static void
s_read_events (void *socket, counts_t *counts, int ms)
{
    int64_t end = tu_now () + ms;
    for (int64_t left = ms; left > 0; left = end - tu_now ()) {
        asynrole_event_t *event = asynrole_event_recv (socket, (int) left);
        if (!event)
            continue;
        s_count (counts, asynrole_event_datagram (event), asynrole_event_error (event));
        asynrole_event_destroy (&event);
    }
}

static void
s_churn_manager (soak_t *self, counts_t *counts, bool pipe)
{
    asynrole_requests_t requests = { .key = tu_key_first8 };
    asynrole_options_t options = { .io = self->io,
                                   .pipe_mode = pipe,
                                   .requests = &requests,
                                   .max_bytes = CHURN_BYTES,
                                   .send_queue = CHURN_BYTES,
                                   .timeout = CHURN_TIMEOUT };
    asynrole_error_t error;
    int64_t start = tu_now_us ();
    asynrole_manager_t *manager = asynrole_manager_new (pipe ? NULL : s_manager_cb, counts,
                                                        self->peer_text, NULL, &options, &error);
    s_slowest (&self->slowest_new, start);
    if (!manager) {
        s_failure (self, "manager_new", &error);
        return;
    }
    asynrole_policy_t policy = { .timeout = 20 + (int) (s_rand (&self->rng) % 80),
                                 .retries = (int) (s_rand (&self->rng) % 3) };
    int n = (int) (s_rand (&self->rng) % 20);
    uint64_t handle = 0;
    for (int i = 0; i < n; i++)
        if (s_request (manager, s_result_cb, counts, &policy, &handle) == 0)
            atomic_fetch_add (&counts->accepted, 1);
        else
            self->failures++;
    if (n && s_rand (&self->rng) % 4 == 0)
        asynrole_manager_cancel (manager, handle, NULL);
    int life = (int) (s_rand (&self->rng) % 150);
    if (pipe)
        s_read_events (asynrole_manager_socket (manager), counts, life);
    else
        ld_pause (life);
    start = tu_now_us ();
    asynrole_manager_destroy (&manager);
    s_slowest (&self->slowest_destroy, start);
    atomic_store (&counts->destroyed, true);
    //  Every request ended before the destroy returned, exactly once each
    self->unended += atomic_load (&counts->results) != atomic_load (&counts->accepted);
}

static void
s_churn_agent (soak_t *self, counts_t *counts, bool pipe)
{
    asynrole_options_t options = {
        .io = self->io, .pipe_mode = pipe, .max_bytes = CHURN_BYTES, .timeout = CHURN_TIMEOUT
    };
    const char *iface = "127.0.0.1:0";
    asynrole_error_t error;
    int64_t start = tu_now_us ();
    asynrole_agent_t *agent =
        asynrole_agent_new (pipe ? NULL : s_agent_cb, counts, &iface, 1, &options, &error);
    s_slowest (&self->slowest_new, start);
    if (!agent) {
        s_failure (self, "agent_new", &error);
        return;
    }
    const asynrole_addr_t *to = asynrole_agent_local (agent, 0);
    int n = (int) (s_rand (&self->rng) % 50);
    for (int i = 0; i < n; i++)
        if (sendto (self->churn_fd, "trap", 4, 0, &to->u.sa, to->len) != 4)
            self->failures++;
    int life = (int) (s_rand (&self->rng) % 150);
    if (pipe)
        s_read_events (asynrole_agent_socket (agent), counts, life);
    else
        ld_pause (life);
    start = tu_now_us ();
    asynrole_agent_destroy (&agent);
    s_slowest (&self->slowest_destroy, start);
    atomic_store (&counts->destroyed, true);
}

static void
s_churn_once (soak_t *self, int kind)
{
    if (self->pool_used == self->pool_size)
        return;
    counts_t *counts = &self->pool[self->pool_used++];
    self->made_kind[kind]++;
    if (kind < 2)
        s_churn_manager (self, counts, kind == 1);
    else
        s_churn_agent (self, counts, kind == 3);
}

static void *
s_churn (void *arg)
{
    soak_t *self = (soak_t *) arg;
    while (!atomic_load (&self->churn_stop) && self->pool_used < self->pool_size)
        s_churn_once (self, (int) (s_rand (&self->rng) % 4));
    return NULL;
}

//  -------------------------------------------------------------------------
//  The set-up: the peer, the long-lived roles

//  Past the script, every tenth datagram goes unanswered
static int
s_answer (void *ctx, size_t index, const uint8_t *data, size_t size, uint8_t *out, size_t room)
{
    (void) ctx;
    if (index >= SCRIPT && index % 10 == 0)
        return -1;
    memcpy (out, data, size < room ? size : room);
    return (int) (size < room ? size : room);
}

//  The peer's script: a tenth dropped, a tenth late (up to 100 ms), a tenth
//  answered twice or thrice, a twentieth answered from its other socket
static fault_peer_t *
s_peer (uint64_t *rng)
{
    fp_action_t *script = calloc (SCRIPT, sizeof *script);
    assert_non_null (script);
    for (size_t i = 0; i < SCRIPT; i++) {
        unsigned dice = (unsigned) (s_rand (rng) % 20);
        script[i].drop = dice < 2;
        script[i].delay_ms = dice == 2 || dice == 3 ? 1 + (int) (s_rand (rng) % 100) : 0;
        script[i].copies = dice == 4 || dice == 5 ? 2 + (int) (s_rand (rng) % 2) : 0;
        script[i].other = dice == 6;
    }
    fp_options_t options = {
        .other = "127.0.0.1:0", .script = script, .script_len = SCRIPT, .answer = s_answer
    };
    fault_peer_t *peer = fp_new (&options);
    free (script);
    assert_non_null (peer);
    return peer;
}

static void
s_setup (soak_t *self)
{
    self->rng = s_seed ();
    uint64_t script_rng = self->rng ^ 0x9E3779B97F4A7C15ULL;
    self->io = tu_io_new ();
    self->peer = s_peer (&script_rng);
    TU_FMT (fp_addr (self->peer), self->peer_text);
    self->made = calloc (RING, 1);
    self->ended = calloc (RING, 1);
    assert_true (self->made && self->ended);
    asynrole_requests_t requests = { .key = tu_key_first8 };
    asynrole_options_t options = {
        .io = self->io, .requests = &requests, .max_bytes = ROLE_BYTES, .send_queue = CHURN_BYTES
    };
    self->requester =
        tu_manager_new (s_manager_cb, &self->requester_counts, self->peer_text, NULL, &options);
    //  The storm's Agent: 127.0.0.2 denied, LIMIT_RATE a second per source
    static const char *const deny[] = { "127.0.0.2" };
    asynrole_filter_t filter = {
        .deny = deny, .deny_count = 1, .rate = LIMIT_RATE, .burst = LIMIT_BURST
    };
    asynrole_options_t storm = {
        .io = self->io, .max_bytes = ROLE_BYTES, .rcvbuf = 256 * KIB, .filter = &filter
    };
    self->storm = tu_agent_new (s_agent_cb, &self->storm_counts, "127.0.0.1:0", &storm);
    asynrole_options_t icmp = { .io = self->io,
                                .max_bytes = ROLE_BYTES,
                                .send_queue = CHURN_BYTES };
    self->icmp = tu_manager_new (s_manager_cb, &self->icmp_counts, NULL, "127.0.0.1:0", &icmp);
    self->closed = tu_closed_port (AF_INET);
    self->pool_size = 8 + (size_t) CHURN_PER_S * (size_t) ld_seconds ();
    self->pool = calloc (self->pool_size, sizeof *self->pool);
    assert_non_null (self->pool);
    asynrole_addr_t bound;
    self->churn_fd = tu_client ("127.0.0.1", &bound);
    //  One role of each kind made and destroyed: what the first of a kind
    //  leaves for good (libzmq's, the allocator's) is in the baseline
    for (int kind = 0; kind < 4; kind++)
        s_churn_once (self, kind);
}

//  What the process has: the baseline and the end are compared
typedef struct {
    int fds;
    int threads;
    size_t heap;
    size_t rss;
} census_t;

static census_t
s_census (void)
{
    census_t census = { tu_open_fds (), ld_threads (), tu_heap_bytes (), ld_rss () };
    return census;
}

//  -------------------------------------------------------------------------
//  The run

typedef struct {
    ld_udp_t storm, noisy, denied;  //  the storm's three sources
    ld_pacer_t *pacers[5 + STATS_THREADS];
    uint64_t done[5 + STATS_THREADS];
    uint64_t failed[5 + STATS_THREADS];
} load_t;

enum {
    REQUESTS,
    STORM,
    NOISY,
    DENIED,
    ICMP,
    STATS
};

static void
s_load_start (soak_t *self, load_t *load)
{
    const asynrole_addr_t *to = asynrole_agent_local (self->storm, 0);
    ld_udp_open (&load->storm, "127.0.0.1", to, 16);
    ld_udp_open (&load->noisy, "127.0.0.3", to, 16);
    ld_udp_open (&load->denied, "127.0.0.2", to, 16);
    load->pacers[REQUESTS] = ld_pacer_new (s_requester_call, self, REQUEST_RATE);
    load->pacers[STORM] = ld_pacer_new (ld_udp_send, &load->storm, STORM_RATE);
    load->pacers[NOISY] = ld_pacer_new (ld_udp_send, &load->noisy, NOISY_RATE);
    load->pacers[DENIED] = ld_pacer_new (ld_udp_send, &load->denied, DENIED_RATE);
    load->pacers[ICMP] = ld_pacer_new (s_icmp_call, self, ICMP_RATE);
    for (int i = 0; i < STATS_THREADS; i++)
        load->pacers[STATS + i] = ld_pacer_new (s_stats_call, self, STATS_RATE);
    for (int i = 0; i < STATS + STATS_THREADS; i++)
        assert_non_null (load->pacers[i]);
}

static void
s_load_stop (load_t *load)
{
    for (int i = 0; i < STATS + STATS_THREADS; i++) {
        load->failed[i] = ld_pacer_failed (load->pacers[i]);
        load->done[i] = ld_pacer_destroy (&load->pacers[i]);
    }
    ld_udp_close (&load->storm);
    ld_udp_close (&load->noisy);
    ld_udp_close (&load->denied);
}

//  Is the storm accounted for: sent = read + dropped by the kernel; read =
//  delivered + dropped + filtered + rate limited; each drop reported?
static bool
s_storm_accounted (soak_t *self, uint64_t sent, asynrole_stats_t *stats)
{
    *stats = tu_agent_stats (self->storm, 0);
    counts_t *counts = &self->storm_counts;
    return stats->rx_datagrams + stats->kernel_dropped == sent
        && atomic_load (&counts->datagrams) + stats->dropped + stats->filtered + stats->rate_limited
        == stats->rx_datagrams
        && atomic_load (&counts->queue) == stats->dropped
        && atomic_load (&counts->filter) == stats->filtered
        && atomic_load (&counts->rate) == stats->rate_limited;
}

//  Every send to the closed port left or was refused, and every ICMP error
//  it brought was delivered or counted lost
static bool
s_icmp_accounted (soak_t *self, uint64_t sent, asynrole_stats_t *stats)
{
    *stats = tu_manager_stats (self->icmp);
    counts_t *counts = &self->icmp_counts;
    return stats->tx_datagrams + stats->tx_failed == sent && stats->tx_backlog == 0
        && atomic_load (&counts->icmp) == stats->errors
        && atomic_load (&counts->lost) == stats->errors_dropped;
}

//  Wait, with a deadline, until what was under way has ended
static void
s_drain (soak_t *self, const load_t *load, asynrole_stats_t *storm, asynrole_stats_t *icmp)
{
    uint64_t storm_sent = load->done[STORM] + load->done[NOISY] + load->done[DENIED];
    counts_t *requests = &self->requester_counts;
    int64_t end = tu_now () + 30000;
    while (true) {
        bool done = atomic_load (&requests->results) == atomic_load (&requests->accepted);
        done &= s_storm_accounted (self, storm_sent, storm);
        done &= s_icmp_accounted (self, load->done[ICMP], icmp);
        if (done || tu_now () >= end)
            break;
        s_wait_progress (100);
    }
}

static void
s_report (soak_t *self, const load_t *load, const asynrole_stats_t *storm,
          const asynrole_stats_t *icmp)
{
    counts_t *requests = &self->requester_counts;
    print_message (
        "soak: %d s; roles made and destroyed: %zu Managers (callback), %zu (pipe), %zu Agents "
        "(callback), %zu (pipe); requests: %llu accepted, %llu results; storm: %llu sent, %llu "
        "read, %llu kernel dropped, %llu delivered, %llu dropped, %llu filtered, %llu rate "
        "limited; closed port: %llu sent, %llu ICMP errors, %llu lost; counter reads: %llu "
        "(%llu failed); peer: %zu received, %zu answered; the slowest _new %.1f ms, _destroy "
        "%.1f ms\n",
        ld_seconds (), self->made_kind[0], self->made_kind[1], self->made_kind[2],
        self->made_kind[3], (unsigned long long) atomic_load (&requests->accepted),
        (unsigned long long) atomic_load (&requests->results),
        (unsigned long long) (load->done[STORM] + load->done[NOISY] + load->done[DENIED]),
        (unsigned long long) storm->rx_datagrams, (unsigned long long) storm->kernel_dropped,
        (unsigned long long) atomic_load (&self->storm_counts.datagrams),
        (unsigned long long) storm->dropped, (unsigned long long) storm->filtered,
        (unsigned long long) storm->rate_limited, (unsigned long long) load->done[ICMP],
        (unsigned long long) atomic_load (&self->icmp_counts.icmp),
        (unsigned long long) icmp->errors_dropped,
        (unsigned long long) (load->done[STATS] + load->done[STATS + 1] + load->done[STATS + 2]),
        (unsigned long long) (load->failed[STATS] + load->failed[STATS + 1]
                              + load->failed[STATS + 2]),
        fp_received (self->peer), fp_answered (self->peer), (double) self->slowest_new / 1e3,
        (double) self->slowest_destroy / 1e3);
}

static void
s_check (soak_t *self, const load_t *load, const asynrole_stats_t *storm,
         const asynrole_stats_t *icmp)
{
    if (self->failures)
        fail_msg ("%llu roles or requests could not be made, the first: %s",
                  (unsigned long long) self->failures, self->failure);
    if (self->refused)
        fail_msg ("%llu requests refused, the first: %s", (unsigned long long) self->refused,
                  self->first_refused.detail);
    assert_int_equal (atomic_load (&s_after_destroy), 0);
    assert_int_equal (self->unended, 0);
    //  Every request of the requester ended, exactly once each
    counts_t *requests = &self->requester_counts;
    assert_int_equal (atomic_load (&requests->results), atomic_load (&requests->accepted));
    for (size_t slot = 0; slot < RING; slot++)
        if (self->made[slot] != self->ended[slot])
            fail_msg ("handles %zu + k * %u: %u made, %u results (modulo 256)", slot, RING,
                      self->made[slot], self->ended[slot]);
    //  Every datagram of the storm counted, by reason, each drop reported
    assert_true (s_storm_accounted (self,
                                    load->done[STORM] + load->done[NOISY] + load->done[DENIED],
                                    (asynrole_stats_t *) storm));
    assert_true (storm->filtered > 0 && storm->rate_limited > 0);
    //  Every ICMP error delivered or counted lost
    assert_true (s_icmp_accounted (self, load->done[ICMP], (asynrole_stats_t *) icmp));
    assert_true (atomic_load (&self->icmp_counts.icmp) > 0);
    //  Nothing else reached the long-lived roles
    assert_int_equal (atomic_load (&self->storm_counts.other), 0);
    assert_int_equal (atomic_load (&self->icmp_counts.other), 0);
    assert_int_equal (atomic_load (&requests->other), 0);
    //  Counters read from every thread, every time
    for (int i = STATS; i < STATS + STATS_THREADS; i++)
        assert_int_equal (load->failed[i], 0);
}

//  Descriptors and threads as before, exactly (with no object alive);
//  memory grown from the baseline (after the set-up) within its bounds
static void
s_check_growth (const census_t *idle, const census_t *base, const census_t *end, size_t rss_peak)
{
    const char *tool;
    size_t rss_bound = RSS_BOUND + ld_tool_allowance (RSS_BOUND, &tool);
    print_message ("soak: descriptors %d -> %d (%d with the set-up), threads %d -> %d (%d), "
                   "heap %zu -> %zu KiB (bound +%u), RSS %zu -> %zu KiB (peak %zu, bound "
                   "+%zu; tool: %s)\n",
                   idle->fds, end->fds, base->fds, idle->threads, end->threads, base->threads,
                   base->heap / KIB, end->heap / KIB, HEAP_BOUND / KIB, base->rss / KIB,
                   end->rss / KIB, rss_peak / KIB, rss_bound / KIB, tool);
    assert_int_equal (end->fds, idle->fds);
    assert_int_equal (end->threads, idle->threads);
    assert_true (end->heap <= base->heap + HEAP_BOUND);
    assert_true (rss_peak <= base->rss + rss_bound);
}

//  A thread that does nothing: with it started first, the sanitizers'
//  runtimes start their own (TSan's background thread) before the census
static void *
s_nothing (void *arg)
{
    return arg;
}

static void
test_soak_mixed (void **state)
{
    (void) state;
    soak_t *self = calloc (1, sizeof *self);
    assert_non_null (self);
    //  Descriptors and threads with no asynrole object alive: then exact
    //  (the last object terminates libzmq's context, whose reaper closes
    //  sockets after zmq_close returns), and after a first thread
    pthread_t first;
    assert_int_equal (pthread_create (&first, NULL, s_nothing, NULL), 0);
    pthread_join (first, NULL);
    census_t idle = s_census ();
    s_setup (self);
    census_t base = s_census ();
    load_t load;
    memset (&load, 0, sizeof load);
    s_load_start (self, &load);
    pthread_t churn;
    atomic_init (&self->churn_stop, false);
    assert_int_equal (pthread_create (&churn, NULL, s_churn, self), 0);
    size_t rss_peak = base.rss;
    for (int second = 0; second < ld_seconds (); second++) {
        ld_pause (1000);
        size_t rss = ld_rss ();
        rss_peak = rss > rss_peak ? rss : rss_peak;
    }
    atomic_store (&self->churn_stop, true);
    pthread_join (churn, NULL);
    s_load_stop (&load);
    asynrole_stats_t storm, icmp;
    s_drain (self, &load, &storm, &icmp);
    census_t end = s_census ();
    s_report (self, &load, &storm, &icmp);
    s_check (self, &load, &storm, &icmp);
    tu_manager_destroy (&self->requester);
    tu_manager_destroy (&self->icmp);
    tu_agent_destroy (&self->storm);
    tu_io_destroy (&self->io);
    fp_destroy (&self->peer);
    close (self->churn_fd);
    census_t idle_end = s_census ();
    end.fds = idle_end.fds;
    end.threads = idle_end.threads;
    s_check_growth (&idle, &base, &end, rss_peak);
    free (self->pool);
    free (self->made);
    free (self->ended);
    free (self);
}

int
main (int argc, char **argv)
{
    tu_cond_init (&s_cond);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown (test_soak_mixed, fp_teardown),
    };
    return tu_main (tests, argc, argv);
}
