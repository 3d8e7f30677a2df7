/*  capture_command.h - the CAPTURE and CAPTURE-STOP pipe commands, read
    the same way by the roles' actors and the I/O actor */
#ifndef ASYNROLE_CAPTURE_COMMAND_H_INCLUDED
#define ASYNROLE_CAPTURE_COMMAND_H_INCLUDED

#include "asynrole_deploy.h"
#include <czmq.h>

//  Is command one of them?
bool capture_command_is (const char *command);

//  The frames after the command: CAPTURE path max_bytes files [snaplen
//  [queue_bytes]] (decimal text), or CAPTURE-STOP and nothing. 0 with *path
//  (freed with zstr_free; NULL for a stop) and options filled, or -1 with
//  ASYNROLE_EBADARG saying what is wrong.
int capture_command_read (const char *command, zmsg_t *request, char **path,
                          asynrole_capture_t *options, asynrole_error_t *error);

#endif
