/*  io_roles.h - the roles attached to the I/O actor, and what it sends them

    A class the I/O actor owns: per role its link, the pipe ends it lent us,
    and its sockets. Everything towards a role goes through here: batches of
    datagrams (charged to the link, dropped and counted past its bound; in
    ASYNROLE_OVERFLOW_PAUSE the socket is then read no more, EPOLLIN off,
    until the doorbell says the role has room again),
    error reports, drop notices (sent as soon as the role has room again),
    and control answers (never refused: the ctl pair has no high-water mark;
    a failure is counted and logged). */
#ifndef ASYNROLE_IO_ROLES_H_INCLUDED
#define ASYNROLE_IO_ROLES_H_INCLUDED

#include "io_socket.h"
#include "capture.h"
#include "filter.h"
#include <czmq.h>
#include <string.h>

typedef struct {
    bool used;              //  slot holds an attached role
    bool notice_due;        //  on the notice list: drops to report when it has room
    link_t *link;           //  the role's link (a reference)
    void *data;             //  the lent end of its data pair (batches)
    void *ctl;              //  the lent end of its ctl pair (answers)
    io_socket_t **sockets;  //  its sockets, in tag order
    size_t nsockets;        //  how many
    size_t room;            //  allocated
    filter_t *filter;       //  its source filter and rate limit; NULL = none
    capture_t *capture;     //  a reference to its capture, which the role
                            //  opens and closes; NULL = none
    io_socket_t **paused;   //  its sockets not read for want of room (PAUSE):
                            //  armed again when it has room; only while notice_due
    size_t npaused;         //  how many
    size_t paused_room;     //  allocated
} io_role_t;

typedef struct {
    io_role_t *roles;         //  by slot
    uint32_t room;            //  slots allocated
    uint32_t attached;        //  slots used
    uint32_t *notices;        //  roles with notice_due
    uint32_t nnotices;        //  how many
    uint32_t notices_room;    //  allocated, here and in ready
    uint32_t *ready;          //  scratch: roles taken off the list to send to
    bool notices_now;         //  a role on the list has room already: send now
    bool verbose;             //  log reports
    uint64_t answers_failed;  //  answers libzmq refused
    capture_t *capture;       //  the I/O actor's capture: every socket's
                              //  datagrams; NULL = none
    int epfd;                 //  the I/O actor's epoll set (pausing a socket)
} io_roles_t;

//  What a batch frame carries, for the counters
typedef struct {
    uint64_t datagrams;         //  datagram records
    uint64_t errors;            //  error records
    uint64_t drops_noticed;     //  datagram drops its WIRE_DROPS records report
    uint64_t errors_noticed;    //  error-event drops they report
    uint64_t filtered_noticed;  //  datagrams the filter dropped, reported
    uint64_t limited_noticed;   //  datagrams the rate limit dropped, reported
    unsigned notices;           //  WIRE_DROPS records (one per reason)
} io_carried_t;

void io_roles_init (io_roles_t *self);
void io_roles_destroy (io_roles_t *self);

//  Attach a role, taking over the link reference its request carried; its
//  slot, or -1 when out of memory (the caller then drops the reference)
int io_roles_attach (io_roles_t *self, link_t *link, void *data, void *ctl);

//  The attached role in slot id, or NULL
io_role_t *io_roles_get (io_roles_t *self, long long id);

//  Add a socket to a role; false when out of memory
bool io_roles_add_socket (io_roles_t *self, io_role_t *role, io_socket_t *sock);

//  Forget the role (its sockets must be closed first); its ctl end comes
//  back for the DETACHED answer
void *io_roles_detach (io_roles_t *self, io_role_t *role);

//  Send an answer on a role's ctl end; counts and logs a refusal
void io_roles_answer (io_roles_t *self, void *ctl, zmsg_t **msg_p);

//  Begin a batch frame for sock with room for payload bytes of records, led
//  by a WIRE_DROPS notice per reason with drops unreported (op: QUEUE,
//  FILTER, RATE_LIMIT). Returns the offset
//  after it, or SIZE_MAX when out of memory.
size_t io_roles_frame (io_socket_t *sock, zmq_msg_t *msg, size_t room, io_carried_t *carried);

//  Write a record at offset in a frame being built; returns the next offset
//  (inline: once per datagram read)
static inline size_t
io_roles_put (uint8_t *frame, size_t offset, const wire_rec_t *rec, const void *payload)
{
    memcpy (frame + offset, rec, sizeof *rec);
    if (payload && rec->size)
        memcpy (frame + offset + sizeof *rec, payload, rec->size);
    return offset + wire_rec_span (rec->size);
}

//  Send a batch frame to the socket's role, charged to its link; past the
//  role's bound the frame is dropped, counted, and a notice made due, and
//  in ASYNROLE_OVERFLOW_PAUSE the socket paused (EPOLLIN off, not for a
//  socket that failed: it is read to the end before it is closed)
void io_roles_deliver (io_roles_t *self, io_socket_t *sock, zmq_msg_t *msg,
                       const io_carried_t *carried);

//  Count datagrams and error events as dropped (the role's bound, or no
//  memory for their frame) and make a notice due
void io_roles_drop (io_roles_t *self, io_socket_t *sock, uint64_t datagrams, uint64_t errors);

//  Count datagrams the role's filter kept out (denied, or past their
//  source's rate) and make a notice due
void io_roles_filtered (io_roles_t *self, io_socket_t *sock, uint64_t denied, uint64_t limited);

//  Does a capture want the socket's datagrams?
static inline bool
io_roles_capturing (const io_roles_t *self, const io_socket_t *sock)
{
    return self->capture || self->roles[sock->role].capture;
}

//  Put a datagram in the capture files that want it: its role's and the
//  I/O actor's (from, to: its addresses as they went; size bytes at data of
//  a datagram length bytes long)
void io_roles_capture (io_roles_t *self, io_socket_t *sock, const asynrole_addr_t *from,
                       const asynrole_addr_t *to, const void *data, size_t size, size_t length);

//  Close the capture in slot (capture_close: stats may be NULL), and log
//  what it left out; 0, or -1 with ASYNROLE_ETIMEOUT (the writer finishes
//  on its own)
int io_roles_close_capture (capture_t **slot, int timeout_ms, capture_stats_t *stats,
                            asynrole_error_t *error);

//  Report an error to the socket's role as a one-record batch
void io_roles_report (io_roles_t *self, io_socket_t *sock, asynrole_op_t op, int err,
                      const asynrole_addr_t *peer);

//  The same with a count: sends that failed with it (ASYNROLE_OP_INTERFACE);
//  err 0 is a notice (the role sees code ASYNROLE_OK)
void io_roles_report_count (io_roles_t *self, io_socket_t *sock, asynrole_op_t op, int err,
                            const asynrole_addr_t *peer, uint64_t count);

//  The doorbell rang (or may have): send the due notices of every role on
//  the notice list that has room, and read its paused sockets again (and
//  those of a role that left PAUSE, room or not); the others wait for the
//  next ring
void io_roles_send_notices (io_roles_t *self);

//  A paused socket that failed: off its role's paused list, to be read to
//  the end before it is closed (and bound again unpaused)
void io_roles_unpause (io_roles_t *self, io_socket_t *sock);

//  Take a detaching role off the notice list
void io_roles_forget_notices (io_roles_t *self, io_role_t *role);

#endif
