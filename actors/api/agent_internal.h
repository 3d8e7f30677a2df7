/*  agent_internal.h - what the Agent's other API files know of it */
#ifndef ASYNROLE_AGENT_INTERNAL_H_INCLUDED
#define ASYNROLE_AGENT_INTERNAL_H_INCLUDED

#include "role.h"

//  The role behind an Agent (NULL for NULL)
role_t *agent_role (asynrole_agent_t *self);

#endif
