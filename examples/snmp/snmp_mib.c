/*  snmp_mib.c - the example agent's MIB (see snmp_mib.h)
*/
#include "snmp_mib.h"
#include <assert.h>
#include <string.h>

typedef enum {
    S_STRING,
    S_OID,
    S_TICKS,
    S_INTEGER
} s_kind_t;

//  One instance: its name (an object type and a one-arc index) and value
typedef struct {
    uint32_t arcs[11];
    size_t len;
    s_kind_t kind;
    int32_t integer;
    const char *text;  //  S_STRING, S_OID
} s_entry_t;

#define S_SYS(n) { 1, 3, 6, 1, 2, 1, 1, n, 0 }, 9
#define S_IF(col, row) { 1, 3, 6, 1, 2, 1, 2, 2, 1, col, row }, 11

//  In GETNEXT order (a test checks it)
static const s_entry_t s_entries[] = {
    { S_SYS (1), S_STRING, 0, SNMP_MIB_SYS_DESCR },
    { S_SYS (2), S_OID, 0, SNMP_MIB_SYS_OBJECT_ID },
    { S_SYS (3), S_TICKS, 0, NULL },
    { S_SYS (4), S_STRING, 0, SNMP_MIB_SYS_CONTACT },
    { S_SYS (5), S_STRING, 0, SNMP_MIB_SYS_NAME },
    { S_SYS (6), S_STRING, 0, SNMP_MIB_SYS_LOCATION },
    { S_SYS (7), S_INTEGER, SNMP_MIB_SYS_SERVICES, NULL },
    { { 1, 3, 6, 1, 2, 1, 2, 1, 0 }, 9, S_INTEGER, SNMP_MIB_IF_NUMBER, NULL },
    { S_IF (1, 1), S_INTEGER, 1, NULL },
    { S_IF (1, 2), S_INTEGER, 2, NULL },
    { S_IF (1, 3), S_INTEGER, 3, NULL },
    { S_IF (2, 1), S_STRING, 0, "lo" },
    { S_IF (2, 2), S_STRING, 0, "eth0" },
    { S_IF (2, 3), S_STRING, 0, "eth1" },
    { S_IF (3, 1), S_INTEGER, 24, NULL },  //  softwareLoopback
    { S_IF (3, 2), S_INTEGER, 6, NULL },   //  ethernetCsmacd
    { S_IF (3, 3), S_INTEGER, 6, NULL },
};
#define S_COUNT (sizeof s_entries / sizeof s_entries[0])

size_t
snmp_mib_count (void)
{
    return S_COUNT;
}

static snmp_value_t
s_value (const s_entry_t *entry, uint32_t uptime)
{
    switch (entry->kind) {
        case S_STRING: return snmp_value_string (entry->text, strlen (entry->text));
        case S_TICKS: return snmp_value_unsigned (SNMP_TYPE_TIMETICKS, uptime);
        case S_INTEGER: return snmp_value_integer (entry->integer);
        case S_OID: break;
    }
    snmp_oid_t oid;
    snmp_err_t err = snmp_oid_parse (&oid, entry->text);
    assert (err == SNMP_OK);
    (void) err;
    return snmp_value_oid (&oid);
}

void
snmp_mib_entry (size_t index, uint32_t uptime, snmp_varbind_t *varbind)
{
    assert (index < S_COUNT);
    const s_entry_t *entry = &s_entries[index];
    snmp_oid_set (&varbind->name, entry->arcs, entry->len);
    varbind->value = s_value (entry, uptime);
}

//  Compare an entry's name with name, as snmp_oid_compare does
static int
s_compare (const s_entry_t *entry, const snmp_oid_t *name)
{
    size_t len = entry->len;
    for (size_t i = 0; i < len && i < name->len; i++)
        if (entry->arcs[i] != name->arcs[i])
            return entry->arcs[i] < name->arcs[i] ? -1 : 1;
    return len < name->len ? -1 : len > name->len ? 1 : 0;
}

//  Do name's first count arcs equal the entry's?
static bool
s_starts_with (const snmp_oid_t *name, const s_entry_t *entry, size_t count)
{
    if (name->len < count)
        return false;
    for (size_t i = 0; i < count; i++)
        if (name->arcs[i] != entry->arcs[i])
            return false;
    return true;
}

snmp_value_t
snmp_mib_get (const snmp_oid_t *name, uint32_t uptime)
{
    bool under_type = false;
    for (size_t i = 0; i < S_COUNT; i++) {
        const s_entry_t *entry = &s_entries[i];
        if (s_compare (entry, name) == 0)
            return s_value (entry, uptime);
        //  The object type: every arc but the index
        under_type |= s_starts_with (name, entry, entry->len - 1);
    }
    return snmp_value_empty (under_type ? SNMP_TYPE_NO_SUCH_INSTANCE : SNMP_TYPE_NO_SUCH_OBJECT);
}

bool
snmp_mib_next (const snmp_oid_t *name, uint32_t uptime, snmp_varbind_t *next)
{
    for (size_t i = 0; i < S_COUNT; i++)
        if (s_compare (&s_entries[i], name) > 0) {
            snmp_mib_entry (i, uptime, next);
            return true;
        }
    return false;
}
