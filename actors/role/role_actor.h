/*  role_actor.h - the role actor (one thread per Manager or Agent) */
#ifndef ASYNROLE_ROLE_ACTOR_H_INCLUDED
#define ASYNROLE_ROLE_ACTOR_H_INCLUDED

#include "role.h"

//  The actor body; args is the role_t
void role_actor (actor_t *actor, void *args);

#endif
