/*  test_remote_break.c - trying to break remote Managers (issue 14): the
    request server (asynrole_server_new) and the client (asynrole_client_*)
    under hostile peers, churn, races and edge values. White-box: raw
    DEALERs and fake ROUTERs speak the protocol with rwire_encode.

    The promise under test: every request a client accepts ends with
    exactly one result callback, in the client's thread; no callback after
    destroy; nothing waits for ever; bad input from the network never
    crashes and is counted; the server never leaks a request (its table
    and the Manager's in-flight go back to 0).

    Cases that failed on the code as first merged (each says why above
    it), now regression tests like the others:
    test_server_long_heartbeat_timeout, test_cancel_new_from_callback,
    test_chain_from_callback_at_max, test_destroy_from_callback_then_results,
    test_destroy_while_callback_calls (TSan), test_bulk_wouldblock_miscounted,
    test_manager_destroyed_first. */
#include "testutil.h"
#include "tu_remote.h"
#include "ctx.h"
#include "rremote.h"
#include "rwire.h"
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/wait.h>

//  -------------------------------------------------------------------------
//  Results: per handle, exactly one each, and in which thread

#define MAX_HANDLES 4096

typedef struct results_s results_t;
typedef void (hook_fn) (results_t *self, asynrole_client_t *client,
                        const asynrole_result_t *result);

struct results_s {
    pthread_mutex_t mutex;
    pthread_cond_t cond;  //  on every result (CLOCK_MONOTONIC)
    size_t count;         //  results so far
    uint8_t seen[MAX_HANDLES + 1];
    asynrole_code_t code[MAX_HANDLES + 1];
    size_t by_code[16];
    size_t duplicates;             //  second results for a handle
    size_t out_of_range;           //  handles above MAX_HANDLES
    pthread_t thread;              //  the thread of the first result
    size_t other_thread;           //  results in another thread than the first's
    hook_fn *hook;                 //  runs in the callback, after counting
    void *hook_ctx;                //  for it
    asynrole_client_t **client_p;  //  for hooks that destroy
    int hook_rc;                   //  what a hook saw
    uint64_t hook_handle;          //  likewise
    bool hook_done;                //  a hook has returned
    bool destroyed;                //  a hook destroyed the client
    size_t after_destroy;          //  results after that, by code other than ECLOSED
};

static results_t *
s_results_new (void)
{
    results_t *self = (results_t *) calloc (1, sizeof *self);
    assert_non_null (self);
    pthread_mutex_init (&self->mutex, NULL);
    tu_cond_init (&self->cond);
    return self;
}

static void
s_results_destroy (results_t **self_p)
{
    if (!*self_p)
        return;
    pthread_mutex_destroy (&(*self_p)->mutex);
    pthread_cond_destroy (&(*self_p)->cond);
    free (*self_p);
    *self_p = NULL;
}

static void
s_on_result (asynrole_client_t *client, void *ctx, const asynrole_result_t *result)
{
    results_t *self = (results_t *) ctx;
    asynrole_code_t code = result->error ? result->error->code : ASYNROLE_OK;
    pthread_mutex_lock (&self->mutex);
    if (self->count == 0)
        self->thread = pthread_self ();
    else if (!pthread_equal (self->thread, pthread_self ()))
        self->other_thread++;
    if (result->handle > MAX_HANDLES)
        self->out_of_range++;
    else {
        if (self->seen[result->handle])
            self->duplicates++;
        self->seen[result->handle]++;
        self->code[result->handle] = code;
    }
    self->by_code[code < 16 ? code : 15]++;
    if (self->destroyed && code != ASYNROLE_ECLOSED)
        self->after_destroy++;
    self->count++;
    hook_fn *hook = self->hook;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
    if (hook)
        hook (self, client, result);
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

//  -------------------------------------------------------------------------
//  Fixture: an echo Agent, a Manager keyed by the first 8 bytes, a server

typedef struct {
    asynrole_agent_t *agent;
    asynrole_addr_t echo;    //  answers
    asynrole_addr_t closed;  //  never answers
    asynrole_manager_t *manager;
    asynrole_server_t *server;
    asynrole_client_t *client;
    results_t *results;
    asynrole_remote_options_t options;
} fix_t;

static fix_t s_fix;

static int
s_setup (void **state)
{
    memset (&s_fix, 0, sizeof s_fix);
    return tu_setup (state);
}

static int
s_teardown (void **state)
{
    asynrole_client_destroy (&s_fix.client);
    asynrole_server_destroy (&s_fix.server);
    int rc = tu_teardown (state);
    s_results_destroy (&s_fix.results);
    return rc;
}

//  An echo that keeps nothing (a collector's growth would hide the library's)
static void
s_echo_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
           const asynrole_error_t *error)
{
    (void) ctx;
    (void) error;
    asynrole_error_t echo_error;
    if (datagram)
        asynrole_agent_send (agent, datagram->data, datagram->size, &datagram->peer, &echo_error);
}

static void
s_manager_start (size_t max_queued)
{
    s_fix.agent = tu_agent_new (s_echo_cb, NULL, "127.0.0.1:0", NULL);
    s_fix.echo = *asynrole_agent_local (s_fix.agent, 0);
    s_fix.echo.via = 0;
    s_fix.closed = tu_closed_port (AF_INET);
    asynrole_requests_t requests = { .key = tu_key_first8, .max_queued = max_queued };
    if (max_queued)
        requests.max_in_flight = 1;
    asynrole_options_t options = { .requests = &requests, .rcvbuf = 8 << 20 };
    s_fix.manager = tu_manager_new (NULL, NULL, NULL, NULL, &options);
    s_fix.results = s_results_new ();
}

static void
s_server_start (const char *endpoint)
{
    asynrole_error_t error;
    s_fix.server = asynrole_server_new (s_fix.manager, endpoint, &s_fix.options, &error);
    if (!s_fix.server)
        fail_msg ("asynrole_server_new: %s", error.detail);
}

//  Manager, server on loopback, and (with_client) a client
static void
s_start (size_t max_queued, bool with_client)
{
    s_manager_start (max_queued);
    s_server_start ("tcp://127.0.0.1:*");
    if (with_client) {
        asynrole_error_t error;
        s_fix.client =
            asynrole_client_new (asynrole_server_endpoint (s_fix.server), &s_fix.options, &error);
        if (!s_fix.client)
            fail_msg ("asynrole_client_new: %s", error.detail);
    }
}

static const asynrole_policy_t s_quick = { .timeout = 20, .retries = 1 };
static const asynrole_policy_t s_long = { .timeout = 60000 };

//  A request of 16 bytes (n, then text); its handle, or 0 when refused
static uint64_t
s_try_request (asynrole_client_t *client, uint64_t n, const asynrole_addr_t *destination,
               const asynrole_policy_t *policy, results_t *results, asynrole_error_t *error)
{
    uint8_t data[16];
    memcpy (data, &n, 8);
    memcpy (data + 8, "breakbrk", 8);
    asynrole_request_t request = {
        .data = data, .size = 16, .destination = destination, .policy = policy, .ctx = results
    };
    uint64_t handle = 0;
    if (asynrole_client_request (client, &request, s_on_result, &handle, error))
        return 0;
    return handle;
}

static uint64_t
s_request (asynrole_client_t *client, uint64_t n, const asynrole_addr_t *destination,
           const asynrole_policy_t *policy, results_t *results)
{
    asynrole_error_t error;
    uint64_t handle = s_try_request (client, n, destination, policy, results, &error);
    if (!handle)
        fail_msg ("asynrole_client_request: %s", error.detail);
    return handle;
}

static asynrole_requests_stats_t
s_manager_requests (asynrole_manager_t *manager)
{
    asynrole_requests_stats_t stats;
    asynrole_error_t error;
    if (asynrole_manager_requests_stats (manager, &stats, &error))
        fail_msg ("asynrole_manager_requests_stats: %s", error.detail);
    return stats;
}

//  Wait (round trips, deadline) until the server's in_flight and peers and
//  the Manager's in_flight and queued are all 0
static bool
s_drained (int timeout_ms)
{
    int64_t deadline = tu_now () + timeout_ms;
    do {
        asynrole_remote_stats_t server = tu_server_stats (s_fix.server);
        asynrole_requests_stats_t manager = s_manager_requests (s_fix.manager);
        if (server.in_flight == 0 && server.peers == 0 && manager.in_flight == 0
            && manager.queued == 0)
            return true;
        //  Each look is a round trip to both threads: no spin
    } while (tu_now () < deadline);
    return false;
}

//  -------------------------------------------------------------------------
//  A raw DEALER speaking the protocol by hand

//  The next message that is not a HEARTBEAT
static bool
s_raw_next (zsock_t *sock, rwire_msg_t *m, int timeout_ms)
{
    zmsg_t *msg;
    do {
        if (!tu_zraw_recv_within (sock, m, &msg, timeout_ms))
            return false;
        zmsg_destroy (&msg);  //  m keeps no pointers we use but text/scalars
    } while (m->type == RWIRE_HEARTBEAT);
    return true;
}

//  A raw client welcomed by the server
static zsock_t *
s_raw_hello (const char *endpoint)
{
    zsock_t *raw = tu_zraw_new (endpoint);
    rwire_msg_t hello = { .type = RWIRE_HELLO, .heartbeat = 1000 };
    tu_zraw_send (raw, &hello);
    rwire_msg_t m;
    assert_true (s_raw_next (raw, &m, TU_TIMEOUT_MS));
    assert_int_equal (m.type, RWIRE_WELCOME);
    return raw;
}

static rwire_msg_t
s_raw_request (uint64_t token, const asynrole_addr_t *to, const asynrole_policy_t *policy)
{
    static const uint8_t data[16] = "raw-req-rawreq!";
    rwire_msg_t m = { .type = RWIRE_REQUEST,
                      .token = token,
                      .has_policy = policy != NULL,
                      .data = data,
                      .size = sizeof data };
    if (to)
        m.peer = *to;
    if (policy)
        m.policy = *policy;
    return m;
}

//  The RESULT for the next REQUEST: exactly one, with token, within deadline
static rwire_msg_t
s_raw_result (zsock_t *raw, uint64_t token)
{
    rwire_msg_t m;
    assert_true (s_raw_next (raw, &m, TU_TIMEOUT_MS));
    assert_int_equal (m.type, RWIRE_RESULT);
    assert_true (m.token == token);
    return m;
}

//  -------------------------------------------------------------------------
//  Hostile raw peers

//  A REQUEST before HELLO: ERROR EDISCONNECTED, unknown_peer, nothing made
static void
test_request_before_hello (void **state)
{
    (void) state;
    s_start (0, false);
    zsock_t *raw = tu_zraw_new (asynrole_server_endpoint (s_fix.server));
    rwire_msg_t request = s_raw_request (1, &s_fix.echo, NULL);
    tu_zraw_send (raw, &request);
    rwire_msg_t m;
    assert_true (s_raw_next (raw, &m, TU_TIMEOUT_MS));
    assert_int_equal (m.type, RWIRE_ERROR);
    assert_int_equal (m.code, ASYNROLE_EDISCONNECTED);
    asynrole_remote_stats_t server = tu_server_stats (s_fix.server);
    assert_int_equal (server.unknown_peer, 1);
    assert_int_equal (server.requests, 0);
    assert_int_equal (s_manager_requests (s_fix.manager).requests, 0);
    zsock_destroy (&raw);
}

//  Tokens 0 and 2^64-1 are tokens like others; a duplicate under way is
//  EBADARG and leaves the first alone; CANCEL of unknown tokens (a storm)
//  is silent; everything drains to 0
static void
test_tokens_and_cancel_storm (void **state)
{
    (void) state;
    s_start (0, false);
    zsock_t *raw = s_raw_hello (asynrole_server_endpoint (s_fix.server));
    rwire_msg_t request = s_raw_request (0, &s_fix.echo, NULL);
    tu_zraw_send (raw, &request);
    rwire_msg_t m = s_raw_result (raw, 0);
    assert_int_equal (m.code, ASYNROLE_OK);
    request = s_raw_request (UINT64_MAX, &s_fix.echo, NULL);
    tu_zraw_send (raw, &request);
    m = s_raw_result (raw, UINT64_MAX);
    assert_int_equal (m.code, ASYNROLE_OK);
    //  A long one at UINT64_MAX, then the same token again
    request = s_raw_request (UINT64_MAX, &s_fix.closed, &s_long);
    tu_zraw_send (raw, &request);
    tu_zraw_send (raw, &request);
    m = s_raw_result (raw, UINT64_MAX);
    assert_int_equal (m.code, ASYNROLE_EBADARG);
    //  10,000 CANCELs of tokens never used: no answer to any
    for (uint64_t t = 1; t <= 10000; t++) {
        rwire_msg_t cancel = { .type = RWIRE_CANCEL, .token = t };
        tu_zraw_send (raw, &cancel);
    }
    //  The long one is still under way, and ends ECANCELLED on its CANCEL
    asynrole_remote_stats_t server = tu_server_stats (s_fix.server);
    assert_int_equal (server.in_flight, 1);
    rwire_msg_t cancel = { .type = RWIRE_CANCEL, .token = UINT64_MAX };
    tu_zraw_send (raw, &cancel);
    tu_zraw_send (raw, &cancel);  //  twice: the second finds nothing
    m = s_raw_result (raw, UINT64_MAX);
    assert_int_equal (m.code, ASYNROLE_ECANCELLED);
    rwire_msg_t bye = { .type = RWIRE_BYE };
    tu_zraw_send (raw, &bye);
    assert_false (s_raw_next (raw, &m, 200));  //  nothing more, not a second RESULT
    assert_true (s_drained (TU_TIMEOUT_MS));
    server = tu_server_stats (s_fix.server);
    assert_int_equal (server.requests, 4);
    assert_int_equal (server.results, 4);
    assert_int_equal (server.malformed, 0);
    zsock_destroy (&raw);
}

//  Policies out of range, no destination, a family the Manager cannot
//  reach, a payload too long for IPv4: one RESULT EBADARG each, nothing
//  left under way
static void
test_bad_requests (void **state)
{
    (void) state;
    s_start (0, false);
    zsock_t *raw = s_raw_hello (asynrole_server_endpoint (s_fix.server));
    const asynrole_policy_t bad[] = {
        { .timeout = 0 },
        { .timeout = 100, .retries = 100000 },
        { .timeout = 100, .jitter = 101 },
        { .timeout = 100, .deadline = -1 },
        { .timeout = -5 },
        { .timeout = 100, .max_timeout = 50 },
        { .timeout = INT32_MAX },
    };
    uint64_t token = 1;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++, token++) {
        rwire_msg_t request = s_raw_request (token, &s_fix.echo, &bad[i]);
        tu_zraw_send (raw, &request);
        rwire_msg_t m = s_raw_result (raw, token);
        assert_int_equal (m.code, ASYNROLE_EBADARG);
    }
    //  No destination
    rwire_msg_t request = s_raw_request (token, NULL, NULL);
    tu_zraw_send (raw, &request);
    assert_int_equal (s_raw_result (raw, token++).code, ASYNROLE_EBADARG);
    //  IPv6 to an IPv4 Manager
    asynrole_addr_t v6 = tu_addr ("[::1]:161");
    v6.via = 0;
    request = s_raw_request (token, &v6, NULL);
    tu_zraw_send (raw, &request);
    rwire_msg_t m = s_raw_result (raw, token++);
    assert_true (m.code != ASYNROLE_OK);
    //  65,508 bytes to IPv4 (the codec takes up to 65,527)
    uint8_t *big = (uint8_t *) calloc (1, ASYNROLE_DGRAM_MAX_IPV6);
    assert_non_null (big);
    request = s_raw_request (token, &s_fix.echo, NULL);
    request.data = big;
    request.size = ASYNROLE_DGRAM_MAX_IPV4 + 1;
    tu_zraw_send (raw, &request);
    assert_int_equal (s_raw_result (raw, token++).code, ASYNROLE_EBADARG);
    //  65,528 bytes: over the protocol's limit, malformed (no RESULT)
    zmsg_t *msg = rwire_encode (&request);
    assert_non_null (msg);
    zframe_t *payload = zmsg_last (msg);
    zmsg_remove (msg, payload);
    zframe_destroy (&payload);
    uint8_t *over = (uint8_t *) calloc (1, ASYNROLE_DGRAM_MAX + 1);
    assert_non_null (over);
    zmsg_addmem (msg, over, ASYNROLE_DGRAM_MAX + 1);
    assert_int_equal (zmsg_send (&msg, raw), 0);
    free (over);
    free (big);
    assert_true (s_raw_next (raw, &m, TU_TIMEOUT_MS));
    assert_int_equal (m.type, RWIRE_ERROR);
    assert_int_equal (m.code, ASYNROLE_EPROTOCOL);
    asynrole_remote_stats_t server = tu_server_stats (s_fix.server);
    assert_int_equal (server.malformed, 1);
    assert_int_equal (server.in_flight, 0);
    assert_int_equal (server.requests, token - 1);
    assert_int_equal (server.results, token - 1);
    assert_int_equal (s_manager_requests (s_fix.manager).in_flight, 0);
    zsock_destroy (&raw);
}

//  The frame limit (ZMQ_MAXMSGSIZE, per part): the largest valid payload
//  crosses both ways (a REQUEST of ASYNROLE_DGRAM_MAX bytes reaches the
//  server, which answers EBADARG for IPv4; a reply of the IPv4 maximum
//  reaches the client's DEALER), while a larger frame disconnects its
//  sender before it is decoded (never counted malformed)
static void
test_frame_limit (void **state)
{
    (void) state;
    s_start (0, true);
    const char *endpoint = asynrole_server_endpoint (s_fix.server);
    uint8_t *big = (uint8_t *) calloc (1, RWIRE_FRAME_MAX + 1);
    assert_non_null (big);
    zsock_t *raw = s_raw_hello (endpoint);
    rwire_msg_t request = s_raw_request (1, &s_fix.echo, NULL);
    request.data = big;
    request.size = ASYNROLE_DGRAM_MAX;
    tu_zraw_send (raw, &request);
    assert_int_equal (s_raw_result (raw, 1).code, ASYNROLE_EBADARG);
    //  A reply of the largest IPv4 datagram through a real client
    asynrole_request_t largest = { .data = big,
                                   .size = ASYNROLE_DGRAM_MAX_IPV4,
                                   .destination = &s_fix.echo };
    largest.ctx = s_fix.results;
    asynrole_error_t error;
    uint64_t handle = 0;
    assert_int_equal (
        asynrole_client_request (s_fix.client, &largest, s_on_result, &handle, &error), 0);
    assert_true (s_results_wait (s_fix.results, 1, TU_TIMEOUT_MS));
    assert_int_equal (s_fix.results->code[handle], ASYNROLE_OK);
    //  Over the limit: the connection is dropped, nothing decoded
    zsock_t *over = s_raw_hello (endpoint);
    zmsg_t *msg = zmsg_new ();
    uint8_t header[4] = { 'A', 'R', 1, RWIRE_HEARTBEAT };
    zmsg_addmem (msg, header, sizeof header);
    zmsg_addmem (msg, big, RWIRE_FRAME_MAX + 1);
    assert_int_equal (zmsg_send (&msg, over), 0);
    //  The server serves on: a round trip on the first raw client
    request.token = 2;
    request.size = 16;
    tu_zraw_send (raw, &request);
    assert_int_equal (s_raw_result (raw, 2).code, ASYNROLE_OK);
    asynrole_remote_stats_t server = tu_server_stats (s_fix.server);
    assert_int_equal (server.malformed, 0);
    free (big);
    zsock_destroy (&over);
    zsock_destroy (&raw);
}

//  What a server never takes (RESULT, WELCOME, DATAGRAM, CREDIT, SEND),
//  garbage, another version, ERROR storms: counted, at most one EPROTOCOL
//  a second, ERRORs never answered, and the server serves on
static void
test_garbage_storms (void **state)
{
    (void) state;
    s_start (0, false);
    const char *endpoint = asynrole_server_endpoint (s_fix.server);
    zsock_t *raw = s_raw_hello (endpoint);
    int64_t start = tu_now ();
    rwire_msg_t wrong[] = { { .type = RWIRE_RESULT, .token = 1, .attempt = -1 },
                            { .type = RWIRE_WELCOME },
                            { .type = RWIRE_CREDIT, .done = 1 },
                            { .type = RWIRE_DATAGRAM, .peer = s_fix.echo } };
    wrong[3].peer.via = 1;
    for (size_t i = 0; i < 4; i++)
        tu_zraw_send (raw, &wrong[i]);
    uint8_t v9[4] = { 'A', 'R', 9, RWIRE_REQUEST };
    for (int i = 0; i < 1000; i++) {
        assert_int_equal (zsock_send (raw, "s", "garbage"), 0);
        assert_int_equal (zsock_send (raw, "b", v9, sizeof v9), 0);
        zmsg_t *err = rwire_error (ASYNROLE_EPROTOCOL, "storm");
        assert_int_equal (zmsg_send (&err, raw), 0);
        err = rwire_error (ASYNROLE_EDISCONNECTED, "storm");
        assert_int_equal (zmsg_send (&err, raw), 0);
    }
    //  The server still serves this peer
    rwire_msg_t request = s_raw_request (5, &s_fix.echo, NULL);
    tu_zraw_send (raw, &request);
    size_t complaints = 0;
    rwire_msg_t m;
    for (;;) {
        assert_true (s_raw_next (raw, &m, TU_TIMEOUT_MS));
        if (m.type == RWIRE_RESULT)
            break;
        assert_int_equal (m.type, RWIRE_ERROR);
        assert_int_equal (m.code, ASYNROLE_EPROTOCOL);
        complaints++;
    }
    assert_true (m.token == 5);
    assert_int_equal (m.code, ASYNROLE_OK);
    int64_t took = tu_now () - start;
    assert_true (complaints >= 1 && complaints <= (size_t) (1 + took / 1000));
    asynrole_remote_stats_t server = tu_server_stats (s_fix.server);
    assert_int_equal (server.malformed, 4 + 1000);
    assert_int_equal (server.bad_version, 1000);
    assert_int_equal (server.unknown_peer, 0);
    assert_int_equal (server.peers, 1);
    //  An ERROR storm from a peer that never said HELLO: counted, never answered
    zsock_t *stranger = tu_zraw_new (endpoint);
    for (int i = 0; i < 1000; i++) {
        zmsg_t *err = rwire_error (ASYNROLE_EDISCONNECTED, "stranger");
        assert_int_equal (zmsg_send (&err, stranger), 0);
    }
    rwire_msg_t bye = { .type = RWIRE_BYE };
    tu_zraw_send (stranger, &bye);
    //  A round trip on the known one: the stranger's messages are read by then
    request.token = 6;
    tu_zraw_send (raw, &request);
    assert_int_equal (s_raw_result (raw, 6).code, ASYNROLE_OK);
    int64_t left = 0;
    while (tu_server_stats (s_fix.server).unknown_peer < 1001 && left++ < 1000)
        ;
    assert_int_equal (tu_server_stats (s_fix.server).unknown_peer, 1001);
    assert_false (s_raw_next (stranger, &m, 100));
    zsock_destroy (&stranger);
    zsock_destroy (&raw);
}

//  HELLO again on the same connection with requests under way: they are
//  cancelled, their RESULTs dropped (never sent to the new session), the
//  same tokens usable at once; everything drains
static void
test_hello_again (void **state)
{
    (void) state;
    s_start (0, false);
    zsock_t *raw = s_raw_hello (asynrole_server_endpoint (s_fix.server));
    for (uint64_t t = 1; t <= 3; t++) {
        rwire_msg_t request = s_raw_request (t, &s_fix.closed, &s_long);
        tu_zraw_send (raw, &request);
    }
    rwire_msg_t hello = { .type = RWIRE_HELLO, .heartbeat = 1000 };
    tu_zraw_send (raw, &hello);
    rwire_msg_t m;
    assert_true (s_raw_next (raw, &m, TU_TIMEOUT_MS));
    assert_int_equal (m.type, RWIRE_WELCOME);
    rwire_msg_t request = s_raw_request (2, &s_fix.echo, NULL);
    tu_zraw_send (raw, &request);
    m = s_raw_result (raw, 2);
    assert_int_equal (m.code, ASYNROLE_OK);
    rwire_msg_t bye = { .type = RWIRE_BYE };
    tu_zraw_send (raw, &bye);
    assert_false (s_raw_next (raw, &m, 200));
    assert_true (s_drained (TU_TIMEOUT_MS));
    asynrole_remote_stats_t server = tu_server_stats (s_fix.server);
    assert_int_equal (server.cancelled, 3);
    assert_int_equal (server.orphaned, 3);
    assert_int_equal (server.results, 1);
    assert_int_equal (server.joined, 2);
    zsock_destroy (&raw);
}

//  Clients that vanish without BYE while their requests run: after the
//  heartbeat timeout the server's table and the Manager's in-flight are 0
#define CHURN 40

static void
test_churn_vanish (void **state)
{
    (void) state;
    s_fix.options.heartbeat = 50;
    s_start (0, false);
    const char *endpoint = asynrole_server_endpoint (s_fix.server);
    for (int i = 0; i < CHURN; i++) {
        zsock_t *raw = s_raw_hello (endpoint);
        for (uint64_t t = 1; t <= 5; t++) {
            rwire_msg_t request = s_raw_request (t, &s_fix.closed, &s_long);
            tu_zraw_send (raw, &request);
        }
        zsock_destroy (&raw);
    }
    assert_true (s_drained (TU_TIMEOUT_MS));
    asynrole_remote_stats_t server = tu_server_stats (s_fix.server);
    assert_int_equal (server.joined, CHURN);
    assert_int_equal (server.lost, CHURN);
    assert_int_equal (server.requests, CHURN * 5);
    assert_int_equal (server.cancelled, CHURN * 5);
    assert_int_equal (server.orphaned, CHURN * 5);
    asynrole_requests_stats_t manager = s_manager_requests (s_fix.manager);
    assert_int_equal (manager.cancelled, CHURN * 5);
}

//  Real clients that connect, request and are destroyed while the requests
//  run: each request ends once (ECLOSED), the server drains to 0
static void
test_churn_clients (void **state)
{
    (void) state;
    s_start (0, false);
    const char *endpoint = asynrole_server_endpoint (s_fix.server);
    for (int i = 0; i < CHURN; i++) {
        asynrole_error_t error;
        asynrole_client_t *client = asynrole_client_new (endpoint, &s_fix.options, &error);
        assert_non_null (client);
        results_t *results = s_results_new ();  //  handles start at 1 for each client
        for (uint64_t t = 0; t < 5; t++)
            s_request (client, t, t % 2 ? &s_fix.echo : &s_fix.closed, &s_long, results);
        if (i % 2)
            tu_client_stats (client);  //  half of them with their requests in the thread
        asynrole_client_destroy (&client);
        size_t count = s_results_count (results), duplicates = results->duplicates;
        s_results_destroy (&results);
        assert_int_equal (count, 5);
        assert_int_equal (duplicates, 0);
    }
    assert_true (s_drained (TU_TIMEOUT_MS));
    asynrole_remote_stats_t server = tu_server_stats (s_fix.server);
    assert_int_equal (server.requests, server.results + server.orphaned);
}

//  -------------------------------------------------------------------------
//  Client edges

//  A server that never existed: requests end EDISCONNECTED after the
//  heartbeat timeout (not never), again and again
static void
test_no_server (void **state)
{
    (void) state;
    s_manager_start (0);
    asynrole_addr_t nowhere = tu_closed_port (AF_INET);
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%u",
              (unsigned) ntohs (nowhere.u.in.sin_port));
    asynrole_remote_options_t options = { .heartbeat = 50 };
    asynrole_error_t error;
    s_fix.client = asynrole_client_new (endpoint, &options, &error);
    assert_non_null (s_fix.client);
    int64_t start = tu_now ();
    for (uint64_t i = 0; i < 10; i++)
        s_request (s_fix.client, i, &s_fix.echo, NULL, s_fix.results);
    assert_true (s_results_wait (s_fix.results, 10, 2000));
    assert_int_equal (s_fix.results->by_code[ASYNROLE_EDISCONNECTED], 10);
    assert_true (tu_now () - start < 2000);
    //  and later ones too, after a HELLO again
    s_request (s_fix.client, 11, &s_fix.echo, NULL, s_fix.results);
    assert_true (s_results_wait (s_fix.results, 11, 2000));
    assert_int_equal (s_fix.results->by_code[ASYNROLE_EDISCONNECTED], 11);
    assert_int_equal (s_fix.results->duplicates, 0);
    assert_int_equal (s_fix.results->other_thread, 0);
    asynrole_remote_stats_t client = tu_client_stats (s_fix.client);
    assert_int_equal (client.disconnected, 11);
    assert_int_equal (client.in_flight, 0);
}

//  max_in_flight: the next request is EWOULDBLOCK and its callback never runs
static void
test_max_in_flight (void **state)
{
    (void) state;
    s_fix.options.max_in_flight = 3;
    s_start (0, true);
    for (uint64_t i = 0; i < 3; i++)
        s_request (s_fix.client, i, &s_fix.closed, &s_long, s_fix.results);
    asynrole_error_t error;
    for (int i = 0; i < 100; i++) {
        assert_int_equal (s_try_request (s_fix.client, 9, &s_fix.echo, NULL, s_fix.results, &error),
                          0);
        assert_int_equal (error.code, ASYNROLE_EWOULDBLOCK);
    }
    assert_int_equal (tu_client_stats (s_fix.client).in_flight, 3);
    asynrole_client_destroy (&s_fix.client);
    assert_int_equal (s_results_count (s_fix.results), 3);
    assert_int_equal (s_fix.results->by_code[ASYNROLE_ECLOSED], 3);
}

//  Options at their edges: refused or working, never hanging
static void
test_heartbeat_edges (void **state)
{
    (void) state;
    s_manager_start (0);
    asynrole_error_t error;
    const asynrole_remote_options_t refused[] = {
        { .heartbeat = -1 },
        { .heartbeat_timeout = -1 },
        { .heartbeat = 3600 * 1000 + 1 },
        { .heartbeat = 100, .heartbeat_timeout = 199 },
        { .heartbeat = INT32_MAX },
        { .timeout = -1 },
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_null (asynrole_client_new ("tcp://127.0.0.1:5555", &refused[i], &error));
        assert_int_equal (error.code, ASYNROLE_EBADARG);
        assert_null (asynrole_server_new (s_fix.manager, "tcp://127.0.0.1:*", &refused[i], &error));
        assert_int_equal (error.code, ASYNROLE_EBADARG);
    }
    //  The smallest: 1 ms heartbeats, 2 ms timeout. Links may flap; each
    //  request still ends once
    s_fix.options.heartbeat = 1;
    s_fix.options.heartbeat_timeout = 2;
    s_server_start ("tcp://127.0.0.1:*");
    s_fix.client =
        asynrole_client_new (asynrole_server_endpoint (s_fix.server), &s_fix.options, &error);
    assert_non_null (s_fix.client);
    for (uint64_t i = 0; i < 50; i++)
        s_request (s_fix.client, i, &s_fix.echo, NULL, s_fix.results);
    assert_true (s_results_wait (s_fix.results, 50, TU_TIMEOUT_MS));
    assert_int_equal (s_fix.results->duplicates, 0);
    assert_int_equal (
        s_fix.results->by_code[ASYNROLE_OK] + s_fix.results->by_code[ASYNROLE_EDISCONNECTED], 50);
    asynrole_client_destroy (&s_fix.client);
    asynrole_server_destroy (&s_fix.server);
    //  The largest heartbeat with the default timeout (3 h): made and destroyed
    asynrole_remote_options_t longest = { .heartbeat = 3600 * 1000 };
    asynrole_server_t *server =
        asynrole_server_new (s_fix.manager, "tcp://127.0.0.1:*", &longest, &error);
    assert_non_null (server);
    asynrole_server_destroy (&server);
}

//  A heartbeat_timeout over 3 hours is refused (EBADARG: a client takes a
//  WELCOME's values only up to 3 h, so it would take the quiet server for
//  gone). At 3 h, with a heartbeat longer than the client's own timeout,
//  the client takes the server's values: a request that needs 800 ms ends
//  ENORESPONSE, not EDISCONNECTED.
static void
test_server_long_heartbeat_timeout (void **state)
{
    (void) state;
    s_manager_start (0);
    asynrole_error_t error;
    asynrole_remote_options_t over = { .heartbeat = 1000,
                                       .heartbeat_timeout = 3 * 3600 * 1000 + 1 };
    asynrole_server_t *refused =
        asynrole_server_new (s_fix.manager, "tcp://127.0.0.1:*", &over, &error);
    assert_null (refused);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    asynrole_client_t *refused_client = asynrole_client_new ("tcp://127.0.0.1:1", &over, &error);
    assert_null (refused_client);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    s_fix.options.heartbeat = 1000;
    s_fix.options.heartbeat_timeout = 3 * 3600 * 1000;
    s_server_start ("tcp://127.0.0.1:*");
    asynrole_remote_options_t options = { .heartbeat = 100 };  //  timeout 300 ms
    s_fix.client = asynrole_client_new (asynrole_server_endpoint (s_fix.server), &options, &error);
    assert_non_null (s_fix.client);
    const asynrole_policy_t slow = { .timeout = 800 };
    uint64_t handle = s_request (s_fix.client, 1, &s_fix.closed, &slow, s_fix.results);
    assert_true (s_results_wait (s_fix.results, 1, TU_TIMEOUT_MS));
    asynrole_remote_stats_t client = tu_client_stats (s_fix.client);
    fprintf (stderr, "result %s, client lost the server %" PRIu64 " times\n",
             asynrole_strerror (s_fix.results->code[handle]), client.lost);
    assert_int_equal (s_fix.results->code[handle], ASYNROLE_ENORESPONSE);
    assert_int_equal (client.lost, 0);
}

//  A hostile server: after its WELCOME, RESULTs for tokens never given,
//  garbage, another version, a second WELCOME, a RESULT with a code no
//  version has: counted, never a crash, and the real RESULT ends the
//  request exactly once
static void
test_hostile_server (void **state)
{
    (void) state;
    s_manager_start (0);
    zsock_t *fake = zsock_new (ZMQ_ROUTER);
    assert_non_null (fake);
    zsock_set_linger (fake, 0);
    int port = zsock_bind (fake, "tcp://127.0.0.1:*");
    assert_true (port > 0);
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    asynrole_error_t error;
    s_fix.client = asynrole_client_new (endpoint, NULL, &error);
    assert_non_null (s_fix.client);
    assert_true (tu_readable (zsock_resolve (fake), TU_TIMEOUT_MS));
    zmsg_t *msg = zmsg_recv (fake);
    zframe_t *id = zmsg_pop (msg);
    zmsg_destroy (&msg);
    rwire_msg_t welcome = { .type = RWIRE_WELCOME, .heartbeat = 1000, .heartbeat_timeout = 3000 };
    rwire_msg_t unknown = { .type = RWIRE_RESULT, .attempt = -1, .code = ASYNROLE_ENORESPONSE };
    uint8_t v9[4] = { 'A', 'R', 9, RWIRE_RESULT };
    msg = rwire_encode (&welcome);
    zmsg_pushmem (msg, zframe_data (id), zframe_size (id));
    assert_int_equal (zmsg_send (&msg, fake), 0);
    uint64_t handle = s_request (s_fix.client, 1, &s_fix.echo, NULL, s_fix.results);
    uint64_t token = 0;
    while (!token) {
        assert_true (tu_readable (zsock_resolve (fake), TU_TIMEOUT_MS));
        msg = zmsg_recv (fake);
        zframe_t *from = zmsg_pop (msg);
        zframe_destroy (&from);
        rwire_msg_t m;
        assert_int_equal (rwire_decode (msg, &m), RWIRE_OK);
        if (m.type == RWIRE_REQUEST)
            token = m.token;
        zmsg_destroy (&msg);
    }
    for (int i = 0; i < 100; i++) {
        unknown.token = 1000 + (uint64_t) i;
        msg = rwire_encode (&unknown);
        zmsg_pushmem (msg, zframe_data (id), zframe_size (id));
        assert_int_equal (zmsg_send (&msg, fake), 0);
        msg = zmsg_new ();
        zmsg_addmem (msg, zframe_data (id), zframe_size (id));
        zmsg_addmem (msg, i % 2 ? (const void *) "junk" : v9, 4);
        assert_int_equal (zmsg_send (&msg, fake), 0);
    }
    msg = rwire_encode (&welcome);  //  a second WELCOME: ignored
    zmsg_pushmem (msg, zframe_data (id), zframe_size (id));
    assert_int_equal (zmsg_send (&msg, fake), 0);
    rwire_msg_t strange = { .type = RWIRE_RESULT, .token = token, .attempt = -1, .code = 999 };
    msg = rwire_encode (&strange);
    zmsg_pushmem (msg, zframe_data (id), zframe_size (id));
    assert_int_equal (zmsg_send (&msg, fake), 0);
    msg = rwire_encode (&strange);  //  and again: orphaned
    zmsg_pushmem (msg, zframe_data (id), zframe_size (id));
    assert_int_equal (zmsg_send (&msg, fake), 0);
    assert_true (s_results_wait (s_fix.results, 1, TU_TIMEOUT_MS));
    //  A round trip: everything sent before is read
    asynrole_remote_stats_t client = tu_client_stats (s_fix.client);
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    while (client.orphaned < 101 && tu_now () < deadline)
        client = tu_client_stats (s_fix.client);
    zframe_destroy (&id);
    zsock_destroy (&fake);
    assert_int_equal (s_fix.results->seen[handle], 1);
    assert_int_equal (s_fix.results->code[handle], 999);
    assert_int_equal (client.orphaned, 101);
    assert_int_equal (client.malformed, 50);
    assert_int_equal (client.bad_version, 50);
    assert_int_equal (client.joined, 1);
    assert_int_equal (client.in_flight, 0);
}

//  -------------------------------------------------------------------------
//  Callbacks that call back

//  Cancel from a callback, of a request made in that same callback: 0 and
//  ECANCELLED at once (as documented), not 1 ("it had ended") while it runs on
static void
s_hook_request_cancel (results_t *self, asynrole_client_t *client, const asynrole_result_t *result)
{
    if (result->handle != 1)
        return;
    asynrole_error_t error;
    uint64_t handle = s_try_request (client, 2, &s_fix.closed, &s_long, self, &error);
    int rc = handle ? asynrole_client_cancel (client, handle, &error) : -2;
    pthread_mutex_lock (&self->mutex);
    self->hook_handle = handle;
    self->hook_rc = rc;
    self->hook = NULL;
    pthread_mutex_unlock (&self->mutex);
}

static void
test_cancel_new_from_callback (void **state)
{
    (void) state;
    s_start (0, true);
    s_fix.results->hook = s_hook_request_cancel;
    s_fix.results->hook_rc = -100;
    s_request (s_fix.client, 1, &s_fix.echo, NULL, s_fix.results);
    assert_true (s_results_wait (s_fix.results, 1, TU_TIMEOUT_MS));
    tu_client_stats (s_fix.client);  //  a round trip: the hook has returned
    pthread_mutex_lock (&s_fix.results->mutex);
    int rc = s_fix.results->hook_rc;
    uint64_t handle = s_fix.results->hook_handle;
    pthread_mutex_unlock (&s_fix.results->mutex);
    assert_int_equal (handle, 2);
    size_t in_flight = tu_client_stats (s_fix.client).in_flight;
    fprintf (stderr, "cancel from the callback returned %d; in flight after: %zu\n", rc, in_flight);
    assert_int_equal (rc, 0);
    assert_int_equal (s_fix.results->code[2], ASYNROLE_ECANCELLED);
    assert_int_equal (in_flight, 0);
}

//  max_in_flight 1, the next request made from the result's callback of
//  the one before (a chain, one at a time): the ending request awaits no
//  result any more, yet its slot is given back only after its callback
//  returns (rclient.c s_end: atomic_fetch_sub after the callback), so the
//  next is refused with EWOULDBLOCK
static void
s_hook_chain (results_t *self, asynrole_client_t *client, const asynrole_result_t *result)
{
    if (result->handle >= 3)
        return;
    asynrole_error_t error;
    uint64_t handle = s_try_request (client, result->handle + 1, &s_fix.echo, NULL, self, &error);
    if (!handle) {
        pthread_mutex_lock (&self->mutex);
        self->hook_rc = (int) error.code;
        self->hook = NULL;
        pthread_mutex_unlock (&self->mutex);
        fprintf (stderr, "the next request from the callback: %s\n", error.detail);
    }
}

static void
test_chain_from_callback_at_max (void **state)
{
    (void) state;
    s_fix.options.max_in_flight = 1;
    s_start (0, true);
    s_fix.results->hook = s_hook_chain;
    s_request (s_fix.client, 1, &s_fix.echo, NULL, s_fix.results);
    bool chained = s_results_wait (s_fix.results, 3, 2000);
    pthread_mutex_lock (&s_fix.results->mutex);
    int code = s_fix.results->hook_rc;
    pthread_mutex_unlock (&s_fix.results->mutex);
    assert_int_equal (code, ASYNROLE_OK);
    assert_true (chained);
}

//  Cancel from a callback of requests under way, and destroy from a
//  callback: every request ends once
static void
s_hook_cancel_others (results_t *self, asynrole_client_t *client, const asynrole_result_t *result)
{
    (void) result;
    pthread_mutex_lock (&self->mutex);
    self->hook = NULL;  //  once: the ECANCELLED callbacks below run no hook
    pthread_mutex_unlock (&self->mutex);
    asynrole_error_t error;
    int bad = 0;
    for (uint64_t h = 1; h <= 20; h++) {
        int rc = asynrole_client_cancel (client, h, &error);
        if (rc != 0 && rc != 1 && !bad) {
            bad = 1;
            fprintf (stderr, "cancel %" PRIu64 " from the callback: %d %s\n", h, rc, error.detail);
        }
    }
    pthread_mutex_lock (&self->mutex);
    self->hook_rc = bad;
    self->hook_done = true;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

static void
test_cancel_others_from_callback (void **state)
{
    (void) state;
    s_start (0, true);
    for (uint64_t i = 1; i <= 19; i++)
        s_request (s_fix.client, i, &s_fix.closed, &s_long, s_fix.results);
    s_fix.results->hook = s_hook_cancel_others;
    s_request (s_fix.client, 20, &s_fix.echo, NULL, s_fix.results);
    bool all = s_results_wait (s_fix.results, 20, TU_TIMEOUT_MS);
    assert_true (tu_wait_flag (&s_fix.results->mutex, &s_fix.results->cond,
                               &s_fix.results->hook_done, TU_TIMEOUT_MS));
    fprintf (stderr, "%zu results: OK %zu ECANCELLED %zu\n", s_results_count (s_fix.results),
             s_fix.results->by_code[ASYNROLE_OK], s_fix.results->by_code[ASYNROLE_ECANCELLED]);
    assert_true (all);
    pthread_mutex_lock (&s_fix.results->mutex);
    int bad = s_fix.results->hook_rc;
    pthread_mutex_unlock (&s_fix.results->mutex);
    assert_int_equal (bad, 0);
    assert_int_equal (s_fix.results->duplicates, 0);
    assert_int_equal (s_fix.results->by_code[ASYNROLE_ECANCELLED], 19);
    assert_int_equal (s_fix.results->by_code[ASYNROLE_OK], 1);
    assert_int_equal (s_fix.results->other_thread, 0);
}

//  Cancel racing the result: exactly one callback, and cancel's answer
//  agrees with it (0: ECANCELLED; 1: it had ended)
static void
test_cancel_races_result (void **state)
{
    (void) state;
    s_start (0, true);
    int cancelled = 0, ended = 0;
    for (uint64_t i = 1; i <= 300; i++) {
        uint64_t handle = s_request (s_fix.client, i, &s_fix.echo, NULL, s_fix.results);
        asynrole_error_t error;
        int rc = asynrole_client_cancel (s_fix.client, handle, &error);
        assert_true (rc == 0 || rc == 1);
        if (rc == 0) {
            cancelled++;
            assert_int_equal (s_fix.results->seen[handle], 1);
            assert_int_equal (s_fix.results->code[handle], ASYNROLE_ECANCELLED);
        }
        else {
            ended++;
            assert_int_equal (s_fix.results->seen[handle], 1);
            assert_int_equal (s_fix.results->code[handle], ASYNROLE_OK);
        }
    }
    assert_int_equal (s_results_count (s_fix.results), 300);
    assert_int_equal (s_fix.results->duplicates, 0);
    fprintf (stderr, "cancelled %d, ended first %d\n", cancelled, ended);
    asynrole_client_destroy (&s_fix.client);
    assert_true (s_drained (TU_TIMEOUT_MS));
}

//  Destroyed from a result's callback with more RESULTs waiting on its
//  socket: the destroy is deferred until the callback returns, and then
//  every request still under way should end ECLOSED (asynrole_client.h:
//  "End every request under way (ASYNROLE_ECLOSED ...)"). The client's
//  thread keeps reading its batch (rclient.c s_handle_dealer loops on
//  !terminated, not on owner->deferred) and delivers the real RESULTs
//  after the destroy. Deterministic: the fake server is a ROUTER on
//  inproc:// in the library's own context, so that what it sends is on
//  the client's pipe when zmq_send returns; the first callback waits
//  until the other RESULTs are sent.
typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    bool in_callback;  //  the first callback runs
    bool sent;         //  the other RESULTs are on the client's pipe
} gate_t;

static gate_t s_gate;

static void
s_hook_destroy (results_t *self, asynrole_client_t *client, const asynrole_result_t *result)
{
    (void) result;
    pthread_mutex_lock (&self->mutex);
    bool first = !self->destroyed;
    self->destroyed = true;
    pthread_mutex_unlock (&self->mutex);
    if (!first)
        return;
    pthread_mutex_lock (&s_gate.mutex);
    s_gate.in_callback = true;
    pthread_cond_broadcast (&s_gate.cond);
    pthread_mutex_unlock (&s_gate.mutex);
    tu_wait_flag (&s_gate.mutex, &s_gate.cond, &s_gate.sent, TU_TIMEOUT_MS);
    asynrole_client_destroy (self->client_p);
    //  A request after the destroy, from the callback: refused, ECLOSED
    asynrole_error_t error;
    uint64_t handle = s_try_request (client, 99, &s_fix.echo, NULL, self, &error);
    pthread_mutex_lock (&self->mutex);
    self->hook_rc = handle == 0 && error.code == ASYNROLE_ECLOSED;
    pthread_mutex_unlock (&self->mutex);
}

static void
s_fake_send (void *fake, zframe_t *id, const rwire_msg_t *m)
{
    zmsg_t *msg = rwire_encode (m);
    assert_non_null (msg);
    zmsg_pushmem (msg, zframe_data (id), zframe_size (id));
    assert_int_equal (zmsg_send (&msg, fake), 0);
}

static void
test_destroy_from_callback_then_results (void **state)
{
    (void) state;
    s_manager_start (0);
    memset (&s_gate, 0, sizeof s_gate);
    pthread_mutex_init (&s_gate.mutex, NULL);
    tu_cond_init (&s_gate.cond);
    asynrole_error_t error;
    assert_int_equal (ctx_acquire (&error), 0);
    void *fake = ctx_socket (ZMQ_ROUTER, &error);
    assert_non_null (fake);
    assert_int_equal (zmq_bind (fake, "inproc://break-destroy"), 0);
    s_fix.client = asynrole_client_new ("inproc://break-destroy", NULL, &error);
    assert_non_null (s_fix.client);
    s_fix.results->hook = s_hook_destroy;
    s_fix.results->client_p = &s_fix.client;
    assert_true (tu_readable (fake, TU_TIMEOUT_MS));
    zmsg_t *msg = zmsg_recv (fake);
    zframe_t *id = zmsg_pop (msg);
    zmsg_destroy (&msg);
    rwire_msg_t welcome = { .type = RWIRE_WELCOME, .heartbeat = 1000, .heartbeat_timeout = 3000 };
    s_fake_send (fake, id, &welcome);
    enum {
        N = 20
    };
    for (uint64_t i = 0; i < N; i++)
        s_request (s_fix.client, i, &s_fix.echo, NULL, s_fix.results);
    uint64_t tokens[N];
    size_t got = 0;
    while (got < N) {
        assert_true (tu_readable (fake, TU_TIMEOUT_MS));
        msg = zmsg_recv (fake);
        zframe_t *from = zmsg_pop (msg);
        zframe_destroy (&from);
        rwire_msg_t m;
        assert_int_equal (rwire_decode (msg, &m), RWIRE_OK);
        if (m.type == RWIRE_REQUEST)
            tokens[got++] = m.token;
        zmsg_destroy (&msg);
    }
    rwire_msg_t result = { .type = RWIRE_RESULT,
                           .attempts = 1,
                           .peer = s_fix.echo,
                           .data = (const uint8_t *) "reply",
                           .size = 5 };
    result.token = tokens[0];
    s_fake_send (fake, id, &result);
    assert_true (tu_wait_flag (&s_gate.mutex, &s_gate.cond, &s_gate.in_callback, TU_TIMEOUT_MS));
    for (size_t i = 1; i < N; i++) {
        result.token = tokens[i];
        s_fake_send (fake, id, &result);
    }
    pthread_mutex_lock (&s_gate.mutex);
    s_gate.sent = true;
    pthread_cond_broadcast (&s_gate.cond);
    pthread_mutex_unlock (&s_gate.mutex);
    assert_true (s_results_wait (s_fix.results, N, TU_TIMEOUT_MS));
    zframe_destroy (&id);
    ctx_close (&fake);
    ctx_release ();
    pthread_mutex_destroy (&s_gate.mutex);
    pthread_cond_destroy (&s_gate.cond);
    size_t after = s_fix.results->after_destroy;
    fprintf (stderr,
             "%zu results: %zu OK (1 before the destroy), %zu ECLOSED; "
             "%zu real results after the destroy\n",
             s_fix.results->count, s_fix.results->by_code[ASYNROLE_OK],
             s_fix.results->by_code[ASYNROLE_ECLOSED], after);
    assert_int_equal (s_fix.results->duplicates, 0);
    assert_null (s_fix.client);
    assert_int_equal (s_fix.results->hook_rc, 1);
    assert_int_equal (after, 0);
}

//  A result's callback that calls on its client (stats here; cancel is the
//  same) while another thread destroys the client: documented as fine ("a
//  result's callback may call anything on its client"; calls that begin
//  meanwhile fail with ECLOSED). asynrole_client_stats and _cancel read
//  self->actor after rclient_enter, while asynrole_client_destroy ->
//  actor_destroy sets it to NULL (actor.c: *self_p = NULL) before joining:
//  a data race (TSan reports it on every run), and actor_is_self (NULL)
//  dereferences NULL when the read falls after the store.
static void
s_hook_stats_loop (results_t *self, asynrole_client_t *client, const asynrole_result_t *result)
{
    (void) result;
    asynrole_remote_stats_t stats;
    asynrole_error_t error;
    pthread_mutex_lock (&self->mutex);
    self->hook = NULL;
    self->hook_done = true;  //  here: "the callback runs", for the destroyer
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
    //  Until the destroy has begun (bounded: destroy comes within the deadline)
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    while (asynrole_client_stats (client, &stats, &error) == 0 && tu_now () < deadline)
        ;
}

static void
test_destroy_while_callback_calls (void **state)
{
    (void) state;
    s_start (0, false);
    const char *env = getenv ("BREAK_ROUNDS");
    int rounds = env && atoi (env) > 0 ? atoi (env) : 50;
    for (int round = 0; round < rounds; round++) {
        asynrole_error_t error;
        asynrole_client_t *client =
            asynrole_client_new (asynrole_server_endpoint (s_fix.server), NULL, &error);
        assert_non_null (client);
        results_t *results = s_results_new ();
        results->hook = s_hook_stats_loop;
        s_request (client, (uint64_t) round, &s_fix.echo, NULL, results);
        assert_true (
            tu_wait_flag (&results->mutex, &results->cond, &results->hook_done, TU_TIMEOUT_MS));
        asynrole_client_destroy (&client);
        s_results_destroy (&results);
    }
}

//  -------------------------------------------------------------------------
//  Bulk

//  A bulk from a result's callback: EBADARG (it would wait on itself)
static void
s_hook_bulk (results_t *self, asynrole_client_t *client, const asynrole_result_t *result)
{
    (void) result;
    asynrole_bulk_entry_t entry;
    memset (&entry, 0, sizeof entry);
    entry.request.destination = &s_fix.echo;
    asynrole_error_t error;
    int rc = asynrole_client_bulk (client, &entry, 1, &error);
    pthread_mutex_lock (&self->mutex);
    self->hook_rc = rc == -1 && error.code == ASYNROLE_EBADARG;
    self->hook = NULL;
    pthread_mutex_unlock (&self->mutex);
}

static void
test_bulk_from_callback (void **state)
{
    (void) state;
    s_start (0, true);
    s_fix.results->hook = s_hook_bulk;
    s_request (s_fix.client, 1, &s_fix.echo, NULL, s_fix.results);
    assert_true (s_results_wait (s_fix.results, 1, TU_TIMEOUT_MS));
    tu_client_stats (s_fix.client);
    pthread_mutex_lock (&s_fix.results->mutex);
    int ok = s_fix.results->hook_rc;
    pthread_mutex_unlock (&s_fix.results->mutex);
    assert_true (ok);
}

//  The client's max_in_flight is full of another request; a bulk whose
//  first entry is refused at once (EBADARG) and whose second cannot be
//  made (EWOULDBLOCK, none of the bulk's own under way): documented as
//  EWOULDBLOCK for that entry, at once. asynrole_client_bulk counts the
//  refused entry as "under way" (next > ended), waits its whole patience
//  for a result that cannot come, and gives the entry ETIMEOUT.
static void
test_bulk_wouldblock_miscounted (void **state)
{
    (void) state;
    s_fix.options.max_in_flight = 1;
    s_fix.options.heartbeat = 100;
    s_fix.options.timeout = 200;
    s_start (0, true);
    s_request (s_fix.client, 1, &s_fix.closed, &s_long, s_fix.results);
    asynrole_bulk_entry_t entries[2];
    memset (entries, 0, sizeof entries);
    uint8_t data[16] = "bulk-bulk-bulk!";
    const asynrole_policy_t short_policy = { .timeout = 50 };
    for (int i = 0; i < 2; i++)
        entries[i].request = (asynrole_request_t){
            .data = data, .size = 16, .destination = &s_fix.echo, .policy = &short_policy
        };
    entries[0].request.validate = (asynrole_validate_fn *) (uintptr_t) 1;  //  EBADARG
    asynrole_error_t error;
    int64_t start = tu_now ();
    int rc = asynrole_client_bulk (s_fix.client, entries, 2, &error);
    int64_t took = tu_now () - start;
    fprintf (stderr, "bulk returned %d after %" PRId64 " ms: [0] %s, [1] %s\n", rc, took,
             asynrole_strerror (entries[0].error.code), asynrole_strerror (entries[1].error.code));
    assert_int_equal (rc, 0);
    assert_int_equal (entries[0].error.code, ASYNROLE_EBADARG);
    asynrole_bulk_free (entries, 2);
    assert_int_equal (entries[1].error.code, ASYNROLE_EWOULDBLOCK);
    assert_true (took < 200);
}

//  Bulk from 3 threads at once, the server destroyed and made again on the
//  same endpoint in the middle: every bulk returns, every entry ends OK or
//  with a disconnection of the link (never ETIMEOUT, never a hang)
#define BULK_THREADS 3
#define BULK_ENTRIES 200

typedef struct {
    asynrole_client_t *client;
    asynrole_bulk_entry_t entries[BULK_ENTRIES];
    uint8_t data[BULK_ENTRIES][16];
    int rc;
} bulk_call_t;

static void *
s_bulk_thread (void *arg)
{
    bulk_call_t *call = (bulk_call_t *) arg;
    asynrole_error_t error;
    call->rc = asynrole_client_bulk (call->client, call->entries, BULK_ENTRIES, &error);
    return NULL;
}

static void
test_bulk_threads_server_restart (void **state)
{
    (void) state;
    s_fix.options.heartbeat = 100;
    s_start (0, true);
    char endpoint[256];
    snprintf (endpoint, sizeof endpoint, "%s", asynrole_server_endpoint (s_fix.server));
    static bulk_call_t calls[BULK_THREADS];
    pthread_t threads[BULK_THREADS];
    const asynrole_policy_t policy = { .timeout = 200, .retries = 1 };
    for (int t = 0; t < BULK_THREADS; t++) {
        memset (&calls[t], 0, sizeof calls[t]);
        calls[t].client = s_fix.client;
        for (int i = 0; i < BULK_ENTRIES; i++) {
            uint64_t n = (uint64_t) t * 100000 + (uint64_t) i;
            memcpy (calls[t].data[i], &n, 8);
            memcpy (calls[t].data[i] + 8, "bulkthrd", 8);
            calls[t].entries[i].request =
                (asynrole_request_t){ .data = calls[t].data[i],
                                      .size = 16,
                                      .destination = i % 4 ? &s_fix.echo : &s_fix.closed,
                                      .policy = &policy };
        }
        assert_int_equal (pthread_create (&threads[t], NULL, s_bulk_thread, &calls[t]), 0);
    }
    //  Until some requests are under way, then the restart
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    while (tu_server_stats (s_fix.server).requests < 50 && tu_now () < deadline)
        ;
    asynrole_server_destroy (&s_fix.server);
    asynrole_error_t error;
    deadline = tu_now () + TU_TIMEOUT_MS;
    do
        s_fix.server = asynrole_server_new (s_fix.manager, endpoint, &s_fix.options, &error);
    while (!s_fix.server && error.sys_errno == EADDRINUSE && tu_now () < deadline);
    if (!s_fix.server)
        fail_msg ("asynrole_server_new again: %s", error.detail);
    size_t by_code[16] = { 0 };
    for (int t = 0; t < BULK_THREADS; t++) {
        pthread_join (threads[t], NULL);
        assert_true (calls[t].rc >= 0);
        for (int i = 0; i < BULK_ENTRIES; i++) {
            asynrole_code_t code = calls[t].entries[i].error.code;
            by_code[code < 16 ? code : 15]++;
        }
        asynrole_bulk_free (calls[t].entries, BULK_ENTRIES);
    }
    fprintf (stderr, "OK %zu ENORESPONSE %zu ECANCELLED %zu EDISCONNECTED %zu ETIMEOUT %zu\n",
             by_code[ASYNROLE_OK], by_code[ASYNROLE_ENORESPONSE], by_code[ASYNROLE_ECANCELLED],
             by_code[ASYNROLE_EDISCONNECTED], by_code[ASYNROLE_ETIMEOUT]);
    assert_int_equal (by_code[ASYNROLE_OK] + by_code[ASYNROLE_ENORESPONSE]
                          + by_code[ASYNROLE_ECANCELLED] + by_code[ASYNROLE_EDISCONNECTED],
                      BULK_THREADS * BULK_ENTRIES);
    asynrole_client_destroy (&s_fix.client);
    assert_true (s_drained (TU_TIMEOUT_MS));
}

//  -------------------------------------------------------------------------
//  Server and Manager

//  The Manager's queue full: EWOULDBLOCK results, every request ends once,
//  and the server and Manager drain to 0
static void
test_manager_queue_full (void **state)
{
    (void) state;
    s_start (2, true);
    for (uint64_t i = 0; i < 50; i++)
        s_request (s_fix.client, i, &s_fix.closed, &s_long, s_fix.results);
    assert_true (s_results_wait (s_fix.results, 47, TU_TIMEOUT_MS));
    asynrole_client_destroy (&s_fix.client);
    assert_int_equal (s_results_count (s_fix.results), 50);
    assert_int_equal (s_fix.results->duplicates, 0);
    //  One in flight and max_queued 2 waiting: 3 accepted, or 2 when the
    //  third came before the Manager's thread took the first from its
    //  inbox (max_queued counts requests made and not yet sent)
    size_t refused = s_fix.results->by_code[ASYNROLE_EWOULDBLOCK];
    assert_true (refused == 47 || refused == 48);
    assert_int_equal (s_fix.results->by_code[ASYNROLE_ECLOSED], 50 - refused);
    assert_true (s_drained (TU_TIMEOUT_MS));
}

//  The Manager destroyed while its server lives (documented): the server
//  claims its Manager (a second server on it: EBADARG); the Manager's
//  destroy lets the server go first, a request under way ends ECLOSED
//  (its RESULT still reaches the client), a REQUEST after it is answered
//  ECLOSED at once, and the server's destroy touches no Manager. Run in a
//  child: a crash (or an ASan report) fails the case.
static int
s_reverse_order_body (void *arg)
{
    (void) arg;
    asynrole_error_t error;
    asynrole_manager_t *manager = asynrole_manager_new (NULL, NULL, NULL, NULL, NULL, &error);
    TU_CHECK (manager, "%s", error.detail);
    asynrole_server_t *server = asynrole_server_new (manager, "tcp://127.0.0.1:*", NULL, &error);
    TU_CHECK (server, "%s", error.detail);
    asynrole_server_t *second = asynrole_server_new (manager, "tcp://127.0.0.1:*", NULL, &error);
    TU_CHECK (!second && error.code == ASYNROLE_EBADARG, "a second server on one Manager");
    asynrole_client_t *client =
        asynrole_client_new (asynrole_server_endpoint (server), NULL, &error);
    TU_CHECK (client, "%s", error.detail);
    results_t *results = s_results_new ();
    asynrole_addr_t to = tu_closed_port (AF_INET);
    uint8_t data[8] = "reverse";
    asynrole_policy_t longer = { .timeout = 60000 };
    asynrole_request_t request = {
        .data = data, .size = 8, .destination = &to, .policy = &longer, .ctx = results
    };
    uint64_t first = 0, after = 0;
    TU_CHECK (asynrole_client_request (client, &request, s_on_result, &first, &error) == 0, "%s",
              error.detail);
    //  Under way on the Manager before it goes
    asynrole_remote_stats_t stats = { .in_flight = 0 };
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    while (stats.in_flight == 0 && tu_now () < deadline)
        TU_CHECK (asynrole_server_stats (server, &stats, &error) == 0, "%s", error.detail);
    TU_CHECK (stats.in_flight == 1, "the request never reached the Manager");
    asynrole_manager_destroy (&manager);
    TU_CHECK (asynrole_client_request (client, &request, s_on_result, &after, &error) == 0, "%s",
              error.detail);
    bool ended = s_results_wait (results, 2, TU_TIMEOUT_MS);
    asynrole_client_destroy (&client);
    asynrole_server_destroy (&server);
    TU_CHECK (ended, "the requests never ended");
    TU_CHECK (results->code[first] == ASYNROLE_ECLOSED, "under way: %s",
              asynrole_strerror (results->code[first]));
    TU_CHECK (results->code[after] == ASYNROLE_ECLOSED, "after: %s",
              asynrole_strerror (results->code[after]));
    TU_CHECK (results->duplicates == 0, "duplicates");
    s_results_destroy (&results);
    return 0;
}

static void
test_manager_destroyed_first (void **state)
{
    (void) state;
    tu_child (s_reverse_order_body, NULL, false, NULL, 20);
}

//  100 clients x REQUESTS each, all at once, each from its own thread:
//  every request ends once with its reply, and everything drains
#define CLIENTS 100

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BREAK_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(BREAK_TSAN)
static size_t s_per_client = 250;  //  TSan: a quarter, within the case's 10 s
#else
static size_t s_per_client = 1000;
#endif

typedef struct {
    asynrole_client_t *client;
    results_t *results;
    unsigned index;
    int rc;
} load_t;

static void *
s_load (void *arg)
{
    load_t *load = (load_t *) arg;
    for (uint64_t i = 0; i < s_per_client; i++) {
        uint64_t n = 10000000 * (uint64_t) (load->index + 1) + i;
        asynrole_error_t error;
        if (!s_try_request (load->client, n, &s_fix.echo, NULL, load->results, &error)) {
            load->rc = -1;
            return NULL;
        }
    }
    return NULL;
}

static void
test_many_clients (void **state)
{
    (void) state;
    const char *env = getenv ("BREAK_PER_CLIENT");
    //  Under valgrind (its preload in LD_PRELOAD) the echo Agent answers a
    //  few thousand a second, and 100 clients' links are served so slowly
    //  that some see their server silent (EDISCONNECTED): 10 clients of 100
    //  requests there.
    const char *preload = getenv ("LD_PRELOAD");
    unsigned clients = CLIENTS;
    if (preload && strstr (preload, "vgpreload")) {
        clients = 10;
        s_per_client = 100;
    }
    if (env && atoi (env) > 0 && atoi (env) <= MAX_HANDLES)
        s_per_client = (size_t) atoi (env);
    s_start (0, false);
    static load_t loads[CLIENTS];
    pthread_t threads[CLIENTS];
    const char *endpoint = asynrole_server_endpoint (s_fix.server);
    for (unsigned i = 0; i < clients; i++) {
        asynrole_error_t error;
        loads[i] = (load_t){ .results = s_results_new (), .index = i };
        loads[i].client = asynrole_client_new (endpoint, &s_fix.options, &error);
        assert_non_null (loads[i].client);
    }
    int64_t start = tu_now ();
    for (unsigned i = 0; i < clients; i++)
        assert_int_equal (pthread_create (&threads[i], NULL, s_load, &loads[i]), 0);
    for (unsigned i = 0; i < clients; i++)
        pthread_join (threads[i], NULL);
    size_t ok = 0, total = 0, duplicates = 0, other_thread = 0, codes[16] = { 0 };
    for (unsigned i = 0; i < clients; i++) {
        assert_int_equal (loads[i].rc, 0);
        bool done = s_results_wait (loads[i].results, s_per_client, 30000);
        asynrole_client_destroy (&loads[i].client);
        total += s_results_count (loads[i].results);
        ok += loads[i].results->by_code[ASYNROLE_OK];
        for (int c = 1; c < 16; c++)
            codes[c] += loads[i].results->by_code[c];
        duplicates += loads[i].results->duplicates;
        other_thread += loads[i].results->other_thread;
        s_results_destroy (&loads[i].results);
        assert_true (done);
    }
    fprintf (stderr, "%u clients x %zu requests: %zu results, %zu OK in %" PRId64 " ms\n", clients,
             s_per_client, total, ok, tu_now () - start);
    for (int c = 1; c < 16; c++)
        if (codes[c])
            fprintf (stderr, "  %zu ended %s\n", codes[c], asynrole_strerror ((asynrole_code_t) c));
    assert_int_equal (total, clients * s_per_client);
    assert_int_equal (ok, clients * s_per_client);
    assert_int_equal (duplicates, 0);
    assert_int_equal (other_thread, 0);
    assert_true (s_drained (TU_TIMEOUT_MS));
}

//  Descriptors and heap back to where they were after a server and clients
//  that made requests are destroyed (the Manager stays)
static void
test_resources_back (void **state)
{
    (void) state;
    s_manager_start (0);
    //  A first round warms up libzmq's context and the allocator
    int first_fds = 0;
    const char *env = getenv ("BREAK_ROUNDS");
    int rounds = env && atoi (env) > 3 ? atoi (env) : 3;
    for (int round = 0; round < rounds; round++) {
        int fds = tu_open_fds ();
        size_t heap = tu_heap_bytes ();
        s_server_start ("tcp://127.0.0.1:*");
        asynrole_client_t *clients[5];
        for (int i = 0; i < 5; i++) {
            asynrole_error_t error;
            clients[i] =
                asynrole_client_new (asynrole_server_endpoint (s_fix.server), NULL, &error);
            assert_non_null (clients[i]);
            for (uint64_t r = 0; r < 100; r++)
                s_request (clients[i], r + 1000 * (uint64_t) i, r % 2 ? &s_fix.echo : &s_fix.closed,
                           r % 2 ? NULL : &s_quick, s_fix.results);
        }
        assert_true (s_results_wait (s_fix.results, (size_t) (round + 1) * 500, 10000));
        for (int i = 0; i < 5; i++)
            asynrole_client_destroy (&clients[i]);
        asynrole_server_destroy (&s_fix.server);
        //  libzmq closes descriptors in its own threads, after zmq_close:
        //  look again after a round trip to the Manager, up to a deadline
        int64_t deadline = tu_now () + TU_TIMEOUT_MS;
        int fds_after = tu_open_fds ();
        while (round > 0 && fds_after > first_fds && tu_now () < deadline) {
            s_manager_requests (s_fix.manager);
            fds_after = tu_open_fds ();
        }
        size_t heap_after = tu_heap_bytes ();
        fprintf (stderr, "round %d: fds %d -> %d, heap %zu -> %zu\n", round, fds, fds_after, heap,
                 heap_after);
        if (round == 0)
            first_fds = fds;
        else {
            assert_true (fds_after <= first_fds);
            assert_true (heap_after < heap + 64 * 1024);
        }
    }
    assert_int_equal (s_results_count (s_fix.results), (size_t) rounds * 500);
    assert_int_equal (s_manager_requests (s_fix.manager).in_flight, 0);
}

//  Calls from many threads at once on one client (for TSan): requests,
//  cancels of each other's handles, stats; every request ends once
#define HAMMER_THREADS 4
#define HAMMER_EACH 500

static void *
s_hammer (void *arg)
{
    results_t *results = (results_t *) arg;
    for (uint64_t i = 0; i < HAMMER_EACH; i++) {
        asynrole_error_t error;
        uint64_t handle = s_try_request (s_fix.client, i, i % 3 ? &s_fix.echo : &s_fix.closed,
                                         &s_quick, results, &error);
        if (!handle)
            return (void *) 1;
        if (i % 5 == 0 && asynrole_client_cancel (s_fix.client, handle / 2 + 1, &error) < 0)
            return (void *) 2;
        if (i % 50 == 0) {
            asynrole_remote_stats_t stats;
            if (asynrole_client_stats (s_fix.client, &stats, &error))
                return (void *) 3;
        }
    }
    return NULL;
}

static void
test_threads_hammer (void **state)
{
    (void) state;
    s_start (0, true);
    pthread_t threads[HAMMER_THREADS];
    for (int i = 0; i < HAMMER_THREADS; i++)
        assert_int_equal (pthread_create (&threads[i], NULL, s_hammer, s_fix.results), 0);
    for (int i = 0; i < HAMMER_THREADS; i++) {
        void *rc;
        pthread_join (threads[i], &rc);
        assert_null (rc);
    }
    assert_true (s_results_wait (s_fix.results, HAMMER_THREADS * HAMMER_EACH, 10000));
    assert_int_equal (s_fix.results->duplicates, 0);
    assert_int_equal (s_fix.results->other_thread, 0);
    for (uint64_t h = 1; h <= HAMMER_THREADS * HAMMER_EACH; h++)
        assert_int_equal (s_fix.results->seen[h], 1);
    asynrole_client_destroy (&s_fix.client);
    assert_true (s_drained (TU_TIMEOUT_MS));
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_request_before_hello, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_tokens_and_cancel_storm, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_requests, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_frame_limit, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_garbage_storms, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_hello_again, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_churn_vanish, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_churn_clients, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_no_server, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_max_in_flight, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_heartbeat_edges, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_server_long_heartbeat_timeout, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_hostile_server, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_cancel_new_from_callback, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_chain_from_callback_at_max, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_cancel_others_from_callback, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_cancel_races_result, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_destroy_from_callback_then_results, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_destroy_while_callback_calls, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bulk_from_callback, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bulk_wouldblock_miscounted, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bulk_threads_server_restart, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_manager_queue_full, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_manager_destroyed_first, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_many_clients, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_resources_back, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_threads_hammer, s_setup, s_teardown),
    };
    return tu_main (tests, argc, argv);
}
