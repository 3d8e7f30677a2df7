/*  rsecurity.h - the remote links' endpoints and CURVE security

    What asynrole_remote.h promises under "Security", for the workers actor,
    the worker, the request server and the client:

      rsec_check_endpoint  before anything is made: the endpoint's form and,
                           on a binding end, the loopback rule; the options'
                           keys (Z85, a matching pair, a server key on a
                           connecting end, the allow list)
      rsec_server          on a binding end's raw libzmq socket, before bind:
                           CURVE server with its secret key; with an allow
                           list, a ZAP domain of its own, registered with
                           the library's ZAP handler
      rsec_client          on a connecting end's socket, before connect: the
                           server's public key and the end's own pair
      rsec_endpoint        on either, before bind or connect: what the
                           endpoint needs of the socket (IPv6)

    The ZAP handler (RFC 27) is one actor for the library, bound to
    inproc://zeromq.zap.01 in the library's own libzmq context (actors/util/
    ctx.c), so it never meets a user's zauth, which lives in CZMQ's context.
    The first registration starts it, the last release ends it. It lets a
    client in when the mechanism is CURVE and its public key is in the list
    of the socket's domain; it refuses (400) a key not in the list and any
    other domain or mechanism, and answers a malformed request with a 500.
    A CURVE server of ours without an allow list has no domain (""): libzmq
    asks the handler about it too while the handler runs, and the handler
    lets in any client that holds the server key, as libzmq would without
    a handler.

    Every call is safe from any thread. Release a registration after the
    socket it is for is closed. */
#ifndef ASYNROLE_RSECURITY_H_INCLUDED
#define ASYNROLE_RSECURITY_H_INCLUDED

#include "asynrole_remote.h"
#include <stdbool.h>
#include <stdint.h>

//  A Z85 CURVE key: 40 characters (32 bytes of key)
#define RSEC_KEY_TEXT 40
#define RSEC_KEY_BYTES 32
//  The most keys in an allow list, and the longest endpoint we take
#define RSEC_ALLOW_MAX 65536
#define RSEC_ENDPOINT_MAX 255

//  A socket's registration with the ZAP handler
typedef struct rsec_zap_s rsec_zap_t;

//  Check endpoint and options (NULL = all defaults) for a binding end
//  (binding true) or a connecting one. Returns 0, or -1 with
//  ASYNROLE_EBADARG and a detail that says what is wrong. Accepted:
//    tcp://HOST:PORT   HOST an IPv4 literal, an [IPv6] literal (a %scope
//                      allowed), "*" (binding only) or, connecting only, a
//                      host name; PORT 1..65535, or "*" (binding only)
//    ipc://PATH        PATH non-empty, at most 107 bytes ("@name": abstract)
//    inproc://NAME     NAME non-empty, not libzmq's ZAP endpoint
//  Binding on tcp:// without CURVE keys: HOST must be loopback (127.0.0.0/8,
//  ::1) unless options->insecure ("*", 0.0.0.0 and :: are not).
//  Options: curve_secret_key and curve_public_key both or neither, each a
//  40-character Z85 key, the public one that of the secret one; a
//  connecting end with keys needs a valid curve_server_key (and a server
//  key needs keys); a binding end's curve_allow needs keys, and every entry
//  must be a valid key (at most RSEC_ALLOW_MAX); CURVE asked for when
//  libzmq lacks it is refused. A binding end ignores curve_server_key, a
//  connecting one curve_allow.
int rsec_check_endpoint (const char *endpoint, const asynrole_remote_options_t *options,
                         bool binding, asynrole_error_t *error);

//  Set up sock (made with ctx_socket, not bound yet) as a binding end:
//  with keys, a CURVE server; with an allow list as well, a ZAP domain of
//  its own registered with the ZAP handler (started if need be), *zap set
//  to the registration (NULL without a list). Without keys, nothing (the
//  NULL mechanism). Checks the options as rsec_check_endpoint does. 0, or -1
//  with error filled (EBADARG, or the handler's start: ERESOURCE, ENOMEM,
//  ETIMEOUT, EINTERNAL) and *zap NULL.
int rsec_server (void *sock, const asynrole_remote_options_t *options, rsec_zap_t **zap,
                 asynrole_error_t *error);

//  Set up sock as a connecting end: with keys, the server's public key and
//  this end's pair. Without keys, nothing. 0, or -1 with error filled.
int rsec_client (void *sock, const asynrole_remote_options_t *options, asynrole_error_t *error);

//  Set up sock for endpoint (checked by rsec_check_endpoint), before its
//  bind or connect: ZMQ_IPV6 when the host is an [IPv6] literal or a host
//  name (libzmq refuses IPv6 otherwise, and resolves names to IPv4 only).
//  IPv4 literals and "*" stay IPv4, so that the endpoint bound reads as
//  given. 0, or -1 with error filled.
int rsec_endpoint (void *sock, const char *endpoint, asynrole_error_t *error);

//  Let go of a registration (NULL is fine) and null *zap; the last one
//  ends the ZAP handler
void rsec_zap_release (rsec_zap_t **zap);

//  Clients refused so far by the registration's allow list (0 for NULL)
uint64_t rsec_zap_denied (rsec_zap_t *zap);

//  Clients let in so far through the registration's allow list
uint64_t rsec_zap_allowed (rsec_zap_t *zap);

//  Wait at most timeout_ms until rsec_zap_denied (zap) reaches count; true
//  when it did (tests, and owners that must know)
bool rsec_zap_wait_denied (rsec_zap_t *zap, uint64_t count, int timeout_ms);

//  Whether the ZAP handler runs now (tests)
bool rsec_zap_running (void);

#endif
