/*  asynrole_types.h - what the roles hand you: datagrams, counters, options */
#ifndef ASYNROLE_TYPES_H_INCLUDED
#define ASYNROLE_TYPES_H_INCLUDED

#include "asynrole_addr.h"
#include "asynrole_error.h"
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct asynrole_io_s asynrole_io_t;
typedef struct asynrole_manager_s asynrole_manager_t;
typedef struct asynrole_agent_s asynrole_agent_t;

//  The Manager's request engine settings (asynrole_request.h)
struct asynrole_requests_s;

//  The datagram was larger than the socket's receive buffer: data holds its
//  first size bytes, original_size says how long it was.
#define ASYNROLE_DGRAM_TRUNCATED 0x1u

//  The largest UDP payload: 65,535 less the IP (IPv4 only) and UDP headers
#define ASYNROLE_DGRAM_MAX_IPV4 65507
#define ASYNROLE_DGRAM_MAX_IPV6 65527
#define ASYNROLE_DGRAM_MAX ASYNROLE_DGRAM_MAX_IPV6

//  Bytes read per datagram by default: every datagram arrives whole
#define ASYNROLE_BUFFER_SIZE 65536

//  Defaults of asynrole_options_t (each used when the field is 0)
#define ASYNROLE_DEFAULT_AGENT_RCVBUF (4 * 1024 * 1024)
#define ASYNROLE_DEFAULT_MAX_BYTES (64u * 1024 * 1024)
#define ASYNROLE_DEFAULT_SEND_QUEUE (1024u * 1024)
#define ASYNROLE_DEFAULT_TIMEOUT 5000
#define ASYNROLE_DEFAULT_REBIND_INTERVAL 1000

//  What a role does when it holds max_bytes (asynrole_options_t.overflow);
//  the workers actor takes the same choice when no worker has credit
//  (asynrole_remote.h)
typedef enum {
    ASYNROLE_OVERFLOW_DROP = 0,  //  the I/O actor keeps reading the role's UDP
                                 //  sockets and drops what it reads: counted
                                 //  (stats.dropped), reported (ASYNROLE_EDROPPED)
    ASYNROLE_OVERFLOW_PAUSE = 1  //  the I/O actor stops reading the role's
                                 //  sockets until it has room again (half of
                                 //  max_bytes): the kernel holds the backlog in
                                 //  the receive buffer and counts what it drops
                                 //  (stats.kernel_dropped); only the batch read
                                 //  when the bound was reached (at most 64
                                 //  datagrams per socket and pause) is dropped
} asynrole_overflow_t;

//  One datagram as a role receives it. Valid only during the callback (or
//  while its asynrole_event_t lives): copy what you keep.
typedef struct {
    const uint8_t *data;    //  payload
    size_t size;            //  bytes in data
    size_t original_size;   //  bytes the sender sent (> size when truncated)
    asynrole_addr_t peer;   //  who sent it; peer.via names the role's socket
                            //  it came in on (pass peer back to send)
    asynrole_addr_t local;  //  address it was sent to (IP_PKTINFO; for an IPv4
                            //  broadcast or multicast, the interface's own
                            //  address, which a reply leaves from); len 0 if
                            //  the kernel did not say
    unsigned ifindex;       //  interface it came in on, 0 if unknown
    unsigned flags;         //  ASYNROLE_DGRAM_*
} asynrole_datagram_t;

//  Counters for one UDP socket, kept by the I/O actor. Every datagram read is
//  either delivered or counted in one drop reason (filtered, rate_limited,
//  dropped) or, in ASYNROLE_OVERFLOW_PAUSE, left to the kernel, which
//  counts what it drops (kernel_dropped); every datagram a role asked to send
//  is either in tx_datagrams or counted in tx_failed (or waits, in
//  tx_backlog); every error event is either in errors or in errors_dropped.
//  Whatever is dropped is also reported to the role as an ASYNROLE_EDROPPED
//  event as soon as it has room.
typedef struct {
    asynrole_addr_t local;    //  the address the socket is bound to
    uint64_t rx_datagrams;    //  datagrams read from the kernel
    uint64_t rx_bytes;        //  their payload bytes (as sent)
    uint64_t tx_datagrams;    //  datagrams the kernel accepted
    uint64_t tx_bytes;        //  their payload bytes
    uint64_t truncated;       //  read but larger than the buffer (flagged)
    uint64_t dropped;         //  read but not delivered: the role held max_bytes
    uint64_t filtered;        //  read but not delivered: the source filter
    uint64_t rate_limited;    //  read but not delivered: the per-source rate limit
    uint64_t kernel_dropped;  //  dropped by the kernel, receive buffer full
                              //  (SO_MEMINFO when the counters are read)
    uint64_t tx_failed;       //  sends the kernel refused (each one reported),
                              //  and held sends whose push was lost
    uint64_t tx_blocked;      //  times the kernel had no room (send buffer full,
                              //  or ENOBUFS: a qdisc over its limit) and the
                              //  sends waited for it (none was lost; an ENOBUFS
                              //  with nothing taken for 1 s is a refusal)
    uint64_t tx_backlog;      //  datagrams waiting for that room right now
    uint64_t tx_waits;        //  sends that found the socket's send queue full
                              //  and waited (send_timeout) for room
    uint64_t errors;          //  error events delivered to the role
    uint64_t errors_dropped;  //  error events not delivered: the role held max_bytes
    uint64_t held;            //  bytes the role holds now (role-wide: the same in
                              //  each record of the role); 0 in asynrole_io_totals
    uint64_t held_max;        //  the most it has held (role-wide): at most
                              //  max_bytes + one batch (see docs/design.md)
    uint64_t rcvbuf;          //  SO_RCVBUF as the kernel granted it (it counts
                              //  its overhead: about twice the payload it holds)
    uint64_t sndbuf;          //  SO_SNDBUF likewise
    uint64_t went_down;       //  times its address or device went away, or it
                              //  failed for good, and it was closed
    uint64_t rebound;         //  times it was bound again after that
    uint64_t down;            //  1 while it is closed (sends to it fail), else 0
    uint64_t paused;          //  times the I/O actor stopped reading this socket
                              //  for want of room (ASYNROLE_OVERFLOW_PAUSE)
} asynrole_stats_t;

//  A role's source filter and per-source rate limit, applied by the I/O
//  actor before a datagram crosses to the role (docs/deployment.md).
//  Prefixes are CIDR text: "10.0.0.0/8", "192.0.2.7", "2001:db8::/32".
//  With allow entries, only sources in one of them pass; a source in a deny
//  entry never passes. Drops are counted (filtered, rate_limited) and
//  reported as ASYNROLE_EDROPPED events (op ASYNROLE_OP_FILTER / _RATE_LIMIT).
typedef struct {
    const char *const *allow;  //  prefixes let in; none = every source
    size_t allow_count;
    const char *const *deny;  //  prefixes kept out (deny wins over allow)
    size_t deny_count;
    uint32_t rate;   //  datagrams per second per source IP; 0 = no limit
    uint32_t burst;  //  datagrams a source may send at once; 0 = rate
    size_t sources;  //  sources tracked; past it the least recently
                     //  seen is forgotten; 0 = 65,536
} asynrole_filter_t;

//  Options shared by both roles. Zero-initialise, set what you need, pass a
//  pointer (or NULL for all defaults) to asynrole_manager_new / _agent_new.
typedef struct {
    asynrole_io_t *io;   //  I/O actor to share; NULL = the role starts its own
    const char *name;    //  name in log lines; NULL = "manager" / "agent"
    bool pipe_mode;      //  deliver events on the role's data socket
                         //  (asynrole_*_socket) instead of a callback
    size_t max_bytes;    //  received bytes the role may hold: queued towards
                         //  it, in its callback, or (pipe mode) in events not
                         //  yet destroyed. Past it the I/O actor drops and
                         //  counts, or stops reading (overflow);
                         //  0 = ASYNROLE_DEFAULT_MAX_BYTES (64 MiB)
    size_t send_queue;   //  bytes of sends per socket that the kernel has
                         //  not taken yet; past it a send waits (at most
                         //  send_timeout); 0 = ASYNROLE_DEFAULT_SEND_QUEUE (1 MiB)
    int timeout;         //  ms _stats waits for the I/O actor's answer; each
                         //  step of creating and destroying the role waits
                         //  this long, and at least the default; 0 = 5000
    int send_timeout;    //  ms a send waits for room in its socket's send
                         //  queue; 0 = 5000
    size_t buffer_size;  //  bytes read per datagram; longer ones are flagged
                         //  truncated; 0 = 65536 (nothing is ever truncated)
    int rcvbuf;          //  SO_RCVBUF for the role's sockets (SO_RCVBUFFORCE
                         //  first: past the system's cap when privileged);
                         //  0 = Agents ask for 4 MiB (storms of traps), Managers
                         //  and adopted sockets keep what they have; -1 = the
                         //  kernel's default. What was granted is in the stats.
    int sndbuf;          //  SO_SNDBUF likewise; 0 = kernel default
    bool verbose;        //  log what the role does (to stderr)
    bool dump;           //  hex-dump every datagram sent and received
    const struct asynrole_requests_s *requests;  //  a Manager's request engine
                                                 //  (asynrole_request.h); NULL =
                                                 //  its defaults. Copied.
    //  Deployment (docs/deployment.md)
    const char *device;               //  SO_BINDTODEVICE on every socket: an interface or a
                                      //  VRF (needs CAP_NET_RAW before Linux 5.7); NULL = none
    bool reuse_port;                  //  SO_REUSEPORT: other sockets of this user may bind
                                      //  the same address; the kernel spreads datagrams
                                      //  among them by a hash of source and destination
    bool dual_stack;                  //  IPv6 sockets take IPv4 too (IPV6_V6ONLY 0); IPv4
                                      //  peers show as plain IPv4 addresses. Default: V6ONLY
    const asynrole_filter_t *filter;  //  source filter and rate limit; NULL =
                                      //  none. Copied (the strings too).
    //  Reliability (docs/reliability.md)
    int rebind_interval;  //  ms between attempts to bind a socket again once its
                          //  address or device went away or it failed for good
                          //  (the first attempt is at once, and another comes
                          //  whenever an address or a link appears); 0 = 1000;
                          //  -1 = never: the socket stays closed
    //  Flow control (docs/design.md)
    asynrole_overflow_t overflow;  //  when the role holds max_bytes: DROP (default)
                                   //  reads and drops, counted; PAUSE stops reading
                                   //  its sockets until it has room (half of
                                   //  max_bytes): the kernel holds the backlog and
                                   //  counts its drops (kernel_dropped)
} asynrole_options_t;

//  Read the answer to a raw "STATS" command ("ib": a count, then count
//  records) from an actor pipe, waiting at most timeout ms. Fills at most
//  max records; returns the count, or -1 with error filled: ASYNROLE_ETIMEOUT
//  when no answer came, ASYNROLE_EINTERNAL when it is not a STATS answer or
//  the actor could not get the counters (count -1).
ASYNROLE_EXPORT int asynrole_stats_recv (void *actor, asynrole_stats_t *stats, size_t max,
                                         int timeout, asynrole_error_t *error);

#ifdef __cplusplus
}
#endif
#endif
