/*  io_watch.c - the kernel's news of addresses and interfaces (rtnetlink) */
#define _GNU_SOURCE
#include "io_watch.h"
#include <errno.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

//  Reads per call, so that a flood of news cannot hold the I/O thread
#define WATCH_READS 16

bool
io_watch_open (io_watch_t *self)
{
    memset (self, 0, sizeof *self);
    self->fd = socket (AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (self->fd < 0)
        return false;
    struct sockaddr_nl nl = { .nl_family = AF_NETLINK,
                              .nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR };
    if (bind (self->fd, (struct sockaddr *) &nl, sizeof nl)) {
        close (self->fd);
        self->fd = -1;
        return false;
    }
    return true;
}

void
io_watch_close (io_watch_t *self)
{
    if (self->fd >= 0)
        close (self->fd);
    self->fd = -1;
}

//  The attributes of a message: take (arg, type, value, size) for each,
//  bounds checked
static void
s_attributes (const uint8_t *at, size_t size, void (*take) (void *, int, const uint8_t *, size_t),
              void *arg)
{
    while (size >= sizeof (struct rtattr)) {
        struct rtattr rta;
        memcpy (&rta, at, sizeof rta);
        if (rta.rta_len < sizeof rta || rta.rta_len > size)
            return;
        take (arg, rta.rta_type, at + RTA_LENGTH (0), rta.rta_len - RTA_LENGTH (0));
        size_t step = RTA_ALIGN (rta.rta_len);
        if (step >= size)
            return;
        at += step;
        size -= step;
    }
}

//  What an address message says: IFA_LOCAL (IPv4: the address itself; on a
//  point-to-point link IFA_ADDRESS is the peer), else IFA_ADDRESS
typedef struct {
    int family;
    const uint8_t *local, *address;
} s_addr_attrs_t;

static void
s_addr_take (void *arg, int type, const uint8_t *value, size_t size)
{
    s_addr_attrs_t *attrs = arg;
    size_t want = attrs->family == AF_INET ? 4 : 16;
    if (size != want)
        return;
    if (type == IFA_LOCAL)
        attrs->local = value;
    else if (type == IFA_ADDRESS)
        attrs->address = value;
}

static bool
s_addr (const uint8_t *body, size_t size, io_watch_event_t *event)
{
    struct ifaddrmsg ifa;
    if (size < sizeof ifa)
        return false;
    memcpy (&ifa, body, sizeof ifa);
    if (ifa.ifa_family != AF_INET && ifa.ifa_family != AF_INET6)
        return false;
    s_addr_attrs_t attrs = { .family = ifa.ifa_family };
    s_attributes (body + NLMSG_ALIGN (sizeof ifa), size - NLMSG_ALIGN (sizeof ifa), s_addr_take,
                  &attrs);
    const uint8_t *bytes = attrs.local ? attrs.local : attrs.address;
    if (!bytes)
        return false;
    event->ifindex = ifa.ifa_index;
    if (ifa.ifa_family == AF_INET) {
        event->addr.u.in.sin_family = AF_INET;
        memcpy (&event->addr.u.in.sin_addr, bytes, 4);
        event->addr.len = sizeof event->addr.u.in;
    }
    else {
        event->addr.u.in6.sin6_family = AF_INET6;
        memcpy (&event->addr.u.in6.sin6_addr, bytes, 16);
        if (IN6_IS_ADDR_LINKLOCAL (&event->addr.u.in6.sin6_addr))
            event->addr.u.in6.sin6_scope_id = ifa.ifa_index;
        event->addr.len = sizeof event->addr.u.in6;
    }
    return true;
}

static void
s_link_take (void *arg, int type, const uint8_t *value, size_t size)
{
    io_watch_event_t *event = arg;
    if (type != IFLA_IFNAME || size == 0)
        return;
    size_t length = strnlen ((const char *) value, size);
    if (length < sizeof event->name)
        memcpy (event->name, value, length);
}

static bool
s_link (const uint8_t *body, size_t size, io_watch_event_t *event)
{
    struct ifinfomsg ifi;
    if (size < sizeof ifi)
        return false;
    memcpy (&ifi, body, sizeof ifi);
    if (ifi.ifi_index <= 0)
        return false;
    event->ifindex = (unsigned) ifi.ifi_index;
    s_attributes (body + NLMSG_ALIGN (sizeof ifi), size - NLMSG_ALIGN (sizeof ifi), s_link_take,
                  event);
    return true;
}

//  One message: an event for fn, or nothing (other kinds are not ours)
static void
s_message (io_watch_t *self, const struct nlmsghdr *hdr, const uint8_t *body, size_t size,
           io_watch_fn *fn, void *ctx)
{
    io_watch_event_t event;
    memset (&event, 0, sizeof event);
    bool ok = false;
    switch (hdr->nlmsg_type) {
        case RTM_NEWADDR:
        case RTM_DELADDR:
            event.kind = hdr->nlmsg_type == RTM_NEWADDR ? IO_WATCH_ADDR_NEW : IO_WATCH_ADDR_GONE;
            ok = s_addr (body, size, &event);
            break;
        case RTM_NEWLINK:
        case RTM_DELLINK:
            event.kind = hdr->nlmsg_type == RTM_NEWLINK ? IO_WATCH_LINK_NEW : IO_WATCH_LINK_GONE;
            ok = s_link (body, size, &event);
            break;
        default: return;
    }
    if (ok)
        fn (ctx, &event);
    else
        self->malformed++;
}

void
io_watch_parse (io_watch_t *self, const uint8_t *buf, size_t size, io_watch_fn *fn, void *ctx)
{
    while (size >= sizeof (struct nlmsghdr)) {
        struct nlmsghdr hdr;
        memcpy (&hdr, buf, sizeof hdr);
        if (hdr.nlmsg_len < sizeof hdr || hdr.nlmsg_len > size) {
            self->malformed++;
            return;
        }
        self->messages++;
        s_message (self, &hdr, buf + NLMSG_HDRLEN, hdr.nlmsg_len - NLMSG_HDRLEN, fn, ctx);
        size_t step = NLMSG_ALIGN (hdr.nlmsg_len);
        if (step >= size)
            return;
        buf += step;
        size -= step;
    }
}

void
io_watch_read (io_watch_t *self, io_watch_fn *fn, void *ctx)
{
    if (self->fd < 0)
        return;
    for (int reads = 0; reads < WATCH_READS; reads++) {
        struct sockaddr_nl from;
        socklen_t fromlen = sizeof from;
        ssize_t n = recvfrom (self->fd, self->buffer, sizeof self->buffer, MSG_DONTWAIT,
                              (struct sockaddr *) &from, &fromlen);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == ENOBUFS) {
            //  The kernel dropped news for us: say so, so that every socket
            //  that is down is tried again
            self->overflows++;
            io_watch_event_t event = { .kind = IO_WATCH_OVERFLOW };
            fn (ctx, &event);
            continue;
        }
        if (n <= 0)
            return;
        //  Only the kernel's own messages (port 0): any process may send to us
        if (from.nl_pid != 0)
            continue;
        io_watch_parse (self, (const uint8_t *) self->buffer, (size_t) n, fn, ctx);
    }
}
