/*  capture.h - datagrams to pcap files, written by a thread of its own

    Producers copy each datagram into a queue bounded in bytes and go on;
    the writer thread writes the queue out with write(2) whenever it has
    some, so that a reader sees whole records soon after (a failed write
    leaves none in part). Files are made mode 0600: a capture can hold
    community strings. The format is in pcap.h. Every datagram put ends in
    exactly one of written, dropped, skipped and failed. */
#ifndef ASYNROLE_CAPTURE_H_INCLUDED
#define ASYNROLE_CAPTURE_H_INCLUDED

#include "asynrole_types.h"
#include <stdint.h>

typedef struct capture_s capture_t;

typedef struct {
    uint64_t max_bytes;  //  bytes per file, which no file passes (a record
                         //  too large for an empty file keeps what fits of
                         //  its payload); 0 = no cap, else at least
                         //  88 (PCAP_FILE_HEADER + PCAP_RECORD_HEADERS)
    unsigned files;      //  files kept: path, path.1 .. path.(files-1), newest
                         //  first; 0 or 1 = one file, which stops growing at
                         //  max_bytes (what comes after is counted in
                         //  skipped, even what would fit); at most 1000
    size_t queue_bytes;  //  bytes waiting for the writer, at most; past it a
                         //  datagram is counted in dropped; 0 = 4 MiB.
                         //  Twice this is allocated: the writer writes
                         //  one buffer while producers fill the other
    uint32_t snaplen;    //  payload bytes kept per datagram; 0 = 65535,
                         //  the most
} capture_options_t;

typedef struct {
    uint64_t written;    //  datagrams written
    uint64_t dropped;    //  not written: the writer's queue was full
    uint64_t skipped;    //  not written: one file only, and it was full
    uint64_t failed;     //  not written: a write failed (last_errno)
    uint64_t rotations;  //  files started after the first
    uint64_t bytes;      //  bytes written to files, headers included
    int last_errno;      //  the last write error, 0 if none
} capture_stats_t;

//  Create (truncate) path and start the writer thread. NULL with error
//  filled: ASYNROLE_EBADARG (op ASYNROLE_OP_CAPTURE, sys_errno) when path
//  cannot be opened for writing (a FIFO without a reader: ENXIO, rather
//  than wait) or options are unusable; ASYNROLE_ENOMEM;
//  ASYNROLE_ERESOURCE (op ASYNROLE_OP_THREAD) when no thread can start.
capture_t *capture_open (const char *path, const capture_options_t *options,
                         asynrole_error_t *error);

//  Queue one datagram that went from `from` to `to` (IPv4 or IPv6, any mix:
//  an IPv4 address with an IPv6 one is written as v4-mapped IPv6) at
//  time_us (CLOCK_REALTIME, microseconds); NULL or an empty address is
//  written as 0.0.0.0 / :: port 0. Any thread; never touches the disk and
//  never waits for the writer (a mutex held for a copy).
void capture_put (capture_t *self, const asynrole_addr_t *from, const asynrole_addr_t *to,
                  const void *data, size_t size, int64_t time_us);

//  The counters so far (any thread); written, skipped, failed, rotations,
//  bytes and last_errno as of the writer's last batch
void capture_stats (capture_t *self, capture_stats_t *stats);

//  Wait until every datagram queued before the call is written (or counted
//  skipped or failed), at most timeout_ms. 0, or -1 with ASYNROLE_ETIMEOUT.
int capture_flush (capture_t *self, int timeout_ms, asynrole_error_t *error);

//  Write what is queued, close the file and free everything; nulls *self_p.
//  Waits for the writer at most timeout_ms: 0, or -1 with ASYNROLE_ETIMEOUT
//  (the writer then finishes and frees itself on its own).
int capture_close (capture_t **self_p, int timeout_ms, asynrole_error_t *error);

#endif
