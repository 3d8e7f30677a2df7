/*  role_deploy.h - a role's filter and capture, set at the I/O actor

    Both live at the I/O actor, which applies them on its thread: a filter
    is compiled here and handed over (the I/O actor's once the request is
    sent). A capture is opened and closed here, on the caller's thread, and
    the I/O actor holds a reference while it puts datagrams in: it never
    waits for the capture's writer, nor for the file. */
#ifndef ASYNROLE_ROLE_DEPLOY_H_INCLUDED
#define ASYNROLE_ROLE_DEPLOY_H_INCLUDED

#include "role.h"
#include "asynrole_deploy.h"

//  Hand a compiled filter (NULL: none) to the I/O actor. Takes *filter_p
//  and nulls it: sent, it is the I/O actor's, else it is destroyed here.
//  0, or -1 with error filled. Used by the role actor's start as well.
int role_set_filter (role_t *role, struct filter_s **filter_p, asynrole_error_t *error);

//  The API's: compile spec (NULL: none) and hand it over
int role_filter (role_t *role, const asynrole_filter_t *spec, asynrole_error_t *error);

//  Start capturing into path, or stop (path NULL: stats, which may be NULL,
//  say what became of the datagrams); 0, or -1 with error (capture_close's
//  for a stop: ASYNROLE_EDROPPED when some were left out)
int role_capture (role_t *role, const char *path, const asynrole_capture_t *options,
                  asynrole_capture_stats_t *stats, asynrole_error_t *error);

//  The role is going: close a capture left on (waiting for its writer at
//  most LIMIT_CAPTURE_CLOSE_MS)
void role_capture_release (role_t *role);

#endif
