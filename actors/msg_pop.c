/*  msg_pop.c - popping binary frames (structs, pointers) off a zmsg */
#include "msg_pop.h"

bool
msg_pop_struct (zmsg_t *msg, void *dest, size_t size)
{
    zframe_t *frame = zmsg_pop (msg);
    bool ok = frame && zframe_size (frame) == size;
    if (ok)
        memcpy (dest, zframe_data (frame), size);
    zframe_destroy (&frame);
    return ok;
}

void *
msg_pop_pointer (zmsg_t *msg)
{
    void *pointer = NULL;
    msg_pop_struct (msg, &pointer, sizeof pointer);
    return pointer;
}
