/*  fuzz_netlink.c - the parser of the kernel's news of addresses and links
    (io_watch_parse, actors/io/io_watch.c)

    The input is what one recv on the NETLINK_ROUTE socket might return.
    The kernel is the only sender the I/O actor reads, but a parser that
    walks lengths is worth proving. Checked, for every event it reports:
    - its kind is one of io_watch_kind_t, never OVERFLOW (that comes from
      a failed recv, not from a buffer);
    - an address event has an IPv4 or IPv6 address whose length fits its
      family, with port 0; a link event has no address, an interface
      index above 0 and a NUL-terminated name;
    - the counters add up: every message walked is counted once, and no
      more events come than messages.
*/
#include "io_watch.h"
#include "fuzz_util.h"
#include <netinet/in.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

FUZZ_INITIALIZE_KEEP_STDERR

static void
s_check_address (const io_watch_event_t *event)
{
    const asynrole_addr_t *addr = &event->addr;
    int family = addr->u.sa.sa_family;
    FUZZ_CHECK (family == AF_INET || family == AF_INET6, "an address of family %d", family);
    size_t want = family == AF_INET ? sizeof addr->u.in : sizeof addr->u.in6;
    FUZZ_CHECK (addr->len == want, "an address of length %u for family %d", (unsigned) addr->len,
                family);
    FUZZ_CHECK (asynrole_addr_port (addr) == 0, "an address with a port");
    char text[ASYNROLE_ADDR_STRLEN];
    FUZZ_CHECK (asynrole_addr_format (addr, text, sizeof text)[0], "an address that formats empty");
}

static void
s_on_event (void *ctx, const io_watch_event_t *event)
{
    size_t *events = ctx;
    (*events)++;
    switch (event->kind) {
        case IO_WATCH_ADDR_GONE:
        case IO_WATCH_ADDR_NEW: s_check_address (event); break;
        case IO_WATCH_LINK_GONE:
        case IO_WATCH_LINK_NEW:
            FUZZ_CHECK (event->addr.len == 0, "a link event with an address");
            FUZZ_CHECK (event->ifindex > 0, "a link event without an interface index");
            FUZZ_CHECK (memchr (event->name, 0, sizeof event->name), "a name without its NUL");
            break;
        default: fuzz_fail ("an event of kind %d", (int) event->kind);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    io_watch_t watch;
    memset (&watch, 0, sizeof watch);
    watch.fd = -1;
    size_t events = 0;
    io_watch_parse (&watch, data, size, s_on_event, &events);
    FUZZ_CHECK (events <= watch.messages, "%zu events from %llu messages", events,
                (unsigned long long) watch.messages);
    FUZZ_CHECK (watch.messages <= size / 16, "%llu messages in %zu bytes",
                (unsigned long long) watch.messages, size);
    FUZZ_CHECK (watch.overflows == 0, "an overflow from a buffer");
    return 0;
}
