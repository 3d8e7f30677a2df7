/*  main.c - a consumer of an installed asynrole: builds with find_package (asynrole)
    and with cc main.c $(pkg-config --cflags --libs asynrole) */
#include <asynrole.h>
#include <stdio.h>
#include <string.h>

int
main (void)
{
    printf ("asynrole %d.%d.%d\n", ASYNROLE_VERSION_MAJOR, ASYNROLE_VERSION_MINOR,
            ASYNROLE_VERSION_PATCH);

    const char *text = asynrole_strerror (ASYNROLE_EBADARG);
    if (!text || !*text) {
        fprintf (stderr, "consumer: asynrole_strerror gave nothing\n");
        return 1;
    }
    printf ("asynrole_strerror (ASYNROLE_EBADARG): %s\n", text);

    asynrole_addr_t addr;
    asynrole_error_t error;
    memset (&error, 0, sizeof error);
    if (asynrole_addr_parse (&addr, "127.0.0.1:161", &error) != 0) {
        fprintf (stderr, "consumer: asynrole_addr_parse failed: %s\n", error.detail);
        return 1;
    }
    if (asynrole_addr_port (&addr) != 161) {
        fprintf (stderr, "consumer: parsed port %u, expected 161\n",
                 (unsigned) asynrole_addr_port (&addr));
        return 1;
    }
    if (asynrole_addr_parse (&addr, "not an address", &error) != -1
        || error.code != ASYNROLE_EBADARG) {
        fprintf (stderr, "consumer: a bad address was not refused\n");
        return 1;
    }
    printf ("asynrole_addr_parse: ok (%s)\n", error.detail);

    //  The request engine's and the blocking calls' headers and symbols
    asynrole_policy_t policy = { .timeout = 0, .retries = 3 };
    asynrole_request_t request = {
        .data = "x", .size = 1, .destination = &addr, .policy = &policy
    };
    asynrole_reply_t reply;
    if (asynrole_manager_send_and_receive (NULL, &request, &reply, &error) != -1
        || error.code != ASYNROLE_EBADARG) {
        fprintf (stderr, "consumer: send_and_receive without a Manager was not refused\n");
        return 1;
    }
    asynrole_reply_free (NULL);
    printf ("asynrole_manager_send_and_receive: ok (%s)\n", error.detail);
    return 0;
}
