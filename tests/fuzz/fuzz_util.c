/*  fuzz_util.c - what the libFuzzer targets share */
#include "fuzz_util.h"
#include "asynrole.h"
#include <errno.h>
#include <string.h>
#include <zmq.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int s_stderr = STDERR_FILENO;

void
fuzz_keep_stderr (void)
{
    int fd = dup (STDERR_FILENO);
    if (fd >= 0)
        s_stderr = fd;
}

void
fuzz_fail (const char *format, ...)
{
    char line[1024];
    va_list args;
    va_start (args, format);
    int length = vsnprintf (line, sizeof line - 1, format, args);
    va_end (args);
    size_t size = length < 0 ? 0 : (size_t) length;
    if (size > sizeof line - 2)
        size = sizeof line - 2;
    line[size++] = '\n';
    //  Nothing to do about a failed write: the abort says enough
    if (write (s_stderr, "fuzz: ", 6) < 0 || write (s_stderr, line, size) < 0)
        abort ();
    abort ();
}

void
fuzz_reader_init (fuzz_reader_t *reader, const uint8_t *data, size_t size)
{
    reader->data = data;
    reader->size = size;
    reader->pos = 0;
}

bool
fuzz_next_frame (fuzz_reader_t *reader, fuzz_frame_t *frame)
{
    if (reader->pos >= reader->size)
        return false;
    uint8_t head = reader->data[reader->pos++];
    size_t length = head & 0x7f;
    if (length == 0x7f) {
        length = 0;
        for (int i = 0; i < 2 && reader->pos < reader->size; i++)
            length |= (size_t) reader->data[reader->pos++] << (8 * i);
    }
    size_t left = reader->size - reader->pos;
    if (length > left)
        length = left;
    frame->data = reader->data + reader->pos;
    frame->size = length;
    reader->pos += length;
    frame->more = (head & 0x80) && reader->pos < reader->size;
    return true;
}

int64_t
fuzz_now_ms (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

bool
fuzz_poll_in (void *socket, int ms)
{
    zmq_pollitem_t item = { .socket = socket, .events = ZMQ_POLLIN };
    int64_t deadline = fuzz_now_ms () + ms;
    int64_t left = ms;
    int rc;
    do {
        rc = zmq_poll (&item, 1, (long) left);
        FUZZ_CHECK (rc >= 0 || errno == EINTR, "zmq_poll: %s", zmq_strerror (errno));
        left = deadline - fuzz_now_ms ();
    } while (rc <= 0 && left > 0);
    return rc == 1;
}

//  An address's accessors, and its text
static void
s_check_addr (const asynrole_addr_t *addr)
{
    char text[ASYNROLE_ADDR_STRLEN];
    asynrole_addr_format (addr, text, sizeof text);
    FUZZ_CHECK (strlen (text) < sizeof text, "an address formats past its buffer");
    (void) asynrole_addr_family (addr);
    (void) asynrole_addr_port (addr);
    (void) asynrole_addr_socket (addr);
    FUZZ_CHECK (asynrole_addr_equal (addr, addr) || addr->len > sizeof addr->u
                    || (addr->u.sa.sa_family != AF_INET && addr->u.sa.sa_family != AF_INET6),
                "an address of an event is not equal to itself");
}

unsigned
fuzz_check_event (struct asynrole_event_s *event)
{
    asynrole_event_type_t type = asynrole_event_type (event);
    const asynrole_datagram_t *datagram = asynrole_event_datagram (event);
    const asynrole_error_t *error = asynrole_event_error (event);
    unsigned sum = 0;
    if (type == ASYNROLE_EVENT_DATAGRAM) {
        FUZZ_CHECK (datagram && !error, "a datagram event: datagram %p, error %p",
                    (const void *) datagram, (const void *) error);
        FUZZ_CHECK (datagram->size == 0 || datagram->data, "a datagram's data is NULL");
        for (size_t i = 0; i < datagram->size; i++)
            sum += datagram->data[i];
        s_check_addr (&datagram->peer);
        s_check_addr (&datagram->local);
    }
    else {
        FUZZ_CHECK (type == ASYNROLE_EVENT_ERROR, "an event of type %d", (int) type);
        FUZZ_CHECK (error && !datagram, "an error event: datagram %p, error %p",
                    (const void *) datagram, (const void *) error);
        FUZZ_CHECK (strnlen (error->detail, sizeof error->detail) < sizeof error->detail,
                    "an error's detail does not end");
        sum += (unsigned) strlen (asynrole_strerror (error->code));
        sum += (unsigned) strlen (asynrole_op_name (error->op));
        sum += asynrole_error_is_network (error);
        s_check_addr (&error->address);
    }
    return sum;
}
