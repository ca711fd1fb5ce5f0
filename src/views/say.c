/*
 * say.c — how every room of the program says things, so that the
 * commands and the server speak as one tool: one message prefix,
 * "tenyo COMMAND: " (cli_err), the command being the one main()
 * dispatched (cli_cmd, state.c; "tenyo: " before there is one), control
 * characters shown, never sent raw to the terminal; "did you mean"
 * (cli_suggest: the closest name by edit distance, when it is close, at
 * most a third of the word and at least 1; a unique prefix too); the exit
 * code of a library status (cli_exit_code); the names of the search modes.
 *
 * Who calls whom: cli/ (opts.c, the commands), serve/ and the other
 * views/ files call these; they call safe.c and the library.
 */
#include "views.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ============================================================ messages */

void cli_err(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "tenyo%s%s: ", *cli_cmd ? " " : "", cli_cmd);
    if (n < 0) return;
    /* messages quote file names, ids and list lines: control characters
     * (an escape sequence in a file name) are shown, never sent raw to
     * the terminal; line breaks and tabs stay */
    fputs(cli_safe_lines(msg), stderr);
    free(msg);
}

/* ======================================================= did you mean */

/* Edit distance of a and b (bytes); 99 beyond 64 bytes: no name is that
 * long, so such a word is never close to one. */
static int edit_distance(const char *a, const char *b) {
    size_t na = strlen(a), nb = strlen(b);
    if (na > 64 || nb > 64) return 99;
    return tenyo_edit_distance(a, na, b, nb, 98);
}

const char *cli_suggest(const char *word, const char *const *names, size_t n) {
    const char *best = NULL;
    int bd = 99;
    size_t wl = strlen(word);
    for (size_t i = 0; i < n; i++) {
        int d = edit_distance(word, names[i]);
        if (d < bd) {
            bd = d;
            best = names[i];
        }
    }
    int limit = (int)(wl / 3) > 1 ? (int)(wl / 3) : 1;
    if (best && bd <= limit) return best;
    /* a typed word that starts a single name ("--hyb" for --hybrid-weight
     * is taken by getopt itself; this is for commands: "sim") */
    const char *pre = NULL;
    for (size_t i = 0; i < n && wl >= 2; i++) {
        if (!strncmp(names[i], word, wl)) {
            if (pre) return NULL;
            pre = names[i];
        }
    }
    return pre;
}

/* Exit code for a library status (opening an input or index file is
 * mapped by the caller: any failure there is an input / index error). */
int cli_exit_code(int status) {
    switch (status) {
    case TENYO_OK: return EXIT_OK;
    case TENYO_ERR_ARG: return EXIT_USAGE;
    case TENYO_ERR_INPUT: case TENYO_ERR_NOTFOUND: case TENYO_ERR_EMPTY:
    case TENYO_ERR_LIMIT:
        return EXIT_INPUT;
    case TENYO_ERR_CORRUPT: case TENYO_ERR_VERSION: case TENYO_ERR_MISMATCH:
        return EXIT_INDEX;
    default: return EXIT_RESOURCE;
    }
}

int cli_parse_mode(const char *s, tenyo_mode *mode) {
    if (strcmp(s, "tfidf") == 0) *mode = TENYO_MODE_TFIDF;
    else if (strcmp(s, "lsa") == 0) *mode = TENYO_MODE_LSA;
    else if (strcmp(s, "hybrid") == 0) *mode = TENYO_MODE_HYBRID;
    else return -1;
    return 0;
}

const char *cli_mode_name(tenyo_mode m) {
    return m == TENYO_MODE_TFIDF ? "tfidf" : m == TENYO_MODE_LSA ? "lsa" : "hybrid";
}
