/*  test_hold.c - a pipe-mode Agent's hold (asynrole_agent_hold / _flush):
    the replies a user thread makes while it holds leave only at the flush,
    and as soon as asynrole_event_recv on that thread is about to wait;
    held sends reaching the bound go early; a reply short of credit pushes
    what is held and waits; the errors (callback mode, a second holder,
    another Agent held); a destroy from another thread waits for the hold,
    or gives up and leaves the freeing to the flush; a destroy from the
    holder ends its hold. */
#include "testutil.h"
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const asynrole_options_t s_pipe = { .pipe_mode = true };

//  Nothing reaches fd within this long: what a held reply must not do
#define QUIET_MS 200

//  The client sends text to the Agent; the Agent's event for it
static asynrole_event_t *
s_request (asynrole_agent_t *agent, int fd, const char *text)
{
    const asynrole_addr_t *to = asynrole_agent_local (agent, 0);
    ssize_t size = (ssize_t) strlen (text);
    assert_int_equal (sendto (fd, text, (size_t) size, 0, &to->u.sa, to->len), size);
    asynrole_event_t *event = asynrole_event_recv (asynrole_agent_socket (agent), TU_TIMEOUT_MS);
    assert_non_null (event);
    assert_non_null (asynrole_event_datagram (event));
    return event;
}

//  The next datagram the client gets is text
static void
s_expect (int fd, const char *text)
{
    char buf[64] = "";
    assert_int_equal (tu_recv (fd, buf, sizeof buf - 1, TU_TIMEOUT_MS), (ssize_t) strlen (text));
    assert_string_equal (buf, text);
}

static void
s_reply (asynrole_agent_t *agent, asynrole_event_t *event, const char *text)
{
    asynrole_error_t error;
    assert_int_equal (
        asynrole_agent_reply (agent, asynrole_event_datagram (event), text, strlen (text), &error),
        0);
}

//  -------------------------------------------------------------------------
//  Held until the flush; asynrole_event_recv without a wait keeps holding

static void
test_held_until_flush (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    asynrole_addr_t bound;
    int fd = tu_client ("127.0.0.1", &bound);
    asynrole_event_t *event = s_request (agent, fd, "a");
    asynrole_error_t error;
    assert_int_equal (asynrole_agent_hold (agent, &error), 0);
    assert_int_equal (asynrole_agent_hold (agent, &error), 0);  //  again: nothing changes
    s_reply (agent, event, "one");
    s_reply (agent, event, "two");
    //  Nothing there: no wait, the hold goes on
    assert_null (asynrole_event_recv (asynrole_agent_socket (agent), 0));
    char buf[16];
    assert_int_equal (tu_recv (fd, buf, sizeof buf, QUIET_MS), -1);
    assert_int_equal (asynrole_agent_flush (agent, &error), 0);
    s_expect (fd, "one");
    s_expect (fd, "two");
    //  Without a hold: nothing done
    assert_int_equal (asynrole_agent_flush (agent, &error), 0);
    //  Not held now: a reply goes at once
    s_reply (agent, event, "three");
    s_expect (fd, "three");
    asynrole_event_destroy (&event);
    asynrole_stats_t stats = tu_agent_stats (agent, 0);
    assert_int_equal (stats.tx_datagrams, 3);
    assert_int_equal (stats.tx_failed, 0);
    close (fd);
}

//  -------------------------------------------------------------------------
//  asynrole_event_recv about to wait: what is held goes, the hold ends

typedef struct {
    asynrole_agent_t *agent;
    int hold_rc, flush_rc;
    asynrole_error_t error;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    bool done;
} other_t;

static void
s_other_init (other_t *self, asynrole_agent_t *agent)
{
    memset (self, 0, sizeof *self);
    self->agent = agent;
    self->hold_rc = self->flush_rc = -2;
    pthread_mutex_init (&self->mutex, NULL);
    tu_cond_init (&self->cond);
}

static void
s_other_done (other_t *self)
{
    pthread_mutex_lock (&self->mutex);
    self->done = true;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

//  The test's end: the client's socket closed, other's lock and condition
static void
s_other_end (other_t *self, int fd)
{
    close (fd);
    pthread_cond_destroy (&self->cond);
    pthread_mutex_destroy (&self->mutex);
}

//  Another thread: hold, then flush
static void *
s_other_hold (void *arg)
{
    other_t *self = (other_t *) arg;
    self->hold_rc = asynrole_agent_hold (self->agent, &self->error);
    self->flush_rc = asynrole_agent_flush (self->agent, NULL);
    s_other_done (self);
    return NULL;
}

//  Run fn on another thread and wait for it
static void
s_on_other (other_t *other, void *(*fn) (void *) )
{
    pthread_t thread;
    other->done = false;
    assert_int_equal (pthread_create (&thread, NULL, fn, other), 0);
    assert_true (tu_wait_flag (&other->mutex, &other->cond, &other->done, TU_TIMEOUT_MS));
    pthread_join (thread, NULL);
}

static void
test_recv_wait_ends_hold (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    asynrole_addr_t bound;
    int fd = tu_client ("127.0.0.1", &bound);
    asynrole_event_t *event = s_request (agent, fd, "a");
    assert_int_equal (asynrole_agent_hold (agent, NULL), 0);
    s_reply (agent, event, "held");
    asynrole_event_destroy (&event);
    //  The reader drains its socket, then waits: the reply does not wait
    //  with it
    int64_t start = tu_now ();
    assert_null (asynrole_event_recv (asynrole_agent_socket (agent), 3 * QUIET_MS));
    assert_true (tu_now () - start >= 3 * QUIET_MS - 10);
    s_expect (fd, "held");
    //  The hold ended: another thread may hold now
    other_t other;
    s_other_init (&other, agent);
    s_on_other (&other, s_other_hold);
    assert_int_equal (other.hold_rc, 0);
    assert_int_equal (other.flush_rc, 0);
    s_other_end (&other, fd);
}

//  -------------------------------------------------------------------------
//  Held sends reaching 256 KiB go before the flush

#define BIG_REPLIES 4  //  4 of the largest IPv4 datagram pass 256 KiB

static void
test_bound_flushes_early (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    asynrole_addr_t bound;
    int fd = tu_client ("127.0.0.1", &bound);
    int room = 4 * ASYNROLE_DGRAM_MAX_IPV4;  //  the kernel doubles it, up to its cap
    assert_int_equal (setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &room, sizeof room), 0);
    asynrole_event_t *event = s_request (agent, fd, "?");
    assert_int_equal (asynrole_agent_hold (agent, NULL), 0);
    static uint8_t payload[ASYNROLE_DGRAM_MAX_IPV4 + 1];
    for (int i = 0; i < BIG_REPLIES; i++)
        assert_int_equal (asynrole_agent_reply (agent, asynrole_event_datagram (event), payload,
                                                ASYNROLE_DGRAM_MAX_IPV4, NULL),
                          0);
    //  The first three went when the fourth would have passed the bound
    for (int i = 0; i < BIG_REPLIES - 1; i++)
        assert_int_equal (tu_recv (fd, payload, sizeof payload, TU_TIMEOUT_MS),
                          ASYNROLE_DGRAM_MAX_IPV4);
    assert_int_equal (tu_recv (fd, payload, sizeof payload, QUIET_MS), -1);
    assert_int_equal (asynrole_agent_flush (agent, NULL), 0);
    assert_int_equal (tu_recv (fd, payload, sizeof payload, TU_TIMEOUT_MS),
                      ASYNROLE_DGRAM_MAX_IPV4);
    asynrole_event_destroy (&event);
    close (fd);
}

//  -------------------------------------------------------------------------
//  A reply short of credit: what is held goes, then it waits for room (never
//  for credit it holds itself)

#define FULL_REPLIES 3
#define FULL_SIZE 1200

static void
test_short_credit_flushes_then_waits (void **state)
{
    (void) state;
    asynrole_options_t options = { .pipe_mode = true, .send_queue = 2048, .send_timeout = 3000 };
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &options);
    asynrole_addr_t bound;
    int fd = tu_client ("127.0.0.1", &bound);
    asynrole_event_t *event = s_request (agent, fd, "?");
    uint8_t payload[FULL_SIZE + 1];
    tu_fill (payload, FULL_SIZE, 5);
    int64_t start = tu_now ();
    assert_int_equal (asynrole_agent_hold (agent, NULL), 0);
    //  Each reply after the first finds the queue (2 KiB) full of the one
    //  held before it
    for (int i = 0; i < FULL_REPLIES; i++)
        assert_int_equal (
            asynrole_agent_reply (agent, asynrole_event_datagram (event), payload, FULL_SIZE, NULL),
            0);
    //  Well within one send_timeout: nothing waited for its own credit
    assert_true (tu_now () - start < 3000);
    //  The first two went before the replies after them waited
    for (int i = 0; i < FULL_REPLIES - 1; i++)
        assert_int_equal (tu_recv (fd, payload, sizeof payload, TU_TIMEOUT_MS), FULL_SIZE);
    assert_int_equal (asynrole_agent_flush (agent, NULL), 0);
    assert_int_equal (tu_recv (fd, payload, sizeof payload, TU_TIMEOUT_MS), FULL_SIZE);
    asynrole_event_destroy (&event);
    asynrole_stats_t stats = tu_agent_stats (agent, 0);
    assert_int_equal (stats.tx_datagrams, FULL_REPLIES);
    assert_int_equal (stats.tx_failed, 0);
    close (fd);
}

//  -------------------------------------------------------------------------
//  Who may hold: not a callback Agent, one thread at a time, one Agent per
//  thread; a flush from a thread that does not hold does nothing

//  Another thread's flush: nothing of ours goes
static void *
s_other_flush (void *arg)
{
    other_t *self = (other_t *) arg;
    self->flush_rc = asynrole_agent_flush (self->agent, NULL);
    s_other_done (self);
    return NULL;
}

static void
s_expect_badarg (int rc, const asynrole_error_t *error)
{
    assert_int_equal (rc, -1);
    assert_int_equal (error->code, ASYNROLE_EBADARG);
}

static void
test_hold_errors (void **state)
{
    (void) state;
    asynrole_error_t error;
    s_expect_badarg (asynrole_agent_hold (NULL, &error), &error);
    s_expect_badarg (asynrole_agent_flush (NULL, &error), &error);
    tu_collector_t *collector = tu_collector_new ();
    asynrole_agent_t *callback = tu_agent_new (tu_agent_reply_cb, collector, "127.0.0.1:0", NULL);
    s_expect_badarg (asynrole_agent_hold (callback, &error), &error);
    assert_int_equal (asynrole_agent_flush (callback, &error), 0);
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    asynrole_agent_t *second = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    asynrole_addr_t bound;
    int fd = tu_client ("127.0.0.1", &bound);
    asynrole_event_t *event = s_request (agent, fd, "a");
    assert_int_equal (asynrole_agent_hold (agent, &error), 0);
    s_reply (agent, event, "held");
    //  This thread holds agent: not second too
    s_expect_badarg (asynrole_agent_hold (second, &error), &error);
    other_t other;
    s_other_init (&other, agent);
    s_on_other (&other, s_other_hold);
    s_expect_badarg (other.hold_rc, &other.error);
    assert_int_equal (other.flush_rc, 0);
    s_on_other (&other, s_other_flush);
    assert_int_equal (other.flush_rc, 0);
    char buf[16];
    assert_int_equal (tu_recv (fd, buf, sizeof buf, QUIET_MS), -1);
    assert_int_equal (asynrole_agent_flush (agent, &error), 0);
    s_expect (fd, "held");
    asynrole_event_destroy (&event);
    s_other_end (&other, fd);
}

//  -------------------------------------------------------------------------
//  Destroyed while a hold is open

//  Another thread destroys the Agent
static void *
s_other_destroy (void *arg)
{
    other_t *self = (other_t *) arg;
    asynrole_agent_destroy (&self->agent);
    s_other_done (self);
    return NULL;
}

//  An Agent the test destroys itself (not registered), and a request
static asynrole_agent_t *
s_own_agent (int fd, asynrole_event_t **event)
{
    const char *ifaces[] = { "127.0.0.1:0" };
    asynrole_error_t error;
    asynrole_agent_t *agent = asynrole_agent_new (NULL, NULL, ifaces, 1, &s_pipe, &error);
    assert_non_null (agent);
    *event = s_request (agent, fd, "a");
    assert_int_equal (asynrole_agent_hold (agent, &error), 0);
    s_reply (agent, *event, "held");
    return agent;
}

//  A reply held by our own Agent, which another thread sets out to destroy
typedef struct {
    int fd;
    asynrole_event_t *event;
    asynrole_agent_t *agent;
    other_t other;
    pthread_t thread;
} destroy_t;

static void
s_destroy_start (destroy_t *self)
{
    asynrole_addr_t bound;
    self->fd = tu_client ("127.0.0.1", &bound);
    self->agent = s_own_agent (self->fd, &self->event);
    s_other_init (&self->other, self->agent);
    assert_int_equal (pthread_create (&self->thread, NULL, s_other_destroy, &self->other), 0);
}

//  The destroy waits for the flush; what was held still leaves
static void
test_destroy_waits_for_hold (void **state)
{
    (void) state;
    destroy_t test;
    s_destroy_start (&test);
    other_t *other = &test.other;
    //  Not done while we hold
    assert_false (tu_wait_flag (&other->mutex, &other->cond, &other->done, QUIET_MS));
    asynrole_error_t error;
    int64_t start = tu_now ();
    assert_int_equal (asynrole_agent_flush (test.agent, &error), 0);
    assert_true (tu_wait_flag (&other->mutex, &other->cond, &other->done, TU_TIMEOUT_MS));
    assert_true (tu_now () - start < ASYNROLE_DEFAULT_TIMEOUT / 2);
    pthread_join (test.thread, NULL);
    s_expect (test.fd, "held");
    asynrole_event_destroy (&test.event);
    s_other_end (other, test.fd);
}

//  The destroy gives up after its step (5 s): the flush frees the Agent
static void
test_destroy_gives_up_flush_frees (void **state)
{
    (void) state;
    destroy_t test;
    s_destroy_start (&test);
    other_t *other = &test.other;
    assert_true (
        tu_wait_flag (&other->mutex, &other->cond, &other->done, 2 * ASYNROLE_DEFAULT_TIMEOUT));
    pthread_join (test.thread, NULL);
    //  Its sockets are closed: nothing leaves; the flush is the last call
    asynrole_error_t error;
    assert_int_equal (
        asynrole_agent_reply (test.agent, asynrole_event_datagram (test.event), "late", 4, &error),
        -1);
    assert_int_equal (error.code, ASYNROLE_ECLOSED);
    asynrole_event_destroy (&test.event);
    assert_int_equal (asynrole_agent_flush (test.agent, &error), 0);
    char buf[16];
    assert_int_equal (tu_recv (test.fd, buf, sizeof buf, QUIET_MS), -1);
    s_other_end (other, test.fd);
}

//  Destroyed by the holder: its hold ends first, no wait, the reply leaves
static void
test_destroy_by_holder (void **state)
{
    (void) state;
    asynrole_addr_t bound;
    int fd = tu_client ("127.0.0.1", &bound);
    asynrole_event_t *event;
    asynrole_agent_t *agent = s_own_agent (fd, &event);
    asynrole_event_destroy (&event);
    int64_t start = tu_now ();
    asynrole_agent_destroy (&agent);
    assert_true (tu_now () - start < ASYNROLE_DEFAULT_TIMEOUT / 2);
    s_expect (fd, "held");
    close (fd);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown (test_held_until_flush, tu_teardown),
        cmocka_unit_test_teardown (test_recv_wait_ends_hold, tu_teardown),
        cmocka_unit_test_teardown (test_bound_flushes_early, tu_teardown),
        cmocka_unit_test_teardown (test_short_credit_flushes_then_waits, tu_teardown),
        cmocka_unit_test_teardown (test_hold_errors, tu_teardown),
        cmocka_unit_test_teardown (test_destroy_waits_for_hold, tu_teardown),
        cmocka_unit_test_teardown (test_destroy_gives_up_flush_frees, tu_teardown),
        cmocka_unit_test_teardown (test_destroy_by_holder, tu_teardown),
    };
    return tu_main (tests, argc, argv);
}
