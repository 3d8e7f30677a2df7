/*  role_deploy.h - a role's filter and capture, set at the I/O actor

    Both live at the I/O actor, which applies them on its thread: a filter
    is compiled here and handed over (the I/O actor's once the request is
    sent); a capture file is opened and closed by the I/O actor itself, so
    that one owner writes it and closes it. */
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

//  Start capturing into path, or stop (path NULL); 0, or -1 with error
int role_capture (role_t *role, const char *path, const asynrole_capture_t *options,
                  asynrole_error_t *error);

#endif
