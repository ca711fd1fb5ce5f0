/*
 * cmd_similar.c — `tenyo similar`: the nearest patents of an indexed
 * patent or of a free text, as a terminal table (cli_print_hits, term.c)
 * or one JSON object (cli_similar_json, render.c, shared with the server).
 *
 * Who calls whom: called by tenyo.c's table; calls help_ja.c, opts.c,
 * term.c, views/filters.c, views/query.c, views/render.c, views/safe.c,
 * views/say.c and the library (tenyo.h).
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static const char *similar_usage =
    "usage: tenyo similar INDEX (ID | --text TEXT | --file FILE) [options]\n"
    "Exact nearest patents of an indexed patent or of free text.\n"
    "ID as people type it: 特開２０２４－１２７４０７, JP2024-127407A, US 6,836,996 B2;\n"
    "an unknown ID is exit 2 with the closest ids (did you mean).\n"
    "  -k N                  number of results (default 10, at most 10000)\n"
    "  -m, --mode M          tfidf | lsa | hybrid (default hybrid)\n"
    "      --text TEXT       query with free text (Japanese or English)\n"
    "      --file FILE       query with the text of FILE (UTF-8; - for stdin)\n"
    "      --hybrid-weight W weight of TF-IDF in hybrid mode (default 0.7)\n"
    "      --scan S          LSA scan: auto (int8 from 20,000 documents), fp32, int8\n"
    "      --nprobe N        approximate search (lsa, hybrid) visiting the N closest lists\n"
    "                        of the index's IVF (index --ivf); candidates scored exactly\n"
    "      --rerank N        with --nprobe: candidates re-scored (default 4k, at least 64\n"
    "                        in lsa, 256 in hybrid), from index --f16's float16 vectors\n"
    "  -j, --json            one JSON object: {\"query\": {...}, \"results\": [...]}\n"
    "      --lang ja|en      language of the report's headings (default ja)\n"
    "Filters (applied before the top k: the k best of the matching patents):\n"
    "      --date-from DATE  published on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD)\n"
    "      --date-to DATE    published on or before DATE (a year or month: its end)\n"
    "      --applicant S     applicant contains S (NFKC, case folded; repeat: any)\n"
    "      --exclude-applicant S  applicant does not contain S (repeatable)\n"
    "      --fields CODES    in one of these IPC sections/classes/subclasses (G06,B60W)\n"
    "      --exclude-fields CODES  in none of these\n"
    "      --keywords Q      terms that must / must not occur (see 'tenyo search --help')\n"
    "      --open-only       licensable patents only ('tenyo open', or the records' open)\n"
    "      --kind K          application | grant, as the id says it (特開 / 特許, JP…A / B)\n";

int cli_cmd_similar(int argc, char **argv) {
    static const struct option lo[] = {
        {"text", required_argument, 0, 'T'}, {"file", required_argument, 0, 'F'},
        {"mode", required_argument, 0, 'm'}, {"json", no_argument, 0, 'j'},
        {"hybrid-weight", required_argument, 0, 'w'}, {"help", no_argument, 0, 'h'},
        {"scan", required_argument, 0, 's'}, {"nprobe", required_argument, 0, 'P'},
        {"rerank", required_argument, 0, OPT_RERANK}, {"lang", required_argument, 0, OPT_LANG},
        CLI_FILTER_LONGOPTS, {0, 0, 0, 0}};
    long nprobe = 0, rerank = 0;
    const char *text = NULL, *file = NULL;
    cli_filter_opts fo = {0};
    tenyo_filter *filter = NULL;
    tenyo_scan scan = TENYO_SCAN_AUTO;
    long k = 10;
    double w = -1;
    tenyo_mode mode = TENYO_MODE_HYBRID;
    int json = 0, c, bad = 0;
    optind = 1;
    static const char *const scans[] = {"auto", "fp32", "int8", NULL};
    static const char *const langs[] = {"ja", "en", NULL};
    int ja = 1;
    while ((c = cli_getopt(argc, argv, "k:m:jh", lo)) != -1) {
        switch (c) {
        case 'T': text = optarg; break;
        case 'F': file = optarg; break;
        case 'k': bad |= cli_long("-k", optarg, 1, 10000, &k) != 0; break;
        case 'm': bad |= cli_mode_opt("--mode", optarg, &mode) != 0; break;
        case 'w': bad |= cli_double("--hybrid-weight", optarg, 0, 0, 1, &w) != 0; break;
        case 'j': json = 1; break;
        case 's': {
            int i = cli_choice("--scan", optarg, scans);
            if (i < 0) bad = 1;
            else scan = i == 0 ? TENYO_SCAN_AUTO : i == 1 ? TENYO_SCAN_FP32 : TENYO_SCAN_INT8;
            break;
        }
        case 'P': bad |= cli_long("--nprobe", optarg, 1, 1000000, &nprobe) != 0; break;
        case OPT_RERANK: bad |= cli_long("--rerank", optarg, 1, 1000000, &rerank) != 0; break;
        case OPT_LANG: {
            int i = cli_choice("--lang", optarg, langs);
            if (i < 0) bad = 1;
            else ja = i == 0;
            break;
        }
        case 'h': return cli_help(similar_usage);
        default: {
            int r = cli_filter_opt(c, optarg, &fo);
            if (r <= 0) bad = 1;
        }
        }
    }
    int npos = argc - optind;
    int nq = (text != NULL) + (file != NULL) + (npos == 2);
    if (bad || npos < 1 || npos > 2 || nq != 1) {
        if (!bad) cli_err(npos < 1 ? "no INDEX\n" : "give exactly one of ID, --text, --file\n");
        return cli_usage_error(similar_usage);
    }
    const char *path = argv[optind];
    const char *id = npos == 2 ? argv[optind + 1] : NULL;
    char err[512] = "";
    int ec = EXIT_OK, rc;
    tenyo_index *x = cli_open_index_for(
        path, TENYO_PREFETCH_VECTORS | (mode != TENYO_MODE_LSA ? TENYO_PREFETCH_ROWS : 0) |
                  (id ? TENYO_PREFETCH_DOCS : 0) | (nprobe ? TENYO_PREFETCH_APPROX : 0),
        &ec);
    if (!x) return ec;
    tenyo_ctx *ctx = NULL;
    char *buf = NULL;
    tenyo_hit *hits = calloc((size_t)k, sizeof *hits);
    rc = tenyo_ctx_new(x, &ctx, err, sizeof err);
    if (rc || !hits) {
        cli_err("%s\n", rc ? err : "out of memory");
        ec = EXIT_RESOURCE;
        goto done;
    }
    if (w >= 0) tenyo_ctx_set_hybrid_weight(ctx, w);
    tenyo_ctx_set_scan(ctx, scan);
    if (nprobe && tenyo_ctx_set_nprobe(ctx, (uint32_t)nprobe)) {
        cli_err("%s: %s\n", path, tenyo_ctx_error(ctx));
        ec = EXIT_USAGE;
        goto done;
    }
    if (rerank) tenyo_ctx_set_rerank(ctx, (size_t)rerank);
    int n;
    int64_t qdoc = -1;
    size_t len = 0;
    ec = cli_resolve_query(x, path, id, file, &text, &len, &buf, &qdoc);
    if (ec) goto done;
    if ((ec = cli_filter_make(x, ctx, &fo, &filter)) != EXIT_OK) goto done;
    if (filter) {
        tenyo_ctx_set_filter(ctx, filter);
        cli_filter_note(&fo, filter, x);
    }
    if (qdoc >= 0) n = tenyo_similar_doc(ctx, (uint64_t)qdoc, mode, (size_t)k, hits);
    else n = tenyo_similar_text(ctx, text, len, mode, (size_t)k, hits);
    if (n < 0) {
        cli_err("%s\n", tenyo_ctx_error(ctx));
        ec = cli_exit_code(n);
        goto done;
    }
    tenyo_doc_meta qm;
    if (json) {
        json_t *o = cli_similar_json(x, qdoc, text, mode, k, hits, n);
        if (filter)
            json_object_set_new(json_object_get(o, "query"), "filter",
                                cli_filter_json(&fo, filter, x));
        cli_print_json(o);
        json_decref(o);
    } else {
        /* one language per line: the headings in --lang's */
        const char *head = ja ? "類似特許: " : "similar to ";
        if (qdoc >= 0) {
            tenyo_index_doc(x, (uint64_t)qdoc, &qm);
            printf("%s%s  [%s]  ", head, cli_safe(qm.id), cli_safe(qm.fields));
            int cols = cli_term_cols();
            cli_cut(qm.title, cli_room(cols, (long)(cli_width(qm.id) + cli_width(qm.fields) +
                                                    cli_width(head) + cli_width("   []  "))));
            printf("\n");
        } else {
            printf("%s\n", ja ? "類似特許: 入力テキストに近い特許" : "similar to the query text");
        }
        if (ja)
            printf("モード %s、%d 件", cli_mode_name(mode), n);
        else
            printf("mode %s, %d result%s", cli_mode_name(mode), n, n == 1 ? "" : "s");
        if (filter && ja)
            printf("（全 %llu 件のうちフィルタに合う %lld 件から）",
                   (unsigned long long)tenyo_index_ndocs(x), (long long)tenyo_filter_count(filter));
        else if (filter)
            printf(" among the %lld of %llu patents that match the filters",
                   (long long)tenyo_filter_count(filter),
                   (unsigned long long)tenyo_index_ndocs(x));
        printf("\n");
        cli_print_hits(x, hits, n);
    }
done:
    free(buf);
    free(hits);
    tenyo_ctx_free(ctx);
    tenyo_filter_free(filter);
    tenyo_index_free(x);
    return ec;
}
