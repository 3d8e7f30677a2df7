/*  tu_route.c - wait until an address a test added is the kernel's own

    `ip -6 addr add ... nodad` returns before the address's local route is
    in: the kernel inserts it from its DAD work, which runs later and needs
    the RTNL lock, which another test's namespace set-up or tear-down may
    hold a while. Until then a datagram to the address follows the prefix
    route out and back in, finds no local route, and is dropped without a
    word. So a test that adds addresses waits until a route lookup for each
    says "local": it asks, and when the answer is not yet local waits for
    the next route change (a netlink notification), with a deadline.
*/
#define _GNU_SOURCE
#include "testutil.h"
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

//  A route lookup of RTM_GETROUTE for dst
typedef struct {
    struct nlmsghdr header;
    struct rtmsg route;
    char attrs[RTA_SPACE (16)];
} s_lookup_t;

//  A netlink route socket, subscribed to groups (0: none)
static int
s_netlink (unsigned groups)
{
    int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    struct sockaddr_nl local = { .nl_family = AF_NETLINK, .nl_groups = groups };
    if (fd >= 0 && bind (fd, (struct sockaddr *) &local, sizeof local)) {
        close (fd);
        return -1;
    }
    return fd;
}

//  The type of the route the kernel picks for dst (RTN_LOCAL when it is
//  ours), 0 when it has none, -1 when it did not answer before deadline
static int
s_route_type (int fd, int family, const void *dst, size_t size, int64_t deadline)
{
    static unsigned s_seq;
    s_lookup_t request;
    memset (&request, 0, sizeof request);
    request.header.nlmsg_len = NLMSG_LENGTH (sizeof request.route);
    request.header.nlmsg_type = RTM_GETROUTE;
    request.header.nlmsg_flags = NLM_F_REQUEST;
    request.header.nlmsg_seq = ++s_seq;
    request.route.rtm_family = (unsigned char) family;
    request.route.rtm_dst_len = (unsigned char) (size * 8);
    struct rtattr *attr =
        (struct rtattr *) ((char *) &request + NLMSG_ALIGN (request.header.nlmsg_len));
    attr->rta_type = RTA_DST;
    attr->rta_len = (unsigned short) RTA_LENGTH (size);
    memcpy (RTA_DATA (attr), dst, size);
    request.header.nlmsg_len = NLMSG_ALIGN (request.header.nlmsg_len) + RTA_SPACE (size);
    if (send (fd, &request, request.header.nlmsg_len, 0) != (ssize_t) request.header.nlmsg_len)
        return -1;
    //  Answers to an earlier lookup that timed out are skipped; bounded
    for (int i = 0; i < 16; i++) {
        struct pollfd item = { .fd = fd, .events = POLLIN };
        int64_t left = deadline - tu_now ();
        if (left <= 0 || poll (&item, 1, (int) left) != 1)
            return -1;
        char buf[4096];
        ssize_t got = recv (fd, buf, sizeof buf, 0);
        struct nlmsghdr *answer = (struct nlmsghdr *) buf;
        if (got < (ssize_t) sizeof *answer || !NLMSG_OK (answer, (size_t) got)
            || answer->nlmsg_seq != s_seq)
            continue;
        if (answer->nlmsg_type == RTM_NEWROUTE
            && answer->nlmsg_len >= NLMSG_LENGTH (sizeof (struct rtmsg)))
            return ((struct rtmsg *) NLMSG_DATA (answer))->rtm_type;
        return 0;  //  an error: no route
    }
    return -1;
}

//  Read whatever notifications wait on fd (their content does not matter)
static void
s_drain (int fd)
{
    char buf[8192];
    for (int i = 0; i < 1000 && recv (fd, buf, sizeof buf, MSG_DONTWAIT) > 0; i++)
        ;
}

bool
tu_wait_local (const char *ip, int timeout_ms)
{
    int family = strchr (ip, ':') ? AF_INET6 : AF_INET;
    unsigned char dst[16];
    if (inet_pton (family, ip, dst) != 1)
        return false;
    size_t size = family == AF_INET6 ? 16 : 4;
    //  Subscribed before the first lookup: a route that comes in after it
    //  wakes the wait
    int changes = s_netlink (family == AF_INET6 ? RTMGRP_IPV6_ROUTE : RTMGRP_IPV4_ROUTE);
    int lookups = s_netlink (0);
    int64_t deadline = tu_now () + timeout_ms;
    bool local = false;
    //  Each turn waits for a route change or the deadline: bounded in time,
    //  and in count for a storm of changes
    for (int i = 0; changes >= 0 && lookups >= 0 && i < 10000; i++) {
        int type = s_route_type (lookups, family, dst, size, deadline);
        local = type == RTN_LOCAL;
        struct pollfd item = { .fd = changes, .events = POLLIN };
        int64_t left = deadline - tu_now ();
        if (local || type < 0 || left <= 0 || poll (&item, 1, (int) left) != 1)
            break;
        s_drain (changes);
    }
    if (!local)
        fprintf (stderr, "%s never became a local address in %d ms\n", ip, timeout_ms);
    if (changes >= 0)
        close (changes);
    if (lookups >= 0)
        close (lookups);
    return local;
}
