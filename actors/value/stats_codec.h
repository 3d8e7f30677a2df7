/*  stats_codec.h - the one encoder and decoder of counter answers

    A counter answer is "ib": the count as text, then count records in one
    binary frame (count -1 and no records when the counters could not be
    had). STATS answers carry asynrole_stats_t records: the I/O actor's
    pipe, its answers to roles (behind a name and a sequence number) and
    the roles' pipes all use them. A Manager's DESTINATIONS and REQUESTS
    answers carry the request engine's records the same way. */
#ifndef ASYNROLE_STATS_CODEC_H_INCLUDED
#define ASYNROLE_STATS_CODEC_H_INCLUDED

#include "asynrole_types.h"
#include <czmq.h>

//  The two frames of an answer of count records of size bytes each; count
//  -1 (records NULL) for a failed one. NULL when out of memory.
zmsg_t *records_encode (const void *records, size_t size, int count);

//  Pop the two frames of an answer named what; fill at most max records of
//  size bytes. Returns the count, or -1 with error filled (a failed or
//  malformed answer).
int records_decode (zmsg_t *msg, void *records, size_t size, size_t max, const char *what,
                    asynrole_error_t *error);

//  The same, for STATS answers
zmsg_t *stats_encode (const asynrole_stats_t *records, int count);
int stats_decode (zmsg_t *msg, asynrole_stats_t *stats, size_t max, asynrole_error_t *error);

//  Wait at most timeout ms on actor for a counter answer, and decode it
int records_recv (void *actor, void *records, size_t size, size_t max, int timeout,
                  const char *what, asynrole_error_t *error);

#endif
