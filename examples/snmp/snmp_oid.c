/*  snmp_oid.c - OID text, ordering and prefixes (see snmp_oid.h)
*/
#include "snmp_oid.h"
#include <string.h>

//  One arc of decimal digits at *text, moving past it; false when there is
//  no digit or the arc does not fit 32 bits
static bool
s_parse_arc (const char **text, uint32_t *arc)
{
    const char *p = *text;
    uint64_t value = 0;
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9') {
        value = value * 10 + (uint64_t) (*p - '0');
        if (value > UINT32_MAX)
            return false;
        p++;
    }
    *text = p;
    *arc = (uint32_t) value;
    return true;
}

snmp_err_t
snmp_oid_parse (snmp_oid_t *oid, const char *text)
{
    if (oid == NULL || text == NULL)
        return SNMP_EBADARG;
    snmp_oid_t out;
    out.len = 0;
    const char *p = text;
    if (*p == '.')
        p++;
    while (true) {
        uint32_t arc;
        if (!s_parse_arc (&p, &arc))
            return SNMP_EBADOID;
        if (out.len == SNMP_OID_MAX)
            return SNMP_EOIDTOOLONG;
        out.arcs[out.len++] = arc;
        if (*p == '\0')
            break;
        if (*p != '.')
            return SNMP_EBADOID;
        p++;
    }
    //  What BER can encode (X.690 8.19.4)
    if (out.len < 2 || out.arcs[0] > 2 || (out.arcs[0] < 2 && out.arcs[1] >= 40))
        return SNMP_EBADOID;
    return snmp_oid_set (oid, out.arcs, out.len);
}

snmp_err_t
snmp_oid_set (snmp_oid_t *oid, const uint32_t *arcs, size_t count)
{
    if (oid == NULL || (arcs == NULL && count > 0))
        return SNMP_EBADARG;
    if (count > SNMP_OID_MAX)
        return SNMP_EOIDTOOLONG;
    if (count)
        memmove (oid->arcs, arcs, count * sizeof arcs[0]);
    oid->len = count;
    return SNMP_OK;
}

snmp_err_t
snmp_oid_append (snmp_oid_t *oid, uint32_t arc)
{
    if (oid == NULL)
        return SNMP_EBADARG;
    if (oid->len >= SNMP_OID_MAX)
        return SNMP_EOIDTOOLONG;
    oid->arcs[oid->len++] = arc;
    return SNMP_OK;
}

size_t
snmp_oid_format (const snmp_oid_t *oid, char *buf, size_t size)
{
    size_t total = 0;
    if (size > 0)
        buf[0] = '\0';
    for (size_t i = 0; oid && i < oid->len && i < SNMP_OID_MAX; i++) {
        //  ".", then the digits, written backwards from the end of arc
        char arc[12];
        size_t at = sizeof arc;
        uint32_t value = oid->arcs[i];
        do
            arc[--at] = (char) ('0' + value % 10);
        while (value /= 10);
        arc[--at] = '.';
        for (; at < sizeof arc; at++, total++)
            if (total + 1 < size)
                buf[total] = arc[at];
    }
    if (size > 0)
        buf[total < size ? total : size - 1] = '\0';
    return total;
}

int
snmp_oid_compare (const snmp_oid_t *a, const snmp_oid_t *b)
{
    size_t common = a->len < b->len ? a->len : b->len;
    for (size_t i = 0; i < common; i++)
        if (a->arcs[i] != b->arcs[i])
            return a->arcs[i] < b->arcs[i] ? -1 : 1;
    return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

bool
snmp_oid_is_prefix (const snmp_oid_t *prefix, const snmp_oid_t *oid)
{
    if (prefix->len > oid->len)
        return false;
    for (size_t i = 0; i < prefix->len; i++)
        if (prefix->arcs[i] != oid->arcs[i])
            return false;
    return true;
}
