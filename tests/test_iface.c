/*  test_iface.c - addresses and devices that go away and come back, and
    sockets that fail for good

    In a network namespace of the test's own (root; a veth pair, as the
    kernel's news of addresses and links comes for it): an Agent's address
    deleted and added again, its device deleted and made again. Every
    time: one event (op ASYNROLE_OP_INTERFACE) saying what went, the
    Agent's other sockets and the I/O actor's other roles serving on, no
    busy loop while it is down, and a notice (code ASYNROLE_OK) once it is
    bound again, on its own, at the same address and port.

    On loopback: a socket whose descriptor is closed behind the library's
    back (EBADF), or replaced by a file that is no socket (ENOTSOCK), is
    closed, reported and bound again; the replaced descriptor is never
    touched; with rebind_interval -1 it stays down and every send to it
    fails with an event. Two descriptors closed, the number of one given to
    the other when it is bound again: both found out.

    And what could go wrong around it: a socket that goes with sends
    waiting for room (slow qdisc: the count, the credit), a role destroyed
    while its socket is down on a shared I/O actor, 200 sockets on one
    address, IPv6 (an address, link-local ones, a link down and up, a
    device made again with another index), a Manager's request retrying
    across the outage, a Manager that named no address losing its source
    (its peer in a namespace of its own), a descriptor closed while
    datagrams pour in.
*/
#define _GNU_SOURCE
#include "testutil.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

//  The rebind interval the tests ask for
#define REBIND_MS 100

//  How long the tests watch a socket that is down for a busy loop
#define WATCH_MS 600

//  The most CPU the process may spend meanwhile (a busy loop spends it all)
#define WATCH_CPU_MS 150

//  test_NAME runs s_NAME in a child in a network namespace of its own
#define S_IN_NAMESPACE(name)                       \
    static void test_##name (void **state)         \
    {                                              \
        (void) state;                              \
        tu_child (s_##name, NULL, true, NULL, 60); \
    }

//  -------------------------------------------------------------------------
//  Helpers (usable in a child: they report, they do not assert)

//  Ask ip:port to echo text from fd; true when it came back
static bool
s_echoed (int fd, const char *ip, uint16_t port, const char *text)
{
    char where[ASYNROLE_ADDR_STRLEN];
    snprintf (where, sizeof where, strchr (ip, ':') ? "[%s]:%u" : "%s:%u", ip, port);
    asynrole_addr_t to = tu_addr (where);
    size_t size = strlen (text);
    if (sendto (fd, text, size, 0, &to.u.sa, to.len) != (ssize_t) size)
        return false;
    char buf[256];
    ssize_t got = tu_recv (fd, buf, sizeof buf, TU_TIMEOUT_MS);
    return got == (ssize_t) size && memcmp (buf, text, size) == 0;
}

//  The collector's error event number index, waited for
static const asynrole_error_t *
s_error_event (tu_collector_t *events, size_t index)
{
    if (!tu_collector_wait_errors (events, index + 1, TU_TIMEOUT_MS))
        return NULL;
    return &tu_collector_error (events, index)->error;
}

//  The first error event at or after index from with op, waited for; its
//  index in *at
static const asynrole_error_t *
s_event_op (tu_collector_t *events, size_t from, asynrole_op_t op, size_t *at)
{
    for (size_t i = from; i < from + 1000; i++) {
        const asynrole_error_t *error = s_error_event (events, i);
        if (!error)
            return NULL;
        if (error->op == op) {
            if (at)
                *at = i;
            return error;
        }
    }
    return NULL;
}

//  Whether an event says the socket bound to local went with err (0: it
//  serves again)
static bool
s_interface_event (const asynrole_error_t *error, int err, const asynrole_addr_t *local)
{
    if (!error)
        return false;
    bool ok = error->op == ASYNROLE_OP_INTERFACE && error->sys_errno == err
        && error->code == (err ? ASYNROLE_ENETWORK : ASYNROLE_OK)
        && asynrole_addr_equal (&error->address, local);
    if (!ok)
        fprintf (stderr, "event: code %d op %d errno %d: %s\n", error->code, error->op,
                 error->sys_errno, error->detail);
    return ok;
}

//  CPU the process has used, in ms
static int64_t
s_cpu_ms (void)
{
    struct timespec now;
    clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &now);
    return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

//  Whether the process uses less than WATCH_CPU_MS of CPU over WATCH_MS of
//  waiting on nothing: the window in which a busy loop would show (a
//  measurement, not a synchronisation). Too much is said on stderr.
static bool
s_quiet (void)
{
    int64_t before = s_cpu_ms ();
    poll (NULL, 0, WATCH_MS);
    int64_t cpu = s_cpu_ms () - before;
    if (cpu >= WATCH_CPU_MS)
        fprintf (stderr, "%lld ms of CPU in %d ms\n", (long long) cpu, WATCH_MS);
    return cpu < WATCH_CPU_MS;
}

static asynrole_stats_t
s_stats (asynrole_agent_t *agent, size_t index)
{
    asynrole_stats_t stats[4];
    memset (stats, 0, sizeof stats);
    asynrole_error_t error;
    if (asynrole_agent_stats (agent, stats, 4, &error) < 0)
        fprintf (stderr, "stats: %s\n", error.detail);
    return stats[index];
}

static asynrole_agent_t *
s_agent (tu_collector_t *events, const char *const *ifaces, size_t count,
         const asynrole_options_t *options)
{
    asynrole_error_t error;
    asynrole_agent_t *agent =
        asynrole_agent_new (tu_agent_echo_cb, events, ifaces, count, options, &error);
    if (!agent)
        fprintf (stderr, "asynrole_agent_new: %s\n", error.detail);
    return agent;
}

//  An echo Agent on count ifaces that rebinds every rebind ms, its events
//  collected in a new *events; NULL (said on stderr) on failure
static asynrole_agent_t *
s_rebinding_agent (tu_collector_t **events, const char *const *ifaces, size_t count, int rebind)
{
    *events = tu_collector_new ();
    asynrole_options_t options = { .rebind_interval = rebind };
    return s_agent (*events, ifaces, count, &options);
}

//  -------------------------------------------------------------------------
//  An address deleted and added again

//  A veth pair, up: va 10.9.0.1, vb 10.9.0.2
static int
s_veth (void)
{
    return system (
               "ip link add va type veth peer name vb && ip link set va up && ip link set vb up "
               "&& ip addr add 10.9.0.1/24 dev va && ip addr add 10.9.0.2/24 dev vb")
        ? TU_SKIP
        : 0;
}

//  Delete va's address 10.9.0.1 (add false) or add it again: whether that
//  was done and events' error event index says so of the socket at local
static bool
s_va_address (bool add, tu_collector_t *events, size_t index, const asynrole_addr_t *local)
{
    const char *command = add ? "ip addr add 10.9.0.1/24 dev va" : "ip addr del 10.9.0.1/24 dev va";
    if (system (command)) {
        fprintf (stderr, "%s failed\n", command);
        return false;
    }
    return s_interface_event (s_error_event (events, index), add ? 0 : EADDRNOTAVAIL, local);
}

static int
s_address_away_and_back (void *arg)
{
    (void) arg;
    if (s_veth ())
        return TU_SKIP;
    tu_collector_t *events;
    const char *ifaces[] = { "10.9.0.1:0", "127.0.0.1:0" };
    asynrole_agent_t *agent = s_rebinding_agent (&events, ifaces, 2, REBIND_MS);
    TU_CHECK (agent, "an Agent");
    asynrole_addr_t local = *asynrole_agent_local (agent, 0);
    uint16_t port = asynrole_addr_port (&local);
    uint16_t lo_port = asynrole_addr_port (asynrole_agent_local (agent, 1));
    asynrole_addr_t bound;
    int client = tu_udp_socket ("10.9.0.2", &bound);
    int lo_client = tu_udp_socket ("127.0.0.1", &bound);
    TU_CHECK (client >= 0 && lo_client >= 0, "clients");
    TU_CHECK (s_echoed (client, "10.9.0.1", port, "before"), "served before");

    //  The address goes: one event, the other socket serves on
    TU_CHECK (s_va_address (false, events, 0, &local), "down");
    TU_CHECK (s_echoed (lo_client, "127.0.0.1", lo_port, "meanwhile"), "the other serves");
    asynrole_stats_t stats = s_stats (agent, 0);
    TU_CHECK (stats.went_down == 1 && stats.down == 1 && stats.rebound == 0, "down %llu",
              (unsigned long long) stats.down);
    //  A send through it fails, reported; no busy loop while it waits
    asynrole_addr_t to = tu_addr ("10.9.0.2:9");
    to.via = 1;
    asynrole_error_t error;
    TU_CHECK (asynrole_agent_send (agent, "x", 1, &to, &error) == 0, "send: %s", error.detail);
    const asynrole_error_t *failed = s_error_event (events, 1);
    TU_CHECK (failed && failed->op == ASYNROLE_OP_SEND && failed->sys_errno == EADDRNOTAVAIL,
              "the send failed");
    TU_CHECK (s_quiet (), "a busy loop while down");
    TU_CHECK (s_stats (agent, 0).tx_failed == 1, "tx_failed");

    //  It comes back: a notice, and the same address and port serve again
    TU_CHECK (s_va_address (true, events, 2, &local), "up again");
    TU_CHECK (s_echoed (client, "10.9.0.1", port, "after"), "served after");
    stats = s_stats (agent, 0);
    TU_CHECK (stats.went_down == 1 && stats.down == 0 && stats.rebound == 1, "rebound");
    TU_CHECK (asynrole_addr_equal (&stats.local, &local), "the same address");
    TU_CHECK (tu_collector_errors (events) == 3, "%zu events", tu_collector_errors (events));
    close (client);
    close (lo_client);
    asynrole_agent_destroy (&agent);
    tu_collector_destroy (&events);
    return 0;
}

S_IN_NAMESPACE (address_away_and_back)

//  The same in pipe mode: the events arrive on the data socket
static int
s_address_pipe_mode (void *arg)
{
    (void) arg;
    if (s_veth ())
        return TU_SKIP;
    asynrole_options_t options = { .rebind_interval = REBIND_MS, .pipe_mode = true };
    const char *ifaces[] = { "10.9.0.1:0" };
    asynrole_error_t error;
    asynrole_agent_t *agent = asynrole_agent_new (NULL, NULL, ifaces, 1, &options, &error);
    TU_CHECK (agent, "an Agent: %s", error.detail);
    asynrole_addr_t local = *asynrole_agent_local (agent, 0);
    void *sock = asynrole_agent_socket (agent);
    TU_CHECK (system ("ip addr del 10.9.0.1/24 dev va") == 0, "ip addr del");
    asynrole_event_t *event = tu_event_wait (sock, TU_TIMEOUT_MS);
    TU_CHECK (event && s_interface_event (asynrole_event_error (event), EADDRNOTAVAIL, &local),
              "down");
    asynrole_event_destroy (&event);
    TU_CHECK (system ("ip addr add 10.9.0.1/24 dev va") == 0, "ip addr add");
    event = tu_event_wait (sock, TU_TIMEOUT_MS);
    TU_CHECK (event && s_interface_event (asynrole_event_error (event), 0, &local), "up again");
    asynrole_event_destroy (&event);
    asynrole_agent_destroy (&agent);
    return 0;
}

S_IN_NAMESPACE (address_pipe_mode)

//  An address deleted from one interface that another still has: nothing
//  went, so nothing is closed (no event, no sends failed, no gap)
static int
s_address_elsewhere (void *arg)
{
    (void) arg;
    if (s_veth () || system ("ip addr add 10.9.0.1/32 dev lo && ip addr add 10.9.1.4/24 dev va"))
        return TU_SKIP;
    tu_collector_t *events;
    const char *ifaces[] = { "10.9.0.1:0", "10.9.1.4:0" };
    asynrole_agent_t *agent = s_rebinding_agent (&events, ifaces, 2, REBIND_MS);
    TU_CHECK (agent, "an Agent");
    asynrole_addr_t gone = *asynrole_agent_local (agent, 1);
    TU_CHECK (system ("ip addr del 10.9.0.1/24 dev va") == 0, "ip addr del");
    //  The news of a deletion that is real comes after it, in order
    TU_CHECK (system ("ip addr del 10.9.1.4/24 dev va") == 0, "ip addr del");
    TU_CHECK (s_interface_event (s_error_event (events, 0), EADDRNOTAVAIL, &gone), "down");
    asynrole_stats_t stats = s_stats (agent, 0);
    TU_CHECK (stats.went_down == 0 && stats.down == 0, "went down %llu",
              (unsigned long long) stats.went_down);
    asynrole_addr_t bound;
    int client = tu_udp_socket ("127.0.0.1", &bound);
    TU_CHECK (s_echoed (client, "10.9.0.1", asynrole_addr_port (asynrole_agent_local (agent, 0)),
                        "still"),
              "serves on");
    TU_CHECK (tu_collector_errors (events) == 1, "%zu events", tu_collector_errors (events));
    close (client);
    asynrole_agent_destroy (&agent);
    tu_collector_destroy (&events);
    return 0;
}

S_IN_NAMESPACE (address_elsewhere)

//  A socket that asked for any port, whose port another socket took while
//  it was down: bound again at another port (its notice says which) rather
//  than down for as long as the other holds it
static int
s_port_taken (void *arg)
{
    (void) arg;
    if (s_veth ())
        return TU_SKIP;
    tu_collector_t *events;
    const char *ifaces[] = { "10.9.0.1:0" };
    asynrole_agent_t *agent = s_rebinding_agent (&events, ifaces, 1, REBIND_MS);
    TU_CHECK (agent, "an Agent");
    asynrole_addr_t local = *asynrole_agent_local (agent, 0);
    TU_CHECK (s_va_address (false, events, 0, &local), "down");
    //  Its port, taken meanwhile on every address
    char any[32];
    snprintf (any, sizeof any, "0.0.0.0:%u", asynrole_addr_port (&local));
    asynrole_addr_t taken_at = tu_addr (any);
    int taker = socket (AF_INET, SOCK_DGRAM, 0);
    TU_CHECK (bind (taker, &taken_at.u.sa, taken_at.len) == 0, "the port taken");
    TU_CHECK (system ("ip addr add 10.9.0.1/24 dev va") == 0, "ip addr add");
    const asynrole_error_t *up = s_error_event (events, 1);
    TU_CHECK (up && up->op == ASYNROLE_OP_INTERFACE && up->code == ASYNROLE_OK, "up again");
    uint16_t port = asynrole_addr_port (&up->address);
    TU_CHECK (port != 0 && port != asynrole_addr_port (&local), "at another port: %u", port);
    asynrole_addr_t bound;
    int client = tu_udp_socket ("10.9.0.2", &bound);
    TU_CHECK (s_echoed (client, "10.9.0.1", port, "moved"), "serves at the new port");
    close (client);
    asynrole_agent_destroy (&agent);
    close (taker);
    tu_collector_destroy (&events);
    return 0;
}

S_IN_NAMESPACE (port_taken)

//  -------------------------------------------------------------------------
//  A device deleted and made again

static int
s_device_gone (void *arg)
{
    (void) arg;
    if (s_veth ())
        return TU_SKIP;
    asynrole_error_t error;
    asynrole_io_t *io = asynrole_io_new (&error);
    TU_CHECK (io, "an I/O actor: %s", error.detail);
    //  One role bound to the device, another on loopback: same I/O actor
    tu_collector_t *events = tu_collector_new ();
    tu_collector_t *others = tu_collector_new ();
    asynrole_options_t options = { .io = io, .device = "va", .rebind_interval = REBIND_MS };
    const char *ifaces[] = { "0.0.0.0:0" };
    asynrole_agent_t *agent = s_agent (events, ifaces, 1, &options);
    asynrole_options_t plain = { .io = io };
    const char *lo[] = { "127.0.0.1:0" };
    asynrole_agent_t *other = s_agent (others, lo, 1, &plain);
    TU_CHECK (agent && other, "the Agents");
    asynrole_addr_t local = *asynrole_agent_local (agent, 0);
    uint16_t lo_port = asynrole_addr_port (asynrole_agent_local (other, 0));
    asynrole_addr_t bound;
    int lo_client = tu_udp_socket ("127.0.0.1", &bound);

    TU_CHECK (system ("ip link del va") == 0, "ip link del");
    TU_CHECK (s_interface_event (s_error_event (events, 0), ENODEV, &local), "down");
    TU_CHECK (s_echoed (lo_client, "127.0.0.1", lo_port, "meanwhile"), "the other serves");
    TU_CHECK (s_quiet (), "a busy loop while down");
    TU_CHECK (s_stats (agent, 0).down == 1, "down");

    TU_CHECK (s_veth () == 0, "the veth pair again");
    TU_CHECK (s_interface_event (s_error_event (events, 1), 0, &local), "up again");
    asynrole_stats_t stats = s_stats (agent, 0);
    TU_CHECK (stats.down == 0 && stats.rebound == 1 && stats.went_down == 1, "rebound");
    TU_CHECK (tu_collector_errors (others) == 0, "the other role saw nothing");
    //  The I/O actor read the kernel's news, and lost none
    asynrole_io_totals_t totals;
    TU_CHECK (asynrole_io_totals (io, &totals, &error) == 0, "totals: %s", error.detail);
    TU_CHECK (totals.news_watched && totals.news > 0 && totals.news_lost == 0
                  && totals.news_malformed == 0,
              "news %llu lost %llu malformed %llu", (unsigned long long) totals.news,
              (unsigned long long) totals.news_lost, (unsigned long long) totals.news_malformed);
    close (lo_client);
    asynrole_agent_destroy (&agent);
    asynrole_agent_destroy (&other);
    asynrole_io_destroy (&io);
    tu_collector_destroy (&events);
    tu_collector_destroy (&others);
    return 0;
}

S_IN_NAMESPACE (device_gone)

//  A wildcard IPv6 Agent answers a request that came in by a link-local
//  address on an interface deleted since: the reply names that interface
//  (IPV6_PKTINFO) and the kernel refuses it with ENODEV. That concerns the
//  reply, not the socket, which serves every other interface: the reply
//  fails with its event, and the socket is not closed.
static int
s_reply_device_gone (void *arg)
{
    (void) arg;
    if (s_veth ()
        || system ("ip -6 addr add fe80::1/64 dev va nodad && ip -6 addr add fe80::2/64 dev vb "
                   "nodad"))
        return TU_SKIP;
    tu_collector_t *events = tu_collector_new ();
    asynrole_options_t options = { .rebind_interval = REBIND_MS };
    const char *ifaces[] = { "[::]:0" };
    asynrole_error_t error;
    asynrole_agent_t *agent =
        asynrole_agent_new (tu_agent_collect_cb, events, ifaces, 1, &options, &error);
    TU_CHECK (agent, "an Agent: %s", error.detail);
    uint16_t port = asynrole_addr_port (asynrole_agent_local (agent, 0));
    //  A request to fe80::1 by vb: it comes in on va
    int client = socket (AF_INET6, SOCK_DGRAM, 0);
    char where[64];
    snprintf (where, sizeof where, "[fe80::1%%vb]:%u", port);
    asynrole_addr_t to = tu_addr (where);
    TU_CHECK (sendto (client, "req", 3, 0, &to.u.sa, to.len) == 3, "the request");
    TU_CHECK (tu_collector_wait_datagrams (events, 1, TU_TIMEOUT_MS), "the request came");
    const tu_event_t *request = tu_collector_datagram (events, 0);
    TU_CHECK (request->ifindex != 0, "its interface");
    asynrole_datagram_t reply_to = { .peer = request->peer,
                                     .local = request->local,
                                     .ifindex = request->ifindex };
    TU_CHECK (system ("ip link del va") == 0, "ip link del");
    TU_CHECK (asynrole_agent_reply (agent, &reply_to, "rep", 3, &error) == 0, "reply: %s",
              error.detail);
    const asynrole_error_t *failed = s_error_event (events, 0);
    TU_CHECK (failed && failed->op == ASYNROLE_OP_SEND && failed->sys_errno == ENODEV,
              "the reply failed: %s", failed ? failed->detail : "no event");
    //  The socket serves on: no event of it going, and it answers on ::1
    asynrole_stats_t stats = s_stats (agent, 0);
    TU_CHECK (stats.went_down == 0 && stats.down == 0 && stats.tx_failed == 1,
              "went down %llu, failed %llu", (unsigned long long) stats.went_down,
              (unsigned long long) stats.tx_failed);
    int lo_client = tu_udp_socket ("::1", NULL);
    TU_CHECK (lo_client >= 0, "a client on ::1");
    snprintf (where, sizeof where, "[::1]:%u", port);
    to = tu_addr (where);
    TU_CHECK (sendto (lo_client, "more", 4, 0, &to.u.sa, to.len) == 4, "another request");
    TU_CHECK (tu_collector_wait_datagrams (events, 2, TU_TIMEOUT_MS), "it came");
    TU_CHECK (tu_collector_errors (events) == 1, "%zu events", tu_collector_errors (events));
    close (client);
    close (lo_client);
    asynrole_agent_destroy (&agent);
    tu_collector_destroy (&events);
    return 0;
}

S_IN_NAMESPACE (reply_device_gone)

//  -------------------------------------------------------------------------
//  Descriptors that fail for good (loopback)

//  The descriptor of this process bound to local (the I/O actor's socket)
static int
s_descriptor_of (const asynrole_addr_t *local)
{
    DIR *dir = opendir ("/proc/self/fd");
    assert_non_null (dir);
    int found = -1;
    struct dirent *entry;
    while (found < 0 && (entry = readdir (dir))) {
        int fd = atoi (entry->d_name);
        asynrole_addr_t addr = { .len = sizeof addr.u };
        if (fd > 2 && fd != dirfd (dir) && getsockname (fd, &addr.u.sa, &addr.len) == 0
            && asynrole_addr_equal (&addr, local))
            found = fd;
    }
    closedir (dir);
    assert_true (found >= 0);
    return found;
}

//  Hold every free descriptor number below fd, itself free (open
//  /dev/null on each), so that the next descriptor opened gets fd; how
//  many are held, in held
#define HELD_MAX 256

static size_t
s_hold_below (int fd, int held[HELD_MAX])
{
    size_t nheld = 0;
    for (int got = -1; got != fd && nheld < HELD_MAX;) {
        got = open ("/dev/null", O_RDONLY | O_CLOEXEC);
        assert_true (got >= 0 && got <= fd);
        held[nheld++] = got;
    }
    assert_int_equal (close (held[--nheld]), 0);
    return nheld;
}

//  Send one datagram through an Agent's socket index to a port that
//  listens nowhere
static void
s_send_through (asynrole_agent_t *agent, size_t index)
{
    asynrole_addr_t to = tu_addr ("127.0.0.1:9");
    to.via = (uint32_t) index + 1;
    asynrole_error_t error;
    if (asynrole_agent_send (agent, "x", 1, &to, &error))
        fail_msg ("send: %s", error.detail);
}

//  Close or replace the descriptor of socket 0 behind the library's back;
//  the next send finds out. It is closed, reported, bound again.
static void
s_fails_for_good (bool replace)
{
    tu_collector_t *events = tu_collector_new ();
    asynrole_options_t options = { .rebind_interval = REBIND_MS };
    const char *ifaces[] = { "127.0.0.1:0", "127.0.0.1:0" };
    asynrole_agent_t *agent = tu_agent_new_n (tu_agent_echo_cb, events, ifaces, 2, &options);
    asynrole_addr_t local = *asynrole_agent_local (agent, 0);
    uint16_t port = asynrole_addr_port (&local);
    uint16_t other_port = asynrole_addr_port (asynrole_agent_local (agent, 1));
    int fd = s_descriptor_of (&local);
    int null = -1;
    if (replace) {
        null = open ("/dev/null", O_RDONLY | O_CLOEXEC);
        assert_int_equal (dup2 (null, fd), fd);
    }
    else
        assert_int_equal (close (fd), 0);
    int err = replace ? ENOTSOCK : EBADF;

    s_send_through (agent, 0);
    const asynrole_error_t *failed = s_error_event (events, 0);
    assert_non_null (failed);
    assert_int_equal (failed->op, ASYNROLE_OP_SEND);
    assert_int_equal (failed->sys_errno, err);
    assert_true (s_interface_event (s_error_event (events, 1), err, &local));
    assert_true (s_interface_event (s_error_event (events, 2), 0, &local));
    asynrole_addr_t bound;
    int client = tu_client ("127.0.0.1", &bound);
    assert_true (s_echoed (client, "127.0.0.1", port, "again"));
    assert_true (s_echoed (client, "127.0.0.1", other_port, "other"));
    asynrole_stats_t stats = s_stats (agent, 0);
    assert_int_equal (stats.went_down, 1);
    assert_int_equal (stats.rebound, 1);
    assert_int_equal (stats.tx_failed, 1);
    if (replace) {
        //  The descriptor was not the library's any more: left alone
        assert_true (fcntl (fd, F_GETFD) >= 0);
        close (fd);
        close (null);
    }
    close (client);
    tu_agent_destroy (&agent);
}

static void
test_descriptor_closed (void **state)
{
    (void) state;
    s_fails_for_good (false);
}

static void
test_descriptor_replaced (void **state)
{
    (void) state;
    s_fails_for_good (true);
}

//  Two descriptors closed behind the library's back: the one found out
//  first is bound again and may get the other's number, the lowest free.
//  The other, which never sent, must not take that socket for its own: it
//  is reported, bound again, and both serve. Which descriptor gets the
//  number depends on what other threads open meanwhile: false (all undone)
//  when it was not the one bound again.
static bool
s_number_to_rebound (void)
{
    tu_collector_t *events = tu_collector_new ();
    asynrole_options_t options = { .rebind_interval = REBIND_MS };
    const char *ifaces[] = { "127.0.0.1:0", "127.0.0.1:0" };
    asynrole_agent_t *agent = tu_agent_new_n (tu_agent_echo_cb, events, ifaces, 2, &options);
    asynrole_addr_t local[2] = { *asynrole_agent_local (agent, 0),
                                 *asynrole_agent_local (agent, 1) };
    int fd[2] = { s_descriptor_of (&local[0]), s_descriptor_of (&local[1]) };
    //  first: the socket with the lower number (its number is what the
    //  other gets); second: the one found out first
    size_t first = fd[0] < fd[1] ? 0 : 1, second = 1 - first;
    assert_int_equal (close (fd[0]), 0);
    assert_int_equal (close (fd[1]), 0);
    //  The first's number, the lowest free one: every lower free one held
    int held[HELD_MAX];
    size_t nheld = s_hold_below (fd[first], held);
    s_send_through (agent, second);
    assert_true (s_interface_event (s_error_event (events, 1), EBADF, &local[second]));
    assert_true (s_interface_event (s_error_event (events, 2), 0, &local[second]));
    for (size_t i = 0; i < nheld; i++)
        close (held[i]);
    bool taken = s_descriptor_of (&local[second]) == fd[first];
    if (taken) {
        //  The first lost its descriptor too: said so, and bound again
        assert_true (s_interface_event (s_error_event (events, 3), EBADF, &local[first]));
        assert_true (s_interface_event (s_error_event (events, 4), 0, &local[first]));
        asynrole_addr_t bound;
        int client = tu_client ("127.0.0.1", &bound);
        assert_true (s_echoed (client, "127.0.0.1", asynrole_addr_port (&local[0]), "zero"));
        assert_true (s_echoed (client, "127.0.0.1", asynrole_addr_port (&local[1]), "one"));
        close (client);
    }
    else {
        //  Something else got it: the first finds out by a send, so that it
        //  never closes that descriptor
        s_send_through (agent, first);
        size_t at;
        assert_non_null (s_event_op (events, 3, ASYNROLE_OP_INTERFACE, &at));
    }
    tu_agent_destroy (&agent);
    tu_collector_destroy (&events);
    return taken;
}

static void
test_descriptor_number_reused (void **state)
{
    (void) state;
    bool taken = false;
    for (int attempt = 0; attempt < 10 && !taken; attempt++)
        taken = s_number_to_rebound ();
    assert_true (taken);
}

//  The same when the number goes to a socket a new role opens on the same
//  I/O actor: the socket that lost it is reported and bound again, and
//  destroying its role leaves the new role's socket open. Which descriptor
//  gets the number depends on what other threads open meanwhile: false
//  (all undone) when it was not one of the new role's sockets.
#define OPENED 64
#define SPARE 40

static bool
s_number_to_new_role (asynrole_io_t *io)
{
    asynrole_options_t options = { .io = io, .rebind_interval = REBIND_MS };
    //  SPARE numbers below the lost one, for the new role's first descriptors
    int spare[SPARE];
    for (size_t i = 0; i < SPARE; i++)
        assert_true ((spare[i] = open ("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
    tu_collector_t *events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_echo_cb, events, "127.0.0.1:0", &options);
    asynrole_addr_t local = *asynrole_agent_local (agent, 0);
    int fd = s_descriptor_of (&local);
    assert_int_equal (close (fd), 0);
    int held[HELD_MAX];
    size_t nheld = s_hold_below (fd, held);
    for (size_t i = 0; i < SPARE; i++)
        close (spare[i]);
    const char *ifaces[OPENED];
    for (size_t i = 0; i < OPENED; i++)
        ifaces[i] = "127.0.0.1:0";
    tu_collector_t *news = tu_collector_new ();
    asynrole_agent_t *fresh = tu_agent_new_n (tu_agent_echo_cb, news, ifaces, OPENED, &options);
    for (size_t i = 0; i < nheld; i++)
        close (held[i]);
    bool taken = false;
    for (size_t i = 0; i < OPENED && !taken; i++)
        taken = s_descriptor_of (asynrole_agent_local (fresh, i)) == fd;
    if (taken) {
        assert_true (s_interface_event (s_error_event (events, 0), EBADF, &local));
        assert_true (s_interface_event (s_error_event (events, 1), 0, &local));
        asynrole_addr_t bound;
        int client = tu_client ("127.0.0.1", &bound);
        assert_true (s_echoed (client, "127.0.0.1", asynrole_addr_port (&local), "lost"));
        tu_agent_destroy (&agent);
        for (size_t i = 0; i < OPENED; i++)
            assert_true (s_echoed (client, "127.0.0.1",
                                   asynrole_addr_port (asynrole_agent_local (fresh, i)), "new"));
        assert_int_equal (tu_collector_errors (news), 0);
        close (client);
    }
    else {
        //  Something else got it (a pipe's eventfd): the lost socket finds
        //  out by a send (ENOTSOCK), so that it never closes that descriptor
        s_send_through (agent, 0);
        size_t at;
        assert_non_null (s_event_op (events, 0, ASYNROLE_OP_INTERFACE, &at));
        tu_agent_destroy (&agent);
    }
    tu_agent_destroy (&fresh);
    tu_collector_destroy (&events);
    tu_collector_destroy (&news);
    return taken;
}

static void
test_descriptor_number_reused_open (void **state)
{
    (void) state;
    asynrole_io_t *io = tu_io_new ();
    bool taken = false;
    for (int attempt = 0; attempt < 10 && !taken; attempt++)
        taken = s_number_to_new_role (io);
    assert_true (taken);
    tu_io_destroy (&io);
}

//  ThreadSanitizer reports a descriptor closed while another thread reads
//  it, as it should: the race the flooded case makes on purpose
#if defined(__SANITIZE_THREAD__)
#define S_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define S_TSAN 1
#endif
#endif

//  A client that floods a port until told to stop, or until it sent limit
typedef struct {
    uint16_t port;
    atomic_bool stop;
    size_t sent;
    size_t limit;
} s_flood_t;

static void *
s_flood (void *arg)
{
    s_flood_t *flood = arg;
    int fd = tu_udp_socket ("127.0.0.1", NULL);
    asynrole_addr_t to = tu_addr ("127.0.0.1:1");
    to.u.in.sin_port = htons (flood->port);
    for (size_t i = 0; i < flood->limit && !atomic_load (&flood->stop); i++)
        if (sendto (fd, "flood", 5, 0, &to.u.sa, to.len) == 5)
            flood->sent++;
    close (fd);
    return NULL;
}

//  The descriptor closed while datagrams pour in (the I/O thread may be
//  reading it at that moment): no crash, found out, bound again, serving.
//  Under ThreadSanitizer the flood ends, and is all read, before the close.
static void
test_descriptor_closed_flooded (void **state)
{
    (void) state;
    tu_collector_t *events = tu_collector_new ();
    events->keep_data = false;
    asynrole_options_t options = { .rebind_interval = REBIND_MS };
    const char *ifaces[] = { "127.0.0.1:0" };
    asynrole_agent_t *agent = tu_agent_new_n (tu_agent_collect_cb, events, ifaces, 1, &options);
    asynrole_addr_t local = *asynrole_agent_local (agent, 0);
    int fd = s_descriptor_of (&local);
    s_flood_t flood = { .port = asynrole_addr_port (&local), .limit = 200000 };
#ifdef S_TSAN
    flood.limit = 100;
#endif
    pthread_t thread;
    assert_int_equal (pthread_create (&thread, NULL, s_flood, &flood), 0);
    assert_true (tu_collector_wait_datagrams (events, 100, TU_TIMEOUT_MS));
#ifdef S_TSAN
    //  All read (the reads done), and the I/O thread answered since
    pthread_join (thread, NULL);
    (void) s_stats (agent, 0);
#endif
    assert_int_equal (close (fd), 0);
#ifndef S_TSAN
    atomic_store (&flood.stop, true);
    pthread_join (thread, NULL);
#endif
    s_send_through (agent, 0);
    size_t at = 0;
    const asynrole_error_t *down = s_event_op (events, 0, ASYNROLE_OP_INTERFACE, &at);
    assert_non_null (down);
    assert_int_equal (down->sys_errno, EBADF);
    const asynrole_error_t *up = s_event_op (events, at + 1, ASYNROLE_OP_INTERFACE, &at);
    assert_non_null (up);
    assert_int_equal (up->code, ASYNROLE_OK);
    asynrole_stats_t stats = s_stats (agent, 0);
    assert_int_equal (stats.went_down, 1);
    assert_int_equal (stats.rebound, 1);
    tu_agent_destroy (&agent);
}

//  A role destroyed right after a send that finds its descriptor gone: the
//  socket may be marked and freed before it is settled (its id then finds
//  nothing). Many times over, on one shared I/O actor that serves on.
static void
test_destroyed_while_marked (void **state)
{
    (void) state;
    asynrole_io_t *io = tu_io_new ();
    asynrole_options_t options = { .io = io, .rebind_interval = REBIND_MS };
    tu_collector_t *gone = tu_collector_new ();
    for (int round = 0; round < 20; round++) {
        asynrole_agent_t *agent = tu_agent_new (tu_agent_collect_cb, gone, "127.0.0.1:0", &options);
        assert_int_equal (close (s_descriptor_of (asynrole_agent_local (agent, 0))), 0);
        for (int i = 0; i < 8; i++)
            s_send_through (agent, 0);
        tu_agent_destroy (&agent);
    }
    tu_collector_t *events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_echo_cb, events, "127.0.0.1:0", &options);
    asynrole_addr_t bound;
    int client = tu_client ("127.0.0.1", &bound);
    assert_true (
        s_echoed (client, "127.0.0.1", asynrole_addr_port (asynrole_agent_local (agent, 0)), "on"));
    assert_int_equal (tu_collector_errors (events), 0);
    close (client);
    tu_agent_destroy (&agent);
    tu_io_destroy (&io);
}

//  rebind_interval -1: it stays down, every send to it fails with an event
static void
test_rebind_never (void **state)
{
    (void) state;
    tu_collector_t *events = tu_collector_new ();
    asynrole_options_t options = { .rebind_interval = -1 };
    const char *ifaces[] = { "127.0.0.1:0", "127.0.0.1:0" };
    asynrole_agent_t *agent = tu_agent_new_n (tu_agent_echo_cb, events, ifaces, 2, &options);
    asynrole_addr_t local = *asynrole_agent_local (agent, 0);
    uint16_t other_port = asynrole_addr_port (asynrole_agent_local (agent, 1));
    assert_int_equal (close (s_descriptor_of (&local)), 0);
    s_send_through (agent, 0);
    assert_non_null (s_error_event (events, 0));
    assert_true (s_interface_event (s_error_event (events, 1), EBADF, &local));
    //  Down for good: no busy loop, sends fail, the other socket serves
    assert_true (s_quiet ());
    s_send_through (agent, 0);
    const asynrole_error_t *failed = s_error_event (events, 2);
    assert_non_null (failed);
    assert_int_equal (failed->op, ASYNROLE_OP_SEND);
    assert_int_equal (failed->sys_errno, EBADF);
    asynrole_addr_t bound;
    int client = tu_client ("127.0.0.1", &bound);
    assert_true (s_echoed (client, "127.0.0.1", other_port, "other"));
    asynrole_stats_t stats = s_stats (agent, 0);
    assert_int_equal (stats.down, 1);
    assert_int_equal (stats.rebound, 0);
    assert_int_equal (stats.tx_failed, 2);
    assert_int_equal (tu_collector_errors (events), 3);
    close (client);
    tu_agent_destroy (&agent);
}

static void
s_no_answer (void *ctx, const asynrole_datagram_t *request, asynrole_response_t *response)
{
    (void) ctx;
    (void) request;
    (void) response;
}

//  asynrole_agent_receive_and_send: the failures are -1 with their error,
//  the notice is 0 with the notice in error
static void
test_receive_and_send_notice (void **state)
{
    (void) state;
    asynrole_options_t options = { .rebind_interval = REBIND_MS, .pipe_mode = true };
    const char *ifaces[] = { "127.0.0.1:0" };
    asynrole_error_t error;
    asynrole_agent_t *agent = asynrole_agent_new (NULL, NULL, ifaces, 1, &options, &error);
    assert_non_null (agent);
    asynrole_addr_t local = *asynrole_agent_local (agent, 0);
    assert_int_equal (close (s_descriptor_of (&local)), 0);
    s_send_through (agent, 0);
    assert_int_equal (
        asynrole_agent_receive_and_send (agent, TU_TIMEOUT_MS, s_no_answer, NULL, &error), -1);
    assert_int_equal (error.op, ASYNROLE_OP_SEND);
    assert_int_equal (
        asynrole_agent_receive_and_send (agent, TU_TIMEOUT_MS, s_no_answer, NULL, &error), -1);
    assert_true (s_interface_event (&error, EBADF, &local));
    assert_int_equal (
        asynrole_agent_receive_and_send (agent, TU_TIMEOUT_MS, s_no_answer, NULL, &error), 0);
    assert_true (s_interface_event (&error, 0, &local));
    asynrole_agent_destroy (&agent);
}

static void
test_rebind_interval_checked (void **state)
{
    (void) state;
    asynrole_options_t options = { .rebind_interval = -2 };
    const char *ifaces[] = { "127.0.0.1:0" };
    asynrole_error_t error;
    assert_null (asynrole_agent_new (tu_agent_echo_cb, NULL, ifaces, 1, &options, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_non_null (strstr (error.detail, "rebind_interval"));
}

//  -------------------------------------------------------------------------
//  Review cases: a backlog, roles destroyed while down, many sockets, IPv6,
//  a Manager's requests

//  A socket fails with sends waiting for room (a slow qdisc): one event
//  with their count, every one counted as failed, the send queue's credit
//  all given back (sends after it are taken at once)
static int
s_backlog_gone (void *arg)
{
    (void) arg;
    TU_CHECK (system ("ip addr add 10.9.0.1/32 dev lo") == 0, "ip addr add");
    asynrole_addr_t sink;
    int fd = tu_udp_socket ("127.0.0.1", &sink);
    TU_CHECK (fd >= 0, "a receiver");
    char sink_text[ASYNROLE_ADDR_STRLEN];
    asynrole_addr_format (&sink, sink_text, sizeof sink_text);
    tu_collector_t *events = tu_collector_new ();
    asynrole_options_t options = {
        .sndbuf = 4096, .send_queue = 8192, .send_timeout = 200, .rebind_interval = REBIND_MS
    };
    asynrole_error_t error;
    asynrole_manager_t *manager = asynrole_manager_new (tu_manager_collect_cb, events, sink_text,
                                                        "10.9.0.1:0", &options, &error);
    TU_CHECK (manager, "asynrole_manager_new: %s", error.detail);
    int accepted = tu_fill_send_queue (manager, 1000);
    TU_CHECK (accepted > 0, "the send queue never filled");
    asynrole_stats_t before;
    TU_CHECK (asynrole_manager_stats (manager, &before, &error) == 0, "stats");
    TU_CHECK (before.tx_backlog > 1, "%llu wait", (unsigned long long) before.tx_backlog);
    TU_CHECK (system ("ip addr del 10.9.0.1/32 dev lo") == 0, "ip addr del");
    size_t at = 0;
    const asynrole_error_t *down = s_event_op (events, 0, ASYNROLE_OP_INTERFACE, &at);
    TU_CHECK (down && down->sys_errno == EADDRNOTAVAIL, "down");
    TU_CHECK (down->count == before.tx_backlog, "the event counts %llu, %llu waited",
              (unsigned long long) down->count, (unsigned long long) before.tx_backlog);
    TU_CHECK (at == 0, "%zu events before it", at);
    asynrole_stats_t stats;
    TU_CHECK (asynrole_manager_stats (manager, &stats, &error) == 0, "stats");
    TU_CHECK (stats.tx_failed == before.tx_backlog && stats.tx_backlog == 0 && stats.down == 1,
              "failed %llu, backlog %llu, down %llu", (unsigned long long) stats.tx_failed,
              (unsigned long long) stats.tx_backlog, (unsigned long long) stats.down);
    //  The credit came back: as many sends as waited are taken at once
    //  (they fail, each with its event, the socket being down)
    uint64_t waited = before.tx_backlog;
    uint8_t payload[1000] = { 0 };
    for (uint64_t i = 0; i < waited; i++)
        TU_CHECK (asynrole_manager_try_send (manager, payload, sizeof payload, NULL, &error) == 0,
                  "try_send %llu of %llu: %s", (unsigned long long) i, (unsigned long long) waited,
                  error.detail);
    for (uint64_t i = 0; i < waited; i++) {
        const asynrole_error_t *failed = s_event_op (events, at + 1, ASYNROLE_OP_SEND, &at);
        TU_CHECK (failed && failed->sys_errno == EADDRNOTAVAIL, "send %llu failed",
                  (unsigned long long) i);
    }
    TU_CHECK (system ("ip addr add 10.9.0.1/32 dev lo") == 0, "ip addr add again");
    const asynrole_error_t *up = s_event_op (events, at + 1, ASYNROLE_OP_INTERFACE, &at);
    TU_CHECK (up && up->code == ASYNROLE_OK, "up again");
    //  Serving again with the whole queue: as many taken at once as before
    int again = 0;
    while (again < accepted
           && asynrole_manager_try_send (manager, payload, sizeof payload, NULL, &error) == 0)
        again++;
    TU_CHECK (again >= (int) waited, "only %d taken after it came back, %llu before", again,
              (unsigned long long) waited);
    TU_CHECK (asynrole_manager_stats (manager, &stats, &error) == 0, "stats");
    TU_CHECK (stats.tx_failed == 2 * waited, "%llu failed", (unsigned long long) stats.tx_failed);
    asynrole_manager_destroy (&manager);
    tu_collector_destroy (&events);
    close (fd);
    return 0;
}

static void
test_backlog_gone (void **state)
{
    (void) state;
    tu_child (s_backlog_gone, NULL, true, "tbf rate 1kbit burst 2kb latency 60s", 60);
}

//  A role destroyed while its socket is down, on a shared I/O actor; a new
//  role takes its slot: the old id finds nothing, the new socket is left
//  alone, and the address and port can be had again
static int
s_destroyed_while_down (void *arg)
{
    (void) arg;
    if (s_veth ())
        return TU_SKIP;
    asynrole_error_t error;
    asynrole_io_t *io = asynrole_io_new (&error);
    TU_CHECK (io, "an I/O actor: %s", error.detail);
    tu_collector_t *events = tu_collector_new ();
    tu_collector_t *others = tu_collector_new ();
    asynrole_options_t options = { .io = io, .rebind_interval = REBIND_MS };
    const char *ifaces[] = { "10.9.0.1:0" };
    asynrole_agent_t *agent = s_agent (events, ifaces, 1, &options);
    const char *lo[] = { "127.0.0.1:0" };
    asynrole_agent_t *other = s_agent (others, lo, 1, &options);
    TU_CHECK (agent && other, "the Agents");
    asynrole_addr_t local = *asynrole_agent_local (agent, 0);
    char text[ASYNROLE_ADDR_STRLEN];
    asynrole_addr_format (&local, text, sizeof text);
    TU_CHECK (s_va_address (false, events, 0, &local), "down");
    asynrole_agent_destroy (&agent);
    //  Its slot, taken by a new role's socket
    tu_collector_t *news = tu_collector_new ();
    asynrole_agent_t *fresh = s_agent (news, lo, 1, &options);
    TU_CHECK (fresh, "a new Agent");
    TU_CHECK (s_quiet (), "a busy loop");
    TU_CHECK (system ("ip addr add 10.9.0.1/24 dev va") == 0, "ip addr add");
    const char *again[] = { text };
    agent = s_agent (events, again, 1, &options);
    TU_CHECK (agent, "the same address and port again");
    asynrole_addr_t bound;
    int client = tu_udp_socket ("10.9.0.2", &bound);
    int lo_client = tu_udp_socket ("127.0.0.1", &bound);
    TU_CHECK (s_echoed (client, "10.9.0.1", asynrole_addr_port (&local), "again"), "served");
    TU_CHECK (s_echoed (lo_client, "127.0.0.1",
                        asynrole_addr_port (asynrole_agent_local (fresh, 0)), "fresh"),
              "the new role serves");
    asynrole_stats_t stats = s_stats (fresh, 0);
    TU_CHECK (stats.went_down == 0 && stats.rebound == 0 && stats.down == 0, "fresh untouched");
    TU_CHECK (tu_collector_errors (news) == 0 && tu_collector_errors (others) == 0,
              "the others saw nothing");
    TU_CHECK (tu_collector_errors (events) == 1, "%zu events", tu_collector_errors (events));
    close (client);
    close (lo_client);
    asynrole_agent_destroy (&agent);
    asynrole_agent_destroy (&fresh);
    asynrole_agent_destroy (&other);
    asynrole_io_destroy (&io);
    tu_collector_destroy (&events);
    tu_collector_destroy (&others);
    tu_collector_destroy (&news);
    return 0;
}

S_IN_NAMESPACE (destroyed_while_down)

//  Many sockets bound to one address that goes and comes back: every one
//  reports, every one comes back on the kernel's news (the interval is
//  long), not one event lost
#define MANY 200

static int
s_many_sockets (void *arg)
{
    (void) arg;
    if (s_veth ())
        return TU_SKIP;
    tu_collector_t *events;
    const char *ifaces[MANY];
    for (size_t i = 0; i < MANY; i++)
        ifaces[i] = "10.9.0.1:0";
    asynrole_agent_t *agent = s_rebinding_agent (&events, ifaces, MANY, 60000);
    TU_CHECK (agent, "an Agent");
    TU_CHECK (system ("ip addr del 10.9.0.1/24 dev va") == 0, "ip addr del");
    TU_CHECK (tu_collector_wait_errors (events, MANY, TU_TIMEOUT_MS), "%zu down events",
              tu_collector_errors (events));
    TU_CHECK (s_quiet (), "a busy loop");
    TU_CHECK (system ("ip addr add 10.9.0.1/24 dev va") == 0, "ip addr add");
    TU_CHECK (tu_collector_wait_errors (events, 2 * MANY, TU_TIMEOUT_MS), "%zu events",
              tu_collector_errors (events));
    size_t downs = 0, ups = 0;
    for (size_t i = 0; i < 2 * MANY; i++) {
        const asynrole_error_t *e = &tu_collector_error (events, i)->error;
        downs += e->op == ASYNROLE_OP_INTERFACE && e->sys_errno == EADDRNOTAVAIL;
        ups += e->op == ASYNROLE_OP_INTERFACE && e->code == ASYNROLE_OK;
    }
    TU_CHECK (downs == MANY && ups == MANY, "%zu down, %zu up", downs, ups);
    static asynrole_stats_t stats[MANY];
    TU_CHECK (asynrole_agent_stats (agent, stats, MANY, NULL) == MANY, "stats");
    asynrole_addr_t bound;
    int client = tu_udp_socket ("10.9.0.2", &bound);
    for (size_t i = 0; i < MANY; i++) {
        TU_CHECK (stats[i].went_down == 1 && stats[i].rebound == 1 && stats[i].down == 0,
                  "socket %zu", i);
        TU_CHECK (s_echoed (client, "10.9.0.1", asynrole_addr_port (&stats[i].local), "x"),
                  "socket %zu serves", i);
    }
    TU_CHECK (tu_collector_errors (events) == 2 * MANY, "%zu events", tu_collector_errors (events));
    close (client);
    asynrole_agent_destroy (&agent);
    tu_collector_destroy (&events);
    return 0;
}

S_IN_NAMESPACE (many_sockets)

//  IPv6: an address (no DAD) and a link-local one, each deleted and added
static int
s_ipv6_one (const char *add, const char *del, const char *iface)
{
    tu_collector_t *events;
    asynrole_agent_t *agent = s_rebinding_agent (&events, &iface, 1, 60000);
    TU_CHECK (agent, "an Agent on %s", iface);
    asynrole_addr_t local = *asynrole_agent_local (agent, 0);
    TU_CHECK (system (del) == 0, "%s", del);
    TU_CHECK (s_interface_event (s_error_event (events, 0), EADDRNOTAVAIL, &local), "down %s",
              iface);
    TU_CHECK (system (add) == 0, "%s", add);
    TU_CHECK (s_interface_event (s_error_event (events, 1), 0, &local), "up %s", iface);
    asynrole_stats_t stats = s_stats (agent, 0);
    TU_CHECK (stats.rebound == 1 && asynrole_addr_equal (&stats.local, &local), "rebound");
    asynrole_agent_destroy (&agent);
    tu_collector_destroy (&events);
    return 0;
}

static int
s_ipv6 (void *arg)
{
    (void) arg;
    if (s_veth ()
        || system ("ip -6 addr add fd00::1/64 dev va nodad && ip -6 addr add fd00::2/64 dev vb "
                   "nodad && ip -6 addr add fe80::1/64 dev va nodad"))
        return TU_SKIP;
    int rc = s_ipv6_one ("ip -6 addr add fd00::1/64 dev va nodad",
                         "ip -6 addr del fd00::1/64 dev va", "[fd00::1]:0");
    if (rc == 0)
        rc = s_ipv6_one ("ip -6 addr add fe80::1/64 dev va nodad",
                         "ip -6 addr del fe80::1/64 dev va", "[fe80::1%va]:0");
    return rc;
}

S_IN_NAMESPACE (ipv6)

//  An IPv6 link-local address on a device deleted and made again (a new
//  ifindex): it serves again on the device of that name
static int
s_link_local_device (void *arg)
{
    (void) arg;
    if (s_veth () || system ("ip -6 addr add fe80::1/64 dev va nodad"))
        return TU_SKIP;
    tu_collector_t *events;
    const char *ifaces[] = { "[fe80::1%va]:0" };
    asynrole_agent_t *agent = s_rebinding_agent (&events, ifaces, 1, REBIND_MS);
    TU_CHECK (agent, "an Agent");
    asynrole_addr_t local = *asynrole_agent_local (agent, 0);
    TU_CHECK (system ("ip link del va") == 0, "ip link del");
    const asynrole_error_t *down = s_error_event (events, 0);
    TU_CHECK (down && down->op == ASYNROLE_OP_INTERFACE, "down");
    TU_CHECK (s_veth () == 0 && system ("ip -6 addr add fe80::1/64 dev va nodad") == 0, "again");
    const asynrole_error_t *up = s_error_event (events, 1);
    TU_CHECK (up && up->op == ASYNROLE_OP_INTERFACE && up->code == ASYNROLE_OK, "up again");
    //  The same address and port, on the new device's index
    asynrole_stats_t stats = s_stats (agent, 0);
    unsigned index = if_nametoindex ("va");
    TU_CHECK (stats.rebound == 1 && stats.down == 0, "rebound");
    TU_CHECK (stats.local.u.in6.sin6_scope_id == index && index != local.u.in6.sin6_scope_id,
              "scope %u, va is %u, was %u", stats.local.u.in6.sin6_scope_id, index,
              local.u.in6.sin6_scope_id);
    local.u.in6.sin6_scope_id = index;
    TU_CHECK (asynrole_addr_equal (&stats.local, &local), "the same address and port");
    asynrole_agent_destroy (&agent);
    tu_collector_destroy (&events);
    return 0;
}

S_IN_NAMESPACE (link_local_device)

//  A link that goes down and up: its own IPv6 link-local address goes with
//  it, and comes back once DAD is done (news of a tentative address first:
//  binding fails until the next)
static int
s_link_down_up (void *arg)
{
    (void) arg;
    if (s_veth ())
        return TU_SKIP;
    //  va's link-local address, once DAD is done
    char text[ASYNROLE_ADDR_STRLEN] = "";
    for (int i = 0; i < 100 && !text[0]; i++) {
        FILE *ip =
            popen ("ip -6 -o addr show dev va scope link -tentative | awk '{print $4}'", "r");
        char line[128] = "";
        if (ip && fgets (line, sizeof line, ip) && strchr (line, '/'))
            snprintf (text, sizeof text, "[%.*s%%va]:0", (int) (strchr (line, '/') - line), line);
        if (ip)
            pclose (ip);
        if (!text[0])
            poll (NULL, 0, 50);
    }
    TU_CHECK (text[0], "va's link-local address");
    tu_collector_t *events;
    const char *ifaces[] = { text };
    asynrole_agent_t *agent = s_rebinding_agent (&events, ifaces, 1, 60000);
    TU_CHECK (agent, "an Agent on %s", text);
    asynrole_addr_t local = *asynrole_agent_local (agent, 0);
    TU_CHECK (system ("ip link set va down") == 0, "down");
    TU_CHECK (s_interface_event (s_error_event (events, 0), EADDRNOTAVAIL, &local), "down");
    TU_CHECK (system ("ip link set va up") == 0, "up");
    TU_CHECK (s_interface_event (s_error_event (events, 1), 0, &local), "up again");
    asynrole_agent_destroy (&agent);
    tu_collector_destroy (&events);
    return 0;
}

S_IN_NAMESPACE (link_down_up)

//  What a request's one final callback said
typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    size_t count;  //  callbacks so far
    bool replied;  //  the last one had a reply
    int attempts;  //  its attempts
    int code;      //  its error's code (0 with a reply)
} s_outcome_t;

static void
s_outcome_cb (asynrole_manager_t *manager, void *ctx, const asynrole_result_t *result)
{
    (void) manager;
    s_outcome_t *outcome = ctx;
    pthread_mutex_lock (&outcome->mutex);
    outcome->count++;
    outcome->replied = result->reply != NULL;
    outcome->attempts = result->attempts;
    outcome->code = result->error ? (int) result->error->code : 0;
    pthread_cond_broadcast (&outcome->cond);
    pthread_mutex_unlock (&outcome->mutex);
}

static int
s_request (asynrole_manager_t *manager, s_outcome_t *outcome)
{
    asynrole_request_t request = { .data = "ping", .size = 4, .ctx = outcome };
    asynrole_error_t error;
    int rc = asynrole_manager_request (manager, &request, s_outcome_cb, NULL, &error);
    if (rc)
        fprintf (stderr, "asynrole_manager_request: %s\n", error.detail);
    return rc;
}

//  Whether a request is made and the outcome's callbacks reach count
static bool
s_request_ends (asynrole_manager_t *manager, s_outcome_t *outcome, size_t count)
{
    return s_request (manager, outcome) == 0
        && tu_wait_count (&outcome->mutex, &outcome->cond, &outcome->count, count, TU_TIMEOUT_MS);
}

//  The last callback's outcome, read under the lock
static void
s_outcome_read (s_outcome_t *outcome, bool *replied, int *attempts, int *code)
{
    pthread_mutex_lock (&outcome->mutex);
    *replied = outcome->replied;
    *attempts = outcome->attempts;
    *code = outcome->code;
    pthread_mutex_unlock (&outcome->mutex);
}

//  A Manager bound to an address that goes away while a request retries,
//  and comes back before its retries run out: the request ends with the
//  reply, once; a request while it is down and none after is just as fine
static int
s_manager_request (void *arg)
{
    (void) arg;
    if (s_veth ())
        return TU_SKIP;
    tu_collector_t *peer_events = tu_collector_new ();
    const char *peer_iface[] = { "10.9.0.2:0" };
    asynrole_agent_t *peer = s_agent (peer_events, peer_iface, 1, NULL);
    TU_CHECK (peer, "the peer");
    char destination[ASYNROLE_ADDR_STRLEN];
    asynrole_addr_format (asynrole_agent_local (peer, 0), destination, sizeof destination);
    tu_collector_t *events = tu_collector_new ();
    asynrole_requests_t requests = { .policy = { .timeout = 100, .retries = 40 } };
    asynrole_options_t options = { .rebind_interval = REBIND_MS, .requests = &requests };
    asynrole_error_t error;
    asynrole_manager_t *manager = asynrole_manager_new (tu_manager_collect_cb, events, destination,
                                                        "10.9.0.1:0", &options, &error);
    TU_CHECK (manager, "a Manager: %s", error.detail);
    s_outcome_t outcome = { .mutex = PTHREAD_MUTEX_INITIALIZER };
    tu_cond_init (&outcome.cond);
    TU_CHECK (s_request_ends (manager, &outcome, 1), "the first request's end");
    TU_CHECK (outcome.replied, "the first request's reply");
    TU_CHECK (system ("ip addr del 10.9.0.1/24 dev va") == 0, "ip addr del");
    size_t at = 0;
    const asynrole_error_t *down = s_event_op (events, 0, ASYNROLE_OP_INTERFACE, &at);
    TU_CHECK (down && down->sys_errno == EADDRNOTAVAIL, "down");
    TU_CHECK (s_request (manager, &outcome) == 0, "request while down");
    //  Two attempts fail while it is down
    TU_CHECK (s_event_op (events, at + 1, ASYNROLE_OP_SEND, &at), "an attempt failed");
    TU_CHECK (s_event_op (events, at + 1, ASYNROLE_OP_SEND, &at), "another attempt failed");
    TU_CHECK (system ("ip addr add 10.9.0.1/24 dev va") == 0, "ip addr add");
    TU_CHECK (tu_wait_count (&outcome.mutex, &outcome.cond, &outcome.count, 2, TU_TIMEOUT_MS),
              "the second request's end");
    bool replied;
    int attempts, code;
    s_outcome_read (&outcome, &replied, &attempts, &code);
    TU_CHECK (replied && attempts >= 3, "replied %d after %d attempts (code %d)", replied, attempts,
              code);
    const asynrole_error_t *up = s_event_op (events, 0, ASYNROLE_OP_INTERFACE, &at);
    TU_CHECK (up && (up = s_event_op (events, at + 1, ASYNROLE_OP_INTERFACE, NULL))
                  && up->code == ASYNROLE_OK,
              "up again");
    TU_CHECK (s_request_ends (manager, &outcome, 3), "the third request's end");
    TU_CHECK (outcome.replied && outcome.attempts == 1, "the third");
    asynrole_manager_destroy (&manager);
    TU_CHECK (outcome.count == 3, "%zu callbacks", outcome.count);
    asynrole_agent_destroy (&peer);
    tu_collector_destroy (&events);
    tu_collector_destroy (&peer_events);
    return 0;
}

S_IN_NAMESPACE (manager_request)

//  An echo peer in a network namespace of its own at the far end of the
//  veth pair (vb, 10.9.0.2:PEER_PORT), so that what reaches it is routed
//  from ours; it ends when the test closes its pipe, or after 30 s
#define PEER_PORT 1161

static void
s_peer_serve (int in, int out)
{
    alarm (30);
    char byte;
    bool ok = unshare (CLONE_NEWNET) == 0 && write (out, "u", 1) == 1 && read (in, &byte, 1) == 1
        && system ("ip link set lo up && ip addr add 10.9.0.2/24 dev vb && ip link set vb up") == 0;
    struct sockaddr_in at = { .sin_family = AF_INET, .sin_port = htons (PEER_PORT) };
    inet_pton (AF_INET, "10.9.0.2", &at.sin_addr);
    int fd = ok ? socket (AF_INET, SOCK_DGRAM, 0) : -1;
    ok = fd >= 0 && bind (fd, (struct sockaddr *) &at, sizeof at) == 0;
    if (!ok || write (out, "r", 1) != 1)
        _exit (1);
    for (;;) {
        struct pollfd fds[2] = { { .fd = fd, .events = POLLIN }, { .fd = in, .events = POLLIN } };
        if (poll (fds, 2, 30000) <= 0 || fds[1].revents)
            _exit (0);
        char buf[512];
        struct sockaddr_storage from;
        socklen_t fromlen = sizeof from;
        ssize_t n = recvfrom (fd, buf, sizeof buf, 0, (struct sockaddr *) &from, &fromlen);
        if (n >= 0)
            sendto (fd, buf, (size_t) n, 0, (struct sockaddr *) &from, fromlen);
    }
}

//  Start the peer: its pid, and the pipe that ends it in *stop
static pid_t
s_peer_start (int *stop)
{
    int down[2], up[2];
    if (pipe (down) || pipe (up))
        return -1;
    pid_t pid = fork ();
    if (pid == 0) {
        close (down[1]);
        close (up[0]);
        s_peer_serve (down[0], up[1]);
    }
    close (down[0]);
    close (up[1]);
    char byte;
    char command[64];
    snprintf (command, sizeof command, "ip link set vb netns %d", (int) pid);
    struct pollfd wait = { .fd = up[0], .events = POLLIN };
    bool ok = pid > 0 && poll (&wait, 1, TU_TIMEOUT_MS) == 1 && read (up[0], &byte, 1) == 1
        && system (command) == 0 && write (down[1], "m", 1) == 1
        && poll (&wait, 1, TU_TIMEOUT_MS) == 1 && read (up[0], &byte, 1) == 1;
    close (up[0]);
    *stop = down[1];
    return ok ? pid : -1;
}

//  A Manager bound to no address in particular (the kernel picked its
//  source when it connected) whose source address goes while another on
//  the link stays: bound again as it asked, to any address, so that the
//  kernel picks the one that is there; its requests are answered again
static int
s_manager_any_source (void *arg)
{
    (void) arg;
    if (s_veth ()
        || system ("sysctl -qw net.ipv4.conf.va.promote_secondaries=1 "
                   "&& ip addr add 10.9.0.3/24 dev va"))
        return TU_SKIP;
    int stop = -1;
    pid_t peer = s_peer_start (&stop);
    TU_CHECK (peer > 0, "the peer");
    char destination[ASYNROLE_ADDR_STRLEN];
    snprintf (destination, sizeof destination, "10.9.0.2:%d", PEER_PORT);
    tu_collector_t *events = tu_collector_new ();
    asynrole_requests_t requests = { .policy = { .timeout = 200, .retries = 10 } };
    asynrole_options_t options = { .rebind_interval = REBIND_MS, .requests = &requests };
    asynrole_error_t error;
    asynrole_manager_t *manager =
        asynrole_manager_new (tu_manager_collect_cb, events, destination, NULL, &options, &error);
    TU_CHECK (manager, "a Manager: %s", error.detail);
    s_outcome_t outcome = { .mutex = PTHREAD_MUTEX_INITIALIZER };
    tu_cond_init (&outcome.cond);
    TU_CHECK (s_request_ends (manager, &outcome, 1), "the first request's end");
    TU_CHECK (outcome.replied, "the first request's reply");
    asynrole_stats_t stats;
    TU_CHECK (asynrole_manager_stats (manager, &stats, &error) == 0, "stats");
    char text[ASYNROLE_ADDR_STRLEN];
    asynrole_addr_format (&stats.local, text, sizeof text);
    TU_CHECK (strncmp (text, "10.9.0.1:", 9) == 0, "the source: %s", text);
    TU_CHECK (system ("ip addr del 10.9.0.1/24 dev va") == 0, "ip addr del");
    size_t at = 0;
    const asynrole_error_t *down = s_event_op (events, 0, ASYNROLE_OP_INTERFACE, &at);
    TU_CHECK (down && down->sys_errno == EADDRNOTAVAIL, "down");
    const asynrole_error_t *up = s_event_op (events, at + 1, ASYNROLE_OP_INTERFACE, &at);
    TU_CHECK (up && up->code == ASYNROLE_OK, "up again");
    TU_CHECK (s_request_ends (manager, &outcome, 2), "the second request's end");
    bool replied;
    int attempts, code;
    s_outcome_read (&outcome, &replied, &attempts, &code);
    TU_CHECK (replied, "no reply after the address went (code %d)", code);
    TU_CHECK (asynrole_manager_stats (manager, &stats, &error) == 0, "stats");
    asynrole_addr_format (&stats.local, text, sizeof text);
    TU_CHECK (strncmp (text, "10.9.0.3:", 9) == 0, "the source now: %s", text);
    asynrole_manager_destroy (&manager);
    tu_collector_destroy (&events);
    close (stop);
    int status = 0;
    TU_CHECK (waitpid (peer, &status, 0) == peer && WIFEXITED (status), "the peer's end");
    return 0;
}

S_IN_NAMESPACE (manager_any_source)

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_address_away_and_back, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_address_pipe_mode, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_address_elsewhere, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_port_taken, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_device_gone, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_reply_device_gone, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_descriptor_closed, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_descriptor_replaced, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_descriptor_number_reused, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_descriptor_number_reused_open, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_descriptor_closed_flooded, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_destroyed_while_marked, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_rebind_never, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_receive_and_send_notice, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_rebind_interval_checked, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_backlog_gone, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_destroyed_while_down, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_many_sockets, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_ipv6, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_link_local_device, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_link_down_up, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_manager_request, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_manager_any_source, tu_setup, tu_teardown),
    };
    return tu_main (tests, argc, argv);
}
