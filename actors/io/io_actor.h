/*  io_actor.h - the I/O actor's body (its loop, its pipe, the roles' requests) */
#ifndef ASYNROLE_IO_ACTOR_H_INCLUDED
#define ASYNROLE_IO_ACTOR_H_INCLUDED

#include "actor.h"

//  The actor body; args is the asynrole_io_t
void io_actor (actor_t *actor, void *args);

#endif
