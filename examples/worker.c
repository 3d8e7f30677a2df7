/*  worker.c - an Agent's worker in its own process (asynrole_remote.h)

    worker ENDPOINT [--echo] [--credit N] [--cost-us N] [--name NAME]
           [--heartbeat MS] [--server-key K --public-key K --secret-key K]

    Connects to a workers actor (asynrole_workers_new) at ENDPOINT, e.g.
    tcp://192.0.2.1:5555, and handles each datagram it is given: burns
    --cost-us microseconds of CPU (a busy loop on the clock, standing for
    a handler's work: parsing, enriching, storing a trap), answers with the
    same bytes when --echo is given (the Agent's reply leaves from the
    address the datagram was sent to), and counts it. The core is s_handle
    and the dozen lines of main after the options.

    Lines on stdout: "joined" when the workers actor took it, "left: ..."
    when it lost it (it rejoins by itself), "handled N" each second the
    count changed and once more at SIGTERM / SIGINT, on which it says BYE
    and exits 0. Exit 1 when it cannot start, 2 on a bad argument.
*/
#define _POSIX_C_SOURCE 200809L  //  clock_gettime, sigaction
#include "asynrole_remote.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    long cost_us;           //  CPU burnt per datagram
    bool echo;              //  answer each datagram with its own bytes
    atomic_ullong handled;  //  datagrams handled (the worker's thread adds)
    atomic_ullong failed;   //  replies refused
} worker_ctx_t;

//  Written by the signal handler, read by main's poll
static int s_signal_pipe[2] = { -1, -1 };

static void
s_on_signal (int signal)
{
    int saved = errno;
    char byte = (char) signal;
    if (write (s_signal_pipe[1], &byte, 1) < 0) {
    }  //  full: a byte is there already
    errno = saved;
}

static long
s_now_us (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000000L + now.tv_nsec / 1000;
}

//  One datagram (or an event), in the worker's own thread
static void
s_handle (asynrole_worker_t *worker, void *ctx, const asynrole_datagram_t *datagram,
          const asynrole_error_t *error)
{
    worker_ctx_t *self = ctx;
    if (error) {
        if (error->code == ASYNROLE_OK)
            printf ("joined\n");
        else
            printf ("left: %s\n", asynrole_strerror (error->code));
        fflush (stdout);
        return;
    }
    for (long until = s_now_us () + self->cost_us; s_now_us () < until;)
        ;  //  the handler's work
    if (self->echo
        && asynrole_worker_reply (worker, datagram, datagram->data, datagram->size, NULL))
        atomic_fetch_add (&self->failed, 1);
    atomic_fetch_add (&self->handled, 1);
}

static int
s_usage (const char *why)
{
    fprintf (
        stderr,
        "worker: %s\nusage: worker ENDPOINT [--echo] [--credit N] [--cost-us N] [--name NAME]\n"
        "       [--heartbeat MS] [--server-key K --public-key K --secret-key K]\n",
        why);
    return 2;
}

//  A whole number of at most max, or -1
static long
s_number (const char *text, long max)
{
    char *end;
    errno = 0;
    long value = text ? strtol (text, &end, 10) : -1;
    return text && !errno && end != text && !*end && value >= 0 && value <= max ? value : -1;
}

//  The options into options and ctx; 0, or the exit status of a bad one
static int
s_parse (int argc, char **argv, asynrole_remote_options_t *options, worker_ctx_t *ctx)
{
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        long number = s_number (value, 100000000);
        if (!strcmp (arg, "--echo")) {
            ctx->echo = true;
            continue;
        }
        if (!value)
            return s_usage ("an option without its value");
        i++;
        if (!strcmp (arg, "--credit") && number > 0 && number <= 1000000)
            options->credit = (uint32_t) number;
        else if (!strcmp (arg, "--cost-us") && number >= 0 && number <= 1000000)
            ctx->cost_us = number;
        else if (!strcmp (arg, "--heartbeat") && number > 0 && number <= 3600000)
            options->heartbeat = (int) number;
        else if (!strcmp (arg, "--name"))
            options->name = value;
        else if (!strcmp (arg, "--server-key"))
            options->curve_server_key = value;
        else if (!strcmp (arg, "--public-key"))
            options->curve_public_key = value;
        else if (!strcmp (arg, "--secret-key"))
            options->curve_secret_key = value;
        else
            return s_usage ("an unknown option or a bad value");
    }
    return 0;
}

int
main (int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-')
        return s_usage ("no endpoint");
    asynrole_remote_options_t options = { 0 };
    static worker_ctx_t ctx;  //  outlives the worker's thread
    int rc = s_parse (argc, argv, &options, &ctx);
    if (rc)
        return rc;
    setvbuf (stdout, NULL, _IOLBF, 0);
    struct sigaction action = { .sa_handler = s_on_signal };
    if (pipe (s_signal_pipe) || sigaction (SIGTERM, &action, NULL)
        || sigaction (SIGINT, &action, NULL)) {
        perror ("worker: signals");
        return 1;
    }

    asynrole_error_t error;
    asynrole_worker_t *worker = asynrole_worker_new (argv[1], s_handle, &ctx, &options, &error);
    if (!worker) {
        fprintf (stderr, "worker: %s (%s)\n", asynrole_strerror (error.code), error.detail);
        return 1;
    }
    unsigned long long shown = 0;
    struct pollfd stop = { .fd = s_signal_pipe[0], .events = POLLIN };
    while (poll (&stop, 1, 1000) != 1 || !(stop.revents & POLLIN)) {
        unsigned long long handled = atomic_load (&ctx.handled);
        if (handled != shown)
            printf ("handled %llu\n", shown = handled);
    }
    asynrole_worker_destroy (&worker);  //  BYE; its callbacks are over
    printf ("handled %llu\n", (unsigned long long) atomic_load (&ctx.handled));
    if (atomic_load (&ctx.failed))
        printf ("replies refused %llu\n", (unsigned long long) atomic_load (&ctx.failed));
    return 0;
}
