/*  link.h - what a role and its I/O actor share besides the pipes

    Two bounds, kept with atomics so that neither side ever waits on a pipe:

    Receive (max_held): bytes delivered towards the role and not yet
    released. The I/O actor charges each batch before it sends it and drops
    the batch when the role holds max_held already; whoever finishes with
    the bytes releases them (the role thread after its callbacks, the last
    pipe-mode event of a batch when the user destroys it, in any thread).
    When the I/O actor has drops to report it asks for room, and the release
    that brings the role to half its bound rings the doorbell. The role's
    overflow policy (asynrole_overflow_t) lives here too, so that it may
    change while the role runs: in PAUSE the I/O actor stops reading the
    role's sockets at the bound, and reads them again on that ring.

    Send (tx_max): bytes of sends per socket that the kernel has not taken
    yet. A sender reserves before it pushes a send; the I/O actor releases
    once the kernel took the datagram or refused it for good. A sender that
    finds no room waits on a condition variable, with a deadline, or fails
    at once (try_send): that is where, and the only place where, a send waits.

    Reference-counted: the role, the I/O actor while attached, and every
    pipe-mode batch still referenced by an event. */
#ifndef ASYNROLE_LINK_H_INCLUDED
#define ASYNROLE_LINK_H_INCLUDED

#include "asynrole_error.h"
#include "asynrole_types.h"
#include "doorbell.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct link_s link_t;

//  A link for a role with sockets sockets; record_overhead: bytes each
//  record of a batch costs beyond the batch (a pipe-mode event's frames and
//  their place in libzmq's queue; 0 in callback mode). NULL with error filled.
link_t *link_new (size_t sockets, size_t max_held, size_t record_overhead, size_t tx_max,
                  doorbell_t *doorbell, asynrole_error_t *error);
link_t *link_ref (link_t *self);
void link_unref (link_t **self_p);

//  What a batch of frame bytes and records costs the role
size_t link_cost (const link_t *self, size_t frame, size_t records);

//  I/O actor: charge bytes (a batch's cost) to the role; false (nothing
//  charged) when the role holds its bound already. A role holding nothing
//  takes any batch.
bool link_charge (link_t *self, size_t bytes);

//  Any thread: release bytes; rings the doorbell when the I/O actor asked
//  for room and the role now holds at most half its bound
void link_release (link_t *self, size_t bytes);

//  I/O actor: ask to be woken when the role has room. Returns true when it
//  has room already (nothing armed: act now).
bool link_want_room (link_t *self);

//  Any thread: the role's overflow policy (ASYNROLE_OVERFLOW_DROP or
//  _PAUSE). Leaving PAUSE rings the doorbell, so that the I/O actor reads
//  again the sockets it stopped reading.
void link_set_overflow (link_t *self, asynrole_overflow_t overflow);

//  I/O actor: the policy (read when a batch did not fit, never per datagram)
asynrole_overflow_t link_overflow (link_t *self);

//  Bytes the role holds now, and the most it has held
size_t link_held (link_t *self);
size_t link_held_max (link_t *self);

//  Any thread: reserve bytes of the socket's send queue, waiting at most
//  timeout_ms (0: not at all). A send larger than tx_max goes when the
//  queue is empty. 0, or -1 with ASYNROLE_EWOULDBLOCK.
int link_tx_reserve (link_t *self, size_t socket, size_t bytes, int timeout_ms,
                     asynrole_error_t *error);

//  Any thread: reserve bytes if there is room now; true when reserved.
//  link_tx_reserve's first step, without its waiting's set-up (the common
//  case of a send: about 15 instructions fewer)
bool link_tx_try (link_t *self, size_t socket, size_t bytes);

//  Any thread (the I/O actor, or a sender whose push failed): give back
void link_tx_release (link_t *self, size_t socket, size_t bytes);

//  A sender whose held sends could not be pushed (role_batch.h): give
//  bytes back and count the send as failed at its socket
void link_tx_fail (link_t *self, size_t socket, size_t bytes);

//  Sends of the socket that failed so (in stats.tx_failed)
uint64_t link_tx_failed (link_t *self, size_t socket);

//  A thread that never waits on a condition (the Manager's, for its request
//  engine) is told of room instead: link_tx_bell, before the role attaches,
//  names the doorbell; link_tx_want, after a reservation failed, arms it
//  for the next release (then try once more: a release between the two is
//  seen by that try)
void link_tx_bell (link_t *self, doorbell_t *bell);
void link_tx_want (link_t *self);

//  Sends to the socket that found its queue full and waited for room
uint64_t link_tx_waits (link_t *self, size_t socket);

//  The role is being destroyed: senders waiting for room, and any that come
//  after, fail with ASYNROLE_ECLOSED
void link_tx_close (link_t *self);

#endif
