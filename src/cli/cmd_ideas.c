/*
 * cmd_ideas.c — `tenyo ideas`: other technical fields where a patent (or a
 * described technology) could be applied, with bridge terms, evidence
 * patents and one idea sentence per proposal.
 *
 * Output: a readable report (default), or with --json one object
 * {"query": {...}, "ideas": [...]} per query (built by cli_ideas_json /
 * cli_ideas_render, render.c: the library's tenyo_ideas_json, which the server, `match`
 * and the Python binding share), or
 * with --csv one row per proposal. The sentence is built from the
 * proposal's parts in the chosen language (--lang; default ja, as in
 * `match` and the server, whatever the query's language).
 *
 * --worksheet FILE runs one query as a pass over an analyst's worksheet
 * (ideas_ws.c). --batch reads JSONL queries; one line is parsed by cli_batch_parse_line
 * (batch.h), kept apart from the file loop and the workers so that the
 * fuzz target tests/fuzz/fuzz_batch.c reaches it with arbitrary bytes. The
 * lines of a chunk are split into contiguous runs, one per worker, under
 * tenyo_parallel (worker 0 on this thread).
 *
 * Who calls whom: called by tenyo.c's table; calls help_ja.c, opts.c,
 * term.c, views/filters.c, views/ideas_csv.c, views/ideas_ws.c,
 * views/query.c, views/render.c, views/report.c, views/safe.c,
 * views/say.c, views/senses.c and the library (tenyo.h).
 */
#include "cli.h"
#include "batch.h"

#include <ctype.h>
#include <getopt.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char *ideas_usage =
    "usage: tenyo ideas INDEX (ID | --text TEXT | --file FILE | --batch QUERIES.jsonl) [options]\n"
    "Propose other technical fields (IPC subclasses) where the patent could apply.\n"
    "ID as people type it: 特開２０２４－１２７４０７, JP2024-127407A, US 6,836,996 B2;\n"
    "an unknown ID is exit 2 with the closest ids (did you mean).\n"
    "  --text TEXT          query with free text (Japanese or English)\n"
    "  --file FILE          query with the text of FILE (charset detected; - for stdin)\n"
    "  --home CODES         home fields, comma-separated subclasses (default: the\n"
    "                       patent's own fields; predicted for free text)\n"
    "  --distance D         section | class | subclass: how far proposals must be\n"
    "                       from every home field (default class)\n"
    "  -n N                 the most cards the list shows (default 10, at most 100),\n"
    "                       picked from the engine's best 3N (--json: all of them)\n"
    "  --offset N           pass over the first N cards (10: cards 11 on, for more)\n"
    "  --open-only          evidence only from licensable (open) patents\n"
    "  --lang ja|en         language of labels and sentences (default ja)\n"
    "  --novelty V          0..1: the first round(10(1-V)) proposals are the most\n"
    "                       confident, then fields co-classification alone would not\n"
    "                       propose come first (default 0.6; 0: by confidence only)\n"
    "  Each proposal is marked with its band (有力 strong, 候補 candidate, 参考 for\n"
    "  reference, with the reason it is weak). The list shows strong and candidate\n"
    "  cards first and reference cards only to reach five; it says how many more\n"
    "  there are:\n"
    "  --all                show every card of the 3N (the rest after the list)\n"
    "  These thresholds hide proposals (default: none):\n"
    "  --min-confidence C   leave out proposals below confidence C (0..1), and thin\n"
    "                       ones (at most one specific shared word); 0.03 is a\n"
    "                       short list\n"
    "  --min-usable U       leave out proposals an analyst would find usable with a\n"
    "                       probability below U, by a model of earlier readers' labels\n"
    "  --min-content C      leave out proposals whose specific shared content is\n"
    "                       below C (0..1; 0.5 is about three specific words)\n"
    "  --no-merge           one proposal per subclass (default: subclasses\n"
    "                       proposed on the same evidence are one proposal)\n"
    "  --not WORD           steer: WORD is shared in another sense here, so it\n"
    "                       carries no link for any card (repeatable); a card says\n"
    "                       which struck words it lost\n"
    "  --keep FIELDS        steer: these subclasses' cards first (repeatable)\n"
    "  --reject FIELDS      steer: never these subclasses (repeatable)\n"
    "  --sentences          print the query's sentences, numbered, and stop\n"
    "  --focus N,M          steer: make the list from these sentences alone (the\n"
    "                       technique: product words of the others do not vote)\n"
    "  --focus-text TEXT    steer: make the list from TEXT, the technique in your\n"
    "                       words (the patent stays the query's home)\n"
    "  --worksheet FILE     apply the decisions of worksheet FILE (JSON; started\n"
    "                       when missing), then record this run's and save it\n"
    "                       back; with --html, the report of the kept cards\n"
    "  --note FIELD=TEXT    with --worksheet: the note of a kept or rejected card\n"
    "                       (repeatable)\n"
    "  --remember           with --not: remember each struck word as a sense split\n"
    "                       between the home fields and the fields of the cards the\n"
    "                       strike took away (shown without it, gone with it), for\n"
    "                       every later query (see 'tenyo senses')\n"
    "  --remember-field F   with --not: remember the split between the home fields\n"
    "                       and field F alone (repeatable)\n"
    "  --senses FILE        the remembered sense splits (default INDEX.senses, when\n"
    "                       there is one)\n"
    "  --csv                RFC 4180 CSV, one row per proposal (headed in --lang's\n"
    "                       language)\n"
    "  --bom                with --csv: start with a UTF-8 byte order mark (Excel)\n"
    "  --knn N              neighbours that vote (default 300)\n"
    "  -m, --mode M         similarity for the evidence: tfidf | lsa | hybrid (default)\n"
    "  --nprobe N           approximate: neighbours from the N closest IVF lists of the\n"
    "                       index (index --ivf), scored exactly (not with --batch)\n"
    "  --rerank N           with --nprobe: candidates re-scored (default 4 knn, at least\n"
    "                       256), from index --f16's float16 vectors when it has them\n"
    "  --ipc-titles FILE    IPC scheme TSV (JPO Japanese or English) for subclass\n"
    "                       labels (repeatable; default: built-in class labels)\n"
    "  --batch FILE         JSONL queries {\"id\", \"text\", \"home\": [...]} (id alone may\n"
    "                       name an indexed patent); JSONL results in input order\n"
    "  -j, --json           one JSON object {\"query\": {...}, \"ideas\": [...]}\n"
    "      --html           a printable report (HTML for A4; print to PDF from a browser)\n"
    "Filters (before the neighbours are chosen: only matching patents vote and are\n"
    "evidence; also for --batch):\n"
    "  --date-from DATE     published on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD)\n"
    "  --date-to DATE       published on or before DATE (a year or month: its end)\n"
    "  --applicant S        applicant contains S (NFKC, case folded; repeat: any)\n"
    "  --exclude-applicant S  applicant does not contain S (repeatable)\n"
    "  --fields CODES       in one of these IPC sections/classes/subclasses (G06,B60W)\n"
    "  --exclude-fields CODES  in none of these\n"
    "  --keywords Q         terms that must / must not occur (see 'tenyo search --help')\n"
    "  --kind K             application | grant, as the id says it (特開 / 特許, JP…A / B)\n";


/* --bom: the CSV starts with a UTF-8 byte order mark (Excel on Japanese
 * Windows reads a CSV without one as Shift_JIS). */
static int csv_bom;
/* --all: every card of the answer, not only the list shown by default */
static int show_all;

/* --not, --keep, --reject: the analyst's steer, set on every context the
 * command makes (the batch's workers only read it), or NULL. */
static tenyo_steer *ideas_steer;
/* The remembered sense splits (INDEX.senses or --senses), set on every
 * context the same way, or NULL. */
static tenyo_senses *ideas_senses;

/* A steering flag's value into ideas_steer (made on first use): 0, or -1
 * after a message naming the flag and the value. */
static int steer_opt(int c, const char *arg) {
    if (!ideas_steer && tenyo_steer_new(&ideas_steer)) {
        cli_err("out of memory\n");
        return -1;
    }
    if (c == OPT_FOCUS || c == OPT_FOCUS_TEXT) {
        int rc = c == OPT_FOCUS ? tenyo_steer_focus(ideas_steer, arg)
                                : tenyo_steer_focus_text(ideas_steer, arg);
        if (rc && c == OPT_FOCUS)
            cli_err("--focus must be sentence numbers from 1 to 64 (2,3 or 2-4; see "
                    "--sentences), not '%s'\n", arg);
        else if (rc)
            cli_err("--focus-text must be 1 byte to 64 KiB of UTF-8 text\n");
        return rc ? -1 : 0;
    }
    if (c == OPT_NOT) {
        int rc = tenyo_steer_strike(ideas_steer, arg);
        if (rc) cli_err("--not: '%s' is no word to strike (1 to 255 bytes of UTF-8%s)\n", arg,
                        rc == TENYO_ERR_LIMIT ? "; at most 256 words" : "");
        return rc ? -1 : 0;
    }
    const char *flag = c == OPT_KEEP_FIELD ? "--keep" : "--reject", *bad = NULL;
    char *buf = strdup(arg);
    int rc = buf ? tenyo_steer_fields(ideas_steer, c == OPT_KEEP_FIELD ? TENYO_STEER_KEPT
                                                                       : TENYO_STEER_REJECTED,
                                      buf, &bad)
                 : TENYO_ERR_NOMEM;
    if (rc == TENYO_ERR_ARG && bad) cli_err("%s: '%s' is not an IPC subclass (like A61B)\n", flag, bad);
    else if (rc == TENYO_ERR_ARG) cli_err("%s needs subclasses\n", flag);
    else if (rc == TENYO_ERR_LIMIT) cli_err("%s: more than 256 fields\n", flag);
    else if (rc < 0) cli_err("out of memory\n");
    free(buf);
    return rc < 0 ? -1 : 0;
}

/* Output formats of `ideas`. */
enum { OUT_REPORT, OUT_JSON, OUT_CSV, OUT_HTML, OUT_SENTENCES };

/* A steered query's focus, one line: the sentences or the text the list
 * was made from. */
static void print_focus(const json_t *f, int ja) {
    if (!f) return;
    const char *t = cli_jstr(f, "text");
    if (t && *t) {
        printf("%s: %s\n", ja ? "技術の文（指定）" : "focus (your text)", cli_safe(t));
        return;
    }
    char list[256] = "";
    size_t i, at = 0;
    json_t *v;
    json_array_foreach(json_object_get(f, "sentences"), i, v) {
        int w = snprintf(list + at, sizeof list - at, "%s%lld", at ? "," : "",
                         (long long)json_integer_value(v));
        if (w < 0 || (size_t)w >= sizeof list - at) break;
        at += (size_t)w;
    }
    printf("%s: %s\n", ja ? "技術の文（番号）" : "focus (sentences)", list);
}

/* A steered query's decisions, a line each: the struck words, the kept
 * fields (their cards come first, marked) and the rejected ones (never
 * listed, so said here). */
static void print_steer(const json_t *st, int ja) {
    static const char *const names[] = {"struck", "kept", "rejected"};
    static const char *const en[] = {"struck words", "kept", "rejected"};
    static const char *const jp[] = {"除外した語", "採用", "却下"};
    for (int k = 0; st && k < 3; k++) {
        char list[1024];
        cli_jjoin(json_object_get(st, names[k]), NULL, ", ", list, sizeof list);
        if (list[0]) printf("%s: %s\n", ja ? jp[k] : en[k], cli_safe(list));
    }
}

/* The readable report of one result object of cli_ideas_json. */
static void print_report(const json_t *o, const char *lang) {
    int ja = !strcmp(lang, "ja");
    const json_t *q = json_object_get(o, "query"), *arr = json_object_get(o, "ideas");
    char home[512];
    cli_jjoin(json_object_get(q, "home"), NULL, ",", home, sizeof home);
    int cols = cli_term_cols(); /* titles cut to it (whole in --json) */
    /* one language per line: the headings in --lang's */
    const char *head = ja ? "転用候補: " : "ideas for ";
    if (json_object_get(q, "id")) {
        printf("%s%s  ", head, cli_safe(cli_jstr(q, "id")));
        cli_cut(cli_jstr(q, "title"), cli_room(cols, (long)cli_width(head) + 2 +
                                                     (long)cli_width(cli_jstr(q, "id"))));
        printf("\n");
    }
    else
        printf("%s\n", ja ? "転用候補: 入力テキスト" : "ideas for the query text");
    printf("%s: %s%s\n", ja ? "本件の分野" : "home fields", home[0] ? cli_safe(home) : "-",
           json_is_true(json_object_get(q, "home_predicted")) ? (ja ? "（推定）" : " (predicted)") : "");
    print_focus(json_object_get(q, "focus"), ja);
    print_steer(json_object_get(q, "steer"), ja);
    printf("\n");
    size_t i, k;
    json_t *it, *e;
    /* the list shown by default, in its order (the judge's: "shown"), then
     * with --all the other cards in the engine's order */
    size_t na = json_array_size(arr), nshown = 0, *ord = calloc(na ? na : 1, sizeof *ord);
    if (!ord) return;
    size_t nord = cli_ideas_order(arr, show_all, ord, &nshown);
    for (size_t oi = 0; oi < nord; oi++) {
        i = ord[oi];
        it = json_array_get(arr, i);
        char list[1024];
        char also[256];
        cli_jjoin(json_object_get(it, "also_fields"), NULL, ",", also, sizeof also);
        /* a later page (--offset) keeps the list's numbers */
        int num = json_object_get(q, "offset") ? (int)json_integer_value(json_object_get(it, "rank"))
                                               : (int)oi + 1;
        int kept = json_is_true(json_object_get(it, "kept"));
        printf("%2d. [%s]%s %s%s%s %s   %s %.0f%%  %s %.2f%s\n", num,
               cli_safe(cli_jstr(it, "band_label")), kept ? (ja ? "[採用]" : "[kept]") : "",
               cli_safe(cli_jstr(it, "field")), also[0] ? "," : "", cli_safe(also),
               cli_safe(cli_jstr(it, "label")),
               ja ? "確信度" : "confidence",
               100 * json_real_value(json_object_get(it, "confidence")),
               ja ? "意外性" : "unexpected",
               json_real_value(json_object_get(it, "unexpected")),
               json_is_true(json_object_get(it, "expected")) ? "" : "  *");
        const char *wr = cli_jstr(it, "weak_reason");
        if (*wr) printf("    %s: %s\n", ja ? "弱い点" : "weak", cli_safe(wr));
        size_t ci;
        json_t *cv;
        json_array_foreach(json_object_get(it, "cautions"), ci, cv)
            if (!strcmp(json_string_value(cv), "title_only_evidence"))
                printf("    %s: %s\n", ja ? "注意" : "caution",
                       ja ? "根拠特許は題名だけ（要約なし）" : "the evidence has titles only");
        cli_jjoin(json_object_get(it, "bridge_terms"), NULL, ", ", list, sizeof list);
        printf("    %s: %s\n", ja ? "橋渡し語" : "bridge terms",
               *list ? cli_safe(list) : ja ? "（なし：共有する具体的な語がない）"
                                           : "(none: no specific word shared)");
        if (json_array_size(json_object_get(it, "struck"))) { /* steered: what it lost */
            cli_jjoin(json_object_get(it, "struck"), NULL, ", ", list, sizeof list);
            printf("    %s: %s\n", ja ? "除外した語（別の意味）" : "struck words (another sense)",
                   cli_safe(list));
        }
        if (*cli_jstr(it, "note")) /* the analyst's, from a worksheet */
            printf("    %s: %s\n", ja ? "メモ" : "note", cli_safe(cli_jstr(it, "note")));
        cli_jjoin(json_object_get(it, "phrases"), NULL, ja ? "、" : "; ", list, sizeof list);
        if (list[0]) printf("    %s: %s\n", ja ? "用途表現" : "application phrases", cli_safe(list));
        printf("    %s:\n", ja ? "根拠特許" : "evidence");
        json_array_foreach(json_object_get(it, "evidence"), k, e) {
            int open = json_is_true(json_object_get(e, "open"));
            /* who filed it and when, after the title (which is cut first) */
            const char *ap = cli_jstr(e, "applicant"), *dt = cli_jstr(e, "date");
            char who[320] = "", aps[200];
            /* a long list of applicants is cut at a character, not inside one */
            size_t al = strlen(ap);
            if (al >= sizeof aps - 4) {
                al = sizeof aps - 4;
                while (al > 0 && ((unsigned char)ap[al] & 0xC0) == 0x80) al--;
                snprintf(aps, sizeof aps, "%.*s…", (int)al, ap);
                ap = aps;
            }
            if (*ap || *dt) snprintf(who, sizeof who, "  (%s%s%s)", ap, *ap && *dt ? ", " : "", dt);
            printf("      %.3f %s ", json_real_value(json_object_get(e, "similarity")),
                   cli_safe(cli_jstr(e, "id")));
            cli_cut(cli_jstr(e, "title"),
                    cli_room(cols, 13 + (long)cli_width(cli_jstr(e, "id")) + (open ? 8 : 0) +
                                       (long)cli_width(who)));
            printf("%s%s\n", cli_safe(who), open ? "  [open]" : "");
        }
        const json_t *wj = json_object_get(it, "why");
        if (wj) {
            const json_t *wt = json_object_get(wj, "terms");
            printf("    %s: %s\xE3\x80\x8C", ja ? "理由" : "why", ja ? "本件" : "this patent ");
            cli_print_marked(cli_jstr(wj, "query"), wt, ja);
            printf("\xE3\x80\x8D\n          %s \xE3\x80\x8C", cli_safe(cli_jstr(wj, "evidence_id")));
            cli_print_marked(cli_jstr(wj, "evidence"), wt, ja);
            printf("\xE3\x80\x8D\n");
        }
        printf("    → %s\n\n", cli_safe(cli_jstr(it, "idea")));
    }
    free(ord);
    if (!show_all && na > nshown) {
        /* what was not shown: reference cards, unless more strong and
         * candidate cards than the list holds were found */
        size_t other = 0;
        for (size_t u = 0; u < na; u++) {
            json_t *c = json_array_get(arr, u);
            other += !json_integer_value(json_object_get(c, "shown")) &&
                     strcmp(cli_jstr(c, "band"), "reference");
        }
        if (other)
            printf(ja ? "ほかにカードが %zu 件あります（うち有力・候補 %zu 件、--all ですべて表示）\n\n"
                      : "%zu more cards, %zu of them strong or candidate (--all shows every card)\n\n",
                   na - nshown, other);
        else
            printf(ja ? "ほかに参考カードが %zu 件あります（--all ですべて表示）\n\n"
                      : "%zu more reference cards (--all shows every card)\n\n", na - nshown);
    }
    if (json_array_size(arr)) {
        printf("%s\n%s\n%s\n", tenyo_idea_legend("bands", ja ? "ja" : "en"),
               tenyo_idea_legend("confidence", ja ? "ja" : "en"),
               tenyo_idea_legend("unexpected", ja ? "ja" : "en"));
        int star = 0;
        json_array_foreach(arr, i, it) star |= !json_is_true(json_object_get(it, "expected"));
        if (star)
            printf("%s\n", ja ? "* = 共分類の統計だけでは提案されない分野"
                              : "* = a field co-classification statistics alone would not propose");
    }
    json_array_foreach(json_object_get(o, "warnings"), i, it)
        printf("%s: %s\n", ja ? "注意" : "warning", cli_safe(cli_jstr(it, "message")));
}

/* --sentences: the query's sentences, numbered as --focus names them. */
static int print_sentences(tenyo_ctx *ctx, int64_t qdoc, const char *text) {
    tenyo_sentence st[64];
    int n = tenyo_query_sentences(ctx, qdoc, qdoc >= 0 ? NULL : text, 64, st);
    if (n < 0) {
        cli_err("%s\n", tenyo_ctx_error(ctx));
        return cli_exit_code(n);
    }
    for (int i = 0; i < n; i++) {
        char *s = strndup(st[i].text, st[i].len);
        printf("%2d  %s\n", i + 1, s ? cli_safe(s) : "");
        free(s);
    }
    return EXIT_OK;
}

/* ================================================================ batch */

/* One batch line: parsed query and its output line. */
typedef struct bline {
    long line;           /* line number in the batch file */
    char *id;            /* "id" (may name an indexed patent) */
    char *text;          /* "text" (may be NULL when id is indexed) */
    char *homes;         /* "home" joined by commas, or NULL */
    json_t *out;         /* result object {"query", "ideas" | "error"} */
    int status;          /* 0 ok, else exit code of the failure */
} bline;

typedef struct bjob {
    const tenyo_index *x;   /* index */
    bline *lines;           /* all lines */
    size_t n;               /* number of lines */
    tenyo_ideas_opts io;    /* options (home set per line) */
    size_t nideas;          /* proposals asked per query */
    size_t pool;            /* proposals computed, the judge's pool
                               (tenyo_ideas_pool: io.show is nideas) */
    const char *lang;       /* language */
    tenyo_filter *filter;   /* the filter options' filter (compiled before
                               the workers start: they only read it), or
                               NULL */
} bjob;

/* The batch line of one query of a worker's chunk. */
typedef struct bctx {
    bjob *j;              /* the job */
    tenyo_ctx *ctx;       /* the worker's context */
    size_t *line;         /* query i -> index in j->lines */
    int64_t *doc;         /* query i -> indexed document or -1 */
} bctx;

/* tenyo_ideas_batch callback: render query i's result into its line. */
static void batch_done(void *ud, size_t i, int got, const tenyo_idea *ideas) {
    bctx *bc = ud;
    bjob *j = bc->j;
    bline *b = &j->lines[bc->line[i]];
    json_t *o = NULL;
    if (got >= 0) {
        o = cli_ideas_render(j->x, bc->ctx, bc->doc[i], NULL, 0, ideas, got, j->nideas, j->lang);
        json_t *q = json_object_get(o, "query");
        json_object_del(q, "title");
        /* an indexed patent is named by its stored id; the id as the line
         * typed it goes beside it when it was read as another form */
        const char *sid = json_string_value(json_object_get(q, "id"));
        if (bc->doc[i] >= 0 && b->id && sid && strcmp(sid, b->id))
            json_object_set_new(q, "typed", json_string(b->id));
        else if (b->id) json_object_set_new(q, "id", json_string(b->id));
        json_object_set_new(q, "line", json_integer(b->line));
    } else {
        json_t *q = json_object();
        if (b->id) json_object_set_new(q, "id", json_string(b->id));
        json_object_set_new(q, "line", json_integer(b->line));
        o = json_object();
        json_object_set_new(o, "query", q);
        json_object_set_new(o, "error", json_string(tenyo_ctx_error(bc->ctx)));
        b->status = got == TENYO_ERR_ARG ? EXIT_USAGE : EXIT_INPUT;
    }
    b->out = o;
}

/* Worker tid of threads (tenyo_parallel): its contiguous chunk of lines
 * through tenyo_ideas_batch, so that the chunk's queries share the LSA scan
 * (one pass per block). Always 0: a failure is the line's (no output line
 * is EXIT_RESOURCE). */
static int batch_worker(void *ud, int tid, int threads) {
    bjob *j = ud;
    size_t per = (j->n + (size_t)threads - 1) / (size_t)threads;
    size_t lo = (size_t)tid * per, hi = lo + per < j->n ? lo + per : j->n;
    if (lo >= hi) return 0;
    tenyo_ctx *ctx = NULL;
    char err[512];
    if (tenyo_ctx_new(j->x, &ctx, err, sizeof err)) return 0;
    if (ideas_steer) tenyo_ctx_set_steer(ctx, ideas_steer);
    if (ideas_senses) tenyo_ctx_set_senses(ctx, ideas_senses);
    if (j->filter) tenyo_ctx_set_filter(ctx, j->filter);
    size_t cnt = hi - lo, nq = 0;
    tenyo_query *qs = calloc(cnt, sizeof *qs);
    size_t *line = calloc(cnt, sizeof *line);
    int64_t *doc = calloc(cnt, sizeof *doc);
    const char ***homes = calloc(cnt, sizeof *homes); /* per query, its codes */
    char **hbuf = calloc(cnt, sizeof *hbuf);
    if (!qs || !line || !doc || !homes || !hbuf) goto done;
    for (size_t li = lo; li < hi; li++) {
        bline *b = &j->lines[li];
        if (b->out) continue; /* parse error already rendered */
        int64_t d = -1;
        char msg[1024] = "no text and no patent id";
        if (!b->text && b->id) cli_resolve_id(j->x, b->id, &d, msg, sizeof msg);
        int nh = 0;
        if (d >= 0 || b->text) { /* the line's home codes, split and checked */
            size_t nc = 1;
            for (const char *c = b->homes ? b->homes : ""; *c; c++) nc += *c == ',' || *c == ' ';
            if (b->homes && (!(hbuf[nq] = strdup(b->homes)) ||
                             !(homes[nq] = calloc(nc < 64 ? nc : 64, sizeof **homes))))
                nh = TENYO_ERR_NOMEM;
            else if (b->homes)
                nh = tenyo_ideas_home_split(hbuf[nq], homes[nq], nc < 64 ? nc : 64, msg, sizeof msg);
            if (nh == TENYO_ERR_NOMEM) snprintf(msg, sizeof msg, "out of memory");
        }
        if ((!b->text && d < 0) || nh < 0) {
            json_t *q = json_object(), *o = json_object();
            snprintf(err, sizeof err, "%s", msg);
            if (b->id) json_object_set_new(q, "id", json_string(b->id));
            json_object_set_new(q, "line", json_integer(b->line));
            json_object_set_new(o, "query", q);
            json_object_set_new(o, "error", json_string(err));
            b->out = o;
            b->status = EXIT_INPUT;
            free(hbuf[nq]);
            free(homes[nq]);
            hbuf[nq] = NULL;
            homes[nq] = NULL;
            continue;
        }
        tenyo_query *q = &qs[nq];
        q->doc = d;
        q->text = b->text;
        q->len = b->text ? strlen(b->text) : 0;
        q->nhome = (size_t)nh;
        q->home = nh ? homes[nq] : NULL;
        line[nq] = li;
        doc[nq] = d;
        nq++;
    }
    bctx bc = {j, ctx, line, doc};
    tenyo_ideas_batch(ctx, qs, nq, &j->io, j->pool, batch_done, &bc);
done:
    for (size_t i = 0; hbuf && homes && i < cnt; i++) {
        free(hbuf[i]);
        free(homes[i]);
    }
    free(hbuf);
    free(homes);
    free(doc);
    free(line);
    free(qs);
    tenyo_ctx_free(ctx);
    return 0;
}

/* ------------------------------------------------- one batch line (batch.h) */

/* Join a JSON array of strings (or one string) with commas; NULL if absent.
 * A comma goes before every string once something has been written (so an
 * empty first string adds nothing). Linear in the output: a running offset,
 * not strcat, which made a line of many short homes quadratic. */
static char *join_home(json_t *h) {
    if (json_is_string(h)) return strdup(json_string_value(h));
    if (!json_is_array(h)) return NULL;
    size_t cap = 1, i, at = 0;
    json_t *v;
    json_array_foreach(h, i, v) if (json_is_string(v)) cap += json_string_length(v) + 1;
    char *s = calloc(1, cap);
    if (!s) return NULL;
    json_array_foreach(h, i, v) {
        if (!json_is_string(v)) continue;
        size_t n = strlen(json_string_value(v)); /* <= its length in cap */
        if (at) s[at++] = ',';
        memcpy(s + at, json_string_value(v), n);
        at += n;
    }
    s[at] = 0;
    return s;
}

int cli_batch_parse_line(const char *buf, size_t len, cli_batch_query *q,
                         char *msg, size_t msglen) {
    if (!q) return -1;
    memset(q, 0, sizeof *q);
    if (!buf || !msg || !msglen) return -1;
    msg[0] = 0;
    json_error_t je;
    json_t *o = json_loadb(buf, len, 0, &je);
    const char *why = NULL;
    if (!o) why = je.text;
    else if (!json_is_object(o)) why = "not a JSON object";
    else {
        json_t *id = json_object_get(o, "id"), *t = json_object_get(o, "text");
        if (json_is_string(id)) q->id = strdup(json_string_value(id));
        if (json_is_string(t)) q->text = strdup(json_string_value(t));
        q->homes = join_home(json_object_get(o, "home"));
        if (!q->id && !q->text) why = "needs \"id\" or \"text\"";
        /* a member it does not take is refused, never dropped unseen: a
         * steer on one line would otherwise answer unsteered */
        const char *k;
        json_t *v;
        json_object_foreach(o, k, v) {
            if (why || !strcmp(k, "id") || !strcmp(k, "text") || !strcmp(k, "home")) continue;
            static const char *const steer[] = {"keep", "reject", "strike", "not", "focus",
                                                "focus_text", "offset", "sentences"};
            int st = 0;
            for (size_t i = 0; i < sizeof steer / sizeof *steer; i++) st |= !strcmp(k, steer[i]);
            snprintf(msg, msglen, "unknown member '%.40s' (a line takes \"id\", \"text\", "
                     "\"home\"%s)", k, st ? "; steer every line with --keep, --reject, "
                                            "--not, --focus, --offset" : "");
            why = msg;
        }
    }
    if (why && why != msg) snprintf(msg, msglen, "%s", why);
    json_decref(o);
    return why ? -1 : 0;
}

void cli_batch_query_free(cli_batch_query *q) {
    if (!q) return;
    free(q->id);
    free(q->text);
    free(q->homes);
    memset(q, 0, sizeof *q);
}

/* Most queries a batch file may hold, and the longest line: a line longer
 * is answered with an error (and never held whole), so memory stays
 * bounded however large the file. Queries run in chunks of BATCH_CHUNK
 * lines: parse, answer on every core, print in order, free. */
#define BATCH_MAX_QUERIES 100000000L
#define BATCH_LINE_MAX (1u << 20)
#define BATCH_CHUNK 4096

/* Read one line of f into *buf (without the newline), keeping at most
 * BATCH_LINE_MAX bytes: 1 and *toolong set when it was longer, 0 at the end
 * of the file, -1 out of memory. */
static int read_line(FILE *f, char **buf, size_t *cap, size_t *len, int *toolong) {
    *len = 0;
    *toolong = 0;
    int c, any = 0;
    while ((c = getc(f)) != EOF) {
        any = 1;
        if (c == '\n') break;
        if (*len >= BATCH_LINE_MAX) {
            *toolong = 1;
            continue;
        }
        if (*len + 1 >= *cap) {
            size_t nc = *cap ? 2 * *cap : 4096;
            char *nb = realloc(*buf, nc);
            if (!nb) return -1;
            *buf = nb;
            *cap = nc;
        }
        (*buf)[(*len)++] = (char)c;
    }
    if (!any) return 0;
    if (!*buf && !(*buf = malloc(*cap = 1))) return -1;
    (*buf)[*len] = 0;
    return 1;
}

/* Answer lines[0..n) on every core and print them in order; returns the
 * first failing exit code (or EXIT_OK) and frees the lines. */
static int run_chunk(const tenyo_index *x, bline *lines, size_t n, const tenyo_ideas_opts *io,
                     size_t nideas, const char *lang, int csv, int *header,
                     tenyo_filter *filter) {
    int ec = EXIT_OK;
    int nt = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nt < 1) nt = 1;
    if (nt > 64) nt = 64;
    if ((size_t)nt > n) nt = n ? (int)n : 1;
    bjob job = {x, lines, n, *io, nideas, nideas, lang, filter};
    job.pool = tenyo_ideas_pool(&job.io, nideas);
    tenyo_parallel(nt, batch_worker, &job);
    for (size_t i = 0; i < n; i++) {
        if (lines[i].out && csv) {
            cli_ideas_csv(stdout, lines[i].out, *header, csv_bom, lang, show_all);
            *header = 0;
        } else if (lines[i].out) {
            cli_print_json(lines[i].out);
        }
        if (lines[i].status && ec == EXIT_OK) ec = lines[i].status;
        if (!lines[i].out && ec == EXIT_OK) ec = EXIT_RESOURCE;
        free(lines[i].id);
        free(lines[i].text);
        free(lines[i].homes);
        json_decref(lines[i].out);
    }
    fflush(stdout);
    return ec;
}

/* --batch FILE: JSONL queries {"id", "text", "home"} -> JSONL results, in
 * input order, streamed chunk by chunk. */
static int run_batch(const tenyo_index *x, const char *path,
                     const tenyo_ideas_opts *io, size_t nideas,
                     const char *lang, int csv, tenyo_filter *filter) {
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        cli_err("%s: cannot open the batch file\n", path);
        return EXIT_INPUT;
    }
    bline *lines = calloc(BATCH_CHUNK, sizeof *lines);
    size_t n = 0, bcap = 0, got;
    char *buf = NULL;
    long ln = 0, nq = 0;
    int ec = lines ? EXIT_OK : EXIT_RESOURCE, header = 1, toolong, r;
    while (lines && (r = read_line(f, &buf, &bcap, &got, &toolong)) != 0) {
        if (r < 0) {
            ec = EXIT_RESOURCE;
            break;
        }
        ln++;
        while (got > 0 && buf[got - 1] == '\r') buf[--got] = 0;
        if (ln == 1 && got >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) { /* UTF-8 BOM */
            memmove(buf, buf + 3, got - 2);
            got -= 3;
        }
        if (got == 0 && !toolong) continue;
        if (++nq > BATCH_MAX_QUERIES) {
            cli_err("%s:%ld: more than %ld queries in one batch\n", path, ln,
                    BATCH_MAX_QUERIES);
            ec = EXIT_INPUT;
            break;
        }
        bline *b = &lines[n++];
        memset(b, 0, sizeof *b);
        b->line = ln;
        cli_batch_query bq;
        char msg[256];
        int bad;
        if (toolong) {
            snprintf(msg, sizeof msg, "line longer than %u bytes", BATCH_LINE_MAX);
            memset(&bq, 0, sizeof bq);
            bad = 1;
        } else {
            bad = cli_batch_parse_line(buf, got, &bq, msg, sizeof msg);
        }
        b->id = bq.id; /* the line owns the strings now */
        b->text = bq.text;
        b->homes = bq.homes;
        if (bad) {
            cli_err("%s:%ld: %s\n", path, ln, msg);
            json_t *e = json_object(), *q = json_object();
            json_object_set_new(q, "line", json_integer(ln));
            json_object_set_new(e, "query", q);
            json_object_set_new(e, "error", json_string(msg));
            b->out = e;
            b->status = EXIT_INPUT;
        }
        if (n == BATCH_CHUNK) {
            int e = run_chunk(x, lines, n, io, nideas, lang, csv, &header, filter);
            if (ec == EXIT_OK) ec = e;
            n = 0;
        }
    }
    if (lines && n) {
        int e = run_chunk(x, lines, n, io, nideas, lang, csv, &header, filter);
        if (ec == EXIT_OK) ec = e;
    }
    free(buf);
    free(lines);
    if (f != stdin) fclose(f);
    return ec;
}

/* The long options of `ideas`. */
static const struct option ideas_lo[] = {
    {"text", required_argument, 0, 'T'}, {"file", required_argument, 0, 'F'},
    {"home", required_argument, 0, 'H'}, {"distance", required_argument, 0, 'D'},
    {"lang", required_argument, 0, 'L'},
    {"novelty", required_argument, 0, 'V'},
    {"min-confidence", required_argument, 0, 'Q'}, {"no-merge", no_argument, 0, 'M'}, {"knn", required_argument, 0, 'K'},
    {"min-usable", required_argument, 0, 'S'},
    {"ipc-titles", required_argument, 0, 'I'}, {"batch", required_argument, 0, 'B'},
    {"mode", required_argument, 0, 'm'}, {"nprobe", required_argument, 0, 'P'},
    {"rerank", required_argument, 0, OPT_RERANK},
    {"min-content", required_argument, 0, OPT_MIN_CONTENT},
    {"not", required_argument, 0, OPT_NOT}, {"keep", required_argument, 0, OPT_KEEP_FIELD},
    {"reject", required_argument, 0, OPT_REJECT},
    {"focus", required_argument, 0, OPT_FOCUS},
    {"focus-text", required_argument, 0, OPT_FOCUS_TEXT},
    {"sentences", no_argument, 0, OPT_SENTENCES}, {"offset", required_argument, 0, OPT_OFFSET},
    {"worksheet", required_argument, 0, OPT_WORKSHEET}, {"note", required_argument, 0, OPT_NOTE},
    {"senses", required_argument, 0, OPT_SENSES}, {"remember", no_argument, 0, OPT_REMEMBER},
    {"remember-field", required_argument, 0, OPT_REMEMBER_FIELD},
    {"all", no_argument, 0, OPT_ALL},
    {"json", no_argument, 0, 'j'}, {"html", no_argument, 0, 'W'}, {"csv", no_argument, 0, 'C'}, {"bom", no_argument, 0, 'U'}, {"help", no_argument, 0, 'h'},
    CLI_FILTER_LONGOPTS, {0, 0, 0, 0}};

/* The flags of an analyst's work over runs: the worksheet, its notes,
 * the senses file and --remember. */
typedef struct ideas_more {
    const char *worksheet;   /* --worksheet FILE, or NULL */
    const char *senses;      /* --senses FILE, or NULL (INDEX.senses) */
    int remember;            /* --remember or --remember-field */
    int nfields;             /* --remember-field values */
    char *fields[64];
    int nnotes;              /* --note values */
    char *notes[64];
} ideas_more;

/* One of those flags into m: 0, or -1 after a message. */
static int more_opt(int c, char *arg, ideas_more *m) {
    if (c == OPT_WORKSHEET) m->worksheet = arg;
    else if (c == OPT_SENSES) m->senses = arg;
    else if (c == OPT_REMEMBER) m->remember = 1;
    else if (c == OPT_REMEMBER_FIELD && m->nfields < 64) {
        m->remember = 1;
        m->fields[m->nfields++] = arg;
    } else if (c == OPT_REMEMBER_FIELD) {
        cli_err("at most 64 --remember-field\n");
        return -1;
    } else if (m->nnotes < 64) m->notes[m->nnotes++] = arg;
    else {
        cli_err("at most 64 --note\n");
        return -1;
    }
    return 0;
}

/* The output format f taken into *fmt: 0, or 1 after a message when
 * another was given (said, never silently the last). */
static int set_format(int *fmt, int f) {
    if (*fmt != OUT_REPORT && *fmt != f) {
        cli_err("--json, --csv and --html are output formats: give one\n");
        return 1;
    }
    *fmt = f;
    return 0;
}

/* Flags that do not go together, each said; --sentences made the format.
 * 1 when any. */
static int flags_conflict(int *fmt, int sentences, int batch, const ideas_more *m) {
    int worksheet = m->worksheet != NULL, nnotes = m->nnotes;
    int bad = 0;
    if (sentences && (*fmt != OUT_REPORT || batch)) {
        cli_err("--sentences prints the query's sentences as text: not with --json, --csv, "
                "--html or --batch\n");
        bad = 1;
    }
    if (sentences) *fmt = OUT_SENTENCES;
    if (batch && *fmt == OUT_HTML) {
        cli_err("--html is one query's printed report: with --batch the answers are JSON "
                "lines (the default) or --csv\n");
        bad = 1;
    }
    if (worksheet && (batch || sentences || *fmt == OUT_CSV)) {
        cli_err("--worksheet is one query's: not with --batch, --sentences or --csv\n");
        bad = 1;
    }
    if (nnotes && !worksheet) {
        cli_err("--note needs --worksheet (the note is kept there)\n");
        bad = 1;
    }
    if (m->remember && (batch || sentences || !ideas_steer ||
                        !tenyo_steer_count(ideas_steer, TENYO_STEER_STRUCK))) {
        cli_err("--remember and --remember-field keep the words one query strikes: they "
                "need --not, not --batch or --sentences\n");
        bad = 1;
    }
    return bad;
}

/* Answer o printed in format fmt, then released: the exit code. */
static int ideas_print(json_t *o, int fmt, const tenyo_index *x, tenyo_ctx *ctx,
                       const char *path, const char *lang) {
    int ec = EXIT_OK;
    if (fmt == OUT_JSON) cli_print_json(o);
    else if (fmt == OUT_CSV) cli_ideas_csv(stdout, o, 1, csv_bom, lang, show_all);
    else if (fmt == OUT_HTML && cli_report_ideas(stdout, x, ctx, o, path, lang)) ec = EXIT_RESOURCE;
    else if (fmt == OUT_HTML) {} /* written */
    else print_report(o, lang);
    json_decref(o);
    return ec;
}

/* The steer and senses of the command, freed (every way out of
 * cli_cmd_ideas). */
static void steer_done(void) {
    tenyo_steer_free(ideas_steer);
    ideas_steer = NULL;
    tenyo_senses_free(ideas_senses);
    ideas_senses = NULL;
}

/* The words this command's --not strikes into w[0..cap) (a worksheet may
 * add its own later: those --remember does not keep), their count; the
 * strings are the steer's. */
static size_t struck_here(char **w, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; ideas_steer && i < tenyo_steer_count(ideas_steer, TENYO_STEER_STRUCK) &&
                       n < cap; i++)
        w[n++] = (char *)tenyo_steer_item(ideas_steer, TENYO_STEER_STRUCK, i);
    return n;
}

/* A context of x for the command's query in *out: steer s (NULL: none),
 * the remembered senses, --nprobe, --rerank, the filter (NULL: none). An
 * exit code after a message naming path. */
static int ctx_make(const tenyo_index *x, const char *path, long nprobe, long rerank,
                    tenyo_filter *filter, const tenyo_steer *s, tenyo_ctx **out) {
    char err[512] = "";
    if (tenyo_ctx_new(x, out, err, sizeof err)) {
        cli_err("%s\n", err);
        return EXIT_RESOURCE;
    }
    if (s) tenyo_ctx_set_steer(*out, s);
    tenyo_ctx_set_senses(*out, ideas_senses);
    if (nprobe && tenyo_ctx_set_nprobe(*out, (uint32_t)nprobe)) {
        cli_err("%s: %s\n", path, tenyo_ctx_error(*out));
        return EXIT_USAGE; /* *out freed by the caller */
    }
    if (rerank) tenyo_ctx_set_rerank(*out, (size_t)rerank);
    if (filter) tenyo_ctx_set_filter(*out, filter);
    return EXIT_OK;
}

/* What answering the query again takes (remember_splits compares runs). */
typedef struct rerun {
    const tenyo_index *x;
    tenyo_filter *filter;
    long nprobe, rerank;
    int64_t qdoc;
    const char *text;
    size_t len;
    const tenyo_ideas_opts *io;
    const char *lang;
} rerun;

/* The query answered again on a context of its own with steer s (NULL:
 * none) and n proposals; NULL after a message. */
static json_t *rerun_ideas(const rerun *r, const tenyo_steer *s, size_t n) {
    tenyo_ctx *c = NULL;
    if (ctx_make(r->x, "", r->nprobe, r->rerank, r->filter, s, &c)) {
        tenyo_ctx_free(c);
        return NULL;
    }
    int st;
    json_t *o = cli_ideas_json(r->x, c, r->qdoc, r->text, r->len, r->io, n, r->lang, &st);
    if (!o) cli_err("%s\n", tenyo_ctx_error(c));
    tenyo_ctx_free(c);
    return o;
}

/* A copy of steer s without the struck words w[0..nw) (the query as it was
 * before this command struck them): its other struck words, kept and
 * rejected fields and focus. NULL when out of memory. */
static tenyo_steer *steer_without(const tenyo_steer *s, char *const *w, size_t nw) {
    tenyo_steer *c = NULL;
    if (tenyo_steer_new(&c)) return NULL;
    int rc = 0;
    for (size_t i = 0; i < tenyo_steer_count(s, TENYO_STEER_STRUCK) && !rc; i++) {
        const char *t = tenyo_steer_item(s, TENYO_STEER_STRUCK, i);
        size_t k = 0;
        while (k < nw && strcmp(w[k], t)) k++;
        if (k == nw) rc = tenyo_steer_strike(c, t);
    }
    for (size_t i = 0; i < tenyo_steer_count(s, TENYO_STEER_KEPT) && !rc; i++)
        rc = tenyo_steer_keep(c, tenyo_steer_item(s, TENYO_STEER_KEPT, i));
    for (size_t i = 0; i < tenyo_steer_count(s, TENYO_STEER_REJECTED) && !rc; i++)
        rc = tenyo_steer_reject(c, tenyo_steer_item(s, TENYO_STEER_REJECTED, i));
    const char *ft = NULL;
    uint64_t bits = tenyo_steer_focus_get(s, &ft);
    if (!rc && ft) rc = tenyo_steer_focus_text(c, ft);
    else if (!rc && bits) {
        char nums[64 * 3 + 1] = "";
        size_t off = 0;
        for (int i = 0; i < 64; i++)
            if (bits >> i & 1)
                off += (size_t)snprintf(nums + off, sizeof nums - off, "%s%d", off ? "," : "", i + 1);
        rc = tenyo_steer_focus(c, nums);
    }
    if (rc) {
        tenyo_steer_free(c);
        return NULL;
    }
    return c;
}

/* The card of field f in answer o, or NULL. */
static const json_t *card_of(const json_t *o, const char *f) {
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(o, "ideas"), i, it)
        if (!strcmp(cli_jstr(it, "field"), f)) return it;
    return NULL;
}

/* Whether card c lost word w to the strike (its "struck"). */
static int card_lost(const json_t *c, const char *w) {
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(c, "struck"), i, v)
        if (!strcmp(json_string_value(v), w)) return 1;
    return 0;
}

/* --remember / --remember-field: the words this command struck (w[0..nw))
 * split between every home field of answer o and the fields of the pairs
 * the strike split, added to the senses file spath. Those pairs: with
 * fields named (--remember-field), those fields; else the cards the
 * strike took away: shown when the query is answered without these words
 * (n proposals, as the analyst saw them) and not shown in o, unless the
 * card is still among the next 100 without having lost the word (pushed
 * down by others, not split). A card that kept its place after losing the
 * word still links the pair: the word has one sense there, and its split
 * would hide that link from every later query. Under the file's lock, the
 * file read again (another command may have changed it since this one
 * started), the splits added and the file saved; each said. */
static int remember_splits(const json_t *o, const char *spath, const rerun *r, size_t n,
                           char *const *w, size_t nw, char *const *named, int nnamed) {
    const json_t *home = json_object_get(json_object_get(o, "query"), "home");
    json_t *base = NULL, *wide = NULL;
    if (!nnamed) {
        tenyo_steer *before = steer_without(ideas_steer, w, nw);
        if (!before) {
            cli_err("out of memory\n");
            return EXIT_RESOURCE;
        }
        base = rerun_ideas(r, before, n);
        tenyo_steer_free(before);
        if (base) wide = rerun_ideas(r, ideas_steer, n + 100);
        if (!base || !wide) {
            json_decref(base);
            json_decref(wide);
            return EXIT_RESOURCE;
        }
    }
    size_t added = 0, i, h;
    json_t *hv;
    tenyo_lock *lk = cli_senses_lock(spath);
    tenyo_senses *now = NULL;
    int ec = lk ? cli_senses_open(spath, 0, &now) : EXIT_RESOURCE;
    /* the pairs: (word k, field f) for every home field */
    size_t ncards = nnamed ? (size_t)nnamed : json_array_size(json_object_get(base, "ideas"));
    for (i = 0; i < ncards && !ec; i++) {
        const char *f = nnamed ? named[i]
                               : cli_jstr(json_array_get(json_object_get(base, "ideas"), i), "field");
        if (!nnamed && card_of(o, f)) continue; /* still shown */
        const json_t *later = nnamed ? NULL : card_of(wide, f);
        for (size_t k = 0; k < nw && !ec; k++) {
            if (later && !card_lost(later, w[k])) continue; /* not this word's doing */
            json_array_foreach(home, h, hv) {
                if (ec) break;
                int rc = tenyo_senses_add(now, w[k], json_string_value(hv), f);
                if (rc == TENYO_ERR_LIMIT || rc == TENYO_ERR_NOMEM) {
                    cli_err("%s: %s\n", spath, rc == TENYO_ERR_LIMIT ? "100000 splits already"
                                                                   : "out of memory");
                    ec = rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INPUT;
                } else if (rc == TENYO_ERR_ARG) {
                    cli_err("--remember-field: '%s' is not an IPC subclass other than the "
                            "home's %s (like F24F)\n", f, json_string_value(hv));
                    ec = EXIT_USAGE;
                } else if (rc == 0) {
                    cli_err("senses: '%s' split between %s and %s\n", cli_safe(w[k]),
                            json_string_value(hv), f);
                    added++;
                }
            }
        }
    }
    if (!ec) ec = cli_senses_save(now, spath);
    if (!ec && !added && !nnamed)
        cli_err("senses %s: no split remembered: no card of this answer was taken away by "
                "the strike (each still stands on other words); name the pair with "
                "--remember-field FIELD\n", spath);
    else if (!ec)
        cli_err("senses %s: %zu splits remembered, %zu in all\n", spath, added,
                tenyo_senses_count(now));
    tenyo_lock_free(lk);
    tenyo_senses_free(now);
    json_decref(base);
    json_decref(wide);
    return ec;
}

int cli_cmd_ideas(int argc, char **argv) {
    cli_filter_opts fo = {0};
    tenyo_filter *filter = NULL;
    const char *titles[4];
    int ntitles = 0;
    const char *text = NULL, *file = NULL, *lang = "ja", *batch = NULL;
    char *homebuf = NULL;
    const char *homes[65]; /* one more than ideas take, so that too many is an error */
    tenyo_ideas_opts io;
    tenyo_ideas_opts_default(&io);
    long n = 10, nprobe = 0, rerank = 0;
    int fmt = OUT_REPORT, c, bad = 0, sentences = 0;
    ideas_more mo = {0};
    char *spath = NULL;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "n:m:jh", ideas_lo)) != -1) {
        int r = cli_ideas_opt(c, optarg, &io, &homebuf, homes, 64, &lang);
        if (r) {
            bad |= r < 0;
            continue;
        }
        switch (c) {
        case 'T': text = optarg; break;
        case 'F': file = optarg; break;
        case 'V': bad |= cli_ideas_set("novelty", NULL, optarg, &io, NULL); break;
        case 'M': io.merge = 0; break;
        case 'S': bad |= cli_ideas_set("min_usable", NULL, optarg, &io, NULL); break;
        case 'P': bad |= cli_long("--nprobe", optarg, 1, 1000000, &nprobe) != 0; break;
        case OPT_RERANK: bad |= cli_long("--rerank", optarg, 1, 1000000, &rerank) != 0; break;
        case OPT_MIN_CONTENT:
            bad |= cli_ideas_set("min_content", NULL, optarg, &io, NULL);
            break;
        case OPT_NOT: case OPT_KEEP_FIELD: case OPT_REJECT: case OPT_FOCUS: case OPT_FOCUS_TEXT:
            bad |= steer_opt(c, optarg);
            break;
        case OPT_SENTENCES: sentences = 1; break;
        case OPT_OFFSET: bad |= cli_ideas_set("offset", NULL, optarg, &io, NULL); break;
        case OPT_WORKSHEET: case OPT_SENSES: case OPT_REMEMBER: case OPT_NOTE:
        case OPT_REMEMBER_FIELD:
            bad |= more_opt(c, optarg, &mo);
            break;
        case 'K': bad |= cli_ideas_set("knn", NULL, optarg, &io, NULL); break;
        case 'n': {
            double v;
            bad |= cli_ideas_set("n", NULL, optarg, NULL, &v);
            n = bad ? n : (long)v;
            break;
        }
        case 'B': batch = optarg; break;
        case 'I':
            if (ntitles < 4) titles[ntitles++] = cli_input_path(optarg);
            else { cli_err("at most 4 --ipc-titles files\n"); bad = 1; }
            break;
        case 'j': bad |= set_format(&fmt, OUT_JSON); break;
        case 'C': bad |= set_format(&fmt, OUT_CSV); break;
        case 'W': bad |= set_format(&fmt, OUT_HTML); break;
        case 'U': csv_bom = 1; break;
        case OPT_ALL: show_all = 1; break;
        case 'h':
            free(homebuf);
            steer_done();
            return cli_help(ideas_usage);
        default: bad |= cli_filter_opt(c, optarg, &fo) <= 0;
        }
    }
    /* --open-only: ideas' own (evidence and voters licensable; its note
     * says when none is near), not one more filter */
    if (fo.open_only) io.open_only = 1;
    fo.open_only = 0;
    bad |= flags_conflict(&fmt, sentences, batch != NULL, &mo);
    char *mine[256];
    size_t nmine = struck_here(mine, 256);
    int npos = argc - optind;
    int nq = (text != NULL) + (file != NULL) + (npos == 2) + (batch != NULL);
    if (bad || npos < 1 || npos > 2 || nq != 1) {
        if (!bad) cli_err(npos < 1 ? "no INDEX\n" : "give exactly one of ID, --text, --file, --batch\n");
        free(homebuf);
        steer_done();
        return cli_usage_error(ideas_usage);
    }
    const char *path = argv[optind], *id = npos == 2 ? argv[optind + 1] : NULL;
    tenyo_index *x = NULL;
    tenyo_ctx *ctx = NULL;
    char err[512] = "", *buf = NULL;
    int ec = EXIT_OK;
    if (!(x = cli_open_index_for(
              path, TENYO_PREFETCH_VECTORS | TENYO_PREFETCH_ROWS | TENYO_PREFETCH_DOCS |
                        TENYO_PREFETCH_FIELDS | (nprobe ? TENYO_PREFETCH_APPROX : 0),
              &ec))) {
        free(homebuf);
        steer_done();
        return ec;
    }
    int rc;
    for (int i = 0; i < ntitles; i++) {
        rc = tenyo_index_load_titles(x, titles[i], err, sizeof err);
        if (rc) { cli_err("%s\n", err); ec = EXIT_INPUT; goto done; }
    }
    if (!(spath = cli_senses_path(path, mo.senses))) { ec = EXIT_RESOURCE; goto done; }
    if ((ec = cli_senses_open(spath, mo.senses && !mo.remember, &ideas_senses)) != EXIT_OK) goto done;
    if ((ec = cli_filter_make(x, NULL, &fo, &filter)) != EXIT_OK) goto done;
    if (filter) cli_filter_note(&fo, filter, x);
    if (batch) {
        ec = run_batch(x, batch, &io, (size_t)n, lang, fmt == OUT_CSV, filter);
        goto done;
    }
    if ((ec = ctx_make(x, path, nprobe, rerank, filter, ideas_steer, &ctx))) goto done;
    int64_t qdoc = -1;
    size_t len = 0;
    ec = cli_resolve_query(x, path, id, file, &text, &len, &buf, &qdoc);
    if (ec) goto done;
    int st;
    if (fmt == OUT_SENTENCES) {
        ec = print_sentences(ctx, qdoc, text);
        goto done;
    }
    json_t *o = NULL;
    if (mo.worksheet) {
        cli_ws_run wr = {mo.worksheet, x, ctx, ideas_steer, mo.notes, mo.nnotes, qdoc, text, len,
                         &io, (size_t)n, lang, fmt == OUT_HTML, path};
        if ((ec = cli_ideas_worksheet(&wr, &o)) != EXIT_OK) goto done;
    } else {
        /* the terminal's list: only the cards it shows are explained */
        o = (fmt == OUT_REPORT && !show_all && !mo.remember ? cli_ideas_json_shown : cli_ideas_json)(
            x, ctx, qdoc, text, len, &io, (size_t)n, lang, &st);
    }
    if (o && filter)
        json_object_set_new(json_object_get(o, "query"), "filter", cli_filter_json(&fo, filter, x));
    if (!o) {
        cli_err("%s\n", tenyo_ctx_error(ctx));
        ec = st == TENYO_ERR_ARG ? EXIT_USAGE : cli_exit_code(st);
        goto done;
    }
    rerun rr = {x, filter, nprobe, rerank, qdoc, text, len, &io, lang};
    if (mo.remember &&
        (ec = remember_splits(o, spath, &rr, (size_t)n, mine, nmine, mo.fields, mo.nfields))) {
        json_decref(o);
        goto done;
    }
    ec = ideas_print(o, fmt, x, ctx, path, lang);
done:
    free(spath);
    free(buf);
    free(homebuf);
    tenyo_ctx_free(ctx);
    steer_done();
    tenyo_filter_free(filter);
    tenyo_index_free(x);
    return ec;
}
