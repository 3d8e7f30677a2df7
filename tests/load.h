/*  load.h - what the overload and soak tests share (tests/test_overload.c,
    tests/test_soak.c): their duration, the process's resources read from
    /proc, a sanitizer's allowance in a memory bound, and a paced load: a
    thread that calls a function rate times a second until stopped.

    The pacer keeps to its rate by the clock, not by sleeping between
    calls: each tick (10 ms) it makes the calls that are due since the rate
    was set, then waits for the next tick on its stop eventfd (poll with
    the time left), so that a stop ends it at once. A pacer that fell
    behind (a slow machine, valgrind) catches up by at most one second's
    calls, never more: the load stays bounded at any speed.
*/
#ifndef LOAD_H_INCLUDED
#define LOAD_H_INCLUDED

#include "testutil.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Seconds an overload or soak case runs: ASYNROLE_SOAK_SECONDS (1 ..
//  86400), default 60
int ld_seconds (void);

//  The process's resident set (VmRSS), bytes; 0 if unknown
size_t ld_rss (void);

//  Threads of the process (/proc/self/task entries)
int ld_threads (void);

//  Bytes a memory bound allows beyond app_bytes (what the program itself
//  may hold) for the tool the test runs under (load.c says how each is
//  made up): ASan's quarantine (which load.c sets to 16 MiB) twice, its
//  caches and shadow: 48 MiB + (app_bytes + 48 MiB) / 8; TSan's shadow
//  and runtime: 4 * app_bytes + 64 MiB; memcheck's shadow and freed-block
//  queue: app_bytes + 52 MiB; 0 in a plain build. name (may be NULL) is
//  set to the tool's name.
size_t ld_tool_allowance (size_t app_bytes, const char **name);

//  Wait ms milliseconds (a measurement's window, not a synchronisation)
void ld_pause (int ms);

//  One call of a pacer: true when it did what it was called for (counted)
typedef bool (ld_call_fn) (void *ctx);

typedef struct ld_pacer_s ld_pacer_t;

//  Start a thread calling call (ctx) rate times a second; NULL on failure
ld_pacer_t *ld_pacer_new (ld_call_fn *call, void *ctx, double rate);

//  Change the rate from now on (any thread)
void ld_pacer_set_rate (ld_pacer_t *self, double rate);

//  Calls so far that returned true, and that returned false
uint64_t ld_pacer_done (ld_pacer_t *self);
uint64_t ld_pacer_failed (ld_pacer_t *self);

//  Stop the thread and free; returns the calls that returned true
uint64_t ld_pacer_destroy (ld_pacer_t **self_p);

//  A plain UDP socket bound to ip:0 that sends numbered datagrams of size
//  bytes (at least 8: the number first) to a destination: a pacer's call
typedef struct {
    int fd;
    asynrole_addr_t to;
    size_t size;
    uint64_t seq;       //  the next number
    uint64_t refused;   //  sendto failures (each is also a false call)
    uint8_t data[256];  //  the datagram
} ld_udp_t;

//  Open it, failing the test when it cannot
void ld_udp_open (ld_udp_t *self, const char *ip, const asynrole_addr_t *to, size_t size);
void ld_udp_close (ld_udp_t *self);

//  Send one datagram (ctx: an ld_udp_t)
bool ld_udp_send (void *ctx);

#endif
