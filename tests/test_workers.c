/*  test_workers.c - Agent workers (asynrole_remote.h): datagrams to workers
    by credit, replies back from the right socket and address, DROP and
    PAUSE, heartbeats, workers lost and back, what the network sends that
    we refuse. White-box: a raw peer speaks the protocol by hand (rwire). */
#include "testutil.h"
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

//  Heartbeats in tests: 50 ms; gone after 150 ms where a case waits for a
//  loss, else after 2 s (a slow machine, valgrind, must not lose a worker)
#define T_HEARTBEAT 50
static int s_hb_timeout = 2000;

//  -------------------------------------------------------------------------
//  What the workers actor reports

typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    size_t joined;       //  ASYNROLE_OK events
    size_t gone;         //  ASYNROLE_EDISCONNECTED events
    size_t lost;         //  their counts summed
    size_t dropped;      //  ASYNROLE_EDROPPED counts summed
    size_t drop_events;  //  ASYNROLE_EDROPPED events
    size_t protocol;     //  ASYNROLE_EPROTOCOL events
    size_t other;        //  anything else
} hub_events_t;

static void
s_hub_event (void *ctx, const asynrole_error_t *event)
{
    hub_events_t *self = (hub_events_t *) ctx;
    pthread_mutex_lock (&self->mutex);
    if (event->code == ASYNROLE_OK)
        self->joined++;
    else if (event->code == ASYNROLE_EDISCONNECTED) {
        self->gone++;
        self->lost += event->count;
    }
    else if (event->code == ASYNROLE_EDROPPED && event->op == ASYNROLE_OP_WORKER) {
        self->dropped += event->count;
        self->drop_events++;
    }
    else if (event->code == ASYNROLE_EPROTOCOL)
        self->protocol++;
    else
        self->other++;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

static void
s_hub_events_init (hub_events_t *self)
{
    memset (self, 0, sizeof *self);
    pthread_mutex_init (&self->mutex, NULL);
    tu_cond_init (&self->cond);
}

//  -------------------------------------------------------------------------
//  A worker of the library's, as a test sees it

typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    size_t datagrams;          //  callbacks run
    size_t joined;             //  ASYNROLE_OK events
    size_t lost;               //  ASYNROLE_EDISCONNECTED events
    size_t protocol;           //  ASYNROLE_EPROTOCOL events
    bool echo;                 //  reply with what came
    bool block;                //  hold each callback until released
    size_t blocked;            //  callbacks waiting now
    size_t returned;           //  callbacks that returned
    size_t hub_joined;         //  test_pause: the workers actor's events,
    size_t hub_dropped;        //  counted here to wait on one condition
    size_t agent_dropped;      //  the Agent's own drops (its events, passed on)
    asynrole_workers_t *hub;   //  when set, the callback checks credit against it
    uint32_t credit;           //  its credit, for that check
    size_t over_credit;        //  times a worker held more than its credit
    asynrole_datagram_t last;  //  the last datagram (without its data)
    char last_data[64];        //  its payload, NUL-terminated
} wk_t;

static void
s_wk_init (wk_t *self)
{
    memset (self, 0, sizeof *self);
    pthread_mutex_init (&self->mutex, NULL);
    tu_cond_init (&self->cond);
}

//  From the callback: no worker holds more than its credit
static void
s_check_credit (wk_t *self)
{
    asynrole_worker_info_t info[8];
    int count = asynrole_workers_list (self->hub, info, 8, NULL);
    for (int i = 0; i < count && i < 8; i++)
        if (info[i].connected && info[i].in_worker > info[i].credit) {
            pthread_mutex_lock (&self->mutex);
            self->over_credit++;
            pthread_mutex_unlock (&self->mutex);
        }
}

static void
s_wk_datagram (asynrole_worker_t *worker, wk_t *self, const asynrole_datagram_t *datagram)
{
    if (self->hub)
        s_check_credit (self);
    pthread_mutex_lock (&self->mutex);
    self->last = *datagram;
    self->last.data = NULL;
    size_t size =
        datagram->size < sizeof self->last_data - 1 ? datagram->size : sizeof self->last_data - 1;
    memcpy (self->last_data, datagram->data, size);
    self->last_data[size] = '\0';
    self->datagrams++;
    pthread_mutex_unlock (&self->mutex);
    //  Recorded first: the test reads the record once the reply is back
    if (self->echo) {
        asynrole_error_t error;
        if (asynrole_worker_reply (worker, datagram, datagram->data, datagram->size, &error))
            fprintf (stderr, "reply refused: %s\n", error.detail);
    }
    pthread_mutex_lock (&self->mutex);
    self->blocked++;
    pthread_cond_broadcast (&self->cond);
    struct timespec deadline = tu_deadline (TU_TIMEOUT_MS);
    while (self->block)
        if (pthread_cond_timedwait (&self->cond, &self->mutex, &deadline))
            break;
    self->blocked--;
    self->returned++;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

static void
s_wk_cb (asynrole_worker_t *worker, void *ctx, const asynrole_datagram_t *datagram,
         const asynrole_error_t *error)
{
    wk_t *self = (wk_t *) ctx;
    if (datagram) {
        s_wk_datagram (worker, self, datagram);
        return;
    }
    pthread_mutex_lock (&self->mutex);
    if (error->code == ASYNROLE_OK)
        self->joined++;
    else if (error->code == ASYNROLE_EDISCONNECTED)
        self->lost++;
    else if (error->code == ASYNROLE_EPROTOCOL)
        self->protocol++;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

static void
s_wk_release (wk_t *self)
{
    pthread_mutex_lock (&self->mutex);
    self->block = false;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

//  -------------------------------------------------------------------------
//  What the test made, destroyed before the Agents even when a case fails

#define T_MAX 8
static asynrole_workers_t *s_hubs[T_MAX];
static asynrole_worker_t *s_workers[T_MAX];

static asynrole_workers_t *
s_hub_new_fn (asynrole_agent_t *agent, const char *endpoint, asynrole_overflow_t overflow,
              asynrole_remote_event_fn *on_event, void *event_ctx)
{
    asynrole_remote_options_t options = { .heartbeat = T_HEARTBEAT,
                                          .heartbeat_timeout = s_hb_timeout,
                                          .overflow = overflow,
                                          .on_event = on_event,
                                          .event_ctx = event_ctx };
    asynrole_error_t error;
    asynrole_workers_t *hub = asynrole_workers_new (agent, endpoint, NULL, NULL, &options, &error);
    if (!hub)
        fail_msg ("asynrole_workers_new (%s): %s", endpoint, error.detail);
    for (int i = 0; i < T_MAX; i++)
        if (!s_hubs[i]) {
            s_hubs[i] = hub;
            break;
        }
    return hub;
}

static asynrole_workers_t *
s_hub_new (asynrole_agent_t *agent, const char *endpoint, asynrole_overflow_t overflow,
           hub_events_t *events)
{
    return s_hub_new_fn (agent, endpoint, overflow, s_hub_event, events);
}

static void
s_hub_destroy (asynrole_workers_t **hub_p)
{
    for (int i = 0; i < T_MAX; i++)
        if (s_hubs[i] == *hub_p)
            s_hubs[i] = NULL;
    asynrole_workers_destroy (hub_p);
}

static asynrole_worker_t *
s_worker_new (const char *endpoint, wk_t *wk, uint32_t credit, const char *name)
{
    asynrole_remote_options_t options = {
        .heartbeat = T_HEARTBEAT, .heartbeat_timeout = s_hb_timeout, .credit = credit, .name = name
    };
    asynrole_error_t error;
    asynrole_worker_t *worker = asynrole_worker_new (endpoint, s_wk_cb, wk, &options, &error);
    if (!worker)
        fail_msg ("asynrole_worker_new (%s): %s", endpoint, error.detail);
    wk->credit = credit;
    for (int i = 0; i < T_MAX; i++)
        if (!s_workers[i]) {
            s_workers[i] = worker;
            break;
        }
    return worker;
}

static void
s_worker_destroy (asynrole_worker_t **worker_p)
{
    for (int i = 0; i < T_MAX; i++)
        if (s_workers[i] == *worker_p)
            s_workers[i] = NULL;
    asynrole_worker_destroy (worker_p);
}

static int
s_teardown (void **state)
{
    for (int i = 0; i < T_MAX; i++) {
        asynrole_worker_destroy (&s_workers[i]);
        asynrole_workers_destroy (&s_hubs[i]);
    }
    s_hb_timeout = 2000;
    return tu_teardown (state);
}

//  -------------------------------------------------------------------------
//  Waiting, with deadlines

static bool
s_wait_size (pthread_mutex_t *mutex, pthread_cond_t *cond, const size_t *value, size_t n)
{
    return tu_wait_count (mutex, cond, value, n, TU_TIMEOUT_MS);
}

#define WAIT_HUB(events, field, n) \
    assert_true (s_wait_size (&(events)->mutex, &(events)->cond, &(events)->field, (n)))
#define WAIT_WK(wk, field, n) \
    assert_true (s_wait_size (&(wk)->mutex, &(wk)->cond, &(wk)->field, (n)))

static asynrole_remote_stats_t
s_stats (asynrole_workers_t *hub)
{
    asynrole_remote_stats_t stats;
    asynrole_error_t error;
    if (asynrole_workers_stats (hub, &stats, &error))
        fail_msg ("asynrole_workers_stats: %s", error.detail);
    return stats;
}

//  -------------------------------------------------------------------------
//  UDP

static void
s_send_udp (int fd, const asynrole_addr_t *to, const char *text)
{
    ssize_t sent = sendto (fd, text, strlen (text), 0, &to->u.sa, to->len);
    assert_int_equal (sent, (ssize_t) strlen (text));
}

static asynrole_addr_t
s_agent_addr (asynrole_agent_t *agent, size_t index)
{
    return *asynrole_agent_local (agent, index);
}

//  A datagram from fd within TU_TIMEOUT_MS: its size (or -1), and where from
static ssize_t
s_recv_from (int fd, char *buf, size_t size, asynrole_addr_t *from)
{
    struct pollfd item = { fd, POLLIN, 0 };
    if (poll (&item, 1, TU_TIMEOUT_MS) != 1)
        return -1;
    memset (from, 0, sizeof *from);
    from->len = sizeof from->u;
    ssize_t got = recvfrom (fd, buf, size - 1, 0, &from->u.sa, &from->len);
    if (got >= 0)
        buf[got] = '\0';
    return got;
}

//  A barrier through a worker: once its callbacks have all returned, what
//  it sends comes after its CREDIT, so when the Agent's datagram is back
//  here the workers actor has counted them done
static void
s_barrier (asynrole_worker_t *worker, int fd, const asynrole_addr_t *fd_addr)
{
    asynrole_error_t error;
    if (asynrole_worker_send (worker, "mark", 4, fd_addr, &error))
        fail_msg ("asynrole_worker_send: %s", error.detail);
    char buf[16];
    asynrole_addr_t from;
    assert_int_equal (s_recv_from (fd, buf, sizeof buf, &from), 4);
    assert_string_equal (buf, "mark");
}

//  -------------------------------------------------------------------------
//  A raw peer that speaks the protocol by hand

static void *
s_raw_new (const char *endpoint)
{
    assert_int_equal (ctx_acquire (NULL), 0);
    void *sock = ctx_socket (ZMQ_DEALER, NULL);
    assert_non_null (sock);
    assert_int_equal (zmq_connect (sock, endpoint), 0);
    return sock;
}

static void
s_raw_destroy (void **sock_p)
{
    ctx_close (sock_p);
    ctx_release ();
}

static void
s_raw_send (void *sock, zmsg_t *msg)
{
    assert_non_null (msg);
    assert_int_equal (rmsg_send (sock, NULL, 0, &msg), 0);
}

static void
s_raw_hello (void *sock, uint32_t credit)
{
    rwire_msg_t m = { .type = RWIRE_HELLO, .credit = credit, .heartbeat = T_HEARTBEAT };
    snprintf (m.text, sizeof m.text, "raw");
    s_raw_send (sock, rwire_encode (&m));
}

//  The next message of type (others are skipped), decoded into m; its
//  message is kept in *msg_p (m points into it)
static void
s_raw_expect (void *sock, rwire_type_t type, rwire_msg_t *m, zmsg_t **msg_p)
{
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    while (true) {
        zmsg_destroy (msg_p);
        int left = (int) (deadline - tu_now ());
        assert_true (left > 0 && frames_wait (sock, left) > 0);
        *msg_p = zmsg_recv (sock);
        assert_non_null (*msg_p);
        assert_int_equal (rwire_decode (*msg_p, m), RWIRE_OK);
        if (m->type == type)
            return;
    }
}

//  -------------------------------------------------------------------------
//  Round trips: source, local address and via reach the worker; the reply
//  leaves from the socket and the address the request was sent to

static void
s_round_trip (const char *endpoint)
{
    const char *ifaces[] = { "127.0.0.1:0", "127.0.0.2:0" };
    asynrole_agent_t *agent = tu_agent_new_n (NULL, NULL, ifaces, 2, &s_pipe);
    hub_events_t events;
    s_hub_events_init (&events);
    asynrole_workers_t *hub = s_hub_new (agent, endpoint, ASYNROLE_OVERFLOW_DROP, &events);
    wk_t wk;
    s_wk_init (&wk);
    wk.echo = true;
    asynrole_worker_t *worker = s_worker_new (asynrole_workers_endpoint (hub), &wk, 8, "echo");
    WAIT_HUB (&events, joined, 1);
    WAIT_WK (&wk, joined, 1);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    for (size_t i = 0; i < 2; i++) {
        asynrole_addr_t to = s_agent_addr (agent, i);
        char text[32], buf[64];
        snprintf (text, sizeof text, "ask %zu", i);
        s_send_udp (fd, &to, text);
        asynrole_addr_t from;
        assert_int_equal (s_recv_from (fd, buf, sizeof buf, &from), (ssize_t) strlen (text));
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
    s_barrier (worker, fd, &client);
    asynrole_remote_stats_t stats = s_stats (hub);
    assert_int_equal (stats.datagrams, 2);
    assert_int_equal (stats.done, 2);
    assert_int_equal (stats.replies, 3);
    assert_int_equal (stats.peers, 1);
    assert_int_equal (stats.in_worker, 0);
    assert_int_equal (stats.credit, 8);
    close (fd);
    s_worker_destroy (&worker);
    s_hub_destroy (&hub);
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
    hub_events_t events;
    s_hub_events_init (&events);
    size_t kept = 0;
    asynrole_remote_options_t options = { .heartbeat = T_HEARTBEAT,
                                          .heartbeat_timeout = s_hb_timeout,
                                          .on_event = s_hub_event,
                                          .event_ctx = &events };
    asynrole_workers_t *hub =
        asynrole_workers_new (agent, "inproc://test-local", s_local, &kept, &options, NULL);
    assert_non_null (hub);
    s_hubs[0] = hub;
    wk_t wk;
    s_wk_init (&wk);
    wk.echo = true;
    asynrole_worker_t *worker = s_worker_new ("inproc://test-local", &wk, 4, "remote");
    WAIT_HUB (&events, joined, 1);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = s_agent_addr (agent, 0);
    char buf[16];
    asynrole_addr_t from;
    s_send_udp (fd, &to, "Lhere");
    assert_int_equal (s_recv_from (fd, buf, sizeof buf, &from), 5);
    assert_string_equal (buf, "local");
    s_send_udp (fd, &to, "there");
    assert_int_equal (s_recv_from (fd, buf, sizeof buf, &from), 5);
    assert_string_equal (buf, "there");
    asynrole_remote_stats_t stats = s_stats (hub);
    assert_int_equal (stats.datagrams, 1);
    assert_int_equal (kept, 1);  //  the stats answer came after the callback
    close (fd);
    s_worker_destroy (&worker);
    s_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  Credit: a worker of credit 3 that blocks never holds more than 3

static void
test_credit_never_exceeded (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    hub_events_t events;
    s_hub_events_init (&events);
    asynrole_workers_t *hub =
        s_hub_new (agent, "inproc://test-credit", ASYNROLE_OVERFLOW_DROP, &events);
    wk_t wk;
    s_wk_init (&wk);
    wk.block = true;
    wk.hub = hub;
    asynrole_worker_t *worker = s_worker_new ("inproc://test-credit", &wk, 3, "slow");
    WAIT_HUB (&events, joined, 1);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = s_agent_addr (agent, 0);
    for (int i = 0; i < 10; i++)
        s_send_udp (fd, &to, "x");
    WAIT_WK (&wk, blocked, 1);
    WAIT_HUB (&events, dropped, 7);
    asynrole_worker_info_t info[4];
    assert_int_equal (asynrole_workers_list (hub, info, 4, NULL), 1);
    assert_int_equal (info[0].credit, 3);
    assert_int_equal (info[0].in_worker, 3);
    assert_string_equal (info[0].name, "slow");
    s_wk_release (&wk);
    WAIT_WK (&wk, returned, 3);
    //  Credit back: more come, one by one, never past 3
    for (size_t i = 0; i < 5; i++) {
        s_send_udp (fd, &to, "y");
        WAIT_WK (&wk, returned, 4 + i);
    }
    s_barrier (worker, fd, &client);
    asynrole_remote_stats_t stats = s_stats (hub);
    assert_int_equal (stats.datagrams, 8);
    assert_int_equal (stats.done, 8);
    assert_int_equal (stats.dropped, 7);
    assert_int_equal (events.dropped, 7);
    assert_int_equal (wk.over_credit, 0);
    close (fd);
    s_worker_destroy (&worker);
    s_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  Spreading: three workers each get datagrams

static void
test_spreading (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    hub_events_t events;
    s_hub_events_init (&events);
    asynrole_workers_t *hub =
        s_hub_new (agent, "tcp://127.0.0.1:*", ASYNROLE_OVERFLOW_DROP, &events);
    wk_t wk[3];
    asynrole_worker_t *worker[3];
    for (int i = 0; i < 3; i++) {
        s_wk_init (&wk[i]);
        wk[i].echo = true;
        worker[i] = s_worker_new (asynrole_workers_endpoint (hub), &wk[i], 16, "spread");
    }
    WAIT_HUB (&events, joined, 3);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = s_agent_addr (agent, 0);
    for (int i = 0; i < 30; i++)
        s_send_udp (fd, &to, "z");
    for (int i = 0; i < 30; i++) {
        char buf[8];
        asynrole_addr_t from;
        assert_int_equal (s_recv_from (fd, buf, sizeof buf, &from), 1);
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
        s_worker_destroy (&worker[i]);
    s_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  DROP: every worker full, the rest dropped, the account exact

static void
test_drop_when_full (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    hub_events_t events;
    s_hub_events_init (&events);
    asynrole_workers_t *hub =
        s_hub_new (agent, "tcp://127.0.0.1:*", ASYNROLE_OVERFLOW_DROP, &events);
    wk_t wk[2];
    asynrole_worker_t *worker[2];
    for (int i = 0; i < 2; i++) {
        s_wk_init (&wk[i]);
        wk[i].block = true;
        worker[i] = s_worker_new (asynrole_workers_endpoint (hub), &wk[i], 2, "full");
    }
    WAIT_HUB (&events, joined, 2);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = s_agent_addr (agent, 0);
    const size_t sent = 30;
    for (size_t i = 0; i < sent; i++)
        s_send_udp (fd, &to, "d");
    WAIT_HUB (&events, dropped, sent - 4);
    for (int i = 0; i < 2; i++) {
        WAIT_WK (&wk[i], blocked, 1);
        s_wk_release (&wk[i]);
        WAIT_WK (&wk[i], returned, 2);
        s_barrier (worker[i], fd, &client);
    }
    asynrole_remote_stats_t stats = s_stats (hub);
    assert_int_equal (stats.datagrams, 4);
    assert_int_equal (sent, stats.done + stats.dropped + stats.lost_datagrams);
    assert_int_equal (stats.dropped, events.dropped);
    assert_true (events.drop_events >= 1 && events.drop_events <= stats.dropped);
    close (fd);
    for (int i = 0; i < 2; i++)
        s_worker_destroy (&worker[i]);
    s_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  PAUSE: nothing dropped by the workers actor; the Agent holds what it
//  may, then its I/O actor leaves the rest to the kernel (the batch read
//  when its bound is reached is dropped: counted, reported)

static void
s_pause_event (void *ctx, const asynrole_error_t *event)
{
    wk_t *wk = (wk_t *) ctx;
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
s_wait_pause_account (wk_t *wk, size_t target)
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
    wk_t wk;
    s_wk_init (&wk);
    wk.block = true;
    asynrole_workers_t *hub =
        s_hub_new_fn (agent, "inproc://test-pause", ASYNROLE_OVERFLOW_PAUSE, s_pause_event, &wk);
    asynrole_worker_t *worker = s_worker_new ("inproc://test-pause", &wk, 2, "paused");
    WAIT_WK (&wk, hub_joined, 1);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = s_agent_addr (agent, 0);
    const size_t sent = 3000;
    char payload[101];
    memset (payload, 'p', 100);
    payload[100] = '\0';
    for (size_t i = 0; i < sent; i++)
        s_send_udp (fd, &to, payload);
    WAIT_WK (&wk, blocked, 1);
    //  The workers actor stops reading once the worker holds its credit
    //  (each stats call is a round trip to it, with its deadline)
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    asynrole_remote_stats_t stats = s_stats (hub);
    while (stats.paused == 0 && tu_now () < deadline)
        stats = s_stats (hub);
    assert_true (stats.paused >= 1);
    assert_int_equal (stats.datagrams, 2);
    //  Every datagram is sent: what the kernel dropped is dropped for good
    asynrole_stats_t agent_stats = tu_agent_stats (agent, 0);
    s_wk_release (&wk);
    assert_true (s_wait_pause_account (&wk, sent - agent_stats.kernel_dropped));
    s_barrier (worker, fd, &client);
    stats = s_stats (hub);
    agent_stats = tu_agent_stats (agent, 0);
    assert_int_equal (stats.dropped, 0);
    assert_int_equal (wk.hub_dropped, 0);
    assert_true (agent_stats.paused >= 1);
    assert_int_equal (sent, stats.done + agent_stats.dropped + agent_stats.kernel_dropped);
    printf ("pause: %zu sent, %" PRIu64 " done, %" PRIu64 " dropped by the Agent, %" PRIu64
            " by the kernel; the workers actor paused %" PRIu64 " times\n",
            sent, stats.done, agent_stats.dropped, agent_stats.kernel_dropped, stats.paused);
    close (fd);
    s_worker_destroy (&worker);
    s_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  A worker that goes silent is lost with what it held; the others get its
//  share; it rejoins with HELLO

static void
test_silent_worker (void **state)
{
    (void) state;
    s_hb_timeout = 3 * T_HEARTBEAT;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    hub_events_t events;
    s_hub_events_init (&events);
    asynrole_workers_t *hub =
        s_hub_new (agent, "tcp://127.0.0.1:*", ASYNROLE_OVERFLOW_DROP, &events);
    wk_t wk;
    s_wk_init (&wk);
    asynrole_worker_t *worker = s_worker_new (asynrole_workers_endpoint (hub), &wk, 64, "steady");
    WAIT_HUB (&events, joined, 1);
    void *raw = s_raw_new (asynrole_workers_endpoint (hub));
    s_raw_hello (raw, 5);
    zmsg_t *msg = NULL;
    rwire_msg_t m;
    s_raw_expect (raw, RWIRE_WELCOME, &m, &msg);
    assert_int_equal (m.credit, 5);
    assert_int_equal (m.heartbeat, T_HEARTBEAT);
    assert_int_equal (m.heartbeat_timeout, 3 * T_HEARTBEAT);
    WAIT_HUB (&events, joined, 2);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = s_agent_addr (agent, 0);
    s_raw_send (raw, rwire_simple (RWIRE_HEARTBEAT));
    for (int i = 0; i < 20; i++)
        s_send_udp (fd, &to, "s");
    //  The raw peer takes its credit's worth (alive while it takes them),
    //  then says nothing more
    for (int i = 0; i < 5; i++) {
        s_raw_expect (raw, RWIRE_DATAGRAM, &m, &msg);
        s_raw_send (raw, rwire_simple (RWIRE_HEARTBEAT));
        assert_true (asynrole_addr_equal (&m.peer, &client));
        assert_int_equal (m.peer.via, 1);
        assert_true (tu_same_ip (&m.local, &to));
    }
    WAIT_HUB (&events, gone, 1);
    assert_int_equal (events.lost, 5);
    WAIT_WK (&wk, returned, 15);
    for (int i = 0; i < 10; i++)
        s_send_udp (fd, &to, "t");
    WAIT_WK (&wk, returned, 25);
    s_barrier (worker, fd, &client);
    asynrole_remote_stats_t stats = s_stats (hub);
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
    s_raw_hello (raw, 5);
    s_raw_expect (raw, RWIRE_WELCOME, &m, &msg);
    WAIT_HUB (&events, joined, 3);
    zmsg_destroy (&msg);
    s_raw_destroy (&raw);
    close (fd);
    s_worker_destroy (&worker);
    s_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  What the network sends that we refuse: counted, answered, and the
//  workers actor keeps serving

static void
s_expect_error (void *raw, asynrole_code_t code)
{
    zmsg_t *msg = NULL;
    rwire_msg_t m;
    s_raw_expect (raw, RWIRE_ERROR, &m, &msg);
    assert_int_equal (m.code, code);
    assert_int_equal (m.spoken, ASYNROLE_PROTOCOL_VERSION);
    zmsg_destroy (&msg);
}

static void
s_raw_frame (void *raw, const void *data, size_t size)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, data, size);
    s_raw_send (raw, msg);
}

static void
test_refused (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    hub_events_t events;
    s_hub_events_init (&events);
    asynrole_workers_t *hub =
        s_hub_new (agent, "tcp://127.0.0.1:*", ASYNROLE_OVERFLOW_DROP, &events);
    const char *endpoint = asynrole_workers_endpoint (hub);
    //  A stranger's heartbeat: say HELLO first
    void *raw1 = s_raw_new (endpoint);
    s_raw_send (raw1, rwire_simple (RWIRE_HEARTBEAT));
    s_expect_error (raw1, ASYNROLE_EDISCONNECTED);
    //  Another version
    const uint8_t v2[] = { 'A', 'R', 2, RWIRE_HEARTBEAT };
    s_raw_frame (raw1, v2, sizeof v2);
    s_expect_error (raw1, ASYNROLE_EPROTOCOL);
    //  Not ours at all
    void *raw2 = s_raw_new (endpoint);
    s_raw_frame (raw2, "garbage", 7);
    s_expect_error (raw2, ASYNROLE_EPROTOCOL);
    //  A worker we know that gives back more credit than it holds
    void *raw3 = s_raw_new (endpoint);
    s_raw_hello (raw3, 4);
    zmsg_t *msg = NULL;
    rwire_msg_t m;
    s_raw_expect (raw3, RWIRE_WELCOME, &m, &msg);
    zmsg_destroy (&msg);
    rwire_msg_t credit = { .type = RWIRE_CREDIT, .done = 3 };
    s_raw_send (raw3, rwire_encode (&credit));
    s_expect_error (raw3, ASYNROLE_EPROTOCOL);
    //  A stranger's ERROR and BYE are never answered (counted); the answer
    //  to its next heartbeat says they were read
    s_raw_send (raw2, rwire_error (ASYNROLE_EINTERNAL, "test"));
    s_raw_send (raw2, rwire_simple (RWIRE_BYE));
    s_raw_send (raw2, rwire_simple (RWIRE_HEARTBEAT));
    s_expect_error (raw2, ASYNROLE_EDISCONNECTED);
    //  Still serving: a worker joins and a round trip goes through
    wk_t wk;
    s_wk_init (&wk);
    wk.echo = true;
    asynrole_worker_t *worker = s_worker_new (endpoint, &wk, 8, "after");
    WAIT_HUB (&events, joined, 2);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = s_agent_addr (agent, 0);
    //  Both workers have credit: the raw one takes its turn unanswered
    for (int i = 0; i < 2; i++)
        s_send_udp (fd, &to, "after");
    char buf[16];
    asynrole_addr_t from;
    assert_int_equal (s_recv_from (fd, buf, sizeof buf, &from), 5);
    asynrole_remote_stats_t stats = s_stats (hub);
    assert_int_equal (stats.unknown_peer, 4);
    assert_int_equal (stats.bad_version, 1);
    assert_int_equal (stats.malformed, 2);
    assert_true (tu_read_count (&events.mutex, &events.protocol) >= 3);
    close (fd);
    s_worker_destroy (&worker);
    s_raw_destroy (&raw1);
    s_raw_destroy (&raw2);
    s_raw_destroy (&raw3);
    s_hub_destroy (&hub);
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
    hub_events_t events;
    s_hub_events_init (&events);
    asynrole_workers_t *hub =
        s_hub_new (agent, "inproc://test-bye", ASYNROLE_OVERFLOW_DROP, &events);
    asynrole_remote_options_t options = { .heartbeat = T_HEARTBEAT, .name = "leaving" };
    pthread_mutex_lock (&s_self_mutex);
    s_self_destroying =
        asynrole_worker_new ("inproc://test-bye", s_destroy_cb, NULL, &options, NULL);
    bool made = s_self_destroying != NULL;
    pthread_mutex_unlock (&s_self_mutex);
    assert_true (made);
    WAIT_HUB (&events, joined, 1);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = s_agent_addr (agent, 0);
    s_send_udp (fd, &to, "go");
    char buf[16];
    asynrole_addr_t from;
    assert_int_equal (s_recv_from (fd, buf, sizeof buf, &from), 3);
    WAIT_HUB (&events, gone, 1);
    asynrole_remote_stats_t stats = s_stats (hub);
    assert_int_equal (stats.left, 1);
    assert_int_equal (stats.lost, 0);
    assert_int_equal (stats.peers, 0);
    assert_int_equal (stats.done, 1);
    assert_int_equal (stats.lost_datagrams, 0);
    close (fd);
    s_hub_destroy (&hub);
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
    hub_events_t events;
    s_hub_events_init (&events);
    asynrole_workers_t *hub =
        s_hub_new (agent, "tcp://127.0.0.1:*", ASYNROLE_OVERFLOW_DROP, &events);
    char endpoint[256];
    snprintf (endpoint, sizeof endpoint, "%s", asynrole_workers_endpoint (hub));
    wk_t wk;
    s_wk_init (&wk);
    wk.echo = true;
    wk.block = true;
    asynrole_worker_t *worker = s_worker_new (endpoint, &wk, 4, "faithful");
    WAIT_HUB (&events, joined, 1);
    WAIT_WK (&wk, joined, 1);
    //  Destroyed with a worker connected, one datagram in its callback
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = s_agent_addr (agent, 0);
    s_send_udp (fd, &to, "first");
    WAIT_WK (&wk, blocked, 1);
    char buf[16];
    asynrole_addr_t from;
    assert_int_equal (s_recv_from (fd, buf, sizeof buf, &from), 5);
    s_hub_destroy (&hub);
    s_wk_release (&wk);
    WAIT_WK (&wk, lost, 1);
    //  The reply had nowhere to go
    asynrole_error_t error;
    assert_int_equal (asynrole_worker_send (worker, "x", 1, &client, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EDISCONNECTED);
    hub_events_t events2;
    s_hub_events_init (&events2);
    hub = s_hub_new (agent, endpoint, ASYNROLE_OVERFLOW_DROP, &events2);
    WAIT_HUB (&events2, joined, 1);
    WAIT_WK (&wk, joined, 2);
    s_send_udp (fd, &to, "again");
    assert_int_equal (s_recv_from (fd, buf, sizeof buf, &from), 5);
    assert_string_equal (buf, "again");
    asynrole_remote_stats_t stats;
    assert_int_equal (asynrole_worker_stats (worker, &stats, NULL), 0);
    assert_int_equal (stats.joined, 2);
    assert_int_equal (stats.peers, 1);
    close (fd);
    s_worker_destroy (&worker);
    s_hub_destroy (&hub);
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
    wk_t wk;
    s_wk_init (&wk);
    asynrole_worker_t *worker = s_worker_new ("inproc://test-worker-side", &wk, 7, "alone");
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
    WAIT_WK (&wk, protocol, 1);
    //  A WELCOME with 50 ms heartbeats: it joins
    rwire_msg_t welcome = {
        .type = RWIRE_WELCOME, .credit = 7, .heartbeat = 50, .heartbeat_timeout = 150
    };
    s_router_send (router, id, rwire_encode (&welcome));
    WAIT_WK (&wk, joined, 1);
    //  It heartbeats; then, with us silent, it is lost and says HELLO again
    s_router_expect (router, RWIRE_HEARTBEAT, &m, &msg, &id);
    WAIT_WK (&wk, lost, 1);
    s_router_expect (router, RWIRE_HELLO, &m, &msg, &id);
    s_router_send (router, id, rwire_encode (&welcome));
    WAIT_WK (&wk, joined, 2);
    //  ERROR EDISCONNECTED: we no longer know it; HELLO again
    s_router_send (router, id, rwire_error (ASYNROLE_EDISCONNECTED, "say HELLO"));
    WAIT_WK (&wk, lost, 2);
    s_router_expect (router, RWIRE_HELLO, &m, &msg, &id);
    asynrole_remote_stats_t stats;
    assert_int_equal (asynrole_worker_stats (worker, &stats, NULL), 0);
    assert_int_equal (stats.malformed, 1);
    assert_int_equal (stats.joined, 2);
    assert_int_equal (stats.lost, 2);
    zmsg_destroy (&msg);
    zframe_destroy (&id);
    s_worker_destroy (&worker);
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
    //  A port in use
    asynrole_workers_t *hub =
        asynrole_workers_new (agent, "tcp://127.0.0.1:*", NULL, NULL, NULL, &error);
    assert_non_null (hub);
    assert_null (
        asynrole_workers_new (agent, asynrole_workers_endpoint (hub), NULL, NULL, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_ENETWORK);
    assert_int_equal (error.sys_errno, EADDRINUSE);
    asynrole_workers_destroy (&hub);
    assert_null (asynrole_worker_new ("inproc://x", NULL, NULL, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_null (asynrole_worker_new ("tcp://nowhere", s_wk_cb, NULL, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    //  A reply not from the callback
    wk_t wk;
    s_wk_init (&wk);
    asynrole_worker_t *worker = s_worker_new ("inproc://nobody", &wk, 1, "alone");
    asynrole_datagram_t datagram = { .peer = tu_addr ("127.0.0.1:9") };
    assert_int_equal (asynrole_worker_reply (worker, &datagram, "x", 1, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    s_worker_destroy (&worker);
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
    hub_events_t events;
    s_hub_events_init (&events);
    asynrole_workers_t *hub =
        s_hub_new (agent, "tcp://127.0.0.1:*", ASYNROLE_OVERFLOW_PAUSE, &events);
    wk_t wk;
    s_wk_init (&wk);
    asynrole_worker_t *worker = s_worker_new (asynrole_workers_endpoint (hub), &wk, 256, "fast");
    WAIT_HUB (&events, joined, 1);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    asynrole_addr_t to = s_agent_addr (agent, 0);
    //  In windows, so that the kernel never drops: the rate is the chain's
    const size_t total = 40000, window = 2000;
    int64_t start = tu_now_us ();
    for (size_t sent = 0; sent < total; sent += window) {
        for (size_t i = 0; i < window; i++)
            s_send_udp (fd, &to, "0123456789abcdef0123456789abcdef");
        WAIT_WK (&wk, returned, sent + window);
    }
    int64_t elapsed = tu_now_us () - start;
    printf ("workers: %zu datagrams through one worker (tcp loopback) in %.3f s: %.0f/s\n", total,
            (double) elapsed / 1e6, (double) total * 1e6 / (double) elapsed);
    s_barrier (worker, fd, &client);
    asynrole_remote_stats_t stats = s_stats (hub);
    assert_int_equal (stats.done, total);
    assert_int_equal (stats.dropped, 0);
    close (fd);
    s_worker_destroy (&worker);
    s_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

//  Replies through one echoing worker, tcp loopback (printed; every
//  request answered)
static void
test_reply_throughput (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    hub_events_t events;
    s_hub_events_init (&events);
    asynrole_workers_t *hub =
        s_hub_new (agent, "tcp://127.0.0.1:*", ASYNROLE_OVERFLOW_PAUSE, &events);
    wk_t wk;
    s_wk_init (&wk);
    wk.echo = true;
    asynrole_worker_t *worker = s_worker_new (asynrole_workers_endpoint (hub), &wk, 256, "echo");
    WAIT_HUB (&events, joined, 1);
    asynrole_addr_t client;
    int fd = tu_client ("127.0.0.1", &client);
    int rcvbuf = 8 * 1024 * 1024;
    setsockopt (fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
    asynrole_addr_t to = s_agent_addr (agent, 0);
    const size_t total = 20000, window = 1000;
    int64_t start = tu_now_us ();
    for (size_t sent = 0; sent < total; sent += window) {
        for (size_t i = 0; i < window; i++)
            s_send_udp (fd, &to, "0123456789abcdef0123456789abcdef");
        for (size_t i = 0; i < window; i++) {
            char buf[64];
            asynrole_addr_t from;
            assert_int_equal (s_recv_from (fd, buf, sizeof buf, &from), 32);
        }
    }
    int64_t elapsed = tu_now_us () - start;
    printf ("workers: %zu requests answered through one worker (tcp loopback) in %.3f s: "
            "%.0f/s\n",
            total, (double) elapsed / 1e6, (double) total * 1e6 / (double) elapsed);
    asynrole_remote_stats_t stats = s_stats (hub);
    assert_int_equal (stats.replies, total);
    assert_int_equal (stats.replies_failed, 0);
    close (fd);
    s_worker_destroy (&worker);
    s_hub_destroy (&hub);
    tu_agent_destroy (&agent);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown (test_round_trip_inproc, s_teardown),
        cmocka_unit_test_teardown (test_round_trip_tcp, s_teardown),
        cmocka_unit_test_teardown (test_round_trip_ipc, s_teardown),
        cmocka_unit_test_teardown (test_local_first, s_teardown),
        cmocka_unit_test_teardown (test_credit_never_exceeded, s_teardown),
        cmocka_unit_test_teardown (test_spreading, s_teardown),
        cmocka_unit_test_teardown (test_drop_when_full, s_teardown),
        cmocka_unit_test_teardown (test_pause, s_teardown),
        cmocka_unit_test_teardown (test_silent_worker, s_teardown),
        cmocka_unit_test_teardown (test_refused, s_teardown),
        cmocka_unit_test_teardown (test_bye_from_callback, s_teardown),
        cmocka_unit_test_teardown (test_hub_gone_and_back, s_teardown),
        cmocka_unit_test_teardown (test_worker_side, s_teardown),
        cmocka_unit_test_teardown (test_bad_arguments, s_teardown),
        cmocka_unit_test_teardown (test_throughput, s_teardown),
        cmocka_unit_test_teardown (test_reply_throughput, s_teardown),
    };
    return tu_main (tests, argc, argv);
}
