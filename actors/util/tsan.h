/*  tsan.h - telling ThreadSanitizer about hand-offs through libzmq

    libzmq (from Debian) is not instrumented, so ThreadSanitizer cannot see
    that a message written in one thread and sent over an inproc pipe is
    read by another thread only after the send. Each side of such a
    hand-off names it: HANDOFF_RELEASE (key) before the send, HANDOFF_ACQUIRE
    (key) after the receive, with the same key. Without ThreadSanitizer
    both are nothing. */
#ifndef ASYNROLE_TSAN_H_INCLUDED
#define ASYNROLE_TSAN_H_INCLUDED

#if defined(__SANITIZE_THREAD__)
#define ASYNROLE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ASYNROLE_TSAN 1
#endif
#endif

#ifdef ASYNROLE_TSAN
#include <sanitizer/tsan_interface.h>
#define HANDOFF_RELEASE(key) __tsan_release ((void *) (key))
#define HANDOFF_ACQUIRE(key) __tsan_acquire ((void *) (key))
#else
#define HANDOFF_RELEASE(key) ((void) (key))
#define HANDOFF_ACQUIRE(key) ((void) (key))
#endif

#endif
