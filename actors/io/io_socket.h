/*  io_socket.h - one UDP socket of the I/O actor, and the sends it holds

    A class the I/O actor owns (through io_table): the descriptor with the
    options every socket gets, its counters, its role's link and tag, and
    its backlog: sends the kernel had no room for, copied out of the
    messages they came in, in order, until POLLOUT says there is room. */
#ifndef ASYNROLE_IO_SOCKET_H_INCLUDED
#define ASYNROLE_IO_SOCKET_H_INCLUDED

#include "asynrole_types.h"
#include "link.h"
#include "wire.h"
#include <errno.h>
#include <stdint.h>

//  What a socket is opened with (the OPEN request)
typedef struct {
    wire_open_t wire;  //  as the role asked (the fd is ours from here)
    uint32_t role;     //  owning role's slot
    link_t *link;      //  the role's link (not a reference: the role
                       //  outlives its sockets at the I/O actor)
} io_open_t;

//  Sends waiting for the kernel's room: records (wire_rec_t + payload)
typedef struct {
    uint8_t *data;   //  the records, back to back
    size_t head;     //  offset of the first unsent one
    size_t tail;     //  offset past the last one
    size_t room;     //  bytes allocated
    uint64_t count;  //  records between head and tail
} io_backlog_t;

typedef struct {
    int fd;                        //  the UDP socket
    uint32_t id;                   //  slot and generation (io_table)
    uint32_t role;                 //  owning role's slot
    uint32_t tag;                  //  the role's index for this socket
    link_t *link;                  //  the role's link
    size_t buffer_size;            //  bytes read per datagram
    asynrole_addr_t peer;          //  connected peer; len 0 when not connected
    bool wildcard;                 //  bound to 0.0.0.0 or ::: replies name their source
    bool dual;                     //  IPv6, taking IPv4 too (peers mapped back)
    uint32_t armed;                //  epoll events asked for (EPOLLIN, EPOLLOUT; EPOLLERR
                                   //  alone while paused with nothing to send)
    bool paused;                   //  not read: its role holds its bound in
                                   //  ASYNROLE_OVERFLOW_PAUSE (on the role's paused list)
    uint64_t drops_unreported;     //  datagrams dropped since the last WIRE_DROPS notice
    uint64_t errors_unreported;    //  error events dropped likewise
    uint64_t filtered_unreported;  //  datagrams the filter dropped likewise
    uint64_t limited_unreported;   //  datagrams the rate limit dropped likewise
    io_backlog_t backlog;          //  sends waiting for room
    bool waiting;                  //  on the send side's list of sockets with a backlog
    int64_t retry_at;              //  ENOBUFS: when to try the backlog again; 0 = not
    int retry_ms;                  //  how long the next such wait is
    int64_t nobufs_since;          //  ENOBUFS since, nothing taken since; 0 = not
    int64_t nobufs_dead;           //  ENOBUFS lasted: until then each is a refusal
    asynrole_stats_t stats;        //  counters (stats.local = bound address)
    //  Failing for good, and binding again (io_rebind)
    wire_open_t spec;            //  how it was opened (fd -1: its own)
    bool adopted;                //  its descriptor came from the role: never bound again
    int failed;                  //  errno it failed with, or its address or device
                                 //  went with; 0 while it serves
    bool marked;                 //  on io_rebind's list of sockets to close
    int64_t rebind_at;           //  when to try binding it again; 0 = not waiting
    uint64_t kernel_drops_past;  //  kernel drops of the descriptors it had before
    char scope_name[16];         //  an IPv6 link-local address's interface, by name:
                                 //  a device made again has another index; "" = none
} io_socket_t;

//  Open, set up, bind and (when asked) connect a socket, or adopt a bound
//  one (spec->wire.fd); NULL with error filled, nothing left open (an
//  adopted descriptor closed too: it was the role's copy)
io_socket_t *io_socket_open (const io_open_t *spec, asynrole_error_t *error);

//  Close it and free what it holds (the backlog's credit is the caller's)
void io_socket_close (io_socket_t **self_p);

//  Errors after which a socket serves no more: its descriptor is gone
//  (EBADF, ENOTSOCK) or its device is (ENODEV, ENXIO)
bool io_socket_fatal (int err);

//  Errors that say the descriptor is not ours any more (EBADF, ENOTSOCK):
//  its number may be someone else's by now, never to be touched again
static inline bool
io_socket_gone (int err)
{
    return err == EBADF || err == ENOTSOCK;
}

//  Close the descriptor (not when it is already gone: EBADF) and keep the
//  counters; the socket stays, with fd -1, out of the epoll set
void io_socket_shut (io_socket_t *self);

//  Bind it again, as first opened: at the address asked for then (any
//  address: the kernel picks a source that is there now; a link-local one
//  on the index its interface's name has now) and the port it had (any
//  other when it asked for any and that one is taken); its address
//  (stats.local) is then what it got. 0, or -1 with error filled
//  and fd still -1.
int io_socket_rebind (io_socket_t *self, asynrole_error_t *error);

//  Ask epoll for events (EPOLLIN, EPOLLIN | EPOLLOUT) under the socket's id;
//  while the socket is paused, without EPOLLIN (EPOLLERR alone when nothing
//  else is left: epoll reports errors anyway, and the socket stays in the
//  set). 0, or -1 with errno.
int io_socket_arm (io_socket_t *self, int epfd, uint32_t events);

//  Copy a record (header + payload) to the end of the backlog; false when
//  out of memory
bool io_socket_backlog_add (io_socket_t *self, const wire_rec_t *rec, const uint8_t *payload);

//  Bring stats.kernel_dropped up to date from the kernel (SO_MEMINFO), so
//  that it does not wait for the next datagram to carry the count
void io_socket_read_drops (io_socket_t *self);

//  The kernel's drop count of the current descriptor, as stats.kernel_dropped
static inline void
io_socket_set_drops (io_socket_t *self, uint64_t drops)
{
    self->stats.kernel_dropped = self->kernel_drops_past + drops;
}

//  A dual-stack socket's IPv4 address, ::ffff:a.b.c.d, as the plain IPv4
//  address (any other address is left as it is)
void io_socket_unmap (asynrole_addr_t *addr);

//  The largest datagram the socket's family carries
size_t io_socket_max_datagram (const io_socket_t *self);

#endif
