/*  tu_remote.h - shared helpers for the white-box tests of Agent workers
    and remote Managers (asynrole_remote.h): what the workers actor and a
    worker report, counted under a mutex to wait on with a deadline; a
    registry of the hubs and workers a test made, freed by the teardown even
    when an assertion cut the case short; UDP helpers; a raw DEALER peer that
    speaks the protocol by hand (rwire). Linked into the white-box programs
    only (it reaches the library's inner classes: ctx, frames, rmsg, rwire).
*/
#ifndef TU_REMOTE_H_INCLUDED
#define TU_REMOTE_H_INCLUDED

#include "testutil.h"
#include "rwire.h"

//  Heartbeats in tests: 50 ms; gone after 150 ms where a case waits for a
//  loss, else after tu_hb_timeout = 2 s (a slow machine, valgrind, must not
//  lose a worker); tu_remote_teardown sets it back to 2 s
#define TU_HEARTBEAT 50
extern int tu_hb_timeout;

//  -------------------------------------------------------------------------
//  What the workers actor reports (tu_hub_event counts its events)

typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    size_t joined;       //  ASYNROLE_OK events
    size_t gone;         //  ASYNROLE_EDISCONNECTED events
    size_t lost;         //  their counts summed
    size_t dropped;      //  ASYNROLE_EDROPPED counts summed
    size_t drop_events;  //  ASYNROLE_EDROPPED events
    size_t protocol;     //  ASYNROLE_EPROTOCOL events
    size_t closed;       //  ASYNROLE_ECLOSED events
    size_t other;        //  anything else
} tu_hub_events_t;

//  The workers actor's event callback: counts into ctx (a tu_hub_events_t)
void tu_hub_event (void *ctx, const asynrole_error_t *event);

//  Zeroes the counts, makes the mutex and the condition (CLOCK_MONOTONIC)
void tu_hub_events_init (tu_hub_events_t *self);

//  -------------------------------------------------------------------------
//  A worker of the library's, as a test sees it (tu_wk_cb counts into it)

typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    size_t datagrams;          //  callbacks run
    size_t joined;             //  ASYNROLE_OK events
    size_t lost;               //  ASYNROLE_EDISCONNECTED events
    size_t protocol;           //  ASYNROLE_EPROTOCOL events
    bool echo;                 //  reply with what came
    bool block;                //  hold each callback until released
    size_t blocked;            //  callbacks waiting now
    size_t returned;           //  callbacks that returned
    size_t hub_joined;         //  test_pause: the workers actor's events,
    size_t hub_dropped;        //  counted here to wait on one condition
    size_t agent_dropped;      //  the Agent's own drops (its events, passed on)
    asynrole_workers_t *hub;   //  when set, the callback checks credit against it
    uint32_t credit;           //  its credit, for that check
    size_t over_credit;        //  times a worker held more than its credit
    asynrole_datagram_t last;  //  the last datagram (without its data)
    char last_data[64];        //  its payload, NUL-terminated
} tu_wk_t;

//  Zeroes the record, makes the mutex and the condition (CLOCK_MONOTONIC)
void tu_wk_init (tu_wk_t *self);

//  A worker's callback, ctx a tu_wk_t: records datagrams (echoes them when
//  echo is set, holds them while block is set) and counts events
void tu_wk_cb (asynrole_worker_t *worker, void *ctx, const asynrole_datagram_t *datagram,
               const asynrole_error_t *error);

//  Lets every held callback return
void tu_wk_release (tu_wk_t *self);

//  -------------------------------------------------------------------------
//  What the test made, destroyed before the Agents even when a case fails:
//  a case that makes a hub or worker by hand puts it in a free slot here

#define TU_REMOTE_MAX 8
extern asynrole_workers_t *tu_hubs[TU_REMOTE_MAX];
extern asynrole_worker_t *tu_workers[TU_REMOTE_MAX];

//  A workers actor on agent at endpoint, heartbeats TU_HEARTBEAT and
//  tu_hb_timeout, its events to on_event; registered; fails the test if
//  it cannot be made
asynrole_workers_t *tu_hub_new_fn (asynrole_agent_t *agent, const char *endpoint,
                                   asynrole_overflow_t overflow, asynrole_remote_event_fn *on_event,
                                   void *event_ctx);

//  The same, its events counted into events
asynrole_workers_t *tu_hub_new (asynrole_agent_t *agent, const char *endpoint,
                                asynrole_overflow_t overflow, tu_hub_events_t *events);

//  Unregisters and destroys a workers actor
void tu_hub_destroy (asynrole_workers_t **hub_p);

//  A worker connected to endpoint with credit and name, its callback
//  tu_wk_cb on wk; registered; fails the test if it cannot be made
asynrole_worker_t *tu_worker_new (const char *endpoint, tu_wk_t *wk, uint32_t credit,
                                  const char *name);

//  Unregisters and destroys a worker
void tu_worker_destroy (asynrole_worker_t **worker_p);

//  A cmocka teardown: destroys every registered worker and hub, then
//  tu_teardown (the Agents, ...); sets tu_hb_timeout back to 2 s
int tu_remote_teardown (void **state);

//  -------------------------------------------------------------------------
//  Waiting, with deadlines

//  Waits until *value >= n (under mutex, on cond), TU_TIMEOUT_MS at most
bool tu_wait_size (pthread_mutex_t *mutex, pthread_cond_t *cond, const size_t *value, size_t n);

//  Asserts that a field of a tu_hub_events_t / tu_wk_t reaches n in time
#define TU_WAIT_HUB(events, field, n) \
    assert_true (tu_wait_size (&(events)->mutex, &(events)->cond, &(events)->field, (n)))
#define TU_WAIT_WK(wk, field, n) \
    assert_true (tu_wait_size (&(wk)->mutex, &(wk)->cond, &(wk)->field, (n)))

//  A workers actor's statistics; fails the test if it cannot tell them
asynrole_remote_stats_t tu_hub_stats (asynrole_workers_t *hub);

//  -------------------------------------------------------------------------
//  UDP

//  Sends text from fd to to, asserting it all went
void tu_send_udp (int fd, const asynrole_addr_t *to, const char *text);

//  The Agent's index-th local address
asynrole_addr_t tu_agent_addr (asynrole_agent_t *agent, size_t index);

//  A datagram from fd within TU_TIMEOUT_MS, NUL-terminated: its size (or
//  -1), and where from
ssize_t tu_recv_from (int fd, char *buf, size_t size, asynrole_addr_t *from);

//  A barrier through a worker: sends "mark" to fd_addr through it and
//  waits for it on fd (see tu_remote.c)
void tu_barrier (asynrole_worker_t *worker, int fd, const asynrole_addr_t *fd_addr);

//  -------------------------------------------------------------------------
//  A raw peer that speaks the protocol by hand

//  A DEALER connected to endpoint (holds a reference on the context)
void *tu_raw_new (const char *endpoint);

//  Closes it and drops the reference
void tu_raw_destroy (void **sock_p);

//  Sends msg (asserted non-NULL, as rwire_encode made it), destroys it
void tu_raw_send (void *sock, zmsg_t *msg);

//  Sends HELLO with credit, heartbeat TU_HEARTBEAT, name "raw"
void tu_raw_hello (void *sock, uint32_t credit);

//  The next message of type (others are skipped), decoded into m; its
//  message is kept in *msg_p (m points into it); fails after TU_TIMEOUT_MS
void tu_raw_expect (void *sock, rwire_type_t type, rwire_msg_t *m, zmsg_t **msg_p);

//  The next ERROR (others are skipped): asserts its code and that it names
//  the protocol version we speak
void tu_raw_expect_error (void *raw, asynrole_code_t code);

//  Sends one frame of size bytes as it is (not encoded)
void tu_raw_frame (void *raw, const void *data, size_t size);

//  -------------------------------------------------------------------------
//  Remote Managers: statistics, and a raw DEALER (zsock) for the server

//  A request server's statistics; fails the test if it cannot tell them
asynrole_remote_stats_t tu_server_stats (asynrole_server_t *server);

//  A client's statistics; fails the test if it cannot tell them
asynrole_remote_stats_t tu_client_stats (asynrole_client_t *client);

//  A DEALER (zsock, linger 0) connected to endpoint
zsock_t *tu_zraw_new (const char *endpoint);

//  Encodes m and sends it, asserting both worked
void tu_zraw_send (zsock_t *sock, const rwire_msg_t *m);

//  The next message within timeout_ms, decoded (its zmsg in *msg_p, NULL
//  when none came); false when none came
bool tu_zraw_recv_within (zsock_t *sock, rwire_msg_t *m, zmsg_t **msg_p, int timeout_ms);

//  The next message, decoded (its zmsg in *msg_p); fails the test when none
//  comes within TU_TIMEOUT_MS
void tu_zraw_recv (zsock_t *sock, rwire_msg_t *m, zmsg_t **msg_p);

#endif
