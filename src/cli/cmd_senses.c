/*
 * cmd_senses.c — `tenyo senses`: the remembered sense splits of an index
 * (the library's tenyo_senses): a word that links two fields only by a
 * pun (運転: B60W and F24F) and so carries no link between them in any
 * later `ideas` query. The splits live in a TSV file beside the index
 * (INDEX.senses) or in the file --senses names; this command lists them,
 * adds and removes one, forgets every split of a word, imports a colleague's file (merged: all its lines
 * or, when one is at fault, none, named by file and line) and exports
 * them. `ideas --not WORD --remember` adds the splits a strike made. Every
 * change is saved atomically; the index file itself is never written.
 *
 * A change is a read, a change and a write of the whole file: two commands
 * at once would each write what they read plus their own split, and one
 * split would be lost. So every change holds a lock for its whole
 * read-change-write (tenyo_senses_lock_take: flock on "FILE.lock" beside
 * the file, by its real name so a link and its target share it, waited
 * for; the lock file stays, as removing it would let a third command lock
 * a new file while the second holds the old). Reading alone
 * (list, export, ideas without --remember) takes no lock: a save replaces
 * the file by rename, so a reader sees the old file or the new one.
 * export FILE follows the output rule of every command (cli_output_check:
 * never the index or the senses file read, an index, a file of an update
 * directory or a locked path; a file that is not an export only with
 * --force).
 *
 * Who calls whom: called by tenyo.c's table; calls help_ja.c, opts.c,
 * writer.c, views/safe.c, views/say.c, views/senses.c and the library
 * (tenyo.h).
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *senses_usage =
    "usage: tenyo senses INDEX [list | add WORD FIELD FIELD | remove WORD FIELD FIELD |\n"
    "                           forget WORD | import FILE | export [FILE]]\n"
    "                           [--senses FILE] [--force]\n"
    "Senses remembered: a word split from a pair of fields (運転 between B60W and\n"
    "F24F: a pun, not a link) carries no link between those two fields in any\n"
    "later ideas query on INDEX. The splits are kept in INDEX.senses, a TSV file of\n"
    "word, field, other field a line (the index itself never changes); ideas\n"
    "--not WORD --remember adds the splits a strike made.\n"
    "  list                 the splits, one a line (the default)\n"
    "  add WORD FIELD FIELD split WORD from this pair of fields\n"
    "  remove WORD FIELD FIELD  undo that split\n"
    "  forget WORD          undo every split of WORD\n"
    "  import FILE          add the splits of TSV FILE (a colleague's export); a\n"
    "                       line at fault is named and nothing is added\n"
    "  export [FILE]        the splits as TSV into FILE (default: standard output)\n"
    "      --senses FILE    the splits file (default INDEX.senses)\n"
    "      --force          let export replace a file that is not a senses export\n"
    "                       (never an index or a file of its update directory)\n";

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

/* forget WORD: every split of word removed from s (the word compared as
 * the set keeps it, NFKC case-folded); an exit code after a message. */
static int senses_forget(tenyo_senses *s, const char *word) {
    /* the word as the set keeps it: added to a set of its own */
    tenyo_senses *one = NULL;
    const char *w, *a, *b;
    int rc = tenyo_senses_new(&one);
    if (!rc) rc = tenyo_senses_add(one, word, "A01B", "A01C");
    if (rc == TENYO_ERR_ARG) cli_err("'%s' is no word (1 to 255 bytes of UTF-8)\n", word);
    else if (rc) cli_err("out of memory\n");
    if (rc) {
        tenyo_senses_free(one);
        return rc == TENYO_ERR_ARG ? EXIT_USAGE : EXIT_RESOURCE;
    }
    tenyo_senses_get(one, 0, &w, &a, &b);
    size_t gone = 0;
    for (size_t i = 0; tenyo_senses_get(s, i, &w, &a, &b) == TENYO_OK;) {
        const char *kw;
        tenyo_senses_get(one, 0, &kw, NULL, NULL);
        if (strcmp(w, kw)) {
            i++;
            continue;
        }
        char f1[16], f2[16], *ww = strdup(w); /* the set's strings go with the split */
        snprintf(f1, sizeof f1, "%s", a);
        snprintf(f2, sizeof f2, "%s", b);
        if (!ww || tenyo_senses_remove(s, ww, f1, f2)) {
            free(ww);
            tenyo_senses_free(one);
            cli_err("out of memory\n");
            return EXIT_RESOURCE;
        }
        cli_err("'%s' no longer split between %s and %s\n", cli_safe(ww), f1, f2);
        free(ww);
        gone++;
    }
    tenyo_senses_free(one);
    if (!gone) {
        cli_err("no split of '%s' to forget\n", cli_safe(word));
        return EXIT_INPUT;
    }
    return EXIT_OK;
}

/* export: the TSV into out (NULL or "-": standard output), by the output
 * rule (in: the index and the senses file read). */
static int senses_export(const tenyo_senses *s, const char *out, const char *const *in,
                         int force) {
    int to_file = out && strcmp(out, "-");
    if (to_file) {
        int ec = cli_output_check("export", out, in, 2, "word\tfield\tother_field\n", force);
        if (ec) return ec;
    }
    char *t = NULL;
    if (tenyo_senses_tsv(s, &t)) {
        cli_err("out of memory\n");
        return EXIT_RESOURCE;
    }
    FILE *f = to_file ? fopen(out, "w") : stdout;
    int bad = !f || fputs(t, f) == EOF;
    if (to_file && f && fclose(f) != 0) bad = 1;
    else if (!to_file && fflush(stdout) != 0) bad = 1;
    if (bad) cli_err("export %s: %s\n", to_file ? cli_safe(out) : "-", strerror(errno));
    tenyo_json_free(t);
    return bad ? EXIT_RESOURCE : EXIT_OK;
}

/* list: word <TAB> field <TAB> field, one a line. */
static void senses_list(const tenyo_senses *s) {
    const char *w, *a, *b;
    for (size_t i = 0; tenyo_senses_get(s, i, &w, &a, &b) == TENYO_OK; i++)
        printf("%s\t%s\t%s\n", cli_safe(w), a, b);
}

int cli_cmd_senses(int argc, char **argv) {
    static const struct option lo[] = {{"senses", required_argument, 0, OPT_SENSES},
                                       {"force", no_argument, 0, OPT_FORCE},
                                       {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *named = NULL;
    int c, bad = 0, force = 0;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "h", lo)) != -1) {
        if (c == OPT_SENSES) named = optarg;
        else if (c == OPT_FORCE) force = 1;
        else if (c == 'h') return cli_help(senses_usage);
        else bad = 1;
    }
    int npos = argc - optind;
    const char *act = npos >= 2 ? argv[optind + 1] : "list";
    int want = !strcmp(act, "list") ? 0 : !strcmp(act, "add") || !strcmp(act, "remove") ? 3
               : !strcmp(act, "import") || !strcmp(act, "forget") ? 1
               : !strcmp(act, "export") ? -1 : -2;
    int args = npos >= 2 ? npos - 2 : 0;
    if (!bad && (npos < 1 || want == -2 || (want >= 0 && args != want) || (want == -1 && args > 1))) {
        if (npos < 1) cli_err("no INDEX\n");
        else if (want == -2)
            cli_err("no action '%s' (list, add, remove, forget, import, export)\n", act);
        else cli_err("%s takes %s\n", act, want == 3 ? "WORD FIELD FIELD"
                                         : want == 1 ? (!strcmp(act, "forget") ? "WORD" : "FILE")
                                         : want == 0 ? "nothing more" : "at most FILE");
        bad = 1;
    }
    if (bad) return cli_usage_error(senses_usage);
    char *path = cli_senses_path(argv[optind], named);
    tenyo_senses *s = NULL;
    /* a change locks the file from its read to its write */
    tenyo_lock *lk = path && want > 0 ? cli_senses_lock(path) : NULL;
    int ec = !path ? EXIT_RESOURCE : want > 0 && !lk ? EXIT_RESOURCE
                                                     : cli_senses_open(path, 0, &s);
    char **a = argv + optind + 2;
    const char *in[2] = {argv[optind], path};
    if (ec) goto done;
    if (want == 0) senses_list(s);
    else if (want == -1) ec = senses_export(s, args ? a[0] : NULL, in, force);
    if (want == 1 && !strcmp(act, "forget")) {
        ec = senses_forget(s, a[0]);
        if (!ec) ec = cli_senses_save(s, path);
    } else if (want == 1) { /* all of the file's lines, or none (the load says which is at fault) */
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
    tenyo_lock_free(lk);
    tenyo_senses_free(s);
    free(path);
    return ec;
}
