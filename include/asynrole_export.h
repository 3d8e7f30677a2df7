/*  asynrole_export.h - which symbols the shared library exports

    The library is built with hidden visibility: only what is declared with
    ASYNROLE_EXPORT (every asynrole_* function in these headers) is visible
    to programs, and a version script names the symbol version.
*/
#ifndef ASYNROLE_EXPORT_H_INCLUDED
#define ASYNROLE_EXPORT_H_INCLUDED

#if defined(ASYNROLE_BUILDING) && defined(__GNUC__)
#define ASYNROLE_EXPORT __attribute__ ((visibility ("default")))
#else
#define ASYNROLE_EXPORT
#endif

#endif
