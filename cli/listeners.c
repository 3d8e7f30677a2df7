/*  listeners.c - the Agent of echo and listen, on every --listen */
#include "commands.h"
#include "report.h"
#include <stdio.h>
#include <string.h>

//  "fd:N" and "systemd:NAME" name sockets to adopt (asynrole_listen.h): the
//  Agent checks them itself
static bool
s_adopted (const char *text)
{
    return strncmp (text, "fd:", 3) == 0 || strncmp (text, "systemd:", 8) == 0;
}

//  Every --listen, before anything starts
static int
s_check (const char *name, const cli_args_t *args)
{
    if (args->listen_count == 0)
        return report (CLI_BAD_INPUT, "%s: needs --listen ADDR (asynrole %s --help)", name, name);
    for (size_t i = 0; i < args->listen_count; i++) {
        asynrole_addr_t addr;
        asynrole_error_t error;
        if (!s_adopted (args->listen[i]) && asynrole_addr_parse (&addr, args->listen[i], &error))
            return report (CLI_BAD_INPUT, "%s: bad --listen '%s': %s", name, args->listen[i],
                           error.detail);
    }
    return 0;
}

static int
s_open (session_t *session, const cli_args_t *args, asynrole_agent_fn *callback, void *ctx,
        asynrole_agent_t **agent)
{
    asynrole_options_t options = session_options (session);
    options.pipe_mode = callback == NULL;
    options.name = session->name;
    options.buffer_size = (size_t) args->buffer;
    asynrole_error_t error;
    *agent = asynrole_agent_new (callback, ctx, args->listen, args->listen_count, &options, &error);
    if (!*agent)
        return report_error (session->name, &error);
    //  Where it listens, ports chosen by the kernel included ("127.0.0.1:0")
    char line[CLI_LISTEN_MAX * (ASYNROLE_ADDR_STRLEN + 1)] = "";
    size_t at = 0;
    for (size_t i = 0; i < asynrole_agent_count (*agent) && at < sizeof line; i++) {
        char text[ASYNROLE_ADDR_STRLEN];
        asynrole_addr_format (asynrole_agent_local (*agent, i), text, sizeof text);
        at += (size_t) snprintf (line + at, sizeof line - at, " %s", text);
    }
    report (0, "%s: listening on%s", session->name, line);
    return 0;
}

int
listeners_start (session_t *session, const char *name, const cli_args_t *args,
                 asynrole_agent_fn *callback, void *ctx, asynrole_agent_t **agent)
{
    int code = s_check (name, args);
    if (code || (code = session_open (session, name, args)))
        return code;
    if ((code = s_open (session, args, callback, ctx, agent)))
        return session_close (session, code);
    return 0;
}

int
listeners_stop (session_t *session, asynrole_agent_t **agent, bool counters, int code)
{
    if (counters)
        session_counters (session);
    asynrole_agent_destroy (agent);
    return session_close (session, code);
}
