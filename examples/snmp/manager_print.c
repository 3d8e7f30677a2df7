/*  manager_print.c - varbinds and errors as net-snmp 5.9's snmpget and
    snmpwalk print them (apps/snmpget.c, apps/snmpwalk.c)
*/
#include "manager_common.h"
#include <stdlib.h>

void
snmp_mgr_print_varbind (const snmp_varbind_t *varbind)
{
    char line[4096];
    size_t length = snmp_varbind_format (varbind, line, sizeof line);
    if (length < sizeof line) {
        printf ("%s\n", line);
        return;
    }
    //  A long value (a Hex-STRING of a large octet string): room for it all
    char *big = malloc (length + 1);
    if (!big) {
        printf ("%s...\n", line);
        return;
    }
    snmp_varbind_format (varbind, big, length + 1);
    printf ("%s\n", big);
    free (big);
}

void
snmp_mgr_print_varbinds (const snmp_msg_t *response)
{
    for (size_t i = 0; i < response->varbind_count; i++)
        snmp_mgr_print_varbind (&response->varbinds[i]);
}

void
snmp_mgr_print_oid (FILE *stream, const snmp_oid_t *oid)
{
    char text[SNMP_OID_TEXT_MAX];
    snmp_oid_format (oid, text, sizeof text);
    fprintf (stream, "%s\n", text);
}

void
snmp_mgr_print_error (const snmp_msg_t *response, const char *first_line)
{
    fflush (stdout);
    fprintf (stderr, "%s\nReason: %s\n", first_line,
             snmp_error_status_text (response->error_status));
    if (response->error_index == 0)
        return;
    //  net-snmp prints the OID followed by its own newline, then one more;
    //  an error-index past the varbinds names nothing
    fprintf (stderr, "Failed object: ");
    int32_t index = response->error_index;
    if (index > 0 && (size_t) index <= response->varbind_count)
        snmp_mgr_print_oid (stderr, &response->varbinds[index - 1].name);
    fprintf (stderr, "\n");
}

void
snmp_mgr_print_timeout (const snmp_mgr_options_t *opts, const char *end)
{
    fflush (stdout);
    fprintf (stderr, "Timeout: No Response from %s%s", opts->host, end);
}
