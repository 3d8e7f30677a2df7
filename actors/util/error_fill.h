/*  error_fill.h - filling asynrole_error_t inside the library

    Each function fills the error (when not NULL) and returns -1, so that a
    failing path reads: return error_badarg (error, "...");. A detail puts
    the reason first, then what it concerns (error_quote shortens input). */
#ifndef ASYNROLE_ERROR_FILL_H_INCLUDED
#define ASYNROLE_ERROR_FILL_H_INCLUDED

#include "asynrole_error.h"
#include "bounds.h"
#include <stddef.h>

#define ERROR_PRINTF(a, b) __attribute__ ((format (printf, a, b)))

//  Zero the error (when not NULL): every field, and an empty detail (not
//  its whole buffer). Inline: every successful send clears.
static inline void
error_clear (asynrole_error_t *error)
{
    if (!error)
        return;
    __builtin_memset (error, 0, offsetof (asynrole_error_t, detail));
    error->detail[0] = '\0';
}

//  Any code, op and errno, with a printf-style detail
int error_set (asynrole_error_t *error, asynrole_code_t code, asynrole_op_t op, int sys_errno,
               const char *format, ...) ERROR_PRINTF (5, 6);

//  ASYNROLE_EBADARG with a detail
int error_badarg (asynrole_error_t *error, const char *format, ...) ERROR_PRINTF (2, 3);

//  A failed system call: ASYNROLE_ERESOURCE for EMFILE / ENFILE, ASYNROLE_ENOMEM
//  for ENOMEM / ENOBUFS at set-up, else ASYNROLE_ENETWORK; the detail says op,
//  address and reason
int error_network (asynrole_error_t *error, asynrole_op_t op, int sys_errno,
                   const asynrole_addr_t *address);

//  ASYNROLE_ENOMEM: what could not be allocated
int error_nomem (asynrole_error_t *error, const char *what);

//  A libzmq call that failed with errno: ASYNROLE_ERESOURCE (EMFILE),
//  ASYNROLE_ENOMEM, or ASYNROLE_EINTERNAL; what says which call
int error_zmq (asynrole_error_t *error, int sys_errno, const char *what);

//  Write error->detail from the other fields (network errors, drops)
void error_describe (asynrole_error_t *error);

//  Quote text for a detail: at most LIMIT_QUOTE characters, then "..." and
//  its length. Returns buf.
const char *error_quote (const char *text, char *buf, size_t size);

//  Room for error_quote's result
#define ERROR_QUOTE_MAX LIMIT_QUOTED

#endif
