/*  fuzz_remote.c - the remote wire protocol's decoder, rwire_decode
    (actors/remote/rwire.h, docs/protocol.md)

    The input is messages of frames (fuzz_util.h), each decoded as a
    binding end decodes what follows a peer's routing id. Checked:
    - the status agrees with frame 0: RWIRE_BAD_VERSION (with their
      version byte) exactly when it starts 'A' 'R' and a version byte
      other than ours; a refused message leaves nothing in m but the
      version;
    - a decoded message is of a known type; its text ends within
      RWIRE_TEXT_MAX bytes; its payload (at most ASYNROLE_DGRAM_MAX
      bytes) lies in the message, read byte by byte; its addresses are
      empty, IPv4 or IPv6 of the right length, and format;
    - the codec is canonical: encoding what was decoded gives the input's
      frames back byte for byte, and that decodes to the same fields.
*/
#include "asynrole.h"
#include "fuzz_util.h"
#include "rwire.h"
#include <czmq.h>
#include <string.h>

#define MESSAGES_MAX 32
#define FRAMES_MAX 16

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

FUZZ_INITIALIZE_KEEP_STDERR

//  The status frame 0 alone decides, when it decides
static bool
s_bad_version (zmsg_t *msg, uint8_t *version)
{
    zframe_t *head = zmsg_first (msg);
    if (!head || zframe_size (head) < 3)
        return false;
    const uint8_t *bytes = zframe_data (head);
    *version = bytes[2];
    return bytes[0] == 'A' && bytes[1] == 'R' && bytes[2] != ASYNROLE_PROTOCOL_VERSION;
}

static void
s_check_addr (const asynrole_addr_t *addr, const char *what)
{
    int family = asynrole_addr_family (addr);
    FUZZ_CHECK ((addr->len == 0 && family == AF_UNSPEC)
                    || (addr->len == sizeof addr->u.in && family == AF_INET)
                    || (addr->len == sizeof addr->u.in6 && family == AF_INET6),
                "%s: family %d, len %u", what, family, (unsigned) addr->len);
    char text[ASYNROLE_ADDR_STRLEN];
    asynrole_addr_format (addr, text, sizeof text);
    FUZZ_CHECK (strlen (text) < sizeof text, "%s formats past its buffer", what);
    FUZZ_CHECK (asynrole_addr_equal (addr, addr) || addr->len == 0, "%s is not equal to itself",
                what);
}

//  What a decoded message holds is within its bounds; the payload's sum
static unsigned
s_check_fields (const rwire_msg_t *m)
{
    FUZZ_CHECK (strcmp (rwire_name ((int) m->type), "?") != 0, "decoded type %d", (int) m->type);
    FUZZ_CHECK (m->version == ASYNROLE_PROTOCOL_VERSION, "decoded version %u", m->version);
    FUZZ_CHECK (strnlen (m->text, sizeof m->text) <= RWIRE_TEXT_MAX, "a text does not end");
    FUZZ_CHECK (m->size <= ASYNROLE_DGRAM_MAX, "a payload of %zu bytes", m->size);
    FUZZ_CHECK (m->size == 0 || m->data, "a payload without data");
    FUZZ_CHECK (m->policy.backoff == ASYNROLE_BACKOFF_FIXED
                    || m->policy.backoff == ASYNROLE_BACKOFF_EXPONENTIAL,
                "a backoff of %d", (int) m->policy.backoff);
    unsigned sum = 0;
    for (size_t i = 0; i < m->size; i++)
        sum += m->data[i];
    s_check_addr (&m->peer, "peer");
    s_check_addr (&m->local, "local");
    return sum;
}

static bool
s_same_bytes (zmsg_t *a, zmsg_t *b)
{
    if (zmsg_size (a) != zmsg_size (b))
        return false;
    for (zframe_t *x = zmsg_first (a), *y = zmsg_first (b); x; x = zmsg_next (a), y = zmsg_next (b))
        if (!zframe_eq (x, y))
            return false;
    return true;
}

//  Encode what was decoded: the same bytes, decoding to the same fields
static void
s_check_canonical (zmsg_t *msg, const rwire_msg_t *m)
{
    zmsg_t *again = rwire_encode (m);
    FUZZ_CHECK (again, "a decoded %s does not encode", rwire_name ((int) m->type));
    FUZZ_CHECK (s_same_bytes (msg, again), "a decoded %s encodes to other bytes",
                rwire_name ((int) m->type));
    rwire_msg_t twice;
    FUZZ_CHECK (rwire_decode (again, &twice) == RWIRE_OK, "an encoded %s does not decode",
                rwire_name ((int) m->type));
    FUZZ_CHECK (twice.size == m->size
                    && (m->size == 0 || memcmp (twice.data, m->data, m->size) == 0),
                "a %s's payload changed", rwire_name ((int) m->type));
    rwire_msg_t a = *m;
    a.data = twice.data = NULL;
    FUZZ_CHECK (memcmp (&a, &twice, sizeof a) == 0, "a %s's fields changed",
                rwire_name ((int) m->type));
    zmsg_destroy (&again);
}

static unsigned
s_check_one (zmsg_t *msg)
{
    rwire_msg_t m;
    memset (&m, 0xa5, sizeof m);
    rwire_status_t status = rwire_decode (msg, &m);
    uint8_t version = 0;
    bool bad_version = s_bad_version (msg, &version);
    FUZZ_CHECK ((status == RWIRE_BAD_VERSION) == bad_version, "status %d, bad version %d",
                (int) status, bad_version);
    if (status != RWIRE_OK) {
        FUZZ_CHECK (status == RWIRE_MALFORMED || m.version == version,
                    "bad version %u reported as %u", version, m.version);
        rwire_msg_t zero;
        memset (&zero, 0, sizeof zero);
        zero.version = m.version;
        FUZZ_CHECK (memcmp (&zero, &m, sizeof m) == 0, "a refused message left fields set");
        return 0;
    }
    unsigned sum = s_check_fields (&m);
    s_check_canonical (msg, &m);
    return sum;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    fuzz_reader_t reader;
    fuzz_reader_init (&reader, data, size);
    fuzz_frame_t frame;
    size_t messages = 0;
    volatile unsigned sum = 0;
    zmsg_t *msg = zmsg_new ();
    FUZZ_CHECK (msg, "zmsg_new failed");
    while (messages < MESSAGES_MAX && fuzz_next_frame (&reader, &frame)) {
        //  Frames past the limit are dropped; the message still ends
        if (zmsg_size (msg) < FRAMES_MAX)
            FUZZ_CHECK (zmsg_addmem (msg, frame.data, frame.size) == 0, "zmsg_addmem failed");
        if (frame.more)
            continue;
        sum += s_check_one (msg);
        zmsg_destroy (&msg);
        msg = zmsg_new ();
        FUZZ_CHECK (msg, "zmsg_new failed");
        messages++;
    }
    //  An input that ends without frames is an empty message
    if (messages == 0)
        sum += s_check_one (msg);
    zmsg_destroy (&msg);
    (void) sum;
    return 0;
}
