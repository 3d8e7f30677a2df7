/*  snmp_msg.h - SNMPv1/v2c messages for the SNMP examples: decode from
    bytes into a caller's struct, encode from it into a caller's buffer

    Example code shared by the SNMP examples (snmp_agent, snmp_get,
    snmp_walk, trap_receiver), not part of libasynrole, which moves opaque
    datagrams and knows nothing of SNMP.

    A message is: SEQUENCE { version INTEGER (0 = v1, 1 = v2c), community
    OCTET STRING, PDU }. Every PDU of RFC 3416 and RFC 1157 is known:

        GetRequest 0xA0, GetNextRequest 0xA1, Response 0xA2, SetRequest 0xA3,
        GetBulkRequest 0xA5, InformRequest 0xA6, SNMPv2-Trap 0xA7, Report 0xA8:
            request-id, error-status, error-index, varbinds (GetBulk has
            non-repeaters and max-repetitions in place of the error fields)
        Trap-v1 0xA4: enterprise OID, agent-addr IpAddress, generic-trap,
            specific-trap, time-stamp TimeTicks, varbinds

    GetBulk, Inform, SNMPv2-Trap and Report are v2c only, Trap-v1 is v1 only
    (SNMP_EPDUVERSION otherwise, both ways). Varbind values: INTEGER, OCTET
    STRING, NULL, OBJECT IDENTIFIER, IpAddress, Counter32, Gauge32,
    TimeTicks, Opaque, Counter64 and the exceptions noSuchObject,
    noSuchInstance and endOfMibView (any value type in either version: the
    codec does not police which types an agent may send in v1).

    Limits: at most SNMP_MAX_VARBINDS varbinds (SNMP_ETOOMANY past them),
    OIDs of at most SNMP_OID_MAX arcs of 32 bits, lengths of at most 4 bytes
    (4 GiB; a datagram is far smaller). No SNMPv3, no multi-byte tags, no
    indefinite lengths. Decoding is strict: anything malformed, any trailing
    byte, anything unknown is an error, never a crash nor a read past the
    input (the tests run every truncation and 50,000 mutations under ASan).

    Memory: nothing is allocated. snmp_msg_t is large (about 70 KB: 64
    varbinds, each with two OIDs of 128 arcs); give it static storage or
    the heap in threads with small stacks. Decoded octet strings (the
    community, OCTET STRING and Opaque values) point INTO the decoded
    bytes: they are valid only while those bytes are, and are not
    NUL-terminated. When encoding, the same pointers are read, not copied,
    until snmp_msg_encode returns.
*/
#ifndef SNMP_MSG_H_INCLUDED
#define SNMP_MSG_H_INCLUDED

#include "ber.h"
#include "snmp_oid.h"

//  At most this many varbinds in a message
#define SNMP_MAX_VARBINDS 64

typedef enum {
    SNMP_VERSION_1 = 0,
    SNMP_VERSION_2C = 1
} snmp_version_t;

typedef enum {
    SNMP_PDU_GET = 0xA0,
    SNMP_PDU_GETNEXT = 0xA1,
    SNMP_PDU_RESPONSE = 0xA2,
    SNMP_PDU_SET = 0xA3,
    SNMP_PDU_TRAP_V1 = 0xA4,
    SNMP_PDU_GETBULK = 0xA5,
    SNMP_PDU_INFORM = 0xA6,
    SNMP_PDU_TRAP_V2 = 0xA7,
    SNMP_PDU_REPORT = 0xA8
} snmp_pdu_type_t;

//  A varbind value's type: its BER tag
typedef enum {
    SNMP_TYPE_INTEGER = 0x02,
    SNMP_TYPE_OCTET_STRING = 0x04,
    SNMP_TYPE_NULL = 0x05,
    SNMP_TYPE_OID = 0x06,
    SNMP_TYPE_IPADDRESS = 0x40,
    SNMP_TYPE_COUNTER32 = 0x41,
    SNMP_TYPE_GAUGE32 = 0x42,
    SNMP_TYPE_TIMETICKS = 0x43,
    SNMP_TYPE_OPAQUE = 0x44,
    SNMP_TYPE_COUNTER64 = 0x46,
    SNMP_TYPE_NO_SUCH_OBJECT = 0x80,
    SNMP_TYPE_NO_SUCH_INSTANCE = 0x81,
    SNMP_TYPE_END_OF_MIB_VIEW = 0x82
} snmp_type_t;

//  error-status values (RFC 3416; 0 to 5 are SNMPv1's too)
typedef enum {
    SNMP_ERR_NO_ERROR = 0,
    SNMP_ERR_TOO_BIG = 1,
    SNMP_ERR_NO_SUCH_NAME = 2,  //  v1
    SNMP_ERR_BAD_VALUE = 3,     //  v1
    SNMP_ERR_READ_ONLY = 4,     //  v1
    SNMP_ERR_GEN_ERR = 5,
    SNMP_ERR_NO_ACCESS = 6,
    SNMP_ERR_WRONG_TYPE = 7,
    SNMP_ERR_WRONG_LENGTH = 8,
    SNMP_ERR_WRONG_ENCODING = 9,
    SNMP_ERR_WRONG_VALUE = 10,
    SNMP_ERR_NO_CREATION = 11,
    SNMP_ERR_INCONSISTENT_VALUE = 12,
    SNMP_ERR_RESOURCE_UNAVAILABLE = 13,
    SNMP_ERR_COMMIT_FAILED = 14,
    SNMP_ERR_UNDO_FAILED = 15,
    SNMP_ERR_AUTHORIZATION_ERROR = 16,
    SNMP_ERR_NOT_WRITABLE = 17,
    SNMP_ERR_INCONSISTENT_NAME = 18
} snmp_error_status_t;

//  generic-trap values of a Trap-v1
typedef enum {
    SNMP_TRAP_COLD_START = 0,
    SNMP_TRAP_WARM_START = 1,
    SNMP_TRAP_LINK_DOWN = 2,
    SNMP_TRAP_LINK_UP = 3,
    SNMP_TRAP_AUTHENTICATION_FAILURE = 4,
    SNMP_TRAP_EGP_NEIGHBOR_LOSS = 5,
    SNMP_TRAP_ENTERPRISE_SPECIFIC = 6
} snmp_generic_trap_t;

//  A value. Which member holds it follows the type:
//    INTEGER                               integer (decoded: 1 to 8 bytes)
//    OCTET STRING, Opaque                  string (may hold any bytes)
//    OBJECT IDENTIFIER                     oid
//    IpAddress                             ip (network order: 192.0.2.1 is {192, 0, 2, 1})
//    Counter32, Gauge32, TimeTicks         unsigned32
//    Counter64                             counter64
//    NULL, noSuchObject, noSuchInstance,
//    endOfMibView                          none (no contents)
typedef struct {
    snmp_type_t type;
    union {
        int64_t integer;
        uint32_t unsigned32;
        uint64_t counter64;
        uint8_t ip[4];
        struct {
            const uint8_t *data;  //  decoded: points into the input
            size_t len;
        } string;
        snmp_oid_t oid;
    } u;
} snmp_value_t;

typedef struct {
    snmp_oid_t name;
    snmp_value_t value;
} snmp_varbind_t;

//  Trap-v1 fields (type SNMP_PDU_TRAP_V1 only)
typedef struct {
    snmp_oid_t enterprise;
    uint8_t agent_addr[4];  //  IpAddress, network order
    int32_t generic_trap;   //  snmp_generic_trap_t
    int32_t specific_trap;
    uint32_t time_stamp;  //  TimeTicks
} snmp_trap_v1_t;

typedef struct {
    snmp_version_t version;
    const uint8_t *community;  //  not NUL-terminated; decoded: points into the input
    size_t community_len;
    snmp_pdu_type_t type;
    //  Every PDU but Trap-v1
    int32_t request_id;
    int32_t error_status;     //  snmp_error_status_t; not GetBulk
    int32_t error_index;      //  1-based varbind index, 0 = none; not GetBulk
    int32_t non_repeaters;    //  GetBulk only
    int32_t max_repetitions;  //  GetBulk only
    snmp_trap_v1_t trap;      //  Trap-v1 only
    size_t varbind_count;
    snmp_varbind_t varbinds[SNMP_MAX_VARBINDS];
} snmp_msg_t;

//  -------------------------------------------------------------------------
//  Decoding and encoding

//  Decode one message: the whole of data[0 .. size) (SNMP_ETRAILING when
//  bytes follow it). On success every field of msg is set (those the PDU
//  type does not use are zero); on failure msg holds nothing useful. The
//  error names the first fault found.
snmp_err_t snmp_msg_decode (snmp_msg_t *msg, const uint8_t *data, size_t size);

//  Only the version, PDU type and request-id (0 for a Trap-v1), without
//  decoding the varbinds nor checking them: cheap enough for a request
//  engine's key function (asynrole_key_fn). Any output may be NULL.
snmp_err_t snmp_msg_peek (const uint8_t *data, size_t size, snmp_version_t *version,
                          snmp_pdu_type_t *type, int32_t *request_id);

//  Encode msg into buf (size bytes); *length (may be NULL) is the length of
//  the message, which starts at buf[0]. SNMP_ENOSPACE when it does not fit;
//  SNMP_EBADARG / SNMP_EVERSION / SNMP_EPDUTYPE / SNMP_EPDUVERSION /
//  SNMP_EVALUETYPE / SNMP_EBADOID / SNMP_ETOOMANY for a msg that cannot be
//  encoded. Anything decoded encodes back to the same bytes when the
//  sender used minimal encodings (as net-snmp and pysnmp do).
snmp_err_t snmp_msg_encode (const snmp_msg_t *msg, uint8_t *buf, size_t size, size_t *length);

//  Is type a PDU type, allowed in version? SNMP_EVERSION, SNMP_EPDUTYPE,
//  SNMP_EPDUVERSION otherwise (what decode and encode check)
snmp_err_t snmp_pdu_check (snmp_version_t version, snmp_pdu_type_t type);

//  A buffer this large holds any message a UDP datagram can carry
#define SNMP_MSG_MAX 65535

//  -------------------------------------------------------------------------
//  Building messages

//  Clear msg and set its header; community is a NUL-terminated string that
//  msg points to (not copied). Use for every PDU type; set the trap or
//  GetBulk fields afterwards.
void snmp_msg_init (snmp_msg_t *msg, snmp_version_t version, const char *community,
                    snmp_pdu_type_t type, int32_t request_id);

//  The Response to request: same version, community (pointing where the
//  request's does) and request-id, no error, no varbinds
void snmp_msg_init_response (snmp_msg_t *response, const snmp_msg_t *request);

//  Append a varbind (name and value copied); SNMP_ETOOMANY when full
snmp_err_t snmp_msg_add (snmp_msg_t *msg, const snmp_oid_t *name, const snmp_value_t *value);

//  Values (strings point to data, not copied)
snmp_value_t snmp_value_integer (int64_t value);
snmp_value_t snmp_value_string (const void *data, size_t len);  //  OCTET STRING
snmp_value_t snmp_value_opaque (const void *data, size_t len);
snmp_value_t snmp_value_oid (const snmp_oid_t *oid);
snmp_value_t snmp_value_ipaddress (const uint8_t ip[4]);
//  type is SNMP_TYPE_COUNTER32, SNMP_TYPE_GAUGE32 or SNMP_TYPE_TIMETICKS
snmp_value_t snmp_value_unsigned (snmp_type_t type, uint32_t value);
snmp_value_t snmp_value_counter64 (uint64_t value);
//  NULL and the exceptions: type is SNMP_TYPE_NULL, SNMP_TYPE_NO_SUCH_OBJECT,
//  SNMP_TYPE_NO_SUCH_INSTANCE or SNMP_TYPE_END_OF_MIB_VIEW
snmp_value_t snmp_value_empty (snmp_type_t type);

//  Names, for logs: "GetRequest", "Counter32", ...; "?" for unknown values
const char *snmp_pdu_type_name (snmp_pdu_type_t type);
const char *snmp_type_name (snmp_type_t type);

#endif
