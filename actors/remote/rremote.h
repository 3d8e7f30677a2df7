/*  rremote.h - what the request server and the client share: their
    options made whole, the link's set-up (security, bind, connect), events,
    and tables keyed by 64-bit numbers */
#ifndef ASYNROLE_RREMOTE_H_INCLUDED
#define ASYNROLE_RREMOTE_H_INCLUDED

#include "asynrole_remote.h"
#include "rsecurity.h"
#include "rwire.h"
#include <czmq.h>

#define RREMOTE_ENDPOINT_MAX 256

//  Options checked, with their defaults filled in
typedef struct {
    asynrole_remote_options_t given;  //  as given, its keys pointing at the
                                      //  copies below (a client connects
                                      //  again long after _new); the allow
                                      //  list is read only while _new runs
    char secret_key[41];              //  copies of the CURVE keys (Z85)
    char public_key[41];
    char server_key[41];
    char name[64];          //  given.name or the class's
    int timeout;            //  ms
    int heartbeat;          //  ms
    int heartbeat_timeout;  //  ms
    size_t max_in_flight;   //  client
} rremote_options_t;

//  The bounds of the options' heartbeat and heartbeat_timeout (ms): a
//  client takes its server's WELCOME values within them
#define RREMOTE_HEARTBEAT_MAX (3600 * 1000)
#define RREMOTE_HEARTBEAT_TIMEOUT_MAX (3 * 3600 * 1000)

//  The heartbeat and its timeout from o (0 = the defaults), checked: at
//  most RREMOTE_HEARTBEAT_MAX and RREMOTE_HEARTBEAT_TIMEOUT_MAX, the timeout
//  at least twice the heartbeat. 0, or -1 with ASYNROLE_EBADARG
int rremote_heartbeats (const asynrole_remote_options_t *o, int *heartbeat, int *timeout,
                        asynrole_error_t *error);

//  Check and complete options (NULL = defaults); 0, or -1 with EBADARG
int rremote_options (const asynrole_remote_options_t *given, const char *name,
                     rremote_options_t *out, asynrole_error_t *error);

//  Check an endpoint (tcp://, ipc://, inproc://; tcp:// off loopback only
//  with CURVE or insecure); 0, or -1 with ASYNROLE_EBADARG
int rremote_check_endpoint (const char *endpoint, const rremote_options_t *options, bool binding,
                            asynrole_error_t *error);

//  The links of all four classes (workers actor, worker, server, client)
//  are made here: frames past RWIRE_FRAME_MAX refused (ZMQ_MAXMSGSIZE),
//  security applied (rsec_server, rsec_client), IPv6 on for an [IPv6] host
//  or a name (rsec_endpoint).
//
//  A ROUTER (ZMQ_ROUTER_MANDATORY) bound to endpoint; the endpoint bound
//  goes to bound (size bytes), the ZAP registration (CURVE allow list) to
//  *zap. NULL with error filled: ASYNROLE_ENETWORK op REMOTE when the bind
//  fails (EADDRINUSE), ASYNROLE_EBADARG when libzmq refuses the endpoint.
void *rremote_bind (const char *endpoint, const asynrole_remote_options_t *given, char *bound,
                    size_t size, rsec_zap_t **zap, asynrole_error_t *error);

//  A DEALER connected to endpoint; immediate: ZMQ_IMMEDIATE (nothing
//  queued until a connection is made). NULL with error filled
void *rremote_connect (const char *endpoint, const asynrole_remote_options_t *given, bool immediate,
                       asynrole_error_t *error);

//  Release what rremote_bind kept besides the socket (its ZAP registration),
//  once the socket is closed
void rremote_unbind (rsec_zap_t **zap);

//  Tell the owner: on_event, else a log line when verbose
void rremote_event (const rremote_options_t *options, asynrole_code_t code, asynrole_op_t op,
                    uint64_t count, const char *format, ...)
    __attribute__ ((format (printf, 5, 6)));

//  A table keyed by the uint64_t its items hold at *key (the key pointer
//  is stored, not copied: it must live as long as the item)
zhashx_t *rremote_table_new (void);

//  Send msg (destroyed either way); 0, or -1 with errno
int rremote_send (void *sock, zmsg_t **msg_p);

#endif
