/*  role_actor.h - the role actor (one thread per Manager or Agent) */
#ifndef ASYNROLE_ROLE_ACTOR_H_INCLUDED
#define ASYNROLE_ROLE_ACTOR_H_INCLUDED

#include "role.h"

//  The actor delivers nothing before role_start lets it go (actor_go), once
//  _new is about to return: a callback could otherwise destroy the role
//  before its creator has the pointer.

//  The actor body; args is the role_t
void role_actor (actor_t *actor, void *args);

#endif
