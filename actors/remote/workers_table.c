/*  workers_table.c - the workers actor's records of its workers */
#include "workers_table.h"
#include <stdlib.h>
#include <string.h>

void
workers_table_init (workers_table_t *self)
{
    memset (self, 0, sizeof *self);
    map_init (&self->by_id);
}

void
workers_table_destroy (workers_table_t *self)
{
    for (size_t i = 0; i < self->count; i++)
        free (self->peers[i]);
    free (self->peers);
    map_destroy (&self->by_id);
    memset (self, 0, sizeof *self);
}

workers_peer_t *
workers_table_find (workers_table_t *self, const void *id, size_t size)
{
    uint32_t index;
    if (size == 0 || size > WORKERS_ID_MAX
        || !map_get (&self->by_id, map_hash_bytes (id, size), &index) || index >= self->count)
        return NULL;
    workers_peer_t *peer = self->peers[index];
    //  Two ids of one hash: the second is nobody we know
    return peer->id_size == size && memcmp (peer->id, id, size) == 0 ? peer : NULL;
}

workers_peer_t *
workers_table_add (workers_table_t *self, const void *id, size_t size)
{
    if (size == 0 || size > WORKERS_ID_MAX)
        return NULL;
    if (self->count == self->size) {
        size_t size_new = self->size ? self->size * 2 : 16;
        workers_peer_t **peers = realloc (self->peers, size_new * sizeof *peers);
        if (!peers)
            return NULL;
        self->peers = peers;
        self->size = size_new;
    }
    workers_peer_t *peer = calloc (1, sizeof *peer);
    if (!peer)
        return NULL;
    memcpy (peer->id, id, size);
    peer->id_size = size;
    peer->key = map_hash_bytes (id, size);
    peer->index = self->count;
    peer->info.connected = true;
    if (!map_put (&self->by_id, peer->key, (uint32_t) peer->index)) {
        free (peer);
        return NULL;
    }
    self->peers[self->count++] = peer;
    return peer;
}

static void
s_ring_out (workers_table_t *self, workers_peer_t *peer)
{
    if (!peer->in_ring)
        return;
    if (--self->ring_count == 0)
        self->cursor = NULL;
    else {
        if (self->cursor == peer)
            self->cursor = peer->next;
        peer->prev->next = peer->next;
        peer->next->prev = peer->prev;
    }
    peer->next = peer->prev = NULL;
    peer->in_ring = false;
}

//  In just before the cursor: the last to come round
static void
s_ring_in (workers_table_t *self, workers_peer_t *peer)
{
    if (peer->in_ring)
        return;
    if (!self->cursor) {
        peer->next = peer->prev = peer;
        self->cursor = peer;
    }
    else {
        workers_peer_t *last = self->cursor->prev;
        peer->prev = last;
        peer->next = self->cursor;
        last->next = peer;
        self->cursor->prev = peer;
    }
    peer->in_ring = true;
    self->ring_count++;
}

void
workers_table_remove (workers_table_t *self, workers_peer_t *peer)
{
    s_ring_out (self, peer);
    map_remove (&self->by_id, peer->key);
    size_t last = self->count - 1;
    if (peer->index != last) {
        workers_peer_t *moved = self->peers[last];
        moved->index = peer->index;
        self->peers[peer->index] = moved;
        //  Replacing never allocates: it cannot fail
        map_put (&self->by_id, moved->key, (uint32_t) moved->index);
    }
    self->count = last;
    peer->info.connected = false;
    self->gone[self->gone_next] = peer->info;
    self->gone_next = (self->gone_next + 1) % ASYNROLE_WORKERS_GONE;
    if (self->gone_count < ASYNROLE_WORKERS_GONE)
        self->gone_count++;
    free (peer);
}

workers_peer_t *
workers_table_next (workers_table_t *self)
{
    workers_peer_t *peer = self->cursor;
    if (peer)
        self->cursor = peer->next;
    return peer;
}

void
workers_table_update (workers_table_t *self, workers_peer_t *peer)
{
    if (peer->info.in_worker < peer->info.credit)
        s_ring_in (self, peer);
    else
        s_ring_out (self, peer);
}

size_t
workers_table_list (workers_table_t *self, asynrole_worker_info_t *info, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < self->count; i++, n++)
        if (info && n < max)
            info[n] = self->peers[i]->info;
    for (size_t i = 0; i < self->gone_count; i++, n++) {
        size_t at = (self->gone_next + 2 * ASYNROLE_WORKERS_GONE - 1 - i) % ASYNROLE_WORKERS_GONE;
        if (info && n < max)
            info[n] = self->gone[at];
    }
    return n;
}
