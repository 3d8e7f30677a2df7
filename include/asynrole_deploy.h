/*  asynrole_deploy.h - at run time: a role's source filter, and capture
    files of what the roles and the I/O actor send and receive

    Filters (asynrole_filter_t, in asynrole_types.h) are given at creation
    (options.filter) or changed here; the I/O actor applies them before a
    datagram crosses to the role, and counts what they drop
    (asynrole_stats_t.filtered, .rate_limited, each also reported as an
    ASYNROLE_EDROPPED event with op ASYNROLE_OP_FILTER / _RATE_LIMIT).

    Captures are pcap files (LINKTYPE_RAW, with IPv4 or IPv6 and UDP
    headers made up from the addresses, so that tshark and Wireshark decode
    SNMP on its ports): every datagram the sockets read (before the filter)
    and every datagram the kernel took to send. A role's capture holds its
    own sockets' datagrams; the I/O actor's holds every socket's. The file
    is written by a thread of its own: the I/O actor only copies into its
    queue (queue_bytes), and what does not fit is counted, never waited for
    (the counts are logged when the capture stops).
    A capture may hold community strings: the file is made mode 0600.

    Pipe commands (a role's actor pipe, or the I/O actor's):
        zsock_send (actor, "sssi", "CAPTURE", path, "max_bytes", files);
            -> zsock_recv (actor, "is", &code, &text)  //  max_bytes as
               decimal text (0 = no cap); files as asynrole_capture_t; two
               more numbers may follow: snaplen, queue_bytes
        zsock_send (actor, "s", "CAPTURE-STOP");
            -> zsock_recv (actor, "is", &code, &text)  //  the file is whole
    Each call below waits for the I/O actor's answer at most the role's
    timeout (options.timeout; the I/O actor's: 5 s), and stopping a capture
    up to 2 s more for its writer: ASYNROLE_ETIMEOUT past that.
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

//  Start capturing the role's datagrams into path (created, or truncated):
//  0, or -1 with ASYNROLE_EBADARG (path cannot be written, bad options, a
//  capture is already on: stop it first) and the others above
ASYNROLE_EXPORT int asynrole_agent_capture (asynrole_agent_t *self, const char *path,
                                            const asynrole_capture_t *options,
                                            asynrole_error_t *error);
ASYNROLE_EXPORT int asynrole_manager_capture (asynrole_manager_t *self, const char *path,
                                              const asynrole_capture_t *options,
                                              asynrole_error_t *error);
ASYNROLE_EXPORT int asynrole_io_capture (asynrole_io_t *self, const char *path,
                                         const asynrole_capture_t *options,
                                         asynrole_error_t *error);

//  Stop the capture; when it returns 0, the file is whole. Stopping none is 0.
ASYNROLE_EXPORT int asynrole_agent_capture_stop (asynrole_agent_t *self, asynrole_error_t *error);
ASYNROLE_EXPORT int asynrole_manager_capture_stop (asynrole_manager_t *self,
                                                   asynrole_error_t *error);
ASYNROLE_EXPORT int asynrole_io_capture_stop (asynrole_io_t *self, asynrole_error_t *error);

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
