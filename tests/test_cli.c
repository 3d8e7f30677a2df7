/*  test_cli.c - the asynrole command-line tool (cli/), run as users run it

    Each case starts the built binary (ASYNROLE_CLI_PATH) with posix_spawn,
    its stdout and stderr on pipes, and reads them with poll until the
    child has exited (SIGCHLD, blocked and read from a signalfd: valgrind
    3.19 has no pidfd_open): every wait has a deadline, after which the
    child is killed and the case fails. Servers (echo, listen) listen on
    port 0 and say where on stderr; the case waits for that line. */
#define _GNU_SOURCE
#include "testutil.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef ASYNROLE_CLI_PATH
#error "ASYNROLE_CLI_PATH: the path of the built asynrole tool (CMakeLists.txt)"
#endif

extern char **environ;

//  Arguments per run at most, and children alive at once at most
#define CLI_ARGS_MAX 16
#define CLI_CHILDREN 4

//  One run of the tool
typedef struct {
    pid_t pid;     //  0 until it started
    int fds[2];    //  read ends of its stdout and stderr; -1 once at EOF
    char *out[2];  //  what came on each, NUL-terminated
    size_t size[2];
    bool exited;
    int status;  //  waitpid's
} cli_t;

static cli_t *s_children[CLI_CHILDREN];

//  Readable when a child exited (main blocks SIGCHLD)
static int s_sigchld = -1;

//  -------------------------------------------------------------------------
//  Running the tool

static void
s_track (cli_t *cli)
{
    for (size_t i = 0; i < CLI_CHILDREN; i++)
        if (!s_children[i]) {
            s_children[i] = cli;
            return;
        }
    fail_msg ("more than %d children at once", CLI_CHILDREN);
}

//  Kill (if still running), reap, close and free
static void
s_cli_free (cli_t **cli_p)
{
    cli_t *cli = *cli_p;
    if (!cli)
        return;
    if (cli->pid > 0 && !cli->exited) {
        kill (cli->pid, SIGKILL);
        while (waitpid (cli->pid, &cli->status, 0) < 0 && errno == EINTR)
            ;
    }
    for (int i = 0; i < 2; i++) {
        if (cli->fds[i] >= 0)
            close (cli->fds[i]);
        free (cli->out[i]);
    }
    for (size_t i = 0; i < CLI_CHILDREN; i++)
        if (s_children[i] == cli)
            s_children[i] = NULL;
    free (cli);
    *cli_p = NULL;
}

//  The spawn's file actions: stdin from in_fd (or /dev/null), stdout and
//  stderr to the pipes' write ends
static void
s_actions (posix_spawn_file_actions_t *actions, int in_fd, int pipes[2][2])
{
    posix_spawn_file_actions_init (actions);
    if (in_fd >= 0)
        posix_spawn_file_actions_adddup2 (actions, in_fd, STDIN_FILENO);
    else
        posix_spawn_file_actions_addopen (actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2 (actions, pipes[0][1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2 (actions, pipes[1][1], STDERR_FILENO);
}

//  Start the tool with args (NULL-terminated), stdin from in_fd (-1: /dev/null)
static cli_t *
s_cli_start_fd (const char *const *args, int in_fd)
{
    const char *argv[CLI_ARGS_MAX + 2] = { ASYNROLE_CLI_PATH };
    size_t argc = 1;
    for (; args[argc - 1]; argc++) {
        assert_true (argc <= CLI_ARGS_MAX);
        argv[argc] = args[argc - 1];
    }
    int pipes[2][2];
    for (int i = 0; i < 2; i++)
        assert_int_equal (pipe2 (pipes[i], O_CLOEXEC), 0);
    posix_spawn_file_actions_t actions;
    s_actions (&actions, in_fd, pipes);
    //  The child starts with no signal blocked and the defaults for those it uses
    posix_spawnattr_t attr;
    posix_spawnattr_init (&attr);
    sigset_t none, defaults;
    sigemptyset (&none);
    sigemptyset (&defaults);
    sigaddset (&defaults, SIGINT);
    sigaddset (&defaults, SIGTERM);
    sigaddset (&defaults, SIGPIPE);
    posix_spawnattr_setsigmask (&attr, &none);
    posix_spawnattr_setsigdefault (&attr, &defaults);
    posix_spawnattr_setflags (&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    //  Tracked first: the teardown frees it whatever fails below
    cli_t *cli = calloc (1, sizeof *cli);
    assert_non_null (cli);
    s_track (cli);
    int rc =
        posix_spawn (&cli->pid, ASYNROLE_CLI_PATH, &actions, &attr, (char *const *) argv, environ);
    posix_spawn_file_actions_destroy (&actions);
    posix_spawnattr_destroy (&attr);
    for (int i = 0; i < 2; i++) {
        close (pipes[i][1]);
        cli->fds[i] = pipes[i][0];
        fcntl (cli->fds[i], F_SETFL, O_NONBLOCK);
        cli->out[i] = calloc (1, 1);
        assert_non_null (cli->out[i]);
    }
    if (rc)
        cli->pid = 0;
    assert_int_equal (rc, 0);
    return cli;
}

static cli_t *
s_cli_start (const char *const *args)
{
    return s_cli_start_fd (args, -1);
}

//  Read what is there on stream i
static void
s_drain (cli_t *cli, int i)
{
    char chunk[65536];
    //  Bounded: each pass takes a chunk, or ends at EOF, EAGAIN, an error
    for (int pass = 0; pass < 64; pass++) {
        ssize_t got = read (cli->fds[i], chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got == 0 || (got < 0 && errno != EAGAIN)) {
            close (cli->fds[i]);
            cli->fds[i] = -1;
        }
        if (got <= 0)
            return;
        cli->out[i] = realloc (cli->out[i], cli->size[i] + (size_t) got + 1);
        assert_non_null (cli->out[i]);
        memcpy (cli->out[i] + cli->size[i], chunk, (size_t) got);
        cli->size[i] += (size_t) got;
        cli->out[i][cli->size[i]] = 0;
    }
}

//  Wait at most timeout_ms for output or the exit, and take them in
static void
s_pump (cli_t *cli, int timeout_ms)
{
    struct pollfd items[3] = { { .fd = cli->fds[0], .events = POLLIN },
                               { .fd = cli->fds[1], .events = POLLIN },
                               { .fd = cli->exited ? -1 : s_sigchld, .events = POLLIN } };
    int rc = poll (items, 3, timeout_ms);
    assert_true (rc >= 0 || errno == EINTR);
    for (int i = 0; i < 2; i++)
        if (cli->fds[i] >= 0 && items[i].revents)
            s_drain (cli, i);
    //  SIGCHLDs merge, and one may be read while waiting on another child:
    //  every child is asked at every wake-up
    struct signalfd_siginfo info;
    while (read (s_sigchld, &info, sizeof info) == (ssize_t) sizeof info)
        ;
    for (size_t i = 0; i < CLI_CHILDREN; i++) {
        cli_t *child = s_children[i];
        if (child && child->pid > 0 && !child->exited)
            child->exited = waitpid (child->pid, &child->status, WNOHANG) == child->pid;
    }
}

//  Stream i (0 stdout, 1 stderr) holds text now
static void
s_says (const cli_t *cli, int i, const char *text)
{
    if (!strstr (cli->out[i], text))
        fail_msg ("no '%s' on %s; stdout:\n%s\nstderr:\n%s", text, i ? "stderr" : "stdout",
                  cli->out[0], cli->out[1]);
}

//  Wait until stream i (0 stdout, 1 stderr) holds text; fails at the deadline
static void
s_cli_expect (cli_t *cli, int i, const char *text)
{
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    while (!strstr (cli->out[i], text) && (cli->fds[i] >= 0 || !cli->exited)) {
        int64_t left = deadline - tu_now ();
        if (left <= 0)
            break;
        s_pump (cli, (int) left);
    }
    s_says (cli, i, text);
}

//  Wait for the exit and the end of both streams; returns the exit code
static int
s_cli_wait (cli_t *cli)
{
    int64_t deadline = tu_now () + TU_TIMEOUT_MS;
    while (!cli->exited || cli->fds[0] >= 0 || cli->fds[1] >= 0) {
        int64_t left = deadline - tu_now ();
        if (left <= 0)
            fail_msg ("the tool did not end in time; stdout:\n%s\nstderr:\n%s", cli->out[0],
                      cli->out[1]);
        s_pump (cli, (int) left);
    }
    if (!WIFEXITED (cli->status))
        fail_msg ("the tool died of signal %d; stderr:\n%s", WTERMSIG (cli->status), cli->out[1]);
    return WEXITSTATUS (cli->status);
}

//  Run to its end
static cli_t *
s_cli_run (const char *const *args, int expected)
{
    cli_t *cli = s_cli_start (args);
    int code = s_cli_wait (cli);
    if (code != expected)
        fail_msg ("exit %d, not %d; stdout:\n%s\nstderr:\n%s", code, expected, cli->out[0],
                  cli->out[1]);
    return cli;
}

//  Lines in text
static size_t
s_lines (const char *text)
{
    size_t lines = 0;
    for (; *text; text++)
        lines += *text == '\n';
    return lines;
}

//  A server (echo, listen) on 127.0.0.1:0: wait for where it listens
static uint16_t
s_listening (cli_t *cli, const char *name)
{
    char prefix[64];
    snprintf (prefix, sizeof prefix, "asynrole: %s: listening on 127.0.0.1:", name);
    s_cli_expect (cli, 1, prefix);
    s_cli_expect (cli, 1, "\n");
    unsigned port = 0;
    assert_int_equal (sscanf (strstr (cli->out[1], prefix) + strlen (prefix), "%u", &port), 1);
    assert_true (port > 0 && port < 65536);
    return (uint16_t) port;
}

static int
s_setup (void **state)
{
    return tu_setup (state);
}

//  Children still running when a case failed are killed here
static int
s_teardown (void **state)
{
    for (size_t i = 0; i < CLI_CHILDREN; i++)
        s_cli_free (&s_children[i]);
    return tu_teardown (state);
}

//  "127.0.0.1:port"
static char *
s_at (uint16_t port, char *buf, size_t size)
{
    snprintf (buf, size, "127.0.0.1:%u", port);
    return buf;
}

//  One datagram from the socket fd to 127.0.0.1:port
static void
s_send (int fd, uint16_t port, const void *data, size_t size)
{
    asynrole_addr_t to = tu_addr ("127.0.0.1:0");
    to.u.in.sin_port = htons (port);
    assert_int_equal (sendto (fd, data, size, 0, &to.u.sa, to.len), size);
}

//  send DATA to port, expecting the same back (exit 0, its hex on stdout)
static void
s_round_trip (uint16_t port, const char *data)
{
    char at[32];
    const char *args[] = { "send",      "--timeout", "1000",
                           "--retries", "2",         s_at (port, at, sizeof at),
                           data,        NULL };
    cli_t *cli = s_cli_run (args, 0);
    char expected[256];
    snprintf (expected, sizeof expected, "%s\n", data);
    assert_string_equal (cli->out[0], expected);
    assert_string_equal (cli->out[1], "");
    s_cli_free (&cli);
}

//  Stop a server with signal: exit 0, and the counters on stderr
static cli_t *
s_stop (cli_t *cli, int signal, const char *name)
{
    assert_int_equal (kill (cli->pid, signal), 0);
    assert_int_equal (s_cli_wait (cli), 0);
    char text[64];
    snprintf (text, sizeof text, "asynrole: %s: stopped by %s\n", name,
              signal == SIGINT ? "SIGINT" : "SIGTERM");
    s_says (cli, 1, text);
    s_says (cli, 1, "asynrole: counters: io roles=1 sockets=");
    return cli;
}

//  -------------------------------------------------------------------------
//  Cases

static void
test_help (void **state)
{
    (void) state;
    const char *const runs[][4] = { { "--help" },         { "-h" },
                                    { "echo", "--help" }, { "listen", "-h" },
                                    { "send", "--help" }, { "send", "--help", "127.0.0.1:9" } };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        cli_t *cli = s_cli_run (runs[i], 0);
        s_says (cli, 0, "usage: asynrole");
        assert_string_equal (cli->out[1], "");
        s_cli_free (&cli);
    }
    const char *version[] = { "--version", NULL };
    cli_t *cli = s_cli_run (version, 0);
    char expected[64];
    snprintf (expected, sizeof expected, "asynrole %d.%d.%d\n", ASYNROLE_VERSION_MAJOR,
              ASYNROLE_VERSION_MINOR, ASYNROLE_VERSION_PATCH);
    assert_string_equal (cli->out[0], expected);
    s_cli_free (&cli);
}

//  Every bad argument: exit 2, nothing on stdout, one line on stderr that
//  starts "asynrole: " and says what is wrong
static void
test_bad_arguments (void **state)
{
    (void) state;
    static const struct {
        const char *args[10];
        const char *says;
    } cases[] = {
        { { NULL }, "no command" },
        { { "bogus" }, "unknown command 'bogus'" },
        { { "--help", "echo" }, "unexpected argument 'echo'" },
        { { "--version", "x" }, "unexpected argument 'x'" },
        { { "echo" }, "needs --listen ADDR" },
        { { "echo", "--listen" }, "--listen needs a value" },
        { { "echo", "--listen=" }, "--listen needs a value" },
        { { "echo", "--listen", "localhost:1161" }, "bad --listen 'localhost:1161'" },
        { { "echo", "--listen", "127.0.0.1" }, "bad --listen '127.0.0.1'" },
        { { "echo", "--listen", "127.0.0.1:0", "extra" }, "unexpected argument 'extra'" },
        { { "echo", "--count", "1", "--listen", "127.0.0.1:0" },
          "--count is not an option of echo" },
        { { "listen", "--pipe", "--listen", "127.0.0.1:0" }, "--pipe is not an option of listen" },
        { { "echo", "--pipe=1", "--listen", "127.0.0.1:0" }, "--pipe takes no value" },
        { { "echo", "--pipe", "--pipe", "--listen", "127.0.0.1:0" }, "--pipe given twice" },
        { { "echo", "--verbose=1", "--listen", "127.0.0.1:0" }, "--verbose takes no value" },
        { { "echo", "--bogus" }, "unknown option '--bogus'" },
        { { "echo", "-x" }, "unknown option '-x'" },
        { { "echo", "-hv" }, "unknown option '-hv'" },
        { { "echo", "--dump", "--dump", "--listen", "127.0.0.1:0" }, "--dump given twice" },
        { { "echo", "--listen", "127.0.0.1:0", "--capture", "/nonexistent-dir/x.pcap" },
          "capture: No such file or directory" },
        { { "listen", "--listen", "fd:999" }, "descriptor 999 is not open" },
        { { "listen", "--listen", "127.0.0.1:0", "--count", "0" }, "--count takes a whole number" },
        { { "listen", "--listen", "127.0.0.1:0", "--count", "-1" }, "not '-1'" },
        { { "listen", "--listen", "127.0.0.1:0", "--count", "1x" }, "not '1x'" },
        { { "listen", "--listen", "127.0.0.1:0", "--count", "99999999999999999999" }, "not '999" },
        { { "listen", "--listen", "127.0.0.1:0", "--count", "1", "--count", "2" },
          "--count given twice" },
        { { "listen", "--listen", "127.0.0.1:0", "--timeout", "86400001" }, "--timeout takes" },
        { { "listen", "--listen", "127.0.0.1:0", "--timeout", " 5" }, "not ' 5'" },
        { { "listen", "--listen", "127.0.0.1:0", "--buffer", "0" }, "--buffer takes" },
        { { "listen", "--listen", "127.0.0.1:0", "--buffer", "65537" }, "--buffer takes" },
        { { "send" }, "needs DEST and HEX|@FILE" },
        { { "send", "127.0.0.1:9" }, "needs DEST and HEX|@FILE" },
        { { "send", "127.0.0.1:9", "00", "11" }, "unexpected argument '11'" },
        { { "send", "localhost:9", "00" }, "bad destination 'localhost:9'" },
        { { "send", "127.0.0.1:99999", "00" }, "bad destination '127.0.0.1:99999'" },
        { { "send", "127.0.0.1:9", "0" }, "an odd number of hex digits" },
        { { "send", "127.0.0.1:9", "0g" }, "'g' at offset 1 is not a hex digit" },
        { { "send", "127.0.0.1:9", "@/nonexistent-file" }, "cannot read /nonexistent-file" },
        { { "send", "127.0.0.1:9", "@/" }, "cannot read /: Is a directory" },
        { { "send", "--retries", "1001", "127.0.0.1:9", "00" }, "--retries takes" },
        { { "send", "--retries", "-1", "127.0.0.1:9", "00" }, "not '-1'" },
        { { "send", "--timeout", "0", "127.0.0.1:9", "00" }, "--timeout takes" },
        { { "send", "--timeout=abc", "127.0.0.1:9", "00" }, "not 'abc'" },
        { { "send", "--bind", "nowhere", "127.0.0.1:9", "00" }, "bad --bind 'nowhere'" },
        { { "send", "--bind", "[::1]:0", "127.0.0.1:9", "00" }, "not of one family" },
        { { "send", "--listen", "127.0.0.1:0", "127.0.0.1:9", "00" },
          "--listen is not an option of send" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        print_message ("asynrole %s %s ...\n", cases[i].args[0] ? cases[i].args[0] : "",
                       cases[i].args[0] && cases[i].args[1] ? cases[i].args[1] : "");
        cli_t *cli = s_cli_run (cases[i].args, 2);
        assert_string_equal (cli->out[0], "");
        assert_int_equal (strncmp (cli->out[1], "asynrole: ", 10), 0);
        assert_int_equal (s_lines (cli->out[1]), 1);
        if (!strstr (cli->out[1], cases[i].says))
            fail_msg ("case %zu: '%s' does not say '%s'", i, cli->out[1], cases[i].says);
        s_cli_free (&cli);
    }
}

//  echo answers send, on IPv4 and IPv6 at once; SIGTERM ends it with
//  counters. From its callback by default, from the main thread with --pipe.
static void
s_echo_round_trip (bool pipe)
{
    const char *args[] = { "echo", "--listen", "127.0.0.1:0", "--listen", "[::1]:0", NULL, NULL };
    args[5] = pipe ? "--pipe" : NULL;
    cli_t *echo = s_cli_start (args);
    uint16_t port = s_listening (echo, "echo");
    s_round_trip (port, "0102abcdef");
    //  The IPv6 socket's port is the second address on the line
    const char *v6 = strstr (echo->out[1], "[::1]:");
    assert_non_null (v6);
    char at[48];
    snprintf (at, sizeof at, "[::1]:%d", atoi (v6 + 6));
    const char *send6[] = { "send", at, "00ff", NULL };
    cli_t *cli = s_cli_run (send6, 0);
    assert_string_equal (cli->out[0], "00ff\n");
    s_cli_free (&cli);

    s_stop (echo, SIGTERM, "echo");
    char counters[128];
    snprintf (counters, sizeof counters,
              "counters: 127.0.0.1:%u rx_datagrams=1 rx_bytes=5 tx_datagrams=1 tx_bytes=5 ", port);
    s_says (echo, 1, counters);
    s_says (echo, 1, "rx_datagrams=1 rx_bytes=2 tx_datagrams=1 tx_bytes=2 ");
    s_says (echo, 1, "counters: io roles=1 sockets=2 ");
    assert_string_equal (echo->out[0], "");
    s_cli_free (&echo);
}

static void
test_echo_round_trip (void **state)
{
    (void) state;
    s_echo_round_trip (false);
}

static void
test_echo_pipe (void **state)
{
    (void) state;
    s_echo_round_trip (true);
}

//  Send one UDP datagram from 127.0.0.1:from_port to 127.0.0.1:to_port
//  through a raw socket (a spoofed source); false without CAP_NET_RAW
static bool
s_spoof (uint16_t from_port, uint16_t to_port, const char *text)
{
    int fd = socket (AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP);
    if (fd < 0)
        return false;
    size_t size = strlen (text);
    uint8_t packet[64] = { 0 };
    assert_true (8 + size <= sizeof packet);
    uint16_t fields[4] = { htons (from_port), htons (to_port), htons ((uint16_t) (8 + size)), 0 };
    memcpy (packet, fields, sizeof fields);  //  UDP header, checksum 0: none
    memcpy (packet + 8, text, size);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    assert_int_equal (sendto (fd, packet, 8 + size, 0, (struct sockaddr *) &to, sizeof to),
                      (ssize_t) (8 + size));
    close (fd);
    return true;
}

//  A datagram whose source is the echo's own address (spoofed) is not
//  answered: the echo would answer itself for ever (callback and pipe mode)
static void
s_echo_own_source (bool pipe)
{
    const char *args[] = { "echo", "--listen", "127.0.0.1:0", pipe ? "--pipe" : NULL, NULL };
    cli_t *echo = s_cli_start (args);
    uint16_t port = s_listening (echo, "echo");
    if (!s_spoof (port, port, "loop")) {
        s_stop (echo, SIGTERM, "echo");
        s_cli_free (&echo);
        tu_skip ("no raw socket (CAP_NET_RAW) to spoof a source with");
    }
    //  Served on: a real round trip after it, then the counters say one in,
    //  one out (the round trip's), and the spoofed one not answered
    s_round_trip (port, "0102");
    s_stop (echo, SIGTERM, "echo");
    s_says (echo, 1, "rx_datagrams=2 rx_bytes=6 tx_datagrams=1 tx_bytes=2 ");
    s_says (echo, 1, "echo: 1 datagrams from our own address or port 0, not answered");
    s_cli_free (&echo);
}

static void
test_echo_own_source (void **state)
{
    (void) state;
    s_echo_own_source (false);
    s_echo_own_source (true);
}

//  No one answers: exit 1 after every attempt, one line that says so
static void
test_send_no_response (void **state)
{
    (void) state;
    asynrole_addr_t closed = tu_closed_port (AF_INET);
    char at[ASYNROLE_ADDR_STRLEN];
    TU_FMT (&closed, at);
    const char *args[] = { "send", "--timeout", "100", "--retries", "1", at, "00", NULL };
    int64_t start = tu_now ();
    cli_t *cli = s_cli_run (args, 1);
    assert_true (tu_now () - start >= 200);
    assert_string_equal (cli->out[0], "");
    assert_int_equal (s_lines (cli->out[1]), 1);
    char says[192];
    snprintf (says, sizeof says, "asynrole: send: no response from %s after 2 attempts", at);
    assert_int_equal (strncmp (cli->out[1], says, strlen (says)), 0);
    s_cli_free (&cli);
}

//  Write size bytes of a pattern to path
static void
s_write_file (const char *path, size_t size)
{
    uint8_t *data = malloc (size ? size : 1);
    assert_non_null (data);
    tu_fill (data, size, 7);
    FILE *file = fopen (path, "wb");
    assert_non_null (file);
    assert_int_equal (fwrite (data, 1, size, file), size);
    assert_int_equal (fclose (file), 0);
    free (data);
}

//  @FILE and @- (standard input): raw bytes, up to the largest datagram
static void
test_send_file (void **state)
{
    (void) state;
    const char *args[] = { "echo", "--listen", "127.0.0.1:0", NULL };
    cli_t *echo = s_cli_start (args);
    char at[32];
    s_at (s_listening (echo, "echo"), at, sizeof at);
    char path[64];
    snprintf (path, sizeof path, "/tmp/asynrole-test-cli-%d.bin", (int) getpid ());
    uint8_t expected[ASYNROLE_DGRAM_MAX_IPV4];
    tu_fill (expected, sizeof expected, 7);

    //  The largest IPv4 datagram goes whole, and comes back as hex
    s_write_file (path, ASYNROLE_DGRAM_MAX_IPV4);
    char file[80];
    snprintf (file, sizeof file, "@%s", path);
    const char *send[] = { "send", at, file, NULL };
    cli_t *cli = s_cli_run (send, 0);
    assert_int_equal (cli->size[0], 2 * ASYNROLE_DGRAM_MAX_IPV4 + 1);
    for (size_t i = 0; i < ASYNROLE_DGRAM_MAX_IPV4; i += 4099) {
        char hex[3];
        snprintf (hex, sizeof hex, "%02x", expected[i]);
        assert_memory_equal (cli->out[0] + 2 * i, hex, 2);
    }
    s_cli_free (&cli);

    //  One byte more is refused before anything is sent
    s_write_file (path, ASYNROLE_DGRAM_MAX_IPV4 + 1);
    cli = s_cli_run (send, 2);
    s_says (cli, 1, "holds more than 65507 bytes");
    s_cli_free (&cli);

    //  Standard input
    s_write_file (path, 3);
    int in = open (path, O_RDONLY | O_CLOEXEC);
    assert_true (in >= 0);
    const char *from_stdin[] = { "send", at, "@-", NULL };
    cli = s_cli_start_fd (from_stdin, in);
    close (in);
    assert_int_equal (s_cli_wait (cli), 0);
    char three[8];
    snprintf (three, sizeof three, "%02x%02x%02x\n", expected[0], expected[1], expected[2]);
    assert_string_equal (cli->out[0], three);
    s_cli_free (&cli);
    unlink (path);
    s_stop (echo, SIGTERM, "echo");
    s_cli_free (&echo);
}

//  Check one listen line: TIME SOURCE -> LOCAL SIZE HEX
static void
s_check_line (const char *line, const char *source, const char *local, const char *size,
              const char *hex)
{
    //  2026-11-24T10:00:00.123456Z
    assert_true (strlen (line) > 28);
    assert_true (line[4] == '-' && line[7] == '-' && line[10] == 'T' && line[13] == ':');
    assert_true (line[19] == '.' && line[26] == 'Z' && line[27] == ' ');
    char expected[256];
    snprintf (expected, sizeof expected, "%s -> %s %s %s\n", source, local, size, hex);
    assert_int_equal (strncmp (line + 28, expected, strlen (expected)), 0);
}

//  listen --count 2: two lines, then exit 0
static void
test_listen_count (void **state)
{
    (void) state;
    const char *args[] = { "listen", "--listen", "127.0.0.1:0", "--count", "2", NULL };
    cli_t *listen = s_cli_start (args);
    uint16_t port = s_listening (listen, "listen");
    asynrole_addr_t from;
    int fd = tu_client ("127.0.0.1", &from);
    s_send (fd, port, "\x30\x29\x02", 3);
    s_send (fd, port, "", 0);
    assert_int_equal (s_cli_wait (listen), 0);
    close (fd);

    assert_int_equal (s_lines (listen->out[0]), 2);
    char source[ASYNROLE_ADDR_STRLEN], local[32];
    TU_FMT (&from, source);
    s_at (port, local, sizeof local);
    s_check_line (listen->out[0], source, local, "3", "302902");
    s_check_line (strchr (listen->out[0], '\n') + 1, source, local, "0", "-");
    //  Only where it listened: the counters come with a signal or --verbose
    assert_int_equal (s_lines (listen->out[1]), 1);
    s_cli_free (&listen);
}

//  A datagram cut to --buffer bytes says so: KEPT/SENT
static void
test_listen_truncated (void **state)
{
    (void) state;
    const char *args[] = { "listen", "--listen", "127.0.0.1:0", "--count",
                           "1",      "--buffer", "4",           NULL };
    cli_t *listen = s_cli_start (args);
    uint16_t port = s_listening (listen, "listen");
    asynrole_addr_t from;
    int fd = tu_client ("127.0.0.1", &from);
    s_send (fd, port, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a", 10);
    assert_int_equal (s_cli_wait (listen), 0);
    close (fd);
    char source[ASYNROLE_ADDR_STRLEN], local[32];
    s_check_line (listen->out[0], TU_FMT (&from, source), s_at (port, local, sizeof local), "4/10",
                  "01020304");
    s_cli_free (&listen);
}

//  listen --timeout: exit 1 when --count datagrams did not come, else 0
static void
test_listen_timeout (void **state)
{
    (void) state;
    const char *count[] = { "listen", "--listen",  "127.0.0.1:0", "--count",
                            "1",      "--timeout", "100",         NULL };
    cli_t *cli = s_cli_run (count, 1);
    s_says (cli, 1, "asynrole: listen: 0 of 1 datagrams in 100 ms\n");
    assert_int_equal (s_lines (cli->out[1]), 2);
    s_cli_free (&cli);
    const char *plain[] = { "listen", "--listen", "127.0.0.1:0", "--timeout", "100", NULL };
    cli = s_cli_run (plain, 0);
    assert_string_equal (cli->out[0], "");
    s_cli_free (&cli);
}

//  SIGINT and SIGTERM end every command cleanly, with the counters
static void
test_signals (void **state)
{
    (void) state;
    const char *args[] = { "listen", "--listen", "127.0.0.1:0", NULL };
    cli_t *listen = s_cli_start (args);
    uint16_t port = s_listening (listen, "listen");
    asynrole_addr_t from;
    int fd = tu_client ("127.0.0.1", &from);
    s_send (fd, port, "abc", 3);
    s_cli_expect (listen, 0, " 3 616263\n");
    close (fd);
    s_stop (listen, SIGINT, "listen");
    s_says (listen, 1, "rx_datagrams=1 rx_bytes=3 tx_datagrams=0 ");
    s_cli_free (&listen);

    //  send, waiting for a reply that never comes: exit 1 (no reply)
    asynrole_addr_t closed = tu_closed_port (AF_INET);
    char at[ASYNROLE_ADDR_STRLEN];
    const char *send[] = { "send", "--verbose", "--timeout", "60000", TU_FMT (&closed, at),
                           "00",   NULL };
    cli_t *cli = s_cli_start (send);
    //  The library's log: the first attempt left, and the port was closed
    s_cli_expect (cli, 1, "Connection refused");
    assert_int_equal (kill (cli->pid, SIGTERM), 0);
    assert_int_equal (s_cli_wait (cli), 1);
    s_says (cli, 1, "asynrole: send: stopped by SIGTERM\n");
    s_says (cli, 1, "rx_datagrams=0 rx_bytes=0 tx_datagrams=1 tx_bytes=1 ");
    s_says (cli, 1, "asynrole: counters: io roles=1 sockets=1 ");
    assert_string_equal (cli->out[0], "");
    s_cli_free (&cli);
}

//  A port in use is a failure at run time: exit 3, one line
static void
test_port_in_use (void **state)
{
    (void) state;
    asynrole_addr_t held;
    tu_hold_port ("127.0.0.1", &held);
    char at[ASYNROLE_ADDR_STRLEN];
    TU_FMT (&held, at);
    const char *commands[] = { "echo", "listen" };
    for (size_t i = 0; i < 2; i++) {
        const char *args[] = { commands[i], "--listen", "127.0.0.1:0", "--listen", at, NULL };
        cli_t *cli = s_cli_run (args, 3);
        assert_int_equal (s_lines (cli->out[1]), 1);
        s_says (cli, 1, "Address already in use");
        s_says (cli, 1, at);
        s_cli_free (&cli);
    }
    //  send from it
    asynrole_addr_t closed = tu_closed_port (AF_INET);
    char to[ASYNROLE_ADDR_STRLEN];
    const char *send[] = { "send", "--bind", at, TU_FMT (&closed, to), "00", NULL };
    cli_t *cli = s_cli_run (send, 3);
    s_says (cli, 1, "Address already in use");
    s_cli_free (&cli);
}

//  --capture: a pcap file with the request and the echo
static void
test_capture (void **state)
{
    (void) state;
    char path[64];
    snprintf (path, sizeof path, "/tmp/asynrole-test-cli-%d.pcap", (int) getpid ());
    const char *args[] = { "echo", "--listen", "127.0.0.1:0", "--capture", path, NULL };
    cli_t *echo = s_cli_start (args);
    s_round_trip (s_listening (echo, "echo"), "0102030405");
    s_stop (echo, SIGTERM, "echo");
    s_cli_free (&echo);

    //  File header, then two records: pcap (16), IPv4 (20), UDP (8), 5 bytes
    struct stat info;
    assert_int_equal (stat (path, &info), 0);
    assert_int_equal (info.st_size, 24 + 2 * (16 + 20 + 8 + 5));
    assert_int_equal (info.st_mode & 0777, 0600);
    FILE *file = fopen (path, "rb");
    assert_non_null (file);
    uint32_t magic = 0;
    assert_int_equal (fread (&magic, sizeof magic, 1, file), 1);
    fclose (file);
    assert_int_equal (magic, 0xa1b2c3d4u);
    unlink (path);
}

//  --dump: both ways, in the library's hex dump; --verbose: the reply's
//  attempt and the counters at the end
static void
test_dump_verbose (void **state)
{
    (void) state;
    const char *args[] = { "echo", "--dump", "--listen", "127.0.0.1:0", NULL };
    cli_t *echo = s_cli_start (args);
    char at[32];
    s_at (s_listening (echo, "echo"), at, sizeof at);
    const char *send[] = { "send", "--dump", "--verbose", at, "48656c6c6f", NULL };
    cli_t *cli = s_cli_run (send, 0);
    assert_string_equal (cli->out[0], "48656c6c6f\n");
    const char *says[] = { "send: send 5 bytes to 127.0.0.1:",
                           "send: received 5 bytes from 127.0.0.1:",
                           "48 65 6c 6c 6f",
                           "asynrole: send: reply from 127.0.0.1:",
                           "attempt 1 of 1",
                           "asynrole: counters: io roles=1 sockets=1 " };
    for (size_t i = 0; i < sizeof says / sizeof says[0]; i++)
        s_says (cli, 1, says[i]);
    s_cli_free (&cli);
    s_cli_expect (echo, 1, "echo: received 5 bytes from 127.0.0.1:");
    s_cli_expect (echo, 1, "echo: send 5 bytes to 127.0.0.1:");
    s_stop (echo, SIGTERM, "echo");
    s_cli_free (&echo);
}

//  listen's reader goes away: the end, exit 0
static void
test_listen_output_closed (void **state)
{
    (void) state;
    const char *args[] = { "listen", "--listen", "127.0.0.1:0", NULL };
    cli_t *listen = s_cli_start (args);
    uint16_t port = s_listening (listen, "listen");
    close (listen->fds[0]);
    listen->fds[0] = -1;
    asynrole_addr_t from;
    int fd = tu_client ("127.0.0.1", &from);
    s_send (fd, port, "x", 1);
    close (fd);
    assert_int_equal (s_cli_wait (listen), 0);
    assert_int_equal (s_lines (listen->out[1]), 1);
    s_cli_free (&listen);
}

//  listen's stdout reader stops reading: the pipe fills and listen waits
//  to write, yet SIGTERM ends it at once (exit 0, the counters), and what
//  it wrote is whole lines
static void
test_listen_stalled_reader (void **state)
{
    (void) state;
    const char *args[] = { "listen", "--listen", "127.0.0.1:0", NULL };
    cli_t *listen = s_cli_start (args);
    //  One page, empty still: a few lines fill it
    assert_true (fcntl (listen->fds[0], F_SETPIPE_SZ, 4096) >= 4096);
    int stalled = listen->fds[0];
    listen->fds[0] = -1;  //  not read until listen has ended
    uint16_t port = s_listening (listen, "listen");
    asynrole_addr_t from;
    int fd = tu_client ("127.0.0.1", &from);
    char payload[500];
    memset (payload, 'x', sizeof payload);
    for (int i = 0; i < 2000; i++)  //  a line each: 2 MB for one page
        s_send (fd, port, payload, sizeof payload);
    close (fd);
    //  It has begun to write (and, 2 MB for one page, waits to go on)
    struct pollfd item = { .fd = stalled, .events = POLLIN };
    assert_int_equal (poll (&item, 1, TU_TIMEOUT_MS), 1);
    s_stop (listen, SIGTERM, "listen");
    listen->fds[0] = stalled;
    assert_int_equal (s_cli_wait (listen), 0);
    assert_true (listen->size[0] > 0);
    assert_int_equal (listen->out[0][listen->size[0] - 1], '\n');
    s_says (listen, 0, " 500 787878");
    s_cli_free (&listen);
}

int
main (int argc, char **argv)
{
    //  Before any thread starts, so that every thread inherits the block;
    //  the children do not (their mask is set at the spawn)
    sigset_t set;
    sigemptyset (&set);
    sigaddset (&set, SIGCHLD);
    pthread_sigmask (SIG_BLOCK, &set, NULL);
    s_sigchld = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (s_sigchld < 0) {
        perror ("signalfd");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_help, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_arguments, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_echo_round_trip, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_echo_pipe, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_echo_own_source, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_send_no_response, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_send_file, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_listen_count, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_listen_truncated, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_listen_timeout, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_signals, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_port_in_use, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_capture, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_dump_verbose, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_listen_output_closed, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_listen_stalled_reader, s_setup, s_teardown),
    };
    return tu_run (tests, sizeof tests / sizeof tests[0], argc, argv);
}
