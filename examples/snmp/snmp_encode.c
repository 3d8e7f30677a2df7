/*  snmp_encode.c - SNMPv1/v2c messages into bytes (see snmp_msg.h)

    The writer works backwards (ber.h): each SEQUENCE's contents are written
    last element first, then its header. The message ends at the end of the
    caller's buffer and is moved to its start at the end.
*/
#include "snmp_msg.h"
#include <string.h>

static void
s_write_value (snmp_ber_writer_t *writer, const snmp_value_t *value)
{
    uint8_t tag = (uint8_t) value->type;
    switch (value->type) {
        case SNMP_TYPE_INTEGER: snmp_ber_write_int (writer, tag, value->u.integer); break;
        case SNMP_TYPE_OCTET_STRING:
        case SNMP_TYPE_OPAQUE:
            snmp_ber_write_octets (writer, tag, value->u.string.data, value->u.string.len);
            break;
        case SNMP_TYPE_NULL:
        case SNMP_TYPE_NO_SUCH_OBJECT:
        case SNMP_TYPE_NO_SUCH_INSTANCE:
        case SNMP_TYPE_END_OF_MIB_VIEW: snmp_ber_write_null (writer, tag); break;
        case SNMP_TYPE_OID: snmp_ber_write_oid (writer, tag, &value->u.oid); break;
        case SNMP_TYPE_IPADDRESS: snmp_ber_write_octets (writer, tag, value->u.ip, 4); break;
        case SNMP_TYPE_COUNTER32:
        case SNMP_TYPE_GAUGE32:
        case SNMP_TYPE_TIMETICKS: snmp_ber_write_uint (writer, tag, value->u.unsigned32); break;
        case SNMP_TYPE_COUNTER64: snmp_ber_write_uint (writer, tag, value->u.counter64); break;
        default:
            if (writer->error == SNMP_OK)
                writer->error = SNMP_EVALUETYPE;
    }
}

static void
s_write_varbinds (snmp_ber_writer_t *writer, const snmp_msg_t *msg)
{
    size_t list = snmp_ber_mark (writer);
    for (size_t i = msg->varbind_count; i > 0; i--) {
        const snmp_varbind_t *varbind = &msg->varbinds[i - 1];
        size_t item = snmp_ber_mark (writer);
        s_write_value (writer, &varbind->value);
        snmp_ber_write_oid (writer, SNMP_TAG_OID, &varbind->name);
        snmp_ber_wrap (writer, SNMP_TAG_SEQUENCE, item);
    }
    snmp_ber_wrap (writer, SNMP_TAG_SEQUENCE, list);
}

//  The PDU's fields before the varbinds, in reverse order
static void
s_write_pdu_fields (snmp_ber_writer_t *writer, const snmp_msg_t *msg)
{
    if (msg->type == SNMP_PDU_TRAP_V1) {
        const snmp_trap_v1_t *trap = &msg->trap;
        snmp_ber_write_uint (writer, SNMP_TYPE_TIMETICKS, trap->time_stamp);
        snmp_ber_write_int (writer, SNMP_TAG_INTEGER, trap->specific_trap);
        snmp_ber_write_int (writer, SNMP_TAG_INTEGER, trap->generic_trap);
        snmp_ber_write_octets (writer, SNMP_TYPE_IPADDRESS, trap->agent_addr, 4);
        snmp_ber_write_oid (writer, SNMP_TAG_OID, &trap->enterprise);
    }
    else {
        bool bulk = msg->type == SNMP_PDU_GETBULK;
        snmp_ber_write_int (writer, SNMP_TAG_INTEGER,
                            bulk ? msg->max_repetitions : msg->error_index);
        snmp_ber_write_int (writer, SNMP_TAG_INTEGER,
                            bulk ? msg->non_repeaters : msg->error_status);
        snmp_ber_write_int (writer, SNMP_TAG_INTEGER, msg->request_id);
    }
}

//  Can msg's header be encoded?
static snmp_err_t
s_check (const snmp_msg_t *msg)
{
    if (msg->community == NULL && msg->community_len > 0)
        return SNMP_EBADARG;
    snmp_err_t err = snmp_pdu_check (msg->version, msg->type);
    if (err)
        return err;
    if (msg->varbind_count > SNMP_MAX_VARBINDS)
        return SNMP_ETOOMANY;
    return SNMP_OK;
}

snmp_err_t
snmp_msg_encode (const snmp_msg_t *msg, uint8_t *buf, size_t size, size_t *length)
{
    if (length)
        *length = 0;
    if (msg == NULL || buf == NULL)
        return SNMP_EBADARG;
    snmp_err_t err = s_check (msg);
    if (err)
        return err;
    snmp_ber_writer_t writer;
    snmp_ber_writer_init (&writer, buf, size);
    size_t message = snmp_ber_mark (&writer);
    size_t pdu = snmp_ber_mark (&writer);
    s_write_varbinds (&writer, msg);
    s_write_pdu_fields (&writer, msg);
    snmp_ber_wrap (&writer, (uint8_t) msg->type, pdu);
    snmp_ber_write_octets (&writer, SNMP_TAG_OCTET_STRING, msg->community, msg->community_len);
    snmp_ber_write_int (&writer, SNMP_TAG_INTEGER, msg->version);
    snmp_ber_wrap (&writer, SNMP_TAG_SEQUENCE, message);
    if (writer.error)
        return writer.error;
    size_t written;
    const uint8_t *start = snmp_ber_written (&writer, &written);
    memmove (buf, start, written);
    if (length)
        *length = written;
    return SNMP_OK;
}
