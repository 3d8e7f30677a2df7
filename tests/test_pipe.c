/*  test_pipe.c - pipe mode: events on the roles' data sockets

    Datagram and error events read with asynrole_event_recv and as raw
    frames (the picture in asynrole_event.h), the raw SEND command of both
    roles. Drops when a role does not read are in test_flow.c.
*/
#define _GNU_SOURCE
#include "testutil.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const asynrole_options_t s_pipe = { .pipe_mode = true };

//  Wait for one datagram event and copy it out; fails the test otherwise
static tu_event_t
s_next_datagram (void *sock, uint8_t *data, size_t max)
{
    asynrole_event_t *event = tu_event_wait (sock, TU_TIMEOUT_MS);
    if (!event)
        fail_msg ("no event within %d ms", TU_TIMEOUT_MS);
    if (asynrole_event_type (event) != ASYNROLE_EVENT_DATAGRAM) {
        const asynrole_error_t *error = asynrole_event_error (event);
        char detail[ASYNROLE_DETAIL_MAX];
        snprintf (detail, sizeof detail, "%s", error ? error->detail : "?");
        asynrole_event_destroy (&event);
        fail_msg ("expected a datagram, got an error event: %s", detail);
    }
    assert_null (asynrole_event_error (event));
    const asynrole_datagram_t *datagram = asynrole_event_datagram (event);
    assert_non_null (datagram);
    tu_event_t copy;
    memset (&copy, 0, sizeof copy);
    copy.size = datagram->size;
    copy.original_size = datagram->original_size;
    copy.peer = datagram->peer;
    copy.local = datagram->local;
    copy.ifindex = datagram->ifindex;
    copy.flags = datagram->flags;
    if (data && datagram->size <= max)
        memcpy (data, datagram->data, datagram->size);
    asynrole_event_destroy (&event);
    assert_null (event);
    return copy;
}

//  Wait for one error event and copy the error out
static asynrole_error_t
s_next_error (void *sock)
{
    asynrole_event_t *event = tu_event_wait (sock, TU_TIMEOUT_MS);
    if (!event)
        fail_msg ("no event within %d ms", TU_TIMEOUT_MS);
    bool is_error = asynrole_event_type (event) == ASYNROLE_EVENT_ERROR;
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    if (is_error) {
        assert_null (asynrole_event_datagram (event));
        assert_non_null (asynrole_event_error (event));
        error = *asynrole_event_error (event);
    }
    asynrole_event_destroy (&event);
    if (!is_error)
        fail_msg ("expected an error event, got a datagram");
    return error;
}

//  -------------------------------------------------------------------------
//  Round trip with events

static void
s_pipe_round_trip (const char *iface)
{
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, iface, &s_pipe);
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, iface, &s_pipe);
    void *agent_sock = asynrole_agent_socket (agent);
    void *manager_sock = asynrole_manager_socket (manager);
    assert_non_null (agent_sock);
    assert_non_null (manager_sock);
    assert_ptr_not_equal (agent_sock, manager_sock);

    //  Pipe mode takes no callback, in any form
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    assert_int_equal (asynrole_manager_set_callback (manager, tu_manager_collect_cb, NULL, &error),
                      -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    memset (&error, 0, sizeof error);
    assert_int_equal (asynrole_manager_send_with (manager, "no", 2, asynrole_agent_local (agent, 0),
                                                  tu_manager_collect_cb, NULL, &error),
                      -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);

    uint8_t request[300];
    tu_fill (request, sizeof request, 11);
    assert_int_equal (asynrole_manager_send (manager, request, sizeof request,
                                             asynrole_agent_local (agent, 0), &error),
                      0);
    uint8_t data[sizeof request];
    tu_event_t in = s_next_datagram (agent_sock, data, sizeof data);
    //  The first thing to arrive is the good send: the refused one never left
    assert_int_equal (in.size, sizeof request);
    assert_int_equal (in.original_size, sizeof request);
    assert_memory_equal (data, request, sizeof request);
    assert_int_equal (in.flags, 0);
    assert_true (asynrole_addr_equal (&in.peer, asynrole_manager_local (manager)));
    assert_int_equal (in.peer.via, 1);
    assert_true (tu_same_ip (&in.local, asynrole_agent_local (agent, 0)));
    assert_int_not_equal (in.ifindex, 0);

    //  Reply to the peer as received
    uint8_t reply[50];
    tu_fill (reply, sizeof reply, 12);
    assert_int_equal (asynrole_agent_send (agent, reply, sizeof reply, &in.peer, &error), 0);
    tu_event_t out = s_next_datagram (manager_sock, data, sizeof data);
    assert_int_equal (out.size, sizeof reply);
    assert_memory_equal (data, reply, sizeof reply);
    assert_true (asynrole_addr_equal (&out.peer, asynrole_agent_local (agent, 0)));
    assert_int_equal (out.peer.via, 1);

    asynrole_stats_t stats;
    assert_int_equal (asynrole_manager_stats (manager, &stats, NULL), 0);
    assert_int_equal (stats.tx_datagrams, 1);
    assert_int_equal (stats.tx_bytes, sizeof request);
    assert_int_equal (stats.rx_datagrams, 1);
    assert_int_equal (stats.rx_bytes, sizeof reply);
    tu_manager_destroy (&manager);
    tu_agent_destroy (&agent);
}

static void
test_pipe_round_trip_ipv4 (void **state)
{
    (void) state;
    s_pipe_round_trip ("127.0.0.1:0");
}

static void
test_pipe_round_trip_ipv6 (void **state)
{
    (void) state;
    s_pipe_round_trip ("[::1]:0");
}

static void
test_pipe_sizes (void **state)
{
    (void) state;
    static const size_t sizes[2][3] = { { 0, 1, ASYNROLE_DGRAM_MAX_IPV4 },
                                        { 0, 1, ASYNROLE_DGRAM_MAX_IPV6 } };
    const char *ifaces[] = { "127.0.0.1:0", "[::1]:0" };
    asynrole_agent_t *agent = tu_agent_new_n (NULL, NULL, ifaces, 2, &s_pipe);
    asynrole_manager_t *v4 = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", &s_pipe);
    asynrole_manager_t *v6 = tu_manager_new (NULL, NULL, NULL, "[::1]:0", &s_pipe);
    static uint8_t payload[ASYNROLE_DGRAM_MAX];
    static uint8_t data[ASYNROLE_DGRAM_MAX];
    for (size_t family = 0; family < 2; family++) {
        asynrole_manager_t *manager = family ? v6 : v4;
        for (size_t i = 0; i < 3; i++) {
            tu_fill (payload, sizes[family][i], (unsigned) (family * 10 + i));
            asynrole_error_t error;
            assert_int_equal (asynrole_manager_send (manager, payload, sizes[family][i],
                                                     asynrole_agent_local (agent, family), &error),
                              0);
            tu_event_t in =
                s_next_datagram (asynrole_agent_socket (agent), data, ASYNROLE_DGRAM_MAX);
            assert_int_equal (in.size, sizes[family][i]);
            assert_int_equal (in.original_size, sizes[family][i]);
            assert_int_equal (asynrole_addr_socket (&in.peer), (int) family);
            assert_memory_equal (data, payload, sizes[family][i]);
            //  Echo it back through the socket it came in on
            assert_int_equal (asynrole_agent_send (agent, data, in.size, &in.peer, &error), 0);
            memset (data, 0, ASYNROLE_DGRAM_MAX);
            tu_event_t out =
                s_next_datagram (asynrole_manager_socket (manager), data, ASYNROLE_DGRAM_MAX);
            assert_int_equal (out.size, sizes[family][i]);
            assert_memory_equal (data, payload, sizes[family][i]);
            assert_true (asynrole_addr_equal (&out.peer, asynrole_agent_local (agent, family)));
        }
    }
    tu_manager_destroy (&v4);
    tu_manager_destroy (&v6);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  Error events

static void
s_pipe_icmp (int family)
{
    const char *iface = family == AF_INET6 ? "[::1]:0" : "127.0.0.1:0";
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, iface, &s_pipe);
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, iface, &s_pipe);
    asynrole_addr_t closed = tu_closed_port (family);
    asynrole_error_t error;
    assert_int_equal (asynrole_manager_send (manager, "ping", 4, &closed, &error), 0);
    asynrole_error_t got = s_next_error (asynrole_manager_socket (manager));
    assert_int_equal (got.code, ASYNROLE_ENETWORK);
    assert_int_equal (got.op, ASYNROLE_OP_ICMP);
    assert_int_equal (got.sys_errno, ECONNREFUSED);
    assert_true (asynrole_addr_equal (&got.address, &closed));
    assert_true (strlen (got.detail) > 0);

    //  Still works afterwards
    assert_int_equal (
        asynrole_manager_send (manager, "live", 4, asynrole_agent_local (agent, 0), &error), 0);
    uint8_t data[8];
    tu_event_t in = s_next_datagram (asynrole_agent_socket (agent), data, sizeof data);
    assert_int_equal (in.size, 4);
    assert_memory_equal (data, "live", 4);
    tu_manager_destroy (&manager);
    tu_agent_destroy (&agent);
}

static void
test_pipe_error_event_ipv4 (void **state)
{
    (void) state;
    s_pipe_icmp (AF_INET);
}

static void
test_pipe_error_event_ipv6 (void **state)
{
    (void) state;
    s_pipe_icmp (AF_INET6);
}

//  -------------------------------------------------------------------------
//  Raw frames, as documented in asynrole_event.h

static void
test_raw_event_frames (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &s_pipe);
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", &s_pipe);
    asynrole_error_t error;
    assert_int_equal (
        asynrole_manager_send (manager, "raw frames", 10, asynrole_agent_local (agent, 0), &error),
        0);
    void *sock = asynrole_agent_socket (agent);
    assert_true (tu_readable (sock, TU_TIMEOUT_MS));
    char *type = NULL;
    byte *peer = NULL, *local = NULL, *data = NULL;
    size_t peer_size = 0, local_size = 0, size = 0;
    uint32_t ifindex = 0, flags = 99, original_size = 0;
    assert_int_equal (zsock_recv (sock, "sbb444b", &type, &peer, &peer_size, &local, &local_size,
                                  &ifindex, &flags, &original_size, &data, &size),
                      0);
    assert_non_null (type);
    assert_string_equal (type, "DATAGRAM");
    assert_int_equal (peer_size, sizeof (asynrole_addr_t));
    assert_int_equal (local_size, sizeof (asynrole_addr_t));
    asynrole_addr_t peer_addr, local_addr;
    memcpy (&peer_addr, peer, sizeof peer_addr);
    memcpy (&local_addr, local, sizeof local_addr);
    assert_true (asynrole_addr_equal (&peer_addr, asynrole_manager_local (manager)));
    assert_int_equal (peer_addr.via, 1);
    assert_true (tu_same_ip (&local_addr, asynrole_agent_local (agent, 0)));
    assert_int_not_equal (ifindex, 0);
    assert_int_equal (flags, 0);
    assert_int_equal (original_size, 10);
    assert_int_equal (size, 10);
    assert_memory_equal (data, "raw frames", 10);
    zstr_free (&type);
    free (peer);
    free (local);
    free (data);

    //  Seven frames exactly, numbers as decimal text
    assert_int_equal (
        asynrole_manager_send (manager, "", 0, asynrole_agent_local (agent, 0), &error), 0);
    assert_true (tu_readable (sock, TU_TIMEOUT_MS));
    zmsg_t *msg = zmsg_recv (sock);
    assert_non_null (msg);
    size_t frames = zmsg_size (msg);
    char *first = zmsg_popstr (msg);
    bool is_datagram = first && streq (first, "DATAGRAM");
    zstr_free (&first);
    zframe_t *last = zmsg_last (msg);
    size_t last_size = last ? zframe_size (last) : 99;
    zmsg_destroy (&msg);
    assert_int_equal (frames, 7);
    assert_true (is_datagram);
    assert_int_equal (last_size, 0);

    //  An error event: an ICMP error for a datagram to a closed port
    asynrole_addr_t closed = tu_closed_port (AF_INET);
    assert_int_equal (asynrole_manager_send (manager, "ping", 4, &closed, &error), 0);
    void *msock = asynrole_manager_socket (manager);
    assert_true (tu_readable (msock, TU_TIMEOUT_MS));
    byte *bytes = NULL;
    size_t bytes_size = 0;
    assert_int_equal (zsock_recv (msock, "sb", &type, &bytes, &bytes_size), 0);
    assert_non_null (type);
    assert_string_equal (type, "ERROR");
    assert_int_equal (bytes_size, sizeof (asynrole_error_t));
    asynrole_error_t got;
    memcpy (&got, bytes, sizeof got);
    zstr_free (&type);
    free (bytes);
    assert_int_equal (got.code, ASYNROLE_ENETWORK);
    assert_int_equal (got.op, ASYNROLE_OP_ICMP);
    assert_int_equal (got.sys_errno, ECONNREFUSED);
    assert_true (asynrole_addr_equal (&got.address, &closed));
    tu_manager_destroy (&manager);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  Raw SEND

static void
test_raw_send (void **state)
{
    (void) state;
    const char *ifaces[] = { "127.0.0.1:0", "127.0.0.2:0" };
    asynrole_agent_t *agent = tu_agent_new_n (NULL, NULL, ifaces, 2, &s_pipe);
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", &s_pipe);
    void *mactor = asynrole_manager_actor (manager);
    void *aactor = asynrole_agent_actor (agent);
    void *asock = asynrole_agent_socket (agent);
    void *msock = asynrole_manager_socket (manager);
    char agent_text[ASYNROLE_ADDR_STRLEN], manager_text[ASYNROLE_ADDR_STRLEN];
    tu_agent_text (agent, 1, agent_text, sizeof agent_text);
    TU_FMT (asynrole_manager_local (manager), manager_text);

    //  Manager: SEND to a text destination
    assert_int_equal (zsock_send (mactor, "ssb", "SEND", agent_text, "hello", (size_t) 5), 0);
    char *text = NULL;
    assert_int_equal (tu_raw_answer (mactor, &text), 0);
    zstr_free (&text);
    uint8_t data[16];
    tu_event_t in = s_next_datagram (asock, data, sizeof data);
    assert_int_equal (in.size, 5);
    assert_memory_equal (data, "hello", 5);
    assert_int_equal (asynrole_addr_socket (&in.peer), 1);
    assert_true (asynrole_addr_equal (&in.peer, asynrole_manager_local (manager)));

    //  Agent: SEND with via 1, then via -1 (first IPv4 socket)
    assert_int_equal (zsock_send (aactor, "ssbi", "SEND", manager_text, "via1", (size_t) 4, 1), 0);
    assert_int_equal (tu_raw_answer (aactor, NULL), 0);
    tu_event_t out = s_next_datagram (msock, data, sizeof data);
    assert_memory_equal (data, "via1", 4);
    assert_true (asynrole_addr_equal (&out.peer, asynrole_agent_local (agent, 1)));
    assert_int_equal (zsock_send (aactor, "ssbi", "SEND", manager_text, "via-", (size_t) 4, -1), 0);
    assert_int_equal (tu_raw_answer (aactor, NULL), 0);
    out = s_next_datagram (msock, data, sizeof data);
    assert_memory_equal (data, "via-", 4);
    assert_true (asynrole_addr_equal (&out.peer, asynrole_agent_local (agent, 0)));

    //  Bad destinations and a bad via answer EBADARG, with a reason
    const char *bad[] = { "nonsense", "127.0.0.1", "[::1]:161", "300.1.1.1:1", "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        //  The manager has no default destination, so "" is bad too;
        //  the IPv4 manager cannot reach [::1]
        assert_int_equal (zsock_send (mactor, "ssb", "SEND", bad[i], "x", (size_t) 1), 0);
        int code = tu_raw_answer (mactor, &text);
        bool explained = text && strlen (text) > 0;
        zstr_free (&text);
        if (code != ASYNROLE_EBADARG)
            fail_msg ("manager SEND to '%s': code %d, expected EBADARG", bad[i], code);
        assert_true (explained);
    }
    assert_int_equal (zsock_send (aactor, "ssbi", "SEND", "nonsense", "x", (size_t) 1, 0), 0);
    assert_int_equal (tu_raw_answer (aactor, NULL), ASYNROLE_EBADARG);
    assert_int_equal (zsock_send (aactor, "ssbi", "SEND", manager_text, "x", (size_t) 1, 2), 0);
    assert_int_equal (tu_raw_answer (aactor, NULL), ASYNROLE_EBADARG);
    assert_int_equal (zsock_send (aactor, "ssbi", "SEND", "[::1]:161", "x", (size_t) 1, -1), 0);
    assert_int_equal (tu_raw_answer (aactor, NULL), ASYNROLE_EBADARG);

    //  None of them left: the next datagram each side gets is the good one
    assert_int_equal (zsock_send (mactor, "ssb", "SEND", agent_text, "next", (size_t) 4), 0);
    assert_int_equal (tu_raw_answer (mactor, NULL), 0);
    in = s_next_datagram (asock, data, sizeof data);
    assert_memory_equal (data, "next", 4);
    assert_int_equal (zsock_send (aactor, "ssbi", "SEND", manager_text, "last", (size_t) 4, 0), 0);
    assert_int_equal (tu_raw_answer (aactor, NULL), 0);
    out = s_next_datagram (msock, data, sizeof data);
    assert_memory_equal (data, "last", 4);

    asynrole_stats_t stats[2];
    assert_int_equal (tu_raw_stats (mactor, stats, 2), 1);
    assert_int_equal (stats[0].tx_datagrams, 2);
    assert_int_equal (stats[0].rx_datagrams, 3);
    assert_int_equal (stats[0].tx_failed, 0);
    assert_int_equal (tu_raw_stats (aactor, stats, 2), 2);
    assert_int_equal (stats[0].tx_datagrams + stats[1].tx_datagrams, 3);
    assert_int_equal (stats[0].rx_datagrams + stats[1].rx_datagrams, 2);
    tu_manager_destroy (&manager);
    tu_agent_destroy (&agent);
}

static void
test_raw_send_default_destination (void **state)
{
    (void) state;
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "[::1]:0", &s_pipe);
    char agent_text[ASYNROLE_ADDR_STRLEN];
    tu_agent_text (agent, 0, agent_text, sizeof agent_text);
    asynrole_manager_t *manager = tu_manager_new (NULL, NULL, agent_text, NULL, &s_pipe);
    void *mactor = asynrole_manager_actor (manager);

    //  "" = the default destination
    assert_int_equal (zsock_send (mactor, "ssb", "SEND", "", "dflt", (size_t) 4), 0);
    assert_int_equal (tu_raw_answer (mactor, NULL), 0);
    uint8_t data[8];
    tu_event_t in = s_next_datagram (asynrole_agent_socket (agent), data, sizeof data);
    assert_memory_equal (data, "dflt", 4);
    //  Naming a destination is refused, even the default one
    assert_int_equal (zsock_send (mactor, "ssb", "SEND", agent_text, "name", (size_t) 4), 0);
    assert_int_equal (tu_raw_answer (mactor, NULL), ASYNROLE_EBADARG);
    assert_int_equal (zsock_send (mactor, "ssb", "SEND", "", "more", (size_t) 4), 0);
    assert_int_equal (tu_raw_answer (mactor, NULL), 0);
    in = s_next_datagram (asynrole_agent_socket (agent), data, sizeof data);
    assert_memory_equal (data, "more", 4);
    assert_int_equal (in.size, 4);
    tu_manager_destroy (&manager);
    tu_agent_destroy (&agent);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown (test_pipe_round_trip_ipv4, tu_teardown),
        cmocka_unit_test_teardown (test_pipe_round_trip_ipv6, tu_teardown),
        cmocka_unit_test_teardown (test_pipe_sizes, tu_teardown),
        cmocka_unit_test_teardown (test_pipe_error_event_ipv4, tu_teardown),
        cmocka_unit_test_teardown (test_pipe_error_event_ipv6, tu_teardown),
        cmocka_unit_test_teardown (test_raw_event_frames, tu_teardown),
        cmocka_unit_test_teardown (test_raw_send, tu_teardown),
        cmocka_unit_test_teardown (test_raw_send_default_destination, tu_teardown),
    };
    return tu_main (tests, argc, argv);
}
