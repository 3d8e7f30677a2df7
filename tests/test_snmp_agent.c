/*  test_snmp_agent.c - snmp_agent's MIB and answers (examples/snmp:
    snmp_mib.h, snmp_responder.h), without the network

    GETNEXT order across the system group and the table, GET's exceptions,
    v1's noSuchName against v2c's exception values, GETBULK's non-repeaters
    and repetitions (RFC 3416 4.2.3), trimming to the size limit, tooBig,
    SET refused in each version's words. Every answer is decoded back, and
    checked to fit its limit. tests/peers/ checks the same against net-snmp
    and pysnmp over the network.
*/
#include "testutil.h"
#include "snmp_mib.h"
#include "snmp_format.h"
#include "snmp_responder.h"
#include <string.h>

#define S_UPTIME 4242

//  Large: static, one test at a time
static snmp_msg_t s_request, s_scratch, s_response;
static uint8_t s_wire[SNMP_MSG_MAX];

static snmp_oid_t
s_oid (const char *text)
{
    snmp_oid_t oid;
    assert_int_equal (snmp_oid_parse (&oid, text), SNMP_OK);
    return oid;
}

//  A request of type with count names (NULL values)
static void
s_ask (snmp_version_t version, snmp_pdu_type_t type, const char *const *names, size_t count)
{
    snmp_msg_init (&s_request, version, "public", type, 1234);
    snmp_value_t null = snmp_value_empty (SNMP_TYPE_NULL);
    for (size_t i = 0; i < count; i++) {
        snmp_oid_t name = s_oid (names[i]);
        assert_int_equal (snmp_msg_add (&s_request, &name, &null), SNMP_OK);
    }
}

//  Answer s_request within max_size and decode the answer into s_response
static void
s_answer (size_t max_size)
{
    size_t length = 0;
    assert_int_equal (
        snmp_responder_answer (&s_request, S_UPTIME, &s_scratch, s_wire, max_size, &length),
        SNMP_OK);
    assert_true (length <= max_size);
    assert_int_equal (snmp_msg_decode (&s_response, s_wire, length), SNMP_OK);
    assert_int_equal (s_response.type, SNMP_PDU_RESPONSE);
    assert_int_equal (s_response.request_id, 1234);
    assert_int_equal (s_response.version, s_request.version);
}

//  The i-th varbind of s_response as snmpget -On prints it
static const char *
s_line (size_t i)
{
    static char line[1024];
    assert_true (i < s_response.varbind_count);
    snmp_varbind_format (&s_response.varbinds[i], line, sizeof line);
    return line;
}

static void
test_mib_order (void **state)
{
    (void) state;
    static snmp_varbind_t a, b;
    assert_int_equal (snmp_mib_count (), 17);
    for (size_t i = 1; i < snmp_mib_count (); i++) {
        snmp_mib_entry (i - 1, 0, &a);
        snmp_mib_entry (i, 0, &b);
        assert_true (snmp_oid_compare (&a.name, &b.name) < 0);
    }
}

static void
test_mib_get (void **state)
{
    (void) state;
    snmp_oid_t name = s_oid (".1.3.6.1.2.1.1.3.0");
    snmp_value_t value = snmp_mib_get (&name, 777);
    assert_int_equal (value.type, SNMP_TYPE_TIMETICKS);
    assert_int_equal (value.u.unsigned32, 777);
    static const struct {
        const char *name;
        snmp_type_t type;
    } cases[] = {
        { ".1.3.6.1.2.1.1.1.0", SNMP_TYPE_OCTET_STRING },
        { ".1.3.6.1.2.1.1.2.0", SNMP_TYPE_OID },
        { ".1.3.6.1.2.1.2.2.1.3.1", SNMP_TYPE_INTEGER },
        { ".1.3.6.1.2.1.1.1.1", SNMP_TYPE_NO_SUCH_INSTANCE },      //  sysDescr, not .0
        { ".1.3.6.1.2.1.1.1", SNMP_TYPE_NO_SUCH_INSTANCE },        //  the object type itself
        { ".1.3.6.1.2.1.1.1.0.0", SNMP_TYPE_NO_SUCH_INSTANCE },    //  under sysDescr
        { ".1.3.6.1.2.1.2.2.1.2.9", SNMP_TYPE_NO_SUCH_INSTANCE },  //  no row 9
        { ".1.3.6.1.2.1.1.99.0", SNMP_TYPE_NO_SUCH_OBJECT },
        { ".1.3.6.1.2.1.2.2.1", SNMP_TYPE_NO_SUCH_OBJECT },  //  ifEntry: no object type
        { ".1.3.6.1.2.1.2.2.1.4.1", SNMP_TYPE_NO_SUCH_OBJECT },
        { ".1.3", SNMP_TYPE_NO_SUCH_OBJECT },
        { ".2.99.1", SNMP_TYPE_NO_SUCH_OBJECT },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        name = s_oid (cases[i].name);
        value = snmp_mib_get (&name, 0);
        if (value.type != cases[i].type)
            fail_msg ("%s: type 0x%x, not 0x%x", cases[i].name, value.type, cases[i].type);
    }
}

static void
test_mib_next (void **state)
{
    (void) state;
    static const char *const cases[][2] = {
        { ".0.0", ".1.3.6.1.2.1.1.1.0" },
        { ".1.3.6.1.2.1.1", ".1.3.6.1.2.1.1.1.0" },
        { ".1.3.6.1.2.1.1.1.0", ".1.3.6.1.2.1.1.2.0" },
        { ".1.3.6.1.2.1.1.1.0.5", ".1.3.6.1.2.1.1.2.0" },
        { ".1.3.6.1.2.1.1.7.0", ".1.3.6.1.2.1.2.1.0" },          //  system -> interfaces
        { ".1.3.6.1.2.1.2.1.0", ".1.3.6.1.2.1.2.2.1.1.1" },      //  into the table
        { ".1.3.6.1.2.1.2.2.1.1.3", ".1.3.6.1.2.1.2.2.1.2.1" },  //  column to column
        { ".1.3.6.1.2.1.2.2.1.2.2", ".1.3.6.1.2.1.2.2.1.2.3" },
        { ".1.3.6.1.2.1.2.2.1.3.2", ".1.3.6.1.2.1.2.2.1.3.3" },
    };
    static snmp_varbind_t next;
    char text[SNMP_OID_TEXT_MAX];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snmp_oid_t name = s_oid (cases[i][0]);
        assert_true (snmp_mib_next (&name, 0, &next));
        snmp_oid_format (&next.name, text, sizeof text);
        assert_string_equal (text, cases[i][1]);
    }
    snmp_oid_t name = s_oid (".1.3.6.1.2.1.2.2.1.3.3");
    assert_false (snmp_mib_next (&name, 0, &next));
    name = s_oid (".1.3.6.1.2.1.3");
    assert_false (snmp_mib_next (&name, 0, &next));
}

static const char *const s_missing[] = { ".1.3.6.1.2.1.1.5.0", ".1.3.6.1.2.1.1.99.0",
                                         ".1.3.6.1.2.1.1.5.1" };

static void
test_get_v2c (void **state)
{
    (void) state;
    s_ask (SNMP_VERSION_2C, SNMP_PDU_GET, s_missing, 3);
    s_answer (1472);
    assert_int_equal (s_response.error_status, SNMP_ERR_NO_ERROR);
    assert_int_equal (s_response.error_index, 0);
    assert_int_equal (s_response.varbind_count, 3);
    assert_string_equal (s_line (0), ".1.3.6.1.2.1.1.5.0 = STRING: \"asynrole-agent\"");
    assert_string_equal (s_line (1),
                         ".1.3.6.1.2.1.1.99.0 = No Such Object available on this "
                         "agent at this OID");
    assert_string_equal (s_line (2),
                         ".1.3.6.1.2.1.1.5.1 = No Such Instance currently exists "
                         "at this OID");
}

//  v1: noSuchName at the first missing name; the request's varbinds back
static void
test_get_v1 (void **state)
{
    (void) state;
    s_ask (SNMP_VERSION_1, SNMP_PDU_GET, s_missing, 3);
    s_answer (1472);
    assert_int_equal (s_response.error_status, SNMP_ERR_NO_SUCH_NAME);
    assert_int_equal (s_response.error_index, 2);
    assert_int_equal (s_response.varbind_count, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal (
            snmp_oid_compare (&s_response.varbinds[i].name, &s_request.varbinds[i].name), 0);
        assert_int_equal (s_response.varbinds[i].value.type, SNMP_TYPE_NULL);
    }
    s_ask (SNMP_VERSION_1, SNMP_PDU_GET, s_missing, 1);
    s_answer (1472);
    assert_int_equal (s_response.error_status, SNMP_ERR_NO_ERROR);
    assert_string_equal (s_line (0), ".1.3.6.1.2.1.1.5.0 = STRING: \"asynrole-agent\"");
}

static void
test_getnext_end (void **state)
{
    (void) state;
    static const char *const names[] = { ".1.3.6.1.2.1.1.2.0", ".1.3.6.1.2.1.2.2.1.3.3" };
    s_ask (SNMP_VERSION_2C, SNMP_PDU_GETNEXT, names, 2);
    s_answer (1472);
    assert_int_equal (s_response.error_status, SNMP_ERR_NO_ERROR);
    assert_string_equal (s_line (0), ".1.3.6.1.2.1.1.3.0 = Timeticks: (4242) 0:00:42.42");
    assert_string_equal (s_line (1),
                         ".1.3.6.1.2.1.2.2.1.3.3 = No more variables left in this "
                         "MIB View (It is past the end of the MIB tree)");
    s_ask (SNMP_VERSION_1, SNMP_PDU_GETNEXT, names, 2);
    s_answer (1472);
    assert_int_equal (s_response.error_status, SNMP_ERR_NO_SUCH_NAME);
    assert_int_equal (s_response.error_index, 2);
    assert_int_equal (s_response.varbind_count, 2);
}

//  GETBULK with non_repeaters and max_repetitions over names
static void
s_bulk (const char *const *names, size_t count, int32_t non_repeaters, int32_t max_repetitions,
        size_t max_size)
{
    s_ask (SNMP_VERSION_2C, SNMP_PDU_GETBULK, names, count);
    s_request.non_repeaters = non_repeaters;
    s_request.max_repetitions = max_repetitions;
    s_answer (max_size);
}

static void
test_getbulk (void **state)
{
    (void) state;
    static const char *const names[] = { ".1.3.6.1.2.1.1.4.0", ".1.3.6.1.2.1.1.6.0",
                                         ".1.3.6.1.2.1.2.2.1.3.2" };
    //  One non-repeater, then rows of two; the second repeater ends at once
    s_bulk (names, 3, 1, 3, 1472);
    static const char *const want[] = {
        ".1.3.6.1.2.1.1.5.0 = STRING: \"asynrole-agent\"",
        ".1.3.6.1.2.1.1.7.0 = INTEGER: 72",
        ".1.3.6.1.2.1.2.2.1.3.3 = INTEGER: 6",
        ".1.3.6.1.2.1.2.1.0 = INTEGER: 3",
        ".1.3.6.1.2.1.2.2.1.3.3 = No more variables left in this MIB View (It is past the end of "
        "the MIB tree)",
        ".1.3.6.1.2.1.2.2.1.1.1 = INTEGER: 1",
        ".1.3.6.1.2.1.2.2.1.3.3 = No more variables left in this MIB View (It is past the end of "
        "the MIB tree)",
    };
    assert_int_equal (s_response.varbind_count, 7);
    for (size_t i = 0; i < 7; i++)
        assert_string_equal (s_line (i), want[i]);

    //  Negative fields count as 0; non-repeaters past the count, as the count
    s_bulk (names, 3, -5, 2, 1472);
    assert_int_equal (s_response.varbind_count, 6);
    s_bulk (names, 3, 1, -1, 1472);
    assert_int_equal (s_response.varbind_count, 1);
    s_bulk (names, 3, 99, 1000000, 1472);
    assert_int_equal (s_response.varbind_count, 3);
    //  A row that is endOfMibView throughout ends it
    s_bulk (names + 2, 1, 0, 1000000, 1472);
    assert_int_equal (s_response.varbind_count, 2);
    assert_int_equal (s_response.varbinds[1].value.type, SNMP_TYPE_END_OF_MIB_VIEW);
    //  Huge max-repetitions: no more than a message holds
    static const char *const start[] = { ".0.0" };
    s_bulk (start, 1, 0, 2147483647, 65507);
    assert_int_equal (s_response.varbind_count, 18);  //  17 and endOfMibView
    s_bulk (names, 3, 0, 2147483647, 65507);
    assert_true (s_response.varbind_count <= SNMP_MAX_VARBINDS);
}

//  Too big: a GETBULK loses varbinds from its end, as few as needed
static void
test_getbulk_trim (void **state)
{
    (void) state;
    static const char *const names[] = { ".1.3.6.1.2.1.1", ".1.3.6.1.2.1.1", ".1.3.6.1.2.1.1",
                                         ".1.3.6.1.2.1.1", ".1.3.6.1.2.1.1" };
    s_bulk (names, 5, 1, 60, 65507);
    size_t all = s_response.varbind_count;
    assert_true (all > 20);
    static snmp_msg_t whole;
    whole = s_response;
    s_bulk (names, 5, 1, 60, SNMP_RESPONDER_MIN_SIZE);
    size_t kept = s_response.varbind_count;
    assert_int_equal (s_response.error_status, SNMP_ERR_NO_ERROR);
    assert_true (kept > 1 && kept < all);
    for (size_t i = 0; i < kept; i++)  //  what is kept is the start of the whole
        assert_int_equal (snmp_oid_compare (&s_response.varbinds[i].name, &whole.varbinds[i].name),
                          0);
    //  One more would not have fitted (whole's strings point into s_wire:
    //  encode elsewhere)
    static uint8_t other[SNMP_RESPONDER_MIN_SIZE];
    whole.varbind_count = kept + 1;
    assert_int_equal (snmp_msg_encode (&whole, other, sizeof other, NULL), SNMP_ENOSPACE);
    whole.varbind_count = kept;
    assert_int_equal (snmp_msg_encode (&whole, other, sizeof other, NULL), SNMP_OK);
}

//  tooBig: v2c with no varbinds, v1 with the request's
static void
test_too_big (void **state)
{
    (void) state;
    const char *names[20];
    for (size_t i = 0; i < 20; i++)
        names[i] = ".1.3.6.1.2.1.1.1.0";  //  34 bytes answered, 12 asked
    s_ask (SNMP_VERSION_2C, SNMP_PDU_GET, names, 20);
    s_answer (1472);
    assert_int_equal (s_response.error_status, SNMP_ERR_NO_ERROR);
    s_answer (SNMP_RESPONDER_MIN_SIZE);
    assert_int_equal (s_response.error_status, SNMP_ERR_TOO_BIG);
    assert_int_equal (s_response.error_index, 0);
    assert_int_equal (s_response.varbind_count, 0);
    s_ask (SNMP_VERSION_1, SNMP_PDU_GETNEXT, names, 20);
    s_answer (SNMP_RESPONDER_MIN_SIZE);
    assert_int_equal (s_response.error_status, SNMP_ERR_TOO_BIG);
    assert_int_equal (s_response.error_index, 0);
    assert_int_equal (s_response.varbind_count, 20);
    assert_int_equal (s_response.varbinds[0].value.type, SNMP_TYPE_NULL);
    //  A GETBULK whose non-repeaters alone do not fit
    const char *system[20];
    for (size_t i = 0; i < 20; i++)
        system[i] = ".1.3.6.1.2.1.1";
    s_bulk (system, 20, 20, 5, SNMP_RESPONDER_MIN_SIZE);
    assert_int_equal (s_response.error_status, SNMP_ERR_TOO_BIG);
    assert_int_equal (s_response.varbind_count, 0);
    //  Not even that fits: nothing to send
    size_t length;
    assert_int_equal (snmp_responder_answer (&s_request, 0, &s_scratch, s_wire, 10, &length),
                      SNMP_ENOSPACE);
}

static void
test_set (void **state)
{
    (void) state;
    s_ask (SNMP_VERSION_2C, SNMP_PDU_SET, s_missing, 2);
    s_answer (1472);
    assert_int_equal (s_response.error_status, SNMP_ERR_NOT_WRITABLE);
    assert_int_equal (s_response.error_index, 1);
    assert_int_equal (s_response.varbind_count, 2);
    s_ask (SNMP_VERSION_1, SNMP_PDU_SET, s_missing, 2);
    s_answer (1472);
    assert_int_equal (s_response.error_status, SNMP_ERR_NO_SUCH_NAME);
    assert_int_equal (s_response.error_index, 1);
    assert_int_equal (s_response.varbinds[1].value.type, SNMP_TYPE_NULL);
    s_ask (SNMP_VERSION_2C, SNMP_PDU_SET, s_missing, 0);  //  nothing to write
    s_answer (1472);
    assert_int_equal (s_response.error_status, SNMP_ERR_NO_ERROR);
    assert_int_equal (s_response.varbind_count, 0);
}

//  Responses, traps, informs and reports are not answered here
static void
test_not_requests (void **state)
{
    (void) state;
    static const snmp_pdu_type_t types[] = { SNMP_PDU_RESPONSE, SNMP_PDU_TRAP_V2, SNMP_PDU_INFORM,
                                             SNMP_PDU_REPORT };
    size_t length;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        s_ask (SNMP_VERSION_2C, types[i], s_missing, 1);
        assert_int_equal (snmp_responder_answer (&s_request, 0, &s_scratch, s_wire, 1472, &length),
                          SNMP_EPDUTYPE);
    }
    s_ask (SNMP_VERSION_1, SNMP_PDU_TRAP_V1, s_missing, 1);
    assert_int_equal (snmp_responder_answer (&s_request, 0, &s_scratch, s_wire, 1472, &length),
                      SNMP_EPDUTYPE);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_mib_order),    cmocka_unit_test (test_mib_get),
        cmocka_unit_test (test_mib_next),     cmocka_unit_test (test_get_v2c),
        cmocka_unit_test (test_get_v1),       cmocka_unit_test (test_getnext_end),
        cmocka_unit_test (test_getbulk),      cmocka_unit_test (test_getbulk_trim),
        cmocka_unit_test (test_too_big),      cmocka_unit_test (test_set),
        cmocka_unit_test (test_not_requests),
    };
    return tu_main (tests, argc, argv);
}
