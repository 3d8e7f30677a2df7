/*  test_privileged.c - binding a privileged port without the privilege

    Run as root, main() forks before any CZMQ or asynrole call; the child
    drops to nobody (65534) and runs the tests, the parent passes on the
    child's exit status. Where unprivileged processes may bind port 161
    anyway (net.ipv4.ip_unprivileged_port_start <= 161) the test is skipped.
*/
#define _GNU_SOURCE
#include "testutil.h"
#include <errno.h>
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

static int
s_run (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown (test_privileged_port, tu_teardown),
    };
    return tu_main (tests, argc, argv);
}

int
main (int argc, char **argv)
{
    if (geteuid () != 0)
        return s_run (argc, argv);

    //  Root binds anything: test as nobody, in a child, before CZMQ starts
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
