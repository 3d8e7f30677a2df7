/*  role_batch.h - sends a role's own thread makes while it handles one
    batch: held in one frame of WIRE_SEND records, pushed when the batch is
    done

    While a role's thread runs a batch's callbacks (or its request engine's
    turn), a thread-local mark names that role. A send on that role from
    that thread reserves its credit as any send does, then its record joins
    the role's pending frame instead of going as a message of its own; the
    frame goes as one message (one allocation, one push, one pipe write)
    when the batch is done, when it reaches LIMIT_SEND_BATCH_BYTES, and
    before anything on this thread may wait (a send that finds no credit, a
    control request, a blocking call, a destroy). Sends on other roles, and
    from other threads, go at once. The buffer is the role's (only its
    thread touches it); a push hands it to libzmq as the message, without a
    copy (zmq_msg_init_data: one allocation per batch, not per send; a copy
    of the frame costs more, measured in docs/performance.md), and the next
    batch starts a buffer sized to the last one.

    A user thread's hold (asynrole_agent_hold) uses the same mark and the
    same buffer, on a pipe-mode Agent only: such a role's thread makes no
    batches (role_batch_begin is a no-op in pipe mode, and an Agent has no
    request engine), so the buffer has one user at a time, the holder (one
    thread, taken with role->held). The hold is a call under way
    (role_enter) from hold to its end: a flush, an asynrole_event_recv on
    that thread about to wait, or a destroy from that thread. */
#ifndef ASYNROLE_ROLE_BATCH_H_INCLUDED
#define ASYNROLE_ROLE_BATCH_H_INCLUDED

#include "role.h"
#include "bounds.h"
#include "wire.h"
#include <string.h>

//  The role's thread begins a batch: its sends on role are held from now
void role_batch_begin (role_t *role);

//  The batch is done: what is held goes, the mark is cleared, and a push
//  that failed is reported to the callback (ASYNROLE_OP_SEND, its count)
void role_batch_end (role_t *role);

//  The role whose batch this thread handles, NULL when none (initial-exec:
//  one load, not a call, on every send)
extern __thread role_t *role_batch_current __attribute__ ((tls_model ("initial-exec")));

//  Is a send on role from this thread to be held?
static inline bool
role_batch_holds (const role_t *role)
{
    return role_batch_current == role;
}

//  Does this thread hold records not pushed yet (on any role)?
bool role_batch_pending (void);

//  Room for a record of span bytes (wire_rec_span; its credit reserved) at
//  the end of the frame held, its padding zeroed, for the caller to fill in
//  (8-aligned); pushes what is held first when the frame would pass its
//  bound. NULL when out of memory (nothing held: the caller gives the
//  credit back). Inline for the common case (room in the buffer, within
//  the bound: about 10 instructions fewer a reply); role_batch_add_slow
//  does the rest, and any case.
uint8_t *role_batch_add_slow (role_t *role, size_t span);

static inline uint8_t *
role_batch_add (role_t *role, size_t span)
{
    size_t need = role->batch_size + span;
    if (!role->batch || need > role->batch_room || need > LIMIT_SEND_BATCH_BYTES)
        return role_batch_add_slow (role, span);
    uint8_t *at = role->batch + role->batch_size;
    memset (at + span - WIRE_ALIGN, 0, WIRE_ALIGN);
    role->batch_size = need;
    return at;
}

//  Push what this thread holds, if anything: before any wait
void role_batch_flush (void);

//  This thread holds role's sends from now (a pipe-mode Agent); 0, or -1
//  with error filled (EBADARG: callback mode, another thread's hold, this
//  thread holding another role's; ECLOSED: being destroyed). Again from
//  the holder: 0, nothing changes.
int role_hold (role_t *role, asynrole_error_t *error);

//  The hold ends: what is held goes as one message. 0, or -1 with error
//  filled when pushes of this hold (or of one ended by a wait) failed, its
//  count the records lost. Without a hold of this thread's: 0, nothing done.
int role_hold_flush (role_t *role, asynrole_error_t *error);

//  A wait begins on this thread (asynrole_event_recv): its hold, if any,
//  ends (pushed; a failure is reported by the next flush that ends a hold)
void role_hold_end_waiting (void);

//  role is being destroyed from this thread: its hold here, if any, ends
void role_hold_end_mine (role_t *role);

//  Free the role's buffer (role_release)
void role_batch_free (role_t *role);

#endif
