/*  rwire.c - the remote wire protocol (docs/protocol.md): encode and decode

    One table says, for each type, the frames that follow frame 0, each a
    list of fields (read and written by the same walk), a text or a
    payload. The decoder is strict, so that the encoding is canonical: a
    message decodes only when encoding what it decoded gives its bytes
    back (fuzz_remote checks this). */
#include "rwire.h"
#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>

_Static_assert(sizeof (int) == 4, "the policy's int fields travel as 32 bits");
_Static_assert(sizeof (asynrole_backoff_t) == 4, "a backoff is stored as 32 bits");

//  A field of a frame: its kind on the wire, and where it goes in rwire_msg_t
typedef enum {
    K_END = 0,  //  no more fields: the frame ends here, not a byte later
    K_U32,      //  4 bytes, into a 32-bit field (signed or not)
    K_U64,      //  8 bytes, into a 64-bit field
    K_BOOL,     //  1 byte, 0 or 1, into a bool
    K_BACKOFF,  //  1 byte, 0 or 1, into an asynrole_backoff_t
    K_ADDR,     //  family byte, then what the family has, into an asynrole_addr_t
    K_TEXT,     //  the whole frame: 0 .. RWIRE_TEXT_MAX bytes, no NUL, into text
    K_PAYLOAD   //  the whole frame: 0 .. ASYNROLE_DGRAM_MAX bytes, data and size
} kind_t;

typedef struct {
    uint8_t kind;     //  kind_t
    uint16_t offset;  //  in rwire_msg_t
} field_t;

#define AT(member) offsetof (rwire_msg_t, member)

//  The frames after frame 0, each a list of fields up to K_END
static const field_t s_text[] = { { K_TEXT, 0 }, { K_END, 0 } };
static const field_t s_payload[] = { { K_PAYLOAD, 0 }, { K_END, 0 } };
static const field_t s_hello[] = { { K_U32, AT (credit) },
                                   { K_U32, AT (heartbeat) },
                                   { K_END, 0 } };
static const field_t s_welcome[] = { { K_U32, AT (credit) },
                                     { K_U32, AT (heartbeat) },
                                     { K_U32, AT (heartbeat_timeout) },
                                     { K_END, 0 } };
static const field_t s_error[] = { { K_U32, AT (code) }, { K_U32, AT (spoken) }, { K_END, 0 } };
static const field_t s_datagram[] = { { K_U64, AT (seq) },           { K_ADDR, AT (peer) },
                                      { K_U32, AT (peer.via) },      { K_ADDR, AT (local) },
                                      { K_U32, AT (ifindex) },       { K_U32, AT (flags) },
                                      { K_U32, AT (original_size) }, { K_END, 0 } };
static const field_t s_credit[] = { { K_U32, AT (done) }, { K_END, 0 } };
static const field_t s_send[] = { { K_ADDR, AT (peer) },
                                  { K_U32, AT (peer.via) },
                                  { K_ADDR, AT (local) },
                                  { K_U32, AT (ifindex) },
                                  { K_END, 0 } };
static const field_t s_request[] = { { K_U64, AT (token) },
                                     { K_ADDR, AT (peer) },
                                     { K_BOOL, AT (has_policy) },
                                     { K_U32, AT (policy.timeout) },
                                     { K_U32, AT (policy.retries) },
                                     { K_BACKOFF, AT (policy.backoff) },
                                     { K_U32, AT (policy.max_timeout) },
                                     { K_U32, AT (policy.jitter) },
                                     { K_U32, AT (policy.deadline) },
                                     { K_END, 0 } };
static const field_t s_token[] = { { K_U64, AT (token) }, { K_END, 0 } };
static const field_t s_result[] = {
    { K_U64, AT (token) },     { K_U32, AT (code) },     { K_U32, AT (op) },
    { K_U32, AT (sys_errno) }, { K_U32, AT (attempts) }, { K_U32, AT (attempt) },
    { K_U64, AT (rtt_us) },    { K_ADDR, AT (peer) },    { K_END, 0 }
};

#define FRAMES_MAX 3

typedef struct {
    const char *name;                  //  NULL: not a type
    size_t frames;                     //  frames after frame 0
    const field_t *frame[FRAMES_MAX];  //  what each holds
} layout_t;

static const layout_t s_layouts[] = {
    [RWIRE_HELLO] = { "HELLO", 2, { s_hello, s_text } },
    [RWIRE_WELCOME] = { "WELCOME", 1, { s_welcome } },
    [RWIRE_HEARTBEAT] = { "HEARTBEAT", 0, { NULL } },
    [RWIRE_BYE] = { "BYE", 0, { NULL } },
    [RWIRE_ERROR] = { "ERROR", 2, { s_error, s_text } },
    [RWIRE_DATAGRAM] = { "DATAGRAM", 2, { s_datagram, s_payload } },
    [RWIRE_CREDIT] = { "CREDIT", 1, { s_credit } },
    [RWIRE_SEND] = { "SEND", 2, { s_send, s_payload } },
    [RWIRE_REQUEST] = { "REQUEST", 2, { s_request, s_payload } },
    [RWIRE_CANCEL] = { "CANCEL", 1, { s_token } },
    [RWIRE_RESULT] = { "RESULT", 3, { s_result, s_payload, s_text } },
};

#define TYPES (sizeof s_layouts / sizeof s_layouts[0])

//  Room for the longest frame of fields: DATAGRAM's 8 + 23 + 4 + 23 + 4 * 3
//  = 70 bytes (with IPv6 addresses)
#define FIELDS_BYTES_MAX 128

static const layout_t *
s_layout (int type)
{
    if (type <= 0 || (size_t) type >= TYPES || !s_layouts[type].name)
        return NULL;
    return &s_layouts[type];
}

const char *
rwire_name (int type)
{
    const layout_t *layout = s_layout (type);
    return layout ? layout->name : "?";
}

//  -------------------------------------------------------------------------
//  Decoding

typedef struct {
    const uint8_t *at;
    size_t left;
} cursor_t;

static bool
s_take (cursor_t *cursor, void *dest, size_t size)
{
    if (cursor->left < size)
        return false;
    memcpy (dest, cursor->at, size);
    cursor->at += size;
    cursor->left -= size;
    return true;
}

//  A big-endian integer of size bytes (at most 8)
static bool
s_take_uint (cursor_t *cursor, size_t size, uint64_t *value)
{
    uint8_t bytes[8];
    if (!s_take (cursor, bytes, size))
        return false;
    *value = 0;
    for (size_t i = 0; i < size; i++)
        *value = (*value << 8) | bytes[i];
    return true;
}

//  An address as asynrole_addr_parse makes it (all else zero); via stays 0
static bool
s_take_addr (cursor_t *cursor, asynrole_addr_t *addr)
{
    uint64_t family, port, scope;
    memset (addr, 0, sizeof *addr);
    if (!s_take_uint (cursor, 1, &family))
        return false;
    if (family == 0)
        return true;
    if (family == 4) {
        addr->u.in.sin_family = AF_INET;
        addr->len = sizeof addr->u.in;
        if (!s_take_uint (cursor, 2, &port) || !s_take (cursor, &addr->u.in.sin_addr, 4))
            return false;
        addr->u.in.sin_port = htons ((uint16_t) port);
        return true;
    }
    if (family != 6)
        return false;
    addr->u.in6.sin6_family = AF_INET6;
    addr->len = sizeof addr->u.in6;
    if (!s_take_uint (cursor, 2, &port) || !s_take (cursor, &addr->u.in6.sin6_addr, 16)
        || !s_take_uint (cursor, 4, &scope))
        return false;
    addr->u.in6.sin6_port = htons ((uint16_t) port);
    addr->u.in6.sin6_scope_id = (uint32_t) scope;
    return true;
}

static bool
s_take_field (cursor_t *cursor, const field_t *field, rwire_msg_t *m)
{
    uint8_t *dest = (uint8_t *) m + field->offset;
    uint64_t value;
    switch (field->kind) {
        case K_U32: {
            if (!s_take_uint (cursor, 4, &value))
                return false;
            uint32_t u32 = (uint32_t) value;
            memcpy (dest, &u32, sizeof u32);
            return true;
        }
        case K_U64:
            if (!s_take_uint (cursor, 8, &value))
                return false;
            memcpy (dest, &value, sizeof value);
            return true;
        case K_BOOL:
            if (!s_take_uint (cursor, 1, &value) || value > 1)
                return false;
            *(bool *) dest = value == 1;
            return true;
        case K_BACKOFF:
            if (!s_take_uint (cursor, 1, &value) || value > 1)
                return false;
            *(asynrole_backoff_t *) dest = (asynrole_backoff_t) value;
            return true;
        case K_ADDR: return s_take_addr (cursor, (asynrole_addr_t *) dest);
        default: return false;  //  a whole frame's kind: not among fields
    }
}

//  A text frame: copied, NUL-terminated
static bool
s_take_text (zframe_t *frame, rwire_msg_t *m)
{
    size_t size = zframe_size (frame);
    if (size > RWIRE_TEXT_MAX || (size && memchr (zframe_data (frame), 0, size)))
        return false;
    if (size)
        memcpy (m->text, zframe_data (frame), size);
    m->text[size] = 0;
    return true;
}

//  One frame after frame 0: exactly what its fields take
static bool
s_decode_frame (zframe_t *frame, const field_t *fields, rwire_msg_t *m)
{
    if (fields->kind == K_TEXT)
        return s_take_text (frame, m);
    if (fields->kind == K_PAYLOAD) {
        m->data = zframe_data (frame);
        m->size = zframe_size (frame);
        return m->size <= ASYNROLE_DGRAM_MAX;
    }
    cursor_t cursor = { zframe_data (frame), zframe_size (frame) };
    for (const field_t *field = fields; field->kind != K_END; field++)
        if (!s_take_field (&cursor, field, m))
            return false;
    return cursor.left == 0;
}

//  Without a policy, its fields are zero: the encoding stays canonical
static bool
s_policy_ok (const rwire_msg_t *m)
{
    static const asynrole_policy_t none;
    return m->type != RWIRE_REQUEST || m->has_policy
        || memcmp (&m->policy, &none, sizeof none) == 0;
}

//  Frame 0: magic, version, type; the layout of the type, or a status
static rwire_status_t
s_decode_head (zframe_t *frame, rwire_msg_t *m, const layout_t **layout)
{
    size_t size = frame ? zframe_size (frame) : 0;
    const uint8_t *head = frame ? zframe_data (frame) : NULL;
    if (size < 3 || head[0] != 'A' || head[1] != 'R')
        return RWIRE_MALFORMED;
    m->version = head[2];
    //  Another version may lay out the rest as it likes, frame 0's too
    if (m->version != ASYNROLE_PROTOCOL_VERSION)
        return RWIRE_BAD_VERSION;
    if (size != 4 || !(*layout = s_layout (head[3])))
        return RWIRE_MALFORMED;
    m->type = (rwire_type_t) head[3];
    return RWIRE_OK;
}

rwire_status_t
rwire_decode (zmsg_t *msg, rwire_msg_t *m)
{
    memset (m, 0, sizeof *m);
    if (!msg)
        return RWIRE_MALFORMED;
    const layout_t *layout = NULL;
    rwire_status_t status = s_decode_head (zmsg_first (msg), m, &layout);
    if (status == RWIRE_OK && zmsg_size (msg) != 1 + layout->frames)
        status = RWIRE_MALFORMED;
    for (size_t i = 0; status == RWIRE_OK && i < layout->frames; i++)
        if (!s_decode_frame (zmsg_next (msg), layout->frame[i], m))
            status = RWIRE_MALFORMED;
    if (status == RWIRE_OK && !s_policy_ok (m))
        status = RWIRE_MALFORMED;
    if (status != RWIRE_OK) {
        uint8_t version = m->version;
        memset (m, 0, sizeof *m);
        m->version = version;
    }
    return status;
}

//  -------------------------------------------------------------------------
//  Encoding

typedef struct {
    uint8_t bytes[FIELDS_BYTES_MAX];
    size_t size;
} buffer_t;

static void
s_put_uint (buffer_t *buffer, size_t size, uint64_t value)
{
    for (size_t i = 0; i < size; i++)
        buffer->bytes[buffer->size + i] = (uint8_t) (value >> (8 * (size - 1 - i)));
    buffer->size += size;
}

//  False for an address the decoder would refuse
static bool
s_put_addr (buffer_t *buffer, const asynrole_addr_t *addr)
{
    if (addr->len == 0) {
        s_put_uint (buffer, 1, 0);
        return true;
    }
    if (addr->u.sa.sa_family == AF_INET && addr->len == sizeof addr->u.in) {
        s_put_uint (buffer, 1, 4);
        s_put_uint (buffer, 2, ntohs (addr->u.in.sin_port));
        memcpy (buffer->bytes + buffer->size, &addr->u.in.sin_addr, 4);
        buffer->size += 4;
        return true;
    }
    if (addr->u.sa.sa_family != AF_INET6 || addr->len != sizeof addr->u.in6)
        return false;
    s_put_uint (buffer, 1, 6);
    s_put_uint (buffer, 2, ntohs (addr->u.in6.sin6_port));
    memcpy (buffer->bytes + buffer->size, &addr->u.in6.sin6_addr, 16);
    buffer->size += 16;
    s_put_uint (buffer, 4, addr->u.in6.sin6_scope_id);
    return true;
}

static bool
s_put_field (buffer_t *buffer, const field_t *field, const rwire_msg_t *m)
{
    const uint8_t *src = (const uint8_t *) m + field->offset;
    uint32_t u32;
    uint64_t u64;
    switch (field->kind) {
        case K_U32:
            memcpy (&u32, src, sizeof u32);
            s_put_uint (buffer, 4, u32);
            return true;
        case K_U64:
            memcpy (&u64, src, sizeof u64);
            s_put_uint (buffer, 8, u64);
            return true;
        case K_BOOL: s_put_uint (buffer, 1, *(const bool *) src ? 1 : 0); return true;
        case K_BACKOFF: {
            asynrole_backoff_t backoff = *(const asynrole_backoff_t *) src;
            s_put_uint (buffer, 1, (uint64_t) backoff);
            return backoff == ASYNROLE_BACKOFF_FIXED || backoff == ASYNROLE_BACKOFF_EXPONENTIAL;
        }
        case K_ADDR: return s_put_addr (buffer, (const asynrole_addr_t *) src);
        default: return false;
    }
}

static int
s_encode_frame (zmsg_t *msg, const field_t *fields, const rwire_msg_t *m)
{
    if (fields->kind == K_TEXT)
        return zmsg_addmem (msg, m->text, strnlen (m->text, RWIRE_TEXT_MAX));
    if (fields->kind == K_PAYLOAD) {
        if (m->size > ASYNROLE_DGRAM_MAX || (m->size && !m->data))
            return -1;
        return zmsg_addmem (msg, m->data, m->size);
    }
    buffer_t buffer = { .size = 0 };
    for (const field_t *field = fields; field->kind != K_END; field++)
        if (!s_put_field (&buffer, field, m))
            return -1;
    return zmsg_addmem (msg, buffer.bytes, buffer.size);
}

zmsg_t *
rwire_encode (const rwire_msg_t *m)
{
    const layout_t *layout = m ? s_layout ((int) m->type) : NULL;
    if (!layout)
        return NULL;
    //  Without a policy, zeros (the receiver refuses anything else)
    rwire_msg_t copy;
    if (m->type == RWIRE_REQUEST && !m->has_policy) {
        copy = *m;
        memset (&copy.policy, 0, sizeof copy.policy);
        m = &copy;
    }
    zmsg_t *msg = zmsg_new ();
    uint8_t head[4] = { 'A', 'R', ASYNROLE_PROTOCOL_VERSION, (uint8_t) m->type };
    int rc = msg ? zmsg_addmem (msg, head, sizeof head) : -1;
    for (size_t i = 0; rc == 0 && i < layout->frames; i++)
        rc = s_encode_frame (msg, layout->frame[i], m);
    if (rc != 0)
        zmsg_destroy (&msg);
    return msg;
}

zmsg_t *
rwire_simple (rwire_type_t type)
{
    rwire_msg_t m;
    memset (&m, 0, sizeof m);
    m.type = type;
    return rwire_encode (&m);
}

zmsg_t *
rwire_error (asynrole_code_t code, const char *text)
{
    rwire_msg_t m;
    memset (&m, 0, sizeof m);
    m.type = RWIRE_ERROR;
    m.code = (uint32_t) code;
    m.spoken = ASYNROLE_PROTOCOL_VERSION;
    if (text) {
        size_t size = strnlen (text, RWIRE_TEXT_MAX);
        memcpy (m.text, text, size);
    }
    return rwire_encode (&m);
}
