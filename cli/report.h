/*  report.h - the CLI's exit codes and its one-line messages on stderr

    Every line the tool itself writes to stderr starts "asynrole: ", so that
    it stands apart from the library's log lines (verbose, dump), which
    start with a level letter ("I: "). */
#ifndef CLI_REPORT_H_INCLUDED
#define CLI_REPORT_H_INCLUDED

#include "asynrole.h"

//  Exit codes (docs/cli.md)
enum {
    CLI_OK = 0,         //  done: a reply (send), --count reached, stopped by a signal
    CLI_NO_REPLY = 1,   //  send: no reply after every attempt; listen: --timeout passed
                        //  before --count datagrams came
    CLI_BAD_INPUT = 2,  //  a bad argument, or input the library refused (ASYNROLE_EBADARG)
    CLI_FAILED = 3      //  a failure at run time: a port in use, out of descriptors,
                        //  output that cannot be written, a capture missing datagrams
};

#define CLI_PRINTF(a, b) __attribute__ ((format (printf, a, b)))

//  Write "asynrole: <text>" as one line to stderr, and return code
int report (int code, const char *format, ...) CLI_PRINTF (2, 3);

//  A library call failed: "asynrole: <what>: <detail>"; returns
//  CLI_BAD_INPUT for ASYNROLE_EBADARG, CLI_FAILED for anything else
int report_error (const char *what, const asynrole_error_t *error);

#endif
