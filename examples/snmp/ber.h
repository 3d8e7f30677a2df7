/*  ber.h - BER primitives for the SNMP examples: errors, the OID type, a
    reader over untrusted bytes and a writer into a caller's buffer

    Example code shared by the SNMP examples, not part of libasynrole. Only
    what SNMPv1/v2c needs: one-byte tags, definite lengths (short form, or
    long form with 1 to 4 length bytes), INTEGER (signed, up to 64 bits),
    unsigned integers (Counter32, Gauge32, TimeTicks, Counter64), OCTET
    STRING, NULL and OBJECT IDENTIFIER.

    The reader never reads past its input: every length is checked against
    what is left before anything is read, and every failure is an error
    code, never a crash. Nothing is allocated: octet strings come back as
    pointers into the input (valid as long as the input is).

    The writer encodes backwards, from the end of the buffer towards its
    start, so that a constructed value's length is known when its header is
    written (snmp_ber_mark, write the contents in reverse order, then
    snmp_ber_wrap). Its first error sticks (snmp_ber_writer_t.error): a
    sequence of writes is checked once, at the end.
*/
#ifndef SNMP_BER_H_INCLUDED
#define SNMP_BER_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Every failure of the codec; snmp_strerror gives a short static text
typedef enum {
    SNMP_OK = 0,
    SNMP_ETRUNCATED,   //  "truncated": a tag or length cut short
    SNMP_EBADTAG,      //  "bad tag": not the tag expected there
    SNMP_EBADLENGTH,   //  "bad length": indefinite, reserved, or more than 4 length bytes
    SNMP_EPASTEND,     //  "length past the end": a length longer than what is left
    SNMP_ETRAILING,    //  "trailing bytes": bytes after the last element expected
    SNMP_EBADINT,      //  "bad integer": empty, too long, or out of range
    SNMP_EBADOID,      //  "bad OID": empty, bad sub-identifier, bad first arcs, bad text
    SNMP_EOIDTOOLONG,  //  "OID too long": more than SNMP_OID_MAX sub-identifiers
    SNMP_EBADVALUE,    //  "bad value": NULL with contents, IpAddress not 4 bytes, ...
    SNMP_EVALUETYPE,   //  "unsupported value type"
    SNMP_ETOOMANY,     //  "too many varbinds": more than SNMP_MAX_VARBINDS
    SNMP_EVERSION,     //  "unsupported version": neither v1 (0) nor v2c (1)
    SNMP_EPDUTYPE,     //  "unsupported PDU type"
    SNMP_EPDUVERSION,  //  "PDU type not in this version" (GetBulk in v1, Trap-v1 in v2c, ...)
    SNMP_ENOSPACE,     //  "buffer too small" (encoding)
    SNMP_EBADARG       //  "bad argument" (NULL pointer, bad field when encoding)
} snmp_err_t;

//  Short static text of an error ("truncated", "bad tag", ...); never NULL
const char *snmp_strerror (snmp_err_t err);

//  -------------------------------------------------------------------------
//  Object identifiers

//  At most this many sub-identifiers (arcs) in an OID, as in RFC 2578
#define SNMP_OID_MAX 128

//  An OID as its arcs. BER needs at least two arcs, the first 0, 1 or 2 and,
//  under 0 and 1, the second below 40 (the encoding checks this).
typedef struct {
    uint32_t arcs[SNMP_OID_MAX];
    size_t len;
} snmp_oid_t;

//  -------------------------------------------------------------------------
//  Tags used by SNMP

#define SNMP_TAG_INTEGER 0x02
#define SNMP_TAG_OCTET_STRING 0x04
#define SNMP_TAG_NULL 0x05
#define SNMP_TAG_OID 0x06
#define SNMP_TAG_SEQUENCE 0x30

//  -------------------------------------------------------------------------
//  Reader

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t pos;  //  next byte to read; never past size
} snmp_ber_reader_t;

//  A reader over size bytes at data (NULL with size 0 is an empty input)
void snmp_ber_reader_init (snmp_ber_reader_t *reader, const void *data, size_t size);

//  Bytes not read yet
size_t snmp_ber_left (const snmp_ber_reader_t *reader);

//  The tag of the next element, without reading it; SNMP_ETRUNCATED at the end
snmp_err_t snmp_ber_peek_tag (const snmp_ber_reader_t *reader, uint8_t *tag);

//  Read a tag and a length; the contents (length bytes, all present in the
//  input) start at *contents. The reader moves past the contents. Multi-byte
//  tags (low five bits all set) are refused as SNMP_EBADTAG.
snmp_err_t snmp_ber_read_tlv (snmp_ber_reader_t *reader, uint8_t *tag, const uint8_t **contents,
                              size_t *length);

//  Read an element that must carry tag, and make inner a reader over its
//  contents (for SEQUENCEs and PDUs)
snmp_err_t snmp_ber_enter (snmp_ber_reader_t *reader, uint8_t tag, snmp_ber_reader_t *inner);

//  Primitive values that must carry tag. Integers: two's complement, 1 to
//  8 contents bytes (read_int); unsigned values may take one more leading
//  zero byte, and must not be negative nor exceed max (read_uint).
snmp_err_t snmp_ber_read_int (snmp_ber_reader_t *reader, uint8_t tag, int64_t *value);
snmp_err_t snmp_ber_read_uint (snmp_ber_reader_t *reader, uint8_t tag, uint64_t max,
                               uint64_t *value);
snmp_err_t snmp_ber_read_octets (snmp_ber_reader_t *reader, uint8_t tag, const uint8_t **data,
                                 size_t *length);
snmp_err_t snmp_ber_read_null (snmp_ber_reader_t *reader, uint8_t tag);
//  Sub-identifiers up to 32 bits, minimal (no leading 0x80 byte), at most
//  SNMP_OID_MAX arcs once the first byte is split into its two arcs
snmp_err_t snmp_ber_read_oid (snmp_ber_reader_t *reader, uint8_t tag, snmp_oid_t *oid);

//  Contents of an OBJECT IDENTIFIER (what read_oid does after the header)
snmp_err_t snmp_ber_decode_oid (const uint8_t *contents, size_t length, snmp_oid_t *oid);

//  -------------------------------------------------------------------------
//  Writer (backwards: the last element is written first)

typedef struct {
    uint8_t *buf;
    size_t size;
    size_t pos;        //  what is written lies at buf[pos .. size)
    snmp_err_t error;  //  first error, SNMP_OK while none
} snmp_ber_writer_t;

void snmp_ber_writer_init (snmp_ber_writer_t *writer, void *buf, size_t size);

//  What is written so far: its start and its length
const uint8_t *snmp_ber_written (const snmp_ber_writer_t *writer, size_t *length);

//  A mark before writing the contents of a constructed element ...
size_t snmp_ber_mark (const snmp_ber_writer_t *writer);
//  ... and its header once they are written: every byte since the mark
void snmp_ber_wrap (snmp_ber_writer_t *writer, uint8_t tag, size_t mark);

void snmp_ber_write_int (snmp_ber_writer_t *writer, uint8_t tag, int64_t value);
void snmp_ber_write_uint (snmp_ber_writer_t *writer, uint8_t tag, uint64_t value);
void snmp_ber_write_octets (snmp_ber_writer_t *writer, uint8_t tag, const void *data,
                            size_t length);
void snmp_ber_write_null (snmp_ber_writer_t *writer, uint8_t tag);
//  SNMP_EBADOID when the OID cannot be encoded (fewer than two arcs, bad
//  first arcs), SNMP_EOIDTOOLONG past SNMP_OID_MAX arcs
void snmp_ber_write_oid (snmp_ber_writer_t *writer, uint8_t tag, const snmp_oid_t *oid);

#endif
