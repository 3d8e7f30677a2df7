/*  fuzz_addr.c - the address parser and formatter (asynrole_addr.h)

    The input is the text. Checked:
    - a refusal is ASYNROLE_EBADARG with a printable, non-empty detail;
    - what parses formats without being cut (ASYNROLE_ADDR_STRLEN is
      enough), and the text parses again to the same address, which
      formats to the same text;
    - asynrole_addr_resolve agrees with parse on every text parse takes
      (such a text is numeric: no DNS is asked);
    - the accessors agree with the address; formatting into any smaller
      buffer gives a NUL-terminated prefix of the text.
*/
#include "asynrole.h"
#include "fuzz_util.h"
#include <arpa/inet.h>
#include <string.h>

#define TEXT_MAX 512

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

FUZZ_INITIALIZE_KEEP_STDERR

static void
s_check_refusal (const char *text, const asynrole_error_t *error)
{
    FUZZ_CHECK (error->code == ASYNROLE_EBADARG, "parse refused '%s' with code %d", text,
                (int) error->code);
    size_t length = strnlen (error->detail, sizeof error->detail);
    FUZZ_CHECK (length > 0 && length < sizeof error->detail, "a refusal's detail is empty");
    for (size_t i = 0; i < length; i++)
        FUZZ_CHECK (error->detail[i] >= 32 && error->detail[i] < 127,
                    "a refusal's detail shows byte %d", error->detail[i]);
}

static void
s_check_accessors (const asynrole_addr_t *addr, const char *text)
{
    int family = asynrole_addr_family (addr);
    FUZZ_CHECK (family == AF_INET || family == AF_INET6, "'%s': family %d", text, family);
    uint16_t port = family == AF_INET ? addr->u.in.sin_port : addr->u.in6.sin6_port;
    FUZZ_CHECK (asynrole_addr_port (addr) == ntohs (port), "'%s': port", text);
    FUZZ_CHECK (asynrole_addr_socket (addr) == -1, "'%s': a parsed address names a socket", text);
    FUZZ_CHECK (asynrole_addr_equal (addr, addr), "'%s' is not equal to itself", text);
}

//  Smaller buffers: always a NUL-terminated prefix of the whole text
static void
s_check_cut (const asynrole_addr_t *addr, const char *whole, size_t length)
{
    char small[ASYNROLE_ADDR_STRLEN];
    for (size_t size = 1; size <= length; size++) {
        memset (small, 'x', sizeof small);
        asynrole_addr_format (addr, small, size);
        FUZZ_CHECK (small[size - 1] == 0 && strncmp (small, whole, size - 1) == 0,
                    "'%s' formatted into %zu bytes: not its prefix", whole, size);
        FUZZ_CHECK (small[size] == 'x', "'%s' formatted into %zu bytes wrote past them", whole,
                    size);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size >= TEXT_MAX)
        return 0;
    char text[TEXT_MAX];
    memcpy (text, data, size);
    text[size] = 0;

    asynrole_addr_t addr;
    asynrole_error_t error;
    if (asynrole_addr_parse (&addr, text, &error)) {
        s_check_refusal (text, &error);
        return 0;
    }
    FUZZ_CHECK (error.code == ASYNROLE_OK, "'%s' parsed, code %d", text, (int) error.code);
    s_check_accessors (&addr, text);

    asynrole_addr_t resolved;
    FUZZ_CHECK (asynrole_addr_resolve (&resolved, text, &error) == 0
                    && asynrole_addr_equal (&addr, &resolved),
                "'%s' parses, but resolves otherwise (%s)", text, error.detail);

    char formatted[ASYNROLE_ADDR_STRLEN + 1];
    memset (formatted, 0, sizeof formatted);
    asynrole_addr_format (&addr, formatted, ASYNROLE_ADDR_STRLEN);
    size_t length = strlen (formatted);
    FUZZ_CHECK (length < ASYNROLE_ADDR_STRLEN - 1, "'%s' formats to '%s': cut?", text, formatted);

    asynrole_addr_t again;
    FUZZ_CHECK (asynrole_addr_parse (&again, formatted, &error) == 0,
                "'%s' formats to '%s', which does not parse: %s", text, formatted, error.detail);
    FUZZ_CHECK (asynrole_addr_equal (&addr, &again) && addr.len == again.len,
                "'%s' formats to '%s', which parses to another address", text, formatted);
    char twice[ASYNROLE_ADDR_STRLEN];
    asynrole_addr_format (&again, twice, sizeof twice);
    FUZZ_CHECK (strcmp (formatted, twice) == 0, "'%s' formats to '%s', then to '%s'", text,
                formatted, twice);
    s_check_cut (&addr, formatted, length);
    return 0;
}
