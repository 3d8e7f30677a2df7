/*  test_io.c - the I/O actor: sharing, reference counting, counters,
    destruction with traffic in flight
*/
#define _GNU_SOURCE
#include "testutil.h"
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>

//  -------------------------------------------------------------------------
//  Reference counting

static void
test_io_refcount (void **state)
{
    (void) state;
    asynrole_io_t *io = tu_io_new ();
    assert_non_null (asynrole_io_actor (io));
    asynrole_stats_t stats[2];
    assert_int_equal (asynrole_io_stats (io, stats, 2, NULL), 0);
    assert_int_equal (asynrole_io_stats (io, NULL, 0, NULL), 0);
    //  Raw STATS: no sockets, no records
    assert_int_equal (tu_raw_stats (asynrole_io_actor (io), stats, 2), 0);

    asynrole_io_t *ref = asynrole_io_ref (io);
    assert_ptr_equal (ref, io);
    tu_io_track (ref);
    tu_io_destroy (&io);
    assert_null (io);
    //  The other reference still holds it
    assert_int_equal (asynrole_io_stats (ref, stats, 2, NULL), 0);

    tu_collector_t *agent_events = tu_collector_new ();
    tu_collector_t *manager_events = tu_collector_new ();
    asynrole_options_t options = { .io = ref };
    asynrole_agent_t *agent =
        tu_agent_new (tu_agent_echo_cb, agent_events, "127.0.0.1:0", &options);
    asynrole_manager_t *manager =
        tu_manager_new (tu_manager_collect_cb, manager_events, NULL, "127.0.0.1:0", &options);
    assert_int_equal (asynrole_io_stats (ref, stats, 2, NULL), 2);

    //  Let go of the last user reference: the roles keep the actor alive
    tu_io_destroy (&ref);
    assert_null (ref);
    asynrole_error_t error;
    assert_int_equal (
        asynrole_manager_send (manager, "alive", 5, asynrole_agent_local (agent, 0), &error), 0);
    assert_true (tu_collector_wait_datagrams (manager_events, 1, TU_TIMEOUT_MS));
    assert_memory_equal (tu_collector_datagram (manager_events, 0)->data, "alive", 5);
    tu_manager_destroy (&manager);
    //  Still serving the agent after the manager left
    asynrole_stats_t one;
    assert_int_equal (asynrole_agent_stats (agent, &one, 1, NULL), 1);
    assert_int_equal (one.rx_datagrams, 1);
    tu_agent_destroy (&agent);

    //  NULL is fine for every destructor
    asynrole_io_t *none_io = NULL;
    asynrole_manager_t *none_manager = NULL;
    asynrole_agent_t *none_agent = NULL;
    asynrole_event_t *none_event = NULL;
    asynrole_io_destroy (&none_io);
    asynrole_manager_destroy (&none_manager);
    asynrole_agent_destroy (&none_agent);
    asynrole_event_destroy (&none_event);
}

static void
test_failed_role_on_shared_io (void **state)
{
    (void) state;
    asynrole_io_t *io = tu_io_new ();
    asynrole_addr_t held;
    tu_hold_port ("127.0.0.1", &held);
    char held_text[ASYNROLE_ADDR_STRLEN];
    TU_FMT (&held, held_text);
    //  The good interface is opened, then the bad one fails: the shared I/O
    //  actor is left with no socket of the failed Agent
    const char *ifaces[] = { "127.0.0.2:0", "[::1]:0", held_text };
    asynrole_options_t options = { .io = io };
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    asynrole_agent_t *agent =
        asynrole_agent_new (tu_agent_collect_cb, NULL, ifaces, 3, &options, &error);
    if (agent)
        asynrole_agent_destroy (&agent);
    assert_null (agent);
    assert_int_equal (error.code, ASYNROLE_ENETWORK);
    assert_int_equal (error.sys_errno, EADDRINUSE);
    assert_int_equal (asynrole_io_stats (io, NULL, 0, NULL), 0);

    //  The io still serves new roles
    tu_collector_t *events = tu_collector_new ();
    agent = tu_agent_new (tu_agent_echo_cb, events, "127.0.0.1:0", &options);
    asynrole_manager_t *manager =
        tu_manager_new (tu_manager_collect_cb, events, NULL, "127.0.0.1:0", &options);
    assert_int_equal (asynrole_io_stats (io, NULL, 0, NULL), 2);
    assert_int_equal (
        asynrole_manager_send (manager, "ok", 2, asynrole_agent_local (agent, 0), &error), 0);
    //  One in at the agent, one back at the manager
    assert_true (tu_collector_wait_datagrams (events, 2, TU_TIMEOUT_MS));
    tu_manager_destroy (&manager);
    assert_int_equal (asynrole_io_stats (io, NULL, 0, NULL), 1);
    tu_agent_destroy (&agent);
    assert_int_equal (asynrole_io_stats (io, NULL, 0, NULL), 0);
    tu_io_destroy (&io);
}

//  -------------------------------------------------------------------------
//  Three Agents x three Managers on one I/O actor

#define ROLES 3

static size_t
s_payload_size (size_t manager, size_t agent)
{
    return 10 + manager * ROLES + agent;
}

//  Each manager heard from each agent once, with its own payload
static void
s_check_replies (tu_collector_t **manager_events, asynrole_agent_t **agents)
{
    for (size_t m = 0; m < ROLES; m++) {
        bool heard[ROLES] = { false };
        for (size_t n = 0; n < ROLES; n++) {
            const tu_event_t *reply = tu_collector_datagram (manager_events[m], n);
            size_t a = ROLES;
            for (size_t i = 0; i < ROLES; i++)
                if (asynrole_addr_equal (&reply->peer, asynrole_agent_local (agents[i], 0)))
                    a = i;
            assert_true (a < ROLES);
            assert_false (heard[a]);
            heard[a] = true;
            uint8_t payload[32];
            tu_fill (payload, s_payload_size (m, a), (unsigned) (m * ROLES + a));
            assert_int_equal (reply->size, s_payload_size (m, a));
            assert_memory_equal (reply->data, payload, reply->size);
        }
        assert_int_equal (tu_collector_count (manager_events[m]), ROLES);
    }
}

//  The I/O actor's counters: every socket got and sent ROLES datagrams,
//  bytes in total each way; by the call and by the raw pipe
static void
s_check_shared_stats (asynrole_io_t *io, asynrole_agent_t **agents, asynrole_manager_t **managers,
                      uint64_t bytes)
{
    asynrole_stats_t stats[8];
    assert_int_equal (asynrole_io_stats (io, stats, 8, NULL), 2 * ROLES);
    assert_int_equal (asynrole_io_stats (io, stats, 2, NULL), 2 * ROLES);  //  max < count
    assert_int_equal (asynrole_io_stats (io, stats, 8, NULL), 2 * ROLES);
    uint64_t rx = 0, tx = 0, rx_bytes = 0, tx_bytes = 0;
    size_t matched = 0;
    for (size_t s = 0; s < 2 * ROLES; s++) {
        assert_int_equal (stats[s].rx_datagrams, ROLES);
        assert_int_equal (stats[s].tx_datagrams, ROLES);
        assert_int_equal (stats[s].dropped + stats[s].truncated + stats[s].tx_failed
                              + stats[s].errors + stats[s].kernel_dropped,
                          0);
        rx += stats[s].rx_datagrams;
        tx += stats[s].tx_datagrams;
        rx_bytes += stats[s].rx_bytes;
        tx_bytes += stats[s].tx_bytes;
        for (size_t i = 0; i < ROLES; i++)
            if (asynrole_addr_equal (&stats[s].local, asynrole_agent_local (agents[i], 0))
                || asynrole_addr_equal (&stats[s].local, asynrole_manager_local (managers[i])))
                matched++;
    }
    assert_int_equal (matched, 2 * ROLES);
    assert_int_equal (rx, 2 * ROLES * ROLES);
    assert_int_equal (tx, 2 * ROLES * ROLES);
    assert_int_equal (rx_bytes, 2 * bytes);
    assert_int_equal (tx_bytes, 2 * bytes);
    asynrole_stats_t raw[8];
    assert_int_equal (tu_raw_stats (asynrole_io_actor (io), raw, 8), 2 * ROLES);
    uint64_t raw_rx = 0;
    for (size_t s = 0; s < 2 * ROLES; s++)
        raw_rx += raw[s].rx_datagrams;
    assert_int_equal (raw_rx, rx);
}

static void
test_shared_io (void **state)
{
    (void) state;
    asynrole_io_t *io = tu_io_new ();
    asynrole_options_t options = { .io = io };
    tu_collector_t *agent_events[ROLES], *manager_events[ROLES];
    asynrole_agent_t *agents[ROLES];
    asynrole_manager_t *managers[ROLES];
    for (size_t i = 0; i < ROLES; i++) {
        agent_events[i] = tu_collector_new ();
        manager_events[i] = tu_collector_new ();
        agents[i] = tu_agent_new (tu_agent_echo_cb, agent_events[i], "127.0.0.1:0", &options);
        managers[i] = tu_manager_new (tu_manager_collect_cb, manager_events[i], NULL, "127.0.0.1:0",
                                      &options);
    }
    //  Every manager to every agent
    uint64_t bytes = 0;
    for (size_t m = 0; m < ROLES; m++)
        for (size_t a = 0; a < ROLES; a++) {
            uint8_t payload[32];
            size_t size = s_payload_size (m, a);
            tu_fill (payload, size, (unsigned) (m * ROLES + a));
            asynrole_error_t error;
            if (asynrole_manager_send (managers[m], payload, size,
                                       asynrole_agent_local (agents[a], 0), &error))
                fail_msg ("manager %zu to agent %zu: %s", m, a, error.detail);
            bytes += size;
        }
    for (size_t i = 0; i < ROLES; i++) {
        assert_true (tu_collector_wait_datagrams (agent_events[i], ROLES, TU_TIMEOUT_MS));
        assert_true (tu_collector_wait_datagrams (manager_events[i], ROLES, TU_TIMEOUT_MS));
    }
    s_check_replies (manager_events, agents);
    s_check_shared_stats (io, agents, managers, bytes);
    //  Roles leave one by one; their sockets with them
    for (size_t i = 0; i < ROLES; i++) {
        tu_manager_destroy (&managers[i]);
        tu_agent_destroy (&agents[i]);
        assert_int_equal (asynrole_io_stats (io, NULL, 0, NULL), 2 * (ROLES - 1 - i));
    }
    tu_io_destroy (&io);
}

//  -------------------------------------------------------------------------
//  Exact counters after a known exchange, by the API and by raw STATS

static void
s_expect_counts (const asynrole_stats_t *stats, uint64_t datagrams, uint64_t bytes)
{
    assert_int_equal (stats->rx_datagrams, datagrams);
    assert_int_equal (stats->rx_bytes, bytes);
    assert_int_equal (stats->tx_datagrams, datagrams);
    assert_int_equal (stats->tx_bytes, bytes);
    assert_int_equal (stats->truncated, 0);
    assert_int_equal (stats->dropped, 0);
    assert_int_equal (stats->kernel_dropped, 0);
    assert_int_equal (stats->tx_failed, 0);
    assert_int_equal (stats->errors, 0);
}

static void
test_stats_exact (void **state)
{
    (void) state;
    tu_collector_t *agent_events = tu_collector_new ();
    tu_collector_t *manager_events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_echo_cb, agent_events, "[::1]:0", NULL);
    asynrole_manager_t *manager =
        tu_manager_new (tu_manager_collect_cb, manager_events, NULL, "[::1]:0", NULL);

    //  Nothing yet
    asynrole_stats_t stats;
    assert_int_equal (asynrole_manager_stats (manager, &stats, NULL), 0);
    s_expect_counts (&stats, 0, 0);
    assert_true (asynrole_addr_equal (&stats.local, asynrole_manager_local (manager)));

    static const size_t sizes[] = { 10, 20, 30 };
    uint8_t payload[30];
    tu_fill (payload, sizeof payload, 5);
    for (size_t i = 0; i < 3; i++) {
        asynrole_error_t error;
        assert_int_equal (asynrole_manager_send (manager, payload, sizes[i],
                                                 asynrole_agent_local (agent, 0), &error),
                          0);
    }
    assert_true (tu_collector_wait_datagrams (manager_events, 3, TU_TIMEOUT_MS));

    assert_int_equal (asynrole_manager_stats (manager, &stats, NULL), 0);
    s_expect_counts (&stats, 3, 60);
    assert_true (asynrole_addr_equal (&stats.local, asynrole_manager_local (manager)));
    asynrole_stats_t agent_stats[2];
    assert_int_equal (asynrole_agent_stats (agent, agent_stats, 2, NULL), 1);
    s_expect_counts (&agent_stats[0], 3, 60);
    assert_true (asynrole_addr_equal (&agent_stats[0].local, asynrole_agent_local (agent, 0)));

    //  Raw STATS: the same records
    asynrole_stats_t raw[2];
    assert_int_equal (tu_raw_stats (asynrole_manager_actor (manager), raw, 2), 1);
    s_expect_counts (&raw[0], 3, 60);
    assert_true (asynrole_addr_equal (&raw[0].local, asynrole_manager_local (manager)));
    assert_int_equal (tu_raw_stats (asynrole_agent_actor (agent), raw, 2), 1);
    s_expect_counts (&raw[0], 3, 60);
    assert_true (asynrole_addr_equal (&raw[0].local, asynrole_agent_local (agent, 0)));

    tu_manager_destroy (&manager);
    tu_agent_destroy (&agent);
}

typedef struct {
    tu_collector_t *collector;
    int stats_rc;
    asynrole_stats_t stats;
} stats_probe_t;

static void
s_stats_in_callback (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
                     const asynrole_error_t *error)
{
    stats_probe_t *probe = (stats_probe_t *) ctx;
    probe->stats_rc = asynrole_agent_stats (agent, &probe->stats, 1, NULL);
    tu_collector_add (probe->collector, datagram, error, 0, NULL);
}

static void
test_stats_from_callback (void **state)
{
    (void) state;
    stats_probe_t probe = { .collector = tu_collector_new (), .stats_rc = -2 };
    asynrole_agent_t *agent = tu_agent_new (s_stats_in_callback, &probe, "127.0.0.1:0", NULL);
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", NULL);
    asynrole_error_t error;
    assert_int_equal (
        asynrole_manager_send (manager, "12345", 5, asynrole_agent_local (agent, 0), &error), 0);
    assert_true (tu_collector_wait_datagrams (probe.collector, 1, TU_TIMEOUT_MS));
    //  The collector's lock orders the probe's writes before our read
    assert_int_equal (probe.stats_rc, 1);
    assert_int_equal (probe.stats.rx_datagrams, 1);
    assert_int_equal (probe.stats.rx_bytes, 5);
    tu_manager_destroy (&manager);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  Destroy with traffic in flight

#define BLAST 2000

typedef enum {
    ORDER_MANAGER_AGENT_IO,
    ORDER_IO_AGENT_MANAGER,
    ORDER_AGENT_IO_MANAGER,
    ORDER_IO_MANAGER_AGENT,
    ORDER_OWN_IO_AGENT_MANAGER  //  each role with its own I/O actor
} order_t;

static void
s_blast_and_destroy (order_t order)
{
    tu_collector_t *agent_events = tu_collector_new ();
    tu_collector_t *manager_events = tu_collector_new ();
    agent_events->keep_data = false;
    manager_events->keep_data = false;
    asynrole_io_t *io = order == ORDER_OWN_IO_AGENT_MANAGER ? NULL : tu_io_new ();
    asynrole_options_t options = { .io = io };
    asynrole_agent_t *agent =
        tu_agent_new (tu_agent_echo_cb, agent_events, "127.0.0.1:0", &options);
    char agent_text[ASYNROLE_ADDR_STRLEN];
    tu_agent_text (agent, 0, agent_text, sizeof agent_text);
    asynrole_manager_t *manager =
        tu_manager_new (tu_manager_collect_cb, manager_events, agent_text, NULL, &options);

    uint8_t payload[64];
    tu_fill (payload, sizeof payload, 1);
    int failures = 0;
    for (int i = 0; i < BLAST; i++) {
        asynrole_error_t error;
        if (asynrole_manager_send (manager, payload, sizeof payload, NULL, &error))
            failures++;
    }
    assert_int_equal (failures, 0);
    //  Traffic is moving: at least one echo is back
    assert_true (tu_collector_wait_datagrams (manager_events, 1, TU_TIMEOUT_MS));

    switch (order) {
        case ORDER_MANAGER_AGENT_IO:
            tu_manager_destroy (&manager);
            tu_agent_destroy (&agent);
            tu_io_destroy (&io);
            break;
        case ORDER_IO_AGENT_MANAGER:
            tu_io_destroy (&io);
            tu_agent_destroy (&agent);
            tu_manager_destroy (&manager);
            break;
        case ORDER_AGENT_IO_MANAGER:
            tu_agent_destroy (&agent);
            tu_io_destroy (&io);
            tu_manager_destroy (&manager);
            break;
        case ORDER_IO_MANAGER_AGENT:
            tu_io_destroy (&io);
            tu_manager_destroy (&manager);
            tu_agent_destroy (&agent);
            break;
        case ORDER_OWN_IO_AGENT_MANAGER:
            tu_agent_destroy (&agent);
            tu_manager_destroy (&manager);
            break;
    }
    assert_null (manager);
    assert_null (agent);
    assert_null (io);
    //  No reply without a request (errors aside: once the Agent is gone,
    //  the Manager's datagrams come back as ICMP errors)
    size_t requests = tu_collector_datagrams (agent_events);
    assert_true (requests <= BLAST);
    assert_true (tu_collector_datagrams (manager_events) <= requests);
    //  An echo fails only when the Agent's destroy began during its callback:
    //  then (at most once, as no callback follows) with ASYNROLE_ECLOSED,
    //  rather than queued and lost when the socket closes
    assert_true (tu_collector_echo_failures (agent_events) <= 1);
    for (size_t i = 0; i < tu_collector_count (agent_events); i++) {
        const tu_event_t *event = tu_collector_get (agent_events, i);
        if (event->echo_rc)
            assert_int_equal (event->echo_error.code, ASYNROLE_ECLOSED);
    }
    tu_collector_destroy (&agent_events);
    tu_collector_destroy (&manager_events);
}

static void
test_destroy_manager_agent_io (void **state)
{
    (void) state;
    s_blast_and_destroy (ORDER_MANAGER_AGENT_IO);
}

static void
test_destroy_io_agent_manager (void **state)
{
    (void) state;
    s_blast_and_destroy (ORDER_IO_AGENT_MANAGER);
}

static void
test_destroy_agent_io_manager (void **state)
{
    (void) state;
    s_blast_and_destroy (ORDER_AGENT_IO_MANAGER);
}

static void
test_destroy_io_manager_agent (void **state)
{
    (void) state;
    s_blast_and_destroy (ORDER_IO_MANAGER_AGENT);
}

static void
test_destroy_own_io (void **state)
{
    (void) state;
    s_blast_and_destroy (ORDER_OWN_IO_AGENT_MANAGER);
}

static void
test_destroy_pipe_mode_unread (void **state)
{
    (void) state;
    //  Pipe-mode roles with events nobody read, destroyed mid-stream
    asynrole_io_t *io = tu_io_new ();
    asynrole_options_t options = { .io = io, .pipe_mode = true };
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &options);
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", &options);
    uint8_t payload[200];
    tu_fill (payload, sizeof payload, 9);
    for (int i = 0; i < BLAST; i++) {
        asynrole_error_t error;
        assert_int_equal (asynrole_manager_send (manager, payload, sizeof payload,
                                                 asynrole_agent_local (agent, 0), &error),
                          0);
    }
    assert_true (tu_readable (asynrole_agent_socket (agent), TU_TIMEOUT_MS));
    tu_io_destroy (&io);
    tu_agent_destroy (&agent);
    tu_manager_destroy (&manager);
}

//  -------------------------------------------------------------------------
//  The pipe and the roles' requests while more sockets are busy than one
//  wake-up takes (LIMIT_READY_SOCKETS, 64): the I/O actor waits in one
//  epoll set where its pipe and inbound socket are two descriptors among
//  the UDP sockets, and must still answer both

#define BUSY_SOCKETS 72

typedef struct {
    atomic_bool stop;
    atomic_size_t received;
    int flowing[2];  //  a pipe: written once traffic reached every socket
    uint16_t ports[BUSY_SOCKETS];
} busy_t;

static void
s_busy_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
           const asynrole_error_t *error)
{
    (void) agent;
    (void) error;
    busy_t *busy = (busy_t *) ctx;
    if (datagram && atomic_fetch_add (&busy->received, 1) + 1 == 4 * BUSY_SOCKETS)
        if (write (busy->flowing[1], "", 1) != 1)
            abort ();  //  not cmocka's assert: this is the role's thread
}

//  Bursts of datagrams to every socket in turn, until told to stop (at
//  most 5 s); a millisecond's pause between bursts leaves the other
//  threads the CPU under valgrind, which runs one thread at a time
static void *
s_busy_sender (void *arg)
{
    busy_t *busy = (busy_t *) arg;
    asynrole_addr_t bound;
    int fd = tu_udp_socket ("127.0.0.1", &bound);
    if (fd < 0)
        return NULL;
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    uint8_t payload[43] = { 0 };
    int64_t deadline = tu_now () + 5000;
    while (!atomic_load (&busy->stop) && tu_now () < deadline) {
        for (int pass = 0; pass < 8; pass++)
            for (size_t i = 0; i < BUSY_SOCKETS; i++) {
                to.sin_port = busy->ports[i];
                //  A full buffer (ENOBUFS, EAGAIN) only means the I/O actor is busy
                (void) sendto (fd, payload, sizeof payload, MSG_DONTWAIT, (struct sockaddr *) &to,
                               sizeof to);
            }
        poll (NULL, 0, 1);
    }
    close (fd);
    return NULL;
}

static void
test_busy_sockets_serve_pipe (void **state)
{
    (void) state;
    busy_t busy = { .stop = false, .received = 0 };
    assert_int_equal (pipe (busy.flowing), 0);
    const char *ifaces[BUSY_SOCKETS];
    for (size_t i = 0; i < BUSY_SOCKETS; i++)
        ifaces[i] = "127.0.0.1:0";
    asynrole_io_t *io = tu_io_new ();
    asynrole_options_t options = { .io = io };
    asynrole_agent_t *agent = tu_agent_new_n (s_busy_cb, &busy, ifaces, BUSY_SOCKETS, &options);
    for (size_t i = 0; i < BUSY_SOCKETS; i++)
        busy.ports[i] = asynrole_agent_local (agent, i)->u.in.sin_port;
    pthread_t sender;
    assert_int_equal (pthread_create (&sender, NULL, s_busy_sender, &busy), 0);
    //  Traffic on every socket before the first question
    struct pollfd flowing = { .fd = busy.flowing[0], .events = POLLIN };
    assert_int_equal (poll (&flowing, 1, TU_TIMEOUT_MS), 1);
    //  Each answer within its deadline (the calls' own, 5 s), the sender
    //  still sending
    static asynrole_stats_t stats[BUSY_SOCKETS];
    for (int round = 0; round < 3; round++) {
        asynrole_error_t error;
        assert_int_equal (asynrole_io_stats (io, stats, BUSY_SOCKETS, &error), BUSY_SOCKETS);
        assert_int_equal (asynrole_agent_stats (agent, stats, BUSY_SOCKETS, &error), BUSY_SOCKETS);
    }
    size_t before = atomic_load (&busy.received);
    atomic_store (&busy.stop, true);
    pthread_join (sender, NULL);
    assert_true (before >= 4 * BUSY_SOCKETS);
    tu_agent_destroy (&agent);
    tu_io_destroy (&io);
    close (busy.flowing[0]);
    close (busy.flowing[1]);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown (test_io_refcount, tu_teardown),
        cmocka_unit_test_teardown (test_failed_role_on_shared_io, tu_teardown),
        cmocka_unit_test_teardown (test_shared_io, tu_teardown),
        cmocka_unit_test_teardown (test_stats_exact, tu_teardown),
        cmocka_unit_test_teardown (test_stats_from_callback, tu_teardown),
        cmocka_unit_test_teardown (test_destroy_manager_agent_io, tu_teardown),
        cmocka_unit_test_teardown (test_destroy_io_agent_manager, tu_teardown),
        cmocka_unit_test_teardown (test_destroy_agent_io_manager, tu_teardown),
        cmocka_unit_test_teardown (test_destroy_io_manager_agent, tu_teardown),
        cmocka_unit_test_teardown (test_destroy_own_io, tu_teardown),
        cmocka_unit_test_teardown (test_destroy_pipe_mode_unread, tu_teardown),
        cmocka_unit_test_teardown (test_busy_sockets_serve_pipe, tu_teardown),
    };
    return tu_main (tests, argc, argv);
}
