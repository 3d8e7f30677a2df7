/*  stats_codec.c - the one encoder and decoder of counter answers */
#include "stats_codec.h"
#include "asynrole_request.h"
#include "error_fill.h"
#include "frames.h"
#include <errno.h>

zmsg_t *
records_encode (const void *records, size_t size, int count)
{
    zmsg_t *msg = zmsg_new ();
    if (!msg)
        return NULL;
    size_t bytes = count > 0 ? (size_t) count * size : 0;
    if (zmsg_addstrf (msg, "%d", count) || zmsg_addmem (msg, count > 0 ? records : NULL, bytes))
        zmsg_destroy (&msg);
    return msg;
}

int
records_decode (zmsg_t *msg, void *records, size_t size, size_t max, const char *what,
                asynrole_error_t *error)
{
    long long count = -1;
    if (!frames_pop_number (msg, -1, INT32_MAX, &count))
        return error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_CONTROL, 0,
                          "not a %s answer: no count", what);
    zframe_t *frame = zmsg_pop (msg);
    bool sized = frame && zframe_size (frame) == (size_t) (count > 0 ? count : 0) * size;
    if (sized && records && count > 0)
        memcpy (records, zframe_data (frame), ((size_t) count < max ? (size_t) count : max) * size);
    zframe_destroy (&frame);
    if (!sized)
        return error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_CONTROL, 0,
                          "not a %s answer: %lld records announced, another size sent", what,
                          count);
    if (count < 0)
        return error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_CONTROL, 0,
                          "the actor could not get the counters (%s)", what);
    error_clear (error);
    return (int) count;
}

zmsg_t *
stats_encode (const asynrole_stats_t *records, int count)
{
    return records_encode (records, sizeof *records, count);
}

int
stats_decode (zmsg_t *msg, asynrole_stats_t *stats, size_t max, asynrole_error_t *error)
{
    return records_decode (msg, stats, sizeof *stats, max, "STATS", error);
}

int
records_recv (void *actor, void *records, size_t size, size_t max, int timeout, const char *what,
              asynrole_error_t *error)
{
    if (!actor)
        return error_badarg (error, "no actor pipe");
    int ready = frames_wait (actor, timeout > 0 ? timeout : 0);
    if (ready == 0)
        return error_set (error, ASYNROLE_ETIMEOUT, ASYNROLE_OP_CONTROL, ETIMEDOUT,
                          "no %s answer within %d ms", what, timeout);
    zmsg_t *msg = ready > 0 ? zmsg_recv (actor) : NULL;
    if (!msg)
        return error_zmq (error, errno, "cannot read a counters answer");
    int count = records_decode (msg, records, size, max, what, error);
    zmsg_destroy (&msg);
    return count;
}

int
asynrole_stats_recv (void *actor, asynrole_stats_t *stats, size_t max, int timeout,
                     asynrole_error_t *error)
{
    return records_recv (actor, stats, sizeof *stats, max, timeout, "STATS", error);
}

int
asynrole_destinations_recv (void *actor, asynrole_destination_stats_t *stats, size_t max,
                            int timeout, asynrole_error_t *error)
{
    return records_recv (actor, stats, sizeof *stats, max, timeout, "DESTINATIONS", error);
}

int
asynrole_requests_stats_recv (void *actor, asynrole_requests_stats_t *stats, int timeout,
                              asynrole_error_t *error)
{
    int count = records_recv (actor, stats, sizeof *stats, 1, timeout, "REQUESTS", error);
    if (count == 1)
        return 0;
    if (count >= 0)
        return error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_CONTROL, 0,
                          "a REQUESTS answer holds %d records, not 1", count);
    return -1;
}
