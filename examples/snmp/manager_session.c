/*  manager_session.c - one SNMP request at a time on asynrole's request
    engine: replies matched by request-id, waited for with a deadline

    The engine takes a key from every attempt it sends and every datagram
    that comes (snmp_msg_peek: the request-id), so a reply answers the
    request that carries its request-id, whichever attempt it answers, and
    a late reply to an earlier request answers nothing. The validator then
    decodes it: what is not a well-formed Response of our version is
    refused and the request keeps waiting, as net-snmp drops it.
*/
#define _POSIX_C_SOURCE 200809L  //  clock_gettime, pthread_condattr_setclock
#include "manager_common.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

//  How long past the last attempt's wait the program waits for the result
//  callback before it gives up on the engine (it never should)
#define GRACE_MS 5000

struct snmp_mgr_session_s {
    const snmp_mgr_options_t *opts;
    asynrole_manager_t *manager;
    int32_t next_id;  //  request-ids: 1 .. 2^31-1, from a random start
    //  The request under way (the program's thread)
    snmp_msg_t *request;
    uint8_t *wire;  //  its bytes
    size_t wire_size;
    snmp_msg_t *response;  //  the reply, decoded in the program's thread
    //  The validator's (the Manager's thread, while the program waits)
    snmp_msg_t *check;
    //  The result: written by the callback, read after done
    bool sync_ready;  //  lock and ended initialised
    pthread_mutex_t lock;
    pthread_cond_t ended;
    bool done;
    snmp_mgr_status_t status;
    char detail[ASYNROLE_DETAIL_MAX];
    uint8_t *reply;  //  a copy of the accepted reply
    size_t reply_size;
};

//  asynrole_key_fn: the request-id
static bool
s_key (void *ctx, const uint8_t *data, size_t size, uint64_t *key)
{
    (void) ctx;
    int32_t request_id;
    if (snmp_msg_peek (data, size, NULL, NULL, &request_id) != SNMP_OK)
        return false;
    *key = (uint32_t) request_id;
    return true;
}

//  asynrole_validate_fn: a well-formed Response of our version and id
static bool
s_validate (void *ctx, const asynrole_datagram_t *reply)
{
    snmp_mgr_session_t *self = ctx;
    if (snmp_msg_decode (self->check, reply->data, reply->size) != SNMP_OK)
        return false;
    return self->check->type == SNMP_PDU_RESPONSE && self->check->version == self->request->version
        && self->check->request_id == self->request->request_id;
}

//  asynrole_result_fn, in the Manager's thread
static void
s_result (asynrole_manager_t *manager, void *ctx, const asynrole_result_t *result)
{
    (void) manager;
    snmp_mgr_session_t *self = ctx;
    pthread_mutex_lock (&self->lock);
    if (result->reply && result->reply->size <= SNMP_MSG_MAX) {
        memcpy (self->reply, result->reply->data, result->reply->size);
        self->reply_size = result->reply->size;
        self->status = SNMP_MGR_REPLY;
    }
    else if (result->error && result->error->code == ASYNROLE_ENORESPONSE)
        self->status = SNMP_MGR_TIMEOUT;
    else {
        self->status = SNMP_MGR_FAILED;
        snprintf (self->detail, sizeof self->detail, "%s",
                  result->error ? result->error->detail : "reply too long");
    }
    self->done = true;
    pthread_cond_signal (&self->ended);
    pthread_mutex_unlock (&self->lock);
}

//  asynrole_manager_fn: what answers no request (a late or stray reply)
//  and error events (ICMP port unreachable) are dropped: net-snmp says
//  nothing of them either, and the request times out
static void
s_other (asynrole_manager_t *manager, void *ctx, const asynrole_datagram_t *datagram,
         const asynrole_error_t *error)
{
    (void) manager;
    (void) ctx;
    (void) datagram;
    (void) error;
}

static int32_t
s_first_id (void)
{
    struct timespec now;
    clock_gettime (CLOCK_REALTIME, &now);
    uint32_t seed = (uint32_t) now.tv_nsec ^ (uint32_t) now.tv_sec ^ ((uint32_t) getpid () << 16);
    return (int32_t) (seed % 0x7FFFFFFEu) + 1;
}

static bool
s_alloc (snmp_mgr_session_t *self)
{
    self->request = malloc (sizeof *self->request);
    self->response = malloc (sizeof *self->response);
    self->check = malloc (sizeof *self->check);
    self->wire = malloc (SNMP_MSG_MAX);
    self->reply = malloc (SNMP_MSG_MAX);
    return self->request && self->response && self->check && self->wire && self->reply;
}

snmp_mgr_session_t *
snmp_mgr_session_new (const snmp_mgr_options_t *opts)
{
    snmp_mgr_session_t *self = calloc (1, sizeof *self);
    if (!self || !s_alloc (self)) {
        fprintf (stderr, "%s: out of memory\n", opts->prog);
        snmp_mgr_session_destroy (&self);
        return NULL;
    }
    self->opts = opts;
    self->next_id = s_first_id ();
    pthread_mutex_init (&self->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init (&attr);
    pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
    pthread_cond_init (&self->ended, &attr);
    pthread_condattr_destroy (&attr);
    self->sync_ready = true;

    asynrole_requests_t requests = { .key = s_key, .check = ASYNROLE_CHECK_STRICT };
    asynrole_options_t options = { .name = opts->prog, .requests = &requests };
    asynrole_error_t error;
    self->manager = asynrole_manager_new (s_other, NULL, opts->address, NULL, &options, &error);
    if (!self->manager) {
        fprintf (stderr, "%s: cannot start a Manager for %s: %s\n", opts->prog, opts->host,
                 error.detail);
        snmp_mgr_session_destroy (&self);
    }
    return self;
}

void
snmp_mgr_session_destroy (snmp_mgr_session_t **self_p)
{
    snmp_mgr_session_t *self = *self_p;
    if (!self)
        return;
    //  First: a request still under way ends (its callback runs) in here
    asynrole_manager_destroy (&self->manager);
    if (self->sync_ready) {
        pthread_cond_destroy (&self->ended);
        pthread_mutex_destroy (&self->lock);
    }
    free (self->request);
    free (self->response);
    free (self->check);
    free (self->wire);
    free (self->reply);
    free (self);
    *self_p = NULL;
}

snmp_msg_t *
snmp_mgr_request (snmp_mgr_session_t *self, snmp_pdu_type_t type)
{
    int32_t id = self->next_id;
    self->next_id = id == INT32_MAX ? 1 : id + 1;
    snmp_msg_init (self->request, self->opts->version, self->opts->community, type, id);
    return self->request;
}

void
snmp_mgr_ask (snmp_msg_t *request, const snmp_oid_t *name)
{
    snmp_value_t null = snmp_value_empty (SNMP_TYPE_NULL);
    snmp_msg_add (request, name, &null);
}

//  Wait for the callback until the deadline; false when it passed
static bool
s_wait (snmp_mgr_session_t *self)
{
    int64_t ms = (int64_t) self->opts->timeout * (self->opts->retries + 1) + GRACE_MS;
    struct timespec deadline;
    clock_gettime (CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += (time_t) (ms / 1000);
    deadline.tv_nsec += (long) (ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock (&self->lock);
    int rc = 0;
    while (!self->done && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait (&self->ended, &self->lock, &deadline);
    bool done = self->done;
    pthread_mutex_unlock (&self->lock);
    return done;
}

//  Send the request; false (said on stderr) when the engine refused it
static bool
s_send (snmp_mgr_session_t *self, uint64_t *handle)
{
    const snmp_mgr_options_t *opts = self->opts;
    snmp_err_t err = snmp_msg_encode (self->request, self->wire, SNMP_MSG_MAX, &self->wire_size);
    if (err) {
        fprintf (stderr, "%s: cannot encode the request: %s\n", opts->prog, snmp_strerror (err));
        return false;
    }
    asynrole_policy_t policy = { .timeout = opts->timeout, .retries = opts->retries };
    asynrole_request_t request = { .data = self->wire,
                                   .size = self->wire_size,
                                   .policy = &policy,
                                   .validate = s_validate,
                                   .ctx = self };
    pthread_mutex_lock (&self->lock);
    self->done = false;
    pthread_mutex_unlock (&self->lock);
    asynrole_error_t error;
    if (asynrole_manager_request (self->manager, &request, s_result, handle, &error)) {
        fprintf (stderr, "%s: cannot send to %s: %s\n", opts->prog, opts->host, error.detail);
        return false;
    }
    return true;
}

snmp_mgr_status_t
snmp_mgr_exchange (snmp_mgr_session_t *self, const snmp_msg_t **response)
{
    const char *prog = self->opts->prog;
    uint64_t handle = 0;
    if (!s_send (self, &handle))
        return SNMP_MGR_FAILED;
    if (!s_wait (self)) {
        //  The engine kept no deadline: end the request (its callback runs)
        asynrole_error_t error;
        asynrole_manager_cancel (self->manager, handle, &error);
        fprintf (stderr, "%s: the request engine gave no result in time\n", prog);
        return SNMP_MGR_FAILED;
    }
    if (self->status == SNMP_MGR_FAILED)
        fprintf (stderr, "%s: %s\n", prog, self->detail);
    if (self->status != SNMP_MGR_REPLY)
        return self->status;
    //  The validator decoded it already: this cannot fail
    snmp_err_t err = snmp_msg_decode (self->response, self->reply, self->reply_size);
    if (err) {
        fprintf (stderr, "%s: bad reply: %s\n", prog, snmp_strerror (err));
        return SNMP_MGR_FAILED;
    }
    *response = self->response;
    return SNMP_MGR_REPLY;
}

int
snmp_mgr_main (const snmp_mgr_program_t *program, int argc, char **argv)
{
    static snmp_mgr_options_t opts;  //  large: 64 OIDs
    int rc = snmp_mgr_parse (&opts, program, argc, argv);
    if (rc >= 0)
        return rc;
    snmp_mgr_session_t *session = snmp_mgr_session_new (&opts);
    if (!session)
        return SNMP_MGR_EXIT_NORESPONSE;
    rc = program->run (session, &opts);
    snmp_mgr_session_destroy (&session);
    fflush (stdout);
    return rc;
}
