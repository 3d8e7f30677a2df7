/*  snmp_get.c - an SNMP GET, printed the way net-snmp's snmpget -On prints

    A Manager on asynrole's request engine: one GetRequest with every OID,
    retried on timeout, its Response matched by request-id. As snmpget
    does, an error-status prints "Error in packet" lines on stderr and the
    GET goes again without the failed varbind, until none fails or none is
    left (exit status 2 then, as snmpget's).
*/
#include "manager_common.h"
#include <string.h>

static const char s_usage[] =
    "Usage: snmp_get [OPTIONS] HOST[:PORT] OID...\n"
    "\n"
    "Sends an SNMP GetRequest for every OID (numeric: .1.3.6.1.2.1.1.5.0) and prints\n"
    "the answer as net-snmp's snmpget -On does, one line per varbind.\n"
    "\n" SNMP_MGR_USAGE_OPTIONS "  -h, --help          this text\n"
    "\n"
    "Exit status: 0 a response; 1 no response (\"Timeout: No Response from HOST.\")\n"
    "or another failure; 2 bad input (one line on stderr), or the agent answered\n"
    "with an error-status (\"Error in packet\" lines on stderr, as snmpget).\n";

//  The next GET after an error-status: the response's varbinds but the
//  failed one (net-snmp's snmp_fix_pdu); false when none would be left
static bool
s_fix (snmp_mgr_session_t *session, const snmp_msg_t *response)
{
    int32_t failed = response->error_index;
    if (failed < 1 || (size_t) failed > response->varbind_count || response->varbind_count < 2)
        return false;
    snmp_msg_t *request = snmp_mgr_request (session, SNMP_PDU_GET);
    for (size_t i = 0; i < response->varbind_count; i++)
        if (i + 1 != (size_t) failed)
            snmp_mgr_ask (request, &response->varbinds[i].name);
    return true;
}

static int
s_get (snmp_mgr_session_t *session, const snmp_mgr_options_t *opts)
{
    snmp_msg_t *request = snmp_mgr_request (session, SNMP_PDU_GET);
    for (size_t i = 0; i < opts->oid_count; i++)
        snmp_mgr_ask (request, &opts->oids[i]);

    int exit_code = SNMP_MGR_EXIT_OK;
    //  Each round has one varbind fewer: at most one round per OID
    for (size_t round = 0; round < opts->oid_count; round++) {
        const snmp_msg_t *response = NULL;
        snmp_mgr_status_t status = snmp_mgr_exchange (session, &response);
        if (status == SNMP_MGR_TIMEOUT) {
            snmp_mgr_print_timeout (opts, ".\n");
            return SNMP_MGR_EXIT_NORESPONSE;
        }
        if (status != SNMP_MGR_REPLY)
            return SNMP_MGR_EXIT_NORESPONSE;
        if (response->error_status == SNMP_ERR_NO_ERROR) {
            snmp_mgr_print_varbinds (response);
            return exit_code;
        }
        snmp_mgr_print_error (response, "Error in packet");
        exit_code = SNMP_MGR_EXIT_USAGE;
        if (!s_fix (session, response))
            break;
    }
    return exit_code;
}

int
main (int argc, char **argv)
{
    const snmp_mgr_program_t program = {
        .prog = "snmp_get", .usage = s_usage, .walk = false, .run = s_get
    };
    return snmp_mgr_main (&program, argc, argv);
}
