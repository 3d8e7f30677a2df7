/*  test_capture.c - pcap files of datagrams: the format, byte by byte, and
    the writer thread (its queue, size cap, rotation, errors and close),
    and a role's capture when its requests cannot reach the I/O actor

    Linked with the library's objects. Files go to a directory of the
    process's own, removed at the end. Where the writer must not keep up,
    it is made to wait on a FIFO that the test does not read yet: no test
    depends on how fast a thread runs.
*/
#define _GNU_SOURCE
#include "testutil.h"
#include "bounds.h"
#include "agent_internal.h"
#include "busy.h"
#include "capture.h"
#include "doorbell.h"
#include "filter.h"
#include "role_ctl.h"
#include "pcap.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

//  A timestamp: 2023-11-14 22:13:20.123456 UTC
#define TIME_US 1700000000123456LL

//  A record of a payload of 100 bytes over IPv4, with its headers
#define REC100 (16 + 20 + 8 + 100)

//  The directory the files go to
static char s_dir[256];

static const char *
s_path (const char *name, char *buf, size_t size)
{
    snprintf (buf, size, "%s/%s", s_dir, name);
    return buf;
}

//  -------------------------------------------------------------------------
//  Reading what was written, checked independently of pcap.c

static uint32_t
s_host32 (const uint8_t *bytes)
{
    uint32_t value;
    memcpy (&value, bytes, sizeof value);
    return value;
}

static uint16_t
s_net16 (const uint8_t *bytes)
{
    return (uint16_t) (bytes[0] << 8 | bytes[1]);
}

//  One's complement sum, folded
static uint32_t
s_sum (uint32_t sum, const uint8_t *bytes, size_t size)
{
    for (size_t i = 0; i < size; i += 2)
        sum += (uint32_t) bytes[i] << 8 | (i + 1 < size ? bytes[i + 1] : 0);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum;
}

static bool
s_ip4_valid (const uint8_t *ip)
{
    return s_sum (0, ip, 20) == 0xffff;
}

//  Does the UDP checksum of the packet (IP header first, size bytes, the
//  whole datagram) hold? Never 0 for IPv6, which forbids it.
static bool
s_udp_valid (const uint8_t *ip, size_t size)
{
    bool v6 = ip[0] >> 4 == 6;
    const uint8_t *udp = ip + (v6 ? 40 : 20);
    size_t length = s_net16 (udp + 4);
    if ((size_t) (udp - ip) + length != size || (v6 && s_net16 (udp + 6) == 0))
        return false;
    uint32_t sum = v6 ? s_sum (0, ip + 8, 32) : s_sum (0, ip + 12, 8);
    sum = s_sum (sum + 17 + (uint32_t) length, udp, length);
    return sum == 0xffff;
}

//  Check a pcap record header
static void
s_check_record (const uint8_t *record, uint32_t sec, uint32_t usec, uint32_t incl, uint32_t orig)
{
    assert_int_equal (s_host32 (record), sec);
    assert_int_equal (s_host32 (record + 4), usec);
    assert_int_equal (s_host32 (record + 8), incl);
    assert_int_equal (s_host32 (record + 12), orig);
}

typedef struct {
    const uint8_t *record;   //  its pcap header
    const uint8_t *ip;       //  the packet, IP header first
    uint32_t incl, orig;     //  bytes kept, bytes of the packet
    const uint8_t *payload;  //  after the UDP header
    size_t kept;             //  payload bytes kept
    size_t size;             //  payload bytes of the datagram
} rec_t;

//  Check the file header (snaplen: the file's) and every record: lengths
//  that agree with each other, an IP checksum that holds, a UDP checksum
//  that holds when the payload is whole, and no byte after the last one.
//  Fills recs (at most max); returns the records.
static size_t
s_walk (const uint8_t *bytes, size_t size, uint32_t snaplen, rec_t *recs, size_t max)
{
    assert_true (size >= PCAP_FILE_HEADER);
    assert_int_equal (s_host32 (bytes), 0xa1b2c3d4);
    uint16_t version[2];
    memcpy (version, bytes + 4, sizeof version);
    assert_true (version[0] == 2 && version[1] == 4);
    assert_int_equal (s_host32 (bytes + 16), snaplen);
    assert_int_equal (s_host32 (bytes + 20), 101);
    size_t count = 0;
    for (size_t at = PCAP_FILE_HEADER; at < size; count++) {
        assert_true (at + 16 <= size);
        rec_t rec = { .record = bytes + at, .ip = bytes + at + 16 };
        rec.incl = s_host32 (bytes + at + 8);
        rec.orig = s_host32 (bytes + at + 12);
        assert_true (rec.incl <= rec.orig && at + 16 + rec.incl <= size);
        bool v6 = rec.ip[0] >> 4 == 6;
        assert_true (v6 || rec.ip[0] == 0x45);
        size_t headers = v6 ? 48 : 28;
        assert_true (rec.incl >= headers);
        size_t ip_length = v6 ? 40u + s_net16 (rec.ip + 4) : s_net16 (rec.ip + 2);
        assert_int_equal (ip_length, rec.orig);
        assert_int_equal (s_net16 (rec.ip + headers - 4), rec.orig - (headers - 8));
        assert_true (v6 || s_ip4_valid (rec.ip));
        if (rec.incl == rec.orig)
            assert_true (s_udp_valid (rec.ip, rec.incl));
        rec.payload = rec.ip + headers;
        rec.kept = rec.incl - headers;
        rec.size = rec.orig - headers;
        if (count < max)
            recs[count] = rec;
        at += 16 + rec.incl;
    }
    return count;
}

//  The whole file, malloc'd (and a byte more, never NULL)
static uint8_t *
s_slurp (const char *path, size_t *size)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fail_msg ("cannot open %s: %s", path, strerror (errno));
    struct stat st;
    assert_int_equal (fstat (fd, &st), 0);
    uint8_t *bytes = malloc ((size_t) st.st_size + 1);
    assert_non_null (bytes);
    *size = 0;
    while (*size < (size_t) st.st_size) {
        ssize_t rc = read (fd, bytes + *size, (size_t) st.st_size - *size);
        assert_true (rc > 0);
        *size += (size_t) rc;
    }
    close (fd);
    return bytes;
}

//  Records in a file, checked with s_walk (files of snaplen 65535); recs
//  point into the bytes, which are the caller's when bytes_p is not NULL
static size_t
s_file_records (const char *path, rec_t *recs, size_t max, uint8_t **bytes_p)
{
    size_t size;
    uint8_t *bytes = s_slurp (path, &size);
    size_t count = s_walk (bytes, size, 65535 + 48, recs, max);
    if (bytes_p)
        *bytes_p = bytes;
    else
        free (bytes);
    return count;
}

static off_t
s_file_size (const char *path)
{
    struct stat st;
    if (stat (path, &st))
        fail_msg ("cannot stat %s: %s", path, strerror (errno));
    return st.st_size;
}

//  A payload of size bytes: its number in the first 4 (when there is room)
static void
s_payload (uint8_t *payload, size_t size, uint32_t number)
{
    tu_fill (payload, size, number);
    if (size >= 4)
        memcpy (payload, &number, 4);
}

static uint32_t
s_number (const rec_t *rec)
{
    uint32_t number;
    memcpy (&number, rec->payload, 4);
    return number;
}

static capture_t *
s_open (const char *path, const capture_options_t *options)
{
    asynrole_error_t error;
    capture_t *capture = capture_open (path, options, &error);
    if (!capture)
        fail_msg ("capture_open (%s): %s", path, error.detail);
    return capture;
}

//  Everything put is handled; the counters then
static capture_stats_t
s_flushed_stats (capture_t *capture)
{
    asynrole_error_t error;
    if (capture_flush (capture, TU_TIMEOUT_MS, &error))
        fail_msg ("capture_flush: %s", error.detail);
    capture_stats_t stats;
    capture_stats (capture, &stats);
    return stats;
}

static void
s_close (capture_t **capture_p)
{
    asynrole_error_t error;
    if (capture_close (capture_p, TU_TIMEOUT_MS, NULL, &error))
        fail_msg ("capture_close: %s", error.detail);
    assert_null (*capture_p);
}

//  A close that finishes but says lost datagrams were left out of the file
static void
s_close_lossy (capture_t **capture_p, uint64_t lost)
{
    asynrole_error_t error;
    capture_stats_t stats;
    assert_int_equal (capture_close (capture_p, TU_TIMEOUT_MS, &stats, &error), -1);
    assert_null (*capture_p);
    assert_int_equal (error.code, ASYNROLE_EDROPPED);
    assert_int_equal (error.op, ASYNROLE_OP_CAPTURE);
    assert_int_equal (stats.dropped + stats.skipped + stats.failed, lost);
    char words[64];
    snprintf (words, sizeof words, "left out %llu datagrams", (unsigned long long) lost);
    if (!strstr (error.detail, words))
        fail_msg ("capture_close: %s", error.detail);
}

//  Put count datagrams of size bytes over IPv4, numbered from first
static void
s_put_many (capture_t *capture, size_t count, size_t size, uint32_t first)
{
    asynrole_addr_t from = tu_addr ("192.0.2.1:161");
    asynrole_addr_t to = tu_addr ("192.0.2.2:50000");
    uint8_t payload[65536];
    for (size_t i = 0; i < count; i++) {
        s_payload (payload, size, first + (uint32_t) i);
        capture_put (capture, &from, &to, payload, size, size, TIME_US + (int64_t) i);
    }
}

//  -------------------------------------------------------------------------
//  The format

static void
test_file_header (void **state)
{
    (void) state;
    uint8_t out[PCAP_FILE_HEADER];
    memset (out, 0xee, sizeof out);
    pcap_file_header (out, 65583);
    //  Host byte order, as libpcap writes it
    uint32_t magic = 0xa1b2c3d4, zero = 0, snaplen = 65583, linktype = 101;
    uint16_t major = 2, minor = 4;
    uint8_t expected[PCAP_FILE_HEADER];
    memcpy (expected, &magic, 4);
    memcpy (expected + 4, &major, 2);
    memcpy (expected + 6, &minor, 2);
    memcpy (expected + 8, &zero, 4);
    memcpy (expected + 12, &zero, 4);
    memcpy (expected + 16, &snaplen, 4);
    memcpy (expected + 20, &linktype, 4);
    assert_memory_equal (out, expected, sizeof out);
}

//  The record for payload "hello" from from to to, its packet in packet
static size_t
s_hello (uint8_t *packet, const char *from, const char *to)
{
    asynrole_addr_t a = tu_addr (from), b = tu_addr (to);
    uint8_t out[PCAP_RECORD_HEADERS];
    size_t length = pcap_record_headers (out, &a, &b, 5, 5, TIME_US);
    pcap_record_checksum (out, length, "hello", 5);
    s_check_record (out, 1700000000, 123456, (uint32_t) length - 16 + 5,
                    (uint32_t) length - 16 + 5);
    memcpy (packet, out + 16, length - 16);
    memcpy (packet + length - 16, "hello", 5);
    assert_true (s_udp_valid (packet, length - 16 + 5));
    return length - 16;
}

static void
test_record_ipv4 (void **state)
{
    (void) state;
    static const uint8_t expected[] = {
        0x45, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11,  //  length 33, TTL 64, UDP
        0x8e, 0x90, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07,  //  checksum, addresses
        0x00, 0xa1, 0xc3, 0x50, 0x00, 0x0d, 0x0b, 0xd4,              //  161 -> 50000, 13
    };
    uint8_t packet[128];
    assert_int_equal (s_hello (packet, "192.0.2.1:161", "198.51.100.7:50000"), 28);
    assert_memory_equal (packet, expected, sizeof expected);
    assert_true (s_ip4_valid (packet));
}

static void
test_record_ipv6 (void **state)
{
    (void) state;
    static const uint8_t expected[] = {
        0x60, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x11, 0x40,  //  payload 13, UDP, hop limit 64
        0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,  //  2001:db8::1
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  //
        0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,  //  2001:db8::2
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,  //
        0x00, 0xa1, 0x00, 0xa2, 0x00, 0x0d, 0x5f, 0x4a,  //  161 -> 162, 13
    };
    uint8_t packet[128];
    assert_int_equal (s_hello (packet, "[2001:db8::1]:161", "[2001:db8::2]:162"), 48);
    assert_memory_equal (packet, expected, sizeof expected);
}

static void
test_record_mixed (void **state)
{
    (void) state;
    static const uint8_t expected[] = {
        0x60, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x11, 0x40,  //
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //  ::ffff:192.0.2.1
        0x00, 0x00, 0xff, 0xff, 0xc0, 0x00, 0x02, 0x01,  //
        0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,  //  2001:db8::2
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,  //
        0x00, 0xa1, 0xc3, 0x50, 0x00, 0x0d, 0x08, 0x54,  //  161 -> 50000
    };
    uint8_t packet[128];
    assert_int_equal (s_hello (packet, "192.0.2.1:161", "[2001:db8::2]:50000"), 48);
    assert_memory_equal (packet, expected, sizeof expected);
    //  The other way round: the destination is the mapped one
    assert_int_equal (s_hello (packet, "[2001:db8::2]:50000", "192.0.2.1:161"), 48);
    assert_memory_equal (packet + 8, expected + 24, 16);
    assert_memory_equal (packet + 24, expected + 8, 16);
    assert_int_equal (s_net16 (packet + 40), 50000);
    assert_int_equal (s_net16 (packet + 42), 161);
}

//  An empty address is zeros and port 0, in the other's family
static void
test_record_empty_address (void **state)
{
    (void) state;
    static const uint8_t zeros[16] = { 0 };
    asynrole_addr_t empty = { .len = 0 };
    asynrole_addr_t v4 = tu_addr ("192.0.2.1:161"), v6 = tu_addr ("[2001:db8::1]:162");
    uint8_t out[PCAP_RECORD_HEADERS];
    assert_int_equal (pcap_record_headers (out, &empty, &v4, 0, 0, TIME_US), 16 + 28);
    assert_int_equal (out[16], 0x45);
    assert_memory_equal (out + 16 + 12, zeros, 4);
    assert_memory_equal (out + 16 + 16, &v4.u.in.sin_addr, 4);
    assert_int_equal (s_net16 (out + 36), 0);
    assert_int_equal (s_net16 (out + 38), 161);
    assert_true (s_ip4_valid (out + 16));
    assert_int_equal (pcap_record_headers (out, &v6, NULL, 0, 0, TIME_US), 16 + 48);
    assert_int_equal (out[16], 0x60);
    assert_memory_equal (out + 16 + 8, &v6.u.in6.sin6_addr, 16);
    assert_memory_equal (out + 16 + 24, zeros, 16);
    assert_int_equal (s_net16 (out + 56), 162);
    assert_int_equal (s_net16 (out + 58), 0);
    pcap_record_checksum (out, 64, NULL, 0);
    assert_true (s_udp_valid (out + 16, 48));
    //  Neither: IPv4, all zeros
    assert_int_equal (pcap_record_headers (out, &empty, &empty, 0, 0, TIME_US), 16 + 28);
    assert_memory_equal (out + 16 + 12, zeros, 8);
    assert_memory_equal (out + 16 + 20, zeros, 4);
}

//  Cut to kept bytes: the lengths and the checksum are the whole datagram's
static void
test_record_truncated (void **state)
{
    (void) state;
    const char *pairs[][2] = { { "192.0.2.1:161", "192.0.2.2:50000" },
                               { "[2001:db8::1]:161", "[2001:db8::2]:50000" } };
    for (size_t i = 0; i < 2; i++) {
        asynrole_addr_t from = tu_addr (pairs[i][0]), to = tu_addr (pairs[i][1]);
        uint8_t packet[PCAP_RECORD_HEADERS + 301];
        uint8_t *payload = packet + PCAP_RECORD_HEADERS;
        s_payload (payload, 301, 7);
        size_t length = pcap_record_headers (packet, &from, &to, 301, 100, TIME_US);
        size_t headers = length - 16;
        pcap_record_checksum (packet, length, payload, 301);
        s_check_record (packet, 1700000000, 123456, (uint32_t) (headers + 100),
                        (uint32_t) (headers + 301));
        //  Checked over the whole datagram, as it went on the wire
        memmove (packet + length, payload, 301);
        assert_true (s_udp_valid (packet + 16, headers + 301));
    }
    //  Before 1970 shows as 1970; a record keeps no more than it is told
    asynrole_addr_t v4 = tu_addr ("192.0.2.1:161");
    uint8_t out[PCAP_RECORD_HEADERS];
    pcap_record_headers (out, &v4, &v4, 1000, 0, -5);
    s_check_record (out, 0, 0, 28, 1028);
}

//  A checksum that comes out 0 is written 0xffff (RFC 768; IPv6 needs one)
static void
test_record_checksum_never_zero (void **state)
{
    (void) state;
    const char *pairs[][2] = { { "192.0.2.1:161", "192.0.2.2:50000" },
                               { "[2001:db8::1]:161", "[2001:db8::2]:50000" } };
    for (size_t i = 0; i < 2; i++) {
        asynrole_addr_t from = tu_addr (pairs[i][0]), to = tu_addr (pairs[i][1]);
        uint8_t out[PCAP_RECORD_HEADERS];
        uint8_t payload[2] = { 0, 0 };
        size_t length = pcap_record_headers (out, &from, &to, 2, 2, TIME_US);
        pcap_record_checksum (out, length, payload, 2);
        //  A payload of the checksum itself makes the sum all ones
        memcpy (payload, out + length - 2, 2);
        pcap_record_checksum (out, length, payload, 2);
        assert_int_equal (s_net16 (out + length - 2), 0xffff);
        uint8_t packet[64];
        memcpy (packet, out + 16, length - 16);
        memcpy (packet + length - 16, payload, 2);
        assert_true (s_udp_valid (packet, length - 16 + 2));
    }
}

//  -------------------------------------------------------------------------
//  Files

//  Datagrams of each kind, in order, with their headers and payloads
static void
test_capture_records (void **state)
{
    (void) state;
    char path[512];
    s_path ("records.pcap", path, sizeof path);
    capture_t *capture = s_open (path, NULL);
    const char *pairs[][2] = { { "192.0.2.1:161", "198.51.100.7:50000" },
                               { "[2001:db8::1]:161", "[2001:db8::2]:162" },
                               { "192.0.2.1:161", "[2001:db8::2]:50000" },
                               { "[2001:db8::2]:162", "192.0.2.9:1234" } };
    uint8_t payload[4][300];
    for (size_t i = 0; i < 4; i++) {
        asynrole_addr_t from = tu_addr (pairs[i][0]), to = tu_addr (pairs[i][1]);
        s_payload (payload[i], 100 + i * 50, (uint32_t) i);
        capture_put (capture, &from, &to, payload[i], 100 + i * 50, 100 + i * 50,
                     TIME_US + (int64_t) i);
    }
    asynrole_addr_t v4 = tu_addr ("192.0.2.1:161");
    capture_put (capture, NULL, &v4, "", 0, 0, TIME_US + 4);  //  an empty payload
    capture_stats_t stats = s_flushed_stats (capture);
    assert_int_equal (stats.written, 5);
    assert_int_equal (stats.dropped + stats.skipped + stats.failed + stats.rotations, 0);
    assert_int_equal (stats.last_errno, 0);
    assert_int_equal (stats.bytes, s_file_size (path));
    s_close (&capture);
    rec_t recs[8];
    uint8_t *bytes;
    assert_int_equal (s_file_records (path, recs, 8, &bytes), 5);
    for (size_t i = 0; i < 4; i++) {
        asynrole_addr_t from = tu_addr (pairs[i][0]), to = tu_addr (pairs[i][1]);
        uint8_t expected[PCAP_RECORD_HEADERS];
        size_t length = pcap_record_headers (expected, &from, &to, 100 + i * 50, 100 + i * 50,
                                             TIME_US + (int64_t) i);
        pcap_record_checksum (expected, length, payload[i], 100 + i * 50);
        assert_memory_equal (recs[i].record, expected, length);
        assert_int_equal (recs[i].kept, 100 + i * 50);
        assert_memory_equal (recs[i].payload, payload[i], 100 + i * 50);
    }
    assert_int_equal (recs[2].ip[0], 0x60);
    assert_int_equal (recs[4].kept, 0);
    assert_int_equal (s_host32 (recs[4].record + 4), 123460);
    free (bytes);
}

//  snaplen keeps the first bytes of each payload; the file says so
static void
test_capture_snaplen (void **state)
{
    (void) state;
    char path[512];
    s_path ("snaplen.pcap", path, sizeof path);
    capture_options_t options = { .snaplen = 10 };
    capture_t *capture = s_open (path, &options);
    asynrole_addr_t v4 = tu_addr ("192.0.2.1:161"), v6 = tu_addr ("[2001:db8::1]:161");
    uint8_t payload[100];
    s_payload (payload, sizeof payload, 1);
    capture_put (capture, &v4, &v4, payload, 100, 100, TIME_US);
    capture_put (capture, &v6, &v6, payload, 100, 100, TIME_US);
    capture_put (capture, &v4, &v4, payload, 10, 10, TIME_US);
    capture_put (capture, &v6, &v6, payload, 5, 5, TIME_US);
    s_close (&capture);
    size_t size;
    uint8_t *bytes = s_slurp (path, &size);
    rec_t recs[4];
    assert_int_equal (s_walk (bytes, size, 10 + 48, recs, 4), 4);
    size_t headers[] = { 28, 48, 28, 48 }, sizes[] = { 100, 100, 10, 5 };
    for (size_t i = 0; i < 4; i++) {
        size_t kept = sizes[i] < 10 ? sizes[i] : 10;
        assert_int_equal (recs[i].incl, headers[i] + kept);
        assert_int_equal (recs[i].orig, headers[i] + sizes[i]);
        assert_memory_equal (recs[i].payload, payload, kept);
        //  The checksum is the whole datagram's
        uint8_t packet[200];
        memcpy (packet, recs[i].ip, headers[i]);
        memcpy (packet + headers[i], payload, sizes[i]);
        assert_true (s_udp_valid (packet, headers[i] + sizes[i]));
    }
    free (bytes);
}

//  files = 3: path, path.1, path.2; the oldest go; none past max_bytes
static void
test_capture_rotation (void **state)
{
    (void) state;
    char path[512], name[600];
    s_path ("rotate.pcap", path, sizeof path);
    //  Three records of 144 bytes, and room for less than a fourth
    capture_options_t options = { .max_bytes = 24 + 3 * REC100 + 100, .files = 3 };
    capture_t *capture = s_open (path, &options);
    s_put_many (capture, 10, 100, 0);
    capture_stats_t stats = s_flushed_stats (capture);
    assert_int_equal (stats.written, 10);
    assert_int_equal (stats.rotations, 3);
    assert_int_equal (stats.skipped + stats.failed + stats.dropped, 0);
    assert_int_equal (stats.bytes, 4 * 24 + 10 * REC100);
    s_close (&capture);
    //  Newest first: 9 | 6 7 8 | 3 4 5; 0 1 2 went with the fourth file
    const char *suffixes[] = { "", ".1", ".2" };
    uint32_t firsts[] = { 9, 6, 3 };
    size_t counts[] = { 1, 3, 3 };
    for (size_t i = 0; i < 3; i++) {
        snprintf (name, sizeof name, "%s%s", path, suffixes[i]);
        assert_true (s_file_size (name) <= (off_t) options.max_bytes);
        rec_t recs[4];
        uint8_t *bytes;
        assert_int_equal (s_file_records (name, recs, 4, &bytes), counts[i]);
        for (size_t j = 0; j < counts[i]; j++)
            assert_int_equal (s_number (&recs[j]), firsts[i] + j);
        free (bytes);
    }
    snprintf (name, sizeof name, "%s.3", path);
    assert_int_equal (access (name, F_OK), -1);
}

//  One file stops at max_bytes; what comes after is skipped, even what
//  would fit; a record too large for an empty file keeps what fits
static void
test_capture_one_file_cap (void **state)
{
    (void) state;
    char path[512];
    s_path ("cap.pcap", path, sizeof path);
    capture_options_t options = { .max_bytes = 24 + 3 * REC100 + 100, .files = 1 };
    capture_t *capture = s_open (path, &options);
    s_put_many (capture, 6, 100, 0);
    s_put_many (capture, 1, 0, 6);  //  44 bytes: room for it, but the file is full
    capture_stats_t stats = s_flushed_stats (capture);
    assert_int_equal (stats.written, 3);
    assert_int_equal (stats.skipped, 4);
    assert_int_equal (stats.written + stats.skipped + stats.dropped + stats.failed, 7);
    assert_int_equal (stats.rotations, 0);
    s_close_lossy (&capture, 4);
    assert_int_equal (s_file_size (path), 24 + 3 * REC100);
    assert_int_equal (s_file_records (path, NULL, 0, NULL), 3);
    //  files 0 is one file too; the smallest max_bytes takes one record's headers
    options = (capture_options_t){ .max_bytes = PCAP_FILE_HEADER + PCAP_RECORD_HEADERS + 10 };
    capture = s_open (path, &options);
    s_put_many (capture, 2, 100, 0);
    stats = s_flushed_stats (capture);
    assert_int_equal (stats.written, 1);
    assert_int_equal (stats.skipped, 1);
    s_close_lossy (&capture, 1);
    rec_t rec;
    uint8_t *bytes;
    assert_int_equal (s_file_records (path, &rec, 1, &bytes), 1);
    assert_int_equal (s_file_size (path), options.max_bytes);
    assert_int_equal (rec.orig, 28 + 100);
    assert_int_equal (rec.incl, options.max_bytes - 24 - 16);
    assert_int_equal (s_number (&rec), 0);
    free (bytes);
}

//  -------------------------------------------------------------------------
//  A writer that waits: a FIFO the test reads only when it wants to

static void
s_fifo (tu_fifo_t *fifo, const char *name)
{
    char path[512];
    tu_fifo_make (fifo, s_path (name, path, sizeof path));
}

//  A record the writer cannot write all of into the empty pipe: queued,
//  it holds the writer in write(2) until the test reads. Returns its bytes.
static size_t
s_fifo_block (tu_fifo_t *fifo, capture_t *capture, size_t bytes)
{
    assert_true (bytes > fifo->pipe_size + 200);
    asynrole_addr_t v4 = tu_addr ("192.0.2.1:161");
    uint8_t *payload = calloc (1, bytes);
    capture_put (capture, &v4, &v4, payload, bytes - 44, bytes - 44, TIME_US);
    free (payload);
    return bytes;
}

//  Queue full: counted in dropped, and put never waits for the writer
static void
test_capture_queue_full (void **state)
{
    (void) state;
    tu_fifo_t fifo;
    s_fifo (&fifo, "full.fifo");
    //  The queue holds n records of 144 bytes, or one record that fills the pipe
    size_t n = (fifo.pipe_size + 200) / REC100 + 1;
    capture_options_t options = { .queue_bytes = n * REC100 };
    capture_t *capture = s_open (fifo.path, &options);
    size_t total = 24 + s_fifo_block (&fifo, capture, n * REC100) + n * REC100;
    //  Its first byte in the pipe: the writer has taken it, and waits
    uint8_t *stream = malloc (total + 1);
    assert_int_equal (tu_fifo_read (&fifo, stream, 25), 25);
    s_put_many (capture, n + 10, 100, 1);
    capture_stats_t stats;
    capture_stats (capture, &stats);
    assert_int_equal (stats.dropped, 10);
    assert_int_equal (stats.written, 0);
    //  Read it all: everything that was queued is written
    assert_int_equal (tu_fifo_read (&fifo, stream + 25, total - 25), total - 25);
    stats = s_flushed_stats (capture);
    assert_int_equal (stats.written, n + 1);
    assert_int_equal (stats.dropped, 10);
    assert_int_equal (stats.written + stats.dropped, n + 11);
    assert_int_equal (stats.bytes, total);
    s_close_lossy (&capture, 10);
    assert_int_equal (tu_fifo_read (&fifo, stream + total, 1), 0);  //  EOF
    rec_t recs[64];
    assert_true (n + 1 <= 64);
    assert_int_equal (s_walk (stream, total, 65535 + 48, recs, 64), n + 1);
    for (size_t i = 1; i <= n; i++)
        assert_int_equal (s_number (&recs[i]), i);
    free (stream);
    close (fifo.fd);
}

//  A record larger than the queue can never go
static void
test_capture_queue_too_small (void **state)
{
    (void) state;
    char path[512];
    s_path ("small.pcap", path, sizeof path);
    capture_options_t options = { .queue_bytes = REC100 };
    capture_t *capture = s_open (path, &options);
    s_put_many (capture, 1, 101, 0);
    s_put_many (capture, 1, 100, 1);
    capture_stats_t stats = s_flushed_stats (capture);
    assert_int_equal (stats.dropped, 1);
    assert_int_equal (stats.written, 1);
    s_close_lossy (&capture, 1);
    rec_t rec;
    assert_int_equal (s_file_records (path, &rec, 1, NULL), 1);
}

//  capture_close waits at most its timeout; the writer then frees itself
static void
test_capture_close_timeout (void **state)
{
    (void) state;
    tu_fifo_t fifo;
    s_fifo (&fifo, "close.fifo");
    capture_t *capture = s_open (fifo.path, NULL);
    size_t total = 24 + s_fifo_block (&fifo, capture, fifo.pipe_size + 1000);
    asynrole_error_t error;
    assert_int_equal (capture_flush (capture, 50, &error), -1);
    assert_int_equal (error.code, ASYNROLE_ETIMEOUT);
    assert_int_equal (error.op, ASYNROLE_OP_CAPTURE);
    int64_t start = tu_now ();
    assert_int_equal (capture_close (&capture, 100, NULL, &error), -1);
    assert_true (tu_now () - start >= 100);
    assert_null (capture);
    assert_int_equal (error.code, ASYNROLE_ETIMEOUT);
    assert_int_equal (error.op, ASYNROLE_OP_CAPTURE);
    assert_non_null (strstr (error.detail, "close.fifo"));
    //  Read: the writer writes the rest, closes (EOF) and frees itself
    uint8_t *stream = malloc (total + 1);
    assert_int_equal (tu_fifo_read (&fifo, stream, total + 1), total);
    assert_int_equal (s_walk (stream, total, 65535 + 48, NULL, 0), 1);
    free (stream);
    close (fifo.fd);
}

//  -------------------------------------------------------------------------
//  Errors

static void
test_capture_open_errors (void **state)
{
    (void) state;
    char path[512];
    asynrole_error_t error;
    s_path ("nonexistent/x.pcap", path, sizeof path);
    assert_null (capture_open (path, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (error.op, ASYNROLE_OP_CAPTURE);
    assert_int_equal (error.sys_errno, ENOENT);
    assert_non_null (strstr (error.detail, "x.pcap"));
    //  A directory
    assert_null (capture_open (s_dir, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (error.op, ASYNROLE_OP_CAPTURE);
    assert_int_equal (error.sys_errno, EISDIR);
    //  A FIFO no one reads: at once, rather than wait for a reader
    s_path ("nobody.fifo", path, sizeof path);
    assert_int_equal (mkfifo (path, 0600), 0);
    assert_null (capture_open (path, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (error.sys_errno, ENXIO);
    //  No path
    assert_null (capture_open (NULL, NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_null (capture_open ("", NULL, &error));
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_null (capture_open ("", NULL, NULL));
}

static void
test_capture_bad_options (void **state)
{
    (void) state;
    char path[512];
    s_path ("options.pcap", path, sizeof path);
    capture_options_t bad[] = {
        { .snaplen = 65536 },
        { .max_bytes = PCAP_FILE_HEADER + PCAP_RECORD_HEADERS - 1 },
        { .max_bytes = 1 },
        { .files = 1001 },
        { .queue_bytes = LIMIT_BYTES_MAX + 1 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        asynrole_error_t error;
        assert_null (capture_open (path, &bad[i], &error));
        assert_int_equal (error.code, ASYNROLE_EBADARG);
        assert_int_equal (error.op, ASYNROLE_OP_CAPTURE);
        assert_true (strlen (error.detail) > 0);
        //  Checked before the file is made
        assert_int_equal (access (path, F_OK), -1);
    }
    //  The edges that are fine
    capture_options_t good[] = {
        { .snaplen = 65535 },
        { .max_bytes = PCAP_FILE_HEADER + PCAP_RECORD_HEADERS },
        { .files = 1000, .max_bytes = 1000 },
        { .queue_bytes = 1 },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        capture_t *capture = s_open (path, &good[i]);
        s_close (&capture);
    }
}

//  A write that fails (the file size limit): the whole records that went
//  stay, the rest count in failed with last_errno, and the writer goes on
static int
s_write_error_body (void *arg)
{
    const char *path = (const char *) arg;
    struct rlimit limit;
    getrlimit (RLIMIT_FSIZE, &limit);
    limit.rlim_cur = 24 + 3 * REC100 + 50;
    TU_CHECK (setrlimit (RLIMIT_FSIZE, &limit) == 0, "setrlimit: %s", strerror (errno));
    capture_t *capture = capture_open (path, NULL, NULL);
    TU_CHECK (capture, "capture_open failed");
    s_put_many (capture, 6, 100, 0);
    TU_CHECK (capture_flush (capture, TU_TIMEOUT_MS, NULL) == 0, "flush timed out");
    s_put_many (capture, 2, 100, 6);  //  the writer went on: these fail too
    TU_CHECK (capture_flush (capture, TU_TIMEOUT_MS, NULL) == 0, "flush timed out");
    capture_stats_t stats;
    asynrole_error_t error;
    //  Closed, but not whole: the stop says so, and why
    TU_CHECK (capture_close (&capture, TU_TIMEOUT_MS, &stats, &error) == -1, "close said whole");
    TU_CHECK (error.code == ASYNROLE_EDROPPED && error.op == ASYNROLE_OP_CAPTURE
                  && error.sys_errno == EFBIG,
              "close: %d %d %d %s", error.code, error.op, error.sys_errno, error.detail);
    TU_CHECK (strstr (error.detail, "left out 5 datagrams"), "close: %s", error.detail);
    TU_CHECK (stats.written == 3, "written %llu", (unsigned long long) stats.written);
    TU_CHECK (stats.failed == 5, "failed %llu", (unsigned long long) stats.failed);
    TU_CHECK (stats.last_errno == EFBIG, "last_errno %d", stats.last_errno);
    TU_CHECK (stats.bytes == 24 + 3 * REC100, "bytes %llu", (unsigned long long) stats.bytes);
    struct stat st;
    TU_CHECK (stat (path, &st) == 0, "stat: %s", strerror (errno));
    TU_CHECK (st.st_size == 24 + 3 * REC100, "size %lld", (long long) st.st_size);
    return 0;
}

static void
test_capture_write_error (void **state)
{
    (void) state;
    char path[512];
    s_path ("limit.pcap", path, sizeof path);
    tu_child (s_write_error_body, path, false, NULL, 60);
    rec_t recs[4];
    uint8_t *bytes;
    assert_int_equal (s_file_records (path, recs, 4, &bytes), 3);
    for (uint32_t i = 0; i < 3; i++)
        assert_int_equal (s_number (&recs[i]), i);
    free (bytes);
}

static void
test_capture_null (void **state)
{
    (void) state;
    capture_t *none = NULL;
    assert_int_equal (capture_close (NULL, 0, NULL, NULL), 0);
    assert_int_equal (capture_close (&none, 0, NULL, NULL), 0);
    capture_put (NULL, NULL, NULL, "x", 1, 1, 0);
    capture_stats_t stats;
    capture_stats (NULL, &stats);
    assert_int_equal (stats.written + stats.bytes, 0);
    assert_int_equal (capture_flush (NULL, 0, NULL), 0);
}

//  0600: a capture can hold community strings
static void
test_capture_file_mode (void **state)
{
    (void) state;
    char path[512];
    s_path ("mode.pcap", path, sizeof path);
    mode_t mask = umask (0);
    capture_t *capture = s_open (path, NULL);
    umask (mask);
    s_close (&capture);
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
}

//  -------------------------------------------------------------------------
//  Many threads, and the close

#define PRODUCERS 4
#define PUTS 10000

typedef struct {
    capture_t *capture;
    uint32_t id;
} producer_t;

static void *
s_producer (void *arg)
{
    producer_t *producer = (producer_t *) arg;
    asynrole_addr_t from = tu_addr (producer->id % 2 ? "192.0.2.1:161" : "[2001:db8::1]:161");
    asynrole_addr_t to = tu_addr ("192.0.2.2:50000");
    uint8_t payload[256];
    for (uint32_t i = 0; i < PUTS; i++) {
        //  Which thread, and its count
        size_t size = 8 + (i * 7 + producer->id) % 200;
        tu_fill (payload, size, i);
        memcpy (payload, &producer->id, 4);
        memcpy (payload + 4, &i, 4);
        capture_put (producer->capture, &from, &to, payload, size, size, TIME_US + i);
    }
    return NULL;
}

static void
test_capture_many_producers (void **state)
{
    (void) state;
    char path[512];
    s_path ("many.pcap", path, sizeof path);
    capture_t *capture = s_open (path, NULL);
    pthread_t threads[PRODUCERS];
    producer_t producers[PRODUCERS];
    for (uint32_t i = 0; i < PRODUCERS; i++) {
        producers[i] = (producer_t){ .capture = capture, .id = i };
        assert_int_equal (pthread_create (&threads[i], NULL, s_producer, &producers[i]), 0);
    }
    for (size_t i = 0; i < PRODUCERS; i++)
        pthread_join (threads[i], NULL);
    capture_stats_t stats = s_flushed_stats (capture);
    assert_int_equal (stats.written + stats.dropped, PRODUCERS * PUTS);
    assert_int_equal (stats.skipped + stats.failed, 0);
    //  The queue may have filled (it is the writer's pace against four
    //  threads): then the close says so
    if (stats.dropped)
        s_close_lossy (&capture, stats.dropped);
    else
        s_close (&capture);
    rec_t *recs = calloc (PRODUCERS * PUTS, sizeof *recs);
    uint8_t *bytes;
    assert_int_equal (s_file_records (path, recs, PRODUCERS * PUTS, &bytes), stats.written);
    //  Each thread's datagrams in the order it put them
    int64_t last[PRODUCERS] = { -1, -1, -1, -1 };
    for (size_t i = 0; i < stats.written; i++) {
        uint32_t id, count;
        memcpy (&id, recs[i].payload, 4);
        memcpy (&count, recs[i].payload + 4, 4);
        assert_true (id < PRODUCERS && (int64_t) count > last[id]);
        assert_int_equal (recs[i].kept, 8 + (count * 7 + id) % 200);
        last[id] = count;
    }
    free (recs);
    free (bytes);
}

//  Close writes everything queued before it
static void
test_capture_close_flushes (void **state)
{
    (void) state;
    char path[512];
    s_path ("close.pcap", path, sizeof path);
    capture_t *capture = s_open (path, NULL);
    s_put_many (capture, 1000, 100, 0);
    capture_stats_t stats;
    capture_stats (capture, &stats);
    assert_int_equal (stats.dropped, 0);  //  4 MiB hold them all
    s_close (&capture);
    rec_t *recs = calloc (1000, sizeof *recs);
    uint8_t *bytes;
    assert_int_equal (s_file_records (path, recs, 1000, &bytes), 1000);
    for (uint32_t i = 0; i < 1000; i++)
        assert_int_equal (s_number (&recs[i]), i);
    assert_int_equal (s_file_size (path), 24 + 1000 * REC100);
    free (recs);
    free (bytes);
}

//  -------------------------------------------------------------------------
//  What tshark makes of it

//  -------------------------------------------------------------------------
//  A role's capture when its requests cannot reach the I/O actor

//  Another control call holds the control path past the role's timeout
//  (white-box: the test holds it)
static void
s_hold_control (asynrole_agent_t *agent, bool hold)
{
    role_t *role = agent_role (agent);
    if (hold)
        assert_true (busy_take (&role->ctl_busy, TU_TIMEOUT_MS));
    else
        busy_give (&role->ctl_busy);
}

//  A start whose request never went is not on: the file is closed, a
//  second start works, and its stop accounts for every datagram
static void
test_role_start_never_sent (void **state)
{
    (void) state;
    char path[512];
    s_path ("never-sent.pcap", path, sizeof path);
    tu_collector_t *events = tu_collector_new ();
    asynrole_options_t options = { .timeout = 100 };
    asynrole_agent_t *agent = tu_agent_new (tu_agent_reply_cb, events, "127.0.0.1:0", &options);
    asynrole_error_t error;
    s_hold_control (agent, true);
    assert_int_equal (asynrole_agent_capture (agent, path, NULL, &error), -1);
    s_hold_control (agent, false);
    assert_int_equal (error.code, ASYNROLE_ETIMEOUT);
    assert_int_equal (asynrole_agent_capture (agent, path, NULL, &error), 0);
    asynrole_addr_t bound;
    int client = tu_client ("127.0.0.1", &bound);
    uint16_t port = asynrole_addr_port (asynrole_agent_local (agent, 0));
    for (int i = 0; i < 5; i++)
        tu_ask (client, "127.0.0.1", port, "hello");
    capture_stats_t stats;
    assert_int_equal (asynrole_agent_capture_stop (agent, &stats, &error), 0);
    assert_int_equal (stats.written, 10);
    assert_int_equal (s_file_records (path, NULL, 0, NULL), 10);
    close (client);
    tu_agent_destroy (&agent);
}

//  A stop whose request never went: the I/O actor still holds the stopped
//  capture, and the next stop takes it back
static void
test_role_stop_never_sent (void **state)
{
    (void) state;
    char path[512];
    s_path ("stop-never-sent.pcap", path, sizeof path);
    tu_collector_t *events = tu_collector_new ();
    asynrole_options_t options = { .timeout = 100 };
    asynrole_agent_t *agent = tu_agent_new (tu_agent_reply_cb, events, "127.0.0.1:0", &options);
    asynrole_error_t error;
    assert_int_equal (asynrole_agent_capture (agent, path, NULL, &error), 0);
    asynrole_addr_t bound;
    int client = tu_client ("127.0.0.1", &bound);
    uint16_t port = asynrole_addr_port (asynrole_agent_local (agent, 0));
    tu_ask (client, "127.0.0.1", port, "kept");
    capture_stats_t stats;
    s_hold_control (agent, true);
    assert_int_equal (asynrole_agent_capture_stop (agent, &stats, &error), -1);
    s_hold_control (agent, false);
    assert_int_equal (error.code, ASYNROLE_ETIMEOUT);
    //  The file is closed all the same, with what came before the stop
    assert_int_equal (stats.written, 2);
    assert_true (agent_role (agent)->capture_owed);
    tu_ask (client, "127.0.0.1", port, "after");
    assert_int_equal (asynrole_agent_capture_stop (agent, &stats, &error), 0);
    assert_false (agent_role (agent)->capture_owed);
    assert_int_equal (stats.written + stats.dropped, 0);
    assert_int_equal (s_file_records (path, NULL, 0, NULL), 2);
    close (client);
    tu_agent_destroy (&agent);
}

//  A role that let go of its sockets sends no more slot requests: its slot
//  may be another role's by then
static void
test_role_closed_refuses (void **state)
{
    (void) state;
    char path[512];
    s_path ("closed.pcap", path, sizeof path);
    tu_collector_t *events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_reply_cb, events, "127.0.0.1:0", NULL);
    role_t *role = agent_role (agent);
    atomic_store (&role->closed, true);
    asynrole_error_t error;
    assert_int_equal (asynrole_agent_capture (agent, path, NULL, &error), -1);
    assert_int_equal (error.code, ASYNROLE_ECLOSED);
    assert_int_equal (access (path, F_OK), -1);
    assert_int_equal (asynrole_agent_set_filter (agent, NULL, &error), -1);
    assert_int_equal (error.code, ASYNROLE_ECLOSED);
    atomic_store (&role->closed, false);
    tu_agent_destroy (&agent);
}

//  Requests that hand the I/O actor a filter or a capture (ours from the
//  send) but are bad: each counted, what they carried freed (the sanitizers
//  and valgrind check that), and the I/O actor serves on. Sent on the
//  role's own push socket, so the role's next call is answered after them.
static void
test_io_bad_handover_requests (void **state)
{
    (void) state;
    char path[512];
    s_path ("handover.pcap", path, sizeof path);
    asynrole_io_t *io = tu_io_new ();
    asynrole_options_t options = { .io = io };
    tu_collector_t *events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_reply_cb, events, "127.0.0.1:0", &options);
    role_t *role = agent_role (agent);
    asynrole_error_t error;
    //  Installed, either would refuse the round trip below
    const char *deny[] = { "127.0.0.0/8" };
    asynrole_filter_t spec = { .deny = deny, .deny_count = 1 };
    filter_t *filters[2] = { filter_new (&spec, &error), filter_new (&spec, &error) };
    assert_true (filters[0] && filters[1]);
    capture_t *mine = s_open (path, NULL);
    //  No role 999; a sequence number that is not one; a request with no
    //  frames; a request nobody knows
    assert_int_equal (role_push (role, "s44p", "FILTER", 1, 999, (void *) filters[0]), 0);
    assert_int_equal (role_push (role, "ss4p", "FILTER", "x", role->role_id, (void *) filters[1]),
                      0);
    assert_int_equal (role_push (role, "s44p", "CAPTURE", 2, 999, (void *) capture_ref (mine)), 0);
    assert_int_equal (role_push (role, "ss", "FILTER", "x"), 0);
    assert_int_equal (role_push (role, "s4", "NONSENSE", 3), 0);
    //  Served on, after them: a call, and a round trip
    asynrole_stats_t stats;
    assert_int_equal (asynrole_agent_stats (agent, &stats, 1, &error), 1);
    asynrole_io_totals_t totals;
    assert_int_equal (asynrole_io_totals (io, &totals, &error), 0);
    assert_int_equal (totals.requests_bad, 5);
    asynrole_addr_t bound;
    int client = tu_client ("127.0.0.1", &bound);
    tu_ask (client, "127.0.0.1", asynrole_addr_port (asynrole_agent_local (agent, 0)), "still");
    close (client);
    //  Nothing of the bad ones reached the role: it filters nothing, and
    //  the capture it was handed got nothing
    assert_int_equal (tu_agent_stats (agent, 0).filtered, 0);
    s_close (&mine);
    assert_int_equal (s_file_records (path, NULL, 0, NULL), 0);
    tu_agent_destroy (&agent);
    tu_io_destroy (&io);
}

//  A datagram cut on reading: the record says its length on the wire,
//  keeps what was read, and has UDP checksum 0 (the bytes it was over are gone)
static void
test_capture_cut_on_reading (void **state)
{
    (void) state;
    char path[512];
    s_path ("cut.pcap", path, sizeof path);
    capture_t *capture = s_open (path, NULL);
    asynrole_addr_t from = tu_addr ("192.0.2.1:161"), to = tu_addr ("[2001:db8::2]:50000");
    uint8_t payload[20];
    s_payload (payload, sizeof payload, 3);
    capture_put (capture, &from, &from, payload, sizeof payload, 100, TIME_US);
    capture_put (capture, &to, &to, payload, sizeof payload, 100, TIME_US);
    //  A length below the bytes given is taken as their count
    capture_put (capture, &from, &from, payload, sizeof payload, 5, TIME_US);
    s_close (&capture);
    rec_t recs[3];
    uint8_t *bytes;
    assert_int_equal (s_file_records (path, recs, 3, &bytes), 3);
    assert_int_equal (recs[0].orig, 28 + 100);
    assert_int_equal (recs[0].incl, 28 + 20);
    assert_int_equal (s_net16 (recs[0].ip + 20 + 6), 0);
    assert_memory_equal (recs[0].payload, payload, sizeof payload);
    assert_int_equal (recs[1].orig, 48 + 100);
    assert_int_equal (recs[1].incl, 48 + 20);
    assert_int_equal (s_net16 (recs[1].ip + 40 + 6), 0);
    assert_int_equal (recs[2].orig, 28 + 20);
    assert_true (s_udp_valid (recs[2].ip, recs[2].incl));
    free (bytes);
}

//  Two holders: a stop from either ends the writing, rings the bell once
//  the file is closed, and what comes after counts in dropped; the last
//  to let go frees (the sanitizers and valgrind check that exactly one does)
static void
test_capture_holders (void **state)
{
    (void) state;
    char path[512];
    s_path ("holders.pcap", path, sizeof path);
    doorbell_t *bell = doorbell_new (NULL);
    assert_non_null (bell);
    capture_t *mine = s_open (path, NULL);
    capture_t *lent = capture_ref (mine);
    s_put_many (lent, 3, 100, 0);
    assert_false (capture_finished (mine));
    capture_stop (lent, bell);
    struct pollfd item = { .fd = doorbell_fd (bell), .events = POLLIN };
    assert_int_equal (poll (&item, 1, TU_TIMEOUT_MS), 1);
    doorbell_clear (bell);
    assert_true (capture_finished (mine));
    assert_int_equal (s_file_records (path, NULL, 0, NULL), 3);
    s_put_many (lent, 1, 100, 3);  //  after the stop
    capture_stats_t stats;
    capture_stats (mine, &stats);
    assert_int_equal (stats.written, 3);
    assert_int_equal (stats.dropped, 1);
    //  The first to let go: stats final, the loss said
    s_close_lossy (&mine, 1);
    capture_unref (&lent);
    assert_null (lent);
    capture_unref (&lent);  //  NULL: nothing

    //  The last let-go before the writer finished: the writer frees
    capture_t *alone = s_open (path, NULL);
    capture_stop (alone, bell);
    s_put_many (alone, 1, 100, 0);
    capture_unref (&alone);
    assert_int_equal (poll (&item, 1, TU_TIMEOUT_MS), 1);
    assert_int_equal (s_file_records (path, NULL, 0, NULL), 0);
    doorbell_unref (&bell);
    assert_true (capture_finished (NULL));
}

//  SNMPv2c get-request, community "public", request-id 1, 1.3.6.1.2.1.1.1.0
static const uint8_t s_get_request[] = {
    0x30, 0x26, 0x02, 0x01, 0x01, 0x04, 0x06, 'p',  'u',  'b',  'l',  'i',  'c',  0xa0,
    0x19, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c,
    0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00,
};

static void
test_capture_tshark (void **state)
{
    (void) state;
    if (access ("/usr/bin/tshark", X_OK))
        tu_skip ("no /usr/bin/tshark (Debian package tshark)");
    char path[512], errors[512], command[2048];
    s_path ("snmp.pcap", path, sizeof path);
    s_path ("tshark.err", errors, sizeof errors);
    capture_t *capture = s_open (path, NULL);
    const char *pairs[][2] = { { "192.0.2.1:50000", "192.0.2.2:161" },
                               { "[2001:db8::2]:161", "[2001:db8::1]:50000" },
                               { "192.0.2.1:50000", "[2001:db8::2]:161" } };
    for (size_t i = 0; i < 3; i++) {
        asynrole_addr_t from = tu_addr (pairs[i][0]), to = tu_addr (pairs[i][1]);
        capture_put (capture, &from, &to, s_get_request, sizeof s_get_request, sizeof s_get_request,
                     TIME_US);
    }
    s_close (&capture);
    snprintf (command, sizeof command,
              "/usr/bin/tshark -r '%s' -o udp.check_checksum:TRUE -T fields -e ip.src -e ip.dst "
              "-e ipv6.src -e ipv6.dst -e udp.srcport -e udp.dstport -e udp.checksum.status "
              "-e snmp.community 2>'%s'",
              path, errors);
    FILE *pipe = popen (command, "r");
    assert_non_null (pipe);
    char output[4096] = "";
    size_t got = fread (output, 1, sizeof output - 1, pipe);
    output[got] = 0;
    int status = pclose (pipe);
    print_message ("tshark:\n%s", output);
    assert_int_equal (status, 0);
    //  Checksum status 1: good
    const char *expected = "192.0.2.1\t192.0.2.2\t\t\t50000\t161\t1\tpublic\n"
                           "\t\t2001:db8::2\t2001:db8::1\t161\t50000\t1\tpublic\n"
                           "\t\t::ffff:192.0.2.1\t2001:db8::2\t50000\t161\t1\tpublic\n";
    assert_string_equal (output, expected);
}

//  -------------------------------------------------------------------------

//  Remove the directory and what the cases left in it
static void
s_remove_dir (void)
{
    DIR *dir = opendir (s_dir);
    struct dirent *entry;
    char path[600];
    while (dir && (entry = readdir (dir)))
        if (strcmp (entry->d_name, ".") && strcmp (entry->d_name, "..")) {
            snprintf (path, sizeof path, "%s/%s", s_dir, entry->d_name);
            unlink (path);
        }
    if (dir)
        closedir (dir);
    rmdir (s_dir);
}

int
main (int argc, char **argv)
{
    const char *tmp = getenv ("TMPDIR");
    snprintf (s_dir, sizeof s_dir, "%s/test_capture.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp (s_dir)) {
        fprintf (stderr, "test_capture: mkdtemp %s: %s\n", s_dir, strerror (errno));
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_file_header),
        cmocka_unit_test (test_record_ipv4),
        cmocka_unit_test (test_record_ipv6),
        cmocka_unit_test (test_record_mixed),
        cmocka_unit_test (test_record_empty_address),
        cmocka_unit_test (test_record_truncated),
        cmocka_unit_test (test_record_checksum_never_zero),
        cmocka_unit_test (test_capture_records),
        cmocka_unit_test (test_capture_snaplen),
        cmocka_unit_test (test_capture_rotation),
        cmocka_unit_test (test_capture_one_file_cap),
        cmocka_unit_test (test_capture_queue_full),
        cmocka_unit_test (test_capture_queue_too_small),
        cmocka_unit_test (test_capture_close_timeout),
        cmocka_unit_test (test_capture_open_errors),
        cmocka_unit_test (test_capture_bad_options),
        cmocka_unit_test (test_capture_write_error),
        cmocka_unit_test (test_capture_null),
        cmocka_unit_test (test_capture_file_mode),
        cmocka_unit_test (test_capture_many_producers),
        cmocka_unit_test (test_capture_close_flushes),
        cmocka_unit_test (test_capture_cut_on_reading),
        cmocka_unit_test (test_capture_holders),
        cmocka_unit_test_setup_teardown (test_role_start_never_sent, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_role_stop_never_sent, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_role_closed_refuses, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_io_bad_handover_requests, tu_setup, tu_teardown),
        cmocka_unit_test (test_capture_tshark),
    };
    int rc = tu_main (tests, argc, argv);
    s_remove_dir ();
    return rc;
}
