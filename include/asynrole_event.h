/*  asynrole_event.h - events on a role's data socket (pipe mode)

    Each event is one multi-frame message, type first:

    "DATAGRAM":
        zsock_recv (socket, "sbb444b", &type, &peer, &peer_size, &local,
                    &local_size, &ifindex, &flags, &original_size, &data, &size)
        peer, local: an asynrole_addr_t each (binary); flags: ASYNROLE_DGRAM_*
    "ERROR":
        zsock_recv (socket, "sb", &type, &error, &error_size)
        error: an asynrole_error_t (binary)

    The bytes of every event count towards the role's options.max_bytes until
    the message is destroyed (asynrole_event_destroy, or zmsg_destroy /
    zframe_destroy when read raw): a reader that keeps events makes the I/O
    actor drop, and count, what comes next.

    This class reads one such message and gives it back as the same structs
    the callbacks get. Not thread-safe: one event, one thread.
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

//  Receive one event from a role's data socket, waiting at most timeout ms
//  (0: only what is there already). NULL when none came in time, when
//  interrupted, or when the message is not an event (it is then discarded).
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
