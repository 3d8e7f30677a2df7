/*  event_codec.h - the encoder of pipe-mode events (the decoder is
    asynrole_event_recv, in the same file: asynrole_event.c)

    An event is one frame, an asynrole_event_header_t and what follows it,
    sent from the caller's memory without a copy: the caller hands the room
    the frame is written into, and ffn (frame, hint) runs exactly once, when
    libzmq lets go of the frame (the reader destroyed it), or before these
    return -1. That is how a role counts what its reader still holds
    (link.h). Everything written before the send, the frame included, is
    handed to ffn's thread: ffn starts with HANDOFF_ACQUIRE (hint). */
#ifndef ASYNROLE_EVENT_CODEC_H_INCLUDED
#define ASYNROLE_EVENT_CODEC_H_INCLUDED

#include "asynrole_event.h"
#include <zmq.h>

//  The room an error event's frame takes
#define EVENT_ERROR_FRAME (sizeof (asynrole_event_header_t) + sizeof (asynrole_error_t))

//  Send one datagram event: its header is written into the header's room
//  just before the payload, frame == datagram->data - sizeof header (the
//  caller's, writable). 0, or -1 with errno (libzmq refused it).
int event_send_datagram (void *sock, uint8_t *frame, const asynrole_datagram_t *datagram,
                         zmq_free_fn *ffn, void *hint);

//  Send one error event, written into frame (EVENT_ERROR_FRAME bytes); 0 or -1
int event_send_error (void *sock, uint8_t *frame, const asynrole_error_t *error, zmq_free_fn *ffn,
                      void *hint);

#endif
