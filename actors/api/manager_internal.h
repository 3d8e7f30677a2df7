/*  manager_internal.h - what the Manager's other API files know of it */
#ifndef ASYNROLE_MANAGER_INTERNAL_H_INCLUDED
#define ASYNROLE_MANAGER_INTERNAL_H_INCLUDED

#include "role.h"

//  The role behind a Manager (NULL for NULL)
role_t *manager_role (asynrole_manager_t *self);

//  Cancel the requests named (those still under way), in one call with one
//  deadline (the Manager's timeout); takes handles (malloc'd) in every
//  case. How many were cancelled, or -1.
int manager_cancel_many (asynrole_manager_t *self, uint64_t *handles, size_t count,
                         asynrole_error_t *error);

//  A request server claims the Manager (one at most: a second one is
//  EBADARG), and lets it go (only when it is still the claimant)
int manager_claim (asynrole_manager_t *self, void *server, asynrole_error_t *error);
void manager_unclaim (asynrole_manager_t *self, void *server);

#endif
