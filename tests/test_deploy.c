/*  test_deploy.c - sockets as users deploy them: replies from the address
    a request came to, adopted descriptors, devices, shared ports, dual
    stack, buffer sizes, source filters and rate limits (capture files:
    test_capture_roles.c)
*/
#define _GNU_SOURCE
#include "testutil.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

//  -------------------------------------------------------------------------
//  Helpers

static void
s_assert_ip (const asynrole_addr_t *addr, const char *ip)
{
    char text[ASYNROLE_ADDR_STRLEN];
    TU_FMT (addr, text);
    char wanted[ASYNROLE_ADDR_STRLEN];
    snprintf (wanted, sizeof wanted, strchr (ip, ':') ? "[%s]:" : "%s:", ip);
    if (strncmp (text, wanted, strlen (wanted)))
        fail_msg ("expected an address of %s, got %s", ip, text);
}

//  -------------------------------------------------------------------------
//  Replies from the address asked

//  Send text from fd to ip:port and wait for it back; from: where it came
//  from. Reports with TU_CHECK (s_replies_from runs in tu_child's bodies
//  too), saying what the Agent saw when no answer came.
static int
s_ask (int fd, const char *ip, uint16_t port, asynrole_agent_t *agent, asynrole_addr_t *from)
{
    char where[ASYNROLE_ADDR_STRLEN];
    snprintf (where, sizeof where, strchr (ip, ':') ? "[%s]:%u" : "%s:%u", ip, port);
    asynrole_addr_t to;
    asynrole_error_t error;
    TU_CHECK (asynrole_addr_parse (&to, where, &error) == 0, "%s: %s", where, error.detail);
    const char text[] = "where from?";
    TU_CHECK (sendto (fd, text, strlen (text), 0, &to.u.sa, to.len) == (ssize_t) strlen (text),
              "sendto %s: %s", where, strerror (errno));
    struct pollfd item = { .fd = fd, .events = POLLIN };
    if (poll (&item, 1, TU_TIMEOUT_MS) != 1) {
        asynrole_stats_t stats[8];
        int count = asynrole_agent_stats (agent, stats, 8, &error);
        TU_CHECK (false, "no answer from %s in %d ms (the Agent read %llu, sent %llu)", where,
                  TU_TIMEOUT_MS, count > 0 ? (unsigned long long) stats[0].rx_datagrams : 0ULL,
                  count > 0 ? (unsigned long long) stats[0].tx_datagrams : 0ULL);
    }
    char buf[256];
    from->len = sizeof from->u;
    ssize_t size = recvfrom (fd, buf, sizeof buf, 0, &from->u.sa, &from->len);
    TU_CHECK (size == (ssize_t) strlen (text) && !memcmp (buf, text, strlen (text)),
              "the answer from %s is not what was asked (%zd bytes)", where, size);
    return 0;
}

//  Is addr's IP ip? (TU_CHECK style)
static int
s_check_ip (const asynrole_addr_t *addr, const char *ip)
{
    char text[ASYNROLE_ADDR_STRLEN];
    TU_FMT (addr, text);
    char wanted[ASYNROLE_ADDR_STRLEN];
    snprintf (wanted, sizeof wanted, strchr (ip, ':') ? "[%s]:" : "%s:", ip);
    TU_CHECK (!strncmp (text, wanted, strlen (wanted)), "expected an address of %s, got %s", ip,
              text);
    return 0;
}

//  Each ask is answered from the address asked, which is the request's
//  local address; 0, or 1 with the reason on stderr
static int
s_replies_from (const char *wildcard, const char *const *asked, size_t count, const char *client_ip,
                const asynrole_options_t *options)
{
    tu_collector_t *events = tu_collector_new ();
    asynrole_error_t error;
    asynrole_agent_t *agent =
        asynrole_agent_new (tu_agent_reply_cb, events, &wildcard, 1, options, &error);
    TU_CHECK (agent, "asynrole_agent_new %s: %s", wildcard, error.detail);
    uint16_t port = asynrole_addr_port (asynrole_agent_local (agent, 0));
    asynrole_addr_t bound;
    int fd = tu_udp_socket (client_ip, &bound);
    int rc = fd >= 0 ? 0 : 1;
    if (rc)
        fprintf (stderr, "a client on %s: %s\n", client_ip, strerror (errno));
    for (size_t i = 0; i < count && rc == 0; i++) {
        asynrole_addr_t from;
        rc = s_ask (fd, asked[i], port, agent, &from) || s_check_ip (&from, asked[i]);
        if (rc == 0 && asynrole_addr_port (&from) != port)
            rc = fprintf (stderr, "answered from port %u, not %u\n", asynrole_addr_port (&from),
                          port)
                > 0;
        //  The request's local address is the one asked
        if (rc == 0 && !tu_collector_wait_datagrams (events, i + 1, TU_TIMEOUT_MS))
            rc = fprintf (stderr, "request %zu never collected\n", i) > 0;
        const tu_event_t *request = rc ? NULL : tu_collector_datagram (events, i);
        rc = rc || s_check_ip (&request->local, asked[i]);
        if (rc == 0 && request->echo_rc != 0)
            rc = fprintf (stderr, "the reply failed: %s\n", request->echo_error.detail) > 0;
    }
    if (fd >= 0)
        close (fd);
    asynrole_agent_destroy (&agent);
    tu_collector_destroy (&events);
    return rc;
}

static void
test_reply_from_asked_ipv4 (void **state)
{
    (void) state;
    const char *asked[] = { "127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.2" };
    assert_int_equal (s_replies_from ("0.0.0.0:0", asked, 4, "127.0.0.1", NULL), 0);
}

static void
test_reply_from_asked_ipv6 (void **state)
{
    (void) state;
    const char *asked[] = { "::1" };
    assert_int_equal (s_replies_from ("[::]:0", asked, 1, "::1", NULL), 0);
}

//  A dual-stack socket: IPv4 peers as plain IPv4 addresses, replies from
//  the IPv4 address asked
static void
test_dual_stack (void **state)
{
    (void) state;
    asynrole_options_t options = { .dual_stack = true };
    const char *asked[] = { "127.0.0.2", "127.0.0.1" };
    assert_int_equal (s_replies_from ("[::]:0", asked, 2, "127.0.0.1", &options), 0);
    const char *asked6[] = { "::1" };
    assert_int_equal (s_replies_from ("[::]:0", asked6, 1, "::1", &options), 0);

    //  Peers show as IPv4; a send to an IPv4 address goes through the IPv6 socket
    tu_collector_t *events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_collect_cb, events, "[::]:0", &options);
    uint16_t port = asynrole_addr_port (asynrole_agent_local (agent, 0));
    asynrole_addr_t bound;
    int fd = tu_client ("127.0.0.1", &bound);
    char to[64];
    snprintf (to, sizeof to, "127.0.0.1:%u", port);
    asynrole_addr_t agent_addr = tu_addr (to);
    assert_int_equal (sendto (fd, "v4", 2, 0, &agent_addr.u.sa, agent_addr.len), 2);
    assert_true (tu_collector_wait_datagrams (events, 1, TU_TIMEOUT_MS));
    const tu_event_t *got = tu_collector_datagram (events, 0);
    assert_int_equal (asynrole_addr_family (&got->peer), AF_INET);
    assert_true (tu_same_ip (&got->peer, &bound));
    asynrole_error_t error;
    if (asynrole_agent_send (agent, "back", 4, &bound, &error))
        fail_msg ("send: %s", error.detail);
    struct pollfd item = { .fd = fd, .events = POLLIN };
    assert_int_equal (poll (&item, 1, TU_TIMEOUT_MS), 1);
    char buf[8];
    assert_int_equal (recv (fd, buf, sizeof buf, 0), 4);
    close (fd);
    tu_agent_destroy (&agent);

    //  V6ONLY by default: no IPv4 destination for an IPv6 socket
    agent = tu_agent_new (tu_agent_collect_cb, events, "[::]:0", NULL);
    assert_int_equal (asynrole_agent_send (agent, "x", 1, &bound, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    tu_agent_destroy (&agent);
}

//  Two addresses on a link of a namespace of the test's own (root only)
static int
s_two_addresses (void *arg)
{
    (void) arg;
    if (system ("ip -6 addr add fd00:a::1/128 dev lo nodad && ip -6 addr add fd00:a::2/128 dev lo "
                "nodad && ip addr add 10.77.0.1/32 dev lo && ip addr add 10.77.0.2/32 dev lo"))
        return TU_SKIP;
    //  The IPv6 addresses take their local routes a moment later (tu_route.c)
    const char *asked6[] = { "fd00:a::1", "fd00:a::2", "::1" };
    for (size_t i = 0; i < 3; i++)
        TU_CHECK (tu_wait_local (asked6[i], TU_TIMEOUT_MS), "%s is not local", asked6[i]);
    TU_CHECK (s_replies_from ("[::]:0", asked6, 3, "fd00:a::1", NULL) == 0, "IPv6");
    const char *asked4[] = { "10.77.0.2", "10.77.0.1" };
    for (size_t i = 0; i < 2; i++)
        TU_CHECK (tu_wait_local (asked4[i], TU_TIMEOUT_MS), "%s is not local", asked4[i]);
    TU_CHECK (s_replies_from ("0.0.0.0:0", asked4, 2, "10.77.0.1", NULL) == 0, "IPv4");
    return 0;
}

static void
test_reply_from_asked_netns (void **state)
{
    (void) state;
    tu_child (s_two_addresses, NULL, true, NULL, 60);
}

//  A request to a broadcast address is answered from the interface's own
//  address: no datagram may leave from a broadcast address
static void
test_reply_to_broadcast (void **state)
{
    (void) state;
    tu_collector_t *events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_reply_cb, events, "0.0.0.0:0", NULL);
    uint16_t port = asynrole_addr_port (asynrole_agent_local (agent, 0));
    asynrole_addr_t bound;
    int fd = tu_client ("127.0.0.1", &bound);
    int on = 1;
    assert_int_equal (setsockopt (fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on), 0);
    asynrole_addr_t from = tu_ask (fd, "127.255.255.255", port, "anyone?");
    s_assert_ip (&from, "127.0.0.1");
    assert_true (tu_collector_wait_datagrams (events, 1, TU_TIMEOUT_MS));
    assert_int_equal (tu_collector_datagram (events, 0)->echo_rc, 0);
    assert_int_equal (tu_collector_errors (events), 0);
    close (fd);
    tu_agent_destroy (&agent);
}

//  A plain send from a wildcard socket names no source; a reply to a
//  request that did not say where it arrived leaves as a plain send
static void
test_reply_without_local (void **state)
{
    (void) state;
    tu_collector_t *events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_collect_cb, events, "0.0.0.0:0", NULL);
    uint16_t port = asynrole_addr_port (asynrole_agent_local (agent, 0));
    asynrole_addr_t bound;
    int fd = tu_client ("127.0.0.1", &bound);
    bound.via = 1;
    asynrole_datagram_t made_up = { .data = (const uint8_t *) "r", .size = 1, .peer = bound };
    asynrole_error_t error;
    assert_int_equal (asynrole_agent_reply (agent, &made_up, "r", 1, &error), 0);
    struct pollfd item = { .fd = fd, .events = POLLIN };
    assert_int_equal (poll (&item, 1, TU_TIMEOUT_MS), 1);
    asynrole_addr_t from = { .len = sizeof from.u };
    char buf[4];
    assert_int_equal (recvfrom (fd, buf, sizeof buf, 0, &from.u.sa, &from.len), 1);
    assert_int_equal (asynrole_addr_port (&from), port);
    close (fd);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  Adopted descriptors

static void
test_adopt_descriptor (void **state)
{
    (void) state;
    asynrole_addr_t bound;
    int fd = tu_client ("127.0.0.1", &bound);
    char iface[32];
    snprintf (iface, sizeof iface, "fd:%d", fd);
    tu_collector_t *events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_reply_cb, events, iface, NULL);
    //  The role has a copy: ours may close now
    assert_int_equal (close (fd), 0);
    assert_true (asynrole_addr_equal (asynrole_agent_local (agent, 0), &bound));
    asynrole_addr_t client_bound;
    int client = tu_client ("127.0.0.1", &client_bound);
    asynrole_addr_t from = tu_ask (client, "127.0.0.1", asynrole_addr_port (&bound), "adopted");
    assert_true (asynrole_addr_equal (&from, &bound));
    //  An adopted socket keeps its buffer size unless asked
    asynrole_stats_t stats = tu_agent_stats (agent, 0);
    assert_true (stats.rcvbuf > 0);
    assert_true (stats.rcvbuf < 2 * ASYNROLE_DEFAULT_AGENT_RCVBUF);
    tu_agent_destroy (&agent);

    //  A Manager adopts too
    fd = tu_client ("127.0.0.1", &bound);
    snprintf (iface, sizeof iface, "fd:%d", fd);
    asynrole_manager_t *manager = tu_manager_new (tu_manager_collect_cb, events, NULL, iface, NULL);
    assert_true (asynrole_addr_equal (asynrole_manager_local (manager), &bound));
    tu_manager_destroy (&manager);
    //  The caller's descriptor stays open and usable
    assert_true (fcntl (fd, F_GETFD) >= 0);
    close (fd);
    close (client);
}

static void
s_expect_adopt_refused_with (const char *iface, const asynrole_options_t *options, int sys_errno,
                             const char *words)
{
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    tu_collector_t *events = tu_collector_new ();
    const char *ifaces[] = { iface };
    asynrole_agent_t *agent =
        asynrole_agent_new (tu_agent_collect_cb, events, ifaces, 1, options, &error);
    if (agent)
        asynrole_agent_destroy (&agent);
    assert_null (agent);
    if (error.code != ASYNROLE_EBADARG || (sys_errno && error.sys_errno != sys_errno)
        || !strstr (error.detail, words))
        fail_msg ("%s: expected EBADARG (errno %d, '%s'), got code %d errno %d: %s", iface,
                  sys_errno, words, error.code, error.sys_errno, error.detail);
}

static void
s_expect_adopt_refused (const char *iface, int sys_errno, const char *words)
{
    s_expect_adopt_refused_with (iface, NULL, sys_errno, words);
}

static void
test_adopt_refused (void **state)
{
    (void) state;
    char iface[32];
    int fds_before = tu_open_fds ();
    //  Not open
    s_expect_adopt_refused ("fd:999", EBADF, "not open");
    s_expect_adopt_refused ("fd:x", 0, "not a descriptor number");
    s_expect_adopt_refused ("fd:", 0, "not a descriptor number");
    //  Not a socket
    int file = open ("/dev/null", O_RDONLY | O_CLOEXEC);
    snprintf (iface, sizeof iface, "fd:%d", file);
    s_expect_adopt_refused (iface, ENOTSOCK, "not a socket");
    //  Not UDP
    int tcp = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    snprintf (iface, sizeof iface, "fd:%d", tcp);
    s_expect_adopt_refused (iface, EPROTOTYPE, "not a UDP socket");
    //  Another family
    int unix_fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    snprintf (iface, sizeof iface, "fd:%d", unix_fd);
    s_expect_adopt_refused (iface, EAFNOSUPPORT, "not an IPv4 or IPv6 socket");
    //  Not bound
    int unbound = socket (AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    snprintf (iface, sizeof iface, "fd:%d", unbound);
    s_expect_adopt_refused (iface, EDESTADDRREQ, "not bound");
    //  Bound without the options asked for, which come too late after bind
    asynrole_addr_t bound;
    int plain = tu_client ("127.0.0.1", &bound);
    snprintf (iface, sizeof iface, "fd:%d", plain);
    asynrole_options_t reuse = { .reuse_port = true };
    s_expect_adopt_refused_with (iface, &reuse, 0, "without SO_REUSEPORT");
    int v6only = socket (AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int on = 1;
    assert_int_equal (setsockopt (v6only, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on), 0);
    asynrole_addr_t loopback = tu_addr ("[::1]:0");
    assert_int_equal (bind (v6only, &loopback.u.sa, loopback.len), 0);
    snprintf (iface, sizeof iface, "fd:%d", v6only);
    asynrole_options_t dual = { .dual_stack = true };
    s_expect_adopt_refused_with (iface, &dual, 0, "IPV6_V6ONLY");
    //  An IPv4 socket has no dual stack to lack
    snprintf (iface, sizeof iface, "fd:%d", plain);
    tu_collector_t *events = tu_collector_new ();
    const char *ifaces[] = { iface };
    asynrole_agent_t *agent = tu_agent_new_n (tu_agent_collect_cb, events, ifaces, 1, &dual);
    tu_agent_destroy (&agent);
    //  None of ours was closed, none of the copies left open
    assert_true (fcntl (file, F_GETFD) >= 0 && fcntl (tcp, F_GETFD) >= 0
                 && fcntl (unix_fd, F_GETFD) >= 0 && fcntl (unbound, F_GETFD) >= 0
                 && fcntl (plain, F_GETFD) >= 0 && fcntl (v6only, F_GETFD) >= 0);
    close (file);
    close (tcp);
    close (unix_fd);
    close (unbound);
    close (plain);
    close (v6only);
    assert_int_equal (tu_open_fds (), fds_before);
}

//  systemd's socket activation: LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES
static void
test_systemd_sockets (void **state)
{
    (void) state;
    //  Descriptors 3 and 4 as systemd passes them: move two sockets there
    asynrole_addr_t bound[2];
    int made[2] = { tu_client ("127.0.0.1", &bound[0]), tu_client ("::1", &bound[1]) };
    for (int i = 0; i < 2; i++) {
        int high = fcntl (made[i], F_DUPFD_CLOEXEC, 200);
        assert_true (high >= 200);
        close (made[i]);
        made[i] = high;
    }
    //  Whatever held 3 and 4 (if anything) is put aside, and back at the end
    int saved[2] = { fcntl (3, F_DUPFD_CLOEXEC, 200), fcntl (4, F_DUPFD_CLOEXEC, 200) };
    for (int i = 0; i < 2; i++) {
        assert_int_equal (dup3 (made[i], 3 + i, O_CLOEXEC), 3 + i);
        close (made[i]);
    }
    char pid[16];
    snprintf (pid, sizeof pid, "%d", getpid ());
    setenv ("LISTEN_PID", pid, 1);
    setenv ("LISTEN_FDS", "2", 1);
    setenv ("LISTEN_FDNAMES", "snmp:snmp6", 1);

    int fds[4];
    asynrole_error_t error;
    assert_int_equal (asynrole_listen_fds (NULL, fds, 4, &error), 2);
    assert_int_equal (fds[0], 3);
    assert_int_equal (fds[1], 4);
    assert_int_equal (asynrole_listen_fds ("snmp6", fds, 4, &error), 1);
    assert_int_equal (fds[0], 4);
    assert_int_equal (asynrole_listen_fds ("trap", fds, 4, &error), 0);
    assert_int_equal (asynrole_listen_fds (NULL, NULL, 4, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);

    const char *ifaces[] = { "systemd:snmp", "systemd:snmp6" };
    tu_collector_t *events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new_n (tu_agent_reply_cb, events, ifaces, 2, NULL);
    assert_true (asynrole_addr_equal (asynrole_agent_local (agent, 0), &bound[0]));
    assert_true (asynrole_addr_equal (asynrole_agent_local (agent, 1), &bound[1]));
    tu_agent_destroy (&agent);
    s_expect_adopt_refused ("systemd:trap", 0, "not one");

    //  For another process, or none at all
    setenv ("LISTEN_PID", "1", 1);
    assert_int_equal (asynrole_listen_fds (NULL, fds, 4, &error), -1);
    assert_non_null (strstr (error.detail, "not this one"));
    setenv ("LISTEN_PID", "x1", 1);
    assert_int_equal (asynrole_listen_fds (NULL, fds, 4, &error), -1);
    unsetenv ("LISTEN_PID");
    unsetenv ("LISTEN_FDS");
    unsetenv ("LISTEN_FDNAMES");
    assert_int_equal (asynrole_listen_fds (NULL, fds, 4, &error), -1);
    assert_non_null (strstr (error.detail, "unset"));
    s_expect_adopt_refused ("systemd:snmp", 0, "unset");
    for (int i = 0; i < 2; i++) {
        close (3 + i);
        if (saved[i] >= 0) {
            dup3 (saved[i], 3 + i, 0);
            close (saved[i]);
        }
    }
}

//  -------------------------------------------------------------------------
//  Devices, shared ports, buffers

static void
test_bind_to_device (void **state)
{
    (void) state;
    asynrole_options_t options = { .device = "lo" };
    tu_collector_t *events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_reply_cb, events, "127.0.0.1:0", &options);
    asynrole_addr_t bound;
    int fd = tu_client ("127.0.0.1", &bound);
    tu_ask (fd, "127.0.0.1", asynrole_addr_port (asynrole_agent_local (agent, 0)), "lo");
    close (fd);
    tu_agent_destroy (&agent);

    //  No such device: named in a typed error
    options.device = "nosuchdev0";
    asynrole_error_t error;
    const char *ifaces[] = { "127.0.0.1:0" };
    agent = asynrole_agent_new (tu_agent_collect_cb, events, ifaces, 1, &options, &error);
    assert_null (agent);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (error.op, ASYNROLE_OP_DEVICE);
    assert_int_equal (error.sys_errno, ENODEV);
    assert_non_null (strstr (error.detail, "nosuchdev0"));
    //  A name too long for a device, or empty
    options.device = "a-name-far-too-long-for-a-device";
    agent = asynrole_agent_new (tu_agent_collect_cb, events, ifaces, 1, &options, &error);
    assert_null (agent);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    options.device = "";
    agent = asynrole_agent_new (tu_agent_collect_cb, events, ifaces, 1, &options, &error);
    assert_null (agent);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
}

//  Two Agents on one port: both bound, the kernel spreads sources between
//  them, and when one goes the other takes every datagram
static void
test_reuse_port (void **state)
{
    (void) state;
    asynrole_options_t options = { .reuse_port = true };
    tu_collector_t *first_events = tu_collector_new ();
    tu_collector_t *second_events = tu_collector_new ();
    asynrole_agent_t *first =
        tu_agent_new (tu_agent_reply_cb, first_events, "127.0.0.1:0", &options);
    char iface[64];
    tu_agent_text (first, 0, iface, sizeof iface);
    asynrole_agent_t *second = tu_agent_new (tu_agent_reply_cb, second_events, iface, &options);
    uint16_t port = asynrole_addr_port (asynrole_agent_local (first, 0));
    assert_int_equal (asynrole_addr_port (asynrole_agent_local (second, 0)), port);
    //  Many sources: each one's datagrams go to one Agent, chosen by hash
    enum {
        SOURCES = 64
    };
    int clients[SOURCES];
    for (int i = 0; i < SOURCES; i++) {
        asynrole_addr_t bound;
        clients[i] = tu_client ("127.0.0.1", &bound);
        tu_ask (clients[i], "127.0.0.1", port, "spread");
    }
    size_t a = tu_collector_datagrams (first_events), b = tu_collector_datagrams (second_events);
    print_message ("reuse_port: %zu and %zu of %d sources\n", a, b, SOURCES);
    assert_int_equal (a + b, SOURCES);
    assert_true (a > 0 && b > 0);
    //  The first goes: the second serves every source, without a gap
    tu_agent_destroy (&first);
    for (int i = 0; i < SOURCES; i++) {
        tu_ask (clients[i], "127.0.0.1", port, "still");
        close (clients[i]);
    }
    assert_int_equal (tu_collector_datagrams (second_events), b + SOURCES);
    tu_agent_destroy (&second);

    //  Without the option the port is taken
    first = tu_agent_new (tu_agent_reply_cb, first_events, "127.0.0.1:0", NULL);
    tu_agent_text (first, 0, iface, sizeof iface);
    const char *ifaces[] = { iface };
    asynrole_error_t error;
    second = asynrole_agent_new (tu_agent_reply_cb, second_events, ifaces, 1, NULL, &error);
    assert_null (second);
    assert_int_equal (error.sys_errno, EADDRINUSE);
    tu_agent_destroy (&first);
}

//  Agents ask for 4 MiB (past the system's cap as root); the size granted
//  is in the stats; -1 leaves the kernel's default
static void
test_receive_buffer (void **state)
{
    (void) state;
    tu_collector_t *events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_collect_cb, events, "127.0.0.1:0", NULL);
    asynrole_stats_t stats = tu_agent_stats (agent, 0);
    int probe = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int kernel_default = 0;
    socklen_t size = sizeof kernel_default;
    assert_int_equal (getsockopt (probe, SOL_SOCKET, SO_RCVBUF, &kernel_default, &size), 0);
    close (probe);
    print_message ("rcvbuf: granted %llu (kernel default %d)\n", (unsigned long long) stats.rcvbuf,
                   kernel_default);
    assert_true (stats.rcvbuf > (uint64_t) kernel_default);
    if (geteuid () == 0)
        //  The kernel doubles what it is asked for, to count its overhead
        assert_int_equal (stats.rcvbuf, 2 * ASYNROLE_DEFAULT_AGENT_RCVBUF);
    assert_true (stats.sndbuf > 0);
    tu_agent_destroy (&agent);

    asynrole_options_t options = { .rcvbuf = -1 };
    agent = tu_agent_new (tu_agent_collect_cb, events, "127.0.0.1:0", &options);
    stats = tu_agent_stats (agent, 0);
    assert_int_equal (stats.rcvbuf, (uint64_t) kernel_default);
    tu_agent_destroy (&agent);

    options.rcvbuf = 256 * 1024;
    agent = tu_agent_new (tu_agent_collect_cb, events, "127.0.0.1:0", &options);
    stats = tu_agent_stats (agent, 0);
    assert_true (stats.rcvbuf >= 256 * 1024);
    tu_agent_destroy (&agent);

    //  A Manager keeps the kernel's default
    asynrole_manager_t *manager =
        tu_manager_new (tu_manager_collect_cb, events, NULL, "127.0.0.1:0", NULL);
    stats = tu_manager_stats (manager);
    assert_int_equal (stats.rcvbuf, (uint64_t) kernel_default);
    tu_manager_destroy (&manager);

    options.rcvbuf = -2;
    const char *ifaces[] = { "127.0.0.1:0" };
    asynrole_error_t error;
    assert_null (asynrole_agent_new (tu_agent_collect_cb, events, ifaces, 1, &options, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
}

//  -------------------------------------------------------------------------
//  Source filters and rate limits

typedef struct {
    size_t datagrams;   //  delivered
    uint64_t filtered;  //  reported dropped by the filter
    uint64_t limited;   //  reported dropped by the rate limit
} tally_t;

//  Count what the collector holds: datagrams, and drops by reason
static tally_t
s_tally (tu_collector_t *events)
{
    tally_t tally = { 0 };
    for (size_t i = 0; i < tu_collector_count (events); i++) {
        const tu_event_t *event = tu_collector_get (events, i);
        if (!event->is_error)
            tally.datagrams++;
        else if (event->error.code == ASYNROLE_EDROPPED && event->error.op == ASYNROLE_OP_FILTER)
            tally.filtered += event->error.count;
        else if (event->error.code == ASYNROLE_EDROPPED
                 && event->error.op == ASYNROLE_OP_RATE_LIMIT)
            tally.limited += event->error.count;
        else
            fail_msg ("an unexpected error event: %s", event->error.detail);
    }
    return tally;
}

//  Send n datagrams of text from a socket bound to ip to 127.0.0.1:port
static void
s_send_from (const char *ip, uint16_t port, int n, const char *text)
{
    asynrole_addr_t bound;
    int fd = tu_client (ip, &bound);
    char where[64];
    snprintf (where, sizeof where, "127.0.0.1:%u", port);
    asynrole_addr_t to = tu_addr (where);
    for (int i = 0; i < n; i++)
        assert_int_equal (sendto (fd, text, strlen (text), 0, &to.u.sa, to.len),
                          (ssize_t) strlen (text));
    close (fd);
}

static void
s_burst (const char *ip, uint16_t port, int n)
{
    s_send_from (ip, port, n, "b");
}

//  A marker from ip, which nothing stops, sent last: once it is delivered,
//  everything sent before it was read, and every drop notice came before it
static void
s_marker (tu_collector_t *events, const char *ip, uint16_t port)
{
    size_t seen = tu_collector_count (events);
    s_send_from (ip, port, 1, "marker");
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    while (true) {
        size_t count = tu_collector_count (events);
        for (; seen < count; seen++) {
            const tu_event_t *event = tu_collector_get (events, seen);
            if (!event->is_error && event->size == 6 && !memcmp (event->data, "marker", 6))
                return;
        }
        int left = (int) (deadline - tu_now ());
        if (left <= 0 || !tu_collector_wait (events, count + 1, left))
            fail_msg ("the marker from %s did not come", ip);
    }
}

static void
test_source_filter (void **state)
{
    (void) state;
    const char *allow[] = { "127.0.0.0/29", "10.0.0.0/8" };
    const char *deny[] = { "127.0.0.2", "127.0.0.4/31" };
    asynrole_filter_t filter = { .allow = allow, .allow_count = 2, .deny = deny, .deny_count = 2 };
    asynrole_options_t options = { .filter = &filter };
    tu_collector_t *events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_collect_cb, events, "127.0.0.1:0", &options);
    uint16_t port = asynrole_addr_port (asynrole_agent_local (agent, 0));
    s_burst ("127.0.0.1", port, 3);  //  allowed
    s_burst ("127.0.0.2", port, 4);  //  denied
    s_burst ("127.0.0.3", port, 5);  //  allowed
    s_burst ("127.0.0.5", port, 6);  //  denied (127.0.0.4/31)
    s_burst ("127.0.0.8", port, 7);  //  not allowed (past 127.0.0.0/29)
    s_marker (events, "127.0.0.1", port);
    tally_t tally = s_tally (events);
    assert_int_equal (tally.datagrams, 3 + 5 + 1);
    assert_int_equal (tally.filtered, 4 + 6 + 7);
    asynrole_stats_t stats = tu_agent_stats (agent, 0);
    assert_int_equal (stats.filtered, 4 + 6 + 7);
    assert_int_equal (stats.rate_limited, 0);
    assert_int_equal (stats.rx_datagrams, 3 + 4 + 5 + 6 + 7 + 1);
    //  Delivered and counted drops add up to what was read
    assert_int_equal (stats.rx_datagrams, tally.datagrams + stats.filtered + stats.dropped);

    //  No filter at all: the denied come through
    asynrole_error_t error;
    assert_int_equal (asynrole_agent_set_filter (agent, NULL, &error), 0);
    s_burst ("127.0.0.2", port, 2);
    s_marker (events, "127.0.0.8", port);
    assert_int_equal (s_tally (events).datagrams, tally.datagrams + 2 + 1);

    //  Bad prefixes: named, the filter in place unchanged
    const char *bad[] = { "10.0.0.1/8" };
    asynrole_filter_t wrong = { .allow = bad, .allow_count = 1 };
    assert_int_equal (asynrole_agent_set_filter (agent, &wrong, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_non_null (strstr (error.detail, "10.0.0.1/8"));
    asynrole_filter_t listless = { .deny_count = 3 };
    assert_int_equal (asynrole_agent_set_filter (agent, &listless, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    asynrole_filter_t burst_only = { .burst = 3 };
    assert_int_equal (asynrole_agent_set_filter (agent, &burst_only, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    tu_agent_destroy (&agent);

    //  At creation, a bad filter fails the Agent
    const char *ifaces[] = { "127.0.0.1:0" };
    options.filter = &wrong;
    assert_null (asynrole_agent_new (tu_agent_collect_cb, events, ifaces, 1, &options, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
}

static void
test_rate_limit (void **state)
{
    (void) state;
    //  One per second after a burst of 5: a run of 40 gets 5 or 6 through
    asynrole_filter_t filter = { .rate = 1, .burst = 5 };
    asynrole_options_t options = { .filter = &filter };
    tu_collector_t *events = tu_collector_new ();
    asynrole_manager_t *manager =
        tu_manager_new (tu_manager_collect_cb, events, NULL, "127.0.0.1:0", &options);
    uint16_t port = asynrole_addr_port (asynrole_manager_local (manager));
    int64_t start = tu_now_us ();
    s_burst ("127.0.0.2", port, 40);
    s_burst ("127.0.0.3", port, 40);
    s_burst ("127.0.0.2", port, 10);
    int64_t seconds = (tu_now_us () - start) / 1000000;
    //  The marker's source has its own bucket
    s_marker (events, "127.0.0.9", port);
    tally_t tally = s_tally (events);
    asynrole_stats_t stats = tu_manager_stats (manager);
    print_message ("rate limit: %zu through, %llu limited in %lld s\n", tally.datagrams,
                   (unsigned long long) tally.limited, (long long) seconds);
    assert_int_equal (tally.datagrams + tally.limited, 91);
    assert_int_equal (stats.rate_limited, tally.limited);
    assert_true (tally.datagrams >= 5 + 5 + 1);
    assert_true (tally.datagrams <= (size_t) (5 + 5 + 1 + 2 * (seconds + 1)));
    assert_int_equal (stats.filtered, 0);
    tu_manager_destroy (&manager);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_reply_from_asked_ipv4, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_reply_from_asked_ipv6, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_dual_stack, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_reply_from_asked_netns, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_reply_without_local, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_reply_to_broadcast, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_adopt_descriptor, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_adopt_refused, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_systemd_sockets, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_bind_to_device, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_reuse_port, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_receive_buffer, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_source_filter, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_rate_limit, tu_setup, tu_teardown),
    };
    return tu_run (tests, sizeof tests / sizeof tests[0], argc, argv);
}
