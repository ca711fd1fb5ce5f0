/*
 * senses.c — the remembered sense splits of an index on disk (INDEX.senses,
 * or the file --senses names; the library's tenyo_senses): where the file
 * is, read, saved atomically, and locked for a read-change-write. The
 * reasons (a lock for every change, none for reading) are in
 * cli/cmd_senses.c, the command that lists and changes them.
 *
 * Who calls whom: `tenyo senses` and `tenyo ideas` (--remember) in cli/,
 * and the server's start (serve/serve_start.c, read once) call these;
 * they call say.c and the library.
 */
#include "views.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The splits file of INDEX (malloc'd), or a copy of the named one. */
char *cli_senses_path(const char *index, const char *named) {
    if (named) return strdup(named);
    size_t n = strlen(index);
    char *p = malloc(n + sizeof ".senses");
    if (p) {
        memcpy(p, index, n);
        memcpy(p + n, ".senses", sizeof ".senses");
    }
    return p;
}

int cli_senses_open(const char *path, int must_exist, tenyo_senses **out) {
    char err[640];
    *out = NULL;
    if (tenyo_senses_new(out)) {
        cli_err("out of memory\n");
        return EXIT_RESOURCE;
    }
    int rc = tenyo_senses_load(*out, path, err, sizeof err);
    if (rc == TENYO_ERR_NOTFOUND && !must_exist) return EXIT_OK;
    if (!rc) return EXIT_OK;
    cli_err("%s\n", err);
    tenyo_senses_free(*out);
    *out = NULL;
    return rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INPUT;
}

int cli_senses_save(const tenyo_senses *s, const char *path) {
    char err[640];
    int rc = tenyo_senses_save(s, path, err, sizeof err);
    if (rc && rc != TENYO_ERR_UNSYNCED) {
        cli_err("%s\n", err);
        /* not written (a full disk, no room): a resource (4); a path the
         * output rule refuses: input (2) */
        return rc == TENYO_ERR_IO || rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INPUT;
    }
    return EXIT_OK;
}

/* The file's real name (links resolved; a file not made yet: its folder's
 * real name and its own), malloc'd: two names of one file take one lock. */
tenyo_lock *cli_senses_lock(const char *path) {
    char err[640];
    tenyo_lock *l = NULL;
    if (tenyo_senses_lock_take(path, UINT_MAX, &l, err, sizeof err)) {
        cli_err("%s; nothing changed\n", err);
        return NULL;
    }
    return l;
}
