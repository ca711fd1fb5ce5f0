/*
 * cmd_senses.c — `tenyo senses`: the remembered sense splits of an index
 * (the library's tenyo_senses): a word that links two fields only by a
 * pun (運転: B60W and F24F) and so carries no link between them in any
 * later `ideas` query. The splits live in a TSV file beside the index
 * (INDEX.senses) or in the file --senses names; this command lists them,
 * adds and removes one, imports a colleague's file (merged: all its lines
 * or, when one is at fault, none, named by file and line) and exports
 * them. `ideas --not WORD --remember` adds the splits a strike made. Every
 * change is saved atomically; the index file itself is never written.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *senses_usage =
    "usage: tenyo senses INDEX [list | add WORD FIELD FIELD | remove WORD FIELD FIELD |\n"
    "                           import FILE | export [FILE]] [--senses FILE]\n"
    "Senses remembered: a word split from a pair of fields (運転 between B60W and\n"
    "F24F: a pun, not a link) carries no link between those two fields in any\n"
    "later ideas query on INDEX. The splits are kept in INDEX.senses, a TSV file of\n"
    "word, field, other field a line (the index itself never changes); ideas\n"
    "--not WORD --remember adds the splits a strike made.\n"
    "  list                 the splits, one a line (the default)\n"
    "  add WORD FIELD FIELD split WORD from this pair of fields\n"
    "  remove WORD FIELD FIELD  undo that split\n"
    "  import FILE          add the splits of TSV FILE (a colleague's export); a\n"
    "                       line at fault is named and nothing is added\n"
    "  export [FILE]        the splits as TSV into FILE (default: standard output)\n"
    "      --senses FILE    the splits file (default INDEX.senses)\n";

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
        return EXIT_INPUT;
    }
    return EXIT_OK;
}

/* add / remove WORD FIELD FIELD on s: an exit code after a message. */
static int senses_change(tenyo_senses *s, int add, char **a) {
    int rc = add ? tenyo_senses_add(s, a[0], a[1], a[2]) : tenyo_senses_remove(s, a[0], a[1], a[2]);
    if (rc == TENYO_ERR_NOTFOUND) {
        cli_err("no split of '%s' between %s and %s to remove\n", a[0], a[1], a[2]);
        return EXIT_INPUT;
    }
    if (rc == TENYO_ERR_LIMIT) cli_err("the senses file holds 100000 splits already\n");
    else if (rc < 0)
        cli_err("a split is a word (1 to 255 bytes of UTF-8) and two different IPC subclasses "
                "(like B60W F24F), not '%s' %s %s\n", a[0], a[1], a[2]);
    if (rc < 0) return EXIT_USAGE;
    if (rc == 1) cli_err("'%s' is split between %s and %s already\n", a[0], a[1], a[2]);
    return EXIT_OK;
}

/* export: the TSV into out (NULL or "-": standard output). */
static int senses_export(const tenyo_senses *s, const char *out) {
    if (out && strcmp(out, "-")) return cli_senses_save(s, out);
    char *t = NULL;
    if (tenyo_senses_tsv(s, &t)) {
        cli_err("out of memory\n");
        return EXIT_RESOURCE;
    }
    fputs(t, stdout);
    tenyo_json_free(t);
    return EXIT_OK;
}

/* list: word <TAB> field <TAB> field, one a line. */
static void senses_list(const tenyo_senses *s) {
    const char *w, *a, *b;
    for (size_t i = 0; tenyo_senses_get(s, i, &w, &a, &b) == TENYO_OK; i++)
        printf("%s\t%s\t%s\n", cli_safe(w), a, b);
}

int cli_cmd_senses(int argc, char **argv) {
    static const struct option lo[] = {{"senses", required_argument, 0, OPT_SENSES},
                                       {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *named = NULL;
    int c, bad = 0;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "h", lo)) != -1) {
        if (c == OPT_SENSES) named = optarg;
        else if (c == 'h') return cli_help(senses_usage);
        else bad = 1;
    }
    int npos = argc - optind;
    const char *act = npos >= 2 ? argv[optind + 1] : "list";
    int want = !strcmp(act, "list") ? 0 : !strcmp(act, "add") || !strcmp(act, "remove") ? 3
               : !strcmp(act, "import") ? 1 : !strcmp(act, "export") ? -1 : -2;
    int args = npos >= 2 ? npos - 2 : 0;
    if (!bad && (npos < 1 || want == -2 || (want >= 0 && args != want) || (want == -1 && args > 1))) {
        if (npos < 1) cli_err("no INDEX\n");
        else if (want == -2) cli_err("no action '%s' (list, add, remove, import, export)\n", act);
        else cli_err("%s takes %s\n", act, want == 3 ? "WORD FIELD FIELD" : want == 1 ? "FILE"
                                         : want == 0 ? "nothing more" : "at most FILE");
        bad = 1;
    }
    if (bad) return cli_usage_error(senses_usage);
    char *path = cli_senses_path(argv[optind], named);
    tenyo_senses *s = NULL;
    int ec = path ? cli_senses_open(path, 0, &s) : EXIT_RESOURCE;
    char **a = argv + optind + 2;
    if (ec) goto done;
    if (want == 0) senses_list(s);
    else if (want == -1) ec = senses_export(s, args ? a[0] : NULL);
    if (want == 1) { /* all of the file's lines, or none (the load says which is at fault) */
        char err[640];
        int rc = tenyo_senses_load(s, a[0], err, sizeof err);
        if (rc) cli_err("%s\n", err);
        ec = rc ? EXIT_INPUT : cli_senses_save(s, path);
    } else if (want == 3) {
        ec = senses_change(s, !strcmp(act, "add"), a);
        if (!ec) ec = cli_senses_save(s, path);
    }
    if (!ec && want > 0) cli_err("%s: %zu splits\n", path, tenyo_senses_count(s));
done:
    tenyo_senses_free(s);
    free(path);
    return ec;
}
