/*  frames.c - reading frames off a zmsg, and waiting with a deadline */
#include "frames.h"
#include "clock.h"
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool
frames_pop_struct (zmsg_t *msg, void *dest, size_t size)
{
    zframe_t *frame = zmsg_pop (msg);
    bool ok = frame && zframe_size (frame) == size;
    if (ok && size)
        memcpy (dest, zframe_data (frame), size);
    zframe_destroy (&frame);
    return ok;
}

bool
frames_pop_pointer (zmsg_t *msg, void **pointer)
{
    return frames_pop_struct (msg, pointer, sizeof *pointer);
}

bool
frames_pop_number (zmsg_t *msg, long long min, long long max, long long *value)
{
    zframe_t *frame = zmsg_pop (msg);
    char text[24] = "";
    size_t size = frame ? zframe_size (frame) : 0;
    bool ok = frame && size > 0 && size < sizeof text;
    if (ok)
        memcpy (text, zframe_data (frame), size);
    zframe_destroy (&frame);
    //  Decimal digits, with a minus sign at most: no blanks, no plus
    if (!ok
        || !(isdigit ((unsigned char) text[0])
             || (text[0] == '-' && isdigit ((unsigned char) text[1]))))
        return false;
    char *end = NULL;
    errno = 0;
    long long number = strtoll (text, &end, 10);
    if (errno || *end != 0 || number < min || number > max)
        return false;
    *value = number;
    return true;
}

int
frames_wait (void *sock, int timeout_ms)
{
    int64_t deadline = clock_ms () + timeout_ms;
    while (true) {
        zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
        int rc = zmq_poll (&item, 1, clock_left (deadline));
        if (rc > 0)
            return 1;
        if (rc == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}
