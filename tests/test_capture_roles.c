/*  test_capture_roles.c - capture files of roles and I/O actors: read back
    with tshark, the pipe commands and their errors, what a stop says of
    every datagram, and stops that wait for a writer while the I/O actor
    goes on serving (the file format itself: test_capture.c)
*/
#define _GNU_SOURCE
#include "testutil.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

//  An SNMPv2c GetRequest for sysDescr.0, community "public"
static const uint8_t s_get[] = { 0x30, 0x29, 0x02, 0x01, 0x01, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c,
                                 0x69, 0x63, 0xa0, 0x1c, 0x02, 0x04, 0x00, 0x00, 0x00, 0x01, 0x02,
                                 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08,
                                 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00 };

//  -------------------------------------------------------------------------
//  Helpers

//  A directory of the test's own
typedef struct {
    char dir[64];
    char path[4][128];  //  dir/0.pcap .. dir/3.pcap (not made)
} tmp_t;

static void
s_tmp (tmp_t *tmp)
{
    snprintf (tmp->dir, sizeof tmp->dir, "/tmp/asynrole-capture-XXXXXX");
    assert_non_null (mkdtemp (tmp->dir));
    for (int i = 0; i < 4; i++)
        snprintf (tmp->path[i], sizeof tmp->path[i], "%s/%d.pcap", tmp->dir, i);
}

static void
s_tmp_remove (tmp_t *tmp)
{
    for (int i = 0; i < 4; i++)
        unlink (tmp->path[i]);
    assert_int_equal (rmdir (tmp->dir), 0);
}

//  Read a capture back with tshark: one line per datagram, the fields
//  given (-e ...) separated by commas, decoding port as SNMP
static char *
s_tshark (const char *path, uint16_t port, const char *fields)
{
    if (access ("/usr/bin/tshark", X_OK))
        tu_skip ("no /usr/bin/tshark (Debian package tshark)");
    char command[512];
    snprintf (command, sizeof command,
              "tshark -r '%s' -d udp.port==%u,snmp -T fields -E separator=, %s 2>/dev/null", path,
              port, fields);
    FILE *pipe = popen (command, "r");
    assert_non_null (pipe);
    static char output[4096];
    size_t size = fread (output, 1, sizeof output - 1, pipe);
    output[size] = 0;
    assert_int_equal (pclose (pipe), 0);
    return output;
}

#define S_ADDRESSES "-e ip.src -e udp.srcport -e ip.dst -e udp.dstport -e snmp.community"

//  A CAPTURE answer read raw ("isi"): its code; text and sys_errno filled
static int
s_capture_answer (void *actor, char **text, int *sys_errno)
{
    assert_true (tu_readable (actor, TU_TIMEOUT_MS + 2000));
    zmsg_t *answer = zmsg_recv (actor);
    assert_non_null (answer);
    assert_int_equal (zmsg_size (answer), 3);
    char *code = zmsg_popstr (answer);
    *text = zmsg_popstr (answer);
    char *err = zmsg_popstr (answer);
    int rc = atoi (code);
    *sys_errno = atoi (err);
    zstr_free (&code);
    zstr_free (&err);
    zmsg_destroy (&answer);
    return rc;
}

//  A CAPTURE-STOP answer read raw ("isib"): its code; stats filled
static int
s_stop_answer (void *actor, asynrole_capture_stats_t *stats)
{
    assert_true (tu_readable (actor, TU_TIMEOUT_MS + 2000));
    int code = -1, sys_errno = -1;
    char *text = NULL;
    zframe_t *frame = NULL;
    assert_int_equal (zsock_recv (actor, "isif", &code, &text, &sys_errno, &frame), 0);
    assert_non_null (frame);
    assert_int_equal (zframe_size (frame), sizeof *stats);
    memcpy (stats, zframe_data (frame), sizeof *stats);
    zframe_destroy (&frame);
    zstr_free (&text);
    return code;
}

//  Echo roundtrips through an Agent from a plain socket: each must come back
static void
s_roundtrips (asynrole_agent_t *agent, int client, int count, size_t size)
{
    uint16_t port = asynrole_addr_port (asynrole_agent_local (agent, 0));
    char text[256];
    assert_true (size < sizeof text);
    for (int i = 0; i < count; i++) {
        memset (text, 'a' + i % 26, size);
        text[size] = 0;
        tu_ask (client, "127.0.0.1", port, text);
    }
}

//  Records in a capture stream (the bytes a FIFO gave): -1 when it is not
//  a file header and whole records
static long
s_records (const uint8_t *stream, size_t size)
{
    if (size < 24)
        return -1;
    long count = 0;
    for (size_t at = 24; at < size; count++) {
        uint32_t incl;
        if (at + 16 > size)
            return -1;
        memcpy (&incl, stream + at + 8, sizeof incl);
        at += 16 + incl;
        if (at > size)
            return -1;
    }
    return count;
}

//  A stop in a thread of its own, its outcome under a mutex
typedef struct {
    asynrole_agent_t *agent;  //  stop the Agent's capture, or
    asynrole_io_t *io;        //  the I/O actor's
    pthread_t thread;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    bool done;
    int rc;
    asynrole_error_t error;
    asynrole_capture_stats_t stats;
} stopper_t;

static void *
s_stopper_run (void *arg)
{
    stopper_t *self = (stopper_t *) arg;
    asynrole_capture_stats_t stats;
    asynrole_error_t error;
    int rc = self->agent ? asynrole_agent_capture_stop (self->agent, &stats, &error)
                         : asynrole_io_capture_stop (self->io, &stats, &error);
    pthread_mutex_lock (&self->mutex);
    self->rc = rc;
    self->error = error;
    self->stats = stats;
    self->done = true;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
    return NULL;
}

static void
s_stopper_start (stopper_t *self, asynrole_agent_t *agent, asynrole_io_t *io)
{
    memset (self, 0, sizeof *self);
    self->agent = agent;
    self->io = io;
    pthread_mutex_init (&self->mutex, NULL);
    tu_cond_init (&self->cond);
    assert_int_equal (pthread_create (&self->thread, NULL, s_stopper_run, self), 0);
}

static bool
s_stopper_done (stopper_t *self)
{
    pthread_mutex_lock (&self->mutex);
    bool done = self->done;
    pthread_mutex_unlock (&self->mutex);
    return done;
}

//  Wait for the stop (its own deadline: the role's timeout and 2 s), then join
static void
s_stopper_join (stopper_t *self)
{
    assert_true (tu_wait_flag (&self->mutex, &self->cond, &self->done, TU_TIMEOUT_MS * 3));
    pthread_join (self->thread, NULL);
    pthread_cond_destroy (&self->cond);
    pthread_mutex_destroy (&self->mutex);
}

//  Fill a FIFO nobody reads through the Agent's capture, so that its writer
//  waits in write(2): roundtrips of 200 bytes, two records each
static void
s_fill_fifo (asynrole_agent_t *agent, int client, const tu_fifo_t *fifo)
{
    int count = (int) (fifo->pipe_size / (2 * (16 + 28 + 200))) + 4;
    s_roundtrips (agent, client, count, 200);
}

//  Read the FIFO to its end (the writer closed it): the stream's records
static long
s_drain (tu_fifo_t *fifo)
{
    size_t room = 1 << 20;
    uint8_t *stream = malloc (room);
    assert_non_null (stream);
    size_t size = tu_fifo_read (fifo, stream, room);
    assert_true (size < room);
    long records = s_records (stream, size);
    free (stream);
    return records;
}

//  An Agent on an I/O object of the test's, a plain client socket, and a
//  directory for the files
typedef struct {
    tmp_t tmp;
    asynrole_io_t *io;
    tu_collector_t *events;
    asynrole_agent_t *agent;
    int client;
    tu_fifo_t fifos[2];  //  made by s_world_fifos (at tmp.path[2] and [3])
    bool fifos_made;
} world_t;

static void
s_world (world_t *world)
{
    memset (world, 0, sizeof *world);
    s_tmp (&world->tmp);
    world->io = tu_io_new ();
    asynrole_options_t options = { .io = world->io };
    world->events = tu_collector_new ();
    world->agent = tu_agent_new (tu_agent_reply_cb, world->events, "127.0.0.1:0", &options);
    asynrole_addr_t bound;
    world->client = tu_client ("127.0.0.1", &bound);
}

//  Two FIFOs nobody reads yet
static void
s_world_fifos (world_t *world)
{
    tu_fifo_make (&world->fifos[0], world->tmp.path[2]);
    tu_fifo_make (&world->fifos[1], world->tmp.path[3]);
    world->fifos_made = true;
}

static void
s_world_end (world_t *world)
{
    for (int i = 0; world->fifos_made && i < 2; i++)
        if (world->fifos[i].fd >= 0)
            close (world->fifos[i].fd);
    close (world->client);
    tu_agent_destroy (&world->agent);
    tu_io_destroy (&world->io);
    s_tmp_remove (&world->tmp);
}

//  -------------------------------------------------------------------------
//  Captures read back

//  An exchange captured by the Agent and by the Manager's I/O actor, read
//  back with tshark: addresses, ports, payloads; each stop accounts for
//  every datagram
static void
test_capture_exchange (void **state)
{
    (void) state;
    tmp_t tmp;
    s_tmp (&tmp);
    asynrole_io_t *io = tu_io_new ();
    asynrole_options_t options = { .io = io };
    tu_collector_t *agent_events = tu_collector_new ();
    tu_collector_t *manager_events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_reply_cb, agent_events, "127.0.0.1:0", NULL);
    asynrole_manager_t *manager =
        tu_manager_new (tu_manager_collect_cb, manager_events, NULL, "127.0.0.1:0", &options);
    asynrole_error_t error;
    assert_int_equal (asynrole_agent_capture (agent, tmp.path[0], NULL, &error), 0);
    asynrole_capture_t settings = { .max_bytes = 1 << 20, .files = 2 };
    assert_int_equal (asynrole_io_capture (io, tmp.path[1], &settings, &error), 0);
    //  One at a time, and the file on is left alone
    assert_int_equal (asynrole_agent_capture (agent, tmp.path[0], NULL, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (error.op, ASYNROLE_OP_CAPTURE);
    assert_int_equal (asynrole_io_capture (io, tmp.path[2], NULL, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (access (tmp.path[2], F_OK), -1);

    const asynrole_addr_t *agent_addr = asynrole_agent_local (agent, 0);
    assert_int_equal (asynrole_manager_send (manager, s_get, sizeof s_get, agent_addr, &error), 0);
    assert_true (tu_collector_wait_datagrams (manager_events, 1, TU_TIMEOUT_MS));
    asynrole_capture_stats_t stats;
    assert_int_equal (asynrole_agent_capture_stop (agent, &stats, &error), 0);
    assert_int_equal (stats.written, 2);
    assert_int_equal (stats.dropped + stats.skipped + stats.failed + stats.rotations, 0);
    assert_int_equal (stats.bytes, 24 + 2 * (16 + 28 + sizeof s_get));
    assert_int_equal (asynrole_io_capture_stop (io, &stats, &error), 0);
    assert_int_equal (stats.written, 2);
    assert_int_equal (stats.dropped + stats.skipped + stats.failed, 0);
    //  Stopping none is fine, and says nothing was captured
    memset (&stats, 0xff, sizeof stats);
    assert_int_equal (asynrole_agent_capture_stop (agent, &stats, &error), 0);
    assert_int_equal (stats.written + stats.bytes + (uint64_t) stats.last_errno, 0);
    assert_int_equal (asynrole_io_capture_stop (io, NULL, &error), 0);

    uint16_t agent_port = asynrole_addr_port (agent_addr);
    uint16_t manager_port = asynrole_addr_port (asynrole_manager_local (manager));
    char expected[256];
    snprintf (expected, sizeof expected,
              "127.0.0.1,%u,127.0.0.1,%u,public\n127.0.0.1,%u,127.0.0.1,%u,public\n", manager_port,
              agent_port, agent_port, manager_port);
    const char *read = s_tshark (tmp.path[0], agent_port, S_ADDRESSES);
    if (strcmp (read, expected))
        fail_msg ("the Agent's capture reads\n%s\nnot\n%s", read, expected);
    //  The I/O actor's: the Manager's side of the same exchange
    read = s_tshark (tmp.path[1], agent_port, S_ADDRESSES);
    if (strcmp (read, expected))
        fail_msg ("the I/O actor's capture reads\n%s\nnot\n%s", read, expected);
    struct stat info;
    assert_int_equal (stat (tmp.path[0], &info), 0);
    assert_int_equal (info.st_mode & 0777, 0600);

    tu_manager_destroy (&manager);
    tu_agent_destroy (&agent);
    tu_io_destroy (&io);
    s_tmp_remove (&tmp);
}

//  A datagram cut on reading (options.buffer_size) is captured with the
//  length it had on the wire and the bytes that were read
static void
test_capture_truncated (void **state)
{
    (void) state;
    tmp_t tmp;
    s_tmp (&tmp);
    tu_collector_t *events = tu_collector_new ();
    asynrole_options_t options = { .buffer_size = 20 };
    asynrole_agent_t *agent = tu_agent_new (tu_agent_collect_cb, events, "127.0.0.1:0", &options);
    asynrole_error_t error;
    assert_int_equal (asynrole_agent_capture (agent, tmp.path[0], NULL, &error), 0);
    asynrole_addr_t bound;
    int client = tu_client ("127.0.0.1", &bound);
    const asynrole_addr_t *agent_addr = asynrole_agent_local (agent, 0);
    char payload[100];
    memset (payload, 'x', sizeof payload);
    assert_int_equal (
        sendto (client, payload, sizeof payload, 0, &agent_addr->u.sa, agent_addr->len),
        (ssize_t) sizeof payload);
    assert_true (tu_collector_wait_datagrams (events, 1, TU_TIMEOUT_MS));
    assert_true (tu_collector_datagram (events, 0)->flags & ASYNROLE_DGRAM_TRUNCATED);
    asynrole_capture_stats_t stats;
    assert_int_equal (asynrole_agent_capture_stop (agent, &stats, &error), 0);
    assert_int_equal (stats.written, 1);
    //  On the wire: 20 + 8 + 100 bytes; in the file: the headers and 20
    const char *read = s_tshark (tmp.path[0], asynrole_addr_port (agent_addr),
                                 "-e frame.len -e frame.cap_len -e udp.length");
    assert_string_equal (read, "128,48,108\n");
    close (client);
    tu_agent_destroy (&agent);
    s_tmp_remove (&tmp);
}

//  A capture left on when its role goes is closed with it, whole
static void
test_capture_left_on (void **state)
{
    (void) state;
    char path[] = "/tmp/asynrole-left-on-XXXXXX";
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    //  A file there already, readable by all: the capture makes it 0600
    assert_int_equal (fchmod (fd, 0644), 0);
    close (fd);
    tu_collector_t *events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_reply_cb, events, "127.0.0.1:0", NULL);
    asynrole_error_t error;
    assert_int_equal (asynrole_agent_capture (agent, path, NULL, &error), 0);
    asynrole_addr_t bound;
    int client = tu_client ("127.0.0.1", &bound);
    uint16_t port = asynrole_addr_port (asynrole_agent_local (agent, 0));
    tu_ask (client, "127.0.0.1", port, "kept");
    close (client);
    tu_agent_destroy (&agent);
    const char *read = s_tshark (path, port, S_ADDRESSES);
    size_t lines = 0;
    for (const char *at = read; (at = strchr (at, '\n')); at++)
        lines++;
    assert_int_equal (lines, 2);
    struct stat info;
    assert_int_equal (stat (path, &info), 0);
    assert_int_equal (info.st_mode & 0777, 0600);
    unlink (path);
}

//  -------------------------------------------------------------------------
//  The pipe commands

//  On a role's pipe and the I/O actor's: answers with sys_errno, a stop's
//  with the counters, and every bad argument a typed error
static void
test_capture_commands (void **state)
{
    (void) state;
    world_t w;
    s_world (&w);
    void *actor = asynrole_agent_actor (w.agent);
    void *io_actor = asynrole_io_actor (w.io);
    char *text = NULL;
    int sys_errno = -1;
    asynrole_capture_stats_t stats;

    //  Started on both pipes; one exchange; stopped with its counters
    assert_int_equal (zsock_send (actor, "sssi", "CAPTURE", w.tmp.path[0], "0", 0), 0);
    assert_int_equal (s_capture_answer (actor, &text, &sys_errno), 0);
    assert_string_equal (text, "");
    assert_int_equal (sys_errno, 0);
    zstr_free (&text);
    assert_int_equal (
        zsock_send (io_actor, "ssssss", "CAPTURE", w.tmp.path[1], "100000", "3", "1000", "65536"),
        0);
    assert_int_equal (s_capture_answer (io_actor, &text, &sys_errno), 0);
    zstr_free (&text);
    s_roundtrips (w.agent, w.client, 1, 10);
    assert_int_equal (zsock_send (actor, "s", "CAPTURE-STOP"), 0);
    assert_int_equal (s_stop_answer (actor, &stats), 0);
    assert_int_equal (stats.written, 2);
    assert_int_equal (stats.bytes, 24 + 2 * (16 + 28 + 10));
    assert_int_equal (zsock_send (io_actor, "s", "CAPTURE-STOP"), 0);
    assert_int_equal (s_stop_answer (io_actor, &stats), 0);
    assert_int_equal (stats.written, 2);
    //  Stopped twice: nothing to say
    assert_int_equal (zsock_send (io_actor, "s", "CAPTURE-STOP"), 0);
    assert_int_equal (s_stop_answer (io_actor, &stats), 0);
    assert_int_equal (stats.written + stats.bytes, 0);

    //  A path that cannot be written: the reason in sys_errno, on both pipes
    assert_int_equal (zsock_send (actor, "sssi", "CAPTURE", "/nonexistent-dir/x.pcap", "0", 0), 0);
    assert_int_equal (s_capture_answer (actor, &text, &sys_errno), ASYNROLE_EBADARG);
    assert_int_equal (sys_errno, ENOENT);
    assert_non_null (strstr (text, "/nonexistent-dir/x.pcap"));
    zstr_free (&text);
    assert_int_equal (zsock_send (io_actor, "sssi", "CAPTURE", w.tmp.dir, "0", 0), 0);
    assert_int_equal (s_capture_answer (io_actor, &text, &sys_errno), ASYNROLE_EBADARG);
    assert_int_equal (sys_errno, EISDIR);
    zstr_free (&text);

    //  Frames missing, extra, or not plain decimal numbers
    const char *bad[][4] = { { "CAPTURE", NULL },
                             { "CAPTURE", "x.pcap", NULL },
                             { "CAPTURE", "x.pcap", "x", "0" },
                             { "CAPTURE", "x.pcap", " 5", "0" },
                             { "CAPTURE", "x.pcap", "+2", "0" },
                             { "CAPTURE", "x.pcap", "0", "1001" },
                             { "CAPTURE", "", "0", "0" },
                             { "CAPTURE-STOP", "extra", NULL } };
    void *pipes[] = { actor, io_actor };
    for (size_t p = 0; p < 2; p++)
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            zmsg_t *request = zmsg_new ();
            for (size_t f = 0; f < 4 && bad[i][f]; f++)
                assert_int_equal (zmsg_addstr (request, bad[i][f]), 0);
            assert_int_equal (zmsg_send (&request, pipes[p]), 0);
            bool stop = streq (bad[i][0], "CAPTURE-STOP");
            int code = stop ? s_stop_answer (pipes[p], &stats)
                            : s_capture_answer (pipes[p], &text, &sys_errno);
            if (code != ASYNROLE_EBADARG)
                fail_msg ("pipe %zu, request %zu: code %d", p, i, code);
            zstr_free (&text);
        }
    //  Nothing was made of them
    assert_int_equal (access ("x.pcap", F_OK), -1);

    //  The calls' own checks
    asynrole_error_t error;
    assert_int_equal (asynrole_agent_capture (w.agent, "", NULL, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (asynrole_agent_capture (w.agent, NULL, NULL, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (asynrole_io_capture (w.io, "/nonexistent-dir/x.pcap", NULL, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (error.op, ASYNROLE_OP_CAPTURE);
    assert_int_equal (error.sys_errno, ENOENT);
    asynrole_capture_t huge = { .queue_bytes = (size_t) 1 << 31 };
    assert_int_equal (asynrole_agent_capture (w.agent, w.tmp.path[2], &huge, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_non_null (strstr (error.detail, "queue_bytes"));
    assert_int_equal (asynrole_agent_capture_stop (NULL, &stats, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);
    assert_int_equal (asynrole_io_capture_stop (NULL, &stats, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EBADARG);

    s_world_end (&w);
}

//  -------------------------------------------------------------------------
//  What a stop says

//  Writes that fail (the FIFO's reader went away): the stop says the file
//  is not whole, how many were lost and why, for a role and an I/O actor
static void
test_capture_stop_after_write_errors (void **state)
{
    (void) state;
    world_t w;
    s_world (&w);
    s_world_fifos (&w);
    tu_fifo_t *fifos = w.fifos;
    asynrole_error_t error;
    assert_int_equal (asynrole_agent_capture (w.agent, fifos[0].path, NULL, &error), 0);
    assert_int_equal (asynrole_io_capture (w.io, fifos[1].path, NULL, &error), 0);
    //  Each reader takes the file header, then goes
    for (int i = 0; i < 2; i++) {
        uint8_t header[24];
        assert_int_equal (tu_fifo_read (&fifos[i], header, sizeof header), sizeof header);
        close (fifos[i].fd);
        fifos[i].fd = -1;
    }
    s_roundtrips (w.agent, w.client, 3, 10);
    asynrole_capture_stats_t stats;
    assert_int_equal (asynrole_agent_capture_stop (w.agent, &stats, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EDROPPED);
    assert_int_equal (error.op, ASYNROLE_OP_CAPTURE);
    assert_int_equal (error.sys_errno, EPIPE);
    assert_non_null (strstr (error.detail, "left out 6 datagrams"));
    assert_int_equal (stats.written, 0);
    assert_int_equal (stats.failed, 6);
    assert_int_equal (stats.last_errno, EPIPE);
    assert_int_equal (asynrole_io_capture_stop (w.io, &stats, &error), -1);
    assert_int_equal (error.code, ASYNROLE_EDROPPED);
    assert_int_equal (error.sys_errno, EPIPE);
    assert_int_equal (stats.failed, 6);
    //  The role goes on serving
    s_roundtrips (w.agent, w.client, 1, 10);
    s_world_end (&w);
}

//  A role's stop waits for the writer on the caller's thread: the I/O
//  actor serves on meanwhile, and once the reader drains the FIFO the stop
//  says every datagram is in it
static void
test_capture_stop_waits_for_writer (void **state)
{
    (void) state;
    world_t w;
    s_world (&w);
    s_world_fifos (&w);
    tu_fifo_t *fifo = &w.fifos[0];
    asynrole_error_t error;
    assert_int_equal (asynrole_agent_capture (w.agent, fifo->path, NULL, &error), 0);
    s_fill_fifo (w.agent, w.client, fifo);
    stopper_t stopper;
    s_stopper_start (&stopper, w.agent, NULL);
    //  The same I/O actor answers while the writer is stuck
    s_roundtrips (w.agent, w.client, 2, 10);
    assert_false (s_stopper_done (&stopper));
    long records = s_drain (fifo);
    s_stopper_join (&stopper);
    if (stopper.rc)
        fail_msg ("the stop: %s", stopper.error.detail);
    assert_int_equal (stopper.stats.written, (uint64_t) records);
    assert_int_equal (stopper.stats.dropped + stopper.stats.failed, 0);
    s_world_end (&w);
}

//  The I/O actor's own stop: its pipe answers once the writer is done, and
//  its sockets are served meanwhile; a writer that stays stuck makes the
//  stop a typed timeout, and then finishes on its own
static void
test_io_capture_stop_waits_for_writer (void **state)
{
    (void) state;
    world_t w;
    s_world (&w);
    s_world_fifos (&w);
    tu_fifo_t *fifos = w.fifos;
    asynrole_error_t error;

    //  Drained while the stop waits: whole
    assert_int_equal (asynrole_io_capture (w.io, fifos[0].path, NULL, &error), 0);
    s_fill_fifo (w.agent, w.client, &fifos[0]);
    stopper_t stopper;
    s_stopper_start (&stopper, NULL, w.io);
    s_roundtrips (w.agent, w.client, 2, 10);
    assert_false (s_stopper_done (&stopper));
    long records = s_drain (&fifos[0]);
    s_stopper_join (&stopper);
    if (stopper.rc)
        fail_msg ("the stop: %s", stopper.error.detail);
    assert_int_equal (stopper.stats.written, (uint64_t) records);

    //  Never drained: a timeout after the writer's 2 s, and the pipe answers again
    assert_int_equal (asynrole_io_capture (w.io, fifos[1].path, NULL, &error), 0);
    s_fill_fifo (w.agent, w.client, &fifos[1]);
    asynrole_capture_stats_t stats;
    assert_int_equal (asynrole_io_capture_stop (w.io, &stats, &error), -1);
    assert_int_equal (error.code, ASYNROLE_ETIMEOUT);
    assert_int_equal (error.op, ASYNROLE_OP_CAPTURE);
    asynrole_io_totals_t totals;
    assert_int_equal (asynrole_io_totals (w.io, &totals, &error), 0);
    s_roundtrips (w.agent, w.client, 1, 10);
    //  Read: the writer writes the rest, closes (EOF) and frees itself
    assert_true (s_drain (&fifos[1]) > 0);

    s_world_end (&w);
}

//  A role destroyed with its capture stuck: the destroy waits for the
//  writer at most its 2 s, and the writer finishes once the FIFO is read
static void
test_capture_destroy_stuck (void **state)
{
    (void) state;
    tmp_t tmp;
    s_tmp (&tmp);
    tu_collector_t *events = tu_collector_new ();
    asynrole_agent_t *agent = tu_agent_new (tu_agent_reply_cb, events, "127.0.0.1:0", NULL);
    asynrole_addr_t bound;
    int client = tu_client ("127.0.0.1", &bound);
    tu_fifo_t fifo;
    tu_fifo_make (&fifo, tmp.path[0]);
    asynrole_error_t error;
    assert_int_equal (asynrole_agent_capture (agent, fifo.path, NULL, &error), 0);
    s_fill_fifo (agent, client, &fifo);
    tu_agent_destroy (&agent);
    assert_true (s_drain (&fifo) > 0);
    close (fifo.fd);
    close (client);
    s_tmp_remove (&tmp);
}

int
main (int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_capture_exchange, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_capture_truncated, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_capture_left_on, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_capture_commands, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_capture_stop_after_write_errors, tu_setup,
                                         tu_teardown),
        cmocka_unit_test_setup_teardown (test_capture_stop_waits_for_writer, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown (test_io_capture_stop_waits_for_writer, tu_setup,
                                         tu_teardown),
        cmocka_unit_test_setup_teardown (test_capture_destroy_stuck, tu_setup, tu_teardown),
    };
    return tu_run (tests, sizeof tests / sizeof tests[0], argc, argv);
}
