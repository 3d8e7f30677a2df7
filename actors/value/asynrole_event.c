/*  asynrole_event.c - pipe-mode events: the encoder (for the role actor) and
    the decoder (asynrole_event_recv), side by side so they cannot drift.
    An event is one frame (asynrole_event.h): one zero-copy message to send,
    one zmq_msg_recv to read, no copy of the payload either way. */
#include "asynrole_event.h"
#include "event_codec.h"
#include "frames.h"
#include "role_batch.h"
#include "tsan.h"
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

//  Names the hand-off from role threads to readers, for ThreadSanitizer
static char s_handoff;

struct asynrole_event_s {
    asynrole_event_type_t type;  //  datagram or error
    zmq_msg_t msg;               //  the frame; datagram.data points into it
    union {
        asynrole_datagram_t datagram;  //  ASYNROLE_EVENT_DATAGRAM
        asynrole_error_t error;        //  ASYNROLE_EVENT_ERROR
    } u;
};

//  -------------------------------------------------------------------------
//  Encoder

//  Send size bytes at frame as one message, zero-copy; ffn runs whatever happens
static int
s_send (void *sock, uint8_t *frame, size_t size, zmq_free_fn *ffn, void *hint)
{
    //  To the reader, and to whoever runs ffn (it acquires hint)
    HANDOFF_RELEASE (&s_handoff);
    HANDOFF_RELEASE (hint);
    zmq_msg_t msg;
    if (zmq_msg_init_data (&msg, frame, size, ffn, hint)) {
        ffn (frame, hint);
        return -1;
    }
    if (zmq_msg_send (&msg, sock, ZMQ_DONTWAIT) >= 0)
        return 0;
    int err = errno;
    zmq_msg_close (&msg);  //  runs ffn
    errno = err;
    return -1;
}

int
event_send_datagram (void *sock, uint8_t *frame, const asynrole_datagram_t *datagram,
                     zmq_free_fn *ffn, void *hint)
{
    asynrole_event_header_t header = {
        .magic = ASYNROLE_EVENT_MAGIC,
        .type = ASYNROLE_EVENT_DATAGRAM,
        .size = (uint32_t) datagram->size,
        .original_size = (uint32_t) datagram->original_size,
        .ifindex = datagram->ifindex,
        .flags = datagram->flags,
        .peer = datagram->peer,
        .local = datagram->local,
    };
    assert (datagram->data == frame + sizeof header);
    memcpy (frame, &header, sizeof header);
    return s_send (sock, frame, sizeof header + datagram->size, ffn, hint);
}

int
event_send_error (void *sock, uint8_t *frame, const asynrole_error_t *error, zmq_free_fn *ffn,
                  void *hint)
{
    asynrole_event_header_t header = {
        .magic = ASYNROLE_EVENT_MAGIC,
        .type = ASYNROLE_EVENT_ERROR,
        .size = sizeof *error,
    };
    memcpy (frame, &header, sizeof header);
    memcpy (frame + sizeof header, error, sizeof *error);
    return s_send (sock, frame, EVENT_ERROR_FRAME, ffn, hint);
}

//  -------------------------------------------------------------------------
//  Decoder

static bool
s_parse_datagram (asynrole_event_t *self, const asynrole_event_header_t *header,
                  const uint8_t *payload)
{
    if (header->peer.len > sizeof header->peer.u || header->local.len > sizeof header->local.u)
        return false;
    asynrole_datagram_t *datagram = &self->u.datagram;
    datagram->data = payload;
    datagram->size = header->size;
    datagram->original_size = header->original_size;
    datagram->peer = header->peer;
    datagram->local = header->local;
    datagram->ifindex = header->ifindex;
    datagram->flags = header->flags;
    return true;
}

static bool
s_parse_error (asynrole_event_t *self, const asynrole_event_header_t *header, const uint8_t *body)
{
    asynrole_error_t *error = &self->u.error;
    if (header->size != sizeof *error)
        return false;
    memcpy (error, body, sizeof *error);
    //  The detail is text for people: make sure it ends
    error->detail[sizeof error->detail - 1] = 0;
    return error->address.len <= sizeof error->address.u;
}

//  The frame as an event; false when it is not one
static bool
s_parse (asynrole_event_t *self)
{
    const uint8_t *frame = zmq_msg_data (&self->msg);
    size_t size = zmq_msg_size (&self->msg);
    asynrole_event_header_t header;
    if (zmq_msg_more (&self->msg) || size < sizeof header)
        return false;
    memcpy (&header, frame, sizeof header);
    if (header.magic != ASYNROLE_EVENT_MAGIC || header.size != size - sizeof header)
        return false;
    self->type = (asynrole_event_type_t) header.type;
    if (header.type == ASYNROLE_EVENT_DATAGRAM)
        return s_parse_datagram (self, &header, frame + sizeof header);
    if (header.type == ASYNROLE_EVENT_ERROR)
        return s_parse_error (self, &header, frame + sizeof header);
    return false;
}

//  The next message into msg, waiting at most timeout ms: 0, or -1. What
//  is there already is taken without a poll.
static int
s_take (void *socket, zmq_msg_t *msg, int timeout)
{
    if (zmq_msg_recv (msg, socket, ZMQ_DONTWAIT) >= 0)
        return 0;
    if (errno != EAGAIN || timeout <= 0)
        return -1;
    //  Sends this thread holds go before it waits: a callback's batch is
    //  pushed (its callback may wait here for what its own send brings
    //  about, from a pipe-mode role of the same program), a hold ends
    role_batch_flush ();
    role_hold_end_waiting ();
    if (frames_wait (socket, timeout) <= 0)
        return -1;
    return zmq_msg_recv (msg, socket, ZMQ_DONTWAIT) >= 0 ? 0 : -1;
}

//  Drop the rest of a message that is not an event: its frames are all
//  there (libzmq delivers a message whole), so this ends
static void
s_discard (void *socket, zmq_msg_t *msg)
{
    while (zmq_msg_more (msg) && zmq_msg_recv (msg, socket, ZMQ_DONTWAIT) >= 0)
        ;
    zmq_msg_close (msg);
}

asynrole_event_t *
asynrole_event_recv (void *socket, int timeout)
{
    if (!socket)
        return NULL;
    asynrole_event_t *self = malloc (sizeof *self);
    if (!self)
        return NULL;
    zmq_msg_init (&self->msg);
    if (s_take (socket, &self->msg, timeout)) {
        zmq_msg_close (&self->msg);
        free (self);
        return NULL;
    }
    HANDOFF_ACQUIRE (&s_handoff);
    if (!s_parse (self)) {
        s_discard (socket, &self->msg);
        free (self);
        return NULL;
    }
    return self;
}

void
asynrole_event_destroy (asynrole_event_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zmq_msg_close (&(*self_p)->msg);
    free (*self_p);
    *self_p = NULL;
}

asynrole_event_type_t
asynrole_event_type (asynrole_event_t *self)
{
    return self ? self->type : 0;
}

const asynrole_datagram_t *
asynrole_event_datagram (asynrole_event_t *self)
{
    return self && self->type == ASYNROLE_EVENT_DATAGRAM ? &self->u.datagram : NULL;
}

const asynrole_error_t *
asynrole_event_error (asynrole_event_t *self)
{
    return self && self->type == ASYNROLE_EVENT_ERROR ? &self->u.error : NULL;
}
