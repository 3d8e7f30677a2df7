/*  manager_internal.h - what the Manager's other API files know of it */
#ifndef ASYNROLE_MANAGER_INTERNAL_H_INCLUDED
#define ASYNROLE_MANAGER_INTERNAL_H_INCLUDED

#include "role.h"

//  The role behind a Manager (NULL for NULL)
role_t *manager_role (asynrole_manager_t *self);

#endif
