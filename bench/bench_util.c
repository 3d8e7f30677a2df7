/*  bench_util.c - what the benchmark's programs share (bench_util.h) */
#define _GNU_SOURCE
#include "bench_util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool
bench_addr_parse (const char *text, bench_addr_t *addr)
{
    char host[64];
    const char *colon = strrchr (text, ':');
    if (!colon || (size_t) (colon - text) >= sizeof host)
        return false;
    memcpy (host, text, (size_t) (colon - text));
    host[colon - text] = '\0';
    uint64_t port;
    if (!bench_parse_u64 (colon + 1, 0, 65535, &port))
        return false;
    memset (addr, 0, sizeof *addr);
    size_t hlen = strlen (host);
    if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
        host[hlen - 1] = '\0';
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &addr->sa;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons ((uint16_t) port);
        addr->len = sizeof *in6;
        return inet_pton (AF_INET6, host + 1, &in6->sin6_addr) == 1;
    }
    struct sockaddr_in *in4 = (struct sockaddr_in *) &addr->sa;
    in4->sin_family = AF_INET;
    in4->sin_port = htons ((uint16_t) port);
    addr->len = sizeof *in4;
    return inet_pton (AF_INET, host, &in4->sin_addr) == 1;
}

void
bench_addr_local (int fd, char *buf, size_t size)
{
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (getsockname (fd, (struct sockaddr *) &sa, &len) == 0) {
        if (sa.ss_family == AF_INET6) {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &sa;
            inet_ntop (AF_INET6, &in6->sin6_addr, host, sizeof host);
            port = ntohs (in6->sin6_port);
            snprintf (buf, size, "[%s]:%u", host, port);
            return;
        }
        struct sockaddr_in *in4 = (struct sockaddr_in *) &sa;
        inet_ntop (AF_INET, &in4->sin_addr, host, sizeof host);
        port = ntohs (in4->sin_port);
    }
    snprintf (buf, size, "%s:%u", host, port);
}

bool
bench_parse_u64 (const char *text, uint64_t min, uint64_t max, uint64_t *value)
{
    if (!text || *text < '0' || *text > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull (text, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *value = v;
    return true;
}

bool
bench_parse_seconds (const char *text, double max, uint64_t *ns)
{
    if (!text || ((*text < '0' || *text > '9') && *text != '.'))
        return false;
    errno = 0;
    char *end;
    double v = strtod (text, &end);
    if (errno || *end || !(v > 0) || v > max)
        return false;
    *ns = (uint64_t) (v * 1e9);
    return *ns > 0;
}

uint64_t
bench_now_ns (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

//  Values below 64 have a bucket each; above, 32 buckets per power of two
static size_t
s_bucket (uint64_t v)
{
    if (v < 64)
        return (size_t) v;
    int msb = 63 - __builtin_clzll (v);
    size_t index = (size_t) (msb - 5) * 32 + (size_t) (v >> (msb - 5));
    return index < BENCH_HIST_BUCKETS ? index : BENCH_HIST_BUCKETS - 1;
}

//  The middle of a bucket
static uint64_t
s_bucket_value (size_t index)
{
    if (index < 64)
        return index;
    unsigned shift = (unsigned) (index / 32 - 1);
    uint64_t low = (uint64_t) (index % 32 + 32) << shift;
    return low + ((uint64_t) 1 << shift) / 2;
}

void
bench_hist_add (bench_hist_t *hist, uint64_t ns)
{
    hist->count[s_bucket (ns)]++;
    hist->total++;
}

uint64_t
bench_hist_quantile (const bench_hist_t *hist, double q)
{
    if (hist->total == 0)
        return 0;
    uint64_t rank = (uint64_t) (q * (double) hist->total);
    if (rank >= hist->total)
        rank = hist->total - 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < BENCH_HIST_BUCKETS; i++) {
        seen += hist->count[i];
        if (seen > rank)
            return s_bucket_value (i);
    }
    return s_bucket_value (BENCH_HIST_BUCKETS - 1);
}

//  First field of one task's schedstat: time on the CPU, ns
static bool
s_task_ns (const char *path, uint64_t *ns)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return false;
    unsigned long long v = 0;
    bool ok = fscanf (file, "%llu", &v) == 1;
    fclose (file);
    *ns = v;
    return ok;
}

bool
bench_cpu_ns (pid_t pid, uint64_t *ns)
{
    char path[96];
    snprintf (path, sizeof path, "/proc/%d/task", (int) pid);
    DIR *dir = opendir (path);
    if (!dir)
        return false;
    uint64_t sum = 0;
    struct dirent *entry;
    //  A thread that ends between readdir and fopen is simply not counted
    while ((entry = readdir (dir))) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
            continue;
        char task[160];
        uint64_t one;
        snprintf (task, sizeof task, "/proc/%d/task/%.16s/schedstat", (int) pid, entry->d_name);
        if (s_task_ns (task, &one))
            sum += one;
    }
    closedir (dir);
    *ns = sum;
    return true;
}

void
bench_rcvbuf (int fd, int bytes)
{
    if (setsockopt (fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
        (void) setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}
