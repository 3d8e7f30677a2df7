/*  rremote.h - what the request server and the client share: their
    options made whole, the link's set-up (security, bind, connect), events,
    and tables keyed by 64-bit numbers */
#ifndef ASYNROLE_RREMOTE_H_INCLUDED
#define ASYNROLE_RREMOTE_H_INCLUDED

#include "asynrole_remote.h"
#include "rwire.h"
#include <czmq.h>

#define RREMOTE_ENDPOINT_MAX 256

//  Options checked, with their defaults filled in
typedef struct {
    asynrole_remote_options_t given;  //  as given (strings not owned: only
                                      //  read while _new runs)
    char name[64];                    //  given.name or the class's
    int timeout;                      //  ms
    int heartbeat;                    //  ms
    int heartbeat_timeout;            //  ms
    size_t max_in_flight;             //  client
} rremote_options_t;

//  Check and complete options (NULL = defaults); 0, or -1 with EBADARG
//  The bounds of the options' heartbeat and heartbeat_timeout (ms): a
//  client takes its server's WELCOME values within them
#define RREMOTE_HEARTBEAT_MAX (3600 * 1000)
#define RREMOTE_HEARTBEAT_TIMEOUT_MAX (3 * 3600 * 1000)

//  The largest frame a server's ROUTER or a client's DEALER takes from its
//  peer (ZMQ_MAXMSGSIZE, per part): a payload of ASYNROLE_DGRAM_MAX and room
#define RREMOTE_FRAME_MAX (ASYNROLE_DGRAM_MAX + 1024)

//  The heartbeat and its timeout from o (0 = the defaults), checked: at
//  most RREMOTE_HEARTBEAT_MAX and RREMOTE_HEARTBEAT_TIMEOUT_MAX, the timeout
//  at least twice the heartbeat. 0, or -1 with ASYNROLE_EBADARG
int rremote_heartbeats (const asynrole_remote_options_t *o, int *heartbeat, int *timeout,
                        asynrole_error_t *error);

int rremote_options (const asynrole_remote_options_t *given, const char *name,
                     rremote_options_t *out, asynrole_error_t *error);

//  Check an endpoint (tcp://, ipc://, inproc://; tcp:// off loopback only
//  with CURVE or insecure); 0, or -1 with ASYNROLE_EBADARG
int rremote_check_endpoint (const char *endpoint, const rremote_options_t *options, bool binding,
                            asynrole_error_t *error);

//  A ROUTER bound to endpoint (security applied); the endpoint bound goes
//  to bound (RREMOTE_ENDPOINT_MAX bytes), the ZAP handler (CURVE allow
//  list) to *zap. NULL with error filled (ENETWORK op REMOTE when bind fails).
void *rremote_bind (const char *endpoint, const rremote_options_t *options, char *bound, void **zap,
                    asynrole_error_t *error);

//  A DEALER connected to endpoint (security applied); NULL with error filled
void *rremote_connect (const char *endpoint, const rremote_options_t *options,
                       asynrole_error_t *error);

//  Release what rremote_bind kept besides the socket (its ZAP handler)
void rremote_unbind (void **zap);

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
