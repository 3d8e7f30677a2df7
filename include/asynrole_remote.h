/*  asynrole_remote.h - role work in other processes and on other hosts,
    over libzmq's own transports (tcp://, ipc://, inproc://)

    Agent workers. An asynrole_workers_t takes over a pipe-mode Agent's
    data socket and hands its datagrams to worker processes that connect to
    it; a worker (asynrole_worker_t) runs a callback for each datagram and
    answers through the Agent, whose reply leaves from the socket and the
    address the datagram came in on:

        Agent (UDP) -> workers actor -- tcp:// --> worker: callback
                                     <-- reply --

    Each worker says how many datagrams it may hold (its credit); the
    workers actor never sends a worker more than that, and spreads the
    datagrams round-robin over the workers that have credit left. When no
    worker has any, options.overflow applies: drop and count each datagram
    (ASYNROLE_EDROPPED events, op ASYNROLE_OP_WORKER), or stop reading the
    Agent's socket so that the Agent fills its max_bytes and its I/O actor
    stops reading the UDP sockets: the kernel holds the backlog and counts
    what it drops (stats.kernel_dropped). Both ends send a heartbeat every
    options.heartbeat ms when they have nothing else to send; a worker
    silent for options.heartbeat_timeout is gone: the datagrams it held
    (at most its credit) are counted as lost to it, and its share goes to
    the others. A worker that comes back says HELLO again and rejoins.

    Remote Managers. An asynrole_server_t takes requests from clients
    (asynrole_client_t, in other processes or on other hosts) and makes
    them on its Manager, with the request engine's policy; each request a
    client makes ends with exactly one result on that client: the
    server's (the reply, ENORESPONSE, ...) or the client's own when the
    server cannot give one (ASYNROLE_EDISCONNECTED: it went silent, went
    away, or restarted and no longer knows the request; ASYNROLE_ECLOSED:
    the client was destroyed). A server cancels the requests of a client
    that went silent. Bulk dispatch works as on a local Manager.

    The protocol (docs/protocol.md) is versioned; a message from the
    network that is malformed or of another version is dropped, counted
    (stats.malformed, stats.bad_version) and reported as an
    ASYNROLE_EPROTOCOL event, never more than one event a second per
    peer. inproc:// endpoints speak the same protocol.

    Security. With options.curve_secret_key (and _public_key), the binding
    end (workers actor, server) is a CURVE server: traffic is encrypted, a
    connecting end must hold the server's public key
    (options.curve_server_key) and a key pair of its own, and when
    options.curve_allow lists public keys, its public key must be one of
    them (each refused handshake is counted in stats.denied: a client
    retries, so one client adds one a retry; the library's own ZAP handler
    decides, in the library's own libzmq context, so a zauth of the
    program's never meets it). CURVE runs on tcp:// and ipc://; libzmq has
    no handshake on inproc://, where keys are accepted and change nothing. Without keys, a tcp:// endpoint must
    be on a loopback address ("tcp://127.0.0.1:*", "tcp://[::1]:5555")
    unless options.insecure is set: traffic in clear across hosts is a
    choice, never a default. Keys are Z85 text, 40 characters
    (zmq_curve_keypair, or asynrole_remote_keypair). What _new checks, and
    refuses with ASYNROLE_EBADARG before anything is made:
      - the endpoint: tcp://HOST:PORT with HOST an IPv4 literal, an [IPv6]
        literal (a %scope allowed), "*" (binding only) or, connecting only,
        a host name; PORT 1..65535, or "*" (binding only); ipc://PATH (1 to
        107 bytes; "@name" is abstract); inproc://NAME (not
        "zeromq.zap.01"). No spaces or control characters, 255 bytes at most.
      - binding on tcp:// without keys: HOST in 127.0.0.0/8 or ::1 unless
        insecure ("*", 0.0.0.0 and :: are off loopback; ::ffff:127.0.0.1 is on).
      - curve_secret_key and curve_public_key both or neither, each a valid
        Z85 key, the public one that of the secret one.
      - a connecting end with keys: a valid curve_server_key (and a server
        key only with keys); a binding end ignores curve_server_key.
      - curve_allow (binding ends; a connecting end ignores it): only with
        keys, every entry a valid key, at most 65,536 of them.
      - any CURVE option when libzmq was built without CURVE.

    Threads: every call is safe from any thread. The callbacks of a
    workers actor, a worker and a client run in that object's own thread;
    a result's callback may call anything on its client, its destroy
    included. Every call that asks the object's thread waits at most
    options.timeout.
*/
#ifndef ASYNROLE_REMOTE_H_INCLUDED
#define ASYNROLE_REMOTE_H_INCLUDED

#include "asynrole_agent.h"
#include "asynrole_blocking.h"
#include "asynrole_request.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct asynrole_workers_s asynrole_workers_t;
typedef struct asynrole_worker_s asynrole_worker_t;
typedef struct asynrole_server_s asynrole_server_t;
typedef struct asynrole_client_s asynrole_client_t;

//  The version of docs/protocol.md that this library speaks
#define ASYNROLE_PROTOCOL_VERSION 1

#define ASYNROLE_DEFAULT_HEARTBEAT 1000
#define ASYNROLE_DEFAULT_CREDIT 64
#define ASYNROLE_DEFAULT_MAX_CREDIT 10000
#define ASYNROLE_DEFAULT_CLIENT_IN_FLIGHT 100000

//  Something a workers actor, worker, server or client tells its owner:
//  a peer joined (code ASYNROLE_OK, op ASYNROLE_OP_REMOTE, address empty,
//  detail names it), left or went silent (ASYNROLE_EDISCONNECTED; count:
//  datagrams lost with it), datagrams dropped (ASYNROLE_EDROPPED, op
//  ASYNROLE_OP_WORKER, count), a message refused (ASYNROLE_EPROTOCOL), a
//  reply the Agent refused (op ASYNROLE_OP_WORKER), or any error event of
//  the Agent's own (an ICMP error, its drops): runs in the object's thread
typedef void (asynrole_remote_event_fn) (void *ctx, const asynrole_error_t *event);

//  Options of all four classes; zero-initialise and set what you need
typedef struct {
    const char *name;       //  in log lines and in HELLO; NULL = the class's name
    int timeout;            //  ms a call waits for the object's thread, and
                            //  _new for its start; 0 = ASYNROLE_DEFAULT_TIMEOUT
    int heartbeat;          //  ms between heartbeats; 0 = ASYNROLE_DEFAULT_HEARTBEAT;
                            //  at most one hour (server and client)
    int heartbeat_timeout;  //  ms of silence after which the peer is gone;
                            //  0 = 3 * heartbeat; at least 2 * heartbeat; at
                            //  most three hours (server and client: a client
                            //  takes its server's values within these bounds)
    //  Security
    const char *curve_secret_key;    //  this end's key pair (Z85, 40 characters);
    const char *curve_public_key;    //  both or neither; NULL = no CURVE
    const char *curve_server_key;    //  connecting ends: the server's public key
    const char *const *curve_allow;  //  binding ends: the client keys let in;
    size_t curve_allow_count;        //  none = any that holds the server key
    bool insecure;                   //  binding ends: allow tcp:// off loopback without CURVE
    bool verbose;                    //  log what happens (stderr)
    //  Workers actor (Agent side)
    asynrole_overflow_t overflow;  //  when no worker has credit: DROP drops,
                                   //  counts (stats.dropped) and reports each
                                   //  datagram; PAUSE stops reading the Agent's
                                   //  socket until a worker has credit: the Agent
                                   //  holds up to its max_bytes, then its I/O
                                   //  actor stops reading the UDP sockets and the
                                   //  kernel holds (and counts the drops of) the
                                   //  backlog (asynrole_types.h)
    uint32_t max_credit;           //  the most credit one worker is granted; 0 =
                                   //  ASYNROLE_DEFAULT_MAX_CREDIT
    //  Worker
    uint32_t credit;  //  datagrams this worker may hold at once (queued
                      //  towards it or in its callback); 0 = ASYNROLE_DEFAULT_CREDIT
    //  Client
    size_t max_in_flight;  //  requests awaiting their result; past it a request
                           //  fails with ASYNROLE_EWOULDBLOCK; 0 =
                           //  ASYNROLE_DEFAULT_CLIENT_IN_FLIGHT
    //  Events (all four): NULL = logged when verbose, else only counted
    asynrole_remote_event_fn *on_event;
    void *event_ctx;
} asynrole_remote_options_t;

//  Counters of a workers actor, a worker, a server or a client (the fields
//  that do not apply stay 0)
typedef struct {
    uint64_t peers;         //  peers connected now (workers, clients; 0 or 1 on
                            //  a connecting end)
    uint64_t joined;        //  peers that said HELLO
    uint64_t left;          //  peers that said BYE
    uint64_t lost;          //  peers that went silent (heartbeat_timeout);
                            //  workers actor: also a known worker's new HELLO
    uint64_t malformed;     //  messages refused as malformed
    uint64_t bad_version;   //  messages of another protocol version
    uint64_t unknown_peer;  //  messages from a peer that had not said HELLO
    uint64_t heartbeats;    //  heartbeats received
    uint64_t denied;        //  connections refused by CURVE's allow list
    //  Workers actor, worker
    uint64_t datagrams;       //  datagrams handed to workers (worker: received)
    uint64_t done;            //  of those, ended by their worker (credit back)
    uint64_t lost_datagrams;  //  of those, lost with a worker that went away
    uint64_t dropped;         //  datagrams dropped: no worker had credit
                              //  (ASYNROLE_OVERFLOW_DROP)
    uint64_t paused;          //  times reading stopped for want of credit
    uint64_t replies;         //  replies and sends from workers, sent by the Agent
    uint64_t replies_failed;  //  of those the Agent refused (each reported);
                              //  worker: sends from another thread dropped
                              //  because their caller had given up (ETIMEOUT)
    uint64_t in_worker;       //  datagrams with workers now (handed, not done)
    uint64_t credit;          //  credit free now, over all workers (worker:
                              //  the credit its WELCOME granted, 0 unjoined)
    //  Server, client
    uint64_t requests;      //  requests received (client: made)
    uint64_t results;       //  results sent (client: received and delivered)
    uint64_t cancelled;     //  server: requests cancelled for a client that
                            //  went silent or said BYE
    uint64_t orphaned;      //  server: results whose client was gone; client:
                            //  results for no request of ours (counted, dropped)
    uint64_t disconnected;  //  client: requests ended ASYNROLE_EDISCONNECTED
    uint64_t in_flight;     //  requests awaiting their result now
} asynrole_remote_stats_t;

//  A CURVE key pair, Z85 with its terminator (41 bytes each). 0, or -1
//  with ASYNROLE_EBADARG (a NULL buffer, or libzmq built without CURVE).
ASYNROLE_EXPORT int asynrole_remote_keypair (char *public_key, char *secret_key,
                                             asynrole_error_t *error);

//  ------------------------------------------------------------------
//  Agent side: the workers actor

//  Take over agent's data socket (it must be in pipe mode, and nothing
//  else may read that socket while the workers actor lives) and bind
//  endpoint for workers ("tcp://127.0.0.1:5555", "tcp://127.0.0.1:*",
//  "ipc:///run/traps.sock", "inproc://traps"). local, when given, runs in
//  the workers actor's thread first for each datagram, and keeps it when
//  it returns true (it may reply with asynrole_agent_reply): the Agent's
//  own callback besides its workers. Returns NULL with error filled:
//  ASYNROLE_EBADARG (no agent, callback mode, a bad endpoint, tcp:// off
//  loopback without CURVE or insecure, bad keys), ASYNROLE_ENETWORK (op
//  ASYNROLE_OP_REMOTE: the bind failed, sys_errno why, EADDRINUSE), ...
//  An Agent takes one workers actor: a second _new on it fails
//  ASYNROLE_EBADARG. asynrole_agent_destroy first detaches its workers
//  actor (waiting at most its options.timeout): that stops reading the
//  Agent and forgets it; a SEND from a worker after that is counted in
//  replies_failed with an ASYNROLE_ECLOSED event (at most one a second);
//  its _destroy then works as ever and touches no Agent. Not both
//  destroys at once from two threads. With options.overflow PAUSE it sets
//  the Agent's own overflow to PAUSE (set back by _destroy while the
//  Agent lives). Its thread reads
//  the Agent's socket in bursts; a burst's replies leave as one message
//  (asynrole_agent_hold); a datagram costs one message to a worker, never
//  a scan of the workers. No callback (local, on_event) runs before _new
//  has returned.
typedef bool (asynrole_local_fn) (void *ctx, asynrole_agent_t *agent,
                                  const asynrole_datagram_t *datagram);
ASYNROLE_EXPORT asynrole_workers_t *asynrole_workers_new (asynrole_agent_t *agent,
                                                          const char *endpoint,
                                                          asynrole_local_fn *local, void *local_ctx,
                                                          const asynrole_remote_options_t *options,
                                                          asynrole_error_t *error);

//  Say BYE to every worker, close, free, null *self_p; the Agent is left
//  as it was (its data socket unread: destroy it next, or read it; a new
//  workers actor may take it). The
//  endpoint is free again when it returns (a new workers actor may bind
//  it). Not from its own callbacks (refused, logged: nothing happens).
//  It waits for a local or on_event callback under way to return: unlike
//  the other calls here, with no deadline (a callback that never returns
//  holds it for ever).
ASYNROLE_EXPORT void asynrole_workers_destroy (asynrole_workers_t **self_p);

//  The endpoint bound, with the port the kernel chose for "tcp://...:*".
//  _stats and _list wait at most options.timeout; from the workers actor's
//  own callbacks (local, on_event) they are refused (ASYNROLE_EBADARG).
ASYNROLE_EXPORT const char *asynrole_workers_endpoint (asynrole_workers_t *self);

ASYNROLE_EXPORT int asynrole_workers_stats (asynrole_workers_t *self,
                                            asynrole_remote_stats_t *stats,
                                            asynrole_error_t *error);

//  One worker as the workers actor knows it: connected now, or one of the
//  last ASYNROLE_WORKERS_GONE that went away (so that what was lost to a
//  worker stays visible after it left)
#define ASYNROLE_WORKER_NAME_MAX 192
#define ASYNROLE_WORKERS_GONE 64
typedef struct {
    char name[ASYNROLE_WORKER_NAME_MAX + 1];  //  from its HELLO ("" if none)
    uint32_t credit;                          //  credit granted
    uint64_t in_worker;                       //  datagrams it holds now
    uint64_t datagrams;                       //  handed to it
    uint64_t done;                            //  of those, given back as done
    uint64_t lost_datagrams;                  //  of those, lost with it (it went
                                              //  silent, away, or said HELLO again)
    bool connected;                           //  false: a record of one gone
} asynrole_worker_info_t;

//  The workers, those connected first, then those gone
//  (the latest first). Fills at most max; returns how many there are (which
//  may be more than max), or -1 (ASYNROLE_ETIMEOUT, ...).
ASYNROLE_EXPORT int asynrole_workers_list (asynrole_workers_t *self, asynrole_worker_info_t *info,
                                           size_t max, asynrole_error_t *error);

//  ------------------------------------------------------------------
//  Worker side

//  Exactly one of datagram and error is non-NULL; error: joined (ASYNROLE_OK),
//  the workers actor lost (ASYNROLE_EDISCONNECTED), ... as on_event
typedef void (asynrole_worker_fn) (asynrole_worker_t *worker, void *ctx,
                                   const asynrole_datagram_t *datagram,
                                   const asynrole_error_t *error);

//  Connect to a workers actor's endpoint and say HELLO with options.credit;
//  callback runs in the worker's own thread for each datagram, which is
//  done (its credit given back) when the callback returns. Returns at once
//  (libzmq connects, and reconnects, in the background); NULL with error
//  filled (ASYNROLE_EBADARG: no callback, a bad endpoint, bad keys).
//  Credit goes back once per burst of datagrams (when what was readable
//  is done, or sooner when half the credit is), not once per datagram.
//  Its events (joined, the workers actor lost, refused messages) go to
//  callback, not to options.on_event. Each link to a workers actor is a
//  new socket: when one is lost (BYE, silence, ERROR EDISCONNECTED) the
//  worker says HELLO again on a new one, so nothing sent on the old link
//  reaches the next workers actor. No callback runs before _new returns.
ASYNROLE_EXPORT asynrole_worker_t *asynrole_worker_new (const char *endpoint,
                                                        asynrole_worker_fn *callback, void *ctx,
                                                        const asynrole_remote_options_t *options,
                                                        asynrole_error_t *error);

//  Say BYE, close, free, null *self_p. From the worker's own callback:
//  deferred until the callback returns. From another thread it waits at
//  most options.timeout for a callback under way; one still running then
//  (stuck) is logged, and the worker's thread ends, says BYE and frees the
//  worker's memory when the callback returns.
ASYNROLE_EXPORT void asynrole_worker_destroy (asynrole_worker_t **self_p);

//  Answer a datagram this worker received, from its callback: the Agent
//  sends data to its sender from the socket and address it came in on.
//  0 once queued towards the workers actor, or -1: ASYNROLE_EBADARG (not
//  from the callback, data too long), ASYNROLE_EDISCONNECTED (no workers
//  actor now). A reply the Agent refuses is counted and reported there.
ASYNROLE_EXPORT int asynrole_worker_reply (asynrole_worker_t *self,
                                           const asynrole_datagram_t *request, const void *data,
                                           size_t size, asynrole_error_t *error);

//  Send a datagram through the Agent to destination (its via names the
//  Agent's socket, as a datagram's peer does; 0 = the first of its family).
//  From the callback it is sent at once; from another thread it goes
//  through the worker's thread, waiting at most options.timeout (and a
//  quarter second more for an answer on its way). -1 as
//  asynrole_worker_reply (ASYNROLE_EDISCONNECTED when not joined now), or
//  ASYNROLE_ETIMEOUT: not sent (the worker's thread, busy in its callback,
//  drops it once free: counted in stats.replies_failed).
ASYNROLE_EXPORT int asynrole_worker_send (asynrole_worker_t *self, const void *data, size_t size,
                                          const asynrole_addr_t *destination,
                                          asynrole_error_t *error);

ASYNROLE_EXPORT int asynrole_worker_stats (asynrole_worker_t *self, asynrole_remote_stats_t *stats,
                                           asynrole_error_t *error);

//  ------------------------------------------------------------------
//  Manager side: the request server

//  Serve requests for manager on endpoint (as for asynrole_workers_new).
//  The Manager's key function, limits and default policy apply to remote
//  requests as to local ones. Each REQUEST a client sends is answered with
//  exactly one RESULT: the Manager's result (the reply, ENORESPONSE,
//  ECANCELLED, ...), or at once ASYNROLE_EBADARG / ASYNROLE_EWOULDBLOCK
//  when asynrole_manager_request refuses it (a bad policy, the engine's
//  max_queued), ASYNROLE_EBADARG for no destination (never the Manager's
//  default) and for a token of that client's already under way; a result
//  the server cannot encode (out of memory) is answered ASYNROLE_ENOMEM
//  without payload (should that fail too: counted orphaned, an event,
//  and the client's request ends with its link or its destroy). A client
//  that says BYE, goes silent for heartbeat_timeout, or says HELLO again
//  has its requests cancelled (stats.cancelled; their results are counted
//  in stats.orphaned, an ASYNROLE_EDISCONNECTED event tells how many). A
//  message from a peer that has not said HELLO is counted (unknown_peer)
//  and answered with an ERROR ASYNROLE_EDISCONNECTED (at most once a
//  second per routing id): its client says HELLO again. A frame larger
//  than any valid one (ZMQ_MAXMSGSIZE: ASYNROLE_DGRAM_MAX + 1024 bytes,
//  on the server's and the client's sockets) disconnects its sender. The result callbacks run in the Manager's thread and hand
//  the RESULT to the server's thread. The server claims its Manager: one
//  server per Manager. Destroy the server first; a Manager destroyed
//  first lets its server go before it stops (synchronously, at most the
//  server's options.timeout): the server makes no request on it after
//  that and answers every REQUEST with RESULT ASYNROLE_ECLOSED; those under
//  way end ASYNROLE_ECLOSED with the Manager, their RESULTs still reach
//  their clients; the server's destroy then touches no Manager. NULL with
//  error filled: ASYNROLE_EBADARG (no manager, a Manager that has a server
//  already, a bad endpoint or options), ASYNROLE_ENETWORK (op ASYNROLE_OP_REMOTE: the bind
//  failed, sys_errno why), ASYNROLE_ETIMEOUT (its thread did not start).
ASYNROLE_EXPORT asynrole_server_t *asynrole_server_new (asynrole_manager_t *manager,
                                                        const char *endpoint,
                                                        const asynrole_remote_options_t *options,
                                                        asynrole_error_t *error);

//  Cancel what clients have under way (each gets its result, ECANCELLED),
//  say BYE, close (what is queued to clients is sent for at most
//  min (options.timeout, 1 s)), free, null *self_p. The Manager is left as
//  it was (and may have a server again). Not from the server's own on_event (refused, logged).
ASYNROLE_EXPORT void asynrole_server_destroy (asynrole_server_t **self_p);

//  The endpoint bound, with the port the kernel chose for "tcp://...:*"
ASYNROLE_EXPORT const char *asynrole_server_endpoint (asynrole_server_t *self);

//  The server's counters (peers, joined, left, lost, malformed,
//  bad_version, unknown_peer, heartbeats, denied, requests, results,
//  cancelled, orphaned, in_flight: requests made on the Manager whose
//  result the server has not handled yet). 0, or -1 (ASYNROLE_ETIMEOUT
//  after options.timeout)
ASYNROLE_EXPORT int asynrole_server_stats (asynrole_server_t *self, asynrole_remote_stats_t *stats,
                                           asynrole_error_t *error);

//  ------------------------------------------------------------------
//  Client side

//  A result, in the client's thread (asynrole_result_t as on a Manager:
//  the reply with its peer, attempts, attempt and rtt_us, or the error
//  with code, op, sys_errno and detail as the server's Manager gave them;
//  reply->peer.via is 0)
typedef void (asynrole_client_result_fn) (asynrole_client_t *client, void *ctx,
                                          const asynrole_result_t *result);

//  Connect to a server's endpoint and say HELLO; returns at once (libzmq
//  connects in the background). Requests made before the server's WELCOME
//  wait for it, within heartbeat_timeout; once welcomed, the server's
//  heartbeat and heartbeat_timeout rule the link. When the server goes
//  silent, says BYE or no longer knows the client (it restarted), every
//  request under way ends with ASYNROLE_EDISCONNECTED (an event tells how
//  many) and the client says HELLO again on a fresh socket. NULL with
//  error filled (ASYNROLE_EBADARG: a bad endpoint or options; ...).
ASYNROLE_EXPORT asynrole_client_t *asynrole_client_new (const char *endpoint,
                                                        const asynrole_remote_options_t *options,
                                                        asynrole_error_t *error);

//  End every request under way (ASYNROLE_ECLOSED, callbacks run before
//  this returns; the server cancels them), say BYE, free, null *self_p.
//  Calls that begin meanwhile fail with ASYNROLE_ECLOSED; a bulk dispatch
//  under way in another thread returns (its entries ECLOSED) before the
//  client is freed. From a result's callback or on_event: deferred until
//  it returns.
ASYNROLE_EXPORT void asynrole_client_destroy (asynrole_client_t **self_p);

//  Make a request on the server's Manager. request->destination is
//  required (numeric; the server's Manager may have no default), policy
//  NULL = the server engine's; validate and room must be NULL / 0
//  (ASYNROLE_EBADARG: they cannot cross to another process); ctx goes to
//  the callback. Never waits: the request is handed to the client's thread.
//  handle (may be NULL): 1, 2, ... in the order of the calls. Returns 0
//  (the callback runs exactly once, never inside this call, in the client's
//  thread: the server's result, or ASYNROLE_EDISCONNECTED, ECANCELLED,
//  ECLOSED of the client's own), or -1 with ASYNROLE_EBADARG,
//  ASYNROLE_EWOULDBLOCK (max_in_flight), ASYNROLE_ENOMEM, ASYNROLE_ECLOSED;
//  then it never runs.
ASYNROLE_EXPORT int asynrole_client_request (asynrole_client_t *self,
                                             const asynrole_request_t *request,
                                             asynrole_client_result_fn *callback, uint64_t *handle,
                                             asynrole_error_t *error);

//  Cancel a request: as asynrole_manager_cancel (0: its callback ran with
//  ASYNROLE_ECANCELLED, before this returns, and a CANCEL went to the
//  server, whose RESULT for it is then counted in stats.orphaned; 1: it
//  had ended; -1: ASYNROLE_EBADARG for a handle never given, ETIMEOUT)
ASYNROLE_EXPORT int asynrole_client_cancel (asynrole_client_t *self, uint64_t handle,
                                            asynrole_error_t *error);

//  Bulk dispatch through the server, as asynrole_manager_bulk: every
//  entry gets its own result (a bad argument, ENORESPONSE, EWOULDBLOCK
//  when the client's max_in_flight is full of others' requests and none
//  of ours is under way, EDISCONNECTED, ECLOSED, ETIMEOUT for those given
//  up when none ended for as long as the longest entry's life plus
//  options.timeout plus heartbeat_timeout); returns how many got a reply,
//  or -1. Not from the client's own thread (ASYNROLE_EBADARG). Free with
//  asynrole_bulk_free.
ASYNROLE_EXPORT int asynrole_client_bulk (asynrole_client_t *self, asynrole_bulk_entry_t *entries,
                                          size_t count, asynrole_error_t *error);

//  The client's counters (peers: 1 while welcomed, joined, left, lost,
//  malformed, bad_version, heartbeats, requests, results, orphaned,
//  disconnected, in_flight). 0, or -1 (ASYNROLE_ETIMEOUT after
//  options.timeout)
ASYNROLE_EXPORT int asynrole_client_stats (asynrole_client_t *self, asynrole_remote_stats_t *stats,
                                           asynrole_error_t *error);

#ifdef __cplusplus
}
#endif
#endif
