/*  io_table.c - the I/O actor's sockets by id */
#include "io_table.h"
#include "bounds.h"
#include <stdlib.h>
#include <string.h>

//  Generations run 1..4095 so that no id is ever 0
#define GENERATIONS ((1u << (32 - LIMIT_SLOT_BITS)) - 1)

void
io_table_init (io_table_t *self)
{
    memset (self, 0, sizeof *self);
}

void
io_table_destroy (io_table_t *self)
{
    for (uint32_t slot = 0; slot < self->used; slot++)
        io_socket_close (&self->slots[slot]);
    free (self->slots);
    free (self->generations);
    free (self->free);
    free (self->fd_owner);
    memset (self, 0, sizeof *self);
}

static bool
s_grow (io_table_t *self)
{
    uint32_t room = self->room ? self->room * 2 : ROOM_FIRST_SLOTS;
    io_socket_t **slots = realloc (self->slots, room * sizeof *slots);
    if (slots)
        self->slots = slots;
    uint32_t *generations = slots ? realloc (self->generations, room * sizeof *generations) : NULL;
    if (generations)
        self->generations = generations;
    uint32_t *free_slots = generations ? realloc (self->free, room * sizeof *free_slots) : NULL;
    if (free_slots)
        self->free = free_slots;
    if (!free_slots)
        return false;
    self->room = room;
    return true;
}

int
io_table_add (io_table_t *self, io_socket_t *sock)
{
    uint32_t slot;
    if (self->nfree)
        slot = self->free[--self->nfree];
    else {
        if (self->used > LIMIT_SLOT_MASK)
            return -1;
        if (self->used == self->room && !s_grow (self))
            return -1;
        slot = self->used++;
        self->generations[slot] = 1;
    }
    self->slots[slot] = sock;
    sock->id = self->generations[slot] << LIMIT_SLOT_BITS | slot;
    self->open++;
    return 0;
}

io_socket_t *
io_table_find (io_table_t *self, uint32_t id)
{
    uint32_t slot = id & LIMIT_SLOT_MASK;
    if (slot >= self->used || !self->slots[slot] || self->slots[slot]->id != id)
        return NULL;
    return self->slots[slot];
}

void
io_table_remove (io_table_t *self, io_socket_t *sock)
{
    uint32_t slot = sock->id & LIMIT_SLOT_MASK;
    if (slot >= self->used || self->slots[slot] != sock)
        return;
    self->slots[slot] = NULL;
    self->generations[slot] = self->generations[slot] % GENERATIONS + 1;
    self->free[self->nfree++] = slot;
    self->open--;
}

io_socket_t *
io_table_take_fd (io_table_t *self, io_socket_t *sock)
{
    if (sock->fd < 0)
        return NULL;
    size_t fd = (size_t) sock->fd;
    if (fd >= self->fd_room) {
        size_t room = self->fd_room ? self->fd_room : ROOM_FIRST_SLOTS;
        while (room <= fd)
            room *= 2;
        uint32_t *grown = realloc (self->fd_owner, room * sizeof *grown);
        if (!grown)
            return NULL;
        memset (grown + self->fd_room, 0, (room - self->fd_room) * sizeof *grown);
        self->fd_owner = grown;
        self->fd_room = room;
    }
    //  The one before still exists and still has that number: it lost its
    //  descriptor unnoticed (entries of sockets closed since find nothing)
    io_socket_t *before = self->fd_owner[fd] ? io_table_find (self, self->fd_owner[fd]) : NULL;
    self->fd_owner[fd] = sock->id;
    return before && before != sock && before->fd == sock->fd ? before : NULL;
}
