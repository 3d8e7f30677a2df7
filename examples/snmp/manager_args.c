/*  manager_args.c - the command line of snmp_get and snmp_walk

    Every mistake is one line on stderr and SNMP_MGR_EXIT_USAGE. Hosts are
    numeric (no name look-up): a.b.c.d, [v6] or a bare v6 address, each
    with an optional :PORT (bracketed for IPv6), and net-snmp's transport
    prefixes udp: (IPv4 only) and udp6: (IPv6 only).
*/
#define _GNU_SOURCE  //  getopt_long
#include "manager_common.h"
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TIMEOUT 86400000  //  one day, the request engine's limit
#define MAX_RETRIES 1000
#define MAX_COMMUNITY 255

//  Long options without a short form
enum {
    OPT_TIMEOUT = 256,
    OPT_BULK,
    OPT_MAX_REPETITIONS
};

static int
s_bad (const snmp_mgr_options_t *opts, const char *what, const char *text)
{
    fprintf (stderr, "%s: %s '%s' (try --help)\n", opts->prog, what, text);
    return SNMP_MGR_EXIT_USAGE;
}

//  A whole decimal number in [min, max]
static bool
s_number (const char *text, long min, long max, int *value)
{
    if (!text || *text < '0' || *text > '9')
        return false;
    char *end = NULL;
    errno = 0;
    long number = strtol (text, &end, 10);
    if (errno || *end || number < min || number > max)
        return false;
    *value = (int) number;
    return true;
}

//  Split HOST[:PORT] (prefix already removed) into address and port text
static bool
s_split_host (char *text, char **address, char **port)
{
    *port = NULL;
    if (*text == '[') {
        char *close = strchr (text, ']');
        if (!close || (close[1] && close[1] != ':'))
            return false;
        *close = 0;
        *address = text + 1;
        if (close[1] == ':')
            *port = close + 2;
        return true;
    }
    *address = text;
    char *colon = strchr (text, ':');
    if (colon && !strchr (colon + 1, ':')) {  //  a.b.c.d:port; two colons: bare IPv6
        *colon = 0;
        *port = colon + 1;
    }
    return true;
}

//  The destination: opts->address in asynrole's numeric form
static int
s_host (snmp_mgr_options_t *opts, const char *text)
{
    int family = AF_UNSPEC;
    const char *rest = text;
    if (strncmp (rest, "udp6:", 5) == 0) {
        family = AF_INET6;
        rest += 5;
    }
    else if (strncmp (rest, "udp:", 4) == 0) {
        family = AF_INET;
        rest += 4;
    }
    char copy[ASYNROLE_ADDR_STRLEN];
    if (strlen (rest) >= sizeof copy)
        return s_bad (opts, "bad host", text);
    strcpy (copy, rest);
    char *address, *port_text;
    int port = SNMP_MGR_DEFAULT_PORT;
    bool bracketed = copy[0] == '[';
    if (!s_split_host (copy, &address, &port_text) || !*address
        || (port_text && !s_number (port_text, 1, 65535, &port)))
        return s_bad (opts, "bad host", text);
    bool v6 = strchr (address, ':') != NULL;
    if (bracketed && !v6)
        return s_bad (opts, "bad host (brackets are for IPv6)", text);
    snprintf (opts->address, sizeof opts->address, v6 ? "[%s]:%d" : "%s:%d", address, port);
    asynrole_addr_t parsed;
    asynrole_error_t error;
    if (asynrole_addr_parse (&parsed, opts->address, &error))
        return s_bad (opts, "bad host (a numeric address is needed)", text);
    if (family != AF_UNSPEC && asynrole_addr_family (&parsed) != family)
        return s_bad (
            opts, family == AF_INET ? "udp: takes an IPv4 address" : "udp6: takes an IPv6 address",
            text);
    opts->host = text;
    return -1;
}

//  The operands: HOST, then the OIDs
static int
s_operands (snmp_mgr_options_t *opts, const snmp_mgr_program_t *program, int argc, char **argv)
{
    if (optind >= argc) {
        fprintf (stderr, "%s: no HOST given (try --help)\n", opts->prog);
        return SNMP_MGR_EXIT_USAGE;
    }
    int rc = s_host (opts, argv[optind++]);
    if (rc >= 0)
        return rc;
    size_t count = (size_t) (argc - optind);
    size_t max = program->walk ? 1 : SNMP_MGR_MAX_OIDS;
    if (count > max) {
        fprintf (stderr, "%s: too many OIDs: at most %zu (try --help)\n", opts->prog, max);
        return SNMP_MGR_EXIT_USAGE;
    }
    if (count == 0 && !program->walk) {
        fprintf (stderr, "%s: no OID given (try --help)\n", opts->prog);
        return SNMP_MGR_EXIT_USAGE;
    }
    for (size_t i = 0; i < count; i++) {
        const char *text = argv[optind + (int) i];
        snmp_err_t err = snmp_oid_parse (&opts->oids[i], text);
        if (err) {
            fprintf (stderr, "%s: bad OID '%s': %s (numeric OIDs only; try --help)\n", opts->prog,
                     text, snmp_strerror (err));
            return SNMP_MGR_EXIT_USAGE;
        }
    }
    opts->oid_count = count;
    return -1;
}

//  One option; -1 to go on, else the exit code
static int
s_option (snmp_mgr_options_t *opts, const snmp_mgr_program_t *program, int option, char **argv)
{
    switch (option) {
        case 'h': fputs (program->usage, stdout); return SNMP_MGR_EXIT_OK;
        case 'c':
            if (strlen (optarg) > MAX_COMMUNITY) {
                fprintf (stderr, "%s: community longer than 255 bytes\n", opts->prog);
                return SNMP_MGR_EXIT_USAGE;
            }
            opts->community = optarg;
            return -1;
        case 'v':
            if (strcmp (optarg, "1") == 0)
                opts->version = SNMP_VERSION_1;
            else if (strcmp (optarg, "2c") == 0 || strcmp (optarg, "2") == 0)
                opts->version = SNMP_VERSION_2C;
            else
                return s_bad (opts, "bad -v (1 or 2c)", optarg);
            return -1;
        case 'r':
            if (!s_number (optarg, 0, MAX_RETRIES, &opts->retries))
                return s_bad (opts, "bad --retries (0 to 1000)", optarg);
            return -1;
        case OPT_TIMEOUT:
            if (!s_number (optarg, 1, MAX_TIMEOUT, &opts->timeout))
                return s_bad (opts, "bad --timeout (1 to 86400000 ms)", optarg);
            return -1;
        case OPT_BULK: opts->bulk = true; return -1;
        case OPT_MAX_REPETITIONS:
            if (!s_number (optarg, 1, SNMP_MAX_VARBINDS, &opts->max_repetitions))
                return s_bad (opts, "bad --max-repetitions (1 to 64)", optarg);
            opts->bulk = true;
            return -1;
        case ':': return s_bad (opts, "missing value after", argv[optind - 1]);
        default:
            //  optopt names a short option only; a long one is in argv
            if (optopt > 0 && optopt < 128 && strncmp (argv[optind - 1], "--", 2) != 0) {
                char text[3] = { '-', (char) optopt, 0 };
                return s_bad (opts, "unknown option", text);
            }
            return s_bad (opts, "unknown option", argv[optind - 1]);
    }
}

int
snmp_mgr_parse (snmp_mgr_options_t *opts, const snmp_mgr_program_t *program, int argc, char **argv)
{
    memset (opts, 0, sizeof *opts);
    opts->prog = program->prog;
    opts->timeout = SNMP_MGR_DEFAULT_TIMEOUT;
    opts->retries = SNMP_MGR_DEFAULT_RETRIES;
    opts->community = "public";
    opts->version = SNMP_VERSION_2C;
    opts->max_repetitions = SNMP_MGR_DEFAULT_MAX_REPETITIONS;

    static const struct option get_options[] = { { "community", required_argument, NULL, 'c' },
                                                 { "retries", required_argument, NULL, 'r' },
                                                 { "timeout", required_argument, NULL,
                                                   OPT_TIMEOUT },
                                                 { "help", no_argument, NULL, 'h' },
                                                 { NULL, 0, NULL, 0 } };
    static const struct option walk_options[] = {
        { "community", required_argument, NULL, 'c' },
        { "retries", required_argument, NULL, 'r' },
        { "timeout", required_argument, NULL, OPT_TIMEOUT },
        { "help", no_argument, NULL, 'h' },
        { "bulk", no_argument, NULL, OPT_BULK },
        { "max-repetitions", required_argument, NULL, OPT_MAX_REPETITIONS },
        { NULL, 0, NULL, 0 }
    };
    opterr = 0;  //  our own messages, one line each
    optind = 1;
    //  Options may come anywhere: an OID never starts with '-'
    int option;
    while ((option = getopt_long (argc, argv, ":c:r:v:h",
                                  program->walk ? walk_options : get_options, NULL))
           != -1) {
        int rc = s_option (opts, program, option, argv);
        if (rc >= 0)
            return rc;
    }
    int rc = s_operands (opts, program, argc, argv);
    if (rc >= 0)
        return rc;
    if (opts->bulk && opts->version == SNMP_VERSION_1) {
        fprintf (stderr, "%s: GETBULK (--bulk, --max-repetitions) needs -v 2c\n", opts->prog);
        return SNMP_MGR_EXIT_USAGE;
    }
    return -1;
}
