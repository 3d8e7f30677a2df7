/*  commands.h - the commands: each takes what follows its name on the
    command line and returns the exit code (report.h) */
#ifndef CLI_COMMANDS_H_INCLUDED
#define CLI_COMMANDS_H_INCLUDED

#include "args.h"
#include "session.h"

int cmd_echo (int argc, char **argv);
int cmd_listen (int argc, char **argv);
int cmd_send (int argc, char **argv);

//  The options every command takes, for the usage texts
#define CLI_COMMON_OPTIONS                                                              \
    "  --verbose, -v       log what the roles and the I/O actor do, and the counters\n" \
    "                      at the end (stderr)\n"                                       \
    "  --dump              hex-dump every datagram sent and received (stderr)\n"        \
    "  --capture FILE      write every datagram sent and received to FILE (pcap)\n"     \
    "  --help, -h          this help\n"

//  echo and listen: check every --listen (exit 2 for a bad one) before
//  anything starts, open the session, and its Agent on every --listen
//  (buffer_size: --buffer): in callback mode with callback, in pipe mode
//  when it is NULL; then say where it listens. Returns 0, or an exit code
//  after one line on stderr (the session closed then).
int listeners_start (session_t *session, const char *name, const cli_args_t *args,
                     asynrole_agent_fn *callback, void *ctx, asynrole_agent_t **agent);

//  echo and listen: the counters when counters (a signal, --verbose), the
//  Agent destroyed, the session closed. Returns code, or the close's failure.
int listeners_stop (session_t *session, asynrole_agent_t **agent, bool counters, int code);

//  Print the usage text to stdout: exit 0, or 3 when it cannot be written
int usage_print (const char *text);

#endif
