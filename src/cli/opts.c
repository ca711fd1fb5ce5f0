/*
 * opts.c — how every command reads its options and says what is wrong
 * with them, so that the commands behave as one tool:
 *
 *   - one message prefix, "tenyo COMMAND: " (cli_err, views/say.c);
 *   - a usage error prints the message, the command's one-line usage and
 *     "see 'tenyo COMMAND --help'", never the whole help (cli_usage_error);
 *     exit 1;
 *   - every numeric option is read by cli_long / cli_double / cli_u64 with
 *     its valid range, and a value out of it, or not a number, is named
 *     with that range ("--dim must be an integer from 1 to 4096, not '0'");
 *   - every value from a fixed set by cli_choice, which lists the set;
 *   - an unknown option or command gets "did you mean" (cli_getopt, with
 *     views/say.c's cli_suggest).
 *
 * cli_getopt wraps getopt_long with opterr = 0 and a leading ':' so that
 * getopt prints nothing itself: its messages ("unrecognized option") have
 * neither our prefix nor a suggestion. Rejected: a table-driven parser of
 * our own (getopt_long already gives permutation, abbreviations and
 * --opt=value; we only replace its messages), and generating --help from a
 * table (the help texts are hand-set prose; tests/man.sh instead checks
 * that --help and man/tenyo.1 name the same options).
 *
 * Who calls whom: called by tenyo.c, writer.c, the commands (16); calls
 * help_ja.c, views/say.c, views/state.c and the library (tenyo.h).
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const cli_dist *cli_index_dist;

tenyo_index *cli_open_index(const char *path, int *ec) {
    return cli_open_index_for(path, 0, ec);
}

tenyo_index *cli_open_index_for(const char *path, unsigned prefetch, int *ec) {
    tenyo_index *x = NULL;
    char err[512] = "";
    /* a query command: its BLAS calls are small (a query's fold-in), and
     * OpenBLAS's idle workers would spin on the second core the prefetch
     * and the open's threads use; OPENBLAS_NUM_THREADS still decides if set */
    if (prefetch && !getenv("OPENBLAS_NUM_THREADS")) tenyo_set_blas_threads(1);
    int rc = tenyo_index_open_for(path, prefetch, &x, err, sizeof err);
    if (rc) {
        cli_err("%s\n", err);
        *ec = rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INDEX;
        return NULL;
    }
    /* deletions and additions committed but not found: said by every
     * command, not only info (patents deleted would come back unsaid) */
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    if (in.updates_missing)
        cli_err("warning: %s: updates were committed to this index, but %s.upd/MANIFEST is "
                "not there (copied or moved without its .upd directory?): answering from the "
                "base file alone, without those additions and deletions; see 'tenyo check'\n",
                path, path);
    return x;
}

int cli_usage_error(const char *usage) {
    if (cli_usage_hint()) return EXIT_USAGE;
    const char *nl = strchr(usage, '\n');
    fprintf(stderr, "%.*s\n", nl ? (int)(nl - usage) : (int)strlen(usage), usage);
    if (*cli_cmd) fprintf(stderr, "see 'tenyo %s --help'\n", cli_cmd);
    else fputs("see 'tenyo --help'\n", stderr);
    return EXIT_USAGE;
}

/* =============================================================== getopt */

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *lo) {
    char opts[64];
    snprintf(opts, sizeof opts, ":%s", shortopts);
    opterr = 0;
    int c = getopt_long(argc, argv, opts, lo, NULL);
    if (c != '?' && c != ':') return c;
    const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
    int is_long = !strncmp(arg, "--", 2);
    if (c == ':') {
        if (is_long) cli_err("option '%s' needs a value\n", arg);
        else cli_err("option '-%c' needs a value\n", optopt);
        return '?';
    }
    if (!is_long || optopt) { /* a short option, or a long one given a value it takes none of */
        if (is_long) cli_err("option '%.*s' takes no value\n", (int)strcspn(arg, "="), arg);
        else cli_err("unknown option '-%c'\n", optopt ? optopt : '?');
        return '?';
    }
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
    const char *names[64], *amb[64];
    size_t n = 0, na = 0;
    for (const struct option *o = lo; o->name && n < 64; o++) {
        names[n++] = o->name;
        if (*name && !strncmp(o->name, name, strlen(name))) amb[na++] = o->name;
    }
    /* "--n" for -n: one letter that is a short option of the command */
    const char *sh = strlen(name) == 1 && name[0] != ':' ? strchr(shortopts, name[0]) : NULL;
    if (na > 1) {
        cli_err("option '--%s' is ambiguous:", name);
        for (size_t i = 0; i < na; i++) fprintf(stderr, " --%s", amb[i]);
        if (sh) fprintf(stderr, "; did you mean '-%c'?", name[0]);
        fputc('\n', stderr);
        return '?';
    }
    const char *s = cli_suggest(name, names, n);
    /* else the one option sharing its first four letters or more
     * (--write for --writable) */
    if (!s) {
        const char *p = NULL;
        size_t best = 3, nb = 0;
        for (size_t i = 0; i < n; i++) {
            size_t k = 0;
            while (name[k] && name[k] == names[i][k]) k++;
            if (k > best) best = k, nb = 1, p = names[i];
            else if (k == best && k > 3) nb++;
        }
        if (nb == 1) s = p;
    }
    if (sh) cli_err("unknown option '--%s'; did you mean '-%c'?\n", name, name[0]);
    else if (s) cli_err("unknown option '--%s'; did you mean '--%s'?\n", name, s);
    else cli_err("unknown option '--%s'\n", name);
    return '?';
}

/* =============================================================== values */

int cli_long(const char *opt, const char *arg, long lo, long hi, long *out) {
    char *end = NULL;
    errno = 0;
    long v = arg ? strtol(arg, &end, 10) : 0;
    if (!arg || end == arg || *end || errno || v < lo || v > hi) {
        cli_err("%s must be an integer from %ld to %ld, not '%s'\n", opt, lo, hi,
                arg ? arg : "");
        return -1;
    }
    *out = v;
    return 0;
}

int cli_int(const char *opt, const char *arg, long lo, long hi, int *out) {
    long v;
    if (cli_long(opt, arg, lo, hi, &v)) return -1;
    *out = (int)v;
    return 0;
}

int cli_u64(const char *opt, const char *arg, unsigned long long *out) {
    char *end = NULL;
    errno = 0;
    unsigned long long v = arg && *arg != '-' ? strtoull(arg, &end, 0) : 0;
    if (!arg || *arg == '-' || end == arg || *end || errno) {
        cli_err("%s must be an integer from 0 to %llu, not '%s'\n", opt,
                (unsigned long long)UINT64_MAX, arg ? arg : "");
        return -1;
    }
    *out = v;
    return 0;
}

int cli_double(const char *opt, const char *arg, double lo, int lo_open, double hi,
               double *out) {
    char *end = NULL;
    errno = 0;
    double v = arg ? strtod(arg, &end) : 0;
    if (!arg || end == arg || *end || errno || !isfinite(v) || v > hi ||
        (lo_open ? !(v > lo) : !(v >= lo))) {
        if (lo_open)
            cli_err("%s must be a number above %g and at most %g, not '%s'\n", opt, lo, hi,
                    arg ? arg : "");
        else
            cli_err("%s must be a number from %g to %g, not '%s'\n", opt, lo, hi, arg ? arg : "");
        return -1;
    }
    *out = v;
    return 0;
}

int cli_choice(const char *opt, const char *arg, const char *const *names) {
    size_t n = 0;
    for (; names[n]; n++)
        if (!strcmp(arg, names[n])) return (int)n;
    cli_err("%s must be one of", opt);
    for (size_t i = 0; i < n; i++) fprintf(stderr, "%s %s", i ? "," : "", names[i]);
    const char *s = cli_suggest(arg, names, n);
    if (s) fprintf(stderr, "; not '%s' (did you mean '%s'?)\n", arg, s);
    else fprintf(stderr, "; not '%s'\n", arg);
    return -1;
}

int cli_check_encoding(const char *opt, const char *arg) {
    char *u = NULL, used[64], err[256];
    size_t n;
    int rc = tenyo_text_to_utf8("a", 1, arg, &u, &n, used, sizeof used, err, sizeof err);
    free(u);
    if (rc == TENYO_ERR_ARG || !*arg) {
        cli_err("%s: unknown encoding '%s' (a charset name ICU knows, e.g. UTF-8, "
                "Shift_JIS, CP932, EUC-JP, ISO-2022-JP, UTF-16LE)\n", opt, arg);
        return -1;
    }
    return 0;
}

const char *cli_input_path(const char *path) {
    return strcmp(path, "-") ? path : "/dev/stdin";
}

int cli_mode_opt(const char *opt, const char *arg, tenyo_mode *mode) {
    static const char *const names[] = {"tfidf", "lsa", "hybrid", NULL};
    if (cli_choice(opt, arg, names) < 0) return -1;
    return cli_parse_mode(arg, mode);
}

/* ==================================================== shared values */

/* Comma-separated string -> JSON array of strings. */
int cli_parse_format(const char *s, tenyo_format *f) {
    if (strcmp(s, "auto") == 0) *f = TENYO_FORMAT_AUTO;
    else if (strcmp(s, "jsonl") == 0) *f = TENYO_FORMAT_JSONL;
    else if (strcmp(s, "jplatpat") == 0) *f = TENYO_FORMAT_JPLATPAT;
    else if (strcmp(s, "jpo-xml") == 0) *f = TENYO_FORMAT_JPO_XML;
    else return -1;
    return 0;
}

/* Shared option parsing for builder settings; returns 1 if handled. Every
 * number is range-checked here (README "Options"): the library would clamp
 * or refuse some later, with less to say about which option was wrong. */
int cli_build_opt(int c, const char *arg, tenyo_build_opts *bo, int *bad) {
    int r = 0;
    unsigned long long seed;
    switch (c) {
    case 'd': r = cli_int("--dim", arg, 1, 4096, &bo->dim); break;
    case 't': r = cli_int("--threads", arg, 0, 256, &bo->threads); break;
    case OPT_MIN_DF: r = cli_int("--min-df", arg, 1, 1000000000, &bo->min_df); break;
    case OPT_MAX_DF: r = cli_double("--max-df", arg, 0, 1, 1, &bo->max_df_ratio); break;
    case OPT_SEED:
        r = cli_u64("--seed", arg, &seed);
        bo->seed = seed;
        break;
    case OPT_POWER: r = cli_int("--power-iters", arg, 0, 50, &bo->power_iters); break;
    case OPT_OVERSAMPLE: r = cli_int("--oversample", arg, 0, 1000, &bo->oversample); break;
    case OPT_MAX_TERMS: r = cli_int("--max-terms", arg, 1, 1000000, &bo->max_terms); break;
    case OPT_NO_ABSTRACTS: bo->no_abstracts = 1; return 1;
    case OPT_SHARDS: r = cli_int("--shards", arg, 1, 4096, &bo->shards); break;
    case OPT_DICDIR: bo->tok.mecab_dicdir = arg; return 1;
    case OPT_NO_PARTS: bo->tok.keep_parts = 0; return 1;
    case OPT_STEM: bo->tok.stem = 2; return 1;
    case OPT_NO_STEM: bo->tok.stem = 0; return 1;
    default: return 0;
    }
    if (r) *bad = 1;
    return 1;
}

/* --format F into *f; 0, or -1 after a message. */
static int format_opt(const char *arg, tenyo_format *f) {
    static const char *const names[] = {"auto", "jsonl", "jplatpat", "jpo-xml", NULL};
    if (cli_choice("--format", arg, names) < 0) return -1;
    return cli_parse_format(arg, f);
}

/* Reader options -f, -e, --strict (index, add); returns 1 if handled. */
int cli_read_opt(int c, const char *arg, tenyo_read_opts *ro, int *bad) {
    switch (c) {
    case 'f': *bad |= format_opt(arg, &ro->format) != 0; return 1;
    case 'e':
        ro->encoding = arg;
        *bad |= cli_check_encoding("--encoding", arg) != 0;
        return 1;
    case OPT_STRICT: ro->strict = 1; return 1;
    default: return 0;
    }
}
