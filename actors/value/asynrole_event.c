/*  asynrole_event.c - pipe-mode events: the encoder (for the role actor) and
    the decoder (asynrole_event_recv), side by side so they cannot drift */
#include "asynrole_event.h"
#include "event_codec.h"
#include "frames.h"
#include "tsan.h"
#include <czmq.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

//  Names the hand-off from role threads to readers, for ThreadSanitizer
static char s_handoff;

struct asynrole_event_s {
    asynrole_event_type_t type;    //  datagram or error
    zmsg_t *msg;                   //  the message; datagram.data points into it
    asynrole_datagram_t datagram;  //  for ASYNROLE_EVENT_DATAGRAM
    asynrole_error_t error;        //  for ASYNROLE_EVENT_ERROR
};

//  -------------------------------------------------------------------------
//  Encoder

//  Send frames, all with more to come; -1 at the first that libzmq refuses
static int
s_send_more (void *sock, const void *const *data, const size_t *sizes, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (zmq_send (sock, data[i], sizes[i], ZMQ_SNDMORE) < 0)
            return -1;
    return 0;
}

//  The last frame, zero-copy; ffn runs whatever happens
static int
s_send_last (void *sock, const void *data, size_t size, zmq_free_fn *ffn, void *hint)
{
    zmq_msg_t msg;
    if (zmq_msg_init_data (&msg, (void *) data, size, ffn, hint)) {
        ffn ((void *) data, hint);
        return -1;
    }
    int rc = zmq_msg_send (&msg, sock, 0);
    if (rc < 0) {
        int err = errno;
        zmq_msg_close (&msg);  //  runs ffn
        errno = err;
    }
    return rc < 0 ? -1 : 0;
}

int
event_send_datagram (void *sock, const asynrole_datagram_t *datagram, zmq_free_fn *ffn, void *hint)
{
    char number[3][16];
    int lengths[3] = {
        snprintf (number[0], sizeof number[0], "%u", datagram->ifindex),
        snprintf (number[1], sizeof number[1], "%u", datagram->flags),
        snprintf (number[2], sizeof number[2], "%zu", datagram->original_size),
    };
    const void *data[] = { "DATAGRAM", &datagram->peer, &datagram->local,
                           number[0],  number[1],       number[2] };
    const size_t sizes[] = { 8,
                             sizeof datagram->peer,
                             sizeof datagram->local,
                             (size_t) lengths[0],
                             (size_t) lengths[1],
                             (size_t) lengths[2] };
    HANDOFF_RELEASE (&s_handoff);
    if (s_send_more (sock, data, sizes, 6)) {
        ffn ((void *) datagram->data, hint);
        return -1;
    }
    return s_send_last (sock, datagram->data, datagram->size, ffn, hint);
}

int
event_send_error (void *sock, const asynrole_error_t *error, zmq_free_fn *ffn, void *hint)
{
    HANDOFF_RELEASE (&s_handoff);
    if (zmq_send (sock, "ERROR", 5, ZMQ_SNDMORE) < 0) {
        ffn ((void *) error, hint);
        return -1;
    }
    return s_send_last (sock, error, sizeof *error, ffn, hint);
}

//  -------------------------------------------------------------------------
//  Decoder

//  Copy the next frame into dest if it has exactly size bytes
static bool
s_next_struct (zmsg_t *msg, void *dest, size_t size)
{
    zframe_t *frame = zmsg_next (msg);
    if (!frame || zframe_size (frame) != size)
        return false;
    memcpy (dest, zframe_data (frame), size);
    return true;
}

//  The next frame as an unsigned decimal number below limit
static bool
s_next_number (zmsg_t *msg, unsigned long long limit, unsigned long long *value)
{
    zframe_t *frame = zmsg_next (msg);
    if (!frame || zframe_size (frame) == 0 || zframe_size (frame) > 20)
        return false;
    char text[21] = "";
    memcpy (text, zframe_data (frame), zframe_size (frame));
    if (text[0] < '0' || text[0] > '9')
        return false;
    char *end = NULL;
    errno = 0;
    *value = strtoull (text, &end, 10);
    return errno == 0 && *end == 0 && *value < limit;
}

static bool
s_parse_datagram (asynrole_event_t *self)
{
    asynrole_datagram_t *datagram = &self->datagram;
    unsigned long long ifindex, flags, original;
    if (!s_next_struct (self->msg, &datagram->peer, sizeof datagram->peer)
        || !s_next_struct (self->msg, &datagram->local, sizeof datagram->local)
        || !s_next_number (self->msg, UINT32_MAX + 1ull, &ifindex)
        || !s_next_number (self->msg, UINT32_MAX + 1ull, &flags)
        || !s_next_number (self->msg, SIZE_MAX, &original))
        return false;
    zframe_t *payload = zmsg_next (self->msg);
    if (!payload || zmsg_next (self->msg) || datagram->peer.len > sizeof datagram->peer.u
        || datagram->local.len > sizeof datagram->local.u)
        return false;
    datagram->ifindex = (unsigned) ifindex;
    datagram->flags = (unsigned) flags;
    datagram->original_size = (size_t) original;
    datagram->data = zframe_data (payload);
    datagram->size = zframe_size (payload);
    return true;
}

static bool
s_parse (asynrole_event_t *self)
{
    zframe_t *type = zmsg_first (self->msg);
    if (type && zframe_streq (type, "DATAGRAM")) {
        self->type = ASYNROLE_EVENT_DATAGRAM;
        return s_parse_datagram (self);
    }
    if (type && zframe_streq (type, "ERROR")) {
        self->type = ASYNROLE_EVENT_ERROR;
        if (!s_next_struct (self->msg, &self->error, sizeof self->error) || zmsg_next (self->msg))
            return false;
        //  The detail is text for people: make sure it ends
        self->error.detail[sizeof self->error.detail - 1] = 0;
        return self->error.address.len <= sizeof self->error.address.u;
    }
    return false;
}

asynrole_event_t *
asynrole_event_recv (void *socket, int timeout)
{
    if (!socket || frames_wait (socket, timeout > 0 ? timeout : 0) <= 0)
        return NULL;
    zmsg_t *msg = zmsg_recv (socket);
    if (!msg)
        return NULL;
    HANDOFF_ACQUIRE (&s_handoff);
    asynrole_event_t *self = calloc (1, sizeof *self);
    if (!self) {
        zmsg_destroy (&msg);
        return NULL;
    }
    self->msg = msg;
    if (!s_parse (self))
        asynrole_event_destroy (&self);
    return self;
}

void
asynrole_event_destroy (asynrole_event_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zmsg_destroy (&(*self_p)->msg);
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
    return self && self->type == ASYNROLE_EVENT_DATAGRAM ? &self->datagram : NULL;
}

const asynrole_error_t *
asynrole_event_error (asynrole_event_t *self)
{
    return self && self->type == ASYNROLE_EVENT_ERROR ? &self->error : NULL;
}
