/*  trap_receiver.c - prints SNMP notifications, on the asynrole Agent role

    trap_receiver [--listen ADDR]... [--count N]

    Prints every SNMPv1 Trap, SNMPv2c Trap and InformRequest it receives,
    whatever its community, one line each, and acknowledges each Inform
    with a Response (same request-id, its varbinds echoed: RFC 3416 4.2.7).
    An Inform sent again (same source address and request-id within
    S_WINDOW_S seconds: a manager's retry when the Response was lost) is
    acknowledged again but printed once. Anything else is counted, unanswered.

    Output (stdout, one line each, written as it comes):
        listening on ADDR [ADDR...]
        SOURCE trap-v1 community="C" enterprise=OID agent-addr=IP generic-trap=N
            specific-trap=N time-stamp=N varbinds=N: VARBIND; VARBIND...
        SOURCE trap-v2c community="C" request-id=N varbinds=N: VARBIND; ...
        SOURCE inform community="C" request-id=N varbinds=N: VARBIND; ...
        counters: ...                       at exit
    (the trap-v1 line is one line; VARBIND is as snmpget -On prints it).
    Stops on SIGINT / SIGTERM, or after --count N notifications printed,
    even when whatever reads stdout has stopped reading: lines are written
    once poll says stdout takes them, in a poll that also waits for main's
    stop, and the counters go to stderr when stdout takes nothing for
    S_COUNTERS_WAIT_MS.
    Exit status: 0 then, 1 when it cannot start, 2 for bad arguments.
*/
#define _POSIX_C_SOURCE 200809L  //  clock_gettime
#include "asynrole.h"
#include "snmp_cli.h"
#include "polled_write.h"
#include "snmp_format.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_LISTEN_MAX 16
#define S_WINDOW_S 30   //  how long an Inform is remembered
#define S_SEEN_MAX 256  //  Informs remembered; past it the oldest is forgotten
#define S_LINE_MAX 65536
#define S_COUNT_MAX 1000000000
#define S_COUNTERS_WAIT_MS 1000  //  how long the counters wait for stdout

//  An Inform already printed
typedef struct {
    asynrole_addr_t source;
    int32_t request_id;
    int64_t at;  //  monotonic ms; 0 = free slot
} s_seen_t;

typedef struct {
    unsigned long long v1_traps, v2c_traps, informs, inform_resent, acks;
    unsigned long long malformed, ignored, ack_failed, errors;
} s_counters_t;

typedef struct {
    size_t count;  //  stop after this many printed; 0 = never
    size_t printed;
    int wake_fd;  //  written once count is reached
    int stop_fd;  //  readable once main stops: output is dropped from then
    s_seen_t seen[S_SEEN_MAX];
    s_counters_t counters;  //  the Agent's thread only, read after it is joined
} s_receiver_t;

static const char s_usage[] =
    "usage: trap_receiver [--listen ADDR]... [--count N]\n"
    "  --listen ADDR  address to listen on, repeatable (default 127.0.0.1:162);\n"
    "                 port 0 takes a free port; fd:N, systemd:NAME\n"
    "  --count N      exit after N notifications printed\n"
    "Prints \"listening on ADDR...\" first, then one line per trap or inform, and its\n"
    "counters when it stops (SIGINT / SIGTERM, or --count).\n";

//  Has this Inform been printed within the window? Remember it if not,
//  in a free or expired slot, else in place of the oldest.
static bool
s_seen_before (s_receiver_t *self, const asynrole_addr_t *source, int32_t request_id)
{
    int64_t now = polled_now_ms ();
    s_seen_t *slot = &self->seen[0];
    for (size_t i = 0; i < S_SEEN_MAX; i++) {
        s_seen_t *seen = &self->seen[i];
        bool live = seen->at && now - seen->at < S_WINDOW_S * 1000;
        if (live && seen->request_id == request_id && asynrole_addr_equal (&seen->source, source))
            return true;
        if (!live)
            seen->at = 0;
        if (seen->at < slot->at)
            slot = seen;
    }
    slot->source = *source;
    slot->request_id = request_id;
    slot->at = now ? now : 1;
    return false;
}

//  A line being built: cut (never overrun) at its size
typedef struct {
    char text[S_LINE_MAX];
    size_t len;
} s_line_t;

static void
s_append (s_line_t *line, const char *text, size_t len)
{
    size_t room = sizeof line->text - 1 - line->len;
    if (len > room)
        len = room;
    memcpy (line->text + line->len, text, len);
    line->len += len;
    line->text[line->len] = 0;
}

static void s_appendf (s_line_t *line, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));
static void
s_appendf (s_line_t *line, const char *format, ...)
{
    char buf[512];
    va_list args;
    va_start (args, format);
    int n = vsnprintf (buf, sizeof buf, format, args);
    va_end (args);
    if (n > 0)
        s_append (line, buf, (size_t) n < sizeof buf ? (size_t) n : sizeof buf - 1);
}

//  The community in quotes: printable ASCII as is (" and \ escaped), \xHH else
static void
s_append_community (s_line_t *line, const snmp_msg_t *msg)
{
    s_append (line, " community=\"", 12);
    for (size_t i = 0; i < msg->community_len; i++) {
        uint8_t c = msg->community[i];
        if (c == '"' || c == '\\')
            s_appendf (line, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            s_appendf (line, "%c", c);
        else
            s_appendf (line, "\\x%02x", c);
    }
    s_append (line, "\"", 1);
}

static void
s_append_varbinds (s_line_t *line, const snmp_msg_t *msg)
{
    static char text[S_LINE_MAX];  //  the Agent's thread only
    s_appendf (line, " varbinds=%zu", msg->varbind_count);
    for (size_t i = 0; i < msg->varbind_count; i++) {
        size_t len = snmp_varbind_format (&msg->varbinds[i], text, sizeof text);
        s_append (line, i ? "; " : ": ", 2);
        s_append (line, text, len < sizeof text ? len : sizeof text - 1);
    }
}

//  One line for a notification; multi-line values (long Hex-STRINGs) are
//  joined with spaces, so that a line is one notification
static void
s_print (s_receiver_t *self, const asynrole_datagram_t *datagram, const snmp_msg_t *msg)
{
    static s_line_t line;
    char source[ASYNROLE_ADDR_STRLEN];
    line.len = 0;
    line.text[0] = 0;
    s_appendf (&line, "%s %s", asynrole_addr_format (&datagram->peer, source, sizeof source),
               msg->type == SNMP_PDU_TRAP_V1       ? "trap-v1"
                   : msg->type == SNMP_PDU_TRAP_V2 ? "trap-v2c"
                                                   : "inform");
    s_append_community (&line, msg);
    if (msg->type == SNMP_PDU_TRAP_V1) {
        char enterprise[SNMP_OID_TEXT_MAX];
        snmp_oid_format (&msg->trap.enterprise, enterprise, sizeof enterprise);
        const uint8_t *ip = msg->trap.agent_addr;
        s_appendf (&line, " enterprise=%s agent-addr=%u.%u.%u.%u", enterprise, ip[0], ip[1], ip[2],
                   ip[3]);
        s_appendf (&line, " generic-trap=%d specific-trap=%d time-stamp=%u",
                   (int) msg->trap.generic_trap, (int) msg->trap.specific_trap,
                   (unsigned) msg->trap.time_stamp);
    }
    else
        s_appendf (&line, " request-id=%d", (int) msg->request_id);
    s_append_varbinds (&line, msg);
    for (size_t i = 0; i < line.len; i++)
        if (line.text[i] == '\n' || line.text[i] == '\r')
            line.text[i] = ' ';
    line.text[line.len] = '\n';  //  in place of the NUL: s_append keeps room
    //  Stopped (main is ending), or cannot write (the reader went away):
    //  the line is dropped, as printf's failure was
    snmp_cli_write (STDOUT_FILENO, self->stop_fd, -1, line.text, line.len + 1);
}

//  The Response to an Inform: same request-id, no error, its varbinds
static void
s_acknowledge (s_receiver_t *self, asynrole_agent_t *agent, const asynrole_datagram_t *datagram,
               snmp_msg_t *inform)
{
    static uint8_t wire[SNMP_MSG_MAX];
    inform->type = SNMP_PDU_RESPONSE;  //  the rest stays as it came
    inform->error_status = 0;
    inform->error_index = 0;
    size_t length;
    snmp_err_t err = snmp_msg_encode (inform, wire, sizeof wire, &length);
    inform->type = SNMP_PDU_INFORM;
    asynrole_error_t error;
    if (err != SNMP_OK) {
        self->counters.ack_failed++;
        fprintf (stderr, "trap_receiver: cannot encode a Response: %s\n", snmp_strerror (err));
    }
    else if (asynrole_agent_reply (agent, datagram, wire, length, &error)) {
        self->counters.ack_failed++;
        fprintf (stderr, "trap_receiver: cannot acknowledge: %s\n", error.detail);
    }
    else
        self->counters.acks++;
}

static void
s_printed (s_receiver_t *self, const asynrole_datagram_t *datagram, const snmp_msg_t *msg)
{
    if (self->count && self->printed >= self->count)
        return;  //  main is stopping
    s_print (self, datagram, msg);
    if (++self->printed == self->count && write (self->wake_fd, "x", 1) != 1)
        perror ("trap_receiver: wake");
}

//  Runs in the Agent's thread for every datagram and every error event
static void
s_on_datagram (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
               const asynrole_error_t *error)
{
    s_receiver_t *self = (s_receiver_t *) ctx;
    if (error) {
        self->counters.errors++;
        fprintf (stderr, "trap_receiver: %s: %s\n", asynrole_strerror (error->code), error->detail);
        return;
    }
    //  Past --count, main is stopping: nothing more is printed or acknowledged
    if (self->count && self->printed >= self->count) {
        self->counters.ignored++;
        return;
    }
    static snmp_msg_t msg;  //  large; one thread uses it
    if (snmp_msg_decode (&msg, datagram->data, datagram->size) != SNMP_OK) {
        self->counters.malformed++;
        return;
    }
    if (msg.type == SNMP_PDU_TRAP_V1 || msg.type == SNMP_PDU_TRAP_V2) {
        if (msg.type == SNMP_PDU_TRAP_V1)
            self->counters.v1_traps++;
        else
            self->counters.v2c_traps++;
        s_printed (self, datagram, &msg);
    }
    else if (msg.type == SNMP_PDU_INFORM) {
        s_acknowledge (self, agent, datagram, &msg);
        if (s_seen_before (self, &datagram->peer, msg.request_id))
            self->counters.inform_resent++;
        else {
            self->counters.informs++;
            s_printed (self, datagram, &msg);
        }
    }
    else
        self->counters.ignored++;
}

//  0 = run, 1 = --help shown, 2 = bad arguments (one line said why)
static int
s_parse (int argc, char **argv, const char **listen, size_t *listen_count, size_t *count)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp (arg, "--help") == 0 || strcmp (arg, "-h") == 0) {
            fputs (s_usage, stdout);
            return 1;
        }
        if (strcmp (arg, "--listen") != 0 && strcmp (arg, "--count") != 0) {
            fprintf (stderr, "trap_receiver: unknown argument '%s' (see --help)\n", arg);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf (stderr, "trap_receiver: %s needs a value (see --help)\n", arg);
            return 2;
        }
        const char *value = argv[++i];
        if (strcmp (arg, "--count") == 0) {
            *count = snmp_cli_number (value, S_COUNT_MAX);
            if (*count == 0) {
                fprintf (stderr, "trap_receiver: --count '%s' is not 1 to %d\n", value,
                         S_COUNT_MAX);
                return 2;
            }
        }
        else if (*listen_count == S_LISTEN_MAX) {
            fprintf (stderr, "trap_receiver: at most %d --listen\n", S_LISTEN_MAX);
            return 2;
        }
        else if (!snmp_cli_check_listen ("trap_receiver", value))
            return 2;
        else
            listen[(*listen_count)++] = value;
    }
    return 0;
}

//  On stdout, or on stderr when stdout takes nothing for S_COUNTERS_WAIT_MS
//  (its reader stopped reading). A second signal does not cut them short:
//  one `kill -INT` of timeout(1) reaches its child twice (sent to the child,
//  then to its process group), and the counters were lost to the second.
static void
s_print_counters (const s_counters_t *c)
{
    char text[512];
    int len = snprintf (text, sizeof text,
                        "counters: v1_traps=%llu v2c_traps=%llu informs=%llu inform_resent=%llu"
                        " acks=%llu malformed=%llu ignored=%llu ack_failed=%llu errors=%llu\n",
                        c->v1_traps, c->v2c_traps, c->informs, c->inform_resent, c->acks,
                        c->malformed, c->ignored, c->ack_failed, c->errors);
    if (len <= 0 || (size_t) len >= sizeof text)
        return;
    if (snmp_cli_write (STDOUT_FILENO, -1, S_COUNTERS_WAIT_MS, text, (size_t) len))
        fprintf (stderr, "trap_receiver: stdout is stalled; %s", text);
}

//  Until a signal or --count; then the callback's output is stopped (it may
//  be waiting for stdout) before the Agent, which waits for the callback, goes
static void
s_serve (s_receiver_t *self, asynrole_agent_t **agent, int signal_fd, int wake_fd, int stop_fd)
{
    snmp_cli_print_listening (*agent);
    int signo = snmp_cli_wait (signal_fd, wake_fd);
    if (write (stop_fd, "x", 1) != 1)
        perror ("trap_receiver: stop");
    asynrole_agent_destroy (agent);  //  joins its thread: the counters are final
    if (signo)
        fprintf (stderr, "trap_receiver: %s, exiting\n", strsignal (signo));
    s_print_counters (&self->counters);
}

int
main (int argc, char **argv)
{
    const char *listen[S_LISTEN_MAX];
    size_t listen_count = 0;
    static s_receiver_t self;  //  large (the Informs remembered)
    int rc = s_parse (argc, argv, listen, &listen_count, &self.count);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (listen_count == 0)
        listen[listen_count++] = "127.0.0.1:162";

    int wake[2], stop[2];
    int signal_fd = snmp_cli_signals ();  //  before the Agent's threads exist
    if (signal_fd < 0 || pipe (wake) != 0 || pipe (stop) != 0) {
        perror ("trap_receiver: signalfd / pipe");
        return 1;
    }
    self.wake_fd = wake[1];
    self.stop_fd = stop[0];
    asynrole_options_t options = { .name = "trap_receiver" };
    asynrole_error_t error;
    asynrole_agent_t *agent =
        asynrole_agent_new (s_on_datagram, &self, listen, listen_count, &options, &error);
    int status = agent ? 0 : 1;
    if (agent)
        s_serve (&self, &agent, signal_fd, wake[0], stop[1]);
    else
        fprintf (stderr, "trap_receiver: %s\n", error.detail);
    for (int i = 0; i < 2; i++) {
        close (wake[i]);
        close (stop[i]);
    }
    close (signal_fd);
    return status;
}
