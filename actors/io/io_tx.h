/*  io_tx.h - the I/O actor's send side

    Sends come as WIRE_SEND records inside messages from the roles. Records
    for one socket, across messages, form a run written with one sendmmsg,
    pointing into the messages, which are held until the run is written (no
    copy). When the kernel has no room (EAGAIN, ENOBUFS) the rest of the run
    is copied into the socket's backlog, EPOLLOUT is armed (for ENOBUFS, a
    short timer, as POLLOUT does not say when it clears), and every later
    send to that socket joins the backlog, in order, until it drains. The
    senders' credit (link.h) bounds each backlog; nothing is dropped for
    want of room. */
#ifndef ASYNROLE_IO_TX_H_INCLUDED
#define ASYNROLE_IO_TX_H_INCLUDED

#include "io_roles.h"
#include "io_table.h"
#include "bounds.h"
#include <netinet/in.h>
#include <sys/socket.h>

//  Room for the ancillary data of one send: the source address of a reply
//  from a wildcard socket (IP_PKTINFO / IPV6_PKTINFO)
#define IO_TX_CONTROL CMSG_SPACE (sizeof (struct in6_pktinfo))

struct io_rebind_s;

typedef struct {
    int epfd;                                        //  the I/O actor's epoll set
    struct io_rebind_s *rebind;                      //  told of sockets that fail for good
    io_roles_t *roles;                               //  for reports
    io_socket_t *sock;                               //  socket of the run; NULL when empty
    unsigned count;                                  //  records in the run
    struct mmsghdr msgs[LIMIT_TX_BATCH];             //  the run
    struct iovec iov[LIMIT_TX_BATCH];                //  its payloads
    uint8_t control[LIMIT_TX_BATCH][IO_TX_CONTROL];  //  its source addresses
    const uint8_t *records[LIMIT_TX_BATCH];          //  its records, in held messages
    zmq_msg_t held[LIMIT_TX_BATCH];                  //  messages the run points into
    unsigned nheld;                                  //  how many
    io_socket_t **waiting;                           //  sockets with a backlog
    uint32_t nwaiting;                               //  how many
    uint32_t waiting_room;                           //  allocated
    uint64_t stale_sends;                            //  records naming a closed socket
} io_tx_t;

void io_tx_init (io_tx_t *self, int epfd, io_roles_t *roles);

//  Flush, then free what is left (the sockets are the table's)
void io_tx_destroy (io_tx_t *self);

//  Queue one WIRE_SEND record (record: its place in a message the caller
//  then hands to io_tx_hold, read there; rec: its numbers, wire_rec_head_at).
//  Returns true when the message must be held.
bool io_tx_queue (io_tx_t *self, io_table_t *table, const wire_rec_t *rec, const uint8_t *record);

//  Hold a message whose records are queued (moves it; flushes when full)
void io_tx_hold (io_tx_t *self, zmq_msg_t *msg);

//  Write the run and let go of the held messages
void io_tx_flush (io_tx_t *self);

//  EPOLLOUT on a socket with a backlog: send what waits
void io_tx_drain (io_tx_t *self, io_socket_t *sock);

//  Milliseconds until the earliest ENOBUFS retry, or -1 when none waits
int io_tx_timeout (io_tx_t *self);

//  Retry the backlogs whose time has come
void io_tx_retry (io_tx_t *self);

//  A socket about to close: flush its run; what still waits is counted
//  failed (the role is closing it) and its credit given back
void io_tx_forget (io_tx_t *self, io_socket_t *sock);

#endif
