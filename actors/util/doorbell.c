/*  doorbell.c - an eventfd that any thread may ring */
#include "doorbell.h"
#include "log.h"
#include "error_fill.h"
#include <czmq.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct doorbell_s {
    atomic_int refs;  //  holders
    int fd;           //  the eventfd, non-blocking
};

doorbell_t *
doorbell_new (asynrole_error_t *error)
{
    doorbell_t *self = calloc (1, sizeof *self);
    if (!self) {
        error_nomem (error, "a doorbell");
        return NULL;
    }
    self->fd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (self->fd < 0) {
        error_network (error, ASYNROLE_OP_SOCKET, errno, NULL);
        free (self);
        return NULL;
    }
    atomic_init (&self->refs, 1);
    return self;
}

doorbell_t *
doorbell_ref (doorbell_t *self)
{
    atomic_fetch_add (&self->refs, 1);
    return self;
}

void
doorbell_unref (doorbell_t **self_p)
{
    doorbell_t *self = *self_p;
    *self_p = NULL;
    if (self && atomic_fetch_sub (&self->refs, 1) == 1) {
        close (self->fd);
        free (self);
    }
}

void
doorbell_ring (doorbell_t *self)
{
    uint64_t one = 1;
    ssize_t rc;
    while ((rc = write (self->fd, &one, sizeof one)) < 0 && errno == EINTR)
        ;
    //  EAGAIN: the counter is full, so the actor wakes anyway
    if (rc < 0 && errno != EAGAIN)
        log_error ("asynrole: cannot ring a doorbell: %s", strerror (errno));
}

int
doorbell_fd (doorbell_t *self)
{
    return self->fd;
}

void
doorbell_clear (doorbell_t *self)
{
    uint64_t count;
    while (read (self->fd, &count, sizeof count) < 0 && errno == EINTR)
        ;
}
