/*  workers.c - asynrole-workers-bench: what an Agent's workers finish a
    second when each datagram costs --cost-us of CPU, against raw receivers

    A paced sender (a thread of this process: --rate datagrams a second of
    94 bytes, from --flows source ports round-robin) sends to one of:

      --config raw      --procs P plain processes, each one thread reading
                        its own socket with recvmmsg (one port, SO_REUSEPORT:
                        the kernel spreads the flows over them) and burning
                        --cost-us per datagram
      --config local    a pipe-mode Agent whose data socket one thread of
                        this process reads (asynrole_event_recv), burning
                        --cost-us per datagram
      --config workers  a pipe-mode Agent with a workers actor on
                        tcp://127.0.0.1:* (--overflow drop or pause) and P
                        worker processes (this program with --worker), each
                        an asynrole_worker_t burning --cost-us per datagram,
                        with --credit

    After the workers joined and --warmup seconds of load, it counts what
    was finished over --duration seconds and prints one line:

        config= procs= cost_us= rate= send_rate= done= done_per_s=
        dropped_per_s= kernel_dropped= agent_dropped= held_max=
        cpu_us_io= cpu_us_agent= cpu_us_actor= cpu_us_zmq= cpu_us_handler=
        cpu_us_children= cpu_us_total= cores= spread= load=

    done: datagrams finished in the window (raw: by the receivers; local:
    by the reader; workers: the workers actor's stats.done); dropped_per_s:
    the workers actor's stats.dropped (overflow drop); kernel_dropped: the
    kernel's drops over the whole run (the Agent socket's counter; raw: the
    receivers' sockets in /proc/net/udp); agent_dropped, held_max: the Agent
    socket's counters; cpu_us_*:
    CPU time in the window per datagram done, of this process's threads by
    name (the Agent's I/O actor, its role thread, the workers actor, libzmq's
    threads, the local reader) and of the child processes (raw receivers or
    workers: all their threads); the sender's and the controller's own CPU
    are in none. cores: that CPU time over the window's length (how much
    of the machine the configuration got). spread: the fewest and the most datagrams one worker
    finished over the run (asynrole_workers_list; "-" for raw and local),
    and spread_ratio= the one over the other (workers only).
    load: /proc/loadavg when the window began.

    --worker ENDPOINT: be one worker (started by --config workers): connect,
    burn --cost-us per datagram, until SIGTERM (at most --lifetime s).

    Exit 0; 1 when something failed; 2 for bad arguments.
*/
#define _GNU_SOURCE
#include "workers_load.h"
#include "asynrole.h"
#include "asynrole_remote.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static const char *s_usage =
    "usage: asynrole-workers-bench --config raw|local|workers [--procs N (1)] [--cost-us US (50)]\n"
    "           [--rate N (50000)] [--warmup SEC (0.5)] [--duration SEC (2)] [--flows N (64)]\n"
    "           [--overflow drop|pause (drop)] [--credit N (64)] [--rcvbuf BYTES (4M)]\n"
    "       asynrole-workers-bench --worker ENDPOINT [--cost-us US] [--credit N] [--lifetime "
    "SEC]\n";

typedef enum {
    CONFIG_RAW,
    CONFIG_LOCAL,
    CONFIG_WORKERS
} config_t;

typedef struct {
    const char *config_name;
    config_t config;
    long procs, rate, flows, credit, rcvbuf;
    double cost_us, warmup, duration, lifetime;
    const char *overflow_name;
    bool pause;
    const char *worker;  //  --worker ENDPOINT: be a worker
} args_t;

//  One configuration under test: what it counts, and its processes
typedef struct {
    const args_t *args;
    wl_raw_t raw;                     //  raw: the receivers
    asynrole_agent_t *agent;          //  local, workers
    asynrole_workers_t *workers;      //  workers: the workers actor
    pid_t pids[WL_MAX_PROCS];         //  workers: the worker processes
    size_t pid_count;                 //  how many of pids run
    pthread_t reader;                 //  local: the reading thread
    bool reading;                     //  local: reader started
    atomic_bool stop;                 //  local: tells the reader to end
    atomic_uint_fast64_t local_done;  //  local: datagrams the reader finished
    pthread_mutex_t mutex;            //  workers: guards nothing but the wake-up
    pthread_cond_t joined;            //  workers: signalled at each event
    char endpoint[256];               //  workers: the workers actor's endpoint
} bench_t;

//  What the window starts and ends with
typedef struct {
    int64_t at_us;
    uint64_t done, dropped, sent;
    wl_cpu_t cpu;
} snap_t;

//  ------------------------------------------------------------------
//  Worker mode

static void
s_worker_handle (asynrole_worker_t *worker, void *ctx, const asynrole_datagram_t *datagram,
                 const asynrole_error_t *error)
{
    (void) worker;
    (void) error;
    if (datagram)
        wl_burn (*(const double *) ctx);
}

static int
s_run_worker (const args_t *args)
{
    prctl (PR_SET_PDEATHSIG, SIGTERM);
    //  Blocked before any thread starts: the library's threads inherit it
    sigset_t set;
    sigemptyset (&set);
    sigaddset (&set, SIGTERM);
    sigaddset (&set, SIGINT);
    pthread_sigmask (SIG_BLOCK, &set, NULL);
    asynrole_remote_options_t options = { .name = "bench-worker",
                                          .credit = (uint32_t) args->credit };
    asynrole_error_t error;
    double cost = args->cost_us;
    asynrole_worker_t *worker =
        asynrole_worker_new (args->worker, s_worker_handle, &cost, &options, &error);
    if (!worker) {
        fprintf (stderr, "asynrole-workers-bench: no worker: %s\n", error.detail);
        return BENCH_EXIT_FAILED;
    }
    struct timespec limit = { .tv_sec = (time_t) args->lifetime };
    int signal = sigtimedwait (&set, NULL, &limit);
    asynrole_worker_destroy (&worker);
    return signal > 0 ? 0 : BENCH_EXIT_FAILED;
}

//  ------------------------------------------------------------------
//  The local pipe-mode reader

static void *
s_reader (void *arg)
{
    bench_t *self = (bench_t *) arg;
    prctl (PR_SET_NAME, "bench-handler");
    void *socket = asynrole_agent_socket (self->agent);
    while (!atomic_load (&self->stop)) {
        asynrole_event_t *event = asynrole_event_recv (socket, 100);
        if (!event)
            continue;
        if (asynrole_event_datagram (event)) {
            wl_burn (self->args->cost_us);
            atomic_fetch_add_explicit (&self->local_done, 1, memory_order_relaxed);
        }
        asynrole_event_destroy (&event);
    }
    return NULL;
}

static asynrole_agent_t *
s_agent_new (const args_t *args)
{
    const char *iface = "127.0.0.1:0";
    asynrole_options_t options = { .pipe_mode = true, .rcvbuf = (int) args->rcvbuf };
    asynrole_error_t error;
    asynrole_agent_t *agent = asynrole_agent_new (NULL, NULL, &iface, 1, &options, &error);
    if (!agent)
        fprintf (stderr, "asynrole-workers-bench: no Agent: %s\n", error.detail);
    return agent;
}

//  ------------------------------------------------------------------
//  The workers actor and its workers

static void
s_on_event (void *ctx, const asynrole_error_t *event)
{
    bench_t *self = (bench_t *) ctx;
    (void) event;
    pthread_mutex_lock (&self->mutex);
    pthread_cond_broadcast (&self->joined);
    pthread_mutex_unlock (&self->mutex);
}

//  Wait (10 s at most) until every worker joined and its credit is free
static bool
s_wait_joined (bench_t *self)
{
    uint64_t want = (uint64_t) self->args->procs;
    int64_t deadline = bench_now_us () + 10000000;
    asynrole_remote_stats_t stats = { 0 };
    asynrole_error_t error;
    while (bench_now_us () < deadline) {
        if (asynrole_workers_stats (self->workers, &stats, &error)) {
            fprintf (stderr, "asynrole-workers-bench: no stats: %s\n", error.detail);
            return false;
        }
        if (stats.peers >= want && stats.credit >= want * (uint64_t) self->args->credit)
            return true;
        //  Woken by an event (a join), or after 100 ms to look again
        struct timespec at;
        clock_gettime (CLOCK_REALTIME, &at);
        at.tv_nsec += 100000000;
        at.tv_sec += at.tv_nsec / 1000000000;
        at.tv_nsec %= 1000000000;
        pthread_mutex_lock (&self->mutex);
        pthread_cond_timedwait (&self->joined, &self->mutex, &at);
        pthread_mutex_unlock (&self->mutex);
    }
    fprintf (stderr, "asynrole-workers-bench: %llu of %llu workers joined in 10 s\n",
             (unsigned long long) stats.peers, (unsigned long long) want);
    return false;
}

static bool
s_spawn_workers (bench_t *self)
{
    char cost[32], credit[32];
    snprintf (cost, sizeof cost, "%g", self->args->cost_us);
    snprintf (credit, sizeof credit, "%ld", self->args->credit);
    char *argv[] = { "/proc/self/exe", "--worker", self->endpoint, "--cost-us", cost, "--credit",
                     credit,           NULL };
    for (long i = 0; i < self->args->procs; i++) {
        pid_t pid = wl_spawn (argv);
        if (!pid) {
            fprintf (stderr, "asynrole-workers-bench: cannot start a worker: %s\n",
                     strerror (errno));
            return false;
        }
        self->pids[self->pid_count++] = pid;
    }
    return s_wait_joined (self);
}

static bool
s_start_workers (bench_t *self)
{
    asynrole_remote_options_t options = {
        .name = "bench-workers",
        .overflow = self->args->pause ? ASYNROLE_OVERFLOW_PAUSE : ASYNROLE_OVERFLOW_DROP,
        .on_event = s_on_event,
        .event_ctx = self,
    };
    asynrole_error_t error;
    self->workers =
        asynrole_workers_new (self->agent, "tcp://127.0.0.1:*", NULL, NULL, &options, &error);
    if (!self->workers) {
        fprintf (stderr, "asynrole-workers-bench: no workers actor: %s\n", error.detail);
        return false;
    }
    snprintf (self->endpoint, sizeof self->endpoint, "%s",
              asynrole_workers_endpoint (self->workers));
    return s_spawn_workers (self);
}

//  ------------------------------------------------------------------
//  The configuration's life

//  Start what receives; false when it failed (stop it anyway)
static bool
s_start (bench_t *self)
{
    if (self->args->config == CONFIG_RAW)
        return wl_raw_start (&self->raw, (size_t) self->args->procs, self->args->cost_us,
                             (int) self->args->rcvbuf);
    self->agent = s_agent_new (self->args);
    if (!self->agent)
        return false;
    if (self->args->config == CONFIG_WORKERS)
        return s_start_workers (self);
    int rc = pthread_create (&self->reader, NULL, s_reader, self);
    self->reading = rc == 0;
    return self->reading;
}

static uint16_t
s_port (bench_t *self)
{
    return self->args->config == CONFIG_RAW
        ? self->raw.port
        : asynrole_addr_port (asynrole_agent_local (self->agent, 0));
}

//  Read what has been done and dropped, and the CPU, now
static bool
s_snap (bench_t *self, const wl_sender_t *sender, snap_t *snap)
{
    memset (snap, 0, sizeof *snap);
    snap->at_us = bench_now_us ();
    snap->sent = sender->sent;  //  the sender's thread writes it: a rough figure
    if (self->args->config == CONFIG_RAW)
        snap->done = wl_raw_done (&self->raw);
    else if (self->args->config == CONFIG_LOCAL)
        snap->done = atomic_load (&self->local_done);
    else {
        asynrole_remote_stats_t stats;
        asynrole_error_t error;
        if (asynrole_workers_stats (self->workers, &stats, &error)) {
            fprintf (stderr, "asynrole-workers-bench: no stats: %s\n", error.detail);
            return false;
        }
        snap->done = stats.done;
        snap->dropped = stats.dropped;
    }
    const pid_t *pids = self->args->config == CONFIG_RAW ? self->raw.pids : self->pids;
    size_t count = self->args->config == CONFIG_RAW ? self->raw.count : self->pid_count;
    if (!wl_cpu_read (&snap->cpu, pids, count)) {
        fprintf (stderr, "asynrole-workers-bench: cannot read the CPU times\n");
        return false;
    }
    return true;
}

//  Stop everything started; false when a part failed to stop cleanly
static bool
s_stop (bench_t *self)
{
    bool ok = true;
    if (self->args->config == CONFIG_RAW)
        return wl_raw_stop (&self->raw);
    for (size_t i = 0; i < self->pid_count; i++)
        ok = wl_reap (self->pids[i], 5000) && ok;
    self->pid_count = 0;
    if (self->reading) {
        atomic_store (&self->stop, true);
        pthread_join (self->reader, NULL);
        self->reading = false;
    }
    asynrole_workers_destroy (&self->workers);
    return ok;
}

//  The Agent socket's counters: kernel drops, the role's own drops, the
//  most it held
static void
s_agent_counters (bench_t *self, uint64_t *kernel, uint64_t *dropped, uint64_t *held_max)
{
    *kernel = *dropped = *held_max = 0;
    if (self->args->config == CONFIG_RAW)
        *kernel = wl_udp_drops (self->raw.port);
    asynrole_stats_t stats;
    asynrole_error_t error;
    if (!self->agent || asynrole_agent_stats (self->agent, &stats, 1, &error) != 1)
        return;
    *kernel = stats.kernel_dropped;
    *dropped = stats.dropped;
    *held_max = stats.held_max;
}

//  "min/max": the fewest and most datagrams one connected worker finished
//  over the run ("-" when not workers)
static void
s_spread (bench_t *self, char *buf, size_t size)
{
    snprintf (buf, size, "-");
    asynrole_worker_info_t info[WL_MAX_PROCS];
    asynrole_error_t error;
    if (!self->workers)
        return;
    int count = asynrole_workers_list (self->workers, info, WL_MAX_PROCS, &error);
    uint64_t least = UINT64_MAX, most = 0;
    for (int i = 0; i < count && i < WL_MAX_PROCS; i++) {
        if (!info[i].connected)
            continue;
        least = info[i].done < least ? info[i].done : least;
        most = info[i].done > most ? info[i].done : most;
    }
    if (most)
        snprintf (buf, size, "%llu/%llu spread_ratio=%.2f", (unsigned long long) least,
                  (unsigned long long) most, (double) least / (double) most);
}

static double
s_per (uint64_t ns, uint64_t done)
{
    return done ? (double) ns / 1000.0 / (double) done : 0.0;
}

static void
s_print (bench_t *self, const snap_t *a, const snap_t *b, const char *load)
{
    const args_t *args = self->args;
    double seconds = (double) (b->at_us - a->at_us) / 1e6;
    uint64_t done = b->done - a->done;
    uint64_t kernel, dropped, held_max;
    s_agent_counters (self, &kernel, &dropped, &held_max);
    wl_cpu_t c = { b->cpu.io - a->cpu.io,           b->cpu.agent - a->cpu.agent,
                   b->cpu.actor - a->cpu.actor,     b->cpu.zmq - a->cpu.zmq,
                   b->cpu.handler - a->cpu.handler, b->cpu.children - a->cpu.children };
    uint64_t total = c.io + c.agent + c.actor + c.zmq + c.handler + c.children;
    char spread[64];
    s_spread (self, spread, sizeof spread);
    printf ("config=%s%s procs=%ld cost_us=%g rate=%ld send_rate=%.0f done=%llu done_per_s=%.0f "
            "dropped_per_s=%.0f kernel_dropped=%llu agent_dropped=%llu held_max=%llu "
            "cpu_us_io=%.2f cpu_us_agent=%.2f cpu_us_actor=%.2f cpu_us_zmq=%.2f "
            "cpu_us_handler=%.2f cpu_us_children=%.2f cpu_us_total=%.2f cores=%.2f spread=%s "
            "load=%s\n",
            args->config_name,
            args->config == CONFIG_WORKERS ? (args->pause ? "-pause" : "-drop") : "", args->procs,
            args->cost_us, args->rate, (double) (b->sent - a->sent) / seconds,
            (unsigned long long) done, (double) done / seconds,
            (double) (b->dropped - a->dropped) / seconds, (unsigned long long) kernel,
            (unsigned long long) dropped, (unsigned long long) held_max, s_per (c.io, done),
            s_per (c.agent, done), s_per (c.actor, done), s_per (c.zmq, done),
            s_per (c.handler, done), s_per (c.children, done), s_per (total, done),
            (double) total / 1e9 / seconds, spread, load);
    fflush (stdout);
}

//  Load, warm up, measure; false when a part failed
static bool
s_measure (bench_t *self)
{
    const args_t *args = self->args;
    wl_sender_t sender = { .rate = args->rate,
                           .flows = args->flows,
                           .max_seconds = args->warmup + args->duration + 30 };
    sender.to = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons (s_port (self)) };
    sender.to.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    if (!wl_sender_start (&sender)) {
        fprintf (stderr, "asynrole-workers-bench: no sender: %s\n", strerror (errno));
        return false;
    }
    snap_t a, b;
    char load[64];
    bench_sleep_until (bench_now_us () + (int64_t) (args->warmup * 1e6));
    wl_loadavg (load, sizeof load);
    bool ok = s_snap (self, &sender, &a);
    bench_sleep_until (a.at_us + (int64_t) (args->duration * 1e6));
    ok = ok && s_snap (self, &sender, &b);
    if (!wl_sender_stop (&sender)) {
        fprintf (stderr, "asynrole-workers-bench: the sender failed: %s\n",
                 strerror (sender.error));
        ok = false;
    }
    if (ok && b.done == a.done) {
        fprintf (stderr, "asynrole-workers-bench: nothing was done in the window\n");
        ok = false;
    }
    if (ok)
        s_print (self, &a, &b, load);
    return ok;
}

static int
s_run (const args_t *args)
{
    bench_t *self = (bench_t *) calloc (1, sizeof *self);
    if (!self)
        return BENCH_EXIT_FAILED;
    self->args = args;
    pthread_mutex_init (&self->mutex, NULL);
    pthread_cond_init (&self->joined, NULL);
    bool ok = s_start (self) && s_measure (self);
    ok = s_stop (self) && ok;
    asynrole_agent_destroy (&self->agent);
    pthread_cond_destroy (&self->joined);
    pthread_mutex_destroy (&self->mutex);
    free (self);
    return ok ? 0 : BENCH_EXIT_FAILED;
}

static bool
s_parse (void *into, int argc, char **argv)
{
    args_t *args = (args_t *) into;
    *args = (args_t){ .config_name = NULL,
                      .procs = 1,
                      .rate = 50000,
                      .flows = 64,
                      .credit = 64,
                      .rcvbuf = 4L << 20,
                      .cost_us = 50,
                      .warmup = 0.5,
                      .duration = 2,
                      .lifetime = 600,
                      .overflow_name = "drop" };
    const bench_option_t options[] = {
        { "--config", BENCH_OPT_TEXT, 0, 0, &args->config_name },
        { "--procs", BENCH_OPT_LONG, 1, WL_MAX_PROCS, &args->procs },
        { "--cost-us", BENCH_OPT_DOUBLE, 0, 1e6, &args->cost_us },
        { "--rate", BENCH_OPT_LONG, 1, 10000000, &args->rate },
        { "--warmup", BENCH_OPT_DOUBLE, 0, 3600, &args->warmup },
        { "--duration", BENCH_OPT_DOUBLE, 0.01, 3600, &args->duration },
        { "--flows", BENCH_OPT_LONG, 1, WL_MAX_FLOWS, &args->flows },
        { "--overflow", BENCH_OPT_TEXT, 0, 0, &args->overflow_name },
        { "--credit", BENCH_OPT_LONG, 1, 1000000, &args->credit },
        { "--rcvbuf", BENCH_OPT_SIZE, 0, 1L << 30, &args->rcvbuf },
        { "--worker", BENCH_OPT_TEXT, 0, 0, &args->worker },
        { "--lifetime", BENCH_OPT_DOUBLE, 1, 86400, &args->lifetime },
        { NULL, BENCH_OPT_FLAG, 0, 0, NULL },
    };
    if (!bench_parse_options (options, argc, argv))
        return false;
    if (args->worker)
        return true;
    const char *name = args->config_name ? args->config_name : "";
    args->config = strcmp (name, "raw") == 0 ? CONFIG_RAW
        : strcmp (name, "local") == 0        ? CONFIG_LOCAL
                                             : CONFIG_WORKERS;
    args->pause = strcmp (args->overflow_name, "pause") == 0;
    if (strcmp (name, "raw") && strcmp (name, "local") && strcmp (name, "workers")) {
        fprintf (stderr, "asynrole-workers-bench: --config raw, local or workers\n");
        return false;
    }
    if (!args->pause && strcmp (args->overflow_name, "drop")) {
        fprintf (stderr, "asynrole-workers-bench: --overflow drop or pause\n");
        return false;
    }
    return true;
}

int
main (int argc, char **argv)
{
    args_t args;
    bench_command_line (argc, argv, s_usage, s_parse, &args);
    //  Not "asynrole-worker": the CPU readings group threads by name
    prctl (PR_SET_NAME, "bench-main");
    return args.worker ? s_run_worker (&args) : s_run (&args);
}
