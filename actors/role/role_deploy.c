/*  role_deploy.c - a role's filter and capture, set at the I/O actor */
#include "role_deploy.h"
#include "error_fill.h"
#include "filter.h"
#include "frames.h"
#include "role_ctl.h"
#include "bounds.h"
#include "capture.h"
#include "log.h"
#include <errno.h>
#include <czmq.h>

int
role_set_filter (role_t *role, filter_t **filter_p, asynrole_error_t *error)
{
    filter_t *filter = *filter_p;
    *filter_p = NULL;
    role_call_t call;
    if (role_ctl_begin_attached (role, role_ctl_step_timeout (role), &call, error)) {
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

//  CAPTURE: hand the I/O actor a reference to the capture (*lent_p, nulled:
//  the I/O actor's once sent), or NULL to have it let go of its own. 0, or
//  -1 with error filled; *sent says whether the request went (a request
//  that went is carried out, even when its answer comes too late).
static int
s_capture_request (role_t *role, capture_t **lent_p, bool *sent, asynrole_error_t *error)
{
    capture_t *lent = *lent_p;
    *lent_p = NULL;
    *sent = false;
    role_call_t call;
    if (role_ctl_begin_attached (role, atomic_load (&role->timeout), &call, error)) {
        capture_unref (&lent);
        return -1;
    }
    int pushed = role_push (role, "s44p", "CAPTURE", call.seq, role->role_id, (void *) lent);
    if (pushed)
        capture_unref (&lent);  //  never reached the I/O actor
    *sent = pushed == 0;
    zmsg_t *answer = role_ctl_end (role, &call, pushed, "CAPTURED", error);
    if (!answer)
        return -1;
    zmsg_destroy (&answer);
    //  The I/O actor holds what was lent, and nothing older
    role->capture_owed = false;
    error_clear (error);
    return 0;
}

//  Open the file here, on the caller's thread, then lend it to the I/O actor
static int
s_capture_start (role_t *role, const char *path, const asynrole_capture_t *options,
                 asynrole_error_t *error)
{
    if (role->capture) {
        char quoted[ERROR_QUOTE_MAX];
        return error_set (error, ASYNROLE_EBADARG, ASYNROLE_OP_CAPTURE, 0,
                          "a capture is on already (%s): stop it first: %s",
                          error_quote (path, quoted, sizeof quoted), role->name);
    }
    capture_t *capture = capture_open (path, options, error);
    if (!capture)
        return -1;
    capture_t *lent = capture_ref (capture);
    asynrole_error_t request_error;
    bool sent;
    int rc = s_capture_request (role, &lent, &sent, &request_error);
    if (sent)
        //  A late answer too: the I/O actor takes it still, in order, and
        //  a stop settles it
        role->capture = capture;
    else
        capture_close (&capture, LIMIT_CAPTURE_CLOSE_MS, NULL, NULL);
    if (error)
        *error = request_error;
    return rc;
}

//  The I/O actor lets go first, so that nothing is put after its answer;
//  then the writer is waited for here, never on the I/O actor's thread
static int
s_capture_stop (role_t *role, asynrole_capture_stats_t *stats, asynrole_error_t *error)
{
    capture_t *capture = role->capture;
    role->capture = NULL;
    memset (stats, 0, sizeof *stats);
    error_clear (error);
    if (!capture && !role->capture_owed)
        return 0;
    capture_t *none = NULL;
    asynrole_error_t request_error;
    bool sent;
    int asked = s_capture_request (role, &none, &sent, &request_error);
    //  Not sent: the I/O actor keeps a reference (it counts what comes in
    //  dropped), which the next stop or start takes back
    if (!sent)
        role->capture_owed = true;
    //  Closed even when the I/O actor did not answer
    int closed = capture ? capture_close (&capture, LIMIT_CAPTURE_CLOSE_MS, stats, error) : 0;
    if (asked && closed == 0 && error)
        *error = request_error;
    return asked || closed ? -1 : 0;
}

int
role_capture (role_t *role, const char *path, const asynrole_capture_t *options,
              asynrole_capture_stats_t *stats, asynrole_error_t *error)
{
    asynrole_capture_stats_t unused;
    stats = stats ? stats : &unused;
    memset (stats, 0, sizeof *stats);
    if (path && !*path)
        return error_badarg (error, "the capture's path is empty: %s", role->name);
    if (role_enter (role, error))
        return -1;
    int rc = -1;
    int timeout = atomic_load (&role->timeout);
    if (!busy_take (&role->capture_busy, timeout))
        error_set (error, ASYNROLE_ETIMEOUT, ASYNROLE_OP_CONTROL, ETIMEDOUT,
                   "another capture call held the role for %d ms: %s", timeout, role->name);
    else {
        rc = path ? s_capture_start (role, path, options, error)
                  : s_capture_stop (role, stats, error);
        busy_give (&role->capture_busy);
    }
    role_leave (role);
    return rc;
}

void
role_capture_release (role_t *role)
{
    asynrole_error_t error;
    if (role->capture && capture_close (&role->capture, LIMIT_CAPTURE_CLOSE_MS, NULL, &error))
        log_warning ("%s: a capture left on: %s", role->name, error.detail);
}
