/*  test_remote.c - remote Managers: a request server (asynrole_server_t)
    wrapping a Manager, and clients (asynrole_client_t) over tcp:// on
    loopback and inproc://, in one process. White-box (linked with the
    library's objects): raw peers speak the protocol with rwire_encode. */
#include "testutil.h"
#include "tu_remote.h"
#include "rwire.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>

//  -------------------------------------------------------------------------
//  Results: every handle's results, counted (exactly one each)

#define MAX_HANDLES 20000

typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;            //  on every result (CLOCK_MONOTONIC)
    size_t count;                   //  results so far
    uint8_t seen[MAX_HANDLES + 1];  //  results per handle (2 = a duplicate)
    asynrole_code_t code[MAX_HANDLES + 1];
    int attempt[MAX_HANDLES + 1];
    int attempts[MAX_HANDLES + 1];
    uint8_t first[MAX_HANDLES + 1][8];  //  the reply's first bytes
    size_t size[MAX_HANDLES + 1];
    size_t by_code[16];           //  results per code
    size_t duplicates;            //  second results for a handle
    asynrole_client_t **destroy;  //  destroy this client from the first result
} results_t;

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
    (void) client;
    results_t *self = (results_t *) ctx;
    pthread_mutex_lock (&self->mutex);
    uint64_t h = result->handle <= MAX_HANDLES ? result->handle : 0;
    if (self->seen[h] && h)
        self->duplicates++;
    self->seen[h]++;
    asynrole_code_t code = result->error ? result->error->code : ASYNROLE_OK;
    self->code[h] = code;
    self->attempt[h] = result->attempt;
    self->attempts[h] = result->attempts;
    if (result->reply) {
        self->size[h] = result->reply->size;
        memcpy (self->first[h], result->reply->data,
                result->reply->size < 8 ? result->reply->size : 8);
        assert_int_equal (result->reply->peer.via, 0);
    }
    self->by_code[code < 16 ? code : 15]++;
    self->count++;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
    if (self->destroy && *self->destroy)
        asynrole_client_destroy (self->destroy);  //  from the callback: deferred
}

static bool
s_results_wait (results_t *self, size_t n, int timeout_ms)
{
    struct timespec deadline = tu_deadline (timeout_ms);
    pthread_mutex_lock (&self->mutex);
    int rc = 0;
    while (self->count < n && rc == 0)
        rc = pthread_cond_timedwait (&self->cond, &self->mutex, &deadline);
    bool ok = self->count >= n;
    pthread_mutex_unlock (&self->mutex);
    return ok;
}

static size_t
s_results_count (results_t *self)
{
    pthread_mutex_lock (&self->mutex);
    size_t n = self->count;
    pthread_mutex_unlock (&self->mutex);
    return n;
}

//  -------------------------------------------------------------------------
//  Events of a server or client

typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    size_t by_code[16];   //  events per code
    uint64_t counts[16];  //  their counts, summed
} events_t;

static events_t s_events;

static void
s_on_event (void *ctx, const asynrole_error_t *event)
{
    events_t *self = (events_t *) ctx;
    pthread_mutex_lock (&self->mutex);
    unsigned code = event->code < 16 ? event->code : 15;
    self->by_code[code]++;
    self->counts[code] += event->count;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

//  Wait until n events of code came; their counts summed (or -1)
static int64_t
s_events_wait (events_t *self, asynrole_code_t code, size_t n, int timeout_ms)
{
    struct timespec deadline = tu_deadline (timeout_ms);
    pthread_mutex_lock (&self->mutex);
    int rc = 0;
    while (self->by_code[code] < n && rc == 0)
        rc = pthread_cond_timedwait (&self->cond, &self->mutex, &deadline);
    int64_t count = self->by_code[code] >= n ? (int64_t) self->counts[code] : -1;
    pthread_mutex_unlock (&self->mutex);
    return count;
}

//  Wait until the counts of code's events sum to at least count
static bool
s_events_wait_count (events_t *self, asynrole_code_t code, uint64_t count, int timeout_ms)
{
    struct timespec deadline = tu_deadline (timeout_ms);
    pthread_mutex_lock (&self->mutex);
    int rc = 0;
    while (self->counts[code] < count && rc == 0)
        rc = pthread_cond_timedwait (&self->cond, &self->mutex, &deadline);
    bool ok = self->counts[code] >= count;
    pthread_mutex_unlock (&self->mutex);
    return ok;
}

//  -------------------------------------------------------------------------
//  Fixtures

typedef struct {
    tu_collector_t *echoes;   //  what the echo Agent saw
    asynrole_agent_t *agent;  //  the UDP responder
    asynrole_addr_t echo;     //  its address
    asynrole_addr_t closed;   //  a port nobody answers on
    asynrole_manager_t *manager;
    asynrole_server_t *server;
    asynrole_client_t *client;
    results_t *results;
    asynrole_remote_options_t options;  //  heartbeat 50 ms, events to s_events
} fix_t;

static fix_t s_fix;

static int
s_setup (void **state)
{
    memset (&s_fix, 0, sizeof s_fix);
    memset (&s_events, 0, sizeof s_events);
    pthread_mutex_init (&s_events.mutex, NULL);
    tu_cond_init (&s_events.cond);
    //  The default (1 s, silent after 3 s): valgrind runs one thread at a
    //  time, on a loaded machine. test_silent_client makes its server's 50 ms
    s_fix.options.heartbeat = 0;
    s_fix.options.on_event = s_on_event;
    s_fix.options.event_ctx = &s_events;
    return tu_setup (state);
}

static int
s_teardown (void **state)
{
    asynrole_client_destroy (&s_fix.client);
    asynrole_server_destroy (&s_fix.server);
    int rc = tu_teardown (state);
    s_results_destroy (&s_fix.results);
    pthread_mutex_destroy (&s_events.mutex);
    pthread_cond_destroy (&s_events.cond);
    return rc;
}

//  An echo Agent, a Manager (keyed by the first 8 bytes) with max_queued,
//  a server on endpoint, a client
static void
s_start (const char *endpoint, size_t max_queued)
{
    s_fix.echoes = tu_collector_new ();
    s_fix.echoes->keep_data = false;
    s_fix.agent = tu_agent_new (tu_agent_echo_cb, s_fix.echoes, "127.0.0.1:0", NULL);
    s_fix.echo = *asynrole_agent_local (s_fix.agent, 0);
    s_fix.echo.via = 0;
    s_fix.closed = tu_closed_port (AF_INET);
    asynrole_requests_t requests = { .key = tu_key_first8, .max_queued = max_queued };
    if (max_queued)
        requests.max_in_flight = 1;
    asynrole_options_t options = { .requests = &requests, .rcvbuf = 8 << 20 };
    s_fix.manager = tu_manager_new (NULL, NULL, NULL, NULL, &options);
    asynrole_error_t error;
    s_fix.server = asynrole_server_new (s_fix.manager, endpoint, &s_fix.options, &error);
    if (!s_fix.server)
        fail_msg ("asynrole_server_new: %s", error.detail);
    s_fix.client =
        asynrole_client_new (asynrole_server_endpoint (s_fix.server), &s_fix.options, &error);
    if (!s_fix.client)
        fail_msg ("asynrole_client_new: %s", error.detail);
    s_fix.results = s_results_new ();
}

//  Request data (8 bytes of n, then text) to destination with policy
static uint64_t
s_request (asynrole_client_t *client, uint64_t n, const asynrole_addr_t *destination,
           const asynrole_policy_t *policy, results_t *results)
{
    uint8_t data[32];
    memset (data, 0, sizeof data);
    memcpy (data, &n, 8);
    memcpy (data + 8, "remote request", 14);
    asynrole_request_t request = {
        .data = data, .size = 22, .destination = destination, .policy = policy, .ctx = results
    };
    uint64_t handle = 0;
    asynrole_error_t error;
    if (asynrole_client_request (client, &request, s_on_result, &handle, &error))
        fail_msg ("asynrole_client_request: %s", error.detail);
    return handle;
}

static const asynrole_policy_t s_quick = { .timeout = 20, .retries = 2 };
static const asynrole_policy_t s_long = { .timeout = 60000 };

//  -------------------------------------------------------------------------
//  Cases

static void
s_one_reply (const char *endpoint)
{
    s_start (endpoint, 0);
    uint64_t handle = s_request (s_fix.client, 42, &s_fix.echo, NULL, s_fix.results);
    assert_int_equal (handle, 1);
    assert_true (s_results_wait (s_fix.results, 1, TU_TIMEOUT_MS));
    assert_int_equal (s_fix.results->seen[1], 1);
    assert_int_equal (s_fix.results->code[1], ASYNROLE_OK);
    assert_int_equal (s_fix.results->attempt[1], 0);
    assert_int_equal (s_fix.results->attempts[1], 1);
    assert_int_equal (s_fix.results->size[1], 22);
    uint64_t n;
    memcpy (&n, s_fix.results->first[1], 8);
    assert_int_equal (n, 42);
    asynrole_remote_stats_t server = tu_server_stats (s_fix.server);
    assert_int_equal (server.requests, 1);
    assert_int_equal (server.results, 1);
    assert_int_equal (server.peers, 1);
    assert_int_equal (server.in_flight, 0);
    asynrole_remote_stats_t client = tu_client_stats (s_fix.client);
    assert_int_equal (client.requests, 1);
    assert_int_equal (client.results, 1);
    assert_int_equal (client.in_flight, 0);
}

static void
test_request_reply_tcp (void **state)
{
    (void) state;
    s_one_reply ("tcp://127.0.0.1:*");
    assert_non_null (strstr (asynrole_server_endpoint (s_fix.server), "tcp://127.0.0.1:"));
}

//  IPv6 loopback: libzmq takes an [IPv6] endpoint only with ZMQ_IPV6 set
static void
test_request_reply_tcp6 (void **state)
{
    (void) state;
    s_one_reply ("tcp://[::1]:*");
    assert_non_null (strstr (asynrole_server_endpoint (s_fix.server), "tcp://[::1]:"));
}

static void
test_request_reply_inproc (void **state)
{
    (void) state;
    s_one_reply ("inproc://test-remote");
}

static void
test_request_reply_ipc (void **state)
{
    (void) state;
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "ipc://@asynrole-test-remote-%d", (int) getpid ());
    s_one_reply (endpoint);
}

//  The client's policy crosses: 3 attempts, then ENORESPONSE
static void
test_no_response (void **state)
{
    (void) state;
    s_start ("tcp://127.0.0.1:*", 0);
    uint64_t handle = s_request (s_fix.client, 1, &s_fix.closed, &s_quick, s_fix.results);
    assert_true (s_results_wait (s_fix.results, 1, TU_TIMEOUT_MS));
    assert_int_equal (s_fix.results->code[handle], ASYNROLE_ENORESPONSE);
    assert_int_equal (s_fix.results->attempts[handle], 3);
    assert_int_equal (s_fix.results->attempt[handle], -1);
}

//  Arguments a client refuses at once
static void
test_bad_arguments (void **state)
{
    (void) state;
    s_start ("tcp://127.0.0.1:*", 0);
    asynrole_error_t error;
    uint8_t data[8] = { 0 };
    asynrole_request_t request = { .data = data, .size = 8 };
    assert_int_equal (asynrole_client_request (s_fix.client, &request, s_on_result, NULL, &error),
                      -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);  //  no destination
    request.destination = &s_fix.echo;
    request.room = 64;
    assert_int_equal (asynrole_client_request (s_fix.client, &request, s_on_result, NULL, &error),
                      -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    request.room = 0;
    asynrole_policy_t bad = { .timeout = -1 };
    request.policy = &bad;
    assert_int_equal (asynrole_client_request (s_fix.client, &request, s_on_result, NULL, &error),
                      -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_null (asynrole_client_new ("udp://127.0.0.1:5555", NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_null (asynrole_server_new (s_fix.manager, "tcp://0.0.0.0:*", NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_null (asynrole_server_new (NULL, "tcp://127.0.0.1:*", NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    //  Bulk from a result's callback is refused; max_in_flight
    asynrole_remote_options_t one = s_fix.options;
    one.max_in_flight = 1;
    asynrole_client_t *client =
        asynrole_client_new (asynrole_server_endpoint (s_fix.server), &one, &error);
    assert_non_null (client);
    s_request (client, 1, &s_fix.closed, &s_long, s_fix.results);
    request.policy = NULL;
    assert_int_equal (asynrole_client_request (client, &request, s_on_result, NULL, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EWOULDBLOCK);
    asynrole_client_destroy (&client);
    assert_int_equal (s_results_count (s_fix.results), 1);
    assert_int_equal (s_fix.results->code[1], ASYNROLE_ECLOSED);
}

//  10,000 requests from 4 threads: each exactly one result, with its reply
#define THREADS 4
#define PER_THREAD 2500

typedef struct {
    asynrole_client_t *client;
    results_t *results;
    unsigned index;
} load_t;

static void *
s_load (void *arg)
{
    load_t *load = (load_t *) arg;
    for (uint64_t i = 0; i < PER_THREAD; i++) {
        uint64_t n = 1000000 * (uint64_t) (load->index + 1) + i;
        uint8_t data[16];
        memcpy (data, &n, 8);
        memcpy (data + 8, "loadload", 8);
        asynrole_request_t request = {
            .data = data, .size = 16, .destination = &s_fix.echo, .ctx = load->results
        };
        asynrole_error_t error;
        if (asynrole_client_request (load->client, &request, s_on_result, NULL, &error))
            return (void *) 1;
    }
    return NULL;
}

static void
test_many_threads (void **state)
{
    (void) state;
    s_start ("tcp://127.0.0.1:*", 0);
    pthread_t threads[THREADS];
    load_t loads[THREADS];
    int64_t start = tu_now_us ();
    for (unsigned i = 0; i < THREADS; i++) {
        loads[i] = (load_t){ .client = s_fix.client, .results = s_fix.results, .index = i };
        assert_int_equal (pthread_create (&threads[i], NULL, s_load, &loads[i]), 0);
    }
    for (unsigned i = 0; i < THREADS; i++) {
        void *rc;
        pthread_join (threads[i], &rc);
        assert_null (rc);
    }
    assert_true (s_results_wait (s_fix.results, THREADS * PER_THREAD, 30000));
    int64_t took = tu_now_us () - start;
    fprintf (stderr, "remote: %d requests through the server in %.3f s: %.0f/s\n",
             THREADS * PER_THREAD, took / 1e6, THREADS * PER_THREAD * 1e6 / (double) took);
    assert_int_equal (s_fix.results->duplicates, 0);
    assert_int_equal (s_fix.results->by_code[ASYNROLE_OK], THREADS * PER_THREAD);
    for (uint64_t h = 1; h <= THREADS * PER_THREAD; h++)
        assert_int_equal (s_fix.results->seen[h], 1);
    asynrole_remote_stats_t server = tu_server_stats (s_fix.server);
    assert_int_equal (server.requests, THREADS * PER_THREAD);
    assert_int_equal (server.results, THREADS * PER_THREAD);
}

//  Cancel: 0 and ECANCELLED at once; 1 once ended; the server's RESULT
//  that follows is orphaned
static void
test_cancel (void **state)
{
    (void) state;
    s_start ("tcp://127.0.0.1:*", 0);
    //  Welcomed (the server's event and the client's): the request leaves
    assert_true (s_events_wait (&s_events, ASYNROLE_OK, 2, TU_TIMEOUT_MS) >= 0);
    uint64_t handle = s_request (s_fix.client, 1, &s_fix.closed, &s_long, s_fix.results);
    asynrole_error_t error;
    //  A stats round trip: the request has reached the client's thread
    tu_client_stats (s_fix.client);
    assert_int_equal (asynrole_client_cancel (s_fix.client, handle, &error), 0);
    assert_int_equal (s_results_count (s_fix.results), 1);
    assert_int_equal (s_fix.results->code[handle], ASYNROLE_ECANCELLED);
    assert_int_equal (asynrole_client_cancel (s_fix.client, handle, &error), 1);
    assert_int_equal (asynrole_client_cancel (s_fix.client, 999999, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    //  The next request's result comes after the cancelled one's
    uint64_t next = s_request (s_fix.client, 2, &s_fix.echo, NULL, s_fix.results);
    assert_true (s_results_wait (s_fix.results, 2, TU_TIMEOUT_MS));
    assert_int_equal (s_fix.results->code[next], ASYNROLE_OK);
    asynrole_remote_stats_t client = tu_client_stats (s_fix.client);
    assert_int_equal (client.orphaned, 1);
    assert_int_equal (s_fix.results->duplicates, 0);
}

//  The server's Manager refuses (max_queued): EWOULDBLOCK arrives as a result
static void
test_server_wouldblock (void **state)
{
    (void) state;
    s_start ("tcp://127.0.0.1:*", 1);
    for (uint64_t i = 0; i < 5; i++)
        s_request (s_fix.client, i, &s_fix.closed, &s_long, s_fix.results);
    //  One in flight, one queued: the others refused (their results come
    //  at once)
    assert_true (s_results_wait (s_fix.results, 3, TU_TIMEOUT_MS));
    asynrole_client_destroy (&s_fix.client);
    assert_int_equal (s_results_count (s_fix.results), 5);
    size_t refused = s_fix.results->by_code[ASYNROLE_EWOULDBLOCK];
    assert_true (refused >= 3 && refused <= 4);
    assert_int_equal (s_fix.results->by_code[ASYNROLE_ECLOSED], 5 - refused);
    assert_int_equal (s_fix.results->duplicates, 0);
}

//  Bulk: replies, no response, bad arguments, each its own result
static void
test_bulk (void **state)
{
    (void) state;
    s_start ("tcp://127.0.0.1:*", 0);
    uint8_t data[5][16];
    asynrole_bulk_entry_t entries[5];
    memset (entries, 0, sizeof entries);
    for (uint64_t i = 0; i < 5; i++) {
        uint64_t n = 100 + i;
        memcpy (data[i], &n, 8);
        memcpy (data[i] + 8, "bulkbulk", 8);
        entries[i].request.data = data[i];
        entries[i].request.size = 16;
        entries[i].request.destination = &s_fix.echo;
    }
    entries[2].request.destination = &s_fix.closed;
    entries[2].request.policy = &s_quick;
    entries[3].request.validate = (asynrole_validate_fn *) (uintptr_t) 1;  //  cannot cross
    entries[4].request.destination = NULL;
    asynrole_error_t error;
    int replies = asynrole_client_bulk (s_fix.client, entries, 5, &error);
    assert_int_equal (replies, 2);
    assert_int_equal (entries[0].error.code, ASYNROLE_OK);
    assert_int_equal (entries[0].reply.size, 16);
    assert_memory_equal (entries[0].reply.data, data[0], 16);
    assert_int_equal (entries[1].error.code, ASYNROLE_OK);
    assert_memory_equal (entries[1].reply.data, data[1], 16);
    assert_int_equal (entries[2].error.code, ASYNROLE_ENORESPONSE);
    assert_int_equal (entries[3].error.code, ASYNROLE_EBADARG);
    assert_int_equal (entries[4].error.code, ASYNROLE_EBADARG);
    asynrole_bulk_free (entries, 5);
    //  More entries than the client's max_in_flight: they go as others end
    asynrole_remote_options_t two = s_fix.options;
    two.max_in_flight = 2;
    asynrole_client_t *client =
        asynrole_client_new (asynrole_server_endpoint (s_fix.server), &two, &error);
    assert_non_null (client);
    for (int i = 0; i < 5; i++)
        entries[i] = (asynrole_bulk_entry_t){
            .request = { .data = data[i], .size = 16, .destination = &s_fix.echo }
        };
    replies = asynrole_client_bulk (client, entries, 5, &error);
    asynrole_client_destroy (&client);
    assert_int_equal (replies, 5);
    for (int i = 0; i < 5; i++)
        assert_memory_equal (entries[i].reply.data, data[i], 16);
    asynrole_bulk_free (entries, 5);
}

//  A bulk dispatch waiting while its client is destroyed: every entry ends
//  (ECLOSED), the call returns, and destroy waits for it to leave
typedef struct {
    asynrole_client_t *client;
    asynrole_bulk_entry_t entries[8];
    int rc;
} bulk_call_t;

static void *
s_bulk_thread (void *arg)
{
    bulk_call_t *call = (bulk_call_t *) arg;
    asynrole_error_t error;
    call->rc = asynrole_client_bulk (call->client, call->entries, 8, &error);
    return NULL;
}

static void
test_bulk_destroyed (void **state)
{
    (void) state;
    s_start ("tcp://127.0.0.1:*", 0);
    bulk_call_t call = { .client = s_fix.client };
    uint8_t data[8] = "12345678";
    for (int i = 0; i < 8; i++)
        call.entries[i].request = (asynrole_request_t){
            .data = data, .size = 8, .destination = &s_fix.closed, .policy = &s_long
        };
    pthread_t thread;
    assert_int_equal (pthread_create (&thread, NULL, s_bulk_thread, &call), 0);
    //  Until the bulk's requests are all in the client (a round trip each)
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    while (tu_client_stats (s_fix.client).in_flight < 8 && tu_now () < deadline)
        ;
    asynrole_client_destroy (&s_fix.client);
    pthread_join (thread, NULL);
    assert_int_equal (call.rc, 0);
    for (int i = 0; i < 8; i++)
        assert_int_equal (call.entries[i].error.code, ASYNROLE_ECLOSED);
    asynrole_bulk_free (call.entries, 8);
}

//  The server destroyed while requests run: each ends once (ECANCELLED
//  from the server's destroy, or EDISCONNECTED)
static void
test_server_destroyed (void **state)
{
    (void) state;
    s_start ("tcp://127.0.0.1:*", 0);
    for (uint64_t i = 0; i < 50; i++)
        s_request (s_fix.client, i, &s_fix.closed, &s_long, s_fix.results);
    //  Wait until the server has them all
    assert_true (s_events_wait (&s_events, ASYNROLE_OK, 2, TU_TIMEOUT_MS) >= 0);
    for (int i = 0; i < 100 && tu_server_stats (s_fix.server).in_flight < 50; i++)
        tu_client_stats (s_fix.client);  //  a round trip each
    char endpoint[256];
    snprintf (endpoint, sizeof endpoint, "%s", asynrole_server_endpoint (s_fix.server));
    asynrole_server_destroy (&s_fix.server);
    assert_true (s_results_wait (s_fix.results, 50, TU_TIMEOUT_MS));
    assert_int_equal (s_fix.results->duplicates, 0);
    assert_int_equal (s_fix.results->by_code[ASYNROLE_ECANCELLED]
                          + s_fix.results->by_code[ASYNROLE_EDISCONNECTED],
                      50);
    assert_true (s_events_wait (&s_events, ASYNROLE_EDISCONNECTED, 1, TU_TIMEOUT_MS) >= 0);
    //  The client took the BYE (its event), then a server on the same
    //  endpoint again: the client says HELLO to it
    //  (libzmq closes the old listener in its I/O thread: EADDRINUSE until)
    asynrole_error_t error;
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    do
        s_fix.server = asynrole_server_new (s_fix.manager, endpoint, &s_fix.options, &error);
    while (!s_fix.server && error.sys_errno == EADDRINUSE && tu_now () < deadline);
    if (!s_fix.server)
        fail_msg ("asynrole_server_new again: %s", error.detail);
    //  A request made while the client's HELLO went unanswered (the old
    //  listener slow to close) ends EDISCONNECTED: the next one is served
    asynrole_code_t code = ASYNROLE_EDISCONNECTED;
    for (size_t i = 0; i < 3 && code == ASYNROLE_EDISCONNECTED; i++) {
        uint64_t handle = s_request (s_fix.client, 99, &s_fix.echo, NULL, s_fix.results);
        assert_true (s_results_wait (s_fix.results, 51 + i, 10000));
        code = s_fix.results->code[handle];
    }
    assert_int_equal (code, ASYNROLE_OK);
    assert_int_equal (s_fix.results->duplicates, 0);
}

//  The server restarted (a raw ROUTER that vanishes, a real server on the
//  same endpoint): old requests end EDISCONNECTED, new ones work
static void
test_server_restarted (void **state)
{
    (void) state;
    s_start ("tcp://127.0.0.1:*", 0);
    char endpoint[256];
    snprintf (endpoint, sizeof endpoint, "%s", asynrole_server_endpoint (s_fix.server));
    asynrole_client_destroy (&s_fix.client);
    asynrole_server_destroy (&s_fix.server);
    //  A "server" that welcomes, takes requests, and goes without a word
    zsock_t *fake = zsock_new (ZMQ_ROUTER);
    assert_non_null (fake);
    zsock_set_linger (fake, 0);
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    int bound;
    while ((bound = zsock_bind (fake, "%s", endpoint)) < 0 && errno == EADDRINUSE
           && tu_now () < deadline)
        ;
    if (bound < 0)
        zsock_destroy (&fake);
    assert_true (bound >= 0);
    asynrole_remote_options_t options = s_fix.options;
    options.heartbeat = 1000;  //  the ERROR, not the silence, tells
    asynrole_error_t error;
    s_fix.client = asynrole_client_new (endpoint, &options, &error);
    assert_non_null (s_fix.client);
    zmsg_t *msg = NULL;
    rwire_msg_t m;
    assert_true (tu_readable (zsock_resolve (fake), TU_TIMEOUT_MS));
    msg = zmsg_recv (fake);
    zframe_t *id = zmsg_pop (msg);
    assert_int_equal (rwire_decode (msg, &m), RWIRE_OK);
    assert_int_equal (m.type, RWIRE_HELLO);
    zmsg_destroy (&msg);
    rwire_msg_t welcome = { .type = RWIRE_WELCOME, .heartbeat = 1000, .heartbeat_timeout = 3000 };
    msg = rwire_encode (&welcome);
    zmsg_prepend (msg, &id);
    assert_int_equal (zmsg_send (&msg, fake), 0);
    for (uint64_t i = 0; i < 3; i++)
        s_request (s_fix.client, i, &s_fix.closed, &s_long, s_fix.results);
    for (int i = 0; i < 3; i++) {
        assert_true (tu_readable (zsock_resolve (fake), TU_TIMEOUT_MS));
        msg = zmsg_recv (fake);
        zmsg_destroy (&msg);
    }
    zsock_destroy (&fake);
    //  The real one, on the same endpoint: libzmq closes a listener in its
    //  I/O thread, after zmq_close returns (EADDRINUSE until it has)
    deadline = tu_now () + TU_TIMEOUT_MS;
    do
        s_fix.server = asynrole_server_new (s_fix.manager, endpoint, &s_fix.options, &error);
    while (!s_fix.server && error.sys_errno == EADDRINUSE && tu_now () < deadline);
    if (!s_fix.server)
        fail_msg ("asynrole_server_new again: %s", error.detail);
    assert_true (s_results_wait (s_fix.results, 3, 10000));
    assert_int_equal (s_fix.results->by_code[ASYNROLE_EDISCONNECTED], 3);
    uint64_t handle = s_request (s_fix.client, 7, &s_fix.echo, NULL, s_fix.results);
    assert_true (s_results_wait (s_fix.results, 4, TU_TIMEOUT_MS));
    assert_int_equal (s_fix.results->code[handle], ASYNROLE_OK);
    assert_int_equal (s_fix.results->duplicates, 0);
}

//  A fake server: the next message, its routing id in *id_p (the caller's)
static void
s_fake_recv (zsock_t *fake, zframe_t **id_p, rwire_msg_t *m, zmsg_t **msg_p)
{
    assert_true (tu_readable (zsock_resolve (fake), TU_TIMEOUT_MS));
    *msg_p = zmsg_recv (fake);
    assert_non_null (*msg_p);
    *id_p = zmsg_pop (*msg_p);
    assert_int_equal (rwire_decode (*msg_p, m), RWIRE_OK);
}

//  A server that welcomes, then sends another version and junk (counted,
//  answered once), then goes silent: the request ends EDISCONNECTED and
//  the client says HELLO again on a fresh socket
static void
test_server_silent (void **state)
{
    (void) state;
    s_start ("tcp://127.0.0.1:*", 0);
    zsock_t *fake = zsock_new (ZMQ_ROUTER);
    assert_non_null (fake);
    zsock_set_linger (fake, 0);
    int port = zsock_bind (fake, "tcp://127.0.0.1:*");
    assert_true (port > 0);
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    asynrole_client_destroy (&s_fix.client);
    asynrole_error_t error;
    s_fix.client = asynrole_client_new (endpoint, &s_fix.options, &error);
    assert_non_null (s_fix.client);
    zframe_t *id;
    rwire_msg_t m;
    zmsg_t *msg;
    s_fake_recv (fake, &id, &m, &msg);
    assert_int_equal (m.type, RWIRE_HELLO);
    zmsg_destroy (&msg);
    rwire_msg_t welcome = { .type = RWIRE_WELCOME, .heartbeat = 200, .heartbeat_timeout = 1000 };
    zmsg_t *out = rwire_encode (&welcome);
    zmsg_pushmem (out, zframe_data (id), zframe_size (id));
    assert_int_equal (zmsg_send (&out, fake), 0);
    uint64_t handle = s_request (s_fix.client, 1, &s_fix.echo, NULL, s_fix.results);
    uint8_t v2[4] = { 'A', 'R', 2, RWIRE_HEARTBEAT };
    for (int i = 0; i < 2; i++) {
        out = zmsg_new ();
        zmsg_addmem (out, zframe_data (id), zframe_size (id));
        zmsg_addmem (out, i ? (const void *) "junk" : v2, 4);
        assert_int_equal (zmsg_send (&out, fake), 0);
    }
    //  The REQUEST, heartbeats, one ERROR EPROTOCOL
    bool request = false, heartbeat = false, complained = false;
    while (!complained) {
        zframe_t *from;
        s_fake_recv (fake, &from, &m, &msg);
        request |= m.type == RWIRE_REQUEST;
        heartbeat |= m.type == RWIRE_HEARTBEAT;
        complained = m.type == RWIRE_ERROR && m.code == ASYNROLE_EPROTOCOL;
        zframe_destroy (&from);
        zmsg_destroy (&msg);
    }
    assert_true (request);
    assert_true (s_results_wait (s_fix.results, 1, TU_TIMEOUT_MS));
    assert_int_equal (s_fix.results->code[handle], ASYNROLE_EDISCONNECTED);
    //  HELLO again, from another routing id (a fresh socket)
    zframe_t *from = NULL;
    do {
        zframe_destroy (&from);
        s_fake_recv (fake, &from, &m, &msg);
        heartbeat |= m.type == RWIRE_HEARTBEAT;
        zmsg_destroy (&msg);
    } while (m.type != RWIRE_HELLO);
    assert_false (zframe_eq (from, id));
    zframe_destroy (&from);
    zframe_destroy (&id);
    zsock_destroy (&fake);
    assert_true (heartbeat);
    asynrole_remote_stats_t client = tu_client_stats (s_fix.client);
    assert_int_equal (client.lost, 1);
    assert_int_equal (client.bad_version, 1);
    assert_int_equal (client.malformed, 1);
    assert_int_equal (client.disconnected, 1);
    assert_int_equal (client.joined, 1);
}

//  The client destroyed with requests under way: ECLOSED before destroy
//  returns; the server cancels them (BYE)
static void
test_client_destroyed (void **state)
{
    (void) state;
    s_start ("tcp://127.0.0.1:*", 0);
    for (uint64_t i = 0; i < 20; i++)
        s_request (s_fix.client, i, &s_fix.closed, &s_long, s_fix.results);
    assert_true (s_events_wait (&s_events, ASYNROLE_OK, 2, TU_TIMEOUT_MS) >= 0);
    for (int i = 0; i < 100 && tu_server_stats (s_fix.server).in_flight < 20; i++)
        tu_client_stats (s_fix.client);
    asynrole_client_destroy (&s_fix.client);
    assert_int_equal (s_results_count (s_fix.results), 20);
    assert_int_equal (s_fix.results->by_code[ASYNROLE_ECLOSED], 20);
    assert_int_equal (s_events_wait (&s_events, ASYNROLE_EDISCONNECTED, 1, TU_TIMEOUT_MS), 20);
    asynrole_remote_stats_t server = tu_server_stats (s_fix.server);
    assert_int_equal (server.cancelled, 20);
    assert_int_equal (server.left, 1);
    assert_int_equal (server.orphaned, 20);
    assert_int_equal (server.in_flight, 0);
}

//  Destroyed from a result's callback: deferred, every request ends once
static void
test_client_destroyed_from_callback (void **state)
{
    (void) state;
    s_start ("tcp://127.0.0.1:*", 0);
    s_fix.results->destroy = &s_fix.client;
    s_request (s_fix.client, 1, &s_fix.echo, NULL, s_fix.results);
    s_request (s_fix.client, 2, &s_fix.closed, &s_long, s_fix.results);
    assert_true (s_results_wait (s_fix.results, 2, TU_TIMEOUT_MS));
    assert_int_equal (s_fix.results->duplicates, 0);
    assert_int_equal (s_fix.results->by_code[ASYNROLE_ECLOSED], 1);
    assert_null (s_fix.client);
}

//  A client that says HELLO and a REQUEST, then nothing: the server
//  cancels after heartbeat_timeout, the result is orphaned
static void
test_silent_client (void **state)
{
    (void) state;
    s_fix.options.heartbeat = 50;
    s_start ("tcp://127.0.0.1:*", 0);
    //  Only the silent one: no other client to lose under a slow tool
    asynrole_client_destroy (&s_fix.client);
    zsock_t *raw = tu_zraw_new (asynrole_server_endpoint (s_fix.server));
    rwire_msg_t hello = { .type = RWIRE_HELLO, .heartbeat = 50 };
    tu_zraw_send (raw, &hello);
    rwire_msg_t m;
    zmsg_t *msg;
    tu_zraw_recv (raw, &m, &msg);
    assert_int_equal (m.type, RWIRE_WELCOME);
    assert_int_equal (m.heartbeat, 50);
    assert_int_equal (m.heartbeat_timeout, 150);
    zmsg_destroy (&msg);
    uint8_t data[16] = "silentsilent";
    rwire_msg_t request = { .type = RWIRE_REQUEST,
                            .token = 77,
                            .peer = s_fix.closed,
                            .has_policy = true,
                            .policy = s_long,
                            .data = data,
                            .size = 16 };
    tu_zraw_send (raw, &request);
    int64_t start = tu_now ();
    //  The fixture's client left or went silent with nothing under way
    //  (count 0); the silent one with its request
    assert_true (s_events_wait_count (&s_events, ASYNROLE_EDISCONNECTED, 1, TU_TIMEOUT_MS));
    assert_true (tu_now () - start >= 100);
    asynrole_remote_stats_t server = tu_server_stats (s_fix.server);
    assert_true (server.lost >= 1);
    assert_int_equal (server.cancelled, 1);
    assert_int_equal (server.orphaned, 1);
    zsock_destroy (&raw);
}

//  Another version, a malformed message, an unknown peer: counted and
//  answered; the server keeps serving
static void
test_bad_messages (void **state)
{
    (void) state;
    s_start ("tcp://127.0.0.1:*", 0);
    const char *endpoint = asynrole_server_endpoint (s_fix.server);
    rwire_msg_t m;
    zmsg_t *msg;
    //  Another version
    zsock_t *raw = tu_zraw_new (endpoint);
    uint8_t v2[4] = { 'A', 'R', 2, RWIRE_HELLO };
    assert_int_equal (zsock_send (raw, "b", v2, sizeof v2), 0);
    tu_zraw_recv (raw, &m, &msg);
    assert_int_equal (m.type, RWIRE_ERROR);
    assert_int_equal (m.code, ASYNROLE_EPROTOCOL);
    zmsg_destroy (&msg);
    zsock_destroy (&raw);
    //  Malformed
    raw = tu_zraw_new (endpoint);
    assert_int_equal (zsock_send (raw, "s", "junk"), 0);
    tu_zraw_recv (raw, &m, &msg);
    assert_int_equal (m.type, RWIRE_ERROR);
    assert_int_equal (m.code, ASYNROLE_EPROTOCOL);
    zmsg_destroy (&msg);
    //  ... answered at most once a second: the next answer is the WELCOME
    //  to a HELLO sent after it
    assert_int_equal (zsock_send (raw, "s", "junk"), 0);
    rwire_msg_t hello = { .type = RWIRE_HELLO, .heartbeat = 1000 };
    tu_zraw_send (raw, &hello);
    tu_zraw_recv (raw, &m, &msg);
    assert_int_equal (m.type, RWIRE_WELCOME);
    zmsg_destroy (&msg);
    rwire_msg_t bye = { .type = RWIRE_BYE };
    tu_zraw_send (raw, &bye);
    zsock_destroy (&raw);
    //  Unknown peer, answered at most once a second (a flood from a peer
    //  that never reads cannot fill the ROUTER); an ERROR never is
    raw = tu_zraw_new (endpoint);
    rwire_msg_t cancel = { .type = RWIRE_CANCEL, .token = 1 };
    tu_zraw_send (raw, &cancel);
    tu_zraw_recv (raw, &m, &msg);
    assert_int_equal (m.type, RWIRE_ERROR);
    assert_int_equal (m.code, ASYNROLE_EDISCONNECTED);
    zmsg_destroy (&msg);
    zmsg_t *err = rwire_error (ASYNROLE_EPROTOCOL, "test");
    assert_int_equal (zmsg_send (&err, raw), 0);
    //  Within the second: counted, not answered; the next answer is the
    //  WELCOME to a HELLO sent after it
    tu_zraw_send (raw, &cancel);
    tu_zraw_send (raw, &hello);
    tu_zraw_recv (raw, &m, &msg);
    assert_int_equal (m.type, RWIRE_WELCOME);
    zmsg_destroy (&msg);
    tu_zraw_send (raw, &bye);
    zsock_destroy (&raw);
    uint64_t handle = s_request (s_fix.client, 5, &s_fix.echo, NULL, s_fix.results);
    assert_true (s_results_wait (s_fix.results, 1, TU_TIMEOUT_MS));
    assert_int_equal (s_fix.results->code[handle], ASYNROLE_OK);
    asynrole_remote_stats_t server = tu_server_stats (s_fix.server);
    assert_int_equal (server.bad_version, 1);
    assert_int_equal (server.malformed, 2);
    assert_int_equal (server.unknown_peer, 3);
    assert_true (s_events_wait (&s_events, ASYNROLE_EPROTOCOL, 2, TU_TIMEOUT_MS) >= 0);
}

//  Random messages (never a REQUEST: nothing leaves for a random address;
//  never a HELLO: the WELCOMEs count ours) from a client that said HELLO:
//  counted, the server keeps serving
static void
test_random_messages (void **state)
{
    (void) state;
    s_start ("tcp://127.0.0.1:*", 0);
    zsock_t *raw = tu_zraw_new (asynrole_server_endpoint (s_fix.server));
    rwire_msg_t hello = { .type = RWIRE_HELLO, .heartbeat = 1000 };
    tu_zraw_send (raw, &hello);
    unsigned seed = 14;
    for (int i = 0; i < 2000; i++) {
        zmsg_t *msg = zmsg_new ();
        uint8_t head[4] = { 'A', 'R', (uint8_t) (rand_r (&seed) % 8 ? 1 : rand_r (&seed)),
                            (uint8_t) (rand_r (&seed) % 13) };
        if (head[3] == RWIRE_REQUEST || head[3] == RWIRE_HELLO)
            head[3] = RWIRE_CANCEL;
        zmsg_addmem (msg, head, rand_r (&seed) % 8 ? 4 : (size_t) (rand_r (&seed) % 5));
        for (int f = rand_r (&seed) % 4; f > 0; f--) {
            uint8_t bytes[64];
            size_t size = (size_t) (rand_r (&seed) % sizeof bytes);
            for (size_t b = 0; b < size; b++)
                bytes[b] = (uint8_t) rand_r (&seed);
            zmsg_addmem (msg, bytes, size);
        }
        assert_int_equal (zmsg_send (&msg, raw), 0);
    }
    //  A HELLO after them all: its WELCOME says the server read them
    tu_zraw_send (raw, &hello);
    rwire_msg_t m;
    zmsg_t *msg;
    int welcomes = 0;
    while (welcomes < 2) {
        tu_zraw_recv (raw, &m, &msg);
        welcomes += m.type == RWIRE_WELCOME;
        zmsg_destroy (&msg);
    }
    zsock_destroy (&raw);
    uint64_t handle = s_request (s_fix.client, 5, &s_fix.echo, NULL, s_fix.results);
    assert_true (s_results_wait (s_fix.results, 1, TU_TIMEOUT_MS));
    assert_int_equal (s_fix.results->code[handle], ASYNROLE_OK);
    asynrole_remote_stats_t server = tu_server_stats (s_fix.server);
    assert_true (server.malformed + server.bad_version > 1000);
}

//  A token of a client's that is under way: EBADARG for the second
static void
test_duplicate_token (void **state)
{
    (void) state;
    s_start ("tcp://127.0.0.1:*", 0);
    zsock_t *raw = tu_zraw_new (asynrole_server_endpoint (s_fix.server));
    rwire_msg_t hello = { .type = RWIRE_HELLO, .heartbeat = 50 };
    tu_zraw_send (raw, &hello);
    rwire_msg_t m;
    zmsg_t *msg;
    tu_zraw_recv (raw, &m, &msg);
    zmsg_destroy (&msg);
    rwire_msg_t request = { .type = RWIRE_REQUEST,
                            .token = 9,
                            .peer = s_fix.closed,
                            .has_policy = true,
                            .policy = s_long,
                            .data = (const uint8_t *) "12345678",
                            .size = 8 };
    tu_zraw_send (raw, &request);
    tu_zraw_send (raw, &request);
    do {
        tu_zraw_recv (raw, &m, &msg);
        if (m.type == RWIRE_RESULT) {
            assert_int_equal (m.token, 9);
            assert_int_equal (m.code, ASYNROLE_EBADARG);
        }
        zmsg_destroy (&msg);
    } while (m.type != RWIRE_RESULT);
    rwire_msg_t cancel = { .type = RWIRE_CANCEL, .token = 9 };
    tu_zraw_send (raw, &cancel);
    do {
        tu_zraw_recv (raw, &m, &msg);
        if (m.type == RWIRE_RESULT) {
            assert_int_equal (m.token, 9);
            assert_int_equal (m.code, ASYNROLE_ECANCELLED);
        }
        zmsg_destroy (&msg);
    } while (m.type != RWIRE_RESULT);
    rwire_msg_t bye = { .type = RWIRE_BYE };
    tu_zraw_send (raw, &bye);
    zsock_destroy (&raw);
}

//  CURVE with an allow list: the client let in is served; one with a key
//  not in the list never gets a WELCOME (its request ends EDISCONNECTED),
//  and the server counts the refusal
static void
test_curve (void **state)
{
    (void) state;
    char server_pub[41], server_sec[41], good_pub[41], good_sec[41], bad_pub[41], bad_sec[41];
    asynrole_error_t error;
    if (asynrole_remote_keypair (server_pub, server_sec, &error))
        tu_skip (error.detail);
    assert_int_equal (asynrole_remote_keypair (good_pub, good_sec, &error), 0);
    assert_int_equal (asynrole_remote_keypair (bad_pub, bad_sec, &error), 0);
    char allowed[41];  //  the server's list: its own copy of the good key
    memcpy (allowed, good_pub, sizeof allowed);
    const char *allow[] = { allowed };
    s_fix.options.curve_public_key = server_pub;
    s_fix.options.curve_secret_key = server_sec;
    s_fix.options.curve_allow = allow;
    s_fix.options.curve_allow_count = 1;
    s_fix.options.curve_server_key = server_pub;  //  a binding end ignores it
    s_start ("tcp://127.0.0.1:*", 0);             //  its client has the server's own pair: refused
    asynrole_client_destroy (&s_fix.client);
    asynrole_remote_options_t good = { .heartbeat = 500,
                                       .curve_public_key = good_pub,
                                       .curve_secret_key = good_sec,
                                       .curve_server_key = server_pub };
    asynrole_remote_options_t bad = good;
    bad.curve_public_key = bad_pub;
    bad.curve_secret_key = bad_sec;
    bad.heartbeat = 100;  //  no WELCOME comes: it gives up after 300 ms
    const char *endpoint = asynrole_server_endpoint (s_fix.server);
    s_fix.client = asynrole_client_new (endpoint, &good, &error);
    assert_non_null (s_fix.client);
    asynrole_client_t *refused = asynrole_client_new (endpoint, &bad, &error);
    assert_non_null (refused);
    results_t *others = s_results_new ();
    uint64_t handle = s_request (s_fix.client, 3, &s_fix.echo, NULL, s_fix.results);
    uint64_t other = s_request (refused, 4, &s_fix.echo, NULL, others);
    assert_true (s_results_wait (s_fix.results, 1, TU_TIMEOUT_MS));
    assert_int_equal (s_fix.results->code[handle], ASYNROLE_OK);
    bool ended = s_results_wait (others, 1, TU_TIMEOUT_MS);
    asynrole_code_t code = others->code[other];
    asynrole_client_destroy (&refused);
    s_results_destroy (&others);
    assert_true (ended);
    assert_int_equal (code, ASYNROLE_EDISCONNECTED);
    asynrole_remote_stats_t server = tu_server_stats (s_fix.server);
    assert_true (server.denied >= 1);
    assert_int_equal (server.requests, 1);
    //  The client keeps its own copy of its keys: with the caller's strings
    //  changed to another valid pair (not let in), it connects to a
    //  restarted server with the right ones
    memcpy (good_pub, bad_pub, sizeof good_pub);
    memcpy (good_sec, bad_sec, sizeof good_sec);
    char again[256];
    snprintf (again, sizeof again, "%s", endpoint);
    asynrole_server_destroy (&s_fix.server);
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    do
        s_fix.server = asynrole_server_new (s_fix.manager, again, &s_fix.options, &error);
    while (!s_fix.server && error.sys_errno == EADDRINUSE && tu_now () < deadline);
    if (!s_fix.server)
        fail_msg ("asynrole_server_new again: %s", error.detail);
    //  (a request made before the client saw the old server go may end
    //  EDISCONNECTED: the next one is served)
    code = ASYNROLE_EDISCONNECTED;
    for (size_t i = 0; i < 5 && code == ASYNROLE_EDISCONNECTED; i++) {
        handle = s_request (s_fix.client, 10 + i, &s_fix.echo, NULL, s_fix.results);
        assert_true (s_results_wait (s_fix.results, 2 + i, 10000));
        code = s_fix.results->code[handle];
    }
    assert_int_equal (code, ASYNROLE_OK);
}

//  Requests/s: the same load on the Manager itself, for comparison
static results_t *s_local;

static void
s_on_local (asynrole_manager_t *manager, void *ctx, const asynrole_result_t *result)
{
    (void) manager;
    (void) ctx;
    (void) result;
    pthread_mutex_lock (&s_local->mutex);
    s_local->count++;
    pthread_cond_broadcast (&s_local->cond);
    pthread_mutex_unlock (&s_local->mutex);
}

static void
test_local_rate (void **state)
{
    (void) state;
    s_start ("tcp://127.0.0.1:*", 0);
    s_local = s_fix.results;
    int64_t start = tu_now_us ();
    size_t n = THREADS * PER_THREAD;
    for (uint64_t i = 0; i < n; i++) {
        uint8_t data[16];
        memcpy (data, &i, 8);
        memcpy (data + 8, "loadload", 8);
        asynrole_request_t request = { .data = data, .size = 16, .destination = &s_fix.echo };
        asynrole_error_t error;
        if (asynrole_manager_request (s_fix.manager, &request, s_on_local, NULL, &error))
            fail_msg ("asynrole_manager_request: %s", error.detail);
    }
    assert_true (s_results_wait (s_fix.results, n, 30000));
    int64_t took = tu_now_us () - start;
    fprintf (stderr, "local: %zu requests on the Manager in %.3f s: %.0f/s\n", n, took / 1e6,
             n * 1e6 / (double) took);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_request_reply_tcp, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_request_reply_inproc, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_request_reply_ipc, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_request_reply_tcp6, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_no_response, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_arguments, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_many_threads, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_cancel, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_server_wouldblock, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bulk, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bulk_destroyed, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_server_destroyed, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_server_restarted, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_server_silent, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_client_destroyed, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_client_destroyed_from_callback, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_silent_client, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_messages, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_random_messages, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_duplicate_token, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_curve, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_local_rate, s_setup, s_teardown),
    };
    return tu_main (tests, argc, argv);
}
