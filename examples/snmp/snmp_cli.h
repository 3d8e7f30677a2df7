/*  snmp_cli.h - what the SNMP example programs share: arguments, the
    "listening on" line, and waiting for SIGINT / SIGTERM without a handler

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

#endif
