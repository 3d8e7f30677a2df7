/*  map.h - a hash map from 64-bit keys to 32-bit values (slots of a table)

    Open addressing with linear probing and backward-shift deletion: no
    tombstones, lookups stay short however many inserts and removals. The
    caller hashes what it keys by (map_hash mixes any 64-bit value). */
#ifndef ASYNROLE_MAP_H_INCLUDED
#define ASYNROLE_MAP_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t key;    //  the key
    uint32_t value;  //  what it maps to
    bool used;       //  whether the cell holds an entry
} map_cell_t;

typedef struct {
    map_cell_t *cells;  //  a power of two of them
    size_t mask;        //  cells - 1
    size_t count;       //  entries
} map_t;

void map_init (map_t *self);
void map_destroy (map_t *self);

//  Map key to value (replacing what it mapped to); false when out of memory
//  (only a new key can be: replacing never allocates)
bool map_put (map_t *self, uint64_t key, uint32_t value);

//  What key maps to; false when nothing
bool map_get (const map_t *self, uint64_t key, uint32_t *value);

//  Forget key; false when it was not there
bool map_remove (map_t *self, uint64_t key);

//  A 64-bit mix of a value (splitmix64's finalizer), and of bytes
uint64_t map_hash (uint64_t value);
uint64_t map_hash_bytes (const void *data, size_t size);

#endif
