/*  loadgen.c - asynrole-loadgen: a closed-loop UDP load generator (usage:
    loadgen_args.c). One connected non-blocking socket; requests leave in
    sendmmsg batches and replies come in recvmmsg batches, so that the
    generator is not what limits a fast server. */
#define _GNU_SOURCE
#include "loadgen.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    uint32_t id;       //  request id: its slot in the low bits
    bool busy;         //  in flight
    uint64_t sent_ns;  //  first sent (latency counts from here)
    uint64_t last_ns;  //  last sent (resends count from here)
} slot_t;

typedef enum {
    PHASE_WARM,
    PHASE_RUN,
    PHASE_DRAIN
} phase_t;

//  After the run, what is in flight has S_DRAIN timeouts to be answered (a
//  request the network dropped just before the end gets one resend): only
//  then is it lost
#define S_DRAIN 2

typedef struct {
    loadgen_config_t cfg;
    int fd;
    slot_t *slots;
    uint32_t *free;  //  stack of free slots
    size_t free_count;
    uint32_t slot_bits, generation;
    uint8_t *out;  //  LOADGEN_BATCH requests of cfg.size bytes
    uint8_t *in;   //  LOADGEN_BATCH replies of LOADGEN_RECV_SIZE bytes
    phase_t phase;
    bool blocked;  //  the last send found the socket full: wait for POLLOUT
    uint64_t start_ns, measure_ns, stop_ns, next_scan_ns, cpu_before;
    uint64_t sent, received, resent, measured, malformed, stale, refused;
    bench_hist_t hist;
} loadgen_t;

//  Send the requests of slots[list[0..n)]; the ones the socket did not take
//  are freed again (fresh ones) or left for the next scan (resends)
static void
s_send (loadgen_t *self, const uint32_t *list, size_t n, bool fresh, uint64_t now)
{
    struct mmsghdr msgs[LOADGEN_BATCH];
    struct iovec iovs[LOADGEN_BATCH];
    size_t size = self->cfg.size;
    for (size_t i = 0; i < n; i++) {
        uint8_t *buf = self->out + i * size;
        loadgen_request (self->cfg.kind, buf, size, self->slots[list[i]].id, false);
        iovs[i] = (struct iovec){ .iov_base = buf, .iov_len = size };
        msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iovs[i], .msg_iovlen = 1 } };
    }
    int rc = sendmmsg (self->fd, msgs, (unsigned) n, MSG_DONTWAIT);
    size_t done = rc > 0 ? (size_t) rc : 0;
    if (rc < 0 && errno == ECONNREFUSED)
        self->refused++;  //  an earlier request's ICMP error; the next call goes on
    self->blocked = done < n && rc < 0 && (errno == EAGAIN || errno == ENOBUFS);
    for (size_t i = 0; i < n; i++) {
        slot_t *slot = &self->slots[list[i]];
        if (i < done) {
            slot->last_ns = now;
            if (fresh) {
                slot->sent_ns = now;
                self->sent++;
            }
            else
                self->resent++;
        }
        else if (fresh) {
            slot->busy = false;
            self->free[self->free_count++] = list[i];
        }
    }
}

//  New requests into every free slot, a batch at a time
static void
s_fill (loadgen_t *self, uint64_t now)
{
    uint32_t list[LOADGEN_BATCH];
    //  With --count, no more requests than replies wanted
    uint64_t left = self->cfg.count ? self->cfg.count - self->sent : UINT64_MAX;
    while (self->free_count > 0 && !self->blocked && left > 0) {
        size_t n = 0;
        while (n < LOADGEN_BATCH && self->free_count > 0 && n < left) {
            uint32_t index = self->free[--self->free_count];
            slot_t *slot = &self->slots[index];
            self->generation++;
            slot->id = ((self->generation << self->slot_bits) | index) & LOADGEN_ID_MASK;
            slot->busy = true;
            list[n++] = index;
        }
        uint64_t before = self->sent;
        s_send (self, list, n, true, now);
        left -= self->sent - before;
    }
}

//  Resend what has waited --timeout since it was last sent
static void
s_scan (loadgen_t *self, uint64_t now)
{
    uint32_t list[LOADGEN_BATCH];
    size_t n = 0;
    for (uint32_t i = 0; i < self->cfg.window && !self->blocked; i++) {
        if (!self->slots[i].busy || now - self->slots[i].last_ns < self->cfg.timeout_ns)
            continue;
        list[n++] = i;
        if (n == LOADGEN_BATCH) {
            s_send (self, list, n, false, now);
            n = 0;
        }
    }
    if (n > 0 && !self->blocked)
        s_send (self, list, n, false, now);
    //  Every 10 ms (a quarter of --timeout if shorter), but never more than
    //  ~1% of the time on the scan itself (~2 ns a slot) for large windows
    uint64_t step = self->cfg.timeout_ns / 4 < 10000000u ? self->cfg.timeout_ns / 4 : 10000000u;
    if (step < self->cfg.window * 200)
        step = self->cfg.window * 200;
    self->next_scan_ns = now + step;
}

//  One reply: its request is answered; anything else is counted
static void
s_reply (loadgen_t *self, const uint8_t *buf, size_t len, uint64_t now)
{
    uint32_t id;
    if (!loadgen_reply_id (self->cfg.kind, buf, len, &id)) {
        self->malformed++;
        return;
    }
    uint32_t index = id & ((1u << self->slot_bits) - 1);
    slot_t *slot = index < self->cfg.window ? &self->slots[index] : NULL;
    if (!slot || !slot->busy || slot->id != id) {
        self->stale++;  //  a second answer to a resent request, or not ours
        return;
    }
    slot->busy = false;
    self->free[self->free_count++] = index;
    self->received++;
    if (self->phase == PHASE_RUN) {
        self->measured++;
        bench_hist_add (&self->hist, now - slot->sent_ns);
    }
}

//  Read what has come, at most 16 batches; the number of datagrams read
static size_t
s_receive (loadgen_t *self)
{
    struct mmsghdr msgs[LOADGEN_BATCH];
    struct iovec iovs[LOADGEN_BATCH];
    size_t total = 0;
    for (int round = 0; round < 16; round++) {
        for (size_t i = 0; i < LOADGEN_BATCH; i++) {
            iovs[i] = (struct iovec){ .iov_base = self->in + i * LOADGEN_RECV_SIZE,
                                      .iov_len = LOADGEN_RECV_SIZE };
            msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iovs[i], .msg_iovlen = 1 } };
        }
        int rc = recvmmsg (self->fd, msgs, LOADGEN_BATCH, MSG_DONTWAIT, NULL);
        if (rc <= 0) {
            self->refused += rc < 0 && errno == ECONNREFUSED;
            break;
        }
        uint64_t now = bench_now_ns ();
        for (int i = 0; i < rc; i++)
            s_reply (self, self->in + (size_t) i * LOADGEN_RECV_SIZE, msgs[i].msg_len, now);
        total += (size_t) rc;
        if (rc < LOADGEN_BATCH)
            break;
    }
    return total;
}

//  Move between warm-up, the measured run and the drain; false once done
static bool
s_phase (loadgen_t *self, uint64_t now)
{
    const loadgen_config_t *c = &self->cfg;
    if (self->phase == PHASE_WARM && now >= self->measure_ns) {
        self->phase = PHASE_RUN;
        self->measure_ns = now;
        self->stop_ns = now + c->duration_ns;
        if (c->server_pid)
            bench_cpu_ns (c->server_pid, &self->cpu_before);
    }
    if (self->phase == PHASE_RUN
        && (now >= self->stop_ns || (c->count && self->received >= c->count))) {
        self->phase = PHASE_DRAIN;
        self->stop_ns = now;
    }
    if (self->phase != PHASE_DRAIN)
        return true;
    return self->free_count < c->window && now < self->stop_ns + S_DRAIN * c->timeout_ns;
}

//  Wait for a reply (or for room to send) until the next thing to do
static void
s_wait (loadgen_t *self, uint64_t now)
{
    uint64_t until = self->phase == PHASE_WARM ? self->measure_ns
        : self->phase == PHASE_RUN             ? self->stop_ns
                                               : self->stop_ns + S_DRAIN * self->cfg.timeout_ns;
    if (self->next_scan_ns < until)
        until = self->next_scan_ns;
    uint64_t ns = until > now ? until - now : 0;
    struct timespec ts = { .tv_sec = (time_t) (ns / 1000000000u),
                           .tv_nsec = (long) (ns % 1000000000u) };
    struct pollfd item = { .fd = self->fd, .events = POLLIN | (self->blocked ? POLLOUT : 0) };
    if (ppoll (&item, 1, &ts, NULL) > 0 && (item.revents & (POLLOUT | POLLERR)))
        self->blocked = false;
}

static void
s_run (loadgen_t *self)
{
    self->start_ns = bench_now_ns ();
    //  Warm-up: a quarter of the run, at most 0.2 s; none with --count
    uint64_t warm = self->cfg.duration_ns / 4;
    self->measure_ns = self->start_ns
        + (self->cfg.count         ? 0
               : warm < 200000000u ? warm
                                   : 200000000u);
    self->next_scan_ns = self->start_ns + self->cfg.timeout_ns;
    uint64_t now = self->start_ns;
    while (s_phase (self, now)) {
        if (self->phase != PHASE_DRAIN)
            s_fill (self, now);
        if (now >= self->next_scan_ns)
            s_scan (self, now);
        if (s_receive (self) == 0)
            s_wait (self, bench_now_ns ());
        now = bench_now_ns ();
    }
}

static int
s_open (loadgen_t *self)
{
    const loadgen_config_t *c = &self->cfg;
    self->fd = socket (c->target.sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (self->fd < 0
        || connect (self->fd, (const struct sockaddr *) &c->target.sa, c->target.len)) {
        fprintf (stderr, "asynrole-loadgen: socket to the target: %s\n", strerror (errno));
        return -1;
    }
    //  A whole window of replies fits: ~1 KiB of kernel memory each
    uint64_t rcvbuf = c->window * 1280 < (4u << 20) ? 4u << 20 : c->window * 1280;
    bench_rcvbuf (self->fd, (int) (rcvbuf < (1u << 30) ? rcvbuf : 1u << 30));
    while ((1ull << self->slot_bits) < c->window)
        self->slot_bits++;
    self->slots = calloc (c->window, sizeof *self->slots);
    self->free = calloc (c->window, sizeof *self->free);
    self->out = malloc (LOADGEN_BATCH * c->size);
    self->in = malloc (LOADGEN_BATCH * LOADGEN_RECV_SIZE);
    if (!self->slots || !self->free || !self->out || !self->in) {
        fprintf (stderr, "asynrole-loadgen: out of memory\n");
        return -1;
    }
    for (size_t i = 0; i < LOADGEN_BATCH; i++)
        loadgen_request (c->kind, self->out + i * c->size, c->size, 0, true);
    for (uint32_t i = 0; i < c->window; i++)
        self->free[self->free_count++] = (uint32_t) (c->window - 1 - i);
    return 0;
}

//  The one line; 0, or 1 when no reply came or the server's CPU is unknown
static int
s_report (loadgen_t *self)
{
    const loadgen_config_t *c = &self->cfg;
    uint64_t cpu_after = 0;
    int rc = 0;
    if (c->server_pid && !bench_cpu_ns (c->server_pid, &cpu_after)) {
        fprintf (stderr, "asynrole-loadgen: cannot read /proc/%d/task: the server is gone\n",
                 (int) c->server_pid);
        rc = 1;
    }
    double seconds = (double) (self->stop_ns - self->measure_ns) / 1e9;
    double rate = seconds > 0 ? (double) self->measured / seconds : 0;
    double cpu = c->server_pid && self->measured && cpu_after > self->cpu_before
        ? (double) (cpu_after - self->cpu_before) / 1e3 / (double) self->measured
        : 0;
    uint64_t lost = c->window - self->free_count;
    printf ("rate=%.0f p50_us=%.1f p99_us=%.1f sent=%llu received=%llu lost=%llu resent=%llu "
            "cpu_us_per_req=%.3f\n",
            rate, (double) bench_hist_quantile (&self->hist, 0.5) / 1e3,
            (double) bench_hist_quantile (&self->hist, 0.99) / 1e3, (unsigned long long) self->sent,
            (unsigned long long) self->received, (unsigned long long) lost,
            (unsigned long long) self->resent, cpu);
    if (self->malformed || self->stale || self->refused)
        fprintf (stderr, "asynrole-loadgen: malformed=%llu stale=%llu refused=%llu\n",
                 (unsigned long long) self->malformed, (unsigned long long) self->stale,
                 (unsigned long long) self->refused);
    if (self->received == 0) {
        fprintf (stderr, "asynrole-loadgen: no reply came\n");
        rc = 1;
    }
    return rc;
}

int
main (int argc, char **argv)
{
    static loadgen_t self;  //  the histogram is large
    int rc = loadgen_args (argc, argv, &self.cfg);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (self.cfg.server_pid && !bench_cpu_ns (self.cfg.server_pid, &self.cpu_before)) {
        fprintf (stderr, "asynrole-loadgen: no process %d to measure\n", (int) self.cfg.server_pid);
        return 1;
    }
    rc = 1;
    if (s_open (&self) == 0) {
        s_run (&self);
        rc = s_report (&self);
    }
    if (self.fd >= 0)
        close (self.fd);
    free (self.slots);
    free (self.free);
    free (self.out);
    free (self.in);
    return rc;
}
