/*  test_roundtrip.c - Manager <-> Agent in callback mode over loopback

    Round trips over IPv4 and IPv6, payload sizes, truncation, the default
    destination, callbacks replaced per send, datagrams with no callback,
    an Agent on several interfaces (replies leave where requests came in),
    concurrent senders, verbose and dump.
*/
#define _GNU_SOURCE
#include "testutil.h"
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

//  -------------------------------------------------------------------------
//  Plain round trip: the Agent echoes; check what each side sees

static void
s_round_trip (const char *agent_iface, const char *manager_iface, bool with_destination)
{
    tu_collector_t *agent_events = tu_collector_new ();
    tu_collector_t *manager_events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_echo_cb, agent_events, agent_iface, NULL);
    assert_int_equal (asynrole_agent_count (agent), 1);
    const asynrole_addr_t *agent_addr = asynrole_agent_local (agent, 0);
    assert_non_null (agent_addr);
    asynrole_addr_t iface = tu_addr (agent_iface);
    assert_true (tu_same_ip (agent_addr, &iface));
    assert_int_not_equal (asynrole_addr_port (agent_addr), 0);
    //  Callback mode has no data socket
    assert_null (asynrole_agent_socket (agent));

    char agent_text[ASYNROLE_ADDR_STRLEN];
    tu_agent_text (agent, 0, agent_text, sizeof agent_text);
    asynrole_manager_t *manager =
        tu_manager_new (tu_manager_collect_cb, manager_events, with_destination ? agent_text : NULL,
                        manager_iface, NULL);
    assert_null (asynrole_manager_socket (manager));
    assert_non_null (asynrole_manager_actor (manager));
    const asynrole_addr_t *manager_addr = asynrole_manager_local (manager);
    assert_non_null (manager_addr);
    assert_int_equal (asynrole_addr_family (manager_addr), asynrole_addr_family (agent_addr));
    assert_int_not_equal (asynrole_addr_port (manager_addr), 0);

    const char request[] = "get-request 1.3.6.1.2.1.1.1.0";
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    int rc = asynrole_manager_send (manager, request, sizeof request,
                                    with_destination ? NULL : agent_addr, &error);
    assert_int_equal (rc, 0);

    assert_true (tu_collector_wait_datagrams (agent_events, 1, TU_TIMEOUT_MS));
    assert_true (tu_collector_wait_datagrams (manager_events, 1, TU_TIMEOUT_MS));

    //  The Agent saw the Manager as peer, and itself as local (PKTINFO)
    const tu_event_t *in = tu_collector_datagram (agent_events, 0);
    assert_int_equal (in->size, sizeof request);
    assert_int_equal (in->original_size, sizeof request);
    assert_memory_equal (in->data, request, sizeof request);
    assert_int_equal (in->flags, 0);
    assert_int_equal (in->peer.via, 1);
    assert_int_equal (asynrole_addr_port (&in->peer), asynrole_addr_port (manager_addr));
    if (manager_iface) {
        char a[ASYNROLE_ADDR_STRLEN], b[ASYNROLE_ADDR_STRLEN];
        if (!asynrole_addr_equal (&in->peer, manager_addr))
            fail_msg ("agent saw peer %s, manager is bound to %s", TU_FMT (&in->peer, a),
                      TU_FMT (manager_addr, b));
    }
    else
        //  Bound to the any-address (or connected): the peer is loopback
        assert_true (tu_same_ip (&in->peer, &iface));
    assert_int_not_equal (in->local.len, 0);
    assert_true (tu_same_ip (&in->local, agent_addr));
    assert_int_not_equal (in->ifindex, 0);
    assert_int_equal (in->echo_rc, 0);

    //  The Manager saw the reply come from the Agent's address
    const tu_event_t *out = tu_collector_datagram (manager_events, 0);
    assert_int_equal (out->size, sizeof request);
    assert_int_equal (out->original_size, sizeof request);
    assert_memory_equal (out->data, request, sizeof request);
    assert_int_equal (out->flags, 0);
    assert_true (asynrole_addr_equal (&out->peer, agent_addr));
    assert_int_equal (out->peer.via, 1);
    assert_true (tu_same_ip (&out->local, &iface));
    assert_int_not_equal (out->ifindex, 0);

    //  Nothing else happened
    assert_int_equal (tu_collector_count (agent_events), 1);
    assert_int_equal (tu_collector_count (manager_events), 1);
    assert_int_equal (tu_collector_errors (manager_events), 0);

    tu_manager_destroy (&manager);
    assert_null (manager);
    tu_agent_destroy (&agent);
    assert_null (agent);
    tu_collector_destroy (&agent_events);
    tu_collector_destroy (&manager_events);
}

static void
test_round_trip_ipv4 (void **state)
{
    (void) state;
    s_round_trip ("127.0.0.1:0", "127.0.0.1:0", false);
}

static void
test_round_trip_ipv6 (void **state)
{
    (void) state;
    s_round_trip ("[::1]:0", "[::1]:0", false);
}

static void
test_round_trip_any_iface (void **state)
{
    (void) state;
    //  No iface: an IPv4 any-address socket
    s_round_trip ("127.0.0.1:0", NULL, false);
}

static void
test_round_trip_default_destination (void **state)
{
    (void) state;
    //  No iface: any address of the destination's family, here IPv6
    s_round_trip ("127.0.0.1:0", NULL, true);
    s_round_trip ("[::1]:0", NULL, true);
}

//  -------------------------------------------------------------------------
//  Sizes 0, 1 and the largest the family carries (65,507 over IPv4, 65,527
//  over IPv6), byte for byte, there and back

static void
s_sizes (const char *agent_iface, const char *manager_iface, size_t max)
{
    const size_t sizes[] = { 0, 1, max };
    const size_t nsizes = sizeof sizes / sizeof sizes[0];
    tu_collector_t *agent_events = tu_collector_new ();
    tu_collector_t *manager_events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_echo_cb, agent_events, agent_iface, NULL);
    asynrole_manager_t *manager =
        tu_manager_new (tu_manager_collect_cb, manager_events, NULL, manager_iface, NULL);
    //  Static: nothing to leak when an assertion cuts the test short
    static uint8_t payload[ASYNROLE_DGRAM_MAX];

    for (size_t i = 0; i < nsizes; i++) {
        tu_fill (payload, sizes[i], (unsigned) i + 1);
        asynrole_error_t error;
        int rc = asynrole_manager_send (manager, payload, sizes[i], asynrole_agent_local (agent, 0),
                                        &error);
        if (rc)
            fail_msg ("send %zu bytes: %s", sizes[i], error.detail);
        //  One at a time, so the replies come back in order
        assert_true (tu_collector_wait_datagrams (manager_events, i + 1, TU_TIMEOUT_MS));
        const tu_event_t *in = tu_collector_datagram (agent_events, i);
        const tu_event_t *out = tu_collector_datagram (manager_events, i);
        assert_non_null (in);
        assert_int_equal (in->size, sizes[i]);
        assert_int_equal (in->original_size, sizes[i]);
        assert_int_equal (in->flags, 0);
        assert_int_equal (in->echo_rc, 0);
        assert_int_equal (out->size, sizes[i]);
        assert_int_equal (out->original_size, sizes[i]);
        assert_int_equal (out->flags, 0);
        if (sizes[i]) {
            assert_memory_equal (in->data, payload, sizes[i]);
            assert_memory_equal (out->data, payload, sizes[i]);
        }
    }
    //  The byte counters agree
    asynrole_stats_t stats;
    assert_int_equal (asynrole_manager_stats (manager, &stats, NULL), 0);
    assert_int_equal (stats.tx_datagrams, nsizes);
    assert_int_equal (stats.tx_bytes, 1 + max);
    assert_int_equal (stats.rx_datagrams, nsizes);
    assert_int_equal (stats.rx_bytes, 1 + max);
    assert_int_equal (stats.truncated, 0);

    tu_manager_destroy (&manager);
    tu_agent_destroy (&agent);
}

static void
test_sizes_ipv4 (void **state)
{
    (void) state;
    s_sizes ("127.0.0.1:0", "127.0.0.1:0", ASYNROLE_DGRAM_MAX_IPV4);
}

static void
test_sizes_ipv6 (void **state)
{
    (void) state;
    s_sizes ("[::1]:0", "[::1]:0", ASYNROLE_DGRAM_MAX_IPV6);
}

//  One byte past the family's largest datagram is refused, both ways
static void
s_too_big (const char *iface, size_t max)
{
    tu_collector_t *agent_events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_echo_cb, agent_events, iface, NULL);
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, iface, NULL);
    static uint8_t payload[ASYNROLE_DGRAM_MAX_IPV6 + 1];
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    assert_int_equal (
        asynrole_manager_send (manager, payload, max + 1, asynrole_agent_local (agent, 0), &error),
        -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_non_null (strstr (error.detail, "more than a datagram holds"));
    memset (&error, 0, sizeof error);
    assert_int_equal (
        asynrole_agent_send (agent, payload, max + 1, asynrole_manager_local (manager), &error),
        -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    //  No data for a non-empty datagram
    memset (&error, 0, sizeof error);
    assert_int_equal (
        asynrole_manager_send (manager, NULL, 10, asynrole_agent_local (agent, 0), &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);

    //  Nothing left either side
    asynrole_stats_t stats;
    assert_int_equal (asynrole_manager_stats (manager, &stats, NULL), 0);
    assert_int_equal (stats.tx_datagrams, 0);
    assert_int_equal (stats.tx_failed, 0);
    assert_int_equal (asynrole_agent_stats (agent, &stats, 1, NULL), 1);
    assert_int_equal (stats.tx_datagrams, 0);
    assert_int_equal (stats.tx_failed, 0);
    tu_manager_destroy (&manager);
    tu_agent_destroy (&agent);
}

static void
test_send_too_big_ipv4 (void **state)
{
    (void) state;
    s_too_big ("127.0.0.1:0", ASYNROLE_DGRAM_MAX_IPV4);
}

static void
test_send_too_big_ipv6 (void **state)
{
    (void) state;
    s_too_big ("[::1]:0", ASYNROLE_DGRAM_MAX_IPV6);
}

//  -------------------------------------------------------------------------
//  Truncation at options.buffer_size

static void
test_truncation (void **state)
{
    (void) state;
    tu_collector_t *agent_events = tu_collector_new ();
    asynrole_options_t options = { .buffer_size = 100 };
    asynrole_agent_t *agent =
        tu_agent_new (tu_agent_collect_cb, agent_events, "127.0.0.1:0", &options);
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", NULL);

    uint8_t payload[200];
    tu_fill (payload, sizeof payload, 7);
    asynrole_error_t error;
    assert_int_equal (
        asynrole_manager_send (manager, payload, 200, asynrole_agent_local (agent, 0), &error), 0);
    assert_int_equal (
        asynrole_manager_send (manager, payload, 100, asynrole_agent_local (agent, 0), &error), 0);
    assert_true (tu_collector_wait_datagrams (agent_events, 2, TU_TIMEOUT_MS));

    const tu_event_t *cut = tu_collector_datagram (agent_events, 0);
    assert_true (cut->flags & ASYNROLE_DGRAM_TRUNCATED);
    assert_int_equal (cut->size, 100);
    assert_int_equal (cut->original_size, 200);
    assert_memory_equal (cut->data, payload, 100);

    //  Exactly the buffer: not truncated
    const tu_event_t *whole = tu_collector_datagram (agent_events, 1);
    assert_int_equal (whole->flags & ASYNROLE_DGRAM_TRUNCATED, 0);
    assert_int_equal (whole->size, 100);
    assert_int_equal (whole->original_size, 100);
    assert_memory_equal (whole->data, payload, 100);

    asynrole_stats_t stats;
    assert_int_equal (asynrole_agent_stats (agent, &stats, 1, NULL), 1);
    assert_int_equal (stats.truncated, 1);
    assert_int_equal (stats.rx_datagrams, 2);
    assert_int_equal (stats.rx_bytes, 300);  //  as sent
    assert_int_equal (stats.dropped, 0);
    tu_manager_destroy (&manager);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  Default destination

static void
test_default_destination (void **state)
{
    (void) state;
    tu_collector_t *a_events = tu_collector_new ();
    tu_collector_t *b_events = tu_collector_new ();
    tu_collector_t *manager_events = tu_collector_new ();
    asynrole_agent_t *a = tu_agent_new (tu_agent_echo_cb, a_events, "127.0.0.1:0", NULL);
    asynrole_agent_t *b = tu_agent_new (tu_agent_echo_cb, b_events, "127.0.0.1:0", NULL);
    char a_text[ASYNROLE_ADDR_STRLEN];
    tu_agent_text (a, 0, a_text, sizeof a_text);
    asynrole_manager_t *manager =
        tu_manager_new (tu_manager_collect_cb, manager_events, a_text, NULL, NULL);

    asynrole_error_t error;
    assert_int_equal (asynrole_manager_send (manager, "first", 5, NULL, &error), 0);
    assert_true (tu_collector_wait_datagrams (a_events, 1, TU_TIMEOUT_MS));
    assert_true (tu_collector_wait_datagrams (manager_events, 1, TU_TIMEOUT_MS));
    assert_true (asynrole_addr_equal (&tu_collector_datagram (manager_events, 0)->peer,
                                      asynrole_agent_local (a, 0)));

    //  Naming any destination is refused, that of another agent or even
    //  the default one, and nothing leaves
    memset (&error, 0, sizeof error);
    assert_int_equal (
        asynrole_manager_send (manager, "stray", 5, asynrole_agent_local (b, 0), &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_true (strlen (error.detail) > 0);
    memset (&error, 0, sizeof error);
    assert_int_equal (
        asynrole_manager_send (manager, "stray", 5, asynrole_agent_local (a, 0), &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    memset (&error, 0, sizeof error);
    assert_int_equal (asynrole_manager_send_with (manager, "stray", 5, asynrole_agent_local (b, 0),
                                                  tu_manager_collect_cb, b_events, &error),
                      -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);

    //  The next good send is the next thing the agent gets
    assert_int_equal (asynrole_manager_send (manager, "second", 6, NULL, &error), 0);
    assert_true (tu_collector_wait_datagrams (manager_events, 2, TU_TIMEOUT_MS));
    assert_int_equal (tu_collector_datagrams (a_events), 2);
    const tu_event_t *second = tu_collector_datagram (a_events, 1);
    assert_int_equal (second->size, 6);
    assert_memory_equal (second->data, "second", 6);
    //  The failed send_with did not take the callback either
    assert_int_equal (tu_collector_count (b_events), 0);
    assert_int_equal (tu_collector_count (manager_events), 2);

    asynrole_stats_t stats;
    assert_int_equal (asynrole_agent_stats (b, &stats, 1, NULL), 1);
    assert_int_equal (stats.rx_datagrams, 0);
    assert_int_equal (asynrole_agent_stats (a, &stats, 1, NULL), 1);
    assert_int_equal (stats.rx_datagrams, 2);
    assert_int_equal (asynrole_manager_stats (manager, &stats, NULL), 0);
    assert_int_equal (stats.tx_datagrams, 2);
    assert_int_equal (stats.tx_bytes, 11);
    assert_int_equal (stats.tx_failed, 0);

    tu_manager_destroy (&manager);
    tu_agent_destroy (&a);
    tu_agent_destroy (&b);
}

static void
test_no_destination (void **state)
{
    (void) state;
    //  Neither a default destination nor one given: nothing to send to
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, NULL, NULL);
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    assert_int_equal (asynrole_manager_send (manager, "x", 1, NULL, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    //  An empty address is no destination either
    asynrole_addr_t empty;
    memset (&empty, 0, sizeof empty);
    memset (&error, 0, sizeof error);
    assert_int_equal (asynrole_manager_send (manager, "x", 1, &empty, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    tu_manager_destroy (&manager);
}

//  -------------------------------------------------------------------------
//  Callbacks replaced per send; datagrams with no callback

static atomic_int s_one_calls;
static atomic_int s_two_calls;

static void
s_callback_one (asynrole_manager_t *manager, void *ctx, const asynrole_datagram_t *datagram,
                const asynrole_error_t *error)
{
    atomic_fetch_add (&s_one_calls, 1);
    tu_manager_collect_cb (manager, ctx, datagram, error);
}

static void
s_callback_two (asynrole_manager_t *manager, void *ctx, const asynrole_datagram_t *datagram,
                const asynrole_error_t *error)
{
    atomic_fetch_add (&s_two_calls, 1);
    tu_manager_collect_cb (manager, ctx, datagram, error);
}

static void
test_callback_per_send (void **state)
{
    (void) state;
    atomic_store (&s_one_calls, 0);
    atomic_store (&s_two_calls, 0);
    tu_collector_t *agent_events = tu_collector_new ();
    tu_collector_t *one = tu_collector_new ();
    tu_collector_t *two = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_echo_cb, agent_events, "127.0.0.1:0", NULL);
    const asynrole_addr_t *agent_addr = asynrole_agent_local (agent, 0);
    //  Callback mode, but no callback yet
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", NULL);
    assert_int_equal (asynrole_manager_unhandled (manager), 0);

    //  A datagram that finds no callback is counted. The Agent sends it
    //  before it echoes the first send, so it is handled before that echo:
    //  counted, or (should it come after the callback was set) delivered to
    //  callback one ahead of the echo
    asynrole_error_t error;
    assert_int_equal (
        asynrole_agent_send (agent, "unsolicited", 11, asynrole_manager_local (manager), &error),
        0);

    //  First send takes callback one: the reply goes there
    assert_int_equal (
        asynrole_manager_send_with (manager, "1", 1, agent_addr, s_callback_one, one, &error), 0);
    assert_true (tu_collector_wait_datagrams (one, 1, TU_TIMEOUT_MS));
    bool late = tu_collector_datagram (one, 0)->size == 11;
    if (late)
        assert_true (tu_collector_wait_datagrams (one, 2, TU_TIMEOUT_MS));
    assert_memory_equal (tu_collector_datagram (one, late ? 1 : 0)->data, "1", 1);
    assert_int_equal (asynrole_manager_unhandled (manager), late ? 0 : 1);
    asynrole_stats_t stats;
    assert_int_equal (asynrole_manager_stats (manager, &stats, NULL), 0);
    assert_int_equal (stats.rx_datagrams, 2);
    int one_base = late ? 1 : 0;
    //  Second send takes callback two: only it sees the reply
    assert_int_equal (
        asynrole_manager_send_with (manager, "2", 1, agent_addr, s_callback_two, two, &error), 0);
    assert_true (tu_collector_wait_datagrams (two, 1, TU_TIMEOUT_MS));
    assert_memory_equal (tu_collector_datagram (two, 0)->data, "2", 1);
    //  A plain send keeps callback two
    assert_int_equal (asynrole_manager_send (manager, "3", 1, agent_addr, &error), 0);
    assert_true (tu_collector_wait_datagrams (two, 2, TU_TIMEOUT_MS));
    assert_memory_equal (tu_collector_datagram (two, 1)->data, "3", 1);
    assert_int_equal (tu_collector_count (one), one_base + 1);
    assert_memory_equal (tu_collector_datagram (one, one_base)->data, "1", 1);
    assert_int_equal (atomic_load (&s_one_calls), one_base + 1);
    assert_int_equal (atomic_load (&s_two_calls), 2);

    //  set_callback switches back to one
    assert_int_equal (asynrole_manager_set_callback (manager, s_callback_one, one, &error), 0);
    assert_int_equal (asynrole_manager_send (manager, "4", 1, agent_addr, &error), 0);
    assert_true (tu_collector_wait_datagrams (one, one_base + 2, TU_TIMEOUT_MS));
    assert_memory_equal (tu_collector_datagram (one, one_base + 1)->data, "4", 1);
    assert_int_equal (tu_collector_count (two), 2);

    //  A NULL callback is refused and changes nothing
    memset (&error, 0, sizeof error);
    assert_int_equal (asynrole_manager_set_callback (manager, NULL, NULL, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (asynrole_manager_send (manager, "5", 1, agent_addr, &error), 0);
    assert_true (tu_collector_wait_datagrams (one, one_base + 3, TU_TIMEOUT_MS));

    assert_int_equal (asynrole_manager_unhandled (manager), late ? 0 : 1);
    assert_int_equal (atomic_load (&s_one_calls), one_base + 3);
    assert_int_equal (atomic_load (&s_two_calls), 2);
    tu_manager_destroy (&manager);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  An Agent on three interfaces: replies leave where requests came in

static void
test_agent_three_interfaces (void **state)
{
    (void) state;
    const char *ifaces[] = { "127.0.0.1:0", "127.0.0.2:0", "[::1]:0" };
    tu_collector_t *agent_events = tu_collector_new ();
    tu_collector_t *v4_events = tu_collector_new ();
    tu_collector_t *v6_events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new_n (tu_agent_echo_cb, agent_events, ifaces, 3, NULL);
    assert_int_equal (asynrole_agent_count (agent), 3);
    for (size_t i = 0; i < 3; i++) {
        asynrole_addr_t wanted = tu_addr (ifaces[i]);
        assert_true (tu_same_ip (asynrole_agent_local (agent, i), &wanted));
        assert_int_not_equal (asynrole_addr_port (asynrole_agent_local (agent, i)), 0);
    }
    //  One Manager per family, bound to the any-address
    asynrole_manager_t *v4 = tu_manager_new (tu_manager_collect_cb, v4_events, NULL, NULL, NULL);
    asynrole_manager_t *v6 =
        tu_manager_new (tu_manager_collect_cb, v6_events, NULL, "[::]:0", NULL);

    asynrole_error_t error;
    for (size_t i = 0; i < 3; i++) {
        char payload[8];
        snprintf (payload, sizeof payload, "if%zu", i);
        asynrole_manager_t *manager = i < 2 ? v4 : v6;
        if (asynrole_manager_send (manager, payload, strlen (payload),
                                   asynrole_agent_local (agent, i), &error))
            fail_msg ("send to interface %zu: %s", i, error.detail);
    }
    assert_true (tu_collector_wait_datagrams (v4_events, 2, TU_TIMEOUT_MS));
    assert_true (tu_collector_wait_datagrams (v6_events, 1, TU_TIMEOUT_MS));
    assert_int_equal (tu_collector_echo_failures (agent_events), 0);

    //  Every request came in on its interface's socket and was answered
    //  from that interface
    for (size_t n = 0; n < 3; n++) {
        const tu_event_t *in = tu_collector_datagram (agent_events, n);
        assert_non_null (in);
        assert_int_equal (in->size, 3);
        size_t i = (size_t) (in->data[2] - '0');
        assert_true (i < 3);
        assert_int_equal (asynrole_addr_socket (&in->peer), (int) i);
        assert_true (tu_same_ip (&in->local, asynrole_agent_local (agent, i)));
    }
    for (size_t n = 0; n < 3; n++) {
        const tu_event_t *out =
            n < 2 ? tu_collector_datagram (v4_events, n) : tu_collector_datagram (v6_events, 0);
        assert_int_equal (out->size, 3);
        size_t i = (size_t) (out->data[2] - '0');
        assert_true (i < 3);
        char a[ASYNROLE_ADDR_STRLEN], b[ASYNROLE_ADDR_STRLEN];
        if (!asynrole_addr_equal (&out->peer, asynrole_agent_local (agent, i)))
            fail_msg ("reply to interface %zu came from %s, not %s", i, TU_FMT (&out->peer, a),
                      TU_FMT (asynrole_agent_local (agent, i), b));
    }
    asynrole_stats_t stats[4];
    assert_int_equal (asynrole_agent_stats (agent, stats, 4, NULL), 3);
    for (size_t i = 0; i < 3; i++) {
        assert_true (asynrole_addr_equal (&stats[i].local, asynrole_agent_local (agent, i)));
        assert_int_equal (stats[i].rx_datagrams, 1);
        assert_int_equal (stats[i].tx_datagrams, 1);
        assert_int_equal (stats[i].rx_bytes, 3);
        assert_int_equal (stats[i].tx_bytes, 3);
    }
    //  Fewer records than interfaces: fills max, still says how many
    memset (stats, 0, sizeof stats);
    assert_int_equal (asynrole_agent_stats (agent, stats, 1, NULL), 3);
    assert_int_equal (stats[0].rx_datagrams, 1);
    assert_int_equal (stats[1].rx_datagrams, 0);
    tu_manager_destroy (&v4);
    tu_manager_destroy (&v6);
    tu_agent_destroy (&agent);
}

static void
test_agent_send_via (void **state)
{
    (void) state;
    const char *ifaces[] = { "127.0.0.1:0", "127.0.0.2:0", "[::1]:0" };
    tu_collector_t *agent_events = tu_collector_new ();
    tu_collector_t *manager_events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new_n (tu_agent_collect_cb, agent_events, ifaces, 3, NULL);
    asynrole_manager_t *manager =
        tu_manager_new (tu_manager_collect_cb, manager_events, NULL, "127.0.0.1:0", NULL);
    asynrole_addr_t to = *asynrole_manager_local (manager);
    asynrole_error_t error;

    //  No via (the zero value): the first socket of the family
    to.via = 0;
    assert_int_equal (asynrole_agent_send (agent, "a", 1, &to, &error), 0);
    assert_true (tu_collector_wait_datagrams (manager_events, 1, TU_TIMEOUT_MS));
    assert_true (asynrole_addr_equal (&tu_collector_datagram (manager_events, 0)->peer,
                                      asynrole_agent_local (agent, 0)));
    //  via naming socket 1: from 127.0.0.2
    to.via = 2;
    assert_int_equal (asynrole_agent_send (agent, "b", 1, &to, &error), 0);
    assert_true (tu_collector_wait_datagrams (manager_events, 2, TU_TIMEOUT_MS));
    assert_true (asynrole_addr_equal (&tu_collector_datagram (manager_events, 1)->peer,
                                      asynrole_agent_local (agent, 1)));

    //  via naming the IPv6 socket for an IPv4 peer, or no socket at all
    to.via = 3;
    memset (&error, 0, sizeof error);
    assert_int_equal (asynrole_agent_send (agent, "c", 1, &to, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    to.via = 4;
    memset (&error, 0, sizeof error);
    assert_int_equal (asynrole_agent_send (agent, "d", 1, &to, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    //  No destination at all
    memset (&error, 0, sizeof error);
    assert_int_equal (asynrole_agent_send (agent, "e", 1, NULL, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);

    //  Nothing more arrived: the next good send is the third datagram
    to.via = 0;
    assert_int_equal (asynrole_agent_send (agent, "f", 1, &to, &error), 0);
    assert_true (tu_collector_wait_datagrams (manager_events, 3, TU_TIMEOUT_MS));
    assert_memory_equal (tu_collector_datagram (manager_events, 2)->data, "f", 1);
    asynrole_stats_t stats[3];
    assert_int_equal (asynrole_agent_stats (agent, stats, 3, NULL), 3);
    assert_int_equal (stats[0].tx_datagrams + stats[1].tx_datagrams + stats[2].tx_datagrams, 3);
    assert_int_equal (stats[2].tx_datagrams, 0);
    tu_manager_destroy (&manager);
    tu_agent_destroy (&agent);
}

//  asynrole_agent_reply answers through the socket the request came in on
static void
s_reply_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
            const asynrole_error_t *error)
{
    tu_collector_t *self = (tu_collector_t *) ctx;
    asynrole_error_t reply_error;
    memset (&reply_error, 0, sizeof reply_error);
    int rc = datagram ? asynrole_agent_reply (agent, datagram, "re", 2, &reply_error) : 0;
    tu_collector_add (self, datagram, error, rc, &reply_error);
}

static void
test_agent_reply (void **state)
{
    (void) state;
    const char *ifaces[] = { "127.0.0.1:0", "127.0.0.2:0", "[::1]:0" };
    tu_collector_t *requests = tu_collector_new ();
    tu_collector_t *replies = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new_n (s_reply_cb, requests, ifaces, 3, NULL);
    asynrole_manager_t *v4 =
        tu_manager_new (tu_manager_collect_cb, replies, NULL, "127.0.0.1:0", NULL);
    asynrole_manager_t *v6 = tu_manager_new (tu_manager_collect_cb, replies, NULL, "[::1]:0", NULL);
    //  To each interface: the reply comes from the address asked
    asynrole_error_t error;
    for (size_t i = 0; i < 3; i++) {
        asynrole_manager_t *manager = i == 2 ? v6 : v4;
        assert_int_equal (
            asynrole_manager_send (manager, "q", 1, asynrole_agent_local (agent, i), &error), 0);
        assert_true (tu_collector_wait_datagrams (replies, i + 1, TU_TIMEOUT_MS));
        const tu_event_t *reply = tu_collector_datagram (replies, i);
        assert_memory_equal (reply->data, "re", 2);
        assert_true (asynrole_addr_equal (&reply->peer, asynrole_agent_local (agent, i)));
        //  The Agent records the request after its reply went out
        assert_true (tu_collector_wait_datagrams (requests, i + 1, TU_TIMEOUT_MS));
        assert_int_equal (tu_collector_datagram (requests, i)->echo_rc, 0);
    }
    //  A datagram the Agent did not receive names no socket: refused
    asynrole_datagram_t made_up = { .data = (const uint8_t *) "x", .size = 1 };
    made_up.peer = *asynrole_manager_local (v4);
    memset (&error, 0, sizeof error);
    assert_int_equal (asynrole_agent_reply (agent, &made_up, "x", 1, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (asynrole_agent_reply (agent, NULL, "x", 1, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (asynrole_agent_reply (NULL, &made_up, "x", 1, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    tu_manager_destroy (&v4);
    tu_manager_destroy (&v6);
    tu_agent_destroy (&agent);
}

static void
test_agent_wrong_family (void **state)
{
    (void) state;
    //  An IPv4-only Agent has no socket for an IPv6 peer
    tu_collector_t *agent_events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_collect_cb, agent_events, "127.0.0.1:0", NULL);
    asynrole_addr_t v6 = tu_addr ("[::1]:9");
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    assert_int_equal (asynrole_agent_send (agent, "x", 1, &v6, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    //  A via past its one socket is bad too
    asynrole_addr_t v4 = tu_addr ("127.0.0.1:9");
    v4.via = 2;
    memset (&error, 0, sizeof error);
    assert_int_equal (asynrole_agent_send (agent, "x", 1, &v4, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    asynrole_stats_t stats;
    assert_int_equal (asynrole_agent_stats (agent, &stats, 1, NULL), 1);
    assert_int_equal (stats.tx_datagrams, 0);
    assert_int_equal (stats.tx_failed, 0);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  Several threads sending through one Manager

#define THREADS 4
#define PER_THREAD 64

typedef struct {
    asynrole_manager_t *manager;
    const asynrole_addr_t *destination;
    int index;
    int failures;
} sender_t;

static void *
s_sender (void *arg)
{
    sender_t *sender = (sender_t *) arg;
    for (int seq = 0; seq < PER_THREAD; seq++) {
        uint8_t payload[8] = { 'T', (uint8_t) sender->index, (uint8_t) seq };
        asynrole_error_t error;
        if (asynrole_manager_send (sender->manager, payload, sizeof payload, sender->destination,
                                   &error))
            sender->failures++;
    }
    return NULL;
}

static void
test_threads_send (void **state)
{
    (void) state;
    tu_collector_t *agent_events = tu_collector_new ();
    //  Room in the kernel for the whole burst
    asynrole_options_t options = { .rcvbuf = 4 * 1024 * 1024 };
    asynrole_agent_t *agent =
        tu_agent_new (tu_agent_collect_cb, agent_events, "127.0.0.1:0", &options);
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", NULL);

    pthread_t threads[THREADS];
    sender_t senders[THREADS];
    for (int i = 0; i < THREADS; i++) {
        senders[i] = (sender_t){ manager, asynrole_agent_local (agent, 0), i, 0 };
        assert_int_equal (pthread_create (&threads[i], NULL, s_sender, &senders[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join (threads[i], NULL);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal (senders[i].failures, 0);

    assert_true (tu_collector_wait_datagrams (agent_events, THREADS * PER_THREAD, TU_TIMEOUT_MS));
    //  Each one exactly once
    bool seen[THREADS][PER_THREAD];
    memset (seen, 0, sizeof seen);
    for (size_t n = 0; n < THREADS * PER_THREAD; n++) {
        const tu_event_t *in = tu_collector_datagram (agent_events, n);
        assert_int_equal (in->size, 8);
        assert_int_equal (in->data[0], 'T');
        int thread = in->data[1], seq = in->data[2];
        assert_true (thread < THREADS && seq < PER_THREAD);
        assert_false (seen[thread][seq]);
        seen[thread][seq] = true;
    }
    asynrole_stats_t stats;
    assert_int_equal (asynrole_manager_stats (manager, &stats, NULL), 0);
    assert_int_equal (stats.tx_datagrams, THREADS * PER_THREAD);
    assert_int_equal (stats.tx_bytes, THREADS * PER_THREAD * 8);
    assert_int_equal (stats.tx_failed, 0);
    assert_int_equal (asynrole_agent_stats (agent, &stats, 1, NULL), 1);
    assert_int_equal (stats.rx_datagrams, THREADS * PER_THREAD);
    assert_int_equal (tu_collector_count (agent_events), THREADS * PER_THREAD);
    tu_manager_destroy (&manager);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  Verbose and dump

static void
test_verbose_dump (void **state)
{
    (void) state;
    tu_collector_t *agent_events = tu_collector_new ();
    tu_collector_t *manager_events = tu_collector_new ();
    asynrole_io_t *io = tu_io_new ();
    asynrole_io_set_verbose (io, true);
    asynrole_options_t options = { .io = io, .verbose = true, .dump = true, .name = "chatty" };
    asynrole_agent_t *agent =
        tu_agent_new (tu_agent_echo_cb, agent_events, "127.0.0.1:0", &options);
    options.name = NULL;
    asynrole_manager_t *manager =
        tu_manager_new (tu_manager_collect_cb, manager_events, NULL, "127.0.0.1:0", &options);
    asynrole_agent_set_verbose (agent, true);
    asynrole_agent_set_dump (agent, true);
    asynrole_manager_set_verbose (manager, true);
    asynrole_manager_set_dump (manager, true);
    //  Also through the raw pipes, each answered
    assert_int_equal (zsock_send (asynrole_manager_actor (manager), "si", "VERBOSE", 1), 0);
    assert_int_equal (tu_raw_answer (asynrole_manager_actor (manager), NULL), 0);
    assert_int_equal (zsock_send (asynrole_manager_actor (manager), "si", "DUMP", 1), 0);
    assert_int_equal (tu_raw_answer (asynrole_manager_actor (manager), NULL), 0);
    assert_int_equal (zsock_send (asynrole_agent_actor (agent), "si", "DUMP", 1), 0);
    assert_int_equal (tu_raw_answer (asynrole_agent_actor (agent), NULL), 0);
    assert_int_equal (zsock_send (asynrole_io_actor (io), "si", "VERBOSE", 1), 0);
    assert_int_equal (tu_raw_answer (asynrole_io_actor (io), NULL), 0);
    //  A value other than 0 or 1, or none, is refused
    assert_int_equal (zsock_send (asynrole_agent_actor (agent), "si", "DUMP", 2), 0);
    assert_int_equal (tu_raw_answer (asynrole_agent_actor (agent), NULL), ASYNROLE_EBADARG);
    assert_int_equal (zsock_send (asynrole_agent_actor (agent), "s", "VERBOSE"), 0);
    assert_int_equal (tu_raw_answer (asynrole_agent_actor (agent), NULL), ASYNROLE_EBADARG);
    assert_int_equal (zsock_send (asynrole_io_actor (io), "ss", "VERBOSE", "yes"), 0);
    assert_int_equal (tu_raw_answer (asynrole_io_actor (io), NULL), ASYNROLE_EBADARG);

    uint8_t payload[40];
    tu_fill (payload, sizeof payload, 3);
    asynrole_error_t error;
    assert_int_equal (asynrole_manager_send (manager, payload, sizeof payload,
                                             asynrole_agent_local (agent, 0), &error),
                      0);
    assert_true (tu_collector_wait_datagrams (manager_events, 1, TU_TIMEOUT_MS));
    assert_memory_equal (tu_collector_datagram (manager_events, 0)->data, payload, sizeof payload);
    //  And off again
    asynrole_manager_set_dump (manager, false);
    asynrole_agent_set_dump (agent, false);
    asynrole_manager_set_verbose (manager, false);
    asynrole_agent_set_verbose (agent, false);
    asynrole_io_set_verbose (io, false);
    assert_int_equal (
        asynrole_manager_send (manager, payload, 1, asynrole_agent_local (agent, 0), &error), 0);
    assert_true (tu_collector_wait_datagrams (manager_events, 2, TU_TIMEOUT_MS));
    //  The raw pipe still answers in order
    asynrole_stats_t stats;
    assert_int_equal (tu_raw_stats (asynrole_manager_actor (manager), &stats, 1), 1);
    assert_int_equal (stats.rx_datagrams, 2);
    tu_manager_destroy (&manager);
    tu_agent_destroy (&agent);
    tu_io_destroy (&io);
}

//  The raw CALLBACK command replaces a Manager's callback like
//  asynrole_manager_set_callback; an Agent and a pipe-mode Manager refuse it
static void
test_raw_callback_command (void **state)
{
    (void) state;
    tu_collector_t *requests = tu_collector_new ();
    tu_collector_t *first = tu_collector_new ();
    tu_collector_t *second = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_echo_cb, requests, "127.0.0.1:0", NULL);
    asynrole_manager_t *manager =
        tu_manager_new (tu_manager_collect_cb, first, NULL, "127.0.0.1:0", NULL);
    void *actor = asynrole_manager_actor (manager);
    int code = -1;
    char *text = NULL;
    asynrole_manager_fn *callback = tu_manager_collect_cb;
    assert_int_equal (zsock_send (actor, "spp", "CALLBACK", (void *) callback, second), 0);
    assert_int_equal (zsock_recv (actor, "is", &code, &text), 0);
    assert_int_equal (code, 0);
    zstr_free (&text);
    asynrole_error_t error;
    assert_int_equal (
        asynrole_manager_send (manager, "cb", 2, asynrole_agent_local (agent, 0), &error), 0);
    assert_true (tu_collector_wait_datagrams (second, 1, TU_TIMEOUT_MS));
    assert_int_equal (tu_collector_count (first), 0);

    //  A NULL callback, an Agent, a pipe-mode Manager: refused, typed
    assert_int_equal (zsock_send (actor, "spp", "CALLBACK", NULL, NULL), 0);
    assert_int_equal (zsock_recv (actor, "is", &code, &text), 0);
    assert_int_equal (code, ASYNROLE_EBADARG);
    zstr_free (&text);
    void *agent_actor = asynrole_agent_actor (agent);
    assert_int_equal (zsock_send (agent_actor, "spp", "CALLBACK", (void *) callback, NULL), 0);
    assert_int_equal (zsock_recv (agent_actor, "is", &code, &text), 0);
    assert_int_equal (code, ASYNROLE_EBADARG);
    assert_non_null (strstr (text, "Agent"));
    zstr_free (&text);
    asynrole_options_t pipe_mode = { .pipe_mode = true };
    asynrole_manager_t *piped = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", &pipe_mode);
    void *piped_actor = asynrole_manager_actor (piped);
    assert_int_equal (zsock_send (piped_actor, "spp", "CALLBACK", (void *) callback, NULL), 0);
    assert_int_equal (zsock_recv (piped_actor, "is", &code, &text), 0);
    assert_int_equal (code, ASYNROLE_EBADARG);
    zstr_free (&text);
    //  Still serving after the refusals
    assert_int_equal (
        asynrole_manager_send (manager, "ok", 2, asynrole_agent_local (agent, 0), &error), 0);
    assert_true (tu_collector_wait_datagrams (second, 2, TU_TIMEOUT_MS));
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown (test_raw_callback_command, tu_teardown),
        cmocka_unit_test_teardown (test_round_trip_ipv4, tu_teardown),
        cmocka_unit_test_teardown (test_round_trip_ipv6, tu_teardown),
        cmocka_unit_test_teardown (test_round_trip_any_iface, tu_teardown),
        cmocka_unit_test_teardown (test_round_trip_default_destination, tu_teardown),
        cmocka_unit_test_teardown (test_sizes_ipv4, tu_teardown),
        cmocka_unit_test_teardown (test_sizes_ipv6, tu_teardown),
        cmocka_unit_test_teardown (test_send_too_big_ipv4, tu_teardown),
        cmocka_unit_test_teardown (test_send_too_big_ipv6, tu_teardown),
        cmocka_unit_test_teardown (test_truncation, tu_teardown),
        cmocka_unit_test_teardown (test_default_destination, tu_teardown),
        cmocka_unit_test_teardown (test_no_destination, tu_teardown),
        cmocka_unit_test_teardown (test_callback_per_send, tu_teardown),
        cmocka_unit_test_teardown (test_agent_three_interfaces, tu_teardown),
        cmocka_unit_test_teardown (test_agent_send_via, tu_teardown),
        cmocka_unit_test_teardown (test_agent_reply, tu_teardown),
        cmocka_unit_test_teardown (test_agent_wrong_family, tu_teardown),
        cmocka_unit_test_teardown (test_threads_send, tu_teardown),
        cmocka_unit_test_teardown (test_verbose_dump, tu_teardown),
    };
    return tu_main (tests, argc, argv);
}
