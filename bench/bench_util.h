/*  bench_util.h - what the benchmark's programs share: argument parsing,
    addresses, the monotonic clock, a latency histogram, a process's CPU time */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

//  An address from "127.0.0.1:PORT" or "[::1]:PORT" (numeric only)
typedef struct {
    struct sockaddr_storage sa;
    socklen_t len;
} bench_addr_t;

bool bench_addr_parse (const char *text, bench_addr_t *addr);
//  "HOST:PORT" of a socket's local address into buf
void bench_addr_local (int fd, char *buf, size_t size);

//  A whole decimal number in [min, max]; false when it is anything else
bool bench_parse_u64 (const char *text, uint64_t min, uint64_t max, uint64_t *value);
//  A decimal number of seconds in (0, max], such as 2 or 0.5, in nanoseconds
bool bench_parse_seconds (const char *text, double max, uint64_t *ns);

uint64_t bench_now_ns (void);

//  Latency histogram, log-linear: 32 buckets per power of two (error < 3%)
#define BENCH_HIST_BUCKETS (60 * 32)
typedef struct {
    uint64_t count[BENCH_HIST_BUCKETS];
    uint64_t total;
} bench_hist_t;

void bench_hist_add (bench_hist_t *hist, uint64_t ns);
//  The value at quantile q (0..1), in nanoseconds; 0 when empty
uint64_t bench_hist_quantile (const bench_hist_t *hist, double q);

//  CPU time of every thread of PID (first field of /proc/PID/task/*/schedstat),
//  in nanoseconds; false when the process cannot be read
bool bench_cpu_ns (pid_t pid, uint64_t *ns);

//  Raise a socket's receive buffer to bytes (SO_RCVBUFFORCE when we may, else
//  SO_RCVBUF, which the kernel caps at net.core.rmem_max)
void bench_rcvbuf (int fd, int bytes);

#endif
