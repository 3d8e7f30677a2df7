/*  fault_peer.h - a deterministic UDP peer for the request engine's tests

    A thread with plain UDP sockets (no ZeroMQ, no asynrole) that answers
    what it receives by a script: the i-th datagram it receives gets
    script[i] (the rest get otherwise). An action may drop the datagram,
    answer it late, answer it several times, or answer from the peer's
    other socket (another address or port). Answers may also be held until
    back (hold) until the test releases them, newest first: replies out of
    order, and as many at a time as the test lets go (so a test can keep
    100,000 requests outstanding, then let them finish without flooding the
    Manager's receive buffer). The answer is the datagram itself unless an
    answer function makes another.

    Nothing here is timed by sleeping: the thread polls its sockets and a
    stop eventfd with the time left to its next due answer. It records when
    each datagram arrived, so that tests can check attempt counts and
    backoff against the clock. */
#ifndef FAULT_PEER_H_INCLUDED
#define FAULT_PEER_H_INCLUDED

#include "asynrole.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    bool drop;     //  answer nothing
    int delay_ms;  //  answer this long after it came
    int copies;    //  answers sent: 0 = 1
    bool other;    //  from the other socket (fp_options_t.other)
} fp_action_t;

//  Make the answer to data into out (room bytes); return its size, or -1
//  to answer nothing. Runs in the peer's thread.
typedef int (fp_answer_fn) (void *ctx, size_t index, const uint8_t *data, size_t size, uint8_t *out,
                            size_t room);

typedef struct {
    const char *bind;           //  the peer's address, "127.0.0.1:0" when NULL
    const char *other;          //  the other socket's address, or NULL
    const fp_action_t *script;  //  what datagram i gets, for i < script_len
    size_t script_len;
    fp_action_t otherwise;  //  what the rest get
    bool hold;              //  keep every answer until fp_release
    fp_answer_fn *answer;   //  NULL: answer with the datagram itself
    void *answer_ctx;
    int rcvbuf;       //  receive buffer (SO_RCVBUFFORCE as root);
                      //  0 = the kernel's default
    size_t capacity;  //  answers that may wait at once, and
                      //  arrivals recorded; 0 = 4096 (made at
                      //  the start: nothing allocated later)
} fp_options_t;

typedef struct fault_peer_s fault_peer_t;

//  Start a peer; NULL (with a message on stderr) when it cannot. Every
//  peer is registered: fp_destroy_all (a test's teardown) ends those left.
fault_peer_t *fp_new (const fp_options_t *options);
void fp_destroy (fault_peer_t **self_p);
void fp_destroy_all (void);

//  A cmocka teardown: tu_teardown (the registered roles), then the peers
//  a failed case left
int fp_teardown (void **state);

//  The receive buffer the kernel gave (SO_RCVBUF's reading: twice the
//  bytes asked for)
int fp_rcvbuf (fault_peer_t *self);

//  Its addresses
const asynrole_addr_t *fp_addr (fault_peer_t *self);
const asynrole_addr_t *fp_other (fault_peer_t *self);

//  Datagrams received so far
size_t fp_received (fault_peer_t *self);

//  Answers sent so far (each copy counts)
size_t fp_answered (fault_peer_t *self);

//  Wait until n datagrams were received, at most timeout_ms; true if so
bool fp_wait_received (fault_peer_t *self, size_t n, int timeout_ms);

//  When datagram i arrived (us, CLOCK_MONOTONIC; the kernel's receive
//  stamp, not when the peer's thread read it), -1 if it has not
int64_t fp_arrival (fault_peer_t *self, size_t i);

//  Answers held now
size_t fp_held (fault_peer_t *self);

//  Send at most n held answers, newest first; how many were sent
size_t fp_release (fault_peer_t *self, size_t n);

//  Answers lost: no room to hold them (capacity), or sendto failed
size_t fp_lost (fault_peer_t *self);

#endif
