/*  asynrole.h - SNMP transport roles (Manager and Agent over UDP) as CZMQ actors

    A dedicated I/O actor owns the UDP sockets; Managers and Agents are actors
    that get datagrams from it over inproc pipes and run your callbacks in
    their own threads (or hand you events on a data socket). The library moves
    opaque datagrams and knows nothing of SNMP.
*/
#ifndef ASYNROLE_H_INCLUDED
#define ASYNROLE_H_INCLUDED

#define ASYNROLE_VERSION_MAJOR 0
#define ASYNROLE_VERSION_MINOR 6
#define ASYNROLE_VERSION_PATCH 0

#include "asynrole_export.h"
#include "asynrole_addr.h"
#include "asynrole_error.h"
#include "asynrole_types.h"
#include "asynrole_io.h"
#include "asynrole_listen.h"
#include "asynrole_deploy.h"
#include "asynrole_manager.h"
#include "asynrole_agent.h"
#include "asynrole_event.h"
#include "asynrole_request.h"
#include "asynrole_blocking.h"
#include "asynrole_remote.h"

#endif
