/*  test_errors.c - every way a call can fail, and errors that come later

    Bad arguments to the constructors and to send; ICMP port unreachable as
    an error event (connected and not, IPv4 and IPv6) after which the
    Manager still works; a port in use (all interfaces bound or none);
    unknown commands on the actor pipes.
*/
#define _GNU_SOURCE
#include "testutil.h"
#include <signal.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

//  -------------------------------------------------------------------------
//  Constructors

static void
s_expect_manager_badarg (asynrole_manager_fn *callback, const char *destination, const char *iface,
                         const asynrole_options_t *options)
{
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    asynrole_manager_t *manager =
        asynrole_manager_new (callback, NULL, destination, iface, options, &error);
    if (manager) {
        asynrole_manager_destroy (&manager);
        fail_msg ("asynrole_manager_new (%s, %s) should fail", destination ? destination : "NULL",
                  iface ? iface : "NULL");
    }
    if (error.code != ASYNROLE_EBADARG)
        fail_msg ("asynrole_manager_new (%s, %s): code %d (%s), expected EBADARG",
                  destination ? destination : "NULL", iface ? iface : "NULL", error.code,
                  error.detail);
    assert_true (strlen (error.detail) > 0);
    //  The error pointer is optional
    manager = asynrole_manager_new (callback, NULL, destination, iface, options, NULL);
    assert_null (manager);
}

static void
s_expect_agent_badarg (asynrole_agent_fn *callback, const char *const *ifaces, size_t count,
                       const asynrole_options_t *options)
{
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    asynrole_agent_t *agent = asynrole_agent_new (callback, NULL, ifaces, count, options, &error);
    if (agent) {
        asynrole_agent_destroy (&agent);
        fail_msg ("asynrole_agent_new (%s, ...) should fail", count ? ifaces[0] : "-");
    }
    if (error.code != ASYNROLE_EBADARG)
        fail_msg ("asynrole_agent_new (%s, ...): code %d (%s), expected EBADARG",
                  count && ifaces[0] ? ifaces[0] : "-", error.code, error.detail);
    assert_true (strlen (error.detail) > 0);
    agent = asynrole_agent_new (callback, NULL, ifaces, count, options, NULL);
    assert_null (agent);
}

static void
test_manager_new_bad_arguments (void **state)
{
    (void) state;
    const char *bad[] = { "",     "127.0.0.1",   "127.0.0.1:65536", "::1:161",
                          "[::1", "[zz::1]:161", "300.1.1.1:161",   "a b:1" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_expect_manager_badarg (tu_manager_collect_cb, bad[i], NULL, NULL);
        s_expect_manager_badarg (tu_manager_collect_cb, NULL, bad[i], NULL);
    }
    //  Pipe mode takes no callback
    asynrole_options_t pipe = { .pipe_mode = true };
    s_expect_manager_badarg (tu_manager_collect_cb, NULL, NULL, &pipe);
    s_expect_manager_badarg (tu_manager_collect_cb, NULL, "127.0.0.1:0", &pipe);

    //  An IPv6 interface cannot reach an IPv4 default destination
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    asynrole_manager_t *manager =
        asynrole_manager_new (NULL, NULL, "127.0.0.1:161", "[::1]:0", NULL, &error);
    assert_null (manager);
    assert_int_not_equal (error.code, ASYNROLE_OK);
}

static void
test_agent_new_bad_arguments (void **state)
{
    (void) state;
    const char *bad[] = { "", "127.0.0.1", "127.0.0.1:1x", "[::1]161", "300.1.1.1:161", "a b:1" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *one[] = { bad[i] };
        s_expect_agent_badarg (tu_agent_collect_cb, one, 1, NULL);
        //  A bad one after good ones: nothing is bound
        const char *three[] = { "127.0.0.1:0", "[::1]:0", bad[i] };
        s_expect_agent_badarg (tu_agent_collect_cb, three, 3, NULL);
    }
    const char *null_entry[] = { "127.0.0.1:0", NULL };
    s_expect_agent_badarg (tu_agent_collect_cb, null_entry, 2, NULL);

    //  Callback mode needs a callback; pipe mode takes none
    const char *good[] = { "127.0.0.1:0" };
    s_expect_agent_badarg (NULL, good, 1, NULL);
    asynrole_options_t pipe = { .pipe_mode = true };
    s_expect_agent_badarg (tu_agent_collect_cb, good, 1, &pipe);
}

static void
test_manager_wrong_family (void **state)
{
    (void) state;
    //  No iface, no destination: an IPv4 socket, which cannot send to IPv6
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, NULL, NULL);
    assert_int_equal (asynrole_addr_family (asynrole_manager_local (manager)), AF_INET);
    asynrole_addr_t v6 = tu_addr ("[::1]:161");
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    assert_int_equal (asynrole_manager_send (manager, "x", 1, &v6, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_true (strlen (error.detail) > 0);
    //  And the other way round
    asynrole_manager_t *six = tu_manager_new (NULL, NULL, NULL, "[::1]:0", NULL);
    asynrole_addr_t v4 = tu_addr ("127.0.0.1:161");
    memset (&error, 0, sizeof error);
    assert_int_equal (asynrole_manager_send (six, "x", 1, &v4, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    //  Nothing was handed to the kernel
    asynrole_stats_t stats;
    assert_int_equal (asynrole_manager_stats (manager, &stats, NULL), 0);
    assert_int_equal (stats.tx_datagrams + stats.tx_failed, 0);
    assert_int_equal (asynrole_manager_stats (six, &stats, NULL), 0);
    assert_int_equal (stats.tx_datagrams + stats.tx_failed, 0);
    tu_manager_destroy (&manager);
    tu_manager_destroy (&six);
}

//  -------------------------------------------------------------------------
//  ICMP port unreachable

//  Check one error event is ECONNREFUSED from the network
static void
s_expect_refused (const tu_event_t *event, const asynrole_addr_t *closed, bool exact)
{
    assert_non_null (event);
    assert_true (event->is_error);
    const asynrole_error_t *error = &event->error;
    if (error->code != ASYNROLE_ENETWORK || error->sys_errno != ECONNREFUSED)
        fail_msg ("expected a network error ECONNREFUSED, got code %d errno %d (%s)", error->code,
                  error->sys_errno, error->detail);
    assert_true (asynrole_error_is_network (error));
    assert_true (strlen (error->detail) > 0);
    if (exact) {
        char a[ASYNROLE_ADDR_STRLEN], b[ASYNROLE_ADDR_STRLEN];
        assert_int_equal (error->op, ASYNROLE_OP_ICMP);
        if (!asynrole_addr_equal (&error->address, closed))
            fail_msg ("ICMP error names %s, the datagram went to %s", TU_FMT (&error->address, a),
                      TU_FMT (closed, b));
    }
}

static void
s_icmp_unconnected (int family)
{
    const char *iface = family == AF_INET6 ? "[::1]:0" : "127.0.0.1:0";
    tu_collector_t *agent_events = tu_collector_new ();
    tu_collector_t *manager_events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_echo_cb, agent_events, iface, NULL);
    asynrole_manager_t *manager =
        tu_manager_new (tu_manager_collect_cb, manager_events, NULL, iface, NULL);
    asynrole_addr_t closed = tu_closed_port (family);

    asynrole_error_t error;
    assert_int_equal (asynrole_manager_send (manager, "ping", 4, &closed, &error), 0);
    assert_true (tu_collector_wait_errors (manager_events, 1, TU_TIMEOUT_MS));
    s_expect_refused (tu_collector_error (manager_events, 0), &closed, true);

    //  The Manager still works: a round trip to a live agent
    assert_int_equal (
        asynrole_manager_send (manager, "live", 4, asynrole_agent_local (agent, 0), &error), 0);
    assert_true (tu_collector_wait_datagrams (manager_events, 1, TU_TIMEOUT_MS));
    const tu_event_t *reply = tu_collector_datagram (manager_events, 0);
    assert_true (asynrole_addr_equal (&reply->peer, asynrole_agent_local (agent, 0)));
    assert_memory_equal (reply->data, "live", 4);

    //  And another ICMP error is reported the same way
    size_t errors = tu_collector_errors (manager_events);
    assert_int_equal (asynrole_manager_send (manager, "ping", 4, &closed, &error), 0);
    assert_true (tu_collector_wait_errors (manager_events, errors + 1, TU_TIMEOUT_MS));
    s_expect_refused (tu_collector_error (manager_events, errors), &closed, true);

    asynrole_stats_t stats;
    assert_int_equal (asynrole_manager_stats (manager, &stats, NULL), 0);
    assert_int_equal (stats.tx_datagrams, 3);
    assert_int_equal (stats.rx_datagrams, 1);
    assert_true (stats.errors >= 2);
    assert_int_equal (stats.errors, tu_collector_errors (manager_events));
    tu_manager_destroy (&manager);
    tu_agent_destroy (&agent);
}

static void
test_icmp_unconnected_ipv4 (void **state)
{
    (void) state;
    s_icmp_unconnected (AF_INET);
}

static void
test_icmp_unconnected_ipv6 (void **state)
{
    (void) state;
    s_icmp_unconnected (AF_INET6);
}

static void
s_icmp_connected (int family)
{
    tu_collector_t *manager_events = tu_collector_new ();
    asynrole_addr_t closed = tu_closed_port (family);
    char closed_text[ASYNROLE_ADDR_STRLEN];
    TU_FMT (&closed, closed_text);
    asynrole_manager_t *manager =
        tu_manager_new (tu_manager_collect_cb, manager_events, closed_text, NULL, NULL);

    asynrole_error_t error;
    assert_int_equal (asynrole_manager_send (manager, "ping", 4, NULL, &error), 0);
    assert_true (tu_collector_wait_errors (manager_events, 1, TU_TIMEOUT_MS));
    s_expect_refused (tu_collector_error (manager_events, 0), &closed, false);

    //  Still serving: the next datagram is sent and refused in turn
    size_t errors = tu_collector_errors (manager_events);
    assert_int_equal (asynrole_manager_send (manager, "ping", 4, NULL, &error), 0);
    assert_true (tu_collector_wait_errors (manager_events, errors + 1, TU_TIMEOUT_MS));
    for (size_t i = 0; i < tu_collector_errors (manager_events); i++)
        s_expect_refused (tu_collector_error (manager_events, i), &closed, false);
    assert_int_equal (tu_collector_datagrams (manager_events), 0);

    //  Every send is accounted for: sent, or refused and reported
    asynrole_stats_t stats;
    assert_int_equal (asynrole_manager_stats (manager, &stats, NULL), 0);
    assert_int_equal (stats.tx_datagrams + stats.tx_failed, 2);
    assert_true (stats.errors >= 1);
    tu_manager_destroy (&manager);
}

static void
test_icmp_connected_ipv4 (void **state)
{
    (void) state;
    s_icmp_connected (AF_INET);
}

static void
test_icmp_connected_ipv6 (void **state)
{
    (void) state;
    s_icmp_connected (AF_INET6);
}

//  -------------------------------------------------------------------------
//  Port in use

static void
s_expect_in_use (const asynrole_error_t *error, const asynrole_addr_t *held)
{
    char text[ASYNROLE_ADDR_STRLEN];
    TU_FMT (held, text);
    if (error->code != ASYNROLE_ENETWORK || error->op != ASYNROLE_OP_BIND
        || error->sys_errno != EADDRINUSE)
        fail_msg ("expected bind EADDRINUSE for %s, got code %d op %d errno %d (%s)", text,
                  error->code, error->op, error->sys_errno, error->detail);
    if (!strstr (error->detail, text))
        fail_msg ("detail '%s' does not name %s", error->detail, text);
    assert_true (asynrole_addr_equal (&error->address, held));
    assert_true (asynrole_error_is_network (error));
}

static void
s_port_in_use (const char *ip)
{
    asynrole_addr_t held;
    int fd = tu_hold_port (ip, &held);
    char text[ASYNROLE_ADDR_STRLEN];
    TU_FMT (&held, text);

    const char *ifaces[] = { text };
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    asynrole_agent_t *agent =
        asynrole_agent_new (tu_agent_collect_cb, NULL, ifaces, 1, NULL, &error);
    if (agent)
        asynrole_agent_destroy (&agent);
    assert_null (agent);
    s_expect_in_use (&error, &held);

    //  A Manager's interface likewise
    memset (&error, 0, sizeof error);
    asynrole_manager_t *manager = asynrole_manager_new (NULL, NULL, NULL, text, NULL, &error);
    if (manager)
        asynrole_manager_destroy (&manager);
    assert_null (manager);
    s_expect_in_use (&error, &held);

    //  Once let go, the port serves
    tu_release_port (fd);
    tu_collector_t *events = tu_collector_new ();
    agent = tu_agent_new (tu_agent_collect_cb, events, text, NULL);
    assert_true (asynrole_addr_equal (asynrole_agent_local (agent, 0), &held));
    tu_agent_destroy (&agent);
}

static void
test_port_in_use_ipv4 (void **state)
{
    (void) state;
    s_port_in_use ("127.0.0.1");
}

static void
test_port_in_use_ipv6 (void **state)
{
    (void) state;
    s_port_in_use ("::1");
}

static void
test_all_or_none (void **state)
{
    (void) state;
    //  Two free ports for the good interfaces, one held for the bad one
    asynrole_addr_t first = tu_closed_port (AF_INET);
    asynrole_addr_t second = tu_closed_port (AF_INET6);
    asynrole_addr_t held;
    tu_hold_port ("127.0.0.2", &held);
    char first_text[ASYNROLE_ADDR_STRLEN], second_text[ASYNROLE_ADDR_STRLEN],
        held_text[ASYNROLE_ADDR_STRLEN];
    TU_FMT (&first, first_text);
    TU_FMT (&second, second_text);
    TU_FMT (&held, held_text);

    const char *two[] = { first_text, held_text };
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    asynrole_agent_t *agent = asynrole_agent_new (tu_agent_collect_cb, NULL, two, 2, NULL, &error);
    if (agent)
        asynrole_agent_destroy (&agent);
    assert_null (agent);
    s_expect_in_use (&error, &held);
    //  The first interface was let go again
    assert_true (tu_can_bind (&first));

    const char *three[] = { first_text, second_text, held_text };
    memset (&error, 0, sizeof error);
    agent = asynrole_agent_new (tu_agent_collect_cb, NULL, three, 3, NULL, &error);
    if (agent)
        asynrole_agent_destroy (&agent);
    assert_null (agent);
    s_expect_in_use (&error, &held);
    assert_true (tu_can_bind (&first));
    assert_true (tu_can_bind (&second));
}

//  -------------------------------------------------------------------------
//  Unknown commands on the actor pipes

static void
s_expect_unknown (void *actor, const char *command)
{
    assert_int_equal (zsock_send (actor, "s", command), 0);
    char *text = NULL;
    int code = tu_raw_answer (actor, &text);
    if (code != ASYNROLE_EBADARG) {
        zstr_free (&text);
        fail_msg ("command '%s': code %d, expected EBADARG", command, code);
    }
    assert_non_null (text);
    bool has_text = strlen (text) > 0;
    zstr_free (&text);
    assert_true (has_text);
}

static void
test_unknown_commands (void **state)
{
    (void) state;
    asynrole_io_t *io = tu_io_new ();
    tu_collector_t *agent_events = tu_collector_new ();
    tu_collector_t *manager_events = tu_collector_new ();
    asynrole_options_t options = { .io = io };
    asynrole_agent_t *agent =
        tu_agent_new (tu_agent_echo_cb, agent_events, "127.0.0.1:0", &options);
    asynrole_manager_t *manager =
        tu_manager_new (tu_manager_collect_cb, manager_events, NULL, "127.0.0.1:0", &options);

    void *actors[] = { asynrole_io_actor (io), asynrole_manager_actor (manager),
                       asynrole_agent_actor (agent) };
    for (size_t i = 0; i < 3; i++) {
        assert_non_null (actors[i]);
        s_expect_unknown (actors[i], "BOGUS");
        s_expect_unknown (actors[i], "stats");  //  commands are case-sensitive
        s_expect_unknown (actors[i], "");
    }
    //  SEND without its frames is a bad argument too
    assert_int_equal (zsock_send (asynrole_manager_actor (manager), "s", "SEND"), 0);
    assert_int_equal (tu_raw_answer (asynrole_manager_actor (manager), NULL), ASYNROLE_EBADARG);
    assert_int_equal (zsock_send (asynrole_agent_actor (agent), "s", "SEND"), 0);
    assert_int_equal (tu_raw_answer (asynrole_agent_actor (agent), NULL), ASYNROLE_EBADARG);

    //  Every actor still serves: STATS on each pipe ...
    asynrole_stats_t stats[4];
    assert_int_equal (tu_raw_stats (asynrole_io_actor (io), stats, 4), 2);
    assert_int_equal (tu_raw_stats (asynrole_manager_actor (manager), stats, 4), 1);
    assert_int_equal (tu_raw_stats (asynrole_agent_actor (agent), stats, 4), 1);
    //  ... and a round trip
    asynrole_error_t error;
    assert_int_equal (
        asynrole_manager_send (manager, "after", 5, asynrole_agent_local (agent, 0), &error), 0);
    assert_true (tu_collector_wait_datagrams (manager_events, 1, TU_TIMEOUT_MS));
    assert_memory_equal (tu_collector_datagram (manager_events, 0)->data, "after", 5);
    assert_int_equal (tu_collector_errors (agent_events), 0);
    assert_int_equal (tu_collector_errors (manager_events), 0);

    tu_agent_destroy (&agent);
    tu_manager_destroy (&manager);
    tu_io_destroy (&io);
}

//  A send the kernel refuses becomes an error event naming the destination,
//  counted in tx_failed, and the sends around it still go out. IPv6 sockets
//  are V6ONLY, so the kernel refuses a v4-mapped destination (ENETUNREACH)
//  before anything leaves the host.
static void
test_send_refused_by_kernel (void **state)
{
    (void) state;
    tu_collector_t *agent_events = tu_collector_new ();
    tu_collector_t *events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_collect_cb, agent_events, "[::1]:0", NULL);
    asynrole_manager_t *manager =
        tu_manager_new (tu_manager_collect_cb, events, NULL, "[::1]:0", NULL);
    asynrole_addr_t mapped = tu_addr ("[::ffff:127.0.0.1]:9");
    const asynrole_addr_t *good = asynrole_agent_local (agent, 0);
    asynrole_error_t error;
    //  good, refused, good: the refused one must not hold up the others
    assert_int_equal (asynrole_manager_send (manager, "a", 1, good, &error), 0);
    assert_int_equal (asynrole_manager_send (manager, "b", 1, &mapped, &error), 0);
    assert_int_equal (asynrole_manager_send (manager, "c", 1, good, &error), 0);

    assert_true (tu_collector_wait_errors (events, 1, TU_TIMEOUT_MS));
    const tu_event_t *refused = tu_collector_error (events, 0);
    assert_int_equal (refused->error.code, ASYNROLE_ENETWORK);
    assert_int_equal (refused->error.op, ASYNROLE_OP_SEND);
    assert_int_equal (refused->error.sys_errno, ENETUNREACH);
    assert_true (asynrole_addr_equal (&refused->error.address, &mapped));
    assert_non_null (strstr (refused->error.detail, "[::ffff:127.0.0.1]:9"));

    assert_true (tu_collector_wait_datagrams (agent_events, 2, TU_TIMEOUT_MS));
    assert_memory_equal (tu_collector_datagram (agent_events, 0)->data, "a", 1);
    assert_memory_equal (tu_collector_datagram (agent_events, 1)->data, "c", 1);

    asynrole_stats_t stats;
    assert_int_equal (asynrole_manager_stats (manager, &stats, NULL), 0);
    assert_int_equal (stats.tx_datagrams, 2);
    assert_int_equal (stats.tx_failed, 1);
    assert_int_equal (stats.errors, 1);
    assert_int_equal (tu_collector_errors (events), 1);
}

//  A raw $TERM on a shared I/O actor is refused with a typed answer, before
//  any role exists (roles may still come) and while roles use it; only
//  asynrole_io_destroy ends it, and everything keeps working
static void
s_refuse_term (asynrole_io_t *io)
{
    void *actor = asynrole_io_actor (io);
    assert_int_equal (zsock_send (actor, "s", "$TERM"), 0);
    int code = -1;
    char *text = NULL;
    assert_int_equal (zsock_recv (actor, "is", &code, &text), 0);
    assert_int_equal (code, ASYNROLE_EBADARG);
    bool names_destroy = text && strstr (text, "asynrole_io_destroy");
    zstr_free (&text);
    assert_true (names_destroy);
}

static void
test_io_term_refused (void **state)
{
    (void) state;
    asynrole_io_t *io = tu_io_new ();
    s_refuse_term (io);
    asynrole_options_t options = { .io = io };
    tu_collector_t *requests = tu_collector_new ();
    tu_collector_t *events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_echo_cb, requests, "127.0.0.1:0", &options);
    asynrole_manager_t *manager =
        tu_manager_new (tu_manager_collect_cb, events, NULL, "127.0.0.1:0", &options);
    s_refuse_term (io);

    asynrole_error_t error;
    assert_int_equal (
        asynrole_manager_send (manager, "ok", 2, asynrole_agent_local (agent, 0), &error), 0);
    assert_true (tu_collector_wait_datagrams (events, 1, TU_TIMEOUT_MS));
    assert_int_equal (asynrole_io_stats (io, NULL, 0, NULL), 2);
}

//  A log line (verbose, dump, an error with no callback to take it) leaves
//  the program's signals alone: CZMQ's zsys logging would install handlers
//  for SIGINT and SIGTERM, taking Ctrl-C away from the program
static void
test_logs_leave_signals (void **state)
{
    (void) state;
    struct sigaction before_int, before_term, after;
    assert_int_equal (sigaction (SIGINT, NULL, &before_int), 0);
    assert_int_equal (sigaction (SIGTERM, NULL, &before_term), 0);
    asynrole_options_t options = { .verbose = true, .dump = true };
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", &options);
    asynrole_addr_t closed = tu_closed_port (AF_INET);
    asynrole_error_t error;
    assert_int_equal (asynrole_manager_send (manager, "x", 1, &closed, &error), 0);
    //  The ICMP error comes back and, with no callback, is logged; the
    //  stats request follows the send, and a second one the error's report
    tu_manager_stats (manager);
    assert_int_equal (zsock_send (asynrole_manager_actor (manager), "s", "NO SUCH"), 0);
    assert_int_equal (tu_raw_answer (asynrole_manager_actor (manager), NULL), ASYNROLE_EBADARG);
    tu_manager_destroy (&manager);
    assert_int_equal (sigaction (SIGINT, NULL, &after), 0);
    assert_ptr_equal ((void *) after.sa_handler, (void *) before_int.sa_handler);
    assert_int_equal (sigaction (SIGTERM, NULL, &after), 0);
    assert_ptr_equal ((void *) after.sa_handler, (void *) before_term.sa_handler);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown (test_manager_new_bad_arguments, tu_teardown),
        cmocka_unit_test_teardown (test_agent_new_bad_arguments, tu_teardown),
        cmocka_unit_test_teardown (test_manager_wrong_family, tu_teardown),
        cmocka_unit_test_teardown (test_icmp_unconnected_ipv4, tu_teardown),
        cmocka_unit_test_teardown (test_icmp_unconnected_ipv6, tu_teardown),
        cmocka_unit_test_teardown (test_icmp_connected_ipv4, tu_teardown),
        cmocka_unit_test_teardown (test_icmp_connected_ipv6, tu_teardown),
        cmocka_unit_test_teardown (test_port_in_use_ipv4, tu_teardown),
        cmocka_unit_test_teardown (test_port_in_use_ipv6, tu_teardown),
        cmocka_unit_test_teardown (test_all_or_none, tu_teardown),
        cmocka_unit_test_teardown (test_unknown_commands, tu_teardown),
        cmocka_unit_test_teardown (test_send_refused_by_kernel, tu_teardown),
        cmocka_unit_test_teardown (test_io_term_refused, tu_teardown),
        cmocka_unit_test_teardown (test_logs_leave_signals, tu_teardown),
    };
    return tu_main (tests, argc, argv);
}
