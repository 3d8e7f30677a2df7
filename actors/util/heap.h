/*  heap.h - timers: a binary min-heap of (time, id), ids small integers

    Each id has at most one entry; heap_set inserts or moves it, heap_remove
    takes it out, both O(log n), and the earliest is O(1). The request
    engine keeps one entry per request (its next attempt or its deadline),
    so the thread's poll timeout comes from heap_peek, with no per-tick scan
    and no tick rounding. */
#ifndef ASYNROLE_HEAP_H_INCLUDED
#define ASYNROLE_HEAP_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int64_t at;   //  when (the caller's unit)
    uint32_t id;  //  whose
} heap_item_t;

typedef struct {
    heap_item_t *items;  //  the heap, items[0] the earliest
    uint32_t count;      //  entries
    uint32_t room;       //  allocated
    uint32_t *where;     //  by id: its index in items, or UINT32_MAX
    uint32_t ids;        //  room in where
} heap_t;

void heap_init (heap_t *self);
void heap_destroy (heap_t *self);

//  Insert id at time at, or move it there. false when out of memory
//  (nothing changed).
bool heap_set (heap_t *self, uint32_t id, int64_t at);

//  Take id out, if it is in
void heap_remove (heap_t *self, uint32_t id);

//  The earliest entry; false when empty
bool heap_peek (const heap_t *self, int64_t *at, uint32_t *id);

//  Whether id has an entry
bool heap_has (const heap_t *self, uint32_t id);

#endif
