/*  loadgen_payload.h - the load generator's requests and how a reply names
    the request it answers */
#ifndef LOADGEN_PAYLOAD_H
#define LOADGEN_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    LOADGEN_ECHO,
    LOADGEN_SNMP_GET
} loadgen_payload_t;

//  Request ids are 30 bits (the top two of the 32 are 01): as a 4-byte BER
//  INTEGER that is always the minimal encoding, and positive
#define LOADGEN_ID_MASK 0x3fffffffu

//  The SNMPv2c GET of sysDescr.0 is this long; an echo request is size long
#define LOADGEN_SNMP_GET_SIZE 43

//  Write request id into buf (size bytes for echo; LOADGEN_SNMP_GET_SIZE for
//  snmp-get): the first call for a buffer writes all of it, later ones
//  (same kind, same size) only the id
void loadgen_request (loadgen_payload_t kind, uint8_t *buf, size_t size, uint32_t id, bool first);

//  The id a reply carries; false when it is malformed (an SNMP reply must be
//  a Response PDU, walked within its length)
bool loadgen_reply_id (loadgen_payload_t kind, const uint8_t *buf, size_t len, uint32_t *id);

#endif
