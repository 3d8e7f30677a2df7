/*  req_dests.h - the request engine's destinations: their counters, and the
    requests in flight to each, or waiting for room at each

    One record per destination, made by its first request. A record no
    request refers to any more is idle: it keeps its counters, in a list of
    idle records oldest first, and when there are max records the oldest
    idle one is forgotten to make room (its counters with it: counted in
    forgotten). Found by address and port in O(1). The records with requests
    in flight are also chained by the hash of their address alone, so that
    a reply is offered to other ports of its source (the ADDRESS peer check)
    without walking past records with nothing in flight. */
#ifndef ASYNROLE_REQ_DESTS_H_INCLUDED
#define ASYNROLE_REQ_DESTS_H_INCLUDED

#include "map.h"
#include "req.h"

typedef struct {
    asynrole_destination_stats_t stats;  //  the destination and its counters
    bool used;                           //  a record (else a free slot)
    bool sampled;                        //  srtt has had its first sample
    uint32_t users;                      //  requests that refer to it
    req_list_t flying;                   //  requests in flight to it
    req_list_t blocked;                  //  requests that found it full
    uint32_t same_hash;                  //  next record whose address and port hash alike
    req_link_t busy;                     //  in its address's chain, while in flight
    req_link_t idle;                     //  in the idle list, when users is 0
} req_dest_t;

typedef struct {
    req_dest_t *dests;   //  the records, and free slots
    uint32_t count;      //  records
    uint32_t room;       //  slots allocated (all used up to high)
    uint32_t high;       //  slots ever used
    uint32_t free;       //  a free slot (its same_hash: the next), or REQ_NONE
    uint32_t max;        //  records kept when idle ones can go
    req_list_t idles;    //  idle records, the longest idle first
    uint64_t forgotten;  //  idle records dropped to stay within max
    map_t by_addr;       //  hash of address and port -> first record of that hash
    map_t busy;          //  hash of address -> first record with requests in
                         //  flight whose address has that hash
} req_dests_t;

void req_dests_init (req_dests_t *self, uint32_t max);
void req_dests_destroy (req_dests_t *self);

//  The record of a destination for a new request (made when it is new),
//  one more user; REQ_NONE when out of memory
uint32_t req_dests_use (req_dests_t *self, const asynrole_addr_t *destination);

//  A request no longer refers to the record
void req_dests_release (req_dests_t *self, uint32_t at);

//  The record of exactly that address and port, or REQ_NONE
uint32_t req_dests_find (const req_dests_t *self, const asynrole_addr_t *address);

//  A record's first request went in flight, or its last one ended. false:
//  out of memory (the record is then not found by its address alone).
bool req_dests_flying (req_dests_t *self, uint32_t at);
void req_dests_landed (req_dests_t *self, uint32_t at);

//  The first record with requests in flight and address's address (any
//  port), or REQ_NONE; then req_dests_next_host for the others
uint32_t req_dests_host (const req_dests_t *self, const asynrole_addr_t *address);
uint32_t req_dests_next_host (const req_dests_t *self, uint32_t at);

//  A round-trip sample for a destination (RFC 6298's smoothing)
void req_dests_sample (req_dests_t *self, uint32_t at, int64_t rtt_us);

//  Zero every destination's counters (what is in flight stays counted)
void req_dests_reset (req_dests_t *self);

//  Every record's counters into stats (count of them); how many
uint32_t req_dests_copy (const req_dests_t *self, asynrole_destination_stats_t *stats);

#endif
