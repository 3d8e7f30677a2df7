/*  snmp_msg.c - building SNMP messages and values, names (see snmp_msg.h)
*/
#include "snmp_msg.h"
#include <string.h>

snmp_err_t
snmp_pdu_check (snmp_version_t version, snmp_pdu_type_t type)
{
    if (version != SNMP_VERSION_1 && version != SNMP_VERSION_2C)
        return SNMP_EVERSION;
    switch (type) {
        case SNMP_PDU_GET:
        case SNMP_PDU_GETNEXT:
        case SNMP_PDU_RESPONSE:
        case SNMP_PDU_SET: return SNMP_OK;
        case SNMP_PDU_TRAP_V1: return version == SNMP_VERSION_1 ? SNMP_OK : SNMP_EPDUVERSION;
        case SNMP_PDU_GETBULK:
        case SNMP_PDU_INFORM:
        case SNMP_PDU_TRAP_V2:
        case SNMP_PDU_REPORT: return version == SNMP_VERSION_2C ? SNMP_OK : SNMP_EPDUVERSION;
    }
    return SNMP_EPDUTYPE;
}

void
snmp_msg_init (snmp_msg_t *msg, snmp_version_t version, const char *community, snmp_pdu_type_t type,
               int32_t request_id)
{
    //  The header only: the varbinds count from 0, and are written as added
    memset (msg, 0, offsetof (snmp_msg_t, varbinds));
    msg->version = version;
    msg->community = (const uint8_t *) community;
    msg->community_len = community ? strlen (community) : 0;
    msg->type = type;
    msg->request_id = request_id;
}

void
snmp_msg_init_response (snmp_msg_t *response, const snmp_msg_t *request)
{
    memset (response, 0, offsetof (snmp_msg_t, varbinds));
    response->version = request->version;
    response->community = request->community;
    response->community_len = request->community_len;
    response->type = SNMP_PDU_RESPONSE;
    response->request_id = request->request_id;
}

snmp_err_t
snmp_msg_add (snmp_msg_t *msg, const snmp_oid_t *name, const snmp_value_t *value)
{
    if (msg == NULL || name == NULL || value == NULL || name->len > SNMP_OID_MAX)
        return SNMP_EBADARG;
    if (msg->varbind_count >= SNMP_MAX_VARBINDS)
        return SNMP_ETOOMANY;
    snmp_varbind_t *varbind = &msg->varbinds[msg->varbind_count++];
    varbind->name = *name;
    varbind->value = *value;
    return SNMP_OK;
}

//  -------------------------------------------------------------------------
//  Values

snmp_value_t
snmp_value_integer (int64_t value)
{
    snmp_value_t v = { .type = SNMP_TYPE_INTEGER };
    v.u.integer = value;
    return v;
}

snmp_value_t
snmp_value_string (const void *data, size_t len)
{
    snmp_value_t v = { .type = SNMP_TYPE_OCTET_STRING };
    v.u.string.data = data;
    v.u.string.len = len;
    return v;
}

snmp_value_t
snmp_value_opaque (const void *data, size_t len)
{
    snmp_value_t v = snmp_value_string (data, len);
    v.type = SNMP_TYPE_OPAQUE;
    return v;
}

snmp_value_t
snmp_value_oid (const snmp_oid_t *oid)
{
    snmp_value_t v = { .type = SNMP_TYPE_OID };
    v.u.oid = *oid;
    return v;
}

snmp_value_t
snmp_value_ipaddress (const uint8_t ip[4])
{
    snmp_value_t v = { .type = SNMP_TYPE_IPADDRESS };
    memcpy (v.u.ip, ip, 4);
    return v;
}

snmp_value_t
snmp_value_unsigned (snmp_type_t type, uint32_t value)
{
    snmp_value_t v = { .type = type };
    v.u.unsigned32 = value;
    return v;
}

snmp_value_t
snmp_value_counter64 (uint64_t value)
{
    snmp_value_t v = { .type = SNMP_TYPE_COUNTER64 };
    v.u.counter64 = value;
    return v;
}

snmp_value_t
snmp_value_empty (snmp_type_t type)
{
    snmp_value_t v = { .type = type };
    return v;
}

//  -------------------------------------------------------------------------
//  Names

const char *
snmp_pdu_type_name (snmp_pdu_type_t type)
{
    switch (type) {
        case SNMP_PDU_GET: return "GetRequest";
        case SNMP_PDU_GETNEXT: return "GetNextRequest";
        case SNMP_PDU_RESPONSE: return "Response";
        case SNMP_PDU_SET: return "SetRequest";
        case SNMP_PDU_TRAP_V1: return "Trap-v1";
        case SNMP_PDU_GETBULK: return "GetBulkRequest";
        case SNMP_PDU_INFORM: return "InformRequest";
        case SNMP_PDU_TRAP_V2: return "SNMPv2-Trap";
        case SNMP_PDU_REPORT: return "Report";
    }
    return "?";
}

const char *
snmp_type_name (snmp_type_t type)
{
    switch (type) {
        case SNMP_TYPE_INTEGER: return "INTEGER";
        case SNMP_TYPE_OCTET_STRING: return "OCTET STRING";
        case SNMP_TYPE_NULL: return "NULL";
        case SNMP_TYPE_OID: return "OBJECT IDENTIFIER";
        case SNMP_TYPE_IPADDRESS: return "IpAddress";
        case SNMP_TYPE_COUNTER32: return "Counter32";
        case SNMP_TYPE_GAUGE32: return "Gauge32";
        case SNMP_TYPE_TIMETICKS: return "TimeTicks";
        case SNMP_TYPE_OPAQUE: return "Opaque";
        case SNMP_TYPE_COUNTER64: return "Counter64";
        case SNMP_TYPE_NO_SUCH_OBJECT: return "noSuchObject";
        case SNMP_TYPE_NO_SUCH_INSTANCE: return "noSuchInstance";
        case SNMP_TYPE_END_OF_MIB_VIEW: return "endOfMibView";
    }
    return "?";
}
