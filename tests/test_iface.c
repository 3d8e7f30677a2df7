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
    fails with an event.
*/
#define _GNU_SOURCE
#include "testutil.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

//  The rebind interval the tests ask for
#define REBIND_MS 100

//  How long the tests watch a socket that is down for a busy loop
#define WATCH_MS 600

//  The most CPU the process may spend meanwhile (a busy loop spends it all)
#define WATCH_CPU_MS 150

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

//  CPU the process uses over WATCH_MS of waiting on nothing: the window in
//  which a busy loop would show (a measurement, not a synchronisation)
static int64_t
s_cpu_over_window (void)
{
    int64_t before = s_cpu_ms ();
    poll (NULL, 0, WATCH_MS);
    return s_cpu_ms () - before;
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

static int
s_address_away_and_back (void *arg)
{
    (void) arg;
    if (s_veth ())
        return TU_SKIP;
    tu_collector_t *events = tu_collector_new ();
    asynrole_options_t options = { .rebind_interval = REBIND_MS };
    const char *ifaces[] = { "10.9.0.1:0", "127.0.0.1:0" };
    asynrole_agent_t *agent = s_agent (events, ifaces, 2, &options);
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
    TU_CHECK (system ("ip addr del 10.9.0.1/24 dev va") == 0, "ip addr del");
    TU_CHECK (s_interface_event (s_error_event (events, 0), EADDRNOTAVAIL, &local), "down");
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
    int64_t cpu = s_cpu_over_window ();
    TU_CHECK (cpu < WATCH_CPU_MS, "%lld ms of CPU in %d ms down", (long long) cpu, WATCH_MS);
    TU_CHECK (s_stats (agent, 0).tx_failed == 1, "tx_failed");

    //  It comes back: a notice, and the same address and port serve again
    TU_CHECK (system ("ip addr add 10.9.0.1/24 dev va") == 0, "ip addr add");
    TU_CHECK (s_interface_event (s_error_event (events, 2), 0, &local), "up again");
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

static void
test_address_away_and_back (void **state)
{
    (void) state;
    tu_child (s_address_away_and_back, NULL, true, NULL, 60);
}

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

static void
test_address_pipe_mode (void **state)
{
    (void) state;
    tu_child (s_address_pipe_mode, NULL, true, NULL, 60);
}

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
    int64_t cpu = s_cpu_over_window ();
    TU_CHECK (cpu < WATCH_CPU_MS, "%lld ms of CPU in %d ms down", (long long) cpu, WATCH_MS);
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

static void
test_device_gone (void **state)
{
    (void) state;
    tu_child (s_device_gone, NULL, true, NULL, 60);
}

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
    int64_t cpu = s_cpu_over_window ();
    assert_true (cpu < WATCH_CPU_MS);
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

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_address_away_and_back, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_address_pipe_mode, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_device_gone, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_descriptor_closed, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_descriptor_replaced, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_rebind_never, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_receive_and_send_notice, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_rebind_interval_checked, tu_setup, tu_teardown),
    };
    return tu_main (tests, argc, argv);
}
