/*
 * batch.h — one line of `tenyo ideas --batch` (src/cli/cmd_ideas.c).
 *
 * A line is a JSON object {"id": "...", "text": "...", "home": [...]} and
 * nothing else (another member, a steer's "keep" or "offset" among them, is
 * refused with its line: the command line steers every line): the
 * parser lives apart from the file loop and the worker threads so that the
 * fuzz target tests/fuzz/fuzz_batch.c can feed it arbitrary bytes.
 */
#ifndef TENYO_CLI_BATCH_H
#define TENYO_CLI_BATCH_H

#include <stddef.h>

/* What one batch line asks for. Strings are malloc'd (free with
 * cli_batch_query_free), NULL when absent. */
typedef struct cli_batch_query {
    char *id;     /* "id": may name an indexed patent */
    char *text;   /* "text": the query text */
    char *homes;  /* "home" (a string, or the strings of an array) joined
                     by commas */
} cli_batch_query;

/* Parse one batch line buf[0..len) (newline already removed; need not be
 * NUL-terminated) into q, which is zeroed first. Returns 0, or -1 with the
 * reason in msg (msglen bytes; jansson's message for broken JSON). q may hold
 * fields even on failure: always release it with cli_batch_query_free. */
int cli_batch_parse_line(const char *buf, size_t len, cli_batch_query *q,
                         char *msg, size_t msglen);
/* Free q's strings and zero it; accepts NULL. */
void cli_batch_query_free(cli_batch_query *q);

#endif
