/*  session.h - what every command runs on: the signal descriptor, one I/O
    actor shared by the command's roles, its capture (--capture), and its
    counters, printed when the command stops */
#ifndef CLI_SESSION_H_INCLUDED
#define CLI_SESSION_H_INCLUDED

#include "args.h"
#include "asynrole.h"

typedef struct {
    const char *name;     //  the command, in messages
    const char *capture;  //  --capture path, NULL if none
    bool verbose;
    bool dump;
    int signal_fd;  //  readable on SIGINT or SIGTERM (signals.h)
    asynrole_io_t *io;
} session_t;

//  Block the signals (before any thread starts), start the I/O actor and
//  the capture. Returns 0, or an exit code after one line on stderr, with
//  nothing left open.
int session_open (session_t *self, const char *name, const cli_args_t *args);

//  Options for a role of the session: the shared I/O actor, verbose, dump
asynrole_options_t session_options (const session_t *self);

//  Write the I/O actor's counters to stderr: a line per socket open now,
//  then its totals (docs/cli.md)
void session_counters (session_t *self);

//  Stop the capture, let go of the I/O actor, close the descriptor. Returns
//  code, or CLI_FAILED when it was 0 or 1 and the capture misses datagrams.
//  Call it once every role is destroyed.
int session_close (session_t *self, int code);

#endif
