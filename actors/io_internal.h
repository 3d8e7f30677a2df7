/*  io_internal.h - what the roles know of the I/O actor */
#ifndef ASYNROLE_IO_INTERNAL_H_INCLUDED
#define ASYNROLE_IO_INTERNAL_H_INCLUDED

#include "asynrole_io.h"

//  The inproc endpoint of the actor's inbound socket, for a role's PUSH
const char *io_endpoint (asynrole_io_t *self);

//  True once the last holder let go: the $TERM that follows is the class's
bool io_closing (asynrole_io_t *self);

//  The actor function (args: the asynrole_io_t)
void io_actor (zsock_t *pipe, void *args);

#endif
