/*  role.c - the API side of a role: start, stop, send, counters. Sends go
    from the calling thread straight to the I/O actor through the role's
    PUSH socket, under the role's push lock: one pipe hop, any thread;
    those the role's own thread makes while it handles a batch go together,
    once it is done (role_batch.h). */
#include "role.h"
#include "req_engine.h"
#include "log.h"
#include "ctx.h"
#include "error_fill.h"
#include "dump.h"
#include "io_internal.h"
#include "bounds.h"
#include "clock.h"
#include "pair.h"
#include "role_actor.h"
#include "role_batch.h"
#include "role_ctl.h"
#include "role_deploy.h"
#include "listen_internal.h"
#include "filter.h"
#include "stats_codec.h"
#include "tsan.h"
#include "wire.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

void
role_ifaces_free (role_ifaces_t *ifaces)
{
    free (ifaces->locals);
    free (ifaces->adopt);
    ifaces->locals = NULL;
    ifaces->adopt = NULL;
}

int
role_resolve (const char *const *texts, size_t count, role_ifaces_t *ifaces,
              asynrole_error_t *error)
{
    ifaces->count = count;
    ifaces->locals = calloc (count ? count : 1, sizeof *ifaces->locals);
    ifaces->adopt = calloc (count ? count : 1, sizeof *ifaces->adopt);
    if (!ifaces->locals || !ifaces->adopt) {
        role_ifaces_free (ifaces);
        return error_nomem (error, "the interfaces' addresses");
    }
    for (size_t i = 0; i < count; i++) {
        int fd = texts[i] ? listen_iface_fd (texts[i], error) : -1;
        bool bad = !texts[i] || fd == -1
            || (fd == LISTEN_NOT_FD && asynrole_addr_resolve (&ifaces->locals[i], texts[i], error));
        if (bad) {
            if (!texts[i])
                error_badarg (error, "interface %zu is NULL", i);
            role_ifaces_free (ifaces);
            return -1;
        }
        ifaces->adopt[i] = fd == LISTEN_NOT_FD ? -1 : fd;
    }
    return 0;
}

//  -------------------------------------------------------------------------
//  Start and stop

//  What s_init made: the locks, and the addresses it was given
static void
s_destroy_locks (role_t *role)
{
    free (role->locals);
    role->locals = NULL;
    free (role->adopt);
    role->adopt = NULL;
    pthread_mutex_destroy (&role->push_mutex);
    busy_destroy (&role->ctl_busy);
    busy_destroy (&role->user_busy);
    busy_destroy (&role->capture_busy);
    pthread_mutex_destroy (&role->callback_mutex);
    pthread_mutex_destroy (&role->calls_mutex);
    pthread_cond_destroy (&role->calls_done);
}

void
role_release (role_t *role)
{
    if (role->lent)
        //  No DETACHED came: the I/O actor may still write to the lent ends,
        //  so they are left open (reported as dangling) rather than freed
        log_error ("%s: the I/O actor did not let go of the role's pipes", role->name);
    else {
        ctx_close (&role->data_io);
        ctx_close (&role->ctl_io);
    }
    ctx_close (&role->push);
    ctx_close (&role->ctl);
    ctx_close (&role->data);
    ctx_close (&role->events);
    ctx_close (&role->user);
    doorbell_unref (&role->wake);
    link_unref (&role->link);
    req_inbox_destroy (&role->inbox);
    asynrole_io_destroy (&role->io);
    free (role->socket_ids);
    role->socket_ids = NULL;
    free (role->dual);
    role->dual = NULL;
    filter_destroy (&role->filter);
    role_capture_release (role);
    role_batch_free (role);
    s_destroy_locks (role);
    ctx_release ();
}

//  Check the options and fill in the defaults
static int
s_check_options (asynrole_options_t *options, asynrole_error_t *error)
{
    if (options->max_bytes > LIMIT_BYTES_MAX || options->send_queue > LIMIT_BYTES_MAX)
        return error_badarg (error, "max_bytes and send_queue must be at most %zu bytes",
                             (size_t) LIMIT_BYTES_MAX);
    if (options->timeout < 0 || options->timeout > LIMIT_TIMEOUT_MAX || options->send_timeout < 0
        || options->send_timeout > LIMIT_TIMEOUT_MAX)
        return error_badarg (error, "timeout and send_timeout must be 0 (default) .. %d ms",
                             LIMIT_TIMEOUT_MAX);
    if (options->buffer_size > ASYNROLE_BUFFER_SIZE)
        return error_badarg (error, "buffer_size must be at most %d, not %zu", ASYNROLE_BUFFER_SIZE,
                             options->buffer_size);
    if (options->rcvbuf < -1 || options->sndbuf < -1)
        return error_badarg (error,
                             "rcvbuf and sndbuf must be -1 (the kernel's default), 0 (ours) "
                             "or a size in bytes");
    if (options->rebind_interval < -1 || options->rebind_interval > LIMIT_TIMEOUT_MAX)
        return error_badarg (error, "rebind_interval must be -1 (never), 0 (default) .. %d ms",
                             LIMIT_TIMEOUT_MAX);
    if (options->overflow != ASYNROLE_OVERFLOW_DROP && options->overflow != ASYNROLE_OVERFLOW_PAUSE)
        return error_badarg (error, "overflow must be ASYNROLE_OVERFLOW_DROP or _PAUSE, not %d",
                             (int) options->overflow);
    if (options->device && (!options->device[0] || strlen (options->device) >= WIRE_DEVICE_MAX))
        return error_badarg (error, "the device name must be 1 to %d characters",
                             WIRE_DEVICE_MAX - 1);
    options->max_bytes = options->max_bytes ? options->max_bytes : ASYNROLE_DEFAULT_MAX_BYTES;
    options->send_queue = options->send_queue ? options->send_queue : ASYNROLE_DEFAULT_SEND_QUEUE;
    options->timeout = options->timeout ? options->timeout : ASYNROLE_DEFAULT_TIMEOUT;
    options->send_timeout =
        options->send_timeout ? options->send_timeout : ASYNROLE_DEFAULT_TIMEOUT;
    options->buffer_size = options->buffer_size ? options->buffer_size : ASYNROLE_BUFFER_SIZE;
    options->rebind_interval =
        options->rebind_interval ? options->rebind_interval : ASYNROLE_DEFAULT_REBIND_INTERVAL;
    return 0;
}

//  Every pipe of the role: push to the I/O actor, the ctl and data pairs,
//  and in pipe mode the user's data socket
static int
s_make_pipes (role_t *role, asynrole_error_t *error)
{
    role->push = ctx_socket (ZMQ_PUSH, error);
    if (!role->push)
        return -1;
    if (zmq_connect (role->push, io_endpoint (role->io)))
        return error_zmq (error, errno, "cannot connect to the I/O actor");
    if (pair_new (&role->ctl, &role->ctl_io, "ctl", error)
        || pair_new (&role->data, &role->data_io, "data", error))
        return -1;
    if (role->options.pipe_mode && pair_new (&role->user, &role->events, "events", error))
        return -1;
    //  A pipe-mode Agent's receive_and_send waits on user and on this,
    //  which _destroy rings
    if (role->options.pipe_mode && role->kind == ROLE_AGENT) {
        role->wake = doorbell_new (error);
        if (!role->wake)
            return -1;
    }
    return 0;
}

//  Fill in what role_start was given
static void
s_init (role_t *role, role_kind_t kind, void *owner, const char *default_name,
        const asynrole_options_t *options, role_ifaces_t *ifaces,
        const asynrole_addr_t *destination, role_fn_t callback, void *ctx)
{
    role->kind = kind;
    role->owner = owner;
    role->locals = ifaces->locals;
    role->adopt = ifaces->adopt;
    role->count = ifaces->count;
    ifaces->locals = NULL;
    ifaces->adopt = NULL;
    role->callback = callback;
    role->ctx = ctx;
    pthread_mutex_init (&role->push_mutex, NULL);
    busy_init (&role->ctl_busy);
    busy_init (&role->user_busy);
    busy_init (&role->capture_busy);
    pthread_mutex_init (&role->callback_mutex, NULL);
    if (options)
        role->options = *options;
    if (destination)
        role->destination = *destination;
    snprintf (role->name, sizeof role->name, "%s",
              role->options.name ? role->options.name : default_name);
    role->options.name = role->name;
    atomic_init (&role->verbose, role->options.verbose);
    atomic_init (&role->dump, role->options.dump);
    atomic_init (&role->unhandled, 0);
    atomic_init (&role->destroying, false);
    atomic_init (&role->closed, false);
    atomic_init (&role->stopping, false);
    atomic_init (&role->timeout, 0);
    atomic_init (&role->calls, 0);
    atomic_init (&role->held, false);
    pthread_mutex_init (&role->calls_mutex, NULL);
    clock_cond_init (&role->calls_done);
}

//  What start makes before the actor; 0 or -1 with error filled
static int
s_prepare (role_t *role, asynrole_error_t *error)
{
    if (s_check_options (&role->options, error))
        return -1;
    atomic_store (&role->timeout, role->options.timeout);
    role->socket_ids = calloc (role->count, sizeof *role->socket_ids);
    role->dual = calloc (role->count, sizeof *role->dual);
    if (!role->socket_ids || !role->dual)
        return error_nomem (error, "the role's socket ids");
    if (role->options.filter) {
        role->filter = filter_new (role->options.filter, error);
        if (!role->filter)
            return -1;
    }
    //  Copied: the caller's strings need not outlive the call
    role->options.filter = NULL;
    if (role->options.device)
        snprintf (role->device, sizeof role->device, "%s", role->options.device);
    role->options.device = NULL;
    role->io = role->options.io ? asynrole_io_ref (role->options.io) : asynrole_io_new (error);
    role->options.io = NULL;
    if (!role->io)
        return -1;
    role->link = link_new (role->count, role->options.max_bytes,
                           role->options.pipe_mode ? LIMIT_EVENT_OVERHEAD : 0,
                           role->options.send_queue, io_doorbell (role->io), error);
    if (!role->link)
        return -1;
    link_set_overflow (role->link, role->options.overflow);
    //  A Manager's request engine: its settings now, its inbox for the
    //  other threads (the engine itself is the actor's)
    if (role->kind == ROLE_MANAGER) {
        if (req_engine_check (role->options.requests, &role->requests, error))
            return -1;
        role->inbox = req_inbox_new (error);
        if (!role->inbox)
            return -1;
        //  The engine never waits for room to send: it is told
        link_tx_bell (role->link, req_inbox_bell (role->inbox));
    }
    else if (role->options.requests)
        return error_badarg (error, "an Agent makes no requests: options.requests must be NULL");
    role->options.requests = NULL;
    return s_make_pipes (role, error);
}

int
role_start (role_t *role, role_kind_t kind, void *owner, const char *default_name,
            const asynrole_options_t *options, role_ifaces_t *ifaces,
            const asynrole_addr_t *destination, role_fn_t callback, void *ctx,
            asynrole_error_t *error)
{
    s_init (role, kind, owner, default_name, options, ifaces, destination, callback, ctx);
    if (ctx_acquire (error)) {
        s_destroy_locks (role);
        return -1;
    }
    if (s_prepare (role, error)) {
        role_release (role);
        return -1;
    }
    //  The actor sets role->actor itself, before it reports its start
    actor_t *actor =
        actor_new (role_actor, role, kind == ROLE_MANAGER ? "asynrole-mgr" : "asynrole-agent",
                   role_start_wait (role), error);
    if (!actor) {
        role_release (role);
        return -1;
    }
    if (atomic_load (&role->verbose)) {
        char text[ASYNROLE_ADDR_STRLEN];
        for (size_t i = 0; i < role->count; i++)
            log_info ("%s: serving %s", role->name,
                      asynrole_addr_format (&role->locals[i], text, sizeof text));
    }
    //  Callbacks may run from here on, and one may destroy the role: it is
    //  not ours to touch after the go
    actor_go (actor);
    return 0;
}

int
role_start_wait (role_t *role)
{
    //  Each step of the start may take its time: attach, the filter when
    //  there is one, one open per socket, and the go
    long long steps = (long long) role->count + (role->filter ? 3 : 2);
    long long wait = (long long) role_ctl_step_timeout (role) * steps;
    return wait < INT32_MAX ? (int) wait : INT32_MAX;
}

//  Stop the role's calls: no new call starts, sends waiting for room give up
//  (ASYNROLE_ECLOSED), and the calls under way are waited for, at most a
//  step's time (every other call has a deadline of its own). The waiter
//  waits for calls_drained, which the last call sets under the mutex, not
//  for the count: whoever frees the role then knows that call is done with
//  it. With no call under way, nobody waits and no call touches the mutex.
void
role_quiesce (role_t *role)
{
    //  Marked before anything sees the role stopping: a call made from what
    //  that runs (a request's callback ending with ASYNROLE_ECLOSED) is refused
    unsigned calls = atomic_load (&role->calls);
    unsigned marked;
    do
        marked = calls | ROLE_CALLS_STOP | (calls & ROLE_CALLS_COUNT ? ROLE_CALLS_WAIT : 0);
    while (!atomic_compare_exchange_weak (&role->calls, &calls, marked));
    atomic_store (&role->stopping, true);
    link_tx_close (role->link);
    if (role->wake)
        doorbell_ring (role->wake);
    //  The Manager's thread ends its requests (ASYNROLE_ECLOSED): blocking
    //  calls waiting for them leave
    if (role->inbox)
        req_inbox_wake (role->inbox);
    if (!(marked & ROLE_CALLS_WAIT))
        return;
    pthread_mutex_lock (&role->calls_mutex);
    bool drained = clock_wait_flag (&role->calls_done, &role->calls_mutex, &role->calls_drained,
                                    true, role_ctl_step_timeout (role));
    pthread_mutex_unlock (&role->calls_mutex);
    if (!drained)
        log_error ("%s: %u calls still under way after %d ms of destroying it: it is freed "
                   "when the last one leaves",
                   role->name, atomic_load (&role->calls) & ROLE_CALLS_COUNT,
                   role_ctl_step_timeout (role));
}

//  Free the role and its owner
static void
s_free (role_t *role)
{
    void *owner = role->owner;
    role_release (role);
    free (owner);
}

void
role_dispose (role_t *role)
{
    //  Calls still under way (role_quiesce gave up waiting for them, user
    //  code taking long): the last one to leave frees it. The mark and the
    //  count are one word, so exactly one of us sees the other.
    unsigned calls = atomic_load (&role->calls);
    do
        if (!(calls & ROLE_CALLS_COUNT)) {
            s_free (role);
            return;
        }
    while (!atomic_compare_exchange_weak (&role->calls, &calls, calls | ROLE_CALLS_ORPHAN));
}

void
role_stop (role_t *role)
{
    //  This thread's hold on role ends (it is a call the destroy would wait
    //  for); what it holds on another role goes before it waits
    role_hold_end_mine (role);
    role_batch_flush ();
    if (actor_is_self (role->actor)) {
        //  From the role's own callback: the actor ends once it returns
        atomic_store (&role->destroying, true);
        return;
    }
    //  Deliveries stop after the callback under way
    role_quiesce (role);
    //  The actor detaches from the I/O actor: its sockets close, what was
    //  queued for it is dropped
    actor_destroy (&role->actor);
    if (atomic_load (&role->verbose))
        log_info ("%s: destroyed", role->name);
    role_dispose (role);
}

//  A call on the role begins; -1 (ASYNROLE_ECLOSED) when the role is closed
//  or being destroyed. Counted and checked in one step: role_quiesce marks
//  the count, so one of the two always sees the other.
int
role_enter (role_t *role, asynrole_error_t *error)
{
    unsigned before = atomic_fetch_add (&role->calls, 1);
    if (!(before & ROLE_CALLS_STOP) && !atomic_load (&role->destroying)
        && !atomic_load (&role->closed))
        return 0;
    //  Said before we leave: our leaving may free the role
    error_set (error, ASYNROLE_ECLOSED, ASYNROLE_OP_NONE, 0,
               "the role is closed, or being destroyed: %s", role->name);
    role_leave (role);
    return -1;
}

//  A call leaves. Only the last call out of a role role_quiesce waits on
//  touches the role after its count went: under the mutex, and to free it
//  when role_dispose left that to it.
void
role_leave (role_t *role)
{
    unsigned before = atomic_fetch_sub (&role->calls, 1);
    if ((before & ROLE_CALLS_COUNT) != 1)
        return;
    if (before & ROLE_CALLS_WAIT) {
        pthread_mutex_lock (&role->calls_mutex);
        role->calls_drained = true;
        pthread_cond_broadcast (&role->calls_done);
        pthread_mutex_unlock (&role->calls_mutex);
    }
    if (before & ROLE_CALLS_ORPHAN)
        s_free (role);
}

//  -------------------------------------------------------------------------
//  Sending

//  Does socket i carry datagrams of family: its own, or IPv4 on dual stack?
static bool
s_carries (role_t *role, size_t i, int family)
{
    int own = asynrole_addr_family (&role->locals[i]);
    return own == family || (family == AF_INET && own == AF_INET6 && role->dual[i]);
}

//  The common case, an Agent's reply: a well-formed address with a port,
//  whose via names a socket that carries its family. -1 otherwise (then
//  role_pick_socket looks further, and says what is wrong).
static inline int
s_pick_via (const role_t *role, const asynrole_addr_t *to)
{
    //  via 0 wraps to SIZE_MAX: one comparison for both bounds
    size_t i = to ? (size_t) to->via - 1 : SIZE_MAX;
    if (role->kind != ROLE_AGENT || i >= role->count)
        return -1;
    int own = role->locals[i].len ? role->locals[i].u.sa.sa_family : AF_UNSPEC;
    if (to->u.sa.sa_family == AF_INET && to->len == sizeof to->u.in && to->u.in.sin_port
        && (own == AF_INET || (own == AF_INET6 && role->dual[i])))
        return (int) i;
    if (to->u.sa.sa_family == AF_INET6 && to->len == sizeof to->u.in6 && to->u.in6.sin6_port
        && own == AF_INET6)
        return (int) i;
    return -1;
}

//  Which socket a datagram to destination leaves from, or -1 (error filled)
int
role_pick_socket (role_t *role, const asynrole_addr_t *destination, asynrole_error_t *error)
{
    int via = role->destination.len ? -1 : s_pick_via (role, destination);
    if (via >= 0)
        return via;
    char text[ASYNROLE_ADDR_STRLEN];
    if (role->destination.len) {
        if (destination)
            return error_badarg (
                error, "a send may not name a destination: %s has a default one (%s)", role->name,
                asynrole_addr_format (&role->destination, text, sizeof text));
        return 0;
    }
    if (!destination)
        return error_badarg (error, "no destination given and no default one: %s", role->name);
    int family = destination->u.sa.sa_family;
    bool well_formed = (family == AF_INET && destination->len == sizeof destination->u.in)
        || (family == AF_INET6 && destination->len == sizeof destination->u.in6);
    if (!well_formed)
        return error_badarg (error, "the destination is not an IPv4 or IPv6 address: %s",
                             role->name);
    if (asynrole_addr_port (destination) == 0)
        return error_badarg (error, "the destination has port 0: %s to %s", role->name,
                             asynrole_addr_format (destination, text, sizeof text));
    //  via routes an Agent's reply; a Manager has one socket and ignores it
    via = asynrole_addr_socket (destination);
    if (destination->via && role->kind == ROLE_AGENT) {
        if (via < 0 || (size_t) via >= role->count)
            return error_badarg (error, "the destination's via names socket %u of %zu: %s",
                                 destination->via, role->count, role->name);
        if (!s_carries (role, (size_t) via, family))
            return error_badarg (error, "socket %d is not of the destination's family: %s", via,
                                 role->name);
        return via;
    }
    //  A socket of the family itself first, then a dual-stack one
    for (size_t i = 0; i < role->count; i++)
        if (asynrole_addr_family (&role->locals[i]) == family)
            return (int) i;
    for (size_t i = 0; i < role->count; i++)
        if (s_carries (role, i, family))
            return (int) i;
    return error_badarg (error, "no %s socket to send to %s from: %s",
                         family == AF_INET ? "IPv4" : "IPv6",
                         asynrole_addr_format (destination, text, sizeof text), role->name);
}

//  The arguments of a send, before anything is done
static int
s_check_send (role_t *role, const void *data, size_t size, const role_send_t *how,
              asynrole_error_t *error)
{
    if (!data && size)
        return error_badarg (error, "no data: %s", role->name);
    if (how->callback && role->options.pipe_mode)
        return error_badarg (error, "a role in pipe mode takes no callback: %s", role->name);
    if (how->callback && !how->callback->manager)
        return error_badarg (error, "the callback is NULL: %s", role->name);
    return 0;
}

//  An IPv4 address as a dual-stack socket names it: ::ffff:a.b.c.d
static asynrole_addr_t
s_mapped (const asynrole_addr_t *addr)
{
    if (addr->u.sa.sa_family != AF_INET)
        return *addr;
    asynrole_addr_t mapped = { .len = sizeof mapped.u.in6 };
    mapped.u.in6.sin6_family = AF_INET6;
    mapped.u.in6.sin6_port = addr->u.in.sin_port;
    mapped.u.in6.sin6_addr.s6_addr[10] = 0xff;
    mapped.u.in6.sin6_addr.s6_addr[11] = 0xff;
    memcpy (&mapped.u.in6.sin6_addr.s6_addr[12], &addr->u.in.sin_addr, 4);
    return mapped;
}

//  The record's addresses: to whom, and for a reply from where
static void
s_addresses (role_t *role, int index, const asynrole_addr_t *destination,
             const asynrole_datagram_t *reply_to, wire_rec_t *rec)
{
    bool dual = role->dual[index];
    if (destination) {
        rec->peer = dual ? s_mapped (destination) : *destination;
        rec->peer.via = 0;
    }
    else
        memset (&rec->peer, 0, sizeof rec->peer);
    if (reply_to && reply_to->local.len) {
        rec->local = dual ? s_mapped (&reply_to->local) : reply_to->local;
        rec->local.via = 0;
        rec->ifindex = reply_to->ifindex;
    }
    else
        memset (&rec->local, 0, sizeof rec->local);
}

//  The WIRE_SEND record of a send
static void
s_fill (role_t *role, int index, size_t size, const asynrole_addr_t *destination,
        const role_send_t *how, wire_rec_t *rec)
{
    //  Field by field: a memset of the whole record costs as much again
    rec->type = WIRE_SEND;
    rec->op = 0;
    rec->socket = role->socket_ids[index];
    rec->size = (uint32_t) size;
    rec->original = rec->flags = rec->ifindex = rec->errors = 0;
    rec->err = 0;
    rec->count = 0;
    s_addresses (role, index, destination, how->reply_to, rec);
}

//  A message holding one WIRE_SEND record; 0 or -1 with error filled
static int
s_record (const wire_rec_t *rec, const void *data, zmq_msg_t *msg, asynrole_error_t *error)
{
    if (zmq_msg_init_size (msg, wire_rec_span (rec->size)))
        return error_nomem (error, "a send");
    uint8_t *frame = zmq_msg_data (msg);
    memcpy (frame, rec, sizeof *rec);
    if (rec->size)
        memcpy (frame + sizeof *rec, data, rec->size);
    return 0;
}

//  Put the new callback in place before the datagram leaves, so that it sees
//  every reply; returns the generation to undo it by
static uint64_t
s_swap_callback (role_t *role, const role_send_t *how, role_fn_t *previous, void **previous_ctx)
{
    pthread_mutex_lock (&role->callback_mutex);
    *previous = role->callback;
    *previous_ctx = role->ctx;
    role->callback = *how->callback;
    role->ctx = how->ctx;
    uint64_t ours = ++role->callback_generation;
    pthread_mutex_unlock (&role->callback_mutex);
    return ours;
}

//  A failed call changes nothing, unless another call changed the callback
//  since: then that one stands
static void
s_restore_callback (role_t *role, uint64_t ours, role_fn_t previous, void *previous_ctx)
{
    pthread_mutex_lock (&role->callback_mutex);
    if (role->callback_generation == ours) {
        role->callback = previous;
        role->ctx = previous_ctx;
        role->callback_generation++;
    }
    pthread_mutex_unlock (&role->callback_mutex);
}

//  Push a send message; 0, or -1 with error filled (credit given back)
static int
s_push (role_t *role, int index, size_t span, zmq_msg_t *msg, asynrole_error_t *error)
{
    pthread_mutex_lock (&role->push_mutex);
    HANDOFF_RELEASE (&wire_inbound_handoff);
    int rc = zmq_msg_send (msg, role->push, 0);
    pthread_mutex_unlock (&role->push_mutex);
    if (rc >= 0)
        return 0;
    int err = errno;
    zmq_msg_close (msg);
    link_tx_release (role->link, (size_t) index, span);
    return error_zmq (error, err, "the I/O actor's inbound socket refused a send");
}

//  Reserve a send's credit. Credit this thread holds in sends not pushed
//  yet is never waited for: they go first (role_batch.h).
static int
s_reserve (role_t *role, int index, size_t span, const role_send_t *how, asynrole_error_t *error)
{
    if (link_tx_try (role->link, (size_t) index, span))
        return 0;
    role_batch_flush ();
    return link_tx_reserve (role->link, (size_t) index, span,
                            how->nowait ? 0 : role->options.send_timeout, error);
}

//  A send not held: a message of its own, pushed now. Not inlined, so
//  that the held case sets up no room for a record and a message.
__attribute__ ((noinline)) static int
s_send_now (role_t *role, int index, const void *data, size_t size,
            const asynrole_addr_t *destination, const role_send_t *how, asynrole_error_t *error)
{
    size_t span = wire_rec_span (size);
    wire_rec_t rec;
    s_fill (role, index, size, destination, how, &rec);
    zmq_msg_t msg;
    if (s_record (&rec, data, &msg, error)) {
        link_tx_release (role->link, (size_t) index, span);
        return -1;
    }
    return s_push (role, index, span, &msg, error);
}

//  Hand the send to the I/O actor: held in the role's batch when this is
//  its thread handling a batch (the record made in place), else pushed now.
//  0, or -1 with error filled (the credit given back).
static int
s_hand_over (role_t *role, int index, const void *data, size_t size,
             const asynrole_addr_t *destination, const role_send_t *how, asynrole_error_t *error)
{
    if (!role_batch_holds (role))
        return s_send_now (role, index, data, size, destination, how, error);
    size_t span = wire_rec_span (size);
    uint8_t *at = role_batch_add (role, span);
    if (!at) {
        link_tx_release (role->link, (size_t) index, span);
        return error_nomem (error, "a held send");
    }
    s_fill (role, index, size, destination, how, (wire_rec_t *) at);
    if (size)
        memcpy (at + sizeof (wire_rec_t), data, size);
    return 0;
}

static int
s_send (role_t *role, const void *data, size_t size, const asynrole_addr_t *destination,
        const role_send_t *how, asynrole_error_t *error)
{
    if (s_check_send (role, data, size, how, error))
        return -1;
    //  An Agent's reply names its socket: the common case, looked at first
    int index = role->destination.len ? -1 : s_pick_via (role, destination);
    if (index < 0 && (index = role_pick_socket (role, destination, error)) < 0)
        return -1;
    //  An IPv4 datagram is IPv4-sized, through a dual-stack socket too
    int family =
        destination ? destination->u.sa.sa_family : asynrole_addr_family (&role->locals[index]);
    size_t max = family == AF_INET6 ? ASYNROLE_DGRAM_MAX_IPV6 : ASYNROLE_DGRAM_MAX_IPV4;
    if (size > max)
        return error_badarg (error, "%zu bytes is more than a datagram holds (%zu): %s", size, max,
                             role->name);
    if (s_reserve (role, index, wire_rec_span (size), how, error))
        return -1;
    if (atomic_load_explicit (&role->dump, memory_order_relaxed))
        dump_datagram (role->name, "send", true, destination ? destination : &role->destination,
                       data, size);
    role_fn_t previous = { NULL };
    void *previous_ctx = NULL;
    uint64_t ours = how->callback ? s_swap_callback (role, how, &previous, &previous_ctx) : 0;
    if (s_hand_over (role, index, data, size, destination, how, error)) {
        if (how->callback)
            s_restore_callback (role, ours, previous, previous_ctx);
        return -1;
    }
    error_clear (error);
    return 0;
}

//  A send counted as a call under way. Not inlined: role_send's held case
//  then needs no registers saved (about 14 instructions fewer a reply).
__attribute__ ((noinline)) static int
s_send_counted (role_t *role, const void *data, size_t size, const asynrole_addr_t *destination,
                const role_send_t *how, asynrole_error_t *error)
{
    if (role_enter (role, error))
        return -1;
    int rc = s_send (role, data, size, destination, how, error);
    role_leave (role);
    return rc;
}

int
role_send (role_t *role, const void *data, size_t size, const asynrole_addr_t *destination,
           const role_send_t *how, asynrole_error_t *error)
{
    //  The role's own thread, handling a batch, or a user thread's hold
    //  (counted from hold to flush): the role outlives the call (a destroy
    //  waits for this thread, or is deferred until it is done), so the call
    //  is not counted; a role being destroyed still refuses it
    if (!role_batch_holds (role))
        return s_send_counted (role, data, size, destination, how, error);
    if (atomic_load (&role->stopping) || atomic_load (&role->destroying)
        || atomic_load (&role->closed))
        return error_set (error, ASYNROLE_ECLOSED, ASYNROLE_OP_NONE, 0,
                          "the role is closed, or being destroyed: %s", role->name);
    return s_send (role, data, size, destination, how, error);
}

int
role_set_callback (role_t *role, role_fn_t callback, void *ctx, asynrole_error_t *error)
{
    if (role->options.pipe_mode)
        return error_badarg (error, "a role in pipe mode takes no callback: %s", role->name);
    if (!callback.manager)
        return error_badarg (error, "the callback is NULL: %s", role->name);
    if (role_enter (role, error))
        return -1;
    pthread_mutex_lock (&role->callback_mutex);
    role->callback = callback;
    role->ctx = ctx;
    role->callback_generation++;
    pthread_mutex_unlock (&role->callback_mutex);
    role_leave (role);
    error_clear (error);
    return 0;
}

//  Counters of the role's sockets, once the call is counted
static int
s_stats (role_t *role, asynrole_stats_t *stats, size_t max, asynrole_error_t *error)
{
    role_call_t call;
    if (role_ctl_begin (role, atomic_load (&role->timeout), &call, error))
        return -1;
    zmsg_t *answer = role_ctl_end (
        role, &call, role_push (role, "s44", "STATS", call.seq, role->role_id), "STATS", error);
    if (!answer)
        return -1;
    int count = stats_decode (answer, stats, max, error);
    zmsg_destroy (&answer);
    return count;
}

int
role_stats (role_t *role, asynrole_stats_t *stats, size_t max, asynrole_error_t *error)
{
    if (role_enter (role, error))
        return -1;
    int rc = s_stats (role, stats, max, error);
    role_leave (role);
    return rc;
}

int
role_set_timeout (role_t *role, int timeout, asynrole_error_t *error)
{
    if (timeout < 1 || timeout > LIMIT_TIMEOUT_MAX)
        return error_badarg (error, "the timeout must be 1 .. %d ms, not %d: %s", LIMIT_TIMEOUT_MAX,
                             timeout, role->name);
    atomic_store (&role->timeout, timeout);
    error_clear (error);
    return 0;
}
