/*  ber.c - BER reader and writer for the SNMP examples (see ber.h)
*/
#include "ber.h"
#include <string.h>

const char *
snmp_strerror (snmp_err_t err)
{
    switch (err) {
        case SNMP_OK: return "no error";
        case SNMP_ETRUNCATED: return "truncated";
        case SNMP_EBADTAG: return "bad tag";
        case SNMP_EBADLENGTH: return "bad length";
        case SNMP_EPASTEND: return "length past the end";
        case SNMP_ETRAILING: return "trailing bytes";
        case SNMP_EBADINT: return "bad integer";
        case SNMP_EBADOID: return "bad OID";
        case SNMP_EOIDTOOLONG: return "OID too long";
        case SNMP_EBADVALUE: return "bad value";
        case SNMP_EVALUETYPE: return "unsupported value type";
        case SNMP_ETOOMANY: return "too many varbinds";
        case SNMP_EVERSION: return "unsupported version";
        case SNMP_EPDUTYPE: return "unsupported PDU type";
        case SNMP_EPDUVERSION: return "PDU type not in this version";
        case SNMP_ENOSPACE: return "buffer too small";
        case SNMP_EBADARG: return "bad argument";
    }
    return "unknown error";
}

//  -------------------------------------------------------------------------
//  Reader

void
snmp_ber_reader_init (snmp_ber_reader_t *reader, const void *data, size_t size)
{
    reader->data = data;
    reader->size = data ? size : 0;
    reader->pos = 0;
}

size_t
snmp_ber_left (const snmp_ber_reader_t *reader)
{
    return reader->size - reader->pos;
}

snmp_err_t
snmp_ber_peek_tag (const snmp_ber_reader_t *reader, uint8_t *tag)
{
    if (snmp_ber_left (reader) == 0)
        return SNMP_ETRUNCATED;
    *tag = reader->data[reader->pos];
    return SNMP_OK;
}

//  A definite length: short form, or long form with 1 to 4 bytes
static snmp_err_t
s_read_length (snmp_ber_reader_t *reader, size_t *length)
{
    if (snmp_ber_left (reader) == 0)
        return SNMP_ETRUNCATED;
    uint8_t first = reader->data[reader->pos++];
    if (first < 0x80) {
        *length = first;
        return SNMP_OK;
    }
    size_t bytes = first & 0x7f;
    if (bytes == 0 || bytes > 4)  //  0x80 is the indefinite form; 0xff is reserved
        return SNMP_EBADLENGTH;
    if (snmp_ber_left (reader) < bytes)
        return SNMP_ETRUNCATED;
    uint32_t value = 0;
    for (size_t i = 0; i < bytes; i++)
        value = (value << 8) | reader->data[reader->pos++];
    *length = value;
    return SNMP_OK;
}

snmp_err_t
snmp_ber_read_tlv (snmp_ber_reader_t *reader, uint8_t *tag, const uint8_t **contents,
                   size_t *length)
{
    snmp_ber_reader_t at = *reader;  //  moves only on success
    if (snmp_ber_left (&at) == 0)
        return SNMP_ETRUNCATED;
    uint8_t t = at.data[at.pos++];
    if ((t & 0x1f) == 0x1f)
        return SNMP_EBADTAG;
    size_t n;
    snmp_err_t err = s_read_length (&at, &n);
    if (err)
        return err;
    if (n > snmp_ber_left (&at))
        return SNMP_EPASTEND;
    *tag = t;
    *contents = at.data + at.pos;
    *length = n;
    reader->pos = at.pos + n;
    return SNMP_OK;
}

//  The contents of an element that must carry tag
static snmp_err_t
s_read_expected (snmp_ber_reader_t *reader, uint8_t tag, const uint8_t **contents, size_t *length)
{
    snmp_ber_reader_t at = *reader;
    uint8_t got;
    snmp_err_t err = snmp_ber_read_tlv (&at, &got, contents, length);
    if (err)
        return err;
    if (got != tag)
        return SNMP_EBADTAG;
    *reader = at;
    return SNMP_OK;
}

snmp_err_t
snmp_ber_enter (snmp_ber_reader_t *reader, uint8_t tag, snmp_ber_reader_t *inner)
{
    const uint8_t *contents;
    size_t length;
    snmp_err_t err = s_read_expected (reader, tag, &contents, &length);
    if (err == SNMP_OK)
        snmp_ber_reader_init (inner, contents, length);
    return err;
}

//  Turns an element's contents into a value; arg: what the decoder needs
//  besides (read_uint's maximum), or NULL
typedef snmp_err_t (s_decoder_fn) (const uint8_t *p, size_t n, const void *arg, void *value);

//  An element that must carry tag, its contents decoded; the reader moves
//  only when both succeed
static snmp_err_t
s_read_decoded (snmp_ber_reader_t *reader, uint8_t tag, s_decoder_fn *decode, const void *arg,
                void *value)
{
    snmp_ber_reader_t at = *reader;
    const uint8_t *p;
    size_t n;
    snmp_err_t err = s_read_expected (&at, tag, &p, &n);
    if (err == SNMP_OK)
        err = decode (p, n, arg, value);
    if (err == SNMP_OK)
        *reader = at;
    return err;
}

static snmp_err_t
s_decode_int (const uint8_t *p, size_t n, const void *arg, void *value)
{
    (void) arg;
    if (n == 0 || n > 8)
        return SNMP_EBADINT;
    //  Sign-extend the first byte, then shift the rest in (unsigned: no overflow)
    uint64_t v = (p[0] & 0x80) ? UINT64_MAX : 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    *(int64_t *) value = (int64_t) v;
    return SNMP_OK;
}

snmp_err_t
snmp_ber_read_int (snmp_ber_reader_t *reader, uint8_t tag, int64_t *value)
{
    return s_read_decoded (reader, tag, s_decode_int, NULL, value);
}

//  arg: the largest value taken (a uint64_t)
static snmp_err_t
s_decode_uint (const uint8_t *p, size_t n, const void *arg, void *value)
{
    if (n == 0 || (p[0] & 0x80))  //  empty, or negative
        return SNMP_EBADINT;
    if (n > 1 && p[0] == 0) {  //  the zero that keeps a high first bit positive
        p++;
        n--;
    }
    if (n > 8)
        return SNMP_EBADINT;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    if (v > *(const uint64_t *) arg)
        return SNMP_EBADINT;
    *(uint64_t *) value = v;
    return SNMP_OK;
}

snmp_err_t
snmp_ber_read_uint (snmp_ber_reader_t *reader, uint8_t tag, uint64_t max, uint64_t *value)
{
    return s_read_decoded (reader, tag, s_decode_uint, &max, value);
}

snmp_err_t
snmp_ber_read_octets (snmp_ber_reader_t *reader, uint8_t tag, const uint8_t **data, size_t *length)
{
    return s_read_expected (reader, tag, data, length);
}

static snmp_err_t
s_decode_null (const uint8_t *p, size_t n, const void *arg, void *value)
{
    (void) p;
    (void) arg;
    (void) value;
    return n == 0 ? SNMP_OK : SNMP_EBADVALUE;
}

snmp_err_t
snmp_ber_read_null (snmp_ber_reader_t *reader, uint8_t tag)
{
    return s_read_decoded (reader, tag, s_decode_null, NULL, NULL);
}

//  Append an arc; false when the OID is full
static bool
s_push_arc (snmp_oid_t *oid, uint32_t arc)
{
    if (oid->len >= SNMP_OID_MAX)
        return false;
    oid->arcs[oid->len++] = arc;
    return true;
}

snmp_err_t
snmp_ber_decode_oid (const uint8_t *contents, size_t length, snmp_oid_t *oid)
{
    snmp_oid_t out;
    out.len = 0;
    if (length == 0)
        return SNMP_EBADOID;
    size_t i = 0;
    while (i < length) {
        if (contents[i] == 0x80)  //  a sub-identifier with a leading zero group
            return SNMP_EBADOID;
        //  Sub-identifiers of up to 5 groups of 7 bits: 35 bits fit in 64
        uint64_t v = 0;
        size_t groups = 0;
        uint8_t byte;
        do {
            if (i >= length || groups == 5)
                return SNMP_EBADOID;
            byte = contents[i++];
            v = (v << 7) | (byte & 0x7f);
            groups++;
        } while (byte & 0x80);
        if (out.len == 0) {
            //  The first one holds two arcs: 40 * first + second
            uint32_t first = v < 40 ? 0 : v < 80 ? 1 : 2;
            uint64_t second = v - 40u * first;
            if (second > UINT32_MAX)
                return SNMP_EBADOID;
            out.arcs[0] = first;
            out.arcs[1] = (uint32_t) second;
            out.len = 2;
        }
        else {
            if (v > UINT32_MAX)
                return SNMP_EBADOID;
            if (!s_push_arc (&out, (uint32_t) v))
                return SNMP_EOIDTOOLONG;
        }
    }
    memcpy (oid->arcs, out.arcs, out.len * sizeof out.arcs[0]);
    oid->len = out.len;
    return SNMP_OK;
}

static snmp_err_t
s_decode_oid (const uint8_t *p, size_t n, const void *arg, void *value)
{
    (void) arg;
    return snmp_ber_decode_oid (p, n, (snmp_oid_t *) value);
}

snmp_err_t
snmp_ber_read_oid (snmp_ber_reader_t *reader, uint8_t tag, snmp_oid_t *oid)
{
    return s_read_decoded (reader, tag, s_decode_oid, NULL, oid);
}

//  -------------------------------------------------------------------------
//  Writer

void
snmp_ber_writer_init (snmp_ber_writer_t *writer, void *buf, size_t size)
{
    writer->buf = buf;
    writer->size = buf ? size : 0;
    writer->pos = writer->size;
    writer->error = buf ? SNMP_OK : SNMP_EBADARG;
}

const uint8_t *
snmp_ber_written (const snmp_ber_writer_t *writer, size_t *length)
{
    *length = writer->size - writer->pos;
    return writer->buf + writer->pos;
}

size_t
snmp_ber_mark (const snmp_ber_writer_t *writer)
{
    return writer->size - writer->pos;
}

//  Record the first error only
static void
s_fail (snmp_ber_writer_t *writer, snmp_err_t err)
{
    if (writer->error == SNMP_OK)
        writer->error = err;
}

//  Put bytes in front of what is written
static void
s_prepend (snmp_ber_writer_t *writer, const void *data, size_t length)
{
    if (writer->error)
        return;
    if (length > writer->pos) {
        s_fail (writer, SNMP_ENOSPACE);
        return;
    }
    writer->pos -= length;
    if (length)
        memcpy (writer->buf + writer->pos, data, length);
}

//  Tag and length in front of length bytes of contents already written
static void
s_header (snmp_ber_writer_t *writer, uint8_t tag, size_t length)
{
    if (length > UINT32_MAX) {
        s_fail (writer, SNMP_ENOSPACE);
        return;
    }
    uint8_t header[6];
    size_t end = sizeof header, at = end;
    if (length < 0x80)
        header[--at] = (uint8_t) length;
    else {
        for (size_t rest = length; rest; rest >>= 8)
            header[--at] = (uint8_t) rest;
        header[at - 1] = (uint8_t) (0x80 | (end - at));
        at--;
    }
    header[--at] = tag;
    s_prepend (writer, header + at, end - at);
}

//  An element: its contents, then its tag and length, in front
static void
s_element (snmp_ber_writer_t *writer, uint8_t tag, const void *contents, size_t length)
{
    s_prepend (writer, contents, length);
    s_header (writer, tag, length);
}

void
snmp_ber_wrap (snmp_ber_writer_t *writer, uint8_t tag, size_t mark)
{
    if (writer->error)
        return;
    s_header (writer, tag, snmp_ber_mark (writer) - mark);
}

void
snmp_ber_write_int (snmp_ber_writer_t *writer, uint8_t tag, int64_t value)
{
    //  The fewest bytes that keep the sign: drop a first byte that only
    //  repeats the sign bit of the next
    uint8_t bytes[8];
    uint64_t v = (uint64_t) value;
    for (size_t i = 0; i < 8; i++)
        bytes[7 - i] = (uint8_t) (v >> (8 * i));
    size_t at = 0;
    while (at < 7
           && ((bytes[at] == 0x00 && !(bytes[at + 1] & 0x80))
               || (bytes[at] == 0xff && (bytes[at + 1] & 0x80))))
        at++;
    s_element (writer, tag, bytes + at, 8 - at);
}

void
snmp_ber_write_uint (snmp_ber_writer_t *writer, uint8_t tag, uint64_t value)
{
    //  Up to 8 value bytes, and a leading zero when the first has its high bit
    uint8_t bytes[9];
    bytes[0] = 0;
    for (size_t i = 0; i < 8; i++)
        bytes[8 - i] = (uint8_t) (value >> (8 * i));
    size_t at = 1;
    while (at < 8 && bytes[at] == 0)
        at++;
    if (bytes[at] & 0x80)
        at--;
    s_element (writer, tag, bytes + at, 9 - at);
}

void
snmp_ber_write_octets (snmp_ber_writer_t *writer, uint8_t tag, const void *data, size_t length)
{
    if (length > 0 && data == NULL) {
        s_fail (writer, SNMP_EBADARG);
        return;
    }
    s_element (writer, tag, data, length);
}

void
snmp_ber_write_null (snmp_ber_writer_t *writer, uint8_t tag)
{
    s_header (writer, tag, 0);
}

//  One sub-identifier, base 128, high bit set on all but the last byte
static void
s_write_subid (snmp_ber_writer_t *writer, uint64_t value)
{
    uint8_t bytes[10];
    size_t at = sizeof bytes;
    bytes[--at] = (uint8_t) (value & 0x7f);
    for (value >>= 7; value; value >>= 7)
        bytes[--at] = (uint8_t) (0x80 | (value & 0x7f));
    s_prepend (writer, bytes + at, sizeof bytes - at);
}

void
snmp_ber_write_oid (snmp_ber_writer_t *writer, uint8_t tag, const snmp_oid_t *oid)
{
    if (oid == NULL || oid->len < 2 || oid->arcs[0] > 2
        || (oid->arcs[0] < 2 && oid->arcs[1] >= 40)) {
        s_fail (writer, SNMP_EBADOID);
        return;
    }
    if (oid->len > SNMP_OID_MAX) {
        s_fail (writer, SNMP_EOIDTOOLONG);
        return;
    }
    size_t mark = snmp_ber_mark (writer);
    for (size_t i = oid->len - 1; i >= 2; i--)
        s_write_subid (writer, oid->arcs[i]);
    s_write_subid (writer, 40u * (uint64_t) oid->arcs[0] + oid->arcs[1]);
    snmp_ber_wrap (writer, tag, mark);
}
