/*  agent_internal.h - what the Agent's other API files know of it */
#ifndef ASYNROLE_AGENT_INTERNAL_H_INCLUDED
#define ASYNROLE_AGENT_INTERNAL_H_INCLUDED

#include "role.h"

//  The role behind an Agent (NULL for NULL)
role_t *agent_role (asynrole_agent_t *self);

//  What the Agent does when it holds max_bytes (asynrole_options_t.overflow),
//  changed while it runs: the workers actor sets PAUSE on the Agent it takes
//  over. Leaving PAUSE reads at once the sockets it had stopped reading.
//  Any thread. 0, or -1 with ASYNROLE_EBADARG (no agent, no such policy).
int agent_set_overflow (asynrole_agent_t *agent, asynrole_overflow_t overflow,
                        asynrole_error_t *error);

#endif
