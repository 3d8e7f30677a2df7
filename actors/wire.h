/*  wire.h - what crosses the inproc pipes between the roles and the I/O actor

    Nothing here is public: the user-facing frames are in asynrole_event.h.

    Roles -> I/O actor: every role holds a PUSH socket connected to the I/O
    actor's one inbound PULL socket (so the I/O actor polls a fixed handful of
    items however many roles there are).
      - A single-frame message is a batch of WIRE_SEND records.
      - A multi-frame message is a control request, command name first:
          "ATTACH"  p data p ctl            -> ctl: "ATTACHED" 4 role_id
                    (the role made both pairs; the I/O actor takes the ends
                    it is given, writes to them, and hands them back on DETACH)
          "OPEN"    4 role_id 4 tag b local b connect i rcvbuf i sndbuf 4 buffer
                                            -> ctl: "OPENED" 4 socket_id b local b error
          "STATS"   4 role_id               -> ctl: "STATS" i count b records
          "DETACH"  4 role_id               -> ctl: "DETACHED"
        (4 = uint32 as text, b = binary, p = pointer, as in zsock_send.)
        A role waits for each answer on its ctl pair, so it never has more
        than one request open and an answer always finds room.

    I/O actor -> one role: a PAIR ("data") for batches of WIRE_DATAGRAM,
    WIRE_ERROR and WIRE_DROPS records, sent without waiting: when the role's
    queue is full the batch is dropped and counted, and a WIRE_DROPS record
    leads the next batch that gets through, or goes alone as soon as the
    queue has room (the I/O actor polls the data PAIR of such a role for
    POLLOUT). A second PAIR ("ctl") carries the answers above.

    A batch frame is records back to back, each a wire_rec_t followed by
    size payload bytes, padded to WIRE_ALIGN. All in host byte order:
    the pipes never leave the process.
*/
#ifndef ASYNROLE_WIRE_H_INCLUDED
#define ASYNROLE_WIRE_H_INCLUDED

#include "asynrole_types.h"
#include <stdint.h>

#define WIRE_ALIGN 8

//  Datagrams per recvmmsg / sendmmsg call, and per batch message
#define WIRE_BATCH 64

//  A batch message holds at most this many payload bytes (bounds the memory a
//  full role queue can hold: queue * WIRE_BATCH_BYTES)
#define WIRE_BATCH_BYTES (256 * 1024)

typedef enum {
    WIRE_SEND = 1,      //  role -> I/O: send payload to peer (len 0 = connected)
    WIRE_DATAGRAM = 2,  //  I/O -> role: payload arrived from peer at local
    WIRE_ERROR = 3,     //  I/O -> role: op failed with err concerning peer
    WIRE_DROPS = 4      //  I/O -> role: datagrams / error events dropped (queue full)
} wire_type_t;

typedef struct {
    uint16_t type;          //  wire_type_t
    uint16_t op;            //  asynrole_op_t, for WIRE_ERROR
    uint32_t socket;        //  WIRE_SEND: I/O socket id; else the role's tag
    uint32_t size;          //  payload bytes that follow this header
    uint32_t original;      //  bytes the sender sent (> size when truncated)
    uint32_t flags;         //  ASYNROLE_DGRAM_*
    uint32_t ifindex;       //  interface it arrived on (IP_PKTINFO)
    int32_t err;            //  errno, for WIRE_ERROR
    uint32_t errors;        //  WIRE_DROPS: error events dropped since the last notice
    uint64_t count;         //  WIRE_DROPS: datagrams dropped since the last notice
    asynrole_addr_t peer;   //  source (in) or destination (out)
    asynrole_addr_t local;  //  address it arrived at (in)
} wire_rec_t;

//  Bytes one record takes in a batch
static inline size_t
wire_rec_span (size_t payload)
{
    return (sizeof (wire_rec_t) + payload + WIRE_ALIGN - 1) & ~(size_t) (WIRE_ALIGN - 1);
}

//  Socket ids: slot index in the low bits, a generation above, so that a
//  stale id (a closed socket whose slot was reused) is never mistaken
#define WIRE_SLOT_BITS 20
#define WIRE_SLOT_MASK ((1u << WIRE_SLOT_BITS) - 1)

#endif
