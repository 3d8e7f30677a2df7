/*  raw_echo_serve.c - raw-echo's ways of serving: single, mmsg, sink, hold */
#define _GNU_SOURCE
#include "raw_echo.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#define S_ROUNDS 16  //  batches (or datagrams in single mode x 4) per wake-up

//  One recvfrom + one sendto per datagram
static void
s_single (raw_echo_t *self)
{
    for (int i = 0; i < S_ROUNDS * 4; i++) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom (self->fd, self->buffers, RAW_MAX_SIZE, MSG_DONTWAIT,
                              (struct sockaddr *) &peer, &len);
        if (n < 0)
            return;
        self->received++;
        if (sendto (self->fd, self->buffers, (size_t) n, 0, (struct sockaddr *) &peer, len) >= 0)
            self->sent++;
    }
}

//  Point the batch's headers at the buffers (and at control space for the
//  sink's drop counter)
static void
s_prepare (raw_echo_t *self, struct mmsghdr *msgs, struct iovec *iovs,
           struct sockaddr_storage *peers, uint8_t (*control)[64])
{
    for (size_t i = 0; i < RAW_BATCH; i++) {
        iovs[i] =
            (struct iovec){ .iov_base = self->buffers + i * RAW_MAX_SIZE, .iov_len = RAW_MAX_SIZE };
        msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &peers[i],
                                                 .msg_namelen = sizeof peers[i],
                                                 .msg_iov = &iovs[i],
                                                 .msg_iovlen = 1 } };
        if (control) {
            msgs[i].msg_hdr.msg_control = control[i];
            msgs[i].msg_hdr.msg_controllen = sizeof control[i];
        }
    }
}

//  The kernel's drop counter, as of the last datagram of the batch
static void
s_drops (raw_echo_t *self, struct mmsghdr *msgs, int count)
{
    for (int i = 0; i < count; i++) {
        struct msghdr *hdr = &msgs[i].msg_hdr;
        for (struct cmsghdr *c = CMSG_FIRSTHDR (hdr); c; c = CMSG_NXTHDR (hdr, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL
                && c->cmsg_len >= CMSG_LEN (sizeof (uint32_t))) {
                uint32_t drops;
                memcpy (&drops, CMSG_DATA (c), sizeof drops);
                self->dropped = drops;
            }
    }
}

//  Keep a copy of the batch's datagrams from *from on, until --hold are
//  held; false when memory ran out
static bool
s_keep (raw_echo_t *self, struct mmsghdr *msgs, int count, int *from)
{
    if (!self->held) {
        self->held = calloc (self->hold, sizeof *self->held);
        if (!self->held)
            return false;
    }
    for (int i = *from; i < count && self->held_count < self->hold; i++, ++*from) {
        size_t len = msgs[i].msg_len;
        if (self->arena_size - self->arena_used < len) {
            size_t size = self->arena_size ? self->arena_size * 2 : 1u << 20;
            uint8_t *arena = realloc (self->arena, size);
            if (!arena)
                return false;
            self->arena = arena;
            self->arena_size = size;
        }
        raw_held_t *held = &self->held[self->held_count++];
        memcpy (&held->peer, msgs[i].msg_hdr.msg_name, msgs[i].msg_hdr.msg_namelen);
        held->peer_len = msgs[i].msg_hdr.msg_namelen;
        held->at = self->arena_used;
        held->len = len;
        memcpy (self->arena + self->arena_used, msgs[i].msg_hdr.msg_iov->iov_base, len);
        self->arena_used += len;
    }
    return true;
}

//  Answer every held datagram, a batch per call; a full socket is waited on
//  for at most a second, then what is left is dropped and counted
static void
s_release (raw_echo_t *self)
{
    struct mmsghdr msgs[RAW_BATCH];
    struct iovec iovs[RAW_BATCH];
    size_t next = 0;
    while (next < self->held_count) {
        size_t n = self->held_count - next < RAW_BATCH ? self->held_count - next : RAW_BATCH;
        for (size_t i = 0; i < n; i++) {
            raw_held_t *held = &self->held[next + i];
            iovs[i] = (struct iovec){ .iov_base = self->arena + held->at, .iov_len = held->len };
            msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &held->peer,
                                                     .msg_namelen = held->peer_len,
                                                     .msg_iov = &iovs[i],
                                                     .msg_iovlen = 1 } };
        }
        int rc = sendmmsg (self->fd, msgs, (unsigned) n, MSG_DONTWAIT);
        if (rc > 0) {
            next += (size_t) rc;
            self->sent += (size_t) rc;
            continue;
        }
        struct pollfd item = { .fd = self->fd, .events = POLLOUT };
        if ((errno != EAGAIN && errno != ENOBUFS) || poll (&item, 1, 1000) <= 0)
            break;
    }
    self->unsent += self->held_count - next;
    self->held_count = 0;
    self->arena_used = 0;
}

//  recvmmsg batches: echoed with sendmmsg, counted (sink), or held
static void
s_batches (raw_echo_t *self)
{
    struct mmsghdr msgs[RAW_BATCH];
    struct iovec iovs[RAW_BATCH];
    struct sockaddr_storage peers[RAW_BATCH];
    static uint8_t control[RAW_BATCH][64];
    bool sink = self->mode == RAW_SINK;
    for (int round = 0; round < S_ROUNDS; round++) {
        s_prepare (self, msgs, iovs, peers, sink ? control : NULL);
        int count = recvmmsg (self->fd, msgs, RAW_BATCH, MSG_DONTWAIT, NULL);
        if (count <= 0)
            return;
        self->received += (uint64_t) count;
        if (sink)
            s_drops (self, msgs, count);
        else if (self->hold) {
            //  Out of memory: what is held goes out now, this datagram is dropped
            for (int from = 0; from < count;) {
                bool kept = s_keep (self, msgs, count, &from);
                if (!kept || self->held_count == self->hold)
                    s_release (self);
                from += !kept;
            }
        }
        else {
            for (int i = 0; i < count; i++)
                iovs[i].iov_len = msgs[i].msg_len;
            int sent = sendmmsg (self->fd, msgs, (unsigned) count, 0);
            self->sent += sent > 0 ? (uint64_t) sent : 0;
        }
        if (count < RAW_BATCH)
            return;
    }
}

void
raw_echo_serve (raw_echo_t *self)
{
    if (self->mode == RAW_SINGLE && !self->hold)
        s_single (self);
    else
        s_batches (self);
}

void
raw_echo_free (raw_echo_t *self)
{
    free (self->buffers);
    free (self->held);
    free (self->arena);
}
