/*  map.c - a hash map from 64-bit keys to 32-bit values */
#include "map.h"
#include <stdlib.h>
#include <string.h>

//  Grow when the map would be more than 3/4 full, starting at this many cells
#define MAP_FIRST_CELLS 64

void
map_init (map_t *self)
{
    memset (self, 0, sizeof *self);
}

void
map_destroy (map_t *self)
{
    free (self->cells);
    memset (self, 0, sizeof *self);
}

uint64_t
map_hash (uint64_t value)
{
    value ^= value >> 30;
    value *= 0xbf58476d1ce4e5b9ull;
    value ^= value >> 27;
    value *= 0x94d049bb133111ebull;
    value ^= value >> 31;
    return value;
}

uint64_t
map_hash_bytes (const void *data, size_t size)
{
    //  FNV-1a, then mixed
    const uint8_t *bytes = data;
    uint64_t hash = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ bytes[i]) * 0x100000001b3ull;
    return map_hash (hash);
}

static size_t
s_home (const map_t *self, uint64_t key)
{
    return (size_t) map_hash (key) & self->mask;
}

static bool
s_grow (map_t *self)
{
    size_t cells = self->cells ? (self->mask + 1) * 2 : MAP_FIRST_CELLS;
    map_t bigger = { .cells = calloc (cells, sizeof (map_cell_t)), .mask = cells - 1 };
    if (!bigger.cells)
        return false;
    for (size_t i = 0; self->cells && i <= self->mask; i++)
        if (self->cells[i].used)
            map_put (&bigger, self->cells[i].key, self->cells[i].value);
    free (self->cells);
    *self = bigger;
    return true;
}

bool
map_put (map_t *self, uint64_t key, uint32_t value)
{
    //  Replacing never grows, so it never fails
    size_t at = self->cells ? s_home (self, key) : 0;
    while (self->cells && self->cells[at].used) {
        if (self->cells[at].key == key) {
            self->cells[at].value = value;
            return true;
        }
        at = (at + 1) & self->mask;
    }
    if ((!self->cells || (self->count + 1) * 4 > (self->mask + 1) * 3) && !s_grow (self))
        return false;
    at = s_home (self, key);
    while (self->cells[at].used)
        at = (at + 1) & self->mask;
    self->count++;
    self->cells[at] = (map_cell_t){ key, value, true };
    return true;
}

bool
map_get (const map_t *self, uint64_t key, uint32_t *value)
{
    if (!self->cells)
        return false;
    for (size_t at = s_home (self, key); self->cells[at].used; at = (at + 1) & self->mask)
        if (self->cells[at].key == key) {
            *value = self->cells[at].value;
            return true;
        }
    return false;
}

bool
map_remove (map_t *self, uint64_t key)
{
    if (!self->cells)
        return false;
    size_t at = s_home (self, key);
    while (self->cells[at].used && self->cells[at].key != key)
        at = (at + 1) & self->mask;
    if (!self->cells[at].used)
        return false;
    //  Shift back the entries after it that would not be found past the gap
    size_t gap = at;
    for (size_t next = (gap + 1) & self->mask; self->cells[next].used;
         next = (next + 1) & self->mask) {
        size_t home = s_home (self, self->cells[next].key);
        bool stays = gap <= next ? gap < home && home <= next : gap < home || home <= next;
        if (!stays) {
            self->cells[gap] = self->cells[next];
            gap = next;
        }
    }
    self->cells[gap].used = false;
    self->count--;
    return true;
}
