/*  capture.c - datagrams to pcap files, written by a thread of its own

    A producer builds a record's headers and checksum before the lock, then
    under the mutex copies them and the kept payload into the fill buffer.
    The writer swaps the fill buffer with its empty spare under the mutex
    and writes it with the mutex released: two buffers of queue_bytes each,
    no allocation per datagram, and a producer waits for a copy only, never
    for the disk. The writer alone touches the file, the size cap and the
    rotation; its counters reach capture_stats after each batch. */
#define _GNU_SOURCE
#include "capture.h"
#include "bounds.h"
#include "clock.h"
#include "doorbell.h"
#include "error_fill.h"
#include "log.h"
#include "pcap.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define CAPTURE_QUEUE_DEFAULT ((size_t) 4 << 20)
#define CAPTURE_SNAPLEN_MAX 65535
#define CAPTURE_FILES_MAX 1000  //  renames per rotation, at most
#define CAPTURE_SUFFIX 16       //  room for ".999" and more
#define CAPTURE_MODE 0600       //  a capture can hold community strings
#define CAPTURE_RECORD 16       //  the pcap record header

struct capture_s {
    //  Set by capture_open, read-only after
    char *path;              //  the newest file
    char *older, *newer;     //  room for path.N, for the renames
    uint64_t max_bytes;      //  per file, 0 = no cap
    unsigned files;          //  files kept
    size_t queue_bytes;      //  room in each buffer
    uint32_t snaplen;        //  payload bytes kept
    pthread_t thread;        //  the writer
    pthread_mutex_t mutex;   //  guards what follows, up to the writer's own
    pthread_cond_t work;     //  the idle writer has something (or must end)
    pthread_cond_t drained;  //  a batch is done, or the writer finished (CLOCK_MONOTONIC)
    uint8_t *fill;           //  records waiting for the writer
    size_t fill_len;         //  bytes of them
    size_t fill_records;     //  how many
    uint64_t queued;         //  records taken into the queue, ever
    uint64_t handled;        //  records the writer is done with, ever
    uint64_t dropped;        //  the queue was full
    capture_stats_t stats;   //  the writer's counters after its last batch
    bool idle;               //  the writer waits on work
    unsigned refs;           //  holders: the last to let go frees, or the writer
                             //  does when it finishes after that
    bool stopping;           //  capture_stop: write what is queued, then finish
    atomic_bool stopped;     //  stopping, seen by producers without the mutex
    bool finished;           //  the writer has, and closed the file
    doorbell_t *bell;        //  rung when the writer finished, or NULL
    //  The writer's own
    uint8_t *spare;         //  the buffer it writes from
    int fd;                 //  the newest file, -1 when none could be made
    uint64_t size;          //  bytes in it, the pending run included
    uint64_t records;       //  records in it, the pending run included
    bool full;              //  one file only, and it is full
    const uint8_t *run;     //  records to write in one call
    size_t run_len;         //  bytes of them
    uint64_t run_records;   //  how many
    capture_stats_t tally;  //  its counters
};

//  -------------------------------------------------------------------------
//  The writer's side

//  Bytes of a queued record: its header, then incl_len bytes
static size_t
s_record_bytes (const uint8_t *record)
{
    uint32_t incl;
    memcpy (&incl, record + 8, sizeof incl);
    return CAPTURE_RECORD + incl;
}

//  Write all of bytes unless write fails; the bytes written (errno in *err)
static size_t
s_write_all (int fd, const uint8_t *bytes, size_t size, int *err)
{
    size_t done = 0;
    while (done < size) {
        ssize_t rc = write (fd, bytes + done, size - done);
        if (rc > 0)
            done += (size_t) rc;
        else if (rc < 0 && errno == EINTR)
            continue;
        else {
            *err = rc < 0 ? errno : EIO;
            break;
        }
    }
    return done;
}

//  A write, rename or open failed: note it (the caller counts what it lost)
static int
s_failed (capture_t *self, int err, const char *what)
{
    if (err != self->tally.last_errno) {
        char quoted[ERROR_QUOTE_MAX];
        log_warning ("asynrole: capture: %s: cannot %s %s", strerror (err), what,
                     error_quote (self->path, quoted, sizeof quoted));
    }
    self->tally.last_errno = err;
    return -1;
}

//  Create (truncate) path and write its file header: 0 or an errno
static int
s_new_file (capture_t *self)
{
    //  Non-blocking for the open and the header (small enough to go whole,
    //  or not at all): a FIFO without a reader, or one that is full, fails
    //  rather than hold its caller, which may be the I/O actor; later
    //  writes wait for a reader, in the writer. No symbolic link followed,
    //  and the mode forced on a file that was there already: a capture may
    //  hold community strings
    int fd = open (self->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW,
                   CAPTURE_MODE);
    if (fd < 0)
        return errno;
    uint8_t header[PCAP_FILE_HEADER];
    //  The file's snaplen counts the IP and UDP headers too
    pcap_file_header (header, self->snaplen + PCAP_RECORD_HEADERS - CAPTURE_RECORD);
    int err = 0;
    struct stat info;
    if (fstat (fd, &info) == 0 && S_ISREG (info.st_mode) && fchmod (fd, CAPTURE_MODE))
        err = errno;
    if (!err)
        s_write_all (fd, header, sizeof header, &err);  //  sets err when it fails
    int flags = err ? -1 : fcntl (fd, F_GETFL);
    if (!err && (flags < 0 || fcntl (fd, F_SETFL, flags & ~O_NONBLOCK) < 0))
        err = errno;
    if (err) {
        close (fd);
        return err;
    }
    self->fd = fd;
    self->size = PCAP_FILE_HEADER;
    self->records = 0;
    self->tally.bytes += PCAP_FILE_HEADER;
    return 0;
}

//  Write the pending run. When write fails, the whole records that went
//  stay and the rest are cut off, so that a reader finds whole records only
//  and the next write goes after them.
static void
s_flush (capture_t *self)
{
    if (!self->run_len)
        return;
    int err = 0;
    size_t done = s_write_all (self->fd, self->run, self->run_len, &err);
    size_t whole = done;
    uint64_t count = self->run_records;
    if (done < self->run_len) {
        whole = 0;
        count = 0;
        while (count < self->run_records && whole + s_record_bytes (self->run + whole) <= done) {
            whole += s_record_bytes (self->run + whole);
            count++;
        }
        self->size -= self->run_len - whole;
        self->records -= self->run_records - count;
        self->tally.failed += self->run_records - count;
        s_failed (self, err, "write");
        if (ftruncate (self->fd, (off_t) self->size) == 0)
            lseek (self->fd, (off_t) self->size, SEEK_SET);
    }
    self->tally.written += count;
    self->tally.bytes += whole;
    self->run_len = 0;
    self->run_records = 0;
}

//  Start a file after the first
static int
s_next_file (capture_t *self)
{
    int err = s_new_file (self);
    if (err)
        return s_failed (self, err, "create");
    self->tally.rotations++;
    return 0;
}

//  path.(files-2) -> path.(files-1), ..., path -> path.1, and a new path
static int
s_rotate (capture_t *self)
{
    s_flush (self);
    size_t room = strlen (self->path) + CAPTURE_SUFFIX;
    for (unsigned n = self->files - 1; n > 1; n--) {
        snprintf (self->older, room, "%s.%u", self->path, n);
        snprintf (self->newer, room, "%s.%u", self->path, n - 1);
        //  The older files are not there until enough rotations came
        if (rename (self->newer, self->older) && errno != ENOENT)
            s_failed (self, errno, "rotate");
    }
    snprintf (self->older, room, "%s.1", self->path);
    //  Keep the full file rather than truncate what could not move
    if (rename (self->path, self->older))
        return s_failed (self, errno, "rotate");
    close (self->fd);
    self->fd = -1;
    self->size = 0;
    self->records = 0;
    return s_next_file (self);
}

//  Add the record to the pending run, which is written in one call
static void
s_append (capture_t *self, const uint8_t *record, size_t bytes)
{
    if (self->run_len && self->run + self->run_len != record)
        s_flush (self);
    if (!self->run_len)
        self->run = record;
    self->run_len += bytes;
    self->run_records++;
    self->size += bytes;
    self->records++;
}

//  Place one record: in the current file, in a new one, or count it lost
static void
s_record (capture_t *self, uint8_t *record, size_t bytes)
{
    //  One file that is full stays full: it holds a prefix, with no gaps
    if (self->full) {
        self->tally.skipped++;
        return;
    }
    bool over = self->max_bytes && self->size + bytes > self->max_bytes;
    if (over && self->records && self->files < 2) {
        self->full = true;
        self->tally.skipped++;
        return;
    }
    if ((over && self->records && s_rotate (self)) || (self->fd < 0 && s_next_file (self))) {
        self->tally.failed++;
        return;
    }
    //  Too large even for an empty file (max_bytes holds any record's
    //  headers: capture_open checks): keep what fits of its payload
    if (self->max_bytes && self->size + bytes > self->max_bytes) {
        bytes = (size_t) (self->max_bytes - self->size);
        uint32_t incl = (uint32_t) (bytes - CAPTURE_RECORD);
        memcpy (record + 8, &incl, sizeof incl);
    }
    s_append (self, record, bytes);
}

static void
s_batch (capture_t *self, uint8_t *batch, size_t length)
{
    for (size_t at = 0; at < length;) {
        //  Read before s_record, which may cut the record
        size_t bytes = s_record_bytes (batch + at);
        s_record (self, batch + at, bytes);
        at += bytes;
    }
    s_flush (self);
}

static void
s_free (capture_t *self)
{
    if (self->fd >= 0)
        close (self->fd);
    free (self->fill);
    free (self->spare);
    free (self->path);
    free (self->older);
    free (self->newer);
    doorbell_unref (&self->bell);
    pthread_cond_destroy (&self->work);
    pthread_cond_destroy (&self->drained);
    pthread_mutex_destroy (&self->mutex);
    free (self);
}

//  With the mutex held: write batches until stopping and drained
static void
s_drain (capture_t *self)
{
    while (self->fill_len || !self->stopping) {
        if (!self->fill_len) {
            //  Nothing is late while nothing is queued: no deadline here
            self->idle = true;
            pthread_cond_wait (&self->work, &self->mutex);
            self->idle = false;
            continue;
        }
        uint8_t *batch = self->fill;
        size_t length = self->fill_len;
        size_t records = self->fill_records;
        self->fill = self->spare;
        self->fill_len = 0;
        self->fill_records = 0;
        self->spare = batch;
        pthread_mutex_unlock (&self->mutex);
        s_batch (self, batch, length);
        pthread_mutex_lock (&self->mutex);
        self->stats = self->tally;
        self->handled += records;
        pthread_cond_broadcast (&self->drained);
    }
}

static void *
s_writer (void *arg)
{
    capture_t *self = (capture_t *) arg;
    prctl (PR_SET_NAME, "asynrole-pcap");
    pthread_mutex_lock (&self->mutex);
    s_drain (self);
    pthread_mutex_unlock (&self->mutex);
    //  Closed before finished is said, so that whoever sees it finds the file whole
    if (self->fd >= 0)
        close (self->fd);
    self->fd = -1;
    pthread_mutex_lock (&self->mutex);
    self->finished = true;
    pthread_cond_broadcast (&self->drained);
    //  Every holder let go already (decided under the mutex they let go
    //  under): ours to free. Else the last of them frees; self is theirs
    //  from the unlock on, so the bell is rung through a reference of ours
    bool last = self->refs == 0;
    doorbell_t *bell = self->bell ? doorbell_ref (self->bell) : NULL;
    pthread_mutex_unlock (&self->mutex);
    if (bell)
        doorbell_ring (bell);
    doorbell_unref (&bell);
    if (last) {
        pthread_detach (pthread_self ());
        s_free (self);
    }
    return NULL;
}

//  -------------------------------------------------------------------------
//  The callers' side

//  Check options and fill in the defaults: 0 or -1 with error filled
static int
s_options (const capture_options_t *options, capture_options_t *use, asynrole_error_t *error)
{
    *use = options ? *options : (capture_options_t){ 0 };
    if (use->snaplen > CAPTURE_SNAPLEN_MAX)
        return error_set (error, ASYNROLE_EBADARG, ASYNROLE_OP_CAPTURE, 0,
                          "snaplen %u is above %u: capture", use->snaplen, CAPTURE_SNAPLEN_MAX);
    if (use->max_bytes && use->max_bytes < PCAP_FILE_HEADER + PCAP_RECORD_HEADERS)
        return error_set (error, ASYNROLE_EBADARG, ASYNROLE_OP_CAPTURE, 0,
                          "max_bytes %llu cannot hold a file header and a record's headers "
                          "(%d): capture",
                          (unsigned long long) use->max_bytes,
                          PCAP_FILE_HEADER + PCAP_RECORD_HEADERS);
    if (use->files > CAPTURE_FILES_MAX)
        return error_set (error, ASYNROLE_EBADARG, ASYNROLE_OP_CAPTURE, 0,
                          "files %u is above %u: capture", use->files, CAPTURE_FILES_MAX);
    if (use->queue_bytes > LIMIT_CAPTURE_QUEUE_MAX)
        return error_set (error, ASYNROLE_EBADARG, ASYNROLE_OP_CAPTURE, 0,
                          "queue_bytes %zu is above %zu: capture", use->queue_bytes,
                          (size_t) LIMIT_CAPTURE_QUEUE_MAX);
    if (!use->snaplen)
        use->snaplen = CAPTURE_SNAPLEN_MAX;
    if (!use->queue_bytes)
        use->queue_bytes = CAPTURE_QUEUE_DEFAULT;
    return 0;
}

//  A capture with its buffers and names, no file, no thread; NULL when out of memory
static capture_t *
s_new (const char *path, const capture_options_t *use)
{
    capture_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    size_t room = strlen (path) + CAPTURE_SUFFIX;
    self->path = strdup (path);
    self->older = malloc (room);
    self->newer = malloc (room);
    self->fill = malloc (use->queue_bytes);
    self->spare = malloc (use->queue_bytes);
    self->fd = -1;
    self->refs = 1;
    pthread_mutex_init (&self->mutex, NULL);
    clock_cond_init (&self->work);
    clock_cond_init (&self->drained);
    if (!self->path || !self->older || !self->newer || !self->fill || !self->spare) {
        s_free (self);
        return NULL;
    }
    self->max_bytes = use->max_bytes;
    self->files = use->files;
    self->queue_bytes = use->queue_bytes;
    self->snaplen = use->snaplen;
    return self;
}

//  Start the writer with every signal blocked: a reader gone from a FIFO,
//  or the file size limit, is then a write error (EPIPE, EFBIG), not a signal
static int
s_start (capture_t *self)
{
    sigset_t all, previous;
    sigfillset (&all);
    pthread_sigmask (SIG_SETMASK, &all, &previous);
    int rc = pthread_create (&self->thread, NULL, s_writer, self);
    pthread_sigmask (SIG_SETMASK, &previous, NULL);
    return rc;
}

capture_t *
capture_open (const char *path, const capture_options_t *options, asynrole_error_t *error)
{
    capture_options_t use;
    if (!path || !*path) {
        error_set (error, ASYNROLE_EBADARG, ASYNROLE_OP_CAPTURE, 0, "no path: capture");
        return NULL;
    }
    if (s_options (options, &use, error))
        return NULL;
    char quoted[ERROR_QUOTE_MAX];
    error_quote (path, quoted, sizeof quoted);
    capture_t *self = s_new (path, &use);
    if (!self) {
        error_nomem (error, "a capture's queue");
        return NULL;
    }
    int err = s_new_file (self);
    if (err) {
        s_free (self);
        error_set (error, ASYNROLE_EBADARG, ASYNROLE_OP_CAPTURE, err,
                   "%s: cannot write the capture file %s", strerror (err), quoted);
        return NULL;
    }
    self->stats = self->tally;
    int rc = s_start (self);
    if (rc) {
        s_free (self);
        error_set (error, ASYNROLE_ERESOURCE, ASYNROLE_OP_THREAD, rc,
                   "%s: cannot start the writer of %s", strerror (rc), quoted);
        return NULL;
    }
    error_clear (error);
    return self;
}

void
capture_put (capture_t *self, const asynrole_addr_t *from, const asynrole_addr_t *to,
             const void *data, size_t size, size_t length, int64_t time_us)
{
    if (!self || (!data && size))
        return;
    //  Stopped: counted, without the work of a record nobody will write
    if (atomic_load_explicit (&self->stopped, memory_order_relaxed)) {
        pthread_mutex_lock (&self->mutex);
        self->dropped++;
        pthread_mutex_unlock (&self->mutex);
        return;
    }
    length = length > size ? length : size;
    size_t kept = size < self->snaplen ? size : self->snaplen;
    //  Built before the lock: producers share only the copy
    uint8_t headers[PCAP_RECORD_HEADERS];
    size_t bytes = pcap_record_headers (headers, from, to, length, kept, time_us);
    //  A datagram cut on reading leaves its checksum 0: the bytes it was
    //  over are gone
    if (size == length)
        pcap_record_checksum (headers, bytes, data, size);
    pthread_mutex_lock (&self->mutex);
    if (self->stopping || self->fill_len + bytes + kept > self->queue_bytes)
        self->dropped++;
    else {
        memcpy (self->fill + self->fill_len, headers, bytes);
        if (kept)
            memcpy (self->fill + self->fill_len + bytes, data, kept);
        self->fill_len += bytes + kept;
        self->fill_records++;
        self->queued++;
        if (self->idle)
            pthread_cond_signal (&self->work);
    }
    pthread_mutex_unlock (&self->mutex);
}

void
capture_stats (capture_t *self, capture_stats_t *stats)
{
    *stats = (capture_stats_t){ 0 };
    if (!self)
        return;
    pthread_mutex_lock (&self->mutex);
    *stats = self->stats;
    stats->dropped = self->dropped;
    pthread_mutex_unlock (&self->mutex);
}

int
capture_flush (capture_t *self, int timeout_ms, asynrole_error_t *error)
{
    error_clear (error);
    if (!self)
        return 0;
    pthread_mutex_lock (&self->mutex);
    uint64_t target = self->queued;
    struct timespec deadline = clock_after (timeout_ms > 0 ? timeout_ms : 0);
    int rc = 0;
    while (self->handled < target && rc == 0)
        rc = pthread_cond_timedwait (&self->drained, &self->mutex, &deadline);
    bool done = self->handled >= target;
    pthread_mutex_unlock (&self->mutex);
    if (!done) {
        char quoted[ERROR_QUOTE_MAX];
        return error_set (error, ASYNROLE_ETIMEOUT, ASYNROLE_OP_CAPTURE, ETIMEDOUT,
                          "the writer did not catch up within %d ms: capture %s", timeout_ms,
                          error_quote (self->path, quoted, sizeof quoted));
    }
    return 0;
}

capture_t *
capture_ref (capture_t *self)
{
    pthread_mutex_lock (&self->mutex);
    self->refs++;
    pthread_mutex_unlock (&self->mutex);
    return self;
}

//  With the mutex held
static void
s_stop (capture_t *self)
{
    self->stopping = true;
    atomic_store (&self->stopped, true);
    pthread_cond_signal (&self->work);
}

void
capture_stop (capture_t *self, doorbell_t *bell)
{
    if (!self)
        return;
    pthread_mutex_lock (&self->mutex);
    if (bell && !self->bell)
        self->bell = doorbell_ref (bell);
    s_stop (self);
    pthread_mutex_unlock (&self->mutex);
}

bool
capture_finished (capture_t *self)
{
    if (!self)
        return true;
    pthread_mutex_lock (&self->mutex);
    bool finished = self->finished;
    pthread_mutex_unlock (&self->mutex);
    return finished;
}

void
capture_unref (capture_t **self_p)
{
    capture_t *self = self_p ? *self_p : NULL;
    if (!self)
        return;
    *self_p = NULL;
    pthread_mutex_lock (&self->mutex);
    bool last = --self->refs == 0;
    if (last)
        s_stop (self);
    bool finished = self->finished;
    pthread_mutex_unlock (&self->mutex);
    //  Not finished yet: the writer frees when it is (it sees refs 0)
    if (last && finished) {
        pthread_join (self->thread, NULL);
        s_free (self);
    }
}

int
capture_close (capture_t **self_p, int timeout_ms, capture_stats_t *stats, asynrole_error_t *error)
{
    capture_t *self = self_p ? *self_p : NULL;
    capture_stats_t unused;
    stats = stats ? stats : &unused;
    *stats = (capture_stats_t){ 0 };
    if (!self)
        return 0;
    char quoted[ERROR_QUOTE_MAX];
    error_quote (self->path, quoted, sizeof quoted);
    pthread_mutex_lock (&self->mutex);
    s_stop (self);
    bool finished = clock_wait_flag (&self->drained, &self->mutex, &self->finished, true,
                                     timeout_ms > 0 ? timeout_ms : 0);
    *stats = self->stats;
    stats->dropped = self->dropped;
    pthread_mutex_unlock (&self->mutex);
    capture_unref (self_p);
    if (!finished)
        return error_set (error, ASYNROLE_ETIMEOUT, ASYNROLE_OP_CAPTURE, ETIMEDOUT,
                          "the writer did not finish within %d ms (it frees itself when "
                          "done): capture %s",
                          timeout_ms, quoted);
    uint64_t lost = stats->dropped + stats->skipped + stats->failed;
    if (lost)
        return error_set (error, ASYNROLE_EDROPPED, ASYNROLE_OP_CAPTURE, stats->last_errno,
                          "the capture %s left out %llu datagrams: %llu (queue full), %llu "
                          "(file full), %llu (write errors%s%s)",
                          quoted, (unsigned long long) lost, (unsigned long long) stats->dropped,
                          (unsigned long long) stats->skipped, (unsigned long long) stats->failed,
                          stats->last_errno ? ": " : "",
                          stats->last_errno ? strerror (stats->last_errno) : "");
    error_clear (error);
    return 0;
}
