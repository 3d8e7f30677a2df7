/*  asynrole_deploy.h - at run time: a role's source filter, and capture
    files of what the roles and the I/O actor send and receive

    Filters (asynrole_filter_t, in asynrole_types.h) are given at creation
    (options.filter) or changed here; the I/O actor applies them before a
    datagram crosses to the role, and counts what they drop
    (asynrole_stats_t.filtered, .rate_limited, each also reported as an
    ASYNROLE_EDROPPED event with op ASYNROLE_OP_FILTER / _RATE_LIMIT).

    Captures are pcap files (LINKTYPE_RAW, with IPv4 or IPv6 and UDP
    headers made up from the addresses, so that tshark and Wireshark decode
    SNMP on its ports): every datagram the sockets read (before the filter;
    one cut on reading says its full length, keeps what was read, and has
    UDP checksum 0) and every datagram the kernel took to send. A role's
    capture holds its own sockets' datagrams; the I/O actor's holds every
    socket's. The file is written by a thread of its own: the I/O actor
    only copies into its queue (queue_bytes), and what does not fit is
    counted, never waited for. A role's capture file is opened and closed
    on the calling thread; the I/O actor's (it has no other) on its own
    thread, with an open that never waits: a FIFO needs its reader first.
    Stopping says what became of every datagram (asynrole_capture_stats_t),
    and fails with ASYNROLE_EDROPPED when some are not in the file.
    A capture may hold community strings: the file is made mode 0600.

    Pipe commands (a role's actor pipe, or the I/O actor's):
        zsock_send (actor, "sssi", "CAPTURE", path, "max_bytes", files);
            -> zsock_recv (actor, "isi", &code, &text, &sys_errno)
               //  max_bytes as decimal text (0 = no cap); files as
               //  asynrole_capture_t; two more numbers may follow: snaplen,
               //  queue_bytes
        zsock_send (actor, "s", "CAPTURE-STOP");
            -> zsock_recv (actor, "isib", &code, &text, &sys_errno, &stats, &size)
               //  stats: an asynrole_capture_stats_t (size bytes, to free);
               //  code as the _capture_stop calls return
    The I/O actor answers CAPTURE-STOP once the writer has finished (at most
    2 s), and reads no other command on its pipe meanwhile, so that answers
    keep their order; it serves its sockets all the while.
    Each call below waits for the I/O actor's answer at most the role's
    timeout (options.timeout; the I/O actor's: 5 s), a start or stop behind
    another on the same role that long more, and a stop up to 2 s more for
    the writer: ASYNROLE_ETIMEOUT past that.
*/
#ifndef ASYNROLE_DEPLOY_H_INCLUDED
#define ASYNROLE_DEPLOY_H_INCLUDED

#include "asynrole_types.h"

#ifdef __cplusplus
extern "C" {
#endif

//  How a capture is written (zero-initialise: all defaults)
typedef struct asynrole_capture_s {
    uint64_t max_bytes;  //  bytes per file; 0 = no cap
    unsigned files;      //  files kept when it rotates: path, path.1, ...
                         //  path.(files-1), newest first. 0 or 1 = one file,
                         //  which stops growing at max_bytes
    uint32_t snaplen;    //  payload bytes kept per datagram; 0 = 65535
    size_t queue_bytes;  //  bytes waiting for the writer at most; 0 = 4 MiB
} asynrole_capture_t;

//  What became of a capture's datagrams: each one the sockets read or sent
//  while it was on is in exactly one of the first four
typedef struct asynrole_capture_stats_s {
    uint64_t written;    //  in the files
    uint64_t dropped;    //  left out: the writer's queue (queue_bytes) was full
    uint64_t skipped;    //  left out: one file only, and it was full
    uint64_t failed;     //  left out: a write, rename or create failed (last_errno)
    uint64_t rotations;  //  files started after the first
    uint64_t bytes;      //  bytes written to the files, headers included
    int last_errno;      //  the last of those failures, 0 if none
} asynrole_capture_stats_t;

//  Start capturing the role's datagrams into path (created, or truncated):
//  0, or -1 with ASYNROLE_EBADARG (path cannot be written, bad options, a
//  capture is already on: stop it first; sys_errno says why a path could
//  not be written) and the others above. After ASYNROLE_ETIMEOUT a role's
//  capture may be on all the same: _capture_stop settles it.
ASYNROLE_EXPORT int asynrole_agent_capture (asynrole_agent_t *self, const char *path,
                                            const asynrole_capture_t *options,
                                            asynrole_error_t *error);
ASYNROLE_EXPORT int asynrole_manager_capture (asynrole_manager_t *self, const char *path,
                                              const asynrole_capture_t *options,
                                              asynrole_error_t *error);
ASYNROLE_EXPORT int asynrole_io_capture (asynrole_io_t *self, const char *path,
                                         const asynrole_capture_t *options,
                                         asynrole_error_t *error);

//  Stop the capture and wait for its writer; stats (may be NULL) say what
//  became of its datagrams. 0: every one is in the file(s), which are
//  whole. -1 with ASYNROLE_EDROPPED (op ASYNROLE_OP_CAPTURE, sys_errno the
//  last write error) when stats count some left out: the files are closed
//  and hold the rest; ASYNROLE_ETIMEOUT when the writer did not finish in
//  time (a FIFO nobody reads): stats as of then, and the writer finishes
//  on its own. Stopping none is 0, with stats all 0.
ASYNROLE_EXPORT int asynrole_agent_capture_stop (asynrole_agent_t *self,
                                                 asynrole_capture_stats_t *stats,
                                                 asynrole_error_t *error);
ASYNROLE_EXPORT int asynrole_manager_capture_stop (asynrole_manager_t *self,
                                                   asynrole_capture_stats_t *stats,
                                                   asynrole_error_t *error);
ASYNROLE_EXPORT int asynrole_io_capture_stop (asynrole_io_t *self, asynrole_capture_stats_t *stats,
                                              asynrole_error_t *error);

//  Replace the role's filter (NULL = none); the new one applies to every
//  datagram the I/O actor reads after it answers. Sources the rate limit
//  tracked start afresh. 0, or -1 with ASYNROLE_EBADARG naming the bad
//  prefix, ASYNROLE_ETIMEOUT, ...
ASYNROLE_EXPORT int asynrole_agent_set_filter (asynrole_agent_t *self,
                                               const asynrole_filter_t *filter,
                                               asynrole_error_t *error);
ASYNROLE_EXPORT int asynrole_manager_set_filter (asynrole_manager_t *self,
                                                 const asynrole_filter_t *filter,
                                                 asynrole_error_t *error);

#ifdef __cplusplus
}
#endif
#endif
