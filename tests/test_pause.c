/*  test_pause.c - ASYNROLE_OVERFLOW_PAUSE: a role that holds its max_bytes
    is not read until it has room, and the kernel holds the backlog

    A role whose reader stops: the I/O actor stops reading its socket once
    a batch does not fit (that one batch, at most 64 datagrams, is dropped
    and counted); the kernel's small receive buffer fills and the kernel
    drops the rest (kernel_dropped). Once the reader drains, reading resumes
    by itself and at the end sent == delivered + dropped + kernel_dropped,
    exactly. In pipe mode and callback mode, for an Agent and a Manager; a
    role on the same I/O actor is served meanwhile; the policy changes at
    run time (agent_set_overflow: PAUSE to DROP reads at once); a role
    destroyed while paused leaves nothing behind; a paused socket whose
    address goes and comes back is read again; the ICMP errors of a paused
    socket are taken and counted, without a busy loop.

    White-box (linked with the library's objects) for agent_set_overflow.
    Waits: on the role's data socket, on a condition variable, or (where
    only a counter says it: paused, down) by asking the I/O actor for the
    counters until they show, a bounded number of times with a deadline.
*/
#define _GNU_SOURCE
#include "testutil.h"
#include "agent_internal.h"
#include "bounds.h"
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  Datagrams sent once the role's socket is paused
#define PAUSE_N 5000

//  Datagrams sent at a time until the socket is paused
#define FILL_ROUND 100

//  Datagrams sent one at a time after the drain, each awaited
#define PING_N 20

//  A role's bound: a few records (pipe mode: each costs an event's overhead)
#define PAUSE_MAX_BYTES 4096

//  A small receive buffer, so that the kernel drops (it doubles it)
#define PAUSE_RCVBUF 4096

typedef struct {
    uint32_t seq;
} seq_t;

//  In a child's body (tu_child): a failed check exits, since cmocka's
//  assertions belong to the parent
static bool s_child;

//  A check the helpers make, in the parent or in a child's body
#define S_CHECK(cond, ...)                                                            \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf (stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf (stderr, __VA_ARGS__);                                            \
            fprintf (stderr, "\n");                                                   \
            if (s_child)                                                              \
                _exit (1);                                                            \
            fail ();                                                                  \
        }                                                                             \
    } while (0)

//  Send count numbered datagrams, first.., from fd to to
static void
s_send_from (int fd, const asynrole_addr_t *to, uint32_t first, uint32_t count)
{
    for (uint32_t seq = first; seq < first + count; seq++) {
        seq_t payload = { seq };
        ssize_t rc;
        while ((rc = sendto (fd, &payload, sizeof payload, 0, &to->u.sa, to->len)) < 0
               && errno == EINTR)
            ;
        S_CHECK (rc == sizeof payload, "sendto: %s", strerror (errno));
    }
}

static void
s_send (const asynrole_addr_t *to, uint32_t first, uint32_t count)
{
    int fd = tu_udp_socket (to->u.sa.sa_family == AF_INET6 ? "::1" : "127.0.0.1", NULL);
    S_CHECK (fd >= 0, "a sender: %s", strerror (errno));
    s_send_from (fd, to, first, count);
    close (fd);
}

//  What the test saw of its role
typedef struct {
    uint64_t delivered;    //  datagrams
    uint64_t noticed;      //  datagrams reported in EDROPPED notices
    uint64_t lost_errors;  //  error events reported in them
    uint64_t interface;    //  interface events (a socket down, up again)
    uint64_t refused;      //  ECONNREFUSED events (ICMP port unreachable)
    int64_t last_seq;      //  the last number delivered (in order, none twice)
} account_t;

//  One event into the account; false when it is none of those
static bool
s_account (account_t *account, const asynrole_datagram_t *datagram, const asynrole_error_t *error)
{
    if (datagram) {
        seq_t payload = { 0 };
        if (datagram->size != sizeof payload)
            return false;
        memcpy (&payload, datagram->data, sizeof payload);
        if ((int64_t) payload.seq <= account->last_seq)
            return false;
        account->last_seq = payload.seq;
        account->delivered++;
        return true;
    }
    if (error->op == ASYNROLE_OP_INTERFACE) {
        account->interface++;
        return true;
    }
    if (error->code == ASYNROLE_ENETWORK && error->sys_errno == ECONNREFUSED) {
        account->refused++;
        return true;
    }
    if (error->code != ASYNROLE_EDROPPED || error->op != ASYNROLE_OP_QUEUE)
        return false;
    account->noticed += error->count;
    account->lost_errors += error->lost_errors;
    return true;
}

//  Every datagram sent read or dropped by the kernel, every read one
//  delivered or reported dropped
static bool
s_accounted (const account_t *account, const asynrole_stats_t *stats, uint64_t sent)
{
    return stats->rx_datagrams + stats->kernel_dropped == sent
        && account->delivered + account->noticed == stats->rx_datagrams
        && account->interface + account->refused == stats->errors
        && account->lost_errors == stats->errors_dropped;
}

//  The exact account, and what PAUSE promises: the kernel dropped, the role
//  at most one batch per pause (extra: batches dropped besides, a socket
//  read to its end as it went down)
static void
s_check (const char *what, const account_t *account, const asynrole_stats_t *stats, uint64_t sent,
         uint64_t extra)
{
    print_message ("%s: %llu sent, %llu read, %llu dropped by the kernel, %llu delivered, %llu "
                   "dropped in %llu pauses, held at most %llu of %d bytes\n",
                   what, (unsigned long long) sent, (unsigned long long) stats->rx_datagrams,
                   (unsigned long long) stats->kernel_dropped,
                   (unsigned long long) account->delivered, (unsigned long long) stats->dropped,
                   (unsigned long long) stats->paused, (unsigned long long) stats->held_max,
                   PAUSE_MAX_BYTES);
    S_CHECK (stats->rx_datagrams + stats->kernel_dropped == sent, "read or dropped by the kernel");
    S_CHECK (account->delivered + stats->dropped == stats->rx_datagrams, "delivered or dropped");
    S_CHECK (account->noticed == stats->dropped, "every drop reported");
    S_CHECK (stats->paused > 0, "never paused");
    S_CHECK (stats->kernel_dropped > 0, "the kernel never dropped: nothing was tested");
    S_CHECK (stats->dropped <= (stats->paused + extra) * LIMIT_RX_BATCH,
             "more than a batch a pause");
    S_CHECK (stats->held_max <= PAUSE_MAX_BYTES + 256 * 1024, "past the bound");
}

//  -------------------------------------------------------------------------
//  A role in pipe mode, Agent or Manager

typedef struct {
    asynrole_agent_t *agent;      //  one of the two
    asynrole_manager_t *manager;  //
} role_ref_t;

static asynrole_stats_t
s_stats (role_ref_t *role)
{
    asynrole_stats_t stats;
    asynrole_error_t error;
    int rc = role->agent ? asynrole_agent_stats (role->agent, &stats, 1, &error)
                         : asynrole_manager_stats (role->manager, &stats, &error);
    S_CHECK (rc >= 0, "stats: %s", error.detail);
    return stats;
}

static void *
s_socket (role_ref_t *role)
{
    return role->agent ? asynrole_agent_socket (role->agent)
                       : asynrole_manager_socket (role->manager);
}

static asynrole_addr_t
s_local (role_ref_t *role)
{
    asynrole_addr_t local = role->agent ? *asynrole_agent_local (role->agent, 0)
                                        : *asynrole_manager_local (role->manager);
    local.via = 0;
    return local;
}

//  Send rounds of FILL_ROUND numbered datagrams from fd (-1: a socket of
//  its own) until the I/O actor says the socket is paused (each round read
//  or not: a slow I/O thread, as under valgrind, may find only what the
//  kernel kept of the first), then PAUSE_N more, of which the kernel keeps
//  what its buffer holds and drops the rest. How many were sent in all.
static uint32_t
s_fill (role_ref_t *role, int fd)
{
    asynrole_addr_t to = s_local (role);
    int sender = fd >= 0 ? fd : tu_udp_socket ("127.0.0.1", NULL);
    S_CHECK (sender >= 0, "a sender: %s", strerror (errno));
    uint32_t sent = 0;
    asynrole_stats_t stats = s_stats (role);
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    while (!stats.paused && sent < 100 * PAUSE_N && tu_now () < deadline) {
        s_send_from (sender, &to, sent, FILL_ROUND);
        sent += FILL_ROUND;
        stats = s_stats (role);
    }
    S_CHECK (stats.paused > 0, "not paused after %u datagrams", sent);
    s_send_from (sender, &to, sent, PAUSE_N);
    sent += PAUSE_N;
    if (fd < 0)
        close (sender);
    return sent;
}

//  Read events until sent datagrams are accounted for
static asynrole_stats_t
s_drain (role_ref_t *role, account_t *account, uint64_t sent)
{
    asynrole_stats_t stats = s_stats (role);
    for (uint64_t round = 0; round < 2 * sent + 100 && !s_accounted (account, &stats, sent);
         round++) {
        asynrole_event_t *event = tu_event_wait (s_socket (role), TU_TIMEOUT_MS);
        S_CHECK (event,
                 "no event within %d ms: %llu delivered, %llu reported dropped; read %llu, "
                 "dropped %llu, kernel dropped %llu, held %llu, paused %llu",
                 TU_TIMEOUT_MS, (unsigned long long) account->delivered,
                 (unsigned long long) account->noticed, (unsigned long long) stats.rx_datagrams,
                 (unsigned long long) stats.dropped, (unsigned long long) stats.kernel_dropped,
                 (unsigned long long) stats.held, (unsigned long long) stats.paused);
        bool ok =
            s_account (account, asynrole_event_datagram (event), asynrole_event_error (event));
        asynrole_event_destroy (&event);
        S_CHECK (ok, "an unexpected event");
        stats = s_stats (role);
    }
    return stats;
}

//  Send PING_N datagrams one at a time, first.., each delivered before the
//  next goes: the socket is read again, nothing lost
static void
s_ping (role_ref_t *role, account_t *account, uint32_t first)
{
    asynrole_addr_t to = s_local (role);
    for (uint32_t seq = first; seq < first + PING_N; seq++) {
        s_send (&to, seq, 1);
        asynrole_event_t *event = tu_event_wait (s_socket (role), TU_TIMEOUT_MS);
        assert_non_null (event);
        const asynrole_datagram_t *datagram = asynrole_event_datagram (event);
        bool ok = datagram && s_account (account, datagram, NULL) && account->last_seq == seq;
        asynrole_event_destroy (&event);
        assert_true (ok);
    }
}

//  Fill, pause, drain, account; then read again, one at a time
static void
s_pipe_case (role_ref_t *role, const char *what)
{
    uint32_t sent = s_fill (role, -1);
    account_t account = { .last_seq = -1 };
    asynrole_stats_t stats = s_drain (role, &account, sent);
    s_check (what, &account, &stats, sent, 0);
    uint64_t dropped = stats.dropped, kernel_dropped = stats.kernel_dropped;
    s_ping (role, &account, sent);
    stats = s_stats (role);
    assert_int_equal (stats.dropped, dropped);
    assert_int_equal (stats.kernel_dropped, kernel_dropped);
    assert_int_equal (stats.rx_datagrams + stats.kernel_dropped, sent + PING_N);
    assert_int_equal (stats.held, 0);
}

static asynrole_options_t
s_options (bool pipe_mode)
{
    asynrole_options_t options = { .pipe_mode = pipe_mode,
                                   .max_bytes = PAUSE_MAX_BYTES,
                                   .rcvbuf = PAUSE_RCVBUF,
                                   .overflow = ASYNROLE_OVERFLOW_PAUSE };
    return options;
}

static void
test_pause_agent_pipe (void **state)
{
    (void) state;
    asynrole_options_t options = s_options (true);
    role_ref_t role = { .agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &options) };
    s_pipe_case (&role, "agent, pipe mode");
    tu_agent_destroy (&role.agent);
}

static void
test_pause_manager_pipe (void **state)
{
    (void) state;
    asynrole_options_t options = s_options (true);
    role_ref_t role = { .manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", &options) };
    s_pipe_case (&role, "manager, pipe mode");
    tu_manager_destroy (&role.manager);
}

//  Error events of a paused socket: epoll reports EPOLLERR whatever was
//  asked, and the I/O actor takes them (the error queue, or SO_ERROR when
//  the full receive buffer kept the kernel from queueing them), delivered
//  or counted, without a busy loop on an error it leaves pending
static int64_t
s_cpu_ms (void)
{
    struct timespec now;
    clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &now);
    return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void
test_pause_errors (void **state)
{
    (void) state;
    asynrole_options_t options = s_options (true);
    role_ref_t role = { .manager = tu_manager_new (NULL, NULL, NULL, "127.0.0.1:0", &options) };
    uint32_t sent = s_fill (&role, -1);
    asynrole_addr_t closed = tu_closed_port (AF_INET);
    for (int i = 0; i < PING_N; i++) {
        asynrole_error_t error;
        assert_int_equal (asynrole_manager_send (role.manager, "x", 1, &closed, &error), 0);
    }
    //  The sends go before the counters are read (one pipe); the errors
    //  come back a moment later: ask until one shows
    asynrole_stats_t stats = s_stats (&role);
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    for (int i = 0; i < 100000 && stats.errors + stats.errors_dropped == 0 && tu_now () < deadline;
         i++)
        stats = s_stats (&role);
    assert_int_equal (stats.tx_datagrams, PING_N);
    assert_true (stats.errors + stats.errors_dropped > 0);
    //  Still paused, still full: an error left pending would spin the
    //  I/O thread (a measurement over a window, not a synchronisation)
    int64_t before = s_cpu_ms ();
    poll (NULL, 0, 500);
    int64_t cpu = s_cpu_ms () - before;
    print_message ("paused, with errors: %lld ms of CPU in 500 ms; %llu errors delivered, %llu "
                   "dropped\n",
                   (long long) cpu, (unsigned long long) stats.errors,
                   (unsigned long long) stats.errors_dropped);
    assert_true (cpu < 150);
    account_t account = { .last_seq = -1 };
    stats = s_drain (&role, &account, sent);
    s_check ("manager, paused, with errors", &account, &stats, sent, 0);
    assert_true (account.refused + account.lost_errors > 0);
    tu_manager_destroy (&role.manager);
}

//  A policy that is neither is refused, at creation and at run time
static void
test_pause_bad_policy (void **state)
{
    (void) state;
    asynrole_options_t options = s_options (true);
    options.overflow = (asynrole_overflow_t) 7;
    asynrole_error_t error;
    asynrole_agent_t *agent =
        asynrole_agent_new (NULL, NULL, (const char *[]){ "127.0.0.1:0" }, 1, &options, &error);
    assert_null (agent);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (agent_set_overflow (NULL, ASYNROLE_OVERFLOW_DROP, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    options.overflow = ASYNROLE_OVERFLOW_DROP;
    agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &options);
    assert_int_equal (agent_set_overflow (agent, (asynrole_overflow_t) -1, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (agent_set_overflow (agent, ASYNROLE_OVERFLOW_PAUSE, &error), 0);
    tu_agent_destroy (&agent);
}

//  -------------------------------------------------------------------------
//  Callback mode: the first callback waits on a gate the test opens

typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;  //  CLOCK_MONOTONIC
    bool open;            //  callbacks may return
    account_t account;    //  what the callbacks saw
    bool bad;             //  an event that is none of those expected
} gate_t;

static void
s_gate_init (gate_t *gate)
{
    memset (gate, 0, sizeof *gate);
    gate->account.last_seq = -1;
    pthread_mutex_init (&gate->mutex, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init (&attr);
    pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
    pthread_cond_init (&gate->cond, &attr);
    pthread_condattr_destroy (&attr);
}

static void
s_gate_fini (gate_t *gate)
{
    pthread_cond_destroy (&gate->cond);
    pthread_mutex_destroy (&gate->mutex);
}

static void
s_gate_open (gate_t *gate)
{
    pthread_mutex_lock (&gate->mutex);
    gate->open = true;
    pthread_cond_broadcast (&gate->cond);
    pthread_mutex_unlock (&gate->mutex);
}

static void
s_gated_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
            const asynrole_error_t *error)
{
    (void) agent;
    gate_t *gate = (gate_t *) ctx;
    pthread_mutex_lock (&gate->mutex);
    struct timespec deadline = tu_deadline (2 * TU_TIMEOUT_MS);
    while (!gate->open)
        if (pthread_cond_timedwait (&gate->cond, &gate->mutex, &deadline) == ETIMEDOUT)
            break;
    gate->bad |= !s_account (&gate->account, datagram, error);
    pthread_cond_broadcast (&gate->cond);
    pthread_mutex_unlock (&gate->mutex);
}

//  Wait, on the gate, until sent datagrams are accounted for. Counters read
//  before the last callbacks may be behind: read again when callbacks came
//  since, wait only when none did.
static asynrole_stats_t
s_gate_drain (gate_t *gate, asynrole_agent_t *agent, uint64_t sent)
{
    asynrole_stats_t stats = tu_agent_stats (agent, 0);
    uint64_t seen_at_stats = UINT64_MAX;
    bool bad = false;
    for (uint64_t round = 0; round < 2 * sent + 100 && !bad; round++) {
        pthread_mutex_lock (&gate->mutex);
        bad = gate->bad;
        uint64_t seen = gate->account.delivered + gate->account.noticed;
        bool done = s_accounted (&gate->account, &stats, sent);
        int rc = 0;
        if (!done && seen == seen_at_stats) {
            struct timespec deadline = tu_deadline (TU_TIMEOUT_MS);
            rc = pthread_cond_timedwait (&gate->cond, &gate->mutex, &deadline);
            seen = gate->account.delivered + gate->account.noticed;
        }
        pthread_mutex_unlock (&gate->mutex);
        if (done)
            break;
        assert_int_not_equal (rc, ETIMEDOUT);
        stats = tu_agent_stats (agent, 0);
        seen_at_stats = seen;
    }
    pthread_mutex_lock (&gate->mutex);
    bad = gate->bad;
    pthread_mutex_unlock (&gate->mutex);
    assert_false (bad);
    return stats;
}

//  One datagram at a time, each delivered (its callback ran) before the next
static void
s_gate_ping (gate_t *gate, asynrole_agent_t *agent, uint32_t first)
{
    asynrole_addr_t to = *asynrole_agent_local (agent, 0);
    to.via = 0;
    for (uint32_t seq = first; seq < first + PING_N; seq++) {
        s_send (&to, seq, 1);
        pthread_mutex_lock (&gate->mutex);
        struct timespec deadline = tu_deadline (TU_TIMEOUT_MS);
        int rc = 0;
        while (gate->account.last_seq != (int64_t) seq && rc == 0)
            rc = pthread_cond_timedwait (&gate->cond, &gate->mutex, &deadline);
        pthread_mutex_unlock (&gate->mutex);
        assert_int_equal (rc, 0);
    }
}

static void
test_pause_agent_callback (void **state)
{
    (void) state;
    gate_t gate;
    s_gate_init (&gate);
    asynrole_options_t options = s_options (false);
    role_ref_t role = { .agent = tu_agent_new (s_gated_cb, &gate, "127.0.0.1:0", &options) };
    uint32_t sent = s_fill (&role, -1);
    s_gate_open (&gate);
    asynrole_stats_t stats = s_gate_drain (&gate, role.agent, sent);
    s_check ("agent, callback mode", &gate.account, &stats, sent, 0);
    s_gate_ping (&gate, role.agent, sent);
    asynrole_stats_t after = tu_agent_stats (role.agent, 0);
    assert_int_equal (after.dropped, stats.dropped);
    assert_int_equal (after.rx_datagrams + after.kernel_dropped, sent + PING_N);
    tu_agent_destroy (&role.agent);
    s_gate_fini (&gate);
}

//  -------------------------------------------------------------------------
//  The policy at run time

//  PAUSE to DROP: the I/O actor reads the kernel's backlog at once (and
//  drops it: the role still holds its bound), with no room given back
static void
test_pause_to_drop (void **state)
{
    (void) state;
    gate_t gate;
    s_gate_init (&gate);
    asynrole_options_t options = s_options (false);
    role_ref_t role = { .agent = tu_agent_new (s_gated_cb, &gate, "127.0.0.1:0", &options) };
    uint32_t sent = s_fill (&role, -1);
    asynrole_stats_t stats = s_stats (&role);
    //  Paused, the kernel holds what it did not drop: nothing reads it
    assert_true (stats.rx_datagrams + stats.kernel_dropped < sent);
    asynrole_error_t error;
    assert_int_equal (agent_set_overflow (role.agent, ASYNROLE_OVERFLOW_DROP, &error), 0);
    //  The callback still waits: only the switch makes the I/O actor read
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    for (int i = 0;
         i < 100000 && stats.rx_datagrams + stats.kernel_dropped < sent && tu_now () < deadline;
         i++)
        stats = s_stats (&role);
    assert_int_equal (stats.rx_datagrams + stats.kernel_dropped, sent);
    uint64_t paused = stats.paused;
    //  In DROP, what comes now is read and dropped, never paused
    asynrole_addr_t to = s_local (&role);
    s_send (&to, sent, PAUSE_N);
    sent += PAUSE_N;
    s_gate_open (&gate);
    stats = s_gate_drain (&gate, role.agent, sent);
    assert_int_equal (stats.paused, paused);
    assert_int_equal (gate.account.delivered + stats.dropped, stats.rx_datagrams);
    assert_int_equal (gate.account.noticed, stats.dropped);
    //  And back to PAUSE
    assert_int_equal (agent_set_overflow (role.agent, ASYNROLE_OVERFLOW_PAUSE, &error), 0);
    s_gate_ping (&gate, role.agent, sent);
    tu_agent_destroy (&role.agent);
    s_gate_fini (&gate);
}

//  -------------------------------------------------------------------------
//  One I/O actor, two roles

//  While one role is paused, the other is served; the paused one, destroyed
//  with its socket paused (and one of its events alive), leaves nothing
static void
test_pause_shared_io (void **state)
{
    (void) state;
    asynrole_io_t *io = tu_io_new ();
    asynrole_options_t options = s_options (true);
    options.io = io;
    role_ref_t paused = { .agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &options) };
    tu_collector_t *echoed = tu_collector_new ();
    asynrole_options_t other = { .io = io, .overflow = ASYNROLE_OVERFLOW_PAUSE };
    asynrole_agent_t *served = tu_agent_new (tu_agent_echo_cb, echoed, "127.0.0.1:0", &other);
    uint32_t sent = s_fill (&paused, -1);
    asynrole_addr_t bound;
    int client = tu_client ("127.0.0.1", &bound);
    uint16_t port = asynrole_addr_port (asynrole_agent_local (served, 0));
    for (int i = 0; i < PING_N; i++) {
        char text[32];
        snprintf (text, sizeof text, "ping %d", i);
        tu_ask (client, "127.0.0.1", port, text);
    }
    //  The paused role is still paused and still full
    asynrole_stats_t stats = s_stats (&paused);
    assert_true (stats.paused > 0 && stats.rx_datagrams + stats.kernel_dropped < sent);
    asynrole_event_t *kept = tu_event_wait (s_socket (&paused), TU_TIMEOUT_MS);
    assert_non_null (kept);
    tu_agent_destroy (&paused.agent);
    asynrole_event_destroy (&kept);
    for (int i = 0; i < PING_N; i++)
        tu_ask (client, "127.0.0.1", port, "after");
    close (client);
    tu_agent_destroy (&served);
    tu_io_destroy (&io);
}

//  A role with its own I/O actor, destroyed while paused with its events
//  unread and the kernel holding datagrams: nothing is left
static void
test_pause_destroy_paused (void **state)
{
    (void) state;
    asynrole_options_t options = s_options (true);
    role_ref_t role = { .agent = tu_agent_new (NULL, NULL, "127.0.0.1:0", &options) };
    uint32_t sent = s_fill (&role, -1);
    asynrole_stats_t stats = s_stats (&role);
    assert_true (stats.paused > 0 && stats.rx_datagrams + stats.kernel_dropped < sent);
    tu_agent_destroy (&role.agent);
}

//  -------------------------------------------------------------------------
//  A paused socket whose address goes, and comes back

static asynrole_stats_t
s_wait_down (role_ref_t *role, uint64_t down, uint64_t rebound)
{
    asynrole_stats_t stats = s_stats (role);
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    for (int i = 0;
         i < 100000 && (stats.down != down || stats.rebound != rebound) && tu_now () < deadline;
         i++)
        stats = s_stats (role);
    return stats;
}

static int
s_down_and_back (void *arg)
{
    (void) arg;
    s_child = true;
    if (system ("ip link add va type veth peer name vb && ip link set va up && ip link set vb up "
                "&& ip addr add 10.9.0.1/24 dev va && ip addr add 10.9.0.2/24 dev vb"))
        return TU_SKIP;
    TU_CHECK (tu_wait_local ("10.9.0.1", TU_TIMEOUT_MS)
                  && tu_wait_local ("10.9.0.2", TU_TIMEOUT_MS),
              "the addresses are not local");
    asynrole_options_t options = s_options (true);
    options.rebind_interval = 50;
    //  A buffer that holds more than one read takes (256 datagrams): the
    //  socket going down is read to its end, not closed with them
    options.rcvbuf = 512 * 1024;
    asynrole_error_t error;
    role_ref_t role = { .agent = asynrole_agent_new (NULL, NULL, (const char *[]){ "10.9.0.1:0" },
                                                     1, &options, &error) };
    TU_CHECK (role.agent, "an Agent: %s", error.detail);
    asynrole_addr_t to = s_local (&role);
    int sender = tu_udp_socket ("10.9.0.2", NULL);
    TU_CHECK (sender >= 0, "a sender: %s", strerror (errno));
    uint32_t sent = s_fill (&role, sender);
    TU_CHECK (system ("ip addr del 10.9.0.1/24 dev va") == 0, "ip addr del");
    asynrole_stats_t stats = s_wait_down (&role, 1, 0);
    TU_CHECK (stats.down == 1 && stats.went_down == 1, "down: %llu",
              (unsigned long long) stats.down);
    //  Read to its end as it went: every datagram sent is accounted for
    TU_CHECK (stats.rx_datagrams + stats.kernel_dropped == sent, "read %llu, kernel %llu",
              (unsigned long long) stats.rx_datagrams, (unsigned long long) stats.kernel_dropped);
    TU_CHECK (system ("ip addr add 10.9.0.1/24 dev va") == 0, "ip addr add");
    stats = s_wait_down (&role, 0, 1);
    TU_CHECK (stats.down == 0 && stats.rebound == 1, "rebound: %llu",
              (unsigned long long) stats.rebound);
    TU_CHECK (tu_wait_local ("10.9.0.1", TU_TIMEOUT_MS), "the address is not local again");
    //  The reader drains: reading goes on, on the new descriptor
    account_t account = { .last_seq = -1 };
    stats = s_drain (&role, &account, sent);
    //  Dropped besides the pauses' batches: what the buffer held as it went
    TU_CHECK (stats.rcvbuf >= 512 * 1024, "rcvbuf %llu", (unsigned long long) stats.rcvbuf);
    s_check ("a paused socket down and back", &account, &stats, sent,
             stats.rcvbuf / LIMIT_RX_TRUESIZE_MIN / LIMIT_RX_BATCH + 1);
    TU_CHECK (stats.dropped > LIMIT_RX_ROUNDS * LIMIT_RX_BATCH, "%llu dropped: nothing was tested",
              (unsigned long long) stats.dropped);
    TU_CHECK (account.interface + account.lost_errors == 2, "interface events: %llu + %llu lost",
              (unsigned long long) account.interface, (unsigned long long) account.lost_errors);
    //  One at a time, each delivered before the next goes
    uint32_t got = 0;
    for (; got < PING_N; got++) {
        s_send_from (sender, &to, sent + got, 1);
        asynrole_event_t *event = tu_event_wait (s_socket (&role), TU_TIMEOUT_MS);
        const asynrole_datagram_t *datagram = event ? asynrole_event_datagram (event) : NULL;
        bool ok = datagram && s_account (&account, datagram, NULL)
            && account.last_seq == (int64_t) (sent + got);
        asynrole_event_destroy (&event);
        if (!ok)
            break;
    }
    TU_CHECK (got == PING_N, "%u of %d after it came back", got, PING_N);
    close (sender);
    asynrole_agent_destroy (&role.agent);
    return 0;
}

static void
test_pause_down_and_back (void **state)
{
    (void) state;
    tu_child (s_down_and_back, NULL, true, NULL, 60);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown (test_pause_agent_pipe, tu_teardown),
        cmocka_unit_test_teardown (test_pause_manager_pipe, tu_teardown),
        cmocka_unit_test_teardown (test_pause_errors, tu_teardown),
        cmocka_unit_test_teardown (test_pause_bad_policy, tu_teardown),
        cmocka_unit_test_teardown (test_pause_agent_callback, tu_teardown),
        cmocka_unit_test_teardown (test_pause_to_drop, tu_teardown),
        cmocka_unit_test_teardown (test_pause_shared_io, tu_teardown),
        cmocka_unit_test_teardown (test_pause_destroy_paused, tu_teardown),
        cmocka_unit_test_teardown (test_pause_down_and_back, tu_teardown),
    };
    return tu_main (tests, argc, argv);
}
