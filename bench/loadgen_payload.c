/*  loadgen_payload.c - the load generator's requests, and reading the
    request id back from a reply without reading past it */
#include "loadgen_payload.h"

#include <string.h>

//  SNMPv2c GetRequest, community public, request-id a 4-byte INTEGER at
//  offset S_ID_AT, one varbind: sysDescr.0 = NULL
static const uint8_t s_snmp_get[LOADGEN_SNMP_GET_SIZE] = {
    0x30, 0x29,                                                  //  Message
    0x02, 0x01, 0x01,                                            //  version: 1 = v2c
    0x04, 0x06, 'p',  'u',  'b',  'l',  'i',  'c',               //  community
    0xa0, 0x1c,                                                  //  GetRequest-PDU
    0x02, 0x04, 0x00, 0x00, 0x00, 0x00,                          //  request-id
    0x02, 0x01, 0x00,                                            //  error-status
    0x02, 0x01, 0x00,                                            //  error-index
    0x30, 0x0e,                                                  //  varbind list
    0x30, 0x0c,                                                  //  varbind
    0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00,  //  1.3.6.1.2.1.1.1.0
    0x05, 0x00                                                   //  NULL
};
#define S_ID_AT 17
#define S_ID_TOP 0x40000000u  //  the top bits of every id on the wire

static void
s_put32 (uint8_t *at, uint32_t v)
{
    at[0] = (uint8_t) (v >> 24);
    at[1] = (uint8_t) (v >> 16);
    at[2] = (uint8_t) (v >> 8);
    at[3] = (uint8_t) v;
}

void
loadgen_request (loadgen_payload_t kind, uint8_t *buf, size_t size, uint32_t id, bool first)
{
    uint32_t wire = S_ID_TOP | (id & LOADGEN_ID_MASK);
    if (kind == LOADGEN_SNMP_GET) {
        if (first)
            memcpy (buf, s_snmp_get, sizeof s_snmp_get);
        s_put32 (buf + S_ID_AT, wire);
        return;
    }
    if (first)
        for (size_t i = 4; i < size; i++)
            buf[i] = (uint8_t) ('a' + i % 26);
    s_put32 (buf, wire);
}

//  One BER tag and length at *pos, within [*pos, end): the tag want_tag, or
//  alt_tag when that is not 0; definite lengths of at most 4 bytes; contents
//  within end. On success *pos is at the contents.
static bool
s_tlv_either (const uint8_t *buf, size_t *pos, size_t end, uint8_t want_tag, uint8_t alt_tag,
              size_t *len)
{
    size_t p = *pos;
    if (end - p < 2 || (buf[p] != want_tag && (alt_tag == 0 || buf[p] != alt_tag)))
        return false;
    uint8_t first = buf[p + 1];
    p += 2;
    size_t n = first;
    if (first & 0x80) {
        size_t bytes = first & 0x7f;
        if (bytes == 0 || bytes > 4 || end - p < bytes)
            return false;
        n = 0;
        for (size_t i = 0; i < bytes; i++)
            n = n << 8 | buf[p++];
    }
    if (n > end - p)
        return false;
    *pos = p;
    *len = n;
    return true;
}

static bool
s_tlv (const uint8_t *buf, size_t *pos, size_t end, uint8_t want_tag, size_t *len)
{
    return s_tlv_either (buf, pos, end, want_tag, 0, len);
}

static bool
s_wire_id (uint32_t wire, uint32_t *id)
{
    if ((wire & ~LOADGEN_ID_MASK) != S_ID_TOP)
        return false;
    *id = wire & LOADGEN_ID_MASK;
    return true;
}

//  Message { version, community, Response-PDU { request-id ... } }; the
//  GetRequest-PDU too, which the raw echoes (the baselines) send back
static bool
s_snmp_id (const uint8_t *buf, size_t len, uint32_t *id)
{
    size_t pos = 0, n;
    if (!s_tlv (buf, &pos, len, 0x30, &n))
        return false;
    size_t end = pos + n;
    if (!s_tlv (buf, &pos, end, 0x02, &n))  //  version
        return false;
    pos += n;
    if (!s_tlv (buf, &pos, end, 0x04, &n))  //  community
        return false;
    pos += n;
    if (!s_tlv_either (buf, &pos, end, 0xa2, 0xa0, &n))  //  Response-PDU
        return false;
    end = pos + n;
    if (!s_tlv (buf, &pos, end, 0x02, &n) || n == 0 || n > 4)  //  request-id
        return false;
    uint32_t wire = 0;
    for (size_t i = 0; i < n; i++)
        wire = wire << 8 | buf[pos + i];
    return s_wire_id (wire, id);
}

bool
loadgen_reply_id (loadgen_payload_t kind, const uint8_t *buf, size_t len, uint32_t *id)
{
    if (kind == LOADGEN_SNMP_GET)
        return s_snmp_id (buf, len, id);
    if (len < 4)
        return false;
    uint32_t wire =
        (uint32_t) buf[0] << 24 | (uint32_t) buf[1] << 16 | (uint32_t) buf[2] << 8 | buf[3];
    return s_wire_id (wire, id);
}
