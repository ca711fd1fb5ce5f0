/*
 * writer.c — what the commands that change an index share: the exit code
 * of a writer that could not start or finish (cli_writer_exit: index
 * missing or damaged 3, else 4), an update opened and ended with one set
 * of messages (add, delete), loading the list of licensable patents
 * with its report (open, index --open-list), and the one rule of every
 * file a command writes (cli_output_inputs, cli_output_check): never one
 * of its inputs under any name (device and inode compared: a link or a
 * second name is the same file), and for a file that is not an index
 * tenyo_output_check's rule (never an index or a locked path; a file of
 * another kind only with --force), checked before any work is done.
 *
 * Who calls whom: called by the commands (9); calls input.c, opts.c,
 * views/safe.c, views/say.c and the library (tenyo.h).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ================================================== output files */

int cli_output_inputs(const char *opt, const char *out, const char *const *in, int n) {
    struct stat ost, ist;
    if (!out || stat(out, &ost) != 0) return EXIT_OK;
    for (int i = 0; i < n; i++) {
        if (!in[i] || !strcmp(in[i], "-")) continue;
        if (stat(in[i], &ist) == 0 && ist.st_dev == ost.st_dev && ist.st_ino == ost.st_ino) {
            cli_err("%s is both an input and the output %s%s%s; nothing written\n",
                    cli_safe(in[i]), opt ? opt : "", opt ? " " : "", cli_safe(out));
            return EXIT_USAGE;
        }
    }
    return EXIT_OK;
}

int cli_output_check(const char *opt, const char *out, const char *const *in, int n,
                     const char *own, int force) {
    int ec = cli_output_inputs(opt, out, in, n);
    if (ec) return ec;
    char err[512] = "";
    int rc = tenyo_output_check(out, own, force ? TENYO_WRITE_FORCE : 0, err, sizeof err);
    if (rc == TENYO_OK) return EXIT_OK;
    cli_err("%s %s; nothing written\n", opt, cli_safe(err));
    return rc == TENYO_ERR_ARG ? EXIT_USAGE : EXIT_RESOURCE;
}

/* ================================================== licensable list */

/* The unresolved lines shown; the rest are counted (a whole open-patent
 * database against a smaller index is hundreds of thousands of lines). */
#define OPEN_REPORT_MAX 20

typedef struct open_rep {
    int quiet;
    unsigned long shown, more;
} open_rep;

/* Report of an unresolved line (quiet: counted only); the line's text
 * comes from the list file, so control characters are shown escaped, never
 * sent to the terminal. */
static void open_report(void *ud, const char *file, long line, const char *msg) {
    open_rep *r = ud;
    if (r->quiet) return;
    if (r->shown == OPEN_REPORT_MAX) {
        r->more++;
        return;
    }
    r->shown++;
    cli_err("%s:%ld: %s\n", cli_safe(file), line, cli_safe(msg));
}

/* Load list into the index at path (through writer w when given) and say
 * how it went on stderr; an exit code. */
int cli_open_list_load(const char *path, const char *list, const char *column, int quiet,
                            tenyo_writer *w) {
    tenyo_open_stats os;
    char err[512] = "";
    open_rep q = {quiet, 0, 0};
    const char *lp = cli_input_path(list);
    int rc = w ? tenyo_writer_open_list(w, lp, column, open_report, &q, &os, err, sizeof err)
               : tenyo_open_load(path, lp, column, open_report, &q, &os, err, sizeof err);
    if (q.more)
        cli_err("%s: %lu more lines not resolved are not shown (the first %d are above)\n",
                cli_safe(list), q.more, OPEN_REPORT_MAX);
    if (rc && rc != TENYO_ERR_UNSYNCED) {
        cli_err("%s\n", err);
        /* the list unreadable is input (2); OPEN not written, a resource (4) */
        return rc == TENYO_ERR_ARG ? EXIT_USAGE : rc == TENYO_ERR_INPUT || rc == TENYO_ERR_NOTFOUND
                                                       ? EXIT_INPUT : cli_writer_exit(rc);
    }
    fprintf(stderr, "licensable list %s: %llu patent%s listed (%llu lines%s%s%s, %llu not in the "
            "index, %llu repeated) -> %s\n", list, (unsigned long long)os.listed,
            os.listed == 1 ? "" : "s",
            (unsigned long long)os.lines, *os.column ? ", column '" : "", os.column,
            *os.column ? "'" : "", (unsigned long long)os.unresolved,
            (unsigned long long)os.duplicates, path);
    if (rc == TENYO_ERR_UNSYNCED) {
        cli_err("%s: committed, durability unknown\n", err);
        return EXIT_RESOURCE;
    }
    return EXIT_OK;
}

static int update_add(void *ud, const tenyo_doc *d) { return tenyo_update_add(ud, d); }
static const char *update_error(void *ud) { return tenyo_update_error(ud); }

cli_sink cli_sink_update(tenyo_update *u) {
    cli_sink s = {update_add, update_error, u, NULL, NULL, NULL, NULL, 0};
    return s;
}

/* ============================================================ updates */

/* Exit code of a writer (add, delete, rebuild) that could not start or
 * finish: the index missing or damaged is an index error (3); another
 * writer at work, memory, or a file that could not be written (a read-only
 * file system included) a resource error (4), as for `tenyo index`. */
int cli_writer_exit(int rc) {
    return rc == TENYO_ERR_NOTFOUND || rc == TENYO_ERR_CORRUPT || rc == TENYO_ERR_VERSION ||
                   rc == TENYO_ERR_MISMATCH
               ? EXIT_INDEX
               : EXIT_RESOURCE;
}

int cli_update_open(const char *path, int threads, int quiet, tenyo_update **u) {
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.threads = threads;
    bo.report = quiet ? NULL : cli_on_build_report;
    char err[512] = "";
    int rc = tenyo_update_open(path, &bo, u, err, sizeof err);
    if (rc) {
        cli_err("%s\n", err);
        return cli_writer_exit(rc);
    }
    return EXIT_OK;
}

/* End update u: after a failure ec (already reported) nothing is
 * committed; otherwise commit into *st. u is freed either way; returns the
 * exit code. */
int cli_update_end(tenyo_update *u, const char *path, int ec, tenyo_update_stats *st) {
    int rc = ec ? TENYO_OK : tenyo_update_commit(u, st);
    if (rc == TENYO_ERR_UNSYNCED) {
        /* the new manifest is in place: say so, never "unchanged" */
        cli_err("%s\n", tenyo_update_error(u));
        cli_err("%s: generation %llu committed (%llu documents), but durability unknown: "
                "the directory could not be synced\n", path,
                (unsigned long long)st->generation, (unsigned long long)st->docs);
        tenyo_update_free(u);
        return EXIT_RESOURCE;
    }
    if (rc) {
        cli_err("%s\n", tenyo_update_error(u));
        ec = EXIT_RESOURCE;
    }
    if (ec) cli_err("nothing committed; %s is unchanged\n", path);
    tenyo_update_free(u);
    return ec;
}

