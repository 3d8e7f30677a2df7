/*  hex.h - bytes as hex text and back */
#ifndef CLI_HEX_H_INCLUDED
#define CLI_HEX_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

//  Parse text, an even number of hex digits (either case, nothing else),
//  into out (room for max bytes). Returns the number of bytes, or -1 with a
//  reason in why (at least 80 bytes): a character that is not a hex digit
//  (its offset), an odd number of digits, more than max bytes.
long hex_parse (const char *text, uint8_t *out, size_t max, char *why, size_t why_size);

//  size bytes as 2 * size lowercase hex digits into out (no NUL);
//  returns 2 * size
size_t hex_encode (char *out, const uint8_t *data, size_t size);

//  Write size bytes as lowercase hex digits, no separators, to out.
//  Returns 0, or -1 when the stream refused them.
int hex_write (FILE *out, const uint8_t *data, size_t size);

#endif
