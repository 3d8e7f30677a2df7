/*  fuzz_snmp.c - the SNMP examples' BER codec (examples/snmp/snmp_msg.h)

    The input is a datagram. Checked, where snmp_msg_decode takes it:
    - snmp_msg_peek agrees with it (version, PDU type, request-id);
    - it encodes (snmp_msg_encode), and what it encodes to decodes to the
      same message, field by field, and encodes again to the same bytes
      (the encoder is canonical: minimal lengths and integers);
    - the codec promises "anything decoded encodes back to the same bytes
      when the sender used minimal encodings": any other encoding is
      longer, so an encoding as long as the input must be the input;
    - every varbind formats (snmp_varbind_format) into a large buffer and
      a small one, always NUL-terminated.
    Where it does not, the error has a name (snmp_strerror).
*/
#include "fuzz_util.h"
#include "snmp_format.h"
#include "snmp_msg.h"
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static snmp_msg_t s_msg, s_again;  //  large: not on the stack
static uint8_t s_out[SNMP_MSG_MAX];
static uint8_t s_out2[SNMP_MSG_MAX];

FUZZ_INITIALIZE_KEEP_STDERR

static bool
s_oid_equal (const snmp_oid_t *a, const snmp_oid_t *b)
{
    return a->len == b->len && memcmp (a->arcs, b->arcs, a->len * sizeof a->arcs[0]) == 0;
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
        case SNMP_TYPE_OID: return s_oid_equal (&a->u.oid, &b->u.oid);
        case SNMP_TYPE_IPADDRESS: return memcmp (a->u.ip, b->u.ip, 4) == 0;
        case SNMP_TYPE_COUNTER32:
        case SNMP_TYPE_GAUGE32:
        case SNMP_TYPE_TIMETICKS: return a->u.unsigned32 == b->u.unsigned32;
        case SNMP_TYPE_COUNTER64: return a->u.counter64 == b->u.counter64;
        default: return true;  //  NULL and the exceptions: no contents
    }
}

static bool
s_msg_equal (const snmp_msg_t *a, const snmp_msg_t *b)
{
    bool same = a->version == b->version && a->type == b->type
        && a->community_len == b->community_len
        && (a->community_len == 0 || memcmp (a->community, b->community, a->community_len) == 0)
        && a->request_id == b->request_id && a->error_status == b->error_status
        && a->error_index == b->error_index && a->non_repeaters == b->non_repeaters
        && a->max_repetitions == b->max_repetitions && a->varbind_count == b->varbind_count
        && s_oid_equal (&a->trap.enterprise, &b->trap.enterprise)
        && memcmp (a->trap.agent_addr, b->trap.agent_addr, 4) == 0
        && a->trap.generic_trap == b->trap.generic_trap
        && a->trap.specific_trap == b->trap.specific_trap
        && a->trap.time_stamp == b->trap.time_stamp;
    for (size_t i = 0; same && i < a->varbind_count; i++)
        same = s_oid_equal (&a->varbinds[i].name, &b->varbinds[i].name)
            && s_value_equal (&a->varbinds[i].value, &b->varbinds[i].value);
    return same;
}

static void
s_check_format (const snmp_msg_t *msg)
{
    char line[8192];
    char small[8];
    for (size_t i = 0; i < msg->varbind_count; i++) {
        size_t length = snmp_varbind_format (&msg->varbinds[i], line, sizeof line);
        FUZZ_CHECK (strlen (line) == (length < sizeof line ? length : sizeof line - 1),
                    "varbind %zu formats to %zu bytes, says %zu", i, strlen (line), length);
        size_t cut = snmp_varbind_format (&msg->varbinds[i], small, sizeof small);
        FUZZ_CHECK (cut == length && strlen (small) < sizeof small,
                    "varbind %zu: a cut text says %zu, not %zu", i, cut, length);
    }
    FUZZ_CHECK (snmp_pdu_type_name (msg->type) && snmp_error_status_text (msg->error_status),
                "a name is NULL");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    snmp_err_t err = snmp_msg_decode (&s_msg, data, size);
    if (err != SNMP_OK) {
        FUZZ_CHECK (snmp_strerror (err) && *snmp_strerror (err), "error %d has no name", err);
        return 0;
    }
    snmp_version_t version;
    snmp_pdu_type_t type;
    int32_t request_id;
    FUZZ_CHECK (snmp_msg_peek (data, size, &version, &type, &request_id) == SNMP_OK
                    && version == s_msg.version && type == s_msg.type
                    && request_id == (type == SNMP_PDU_TRAP_V1 ? 0 : s_msg.request_id),
                "peek disagrees with decode");

    size_t length = 0;
    err = snmp_msg_encode (&s_msg, s_out, sizeof s_out, &length);
    FUZZ_CHECK (err == SNMP_OK, "a decoded message does not encode: %s", snmp_strerror (err));
    FUZZ_CHECK (length <= size, "encoded in %zu bytes, more than the %zu decoded", length, size);
    FUZZ_CHECK (length < size || memcmp (s_out, data, size) == 0,
                "encoded in as many bytes as decoded, but not to the same bytes");

    err = snmp_msg_decode (&s_again, s_out, length);
    FUZZ_CHECK (err == SNMP_OK, "an encoded message does not decode: %s", snmp_strerror (err));
    FUZZ_CHECK (s_msg_equal (&s_msg, &s_again), "decode (encode (decode (x))) != decode (x)");
    size_t length2 = 0;
    err = snmp_msg_encode (&s_again, s_out2, sizeof s_out2, &length2);
    FUZZ_CHECK (err == SNMP_OK && length2 == length && memcmp (s_out, s_out2, length) == 0,
                "encoding is not canonical: %zu then %zu bytes", length, length2);
    s_check_format (&s_msg);
    return 0;
}
