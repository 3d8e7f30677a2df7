/*  role.c - the API side of a role: start, stop, send, counters, dumps.
    Sends go from the calling thread straight to the I/O actor through the
    role's PUSH socket, under the role's push lock: one pipe hop, any thread. */
#include "role.h"
#include "actor_status.h"
#include "error_fill.h"
#include "io_internal.h"
#include "role_actor.h"
#include "wire.h"
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

//  Makes every inproc endpoint of the roles unique in the process
static atomic_uint s_endpoints;

unsigned
role_endpoint_number (void)
{
    return atomic_fetch_add (&s_endpoints, 1);
}

asynrole_addr_t *
role_resolve (const char *const *texts, size_t count, asynrole_error_t *error)
{
    asynrole_addr_t *addrs = calloc (count ? count : 1, sizeof *addrs);
    if (!addrs) {
        error_network (error, ASYNROLE_OP_RESOLVE, ENOMEM, NULL);
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        if (!texts[i] || asynrole_addr_resolve (&addrs[i], texts[i], error)) {
            if (!texts[i])
                error_badarg (error, "interface %zu is NULL", i);
            free (addrs);
            return NULL;
        }
    }
    return addrs;
}

static void
s_release (role_t *role)
{
    zsock_destroy (&role->push);
    zsock_destroy (&role->events);
    zsock_destroy (&role->user);
    asynrole_io_destroy (&role->io);
    free (role->locals);
    free (role->socket_ids);
    role->locals = NULL;
    role->socket_ids = NULL;
    pthread_mutex_destroy (&role->push_mutex);
    pthread_mutex_destroy (&role->callback_mutex);
    pthread_mutex_destroy (&role->pipe_mutex);
}

static int
s_check_options (asynrole_options_t *options, asynrole_error_t *error)
{
    if (options->queue < 0 || options->queue > 1000000)
        return error_badarg (error, "queue must be 0 (default) .. 1000000, not %d", options->queue);
    if (options->queue == 0)
        options->queue = 256;
    if (options->buffer_size > ASYNROLE_BUFFER_SIZE)
        return error_badarg (error, "buffer_size must be at most %d, not %zu", ASYNROLE_BUFFER_SIZE,
                             options->buffer_size);
    if (options->buffer_size == 0)
        options->buffer_size = ASYNROLE_BUFFER_SIZE;
    if (options->rcvbuf < 0 || options->sndbuf < 0)
        return error_badarg (error, "rcvbuf and sndbuf must not be negative");
    return 0;
}

//  The pipe-mode data pair: the role writes, the user reads. Its HWM bounds
//  what a user who does not read makes us hold; past it the role stops
//  reading from the I/O actor, which then drops and counts.
static int
s_make_events (role_t *role, asynrole_error_t *error)
{
    char endpoint[96];
    snprintf (endpoint, sizeof endpoint, "inproc://asynrole-role-%d-%u-events", (int) getpid (),
              role_endpoint_number ());
    role->user = zsock_new (ZMQ_PAIR);
    role->events = zsock_new (ZMQ_PAIR);
    if (!role->user || !role->events)
        return error_network (error, ASYNROLE_OP_SOCKET, EMFILE, NULL);
    zsock_set_rcvhwm (role->user, role->options.queue * WIRE_BATCH);
    zsock_set_sndhwm (role->events, 1);
    if (zsock_bind (role->user, "%s", endpoint) || zsock_connect (role->events, "%s", endpoint))
        return error_network (error, ASYNROLE_OP_SOCKET, errno, NULL);
    return 0;
}

int
role_start (role_t *role, role_kind_t kind, void *owner, const char *default_name,
            const asynrole_options_t *options, asynrole_addr_t *locals, size_t count,
            const asynrole_addr_t *destination, role_fn_t callback, void *ctx,
            asynrole_error_t *error)
{
    role->kind = kind;
    role->owner = owner;
    role->locals = locals;
    role->count = count;
    role->callback = callback;
    role->ctx = ctx;
    pthread_mutex_init (&role->push_mutex, NULL);
    pthread_mutex_init (&role->callback_mutex, NULL);
    pthread_mutex_init (&role->pipe_mutex, NULL);
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
    role->socket_ids = calloc (count, sizeof *role->socket_ids);
    if (!role->socket_ids) {
        s_release (role);
        return error_network (error, ASYNROLE_OP_SOCKET, ENOMEM, NULL);
    }
    if (s_check_options (&role->options, error)) {
        s_release (role);
        return -1;
    }
    role->io = role->options.io ? asynrole_io_ref (role->options.io) : asynrole_io_new (error);
    role->options.io = NULL;
    if (!role->io) {
        s_release (role);
        return -1;
    }
    role->push = zsock_new (ZMQ_PUSH);
    if (!role->push || zsock_connect (role->push, "%s", io_endpoint (role->io))) {
        error_network (error, ASYNROLE_OP_SOCKET, EMFILE, NULL);
        s_release (role);
        return -1;
    }
    if (role->options.pipe_mode && s_make_events (role, error)) {
        s_release (role);
        return -1;
    }
    role->actor = zactor_new (role_actor, role);
    int rc = actor_status_recv (role->actor, error);
    if (rc) {
        zactor_destroy (&role->actor);
        s_release (role);
    }
    else if (atomic_load (&role->verbose)) {
        char text[ASYNROLE_ADDR_STRLEN];
        for (size_t i = 0; i < role->count; i++)
            zsys_info ("%s: serving %s", role->name,
                       asynrole_addr_format (&role->locals[i], text, sizeof text));
    }
    return rc;
}

int
role_stop (role_t *role)
{
    if (pthread_equal (pthread_self (), role->thread)) {
        zsys_error ("%s: a role cannot be destroyed from its own callback", role->name);
        return -1;
    }
    //  The actor detaches from the I/O actor: its sockets close, what was
    //  queued for it is dropped, and it frees its own pair ends
    zactor_destroy (&role->actor);
    if (atomic_load (&role->verbose))
        zsys_info ("%s: destroyed", role->name);
    s_release (role);
    return 0;
}

//  Which socket a datagram to destination leaves from, or -1 (error filled)
static int
s_pick_socket (role_t *role, const asynrole_addr_t *destination, asynrole_error_t *error)
{
    char text[ASYNROLE_ADDR_STRLEN];
    if (role->destination.len) {
        if (destination)
            return error_badarg (error,
                                 "%s has a default destination (%s): a send may not "
                                 "name another",
                                 role->name,
                                 asynrole_addr_format (&role->destination, text, sizeof text));
        return 0;
    }
    if (!destination)
        return error_badarg (error, "%s: no destination given and no default one", role->name);
    int family = destination->u.sa.sa_family;
    bool well_formed = (family == AF_INET && destination->len == sizeof destination->u.in)
        || (family == AF_INET6 && destination->len == sizeof destination->u.in6);
    if (!well_formed)
        return error_badarg (error, "%s: destination is not an IPv4 or IPv6 address", role->name);
    if (asynrole_addr_port (destination) == 0)
        return error_badarg (error, "%s: destination %s has port 0", role->name,
                             asynrole_addr_format (destination, text, sizeof text));
    //  via routes an Agent's reply; a Manager has one socket and ignores it
    if (destination->via >= 0 && role->kind == ROLE_AGENT) {
        if ((size_t) destination->via >= role->count)
            return error_badarg (error, "%s: destination names socket %d of %zu", role->name,
                                 destination->via, role->count);
        if (asynrole_addr_family (&role->locals[destination->via]) != family)
            return error_badarg (error, "%s: socket %d is not of the destination's family",
                                 role->name, destination->via);
        return destination->via;
    }
    for (size_t i = 0; i < role->count; i++)
        if (asynrole_addr_family (&role->locals[i]) == family)
            return (int) i;
    return error_badarg (error, "%s: no %s socket to send to %s from", role->name,
                         family == AF_INET ? "IPv4" : "IPv6",
                         asynrole_addr_format (destination, text, sizeof text));
}

int
role_send_with (role_t *role, const void *data, size_t size, const asynrole_addr_t *destination,
                const role_fn_t *callback, void *ctx, asynrole_error_t *error)
{
    if (size > ASYNROLE_DGRAM_MAX)
        return error_badarg (error, "%s: %zu bytes is more than a datagram holds (%d)", role->name,
                             size, ASYNROLE_DGRAM_MAX);
    if (!data && size)
        return error_badarg (error, "%s: no data", role->name);
    if (callback && role->options.pipe_mode)
        return error_badarg (error, "%s is in pipe mode: it takes no callback", role->name);
    if (callback && !callback->manager)
        return error_badarg (error, "%s: the callback is NULL", role->name);
    int index = s_pick_socket (role, destination, error);
    if (index < 0)
        return -1;
    wire_rec_t rec = { .type = WIRE_SEND, .socket = role->socket_ids[index] };
    rec.size = (uint32_t) size;
    if (destination)
        rec.peer = *destination;
    zmq_msg_t msg;
    if (zmq_msg_init_size (&msg, wire_rec_span (size)))
        return error_network (error, ASYNROLE_OP_QUEUE, ENOMEM, destination);
    uint8_t *frame = zmq_msg_data (&msg);
    memcpy (frame, &rec, sizeof rec);
    if (size)
        memcpy (frame + sizeof rec, data, size);
    if (atomic_load_explicit (&role->dump, memory_order_relaxed))
        role_dump (role, "send", destination ? destination : &role->destination, data, size);
    //  The new callback is in place before the datagram leaves, so it sees
    //  every reply; the callback lock is never held across the send, which
    //  may wait on a full queue, so the role thread is never kept from it
    role_fn_t previous = { NULL };
    void *previous_ctx = NULL;
    uint64_t ours = 0;
    if (callback) {
        pthread_mutex_lock (&role->callback_mutex);
        previous = role->callback;
        previous_ctx = role->ctx;
        role->callback = *callback;
        role->ctx = ctx;
        ours = ++role->callback_generation;
        pthread_mutex_unlock (&role->callback_mutex);
    }
    pthread_mutex_lock (&role->push_mutex);
    int rc = zmq_msg_send (&msg, zsock_resolve (role->push), 0);
    pthread_mutex_unlock (&role->push_mutex);
    if (rc < 0 && callback) {
        //  A failed call changes nothing, unless another call changed the
        //  callback since: then that one stands
        pthread_mutex_lock (&role->callback_mutex);
        if (role->callback_generation == ours) {
            role->callback = previous;
            role->ctx = previous_ctx;
            role->callback_generation++;
        }
        pthread_mutex_unlock (&role->callback_mutex);
    }
    if (rc < 0) {
        int err = errno;
        zmq_msg_close (&msg);
        return error_network (error, ASYNROLE_OP_QUEUE, err, destination);
    }
    error_clear (error);
    return 0;
}

int
role_send (role_t *role, const void *data, size_t size, const asynrole_addr_t *destination,
           asynrole_error_t *error)
{
    return role_send_with (role, data, size, destination, NULL, NULL, error);
}

int
role_set_callback (role_t *role, role_fn_t callback, void *ctx, asynrole_error_t *error)
{
    if (role->options.pipe_mode)
        return error_badarg (error, "%s is in pipe mode: it takes no callback", role->name);
    if (!callback.manager)
        return error_badarg (error, "%s: the callback is NULL", role->name);
    pthread_mutex_lock (&role->callback_mutex);
    role->callback = callback;
    role->ctx = ctx;
    role->callback_generation++;
    pthread_mutex_unlock (&role->callback_mutex);
    error_clear (error);
    return 0;
}

int
role_stats (role_t *role, asynrole_stats_t *stats, size_t max)
{
    int count = -1;
    byte *records = NULL;
    size_t size = 0;
    if (pthread_equal (pthread_self (), role->thread))
        //  From the role's own callback: ask the I/O actor directly
        count = role_actor_fetch_stats (role, &records, &size);
    else {
        pthread_mutex_lock (&role->pipe_mutex);
        if (zsock_send (role->actor, "s", "STATS") == 0)
            zsock_recv (role->actor, "ib", &count, &records, &size);
        pthread_mutex_unlock (&role->pipe_mutex);
    }
    if (count < 0 || size != (size_t) count * sizeof *stats)
        count = -1;  //  Not a STATS answer
    else if (stats)
        memcpy (stats, records, ((size_t) count < max ? (size_t) count : max) * sizeof *stats);
    free (records);
    return count;
}

void
role_dump (role_t *role, const char *what, const asynrole_addr_t *peer, const void *data,
           size_t size)
{
    char text[ASYNROLE_ADDR_STRLEN];
    zsys_info ("%s: %s %zu bytes %s %s", role->name, what, size,
               streq (what, "send") ? "to" : "from",
               asynrole_addr_format (peer, text, sizeof text));
    const uint8_t *bytes = data;
    for (size_t line = 0; line < size; line += 16) {
        char hex[16 * 3 + 1] = "";
        char ascii[17] = "";
        for (size_t i = 0; i < 16 && line + i < size; i++) {
            snprintf (hex + i * 3, 4, "%02x ", bytes[line + i]);
            ascii[i] =
                bytes[line + i] >= 32 && bytes[line + i] < 127 ? (char) bytes[line + i] : '.';
        }
        zsys_info ("%s:   %04zx  %-48s %s", role->name, line, hex, ascii);
    }
}
