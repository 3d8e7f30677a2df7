/*  loadgen_args.c - asynrole-loadgen's command line */
#include "loadgen.h"

#include <stdio.h>
#include <string.h>

static const char s_usage[] =
    "usage: asynrole-loadgen --target HOST:PORT [OPTIONS]\n"
    "\n"
    "A closed-loop UDP load generator: keeps W requests in flight, each answered one\n"
    "replaced at once; resends a request unanswered after --timeout. After a short\n"
    "warm-up (none with --count) it measures for --duration, then waits up to twice\n"
    "--timeout (resending) for the requests still in flight.\n"
    "\n"
    "  --target HOST:PORT  the server: 127.0.0.1:PORT or [::1]:PORT\n"
    "  --window W          requests in flight, 1 to 1048576 (default 64)\n"
    "  --duration SEC      measured time, such as 2 or 0.5 (default 2)\n"
    "  --count N           send N requests, stop after N replies (or at --duration)\n"
    "  --payload KIND      echo (default): --size bytes, the request id first;\n"
    "                      snmp-get: an SNMPv2c GET of sysDescr.0, community public\n"
    "  --size BYTES        echo request size, 4 to 65507 (default 43)\n"
    "  --timeout MS        resend after MS milliseconds, 1 to 60000 (default 200)\n"
    "  --server-pid PID    report the server's CPU time per reply (/proc/PID/task/*/schedstat)\n"
    "\n"
    "Prints one line: rate=<replies/s> p50_us= p99_us= sent= received= lost= resent=\n"
    "cpu_us_per_req=. Rate, latency and CPU are of the measured part; the counts of the\n"
    "whole run (sent = received + lost; lost: never answered by the end). Exit 0; 1 when\n"
    "it fails or no reply came; 2 for bad arguments.\n";

static int
s_bad (const char *what, const char *value)
{
    fprintf (stderr, "asynrole-loadgen: %s '%s' (see --help)\n", what, value);
    return 2;
}

//  One option and its value; 0 or 2
static int
s_option (loadgen_config_t *c, const char *name, const char *value)
{
    uint64_t v;
    if (strcmp (name, "--target") == 0)
        return bench_addr_parse (value, &c->target) ? 0 : s_bad ("bad --target", value);
    if (strcmp (name, "--window") == 0)
        return bench_parse_u64 (value, 1, LOADGEN_WINDOW_MAX, &c->window)
            ? 0
            : s_bad ("--window is not 1 to 1048576:", value);
    if (strcmp (name, "--duration") == 0)
        return bench_parse_seconds (value, 3600, &c->duration_ns)
            ? 0
            : s_bad ("--duration is not seconds in (0, 3600]:", value);
    if (strcmp (name, "--count") == 0)
        return bench_parse_u64 (value, 1, UINT64_MAX / 2, &c->count) ? 0
                                                                     : s_bad ("bad --count", value);
    if (strcmp (name, "--size") == 0)
        return bench_parse_u64 (value, 4, 65507, &c->size)
            ? 0
            : s_bad ("--size is not 4 to 65507:", value);
    if (strcmp (name, "--timeout") == 0) {
        if (!bench_parse_u64 (value, 1, 60000, &v))
            return s_bad ("--timeout is not 1 to 60000 ms:", value);
        c->timeout_ns = v * 1000000u;
        return 0;
    }
    if (strcmp (name, "--server-pid") == 0) {
        if (!bench_parse_u64 (value, 1, 1u << 22, &v))
            return s_bad ("bad --server-pid", value);
        c->server_pid = (pid_t) v;
        return 0;
    }
    if (strcmp (value, "echo") != 0 && strcmp (value, "snmp-get") != 0)
        return s_bad ("--payload is not echo or snmp-get:", value);
    c->kind = strcmp (value, "echo") == 0 ? LOADGEN_ECHO : LOADGEN_SNMP_GET;
    return 0;
}

int
loadgen_args (int argc, char **argv, loadgen_config_t *c)
{
    static const char *const names[] = { "--target",  "--window", "--duration", "--count",
                                         "--payload", "--size",   "--timeout",  "--server-pid" };
    *c = (loadgen_config_t){ .window = 64,
                             .size = 43,
                             .duration_ns = 2000000000u,
                             .timeout_ns = 200000000u,
                             .kind = LOADGEN_ECHO };
    bool have_target = false;
    for (int i = 1; i < argc; i += 2) {  //  an option and its value
        if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0) {
            fputs (s_usage, stdout);
            return 1;
        }
        bool known = false;
        for (size_t n = 0; n < sizeof names / sizeof names[0]; n++)
            known = known || strcmp (argv[i], names[n]) == 0;
        if (!known)
            return s_bad ("unknown argument", argv[i]);
        if (i + 1 >= argc)
            return s_bad ("a value is missing after", argv[i]);
        int rc = s_option (c, argv[i], argv[i + 1]);
        if (rc)
            return rc;
        have_target = have_target || strcmp (argv[i], "--target") == 0;
    }
    if (!have_target) {
        fprintf (stderr, "asynrole-loadgen: --target HOST:PORT is needed (see --help)\n");
        return 2;
    }
    if (c->kind == LOADGEN_SNMP_GET)
        c->size = LOADGEN_SNMP_GET_SIZE;
    return 0;
}
