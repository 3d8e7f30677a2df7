/*  fuzz_deliver.c - the role-side decoder of the I/O actor's batch frames
    (actors/role/role_deliver.c; the format: actors/wire/wire.h)

    White-box: linked with the library's objects, it makes a role_t of its
    own (no I/O actor, no role thread) and hands it batch frames, as the
    role actor does with what the I/O actor sends. The first byte of the
    input chooses: bit 0 pipe mode, bit 1 a Manager (else an Agent; no
    request engine), bit 2 no callback (callback mode); the rest is the
    frame. Checked:
    - the records delivered are the well-formed records of the frame up to
      the first malformed one (wire_rec_at), in order, each exactly once:
      a datagram record as a datagram whose payload is the record's bytes
      (read in full: ASan checks they lie in the frame), any other record
      as an error, ASYNROLE_EDROPPED for WIRE_DROPS, ASYNROLE_ENETWORK for any
      other with an errno, ASYNROLE_OK (a notice) without one;
    - callback mode: one callback per record (or, without a callback, each
      datagram counted as unhandled);
    - pipe mode: one event per record, every accessor safe on it;
    - what the batch cost the role's link is all given back once the
      callbacks are done, or the events destroyed (nothing held, nothing
      leaked: ASan's leak check runs too).
*/
#include "asynrole.h"
#include "ctx.h"
#include "fuzz_util.h"
#include "link.h"
#include "pair.h"
#include "role.h"
#include "role_deliver.h"
#include "wire.h"
#include <string.h>

#define RECORDS_MAX 1024

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  A record the frame holds, as the role must deliver it
typedef struct {
    wire_rec_t rec;
    const uint8_t *payload;  //  in the input
} expected_t;

static struct {
    role_t roles[2];  //  callback mode, pipe mode
    char owner;       //  what the callbacks get as their role (not read)
    expected_t expected[RECORDS_MAX];
    size_t count;  //  records expected
    size_t seen;   //  records delivered so far
} s;

static void
s_role_init (role_t *role, bool pipe_mode)
{
    asynrole_error_t error;
    role->owner = &s.owner;
    snprintf (role->name, sizeof role->name, "fuzz-%s", pipe_mode ? "pipe" : "callback");
    role->options.pipe_mode = pipe_mode;
    role->count = 1;
    doorbell_t *doorbell = doorbell_new (&error);
    FUZZ_CHECK (doorbell, "doorbell_new: %s", error.detail);
    role->link =
        link_new (1, 1u << 30, pipe_mode ? LIMIT_EVENT_OVERHEAD : 0, 1u << 20, doorbell, &error);
    doorbell_unref (&doorbell);
    FUZZ_CHECK (role->link, "link_new: %s", error.detail);
    pthread_mutex_init (&role->callback_mutex, NULL);
    pthread_mutex_init (&role->push_mutex, NULL);
    if (pipe_mode)
        FUZZ_CHECK (pair_new (&role->events, &role->user, "fuzz-deliver", &error) == 0,
                    "pair_new: %s", error.detail);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    fuzz_keep_stderr ();
    asynrole_error_t error;
    FUZZ_CHECK (ctx_acquire (&error) == 0, "ctx_acquire: %s", error.detail);
    s_role_init (&s.roles[0], false);
    s_role_init (&s.roles[1], true);
    return 0;
}

//  -------------------------------------------------------------------------
//  What must come out

static void
s_expect (const uint8_t *frame, size_t size)
{
    s.count = 0;
    s.seen = 0;
    wire_rec_t rec;
    for (size_t offset = 0; offset < size && s.count < RECORDS_MAX;
         offset += wire_rec_span (rec.size)) {
        const uint8_t *payload = wire_rec_at (frame, size, offset, &rec);
        if (!payload)
            break;
        s.expected[s.count].rec = rec;
        s.expected[s.count].payload = payload;
        s.count++;
    }
}

static void
s_check_datagram (const asynrole_datagram_t *datagram)
{
    FUZZ_CHECK (s.seen < s.count, "more records delivered than the frame holds (%zu)", s.count);
    const expected_t *want = &s.expected[s.seen++];
    FUZZ_CHECK (want->rec.type == WIRE_DATAGRAM, "record %zu (type %u) delivered as a datagram",
                s.seen - 1, want->rec.type);
    FUZZ_CHECK (datagram->size == want->rec.size
                    && memcmp (datagram->data, want->payload, want->rec.size) == 0,
                "record %zu: the datagram is not its payload", s.seen - 1);
    FUZZ_CHECK (datagram->original_size == want->rec.original && datagram->flags == want->rec.flags
                    && datagram->ifindex == want->rec.ifindex
                    && memcmp (&datagram->peer, &want->rec.peer, sizeof datagram->peer) == 0
                    && memcmp (&datagram->local, &want->rec.local, sizeof datagram->local) == 0,
                "record %zu: the datagram's numbers or addresses are not the record's", s.seen - 1);
}

static void
s_check_error (const asynrole_error_t *error)
{
    FUZZ_CHECK (s.seen < s.count, "more records delivered than the frame holds (%zu)", s.count);
    const expected_t *want = &s.expected[s.seen++];
    FUZZ_CHECK (want->rec.type != WIRE_DATAGRAM, "record %zu, a datagram, delivered as an error",
                s.seen - 1);
    //  An error record without an errno is a notice (a socket serves again)
    asynrole_code_t code = want->rec.type == WIRE_DROPS ? ASYNROLE_EDROPPED
        : want->rec.err                                 ? ASYNROLE_ENETWORK
                                                        : ASYNROLE_OK;
    FUZZ_CHECK (error->code == code, "record %zu (type %u): code %d", s.seen - 1, want->rec.type,
                (int) error->code);
    FUZZ_CHECK (strnlen (error->detail, sizeof error->detail) < sizeof error->detail,
                "record %zu: the detail does not end", s.seen - 1);
}

static void
s_manager_fn (asynrole_manager_t *manager, void *ctx, const asynrole_datagram_t *datagram,
              const asynrole_error_t *error)
{
    (void) manager, (void) ctx;
    if (datagram)
        s_check_datagram (datagram);
    else
        s_check_error (error);
}

static void
s_agent_fn (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
            const asynrole_error_t *error)
{
    s_manager_fn ((asynrole_manager_t *) agent, ctx, datagram, error);
}

//  -------------------------------------------------------------------------

//  Pipe mode: read every event the batch made
static void
s_read_events (role_t *role)
{
    for (size_t i = 0; i < s.count; i++) {
        asynrole_event_t *event = asynrole_event_recv (role->user, 5000);
        FUZZ_CHECK (event, "record %zu of %zu made no event", i, s.count);
        fuzz_check_event (event);
        if (asynrole_event_datagram (event))
            s_check_datagram (asynrole_event_datagram (event));
        else
            s_check_error (asynrole_event_error (event));
        asynrole_event_destroy (&event);
    }
    FUZZ_CHECK (!asynrole_event_recv (role->user, 0), "more events than records");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool pipe_mode = data[0] & 1;
    role_t *role = &s.roles[pipe_mode];
    role->kind = data[0] & 2 ? ROLE_MANAGER : ROLE_AGENT;
    if (role->kind == ROLE_MANAGER)
        role->callback.manager = pipe_mode || (data[0] & 4) ? NULL : s_manager_fn;
    else
        role->callback.agent = pipe_mode || (data[0] & 4) ? NULL : s_agent_fn;
    size--, data++;

    //  As the I/O actor sends it: a message of its own, charged to the link
    zmq_msg_t msg;
    FUZZ_CHECK (zmq_msg_init_size (&msg, size) == 0, "zmq_msg_init_size failed");
    if (size)
        memcpy (zmq_msg_data (&msg), data, size);
    s_expect (data, size);
    size_t cost = link_cost (role->link, size, pipe_mode ? s.count : 0);
    FUZZ_CHECK (link_charge (role->link, cost), "the link refused a batch while holding nothing");
    uint64_t unhandled = atomic_load (&role->unhandled);

    FUZZ_CHECK (role_deliver (role, &msg), "role_deliver says the role was destroyed");
    if (pipe_mode)
        s_read_events (role);
    else if (!role->callback.manager) {
        size_t datagrams = 0;
        for (size_t i = 0; i < s.count; i++)
            datagrams += s.expected[i].rec.type == WIRE_DATAGRAM;
        FUZZ_CHECK (atomic_load (&role->unhandled) - unhandled == datagrams,
                    "%zu datagrams without a callback, %llu counted unhandled", datagrams,
                    (unsigned long long) (atomic_load (&role->unhandled) - unhandled));
        s.seen = s.count;
    }
    FUZZ_CHECK (s.seen == s.count, "%zu records delivered of %zu", s.seen, s.count);
    FUZZ_CHECK (link_held (role->link) == 0, "the role still holds %zu bytes of the batch",
                link_held (role->link));
    return 0;
}
