/*  capture_command.c - the CAPTURE and CAPTURE-STOP pipe commands */
#include "capture_command.h"
#include "error_fill.h"
#include "frames.h"

bool
capture_command_is (const char *command)
{
    return command && (streq (command, "CAPTURE") || streq (command, "CAPTURE-STOP"));
}

//  The numbers after the path
static bool
s_numbers (zmsg_t *request, asynrole_capture_t *options)
{
    long long max_bytes = 0, files = 0, snaplen = 0, queue_bytes = 0;
    bool ok = frames_pop_number (request, 0, INT64_MAX, &max_bytes)
        && frames_pop_number (request, 0, 1000, &files)
        && (zmsg_size (request) == 0 || frames_pop_number (request, 0, 65535, &snaplen))
        && (zmsg_size (request) == 0 || frames_pop_number (request, 0, INT64_MAX, &queue_bytes));
    options->max_bytes = (uint64_t) max_bytes;
    options->files = (unsigned) files;
    options->snaplen = (uint32_t) snaplen;
    options->queue_bytes = (size_t) queue_bytes;
    return ok;
}

int
capture_command_read (const char *command, zmsg_t *request, char **path,
                      asynrole_capture_t *options, asynrole_error_t *error)
{
    memset (options, 0, sizeof *options);
    *path = NULL;
    if (streq (command, "CAPTURE-STOP"))
        return zmsg_size (request) == 0 ? 0 : error_badarg (error, "CAPTURE-STOP takes no frames");
    size_t frames = zmsg_size (request);
    if (frames < 3 || frames > 5)
        return error_badarg (error,
                             "CAPTURE takes 3 to 5 frames (path, max_bytes, files, "
                             "snaplen, queue_bytes), not %zu",
                             frames);
    *path = zmsg_popstr (request);
    if (!*path || !**path || !s_numbers (request, options)) {
        zstr_free (path);
        return error_badarg (error,
                             "CAPTURE takes a path, then decimal numbers: max_bytes, files "
                             "(0 .. 1000), snaplen (0 .. 65535), queue_bytes");
    }
    return 0;
}

zmsg_t *
capture_command_answer (bool stop, const asynrole_error_t *error,
                        const asynrole_capture_stats_t *stats)
{
    asynrole_capture_stats_t none = { 0 };
    zmsg_t *answer = zmsg_new ();
    bool ok = answer && zmsg_addstrf (answer, "%d", (int) error->code) == 0
        && zmsg_addstr (answer, error->code ? error->detail : "") == 0
        && zmsg_addstrf (answer, "%d", error->code ? error->sys_errno : 0) == 0
        && (!stop || zmsg_addmem (answer, stats ? stats : &none, sizeof none) == 0);
    if (!ok)
        zmsg_destroy (&answer);
    return answer;
}

int
capture_command_outcome (zmsg_t *answer, bool stop, asynrole_capture_stats_t *stats,
                         asynrole_error_t *error)
{
    asynrole_capture_stats_t unused;
    stats = stats ? stats : &unused;
    memset (stats, 0, sizeof *stats);
    long long code = -1, sys_errno = 0;
    char *text = NULL;
    bool ok = frames_pop_number (answer, 0, INT32_MAX, &code) && (text = zmsg_popstr (answer))
        && frames_pop_number (answer, 0, INT32_MAX, &sys_errno)
        && (!stop || frames_pop_struct (answer, stats, sizeof *stats)) && zmsg_size (answer) == 0;
    int rc = -1;
    if (!ok)
        error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_CONTROL, 0, "not an answer to %s",
                   stop ? "CAPTURE-STOP" : "CAPTURE");
    else if (code == 0)
        rc = 0;
    else
        error_set (error, (asynrole_code_t) code, ASYNROLE_OP_CAPTURE, (int) sys_errno, "%s", text);
    if (rc == 0)
        error_clear (error);
    zstr_free (&text);
    return rc;
}
