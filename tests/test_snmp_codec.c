/*  test_snmp_codec.c - the SNMP examples' message codec (examples/snmp)

    Pure functions: no role, no network. Messages captured from net-snmp
    5.9.3 (Debian 12) decode to what net-snmp sent and encode back to the
    same bytes; every PDU type and value type makes the round trip; every
    class of malformed input gets its error; every truncation is refused;
    a bounded, seeded mutation loop must neither crash nor read out of
    bounds (each input sits in a heap block of its exact size, so ASan and
    valgrind see any read past it). Values print as net-snmp's snmpget -On
    printed them.
*/
#include "testutil.h"
#include "snmp_format.h"
#include <stdlib.h>
#include <string.h>

//  -------------------------------------------------------------------------
//  Bytes

#define S_BUF_MAX 8192

typedef struct {
    uint8_t b[S_BUF_MAX];
    size_t n;
} s_buf_t;

//  Hex text (white space ignored) to bytes
static s_buf_t
s_hex (const char *hex)
{
    s_buf_t buf = { .n = 0 };
    unsigned byte = 0, digits = 0;
    for (const char *p = hex; *p; p++) {
        char c = *p;
        if (c == ' ' || c == '\n')
            continue;
        unsigned v = c >= 'a' ? (unsigned) (c - 'a' + 10)
            : c >= 'A'        ? (unsigned) (c - 'A' + 10)
                              : (unsigned) (c - '0');
        assert_true (v < 16);
        byte = byte * 16 + v;
        if (++digits == 2) {
            assert_true (buf.n < S_BUF_MAX);
            buf.b[buf.n++] = (uint8_t) byte;
            byte = digits = 0;
        }
    }
    assert_int_equal (digits, 0);
    return buf;
}

static s_buf_t
s_cat (s_buf_t a, s_buf_t b)
{
    assert_true (a.n + b.n <= S_BUF_MAX);
    memcpy (a.b + a.n, b.b, b.n);
    a.n += b.n;
    return a;
}

//  A TLV with a minimal length
static s_buf_t
s_tlv (uint8_t tag, s_buf_t contents)
{
    s_buf_t out = { .n = 0 };
    out.b[out.n++] = tag;
    if (contents.n >= 256) {
        out.b[out.n++] = 0x82;
        out.b[out.n++] = (uint8_t) (contents.n >> 8);
    }
    else if (contents.n >= 128)
        out.b[out.n++] = 0x81;
    out.b[out.n++] = (uint8_t) contents.n;
    return s_cat (out, contents);
}

//  A message: version, community "public", a PDU of tag with fields (hex)
//  and a varbind list (already a SEQUENCE, or anything to test)
static s_buf_t
s_message (const char *version, uint8_t tag, const char *fields, s_buf_t varbinds)
{
    s_buf_t pdu = s_tlv (tag, s_cat (s_hex (fields), varbinds));
    s_buf_t body = s_cat (s_cat (s_hex (version), s_hex ("04 06 7075626c6963")), pdu);
    return s_tlv (0x30, body);
}

//  A v2c GetResponse with one varbind: name and value as hex TLVs
static s_buf_t
s_response (const char *name, const char *value)
{
    s_buf_t varbind = s_tlv (0x30, s_cat (s_hex (name), s_hex (value)));
    return s_message ("020101", 0xA2, "020101 020100 020100", s_tlv (0x30, varbind));
}

//  Decode from a heap copy of exactly size bytes: a read past the end is
//  an ASan / valgrind error, not a silent read of the next byte
static snmp_err_t
s_decode (snmp_msg_t *msg, const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc (size ? size : 1);
    assert_non_null (copy);
    if (size)
        memcpy (copy, data, size);
    snmp_err_t err = snmp_msg_decode (msg, copy, size);
    //  Peek reads the same header, and agrees with a full decode
    snmp_version_t version;
    snmp_pdu_type_t type;
    int32_t request_id;
    snmp_err_t peeked = snmp_msg_peek (copy, size, &version, &type, &request_id);
    if (err == SNMP_OK) {
        assert_int_equal (peeked, SNMP_OK);
        assert_int_equal (version, msg->version);
        assert_int_equal (type, msg->type);
        assert_int_equal (request_id, msg->request_id);
    }
    //  What points into the input is no longer valid once it is freed
    if (err == SNMP_OK)
        msg->community = NULL;
    for (size_t i = 0; err == SNMP_OK && i < msg->varbind_count; i++) {
        snmp_value_t *value = &msg->varbinds[i].value;
        if (value->type == SNMP_TYPE_OCTET_STRING || value->type == SNMP_TYPE_OPAQUE)
            value->u.string.data = NULL;
    }
    free (copy);
    return err;
}

static snmp_msg_t s_msg, s_msg2;  //  large: not on the stack
static uint8_t s_out[SNMP_MSG_MAX];

static void
s_expect_error (s_buf_t input, snmp_err_t expected, const char *what)
{
    snmp_err_t err = s_decode (&s_msg, input.b, input.n);
    if (err != expected)
        fail_msg ("%s: got '%s', expected '%s'", what, snmp_strerror (err),
                  snmp_strerror (expected));
}

//  -------------------------------------------------------------------------
//  Captured from net-snmp 5.9.3 on Debian 12: what snmpget, snmpgetnext,
//  snmpbulkget, snmptrap, snmpinform and snmpset sent to a UDP socket on
//  127.0.0.1, and what snmpd answered (run with its own config file:
//  rocommunity public 127.0.0.1, sysLocation Lab "rack" 3, ...)

//  snmpget -v2c -c public 127.0.0.1:PORT .1.3.6.1.2.1.1.1.0 .1.3.6.1.2.1.1.3.0
#define S_GET_V2C                                                                        \
    "303702010104067075626c6963a02a02046945efe7020100020100301c300c06082b06010201010100" \
    "0500300c06082b060102010103000500"
//  snmpgetnext -v1 -c public 127.0.0.1:PORT .1.3.6.1.2.1.1
#define S_GETNEXT_V1 \
    "302702010004067075626c6963a11a020449a26f95020100020100300c300a06062b06010201010500"
//  snmpbulkget -v2c -c public -Cn1 -Cr5 127.0.0.1:PORT .1.3.6.1.2.1.1.3.0 .1.3.6.1.2.1.1
#define S_GETBULK_V2C                                                                    \
    "303502010104067075626c6963a52802042b69d685020101020105301a300c06082b06010201010300" \
    "0500300a06062b06010201010500"
//  snmptrap -v1 -c public 127.0.0.1:PORT .1.3.6.1.4.1.8072.2.3 192.0.2.7 6 17 1234
//           .1.3.6.1.4.1.8072.2.3.2.1 i 42
#define S_TRAP_V1                                                                        \
    "303c02010004067075626c6963a42f06092b06010401bf0802034004c0000207020106020111430204" \
    "d230123010060b2b06010401bf080203020102012a"
//  snmptrap -v2c -c public 127.0.0.1:PORT 5678 .1.3.6.1.6.3.1.1.5.1 .1.3.6.1.2.1.1.5.0 s hello
#define S_TRAP_V2C                                                                       \
    "305702010104067075626c6963a74a0204087640cf020100020100303c300e06082b06010201010300" \
    "4302162e3017060a2b06010603010104010006092b0601060301010501301106082b06010201010500" \
    "040568656c6c6f"
//  snmpinform, the same arguments
#define S_INFORM_V2C                                                                     \
    "305702010104067075626c6963a64a020478460d42020100020100303c300e06082b06010201010300" \
    "4302162e3017060a2b06010603010104010006092b0601060301010501301106082b06010201010500" \
    "040568656c6c6f"
//  snmpset -v2c -c private 127.0.0.1:PORT .1.3.6.1.2.1.1.5.0 s x .1.3.6.1.2.1.1.7.0 i -5
//      .1.3.6.1.2.1.1.2.0 o .1.3.6.1.4.1.1 .1.3.6.1.2.1.4.20.1.1.1 a 10.1.2.3
//      .1.3.6.1.2.1.2.2.1.5.1 u 7 .1.3.6.1.2.1.1.3.0 t 100 .1.3.6.1.2.1.1.4.0 x 00ff
#define S_SET_V2C                                                                        \
    "308193020101040770726976617465a381840204735b7f230201000201003076300d06082b06010201" \
    "010500040178300d06082b060102010107000201fb301206082b0601020101020006062b0601040101" \
    "3012060a2b06010201041401010140040a010203300f060a2b060102010202010501420107300d0608" \
    "2b06010201010300430164300e06082b06010201010400040200ff"
//  snmpd's answer to snmpgetnext -v1 .1.3.6.1.2.1.1 (sysDescr.0)
#define S_RESPONSE_V1                                                                    \
    "306202010004067075626c6963a255020449a26f950201000201003047304506082b06010201010100" \
    "04394c696e757820766d20362e31382e34342d66632d7636353720233120534d5020505245454d5054" \
    "5f44594e414d4943204030207838365f3634"
//  snmpd's answer to snmpget -v2c -On of Counter64, Counter32, Gauge32, IpAddress,
//  TimeTicks, OID, INTEGER, a MAC, a string, a missing object, a missing
//  instance and an empty string; S_RESPONSE_TYPES_TEXT is what snmpget printed
#define S_RESPONSE_TYPES                                                                 \
    "3082010602010104067075626c6963a281f8020442a5f7f10201000201003081e93014060b2b060102" \
    "011f0101010601460504827e327d3013060a2b060102010202010a01410500827e327d3012060a2b06" \
    "01020102020105014204009896803015060d2b06010201041401017f00000140047f000001300e0608" \
    "2b0601020101030043024724301606082b06010201010200060a2b06010401bf0803020a300d06082b" \
    "060102010107000201483014060a2b0601020102020106020406a2241566495c301806082b06010201" \
    "010600040c4c616220227261636b222033300c06082b060102010163008000300c06082b0601020101" \
    "01058100300e060a2b0601020102020106010400"
static const char *S_RESPONSE_TYPES_TEXT[] = {
    ".1.3.6.1.2.1.31.1.1.1.6.1 = Counter64: 19369177725",
    ".1.3.6.1.2.1.2.2.1.10.1 = Counter32: 2189308541",
    ".1.3.6.1.2.1.2.2.1.5.1 = Gauge32: 10000000",
    ".1.3.6.1.2.1.4.20.1.1.127.0.0.1 = IpAddress: 127.0.0.1",
    ".1.3.6.1.2.1.1.3.0 = Timeticks: (18212) 0:03:02.12",
    ".1.3.6.1.2.1.1.2.0 = OID: .1.3.6.1.4.1.8072.3.2.10",
    ".1.3.6.1.2.1.1.7.0 = INTEGER: 72",
    ".1.3.6.1.2.1.2.2.1.6.2 = Hex-STRING: A2 24 15 66 49 5C ",
    ".1.3.6.1.2.1.1.6.0 = STRING: \"Lab \\\"rack\\\" 3\"",
    ".1.3.6.1.2.1.1.99.0 = No Such Object available on this agent at this OID",
    ".1.3.6.1.2.1.1.1.5 = No Such Instance currently exists at this OID",
    ".1.3.6.1.2.1.2.2.1.6.1 = \"\"",
};
//  snmpd's answer to a GETNEXT past its last object, and snmpgetnext's line
#define S_RESPONSE_END                                                                   \
    "303b02010104067075626c6963a22e02046f6c0dcf0201000201003020301e061a2b06010603100105" \
    "0201060976696577436f6d6d3204010306018200"
#define S_RESPONSE_END_TEXT                                                              \
    ".1.3.6.1.6.3.16.1.5.2.1.6.9.118.105.101.119.67.111.109.109.50.4.1.3.6.1 = No more " \
    "variables left in this MIB View (It is past the end of the MIB tree)"

static const char *s_captured[] = {
    S_GET_V2C,    S_GETNEXT_V1, S_GETBULK_V2C, S_TRAP_V1,        S_TRAP_V2C,
    S_INFORM_V2C, S_SET_V2C,    S_RESPONSE_V1, S_RESPONSE_TYPES, S_RESPONSE_END,
};
#define S_CAPTURED (sizeof s_captured / sizeof s_captured[0])

static snmp_oid_t
s_oid (const char *text)
{
    snmp_oid_t oid;
    snmp_err_t err = snmp_oid_parse (&oid, text);
    if (err)
        fail_msg ("snmp_oid_parse '%s': %s", text, snmp_strerror (err));
    return oid;
}

static void
s_assert_name (const snmp_msg_t *msg, size_t index, const char *text)
{
    assert_true (index < msg->varbind_count);
    snmp_oid_t expected = s_oid (text);
    assert_int_equal (snmp_oid_compare (&msg->varbinds[index].name, &expected), 0);
}

//  Decode in place (strings point into input), encode, expect the same bytes
static void
s_decode_reencode (const s_buf_t *input, snmp_msg_t *msg)
{
    snmp_err_t err = snmp_msg_decode (msg, input->b, input->n);
    if (err)
        fail_msg ("decode: %s", snmp_strerror (err));
    size_t length;
    assert_int_equal (snmp_msg_encode (msg, s_out, sizeof s_out, &length), SNMP_OK);
    assert_int_equal (length, input->n);
    assert_memory_equal (s_out, input->b, length);
}

//  -------------------------------------------------------------------------
//  What net-snmp sent

static void
test_netsnmp_requests (void **state)
{
    (void) state;
    s_buf_t get = s_hex (S_GET_V2C);
    s_decode_reencode (&get, &s_msg);
    assert_int_equal (s_msg.version, SNMP_VERSION_2C);
    assert_int_equal (s_msg.community_len, 6);
    assert_memory_equal (s_msg.community, "public", 6);
    assert_int_equal (s_msg.type, SNMP_PDU_GET);
    assert_int_equal (s_msg.request_id, 0x6945efe7);
    assert_int_equal (s_msg.varbind_count, 2);
    s_assert_name (&s_msg, 0, ".1.3.6.1.2.1.1.1.0");
    s_assert_name (&s_msg, 1, ".1.3.6.1.2.1.1.3.0");
    assert_int_equal (s_msg.varbinds[1].value.type, SNMP_TYPE_NULL);

    s_buf_t next = s_hex (S_GETNEXT_V1);
    s_decode_reencode (&next, &s_msg);
    assert_int_equal (s_msg.version, SNMP_VERSION_1);
    assert_int_equal (s_msg.type, SNMP_PDU_GETNEXT);
    assert_int_equal (s_msg.varbind_count, 1);
    s_assert_name (&s_msg, 0, "1.3.6.1.2.1.1");

    s_buf_t bulk = s_hex (S_GETBULK_V2C);
    s_decode_reencode (&bulk, &s_msg);
    assert_int_equal (s_msg.type, SNMP_PDU_GETBULK);
    assert_int_equal (s_msg.non_repeaters, 1);
    assert_int_equal (s_msg.max_repetitions, 5);
    assert_int_equal (s_msg.error_status, 0);
    assert_int_equal (s_msg.varbind_count, 2);

    s_buf_t set = s_hex (S_SET_V2C);
    s_decode_reencode (&set, &s_msg);
    assert_int_equal (s_msg.type, SNMP_PDU_SET);
    assert_memory_equal (s_msg.community, "private", 7);
    assert_int_equal (s_msg.varbind_count, 7);
    const snmp_varbind_t *v = s_msg.varbinds;
    assert_int_equal (v[0].value.type, SNMP_TYPE_OCTET_STRING);
    assert_int_equal (v[1].value.u.integer, -5);
    snmp_oid_t enterprise = s_oid ("1.3.6.1.4.1.1");
    assert_int_equal (snmp_oid_compare (&v[2].value.u.oid, &enterprise), 0);
    assert_memory_equal (v[3].value.u.ip, "\x0a\x01\x02\x03", 4);
    assert_int_equal (v[4].value.type, SNMP_TYPE_GAUGE32);
    assert_int_equal (v[4].value.u.unsigned32, 7);
    assert_int_equal (v[5].value.type, SNMP_TYPE_TIMETICKS);
    assert_int_equal (v[5].value.u.unsigned32, 100);
    assert_int_equal (v[6].value.u.string.len, 2);
    assert_memory_equal (v[6].value.u.string.data, "\x00\xff", 2);
}

static void
test_netsnmp_notifications (void **state)
{
    (void) state;
    s_buf_t trap = s_hex (S_TRAP_V1);
    s_decode_reencode (&trap, &s_msg);
    assert_int_equal (s_msg.version, SNMP_VERSION_1);
    assert_int_equal (s_msg.type, SNMP_PDU_TRAP_V1);
    snmp_oid_t enterprise = s_oid (".1.3.6.1.4.1.8072.2.3");
    assert_int_equal (snmp_oid_compare (&s_msg.trap.enterprise, &enterprise), 0);
    assert_memory_equal (s_msg.trap.agent_addr, "\xc0\x00\x02\x07", 4);
    assert_int_equal (s_msg.trap.generic_trap, SNMP_TRAP_ENTERPRISE_SPECIFIC);
    assert_int_equal (s_msg.trap.specific_trap, 17);
    assert_int_equal (s_msg.trap.time_stamp, 1234);
    assert_int_equal (s_msg.request_id, 0);
    assert_int_equal (s_msg.varbind_count, 1);
    assert_int_equal (s_msg.varbinds[0].value.u.integer, 42);

    const char *v2[] = { S_TRAP_V2C, S_INFORM_V2C };
    const snmp_pdu_type_t types[] = { SNMP_PDU_TRAP_V2, SNMP_PDU_INFORM };
    for (size_t i = 0; i < 2; i++) {
        s_buf_t bytes = s_hex (v2[i]);
        s_decode_reencode (&bytes, &s_msg);
        assert_int_equal (s_msg.type, types[i]);
        assert_int_equal (s_msg.varbind_count, 3);
        //  sysUpTime.0, snmpTrapOID.0, then the varbind given
        s_assert_name (&s_msg, 0, ".1.3.6.1.2.1.1.3.0");
        assert_int_equal (s_msg.varbinds[0].value.u.unsigned32, 5678);
        s_assert_name (&s_msg, 1, ".1.3.6.1.6.3.1.1.4.1.0");
        snmp_oid_t cold_start = s_oid (".1.3.6.1.6.3.1.1.5.1");
        assert_int_equal (snmp_oid_compare (&s_msg.varbinds[1].value.u.oid, &cold_start), 0);
        assert_int_equal (s_msg.varbinds[2].value.u.string.len, 5);
        assert_memory_equal (s_msg.varbinds[2].value.u.string.data, "hello", 5);
    }
}

//  What snmpd answered, printed as snmpget printed it
static void
test_netsnmp_responses (void **state)
{
    (void) state;
    char line[512];
    s_buf_t types = s_hex (S_RESPONSE_TYPES);
    s_decode_reencode (&types, &s_msg);
    assert_int_equal (s_msg.type, SNMP_PDU_RESPONSE);
    assert_int_equal (s_msg.varbind_count, sizeof S_RESPONSE_TYPES_TEXT / sizeof (char *));
    for (size_t i = 0; i < s_msg.varbind_count; i++) {
        size_t n = snmp_varbind_format (&s_msg.varbinds[i], line, sizeof line);
        assert_int_equal (n, strlen (line));
        assert_string_equal (line, S_RESPONSE_TYPES_TEXT[i]);
    }
    s_buf_t end = s_hex (S_RESPONSE_END);
    s_decode_reencode (&end, &s_msg);
    snmp_varbind_format (&s_msg.varbinds[0], line, sizeof line);
    assert_string_equal (line, S_RESPONSE_END_TEXT);

    s_buf_t v1 = s_hex (S_RESPONSE_V1);
    s_decode_reencode (&v1, &s_msg);
    assert_int_equal (s_msg.version, SNMP_VERSION_1);
    assert_int_equal (s_msg.error_status, SNMP_ERR_NO_ERROR);
    snmp_varbind_format (&s_msg.varbinds[0], line, sizeof line);
    assert_string_equal (line,
                         ".1.3.6.1.2.1.1.1.0 = STRING: \"Linux vm 6.18.44-fc-v657 #1 SMP "
                         "PREEMPT_DYNAMIC @0 x86_64\"");
}

//  -------------------------------------------------------------------------
//  Round trips

static const uint8_t s_bytes[300] = { 0, 1, 2, 0x80, 0xff };

//  One value of every type, edges included
static size_t
s_every_value (snmp_value_t *values, size_t max)
{
    static snmp_oid_t big;
    uint32_t arcs[SNMP_OID_MAX];
    for (size_t i = 0; i < SNMP_OID_MAX; i++)
        arcs[i] = i < 2 ? 2 : UINT32_MAX - (uint32_t) i;
    assert_int_equal (snmp_oid_set (&big, arcs, SNMP_OID_MAX), SNMP_OK);
    const uint8_t ip[4] = { 192, 0, 2, 255 };
    snmp_value_t all[] = {
        snmp_value_integer (0),
        snmp_value_integer (-1),
        snmp_value_integer (127),
        snmp_value_integer (128),
        snmp_value_integer (-128),
        snmp_value_integer (-129),
        snmp_value_integer (INT32_MIN),
        snmp_value_integer (INT64_MAX),
        snmp_value_integer (INT64_MIN),
        snmp_value_string ("", 0),
        snmp_value_string ("hello", 5),
        snmp_value_string (s_bytes, 127),
        snmp_value_string (s_bytes, 128),
        snmp_value_string (s_bytes, sizeof s_bytes),
        snmp_value_empty (SNMP_TYPE_NULL),
        snmp_value_oid (&big),
        snmp_value_ipaddress (ip),
        snmp_value_unsigned (SNMP_TYPE_COUNTER32, 0),
        snmp_value_unsigned (SNMP_TYPE_COUNTER32, 0x7fffffff),
        snmp_value_unsigned (SNMP_TYPE_COUNTER32, 0x80000000u),
        snmp_value_unsigned (SNMP_TYPE_GAUGE32, UINT32_MAX),
        snmp_value_unsigned (SNMP_TYPE_TIMETICKS, 123456),
        snmp_value_opaque (s_bytes, 5),
        snmp_value_counter64 (0),
        snmp_value_counter64 (UINT64_MAX),
        snmp_value_counter64 (0x8000000000000000ull),
        snmp_value_empty (SNMP_TYPE_NO_SUCH_OBJECT),
        snmp_value_empty (SNMP_TYPE_NO_SUCH_INSTANCE),
        snmp_value_empty (SNMP_TYPE_END_OF_MIB_VIEW),
    };
    size_t count = sizeof all / sizeof all[0];
    assert_true (count <= max);
    memcpy (values, all, sizeof all);
    return count;
}

static bool
s_value_equal (const snmp_value_t *a, const snmp_value_t *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
        case SNMP_TYPE_INTEGER: return a->u.integer == b->u.integer;
        case SNMP_TYPE_OCTET_STRING:
        case SNMP_TYPE_OPAQUE:
            return a->u.string.len == b->u.string.len
                && (a->u.string.len == 0
                    || memcmp (a->u.string.data, b->u.string.data, a->u.string.len) == 0);
        case SNMP_TYPE_OID: return snmp_oid_compare (&a->u.oid, &b->u.oid) == 0;
        case SNMP_TYPE_IPADDRESS: return memcmp (a->u.ip, b->u.ip, 4) == 0;
        case SNMP_TYPE_COUNTER32:
        case SNMP_TYPE_GAUGE32:
        case SNMP_TYPE_TIMETICKS: return a->u.unsigned32 == b->u.unsigned32;
        case SNMP_TYPE_COUNTER64: return a->u.counter64 == b->u.counter64;
        default: return true;  //  no contents
    }
}

static void
s_assert_msg_equal (const snmp_msg_t *a, const snmp_msg_t *b)
{
    assert_int_equal (a->version, b->version);
    assert_int_equal (a->type, b->type);
    assert_int_equal (a->community_len, b->community_len);
    if (a->community_len)
        assert_memory_equal (a->community, b->community, a->community_len);
    assert_int_equal (a->request_id, b->request_id);
    assert_int_equal (a->error_status, b->error_status);
    assert_int_equal (a->error_index, b->error_index);
    assert_int_equal (a->non_repeaters, b->non_repeaters);
    assert_int_equal (a->max_repetitions, b->max_repetitions);
    assert_int_equal (snmp_oid_compare (&a->trap.enterprise, &b->trap.enterprise), 0);
    assert_memory_equal (a->trap.agent_addr, b->trap.agent_addr, 4);
    assert_int_equal (a->trap.generic_trap, b->trap.generic_trap);
    assert_int_equal (a->trap.specific_trap, b->trap.specific_trap);
    assert_int_equal (a->trap.time_stamp, b->trap.time_stamp);
    assert_int_equal (a->varbind_count, b->varbind_count);
    for (size_t i = 0; i < a->varbind_count; i++) {
        assert_int_equal (snmp_oid_compare (&a->varbinds[i].name, &b->varbinds[i].name), 0);
        if (!s_value_equal (&a->varbinds[i].value, &b->varbinds[i].value))
            fail_msg ("varbind %zu: values differ (type 0x%02x)", i, a->varbinds[i].value.type);
    }
}

//  Encode, decode (in place), compare; encode again: the same bytes
static void
s_roundtrip (const snmp_msg_t *msg)
{
    static uint8_t first[SNMP_MSG_MAX];
    size_t length, again;
    snmp_err_t err = snmp_msg_encode (msg, first, sizeof first, &length);
    if (err)
        fail_msg ("encode %s: %s", snmp_pdu_type_name (msg->type), snmp_strerror (err));
    assert_int_equal (snmp_msg_decode (&s_msg2, first, length), SNMP_OK);
    s_assert_msg_equal (msg, &s_msg2);
    assert_int_equal (snmp_msg_encode (&s_msg2, s_out, sizeof s_out, &again), SNMP_OK);
    assert_int_equal (again, length);
    assert_memory_equal (s_out, first, length);
}

static void
test_roundtrip_pdu_types (void **state)
{
    (void) state;
    const snmp_pdu_type_t v1[] = { SNMP_PDU_GET, SNMP_PDU_GETNEXT, SNMP_PDU_RESPONSE, SNMP_PDU_SET,
                                   SNMP_PDU_TRAP_V1 };
    const snmp_pdu_type_t v2[] = { SNMP_PDU_GET,     SNMP_PDU_GETNEXT, SNMP_PDU_RESPONSE,
                                   SNMP_PDU_SET,     SNMP_PDU_GETBULK, SNMP_PDU_INFORM,
                                   SNMP_PDU_TRAP_V2, SNMP_PDU_REPORT };
    snmp_value_t values[40];
    size_t count = s_every_value (values, 40);
    snmp_oid_t name = s_oid ("1.3.6.1.4.1.99999.1");
    for (size_t i = 0; i < sizeof v1 / sizeof v1[0] + sizeof v2 / sizeof v2[0]; i++) {
        bool is_v1 = i < sizeof v1 / sizeof v1[0];
        snmp_pdu_type_t type = is_v1 ? v1[i] : v2[i - sizeof v1 / sizeof v1[0]];
        snmp_msg_init (&s_msg, is_v1 ? SNMP_VERSION_1 : SNMP_VERSION_2C, "community", type,
                       INT32_MIN + (int32_t) i);
        if (type == SNMP_PDU_GETBULK) {
            s_msg.non_repeaters = 2;
            s_msg.max_repetitions = INT32_MAX;
        }
        else if (type == SNMP_PDU_TRAP_V1) {
            s_msg.request_id = 0;
            s_msg.trap.enterprise = s_oid ("1.3.6.1.4.1.8072.2.3");
            memcpy (s_msg.trap.agent_addr, "\x7f\x00\x00\x01", 4);
            s_msg.trap.generic_trap = SNMP_TRAP_LINK_DOWN;
            s_msg.trap.specific_trap = -1;
            s_msg.trap.time_stamp = UINT32_MAX;
        }
        else {
            s_msg.error_status = SNMP_ERR_GEN_ERR;
            s_msg.error_index = 3;
        }
        for (size_t k = 0; k < count; k++) {
            name.arcs[name.len - 1] = (uint32_t) k;
            assert_int_equal (snmp_msg_add (&s_msg, &name, &values[k]), SNMP_OK);
        }
        s_roundtrip (&s_msg);
    }
    //  No varbinds, an empty community, the most varbinds
    snmp_msg_init (&s_msg, SNMP_VERSION_2C, "", SNMP_PDU_GET, 0);
    s_roundtrip (&s_msg);
    for (size_t k = 0; k < SNMP_MAX_VARBINDS; k++)
        assert_int_equal (snmp_msg_add (&s_msg, &name, &values[k % count]), SNMP_OK);
    assert_int_equal (snmp_msg_add (&s_msg, &name, &values[0]), SNMP_ETOOMANY);
    s_roundtrip (&s_msg);
}

//  The bytes of each value type, as X.690 has them
static void
test_value_encodings (void **state)
{
    (void) state;
    struct {
        snmp_value_t value;
        const char *hex;
    } cases[] = {
        { snmp_value_integer (0), "020100" },
        { snmp_value_integer (-1), "0201ff" },
        { snmp_value_integer (128), "02020080" },
        { snmp_value_integer (-129), "0202ff7f" },
        { snmp_value_integer (INT64_MIN), "02088000000000000000" },
        { snmp_value_unsigned (SNMP_TYPE_COUNTER32, 0x80000000u), "41050080000000" },
        { snmp_value_unsigned (SNMP_TYPE_GAUGE32, 255), "420200ff" },
        { snmp_value_unsigned (SNMP_TYPE_TIMETICKS, 0), "430100" },
        { snmp_value_counter64 (UINT64_MAX), "4609 00ffffffffffffffff" },
        { snmp_value_empty (SNMP_TYPE_NULL), "0500" },
        { snmp_value_empty (SNMP_TYPE_END_OF_MIB_VIEW), "8200" },
        { snmp_value_ipaddress ((const uint8_t *) "\x01\x02\x03\x04"), "400401020304" },
        { snmp_value_opaque ("\x9f", 1), "44019f" },
        { snmp_value_string (s_bytes, 200), NULL },  //  long form: 04 81 c8
    };
    snmp_oid_t name = s_oid ("1.3");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snmp_msg_init (&s_msg, SNMP_VERSION_2C, "", SNMP_PDU_RESPONSE, 0);
        snmp_msg_add (&s_msg, &name, &cases[i].value);
        size_t length;
        assert_int_equal (snmp_msg_encode (&s_msg, s_out, sizeof s_out, &length), SNMP_OK);
        s_buf_t expected = s_hex (cases[i].hex ? cases[i].hex : "0481c8");
        //  The value is the last element of the message
        size_t tail = cases[i].hex ? expected.n : expected.n + 200;
        assert_true (length >= tail);
        assert_memory_equal (s_out + length - tail, expected.b, expected.n);
    }
    //  OIDs: the first two arcs in one byte, base-128 arcs, 2.x past 47
    struct {
        const char *text, *hex;
    } oids[] = {
        { "1.3.6.1", "06032b0601" },          { "0.0", "060100" },
        { "2.999.3", "0603883703" },          { "1.3.4294967295", "06062b8fffffff7f" },
        { "2.4294967215", "06058fffffff7f" },
    };
    for (size_t i = 0; i < sizeof oids / sizeof oids[0]; i++) {
        snmp_ber_writer_t writer;
        uint8_t buf[32];
        snmp_ber_writer_init (&writer, buf, sizeof buf);
        snmp_oid_t oid = s_oid (oids[i].text);
        snmp_ber_write_oid (&writer, SNMP_TAG_OID, &oid);
        assert_int_equal (writer.error, SNMP_OK);
        size_t length;
        const uint8_t *written = snmp_ber_written (&writer, &length);
        s_buf_t expected = s_hex (oids[i].hex);
        assert_int_equal (length, expected.n);
        assert_memory_equal (written, expected.b, length);
        snmp_oid_t back;
        assert_int_equal (snmp_ber_decode_oid (written + 2, length - 2, &back), SNMP_OK);
        assert_int_equal (snmp_oid_compare (&back, &oid), 0);
    }
}

//  -------------------------------------------------------------------------
//  Malformed input

#define S_V2 "020101"
#define S_FIELDS "020101 020100 020100"
#define S_NAME "06032b0601"

static s_buf_t
s_one_varbind (const char *value)
{
    return s_tlv (0x30, s_tlv (0x30, s_cat (s_hex (S_NAME), s_hex (value))));
}

//  The outer layers: framing, version, community, PDU type
static void
test_malformed_framing (void **state)
{
    (void) state;
    s_buf_t good = s_response (S_NAME, "0500");
    assert_int_equal (s_decode (&s_msg, good.b, good.n), SNMP_OK);
    s_buf_t empty_list = s_tlv (0x30, s_hex (""));
    s_buf_t body = s_cat (s_cat (s_hex (S_V2), s_hex ("04 06 7075626c6963")),
                          s_tlv (0xA0, s_cat (s_hex (S_FIELDS), empty_list)));
    struct {
        s_buf_t input;
        snmp_err_t err;
        const char *what;
    } cases[] = {
        { s_hex (""), SNMP_ETRUNCATED, "empty input" },
        { s_hex ("30"), SNMP_ETRUNCATED, "no length" },
        { s_hex ("3082 01"), SNMP_ETRUNCATED, "long length cut" },
        { s_hex ("3100"), SNMP_EBADTAG, "not a SEQUENCE" },
        { s_hex ("3f00"), SNMP_EBADTAG, "multi-byte tag" },
        { s_cat (s_hex ("3080"), body), SNMP_EBADLENGTH, "indefinite length" },
        { s_hex ("3085 0000000001 00"), SNMP_EBADLENGTH, "5 length bytes" },
        { s_hex ("30ff"), SNMP_EBADLENGTH, "reserved length" },
        { s_hex ("3005 020101"), SNMP_EPASTEND, "length past the end" },
        { s_hex ("3084 ffffffff 00"), SNMP_EPASTEND, "4 GiB length" },
        { s_cat (good, s_hex ("00")), SNMP_ETRAILING, "a byte after the message" },
        { s_tlv (0x30, s_cat (body, s_hex ("0500"))), SNMP_ETRAILING, "after the PDU" },
        { s_message (S_V2, 0xA0, S_FIELDS, s_cat (empty_list, s_hex ("0500"))), SNMP_ETRAILING,
          "after the varbinds" },
        { s_message (S_V2, 0xA0, S_FIELDS, s_hex ("3005 0500")), SNMP_EPASTEND,
          "varbind list past the PDU" },
        { s_message ("020103", 0xA0, S_FIELDS, empty_list), SNMP_EVERSION, "version 3" },
        { s_message ("0201ff", 0xA0, S_FIELDS, empty_list), SNMP_EVERSION, "version -1" },
        { s_message ("040101", 0xA0, S_FIELDS, empty_list), SNMP_EBADTAG, "version a string" },
        { s_message ("0200", 0xA0, S_FIELDS, empty_list), SNMP_EBADINT, "version empty" },
        { s_message ("0209 000000000000000001", 0xA0, S_FIELDS, empty_list), SNMP_EBADINT,
          "version 9 bytes" },
        { s_tlv (0x30, s_hex (S_V2 "0206 7075626c6963")), SNMP_EBADTAG, "community an INTEGER" },
        { s_tlv (0x30, s_hex (S_V2 "0400")), SNMP_ETRUNCATED, "no PDU" },
        { s_message (S_V2, 0xA9, S_FIELDS, empty_list), SNMP_EPDUTYPE, "PDU 0xA9" },
        { s_message (S_V2, 0x30, S_FIELDS, empty_list), SNMP_EPDUTYPE, "a SEQUENCE for a PDU" },
        { s_message ("020100", 0xA5, S_FIELDS, empty_list), SNMP_EPDUVERSION, "v1 GetBulk" },
        { s_message ("020100", 0xA6, S_FIELDS, empty_list), SNMP_EPDUVERSION, "v1 Inform" },
        { s_message ("020100", 0xA7, S_FIELDS, empty_list), SNMP_EPDUVERSION, "v1 v2-Trap" },
        { s_message ("020100", 0xA8, S_FIELDS, empty_list), SNMP_EPDUVERSION, "v1 Report" },
        { s_message (S_V2, 0xA4, "", empty_list), SNMP_EPDUVERSION, "v2c Trap-v1" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        s_expect_error (cases[i].input, cases[i].err, cases[i].what);
}

//  The PDU's fields and the varbinds' names
static void
test_malformed_pdu (void **state)
{
    (void) state;
    s_buf_t empty_list = s_tlv (0x30, s_hex (""));
    s_buf_t arcs = s_hex ("2b");  //  2 arcs, then 127 more: 129
    for (size_t i = 0; i < 127; i++)
        arcs.b[arcs.n++] = 0x01;
    s_buf_t oid_129 = s_tlv (0x06, arcs);
    s_buf_t varbind_129 = s_tlv (0x30, s_tlv (0x30, s_cat (oid_129, s_hex ("0500"))));
    s_buf_t too_many = s_hex ("");
    for (size_t i = 0; i < SNMP_MAX_VARBINDS + 1; i++)
        too_many = s_cat (too_many, s_tlv (0x30, s_hex (S_NAME "0500")));
    struct {
        s_buf_t input;
        snmp_err_t err;
        const char *what;
    } cases[] = {
        { s_message (S_V2, 0xA0, "", s_hex ("")), SNMP_ETRUNCATED, "empty PDU" },
        { s_message (S_V2, 0xA0, "0205 0080000000 020100 020100", empty_list), SNMP_EBADINT,
          "request-id past 32 bits" },
        { s_message (S_V2, 0xA0, "020101 020100", empty_list), SNMP_EBADTAG, "no error-index" },
        { s_message (S_V2, 0xA0, S_FIELDS, s_hex ("3100")), SNMP_EBADTAG, "list not a SEQUENCE" },
        { s_message (S_V2, 0xA0, S_FIELDS, s_hex ("3002 0500")), SNMP_EBADTAG,
          "varbind not a SEQUENCE" },
        { s_message (S_V2, 0xA0, S_FIELDS, s_tlv (0x30, s_hex ("3004 0400 0500"))), SNMP_EBADTAG,
          "name not an OID" },
        { s_message (S_V2, 0xA0, S_FIELDS, s_tlv (0x30, s_hex ("3002" S_NAME))), SNMP_EPASTEND,
          "varbind shorter than its name" },
        { s_message (S_V2, 0xA0, S_FIELDS, s_tlv (0x30, s_hex ("3005" S_NAME))), SNMP_ETRUNCATED,
          "no value" },
        { s_message (S_V2, 0xA0, S_FIELDS, s_tlv (0x30, s_hex ("3009" S_NAME "0500 0500"))),
          SNMP_ETRAILING, "two values" },
        { s_response ("0600", "0500"), SNMP_EBADOID, "empty OID" },
        { s_response ("0603 2b8001", "0500"), SNMP_EBADOID, "sub-identifier 0x80 first" },
        { s_response ("0602 2b86", "0500"), SNMP_EBADOID, "sub-identifier cut" },
        { s_response ("0606 2b9080808000", "0500"), SNMP_EBADOID, "sub-identifier 2^32" },
        { s_response ("0607 2b818080808000", "0500"), SNMP_EBADOID, "sub-identifier 6 bytes" },
        { s_response ("0605 9fffffff7f", "0500"), SNMP_EBADOID, "second arc past 32 bits" },
        { s_message (S_V2, 0xA2, S_FIELDS, varbind_129), SNMP_EOIDTOOLONG, "129 arcs" },
        { s_message (S_V2, 0xA2, S_FIELDS, s_tlv (0x30, too_many)), SNMP_ETOOMANY, "65 varbinds" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        s_expect_error (cases[i].input, cases[i].err, cases[i].what);
}

//  Values, and the fields of a Trap-v1
static void
test_malformed_values (void **state)
{
    (void) state;
    s_buf_t empty_list = s_tlv (0x30, s_hex (""));
    struct {
        const char *value;
        snmp_err_t err;
    } values[] = {
        { "0501 00", SNMP_EBADVALUE },
        { "8001 00", SNMP_EBADVALUE },
        { "8201 00", SNMP_EBADVALUE },
        { "4003 010203", SNMP_EBADVALUE },
        { "4005 0102030405", SNMP_EBADVALUE },
        { "4701 01", SNMP_EVALUETYPE },  //  UInteger32
        { "4501 01", SNMP_EVALUETYPE },  //  NsapAddress
        { "3000", SNMP_EVALUETYPE },
        { "8300", SNMP_EVALUETYPE },
        { "0200", SNMP_EBADINT },
        { "0209 000000000000000001", SNMP_EBADINT },
        { "4100", SNMP_EBADINT },
        { "4101 ff", SNMP_EBADINT },
        { "4105 0100000000", SNMP_EBADINT },
        { "4201 80", SNMP_EBADINT },
        { "4305 0100000000", SNMP_EBADINT },
        { "4609 010000000000000000", SNMP_EBADINT },
        { "460a 00000000000000000001", SNMP_EBADINT },
        { "4601 80", SNMP_EBADINT },
        { "0605 2b06010280", SNMP_EBADOID },  //  an OID value ending in a cut arc
        { "0404 6162", SNMP_EPASTEND },
        { "04", SNMP_ETRUNCATED },
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        s_buf_t varbinds = s_one_varbind (values[i].value);
        s_expect_error (s_message (S_V2, 0xA2, S_FIELDS, varbinds), values[i].err, values[i].value);
    }
    //  Trap-v1: enterprise, agent-addr, generic-trap, specific-trap, time-stamp
    struct {
        const char *fields;
        snmp_err_t err;
    } traps[] = {
        { "0400 4004c0000201 020106 020100 430100", SNMP_EBADTAG },
        { "06032b0601 4003c00002 020106 020100 430100", SNMP_EBADVALUE },
        { "06032b0601 0404c0000201 020106 020100 430100", SNMP_EBADTAG },
        { "06032b0601 4004c0000201 0205 0080000000 020100 430100", SNMP_EBADINT },
        { "06032b0601 4004c0000201 020106 020100 020100", SNMP_EBADTAG },
        { "06032b0601 4004c0000201 020106 020100 4301ff", SNMP_EBADINT },
        { "06032b0601 4004c0000201 020106 020100", SNMP_EBADTAG },
    };
    for (size_t i = 0; i < sizeof traps / sizeof traps[0]; i++)
        s_expect_error (s_message ("020100", 0xA4, traps[i].fields, empty_list), traps[i].err,
                        traps[i].fields);
    s_buf_t good =
        s_message ("020100", 0xA4, "06032b0601 4004c0000201 020106 020100 430100", empty_list);
    assert_int_equal (s_decode (&s_msg, good.b, good.n), SNMP_OK);
}

//  The valid messages the loops below cut and mutate: those captured, and
//  one of every value type
static size_t
s_valid_messages (s_buf_t *out, size_t max)
{
    size_t count = 0;
    for (size_t i = 0; i < S_CAPTURED; i++) {
        assert_true (count < max);
        out[count++] = s_hex (s_captured[i]);
    }
    snmp_value_t values[40];
    size_t n = s_every_value (values, 40);
    snmp_msg_init (&s_msg, SNMP_VERSION_2C, "public", SNMP_PDU_RESPONSE, 7);
    snmp_oid_t name = s_oid ("1.3.6.1.2.1.1.1.0");
    for (size_t k = 0; k < n; k++)
        snmp_msg_add (&s_msg, &name, &values[k]);
    assert_true (count < max);
    assert_int_equal (snmp_msg_encode (&s_msg, out[count].b, S_BUF_MAX, &out[count].n), SNMP_OK);
    count++;
    return count;
}

static void
test_truncations (void **state)
{
    (void) state;
    static s_buf_t messages[16];
    size_t count = s_valid_messages (messages, 16);
    for (size_t m = 0; m < count; m++) {
        const s_buf_t *whole = &messages[m];
        assert_int_equal (s_decode (&s_msg, whole->b, whole->n), SNMP_OK);
        for (size_t cut = 0; cut < whole->n; cut++) {
            snmp_err_t err = s_decode (&s_msg, whole->b, cut);
            if (err != SNMP_ETRUNCATED && err != SNMP_EPASTEND)
                fail_msg ("message %zu cut to %zu bytes: '%s'", m, cut, snmp_strerror (err));
        }
        //  Cut inside, the outer length made to match: every inner cut is seen
        snmp_ber_reader_t reader, body;
        snmp_ber_reader_init (&reader, whole->b, whole->n);
        assert_int_equal (snmp_ber_enter (&reader, SNMP_TAG_SEQUENCE, &body), SNMP_OK);
        for (size_t cut = 0; cut < body.size; cut++) {
            s_buf_t inner = { .n = cut };
            memcpy (inner.b, body.data, cut);
            s_buf_t input = s_tlv (0x30, inner);
            snmp_err_t err = s_decode (&s_msg, input.b, input.n);
            if (err != SNMP_ETRUNCATED && err != SNMP_EPASTEND)
                fail_msg ("message %zu, body cut to %zu bytes: '%s'", m, cut, snmp_strerror (err));
        }
    }
}

//  -------------------------------------------------------------------------
//  Mutations: a bounded loop with a fixed seed, so that a failure repeats

#define S_MUTATIONS 50000

static uint64_t
s_random (uint64_t *seed)
{
    //  xorshift64
    uint64_t x = *seed;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *seed = x;
}

//  Change input in one of several ways a broken or hostile sender would
static void
s_mutate (s_buf_t *input, uint64_t *seed)
{
    static const uint8_t interesting[] = { 0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x84,
                                           0xff, 0x30, 0x06, 0x02, 0x04, 0xa2, 0x1f };
    size_t at = input->n ? s_random (seed) % input->n : 0;
    uint8_t byte = (uint8_t) s_random (seed);
    switch (s_random (seed) % 6) {
        case 0:
            if (input->n)
                input->b[at] = byte;
            break;
        case 1:
            if (input->n)
                input->b[at] ^= (uint8_t) (1u << (byte % 8));
            break;
        case 2:
            if (input->n)
                input->b[at] = interesting[byte % sizeof interesting];
            break;
        case 3:  //  insert a byte
            if (input->n < S_BUF_MAX) {
                memmove (input->b + at + 1, input->b + at, input->n - at);
                input->b[at] = byte;
                input->n++;
            }
            break;
        case 4:  //  delete a byte
            if (input->n) {
                memmove (input->b + at, input->b + at + 1, input->n - at - 1);
                input->n--;
            }
            break;
        default: input->n = at; break;  //  cut
    }
}

//  What decodes must encode, decode to the same, and print at any size
static void
s_check_mutant (const s_buf_t *input)
{
    uint8_t *copy = malloc (input->n ? input->n : 1);
    assert_non_null (copy);
    memcpy (copy, input->b, input->n);
    snmp_err_t err = snmp_msg_decode (&s_msg, copy, input->n);
    int32_t request_id;
    snmp_err_t peeked = snmp_msg_peek (copy, input->n, NULL, NULL, &request_id);
    if (err == SNMP_OK) {
        assert_int_equal (peeked, SNMP_OK);
        assert_int_equal (request_id, s_msg.request_id);
        size_t length;
        assert_int_equal (snmp_msg_encode (&s_msg, s_out, sizeof s_out, &length), SNMP_OK);
        assert_int_equal (snmp_msg_decode (&s_msg2, s_out, length), SNMP_OK);
        s_assert_msg_equal (&s_msg, &s_msg2);
        for (size_t i = 0; i < s_msg.varbind_count; i++) {
            char small[24], line[2048];
            size_t n = snmp_varbind_format (&s_msg.varbinds[i], small, sizeof small);
            assert_int_equal (snmp_varbind_format (&s_msg.varbinds[i], line, sizeof line), n);
            assert_true (strlen (small) == (n < sizeof small ? n : sizeof small - 1));
            assert_true (n >= sizeof line || strncmp (small, line, sizeof small - 1) == 0);
        }
    }
    else
        assert_string_not_equal (snmp_strerror (err), "unknown error");
    free (copy);
}

static void
test_mutations (void **state)
{
    (void) state;
    static s_buf_t messages[16], input;
    size_t count = s_valid_messages (messages, 16);
    uint64_t seed = 0x5eed5eed5eed5eedull;
    size_t decoded = 0;
    for (size_t i = 0; i < S_MUTATIONS; i++) {
        const s_buf_t *base = &messages[i % count];
        memcpy (input.b, base->b, base->n);
        input.n = base->n;
        size_t changes = 1 + s_random (&seed) % 3;
        for (size_t c = 0; c < changes; c++)
            s_mutate (&input, &seed);
        s_check_mutant (&input);
        decoded += s_msg.varbind_count > 0;
    }
    //  The loop reaches past the first byte: some mutants still decode
    assert_true (decoded > 0);
}

//  -------------------------------------------------------------------------
//  OIDs

static void
test_oid_parse (void **state)
{
    (void) state;
    snmp_oid_t oid;
    assert_int_equal (snmp_oid_parse (&oid, ".1.3.6.1.2.1.1.1.0"), SNMP_OK);
    assert_int_equal (oid.len, 9);
    assert_int_equal (oid.arcs[0], 1);
    assert_int_equal (oid.arcs[8], 0);
    snmp_oid_t same = s_oid ("1.3.6.1.2.1.1.1.0");
    assert_int_equal (snmp_oid_compare (&oid, &same), 0);
    oid = s_oid ("2.4294967295.0.4294967295");
    assert_int_equal (oid.arcs[1], UINT32_MAX);
    assert_int_equal (oid.arcs[3], UINT32_MAX);
    oid = s_oid ("0.39");
    assert_int_equal (oid.len, 2);
    char longest[SNMP_OID_MAX * 2 + 8];  //  "1.3" and 126 ".1", then one more
    strcpy (longest, "1.3");
    for (size_t i = 2; i < SNMP_OID_MAX; i++)
        strcat (longest, ".1");
    assert_int_equal (snmp_oid_parse (&oid, longest), SNMP_OK);
    assert_int_equal (oid.len, SNMP_OID_MAX);
    strcat (longest, ".1");
    assert_int_equal (snmp_oid_parse (&oid, longest), SNMP_EOIDTOOLONG);

    const char *bad[] = { "",
                          ".",
                          "..1.3",
                          "1..3",
                          "1.3.",
                          "1.3a",
                          " 1.3",
                          "1.3 ",
                          "-1.3",
                          "+1.3",
                          "1.-3",
                          "0x1.3",
                          "1,3",
                          "4294967296.1",
                          "1",
                          ".1",
                          "3.1",
                          "1.40",
                          "0.40",
                          "1.3.\n",
                          "1.3.6.1.99999999999999999999",
                          "1.3.4294967296" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        oid = same;
        snmp_err_t err = snmp_oid_parse (&oid, bad[i]);
        if (err != SNMP_EBADOID)
            fail_msg ("'%s': got '%s'", bad[i], snmp_strerror (err));
        //  A refused text leaves the OID as it was
        assert_int_equal (snmp_oid_compare (&oid, &same), 0);
    }
    assert_int_equal (snmp_oid_parse (&oid, NULL), SNMP_EBADARG);
    assert_int_equal (snmp_oid_parse (NULL, "1.3"), SNMP_EBADARG);
}

static void
test_oid_format (void **state)
{
    (void) state;
    snmp_oid_t oid = s_oid ("1.3.6.1.4.1.4294967295");
    char buf[SNMP_OID_TEXT_MAX];
    assert_int_equal (snmp_oid_format (&oid, buf, sizeof buf), 23);
    assert_string_equal (buf, ".1.3.6.1.4.1.4294967295");
    //  Cut like snprintf: terminated, the whole length returned
    char small[8];
    assert_int_equal (snmp_oid_format (&oid, small, sizeof small), 23);
    assert_string_equal (small, ".1.3.6.");
    assert_int_equal (snmp_oid_format (&oid, small, 1), 23);
    assert_string_equal (small, "");
    assert_int_equal (snmp_oid_format (&oid, NULL, 0), 23);
    snmp_oid_t empty = { .len = 0 };
    assert_int_equal (snmp_oid_format (&empty, buf, sizeof buf), 0);
    assert_string_equal (buf, "");
    //  The longest OID fits SNMP_OID_TEXT_MAX
    for (size_t i = 0; i < SNMP_OID_MAX; i++)
        oid.arcs[i] = i < 2 ? 2 : UINT32_MAX;
    oid.len = SNMP_OID_MAX;
    size_t n = snmp_oid_format (&oid, buf, sizeof buf);
    assert_true (n < sizeof buf);
    assert_int_equal (strlen (buf), n);
    snmp_oid_t back;
    assert_int_equal (snmp_oid_parse (&back, buf), SNMP_OK);
    assert_int_equal (snmp_oid_compare (&back, &oid), 0);
}

static void
test_oid_order (void **state)
{
    (void) state;
    //  In GETNEXT order
    const char *sorted[] = { "0.0",         "1.3",       "1.3.0",      "1.3.6",
                             "1.3.6.1",     "1.3.6.1.2", "1.3.6.1.10", "1.3.6.1.4294967295",
                             "1.3.6.2",     "1.3.7",     "1.39",       "2.0",
                             "2.4294967295" };
    size_t count = sizeof sorted / sizeof sorted[0];
    for (size_t i = 0; i < count; i++)
        for (size_t k = 0; k < count; k++) {
            snmp_oid_t a = s_oid (sorted[i]), b = s_oid (sorted[k]);
            int c = snmp_oid_compare (&a, &b);
            if ((i < k && c >= 0) || (i == k && c != 0) || (i > k && c <= 0))
                fail_msg ("compare (%s, %s) = %d", sorted[i], sorted[k], c);
        }
    snmp_oid_t system = s_oid ("1.3.6.1.2.1.1"), descr = s_oid ("1.3.6.1.2.1.1.1.0");
    snmp_oid_t interfaces = s_oid ("1.3.6.1.2.1.2"), sys = s_oid ("1.3.6.1.2.1.10");
    assert_true (snmp_oid_is_prefix (&system, &descr));
    assert_true (snmp_oid_is_prefix (&system, &system));
    assert_false (snmp_oid_is_prefix (&descr, &system));
    assert_false (snmp_oid_is_prefix (&system, &interfaces));
    assert_false (snmp_oid_is_prefix (&system, &sys));
    snmp_oid_t empty = { .len = 0 };
    assert_true (snmp_oid_is_prefix (&empty, &system));
    assert_true (snmp_oid_compare (&empty, &system) < 0);
}

static void
test_oid_build (void **state)
{
    (void) state;
    snmp_oid_t oid;
    const uint32_t arcs[] = { 1, 3, 6, 1, 2, 1, 2, 2, 1, 2 };
    assert_int_equal (snmp_oid_set (&oid, arcs, 10), SNMP_OK);
    assert_int_equal (snmp_oid_append (&oid, 7), SNMP_OK);
    snmp_oid_t expected = s_oid ("1.3.6.1.2.1.2.2.1.2.7");
    assert_int_equal (snmp_oid_compare (&oid, &expected), 0);
    uint32_t many[SNMP_OID_MAX + 1] = { 1, 3 };
    assert_int_equal (snmp_oid_set (&oid, many, SNMP_OID_MAX + 1), SNMP_EOIDTOOLONG);
    assert_int_equal (snmp_oid_compare (&oid, &expected), 0);
    assert_int_equal (snmp_oid_set (&oid, many, SNMP_OID_MAX), SNMP_OK);
    assert_int_equal (snmp_oid_append (&oid, 1), SNMP_EOIDTOOLONG);
    assert_int_equal (oid.len, SNMP_OID_MAX);
    assert_int_equal (snmp_oid_set (&oid, NULL, 0), SNMP_OK);
    assert_int_equal (oid.len, 0);
    assert_int_equal (snmp_oid_set (&oid, NULL, 1), SNMP_EBADARG);
    assert_int_equal (snmp_oid_set (NULL, arcs, 1), SNMP_EBADARG);
    assert_int_equal (snmp_oid_append (NULL, 1), SNMP_EBADARG);
}

//  -------------------------------------------------------------------------
//  Printing, against what net-snmp 5.9.3's snmpget -v2c -On printed for
//  the same values (sent by a test agent built on this codec)

static void
test_format_values (void **state)
{
    (void) state;
    const char *text = "tab\there\nnewline \\back\\ \"q\" ~!";
    uint8_t b16[16], b17[17], b32[32], b33[33];
    for (int i = 0; i < 33; i++) {
        if (i < 16)
            b16[i] = (uint8_t) (i * 7);
        if (i < 17)
            b17[i] = (uint8_t) (0x80 + i);
        b32[i % 32] = (uint8_t) i;
        b33[i] = (uint8_t) (255 - i);
    }
    snmp_oid_t oid = s_oid ("2.4294967215.4294967295.0");
    struct {
        snmp_value_t value;
        const char *text;
    } cases[] = {
        { snmp_value_empty (SNMP_TYPE_NULL), "NULL" },
        { snmp_value_integer (INT32_MIN), "INTEGER: -2147483648" },
        { snmp_value_integer (INT32_MAX), "INTEGER: 2147483647" },
        { snmp_value_integer (0), "INTEGER: 0" },
        { snmp_value_string (text, strlen (text)),
          "STRING: \"tab\there\nnewline \\\\back\\\\ \\\"q\\\" ~!\"" },
        { snmp_value_string ("a\xe9"
                             "b",
                             3),
          "Hex-STRING: 61 E9 62 " },
        { snmp_value_string ("ab\0", 3), "Hex-STRING: 61 62 00 " },
        { snmp_value_string (b16, 16),
          "Hex-STRING: 00 07 0E 15 1C 23 2A 31 38 3F 46 4D 54 5B 62 69 " },
        { snmp_value_string (b17, 17),
          "Hex-STRING: 80 81 82 83 84 85 86 87 88 89 8A 8B 8C 8D 8E 8F \n90 " },
        { snmp_value_string (b32, 32),
          "Hex-STRING: 20 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F "
          "\n10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F " },
        { snmp_value_string (b33, 33),
          "Hex-STRING: FF FE FD FC FB FA F9 F8 F7 F6 F5 F4 F3 F2 F1 F0 "
          "\nEF EE ED EC EB EA E9 E8 E7 E6 E5 E4 E3 E2 E1 E0 \nDF " },
        { snmp_value_opaque ("\x01\x02\xab", 3), "OPAQUE: 01 02 AB " },
        { snmp_value_opaque ("", 0), "OPAQUE: " },
        { snmp_value_unsigned (SNMP_TYPE_TIMETICKS, 0), "Timeticks: (0) 0:00:00.00" },
        { snmp_value_unsigned (SNMP_TYPE_TIMETICKS, 8640000),
          "Timeticks: (8640000) 1 day, 0:00:00.00" },
        { snmp_value_unsigned (SNMP_TYPE_TIMETICKS, 18384505),
          "Timeticks: (18384505) 2 days, 3:04:05.05" },
        { snmp_value_unsigned (SNMP_TYPE_TIMETICKS, UINT32_MAX),
          "Timeticks: (4294967295) 497 days, 2:27:52.95" },
        { snmp_value_unsigned (SNMP_TYPE_COUNTER32, UINT32_MAX), "Counter32: 4294967295" },
        { snmp_value_unsigned (SNMP_TYPE_GAUGE32, 0), "Gauge32: 0" },
        { snmp_value_counter64 (UINT64_MAX), "Counter64: 18446744073709551615" },
        { snmp_value_ipaddress ((const uint8_t *) "\x0a\x00\xff\x01"), "IpAddress: 10.0.255.1" },
        { snmp_value_oid (&oid), "OID: .2.4294967215.4294967295.0" },
        { snmp_value_string ("x", 1), "STRING: \"x\"" },
        { snmp_value_string ("", 0), "\"\"" },
        { snmp_value_empty (SNMP_TYPE_NO_SUCH_OBJECT),
          "No Such Object available on this agent at this OID" },
        { snmp_value_empty (SNMP_TYPE_NO_SUCH_INSTANCE),
          "No Such Instance currently exists at this OID" },
        { snmp_value_empty (SNMP_TYPE_END_OF_MIB_VIEW),
          "No more variables left in this MIB View (It is past the end of the MIB tree)" },
    };
    char buf[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = snmp_value_format (&cases[i].value, buf, sizeof buf);
        assert_string_equal (buf, cases[i].text);
        assert_int_equal (n, strlen (cases[i].text));
    }
    //  Cut inside a string
    assert_int_equal (snmp_value_format (&cases[4].value, buf, 12), strlen (cases[4].text));
    assert_string_equal (buf, "STRING: \"ta");
}

//  Cut like snprintf; unknown types
static void
test_format_cut (void **state)
{
    (void) state;
    char buf[64];
    snmp_varbind_t varbind = { .name = s_oid ("1.3.6.1.2.1.1.5.0") };
    varbind.value = snmp_value_string ("testhost", 8);
    const char *line = ".1.3.6.1.2.1.1.5.0 = STRING: \"testhost\"";
    assert_int_equal (snmp_varbind_format (&varbind, buf, sizeof buf), strlen (line));
    assert_string_equal (buf, line);
    assert_int_equal (snmp_varbind_format (&varbind, buf, 10), strlen (line));
    assert_string_equal (buf, ".1.3.6.1.");
    assert_int_equal (snmp_varbind_format (&varbind, buf, 1), strlen (line));
    assert_string_equal (buf, "");
    assert_int_equal (snmp_varbind_format (&varbind, NULL, 0), strlen (line));
    snmp_value_t hex = snmp_value_string ("\x01\x02", 2);
    assert_int_equal (snmp_value_format (&hex, buf, 15), strlen ("Hex-STRING: 01 02 "));
    assert_string_equal (buf, "Hex-STRING: 01");
    //  A type the codec never decodes still prints something
    snmp_value_t odd = snmp_value_empty ((snmp_type_t) 0x47);
    snmp_value_format (&odd, buf, sizeof buf);
    assert_string_equal (buf, "Unknown type 0x47");
    assert_int_equal (snmp_value_format (NULL, buf, sizeof buf), 0);
    assert_string_equal (buf, "");
}

static void
test_format_error_status (void **state)
{
    (void) state;
    //  As snmpget / snmpset printed them after "Reason: "
    assert_string_equal (snmp_error_status_text (SNMP_ERR_NO_SUCH_NAME),
                         "(noSuchName) There is no such variable name in this MIB.");
    assert_string_equal (snmp_error_status_text (SNMP_ERR_NO_ACCESS), "noAccess");
    assert_string_equal (snmp_error_status_text (SNMP_ERR_NO_ERROR), "(noError) No Error");
    assert_string_equal (snmp_error_status_text (SNMP_ERR_GEN_ERR),
                         "(genError) A general failure occured");
    assert_string_equal (snmp_error_status_text (SNMP_ERR_INCONSISTENT_NAME),
                         "inconsistentName (That object can not currently be created)");
    assert_string_equal (snmp_error_status_text (19), "Unknown Error");
    assert_string_equal (snmp_error_status_text (-1), "Unknown Error");
    for (int32_t status = 0; status <= 18; status++)
        assert_true (strlen (snmp_error_status_text (status)) > 0);
}

//  -------------------------------------------------------------------------
//  Encoding errors, building, names

static void
test_encode_errors (void **state)
{
    (void) state;
    snmp_oid_t name = s_oid ("1.3.6.1.2.1.1.5.0");
    snmp_value_t value = snmp_value_string ("testhost", 8);
    snmp_msg_init (&s_msg, SNMP_VERSION_2C, "public", SNMP_PDU_RESPONSE, 42);
    assert_int_equal (snmp_msg_add (&s_msg, &name, &value), SNMP_OK);
    size_t length;
    assert_int_equal (snmp_msg_encode (&s_msg, s_out, sizeof s_out, &length), SNMP_OK);
    //  Every buffer too small is refused, and nothing is written past it
    for (size_t size = 0; size < length; size++) {
        uint8_t *buf = malloc (size ? size : 1);
        size_t got = 99;
        assert_int_equal (snmp_msg_encode (&s_msg, buf, size, &got), SNMP_ENOSPACE);
        assert_int_equal (got, 0);
        free (buf);
    }
    //  A copy of the good message with one field spoilt
    snmp_msg_t *m = &s_msg2;
#define S_ENCODE_FAILS(setup, expected)                                              \
    do {                                                                             \
        *m = s_msg;                                                                  \
        setup;                                                                       \
        assert_int_equal (snmp_msg_encode (m, s_out, sizeof s_out, NULL), expected); \
    } while (0)
    S_ENCODE_FAILS (m->version = (snmp_version_t) 2, SNMP_EVERSION);
    S_ENCODE_FAILS (m->type = (snmp_pdu_type_t) 0xA9, SNMP_EPDUTYPE);
    S_ENCODE_FAILS (m->type = (snmp_pdu_type_t) 0x30, SNMP_EPDUTYPE);
    S_ENCODE_FAILS (m->version = SNMP_VERSION_1; m->type = SNMP_PDU_GETBULK, SNMP_EPDUVERSION);
    S_ENCODE_FAILS (m->type = SNMP_PDU_TRAP_V1, SNMP_EPDUVERSION);
    S_ENCODE_FAILS (m->varbinds[0].value.type = (snmp_type_t) 0x47, SNMP_EVALUETYPE);
    S_ENCODE_FAILS (m->varbinds[0].name.len = 1, SNMP_EBADOID);
    S_ENCODE_FAILS (m->varbinds[0].name.len = 0, SNMP_EBADOID);
    S_ENCODE_FAILS (m->varbinds[0].name.arcs[0] = 3, SNMP_EBADOID);
    S_ENCODE_FAILS (m->varbinds[0].name.arcs[1] = 40, SNMP_EBADOID);
    S_ENCODE_FAILS (m->varbinds[0].name.len = SNMP_OID_MAX + 1, SNMP_EOIDTOOLONG);
    S_ENCODE_FAILS (m->varbinds[0].value = snmp_value_string (NULL, 1), SNMP_EBADARG);
    S_ENCODE_FAILS (m->varbind_count = SNMP_MAX_VARBINDS + 1, SNMP_ETOOMANY);
    S_ENCODE_FAILS (m->community = NULL, SNMP_EBADARG);
    S_ENCODE_FAILS (m->version = SNMP_VERSION_1; m->type = SNMP_PDU_TRAP_V1, SNMP_EBADOID);
#undef S_ENCODE_FAILS
    assert_int_equal (snmp_msg_encode (NULL, s_out, sizeof s_out, &length), SNMP_EBADARG);
    assert_int_equal (snmp_msg_encode (&s_msg, NULL, 100, &length), SNMP_EBADARG);
    //  A NULL community of length 0 is an empty one
    *m = s_msg;
    m->community = NULL;
    m->community_len = 0;
    assert_int_equal (snmp_msg_encode (m, s_out, sizeof s_out, &length), SNMP_OK);
    assert_int_equal (snmp_msg_decode (&s_msg, s_out, length), SNMP_OK);
    assert_int_equal (s_msg.community_len, 0);
    //  Decoding's bad arguments
    assert_int_equal (snmp_msg_decode (NULL, s_out, length), SNMP_EBADARG);
    assert_int_equal (snmp_msg_decode (&s_msg, NULL, 1), SNMP_EBADARG);
    assert_int_equal (snmp_msg_decode (&s_msg, NULL, 0), SNMP_ETRUNCATED);
    assert_int_equal (snmp_msg_peek (NULL, 1, NULL, NULL, NULL), SNMP_EBADARG);
}

static void
test_build_and_peek (void **state)
{
    (void) state;
    s_buf_t get = s_hex (S_GET_V2C);
    assert_int_equal (snmp_msg_decode (&s_msg, get.b, get.n), SNMP_OK);
    snmp_msg_init_response (&s_msg2, &s_msg);
    assert_int_equal (s_msg2.type, SNMP_PDU_RESPONSE);
    assert_int_equal (s_msg2.version, SNMP_VERSION_2C);
    assert_int_equal (s_msg2.request_id, s_msg.request_id);
    assert_ptr_equal (s_msg2.community, s_msg.community);
    assert_int_equal (s_msg2.community_len, 6);
    assert_int_equal (s_msg2.varbind_count, 0);
    assert_int_equal (s_msg2.error_status, 0);
    //  peek: version, type, request-id; 0 for a Trap-v1; any output NULL
    snmp_version_t version;
    snmp_pdu_type_t type;
    int32_t request_id;
    assert_int_equal (snmp_msg_peek (get.b, get.n, &version, &type, &request_id), SNMP_OK);
    assert_int_equal (version, SNMP_VERSION_2C);
    assert_int_equal (type, SNMP_PDU_GET);
    assert_int_equal (request_id, 0x6945efe7);
    s_buf_t trap = s_hex (S_TRAP_V1);
    assert_int_equal (snmp_msg_peek (trap.b, trap.n, &version, &type, &request_id), SNMP_OK);
    assert_int_equal (version, SNMP_VERSION_1);
    assert_int_equal (type, SNMP_PDU_TRAP_V1);
    assert_int_equal (request_id, 0);
    assert_int_equal (snmp_msg_peek (get.b, get.n, NULL, NULL, NULL), SNMP_OK);
    //  It reads no further than the request-id: a bad varbind goes unseen
    s_buf_t bad = s_response (S_NAME, "4701 01");
    assert_int_equal (snmp_msg_peek (bad.b, bad.n, NULL, NULL, &request_id), SNMP_OK);
    assert_int_equal (request_id, 1);
    assert_int_equal (snmp_msg_peek (get.b, 10, NULL, NULL, NULL), SNMP_EPASTEND);
    s_buf_t v1_bulk = s_message ("020100", 0xA5, S_FIELDS, s_hex ("3000"));
    assert_int_equal (snmp_msg_peek (v1_bulk.b, v1_bulk.n, NULL, NULL, NULL), SNMP_EPDUVERSION);
    //  Allowed PDU types per version
    assert_int_equal (snmp_pdu_check (SNMP_VERSION_1, SNMP_PDU_TRAP_V1), SNMP_OK);
    assert_int_equal (snmp_pdu_check (SNMP_VERSION_2C, SNMP_PDU_REPORT), SNMP_OK);
    assert_int_equal (snmp_pdu_check (SNMP_VERSION_2C, SNMP_PDU_TRAP_V1), SNMP_EPDUVERSION);
    assert_int_equal (snmp_pdu_check ((snmp_version_t) 3, SNMP_PDU_GET), SNMP_EVERSION);
    assert_int_equal (snmp_pdu_check (SNMP_VERSION_1, (snmp_pdu_type_t) 0xA9), SNMP_EPDUTYPE);
    //  snmp_msg_add: bad arguments
    snmp_value_t null = snmp_value_empty (SNMP_TYPE_NULL);
    snmp_oid_t name = s_oid ("1.3");
    assert_int_equal (snmp_msg_add (NULL, &name, &null), SNMP_EBADARG);
    assert_int_equal (snmp_msg_add (&s_msg2, NULL, &null), SNMP_EBADARG);
    assert_int_equal (snmp_msg_add (&s_msg2, &name, NULL), SNMP_EBADARG);
    assert_int_equal (s_msg2.varbind_count, 0);
}

static void
test_names (void **state)
{
    (void) state;
    assert_string_equal (snmp_pdu_type_name (SNMP_PDU_GETBULK), "GetBulkRequest");
    assert_string_equal (snmp_pdu_type_name (SNMP_PDU_TRAP_V2), "SNMPv2-Trap");
    assert_string_equal (snmp_pdu_type_name ((snmp_pdu_type_t) 0x30), "?");
    assert_string_equal (snmp_type_name (SNMP_TYPE_COUNTER64), "Counter64");
    assert_string_equal (snmp_type_name (SNMP_TYPE_END_OF_MIB_VIEW), "endOfMibView");
    assert_string_equal (snmp_type_name ((snmp_type_t) 0x47), "?");
    for (int t = SNMP_PDU_GET; t <= SNMP_PDU_REPORT; t++)
        assert_string_not_equal (snmp_pdu_type_name ((snmp_pdu_type_t) t), "?");
    //  Every error has a text of its own
    for (int a = SNMP_OK; a <= SNMP_EBADARG; a++) {
        const char *text = snmp_strerror ((snmp_err_t) a);
        assert_true (strlen (text) > 0);
        assert_string_not_equal (text, "unknown error");
        for (int b = SNMP_OK; b < a; b++)
            assert_string_not_equal (text, snmp_strerror ((snmp_err_t) b));
    }
    assert_string_equal (snmp_strerror (SNMP_EPASTEND), "length past the end");
    assert_string_equal (snmp_strerror ((snmp_err_t) 999), "unknown error");
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_netsnmp_requests),    cmocka_unit_test (test_netsnmp_notifications),
        cmocka_unit_test (test_netsnmp_responses),   cmocka_unit_test (test_roundtrip_pdu_types),
        cmocka_unit_test (test_value_encodings),     cmocka_unit_test (test_malformed_framing),
        cmocka_unit_test (test_malformed_pdu),       cmocka_unit_test (test_malformed_values),
        cmocka_unit_test (test_truncations),         cmocka_unit_test (test_mutations),
        cmocka_unit_test (test_oid_parse),           cmocka_unit_test (test_oid_format),
        cmocka_unit_test (test_oid_order),           cmocka_unit_test (test_oid_build),
        cmocka_unit_test (test_format_values),       cmocka_unit_test (test_format_cut),
        cmocka_unit_test (test_format_error_status), cmocka_unit_test (test_encode_errors),
        cmocka_unit_test (test_build_and_peek),      cmocka_unit_test (test_names),
    };
    return tu_main (tests, argc, argv);
}
