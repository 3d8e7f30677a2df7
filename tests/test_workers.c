/*  test_workers.c - Agent workers (asynrole_remote.h): datagrams to workers
    by credit, replies back from the right socket and address, DROP and
    PAUSE, heartbeats, workers lost and back, what the network sends that
    we refuse. White-box: a raw peer speaks the protocol by hand (rwire). */
#include "testutil.h"
#include "tu_remote.h"
#include "ctx.h"
#include "frames.h"
#include "rmsg.h"
#include "rwire.h"
#include <poll.h>
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const asynrole_options_t s_pipe = { .pipe_mode = true };

//  -------------------------------------------------------------------------
//  Round trips: source, local address and via reach the worker; the reply
//  leaves from the socket and the address the request was sent to

static void
s_round_trip (const char *endpoint)
{
    const char *ifaces[] = { "127.0.0.1:0", "127.0.0.2:0" };
    asynrole_agent_t *agent = tu_agent_new_n (NULL, NULL, ifaces, 2, &s_pipe);
    tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub = tu_hub_new (agent, endpoint, ASYNROLE_OVERFLOW_DROP, &events);
    tu_wk_t wk;
    tu_wk_init (&wk);
    wk.echo = true;
    asynrole_worker_t *worker = tu_worker_new (asynrole_workers_endpoint (hub), &wk, 8, "echo");
    TU_WAIT_HUB (&events, joined, 1);
    TU_WAIT_WK (&wk, joined, 1);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    for (size_t i = 0; i < 2; i++) {
        asynrole_addr_t to = tu_agent_addr (agent, i);
        char text[32], buf[64];
        snprintf (text, sizeof text, "ask %zu", i);
        tu_send_udp (fd, &to, text);
        asynrole_addr_t from;
        assert_int_equal (tu_recv_from (fd, buf, sizeof buf, &from), (ssize_t) strlen (text));
        assert_string_equal (buf, text);
        assert_true (asynrole_addr_equal (&from, &to));
        pthread_mutex_lock (&wk.mutex);
        asynrole_datagram_t last = wk.last;
        char last_data[sizeof wk.last_data];
        memcpy (last_data, wk.last_data, sizeof last_data);
        pthread_mutex_unlock (&wk.mutex);
        assert_true (asynrole_addr_equal (&last.peer, &client));
        assert_int_equal (last.peer.via, i + 1);
        assert_true (tu_same_ip (&last.local, &to));
        assert_string_equal (last_data, text);
    }
    //  A send from another thread than the callback's goes through the Agent
    tu_barrier (worker, fd, &client);
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    assert_int_equal (stats.datagrams, 2);
    assert_int_equal (stats.done, 2);
    assert_int_equal (stats.replies, 3);
    assert_int_equal (stats.peers, 1);
    assert_int_equal (stats.in_worker, 0);
    assert_int_equal (stats.credit, 8);
    close (fd);
    tu_worker_destroy (&worker);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

static void
test_round_trip_inproc (void **state)
{
    (void) state;
    s_round_trip ("inproc://test-workers");
}

static void
test_round_trip_tcp (void **state)
{
    (void) state;
    s_round_trip ("tcp://127.0.0.1:*");
}

//  IPv6 loopback: libzmq takes an [IPv6] endpoint only with ZMQ_IPV6 set
static void
test_round_trip_tcp6 (void **state)
{
    (void) state;
    s_round_trip ("tcp://[::1]:*");
}

static void
test_round_trip_ipc (void **state)
{
    (void) state;
    char endpoint[128];
    snprintf (endpoint, sizeof endpoint, "ipc:///tmp/asynrole-test-workers-%d.sock",
              (int) getpid ());
    s_round_trip (endpoint);
    unlink (endpoint + strlen ("ipc://"));
}

//  -------------------------------------------------------------------------
//  local: the Agent's own callback first, in the workers actor's thread

static bool
s_local (void *ctx, asynrole_agent_t *agent, const asynrole_datagram_t *datagram)
{
    size_t *kept = (size_t *) ctx;
    if (datagram->size == 0 || datagram->data[0] != 'L')
        return false;
    (*kept)++;
    return asynrole_agent_reply (agent, datagram, "local", 5, NULL) == 0;
}

static void
test_local_first (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    tu_hub_events_t events;
    tu_hub_events_init (&events);
    size_t kept = 0;
    asynrole_remote_options_t options = { .heartbeat = TU_HEARTBEAT,
                                          .heartbeat_timeout = tu_hb_timeout,
                                          .on_event = tu_hub_event,
                                          .event_ctx = &events };
    asynrole_workers_t *hub =
        asynrole_workers_new (agent, "inproc://test-local", s_local, &kept, &options, NULL);
    assert_non_null (hub);
    tu_hubs[0] = hub;
    tu_wk_t wk;
    tu_wk_init (&wk);
    wk.echo = true;
    asynrole_worker_t *worker = tu_worker_new ("inproc://test-local", &wk, 4, "remote");
    TU_WAIT_HUB (&events, joined, 1);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    char buf[16];
    asynrole_addr_t from;
    tu_send_udp (fd, &to, "Lhere");
    assert_int_equal (tu_recv_from (fd, buf, sizeof buf, &from), 5);
    assert_string_equal (buf, "local");
    tu_send_udp (fd, &to, "there");
    assert_int_equal (tu_recv_from (fd, buf, sizeof buf, &from), 5);
    assert_string_equal (buf, "there");
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    assert_int_equal (stats.datagrams, 1);
    assert_int_equal (kept, 1);  //  the stats answer came after the callback
    close (fd);
    tu_worker_destroy (&worker);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  Credit: a worker of credit 3 that blocks never holds more than 3

static void
test_credit_never_exceeded (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "inproc://test-credit", ASYNROLE_OVERFLOW_DROP, &events);
    tu_wk_t wk;
    tu_wk_init (&wk);
    wk.block = true;
    wk.hub = hub;
    asynrole_worker_t *worker = tu_worker_new ("inproc://test-credit", &wk, 3, "slow");
    TU_WAIT_HUB (&events, joined, 1);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    for (int i = 0; i < 10; i++)
        tu_send_udp (fd, &to, "x");
    TU_WAIT_WK (&wk, blocked, 1);
    TU_WAIT_HUB (&events, dropped, 7);
    asynrole_worker_info_t info[4];
    assert_int_equal (asynrole_workers_list (hub, info, 4, NULL), 1);
    assert_int_equal (info[0].credit, 3);
    assert_int_equal (info[0].in_worker, 3);
    assert_string_equal (info[0].name, "slow");
    tu_wk_release (&wk);
    TU_WAIT_WK (&wk, returned, 3);
    //  Credit back: more come, one by one, never past 3
    for (size_t i = 0; i < 5; i++) {
        tu_send_udp (fd, &to, "y");
        TU_WAIT_WK (&wk, returned, 4 + i);
    }
    tu_barrier (worker, fd, &client);
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    assert_int_equal (stats.datagrams, 8);
    assert_int_equal (stats.done, 8);
    assert_int_equal (stats.dropped, 7);
    assert_int_equal (events.dropped, 7);
    assert_int_equal (wk.over_credit, 0);
    close (fd);
    tu_worker_destroy (&worker);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  Spreading: three workers each get datagrams

static void
test_spreading (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "tcp://127.0.0.1:*", ASYNROLE_OVERFLOW_DROP, &events);
    tu_wk_t wk[3];
    asynrole_worker_t *worker[3];
    for (int i = 0; i < 3; i++) {
        tu_wk_init (&wk[i]);
        wk[i].echo = true;
        worker[i] = tu_worker_new (asynrole_workers_endpoint (hub), &wk[i], 16, "spread");
    }
    TU_WAIT_HUB (&events, joined, 3);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    for (int i = 0; i < 30; i++)
        tu_send_udp (fd, &to, "z");
    for (int i = 0; i < 30; i++) {
        char buf[8];
        asynrole_addr_t from;
        assert_int_equal (tu_recv_from (fd, buf, sizeof buf, &from), 1);
    }
    size_t sum = 0;
    for (int i = 0; i < 3; i++) {
        size_t got = tu_read_count (&wk[i].mutex, &wk[i].datagrams);
        assert_true (got > 0);
        sum += got;
    }
    assert_int_equal (sum, 30);
    close (fd);
    for (int i = 0; i < 3; i++)
        tu_worker_destroy (&worker[i]);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  DROP: every worker full, the rest dropped, the account exact

static void
test_drop_when_full (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "tcp://127.0.0.1:*", ASYNROLE_OVERFLOW_DROP, &events);
    tu_wk_t wk[2];
    asynrole_worker_t *worker[2];
    for (int i = 0; i < 2; i++) {
        tu_wk_init (&wk[i]);
        wk[i].block = true;
        worker[i] = tu_worker_new (asynrole_workers_endpoint (hub), &wk[i], 2, "full");
    }
    TU_WAIT_HUB (&events, joined, 2);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    const size_t sent = 30;
    for (size_t i = 0; i < sent; i++)
        tu_send_udp (fd, &to, "d");
    TU_WAIT_HUB (&events, dropped, sent - 4);
    for (int i = 0; i < 2; i++) {
        TU_WAIT_WK (&wk[i], blocked, 1);
        tu_wk_release (&wk[i]);
        TU_WAIT_WK (&wk[i], returned, 2);
        tu_barrier (worker[i], fd, &client);
    }
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    assert_int_equal (stats.datagrams, 4);
    assert_int_equal (sent, stats.done + stats.dropped + stats.lost_datagrams);
    assert_int_equal (stats.dropped, events.dropped);
    assert_true (events.drop_events >= 1 && events.drop_events <= stats.dropped);
    close (fd);
    for (int i = 0; i < 2; i++)
        tu_worker_destroy (&worker[i]);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  PAUSE: nothing dropped by the workers actor; the Agent holds what it
//  may, then its I/O actor leaves the rest to the kernel (the batch read
//  when its bound is reached is dropped: counted, reported)

static void
s_pause_event (void *ctx, const asynrole_error_t *event)
{
    tu_wk_t *wk = (tu_wk_t *) ctx;
    pthread_mutex_lock (&wk->mutex);
    if (event->code == ASYNROLE_OK)
        wk->hub_joined++;
    else if (event->code == ASYNROLE_EDROPPED && event->op == ASYNROLE_OP_WORKER)
        wk->hub_dropped += event->count;
    else if (event->code == ASYNROLE_EDROPPED)
        wk->agent_dropped += event->count;
    pthread_cond_broadcast (&wk->cond);
    pthread_mutex_unlock (&wk->mutex);
}

//  Wait until every datagram is done or dropped by the Agent: target in all
static bool
s_wait_pause_account (tu_wk_t *wk, size_t target)
{
    struct timespec deadline = tu_deadline (TU_TIMEOUT_MS);
    pthread_mutex_lock (&wk->mutex);
    while (wk->returned + wk->agent_dropped < target)
        if (pthread_cond_timedwait (&wk->cond, &wk->mutex, &deadline))
            break;
    bool done = wk->returned + wk->agent_dropped >= target;
    pthread_mutex_unlock (&wk->mutex);
    return done;
}

static void
test_pause (void **state)
{
    (void) state;
    asynrole_options_t options = { .pipe_mode = true, .max_bytes = 1024 * 1024 };
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &options);
    tu_wk_t wk;
    tu_wk_init (&wk);
    wk.block = true;
    asynrole_workers_t *hub =
        tu_hub_new_fn (agent, "inproc://test-pause", ASYNROLE_OVERFLOW_PAUSE, s_pause_event, &wk);
    asynrole_worker_t *worker = tu_worker_new ("inproc://test-pause", &wk, 2, "paused");
    TU_WAIT_WK (&wk, hub_joined, 1);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    const size_t sent = 3000;
    char payload[101];
    memset (payload, 'p', 100);
    payload[100] = '\0';
    for (size_t i = 0; i < sent; i++)
        tu_send_udp (fd, &to, payload);
    TU_WAIT_WK (&wk, blocked, 1);
    //  The workers actor stops reading once the worker holds its credit
    //  (each stats call is a round trip to it, with its deadline)
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    while (stats.paused == 0 && tu_now () < deadline)
        stats = tu_hub_stats (hub);
    assert_true (stats.paused >= 1);
    assert_int_equal (stats.datagrams, 2);
    //  Every datagram is sent: what the kernel dropped is dropped for good
    asynrole_stats_t agent_stats = tu_agent_stats (agent, 0);
    tu_wk_release (&wk);
    assert_true (s_wait_pause_account (&wk, sent - agent_stats.kernel_dropped));
    tu_barrier (worker, fd, &client);
    stats = tu_hub_stats (hub);
    agent_stats = tu_agent_stats (agent, 0);
    assert_int_equal (stats.dropped, 0);
    assert_int_equal (wk.hub_dropped, 0);
    assert_true (agent_stats.paused >= 1);
    assert_int_equal (sent, stats.done + agent_stats.dropped + agent_stats.kernel_dropped);
    printf ("pause: %zu sent, %" PRIu64 " done, %" PRIu64 " dropped by the Agent, %" PRIu64
            " by the kernel; the workers actor paused %" PRIu64 " times\n",
            sent, stats.done, agent_stats.dropped, agent_stats.kernel_dropped, stats.paused);
    close (fd);
    tu_worker_destroy (&worker);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  A worker that goes silent is lost with what it held; the others get its
//  share; it rejoins with HELLO

static void
test_silent_worker (void **state)
{
    (void) state;
    tu_hb_timeout = 3 * TU_HEARTBEAT;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "tcp://127.0.0.1:*", ASYNROLE_OVERFLOW_DROP, &events);
    tu_wk_t wk;
    tu_wk_init (&wk);
    asynrole_worker_t *worker = tu_worker_new (asynrole_workers_endpoint (hub), &wk, 64, "steady");
    TU_WAIT_HUB (&events, joined, 1);
    void *raw = tu_raw_new (asynrole_workers_endpoint (hub));
    tu_raw_hello (raw, 5);
    zmsg_t *msg = NULL;
    rwire_msg_t m;
    tu_raw_expect (raw, RWIRE_WELCOME, &m, &msg);
    assert_int_equal (m.credit, 5);
    assert_int_equal (m.heartbeat, TU_HEARTBEAT);
    assert_int_equal (m.heartbeat_timeout, 3 * TU_HEARTBEAT);
    TU_WAIT_HUB (&events, joined, 2);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    tu_raw_send (raw, rwire_simple (RWIRE_HEARTBEAT));
    for (int i = 0; i < 20; i++)
        tu_send_udp (fd, &to, "s");
    //  The raw peer takes its credit's worth (alive while it takes them),
    //  then says nothing more
    for (int i = 0; i < 5; i++) {
        tu_raw_expect (raw, RWIRE_DATAGRAM, &m, &msg);
        tu_raw_send (raw, rwire_simple (RWIRE_HEARTBEAT));
        assert_true (asynrole_addr_equal (&m.peer, &client));
        assert_int_equal (m.peer.via, 1);
        assert_true (tu_same_ip (&m.local, &to));
    }
    TU_WAIT_HUB (&events, gone, 1);
    assert_int_equal (events.lost, 5);
    TU_WAIT_WK (&wk, returned, 15);
    for (int i = 0; i < 10; i++)
        tu_send_udp (fd, &to, "t");
    TU_WAIT_WK (&wk, returned, 25);
    tu_barrier (worker, fd, &client);
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    assert_int_equal (stats.datagrams, 30);
    assert_int_equal (stats.done, 25);
    assert_int_equal (stats.lost_datagrams, 5);
    assert_int_equal (stats.lost, 1);
    asynrole_worker_info_t info[4];
    assert_int_equal (asynrole_workers_list (hub, info, 4, NULL), 2);
    assert_true (info[0].connected);
    assert_false (info[1].connected);
    assert_string_equal (info[1].name, "raw");
    assert_int_equal (info[1].datagrams, 5);
    assert_int_equal (info[1].lost_datagrams, 5);
    //  It comes back
    tu_raw_hello (raw, 5);
    tu_raw_expect (raw, RWIRE_WELCOME, &m, &msg);
    TU_WAIT_HUB (&events, joined, 3);
    zmsg_destroy (&msg);
    tu_raw_destroy (&raw);
    close (fd);
    tu_worker_destroy (&worker);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  What the network sends that we refuse: counted, answered, and the
//  workers actor keeps serving

static void
test_refused (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "tcp://127.0.0.1:*", ASYNROLE_OVERFLOW_DROP, &events);
    const char *endpoint = asynrole_workers_endpoint (hub);
    //  A stranger's heartbeat: say HELLO first
    void *raw1 = tu_raw_new (endpoint);
    tu_raw_send (raw1, rwire_simple (RWIRE_HEARTBEAT));
    tu_raw_expect_error (raw1, ASYNROLE_EDISCONNECTED);
    //  Another version
    const uint8_t v2[] = { 'A', 'R', 2, RWIRE_HEARTBEAT };
    tu_raw_frame (raw1, v2, sizeof v2);
    tu_raw_expect_error (raw1, ASYNROLE_EPROTOCOL);
    //  Not ours at all
    void *raw2 = tu_raw_new (endpoint);
    tu_raw_frame (raw2, "garbage", 7);
    tu_raw_expect_error (raw2, ASYNROLE_EPROTOCOL);
    //  A worker we know that gives back more credit than it holds
    void *raw3 = tu_raw_new (endpoint);
    tu_raw_hello (raw3, 4);
    zmsg_t *msg = NULL;
    rwire_msg_t m;
    tu_raw_expect (raw3, RWIRE_WELCOME, &m, &msg);
    zmsg_destroy (&msg);
    rwire_msg_t credit = { .type = RWIRE_CREDIT, .done = 3 };
    tu_raw_send (raw3, rwire_encode (&credit));
    tu_raw_expect_error (raw3, ASYNROLE_EPROTOCOL);
    //  A stranger's ERROR and BYE are never answered (counted); the answer
    //  to its next heartbeat says they were read
    tu_raw_send (raw2, rwire_error (ASYNROLE_EINTERNAL, "test"));
    tu_raw_send (raw2, rwire_simple (RWIRE_BYE));
    tu_raw_send (raw2, rwire_simple (RWIRE_HEARTBEAT));
    tu_raw_expect_error (raw2, ASYNROLE_EDISCONNECTED);
    //  Still serving: a worker joins and a round trip goes through
    tu_wk_t wk;
    tu_wk_init (&wk);
    wk.echo = true;
    asynrole_worker_t *worker = tu_worker_new (endpoint, &wk, 8, "after");
    TU_WAIT_HUB (&events, joined, 2);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    //  Both workers have credit: the raw one takes its turn unanswered
    for (int i = 0; i < 2; i++)
        tu_send_udp (fd, &to, "after");
    char buf[16];
    asynrole_addr_t from;
    assert_int_equal (tu_recv_from (fd, buf, sizeof buf, &from), 5);
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    assert_int_equal (stats.unknown_peer, 4);
    assert_int_equal (stats.bad_version, 1);
    assert_int_equal (stats.malformed, 2);
    assert_true (tu_read_count (&events.mutex, &events.protocol) >= 3);
    close (fd);
    tu_worker_destroy (&worker);
    tu_raw_destroy (&raw1);
    tu_raw_destroy (&raw2);
    tu_raw_destroy (&raw3);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  BYE: a worker destroyed from its own callback leaves (deferred destroy)

static asynrole_worker_t *s_self_destroying;
static pthread_mutex_t s_self_mutex = PTHREAD_MUTEX_INITIALIZER;

static void
s_destroy_cb (asynrole_worker_t *worker, void *ctx, const asynrole_datagram_t *datagram,
              const asynrole_error_t *error)
{
    (void) error;
    if (datagram) {
        pthread_mutex_lock (&s_self_mutex);
        asynrole_worker_destroy (&s_self_destroying);
        pthread_mutex_unlock (&s_self_mutex);
        //  Still usable until the callback returns
        asynrole_worker_reply (worker, datagram, "bye", 3, NULL);
    }
    (void) ctx;
}

static void
test_bye_from_callback (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "inproc://test-bye", ASYNROLE_OVERFLOW_DROP, &events);
    asynrole_remote_options_t options = { .heartbeat = TU_HEARTBEAT, .name = "leaving" };
    pthread_mutex_lock (&s_self_mutex);
    s_self_destroying =
        asynrole_worker_new ("inproc://test-bye", s_destroy_cb, NULL, &options, NULL);
    bool made = s_self_destroying != NULL;
    pthread_mutex_unlock (&s_self_mutex);
    assert_true (made);
    TU_WAIT_HUB (&events, joined, 1);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    tu_send_udp (fd, &to, "go");
    char buf[16];
    asynrole_addr_t from;
    assert_int_equal (tu_recv_from (fd, buf, sizeof buf, &from), 3);
    TU_WAIT_HUB (&events, gone, 1);
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    assert_int_equal (stats.left, 1);
    assert_int_equal (stats.lost, 0);
    assert_int_equal (stats.peers, 0);
    assert_int_equal (stats.done, 1);
    assert_int_equal (stats.lost_datagrams, 0);
    close (fd);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  The workers actor goes away: the worker is told (EDISCONNECTED), says
//  HELLO again, and joins the next one on the same endpoint

static void
test_hub_gone_and_back (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "tcp://127.0.0.1:*", ASYNROLE_OVERFLOW_DROP, &events);
    char endpoint[256];
    snprintf (endpoint, sizeof endpoint, "%s", asynrole_workers_endpoint (hub));
    tu_wk_t wk;
    tu_wk_init (&wk);
    wk.echo = true;
    wk.block = true;
    asynrole_worker_t *worker = tu_worker_new (endpoint, &wk, 4, "faithful");
    TU_WAIT_HUB (&events, joined, 1);
    TU_WAIT_WK (&wk, joined, 1);
    //  Destroyed with a worker connected, one datagram in its callback
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    tu_send_udp (fd, &to, "first");
    TU_WAIT_WK (&wk, blocked, 1);
    char buf[16];
    asynrole_addr_t from;
    assert_int_equal (tu_recv_from (fd, buf, sizeof buf, &from), 5);
    tu_hub_destroy (&hub);
    tu_wk_release (&wk);
    TU_WAIT_WK (&wk, lost, 1);
    //  The reply had nowhere to go
    asynrole_error_t error;
    assert_int_equal (asynrole_worker_send (worker, "x", 1, &client, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EDISCONNECTED);
    tu_hub_events_t events2;
    tu_hub_events_init (&events2);
    hub = tu_hub_new (agent, endpoint, ASYNROLE_OVERFLOW_DROP, &events2);
    TU_WAIT_HUB (&events2, joined, 1);
    TU_WAIT_WK (&wk, joined, 2);
    tu_send_udp (fd, &to, "again");
    assert_int_equal (tu_recv_from (fd, buf, sizeof buf, &from), 5);
    assert_string_equal (buf, "again");
    asynrole_remote_stats_t stats;
    assert_int_equal (asynrole_worker_stats (worker, &stats, NULL), 0);
    assert_int_equal (stats.joined, 2);
    assert_int_equal (stats.peers, 1);
    close (fd);
    tu_worker_destroy (&worker);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  The worker's side of the protocol, against a raw workers actor (a
//  ROUTER): what it refuses, a silent workers actor, ERROR EDISCONNECTED

//  The next message on router: its sender's id is kept in *id_p
static void
s_router_expect (void *router, rwire_type_t type, rwire_msg_t *m, zmsg_t **msg_p, zframe_t **id_p)
{
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    while (true) {
        zmsg_destroy (msg_p);
        zframe_destroy (id_p);
        int left = (int) (deadline - tu_now ());
        assert_true (left > 0 && frames_wait (router, left) > 0);
        *msg_p = zmsg_recv (router);
        assert_non_null (*msg_p);
        *id_p = zmsg_pop (*msg_p);
        assert_int_equal (rwire_decode (*msg_p, m), RWIRE_OK);
        if (m->type == type)
            return;
    }
}

static void
s_router_send (void *router, zframe_t *id, zmsg_t *msg)
{
    assert_non_null (msg);
    assert_int_equal (rmsg_send (router, zframe_data (id), zframe_size (id), &msg), 0);
}

static void
test_worker_side (void **state)
{
    (void) state;
    assert_int_equal (ctx_acquire (NULL), 0);
    void *router = ctx_socket (ZMQ_ROUTER, NULL);
    assert_non_null (router);
    assert_int_equal (zmq_bind (router, "inproc://test-worker-side"), 0);
    tu_wk_t wk;
    tu_wk_init (&wk);
    asynrole_worker_t *worker = tu_worker_new ("inproc://test-worker-side", &wk, 7, "alone");
    zmsg_t *msg = NULL;
    zframe_t *id = NULL;
    rwire_msg_t m;
    s_router_expect (router, RWIRE_HELLO, &m, &msg, &id);
    assert_int_equal (m.credit, 7);
    assert_string_equal (m.text, "alone");
    //  Garbage, another version: refused, answered, reported (once a second)
    zmsg_t *garbage = zmsg_new ();
    zmsg_addstr (garbage, "garbage");
    s_router_send (router, id, garbage);
    rwire_msg_t expect;
    s_router_expect (router, RWIRE_ERROR, &expect, &msg, &id);
    assert_int_equal (expect.code, ASYNROLE_EPROTOCOL);
    TU_WAIT_WK (&wk, protocol, 1);
    //  A WELCOME with 50 ms heartbeats: it joins
    rwire_msg_t welcome = {
        .type = RWIRE_WELCOME, .credit = 7, .heartbeat = 50, .heartbeat_timeout = 150
    };
    s_router_send (router, id, rwire_encode (&welcome));
    TU_WAIT_WK (&wk, joined, 1);
    //  It heartbeats; then, with us silent, it is lost and says HELLO again
    s_router_expect (router, RWIRE_HEARTBEAT, &m, &msg, &id);
    TU_WAIT_WK (&wk, lost, 1);
    s_router_expect (router, RWIRE_HELLO, &m, &msg, &id);
    s_router_send (router, id, rwire_encode (&welcome));
    TU_WAIT_WK (&wk, joined, 2);
    //  ERROR EDISCONNECTED: we no longer know it; HELLO again
    s_router_send (router, id, rwire_error (ASYNROLE_EDISCONNECTED, "say HELLO"));
    TU_WAIT_WK (&wk, lost, 2);
    s_router_expect (router, RWIRE_HELLO, &m, &msg, &id);
    asynrole_remote_stats_t stats;
    assert_int_equal (asynrole_worker_stats (worker, &stats, NULL), 0);
    assert_int_equal (stats.malformed, 1);
    assert_int_equal (stats.joined, 2);
    assert_int_equal (stats.lost, 2);
    zmsg_destroy (&msg);
    zframe_destroy (&id);
    tu_worker_destroy (&worker);
    ctx_close (&router);
    ctx_release ();
}

//  -------------------------------------------------------------------------
//  Bad arguments

static void
test_bad_arguments (void **state)
{
    (void) state;
    asynrole_error_t error;
    tu_collector_t *collector = tu_collector_new ();
    asynrole_agent_t *callback_agent =
        tu_agent_new (tu_agent_collect_cb, collector, "127.0.0.1:0", NULL);
    assert_null (asynrole_workers_new (callback_agent, "inproc://x", NULL, NULL, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_null (asynrole_workers_new (NULL, "inproc://x", NULL, NULL, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    assert_null (asynrole_workers_new (agent, "tcp://0.0.0.0:*", NULL, NULL, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_null (asynrole_workers_new (agent, "bogus://x", NULL, NULL, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    asynrole_remote_options_t options = { .heartbeat = 100, .heartbeat_timeout = 150 };
    assert_null (asynrole_workers_new (agent, "inproc://x", NULL, NULL, &options, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    //  Heartbeats past their bounds (1 h, 3 h), refused before 3 * heartbeat
    //  overflows; a negative timeout
    asynrole_remote_options_t huge[] = { { .heartbeat = 3600 * 1000 + 1 },
                                         { .heartbeat = INT32_MAX },
                                         { .heartbeat_timeout = 3 * 3600 * 1000 + 1 },
                                         { .timeout = -1 } };
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        assert_null (asynrole_workers_new (agent, "inproc://x", NULL, NULL, &huge[i], &error));
        assert_int_equal (error.code, ASYNROLE_EBADARG);
        assert_null (asynrole_worker_new ("inproc://x", tu_wk_cb, NULL, &huge[i], &error));
        assert_int_equal (error.code, ASYNROLE_EBADARG);
    }
    //  A port in use
    asynrole_workers_t *hub =
        asynrole_workers_new (agent, "tcp://127.0.0.1:*", NULL, NULL, NULL, &error);
    assert_non_null (hub);
    //  (on another Agent: one Agent takes one workers actor)
    asynrole_agent_t *other = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    assert_null (
        asynrole_workers_new (other, asynrole_workers_endpoint (hub), NULL, NULL, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_ENETWORK);
    assert_int_equal (error.sys_errno, EADDRINUSE);
    tu_agent_destroy (&other);
    asynrole_workers_destroy (&hub);
    assert_null (asynrole_worker_new ("inproc://x", NULL, NULL, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_null (asynrole_worker_new ("tcp://nowhere", tu_wk_cb, NULL, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    //  A reply not from the callback
    tu_wk_t wk;
    tu_wk_init (&wk);
    asynrole_worker_t *worker = tu_worker_new ("inproc://nobody", &wk, 1, "alone");
    asynrole_datagram_t datagram = { .peer = tu_addr ("127.0.0.1:9") };
    assert_int_equal (asynrole_worker_reply (worker, &datagram, "x", 1, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    tu_worker_destroy (&worker);
    tu_agent_destroy (&agent);
    tu_agent_destroy (&callback_agent);
}

//  -------------------------------------------------------------------------
//  Throughput through one worker with an empty callback, tcp loopback
//  (printed; the exact account is checked)

static void
test_throughput (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "tcp://127.0.0.1:*", ASYNROLE_OVERFLOW_PAUSE, &events);
    tu_wk_t wk;
    tu_wk_init (&wk);
    asynrole_worker_t *worker = tu_worker_new (asynrole_workers_endpoint (hub), &wk, 256, "fast");
    TU_WAIT_HUB (&events, joined, 1);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    //  In windows, so that the kernel never drops: the rate is the chain's
    const size_t total = 40000, window = 2000;
    int64_t start = tu_now_us ();
    for (size_t sent = 0; sent < total; sent += window) {
        for (size_t i = 0; i < window; i++)
            tu_send_udp (fd, &to, "0123456789abcdef0123456789abcdef");
        TU_WAIT_WK (&wk, returned, sent + window);
    }
    int64_t elapsed = tu_now_us () - start;
    printf ("workers: %zu datagrams through one worker (tcp loopback) in %.3f s: %.0f/s\n", total,
            (double) elapsed / 1e6, (double) total * 1e6 / (double) elapsed);
    tu_barrier (worker, fd, &client);
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    assert_int_equal (stats.done, total);
    assert_int_equal (stats.dropped, 0);
    close (fd);
    tu_worker_destroy (&worker);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  Replies through one echoing worker, tcp loopback (printed; every
//  request answered)
static void
test_reply_throughput (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "tcp://127.0.0.1:*", ASYNROLE_OVERFLOW_PAUSE, &events);
    tu_wk_t wk;
    tu_wk_init (&wk);
    wk.echo = true;
    asynrole_worker_t *worker = tu_worker_new (asynrole_workers_endpoint (hub), &wk, 256, "echo");
    TU_WAIT_HUB (&events, joined, 1);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    int rcvbuf = 8 * 1024 * 1024;
    setsockopt (fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    const size_t total = 20000, window = 1000;
    int64_t start = tu_now_us ();
    for (size_t sent = 0; sent < total; sent += window) {
        for (size_t i = 0; i < window; i++)
            tu_send_udp (fd, &to, "0123456789abcdef0123456789abcdef");
        for (size_t i = 0; i < window; i++) {
            char buf[64];
            asynrole_addr_t from;
            assert_int_equal (tu_recv_from (fd, buf, sizeof buf, &from), 32);
        }
    }
    int64_t elapsed = tu_now_us () - start;
    printf ("workers: %zu requests answered through one worker (tcp loopback) in %.3f s: "
            "%.0f/s\n",
            total, (double) elapsed / 1e6, (double) total * 1e6 / (double) elapsed);
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    assert_int_equal (stats.replies, total);
    assert_int_equal (stats.replies_failed, 0);
    close (fd);
    tu_worker_destroy (&worker);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown (test_round_trip_inproc, tu_remote_teardown),
        cmocka_unit_test_teardown (test_round_trip_tcp, tu_remote_teardown),
        cmocka_unit_test_teardown (test_round_trip_ipc, tu_remote_teardown),
        cmocka_unit_test_teardown (test_round_trip_tcp6, tu_remote_teardown),
        cmocka_unit_test_teardown (test_local_first, tu_remote_teardown),
        cmocka_unit_test_teardown (test_credit_never_exceeded, tu_remote_teardown),
        cmocka_unit_test_teardown (test_spreading, tu_remote_teardown),
        cmocka_unit_test_teardown (test_drop_when_full, tu_remote_teardown),
        cmocka_unit_test_teardown (test_pause, tu_remote_teardown),
        cmocka_unit_test_teardown (test_silent_worker, tu_remote_teardown),
        cmocka_unit_test_teardown (test_refused, tu_remote_teardown),
        cmocka_unit_test_teardown (test_bye_from_callback, tu_remote_teardown),
        cmocka_unit_test_teardown (test_hub_gone_and_back, tu_remote_teardown),
        cmocka_unit_test_teardown (test_worker_side, tu_remote_teardown),
        cmocka_unit_test_teardown (test_bad_arguments, tu_remote_teardown),
        cmocka_unit_test_teardown (test_throughput, tu_remote_teardown),
        cmocka_unit_test_teardown (test_reply_throughput, tu_remote_teardown),
    };
    return tu_main (tests, argc, argv);
}
