/*  heap.c - timers: a binary min-heap of (time, id) */
#include "heap.h"
#include "bounds.h"
#include <stdlib.h>
#include <string.h>

#define NOWHERE UINT32_MAX

void
heap_init (heap_t *self)
{
    memset (self, 0, sizeof *self);
}

void
heap_destroy (heap_t *self)
{
    free (self->items);
    free (self->where);
    memset (self, 0, sizeof *self);
}

static void
s_place (heap_t *self, uint32_t index, heap_item_t item)
{
    self->items[index] = item;
    self->where[item.id] = index;
}

static void
s_up (heap_t *self, uint32_t index)
{
    heap_item_t item = self->items[index];
    while (index > 0) {
        uint32_t parent = (index - 1) / 2;
        if (self->items[parent].at <= item.at)
            break;
        s_place (self, index, self->items[parent]);
        index = parent;
    }
    s_place (self, index, item);
}

static void
s_down (heap_t *self, uint32_t index)
{
    heap_item_t item = self->items[index];
    while (true) {
        uint32_t child = 2 * index + 1;
        if (child >= self->count)
            break;
        if (child + 1 < self->count && self->items[child + 1].at < self->items[child].at)
            child++;
        if (item.at <= self->items[child].at)
            break;
        s_place (self, index, self->items[child]);
        index = child;
    }
    s_place (self, index, item);
}

//  Room for one more entry and for id
static bool
s_room (heap_t *self, uint32_t id)
{
    if (id >= self->ids) {
        uint32_t ids = self->ids ? self->ids : ROOM_FIRST_LIST;
        while (ids <= id)
            ids *= 2;
        uint32_t *where = realloc (self->where, ids * sizeof *where);
        if (!where)
            return false;
        for (uint32_t i = self->ids; i < ids; i++)
            where[i] = NOWHERE;
        self->where = where;
        self->ids = ids;
    }
    if (self->count == self->room) {
        uint32_t room = self->room ? self->room * 2 : ROOM_FIRST_LIST;
        heap_item_t *items = realloc (self->items, room * sizeof *items);
        if (!items)
            return false;
        self->items = items;
        self->room = room;
    }
    return true;
}

bool
heap_set (heap_t *self, uint32_t id, int64_t at)
{
    if (heap_has (self, id)) {
        uint32_t index = self->where[id];
        int64_t was = self->items[index].at;
        self->items[index].at = at;
        if (at < was)
            s_up (self, index);
        else
            s_down (self, index);
        return true;
    }
    if (!s_room (self, id))
        return false;
    heap_item_t item = { at, id };
    self->items[self->count] = item;
    self->where[id] = self->count;
    s_up (self, self->count++);
    return true;
}

void
heap_remove (heap_t *self, uint32_t id)
{
    if (!heap_has (self, id))
        return;
    uint32_t index = self->where[id];
    self->where[id] = NOWHERE;
    heap_item_t last = self->items[--self->count];
    if (index == self->count)
        return;
    s_place (self, index, last);
    s_up (self, index);
    s_down (self, self->where[last.id]);
}

bool
heap_peek (const heap_t *self, int64_t *at, uint32_t *id)
{
    if (self->count == 0)
        return false;
    *at = self->items[0].at;
    *id = self->items[0].id;
    return true;
}

bool
heap_has (const heap_t *self, uint32_t id)
{
    return id < self->ids && self->where[id] != NOWHERE;
}
