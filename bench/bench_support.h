/*  bench_support.h - what the engine, storm and sockets benchmarks share
    beyond bench_util.h: signed numbers and sizes from the command line,
    sleeping to a time, pinning, descriptor limits, the command line

    Every parser takes the option's name for its message and returns false
    (after one line on stderr) when the text is not a whole number within
    [min, max]; sizes take a K, M or G suffix (powers of 1024).
*/
#ifndef BENCH_SUPPORT_H_INCLUDED
#define BENCH_SUPPORT_H_INCLUDED

#include "bench_util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Exit codes of every benchmark program
#define BENCH_EXIT_FAILED 1
#define BENCH_EXIT_USAGE 2

bool bench_parse_long (const char *name, const char *text, long min, long max, long *value);
bool bench_parse_size (const char *name, const char *text, long min, long max, long *value);
bool bench_parse_double (const char *name, const char *text, double min, double max, double *value);

//  One option of a command line: its name, how its value is read (kept as
//  text, by the parsers above, or none: a flag set true), the bounds of a
//  number and where the value goes (const char *, long, double or bool)
typedef enum {
    BENCH_OPT_FLAG,
    BENCH_OPT_TEXT,
    BENCH_OPT_LONG,
    BENCH_OPT_SIZE,
    BENCH_OPT_DOUBLE
} bench_opt_kind_t;

typedef struct {
    const char *name;
    bench_opt_kind_t kind;
    double min, max;
    void *value;
} bench_option_t;

//  Reads argv[1..] as options of the table (ended by a NULL name); false
//  after one line on stderr for a missing value, an unknown option or a bad
//  value
bool bench_parse_options (const bench_option_t *options, int argc, char **argv);

//  What main does first: has parse fill args, or exits: 0 after -h or
//  --help (usage on stdout), BENCH_EXIT_USAGE when parse said no (usage on
//  stderr)
void bench_command_line (int argc, char **argv, const char *usage,
                         bool (*parse) (void *args, int argc, char **argv), void *args);

//  CLOCK_MONOTONIC in microseconds (bench_now_ns)
static inline int64_t
bench_now_us (void)
{
    return (int64_t) (bench_now_ns () / 1000);
}

//  Sleep until CLOCK_MONOTONIC reaches at_us (absolute; signals resume it)
void bench_sleep_until (int64_t at_us);

//  Pin the calling thread to one CPU; false (errno set) when it cannot be
bool bench_pin (int cpu);

//  Raise the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit
long bench_raise_nofile (void);

#endif
