/*  cmd_listen.c - asynrole listen: one line per datagram received (a trap
    sink): time, source, local address, size, payload in hex */
#include "commands.h"
#include "hex.h"
#include "loop.h"
#include "report.h"
#include "signals.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char s_usage[] =
    "usage: asynrole listen --listen ADDR [--listen ADDR ...] [OPTIONS]\n"
    "\n"
    "Prints one line per datagram received, until SIGINT or SIGTERM:\n"
    "  TIME SOURCE -> LOCAL SIZE HEX\n"
    "  2026-11-24T10:00:00.123456Z 127.0.0.1:40000 -> 127.0.0.1:1162 3 a70100\n"
    "TIME is when it was read (UTC); SIZE is KEPT/SENT for a datagram cut to\n"
    "--buffer bytes; HEX is \"-\" for an empty datagram.\n"
    "\n"
    "  --listen ADDR       an address to serve: 127.0.0.1:1162, [::1]:1162, port 0 for\n"
    "                      one the kernel picks; fd:N or systemd:NAME to adopt a socket\n"
    "  --count N           stop after N datagrams (exit 0)\n"
    "  --timeout MS        stop after MS milliseconds: exit 1 if --count datagrams had\n"
    "                      not come by then, else 0\n"
    "  --buffer BYTES      bytes kept per datagram, 1 to 65536 (default: all)\n" CLI_COMMON_OPTIONS
    "\n"
    "Says where it listens on stderr (\"asynrole: listen: listening on ...\").\n"
    "Example: asynrole listen --listen 0.0.0.0:1162 --count 10\n";

typedef struct {
    int64_t count;  //  --count, 0 = none
    int64_t seen;   //  datagrams printed
    bool closed;    //  stdout's reader went away (EPIPE)
} listen_t;

//  "2026-11-24T10:00:00.123456Z "
static int
s_time (void)
{
    struct timespec now;
    clock_gettime (CLOCK_REALTIME, &now);
    struct tm utc;
    gmtime_r (&now.tv_sec, &utc);
    char text[40];
    strftime (text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    return printf ("%s.%06ldZ ", text, now.tv_nsec / 1000);
}

static int
s_line (const asynrole_datagram_t *datagram)
{
    char peer[ASYNROLE_ADDR_STRLEN];
    char local[ASYNROLE_ADDR_STRLEN];
    char size[48];
    if (datagram->flags & ASYNROLE_DGRAM_TRUNCATED)
        snprintf (size, sizeof size, "%zu/%zu", datagram->size, datagram->original_size);
    else
        snprintf (size, sizeof size, "%zu", datagram->size);
    if (s_time () < 0
        || printf ("%s -> %s %s ", asynrole_addr_format (&datagram->peer, peer, sizeof peer),
                   asynrole_addr_format (&datagram->local, local, sizeof local), size)
            < 0)
        return -1;
    if (datagram->size == 0)
        return fputs ("-\n", stdout) < 0 ? -1 : 0;
    return hex_write (stdout, datagram->data, datagram->size) || putchar ('\n') < 0 ? -1 : 0;
}

//  A write to stdout failed: its reader went away (the end), or a failure
static loop_verdict_t
s_output_failed (listen_t *self)
{
    if (errno == EPIPE) {
        self->closed = true;
        return LOOP_STOP;
    }
    report (0, "listen: cannot write the output: %s", strerror (errno));
    return LOOP_FAIL;
}

//  Called with each event, and with NULL after each batch: flush then
static loop_verdict_t
s_event (void *ctx, asynrole_event_t *event)
{
    listen_t *self = (listen_t *) ctx;
    if (!event && (fflush (stdout) || ferror (stdout)))
        return s_output_failed (self);
    const asynrole_datagram_t *datagram = event ? asynrole_event_datagram (event) : NULL;
    if (event && !datagram) {
        report (0, "listen: %s", asynrole_event_error (event)->detail);
        return LOOP_GO;
    }
    if (datagram) {
        if (s_line (datagram))
            return s_output_failed (self);
        self->seen++;
    }
    return self->count && self->seen >= self->count ? LOOP_STOP : LOOP_GO;
}

//  The exit code for how the loop ended
static int
s_code (const listen_t *self, loop_end_t end, int signal, int timeout)
{
    switch (end) {
        case LOOP_SIGNAL: return report (CLI_OK, "listen: stopped by %s", signals_name (signal));
        case LOOP_TIMEOUT:
            if (self->count && self->seen < self->count)
                return report (CLI_NO_REPLY, "listen: %lld of %lld datagrams in %d ms",
                               (long long) self->seen, (long long) self->count, timeout);
            return CLI_OK;
        case LOOP_DONE: return CLI_OK;
        case LOOP_FAILED: break;
    }
    return CLI_FAILED;
}

int
cmd_listen (int argc, char **argv)
{
    cli_args_t args;
    int code = args_parse (&args, CLI_LISTEN, "listen", 0, "", argc, argv);
    if (code || args.help)
        return code ? code : usage_print (s_usage);
    session_t session;
    asynrole_agent_t *agent = NULL;
    if ((code = listeners_start (&session, "listen", &args, &agent)))
        return code;

    listen_t self = { .count = args.count };
    int signal = 0;
    loop_end_t end = loop_run (asynrole_agent_socket (agent), session.signal_fd,
                               args.timeout ? args.timeout : -1, s_event, &self, &signal);
    code = s_code (&self, end, signal, args.timeout);
    return listeners_stop (&session, &agent, end == LOOP_SIGNAL || args.verbose, code);
}
