/*  bounds.h - every limit of the library, named in one place

    The user-facing defaults (max_bytes, send_queue, timeout) are in
    asynrole_types.h; these are the internal ones. */
#ifndef ASYNROLE_BOUNDS_H_INCLUDED
#define ASYNROLE_BOUNDS_H_INCLUDED

#include "asynrole_types.h"

//  Datagrams per recvmmsg call (and receive buffers the I/O actor holds)
#define LIMIT_RX_BATCH 64

//  Datagrams per sendmmsg call
#define LIMIT_TX_BATCH 64

//  recvmmsg calls per socket per wake-up: bounds how long one busy socket
//  keeps the loop from its pipe and from the other sockets
#define LIMIT_RX_ROUNDS 4

//  The least a datagram costs a receive buffer (the kernel's skb truesize,
//  about 768 bytes for a small one): how many a buffer can hold at most,
//  when a socket that goes down is read to its end
#define LIMIT_RX_TRUESIZE_MIN 256

//  Ready sockets taken from epoll per wake-up
#define LIMIT_READY_SOCKETS 64

//  Messages from the roles handled per wake-up, for the same reason
#define LIMIT_INBOUND_PER_WAKE 256

//  Error-queue entries read per call
#define LIMIT_ERRQUEUE_PER_CALL 64

//  Payload bytes in one batch frame to a role
#define LIMIT_BATCH_BYTES (256 * 1024)

//  Bytes of sends a role's thread holds while it handles one batch
//  (role_batch.h) before it pushes them: the same bound as a batch the
//  other way, so that a batch of 64 replies to 4 KiB requests goes as one
//  frame. A record larger than this goes alone.
#define LIMIT_SEND_BATCH_BYTES (256 * 1024)

//  What a pipe-mode event costs beyond its record in the batch: the libzmq
//  content of its zero-copy frame, its place in libzmq's queue or the
//  reader's asynrole_event_t, and an error event's own frame. The dearest,
//  an error event read and kept, is about 784 bytes (docs/design.md).
//  Counted towards max_bytes, so that the bound holds in memory; measured
//  in tests/test_flow.c (test_pipe_mode_memory)
#define LIMIT_EVENT_OVERHEAD 768

//  Ancillary bytes per datagram: PKTINFO (v4 or v6) and SO_RXQ_OVFL
#define LIMIT_CONTROL_SIZE 128

//  Batches a role reads per wake-up, so that its pipe is heard between them
#define LIMIT_ROLE_BATCHES_PER_WAKE 64

//  Largest options.max_bytes and options.send_queue (1 TiB: no real bound,
//  but sums of them stay far from overflowing size_t)
#define LIMIT_BYTES_MAX ((size_t) 1 << 40)

//  Largest options.timeout and options.send_timeout: one day, in ms
#define LIMIT_TIMEOUT_MAX (24 * 3600 * 1000)

//  ENOBUFS from the kernel: retry the send after this many ms, doubling up
//  to the cap, since POLLOUT does not say when it clears
#define LIMIT_NOBUFS_RETRY_MS 1
#define LIMIT_NOBUFS_RETRY_MAX_MS 64

//  ENOBUFS with nothing taken for this long (a qdisc that drops all a route
//  carries): each datagram refused so fails for good (reported, tx_failed),
//  so that the sends behind it to other destinations go out; and so does
//  each ENOBUFS after it, as long as they come no further apart than this
#define LIMIT_NOBUFS_GIVE_UP_MS 1000

//  Sockets in one I/O actor: a socket id keeps this many bits for its slot,
//  the rest for a generation that tells a reused slot from the old socket
#define LIMIT_SLOT_BITS 20
#define LIMIT_SLOT_MASK ((1u << LIMIT_SLOT_BITS) - 1)

//  Descriptors free before libzmq starts a context (its reaper's and I/O
//  thread's pollers and mailboxes, and a margin): libzmq aborts when it cannot make them
#define LIMIT_CTX_START_FDS 8

//  Threads that can be made before libzmq starts a context: its reaper and
//  its I/O thread, and a margin of two (a thread just joined may count against
//  RLIMIT_NPROC for an instant more); libzmq aborts when it cannot make them
#define LIMIT_CTX_START_THREADS 4

//  How long the check waits for the kernel to release the threads it made
//  and joined (ctx.c, s_wait_released): they count against RLIMIT_NPROC
//  until then
#define LIMIT_CTX_RELEASE_MS 100

//  Characters of a caller's input quoted in an error's detail, and room
//  for the quote (the characters, the quotes, "..." and the length)
#define LIMIT_QUOTE 48
#define LIMIT_QUOTED (LIMIT_QUOTE + 48)

//  Room for an inproc endpoint's name, a role's name in log lines, and a
//  control request's name (the longest is "DETACH")
#define LIMIT_ENDPOINT 64
#define LIMIT_NAME 64
#define LIMIT_COMMAND 16

//  Ancillary bytes read with an error-queue entry (sock_extended_err and
//  the offender's address)
#define LIMIT_ERRQUEUE_CONTROL 256

//  A request's retries, at most (asynrole_policy_t.retries)
#define LIMIT_RETRIES 1000

//  The request engine's defaults (asynrole_requests_t): requests in flight,
//  and waiting for a place
#define LIMIT_IN_FLIGHT 100000
#define LIMIT_QUEUED 100000

//  Per-destination records a request engine keeps by default, when the
//  ones idle longest can go (asynrole_requests_t.max_destinations)
#define LIMIT_DESTINATIONS 65536

//  The most each of the engine's limits may be set to, and so the most
//  requests its table holds (in flight and waiting): two of them
#define LIMIT_REQUESTS_MAX 10000000u
#define LIMIT_SLOTS_MAX (2 * LIMIT_REQUESTS_MAX)

//  Without a key function, a reply is offered to at most this many requests
//  in flight to its source, oldest first, until one accepts it: bounds the
//  work one datagram can cause when validators refuse
#define LIMIT_OFFERS 16

//  First room of the tables that grow by doubling: socket slots, lists of
//  roles (attached, with notices due, with backlogs), and a socket's backlog
#define ROOM_FIRST_SLOTS 64
#define ROOM_FIRST_LIST 16
#define ROOM_FIRST_SOCKETS 4
#define ROOM_FIRST_BACKLOG (64 * 1024)
//  First room of a role's buffer of held sends (role_batch.h)
#define ROOM_FIRST_SEND_BATCH (16 * 1024)

//  How long stopping a capture waits for its writer to empty its queue
#define LIMIT_CAPTURE_CLOSE_MS 2000
//  A capture's writer queue at most (twice this is allocated)
#define LIMIT_CAPTURE_QUEUE_MAX ((size_t) 1 << 30)

#endif
