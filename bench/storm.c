/*  storm.c - asynrole-storm: a one-way trap storm at a paced rate, against
    an Agent in this process or against any UDP receiver

    The sender sends 94-byte SNMPv2c traps with sendmmsg, paced to --rate
    per second by CLOCK_MONOTONIC, for --duration seconds, from its own
    thread pinned to --sender-cpu.

    --agent: an Agent on 127.0.0.1:0 (its threads pinned to --receiver-cpu)
    whose callback parses every trap with the SNMP examples' codec and
    counts. After the storm the program waits (at most --idle-timeout) until
    the Agent is idle (its socket's kernel queue empty, every datagram read
    handled, the counters still), then prints the account:

        rate= sent= send_rate= send_retries= delivered= parsed= dropped= filtered=
        rate_limited= truncated= kernel_dropped= errors= loss_pct= rcvbuf=
        account=exact | account=off:<sent - all the rest>

    where sent = delivered + dropped + filtered + rate_limited +
    kernel_dropped holds exactly when nothing is unaccounted for (truncated
    datagrams are delivered, flagged: counted in delivered, shown apart).

    --target HOST:PORT: only the sender; afterwards it waits until the
    target's socket (found by its port in /proc/net/udp) has an empty queue,
    then prints rate= sent= send_rate= send_retries= idle=yes; the receiver reports the
    rest (raw-echo --mode sink prints received= kernel_dropped= at exit).

    send_retries: sendmmsg calls the kernel refused for want of buffer
    (ENOBUFS, EAGAIN), tried again: nothing counted as sent was refused.

    Exit 0, 1 when something failed or the receiver was not idle by the
    deadline, 2 on bad arguments.
*/
#define _GNU_SOURCE
#include "bench_support.h"
#include "asynrole.h"
#include "snmp_msg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TRAP_SIZE 94
#define BATCH_MAX 64

static const char *s_usage =
    "usage: asynrole-storm (--agent [--rcvbuf BYTES|-1] | --target HOST:PORT) --rate N\n"
    "           [--duration SEC (2)] [--sender-cpu N (1)] [--receiver-cpu N (0)]\n"
    "           [--idle-timeout SEC (10)]   (a cpu of -1: not pinned)\n";

typedef struct {
    bool agent;
    const char *target;
    long rate, rcvbuf, sender_cpu, receiver_cpu;
    double duration, idle_timeout;
} args_t;

typedef struct {
    const args_t *args;
    asynrole_addr_t to;
    uint8_t trap[TRAP_SIZE];
    uint64_t sent, send_errors;
    int64_t elapsed_us;
    int error;  //  errno of the failure that stopped it, 0 if none
} sender_t;

//  The Agent's callback counts; the main thread reads while it runs
typedef struct {
    atomic_uint_fast64_t delivered, parsed, errors;
    snmp_msg_t msg;  //  the Agent's thread only (large: not on its stack)
} counter_t;

//  A 94-byte SNMPv2c trap: sysUpTime.0, snmpTrapOID.0 = linkDown, and
//  ifDescr.7 sized to make the total 94
static bool
s_trap (uint8_t *out)
{
    static snmp_msg_t msg;
    snmp_oid_t uptime, trap_oid, link_down, descr;
    if (snmp_oid_parse (&uptime, "1.3.6.1.2.1.1.3.0")
        || snmp_oid_parse (&trap_oid, "1.3.6.1.6.3.1.1.4.1.0")
        || snmp_oid_parse (&link_down, "1.3.6.1.6.3.1.1.5.3")
        || snmp_oid_parse (&descr, "1.3.6.1.2.1.2.2.1.2.7"))
        return false;
    static const char text[] = "storm-storm-storm-storm-storm-storm-storm-storm";
    for (size_t len = 0; len < sizeof text; len++) {
        snmp_msg_init (&msg, SNMP_VERSION_2C, "public", SNMP_PDU_TRAP_V2, 4242);
        snmp_value_t values[] = { snmp_value_unsigned (SNMP_TYPE_TIMETICKS, 123456),
                                  snmp_value_oid (&link_down), snmp_value_string (text, len) };
        const snmp_oid_t *names[] = { &uptime, &trap_oid, &descr };
        for (size_t i = 0; i < 3; i++)
            if (snmp_msg_add (&msg, names[i], &values[i]))
                return false;
        uint8_t buf[256];
        size_t length = 0;
        if (snmp_msg_encode (&msg, buf, sizeof buf, &length))
            return false;
        if (length == TRAP_SIZE)
            return memcpy (out, buf, length), true;
    }
    return false;
}

//  Send as many as are due, a batch at a time; bounded by twice the
//  storm's time (a sender that cannot keep up ends late, not never)
static void
s_pace (sender_t *self, int fd)
{
    struct iovec iov = { .iov_base = self->trap, .iov_len = TRAP_SIZE };
    struct mmsghdr msgs[BATCH_MAX];
    memset (msgs, 0, sizeof msgs);
    for (size_t i = 0; i < BATCH_MAX; i++)
        msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1 };
    double rate = (double) self->args->rate;
    uint64_t total = (uint64_t) (rate * self->args->duration);
    uint64_t batch = (uint64_t) (rate / 5000);  //  a batch every 200 us
    batch = batch < 1 ? 1 : batch > BATCH_MAX ? BATCH_MAX : batch;
    int64_t start = bench_now_us ();
    int64_t deadline = start + (int64_t) (self->args->duration * 2e6) + 1000000;
    for (int64_t now = start; self->sent < total && now < deadline; now = bench_now_us ()) {
        uint64_t due = (uint64_t) ((double) (now - start) * rate / 1e6);
        due = due > total ? total : due;
        if (due <= self->sent) {
            bench_sleep_until (start + (int64_t) ((double) (self->sent + batch) * 1e6 / rate));
            continue;
        }
        uint64_t n = due - self->sent < BATCH_MAX ? due - self->sent : BATCH_MAX;
        int sent = sendmmsg (fd, msgs, (unsigned) n, 0);
        if (sent > 0)
            self->sent += (uint64_t) sent;
        else if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
            self->send_errors++;
        else {
            self->error = errno;
            break;
        }
    }
    int64_t elapsed = bench_now_us () - start;
    self->elapsed_us = elapsed > 0 ? elapsed : 1;  //  a rate, never a division by 0
}

static void *
s_sender (void *arg)
{
    sender_t *self = (sender_t *) arg;
    if (self->args->sender_cpu >= 0 && !bench_pin ((int) self->args->sender_cpu)) {
        self->error = errno;
        return NULL;
    }
    int fd = socket (self->to.u.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect (fd, &self->to.u.sa, self->to.len)) {
        self->error = errno;
        if (fd >= 0)
            close (fd);
        return NULL;
    }
    s_pace (self, fd);
    close (fd);
    return NULL;
}

//  Bytes waiting in the receive queue of the IPv4 UDP socket bound to
//  port; -1 when no such socket is found. The kernel lists the table a
//  page at a time: while other sockets open and close, a read may skip a
//  line, so callers take -1 as "not seen this time" and look again.
static long
s_rx_queue (uint16_t port)
{
    FILE *file = fopen ("/proc/net/udp", "r");
    if (!file)
        return -1;
    char line[512];
    long queue = -1;
    //  Bounded: one line per socket
    while (queue < 0 && fgets (line, sizeof line, file)) {
        unsigned local_port = 0;
        unsigned long tx = 0, rx = 0;
        if (sscanf (line, " %*d: %*8x:%x %*8x:%*x %*x %lx:%lx", &local_port, &tx, &rx) == 3
            && local_port == port)
            queue = (long) rx;
    }
    fclose (file);
    return queue;
}

static void
s_on_trap (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
           const asynrole_error_t *error)
{
    (void) agent;
    (void) error;
    counter_t *self = (counter_t *) ctx;
    if (!datagram) {
        atomic_fetch_add (&self->errors, 1);  //  drop reports; ECLOSED at the end
        return;
    }
    if (snmp_msg_decode (&self->msg, datagram->data, datagram->size) == SNMP_OK
        && self->msg.type == SNMP_PDU_TRAP_V2)
        atomic_fetch_add_explicit (&self->parsed, 1, memory_order_relaxed);
    atomic_fetch_add_explicit (&self->delivered, 1, memory_order_relaxed);
}

//  Idle: the kernel's queue empty, every datagram read either delivered or
//  dropped with a reason, and nothing new read since the last look
static bool
s_agent_idle (asynrole_agent_t *agent, counter_t *counter, uint16_t port, double timeout,
              asynrole_stats_t *stats)
{
    int64_t deadline = bench_now_us () + (int64_t) (timeout * 1e6);
    uint64_t last = UINT64_MAX;
    asynrole_error_t error;
    while (bench_now_us () < deadline) {
        uint64_t delivered = atomic_load (&counter->delivered);
        if (asynrole_agent_stats (agent, stats, 1, &error) != 1) {
            fprintf (stderr, "asynrole-storm: no counters: %s\n", error.detail);
            return false;
        }
        uint64_t handled = delivered + stats->dropped + stats->filtered + stats->rate_limited;
        if (s_rx_queue (port) == 0 && handled == stats->rx_datagrams && stats->rx_datagrams == last)
            return true;
        last = stats->rx_datagrams;
        bench_sleep_until (bench_now_us () + 20000);
    }
    fprintf (stderr, "asynrole-storm: the Agent was still busy after %.0f s\n", timeout);
    return false;
}

static void
s_print_account (const sender_t *sender, const counter_t *counter, const asynrole_stats_t *s)
{
    uint64_t delivered = atomic_load (&counter->delivered);
    uint64_t accounted = delivered + s->dropped + s->filtered + s->rate_limited + s->kernel_dropped;
    double loss =
        sender->sent ? 100.0 * (double) (sender->sent - delivered) / (double) sender->sent : 0.0;
    printf ("rate=%ld sent=%llu send_rate=%.0f send_retries=%llu delivered=%llu parsed=%llu "
            "dropped=%llu "
            "filtered=%llu rate_limited=%llu truncated=%llu kernel_dropped=%llu errors=%llu "
            "loss_pct=%.3f rcvbuf=%llu ",
            sender->args->rate, (unsigned long long) sender->sent,
            (double) sender->sent * 1e6 / (double) sender->elapsed_us,
            (unsigned long long) sender->send_errors, (unsigned long long) delivered,
            (unsigned long long) atomic_load (&counter->parsed), (unsigned long long) s->dropped,
            (unsigned long long) s->filtered, (unsigned long long) s->rate_limited,
            (unsigned long long) s->truncated, (unsigned long long) s->kernel_dropped,
            (unsigned long long) atomic_load (&counter->errors), loss,
            (unsigned long long) s->rcvbuf);
    if (accounted == sender->sent)
        printf ("account=exact\n");
    else
        printf ("account=off:%lld\n", (long long) (sender->sent - accounted));
}

//  Run the sender to its end; false when it failed
static bool
s_storm (sender_t *sender)
{
    pthread_t thread;
    int rc = pthread_create (&thread, NULL, s_sender, sender);
    if (rc || (rc = pthread_join (thread, NULL))) {
        fprintf (stderr, "asynrole-storm: no sender thread: %s\n", strerror (rc));
        return false;
    }
    if (sender->error)
        fprintf (stderr, "asynrole-storm: the sender failed: %s\n", strerror (sender->error));
    return sender->error == 0;
}

static int
s_run_agent (const args_t *args, sender_t *sender)
{
    //  The Agent's threads (and libzmq's) inherit this thread's CPU
    if (args->receiver_cpu >= 0 && !bench_pin ((int) args->receiver_cpu)) {
        fprintf (stderr, "asynrole-storm: cannot pin to cpu %ld: %s\n", args->receiver_cpu,
                 strerror (errno));
        return BENCH_EXIT_FAILED;
    }
    counter_t *counter = (counter_t *) calloc (1, sizeof *counter);
    if (!counter)
        return BENCH_EXIT_FAILED;
    const char *iface = "127.0.0.1:0";
    asynrole_options_t options = { .rcvbuf = (int) args->rcvbuf };
    asynrole_error_t error;
    asynrole_agent_t *agent = asynrole_agent_new (s_on_trap, counter, &iface, 1, &options, &error);
    if (!agent) {
        fprintf (stderr, "asynrole-storm: cannot start an Agent: %s\n", error.detail);
        free (counter);
        return BENCH_EXIT_FAILED;
    }
    sender->to = *asynrole_agent_local (agent, 0);
    asynrole_stats_t stats;
    int code = BENCH_EXIT_FAILED;
    if (s_storm (sender)
        && s_agent_idle (agent, counter, asynrole_addr_port (&sender->to), args->idle_timeout,
                         &stats)) {
        s_print_account (sender, counter, &stats);
        code = 0;
    }
    asynrole_agent_destroy (&agent);
    free (counter);
    return code;
}

static int
s_run_target (const args_t *args, sender_t *sender)
{
    asynrole_error_t error;
    if (asynrole_addr_parse (&sender->to, args->target, &error)
        || asynrole_addr_family (&sender->to) != AF_INET) {
        fprintf (stderr, "asynrole-storm: --target wants a numeric IPv4 HOST:PORT, not '%s'\n",
                 args->target);
        return BENCH_EXIT_USAGE;
    }
    uint16_t port = asynrole_addr_port (&sender->to);
    if (!s_storm (sender))
        return BENCH_EXIT_FAILED;
    //  Idle: its queue seen empty twice in a row, 20 ms apart
    int64_t deadline = bench_now_us () + (int64_t) (args->idle_timeout * 1e6);
    int empty = 0;
    bool seen = false;
    while (empty < 2 && bench_now_us () < deadline) {
        long queue = s_rx_queue (port);
        seen = seen || queue >= 0;
        empty = queue == 0 ? empty + 1 : queue > 0 ? 0 : empty;
        bench_sleep_until (bench_now_us () + 20000);
    }
    if (empty < 2) {
        fprintf (stderr, "asynrole-storm: %s on port %u after %.0f s\n",
                 seen ? "the receiver was still busy" : "no UDP socket", port, args->idle_timeout);
        return BENCH_EXIT_FAILED;
    }
    printf ("rate=%ld sent=%llu send_rate=%.0f send_retries=%llu idle=yes\n", args->rate,
            (unsigned long long) sender->sent,
            (double) sender->sent * 1e6 / (double) sender->elapsed_us,
            (unsigned long long) sender->send_errors);
    return 0;
}

static bool
s_parse (void *into, int argc, char **argv)
{
    args_t *args = (args_t *) into;
    *args = (args_t){ .duration = 2, .sender_cpu = 1, .receiver_cpu = 0, .idle_timeout = 10 };
    const bench_option_t options[] = {
        { "--agent", BENCH_OPT_FLAG, 0, 0, &args->agent },
        { "--target", BENCH_OPT_TEXT, 0, 0, &args->target },
        { "--rate", BENCH_OPT_LONG, 1, 10000000, &args->rate },
        { "--duration", BENCH_OPT_DOUBLE, 0.01, 3600, &args->duration },
        { "--rcvbuf", BENCH_OPT_SIZE, -1, 1L << 30, &args->rcvbuf },
        { "--sender-cpu", BENCH_OPT_LONG, -1, 1023, &args->sender_cpu },
        { "--receiver-cpu", BENCH_OPT_LONG, -1, 1023, &args->receiver_cpu },
        { "--idle-timeout", BENCH_OPT_DOUBLE, 0.1, 3600, &args->idle_timeout },
        { NULL, BENCH_OPT_FLAG, 0, 0, NULL },
    };
    if (!bench_parse_options (options, argc, argv))
        return false;
    if (args->agent == (args->target != NULL) || args->rate == 0) {
        fprintf (stderr, "asynrole-storm: give --rate and one of --agent and --target\n");
        return false;
    }
    if ((double) args->rate * args->duration < 1) {
        fprintf (stderr, "asynrole-storm: --rate times --duration is less than one trap\n");
        return false;
    }
    return true;
}

int
main (int argc, char **argv)
{
    args_t args;
    bench_command_line (argc, argv, s_usage, s_parse, &args);
    sender_t sender = { .args = &args };
    if (!s_trap (sender.trap)) {
        fprintf (stderr, "asynrole-storm: cannot encode a %d-byte trap\n", TRAP_SIZE);
        return BENCH_EXIT_FAILED;
    }
    return args.agent ? s_run_agent (&args, &sender) : s_run_target (&args, &sender);
}
