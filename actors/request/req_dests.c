/*  req_dests.c - the request engine's destinations */
#include "req_dests.h"
#include "bounds.h"
#include <stdlib.h>
#include <string.h>

void
req_dests_init (req_dests_t *self)
{
    memset (self, 0, sizeof *self);
    map_init (&self->by_addr);
    map_init (&self->by_host);
}

void
req_dests_destroy (req_dests_t *self)
{
    free (self->dests);
    map_destroy (&self->by_addr);
    map_destroy (&self->by_host);
    memset (self, 0, sizeof *self);
}

//  The bytes of an address that say which host it is
static const void *
s_host (const asynrole_addr_t *address, size_t *size)
{
    if (asynrole_addr_family (address) == AF_INET6) {
        *size = sizeof address->u.in6.sin6_addr;
        return &address->u.in6.sin6_addr;
    }
    *size = sizeof address->u.in.sin_addr;
    return &address->u.in.sin_addr;
}

static uint64_t
s_addr_hash (const asynrole_addr_t *address)
{
    size_t size;
    const void *host = s_host (address, &size);
    return map_hash_bytes (host, size) ^ map_hash (asynrole_addr_port (address));
}

static uint64_t
s_host_hash (const asynrole_addr_t *address)
{
    size_t size;
    const void *host = s_host (address, &size);
    return map_hash_bytes (host, size) ^ (uint64_t) asynrole_addr_family (address);
}

static bool
s_same_host (const asynrole_addr_t *a, const asynrole_addr_t *b)
{
    if (asynrole_addr_family (a) != asynrole_addr_family (b))
        return false;
    size_t size;
    const void *host_a = s_host (a, &size);
    const void *host_b = s_host (b, &size);
    return memcmp (host_a, host_b, size) == 0;
}

uint32_t
req_dests_find (const req_dests_t *self, const asynrole_addr_t *address)
{
    uint32_t at;
    if (!map_get (&self->by_addr, s_addr_hash (address), &at))
        return REQ_NONE;
    for (; at != REQ_NONE; at = self->dests[at].same_hash)
        if (asynrole_addr_equal (&self->dests[at].stats.destination, address))
            return at;
    return REQ_NONE;
}

uint32_t
req_dests_host (const req_dests_t *self, const asynrole_addr_t *address)
{
    uint32_t at;
    if (!map_get (&self->by_host, s_host_hash (address), &at))
        return REQ_NONE;
    for (; at != REQ_NONE; at = self->dests[at].same_host)
        if (s_same_host (&self->dests[at].stats.destination, address))
            return at;
    return REQ_NONE;
}

//  Put a new record in its two chains: the maps first, which alone may fail
static bool
s_link (req_dests_t *self, uint32_t at)
{
    const asynrole_addr_t *address = &self->dests[at].stats.destination;
    uint64_t hash = s_addr_hash (address);
    uint32_t same_hash = REQ_NONE;
    bool collides = map_get (&self->by_addr, hash, &same_hash);
    uint32_t first = req_dests_host (self, address);
    if (!map_put (&self->by_addr, hash, at))
        return false;
    if (first == REQ_NONE && !map_put (&self->by_host, s_host_hash (address), at)) {
        if (collides)
            map_put (&self->by_addr, hash, same_hash);  //  a replacement: cannot fail
        else
            map_remove (&self->by_addr, hash);
        return false;
    }
    self->dests[at].same_hash = same_hash;
    //  After the first record of its host, which the host map names
    self->dests[at].same_host = first == REQ_NONE ? REQ_NONE : self->dests[first].same_host;
    if (first != REQ_NONE)
        self->dests[first].same_host = at;
    return true;
}

uint32_t
req_dests_get (req_dests_t *self, const asynrole_addr_t *destination)
{
    uint32_t at = req_dests_find (self, destination);
    if (at != REQ_NONE)
        return at;
    if (self->count == self->room) {
        uint32_t room = self->room ? self->room * 2 : ROOM_FIRST_LIST;
        req_dest_t *dests = realloc (self->dests, room * sizeof *dests);
        if (!dests)
            return REQ_NONE;
        self->dests = dests;
        self->room = room;
    }
    at = self->count;
    req_dest_t *dest = &self->dests[at];
    memset (dest, 0, sizeof *dest);
    dest->stats.destination = *destination;
    dest->stats.destination.via = 0;
    dest->flying = dest->blocked = (req_list_t){ REQ_NONE, REQ_NONE };
    if (!s_link (self, at))
        return REQ_NONE;  //  the record is not counted: a later get makes it again
    self->count++;
    return at;
}

void
req_dests_sample (req_dests_t *self, uint32_t at, int64_t rtt_us)
{
    req_dest_t *dest = &self->dests[at];
    asynrole_destination_stats_t *stats = &dest->stats;
    if (!dest->sampled) {
        stats->srtt_us = rtt_us;
        stats->rttvar_us = rtt_us / 2;
        dest->sampled = true;
        return;
    }
    int64_t delta = stats->srtt_us > rtt_us ? stats->srtt_us - rtt_us : rtt_us - stats->srtt_us;
    stats->rttvar_us = (3 * stats->rttvar_us + delta) / 4;
    stats->srtt_us = (7 * stats->srtt_us + rtt_us) / 8;
}

void
req_dests_reset (req_dests_t *self)
{
    for (uint32_t i = 0; i < self->count; i++) {
        asynrole_destination_stats_t *stats = &self->dests[i].stats;
        uint64_t in_flight = stats->in_flight;
        asynrole_addr_t destination = stats->destination;
        memset (stats, 0, sizeof *stats);
        stats->destination = destination;
        stats->in_flight = in_flight;
        self->dests[i].sampled = false;
    }
}
