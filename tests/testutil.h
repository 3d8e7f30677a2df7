/*  testutil.h - shared helpers for the asynrole test suite

    - a collector that callbacks append copied events to, and that the test
      waits on with a deadline (never a sleep);
    - helpers to make Agents and Managers on loopback, failing the test with
      the library's own error text when they cannot be made;
    - a registry of what a test made, so that the teardown frees it even
      when an assertion cut the test short (no leak, no hang at exit);
    - plain-socket helpers: a closed port, a held port, a free-port check,
      a datagram received with a deadline;
    - tu_main: runs every case, or the one named on the command line (CTest
      runs each case on its own, tests/CMakeLists: test_<program>.<case>).
*/
#ifndef TESTUTIL_H_INCLUDED
#define TESTUTIL_H_INCLUDED

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "asynrole.h"
#include <czmq.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/resource.h>

//  How long any single wait may take before the test fails
#define TU_TIMEOUT_MS 5000

//  -------------------------------------------------------------------------
//  Collector

typedef struct {
    bool is_error;           //  error event (else a datagram)
    asynrole_error_t error;  //  copy of the error
    uint8_t *data;           //  copy of the payload (malloc'd, may be NULL)
    size_t size;
    size_t original_size;
    asynrole_addr_t peer;
    asynrole_addr_t local;
    unsigned ifindex;
    unsigned flags;
    int echo_rc;  //  agent echo: what asynrole_agent_send returned
    asynrole_error_t echo_error;
} tu_event_t;

typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;  //  signalled on every event (CLOCK_MONOTONIC)
    tu_event_t **events;
    size_t count;
    size_t max;
    size_t datagrams;      //  datagram events so far
    size_t errors;         //  error events so far
    size_t echo_failures;  //  agent echoes that asynrole_agent_send refused
    bool keep_data;        //  copy payloads (true by default)
} tu_collector_t;

//  Make a collector (registered: freed by tu_teardown if the test does not)
tu_collector_t *tu_collector_new (void);
void tu_collector_destroy (tu_collector_t **self_p);

//  Append a datagram or an error (thread-safe; what the callbacks call)
void tu_collector_add (tu_collector_t *self, const asynrole_datagram_t *datagram,
                       const asynrole_error_t *error, int echo_rc,
                       const asynrole_error_t *echo_error);

//  Wait until at least n events / datagrams / errors are in, or timeout_ms
//  passed. Return true when reached.
bool tu_collector_wait (tu_collector_t *self, size_t n, int timeout_ms);
bool tu_collector_wait_datagrams (tu_collector_t *self, size_t n, int timeout_ms);
bool tu_collector_wait_errors (tu_collector_t *self, size_t n, int timeout_ms);

size_t tu_collector_count (tu_collector_t *self);
size_t tu_collector_datagrams (tu_collector_t *self);
size_t tu_collector_errors (tu_collector_t *self);
size_t tu_collector_echo_failures (tu_collector_t *self);

//  Event at index (stable pointer, owned by the collector), NULL past the end
const tu_event_t *tu_collector_get (tu_collector_t *self, size_t index);

//  The index-th datagram event / error event, NULL if there is none
const tu_event_t *tu_collector_datagram (tu_collector_t *self, size_t index);
const tu_event_t *tu_collector_error (tu_collector_t *self, size_t index);

//  -------------------------------------------------------------------------
//  Callbacks; ctx is a tu_collector_t *

//  Agent: echo the payload back to datagram->peer and collect, both under
//  the collector's lock (so a test that has seen the reply finds the
//  request collected)
void tu_agent_echo_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
                       const asynrole_error_t *error);
//  Agent: collect only
void tu_agent_collect_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
                          const asynrole_error_t *error);
//  Agent: answer every request with asynrole_agent_reply (from the address
//  asked) and collect, with the reply's outcome
void tu_agent_reply_cb (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
                        const asynrole_error_t *error);
//  Manager: collect only
void tu_manager_collect_cb (asynrole_manager_t *manager, void *ctx,
                            const asynrole_datagram_t *datagram, const asynrole_error_t *error);

//  -------------------------------------------------------------------------
//  Roles (registered; tu_teardown destroys what is left)

//  Agent on one interface; fails the test (with the error's detail) on NULL
asynrole_agent_t *tu_agent_new (asynrole_agent_fn *callback, void *ctx, const char *iface,
                                const asynrole_options_t *options);
//  Agent on several interfaces
asynrole_agent_t *tu_agent_new_n (asynrole_agent_fn *callback, void *ctx, const char *const *ifaces,
                                  size_t count, const asynrole_options_t *options);
asynrole_manager_t *tu_manager_new (asynrole_manager_fn *callback, void *ctx,
                                    const char *destination, const char *iface,
                                    const asynrole_options_t *options);
asynrole_io_t *tu_io_new (void);

//  Destroy and forget (use these, not the library's, for registered objects)
void tu_agent_destroy (asynrole_agent_t **agent_p);
void tu_manager_destroy (asynrole_manager_t **manager_p);
void tu_io_destroy (asynrole_io_t **io_p);

//  Register an extra reference to io (asynrole_io_ref) for the teardown
void tu_io_track (asynrole_io_t *io);

//  Setup / teardown for cmocka groups: teardown destroys roles first, then
//  io references, then collectors and held sockets
int tu_setup (void **state);
int tu_teardown (void **state);

//  -------------------------------------------------------------------------
//  Addresses and plain sockets

//  Parse text, failing the test if it is not valid
asynrole_addr_t tu_addr (const char *text);

//  Text of an address in a static-per-call buffer the caller provides
#define TU_FMT(addr, buf) asynrole_addr_format ((addr), (buf), sizeof (buf))

//  Agent's index-th local address, as text
char *tu_agent_text (asynrole_agent_t *agent, size_t index, char *buf, size_t size);

//  Same IP (family + address) regardless of port, scope, via
bool tu_same_ip (const asynrole_addr_t *a, const asynrole_addr_t *b);

//  A loopback port nothing listens on: bind a plain UDP socket to
//  127.0.0.1:0 (AF_INET) or [::1]:0 (AF_INET6), read the port, close it
asynrole_addr_t tu_closed_port (int family);

//  Bind a plain UDP socket (no SO_REUSEADDR) to ip:0 and keep it open; fd is
//  registered and closed by tu_teardown unless tu_release_port closes it.
int tu_hold_port (const char *ip, asynrole_addr_t *bound);
void tu_release_port (int fd);

//  A request engine's key (asynrole_requests_t.key): a datagram's first 8
//  bytes; none for a shorter one
bool tu_key_first8 (void *ctx, const uint8_t *data, size_t size, uint64_t *key);

//  Can a plain UDP socket bind to addr right now?
bool tu_can_bind (const asynrole_addr_t *addr);

//  -------------------------------------------------------------------------
//  Time and waiting

//  Monotonic milliseconds
int64_t tu_now (void);

//  The CLOCK_MONOTONIC time timeout_ms from now, for pthread_cond_timedwait
//  on a condition variable set to that clock
struct timespec tu_deadline (int timeout_ms);

//  Wait up to timeout_ms for one event on sock (pipe mode); NULL on timeout
asynrole_event_t *tu_event_wait (void *sock, int timeout_ms);

//  Is sock readable within timeout_ms?
bool tu_readable (void *sock, int timeout_ms);

//  Fill buf with a pattern that depends on seed
void tu_fill (uint8_t *buf, size_t size, unsigned seed);

//  Raw "STATS" on an actor pipe: count records into stats (at most max);
//  returns count, or -1 (no answer in time, or a bad answer)
int tu_raw_stats (void *actor, asynrole_stats_t *stats, size_t max);

//  Raw command answered by "is": returns the code (or -100 on no answer in
//  time); text (if wanted) is the answer's text, caller frees with zstr_free
int tu_raw_answer (void *actor, char **text);

//  Fill a Manager's send queue with datagrams of size bytes (at most 1000)
//  until it stays full: try_send refuses and the kernel's buffer is full
//  too (stats.tx_backlog), so that no room comes until the link drains.
//  Returns how many were accepted, or -1 (it never filled, or an error).
int tu_fill_send_queue (asynrole_manager_t *manager, size_t size);

//  Stats of a role, failing the test when they cannot be had
asynrole_stats_t tu_manager_stats (asynrole_manager_t *manager);
asynrole_stats_t tu_agent_stats (asynrole_agent_t *agent, size_t index);

//  A plain UDP socket bound to ip:0 (not registered: the caller closes it)
int tu_udp_socket (const char *ip, asynrole_addr_t *bound);

//  tu_udp_socket, failing the test when it cannot be had; bound->via 0
int tu_client (const char *ip, asynrole_addr_t *bound);

//  Send text from fd to ip:port, wait for the answer (the same text), and
//  return where it came from; fails the test otherwise
asynrole_addr_t tu_ask (int fd, const char *ip, uint16_t port, const char *text);

//  A datagram from fd within timeout_ms into buf: its size, or -1
ssize_t tu_recv (int fd, void *buf, size_t size, int timeout_ms);

//  A FIFO the test reads only when it wants to, so that a capture's writer
//  waits in write(2): made at path, its read end open (non-blocking), and
//  its room as small as it goes (a page)
typedef struct {
    char path[512];
    int fd;            //  the read end
    size_t pipe_size;  //  the pipe's room
} tu_fifo_t;
void tu_fifo_make (tu_fifo_t *fifo, const char *path);

//  Read until want bytes are in, the writer closed (EOF) or TU_TIMEOUT_MS
//  passed; the bytes read
size_t tu_fifo_read (tu_fifo_t *fifo, uint8_t *buf, size_t want);

//  Microseconds on the monotonic clock
int64_t tu_now_us (void);

//  Waiting between threads, with a deadline: a condition variable on the
//  monotonic clock (tu_deadline's), a counter or flag read under its mutex,
//  and waits until the counter reaches n or the flag is set (true if so)
void tu_cond_init (pthread_cond_t *cond);
size_t tu_read_count (pthread_mutex_t *mutex, const size_t *count);
bool tu_wait_count (pthread_mutex_t *mutex, pthread_cond_t *cond, const size_t *count, size_t n,
                    int timeout_ms);
bool tu_wait_flag (pthread_mutex_t *mutex, pthread_cond_t *cond, const bool *flag, int timeout_ms);

//  Sockets, eventfds and epoll sets open in this process now
int tu_open_fds (void);

//  Set the soft RLIMIT_NOFILE; 0, or -1 with errno
int tu_set_nofile (rlim_t soft);

//  Bytes the process has allocated on the heap and not freed (the
//  sanitizer's count under ASan and TSan, malloc's otherwise)
size_t tu_heap_bytes (void);

//  -------------------------------------------------------------------------
//  Children: tests that change what a process has (its network namespace,
//  its descriptor limit) run their body in a child. The body reports with
//  TU_CHECK, never with cmocka's assertions (they belong to the parent).

//  Exit status of a body that could not set up (not root, no tc): skipped
#define TU_SKIP 77

//  In a body: on failure, say where and why and return 1
#define TU_CHECK(cond, ...)                                                           \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf (stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf (stderr, __VA_ARGS__);                                            \
            fprintf (stderr, "\n");                                                   \
            return 1;                                                                 \
        }                                                                             \
    } while (0)

//  Skip the running case, saying why (printed); with ASYNROLE_REQUIRE_ALL
//  set (CI, which has root and every tool) the case fails instead
void tu_skip (const char *why);

//  Wait until ip (an address the test added) is local to the kernel's
//  routing: a datagram to it is delivered, not dropped (tu_route.c says
//  why that can take a moment). True if so within timeout_ms; no cmocka
//  assertions (a child's body may call it).
bool tu_wait_local (const char *ip, int timeout_ms);

//  Run body (arg) in a child with a deadline of timeout_s seconds (SIGALRM
//  ends a child that overruns it). With netns, the child first enters a
//  network namespace of its own with lo up, and when qdisc is not NULL runs
//  "tc qdisc add dev lo root <qdisc>" (needs root: TU_SKIP otherwise).
//  Fails the test when the child fails; skips it on TU_SKIP.
void tu_child (int (*body) (void *arg), void *arg, bool netns, const char *qdisc, int timeout_s);

//  -------------------------------------------------------------------------
//  Running

//  Run the cases, or only the one named by argv[1] (an unknown name fails)
int tu_run (const struct CMUnitTest *tests, size_t count, int argc, char **argv);
#define tu_main(tests, argc, argv) \
    tu_run ((tests), sizeof (tests) / sizeof ((tests)[0]), argc, argv)

#endif
