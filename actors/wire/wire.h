/*  wire.h - what crosses the inproc pipes between the roles and the I/O actor

    Nothing here is public: the user-facing frames are in asynrole_event.h.
    All in host byte order and with pointers: these pipes never leave the
    process (a remote protocol of its own will, docs/design.md).

    Roles -> I/O actor: every role holds a PUSH socket connected to the I/O
    actor's one inbound PULL socket (so the I/O actor polls a fixed handful of
    items however many roles there are). Nothing on it is ever refused: a
    role's sends are bounded by its send credit (link.h), its control
    requests by one open request per waiting caller.
      - A single-frame message is a batch of WIRE_SEND records.
      - A multi-frame message is a control request: its name, then a sequence
        number the answer repeats (4 = uint32 as text, i = int as text,
        b = binary, p = pointer, as in zsock_send):
          "ATTACH"  4 seq p link p data p ctl
                        -> "ATTACHED" 4 seq i role_id (-1 = refused) b error
          "OPEN"    4 seq 4 role_id b wire_open_t
                        -> "OPENED" 4 seq 4 socket_id (0 = failed) b bound b error
                           i dual (an IPv6 socket that takes IPv4 too)
                           (wire_open_t.fd, when not -1, is the I/O actor's
                           from the moment the request is read: it closes
                           it when the socket fails, and with the socket)
          "STATS"   4 seq 4 role_id      -> "STATS" 4 seq i count b records
          "DETACH"  4 seq 4 role_id      -> "DETACHED" 4 seq
        The role made both pairs (data and ctl); the I/O actor writes to the
        ends it is lent from ATTACH until it answers DETACH. Answers go on
        the role's ctl pair, which has no high-water mark, so none is ever
        refused; a caller that gave up on an answer discards it by its
        number (role_ctl.h).

    I/O actor -> one role: the data pair carries batch frames of
    WIRE_DATAGRAM, WIRE_ERROR and WIRE_DROPS records. What the role holds is
    bounded in bytes by its link (link.h): past options.max_bytes the batch
    is dropped and counted, and a WIRE_DROPS record leads the next batch
    that gets through, or goes alone as soon as the role has room (the
    link's doorbell wakes the I/O actor).

    A batch frame is records back to back, each a wire_rec_t followed by
    size payload bytes, padded to WIRE_ALIGN.
*/
#ifndef ASYNROLE_WIRE_H_INCLUDED
#define ASYNROLE_WIRE_H_INCLUDED

#include "asynrole_types.h"
#include <stddef.h>
#include <stdint.h>

#define WIRE_ALIGN 8

//  Room for a device name (IFNAMSIZ)
#define WIRE_DEVICE_MAX 16

typedef enum {
    WIRE_SEND = 1,      //  role -> I/O: send payload to peer (len 0 = connected)
    WIRE_DATAGRAM = 2,  //  I/O -> role: payload arrived from peer at local
    WIRE_ERROR = 3,     //  I/O -> role: op failed with err concerning peer
    WIRE_DROPS = 4      //  I/O -> role: datagrams / error events dropped (role full)
} wire_type_t;

typedef struct {
    uint16_t type;          //  wire_type_t
    uint16_t op;            //  asynrole_op_t, for WIRE_ERROR
    uint32_t socket;        //  WIRE_SEND: I/O socket id; else the role's tag
    uint32_t size;          //  payload bytes that follow this header
    uint32_t original;      //  bytes the sender sent (> size when truncated)
    uint32_t flags;         //  ASYNROLE_DGRAM_*
    uint32_t ifindex;       //  interface it arrived on (IP_PKTINFO); to leave by
    int32_t err;            //  errno, for WIRE_ERROR
    uint32_t errors;        //  WIRE_DROPS: error events dropped since the last notice
    uint64_t count;         //  WIRE_DROPS: datagrams dropped since the last notice
    asynrole_addr_t peer;   //  source (in) or destination (out)
    asynrole_addr_t local;  //  address it arrived at (in); to leave from (out)
} wire_rec_t;

//  How a role's socket is opened (the OPEN request)
typedef struct {
    uint32_t tag;                  //  the role's index for it
    asynrole_addr_t local;         //  address to bind (fd -1)
    asynrole_addr_t connect_to;    //  peer to connect to; len 0 = none
    int fd;                        //  a bound descriptor to adopt; -1 = open one
    int rcvbuf;                    //  SO_RCVBUF to ask for; 0 = leave it
    int sndbuf;                    //  SO_SNDBUF to ask for; 0 = leave it
    uint32_t buffer_size;          //  bytes read per datagram
    bool reuse_port;               //  SO_REUSEPORT before bind
    bool dual_stack;               //  IPv6: IPV6_V6ONLY 0
    char device[WIRE_DEVICE_MAX];  //  SO_BINDTODEVICE; "" = none
    int rebind_ms;                 //  ms between attempts to bind it again once it
                                   //  failed for good; -1 = never (io_rebind.h)
} wire_open_t;

//  Name the hand-offs of messages for ThreadSanitizer (tsan.h): from the
//  roles to the I/O actor over the inbound socket, and the answers back
extern char wire_inbound_handoff;
extern char wire_answer_handoff;

//  Bytes one record takes in a batch
static inline size_t
wire_rec_span (size_t payload)
{
    return (sizeof (wire_rec_t) + payload + WIRE_ALIGN - 1) & ~(size_t) (WIRE_ALIGN - 1);
}

//  The record at offset in a frame of size bytes: copies its header into rec
//  and returns its payload, or NULL when no whole record is there (the end,
//  or a malformed frame)
static inline const uint8_t *
wire_rec_at (const uint8_t *frame, size_t size, size_t offset, wire_rec_t *rec)
{
    if (offset > size || size - offset < sizeof *rec)
        return NULL;
    __builtin_memcpy (rec, frame + offset, sizeof *rec);
    if (rec->size > size - offset - sizeof *rec || rec->peer.len > sizeof rec->peer.u
        || rec->local.len > sizeof rec->local.u)
        return NULL;
    return frame + offset + sizeof *rec;
}

//  wire_rec_at for a reader of the header's numbers: copies the fields
//  before peer, and peer.len and local.len (checked as wire_rec_at does);
//  the addresses stay in the frame (read them there, at payload - sizeof
//  *rec). A copy of the whole record cost about 14 instructions more.
static inline const uint8_t *
wire_rec_head_at (const uint8_t *frame, size_t size, size_t offset, wire_rec_t *rec)
{
    if (offset > size || size - offset < sizeof *rec)
        return NULL;
    const uint8_t *at = frame + offset;
    __builtin_memcpy (rec, at, offsetof (wire_rec_t, peer));
    __builtin_memcpy (&rec->peer.len, at + offsetof (wire_rec_t, peer.len), sizeof rec->peer.len);
    __builtin_memcpy (&rec->local.len, at + offsetof (wire_rec_t, local.len),
                      sizeof rec->local.len);
    if (rec->size > size - offset - sizeof *rec || rec->peer.len > sizeof rec->peer.u
        || rec->local.len > sizeof rec->local.u)
        return NULL;
    return at + sizeof *rec;
}

#endif
