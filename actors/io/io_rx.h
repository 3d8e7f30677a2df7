/*  io_rx.h - the I/O actor's receive side: recvmmsg into buffers made once,
    batches to the roles, and the error queue (ICMP errors for our sends) */
#ifndef ASYNROLE_IO_RX_H_INCLUDED
#define ASYNROLE_IO_RX_H_INCLUDED

#include "io_roles.h"
#include "bounds.h"
#include <sys/socket.h>

typedef struct {
    uint8_t *buffers;  //  LIMIT_RX_BATCH buffers of ASYNROLE_BUFFER_SIZE
    struct mmsghdr msgs[LIMIT_RX_BATCH];
    struct iovec iov[LIMIT_RX_BATCH];
    struct sockaddr_in6 names[LIMIT_RX_BATCH];
    uint8_t control[LIMIT_RX_BATCH][LIMIT_CONTROL_SIZE];
    wire_rec_t recs[LIMIT_RX_BATCH];  //  the records of the datagrams read
    unsigned kept[LIMIT_RX_BATCH];    //  which of them the filter let through
    size_t kept_room;                 //  the bytes their records take in frames
    unsigned dirty;                   //  headers the last call filled in (to reset)
    size_t buffer_size;               //  the iov_len every header has now
} io_rx_t;

//  NULL with error filled when out of memory
io_rx_t *io_rx_new (asynrole_error_t *error);
void io_rx_destroy (io_rx_t **self_p);

//  Read what the socket holds (LIMIT_RX_ROUNDS calls at most) and send it
//  to its role in batches. Returns 0, or the errno of a receive that says
//  the socket serves no more (io_socket_fatal), which is not reported here.
//  A paused socket (io_roles.h) is not read; one that a batch paused is
//  read no further.
int io_rx_read (io_rx_t *self, io_socket_t *sock, io_roles_t *roles);

//  Read the socket's error queue: each entry an ICMP (or local) error for a
//  datagram we sent, with its destination, reported to the role. Returns
//  how many were reported.
int io_rx_errqueue (io_socket_t *sock, io_roles_t *roles);

//  epoll said EPOLLERR: the error queue (io_rx_errqueue) or, when it held
//  nothing to report, the socket's pending error (SO_ERROR, which clears
//  it), reported bare as a read would. Paused sockets (not read) get their
//  errors so too, delivered or counted in errors_dropped like any other.
void io_rx_error (io_socket_t *sock, io_roles_t *roles);

#endif
