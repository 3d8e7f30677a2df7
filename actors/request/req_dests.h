/*  req_dests.h - the request engine's destinations: their counters, and the
    requests in flight to each, or waiting for room at each

    One record per destination a request ever went to (kept until the
    Manager ends: reset only zeroes the counters). Found by address and port
    in O(1); by address alone (the ADDRESS peer check) through a chain of the
    records of one address. */
#ifndef ASYNROLE_REQ_DESTS_H_INCLUDED
#define ASYNROLE_REQ_DESTS_H_INCLUDED

#include "map.h"
#include "req.h"

typedef struct {
    asynrole_destination_stats_t stats;  //  the destination and its counters
    bool sampled;                        //  srtt has had its first sample
    req_list_t flying;                   //  requests in flight to it
    req_list_t blocked;                  //  requests that found it full
    uint32_t same_hash;                  //  next record whose address and port hash alike
    uint32_t same_host;                  //  next record with the same address
} req_dest_t;

typedef struct {
    req_dest_t *dests;  //  the records
    uint32_t count;     //  in use
    uint32_t room;      //  allocated
    map_t by_addr;      //  hash of address and port -> first record of that hash
    map_t by_host;      //  hash of address -> first record of that address
} req_dests_t;

void req_dests_init (req_dests_t *self);
void req_dests_destroy (req_dests_t *self);

//  The record of a destination, made when it is new; REQ_NONE when out of memory
uint32_t req_dests_get (req_dests_t *self, const asynrole_addr_t *destination);

//  The record of exactly that address and port, or REQ_NONE
uint32_t req_dests_find (const req_dests_t *self, const asynrole_addr_t *address);

//  The first record with address's address (any port), or REQ_NONE; the
//  next one is dests[i].same_host
uint32_t req_dests_host (const req_dests_t *self, const asynrole_addr_t *address);

//  A round-trip sample for a destination (RFC 6298's smoothing)
void req_dests_sample (req_dests_t *self, uint32_t dest, int64_t rtt_us);

//  Zero every destination's counters (what is in flight stays counted)
void req_dests_reset (req_dests_t *self);

#endif
