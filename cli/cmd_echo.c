/*  cmd_echo.c - asynrole echo: an Agent that sends every datagram back to
    its sender, from the address it was sent to. By default it answers from
    its callback, in the Agent's thread (a batch's replies leave as one
    frame), and the main thread waits for a signal; --pipe reads events on
    the main thread instead (loop.h), and holds the replies to the events
    one wake-up brings, to leave as one frame too. */
#include "commands.h"
#include "loop.h"
#include "report.h"
#include "signals.h"
#include <errno.h>
#include <string.h>
#include <stdatomic.h>

static const char s_usage[] =
    "usage: asynrole echo --listen ADDR [--listen ADDR ...] [--pipe] [OPTIONS]\n"
    "\n"
    "An Agent that sends every datagram back to its sender, until SIGINT or SIGTERM.\n"
    "\n"
    "  --listen ADDR       an address to serve: 127.0.0.1:1161, [::1]:1161, port 0 for\n"
    "                      one the kernel picks; fd:N or systemd:NAME to adopt a "
    "socket\n"
    "  --pipe              answer from the main thread, reading events in pipe mode\n"
    "                      (default: from the Agent's callback, in its own "
    "thread)\n" CLI_COMMON_OPTIONS "\n"
    "Says where it listens on stderr (\"asynrole: echo: listening on ...\").\n"
    "Example: asynrole echo --listen 127.0.0.1:1161 --listen [::1]:1161\n";

//  Written by whichever thread answers (the Agent's, or the main one with
//  --pipe), read by the main thread at the end
typedef struct {
    asynrole_agent_t *agent;
    bool verbose;
    bool holding;                   //  --pipe: the main thread holds the replies
    atomic_uint_least64_t failed;   //  replies the Agent refused
    atomic_uint_least64_t ignored;  //  from our own address, or from port 0: not answered
} echo_t;

//  Answer one datagram, or say why not
static void
s_answer (echo_t *self, asynrole_agent_t *agent, const asynrole_datagram_t *datagram)
{
    //  A datagram from our own address (spoofed) would have us answer
    //  ourselves for ever; port 0 cannot be answered. The port fields
    //  first (sin_port and sin6_port share a place; a difference there
    //  means different addresses, of either family): a client's port is not
    //  ours, so the whole comparison is rarely made
    if (asynrole_addr_port (&datagram->peer) == 0
        || (datagram->peer.u.in.sin_port == datagram->local.u.in.sin_port
            && asynrole_addr_equal (&datagram->peer, &datagram->local))) {
        atomic_fetch_add_explicit (&self->ignored, 1, memory_order_relaxed);
        return;
    }
    asynrole_error_t error;
    if (asynrole_agent_reply (agent, datagram, datagram->data, datagram->size, &error)) {
        if (atomic_fetch_add_explicit (&self->failed, 1, memory_order_relaxed) == 0
            || self->verbose)
            report (0, "echo: cannot reply: %s", error.detail);
    }
}

//  Callback mode: in the Agent's thread
static void
s_callback (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
            const asynrole_error_t *error)
{
    echo_t *self = (echo_t *) ctx;
    if (datagram)
        s_answer (self, agent, datagram);
    else if (error->code != ASYNROLE_ECLOSED)
        //  An ICMP error, a drop, a lost reply: worth a line, never the end
        report (0, "echo: %s", error->detail);
}

//  Pipe mode: on the main thread. The loop hands over the events waiting
//  after one wait, then NULL: the replies to them are held and leave as
//  one message at that NULL (asynrole_agent_hold).
static loop_verdict_t
s_event (void *ctx, asynrole_event_t *event)
{
    echo_t *self = (echo_t *) ctx;
    asynrole_error_t error;
    if (!event) {
        self->holding = false;
        if (asynrole_agent_flush (self->agent, &error)) {
            atomic_fetch_add_explicit (&self->failed, error.count, memory_order_relaxed);
            report (0, "echo: %llu replies lost: %s", (unsigned long long) error.count,
                    error.detail);
        }
        return LOOP_GO;
    }
    //  Cannot fail on our own pipe-mode Agent; if it did, replies go one by one
    if (!self->holding)
        self->holding = asynrole_agent_hold (self->agent, &error) == 0;
    const asynrole_datagram_t *datagram = asynrole_event_datagram (event);
    if (datagram)
        s_answer (self, self->agent, datagram);
    else
        report (0, "echo: %s", asynrole_event_error (event)->detail);
    return LOOP_GO;
}

//  Callback mode's main thread: a signal ends it
static loop_end_t
s_wait_signal (int signal_fd, int *signal)
{
    for (;;) {
        int rc = signals_wait (signal_fd, -1, -1);
        if (rc > 0) {
            *signal = rc;
            return LOOP_SIGNAL;
        }
        if (rc == -2) {
            report (0, "poll: %s", strerror (errno));
            return LOOP_FAILED;
        }
    }
}

int
cmd_echo (int argc, char **argv)
{
    cli_args_t args;
    int code = args_parse (&args, CLI_ECHO, "echo", 0, "", argc, argv);
    if (code || args.help)
        return code ? code : usage_print (s_usage);
    session_t session;
    echo_t echo = { .verbose = args.verbose };
    atomic_init (&echo.failed, 0);
    atomic_init (&echo.ignored, 0);
    if ((code = listeners_start (&session, "echo", &args, args.pipe ? NULL : s_callback, &echo,
                                 &echo.agent)))
        return code;

    int signal = 0;
    loop_end_t end = args.pipe ? loop_run (asynrole_agent_socket (echo.agent), session.signal_fd,
                                           -1, s_event, &echo, &signal)
                               : s_wait_signal (session.signal_fd, &signal);
    code = end == LOOP_FAILED ? CLI_FAILED : CLI_OK;
    if (end == LOOP_SIGNAL)
        report (0, "echo: stopped by %s", signals_name (signal));
    uint64_t failed = atomic_load (&echo.failed);
    uint64_t ignored = atomic_load (&echo.ignored);
    if (failed)
        report (0, "echo: %llu replies refused", (unsigned long long) failed);
    if (ignored)
        report (0, "echo: %llu datagrams from our own address or port 0, not answered",
                (unsigned long long) ignored);
    return listeners_stop (&session, &echo.agent, end == LOOP_SIGNAL || args.verbose, code);
}
