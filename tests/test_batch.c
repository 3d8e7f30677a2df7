/*  test_batch.c - sends a role's own thread makes while it runs a batch's
    callbacks leave together, once the callbacks are done (role_batch.h):
    every request of a burst answered, in order per peer, counters exact; a
    reply held until its callback returns while a send on another role goes
    at once; held sends reaching the bound go early; a reply that finds the
    send queue full pushes what is held and waits, without waiting for
    itself; a role destroyed from its callback still sends what it held;
    stats asked for from a callback count what it sent before; a callback
    that waits in asynrole_event_recv for what its own send brings about
    gets it (the held send goes before the wait). */
#include "testutil.h"
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

//  -------------------------------------------------------------------------
//  A burst from two peers: all answered, each peer's answers in order

//  Per peer: the client's default receive buffer holds them all
#define BURST 100

static void
s_send_seq (int fd, const asynrole_addr_t *to, uint32_t peer, uint32_t seq)
{
    uint32_t payload[2] = { peer, seq };
    assert_int_equal (sendto (fd, payload, sizeof payload, 0, &to->u.sa, to->len),
                      (ssize_t) sizeof payload);
}

//  Read every answer one peer gets: each its own, in order
static void
s_read_answers (int fd, uint32_t peer)
{
    for (uint32_t expected = 0; expected < BURST; expected++) {
        uint32_t payload[2];
        assert_int_equal (tu_recv (fd, payload, sizeof payload, TU_TIMEOUT_MS),
                          (ssize_t) sizeof payload);
        assert_int_equal (payload[0], peer);
        assert_int_equal (payload[1], expected);
    }
}

static void
test_burst_answered_in_order (void **state)
{
    (void) state;
    tu_collector_t *collector = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_reply_cb, collector, "127.0.0.1:0", NULL);
    asynrole_addr_t to = *asynrole_agent_local (agent, 0);
    asynrole_addr_t bound[2];
    int fds[2] = { tu_client ("127.0.0.1", &bound[0]), tu_client ("127.0.0.1", &bound[1]) };
    //  All at once: the Agent reads them in batches and answers each batch
    //  as one frame
    for (uint32_t seq = 0; seq < BURST; seq++)
        for (uint32_t peer = 0; peer < 2; peer++)
            s_send_seq (fds[peer], &to, peer, seq);
    for (uint32_t peer = 0; peer < 2; peer++)
        s_read_answers (fds[peer], peer);
    assert_int_equal (tu_collector_echo_failures (collector), 0);
    asynrole_stats_t stats = tu_agent_stats (agent, 0);
    assert_int_equal (stats.rx_datagrams, 2 * BURST);
    assert_int_equal (stats.tx_datagrams, 2 * BURST);
    assert_int_equal (stats.tx_bytes, 2 * BURST * 8);
    assert_int_equal (stats.tx_failed, 0);
    assert_int_equal (stats.tx_backlog, 0);
    close (fds[0]);
    close (fds[1]);
}

//  -------------------------------------------------------------------------
//  Held until the callback returns; a send on another role goes at once

typedef struct {
    asynrole_manager_t *other;  //  another role, to the same client
    asynrole_addr_t client;
    int fd;           //  the client's socket, read by the callback
    char first[16];   //  what reached the client while the callback ran
    bool reply_seen;  //  the Agent's own reply reached it then too
    int reply_rc, other_rc;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    bool done;
} held_t;

static void
s_held_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
           const asynrole_error_t *error)
{
    (void) error;
    held_t *self = (held_t *) ctx;
    if (!datagram)
        return;
    self->reply_rc = asynrole_agent_reply (agent, datagram, "held", 4, NULL);
    self->other_rc = asynrole_manager_send (self->other, "now", 3, &self->client, NULL);
    //  The other role's send arrives while we are still here; our reply
    //  does not (it leaves when the batch's callbacks are done)
    ssize_t size = tu_recv (self->fd, self->first, sizeof self->first - 1, TU_TIMEOUT_MS);
    if (size > 0)
        self->first[size] = '\0';
    char more[16];
    self->reply_seen = tu_recv (self->fd, more, sizeof more, 200) >= 0;
    pthread_mutex_lock (&self->mutex);
    self->done = true;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

static void
test_held_until_callbacks_done (void **state)
{
    (void) state;
    held_t held = { .fd = -1 };
    pthread_mutex_init (&held.mutex, NULL);
    tu_cond_init (&held.cond);
    held.fd = tu_client ("127.0.0.1", &held.client);
    held.other = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", NULL);
    asynrole_agent_t *agent = tu_agent_new (s_held_cb, &held, "127.0.0.1:0", NULL);
    const asynrole_addr_t *to = asynrole_agent_local (agent, 0);
    assert_int_equal (sendto (held.fd, "go", 2, 0, &to->u.sa, to->len), 2);
    assert_true (tu_wait_flag (&held.mutex, &held.cond, &held.done, TU_TIMEOUT_MS));
    assert_int_equal (held.reply_rc, 0);
    assert_int_equal (held.other_rc, 0);
    assert_string_equal (held.first, "now");
    assert_false (held.reply_seen);
    //  Once the callback returned, the reply came
    char reply[16] = "";
    assert_int_equal (tu_recv (held.fd, reply, sizeof reply - 1, TU_TIMEOUT_MS), 4);
    assert_string_equal (reply, "held");
    tu_agent_destroy (&agent);
    tu_manager_destroy (&held.other);
    close (held.fd);
    pthread_cond_destroy (&held.cond);
    pthread_mutex_destroy (&held.mutex);
}

//  -------------------------------------------------------------------------
//  A reply that finds the send queue full: what is held goes, then it
//  waits for room as any send does (never for credit it holds itself)

#define FULL_REQUESTS 5
#define FULL_REPLIES 3
#define FULL_SIZE 1200

typedef struct {
    pthread_mutex_t mutex;
    size_t replies;  //  accepted
    size_t refused;
} full_t;

static void
s_full_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
           const asynrole_error_t *error)
{
    (void) error;
    full_t *self = (full_t *) ctx;
    if (!datagram)
        return;
    uint8_t payload[FULL_SIZE];
    tu_fill (payload, sizeof payload, 3);
    //  Each reply after the first finds the queue (2 KiB) full of the one
    //  held before it
    for (int i = 0; i < FULL_REPLIES; i++) {
        int rc = asynrole_agent_reply (agent, datagram, payload, sizeof payload, NULL);
        pthread_mutex_lock (&self->mutex);
        rc == 0 ? self->replies++ : self->refused++;
        pthread_mutex_unlock (&self->mutex);
    }
}

static void
test_full_queue_flushes_then_waits (void **state)
{
    (void) state;
    full_t full = { .replies = 0 };
    pthread_mutex_init (&full.mutex, NULL);
    asynrole_options_t options = { .send_queue = 2048, .send_timeout = 3000 };
    asynrole_agent_t *agent = tu_agent_new (s_full_cb, &full, "127.0.0.1:0", &options);
    const asynrole_addr_t *to = asynrole_agent_local (agent, 0);
    asynrole_addr_t bound;
    int fd = tu_client ("127.0.0.1", &bound);
    int64_t start = tu_now ();
    for (int i = 0; i < FULL_REQUESTS; i++)
        assert_int_equal (sendto (fd, "?", 1, 0, &to->u.sa, to->len), 1);
    uint8_t buf[FULL_SIZE + 1];
    for (int i = 0; i < FULL_REQUESTS * FULL_REPLIES; i++)
        assert_int_equal (tu_recv (fd, buf, sizeof buf, TU_TIMEOUT_MS), FULL_SIZE);
    //  Well within one send_timeout: nothing waited for its own credit
    assert_true (tu_now () - start < 3000);
    pthread_mutex_lock (&full.mutex);
    assert_int_equal (full.replies, FULL_REQUESTS * FULL_REPLIES);
    assert_int_equal (full.refused, 0);
    pthread_mutex_unlock (&full.mutex);
    asynrole_stats_t stats = tu_agent_stats (agent, 0);
    assert_int_equal (stats.tx_datagrams, FULL_REQUESTS * FULL_REPLIES);
    assert_int_equal (stats.tx_failed, 0);
    tu_agent_destroy (&agent);
    close (fd);
    pthread_mutex_destroy (&full.mutex);
}

//  -------------------------------------------------------------------------
//  Held sends reaching 256 KiB go before the callbacks are done

#define BIG_REPLIES 4  //  4 of the largest IPv4 datagram pass 256 KiB

typedef struct {
    int fd;  //  the client, read by the callback
    int rc[BIG_REPLIES];
    int early;  //  replies the client had while the callback ran
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    bool done;
} big_t;

static void
s_big_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
          const asynrole_error_t *error)
{
    (void) error;
    big_t *self = (big_t *) ctx;
    if (!datagram)
        return;
    static uint8_t payload[ASYNROLE_DGRAM_MAX_IPV4];
    for (int i = 0; i < BIG_REPLIES; i++)
        self->rc[i] = asynrole_agent_reply (agent, datagram, payload, sizeof payload, NULL);
    //  The first three went when the fourth would have passed the bound
    static uint8_t buf[ASYNROLE_DGRAM_MAX_IPV4 + 1];
    while (self->early < BIG_REPLIES - 1
           && tu_recv (self->fd, buf, sizeof buf, TU_TIMEOUT_MS) == ASYNROLE_DGRAM_MAX_IPV4)
        self->early++;
    pthread_mutex_lock (&self->mutex);
    self->done = true;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

static void
test_bound_pushes_early (void **state)
{
    (void) state;
    big_t big = { .early = 0, .done = false };
    pthread_mutex_init (&big.mutex, NULL);
    tu_cond_init (&big.cond);
    asynrole_addr_t bound;
    big.fd = tu_client ("127.0.0.1", &bound);
    int room = 4 * ASYNROLE_DGRAM_MAX_IPV4;  //  the kernel doubles it, up to its cap
    assert_int_equal (setsockopt (big.fd, SOL_SOCKET, SO_RCVBUF, &room, sizeof room), 0);
    asynrole_agent_t *agent = tu_agent_new (s_big_cb, &big, "127.0.0.1:0", NULL);
    const asynrole_addr_t *to = asynrole_agent_local (agent, 0);
    assert_int_equal (sendto (big.fd, "?", 1, 0, &to->u.sa, to->len), 1);
    assert_true (tu_wait_flag (&big.mutex, &big.cond, &big.done, TU_TIMEOUT_MS));
    for (int i = 0; i < BIG_REPLIES; i++)
        assert_int_equal (big.rc[i], 0);
    assert_int_equal (big.early, BIG_REPLIES - 1);
    //  The last one, held until the callback returned
    static uint8_t buf[ASYNROLE_DGRAM_MAX_IPV4 + 1];
    assert_int_equal (tu_recv (big.fd, buf, sizeof buf, TU_TIMEOUT_MS), ASYNROLE_DGRAM_MAX_IPV4);
    tu_agent_destroy (&agent);
    close (big.fd);
    pthread_cond_destroy (&big.cond);
    pthread_mutex_destroy (&big.mutex);
}

//  -------------------------------------------------------------------------
//  Destroyed from its callback after replying: the replies still go

typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    bool closed;  //  the last callback (ASYNROLE_ECLOSED) ran
    int rc[2];
} bye_t;

static void
s_bye_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
          const asynrole_error_t *error)
{
    bye_t *self = (bye_t *) ctx;
    if (datagram) {
        self->rc[0] = asynrole_agent_reply (agent, datagram, datagram->data, datagram->size, NULL);
        self->rc[1] = asynrole_agent_reply (agent, datagram, "bye", 3, NULL);
        asynrole_agent_destroy (&agent);
        return;
    }
    if (error->code != ASYNROLE_ECLOSED)
        return;
    pthread_mutex_lock (&self->mutex);
    self->closed = true;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

static void
test_destroy_from_callback_sends_held (void **state)
{
    (void) state;
    bye_t bye = { .closed = false, .rc = { -1, -1 } };
    pthread_mutex_init (&bye.mutex, NULL);
    tu_cond_init (&bye.cond);
    const char *ifaces[] = { "127.0.0.1:0" };
    asynrole_error_t error;
    //  Not registered: it destroys itself
    asynrole_agent_t *agent = asynrole_agent_new (s_bye_cb, &bye, ifaces, 1, NULL, &error);
    assert_non_null (agent);
    asynrole_addr_t to = *asynrole_agent_local (agent, 0);
    asynrole_addr_t bound;
    int fd = tu_client ("127.0.0.1", &bound);
    assert_int_equal (sendto (fd, "hi", 2, 0, &to.u.sa, to.len), 2);
    char buf[16] = "";
    assert_int_equal (tu_recv (fd, buf, sizeof buf - 1, TU_TIMEOUT_MS), 2);
    assert_string_equal (buf, "hi");
    memset (buf, 0, sizeof buf);
    assert_int_equal (tu_recv (fd, buf, sizeof buf - 1, TU_TIMEOUT_MS), 3);
    assert_string_equal (buf, "bye");
    assert_true (tu_wait_flag (&bye.mutex, &bye.cond, &bye.closed, TU_TIMEOUT_MS));
    assert_int_equal (bye.rc[0], 0);
    assert_int_equal (bye.rc[1], 0);
    close (fd);
    pthread_cond_destroy (&bye.cond);
    pthread_mutex_destroy (&bye.mutex);
}

//  -------------------------------------------------------------------------
//  A Manager's callback sending: its sends leave too, and the stats it asks
//  for from the callback count what it sent before (held sends go first)

typedef struct {
    asynrole_addr_t peer;
    int sent;
    asynrole_stats_t stats;
    int stats_rc;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    bool done;
} ask_t;

static void
s_ask_cb (asynrole_manager_t *manager, void *ctx, const asynrole_datagram_t *datagram,
          const asynrole_error_t *error)
{
    (void) error;
    ask_t *self = (ask_t *) ctx;
    if (!datagram || self->done)
        return;
    for (int i = 0; i < 3; i++)
        self->sent += asynrole_manager_send (manager, "x", 1, &datagram->peer, NULL) == 0;
    self->stats_rc = asynrole_manager_stats (manager, &self->stats, NULL);
    pthread_mutex_lock (&self->mutex);
    self->done = true;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

static void
test_stats_from_callback_see_held_sends (void **state)
{
    (void) state;
    ask_t ask = { .sent = 0, .done = false };
    pthread_mutex_init (&ask.mutex, NULL);
    tu_cond_init (&ask.cond);
    asynrole_addr_t bound;
    int fd = tu_client ("127.0.0.1", &bound);
    asynrole_manager_t *manager = tu_manager_new (s_ask_cb, &ask, NULL, "127.0.0.1:0", NULL);
    const asynrole_addr_t *to = asynrole_manager_local (manager);
    assert_int_equal (sendto (fd, "?", 1, 0, &to->u.sa, to->len), 1);
    assert_true (tu_wait_flag (&ask.mutex, &ask.cond, &ask.done, TU_TIMEOUT_MS));
    assert_int_equal (ask.sent, 3);
    assert_int_equal (ask.stats_rc, 0);
    //  The I/O actor sends what came before a request before answering it
    assert_int_equal (ask.stats.tx_datagrams, 3);
    char buf[4];
    for (int i = 0; i < 3; i++)
        assert_int_equal (tu_recv (fd, buf, sizeof buf, TU_TIMEOUT_MS), 1);
    tu_manager_destroy (&manager);
    close (fd);
    pthread_cond_destroy (&ask.cond);
    pthread_mutex_destroy (&ask.mutex);
}

//  -------------------------------------------------------------------------
//  A callback that waits in asynrole_event_recv (on a pipe-mode Agent of the
//  same program) for the datagram it has just sent there: the send it holds
//  goes before the wait, else it waits for itself until its timeout

typedef struct {
    asynrole_agent_t *agent;  //  pipe mode, read from the callback
    bool got;                 //  the event came
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    bool done;
} relay_t;

static void
s_relay_cb (asynrole_manager_t *manager, void *ctx, const asynrole_datagram_t *datagram,
            const asynrole_error_t *error)
{
    (void) error;
    relay_t *self = (relay_t *) ctx;
    if (!datagram || self->done)
        return;
    asynrole_manager_send (manager, "relay", 5, asynrole_agent_local (self->agent, 0), NULL);
    //  Shorter than the test's wait, so that a stranded send fails the test
    asynrole_event_t *event =
        asynrole_event_recv (asynrole_agent_socket (self->agent), TU_TIMEOUT_MS / 2);
    const asynrole_datagram_t *got = asynrole_event_datagram (event);
    bool ok = got && got->size == 5 && memcmp (got->data, "relay", 5) == 0;
    asynrole_event_destroy (&event);
    pthread_mutex_lock (&self->mutex);
    self->got = ok;
    self->done = true;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

static void
test_event_recv_from_callback_flushes (void **state)
{
    (void) state;
    relay_t relay = { .got = false, .done = false };
    pthread_mutex_init (&relay.mutex, NULL);
    tu_cond_init (&relay.cond);
    asynrole_options_t pipe = { .pipe_mode = true };
    relay.agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &pipe);
    asynrole_addr_t bound;
    int fd = tu_client ("127.0.0.1", &bound);
    asynrole_manager_t *manager = tu_manager_new (s_relay_cb, &relay, NULL, "127.0.0.1:0", NULL);
    const asynrole_addr_t *to = asynrole_manager_local (manager);
    assert_int_equal (sendto (fd, "?", 1, 0, &to->u.sa, to->len), 1);
    assert_true (tu_wait_flag (&relay.mutex, &relay.cond, &relay.done, TU_TIMEOUT_MS));
    assert_true (relay.got);
    tu_manager_destroy (&manager);
    tu_agent_destroy (&relay.agent);
    close (fd);
    pthread_cond_destroy (&relay.cond);
    pthread_mutex_destroy (&relay.mutex);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown (test_burst_answered_in_order, tu_teardown),
        cmocka_unit_test_teardown (test_held_until_callbacks_done, tu_teardown),
        cmocka_unit_test_teardown (test_full_queue_flushes_then_waits, tu_teardown),
        cmocka_unit_test_teardown (test_bound_pushes_early, tu_teardown),
        cmocka_unit_test_teardown (test_destroy_from_callback_sends_held, tu_teardown),
        cmocka_unit_test_teardown (test_stats_from_callback_see_held_sends, tu_teardown),
        cmocka_unit_test_teardown (test_event_recv_from_callback_flushes, tu_teardown),
    };
    return tu_main (tests, argc, argv);
}
