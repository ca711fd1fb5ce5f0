/*
 * cmd_search.c — `tenyo search`: keyword search (words and phrases that
 * must / must not occur in a record's title or abstract, ranked by BM25:
 * api/keywords.c) through the filter of filters.c.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static const char *search_usage =
    "usage: tenyo search INDEX QUERY [options]\n"
    "Keyword search: the patents whose title or abstract contains the query's\n"
    "words, ranked by relevance (BM25: how often, and whether in the title).\n"
    "QUERY: a b (both), a OR b (either; also |), NOT a or -a (must not occur),\n"
    "\"a phrase\" (the words adjacent); OR binds tighter than AND: a b OR c = a AND (b OR c).\n"
    "A QUERY starting with '-' goes after --: tenyo search INDEX -- '-a b'.\n"
    "A word matches wherever the text contains it (打継目 finds 水平打継目),\n"
    "full-width and half-width alike (ＡＢＣ = abc); a Latin word must start a word.\n"
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
    tenyo_index *x = cli_open_index(path, &ec);
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
    if ((ec = cli_filter_make(x, ctx, &fo, &filter)) != EXIT_OK) {
        if (ec == EXIT_USAGE) cli_usage_error(search_usage);
        goto done;
    }
    int n = tenyo_search(ctx, filter, (size_t)k, hits);
    if (n < 0) {
        cli_err("%s\n", tenyo_ctx_error(ctx));
        ec = cli_exit_code(n);
        goto done;
    }
    int64_t matching = tenyo_filter_count(filter);
    if (json) {
        json_t *o = cli_search_json(x, &fo, filter, k, hits, n);
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
        if (ja) {
            printf("検索: %s\n", cli_safe(fo.keywords));
            printf("全 %llu 件中 %lld 件が該当、関連度の高い %d 件を表示\n",
                   (unsigned long long)tenyo_index_ndocs(x), (long long)matching, n);
        } else {
            printf("search: %s\n", cli_safe(fo.keywords));
            printf("%lld of %llu patents %s; %d shown, ranked by relevance\n",
                   (long long)matching, (unsigned long long)tenyo_index_ndocs(x),
                   matching == 1 ? "matches" : "match", n);
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
