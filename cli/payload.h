/*  payload.h - the datagram send sends: hex digits on the command line, or
    the bytes of a file ("@path") or of standard input ("@-") */
#ifndef CLI_PAYLOAD_H_INCLUDED
#define CLI_PAYLOAD_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

//  Read the datagram operand names into out (room for max bytes). Returns
//  its size, or -1 after one line on stderr: bad hex, a file that cannot be
//  read, more than max bytes.
long payload_read (const char *operand, uint8_t *out, size_t max);

#endif
