/*  prefix_set.h - a set of IPv4 and IPv6 address prefixes (CIDR)

    Made once from text, then asked, for every received datagram, whether
    its source is in the set: lookups never allocate, take no lock, and
    cost a binary search per distinct prefix length of the address's
    family (not a scan of the prefixes).

    An IPv4 address and its v4-mapped form (::ffff:a.b.c.d) are one
    address: either is matched by the IPv4 prefixes that hold it and by the
    IPv6 prefixes that hold its v4-mapped form (::ffff:0:0/96, ::/0,
    ::ffff:10.0.0.0/104 = 10.0.0.0/8). So a peer gets the same answer
    whether it came in on an IPv4 socket or on a dual-stack IPv6 one. */
#ifndef ASYNROLE_PREFIX_SET_H_INCLUDED
#define ASYNROLE_PREFIX_SET_H_INCLUDED

#include "asynrole_types.h"
#include <stdbool.h>
#include <stddef.h>

typedef struct prefix_set_s prefix_set_t;

//  Parse count prefixes: "10.0.0.0/8", "192.0.2.1" (/32), "2001:db8::/32",
//  "::1" (/128); numeric only (inet_pton), no names, no scope ids, no
//  whitespace. Duplicates are allowed. NULL with ASYNROLE_EBADARG naming
//  the entry (its index, and its text quoted) and the reason (NULL, not an
//  address, a length not a plain decimal or out of range, host bits set
//  beyond the length - the detail says which prefix was probably meant),
//  or ASYNROLE_ENOMEM. count 0 makes an empty set (prefixes may be NULL).
prefix_set_t *prefix_set_new (const char *const *prefixes, size_t count, asynrole_error_t *error);
void prefix_set_destroy (prefix_set_t **self_p);

//  Does a prefix hold addr's IP (port, scope id and via ignored)? An
//  address of another family, an empty one, or NULL is in no set. Never
//  allocates; cost grows with the distinct prefix lengths, not the count.
bool prefix_set_match (const prefix_set_t *self, const asynrole_addr_t *addr);

//  Distinct prefixes in the set, as given ("10.0.0.0/8" twice counts once;
//  "10.0.0.0/8" and "::ffff:10.0.0.0/104" count twice)
size_t prefix_set_count (const prefix_set_t *self);

#endif
