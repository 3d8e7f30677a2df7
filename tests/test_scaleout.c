/*  test_scaleout.c - Agent workers and remote Managers across processes and
    simulated hosts (asynrole_remote.h, issue 14)

    The workers are examples/worker (ASYNROLE_WORKER_PATH) in processes of
    their own, run under ASYNROLE_PEER_WRAPPER (valgrind in that build);
    hosts are network namespaces the test makes (root), joined by veth
    pairs in a star: "a" (the Agent's or the server's host) with a /30 to
    "w1" and one to "w2", whose default routes go through "a":

        w1 (10.77.1.2) --- (10.77.1.1) a (10.77.2.1) --- (10.77.2.2) w2

    Every case runs its body in a child (tu_child): a body that enters a
    namespace takes the whole process with it (libzmq's I/O thread makes
    the tcp:// connections in the namespace of the thread that made it),
    and a body that fails leaves no worker behind (they die with it,
    PR_SET_PDEATHSIG). The namespaces are named per test run and removed
    by the teardown whatever happened.

    Sizes and deadlines scale down / up under TSan and valgrind (s_slow).
*/
#define _GNU_SOURCE
#include "testutil.h"
#include "load.h"
#include "asynrole_remote.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef ASYNROLE_WORKER_PATH
#error "ASYNROLE_WORKER_PATH: the path of the built examples/worker (CMakeLists.txt)"
#endif

#if defined(__SANITIZE_THREAD__)
#define S_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define S_TSAN 1
#endif
#endif

//  How much slower than an ASan build this run is: the valgrind wrapper
//  (ASYNROLE_PEER_DEADLINE_SCALE > 1 or ASYNROLE_PEER_WRAPPER set) 20, TSan
//  5; sizes are divided by it, deadlines multiplied by s_scale
static int
s_slow (void)
{
    const char *wrapper = getenv ("ASYNROLE_PEER_WRAPPER");
    const char *scale = getenv ("ASYNROLE_PEER_DEADLINE_SCALE");
    if ((wrapper && *wrapper) || (scale && atoi (scale) > 1))
        return 20;
#ifdef S_TSAN
    return 5;
#else
    return 1;
#endif
}

static int
s_scale (void)
{
    const char *scale = getenv ("ASYNROLE_PEER_DEADLINE_SCALE");
    int value = scale ? atoi (scale) : 1;
    value = value >= 1 && value <= 50 ? value : 1;
#ifdef S_TSAN
    value = value < 3 ? 3 : value;
#endif
    return value;
}

//  A wait's deadline, scaled
#define S_WAIT (TU_TIMEOUT_MS * s_scale ())

//  Every end's heartbeat, scaled: a peer is gone after three of them
//  silent (1.5 s in an ASan build), long enough for a worker starved of
//  CPU on a busy 2-core machine, short enough for the killed one to be
//  found well within S_WAIT
#define S_HEARTBEAT (500 * s_scale ())

//  -------------------------------------------------------------------------
//  Worker processes

#define S_PROCS 8
#define S_TEXT 65536

typedef struct {
    pid_t pid;          //  0: this slot is free
    int out;            //  the read end of its stdout; -1 once at EOF
    int pidfd;          //  readable once it exited
    char text[S_TEXT];  //  what it printed so far
    size_t len;
    bool reaped;
    int status;  //  waitpid's, once reaped
} s_proc_t;

static s_proc_t s_procs[S_PROCS];

//  Start examples/worker with args (NULL-terminated) in netns (NULL: this
//  process's), under ASYNROLE_PEER_WRAPPER; NULL when it cannot
static s_proc_t *
s_spawn (const char *netns, const char *const *args)
{
    s_proc_t *proc = NULL;
    for (size_t i = 0; i < S_PROCS && !proc; i++)
        if (!s_procs[i].pid)
            proc = &s_procs[i];
    static char wrapper[1024];
    const char *argv[64];
    size_t argc = 0;
    const char *words = getenv ("ASYNROLE_PEER_WRAPPER");
    snprintf (wrapper, sizeof wrapper, "%s", words ? words : "");
    char *save = NULL;
    for (char *word = strtok_r (wrapper, " ", &save); word && argc < 40;
         word = strtok_r (NULL, " ", &save))
        argv[argc++] = word;
    argv[argc++] = ASYNROLE_WORKER_PATH;
    for (size_t i = 0; args[i] && argc < 63; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    int ns = -1, fds[2];
    if (netns) {
        char path[256];
        snprintf (path, sizeof path, "/run/netns/%s", netns);
        ns = open (path, O_RDONLY | O_CLOEXEC);
    }
    if (!proc || (netns && ns < 0) || pipe2 (fds, O_CLOEXEC)) {
        if (ns >= 0)
            close (ns);
        return NULL;
    }
    memset (proc, 0, sizeof *proc);
    pid_t parent = getpid ();
    fflush (stdout);
    fflush (stderr);
    pid_t pid = fork ();
    if (pid == 0) {
        //  Only system calls between fork and exec: other threads may
        //  hold locks
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        if (getppid () != parent || (ns >= 0 && setns (ns, CLONE_NEWNET))
            || dup2 (fds[1], STDOUT_FILENO) < 0)
            _exit (127);
        sigset_t none;
        sigemptyset (&none);
        sigprocmask (SIG_SETMASK, &none, NULL);
        execvp (argv[0], (char *const *) argv);
        _exit (127);
    }
    close (fds[1]);
    if (ns >= 0)
        close (ns);
    if (pid < 0) {
        close (fds[0]);
        return NULL;
    }
    proc->pid = pid;
    proc->out = fds[0];
    proc->pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
    return proc;
}

//  Read what proc printed until its output holds needle (NULL: until EOF)
//  or timeout_ms passed; true when it does (or EOF came)
static bool
s_proc_read (s_proc_t *proc, const char *needle, int timeout_ms)
{
    int64_t deadline = tu_now () + timeout_ms;
    //  Bounded: each turn reads something, or the output ended, or the
    //  deadline passed
    for (int i = 0; i < 100000; i++) {
        if (needle && strstr (proc->text, needle))
            return true;
        if (proc->out < 0)
            return !needle;
        int64_t left = deadline - tu_now ();
        struct pollfd item = { .fd = proc->out, .events = POLLIN };
        if (left <= 0 || poll (&item, 1, (int) left) != 1)
            return false;
        if (proc->len + 1 >= S_TEXT)  //  keep the second half
            memmove (proc->text, proc->text + S_TEXT / 2, proc->len -= S_TEXT / 2);
        ssize_t got = read (proc->out, proc->text + proc->len, S_TEXT - 1 - proc->len);
        if (got <= 0) {
            close (proc->out);
            proc->out = -1;
        }
        else
            proc->len += (size_t) got;
        proc->text[proc->len] = 0;
    }
    return false;
}

//  Wait for proc's end (its pidfd) and reap it; false past timeout_ms
static bool
s_proc_reap (s_proc_t *proc, int timeout_ms)
{
    if (proc->reaped || !proc->pid)
        return true;
    struct pollfd item = { .fd = proc->pidfd, .events = POLLIN };
    if (proc->pidfd >= 0 && poll (&item, 1, timeout_ms) != 1)
        return false;
    while (waitpid (proc->pid, &proc->status, 0) < 0 && errno == EINTR)
        ;
    proc->reaped = true;
    return true;
}

//  Forget proc: SIGKILL if it still runs, reap, close
static void
s_proc_free (s_proc_t *proc)
{
    if (!proc->pid)
        return;
    if (!proc->reaped) {
        kill (proc->pid, SIGKILL);
        s_proc_reap (proc, 60000);
    }
    if (proc->out >= 0)
        close (proc->out);
    if (proc->pidfd >= 0)
        close (proc->pidfd);
    memset (proc, 0, sizeof *proc);
}

static void
s_procs_free (void)
{
    for (size_t i = 0; i < S_PROCS; i++)
        s_proc_free (&s_procs[i]);
}

//  SIGTERM, its output to the end, its exit; true when it exited 0
static bool
s_proc_stop (s_proc_t *proc)
{
    kill (proc->pid, SIGTERM);
    bool ended = s_proc_read (proc, NULL, S_WAIT) && s_proc_reap (proc, S_WAIT);
    if (!ended || !WIFEXITED (proc->status) || WEXITSTATUS (proc->status)) {
        fprintf (stderr, "worker %d did not end well (status 0x%x); it printed:\n%s\n",
                 (int) proc->pid, proc->status, proc->text);
        return false;
    }
    return true;
}

//  The count of its last "handled N" line; -1 when none
static long long
s_proc_handled (const s_proc_t *proc)
{
    long long handled = -1;
    for (const char *at = strstr (proc->text, "handled "); at; at = strstr (at + 1, "handled "))
        handled = atoll (at + 8);
    return handled;
}

//  A worker on endpoint named name with credit, cost and echo, plus extra
//  arguments (NULL-terminated list, may be NULL)
static s_proc_t *
s_worker (const char *netns, const char *endpoint, const char *name, int credit, int cost_us,
          const char *const *extra)
{
    char credit_text[16], cost_text[16], beat[16];
    snprintf (credit_text, sizeof credit_text, "%d", credit);
    snprintf (cost_text, sizeof cost_text, "%d", cost_us);
    snprintf (beat, sizeof beat, "%d", S_HEARTBEAT);
    const char *args[32] = { endpoint,    "--echo",    "--name",  name,          "--credit",
                             credit_text, "--cost-us", cost_text, "--heartbeat", beat };
    size_t count = 10;
    for (size_t i = 0; extra && extra[i] && count < 31; i++)
        args[count++] = extra[i];
    return s_spawn (netns, args);
}

//  -------------------------------------------------------------------------
//  Network namespaces: the star of the header

static char s_ns[3][32];  //  "a", "w1", "w2", named per test run
static bool s_ns_made;

static int
s_sh (const char *format, ...)
{
    char command[1024];
    va_list args;
    va_start (args, format);
    vsnprintf (command, sizeof command, format, args);
    va_end (args);
    int rc = system (command);
    if (rc)
        fprintf (stderr, "'%s' failed (%d)\n", command, rc);
    return rc;
}

static void
s_netns_remove (void)
{
    for (size_t i = 0; s_ns_made && i < 3; i++) {
        char command[128];
        snprintf (command, sizeof command, "ip netns del %s 2>/dev/null", s_ns[i]);
        if (system (command)) {
        }  //  not made, or gone already
    }
    s_ns_made = false;
}

//  Remove the namespaces of earlier runs whose process is gone (one that
//  CTest killed at its TIMEOUT had no teardown)
static void
s_netns_remove_stale (void)
{
    FILE *list = popen ("ip netns list 2>/dev/null", "r");
    char line[256];
    for (int i = 0; list && i < 10000 && fgets (line, sizeof line, list); i++) {
        int pid = 0, end = 0;
        char name[64];
        if (sscanf (line, "asr%d%63s%n", &pid, name, &end) != 2 || pid <= 0
            || (strcmp (name, "a") && strcmp (name, "w1") && strcmp (name, "w2"))
            || kill (pid, 0) == 0 || errno != ESRCH)
            continue;
        char command[128];
        snprintf (command, sizeof command, "ip netns del asr%d%s 2>/dev/null", pid, name);
        if (system (command)) {
        }  //  another run removed it meanwhile
    }
    if (list)
        pclose (list);
}

//  Make the star; 0, or TU_SKIP when this host cannot (not root, no ip)
static int
s_netns_make (void)
{
    const char *suffix[3] = { "a", "w1", "w2" };
    for (size_t i = 0; i < 3; i++)
        snprintf (s_ns[i], sizeof s_ns[i], "asr%d%s", (int) getpid (), suffix[i]);
    if (geteuid () != 0 || system ("ip netns list >/dev/null 2>&1"))
        return TU_SKIP;
    s_netns_remove_stale ();
    s_ns_made = true;
    const char *a = s_ns[0];
    //  A host where root cannot make named namespaces (a container that may
    //  not mount /run/netns) is one that cannot run these cases: a skip,
    //  which CI (ASYNROLE_REQUIRE_ALL) turns into a failure
    if (s_sh ("ip netns add %s && ip -n %s link set lo up", s_ns[0], s_ns[0]))
        return TU_SKIP;  //  (a chroot: ip -n cannot make / a slave mount)
    for (size_t i = 1; i < 3; i++)
        if (s_sh ("ip netns add %s && ip -n %s link set lo up", s_ns[i], s_ns[i]))
            return 1;
    for (int w = 1; w <= 2; w++)
        if (s_sh ("ip -n %s link add w%d type veth peer name eth0 netns %s"
                  " && ip -n %s addr add 10.77.%d.1/30 dev w%d && ip -n %s link set dev w%d up"
                  " && ip -n %s addr add 10.77.%d.2/30 dev eth0"
                  " && ip -n %s link set dev eth0 up && ip -n %s route add default via 10.77.%d.1",
                  a, w, s_ns[w], a, w, w, a, w, s_ns[w], w, s_ns[w], s_ns[w], w))
            return 1;
    return 0;
}

//  Enter namespace name (the whole process: a child's body before it
//  makes anything); 0 or -1
static int
s_enter (const char *name)
{
    char path[256];
    snprintf (path, sizeof path, "/run/netns/%s", name);
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    int rc = fd >= 0 ? setns (fd, CLONE_NEWNET) : -1;
    if (fd >= 0)
        close (fd);
    return rc;
}

//  A plain UDP socket bound to ip:0 in namespace netns: made by a thread
//  that enters it (a socket stays in the namespace it was made in)
typedef struct {
    const char *netns, *ip;
    asynrole_addr_t bound;
    int fd;
} s_socket_in_t;

static void *
s_socket_in_run (void *arg)
{
    s_socket_in_t *self = arg;
    self->fd = s_enter (self->netns) ? -1 : tu_udp_socket (self->ip, &self->bound);
    return NULL;
}

static int
s_socket_in (const char *netns, const char *ip)
{
    s_socket_in_t self = { .netns = netns, .ip = ip, .fd = -1 };
    pthread_t thread;
    if (pthread_create (&thread, NULL, s_socket_in_run, &self))
        return -1;
    pthread_join (thread, NULL);
    return self.fd;
}

static int
s_teardown (void **state)
{
    s_procs_free ();
    s_netns_remove ();
    return tu_teardown (state);
}

//  Run body in a child in the star's namespaces (made here, removed by the
//  teardown)
static void
s_in_star (int (*body) (void *arg), void *arg, int timeout_s)
{
    int rc = s_netns_make ();
    if (rc == TU_SKIP)
        tu_skip ("needs root, iproute2 and a host where ip netns add works");
    assert_int_equal (rc, 0);
    tu_child (body, arg, false, NULL, timeout_s * s_scale ());
}

//  -------------------------------------------------------------------------
//  The workers actor's events, and an echo run through it

static void
s_on_event (void *ctx, const asynrole_error_t *event)
{
    tu_collector_add ((tu_collector_t *) ctx, NULL, event, 0, NULL);
}

//  Events of code so far, and the sum of their counts
static size_t
s_events (tu_collector_t *events, asynrole_code_t code, uint64_t *counts)
{
    size_t n = 0;
    const tu_event_t *event;
    for (size_t i = 0; (event = tu_collector_error (events, i)); i++)
        //  Joins are notices of op ASYNROLE_OP_REMOTE (not the Agent's own)
        if (event->error.code == code
            && (code != ASYNROLE_OK || event->error.op == ASYNROLE_OP_REMOTE)) {
            n++;
            if (counts)
                *counts += event->error.count;
        }
    return n;
}

//  Print the events (a failure's context)
static void
s_print_events (tu_collector_t *events)
{
    const tu_event_t *event;
    for (size_t i = 0; (event = tu_collector_error (events, i)); i++)
        fprintf (stderr, "  event %zu: %s (op %d, count %llu): %s\n", i,
                 asynrole_strerror (event->error.code), (int) event->error.op,
                 (unsigned long long) event->error.count, event->error.detail);
}

//  Wait until n events of code are in (peers joined: ASYNROLE_OK, left
//  or lost: ASYNROLE_EDISCONNECTED)
static bool
s_wait_events (tu_collector_t *events, asynrole_code_t code, size_t n, int timeout_ms)
{
    int64_t deadline = tu_now () + timeout_ms;
    //  Bounded: each turn sees one more event, or the deadline
    for (int i = 0; i < 100000; i++) {
        if (s_events (events, code, NULL) >= n)
            return true;
        int64_t left = deadline - tu_now ();
        if (left <= 0
            || !tu_collector_wait_errors (events, tu_collector_errors (events) + 1, (int) left))
            break;
    }
    return s_events (events, code, NULL) >= n;
}

static bool
s_same (const asynrole_addr_t *a, const asynrole_addr_t *b)
{
    return tu_same_ip (a, b) && asynrole_addr_port (a) == asynrole_addr_port (b);
}

#define S_ECHO_SIZE 64

//  Send count numbered datagrams from fd, the i-th to to[i % tos], with at
//  most window unanswered, and check every answer: it carries what was
//  sent, once, and comes from the address it went to. 0, or 1 (printed).
static int
s_echo_run (int fd, const asynrole_addr_t *to, size_t tos, size_t count, size_t window)
{
    static uint8_t seen[100000];
    TU_CHECK (count <= sizeof seen, "count %zu", count);
    memset (seen, 0, count);
    size_t sent = 0, answered = 0;
    uint8_t data[S_ECHO_SIZE];
    memset (data, 0x5a, sizeof data);
    //  Bounded: each turn has an answer or fails
    while (answered < count) {
        for (; sent < count && sent - answered < window; sent++) {
            const asynrole_addr_t *dest = &to[sent % tos];
            uint64_t seq = sent;
            memcpy (data, &seq, 8);
            TU_CHECK (sendto (fd, data, sizeof data, 0, &dest->u.sa, dest->len) == sizeof data,
                      "sendto: %s", strerror (errno));
        }
        struct pollfd item = { .fd = fd, .events = POLLIN };
        TU_CHECK (poll (&item, 1, S_WAIT) == 1, "no answer in %d ms: %zu of %zu answered", S_WAIT,
                  answered, count);
        uint8_t reply[S_ECHO_SIZE + 1];
        asynrole_addr_t from;
        memset (&from, 0, sizeof from);
        from.len = sizeof from.u;
        ssize_t got = recvfrom (fd, reply, sizeof reply, 0, &from.u.sa, &from.len);
        uint64_t seq;
        memcpy (&seq, reply, 8);
        TU_CHECK (got == S_ECHO_SIZE && !memcmp (reply + 8, data + 8, S_ECHO_SIZE - 8),
                  "an answer of %zd bytes, not the datagram's", got);
        TU_CHECK (seq < sent && !seen[seq], "answer %llu: never sent, or twice",
                  (unsigned long long) seq);
        char where[ASYNROLE_ADDR_STRLEN], asked[ASYNROLE_ADDR_STRLEN];
        TU_CHECK (s_same (&from, &to[seq % tos]), "answer %llu came from %s, not %s",
                  (unsigned long long) seq, TU_FMT (&from, where), TU_FMT (&to[seq % tos], asked));
        seen[seq] = 1;
        answered++;
    }
    return 0;
}

//  An Agent's counters summed over its sockets
static int
s_agent_sum (asynrole_agent_t *agent, asynrole_stats_t *sum)
{
    asynrole_stats_t stats[4];
    asynrole_error_t error;
    int count = asynrole_agent_stats (agent, stats, 4, &error);
    TU_CHECK (count > 0 && count <= 4, "agent stats: %s", error.detail);
    memset (sum, 0, sizeof *sum);
    for (int i = 0; i < count; i++) {
        sum->rx_datagrams += stats[i].rx_datagrams;
        sum->tx_datagrams += stats[i].tx_datagrams;
        sum->dropped += stats[i].dropped;
        sum->filtered += stats[i].filtered;
        sum->rate_limited += stats[i].rate_limited;
        sum->kernel_dropped += stats[i].kernel_dropped;
        sum->tx_failed += stats[i].tx_failed;
        sum->paused += stats[i].paused;
    }
    return 0;
}

static int
s_workers_stats (asynrole_workers_t *workers, asynrole_remote_stats_t *stats)
{
    asynrole_error_t error;
    TU_CHECK (asynrole_workers_stats (workers, stats, &error) == 0, "workers stats: %s",
              error.detail);
    return 0;
}

//  The workers actor's record of the worker named name (connected, or the
//  latest of those gone)
static int
s_worker_info (asynrole_workers_t *workers, const char *name, asynrole_worker_info_t *info)
{
    static asynrole_worker_info_t list[ASYNROLE_WORKERS_GONE + 16];
    asynrole_error_t error;
    int count = asynrole_workers_list (workers, list, ASYNROLE_WORKERS_GONE + 16, &error);
    TU_CHECK (count >= 0, "workers list: %s", error.detail);
    for (int i = 0; i < count && i < ASYNROLE_WORKERS_GONE + 16; i++)
        if (!strcmp (list[i].name, name)) {
            *info = list[i];
            return 0;
        }
    TU_CHECK (false, "no record of worker %s among %d", name, count);
    return 1;
}

//  Stop the workers (SIGTERM: each says BYE once its callbacks are over),
//  wait until the workers actor saw them leave, and check the account of
//  an echo run of count datagrams: every one handed, done and answered,
//  every worker took a share
static int
s_echo_account (asynrole_workers_t *workers, tu_collector_t *events, s_proc_t **procs,
                const char *const *names, size_t count, size_t total)
{
    long long handled = 0;
    for (size_t i = 0; i < count; i++) {
        TU_CHECK (s_proc_stop (procs[i]), "worker %zu's end", i);
        long long own = s_proc_handled (procs[i]);
        TU_CHECK (own > 0, "worker %zu took no share: %s", i, procs[i]->text);
        handled += own;
    }
    TU_CHECK (s_wait_events (events, ASYNROLE_EDISCONNECTED, count, S_WAIT), "the workers left");
    asynrole_remote_stats_t stats;
    TU_CHECK (s_workers_stats (workers, &stats) == 0, "stats");
    TU_CHECK (stats.datagrams == total && stats.done == total && stats.replies == total,
              "handed %llu, done %llu, replies %llu of %zu", (unsigned long long) stats.datagrams,
              (unsigned long long) stats.done, (unsigned long long) stats.replies, total);
    TU_CHECK (stats.lost_datagrams == 0 && stats.dropped == 0 && stats.replies_failed == 0,
              "lost %llu, dropped %llu, replies failed %llu",
              (unsigned long long) stats.lost_datagrams, (unsigned long long) stats.dropped,
              (unsigned long long) stats.replies_failed);
    TU_CHECK (stats.joined == count && stats.left == count && stats.lost == 0,
              "joined %llu, left %llu, lost %llu", (unsigned long long) stats.joined,
              (unsigned long long) stats.left, (unsigned long long) stats.lost);
    TU_CHECK (handled == (long long) total, "the workers handled %lld of %zu", handled, total);
    printf ("%zu datagrams answered by %zu worker processes:", total, count);
    for (size_t i = 0; i < count; i++)
        printf (" %s handled %lld", names[i], s_proc_handled (procs[i]));
    printf ("\n");
    for (size_t i = 0; i < count; i++) {
        asynrole_worker_info_t info;
        TU_CHECK (s_worker_info (workers, names[i], &info) == 0, "%s's record", names[i]);
        TU_CHECK (!info.connected && info.done == (uint64_t) s_proc_handled (procs[i])
                      && info.datagrams == info.done && info.lost_datagrams == 0,
                  "%s: done %llu, handed %llu, lost %llu; it handled %lld", names[i],
                  (unsigned long long) info.done, (unsigned long long) info.datagrams,
                  (unsigned long long) info.lost_datagrams, s_proc_handled (procs[i]));
    }
    return 0;
}

//  -------------------------------------------------------------------------
//  a. Workers as separate processes over tcp://127.0.0.1:*

static int
s_body_processes (void *arg)
{
    (void) arg;
    tu_collector_t *events = tu_collector_new ();
    asynrole_options_t options = { .pipe_mode = true };
    const char *ifaces[] = { "127.0.0.1:0", "127.0.0.2:0" };
    asynrole_error_t error;
    asynrole_agent_t *agent = asynrole_agent_new (NULL, NULL, ifaces, 2, &options, &error);
    TU_CHECK (agent, "agent: %s", error.detail);
    asynrole_remote_options_t remote = { .heartbeat = S_HEARTBEAT,
                                         .on_event = s_on_event,
                                         .event_ctx = events };
    asynrole_workers_t *workers =
        asynrole_workers_new (agent, "tcp://127.0.0.1:*", NULL, NULL, &remote, &error);
    TU_CHECK (workers, "workers: %s", error.detail);
    const char *endpoint = asynrole_workers_endpoint (workers);
    TU_CHECK (endpoint && strncmp (endpoint, "tcp://127.0.0.1:", 16) == 0, "endpoint %s",
              endpoint ? endpoint : "NULL");
    s_proc_t *procs[2] = { s_worker (NULL, endpoint, "w1", 16, 0, NULL),
                           s_worker (NULL, endpoint, "w2", 16, 0, NULL) };
    TU_CHECK (procs[0] && procs[1], "two workers started");
    TU_CHECK (s_wait_events (events, ASYNROLE_OK, 2, S_WAIT), "two workers joined");

    asynrole_addr_t to[2] = { *asynrole_agent_local (agent, 0), *asynrole_agent_local (agent, 1) };
    asynrole_addr_t bound;
    int fd = tu_udp_socket ("127.0.0.1", &bound);
    TU_CHECK (fd >= 0, "a sender");
    size_t total = s_slow () >= 20 ? 400 : 2000;
    int rc = s_echo_run (fd, to, 2, total, 16);
    close (fd);
    TU_CHECK (rc == 0, "the echo run");
    const char *names[] = { "w1", "w2" };
    TU_CHECK (s_echo_account (workers, events, procs, names, 2, total) == 0, "the account");
    asynrole_stats_t sum;
    TU_CHECK (s_agent_sum (agent, &sum) == 0, "agent stats");
    TU_CHECK (sum.rx_datagrams == total && sum.tx_datagrams == total,
              "the Agent read %llu and sent %llu", (unsigned long long) sum.rx_datagrams,
              (unsigned long long) sum.tx_datagrams);
    asynrole_workers_destroy (&workers);
    asynrole_agent_destroy (&agent);
    tu_collector_destroy (&events);
    s_procs_free ();
    return 0;
}

static void
test_workers_processes (void **state)
{
    (void) state;
    tu_child (s_body_processes, NULL, false, NULL, 60 * s_scale ());
}

//  -------------------------------------------------------------------------
//  b. Across hosts: the Agent in "a", workers in "w1" and "w2"

typedef struct {
    bool curve;  //  CURVE keys (and two workers that must be refused), else insecure
} s_hosts_t;

//  The keys of the CURVE case: the server's, a client's in curve_allow,
//  and a stranger's
typedef struct {
    char server_public[41], server_secret[41];
    char client_public[41], client_secret[41];
    char other_public[41], other_secret[41];
} s_keys_t;

static int
s_keys_make (s_keys_t *keys)
{
    asynrole_error_t error;
    TU_CHECK (asynrole_remote_keypair (keys->server_public, keys->server_secret, &error) == 0
                  && asynrole_remote_keypair (keys->client_public, keys->client_secret, &error) == 0
                  && asynrole_remote_keypair (keys->other_public, keys->other_secret, &error) == 0,
              "keys: %s", error.detail);
    return 0;
}

//  A worker's CURVE arguments: the server's key, its own pair
static void
s_key_args (const char **args, const char *server, const char *public_key, const char *secret)
{
    const char *list[] = { "--server-key", server, "--public-key", public_key, "--secret-key",
                           secret,         NULL };
    memcpy (args, list, sizeof list);
}

//  The workers actor on tcp://10.77.1.1:* (its veth address, off
//  loopback): with CURVE (an allow list of one), or in clear (insecure);
//  neither is refused
static int
s_hosts_bind (const s_hosts_t *self, asynrole_agent_t *agent, tu_collector_t *events,
              const s_keys_t *keys, asynrole_workers_t **workers)
{
    static const char *allow[1];
    allow[0] = keys->client_public;
    asynrole_remote_options_t remote = { .heartbeat = S_HEARTBEAT,
                                         .on_event = s_on_event,
                                         .event_ctx = events };
    if (self->curve) {
        remote.curve_public_key = keys->server_public;
        remote.curve_secret_key = keys->server_secret;
        remote.curve_allow = allow;
        remote.curve_allow_count = 1;
    }
    else
        remote.insecure = true;
    asynrole_remote_options_t plain = { .heartbeat = S_HEARTBEAT };
    asynrole_error_t error;
    asynrole_workers_t *refused =
        asynrole_workers_new (agent, "tcp://10.77.1.1:*", NULL, NULL, &plain, &error);
    TU_CHECK (!refused && error.code == ASYNROLE_EBADARG, "tcp:// off loopback in clear");
    *workers = asynrole_workers_new (agent, "tcp://10.77.1.1:*", NULL, NULL, &remote, &error);
    TU_CHECK (*workers, "workers: %s", error.detail);
    return 0;
}

//  The refused: a worker whose key pair is not in curve_allow (the
//  stranger, in w1), one holding the wrong server key (in w2). Their
//  handshakes fail; the stranger's denials are counted (no event says
//  so: the stats are asked, waiting on the events between asks); then
//  they stop, having had nothing.
static int
s_hosts_refused (asynrole_workers_t *workers, tu_collector_t *events, s_proc_t **bad,
                 asynrole_remote_stats_t *stats)
{
    TU_CHECK (s_workers_stats (workers, stats) == 0, "stats");
    int64_t deadline = tu_now () + S_WAIT;
    for (int i = 0; i < 1000 && stats->denied == 0 && tu_now () < deadline; i++) {
        tu_collector_wait_errors (events, tu_collector_errors (events) + 1, 20);
        TU_CHECK (s_workers_stats (workers, stats) == 0, "stats");
    }
    TU_CHECK (stats->denied >= 1, "the stranger's denial uncounted");
    for (size_t i = 0; i < 2; i++) {
        TU_CHECK (s_proc_stop (bad[i]), "a refused worker's end");
        TU_CHECK (s_proc_handled (bad[i]) <= 0 && !strstr (bad[i]->text, "joined"),
                  "a refused worker took datagrams: %s", bad[i]->text);
    }
    return 0;
}

//  A sender in each worker's host, each to both of the Agent's addresses
static int
s_hosts_send (asynrole_agent_t *agent, size_t each)
{
    asynrole_addr_t to[2] = { *asynrole_agent_local (agent, 0), *asynrole_agent_local (agent, 1) };
    for (int w = 1; w <= 2; w++) {
        int fd = s_socket_in (s_ns[w], w == 1 ? "10.77.1.2" : "10.77.2.2");
        TU_CHECK (fd >= 0, "a sender in %s", s_ns[w]);
        int rc = s_echo_run (fd, to, 2, each, 16);
        close (fd);
        TU_CHECK (rc == 0, "the echo run from %s", s_ns[w]);
    }
    return 0;
}

static int
s_body_hosts (void *arg)
{
    const s_hosts_t *self = arg;
    TU_CHECK (s_enter (s_ns[0]) == 0, "enter %s: %s", s_ns[0], strerror (errno));
    TU_CHECK (tu_wait_local ("10.77.1.1", S_WAIT) && tu_wait_local ("10.77.2.1", S_WAIT),
              "the veth addresses");
    tu_collector_t *events = tu_collector_new ();
    asynrole_options_t options = { .pipe_mode = true };
    const char *ifaces[] = { "10.77.1.1:0", "10.77.2.1:0" };
    asynrole_error_t error;
    asynrole_agent_t *agent = asynrole_agent_new (NULL, NULL, ifaces, 2, &options, &error);
    TU_CHECK (agent, "agent: %s", error.detail);
    static s_keys_t keys;
    TU_CHECK (!self->curve || s_keys_make (&keys) == 0, "keys");
    asynrole_workers_t *workers = NULL;
    TU_CHECK (s_hosts_bind (self, agent, events, &keys, &workers) == 0, "the workers actor");
    const char *endpoint = asynrole_workers_endpoint (workers);
    const char *good[7], *stranger[7], *wrong[7];
    s_key_args (good, keys.server_public, keys.client_public, keys.client_secret);
    s_key_args (stranger, keys.server_public, keys.other_public, keys.other_secret);
    s_key_args (wrong, keys.other_public, keys.client_public, keys.client_secret);
    s_proc_t *procs[2] = { s_worker (s_ns[1], endpoint, "w1", 16, 0, self->curve ? good : NULL),
                           s_worker (s_ns[2], endpoint, "w2", 16, 0, self->curve ? good : NULL) };
    TU_CHECK (procs[0] && procs[1], "two workers started");
    s_proc_t *bad[2] = { NULL, NULL };
    if (self->curve) {
        bad[0] = s_worker (s_ns[1], endpoint, "stranger", 16, 0, stranger);
        bad[1] = s_worker (s_ns[2], endpoint, "wrong-key", 16, 0, wrong);
        TU_CHECK (bad[0] && bad[1], "the refused workers started");
    }
    TU_CHECK (s_wait_events (events, ASYNROLE_OK, 2, S_WAIT), "two workers joined");
    size_t each = s_slow () >= 20 ? 100 : 500;
    TU_CHECK (s_hosts_send (agent, each) == 0, "the echo runs");
    asynrole_remote_stats_t stats;
    TU_CHECK (!self->curve || s_hosts_refused (workers, events, bad, &stats) == 0, "refused");
    const char *names[] = { "w1", "w2" };
    TU_CHECK (s_echo_account (workers, events, procs, names, 2, 2 * each) == 0, "the account");
    TU_CHECK (s_workers_stats (workers, &stats) == 0, "stats");
    //  The refused never said HELLO: the CURVE handshake turned them away
    TU_CHECK (stats.joined == 2, "joined %llu", (unsigned long long) stats.joined);
    printf ("%s: the workers actor counted %llu refused handshakes\n",
            self->curve ? "CURVE" : "in clear", (unsigned long long) stats.denied);
    asynrole_workers_destroy (&workers);
    asynrole_agent_destroy (&agent);
    tu_collector_destroy (&events);
    s_procs_free ();
    return 0;
}

static void
test_workers_hosts_insecure (void **state)
{
    (void) state;
    s_hosts_t self = { .curve = false };
    s_in_star (s_body_hosts, &self, 60);
}

static void
test_workers_hosts_curve (void **state)
{
    (void) state;
    s_hosts_t self = { .curve = true };
    s_in_star (s_body_hosts, &self, 60);
}

//  -------------------------------------------------------------------------
//  c. A worker killed and another started under a trap storm: the account

//  The storm's sender, a pacer's call: numbered datagrams until total, and
//  none while hold is set (the restarted worker joins)
typedef struct {
    ld_udp_t udp;
    size_t total;    //  datagrams to send
    size_t hold_at;  //  hold when sent reaches it
    pthread_mutex_t mutex;
    pthread_cond_t cond;  //  signalled on each send
    size_t sent;          //  so far (under mutex)
    bool hold;            //  the sender waits (under mutex)
} s_storm_t;

static bool
s_storm_send (void *ctx)
{
    s_storm_t *self = ctx;
    pthread_mutex_lock (&self->mutex);
    bool wait = self->hold || self->sent >= self->total;
    pthread_mutex_unlock (&self->mutex);
    if (wait)
        return false;
    bool sent = ld_udp_send (&self->udp);
    pthread_mutex_lock (&self->mutex);
    self->sent = (size_t) self->udp.seq;
    if (self->sent == self->hold_at)
        self->hold = true;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
    return sent;
}

typedef struct {
    asynrole_overflow_t overflow;
} s_storm_case_t;

#define S_CREDIT 32

//  Wait until every datagram sent is accounted for at the Agent's socket
//  and with the workers actor, and none is with a worker. The workers
//  actor tells no event when the last is done: the test asks its stats,
//  waiting on its events between asks (a bounded number of times)
static int
s_drain (asynrole_agent_t *agent, asynrole_workers_t *workers, tu_collector_t *events, size_t sent,
         asynrole_stats_t *agent_sum, asynrole_remote_stats_t *stats)
{
    int64_t deadline = tu_now () + 6 * S_WAIT;
    for (int i = 0; i < 10000; i++) {
        TU_CHECK (s_agent_sum (agent, agent_sum) == 0 && s_workers_stats (workers, stats) == 0,
                  "stats");
        uint64_t delivered = agent_sum->rx_datagrams - agent_sum->dropped - agent_sum->filtered
            - agent_sum->rate_limited;
        if ((agent_sum->rx_datagrams + agent_sum->kernel_dropped == sent
             && stats->datagrams + stats->dropped == delivered && stats->in_worker == 0)
            || tu_now () > deadline)
            break;
        tu_collector_wait_errors (events, tu_collector_errors (events) + 1, 20);
    }
    return 0;
}

//  The storm: w2 (procs[1]) SIGKILLed a quarter in; half-way the sender
//  holds until w2-again (procs[3]) joined. Returns 0 with *sent set.
static int
s_storm_run (asynrole_agent_t *agent, const char *endpoint, tu_collector_t *events,
             s_proc_t **procs, size_t *sent)
{
    static s_storm_t storm;
    memset (&storm, 0, sizeof storm);
    pthread_mutex_init (&storm.mutex, NULL);
    tu_cond_init (&storm.cond);
    storm.total = 200000 / (size_t) s_slow ();
    storm.hold_at = storm.total / 2;
    ld_udp_open (&storm.udp, "127.0.0.1", asynrole_agent_local (agent, 0), 64);
    double rate = 60000.0 / s_slow ();
    int span = (int) (storm.total / rate * 1000) + S_WAIT;
    ld_pacer_t *pacer = ld_pacer_new (s_storm_send, &storm, rate);
    TU_CHECK (pacer, "the sender");
    TU_CHECK (tu_wait_count (&storm.mutex, &storm.cond, &storm.sent, storm.total / 4, span),
              "a quarter sent");
    TU_CHECK (kill (procs[1]->pid, SIGKILL) == 0 && s_proc_reap (procs[1], S_WAIT), "w2 killed");
    TU_CHECK (tu_wait_count (&storm.mutex, &storm.cond, &storm.sent, storm.hold_at, span),
              "half sent");
    procs[3] = s_worker (NULL, endpoint, "w2-again", S_CREDIT, 20, NULL);
    TU_CHECK (procs[3] && s_wait_events (events, ASYNROLE_OK, 4, S_WAIT), "w2-again joined");
    pthread_mutex_lock (&storm.mutex);
    storm.hold = false;
    pthread_mutex_unlock (&storm.mutex);
    TU_CHECK (tu_wait_count (&storm.mutex, &storm.cond, &storm.sent, storm.total, span),
              "all sent");
    ld_pacer_destroy (&pacer);
    *sent = storm.sent;
    ld_udp_close (&storm.udp);
    return 0;
}

//  The exact account at each hand-over: the Agent's socket, the Agent,
//  the workers actor, the workers
static int
s_storm_account (const s_storm_case_t *self, size_t sent, const asynrole_stats_t *agent_sum,
                 const asynrole_remote_stats_t *stats, tu_collector_t *events)
{
    uint64_t lost_reported = 0;
    s_events (events, ASYNROLE_EDISCONNECTED, &lost_reported);
    printf (
        "storm (%s): sent %zu; Agent read %llu, kernel dropped %llu, dropped %llu, paused %llu; "
        "workers: handed %llu, done %llu, lost %llu (reported %llu), dropped %llu, "
        "paused %llu\n",
        self->overflow == ASYNROLE_OVERFLOW_PAUSE ? "pause" : "drop", sent,
        (unsigned long long) agent_sum->rx_datagrams,
        (unsigned long long) agent_sum->kernel_dropped, (unsigned long long) agent_sum->dropped,
        (unsigned long long) agent_sum->paused, (unsigned long long) stats->datagrams,
        (unsigned long long) stats->done, (unsigned long long) stats->lost_datagrams,
        (unsigned long long) lost_reported, (unsigned long long) stats->dropped,
        (unsigned long long) stats->paused);
    TU_CHECK (agent_sum->rx_datagrams + agent_sum->kernel_dropped == sent,
              "the Agent's socket: read %llu + kernel dropped %llu != sent %zu",
              (unsigned long long) agent_sum->rx_datagrams,
              (unsigned long long) agent_sum->kernel_dropped, sent);
    //  A pausing Agent drops the one batch it read when it reached
    //  max_bytes (asynrole_types.h), counted; a dropping one has room
    TU_CHECK (agent_sum->filtered == 0 && agent_sum->rate_limited == 0
                  && (self->overflow == ASYNROLE_OVERFLOW_PAUSE || agent_sum->dropped == 0),
              "the Agent dropped %llu", (unsigned long long) agent_sum->dropped);
    uint64_t delivered = agent_sum->rx_datagrams - agent_sum->dropped;
    TU_CHECK (stats->datagrams + stats->dropped == delivered,
              "the workers actor: handed %llu + dropped %llu != delivered %llu",
              (unsigned long long) stats->datagrams, (unsigned long long) stats->dropped,
              (unsigned long long) delivered);
    TU_CHECK (stats->datagrams == stats->done + stats->lost_datagrams && stats->in_worker == 0,
              "handed %llu != done %llu + lost %llu (with workers %llu)",
              (unsigned long long) stats->datagrams, (unsigned long long) stats->done,
              (unsigned long long) stats->lost_datagrams, (unsigned long long) stats->in_worker);
    if (stats->lost != 1)
        s_print_events (events);
    TU_CHECK (stats->lost_datagrams <= S_CREDIT && stats->lost == 1
                  && lost_reported == stats->lost_datagrams,
              "lost %llu datagrams with %llu workers (reported %llu)",
              (unsigned long long) stats->lost_datagrams, (unsigned long long) stats->lost,
              (unsigned long long) lost_reported);
    TU_CHECK (self->overflow != ASYNROLE_OVERFLOW_PAUSE || stats->dropped == 0,
              "paused, yet dropped %llu", (unsigned long long) stats->dropped);
    return 0;
}

//  Each worker's record: the killed one's holds the loss, its successor
//  served, the survivors' own counts (at SIGTERM) are their done
static int
s_storm_records (asynrole_workers_t *workers, s_proc_t **procs,
                 const asynrole_remote_stats_t *stats)
{
    asynrole_worker_info_t info;
    TU_CHECK (s_worker_info (workers, "w2", &info) == 0, "w2's record");
    TU_CHECK (!info.connected && info.lost_datagrams == stats->lost_datagrams
                  && info.datagrams == info.done + info.lost_datagrams,
              "w2: handed %llu, done %llu, lost %llu", (unsigned long long) info.datagrams,
              (unsigned long long) info.done, (unsigned long long) info.lost_datagrams);
    uint64_t done = info.done;
    TU_CHECK (s_worker_info (workers, "w2-again", &info) == 0 && info.datagrams > 0,
              "w2-again got nothing");
    const char *names[4] = { "w1", "w2", "w3", "w2-again" };
    for (size_t i = 0; i < 4; i++) {
        if (i == 1)
            continue;
        TU_CHECK (s_proc_stop (procs[i]), "%s's end", names[i]);
        long long handled = s_proc_handled (procs[i]);
        TU_CHECK (s_worker_info (workers, names[i], &info) == 0, "%s's record", names[i]);
        TU_CHECK (handled > 0 && info.done == (uint64_t) handled && info.lost_datagrams == 0,
                  "%s handled %lld; its record: done %llu, lost %llu", names[i], handled,
                  (unsigned long long) info.done, (unsigned long long) info.lost_datagrams);
        done += info.done;
    }
    TU_CHECK (done == stats->done, "the records' done add up to %llu, not %llu",
              (unsigned long long) done, (unsigned long long) stats->done);
    return 0;
}

static int
s_body_storm (void *arg)
{
    const s_storm_case_t *self = arg;
    tu_collector_t *events = tu_collector_new ();
    asynrole_options_t options = { .pipe_mode = true, .rcvbuf = 256 * 1024 };
    if (self->overflow == ASYNROLE_OVERFLOW_PAUSE) {
        //  The Agent pauses too once it holds this: the kernel keeps the rest
        options.max_bytes = 256 * 1024;
        options.overflow = ASYNROLE_OVERFLOW_PAUSE;
    }
    const char *ifaces[] = { "127.0.0.1:0" };
    asynrole_error_t error;
    asynrole_agent_t *agent = asynrole_agent_new (NULL, NULL, ifaces, 1, &options, &error);
    TU_CHECK (agent, "agent: %s", error.detail);
    //  Silence of six heartbeats is a loss here (3 s in an ASan build):
    //  a survivor starved of CPU by the storm, on a host shared with other
    //  tests, must not pass for a dead one
    asynrole_remote_options_t remote = { .heartbeat = S_HEARTBEAT,
                                         .heartbeat_timeout = 6 * S_HEARTBEAT,
                                         .overflow = self->overflow,
                                         .on_event = s_on_event,
                                         .event_ctx = events };
    asynrole_workers_t *workers =
        asynrole_workers_new (agent, "tcp://127.0.0.1:*", NULL, NULL, &remote, &error);
    TU_CHECK (workers, "workers: %s", error.detail);
    const char *endpoint = asynrole_workers_endpoint (workers);
    s_proc_t *procs[4] = { s_worker (NULL, endpoint, "w1", S_CREDIT, 20, NULL),
                           s_worker (NULL, endpoint, "w2", S_CREDIT, 20, NULL),
                           s_worker (NULL, endpoint, "w3", S_CREDIT, 20, NULL), NULL };
    TU_CHECK (procs[0] && procs[1] && procs[2], "three workers started");
    TU_CHECK (s_wait_events (events, ASYNROLE_OK, 3, S_WAIT), "three workers joined");
    size_t sent = 0;
    TU_CHECK (s_storm_run (agent, endpoint, events, procs, &sent) == 0, "the storm");
    TU_CHECK (s_wait_events (events, ASYNROLE_EDISCONNECTED, 1, 2 * S_WAIT), "w2's loss reported");
    asynrole_stats_t agent_sum;
    asynrole_remote_stats_t stats;
    TU_CHECK (s_drain (agent, workers, events, sent, &agent_sum, &stats) == 0, "drained");
    TU_CHECK (s_storm_account (self, sent, &agent_sum, &stats, events) == 0, "the account");
    TU_CHECK (s_storm_records (workers, procs, &stats) == 0, "the workers' records");
    asynrole_workers_destroy (&workers);
    asynrole_agent_destroy (&agent);
    tu_collector_destroy (&events);
    s_procs_free ();
    return 0;
}

static void
test_worker_crash_drop (void **state)
{
    (void) state;
    s_storm_case_t self = { .overflow = ASYNROLE_OVERFLOW_DROP };
    tu_child (s_body_storm, &self, false, NULL, 60 * s_scale ());
}

static void
test_worker_crash_pause (void **state)
{
    (void) state;
    s_storm_case_t self = { .overflow = ASYNROLE_OVERFLOW_PAUSE };
    tu_child (s_body_storm, &self, false, NULL, 60 * s_scale ());
}

//  -------------------------------------------------------------------------
//  d. A remote Manager: the server in "a", its client in "w1"

//  The server's process, in "a": an echo Agent and a silent one (requests
//  to it wait for ever), a Manager on the request engine, the server on
//  tcp://10.77.1.1:*. It prints "ready ENDPOINT ECHO_PORT SILENT_PORT",
//  then on SIGTERM destroys it all and exits 0.
static void
s_echo_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
           const asynrole_error_t *error)
{
    (void) ctx;
    (void) error;
    if (datagram)
        asynrole_agent_reply (agent, datagram, datagram->data, datagram->size, NULL);
}

static void
s_ignore_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
             const asynrole_error_t *error)
{
    (void) agent, (void) ctx, (void) datagram, (void) error;
}

static int
s_server_main (void)
{
    sigset_t term;
    sigemptyset (&term);
    sigaddset (&term, SIGTERM);
    //  Before any thread: all of them block it, sigtimedwait takes it
    TU_CHECK (sigprocmask (SIG_BLOCK, &term, NULL) == 0, "sigprocmask");
    TU_CHECK (s_enter (s_ns[0]) == 0 && tu_wait_local ("10.77.1.1", S_WAIT), "in %s", s_ns[0]);
    const char *ifaces[] = { "127.0.0.1:0" };
    asynrole_error_t error;
    asynrole_agent_t *echo = asynrole_agent_new (s_echo_cb, NULL, ifaces, 1, NULL, &error);
    asynrole_agent_t *silent = asynrole_agent_new (s_ignore_cb, NULL, ifaces, 1, NULL, &error);
    TU_CHECK (echo && silent, "agents: %s", error.detail);
    asynrole_requests_t requests = { .key = tu_key_first8 };
    asynrole_options_t options = { .requests = &requests };
    asynrole_manager_t *manager = asynrole_manager_new (NULL, NULL, NULL, NULL, &options, &error);
    TU_CHECK (manager, "manager: %s", error.detail);
    asynrole_remote_options_t remote = { .heartbeat = S_HEARTBEAT, .insecure = true };
    asynrole_server_t *server = asynrole_server_new (manager, "tcp://10.77.1.1:*", &remote, &error);
    TU_CHECK (server, "server: %s", error.detail);
    printf ("ready %s %u %u\n", asynrole_server_endpoint (server),
            asynrole_addr_port (asynrole_agent_local (echo, 0)),
            asynrole_addr_port (asynrole_agent_local (silent, 0)));
    fflush (stdout);
    struct timespec wait = { .tv_sec = 120 * s_scale () };
    TU_CHECK (sigtimedwait (&term, NULL, &wait) == SIGTERM, "no SIGTERM");
    asynrole_server_destroy (&server);
    asynrole_manager_destroy (&manager);
    asynrole_agent_destroy (&silent);
    asynrole_agent_destroy (&echo);
    return 0;
}

//  Fork the server's process; its "ready" line read
static s_proc_t *
s_server_start (void)
{
    s_proc_t *proc = &s_procs[0];
    int fds[2];
    if (proc->pid || pipe2 (fds, O_CLOEXEC))
        return NULL;
    memset (proc, 0, sizeof *proc);
    fflush (stdout);
    fflush (stderr);
    pid_t pid = fork ();
    if (pid == 0) {
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        alarm ((unsigned) (150 * s_scale ()));
        dup2 (fds[1], STDOUT_FILENO);
        close (fds[0]);
        exit (s_server_main ());
    }
    close (fds[1]);
    proc->pid = pid;
    proc->out = fds[0];
    proc->pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
    if (pid < 0 || !s_proc_read (proc, "\n", 4 * S_WAIT)) {
        fprintf (stderr, "the server did not start: %s\n", proc->text);
        return NULL;
    }
    return proc;
}

#define S_REQUESTS 1000
#define S_BULK 100
#define S_OUTSTANDING 50

typedef struct {
    bool kill;  //  SIGKILL the server (else SIGTERM: it is destroyed)
    s_proc_t *server;
    char endpoint[256];
    unsigned echo_port, silent_port;
    //  What the client's callbacks saw (under mutex)
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    size_t ended;                               //  results so far
    uint8_t calls[S_REQUESTS + S_OUTSTANDING];  //  results per request
    asynrole_code_t codes[S_REQUESTS + S_OUTSTANDING];
    size_t bad_replies;  //  replies not carrying their request's bytes
} s_remote_t;

//  A request's ctx: its test and its index
typedef struct {
    s_remote_t *remote;
    size_t index;
} s_slot_t;

static void
s_result_cb (asynrole_client_t *client, void *ctx, const asynrole_result_t *result)
{
    (void) client;
    s_slot_t *slot = ctx;
    s_remote_t *self = slot->remote;
    pthread_mutex_lock (&self->mutex);
    self->calls[slot->index]++;
    self->codes[slot->index] = result->error ? result->error->code : ASYNROLE_OK;
    uint64_t seq = (uint64_t) -1;
    if (result->reply && result->reply->size == 16)
        memcpy (&seq, result->reply->data, 8);
    if (result->reply && seq != slot->index)
        self->bad_replies++;
    self->ended++;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

//  Make request index to port with policy (NULL: the server's)
static int
s_ask (asynrole_client_t *client, s_slot_t *slots, size_t index, const asynrole_addr_t *to,
       const asynrole_policy_t *policy)
{
    uint8_t data[16];
    uint64_t seq = index;
    memcpy (data, &seq, 8);
    memset (data + 8, 0x3c, 8);
    asynrole_request_t request = {
        .data = data, .size = sizeof data, .destination = to, .policy = policy, .ctx = &slots[index]
    };
    asynrole_error_t error;
    uint64_t handle;
    TU_CHECK (asynrole_client_request (client, &request, s_result_cb, &handle, &error) == 0,
              "request %zu: %s", index, error.detail);
    return 0;
}

//  A bulk of S_BULK through the server: every entry its reply
static int
s_bulk (asynrole_client_t *client, const asynrole_addr_t *echo)
{
    asynrole_error_t error;
    static asynrole_bulk_entry_t entries[S_BULK];
    static uint8_t bulk_data[S_BULK][16];
    memset (entries, 0, sizeof entries);
    for (size_t i = 0; i < S_BULK; i++) {
        uint64_t seq = 1000000 + i;
        memcpy (bulk_data[i], &seq, 8);
        memset (bulk_data[i] + 8, 0x7e, 8);
        entries[i].request.data = bulk_data[i];
        entries[i].request.size = 16;
        entries[i].request.destination = echo;
    }
    int replies = asynrole_client_bulk (client, entries, S_BULK, &error);
    TU_CHECK (replies == S_BULK, "bulk: %d replies (%s)", replies, error.detail);
    for (size_t i = 0; i < S_BULK; i++)
        TU_CHECK (entries[i].error.code == ASYNROLE_OK && entries[i].reply.size == 16
                      && !memcmp (entries[i].reply.data, bulk_data[i], 16),
                  "bulk entry %zu: code %d", i, entries[i].error.code);
    asynrole_bulk_free (entries, S_BULK);
    return 0;
}

static int
s_body_client (void *arg)
{
    s_remote_t *self = arg;
    TU_CHECK (s_enter (s_ns[1]) == 0, "enter %s", s_ns[1]);
    static s_slot_t slots[S_REQUESTS + S_OUTSTANDING];
    for (size_t i = 0; i < S_REQUESTS + S_OUTSTANDING; i++)
        slots[i] = (s_slot_t){ self, i };
    char text[64];
    asynrole_addr_t echo, silent;
    asynrole_error_t error;
    snprintf (text, sizeof text, "127.0.0.1:%u", self->echo_port);
    TU_CHECK (asynrole_addr_parse (&echo, text, &error) == 0, "%s", text);
    snprintf (text, sizeof text, "127.0.0.1:%u", self->silent_port);
    TU_CHECK (asynrole_addr_parse (&silent, text, &error) == 0, "%s", text);
    asynrole_remote_options_t remote = { .heartbeat = S_HEARTBEAT };
    asynrole_client_t *client = asynrole_client_new (self->endpoint, &remote, &error);
    TU_CHECK (client, "client: %s", error.detail);

    //  Requests: each ends once, with its reply
    for (size_t i = 0; i < S_REQUESTS; i++)
        TU_CHECK (s_ask (client, slots, i, &echo, NULL) == 0, "request");
    TU_CHECK (tu_wait_count (&self->mutex, &self->cond, &self->ended, S_REQUESTS, 4 * S_WAIT),
              "%zu of %d requests ended", tu_read_count (&self->mutex, &self->ended), S_REQUESTS);
    for (size_t i = 0; i < S_REQUESTS; i++)
        TU_CHECK (self->calls[i] == 1 && self->codes[i] == ASYNROLE_OK,
                  "request %zu: %d results, code %d", i, self->calls[i], self->codes[i]);
    TU_CHECK (self->bad_replies == 0, "%zu replies not their request's", self->bad_replies);

    TU_CHECK (s_bulk (client, &echo) == 0, "the bulk");

    //  Requests that wait for ever, then the server goes
    asynrole_policy_t forever = { .timeout = 600000, .retries = 0 };
    for (size_t i = S_REQUESTS; i < S_REQUESTS + S_OUTSTANDING; i++)
        TU_CHECK (s_ask (client, slots, i, &silent, &forever) == 0, "request");
    asynrole_remote_stats_t stats;
    TU_CHECK (asynrole_client_stats (client, &stats, &error) == 0
                  && stats.in_flight == S_OUTSTANDING,
              "in flight: %llu", (unsigned long long) stats.in_flight);
    TU_CHECK (kill (self->server->pid, self->kill ? SIGKILL : SIGTERM) == 0, "kill");
    TU_CHECK (tu_wait_count (&self->mutex, &self->cond, &self->ended, S_REQUESTS + S_OUTSTANDING,
                             4 * S_WAIT),
              "%zu of %d outstanding requests ended",
              tu_read_count (&self->mutex, &self->ended) - S_REQUESTS, S_OUTSTANDING);
    TU_CHECK (asynrole_client_stats (client, &stats, &error) == 0, "stats");
    asynrole_client_destroy (&client);  //  no callback after this
    for (size_t i = S_REQUESTS; i < S_REQUESTS + S_OUTSTANDING; i++)
        TU_CHECK (self->calls[i] == 1
                      && (self->codes[i] == ASYNROLE_EDISCONNECTED
                          || (!self->kill && self->codes[i] == ASYNROLE_ECANCELLED)),
                  "outstanding request %zu: %d results, code %d", i, self->calls[i],
                  self->codes[i]);
    TU_CHECK (self->ended == S_REQUESTS + S_OUTSTANDING, "%zu results", self->ended);
    size_t disconnected = 0;
    for (size_t i = S_REQUESTS; i < S_REQUESTS + S_OUTSTANDING; i++)
        disconnected += self->codes[i] == ASYNROLE_EDISCONNECTED;
    printf ("remote Manager %s: %d requests and a bulk of %d answered; of %d under way, %zu "
            "ended EDISCONNECTED, %zu ECANCELLED; client stats: results %llu, disconnected %llu\n",
            self->kill ? "killed" : "destroyed", S_REQUESTS, S_BULK, S_OUTSTANDING, disconnected,
            S_OUTSTANDING - disconnected, (unsigned long long) stats.results,
            (unsigned long long) stats.disconnected);
    TU_CHECK (stats.in_flight == 0 && stats.results + stats.disconnected >= S_REQUESTS,
              "client stats: results %llu, disconnected %llu, in flight %llu",
              (unsigned long long) stats.results, (unsigned long long) stats.disconnected,
              (unsigned long long) stats.in_flight);
    return 0;
}

static void
s_remote_case (bool kill_it)
{
    int rc = s_netns_make ();
    if (rc == TU_SKIP)
        tu_skip ("needs root, iproute2 and a host where ip netns add works");
    assert_int_equal (rc, 0);
    static s_remote_t self;
    memset (&self, 0, sizeof self);
    self.kill = kill_it;
    pthread_mutex_init (&self.mutex, NULL);
    tu_cond_init (&self.cond);
    self.server = s_server_start ();
    assert_non_null (self.server);
    assert_int_equal (sscanf (self.server->text, "ready %255s %u %u", self.endpoint,
                              &self.echo_port, &self.silent_port),
                      3);
    tu_child (s_body_client, &self, false, NULL, 90 * s_scale ());
    assert_true (s_proc_reap (self.server, S_WAIT));
    if (kill_it)
        assert_true (WIFSIGNALED (self.server->status));
    else {
        s_proc_read (self.server, NULL, S_WAIT);
        assert_true (WIFEXITED (self.server->status));
        assert_int_equal (WEXITSTATUS (self.server->status), 0);
    }
}

static void
test_remote_manager_killed (void **state)
{
    (void) state;
    s_remote_case (true);
}

static void
test_remote_manager_destroyed (void **state)
{
    (void) state;
    s_remote_case (false);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_workers_processes, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_workers_hosts_insecure, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_workers_hosts_curve, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_worker_crash_drop, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_worker_crash_pause, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_remote_manager_killed, tu_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_remote_manager_destroyed, tu_setup, s_teardown),
    };
    return tu_main (tests, argc, argv);
}
