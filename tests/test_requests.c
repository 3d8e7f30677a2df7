/*  test_requests.c - the Manager's request engine against the fault peer:
    attempts, late and duplicate replies, validators, keys, peer checks,
    backoff against the clock, limits, cancel, counters, and the end of a
    Manager with requests under way */
#include "testutil.h"
#include "fault_peer.h"
#include <limits.h>

//  -------------------------------------------------------------------------
//  Results: what the result callbacks saw, waited on with a deadline

typedef struct {
    uint64_t handle;
    asynrole_code_t code;  //  0 with a reply
    int attempts;
    int attempt;
    int64_t rtt_us;
    int64_t at_us;     //  when the callback ran
    uint8_t data[64];  //  the reply's first bytes
    size_t size;
    asynrole_addr_t peer;
} result_t;

typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;  //  CLOCK_MONOTONIC
    result_t *results;
    size_t count;
    size_t room;
} results_t;

static results_t *s_results_new (size_t room);
static void s_results_destroy (results_t **self_p);

//  The results the test made, for the teardown
#define MAX_OBJECTS 16
static results_t *s_all_results[MAX_OBJECTS];

static results_t *
s_results_new (size_t room)
{
    results_t *self = calloc (1, sizeof *self);
    assert_non_null (self);
    self->results = calloc (room, sizeof *self->results);
    assert_non_null (self->results);
    self->room = room;
    pthread_mutex_init (&self->mutex, NULL);
    tu_cond_init (&self->cond);
    for (size_t i = 0; i < MAX_OBJECTS; i++)
        if (!s_all_results[i]) {
            s_all_results[i] = self;
            break;
        }
    return self;
}

static void
s_results_destroy (results_t **self_p)
{
    results_t *self = *self_p;
    *self_p = NULL;
    if (!self)
        return;
    for (size_t i = 0; i < MAX_OBJECTS; i++)
        if (s_all_results[i] == self)
            s_all_results[i] = NULL;
    pthread_mutex_destroy (&self->mutex);
    pthread_cond_destroy (&self->cond);
    free (self->results);
    free (self);
}

static void
s_result_cb (asynrole_manager_t *manager, void *ctx, const asynrole_result_t *result)
{
    (void) manager;
    results_t *self = (results_t *) ctx;
    pthread_mutex_lock (&self->mutex);
    if (self->count < self->room) {
        result_t *copy = &self->results[self->count];
        copy->handle = result->handle;
        copy->code = result->error ? result->error->code : 0;
        copy->attempts = result->attempts;
        copy->attempt = result->attempt;
        copy->rtt_us = result->rtt_us;
        copy->at_us = tu_now () * 1000;
        if (result->reply) {
            copy->size = result->reply->size;
            memcpy (copy->data, result->reply->data,
                    result->reply->size < sizeof copy->data ? result->reply->size
                                                            : sizeof copy->data);
            copy->peer = result->reply->peer;
        }
    }
    self->count++;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

static bool
s_results_wait (results_t *self, size_t n, int timeout_ms)
{
    return tu_wait_count (&self->mutex, &self->cond, &self->count, n, timeout_ms);
}

static size_t
s_results_count (results_t *self)
{
    return tu_read_count (&self->mutex, &self->count);
}

//  The result of handle, failing the test when there is none
static const result_t *
s_result_of (results_t *self, uint64_t handle)
{
    pthread_mutex_lock (&self->mutex);
    const result_t *found = NULL;
    for (size_t i = 0; i < self->count && i < self->room; i++)
        if (self->results[i].handle == handle)
            found = &self->results[i];
    pthread_mutex_unlock (&self->mutex);
    if (!found)
        fail_msg ("no result for request %llu", (unsigned long long) handle);
    return found;
}

//  -------------------------------------------------------------------------
//  Helpers

static fault_peer_t *
s_peer (const fp_options_t *options)
{
    fault_peer_t *peer = fp_new (options);
    assert_non_null (peer);
    return peer;
}

static fault_peer_t *
s_echo_peer (void)
{
    fp_options_t options = { .bind = "127.0.0.1:0" };
    return s_peer (&options);
}

static int
s_teardown (void **state)
{
    //  Managers first: their callbacks write into the results
    int rc = tu_teardown (state);
    fp_destroy_all ();
    for (size_t i = 0; i < MAX_OBJECTS; i++)
        s_results_destroy (&s_all_results[i]);
    return rc;
}

//  A Manager with request settings (NULL: the defaults) and a collector
//  for what is not a reply
static asynrole_manager_t *
s_manager (const asynrole_requests_t *requests, tu_collector_t *plain)
{
    asynrole_options_t options = { .requests = requests };
    return tu_manager_new (plain ? tu_manager_collect_cb : NULL, plain, NULL, "127.0.0.1:0",
                           &options);
}

//  Make a request; fails the test when the call does
static uint64_t
s_request (asynrole_manager_t *manager, const void *data, size_t size, const asynrole_addr_t *to,
           const asynrole_policy_t *policy, results_t *results)
{
    asynrole_request_t request = {
        .data = data, .size = size, .destination = to, .policy = policy, .ctx = results
    };
    asynrole_error_t error;
    uint64_t handle = 0;
    if (asynrole_manager_request (manager, &request, s_result_cb, &handle, &error))
        fail_msg ("asynrole_manager_request: %s", error.detail);
    assert_int_not_equal (handle, 0);
    return handle;
}

static asynrole_requests_stats_t
s_stats (asynrole_manager_t *manager)
{
    asynrole_requests_stats_t stats;
    asynrole_error_t error;
    if (asynrole_manager_requests_stats (manager, &stats, &error))
        fail_msg ("asynrole_manager_requests_stats: %s", error.detail);
    return stats;
}

//  Each attempt after the first carries its number in byte 7 (its key changes)
static size_t
s_rewrite (void *ctx, uint64_t handle, int attempt, uint8_t *data, size_t size, size_t room)
{
    (void) ctx;
    (void) handle;
    (void) room;
    if (size >= 8)
        data[7] = (uint8_t) attempt;
    return size;
}

//  -------------------------------------------------------------------------
//  Replies and attempts

static void
test_request_reply (void **state)
{
    (void) state;
    fault_peer_t *peer = s_echo_peer ();
    tu_collector_t *plain = tu_collector_new ();
    asynrole_manager_t *manager = s_manager (NULL, plain);
    results_t *results = s_results_new (4);
    asynrole_policy_t policy = { .timeout = TU_TIMEOUT_MS };
    uint64_t handle = s_request (manager, "hello", 5, fp_addr (peer), &policy, results);
    assert_true (s_results_wait (results, 1, TU_TIMEOUT_MS));
    const result_t *result = s_result_of (results, handle);
    assert_int_equal (result->code, 0);
    assert_int_equal (result->attempts, 1);
    assert_int_equal (result->attempt, 0);
    assert_true (result->rtt_us > 0);
    assert_int_equal (result->size, 5);
    assert_memory_equal (result->data, "hello", 5);
    assert_true (asynrole_addr_equal (&result->peer, fp_addr (peer)));
    //  A reply goes to its request alone
    assert_int_equal (tu_collector_count (plain), 0);
    asynrole_requests_stats_t stats = s_stats (manager);
    assert_int_equal (stats.requests, 1);
    assert_int_equal (stats.replies, 1);
    assert_int_equal (stats.in_flight, 0);
    assert_int_equal (stats.queued, 0);
    asynrole_destination_stats_t dests[2];
    asynrole_error_t error;
    assert_int_equal (asynrole_manager_destinations (manager, dests, 2, &error), 1);
    assert_true (asynrole_addr_equal (&dests[0].destination, fp_addr (peer)));
    assert_int_equal (dests[0].requests, 1);
    assert_int_equal (dests[0].replies, 1);
    assert_true (dests[0].srtt_us > 0);
    assert_int_equal (dests[0].srtt_us, result->rtt_us);
    assert_int_equal (dests[0].rttvar_us, result->rtt_us / 2);
    tu_manager_destroy (&manager);
}

//  A peer that drops the first two attempts: the third is answered
static void
test_exact_attempts (void **state)
{
    (void) state;
    fp_action_t script[] = { { .drop = true }, { .drop = true } };
    fp_options_t options = { .script = script, .script_len = 2 };
    fault_peer_t *peer = s_peer (&options);
    asynrole_manager_t *manager = s_manager (NULL, NULL);
    results_t *results = s_results_new (4);
    //  Long waits: the answer to attempt 2 comes well within its wait,
    //  even on a loaded machine, so attempt counts are exact
    asynrole_policy_t policy = { .timeout = 400, .retries = 5 };
    uint64_t handle = s_request (manager, "x", 1, fp_addr (peer), &policy, results);
    assert_true (s_results_wait (results, 1, TU_TIMEOUT_MS));
    const result_t *result = s_result_of (results, handle);
    assert_int_equal (result->code, 0);
    assert_int_equal (result->attempts, 3);
    assert_int_equal (result->attempt, 2);
    assert_int_equal (fp_received (peer), 3);
    asynrole_requests_stats_t stats = s_stats (manager);
    assert_int_equal (stats.retries, 2);
    assert_int_equal (stats.late, 0);
    tu_manager_destroy (&manager);
}

//  A silent peer: exactly 1 + retries attempts, then ENORESPONSE
static void
test_no_response (void **state)
{
    (void) state;
    fp_options_t options = { .otherwise = { .drop = true } };
    fault_peer_t *peer = s_peer (&options);
    asynrole_manager_t *manager = s_manager (NULL, NULL);
    results_t *results = s_results_new (4);
    asynrole_policy_t policy = { .timeout = 30, .retries = 3 };
    uint64_t handle = s_request (manager, "x", 1, fp_addr (peer), &policy, results);
    assert_true (s_results_wait (results, 1, TU_TIMEOUT_MS));
    const result_t *result = s_result_of (results, handle);
    assert_int_equal (result->code, ASYNROLE_ENORESPONSE);
    assert_int_equal (result->attempts, 4);
    assert_int_equal (result->attempt, -1);
    //  The last attempt went unanswered: the peer's thread may read it after
    //  the result came (a busy machine); wait for it, then count exactly
    assert_true (fp_wait_received (peer, 4, TU_TIMEOUT_MS));
    assert_int_equal (fp_received (peer), 4);
    asynrole_requests_stats_t stats = s_stats (manager);
    assert_int_equal (stats.timeouts, 1);
    assert_int_equal (stats.retries, 3);
    tu_manager_destroy (&manager);
    //  Nothing more was sent after the end
    assert_int_equal (fp_received (peer), 4);
}

//  The reply to the first attempt comes during the second's wait: accepted,
//  as an answer to attempt 0 (the keys tell), and counted late
static void
test_late_reply (void **state)
{
    (void) state;
    //  The peer holds every answer and drops attempt 1: the test lets the
    //  answer to attempt 0 go once attempt 1 is out
    fp_action_t script[] = { { .drop = false }, { .drop = true } };
    fp_options_t options = { .script = script, .script_len = 2, .hold = true };
    fault_peer_t *peer = s_peer (&options);
    asynrole_requests_t requests = { .key = tu_key_first8, .on_attempt = s_rewrite };
    asynrole_manager_t *manager = s_manager (&requests, NULL);
    results_t *results = s_results_new (4);
    //  Attempt 0 waits 1 s, attempt 1 waits 2 s: time enough to let it go
    asynrole_policy_t slow = { .timeout = 1000,
                               .retries = 1,
                               .backoff = ASYNROLE_BACKOFF_EXPONENTIAL };
    uint8_t data[8] = { 1, 2, 3, 4, 5, 6, 0, 0 };
    uint64_t handle = s_request (manager, data, sizeof data, fp_addr (peer), &slow, results);
    assert_true (fp_wait_received (peer, 2, TU_TIMEOUT_MS));
    assert_int_equal (fp_release (peer, 1), 1);
    assert_true (s_results_wait (results, 1, TU_TIMEOUT_MS));
    const result_t *result = s_result_of (results, handle);
    assert_int_equal (result->code, 0);
    assert_int_equal (result->attempts, 2);
    assert_int_equal (result->attempt, 0);
    assert_int_equal (result->data[7], 0);
    //  rtt from attempt 0's send: more than its whole wait
    assert_true (result->rtt_us >= 1000000);
    asynrole_requests_stats_t stats = s_stats (manager);
    assert_int_equal (stats.late, 1);
    assert_int_equal (stats.replies, 1);
    asynrole_destination_stats_t dest;
    asynrole_error_t error;
    assert_int_equal (asynrole_manager_destinations (manager, &dest, 1, &error), 1);
    assert_int_equal (dest.late, 1);
    assert_int_equal (dest.retries, 1);
    //  Keys tell the attempts apart: a sample, Karn allowing
    assert_int_equal (dest.srtt_us, result->rtt_us);
    assert_int_equal (dest.rttvar_us, result->rtt_us / 2);
    tu_manager_destroy (&manager);
}

//  Three copies of one reply: one final callback; the other two are plain
//  datagrams, counted as unmatched
static void
test_duplicates (void **state)
{
    (void) state;
    fp_options_t options = { .otherwise = { .copies = 3 } };
    fault_peer_t *peer = s_peer (&options);
    tu_collector_t *plain = tu_collector_new ();
    asynrole_manager_t *manager = s_manager (NULL, plain);
    results_t *results = s_results_new (4);
    asynrole_policy_t policy = { .timeout = TU_TIMEOUT_MS };
    s_request (manager, "dup", 3, fp_addr (peer), &policy, results);
    assert_true (s_results_wait (results, 1, TU_TIMEOUT_MS));
    assert_true (tu_collector_wait_datagrams (plain, 2, TU_TIMEOUT_MS));
    assert_int_equal (s_results_count (results), 1);
    assert_memory_equal (tu_collector_datagram (plain, 0)->data, "dup", 3);
    asynrole_requests_stats_t stats = s_stats (manager);
    assert_int_equal (stats.replies, 1);
    assert_int_equal (stats.unmatched, 2);
    tu_manager_destroy (&manager);
    assert_int_equal (s_results_count (results), 1);
}

//  -------------------------------------------------------------------------
//  Validators and keys

//  Answers "bad" to the first datagram, "good" to the rest
static int
s_bad_then_good (void *ctx, size_t index, const uint8_t *data, size_t size, uint8_t *out,
                 size_t room)
{
    (void) ctx;
    (void) data;
    (void) size;
    (void) room;
    memcpy (out, index == 0 ? "bad" : "good", index == 0 ? 3 : 4);
    return index == 0 ? 3 : 4;
}

static bool
s_want_good (void *ctx, const asynrole_datagram_t *reply)
{
    (void) ctx;
    return reply->size == 4 && memcmp (reply->data, "good", 4) == 0;
}

static void
test_validator (void **state)
{
    (void) state;
    fp_options_t options = { .answer = s_bad_then_good };
    fault_peer_t *peer = s_peer (&options);
    tu_collector_t *plain = tu_collector_new ();
    asynrole_manager_t *manager = s_manager (NULL, plain);
    results_t *results = s_results_new (4);
    asynrole_policy_t policy = { .timeout = 400, .retries = 3 };
    asynrole_request_t request = { .data = "q",
                                   .size = 1,
                                   .destination = fp_addr (peer),
                                   .policy = &policy,
                                   .validate = s_want_good,
                                   .ctx = results };
    uint64_t handle;
    asynrole_error_t error;
    assert_int_equal (asynrole_manager_request (manager, &request, s_result_cb, &handle, &error),
                      0);
    assert_true (s_results_wait (results, 1, TU_TIMEOUT_MS));
    const result_t *result = s_result_of (results, handle);
    assert_int_equal (result->code, 0);
    assert_memory_equal (result->data, "good", 4);
    assert_int_equal (result->attempts, 2);
    assert_int_equal (result->attempt, 1);
    //  The refused reply went on as a plain datagram
    assert_true (tu_collector_wait_datagrams (plain, 1, TU_TIMEOUT_MS));
    assert_memory_equal (tu_collector_datagram (plain, 0)->data, "bad", 3);
    asynrole_requests_stats_t stats = s_stats (manager);
    assert_int_equal (stats.rejected, 1);
    assert_int_equal (stats.unmatched, 0);
    tu_manager_destroy (&manager);
}

//  Ten requests, their replies held and sent newest first: each request
//  gets its own, by key
static void
test_keys_out_of_order (void **state)
{
    (void) state;
    fp_options_t options = { .hold = true };
    fault_peer_t *peer = s_peer (&options);
    asynrole_requests_t requests = { .key = tu_key_first8 };
    asynrole_manager_t *manager = s_manager (&requests, NULL);
    results_t *results = s_results_new (16);
    asynrole_policy_t policy = { .timeout = TU_TIMEOUT_MS };
    uint64_t handles[10];
    for (uint8_t i = 0; i < 10; i++) {
        uint8_t data[9] = { i, 0, 0, 0, 0, 0, 0, 0, (uint8_t) (100 + i) };
        handles[i] = s_request (manager, data, sizeof data, fp_addr (peer), &policy, results);
    }
    assert_true (fp_wait_received (peer, 10, TU_TIMEOUT_MS));
    assert_int_equal (fp_release (peer, 10), 10);
    assert_true (s_results_wait (results, 10, TU_TIMEOUT_MS));
    for (uint8_t i = 0; i < 10; i++) {
        const result_t *result = s_result_of (results, handles[i]);
        assert_int_equal (result->code, 0);
        assert_int_equal (result->data[0], i);
        assert_int_equal (result->data[8], 100 + i);
    }
    //  Newest first: the last request ended first
    assert_int_equal (results->results[0].handle, handles[9]);
    tu_manager_destroy (&manager);
}

//  -------------------------------------------------------------------------
//  Peer checks

typedef struct {
    asynrole_check_t check;
    const char *other;  //  where the answers come from
    bool accepted;
    bool keyed;
    bool rejected;  //  refused (else, not accepted: unmatched, from a
                    //  host no request went to, without a key to tell)
} check_case_t;

static void
s_check_case (const check_case_t *c)
{
    fp_options_t options = { .other = c->other, .otherwise = { .other = true } };
    fault_peer_t *peer = s_peer (&options);
    tu_collector_t *plain = tu_collector_new ();
    asynrole_requests_t requests = { .check = c->check, .key = c->keyed ? tu_key_first8 : NULL };
    asynrole_manager_t *manager = s_manager (&requests, plain);
    results_t *results = s_results_new (4);
    asynrole_policy_t policy = { .timeout = c->accepted ? TU_TIMEOUT_MS : 200 };
    uint8_t data[8] = { 7, 7, 7, 7, 7, 7, 7, 7 };
    uint64_t handle = s_request (manager, data, sizeof data, fp_addr (peer), &policy, results);
    assert_true (s_results_wait (results, 1, TU_TIMEOUT_MS));
    const result_t *result = s_result_of (results, handle);
    asynrole_requests_stats_t stats = s_stats (manager);
    if (c->accepted) {
        assert_int_equal (result->code, 0);
        assert_true (asynrole_addr_equal (&result->peer, fp_other (peer)));
        assert_int_equal (stats.rejected, 0);
    }
    else {
        assert_int_equal (result->code, ASYNROLE_ENORESPONSE);
        assert_int_equal (stats.rejected, c->rejected ? 1 : 0);
        assert_int_equal (stats.unmatched, c->rejected ? 0 : 1);
        assert_true (tu_collector_wait_datagrams (plain, 1, TU_TIMEOUT_MS));
        assert_true (
            asynrole_addr_equal (&tu_collector_datagram (plain, 0)->peer, fp_other (peer)));
        asynrole_destination_stats_t dest;
        asynrole_error_t error;
        assert_int_equal (asynrole_manager_destinations (manager, &dest, 1, &error), 1);
        assert_int_equal (dest.rejected, c->rejected ? 1 : 0);
    }
    tu_manager_destroy (&manager);
}

static void
test_peer_check (void **state)
{
    (void) state;
    const check_case_t cases[] = {
        //  Another port of the destination's address
        { ASYNROLE_CHECK_STRICT, "127.0.0.1:0", false, false, true },
        { ASYNROLE_CHECK_STRICT, "127.0.0.1:0", false, true, true },
        { ASYNROLE_CHECK_ADDRESS, "127.0.0.1:0", true, false, false },
        { ASYNROLE_CHECK_ADDRESS, "127.0.0.1:0", true, true, false },
        //  Another address
        { ASYNROLE_CHECK_STRICT, "127.0.0.2:0", false, false, false },
        { ASYNROLE_CHECK_STRICT, "127.0.0.2:0", false, true, true },
        { ASYNROLE_CHECK_ADDRESS, "127.0.0.2:0", false, false, false },
        { ASYNROLE_CHECK_ADDRESS, "127.0.0.2:0", false, true, true },
        { ASYNROLE_CHECK_ANY, "127.0.0.2:0", true, false, false },
        { ASYNROLE_CHECK_ANY, "127.0.0.2:0", true, true, false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        s_check_case (&cases[i]);
}

//  -------------------------------------------------------------------------
//  Timing, measured against the clock

//  How late this machine wakes a sleeping thread right now: a thread that
//  sleeps 5 ms at a time and keeps its worst overshoot. On a 2-core
//  machine with CPU pressure near 100% (other suites, other builds) that
//  reaches hundreds of ms; idle, it is well under a millisecond.
typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    bool stop;
    int64_t worst_us;
    pthread_t thread;
} lateness_t;

static void *
s_lateness_run (void *arg)
{
    lateness_t *self = (lateness_t *) arg;
    pthread_mutex_lock (&self->mutex);
    //  Bounded: 12,000 turns of 5 ms at least (1 min); stop ends it early
    for (int i = 0; i < 12000 && !self->stop; i++) {
        int64_t before = tu_now_us ();
        struct timespec deadline = tu_deadline (5);
        pthread_cond_timedwait (&self->cond, &self->mutex, &deadline);
        int64_t late = tu_now_us () - before - 5000;
        if (!self->stop && late > self->worst_us)
            self->worst_us = late;
    }
    pthread_mutex_unlock (&self->mutex);
    return NULL;
}

static void
s_lateness_start (lateness_t *self)
{
    memset (self, 0, sizeof *self);
    pthread_mutex_init (&self->mutex, NULL);
    tu_cond_init (&self->cond);
    assert_int_equal (pthread_create (&self->thread, NULL, s_lateness_run, self), 0);
}

//  Stop it; its worst lateness (us)
static int64_t
s_lateness_stop (lateness_t *self)
{
    pthread_mutex_lock (&self->mutex);
    self->stop = true;
    pthread_cond_signal (&self->cond);
    pthread_mutex_unlock (&self->mutex);
    pthread_join (self->thread, NULL);
    pthread_cond_destroy (&self->cond);
    pthread_mutex_destroy (&self->mutex);
    return self->worst_us;
}

//  When the peer saw each attempt (the kernel's stamp). Each attempt leaves
//  no earlier than the one before plus its wait, so attempt k arrives no
//  earlier than start plus the waits before it (less 1 ms: the poll's
//  grain); a late arrival of one attempt (a busy machine) cannot make the
//  next look early. And no attempt comes far later than its wait after the
//  one before: slack_ms, plus twice the worst lateness a sleeping thread
//  saw meanwhile (late_us): an attempt leaves after two wake-ups, the
//  request engine's on its timer and the I/O thread's on its pipe, and on
//  a busy machine the scheduler delays each (idle, late_us is ~0).
static void
s_check_times (fault_peer_t *peer, int64_t start_us, const int *waits_ms, size_t count,
               int slack_ms, int64_t late_us)
{
    int64_t due = start_us;
    for (size_t i = 1; i <= count; i++) {
        due += (int64_t) waits_ms[i - 1] * 1000;
        int64_t at = fp_arrival (peer, i);
        int64_t gap = at - fp_arrival (peer, i - 1);
        if (at < due - 1000)
            fail_msg ("attempt %zu came %lld us after the start, before its %lld", i,
                      (long long) (at - start_us), (long long) (due - start_us));
        if (gap > (int64_t) (waits_ms[i - 1] + slack_ms) * 1000 + 2 * late_us)
            fail_msg ("attempt %zu came %lld us after the one before (wait %d ms + %d, a "
                      "sleeping thread woke up to %lld us late)",
                      i, (long long) gap, waits_ms[i - 1], slack_ms, (long long) late_us);
    }
}

static void
test_backoff (void **state)
{
    (void) state;
    fp_options_t options = { .otherwise = { .drop = true } };
    fault_peer_t *peer = s_peer (&options);
    asynrole_manager_t *manager = s_manager (NULL, NULL);
    results_t *results = s_results_new (4);
    //  Exponential: 40, 80, 160, then capped at 200, 200
    asynrole_policy_t policy = {
        .timeout = 40, .retries = 4, .backoff = ASYNROLE_BACKOFF_EXPONENTIAL, .max_timeout = 200
    };
    lateness_t lateness;
    s_lateness_start (&lateness);
    int64_t start = tu_now_us ();
    s_request (manager, "b", 1, fp_addr (peer), &policy, results);
    bool done = s_results_wait (results, 1, TU_TIMEOUT_MS);
    int64_t took = tu_now_us () - start;
    int64_t late_us = s_lateness_stop (&lateness);
    print_message ("a sleeping thread woke up to %lld us late meanwhile\n", (long long) late_us);
    assert_true (done);
    //  The last attempt went unanswered: the peer's thread may read it after
    //  the result came (a busy machine); wait for it, then count exactly
    assert_true (fp_wait_received (peer, 5, TU_TIMEOUT_MS));
    assert_int_equal (fp_received (peer), 5);
    const int waits[] = { 40, 80, 160, 200 };
    s_check_times (peer, start, waits, 4, 150, late_us);
    //  The end: the last attempt's wait after it
    assert_true (took >= (40 + 80 + 160 + 200 + 200) * 1000);
    tu_manager_destroy (&manager);
}

static void
test_jitter_and_deadline (void **state)
{
    (void) state;
    fp_options_t options = { .otherwise = { .drop = true }, .capacity = 64 };
    fault_peer_t *peer = s_peer (&options);
    asynrole_manager_t *manager = s_manager (NULL, NULL);
    results_t *results = s_results_new (4);
    //  Jitter 50%: each wait in [30, 60] ms; the deadline ends it at 600 ms
    asynrole_policy_t policy = { .timeout = 60, .retries = 100, .jitter = 50, .deadline = 600 };
    int64_t start = tu_now ();
    int64_t start_us = tu_now_us ();
    uint64_t handle = s_request (manager, "j", 1, fp_addr (peer), &policy, results);
    assert_true (s_results_wait (results, 1, TU_TIMEOUT_MS));
    int64_t took = tu_now () - start;
    const result_t *result = s_result_of (results, handle);
    assert_int_equal (result->code, ASYNROLE_ENORESPONSE);
    assert_true (took >= 600);
    //  Waits of 30 .. 60 ms (60 + 150 on a busy machine) in 600 ms
    assert_true (result->attempts >= 600 / 210 && result->attempts <= 600 / 30 + 1);
    //  The last attempt went unanswered: the peer's thread may read it after
    //  the result came (a busy machine); wait for it, then count exactly
    assert_true (fp_wait_received (peer, (size_t) result->attempts, TU_TIMEOUT_MS));
    size_t attempts = fp_received (peer);
    assert_int_equal (attempts, (size_t) result->attempts);
    int64_t low = INT64_MAX, high = 0;
    for (size_t i = 1; i < attempts; i++) {
        //  Each wait at least 30 ms: attempt i no earlier than i * 30 ms
        assert_true (fp_arrival (peer, i) - start_us >= (int64_t) i * 30000 - 1000);
        int64_t gap = fp_arrival (peer, i) - fp_arrival (peer, i - 1);
        assert_true (gap <= 210000);
        low = gap < low ? gap : low;
        high = gap > high ? gap : high;
    }
    //  Not one wait repeated: the draws differ
    assert_true (high - low > 3000);
    tu_manager_destroy (&manager);
}

//  -------------------------------------------------------------------------
//  Limits

//  In flight, counted from the hook: overall and per destination
typedef struct {
    pthread_mutex_t mutex;
    fault_peer_t *peers[4];
    int now, most;            //  overall
    int per[4], per_most[4];  //  per peer
} flight_t;

static int
s_peer_index (flight_t *flight, const asynrole_addr_t *destination)
{
    for (int i = 0; i < 4; i++)
        if (asynrole_addr_equal (fp_addr (flight->peers[i]), destination))
            return i;
    return -1;
}

static void
s_flight_hook (asynrole_manager_t *manager, void *ctx, const asynrole_request_info_t *info)
{
    (void) manager;
    flight_t *flight = (flight_t *) ctx;
    int i = s_peer_index (flight, info->destination);
    //  Only what was sent was in flight
    if (i < 0 || info->event == ASYNROLE_REQUEST_RETRIED || info->attempts == 0)
        return;
    pthread_mutex_lock (&flight->mutex);
    int step = info->event == ASYNROLE_REQUEST_SENT ? 1 : -1;
    flight->now += step;
    flight->per[i] += step;
    flight->most = flight->now > flight->most ? flight->now : flight->most;
    flight->per_most[i] =
        flight->per[i] > flight->per_most[i] ? flight->per[i] : flight->per_most[i];
    pthread_mutex_unlock (&flight->mutex);
}

//  10,000 requests to four peers that hold their answers until the test
//  lets them go: never more than 100 in flight, nor 30 to one peer, both
//  limits reached, every request answered
static size_t
s_release_all (flight_t *flight)
{
    size_t released = 0;
    for (int i = 0; i < 4; i++)
        released += fp_release (flight->peers[i], fp_held (flight->peers[i]));
    return released;
}

static void
test_in_flight_limits (void **state)
{
    (void) state;
    enum {
        TOTAL = 10000
    };
    flight_t flight = { .now = 0 };
    pthread_mutex_init (&flight.mutex, NULL);
    fp_options_t options = { .hold = true, .capacity = TOTAL };
    for (int i = 0; i < 4; i++)
        flight.peers[i] = s_peer (&options);
    asynrole_requests_t requests = { .max_in_flight = 100,
                                     .max_per_destination = 30,
                                     .max_queued = TOTAL,
                                     .hook = s_flight_hook,
                                     .hook_ctx = &flight };
    asynrole_manager_t *manager = s_manager (&requests, NULL);
    results_t *results = s_results_new (TOTAL);
    asynrole_policy_t policy = { .timeout = 600000 };
    //  Half to peer 0, the rest spread over the others: peer 0 reaches its
    //  30, the others fill the 100
    size_t expected[4] = { 0 };
    for (int i = 0; i < TOTAL; i++) {
        int peer = i % 2 == 0 ? 0 : 1 + (i / 2) % 3;
        expected[peer]++;
        s_request (manager, "L", 1, fp_addr (flight.peers[peer]), &policy, results);
    }
    //  Rounds: every request the engine let out reaches its peer and is
    //  held; then the peers let them all go, and the engine sends the next
    size_t done = 0;
    for (int round = 0; done < TOTAL && round < TOTAL; round++) {
        asynrole_destination_stats_t dests[4];
        asynrole_error_t error;
        assert_int_equal (asynrole_manager_destinations (manager, dests, 4, &error), 4);
        uint64_t in_flight = 0;
        for (int d = 0; d < 4; d++) {
            int i = s_peer_index (&flight, &dests[d].destination);
            assert_true (i >= 0);
            assert_true (dests[d].in_flight <= 30);
            in_flight += dests[d].in_flight;
            assert_true (fp_wait_received (flight.peers[i], dests[d].replies + dests[d].in_flight,
                                           TU_TIMEOUT_MS));
        }
        assert_true (in_flight <= 100);
        size_t released = s_release_all (&flight);
        assert_true (released > 0);
        assert_true (s_results_wait (results, done + released, TU_TIMEOUT_MS));
        done = s_results_count (results);
    }
    assert_int_equal (done, TOTAL);
    for (size_t i = 0; i < TOTAL; i++)
        assert_int_equal (results->results[i].code, 0);
    assert_int_equal (flight.most, 100);
    assert_int_equal (flight.per_most[0], 30);
    for (int i = 0; i < 4; i++) {
        assert_true (flight.per_most[i] <= 30);
        assert_int_equal (fp_received (flight.peers[i]), expected[i]);
    }
    asynrole_requests_stats_t stats = s_stats (manager);
    assert_int_equal (stats.requests, TOTAL);
    assert_int_equal (stats.replies, TOTAL);
    assert_int_equal (stats.in_flight, 0);
    assert_int_equal (stats.queued, 0);
    tu_manager_destroy (&manager);
    pthread_mutex_destroy (&flight.mutex);
}

//  Sent, from the hook: a condition to wait on
typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    size_t sent;
} sent_t;

static void
s_sent_hook (asynrole_manager_t *manager, void *ctx, const asynrole_request_info_t *info)
{
    (void) manager;
    sent_t *sent = (sent_t *) ctx;
    if (info->event != ASYNROLE_REQUEST_SENT)
        return;
    pthread_mutex_lock (&sent->mutex);
    sent->sent++;
    pthread_cond_broadcast (&sent->cond);
    pthread_mutex_unlock (&sent->mutex);
}

static bool
s_sent_wait (sent_t *sent, size_t n)
{
    return tu_wait_count (&sent->mutex, &sent->cond, &sent->sent, n, TU_TIMEOUT_MS);
}

static void
s_sent_init (sent_t *sent)
{
    memset (sent, 0, sizeof *sent);
    pthread_mutex_init (&sent->mutex, NULL);
    tu_cond_init (&sent->cond);
}

//  One in flight, five queued: the seventh is refused (EWOULDBLOCK), and
//  never calls back; cancel_all ends the six
static void
test_queue_bound (void **state)
{
    (void) state;
    fp_options_t options = { .hold = true };
    fault_peer_t *peer = s_peer (&options);
    sent_t sent;
    s_sent_init (&sent);
    asynrole_requests_t requests = {
        .max_in_flight = 1, .max_queued = 5, .hook = s_sent_hook, .hook_ctx = &sent
    };
    asynrole_manager_t *manager = s_manager (&requests, NULL);
    results_t *results = s_results_new (16);
    asynrole_policy_t policy = { .timeout = 30000 };
    s_request (manager, "1", 1, fp_addr (peer), &policy, results);
    assert_true (s_sent_wait (&sent, 1));
    for (int i = 0; i < 5; i++)
        s_request (manager, "q", 1, fp_addr (peer), &policy, results);
    asynrole_request_t request = {
        .data = "x", .size = 1, .destination = fp_addr (peer), .policy = &policy, .ctx = results
    };
    asynrole_error_t error;
    uint64_t handle = 0;
    assert_int_equal (asynrole_manager_request (manager, &request, s_result_cb, &handle, &error),
                      -1);
    assert_int_equal (error.code, ASYNROLE_EWOULDBLOCK);
    assert_int_equal (handle, 0);
    asynrole_requests_stats_t stats = s_stats (manager);
    assert_int_equal (stats.in_flight, 1);
    assert_int_equal (stats.queued, 5);
    assert_int_equal (asynrole_manager_cancel_all (manager, &error), 6);
    assert_int_equal (s_results_count (results), 6);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal (results->results[i].code, ASYNROLE_ECANCELLED);
    //  Room again
    s_request (manager, "2", 1, fp_addr (peer), &policy, results);
    assert_true (s_sent_wait (&sent, 2));
    stats = s_stats (manager);
    assert_int_equal (stats.cancelled, 6);
    assert_int_equal (stats.in_flight, 1);
    tu_manager_destroy (&manager);
    //  The last one ended with the Manager
    assert_int_equal (s_results_count (results), 7);
    assert_int_equal (results->results[6].code, ASYNROLE_ECLOSED);
    pthread_mutex_destroy (&sent.mutex);
    pthread_cond_destroy (&sent.cond);
}

//  100,000 requests outstanding at once on one socket; what each costs
static void
test_100k_outstanding (void **state)
{
    (void) state;
    enum {
        TOTAL = 100000,
        CHUNK = 256
    };
    //  The peer takes the whole burst: 100,000 datagrams in its buffer
    fp_options_t options = { .hold = true, .capacity = TOTAL, .rcvbuf = 64 << 20 };
    fault_peer_t *peer = s_peer (&options);
    if (fp_rcvbuf (peer) < (64 << 20)) {
        tu_skip ("a 64 MiB receive buffer needs root (SO_RCVBUFFORCE)");
        return;
    }
    asynrole_requests_t requests = { .key = tu_key_first8,
                                     .max_in_flight = TOTAL,
                                     .max_queued = TOTAL };
    asynrole_manager_t *manager = s_manager (&requests, NULL);
    results_t *results = s_results_new (TOTAL);
    asynrole_policy_t policy = { .timeout = 600000 };
    uint8_t data[16] = { 0 };
    size_t before = tu_heap_bytes ();
    int64_t start = tu_now ();
    for (uint32_t i = 0; i < TOTAL; i++) {
        memcpy (data, &i, sizeof i);
        s_request (manager, data, sizeof data, fp_addr (peer), &policy, results);
    }
    if (!fp_wait_received (peer, TOTAL, 120000))
        fail_msg ("the peer received %zu of %d", fp_received (peer), TOTAL);
    asynrole_requests_stats_t stats = s_stats (manager);
    assert_int_equal (stats.in_flight, TOTAL);
    size_t during = tu_heap_bytes ();
    double each = ((double) during - (double) before) / TOTAL - sizeof data;
    printf ("100,000 requests outstanding: %.0f bytes each beyond their %zu-byte payload "
            "(sent in %lld ms)\n",
            each, sizeof data, (long long) (tu_now () - start));
    assert_true (each <= 512);
    //  Let the replies go a chunk at a time, so the Manager's receive buffer
    //  never overflows
    for (size_t done = 0; done < TOTAL;) {
        done += fp_release (peer, CHUNK);
        assert_true (s_results_wait (results, done, 60000));
    }
    for (size_t i = 0; i < TOTAL; i++)
        assert_int_equal (results->results[i].code, 0);
    printf ("all answered in %lld ms\n", (long long) (tu_now () - start));
    stats = s_stats (manager);
    assert_int_equal (stats.replies, TOTAL);
    assert_int_equal (stats.unmatched, 0);
    tu_manager_destroy (&manager);
}

//  The order the peer saw requests in: each one's number, first bytes
typedef struct {
    uint32_t seen[4096];
    size_t count;
} order_t;

static int
s_note_order (void *ctx, size_t index, const uint8_t *data, size_t size, uint8_t *out, size_t room)
{
    (void) index;
    (void) room;
    order_t *order = (order_t *) ctx;
    if (size >= 4 && order->count < 4096)
        memcpy (&order->seen[order->count++], data, 4);
    memcpy (out, data, size);
    return (int) size;
}

//  A send queue of one record: most first attempts find it full and wait
//  in the engine's send queue; all go, in the order they were made
static void
test_send_queue_full (void **state)
{
    (void) state;
    enum {
        TOTAL = 2000
    };
    order_t *order = calloc (1, sizeof *order);
    assert_non_null (order);
    fp_options_t options = {
        .answer = s_note_order, .answer_ctx = order, .rcvbuf = 8 << 20, .capacity = TOTAL
    };
    fault_peer_t *peer = s_peer (&options);
    asynrole_requests_t requests = { .key = tu_key_first8 };
    //  The peer answers at once: under TSan the Manager's I/O actor can fall
    //  behind 2,000 replies, so its receive buffer holds them all (none retried)
    asynrole_options_t manager_options = { .requests = &requests,
                                           .send_queue = 64,
                                           .rcvbuf = 8 << 20 };
    asynrole_manager_t *manager =
        tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", &manager_options);
    results_t *results = s_results_new (TOTAL);
    asynrole_policy_t policy = { .timeout = 30000 };
    uint8_t data[8] = { 0 };
    for (uint32_t i = 0; i < TOTAL; i++) {
        memcpy (data, &i, sizeof i);
        s_request (manager, data, sizeof data, fp_addr (peer), &policy, results);
    }
    assert_true (s_results_wait (results, TOTAL, 60000));
    asynrole_stats_t io = tu_manager_stats (manager);
    printf ("Manager: rcvbuf %llu, kernel_dropped %llu\n", (unsigned long long) io.rcvbuf,
            (unsigned long long) io.kernel_dropped);
    for (size_t i = 0; i < TOTAL; i++)
        assert_int_equal (results->results[i].code, 0);
    //  Sent once each, in order
    assert_int_equal (fp_received (peer), TOTAL);
    for (uint32_t i = 0; i < TOTAL; i++)
        assert_int_equal (order->seen[i], i);
    asynrole_requests_stats_t stats = s_stats (manager);
    assert_int_equal (stats.retries, 0);
    //  The queue was full, and the attempts waited for it
    assert_true (stats.send_waits > 0);
    printf ("%llu of %d first attempts waited for the send queue\n",
            (unsigned long long) stats.send_waits, TOTAL);
    assert_int_equal (tu_manager_stats (manager).tx_datagrams, TOTAL);
    tu_manager_destroy (&manager);
    free (order);
}

//  -------------------------------------------------------------------------
//  Cancel, counters, the pipe

static void
test_cancel (void **state)
{
    (void) state;
    fp_options_t options = { .hold = true };
    fault_peer_t *peer = s_peer (&options);
    asynrole_manager_t *manager = s_manager (NULL, NULL);
    results_t *results = s_results_new (8);
    asynrole_policy_t policy = { .timeout = 30000 };
    uint64_t one = s_request (manager, "1", 1, fp_addr (peer), &policy, results);
    uint64_t two = s_request (manager, "2", 1, fp_addr (peer), &policy, results);
    uint64_t three = s_request (manager, "3", 1, fp_addr (peer), &policy, results);
    //  Without a key function: one in flight to the peer, two queued
    asynrole_requests_stats_t stats = s_stats (manager);
    assert_int_equal (stats.in_flight, 1);
    assert_int_equal (stats.queued, 2);
    asynrole_error_t error;
    //  A queued one; its callback has run when cancel returns
    assert_int_equal (asynrole_manager_cancel (manager, two, &error), 0);
    assert_int_equal (s_results_count (results), 1);
    assert_int_equal (s_result_of (results, two)->code, ASYNROLE_ECANCELLED);
    assert_int_equal (s_result_of (results, two)->attempts, 0);
    assert_int_equal (s_stats (manager).queued, 1);
    //  Not twice (it has ended: 1), and not what never was (EBADARG)
    assert_int_equal (asynrole_manager_cancel (manager, two, &error), 1);
    assert_int_equal (asynrole_manager_cancel (manager, 0, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (asynrole_manager_cancel (manager, three + 1000, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (asynrole_manager_cancel_all (manager, &error), 2);
    assert_int_equal (s_results_count (results), 3);
    assert_int_equal (s_result_of (results, one)->code, ASYNROLE_ECANCELLED);
    assert_int_equal (s_result_of (results, three)->code, ASYNROLE_ECANCELLED);
    assert_int_equal (asynrole_manager_cancel_all (manager, &error), 0);
    stats = s_stats (manager);
    assert_int_equal (stats.cancelled, 3);
    assert_int_equal (stats.requests, 3);
    assert_int_equal (stats.in_flight + stats.queued, 0);
    asynrole_destination_stats_t dest;
    assert_int_equal (asynrole_manager_destinations (manager, &dest, 1, &error), 1);
    assert_int_equal (dest.cancelled, 3);
    assert_int_equal (dest.in_flight, 0);
    //  Only the one in flight was ever sent
    assert_true (fp_wait_received (peer, 1, TU_TIMEOUT_MS));
    tu_manager_destroy (&manager);
    assert_int_equal (fp_received (peer), 1);
    assert_int_equal (s_results_count (results), 3);
}

//  Per destination: one peer answers the second attempt, one is silent
static void
test_destination_stats (void **state)
{
    (void) state;
    fp_action_t script[] = { { .drop = true } };
    fp_options_t answering = { .script = script, .script_len = 1 };
    fp_options_t silent = { .otherwise = { .drop = true } };
    fault_peer_t *good = s_peer (&answering);
    fault_peer_t *bad = s_peer (&silent);
    asynrole_manager_t *manager = s_manager (NULL, NULL);
    results_t *results = s_results_new (8);
    asynrole_policy_t policy = { .timeout = 400, .retries = 2 };
    s_request (manager, "g", 1, fp_addr (good), &policy, results);
    s_request (manager, "b", 1, fp_addr (bad), &policy, results);
    assert_true (s_results_wait (results, 2, TU_TIMEOUT_MS));
    asynrole_destination_stats_t dests[4];
    asynrole_error_t error;
    assert_int_equal (asynrole_manager_destinations (manager, dests, 4, &error), 2);
    asynrole_destination_stats_t *g =
        asynrole_addr_equal (&dests[0].destination, fp_addr (good)) ? &dests[0] : &dests[1];
    asynrole_destination_stats_t *b = g == &dests[0] ? &dests[1] : &dests[0];
    assert_true (asynrole_addr_equal (&b->destination, fp_addr (bad)));
    assert_int_equal (g->requests, 1);
    assert_int_equal (g->replies, 1);
    assert_int_equal (g->retries, 1);
    assert_int_equal (g->timeouts, 0);
    //  Karn: a reply after a retry, without keys, is no sample
    assert_int_equal (g->srtt_us, 0);
    assert_int_equal (b->requests, 1);
    assert_int_equal (b->replies, 0);
    assert_int_equal (b->retries, 2);
    assert_int_equal (b->timeouts, 1);
    //  Fewer records asked for than there are: the count says how many
    assert_int_equal (asynrole_manager_destinations (manager, dests, 1, &error), 2);
    assert_int_equal (asynrole_manager_destinations (manager, NULL, 0, &error), 2);
    assert_int_equal (asynrole_manager_reset_destinations (manager, &error), 0);
    assert_int_equal (asynrole_manager_destinations (manager, dests, 4, &error), 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal (dests[i].requests + dests[i].replies + dests[i].retries
                              + dests[i].timeouts + dests[i].in_flight,
                          0);
        assert_int_equal (dests[i].srtt_us, 0);
    }
    tu_manager_destroy (&manager);
}

//  At most max_destinations records: the one idle longest goes first
static void
test_destinations_forgotten (void **state)
{
    (void) state;
    fault_peer_t *peers[10];
    for (int i = 0; i < 10; i++)
        peers[i] = s_echo_peer ();
    asynrole_requests_t requests = { .max_destinations = 4 };
    asynrole_manager_t *manager = s_manager (&requests, NULL);
    results_t *results = s_results_new (16);
    asynrole_policy_t policy = { .timeout = TU_TIMEOUT_MS };
    for (size_t i = 0; i < 10; i++) {
        s_request (manager, "f", 1, fp_addr (peers[i]), &policy, results);
        assert_true (s_results_wait (results, i + 1, TU_TIMEOUT_MS));
    }
    asynrole_destination_stats_t dests[8];
    asynrole_error_t error;
    assert_int_equal (asynrole_manager_destinations (manager, dests, 8, &error), 4);
    for (int i = 0; i < 4; i++) {
        bool recent = false;
        for (int p = 6; p < 10; p++)
            recent |= asynrole_addr_equal (&dests[i].destination, fp_addr (peers[p]));
        assert_true (recent);
        assert_int_equal (dests[i].replies, 1);
    }
    asynrole_requests_stats_t stats = s_stats (manager);
    assert_int_equal (stats.forgotten, 6);
    //  The first one again: a new record, the longest idle of the others goes
    s_request (manager, "f", 1, fp_addr (peers[0]), &policy, results);
    assert_true (s_results_wait (results, 11, TU_TIMEOUT_MS));
    assert_int_equal (asynrole_manager_destinations (manager, dests, 8, &error), 4);
    assert_int_equal (s_stats (manager).forgotten, 7);
    tu_manager_destroy (&manager);
}

//  The same through the Manager's pipe
static void
test_pipe_commands (void **state)
{
    (void) state;
    fp_options_t options = { .hold = true };
    fault_peer_t *peer = s_peer (&options);
    asynrole_manager_t *manager = s_manager (NULL, NULL);
    results_t *results = s_results_new (8);
    asynrole_policy_t policy = { .timeout = 30000 };
    uint64_t handle = s_request (manager, "p", 1, fp_addr (peer), &policy, results);
    s_request (manager, "p", 1, fp_addr (peer), &policy, results);
    //  A call goes through the inbox behind the requests; the pipe is not
    //  ordered with it
    assert_int_equal (s_stats (manager).requests, 2);
    void *actor = asynrole_manager_actor (manager);
    asynrole_error_t error;
    assert_int_equal (zsock_send (actor, "s", "REQUESTS"), 0);
    asynrole_requests_stats_t stats;
    assert_int_equal (asynrole_requests_stats_recv (actor, &stats, TU_TIMEOUT_MS, &error), 0);
    assert_int_equal (stats.requests, 2);
    assert_int_equal (zsock_send (actor, "s", "DESTINATIONS"), 0);
    asynrole_destination_stats_t dest;
    assert_int_equal (asynrole_destinations_recv (actor, &dest, 1, TU_TIMEOUT_MS, &error), 1);
    assert_int_equal (dest.requests, 2);
    char *text = NULL;
    assert_int_equal (zsock_send (actor, "ss", "CANCEL", "0"), 0);
    assert_int_equal (tu_raw_answer (actor, &text), ASYNROLE_EBADARG);
    zstr_free (&text);
    char number[32];
    snprintf (number, sizeof number, "%llu", (unsigned long long) handle);
    assert_int_equal (zsock_send (actor, "ss", "CANCEL", number), 0);
    assert_int_equal (tu_raw_answer (actor, &text), 0);
    zstr_free (&text);
    assert_int_equal (s_result_of (results, handle)->code, ASYNROLE_ECANCELLED);
    assert_int_equal (zsock_send (actor, "s", "CANCEL-ALL"), 0);
    assert_int_equal (tu_raw_answer (actor, &text), 0);
    assert_string_equal (text, "1");
    zstr_free (&text);
    assert_int_equal (zsock_send (actor, "s", "RESET"), 0);
    assert_int_equal (tu_raw_answer (actor, &text), 0);
    zstr_free (&text);
    assert_int_equal (asynrole_manager_destinations (manager, &dest, 1, &error), 1);
    assert_int_equal (dest.requests, 0);
    //  Wrong frames: an answer, never silence
    assert_int_equal (zsock_send (actor, "ss", "REQUESTS", "extra"), 0);
    assert_int_equal (tu_raw_answer (actor, &text), ASYNROLE_EBADARG);
    zstr_free (&text);
    tu_manager_destroy (&manager);
}

//  -------------------------------------------------------------------------
//  Bad arguments

static asynrole_manager_t *s_reentered;
static bool s_reentry_refused;

//  A validator that tries to call the engine: refused
static bool
s_reentrant_validate (void *ctx, const asynrole_datagram_t *reply)
{
    (void) ctx;
    (void) reply;
    asynrole_error_t error;
    s_reentry_refused =
        asynrole_manager_cancel_all (s_reentered, &error) == -1 && error.code == ASYNROLE_EBADARG;
    return true;
}

static void
s_expect_badarg (asynrole_manager_t *manager, const asynrole_request_t *request,
                 asynrole_result_fn *callback)
{
    asynrole_error_t error;
    uint64_t handle = 0;
    assert_int_equal (asynrole_manager_request (manager, request, callback, &handle, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (handle, 0);
}

static void
test_bad_arguments (void **state)
{
    (void) state;
    fault_peer_t *peer = s_echo_peer ();
    asynrole_manager_t *manager = s_manager (NULL, NULL);
    results_t *results = s_results_new (4);
    asynrole_request_t good = {
        .data = "x", .size = 1, .destination = fp_addr (peer), .ctx = results
    };
    s_expect_badarg (manager, &good, NULL);
    s_expect_badarg (manager, NULL, s_result_cb);
    asynrole_error_t error;
    assert_int_equal (asynrole_manager_request (NULL, &good, s_result_cb, NULL, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    const asynrole_policy_t bad_policies[] = {
        { .timeout = 0, .retries = 3 },  //  an explicit policy with a zero timeout
        { .timeout = -5 },
        { .timeout = 100, .retries = -1 },
        { .timeout = 100, .retries = 1001 },
        { .timeout = 100, .jitter = 101 },
        { .timeout = 100, .backoff = 7 },
        { .timeout = 100, .max_timeout = 50, .backoff = ASYNROLE_BACKOFF_EXPONENTIAL },
        { .timeout = 100, .deadline = -1 },
        { .timeout = 24 * 3600 * 1000 + 1 },
    };
    for (size_t i = 0; i < sizeof bad_policies / sizeof bad_policies[0]; i++) {
        asynrole_request_t request = good;
        request.policy = &bad_policies[i];
        s_expect_badarg (manager, &request, s_result_cb);
    }
    asynrole_request_t request = good;
    request.data = NULL;
    s_expect_badarg (manager, &request, s_result_cb);
    request = good;
    request.destination = NULL;  //  and no default destination
    s_expect_badarg (manager, &request, s_result_cb);
    asynrole_addr_t port0 = tu_addr ("127.0.0.1:0");
    request.destination = &port0;
    s_expect_badarg (manager, &request, s_result_cb);
    asynrole_addr_t v6 = tu_addr ("[::1]:161");
    request.destination = &v6;  //  an IPv4 Manager
    s_expect_badarg (manager, &request, s_result_cb);
    static uint8_t big[ASYNROLE_DGRAM_MAX_IPV4 + 1];
    request = good;
    request.data = big;
    request.size = sizeof big;
    s_expect_badarg (manager, &request, s_result_cb);
    //  Nothing reached the engine, and no callback ran
    asynrole_requests_stats_t stats = s_stats (manager);
    assert_int_equal (stats.requests, 0);
    assert_int_equal (s_results_count (results), 0);
    assert_int_equal (asynrole_manager_requests_stats (manager, NULL, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    //  Calls back into the engine from inside its work are refused
    request = good;
    request.validate = s_reentrant_validate;
    s_reentered = manager;
    s_reentry_refused = false;
    uint64_t handle;
    assert_int_equal (asynrole_manager_request (manager, &request, s_result_cb, &handle, &error),
                      0);
    assert_true (s_results_wait (results, 1, TU_TIMEOUT_MS));
    assert_int_equal (s_result_of (results, handle)->code, 0);
    assert_true (s_reentry_refused);
    tu_manager_destroy (&manager);
}

//  Bad request settings: the Manager is not made
static void
test_bad_settings (void **state)
{
    (void) state;
    const asynrole_requests_t bad[] = {
        { .check = 9 },
        { .max_in_flight = 20000000 },
        { .policy = { .timeout = 100, .retries = 5000 } },
        //  A zero timeout with anything else set is no default
        { .policy = { .retries = 5, .deadline = 2000 } },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        asynrole_options_t options = { .requests = &bad[i] };
        asynrole_error_t error;
        asynrole_manager_t *manager =
            asynrole_manager_new (NULL, NULL, NULL, "127.0.0.1:0", &options, &error);
        assert_null (manager);
        assert_int_equal (error.code, ASYNROLE_EBADARG);
    }
    //  An Agent makes no requests
    asynrole_requests_t requests = { .max_in_flight = 10 };
    asynrole_options_t options = { .requests = &requests };
    asynrole_error_t error;
    const char *iface = "127.0.0.1:0";
    assert_null (asynrole_agent_new (tu_agent_collect_cb, NULL, &iface, 1, &options, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
}

//  -------------------------------------------------------------------------
//  Hooks, callbacks, the Manager's end

typedef struct {
    pthread_mutex_t mutex;
    char log[64];  //  one letter per event: S sent, R retried, F finished
    size_t length;
    asynrole_request_info_t infos[64];
} hook_log_t;

static void
s_log_hook (asynrole_manager_t *manager, void *ctx, const asynrole_request_info_t *info)
{
    (void) manager;
    hook_log_t *log = (hook_log_t *) ctx;
    pthread_mutex_lock (&log->mutex);
    if (log->length < sizeof log->log - 1) {
        log->infos[log->length] = *info;
        log->infos[log->length].destination = NULL;  //  valid during the call only
        log->log[log->length++] = info->event == ASYNROLE_REQUEST_SENT ? 'S'
            : info->event == ASYNROLE_REQUEST_RETRIED                  ? 'R'
                                                                       : 'F';
    }
    pthread_mutex_unlock (&log->mutex);
}

static void
test_hook (void **state)
{
    (void) state;
    fp_action_t script[] = { { .drop = true }, { .drop = true } };
    fp_options_t options = { .script = script, .script_len = 2, .hold = false };
    fault_peer_t *peer = s_peer (&options);
    hook_log_t log = { .length = 0 };
    pthread_mutex_init (&log.mutex, NULL);
    asynrole_requests_t requests = { .hook = s_log_hook, .hook_ctx = &log };
    asynrole_manager_t *manager = s_manager (&requests, NULL);
    results_t *results = s_results_new (4);
    asynrole_policy_t policy = { .timeout = 400, .retries = 3 };
    uint64_t handle = s_request (manager, "h", 1, fp_addr (peer), &policy, results);
    assert_true (s_results_wait (results, 1, TU_TIMEOUT_MS));
    //  A request cancelled before it left: finished, with no attempt
    asynrole_policy_t slow = { .timeout = 30000 };
    fp_options_t holding = { .hold = true };
    fault_peer_t *holder = s_peer (&holding);
    s_request (manager, "1", 1, fp_addr (holder), &slow, results);
    uint64_t queued = s_request (manager, "2", 1, fp_addr (holder), &slow, results);
    asynrole_error_t error;
    assert_int_equal (asynrole_manager_cancel (manager, queued, &error), 0);
    tu_manager_destroy (&manager);
    //  Finished comes after the result callback, which has run: all is in
    assert_string_equal (log.log, "SRRFSFF");
    for (int i = 0; i < 3; i++) {
        assert_int_equal (log.infos[i].handle, handle);
        assert_int_equal (log.infos[i].attempt, i);
        assert_int_equal (log.infos[i].attempts, i + 1);
    }
    assert_int_equal (log.infos[3].code, 0);
    assert_int_equal (log.infos[3].attempt, 2);
    assert_int_equal (log.infos[3].attempts, 3);
    assert_true (log.infos[3].rtt_us > 0);
    //  The cancelled one never left; the one in flight ended with the Manager
    assert_int_equal (log.infos[5].handle, queued);
    assert_int_equal (log.infos[5].code, ASYNROLE_ECANCELLED);
    assert_int_equal (log.infos[5].attempts, 0);
    assert_int_equal (log.infos[6].code, ASYNROLE_ECLOSED);
    assert_int_equal (log.infos[6].attempts, 1);
    pthread_mutex_destroy (&log.mutex);
}

//  Destroyed with requests under way, in flight and queued: each ends once,
//  with ECLOSED, before destroy returns
static void
test_destroy_with_requests (void **state)
{
    (void) state;
    fp_options_t options = { .hold = true };
    fault_peer_t *peer = s_peer (&options);
    asynrole_requests_t requests = { .max_in_flight = 5, .max_per_destination = 5 };
    asynrole_manager_t *manager = s_manager (&requests, NULL);
    results_t *results = s_results_new (32);
    asynrole_policy_t policy = { .timeout = 30000 };
    for (int i = 0; i < 20; i++)
        s_request (manager, "d", 1, fp_addr (peer), &policy, results);
    assert_int_equal (s_stats (manager).in_flight, 5);
    tu_manager_destroy (&manager);
    assert_int_equal (s_results_count (results), 20);
    for (size_t i = 0; i < 20; i++)
        assert_int_equal (results->results[i].code, ASYNROLE_ECLOSED);
}

//  A result callback that destroys its Manager: the other requests end with
//  ECLOSED, in the Manager's thread, and nothing after
typedef struct {
    results_t *results;
    asynrole_manager_t *manager;
} self_destroy_t;

static void
s_destroying_result_cb (asynrole_manager_t *manager, void *ctx, const asynrole_result_t *result)
{
    self_destroy_t *test = (self_destroy_t *) ctx;
    s_result_cb (manager, test->results, result);
    if (!result->error)
        asynrole_manager_destroy (&test->manager);
}

static void
test_destroy_from_result (void **state)
{
    (void) state;
    fp_options_t options = { .hold = true };
    fault_peer_t *peer = s_peer (&options);
    self_destroy_t test = { .results = s_results_new (8) };
    asynrole_requests_t requests = { .max_per_destination = 4 };
    asynrole_options_t manager_options = { .name = "self-destroying", .requests = &requests };
    asynrole_error_t error;
    //  Not registered with the teardown: it frees itself
    test.manager = asynrole_manager_new (NULL, NULL, NULL, "127.0.0.1:0", &manager_options, &error);
    assert_non_null (test.manager);
    asynrole_policy_t policy = { .timeout = 30000 };
    for (int i = 0; i < 4; i++) {
        asynrole_request_t request = {
            .data = "s", .size = 1, .destination = fp_addr (peer), .policy = &policy, .ctx = &test
        };
        assert_int_equal (
            asynrole_manager_request (test.manager, &request, s_destroying_result_cb, NULL, &error),
            0);
    }
    assert_true (fp_wait_received (peer, 4, TU_TIMEOUT_MS));
    fp_release (peer, 1);
    assert_true (s_results_wait (test.results, 4, TU_TIMEOUT_MS));
    assert_int_equal (test.results->results[0].code, 0);
    for (size_t i = 1; i < 4; i++)
        assert_int_equal (test.results->results[i].code, ASYNROLE_ECLOSED);
}

//  Each result makes the next request, from the Manager's thread
typedef struct {
    results_t *results;
    const asynrole_addr_t *to;
    int left;
    int failures;
} chain_t;

static void
s_chain_cb (asynrole_manager_t *manager, void *ctx, const asynrole_result_t *result)
{
    chain_t *chain = (chain_t *) ctx;
    if (result->error || --chain->left == 0) {
        s_result_cb (manager, chain->results, result);
        return;
    }
    asynrole_policy_t policy = { .timeout = TU_TIMEOUT_MS };
    asynrole_request_t request = {
        .data = "c", .size = 1, .destination = chain->to, .policy = &policy, .ctx = chain
    };
    asynrole_error_t error;
    if (asynrole_manager_request (manager, &request, s_chain_cb, NULL, &error)) {
        chain->failures++;
        s_result_cb (manager, chain->results, result);
    }
}

static void
test_requests_from_callbacks (void **state)
{
    (void) state;
    fault_peer_t *peer = s_echo_peer ();
    asynrole_manager_t *manager = s_manager (NULL, NULL);
    chain_t chain = { .results = s_results_new (2), .to = fp_addr (peer), .left = 1000 };
    asynrole_policy_t policy = { .timeout = TU_TIMEOUT_MS };
    asynrole_request_t request = {
        .data = "c", .size = 1, .destination = fp_addr (peer), .policy = &policy, .ctx = &chain
    };
    asynrole_error_t error;
    assert_int_equal (asynrole_manager_request (manager, &request, s_chain_cb, NULL, &error), 0);
    assert_true (s_results_wait (chain.results, 1, 60000));
    assert_int_equal (chain.results->results[0].code, 0);
    assert_int_equal (chain.failures, 0);
    assert_int_equal (chain.left, 0);
    assert_int_equal (s_stats (manager).replies, 1000);
    tu_manager_destroy (&manager);
}

//  A pipe-mode Manager: results by callback, the rest as events; and a
//  default destination, over IPv6
static void
test_pipe_mode_and_default (void **state)
{
    (void) state;
    fp_options_t options = { .bind = "[::1]:0", .otherwise = { .copies = 2 } };
    fault_peer_t *peer = s_peer (&options);
    char to[ASYNROLE_ADDR_STRLEN];
    TU_FMT (fp_addr (peer), to);
    asynrole_options_t manager_options = { .pipe_mode = true };
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, to, NULL, &manager_options);
    results_t *results = s_results_new (4);
    uint64_t handle = s_request (manager, "six", 3, NULL, NULL, results);
    assert_true (s_results_wait (results, 1, TU_TIMEOUT_MS));
    assert_memory_equal (s_result_of (results, handle)->data, "six", 3);
    //  The second copy: an event
    asynrole_event_t *event = tu_event_wait (asynrole_manager_socket (manager), TU_TIMEOUT_MS);
    assert_non_null (event);
    assert_memory_equal (asynrole_event_datagram (event)->data, "six", 3);
    asynrole_event_destroy (&event);
    //  Another destination than the default: refused
    asynrole_addr_t elsewhere = tu_addr ("[::1]:9");
    asynrole_request_t request = {
        .data = "x", .size = 1, .destination = &elsewhere, .ctx = results
    };
    asynrole_error_t error;
    assert_int_equal (asynrole_manager_request (manager, &request, s_result_cb, NULL, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    tu_manager_destroy (&manager);
}

//  -------------------------------------------------------------------------
//  Found by trying to break it

//  Result callbacks that run while another thread destroys the Manager
//  (ECLOSED) call the engine: refused with ECLOSED, nothing else
typedef struct {
    asynrole_manager_t *manager;
    int calls;
    int refused;
} closing_t;

static void
s_calling_result_cb (asynrole_manager_t *manager, void *ctx, const asynrole_result_t *result)
{
    closing_t *closing = (closing_t *) ctx;
    asynrole_requests_stats_t stats;
    asynrole_error_t error;
    asynrole_request_t request = { .data = "n", .size = 1, .destination = NULL, .ctx = ctx };
    closing->calls++;
    bool refused = result->error && result->error->code == ASYNROLE_ECLOSED
        && asynrole_manager_requests_stats (manager, &stats, &error) == -1
        && error.code == ASYNROLE_ECLOSED
        && asynrole_manager_request (manager, &request, s_calling_result_cb, NULL, &error) == -1
        && error.code == ASYNROLE_ECLOSED;
    closing->refused += refused;
}

static void
test_calls_while_destroyed (void **state)
{
    (void) state;
    fp_options_t options = { .hold = true };
    fault_peer_t *peer = s_peer (&options);
    asynrole_manager_t *manager = s_manager (NULL, NULL);
    closing_t closing = { .manager = manager };
    asynrole_policy_t policy = { .timeout = 30000 };
    for (int i = 0; i < 3; i++) {
        asynrole_request_t request = { .data = "c",
                                       .size = 1,
                                       .destination = fp_addr (peer),
                                       .policy = &policy,
                                       .ctx = &closing };
        asynrole_error_t error;
        assert_int_equal (
            asynrole_manager_request (manager, &request, s_calling_result_cb, NULL, &error), 0);
    }
    tu_manager_destroy (&manager);
    assert_int_equal (closing.calls, 3);
    assert_int_equal (closing.refused, 3);
}

//  Replies (three copies each) while most first attempts wait for room to
//  leave: none of those is offered a reply it cannot have had
static void
test_replies_while_send_blocked (void **state)
{
    (void) state;
    enum {
        TOTAL = 300
    };
    fp_options_t options = { .otherwise = { .copies = 3 }, .rcvbuf = 4 << 20, .capacity = 1024 };
    fault_peer_t *peer = s_peer (&options);
    asynrole_requests_t requests = { .max_per_destination = TOTAL };
    asynrole_options_t manager_options = { .requests = &requests, .send_queue = 1 };
    asynrole_manager_t *manager =
        tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", &manager_options);
    results_t *results = s_results_new (TOTAL);
    asynrole_policy_t policy = { .timeout = 30000 };
    for (int i = 0; i < TOTAL; i++)
        s_request (manager, "d", 1, fp_addr (peer), &policy, results);
    assert_true (s_results_wait (results, TOTAL, 30000));
    for (size_t i = 0; i < TOTAL; i++) {
        assert_int_equal (results->results[i].code, 0);
        assert_true (results->results[i].attempts >= 1);
        assert_true (results->results[i].attempt >= 0);
    }
    tu_manager_destroy (&manager);
}

//  Requests let out of their destination's queue go in the order they
//  waited in, however many are let out in one turn
static void
s_cancel_next_cb (asynrole_manager_t *manager, void *ctx, const asynrole_result_t *result)
{
    uint64_t *next = (uint64_t *) ctx;
    if (*next) {
        uint64_t handle = *next;
        *next = 0;
        asynrole_manager_cancel (manager, handle, NULL);
    }
    (void) result;
}

static void
test_blocked_order (void **state)
{
    (void) state;
    fp_options_t options = { .hold = true };
    fault_peer_t *peer = s_peer (&options);
    hook_log_t log = { .length = 0 };
    pthread_mutex_init (&log.mutex, NULL);
    asynrole_requests_t requests = {
        .key = tu_key_first8, .max_per_destination = 2, .hook = s_log_hook, .hook_ctx = &log
    };
    asynrole_manager_t *manager = s_manager (&requests, NULL);
    asynrole_policy_t policy = { .timeout = 30000 };
    uint64_t next = 0;
    uint64_t handles[4];
    for (uint8_t i = 0; i < 4; i++) {
        uint8_t data[8] = { i, 0, 0, 0, 0, 0, 0, 9 };
        asynrole_request_t request = { .data = data,
                                       .size = sizeof data,
                                       .destination = fp_addr (peer),
                                       .policy = &policy,
                                       .ctx = &next };
        asynrole_error_t error;
        assert_int_equal (
            asynrole_manager_request (manager, &request, s_cancel_next_cb, &handles[i], &error), 0);
    }
    //  Cancelling the first cancels the second: two places free in one turn
    next = handles[1];
    asynrole_error_t error;
    assert_int_equal (asynrole_manager_cancel (manager, handles[0], &error), 0);
    assert_true (fp_wait_received (peer, 4, TU_TIMEOUT_MS));
    tu_manager_destroy (&manager);
    uint64_t sent[4];
    size_t count = 0;
    for (size_t i = 0; i < log.length; i++)
        if (log.log[i] == 'S' && count < 4)
            sent[count++] = log.infos[i].handle;
    assert_int_equal (count, 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal (sent[i], handles[i]);
    pthread_mutex_destroy (&log.mutex);
}

//  20,000 requests under one key: each ends once (removal from the key's
//  chain is O(1), so this stays quick)
static void
test_one_key_many (void **state)
{
    (void) state;
    enum {
        TOTAL = 20000
    };
    fp_options_t options = { .hold = true, .capacity = TOTAL, .rcvbuf = 8 << 20 };
    fault_peer_t *peer = s_peer (&options);
    asynrole_requests_t requests = { .key = tu_key_first8, .max_queued = TOTAL };
    asynrole_manager_t *manager = s_manager (&requests, NULL);
    results_t *results = s_results_new (TOTAL);
    asynrole_policy_t policy = { .timeout = 600000 };
    uint8_t data[8] = { 7, 7, 7, 7, 7, 7, 7, 7 };
    for (int i = 0; i < TOTAL; i++)
        s_request (manager, data, sizeof data, fp_addr (peer), &policy, results);
    assert_true (fp_wait_received (peer, TOTAL, 60000));
    for (size_t done = 0; done < TOTAL;) {
        done += fp_release (peer, 256);
        assert_true (s_results_wait (results, done, 60000));
    }
    asynrole_requests_stats_t stats = s_stats (manager);
    assert_int_equal (stats.replies, TOTAL);
    assert_int_equal (stats.in_flight, 0);
    tu_manager_destroy (&manager);
}

//  -------------------------------------------------------------------------

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_request_reply, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_exact_attempts, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_no_response, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_late_reply, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_duplicates, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_validator, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_keys_out_of_order, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_peer_check, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_backoff, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_jitter_and_deadline, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_in_flight_limits, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_queue_bound, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_100k_outstanding, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_send_queue_full, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_cancel, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_destination_stats, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_destinations_forgotten, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_pipe_commands, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_arguments, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_settings, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_hook, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_destroy_with_requests, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_destroy_from_result, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_requests_from_callbacks, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_pipe_mode_and_default, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_calls_while_destroyed, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_replies_while_send_blocked, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_blocked_order, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_one_key_many, tu_setup, s_teardown),
    };
    return tu_main (tests, argc, argv);
}
