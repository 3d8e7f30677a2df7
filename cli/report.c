/*  report.c - the CLI's one-line messages */
#include "report.h"
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

//  One write per line, so that it never mixes with the library's log lines
//  written from other threads
static void
s_line (const char *format, va_list args)
{
    char line[1024] = "asynrole: ";
    size_t at = sizeof "asynrole: " - 1;
    int length = vsnprintf (line + at, sizeof line - at, format, args);
    size_t size = at + (length < 0 ? 0 : (size_t) length);
    if (size > sizeof line - 2)
        size = sizeof line - 2;
    //  One line, whatever the text held: an address or a path may carry a newline
    for (size_t i = at; i < size; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[size++] = '\n';
    //  Nothing better to do with a message stderr refuses
    if (write (STDERR_FILENO, line, size) < 0)
        return;
}

int
report (int code, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_line (format, args);
    va_end (args);
    return code;
}

int
report_error (const char *what, const asynrole_error_t *error)
{
    report (0, "%s: %s", what, error->detail[0] ? error->detail : asynrole_strerror (error->code));
    return error->code == ASYNROLE_EBADARG ? CLI_BAD_INPUT : CLI_FAILED;
}
