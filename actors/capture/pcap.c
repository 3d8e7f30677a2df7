/*  pcap.c - the pcap file format: file header, record headers, checksums */
#include "pcap.h"
#include <arpa/inet.h>
#include <string.h>

#define PCAP_MAGIC 0xa1b2c3d4u  //  microsecond timestamps
#define PCAP_LINKTYPE_RAW 101   //  the packet starts with its IP header
#define PCAP_RECORD 16          //  the record header alone
#define PCAP_IP4 20
#define PCAP_IP6 40
#define PCAP_UDP 8
#define PCAP_TTL 64
#define PCAP_PROTO_UDP 17

//  One end of the datagram, as the record shows it
typedef struct {
    uint8_t ip[16];  //  4 bytes used for IPv4
    uint16_t port;   //  host order
} s_end_t;

//  Host order, as libpcap writes its headers
static void
s_host32 (uint8_t *out, uint32_t value)
{
    memcpy (out, &value, sizeof value);
}

static void
s_host16 (uint8_t *out, uint16_t value)
{
    memcpy (out, &value, sizeof value);
}

//  Network order, for the IP and UDP headers
static void
s_net16 (uint8_t *out, uint16_t value)
{
    out[0] = (uint8_t) (value >> 8);
    out[1] = (uint8_t) value;
}

//  A length field: no UDP datagram is larger, so it stops there
static uint16_t
s_length16 (size_t value)
{
    return value > 0xffff ? 0xffff : (uint16_t) value;
}

void
pcap_file_header (uint8_t *out, uint32_t snaplen)
{
    s_host32 (out, PCAP_MAGIC);
    s_host16 (out + 4, 2);  //  version 2.4
    s_host16 (out + 6, 4);
    s_host32 (out + 8, 0);   //  thiszone: timestamps are UTC
    s_host32 (out + 12, 0);  //  sigfigs
    s_host32 (out + 16, snaplen);
    s_host32 (out + 20, PCAP_LINKTYPE_RAW);
}

//  The end in family (AF_INET or AF_INET6): an empty address is all zeros
//  with port 0, an IPv4 one in an IPv6 record is v4-mapped
static s_end_t
s_end (const asynrole_addr_t *addr, int family)
{
    s_end_t end = { .port = 0 };
    int own = asynrole_addr_family (addr);
    if (own == AF_INET6) {
        memcpy (end.ip, &addr->u.in6.sin6_addr, 16);
        end.port = ntohs (addr->u.in6.sin6_port);
    }
    else if (own == AF_INET) {
        uint8_t *ip = end.ip;
        if (family == AF_INET6) {
            memset (end.ip + 10, 0xff, 2);
            ip = end.ip + 12;
        }
        memcpy (ip, &addr->u.in.sin_addr, 4);
        end.port = ntohs (addr->u.in.sin_port);
    }
    return end;
}

//  The one's complement sum of bytes, added to sum (not folded)
static uint64_t
s_sum (uint64_t sum, const uint8_t *bytes, size_t size)
{
    size_t i = 0;
    for (; i + 1 < size; i += 2)
        sum += (uint32_t) bytes[i] << 8 | bytes[i + 1];
    if (i < size)
        sum += (uint32_t) bytes[i] << 8;
    return sum;
}

static uint16_t
s_fold (uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t) ~sum;
}

static size_t
s_ip4_header (uint8_t *out, const s_end_t *from, const s_end_t *to, size_t size)
{
    memset (out, 0, PCAP_IP4);
    out[0] = 0x45;  //  version 4, 5 words
    s_net16 (out + 2, s_length16 (PCAP_IP4 + PCAP_UDP + size));
    out[8] = PCAP_TTL;
    out[9] = PCAP_PROTO_UDP;
    memcpy (out + 12, from->ip, 4);
    memcpy (out + 16, to->ip, 4);
    s_net16 (out + 10, s_fold (s_sum (0, out, PCAP_IP4)));
    return PCAP_IP4;
}

static size_t
s_ip6_header (uint8_t *out, const s_end_t *from, const s_end_t *to, size_t size)
{
    memset (out, 0, PCAP_IP6);
    out[0] = 0x60;  //  version 6, no traffic class, no flow label
    s_net16 (out + 4, s_length16 (PCAP_UDP + size));
    out[6] = PCAP_PROTO_UDP;
    out[7] = PCAP_TTL;
    memcpy (out + 8, from->ip, 16);
    memcpy (out + 24, to->ip, 16);
    return PCAP_IP6;
}

size_t
pcap_record_headers (uint8_t *out, const asynrole_addr_t *from, const asynrole_addr_t *to,
                     size_t size, size_t kept, int64_t time_us)
{
    int family = asynrole_addr_family (from) == AF_INET6 || asynrole_addr_family (to) == AF_INET6
        ? AF_INET6
        : AF_INET;
    s_end_t source = s_end (from, family);
    s_end_t destination = s_end (to, family);
    uint8_t *ip = out + PCAP_RECORD;
    size_t length = family == AF_INET6 ? s_ip6_header (ip, &source, &destination, size)
                                       : s_ip4_header (ip, &source, &destination, size);
    uint8_t *udp = ip + length;
    s_net16 (udp, source.port);
    s_net16 (udp + 2, destination.port);
    s_net16 (udp + 4, s_length16 (PCAP_UDP + size));
    s_net16 (udp + 6, 0);
    length += PCAP_UDP;
    //  Before 1970 (a clock set wrong) shows as 1970
    int64_t at = time_us > 0 ? time_us : 0;
    uint64_t orig = length + (uint64_t) size;
    s_host32 (out, (uint32_t) (at / 1000000));
    s_host32 (out + 4, (uint32_t) (at % 1000000));
    s_host32 (out + 8, (uint32_t) (length + kept));
    s_host32 (out + 12, orig > UINT32_MAX ? UINT32_MAX : (uint32_t) orig);
    return PCAP_RECORD + length;
}

void
pcap_record_checksum (uint8_t *headers, size_t length, const void *payload, size_t size)
{
    uint8_t *ip = headers + PCAP_RECORD;
    uint8_t *udp = headers + length - PCAP_UDP;
    //  The pseudo-header: addresses, protocol, UDP length (RFC 768, 8200)
    uint64_t sum = (ip[0] >> 4) == 6 ? s_sum (0, ip + 8, 32) : s_sum (0, ip + 12, 8);
    sum += PCAP_PROTO_UDP;
    sum += (uint32_t) udp[4] << 8 | udp[5];
    s_net16 (udp + 6, 0);
    sum = s_sum (sum, udp, PCAP_UDP);
    sum = s_sum (sum, payload, size);
    uint16_t checksum = s_fold (sum);
    s_net16 (udp + 6, checksum ? checksum : 0xffff);
}
