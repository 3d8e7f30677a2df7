/*  payload.c - the datagram send sends */
#define _GNU_SOURCE  //  O_CLOEXEC
#include "payload.h"
#include "hex.h"
#include "report.h"
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

//  Read fd to its end, at most max bytes: the size, -1 (errno) or -2 (longer)
static long
s_read_all (int fd, uint8_t *out, size_t max)
{
    size_t size = 0;
    uint8_t probe;
    //  Each pass reads at least one byte or ends: at most max + 1 passes
    for (;;) {
        ssize_t got = size < max ? read (fd, out + size, max - size) : read (fd, &probe, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0)
            return (long) size;
        if (size == max)
            return -2;
        size += (size_t) got;
    }
}

//  "@path" or "@-"
static long
s_file (const char *path, uint8_t *out, size_t max)
{
    bool from_stdin = strcmp (path, "-") == 0;
    int fd = from_stdin ? STDIN_FILENO : open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return report (-1, "send: cannot read %s: %s", path, strerror (errno));
    long size = s_read_all (fd, out, max);
    int saved = errno;
    if (!from_stdin)
        close (fd);
    if (size == -1)
        return report (-1, "send: cannot read %s: %s", from_stdin ? "standard input" : path,
                       strerror (saved));
    if (size == -2)
        return report (-1, "send: %s holds more than %zu bytes, the most a datagram carries",
                       from_stdin ? "standard input" : path, max);
    return size;
}

long
payload_read (const char *operand, uint8_t *out, size_t max)
{
    if (operand[0] == '@')
        return s_file (operand + 1, out, max);
    char why[128];
    long size = hex_parse (operand, out, max, why, sizeof why);
    if (size < 0)
        return report (-1, "send: bad data: %s (hex digits, or @FILE)", why);
    return size;
}
