/*  listen_internal.h - interface strings that name a descriptor */
#ifndef ASYNROLE_LISTEN_INTERNAL_H_INCLUDED
#define ASYNROLE_LISTEN_INTERNAL_H_INCLUDED

#include "asynrole_error.h"

//  listen_iface_fd's answer for a string that names an address
#define LISTEN_NOT_FD (-2)

//  The open descriptor "fd:N" or "systemd:NAME" names; LISTEN_NOT_FD for
//  any other string; -1 with ASYNROLE_EBADARG when it names none
int listen_iface_fd (const char *text, asynrole_error_t *error);

#endif
