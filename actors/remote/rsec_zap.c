/*  rsec_zap.c - the library's ZAP handler (RFC 27): one actor bound to
    inproc://zeromq.zap.01 in the library's libzmq context, started by the
    first registration and ended by the last release (rsecurity.h) */
#include "rsec_zap.h"
#include "actor.h"
#include "clock.h"
#include "ctx.h"
#include "error_fill.h"
#include "log.h"
#include <czmq.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define S_ENDPOINT "inproc://zeromq.zap.01"
//  Frames of a request we read: version, id, domain, address, identity,
//  mechanism and one credential (CURVE's key); a longer one is malformed
#define S_FRAMES_MAX 7
#define S_DOMAIN_MAX 32

struct rsec_zap_s {
    char domain[S_DOMAIN_MAX];  //  ZMQ_ZAP_DOMAIN of its socket
    uint8_t *keys;              //  allowed client keys, RSEC_KEY_BYTES each, sorted
    size_t count;               //  how many
    uint64_t denied;            //  clients refused (under s_data)
    uint64_t allowed;           //  clients let in (under s_data)
    rsec_zap_t *next;           //  in s_list
};

static pthread_mutex_t s_life = PTHREAD_MUTEX_INITIALIZER;  //  starts and ends the handler
static pthread_mutex_t s_data = PTHREAD_MUTEX_INITIALIZER;  //  guards the registrations
static pthread_cond_t s_changed;                            //  a count moved (under s_data)
static pthread_once_t s_once = PTHREAD_ONCE_INIT;           //  initialises s_changed
static rsec_zap_t *s_list;                                  //  registrations (under s_data)
static size_t s_refs;                                       //  registrations (under s_life)
static actor_t *s_handler;  //  the handler while s_refs > 0 (under s_life)
static uint64_t s_domains;  //  domains made so far (under s_data)

static void
s_init (void)
{
    clock_cond_init (&s_changed);
}

static int
s_key_cmp (const void *a, const void *b)
{
    return memcmp (a, b, RSEC_KEY_BYTES);
}

//  -------------------------------------------------------------------------
//  The handler's answers

//  The verdict on one request (under s_data): status code and text
static const char *
s_verdict (const char *domain, const char *mechanism, const zmq_msg_t *key, const char **text)
{
    bool curve = strcmp (mechanism, "CURVE") == 0 && key && zmq_msg_size (key) == RSEC_KEY_BYTES;
    if (domain[0] == '\0') {
        //  A CURVE server of ours without an allow list: the key was enough
        *text = curve ? "OK" : "no CURVE";
        return curve ? "200" : "400";
    }
    rsec_zap_t *zap = s_list;
    while (zap && strcmp (zap->domain, domain) != 0)
        zap = zap->next;
    if (!zap) {
        *text = "unknown domain";
        return "400";
    }
    bool in = curve
        && bsearch (zmq_msg_data ((zmq_msg_t *) key), zap->keys, zap->count, RSEC_KEY_BYTES,
                    s_key_cmp);
    if (in)
        zap->allowed++;
    else
        zap->denied++;
    pthread_cond_broadcast (&s_changed);
    *text = in ? "OK" : curve ? "key not allowed" : "no CURVE";
    return in ? "200" : "400";
}

//  Send the reply's six frames; the request id is frame 1 of the request
static void
s_reply (void *sock, const zmq_msg_t *id, const char *status, const char *text, const char *user)
{
    const void *id_data = id ? zmq_msg_data ((zmq_msg_t *) id) : "";
    size_t id_size = id ? zmq_msg_size (id) : 0;
    if (zmq_send (sock, "1.0", 3, ZMQ_SNDMORE) < 0
        || zmq_send (sock, id_data, id_size, ZMQ_SNDMORE) < 0
        || zmq_send (sock, status, strlen (status), ZMQ_SNDMORE) < 0
        || zmq_send (sock, text, strlen (text), ZMQ_SNDMORE) < 0
        || zmq_send (sock, user, strlen (user), ZMQ_SNDMORE) < 0 || zmq_send (sock, "", 0, 0) < 0)
        log_error ("asynrole: the ZAP handler cannot answer: %s", zmq_strerror (errno));
}

//  A frame as a string, when it is short and has no NUL
static bool
s_frame_text (const zmq_msg_t *frame, char *text, size_t size)
{
    size_t len = zmq_msg_size (frame);
    if (len >= size || memchr (zmq_msg_data ((zmq_msg_t *) frame), '\0', len))
        return false;
    memcpy (text, zmq_msg_data ((zmq_msg_t *) frame), len);
    text[len] = '\0';
    return true;
}

//  Judge a request of count frames (at most S_FRAMES_MAX, none left over)
static void
s_answer (void *sock, zmq_msg_t *frames, int count, bool whole)
{
    char version[8], domain[256], mechanism[16];
    const zmq_msg_t *id = count > 1 ? &frames[1] : NULL;
    if (!whole || count < 6 || !s_frame_text (&frames[0], version, sizeof version)
        || strcmp (version, "1.0") != 0 || !s_frame_text (&frames[2], domain, sizeof domain)
        || !s_frame_text (&frames[5], mechanism, sizeof mechanism)) {
        log_warning ("asynrole: a malformed ZAP request (%d frames) refused", count);
        s_reply (sock, id, "500", "malformed request", "");
        return;
    }
    const char *text;
    const zmq_msg_t *key = count == 7 ? &frames[6] : NULL;
    pthread_mutex_lock (&s_data);
    const char *status = s_verdict (domain, mechanism, key, &text);
    pthread_mutex_unlock (&s_data);
    char user[RSEC_KEY_TEXT + 1] = "";
    if (key && status[0] == '2')
        zmq_z85_encode (user, zmq_msg_data ((zmq_msg_t *) key), RSEC_KEY_BYTES);
    s_reply (sock, id, status, text, user);
}

//  Read one request (every frame of it, keeping the first S_FRAMES_MAX) and answer it
static void
s_serve (void *sock)
{
    zmq_msg_t frames[S_FRAMES_MAX];
    int count = 0;
    bool whole = true, more = true;
    while (more) {
        zmq_msg_t frame;
        zmq_msg_init (&frame);
        if (zmq_msg_recv (&frame, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&frame);
            whole = false;
            break;
        }
        more = zmq_msg_more (&frame);
        if (count < S_FRAMES_MAX)
            frames[count++] = frame;
        else {
            whole = false;
            zmq_msg_close (&frame);
        }
    }
    if (count > 0)
        s_answer (sock, frames, count, whole);
    for (int i = 0; i < count; i++)
        zmq_msg_close (&frames[i]);
}

//  -------------------------------------------------------------------------
//  The handler actor

typedef struct {
    actor_t *actor;   //  our actor
    void *pipe;       //  its inner end
    void *zap;        //  REP, bound to S_ENDPOINT
    bool terminated;  //  $TERM came from actor_destroy
} self_t;

static void
s_self_destroy (self_t **self_p)
{
    self_t *self = *self_p;
    if (!self)
        return;
    //  zmq_close frees an inproc endpoint later, in libzmq's reaper; unbind
    //  frees it now, so that the next handler can bind it at once
    if (self->zap && zmq_unbind (self->zap, S_ENDPOINT))
        log_warning ("asynrole: the ZAP handler cannot unbind %s: %s", S_ENDPOINT,
                     zmq_strerror (errno));
    ctx_close (&self->zap);
    free (self);
    *self_p = NULL;
}

//  The handler's state, its socket bound; NULL with error filled
static self_t *
s_self_new (actor_t *actor, asynrole_error_t *error)
{
    self_t *self = calloc (1, sizeof *self);
    if (!self) {
        error_nomem (error, "the ZAP handler");
        return NULL;
    }
    self->actor = actor;
    self->pipe = actor_inner (actor);
    self->zap = ctx_socket (ZMQ_REP, error);
    if (self->zap && zmq_bind (self->zap, S_ENDPOINT)) {
        int err = errno;
        error_set (error, ASYNROLE_EINTERNAL, ASYNROLE_OP_BIND, err,
                   "%s: the ZAP handler cannot bind %s", zmq_strerror (err), S_ENDPOINT);
        ctx_close (&self->zap);
    }
    if (!self->zap)
        s_self_destroy (&self);
    return self;
}

//  A command on the pipe: $TERM ends the handler; there is nothing else,
//  and anything else is answered "is" with ASYNROLE_EBADARG
static void
s_self_handle_pipe (self_t *self)
{
    zmsg_t *request = zmsg_recv (self->pipe);
    if (!request)
        return;
    char *command = zmsg_popstr (request);
    if (command && streq (command, "$TERM") && actor_stopping (self->actor))
        self->terminated = true;
    else {
        asynrole_error_t error;
        char quoted[ERROR_QUOTE_MAX];
        error_badarg (&error, "the ZAP handler takes no commands: %s",
                      error_quote (command ? command : "", quoted, sizeof quoted));
        if (zsock_send (self->pipe, "is", (int) error.code, error.detail))
            log_error ("asynrole: the ZAP handler cannot answer its pipe: %s",
                       zmq_strerror (errno));
    }
    zstr_free (&command);
    zmsg_destroy (&request);
}

//  Serve the pipe and the ZAP socket until $TERM
static void
s_body (actor_t *actor, void *args)
{
    (void) args;
    asynrole_error_t error;
    self_t *self = s_self_new (actor, &error);
    actor_started (actor, self ? NULL : &error);
    while (self && !self->terminated) {
        zmq_pollitem_t items[] = { { self->pipe, 0, ZMQ_POLLIN, 0 },
                                   { self->zap, 0, ZMQ_POLLIN, 0 } };
        if (zmq_poll (items, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            log_error ("asynrole: the ZAP handler cannot wait: %s", zmq_strerror (errno));
            break;
        }
        if (items[0].revents & ZMQ_POLLIN)
            s_self_handle_pipe (self);
        if (items[1].revents & ZMQ_POLLIN)
            s_serve (self->zap);
    }
    s_self_destroy (&self);
}

//  -------------------------------------------------------------------------
//  Registrations

//  A registration with its keys decoded and sorted; NULL when out of memory
static rsec_zap_t *
s_zap_new (const char *const *allow, size_t count)
{
    rsec_zap_t *zap = calloc (1, sizeof *zap);
    if (zap)
        zap->keys = malloc (count * RSEC_KEY_BYTES);
    if (!zap || !zap->keys) {
        free (zap);
        return NULL;
    }
    for (size_t i = 0; i < count; i++)
        if (zmq_z85_decode (zap->keys + zap->count * RSEC_KEY_BYTES, allow[i]))
            zap->count++;
    qsort (zap->keys, zap->count, RSEC_KEY_BYTES, s_key_cmp);
    return zap;
}

rsec_zap_t *
rsec_zap_register (const char *const *allow, size_t count, asynrole_error_t *error)
{
    pthread_once (&s_once, s_init);
    rsec_zap_t *zap = s_zap_new (allow, count);
    if (!zap) {
        error_nomem (error, "a ZAP registration");
        return NULL;
    }
    pthread_mutex_lock (&s_life);
    if (s_refs == 0) {
        s_handler = actor_new (s_body, NULL, "asynrole-zap", ASYNROLE_DEFAULT_TIMEOUT, error);
        if (!s_handler) {
            pthread_mutex_unlock (&s_life);
            free (zap->keys);
            free (zap);
            return NULL;
        }
    }
    s_refs++;
    pthread_mutex_lock (&s_data);
    snprintf (zap->domain, sizeof zap->domain, "asynrole-%llu", (unsigned long long) ++s_domains);
    zap->next = s_list;
    s_list = zap;
    pthread_mutex_unlock (&s_data);
    pthread_mutex_unlock (&s_life);
    return zap;
}

const char *
rsec_zap_domain (rsec_zap_t *zap)
{
    return zap->domain;
}

void
rsec_zap_release (rsec_zap_t **zap_p)
{
    rsec_zap_t *zap = *zap_p;
    if (!zap)
        return;
    *zap_p = NULL;
    pthread_mutex_lock (&s_life);
    pthread_mutex_lock (&s_data);
    rsec_zap_t **link = &s_list;
    while (*link && *link != zap)
        link = &(*link)->next;
    if (*link)
        *link = zap->next;
    pthread_mutex_unlock (&s_data);
    //  Joined outside s_data, which the handler takes for each request
    if (--s_refs == 0)
        actor_destroy (&s_handler);
    pthread_mutex_unlock (&s_life);
    free (zap->keys);
    free (zap);
}

uint64_t
rsec_zap_denied (rsec_zap_t *zap)
{
    if (!zap)
        return 0;
    pthread_mutex_lock (&s_data);
    uint64_t denied = zap->denied;
    pthread_mutex_unlock (&s_data);
    return denied;
}

uint64_t
rsec_zap_allowed (rsec_zap_t *zap)
{
    if (!zap)
        return 0;
    pthread_mutex_lock (&s_data);
    uint64_t allowed = zap->allowed;
    pthread_mutex_unlock (&s_data);
    return allowed;
}

bool
rsec_zap_wait_denied (rsec_zap_t *zap, uint64_t count, int timeout_ms)
{
    if (!zap)
        return count == 0;
    pthread_once (&s_once, s_init);
    struct timespec deadline = clock_after (timeout_ms);
    pthread_mutex_lock (&s_data);
    int rc = 0;
    while (zap->denied < count && rc == 0)
        rc = pthread_cond_timedwait (&s_changed, &s_data, &deadline);
    bool reached = zap->denied >= count;
    pthread_mutex_unlock (&s_data);
    return reached;
}

bool
rsec_zap_running (void)
{
    pthread_mutex_lock (&s_life);
    bool running = s_handler != NULL;
    pthread_mutex_unlock (&s_life);
    return running;
}
