/*  log.h - asynrole's log lines (verbose, dump, and what goes wrong)

    CZMQ's zsys_info and friends would do, but the first of them calls
    zsys_init, which installs process-wide SIGINT and SIGTERM handlers: a
    library's log line must never take Ctrl-C away from its program. These
    write one line each to stderr, in CZMQ's format ("I: 26-11-24 07:53:43
    text"), whole, so that lines from several threads never mix. */
#ifndef ASYNROLE_LOG_H_INCLUDED
#define ASYNROLE_LOG_H_INCLUDED

#define LOG_PRINTF(a, b) __attribute__ ((format (printf, a, b)))

void log_info (const char *format, ...) LOG_PRINTF (1, 2);
void log_warning (const char *format, ...) LOG_PRINTF (1, 2);
void log_error (const char *format, ...) LOG_PRINTF (1, 2);

#endif
