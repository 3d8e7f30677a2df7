/*  role_deliver.c - batches from the I/O actor to callbacks or events */
#include "role_deliver.h"
#include "log.h"
#include "dump.h"
#include "error_fill.h"
#include "event_codec.h"
#include "req_engine.h"
#include "role_batch.h"
#include "tsan.h"
#include "wire.h"
#include <czmq.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

//  A pipe-mode batch, alive while an event made from it lives
typedef struct {
    atomic_uint refs;  //  the role thread's, and one per event
    zmq_msg_t msg;     //  the batch
    link_t *link;      //  charged with its cost (a reference)
    size_t bytes;      //  how much (set before the role thread lets go)
} batch_t;

//  A pipe-mode error event's frame
typedef struct {
    batch_t *batch;                    //  its batch (a reference)
    uint8_t frame[EVENT_ERROR_FRAME];  //  the frame
} error_event_t;

//  A datagram event is its record, in place: the header overwrites the end
//  of the record's own (read by then), right before the payload
_Static_assert(sizeof (asynrole_event_header_t) <= sizeof (wire_rec_t),
               "an event's header fits where its record's was");

//  rec: the record's numbers (wire_rec_head_at); its addresses are read in
//  the frame, right before the payload, straight into the datagram
static void
s_datagram (const wire_rec_t *rec, const uint8_t *payload, asynrole_datagram_t *datagram)
{
    _Static_assert(offsetof (wire_rec_t, local) - offsetof (wire_rec_t, peer)
                           == offsetof (asynrole_datagram_t, local)
                               - offsetof (asynrole_datagram_t, peer)
                       && offsetof (wire_rec_t, local) == sizeof (wire_rec_t) - sizeof rec->local,
                   "peer and local end the record, side by side as in the datagram");
    datagram->data = payload;
    datagram->size = rec->size;
    datagram->original_size = rec->original;
    memcpy (&datagram->peer, payload - 2 * sizeof rec->peer, 2 * sizeof rec->peer);
    datagram->ifindex = rec->ifindex;
    datagram->flags = rec->flags;
}

static void
s_error (const wire_rec_t *rec, asynrole_error_t *error)
{
    memset (error, 0, sizeof *error);
    error->address = rec->peer;
    if (rec->type == WIRE_DROPS) {
        error->code = ASYNROLE_EDROPPED;
        //  The reason: the role's bound (QUEUE), its filter, its rate limit
        error->op = rec->op ? (asynrole_op_t) rec->op : ASYNROLE_OP_QUEUE;
        error->count = rec->count;
        error->lost_errors = rec->errors;
    }
    else {
        //  No errno: a notice (a socket that was down serves again)
        error->code = rec->err ? ASYNROLE_ENETWORK : ASYNROLE_OK;
        error->op = (asynrole_op_t) rec->op;
        error->sys_errno = rec->err;
        error->count = rec->count;
    }
    error_describe (error);
}

//  A datagram record as the user sees it, dumped when asked; true when it
//  answered a request of the Manager's (it has ended: it goes nowhere else)
static bool
s_received (role_t *role, const wire_rec_t *rec, const uint8_t *payload,
            asynrole_datagram_t *datagram)
{
    s_datagram (rec, payload, datagram);
    if (atomic_load_explicit (&role->dump, memory_order_relaxed))
        dump_datagram (role->name, "received", false, &datagram->peer, payload, rec->size);
    return role->engine && req_engine_offer (role->engine, datagram);
}

static void
s_call (role_t *role, role_fn_t callback, void *ctx, const asynrole_datagram_t *datagram,
        const asynrole_error_t *error)
{
    if (role->kind == ROLE_MANAGER)
        callback.manager ((asynrole_manager_t *) role->owner, ctx, datagram, error);
    else
        callback.agent ((asynrole_agent_t *) role->owner, ctx, datagram, error);
}

//  -------------------------------------------------------------------------
//  Callback mode

//  Run the callback for one record (rec: its numbers, wire_rec_head_at)
static void
s_dispatch (role_t *role, role_fn_t callback, void *ctx, const wire_rec_t *rec,
            const uint8_t *payload)
{
    if (rec->type == WIRE_DATAGRAM) {
        asynrole_datagram_t datagram;
        if (s_received (role, rec, payload, &datagram))
            return;
        if (callback.manager)
            s_call (role, callback, ctx, &datagram, NULL);
        else
            atomic_fetch_add (&role->unhandled, 1);
        return;
    }
    wire_rec_t whole;  //  rare: the whole record
    memcpy (&whole, payload - sizeof whole, sizeof whole);
    asynrole_error_t error;
    s_error (&whole, &error);
    if (atomic_load_explicit (&role->verbose, memory_order_relaxed) || !callback.manager)
        log_warning ("%s: %s", role->name, error.detail);
    if (callback.manager)
        s_call (role, callback, ctx, NULL, &error);
}

static bool
s_callbacks (role_t *role, zmq_msg_t *msg)
{
    //  Every datagram of the batch arrived before anything sent after this
    //  point, so one look at the callback serves the batch
    pthread_mutex_lock (&role->callback_mutex);
    role_fn_t callback = role->callback;
    void *ctx = role->ctx;
    pthread_mutex_unlock (&role->callback_mutex);
    const uint8_t *frame = zmq_msg_data (msg);
    size_t size = zmq_msg_size (msg);
    wire_rec_t rec;
    bool alive = !atomic_load (&role->destroying) && !atomic_load (&role->stopping);
    //  The callbacks' sends on this role leave together, once they are done
    role_batch_begin (role);
    for (size_t offset = 0; offset < size && alive; offset += wire_rec_span (rec.size)) {
        const uint8_t *payload = wire_rec_head_at (frame, size, offset, &rec);
        if (!payload) {
            log_error ("%s: a malformed batch from the I/O actor", role->name);
            break;
        }
        s_dispatch (role, callback, ctx, &rec, payload);
        //  Destroyed meanwhile, from this callback or from another thread:
        //  what is left of the batch is not delivered
        alive = !atomic_load (&role->destroying) && !atomic_load (&role->stopping);
    }
    //  Destroyed from a callback too: what they sent goes, before the
    //  role detaches (on the same pipe, behind it)
    role_batch_end (role);
    //  Callback mode: no record costs more than its place in the batch
    link_release (role->link, link_cost (role->link, size, 0));
    zmq_msg_close (msg);
    return alive;
}

//  -------------------------------------------------------------------------
//  Pipe mode

//  Records in a batch frame (well formed: the I/O actor made it)
static size_t
s_records (zmq_msg_t *msg)
{
    const uint8_t *frame = zmq_msg_data (msg);
    size_t size = zmq_msg_size (msg);
    size_t records = 0;
    wire_rec_t rec;
    for (size_t offset = 0; offset < size && wire_rec_at (frame, size, offset, &rec);
         offset += wire_rec_span (rec.size))
        records++;
    return records;
}

static void
s_batch_unref (batch_t *batch)
{
    if (atomic_fetch_sub (&batch->refs, 1) != 1)
        return;
    link_release (batch->link, batch->bytes);
    link_unref (&batch->link);
    zmq_msg_close (&batch->msg);
    free (batch);
}

//  zmq_free_fn of a datagram event's payload (any thread)
static void
s_batch_free (void *data, void *hint)
{
    (void) data;
    //  The event went through libzmq (to a reader, or to the reaper when the
    //  socket closed with it queued): what the role thread made is ours now
    HANDOFF_ACQUIRE (hint);
    s_batch_unref ((batch_t *) hint);
}

//  zmq_free_fn of an error event's frame (any thread)
static void
s_error_free (void *data, void *hint)
{
    (void) data;
    HANDOFF_ACQUIRE (hint);
    error_event_t *event = (error_event_t *) hint;
    batch_t *batch = event->batch;
    free (event);
    s_batch_unref (batch);
}

//  The role thread's reference goes before the batch's last event leaves,
//  so that once the user has destroyed every event, nothing is held. When
//  no event was made of the last record, ours may be the last reference.
static void
s_let_go (batch_t *batch, bool last)
{
    if (last)
        s_batch_unref (batch);
}

//  The same, with an event holding a reference: ours is never the last
static void
s_hand_over (batch_t *batch, bool last)
{
    if (last)
        atomic_fetch_sub (&batch->refs, 1);
}

static void
s_emit_error (role_t *role, batch_t *batch, const wire_rec_t *rec, bool last)
{
    error_event_t *event = malloc (sizeof *event);
    if (!event) {
        log_error ("%s: out of memory: an error event was lost", role->name);
        s_let_go (batch, last);
        return;
    }
    asynrole_error_t error;
    s_error (rec, &error);
    if (atomic_load_explicit (&role->verbose, memory_order_relaxed))
        log_warning ("%s: %s", role->name, error.detail);
    atomic_fetch_add (&batch->refs, 1);
    s_hand_over (batch, last);
    event->batch = batch;
    if (event_send_error (role->events, event->frame, &error, s_error_free, event))
        log_error ("%s: an error event was refused: %s", role->name, strerror (errno));
}

//  One datagram event, its frame the record's own (payload is the batch's)
static void
s_emit_datagram (role_t *role, batch_t *batch, const wire_rec_t *rec, uint8_t *payload, bool last)
{
    asynrole_datagram_t datagram;
    if (s_received (role, rec, payload, &datagram)) {
        s_let_go (batch, last);
        return;
    }
    atomic_fetch_add (&batch->refs, 1);
    s_hand_over (batch, last);
    uint8_t *frame = payload - sizeof (asynrole_event_header_t);
    if (event_send_datagram (role->events, frame, &datagram, s_batch_free, batch))
        log_error ("%s: a datagram event was refused: %s", role->name, strerror (errno));
}

//  Pipe mode: one event per record. The batch stays charged with its cost
//  (its bytes, and each record's event) until its last event is destroyed.
static void
s_events (role_t *role, zmq_msg_t *msg)
{
    size_t size = zmq_msg_size (msg);
    batch_t *batch = malloc (sizeof *batch);
    if (!batch) {
        log_error ("%s: out of memory: a batch of events was lost", role->name);
        link_release (role->link, link_cost (role->link, size, s_records (msg)));
        zmq_msg_close (msg);
        return;
    }
    atomic_init (&batch->refs, 1);
    zmq_msg_init (&batch->msg);  //  zmq_msg_move closes its destination first
    zmq_msg_move (&batch->msg, msg);
    batch->link = link_ref (role->link);
    //  Ours alone (the I/O actor let go of it): events are written into it
    uint8_t *frame = zmq_msg_data (&batch->msg);
    size_t records = 0;
    wire_rec_t rec;
    for (size_t offset = 0; offset < size; offset += wire_rec_span (rec.size)) {
        uint8_t *payload = (uint8_t *) wire_rec_at (frame, size, offset, &rec);
        if (!payload) {
            log_error ("%s: a malformed batch from the I/O actor", role->name);
            break;
        }
        //  The cost is set before our reference goes: the last one releases it
        records++;
        bool last = offset + wire_rec_span (rec.size) >= size;
        if (last)
            batch->bytes = link_cost (role->link, size, records);
        if (rec.type == WIRE_DATAGRAM)
            s_emit_datagram (role, batch, &rec, payload, last);
        else
            s_emit_error (role, batch, &rec, last);
        if (last)
            return;
    }
    batch->bytes = link_cost (role->link, size, records);
    s_batch_unref (batch);
}

//  -------------------------------------------------------------------------

bool
role_deliver (role_t *role, zmq_msg_t *msg)
{
    if (!role->options.pipe_mode)
        return s_callbacks (role, msg);
    s_events (role, msg);
    return true;
}

void
role_deliver_closed (role_t *role)
{
    pthread_mutex_lock (&role->callback_mutex);
    role_fn_t callback = role->callback;
    void *ctx = role->ctx;
    pthread_mutex_unlock (&role->callback_mutex);
    asynrole_error_t closed = { .code = ASYNROLE_ECLOSED };
    snprintf (closed.detail, sizeof closed.detail,
              "destroyed from its own callback, and now closed: %s", role->name);
    if (callback.manager)
        s_call (role, callback, ctx, NULL, &closed);
}

void
role_deliver_report (role_t *role, const asynrole_error_t *error)
{
    pthread_mutex_lock (&role->callback_mutex);
    role_fn_t callback = role->callback;
    void *ctx = role->ctx;
    pthread_mutex_unlock (&role->callback_mutex);
    if (callback.manager)
        s_call (role, callback, ctx, NULL, error);
}
