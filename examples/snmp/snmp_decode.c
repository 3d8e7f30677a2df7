/*  snmp_decode.c - SNMPv1/v2c messages from bytes (see snmp_msg.h)

    Every step reads through a snmp_ber_reader_t, which checks each length
    against what is left: a malformed message ends in an error code at the
    first fault, never in a read past the input.
*/
#include "snmp_msg.h"
#include <string.h>

//  An INTEGER that must fit 32 bits (request-id, error-status, ...)
static snmp_err_t
s_read_int32 (snmp_ber_reader_t *reader, int32_t *value)
{
    int64_t v;
    snmp_err_t err = snmp_ber_read_int (reader, SNMP_TAG_INTEGER, &v);
    if (err)
        return err;
    if (v < INT32_MIN || v > INT32_MAX)
        return SNMP_EBADINT;
    *value = (int32_t) v;
    return SNMP_OK;
}

static snmp_err_t
s_read_ipaddress (snmp_ber_reader_t *reader, uint8_t ip[4])
{
    const uint8_t *data;
    size_t len;
    snmp_err_t err = snmp_ber_read_octets (reader, SNMP_TYPE_IPADDRESS, &data, &len);
    if (err)
        return err;
    if (len != 4)
        return SNMP_EBADVALUE;
    memcpy (ip, data, 4);
    return SNMP_OK;
}

static snmp_err_t
s_read_value (snmp_ber_reader_t *reader, snmp_value_t *value)
{
    uint8_t tag;
    snmp_err_t err = snmp_ber_peek_tag (reader, &tag);
    if (err)
        return err;
    memset (value, 0, sizeof *value);
    value->type = (snmp_type_t) tag;
    uint64_t u = 0;
    switch (tag) {
        case SNMP_TYPE_INTEGER: return snmp_ber_read_int (reader, tag, &value->u.integer);
        case SNMP_TYPE_OCTET_STRING:
        case SNMP_TYPE_OPAQUE:
            return snmp_ber_read_octets (reader, tag, &value->u.string.data, &value->u.string.len);
        case SNMP_TYPE_NULL:
        case SNMP_TYPE_NO_SUCH_OBJECT:
        case SNMP_TYPE_NO_SUCH_INSTANCE:
        case SNMP_TYPE_END_OF_MIB_VIEW: return snmp_ber_read_null (reader, tag);
        case SNMP_TYPE_OID: return snmp_ber_read_oid (reader, tag, &value->u.oid);
        case SNMP_TYPE_IPADDRESS: return s_read_ipaddress (reader, value->u.ip);
        case SNMP_TYPE_COUNTER32:
        case SNMP_TYPE_GAUGE32:
        case SNMP_TYPE_TIMETICKS:
            err = snmp_ber_read_uint (reader, tag, UINT32_MAX, &u);
            value->u.unsigned32 = (uint32_t) u;
            return err;
        case SNMP_TYPE_COUNTER64:
            return snmp_ber_read_uint (reader, tag, UINT64_MAX, &value->u.counter64);
        default: return SNMP_EVALUETYPE;
    }
}

//  VarBindList: SEQUENCE OF SEQUENCE { name OID, value }
static snmp_err_t
s_read_varbinds (snmp_ber_reader_t *reader, snmp_msg_t *msg)
{
    snmp_ber_reader_t list;
    snmp_err_t err = snmp_ber_enter (reader, SNMP_TAG_SEQUENCE, &list);
    if (err)
        return err;
    while (snmp_ber_left (&list) > 0) {
        if (msg->varbind_count == SNMP_MAX_VARBINDS)
            return SNMP_ETOOMANY;
        snmp_varbind_t *varbind = &msg->varbinds[msg->varbind_count];
        snmp_ber_reader_t item;
        err = snmp_ber_enter (&list, SNMP_TAG_SEQUENCE, &item);
        if (err == SNMP_OK)
            err = snmp_ber_read_oid (&item, SNMP_TAG_OID, &varbind->name);
        if (err == SNMP_OK)
            err = s_read_value (&item, &varbind->value);
        if (err == SNMP_OK && snmp_ber_left (&item) > 0)
            err = SNMP_ETRAILING;
        if (err)
            return err;
        msg->varbind_count++;
    }
    return SNMP_OK;
}

//  Trap-v1: enterprise, agent-addr, generic-trap, specific-trap, time-stamp
static snmp_err_t
s_read_trap_v1 (snmp_ber_reader_t *pdu, snmp_msg_t *msg)
{
    snmp_trap_v1_t *trap = &msg->trap;
    uint64_t time_stamp = 0;
    snmp_err_t err = snmp_ber_read_oid (pdu, SNMP_TAG_OID, &trap->enterprise);
    if (err == SNMP_OK)
        err = s_read_ipaddress (pdu, trap->agent_addr);
    if (err == SNMP_OK)
        err = s_read_int32 (pdu, &trap->generic_trap);
    if (err == SNMP_OK)
        err = s_read_int32 (pdu, &trap->specific_trap);
    if (err == SNMP_OK)
        err = snmp_ber_read_uint (pdu, SNMP_TYPE_TIMETICKS, UINT32_MAX, &time_stamp);
    trap->time_stamp = (uint32_t) time_stamp;
    return err;
}

//  Every other PDU: request-id and two INTEGERs
static snmp_err_t
s_read_pdu_header (snmp_ber_reader_t *pdu, snmp_msg_t *msg)
{
    bool bulk = msg->type == SNMP_PDU_GETBULK;
    snmp_err_t err = s_read_int32 (pdu, &msg->request_id);
    if (err == SNMP_OK)
        err = s_read_int32 (pdu, bulk ? &msg->non_repeaters : &msg->error_status);
    if (err == SNMP_OK)
        err = s_read_int32 (pdu, bulk ? &msg->max_repetitions : &msg->error_index);
    return err;
}

//  Message header: the outer SEQUENCE, version and community; *pdu_tag is
//  the tag of what follows (checked), and rest reads from there on
typedef struct {
    snmp_version_t version;
    const uint8_t *community;
    size_t community_len;
    uint8_t pdu_tag;
} s_header_t;

static snmp_err_t
s_read_header (snmp_ber_reader_t *input, s_header_t *header, snmp_ber_reader_t *rest)
{
    int64_t version;
    snmp_err_t err = snmp_ber_enter (input, SNMP_TAG_SEQUENCE, rest);
    if (err == SNMP_OK)
        err = snmp_ber_read_int (rest, SNMP_TAG_INTEGER, &version);
    if (err == SNMP_OK && version != SNMP_VERSION_1 && version != SNMP_VERSION_2C)
        err = SNMP_EVERSION;
    if (err)
        return err;
    header->version = (snmp_version_t) version;
    err = snmp_ber_read_octets (rest, SNMP_TAG_OCTET_STRING, &header->community,
                                &header->community_len);
    if (err == SNMP_OK)
        err = snmp_ber_peek_tag (rest, &header->pdu_tag);
    if (err == SNMP_OK)
        err = snmp_pdu_check (header->version, (snmp_pdu_type_t) header->pdu_tag);
    return err;
}

snmp_err_t
snmp_msg_decode (snmp_msg_t *msg, const uint8_t *data, size_t size)
{
    if (msg == NULL || (data == NULL && size > 0))
        return SNMP_EBADARG;
    //  Clear what a decode sets; the varbinds are set as they come
    memset (msg, 0, offsetof (snmp_msg_t, varbinds));
    snmp_ber_reader_t input, body, pdu;
    snmp_ber_reader_init (&input, data, size);
    s_header_t header;
    snmp_err_t err = s_read_header (&input, &header, &body);
    if (err == SNMP_OK)
        err = snmp_ber_enter (&body, header.pdu_tag, &pdu);
    if (err)
        return err;
    msg->version = header.version;
    msg->community = header.community;
    msg->community_len = header.community_len;
    msg->type = (snmp_pdu_type_t) header.pdu_tag;
    if (msg->type == SNMP_PDU_TRAP_V1)
        err = s_read_trap_v1 (&pdu, msg);
    else
        err = s_read_pdu_header (&pdu, msg);
    if (err == SNMP_OK)
        err = s_read_varbinds (&pdu, msg);
    if (err == SNMP_OK
        && (snmp_ber_left (&pdu) > 0 || snmp_ber_left (&body) > 0 || snmp_ber_left (&input) > 0))
        err = SNMP_ETRAILING;
    return err;
}

snmp_err_t
snmp_msg_peek (const uint8_t *data, size_t size, snmp_version_t *version, snmp_pdu_type_t *type,
               int32_t *request_id)
{
    if (data == NULL && size > 0)
        return SNMP_EBADARG;
    snmp_ber_reader_t input, body, pdu;
    snmp_ber_reader_init (&input, data, size);
    s_header_t header;
    int32_t id = 0;
    snmp_err_t err = s_read_header (&input, &header, &body);
    if (err == SNMP_OK)
        err = snmp_ber_enter (&body, header.pdu_tag, &pdu);
    if (err == SNMP_OK && header.pdu_tag != SNMP_PDU_TRAP_V1)
        err = s_read_int32 (&pdu, &id);
    if (err)
        return err;
    if (version)
        *version = header.version;
    if (type)
        *type = (snmp_pdu_type_t) header.pdu_tag;
    if (request_id)
        *request_id = id;
    return SNMP_OK;
}
