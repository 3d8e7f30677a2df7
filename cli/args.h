/*  args.h - the command line: options shared by the commands, parsed
    strictly (every number whole and in range, every option known to the
    command and given at most once), each mistake one line on stderr */
#ifndef CLI_ARGS_H_INCLUDED
#define CLI_ARGS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  The commands, as bits: which of them take an option
typedef enum {
    CLI_ECHO = 1u << 0,
    CLI_LISTEN = 1u << 1,
    CLI_SEND = 1u << 2
} cli_command_t;

//  --listen given at most this many times
#define CLI_LISTEN_MAX 64

//  Limits of the numbers (the request engine's own for --timeout and --retries)
#define CLI_TIMEOUT_MAX 86400000  //  one day, ms
#define CLI_RETRIES_MAX 1000

typedef struct {
    const char *listen[CLI_LISTEN_MAX];  //  --listen, in order
    size_t listen_count;
    const char *bind;         //  --bind, NULL if not given
    int timeout;              //  --timeout ms, 0 if not given
    int retries;              //  --retries, -1 if not given
    int64_t count;            //  --count, 0 if not given
    int buffer;               //  --buffer bytes, 0 if not given
    const char *capture;      //  --capture path, NULL if not given
    bool verbose;             //  --verbose, -v
    bool dump;                //  --dump
    bool pipe;                //  --pipe (echo: events read in pipe mode)
    bool help;                //  --help, -h
    const char *operands[2];  //  what is not an option, in order
    size_t operand_count;
} cli_args_t;

//  Parse argv[0..argc-1] (what follows the command's name) for command, which
//  takes exactly operands operands (at most 2; synopsis names them in the
//  message when some are missing), unless --help is given. Returns 0, or
//  CLI_BAD_INPUT after one line on stderr.
int args_parse (cli_args_t *args, cli_command_t command, const char *name, size_t operands,
                const char *synopsis, int argc, char **argv);

//  A whole decimal number in min..max: 0, or -1 (text is not one, or out of range)
int args_number (const char *text, int64_t min, int64_t max, int64_t *value);

#endif
