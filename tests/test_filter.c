/*  test_filter.c - the I/O actor's source filters: prefix sets and rate
    limits

    White-box: linked with the library's objects. Random cases use a seeded
    generator, so that every run checks the same addresses; the large ones
    compare with plain references (a scan of every prefix; a rate limiter
    made of arrays and 128-bit arithmetic). Two cases print what a look-up
    costs (never asserted: the build may be a sanitizer's).
*/
#include "testutil.h"
#include "error_fill.h"
#include "prefix_set.h"
#include "rate_limit.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  -------------------------------------------------------------------------
//  Helpers

//  splitmix64: a small seeded generator
static uint64_t
s_next (uint64_t *state)
{
    uint64_t value = (*state += 0x9e3779b97f4a7c15ull);
    value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
    value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
    return value ^ (value >> 31);
}

//  0 .. bound - 1
static uint64_t
s_below (uint64_t *state, uint64_t bound)
{
    return s_next (state) % bound;
}

static asynrole_addr_t
s_v4 (uint32_t ip, uint16_t port)
{
    asynrole_addr_t addr;
    memset (&addr, 0, sizeof addr);
    addr.u.in.sin_family = AF_INET;
    addr.u.in.sin_addr.s_addr = htonl (ip);
    addr.u.in.sin_port = htons (port);
    addr.len = sizeof addr.u.in;
    return addr;
}

//  hi: the first 8 bytes of the address, lo: the last 8
static asynrole_addr_t
s_v6 (uint64_t hi, uint64_t lo, uint16_t port)
{
    asynrole_addr_t addr;
    memset (&addr, 0, sizeof addr);
    addr.u.in6.sin6_family = AF_INET6;
    for (int i = 0; i < 8; i++) {
        addr.u.in6.sin6_addr.s6_addr[i] = (uint8_t) (hi >> (56 - 8 * i));
        addr.u.in6.sin6_addr.s6_addr[8 + i] = (uint8_t) (lo >> (56 - 8 * i));
    }
    addr.u.in6.sin6_port = htons (port);
    addr.len = sizeof addr.u.in6;
    return addr;
}

//  ::ffff:a.b.c.d
static asynrole_addr_t
s_mapped (uint32_t ip, uint16_t port)
{
    return s_v6 (0, 0x0000ffff00000000ull | ip, port);
}

static double
s_seconds (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (double) now.tv_sec + (double) now.tv_nsec / 1e9;
}

//  -------------------------------------------------------------------------
//  Prefix sets: parsing

//  A set holding text (after a good prefix) is refused with EBADARG, the
//  detail saying reason, naming the entry and quoting it
static void
s_refused (const char *text, const char *reason)
{
    const char *list[] = { "192.0.2.0/24", text };
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    prefix_set_t *set = prefix_set_new (list, 2, &error);
    if (set)
        fail_msg ("accepted: '%s'", text);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    char quoted[ERROR_QUOTE_MAX];
    error_quote (text, quoted, sizeof quoted);
    if (!strstr (error.detail, reason) || !strstr (error.detail, "prefixes[1]")
        || (text && !strstr (error.detail, quoted)))
        fail_msg ("'%s': detail \"%s\" should say \"%s\", prefixes[1] and %s", text ? text : "NULL",
                  error.detail, reason, quoted);
}

static void
test_prefix_parse_errors (void **state)
{
    (void) state;
    s_refused (NULL, "a NULL prefix");
    //  Not an address
    const char *not_addresses[] = {
        "", "/8", "10.0.0", "10.0.0.0.0", "256.0.0.0/8", "010.0.0.0/8", "10.0.0.0x/8",
        "example.com", "localhost/32", "10.0.0.0 /8", "::ffff::1/128", "2001:db8::g/32",
        "fe80::1%eth0/64", "[::1]/128", "1:2:3:4:5:6:7:8:9/128",
        //  Longer than any address: cut in the quote
        "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc/64"
    };
    for (size_t i = 0; i < sizeof not_addresses / sizeof not_addresses[0]; i++)
        s_refused (not_addresses[i], "not an IPv4 or IPv6 address");
    //  Whitespace around
    const char *spaced[] = { " 10.0.0.0/8", "10.0.0.0/8 ", "\t::1", "::1\n", " " };
    for (size_t i = 0; i < sizeof spaced / sizeof spaced[0]; i++)
        s_refused (spaced[i], "whitespace around the prefix");
    //  A length that is not a plain decimal
    const char *lengths[] = { "10.0.0.0/",    "10.0.0.0/+8", "10.0.0.0/-8",  "10.0.0.0/08",
                              "10.0.0.0/00",  "10.0.0.0/8a", "10.0.0.0/0x8", "10.0.0.0/ 8",
                              "10.0.0.0/8/8", "::/1e2",      "::/128.0" };
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++)
        s_refused (lengths[i], "length not a plain decimal number");
    //  Out of range
    s_refused ("10.0.0.0/33", "length out of range 0..32");
    s_refused ("10.0.0.0/1000", "length out of range 0..32");
    s_refused ("10.0.0.0/99999999999999999999999", "length out of range 0..32");
    s_refused ("::/129", "length out of range 0..128");
    s_refused ("::ffff:10.0.0.0/200", "length out of range 0..128");
    //  Host bits set: say what was probably meant
    s_refused ("10.0.0.1/8", "host bits set beyond /8 (meant 10.0.0.0/8?)");
    s_refused ("192.0.2.255/25", "host bits set beyond /25 (meant 192.0.2.128/25?)");
    s_refused ("128.0.0.0/0", "host bits set beyond /0 (meant 0.0.0.0/0?)");
    s_refused ("10.0.0.3/31", "host bits set beyond /31 (meant 10.0.0.2/31?)");
    s_refused ("2001:db8::1/32", "host bits set beyond /32 (meant 2001:db8::/32?)");
    s_refused ("2001:db8::3/127", "host bits set beyond /127 (meant 2001:db8::2/127?)");
    s_refused ("2001:db8:0:1:8000::/64", "host bits set beyond /64 (meant 2001:db8:0:1::/64?)");
    s_refused ("::ffff:10.0.0.1/104", "host bits set beyond /104 (meant ::ffff:10.0.0.0/104?)");
    s_refused ("::1/0", "host bits set beyond /0 (meant ::/0?)");

    //  The first bad entry is the one named; no error struct is fine
    asynrole_error_t error;
    const char *two_bad[] = { "10.0.0.0/8", "bad", "10.0.0.1/8" };
    assert_null (prefix_set_new (two_bad, 3, &error));
    assert_non_null (strstr (error.detail, "prefixes[1] 'bad'"));
    assert_null (prefix_set_new (two_bad, 3, NULL));
    //  No array but a count
    assert_null (prefix_set_new (NULL, 1, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
}

static void
test_prefix_parse_forms (void **state)
{
    (void) state;
    asynrole_error_t error;
    //  An address alone is a /32 or a /128; duplicates count once
    const char *list[] = { "10.0.0.0/8",          "10.0.0.0/8",    "192.0.2.1",
                           "192.0.2.1/32",        "::1",           "::1/128",
                           "0:0::1/128",          "2001:DB8::/32", "2001:db8::/32",
                           "::ffff:10.0.0.0/104", "0.0.0.0/0" };
    prefix_set_t *set = prefix_set_new (list, sizeof list / sizeof list[0], &error);
    assert_non_null (set);
    assert_int_equal (prefix_set_count (set), 6);
    asynrole_addr_t addr = tu_addr ("192.0.2.1:1");
    assert_true (prefix_set_match (set, &addr));
    prefix_set_destroy (&set);
    assert_null (set);
    prefix_set_destroy (&set);

    const char *single[] = { "192.0.2.1", "2001:db8::1" };
    set = prefix_set_new (single, 2, &error);
    assert_non_null (set);
    addr = tu_addr ("192.0.2.1:1");
    assert_true (prefix_set_match (set, &addr));
    addr = tu_addr ("192.0.2.0:1");
    assert_false (prefix_set_match (set, &addr));
    addr = tu_addr ("192.0.2.2:1");
    assert_false (prefix_set_match (set, &addr));
    addr = tu_addr ("[2001:db8::1]:1");
    assert_true (prefix_set_match (set, &addr));
    addr = tu_addr ("[2001:db8::]:1");
    assert_false (prefix_set_match (set, &addr));
    prefix_set_destroy (&set);

    //  An empty set holds nothing, not even what /0 would
    set = prefix_set_new (NULL, 0, &error);
    assert_non_null (set);
    assert_int_equal (prefix_set_count (set), 0);
    addr = tu_addr ("0.0.0.0:1");
    assert_false (prefix_set_match (set, &addr));
    addr = tu_addr ("[::]:1");
    assert_false (prefix_set_match (set, &addr));
    prefix_set_destroy (&set);
    set = prefix_set_new (list, 0, &error);
    assert_non_null (set);
    assert_int_equal (prefix_set_count (set), 0);
    prefix_set_destroy (&set);
    assert_int_equal (prefix_set_count (NULL), 0);
    assert_false (prefix_set_match (NULL, &addr));
}

//  -------------------------------------------------------------------------
//  Prefix sets: matching

typedef struct {
    uint64_t hi, lo;
} u128_t;

static u128_t
s_step (u128_t value, int delta)
{
    if (delta > 0) {
        value.lo++;
        value.hi += value.lo == 0;
    }
    else {
        value.hi -= value.lo == 0;
        value.lo--;
    }
    return value;
}

static bool
s_equal (u128_t a, u128_t b)
{
    return a.hi == b.hi && a.lo == b.lo;
}

//  An address of family given its 128 left-aligned bits (an IPv4 address
//  in the top 32), and, for IPv4, its v4-mapped form
static asynrole_addr_t
s_address (int family, u128_t bits, bool mapped)
{
    if (family == AF_INET6)
        return s_v6 (bits.hi, bits.lo, 7);
    return mapped ? s_mapped ((uint32_t) (bits.hi >> 32), 7) : s_v4 ((uint32_t) (bits.hi >> 32), 7);
}

//  A set of the one prefix network/length holds its first and last
//  addresses and one between, and not the addresses just outside
static void
s_boundaries (int family, u128_t network, unsigned length)
{
    unsigned bits = family == AF_INET ? 32 : 128;
    char text[INET6_ADDRSTRLEN + 8];
    uint8_t bytes[16];
    for (int i = 0; i < 8; i++) {
        bytes[i] = (uint8_t) (network.hi >> (56 - 8 * i));
        bytes[8 + i] = (uint8_t) (network.lo >> (56 - 8 * i));
    }
    inet_ntop (family, bytes, text, INET6_ADDRSTRLEN);
    snprintf (text + strlen (text), 8, "/%u", length);
    const char *list[] = { text };
    asynrole_error_t error;
    prefix_set_t *set = prefix_set_new (list, 1, &error);
    if (!set)
        fail_msg ("%s: %s", text, error.detail);
    //  Host bits: the last bits - length of the 128 (or 32 at the top)
    u128_t host = { 0, 0 };
    unsigned count = bits - length;
    unsigned shift = 128 - bits;  //  of the host bits' lowest, in the 128
    for (unsigned i = shift; i < shift + count; i++) {
        if (i < 64)
            host.lo |= 1ull << i;
        else
            host.hi |= 1ull << (i - 64);
    }
    u128_t first = network;
    u128_t last = { network.hi | host.hi, network.lo | host.lo };
    u128_t middle = { network.hi | (host.hi & 0x5555555555555555ull),
                      network.lo | (host.lo & 0x5555555555555555ull) };
    u128_t one = family == AF_INET ? (u128_t){ 1ull << 32, 0 } : (u128_t){ 0, 1 };
    u128_t top =
        family == AF_INET ? (u128_t){ 0xffffffffull << 32, 0 } : (u128_t){ UINT64_MAX, UINT64_MAX };
    for (int mapped = 0; mapped <= (family == AF_INET); mapped++) {
        asynrole_addr_t addr = s_address (family, first, mapped);
        if (!prefix_set_match (set, &addr))
            fail_msg ("%s: first address not matched (mapped %d)", text, mapped);
        addr = s_address (family, last, mapped);
        if (!prefix_set_match (set, &addr))
            fail_msg ("%s: last address not matched (mapped %d)", text, mapped);
        addr = s_address (family, middle, mapped);
        if (!prefix_set_match (set, &addr))
            fail_msg ("%s: an address inside not matched (mapped %d)", text, mapped);
        //  One before the first, one past the last (when there are)
        u128_t before = first, after = last;
        if (!s_equal (first, (u128_t){ 0, 0 })) {
            before = family == AF_INET ? (u128_t){ first.hi - one.hi, 0 } : s_step (first, -1);
            addr = s_address (family, before, mapped);
            if (prefix_set_match (set, &addr))
                fail_msg ("%s: the address before matched (mapped %d)", text, mapped);
        }
        if (!s_equal (last, top)) {
            after = family == AF_INET ? (u128_t){ last.hi + one.hi, 0 } : s_step (last, 1);
            addr = s_address (family, after, mapped);
            if (prefix_set_match (set, &addr))
                fail_msg ("%s: the address after matched (mapped %d)", text, mapped);
        }
    }
    prefix_set_destroy (&set);
}

static u128_t
s_v4_bits (const char *text)
{
    struct in_addr in;
    assert_int_equal (inet_pton (AF_INET, text, &in), 1);
    return (u128_t){ (uint64_t) ntohl (in.s_addr) << 32, 0 };
}

static u128_t
s_v6_bits (const char *text)
{
    uint8_t bytes[16];
    assert_int_equal (inet_pton (AF_INET6, text, bytes), 1);
    u128_t bits = { 0, 0 };
    for (int i = 0; i < 8; i++) {
        bits.hi = bits.hi << 8 | bytes[i];
        bits.lo = bits.lo << 8 | bytes[8 + i];
    }
    return bits;
}

static void
test_prefix_match_v4 (void **state)
{
    (void) state;
    struct {
        const char *network;
        unsigned length;
    } cases[] = { { "0.0.0.0", 0 },          { "0.0.0.0", 1 },    { "128.0.0.0", 1 },
                  { "254.0.0.0", 7 },        { "0.0.0.0", 7 },    { "10.0.0.0", 8 },
                  { "255.0.0.0", 8 },        { "192.0.2.0", 24 }, { "198.51.100.128", 25 },
                  { "192.0.2.2", 31 },       { "0.0.0.0", 31 },   { "255.255.255.254", 31 },
                  { "192.0.2.1", 32 },       { "0.0.0.0", 32 },   { "255.255.255.255", 32 },
                  { "127.255.255.255", 32 }, { "128.0.0.0", 32 } };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        s_boundaries (AF_INET, s_v4_bits (cases[i].network), cases[i].length);

    //  /0 holds every IPv4 address, and no other IPv6 one
    const char *all[] = { "0.0.0.0/0" };
    prefix_set_t *set = prefix_set_new (all, 1, NULL);
    uint64_t seed = 1;
    for (int i = 0; i < 1000; i++) {
        asynrole_addr_t addr = s_v4 ((uint32_t) s_next (&seed), (uint16_t) i);
        assert_true (prefix_set_match (set, &addr));
    }
    asynrole_addr_t addr = tu_addr ("[::]:1");
    assert_false (prefix_set_match (set, &addr));
    addr = tu_addr ("[2001:db8::1]:1");
    assert_false (prefix_set_match (set, &addr));
    prefix_set_destroy (&set);
}

static void
test_prefix_match_v6 (void **state)
{
    (void) state;
    struct {
        const char *network;
        unsigned length;
    } cases[] = { { "::", 0 },
                  { "::", 1 },
                  { "8000::", 1 },
                  { "fe00::", 7 },
                  { "fc00::", 7 },
                  { "ff00::", 8 },
                  { "2001:db8::", 31 },
                  { "2001:db8::", 32 },
                  { "2001:db8:0:2::", 63 },
                  { "2001:db8:0:1::", 64 },
                  { "2001:db8:0:1:8000::", 65 },
                  { "2001:db8::", 96 },
                  { "2001:db8::2", 127 },
                  { "2001:db8::ffff:fffe", 127 },
                  { "2001:db8::1", 128 },
                  { "::", 128 },
                  { "::1", 128 },
                  { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128 },
                  { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 127 },
                  { "2001:db8:0:0:ffff:ffff:ffff:ffff", 128 } };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        s_boundaries (AF_INET6, s_v6_bits (cases[i].network), cases[i].length);

    //  Several lengths at once, the port ignored
    const char *list[] = { "2001:db8::/32", "2001:db8:1::/48", "fe80::/10", "::1", "10.0.0.0/8" };
    prefix_set_t *set = prefix_set_new (list, 5, NULL);
    const char *in[] = { "[2001:db8:ffff::1]:1", "[2001:db8:1::1]:65535", "[febf::1]:2", "[::1]:3",
                         "[fe80::1%1]:4" };
    const char *out[] = { "[2001:db9::]:1", "[fec0::]:1",
                          "[::2]:1",        "[::]:1",
                          "[::10.0.0.1]:1", "[2001:db7:ffff:ffff:ffff:ffff:ffff:ffff]:1" };
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        asynrole_addr_t addr = tu_addr (in[i]);
        if (!prefix_set_match (set, &addr))
            fail_msg ("%s not matched", in[i]);
    }
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
        asynrole_addr_t addr = tu_addr (out[i]);
        if (prefix_set_match (set, &addr))
            fail_msg ("%s matched", out[i]);
    }
    prefix_set_destroy (&set);
}

//  Does a set of the one prefix hold each address of the list?
static void
s_holds (const char *prefix, const char *const *addresses, size_t count, bool expected)
{
    const char *list[] = { prefix };
    asynrole_error_t error;
    prefix_set_t *set = prefix_set_new (list, 1, &error);
    if (!set)
        fail_msg ("%s: %s", prefix, error.detail);
    for (size_t i = 0; i < count; i++) {
        asynrole_addr_t addr = tu_addr (addresses[i]);
        if (prefix_set_match (set, &addr) != expected)
            fail_msg ("%s should%s hold %s", prefix, expected ? "" : " not", addresses[i]);
    }
    prefix_set_destroy (&set);
}

#define S_HOLDS(prefix, expected, ...)                                                    \
    do {                                                                                  \
        const char *addresses_[] = { __VA_ARGS__ };                                       \
        s_holds (prefix, addresses_, sizeof addresses_ / sizeof addresses_[0], expected); \
    } while (0)

static void
test_prefix_match_v4_mapped (void **state)
{
    (void) state;
    //  A v4-mapped address is its IPv4 address for the IPv4 prefixes
    S_HOLDS ("10.0.0.0/8", true, "10.0.0.0:1", "[::ffff:10.0.0.0]:1", "[::ffff:10.255.255.255]:1");
    S_HOLDS ("10.0.0.0/8", false, "11.0.0.0:1", "[::ffff:11.0.0.0]:1", "[::ffff:9.255.255.255]:1",
             "[::10.0.0.1]:1", "[64:ff9b::10.0.0.1]:1", "[::fffe:10.0.0.1]:1",
             "[1::ffff:10.0.0.1]:1");
    S_HOLDS ("192.0.2.1", true, "192.0.2.1:9", "[::ffff:192.0.2.1]:9");
    S_HOLDS ("0.0.0.0/0", true, "[::ffff:0.0.0.0]:1", "[::ffff:255.255.255.255]:1");
    S_HOLDS ("0.0.0.0/0", false, "[::]:1", "[::fffe:ffff:ffff]:1", "[::1:0:0:0]:1");
    //  The IPv6 prefixes that hold v4-mapped addresses hold them in both
    //  forms (so a peer is judged alike on IPv4 and dual-stack sockets)
    S_HOLDS ("::ffff:0:0/96", true, "[::ffff:1.2.3.4]:1", "1.2.3.4:1", "0.0.0.0:1",
             "255.255.255.255:1");
    S_HOLDS ("::ffff:0:0/96", false, "[::1]:1", "[::fffe:ffff:ffff]:1", "[::1:0:0:0]:1");
    S_HOLDS ("::ffff:10.0.0.0/104", true, "10.1.2.3:1", "[::ffff:10.1.2.3]:1");
    S_HOLDS ("::ffff:10.0.0.0/104", false, "11.0.0.0:1", "[::ffff:11.0.0.0]:1", "[::10.1.2.3]:1");
    S_HOLDS ("::ffff:0:0/97", true, "127.255.255.255:1", "[::ffff:0.0.0.0]:1");
    S_HOLDS ("::ffff:0:0/97", false, "128.0.0.0:1", "[::ffff:128.0.0.0]:1");
    S_HOLDS ("::ffff:192.0.2.1/128", true, "192.0.2.1:1", "[::ffff:192.0.2.1]:1");
    S_HOLDS ("::ffff:192.0.2.1/128", false, "192.0.2.0:1", "192.0.2.2:1");
    //  Shorter IPv6 prefixes hold all of them, or none
    S_HOLDS ("::/0", true, "1.2.3.4:1", "[::ffff:1.2.3.4]:1", "[2001:db8::1]:1");
    S_HOLDS ("::/80", true, "1.2.3.4:1", "[::ffff:1.2.3.4]:1", "[::1]:1");
    S_HOLDS ("::fffe:0:0/95", true, "1.2.3.4:1", "[::ffff:1.2.3.4]:1", "[::fffe:0:0]:1");
    S_HOLDS ("::/81", false, "1.2.3.4:1", "[::ffff:1.2.3.4]:1");
    S_HOLDS ("::/81", true, "[::1]:1", "[::7fff:ffff:ffff]:1");
    S_HOLDS ("2001:db8::/32", false, "1.2.3.4:1", "[::ffff:1.2.3.4]:1");
}

static void
test_prefix_match_other_addresses (void **state)
{
    (void) state;
    const char *all[] = { "0.0.0.0/0", "::/0" };
    prefix_set_t *set = prefix_set_new (all, 2, NULL);
    assert_non_null (set);
    asynrole_addr_t addr;
    memset (&addr, 0, sizeof addr);
    assert_false (prefix_set_match (set, &addr));
    assert_false (prefix_set_match (set, NULL));
    //  A family but no length: empty
    addr = s_v4 (0x0a000001, 1);
    addr.len = 0;
    assert_false (prefix_set_match (set, &addr));
    //  Another family
    memset (&addr, 0, sizeof addr);
    addr.u.sa.sa_family = AF_UNIX;
    addr.len = sizeof addr.u;
    assert_false (prefix_set_match (set, &addr));
    addr.u.sa.sa_family = AF_UNSPEC;
    assert_false (prefix_set_match (set, &addr));
    //  The scope id and via are not the IP
    addr = tu_addr ("[fe80::1%1]:1");
    addr.via = 3;
    assert_true (prefix_set_match (set, &addr));
    prefix_set_destroy (&set);
}

//  -------------------------------------------------------------------------
//  Prefix sets: against a scan of every prefix

typedef struct {
    u128_t network;  //  in the v4-mapped space for IPv4
    u128_t mask;
} ref_prefix_t;

static u128_t
s_mask128 (unsigned length)
{
    u128_t mask = { 0, 0 };
    if (length > 0)
        mask.hi = length >= 64 ? UINT64_MAX : UINT64_MAX << (64 - length);
    if (length > 64)
        mask.lo = length >= 128 ? UINT64_MAX : UINT64_MAX << (128 - length);
    return mask;
}

//  The reference: every address in the v4-mapped space of IPv6 (a.b.c.d/n
//  is ::ffff:a.b.c.d/96+n), and a scan of every prefix
static bool
s_ref_match (const ref_prefix_t *prefixes, size_t count, u128_t address)
{
    for (size_t i = 0; i < count; i++)
        if ((address.hi & prefixes[i].mask.hi) == prefixes[i].network.hi
            && (address.lo & prefixes[i].mask.lo) == prefixes[i].network.lo)
            return true;
    return false;
}

//  A random prefix: its text and its reference. IPv4 at /16../32 (half),
//  IPv6 in 2001:db8::/32 at /48../128, or v4-mapped at /112../128 (long
//  enough that random addresses are not all held)
static void
s_random_prefix (uint64_t *seed, char *text, ref_prefix_t *ref)
{
    uint8_t bytes[16] = { 0 };
    unsigned length;
    u128_t bits;
    uint64_t kind = s_below (seed, 10);
    if (kind < 5) {
        length = 16 + (unsigned) s_below (seed, 17);
        uint32_t ip = (uint32_t) s_next (seed) & (uint32_t) (s_mask128 (length).hi >> 32);
        bits = (u128_t){ 0, 0x0000ffff00000000ull | ip };
        ref->mask = s_mask128 (96 + length);
        struct in_addr in = { htonl (ip) };
        inet_ntop (AF_INET, &in, text, INET6_ADDRSTRLEN);
    }
    else {
        length =
            kind < 9 ? 48 + (unsigned) s_below (seed, 81) : 112 + (unsigned) s_below (seed, 17);
        bits = kind < 9
            ? (u128_t){ 0x20010db800000000ull | (s_next (seed) & 0xffffffffull), s_next (seed) }
            : (u128_t){ 0, 0x0000ffff00000000ull | (s_next (seed) & 0xffffffffull) };
        ref->mask = s_mask128 (length);
        bits.hi &= ref->mask.hi;
        bits.lo &= ref->mask.lo;
        for (int i = 0; i < 8; i++) {
            bytes[i] = (uint8_t) (bits.hi >> (56 - 8 * i));
            bytes[8 + i] = (uint8_t) (bits.lo >> (56 - 8 * i));
        }
        inet_ntop (AF_INET6, bytes, text, INET6_ADDRSTRLEN);
    }
    ref->network = (u128_t){ bits.hi & ref->mask.hi, bits.lo & ref->mask.lo };
    snprintf (text + strlen (text), 8, "/%u", length);
}

//  A random address: fully random, or near a prefix (inside, at its ends,
//  or just past them), in the v4-mapped space for IPv4
static u128_t
s_random_address (uint64_t *seed, const ref_prefix_t *prefixes, size_t count)
{
    uint64_t kind = s_below (seed, 8);
    if (kind == 0)
        return (u128_t){ 0, 0x0000ffff00000000ull | (s_next (seed) & 0xffffffffull) };
    if (kind == 1)
        return (u128_t){ 0x20010db800000000ull | (s_next (seed) & 0xffffffffull), s_next (seed) };
    const ref_prefix_t *prefix = &prefixes[s_below (seed, count)];
    u128_t host = { ~prefix->mask.hi, ~prefix->mask.lo };
    u128_t last = { prefix->network.hi | host.hi, prefix->network.lo | host.lo };
    switch (kind) {
        case 2: return prefix->network;
        case 3: return last;
        case 4: return s_step (prefix->network, -1);
        case 5: return s_step (last, 1);
        default:
            return (u128_t){ prefix->network.hi | (s_next (seed) & host.hi),
                             prefix->network.lo | (s_next (seed) & host.lo) };
    }
}

//  As an asynrole address: v4-mapped ones as IPv4 or as v4-mapped
static asynrole_addr_t
s_as_addr (u128_t address, uint64_t *seed)
{
    bool mapped = address.hi == 0 && address.lo >> 32 == 0xffff;
    if (mapped && s_below (seed, 2))
        return s_v4 ((uint32_t) address.lo, (uint16_t) s_next (seed));
    return s_v6 (address.hi, address.lo, (uint16_t) s_next (seed));
}

static void
test_prefix_random (void **state)
{
    (void) state;
    const size_t prefixes = 10000, addresses = 100000;
    uint64_t seed = 20240611;
    char (*texts)[INET6_ADDRSTRLEN + 8] = malloc (prefixes * sizeof *texts);
    const char **list = malloc (prefixes * sizeof *list);
    ref_prefix_t *refs = malloc (prefixes * sizeof *refs);
    assert_non_null (texts);
    assert_non_null (list);
    assert_non_null (refs);
    for (size_t i = 0; i < prefixes; i++) {
        s_random_prefix (&seed, texts[i], &refs[i]);
        list[i] = texts[i];
    }
    asynrole_error_t error;
    prefix_set_t *set = prefix_set_new (list, prefixes, &error);
    if (!set)
        fail_msg ("%s", error.detail);
    assert_in_range (prefix_set_count (set), prefixes - 200, prefixes);
    size_t matched = 0;
    for (size_t i = 0; i < addresses; i++) {
        u128_t address = s_random_address (&seed, refs, prefixes);
        asynrole_addr_t addr = s_as_addr (address, &seed);
        bool expected = s_ref_match (refs, prefixes, address);
        if (prefix_set_match (set, &addr) != expected) {
            char text[ASYNROLE_ADDR_STRLEN];
            fail_msg ("address %zu, %s: expected %d", i, TU_FMT (&addr, text), expected);
        }
        matched += expected;
    }
    //  Both answers are well represented
    print_message ("%zu of %zu addresses matched\n", matched, addresses);
    assert_in_range (matched, addresses / 4, addresses * 3 / 4);
    prefix_set_destroy (&set);
    free (texts);
    free (list);
    free (refs);
}

//  What a match costs with 10,000 prefixes of mixed lengths (printed):
//  addresses that match nothing, the longest look-ups
static void
test_prefix_cost (void **state)
{
    (void) state;
    const size_t prefixes = 10000, addresses = 4096;
    uint64_t seed = 7;
    char (*texts)[INET6_ADDRSTRLEN + 8] = malloc (prefixes * sizeof *texts);
    const char **list = malloc (prefixes * sizeof *list);
    ref_prefix_t *refs = malloc (prefixes * sizeof *refs);
    asynrole_addr_t *v4 = malloc (addresses * sizeof *v4);
    asynrole_addr_t *v6 = malloc (addresses * sizeof *v6);
    assert_true (texts && list && refs && v4 && v6);
    for (size_t i = 0; i < prefixes; i++) {
        s_random_prefix (&seed, texts[i], &refs[i]);
        list[i] = texts[i];
    }
    prefix_set_t *set = prefix_set_new (list, prefixes, NULL);
    assert_non_null (set);
    for (size_t i = 0; i < addresses; i++) {
        v4[i] = s_v4 ((uint32_t) s_next (&seed), 1);
        v6[i] = s_v6 (0x20010db800000000ull | (s_next (&seed) & 0xffffffffull), s_next (&seed), 1);
    }
    size_t hits = 0;
    asynrole_addr_t *sets[] = { v4, v6 };
    const char *names[] = { "IPv4 (17 lengths)", "IPv6 (81 lengths)" };
    for (int kind = 0; kind < 2; kind++) {
        //  For a quarter of a second, whatever the build
        double start = s_seconds (), took = 0;
        size_t matches = 0;
        for (; took < 0.25; took = s_seconds () - start)
            for (size_t i = 0; i < addresses; i++, matches++)
                hits += prefix_set_match (set, &sets[kind][i]);
        print_message ("prefix_set_match, %zu prefixes, %s: %.0f ns\n", prefixes, names[kind],
                       took * 1e9 / (double) matches);
    }
    prefix_set_destroy (&set);
    //  A typical list: private and local networks (3 IPv4 lengths)
    const char *typical[] = { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8",
                              "::1",        "fc00::/7",      "fe80::/10" };
    set = prefix_set_new (typical, sizeof typical / sizeof typical[0], NULL);
    assert_non_null (set);
    double start = s_seconds (), took = 0;
    size_t matches = 0;
    for (; took < 0.25; took = s_seconds () - start)
        for (size_t i = 0; i < addresses; i++, matches++)
            hits += prefix_set_match (set, &v4[i]);
    print_message ("prefix_set_match, 7 private and local prefixes, IPv4: %.0f ns\n",
                   took * 1e9 / (double) matches);
    print_message ("(%zu hits)\n", hits);
    prefix_set_destroy (&set);
    free (texts);
    free (list);
    free (refs);
    free (v4);
    free (v6);
}

//  -------------------------------------------------------------------------
//  Rate limits

static void
test_rate_burst_refill (void **state)
{
    (void) state;
    asynrole_error_t error;
    rate_limit_t *limit = rate_limit_new (10, 5, 0, &error);
    assert_non_null (limit);
    asynrole_addr_t source = tu_addr ("192.0.2.1:1000");
    int64_t t0 = 1000000;
    //  A new source starts full: 5 pass, the 6th does not
    assert_int_equal (rate_limit_tokens (limit, &source, t0), 5);
    for (int i = 0; i < 5; i++)
        assert_true (rate_limit_take (limit, &source, t0));
    assert_false (rate_limit_take (limit, &source, t0));
    assert_int_equal (rate_limit_sources (limit), 1);
    //  10 per second: one more after 100 ms, not before
    assert_false (rate_limit_take (limit, &source, t0 + 99999));
    assert_true (rate_limit_take (limit, &source, t0 + 100000));
    assert_false (rate_limit_take (limit, &source, t0 + 100000));
    assert_false (rate_limit_take (limit, &source, t0 + 199999));
    assert_true (rate_limit_take (limit, &source, t0 + 200000));
    //  Never more than burst, however long it waited
    int64_t later = t0 + 3600 * 1000000ll;
    assert_int_equal (rate_limit_tokens (limit, &source, later), 5);
    for (int i = 0; i < 5; i++)
        assert_true (rate_limit_take (limit, &source, later));
    assert_false (rate_limit_take (limit, &source, later));
    //  Partial tokens add up exactly: 0.4 + 0.6 of a token
    assert_false (rate_limit_take (limit, &source, later + 40000));
    assert_true (rate_limit_take (limit, &source, later + 100000));
    rate_limit_destroy (&limit);
    assert_null (limit);
    rate_limit_destroy (&limit);
}

//  Refills seen often, at steps that do not divide a token's time, add up
//  to exactly rate x time: no drift
static void
test_rate_no_drift (void **state)
{
    (void) state;
    struct {
        uint32_t rate;
        int64_t step_us;
    } cases[] = { { 3, 7 }, { 7, 1000 }, { 1000, 1 }, { 99991, 3 }, { 1, 999999 }, { 13, 76923 } };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        uint32_t rate = cases[c].rate;
        //  Room for more than a second's tokens, so that the cap never cuts
        rate_limit_t *limit = rate_limit_new (rate, rate + 10, 1, NULL);
        asynrole_addr_t source = s_v4 (0xc0000201, 1);
        for (uint32_t i = 0; i < rate + 10; i++)
            assert_true (rate_limit_take (limit, &source, 0));
        assert_false (rate_limit_take (limit, &source, 0));
        //  Seen every step for a second: rate tokens, taken or held
        uint64_t passed = 0;
        for (int64_t now = 0; now < 1000000;) {
            now = now + cases[c].step_us < 1000000 ? now + cases[c].step_us : 1000000;
            passed += rate_limit_take (limit, &source, now);
        }
        if (passed + rate_limit_tokens (limit, &source, 1000000) != rate)
            fail_msg ("rate %u, every %lld us: %llu passed", rate, (long long) cases[c].step_us,
                      (unsigned long long) passed);
        rate_limit_destroy (&limit);
    }
    //  Rate 3/s, seen every 7 us for 10 s: the 30th token is due at 10 s
    //  exactly, the last step before is at 9,999,997 us
    rate_limit_t *limit = rate_limit_new (3, 1000, 1, NULL);
    asynrole_addr_t source = s_v4 (0xc0000201, 1);
    for (int i = 0; i < 1000; i++)
        assert_true (rate_limit_take (limit, &source, 0));
    size_t passed = 0;
    for (int64_t now = 7; now <= 10 * 1000000ll; now += 7)
        passed += rate_limit_take (limit, &source, now);
    assert_int_equal (passed, 29);
    assert_true (rate_limit_take (limit, &source, 10 * 1000000ll));
    rate_limit_destroy (&limit);
}

static void
test_rate_sources (void **state)
{
    (void) state;
    rate_limit_t *limit = rate_limit_new (1, 2, 0, NULL);
    assert_non_null (limit);
    asynrole_addr_t a = tu_addr ("192.0.2.1:1");
    asynrole_addr_t b = tu_addr ("192.0.2.2:1");
    asynrole_addr_t c = tu_addr ("[2001:db8::1]:1");
    //  Separate sources are independent
    assert_true (rate_limit_take (limit, &a, 0));
    assert_true (rate_limit_take (limit, &a, 0));
    assert_false (rate_limit_take (limit, &a, 0));
    assert_true (rate_limit_take (limit, &b, 0));
    assert_true (rate_limit_take (limit, &c, 0));
    assert_true (rate_limit_take (limit, &c, 0));
    assert_false (rate_limit_take (limit, &c, 0));
    assert_true (rate_limit_take (limit, &b, 0));
    assert_false (rate_limit_take (limit, &b, 0));
    assert_int_equal (rate_limit_sources (limit), 3);
    //  Same IP, another port (or socket, or scope id): the same bucket
    const char *same[] = { "192.0.2.1:2",          "192.0.2.1:65535", "[::ffff:192.0.2.1]:3",
                           "[::ffff:192.0.2.2]:4", "[2001:db8::1]:5", "[2001:db8:0::1]:6" };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        asynrole_addr_t addr = tu_addr (same[i]);
        addr.via = (uint32_t) i + 1;
        if (rate_limit_take (limit, &addr, 0))
            fail_msg ("%s has a bucket of its own", same[i]);
    }
    asynrole_addr_t scoped = tu_addr ("[fe80::1%1]:1");
    assert_true (rate_limit_take (limit, &scoped, 0));
    assert_true (rate_limit_take (limit, &scoped, 0));
    scoped.u.in6.sin6_scope_id = 2;
    assert_false (rate_limit_take (limit, &scoped, 0));
    //  Not the same IP, whatever the bytes they share
    const char *others[] = { "[::192.0.2.1]:1",       "[64:ff9b::192.0.2.1]:1",
                             "[1::ffff:192.0.2.1]:1", "[2001:db8::1:0:0:1]:1",
                             "192.0.2.3:1",           "[2001:db8::2]:1" };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        asynrole_addr_t addr = tu_addr (others[i]);
        if (!rate_limit_take (limit, &addr, 0))
            fail_msg ("%s shares a bucket", others[i]);
    }
    assert_int_equal (rate_limit_sources (limit), 4 + 6);
    rate_limit_destroy (&limit);
}

static void
test_rate_other_addresses (void **state)
{
    (void) state;
    rate_limit_t *limit = rate_limit_new (1, 1, 0, NULL);
    asynrole_addr_t addr;
    memset (&addr, 0, sizeof addr);
    //  Not IPv4 or IPv6: no source, never limited, never tracked
    for (int i = 0; i < 10; i++) {
        assert_true (rate_limit_take (limit, &addr, 0));
        assert_true (rate_limit_take (limit, NULL, 0));
    }
    addr.u.sa.sa_family = AF_UNIX;
    addr.len = sizeof addr.u;
    assert_true (rate_limit_take (limit, &addr, 0));
    assert_true (rate_limit_take (limit, &addr, 0));
    addr = s_v4 (0x0a000001, 1);
    addr.len = 0;
    assert_true (rate_limit_take (limit, &addr, 0));
    assert_true (rate_limit_take (limit, &addr, 0));
    assert_int_equal (rate_limit_sources (limit), 0);
    assert_int_equal (rate_limit_tokens (limit, &addr, 0), 1);
    rate_limit_destroy (&limit);
}

static void
test_rate_eviction (void **state)
{
    (void) state;
    rate_limit_t *limit = rate_limit_new (1, 1, 3, NULL);
    asynrole_addr_t a = s_v4 (1, 1), b = s_v4 (2, 1), c = s_v4 (3, 1), d = s_v4 (4, 1);
    //  Each takes its one token: a drained source that is still tracked fails
    assert_true (rate_limit_take (limit, &a, 0));
    assert_true (rate_limit_take (limit, &b, 0));
    assert_true (rate_limit_take (limit, &c, 0));
    assert_int_equal (rate_limit_sources (limit), 3);
    //  Seen again (refused): a is now the most recent; b the least
    assert_false (rate_limit_take (limit, &a, 0));
    //  d takes b's bucket
    assert_true (rate_limit_take (limit, &d, 0));
    assert_int_equal (rate_limit_sources (limit), 3);
    assert_false (rate_limit_take (limit, &a, 0));  //  a, d, c: still tracked
    assert_false (rate_limit_take (limit, &c, 0));  //  c, a, d
    //  b comes back full, in d's place (the least recently seen)
    assert_true (rate_limit_take (limit, &b, 0));   //  b, c, a
    assert_true (rate_limit_take (limit, &d, 0));   //  d, b, c: a went
    assert_false (rate_limit_take (limit, &c, 0));  //  c, d, b
    assert_false (rate_limit_take (limit, &b, 0));  //  b, c, d
    assert_true (rate_limit_take (limit, &a, 0));   //  a, b, c: d went
    assert_false (rate_limit_take (limit, &b, 0));
    assert_false (rate_limit_take (limit, &c, 0));
    assert_int_equal (rate_limit_sources (limit), 3);
    rate_limit_destroy (&limit);

    //  One source at most: every new one takes the bucket
    limit = rate_limit_new (1, 1, 1, NULL);
    assert_true (rate_limit_take (limit, &a, 0));
    assert_false (rate_limit_take (limit, &a, 0));
    assert_true (rate_limit_take (limit, &b, 0));
    assert_true (rate_limit_take (limit, &a, 0));
    assert_false (rate_limit_take (limit, &a, 0));
    assert_int_equal (rate_limit_sources (limit), 1);
    rate_limit_destroy (&limit);

    //  The default: 65,536
    limit = rate_limit_new (1, 1, 0, NULL);
    for (uint32_t i = 0; i < 65537; i++) {
        asynrole_addr_t addr = s_v4 (0x0a000000 + i, 1);
        assert_true (rate_limit_take (limit, &addr, 0));
    }
    assert_int_equal (rate_limit_sources (limit), 65536);
    //  The first went (it came back full), the second is still there
    asynrole_addr_t second = s_v4 (0x0a000001, 1);
    assert_false (rate_limit_take (limit, &second, 0));
    asynrole_addr_t first = s_v4 (0x0a000000, 1);
    assert_true (rate_limit_take (limit, &first, 0));
    rate_limit_destroy (&limit);
}

static void
test_rate_clock_backwards (void **state)
{
    (void) state;
    rate_limit_t *limit = rate_limit_new (10, 5, 0, NULL);
    asynrole_addr_t source = s_v4 (0xc0000201, 1);
    int64_t t = 10 * 1000000ll;
    for (int i = 0; i < 5; i++)
        assert_true (rate_limit_take (limit, &source, t));
    //  Back a second, and a lot: nothing added, nothing broken
    assert_false (rate_limit_take (limit, &source, t - 1000000));
    assert_false (rate_limit_take (limit, &source, 0));
    assert_false (rate_limit_take (limit, &source, INT64_MIN));
    assert_int_equal (rate_limit_tokens (limit, &source, INT64_MIN), 0);
    //  Forward again: counted from the latest time seen, not the earlier
    assert_false (rate_limit_take (limit, &source, t + 99999));
    assert_true (rate_limit_take (limit, &source, t + 100000));
    assert_false (rate_limit_take (limit, &source, t + 100000));
    //  Back in the middle of a refill: the part already counted stays
    assert_false (rate_limit_take (limit, &source, t + 150000));
    assert_false (rate_limit_take (limit, &source, t + 120000));
    assert_true (rate_limit_take (limit, &source, t + 200000));
    //  A new source seen first in the past, then now: full, then refilled
    asynrole_addr_t other = s_v4 (0xc0000202, 1);
    assert_true (rate_limit_take (limit, &other, -5));
    assert_int_equal (rate_limit_tokens (limit, &other, -6), 4);
    assert_int_equal (rate_limit_tokens (limit, &other, 99995), 5);
    rate_limit_destroy (&limit);
}

static void
test_rate_idle_gap (void **state)
{
    (void) state;
    rate_limit_t *limit = rate_limit_new (1, 3, 0, NULL);
    asynrole_addr_t source = s_v4 (0xc0000201, 1);
    //  Seen at the earliest time there is, then at the latest
    for (int i = 0; i < 3; i++)
        assert_true (rate_limit_take (limit, &source, INT64_MIN));
    assert_false (rate_limit_take (limit, &source, INT64_MIN));
    assert_int_equal (rate_limit_tokens (limit, &source, INT64_MAX), 3);
    for (int i = 0; i < 3; i++)
        assert_true (rate_limit_take (limit, &source, INT64_MAX));
    assert_false (rate_limit_take (limit, &source, INT64_MAX));
    //  Ten years, from zero
    asynrole_addr_t other = s_v4 (0xc0000202, 1);
    for (int i = 0; i < 3; i++)
        assert_true (rate_limit_take (limit, &other, 0));
    int64_t years = 10 * 365 * 86400 * 1000000ll;
    assert_int_equal (rate_limit_tokens (limit, &other, years), 3);
    //  Just under one token, and exactly one (1 per second)
    assert_int_equal (rate_limit_tokens (limit, &other, 999999), 0);
    assert_int_equal (rate_limit_tokens (limit, &other, 1000000), 1);
    rate_limit_destroy (&limit);
}

static void
test_rate_huge (void **state)
{
    (void) state;
    //  A billion per second, burst UINT32_MAX: a microsecond adds 1,000
    rate_limit_t *limit = rate_limit_new (1000000000, UINT32_MAX, 0, NULL);
    assert_non_null (limit);
    asynrole_addr_t source = s_v4 (0xc0000201, 1);
    for (int i = 0; i < 5000; i++)
        assert_true (rate_limit_take (limit, &source, 0));
    assert_int_equal (rate_limit_tokens (limit, &source, 0), UINT32_MAX - 5000);
    assert_int_equal (rate_limit_tokens (limit, &source, 1), UINT32_MAX - 4000);
    assert_int_equal (rate_limit_tokens (limit, &source, 4), UINT32_MAX - 1000);
    assert_int_equal (rate_limit_tokens (limit, &source, 5), UINT32_MAX);
    assert_int_equal (rate_limit_tokens (limit, &source, INT64_MAX), UINT32_MAX);
    assert_true (rate_limit_take (limit, &source, INT64_MAX));
    assert_int_equal (rate_limit_tokens (limit, &source, INT64_MAX), UINT32_MAX - 1);
    rate_limit_destroy (&limit);

    //  Both at UINT32_MAX, over the largest gaps
    limit = rate_limit_new (UINT32_MAX, UINT32_MAX, 0, NULL);
    assert_true (rate_limit_take (limit, &source, INT64_MIN));
    assert_int_equal (rate_limit_tokens (limit, &source, INT64_MIN), UINT32_MAX - 1);
    assert_int_equal (rate_limit_tokens (limit, &source, INT64_MIN + 1), UINT32_MAX);
    assert_int_equal (rate_limit_tokens (limit, &source, INT64_MAX), UINT32_MAX);
    assert_int_equal (rate_limit_tokens (limit, &source, 0), UINT32_MAX);
    rate_limit_destroy (&limit);

    //  One per second, burst UINT32_MAX: slow refill, a vast bucket
    limit = rate_limit_new (1, UINT32_MAX, 0, NULL);
    assert_true (rate_limit_take (limit, &source, 0));
    assert_true (rate_limit_take (limit, &source, 0));
    assert_int_equal (rate_limit_tokens (limit, &source, 1999999), UINT32_MAX - 1);
    assert_int_equal (rate_limit_tokens (limit, &source, 2000000), UINT32_MAX);
    assert_int_equal (rate_limit_tokens (limit, &source, INT64_MAX), UINT32_MAX);
    rate_limit_destroy (&limit);

    //  A billion per second, burst 1: a millionth of a second refills it
    limit = rate_limit_new (1000000000, 1, 0, NULL);
    assert_true (rate_limit_take (limit, &source, 100));
    assert_false (rate_limit_take (limit, &source, 100));
    assert_true (rate_limit_take (limit, &source, 101));
    assert_false (rate_limit_take (limit, &source, 101));
    rate_limit_destroy (&limit);
}

static void
test_rate_bad_args (void **state)
{
    (void) state;
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    assert_null (rate_limit_new (0, 5, 0, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_non_null (strstr (error.detail, "rate 0"));
    memset (&error, 0, sizeof error);
    assert_null (rate_limit_new (5, 0, 0, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_non_null (strstr (error.detail, "burst 0"));
    assert_null (rate_limit_new (0, 0, 0, NULL));
    memset (&error, 0, sizeof error);
    assert_null (rate_limit_new (1, 1, RATE_LIMIT_SOURCES_MAX + 1, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_non_null (strstr (error.detail, "16777217"));
    assert_null (rate_limit_new (1, 1, SIZE_MAX, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    //  The largest is taken (1.3 GB of address space, hardly touched)
    rate_limit_t *limit = rate_limit_new (1, 1, RATE_LIMIT_SOURCES_MAX, &error);
    assert_non_null (limit);
    asynrole_addr_t source = s_v4 (1, 1);
    assert_true (rate_limit_take (limit, &source, 0));
    assert_false (rate_limit_take (limit, &source, 0));
    rate_limit_destroy (&limit);
}

//  -------------------------------------------------------------------------
//  Rate limits: against a reference

//  The reference: arrays scanned in full; eviction by the oldest stamp;
//  tokens in millionths with 128-bit arithmetic, clamped
typedef struct {
    uint32_t source;
    uint64_t stamp;  //  when last seen (a counter)
    unsigned __int128 level;
    int64_t at_us;
} ref_bucket_t;

typedef struct {
    ref_bucket_t *buckets;
    size_t count, max;
    uint64_t rate, burst, stamp;
} ref_limit_t;

static bool
s_ref_take (ref_limit_t *self, uint32_t source, int64_t now_us)
{
    const unsigned __int128 capacity = (unsigned __int128) self->burst * 1000000;
    ref_bucket_t *bucket = NULL;
    for (size_t i = 0; i < self->count && !bucket; i++)
        if (self->buckets[i].source == source)
            bucket = &self->buckets[i];
    if (!bucket) {
        size_t at = self->count;
        if (self->count < self->max)
            self->count++;
        else
            for (size_t i = at = 0; i < self->count; i++)
                if (self->buckets[i].stamp < self->buckets[at].stamp)
                    at = i;
        bucket = &self->buckets[at];
        *bucket = (ref_bucket_t){ source, 0, capacity, now_us };
    }
    if (now_us > bucket->at_us) {
        unsigned __int128 elapsed = (unsigned __int128) ((__int128) now_us - bucket->at_us);
        bucket->level += elapsed * self->rate;
        if (bucket->level > capacity)
            bucket->level = capacity;
        bucket->at_us = now_us;
    }
    bucket->stamp = ++self->stamp;
    if (bucket->level < 1000000)
        return false;
    bucket->level -= 1000000;
    return true;
}

//  Source number n as an address: IPv4, v4-mapped (the same source), or
//  IPv6 differing from another only in the first or in the last 8 bytes
static asynrole_addr_t
s_source (uint32_t n, uint64_t *seed)
{
    switch (n % 3) {
        case 0:
            return s_below (seed, 2) ? s_v4 (n, (uint16_t) n)
                                     : s_mapped (n, (uint16_t) s_next (seed));
        case 1: return s_v6 (0x20010db800000000ull, n, 1);
        default: return s_v6 (0x20010db800000000ull | n, 1, 2);
    }
}

static void
s_against_reference (bool collide, uint32_t rate, uint32_t burst, size_t max, uint32_t sources,
                     size_t takes)
{
    rate_limit_t *limit = rate_limit_new (rate, burst, max, NULL);
    assert_non_null (limit);
    if (collide)
        rate_limit_test_collide (limit);
    ref_limit_t ref = { calloc (max, sizeof (ref_bucket_t)), 0, max, rate, burst, 0 };
    assert_non_null (ref.buckets);
    uint64_t seed = 99 + collide;
    int64_t now = 0;
    for (size_t i = 0; i < takes; i++) {
        //  Mostly forward by up to 1 ms, sometimes back, sometimes far
        uint64_t kind = s_below (&seed, 100);
        if (kind < 90)
            now += (int64_t) s_below (&seed, 1000);
        else if (kind < 97)
            now -= (int64_t) s_below (&seed, 100000);
        else
            now += (int64_t) s_below (&seed, 10000000);
        uint32_t source = (uint32_t) s_below (&seed, sources) + 1;
        asynrole_addr_t addr = s_source (source, &seed);
        bool expected = s_ref_take (&ref, source, now);
        if (rate_limit_take (limit, &addr, now) != expected)
            fail_msg ("take %zu (source %u at %lld): expected %d", i, source, (long long) now,
                      expected);
        assert_int_equal (rate_limit_sources (limit), ref.count);
    }
    free (ref.buckets);
    rate_limit_destroy (&limit);
}

static void
test_rate_reference (void **state)
{
    (void) state;
    s_against_reference (false, 1000, 5, 100, 300, 200000);
    s_against_reference (false, 3, 2, 1000, 1200, 100000);
}

//  Every address hashes alike: only the full comparison tells sources
//  apart, every cluster is one, and removals shift it back
static void
test_rate_collisions (void **state)
{
    (void) state;
    rate_limit_t *limit = rate_limit_new (1, 1, 16, NULL);
    rate_limit_test_collide (limit);
    uint64_t seed = 5;
    //  16 sources, each its own bucket
    for (uint32_t n = 1; n <= 16; n++) {
        asynrole_addr_t addr = s_source (n, &seed);
        assert_true (rate_limit_take (limit, &addr, 0));
    }
    for (uint32_t n = 1; n <= 16; n++) {
        asynrole_addr_t addr = s_source (n, &seed);
        assert_false (rate_limit_take (limit, &addr, 0));
    }
    //  48 more, each taking the least recent one's bucket
    for (uint32_t n = 17; n <= 64; n++) {
        asynrole_addr_t addr = s_source (n, &seed);
        assert_true (rate_limit_take (limit, &addr, 0));
        assert_false (rate_limit_take (limit, &addr, 0));
    }
    assert_int_equal (rate_limit_sources (limit), 16);
    for (uint32_t n = 49; n <= 64; n++) {
        asynrole_addr_t addr = s_source (n, &seed);
        assert_false (rate_limit_take (limit, &addr, 0));
    }
    for (uint32_t n = 1; n <= 16; n++) {
        asynrole_addr_t addr = s_source (n, &seed);
        assert_true (rate_limit_take (limit, &addr, 0));
    }
    rate_limit_destroy (&limit);
    //  And at random, against the reference
    s_against_reference (true, 1000, 3, 50, 120, 50000);
}

//  A million takes from 100,000 random sources, 1,000 tracked. Half of
//  the takes come from 200 of them, which are limited: 10 each at once,
//  then 100 per second over the run's second, and 10 more whenever one was
//  unseen long enough for the others to push it out (about 2% of its
//  takes come after such a gap)
static void
test_rate_many_sources (void **state)
{
    (void) state;
    rate_limit_t *limit = rate_limit_new (100, 10, 1000, NULL);
    assert_non_null (limit);
    uint64_t seed = 11;
    uint64_t *sources = malloc (100000 * sizeof *sources);
    assert_non_null (sources);
    for (size_t i = 0; i < 100000; i++)
        sources[i] = s_next (&seed);
    size_t passed[2] = { 0, 0 };
    for (int64_t i = 0; i < 1000000; i++) {
        uint64_t n = sources[s_below (&seed, i % 2 ? 200 : 100000)];
        asynrole_addr_t addr =
            n & 1 ? s_v4 ((uint32_t) (n >> 32), 1) : s_v6 (0x20010db800000000ull | (n >> 40), n, 1);
        passed[i % 2] += rate_limit_take (limit, &addr, i);
        assert_true (rate_limit_sources (limit) <= 1000);
    }
    assert_int_equal (rate_limit_sources (limit), 1000);
    print_message ("passed: %zu of the 500,000 takes of 200 sources, %zu of the others\n",
                   passed[1], passed[0]);
    assert_in_range (passed[1], 200 * 110, 200 * (110 + 2500 / 20 * 10));
    assert_in_range (passed[0], 495000, 500000);
    free (sources);
    rate_limit_destroy (&limit);
}

//  What a take costs with 65,536 sources tracked (printed)
static void
test_rate_cost (void **state)
{
    (void) state;
    const size_t sources = 65536, count = 1 << 20;
    rate_limit_t *limit = rate_limit_new (1000, 100, sources, NULL);
    asynrole_addr_t *addrs = malloc (sources * sizeof *addrs);
    uint32_t *order = malloc (count * sizeof *order);
    assert_true (limit && addrs && order);
    uint64_t seed = 3;
    for (size_t i = 0; i < sources; i++)
        addrs[i] = i % 2 ? s_v4 ((uint32_t) i * 2654435761u, 1)  //  distinct
                         : s_v6 (0x20010db800000000ull, s_next (&seed), 1);
    for (size_t i = 0; i < count; i++)
        order[i] = (uint32_t) s_below (&seed, sources);
    for (size_t i = 0; i < sources; i++)
        rate_limit_take (limit, &addrs[i], 0);
    assert_int_equal (rate_limit_sources (limit), sources);
    //  Sources at random, for a quarter of a second whatever the build
    size_t passed = 0, takes = 0;
    double start = s_seconds (), took = 0;
    for (; took < 0.25; took = s_seconds () - start)
        for (size_t i = 0; i < 4096; i++, takes++)
            passed += rate_limit_take (limit, &addrs[order[takes % count]], (int64_t) takes);
    print_message ("rate_limit_take, %zu sources tracked: %.0f ns (%zu of %zu passed)\n", sources,
                   took * 1e9 / (double) takes, passed, takes);
    //  A new source each time, evicting the least recently seen
    start = s_seconds ();
    for (takes = 0, took = 0; took < 0.25; took = s_seconds () - start)
        for (size_t i = 0; i < 4096; i++, takes++) {
            asynrole_addr_t addr = s_v4 ((uint32_t) (0x0b000000 + takes), 1);
            rate_limit_take (limit, &addr, 0);
        }
    print_message ("rate_limit_take, a new source each time (evicting): %.0f ns\n",
                   took * 1e9 / (double) takes);
    assert_int_equal (rate_limit_sources (limit), sources);
    free (addrs);
    free (order);
    rate_limit_destroy (&limit);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_prefix_parse_errors),
        cmocka_unit_test (test_prefix_parse_forms),
        cmocka_unit_test (test_prefix_match_v4),
        cmocka_unit_test (test_prefix_match_v6),
        cmocka_unit_test (test_prefix_match_v4_mapped),
        cmocka_unit_test (test_prefix_match_other_addresses),
        cmocka_unit_test (test_prefix_random),
        cmocka_unit_test (test_prefix_cost),
        cmocka_unit_test (test_rate_burst_refill),
        cmocka_unit_test (test_rate_no_drift),
        cmocka_unit_test (test_rate_sources),
        cmocka_unit_test (test_rate_other_addresses),
        cmocka_unit_test (test_rate_eviction),
        cmocka_unit_test (test_rate_clock_backwards),
        cmocka_unit_test (test_rate_idle_gap),
        cmocka_unit_test (test_rate_huge),
        cmocka_unit_test (test_rate_bad_args),
        cmocka_unit_test (test_rate_reference),
        cmocka_unit_test (test_rate_collisions),
        cmocka_unit_test (test_rate_many_sources),
        cmocka_unit_test (test_rate_cost),
    };
    return tu_main (tests, argc, argv);
}
