/*  role_batch.c - a batch's sends, held and pushed as one frame */
#include "role_batch.h"
#include "bounds.h"
#include "error_fill.h"
#include "log.h"
#include "role_deliver.h"
#include "tsan.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

__thread role_t *role_batch_current __attribute__ ((tls_model ("initial-exec")));

//  The socket index of a record's socket id (only a failed push asks)
static size_t
s_index (const role_t *role, uint32_t socket)
{
    for (size_t i = 0; i < role->count; i++)
        if (role->socket_ids[i] == socket)
            return i;
    return 0;
}

//  The push failed: every record's credit goes back, each is counted as
//  failed at its socket (stats.tx_failed), and the batch's end reports them
static void
s_lost (role_t *role, const uint8_t *frame, size_t size, int err)
{
    size_t records = 0;
    wire_rec_t rec;
    for (size_t offset = 0; offset < size && wire_rec_at (frame, size, offset, &rec);
         offset += wire_rec_span (rec.size)) {
        link_tx_fail (role->link, s_index (role, rec.socket), wire_rec_span (rec.size));
        if (records++ == 0 && role->batch_lost == 0) {
            error_zmq (&role->batch_error, err, "the I/O actor's inbound socket refused sends");
            role->batch_error.op = ASYNROLE_OP_SEND;
            role->batch_error.address = rec.peer;
        }
    }
    role->batch_lost += records;
    log_error ("%s: %zu sends were lost: %s", role->name, records, strerror (err));
}

//  zmq_free_fn of a pushed frame: the I/O actor is done with it
static void
s_free (void *data, void *hint)
{
    (void) hint;
    HANDOFF_ACQUIRE (&wire_inbound_handoff);
    free (data);
}

//  Push what role holds: one message, which takes the buffer over (no
//  copy); the next batch gets a buffer of the same room
static void
s_push (role_t *role)
{
    if (!role->batch_size)
        return;
    uint8_t *frame = role->batch;
    size_t size = role->batch_size;
    role->batch_size = 0;
    zmq_msg_t msg;
    if (zmq_msg_init_data (&msg, frame, size, s_free, NULL)) {
        s_lost (role, frame, size, ENOMEM);  //  the buffer is still ours
        return;
    }
    role->batch = NULL;
    //  The next buffer fits this batch (one large batch does not make
    //  every later one allocate as much)
    size_t room = ROOM_FIRST_SEND_BATCH;
    while (room < size)
        room *= 2;
    role->batch_room = room;
    pthread_mutex_lock (&role->push_mutex);
    HANDOFF_RELEASE (&wire_inbound_handoff);
    int rc = zmq_msg_send (&msg, role->push, 0);
    int err = errno;
    pthread_mutex_unlock (&role->push_mutex);
    if (rc >= 0)
        return;
    s_lost (role, frame, size, err);
    zmq_msg_close (&msg);
}

void
role_batch_begin (role_t *role)
{
    //  A hold a callback opened on a pipe-mode Agent and left open ends
    //  here: the mark is the batch's from now
    if (role_batch_current)
        role_hold_end_waiting ();
    //  A pipe-mode role has no callback to report a lost push to
    if (!role->options.pipe_mode)
        role_batch_current = role;
}

void
role_batch_end (role_t *role)
{
    if (role_batch_current != role)
        return;
    s_push (role);
    role_batch_current = NULL;
    if (!role->batch_lost)
        return;
    role->batch_error.count = role->batch_lost;
    role->batch_lost = 0;
    role_deliver_report (role, &role->batch_error);
}

bool
role_batch_pending (void)
{
    return role_batch_current && role_batch_current->batch_size;
}

//  Room for more bytes held; false when out of memory. batch_room is the
//  room of the buffer, or of the next one when the last went with its push.
static bool
s_room (role_t *role, size_t more)
{
    size_t need = role->batch_size + more;
    if (role->batch && need <= role->batch_room)
        return true;
    size_t room = role->batch_room ? role->batch_room : ROOM_FIRST_SEND_BATCH;
    while (room < need)
        room *= 2;
    uint8_t *batch = role->batch ? realloc (role->batch, room) : malloc (room);
    if (!batch)
        return false;
    role->batch = batch;
    role->batch_room = room;
    return true;
}

uint8_t *
role_batch_add_slow (role_t *role, size_t span)
{
    if (role->batch_size && role->batch_size + span > LIMIT_SEND_BATCH_BYTES)
        s_push (role);
    if (!s_room (role, span))
        return NULL;
    uint8_t *at = role->batch + role->batch_size;
    memset (at + span - WIRE_ALIGN, 0, WIRE_ALIGN);
    role->batch_size += span;
    return at;
}

void
role_batch_flush (void)
{
    if (role_batch_current)
        s_push (role_batch_current);
}

void
role_batch_free (role_t *role)
{
    free (role->batch);
    role->batch = NULL;
    role->batch_size = role->batch_room = 0;
}

//  -------------------------------------------------------------------------
//  A user thread's hold (pipe-mode Agent)

int
role_hold (role_t *role, asynrole_error_t *error)
{
    if (role_batch_current == role) {
        error_clear (error);
        return 0;
    }
    if (!role->options.pipe_mode || role->kind != ROLE_AGENT)
        return error_badarg (error,
                             "only a pipe-mode Agent holds sends (a callback's are held "
                             "already): %s",
                             role->name);
    if (role_batch_current)
        return error_badarg (error, "this thread holds the sends of %s: flush them first: %s",
                             role_batch_current->name, role->name);
    if (role_enter (role, error))
        return -1;
    bool open = false;
    if (!atomic_compare_exchange_strong (&role->held, &open, true)) {
        error_badarg (error, "another thread holds the sends of %s", role->name);
        role_leave (role);
        return -1;
    }
    role_batch_current = role;
    error_clear (error);
    return 0;
}

//  The hold of this thread on role ends: what is held goes, the mark and
//  the hold are let go, and the call leaves (which may free the role, when
//  a destroy gave up waiting for it). Returns the records lost, their
//  first failure in *lost, when report; else they wait for a later flush.
static uint64_t
s_hold_end (role_t *role, bool report, asynrole_error_t *lost)
{
    s_push (role);
    role_batch_current = NULL;
    uint64_t count = report ? role->batch_lost : 0;
    if (count) {
        *lost = role->batch_error;
        lost->count = count;
        role->batch_lost = 0;
    }
    atomic_store (&role->held, false);
    role_leave (role);
    return count;
}

int
role_hold_flush (role_t *role, asynrole_error_t *error)
{
    asynrole_error_t lost;
    if (role_batch_current != role || !role->options.pipe_mode || !s_hold_end (role, true, &lost)) {
        error_clear (error);
        return 0;
    }
    if (error)
        *error = lost;
    return -1;
}

void
role_hold_end_waiting (void)
{
    role_t *role = role_batch_current;
    if (role && role->options.pipe_mode)
        s_hold_end (role, false, NULL);
}

void
role_hold_end_mine (role_t *role)
{
    if (role_batch_current == role && role->options.pipe_mode)
        s_hold_end (role, false, NULL);
}
