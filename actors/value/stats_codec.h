/*  stats_codec.h - the one encoder and decoder of STATS answers

    A STATS answer is "ib": the count as text, then count asynrole_stats_t
    records in one binary frame (count -1 and no records when the counters
    could not be had). The I/O actor's pipe, its answers to roles (behind a
    name and a sequence number) and the roles' pipes all use it. */
#ifndef ASYNROLE_STATS_CODEC_H_INCLUDED
#define ASYNROLE_STATS_CODEC_H_INCLUDED

#include "asynrole_types.h"
#include <czmq.h>

//  The two frames of an answer; count -1 (records NULL) for a failed one.
//  NULL when out of memory.
zmsg_t *stats_encode (const asynrole_stats_t *records, int count);

//  Pop the two frames of an answer; fill at most max records. Returns the
//  count, or -1 with error filled (a failed or malformed answer).
int stats_decode (zmsg_t *msg, asynrole_stats_t *stats, size_t max, asynrole_error_t *error);

#endif
