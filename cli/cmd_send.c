/*  cmd_send.c - asynrole send: one request through the Manager's request
    engine (timeouts, retries, the reply matched by its source); prints the
    reply's payload in hex */
#define _GNU_SOURCE  //  eventfd
#include "commands.h"
#include "hex.h"
#include "loop.h"
#include "payload.h"
#include "report.h"
#include "signals.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

static const char s_usage[] =
    "usage: asynrole send [OPTIONS] DEST HEX|@FILE\n"
    "\n"
    "Sends one request to DEST (numeric: 127.0.0.1:1161, [::1]:1161) and prints the\n"
    "reply's payload in hex on one line. The datagram is HEX digits, the bytes of\n"
    "@FILE, or of standard input (@-). Exit 0 on a reply, 1 on none.\n"
    "\n"
    "  --bind ADDR         the local address to send from (default: any, a port the\n"
    "                      kernel picks)\n"
    "  --timeout MS        how long each attempt waits for the reply (default 1000)\n"
    "  --retries N         attempts after the first, 0 to 1000 (default 3)\n" CLI_COMMON_OPTIONS
    "\n"
    "Example: asynrole send --timeout 500 --retries 1 127.0.0.1:1161 302602010104067075\n";

//  Defaults: the request engine's own (asynrole_request.h)
#define SEND_TIMEOUT 1000
#define SEND_RETRIES 3
//  How much longer than its attempts a request may take to end
#define SEND_MARGIN 5000

//  What the Manager's thread hands the main thread
typedef struct {
    pthread_mutex_t lock;
    int wake_fd;  //  an eventfd written when the request ended
    bool ended;
    asynrole_code_t code;  //  0 with a reply
    char detail[ASYNROLE_DETAIL_MAX];
    char last_error[ASYNROLE_DETAIL_MAX];  //  the last error event, "" if none
    int attempts;
    int attempt;
    int64_t rtt_us;
    bool verbose;
    int signal;  //  the signal that stopped the wait (main thread only)
    size_t size;
    uint8_t reply[ASYNROLE_DGRAM_MAX];
    size_t request_size;
    uint8_t request[ASYNROLE_DGRAM_MAX];
} send_t;

//  The request's end, in the Manager's thread
static void
s_on_result (asynrole_manager_t *manager, void *ctx, const asynrole_result_t *result)
{
    (void) manager;
    send_t *self = (send_t *) ctx;
    pthread_mutex_lock (&self->lock);
    self->ended = true;
    self->attempts = result->attempts;
    self->attempt = result->attempt;
    self->rtt_us = result->rtt_us;
    if (result->reply) {
        self->size =
            result->reply->size < sizeof self->reply ? result->reply->size : sizeof self->reply;
        memcpy (self->reply, result->reply->data, self->size);
    }
    else {
        self->code = result->error->code;
        snprintf (self->detail, sizeof self->detail, "%s", result->error->detail);
    }
    pthread_mutex_unlock (&self->lock);
    uint64_t one = 1;
    if (write (self->wake_fd, &one, sizeof one) < 0)
        return;  //  an eventfd refuses only past 2^64 - 2
}

//  Datagrams that are not the reply, and error events (an ICMP port
//  unreachable), in the Manager's thread
static void
s_on_datagram (asynrole_manager_t *manager, void *ctx, const asynrole_datagram_t *datagram,
               const asynrole_error_t *error)
{
    (void) manager;
    send_t *self = (send_t *) ctx;
    char from[ASYNROLE_ADDR_STRLEN];
    if (datagram && self->verbose)
        report (0, "send: ignored %zu bytes from %s: not the reply", datagram->size,
                asynrole_addr_format (&datagram->peer, from, sizeof from));
    if (!error)
        return;
    //  The library logs it with --verbose; the end says the last one
    pthread_mutex_lock (&self->lock);
    snprintf (self->last_error, sizeof self->last_error, "%s", error->detail);
    pthread_mutex_unlock (&self->lock);
}

//  The operands: DEST (numeric), --bind, and the datagram
static int
s_operands (send_t *self, const cli_args_t *args)
{
    asynrole_addr_t dest, bind;
    asynrole_error_t error;
    if (asynrole_addr_parse (&dest, args->operands[0], &error))
        return report (CLI_BAD_INPUT, "send: bad destination '%s': %s", args->operands[0],
                       error.detail);
    if (args->bind && asynrole_addr_parse (&bind, args->bind, &error))
        return report (CLI_BAD_INPUT, "send: bad --bind '%s': %s", args->bind, error.detail);
    size_t max =
        asynrole_addr_family (&dest) == AF_INET ? ASYNROLE_DGRAM_MAX_IPV4 : ASYNROLE_DGRAM_MAX_IPV6;
    long size = payload_read (args->operands[1], self->request, max);
    if (size < 0)
        return CLI_BAD_INPUT;
    self->request_size = (size_t) size;
    return 0;
}

//  --timeout and --retries, or their defaults
static asynrole_policy_t
s_policy (const cli_args_t *args)
{
    asynrole_policy_t policy = { .timeout = args->timeout ? args->timeout : SEND_TIMEOUT,
                                 .retries = args->retries >= 0 ? args->retries : SEND_RETRIES };
    return policy;
}

//  The Manager, sending to DEST from --bind, and the request
static int
s_start (send_t *self, session_t *session, const cli_args_t *args, asynrole_manager_t **manager)
{
    asynrole_options_t options = session_options (session);
    options.name = "send";
    asynrole_error_t error;
    *manager =
        asynrole_manager_new (s_on_datagram, self, args->operands[0], args->bind, &options, &error);
    if (!*manager)
        return report_error ("send", &error);
    asynrole_policy_t policy = s_policy (args);
    asynrole_request_t request = {
        .data = self->request, .size = self->request_size, .policy = &policy, .ctx = self
    };
    if (asynrole_manager_request (*manager, &request, s_on_result, NULL, &error))
        return report_error ("send", &error);
    return 0;
}

//  Wait for the request's end, a signal, or limit_ms: 0 (ended), the
//  signal, or -1 (the time passed)
static int
s_wait (send_t *self, int signal_fd, int64_t limit_ms)
{
    int64_t deadline = loop_now_ms () + limit_ms;
    for (;;) {
        pthread_mutex_lock (&self->lock);
        bool ended = self->ended;
        pthread_mutex_unlock (&self->lock);
        int64_t left = deadline - loop_now_ms ();
        if (ended || left <= 0)
            return ended ? 0 : -1;
        //  --timeout × (--retries + 1) may pass what poll takes: wait in hours
        int rc = signals_wait (signal_fd, self->wake_fd, left > 3600000 ? 3600000 : (int) left);
        if (rc > 0)
            return rc;
        uint64_t count;
        if (rc == 0 && read (self->wake_fd, &count, sizeof count) < 0)
            return -1;
    }
}

//  Print the reply, or say why there is none; the exit code
static int
s_result (send_t *self, const char *dest, bool verbose)
{
    //  Error events may still come (last_error)
    pthread_mutex_lock (&self->lock);
    int code = CLI_OK;
    if (self->code == ASYNROLE_ENORESPONSE)
        code =
            report (CLI_NO_REPLY, "send: no response from %s after %d attempt%s%s%s%s", dest,
                    self->attempts, self->attempts == 1 ? "" : "s", self->last_error[0] ? " (" : "",
                    self->last_error, self->last_error[0] ? ")" : "");
    else if (self->code)
        code = report (self->code == ASYNROLE_EBADARG ? CLI_BAD_INPUT : CLI_FAILED, "send: %s",
                       self->detail);
    pthread_mutex_unlock (&self->lock);
    if (code)
        return code;
    if (verbose)
        report (0, "send: reply from %s: %zu bytes, attempt %d of %d, %lld us", dest, self->size,
                self->attempt + 1, self->attempts, (long long) self->rtt_us);
    if (hex_write (stdout, self->reply, self->size) || putchar ('\n') < 0 || fflush (stdout))
        return report (CLI_FAILED, "send: cannot write the reply: %s", strerror (errno));
    return CLI_OK;
}

//  Wait for the end and say how it went; the exit code
static int
s_finish (send_t *self, session_t *session, const cli_args_t *args)
{
    asynrole_policy_t policy = s_policy (args);
    int64_t limit = (int64_t) policy.timeout * (policy.retries + 1) + SEND_MARGIN;
    int rc = s_wait (self, session->signal_fd, limit);
    if (rc > 0) {
        self->signal = rc;
        return report (CLI_NO_REPLY, "send: stopped by %s", signals_name (rc));
    }
    if (rc < 0)
        return report (CLI_FAILED, "send: the request did not end in time");
    return s_result (self, args->operands[0], args->verbose);
}

int
cmd_send (int argc, char **argv)
{
    cli_args_t args;
    int code = args_parse (&args, CLI_SEND, "send", 2, "DEST and HEX|@FILE", argc, argv);
    if (code || args.help)
        return code ? code : usage_print (s_usage);
    send_t *self = calloc (1, sizeof *self);
    if (!self)
        return report (CLI_FAILED, "send: out of memory");
    self->verbose = args.verbose;
    self->wake_fd = -1;
    pthread_mutex_init (&self->lock, NULL);
    session_t session;
    asynrole_manager_t *manager = NULL;
    bool opened = false;
    if (!(code = s_operands (self, &args)) && !(code = session_open (&session, "send", &args)))
        opened = true;
    if (opened && (self->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
        code = report (CLI_FAILED, "send: eventfd: %s", strerror (errno));
    if (!code && !(code = s_start (self, &session, &args, &manager)))
        code = s_finish (self, &session, &args);
    if (manager && (self->signal || args.verbose))
        session_counters (&session);
    asynrole_manager_destroy (&manager);
    if (opened)
        code = session_close (&session, code);
    if (self->wake_fd >= 0)
        close (self->wake_fd);
    pthread_mutex_destroy (&self->lock);
    free (self);
    return code;
}
