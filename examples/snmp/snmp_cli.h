/*  snmp_cli.h - what the SNMP example programs share: arguments, the
    "listening on" line, waiting for SIGINT / SIGTERM without a handler, and
    writing stdout so that a stalled reader never holds the program

    Example code, not part of libasynrole.
*/
#ifndef SNMP_CLI_H_INCLUDED
#define SNMP_CLI_H_INCLUDED

#include "asynrole.h"
#include <stdbool.h>
#include <stddef.h>

//  A decimal number from 1 to max, or 0 when text is not one
size_t snmp_cli_number (const char *text, size_t max);

//  Is text an interface asynrole_agent_new takes: a numeric address
//  ("127.0.0.1:161", "[::1]:0"), "fd:N" or "systemd:NAME"? When not, one
//  line on stderr, prefixed with program.
bool snmp_cli_check_listen (const char *program, const char *text);

//  Block SIGINT and SIGTERM in this thread and every thread started after
//  (call it first in main, before any role exists), and return a signalfd
//  that reads them, or -1 (errno set)
int snmp_cli_signals (void);

//  Print "listening on ADDR [ADDR...]" (every address agent is bound to)
//  on stdout and flush it
void snmp_cli_print_listening (asynrole_agent_t *agent);

//  Wait until signal_fd or wake_fd (-1: none) is readable; returns the
//  signal's number, or 0 for wake_fd. Waits in poll, never spins.
int snmp_cli_wait (int signal_fd, int wake_fd);

//  Write len bytes to fd so that the wait for a reader that stopped reading
//  ends when stop_fd becomes readable (not read; -1: none), or after
//  timeout_ms (-1: never): the CLI's writer (cli/polled_write.h, compiled in
//  here too; plain C, no asynrole). Returns 0 once all is written, 1 for
//  stop_fd (the rest dropped), -2 when the time passed, -1 when a write or
//  the poll failed (errno).
int snmp_cli_write (int fd, int stop_fd, int timeout_ms, const char *data, size_t len);

#endif
