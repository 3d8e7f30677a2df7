/*  asynrole_event.h - events on a role's data socket (pipe mode)

    Each event is one message of one frame: an asynrole_event_header_t, then
    what the header's type says. Read raw, one zsock_recv per event:

    ASYNROLE_EVENT_DATAGRAM:
        zsock_recv (socket, "b", &frame, &frame_size)
        frame: the header (peer, local, ifindex, flags, original_size), then
        header.size payload bytes; frame_size == sizeof header + header.size
    ASYNROLE_EVENT_ERROR:
        zsock_recv (socket, "b", &frame, &frame_size)
        frame: the header (only magic, type and size set), then an
        asynrole_error_t (binary); header.size == sizeof (asynrole_error_t)

    Copy the header out (memcpy): the frame need not be aligned for it. A
    header whose magic is not ASYNROLE_EVENT_MAGIC is not an event of this
    format (before asynrole 0.4, events were seven frames, text first).

    The bytes of every event count towards the role's options.max_bytes until
    the message is destroyed (asynrole_event_destroy, or zmsg_destroy /
    zframe_destroy / zmq_msg_close when read raw): a reader that keeps
    events makes the I/O actor drop, and count, what comes next.

    This class reads one such message and gives it back as the same structs
    the callbacks get, without a copy. Not thread-safe: one event, one thread.
*/
#ifndef ASYNROLE_EVENT_H_INCLUDED
#define ASYNROLE_EVENT_H_INCLUDED

#include "asynrole_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct asynrole_event_s asynrole_event_t;

typedef enum {
    ASYNROLE_EVENT_DATAGRAM = 1,
    ASYNROLE_EVENT_ERROR = 2
} asynrole_event_type_t;

//  The first bytes of every event's frame ("ARE1" in memory: the format)
#define ASYNROLE_EVENT_MAGIC 0x31455241u

typedef struct {
    uint32_t magic;          //  ASYNROLE_EVENT_MAGIC
    uint32_t type;           //  asynrole_event_type_t
    uint32_t size;           //  bytes after the header
    uint32_t original_size;  //  datagram: bytes the sender sent (> size when truncated)
    uint32_t ifindex;        //  datagram: interface it came in on, 0 if unknown
    uint32_t flags;          //  datagram: ASYNROLE_DGRAM_*
    asynrole_addr_t peer;    //  datagram: who sent it (peer.via: the socket it came in on)
    asynrole_addr_t local;   //  datagram: the address it was sent to
} asynrole_event_header_t;

//  Receive one event from a role's data socket, waiting at most timeout ms
//  (0: only what is there already). NULL when none came in time, when
//  interrupted, or when the message is not an event (it is then discarded).
//  About to wait (nothing there, timeout > 0), it first ends this thread's
//  hold on a pipe-mode Agent, if any: what is held leaves (asynrole_agent_hold);
//  called from a callback, the sends it holds leave first likewise.
ASYNROLE_EXPORT asynrole_event_t *asynrole_event_recv (void *socket, int timeout);

ASYNROLE_EXPORT void asynrole_event_destroy (asynrole_event_t **self_p);

ASYNROLE_EXPORT asynrole_event_type_t asynrole_event_type (asynrole_event_t *self);

//  The datagram (NULL for an error event); valid while the event lives
ASYNROLE_EXPORT const asynrole_datagram_t *asynrole_event_datagram (asynrole_event_t *self);

//  The error (NULL for a datagram event)
ASYNROLE_EXPORT const asynrole_error_t *asynrole_event_error (asynrole_event_t *self);

#ifdef __cplusplus
}
#endif
#endif
