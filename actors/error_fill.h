/*  error_fill.h - filling asynrole_error_t inside the library */
#ifndef ASYNROLE_ERROR_FILL_H_INCLUDED
#define ASYNROLE_ERROR_FILL_H_INCLUDED

#include "asynrole_error.h"

//  Zero the error (when not NULL)
void error_clear (asynrole_error_t *error);

//  Fill an ASYNROLE_EBADARG with a printf-style detail; returns -1
int error_badarg (asynrole_error_t *error, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

//  Fill an ASYNROLE_ENETWORK for op/errno/address and describe it; returns -1
int error_network (asynrole_error_t *error, asynrole_op_t op, int sys_errno,
                   const asynrole_addr_t *address);

//  Write error->detail from the other fields
void error_describe (asynrole_error_t *error);

#endif
