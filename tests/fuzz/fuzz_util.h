/*  fuzz_util.h - what the libFuzzer targets share

    - fuzz_fail: a finding. The message goes to a copy of stderr made at
      start-up (tools/run closes the target's stderr with -close_fd_mask=2,
      so that the library's log lines do not flood the run), then abort ()
      makes libFuzzer save the input.
    - the frame reader: the inputs of the pipe and event targets are
      messages of frames, each frame a length byte and its bytes:
        length byte h: bits 0-6 the length; 127 = the next two bytes give it
                       (little-endian); bit 7 = another frame of the same
                       message follows
      A frame cut short by the end of the input takes what is left, and
      the input's last frame ends its message.
*/
#ifndef FUZZ_UTIL_H_INCLUDED
#define FUZZ_UTIL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Keep a copy of stderr for fuzz_fail (call from LLVMFuzzerInitialize)
void fuzz_keep_stderr (void);

//  The LLVMFuzzerInitialize of a target that needs nothing else set up:
//  it keeps the copy of stderr
#define FUZZ_INITIALIZE_KEEP_STDERR                     \
    int LLVMFuzzerInitialize (int *argc, char ***argv); \
    int LLVMFuzzerInitialize (int *argc, char ***argv)  \
    {                                                   \
        (void) argc;                                    \
        (void) argv;                                    \
        fuzz_keep_stderr ();                            \
        return 0;                                       \
    }

//  Report a finding and abort
void fuzz_fail (const char *format, ...) __attribute__ ((noreturn, format (printf, 1, 2)));

//  Check a condition the target asserts (active whatever NDEBUG says)
#define FUZZ_CHECK(cond, ...)        \
    do {                             \
        if (!(cond))                 \
            fuzz_fail (__VA_ARGS__); \
    } while (0)

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t pos;
} fuzz_reader_t;

typedef struct {
    const uint8_t *data;
    size_t size;
    bool more;  //  another frame of this message follows
} fuzz_frame_t;

void fuzz_reader_init (fuzz_reader_t *reader, const uint8_t *data, size_t size);

//  The next frame; false at the end of the input
bool fuzz_next_frame (fuzz_reader_t *reader, fuzz_frame_t *frame);

//  Milliseconds of CLOCK_MONOTONIC
int64_t fuzz_now_ms (void);

//  Does a message wait on the libzmq socket, within ms? Interruptions
//  (libFuzzer's timers raise SIGALRM) do not end the wait
bool fuzz_poll_in (void *socket, int ms);

//  Every accessor on an event, every byte of its datagram read, its
//  addresses and its error formatted; returns the sum of the payload's
//  bytes (so that the reads are not optimised away)
struct asynrole_event_s;
unsigned fuzz_check_event (struct asynrole_event_s *event);

#endif
