/*  io_internal.h - what the roles and the I/O actor know of the I/O object */
#ifndef ASYNROLE_IO_INTERNAL_H_INCLUDED
#define ASYNROLE_IO_INTERNAL_H_INCLUDED

#include "asynrole_io.h"
#include "asynrole_deploy.h"
#include "doorbell.h"

//  The inproc endpoint of the actor's inbound socket, for a role's PUSH
const char *io_endpoint (asynrole_io_t *self);

//  The doorbell the actor polls (the object holds a reference)
doorbell_t *io_doorbell (asynrole_io_t *self);

//  Whether the actor logs what it does
bool io_verbose (asynrole_io_t *self);
void io_set_verbose (asynrole_io_t *self, bool verbose);

//  Start (path) or stop (path NULL) the I/O actor's capture, by its pipe
int io_capture (asynrole_io_t *self, const char *path, const asynrole_capture_t *options,
                asynrole_capture_stats_t *stats, asynrole_error_t *error);

#endif
