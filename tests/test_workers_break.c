/*  test_workers_break.c - trying to break Agent workers (issue 14): a
    hostile network (a raw DEALER, a raw ROUTER speaking the protocol by
    hand with rwire) and a careless user. Each case is bounded, waits with
    deadlines. Cases named test_break_bug_* prove a bug (they fail until it
    is fixed); the others are regression tests. White-box. */
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
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>

static const asynrole_options_t s_pipe = { .pipe_mode = true };

//  -------------------------------------------------------------------------
//  More raw helpers

//  A raw DEALER that said HELLO with credit and got its WELCOME
static void *
s_raw_join (const char *endpoint, uint32_t credit)
{
    void *raw = tu_raw_new (endpoint);
    tu_raw_hello (raw, credit);
    zmsg_t *msg = NULL;
    rwire_msg_t m;
    tu_raw_expect (raw, RWIRE_WELCOME, &m, &msg);
    zmsg_destroy (&msg);
    return raw;
}

//  The next message that is not a HEARTBEAT, decoded (its type), or -1
static int
s_raw_next (void *raw, rwire_msg_t *m, zmsg_t **msg_p)
{
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    while (true) {
        zmsg_destroy (msg_p);
        int left = (int) (deadline - tu_now ());
        if (left <= 0 || frames_wait (raw, left) <= 0)
            return -1;
        *msg_p = zmsg_recv (raw);
        if (!*msg_p || rwire_decode (*msg_p, m) != RWIRE_OK)
            return -1;
        if (m->type != RWIRE_HEARTBEAT)
            return (int) m->type;
    }
}

static void
s_raw_credit (void *raw, uint32_t done)
{
    rwire_msg_t m = { .type = RWIRE_CREDIT, .done = done };
    tu_raw_send (raw, rwire_encode (&m));
}

//  A CREDIT for more than anyone holds: answered ERROR EPROTOCOL once the
//  workers actor has read everything sent before it (a barrier for a
//  known peer; rate-limited: at most once a second per peer)
static void
s_raw_barrier (void *raw)
{
    s_raw_credit (raw, 0x7fffffff);
    zmsg_t *msg = NULL;
    rwire_msg_t m;
    assert_int_equal (s_raw_next (raw, &m, &msg), RWIRE_ERROR);
    assert_int_equal (m.code, ASYNROLE_EPROTOCOL);
    zmsg_destroy (&msg);
}

//  A stranger's HEARTBEAT is answered "say HELLO": a barrier for strangers
static void
s_stranger_barrier (void *raw)
{
    tu_raw_send (raw, rwire_simple (RWIRE_HEARTBEAT));
    zmsg_t *msg = NULL;
    rwire_msg_t m;
    assert_int_equal (s_raw_next (raw, &m, &msg), RWIRE_ERROR);
    assert_int_equal (m.code, ASYNROLE_EDISCONNECTED);
    zmsg_destroy (&msg);
}

static zmsg_t *
s_send_msg (const asynrole_addr_t *to, uint32_t via, const void *data, size_t size)
{
    rwire_msg_t m = { .type = RWIRE_SEND, .data = data, .size = size };
    if (to)
        m.peer = *to;
    m.peer.via = via;
    return rwire_encode (&m);
}

static void
s_account (asynrole_workers_t *hub)
{
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    assert_int_equal (stats.datagrams, stats.done + stats.lost_datagrams + stats.in_worker);
}

//  -------------------------------------------------------------------------
//  BUG: a WELCOME whose heartbeat is over INT32_MAX passes the worker's
//  check (2 * heartbeat wraps in uint32) and makes the heartbeat negative:
//  the worker then sends HEARTBEATs in a busy loop (a hostile or broken
//  binder makes a worker spin a core and flood the link)

static void
test_break_bug_welcome_heartbeat_wraps (void **state)
{
    (void) state;
    assert_int_equal (ctx_acquire (NULL), 0);
    void *router = ctx_socket (ZMQ_ROUTER, NULL);
    assert_non_null (router);
    assert_int_equal (zmq_bind (router, "inproc://breakw-router"), 0);
    static tu_wk_t wk;
    tu_wk_init (&wk);
    asynrole_worker_t *worker = tu_worker_new ("inproc://breakw-router", &wk, 4, "victim");
    //  Its HELLO
    assert_true (frames_wait (router, TU_TIMEOUT_MS) > 0);
    zmsg_t *hello = zmsg_recv (router);
    assert_non_null (hello);
    zframe_t *id = zmsg_pop (hello);
    rwire_msg_t m;
    assert_int_equal (rwire_decode (hello, &m), RWIRE_OK);
    assert_int_equal (m.type, RWIRE_HELLO);
    zmsg_destroy (&hello);
    rwire_msg_t welcome = {
        .type = RWIRE_WELCOME, .credit = 4, .heartbeat = 0x80000001u, .heartbeat_timeout = 10000
    };
    zmsg_t *msg = rwire_encode (&welcome);
    assert_int_equal (rmsg_send (router, zframe_data (id), zframe_size (id), &msg), 0);
    //  Count what it sends in 300 ms: a worker with a heartbeat of 2^31 ms
    //  (or one that refuses the WELCOME) sends next to nothing
    size_t heartbeats = 0;
    int64_t deadline = tu_now () + 300;
    int left;
    while ((left = (int) (deadline - tu_now ())) > 0 && frames_wait (router, left) > 0) {
        zmsg_t *got = zmsg_recv (router);
        zframe_t *from = zmsg_pop (got);
        if (rwire_decode (got, &m) == RWIRE_OK && m.type == RWIRE_HEARTBEAT)
            heartbeats++;
        zframe_destroy (&from);
        zmsg_destroy (&got);
    }
    tu_worker_destroy (&worker);
    zframe_destroy (&id);
    ctx_close (&router);
    ctx_release ();
    printf ("heartbeats in 300 ms after a WELCOME of heartbeat 0x80000001: %zu\n", heartbeats);
    assert_true (heartbeats <= 2);
}

//  -------------------------------------------------------------------------
//  BUG: an ERROR storm from a joined worker: each ERROR is one event (and,
//  verbose, one log line), no rate limit, while the header promises "never
//  more than one event a second per peer" for what the network sends (and
//  the worker side does rate-limit the ERRORs it gets). Never answered:
//  that part holds.

static void
test_break_bug_error_storm_events (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    static tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "inproc://breakw-storm", ASYNROLE_OVERFLOW_DROP, &events);
    void *raw = s_raw_join ("inproc://breakw-storm", 1);
    TU_WAIT_HUB (&events, joined, 1);
    for (int i = 0; i < 1000; i++)
        tu_raw_send (raw, rwire_error (ASYNROLE_EINTERNAL, "storm"));
    //  The first answer is the barrier's: no ERROR was answered
    s_raw_barrier (raw);
    size_t protocol = tu_read_count (&events.mutex, &events.protocol);
    printf ("EPROTOCOL events after 1000 ERRORs from one worker: %zu\n", protocol);
    tu_raw_destroy (&raw);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
    assert_true (protocol <= 3);
}

//  -------------------------------------------------------------------------
//  asynrole_workers_stats from the workers actor's own callback (on_event)
//  asks its own thread: it must not wait there for options.timeout (it
//  did: 1,000 ms then ETIMEOUT, the actor stalled); it answers, or is
//  refused at once (ASYNROLE_EBADARG, as the header now says)

static pthread_mutex_t s_self_call_mutex = PTHREAD_MUTEX_INITIALIZER;
static asynrole_workers_t *s_self_call_hub;
static int s_self_call_rc = 1;
static int64_t s_self_call_ms = -1;
static asynrole_code_t s_self_call_code;

static void
s_self_call_event (void *ctx, const asynrole_error_t *event)
{
    tu_hub_events_t *events = (tu_hub_events_t *) ctx;
    pthread_mutex_lock (&s_self_call_mutex);
    asynrole_workers_t *hub = s_self_call_hub;
    bool first = s_self_call_ms < 0;
    pthread_mutex_unlock (&s_self_call_mutex);
    if (hub && first && event->code == ASYNROLE_OK) {
        int64_t start = tu_now ();
        asynrole_remote_stats_t stats;
        asynrole_error_t error;
        int rc = asynrole_workers_stats (hub, &stats, &error);
        pthread_mutex_lock (&s_self_call_mutex);
        s_self_call_rc = rc;
        s_self_call_code = error.code;
        s_self_call_ms = tu_now () - start;
        pthread_mutex_unlock (&s_self_call_mutex);
    }
    tu_hub_event (events, event);
}

static void
test_break_stats_from_own_callback (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    static tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_remote_options_t options = { .heartbeat = TU_HEARTBEAT,
                                          .heartbeat_timeout = tu_hb_timeout,
                                          .timeout = 1000,
                                          .on_event = s_self_call_event,
                                          .event_ctx = &events };
    asynrole_error_t error;
    asynrole_workers_t *hub =
        asynrole_workers_new (agent, "inproc://breakw-self", NULL, NULL, &options, &error);
    assert_non_null (hub);
    tu_hubs[0] = hub;
    pthread_mutex_lock (&s_self_call_mutex);
    s_self_call_hub = hub;
    pthread_mutex_unlock (&s_self_call_mutex);
    void *raw = s_raw_join ("inproc://breakw-self", 1);
    TU_WAIT_HUB (&events, joined, 1);
    pthread_mutex_lock (&s_self_call_mutex);
    int rc = s_self_call_rc;
    int64_t ms = s_self_call_ms;
    s_self_call_hub = NULL;
    pthread_mutex_unlock (&s_self_call_mutex);
    printf ("asynrole_workers_stats from on_event: rc %d after %" PRId64 " ms\n", rc, ms);
    tu_raw_destroy (&raw);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
    assert_true (rc == 0 || s_self_call_code == ASYNROLE_EBADARG);
    assert_true (ms >= 0 && ms < 200);
}

//  -------------------------------------------------------------------------
//  BUG: a second workers actor on the same Agent is accepted: two threads
//  then read one libzmq socket (not thread-safe). The header says nothing
//  else may read it; _new can tell (it is the library's own object) and
//  should refuse with ASYNROLE_EBADARG.

static void
test_break_bug_same_agent_twice (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    asynrole_error_t error;
    asynrole_workers_t *hub =
        asynrole_workers_new (agent, "inproc://breakw-twice-1", NULL, NULL, NULL, &error);
    assert_non_null (hub);
    tu_hubs[0] = hub;
    asynrole_workers_t *second =
        asynrole_workers_new (agent, "inproc://breakw-twice-2", NULL, NULL, NULL, &error);
    bool refused = second == NULL;
    asynrole_workers_destroy (&second);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
    assert_true (refused);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
}

//  -------------------------------------------------------------------------
//  BUG: asynrole_worker_send from another thread returns -1 ETIMEOUT when
//  the worker's thread is busy (its callback), yet the datagram still
//  leaves once the callback returns: a caller that retries on failure
//  sends it twice, one that counts it lost is wrong

static void
test_break_bug_send_timeout_still_sent (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    static tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "inproc://breakw-late", ASYNROLE_OVERFLOW_DROP, &events);
    static tu_wk_t wk;
    tu_wk_init (&wk);
    wk.block = true;
    asynrole_remote_options_t options = {
        .heartbeat = TU_HEARTBEAT, .heartbeat_timeout = tu_hb_timeout, .credit = 4, .timeout = 200
    };
    asynrole_error_t error;
    asynrole_worker_t *worker =
        asynrole_worker_new ("inproc://breakw-late", tu_wk_cb, &wk, &options, &error);
    assert_non_null (worker);
    tu_workers[0] = worker;
    TU_WAIT_HUB (&events, joined, 1);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    tu_send_udp (fd, &to, "busy");
    TU_WAIT_WK (&wk, blocked, 1);
    int rc = asynrole_worker_send (worker, "late", 4, &client, &error);
    assert_int_equal (rc, -1);
    assert_int_equal (error.code, ASYNROLE_ETIMEOUT);
    tu_wk_release (&wk);
    TU_WAIT_WK (&wk, returned, 1);
    //  A send after it: whatever the failed one did comes first

    assert_int_equal (asynrole_worker_send (worker, "mark", 4, &client, &error), 0);
    char buf[16];
    asynrole_addr_t from;
    ssize_t got = tu_recv_from (fd, buf, sizeof buf, &from);
    close (fd);
    tu_worker_destroy (&worker);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
    printf ("first datagram after a send that failed ETIMEOUT: \"%s\"\n", got > 0 ? buf : "");
    assert_string_equal (buf, "mark");
}

//  -------------------------------------------------------------------------
//  BUG: a hostile (or broken) binder's DATAGRAM before its WELCOME is
//  dropped by the worker without a count or an event ("nothing lost
//  silently"): worker.c s_datagram returns when not joined

static void
test_break_bug_worker_datagram_before_welcome (void **state)
{
    (void) state;
    assert_int_equal (ctx_acquire (NULL), 0);
    void *router = ctx_socket (ZMQ_ROUTER, NULL);
    assert_non_null (router);
    assert_int_equal (zmq_bind (router, "inproc://breakw-early"), 0);
    static tu_wk_t wk;
    tu_wk_init (&wk);
    asynrole_worker_t *worker = tu_worker_new ("inproc://breakw-early", &wk, 4, "early");
    assert_true (frames_wait (router, TU_TIMEOUT_MS) > 0);
    zmsg_t *hello = zmsg_recv (router);
    zframe_t *id = zmsg_pop (hello);
    zmsg_destroy (&hello);
    asynrole_addr_t peer = tu_addr ("192.0.2.1:1024");
    rwire_msg_t dg = { .type = RWIRE_DATAGRAM,
                       .seq = 1,
                       .peer = peer,
                       .data = (const uint8_t *) "early",
                       .size = 5,
                       .original_size = 5 };
    dg.peer.via = 1;
    zmsg_t *msg = rwire_encode (&dg);
    assert_int_equal (rmsg_send (router, zframe_data (id), zframe_size (id), &msg), 0);
    rwire_msg_t welcome = {
        .type = RWIRE_WELCOME, .credit = 4, .heartbeat = 1000, .heartbeat_timeout = 3000
    };
    msg = rwire_encode (&welcome);
    assert_int_equal (rmsg_send (router, zframe_data (id), zframe_size (id), &msg), 0);
    dg.seq = 2;
    msg = rwire_encode (&dg);
    assert_int_equal (rmsg_send (router, zframe_data (id), zframe_size (id), &msg), 0);
    TU_WAIT_WK (&wk, returned, 1);
    asynrole_remote_stats_t stats;
    asynrole_error_t error;
    assert_int_equal (asynrole_worker_stats (worker, &stats, &error), 0);
    size_t protocol = tu_read_count (&wk.mutex, &wk.protocol);
    printf ("worker: datagrams %" PRIu64 ", malformed %" PRIu64 ", unknown_peer %" PRIu64
            ", protocol events %zu\n",
            stats.datagrams, stats.malformed, stats.unknown_peer, protocol);
    tu_worker_destroy (&worker);
    zframe_destroy (&id);
    ctx_close (&router);
    ctx_release ();
    //  The early one is counted somewhere (or delivered)
    assert_true (stats.datagrams == 2 || stats.malformed + stats.unknown_peer >= 1);
}

//  -------------------------------------------------------------------------
//  BUG: asynrole_worker_destroy with the callback stuck waits for ever
//  (actor_destroy joins), though the header says every call that asks the
//  object's thread waits at most options.timeout. Run in a child with a
//  deadline (the parent cannot be left hanging): fails if destroy has not
//  returned within 3 s with options.timeout 300 ms.

static int s_stuck_pipe[2];
static int s_unstuck_pipe[2];

static void
s_stuck_cb (asynrole_worker_t *worker, void *ctx, const asynrole_datagram_t *datagram,
            const asynrole_error_t *error)
{
    (void) worker;
    (void) ctx;
    (void) error;
    if (!datagram)
        return;
    char byte = 1;
    if (write (s_stuck_pipe[1], &byte, 1) != 1)
        return;
    //  Stuck until the test lets it go (after destroy has returned)
    struct pollfd item = { s_unstuck_pipe[0], POLLIN, 0 };
    if (poll (&item, 1, 2 * TU_TIMEOUT_MS) == 1 && read (s_unstuck_pipe[0], &byte, 1) < 0)
        return;
}

//  An Agent on 127.0.0.1 in pipe mode, a workers actor on endpoint, a UDP
//  client: for the children's bodies (no cmocka assertions there)
typedef struct {
    asynrole_agent_t *agent;
    asynrole_workers_t *hub;
    int fd;
    asynrole_addr_t to;
} child_rig_t;

static int
s_rig_policy (child_rig_t *rig, const char *endpoint, asynrole_overflow_t overflow)
{
    asynrole_options_t pipe_mode = { .pipe_mode = true };
    const char *iface = "127.0.0.1:0";
    asynrole_error_t error;
    rig->agent = asynrole_agent_new (NULL, NULL, &iface, 1, &pipe_mode, &error);
    TU_CHECK (rig->agent, "agent: %s", error.detail);
    asynrole_remote_options_t options = { .overflow = overflow };
    rig->hub = asynrole_workers_new (rig->agent, endpoint, NULL, NULL, &options, &error);
    TU_CHECK (rig->hub, "workers: %s", error.detail);
    rig->to = *asynrole_agent_local (rig->agent, 0);
    asynrole_addr_t bound;
    rig->fd = tu_udp_socket ("127.0.0.1", &bound);
    TU_CHECK (rig->fd >= 0, "udp socket");
    return 0;
}

static int
s_rig (child_rig_t *rig, const char *endpoint)
{
    return s_rig_policy (rig, endpoint, ASYNROLE_OVERFLOW_DROP);
}

static int
s_stuck_body (void *arg)
{
    (void) arg;
    TU_CHECK (pipe (s_stuck_pipe) == 0 && pipe (s_unstuck_pipe) == 0, "pipe");
    child_rig_t rig;
    if (s_rig (&rig, "inproc://breakw-stuck"))
        return 1;
    size_t sockets = ctx_sockets ();
    asynrole_remote_options_t options = { .timeout = 300 };
    asynrole_error_t error;
    asynrole_worker_t *worker =
        asynrole_worker_new ("inproc://breakw-stuck", s_stuck_cb, NULL, &options, &error);
    TU_CHECK (worker, "worker: %s", error.detail);
    //  Until a datagram reaches the callback (a worker joins in the meantime)
    char byte;
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    struct pollfd item = { s_stuck_pipe[0], POLLIN, 0 };
    while (tu_now () < deadline) {
        sendto (rig.fd, "x", 1, 0, &rig.to.u.sa, rig.to.len);
        if (poll (&item, 1, 50) == 1)
            break;
    }
    TU_CHECK (read (s_stuck_pipe[0], &byte, 1) == 1, "the callback never ran");
    int64_t start = tu_now ();
    asynrole_worker_destroy (&worker);
    int64_t took = tu_now () - start;
    TU_CHECK (took < 1000, "destroy took %" PRId64 " ms", took);
    TU_CHECK (worker == NULL, "destroy left the pointer");
    //  Let the callback go: the worker's thread ends and frees it all (its
    //  socket closed: the count back where it was; ASan sees the rest)
    TU_CHECK (write (s_unstuck_pipe[1], &byte, 1) == 1, "write");
    deadline = tu_now () + TU_TIMEOUT_MS;
    while (ctx_sockets () > sockets && tu_now () < deadline)
        poll (NULL, 0, 10);  //  bounded: no event tells the thread's end
    TU_CHECK (ctx_sockets () == sockets, "sockets %zu, were %zu", ctx_sockets (), sockets);
    asynrole_workers_destroy (&rig.hub);
    asynrole_agent_destroy (&rig.agent);
    close (rig.fd);
    return 0;
}

static void
test_break_bug_destroy_stuck_worker (void **state)
{
    (void) state;
    tu_child (s_stuck_body, NULL, false, NULL, 3);
}

//  -------------------------------------------------------------------------
//  The Agent destroyed before its workers actor (the header says not to):
//  at least no crash (a use after free of the Agent's socket in the
//  workers actor's thread would be one). In a child.

static int
s_agent_first_body (void *arg)
{
    child_rig_t rig;
    if (s_rig_policy (&rig, "inproc://breakw-first", *(asynrole_overflow_t *) arg))
        return 1;
    for (int i = 0; i < 100; i++)
        sendto (rig.fd, "x", 1, 0, &rig.to.u.sa, rig.to.len);
    //  The Agent detaches its workers actor first (asynrole_remote.h)
    asynrole_agent_destroy (&rig.agent);
    asynrole_remote_stats_t stats;
    asynrole_error_t error;
    TU_CHECK (asynrole_workers_stats (rig.hub, &stats, &error) == 0, "stats after: %s",
              error.detail);
    asynrole_workers_destroy (&rig.hub);
    TU_CHECK (rig.hub == NULL, "the workers actor not destroyed");
    close (rig.fd);
    return 0;
}

//  A worker's SEND once the Agent is gone: replies_failed, one ECLOSED event
static int
s_agent_first_send_body (void *arg)
{
    (void) arg;
    static tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_options_t pipe_mode = { .pipe_mode = true };
    const char *iface = "127.0.0.1:0";
    asynrole_error_t error;
    asynrole_agent_t *agent = asynrole_agent_new (NULL, NULL, &iface, 1, &pipe_mode, &error);
    TU_CHECK (agent, "agent: %s", error.detail);
    asynrole_remote_options_t options = { .overflow = ASYNROLE_OVERFLOW_PAUSE,
                                          .on_event = tu_hub_event,
                                          .event_ctx = &events };
    asynrole_workers_t *hub =
        asynrole_workers_new (agent, "inproc://breakw-first-send", NULL, NULL, &options, &error);
    TU_CHECK (hub, "workers: %s", error.detail);
    void *raw = s_raw_join ("inproc://breakw-first-send", 1);
    TU_CHECK (raw, "raw worker");
    asynrole_agent_destroy (&agent);
    asynrole_addr_t to = tu_addr ("127.0.0.1:9");
    for (int i = 0; i < 3; i++)
        tu_raw_send (raw, s_send_msg (&to, 0, "late", 4));
    //  Answered after the SENDs: they were handled
    s_raw_barrier (raw);
    asynrole_remote_stats_t stats;
    TU_CHECK (asynrole_workers_stats (hub, &stats, &error) == 0, "stats: %s", error.detail);
    size_t closed = tu_read_count (&events.mutex, &events.closed);
    tu_raw_destroy (&raw);
    asynrole_workers_destroy (&hub);
    TU_CHECK (stats.replies_failed == 3, "replies_failed %" PRIu64, stats.replies_failed);
    TU_CHECK (stats.replies == 0, "replies %" PRIu64, stats.replies);
    TU_CHECK (closed == 1, "ECLOSED events %zu", closed);
    return 0;
}

static void
test_break_agent_destroyed_first (void **state)
{
    (void) state;
    asynrole_overflow_t overflow = ASYNROLE_OVERFLOW_DROP;
    tu_child (s_agent_first_body, &overflow, false, NULL, 5);
}

//  BUG (a documented misuse, undetected): the same with PAUSE:
//  asynrole_workers_destroy sets the Agent's overflow back on an Agent
//  that is gone: heap-use-after-free (asynrole_workers.c s_free ->
//  agent_set_overflow). With DROP the workers actor polls a closed libzmq
//  socket (logged "zmq_poll failed: Socket operation on non-socket"; libzmq
//  is not instrumented, so a read of its freed socket goes unseen)

static void
test_break_bug_agent_destroyed_first_pause (void **state)
{
    (void) state;
    asynrole_overflow_t overflow = ASYNROLE_OVERFLOW_PAUSE;
    tu_child (s_agent_first_body, &overflow, false, NULL, 5);
}

static void
test_break_bug_agent_destroyed_first_send (void **state)
{
    (void) state;
    tu_child (s_agent_first_send_body, NULL, false, NULL, 5);
}

//  -------------------------------------------------------------------------
//  Credit: before HELLO (a stranger: say HELLO), beyond what is held
//  (refused, state unchanged), 0 (nothing), exact give-back

static void
test_break_credit_abuse (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    static tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "inproc://breakw-credit", ASYNROLE_OVERFLOW_DROP, &events);
    void *stranger = tu_raw_new ("inproc://breakw-credit");
    s_raw_credit (stranger, 1);
    tu_raw_expect_error (stranger, ASYNROLE_EDISCONNECTED);
    void *raw = s_raw_join ("inproc://breakw-credit", 2);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    for (int i = 0; i < 5; i++)
        tu_send_udp (fd, &to, "c");
    zmsg_t *msg = NULL;
    rwire_msg_t m;
    for (int i = 0; i < 2; i++)
        tu_raw_expect (raw, RWIRE_DATAGRAM, &m, &msg);
    TU_WAIT_HUB (&events, dropped, 3);
    s_raw_credit (raw, 3);  //  holds 2
    tu_raw_expect_error (raw, ASYNROLE_EPROTOCOL);
    s_raw_credit (raw, 0);
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    assert_int_equal (stats.in_worker, 2);
    assert_int_equal (stats.malformed, 1);
    assert_int_equal (stats.unknown_peer, 1);
    s_raw_credit (raw, 1);
    s_raw_credit (raw, 1);
    tu_send_udp (fd, &to, "d");
    tu_raw_expect (raw, RWIRE_DATAGRAM, &m, &msg);
    assert_int_equal (m.size, 1);
    assert_int_equal (m.data[0], 'd');
    stats = tu_hub_stats (hub);
    assert_int_equal (stats.datagrams, 3);
    assert_int_equal (stats.done, 2);
    assert_int_equal (stats.in_worker, 1);
    assert_int_equal (stats.dropped, 3);
    assert_int_equal (stats.credit, 1);
    s_account (hub);
    zmsg_destroy (&msg);
    close (fd);
    tu_raw_destroy (&stranger);
    tu_raw_destroy (&raw);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  HELLO: twice (what it held is lost to it, the new credit applies), with
//  credit 0 (refused, no join), with 2^32-1 (granted max_credit), of
//  another version (refused, counted)

static void
test_break_hello_abuse (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    static tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_remote_options_t options = { .heartbeat = TU_HEARTBEAT,
                                          .heartbeat_timeout = tu_hb_timeout,
                                          .max_credit = 7,
                                          .on_event = tu_hub_event,
                                          .event_ctx = &events };
    asynrole_workers_t *hub =
        asynrole_workers_new (agent, "inproc://breakw-hello", NULL, NULL, &options, NULL);
    assert_non_null (hub);
    tu_hubs[0] = hub;
    //  credit 0
    void *zero = tu_raw_new ("inproc://breakw-hello");
    tu_raw_hello (zero, 0);
    tu_raw_expect_error (zero, ASYNROLE_EPROTOCOL);
    //  another version
    void *v2 = tu_raw_new ("inproc://breakw-hello");
    const uint8_t frame0[] = { 'A', 'R', 2, RWIRE_HELLO };
    zmsg_t *bad = zmsg_new ();
    zmsg_addmem (bad, frame0, sizeof frame0);
    zmsg_addmem (bad, "\0\0\0\1\0\0\0\1", 8);
    zmsg_addmem (bad, "v2", 2);
    tu_raw_send (v2, bad);
    tu_raw_expect_error (v2, ASYNROLE_EPROTOCOL);
    //  2^32-1: max_credit
    void *raw = tu_raw_new ("inproc://breakw-hello");
    tu_raw_hello (raw, UINT32_MAX);
    zmsg_t *msg = NULL;
    rwire_msg_t m;
    tu_raw_expect (raw, RWIRE_WELCOME, &m, &msg);
    assert_int_equal (m.credit, 7);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    for (int i = 0; i < 3; i++) {
        tu_send_udp (fd, &to, "h");
        tu_raw_expect (raw, RWIRE_DATAGRAM, &m, &msg);
    }
    //  twice: the 3 held are lost to it, credit 2 now
    tu_raw_hello (raw, 2);
    tu_raw_expect (raw, RWIRE_WELCOME, &m, &msg);
    assert_int_equal (m.credit, 2);
    for (int i = 0; i < 4; i++)
        tu_send_udp (fd, &to, "i");
    for (int i = 0; i < 2; i++)
        tu_raw_expect (raw, RWIRE_DATAGRAM, &m, &msg);
    TU_WAIT_HUB (&events, dropped, 2);
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    assert_int_equal (stats.peers, 1);
    assert_int_equal (stats.malformed, 1);
    assert_int_equal (stats.bad_version, 1);
    assert_int_equal (stats.datagrams, 5);
    assert_int_equal (stats.lost_datagrams, 3);
    assert_int_equal (stats.in_worker, 2);
    assert_int_equal (stats.credit, 0);
    //  The second HELLO: as when a peer is gone (rule 4), then joined anew
    assert_int_equal (stats.lost, 1);
    assert_int_equal (stats.joined, 2);
    s_account (hub);
    asynrole_worker_info_t info[4];
    assert_int_equal (asynrole_workers_list (hub, info, 4, NULL), 1);
    assert_int_equal (info[0].credit, 2);
    assert_int_equal (info[0].in_worker, 2);
    assert_int_equal (info[0].lost_datagrams, 3);
    assert_int_equal (info[0].datagrams, 5);
    zmsg_destroy (&msg);
    close (fd);
    tu_raw_destroy (&zero);
    tu_raw_destroy (&v2);
    tu_raw_destroy (&raw);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  SEND: via naming no socket, a via of another family, an empty
//  destination, an oversized payload, a SEND after BYE: refused and
//  counted, the workers actor goes on; a good one goes out

static void
test_break_send_abuse (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    static tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "inproc://breakw-send", ASYNROLE_OVERFLOW_DROP, &events);
    void *raw = s_raw_join ("inproc://breakw-send", 1);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t v6 = tu_addr ("[::1]:9");
    tu_raw_send (raw, s_send_msg (&client, 99, "a", 1));  //  no socket 98
    tu_raw_send (raw, s_send_msg (&v6, 1, "b", 1));       //  an IPv4 socket
    tu_raw_send (raw, s_send_msg (&v6, 0, "c", 1));       //  no IPv6 socket
    tu_raw_send (raw, s_send_msg (NULL, 1, "d", 1));      //  no destination
    tu_raw_send (raw, s_send_msg (&client, UINT32_MAX, "e", 1));
    //  A payload over the protocol's limit
    zmsg_t *big = s_send_msg (&client, 1, "f", 1);
    zframe_t *payload = zmsg_last (big);
    zmsg_remove (big, payload);
    zframe_destroy (&payload);
    uint8_t *bytes = calloc (1, ASYNROLE_DGRAM_MAX + 1);
    zmsg_addmem (big, bytes, ASYNROLE_DGRAM_MAX + 1);
    free (bytes);
    tu_raw_send (raw, big);
    tu_raw_expect_error (raw, ASYNROLE_EPROTOCOL);
    //  A good one, from the right socket
    tu_raw_send (raw, s_send_msg (&client, 1, "good", 4));
    char buf[16];
    asynrole_addr_t from;
    assert_int_equal (tu_recv_from (fd, buf, sizeof buf, &from), 4);
    assert_string_equal (buf, "good");
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    printf ("replies %" PRIu64 ", failed %" PRIu64 ", malformed %" PRIu64 ", other events %zu\n",
            stats.replies, stats.replies_failed, stats.malformed,
            tu_read_count (&events.mutex, &events.other));
    assert_int_equal (stats.malformed, 1);
    assert_int_equal (stats.replies, 1);
    assert_int_equal (stats.replies_failed, 5);
    //  After BYE: a stranger, nothing sent
    tu_raw_send (raw, rwire_simple (RWIRE_BYE));
    tu_raw_send (raw, s_send_msg (&client, 1, "ghost", 5));
    tu_raw_expect_error (raw, ASYNROLE_EDISCONNECTED);
    stats = tu_hub_stats (hub);
    assert_int_equal (stats.left, 1);
    assert_int_equal (stats.unknown_peer, 1);
    assert_int_equal (stats.replies, 1);
    //  Nothing else reached the client
    tu_raw_send (raw, rwire_simple (RWIRE_HEARTBEAT));
    tu_raw_expect_error (raw, ASYNROLE_EDISCONNECTED);
    struct pollfd item = { fd, POLLIN, 0 };
    assert_int_equal (poll (&item, 1, 0), 0);
    close (fd);
    tu_raw_destroy (&raw);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  Garbage from strangers: an empty frame, 1,000 frames, a 3-byte frame 0,
//  a frame 0 of version 1 too long, a 1 MiB frame, a DATAGRAM (a type the
//  workers actor never takes); an ERROR storm (never answered, also of
//  another version). Counted; then HELLO works on the same link.

static void
test_break_garbage (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    static tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "tcp://127.0.0.1:*", ASYNROLE_OVERFLOW_DROP, &events);
    void *raw = tu_raw_new (asynrole_workers_endpoint (hub));
    tu_raw_frame (raw, "", 0);
    zmsg_t *many = zmsg_new ();
    zmsg_addmem (many, "AR\1\3", 4);
    for (int i = 0; i < 999; i++)
        zmsg_addmem (many, "x", 1);
    tu_raw_send (raw, many);
    tu_raw_frame (raw, "AR\1", 3);
    tu_raw_frame (raw, "AR\1\3\0", 5);
    //  A 1 MiB frame: over ZMQ_MAXMSGSIZE, libzmq drops that connection
    //  before we see it (on a link of its own: what follows would go with it)
    void *big = tu_raw_new (asynrole_workers_endpoint (hub));
    uint8_t *huge = calloc (1, 1 << 20);
    memcpy (huge, "AR\1\3", 4);
    tu_raw_frame (big, huge, 1 << 20);
    free (huge);
    rwire_msg_t dg = { .type = RWIRE_DATAGRAM, .seq = 1, .data = (const uint8_t *) "x", .size = 1 };
    tu_raw_send (raw, rwire_encode (&dg));
    const uint8_t v9_error[] = { 'A', 'R', 9, RWIRE_ERROR };
    for (int i = 0; i < 1000; i++) {
        tu_raw_send (raw, rwire_error (ASYNROLE_EPROTOCOL, "storm"));
        tu_raw_frame (raw, v9_error, sizeof v9_error);
    }
    //  One answer for the first refusal (at most once a second), none for
    //  the ERRORs; then the barrier's
    zmsg_t *msg = NULL;
    rwire_msg_t m;
    assert_int_equal (s_raw_next (raw, &m, &msg), RWIRE_ERROR);
    assert_int_equal (m.code, ASYNROLE_EPROTOCOL);
    //  The DATAGRAM's: say HELLO
    assert_int_equal (s_raw_next (raw, &m, &msg), RWIRE_ERROR);
    assert_int_equal (m.code, ASYNROLE_EDISCONNECTED);
    s_stranger_barrier (raw);
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    printf ("malformed %" PRIu64 ", bad_version %" PRIu64 ", unknown_peer %" PRIu64 "\n",
            stats.malformed, stats.bad_version, stats.unknown_peer);
    //  A stranger's DATAGRAM counts as unknown_peer (rule 5), not as
    //  malformed (rule 7): the rules leave the order open. The 1 MiB frame
    //  never reached the workers actor.
    assert_int_equal (stats.malformed, 4);
    assert_int_equal (stats.bad_version, 1000);
    assert_int_equal (stats.unknown_peer, 1002);
    assert_true (tu_read_count (&events.mutex, &events.protocol) <= 2);
    //  Nothing else was answered
    assert_int_equal (frames_wait (raw, 0), 0);
    //  The same link can still join
    tu_raw_hello (raw, 1);
    tu_raw_expect (raw, RWIRE_WELCOME, &m, &msg);
    TU_WAIT_HUB (&events, joined, 1);
    zmsg_destroy (&msg);
    tu_raw_destroy (&big);
    tu_raw_destroy (&raw);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  ZMQ_MAXMSGSIZE lets the largest datagram through, both ways (tcp://:
//  libzmq applies it per frame as it decodes; inproc:// has no decoder)

static void
test_break_max_datagram_tcp (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    static tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "tcp://127.0.0.1:*", ASYNROLE_OVERFLOW_DROP, &events);
    static tu_wk_t wk;
    tu_wk_init (&wk);
    wk.echo = true;
    asynrole_worker_t *worker = tu_worker_new (asynrole_workers_endpoint (hub), &wk, 2, "big");
    TU_WAIT_HUB (&events, joined, 1);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    int size = 1 << 20;
    assert_int_equal (setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size), 0);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    char *big = malloc (ASYNROLE_DGRAM_MAX_IPV4 + 1);
    assert_non_null (big);
    memset (big, 'm', ASYNROLE_DGRAM_MAX_IPV4);
    assert_int_equal (sendto (fd, big, ASYNROLE_DGRAM_MAX_IPV4, 0, &to.u.sa, to.len),
                      ASYNROLE_DGRAM_MAX_IPV4);
    asynrole_addr_t from;
    ssize_t got = tu_recv_from (fd, big, ASYNROLE_DGRAM_MAX_IPV4 + 1, &from);
    free (big);
    close (fd);
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    tu_worker_destroy (&worker);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
    assert_int_equal (got, ASYNROLE_DGRAM_MAX_IPV4);
    assert_int_equal (stats.replies, 1);
    assert_int_equal (stats.lost, 0);
}

//  -------------------------------------------------------------------------
//  A stranger that floods and never reads: "say HELLO" answers are rate
//  limited (the ROUTER has no high-water mark), every message counted

static void
test_break_say_hello_flood (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    static tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "inproc://breakw-flood", ASYNROLE_OVERFLOW_DROP, &events);
    void *raw = tu_raw_new ("inproc://breakw-flood");
    for (int i = 0; i < 1000; i++)
        tu_raw_send (raw, rwire_simple (RWIRE_HEARTBEAT));
    //  Until the workers actor has read them all (its counter, asked)
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    while (stats.unknown_peer < 1000 && tu_now () < deadline)
        stats = tu_hub_stats (hub);
    assert_int_equal (stats.unknown_peer, 1000);
    size_t answers = 0;
    while (frames_wait (raw, 100) > 0) {
        zmsg_t *msg = zmsg_recv (raw);
        answers++;
        zmsg_destroy (&msg);
    }
    printf ("\"say HELLO\" answers to 1000 HEARTBEATs of a stranger: %zu\n", answers);
    tu_raw_destroy (&raw);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
    assert_true (answers >= 1 && answers <= 8);
}

//  -------------------------------------------------------------------------
//  PAUSE with a worker that never gives credit back (heartbeats only):
//  nothing dropped by the workers actor; the rest waits for a worker that
//  comes; the account is exact (Agent rx = handed + dropped)

static void
test_break_pause_hoarder (void **state)
{
    (void) state;
    asynrole_options_t agent_options = { .pipe_mode = true, .max_bytes = 1024 * 1024 };
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &agent_options);
    static tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "inproc://breakw-pause", ASYNROLE_OVERFLOW_PAUSE, &events);
    void *raw = s_raw_join ("inproc://breakw-pause", 3);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    const size_t sent = 200;
    for (size_t i = 0; i < sent; i++)
        tu_send_udp (fd, &to, "p");
    zmsg_t *msg = NULL;
    rwire_msg_t m;
    for (int i = 0; i < 3; i++) {
        tu_raw_expect (raw, RWIRE_DATAGRAM, &m, &msg);
        tu_raw_send (raw, rwire_simple (RWIRE_HEARTBEAT));
    }
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    assert_int_equal (stats.datagrams, 3);
    assert_int_equal (stats.dropped, 0);
    assert_true (stats.paused >= 1);
    //  A worker comes: it takes the rest
    static tu_wk_t wk;
    tu_wk_init (&wk);
    asynrole_worker_t *worker = tu_worker_new ("inproc://breakw-pause", &wk, 4, "rescuer");
    TU_WAIT_WK (&wk, returned, sent - 3);
    tu_barrier (worker, fd, &client);
    stats = tu_hub_stats (hub);
    asynrole_stats_t agent_stats = tu_agent_stats (agent, 0);
    assert_int_equal (stats.dropped, 0);
    assert_int_equal (stats.datagrams, sent);
    assert_int_equal (stats.done, sent - 3);
    assert_int_equal (stats.in_worker, 3);
    assert_int_equal (agent_stats.rx_datagrams, stats.datagrams + agent_stats.dropped);
    assert_int_equal (tu_read_count (&events.mutex, &events.dropped), 0);
    s_account (hub);
    zmsg_destroy (&msg);
    close (fd);
    tu_worker_destroy (&worker);
    tu_raw_destroy (&raw);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  300 raw workers over tcp at once, credit 1 each; one datagram each at
//  most; half crash (close, no BYE), half say BYE: every datagram handed is
//  counted lost, every worker gone

static void
test_break_many_workers (void **state)
{
    (void) state;
    enum {
        N = 300
    };
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    static tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "tcp://127.0.0.1:*", ASYNROLE_OVERFLOW_DROP, &events);
    static void *raws[N];
    for (int i = 0; i < N; i++) {
        raws[i] = tu_raw_new (asynrole_workers_endpoint (hub));
        tu_raw_hello (raws[i], 1);
    }
    zmsg_t *msg = NULL;
    rwire_msg_t m;
    for (int i = 0; i < N; i++)
        tu_raw_expect (raws[i], RWIRE_WELCOME, &m, &msg);
    TU_WAIT_HUB (&events, joined, N);
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    assert_int_equal (stats.peers, N);
    assert_int_equal (stats.credit, N);
    static asynrole_worker_info_t info[N + 8];
    assert_int_equal (asynrole_workers_list (hub, info, N + 8, NULL), N);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    const size_t sent = N + 50;
    for (size_t i = 0; i < sent; i++)
        tu_send_udp (fd, &to, "m");
    TU_WAIT_HUB (&events, dropped, sent - N);
    //  Round-robin: each got exactly one
    for (int i = 0; i < N; i++) {
        tu_raw_expect (raws[i], RWIRE_DATAGRAM, &m, &msg);
        //  Heartbeats may follow (a slow run), never a second DATAGRAM
        while (frames_wait (raws[i], 0) > 0) {
            zmsg_destroy (&msg);
            msg = zmsg_recv (raws[i]);
            assert_int_equal (rwire_decode (msg, &m), RWIRE_OK);
            assert_int_not_equal (m.type, RWIRE_DATAGRAM);
        }
    }
    for (int i = 0; i < N; i++) {
        if (i % 2)
            tu_raw_send (raws[i], rwire_simple (RWIRE_BYE));
        tu_raw_destroy (&raws[i]);
    }
    TU_WAIT_HUB (&events, gone, N);
    stats = tu_hub_stats (hub);
    assert_int_equal (stats.peers, 0);
    assert_int_equal (stats.datagrams, N);
    assert_int_equal (stats.lost_datagrams, N);
    assert_int_equal (stats.left + stats.lost, N);
    assert_int_equal (stats.dropped, sent - N);
    assert_int_equal (tu_read_count (&events.mutex, &events.lost), N);
    s_account (hub);
    assert_int_equal (asynrole_workers_list (hub, info, N + 8, NULL), ASYNROLE_WORKERS_GONE);
    zmsg_destroy (&msg);
    close (fd);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  A storm while workers churn (join, take some, leave) and 4 threads read
//  stats and list: credit never exceeded (checked in the callback), the
//  account exact (datagrams = done + lost; Agent rx = datagrams + dropped)

typedef struct {
    asynrole_workers_t *hub;
    atomic_bool stop;
    atomic_size_t calls;
    atomic_size_t failures;
} poller_t;

static void *
s_poller (void *arg)
{
    poller_t *self = (poller_t *) arg;
    asynrole_worker_info_t info[16];
    while (!atomic_load (&self->stop)) {
        asynrole_remote_stats_t stats;
        if (asynrole_workers_stats (self->hub, &stats, NULL) < 0
            || asynrole_workers_list (self->hub, info, 16, NULL) < 0
            || stats.datagrams < stats.done + stats.lost_datagrams)
            atomic_fetch_add (&self->failures, 1);
        atomic_fetch_add (&self->calls, 1);
    }
    return NULL;
}

static void
test_break_churn_storm (void **state)
{
    (void) state;
    asynrole_options_t agent_options = { .pipe_mode = true, .max_bytes = 8 * 1024 * 1024 };
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &agent_options);
    static tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "inproc://breakw-churn", ASYNROLE_OVERFLOW_DROP, &events);
    poller_t poller = { .hub = hub };
    atomic_init (&poller.stop, false);
    atomic_init (&poller.calls, 0);
    atomic_init (&poller.failures, 0);
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal (pthread_create (&threads[i], NULL, s_poller, &poller), 0);
    static tu_wk_t steady;
    tu_wk_init (&steady);
    steady.hub = hub;
    asynrole_worker_t *keeper = tu_worker_new ("inproc://breakw-churn", &steady, 8, "steady");
    TU_WAIT_HUB (&events, joined, 1);
    TU_WAIT_WK (&steady, joined, 1);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    size_t sent = 0;
    static tu_wk_t churn[6];
    for (int round = 0; round < 6; round++) {
        tu_wk_init (&churn[round]);
        churn[round].hub = hub;
        asynrole_worker_t *worker =
            tu_worker_new ("inproc://breakw-churn", &churn[round], 4, "churn");
        TU_WAIT_HUB (&events, joined, (size_t) round + 2);
        for (int i = 0; i < 300; i++, sent++)
            tu_send_udp (fd, &to, "storm");
        tu_worker_destroy (&worker);
        TU_WAIT_HUB (&events, gone, (size_t) round + 1);
    }
    atomic_store (&poller.stop, true);
    for (int i = 0; i < 4; i++)
        pthread_join (threads[i], NULL);
    //  Everything read by the Agent has been handed or dropped once the
    //  steady worker's barrier is back and the Agent's rx is what was sent
    asynrole_stats_t agent_stats;
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    do {
        tu_barrier (keeper, fd, &client);
        agent_stats = tu_agent_stats (agent, 0);
    } while (agent_stats.rx_datagrams + agent_stats.kernel_dropped < sent && tu_now () < deadline);
    tu_barrier (keeper, fd, &client);
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    asynrole_worker_info_t info[16];
    int listed = asynrole_workers_list (hub, info, 16, NULL);
    printf ("sent %zu: rx %" PRIu64 " agent dropped %" PRIu64 " handed %" PRIu64 " done %" PRIu64
            " lost %" PRIu64 " dropped %" PRIu64 "; %zu stats/list calls\n",
            sent, agent_stats.rx_datagrams, agent_stats.dropped, stats.datagrams, stats.done,
            stats.lost_datagrams, stats.dropped, atomic_load (&poller.calls));
    assert_int_equal (atomic_load (&poller.failures), 0);
    assert_int_equal (agent_stats.rx_datagrams,
                      stats.datagrams + stats.dropped + agent_stats.dropped);
    assert_int_equal (stats.in_worker, 0);
    s_account (hub);
    assert_int_equal (listed, 7);
    uint64_t handed = 0, done = 0, lost = 0;
    for (int i = 0; i < listed; i++) {
        handed += info[i].datagrams;
        done += info[i].done;
        lost += info[i].lost_datagrams;
    }
    assert_int_equal (handed, stats.datagrams);
    assert_int_equal (done, stats.done);
    assert_int_equal (lost, stats.lost_datagrams);
    size_t callbacks = tu_read_count (&steady.mutex, &steady.returned);
    for (int i = 0; i < 6; i++)
        callbacks += tu_read_count (&churn[i].mutex, &churn[i].returned);
    assert_true (callbacks >= stats.done);
    assert_true (callbacks <= stats.done + stats.lost_datagrams);
    assert_int_equal (steady.over_credit, 0);
    for (int i = 0; i < 6; i++)
        assert_int_equal (churn[i].over_credit, 0);
    close (fd);
    tu_worker_destroy (&keeper);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  The local callback keeps every third datagram: Agent rx = handed to
//  workers + dropped + kept locally, exactly (the workers actor has no
//  counter of its own for the local ones: the test counts them)

static atomic_size_t s_local_seen;
static atomic_size_t s_local_kept;

static bool
s_local_third (void *ctx, asynrole_agent_t *agent, const asynrole_datagram_t *datagram)
{
    (void) ctx;
    (void) agent;
    (void) datagram;
    if (atomic_fetch_add (&s_local_seen, 1) % 3 == 0) {
        atomic_fetch_add (&s_local_kept, 1);
        return true;
    }
    return false;
}

static void
test_break_local_account (void **state)
{
    (void) state;
    atomic_store (&s_local_seen, 0);
    atomic_store (&s_local_kept, 0);
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    static tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_remote_options_t options = { .heartbeat = TU_HEARTBEAT,
                                          .heartbeat_timeout = tu_hb_timeout,
                                          .on_event = tu_hub_event,
                                          .event_ctx = &events };
    asynrole_workers_t *hub =
        asynrole_workers_new (agent, "inproc://breakw-local", s_local_third, NULL, &options, NULL);
    assert_non_null (hub);
    tu_hubs[0] = hub;
    static tu_wk_t wk;
    tu_wk_init (&wk);
    asynrole_worker_t *worker = tu_worker_new ("inproc://breakw-local", &wk, 2, "half");
    TU_WAIT_HUB (&events, joined, 1);
    TU_WAIT_WK (&wk, joined, 1);  //  its WELCOME read: sends go through
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    const size_t sent = 600;
    for (size_t i = 0; i < sent; i++)
        tu_send_udp (fd, &to, "l");
    asynrole_stats_t agent_stats;
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    do {
        tu_barrier (worker, fd, &client);
        agent_stats = tu_agent_stats (agent, 0);
    } while (agent_stats.rx_datagrams + agent_stats.kernel_dropped < sent && tu_now () < deadline);
    //  Everything the Agent read reached the workers actor: the local
    //  callback saw it all once its count is rx - the Agent's own drops
    size_t seen;
    do {
        tu_barrier (worker, fd, &client);
        seen = atomic_load (&s_local_seen);
    } while (seen < agent_stats.rx_datagrams - agent_stats.dropped && tu_now () < deadline);
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    size_t kept = atomic_load (&s_local_kept);
    printf ("rx %" PRIu64 " = handed %" PRIu64 " + dropped %" PRIu64 " + kept %zu + agent %" PRIu64
            "\n",
            agent_stats.rx_datagrams, stats.datagrams, stats.dropped, kept, agent_stats.dropped);
    assert_int_equal (agent_stats.rx_datagrams,
                      stats.datagrams + stats.dropped + kept + agent_stats.dropped);
    assert_int_equal (seen, stats.datagrams + stats.dropped + kept);
    s_account (hub);
    close (fd);
    tu_worker_destroy (&worker);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  100,000 datagrams through two workers (PAUSE, windows so that the
//  kernel drops none): the account exact, leaks left to the sanitizer

static void
test_break_hundred_thousand (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    static tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "inproc://breakw-100k", ASYNROLE_OVERFLOW_PAUSE, &events);
    //  One record for both workers (it has its own lock)
    static tu_wk_t wk;
    tu_wk_init (&wk);
    asynrole_worker_t *worker[2];
    for (int i = 0; i < 2; i++)
        worker[i] = tu_worker_new ("inproc://breakw-100k", &wk, 64, "bulk");
    TU_WAIT_HUB (&events, joined, 2);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    const size_t total = 100000, window = 2000;
    int64_t start = tu_now ();
    for (size_t sent = 0; sent < total; sent += window) {
        for (size_t i = 0; i < window; i++)
            tu_send_udp (fd, &to, "0123456789abcdef");
        TU_WAIT_WK (&wk, returned, sent + window);
    }
    printf ("100,000 datagrams through 2 workers in %" PRId64 " ms\n", tu_now () - start);
    for (int i = 0; i < 2; i++)
        tu_barrier (worker[i], fd, &client);
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    assert_int_equal (stats.datagrams, total);
    assert_int_equal (stats.done, total);
    assert_int_equal (stats.dropped, 0);
    assert_int_equal (stats.lost_datagrams, 0);
    close (fd);
    for (int i = 0; i < 2; i++)
        tu_worker_destroy (&worker[i]);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  A callback that blocks past heartbeat_timeout: the worker's thread is
//  the callback's, so it is silent and the workers actor counts it gone
//  (the datagram lost to it: the header's "silent for heartbeat_timeout is
//  gone"); once the callback returns it is told, says HELLO again on a new
//  link and serves again; the account stays exact

static void
test_break_callback_past_timeout (void **state)
{
    (void) state;
    tu_hb_timeout = 3 * TU_HEARTBEAT;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    static tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "inproc://breakw-block", ASYNROLE_OVERFLOW_DROP, &events);
    static tu_wk_t wk;
    tu_wk_init (&wk);
    wk.block = true;
    wk.echo = true;
    asynrole_worker_t *worker = tu_worker_new ("inproc://breakw-block", &wk, 2, "stuck");
    TU_WAIT_HUB (&events, joined, 1);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    tu_send_udp (fd, &to, "stuck");
    TU_WAIT_WK (&wk, blocked, 1);
    TU_WAIT_HUB (&events, gone, 1);
    assert_int_equal (tu_read_count (&events.mutex, &events.lost), 1);
    tu_wk_release (&wk);
    TU_WAIT_HUB (&events, joined, 2);
    TU_WAIT_WK (&wk, joined, 2);
    //  Its echo of the first went out on the old link (refused there:
    //  a stranger's SEND, unknown_peer); the next round trip works
    char buf[16];
    asynrole_addr_t from;
    tu_send_udp (fd, &to, "again");
    assert_true (tu_recv_from (fd, buf, sizeof buf, &from) > 0);
    if (strcmp (buf, "stuck") == 0)
        assert_int_equal (tu_recv_from (fd, buf, sizeof buf, &from), 5);
    assert_string_equal (buf, "again");
    tu_barrier (worker, fd, &client);
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    assert_int_equal (stats.lost, 1);
    assert_int_equal (stats.lost_datagrams, 1);
    assert_int_equal (stats.done, 1);
    s_account (hub);
    close (fd);
    tu_worker_destroy (&worker);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  A worker destroyed from its own event callback (the joined event), and
//  a reply from another thread than the callback's (refused)

static pthread_mutex_t s_evdestroy_mutex = PTHREAD_MUTEX_INITIALIZER;
static asynrole_worker_t *s_evdestroy;

static void
s_evdestroy_cb (asynrole_worker_t *worker, void *ctx, const asynrole_datagram_t *datagram,
                const asynrole_error_t *error)
{
    (void) worker;
    (void) ctx;
    if (error && error->code == ASYNROLE_OK) {
        pthread_mutex_lock (&s_evdestroy_mutex);
        asynrole_worker_destroy (&s_evdestroy);
        pthread_mutex_unlock (&s_evdestroy_mutex);
    }
    (void) datagram;
}

static void
test_break_destroy_from_event (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    static tu_hub_events_t events;
    tu_hub_events_init (&events);
    asynrole_workers_t *hub =
        tu_hub_new (agent, "inproc://breakw-evd", ASYNROLE_OVERFLOW_DROP, &events);
    asynrole_remote_options_t options = { .heartbeat = TU_HEARTBEAT, .name = "brief" };
    pthread_mutex_lock (&s_evdestroy_mutex);
    s_evdestroy = asynrole_worker_new ("inproc://breakw-evd", s_evdestroy_cb, NULL, &options, NULL);
    bool made = s_evdestroy != NULL;
    pthread_mutex_unlock (&s_evdestroy_mutex);
    assert_true (made);
    TU_WAIT_HUB (&events, gone, 1);
    asynrole_remote_stats_t stats = tu_hub_stats (hub);
    assert_int_equal (stats.joined, 1);
    assert_int_equal (stats.left, 1);
    assert_int_equal (stats.peers, 0);
    //  A reply from another thread
    static tu_wk_t wk;
    tu_wk_init (&wk);
    wk.block = true;
    asynrole_worker_t *worker = tu_worker_new ("inproc://breakw-evd", &wk, 1, "held");
    TU_WAIT_HUB (&events, joined, 2);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = tu_agent_addr (agent, 0);
    tu_send_udp (fd, &to, "r");
    TU_WAIT_WK (&wk, blocked, 1);
    asynrole_datagram_t copy = wk.last;
    asynrole_error_t error;
    assert_int_equal (asynrole_worker_reply (worker, &copy, "x", 1, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    //  ... and a reply too long, from the callback's thread is not needed:
    //  too long is refused before anything
    tu_wk_release (&wk);
    close (fd);
    tu_worker_destroy (&worker);
    tu_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  Careless arguments: an inproc name in use (ENETWORK, EADDRINUSE), bad
//  endpoints (EBADARG), NULLs; nothing made, nothing left open

static void
test_break_bad_endpoints (void **state)
{
    (void) state;
    //  Counted once the Agent (the last holder of the library's libzmq
    //  context) is gone: libzmq's reaper closes descriptors after zmq_close
    int fds = tu_open_fds ();
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    asynrole_error_t error;
    asynrole_workers_t *hub =
        asynrole_workers_new (agent, "inproc://breakw-inuse", NULL, NULL, NULL, &error);
    assert_non_null (hub);
    tu_hubs[0] = hub;
    //  An Agent takes one workers actor; another Agent gets EADDRINUSE
    assert_null (asynrole_workers_new (agent, "inproc://breakw-other", NULL, NULL, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    asynrole_agent_t *other = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    assert_null (asynrole_workers_new (other, "inproc://breakw-inuse", NULL, NULL, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_ENETWORK);
    assert_int_equal (error.sys_errno, EADDRINUSE);
    tu_agent_destroy (&other);
    tu_hub_destroy (&hub);
    const char *bad[] = { "inproc://",
                          "tcp://127.0.0.1:0",
                          "tcp://127.0.0.1:65536",
                          "tcp://127.0.0.1",
                          "tcp://127.0.0.1:5 5",
                          "tcp://[::1:*",
                          "ipc://",
                          "inproc://zeromq.zap.01",
                          "udp://127.0.0.1:5",
                          "tcp://127.0.0.1:*\n",
                          "",
                          "tcp://localhost:*" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        asynrole_workers_t *made = asynrole_workers_new (agent, bad[i], NULL, NULL, NULL, &error);
        if (made)
            fprintf (stderr, "accepted: \"%s\"\n", bad[i]);
        asynrole_workers_destroy (&made);
        assert_int_equal (error.code, ASYNROLE_EBADARG);
    }
    char longer[400];
    memset (longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    memcpy (longer, "inproc://", 9);
    assert_null (asynrole_workers_new (agent, longer, NULL, NULL, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_null (asynrole_worker_new (longer, tu_wk_cb, NULL, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_null (asynrole_workers_new (agent, NULL, NULL, NULL, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_null (asynrole_worker_new (NULL, tu_wk_cb, NULL, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    asynrole_remote_options_t options = { .overflow = (asynrole_overflow_t) 42 };
    assert_null (asynrole_workers_new (agent, "inproc://breakw-x", NULL, NULL, &options, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    options = (asynrole_remote_options_t){ .heartbeat = -5 };
    assert_null (asynrole_worker_new ("inproc://breakw-x", tu_wk_cb, NULL, &options, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (asynrole_workers_stats (NULL, NULL, &error), -1);
    assert_int_equal (asynrole_workers_list (NULL, NULL, 0, &error), -1);
    assert_int_equal (asynrole_worker_stats (NULL, NULL, &error), -1);
    assert_int_equal (asynrole_worker_send (NULL, "x", 1, NULL, &error), -1);
    assert_int_equal (asynrole_worker_reply (NULL, NULL, "x", 1, &error), -1);
    assert_null (asynrole_workers_endpoint (NULL));
    asynrole_workers_destroy (NULL);
    asynrole_worker_destroy (NULL);
    tu_agent_destroy (&agent);
    assert_int_equal (tu_open_fds (), fds);
}

//  -------------------------------------------------------------------------
//  Descriptors and threads back to where they were once the workers actor
//  and its workers (tcp) are destroyed

static int
s_threads (void)
{
    DIR *dir = opendir ("/proc/self/task");
    int count = 0;
    for (struct dirent *entry = dir ? readdir (dir) : NULL; entry; entry = readdir (dir))
        if (entry->d_name[0] != '.')
            count++;
    if (dir)
        closedir (dir);
    return count;
}

static void
test_break_resources_back (void **state)
{
    (void) state;
    //  libzmq closes a socket's descriptors in its reaper thread, after
    //  zmq_close returns: counted once the last holder of the library's
    //  context (the Agent here) has let go, which waits for them all
    int fds = tu_open_fds ();
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    //  Threads are joined by destroy (the sanitizer may add one of its own
    //  at the first thread: counted with the Agent's)
    int threads = s_threads ();
    for (int round = 0; round < 3; round++) {
        static tu_hub_events_t events;
        tu_hub_events_init (&events);
        asynrole_workers_t *hub =
            tu_hub_new (agent, "tcp://127.0.0.1:*", ASYNROLE_OVERFLOW_DROP, &events);
        static tu_wk_t wk;
        tu_wk_init (&wk);
        wk.echo = true;
        asynrole_worker_t *w1 = tu_worker_new (asynrole_workers_endpoint (hub), &wk, 4, "r1");
        asynrole_worker_t *w2 = tu_worker_new (asynrole_workers_endpoint (hub), &wk, 4, "r2");
        TU_WAIT_HUB (&events, joined, 2);
        asynrole_addr_t client;
        int fd = tu_client ("127.0.0.1", &client);
        asynrole_addr_t to = tu_agent_addr (agent, 0);
        tu_send_udp (fd, &to, "res");
        char buf[16];
        asynrole_addr_t from;
        assert_int_equal (tu_recv_from (fd, buf, sizeof buf, &from), 3);
        close (fd);
        tu_worker_destroy (&w1);
        tu_hub_destroy (&hub);
        tu_worker_destroy (&w2);
    }
    int threads_after = s_threads ();
    tu_agent_destroy (&agent);
    printf ("fds %d -> %d, threads %d -> %d\n", fds, tu_open_fds (), threads, threads_after);
    assert_int_equal (tu_open_fds (), fds);
    assert_int_equal (threads_after, threads);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown (test_break_bug_welcome_heartbeat_wraps, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_bug_error_storm_events, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_stats_from_own_callback, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_bug_same_agent_twice, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_bug_send_timeout_still_sent, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_bug_worker_datagram_before_welcome,
                                   tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_bug_destroy_stuck_worker, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_agent_destroyed_first, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_bug_agent_destroyed_first_pause, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_bug_agent_destroyed_first_send, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_credit_abuse, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_hello_abuse, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_send_abuse, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_garbage, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_max_datagram_tcp, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_say_hello_flood, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_pause_hoarder, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_many_workers, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_churn_storm, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_local_account, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_hundred_thousand, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_callback_past_timeout, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_destroy_from_event, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_bad_endpoints, tu_remote_teardown),
        cmocka_unit_test_teardown (test_break_resources_back, tu_remote_teardown),
    };
    return tu_main (tests, argc, argv);
}
