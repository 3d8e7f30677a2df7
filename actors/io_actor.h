/*  io_actor.h - the I/O actor's state, shared by io_actor.c and io_udp.c */
#ifndef ASYNROLE_IO_ACTOR_H_INCLUDED
#define ASYNROLE_IO_ACTOR_H_INCLUDED

#include "asynrole_io.h"
#include "wire.h"
#include <sys/epoll.h>
#include <sys/socket.h>
#include <zmq.h>

//  recvmmsg calls per socket per wake-up: bounds how long one busy socket
//  keeps the loop from its pipe and from the other sockets
#define IO_RX_ROUNDS 4

//  Inbound messages handled per wake-up, for the same reason
#define IO_INBOUND_CAP 256

//  Ancillary data per datagram: PKTINFO (v4 or v6) and SO_RXQ_OVFL
#define IO_CONTROL_SIZE 128

typedef struct {
    int fd;                      //  the UDP socket; -1 while the slot is free
    uint32_t generation;         //  part of the id; bumped when the slot is freed
    uint32_t role;               //  owning role's slot
    uint32_t tag;                //  the role's index for this socket
    size_t buffer_size;          //  bytes read per datagram
    asynrole_addr_t peer;        //  connected peer; len 0 when not connected
    uint64_t drops_unreported;   //  datagrams dropped since the last WIRE_DROPS notice
    uint64_t errors_unreported;  //  error events dropped likewise
    asynrole_stats_t stats;      //  counters (stats.local = bound address)
} io_socket_t;

typedef struct {
    bool used;           //  slot holds an attached role
    bool notice_due;     //  a socket of the role has drops to report
    zsock_t *data;       //  our end of the role's data pair (batches)
    void *data_handle;   //  its libzmq handle, for zmq_msg_send
    zsock_t *ctl;        //  our end of the role's ctl pair (answers)
    uint32_t *sockets;   //  slots of the role's sockets, in tag order
    size_t nsockets;     //  how many
    size_t sockets_max;  //  room in sockets
} io_role_t;

typedef struct {
    zsock_t *pipe;         //  actor pipe to the owner
    asynrole_io_t *owner;  //  the public object (its closing flag)
    zsock_t *inbound;      //  PULL: requests and sends from every role
    int epfd;              //  epoll set of every UDP socket
    bool terminated;       //  $TERM received
    bool verbose;          //  log what we do

    io_socket_t *sockets;    //  socket slots, indexed by id & WIRE_SLOT_MASK
    uint32_t nsockets;       //  slots in use or freed (high-water mark)
    uint32_t sockets_max;    //  room in sockets
    uint32_t *free_sockets;  //  stack of free slots
    uint32_t nfree_sockets;  //  how many on it
    uint64_t stale_sends;    //  sends naming a socket that is gone

    io_role_t *roles;        //  role slots
    uint32_t roles_max;      //  room in roles
    uint32_t *notice_roles;  //  roles with notice_due, polled for room (POLLOUT)
    uint32_t nnotice_roles;  //  how many
    uint32_t notice_max;     //  room in notice_roles and in ready_roles
    uint32_t *ready_roles;   //  scratch: notice roles whose queue has room
    zmq_pollitem_t *items;   //  the poll set: pipe, inbound, epoll, notice roles
    uint32_t items_max;      //  room in items (at least 3)

    //  Receive: WIRE_BATCH buffers of ASYNROLE_BUFFER_SIZE, made once
    uint8_t *rx_buffers;
    struct mmsghdr rx_msgs[WIRE_BATCH];
    struct iovec rx_iov[WIRE_BATCH];
    struct sockaddr_in6 rx_names[WIRE_BATCH];
    uint8_t rx_control[WIRE_BATCH][IO_CONTROL_SIZE];

    //  Send: a run of records for one socket, pointing into held messages
    io_socket_t *tx_socket;  //  socket of the run, NULL when empty
    unsigned tx_count;       //  records in the run
    struct mmsghdr tx_msgs[WIRE_BATCH];
    struct iovec tx_iov[WIRE_BATCH];
    zmq_msg_t tx_held[WIRE_BATCH];  //  messages the run points into
    unsigned tx_nheld;              //  how many
} self_t;

//  io_udp.c: open a socket for role; fills error and returns NULL on failure
io_socket_t *io_udp_open (self_t *self, uint32_t role, uint32_t tag, const asynrole_addr_t *local,
                          const asynrole_addr_t *connect_to, int rcvbuf, int sndbuf,
                          size_t buffer_size, asynrole_error_t *error);
void io_udp_close (self_t *self, io_socket_t *sock);
uint32_t io_udp_id (self_t *self, io_socket_t *sock);
io_socket_t *io_udp_lookup (self_t *self, uint32_t id);

//  Read what is ready on the sockets epoll says are ready
void io_udp_handle_ready (self_t *self);

//  Add one WIRE_SEND record to the run: rec is a copy of the header, record
//  its place in a message that stays held until the next flush
void io_udp_queue_send (self_t *self, const wire_rec_t *rec, const uint8_t *record);

//  Write the run with sendmmsg and release the held messages
void io_udp_flush (self_t *self);

//  A role whose queue has room: send the drop notices of its sockets;
//  clears notice_due when all went out
void io_udp_send_notices (self_t *self, io_role_t *role);

#endif
