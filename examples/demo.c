/*  demo.c - asynrole on loopback: Agents answer, Managers send, then counters
    and one error event

    Needs no set-up and ends by itself. Per address family (IPv4, and IPv6
    when the host has it) one Agent listens on an ephemeral loopback port, so
    no root is needed and nothing clashes, and one Manager sends it a few
    datagrams. The Agent echoes each one (turning an SNMP GetRequest into a
    GetResponse) to datagram->peer. Callbacks run in the roles' own threads;
    main waits for them on a condition variable with a deadline, never a sleep.

    Exit status 0 when every reply and the expected ICMP error arrived, else 1.
*/
#define _POSIX_C_SOURCE 200809L  //  clock_gettime, pthread_condattr_setclock
#include "asynrole.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define DEMO_SENDS 3     //  datagrams each Manager sends
#define DEMO_DEADLINE 5  //  seconds to wait for the callbacks, per phase
#define DEMO_HEX_MAX 32  //  bytes shown per datagram

typedef struct demo_s demo_t;

//  One address family: its Agent, its Manager, what their callbacks saw
typedef struct {
    demo_t *demo;      //  the shared lock and counters
    const char *name;  //  "ipv4" / "ipv6", in every line
    asynrole_agent_t *agent;
    asynrole_manager_t *manager;
    asynrole_addr_t to;                   //  where the Manager sends; len 0 = its default
    int requests;                         //  seen by the Agent (under demo->lock)
    int replies;                          //  seen by the Manager (under demo->lock)
    uint8_t reply[ASYNROLE_BUFFER_SIZE];  //  only the Agent's thread uses it
} family_t;

struct demo_s {
    pthread_mutex_t lock;    //  callbacks write, main reads
    pthread_cond_t changed;  //  signalled on every count
    family_t family[2];
    size_t families;   //  how many started
    int icmp_errors;   //  ICMP error events (expected: one)
    int other_errors;  //  any other error event (expected: none)
};

//  An SNMPv2c GetRequest for sysDescr.0, community "public", request-id
//  0x12345678 (43 bytes). The library never parses it: it is opaque bytes.
static const uint8_t s_get_request[] = {
    0x30, 0x29,                                                  //  SEQUENCE
    0x02, 0x01, 0x01,                                            //    version: v2c
    0x04, 0x06, 0x70, 0x75, 0x62, 0x6c, 0x69, 0x63,              //    community "public"
    0xa0, 0x1c,                                                  //    GetRequest-PDU
    0x02, 0x04, 0x12, 0x34, 0x56, 0x78,                          //      request-id
    0x02, 0x01, 0x00,                                            //      error-status
    0x02, 0x01, 0x00,                                            //      error-index
    0x30, 0x0e, 0x30, 0x0c,                                      //      varbinds, varbind
    0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00,  //        1.3.6.1.2.1.1.1.0
    0x05, 0x00                                                   //        NULL
};

//  Format up to DEMO_HEX_MAX bytes as hex in groups of four, "..." beyond
static char *
s_hex (const uint8_t *data, size_t size, char *buf, size_t buf_size)
{
    size_t shown = size < DEMO_HEX_MAX ? size : DEMO_HEX_MAX;
    size_t at = 0;
    buf[0] = 0;
    for (size_t i = 0; i < shown && at + 4 < buf_size; i++)
        at += (size_t) snprintf (buf + at, buf_size - at, "%s%02x", i && i % 4 == 0 ? " " : "",
                                 data[i]);
    if (size > shown && at + 4 < buf_size)
        snprintf (buf + at, buf_size - at, " ...");
    return buf;
}

//  One line per datagram: who got it, from where, at which local address and
//  interface (IP_PKTINFO), its size and first bytes. One printf per line so
//  lines from the two role threads never mix.
static void
s_print_datagram (const char *role, const char *family, const asynrole_datagram_t *datagram)
{
    char peer[ASYNROLE_ADDR_STRLEN];
    char local[ASYNROLE_ADDR_STRLEN];
    char hex[DEMO_HEX_MAX * 3 + 8];
    char truncated[48] = "";
    if (datagram->flags & ASYNROLE_DGRAM_TRUNCATED)
        snprintf (truncated, sizeof truncated, " (truncated from %zu)", datagram->original_size);
    printf ("%-7s %s <- %s at %s if %u: %4zu bytes%s %s\n", role, family,
            asynrole_addr_format (&datagram->peer, peer, sizeof peer),
            asynrole_addr_format (&datagram->local, local, sizeof local), datagram->ifindex,
            datagram->size, truncated,
            datagram->size ? s_hex (datagram->data, datagram->size, hex, sizeof hex) : "(empty)");
}

//  Count an error event; an ICMP error is the one the demo provokes
static void
s_error_event (family_t *family, const char *role, const asynrole_error_t *error)
{
    printf ("%-7s %s error event: %s: %s\n", role, family->name, asynrole_strerror (error->code),
            error->detail);
    pthread_mutex_lock (&family->demo->lock);
    if (error->op == ASYNROLE_OP_ICMP)
        family->demo->icmp_errors++;
    else
        family->demo->other_errors++;
    pthread_cond_broadcast (&family->demo->changed);
    pthread_mutex_unlock (&family->demo->lock);
}

//  Where the PDU tag of an SNMP message is, 0 if it does not look like one.
//  A transport never needs this; the demo peeks only to answer like an agent.
static size_t
s_pdu_offset (const uint8_t *data, size_t size)
{
    if (size < 2 || data[0] != 0x30)
        return 0;
    size_t at = 2 + ((data[1] & 0x80) ? (data[1] & 0x7f) : 0);
    for (int field = 0; field < 2; field++) {  //  version, community
        if (at + 2 > size || (data[at] != 0x02 && data[at] != 0x04) || (data[at + 1] & 0x80))
            return 0;
        at += 2 + data[at + 1];
    }
    return at < size ? at : 0;
}

//  Agent: runs in the Agent's thread for every request and every error
static void
s_agent_fn (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
            const asynrole_error_t *error)
{
    family_t *family = (family_t *) ctx;
    if (error) {
        s_error_event (family, "agent", error);
        return;
    }
    s_print_datagram ("agent", family->name, datagram);

    //  Echo it; a GetRequest (0xa0) goes back as a GetResponse (0xa2)
    if (datagram->size)
        memcpy (family->reply, datagram->data, datagram->size);
    size_t pdu = s_pdu_offset (family->reply, datagram->size);
    if (pdu && family->reply[pdu] == 0xa0)
        family->reply[pdu] = 0xa2;

    //  A reply leaves through the socket the request came in on
    asynrole_error_t send_error;
    if (asynrole_agent_reply (agent, datagram, family->reply, datagram->size, &send_error))
        printf ("agent   %s cannot reply: %s\n", family->name, send_error.detail);

    pthread_mutex_lock (&family->demo->lock);
    family->requests++;
    pthread_cond_broadcast (&family->demo->changed);
    pthread_mutex_unlock (&family->demo->lock);
}

//  Manager: runs in the Manager's thread for every reply and every error
static void
s_manager_fn (asynrole_manager_t *manager, void *ctx, const asynrole_datagram_t *datagram,
              const asynrole_error_t *error)
{
    (void) manager;
    family_t *family = (family_t *) ctx;
    if (error) {
        s_error_event (family, "manager", error);
        return;
    }
    s_print_datagram ("manager", family->name, datagram);
    pthread_mutex_lock (&family->demo->lock);
    family->replies++;
    pthread_cond_broadcast (&family->demo->changed);
    pthread_mutex_unlock (&family->demo->lock);
}

//  Predicates for s_wait, called with demo->lock held
static bool
s_all_replies (demo_t *demo)
{
    for (size_t i = 0; i < demo->families; i++)
        if (demo->family[i].requests < DEMO_SENDS || demo->family[i].replies < DEMO_SENDS)
            return false;
    return true;
}

static bool
s_icmp_seen (demo_t *demo)
{
    return demo->icmp_errors > 0;
}

//  Wait until done () holds or DEMO_DEADLINE seconds pass; the callbacks
//  signal on every change, so this wakes exactly when there is news
static bool
s_wait (demo_t *demo, bool (*done) (demo_t *))
{
    struct timespec deadline;
    clock_gettime (CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += DEMO_DEADLINE;
    pthread_mutex_lock (&demo->lock);
    int rc = 0;
    while (!done (demo) && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait (&demo->changed, &demo->lock, &deadline);
    bool result = done (demo);
    pthread_mutex_unlock (&demo->lock);
    return result;
}

//  Start an Agent on agent_at and a Manager on manager_at that sends to it
//  (connected to it when connect is true). Returns true, or false with error
//  filled and nothing left behind.
static bool
s_family_start (family_t *family, const char *agent_at, const char *manager_at, bool connect,
                const asynrole_options_t *options, asynrole_error_t *error)
{
    family->agent = asynrole_agent_new (s_agent_fn, family, &agent_at, 1, options, error);
    if (!family->agent)
        return false;
    char agent_text[ASYNROLE_ADDR_STRLEN];
    const asynrole_addr_t *agent_addr = asynrole_agent_local (family->agent, 0);
    asynrole_addr_format (agent_addr, agent_text, sizeof agent_text);

    //  A connected Manager sends to its default destination (to stays empty)
    family->manager = asynrole_manager_new (s_manager_fn, family, connect ? agent_text : NULL,
                                            manager_at, options, error);
    if (!family->manager) {
        asynrole_agent_destroy (&family->agent);
        return false;
    }
    if (!connect)
        family->to = *agent_addr;
    char manager_text[ASYNROLE_ADDR_STRLEN];
    printf ("%s: agent on %s, manager on %s (%s)\n", family->name, agent_text,
            asynrole_addr_format (asynrole_manager_local (family->manager), manager_text,
                                  sizeof manager_text),
            connect ? "connected to the agent" : "destination given per send");
    return true;
}

static void
s_print_stats (const char *role, const char *family, const asynrole_stats_t *stats)
{
    char local[ASYNROLE_ADDR_STRLEN];
    printf ("%-7s %s stats %s: rx %llu (%llu B) tx %llu (%llu B) truncated %llu dropped %llu"
            " kernel-dropped %llu tx-failed %llu errors %llu\n",
            role, family, asynrole_addr_format (&stats->local, local, sizeof local),
            (unsigned long long) stats->rx_datagrams, (unsigned long long) stats->rx_bytes,
            (unsigned long long) stats->tx_datagrams, (unsigned long long) stats->tx_bytes,
            (unsigned long long) stats->truncated, (unsigned long long) stats->dropped,
            (unsigned long long) stats->kernel_dropped, (unsigned long long) stats->tx_failed,
            (unsigned long long) stats->errors);
}

//  A loopback port nobody listens on: one an Agent held a moment ago
static int
s_closed_port (asynrole_addr_t *addr, family_t *family, const asynrole_options_t *options,
               asynrole_error_t *error)
{
    const char *at = "127.0.0.1:0";
    asynrole_agent_t *agent = asynrole_agent_new (s_agent_fn, family, &at, 1, options, error);
    if (!agent)
        return -1;
    *addr = *asynrole_agent_local (agent, 0);
    asynrole_agent_destroy (&agent);
    return 0;
}

int
main (void)
{
    setvbuf (stdout, NULL, _IOLBF, 0);  //  lines in order even through a pipe
    printf ("asynrole demo: on loopback, per address family one Agent (ephemeral port)\n"
            "and one Manager sending it %d datagrams: an SNMPv2c GetRequest for sysDescr.0,\n"
            "an empty one and one of 1400 bytes. The Agent echoes each (a GetRequest comes\n"
            "back as a GetResponse). Then the counters, and an ICMP error from a closed port.\n\n",
            DEMO_SENDS);

    demo_t demo;
    memset (&demo, 0, sizeof demo);
    pthread_mutex_init (&demo.lock, NULL);
    pthread_condattr_t condattr;  //  deadlines on the monotonic clock
    pthread_condattr_init (&condattr);
    pthread_condattr_setclock (&condattr, CLOCK_MONOTONIC);
    pthread_cond_init (&demo.changed, &condattr);
    pthread_condattr_destroy (&condattr);

    //  One I/O actor (one thread, one epoll set) serves every role here
    asynrole_error_t error;
    asynrole_io_t *io = asynrole_io_new (&error);
    if (!io) {
        printf ("demo: FAILED, cannot start the I/O actor: %s\n", error.detail);
        return 1;
    }
    asynrole_options_t options = { .io = io };

    static const struct {
        const char *name, *agent_at, *manager_at;
        bool connect;
    } setups[] = {
        { "ipv4", "127.0.0.1:0", "127.0.0.1:0", false },
        { "ipv6", "[::1]:0", "[::1]:0", true },
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof setups / sizeof setups[0]; i++) {
        family_t *family = &demo.family[demo.families];
        family->demo = &demo;
        family->name = setups[i].name;
        if (s_family_start (family, setups[i].agent_at, setups[i].manager_at, setups[i].connect,
                            &options, &error))
            demo.families++;
        else if (i > 0)  //  IPv6 is optional: hosts without it still run the demo
            printf ("%s: skipped, %s: %s\n", setups[i].name, asynrole_strerror (error.code),
                    error.detail);
        else {
            printf ("demo: FAILED, %s: %s: %s\n", setups[i].name, asynrole_strerror (error.code),
                    error.detail);
            rc = 1;
            break;
        }
    }
    printf ("\n");

    //  Send everything at once: replies arrive in the callbacks while we wait
    uint8_t big[1400];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t) i;
    const struct {
        const void *data;
        size_t size;
        const char *what;
    } sends[DEMO_SENDS] = {
        { s_get_request, sizeof s_get_request, "SNMPv2c GetRequest sysDescr.0" },
        { "", 0, "empty datagram" },
        { big, sizeof big, "bytes 00 01 02 ... counting" },
    };
    for (size_t i = 0; i < demo.families && rc == 0; i++) {
        family_t *family = &demo.family[i];
        const asynrole_addr_t *to = family->to.len ? &family->to : NULL;
        char to_text[ASYNROLE_ADDR_STRLEN];
        asynrole_addr_format (to ? to : asynrole_agent_local (family->agent, 0), to_text,
                              sizeof to_text);
        for (size_t j = 0; j < DEMO_SENDS; j++) {
            if (asynrole_manager_send (family->manager, sends[j].data, sends[j].size, to, &error)) {
                printf ("manager %s cannot send: %s\n", family->name, error.detail);
                rc = 1;
            }
            else
                printf ("manager %s -> %s: %4zu bytes, %s\n", family->name, to_text, sends[j].size,
                        sends[j].what);
        }
    }
    bool replies_ok = rc == 0 && s_wait (&demo, s_all_replies);

    //  Counters, kept per socket by the I/O actor
    if (rc == 0) {
        printf ("\n");
        for (size_t i = 0; i < demo.families; i++) {
            family_t *family = &demo.family[i];
            asynrole_stats_t stats;
            if (asynrole_manager_stats (family->manager, &stats, NULL) == 0)
                s_print_stats ("manager", family->name, &stats);
            if (asynrole_agent_stats (family->agent, &stats, 1, NULL) >= 1)
                s_print_stats ("agent", family->name, &stats);
        }
    }

    //  A send to a closed port: the kernel's ICMP port unreachable becomes an
    //  error event for the Manager, whose socket and loop carry on
    bool icmp_tried = false, icmp_ok = false;
    if (rc == 0) {
        asynrole_addr_t closed;
        char closed_text[ASYNROLE_ADDR_STRLEN];
        printf ("\n");
        if (s_closed_port (&closed, &demo.family[0], &options, &error))
            printf ("demo: cannot find a closed port: %s\n", error.detail);
        else if (asynrole_manager_send (demo.family[0].manager, "?", 1, &closed, &error))
            printf ("manager ipv4 cannot send: %s\n", error.detail);
        else {
            printf ("manager ipv4 -> %s: 1 byte, nobody listens there\n",
                    asynrole_addr_format (&closed, closed_text, sizeof closed_text));
            icmp_tried = true;
            icmp_ok = s_wait (&demo, s_icmp_seen);
        }
    }

    //  The roles hold references to io: any destroy order is fine
    for (size_t i = 0; i < demo.families; i++) {
        asynrole_manager_destroy (&demo.family[i].manager);
        asynrole_agent_destroy (&demo.family[i].agent);
    }
    asynrole_io_destroy (&io);

    //  The role threads are gone: the counters are ours alone now
    if (demo.families > 0) {
        printf ("\n");
        for (size_t i = 0; i < demo.families; i++) {
            family_t *family = &demo.family[i];
            if (family->requests != DEMO_SENDS || family->replies != DEMO_SENDS)
                printf ("demo: %s: the agent saw %d of %d requests, the manager %d of %d replies\n",
                        family->name, family->requests, DEMO_SENDS, family->replies, DEMO_SENDS);
        }
        if (icmp_tried && !icmp_ok)
            printf ("demo: no ICMP error event within %d s\n", DEMO_DEADLINE);
        if (demo.other_errors)
            printf ("demo: %d unexpected error events\n", demo.other_errors);
        if (rc == 0 && replies_ok && icmp_ok && demo.other_errors == 0)
            printf ("demo: OK, %d datagrams each way over %s\n", DEMO_SENDS,
                    demo.families == 2 ? "IPv4 and IPv6" : "IPv4 only");
        else {
            printf ("demo: FAILED, see above\n");
            rc = 1;
        }
    }
    pthread_cond_destroy (&demo.changed);
    pthread_mutex_destroy (&demo.lock);
    return rc;
}
