/*  fuzz_seeds.c - writes the fuzz targets' seed corpora:
    fuzz_seeds DIR writes DIR/<target>/<seed> (tests/fuzz/corpus is DIR).

    Made with the library's own structs and the codec's own encoder, so that
    the seeds stay valid when a layout changes: run it again then, and
    commit what changed. Seeds are valid inputs of every kind, and a few
    edge cases; the fuzzer finds the rest.
*/
#include "asynrole.h"
#include "fuzz_util.h"
#include "rwire.h"
#include "snmp_msg.h"
#include "wire.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *s_dir;

typedef struct {
    uint8_t data[8192];
    size_t size;
} buf_t;

static void
s_write (const char *target, const char *name, const void *data, size_t size)
{
    char path[1024];
    snprintf (path, sizeof path, "%s/%s", s_dir, target);
    if (mkdir (path, 0755) && errno != EEXIST)
        fuzz_fail ("mkdir %s: %s", path, strerror (errno));
    snprintf (path, sizeof path, "%s/%s/%s", s_dir, target, name);
    FILE *file = fopen (path, "wb");
    if (!file || fwrite (data, 1, size, file) != size || fclose (file))
        fuzz_fail ("cannot write %s", path);
}

static void
s_put (buf_t *buf, const void *data, size_t size)
{
    if (buf->size + size > sizeof buf->data)
        fuzz_fail ("a seed is too large");
    memcpy (buf->data + buf->size, data, size);
    buf->size += size;
}

//  One frame in the targets' frame format (fuzz_util.h)
static void
s_frame (buf_t *buf, const void *data, size_t size, bool more)
{
    uint8_t head = (uint8_t) ((size < 0x7f ? size : 0x7f) | (more ? 0x80 : 0));
    s_put (buf, &head, 1);
    if (size >= 0x7f) {
        uint8_t length[2] = { (uint8_t) size, (uint8_t) (size >> 8) };
        s_put (buf, length, 2);
    }
    s_put (buf, data, size);
}

//  A command of text frames, separated by '|' (an empty one: "||")
static void
s_command (buf_t *buf, const char *text)
{
    const char *start = text;
    for (const char *end = strchr (start, '|'); end; end = strchr (start = end + 1, '|'))
        s_frame (buf, start, (size_t) (end - start), true);
    s_frame (buf, start, strlen (start), false);
}

static asynrole_addr_t
s_addr (const char *text)
{
    asynrole_addr_t addr;
    asynrole_error_t error;
    if (asynrole_addr_parse (&addr, text, &error))
        fuzz_fail ("%s: %s", text, error.detail);
    return addr;
}

//  -------------------------------------------------------------------------

static void
s_addr_seeds (void)
{
    static const char *texts[] = {
        "127.0.0.1:161",
        "0.0.0.0:0",
        "255.255.255.255:65535",
        "192.0.2.1:00162",
        "[::1]:161",
        "[2001:db8::1]:162",
        "[::]:0",
        "[fe80::1%lo]:161",
        "[fe80::1%1]:161",
        "[::ffff:192.0.2.1]:1",
        "[1:2:3:4:5:6:7:8]:9",
        "[fe80::1%4294967295]:1",
        "[fe80::1%]:1",
        "1.2.3.4:65536",
        "::1:161",
        "host.example:161",
        "[::1]",
        "",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        char name[16];
        snprintf (name, sizeof name, "addr-%02zu", i);
        s_write ("addr", name, texts[i], strlen (texts[i]));
    }
}

//  Each: the actor (0 I/O, 1 Manager, 2 Manager in pipe mode, 3 Agent, 4
//  Agent in pipe mode), a name, then its commands
static const struct {
    uint8_t actor;
    const char *name;
    const char *commands[4];
} s_pipe_seeds[] = {
    { 0, "io-stats", { "STATS", "TOTALS" } },
    { 0, "io-verbose", { "VERBOSE|1", "VERBOSE|0", "VERBOSE|2", "VERBOSE" } },
    { 0, "io-capture", { "CAPTURE|cap|0|0", "STATS", "CAPTURE-STOP" } },
    { 0, "io-capture-all", { "CAPTURE|cap|1000|3|64|65536", "CAPTURE|x|0|0", "CAPTURE-STOP|x" } },
    { 0, "io-term", { "$TERM", "UNKNOWN", "", "STATS|extra" } },
    { 1, "manager-send", { "SEND|127.0.0.1:9|hello", "SEND||x", "SEND|[::1]:9|x", "SEND|x" } },
    { 1, "manager-callback", { "CALLBACK|12345678|ctxctxct", "CALLBACK|\0|x", "CALLBACK" } },
    { 1, "manager-switches", { "VERBOSE|1", "DUMP|1", "SEND|127.0.0.1:9|dump", "DUMP|-1" } },
    { 1, "manager-engine", { "DESTINATIONS", "REQUESTS", "CANCEL|42", "CANCEL-ALL" } },
    { 1, "manager-to-agents", { "SEND|127.0.0.1:161|get", "SEND|127.0.0.1:162|get", "STATS" } },
    { 2, "manager-pipe-to-agents", { "SEND|[::1]:161|get", "SEND|[::1]:162|get", "DUMP|1" } },
    { 3, "agent-to-itself", { "DUMP|1", "SEND|127.0.0.1:161|x|0", "SEND|[::1]:162|x|1" } },
    { 2, "manager-pipe-engine", { "RESET", "CANCEL|0", "CANCEL|x", "REQUESTS|1" } },
    { 2, "manager-pipe-send", { "SEND|[::1]:9|hello", "SEND|127.0.0.1:9|v4", "STATS" } },
    { 2, "manager-pipe-capture", { "CAPTURE|cap|0|1", "SEND|[::1]:9|x", "CAPTURE-STOP" } },
    { 3, "agent-send", { "SEND|127.0.0.1:9|hello|0", "SEND|[::1]:9|x|1", "SEND|[::1]:9|x|-1" } },
    { 3, "agent-bad", { "SEND|127.0.0.1:9|x|2", "SEND|1.2.3.4|x", "CALLBACK|12345678|x" } },
    { 4, "agent-pipe", { "SEND|127.0.0.1:9|x|0", "STATS", "DUMP|1", "CAPTURE|cap|0|0|0|0" } },
    { 4, "agent-pipe-term", { "$TERM", "CAPTURE-STOP", "DESTINATIONS" } },
};

static void
s_pipes_seeds (void)
{
    for (size_t i = 0; i < sizeof s_pipe_seeds / sizeof *s_pipe_seeds; i++) {
        buf_t buf = { .size = 0 };
        s_put (&buf, &s_pipe_seeds[i].actor, 1);
        for (size_t c = 0; c < 4 && s_pipe_seeds[i].commands[c]; c++)
            s_command (&buf, s_pipe_seeds[i].commands[c]);
        s_write ("pipes", s_pipe_seeds[i].name, buf.data, buf.size);
    }
}

//  -------------------------------------------------------------------------
//  Events and batches

static void
s_datagram_event (buf_t *frame, const char *peer, const char *local, const char *payload)
{
    asynrole_event_header_t header = {
        .magic = ASYNROLE_EVENT_MAGIC,
        .type = ASYNROLE_EVENT_DATAGRAM,
        .size = (uint32_t) strlen (payload),
        .original_size = (uint32_t) strlen (payload),
        .ifindex = 1,
        .peer = s_addr (peer),
        .local = s_addr (local),
    };
    header.peer.via = 1;
    frame->size = 0;
    s_put (frame, &header, sizeof header);
    s_put (frame, payload, strlen (payload));
}

static void
s_error_event (buf_t *frame, asynrole_code_t code, asynrole_op_t op, const char *address)
{
    asynrole_event_header_t header = {
        .magic = ASYNROLE_EVENT_MAGIC,
        .type = ASYNROLE_EVENT_ERROR,
        .size = sizeof (asynrole_error_t),
    };
    asynrole_error_t error = { .code = code, .op = op, .sys_errno = 111, .count = 3 };
    error.address = s_addr (address);
    snprintf (error.detail, sizeof error.detail, "Connection refused: icmp for %s", address);
    frame->size = 0;
    s_put (frame, &header, sizeof header);
    s_put (frame, &error, sizeof error);
}

static void
s_event_seeds (void)
{
    buf_t frame, buf = { .size = 0 };
    s_datagram_event (&frame, "127.0.0.1:1024", "127.0.0.1:161", "a datagram");
    s_frame (&buf, frame.data, frame.size, false);
    s_write ("event", "datagram-v4", buf.data, buf.size);
    buf.size = 0;
    s_datagram_event (&frame, "[fe80::1%1]:1024", "[::1]:161", "");
    s_frame (&buf, frame.data, frame.size, false);
    s_write ("event", "datagram-v6-empty", buf.data, buf.size);
    buf.size = 0;
    s_error_event (&frame, ASYNROLE_ENETWORK, ASYNROLE_OP_ICMP, "127.0.0.1:9");
    s_frame (&buf, frame.data, frame.size, false);
    s_write ("event", "error-icmp", buf.data, buf.size);
    //  Two events, then one of two frames (not an event), then a bare header
    s_error_event (&frame, ASYNROLE_EDROPPED, ASYNROLE_OP_QUEUE, "[::1]:162");
    s_frame (&buf, frame.data, frame.size, false);
    s_frame (&buf, frame.data, frame.size, true);
    s_frame (&buf, "tail", 4, false);
    s_frame (&buf, frame.data, sizeof (asynrole_event_header_t), false);
    s_write ("event", "mixed", buf.data, buf.size);
}

static void
s_record (buf_t *buf, wire_type_t type, const char *peer, const char *local, const char *payload)
{
    wire_rec_t rec = {
        .type = (uint16_t) type,
        .op = type == WIRE_ERROR ? ASYNROLE_OP_ICMP
            : type == WIRE_DROPS ? ASYNROLE_OP_QUEUE
                                 : 0,
        .socket = 0,
        .size = (uint32_t) strlen (payload),
        .original = (uint32_t) strlen (payload),
        .ifindex = 1,
        .err = type == WIRE_ERROR ? 111 : 0,
        .errors = type == WIRE_DROPS ? 2 : 0,
        .count = type == WIRE_DROPS ? 7 : 0,
        .peer = s_addr (peer),
        .local = local ? s_addr (local) : (asynrole_addr_t){ .len = 0 },
    };
    rec.peer.via = 1;
    s_put (buf, &rec, sizeof rec);
    s_put (buf, payload, strlen (payload));
    static const uint8_t pad[WIRE_ALIGN] = { 0 };
    s_put (buf, pad, wire_rec_span (rec.size) - sizeof rec - rec.size);
}

static void
s_deliver_seed (const char *name, uint8_t mode, const buf_t *batch)
{
    buf_t buf = { .size = 0 };
    s_put (&buf, &mode, 1);
    s_put (&buf, batch->data, batch->size);
    s_write ("deliver", name, buf.data, buf.size);
}

static void
s_deliver_seeds (void)
{
    buf_t batch = { .size = 0 };
    s_record (&batch, WIRE_DATAGRAM, "127.0.0.1:1024", "127.0.0.1:161", "a request");
    s_deliver_seed ("agent-callback-datagram", 0, &batch);
    s_deliver_seed ("agent-pipe-datagram", 1, &batch);
    s_record (&batch, WIRE_DATAGRAM, "[::1]:1024", "[::1]:161", "");
    s_record (&batch, WIRE_ERROR, "127.0.0.1:9", NULL, "");
    s_record (&batch, WIRE_DROPS, "[::1]:1024", NULL, "");
    s_deliver_seed ("manager-callback-mixed", 2, &batch);
    s_deliver_seed ("manager-pipe-mixed", 3, &batch);
    s_deliver_seed ("agent-nocallback-mixed", 4, &batch);
    //  A record cut short at the end: the ones before it are delivered
    batch.size -= 8;
    s_deliver_seed ("agent-pipe-cut", 1, &batch);
    batch.size = 0;
    s_deliver_seed ("empty", 1, &batch);
}

//  -------------------------------------------------------------------------
//  SNMP messages

static snmp_oid_t
s_oid (const char *text)
{
    snmp_oid_t oid;
    if (snmp_oid_parse (&oid, text))
        fuzz_fail ("snmp_oid_parse %s", text);
    return oid;
}

static void
s_snmp_write (const char *name, const snmp_msg_t *msg)
{
    static uint8_t out[SNMP_MSG_MAX];
    size_t length;
    snmp_err_t err = snmp_msg_encode (msg, out, sizeof out, &length);
    if (err)
        fuzz_fail ("%s: %s", name, snmp_strerror (err));
    s_write ("snmp", name, out, length);
}

//  A varbind of each value type
static void
s_add_values (snmp_msg_t *msg)
{
    static const uint8_t ip[4] = { 192, 0, 2, 1 };
    snmp_oid_t name = s_oid ("1.3.6.1.2.1.1.1.0");
    snmp_oid_t oid = s_oid ("1.3.6.1.4.1.8072.3.2.10");
    snmp_value_t values[] = {
        snmp_value_integer (-129),
        snmp_value_string ("testhost", 8),
        snmp_value_opaque ("\x9f\x78\x04\x3f\x80\x00\x00", 7),
        snmp_value_oid (&oid),
        snmp_value_ipaddress (ip),
        snmp_value_unsigned (SNMP_TYPE_COUNTER32, 4294967295u),
        snmp_value_unsigned (SNMP_TYPE_GAUGE32, 128),
        snmp_value_unsigned (SNMP_TYPE_TIMETICKS, 18212),
        snmp_value_counter64 (UINT64_MAX),
        snmp_value_empty (SNMP_TYPE_NULL),
        snmp_value_empty (SNMP_TYPE_NO_SUCH_OBJECT),
        snmp_value_empty (SNMP_TYPE_NO_SUCH_INSTANCE),
        snmp_value_empty (SNMP_TYPE_END_OF_MIB_VIEW),
    };
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        name.arcs[name.len - 1] = (uint32_t) i;
        if (snmp_msg_add (msg, &name, &values[i]))
            fuzz_fail ("snmp_msg_add");
    }
}

static snmp_msg_t s_msg;

static void
s_snmp_seeds (void)
{
    static const struct {
        snmp_version_t version;
        snmp_pdu_type_t type;
        const char *name;
    } pdus[] = {
        { SNMP_VERSION_2C, SNMP_PDU_GET, "get-v2c" },
        { SNMP_VERSION_1, SNMP_PDU_GETNEXT, "getnext-v1" },
        { SNMP_VERSION_2C, SNMP_PDU_RESPONSE, "response-v2c" },
        { SNMP_VERSION_1, SNMP_PDU_SET, "set-v1" },
        { SNMP_VERSION_1, SNMP_PDU_TRAP_V1, "trap-v1" },
        { SNMP_VERSION_2C, SNMP_PDU_GETBULK, "getbulk-v2c" },
        { SNMP_VERSION_2C, SNMP_PDU_INFORM, "inform-v2c" },
        { SNMP_VERSION_2C, SNMP_PDU_TRAP_V2, "trap-v2c" },
        { SNMP_VERSION_2C, SNMP_PDU_REPORT, "report-v2c" },
    };
    for (size_t i = 0; i < sizeof pdus / sizeof *pdus; i++) {
        snmp_msg_init (&s_msg, pdus[i].version, "public", pdus[i].type, 0x6f6c0dcf);
        if (pdus[i].type == SNMP_PDU_TRAP_V1) {
            s_msg.trap.enterprise = s_oid ("1.3.6.1.4.1.8072.2.3");
            memcpy (s_msg.trap.agent_addr, "\xc0\x00\x02\x01", 4);
            s_msg.trap.generic_trap = SNMP_TRAP_ENTERPRISE_SPECIFIC;
            s_msg.trap.specific_trap = 17;
            s_msg.trap.time_stamp = 12345;
        }
        else if (pdus[i].type == SNMP_PDU_GETBULK) {
            s_msg.non_repeaters = 1;
            s_msg.max_repetitions = 10;
        }
        else if (pdus[i].type == SNMP_PDU_RESPONSE) {
            s_msg.error_status = SNMP_ERR_NO_SUCH_NAME;
            s_msg.error_index = 2;
        }
        s_add_values (&s_msg);
        s_snmp_write (pdus[i].name, &s_msg);
    }
    //  No varbinds, an empty community, the largest request-id
    snmp_msg_init (&s_msg, SNMP_VERSION_1, "", SNMP_PDU_GET, INT32_MAX);
    s_snmp_write ("get-v1-empty", &s_msg);
}

//  -------------------------------------------------------------------------
//  Remote wire messages: one of each type, a few together, a few malformed

//  A message in the frame format, appended to buf (destroyed)
static void
s_wire_message (buf_t *buf, zmsg_t *msg)
{
    if (!msg)
        fuzz_fail ("rwire_encode refused a seed");
    size_t count = zmsg_size (msg), i = 0;
    for (zframe_t *frame = zmsg_first (msg); frame; frame = zmsg_next (msg), i++)
        s_frame (buf, zframe_data (frame), zframe_size (frame), i + 1 < count);
    zmsg_destroy (&msg);
}

//  A message of type with every field it has set
static rwire_msg_t
s_wire_full (rwire_type_t type, bool ipv6)
{
    static const uint8_t payload[] = { 0x30, 0x0b, 0x02, 0x01, 0x01, 0x04, 0x06,
                                       'p',  'u',  'b',  'l',  'i',  'c' };
    rwire_msg_t m;
    memset (&m, 0, sizeof m);
    m.type = type;
    m.credit = 64, m.heartbeat = 1000, m.heartbeat_timeout = 3000;            //  HELLO, WELCOME
    m.code = ASYNROLE_EPROTOCOL, m.spoken = ASYNROLE_PROTOCOL_VERSION;        //  ERROR
    m.seq = 7, m.ifindex = 1, m.flags = 0, m.original_size = sizeof payload;  //  DATAGRAM
    m.done = 1, m.token = 99;
    if (type == RWIRE_REQUEST) {
        m.has_policy = true;
        m.policy = (asynrole_policy_t){ .timeout = 1000,
                                        .retries = 2,
                                        .backoff = 1,
                                        .max_timeout = 4000,
                                        .jitter = 10,
                                        .deadline = 9000 };
    }
    if (type == RWIRE_RESULT)
        m.code = 0, m.attempts = 2, m.attempt = 1, m.rtt_us = 1500;
    if (type == RWIRE_DATAGRAM || type == RWIRE_SEND || type == RWIRE_REQUEST
        || type == RWIRE_RESULT) {
        m.peer = s_addr (ipv6 ? "[fe80::1%7]:1024" : "192.0.2.1:1024");
        m.peer.via = type == RWIRE_DATAGRAM || type == RWIRE_SEND ? 1 : 0;
        if (type == RWIRE_DATAGRAM || type == RWIRE_SEND)
            m.local = s_addr (ipv6 ? "[::1]:162" : "127.0.0.1:162");
        m.data = payload, m.size = sizeof payload;
    }
    snprintf (m.text, sizeof m.text, "%s", type == RWIRE_HELLO ? "worker-1" : "say HELLO");
    return m;
}

//  Bytes as frames: each string one frame of a message
static void
s_wire_raw (const char *name, const char *const *frames, const size_t *sizes, size_t count)
{
    buf_t buf = { .size = 0 };
    for (size_t i = 0; i < count; i++)
        s_frame (&buf, frames[i], sizes[i], i + 1 < count);
    s_write ("remote", name, buf.data, buf.size);
}

static void
s_remote_seeds (void)
{
    buf_t mixed = { .size = 0 };
    for (int type = RWIRE_HELLO; type <= RWIRE_RESULT; type++) {
        buf_t buf = { .size = 0 };
        rwire_msg_t m = s_wire_full ((rwire_type_t) type, type % 2 == 0);
        s_wire_message (&buf, rwire_encode (&m));
        char name[32];
        snprintf (name, sizeof name, "%02d-%s", type, rwire_name (type));
        s_write ("remote", name, buf.data, buf.size);
        s_wire_message (&mixed, rwire_encode (&m));
    }
    s_write ("remote", "mixed", mixed.data, mixed.size);
    //  Malformed: another version, a bad family, a byte too many, an
    //  unknown type, a short frame 0, a text too long
    static const char text[RWIRE_TEXT_MAX + 1] = "";
    const char *bad_version[] = { "AR\x02\x01", "junk" };
    const char *bad_family[] = { "AR\x01\x08", "\x05\0\0\0\0\0\0\0\0\0", "" };
    const char *trailing[] = { "AR\x01\x07", "\0\0\0\x01\0" };
    const char *unknown[] = { "AR\x01\x0c" };
    const char *short_head[] = { "AR\x01" };
    const char *long_text[] = { "AR\x01\x05", "\0\0\0\x0e\0\0\0\x01", text };
    s_wire_raw ("bad-version", bad_version, (size_t[]){ 4, 4 }, 2);
    s_wire_raw ("bad-family", bad_family, (size_t[]){ 4, 10, 0 }, 3);
    s_wire_raw ("trailing", trailing, (size_t[]){ 4, 5 }, 2);
    s_wire_raw ("unknown-type", unknown, (size_t[]){ 4 }, 1);
    s_wire_raw ("short-head", short_head, (size_t[]){ 3 }, 1);
    s_wire_raw ("long-text", long_text, (size_t[]){ 4, 8, sizeof text }, 3);
}

int
main (int argc, char *argv[])
{
    if (argc != 2) {
        fprintf (stderr, "usage: fuzz_seeds DIR (tests/fuzz/corpus)\n");
        return 2;
    }
    s_dir = argv[1];
    s_addr_seeds ();
    s_pipes_seeds ();
    s_event_seeds ();
    s_deliver_seeds ();
    s_snmp_seeds ();
    s_remote_seeds ();
    return 0;
}
