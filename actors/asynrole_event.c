/*  asynrole_event.c - reads one event from a role's data socket */
#include "asynrole_event.h"
#include <stdlib.h>
#include <string.h>

struct asynrole_event_s {
    asynrole_event_type_t type;    //  datagram or error
    zmsg_t *msg;                   //  the message; datagram.data points into it
    asynrole_datagram_t datagram;  //  for ASYNROLE_EVENT_DATAGRAM
    asynrole_error_t error;        //  for ASYNROLE_EVENT_ERROR
};

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

//  The next frame as an unsigned decimal number
static bool
s_next_number (zmsg_t *msg, unsigned long *value)
{
    zframe_t *frame = zmsg_next (msg);
    if (!frame || zframe_size (frame) == 0 || zframe_size (frame) > 10)
        return false;
    char text[11] = "";
    memcpy (text, zframe_data (frame), zframe_size (frame));
    char *end = NULL;
    *value = strtoul (text, &end, 10);
    return *end == 0;
}

static bool
s_parse (asynrole_event_t *self)
{
    zframe_t *type = zmsg_first (self->msg);
    if (type && zframe_streq (type, "DATAGRAM")) {
        self->type = ASYNROLE_EVENT_DATAGRAM;
        asynrole_datagram_t *datagram = &self->datagram;
        unsigned long ifindex, flags, original;
        if (!s_next_struct (self->msg, &datagram->peer, sizeof datagram->peer)
            || !s_next_struct (self->msg, &datagram->local, sizeof datagram->local)
            || !s_next_number (self->msg, &ifindex) || !s_next_number (self->msg, &flags)
            || !s_next_number (self->msg, &original))
            return false;
        zframe_t *payload = zmsg_next (self->msg);
        if (!payload)
            return false;
        datagram->ifindex = (unsigned) ifindex;
        datagram->flags = (unsigned) flags;
        datagram->original_size = original;
        datagram->data = zframe_data (payload);
        datagram->size = zframe_size (payload);
        return true;
    }
    if (type && zframe_streq (type, "ERROR")) {
        self->type = ASYNROLE_EVENT_ERROR;
        return s_next_struct (self->msg, &self->error, sizeof self->error);
    }
    return false;
}

asynrole_event_t *
asynrole_event_recv (zsock_t *socket)
{
    if (!socket)
        return NULL;
    zmsg_t *msg = zmsg_recv (socket);
    if (!msg)
        return NULL;
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
    return self->type;
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
