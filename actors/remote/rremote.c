/*  rremote.c - what the request server and the client share */
#include "rremote.h"
#include "ctx.h"
#include "error_fill.h"
#include "log.h"
#include "rsecurity.h"
#include <errno.h>
#include <string.h>

//  Keep a copy of a CURVE key in copy (41 bytes) and point at it: the
//  caller's string may be gone when a client connects again
static int
s_keep (const char **key, char *copy, asynrole_error_t *error)
{
    if (!*key)
        return 0;
    if (strlen (*key) != 40)
        return error_badarg (error, "a CURVE key is 40 characters of Z85, not %zu", strlen (*key));
    memcpy (copy, *key, 41);
    *key = copy;
    return 0;
}

int
rremote_heartbeats (const asynrole_remote_options_t *o, int *heartbeat, int *timeout,
                    asynrole_error_t *error)
{
    if (o->heartbeat < 0 || o->heartbeat_timeout < 0)
        return error_badarg (error, "heartbeat and heartbeat_timeout must be >= 0");
    *heartbeat = o->heartbeat ? o->heartbeat : ASYNROLE_DEFAULT_HEARTBEAT;
    //  Bounded before it is multiplied; a peer takes a WELCOME's values
    //  only within these bounds
    if (*heartbeat > RREMOTE_HEARTBEAT_MAX)
        return error_badarg (error, "heartbeat must be at most one hour, not %d ms", *heartbeat);
    *timeout = o->heartbeat_timeout ? o->heartbeat_timeout : 3 * *heartbeat;
    if (*timeout > RREMOTE_HEARTBEAT_TIMEOUT_MAX)
        return error_badarg (error, "heartbeat_timeout must be at most three hours, not %d ms",
                             *timeout);
    if (*timeout < 2 * *heartbeat)
        return error_badarg (error,
                             "heartbeat_timeout (%d ms) must be at least twice the "
                             "heartbeat (%d ms)",
                             *timeout, *heartbeat);
    return 0;
}

int
rremote_options (const asynrole_remote_options_t *given, const char *name, rremote_options_t *out,
                 asynrole_error_t *error)
{
    memset (out, 0, sizeof *out);
    if (given)
        out->given = *given;
    const asynrole_remote_options_t *o = &out->given;
    snprintf (out->name, sizeof out->name, "%s", o->name ? o->name : name);
    if (o->timeout < 0 || o->heartbeat < 0 || o->heartbeat_timeout < 0)
        return error_badarg (error, "timeout, heartbeat and heartbeat_timeout must be >= 0: %s",
                             out->name);
    out->timeout = o->timeout ? o->timeout : ASYNROLE_DEFAULT_TIMEOUT;
    if (rremote_heartbeats (o, &out->heartbeat, &out->heartbeat_timeout, error))
        return -1;
    out->max_in_flight = o->max_in_flight ? o->max_in_flight : ASYNROLE_DEFAULT_CLIENT_IN_FLIGHT;
    if ((o->curve_secret_key == NULL) != (o->curve_public_key == NULL))
        return error_badarg (error, "curve_secret_key and curve_public_key: both or neither");
    if (s_keep (&out->given.curve_secret_key, out->secret_key, error)
        || s_keep (&out->given.curve_public_key, out->public_key, error)
        || s_keep (&out->given.curve_server_key, out->server_key, error))
        return -1;
    out->given.name = out->name;
    return 0;
}

//  A peer's frame larger than any valid one (a payload, its datagram at
//  most ASYNROLE_DGRAM_MAX, plus CURVE's framing) disconnects it before
//  libzmq buffers it: libzmq 4.3.4 checks every part against the limit
static int
s_limit (void *sock, asynrole_error_t *error)
{
    int64_t max = RWIRE_FRAME_MAX;
    if (zmq_setsockopt (sock, ZMQ_MAXMSGSIZE, &max, sizeof max))
        return error_zmq (error, errno, "ZMQ_MAXMSGSIZE");
    return 0;
}

int
rremote_check_endpoint (const char *endpoint, const rremote_options_t *options, bool binding,
                        asynrole_error_t *error)
{
    return rsec_check_endpoint (endpoint, &options->given, binding, error);
}

void *
rremote_bind (const char *endpoint, const asynrole_remote_options_t *given, char *bound,
              size_t size, rsec_zap_t **zap, asynrole_error_t *error)
{
    *zap = NULL;
    void *sock = ctx_socket (ZMQ_ROUTER, error);
    if (!sock)
        return NULL;
    int on = 1;
    int rc = 0;
    if (zmq_setsockopt (sock, ZMQ_ROUTER_MANDATORY, &on, sizeof on))
        rc = error_zmq (error, errno, "ZMQ_ROUTER_MANDATORY");
    else if (s_limit (sock, error) || rsec_endpoint (sock, endpoint, error)
             || rsec_server (sock, given, zap, error))
        rc = -1;
    else if (zmq_bind (sock, endpoint)) {
        int code = errno;
        char quoted[ERROR_QUOTE_MAX];
        rc = error_set (error, code == EINVAL ? ASYNROLE_EBADARG : ASYNROLE_ENETWORK,
                        ASYNROLE_OP_REMOTE, code, "%s: cannot bind %s", zmq_strerror (code),
                        error_quote (endpoint, quoted, sizeof quoted));
    }
    if (rc) {
        ctx_close (&sock);
        rremote_unbind (zap);
        return NULL;
    }
    if (zmq_getsockopt (sock, ZMQ_LAST_ENDPOINT, bound, &size))
        snprintf (bound, size, "%s", endpoint);
    return sock;
}

void *
rremote_connect (const char *endpoint, const asynrole_remote_options_t *given, bool immediate,
                 asynrole_error_t *error)
{
    void *sock = ctx_socket (ZMQ_DEALER, error);
    if (!sock)
        return NULL;
    int on = 1;
    int rc = 0;
    if (immediate && zmq_setsockopt (sock, ZMQ_IMMEDIATE, &on, sizeof on))
        rc = error_zmq (error, errno, "ZMQ_IMMEDIATE");
    else if (s_limit (sock, error) || rsec_endpoint (sock, endpoint, error)
             || rsec_client (sock, given, error))
        rc = -1;
    else if (zmq_connect (sock, endpoint)) {
        int code = errno;
        char quoted[ERROR_QUOTE_MAX];
        rc = error_set (error, ASYNROLE_EBADARG, ASYNROLE_OP_REMOTE, code,
                        "%s: cannot connect to %s", zmq_strerror (code),
                        error_quote (endpoint, quoted, sizeof quoted));
    }
    if (rc)
        ctx_close (&sock);
    return sock;
}

void
rremote_unbind (rsec_zap_t **zap)
{
    rsec_zap_release (zap);
}

void
rremote_event (const rremote_options_t *options, asynrole_code_t code, asynrole_op_t op,
               uint64_t count, const char *format, ...)
{
    asynrole_error_t event = { .code = code, .op = op, .count = count };
    va_list args;
    va_start (args, format);
    vsnprintf (event.detail, sizeof event.detail, format, args);
    va_end (args);
    if (options->given.on_event)
        options->given.on_event (options->given.event_ctx, &event);
    else if (options->given.verbose)
        log_info ("%s: %s (%s)", options->name, event.detail, asynrole_strerror (code));
}

static size_t
s_hash (const void *key)
{
    uint64_t x = *(const uint64_t *) key;
    //  splitmix64's finalizer
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return (size_t) x;
}

static int
s_compare (const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

zhashx_t *
rremote_table_new (void)
{
    zhashx_t *table = zhashx_new ();
    if (!table)
        return NULL;
    zhashx_set_key_hasher (table, s_hash);
    zhashx_set_key_comparator (table, s_compare);
    zhashx_set_key_duplicator (table, NULL);
    zhashx_set_key_destructor (table, NULL);
    return table;
}

int
rremote_send (void *sock, zmsg_t **msg_p)
{
    if (!*msg_p) {
        errno = ENOMEM;
        return -1;
    }
    int rc = zmsg_send (msg_p, sock);
    if (rc) {
        int code = errno;
        zmsg_destroy (msg_p);
        errno = code;
    }
    return rc;
}
