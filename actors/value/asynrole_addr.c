/*  asynrole_addr.c - parsing, resolving and formatting UDP addresses */
#include "asynrole_addr.h"
#include "error_fill.h"
#include "bounds.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  A bad address: the reason, then the input, shortened
static int
s_bad (asynrole_error_t *error, const char *reason, const char *text)
{
    char quoted[ERROR_QUOTE_MAX];
    return error_badarg (error, "%s: %s", reason, error_quote (text, quoted, sizeof quoted));
}

//  Split "host:port" / "[host]:port" into host (unbracketed) and port.
//  Returns 0, or -1 with a bad-argument error.
static int
s_split (const char *text, char *host, size_t host_size, uint16_t *port, bool *bracketed,
         asynrole_error_t *error)
{
    if (!text || !*text)
        return error_badarg (error, "empty address: expected host:port");
    const char *colon;
    const char *host_start = text;
    size_t host_len;
    *bracketed = (text[0] == '[');
    if (*bracketed) {
        const char *close = strchr (text, ']');
        if (!close)
            return s_bad (error, "missing ']'", text);
        host_start = text + 1;
        host_len = (size_t) (close - host_start);
        colon = close + 1;
        if (*colon != ':')
            return s_bad (error, "expected ':port' after ']'", text);
    }
    else {
        colon = strrchr (text, ':');
        if (!colon)
            return s_bad (error, "missing ':port'", text);
        if (memchr (text, ':', (size_t) (colon - text)))
            return s_bad (error, "an IPv6 address needs brackets, [addr]:port", text);
        host_len = (size_t) (colon - text);
    }
    if (host_len == 0)
        return s_bad (error, "missing host", text);
    if (host_len >= host_size)
        return s_bad (error, "host too long", text);
    memcpy (host, host_start, host_len);
    host[host_len] = 0;

    const char *digits = colon + 1;
    size_t ndigits = strlen (digits);
    if (ndigits == 0 || ndigits > 5 || strspn (digits, "0123456789") != ndigits)
        return s_bad (error, "port must be a number 0..65535", text);
    unsigned long value = strtoul (digits, NULL, 10);
    if (value > 65535)
        return s_bad (error, "port must be a number 0..65535", text);
    *port = (uint16_t) value;
    return 0;
}

//  Numeric IPv4 or IPv6 (with optional %scope) into addr
static int
s_numeric (asynrole_addr_t *addr, const char *host, uint16_t port, bool bracketed, const char *text,
           asynrole_error_t *error)
{
    memset (addr, 0, sizeof *addr);
    if (!bracketed) {
        if (inet_pton (AF_INET, host, &addr->u.in.sin_addr) != 1)
            return s_bad (error, "not a numeric IPv4 address", text);
        addr->u.in.sin_family = AF_INET;
        addr->u.in.sin_port = htons (port);
        addr->len = sizeof addr->u.in;
        return 0;
    }
    char ip[INET6_ADDRSTRLEN + 1];
    const char *percent = strchr (host, '%');
    size_t ip_len = percent ? (size_t) (percent - host) : strlen (host);
    if (ip_len >= sizeof ip)
        return s_bad (error, "not an IPv6 address", text);
    memcpy (ip, host, ip_len);
    ip[ip_len] = 0;
    if (inet_pton (AF_INET6, ip, &addr->u.in6.sin6_addr) != 1)
        return s_bad (error, "not a numeric IPv6 address", text);
    if (percent) {
        const char *scope = percent + 1;
        size_t scope_len = strlen (scope);
        if (scope_len == 0)
            return s_bad (error, "empty scope id", text);
        if (strspn (scope, "0123456789") == scope_len) {
            //  A number that fits a scope id: at most ten digits, below 2^32
            unsigned long long id = scope_len <= 10 ? strtoull (scope, NULL, 10) : UINT64_MAX;
            if (id > UINT32_MAX)
                return s_bad (error, "the scope id is not a 32-bit number", text);
            addr->u.in6.sin6_scope_id = (uint32_t) id;
        }
        else {
            addr->u.in6.sin6_scope_id = if_nametoindex (scope);
            if (addr->u.in6.sin6_scope_id == 0)
                return s_bad (error, "no interface of that name for the scope", text);
        }
    }
    addr->u.in6.sin6_family = AF_INET6;
    addr->u.in6.sin6_port = htons (port);
    addr->len = sizeof addr->u.in6;
    return 0;
}

//  What parse and resolve share: check addr, split text
static int
s_prepare (asynrole_addr_t *addr, const char *text, char *host, size_t host_size, uint16_t *port,
           bool *bracketed, asynrole_error_t *error)
{
    if (!addr)
        return error_badarg (error, "no address to fill");
    return s_split (text, host, host_size, port, bracketed, error);
}

int
asynrole_addr_parse (asynrole_addr_t *addr, const char *text, asynrole_error_t *error)
{
    char host[NI_MAXHOST];
    uint16_t port = 0;
    bool bracketed = false;
    if (s_prepare (addr, text, host, sizeof host, &port, &bracketed, error)
        || s_numeric (addr, host, port, bracketed, text, error))
        return -1;
    error_clear (error);
    return 0;
}

int
asynrole_addr_resolve (asynrole_addr_t *addr, const char *text, asynrole_error_t *error)
{
    char host[NI_MAXHOST];
    uint16_t port = 0;
    bool bracketed = false;
    if (s_prepare (addr, text, host, sizeof host, &port, &bracketed, error))
        return -1;
    //  Digits and dots are never a host name: don't ask DNS about them
    size_t host_len = strlen (host);
    bool numeric = bracketed || strspn (host, "0123456789.") == host_len;
    if (numeric)
        return s_numeric (addr, host, port, bracketed, text, error) ? -1 : (error_clear (error), 0);
    for (size_t i = 0; i < host_len; i++)
        if (!isalnum ((unsigned char) host[i]) && host[i] != '-' && host[i] != '.')
            return s_bad (error, "not a host name", text);

    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM };
    struct addrinfo *result = NULL;
    int rc = getaddrinfo (host, NULL, &hints, &result);
    if (rc != 0 || !result) {
        char reason[96];
        snprintf (reason, sizeof reason, "cannot resolve (%s)",
                  rc ? gai_strerror (rc) : "no address");
        return s_bad (error, reason, text);
    }
    memset (addr, 0, sizeof *addr);
    const struct addrinfo *found = NULL;
    for (const struct addrinfo *each = result; each && !found; each = each->ai_next)
        if (each->ai_family == AF_INET || each->ai_family == AF_INET6)
            found = each;
    if (!found) {
        freeaddrinfo (result);
        return s_bad (error, "no IPv4 or IPv6 address", text);
    }
    memcpy (&addr->u, found->ai_addr, found->ai_addrlen);
    addr->len = found->ai_addrlen;
    if (found->ai_family == AF_INET)
        addr->u.in.sin_port = htons (port);
    else
        addr->u.in6.sin6_port = htons (port);
    freeaddrinfo (result);
    error_clear (error);
    return 0;
}

char *
asynrole_addr_format (const asynrole_addr_t *addr, char *buf, size_t size)
{
    if (!buf || size == 0)
        return buf;
    char ip[INET6_ADDRSTRLEN];
    if (!addr || addr->len == 0)
        snprintf (buf, size, "-");
    else if (addr->u.sa.sa_family == AF_INET) {
        inet_ntop (AF_INET, &addr->u.in.sin_addr, ip, sizeof ip);
        snprintf (buf, size, "%s:%u", ip, ntohs (addr->u.in.sin_port));
    }
    else if (addr->u.sa.sa_family == AF_INET6) {
        inet_ntop (AF_INET6, &addr->u.in6.sin6_addr, ip, sizeof ip);
        char scope[IF_NAMESIZE + 2] = "";
        uint32_t scope_id = addr->u.in6.sin6_scope_id;
        char name[IF_NAMESIZE];
        if (scope_id && if_indextoname (scope_id, name))
            snprintf (scope, sizeof scope, "%%%s", name);
        else if (scope_id)
            snprintf (scope, sizeof scope, "%%%u", scope_id);
        snprintf (buf, size, "[%s%s]:%u", ip, scope, ntohs (addr->u.in6.sin6_port));
    }
    else
        snprintf (buf, size, "(family %d)", addr->u.sa.sa_family);
    return buf;
}

bool
asynrole_addr_equal (const asynrole_addr_t *a, const asynrole_addr_t *b)
{
    if (!a || !b || a->len != b->len)
        return false;
    if (a->len == 0)
        return true;
    if (a->u.sa.sa_family != b->u.sa.sa_family)
        return false;
    if (a->u.sa.sa_family == AF_INET)
        return a->u.in.sin_port == b->u.in.sin_port
            && a->u.in.sin_addr.s_addr == b->u.in.sin_addr.s_addr;
    if (a->u.sa.sa_family == AF_INET6)
        return a->u.in6.sin6_port == b->u.in6.sin6_port
            && a->u.in6.sin6_scope_id == b->u.in6.sin6_scope_id
            && memcmp (&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, sizeof (struct in6_addr)) == 0;
    return false;
}

int
asynrole_addr_family (const asynrole_addr_t *addr)
{
    return addr && addr->len ? addr->u.sa.sa_family : AF_UNSPEC;
}

int
asynrole_addr_socket (const asynrole_addr_t *addr)
{
    return addr && addr->via > 0 && addr->via <= INT32_MAX ? (int) addr->via - 1 : -1;
}

uint16_t
asynrole_addr_port (const asynrole_addr_t *addr)
{
    if (!addr || addr->len == 0)
        return 0;
    return ntohs (addr->u.sa.sa_family == AF_INET6 ? addr->u.in6.sin6_port : addr->u.in.sin_port);
}
