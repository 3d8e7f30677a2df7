/*  req_dests.c - the request engine's destinations */
#include "req_dests.h"
#include "bounds.h"
#include <stdlib.h>
#include <string.h>

void
req_dests_init (req_dests_t *self, uint32_t max)
{
    memset (self, 0, sizeof *self);
    self->free = REQ_NONE;
    self->max = max;
    self->idles = (req_list_t){ REQ_NONE, REQ_NONE };
    map_init (&self->by_addr);
    map_init (&self->busy);
}

void
req_dests_destroy (req_dests_t *self)
{
    free (self->dests);
    map_destroy (&self->by_addr);
    map_destroy (&self->busy);
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
s_host_hash (const asynrole_addr_t *address)
{
    size_t size;
    const void *host = s_host (address, &size);
    return map_hash_bytes (host, size) ^ (uint64_t) asynrole_addr_family (address);
}

static uint64_t
s_addr_hash (const asynrole_addr_t *address)
{
    return s_host_hash (address) ^ map_hash (asynrole_addr_port (address));
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

//  From at on (at included), the first busy record of address's host
static uint32_t
s_host_from (const req_dests_t *self, uint32_t at, const asynrole_addr_t *address)
{
    for (; at != REQ_NONE; at = self->dests[at].busy.next)
        if (s_same_host (&self->dests[at].stats.destination, address))
            return at;
    return REQ_NONE;
}

uint32_t
req_dests_host (const req_dests_t *self, const asynrole_addr_t *address)
{
    uint32_t at;
    if (!map_get (&self->busy, s_host_hash (address), &at))
        return REQ_NONE;
    return s_host_from (self, at, address);
}

uint32_t
req_dests_next_host (const req_dests_t *self, uint32_t at)
{
    const req_dest_t *dest = &self->dests[at];
    return s_host_from (self, dest->busy.next, &dest->stats.destination);
}

bool
req_dests_flying (req_dests_t *self, uint32_t at)
{
    req_dest_t *dest = &self->dests[at];
    uint64_t hash = s_host_hash (&dest->stats.destination);
    uint32_t first = REQ_NONE;
    map_get (&self->busy, hash, &first);
    dest->busy = (req_link_t){ REQ_NONE, REQ_NONE };
    if (!map_put (&self->busy, hash, at))
        return false;
    dest->busy.next = first;
    if (first != REQ_NONE)
        self->dests[first].busy.prev = at;
    return true;
}

void
req_dests_landed (req_dests_t *self, uint32_t at)
{
    req_dest_t *dest = &self->dests[at];
    uint64_t hash = s_host_hash (&dest->stats.destination);
    uint32_t first = REQ_NONE;
    if (!map_get (&self->busy, hash, &first))
        return;
    //  Not chained (req_dests_flying ran out of memory): nothing to undo
    if (dest->busy.prev == REQ_NONE && first != at)
        return;
    if (dest->busy.prev != REQ_NONE)
        self->dests[dest->busy.prev].busy.next = dest->busy.next;
    else if (dest->busy.next != REQ_NONE)
        map_put (&self->busy, hash, dest->busy.next);  //  a replacement: cannot fail
    else
        map_remove (&self->busy, hash);
    if (dest->busy.next != REQ_NONE)
        self->dests[dest->busy.next].busy.prev = dest->busy.prev;
    dest->busy = (req_link_t){ REQ_NONE, REQ_NONE };
}

//  -------------------------------------------------------------------------
//  Records in and out

//  The idle list, through each record's idle link
static void
s_idle_push (req_dests_t *self, uint32_t at)
{
    req_dest_t *dest = &self->dests[at];
    dest->idle = (req_link_t){ self->idles.tail, REQ_NONE };
    if (self->idles.tail != REQ_NONE)
        self->dests[self->idles.tail].idle.next = at;
    else
        self->idles.head = at;
    self->idles.tail = at;
}

static void
s_idle_unlink (req_dests_t *self, uint32_t at)
{
    req_link_t *link = &self->dests[at].idle;
    if (link->prev != REQ_NONE)
        self->dests[link->prev].idle.next = link->next;
    else
        self->idles.head = link->next;
    if (link->next != REQ_NONE)
        self->dests[link->next].idle.prev = link->prev;
    else
        self->idles.tail = link->prev;
}

//  Take at out of the by_addr chain of its hash
static void
s_chain_unlink (req_dests_t *self, uint64_t hash, uint32_t at)
{
    uint32_t first = REQ_NONE;
    map_get (&self->by_addr, hash, &first);
    uint32_t next = self->dests[at].same_hash;
    if (first == at) {
        if (next == REQ_NONE)
            map_remove (&self->by_addr, hash);
        else
            map_put (&self->by_addr, hash, next);  //  a replacement: cannot fail
        return;
    }
    for (uint32_t before = first; before != REQ_NONE; before = self->dests[before].same_hash)
        if (self->dests[before].same_hash == at) {
            self->dests[before].same_hash = next;
            return;
        }
}

//  Forget the longest idle record, its counters with it
static void
s_forget (req_dests_t *self)
{
    uint32_t at = self->idles.head;
    const asynrole_addr_t *address = &self->dests[at].stats.destination;
    s_idle_unlink (self, at);
    s_chain_unlink (self, s_addr_hash (address), at);
    self->dests[at].used = false;
    self->dests[at].same_hash = self->free;
    self->free = at;
    self->count--;
    self->forgotten++;
}

//  A slot for a new record; REQ_NONE when out of memory
static uint32_t
s_slot (req_dests_t *self)
{
    if (self->count >= self->max && self->idles.head != REQ_NONE)
        s_forget (self);
    if (self->free != REQ_NONE) {
        uint32_t at = self->free;
        self->free = self->dests[at].same_hash;
        return at;
    }
    if (self->high == self->room) {
        uint32_t room = self->room ? self->room * 2 : ROOM_FIRST_LIST;
        req_dest_t *dests = room > self->room ? realloc (self->dests, room * sizeof *dests) : NULL;
        if (!dests)
            return REQ_NONE;
        self->dests = dests;
        self->room = room;
    }
    return self->high++;
}

//  Put a new record in its address and port's chain: the map first
static bool
s_link (req_dests_t *self, uint32_t at)
{
    req_dest_t *dest = &self->dests[at];
    uint64_t hash = s_addr_hash (&dest->stats.destination);
    uint32_t same_hash = REQ_NONE;
    map_get (&self->by_addr, hash, &same_hash);
    if (!map_put (&self->by_addr, hash, at))
        return false;
    dest->same_hash = same_hash;
    return true;
}

uint32_t
req_dests_use (req_dests_t *self, const asynrole_addr_t *destination)
{
    uint32_t at = req_dests_find (self, destination);
    if (at != REQ_NONE) {
        if (self->dests[at].users++ == 0)
            s_idle_unlink (self, at);
        return at;
    }
    at = s_slot (self);
    if (at == REQ_NONE)
        return REQ_NONE;
    req_dest_t *dest = &self->dests[at];
    memset (dest, 0, sizeof *dest);
    dest->stats.destination = *destination;
    dest->stats.destination.via = 0;
    dest->flying = dest->blocked = (req_list_t){ REQ_NONE, REQ_NONE };
    dest->busy = (req_link_t){ REQ_NONE, REQ_NONE };
    if (!s_link (self, at)) {
        dest->same_hash = self->free;
        self->free = at;
        return REQ_NONE;
    }
    dest->used = true;
    dest->users = 1;
    self->count++;
    return at;
}

void
req_dests_release (req_dests_t *self, uint32_t at)
{
    if (--self->dests[at].users == 0)
        s_idle_push (self, at);
}

//  -------------------------------------------------------------------------
//  Counters

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
    for (uint32_t i = 0; i < self->high; i++) {
        if (!self->dests[i].used)
            continue;
        asynrole_destination_stats_t *stats = &self->dests[i].stats;
        uint64_t in_flight = stats->in_flight;
        asynrole_addr_t destination = stats->destination;
        memset (stats, 0, sizeof *stats);
        stats->destination = destination;
        stats->in_flight = in_flight;
        self->dests[i].sampled = false;
    }
}

uint32_t
req_dests_copy (const req_dests_t *self, asynrole_destination_stats_t *stats)
{
    uint32_t count = 0;
    for (uint32_t i = 0; i < self->high; i++)
        if (self->dests[i].used)
            stats[count++] = self->dests[i].stats;
    return count;
}
