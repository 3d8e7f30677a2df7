/*  manager_common.h - what snmp_get and snmp_walk share: their command
    line, a Manager whose request engine matches replies by SNMP request-id,
    and net-snmp's way of printing what comes back

    Example code, not part of libasynrole. One request is under way at a
    time: the program's thread makes it (asynrole_manager_request, with the
    timeout and retries of the command line as its policy) and waits on a
    condition variable, with a deadline, for the result callback, which
    runs in the Manager's thread and copies the reply.
*/
#ifndef MANAGER_COMMON_H_INCLUDED
#define MANAGER_COMMON_H_INCLUDED

#include "asynrole.h"
#include "snmp_format.h"
#include <stdio.h>

//  Exit codes (net-snmp's snmpget and snmpwalk use the same three)
#define SNMP_MGR_EXIT_OK 0          //  a response, and nothing went wrong
#define SNMP_MGR_EXIT_NORESPONSE 1  //  no response (or the walk went wrong)
#define SNMP_MGR_EXIT_USAGE 2       //  bad input; also an error-status in a response

//  Defaults: net-snmp's (snmp.conf(5): timeout 1 s, retries 5)
#define SNMP_MGR_DEFAULT_PORT 161
#define SNMP_MGR_DEFAULT_TIMEOUT 1000
#define SNMP_MGR_DEFAULT_RETRIES 5
#define SNMP_MGR_DEFAULT_MAX_REPETITIONS 10

//  At most this many OIDs on a command line (a message holds no more)
#define SNMP_MGR_MAX_OIDS SNMP_MAX_VARBINDS

typedef struct {
    const char *prog;                    //  "snmp_get": the start of every message
    int timeout;                         //  ms each attempt waits
    int retries;                         //  attempts after the first
    const char *community;               //  NUL-terminated
    snmp_version_t version;              //  v1 or v2c
    const char *host;                    //  HOST[:PORT] as typed, for the Timeout line
    char address[ASYNROLE_ADDR_STRLEN];  //  numeric, with the port: "[::1]:161"
    snmp_oid_t oids[SNMP_MGR_MAX_OIDS];
    size_t oid_count;
    bool bulk;            //  snmp_walk: GETBULK rather than GETNEXT
    int max_repetitions;  //  snmp_walk --bulk
} snmp_mgr_options_t;

//  The usage text's lines that snmp_get and snmp_walk share: HOST and the
//  options both take (but -h, the last)
#define SNMP_MGR_USAGE_OPTIONS                                                                \
    "  HOST                numeric IPv4 or IPv6 address: 192.0.2.1, [2001:db8::1]:1161,\n"    \
    "                      ::1; prefixes udp: (IPv4) and udp6: (IPv6); port 161 by default\n" \
    "  -v 1|2c             SNMP version (default 2c)\n"                                       \
    "  -c, --community STR community (default public)\n"                                      \
    "  --timeout MS        each attempt waits MS ms for the answer (default 1000)\n"          \
    "  -r, --retries N     attempts after the first (default 5)\n"

typedef struct snmp_mgr_session_s snmp_mgr_session_t;

//  What the program is: its name, usage text, whether it is a walk
//  (--bulk, --max-repetitions, at most one OID) or a get (one OID or more),
//  and what it does with the session; run returns the exit code
typedef struct {
    const char *prog;
    const char *usage;
    bool walk;
    int (*run) (snmp_mgr_session_t *session, const snmp_mgr_options_t *opts);
} snmp_mgr_program_t;

//  The whole program: parse the command line, open the session, run, and
//  close; returns the exit code
int snmp_mgr_main (const snmp_mgr_program_t *program, int argc, char **argv);

//  Parse the command line into opts. Returns -1 to go on; otherwise the
//  exit code: SNMP_MGR_EXIT_OK after --help (usage on stdout), or
//  SNMP_MGR_EXIT_USAGE after one line on stderr.
int snmp_mgr_parse (snmp_mgr_options_t *opts, const snmp_mgr_program_t *program, int argc,
                    char **argv);

//  -------------------------------------------------------------------------
//  Requests

typedef enum {
    SNMP_MGR_REPLY = 0,    //  a Response came; it is decoded
    SNMP_MGR_TIMEOUT = 1,  //  none after every attempt
    SNMP_MGR_FAILED = 2    //  something else went wrong (said on stderr)
} snmp_mgr_status_t;

//  A Manager for opts' destination; NULL (and a line on stderr) on failure.
//  opts must outlive the session.
snmp_mgr_session_t *snmp_mgr_session_new (const snmp_mgr_options_t *opts);
void snmp_mgr_session_destroy (snmp_mgr_session_t **self_p);

//  A request of this PDU type, with opts' version and community, a fresh
//  request-id and no varbinds yet (add them with snmp_msg_add)
snmp_msg_t *snmp_mgr_request (snmp_mgr_session_t *self, snmp_pdu_type_t type);

//  Add a varbind that asks for name (its value NULL) to a request
void snmp_mgr_ask (snmp_msg_t *request, const snmp_oid_t *name);

//  Send the request snmp_mgr_request gave, wait for its end. With
//  SNMP_MGR_REPLY, *response is the Response (same version and request-id),
//  valid until the next exchange.
snmp_mgr_status_t snmp_mgr_exchange (snmp_mgr_session_t *self, const snmp_msg_t **response);

//  -------------------------------------------------------------------------
//  Printing, as net-snmp's tools print

//  One varbind line (snmp_varbind_format) and its newline, on stdout
void snmp_mgr_print_varbind (const snmp_varbind_t *varbind);

//  Every varbind of a response, a line each (snmp_mgr_print_varbind)
void snmp_mgr_print_varbinds (const snmp_msg_t *response);

//  "Error in packet" (snmp_get) or "Error in packet." (snmp_walk), the
//  Reason: line and the Failed object: lines, on stderr
void snmp_mgr_print_error (const snmp_msg_t *response, const char *first_line);

//  An OID and its newline (net-snmp's fprint_objid)
void snmp_mgr_print_oid (FILE *stream, const snmp_oid_t *oid);

//  "Timeout: No Response from HOST" and end (".\n" for snmp_get, "\n" for
//  snmp_walk), on stderr
void snmp_mgr_print_timeout (const snmp_mgr_options_t *opts, const char *end);

#endif
