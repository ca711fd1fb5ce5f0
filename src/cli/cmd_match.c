/*
 * cmd_match.c — `tenyo match`: the Kawasaki-model query, a company's
 * strengths in, licensable patents it could use out, each with its uses.
 *
 * A rendering of the library's answer, not an engine of its own: the
 * object is cli_match_json (render.c: tenyo_match_json of tenyo_match_text, the ideas engine
 * run with open_only, plus the nearest licensable patents, each use
 * explained with the same JSON the `ideas` command prints for that
 * proposal). POST /api/match answers with the same object as `tenyo match
 * --json` (the server, src/serve/); this file holds the options and the readable
 * report.
 *
 * Who calls whom: called by tenyo.c's table; calls help_ja.c, opts.c,
 * term.c, views/filters.c, views/query.c, views/render.c,
 * views/report.c, views/safe.c, views/say.c and the library (tenyo.h).
 */
#include "cli.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The readable report of a match object: per patent, why it fits the
 * company (the shared terms in a sentence of each) and what the company
 * could make with it (each use: the field, an application, the
 * confidence). */
static void print_match(const json_t *o, const char *lang) {
    int ja = !strcmp(lang, "ja");
    const json_t *q = json_object_get(o, "query");
    int cols = cli_term_cols();
    char home[512] = "";
    size_t i, j;
    json_t *v, *u;
    json_array_foreach(json_object_get(q, "home"), i, v) {
        size_t l = strlen(home);
        snprintf(home + l, sizeof home - l, "%s%s", i ? "," : "", json_string_value(v));
    }
    int known = json_is_true(json_object_get(q, "licence_known"));
    printf("%s\n", ja ? (known ? "会社の強みから使える開放特許"
                               : "会社の強みに近い特許（ライセンス可否は未確認）")
                      : (known ? "licensable patents this company could use (the Kawasaki-model query)"
                               : "patents this company could use (licence status unknown)"));
    printf("%s: %s%s   %s: %lld\n", ja ? "自社の分野" : "home fields", home[0] ? cli_safe(home) : "-",
           json_is_true(json_object_get(q, "home_predicted")) ? (ja ? "（文章から推定）" : " (predicted)") : "",
           ja ? "開放特許" : "licensable",
           (long long)json_integer_value(json_object_get(q, "licensable")));
    /* --not: the words struck, said once (no card shares them) */
    const json_t *struck = json_object_get(json_object_get(q, "steer"), "struck");
    if (json_array_size(struck)) {
        printf("%s", ja ? "除外した語（ここでは別の意味）: " : "struck (another sense here): ");
        json_array_foreach(struck, i, v) printf("%s%s", i ? (ja ? "・" : ", ") : "", cli_safe(json_string_value(v)));
        printf("\n");
    }
    printf("\n");
    json_array_foreach(json_object_get(o, "matches"), i, v) {
        printf("%2d. %s  ", (int)i + 1, cli_safe(cli_jstr(v, "id")));
        cli_cut(cli_jstr(v, "title"), cli_room(cols, 6 + (long)cli_width(cli_jstr(v, "id"))));
        char fl[256] = "";
        json_array_foreach(json_object_get(v, "fields"), j, u) {
            size_t l = strlen(fl);
            snprintf(fl + l, sizeof fl - l, "%s%s", j ? "," : "", json_string_value(u));
        }
        printf("\n    %s, %s  [%s]\n", cli_safe(cli_jstr(v, "applicant")),
               cli_jstr(v, "date")[0] ? cli_jstr(v, "date") : "-", cli_safe(fl));
        printf("    %s %s", ja ? "強さ:" : "band:", cli_jstr(v, "band_label"));
        if (*cli_jstr(v, "weak_reason"))
            printf("%s%s%s", ja ? "（弱い点: " : " (weak: ", cli_jstr(v, "weak_reason"), ja ? "）" : ")");
        printf("\n");
        const json_t *fit = json_object_get(v, "fit");
        if (fit) printf("    %s\n", cli_safe(cli_jstr(fit, "explain")));
        const json_t *w = json_object_get(v, "why");
        if (w) {
            const json_t *t = json_object_get(w, "terms");
            printf("    %s", ja ? "合う理由（共通する語: " : "why it fits (shared: ");
            json_array_foreach(t, j, u) printf("%s%s", j ? (ja ? "・" : ", ") : "", cli_safe(json_string_value(u)));
            printf("%s\n      %s「", ja ? "）" : ")", ja ? "会社" : "company");
            cli_print_marked(cli_jstr(w, "company"), t, ja);
            printf("」\n      %s「", ja ? "特許" : "patent ");
            cli_print_marked(cli_jstr(w, "patent"), t, ja);
            printf("」\n");
        } else
            printf("    %s\n", ja ? "合う理由: 会社の文章と具体的な語を共有していません（近さは文章全体の類似度だけ）"
                                  : "why it fits: no specific word shared with the company's text "
                                    "(close by overall similarity only)");
        const json_t *ap = json_object_get(v, "application"), *cu = json_object_get(v, "company_use");
        if (json_is_object(cu)) /* the company's clause joined to the patent's */
            printf("    %s %s\n", ja ? "→ 使い道:" : "→ use:", cli_safe(cli_jstr(cu, "use")));
        if (json_is_object(ap) && json_is_object(cu))
            printf("      %s %s\n", ja ? "特許が示す製品・用途:" : "what the patent makes:",
                   cli_safe(cli_jstr(ap, "use")));
        else if (json_is_object(ap))
            printf("    %s %s\n", ja ? "→ 作れるもの:" : "→ could make:", cli_safe(cli_jstr(ap, "use")));
        else
            printf("    → %s\n", cli_safe(cli_jstr(v, "application_none")));
        printf("      %s %s\n", ja ? "確信度:" : "confidence:", cli_jstr(v, "confidence_text"));
        const json_t *uses = json_object_get(v, "uses");
        if (json_array_size(uses)) {
            printf("      %s", ja ? "会社の文章から見た他の分野: " : "other fields from the company's text: ");
            json_array_foreach(uses, j, u) {
                char c[32];
                cli_pct_text(c, sizeof c, json_real_value(json_object_get(u, "confidence")), ja);
                printf("%s%s %s %s", j ? ", " : "", cli_jstr(u, "field"), cli_safe(cli_jstr(u, "label")), c);
            }
            printf("\n");
        }
        json_array_foreach(json_object_get(v, "same_invention"), j, u) {
            printf("    %s %s  ", ja ? "同じ発明の別出願:" : "same invention, filed again:", cli_safe(cli_jstr(u, "id")));
            cli_cut(cli_jstr(u, "title"), 40);
            printf("\n");
        }
        if (*cli_jstr(v, "link")) printf("    %s\n", cli_jstr(v, "link"));
        printf("\n");
    }
    json_array_foreach(json_object_get(o, "warnings"), i, v)
        printf("%s: %s\n", ja ? "注意" : "warning", cli_safe(cli_jstr(v, "message")));
    /* the nearest that do not fit: one line each, what they share */
    json_array_foreach(json_object_get(o, "reference"), i, v) {
        printf("  %s %s  ", ja ? "参考（合わない）" : "for reference (no fit)", cli_safe(cli_jstr(v, "id")));
        cli_cut(cli_jstr(v, "title"), 40);
        const json_t *t = json_object_get(json_object_get(v, "why"), "terms");
        if (json_array_size(t)) {
            printf("%s", ja ? "  共通: " : "  shared: ");
            json_array_foreach(t, j, u) printf("%s%s", j ? (ja ? "・" : ", ") : "", cli_safe(json_string_value(u)));
        } else
            printf("%s", ja ? "  共通する語なし" : "  no word shared");
        printf("%s%s%s\n", ja ? "（" : " (", cli_jstr(v, "weak_reason"), ja ? "）" : ")");
    }
}

static const char *match_usage =
    "usage: tenyo match INDEX (--text TEXT | --file FILE) [options]\n"
    "The Kawasaki-model query: a company's description of its strengths in, the\n"
    "licensable patents it could use out: why each fits (the shared terms in a\n"
    "sentence of each) and what the company could make with it (the uses the ideas\n"
    "engine proposes: field, application, confidence). Licensable: the index's list\n"
    "('tenyo open') or the records' open member; an index that marks none is matched\n"
    "over all its patents, licence status unknown.\n"
    "  --text TEXT          the company's strengths (Japanese or English)\n"
    "  --file FILE          the same from FILE (charset detected; - for stdin)\n"
    "  -k N                 number of patents (default 10, at most 100)\n"
    "  --home CODES         the company's fields, comma-separated subclasses\n"
    "                       (default: predicted from the text)\n"
    "  --distance D         section | class | subclass: how far a use must be from\n"
    "                       the company's fields (default class)\n"
    "  --lang ja|en         language of labels and sentences (default ja)\n"
    "  --min-confidence C   uses below confidence C are left out (default 0: every\n"
    "                       use the ideas engine finds is shown with its confidence)\n"
    "  -m, --mode M         similarity: tfidf | lsa | hybrid (default)\n"
    "  --not WORD           steer: WORD is shared in another sense here, so it is no\n"
    "                       shared word of any patent and carries no link for any\n"
    "                       use (repeatable)\n"
    "  -j, --json           one JSON object {\"query\", \"matches\", \"ideas\", \"warnings\"}\n"
    "      --html           a printable report (HTML for A4; print to PDF from a browser)\n"
    "Filters (before the top k: only matching licensable patents answer):\n"
    "  --date-from DATE     published on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD)\n"
    "  --date-to DATE       published on or before DATE (a year or month: its end)\n"
    "  --applicant S        applicant contains S (NFKC, case folded; repeat: any)\n"
    "  --exclude-applicant S  applicant does not contain S (repeatable)\n"
    "  --fields CODES       in one of these IPC sections/classes/subclasses (G06,B60W)\n"
    "  --exclude-fields CODES  in none of these\n"
    "  --keywords Q         terms that must / must not occur (see 'tenyo search --help')\n"
    "  --kind K             application | grant, as the id says it (特開 / 特許, JP…A / B)\n"
    "  --open-only          (always on here; accepted for symmetry with ideas)\n";


int cli_cmd_match(int argc, char **argv) {
    static const struct option lo[] = {
        {"text", required_argument, 0, 'T'}, {"file", required_argument, 0, 'F'},
        {"home", required_argument, 0, 'H'}, {"distance", required_argument, 0, 'D'},
        {"lang", required_argument, 0, 'L'}, {"min-confidence", required_argument, 0, 'Q'},
        {"mode", required_argument, 0, 'm'}, {"json", no_argument, 0, 'j'},
        {"html", no_argument, 0, 'W'}, {"not", required_argument, 0, OPT_NOT},
        {"help", no_argument, 0, 'h'}, CLI_FILTER_LONGOPTS, {0, 0, 0, 0}};
    cli_filter_opts fo = {0};
    const char *text = NULL, *file = NULL, *lang = "ja", *homes[65];
    char *homebuf = NULL;
    tenyo_ideas_opts io;
    tenyo_ideas_opts_default(&io);
    io.min_confidence = 0; /* every use, with its confidence said */
    long k = 10;
    int json = 0, bad = 0, c;
    tenyo_steer *steer = NULL; /* --not */
    optind = 1;
    while ((c = cli_getopt(argc, argv, "k:m:jh", lo)) != -1) {
        int r = cli_ideas_opt(c, optarg, &io, &homebuf, homes, 64, &lang);
        if (r) {
            bad |= r < 0;
            continue;
        }
        switch (c) {
        case 'T': text = optarg; break;
        case 'F': file = optarg; break;
        case 'k': bad |= cli_long("-k", optarg, 1, CLI_MATCH_MAX_K, &k) != 0; break;
        case 'j': json = 1; break;
        case 'W': json = 2; break;
        case 'h': free(homebuf); tenyo_steer_free(steer); return cli_help(match_usage);
        case OPT_NOT: {
            int rc = steer ? 0 : tenyo_steer_new(&steer);
            if (!rc) rc = tenyo_steer_strike(steer, optarg);
            if (rc == TENYO_ERR_NOMEM) cli_err("out of memory\n");
            else if (rc)
                cli_err("--not: '%s' is no word to strike (1 to 255 bytes of UTF-8%s)\n",
                        optarg, rc == TENYO_ERR_LIMIT ? "; at most 256 words" : "");
            bad |= rc != 0;
            break;
        }
        default: bad |= cli_filter_opt(c, optarg, &fo) <= 0;
        }
    }
    fo.open_only = 0; /* always: the library's own */
    int npos = argc - optind;
    if (!bad && (npos != 1 || (text != NULL) + (file != NULL) != 1)) {
        cli_err(npos < 1 ? "no INDEX\n" : npos > 1 ? "one INDEX only (the company's text goes "
                "in --text or --file)\n" : "give one of --text, --file\n");
        bad = 1;
    }
    if (bad) {
        free(homebuf);
        tenyo_steer_free(steer);
        return cli_usage_error(match_usage);
    }
    const char *path = argv[optind];
    tenyo_index *x = NULL;
    tenyo_ctx *ctx = NULL;
    tenyo_filter *filter = NULL;
    char err[512] = "", *buf = NULL;
    int ec = EXIT_OK;
    if (!(x = cli_open_index_for(
              path, TENYO_PREFETCH_VECTORS | TENYO_PREFETCH_ROWS | TENYO_PREFETCH_DOCS |
                        TENYO_PREFETCH_FIELDS,
              &ec))) {
        free(homebuf);
        tenyo_steer_free(steer);
        return ec;
    }
    int rc = tenyo_ctx_new(x, &ctx, err, sizeof err);
    if (rc) { cli_err("%s\n", err); ec = EXIT_RESOURCE; goto done; }
    if (steer) tenyo_ctx_set_steer(ctx, steer);
    int64_t qdoc = -1;
    size_t len = 0;
    ec = cli_resolve_query(x, path, NULL, file, &text, &len, &buf, &qdoc);
    if (ec) goto done;
    if ((ec = cli_filter_make(x, ctx, &fo, &filter)) != EXIT_OK) goto done;
    if (filter) {
        tenyo_ctx_set_filter(ctx, filter);
        cli_filter_note(&fo, filter, x);
    }
    int st;
    json_t *o = cli_match_json(x, ctx, text, len, &io, (size_t)k, lang, &st);
    if (!o) {
        cli_err("%s\n", tenyo_ctx_error(ctx));
        ec = st == TENYO_ERR_ARG ? EXIT_USAGE : cli_exit_code(st);
        goto done;
    }
    if (filter)
        json_object_set_new(json_object_get(o, "query"), "filter", cli_filter_json(&fo, filter, x));
    if (json == 1) cli_print_json(o);
    else if (json == 2 && cli_report_match(stdout, x, ctx, o, path, lang)) ec = EXIT_RESOURCE;
    else if (json != 2) print_match(o, lang);
    json_decref(o);
done:
    free(buf);
    free(homebuf);
    tenyo_filter_free(filter);
    tenyo_ctx_free(ctx);
    tenyo_steer_free(steer);
    tenyo_index_free(x);
    return ec;
}
