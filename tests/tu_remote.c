/*  tu_remote.c - shared helpers for the white-box tests of Agent workers
    and remote Managers: see tu_remote.h. Moved here from test_workers.c
    and test_workers_break.c, which had a copy each. */
#include "tu_remote.h"
#include "ctx.h"
#include "frames.h"
#include "rmsg.h"
#include <poll.h>
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

//  Heartbeats in tests: 50 ms; gone after 150 ms where a case waits for a
//  loss, else after 2 s (a slow machine, valgrind, must not lose a worker)
int tu_hb_timeout = 2000;

//  -------------------------------------------------------------------------
//  What the workers actor reports

void
tu_hub_event (void *ctx, const asynrole_error_t *event)
{
    tu_hub_events_t *self = (tu_hub_events_t *) ctx;
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
    else if (event->code == ASYNROLE_ECLOSED)
        self->closed++;
    else
        self->other++;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

void
tu_hub_events_init (tu_hub_events_t *self)
{
    memset (self, 0, sizeof *self);
    pthread_mutex_init (&self->mutex, NULL);
    tu_cond_init (&self->cond);
}

//  -------------------------------------------------------------------------
//  A worker of the library's, as a test sees it

void
tu_wk_init (tu_wk_t *self)
{
    memset (self, 0, sizeof *self);
    pthread_mutex_init (&self->mutex, NULL);
    tu_cond_init (&self->cond);
}

//  From the callback: no worker holds more than its credit
static void
s_check_credit (tu_wk_t *self)
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
s_wk_datagram (asynrole_worker_t *worker, tu_wk_t *self, const asynrole_datagram_t *datagram)
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

void
tu_wk_cb (asynrole_worker_t *worker, void *ctx, const asynrole_datagram_t *datagram,
          const asynrole_error_t *error)
{
    tu_wk_t *self = (tu_wk_t *) ctx;
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

void
tu_wk_release (tu_wk_t *self)
{
    pthread_mutex_lock (&self->mutex);
    self->block = false;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

//  -------------------------------------------------------------------------
//  What the test made, destroyed before the Agents even when a case fails

asynrole_workers_t *tu_hubs[TU_REMOTE_MAX];
asynrole_worker_t *tu_workers[TU_REMOTE_MAX];

asynrole_workers_t *
tu_hub_new_fn (asynrole_agent_t *agent, const char *endpoint, asynrole_overflow_t overflow,
               asynrole_remote_event_fn *on_event, void *event_ctx)
{
    asynrole_remote_options_t options = { .heartbeat = TU_HEARTBEAT,
                                          .heartbeat_timeout = tu_hb_timeout,
                                          .overflow = overflow,
                                          .on_event = on_event,
                                          .event_ctx = event_ctx };
    asynrole_error_t error;
    asynrole_workers_t *hub = asynrole_workers_new (agent, endpoint, NULL, NULL, &options, &error);
    if (!hub)
        fail_msg ("asynrole_workers_new (%s): %s", endpoint, error.detail);
    for (int i = 0; i < TU_REMOTE_MAX; i++)
        if (!tu_hubs[i]) {
            tu_hubs[i] = hub;
            break;
        }
    return hub;
}

asynrole_workers_t *
tu_hub_new (asynrole_agent_t *agent, const char *endpoint, asynrole_overflow_t overflow,
            tu_hub_events_t *events)
{
    return tu_hub_new_fn (agent, endpoint, overflow, tu_hub_event, events);
}

void
tu_hub_destroy (asynrole_workers_t **hub_p)
{
    for (int i = 0; i < TU_REMOTE_MAX; i++)
        if (tu_hubs[i] == *hub_p)
            tu_hubs[i] = NULL;
    asynrole_workers_destroy (hub_p);
}

asynrole_worker_t *
tu_worker_new (const char *endpoint, tu_wk_t *wk, uint32_t credit, const char *name)
{
    asynrole_remote_options_t options = { .heartbeat = TU_HEARTBEAT,
                                          .heartbeat_timeout = tu_hb_timeout,
                                          .credit = credit,
                                          .name = name };
    asynrole_error_t error;
    asynrole_worker_t *worker = asynrole_worker_new (endpoint, tu_wk_cb, wk, &options, &error);
    if (!worker)
        fail_msg ("asynrole_worker_new (%s): %s", endpoint, error.detail);
    wk->credit = credit;
    for (int i = 0; i < TU_REMOTE_MAX; i++)
        if (!tu_workers[i]) {
            tu_workers[i] = worker;
            break;
        }
    return worker;
}

void
tu_worker_destroy (asynrole_worker_t **worker_p)
{
    for (int i = 0; i < TU_REMOTE_MAX; i++)
        if (tu_workers[i] == *worker_p)
            tu_workers[i] = NULL;
    asynrole_worker_destroy (worker_p);
}

int
tu_remote_teardown (void **state)
{
    for (int i = 0; i < TU_REMOTE_MAX; i++) {
        asynrole_worker_destroy (&tu_workers[i]);
        asynrole_workers_destroy (&tu_hubs[i]);
    }
    tu_hb_timeout = 2000;
    return tu_teardown (state);
}

//  -------------------------------------------------------------------------
//  Waiting, with deadlines

bool
tu_wait_size (pthread_mutex_t *mutex, pthread_cond_t *cond, const size_t *value, size_t n)
{
    return tu_wait_count (mutex, cond, value, n, TU_TIMEOUT_MS);
}

asynrole_remote_stats_t
tu_hub_stats (asynrole_workers_t *hub)
{
    asynrole_remote_stats_t stats;
    asynrole_error_t error;
    if (asynrole_workers_stats (hub, &stats, &error))
        fail_msg ("asynrole_workers_stats: %s", error.detail);
    return stats;
}

//  -------------------------------------------------------------------------
//  UDP

void
tu_send_udp (int fd, const asynrole_addr_t *to, const char *text)
{
    ssize_t sent = sendto (fd, text, strlen (text), 0, &to->u.sa, to->len);
    assert_int_equal (sent, (ssize_t) strlen (text));
}

asynrole_addr_t
tu_agent_addr (asynrole_agent_t *agent, size_t index)
{
    return *asynrole_agent_local (agent, index);
}

//  A datagram from fd within TU_TIMEOUT_MS: its size (or -1), and where from
ssize_t
tu_recv_from (int fd, char *buf, size_t size, asynrole_addr_t *from)
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
void
tu_barrier (asynrole_worker_t *worker, int fd, const asynrole_addr_t *fd_addr)
{
    asynrole_error_t error;
    if (asynrole_worker_send (worker, "mark", 4, fd_addr, &error))
        fail_msg ("asynrole_worker_send: %s", error.detail);
    char buf[16];
    asynrole_addr_t from;
    assert_int_equal (tu_recv_from (fd, buf, sizeof buf, &from), 4);
    assert_string_equal (buf, "mark");
}

//  -------------------------------------------------------------------------
//  A raw peer that speaks the protocol by hand

void *
tu_raw_new (const char *endpoint)
{
    assert_int_equal (ctx_acquire (NULL), 0);
    void *sock = ctx_socket (ZMQ_DEALER, NULL);
    assert_non_null (sock);
    assert_int_equal (zmq_connect (sock, endpoint), 0);
    return sock;
}

void
tu_raw_destroy (void **sock_p)
{
    ctx_close (sock_p);
    ctx_release ();
}

void
tu_raw_send (void *sock, zmsg_t *msg)
{
    assert_non_null (msg);
    assert_int_equal (rmsg_send (sock, NULL, 0, &msg), 0);
}

void
tu_raw_hello (void *sock, uint32_t credit)
{
    rwire_msg_t m = { .type = RWIRE_HELLO, .credit = credit, .heartbeat = TU_HEARTBEAT };
    snprintf (m.text, sizeof m.text, "raw");
    tu_raw_send (sock, rwire_encode (&m));
}

//  The next message of type (others are skipped), decoded into m; its
//  message is kept in *msg_p (m points into it)
void
tu_raw_expect (void *sock, rwire_type_t type, rwire_msg_t *m, zmsg_t **msg_p)
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

void
tu_raw_expect_error (void *raw, asynrole_code_t code)
{
    zmsg_t *msg = NULL;
    rwire_msg_t m;
    tu_raw_expect (raw, RWIRE_ERROR, &m, &msg);
    assert_int_equal (m.code, code);
    assert_int_equal (m.spoken, ASYNROLE_PROTOCOL_VERSION);
    zmsg_destroy (&msg);
}

void
tu_raw_frame (void *raw, const void *data, size_t size)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, data, size);
    tu_raw_send (raw, msg);
}

//  -------------------------------------------------------------------------
//  Remote Managers: statistics, and a raw DEALER (zsock) for the server

asynrole_remote_stats_t
tu_server_stats (asynrole_server_t *server)
{
    asynrole_remote_stats_t stats;
    asynrole_error_t error;
    if (asynrole_server_stats (server, &stats, &error))
        fail_msg ("asynrole_server_stats: %s", error.detail);
    return stats;
}

asynrole_remote_stats_t
tu_client_stats (asynrole_client_t *client)
{
    asynrole_remote_stats_t stats;
    asynrole_error_t error;
    if (asynrole_client_stats (client, &stats, &error))
        fail_msg ("asynrole_client_stats: %s", error.detail);
    return stats;
}

zsock_t *
tu_zraw_new (const char *endpoint)
{
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    assert_non_null (sock);
    zsock_set_linger (sock, 0);
    assert_int_equal (zsock_connect (sock, "%s", endpoint), 0);
    return sock;
}

void
tu_zraw_send (zsock_t *sock, const rwire_msg_t *m)
{
    zmsg_t *msg = rwire_encode (m);
    assert_non_null (msg);
    assert_int_equal (zmsg_send (&msg, sock), 0);
}

bool
tu_zraw_recv_within (zsock_t *sock, rwire_msg_t *m, zmsg_t **msg_p, int timeout_ms)
{
    *msg_p = NULL;
    if (!tu_readable (zsock_resolve (sock), timeout_ms))
        return false;
    *msg_p = zmsg_recv (sock);
    assert_non_null (*msg_p);
    assert_int_equal (rwire_decode (*msg_p, m), RWIRE_OK);
    return true;
}

void
tu_zraw_recv (zsock_t *sock, rwire_msg_t *m, zmsg_t **msg_p)
{
    assert_true (tu_zraw_recv_within (sock, m, msg_p, TU_TIMEOUT_MS));
}
