/*  test_privileged.c - binding a privileged port without the privilege

    Run as root, main() forks before any CZMQ or asynrole call; the child
    drops to nobody (65534) and runs the tests, the parent passes on the
    child's exit status. Where unprivileged processes may bind port 161
    anyway (net.ipv4.ip_unprivileged_port_start <= 161) the test is skipped.
*/
#define _GNU_SOURCE
#include "testutil.h"
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PRIVILEGED_PORT 161

//  The lowest port an unprivileged process may bind, or -1 if unknown
static int
s_unprivileged_port_start (void)
{
    FILE *file = fopen ("/proc/sys/net/ipv4/ip_unprivileged_port_start", "r");
    if (!file)
        return -1;
    int port = -1;
    if (fscanf (file, "%d", &port) != 1)
        port = -1;
    fclose (file);
    return port;
}

static void
test_privileged_port (void **state)
{
    (void) state;
    assert_int_not_equal (geteuid (), 0);
    int start = s_unprivileged_port_start ();
    if (start >= 0 && start <= PRIVILEGED_PORT) {
        char why[128];
        snprintf (why, sizeof why,
                  "net.ipv4.ip_unprivileged_port_start is %d, so anyone may bind port %d here",
                  start, PRIVILEGED_PORT);
        tu_skip (why);
    }
    const char *ifaces[] = { "127.0.0.1:161" };
    tu_collector_t *events = tu_collector_new ();
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    asynrole_agent_t *agent =
        asynrole_agent_new (tu_agent_collect_cb, events, ifaces, 1, NULL, &error);
    if (agent)
        asynrole_agent_destroy (&agent);
    assert_null (agent);
    if (error.code != ASYNROLE_ENETWORK || error.op != ASYNROLE_OP_BIND
        || error.sys_errno != EACCES)
        fail_msg ("expected bind EACCES, got code %d op %d errno %d (%s)", error.code, error.op,
                  error.sys_errno, error.detail);
    if (!strstr (error.detail, "127.0.0.1:161"))
        fail_msg ("detail '%s' does not name 127.0.0.1:161", error.detail);
    asynrole_addr_t wanted = tu_addr ("127.0.0.1:161");
    assert_true (asynrole_addr_equal (&error.address, &wanted));
    assert_true (asynrole_error_is_network (&error));

    //  The default interface is that same privileged address
    memset (&error, 0, sizeof error);
    agent = asynrole_agent_new (tu_agent_collect_cb, events, NULL, 0, NULL, &error);
    if (agent)
        asynrole_agent_destroy (&agent);
    assert_null (agent);
    assert_int_equal (error.sys_errno, EACCES);
    assert_non_null (strstr (error.detail, "127.0.0.1:161"));

    //  A privileged port among free ones: nothing is bound
    asynrole_addr_t free_port = tu_closed_port (AF_INET);
    char free_text[ASYNROLE_ADDR_STRLEN];
    TU_FMT (&free_port, free_text);
    const char *two[] = { free_text, "127.0.0.1:161" };
    memset (&error, 0, sizeof error);
    agent = asynrole_agent_new (tu_agent_collect_cb, events, two, 2, NULL, &error);
    if (agent)
        asynrole_agent_destroy (&agent);
    assert_null (agent);
    assert_int_equal (error.sys_errno, EACCES);
    assert_true (tu_can_bind (&free_port));
}

//  Port 161, bound by root before the fork (-1 when not run as root)
static int s_bound_as_root = -1;

//  The deployment way: bound as root, then served as nobody
static int
s_bind_as_root (void)
{
    int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (PRIVILEGED_PORT) };
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    if (fd >= 0 && bind (fd, (struct sockaddr *) &addr, sizeof addr) == 0)
        return fd;
    if (fd >= 0)
        close (fd);
    return -1;
}

static void
s_reply_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
            const asynrole_error_t *error)
{
    (void) ctx;
    (void) error;
    if (datagram)
        asynrole_agent_reply (agent, datagram, datagram->data, datagram->size, NULL);
}

static bool
s_readable_fd (int fd, int timeout_ms)
{
    struct pollfd item = { .fd = fd, .events = POLLIN };
    return poll (&item, 1, timeout_ms) == 1;
}

static void
test_adopt_privileged_port (void **state)
{
    (void) state;
    if (s_bound_as_root < 0)
        tu_skip ("not run as root, or port 161 was taken: nothing bound before dropping privilege");
    assert_int_not_equal (geteuid (), 0);
    char iface[32];
    snprintf (iface, sizeof iface, "fd:%d", s_bound_as_root);
    const char *ifaces[] = { iface };
    asynrole_error_t error;
    asynrole_agent_t *agent = asynrole_agent_new (s_reply_cb, NULL, ifaces, 1, NULL, &error);
    if (!agent)
        fail_msg ("adopting %s: %s", iface, error.detail);
    asynrole_addr_t wanted = tu_addr ("127.0.0.1:161");
    assert_true (asynrole_addr_equal (asynrole_agent_local (agent, 0), &wanted));
    asynrole_addr_t bound;
    int client = tu_udp_socket ("127.0.0.1", &bound);
    assert_true (client >= 0);
    assert_int_equal (sendto (client, "priv", 4, 0, &wanted.u.sa, wanted.len), 4);
    assert_true (s_readable_fd (client, TU_TIMEOUT_MS));
    char buf[8];
    assert_int_equal (recv (client, buf, sizeof buf, 0), 4);
    close (client);
    asynrole_agent_destroy (&agent);
}

static int
s_run (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown (test_privileged_port, tu_teardown),
        cmocka_unit_test_teardown (test_adopt_privileged_port, tu_teardown),
    };
    return tu_main (tests, argc, argv);
}

int
main (int argc, char **argv)
{
    if (geteuid () != 0)
        return s_run (argc, argv);

    //  Root binds anything: test as nobody, in a child, before CZMQ starts;
    //  the port the child adopts is bound here, as a service does
    //  (only for the case that adopts it: cases run in processes of their own,
    //  maybe at once)
    bool adopting = argc < 2 || strcmp (argv[1], "test_adopt_privileged_port") == 0;
    s_bound_as_root = adopting ? s_bind_as_root () : -1;
    if (s_bound_as_root >= 0) {
        int high = fcntl (s_bound_as_root, F_DUPFD_CLOEXEC, 100);
        close (s_bound_as_root);
        s_bound_as_root = high;
    }
    fflush (stdout);
    fflush (stderr);
    pid_t pid = fork ();
    if (pid < 0) {
        perror ("fork");
        return 1;
    }
    if (pid == 0) {
        if (setgroups (0, NULL) || setgid (65534) || setuid (65534)) {
            perror ("dropping privilege");
            _exit (1);
        }
        if (getuid () == 0 || geteuid () == 0) {
            fprintf (stderr, "still root after setuid\n");
            _exit (1);
        }
        //  Changing credentials made us undumpable, which keeps the leak
        //  checker from attaching to our threads at exit
        prctl (PR_SET_DUMPABLE, 1, 0, 0, 0);
        exit (s_run (argc, argv));
    }
    int status = 0;
    while (waitpid (pid, &status, 0) < 0) {
        if (errno != EINTR) {
            perror ("waitpid");
            return 1;
        }
    }
    if (WIFEXITED (status))
        return WEXITSTATUS (status);
    fprintf (stderr, "test child died of signal %d\n",
             WIFSIGNALED (status) ? WTERMSIG (status) : 0);
    return 1;
}
