/*  sockets.c - asynrole-sockets-bench: one Agent (one I/O actor) serving N
    sockets on 127.0.0.1, echoing what any of them receives

    Prints on stdout, once every socket is open:

        sockets=N open_ms=<time to open them all>
        listening on 127.0.0.1:P1 127.0.0.1:P2 ...   (--traffic K of them,
                                                       spread over the N)

    then echoes until SIGINT or SIGTERM (or --max-seconds), and prints

        received=<datagrams read, all sockets> replied=<sent back> kernel_dropped=

    When N sockets cannot be had (the descriptor limit, the kernel), it
    prints "unavailable: <why>" and exits 3: the caller reports it.
    Exit 0, 1 on failure, 2 on bad arguments.
*/
#define _GNU_SOURCE
#include "bench_support.h"
#include "asynrole.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXIT_UNAVAILABLE 3

static const char *s_usage =
    "usage: asynrole-sockets-bench --sockets N [--traffic K (4)] [--max-seconds SEC (600)]\n";

typedef struct {
    long sockets, traffic, max_seconds;
} args_t;

static void
s_echo (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
        const asynrole_error_t *error)
{
    (void) error;
    asynrole_error_t failure;
    if (datagram
        && asynrole_agent_reply (agent, datagram, datagram->data, datagram->size, &failure))
        atomic_fetch_add ((atomic_ullong *) ctx, 1);
}

//  One Agent on n sockets; NULL after saying why (unavailable: exit 3)
static asynrole_agent_t *
s_agent_new (long n, atomic_ullong *refused, int *code)
{
    long limit = bench_raise_nofile ();
    //  Room for libzmq's own descriptors and the process's
    if (limit < n + 64) {
        printf ("unavailable: %ld sockets need RLIMIT_NOFILE above %ld; the hard limit is %ld\n", n,
                n + 64, limit);
        *code = EXIT_UNAVAILABLE;
        return NULL;
    }
    const char **ifaces = (const char **) calloc ((size_t) n, sizeof *ifaces);
    if (!ifaces)
        return NULL;
    for (long i = 0; i < n; i++)
        ifaces[i] = "127.0.0.1:0";
    //  The kernel's default buffer: 10,000 sockets of 4 MiB would be a lot to ask
    asynrole_options_t options = { .rcvbuf = -1, .timeout = 60000 };
    asynrole_error_t error;
    asynrole_agent_t *agent =
        asynrole_agent_new (s_echo, refused, ifaces, (size_t) n, &options, &error);
    free (ifaces);
    if (!agent) {
        bool resource = error.code == ASYNROLE_ERESOURCE || error.sys_errno == EMFILE
            || error.sys_errno == ENFILE || error.sys_errno == ENOBUFS;
        printf ("%s: %ld sockets: %s\n", resource ? "unavailable" : "failed", n, error.detail);
        *code = resource ? EXIT_UNAVAILABLE : BENCH_EXIT_FAILED;
    }
    return agent;
}

//  Wait for SIGINT or SIGTERM (blocked, so that sigtimedwait takes them)
static void
s_serve (const args_t *args)
{
    sigset_t stop;
    sigemptyset (&stop);
    sigaddset (&stop, SIGINT);
    sigaddset (&stop, SIGTERM);
    struct timespec wait = { .tv_sec = args->max_seconds };
    int64_t deadline = bench_now_us () + args->max_seconds * 1000000;
    //  Bounded: other interruptions resume the wait until the deadline
    for (int i = 0; i < 1000 && bench_now_us () < deadline; i++) {
        int signal = sigtimedwait (&stop, NULL, &wait);
        if (signal == SIGINT || signal == SIGTERM || (signal < 0 && errno == EAGAIN))
            return;
    }
}

static int
s_report (asynrole_agent_t *agent, size_t n, atomic_ullong *refused)
{
    asynrole_stats_t *stats = (asynrole_stats_t *) calloc (n, sizeof *stats);
    asynrole_error_t error;
    int got = stats ? asynrole_agent_stats (agent, stats, n, &error) : -1;
    if (got < 0) {
        fprintf (stderr, "asynrole-sockets-bench: no counters: %s\n",
                 stats ? error.detail : "out of memory");
        free (stats);
        return BENCH_EXIT_FAILED;
    }
    unsigned long long rx = 0, tx = 0, dropped = 0;
    for (int i = 0; i < got && (size_t) i < n; i++) {
        rx += stats[i].rx_datagrams;
        tx += stats[i].tx_datagrams;
        dropped += stats[i].kernel_dropped;
    }
    printf ("received=%llu replied=%llu kernel_dropped=%llu refused=%llu\n", rx, tx, dropped,
            atomic_load (refused));
    free (stats);
    return 0;
}

static bool
s_parse (void *into, int argc, char **argv)
{
    args_t *args = (args_t *) into;
    *args = (args_t){ .traffic = 4, .max_seconds = 600 };
    for (int i = 1; i < argc; i += 2) {
        const char *name = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = !strcmp (name, "--sockets")
            ? bench_parse_long (name, value, 1, 1000000, &args->sockets)
            : !strcmp (name, "--traffic") ? bench_parse_long (name, value, 1, 1000, &args->traffic)
            : !strcmp (name, "--max-seconds")
            ? bench_parse_long (name, value, 1, 86400, &args->max_seconds)
            : (fprintf (stderr, "asynrole-sockets-bench: unknown option '%s'\n", name), false);
        if (!ok)
            return false;
    }
    if (!args->sockets)
        fprintf (stderr, "asynrole-sockets-bench: --sockets is required\n");
    args->traffic = args->traffic < args->sockets ? args->traffic : args->sockets;
    return args->sockets > 0;
}

int
main (int argc, char **argv)
{
    args_t args;
    bench_command_line (argc, argv, s_usage, s_parse, &args);
    //  Blocked in every thread (they inherit it): sigtimedwait takes them
    sigset_t stop;
    sigemptyset (&stop);
    sigaddset (&stop, SIGINT);
    sigaddset (&stop, SIGTERM);
    pthread_sigmask (SIG_BLOCK, &stop, NULL);
    atomic_ullong refused = 0;
    int code = BENCH_EXIT_FAILED;
    int64_t start = bench_now_us ();
    asynrole_agent_t *agent = s_agent_new (args.sockets, &refused, &code);
    if (!agent)
        return fflush (stdout), code;
    printf ("sockets=%ld open_ms=%.0f\nlistening on", args.sockets,
            (double) (bench_now_us () - start) / 1e3);
    for (long i = 0; i < args.traffic; i++) {
        char text[ASYNROLE_ADDR_STRLEN];
        size_t index = (size_t) (i * args.sockets / args.traffic);
        printf (" %s",
                asynrole_addr_format (asynrole_agent_local (agent, index), text, sizeof text));
    }
    printf ("\n");
    fflush (stdout);
    s_serve (&args);
    code = s_report (agent, (size_t) args.sockets, &refused);
    asynrole_agent_destroy (&agent);
    return code;
}
