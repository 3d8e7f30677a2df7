/*  pcap.h - the pcap file format: a file header and one record per
    datagram, LINKTYPE_RAW with a synthesized IPv4 or IPv6 and UDP header,
    so that tshark and Wireshark decode the payload by its ports (SNMP on
    161 and 162).

    Classic pcap with microsecond timestamps, in host byte order as libpcap
    writes it (readers tell the order by the magic number). IPv4 when both
    addresses are IPv4; IPv6 when either is, the IPv4 one then v4-mapped
    (::ffff:a.b.c.d). An empty address (len 0) is 0.0.0.0 or ::, port 0.
    The IP and UDP lengths say the datagram's full size, also when fewer
    bytes are kept (they stop at 65535: no UDP datagram is larger). */
#ifndef ASYNROLE_PCAP_H_INCLUDED
#define ASYNROLE_PCAP_H_INCLUDED

#include "asynrole_addr.h"
#include <stddef.h>
#include <stdint.h>

//  Bytes of the file header, and the most a record's headers take
#define PCAP_FILE_HEADER 24
#define PCAP_RECORD_HEADERS (16 + 40 + 8)

//  Write the file header (microsecond timestamps, LINKTYPE_RAW, snaplen)
//  into out (PCAP_FILE_HEADER bytes)
void pcap_file_header (uint8_t *out, uint32_t snaplen);

//  Write a record's headers (pcap record, IP, UDP) for a datagram of size
//  bytes of which kept are stored, into out (PCAP_RECORD_HEADERS bytes at
//  most); returns the bytes written. The payload follows them in the file.
//  The UDP checksum is left 0: pcap_record_checksum fills it.
size_t pcap_record_headers (uint8_t *out, const asynrole_addr_t *from, const asynrole_addr_t *to,
                            size_t size, size_t kept, int64_t time_us);

//  Fill in the UDP checksum of the headers pcap_record_headers wrote
//  (length bytes), over the whole datagram (size bytes), also when the
//  record keeps fewer: a truncated record carries the checksum its
//  datagram had on the wire, as a capture off the wire would (readers do
//  not check a checksum whose payload is cut). Never 0 (RFC 768: 0xffff).
void pcap_record_checksum (uint8_t *headers, size_t length, const void *payload, size_t size);

#endif
