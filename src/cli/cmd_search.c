/*
 * cmd_search.c — `tenyo search`: keyword search (words and phrases that
 * must / must not occur in a record's title or abstract, ranked by BM25:
 * api/keywords.c) through the filter of filters.c.
 *
 * Who calls whom: called by tenyo.c's table; calls help_ja.c, opts.c,
 * term.c, views/filters.c, views/render.c, views/safe.c, views/say.c and
 * the library (tenyo.h).
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *search_usage =
    "usage: tenyo search INDEX QUERY [options]\n"
    "Keyword search: the patents whose title or abstract contains the query's\n"
    "words, ranked by relevance (BM25: how often, and whether in the title).\n"
    "QUERY: a b (both), a OR b (either; also |), NOT a or -a (must not occur),\n"
    "\"a phrase\" (the words adjacent); OR binds tighter than AND: a b OR c = a AND (b OR c).\n"
    "A QUERY starting with '-' goes after --: tenyo search INDEX -- '-a b'.\n"
    "A word matches wherever the text contains it (打継目 finds 水平打継目),\n"
    "full-width and half-width alike (ＡＢＣ = abc); a Latin word must start a word.\n"
    "A QUERY that is an indexed patent's number (特開2012-197975, JP2012197975A)\n"
    "lists that patent. When filters leave nothing, the line under the count says so.\n"
    "  -k N                  number of results (default 10, at most 10000)\n"
    "  -j, --json            one JSON object: {\"query\": {...}, \"results\": [...]}\n"
    "      --lang ja|en      language of the report's headings (default ja)\n"
    "Filters (as for similar):\n"
    "      --date-from DATE  published on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD)\n"
    "      --date-to DATE    published on or before DATE\n"
    "      --applicant S     applicant contains S (repeat: any)\n"
    "      --exclude-applicant S  applicant does not contain S\n"
    "      --fields CODES    in one of these IPC sections/classes/subclasses\n"
    "      --exclude-fields CODES  in none of these\n"
    "      --open-only       licensable patents only ('tenyo open', or the records' open)\n"
    "      --kind K          application | grant, as the id says it (特開 / 特許, JP…A / B)\n";

/* 1 when fo has a filter besides the query's words. */
static int other_filters(const cli_filter_opts *fo) {
    return fo->date_from || fo->date_to || fo->nappl[0] || fo->nappl[1] || fo->nfield[0] ||
           fo->nfield[1] || fo->open_only || fo->kind;
}

/* fo's filters besides the words, as a reader reads them, into out. */
static void filters_text(const cli_filter_opts *fo, int ja, char *out, size_t len) {
    size_t at = 0;
    out[0] = 0;
#define ADD(...)                                                                \
    do {                                                                        \
        if (at < len) {                                                         \
            if (at) at += (size_t)snprintf(out + at, len - at, ja ? "、" : ", "); \
            if (at < len) at += (size_t)snprintf(out + at, len - at, __VA_ARGS__); \
        }                                                                       \
    } while (0)
    for (int i = 0; i < fo->nappl[0]; i++) ADD(ja ? "出願人「%s」" : "applicant %s", fo->appl[0][i]);
    for (int i = 0; i < fo->nappl[1]; i++)
        ADD(ja ? "出願人「%s」を除く" : "not applicant %s", fo->appl[1][i]);
    for (int i = 0; i < fo->nfield[0]; i++) ADD(ja ? "分野 %s" : "field %s", fo->field[0][i]);
    for (int i = 0; i < fo->nfield[1]; i++) ADD(ja ? "分野 %s を除く" : "not field %s", fo->field[1][i]);
    if (fo->date_from) ADD(ja ? "%s 以降" : "from %s", fo->date_from);
    if (fo->date_to) ADD(ja ? "%s 以前" : "to %s", fo->date_to);
    if (fo->open_only) ADD("%s", ja ? "ライセンス可のみ" : "licensable only");
    if (fo->kind)
        ADD("%s", fo->kind == TENYO_KIND_GRANT ? (ja ? "登録（特許）" : "grants")
                                               : (ja ? "公開（出願）" : "applications"));
#undef ADD
    if (at >= len && len > 4) snprintf(out + len - 4, 4, "...");
}

/* The count of patents fo's filters leave without its words (keywords
 * NULL) or its words alone (filters off: alone set), or -1. */
static int64_t count_without(const tenyo_index *x, tenyo_ctx *ctx, const cli_filter_opts *fo,
                             int words_alone) {
    cli_filter_opts g = words_alone ? (cli_filter_opts){0} : *fo;
    if (words_alone) g.keywords = fo->keywords;
    else g.keywords = NULL;
    g.any = 1;
    tenyo_filter *f = NULL;
    char msg[512];
    if (cli_filter_build(x, ctx, &g, &f, msg, sizeof msg)) return -1;
    int64_t n = f ? tenyo_filter_count(f) : (int64_t)tenyo_index_ndocs(x);
    tenyo_filter_free(f);
    return n;
}

/* A query that is a patent number (特開2012-197975 typed as a search): the
 * document it names, or -1 (words, bare digits and numbers not indexed
 * are searched as words). */
static int64_t query_number(const tenyo_index *x, const char *q) {
    char key[256];
    if (tenyo_patno_key(q, key, sizeof key) != 1 || strspn(key, "0123456789") == strlen(key))
        return -1;
    int64_t d = -1;
    return tenyo_index_resolve(x, q, &d, NULL, 0, NULL) > 0 ? d : -1;
}

int cli_cmd_search(int argc, char **argv) {
    static const struct option lo[] = {
        {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'},
        {"lang", required_argument, 0, OPT_LANG}, CLI_FILTER_LONGOPTS, {0, 0, 0, 0}};
    static const char *const langs[] = {"ja", "en", NULL};
    int ja = 1;
    cli_filter_opts fo = {0};
    long k = 10;
    int json = 0, c, bad = 0;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "k:jh", lo)) != -1) {
        switch (c) {
        case 'k': bad |= cli_long("-k", optarg, 1, 10000, &k) != 0; break;
        case 'j': json = 1; break;
        case 'h': return cli_help(search_usage);
        case OPT_LANG: {
            int i = cli_choice("--lang", optarg, langs);
            if (i < 0) bad = 1;
            else ja = i == 0;
            break;
        }
        case OPT_KEYWORDS:
            cli_err("the query is the argument after INDEX, not --keywords\n");
            bad = 1;
            break;
        default: bad |= cli_filter_opt(c, optarg, &fo) <= 0;
        }
    }
    int npos = argc - optind;
    if (bad || npos != 2) {
        if (!bad) cli_err(npos < 1 ? "no INDEX\n" : npos < 2 ? "no QUERY\n"
                                                           : "unexpected argument '%s'\n",
                          npos > 2 ? argv[optind + 2] : "");
        return cli_usage_error(search_usage);
    }
    const char *path = argv[optind];
    fo.keywords = argv[optind + 1];
    fo.any = 1;
    char err[512] = "";
    int ec = EXIT_OK, rc;
    tenyo_index *x = cli_open_index_for(path, TENYO_PREFETCH_KEYWORDS, &ec);
    if (!x) return ec;
    tenyo_ctx *ctx = NULL;
    tenyo_filter *filter = NULL;
    tenyo_hit *hits = calloc((size_t)k, sizeof *hits);
    rc = tenyo_ctx_new(x, &ctx, err, sizeof err);
    if (rc || !hits) {
        cli_err("%s\n", rc ? err : "out of memory");
        ec = EXIT_RESOURCE;
        goto done;
    }
    /* a patent's number: that patent, said so (its words are not searched) */
    int64_t numdoc = query_number(x, fo.keywords);
    cli_filter_opts fb = fo;
    if (numdoc >= 0) fb.keywords = NULL;
    if ((ec = cli_filter_make(x, ctx, &fb, &filter)) != EXIT_OK) {
        if (ec == EXIT_USAGE) cli_usage_error(search_usage);
        goto done;
    }
    int n = numdoc >= 0 ? (hits[0] = (tenyo_hit){(uint64_t)numdoc, 1.0f}, 1)
                        : tenyo_search(ctx, filter, (size_t)k, hits);
    if (n < 0) {
        cli_err("%s\n", tenyo_ctx_error(ctx));
        ec = cli_exit_code(n);
        goto done;
    }
    int64_t matching = numdoc >= 0 ? 1 : tenyo_filter_count(filter);
    /* nothing found under other filters: which of them left nothing */
    int64_t fonly = -1, wonly = -1;
    if (matching == 0 && numdoc < 0 && other_filters(&fo)) {
        fonly = count_without(x, ctx, &fo, 0);
        wonly = count_without(x, ctx, &fo, 1);
    }
    tenyo_doc_meta nm = {0};
    if (numdoc >= 0) tenyo_index_doc(x, (uint64_t)numdoc, &nm);
    if (json) {
        json_t *o = cli_search_json(x, &fb, filter, k, hits, n);
        json_t *qf = json_object_get(json_object_get(o, "query"), "filter");
        if (numdoc >= 0) { /* the query named the patent */
            json_object_set_new(json_object_get(o, "query"), "number", json_string(nm.id));
            json_object_set_new(qf, "keywords", json_string(fo.keywords));
            json_object_set_new(qf, "matching", json_integer(1));
            json_object_del(qf, "warning");
        }
        if (fonly >= 0) json_object_set_new(qf, "matching_filters_alone", json_integer(fonly));
        if (wonly >= 0) json_object_set_new(qf, "matching_words_alone", json_integer(wonly));
        cli_print_json(o);
        json_decref(o);
    } else {
        if (tenyo_index_keyword_index(x, NULL, NULL, NULL) == 0) { /* said once, on stderr */
            tenyo_index_info kin;
            tenyo_index_info_get(x, &kin);
            if (kin.nshards)
                cli_err("note: %s is a sharded index, written without a keyword index: the "
                        "text is scanned, abstracts only as far as the 4 KiB kept\n", path);
            else
                cli_err("note: %s has no keyword index (made before it, or an update without "
                        "one): the text is scanned, abstracts only as far as the 4 KiB kept; "
                        "index the sources again to add it\n", path);
        }
        /* one language per line: the headings in --lang's */
        printf("%s: %s\n", ja ? "検索" : "search", cli_safe(fo.keywords));
        if (numdoc >= 0)
            printf(ja ? "特許番号として読みました: %s\n" : "read as a patent number: %s\n",
                   cli_safe(nm.id));
        else if (ja)
            printf("全 %llu 件中 %lld 件が該当、関連度の高い %d 件を表示\n",
                   (unsigned long long)tenyo_index_ndocs(x), (long long)matching, n);
        else
            printf("%lld of %llu patents %s; %d shown, ranked by relevance\n",
                   (long long)matching, (unsigned long long)tenyo_index_ndocs(x),
                   matching == 1 ? "matches" : "match", n);
        if (fonly >= 0) { /* the 0 said with its cause */
            char ft[512];
            filters_text(&fo, ja, ft, sizeof ft);
            if (fonly == 0 && ja)
                printf("フィルタ（%s）に合う特許が 1 件もありません", cli_safe(ft));
            else if (fonly == 0)
                printf("the filters (%s) leave none of the %llu patents", cli_safe(ft),
                       (unsigned long long)tenyo_index_ndocs(x));
            else if (ja)
                printf("フィルタ（%s）に合う %lld 件に、語を含むものがありません", cli_safe(ft),
                       (long long)fonly);
            else
                printf("none of the %lld patents the filters (%s) leave has the words",
                       (long long)fonly, cli_safe(ft));
            if (wonly > 0)
                printf(ja ? "（フィルタなしなら %lld 件が該当）\n"
                          : " (without them, %lld patents match)\n", (long long)wonly);
            else
                printf("\n");
        }
        cli_print_hits(x, hits, n);
    }
done:
    free(hits);
    tenyo_filter_free(filter);
    tenyo_ctx_free(ctx);
    tenyo_index_free(x);
    return ec;
}
