/*  workers_table.h - the workers actor's records of its workers, and the
    ring of those with credit left

    A worker is found by its routing id through a hash map (O(1) per
    message); the workers with credit left form a circular list whose
    cursor moves one step per datagram handed out: round-robin in O(1),
    with no scan of the workers per datagram. The records of the last
    ASYNROLE_WORKERS_GONE workers that went away are kept for
    asynrole_workers_list. */
#ifndef ASYNROLE_WORKERS_TABLE_H_INCLUDED
#define ASYNROLE_WORKERS_TABLE_H_INCLUDED

#include "asynrole_remote.h"
#include "map.h"
#include <stdbool.h>
#include <stdint.h>

//  The longest routing id libzmq gives a peer
#define WORKERS_ID_MAX 255

typedef struct workers_peer_s workers_peer_t;
struct workers_peer_s {
    uint8_t id[WORKERS_ID_MAX];   //  its routing id on the ROUTER
    size_t id_size;               //  bytes of id
    uint64_t key;                 //  hash of id, its key in the map
    size_t index;                 //  its place in the table's array
    asynrole_worker_info_t info;  //  name, credit, counters (connected: true)
    int64_t heard;                //  clock_ms of its last message
    int64_t sent;                 //  clock_ms of our last message to it
    int64_t complained;           //  clock_ms of our last ERROR or event about it
    workers_peer_t *next;         //  in the ring of workers with credit
    workers_peer_t *prev;
    bool in_ring;  //  it is in the ring
};

typedef struct {
    workers_peer_t **peers;  //  the connected workers, dense (swap-remove)
    size_t count;            //  of them
    size_t size;             //  room in peers
    map_t by_id;             //  hash of routing id -> index in peers
    workers_peer_t *cursor;  //  the ring's next worker to get a datagram; NULL
                             //  when no worker has credit
    size_t ring_count;       //  workers in the ring
    asynrole_worker_info_t gone[ASYNROLE_WORKERS_GONE];  //  the last gone, circular
    size_t gone_next;                                    //  where the next one goes
    size_t gone_count;                                   //  records in gone
} workers_table_t;

void workers_table_init (workers_table_t *self);

//  Free every record (the caller has said BYE to them)
void workers_table_destroy (workers_table_t *self);

//  The worker with this routing id, or NULL
workers_peer_t *workers_table_find (workers_table_t *self, const void *id, size_t size);

//  A new record for this routing id (not in the table yet: find first);
//  NULL when out of memory or the id is too long
workers_peer_t *workers_table_add (workers_table_t *self, const void *id, size_t size);

//  Forget a worker: its record goes to the gone list, it is freed
void workers_table_remove (workers_table_t *self, workers_peer_t *peer);

//  The next worker with credit, round-robin; NULL when none has any. The
//  caller hands it one datagram, then calls workers_table_update.
workers_peer_t *workers_table_next (workers_table_t *self);

//  Put the worker in the ring or take it out, as its credit says
void workers_table_update (workers_table_t *self, workers_peer_t *peer);

//  Copy at most max records, the connected first, then the gone (latest
//  first); returns how many there are
size_t workers_table_list (workers_table_t *self, asynrole_worker_info_t *info, size_t max);

#endif
