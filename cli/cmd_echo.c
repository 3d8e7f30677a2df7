/*  cmd_echo.c - asynrole echo: an Agent that sends every datagram back to
    its sender, from the address it was sent to */
#include "commands.h"
#include "loop.h"
#include "report.h"
#include "signals.h"

static const char s_usage[] =
    "usage: asynrole echo --listen ADDR [--listen ADDR ...] [OPTIONS]\n"
    "\n"
    "An Agent that sends every datagram back to its sender, until SIGINT or SIGTERM.\n"
    "\n"
    "  --listen ADDR       an address to serve: 127.0.0.1:1161, [::1]:1161, port 0 for\n"
    "                      one the kernel picks; fd:N or systemd:NAME to adopt a "
    "socket\n" CLI_COMMON_OPTIONS "\n"
    "Says where it listens on stderr (\"asynrole: echo: listening on ...\").\n"
    "Example: asynrole echo --listen 127.0.0.1:1161 --listen [::1]:1161\n";

typedef struct {
    asynrole_agent_t *agent;
    bool verbose;
    uint64_t failed;   //  replies the Agent refused
    uint64_t ignored;  //  from our own address, or from port 0: not answered
} echo_t;

static loop_verdict_t
s_event (void *ctx, asynrole_event_t *event)
{
    echo_t *self = (echo_t *) ctx;
    if (!event)
        return LOOP_GO;
    const asynrole_datagram_t *datagram = asynrole_event_datagram (event);
    if (!datagram) {
        //  An ICMP error, a drop: worth a line, never the end
        report (0, "echo: %s", asynrole_event_error (event)->detail);
        return LOOP_GO;
    }
    //  A datagram from our own address (spoofed) would have us answer
    //  ourselves for ever; port 0 cannot be answered
    if (asynrole_addr_port (&datagram->peer) == 0
        || asynrole_addr_equal (&datagram->peer, &datagram->local)) {
        self->ignored++;
        return LOOP_GO;
    }
    asynrole_error_t error;
    if (asynrole_agent_reply (self->agent, datagram, datagram->data, datagram->size, &error)) {
        if (self->failed++ == 0 || self->verbose)
            report (0, "echo: cannot reply: %s", error.detail);
    }
    return LOOP_GO;
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
    if ((code = listeners_start (&session, "echo", &args, &echo.agent)))
        return code;

    int signal = 0;
    loop_end_t end = loop_run (asynrole_agent_socket (echo.agent), session.signal_fd, -1, s_event,
                               &echo, &signal);
    code = end == LOOP_FAILED ? CLI_FAILED : CLI_OK;
    if (end == LOOP_SIGNAL)
        report (0, "echo: stopped by %s", signals_name (signal));
    if (echo.failed)
        report (0, "echo: %llu replies refused", (unsigned long long) echo.failed);
    if (echo.ignored)
        report (0, "echo: %llu datagrams from our own address or port 0, not answered",
                (unsigned long long) echo.ignored);
    return listeners_stop (&session, &echo.agent, end == LOOP_SIGNAL || args.verbose, code);
}
