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
