/*
 * cmd_tokens.c — `tenyo tokens`: the terms the tokenizer produces for a
 * text, for checking what an index will see; with --judge INDEX, what
 * each term is worth as the shared term of a link there (tenyo_term_judge).
 *
 * Who calls whom: called by tenyo.c's table; calls help_ja.c, opts.c,
 * views/query.c, views/say.c and the library (tenyo.h).
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_term(void *ud, const char *t, size_t n) {
    int *first = ud;
    if (!*first) fputc(' ', stdout);
    fwrite(t, 1, n, stdout);
    *first = 0;
}

/* --judge: each term with the judge's worth and facts, a header first */
typedef struct jd_run { tenyo_index *x; int first; int header; } jd_run;

static void judge_term(void *ud, const char *t, size_t n) {
    jd_run *r = ud;
    char term[256];
    if (n >= sizeof term) n = sizeof term - 1;
    memcpy(term, t, n);
    term[n] = 0;
    tenyo_term_judgement j;
    int rc = tenyo_term_judge(r->x, term, &j);
    if (!r->header && rc == 0) {
        printf("term\tworth");
        for (int i = 0; i < j.nfeatures; i++) printf("\t%s", j.names[i]);
        printf("\n");
        r->header = 1;
    }
    if (rc) {
        printf("%s\t-\t(not in the index)\n", term);
        return;
    }
    printf("%s\t%.3f", term, j.worth);
    for (int i = 0; i < j.nfeatures; i++) printf("\t%.3g", j.features[i]);
    printf("\n");
}

static const char *tokens_usage =
    "usage: tenyo tokens (--text TEXT | --file FILE | --identity) [options]\n"
    "Print the index terms of a text, space-separated, one line per input line\n"
    "(what the indexer sees).\n"
    "      --text TEXT       the text\n"
    "      --file FILE       the text of FILE (charset detected; - for stdin)\n"
    "      --identity        first print the tokenizer identity an index records\n"
    "      --judge INDEX     one term a line with what it is worth as the shared\n"
    "                        term of a link in INDEX (0-1) and the facts behind it\n"
    "      --dicdir DIR      MeCab dictionary (default: system ipadic-utf8)\n"
    "      --no-parts        do not keep the parts of compound nouns\n"
    "      --stem            English stemming (Snowball English; the default)\n"
    "      --no-stem         no English stemming\n";

int cli_cmd_tokens(int argc, char **argv) {
    static const struct option lo[] = {
        {"text", required_argument, 0, 'T'}, {"file", required_argument, 0, 'F'},
        {"dicdir", required_argument, 0, OPT_DICDIR}, {"no-parts", no_argument, 0, OPT_NO_PARTS},
        {"stem", no_argument, 0, OPT_STEM}, {"no-stem", no_argument, 0, OPT_NO_STEM}, {"identity", no_argument, 0, 'I'}, {"judge", required_argument, 0, 'J'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    tenyo_tok_opts to;
    tenyo_tok_opts_default(&to);
    const char *text = NULL, *file = NULL;
    int c, ident = 0;
    const char *judge = NULL;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "h", lo)) != -1) {
        switch (c) {
        case 'T': text = optarg; break;
        case 'F': file = optarg; break;
        case OPT_DICDIR: to.mecab_dicdir = optarg; break;
        case OPT_NO_PARTS: to.keep_parts = 0; break;
        case OPT_STEM: to.stem = 2; break;
        case OPT_NO_STEM: to.stem = 0; break;
        case 'I': ident = 1; break;
        case 'J': judge = optarg; break;
        case 'h': return cli_help(tokens_usage);
        default: return cli_usage_error(tokens_usage);
        }
    }
    if ((!text == !file && !ident) || optind != argc) {
        if (optind != argc) cli_err("unexpected argument '%s'\n", argv[optind]);
        else cli_err("give one of --text, --file, --identity\n");
        return cli_usage_error(tokens_usage);
    }
    tenyo_tokenizer *t = NULL;
    char err[512] = "";
    jd_run jr = {0};
    if (judge) {
        int oec;
        if (!(jr.x = cli_open_index(judge, &oec))) return oec;
    }
    int rc = tenyo_tokenizer_new(&to, &t, err, sizeof err);
    if (rc) {
        cli_err("%s\n", err);
        return EXIT_RESOURCE;
    }
    if (ident) printf("%s\n", tenyo_tokenizer_identity(t));
    char *buf = NULL;
    size_t len = 0;
    int ec = EXIT_OK;
    if (file) {
        buf = cli_slurp(file, &len);
        if (!buf) { tenyo_tokenizer_free(t); return EXIT_INPUT; }
        text = buf;
    } else if (text) {
        len = strlen(text);
    }
    const char *p = text, *e = text ? text + len : NULL;
    while (p && p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
        int first = 1;
        jr.first = 1;
        rc = judge ? tenyo_tokenizer_run(t, p, n, judge_term, &jr)
                   : tenyo_tokenizer_run(t, p, n, print_term, &first);
        if (rc < 0) {
            cli_err("%s\n", tenyo_tokenizer_error(t));
            ec = cli_exit_code(rc);
            break;
        }
        if (!judge) fputc('\n', stdout);
        p += n + 1;
    }
    free(buf);
    tenyo_tokenizer_free(t);
    if (jr.x) tenyo_index_free(jr.x);
    return ec;
}
