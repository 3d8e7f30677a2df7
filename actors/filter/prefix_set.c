/*  prefix_set.c - a set of IPv4 and IPv6 address prefixes (CIDR)

    Every address is held as 128 bits, left-aligned: an IPv6 address as it
    is, an IPv4 address in the top 32 bits. The prefixes are in two tables:
    the IPv4 one and the IPv6 one. A table has a level per distinct prefix
    length it holds, and a level is the sorted array of the networks (the
    addresses with their host bits cleared) of its prefixes. A lookup masks
    the address to each level's length in turn and binary-searches that
    level: O(lengths x log prefixes), on one block of memory taken in _new.

    An IPv4 address and its v4-mapped form are one address, and a lookup
    reads one table: the IPv4 one for an IPv4 or v4-mapped address, the
    IPv6 one for any other IPv6 address. For that, the IPv4 table also holds
    each IPv6 prefix that holds v4-mapped addresses (::ffff:0:0/96), as the
    IPv4 prefix of the addresses it holds: ::ffff:10.0.0.0/104 is also
    10.0.0.0/8; ::/0 and ::/80 also 0.0.0.0/0. */
#include "prefix_set.h"
#include "error_fill.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The tables: IPv4 and v4-mapped addresses, other IPv6 addresses
#define TABLE_V4 0
#define TABLE_V6 1

//  Longest IPv6 prefix, so that a table has at most this + 1 lengths
#define LENGTH_MAX 128

typedef struct {
    uint64_t hi;  //  bits 127..64 (the first byte of the address on top)
    uint64_t lo;  //  bits 63..0
} bits_t;

//  A parsed prefix, while the set is made
typedef struct {
    bits_t net;      //  the network: host bits cleared
    uint8_t table;   //  TABLE_V4 or TABLE_V6
    uint8_t length;  //  network bits
} entry_t;

typedef struct {
    bits_t mask;         //  the level's network bits
    const bits_t *nets;  //  sorted, distinct
    size_t count;
} level_t;

typedef struct {
    level_t levels[LENGTH_MAX + 1];  //  shortest length first
    size_t count;                    //  levels in use
} table_t;

struct prefix_set_s {
    table_t tables[2];  //  TABLE_V4, TABLE_V6
    bits_t *nets;       //  every level's networks, one block
    size_t count;       //  distinct prefixes as given
};

//  -------------------------------------------------------------------------
//  128-bit values

static bits_t
s_mask (unsigned length)
{
    bits_t mask = { 0, 0 };
    //  Shifts by 64 are undefined: the full words are set apart
    if (length > 0)
        mask.hi = length >= 64 ? UINT64_MAX : UINT64_MAX << (64 - length);
    if (length > 64)
        mask.lo = length >= 128 ? UINT64_MAX : UINT64_MAX << (128 - length);
    return mask;
}

static inline bits_t
s_and (bits_t a, bits_t b)
{
    return (bits_t){ a.hi & b.hi, a.lo & b.lo };
}

static inline int
s_order (bits_t a, bits_t b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo)
        return a.lo < b.lo ? -1 : 1;
    return 0;
}

static uint64_t
s_load (const uint8_t *bytes)
{
    uint64_t value = 0;
    for (int i = 0; i < 8; i++)
        value = value << 8 | bytes[i];
    return value;
}

static void
s_store (uint64_t value, uint8_t *bytes)
{
    for (int i = 7; i >= 0; i--, value >>= 8)
        bytes[i] = (uint8_t) value;
}

//  Bits of an IPv4 address (network order) and of an IPv6 address
static inline bits_t
s_from_v4 (const void *in_addr)
{
    const uint8_t *bytes = in_addr;
    uint64_t value =
        (uint64_t) bytes[0] << 24 | (uint64_t) bytes[1] << 16 | (uint64_t) bytes[2] << 8 | bytes[3];
    return (bits_t){ value << 32, 0 };
}

static inline bits_t
s_from_v6 (const void *in6_addr)
{
    const uint8_t *bytes = in6_addr;
    return (bits_t){ s_load (bytes), s_load (bytes + 8) };
}

//  -------------------------------------------------------------------------
//  Parsing

//  A refused prefix: the reason, then which entry and its text
static int
s_bad (asynrole_error_t *error, const char *reason, size_t index, const char *text)
{
    char quoted[ERROR_QUOTE_MAX];
    return error_badarg (error, "%s: prefixes[%zu] %s", reason, index,
                         error_quote (text, quoted, sizeof quoted));
}

//  The length after the '/': digits only, no sign, no leading zero (is
//  "010" ten or eight?), at most longest
static int
s_parse_length (const char *digits, unsigned longest, unsigned *length, size_t index,
                const char *text, asynrole_error_t *error)
{
    size_t count = strspn (digits, "0123456789");
    if (count == 0 || digits[count] != 0 || (digits[0] == '0' && count > 1))
        return s_bad (error, "length not a plain decimal number", index, text);
    unsigned value = 0;
    for (size_t i = 0; i < count && value <= LENGTH_MAX; i++)
        value = value * 10 + (unsigned) (digits[i] - '0');
    if (value > longest) {
        char reason[64];
        snprintf (reason, sizeof reason, "length out of range 0..%u", longest);
        return s_bad (error, reason, index, text);
    }
    *length = value;
    return 0;
}

//  Host bits set: say which prefix was probably meant
static int
s_host_bits (const entry_t *entry, size_t index, const char *text, asynrole_error_t *error)
{
    uint8_t bytes[16];
    s_store (entry->net.hi, bytes);
    s_store (entry->net.lo, bytes + 8);
    char meant[INET6_ADDRSTRLEN];
    inet_ntop (entry->table == TABLE_V4 ? AF_INET : AF_INET6, bytes, meant, sizeof meant);
    char reason[INET6_ADDRSTRLEN + 64];
    snprintf (reason, sizeof reason, "host bits set beyond /%u (meant %s/%u?)", entry->length,
              meant, entry->length);
    return s_bad (error, reason, index, text);
}

static int
s_parse (const char *text, size_t index, entry_t *entry, asynrole_error_t *error)
{
    if (!text)
        return error_badarg (error, "a NULL prefix: prefixes[%zu]", index);
    size_t size = strlen (text);
    if (size > 0 && (isspace ((unsigned char) text[0]) || isspace ((unsigned char) text[size - 1])))
        return s_bad (error, "whitespace around the prefix", index, text);
    const char *slash = strchr (text, '/');
    size_t address_size = slash ? (size_t) (slash - text) : size;
    char address[INET6_ADDRSTRLEN];
    uint8_t bytes[16];
    bool is_v6 = memchr (text, ':', address_size) != NULL;
    if (address_size >= sizeof address)
        return s_bad (error, "not an IPv4 or IPv6 address", index, text);
    memcpy (address, text, address_size);
    address[address_size] = 0;
    if (inet_pton (is_v6 ? AF_INET6 : AF_INET, address, bytes) != 1)
        return s_bad (error, "not an IPv4 or IPv6 address", index, text);
    unsigned length = is_v6 ? 128 : 32;
    if (slash && s_parse_length (slash + 1, length, &length, index, text, error))
        return -1;
    bits_t bits = is_v6 ? s_from_v6 (bytes) : s_from_v4 (bytes);
    *entry =
        (entry_t){ s_and (bits, s_mask (length)), is_v6 ? TABLE_V6 : TABLE_V4, (uint8_t) length };
    if (s_order (entry->net, bits) != 0)
        return s_host_bits (entry, index, text, error);
    return 0;
}

//  -------------------------------------------------------------------------
//  Making the set

static int
s_compare (const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    if (x->table != y->table)
        return x->table < y->table ? -1 : 1;
    if (x->length != y->length)
        return x->length < y->length ? -1 : 1;
    return s_order (x->net, y->net);
}

//  Sort by table, length, network; drop duplicates. Returns the count left.
static size_t
s_sort_unique (entry_t *entries, size_t count)
{
    qsort (entries, count, sizeof *entries, s_compare);
    size_t kept = 0;
    for (size_t i = 0; i < count; i++)
        if (kept == 0 || s_compare (&entries[kept - 1], &entries[i]) != 0)
            entries[kept++] = entries[i];
    return kept;
}

//  The IPv4 prefix of the v4-mapped addresses an IPv6 prefix holds, if it
//  holds any
static bool
s_fold (const entry_t *entry, entry_t *folded)
{
    const bits_t mapped = { 0, 0x0000ffff00000000ull };  //  ::ffff:0:0/96
    if (entry->length >= 96) {
        if (s_order (s_and (entry->net, s_mask (96)), mapped) != 0)
            return false;
        *folded = (entry_t){ { entry->net.lo << 32, 0 }, TABLE_V4, (uint8_t) (entry->length - 96) };
        return true;
    }
    //  Shorter: holds all of them, or none
    if (s_order (s_and (mapped, s_mask (entry->length)), entry->net) != 0)
        return false;
    *folded = (entry_t){ { 0, 0 }, TABLE_V4, 0 };
    return true;
}

//  Lay the sorted entries out as levels
static void
s_build (prefix_set_t *self, const entry_t *entries, size_t count)
{
    level_t *level = NULL;
    for (size_t i = 0; i < count; i++) {
        self->nets[i] = entries[i].net;
        if (i == 0 || entries[i].table != entries[i - 1].table
            || entries[i].length != entries[i - 1].length) {
            table_t *table = &self->tables[entries[i].table];
            level = &table->levels[table->count++];
            *level = (level_t){ s_mask (entries[i].length), &self->nets[i], 0 };
        }
        level->count++;
    }
}

prefix_set_t *
prefix_set_new (const char *const *prefixes, size_t count, asynrole_error_t *error)
{
    if (!prefixes && count > 0) {
        error_badarg (error, "prefixes is NULL, count %zu", count);
        return NULL;
    }
    //  Room for each prefix and for its IPv4 form (+ 1: never malloc (0))
    entry_t *entries = NULL;
    if (count < SIZE_MAX / 2 / sizeof *entries)
        entries = malloc ((2 * count + 1) * sizeof *entries);
    prefix_set_t *self = calloc (1, sizeof *self);
    if (!entries || !self) {
        error_nomem (error, "a prefix set");
        goto failed;
    }
    for (size_t i = 0; i < count; i++)
        if (s_parse (prefixes[i], i, &entries[i], error))
            goto failed;
    self->count = s_sort_unique (entries, count);
    size_t total = self->count;
    for (size_t i = 0; i < self->count; i++)
        if (entries[i].table == TABLE_V6 && s_fold (&entries[i], &entries[total]))
            total++;
    total = s_sort_unique (entries, total);
    self->nets = malloc ((total + 1) * sizeof *self->nets);
    if (!self->nets) {
        error_nomem (error, "a prefix set");
        goto failed;
    }
    s_build (self, entries, total);
    free (entries);
    return self;
failed:
    free (entries);
    prefix_set_destroy (&self);
    return NULL;
}

void
prefix_set_destroy (prefix_set_t **self_p)
{
    prefix_set_t *self = *self_p;
    *self_p = NULL;
    if (self) {
        free (self->nets);
        free (self);
    }
}

//  -------------------------------------------------------------------------
//  Lookups

//  Is net one of the level's networks?
static bool
s_level_has (const level_t *level, bits_t net)
{
    size_t low = 0;
    size_t high = level->count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        int order = s_order (level->nets[middle], net);
        if (order == 0)
            return true;
        if (order < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return false;
}

//  The table to read for addr, and its bits; -1 when it has no IP
static int
s_table_of (const asynrole_addr_t *addr, bits_t *bits)
{
    int family = asynrole_addr_family (addr);
    if (family == AF_INET && addr->len >= sizeof addr->u.in) {
        *bits = s_from_v4 (&addr->u.in.sin_addr);
        return TABLE_V4;
    }
    if (family == AF_INET6 && addr->len >= sizeof addr->u.in6) {
        const struct in6_addr *in6 = &addr->u.in6.sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED (in6)) {
            *bits = s_from_v4 (&in6->s6_addr[12]);
            return TABLE_V4;
        }
        *bits = s_from_v6 (in6);
        return TABLE_V6;
    }
    return -1;
}

bool
prefix_set_match (const prefix_set_t *self, const asynrole_addr_t *addr)
{
    bits_t bits;
    int which = self ? s_table_of (addr, &bits) : -1;
    if (which < 0)
        return false;
    const table_t *table = &self->tables[which];
    for (size_t i = 0; i < table->count; i++)
        if (s_level_has (&table->levels[i], s_and (bits, table->levels[i].mask)))
            return true;
    return false;
}

size_t
prefix_set_count (const prefix_set_t *self)
{
    return self ? self->count : 0;
}
