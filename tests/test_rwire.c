/*  test_rwire.c - the remote wire protocol's codec (actors/remote/rwire.h,
    docs/protocol.md)

    White-box: linked with the library's objects. Round trips of every
    type with every field set (IPv4, IPv6 with a scope id, empty
    addresses), and every way a message can be malformed, built by
    changing one frame of a valid message. The hex examples of
    docs/protocol.md are read from the page and decoded, so that the page
    cannot drift from the code.
*/
#include "testutil.h"
#include "rwire.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TYPE_FIRST RWIRE_HELLO
#define TYPE_LAST RWIRE_RESULT

//  Which addresses a full message carries
typedef enum {
    ADDRS_V4,
    ADDRS_V6,
    ADDRS_EMPTY,
    ADDRS_KINDS
} addrs_t;

static uint8_t s_payload[ASYNROLE_DGRAM_MAX + 1];

static bool
s_has_fields (rwire_type_t type)
{
    return type != RWIRE_HEARTBEAT && type != RWIRE_BYE;
}

static bool
s_has_addr (rwire_type_t type)
{
    return type == RWIRE_DATAGRAM || type == RWIRE_SEND || type == RWIRE_REQUEST
        || type == RWIRE_RESULT;
}

//  The frame of fixed fields is frame 1 of every type that has one
#define FIELDS_FRAME 1

static void
s_fill_addrs (rwire_msg_t *m, addrs_t addrs)
{
    if (addrs == ADDRS_V4) {
        m->peer = tu_addr ("192.0.2.7:1161");
        m->local = tu_addr ("198.51.100.1:162");
    }
    else if (addrs == ADDRS_V6) {
        m->peer = tu_addr ("[fe80::1:2%4000000001]:65535");
        m->local = tu_addr ("[2001:db8::ff]:161");
    }
}

//  Every field the type has, none of the others
static rwire_msg_t
s_full (rwire_type_t type, addrs_t addrs)
{
    rwire_msg_t m;
    memset (&m, 0, sizeof m);
    m.type = type;
    m.version = ASYNROLE_PROTOCOL_VERSION;
    for (size_t i = 0; i < sizeof s_payload; i++)
        s_payload[i] = (uint8_t) (i * 7 + 1);
    switch (type) {
        case RWIRE_HELLO: m.credit = 0xfffffffe, m.heartbeat = 1000; break;
        case RWIRE_WELCOME:
            m.credit = 64, m.heartbeat = 250, m.heartbeat_timeout = 0x80000001;
            break;
        case RWIRE_ERROR: m.code = ASYNROLE_EPROTOCOL, m.spoken = 7; break;
        case RWIRE_DATAGRAM:
            m.seq = 0x0102030405060708ull, m.ifindex = 3, m.flags = 0x80000000u;
            m.original_size = 70000;
            break;
        case RWIRE_CREDIT: m.done = 17; break;
        case RWIRE_SEND: m.ifindex = 0xffffffffu; break;
        case RWIRE_REQUEST:
            m.token = UINT64_MAX, m.has_policy = true;
            m.policy = (asynrole_policy_t){ .timeout = 1500,
                                            .retries = 3,
                                            .backoff = ASYNROLE_BACKOFF_EXPONENTIAL,
                                            .max_timeout = 8000,
                                            .jitter = 20,
                                            .deadline = -1 };
            break;
        case RWIRE_CANCEL: m.token = 42; break;
        case RWIRE_RESULT:
            m.token = 1ull << 63, m.code = ASYNROLE_ENORESPONSE, m.op = ASYNROLE_OP_SEND;
            m.sys_errno = -5, m.attempts = 4, m.attempt = -1, m.rtt_us = -123456789012345ll;
            break;
        default: break;
    }
    if (type == RWIRE_HELLO)
        snprintf (m.text, sizeof m.text, "worker-%d", 12);
    if (type == RWIRE_ERROR || type == RWIRE_RESULT)
        memset (m.text, 'x', RWIRE_TEXT_MAX);
    if (s_has_addr (type))
        s_fill_addrs (&m, addrs);
    if (type == RWIRE_DATAGRAM || type == RWIRE_SEND)
        m.peer.via = type == RWIRE_SEND ? 0xffffffffu : 2;
    if (type == RWIRE_REQUEST || type == RWIRE_RESULT)
        m.local = (asynrole_addr_t){ .len = 0 };
    if (s_has_addr (type))
        m.data = s_payload, m.size = type == RWIRE_RESULT ? 0 : ASYNROLE_DGRAM_MAX;
    return m;
}

//  Field by field (for a clear message), then every byte but the data pointer
static void
s_assert_same (const rwire_msg_t *want, const rwire_msg_t *got)
{
    assert_int_equal (want->type, got->type);
    assert_int_equal (got->version, ASYNROLE_PROTOCOL_VERSION);
    assert_string_equal (want->text, got->text);
    assert_int_equal (want->size, got->size);
    if (want->size)
        assert_memory_equal (want->data, got->data, want->size);
    assert_true (asynrole_addr_equal (&want->peer, &got->peer));
    assert_true (asynrole_addr_equal (&want->local, &got->local));
    assert_int_equal (want->peer.via, got->peer.via);
    rwire_msg_t a = *want, b = *got;
    a.data = b.data = NULL;
    assert_memory_equal (&a, &b, sizeof a);
}

//  Decode msg (not destroyed); the status
static rwire_status_t
s_decode (zmsg_t *msg, rwire_msg_t *m)
{
    return rwire_decode (msg, m);
}

//  A message as its frames' bytes, for comparison
static bool
s_same_bytes (zmsg_t *a, zmsg_t *b)
{
    if (zmsg_size (a) != zmsg_size (b))
        return false;
    for (zframe_t *x = zmsg_first (a), *y = zmsg_first (b); x; x = zmsg_next (a), y = zmsg_next (b))
        if (!zframe_eq (x, y))
            return false;
    return true;
}

static void
s_round_trip (const rwire_msg_t *m)
{
    zmsg_t *msg = rwire_encode (m);
    assert_non_null (msg);
    rwire_msg_t got;
    assert_int_equal (s_decode (msg, &got), RWIRE_OK);
    s_assert_same (m, &got);
    //  Canonical: what was decoded encodes to the same bytes
    zmsg_t *again = rwire_encode (&got);
    assert_non_null (again);
    assert_true (s_same_bytes (msg, again));
    zmsg_destroy (&again);
    zmsg_destroy (&msg);
}

//  -------------------------------------------------------------------------
//  Round trips

static void
test_round_trip_every_type (void **state)
{
    (void) state;
    for (int type = TYPE_FIRST; type <= TYPE_LAST; type++)
        for (int addrs = 0; addrs < ADDRS_KINDS; addrs++) {
            rwire_msg_t m = s_full ((rwire_type_t) type, (addrs_t) addrs);
            s_round_trip (&m);
        }
}

//  Decoded addresses are byte for byte what asynrole_addr_parse makes
static void
test_addresses_as_parsed (void **state)
{
    (void) state;
    const char *texts[] = {
        "0.0.0.0:0",          "255.255.255.255:65535", "[::]:0",
        "[::ffff:1.2.3.4]:9", "[fe80::1%1]:161",       "[fe80::1%4294967295]:1"
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        rwire_msg_t m = s_full (RWIRE_SEND, ADDRS_EMPTY);
        m.peer = tu_addr (texts[i]);
        m.local = tu_addr (texts[i]);
        zmsg_t *msg = rwire_encode (&m);
        rwire_msg_t got;
        assert_int_equal (s_decode (msg, &got), RWIRE_OK);
        asynrole_addr_t parsed = tu_addr (texts[i]);
        assert_memory_equal (&parsed, &got.local, sizeof parsed);
        assert_true (asynrole_addr_equal (&parsed, &got.peer));
        zmsg_destroy (&msg);
    }
}

static void
test_small_payloads (void **state)
{
    (void) state;
    size_t sizes[] = { 0, 1, 2, 1472, ASYNROLE_DGRAM_MAX_IPV4 };
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        rwire_msg_t m = s_full (RWIRE_DATAGRAM, ADDRS_V4);
        m.size = sizes[i];
        s_round_trip (&m);
    }
}

static void
test_request_without_policy (void **state)
{
    (void) state;
    rwire_msg_t m = s_full (RWIRE_REQUEST, ADDRS_V6);
    m.has_policy = false;
    zmsg_t *msg = rwire_encode (&m);
    rwire_msg_t got;
    assert_int_equal (s_decode (msg, &got), RWIRE_OK);
    assert_false (got.has_policy);
    //  The encoder sent zeros for the policy it was not to send
    static const asynrole_policy_t none;
    assert_memory_equal (&got.policy, &none, sizeof none);
    zmsg_destroy (&msg);
}

static void
test_short_forms (void **state)
{
    (void) state;
    rwire_msg_t got;
    for (int type = TYPE_FIRST; type <= TYPE_LAST; type++) {
        zmsg_t *msg = rwire_simple ((rwire_type_t) type);
        assert_non_null (msg);
        assert_int_equal (s_decode (msg, &got), RWIRE_OK);
        assert_int_equal (got.type, type);
        zmsg_destroy (&msg);
    }
    zmsg_t *msg = rwire_simple (RWIRE_HEARTBEAT);
    assert_int_equal (zmsg_size (msg), 1);
    assert_memory_equal (zframe_data (zmsg_first (msg)), "AR\x01\x03", 4);
    zmsg_destroy (&msg);

    char text[RWIRE_TEXT_MAX * 2];
    memset (text, 'e', sizeof text - 1);
    text[sizeof text - 1] = 0;
    msg = rwire_error (ASYNROLE_EDISCONNECTED, text);
    assert_int_equal (s_decode (msg, &got), RWIRE_OK);
    assert_int_equal (got.type, RWIRE_ERROR);
    assert_int_equal (got.code, ASYNROLE_EDISCONNECTED);
    assert_int_equal (got.spoken, ASYNROLE_PROTOCOL_VERSION);
    assert_int_equal (strlen (got.text), RWIRE_TEXT_MAX);
    zmsg_destroy (&msg);
    msg = rwire_error (ASYNROLE_EPROTOCOL, NULL);
    assert_int_equal (s_decode (msg, &got), RWIRE_OK);
    assert_string_equal (got.text, "");
    zmsg_destroy (&msg);
}

static void
test_names (void **state)
{
    (void) state;
    const char *names[] = { "?",        "HELLO",  "WELCOME", "HEARTBEAT", "BYE",    "ERROR",
                            "DATAGRAM", "CREDIT", "SEND",    "REQUEST",   "CANCEL", "RESULT" };
    for (int type = 0; type <= TYPE_LAST; type++)
        assert_string_equal (rwire_name (type), names[type]);
    assert_string_equal (rwire_name (-1), "?");
    assert_string_equal (rwire_name (12), "?");
    assert_string_equal (rwire_name (256), "?");
}

//  The encoder refuses what the decoder would
static void
test_encode_refuses (void **state)
{
    (void) state;
    assert_null (rwire_encode (NULL));
    rwire_msg_t m = s_full (RWIRE_SEND, ADDRS_V4);
    m.type = (rwire_type_t) 0;
    assert_null (rwire_encode (&m));
    m.type = (rwire_type_t) 12;
    assert_null (rwire_encode (&m));
    assert_null (rwire_simple ((rwire_type_t) 99));
    m = s_full (RWIRE_SEND, ADDRS_V4);
    m.peer.len = sizeof m.peer.u.in6;  //  IPv4 of IPv6's length
    assert_null (rwire_encode (&m));
    m = s_full (RWIRE_SEND, ADDRS_V4);
    m.local.u.sa.sa_family = AF_UNIX;
    assert_null (rwire_encode (&m));
    m = s_full (RWIRE_DATAGRAM, ADDRS_V6);
    m.size = ASYNROLE_DGRAM_MAX + 1;
    assert_null (rwire_encode (&m));
    m = s_full (RWIRE_DATAGRAM, ADDRS_V6);
    m.data = NULL;
    assert_null (rwire_encode (&m));
    m = s_full (RWIRE_REQUEST, ADDRS_V6);
    m.policy.backoff = (asynrole_backoff_t) 2;
    assert_null (rwire_encode (&m));
}

//  -------------------------------------------------------------------------
//  Malformed messages: a valid one with one thing changed

//  msg with frame index replaced by size bytes (data, or the frame's own
//  bytes when data is NULL, with 0xee past its end); NULL data and
//  size == SIZE_MAX drops the frame
static zmsg_t *
s_with_frame (zmsg_t *msg, size_t index, const void *data, size_t size)
{
    zmsg_t *copy = zmsg_new ();
    size_t i = 0;
    for (zframe_t *frame = zmsg_first (msg); frame; frame = zmsg_next (msg), i++) {
        if (i != index) {
            zmsg_addmem (copy, zframe_data (frame), zframe_size (frame));
            continue;
        }
        if (size == SIZE_MAX)
            continue;
        uint8_t *bytes = malloc (size + 1);
        assert_non_null (bytes);
        memset (bytes, 0xee, size + 1);
        if (data)
            memcpy (bytes, data, size);
        else
            memcpy (bytes, zframe_data (frame),
                    size < zframe_size (frame) ? size : zframe_size (frame));
        zmsg_addmem (copy, bytes, size);
        free (bytes);
    }
    return copy;
}

static zmsg_t *
s_copy (zmsg_t *msg)
{
    return s_with_frame (msg, SIZE_MAX, NULL, 0);
}

//  Decoding msg gives status (the message is destroyed)
static void
s_expect (zmsg_t **msg_p, rwire_status_t status, const char *what)
{
    rwire_msg_t got;
    memset (&got, 0x5a, sizeof got);
    rwire_status_t rc = s_decode (*msg_p, &got);
    if (rc != status)
        fail_msg ("%s: status %d, expected %d", what, (int) rc, (int) status);
    if (status != RWIRE_OK) {
        //  Nothing but the version is left in m
        rwire_msg_t zero;
        memset (&zero, 0, sizeof zero);
        zero.version = got.version;
        assert_memory_equal (&zero, &got, sizeof got);
    }
    zmsg_destroy (msg_p);
}

//  A full message of type with frame index resized by delta bytes
static void
s_expect_resized (rwire_type_t type, addrs_t addrs, size_t index, int delta, const char *what)
{
    rwire_msg_t m = s_full (type, addrs);
    zmsg_t *msg = rwire_encode (&m);
    zframe_t *frame = zmsg_first (msg);
    for (size_t i = 0; i < index; i++)
        frame = zmsg_next (msg);
    size_t size = zframe_size (frame);
    zmsg_t *bad = s_with_frame (msg, index, NULL, (size_t) ((long) size + delta));
    char where[128];
    snprintf (where, sizeof where, "%s %s frame %zu %+d", rwire_name (type), what, index, delta);
    s_expect (&bad, RWIRE_MALFORMED, where);
    zmsg_destroy (&msg);
}

static void
test_empty_message (void **state)
{
    (void) state;
    zmsg_t *msg = zmsg_new ();
    s_expect (&msg, RWIRE_MALFORMED, "no frames");
    rwire_msg_t got;
    assert_int_equal (rwire_decode (NULL, &got), RWIRE_MALFORMED);
    msg = zmsg_new ();
    zmsg_addmem (msg, NULL, 0);
    s_expect (&msg, RWIRE_MALFORMED, "one empty frame");
}

static void
test_frame0_sizes (void **state)
{
    (void) state;
    const char *heads[] = { "A", "AR", "AR\x01", "AR\x01\x03\x00", "AR\x01\x03\x03\x03" };
    size_t sizes[] = { 1, 2, 3, 5, 6 };
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        zmsg_t *msg = zmsg_new ();
        zmsg_addmem (msg, heads[i], sizes[i]);
        s_expect (&msg, RWIRE_MALFORMED, heads[i]);
    }
    //  One byte short and long in every type
    for (int type = TYPE_FIRST; type <= TYPE_LAST; type++) {
        s_expect_resized ((rwire_type_t) type, ADDRS_V4, 0, -1, "head");
        s_expect_resized ((rwire_type_t) type, ADDRS_V4, 0, 1, "head");
    }
}

static void
test_wrong_magic (void **state)
{
    (void) state;
    const char *heads[] = { "ar\x01\x03", "RA\x01\x03", "AS\x01\x03", "\0R\x01\x03", "\0\0\0\0" };
    for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {
        zmsg_t *msg = zmsg_new ();
        zmsg_addmem (msg, heads[i], 4);
        s_expect (&msg, RWIRE_MALFORMED, "magic");
    }
}

//  'A' 'R' and another version: BAD_VERSION with theirs, whatever follows
static void
test_bad_version (void **state)
{
    (void) state;
    uint8_t versions[] = { 0, 2, 3, 0x7f, 0xff };
    for (size_t i = 0; i < sizeof versions; i++) {
        uint8_t head[8] = { 'A', 'R', versions[i], 0xff, 1, 2, 3, 4 };
        for (size_t size = 3; size <= sizeof head; size++) {
            zmsg_t *msg = zmsg_new ();
            zmsg_addmem (msg, head, size);
            for (size_t more = 0; more < size % 3; more++)
                zmsg_addmem (msg, "junk", 4);
            rwire_msg_t got;
            assert_int_equal (s_decode (msg, &got), RWIRE_BAD_VERSION);
            assert_int_equal (got.version, versions[i]);
            assert_int_equal (got.type, 0);
            zmsg_destroy (&msg);
        }
    }
    //  A message of ours with its version byte changed
    rwire_msg_t m = s_full (RWIRE_RESULT, ADDRS_V6);
    zmsg_t *msg = rwire_encode (&m);
    zmsg_t *bad = s_with_frame (msg, 0, "AR\x02\x0b", 4);
    rwire_msg_t got;
    assert_int_equal (s_decode (bad, &got), RWIRE_BAD_VERSION);
    assert_int_equal (got.version, 2);
    zmsg_destroy (&bad);
    zmsg_destroy (&msg);
}

static void
test_unknown_type (void **state)
{
    (void) state;
    uint8_t types[] = { 0, 12, 13, 0x80, 0xff };
    for (size_t i = 0; i < sizeof types; i++) {
        uint8_t head[4] = { 'A', 'R', ASYNROLE_PROTOCOL_VERSION, types[i] };
        zmsg_t *msg = zmsg_new ();
        zmsg_addmem (msg, head, sizeof head);
        s_expect (&msg, RWIRE_MALFORMED, "unknown type");
    }
}

static void
test_frame_counts (void **state)
{
    (void) state;
    for (int type = TYPE_FIRST; type <= TYPE_LAST; type++) {
        rwire_msg_t m = s_full ((rwire_type_t) type, ADDRS_V4);
        zmsg_t *msg = rwire_encode (&m);
        size_t frames = zmsg_size (msg);
        //  One frame more (empty, and a copy of the last)
        zmsg_t *more = s_copy (msg);
        zmsg_addmem (more, NULL, 0);
        s_expect (&more, RWIRE_MALFORMED, "an empty frame more");
        more = s_copy (msg);
        zframe_t *last = zmsg_last (msg);
        zmsg_addmem (more, zframe_data (last), zframe_size (last));
        s_expect (&more, RWIRE_MALFORMED, "a frame more");
        //  Each frame after frame 0 missing in turn
        for (size_t i = 1; i < frames; i++) {
            zmsg_t *fewer = s_with_frame (msg, i, NULL, SIZE_MAX);
            s_expect (&fewer, RWIRE_MALFORMED, "a frame fewer");
        }
        zmsg_destroy (&msg);
    }
}

//  Every frame of fixed fields, each address kind, a byte short and long
static void
test_fixed_frames_sizes (void **state)
{
    (void) state;
    for (int type = TYPE_FIRST; type <= TYPE_LAST; type++) {
        if (!s_has_fields ((rwire_type_t) type))
            continue;
        for (int addrs = 0; addrs < ADDRS_KINDS; addrs++) {
            s_expect_resized ((rwire_type_t) type, (addrs_t) addrs, FIELDS_FRAME, -1, "fields");
            s_expect_resized ((rwire_type_t) type, (addrs_t) addrs, FIELDS_FRAME, 1, "fields");
        }
        //  And empty
        rwire_msg_t m = s_full ((rwire_type_t) type, ADDRS_V4);
        zmsg_t *msg = rwire_encode (&m);
        zmsg_t *bad = s_with_frame (msg, FIELDS_FRAME, NULL, 0);
        s_expect (&bad, RWIRE_MALFORMED, "empty fields");
        zmsg_destroy (&msg);
    }
}

//  Where the first address's family byte is in frame 1
static size_t
s_family_at (rwire_type_t type)
{
    return type == RWIRE_SEND ? 0 : type == RWIRE_RESULT ? 8 + 4 * 5 + 8 : 8;
}

//  Frame 1 of a full message of type with its byte at changed to value
static void
s_expect_fields (rwire_type_t type, addrs_t addrs, size_t at, uint8_t value, rwire_status_t status,
                 const char *what)
{
    rwire_msg_t m = s_full (type, addrs);
    zmsg_t *msg = rwire_encode (&m);
    zmsg_first (msg);
    zframe_t *frame = zmsg_next (msg);
    uint8_t bytes[256];
    size_t size = zframe_size (frame);
    assert_true (size <= sizeof bytes && at < size);
    memcpy (bytes, zframe_data (frame), size);
    bytes[at] = value;
    zmsg_t *bad = s_with_frame (msg, FIELDS_FRAME, bytes, size);
    char where[128];
    snprintf (where, sizeof where, "%s: %s", rwire_name (type), what);
    s_expect (&bad, status, where);
    zmsg_destroy (&msg);
}

static void
test_bad_family (void **state)
{
    (void) state;
    uint8_t families[] = { 1, 2, 3, 5, 7, 10, 0x34, 0x36, 0xff };
    rwire_type_t types[] = { RWIRE_DATAGRAM, RWIRE_SEND, RWIRE_REQUEST, RWIRE_RESULT };
    for (size_t t = 0; t < sizeof types / sizeof *types; t++)
        for (size_t i = 0; i < sizeof families; i++)
            s_expect_fields (types[t], ADDRS_V4, s_family_at (types[t]), families[i],
                             RWIRE_MALFORMED, "family");
    //  The second address of DATAGRAM and SEND (after the first and via)
    s_expect_fields (RWIRE_DATAGRAM, ADDRS_EMPTY, 8 + 1 + 4, 9, RWIRE_MALFORMED, "local family");
    s_expect_fields (RWIRE_SEND, ADDRS_EMPTY, 1 + 4, 9, RWIRE_MALFORMED, "local family");
}

//  A family byte that says another length than the bytes that follow
static void
test_addr_length_mismatch (void **state)
{
    (void) state;
    rwire_type_t types[] = { RWIRE_DATAGRAM, RWIRE_SEND, RWIRE_REQUEST, RWIRE_RESULT };
    struct {
        addrs_t addrs;
        uint8_t family;
    } cases[] = { { ADDRS_V4, 6 }, { ADDRS_V4, 0 },    { ADDRS_V6, 4 },
                  { ADDRS_V6, 0 }, { ADDRS_EMPTY, 4 }, { ADDRS_EMPTY, 6 } };
    for (size_t t = 0; t < sizeof types / sizeof *types; t++)
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
            s_expect_fields (types[t], cases[i].addrs, s_family_at (types[t]), cases[i].family,
                             RWIRE_MALFORMED, "family against length");
}

static void
test_text_too_long (void **state)
{
    (void) state;
    char text[RWIRE_TEXT_MAX + 1];
    memset (text, 't', sizeof text);
    rwire_type_t types[] = { RWIRE_HELLO, RWIRE_ERROR, RWIRE_RESULT };
    for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
        rwire_msg_t m = s_full (types[t], ADDRS_V4);
        zmsg_t *msg = rwire_encode (&m);
        size_t index = zmsg_size (msg) - 1;  //  the text is the last frame
        zmsg_t *bad = s_with_frame (msg, index, text, sizeof text);
        s_expect (&bad, RWIRE_MALFORMED, "text too long");
        zmsg_t *good = s_with_frame (msg, index, text, sizeof text - 1);
        s_expect (&good, RWIRE_OK, "text at its longest");
        zmsg_t *nul = s_with_frame (msg, index, "a\0b", 3);
        s_expect (&nul, RWIRE_MALFORMED, "a NUL in a text");
        zmsg_destroy (&msg);
    }
}

static void
test_payload_too_long (void **state)
{
    (void) state;
    rwire_type_t types[] = { RWIRE_DATAGRAM, RWIRE_SEND, RWIRE_REQUEST, RWIRE_RESULT };
    for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
        rwire_msg_t m = s_full (types[t], ADDRS_V6);
        zmsg_t *msg = rwire_encode (&m);
        zmsg_t *bad = s_with_frame (msg, 2, s_payload, ASYNROLE_DGRAM_MAX + 1);
        s_expect (&bad, RWIRE_MALFORMED, "payload too long");
        zmsg_t *good = s_with_frame (msg, 2, s_payload, ASYNROLE_DGRAM_MAX);
        s_expect (&good, RWIRE_OK, "payload at its longest");
        zmsg_destroy (&msg);
    }
}

//  REQUEST's has-policy and backoff bytes: 0 or 1; without a policy, zeros
static void
test_backoff_range (void **state)
{
    (void) state;
    size_t has_policy_at = 8 + 1 + 2 + 4;  //  token, IPv4 destination
    size_t backoff_at = has_policy_at + 1 + 4 + 4;
    uint8_t values[] = { 2, 3, 0x80, 0xff };
    for (size_t i = 0; i < sizeof values; i++) {
        s_expect_fields (RWIRE_REQUEST, ADDRS_V4, backoff_at, values[i], RWIRE_MALFORMED,
                         "backoff");
        s_expect_fields (RWIRE_REQUEST, ADDRS_V4, has_policy_at, values[i], RWIRE_MALFORMED,
                         "has policy");
    }
    s_expect_fields (RWIRE_REQUEST, ADDRS_V4, backoff_at, 0, RWIRE_OK, "backoff fixed");
    //  has policy 0 with the policy's fields set
    s_expect_fields (RWIRE_REQUEST, ADDRS_V4, has_policy_at, 0, RWIRE_MALFORMED,
                     "a policy without has policy");
}

//  -------------------------------------------------------------------------
//  The examples of docs/protocol.md, read from the page: in a ``` block, a
//  line "frame N: hex...  comment" starts frame N, a line of spaces, hex
//  and a comment goes on with it; the hex ends where two spaces do

#define EXAMPLE_FRAMES 4
#define EXAMPLE_BYTES 256

typedef struct {
    uint8_t bytes[EXAMPLE_FRAMES][EXAMPLE_BYTES];
    size_t sizes[EXAMPLE_FRAMES];
    size_t frames;
} example_t;

//  The hex bytes at the start of text, up to two spaces or the end
static void
s_hex_line (const char *text, example_t *example)
{
    assert_true (example->frames > 0);
    size_t frame = example->frames - 1;
    while (*text == ' ')
        text++;
    const char *end = strstr (text, "  ");
    size_t length = end ? (size_t) (end - text) : strlen (text);
    //  A comment alone (an empty frame's line) has no hex
    for (size_t i = 0; i < length; i++)
        if (!strchr ("0123456789abcdef ", text[i]))
            return;
    for (size_t i = 0; i + 1 < length; i += 3) {
        unsigned byte;
        assert_int_equal (sscanf (text + i, "%2x", &byte), 1);
        assert_true (example->sizes[frame] < EXAMPLE_BYTES);
        example->bytes[frame][example->sizes[frame]++] = (uint8_t) byte;
    }
}

static zmsg_t *
s_example_msg (const example_t *example)
{
    zmsg_t *msg = zmsg_new ();
    for (size_t i = 0; i < example->frames; i++)
        zmsg_addmem (msg, example->bytes[i], example->sizes[i]);
    return msg;
}

//  Decode an example: of a type not seen before, and canonical
static void
s_check_example (const example_t *example, bool *seen)
{
    zmsg_t *msg = s_example_msg (example);
    rwire_msg_t got;
    if (s_decode (msg, &got) != RWIRE_OK)
        fail_msg ("docs/protocol.md: an example does not decode (frame 0 %02x %02x %02x %02x)",
                  example->bytes[0][0], example->bytes[0][1], example->bytes[0][2],
                  example->bytes[0][3]);
    zmsg_t *again = rwire_encode (&got);
    assert_true (s_same_bytes (msg, again));
    seen[got.type] = true;
    zmsg_destroy (&again);
    zmsg_destroy (&msg);
}

static void
test_doc_examples (void **state)
{
    (void) state;
    FILE *file = fopen (ASYNROLE_DOCS_DIR "/protocol.md", "r");
    assert_non_null (file);
    bool seen[TYPE_LAST + 1] = { false };
    example_t example;
    memset (&example, 0, sizeof example);
    bool in_block = false;
    char line[512];
    size_t examples = 0;
    while (fgets (line, sizeof line, file)) {
        line[strcspn (line, "\n")] = 0;
        unsigned frame;
        int skip = 0;
        if (strncmp (line, "```", 3) == 0) {
            if (in_block && example.frames)
                s_check_example (&example, seen), examples++;
            memset (&example, 0, sizeof example);
            in_block = !in_block;
        }
        else if (in_block && sscanf (line, "frame %u:%n", &frame, &skip) == 1 && skip) {
            assert_int_equal (frame, example.frames);
            assert_true (frame < EXAMPLE_FRAMES);
            example.frames++;
            s_hex_line (line + skip, &example);
        }
        else if (in_block && example.frames && line[0] == ' ')
            s_hex_line (line, &example);
    }
    fclose (file);
    assert_true (examples >= TYPE_LAST);
    for (int type = TYPE_FIRST; type <= TYPE_LAST; type++)
        if (!seen[type])
            fail_msg ("docs/protocol.md has no example of %s", rwire_name (type));
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_round_trip_every_type),
        cmocka_unit_test (test_addresses_as_parsed),
        cmocka_unit_test (test_small_payloads),
        cmocka_unit_test (test_request_without_policy),
        cmocka_unit_test (test_short_forms),
        cmocka_unit_test (test_names),
        cmocka_unit_test (test_encode_refuses),
        cmocka_unit_test (test_empty_message),
        cmocka_unit_test (test_frame0_sizes),
        cmocka_unit_test (test_wrong_magic),
        cmocka_unit_test (test_bad_version),
        cmocka_unit_test (test_unknown_type),
        cmocka_unit_test (test_frame_counts),
        cmocka_unit_test (test_fixed_frames_sizes),
        cmocka_unit_test (test_bad_family),
        cmocka_unit_test (test_addr_length_mismatch),
        cmocka_unit_test (test_text_too_long),
        cmocka_unit_test (test_payload_too_long),
        cmocka_unit_test (test_backoff_range),
        cmocka_unit_test (test_doc_examples),
    };
    return tu_main (tests, argc, argv);
}
