/*  test_flow.c - what a role may hold, and sends that wait instead of dropping

    Receive side: a role that does not keep up holds at most its max_bytes
    (held_max says so); past it the I/O actor drops, counts, and reports
    every drop once the role has room, in pipe mode and in callback mode,
    for datagrams and for error events, with an exact account.

    Send side: in a network namespace whose loopback has a slow qdisc (tbf),
    the kernel's send buffer fills; sends then wait in the I/O actor for
    POLLOUT and nothing is lost; a full send queue makes _try_send fail at
    once and _send after send_timeout, both with ASYNROLE_EWOULDBLOCK.
*/
#define _GNU_SOURCE
#include "testutil.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  Datagrams sent to a role that does not keep up
#define DROP_N 20000

//  Sends the kernel refuses in the error-drop test
#define ERROR_N 500

//  Datagrams in the back-pressure burst
#define BURST_N 10000

//  What one datagram of the drop tests carries: its number
typedef struct {
    uint32_t seq;
} seq_t;

//  Send DROP_N numbered datagrams, then one more, from a plain socket
static void
s_send_numbered (const asynrole_addr_t *to)
{
    int fd = tu_udp_socket ("127.0.0.1", NULL);
    assert_true (fd >= 0);
    for (uint32_t seq = 0; seq <= DROP_N; seq++) {
        seq_t payload = { seq };
        ssize_t rc;
        while ((rc = sendto (fd, &payload, sizeof payload, 0, &to->u.sa, to->len)) < 0
               && errno == EINTR)
            ;
        assert_int_equal (rc, sizeof payload);
    }
    close (fd);
}

//  What a drop test saw of its role
typedef struct {
    uint64_t delivered;  //  datagram events / callbacks
    uint64_t noticed;    //  datagrams reported in EDROPPED notices
    uint64_t notices;    //  EDROPPED notices
    int64_t last_seq;    //  the last number delivered (in order, none twice)
    bool saw_last;       //  the final datagram (DROP_N) was delivered
} account_t;

//  One datagram or notice into the account; false when it is neither
static bool
s_account (account_t *account, const asynrole_datagram_t *datagram, const asynrole_error_t *error)
{
    if (datagram) {
        seq_t payload = { 0 };
        if (datagram->size != sizeof payload)
            return false;
        memcpy (&payload, datagram->data, sizeof payload);
        if ((int64_t) payload.seq <= account->last_seq)
            return false;
        account->last_seq = payload.seq;
        account->saw_last |= payload.seq == DROP_N;
        account->delivered++;
        return true;
    }
    if (error->code != ASYNROLE_EDROPPED || error->op != ASYNROLE_OP_QUEUE || error->count == 0
        || asynrole_error_is_network (error))
        return false;
    account->noticed += error->count;
    account->notices++;
    return true;
}

//  Is everything the I/O actor read of DROP_N + 1 accounted for? The last
//  datagram came after the others, so once it is delivered or reported the
//  I/O actor has read them all, and the kernel's drop count is final.
static bool
s_accounted (const account_t *account, const asynrole_stats_t *stats)
{
    return stats->rx_datagrams + stats->kernel_dropped == DROP_N + 1
        && account->delivered + account->noticed == stats->rx_datagrams;
}

//  The exact account at the end, and the bound
static void
s_check_account (const account_t *account, const asynrole_stats_t *stats, size_t max_bytes)
{
    print_message ("drops: %d sent, %llu read, %llu dropped by the kernel, %llu delivered, "
                   "%llu dropped (in %llu notices), held at most %llu of %zu bytes\n",
                   DROP_N + 1, (unsigned long long) stats->rx_datagrams,
                   (unsigned long long) stats->kernel_dropped,
                   (unsigned long long) account->delivered, (unsigned long long) stats->dropped,
                   (unsigned long long) account->notices, (unsigned long long) stats->held_max,
                   max_bytes);
    assert_int_equal (stats->rx_datagrams + stats->kernel_dropped, DROP_N + 1);
    assert_int_equal (account->delivered + stats->dropped, stats->rx_datagrams);
    //  Every drop was reported, exactly
    assert_int_equal (account->noticed, stats->dropped);
    assert_true (stats->dropped > 0);
    //  The bound held: never more than max_bytes, or one batch
    assert_true (stats->held_max <= max_bytes + 256 * 1024);
    assert_int_equal (stats->rx_bytes, stats->rx_datagrams * sizeof (seq_t));
}

//  -------------------------------------------------------------------------
//  Pipe mode: nobody reads while the datagrams come

static void
test_drops_pipe_mode (void **state)
{
    (void) state;
    const size_t max_bytes = 4096;
    asynrole_options_t options = { .pipe_mode = true, .max_bytes = max_bytes };
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &options);
    s_send_numbered (asynrole_agent_local (agent, 0));

    //  Read until every datagram is accounted for, each wait on the socket
    account_t account = { .last_seq = -1 };
    asynrole_stats_t stats = tu_agent_stats (agent, 0);
    for (int round = 0; round < 2 * DROP_N && !s_accounted (&account, &stats); round++) {
        asynrole_event_t *event = tu_event_wait (asynrole_agent_socket (agent), TU_TIMEOUT_MS);
        if (!event)
            fail_msg ("no event within %d ms: %llu delivered, %llu reported dropped; read %llu, "
                      "dropped %llu, kernel dropped %llu, held %llu",
                      TU_TIMEOUT_MS, (unsigned long long) account.delivered,
                      (unsigned long long) account.noticed, (unsigned long long) stats.rx_datagrams,
                      (unsigned long long) stats.dropped, (unsigned long long) stats.kernel_dropped,
                      (unsigned long long) stats.held);
        bool ok =
            s_account (&account, asynrole_event_datagram (event), asynrole_event_error (event));
        asynrole_event_destroy (&event);
        assert_true (ok);
        stats = tu_agent_stats (agent, 0);
    }
    s_check_account (&account, &stats, max_bytes);
    //  Nothing is left: all events were destroyed
    assert_int_equal (stats.held, 0);
    tu_agent_destroy (&agent);
}

//  The bound holds in memory, not only in the role's count: while nobody
//  reads, the heap grows by no more than what the role says it holds
static void
test_pipe_mode_memory (void **state)
{
    (void) state;
    const size_t max_bytes = 4 * 1024 * 1024;
    asynrole_options_t options = { .pipe_mode = true, .max_bytes = max_bytes };
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &options);
    size_t before = tu_heap_bytes ();
    s_send_numbered (asynrole_agent_local (agent, 0));
    asynrole_stats_t stats = tu_agent_stats (agent, 0);
    size_t grown = tu_heap_bytes () - before;
    uint64_t events = stats.rx_datagrams - stats.dropped;
    print_message ("memory: %llu events held, %llu bytes counted, the heap grew %zu bytes "
                   "(%zu per event)\n",
                   (unsigned long long) events, (unsigned long long) stats.held, grown,
                   events ? grown / (size_t) events : 0);
    assert_true (stats.held <= max_bytes + 1024 * 1024);
    //  What is counted covers what is used (and a margin for the set-up)
    assert_true (grown <= stats.held + 512 * 1024);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  Callback mode: the first callback waits until all is sent

typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;  //  CLOCK_MONOTONIC
    bool open;            //  the first callback may return
    account_t account;    //  what the callbacks saw
    bool bad;             //  something that is neither a datagram nor a notice
} gate_t;

static void
s_gated_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
            const asynrole_error_t *error)
{
    (void) agent;
    gate_t *gate = (gate_t *) ctx;
    pthread_mutex_lock (&gate->mutex);
    struct timespec deadline = tu_deadline (TU_TIMEOUT_MS);
    while (!gate->open)
        if (pthread_cond_timedwait (&gate->cond, &gate->mutex, &deadline) == ETIMEDOUT)
            break;
    gate->bad |= !s_account (&gate->account, datagram, error);
    pthread_cond_broadcast (&gate->cond);
    pthread_mutex_unlock (&gate->mutex);
}

static void
test_drops_callback_mode (void **state)
{
    (void) state;
    const size_t max_bytes = 4096;
    gate_t gate = { .account = { .last_seq = -1 } };
    pthread_mutex_init (&gate.mutex, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init (&attr);
    pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
    pthread_cond_init (&gate.cond, &attr);
    asynrole_options_t options = { .max_bytes = max_bytes };
    asynrole_agent_t *agent = tu_agent_new (s_gated_cb, &gate, "127.0.0.1:0", &options);
    s_send_numbered (asynrole_agent_local (agent, 0));

    pthread_mutex_lock (&gate.mutex);
    gate.open = true;
    pthread_cond_broadcast (&gate.cond);
    pthread_mutex_unlock (&gate.mutex);
    //  Wait, on the gate's condition, for every datagram to be accounted
    //  for. Counters read before the last callbacks may be behind: read them
    //  again when callbacks came since, and wait only when none did.
    asynrole_stats_t stats = tu_agent_stats (agent, 0);
    uint64_t seen_at_stats = 0;
    for (int round = 0; round < 2 * DROP_N; round++) {
        pthread_mutex_lock (&gate.mutex);
        if (gate.bad) {
            pthread_mutex_unlock (&gate.mutex);
            break;
        }
        uint64_t seen = gate.account.delivered + gate.account.noticed;
        bool done = s_accounted (&gate.account, &stats);
        int rc = 0;
        if (!done && seen == seen_at_stats) {
            struct timespec deadline = tu_deadline (TU_TIMEOUT_MS);
            rc = pthread_cond_timedwait (&gate.cond, &gate.mutex, &deadline);
            seen = gate.account.delivered + gate.account.noticed;
        }
        pthread_mutex_unlock (&gate.mutex);
        if (done)
            break;
        assert_int_not_equal (rc, ETIMEDOUT);
        stats = tu_agent_stats (agent, 0);
        seen_at_stats = seen;
    }
    tu_agent_destroy (&agent);
    assert_false (gate.bad);
    s_check_account (&gate.account, &stats, max_bytes);
    pthread_cond_destroy (&gate.cond);
    pthread_mutex_destroy (&gate.mutex);
}

//  -------------------------------------------------------------------------
//  Error events dropped when the role holds its bound, reported after

static void
test_error_drops_reported (void **state)
{
    (void) state;
    //  A bound of one byte: the role takes a batch only when it holds nothing
    asynrole_options_t options = { .pipe_mode = true, .max_bytes = 1 };
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, "[::1]:0", &options);
    //  V6ONLY sockets: the kernel refuses a v4-mapped destination at once
    asynrole_addr_t refused = tu_addr ("[::ffff:127.0.0.1]:9");
    for (int i = 0; i < ERROR_N; i++) {
        asynrole_error_t error;
        if (asynrole_manager_send (manager, "x", 1, &refused, &error))
            fail_msg ("send %d: %s", i, error.detail);
    }
    //  The stats request follows the sends on the same pipe, so its answer
    //  comes after the I/O actor tried every one of them
    asynrole_stats_t stats = tu_manager_stats (manager);
    assert_int_equal (stats.tx_failed, ERROR_N);
    assert_int_equal (stats.errors + stats.errors_dropped, ERROR_N);
    assert_true (stats.errors_dropped > 0);
    assert_int_equal (stats.dropped, 0);
    assert_int_equal (stats.rx_datagrams, 0);

    //  Every error is delivered as an event or reported in a notice
    uint64_t delivered = 0, noticed = 0;
    for (int i = 0; i < 2 * ERROR_N && delivered + noticed < ERROR_N; i++) {
        asynrole_event_t *event = tu_event_wait (asynrole_manager_socket (manager), TU_TIMEOUT_MS);
        assert_non_null (event);
        asynrole_error_t error = *asynrole_event_error (event);
        asynrole_event_destroy (&event);
        if (error.code == ASYNROLE_EDROPPED) {
            assert_int_equal (error.count, 0);
            noticed += error.lost_errors;
        }
        else {
            assert_int_equal (error.code, ASYNROLE_ENETWORK);
            assert_int_equal (error.sys_errno, ENETUNREACH);
            delivered++;
        }
    }
    assert_int_equal (delivered, stats.errors);
    assert_int_equal (noticed, stats.errors_dropped);
    tu_manager_destroy (&manager);
}

//  -------------------------------------------------------------------------
//  Back-pressure on the send side (in a namespace with a slow loopback)

//  Read count datagrams of size bytes from fd, each wait with a deadline;
//  returns how many came
static int
s_receive (int fd, int count, size_t size)
{
    static uint8_t buffer[2048];
    int got = 0;
    while (got < count) {
        zmq_pollitem_t item = { NULL, fd, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, TU_TIMEOUT_MS) <= 0)
            break;
        ssize_t rc = recv (fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (rc == (ssize_t) size)
            got++;
    }
    return got;
}

//  A burst of BURST_N sends through a socket with a tiny send buffer: every
//  one arrives, none is lost because the buffer was momentarily full
static int
s_burst (void *arg)
{
    (void) arg;
    asynrole_addr_t sink;
    int fd = tu_udp_socket ("127.0.0.1", &sink);
    int big = 64 * 1024 * 1024;
    TU_CHECK (fd >= 0 && setsockopt (fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) == 0,
              "a receiver with a big buffer: %s", strerror (errno));
    char sink_text[ASYNROLE_ADDR_STRLEN];
    asynrole_addr_format (&sink, sink_text, sizeof sink_text);
    asynrole_options_t options = { .sndbuf = 4096, .send_timeout = 60000 };
    asynrole_error_t error;
    asynrole_manager_t *manager =
        asynrole_manager_new (NULL, NULL, sink_text, "127.0.0.1:0", &options, &error);
    TU_CHECK (manager, "asynrole_manager_new: %s", error.detail);
    uint8_t payload[200] = { 0 };
    for (int i = 0; i < BURST_N; i++) {
        memcpy (payload, &i, sizeof i);
        TU_CHECK (asynrole_manager_send (manager, payload, sizeof payload, NULL, &error) == 0,
                  "send %d: %s", i, error.detail);
    }
    int got = s_receive (fd, BURST_N, sizeof payload);
    asynrole_stats_t stats;
    TU_CHECK (asynrole_manager_stats (manager, &stats, &error) == 0, "stats: %s", error.detail);
    printf ("burst: %d sent, %d received, kernel buffer full %llu times, %llu failed\n", BURST_N,
            got, (unsigned long long) stats.tx_blocked, (unsigned long long) stats.tx_failed);
    asynrole_manager_destroy (&manager);
    close (fd);
    TU_CHECK (got == BURST_N, "%d of %d arrived", got, BURST_N);
    TU_CHECK (stats.tx_datagrams == BURST_N, "%llu sent", (unsigned long long) stats.tx_datagrams);
    TU_CHECK (stats.tx_failed == 0, "%llu failed", (unsigned long long) stats.tx_failed);
    TU_CHECK (stats.tx_blocked > 0, "the kernel's buffer never filled: nothing was tested");
    TU_CHECK (stats.tx_backlog == 0, "%llu still wait", (unsigned long long) stats.tx_backlog);
    return 0;
}

static void
test_backpressure_burst (void **state)
{
    (void) state;
    tu_child (s_burst, NULL, true, "tbf rate 50mbit burst 16kb latency 10s", 120);
}

//  A send queue that stays full: _try_send fails at once, _send after
//  send_timeout, both with ASYNROLE_EWOULDBLOCK; queued sends still arrive
static int
s_full_queue (void *arg)
{
    (void) arg;
    asynrole_addr_t sink;
    int fd = tu_udp_socket ("127.0.0.1", &sink);
    TU_CHECK (fd >= 0, "a receiver: %s", strerror (errno));
    char sink_text[ASYNROLE_ADDR_STRLEN];
    asynrole_addr_format (&sink, sink_text, sizeof sink_text);
    asynrole_options_t options = { .sndbuf = 4096, .send_queue = 8192, .send_timeout = 200 };
    asynrole_error_t error;
    asynrole_manager_t *manager =
        asynrole_manager_new (NULL, NULL, sink_text, "127.0.0.1:0", &options, &error);
    TU_CHECK (manager, "asynrole_manager_new: %s", error.detail);
    uint8_t payload[1000] = { 0 };
    int accepted = tu_fill_send_queue (manager, sizeof payload);
    TU_CHECK (accepted > 0, "the send queue never filled");
    asynrole_stats_t stats;
    //  Full: try_send refuses at once
    TU_CHECK (asynrole_manager_try_send (manager, payload, sizeof payload, NULL, &error) == -1
                  && error.code == ASYNROLE_EWOULDBLOCK && error.op == ASYNROLE_OP_QUEUE,
              "try_send: %s", error.detail);
    //  A blocking send waits send_timeout, then fails the same way
    int64_t start = tu_now ();
    int rc = asynrole_manager_send (manager, payload, sizeof payload, NULL, &error);
    int64_t waited = tu_now () - start;
    TU_CHECK (rc == -1 && error.code == ASYNROLE_EWOULDBLOCK, "send: %d, %s", rc, error.detail);
    TU_CHECK (waited >= 190, "send gave up after %lld ms, not 200", (long long) waited);
    //  Every accepted one arrives once the link is fast again
    TU_CHECK (system ("tc qdisc change dev lo root tbf rate 100mbit burst 16kb latency 10s") == 0,
              "tc qdisc change failed");
    //  tbf holds what it throttled until its watchdog fires or the next
    //  datagram is queued on lo: one byte to the sink (s_receive counts
    //  only full-size ones) makes it run at the new rate at once
    int kick = tu_udp_socket ("127.0.0.1", NULL);
    TU_CHECK (kick >= 0, "a socket to kick the qdisc with: %s", strerror (errno));
    TU_CHECK (sendto (kick, "k", 1, 0, &sink.u.sa, sink.len) == 1, "the kick: %s",
              strerror (errno));
    close (kick);
    int got = s_receive (fd, accepted, sizeof payload);
    //  Drained, the queue takes sends again (the room comes back once the
    //  I/O thread has seen the kernel take the last: a send waits for that)
    TU_CHECK (asynrole_manager_send (manager, payload, sizeof payload, NULL, &error) == 0,
              "send after the drain: %s", error.detail);
    got += s_receive (fd, 1, sizeof payload);
    accepted++;
    TU_CHECK (asynrole_manager_stats (manager, &stats, &error) == 0, "stats: %s", error.detail);
    asynrole_manager_destroy (&manager);
    close (fd);
    TU_CHECK (got == accepted, "%d of %d arrived (tx %llu, backlog %llu)", got, accepted,
              (unsigned long long) stats.tx_datagrams, (unsigned long long) stats.tx_backlog);
    TU_CHECK (stats.tx_failed == 0, "%llu failed", (unsigned long long) stats.tx_failed);
    TU_CHECK (stats.tx_datagrams == (uint64_t) accepted && stats.tx_blocked > 0,
              "tx_datagrams %llu of %d, tx_blocked %llu", (unsigned long long) stats.tx_datagrams,
              accepted, (unsigned long long) stats.tx_blocked);
    return 0;
}

static void
test_full_send_queue (void **state)
{
    (void) state;
    tu_child (s_full_queue, NULL, true, "tbf rate 1kbit burst 2kb latency 60s", 120);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown (test_drops_pipe_mode, tu_teardown),
        cmocka_unit_test_teardown (test_pipe_mode_memory, tu_teardown),
        cmocka_unit_test_teardown (test_drops_callback_mode, tu_teardown),
        cmocka_unit_test_teardown (test_error_drops_reported, tu_teardown),
        cmocka_unit_test_teardown (test_backpressure_burst, tu_teardown),
        cmocka_unit_test_teardown (test_full_send_queue, tu_teardown),
    };
    return tu_main (tests, argc, argv);
}
