/*  args.c - the command line, parsed strictly */
#include "args.h"
#include "asynrole.h"
#include "report.h"
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    OPT_LISTEN,
    OPT_BIND,
    OPT_TIMEOUT,
    OPT_RETRIES,
    OPT_COUNT,
    OPT_BUFFER,
    OPT_CAPTURE,
    OPT_VERBOSE,
    OPT_DUMP,
    OPT_PIPE,
    OPT_HELP
} option_id_t;

#define ALL (CLI_ECHO | CLI_LISTEN | CLI_SEND)

typedef struct {
    const char *name;   //  --name
    char letter;        //  -letter, 0 if none
    bool value;         //  takes a value
    bool repeat;        //  may be given more than once
    unsigned commands;  //  cli_command_t bits of the commands that take it
} option_t;

//  In option_id_t's order
static const option_t s_options[] = {
    { "listen", 0, true, true, CLI_ECHO | CLI_LISTEN },
    { "bind", 0, true, false, CLI_SEND },
    { "timeout", 0, true, false, CLI_LISTEN | CLI_SEND },
    { "retries", 0, true, false, CLI_SEND },
    { "count", 0, true, false, CLI_LISTEN },
    { "buffer", 0, true, false, CLI_LISTEN },
    { "capture", 0, true, false, ALL },
    { "verbose", 'v', false, false, ALL },
    { "dump", 0, false, false, ALL },
    { "pipe", 0, false, false, CLI_ECHO },
    { "help", 'h', false, false, ALL },
};
#define OPTIONS (sizeof s_options / sizeof s_options[0])

int
args_number (const char *text, int64_t min, int64_t max, int64_t *value)
{
    //  Digits only: no sign, no blanks, no hex or octal, nothing after
    if (!text || text[0] < '0' || text[0] > '9')
        return -1;
    errno = 0;
    char *end = NULL;
    long long number = strtoll (text, &end, 10);
    if (errno || *end || number < min || number > max)
        return -1;
    *value = number;
    return 0;
}

//  A number option's value into *value
static int
s_number (const char *name, const char *option, const char *text, int64_t min, int64_t max,
          int64_t *value)
{
    if (args_number (text, min, max, value) == 0)
        return 0;
    return report (CLI_BAD_INPUT, "%s: --%s takes a whole number from %lld to %lld, not '%s'", name,
                   option, (long long) min, (long long) max, text);
}

//  Keep an option's value
static int
s_store (cli_args_t *args, const char *name, option_id_t id, const char *value)
{
    int64_t number = 0;
    int rc = 0;
    switch (id) {
        case OPT_LISTEN:
            if (args->listen_count == CLI_LISTEN_MAX)
                return report (CLI_BAD_INPUT, "%s: --listen given more than %d times", name,
                               CLI_LISTEN_MAX);
            args->listen[args->listen_count++] = value;
            break;
        case OPT_BIND: args->bind = value; break;
        case OPT_CAPTURE: args->capture = value; break;
        case OPT_TIMEOUT:
            rc = s_number (name, "timeout", value, 1, CLI_TIMEOUT_MAX, &number);
            args->timeout = (int) number;
            break;
        case OPT_RETRIES:
            rc = s_number (name, "retries", value, 0, CLI_RETRIES_MAX, &number);
            args->retries = (int) number;
            break;
        case OPT_COUNT:
            rc = s_number (name, "count", value, 1, INT64_MAX, &number);
            args->count = number;
            break;
        case OPT_BUFFER:
            rc = s_number (name, "buffer", value, 1, ASYNROLE_BUFFER_SIZE, &number);
            args->buffer = (int) number;
            break;
        case OPT_VERBOSE: args->verbose = true; break;
        case OPT_DUMP: args->dump = true; break;
        case OPT_PIPE: args->pipe = true; break;
        case OPT_HELP: args->help = true; break;
    }
    return rc;
}

//  Which option arg names ("--name", "--name=value", "-l"); OPTIONS if none.
//  *inline_value is what follows '=', NULL without one.
static size_t
s_lookup (const char *arg, const char **inline_value)
{
    *inline_value = NULL;
    if (arg[1] != '-') {
        for (size_t i = 0; i < OPTIONS; i++)
            if (s_options[i].letter && arg[1] == s_options[i].letter && !arg[2])
                return i;
        return OPTIONS;
    }
    const char *name = arg + 2;
    const char *equals = strchr (name, '=');
    size_t length = equals ? (size_t) (equals - name) : strlen (name);
    for (size_t i = 0; i < OPTIONS; i++)
        if (strlen (s_options[i].name) == length && memcmp (s_options[i].name, name, length) == 0) {
            *inline_value = equals ? equals + 1 : NULL;
            return i;
        }
    return OPTIONS;
}

//  The option at argv[*at]; moves *at past its value
static int
s_option (cli_args_t *args, cli_command_t command, const char *name, unsigned *seen, int argc,
          char **argv, int *at)
{
    const char *arg = argv[*at];
    const char *value = NULL;
    size_t id = s_lookup (arg, &value);
    if (id == OPTIONS)
        return report (CLI_BAD_INPUT, "%s: unknown option '%s' (asynrole %s --help)", name, arg,
                       name);
    const option_t *option = &s_options[id];
    if (!(option->commands & command))
        return report (CLI_BAD_INPUT, "%s: --%s is not an option of %s (asynrole %s --help)", name,
                       option->name, name, name);
    if ((*seen & (1u << id)) && !option->repeat)
        return report (CLI_BAD_INPUT, "%s: --%s given twice", name, option->name);
    *seen |= 1u << id;
    if (!option->value) {
        if (value)
            return report (CLI_BAD_INPUT, "%s: --%s takes no value", name, option->name);
        return s_store (args, name, (option_id_t) id, NULL);
    }
    if (!value) {
        if (*at + 1 >= argc)
            return report (CLI_BAD_INPUT, "%s: --%s needs a value", name, option->name);
        value = argv[++*at];
    }
    if (!*value)
        return report (CLI_BAD_INPUT, "%s: --%s needs a value, not ''", name, option->name);
    return s_store (args, name, (option_id_t) id, value);
}

int
args_parse (cli_args_t *args, cli_command_t command, const char *name, size_t operands,
            const char *synopsis, int argc, char **argv)
{
    assert (operands <= sizeof args->operands / sizeof args->operands[0]);
    memset (args, 0, sizeof *args);
    args->retries = -1;
    unsigned seen = 0;
    bool options_end = false;
    for (int at = 0; at < argc; at++) {
        const char *arg = argv[at];
        if (!options_end && strcmp (arg, "--") == 0)
            options_end = true;
        else if (!options_end && arg[0] == '-' && arg[1]) {
            int rc = s_option (args, command, name, &seen, argc, argv, &at);
            if (rc)
                return rc;
        }
        else if (args->operand_count < operands)
            args->operands[args->operand_count++] = arg;
        else
            return report (CLI_BAD_INPUT, "%s: unexpected argument '%s' (asynrole %s --help)", name,
                           arg, name);
    }
    if (!args->help && args->operand_count < operands)
        return report (CLI_BAD_INPUT, "%s: needs %s (asynrole %s --help)", name, synopsis, name);
    return 0;
}
