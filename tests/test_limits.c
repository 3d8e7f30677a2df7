/*  test_limits.c - at the limits: 10,000 interfaces, every descriptor limit
    from 16 to 256, and an address of 10,000 characters

    The descriptor limit of a process is the process's: those tests run in a
    child (tu_child), which sets it as it goes.
*/
#define _GNU_SOURCE
#include "testutil.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#define INTERFACES 10000

//  Raise the soft descriptor limit to at least want (the hard one too, as
//  root); false when the process may not
static bool
s_raise_nofile (rlim_t want)
{
    struct rlimit limit;
    if (getrlimit (RLIMIT_NOFILE, &limit))
        return false;
    if (limit.rlim_cur >= want)
        return true;
    if (limit.rlim_max < want)
        limit.rlim_max = want;
    limit.rlim_cur = want;
    return setrlimit (RLIMIT_NOFILE, &limit) == 0;
}

//  -------------------------------------------------------------------------
//  An Agent with 10,000 interfaces: made, used, destroyed

static int
s_ten_thousand (void *arg)
{
    (void) arg;
    if (!s_raise_nofile (INTERFACES + 1024)) {
        fprintf (stderr, "skipped: cannot raise RLIMIT_NOFILE to %d\n", INTERFACES + 1024);
        return TU_SKIP;
    }
    int fds = tu_open_fds ();
    static const char *ifaces[INTERFACES];
    for (int i = 0; i < INTERFACES; i++)
        ifaces[i] = "127.0.0.1:0";
    asynrole_error_t error;
    tu_collector_t *requests = tu_collector_new ();
    tu_collector_t *replies = tu_collector_new ();
    asynrole_agent_t *agent =
        asynrole_agent_new (tu_agent_echo_cb, requests, ifaces, INTERFACES, NULL, &error);
    TU_CHECK (agent, "asynrole_agent_new with %d interfaces: %s", INTERFACES, error.detail);
    TU_CHECK (asynrole_agent_count (agent) == INTERFACES, "%zu", asynrole_agent_count (agent));
    asynrole_manager_t *manager =
        asynrole_manager_new (tu_manager_collect_cb, replies, NULL, "127.0.0.1:0", NULL, &error);
    TU_CHECK (manager, "asynrole_manager_new: %s", error.detail);
    //  The first, one in the middle, the last: each answers from its own port
    const int used[] = { 0, INTERFACES / 2, INTERFACES - 1 };
    for (int i = 0; i < 3; i++) {
        const asynrole_addr_t *to = asynrole_agent_local (agent, (size_t) used[i]);
        TU_CHECK (asynrole_manager_send (manager, &i, sizeof i, to, &error) == 0, "send: %s",
                  error.detail);
        TU_CHECK (tu_collector_wait_datagrams (replies, (size_t) i + 1, TU_TIMEOUT_MS),
                  "no echo from interface %d", used[i]);
        const tu_event_t *request = tu_collector_datagram (requests, (size_t) i);
        const tu_event_t *reply = tu_collector_datagram (replies, (size_t) i);
        char peer[ASYNROLE_ADDR_STRLEN];
        TU_CHECK (asynrole_addr_socket (&request->peer) == used[i],
                  "request %d came in on socket %d, not %d, from %s (%zu bytes)", i,
                  asynrole_addr_socket (&request->peer), used[i], TU_FMT (&request->peer, peer),
                  request->size);
        TU_CHECK (asynrole_addr_equal (&reply->peer, to), "the reply left another socket");
    }
    static asynrole_stats_t stats[INTERFACES];
    int count = asynrole_agent_stats (agent, stats, INTERFACES, &error);
    TU_CHECK (count == INTERFACES, "stats: %d, %s", count, error.detail);
    uint64_t rx = 0;
    for (int i = 0; i < count; i++)
        rx += stats[i].rx_datagrams;
    TU_CHECK (rx == 3, "%llu read", (unsigned long long) rx);
    asynrole_manager_destroy (&manager);
    asynrole_agent_destroy (&agent);
    tu_collector_destroy (&requests);
    tu_collector_destroy (&replies);
    TU_CHECK (tu_open_fds () == fds, "%d descriptors open, %d before", tu_open_fds (), fds);
    return 0;
}

static void
test_agent_10000_interfaces (void **state)
{
    (void) state;
    //  Its 10,000 ports are a third of the ephemeral range: in the host's
    //  namespace they would catch datagrams other tests running at the same
    //  time send to a port they made sure was closed (tu_closed_port), and
    //  it would collect those. As root (CI), in a namespace of its own.
    tu_child (s_ten_thousand, NULL, geteuid () == 0, NULL, 240);
}

//  -------------------------------------------------------------------------
//  Every descriptor limit from 16 to 256: a typed error or a role, never an
//  abort, and nothing left open

//  What one attempt makes
typedef enum {
    MAKE_IO,
    MAKE_AGENT,
    MAKE_AGENT_PIPE,
    MAKE_MANAGER,
    MAKE_MANAGER_SHARED,
    MAKE_KINDS
} make_t;

//  Make one thing of kind and destroy it: 0, or -1 with error filled
static int
s_try_one (make_t kind, asynrole_error_t *error)
{
    asynrole_io_t *shared = NULL;
    if (kind == MAKE_MANAGER_SHARED)
        shared = asynrole_io_new (error);
    asynrole_options_t options = { .pipe_mode = kind == MAKE_AGENT_PIPE, .io = shared };
    const char *iface = "127.0.0.1:0";
    bool made = false;
    if (kind == MAKE_IO) {
        asynrole_io_t *io = asynrole_io_new (error);
        made = io != NULL;
        asynrole_io_destroy (&io);
    }
    else if (kind == MAKE_AGENT || kind == MAKE_AGENT_PIPE) {
        asynrole_agent_t *agent = asynrole_agent_new (
            options.pipe_mode ? NULL : tu_agent_collect_cb, NULL, &iface, 1, &options, error);
        made = agent != NULL;
        asynrole_agent_destroy (&agent);
    }
    else if (kind == MAKE_MANAGER || shared) {
        asynrole_manager_t *manager =
            asynrole_manager_new (NULL, NULL, NULL, iface, &options, error);
        made = manager != NULL;
        asynrole_manager_destroy (&manager);
    }
    asynrole_io_destroy (&shared);
    return made ? 0 : -1;
}

//  Try to make one thing at the current limit (a shared I/O object comes
//  from the caller); 0 made (and destroyed), 1 refused as it should be, -1
//  refused wrongly (said why)
static int
s_try (make_t kind, asynrole_io_t *shared)
{
    asynrole_error_t error = { .code = ASYNROLE_OK };
    int rc;
    if (kind == MAKE_MANAGER_SHARED) {
        asynrole_options_t options = { .io = shared };
        const char *iface = "127.0.0.1:0";
        asynrole_manager_t *manager =
            asynrole_manager_new (NULL, NULL, NULL, iface, &options, &error);
        rc = manager ? 0 : -1;
        asynrole_manager_destroy (&manager);
    }
    else
        rc = s_try_one (kind, &error);
    if (rc == 0)
        return 0;
    if (error.code == ASYNROLE_ERESOURCE
        && (error.sys_errno == EMFILE || error.sys_errno == ENFILE))
        return 1;
    fprintf (stderr, "kind %d: refused with %s (errno %d): %s\n", (int) kind,
             asynrole_strerror (error.code), error.sys_errno, error.detail);
    return -1;
}

//  Every descriptor open now, of any kind
static int
s_all_fds (void)
{
    DIR *dir = opendir ("/proc/self/fd");
    int count = 0;
    for (struct dirent *entry = dir ? readdir (dir) : NULL; entry; entry = readdir (dir))
        count += entry->d_name[0] != '.';
    if (dir)
        closedir (dir);
    return count - 1;  //  the directory's own
}

static int
s_sweep (void *arg)
{
    (void) arg;
    struct rlimit start;
    TU_CHECK (getrlimit (RLIMIT_NOFILE, &start) == 0, "getrlimit: %s", strerror (errno));
    int made = 0, refused = 0;
    for (rlim_t limit = 16; limit <= 256; limit++) {
        for (int kind = 0; kind < MAKE_KINDS; kind++) {
            int before = tu_open_fds ();
            //  A shared I/O object, made while descriptors are plenty
            asynrole_io_t *shared = NULL;
            if (kind == MAKE_MANAGER_SHARED) {
                asynrole_error_t error;
                shared = asynrole_io_new (&error);
                TU_CHECK (shared, "asynrole_io_new: %s", error.detail);
            }
            TU_CHECK (tu_set_nofile (limit) == 0, "setrlimit %d: %s", (int) limit,
                      strerror (errno));
            int rc = s_try ((make_t) kind, shared);
            TU_CHECK (tu_set_nofile (start.rlim_cur) == 0, "setrlimit: %s", strerror (errno));
            TU_CHECK (rc >= 0, "limit %d, kind %d: not the typed error", (int) limit, kind);
            made += rc == 0;
            refused += rc == 1;
            //  With the last object gone, the libzmq context ended, which
            //  waits until every socket is closed: nothing may be left
            asynrole_io_destroy (&shared);
            int after = tu_open_fds ();
            TU_CHECK (after == before, "limit %d, kind %d: %d descriptors open, %d before",
                      (int) limit, kind, after, before);
        }
    }
    //  And every limit just above what is open now: libzmq's own start (its
    //  poller, its reaper's mailbox) needs the first few
    for (int k = 0; k <= 40; k++)
        for (int kind = 0; kind < MAKE_KINDS; kind++) {
            if (kind == MAKE_MANAGER_SHARED)
                continue;  //  a shared I/O object would have started it already
            int before = tu_open_fds ();
            TU_CHECK (tu_set_nofile ((rlim_t) (s_all_fds () + k)) == 0, "setrlimit: %s",
                      strerror (errno));
            int rc = s_try ((make_t) kind, NULL);
            TU_CHECK (tu_set_nofile (start.rlim_cur) == 0, "setrlimit: %s", strerror (errno));
            TU_CHECK (rc >= 0, "%d above the open ones, kind %d: not the typed error", k, kind);
            made += rc == 0;
            refused += rc == 1;
            TU_CHECK (tu_open_fds () == before, "%d above, kind %d: %d descriptors open, %d before",
                      k, kind, tu_open_fds (), before);
        }
    printf ("descriptor limits: %d made, %d refused with ASYNROLE_ERESOURCE\n", made, refused);
    TU_CHECK (made > 0 && refused > 0, "the sweep crossed no limit");
    return 0;
}

static void
test_descriptor_limits (void **state)
{
    (void) state;
    tu_child (s_sweep, NULL, false, NULL, 240);
}

//  -------------------------------------------------------------------------
//  Every thread limit from 1 to 8: a typed error or a role, never an abort
//  (libzmq aborts when it cannot start its reaper thread)

static int
s_threads (void *arg)
{
    (void) arg;
    if (geteuid () != 0) {
        fprintf (stderr, "skipped: needs root, to become a user whose threads it can count\n");
        return TU_SKIP;
    }
    //  RLIMIT_NPROC does not bind root: count as nobody
    TU_CHECK (setgid (65534) == 0 && setuid (65534) == 0, "setuid: %s", strerror (errno));
    prctl (PR_SET_DUMPABLE, 1, 0, 0, 0);
    struct rlimit start;
    TU_CHECK (getrlimit (RLIMIT_NPROC, &start) == 0, "getrlimit: %s", strerror (errno));
    int made = 0, refused = 0;
    for (rlim_t limit = 1; limit <= 8; limit++)
        for (int kind = 0; kind < MAKE_KINDS; kind++) {
            if (kind == MAKE_MANAGER_SHARED)
                continue;
            struct rlimit lower = { .rlim_cur = limit, .rlim_max = start.rlim_max };
            TU_CHECK (setrlimit (RLIMIT_NPROC, &lower) == 0, "setrlimit: %s", strerror (errno));
            asynrole_error_t error = { .code = ASYNROLE_OK };
            int rc = s_try_one ((make_t) kind, &error);
            TU_CHECK (setrlimit (RLIMIT_NPROC, &start) == 0, "setrlimit: %s", strerror (errno));
            TU_CHECK (rc == 0 || (error.code == ASYNROLE_ERESOURCE && error.sys_errno == EAGAIN),
                      "%d threads, kind %d: %s (%d)", (int) limit, kind, error.detail,
                      error.sys_errno);
            made += rc == 0;
            refused += rc != 0;
        }
    printf ("thread limits 1..8: %d made, %d refused with ASYNROLE_ERESOURCE\n", made, refused);
    TU_CHECK (refused > 0, "no limit was low enough to refuse");
    return 0;
}

static void
test_thread_limits (void **state)
{
    (void) state;
    tu_child (s_threads, NULL, false, NULL, 120);
}

//  -------------------------------------------------------------------------
//  A 10,000-character address: the reason first, the input shortened

static void
test_long_address_detail (void **state)
{
    (void) state;
    static char text[10001];
    memset (text, '1', sizeof text - 1);
    text[sizeof text - 1] = 0;
    asynrole_addr_t addr;
    asynrole_error_t error;
    assert_int_equal (asynrole_addr_parse (&addr, text, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    //  The reason leads; the input comes shortened, with its length
    assert_true (strncmp (error.detail, "missing ':port'", 15) == 0);
    assert_non_null (strstr (error.detail, "(10000 characters)"));
    assert_true (strlen (error.detail) < ASYNROLE_DETAIL_MAX - 1);
    //  The same through a role's constructor
    const char *ifaces[] = { text };
    assert_null (asynrole_agent_new (tu_agent_collect_cb, NULL, ifaces, 1, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_non_null (strstr (error.detail, "(10000 characters)"));
    //  A host part too long for a name
    text[9990] = ':';
    assert_int_equal (asynrole_addr_resolve (&addr, text, &error), -1);
    assert_true (strncmp (error.detail, "host too long", 13) == 0);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown (test_agent_10000_interfaces, tu_teardown),
        cmocka_unit_test_teardown (test_descriptor_limits, tu_teardown),
        cmocka_unit_test_teardown (test_thread_limits, tu_teardown),
        cmocka_unit_test_teardown (test_long_address_detail, tu_teardown),
    };
    return tu_main (tests, argc, argv);
}
