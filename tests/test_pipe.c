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
#include <unistd.h>

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

//  Read one event raw, as asynrole_event.h says: one frame, the header
//  copied out of it; returns the bytes after the header (free with free)
static byte *
s_raw_event (void *sock, asynrole_event_header_t *header, size_t *body_size)
{
    assert_true (tu_readable (sock, TU_TIMEOUT_MS));
    byte *frame = NULL;
    size_t size = 0;
    assert_int_equal (zsock_recv (sock, "b", &frame, &size), 0);
    assert_non_null (frame);
    assert_true (size >= sizeof *header);
    memcpy (header, frame, sizeof *header);
    assert_int_equal (header->magic, ASYNROLE_EVENT_MAGIC);
    assert_int_equal (header->size, size - sizeof *header);
    *body_size = size - sizeof *header;
    memmove (frame, frame + sizeof *header, *body_size);
    return frame;
}

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
    asynrole_event_header_t header;
    size_t size = 0;
    byte *data = s_raw_event (sock, &header, &size);
    assert_int_equal (header.type, ASYNROLE_EVENT_DATAGRAM);
    assert_true (asynrole_addr_equal (&header.peer, asynrole_manager_local (manager)));
    assert_int_equal (header.peer.via, 1);
    assert_true (tu_same_ip (&header.local, asynrole_agent_local (agent, 0)));
    assert_int_not_equal (header.ifindex, 0);
    assert_int_equal (header.flags, 0);
    assert_int_equal (header.original_size, 10);
    assert_int_equal (size, 10);
    assert_memory_equal (data, "raw frames", 10);
    free (data);

    //  One frame exactly, as zmsg sees it; an empty datagram is the header alone
    assert_int_equal (
        asynrole_manager_send (manager, "", 0, asynrole_agent_local (agent, 0), &error), 0);
    assert_true (tu_readable (sock, TU_TIMEOUT_MS));
    zmsg_t *msg = zmsg_recv (sock);
    assert_non_null (msg);
    size_t frames = zmsg_size (msg);
    zframe_t *first = zmsg_first (msg);
    size_t first_size = first ? zframe_size (first) : 0;
    zmsg_destroy (&msg);
    assert_int_equal (frames, 1);
    assert_int_equal (first_size, sizeof (asynrole_event_header_t));

    //  An error event: an ICMP error for a datagram to a closed port
    asynrole_addr_t closed = tu_closed_port (AF_INET);
    assert_int_equal (asynrole_manager_send (manager, "ping", 4, &closed, &error), 0);
    byte *bytes = s_raw_event (asynrole_manager_socket (manager), &header, &size);
    assert_int_equal (header.type, ASYNROLE_EVENT_ERROR);
    assert_int_equal (size, sizeof (asynrole_error_t));
    asynrole_error_t got;
    memcpy (&got, bytes, sizeof got);
    free (bytes);
    assert_int_equal (got.code, ASYNROLE_ENETWORK);
    assert_int_equal (got.op, ASYNROLE_OP_ICMP);
    assert_int_equal (got.sys_errno, ECONNREFUSED);
    assert_true (asynrole_addr_equal (&got.address, &closed));

    //  Raw reads released what they held: the role holds nothing now
    asynrole_stats_t stats = tu_agent_stats (agent, 0);
    assert_int_equal (stats.held, 0);
    tu_manager_destroy (&manager);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  Events kept by the reader count towards max_bytes

//  Datagrams sent while two events are kept
#define KEPT_N 200

//  Send a payload of 4 bytes from a plain socket
static void
s_send_plain (int fd, const asynrole_addr_t *to, uint32_t seq)
{
    ssize_t rc;
    while ((rc = sendto (fd, &seq, sizeof seq, 0, &to->u.sa, to->len)) < 0 && errno == EINTR)
        ;
    assert_int_equal (rc, sizeof seq);
}

//  Read and destroy events until all KEPT_N are delivered or reported
//  dropped; returns the datagrams reported dropped
static uint64_t
s_drain_kept (asynrole_agent_t *agent, asynrole_stats_t *stats)
{
    uint64_t delivered = 0, noticed = 0;
    *stats = tu_agent_stats (agent, 0);
    for (int round = 0; round < 4 * KEPT_N; round++) {
        if (stats->rx_datagrams + stats->kernel_dropped == KEPT_N + 2
            && delivered + noticed + 2 == stats->rx_datagrams)
            return noticed;
        asynrole_event_t *event = tu_event_wait (asynrole_agent_socket (agent), TU_TIMEOUT_MS);
        if (!event)
            fail_msg ("no event within %d ms: %llu delivered, %llu reported dropped", TU_TIMEOUT_MS,
                      (unsigned long long) delivered, (unsigned long long) noticed);
        const asynrole_error_t *error = asynrole_event_error (event);
        if (error && error->code == ASYNROLE_EDROPPED)
            noticed += error->count;
        else if (!error)
            delivered++;
        asynrole_event_destroy (&event);
        *stats = tu_agent_stats (agent, 0);
    }
    fail_msg ("%llu delivered and %llu reported dropped: not all of %d",
              (unsigned long long) delivered, (unsigned long long) noticed, KEPT_N);
    return 0;
}

static void
test_kept_events_count (void **state)
{
    (void) state;
    const size_t max_bytes = 4096;
    asynrole_options_t options = { .pipe_mode = true, .max_bytes = max_bytes };
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &options);
    void *sock = asynrole_agent_socket (agent);
    const asynrole_addr_t *to = asynrole_agent_local (agent, 0);
    int fd = tu_udp_socket ("127.0.0.1", NULL);
    assert_true (fd >= 0);
    //  One event kept read raw, one read as an event
    s_send_plain (fd, to, 0);
    assert_true (tu_readable (sock, TU_TIMEOUT_MS));
    zmsg_t *raw = zmsg_recv (sock);
    assert_non_null (raw);
    s_send_plain (fd, to, 1);
    asynrole_event_t *kept = tu_event_wait (sock, TU_TIMEOUT_MS);
    assert_non_null (asynrole_event_datagram (kept));
    size_t held = tu_agent_stats (agent, 0).held;
    assert_true (held > 0);
    for (uint32_t seq = 2; seq < KEPT_N + 2; seq++)
        s_send_plain (fd, to, seq);
    close (fd);

    //  What came past the bound was dropped and reported, exactly; the two
    //  kept events are still charged
    asynrole_stats_t stats;
    uint64_t noticed = s_drain_kept (agent, &stats);
    print_message ("kept: %llu read, %llu dropped, %llu reported, %llu held by the kept two\n",
                   (unsigned long long) stats.rx_datagrams, (unsigned long long) stats.dropped,
                   (unsigned long long) noticed, (unsigned long long) stats.held);
    assert_true (stats.dropped > 0);
    assert_int_equal (noticed, stats.dropped);
    assert_true (stats.held_max <= max_bytes + 256 * 1024);
    assert_int_equal (stats.held, held);
    //  Destroyed, in the reader's way each, they are released
    asynrole_event_destroy (&kept);
    assert_true (tu_agent_stats (agent, 0).held < held);
    zmsg_destroy (&raw);
    assert_int_equal (tu_agent_stats (agent, 0).held, 0);
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
        cmocka_unit_test_teardown (test_kept_events_count, tu_teardown),
        cmocka_unit_test_teardown (test_raw_send, tu_teardown),
        cmocka_unit_test_teardown (test_raw_send_default_destination, tu_teardown),
    };
    return tu_main (tests, argc, argv);
}
