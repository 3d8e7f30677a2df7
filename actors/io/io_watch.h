/*  io_watch.h - the kernel's news of addresses and interfaces (rtnetlink)

    The I/O actor reads it so that a socket whose address or device goes
    away is closed and reported at once, not found out by a failing send,
    and is bound again as soon as an address or a link comes. One
    non-blocking NETLINK_ROUTE socket in the I/O actor's epoll set; reading
    it never waits. A kernel that refuses the socket (a sandbox) leaves the
    I/O actor without the news: failing sends and receives still close a
    socket that failed for good, and the rebind timer still runs. */
#ifndef ASYNROLE_IO_WATCH_H_INCLUDED
#define ASYNROLE_IO_WATCH_H_INCLUDED

#include "asynrole_addr.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    IO_WATCH_ADDR_GONE = 1,  //  an address was deleted (addr, ifindex)
    IO_WATCH_ADDR_NEW,       //  an address was added (addr, ifindex)
    IO_WATCH_LINK_GONE,      //  an interface was deleted (ifindex, name)
    IO_WATCH_LINK_NEW,       //  an interface came or changed (ifindex, name)
    IO_WATCH_OVERFLOW        //  news was lost (the socket's buffer was full)
} io_watch_kind_t;

typedef struct {
    io_watch_kind_t kind;
    asynrole_addr_t addr;  //  the address (port 0; scope id = ifindex for
                           //  IPv6 link-local); len 0 for links
    unsigned ifindex;      //  the interface
    char name[16];         //  its name (links; "" when not said)
} io_watch_event_t;

typedef void (io_watch_fn) (void *ctx, const io_watch_event_t *event);

typedef struct {
    int fd;                 //  the NETLINK_ROUTE socket; -1 when refused
    uint64_t messages;      //  messages read
    uint64_t malformed;     //  messages skipped as malformed
    uint64_t overflows;     //  times news was lost
    uint64_t buffer[2048];  //  what one read returns (aligned for nlmsghdr)
} io_watch_t;

//  Open the socket (fd -1, and false, when the kernel refuses it)
bool io_watch_open (io_watch_t *self);

void io_watch_close (io_watch_t *self);

//  Read what the kernel sent, calling fn for each event; never waits
void io_watch_read (io_watch_t *self, io_watch_fn *fn, void *ctx);

//  Parse one buffer of netlink messages (what a recv returned): the part
//  io_watch_read runs on each read, and the fuzz target's entry
void io_watch_parse (io_watch_t *self, const uint8_t *buf, size_t size, io_watch_fn *fn, void *ctx);

#endif
