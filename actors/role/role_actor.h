/*  role_actor.h - the role actor (one thread per Manager or Agent) */
#ifndef ASYNROLE_ROLE_ACTOR_H_INCLUDED
#define ASYNROLE_ROLE_ACTOR_H_INCLUDED

#include "role.h"

//  What role_start sends on the pipe once _new is about to return: the
//  actor delivers nothing before it (the only message that comes first,
//  other than a $TERM from a start that timed out)
#define ROLE_GO "$GO"

//  The actor body; args is the role_t
void role_actor (actor_t *actor, void *args);

#endif
