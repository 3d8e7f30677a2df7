/*  test_faults.c - send and receive faults: each ends in a typed event (or
    a typed error at the call), counted, and the I/O actor and the role it
    hit keep serving: a round trip through both works afterwards.

    ICMP port unreachable for an Agent's reply, and a storm of them; ICMP
    host unreachable (a neighbour that never answers), net unreachable (a
    router with no route) and fragmentation needed (a router with a narrow
    next link) in a network namespace of the test's own; EMSGSIZE from the
    kernel (an adopted socket with IP_PMTUDISC_DO); ENOBUFS from a qdisc
    that drops (retried, nothing lost; given up for good when it lasts);
    truncation in pipe mode; descriptors running out under a running I/O
    actor. docs/reliability.md, "Send and receive faults", says which test
    covers which fault, here and elsewhere.
*/
#define _GNU_SOURCE
#include "testutil.h"
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

//  -------------------------------------------------------------------------
//  A rig: one I/O actor, an echo Agent and a Manager on it; the Manager's
//  events (callback or pipe mode) all land in one collector

typedef struct {
    asynrole_io_t *io;
    asynrole_agent_t *agent;
    asynrole_manager_t *manager;
    tu_collector_t *requests;  //  the Agent's
    tu_collector_t *events;    //  the Manager's
    bool pipe;
} rig_t;

//  Run a shell command made of format; its exit status (said when not 0)
static int
s_sh (const char *format, ...)
{
    char command[2048];
    va_list args;
    va_start (args, format);
    int length = vsnprintf (command, sizeof command, format, args);
    va_end (args);
    if (length < 0 || (size_t) length >= sizeof command) {
        fprintf (stderr, "a command too long: %s\n", command);
        return -1;
    }
    int rc = system (command);
    if (rc)
        fprintf (stderr, "'%s' failed: %d\n", command, rc);
    return rc;
}

//  Make the rig: the Agent on agent_iface, the Manager on manager_iface;
//  0, or -1 (said why)
static int
s_rig (rig_t *rig, const char *agent_iface, const char *manager_iface, bool pipe)
{
    memset (rig, 0, sizeof *rig);
    rig->pipe = pipe;
    rig->requests = tu_collector_new ();
    rig->events = tu_collector_new ();
    asynrole_error_t error;
    rig->io = asynrole_io_new (&error);
    TU_CHECK (rig->io, "asynrole_io_new: %s", error.detail);
    asynrole_options_t options = { .io = rig->io };
    rig->agent =
        asynrole_agent_new (tu_agent_echo_cb, rig->requests, &agent_iface, 1, &options, &error);
    TU_CHECK (rig->agent, "asynrole_agent_new (%s): %s", agent_iface, error.detail);
    options.pipe_mode = pipe;
    rig->manager = asynrole_manager_new (pipe ? NULL : tu_manager_collect_cb, rig->events, NULL,
                                         manager_iface, &options, &error);
    TU_CHECK (rig->manager, "asynrole_manager_new (%s): %s", manager_iface, error.detail);
    return 0;
}

static void
s_rig_end (rig_t *rig)
{
    asynrole_manager_destroy (&rig->manager);
    asynrole_agent_destroy (&rig->agent);
    asynrole_io_destroy (&rig->io);
    tu_collector_destroy (&rig->events);
    tu_collector_destroy (&rig->requests);
}

//  Move what waits on a pipe-mode role's data socket into its collector,
//  waiting at most timeout ms for the first event
static void
s_pump (void *socket, tu_collector_t *events, int timeout)
{
    for (int i = 0; i < 1000; i++) {
        asynrole_event_t *event = asynrole_event_recv (socket, i ? 0 : timeout);
        if (!event)
            return;
        tu_collector_add (events, asynrole_event_datagram (event), asynrole_event_error (event), 0,
                          NULL);
        asynrole_event_destroy (&event);
    }
}

//  Wait until the collector holds n errors (or n datagrams), pumping the
//  data socket in pipe mode; false after timeout ms
static bool
s_wait_in (void *socket, tu_collector_t *events, bool errors, size_t n, int timeout)
{
    if (!socket)
        return errors ? tu_collector_wait_errors (events, n, timeout)
                      : tu_collector_wait_datagrams (events, n, timeout);
    int64_t end = tu_now () + timeout;
    while ((errors ? tu_collector_errors (events) : tu_collector_datagrams (events)) < n) {
        int64_t left = end - tu_now ();
        if (left <= 0)
            return false;
        s_pump (socket, events, (int) left);
    }
    return true;
}

static bool
s_wait (rig_t *rig, bool errors, size_t n)
{
    void *socket = rig->pipe ? asynrole_manager_socket (rig->manager) : NULL;
    return s_wait_in (socket, rig->events, errors, n, TU_TIMEOUT_MS);
}

//  Does error say code, op, sys_errno and address? Says what it is if not.
static bool
s_is (const asynrole_error_t *error, asynrole_code_t code, asynrole_op_t op, int sys_errno,
      const asynrole_addr_t *address)
{
    char want[ASYNROLE_ADDR_STRLEN], got[ASYNROLE_ADDR_STRLEN];
    bool same = error->code == code && error->op == op && error->sys_errno == sys_errno
        && (!address || asynrole_addr_equal (&error->address, address)) && error->detail[0];
    if (!same)
        fprintf (stderr, "expected %s / %s / %s / %s, got %s / %s / %s / %s: %s\n",
                 asynrole_strerror (code), asynrole_op_name (op), strerror (sys_errno),
                 address ? TU_FMT (address, want) : "any", asynrole_strerror (error->code),
                 asynrole_op_name (error->op), strerror (error->sys_errno),
                 TU_FMT (&error->address, got), error->detail);
    return same;
}

//  The Manager still serves: text to the Agent and back, through the same
//  I/O actor; 0 or 1 (said why)
static int
s_round_trip (rig_t *rig, const char *text)
{
    size_t before = tu_collector_datagrams (rig->events);
    const asynrole_addr_t *agent = asynrole_agent_local (rig->agent, 0);
    asynrole_error_t error;
    size_t size = strlen (text);
    TU_CHECK (asynrole_manager_send (rig->manager, text, size, agent, &error) == 0, "send: %s",
              error.detail);
    TU_CHECK (s_wait (rig, false, before + 1), "no echo of '%s'", text);
    const tu_event_t *echo = tu_collector_datagram (rig->events, before);
    TU_CHECK (echo->size == size && memcmp (echo->data, text, size) == 0, "a wrong echo");
    TU_CHECK (asynrole_addr_equal (&echo->peer, agent), "the echo came from elsewhere");
    return 0;
}

//  The Manager's counters, once every error event they count is collected
//  (so that a second report of one fault would be seen); 0 or 1
static int
s_settled (rig_t *rig, asynrole_stats_t *stats)
{
    asynrole_error_t error;
    TU_CHECK (asynrole_manager_stats (rig->manager, stats, &error) == 0, "stats: %s", error.detail);
    TU_CHECK (s_wait (rig, true, stats->errors), "%llu error events counted, %zu came",
              (unsigned long long) stats->errors, tu_collector_errors (rig->events));
    TU_CHECK (tu_collector_errors (rig->events) == stats->errors,
              "%zu error events came, %llu counted", tu_collector_errors (rig->events),
              (unsigned long long) stats->errors);
    return 0;
}

//  -------------------------------------------------------------------------
//  EMSGSIZE: a socket the program made with IP_PMTUDISC_DO (IPv6: its
//  twin), adopted, refuses a datagram larger than the route's MTU. One
//  event per datagram, naming its destination; the next sends go out.

typedef struct {
    int family;
    bool pipe;
} how_t;

static int
s_emsgsize (void *arg)
{
    const how_t *how = (const how_t *) arg;
    bool v6 = how->family == AF_INET6;
    const char *ip = v6 ? "::1" : "127.0.0.1";
    TU_CHECK (s_sh ("ip link set lo mtu 1500") == 0, "lo's MTU");
    asynrole_addr_t bound;
    int fd = tu_udp_socket (ip, &bound);
    TU_CHECK (fd >= 0, "a socket: %s", strerror (errno));
    int value = v6 ? IPV6_PMTUDISC_DO : IP_PMTUDISC_DO;
    TU_CHECK (setsockopt (fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
                          v6 ? IPV6_MTU_DISCOVER : IP_MTU_DISCOVER, &value, sizeof value)
                  == 0,
              "IP_MTU_DISCOVER: %s", strerror (errno));
    char iface[32];
    snprintf (iface, sizeof iface, "fd:%d", fd);
    rig_t rig;
    TU_CHECK (s_rig (&rig, v6 ? "[::1]:0" : "127.0.0.1:0", iface, how->pipe) == 0, "the rig");
    close (fd);  //  the Manager has its copy
    const asynrole_addr_t *to = asynrole_agent_local (rig.agent, 0);
    static uint8_t big[2000];
    asynrole_error_t error;
    TU_CHECK (asynrole_manager_send (rig.manager, big, sizeof big, to, &error) == 0, "send: %s",
              error.detail);
    TU_CHECK (s_wait (&rig, true, 1), "no error event for a datagram past the MTU");
    TU_CHECK (s_is (&tu_collector_error (rig.events, 0)->error, ASYNROLE_ENETWORK, ASYNROLE_OP_SEND,
                    EMSGSIZE, to),
              "the EMSGSIZE event");
    //  Past the family's largest datagram: refused at the call, sent nowhere
    static uint8_t huge[ASYNROLE_DGRAM_MAX_IPV6 + 1];
    size_t max = v6 ? ASYNROLE_DGRAM_MAX_IPV6 : ASYNROLE_DGRAM_MAX_IPV4;
    TU_CHECK (asynrole_manager_send (rig.manager, huge, max + 1, to, &error) == -1
                  && error.code == ASYNROLE_EBADARG,
              "a datagram past the largest: %s", error.detail);
    //  Still serving, through the same socket and I/O actor
    TU_CHECK (s_round_trip (&rig, "after EMSGSIZE") == 0, "the round trip");
    asynrole_stats_t stats;
    TU_CHECK (s_settled (&rig, &stats) == 0, "the counters");
    TU_CHECK (stats.tx_failed == 1 && stats.tx_datagrams == 1 && stats.errors == 1,
              "tx_failed %llu, tx_datagrams %llu, errors %llu: one event per refused datagram",
              (unsigned long long) stats.tx_failed, (unsigned long long) stats.tx_datagrams,
              (unsigned long long) stats.errors);
    s_rig_end (&rig);
    return 0;
}

static void
test_emsgsize_ipv4 (void **state)
{
    (void) state;
    how_t how = { AF_INET, false };
    tu_child (s_emsgsize, &how, true, NULL, 60);
}

static void
test_emsgsize_ipv6_pipe (void **state)
{
    (void) state;
    how_t how = { AF_INET6, true };
    tu_child (s_emsgsize, &how, true, NULL, 60);
}

//  -------------------------------------------------------------------------
//  A network of the child's own: a veth pair, vh the host's (10.1.0.1/24,
//  fd00:1::1/64) and vp a neighbour with no address, which answers no ARP
//  or neighbour solicitation; the host gives up on a neighbour after one
//  probe of 100 ms

static int
s_veth (void)
{
    int rc = s_sh ("ip link add vh type veth peer name vp"
                   " && ip link set vp address 02:00:00:00:00:02"
                   " && ip addr add 10.1.0.1/24 dev vh && ip addr add fd00:1::1/64 dev vh nodad"
                   " && ip link set vh up && ip link set vp up"
                   " && sysctl -qw net.ipv4.neigh.vh.mcast_solicit=1"
                   " net.ipv4.neigh.vh.retrans_time_ms=100 net.ipv6.neigh.vh.mcast_solicit=1"
                   " net.ipv6.neigh.vh.retrans_time_ms=100");
    //  fd00:1::1 takes its local route a moment later (tu_route.c)
    TU_CHECK (rc == 0, "the veth pair's set-up");
    TU_CHECK (tu_wait_local ("10.1.0.1", TU_TIMEOUT_MS), "10.1.0.1 is not local");
    TU_CHECK (tu_wait_local ("fd00:1::1", TU_TIMEOUT_MS), "fd00:1::1 is not local");
    return 0;
}

//  10.2.0.0/16 and fd00:2::/64 lie past vp, which forwards, with a rule
//  that what comes in on vp has no route: ICMP net unreachable, sent back
//  to the host as a router would
static int
s_router (void)
{
    return s_sh ("ip route add 10.2.0.0/16 dev vh && ip -6 route add fd00:2::/64 dev vh"
                 " && ip neigh add 10.2.0.5 lladdr 02:00:00:00:00:02 dev vh nud permanent"
                 " && ip -6 neigh add fd00:2::5 lladdr 02:00:00:00:00:02 dev vh nud permanent"
                 " && ip rule add iif vp unreachable && ip -6 rule add iif vp unreachable"
                 " && sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1");
}

static int
s_parse (asynrole_addr_t *addr, const char *text)
{
    asynrole_error_t error;
    TU_CHECK (asynrole_addr_parse (addr, text, &error) == 0, "%s: %s", text, error.detail);
    return 0;
}

//  -------------------------------------------------------------------------
//  ICMP host unreachable (a neighbour that never answers) and net
//  unreachable (a router with no route): an event naming the destination,
//  and the Manager serves on

typedef struct {
    int family;
    bool pipe;
    bool router;  //  net unreachable (else host unreachable)
} icmp_how_t;

static int
s_unreachable (void *arg)
{
    const icmp_how_t *how = (const icmp_how_t *) arg;
    bool v6 = how->family == AF_INET6;
    TU_CHECK (s_veth () == 0, "the veth pair");
    TU_CHECK (!how->router || s_router () == 0, "the router");
    const char *target = how->router ? (v6 ? "[fd00:2::5]:161" : "10.2.0.5:161")
                                     : (v6 ? "[fd00:1::2]:161" : "10.1.0.2:161");
    asynrole_addr_t to;
    TU_CHECK (s_parse (&to, target) == 0, "the destination");
    rig_t rig;
    TU_CHECK (
        s_rig (&rig, v6 ? "[fd00:1::1]:0" : "10.1.0.1:0", v6 ? "[::]:0" : "0.0.0.0:0", how->pipe)
            == 0,
        "the rig");
    asynrole_error_t error;
    TU_CHECK (asynrole_manager_send (rig.manager, "lost", 4, &to, &error) == 0, "send: %s",
              error.detail);
    TU_CHECK (s_wait (&rig, true, 1), "no ICMP error for %s", target);
    int expected = how->router ? ENETUNREACH : EHOSTUNREACH;
    TU_CHECK (s_is (&tu_collector_error (rig.events, 0)->error, ASYNROLE_ENETWORK, ASYNROLE_OP_ICMP,
                    expected, &to),
              "the ICMP event");
    TU_CHECK (s_round_trip (&rig, "after ICMP") == 0, "the round trip");
    asynrole_stats_t stats;
    TU_CHECK (s_settled (&rig, &stats) == 0, "the counters");
    TU_CHECK (stats.errors == 1 && stats.tx_datagrams == 2 && stats.tx_failed == 0
                  && stats.rx_datagrams == 1,
              "errors %llu, tx_datagrams %llu, tx_failed %llu, rx_datagrams %llu",
              (unsigned long long) stats.errors, (unsigned long long) stats.tx_datagrams,
              (unsigned long long) stats.tx_failed, (unsigned long long) stats.rx_datagrams);
    s_rig_end (&rig);
    return 0;
}

static void
test_host_unreachable_ipv4 (void **state)
{
    (void) state;
    icmp_how_t how = { AF_INET, false, false };
    tu_child (s_unreachable, &how, true, NULL, 60);
}

static void
test_host_unreachable_ipv6_pipe (void **state)
{
    (void) state;
    icmp_how_t how = { AF_INET6, true, false };
    tu_child (s_unreachable, &how, true, NULL, 60);
}

static void
test_net_unreachable_ipv4_pipe (void **state)
{
    (void) state;
    icmp_how_t how = { AF_INET, true, true };
    tu_child (s_unreachable, &how, true, NULL, 60);
}

static void
test_net_unreachable_ipv6 (void **state)
{
    (void) state;
    icmp_how_t how = { AF_INET6, false, true };
    tu_child (s_unreachable, &how, true, NULL, 60);
}

//  -------------------------------------------------------------------------
//  ICMP fragmentation needed (IPv6: packet too big) from a router whose
//  next link is narrower: an EMSGSIZE event naming the destination; the
//  kernel learnt the path's MTU, so the next datagram of that size leaves
//  in fragments, with no event. 10.3.0.0/16 and fd00:3::/64 lie past vp,
//  whose next link (vx, to vy, which drops all) has an MTU of 1000 (IPv6:
//  1280); vp takes the host's own source addresses (accept_local).

static int
s_narrow_link (void)
{
    return s_sh ("ip link add vx type veth peer name vy && ip link set vx up && ip link set vy up"
                 " && ip route add 10.3.0.0/16 dev vh && ip -6 route add fd00:3::/64 dev vh"
                 " && ip neigh add 10.3.0.5 lladdr 02:00:00:00:00:02 dev vh nud permanent"
                 " && ip -6 neigh add fd00:3::5 lladdr 02:00:00:00:00:02 dev vh nud permanent"
                 " && ip route add 10.3.0.0/16 dev vx mtu lock 1000 table 100"
                 " && ip -6 route add fd00:3::/64 dev vx mtu lock 1280 table 100"
                 " && ip neigh add 10.3.0.5 lladdr 02:00:00:00:00:03 dev vx nud permanent"
                 " && ip -6 neigh add fd00:3::5 lladdr 02:00:00:00:00:03 dev vx nud permanent"
                 " && ip rule add iif vp lookup 100 && ip -6 rule add iif vp lookup 100"
                 " && ip rule add iif vy blackhole && ip -6 rule add iif vy blackhole"
                 " && sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1"
                 " net.ipv4.conf.vp.accept_local=1");
}

static int
s_frag_needed (void *arg)
{
    const how_t *how = (const how_t *) arg;
    bool v6 = how->family == AF_INET6;
    TU_CHECK (s_veth () == 0 && s_narrow_link () == 0, "the narrow link");
    asynrole_addr_t to;
    TU_CHECK (s_parse (&to, v6 ? "[fd00:3::5]:161" : "10.3.0.5:161") == 0, "the destination");
    rig_t rig;
    TU_CHECK (
        s_rig (&rig, v6 ? "[fd00:1::1]:0" : "10.1.0.1:0", v6 ? "[::]:0" : "0.0.0.0:0", how->pipe)
            == 0,
        "the rig");
    static uint8_t payload[1400];
    asynrole_error_t error;
    TU_CHECK (asynrole_manager_send (rig.manager, payload, sizeof payload, &to, &error) == 0,
              "send: %s", error.detail);
    TU_CHECK (s_wait (&rig, true, 1), "no ICMP error for a datagram past the path's MTU");
    TU_CHECK (s_is (&tu_collector_error (rig.events, 0)->error, ASYNROLE_ENETWORK, ASYNROLE_OP_ICMP,
                    EMSGSIZE, &to),
              "the EMSGSIZE event");
    //  The path's MTU learnt: the next one leaves in fragments
    TU_CHECK (asynrole_manager_send (rig.manager, payload, sizeof payload, &to, &error) == 0,
              "send: %s", error.detail);
    TU_CHECK (s_round_trip (&rig, "after the router's ICMP") == 0, "the round trip");
    asynrole_stats_t stats;
    TU_CHECK (s_settled (&rig, &stats) == 0, "the counters");
    TU_CHECK (stats.errors == 1 && stats.tx_datagrams == 3 && stats.tx_failed == 0,
              "errors %llu, tx_datagrams %llu, tx_failed %llu", (unsigned long long) stats.errors,
              (unsigned long long) stats.tx_datagrams, (unsigned long long) stats.tx_failed);
    s_rig_end (&rig);
    return 0;
}

static void
test_frag_needed_ipv4_pipe (void **state)
{
    (void) state;
    how_t how = { AF_INET, true };
    tu_child (s_frag_needed, &how, true, NULL, 60);
}

static void
test_packet_too_big_ipv6 (void **state)
{
    (void) state;
    how_t how = { AF_INET6, false };
    tu_child (s_frag_needed, &how, true, NULL, 60);
}

//  -------------------------------------------------------------------------
//  ICMP port unreachable for an Agent's reply (its client went away): the
//  Agent's event, and the Agent serves the next client

static void
s_agent_port_unreachable (int family, bool pipe)
{
    const char *ip = family == AF_INET6 ? "::1" : "127.0.0.1";
    const char *iface = family == AF_INET6 ? "[::1]:0" : "127.0.0.1:0";
    tu_collector_t *events = tu_collector_new ();
    asynrole_options_t options = { .pipe_mode = pipe };
    asynrole_agent_t *agent =
        tu_agent_new (pipe ? NULL : tu_agent_echo_cb, events, iface, &options);
    void *socket = pipe ? asynrole_agent_socket (agent) : NULL;
    asynrole_addr_t gone = tu_closed_port (family);
    gone.via = 0;  //  through the first (only) socket
    asynrole_error_t error;
    assert_int_equal (asynrole_agent_send (agent, "late", 4, &gone, &error), 0);
    assert_true (s_wait_in (socket, events, true, 1, TU_TIMEOUT_MS));
    assert_true (s_is (&tu_collector_error (events, 0)->error, ASYNROLE_ENETWORK, ASYNROLE_OP_ICMP,
                       ECONNREFUSED, &gone));

    //  The next client is served by the same socket
    asynrole_addr_t bound;
    int client = tu_client (ip, &bound);
    const asynrole_addr_t *local = asynrole_agent_local (agent, 0);
    assert_int_equal (sendto (client, "next", 4, 0, &local->u.sa, local->len), 4);
    assert_true (s_wait_in (socket, events, false, 1, TU_TIMEOUT_MS));
    const tu_event_t *request = tu_collector_datagram (events, 0);
    if (pipe)
        assert_int_equal (
            asynrole_agent_send (agent, request->data, request->size, &request->peer, &error), 0);
    char reply[8];
    assert_int_equal (tu_recv (client, reply, sizeof reply, TU_TIMEOUT_MS), 4);
    assert_memory_equal (reply, "next", 4);
    close (client);

    asynrole_stats_t stats = tu_agent_stats (agent, 0);
    assert_int_equal (stats.tx_datagrams, 2);
    assert_int_equal (stats.tx_failed, 0);
    assert_int_equal (stats.rx_datagrams, 1);
    assert_int_equal (stats.errors, 1);
    s_pump (socket, events, 0);
    assert_int_equal (tu_collector_errors (events), 1);
    tu_agent_destroy (&agent);
}

static void
test_agent_port_unreachable_ipv4 (void **state)
{
    (void) state;
    s_agent_port_unreachable (AF_INET, false);
}

static void
test_agent_port_unreachable_ipv6_pipe (void **state)
{
    (void) state;
    s_agent_port_unreachable (AF_INET6, true);
}

//  -------------------------------------------------------------------------
//  A storm of ICMP errors (every datagram to a closed port): the error
//  queue overflows in the kernel, which keeps no count of what it lost;
//  every send is still accounted for, no loop spins, and the Manager
//  serves on

#define STORM_N 5000

static void
s_icmp_storm (bool pipe)
{
    rig_t rig;
    assert_int_equal (s_rig (&rig, "127.0.0.1:0", "127.0.0.1:0", pipe), 0);
    asynrole_addr_t closed = tu_closed_port (AF_INET);
    closed.via = 0;
    asynrole_error_t error;
    int64_t start = tu_now ();
    for (int i = 0; i < STORM_N; i++)
        if (asynrole_manager_send (rig.manager, "x", 1, &closed, &error))
            fail_msg ("send %d: %s", i, error.detail);
    assert_int_equal (s_round_trip (&rig, "after the storm"), 0);
    asynrole_stats_t stats;
    assert_int_equal (s_settled (&rig, &stats), 0);
    printf ("ICMP storm: %d sent in %lld ms: %llu taken, %llu refused, %llu error events, %llu "
            "dropped\n",
            STORM_N, (long long) (tu_now () - start), (unsigned long long) stats.tx_datagrams,
            (unsigned long long) stats.tx_failed, (unsigned long long) stats.errors,
            (unsigned long long) stats.errors_dropped);
    for (size_t i = 0; i < tu_collector_errors (rig.events); i++) {
        const asynrole_error_t *got = &tu_collector_error (rig.events, i)->error;
        if (got->code != ASYNROLE_ENETWORK || got->sys_errno != ECONNREFUSED)
            fail_msg ("event %zu: %s", i, got->detail);
    }
    assert_int_equal (stats.tx_datagrams + stats.tx_failed, STORM_N + 1);
    //  Each error the kernel kept reported once, none twice: at most one
    //  event per datagram sent to the closed port (all but the round
    //  trip's), and one per send the kernel refused (a send that met an
    //  ICMP error's errno fails: the datagram did not leave)
    assert_true (stats.errors > 0);
    assert_true (stats.errors + stats.errors_dropped <= stats.tx_datagrams - 1 + stats.tx_failed);
    s_rig_end (&rig);
}

static void
test_icmp_storm (void **state)
{
    (void) state;
    s_icmp_storm (false);
}

static void
test_icmp_storm_pipe (void **state)
{
    (void) state;
    s_icmp_storm (true);
}

//  -------------------------------------------------------------------------
//  ENOBUFS: a qdisc over its limit refuses a datagram (with IP_RECVERR the
//  kernel says so). A momentary one: the I/O actor retries on a timer and
//  nothing is lost. One that lasts (a qdisc that drops all a route
//  carries): after 1 s (LIMIT_NOBUFS_GIVE_UP_MS) the refused datagram
//  fails, reported, and the sends behind it to other destinations go out;
//  while ENOBUFS keeps coming, each fails at once.

#define NOBUFS_N 200

//  Sends to a dead route, each among live ones, after the first given up:
//  were each to wait LIMIT_NOBUFS_GIVE_UP_MS, they would take longer than
//  TU_TIMEOUT_MS
#define NOBUFS_DEAD_N 10

static int
s_nobufs_retried (void *arg)
{
    (void) arg;
    asynrole_addr_t sink;
    int fd = tu_udp_socket ("127.0.0.1", &sink);
    int big = 16 * 1024 * 1024;
    TU_CHECK (fd >= 0 && setsockopt (fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) == 0,
              "a receiver with a big buffer: %s", strerror (errno));
    rig_t rig;
    TU_CHECK (s_rig (&rig, "127.0.0.1:0", "127.0.0.1:0", false) == 0, "the rig");
    static uint8_t payload[1000];
    asynrole_error_t error;
    for (int i = 0; i < NOBUFS_N; i++)
        TU_CHECK (asynrole_manager_send (rig.manager, payload, sizeof payload, &sink, &error) == 0,
                  "send %d: %s", i, error.detail);
    int got = 0;
    while (got < NOBUFS_N && tu_recv (fd, payload, sizeof payload, TU_TIMEOUT_MS) > 0)
        got++;
    close (fd);
    TU_CHECK (s_round_trip (&rig, "after ENOBUFS") == 0, "the round trip");
    asynrole_stats_t stats;
    TU_CHECK (s_settled (&rig, &stats) == 0, "the counters");
    printf ("ENOBUFS: %d of %d arrived, the qdisc refused and the sends waited %llu times\n", got,
            NOBUFS_N, (unsigned long long) stats.tx_blocked);
    TU_CHECK (got == NOBUFS_N, "%d of %d arrived", got, NOBUFS_N);
    TU_CHECK (stats.tx_blocked > 0, "the qdisc never refused: nothing was tested");
    TU_CHECK (stats.tx_failed == 0 && stats.errors == 0 && stats.tx_backlog == 0,
              "tx_failed %llu, errors %llu, tx_backlog %llu", (unsigned long long) stats.tx_failed,
              (unsigned long long) stats.errors, (unsigned long long) stats.tx_backlog);
    TU_CHECK (stats.tx_datagrams == NOBUFS_N + 1, "%llu sent",
              (unsigned long long) stats.tx_datagrams);
    s_rig_end (&rig);
    return 0;
}

static void
test_nobufs_retried (void **state)
{
    (void) state;
    tu_child (s_nobufs_retried, NULL, true, "tbf rate 10mbit burst 2kb limit 3000", 60);
}

static int
s_nobufs_for_good (void *arg)
{
    const how_t *how = (const how_t *) arg;
    bool v6 = how->family == AF_INET6;
    TU_CHECK (s_veth () == 0, "the veth pair");
    //  vp's address is known (no ARP), and vh's qdisc drops all
    TU_CHECK (s_sh ("ip neigh add 10.1.0.2 lladdr 02:00:00:00:00:02 dev vh nud permanent"
                    " && ip -6 neigh add fd00:1::2 lladdr 02:00:00:00:00:02 dev vh nud permanent"
                    " && tc qdisc add dev vh root pfifo limit 0")
                  == 0,
              "the qdisc");
    asynrole_addr_t to;
    TU_CHECK (s_parse (&to, v6 ? "[fd00:1::2]:161" : "10.1.0.2:161") == 0, "the destination");
    rig_t rig;
    TU_CHECK (s_rig (&rig, v6 ? "[::1]:0" : "127.0.0.1:0", v6 ? "[::]:0" : "0.0.0.0:0", how->pipe)
                  == 0,
              "the rig");
    asynrole_error_t error;
    int64_t start = tu_now ();
    TU_CHECK (asynrole_manager_send (rig.manager, "dropped", 7, &to, &error) == 0, "send: %s",
              error.detail);
    //  Behind it, to the Agent on lo: out once the first is given up
    TU_CHECK (s_round_trip (&rig, "behind it") == 0, "the round trip");
    int64_t waited = tu_now () - start;
    TU_CHECK (s_wait (&rig, true, 1), "no error event for the refused datagram");
    TU_CHECK (s_is (&tu_collector_error (rig.events, 0)->error, ASYNROLE_ENETWORK, ASYNROLE_OP_SEND,
                    ENOBUFS, &to),
              "the ENOBUFS event");
    TU_CHECK (waited >= 900, "given up after %lld ms", (long long) waited);
    //  Sends to the dead route among others now fail at once: were each to
    //  wait its second, the echoes would take longer than the wait allows
    size_t echoes = tu_collector_datagrams (rig.events);
    const asynrole_addr_t *agent = asynrole_agent_local (rig.agent, 0);
    for (int i = 0; i < NOBUFS_DEAD_N; i++)
        TU_CHECK (asynrole_manager_send (rig.manager, "dropped", 7, &to, &error) == 0
                      && asynrole_manager_send (rig.manager, "live", 4, agent, &error) == 0,
                  "send: %s", error.detail);
    TU_CHECK (s_wait (&rig, false, echoes + NOBUFS_DEAD_N), "the live sends waited");
    TU_CHECK (s_wait (&rig, true, NOBUFS_DEAD_N + 1), "an ENOBUFS not reported");
    for (size_t i = 1; i <= NOBUFS_DEAD_N; i++)
        TU_CHECK (s_is (&tu_collector_error (rig.events, i)->error, ASYNROLE_ENETWORK,
                        ASYNROLE_OP_SEND, ENOBUFS, &to),
                  "ENOBUFS event %zu", i);
    asynrole_stats_t stats;
    TU_CHECK (s_settled (&rig, &stats) == 0, "the counters");
    TU_CHECK (stats.tx_failed == NOBUFS_DEAD_N + 1 && stats.errors == NOBUFS_DEAD_N + 1
                  && stats.tx_datagrams == NOBUFS_DEAD_N + 1 && stats.tx_blocked > 0
                  && stats.tx_backlog == 0,
              "tx_failed %llu, errors %llu, tx_datagrams %llu, tx_blocked %llu, tx_backlog %llu",
              (unsigned long long) stats.tx_failed, (unsigned long long) stats.errors,
              (unsigned long long) stats.tx_datagrams, (unsigned long long) stats.tx_blocked,
              (unsigned long long) stats.tx_backlog);
    s_rig_end (&rig);
    return 0;
}

static void
test_nobufs_for_good_ipv4 (void **state)
{
    (void) state;
    how_t how = { AF_INET, false };
    tu_child (s_nobufs_for_good, &how, true, NULL, 60);
}

static void
test_nobufs_for_good_ipv6_pipe (void **state)
{
    (void) state;
    how_t how = { AF_INET6, true };
    tu_child (s_nobufs_for_good, &how, true, NULL, 60);
}

//  -------------------------------------------------------------------------
//  Truncation in pipe mode (callback mode: test_roundtrip.test_truncation):
//  the event says so, the counter counts it, the Agent answers on

static void
test_truncated_ipv6_pipe (void **state)
{
    (void) state;
    asynrole_options_t options = { .pipe_mode = true, .buffer_size = 100 };
    asynrole_agent_t *agent = tu_agent_new (NULL, NULL, "[::1]:0", &options);
    void *socket = asynrole_agent_socket (agent);
    const asynrole_addr_t *local = asynrole_agent_local (agent, 0);
    asynrole_addr_t bound;
    int client = tu_client ("::1", &bound);
    uint8_t payload[200], reply[200];
    tu_fill (payload, sizeof payload, 3);
    const size_t sizes[] = { 200, 100 };
    for (int i = 0; i < 2; i++) {
        assert_int_equal (sendto (client, payload, sizes[i], 0, &local->u.sa, local->len),
                          sizes[i]);
        asynrole_event_t *event = tu_event_wait (socket, TU_TIMEOUT_MS);
        assert_non_null (event);
        const asynrole_datagram_t *datagram = asynrole_event_datagram (event);
        assert_non_null (datagram);
        assert_int_equal (datagram->size, 100);
        assert_int_equal (datagram->original_size, sizes[i]);
        assert_int_equal (datagram->flags & ASYNROLE_DGRAM_TRUNCATED,
                          i == 0 ? ASYNROLE_DGRAM_TRUNCATED : 0);
        assert_memory_equal (datagram->data, payload, 100);
        //  The Agent answers what it read
        asynrole_error_t error;
        assert_int_equal (
            asynrole_agent_send (agent, datagram->data, datagram->size, &datagram->peer, &error),
            0);
        asynrole_event_destroy (&event);
        assert_int_equal (tu_recv (client, reply, sizeof reply, TU_TIMEOUT_MS), 100);
        assert_memory_equal (reply, payload, 100);
    }
    close (client);
    asynrole_stats_t stats = tu_agent_stats (agent, 0);
    assert_int_equal (stats.truncated, 1);
    assert_int_equal (stats.rx_datagrams, 2);
    assert_int_equal (stats.rx_bytes, 300);  //  as sent
    assert_int_equal (stats.tx_datagrams, 2);
    assert_int_equal (stats.dropped + stats.errors + stats.tx_failed, 0);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  Descriptors run out under a running I/O actor. A new Agent of
//  DESCRIPTOR_IFACES interfaces on it, tried with 0, 1, 2, 4, ...
//  descriptors free, fails with ASYNROLE_ERESOURCE (EMFILE) at whichever
//  step ran out: its pipes (op PIPE), or one of the I/O actor's socket ()
//  calls (op SOCKET), leaving nothing of it at the I/O actor. (libzmq
//  closes a failed role's pipes a little later, in its reaper thread, so
//  a few more than counted may be free: with half the interfaces' worth
//  free, the pipes fit and the sockets cannot.) The Agent already there answers
//  all along; with descriptors back, a new Manager on the same I/O actor
//  works, and nothing is left open.

#define DESCRIPTOR_IFACES 64

//  The limit that leaves exactly free descriptors to open (a limit below
//  descriptors open keeps them open)
static int
s_limit_leaving (int free)
{
    int fd = 0;
    for (int left = free; fd < 65536; fd++)
        if (fcntl (fd, F_GETFD) < 0 && left-- == 0)
            break;
    return fd;
}

//  The Agent echoes one datagram from client; 0 or 1
static int
s_agent_answers (int client, const asynrole_addr_t *agent, int round)
{
    char text[16], reply[16];
    int size = snprintf (text, sizeof text, "round %d", round);
    TU_CHECK (sendto (client, text, (size_t) size, 0, &agent->u.sa, agent->len) == size,
              "sendto: %s", strerror (errno));
    TU_CHECK (tu_recv (client, reply, sizeof reply, TU_TIMEOUT_MS) == size, "no echo");
    TU_CHECK (memcmp (reply, text, (size_t) size) == 0, "a wrong echo");
    return 0;
}

//  Try the new Agent with free descriptors free (then the limit back to
//  restore): 0 made (and destroyed),
//  1 refused as it should be (by_socket: at the I/O actor's socket ()),
//  -1 wrongly (said why)
static int
s_try_agent (asynrole_io_t *io, int free, rlim_t restore, bool *by_socket)
{
    static const char *ifaces[DESCRIPTOR_IFACES];
    for (int i = 0; i < DESCRIPTOR_IFACES; i++)
        ifaces[i] = "127.0.0.1:0";
    asynrole_options_t options = { .io = io };
    asynrole_error_t error = { .code = ASYNROLE_OK };
    TU_CHECK (tu_set_nofile ((rlim_t) s_limit_leaving (free)) == 0, "setrlimit: %s",
              strerror (errno));
    asynrole_agent_t *agent =
        asynrole_agent_new (tu_agent_collect_cb, NULL, ifaces, DESCRIPTOR_IFACES, &options, &error);
    TU_CHECK (tu_set_nofile (restore) == 0, "setrlimit: %s", strerror (errno));
    asynrole_agent_destroy (&agent);
    if (error.code == ASYNROLE_OK)
        return 0;
    *by_socket = error.op == ASYNROLE_OP_SOCKET;
    if (error.code == ASYNROLE_ERESOURCE && error.sys_errno == EMFILE
        && (error.op == ASYNROLE_OP_PIPE || error.op == ASYNROLE_OP_SOCKET))
        return 1;
    fprintf (stderr, "%d descriptors free: %s / %s / %d: %s\n", free,
             asynrole_strerror (error.code), asynrole_op_name (error.op), error.sys_errno,
             error.detail);
    return -1;
}

static int
s_descriptors (void *arg)
{
    (void) arg;
    int before = tu_open_fds ();
    struct rlimit start;
    TU_CHECK (getrlimit (RLIMIT_NOFILE, &start) == 0, "getrlimit: %s", strerror (errno));
    rig_t rig;
    TU_CHECK (s_rig (&rig, "127.0.0.1:0", "127.0.0.1:0", false) == 0, "the rig");
    asynrole_manager_destroy (&rig.manager);
    asynrole_addr_t bound;
    int client = tu_udp_socket ("127.0.0.1", &bound);
    TU_CHECK (client >= 0, "a client: %s", strerror (errno));
    const asynrole_addr_t *agent = asynrole_agent_local (rig.agent, 0);
    int refused = 0, by_socket = 0, rc = 1;
    for (int free = 0; free <= 8 * DESCRIPTOR_IFACES && rc == 1; free = free ? 2 * free : 1) {
        bool socket_step = false;
        rc = s_try_agent (rig.io, free, start.rlim_cur, &socket_step);
        TU_CHECK (rc >= 0, "%d descriptors free: not the typed error", free);
        refused += rc == 1;
        by_socket += rc == 1 && socket_step;
        //  Nothing of it stays at the I/O actor, and the Agent there answers
        TU_CHECK (asynrole_io_stats (rig.io, NULL, 0, NULL) == 1, "sockets left at the I/O actor");
        TU_CHECK (s_agent_answers (client, agent, free) == 0, "the Agent, %d descriptors free",
                  free);
    }
    printf ("descriptors: %d Agents refused, %d of them at the I/O actor's socket ()\n", refused,
            by_socket);
    TU_CHECK (rc == 0, "no Agent at any limit");
    TU_CHECK (refused > 0 && by_socket > 0, "the limits crossed no step");
    //  With descriptors back, a new Manager works through the same I/O actor
    asynrole_options_t options = { .io = rig.io };
    asynrole_error_t error;
    rig.manager = asynrole_manager_new (tu_manager_collect_cb, rig.events, NULL, "127.0.0.1:0",
                                        &options, &error);
    TU_CHECK (rig.manager, "asynrole_manager_new: %s", error.detail);
    TU_CHECK (s_round_trip (&rig, "descriptors back") == 0, "the round trip");
    asynrole_stats_t stats;
    TU_CHECK (s_settled (&rig, &stats) == 0 && stats.errors == 0, "the Manager's counters");
    close (client);
    //  With the last object gone the libzmq context ended, which waits
    //  until every socket is closed: nothing may be left
    s_rig_end (&rig);
    TU_CHECK (tu_open_fds () == before, "%d descriptors open, %d before", tu_open_fds (), before);
    return 0;
}

static void
test_descriptors_exhausted (void **state)
{
    (void) state;
    tu_child (s_descriptors, NULL, false, NULL, 120);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown (test_emsgsize_ipv4, tu_teardown),
        cmocka_unit_test_teardown (test_emsgsize_ipv6_pipe, tu_teardown),
        cmocka_unit_test_teardown (test_host_unreachable_ipv4, tu_teardown),
        cmocka_unit_test_teardown (test_host_unreachable_ipv6_pipe, tu_teardown),
        cmocka_unit_test_teardown (test_net_unreachable_ipv4_pipe, tu_teardown),
        cmocka_unit_test_teardown (test_net_unreachable_ipv6, tu_teardown),
        cmocka_unit_test_teardown (test_frag_needed_ipv4_pipe, tu_teardown),
        cmocka_unit_test_teardown (test_packet_too_big_ipv6, tu_teardown),
        cmocka_unit_test_teardown (test_agent_port_unreachable_ipv4, tu_teardown),
        cmocka_unit_test_teardown (test_agent_port_unreachable_ipv6_pipe, tu_teardown),
        cmocka_unit_test_teardown (test_icmp_storm, tu_teardown),
        cmocka_unit_test_teardown (test_icmp_storm_pipe, tu_teardown),
        cmocka_unit_test_teardown (test_nobufs_retried, tu_teardown),
        cmocka_unit_test_teardown (test_nobufs_for_good_ipv4, tu_teardown),
        cmocka_unit_test_teardown (test_nobufs_for_good_ipv6_pipe, tu_teardown),
        cmocka_unit_test_teardown (test_truncated_ipv6_pipe, tu_teardown),
        cmocka_unit_test_teardown (test_descriptors_exhausted, tu_teardown),
    };
    return tu_main (tests, argc, argv);
}
