/*  role_actor.h - the role actor (one thread per Manager or Agent) */
#ifndef ASYNROLE_ROLE_ACTOR_H_INCLUDED
#define ASYNROLE_ROLE_ACTOR_H_INCLUDED

#include "role.h"

//  The actor function; args is the role_t
void role_actor (zsock_t *pipe, void *args);

//  Ask the I/O actor for the role's counters. Role thread only. Returns the
//  count (records: an array the caller frees) or -1.
int role_actor_fetch_stats (role_t *role, byte **records, size_t *size);

//  A number for unique inproc endpoint names (role.c)
unsigned role_endpoint_number (void);

#endif
