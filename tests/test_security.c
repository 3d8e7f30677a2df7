/*  test_security.c - the remote links' endpoints and CURVE security
    (actors/remote/rsecurity.h)

    White-box: linked with the library's objects. The endpoint and option
    rules one by one, accepted and refused; then real links, a ROUTER bound
    on loopback and a DEALER connected to it, made in the library's libzmq
    context and set up by rsec_server / rsec_client: the right keys let a
    message through both ways; a wrong server key, or a client key not in
    the allow list, lets nothing through (the server's socket monitor, or
    the ZAP handler's count, says when the handshake was refused); the
    library's ZAP handler lives as long as its registrations and survives
    a malformed request.
*/
#include "testutil.h"
#include "ctx.h"
#include "frames.h"
#include "rsec_zap.h"
#include <string.h>
#include <unistd.h>
#include <zmq.h>

//  How long a refused link is watched for a message that must not come
#define S_QUIET_MS 300

typedef struct {
    char public_key[41];
    char secret_key[41];
} s_pair_t;

static s_pair_t
s_pair (void)
{
    s_pair_t pair;
    asynrole_error_t error;
    assert_int_equal (asynrole_remote_keypair (pair.public_key, pair.secret_key, &error), 0);
    return pair;
}

//  Options of a binding end with pair (and an allow list)
static asynrole_remote_options_t
s_server_options (const s_pair_t *pair, const char *const *allow, size_t count)
{
    asynrole_remote_options_t options = { 0 };
    options.curve_secret_key = pair->secret_key;
    options.curve_public_key = pair->public_key;
    options.curve_allow = allow;
    options.curve_allow_count = count;
    return options;
}

//  Options of a connecting end with pair, to a server whose public key is server_key
static asynrole_remote_options_t
s_client_options (const s_pair_t *pair, const char *server_key)
{
    asynrole_remote_options_t options = { 0 };
    options.curve_secret_key = pair->secret_key;
    options.curve_public_key = pair->public_key;
    options.curve_server_key = server_key;
    return options;
}

static void
s_accepted (const char *endpoint, const asynrole_remote_options_t *options, bool binding)
{
    asynrole_error_t error;
    int rc = rsec_check_endpoint (endpoint, options, binding, &error);
    if (rc != 0)
        fail_msg ("%s (%s) refused: %s", endpoint, binding ? "bind" : "connect", error.detail);
}

//  Refused with EBADARG, and the detail holds words
static void
s_refused (const char *endpoint, const asynrole_remote_options_t *options, bool binding,
           const char *words)
{
    asynrole_error_t error;
    int rc = rsec_check_endpoint (endpoint, options, binding, &error);
    if (rc != -1)
        fail_msg ("%s (%s) accepted", endpoint ? endpoint : "NULL", binding ? "bind" : "connect");
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    if (!strstr (error.detail, words))
        fail_msg ("%s: detail \"%s\" lacks \"%s\"", endpoint ? endpoint : "NULL", error.detail,
                  words);
}

//  -------------------------------------------------------------------------
//  Keys

static void
test_keypair (void **state)
{
    (void) state;
    s_pair_t a = s_pair (), b = s_pair ();
    assert_int_equal (strlen (a.public_key), 40);
    assert_int_equal (strlen (a.secret_key), 40);
    assert_string_not_equal (a.public_key, b.public_key);
    assert_string_not_equal (a.secret_key, b.secret_key);
    uint8_t raw[32];
    assert_non_null (zmq_z85_decode (raw, a.public_key));
    assert_non_null (zmq_z85_decode (raw, a.secret_key));
    char derived[41];
    assert_int_equal (zmq_curve_public (derived, a.secret_key), 0);
    assert_string_equal (derived, a.public_key);
    assert_int_equal (zmq_curve_public (derived, b.secret_key), 0);
    assert_string_equal (derived, b.public_key);
    asynrole_error_t error;
    assert_int_equal (asynrole_remote_keypair (NULL, a.secret_key, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
}

//  -------------------------------------------------------------------------
//  Endpoints

static void
test_endpoint_accepted (void **state)
{
    (void) state;
    asynrole_remote_options_t insecure = { .insecure = true };
    s_accepted ("tcp://127.0.0.1:5555", NULL, true);
    s_accepted ("tcp://127.0.0.1:*", NULL, true);
    s_accepted ("tcp://127.3.2.1:65535", NULL, true);
    s_accepted ("tcp://[::1]:1", NULL, true);
    s_accepted ("tcp://[::1]:*", NULL, true);
    s_accepted ("tcp://*:5555", &insecure, true);
    s_accepted ("tcp://0.0.0.0:*", &insecure, true);
    s_accepted ("tcp://[::]:5555", &insecure, true);
    s_accepted ("tcp://192.0.2.7:5555", &insecure, true);
    s_accepted ("tcp://[fe80::1%eth0]:5555", &insecure, true);
    s_accepted ("tcp://192.0.2.7:5555", NULL, false);
    s_accepted ("tcp://[2001:db8::1]:5555", NULL, false);
    s_accepted ("tcp://traps.example.com:5555", NULL, false);
    s_accepted ("tcp://localhost:5555", NULL, false);
    s_accepted ("ipc:///run/traps.sock", NULL, true);
    s_accepted ("ipc://@abstract", NULL, false);
    s_accepted ("inproc://traps", NULL, true);
    s_accepted ("inproc://traps", NULL, false);
    //  With keys, a binding end may leave loopback
    s_pair_t pair = s_pair ();
    asynrole_remote_options_t keys = s_server_options (&pair, NULL, 0);
    s_accepted ("tcp://*:5555", &keys, true);
    s_accepted ("tcp://192.0.2.7:*", &keys, true);
}

static void
test_endpoint_refused (void **state)
{
    (void) state;
    asynrole_remote_options_t insecure = { .insecure = true };
    s_refused (NULL, NULL, true, "no endpoint");
    s_refused ("", NULL, true, "tcp://, ipc:// or inproc://");
    s_refused ("udp://127.0.0.1:5555", NULL, true, "tcp://, ipc:// or inproc://");
    s_refused ("pgm://eth0;239.192.1.1:5555", NULL, false, "tcp://, ipc:// or inproc://");
    s_refused ("tcp://127.0.0.1", NULL, true, "HOST:PORT");
    s_refused ("tcp://:5555", NULL, true, "needs a host");
    s_refused ("tcp://127.0.0.1:0", NULL, true, "out of 1..65535");
    s_refused ("tcp://127.0.0.1:65536", NULL, true, "out of 1..65535");
    s_refused ("tcp://127.0.0.1:123456", NULL, true, "1..65535");
    s_refused ("tcp://127.0.0.1:55a", NULL, true, "1..65535");
    s_refused ("tcp://127.0.0.1:", NULL, true, "1..65535");
    s_refused ("tcp://127.0.0.1:*", NULL, false, "port * only when binding");
    s_refused ("tcp://*:5555", NULL, false, "host * only when binding");
    s_refused ("tcp://::1:5555", NULL, false, "in brackets");
    s_refused ("tcp://[::1:5555", NULL, false, "[address]:port");
    s_refused ("tcp://[::1]5555", NULL, false, "[address]:port");
    s_refused ("tcp://[nonsense]:5555", NULL, false, "[address]:port");
    s_refused ("tcp://bad_name:5555", NULL, false, "not a host name");
    s_refused ("tcp://a..b:5555", NULL, false, "not a host name");
    s_refused ("tcp://10.0.0.1;10.0.0.2:5555", NULL, false, "not a host name");
    s_refused ("tcp://localhost:5555", &insecure, true, "numeric host");
    s_refused ("tcp://eth0:5555", &insecure, true, "numeric host");
    s_refused ("tcp://127.0.0.1:5555 ", NULL, true, "control character");
    s_refused ("tcp://127.0.0.1:5\n555", NULL, true, "control character");
    s_refused ("ipc://", NULL, true, "ipc:// needs a path");
    char long_ipc[160] = "ipc:///";
    memset (long_ipc + 7, 'x', 110);
    s_refused (long_ipc, NULL, true, "ipc:// needs a path");
    s_refused ("inproc://", NULL, true, "inproc:// needs a name");
    s_refused ("inproc://zeromq.zap.01", NULL, true, "ZAP endpoint");
    char huge[400];
    memset (huge, 'a', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    memcpy (huge, "inproc://", 9);
    s_refused (huge, NULL, true, "longer than");
}

static void
test_endpoint_loopback (void **state)
{
    (void) state;
    const char *off[] = { "tcp://*:5555", "tcp://0.0.0.0:5555", "tcp://[::]:5555",
                          "tcp://192.0.2.7:5555", "tcp://[2001:db8::1]:*" };
    for (size_t i = 0; i < sizeof off / sizeof off[0]; i++) {
        s_refused (off[i], NULL, true, "off loopback without CURVE keys");
        s_accepted (off[i], &(asynrole_remote_options_t){ .insecure = true }, true);
    }
    s_accepted ("tcp://127.255.255.254:5555", NULL, true);
    s_accepted ("tcp://[::ffff:127.0.0.1]:5555", NULL, true);
    s_accepted ("tcp://[0:0:0:0:0:0:0:1]:5555", NULL, true);
    s_refused ("tcp://128.0.0.1:5555", NULL, true, "off loopback");
    s_refused ("tcp://[::2]:5555", NULL, true, "off loopback");
    //  The rule is for binding ends: a connecting one reaches any host
    s_accepted ("tcp://192.0.2.7:5555", NULL, false);
}

//  -------------------------------------------------------------------------
//  Options

static void
test_options_refused (void **state)
{
    (void) state;
    s_pair_t pair = s_pair (), other = s_pair ();
    const char *ep = "tcp://127.0.0.1:5555";
    asynrole_remote_options_t o = { .curve_secret_key = pair.secret_key };
    s_refused (ep, &o, true, "go together");
    o = (asynrole_remote_options_t){ .curve_public_key = pair.public_key };
    s_refused (ep, &o, true, "go together");
    o = s_server_options (&pair, NULL, 0);
    o.curve_secret_key = "short";
    s_refused (ep, &o, true, "curve_secret_key is not");
    o = s_server_options (&pair, NULL, 0);
    char bad[41];
    memcpy (bad, pair.public_key, sizeof bad);
    bad[3] = '"';  //  not a Z85 character
    o.curve_public_key = bad;
    s_refused (ep, &o, true, "curve_public_key is not a");
    o = s_server_options (&pair, NULL, 0);
    o.curve_public_key = other.public_key;
    s_refused (ep, &o, true, "not the public key of");
    //  Connecting ends: a server key with keys, and only with them
    o = s_client_options (&pair, NULL);
    s_refused (ep, &o, false, "needs curve_server_key");
    o = s_client_options (&pair, "not a key");
    s_refused (ep, &o, false, "curve_server_key is not");
    o = (asynrole_remote_options_t){ .curve_server_key = other.public_key };
    s_refused (ep, &o, false, "needs this end's key pair");
    //  Allow lists
    const char *allow[] = { other.public_key, "bogus" };
    o = s_server_options (&pair, allow, 2);
    s_refused (ep, &o, true, "curve_allow[1]");
    o = s_server_options (&pair, NULL, 1);
    s_refused (ep, &o, true, "curve_allow is NULL");
    o = (asynrole_remote_options_t){ .curve_allow = allow, .curve_allow_count = 1 };
    s_refused (ep, &o, true, "curve_allow needs");
    o = s_server_options (&pair, allow, RSEC_ALLOW_MAX + 1);
    s_refused (ep, &o, true, "at most");
}

static void
test_options_accepted (void **state)
{
    (void) state;
    s_pair_t pair = s_pair (), other = s_pair ();
    const char *allow[] = { other.public_key, pair.public_key };
    asynrole_remote_options_t o = s_server_options (&pair, allow, 2);
    s_accepted ("tcp://127.0.0.1:5555", &o, true);
    //  A binding end ignores a server key, a connecting one an allow list
    o.curve_server_key = "ignored";
    s_accepted ("tcp://127.0.0.1:5555", &o, true);
    o = s_client_options (&pair, other.public_key);
    o.curve_allow = allow;
    o.curve_allow_count = 2;
    s_accepted ("tcp://192.0.2.7:5555", &o, false);
    //  No error given: still 0 / -1
    assert_int_equal (rsec_check_endpoint ("inproc://x", NULL, true, NULL), 0);
    assert_int_equal (rsec_check_endpoint ("bad", NULL, true, NULL), -1);
}

//  -------------------------------------------------------------------------
//  Links

//  A ROUTER and a DEALER in the library's context, and what watches them
typedef struct {
    void *server;        //  ROUTER, bound on loopback
    void *client;        //  DEALER, connected to it
    void *monitor;       //  PAIR: the server's socket monitor
    rsec_zap_t *zap;     //  the server's registration, if any
    char endpoint[128];  //  where the server is bound
} s_link_t;

//  The server of link, bound to endpoint (one the kernel completes)
static void
s_server_at (s_link_t *link, const asynrole_remote_options_t *options, const char *endpoint)
{
    static int monitors;
    asynrole_error_t error;
    link->server = ctx_socket (ZMQ_ROUTER, &error);
    assert_non_null (link->server);
    s_accepted (endpoint, options, true);
    if (rsec_server (link->server, options, &link->zap, &error)
        || rsec_endpoint (link->server, endpoint, &error))
        fail_msg ("rsec_server: %s", error.detail);
    char name[64];
    snprintf (name, sizeof name, "inproc://test-security-monitor-%d", ++monitors);
    assert_int_equal (zmq_socket_monitor (link->server, name,
                                          ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                                              | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                                              | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                                              | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL),
                      0);
    link->monitor = ctx_socket (ZMQ_PAIR, &error);
    assert_non_null (link->monitor);
    assert_int_equal (zmq_connect (link->monitor, name), 0);
    if (zmq_bind (link->server, endpoint))
        fail_msg ("bind %s: %s", endpoint, zmq_strerror (errno));
    size_t size = sizeof link->endpoint;
    assert_int_equal (zmq_getsockopt (link->server, ZMQ_LAST_ENDPOINT, link->endpoint, &size), 0);
}

static void
s_server (s_link_t *link, const asynrole_remote_options_t *options)
{
    s_server_at (link, options, "tcp://127.0.0.1:*");
}

static void
s_client (s_link_t *link, const asynrole_remote_options_t *options)
{
    asynrole_error_t error;
    link->client = ctx_socket (ZMQ_DEALER, &error);
    assert_non_null (link->client);
    s_accepted (link->endpoint, options, false);
    if (rsec_client (link->client, options, &error)
        || rsec_endpoint (link->client, link->endpoint, &error))
        fail_msg ("rsec_client: %s", error.detail);
    assert_int_equal (zmq_connect (link->client, link->endpoint), 0);
}

//  The next handshake event of the server's monitor within the deadline; 0 if none
static int
s_handshake (s_link_t *link)
{
    if (frames_wait (link->monitor, TU_TIMEOUT_MS) != 1)
        return 0;
    zmsg_t *msg = zmsg_recv (link->monitor);
    assert_non_null (msg);
    zframe_t *head = zmsg_first (msg);
    assert_true (head && zframe_size (head) == 6);
    uint16_t event;
    memcpy (&event, zframe_data (head), sizeof event);
    zmsg_destroy (&msg);
    return event;
}

//  Send text from one end; the other receives it (the ROUTER's identity first)
static void
s_through (s_link_t *link)
{
    assert_int_equal (zmq_send (link->client, "ping", 4, 0), 4);
    assert_int_equal (frames_wait (link->server, TU_TIMEOUT_MS), 1);
    zmsg_t *msg = zmsg_recv (link->server);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 2);
    zframe_t *identity = zmsg_pop (msg);
    char *text = zmsg_popstr (msg);
    assert_string_equal (text, "ping");
    zstr_free (&text);
    zmsg_destroy (&msg);
    assert_int_equal (
        zmq_send (link->server, zframe_data (identity), zframe_size (identity), ZMQ_SNDMORE),
        (int) zframe_size (identity));
    zframe_destroy (&identity);
    assert_int_equal (zmq_send (link->server, "pong", 4, 0), 4);
    assert_int_equal (frames_wait (link->client, TU_TIMEOUT_MS), 1);
    char reply[8] = "";
    assert_int_equal (zmq_recv (link->client, reply, sizeof reply, ZMQ_DONTWAIT), 4);
    assert_memory_equal (reply, "pong", 4);
}

//  The client's message never reaches the server: the handshake was refused
static void
s_not_through (s_link_t *link)
{
    assert_int_equal (zmq_send (link->client, "ping", 4, 0), 4);
    assert_int_equal (frames_wait (link->server, S_QUIET_MS), 0);
}

static void
s_link_close (s_link_t *link)
{
    if (link->server)
        zmq_socket_monitor (link->server, NULL, 0);
    ctx_close (&link->monitor);
    ctx_close (&link->client);
    ctx_close (&link->server);
    rsec_zap_release (&link->zap);
}

static int
s_setup (void **state)
{
    (void) state;
    asynrole_error_t error;
    return ctx_acquire (&error);
}

//  Nothing left open: no socket, no handler
static int
s_teardown (void **state)
{
    (void) state;
    size_t open = ctx_sockets ();
    bool running = rsec_zap_running ();
    ctx_release ();
    if (open || running)
        print_error ("left behind: %zu sockets, handler %s\n", open, running ? "running" : "ended");
    return open || running ? -1 : 0;
}

static void
test_link_plain (void **state)
{
    (void) state;
    s_link_t link = { 0 };
    s_server (&link, NULL);
    assert_null (link.zap);
    assert_false (rsec_zap_running ());
    s_client (&link, NULL);
    s_through (&link);
    s_link_close (&link);
}

static void
test_link_curve (void **state)
{
    (void) state;
    s_pair_t server = s_pair (), client = s_pair ();
    s_link_t link = { 0 };
    asynrole_remote_options_t so = s_server_options (&server, NULL, 0);
    asynrole_remote_options_t co = s_client_options (&client, server.public_key);
    s_server (&link, &so);
    assert_null (link.zap);
    s_client (&link, &co);
    assert_int_equal (s_handshake (&link), ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    s_through (&link);
    s_link_close (&link);
}

static void
test_link_wrong_server_key (void **state)
{
    (void) state;
    s_pair_t server = s_pair (), client = s_pair (), stranger = s_pair ();
    s_link_t link = { 0 };
    asynrole_remote_options_t so = s_server_options (&server, NULL, 0);
    asynrole_remote_options_t co = s_client_options (&client, stranger.public_key);
    s_server (&link, &so);
    s_client (&link, &co);
    int event = s_handshake (&link);
    assert_true (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                 || event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
    s_not_through (&link);
    s_link_close (&link);
}

static void
test_link_plain_client_refused (void **state)
{
    (void) state;
    s_pair_t server = s_pair ();
    s_link_t link = { 0 };
    asynrole_remote_options_t so = s_server_options (&server, NULL, 0);
    s_server (&link, &so);
    s_client (&link, NULL);
    s_not_through (&link);
    s_link_close (&link);
}

static void
test_link_allowed (void **state)
{
    (void) state;
    s_pair_t server = s_pair (), client = s_pair (), other = s_pair ();
    const char *allow[] = { other.public_key, client.public_key };
    s_link_t link = { 0 };
    asynrole_remote_options_t so = s_server_options (&server, allow, 2);
    asynrole_remote_options_t co = s_client_options (&client, server.public_key);
    s_server (&link, &so);
    assert_non_null (link.zap);
    assert_true (rsec_zap_running ());
    s_client (&link, &co);
    assert_int_equal (s_handshake (&link), ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    s_through (&link);
    assert_int_equal (rsec_zap_allowed (link.zap), 1);
    assert_int_equal (rsec_zap_denied (link.zap), 0);
    s_link_close (&link);
    assert_false (rsec_zap_running ());
}

static void
test_link_denied (void **state)
{
    (void) state;
    s_pair_t server = s_pair (), client = s_pair (), other = s_pair ();
    const char *allow[] = { other.public_key };
    s_link_t link = { 0 };
    asynrole_remote_options_t so = s_server_options (&server, allow, 1);
    asynrole_remote_options_t co = s_client_options (&client, server.public_key);
    s_server (&link, &so);
    s_client (&link, &co);
    assert_true (rsec_zap_wait_denied (link.zap, 1, TU_TIMEOUT_MS));
    s_not_through (&link);
    assert_true (rsec_zap_denied (link.zap) >= 1);
    assert_int_equal (rsec_zap_allowed (link.zap), 0);
    s_link_close (&link);
}

//  Two servers with lists of their own, one with keys but no list and one
//  without keys, at once: each domain answers for itself, and the handler
//  leaves the others alone
static void
test_link_two_servers (void **state)
{
    (void) state;
    s_pair_t server = s_pair (), a = s_pair (), b = s_pair ();
    const char *allow_a[] = { a.public_key }, *allow_b[] = { b.public_key };
    asynrole_remote_options_t so_a = s_server_options (&server, allow_a, 1);
    asynrole_remote_options_t so_b = s_server_options (&server, allow_b, 1);
    asynrole_remote_options_t so_any = s_server_options (&server, NULL, 0);
    asynrole_remote_options_t co_a = s_client_options (&a, server.public_key);
    asynrole_remote_options_t co_b = s_client_options (&b, server.public_key);
    s_link_t la = { 0 }, lb = { 0 }, lb_on_a = { 0 }, lany = { 0 }, lplain = { 0 };
    s_server (&la, &so_a);
    s_server (&lb, &so_b);
    s_server (&lany, &so_any);
    s_server (&lplain, NULL);
    assert_non_null (la.zap);
    assert_non_null (lb.zap);
    assert_string_not_equal (rsec_zap_domain (la.zap), rsec_zap_domain (lb.zap));
    s_client (&la, &co_a);
    s_client (&lb, &co_b);
    s_client (&lany, &co_b);
    s_through (&la);
    s_through (&lb);
    s_through (&lany);
    s_client (&lplain, NULL);
    s_through (&lplain);
    //  b's key at a's server: refused there, counted there only
    lb_on_a.server = la.server;
    memcpy (lb_on_a.endpoint, la.endpoint, sizeof la.endpoint);
    s_client (&lb_on_a, &co_b);
    assert_true (rsec_zap_wait_denied (la.zap, 1, TU_TIMEOUT_MS));
    assert_int_equal (rsec_zap_denied (lb.zap), 0);
    s_not_through (&lb_on_a);
    ctx_close (&lb_on_a.client);
    s_link_close (&la);
    assert_true (rsec_zap_running ());
    s_through (&lb);
    s_link_close (&lb);
    assert_false (rsec_zap_running ());
    s_link_close (&lany);
    s_link_close (&lplain);
}

//  ZAP requests sent by hand: a malformed one gets a 500, an unknown
//  domain a 400, and the handler keeps serving
static void
s_zap_ask (void *req, const char *const *frames, size_t count, const char *status)
{
    for (size_t i = 0; i < count; i++)
        assert_int_equal (
            zmq_send (req, frames[i], strlen (frames[i]), i + 1 < count ? ZMQ_SNDMORE : 0),
            (int) strlen (frames[i]));
    assert_int_equal (frames_wait (req, TU_TIMEOUT_MS), 1);
    zmsg_t *reply = zmsg_recv (req);
    assert_non_null (reply);
    assert_int_equal (zmsg_size (reply), 6);
    char *version = zmsg_popstr (reply), *id = zmsg_popstr (reply), *code = zmsg_popstr (reply);
    assert_string_equal (version, "1.0");
    assert_string_equal (code, status);
    if (count > 1)
        assert_string_equal (id, frames[1]);
    zstr_free (&version);
    zstr_free (&id);
    zstr_free (&code);
    zmsg_destroy (&reply);
}

static void
test_zap_handler (void **state)
{
    (void) state;
    s_pair_t server = s_pair (), client = s_pair ();
    const char *allow[] = { client.public_key };
    asynrole_error_t error;
    assert_false (rsec_zap_running ());
    rsec_zap_t *zap = NULL;
    void *sock = ctx_socket (ZMQ_ROUTER, &error);
    asynrole_remote_options_t so = s_server_options (&server, allow, 1);
    assert_int_equal (rsec_server (sock, &so, &zap, &error), 0);
    assert_true (rsec_zap_running ());
    void *req = ctx_socket (ZMQ_REQ, &error);
    assert_non_null (req);
    assert_int_equal (zmq_connect (req, "inproc://zeromq.zap.01"), 0);
    const char *short_one[] = { "1.0", "7" };
    s_zap_ask (req, short_one, 2, "500");
    const char *bad_version[] = { "2.0", "8", "", "127.0.0.1", "", "CURVE", "x" };
    s_zap_ask (req, bad_version, 7, "500");
    const char *too_long[] = { "1.0", "9", "", "a", "", "CURVE", "k", "extra", "more" };
    s_zap_ask (req, too_long, 9, "500");
    const char *unknown[] = { "1.0", "10", "nobody", "127.0.0.1", "", "CURVE", "k" };
    s_zap_ask (req, unknown, 7, "400");
    char domain[201];
    memset (domain, 'd', sizeof domain - 1);
    domain[sizeof domain - 1] = '\0';
    const char *long_domain[] = { "1.0", "13", domain, "127.0.0.1", "", "CURVE", "k" };
    s_zap_ask (req, long_domain, 7, "400");
    const char *null_mech[] = { "1.0", "11", rsec_zap_domain (zap), "127.0.0.1", "", "NULL" };
    s_zap_ask (req, null_mech, 6, "400");
    assert_int_equal (rsec_zap_denied (zap), 1);
    const char *short_key[] = { "1.0",   "12",   rsec_zap_domain (zap), "127.0.0.1", "",
                                "CURVE", "short" };
    s_zap_ask (req, short_key, 7, "400");
    assert_int_equal (rsec_zap_denied (zap), 2);
    ctx_close (&req);
    ctx_close (&sock);
    //  The last release ends the handler; a new registration starts it again
    rsec_zap_release (&zap);
    assert_null (zap);
    assert_false (rsec_zap_running ());
    rsec_zap_release (&zap);
    s_link_t link = { 0 };
    asynrole_remote_options_t co = s_client_options (&client, server.public_key);
    s_server (&link, &so);
    assert_true (rsec_zap_running ());
    s_client (&link, &co);
    s_through (&link);
    s_link_close (&link);
    assert_false (rsec_zap_running ());
    assert_int_equal (rsec_zap_denied (NULL), 0);
}

//  Something else bound at the ZAP endpoint of our context: the handler
//  cannot start, and the registration fails with why
static void
test_zap_handler_cannot_start (void **state)
{
    (void) state;
    s_pair_t server = s_pair (), client = s_pair ();
    const char *allow[] = { client.public_key };
    asynrole_error_t error;
    void *squatter = ctx_socket (ZMQ_REP, &error);
    assert_non_null (squatter);
    assert_int_equal (zmq_bind (squatter, "inproc://zeromq.zap.01"), 0);
    void *sock = ctx_socket (ZMQ_ROUTER, &error);
    assert_non_null (sock);
    rsec_zap_t *zap = NULL;
    asynrole_remote_options_t so = s_server_options (&server, allow, 1);
    assert_int_equal (rsec_server (sock, &so, &zap, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EINTERNAL);
    assert_non_null (strstr (error.detail, "cannot bind inproc://zeromq.zap.01"));
    assert_null (zap);
    assert_false (rsec_zap_running ());
    //  (unbound first: a close frees an inproc endpoint later, in libzmq's reaper)
    assert_int_equal (zmq_unbind (squatter, "inproc://zeromq.zap.01"), 0);
    ctx_close (&squatter);
    //  Free again: the next registration starts it
    assert_int_equal (rsec_server (sock, &so, &zap, &error), 0);
    assert_true (rsec_zap_running ());
    ctx_close (&sock);
    rsec_zap_release (&zap);
}

//  The same over IPv6 loopback and ipc://, allowed and denied
static void
s_link_other (const char *endpoint)
{
    s_pair_t server = s_pair (), client = s_pair (), other = s_pair ();
    const char *allow[] = { client.public_key };
    asynrole_remote_options_t so = s_server_options (&server, allow, 1);
    asynrole_remote_options_t co = s_client_options (&client, server.public_key);
    asynrole_remote_options_t stranger = s_client_options (&other, server.public_key);
    s_link_t link = { 0 }, refused = { 0 };
    s_server_at (&link, &so, endpoint);
    s_client (&link, &co);
    s_through (&link);
    refused.server = link.server;
    memcpy (refused.endpoint, link.endpoint, sizeof link.endpoint);
    s_client (&refused, &stranger);
    assert_true (rsec_zap_wait_denied (link.zap, 1, TU_TIMEOUT_MS));
    s_not_through (&refused);
    ctx_close (&refused.client);
    assert_int_equal (rsec_zap_allowed (link.zap), 1);
    s_link_close (&link);
}

static void
test_link_ipv6 (void **state)
{
    (void) state;
    s_link_other ("tcp://[::1]:*");
}

static void
test_link_ipc (void **state)
{
    (void) state;
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "ipc://@asynrole-test-security-%d", (int) getpid ());
    s_link_other (endpoint);
}

//  An IPv4 literal stays IPv4 (the endpoint bound reads as given); an
//  IPv6 one or a name turns ZMQ_IPV6 on
static void
test_endpoint_ipv6_option (void **state)
{
    (void) state;
    asynrole_error_t error;
    const char *v4[] = { "tcp://127.0.0.1:*", "tcp://*:5555", "ipc://@x", "inproc://x" };
    const char *v6[] = { "tcp://[::1]:*", "tcp://localhost:5555", "tcp://[::ffff:127.0.0.1]:1" };
    for (size_t i = 0; i < 4 + 3; i++) {
        void *sock = ctx_socket (ZMQ_DEALER, &error);
        assert_non_null (sock);
        const char *endpoint = i < 4 ? v4[i] : v6[i - 4];
        assert_int_equal (rsec_endpoint (sock, endpoint, &error), 0);
        int ipv6 = -1;
        size_t size = sizeof ipv6;
        assert_int_equal (zmq_getsockopt (sock, ZMQ_IPV6, &ipv6, &size), 0);
        if (ipv6 != (i < 4 ? 0 : 1))
            fail_msg ("%s: ZMQ_IPV6 %d", endpoint, ipv6);
        ctx_close (&sock);
    }
}

//  Random endpoints made of the characters that matter: 0 or -1 with
//  EBADARG and a detail, never a crash (ASan and valgrind watch)
static void
test_endpoint_random (void **state)
{
    (void) state;
    static const char *prefixes[] = { "tcp://", "ipc://", "inproc://", "", "tcp://[" };
    static const char chars[] = "0123456789abcdef.:[]*%@/-_ \n\x01\xff;";
    uint64_t seed = 0x5eed;
    size_t accepted = 0;
    for (int round = 0; round < 20000; round++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        char endpoint[300];
        int len = snprintf (endpoint, sizeof endpoint, "%s", prefixes[(seed >> 33) % 5]);
        size_t extra = (seed >> 40) % 40 + (round % 500 == 0 ? 250 : 0);
        for (size_t i = 0; i < extra && (size_t) len + 1 < sizeof endpoint; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            endpoint[len++] = chars[(seed >> 33) % (sizeof chars - 1)];
        }
        endpoint[len] = '\0';
        asynrole_error_t error;
        int rc = rsec_check_endpoint (endpoint, NULL, (seed >> 20) & 1, &error);
        assert_true (rc == 0 || rc == -1);
        if (rc == -1) {
            assert_int_equal (error.code, ASYNROLE_EBADARG);
            assert_true (error.detail[0] != '\0');
        }
        accepted += rc == 0;
    }
    print_message ("random endpoints: %zu of 20000 accepted\n", accepted);
}

static void
test_server_client_refuse_bad_options (void **state)
{
    (void) state;
    asynrole_error_t error;
    void *sock = ctx_socket (ZMQ_ROUTER, &error);
    assert_non_null (sock);
    rsec_zap_t *zap = (rsec_zap_t *) &error;  //  must come back NULL
    asynrole_remote_options_t bad = { .curve_secret_key = "nonsense" };
    assert_int_equal (rsec_server (sock, &bad, &zap, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_null (zap);
    assert_int_equal (rsec_client (sock, &bad, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (rsec_server (sock, NULL, &zap, &error), 0);
    assert_null (zap);
    assert_int_equal (rsec_client (sock, NULL, &error), 0);
    ctx_close (&sock);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_keypair),
        cmocka_unit_test (test_endpoint_accepted),
        cmocka_unit_test (test_endpoint_refused),
        cmocka_unit_test (test_endpoint_loopback),
        cmocka_unit_test (test_options_refused),
        cmocka_unit_test (test_options_accepted),
        cmocka_unit_test (test_endpoint_random),
        cmocka_unit_test_setup_teardown (test_endpoint_ipv6_option, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_link_plain, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_link_curve, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_link_wrong_server_key, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_link_plain_client_refused, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_link_allowed, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_link_denied, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_link_two_servers, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_zap_handler, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_link_ipv6, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_link_ipc, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_zap_handler_cannot_start, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_server_client_refuse_bad_options, s_setup,
                                         s_teardown),
    };
    return tu_main (tests, argc, argv);
}
