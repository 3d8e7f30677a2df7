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

bool
bench_parse_long (const char *name, const char *text, long min, long max, long *value)
{
    char *end = NULL;
    errno = 0;
    long v = text ? strtol (text, &end, 10) : 0;
    if (!text || end == text || *end || errno || v < min || v > max) {
        fprintf (stderr, "%s: %s: want a whole number from %ld to %ld, not '%s'\n",
                 program_invocation_short_name, name, min, max, text ? text : "");
        return false;
    }
    *value = v;
    return true;
}

bool
bench_parse_size (const char *name, const char *text, long min, long max, long *value)
{
    char *end = NULL;
    errno = 0;
    long v = text ? strtol (text, &end, 10) : 0;
    long unit = 1;
    if (text && end != text && *end && !end[1]) {
        unit = *end == 'K' || *end == 'k' ? 1024L
            : *end == 'M' || *end == 'm'  ? 1024L * 1024
            : *end == 'G' || *end == 'g'  ? 1024L * 1024 * 1024
                                          : 0;
        end += unit ? 1 : 0;
    }
    if (!text || end == text || *end || errno || !unit || v > max / unit || v * unit < min) {
        fprintf (stderr, "%s: %s: want a size from %ld to %ld bytes (K, M, G allowed), not '%s'\n",
                 program_invocation_short_name, name, min, max, text ? text : "");
        return false;
    }
    *value = v * unit;
    return true;
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
