/*  role_deploy.c - a role's filter and capture, set at the I/O actor */
#include "role_deploy.h"
#include "error_fill.h"
#include "filter.h"
#include "frames.h"
#include "role_ctl.h"
#include <czmq.h>

int
role_set_filter (role_t *role, filter_t **filter_p, asynrole_error_t *error)
{
    filter_t *filter = *filter_p;
    *filter_p = NULL;
    role_call_t call;
    if (role_ctl_begin (role, role_ctl_step_timeout (role), &call, error)) {
        filter_destroy (&filter);
        return -1;
    }
    int sent = role_push (role, "s44p", "FILTER", call.seq, role->role_id, (void *) filter);
    if (sent)
        filter_destroy (&filter);  //  never reached the I/O actor
    zmsg_t *answer = role_ctl_end (role, &call, sent, "FILTERED", error);
    if (!answer)
        return -1;
    zmsg_destroy (&answer);
    error_clear (error);
    return 0;
}

int
role_filter (role_t *role, const asynrole_filter_t *spec, asynrole_error_t *error)
{
    filter_t *filter = NULL;
    if (spec && !(filter = filter_new (spec, error)))
        return -1;
    if (role_enter (role, error)) {
        filter_destroy (&filter);
        return -1;
    }
    int rc = role_set_filter (role, &filter, error);
    role_leave (role);
    return rc;
}

//  The CAPTURE request, once the call is counted
static int
s_capture (role_t *role, const char *path, const asynrole_capture_t *options,
           asynrole_error_t *error)
{
    asynrole_capture_t settings = { .max_bytes = 0 };
    if (options)
        settings = *options;
    //  Stopping waits for the writer too
    role_call_t call;
    if (role_ctl_begin (role, atomic_load (&role->timeout) + LIMIT_CAPTURE_CLOSE_MS, &call, error))
        return -1;
    zmsg_t *answer = role_ctl_end (role, &call,
                                   role_push (role, "s44sb", "CAPTURE", call.seq, role->role_id,
                                              path ? path : "", &settings, sizeof settings),
                                   "CAPTURED", error);
    if (!answer)
        return -1;
    asynrole_error_t outcome;
    bool ok = frames_pop_struct (answer, &outcome, sizeof outcome);
    zmsg_destroy (&answer);
    if (!ok)
        return error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_CONTROL, 0,
                          "a malformed CAPTURED answer: %s", role->name);
    if (error)
        *error = outcome;
    return outcome.code == ASYNROLE_OK ? 0 : -1;
}

int
role_capture (role_t *role, const char *path, const asynrole_capture_t *options,
              asynrole_error_t *error)
{
    if (path && !*path)
        return error_badarg (error, "the capture's path is empty: %s", role->name);
    if (role_enter (role, error))
        return -1;
    int rc = s_capture (role, path, options, error);
    role_leave (role);
    return rc;
}
