/*  rate_limit.h - a token bucket per source address

    For the I/O actor's hot path: all memory is taken in _new, a take is
    O(1) (one hash look-up, and at most one eviction), nothing is locked.
    Tokens are counted in integer millionths, so refills are exact: no
    drift however often a source is seen, no overflow however long it was
    idle or however large rate and burst are. */
#ifndef ASYNROLE_RATE_LIMIT_H_INCLUDED
#define ASYNROLE_RATE_LIMIT_H_INCLUDED

#include "asynrole_types.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Sources tracked when max_sources is 0, and the most max_sources may be
#define RATE_LIMIT_SOURCES_DEFAULT 65536
#define RATE_LIMIT_SOURCES_MAX 16777216

typedef struct rate_limit_s rate_limit_t;

//  Buckets of burst tokens refilled at rate per second, one per source IP
//  (the port and the scope id are ignored; a v4-mapped IPv6 address is its
//  IPv4 address). A new source starts with a full bucket. At most
//  max_sources are tracked (0 = 65,536): a new source past that takes the
//  bucket of the one seen least recently (which starts full if it comes
//  back). All memory is taken here: 48 bytes per source, and 8 per index
//  cell (a power of two of them, at least twice max_sources). NULL with
//  ASYNROLE_EBADARG (rate 0, burst 0, max_sources above 16,777,216) or
//  ASYNROLE_ENOMEM.
rate_limit_t *rate_limit_new (uint32_t rate, uint32_t burst, size_t max_sources,
                              asynrole_error_t *error);
void rate_limit_destroy (rate_limit_t **self_p);

//  May a datagram from source pass at now_us (a monotonic clock)? Takes a
//  token when it may. Seeing a source (passed or not) makes it the most
//  recently seen. An address that is neither IPv4 nor IPv6 (or empty, or
//  NULL) names no source and always passes, tracked nowhere. A clock that
//  steps back adds no token (the bucket keeps its latest time). One thread
//  only; never allocates; O(1).
bool rate_limit_take (rate_limit_t *self, const asynrole_addr_t *source, int64_t now_us);

//  Sources tracked now
size_t rate_limit_sources (const rate_limit_t *self);

//  Whole tokens source would hold at now_us, without taking one or
//  changing anything (burst for a source not tracked, or not limited)
uint32_t rate_limit_tokens (const rate_limit_t *self, const asynrole_addr_t *source,
                            int64_t now_us);

//  Tests only, on a table that has seen no source yet: give every address
//  the same hash, so that only the full comparison tells sources apart
//  (and every look-up probes them all)
void rate_limit_test_collide (rate_limit_t *self);

#endif
