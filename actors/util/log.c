/*  log.c - asynrole's log lines */
#include "log.h"
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

//  A line: the level letter, the local time, the text; written with one call
static void
s_log (char level, const char *format, va_list args)
{
    char line[1024];
    time_t now = time (NULL);
    struct tm local;
    localtime_r (&now, &local);
    int at = snprintf (line, sizeof line, "%c: ", level);
    at += (int) strftime (line + at, sizeof line - (size_t) at, "%y-%m-%d %H:%M:%S ", &local);
    int length = vsnprintf (line + at, sizeof line - (size_t) at, format, args);
    size_t size = (size_t) at + (length < 0 ? 0 : (size_t) length);
    if (size > sizeof line - 2)
        size = sizeof line - 2;
    line[size++] = '\n';
    //  A log line lost to a full or closed stderr is not worth failing for
    if (write (STDERR_FILENO, line, size) < 0)
        return;
}

void
log_info (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_log ('I', format, args);
    va_end (args);
}

void
log_warning (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_log ('W', format, args);
    va_end (args);
}

void
log_error (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_log ('E', format, args);
    va_end (args);
}
