/*  test_blocking.c - send-and-receive, receive-and-send and bulk dispatch:
    the seed's blocking roles and bulkrole, on the request engine */
#include "testutil.h"
#include "fault_peer.h"
#include <errno.h>

static fault_peer_t *
s_peer (const fp_options_t *options)
{
    fault_peer_t *peer = fp_new (options);
    assert_non_null (peer);
    return peer;
}

//  -------------------------------------------------------------------------
//  send-and-receive

static void
test_send_and_receive (void **state)
{
    (void) state;
    fp_action_t script[] = { { .drop = true } };
    fp_options_t options = { .script = script, .script_len = 1 };
    fault_peer_t *peer = s_peer (&options);
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", NULL);
    asynrole_policy_t policy = { .timeout = 50, .retries = 2 };
    asynrole_request_t request = {
        .data = "ping", .size = 4, .destination = fp_addr (peer), .policy = &policy
    };
    asynrole_reply_t reply;
    asynrole_error_t error;
    assert_int_equal (asynrole_manager_send_and_receive (manager, &request, &reply, &error), 0);
    assert_int_equal (reply.size, 4);
    assert_memory_equal (reply.data, "ping", 4);
    assert_int_equal (reply.attempts, 2);
    assert_int_equal (reply.attempt, 1);
    assert_true (asynrole_addr_equal (&reply.peer, fp_addr (peer)));
    asynrole_reply_free (&reply);
    assert_null (reply.data);
    asynrole_reply_free (NULL);
    tu_manager_destroy (&manager);
}

//  A silent peer: ENORESPONSE after exactly 1 + retries attempts, in about
//  the policy's time
static void
test_send_and_receive_no_response (void **state)
{
    (void) state;
    fp_options_t options = { .otherwise = { .drop = true } };
    fault_peer_t *peer = s_peer (&options);
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", NULL);
    asynrole_policy_t policy = { .timeout = 40, .retries = 2 };
    asynrole_request_t request = {
        .data = "p", .size = 1, .destination = fp_addr (peer), .policy = &policy
    };
    asynrole_reply_t reply;
    asynrole_error_t error;
    int64_t start = tu_now ();
    assert_int_equal (asynrole_manager_send_and_receive (manager, &request, &reply, &error), -1);
    assert_int_equal (error.code, ASYNROLE_ENORESPONSE);
    assert_true (asynrole_error_is_network (&error));
    assert_true (tu_now () - start >= 120);
    //  The last attempt went unanswered: the peer's thread may read it after
    //  the result came (a busy machine); wait for it, then count exactly
    assert_true (fp_wait_received (peer, 3, TU_TIMEOUT_MS));
    assert_int_equal (fp_received (peer), 3);
    assert_null (reply.data);
    tu_manager_destroy (&manager);
}

//  Answers "no" first, then "yes"
static int
s_no_then_yes (void *ctx, size_t index, const uint8_t *data, size_t size, uint8_t *out, size_t room)
{
    (void) ctx;
    (void) data;
    (void) size;
    (void) room;
    memcpy (out, index == 0 ? "no" : "yes", index == 0 ? 2 : 3);
    return index == 0 ? 2 : 3;
}

static bool
s_yes (void *ctx, const asynrole_datagram_t *reply)
{
    int *asked = (int *) ctx;
    (*asked)++;
    return reply->size == 3;
}

static void
test_send_and_receive_validated (void **state)
{
    (void) state;
    fp_options_t options = { .answer = s_no_then_yes };
    fault_peer_t *peer = s_peer (&options);
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", NULL);
    asynrole_policy_t policy = { .timeout = 400, .retries = 3 };
    int asked = 0;
    asynrole_request_t request = { .data = "?",
                                   .size = 1,
                                   .destination = fp_addr (peer),
                                   .policy = &policy,
                                   .validate = s_yes,
                                   .ctx = &asked };
    asynrole_reply_t reply;
    asynrole_error_t error;
    assert_int_equal (asynrole_manager_send_and_receive (manager, &request, &reply, &error), 0);
    assert_memory_equal (reply.data, "yes", 3);
    assert_int_equal (asked, 2);
    asynrole_reply_free (&reply);
    tu_manager_destroy (&manager);
}

//  Answers a datagram the second time its bytes come, never the first
typedef struct {
    char seen[512][32];
    size_t count;
} seen_t;

static int
s_second_time (void *ctx, size_t index, const uint8_t *data, size_t size, uint8_t *out, size_t room)
{
    (void) index;
    (void) room;
    seen_t *seen = (seen_t *) ctx;
    if (size >= 32)
        return -1;
    for (size_t i = 0; i < seen->count; i++)
        if (memcmp (seen->seen[i], data, size) == 0 && seen->seen[i][size] == 0) {
            memcpy (out, data, size);
            return (int) size;
        }
    if (seen->count < 512) {
        memcpy (seen->seen[seen->count], data, size);
        seen->seen[seen->count++][size] = 0;
    }
    return -1;
}

#define WORKER_REQUESTS 50

//  Four threads at once, each its own requests on one Manager
typedef struct {
    asynrole_manager_t *manager;
    const asynrole_addr_t *to;
    int index;
    int good;
    asynrole_error_t error;  //  the last failure's
    bool mixed;              //  a reply was another's
} worker_t;

static void *
s_worker (void *arg)
{
    worker_t *worker = (worker_t *) arg;
    //  The peer ignores the first attempt: each request waits 50 ms at
    //  least once. Then its reply has 20 more waits to come in: a round trip
    //  through the peer, the I/O thread and the request engine under ASan
    //  on a busy 2-core machine (CPU pressure near 100%) took longer than 3
    //  waits once. A reply comes at once otherwise: no run takes longer.
    asynrole_policy_t policy = { .timeout = 50, .retries = 20 };
    for (int i = 0; i < WORKER_REQUESTS; i++) {
        char data[32];
        int size = snprintf (data, sizeof data, "thread %d request %d", worker->index, i);
        asynrole_request_t request = {
            .data = data, .size = (size_t) size, .destination = worker->to, .policy = &policy
        };
        asynrole_reply_t reply;
        asynrole_error_t error;
        if (asynrole_manager_send_and_receive (worker->manager, &request, &reply, &error) != 0)
            worker->error = error;
        else if (reply.size == (size_t) size && memcmp (reply.data, data, reply.size) == 0)
            worker->good++;
        else
            worker->mixed = true;
        asynrole_reply_free (&reply);
    }
    return NULL;
}

//  The key of a datagram: all its bytes, hashed
static bool
s_bytes_key (void *ctx, const uint8_t *data, size_t size, uint64_t *key)
{
    (void) ctx;
    uint64_t hash = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ data[i]) * 0x100000001b3ull;
    *key = hash;
    return true;
}

//  Four threads at once on one Manager, against a peer that ignores every
//  request the first time it comes: each thread gets its own replies
static void
test_send_and_receive_threads (void **state)
{
    (void) state;
    seen_t *seen = calloc (1, sizeof *seen);
    assert_non_null (seen);
    fp_options_t options = { .answer = s_second_time, .answer_ctx = seen };
    fault_peer_t *peer = s_peer (&options);
    asynrole_requests_t requests = { .key = s_bytes_key };
    asynrole_options_t manager_options = { .requests = &requests };
    asynrole_manager_t *manager =
        tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", &manager_options);
    worker_t workers[4];
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) {
        workers[i] = (worker_t){ .manager = manager, .to = fp_addr (peer), .index = i };
        assert_int_equal (pthread_create (&threads[i], NULL, s_worker, &workers[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join (threads[i], NULL);
        if (workers[i].good != WORKER_REQUESTS)
            fail_msg ("thread %d: %d of %d good; %s; the last failure: %s", i, workers[i].good,
                      WORKER_REQUESTS, workers[i].mixed ? "another's reply came" : "no mix-up",
                      workers[i].error.detail);
    }
    //  Each was sent twice at least (more if an answer came after its wait)
    assert_true (fp_received (peer) >= 2 * 4 * WORKER_REQUESTS);
    tu_manager_destroy (&manager);
    free (seen);
}

//  From the Manager's own callback a blocking call would wait for itself

static void
s_blocking_in_callback (asynrole_manager_t *manager, void *ctx, const asynrole_datagram_t *datagram,
                        const asynrole_error_t *error)
{
    (void) error;
    if (!datagram)
        return;
    asynrole_request_t request = { .data = "x", .size = 1, .destination = &datagram->peer };
    asynrole_reply_t reply;
    asynrole_error_t failure;
    asynrole_bulk_entry_t entry = { .request = request };
    bool refused = asynrole_manager_send_and_receive (manager, &request, &reply, &failure) == -1
        && failure.code == ASYNROLE_EBADARG
        && asynrole_manager_bulk (manager, &entry, 1, &failure) == -1
        && failure.code == ASYNROLE_EBADARG;
    tu_collector_add ((tu_collector_t *) ctx, datagram, NULL, refused ? 0 : -1, NULL);
}

static void
test_blocking_from_callback (void **state)
{
    (void) state;
    fault_peer_t *peer = s_peer (&(fp_options_t){ .bind = "127.0.0.1:0" });
    tu_collector_t *events = tu_collector_new ();
    asynrole_manager_t *manager =
        tu_manager_new (s_blocking_in_callback, events, NULL, "127.0.0.1:0", NULL);
    asynrole_error_t error;
    assert_int_equal (asynrole_manager_send (manager, "x", 1, fp_addr (peer), &error), 0);
    assert_true (tu_collector_wait_datagrams (events, 1, TU_TIMEOUT_MS));
    assert_int_equal (tu_collector_datagram (events, 0)->echo_rc, 0);
    tu_manager_destroy (&manager);
}

//  A blocking call under way when another thread destroys the Manager:
//  it returns ECLOSED, and destroy does not wait for its policy
typedef struct {
    asynrole_manager_t *manager;
    const asynrole_addr_t *to;
    int rc;
    asynrole_error_t error;
    pthread_mutex_t mutex;
} blocked_t;

static void *
s_blocked (void *arg)
{
    blocked_t *blocked = (blocked_t *) arg;
    asynrole_policy_t policy = { .timeout = 60000 };
    asynrole_request_t request = {
        .data = "b", .size = 1, .destination = blocked->to, .policy = &policy
    };
    asynrole_reply_t reply;
    blocked->rc =
        asynrole_manager_send_and_receive (blocked->manager, &request, &reply, &blocked->error);
    return NULL;
}

static void
test_destroy_ends_blocking (void **state)
{
    (void) state;
    fp_options_t options = { .hold = true };
    fault_peer_t *peer = s_peer (&options);
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", NULL);
    blocked_t blocked = { .manager = manager, .to = fp_addr (peer) };
    pthread_t thread;
    assert_int_equal (pthread_create (&thread, NULL, s_blocked, &blocked), 0);
    //  The request is out: the call waits
    assert_true (fp_wait_received (peer, 1, TU_TIMEOUT_MS));
    int64_t start = tu_now ();
    tu_manager_destroy (&manager);
    pthread_join (thread, NULL);
    assert_true (tu_now () - start < 2000);
    assert_int_equal (blocked.rc, -1);
    assert_int_equal (blocked.error.code, ASYNROLE_ECLOSED);
}

static void
test_send_and_receive_bad_arguments (void **state)
{
    (void) state;
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", NULL);
    asynrole_reply_t reply;
    asynrole_error_t error;
    asynrole_addr_t to = tu_addr ("127.0.0.1:9");
    asynrole_request_t request = { .data = "x", .size = 1, .destination = &to };
    assert_int_equal (asynrole_manager_send_and_receive (NULL, &request, &reply, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (asynrole_manager_send_and_receive (manager, NULL, &reply, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (asynrole_manager_send_and_receive (manager, &request, NULL, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    asynrole_policy_t bad = { .timeout = 0, .retries = 2 };
    request.policy = &bad;
    assert_int_equal (asynrole_manager_send_and_receive (manager, &request, &reply, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    request.policy = NULL;
    request.destination = NULL;
    assert_int_equal (asynrole_manager_send_and_receive (manager, &request, &reply, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    tu_manager_destroy (&manager);
}

//  -------------------------------------------------------------------------
//  receive-and-send

//  Answers "re:" and the request; nothing for "silence"; elsewhere for "redirect"
typedef struct {
    uint8_t out[64];
    const asynrole_addr_t *redirect;
    int calls;
} handler_t;

static void
s_handler (void *ctx, const asynrole_datagram_t *request, asynrole_response_t *response)
{
    handler_t *handler = (handler_t *) ctx;
    handler->calls++;
    if (request->size == 7 && memcmp (request->data, "silence", 7) == 0)
        return;
    memcpy (handler->out, "re:", 3);
    size_t size = request->size < 60 ? request->size : 60;
    memcpy (handler->out + 3, request->data, size);
    response->data = handler->out;
    response->size = size + 3;
    if (request->size == 8 && memcmp (request->data, "redirect", 8) == 0)
        response->destination = handler->redirect;
}

static asynrole_agent_t *
s_pipe_agent (void)
{
    asynrole_options_t options = { .pipe_mode = true };
    return tu_agent_new (NULL, NULL, "127.0.0.1:0", &options);
}

static void
test_receive_and_send (void **state)
{
    (void) state;
    asynrole_agent_t *agent = s_pipe_agent ();
    tu_collector_t *replies = tu_collector_new ();
    asynrole_manager_t *manager =
        tu_manager_new (tu_manager_collect_cb, replies, NULL, "127.0.0.1:0", NULL);
    tu_collector_t *elsewhere_events = tu_collector_new ();
    asynrole_manager_t *elsewhere =
        tu_manager_new (tu_manager_collect_cb, elsewhere_events, NULL, "127.0.0.1:0", NULL);
    handler_t handler = { .redirect = asynrole_manager_local (elsewhere) };
    asynrole_error_t error;
    const asynrole_addr_t *to = asynrole_agent_local (agent, 0);
    //  A request: answered from the Agent's address
    assert_int_equal (asynrole_manager_send (manager, "get", 3, to, &error), 0);
    assert_int_equal (
        asynrole_agent_receive_and_send (agent, TU_TIMEOUT_MS, s_handler, &handler, &error), 1);
    assert_true (tu_collector_wait_datagrams (replies, 1, TU_TIMEOUT_MS));
    assert_memory_equal (tu_collector_datagram (replies, 0)->data, "re:get", 6);
    assert_true (asynrole_addr_equal (&tu_collector_datagram (replies, 0)->peer, to));
    //  No response: nothing sent
    assert_int_equal (asynrole_manager_send (manager, "silence", 7, to, &error), 0);
    assert_int_equal (
        asynrole_agent_receive_and_send (agent, TU_TIMEOUT_MS, s_handler, &handler, &error), 0);
    //  Another destination
    assert_int_equal (asynrole_manager_send (manager, "redirect", 8, to, &error), 0);
    assert_int_equal (
        asynrole_agent_receive_and_send (agent, TU_TIMEOUT_MS, s_handler, &handler, &error), 1);
    assert_true (tu_collector_wait_datagrams (elsewhere_events, 1, TU_TIMEOUT_MS));
    assert_memory_equal (tu_collector_datagram (elsewhere_events, 0)->data, "re:redirect", 11);
    assert_int_equal (tu_collector_datagrams (replies), 1);
    assert_int_equal (handler.calls, 3);
    tu_manager_destroy (&manager);
    tu_manager_destroy (&elsewhere);
    tu_agent_destroy (&agent);
}

//  No request in time: EIDLE, after the timeout, and the handler never ran
static void
test_receive_idle (void **state)
{
    (void) state;
    asynrole_agent_t *agent = s_pipe_agent ();
    handler_t handler = { .calls = 0 };
    asynrole_error_t error;
    int64_t start = tu_now ();
    assert_int_equal (asynrole_agent_receive_and_send (agent, 100, s_handler, &handler, &error),
                      -1);
    assert_int_equal (error.code, ASYNROLE_EIDLE);
    assert_true (asynrole_error_is_network (&error));
    assert_true (tu_now () - start >= 100);
    assert_int_equal (handler.calls, 0);
    tu_agent_destroy (&agent);
}

//  An error event instead of a request: returned; the Agent serves on
static void
test_receive_error_event (void **state)
{
    (void) state;
    asynrole_agent_t *agent = s_pipe_agent ();
    handler_t handler = { .calls = 0 };
    asynrole_error_t error;
    //  A datagram to a closed port: ICMP port unreachable comes back
    asynrole_addr_t closed = tu_closed_port (AF_INET);
    closed.via = 0;
    assert_int_equal (asynrole_agent_send (agent, "x", 1, &closed, &error), 0);
    assert_int_equal (
        asynrole_agent_receive_and_send (agent, TU_TIMEOUT_MS, s_handler, &handler, &error), -1);
    assert_int_equal (error.code, ASYNROLE_ENETWORK);
    assert_int_equal (error.op, ASYNROLE_OP_ICMP);
    assert_int_equal (handler.calls, 0);
    //  Serving on
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", NULL);
    assert_int_equal (
        asynrole_manager_send (manager, "after", 5, asynrole_agent_local (agent, 0), &error), 0);
    assert_int_equal (
        asynrole_agent_receive_and_send (agent, TU_TIMEOUT_MS, s_handler, &handler, &error), 1);
    tu_manager_destroy (&manager);
    tu_agent_destroy (&agent);
}

//  A receive under way when another thread destroys the Agent: ECLOSED
typedef struct {
    asynrole_agent_t *agent;
    int rc;
    asynrole_error_t error;
} receiving_t;

static void *
s_receiving (void *arg)
{
    receiving_t *receiving = (receiving_t *) arg;
    handler_t handler = { .calls = 0 };
    receiving->rc = asynrole_agent_receive_and_send (receiving->agent, 60000, s_handler, &handler,
                                                     &receiving->error);
    return NULL;
}

static void
test_destroy_ends_receive (void **state)
{
    (void) state;
    asynrole_agent_t *agent = s_pipe_agent ();
    receiving_t receiving = { .agent = agent };
    pthread_t thread;
    assert_int_equal (pthread_create (&thread, NULL, s_receiving, &receiving), 0);
    //  The thread waits once it holds the data socket: ours then finds it
    //  busy (each try waits on the socket 20 ms; bounded)
    handler_t handler = { .calls = 0 };
    asynrole_error_t error = { .sys_errno = 0 };
    for (int tries = 0; tries < 250 && error.sys_errno != EBUSY; tries++)
        assert_int_equal (asynrole_agent_receive_and_send (agent, 20, s_handler, &handler, &error),
                          -1);
    assert_int_equal (error.code, ASYNROLE_EIDLE);
    assert_int_equal (error.sys_errno, EBUSY);
    int64_t start = tu_now ();
    tu_agent_destroy (&agent);
    pthread_join (thread, NULL);
    assert_true (tu_now () - start < 2000);
    assert_int_equal (receiving.rc, -1);
    assert_int_equal (receiving.error.code, ASYNROLE_ECLOSED);
}

static void
test_receive_bad_arguments (void **state)
{
    (void) state;
    handler_t handler = { .calls = 0 };
    asynrole_error_t error;
    asynrole_agent_t *callback_agent =
        tu_agent_new (tu_agent_collect_cb, tu_collector_new (), "127.0.0.1:0", NULL);
    assert_int_equal (
        asynrole_agent_receive_and_send (callback_agent, 100, s_handler, &handler, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    asynrole_agent_t *agent = s_pipe_agent ();
    assert_int_equal (asynrole_agent_receive_and_send (agent, 100, NULL, NULL, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (asynrole_agent_receive_and_send (agent, 0, s_handler, &handler, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (asynrole_agent_receive_and_send (NULL, 100, s_handler, &handler, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (handler.calls, 0);
    tu_agent_destroy (&agent);
    tu_agent_destroy (&callback_agent);
}

//  -------------------------------------------------------------------------
//  Bulk

//  30 entries over three peers: one answers, one answers only retries,
//  one is silent; one entry is malformed. Each gets its own result.
static void
test_bulk (void **state)
{
    (void) state;
    enum {
        COUNT = 31
    };
    fp_options_t answering = { .bind = "127.0.0.1:0" };
    seen_t seen = { .count = 0 };
    fp_options_t late = { .answer = s_second_time, .answer_ctx = &seen };
    fp_options_t silent = { .otherwise = { .drop = true } };
    fault_peer_t *peers[3] = { s_peer (&answering), s_peer (&late), s_peer (&silent) };
    //  Keys: four at a time, to one destination too
    asynrole_requests_t requests = { .max_in_flight = 4, .key = s_bytes_key };
    asynrole_options_t options = { .requests = &requests };
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", &options);
    asynrole_bulk_entry_t entries[COUNT];
    memset (entries, 0, sizeof entries);
    char data[COUNT][16];
    asynrole_policy_t policy = { .timeout = 300, .retries = 1 };
    for (int i = 0; i < COUNT - 1; i++) {
        snprintf (data[i], sizeof data[i], "entry %02d", i);
        entries[i].request = (asynrole_request_t){ .data = data[i],
                                                   .size = strlen (data[i]),
                                                   .destination = fp_addr (peers[i % 3]),
                                                   .policy = &policy,
                                                   .ctx = &entries[i] };
    }
    entries[COUNT - 1].request = (asynrole_request_t){ .data = NULL, .size = 5 };
    asynrole_error_t error;
    int64_t start = tu_now ();
    assert_int_equal (asynrole_manager_bulk (manager, entries, COUNT, &error), 20);
    int64_t took = tu_now () - start;
    for (int i = 0; i < COUNT - 1; i++) {
        if (i % 3 == 2) {
            assert_int_equal (entries[i].error.code, ASYNROLE_ENORESPONSE);
            assert_null (entries[i].reply.data);
            continue;
        }
        assert_int_equal (entries[i].error.code, 0);
        assert_int_equal (entries[i].reply.size, strlen (data[i]));
        assert_memory_equal (entries[i].reply.data, data[i], entries[i].reply.size);
        assert_int_equal (entries[i].reply.attempts, i % 3 == 0 ? 1 : 2);
        //  The context is the caller's, untouched
        assert_ptr_equal (entries[i].request.ctx, &entries[i]);
    }
    assert_int_equal (entries[COUNT - 1].error.code, ASYNROLE_EBADARG);
    //  Each entry its own retries: the silent ones had exactly two attempts
    //  (the peers' threads may read the last ones after the results came)
    assert_true (fp_wait_received (peers[2], 20, TU_TIMEOUT_MS));
    assert_true (fp_wait_received (peers[1], 20, TU_TIMEOUT_MS));
    assert_int_equal (fp_received (peers[2]), 20);
    assert_int_equal (fp_received (peers[1]), 20);
    //  Four at a time: at least 10 silent entries x 600 ms / 4
    assert_true (took >= 10 * 600 / 4);
    asynrole_bulk_free (entries, COUNT);
    assert_null (entries[0].reply.data);
    assert_int_equal (asynrole_manager_bulk (manager, NULL, 0, &error), 0);
    assert_int_equal (asynrole_manager_bulk (manager, NULL, 3, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    tu_manager_destroy (&manager);
}

//  The engine's queue full of others' requests, none of the bulk's under
//  way: each entry gets EWOULDBLOCK at once
static void
s_ignore_result (asynrole_manager_t *manager, void *ctx, const asynrole_result_t *result)
{
    (void) manager;
    (void) ctx;
    (void) result;
}

static asynrole_manager_t *
s_crowded_manager (fault_peer_t *peer, int timeout_ms)
{
    asynrole_requests_t requests = { .max_in_flight = 1, .max_queued = 1 };
    asynrole_options_t options = { .requests = &requests, .timeout = timeout_ms };
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", &options);
    //  One in flight (a held answer), one queued: long requests of others
    asynrole_policy_t policy = { .timeout = 60000 };
    asynrole_request_t request = {
        .data = "o", .size = 1, .destination = fp_addr (peer), .policy = &policy
    };
    asynrole_error_t error;
    assert_int_equal (asynrole_manager_request (manager, &request, s_ignore_result, NULL, &error),
                      0);
    assert_true (fp_wait_received (peer, 1, TU_TIMEOUT_MS));
    return manager;
}

static void
test_bulk_queue_full (void **state)
{
    (void) state;
    fp_options_t holding = { .hold = true };
    fault_peer_t *peer = s_peer (&holding);
    asynrole_manager_t *manager = s_crowded_manager (peer, 0);
    asynrole_policy_t policy = { .timeout = 60000 };
    asynrole_request_t request = {
        .data = "o", .size = 1, .destination = fp_addr (peer), .policy = &policy
    };
    asynrole_error_t error;
    assert_int_equal (asynrole_manager_request (manager, &request, s_ignore_result, NULL, &error),
                      0);
    asynrole_bulk_entry_t entries[2];
    memset (entries, 0, sizeof entries);
    for (int i = 0; i < 2; i++)
        entries[i].request = request;
    assert_int_equal (asynrole_manager_bulk (manager, entries, 2, &error), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal (entries[i].error.code, ASYNROLE_EWOULDBLOCK);
    asynrole_bulk_free (entries, 2);
    tu_manager_destroy (&manager);
}

//  Entries stuck behind another caller's long request: given up, each
//  with ETIMEOUT, after their life plus the Manager's timeout
static void
test_bulk_gives_up (void **state)
{
    (void) state;
    fp_options_t holding = { .hold = true };
    fault_peer_t *peer = s_peer (&holding);
    asynrole_manager_t *manager = s_crowded_manager (peer, 200);
    asynrole_policy_t quick = { .timeout = 100 };
    asynrole_bulk_entry_t entries[3];
    memset (entries, 0, sizeof entries);
    for (int i = 0; i < 3; i++)
        entries[i].request = (asynrole_request_t){
            .data = "b", .size = 1, .destination = fp_addr (peer), .policy = &quick
        };
    asynrole_error_t error;
    int64_t start = tu_now ();
    assert_int_equal (asynrole_manager_bulk (manager, entries, 3, &error), 0);
    int64_t took = tu_now () - start;
    assert_true (took >= 300);
    assert_true (took < 5000);
    for (int i = 0; i < 3; i++)
        assert_int_equal (entries[i].error.code, ASYNROLE_ETIMEOUT);
    //  Nothing of the bulk's is left in the engine
    asynrole_requests_stats_t stats;
    assert_int_equal (asynrole_manager_requests_stats (manager, &stats, &error), 0);
    assert_int_equal (stats.in_flight + stats.queued, 1);
    asynrole_bulk_free (entries, 3);
    tu_manager_destroy (&manager);
}

//  Half a bulk under way, then every one of them ends at once (another
//  thread cancels them): the bulk sends the rest at once, rather than wait
//  for results that cannot come
typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    size_t sent;
} sent_count_t;

static void
s_count_sent (asynrole_manager_t *manager, void *ctx, const asynrole_request_info_t *info)
{
    (void) manager;
    sent_count_t *count = (sent_count_t *) ctx;
    if (info->event != ASYNROLE_REQUEST_SENT)
        return;
    pthread_mutex_lock (&count->mutex);
    count->sent++;
    pthread_cond_broadcast (&count->cond);
    pthread_mutex_unlock (&count->mutex);
}

static bool
s_sent_reach (sent_count_t *count, size_t n, int timeout_ms)
{
    return tu_wait_count (&count->mutex, &count->cond, &count->sent, n, timeout_ms);
}

typedef struct {
    asynrole_manager_t *manager;
    asynrole_bulk_entry_t entries[40];
    int rc;
} bulk_run_t;

static void *
s_bulk_thread (void *arg)
{
    bulk_run_t *run = (bulk_run_t *) arg;
    asynrole_error_t error;
    run->rc = asynrole_manager_bulk (run->manager, run->entries, 40, &error);
    return NULL;
}

static void
test_bulk_keeps_going (void **state)
{
    (void) state;
    fp_options_t holding = { .hold = true };
    fault_peer_t *peer = s_peer (&holding);
    sent_count_t count = { .sent = 0 };
    pthread_mutex_init (&count.mutex, NULL);
    tu_cond_init (&count.cond);
    asynrole_requests_t requests = {
        .max_in_flight = 20, .key = s_bytes_key, .hook = s_count_sent, .hook_ctx = &count
    };
    asynrole_options_t options = { .requests = &requests };
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", &options);
    bulk_run_t *run = calloc (1, sizeof *run);
    assert_non_null (run);
    run->manager = manager;
    char data[40][8];
    asynrole_policy_t policy = { .timeout = 30000 };
    for (int i = 0; i < 40; i++) {
        snprintf (data[i], sizeof data[i], "e%02d", i);
        run->entries[i].request = (asynrole_request_t){
            .data = data[i], .size = 3, .destination = fp_addr (peer), .policy = &policy
        };
    }
    pthread_t thread;
    assert_int_equal (pthread_create (&thread, NULL, s_bulk_thread, run), 0);
    asynrole_error_t error;
    assert_true (s_sent_reach (&count, 20, TU_TIMEOUT_MS));
    assert_int_equal (asynrole_manager_cancel_all (manager, &error), 20);
    //  The other twenty go now, not after the bulk's patience (35 s)
    assert_true (s_sent_reach (&count, 40, TU_TIMEOUT_MS));
    assert_int_equal (asynrole_manager_cancel_all (manager, &error), 20);
    pthread_join (thread, NULL);
    assert_int_equal (run->rc, 0);
    for (int i = 0; i < 40; i++)
        assert_int_equal (run->entries[i].error.code, ASYNROLE_ECANCELLED);
    tu_manager_destroy (&manager);
    free (run);
    pthread_mutex_destroy (&count.mutex);
    pthread_cond_destroy (&count.cond);
}

//  A handler still running when _destroy gives up waiting for it (after a
//  step's time, 5 s): the Agent is freed only once the call has left
typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    bool inside;  //  the handler runs
    bool go;      //  the handler may return
} slow_t;

static void
s_slow_handler (void *ctx, const asynrole_datagram_t *request, asynrole_response_t *response)
{
    slow_t *slow = (slow_t *) ctx;
    pthread_mutex_lock (&slow->mutex);
    slow->inside = true;
    pthread_cond_broadcast (&slow->cond);
    pthread_mutex_unlock (&slow->mutex);
    tu_wait_flag (&slow->mutex, &slow->cond, &slow->go, 30000);
    response->data = request->data;
    response->size = request->size;
}

typedef struct {
    asynrole_agent_t *agent;
    slow_t *slow;
    int rc;
    asynrole_error_t error;
} serving_t;

static void *
s_serving (void *arg)
{
    serving_t *serving = (serving_t *) arg;
    serving->rc = asynrole_agent_receive_and_send (serving->agent, 30000, s_slow_handler,
                                                   serving->slow, &serving->error);
    return NULL;
}

static void
test_destroy_outlived_by_call (void **state)
{
    (void) state;
    slow_t slow = { .inside = false };
    pthread_mutex_init (&slow.mutex, NULL);
    tu_cond_init (&slow.cond);
    asynrole_options_t options = { .pipe_mode = true };
    const char *iface = "127.0.0.1:0";
    asynrole_error_t error;
    //  Not registered with the teardown: destroyed below
    asynrole_agent_t *agent = asynrole_agent_new (NULL, NULL, &iface, 1, &options, &error);
    assert_non_null (agent);
    serving_t serving = { .agent = agent, .slow = &slow };
    pthread_t thread;
    assert_int_equal (pthread_create (&thread, NULL, s_serving, &serving), 0);
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", NULL);
    assert_int_equal (
        asynrole_manager_send (manager, "q", 1, asynrole_agent_local (agent, 0), &error), 0);
    assert_true (tu_wait_flag (&slow.mutex, &slow.cond, &slow.inside, TU_TIMEOUT_MS));
    //  Gives up waiting for the handler after a step's time, and returns
    asynrole_agent_destroy (&agent);
    pthread_mutex_lock (&slow.mutex);
    slow.go = true;
    pthread_cond_broadcast (&slow.cond);
    pthread_mutex_unlock (&slow.mutex);
    pthread_join (thread, NULL);
    //  The response could not go: the Agent was closed under it
    assert_int_equal (serving.rc, -1);
    assert_int_equal (serving.error.code, ASYNROLE_ECLOSED);
    tu_manager_destroy (&manager);
    pthread_mutex_destroy (&slow.mutex);
    pthread_cond_destroy (&slow.cond);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_send_and_receive, tu_setup, fp_teardown),
        cmocka_unit_test_setup_teardown (test_send_and_receive_no_response, tu_setup, fp_teardown),
        cmocka_unit_test_setup_teardown (test_send_and_receive_validated, tu_setup, fp_teardown),
        cmocka_unit_test_setup_teardown (test_send_and_receive_threads, tu_setup, fp_teardown),
        cmocka_unit_test_setup_teardown (test_blocking_from_callback, tu_setup, fp_teardown),
        cmocka_unit_test_setup_teardown (test_destroy_ends_blocking, tu_setup, fp_teardown),
        cmocka_unit_test_setup_teardown (test_send_and_receive_bad_arguments, tu_setup,
                                         fp_teardown),
        cmocka_unit_test_setup_teardown (test_receive_and_send, tu_setup, fp_teardown),
        cmocka_unit_test_setup_teardown (test_receive_idle, tu_setup, fp_teardown),
        cmocka_unit_test_setup_teardown (test_receive_error_event, tu_setup, fp_teardown),
        cmocka_unit_test_setup_teardown (test_destroy_ends_receive, tu_setup, fp_teardown),
        cmocka_unit_test_setup_teardown (test_receive_bad_arguments, tu_setup, fp_teardown),
        cmocka_unit_test_setup_teardown (test_bulk, tu_setup, fp_teardown),
        cmocka_unit_test_setup_teardown (test_bulk_queue_full, tu_setup, fp_teardown),
        cmocka_unit_test_setup_teardown (test_bulk_gives_up, tu_setup, fp_teardown),
        cmocka_unit_test_setup_teardown (test_bulk_keeps_going, tu_setup, fp_teardown),
        cmocka_unit_test_setup_teardown (test_destroy_outlived_by_call, tu_setup, fp_teardown),
    };
    return tu_main (tests, argc, argv);
}
