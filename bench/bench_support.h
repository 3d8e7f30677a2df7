/*  bench_support.h - what the engine, storm and sockets benchmarks share
    beyond bench_util.h: signed numbers and sizes from the command line,
    sleeping to a time, pinning, descriptor limits

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
