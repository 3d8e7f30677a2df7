/*  snmp_oid.h - OBJECT IDENTIFIER helpers for the SNMP examples: text,
    ordering, prefixes

    Example code, not part of libasynrole. The OID type (snmp_oid_t: arcs
    and a length, at most SNMP_OID_MAX arcs) is in ber.h.
*/
#ifndef SNMP_OID_H_INCLUDED
#define SNMP_OID_H_INCLUDED

#include "ber.h"

//  Parse dotted decimal, with or without the leading dot: ".1.3.6.1.2.1.1.1.0"
//  or "1.3.6.1.2.1.1.1.0". Refused (oid untouched): NULL or empty text, an
//  empty arc ("1..3", "1.3."), anything but digits and dots, an arc past
//  4294967295, fewer than two arcs, a first arc above 2 or, under 0 and 1,
//  a second arc above 39 (SNMP_EBADOID); more than SNMP_OID_MAX arcs
//  (SNMP_EOIDTOOLONG).
snmp_err_t snmp_oid_parse (snmp_oid_t *oid, const char *text);

//  Set oid to count arcs (SNMP_EOIDTOOLONG past SNMP_OID_MAX, oid untouched)
snmp_err_t snmp_oid_set (snmp_oid_t *oid, const uint32_t *arcs, size_t count);

//  Append one arc (SNMP_EOIDTOOLONG when oid is full)
snmp_err_t snmp_oid_append (snmp_oid_t *oid, uint32_t arc);

//  Write ".1.3.6.1..." (net-snmp's -On form) into buf, always terminated
//  when size > 0. Returns the length of the whole text, as snprintf does:
//  the text was cut when that is >= size. An empty OID is "" (length 0).
size_t snmp_oid_format (const snmp_oid_t *oid, char *buf, size_t size);

//  Longest text of an OID, with its terminating NUL: 11 characters per arc
#define SNMP_OID_TEXT_MAX (SNMP_OID_MAX * 11 + 1)

//  Lexicographic order, arc by arc, a prefix before what extends it (the
//  order of GETNEXT): < 0, 0 or > 0 as a is before, equal to or after b
int snmp_oid_compare (const snmp_oid_t *a, const snmp_oid_t *b);

//  Is prefix a prefix of oid (equal counts)? For walks: a walk of a
//  subtree ends at the first OID that the subtree's root is not a prefix of
bool snmp_oid_is_prefix (const snmp_oid_t *prefix, const snmp_oid_t *oid);

#endif
