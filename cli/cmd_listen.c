/*  cmd_listen.c - asynrole listen: one line per datagram received (a trap
    sink): time, source, local address, size, payload in hex */
#include "commands.h"
#include "hex.h"
#include "loop.h"
#include "output.h"
#include "report.h"
#include "signals.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

//  Lines are made in a buffer and written at the end of each batch of
//  events, or before a line that might not fit: the longest line is the
//  two addresses, the sizes and the largest datagram in hex
#define LISTEN_LINE_MAX (2 * ASYNROLE_ADDR_STRLEN + 160 + 2 * ASYNROLE_BUFFER_SIZE)
#define LISTEN_OUTPUT (2 * LISTEN_LINE_MAX)

typedef struct {
    int64_t count;     //  --count, 0 = none
    int64_t seen;      //  datagrams printed
    int64_t deadline;  //  --timeout's end, loop_now_ms's clock; -1 = none
    int signal_fd;
    int signal;      //  a signal that came while the output waited
    bool timed_out;  //  --timeout passed while the output waited
    bool closed;     //  stdout's reader went away (EPIPE)
    size_t pending;  //  bytes in s_output not yet written
} listen_t;

static char s_output[LISTEN_OUTPUT];

//  "2026-11-24T10:00:00.123456Z " at out; returns its length
static size_t
s_time (char *out, size_t size)
{
    struct timespec now;
    clock_gettime (CLOCK_REALTIME, &now);
    struct tm utc;
    gmtime_r (&now.tv_sec, &utc);
    char text[40];
    strftime (text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    int length = snprintf (out, size, "%s.%06ldZ ", text, now.tv_nsec / 1000);
    return length > 0 ? (size_t) length : 0;
}

//  The datagram's line at out (room for LISTEN_LINE_MAX); returns its length
static size_t
s_line (char *out, const asynrole_datagram_t *datagram)
{
    char peer[ASYNROLE_ADDR_STRLEN];
    char local[ASYNROLE_ADDR_STRLEN];
    char size[48];
    if (datagram->flags & ASYNROLE_DGRAM_TRUNCATED)
        snprintf (size, sizeof size, "%zu/%zu", datagram->size, datagram->original_size);
    else
        snprintf (size, sizeof size, "%zu", datagram->size);
    size_t at = s_time (out, LISTEN_LINE_MAX);
    int length = snprintf (out + at, LISTEN_LINE_MAX - at, "%s -> %s %s ",
                           asynrole_addr_format (&datagram->peer, peer, sizeof peer),
                           asynrole_addr_format (&datagram->local, local, sizeof local), size);
    at += length > 0 ? (size_t) length : 0;
    if (datagram->size == 0)
        out[at++] = '-';
    else
        at += hex_encode (out + at, datagram->data, datagram->size);
    out[at++] = '\n';
    return at;
}

//  Write the pending lines: a signal, --timeout's end or the reader's end
//  stops the command (what is left is dropped); a failure fails it
static loop_verdict_t
s_flush (listen_t *self)
{
    int rc = output_write (STDOUT_FILENO, self->signal_fd, self->deadline, s_output, self->pending);
    self->pending = 0;
    if (rc == 0)
        return LOOP_GO;
    if (rc == OUTPUT_TIMEOUT)
        self->timed_out = true;
    else if (rc > 0)
        self->signal = rc;
    else if (errno == EPIPE)
        self->closed = true;
    else {
        report (0, "listen: cannot write the output: %s", strerror (errno));
        return LOOP_FAIL;
    }
    return LOOP_STOP;
}

//  Called with each event, and with NULL after each batch: flush then
static loop_verdict_t
s_event (void *ctx, asynrole_event_t *event)
{
    listen_t *self = (listen_t *) ctx;
    if (!event)
        return s_flush (self);
    const asynrole_datagram_t *datagram = asynrole_event_datagram (event);
    if (!datagram) {
        report (0, "listen: %s", asynrole_event_error (event)->detail);
        return LOOP_GO;
    }
    if (self->pending > LISTEN_OUTPUT - LISTEN_LINE_MAX) {
        loop_verdict_t verdict = s_flush (self);
        if (verdict != LOOP_GO)
            return verdict;
    }
    self->pending += s_line (s_output + self->pending, datagram);
    self->seen++;
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
    if ((code = listeners_start (&session, "listen", &args, NULL, NULL, &agent)))
        return code;

    int timeout = args.timeout ? args.timeout : -1;
    listen_t self = { .count = args.count,
                      .deadline = timeout < 0 ? -1 : loop_now_ms () + timeout,
                      .signal_fd = session.signal_fd };
    int signal = 0;
    loop_end_t end = loop_run (asynrole_agent_socket (agent), session.signal_fd, timeout, s_event,
                               &self, &signal);
    //  The output's wait ended it (the loop saw a LOOP_STOP)
    if (self.signal) {
        end = LOOP_SIGNAL;
        signal = self.signal;
    }
    else if (self.timed_out)
        end = LOOP_TIMEOUT;
    code = s_code (&self, end, signal, args.timeout);
    return listeners_stop (&session, &agent, end == LOOP_SIGNAL || args.verbose, code);
}
