/*  fuzz_pipes.c - arbitrary commands on the actor pipes: the I/O actor's,
    a Manager's and an Agent's (asynrole_io.h, _manager.h, _agent.h, and
    asynrole_deploy.h, asynrole_request.h for the commands they share)

    One target for the three: the first byte of the input chooses the actor
    (and the role's mode, callback or pipe), the rest is messages of frames
    (fuzz_util.h), each sent on that actor's pipe as one command. One
    target because the commands overlap (STATS, VERBOSE, CAPTURE, ... on
    each), so that an input found on one actor is tried on the others, and
    because the roles share the one I/O actor, as in a program. The actors
    are started once per process and serve every input.

    Checked, for every command, within a deadline:
    - an answer comes, of at least two frames, the first a decimal number
      (a code, or a count);
    - a command that is not one of the actor's (and $TERM, which only
      _destroy may send) is refused with ASYNROLE_EBADARG;
    then, after the input, a round trip that must succeed: VERBOSE 0 (and
    DUMP 0) answered 0, CAPTURE-STOP answered (it ends a capture the input
    began), STATS answered with a record per socket. Pipe-mode events that
    the commands caused (ICMP errors, datagrams) are read and checked.

    Kept safe, as a program's own commands would be (the pipes trust their
    caller): a SEND's destination that is not a loopback address becomes
    127.0.0.1:9, so nothing leaves the host; a CAPTURE's path becomes a
    file in a scratch directory; a CALLBACK's function pointer (not NULL)
    becomes a real callback (its ctx is left as it is: the callback does
    not read it). And so that datagrams flow between the actors, whose
    ports are ephemeral: a loopback destination on port 161 becomes the
    callback-mode Agent's socket of its family, on port 162 the pipe-mode
    Agent's (the Agents never answer: no datagram goes round for ever).
*/
#include "asynrole.h"
#include "fuzz_util.h"
#include <arpa/inet.h>
#include <czmq.h>
#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FRAMES_MAX 16
#define MESSAGES_MAX 32
#define ANSWER_MS 10000
#define EVENTS_MAX 4096

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

typedef enum {
    ACTOR_IO,
    ACTOR_MANAGER,       //  callback mode
    ACTOR_MANAGER_PIPE,  //  pipe mode
    ACTOR_AGENT,         //  callback mode
    ACTOR_AGENT_PIPE,    //  pipe mode
    ACTORS
} actor_kind_t;

static struct {
    asynrole_io_t *io;
    asynrole_manager_t *manager;
    asynrole_manager_t *manager_pipe;
    asynrole_agent_t *agent;
    asynrole_agent_t *agent_pipe;
    char scratch[128];  //  where captures go
} s;

static atomic_uint_least64_t s_calls;

static void
s_manager_fn (asynrole_manager_t *manager, void *ctx, const asynrole_datagram_t *datagram,
              const asynrole_error_t *error)
{
    (void) manager, (void) ctx, (void) datagram, (void) error;
    atomic_fetch_add (&s_calls, 1);
}

static void
s_agent_fn (asynrole_agent_t *agent, void *ctx, const asynrole_datagram_t *datagram,
            const asynrole_error_t *error)
{
    (void) agent, (void) ctx, (void) datagram, (void) error;
    atomic_fetch_add (&s_calls, 1);
}

//  -------------------------------------------------------------------------
//  Start and stop

static void
s_remove_scratch (void)
{
    DIR *dir = opendir (s.scratch);
    if (dir) {
        char path[512];
        for (struct dirent *entry = readdir (dir); entry; entry = readdir (dir)) {
            snprintf (path, sizeof path, "%s/%s", s.scratch, entry->d_name);
            if (entry->d_name[0] != '.')
                unlink (path);
        }
        closedir (dir);
    }
    rmdir (s.scratch);
}

static void
s_stop (void)
{
    asynrole_manager_destroy (&s.manager);
    asynrole_manager_destroy (&s.manager_pipe);
    asynrole_agent_destroy (&s.agent);
    asynrole_agent_destroy (&s.agent_pipe);
    asynrole_io_destroy (&s.io);
    s_remove_scratch ();
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    fuzz_keep_stderr ();
    const char *tmp = getenv ("TMPDIR");
    snprintf (s.scratch, sizeof s.scratch, "%s/asynrole-fuzz.XXXXXX", tmp ? tmp : "/tmp");
    FUZZ_CHECK (mkdtemp (s.scratch), "no scratch directory in %s", s.scratch);
    asynrole_error_t error;
    s.io = asynrole_io_new (&error);
    FUZZ_CHECK (s.io, "asynrole_io_new: %s", error.detail);
    asynrole_options_t options = { .io = s.io };
    s.manager = asynrole_manager_new (s_manager_fn, NULL, NULL, "127.0.0.1:0", &options, &error);
    FUZZ_CHECK (s.manager, "asynrole_manager_new: %s", error.detail);
    const char *ifaces[] = { "127.0.0.1:0", "[::1]:0" };
    s.agent = asynrole_agent_new (s_agent_fn, NULL, ifaces, 2, &options, &error);
    FUZZ_CHECK (s.agent, "asynrole_agent_new: %s", error.detail);
    options.pipe_mode = true;
    s.manager_pipe = asynrole_manager_new (NULL, NULL, NULL, "[::1]:0", &options, &error);
    FUZZ_CHECK (s.manager_pipe, "asynrole_manager_new (pipe mode): %s", error.detail);
    s.agent_pipe = asynrole_agent_new (NULL, NULL, ifaces, 2, &options, &error);
    FUZZ_CHECK (s.agent_pipe, "asynrole_agent_new (pipe mode): %s", error.detail);
    atexit (s_stop);
    return 0;
}

static void *
s_pipe_of (actor_kind_t kind)
{
    switch (kind) {
        case ACTOR_IO: return asynrole_io_actor (s.io);
        case ACTOR_MANAGER: return asynrole_manager_actor (s.manager);
        case ACTOR_MANAGER_PIPE: return asynrole_manager_actor (s.manager_pipe);
        case ACTOR_AGENT: return asynrole_agent_actor (s.agent);
        default: return asynrole_agent_actor (s.agent_pipe);
    }
}

//  Sockets the actor's STATS counts (the I/O actor: at least all of ours)
static int
s_sockets_of (actor_kind_t kind)
{
    return kind == ACTOR_IO ? 6 : kind == ACTOR_AGENT || kind == ACTOR_AGENT_PIPE ? 2 : 1;
}

//  -------------------------------------------------------------------------
//  Commands

typedef struct {
    zframe_t *frames[FRAMES_MAX];
    size_t count;
    char name[32];  //  the command, as the actor reads it (a C string)
} command_t;

//  A frame as the actors read text (zmsg_popstr): up to its first NUL
static void
s_text (zframe_t *frame, char *text, size_t size)
{
    size_t length = frame ? zframe_size (frame) : 0;
    if (length >= size)
        length = size - 1;
    if (length)
        memcpy (text, zframe_data (frame), length);
    text[length] = 0;
}

static bool
s_loopback (const asynrole_addr_t *addr)
{
    if (addr->u.sa.sa_family == AF_INET)
        return (ntohl (addr->u.in.sin_addr.s_addr) >> 24) == 127;
    const struct in6_addr *in6 = &addr->u.in6.sin6_addr;
    return IN6_IS_ADDR_LOOPBACK (in6) || (IN6_IS_ADDR_V4MAPPED (in6) && in6->s6_addr[12] == 127);
}

static void
s_replace (command_t *command, size_t index, const void *data, size_t size)
{
    zframe_destroy (&command->frames[index]);
    command->frames[index] = zframe_new (data, size);
    FUZZ_CHECK (command->frames[index], "zframe_new failed");
}

//  A loopback destination on port 161 or 162: the Agent's socket instead
static void
s_to_agent (command_t *command, const asynrole_addr_t *addr)
{
    asynrole_agent_t *agent = asynrole_addr_port (addr) == 161 ? s.agent : s.agent_pipe;
    size_t index = asynrole_addr_family (addr) == AF_INET ? 0 : 1;  //  ifaces[]
    const asynrole_addr_t *local = asynrole_agent_local (agent, index);
    char text[ASYNROLE_ADDR_STRLEN];
    asynrole_addr_format (local, text, sizeof text);
    s_replace (command, 1, text, strlen (text));
}

//  A SEND's destination: loopback only, and the Agents' ports on 161, 162
static void
s_safe_send (command_t *command)
{
    //  Cut at 255 bytes, as the actor's is not: any text that parses is far
    //  shorter (at most about 70 bytes), so both judge alike
    char text[256];
    s_text (command->frames[1], text, sizeof text);
    asynrole_addr_t addr;
    if (asynrole_addr_parse (&addr, text, NULL))
        return;  //  the actor refuses it too
    if (!s_loopback (&addr))
        s_replace (command, 1, "127.0.0.1:9", 11);
    else if (asynrole_addr_port (&addr) == 161 || asynrole_addr_port (&addr) == 162)
        s_to_agent (command, &addr);
}

//  What a program's own commands would be: see the head of the file
static void
s_make_safe (command_t *command)
{
    char text[256];
    if (streq (command->name, "SEND") && command->count > 1)
        s_safe_send (command);
    else if (streq (command->name, "CAPTURE") && command->count > 1) {
        s_text (command->frames[1], text, sizeof text);
        if (*text) {
            //  An odd first byte: a directory that is not there (refused)
            snprintf (text, sizeof text, "%s/%s", s.scratch,
                      zframe_data (command->frames[1])[0] & 1 ? "none/cap" : "cap");
            s_replace (command, 1, text, strlen (text));
        }
    }
    else if (streq (command->name, "CALLBACK") && command->count > 1
             && zframe_size (command->frames[1]) == sizeof (void *)) {
        void *pointer;
        memcpy (&pointer, zframe_data (command->frames[1]), sizeof pointer);
        asynrole_manager_fn *fn = s_manager_fn;
        if (pointer)
            s_replace (command, 1, &fn, sizeof fn);
    }
}

//  Is name one of the actor's commands (else it must be refused)?
static bool
s_known (actor_kind_t kind, const char *name)
{
    static const char *shared[] = { "STATS", "VERBOSE", "CAPTURE", "CAPTURE-STOP" };
    static const char *roles[] = { "SEND", "DUMP" };
    static const char *manager[] = { "CALLBACK", "DESTINATIONS", "REQUESTS",
                                     "CANCEL",   "CANCEL-ALL",   "RESET" };
    for (size_t i = 0; i < sizeof shared / sizeof *shared; i++)
        if (streq (name, shared[i]))
            return true;
    if (kind == ACTOR_IO)
        return streq (name, "TOTALS");
    for (size_t i = 0; i < sizeof roles / sizeof *roles; i++)
        if (streq (name, roles[i]))
            return true;
    if (kind != ACTOR_MANAGER && kind != ACTOR_MANAGER_PIPE)
        return false;
    for (size_t i = 0; i < sizeof manager / sizeof *manager; i++)
        if (streq (name, manager[i]))
            return true;
    return false;
}

//  A frame that holds a decimal number (as zsock_send's "i" writes it)
static bool
s_number (zframe_t *frame, long long *value)
{
    char text[24];
    size_t size = frame ? zframe_size (frame) : 0;
    if (size == 0 || size >= sizeof text)
        return false;
    memcpy (text, zframe_data (frame), size);
    text[size] = 0;
    char *end = NULL;
    *value = strtoll (text, &end, 10);
    return *end == 0;
}

//  Wait for the actor's answer, with a deadline: the answer, or a finding
static zmsg_t *
s_answer (void *pipe, const char *what)
{
    FUZZ_CHECK (fuzz_poll_in (pipe, ANSWER_MS), "no answer to %s in %d ms", what, ANSWER_MS);
    zmsg_t *answer = zmsg_recv (pipe);
    FUZZ_CHECK (answer, "the answer to %s cannot be read", what);
    return answer;
}

//  Send a command; its answer, checked for shape: the first frame a number
static zmsg_t *
s_call (void *pipe, command_t *command, long long *first)
{
    for (size_t i = 0; i < command->count; i++) {
        int flags = i + 1 < command->count ? ZMQ_SNDMORE : 0;
        zframe_t *frame = command->frames[i];
        FUZZ_CHECK (zmq_send (pipe, zframe_data (frame), zframe_size (frame), flags)
                        == (int) zframe_size (frame),
                    "a command could not be sent");
    }
    zmsg_t *answer = s_answer (pipe, command->name);
    FUZZ_CHECK (zmsg_size (answer) >= 2 && s_number (zmsg_first (answer), first),
                "the answer to '%s' (%zu frames) does not start with a number", command->name,
                zmsg_size (answer));
    return answer;
}

static void
s_command_clear (command_t *command)
{
    for (size_t i = 0; i < command->count; i++)
        zframe_destroy (&command->frames[i]);
    command->count = 0;
}

static void
s_command_add (command_t *command, const void *data, size_t size)
{
    FUZZ_CHECK (command->count < FRAMES_MAX, "too many frames");
    command->frames[command->count] = zframe_new (data, size);
    FUZZ_CHECK (command->frames[command->count], "zframe_new failed");
    command->count++;
}

//  One fuzzed command: answered, and refused when it is not the actor's
static void
s_fuzzed (actor_kind_t kind, command_t *command)
{
    s_text (command->frames[0], command->name, sizeof command->name);
    s_make_safe (command);
    long long code;
    zmsg_t *answer = s_call (s_pipe_of (kind), command, &code);
    if (!s_known (kind, command->name))
        FUZZ_CHECK (code == ASYNROLE_EBADARG, "'%s' (not a command of actor %d) answered %lld",
                    command->name, (int) kind, code);
    zmsg_destroy (&answer);
}

//  -------------------------------------------------------------------------
//  After the input: the actor still serves

static void
s_expect (actor_kind_t kind, const char *name, const char *arg, long long want)
{
    command_t command = { .count = 0 };
    snprintf (command.name, sizeof command.name, "%s", name);
    s_command_add (&command, name, strlen (name));
    if (arg)
        s_command_add (&command, arg, strlen (arg));
    long long code;
    zmsg_t *answer = s_call (s_pipe_of (kind), &command, &code);
    FUZZ_CHECK (want < 0 || code == want, "%s %s answered %lld, not %lld", name, arg ? arg : "",
                code, want);
    if (streq (name, "STATS")) {
        zframe_t *records = zmsg_next (answer);
        FUZZ_CHECK (code >= s_sockets_of (kind)
                        && zframe_size (records) == (size_t) code * sizeof (asynrole_stats_t),
                    "STATS of actor %d: %lld records in %zu bytes", (int) kind, code,
                    zframe_size (records));
    }
    zmsg_destroy (&answer);
    s_command_clear (&command);
}

static void
s_round_trip (actor_kind_t kind)
{
    s_expect (kind, "VERBOSE", "0", 0);
    if (kind != ACTOR_IO)
        s_expect (kind, "DUMP", "0", 0);
    s_expect (kind, "CAPTURE-STOP", NULL, -1);
    s_expect (kind, "STATS", NULL, -1);
}

//  Read the events pipe-mode roles have (what the sends brought about)
static void
s_drain (void *socket)
{
    for (int i = 0; i < EVENTS_MAX; i++) {
        asynrole_event_t *event = asynrole_event_recv (socket, 0);
        if (!event)
            return;
        fuzz_check_event (event);
        asynrole_event_destroy (&event);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    actor_kind_t kind = (actor_kind_t) (data[0] % ACTORS);
    fuzz_reader_t reader;
    fuzz_reader_init (&reader, data + 1, size - 1);
    command_t command = { .count = 0 };
    fuzz_frame_t frame;
    size_t messages = 0;
    while (messages < MESSAGES_MAX && fuzz_next_frame (&reader, &frame)) {
        //  Frames past the limit are dropped; the message still ends
        if (command.count < FRAMES_MAX)
            s_command_add (&command, frame.data, frame.size);
        if (frame.more)
            continue;
        s_fuzzed (kind, &command);
        s_command_clear (&command);
        messages++;
    }
    s_round_trip (kind);
    s_drain (asynrole_manager_socket (s.manager_pipe));
    s_drain (asynrole_agent_socket (s.agent_pipe));
    return 0;
}
