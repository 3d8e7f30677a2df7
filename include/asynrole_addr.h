/*  asynrole_addr.h - UDP addresses, IPv4 and IPv6

    Text forms: "192.0.2.1:161", "[2001:db8::1]:161", "[fe80::1%eth0]:161"
    (the scope id is kept), and with asynrole_addr_resolve also "host:161".
    The port is required. An IPv6 address needs its brackets.

    asynrole_addr_parse never blocks and never touches the network;
    asynrole_addr_resolve may do a DNS look-up and block: call it from your
    own thread, never from a hot path. The I/O actor only sees binary addresses.

    A zero-initialised asynrole_addr_t is the empty address, naming no
    socket. All functions are pure: safe from any thread and from callbacks.
*/
#ifndef ASYNROLE_ADDR_H_INCLUDED
#define ASYNROLE_ADDR_H_INCLUDED

#include "asynrole_export.h"
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

//  Defined in asynrole_error.h
typedef struct asynrole_error_s asynrole_error_t;

typedef struct {
    union {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
    } u;            //  the socket address
    socklen_t len;  //  bytes of u in use; 0 = no address
    uint32_t via;   //  the role's socket a datagram came in on, as 1 + its
                    //  index (asynrole_addr_socket gives the index); 0 = no
                    //  socket chosen (parsed, resolved, zeroed addresses).
                    //  An Agent replies through that socket; a Manager
                    //  ignores it
} asynrole_addr_t;

//  Room for any formatted address, scope id included
#define ASYNROLE_ADDR_STRLEN 80

//  Parse a numeric address. Returns 0, or -1 with an ASYNROLE_EBADARG error.
ASYNROLE_EXPORT int asynrole_addr_parse (asynrole_addr_t *addr, const char *text,
                                         asynrole_error_t *error);

//  Parse, or resolve a host name (may block on DNS). Returns 0 or -1 with
//  ASYNROLE_EBADARG (malformed, or the name does not resolve).
ASYNROLE_EXPORT int asynrole_addr_resolve (asynrole_addr_t *addr, const char *text,
                                           asynrole_error_t *error);

//  Format as text into buf (at least ASYNROLE_ADDR_STRLEN bytes is always
//  enough); returns buf. An empty address formats as "-".
ASYNROLE_EXPORT char *asynrole_addr_format (const asynrole_addr_t *addr, char *buf, size_t size);

//  Same family, address, port (and scope id); via is not compared
ASYNROLE_EXPORT bool asynrole_addr_equal (const asynrole_addr_t *a, const asynrole_addr_t *b);

//  AF_INET, AF_INET6, or AF_UNSPEC for an empty address
ASYNROLE_EXPORT int asynrole_addr_family (const asynrole_addr_t *addr);

//  Port in host byte order, 0 for an empty address
ASYNROLE_EXPORT uint16_t asynrole_addr_port (const asynrole_addr_t *addr);

//  Index of the role's socket in via, or -1 when no socket is chosen
ASYNROLE_EXPORT int asynrole_addr_socket (const asynrole_addr_t *addr);

#ifdef __cplusplus
}
#endif
#endif
