/*  snmp_agent.c - an SNMPv1/v2c agent on the asynrole Agent role

    snmp_agent [--listen ADDR]... [--community STR] [--max-size BYTES]

    Answers GET, GETNEXT, GETBULK and SET for the system group and a small
    interfaces table (snmp_mib.h; what each answer holds: snmp_responder.h)
    on every address given (default 127.0.0.1:161; port 0 = any free port),
    replying from the address each request was sent to. A request with
    another community gets no answer and is counted, as is anything that is
    not an SNMPv1/v2c request.

    Output (stdout, one line each, flushed):
        listening on ADDR [ADDR...]     first line, the bound addresses
        counters: requests=N get=N ...  at exit (SIGINT / SIGTERM)
    Exit status: 0 after a signal, 1 when it cannot start, 2 for bad arguments.
*/
#define _POSIX_C_SOURCE 200809L  //  clock_gettime
#include "asynrole.h"
#include "snmp_cli.h"
#include "snmp_responder.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_LISTEN_MAX 16
#define S_DEFAULT_MAX_SIZE 1472  //  one Ethernet frame: no IP fragments
#define S_MAX_SIZE_LIMIT 65507   //  the largest UDP payload over IPv4

typedef struct {
    const char *listen[S_LISTEN_MAX];
    size_t listen_count;
    const char *community;
    size_t max_size;
} s_config_t;

//  Written by the Agent's thread only; main reads them once the Agent is
//  destroyed (its thread joined)
typedef struct {
    unsigned long long requests, get, getnext, getbulk, set, too_big;
    unsigned long long bad_community, malformed, ignored, reply_failed, errors;
} s_counters_t;

typedef struct {
    const s_config_t *config;
    struct timespec start;
    s_counters_t counters;
} s_agent_t;

static const char s_usage[] =
    "usage: snmp_agent [--listen ADDR]... [--community STR] [--max-size BYTES]\n"
    "  --listen ADDR     address to serve, repeatable (default 127.0.0.1:161);\n"
    "                    [::1]:0 and 127.0.0.1:0 take a free port; fd:N, systemd:NAME\n"
    "  --community STR   community answered (default public); others are counted, unanswered\n"
    "  --max-size BYTES  largest Response, 484 to 65507 (default 1472)\n"
    "Prints \"listening on ADDR...\" first, and its counters when SIGINT / SIGTERM stops it.\n";

//  Hundredths of a second since start (sysUpTime), wrapping as TimeTicks do
static uint32_t
s_uptime (const struct timespec *start)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    int64_t cs =
        (int64_t) (now.tv_sec - start->tv_sec) * 100 + (now.tv_nsec - start->tv_nsec) / 10000000;
    return (uint32_t) cs;
}

static void
s_count (s_counters_t *counters, snmp_pdu_type_t type, int32_t error_status)
{
    counters->requests++;
    counters->get += type == SNMP_PDU_GET;
    counters->getnext += type == SNMP_PDU_GETNEXT;
    counters->getbulk += type == SNMP_PDU_GETBULK;
    counters->set += type == SNMP_PDU_SET;
    counters->too_big += error_status == SNMP_ERR_TOO_BIG;
}

//  Runs in the Agent's thread for every datagram and every error event
static void
s_on_datagram (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
               const asynrole_error_t *error)
{
    s_agent_t *self = (s_agent_t *) ctx;
    if (error) {
        self->counters.errors++;
        fprintf (stderr, "snmp_agent: %s: %s\n", asynrole_strerror (error->code), error->detail);
        return;
    }
    static snmp_msg_t request, response;  //  large; one thread uses them
    static uint8_t reply[S_MAX_SIZE_LIMIT];
    if (snmp_msg_decode (&request, datagram->data, datagram->size) != SNMP_OK) {
        self->counters.malformed++;
        return;
    }
    const char *community = self->config->community;
    if (request.community_len != strlen (community)
        || memcmp (request.community, community, request.community_len) != 0) {
        self->counters.bad_community++;
        return;
    }
    size_t length;
    snmp_err_t err = snmp_responder_answer (&request, s_uptime (&self->start), &response, reply,
                                            self->config->max_size, &length);
    if (err != SNMP_OK) {
        self->counters.ignored++;  //  not a request, or no answer fits
        return;
    }
    s_count (&self->counters, request.type, response.error_status);
    asynrole_error_t send_error;
    if (asynrole_agent_reply (agent, datagram, reply, length, &send_error)) {
        self->counters.reply_failed++;
        fprintf (stderr, "snmp_agent: cannot reply: %s\n", send_error.detail);
    }
}

//  0 = run, 1 = --help shown, 2 = bad arguments (one line said why)
static int
s_parse (int argc, char **argv, s_config_t *config)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp (arg, "--help") == 0 || strcmp (arg, "-h") == 0) {
            fputs (s_usage, stdout);
            return 1;
        }
        bool known = strcmp (arg, "--listen") == 0 || strcmp (arg, "--community") == 0
            || strcmp (arg, "--max-size") == 0;
        if (!known) {
            fprintf (stderr, "snmp_agent: unknown argument '%s' (see --help)\n", arg);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf (stderr, "snmp_agent: %s needs a value (see --help)\n", arg);
            return 2;
        }
        const char *value = argv[++i];
        if (strcmp (arg, "--community") == 0)
            config->community = value;
        else if (strcmp (arg, "--max-size") == 0) {
            config->max_size = snmp_cli_number (value, S_MAX_SIZE_LIMIT);
            if (config->max_size < SNMP_RESPONDER_MIN_SIZE) {
                fprintf (stderr, "snmp_agent: --max-size '%s' is not 484 to 65507\n", value);
                return 2;
            }
        }
        else if (config->listen_count == S_LISTEN_MAX) {
            fprintf (stderr, "snmp_agent: at most %d --listen\n", S_LISTEN_MAX);
            return 2;
        }
        else if (!snmp_cli_check_listen ("snmp_agent", value))
            return 2;
        else
            config->listen[config->listen_count++] = value;
    }
    return 0;
}

static void
s_print_counters (const s_counters_t *c)
{
    printf ("counters: requests=%llu get=%llu getnext=%llu getbulk=%llu set=%llu too_big=%llu"
            " bad_community=%llu malformed=%llu ignored=%llu reply_failed=%llu errors=%llu\n",
            c->requests, c->get, c->getnext, c->getbulk, c->set, c->too_big, c->bad_community,
            c->malformed, c->ignored, c->reply_failed, c->errors);
    fflush (stdout);
}

int
main (int argc, char **argv)
{
    s_config_t config = { .community = "public", .max_size = S_DEFAULT_MAX_SIZE };
    int rc = s_parse (argc, argv, &config);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (config.listen_count == 0)
        config.listen[config.listen_count++] = "127.0.0.1:161";

    int signal_fd = snmp_cli_signals ();  //  before the Agent's threads exist
    if (signal_fd < 0) {
        perror ("snmp_agent: signalfd");
        return 1;
    }
    s_agent_t self = { .config = &config };
    clock_gettime (CLOCK_MONOTONIC, &self.start);
    asynrole_options_t options = { .name = "snmp_agent" };
    asynrole_error_t error;
    asynrole_agent_t *agent = asynrole_agent_new (s_on_datagram, &self, config.listen,
                                                  config.listen_count, &options, &error);
    if (!agent) {
        fprintf (stderr, "snmp_agent: %s\n", error.detail);
        close (signal_fd);
        return 1;
    }
    snmp_cli_print_listening (agent);
    int signo = snmp_cli_wait (signal_fd, -1);
    asynrole_agent_destroy (&agent);  //  joins its thread: the counters are final
    close (signal_fd);
    fprintf (stderr, "snmp_agent: %s, exiting\n", strsignal (signo));
    s_print_counters (&self.counters);
    return 0;
}
