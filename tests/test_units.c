/*  test_units.c - the library's inner classes, one by one

    Linked with the library's objects, so that it reaches what the library
    hides: the link's two bounds and its doorbell, the actor runner's
    start-up deadline, the socket table's ids, the error constructors, the
    frame and record readers, and the STATS and event codecs on malformed
    input.
*/
#define _GNU_SOURCE
#include "testutil.h"
#include "actor.h"
#include "bounds.h"
#include "ctx.h"
#include "error_fill.h"
#include "event_codec.h"
#include "frames.h"
#include "io_rebind.h"
#include "io_table.h"
#include "link.h"
#include "pair.h"
#include "stats_codec.h"
#include "wire.h"
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>

//  Has the doorbell rung (without waiting)?
static bool
s_rung (doorbell_t *doorbell)
{
    struct pollfd item = { .fd = doorbell_fd (doorbell), .events = POLLIN };
    bool rung = poll (&item, 1, 0) == 1;
    if (rung)
        doorbell_clear (doorbell);
    return rung;
}

//  -------------------------------------------------------------------------
//  The link's receive bound

static void
test_link_receive_bound (void **state)
{
    (void) state;
    asynrole_error_t error;
    doorbell_t *doorbell = doorbell_new (&error);
    assert_non_null (doorbell);
    link_t *link = link_new (1, 1000, 0, 100, doorbell, &error);
    assert_non_null (link);
    //  A role that holds nothing takes any batch, even one past its bound
    assert_true (link_charge (link, 1500));
    assert_false (link_charge (link, 1));
    link_release (link, 1500);
    assert_true (link_charge (link, 600));
    assert_false (link_charge (link, 600));  //  600 + 600 > 1000
    assert_int_equal (link_held (link), 600);
    assert_int_equal (link_held_max (link), 1500);
    //  Asked for room while over half: armed, no ring yet
    assert_false (link_want_room (link));
    assert_false (s_rung (doorbell));
    link_release (link, 50);  //  550: not yet half
    assert_false (s_rung (doorbell));
    link_release (link, 100);  //  450: rings, once
    assert_true (s_rung (doorbell));
    link_release (link, 100);
    assert_false (s_rung (doorbell));
    //  Asked for room while at half or less: true at once, nothing armed
    assert_true (link_want_room (link));
    link_release (link, 350);
    assert_false (s_rung (doorbell));
    assert_int_equal (link_held (link), 0);
    //  A batch costs its bytes and, per record, the link's overhead
    assert_int_equal (link_cost (link, 100, 7), 100);
    link_unref (&link);
    link = link_new (1, 1000, 50, 100, doorbell, &error);
    assert_int_equal (link_cost (link, 100, 7), 450);
    link_unref (&link);
    assert_null (link);
    doorbell_unref (&doorbell);
}

//  -------------------------------------------------------------------------
//  The link's send bound

typedef struct {
    link_t *link;
    int rc;                 //  link_tx_reserve's result
    tu_collector_t *ready;  //  one event: about to reserve
} reserver_t;

static void *
s_reserver (void *arg)
{
    reserver_t *reserver = (reserver_t *) arg;
    asynrole_error_t none = { .code = ASYNROLE_OK };
    tu_collector_add (reserver->ready, NULL, &none, 0, NULL);
    reserver->rc = link_tx_reserve (reserver->link, 0, 60, TU_TIMEOUT_MS, NULL);
    return NULL;
}

static void
test_link_send_bound (void **state)
{
    (void) state;
    asynrole_error_t error;
    doorbell_t *doorbell = doorbell_new (&error);
    link_t *link = link_new (2, 1000, 0, 100, doorbell, &error);
    assert_non_null (link);
    assert_int_equal (link_tx_reserve (link, 0, 60, 0, &error), 0);
    //  Full for that socket: at once, or after the deadline
    memset (&error, 0, sizeof error);
    assert_int_equal (link_tx_reserve (link, 0, 60, 0, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EWOULDBLOCK);
    assert_int_equal (error.op, ASYNROLE_OP_QUEUE);
    int64_t start = tu_now ();
    assert_int_equal (link_tx_reserve (link, 0, 60, 50, &error), -1);
    assert_true (tu_now () - start >= 50);
    assert_int_equal (error.code, ASYNROLE_EWOULDBLOCK);
    //  Another socket has its own bound; one send larger than the bound
    //  goes when its queue is empty
    assert_int_equal (link_tx_reserve (link, 1, 500, 0, &error), 0);
    //  A waiting sender goes as soon as room comes. Whether the sender is
    //  already waiting when the room comes is up to the scheduler: do it until
    //  it was (tx_waits counts the waits), and every time the sender goes
    assert_int_equal (link_tx_waits (link, 0), 1);  //  the one that timed out
    for (int round = 0; round < 1000 && link_tx_waits (link, 0) == 1; round++) {
        reserver_t reserver = { .link = link, .rc = -2, .ready = tu_collector_new () };
        pthread_t thread;
        assert_int_equal (pthread_create (&thread, NULL, s_reserver, &reserver), 0);
        assert_true (tu_collector_wait (reserver.ready, 1, TU_TIMEOUT_MS));
        link_tx_release (link, 0, 60);
        pthread_join (thread, NULL);
        tu_collector_destroy (&reserver.ready);
        assert_int_equal (reserver.rc, 0);
    }
    assert_true (link_tx_waits (link, 0) > 1);
    //  Closed: waiting senders, and later ones, fail with ASYNROLE_ECLOSED
    link_tx_close (link);
    memset (&error, 0, sizeof error);
    assert_int_equal (link_tx_reserve (link, 0, 60, TU_TIMEOUT_MS, &error), -1);
    assert_int_equal (error.code, ASYNROLE_ECLOSED);
    link_tx_release (link, 0, 60);
    link_tx_release (link, 1, 500);
    link_unref (&link);
    doorbell_unref (&doorbell);
}

//  -------------------------------------------------------------------------
//  The actor runner

//  A body that waits for $TERM before it reports: its start times out
static void
s_late_body (actor_t *actor, void *args)
{
    (void) args;
    char *command = zstr_recv (actor_inner (actor));
    zstr_free (&command);
    actor_started (actor, NULL);
}

//  A body that fails to start
static void
s_failing_body (actor_t *actor, void *args)
{
    (void) args;
    asynrole_error_t failure;
    error_set (&failure, ASYNROLE_ERESOURCE, ASYNROLE_OP_SOCKET, EMFILE, "made up: %d", 42);
    actor_started (actor, &failure);
}

//  A body that serves until $TERM, and says whether it was the runner's
static atomic_bool s_stopping_seen;

static void
s_serving_body (actor_t *actor, void *args)
{
    (void) args;
    actor_started (actor, NULL);
    char *command = zstr_recv (actor_inner (actor));
    atomic_store (&s_stopping_seen, command && streq (command, "$TERM") && actor_stopping (actor));
    zstr_free (&command);
}

//  A body that waits for its go as long as a role does (a day here), and
//  says whether it came
static atomic_int s_go_seen = -1;

static void
s_go_body (actor_t *actor, void *args)
{
    (void) args;
    actor_started (actor, NULL);
    atomic_store (&s_go_seen, actor_wait_go (actor, LIMIT_TIMEOUT_MAX) ? 1 : 0);
    char *command = zstr_recv (actor_inner (actor));
    zstr_free (&command);
}

//  A creator that ends the actor instead of letting it go ends the wait
//  for the go at once; one that lets it go is seen
static void
test_actor_go (void **state)
{
    (void) state;
    asynrole_error_t error;
    actor_t *actor = actor_new (s_go_body, NULL, "go", TU_TIMEOUT_MS, &error);
    assert_non_null (actor);
    int64_t start = tu_now ();
    assert_true (actor_destroy (&actor));
    assert_true (tu_now () - start < TU_TIMEOUT_MS);
    assert_int_equal (atomic_load (&s_go_seen), 0);
    actor = actor_new (s_go_body, NULL, "go", TU_TIMEOUT_MS, &error);
    assert_non_null (actor);
    actor_go (actor);
    assert_true (actor_destroy (&actor));
    assert_int_equal (atomic_load (&s_go_seen), 1);
}

static void
test_actor_runner (void **state)
{
    (void) state;
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    assert_null (actor_new (s_late_body, NULL, "late", 20, &error));
    assert_int_equal (error.code, ASYNROLE_ETIMEOUT);
    assert_non_null (strstr (error.detail, "late"));
    //  Where the time went: the thread ran, the body did not report
    assert_non_null (strstr (error.detail, "its thread began after"));
    assert_non_null (strstr (error.detail, "has not reported"));
    memset (&error, 0, sizeof error);
    assert_null (actor_new (s_failing_body, NULL, "failing", TU_TIMEOUT_MS, &error));
    assert_int_equal (error.code, ASYNROLE_ERESOURCE);
    assert_string_equal (error.detail, "made up: 42");
    actor_t *actor = actor_new (s_serving_body, NULL, "serving", TU_TIMEOUT_MS, &error);
    assert_non_null (actor);
    assert_false (actor_is_self (actor));
    assert_true (actor_destroy (&actor));
    assert_null (actor);
    assert_true (atomic_load (&s_stopping_seen));
    assert_int_equal (ctx_sockets (), 0);
}

//  -------------------------------------------------------------------------
//  The socket table

static void
test_table_ids (void **state)
{
    (void) state;
    io_table_t table;
    io_table_init (&table);
    io_socket_t *a = calloc (1, sizeof *a);
    io_socket_t *b = calloc (1, sizeof *b);
    a->fd = b->fd = -1;
    assert_int_equal (io_table_add (&table, a), 0);
    assert_int_equal (io_table_add (&table, b), 0);
    assert_int_not_equal (a->id, 0);
    assert_int_not_equal (a->id, b->id);
    assert_ptr_equal (io_table_find (&table, a->id), a);
    assert_null (io_table_find (&table, 0));
    assert_null (io_table_find (&table, a->id + 100));
    uint32_t old = a->id;
    io_table_remove (&table, a);
    assert_null (io_table_find (&table, old));
    //  The slot is reused, under a new generation: the old id finds nothing
    assert_int_equal (io_table_add (&table, a), 0);
    assert_int_not_equal (a->id, old);
    assert_int_equal (a->id & LIMIT_SLOT_MASK, old & LIMIT_SLOT_MASK);
    assert_null (io_table_find (&table, old));
    assert_ptr_equal (io_table_find (&table, a->id), a);
    assert_int_equal (table.open, 2);
    io_table_remove (&table, a);
    io_table_remove (&table, b);
    free (a);
    free (b);
    io_table_destroy (&table);
}

//  News of addresses lost (the netlink socket overflowed): every socket
//  whose address or device is not there any more is marked, found by
//  asking the kernel; the others are left alone
static io_socket_t *
s_socket_at (io_table_t *table, const char *local, const char *device)
{
    io_socket_t *sock = calloc (1, sizeof *sock);
    assert_non_null (sock);
    sock->fd = -1;
    sock->stats.local = tu_addr (local);
    sock->wildcard = strncmp (local, "0.0.0.0:", 8) == 0;
    snprintf (sock->spec.device, sizeof sock->spec.device, "%s", device);
    assert_int_equal (io_table_add (table, sock), 0);
    return sock;
}

static void
test_rebind_news_lost (void **state)
{
    (void) state;
    io_table_t table;
    io_table_init (&table);
    io_rebind_t rebind;
    io_rebind_init (&rebind);
    io_socket_t *gone = s_socket_at (&table, "192.0.2.1:161", "");
    io_socket_t *here = s_socket_at (&table, "127.0.0.1:161", "");
    io_socket_t *any = s_socket_at (&table, "0.0.0.0:161", "");
    io_socket_t *no_device = s_socket_at (&table, "0.0.0.0:161", "asynrole-none");
    io_socket_t *device = s_socket_at (&table, "0.0.0.0:161", "lo");
    io_watch_event_t event = { .kind = IO_WATCH_OVERFLOW };
    io_rebind_news (&rebind, &table, &event);
    assert_int_equal (gone->failed, EADDRNOTAVAIL);
    assert_true (gone->marked);
    assert_int_equal (no_device->failed, ENODEV);
    assert_true (no_device->marked);
    assert_int_equal (here->failed, 0);
    assert_int_equal (any->failed, 0);
    assert_int_equal (device->failed, 0);
    assert_true (io_rebind_pending (&rebind));
    io_rebind_destroy (&rebind);
    io_table_destroy (&table);
}

//  -------------------------------------------------------------------------
//  Errors

static void
test_error_codes (void **state)
{
    (void) state;
    asynrole_error_t error;
    asynrole_addr_t addr = tu_addr ("192.0.2.1:161");
    error_network (&error, ASYNROLE_OP_SOCKET, EMFILE, NULL);
    assert_int_equal (error.code, ASYNROLE_ERESOURCE);
    error_network (&error, ASYNROLE_OP_SOCKET, ENOMEM, NULL);
    assert_int_equal (error.code, ASYNROLE_ENOMEM);
    error_network (&error, ASYNROLE_OP_BIND, EADDRINUSE, &addr);
    assert_int_equal (error.code, ASYNROLE_ENETWORK);
    assert_int_equal (error.sys_errno, EADDRINUSE);
    assert_true (asynrole_addr_equal (&error.address, &addr));
    //  The reason first, then what it concerns
    assert_true (strncmp (error.detail, strerror (EADDRINUSE), strlen (strerror (EADDRINUSE)))
                 == 0);
    assert_non_null (strstr (error.detail, "192.0.2.1:161"));
    error_zmq (&error, EMFILE, "a socket");
    assert_int_equal (error.code, ASYNROLE_ERESOURCE);
    assert_int_equal (error.op, ASYNROLE_OP_PIPE);
    error_zmq (&error, ENOMEM, "a socket");
    assert_int_equal (error.code, ASYNROLE_ENOMEM);
    error_zmq (&error, ETERM, "a socket");
    assert_int_equal (error.code, ASYNROLE_EINTERNAL);
    assert_int_equal (error_nomem (&error, "a thing"), -1);
    assert_int_equal (error.code, ASYNROLE_ENOMEM);
    assert_string_equal (error.detail, "out of memory: a thing");
    assert_int_equal (error_nomem (NULL, "nothing to fill"), -1);
    char quoted[ERROR_QUOTE_MAX];
    assert_string_equal (error_quote ("short", quoted, sizeof quoted), "'short'");
    char long_text[200];
    memset (long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = 0;
    error_quote (long_text, quoted, sizeof quoted);
    assert_non_null (strstr (quoted, "...' (199 characters)"));
    assert_string_equal (error_quote (NULL, quoted, sizeof quoted), "(null)");
}

//  -------------------------------------------------------------------------
//  Frames and records

static void
test_frames (void **state)
{
    (void) state;
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "42");
    zmsg_addstr (msg, "-1");
    zmsg_addstr (msg, "4x");
    zmsg_addstr (msg, "");
    zmsg_addstr (msg, "99999999999999999999999");
    zmsg_addmem (msg, "abc", 3);
    long long value = 0;
    assert_true (frames_pop_number (msg, 0, 100, &value));
    assert_int_equal (value, 42);
    assert_false (frames_pop_number (msg, 0, 100, &value));        //  -1: below
    assert_false (frames_pop_number (msg, 0, 100, &value));        //  not a number
    assert_false (frames_pop_number (msg, 0, 100, &value));        //  empty
    assert_false (frames_pop_number (msg, 0, INT64_MAX, &value));  //  overflows
    void *pointer = NULL;
    assert_false (frames_pop_pointer (msg, &pointer));  //  3 bytes
    assert_false (frames_pop_pointer (msg, &pointer));  //  no frame
    assert_false (frames_pop_number (msg, 0, 1, &value));
    zmsg_destroy (&msg);
}

static void
test_wire_records (void **state)
{
    (void) state;
    uint8_t frame[2 * sizeof (wire_rec_t) + 64];
    memset (frame, 0, sizeof frame);
    wire_rec_t rec = { .type = WIRE_DATAGRAM, .size = 10 };
    memcpy (frame, &rec, sizeof rec);
    wire_rec_t out;
    assert_non_null (wire_rec_at (frame, sizeof frame, 0, &out));
    assert_int_equal (out.size, 10);
    //  Too short for a header, a payload past the end, an address too long,
    //  an offset past the end
    assert_null (wire_rec_at (frame, sizeof rec - 1, 0, &out));
    rec.size = sizeof frame;
    memcpy (frame, &rec, sizeof rec);
    assert_null (wire_rec_at (frame, sizeof frame, 0, &out));
    rec.size = 0;
    rec.peer.len = sizeof rec.peer.u + 1;
    memcpy (frame, &rec, sizeof rec);
    assert_null (wire_rec_at (frame, sizeof frame, 0, &out));
    assert_null (wire_rec_at (frame, sizeof frame, sizeof frame + 8, &out));
}

//  -------------------------------------------------------------------------
//  Codecs

static void
test_stats_codec (void **state)
{
    (void) state;
    asynrole_stats_t records[2];
    memset (records, 0, sizeof records);
    records[1].rx_datagrams = 7;
    zmsg_t *msg = stats_encode (records, 2);
    asynrole_stats_t out[2];
    asynrole_error_t error;
    assert_int_equal (stats_decode (msg, out, 2, &error), 2);
    assert_int_equal (out[1].rx_datagrams, 7);
    zmsg_destroy (&msg);
    //  A failed answer, a count that does not match, no records frame
    msg = stats_encode (NULL, -1);
    assert_int_equal (stats_decode (msg, out, 2, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EINTERNAL);
    zmsg_destroy (&msg);
    msg = zmsg_new ();
    zmsg_addstr (msg, "3");
    zmsg_addmem (msg, records, sizeof records);
    assert_int_equal (stats_decode (msg, out, 2, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EINTERNAL);
    zmsg_destroy (&msg);
    msg = zmsg_new ();
    zmsg_addstr (msg, "two");
    assert_int_equal (stats_decode (msg, out, 2, &error), -1);
    zmsg_destroy (&msg);
}

static atomic_int s_freed;

static void
s_count_free (void *data, void *hint)
{
    (void) data;
    (void) hint;
    atomic_fetch_add (&s_freed, 1);
}

//  A datagram event's frame, as the role writes it: header room, then payload
typedef struct {
    asynrole_event_header_t room;
    char payload[8];
} s_dgram_frame_t;

//  Send one frame of size bytes (a copy of data)
static void
s_send_frame (void *sock, const void *data, size_t size, int flags)
{
    assert_int_equal (zmq_send (sock, data, size, flags), (int) size);
}

//  A header that passes every check but the one a case breaks
static asynrole_event_header_t
s_good_header (void)
{
    asynrole_event_header_t header = { .magic = ASYNROLE_EVENT_MAGIC,
                                       .type = ASYNROLE_EVENT_DATAGRAM };
    header.peer = tu_addr ("127.0.0.1:9");
    return header;
}

//  Messages that are not events: each is discarded whole, NULL
static void
s_not_events (void *reader, void *writer)
{
    asynrole_event_header_t header = s_good_header ();
    s_send_frame (writer, "DATAGRAM", 8, 0);  //  the old format's first frame, alone
    s_send_frame (writer, "", 0, 0);
    s_send_frame (writer, &header, sizeof header - 1, 0);  //  short
    header.magic++;
    s_send_frame (writer, &header, sizeof header, 0);
    header = s_good_header ();
    header.size = 1;  //  says more than there is
    s_send_frame (writer, &header, sizeof header, 0);
    header.size = 0;
    header.type = 3;
    s_send_frame (writer, &header, sizeof header, 0);
    header.type = ASYNROLE_EVENT_ERROR;  //  no error struct after it
    s_send_frame (writer, &header, sizeof header, 0);
    header = s_good_header ();
    header.peer.len = sizeof header.peer.u + 1;
    s_send_frame (writer, &header, sizeof header, 0);
    header = s_good_header ();
    header.local.len = 1000;
    s_send_frame (writer, &header, sizeof header, 0);
    //  A good event with more frames after it, and the old 7-frame format
    header = s_good_header ();
    s_send_frame (writer, &header, sizeof header, ZMQ_SNDMORE);
    s_send_frame (writer, "tail", 4, 0);
    zsock_send (writer, "sbb444b", "DATAGRAM", "x", (size_t) 1, "y", (size_t) 1, 1, 2, 3, "z",
                (size_t) 1);
    for (int i = 0; i < 11; i++)
        assert_null (asynrole_event_recv (reader, TU_TIMEOUT_MS));
    //  Each went whole: the next message is read as it should be
    header = s_good_header ();
    s_send_frame (writer, &header, sizeof header, 0);
    asynrole_event_t *event = asynrole_event_recv (reader, TU_TIMEOUT_MS);
    assert_non_null (event);
    assert_int_equal (asynrole_event_datagram (event)->size, 0);
    asynrole_event_destroy (&event);
}

static void
test_event_codec (void **state)
{
    (void) state;
    asynrole_error_t error;
    assert_int_equal (ctx_acquire (&error), 0);
    void *reader, *writer;
    assert_int_equal (pair_new (&reader, &writer, "test", &error), 0);
    atomic_store (&s_freed, 0);
    s_dgram_frame_t frame;
    memcpy (frame.payload, "payload", 7);
    asynrole_datagram_t datagram = { .data = (const uint8_t *) frame.payload, .size = 7 };
    datagram.original_size = 9;
    datagram.peer = tu_addr ("127.0.0.1:9");
    datagram.peer.via = 1;
    datagram.ifindex = 3;
    datagram.flags = ASYNROLE_DGRAM_TRUNCATED;
    assert_int_equal (
        event_send_datagram (writer, (uint8_t *) &frame, &datagram, s_count_free, NULL), 0);
    asynrole_error_t sent = { .code = ASYNROLE_ENETWORK, .sys_errno = ECONNREFUSED };
    memset (sent.detail, 'x', sizeof sent.detail);  //  no end: the reader puts one
    static uint8_t error_frame[EVENT_ERROR_FRAME];
    assert_int_equal (event_send_error (writer, error_frame, &sent, s_count_free, NULL), 0);
    asynrole_event_t *event = asynrole_event_recv (reader, TU_TIMEOUT_MS);
    assert_non_null (event);
    const asynrole_datagram_t *got = asynrole_event_datagram (event);
    assert_memory_equal (got->data, "payload", 7);
    //  Zero-copy: the payload is the sender's memory until the event is destroyed
    assert_ptr_equal (got->data, frame.payload);
    assert_int_equal (got->size, 7);
    assert_int_equal (got->original_size, 9);
    assert_int_equal (got->ifindex, 3);
    assert_int_equal (got->flags, ASYNROLE_DGRAM_TRUNCATED);
    assert_true (asynrole_addr_equal (&got->peer, &datagram.peer));
    assert_int_equal (asynrole_addr_socket (&got->peer), 0);
    assert_int_equal (got->local.len, 0);
    assert_int_equal (atomic_load (&s_freed), 0);
    asynrole_event_destroy (&event);
    assert_int_equal (atomic_load (&s_freed), 1);
    event = asynrole_event_recv (reader, TU_TIMEOUT_MS);
    assert_int_equal (asynrole_event_type (event), ASYNROLE_EVENT_ERROR);
    assert_null (asynrole_event_datagram (event));
    assert_int_equal (asynrole_event_error (event)->sys_errno, ECONNREFUSED);
    assert_int_equal (strlen (asynrole_event_error (event)->detail), sizeof sent.detail - 1);
    asynrole_event_destroy (&event);
    assert_int_equal (atomic_load (&s_freed), 2);
    s_not_events (reader, writer);
    //  Nothing there: NULL at once, and when a short deadline passes
    assert_null (asynrole_event_recv (reader, 0));
    assert_null (asynrole_event_recv (reader, 20));
    assert_null (asynrole_event_recv (NULL, 0));
    ctx_close (&reader);
    ctx_close (&writer);
    ctx_release ();
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_link_receive_bound),
        cmocka_unit_test (test_link_send_bound),
        cmocka_unit_test (test_actor_runner),
        cmocka_unit_test (test_actor_go),
        cmocka_unit_test (test_table_ids),
        cmocka_unit_test (test_error_codes),
        cmocka_unit_test (test_frames),
        cmocka_unit_test (test_wire_records),
        cmocka_unit_test (test_stats_codec),
        cmocka_unit_test (test_event_codec),
        cmocka_unit_test (test_rebind_news_lost),
    };
    return tu_main (tests, argc, argv);
}
