/*  pair.h - the one builder of inproc PAIR pairs (actor pipes, the pipes
    between a role and the I/O actor, pipe-mode data sockets) */
#ifndef ASYNROLE_PAIR_H_INCLUDED
#define ASYNROLE_PAIR_H_INCLUDED

#include "asynrole_error.h"

//  Make two connected PAIR sockets (see ctx_socket: no high-water marks,
//  linger 0), on an endpoint unique in the process whose name says what.
//  Returns 0, or -1 with error filled and nothing made. The caller holds a
//  context reference and closes both with ctx_close.
int pair_new (void **bound, void **connected, const char *what, asynrole_error_t *error);

#endif
