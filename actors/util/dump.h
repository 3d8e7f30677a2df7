/*  dump.h - hex dumps of datagrams in the log (options.dump) */
#ifndef ASYNROLE_DUMP_H_INCLUDED
#define ASYNROLE_DUMP_H_INCLUDED

#include "asynrole_addr.h"
#include <stddef.h>

//  Log "name: what N bytes to/from peer" and then the bytes, 16 a line;
//  outgoing says whether peer is the destination
void dump_datagram (const char *name, const char *what, bool outgoing, const asynrole_addr_t *peer,
                    const void *data, size_t size);

#endif
