/*  event_codec.h - the encoder of pipe-mode events (the decoder is
    asynrole_event_recv, in the same file: asynrole_event.c)

    An event's last frame (the payload, or the error) refers to the caller's
    memory without a copy: ffn (data, hint) runs exactly once, when libzmq
    lets go of that frame (the reader destroyed it), or before these return
    -1. That is how a role counts what its reader still holds (link.h). */
#ifndef ASYNROLE_EVENT_CODEC_H_INCLUDED
#define ASYNROLE_EVENT_CODEC_H_INCLUDED

#include "asynrole_types.h"
#include <zmq.h>

//  Send one "DATAGRAM" event; 0, or -1 with errno (libzmq refused it)
int event_send_datagram (void *sock, const asynrole_datagram_t *datagram, zmq_free_fn *ffn,
                         void *hint);

//  Send one "ERROR" event whose frame is *error (kept until ffn); 0 or -1
int event_send_error (void *sock, const asynrole_error_t *error, zmq_free_fn *ffn, void *hint);

#endif
