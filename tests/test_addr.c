/*  test_addr.c - address parsing, formatting, comparing; error names

    Pure functions: no role, no I/O actor, no network beyond the look-up
    of "localhost" (answered from /etc/hosts).
*/
#include "testutil.h"
#include <arpa/inet.h>
#include <net/if.h>
#include <string.h>

static const char *s_malformed[] = {
    "",
    "127.0.0.1",
    "127.0.0.1:",
    "127.0.0.1:65536",
    "127.0.0.1:-1",
    "127.0.0.1:1x",
    "::1:161",
    "[::1",
    "[::1]",
    "[::1]161",
    "[zz::1]:161",
    "300.1.1.1:161",
    "a b:1",
    //  Scope ids past 32 bits are refused, not cut
    "[::1%4294967296]:1",
    "[::1%99999999999999999999]:1",
    "[fe80::1%]:1",
    //  Binary and control characters
    "\x01\x02:1",
    "[::1\n]:1",
};

static void
test_parse_malformed (void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof s_malformed / sizeof s_malformed[0]; i++) {
        asynrole_addr_t addr;
        asynrole_error_t error;
        memset (&error, 0, sizeof error);
        int rc = asynrole_addr_parse (&addr, s_malformed[i], &error);
        if (rc != -1 || error.code != ASYNROLE_EBADARG)
            fail_msg ("parse '%s': rc %d code %d, expected -1 and EBADARG", s_malformed[i], rc,
                      error.code);
        //  A bad argument explains itself
        assert_true (strlen (error.detail) > 0);
        assert_false (asynrole_error_is_network (&error));
    }
    //  The largest scope id is kept
    asynrole_addr_t scoped = tu_addr ("[fe80::1%4294967295]:1");
    assert_int_equal (scoped.u.in6.sin6_scope_id, 4294967295u);
    //  A detail shows printable characters only
    asynrole_error_t bad;
    assert_int_equal (asynrole_addr_parse (&scoped, "\x01\n\x7f", &bad), -1);
    for (const char *c = bad.detail; *c; c++)
        assert_true (*c >= 32 && *c < 127);
    //  NULL text is malformed too, and the error pointer is optional
    asynrole_addr_t addr;
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    assert_int_equal (asynrole_addr_parse (&addr, NULL, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (asynrole_addr_parse (&addr, "127.0.0.1", NULL), -1);
}

static void
test_resolve_malformed (void **state)
{
    (void) state;
    //  The same texts through the resolver: rejected before any look-up
    for (size_t i = 0; i < sizeof s_malformed / sizeof s_malformed[0]; i++) {
        asynrole_addr_t addr;
        asynrole_error_t error;
        memset (&error, 0, sizeof error);
        int rc = asynrole_addr_resolve (&addr, s_malformed[i], &error);
        if (rc != -1 || error.code != ASYNROLE_EBADARG)
            fail_msg ("resolve '%s': rc %d code %d, expected -1 and EBADARG", s_malformed[i], rc,
                      error.code);
    }
}

//  Parse text and check it formats back to itself
static asynrole_addr_t
s_round_trip (const char *text, int family, uint16_t port)
{
    asynrole_addr_t addr;
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    if (asynrole_addr_parse (&addr, text, &error))
        fail_msg ("parse '%s': %s", text, error.detail);
    assert_int_equal (asynrole_addr_family (&addr), family);
    assert_int_equal (asynrole_addr_port (&addr), port);
    //  Parsed: no socket chosen, the zero value
    assert_int_equal (addr.via, 0);
    assert_int_equal (asynrole_addr_socket (&addr), -1);
    char buf[ASYNROLE_ADDR_STRLEN];
    assert_ptr_equal (asynrole_addr_format (&addr, buf, sizeof buf), buf);
    assert_string_equal (buf, text);
    //  And parses again into an equal address
    asynrole_addr_t again = tu_addr (buf);
    assert_true (asynrole_addr_equal (&addr, &again));
    return addr;
}

static void
test_parse_valid (void **state)
{
    (void) state;
    asynrole_addr_t v4 = s_round_trip ("127.0.0.1:161", AF_INET, 161);
    assert_int_equal (v4.len, sizeof (struct sockaddr_in));
    assert_int_equal (v4.u.in.sin_addr.s_addr, htonl (INADDR_LOOPBACK));

    asynrole_addr_t v6 = s_round_trip ("[::1]:161", AF_INET6, 161);
    assert_int_equal (v6.len, sizeof (struct sockaddr_in6));
    assert_true (IN6_IS_ADDR_LOOPBACK (&v6.u.in6.sin6_addr));
    assert_int_equal (v6.u.in6.sin6_scope_id, 0);

    //  The scope id is kept, by name
    asynrole_addr_t scoped = s_round_trip ("[fe80::1%lo]:161", AF_INET6, 161);
    assert_int_not_equal (if_nametoindex ("lo"), 0);
    assert_int_equal (scoped.u.in6.sin6_scope_id, if_nametoindex ("lo"));
    //  Same address, different scope: not equal
    asynrole_addr_t unscoped = tu_addr ("[fe80::1]:161");
    assert_false (asynrole_addr_equal (&scoped, &unscoped));

    s_round_trip ("0.0.0.0:0", AF_INET, 0);
    s_round_trip ("255.255.255.255:65535", AF_INET, 65535);
    s_round_trip ("[2001:db8::1]:162", AF_INET6, 162);
}

static void
test_equal_family_port (void **state)
{
    (void) state;
    asynrole_addr_t a = tu_addr ("127.0.0.1:161");
    asynrole_addr_t b = tu_addr ("127.0.0.1:161");
    asynrole_addr_t other_port = tu_addr ("127.0.0.1:162");
    asynrole_addr_t other_ip = tu_addr ("127.0.0.2:161");
    asynrole_addr_t v6 = tu_addr ("[::1]:161");
    assert_true (asynrole_addr_equal (&a, &b));
    //  via is not compared
    b.via = 3;
    assert_true (asynrole_addr_equal (&a, &b));
    assert_int_equal (asynrole_addr_socket (&b), 2);
    assert_false (asynrole_addr_equal (&a, &other_port));
    assert_false (asynrole_addr_equal (&a, &other_ip));
    assert_false (asynrole_addr_equal (&a, &v6));
    assert_false (asynrole_addr_equal (&v6, &a));

    //  The empty address
    asynrole_addr_t empty;
    memset (&empty, 0, sizeof empty);
    assert_int_equal (asynrole_addr_family (&empty), AF_UNSPEC);
    assert_int_equal (asynrole_addr_port (&empty), 0);
    char buf[ASYNROLE_ADDR_STRLEN];
    assert_string_equal (asynrole_addr_format (&empty, buf, sizeof buf), "-");
    assert_false (asynrole_addr_equal (&empty, &a));
}

static void
test_format_small_buffer (void **state)
{
    (void) state;
    //  A short buffer is filled and terminated, never overrun
    asynrole_addr_t addr = tu_addr ("[2001:db8:1:2:3:4:5:6]:65535");
    char buf[12];
    memset (buf, 'x', sizeof buf);
    asynrole_addr_format (&addr, buf, 8);
    assert_true (strlen (buf) < 8);
    assert_int_equal (buf[8], 'x');
}

static void
test_resolve (void **state)
{
    (void) state;
    asynrole_addr_t addr;
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    if (asynrole_addr_resolve (&addr, "localhost:161", &error))
        fail_msg ("resolve localhost:161: %s", error.detail);
    assert_int_equal (asynrole_addr_port (&addr), 161);
    int family = asynrole_addr_family (&addr);
    assert_true (family == AF_INET || family == AF_INET6);
    if (family == AF_INET)
        assert_int_equal (ntohl (addr.u.in.sin_addr.s_addr) >> 24, 127);
    else
        assert_true (IN6_IS_ADDR_LOOPBACK (&addr.u.in6.sin6_addr));

    //  Numeric forms go through the resolver unchanged
    assert_int_equal (asynrole_addr_resolve (&addr, "127.0.0.1:162", &error), 0);
    asynrole_addr_t parsed = tu_addr ("127.0.0.1:162");
    assert_true (asynrole_addr_equal (&addr, &parsed));
    assert_int_equal (asynrole_addr_resolve (&addr, "[::1]:163", &error), 0);
    parsed = tu_addr ("[::1]:163");
    assert_true (asynrole_addr_equal (&addr, &parsed));

    //  A host name is not a numeric address
    assert_int_equal (asynrole_addr_parse (&addr, "localhost:161", &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
}

static void
test_error_names (void **state)
{
    (void) state;
    const char *codes[ASYNROLE_EDROPPED + 1];
    for (int code = ASYNROLE_OK; code <= ASYNROLE_EDROPPED; code++) {
        codes[code] = asynrole_strerror ((asynrole_code_t) code);
        assert_non_null (codes[code]);
        assert_true (strlen (codes[code]) > 0);
        //  Each code has its own name
        for (int other = ASYNROLE_OK; other < code; other++)
            assert_string_not_equal (codes[code], codes[other]);
    }
    const char *unknown = asynrole_strerror ((asynrole_code_t) 99);
    assert_non_null (unknown);
    assert_true (strlen (unknown) > 0);
    unknown = asynrole_strerror ((asynrole_code_t) -1);
    assert_non_null (unknown);
    assert_true (strlen (unknown) > 0);

    const char *ops[ASYNROLE_OP_QUEUE + 1];
    for (int op = ASYNROLE_OP_NONE; op <= ASYNROLE_OP_QUEUE; op++) {
        ops[op] = asynrole_op_name ((asynrole_op_t) op);
        assert_non_null (ops[op]);
        assert_true (strlen (ops[op]) > 0);
        for (int other = ASYNROLE_OP_NONE; other < op; other++)
            assert_string_not_equal (ops[op], ops[other]);
    }
    assert_string_equal (asynrole_op_name (ASYNROLE_OP_BIND), "bind");
    assert_string_equal (asynrole_op_name (ASYNROLE_OP_SEND), "send");
    unknown = asynrole_op_name ((asynrole_op_t) 99);
    assert_non_null (unknown);
    assert_true (strlen (unknown) > 0);
}

static void
test_error_is_network (void **state)
{
    (void) state;
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    struct {
        asynrole_code_t code;
        bool network;
    } cases[] = {
        { ASYNROLE_OK, false },         { ASYNROLE_EBADARG, false }, { ASYNROLE_ENETWORK, true },
        { ASYNROLE_ENORESPONSE, true }, { ASYNROLE_EIDLE, true },    { ASYNROLE_EDROPPED, false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        error.code = cases[i].code;
        if (asynrole_error_is_network (&error) != cases[i].network)
            fail_msg ("asynrole_error_is_network (%s) should be %s",
                      asynrole_strerror (cases[i].code), cases[i].network ? "true" : "false");
    }
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_parse_malformed),     cmocka_unit_test (test_resolve_malformed),
        cmocka_unit_test (test_parse_valid),         cmocka_unit_test (test_equal_family_port),
        cmocka_unit_test (test_format_small_buffer), cmocka_unit_test (test_resolve),
        cmocka_unit_test (test_error_names),         cmocka_unit_test (test_error_is_network),
    };
    return tu_main (tests, argc, argv);
}
