/*  stats_codec.c - the one encoder and decoder of STATS answers */
#include "stats_codec.h"
#include "error_fill.h"
#include "frames.h"
#include <errno.h>

zmsg_t *
stats_encode (const asynrole_stats_t *records, int count)
{
    zmsg_t *msg = zmsg_new ();
    if (!msg)
        return NULL;
    size_t size = count > 0 ? (size_t) count * sizeof *records : 0;
    if (zmsg_addstrf (msg, "%d", count) || zmsg_addmem (msg, count > 0 ? records : NULL, size))
        zmsg_destroy (&msg);
    return msg;
}

int
stats_decode (zmsg_t *msg, asynrole_stats_t *stats, size_t max, asynrole_error_t *error)
{
    long long count = -1;
    if (!frames_pop_number (msg, -1, INT32_MAX, &count))
        return error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_CONTROL, 0,
                          "not a STATS answer: no count");
    zframe_t *records = zmsg_pop (msg);
    bool sized = records
        && zframe_size (records) == (size_t) (count > 0 ? count : 0) * sizeof (asynrole_stats_t);
    if (sized && stats && count > 0)
        memcpy (stats, zframe_data (records),
                ((size_t) count < max ? (size_t) count : max) * sizeof *stats);
    zframe_destroy (&records);
    if (!sized)
        return error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_CONTROL, 0,
                          "not a STATS answer: %lld records announced, another size sent", count);
    if (count < 0)
        return error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_CONTROL, 0,
                          "the actor could not get the counters");
    error_clear (error);
    return (int) count;
}

int
asynrole_stats_recv (void *actor, asynrole_stats_t *stats, size_t max, int timeout,
                     asynrole_error_t *error)
{
    if (!actor)
        return error_badarg (error, "no actor pipe");
    int ready = frames_wait (actor, timeout > 0 ? timeout : 0);
    if (ready == 0)
        return error_set (error, ASYNROLE_ETIMEOUT, ASYNROLE_OP_CONTROL, ETIMEDOUT,
                          "no STATS answer within %d ms", timeout);
    zmsg_t *msg = ready > 0 ? zmsg_recv (actor) : NULL;
    if (!msg)
        return error_zmq (error, errno, "cannot read the STATS answer");
    int count = stats_decode (msg, stats, max, error);
    zmsg_destroy (&msg);
    return count;
}
