/*  snmp_mib.h - the example agent's MIB: the system group and a small
    interfaces table, read-only, with GET and GETNEXT lookups

    Example code (snmp_agent), not part of libasynrole. The objects, in
    GETNEXT order:

        sysDescr.0 .. sysServices.0     .1.3.6.1.2.1.1.{1..7}.0
        ifNumber.0                      .1.3.6.1.2.1.2.1.0        INTEGER 3
        ifIndex.{1,2,3}                 .1.3.6.1.2.1.2.2.1.1.i    INTEGER i
        ifDescr.{1,2,3}                 .1.3.6.1.2.1.2.2.1.2.i    "lo", "eth0", "eth1"
        ifType.{1,2,3}                  .1.3.6.1.2.1.2.2.1.3.i    24, 6, 6

    sysUpTime.0 is the uptime the caller passes (hundredths of a second):
    the MIB holds no clock, so that tests get stable values. Strings point
    to static text.
*/
#ifndef SNMP_MIB_H_INCLUDED
#define SNMP_MIB_H_INCLUDED

#include "snmp_msg.h"

//  The fixed values, for tests and docs
#define SNMP_MIB_SYS_DESCR "asynrole example SNMP agent"
#define SNMP_MIB_SYS_OBJECT_ID ".1.3.6.1.4.1.32473.1"  //  IANA's example enterprise (RFC 5612)
#define SNMP_MIB_SYS_CONTACT "root@localhost"
#define SNMP_MIB_SYS_NAME "asynrole-agent"
#define SNMP_MIB_SYS_LOCATION "loopback"
#define SNMP_MIB_SYS_SERVICES 72
#define SNMP_MIB_IF_NUMBER 3

//  Number of objects (instances) in the MIB
size_t snmp_mib_count (void);

//  The index-th object in GETNEXT order (index < snmp_mib_count ()): its
//  name and its value
void snmp_mib_entry (size_t index, uint32_t uptime, snmp_varbind_t *varbind);

//  GET: the value of name, or the exception RFC 3416 gives: noSuchInstance
//  when name lies under one of the MIB's object types (sysDescr.1,
//  ifDescr.9, sysDescr itself), noSuchObject otherwise
snmp_value_t snmp_mib_get (const snmp_oid_t *name, uint32_t uptime);

//  GETNEXT: the first object after name, into next; false past the last
bool snmp_mib_next (const snmp_oid_t *name, uint32_t uptime, snmp_varbind_t *next);

#endif
