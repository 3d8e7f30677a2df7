/*  dump.c - hex dumps of datagrams in the log */
#include "dump.h"
#include "log.h"
#include <czmq.h>
#include <stdint.h>
#include <stdio.h>

void
dump_datagram (const char *name, const char *what, bool outgoing, const asynrole_addr_t *peer,
               const void *data, size_t size)
{
    char text[ASYNROLE_ADDR_STRLEN];
    log_info ("%s: %s %zu bytes %s %s", name, what, size, outgoing ? "to" : "from",
              asynrole_addr_format (peer, text, sizeof text));
    const uint8_t *bytes = data;
    for (size_t line = 0; line < size; line += 16) {
        char hex[16 * 3 + 1] = "";
        char ascii[17] = "";
        for (size_t i = 0; i < 16 && line + i < size; i++) {
            snprintf (hex + i * 3, 4, "%02x ", bytes[line + i]);
            ascii[i] =
                bytes[line + i] >= 32 && bytes[line + i] < 127 ? (char) bytes[line + i] : '.';
        }
        log_info ("%s:   %04zx  %-48s %s", name, line, hex, ascii);
    }
}
