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

//  The answer to either, on a role's pipe or the I/O actor's: CAPTURE
//  "isi" (code, text, sys_errno), CAPTURE-STOP "isib" (the same, then an
//  asynrole_capture_stats_t: stats, or zeros when NULL). NULL when out of
//  memory.
zmsg_t *capture_command_answer (bool stop, const asynrole_error_t *error,
                                const asynrole_capture_stats_t *stats);

//  Read such an answer (its frames): 0, or -1 with the error it carries
//  (ASYNROLE_EINTERNAL when it is not such an answer); stats (may be NULL)
//  filled from a CAPTURE-STOP answer
int capture_command_outcome (zmsg_t *answer, bool stop, asynrole_capture_stats_t *stats,
                             asynrole_error_t *error);

#endif
