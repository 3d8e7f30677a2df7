/*  session.c - signals, the I/O actor, its capture and its counters */
#include "session.h"
#include "report.h"
#include "signals.h"
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

int
session_open (session_t *self, const char *name, const cli_args_t *args)
{
    memset (self, 0, sizeof *self);
    self->name = name;
    self->capture = args->capture;
    self->verbose = args->verbose;
    self->dump = args->dump;
    self->signal_fd = signals_open ();
    if (self->signal_fd < 0)
        return report (CLI_FAILED, "%s: cannot take SIGINT and SIGTERM: %s", name,
                       strerror (errno));
    asynrole_error_t error;
    self->io = asynrole_io_new (&error);
    if (!self->io) {
        close (self->signal_fd);
        return report_error (name, &error);
    }
    asynrole_io_set_verbose (self->io, self->verbose);
    if (self->capture && asynrole_io_capture (self->io, self->capture, NULL, &error)) {
        asynrole_io_destroy (&self->io);
        close (self->signal_fd);
        return report_error ("capture", &error);
    }
    return 0;
}

asynrole_options_t
session_options (const session_t *self)
{
    asynrole_options_t options = { .io = self->io, .verbose = self->verbose, .dump = self->dump };
    return options;
}

static void
s_socket_line (const asynrole_stats_t *s)
{
    char local[ASYNROLE_ADDR_STRLEN];
    report (0,
            "counters: %s rx_datagrams=%" PRIu64 " rx_bytes=%" PRIu64 " tx_datagrams=%" PRIu64
            " tx_bytes=%" PRIu64 " truncated=%" PRIu64 " dropped=%" PRIu64 " filtered=%" PRIu64
            " rate_limited=%" PRIu64 " kernel_dropped=%" PRIu64 " tx_failed=%" PRIu64
            " tx_blocked=%" PRIu64 " errors=%" PRIu64 " errors_dropped=%" PRIu64
            " went_down=%" PRIu64 " rebound=%" PRIu64 " paused=%" PRIu64,
            asynrole_addr_format (&s->local, local, sizeof local), s->rx_datagrams, s->rx_bytes,
            s->tx_datagrams, s->tx_bytes, s->truncated, s->dropped, s->filtered, s->rate_limited,
            s->kernel_dropped, s->tx_failed, s->tx_blocked, s->errors, s->errors_dropped,
            s->went_down, s->rebound, s->paused);
}

void
session_counters (session_t *self)
{
    asynrole_stats_t stats[CLI_LISTEN_MAX];
    asynrole_error_t error;
    int count = asynrole_io_stats (self->io, stats, CLI_LISTEN_MAX, &error);
    if (count < 0)
        report_error ("counters", &error);
    for (int i = 0; i < count && i < CLI_LISTEN_MAX; i++)
        s_socket_line (&stats[i]);
    asynrole_io_totals_t totals;
    if (asynrole_io_totals (self->io, &totals, &error)) {
        report_error ("counters", &error);
        return;
    }
    report (0,
            "counters: io roles=%" PRIu64 " sockets=%" PRIu64 " stale_sends=%" PRIu64
            " answers_failed=%" PRIu64 " requests_bad=%" PRIu64,
            totals.roles, totals.sockets, totals.stale_sends, totals.answers_failed,
            totals.requests_bad);
}

//  Stop the capture: 0, or -1 when it misses datagrams or did not stop
static int
s_capture_stop (session_t *self)
{
    asynrole_capture_stats_t stats;
    memset (&stats, 0, sizeof stats);
    asynrole_error_t error;
    int rc = asynrole_io_capture_stop (self->io, &stats, &error);
    if (rc)
        report_error ("capture", &error);
    if (rc || self->verbose)
        report (0,
                "capture %s: written=%" PRIu64 " dropped=%" PRIu64 " skipped=%" PRIu64
                " failed=%" PRIu64 " bytes=%" PRIu64,
                self->capture, stats.written, stats.dropped, stats.skipped, stats.failed,
                stats.bytes);
    return rc;
}

int
session_close (session_t *self, int code)
{
    if (self->capture && s_capture_stop (self) && code < CLI_BAD_INPUT)
        code = CLI_FAILED;
    asynrole_io_destroy (&self->io);
    close (self->signal_fd);
    self->signal_fd = -1;
    return code;
}
