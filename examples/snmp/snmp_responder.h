/*  snmp_responder.h - the example agent's answers: a Response to a GET,
    GETNEXT, GETBULK or SET over the MIB of snmp_mib.h, bounded in size

    Example code (snmp_agent), not part of libasynrole. No network, no
    clock: the caller passes the uptime, so that tests get stable answers.

    What it answers (RFC 1157 for v1, RFC 3416 for v2c):
      - GET: each value; v2c puts noSuchObject / noSuchInstance in place of
        what is missing, v1 answers noSuchName with the error-index of the
        first missing name and the request's varbinds
      - GETNEXT: the next object of each name; past the last, v2c gives
        endOfMibView (with the name asked), v1 noSuchName as above
      - GETBULK (v2c): non-repeaters (clamped to 0 .. varbinds) GETNEXTs,
        then max-repetitions rows of the rest; it stops early after a row
        that is endOfMibView throughout, and at SNMP_MAX_VARBINDS varbinds
      - SET: this MIB is read-only. v2c: notWritable (RFC 3416 4.2.5: no
        object here could ever be written); v1: noSuchName (RFC 3584's
        mapping of notWritable to v1; readOnly is never sent, as RFC 1157
        agents did). Error-index 1, the request's varbinds echoed.
      - a Response larger than max_size bytes: a GETBULK loses varbinds from
        its end until it fits; when even its non-repeaters do not, and for
        the other requests, the answer is tooBig with error-index 0 and no
        varbinds (v2c, RFC 3416) or the request's varbinds (v1, RFC 1157)
*/
#ifndef SNMP_RESPONDER_H_INCLUDED
#define SNMP_RESPONDER_H_INCLUDED

#include "snmp_msg.h"

//  The smallest message every SNMP entity must accept (RFC 3417)
#define SNMP_RESPONDER_MIN_SIZE 484

//  Answer request (decoded; its strings must stay valid until this returns)
//  into response (the caller's scratch, about 70 KB), encoded at buf[0 ..
//  *length) with length <= max_size. Returns SNMP_OK; SNMP_EPDUTYPE when
//  request is not a GET, GETNEXT, GETBULK or SET (nothing to answer);
//  SNMP_ENOSPACE when not even the tooBig answer fits in max_size; what
//  snmp_msg_encode returned for anything else. response->error_status
//  says what was answered.
snmp_err_t snmp_responder_answer (const snmp_msg_t *request, uint32_t uptime, snmp_msg_t *response,
                                  uint8_t *buf, size_t max_size, size_t *length);

#endif
