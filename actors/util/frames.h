/*  frames.h - reading frames off a zmsg, and waiting for a socket with a
    deadline. Everything here treats its input as untrusted: a missing or
    malformed frame is a false return, never a crash. */
#ifndef ASYNROLE_FRAMES_H_INCLUDED
#define ASYNROLE_FRAMES_H_INCLUDED

#include <czmq.h>
#include <stdbool.h>

//  Pop the next frame into dest if it has exactly size bytes; false (dest
//  untouched) if it is missing or of another size
bool frames_pop_struct (zmsg_t *msg, void *dest, size_t size);

//  Pop a frame holding a pointer (zsock_send's 'p'); false if missing or
//  not a pointer's size
bool frames_pop_pointer (zmsg_t *msg, void **pointer);

//  Pop a decimal number (zsock_send's 'i' and '4'); false if missing, not
//  a whole number, or outside min..max
bool frames_pop_number (zmsg_t *msg, long long min, long long max, long long *value);

//  Wait until sock has a message: 1; 0 when timeout_ms passed; -1 when
//  libzmq failed (errno). Signals do not cut the wait short.
int frames_wait (void *sock, int timeout_ms);

#endif
