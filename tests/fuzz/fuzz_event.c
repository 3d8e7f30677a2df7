/*  fuzz_event.c - the pipe-mode event decoder, asynrole_event_recv

    The input is messages of frames (fuzz_util.h), sent into one end of an
    inproc PAIR pair; the other end is read with asynrole_event_recv, once
    per message. Checked:
    - each call takes exactly one whole message: an event, or NULL with the
      message discarded, frames and all; nothing is left afterwards;
    - an event is one frame that starts with ASYNROLE_EVENT_MAGIC, and
      every accessor on it is safe: the payload is read byte by byte (ASan
      checks it lies in the frame), addresses and the error formatted
      (fuzz_check_event);
    - a datagram's payload is the frame's bytes after the header.
*/
#include "asynrole.h"
#include "fuzz_util.h"
#include <string.h>
#include <zmq.h>

#define MESSAGES_MAX 64
#define WAIT_MS 5000

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void *s_writer;
static void *s_reader;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    fuzz_keep_stderr ();
    void *context = zmq_ctx_new ();
    FUZZ_CHECK (context, "zmq_ctx_new failed");
    s_reader = zmq_socket (context, ZMQ_PAIR);
    s_writer = zmq_socket (context, ZMQ_PAIR);
    FUZZ_CHECK (s_reader && s_writer, "zmq_socket failed");
    int none = 0;
    zmq_setsockopt (s_reader, ZMQ_RCVHWM, &none, sizeof none);
    zmq_setsockopt (s_writer, ZMQ_SNDHWM, &none, sizeof none);
    FUZZ_CHECK (zmq_bind (s_reader, "inproc://fuzz-event") == 0
                    && zmq_connect (s_writer, "inproc://fuzz-event") == 0,
                "the inproc pair cannot connect");
    return 0;
}

//  Is a message waiting on the reader (within ms)?
static bool
s_waiting (int ms)
{
    return fuzz_poll_in (s_reader, ms);
}

//  A single-frame message that is an event: the bytes it must decode to
static bool
s_expected (const fuzz_frame_t *frame, bool single, asynrole_event_header_t *header)
{
    if (!single || frame->size < sizeof *header)
        return false;
    memcpy (header, frame->data, sizeof *header);
    return header->magic == ASYNROLE_EVENT_MAGIC && header->size == frame->size - sizeof *header;
}

static void
s_read_one (const fuzz_frame_t *first, bool single)
{
    FUZZ_CHECK (s_waiting (WAIT_MS), "a message sent did not arrive");
    asynrole_event_t *event = asynrole_event_recv (s_reader, WAIT_MS);
    asynrole_event_header_t header;
    bool maybe = s_expected (first, single, &header);
    if (!event)
        return;
    FUZZ_CHECK (maybe, "an event decoded from a message that is not one");
    fuzz_check_event (event);
    const asynrole_datagram_t *datagram = asynrole_event_datagram (event);
    if (datagram) {
        FUZZ_CHECK (datagram->size == header.size
                        && memcmp (datagram->data, first->data + sizeof header, header.size) == 0,
                    "a datagram event's payload is not the frame's");
        FUZZ_CHECK (datagram->original_size == header.original_size
                        && datagram->flags == header.flags && datagram->ifindex == header.ifindex,
                    "a datagram event's numbers are not the header's");
    }
    asynrole_event_destroy (&event);
    FUZZ_CHECK (event == NULL, "asynrole_event_destroy left the pointer");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    fuzz_reader_t reader;
    fuzz_reader_init (&reader, data, size);
    fuzz_frame_t firsts[MESSAGES_MAX];
    bool singles[MESSAGES_MAX];
    size_t messages = 0;
    fuzz_frame_t frame;
    bool starts = true;
    while (messages < MESSAGES_MAX && fuzz_next_frame (&reader, &frame)) {
        if (starts) {
            firsts[messages] = frame;
            singles[messages] = !frame.more;
        }
        //  The input's last frame ends its message (fuzz_next_frame)
        bool more = frame.more;
        FUZZ_CHECK (zmq_send (s_writer, frame.data, frame.size, more ? ZMQ_SNDMORE : 0)
                        == (int) frame.size,
                    "zmq_send failed");
        if (!more)
            messages++;
        starts = !more;
    }
    for (size_t i = 0; i < messages; i++)
        s_read_one (&firsts[i], singles[i]);
    FUZZ_CHECK (!s_waiting (0), "a message is left after %zu reads", messages);
    return 0;
}
