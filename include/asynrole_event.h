/*  asynrole_event.h - events on a role's data socket (pipe mode)

    Each event is one multi-frame message, type first:

    "DATAGRAM":
        zsock_recv (socket, "sbb444b", &type, &peer, &peer_size, &local,
                    &local_size, &ifindex, &flags, &original_size, &data, &size)
        peer, local: an asynrole_addr_t each (binary); flags: ASYNROLE_DGRAM_*
    "ERROR":
        zsock_recv (socket, "sb", &type, &error, &error_size)
        error: an asynrole_error_t (binary)

    This class reads one such message and gives it back as the same structs
    the callbacks get. Not thread-safe: one event, one thread.
*/
#ifndef ASYNROLE_EVENT_H_INCLUDED
#define ASYNROLE_EVENT_H_INCLUDED

#include "asynrole_types.h"
#include <czmq.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct asynrole_event_s asynrole_event_t;

typedef enum {
    ASYNROLE_EVENT_DATAGRAM = 1,
    ASYNROLE_EVENT_ERROR = 2
} asynrole_event_type_t;

//  Receive one event (blocks; use a zpoller to wait with a deadline). NULL if
//  interrupted or if the message is not an event.
asynrole_event_t *asynrole_event_recv (zsock_t *socket);

void asynrole_event_destroy (asynrole_event_t **self_p);

asynrole_event_type_t asynrole_event_type (asynrole_event_t *self);

//  The datagram (NULL for an error event); valid while the event lives
const asynrole_datagram_t *asynrole_event_datagram (asynrole_event_t *self);

//  The error (NULL for a datagram event)
const asynrole_error_t *asynrole_event_error (asynrole_event_t *self);

#ifdef __cplusplus
}
#endif
#endif
