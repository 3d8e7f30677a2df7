/*  bench_support.c - numbers, clock, pinning and limits for the benchmarks */
#define _GNU_SOURCE
#include "bench_support.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

//  A whole number, times a K, M or G suffix when sizes allows one
static bool
s_parse_scaled (const char *name, const char *text, long min, long max, long *value, bool sizes)
{
    char *end = NULL;
    errno = 0;
    long v = text ? strtol (text, &end, 10) : 0;
    long unit = 1;
    if (sizes && text && end != text && *end && !end[1]) {
        unit = *end == 'K' || *end == 'k' ? 1024L
            : *end == 'M' || *end == 'm'  ? 1024L * 1024
            : *end == 'G' || *end == 'g'  ? 1024L * 1024 * 1024
                                          : 0;
        end += unit ? 1 : 0;
    }
    if (!text || end == text || *end || errno || !unit || v > max / unit || v * unit < min) {
        fprintf (stderr, "%s: %s: want a %s from %ld to %ld%s, not '%s'\n",
                 program_invocation_short_name, name, sizes ? "size" : "whole number", min, max,
                 sizes ? " bytes (K, M, G allowed)" : "", text ? text : "");
        return false;
    }
    *value = v * unit;
    return true;
}

bool
bench_parse_long (const char *name, const char *text, long min, long max, long *value)
{
    return s_parse_scaled (name, text, min, max, value, false);
}

bool
bench_parse_size (const char *name, const char *text, long min, long max, long *value)
{
    return s_parse_scaled (name, text, min, max, value, true);
}

bool
bench_parse_double (const char *name, const char *text, double min, double max, double *value)
{
    char *end = NULL;
    errno = 0;
    double v = text ? strtod (text, &end) : 0;
    if (!text || end == text || *end || errno || !(v >= min && v <= max)) {
        fprintf (stderr, "%s: %s: want a number from %g to %g, not '%s'\n",
                 program_invocation_short_name, name, min, max, text ? text : "");
        return false;
    }
    *value = v;
    return true;
}

void
bench_sleep_until (int64_t at_us)
{
    struct timespec at = { .tv_sec = at_us / 1000000, .tv_nsec = (at_us % 1000000) * 1000 };
    //  Bounded: a signal resumes the same absolute wait, at most a few times
    for (int i = 0; i < 100; i++)
        if (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) != EINTR)
            return;
}

bool
bench_pin (int cpu)
{
    if (cpu < 0 || cpu >= CPU_SETSIZE) {
        errno = EINVAL;
        return false;
    }
    cpu_set_t set;
    CPU_ZERO (&set);
    CPU_SET (cpu, &set);
    int rc = pthread_setaffinity_np (pthread_self (), sizeof set, &set);
    if (rc)
        errno = rc;
    return rc == 0;
}

long
bench_raise_nofile (void)
{
    struct rlimit limit;
    if (getrlimit (RLIMIT_NOFILE, &limit))
        return -1;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit (RLIMIT_NOFILE, &limit) && getrlimit (RLIMIT_NOFILE, &limit))
            return -1;
    }
    return limit.rlim_cur == RLIM_INFINITY ? (long) 1 << 30 : (long) limit.rlim_cur;
}

//  One option's value into its place; false after a message when it is bad
static bool
s_parse_value (const bench_option_t *option, const char *value)
{
    long min = (long) option->min, max = (long) option->max;
    switch (option->kind) {
        case BENCH_OPT_TEXT: return (*(const char **) option->value = value), true;
        case BENCH_OPT_LONG:
            return bench_parse_long (option->name, value, min, max, (long *) option->value);
        case BENCH_OPT_SIZE:
            return bench_parse_size (option->name, value, min, max, (long *) option->value);
        case BENCH_OPT_DOUBLE:
            return bench_parse_double (option->name, value, option->min, option->max,
                                       (double *) option->value);
        case BENCH_OPT_FLAG: break;
    }
    return false;
}

bool
bench_parse_options (const bench_option_t *options, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *name = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        const bench_option_t *option = options;
        while (option->name && strcmp (option->name, name))
            option++;
        if (option->name && option->kind == BENCH_OPT_FLAG) {
            *(bool *) option->value = true;
            continue;
        }
        //  A missing value is named before an unknown option
        if (!value)
            fprintf (stderr, "%s: %s wants a value\n", program_invocation_short_name, name);
        else if (!option->name)
            fprintf (stderr, "%s: unknown option '%s'\n", program_invocation_short_name, name);
        if (!value || !option->name || !s_parse_value (option, value))
            return false;
        i++;
    }
    return true;
}

void
bench_command_line (int argc, char **argv, const char *usage,
                    bool (*parse) (void *args, int argc, char **argv), void *args)
{
    if (argc == 2 && (!strcmp (argv[1], "-h") || !strcmp (argv[1], "--help"))) {
        fputs (usage, stdout);
        exit (0);
    }
    if (!parse (args, argc, argv)) {
        fputs (usage, stderr);
        exit (BENCH_EXIT_USAGE);
    }
}
