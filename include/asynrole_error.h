/*  asynrole_error.h - typed errors, after the seed's hierarchy

    Error (base)
     +- ASYNROLE_EBADARG        BadArgumentError: the caller gave something unusable
     +- ASYNROLE_ENETWORK       NetworkError: a socket call failed (op + errno)
     |   +- ASYNROLE_ENORESPONSE    NoResponseError: no reply in time
     |   +- ASYNROLE_EIDLE          IdleTimeoutError: no request in time
     +- ASYNROLE_EDROPPED       datagrams (count) or error events (lost_errors)
     |                          were dropped: the role held its max_bytes
     +- ASYNROLE_ETIMEOUT       an actor did not answer within the deadline
     +- ASYNROLE_EWOULDBLOCK    the socket's send queue stayed full (try_send at
     |                          once, send after options.send_timeout)
     +- ASYNROLE_ENOMEM         out of memory
     +- ASYNROLE_ERESOURCE      out of descriptors, libzmq sockets or threads
     |                          (sys_errno: EMFILE, ENFILE, EAGAIN)
     +- ASYNROLE_EINTERNAL      an internal failure: a pipe refused a message,
     |                          an answer was malformed (a bug: please report)
     +- ASYNROLE_ECLOSED        the role is closed or being destroyed: a call
     |                          on it (a send waiting for room included) fails
     |                          with it; also the last event of a role that was
     |                          destroyed from its own callback, and the end of
     |                          each of its requests still under way
     +- ASYNROLE_ECANCELLED     a request was cancelled (asynrole_request.h)
     +- ASYNROLE_EDISCONNECTED  the other end of a remote link (a worker, the
     |                          Agent's workers actor, a request server or
     |                          client: asynrole_remote.h) stopped answering
     |                          heartbeats, went away or no longer knows us
     +- ASYNROLE_EPROTOCOL      a message from the network was malformed or of
                                a protocol version we do not speak
                                (docs/protocol.md); it was dropped and counted

    Every call that can fail returns 0 / -1 (or NULL) and, when given an
    asynrole_error_t *, fills it. If a call fails, no callback or event is ever
    produced for it. Errors that happen later (an ICMP error, a send the kernel
    refused, a drop) arrive as error events on the role's callback or data socket.
    One event is a notice, not an error: code ASYNROLE_OK with op
    ASYNROLE_OP_INTERFACE says a socket that went down serves again.
*/
#ifndef ASYNROLE_ERROR_H_INCLUDED
#define ASYNROLE_ERROR_H_INCLUDED

#include "asynrole_addr.h"
#include "asynrole_export.h"
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    ASYNROLE_OK = 0,
    ASYNROLE_EBADARG = 1,
    ASYNROLE_ENETWORK = 2,
    ASYNROLE_ENORESPONSE = 3,
    ASYNROLE_EIDLE = 4,
    ASYNROLE_EDROPPED = 5,
    ASYNROLE_ETIMEOUT = 6,
    ASYNROLE_EWOULDBLOCK = 7,
    ASYNROLE_ENOMEM = 8,
    ASYNROLE_ERESOURCE = 9,
    ASYNROLE_EINTERNAL = 10,
    ASYNROLE_ECLOSED = 11,
    ASYNROLE_ECANCELLED = 12,
    ASYNROLE_EDISCONNECTED = 13,
    ASYNROLE_EPROTOCOL = 14
} asynrole_code_t;

//  The operation that failed
typedef enum {
    ASYNROLE_OP_NONE = 0,
    ASYNROLE_OP_SOCKET,      //  socket ()
    ASYNROLE_OP_SETSOCKOPT,  //  setsockopt ()
    ASYNROLE_OP_BIND,        //  bind ()
    ASYNROLE_OP_CONNECT,     //  connect ()
    ASYNROLE_OP_SEND,        //  sendto () / sendmmsg ()
    ASYNROLE_OP_RECV,        //  recvfrom () / recvmmsg ()
    ASYNROLE_OP_CLOSE,       //  close ()
    ASYNROLE_OP_RESOLVE,     //  getaddrinfo ()
    ASYNROLE_OP_ICMP,        //  an ICMP error came back for a datagram sent to address
    ASYNROLE_OP_QUEUE,       //  a role's queue (ASYNROLE_EDROPPED, ASYNROLE_EWOULDBLOCK)
    ASYNROLE_OP_CONTROL,     //  a request to an actor and its answer
    ASYNROLE_OP_THREAD,      //  starting a thread
    ASYNROLE_OP_PIPE,        //  making or using a libzmq socket between actors
    ASYNROLE_OP_FILTER,      //  a role's source filter (ASYNROLE_EDROPPED)
    ASYNROLE_OP_RATE_LIMIT,  //  a role's per-source rate limit (ASYNROLE_EDROPPED)
    ASYNROLE_OP_CAPTURE,     //  writing a capture file
    ASYNROLE_OP_ADOPT,       //  taking over a descriptor bound elsewhere
    ASYNROLE_OP_DEVICE,      //  binding a socket to a device (SO_BINDTODEVICE)
    ASYNROLE_OP_INTERFACE,   //  a socket's address or device went away
                             //  (EADDRNOTAVAIL, ENODEV), or the socket failed
                             //  for good (EBADF, ENOTSOCK, ENXIO): it is closed,
                             //  and bound again (options.rebind_interval); the
                             //  notice that it serves again has code ASYNROLE_OK
    ASYNROLE_OP_REMOTE,      //  a link to another process or host over libzmq
                             //  (tcp://, ipc://): binding, connecting, a peer
                             //  joining, leaving, or sending what we refuse
    ASYNROLE_OP_WORKER       //  handing a datagram to a worker, or its reply
                             //  back (asynrole_remote.h): count says how many
} asynrole_op_t;

#define ASYNROLE_DETAIL_MAX 192

struct asynrole_error_s {
    asynrole_code_t code;              //  what kind of error
    asynrole_op_t op;                  //  the failing operation
    int sys_errno;                     //  errno from the OS, 0 if none
    uint64_t count;                    //  datagrams dropped (ASYNROLE_EDROPPED); sends
                                       //  that failed with the socket (_OP_INTERFACE)
    uint64_t lost_errors;              //  error events dropped (ASYNROLE_EDROPPED)
    asynrole_addr_t address;           //  address concerned; len 0 if none
    char detail[ASYNROLE_DETAIL_MAX];  //  one line for people: the reason
                                       //  first, then what it concerns
};

//  A static string naming the code ("bad argument", "network error", ...)
ASYNROLE_EXPORT const char *asynrole_strerror (asynrole_code_t code);

//  A static string naming the operation ("bind", "send", ...)
ASYNROLE_EXPORT const char *asynrole_op_name (asynrole_op_t op);

//  True for ENETWORK and its subclasses ENORESPONSE and EIDLE
ASYNROLE_EXPORT bool asynrole_error_is_network (const asynrole_error_t *error);

#ifdef __cplusplus
}
#endif
#endif
