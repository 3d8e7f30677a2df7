/*  hex.c - bytes as hex text and back */
#include "hex.h"
#include <string.h>

static int
s_digit (char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long
hex_parse (const char *text, uint8_t *out, size_t max, char *why, size_t why_size)
{
    size_t length = strlen (text);
    for (size_t i = 0; i < length; i++)
        if (s_digit (text[i]) < 0) {
            snprintf (why, why_size, "'%c' at offset %zu is not a hex digit",
                      text[i] >= 32 && text[i] < 127 ? text[i] : '?', i);
            return -1;
        }
    if (length % 2) {
        snprintf (why, why_size, "an odd number of hex digits (%zu)", length);
        return -1;
    }
    if (length / 2 > max) {
        snprintf (why, why_size, "%zu bytes, more than %zu", length / 2, max);
        return -1;
    }
    for (size_t i = 0; i < length / 2; i++)
        out[i] = (uint8_t) (s_digit (text[2 * i]) << 4 | s_digit (text[2 * i + 1]));
    return (long) (length / 2);
}

size_t
hex_encode (char *out, const uint8_t *data, size_t size)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < size; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 0xf];
    }
    return 2 * size;
}

int
hex_write (FILE *out, const uint8_t *data, size_t size)
{
    char chunk[512];
    for (size_t at = 0; at < size; at += sizeof chunk / 2) {
        size_t part = size - at < sizeof chunk / 2 ? size - at : sizeof chunk / 2;
        size_t length = hex_encode (chunk, data + at, part);
        if (fwrite (chunk, 1, length, out) != length)
            return -1;
    }
    return 0;
}
