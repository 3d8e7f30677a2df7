/*  capture.h - datagrams to pcap files, written by a thread of its own

    Producers copy each datagram into a queue bounded in bytes and go on;
    the writer thread writes the queue out with write(2) whenever it has
    some, so that a reader sees whole records soon after (a failed write
    leaves none in part). Files are made mode 0600: a capture can hold
    community strings. The format is in pcap.h. Every datagram put ends in
    exactly one of written, dropped, skipped and failed. */
#ifndef ASYNROLE_CAPTURE_H_INCLUDED
#define ASYNROLE_CAPTURE_H_INCLUDED

#include "asynrole_deploy.h"
#include "doorbell.h"
#include <stdbool.h>
#include <stdint.h>

typedef struct capture_s capture_t;

//  The public asynrole_capture_t, in more detail:
//  max_bytes    bytes per file, which no file passes (a record too large
//               for an empty file keeps what fits of its payload); 0 = no
//               cap, else at least 88 (PCAP_FILE_HEADER + PCAP_RECORD_HEADERS)
//  files        files kept: path, path.1 .. path.(files-1), newest first; 0
//               or 1 = one file, which stops growing at max_bytes (what
//               comes after is counted in skipped, even what would fit);
//               at most 1000
//  snaplen      payload bytes kept per datagram; 0 = 65535, the most
//  queue_bytes  bytes waiting for the writer, at most; past it a datagram
//               is counted in dropped; 0 = 4 MiB. Twice this is allocated:
//               the writer writes one buffer while producers fill the other
typedef asynrole_capture_t capture_options_t;

//  written, dropped, skipped, failed, rotations, bytes, last_errno: what
//  asynrole_deploy.h says
typedef asynrole_capture_stats_t capture_stats_t;

//  Create (truncate) path and start the writer thread: one reference, the
//  caller's. NULL with error filled: ASYNROLE_EBADARG (op
//  ASYNROLE_OP_CAPTURE, sys_errno) when path cannot be opened for writing (a
//  FIFO without a reader: ENXIO, rather than wait) or options are unusable;
//  ASYNROLE_ENOMEM; ASYNROLE_ERESOURCE (op ASYNROLE_OP_THREAD) when no
//  thread can start. The open never waits (O_NONBLOCK): any thread.
capture_t *capture_open (const char *path, const capture_options_t *options,
                         asynrole_error_t *error);

//  Another holder (the I/O actor, which puts; the role keeps the first)
capture_t *capture_ref (capture_t *self);

//  Queue one datagram that went from `from` to `to` (IPv4 or IPv6, any mix:
//  an IPv4 address with an IPv6 one is written as v4-mapped IPv6) at
//  time_us (CLOCK_REALTIME, microseconds): size bytes at data, of a
//  datagram that was length bytes long (more when it was cut on reading:
//  the record then says length, keeps what there is, and has checksum 0).
//  NULL or an empty address is written as 0.0.0.0 / :: port 0. Any thread;
//  never touches the disk and never waits for the writer (a mutex held for
//  a copy). After capture_stop, counted in dropped.
void capture_put (capture_t *self, const asynrole_addr_t *from, const asynrole_addr_t *to,
                  const void *data, size_t size, size_t length, int64_t time_us);

//  The counters so far (any thread); written, skipped, failed, rotations,
//  bytes and last_errno as of the writer's last batch
void capture_stats (capture_t *self, capture_stats_t *stats);

//  Wait until every datagram queued before the call is written (or counted
//  skipped or failed), at most timeout_ms. 0, or -1 with ASYNROLE_ETIMEOUT.
int capture_flush (capture_t *self, int timeout_ms, asynrole_error_t *error);

//  Take no more datagrams: the writer writes what is queued, closes the
//  file, and then rings bell (when not NULL; the first bell given stays).
//  Any holder, any thread; never waits.
void capture_stop (capture_t *self, doorbell_t *bell);

//  Whether the writer has finished (after capture_stop): the file is whole
bool capture_finished (capture_t *self);

//  Let go, never waiting: the last holder stops the capture, and it is
//  freed once the writer has finished. Nulls *self_p.
void capture_unref (capture_t **self_p);

//  Stop, wait for the writer to finish at most timeout_ms, fill stats (may
//  be NULL) and let go; nulls *self_p. 0 when it finished with every
//  datagram written; -1 with ASYNROLE_EDROPPED (sys_errno: last_errno) when
//  it finished but stats count some left out, or with ASYNROLE_ETIMEOUT
//  (stats as of now) when the writer did not finish: it does on its own.
int capture_close (capture_t **self_p, int timeout_ms, capture_stats_t *stats,
                   asynrole_error_t *error);

#endif
