/*  io_table.h - the I/O actor's sockets by id

    A socket's id is its slot with a generation above it (LIMIT_SLOT_BITS),
    so that a stale id (a closed socket whose slot was reused) never finds
    the new socket. Ids are never 0: epoll uses 0 for the doorbell. Lookup
    is O(1); nothing here scans every socket except the STATS answer. */
#ifndef ASYNROLE_IO_TABLE_H_INCLUDED
#define ASYNROLE_IO_TABLE_H_INCLUDED

#include "io_socket.h"

typedef struct {
    io_socket_t **slots;    //  by slot; NULL when free
    uint32_t *generations;  //  by slot: the generation of its current (or next) socket
    uint32_t used;          //  slots ever used (high-water mark)
    uint32_t room;          //  slots allocated
    uint32_t *free;         //  stack of free slots below used
    uint32_t nfree;         //  how many
    uint32_t open;          //  sockets in the table
    uint32_t *fd_owner;     //  by descriptor number: the id of the socket that
                            //  took it last (io_table_take_fd); 0 = none
    size_t fd_room;         //  numbers fd_owner holds
} io_table_t;

void io_table_init (io_table_t *self);

//  Close every socket and free the table
void io_table_destroy (io_table_t *self);

//  Give sock a slot and an id; -1 when out of memory or of slots
int io_table_add (io_table_t *self, io_socket_t *sock);

//  The socket with that id, or NULL (never was, or closed since)
io_socket_t *io_table_find (io_table_t *self, uint32_t id);

//  Take sock out of the table (the caller closes it)
void io_table_remove (io_table_t *self, io_socket_t *sock);

//  sock has just got its descriptor: note the number as its own. Returns
//  the socket that still takes that number for its own (its descriptor was
//  closed behind our back and the kernel gave the number again), or NULL.
//  Out of memory the number is not noted (NULL).
io_socket_t *io_table_take_fd (io_table_t *self, io_socket_t *sock);

#endif
