/*  snmp_walk.c - an SNMP walk of a subtree, printed the way net-snmp's
    snmpwalk -On (GETNEXT) and snmpbulkwalk -On (--bulk: GETBULK) print

    A Manager on asynrole's request engine: one request at a time, each
    retried on timeout, its Response matched by request-id. The walk stops
    as net-snmp's does: at the first OID past the subtree, at an exception
    (endOfMibView), at an OID not after the one before ("Error: OID not
    increasing" on stderr, exit 1), at an error-status (v1's noSuchName
    is the end of the MIB: "End of MIB"). When it printed nothing, it
    GETs the subtree's root itself and prints that if it exists.
*/
#include "manager_common.h"
#include <string.h>

//  Requests in one walk: a bound for agents that never end their MIB
#define MAX_REQUESTS 100000  //  a walk that goes on past this is a broken agent

static const char s_usage[] =
    "Usage: snmp_walk [OPTIONS] HOST[:PORT] [OID]\n"
    "\n"
    "Walks the subtree under OID (numeric; default .1.3.6.1.2.1, mib-2) with\n"
    "GetNextRequests, or GetBulkRequests with --bulk, and prints every varbind as\n"
    "net-snmp's snmpwalk -On (snmpbulkwalk -On) does, one line per varbind.\n"
    "\n" SNMP_MGR_USAGE_OPTIONS
    "  --bulk              GETBULK (v2c only; default: GETNEXT, as snmpwalk)\n"
    "  --max-repetitions N varbinds per GETBULK, 1 to 64 (default 10; implies --bulk)\n"
    "  -h, --help          this text\n"
    "\n"
    "Exit status: 0 the walk ended; 1 no response (\"Timeout: No Response from HOST\"),\n"
    "an OID not increasing, or another failure; 2 bad input (one line on stderr), or\n"
    "the agent answered with an error-status (\"Error in packet.\" lines on stderr).\n";

typedef struct {
    const snmp_mgr_options_t *opts;
    snmp_mgr_session_t *session;
    snmp_oid_t root;  //  the subtree
    snmp_oid_t name;  //  where the next request starts
    size_t printed;   //  varbinds printed
    bool running;     //  another request to make
    int exit_code;
} walk_t;

//  Past the subtree? GETNEXT: at or after the root's next sibling
//  (snmpwalk's end OID); GETBULK: anything the root is not a prefix of
//  (snmpbulkwalk's test)
static bool
s_past (const walk_t *self, const snmp_oid_t *oid)
{
    if (snmp_oid_is_prefix (&self->root, oid))
        return false;
    return self->opts->bulk || snmp_oid_compare (oid, &self->root) > 0;
}

//  One varbind of a response. As net-snmp's, a GETBULK response's
//  varbinds are each checked against the last one of the response before
//  (where the request started), and the walk goes on from its last one.
static void
s_varbind (walk_t *self, const snmp_varbind_t *varbind, bool last)
{
    if (s_past (self, &varbind->name)) {
        self->running = false;
        return;
    }
    self->printed++;
    snmp_mgr_print_varbind (varbind);
    snmp_type_t type = varbind->value.type;
    if (type == SNMP_TYPE_END_OF_MIB_VIEW || type == SNMP_TYPE_NO_SUCH_OBJECT
        || type == SNMP_TYPE_NO_SUCH_INSTANCE) {
        self->running = false;
        return;
    }
    if (snmp_oid_compare (&self->name, &varbind->name) >= 0) {
        fflush (stdout);
        fprintf (stderr, "Error: OID not increasing: ");
        snmp_mgr_print_oid (stderr, &self->name);
        fprintf (stderr, " >= ");
        snmp_mgr_print_oid (stderr, &varbind->name);
        fprintf (stderr, "\n");
        self->running = false;
        self->exit_code = SNMP_MGR_EXIT_NORESPONSE;
    }
    if (last || !self->opts->bulk)
        self->name = varbind->name;
}

//  One request and its response; false when there was none
static bool
s_step (walk_t *self)
{
    snmp_mgr_session_t *session = self->session;
    snmp_msg_t *request =
        snmp_mgr_request (session, self->opts->bulk ? SNMP_PDU_GETBULK : SNMP_PDU_GETNEXT);
    request->max_repetitions = self->opts->bulk ? self->opts->max_repetitions : 0;
    snmp_mgr_ask (request, &self->name);

    const snmp_msg_t *response = NULL;
    snmp_mgr_status_t status = snmp_mgr_exchange (session, &response);
    self->running = false;
    if (status != SNMP_MGR_REPLY) {
        if (status == SNMP_MGR_TIMEOUT)
            snmp_mgr_print_timeout (self->opts, "\n");
        self->exit_code = SNMP_MGR_EXIT_NORESPONSE;
        return false;
    }
    if (response->error_status == SNMP_ERR_NO_SUCH_NAME)
        printf ("End of MIB\n");
    else if (response->error_status != SNMP_ERR_NO_ERROR) {
        snmp_mgr_print_error (response, "Error in packet.");
        self->exit_code = SNMP_MGR_EXIT_USAGE;
    }
    else {
        //  An empty response would ask the same again, for ever: it ends
        self->running = response->varbind_count > 0;
        for (size_t i = 0; i < response->varbind_count; i++)
            s_varbind (self, &response->varbinds[i], i + 1 == response->varbind_count);
    }
    return true;
}

//  Nothing printed: perhaps the root is an instance itself (snmpwalk's
//  snmp_get_and_print); printed only when it has no error
static void
s_get_root (walk_t *self)
{
    snmp_msg_t *request = snmp_mgr_request (self->session, SNMP_PDU_GET);
    snmp_mgr_ask (request, &self->root);
    const snmp_msg_t *response = NULL;
    if (snmp_mgr_exchange (self->session, &response) != SNMP_MGR_REPLY
        || response->error_status != SNMP_ERR_NO_ERROR)
        return;
    snmp_mgr_print_varbinds (response);
}

static int
s_walk (snmp_mgr_session_t *session, const snmp_mgr_options_t *opts)
{
    walk_t self = { .opts = opts, .session = session, .running = true };
    static const uint32_t mib2[] = { 1, 3, 6, 1, 2, 1 };
    if (opts->oid_count)
        self.root = opts->oids[0];
    else
        snmp_oid_set (&self.root, mib2, sizeof mib2 / sizeof mib2[0]);
    self.name = self.root;

    bool answered = true;
    for (size_t count = 0; self.running && answered; count++) {
        if (count == MAX_REQUESTS) {
            fprintf (stderr, "%s: stopped after %d requests\n", opts->prog, MAX_REQUESTS);
            return SNMP_MGR_EXIT_NORESPONSE;
        }
        answered = s_step (&self);
    }
    if (self.printed == 0 && answered)
        s_get_root (&self);
    return self.exit_code;
}

int
main (int argc, char **argv)
{
    const snmp_mgr_program_t program = {
        .prog = "snmp_walk", .usage = s_usage, .walk = true, .run = s_walk
    };
    return snmp_mgr_main (&program, argc, argv);
}
