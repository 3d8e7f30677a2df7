/*  rsecurity.c - the remote links' endpoints and CURVE keys (rsecurity.h);
    the ZAP handler is in rsec_zap.c */
#include "rsecurity.h"
#include "rsec_zap.h"
#include "error_fill.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

//  The longest ipc:// path: sockaddr_un's sun_path less its terminator
#define RSEC_IPC_PATH_MAX 107

static const asynrole_remote_options_t s_defaults;

//  Is text a 40-character Z85 key? Decodes it into key when given.
static bool
s_key_valid (const char *text, uint8_t *key)
{
    uint8_t scratch[RSEC_KEY_BYTES];
    if (!text || strnlen (text, RSEC_KEY_TEXT + 1) != RSEC_KEY_TEXT)
        return false;
    return zmq_z85_decode (key ? key : scratch, text) != NULL;
}

static bool
s_curve_asked (const asynrole_remote_options_t *options)
{
    return options->curve_secret_key || options->curve_public_key || options->curve_server_key
        || options->curve_allow_count > 0;
}

//  The binding end's allow list
static int
s_check_allow (const asynrole_remote_options_t *options, asynrole_error_t *error)
{
    if (options->curve_allow_count == 0)
        return 0;
    if (!options->curve_secret_key)
        return error_badarg (error, "curve_allow needs this end's key pair (curve_secret_key)");
    if (!options->curve_allow)
        return error_badarg (error, "curve_allow is NULL but curve_allow_count is %zu",
                             options->curve_allow_count);
    if (options->curve_allow_count > RSEC_ALLOW_MAX)
        return error_badarg (error, "curve_allow has %zu keys: at most %d",
                             options->curve_allow_count, RSEC_ALLOW_MAX);
    for (size_t i = 0; i < options->curve_allow_count; i++)
        if (!s_key_valid (options->curve_allow[i], NULL))
            return error_badarg (error, "curve_allow[%zu] is not a 40-character Z85 key", i);
    return 0;
}

//  This end's pair: both or neither, valid, the public key that of the secret one
static int
s_check_pair (const asynrole_remote_options_t *options, asynrole_error_t *error)
{
    const char *secret = options->curve_secret_key, *public = options->curve_public_key;
    if (!secret != !public)
        return error_badarg (error, "curve_secret_key and curve_public_key go together: %s given",
                             secret ? "only the secret key" : "only the public key");
    if (!secret)
        return 0;
    if (!s_key_valid (secret, NULL))
        return error_badarg (error, "curve_secret_key is not a 40-character Z85 key");
    if (!s_key_valid (public, NULL))
        return error_badarg (error, "curve_public_key is not a 40-character Z85 key");
    char derived[RSEC_KEY_TEXT + 1];
    if (zmq_curve_public (derived, secret) || strcmp (derived, public) != 0)
        return error_badarg (error, "curve_public_key is not the public key of curve_secret_key");
    return 0;
}

//  The options' keys, for a binding or a connecting end
static int
s_check_options (const asynrole_remote_options_t *options, bool binding, asynrole_error_t *error)
{
    if (!s_curve_asked (options))
        return 0;
    if (!zmq_has ("curve"))
        return error_badarg (error, "CURVE keys given, but this libzmq was built without CURVE");
    if (s_check_pair (options, error))
        return -1;
    if (binding)
        return s_check_allow (options, error);
    if (options->curve_secret_key && !options->curve_server_key)
        return error_badarg (error, "a connecting end with keys needs curve_server_key");
    if (options->curve_server_key && !options->curve_secret_key)
        return error_badarg (error, "curve_server_key needs this end's key pair too");
    if (options->curve_server_key && !s_key_valid (options->curve_server_key, NULL))
        return error_badarg (error, "curve_server_key is not a 40-character Z85 key");
    return 0;
}

//  A host name as DNS has them: labels of letters, digits and '-', 1..63
//  each, 253 in all
static bool
s_host_name_valid (const char *host, size_t len)
{
    if (len == 0 || len > 253)
        return false;
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        char c = host[i];
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
        }
        else if ((isalnum ((unsigned char) c) || c == '-') && ++label <= 63)
            continue;
        else
            return false;
    }
    return label > 0 || len > 1;
}

//  PORT: 1..65535, or "*" when binding
static int
s_check_port (const char *port, bool binding, const char *quoted, asynrole_error_t *error)
{
    if (strcmp (port, "*") == 0) {
        if (binding)
            return 0;
        return error_badarg (error, "port * only when binding: %s", quoted);
    }
    size_t len = strlen (port);
    if (len == 0 || len > 5 || strspn (port, "0123456789") != len)
        return error_badarg (error, "port must be a number 1..65535%s: %s", binding ? " or *" : "",
                             quoted);
    long value = strtol (port, NULL, 10);
    if (value < 1 || value > 65535)
        return error_badarg (error, "port %ld out of 1..65535: %s", value, quoted);
    return 0;
}

//  What HOST is, once its form is known
typedef enum {
    S_HOST_ANY,
    S_HOST_IPV4,
    S_HOST_IPV6,
    S_HOST_NAME
} s_host_kind_t;

//  An [IPv6] literal, a %scope allowed; copies the address alone into addr
static bool
s_ipv6_valid (const char *inner, size_t len, struct in6_addr *addr)
{
    char text[INET6_ADDRSTRLEN + 1];
    const char *scope = memchr (inner, '%', len);
    size_t addr_len = scope ? (size_t) (scope - inner) : len;
    if (addr_len == 0 || addr_len >= sizeof text)
        return false;
    if (scope) {
        size_t scope_len = len - addr_len - 1;
        if (scope_len == 0 || scope_len > 15)
            return false;
        for (size_t i = 1; i <= scope_len; i++)
            if (!isalnum ((unsigned char) scope[i]) && !strchr ("._-", scope[i]))
                return false;
    }
    memcpy (text, inner, addr_len);
    text[addr_len] = '\0';
    return inet_pton (AF_INET6, text, addr) == 1;
}

static bool
s_ipv6_loopback (const struct in6_addr *addr)
{
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    return IN6_IS_ADDR_LOOPBACK (addr)
        || (memcmp (addr->s6_addr, mapped, sizeof mapped) == 0 && addr->s6_addr[12] == 127);
}

//  Split "HOST:PORT" at the port's colon; classify HOST. Sets *loopback.
static int
s_check_host (const char *rest, bool binding, bool *loopback, const char **port, const char *quoted,
              asynrole_error_t *error)
{
    *loopback = false;
    const char *colon;
    if (rest[0] == '[') {
        const char *close = strchr (rest, ']');
        struct in6_addr addr;
        if (!close || close[1] != ':'
            || !s_ipv6_valid (rest + 1, (size_t) (close - rest - 1), &addr))
            return error_badarg (error, "an IPv6 host must be [address]:port: %s", quoted);
        *loopback = s_ipv6_loopback (&addr);
        *port = close + 2;
        return 0;
    }
    colon = strrchr (rest, ':');
    if (!colon)
        return error_badarg (error, "tcp:// needs HOST:PORT: %s", quoted);
    size_t len = (size_t) (colon - rest);
    *port = colon + 1;
    char host[256];
    if (len == 0 || len >= sizeof host)
        return error_badarg (error, "tcp:// needs a host: %s", quoted);
    memcpy (host, rest, len);
    host[len] = '\0';
    struct in_addr v4;
    if (strcmp (host, "*") == 0) {
        if (!binding)
            return error_badarg (error, "host * only when binding: %s", quoted);
        return 0;
    }
    if (inet_pton (AF_INET, host, &v4) == 1) {
        *loopback = (ntohl (v4.s_addr) >> 24) == 127;
        return 0;
    }
    if (strchr (host, ':'))
        return error_badarg (error, "an IPv6 host goes in brackets, [address]:port: %s", quoted);
    if (binding)
        return error_badarg (error, "a binding end needs a numeric host (or *): %s", quoted);
    if (!s_host_name_valid (host, len))
        return error_badarg (error, "not a host name nor an address: %s", quoted);
    return 0;
}

static int
s_check_tcp (const char *rest, const asynrole_remote_options_t *options, bool binding,
             const char *quoted, asynrole_error_t *error)
{
    bool loopback;
    const char *port = NULL;
    if (s_check_host (rest, binding, &loopback, &port, quoted, error)
        || s_check_port (port, binding, quoted, error))
        return -1;
    if (binding && !loopback && !options->curve_secret_key && !options->insecure)
        return error_badarg (
            error, "off loopback without CURVE keys: give keys, or set insecure: %s", quoted);
    return 0;
}

//  The endpoint's form, by transport
static int
s_check_form (const char *endpoint, const asynrole_remote_options_t *options, bool binding,
              const char *quoted, asynrole_error_t *error)
{
    if (strncmp (endpoint, "tcp://", 6) == 0)
        return s_check_tcp (endpoint + 6, options, binding, quoted, error);
    if (strncmp (endpoint, "ipc://", 6) == 0) {
        size_t len = strlen (endpoint + 6);
        if (len == 0 || len > RSEC_IPC_PATH_MAX)
            return error_badarg (error, "ipc:// needs a path of 1..%d bytes: %s", RSEC_IPC_PATH_MAX,
                                 quoted);
        return 0;
    }
    if (strncmp (endpoint, "inproc://", 9) == 0) {
        if (endpoint[9] == '\0')
            return error_badarg (error, "inproc:// needs a name: %s", quoted);
        if (strcmp (endpoint + 9, "zeromq.zap.01") == 0)
            return error_badarg (error, "inproc://zeromq.zap.01 is libzmq's ZAP endpoint");
        return 0;
    }
    return error_badarg (error, "endpoint must be tcp://, ipc:// or inproc://: %s", quoted);
}

int
rsec_check_endpoint (const char *endpoint, const asynrole_remote_options_t *options, bool binding,
                     asynrole_error_t *error)
{
    if (!options)
        options = &s_defaults;
    if (!endpoint)
        return error_badarg (error, "no endpoint");
    char quoted[ERROR_QUOTE_MAX];
    error_quote (endpoint, quoted, sizeof quoted);
    size_t len = strnlen (endpoint, RSEC_ENDPOINT_MAX + 1);
    if (len > RSEC_ENDPOINT_MAX)
        return error_badarg (error, "endpoint longer than %d bytes: %s", RSEC_ENDPOINT_MAX, quoted);
    for (size_t i = 0; i < len; i++)
        if (iscntrl ((unsigned char) endpoint[i]) || endpoint[i] == ' ')
            return error_badarg (error, "endpoint has a space or a control character: %s", quoted);
    if (s_check_form (endpoint, options, binding, quoted, error)
        || s_check_options (options, binding, error))
        return -1;
    error_clear (error);
    return 0;
}

static int
s_set (void *sock, int option, const void *value, size_t size, const char *what,
       asynrole_error_t *error)
{
    if (zmq_setsockopt (sock, option, value, size) == 0)
        return 0;
    int err = errno;
    return error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_SETSOCKOPT, err,
                      "%s: libzmq refused %s", zmq_strerror (err), what);
}

int
rsec_server (void *sock, const asynrole_remote_options_t *options, rsec_zap_t **zap,
             asynrole_error_t *error)
{
    if (!zap)
        return error_badarg (error, "rsec_server needs somewhere to put the registration");
    *zap = NULL;
    if (!options)
        options = &s_defaults;
    if (s_check_options (options, true, error))
        return -1;
    if (!options->curve_secret_key)
        return 0;
    int on = 1;
    if (s_set (sock, ZMQ_CURVE_SERVER, &on, sizeof on, "ZMQ_CURVE_SERVER", error)
        || s_set (sock, ZMQ_CURVE_SECRETKEY, options->curve_secret_key, RSEC_KEY_TEXT,
                  "ZMQ_CURVE_SECRETKEY", error))
        return -1;
    if (options->curve_allow_count == 0)
        return 0;
    rsec_zap_t *made = rsec_zap_register (options->curve_allow, options->curve_allow_count, error);
    if (!made)
        return -1;
    const char *domain = rsec_zap_domain (made);
    if (s_set (sock, ZMQ_ZAP_DOMAIN, domain, strlen (domain), "ZMQ_ZAP_DOMAIN", error)) {
        rsec_zap_release (&made);
        return -1;
    }
    *zap = made;
    return 0;
}

int
rsec_client (void *sock, const asynrole_remote_options_t *options, asynrole_error_t *error)
{
    if (!options)
        options = &s_defaults;
    if (s_check_options (options, false, error))
        return -1;
    if (!options->curve_secret_key)
        return 0;
    return s_set (sock, ZMQ_CURVE_SERVERKEY, options->curve_server_key, RSEC_KEY_TEXT,
                  "ZMQ_CURVE_SERVERKEY", error)
            || s_set (sock, ZMQ_CURVE_PUBLICKEY, options->curve_public_key, RSEC_KEY_TEXT,
                      "ZMQ_CURVE_PUBLICKEY", error)
            || s_set (sock, ZMQ_CURVE_SECRETKEY, options->curve_secret_key, RSEC_KEY_TEXT,
                      "ZMQ_CURVE_SECRETKEY", error)
        ? -1
        : 0;
}

int
rsec_endpoint (void *sock, const char *endpoint, asynrole_error_t *error)
{
    if (!endpoint || strncmp (endpoint, "tcp://", 6) != 0)
        return 0;
    const char *host = endpoint + 6;
    const char *colon = strrchr (host, ':');
    size_t len = colon ? (size_t) (colon - host) : strlen (host);
    char text[INET_ADDRSTRLEN];
    struct in_addr v4;
    if (len < sizeof text) {
        memcpy (text, host, len);
        text[len] = '\0';
        if (strcmp (text, "*") == 0 || inet_pton (AF_INET, text, &v4) == 1)
            return 0;
    }
    int on = 1;
    return s_set (sock, ZMQ_IPV6, &on, sizeof on, "ZMQ_IPV6", error);
}

int
asynrole_remote_keypair (char *public_key, char *secret_key, asynrole_error_t *error)
{
    if (!public_key || !secret_key)
        return error_badarg (error, "asynrole_remote_keypair needs two buffers of 41 bytes");
    if (!zmq_has ("curve"))
        return error_badarg (error, "this libzmq was built without CURVE");
    if (zmq_curve_keypair (public_key, secret_key)) {
        int err = errno;
        return error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_NONE, err,
                          "%s: libzmq could not make a key pair", zmq_strerror (err));
    }
    error_clear (error);
    return 0;
}
