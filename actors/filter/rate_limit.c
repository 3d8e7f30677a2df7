/*  rate_limit.c - a token bucket per source address

    Tokens are counted in millionths: rate tokens per second over elapsed
    microseconds is exactly rate x elapsed millionths, so a refill is one
    integer multiplication, with nothing lost to rounding however often a
    source is seen. A bucket holds at most burst x 1,000,000 (< 2^53). An
    elapsed time long enough to fill the bucket is not multiplied (it just
    fills it), so nothing overflows; a clock that steps back adds nothing.

    The buckets are one array, taken in _new, and are found through an
    index: open addressing with linear probing over a power of two of
    cells, at least twice the buckets, so that probes stay short. A cell
    holds a bucket's number and its hash's low 32 bits, which tell most
    mismatches without reading the bucket; a match is confirmed on the full
    address, so two sources never share a bucket however their hashes
    collide. Removal shifts the cells after the gap back (no tombstones).
    The hash is keyed with a seed drawn per table, so that spoofed source
    addresses cannot be chosen to pile up on one cell.

    The buckets in use are also on a list, doubly linked by index, most
    recently seen first: when all are in use, a new source takes the last
    one's bucket. */
#include "rate_limit.h"
#include "error_fill.h"
#include "clock.h"
#include "map.h"
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

//  Millionths of a token in a token
#define UNIT 1000000u

//  No bucket (ends of the list)
#define NONE UINT32_MAX

typedef struct {
    uint64_t ip[2];  //  the IPv6 address, or ::ffff:a.b.c.d (bytes as sent)
    uint64_t level;  //  tokens held, in millionths
    int64_t at_us;   //  when level was counted (the latest time seen)
    uint32_t newer;  //  neighbours on the list, towards the most recent
    uint32_t older;  //  and towards the least recent
    uint32_t hash;   //  the address's hash, low bits (finds its cell)
    uint8_t family;  //  AF_INET (v4-mapped too) or AF_INET6
} bucket_t;

typedef struct {
    uint32_t hash;    //  the bucket's hash, low bits
    uint32_t bucket;  //  1 + the bucket's index; 0 = an empty cell
} cell_t;

struct rate_limit_s {
    bucket_t *buckets;   //  max of them
    cell_t *cells;       //  the index: mask + 1 of them
    size_t mask;         //  cells - 1
    uint32_t max;        //  buckets
    uint32_t count;      //  buckets in use: 0..count - 1
    uint32_t newest;     //  ends of the list
    uint32_t oldest;     //
    uint64_t rate;       //  millionths per microsecond = tokens per second
    uint64_t capacity;   //  burst, in millionths
    uint64_t fill_us;    //  microseconds that fill an empty bucket, rounded up
    uint64_t seed;       //  keys the hash
    uint32_t hash_mask;  //  all ones; 0 makes every hash alike (tests)
    uint32_t burst;
};

//  -------------------------------------------------------------------------
//  Keys

//  The source's address and family; false when addr names none
static bool
s_key (const asynrole_addr_t *addr, uint64_t ip[2], uint8_t *family)
{
    int kind = asynrole_addr_family (addr);
    if (kind == AF_INET && addr->len >= sizeof addr->u.in) {
        //  Its v4-mapped form, so that both forms are one source
        uint8_t bytes[16] = { [10] = 0xff, [11] = 0xff };
        memcpy (bytes + 12, &addr->u.in.sin_addr, 4);
        memcpy (ip, bytes, sizeof bytes);
        *family = AF_INET;
        return true;
    }
    if (kind == AF_INET6 && addr->len >= sizeof addr->u.in6) {
        memcpy (ip, &addr->u.in6.sin6_addr, 16);
        *family = IN6_IS_ADDR_V4MAPPED (&addr->u.in6.sin6_addr) ? AF_INET : AF_INET6;
        return true;
    }
    return false;
}

static inline uint32_t
s_hash (const rate_limit_t *self, const uint64_t ip[2])
{
    return (uint32_t) map_hash (map_hash (ip[0] ^ self->seed) ^ ip[1]) & self->hash_mask;
}

//  The cell that holds the source's bucket, or the empty cell that ends
//  its probe (there is one: the index is never more than half full)
static size_t
s_probe (const rate_limit_t *self, const uint64_t ip[2], uint8_t family, uint32_t hash)
{
    size_t at = hash & self->mask;
    for (; self->cells[at].bucket; at = (at + 1) & self->mask) {
        if (self->cells[at].hash != hash)
            continue;
        const bucket_t *bucket = &self->buckets[self->cells[at].bucket - 1];
        if (bucket->ip[0] == ip[0] && bucket->ip[1] == ip[1] && bucket->family == family)
            break;
    }
    return at;
}

//  Take the bucket out of the index: shift back the cells after it that
//  would not be found past the gap
static void
s_unindex (rate_limit_t *self, uint32_t index)
{
    size_t gap = self->buckets[index].hash & self->mask;
    while (self->cells[gap].bucket != index + 1)
        gap = (gap + 1) & self->mask;
    for (size_t next = (gap + 1) & self->mask; self->cells[next].bucket;
         next = (next + 1) & self->mask) {
        size_t home = self->cells[next].hash & self->mask;
        bool stays = gap <= next ? gap < home && home <= next : gap < home || home <= next;
        if (!stays) {
            self->cells[gap] = self->cells[next];
            gap = next;
        }
    }
    self->cells[gap] = (cell_t){ 0, 0 };
}

//  -------------------------------------------------------------------------
//  The list, most recently seen first

static void
s_unlink (rate_limit_t *self, uint32_t index)
{
    bucket_t *bucket = &self->buckets[index];
    if (bucket->newer == NONE)
        self->newest = bucket->older;
    else
        self->buckets[bucket->newer].older = bucket->older;
    if (bucket->older == NONE)
        self->oldest = bucket->newer;
    else
        self->buckets[bucket->older].newer = bucket->newer;
}

static void
s_push (rate_limit_t *self, uint32_t index)
{
    bucket_t *bucket = &self->buckets[index];
    bucket->newer = NONE;
    bucket->older = self->newest;
    if (self->newest == NONE)
        self->oldest = index;
    else
        self->buckets[self->newest].newer = index;
    self->newest = index;
}

//  -------------------------------------------------------------------------
//  Tokens

//  What the bucket holds at now_us
static uint64_t
s_level (const rate_limit_t *self, const bucket_t *bucket, int64_t now_us)
{
    if (now_us <= bucket->at_us)
        return bucket->level;  //  no time passed, or the clock stepped back
    //  Unsigned: the difference of two int64_t, later minus earlier, fits
    uint64_t elapsed = (uint64_t) now_us - (uint64_t) bucket->at_us;
    if (elapsed >= self->fill_us)
        return self->capacity;
    //  elapsed x rate < fill_us x rate <= capacity + rate < 2^54
    uint64_t level = bucket->level + elapsed * self->rate;
    return level < self->capacity ? level : self->capacity;
}

//  A new source, in the cell at: a bucket of its own, or the oldest one's
static uint32_t
s_add (rate_limit_t *self, size_t at, const uint64_t ip[2], uint8_t family, uint32_t hash,
       int64_t now_us)
{
    uint32_t index;
    if (self->count < self->max)
        index = self->count++;
    else {
        index = self->oldest;
        s_unindex (self, index);
        s_unlink (self, index);
        //  The shift may have opened a gap earlier on the probe
        at = s_probe (self, ip, family, hash);
    }
    self->buckets[index] = (bucket_t){ .ip = { ip[0], ip[1] },
                                       .level = self->capacity,
                                       .at_us = now_us,
                                       .hash = hash,
                                       .family = family };
    self->cells[at] = (cell_t){ hash, index + 1 };
    s_push (self, index);
    return index;
}

bool
rate_limit_take (rate_limit_t *self, const asynrole_addr_t *source, int64_t now_us)
{
    uint64_t ip[2];
    uint8_t family;
    if (!s_key (source, ip, &family))
        return true;
    uint32_t hash = s_hash (self, ip);
    size_t at = s_probe (self, ip, family, hash);
    uint32_t index;
    if (self->cells[at].bucket) {
        index = self->cells[at].bucket - 1;
        bucket_t *bucket = &self->buckets[index];
        bucket->level = s_level (self, bucket, now_us);
        //  Never back: the time between would be counted twice
        if (now_us > bucket->at_us)
            bucket->at_us = now_us;
        if (index != self->newest) {
            s_unlink (self, index);
            s_push (self, index);
        }
    }
    else
        index = s_add (self, at, ip, family, hash, now_us);
    bucket_t *bucket = &self->buckets[index];
    if (bucket->level < UNIT)
        return false;
    bucket->level -= UNIT;
    return true;
}

uint32_t
rate_limit_tokens (const rate_limit_t *self, const asynrole_addr_t *source, int64_t now_us)
{
    uint64_t ip[2];
    uint8_t family;
    if (!s_key (source, ip, &family))
        return self->burst;
    size_t at = s_probe (self, ip, family, s_hash (self, ip));
    if (!self->cells[at].bucket)
        return self->burst;
    return (uint32_t) (s_level (self, &self->buckets[self->cells[at].bucket - 1], now_us) / UNIT);
}

//  -------------------------------------------------------------------------
//  The table

static uint64_t
s_seed (const rate_limit_t *self)
{
    uint64_t seed;
    if (getrandom (&seed, sizeof seed, GRND_NONBLOCK) == (ssize_t) sizeof seed)
        return seed;
    //  No entropy yet (early boot): still differs between tables and runs
    return map_hash ((uint64_t) clock_us () ^ (uint64_t) (uintptr_t) self);
}

rate_limit_t *
rate_limit_new (uint32_t rate, uint32_t burst, size_t max_sources, asynrole_error_t *error)
{
    if (rate == 0 || burst == 0) {
        error_badarg (error, "rate and burst must be at least 1: rate %u, burst %u", rate, burst);
        return NULL;
    }
    if (max_sources > RATE_LIMIT_SOURCES_MAX) {
        error_badarg (error, "max_sources above %u: %zu", RATE_LIMIT_SOURCES_MAX, max_sources);
        return NULL;
    }
    size_t max = max_sources ? max_sources : RATE_LIMIT_SOURCES_DEFAULT;
    size_t cells = 1;
    while (cells < 2 * max)
        cells *= 2;
    rate_limit_t *self = calloc (1, sizeof *self);
    if (self) {
        self->buckets = malloc (max * sizeof *self->buckets);
        self->cells = calloc (cells, sizeof *self->cells);
    }
    if (!self || !self->buckets || !self->cells) {
        rate_limit_destroy (&self);
        error_nomem (error, "a rate limit's table");
        return NULL;
    }
    self->mask = cells - 1;
    self->max = (uint32_t) max;
    self->newest = self->oldest = NONE;
    self->rate = rate;
    self->burst = burst;
    self->capacity = (uint64_t) burst * UNIT;
    self->fill_us = (self->capacity + rate - 1) / rate;
    self->seed = s_seed (self);
    self->hash_mask = UINT32_MAX;
    return self;
}

void
rate_limit_destroy (rate_limit_t **self_p)
{
    rate_limit_t *self = *self_p;
    *self_p = NULL;
    if (self) {
        free (self->buckets);
        free (self->cells);
        free (self);
    }
}

size_t
rate_limit_sources (const rate_limit_t *self)
{
    return self->count;
}

void
rate_limit_test_collide (rate_limit_t *self)
{
    if (self->count == 0)
        self->hash_mask = 0;
}
