/*  main.c - asynrole, the command-line tool: the command's name picks the
    command (docs/cli.md) */
#include "commands.h"
#include "report.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char s_usage[] =
    "usage: asynrole COMMAND [OPTIONS] [ARGUMENTS]\n"
    "\n"
    "UDP datagrams through asynrole's Manager and Agent roles.\n"
    "\n"
    "Commands:\n"
    "  echo      an Agent that sends every datagram back to its sender\n"
    "  listen    one line per datagram received: time, source, local address, size,\n"
    "            hex (a trap sink)\n"
    "  send      one request, with timeout and retries; prints the reply in hex\n"
    "\n"
    "Options of every command:\n" CLI_COMMON_OPTIONS "\n"
    "Addresses are numeric: 127.0.0.1:1161, [::1]:1161, [fe80::1%eth0]:1161.\n"
    "Exit status: 0 done; 1 no reply (send), too few datagrams (listen --timeout);\n"
    "2 a bad argument or input; 3 a failure at run time (a port in use, ...).\n"
    "SIGINT or SIGTERM ends every command cleanly; it prints the I/O actor's\n"
    "counters to stderr.\n"
    "\n"
    "asynrole COMMAND --help says more; asynrole --version prints the version.\n";

int
usage_print (const char *text)
{
    if (fputs (text, stdout) < 0 || fflush (stdout))
        return report (CLI_FAILED, "cannot write the help: %s", strerror (errno));
    return CLI_OK;
}

static int
s_version (void)
{
    char text[64];
    snprintf (text, sizeof text, "asynrole %d.%d.%d\n", ASYNROLE_VERSION_MAJOR,
              ASYNROLE_VERSION_MINOR, ASYNROLE_VERSION_PATCH);
    return usage_print (text);
}

int
main (int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run) (int argc, char **argv);
    } commands[] = { { "echo", cmd_echo }, { "listen", cmd_listen }, { "send", cmd_send } };
    if (argc < 2)
        return report (CLI_BAD_INPUT, "no command: echo, listen or send (asynrole --help)");
    const char *name = argv[1];
    if (strcmp (name, "--help") == 0 || strcmp (name, "-h") == 0 || strcmp (name, "help") == 0)
        return argc == 2
            ? usage_print (s_usage)
            : report (CLI_BAD_INPUT, "unexpected argument '%s' after %s", argv[2], name);
    if (strcmp (name, "--version") == 0)
        return argc == 2
            ? s_version ()
            : report (CLI_BAD_INPUT, "unexpected argument '%s' after %s", argv[2], name);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp (name, commands[i].name) == 0)
            return commands[i].run (argc - 2, argv + 2);
    return report (CLI_BAD_INPUT, "unknown command '%s': echo, listen or send (asynrole --help)",
                   name);
}
