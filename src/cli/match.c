/*
 * match.c — `tenyo match` (the Kawasaki-model query: a company's strengths
 * in, licensable patents it could use out, each with its uses) and
 * `tenyo profile` (the applicability profile of licensable patents, for an
 * office to sort its catalogue by), and the links to public records.
 *
 * Both are renderings of the library's answers, not engines of their own:
 * match calls tenyo_match_text (ideas/match.c: the ideas engine run with
 * open_only, plus the nearest licensable patents) and explains each use
 * with the same JSON the `ideas` command prints for that proposal
 * (cli_ideas_render: bridge terms, phrases, confidence, cautions, the
 * evidence); profile runs tenyo_ideas_batch over the patents and keeps
 * per patent what an office sorts by. POST /api/match answers with the
 * same object as `tenyo match --json` (serve.c).
 *
 * The use sentence of a match names the patent itself (not the proposal's
 * best evidence, as the idea sentence does): "特開… を、医療（A61B）分野
 * の「内視鏡装置」で活用できる可能性（共通する語: 画像・撮像）". Its
 * phrase is one of the patent's own application phrases in that field, or
 * none.
 */
#include "cli.h"

#include <csv.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MATCH_MAX_K 100      /* matches of one query */
#define MATCH_IDEAS 20       /* proposals computed for the uses */
#define MATCH_PHRASES 6      /* phrases looked through per use */

/* ============================================================= links */

/* Digits of s[0..) after skipping '-', '/' and spaces, into out (cap). */
static size_t digits(const char *s, char *out, size_t cap) {
    size_t n = 0;
    for (; *s && n + 1 < cap; s++) {
        if (*s >= '0' && *s <= '9') out[n++] = *s;
        else if (*s != '-' && *s != '/' && *s != ' ') break;
    }
    out[n] = 0;
    return n;
}

const char *cli_record_link(const char *id, char *buf, size_t cap) {
    static const char jpp[] = "https://www.j-platpat.inpit.go.jp/c1801/PU/JP-";
    static const char gp[] = "https://patents.google.com/patent/";
    char d[32];
    buf[0] = 0;
    if (!id) return buf;
    /* J-PlatPat's fixed addresses (2024): JP-YYYY-NNNNNN/11 for a
     * publication of an application (特開), JP-N/15 for a granted patent
     * (特許), JP-N/25 for a registered utility model (実登); other
     * Japanese forms and US numbers on Google Patents */
    if (!strncmp(id, "特開", 6) && digits(id + 6, d, sizeof d) == 10)
        snprintf(buf, cap, "%s%.4s-%s/11/ja", jpp, d, d + 4);
    else if (!strncmp(id, "特許", 6) && digits(id + 6, d, sizeof d) >= 7)
        snprintf(buf, cap, "%s%s/15/ja", jpp, d);
    else if (!strncmp(id, "実登", 6) && digits(id + 6, d, sizeof d) >= 7)
        snprintf(buf, cap, "%s%s/25/ja", jpp, d);
    else if (!strncmp(id, "特表", 6) && digits(id + 6, d, sizeof d) == 10)
        snprintf(buf, cap, "%sJP%sA/ja", gp, d);
    else if (!strncmp(id, "特開平", 9) && digits(id + 9, d, sizeof d) >= 7)
        snprintf(buf, cap, "%sJPH%sA/ja", gp, d);
    else if (!strncmp(id, "特開昭", 9) && digits(id + 9, d, sizeof d) >= 7)
        snprintf(buf, cap, "%sJPS%sA/ja", gp, d);
    else if (!strncmp(id, "再表", 6) && digits(id + 6, d, sizeof d) >= 8)
        snprintf(buf, cap, "%sWO%sA1/ja", gp, d);
    else {
        char key[64];
        if (tenyo_patno_key(id, key, sizeof key) == 1) {
            if (!strncmp(key, "us", 2) && strspn(key + 2, "0123456789") == strlen(key + 2) &&
                key[2])
                snprintf(buf, cap, "%sUS%s/en", gp, key + 2);
            else if (!strncmp(key, "jp", 2) && strlen(key + 2) == 10 &&
                     strspn(key + 2, "0123456789") == 10)
                snprintf(buf, cap, "%s%.4s-%s/11/ja", jpp, key + 2, key + 6);
        }
    }
    return buf;
}

/* ============================================================= match */

/* String member of a JSON object, "" when absent. */
static const char *js(const json_t *o, const char *key) {
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

/* The use sentence of patent dm in idea's field. */
static void use_sentence(char *out, size_t cap, const char *lang, const tenyo_doc_meta *dm,
                         const char *code, const char *label, const json_t *bridge,
                         const tenyo_phrase *ph) {
    int ja = !strcmp(lang, "ja");
    char terms[512] = "";
    size_t i;
    json_t *v;
    json_array_foreach(bridge, i, v) {
        if (i == 3) break;
        size_t l = strlen(terms);
        snprintf(terms + l, sizeof terms - l, "%s%s", i ? (ja ? "・" : ", ") : "",
                 json_string_value(v) ? json_string_value(v) : "");
    }
    char words[600] = "";
    if (*terms) snprintf(words, sizeof words, ja ? "（共通する語: %s）" : " (shared words: %s)", terms);
    if (ja && ph)
        snprintf(out, cap, "%s「%s」を、%s（%s）分野の「%.*s」で活用できる可能性%s", dm->id,
                 dm->title, label, code, (int)ph->target_len, ph->target, words);
    else if (ja)
        snprintf(out, cap, "%s「%s」を、%s（%s）分野で活用できる可能性%s", dm->id, dm->title,
                 label, code, words);
    else if (ph)
        snprintf(out, cap, "%s \"%s\" could be used in %s (%s), e.g. \"%s\"%s", dm->id,
                 dm->title, label, code, ph->text, words);
    else
        snprintf(out, cap, "%s \"%s\" could be used in %s (%s)%s", dm->id, dm->title, label,
                 code, words);
}

json_t *cli_match_json(const tenyo_index *x, tenyo_ctx *ctx, const char *text, size_t len,
                       const tenyo_ideas_opts *io, size_t k, const char *lang, int *status) {
    tenyo_idea ideas[MATCH_IDEAS];
    tenyo_match mt[MATCH_MAX_K];
    int got = 0;
    if (k > MATCH_MAX_K) k = MATCH_MAX_K;
    int n = tenyo_match_text(ctx, text, len, io, MATCH_IDEAS, ideas, &got, k, mt);
    *status = n < 0 ? n : TENYO_OK;
    if (n < 0) return NULL;
    int ja = !strcmp(lang, "ja");
    /* the proposals explained as `ideas` explains them */
    json_t *o = cli_ideas_render(x, ctx, -1, text, len, ideas, got, MATCH_IDEAS, lang);
    json_t *iarr = json_object_get(o, "ideas"), *warns = json_object_get(o, "warnings");
    /* "fewer than asked" is about the 20 proposals computed for the uses,
     * not about what was asked here */
    for (size_t i = json_array_size(warns); i-- > 0;)
        if (!strcmp(js(json_array_get(warns, i), "code"), "fewer_than_asked"))
            json_array_remove(warns, i);
    json_t *q = json_object_get(o, "query");
    json_object_set_new(q, "k", json_integer((json_int_t)k));
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    json_object_set_new(q, "licensable", json_integer((json_int_t)in.nopen));
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        tenyo_doc_meta dm;
        tenyo_index_doc(x, mt[i].doc, &dm);
        json_t *r = json_object(), *uses = json_array();
        char link[256];
        json_object_set_new(r, "rank", json_integer(i + 1));
        json_object_set_new(r, "id", json_string(dm.id));
        json_object_set_new(r, "title", json_string(dm.title));
        json_object_set_new(r, "applicant", json_string(dm.applicant));
        json_object_set_new(r, "date", json_string(dm.date));
        json_object_set_new(r, "fields", cli_json_list(dm.fields));
        json_object_set_new(r, "link", json_string(cli_record_link(dm.id, link, sizeof link)));
        json_object_set_new(r, "similarity", json_real((double)mt[i].similarity));
        json_object_set_new(r, "confidence", json_real(mt[i].confidence));
        json_object_set_new(r, "own_field", json_boolean(mt[i].own_field));
        for (int u = 0; u < mt[i].nuses; u++) {
            const tenyo_idea *id = &ideas[mt[i].uses[u]];
            const json_t *ij = json_array_get(iarr, (size_t)mt[i].uses[u]);
            tenyo_phrase ph[MATCH_PHRASES];
            int nph = tenyo_idea_phrases(ctx, id, MATCH_PHRASES, ph);
            const tenyo_phrase *own = NULL;
            for (int p = 0; p < nph && !own; p++)
                if (ph[p].doc == mt[i].doc && ph[p].field_fit) own = &ph[p];
            const char *label = tenyo_field_label(x, id->code, lang);
            char sent[2048];
            use_sentence(sent, sizeof sent, lang, &dm, id->code, label,
                         json_object_get(ij, "bridge_terms"), own);
            json_t *uj = json_object();
            json_object_set_new(uj, "idea", json_integer(mt[i].uses[u] + 1));
            json_object_set_new(uj, "field", json_string(id->code));
            json_object_set_new(uj, "label", json_string(label));
            json_object_set_new(uj, "confidence", json_real(id->confidence));
            json_object_set_new(uj, "expected", json_boolean(id->expected));
            json_object_set_new(uj, "bridge_terms", json_deep_copy(json_object_get(ij, "bridge_terms")));
            json_object_set_new(uj, "cautions", json_deep_copy(json_object_get(ij, "cautions")));
            if (own) json_object_set_new(uj, "phrase", json_string(own->text));
            json_object_set_new(uj, "use", json_string(sent));
            json_array_append_new(uses, uj);
        }
        json_object_set_new(r, "uses", uses);
        json_array_append_new(arr, r);
    }
    json_object_set_new(o, "matches", arr);
    json_t *w = NULL;
    if (in.nopen == 0)
        w = json_pack("{s:s, s:s}", "code", "no_licensable", "message",
                      ja ? "この索引には開放（ライセンス可能）特許の指定がありません。tenyo open INDEX --from FILE で一覧を読み込んでください"
                         : "the index marks no patent licensable: load the list with "
                           "'tenyo open INDEX --from FILE'");
    else if (n == 0)
        w = json_pack("{s:s, s:s}", "code", "no_match", "message",
                      ja ? "条件に合い、文章に近い開放特許がありません（フィルタを緩めるか、文章に具体的な技術の語を加えてください）"
                         : "no licensable patent within the filters is near the text (loosen the "
                           "filters, or name the technology in more specific words)");
    if (w) json_array_insert_new(warns, 0, w);
    return o;
}

/* The readable report of a match object. */
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
    printf("%s\n", ja ? "会社の強みから使える開放特許 / licensable patents this company could use"
                      : "licensable patents this company could use (the Kawasaki-model query)");
    printf("%s: %s%s   %s: %lld\n\n", ja ? "自社の分野" : "home fields", home[0] ? cli_safe(home) : "-",
           json_is_true(json_object_get(q, "home_predicted")) ? (ja ? "（推定）" : " (predicted)") : "",
           ja ? "開放特許" : "licensable",
           (long long)json_integer_value(json_object_get(q, "licensable")));
    json_array_foreach(json_object_get(o, "matches"), i, v) {
        printf("%2d. %.3f  %s  ", (int)i + 1,
               json_real_value(json_object_get(v, "similarity")), cli_safe(js(v, "id")));
        cli_cut(js(v, "title"), cli_room(cols, 13 + (long)cli_width(js(v, "id"))));
        char fl[256] = "";
        json_array_foreach(json_object_get(v, "fields"), j, u) {
            size_t l = strlen(fl);
            snprintf(fl + l, sizeof fl - l, "%s%s", j ? "," : "", json_string_value(u));
        }
        printf("\n    %s, %s  [%s]\n", cli_safe(js(v, "applicant")),
               js(v, "date")[0] ? js(v, "date") : "-", cli_safe(fl));
        if (json_is_true(json_object_get(v, "own_field")))
            printf("    %s\n", ja ? "→ 自社の分野の製品・工程にそのまま活用できる可能性"
                                   : "→ could be used in the company's own field as it is");
        json_array_foreach(json_object_get(v, "uses"), j, u)
            printf("    → %s %.0f%%: %s\n", ja ? "用途 確信度" : "use, confidence",
                   100 * json_real_value(json_object_get(u, "confidence")), cli_safe(js(u, "use")));
        if (*js(v, "link")) printf("    %s\n", js(v, "link"));
        printf("\n");
    }
    json_array_foreach(json_object_get(o, "warnings"), i, v)
        printf("%s: %s\n", ja ? "注意" : "warning", cli_safe(js(v, "message")));
}

static const char *match_usage =
    "usage: tenyo match INDEX (--text TEXT | --file FILE) [options]\n"
    "The Kawasaki-model query: a company's description of its strengths in, the\n"
    "licensable patents it could use out, each with the uses (fields) the ideas engine\n"
    "proposes for it: confidence, bridge terms, phrase, evidence. Licensable: the\n"
    "index's list ('tenyo open') or the records' open member.\n"
    "  --text TEXT          the company's strengths (Japanese or English)\n"
    "  --file FILE          the same from FILE (charset detected; - for stdin)\n"
    "  -k N                 number of patents (default 10, at most 100)\n"
    "  --home CODES         the company's fields, comma-separated subclasses\n"
    "                       (default: predicted from the text)\n"
    "  --distance D         section | class | subclass: how far a use must be from\n"
    "                       the company's fields (default class)\n"
    "  --lang ja|en         language of labels and sentences (default ja)\n"
    "  --min-confidence C   uses below confidence C are left out (default 0.12)\n"
    "  -m, --mode M         similarity: tfidf | lsa | hybrid (default)\n"
    "  -j, --json           one JSON object {\"query\", \"matches\", \"ideas\", \"warnings\"}\n"
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
        {"help", no_argument, 0, 'h'}, CLI_FILTER_LONGOPTS, {0, 0, 0, 0}};
    cli_filter_opts fo = {0};
    const char *text = NULL, *file = NULL, *lang = "ja", *homes[65];
    char *homebuf = NULL;
    tenyo_ideas_opts io;
    tenyo_ideas_opts_default(&io);
    long k = 10;
    int json = 0, bad = 0, c;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "k:m:jh", lo)) != -1) {
        int r = cli_ideas_opt(c, optarg, &io, &homebuf, homes, 65, &lang);
        if (r) {
            bad |= r < 0;
            continue;
        }
        switch (c) {
        case 'T': text = optarg; break;
        case 'F': file = optarg; break;
        case 'k': bad |= cli_long("-k", optarg, 1, MATCH_MAX_K, &k) != 0; break;
        case 'j': json = 1; break;
        case 'h': free(homebuf); fputs(match_usage, stdout); return EXIT_OK;
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
        return cli_usage_error(match_usage);
    }
    const char *path = argv[optind];
    tenyo_index *x = NULL;
    tenyo_ctx *ctx = NULL;
    tenyo_filter *filter = NULL;
    char err[512] = "", *buf = NULL;
    int ec = EXIT_OK;
    if (!(x = cli_open_index(path, &ec))) {
        free(homebuf);
        return ec;
    }
    int rc = tenyo_ctx_new(x, &ctx, err, sizeof err);
    if (rc) { cli_err("%s\n", err); ec = EXIT_RESOURCE; goto done; }
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
    if (json) cli_print_json(o);
    else print_match(o, lang);
    json_decref(o);
done:
    free(buf);
    free(homebuf);
    tenyo_filter_free(filter);
    tenyo_ctx_free(ctx);
    tenyo_index_free(x);
    return ec;
}

/* =========================================================== profile */

/* How the applicability profile of one patent is gathered (the ideas
 * batch's callback state). */
typedef struct profile_run {
    const tenyo_index *x;     /* the index */
    tenyo_ctx *ctx;           /* the batch's context */
    const uint64_t *docs;     /* the patents, in output order */
    const char *lang;         /* labels' language */
    int csv;                  /* CSV rows, else JSON lines */
    int failed;               /* queries that failed */
    json_t *out;              /* JSON objects go here (the API), not to stdout */
} profile_run;

/* How far code is from the nearest of the comma-separated home fields:
 * 2 another section, 1 another class, 0 another subclass of a home class. */
static int far_level(const char *code, const char *home) {
    int best = 2;
    for (const char *h = home; *h;) {
        size_t l = strcspn(h, ",");
        int lv = l >= 1 && h[0] == code[0] ? (l >= 3 && !strncmp(h, code, 3) ? 0 : 1) : 2;
        if (lv < best) best = lv;
        h += l + (h[l] == ',');
    }
    return best;
}

/* One CSV cell (RFC 4180 by libcsv; formula-like text defused as `ideas
 * --csv` does), then a comma or the end of the row. */
static void pcsv(const char *s, int last) {
    if (cli_csv_risky(s)) fputc('\'', stdout);
    csv_fwrite(stdout, s, strlen(s));
    fputs(last ? "\r\n" : ",", stdout);
}

static void profile_cb(void *ud, size_t i, int got, const tenyo_idea *ideas) {
    profile_run *p = ud;
    tenyo_doc_meta dm;
    tenyo_index_doc(p->x, p->docs[i], &dm);
    static const char *const levels[] = {"subclass", "class", "section"};
    char link[256], buf[64];
    cli_record_link(dm.id, link, sizeof link);
    const char *failure = NULL;
    if (got < 0) {
        failure = tenyo_ctx_error(p->ctx);
        if (!p->out) cli_err("%s: %s\n", dm.id, failure);
        p->failed++;
        got = 0;
    }
    int far = -1, sections = 0;
    char seen[8] = "";
    double sum = 0, best = 0;
    const tenyo_hit *ev = NULL;
    const tenyo_idea *evi = NULL;
    for (int j = 0; j < got; j++) {
        const tenyo_idea *id = &ideas[j];
        int lv = far_level(id->code, dm.fields);
        if (lv > far) far = lv;
        if (!strchr(seen, id->code[0]) && strlen(seen) < 7) {
            size_t l = strlen(seen);
            seen[l] = id->code[0];
            seen[l + 1] = 0;
            sections++;
        }
        sum += id->confidence;
        if (id->confidence > best) best = id->confidence;
        for (int e = 0; e < id->nevidence; e++)
            if (!ev || id->evidence[e].score > ev->score) {
                ev = &id->evidence[e];
                evi = id;
            }
    }
    tenyo_doc_meta em;
    if (ev) tenyo_index_doc(p->x, ev->doc, &em);
    if (p->csv) {
        char props[4096] = "";
        for (int j = 0; j < got; j++) {
            size_t l = strlen(props);
            snprintf(props + l, sizeof props - l, "%s%s %s (%.2f)", j ? "; " : "", ideas[j].code,
                     tenyo_field_label(p->x, ideas[j].code, p->lang), ideas[j].confidence);
        }
        pcsv(dm.id, 0);
        pcsv(dm.title, 0);
        pcsv(dm.applicant, 0);
        pcsv(dm.date, 0);
        pcsv(dm.fields, 0);
        pcsv(dm.open ? "1" : "0", 0);
        snprintf(buf, sizeof buf, "%d", got);
        pcsv(buf, 0);
        snprintf(buf, sizeof buf, "%d", sections);
        pcsv(buf, 0);
        pcsv(far >= 0 ? levels[far] : "", 0);
        snprintf(buf, sizeof buf, "%.4f", best);
        pcsv(buf, 0);
        snprintf(buf, sizeof buf, "%.4f", sum);
        pcsv(buf, 0);
        pcsv(props, 0);
        pcsv(ev ? em.id : "", 0);
        snprintf(buf, sizeof buf, "%.4f", ev ? (double)ev->score : 0.0);
        pcsv(ev ? buf : "", 0);
        pcsv(ev ? em.applicant : "", 0);
        pcsv(evi ? evi->code : "", 0);
        pcsv(link, 1);
        return;
    }
    json_t *o = json_object(), *arr = json_array();
    json_object_set_new(o, "id", json_string(dm.id));
    json_object_set_new(o, "title", json_string(dm.title));
    json_object_set_new(o, "applicant", json_string(dm.applicant));
    json_object_set_new(o, "date", json_string(dm.date));
    json_object_set_new(o, "fields", cli_json_list(dm.fields));
    json_object_set_new(o, "open", json_boolean(dm.open));
    json_object_set_new(o, "link", json_string(link));
    json_object_set_new(o, "proposals", json_integer(got));
    json_object_set_new(o, "sections", json_integer(sections));
    json_object_set_new(o, "farthest", far >= 0 ? json_string(levels[far]) : json_null());
    json_object_set_new(o, "best_confidence", json_real(best));
    json_object_set_new(o, "applicability", json_real(sum));
    for (int j = 0; j < got; j++) {
        const char *bt[5];
        int nb = tenyo_idea_bridge(p->ctx, &ideas[j], 5, bt);
        json_t *it = json_object(), *b = json_array();
        json_object_set_new(it, "field", json_string(ideas[j].code));
        json_object_set_new(it, "label", json_string(tenyo_field_label(p->x, ideas[j].code, p->lang)));
        json_object_set_new(it, "confidence", json_real(ideas[j].confidence));
        json_object_set_new(it, "distance", json_string(levels[far_level(ideas[j].code, dm.fields)]));
        for (int k = 0; k < nb; k++) json_array_append_new(b, json_string(bt[k]));
        json_object_set_new(it, "bridge_terms", b);
        json_array_append_new(arr, it);
    }
    json_object_set_new(o, "uses", arr);
    if (ev) {
        json_t *e = json_object();
        json_object_set_new(e, "id", json_string(em.id));
        json_object_set_new(e, "title", json_string(em.title));
        json_object_set_new(e, "applicant", json_string(em.applicant));
        json_object_set_new(e, "date", json_string(em.date));
        json_object_set_new(e, "similarity", json_real((double)ev->score));
        json_object_set_new(e, "field", json_string(evi->code));
        json_object_set_new(o, "strongest_evidence", e);
    } else {
        json_object_set_new(o, "strongest_evidence", json_null());
    }
    if (failure) json_object_set_new(o, "error", json_string(failure));
    if (p->out) {
        json_array_append_new(p->out, o);
        return;
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
    if (s) puts(s);
    free(s);
    json_decref(o);
}

json_t *cli_profile_json(const tenyo_index *x, tenyo_ctx *ctx, const uint64_t *docs,
                         size_t nd, const tenyo_ideas_opts *io, size_t n, const char *lang,
                         int *status) {
    tenyo_query *q = calloc(nd ? nd : 1, sizeof *q);
    json_t *arr = json_array();
    *status = TENYO_ERR_NOMEM;
    if (!q || !arr) {
        free(q);
        json_decref(arr);
        return NULL;
    }
    for (size_t i = 0; i < nd; i++) q[i].doc = (int64_t)docs[i];
    profile_run pr = {x, ctx, docs, lang, 0, 0, arr};
    int rc = nd ? tenyo_ideas_batch(ctx, q, nd, io, n, profile_cb, &pr) : TENYO_OK;
    free(q);
    *status = rc;
    if (rc) {
        json_decref(arr);
        return NULL;
    }
    json_t *o = json_object();
    json_object_set_new(o, "profiles", arr);
    return o;
}

static const char *profile_usage =
    "usage: tenyo profile INDEX [--ids FILE | --all] [options]\n"
    "Applicability profile: per patent, where else it could be used -- its confident\n"
    "proposals (the ideas engine), how many, how far from its own fields, the\n"
    "strongest evidence -- for an office to sort its licensable catalogue by.\n"
    "Default: every licensable patent of the index (tenyo open, or the records).\n"
    "      --ids FILE       these patents (numbers one per line, as people type them;\n"
    "                       - for stdin); a line naming none is reported as FILE:LINE\n"
    "      --all            every patent of the index\n"
    "  -n N                 proposals per patent (default 10, at most 100)\n"
    "      --min-confidence C  proposals below confidence C are left out (default 0.12)\n"
    "      --distance D     section | class | subclass (default class)\n"
    "      --lang ja|en     language of the labels (default ja)\n"
    "      --csv            CSV, one row per patent (default: JSON lines)\n"
    "      --bom            with --csv: start with a UTF-8 byte order mark (Excel)\n";

int cli_cmd_profile(int argc, char **argv) {
    static const struct option lo[] = {
        {"ids", required_argument, 0, 'I'}, {"all", no_argument, 0, 'A'},
        {"min-confidence", required_argument, 0, 'Q'}, {"distance", required_argument, 0, 'D'},
        {"lang", required_argument, 0, 'L'}, {"csv", no_argument, 0, 'C'},
        {"bom", no_argument, 0, 'U'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    static const char *const dists[] = {"section", "class", "subclass", NULL};
    static const char *const langs[] = {"ja", "en", NULL};
    const char *ids = NULL, *lang = "ja";
    int all = 0, csv = 0, bom = 0, bad = 0, c;
    long n = 10;
    tenyo_ideas_opts io;
    tenyo_ideas_opts_default(&io);
    optind = 1;
    while ((c = cli_getopt(argc, argv, "n:h", lo)) != -1) {
        switch (c) {
        case 'I': ids = optarg; break;
        case 'A': all = 1; break;
        case 'Q':
            bad |= cli_double("--min-confidence", optarg, 0, 0, 1, &io.min_confidence) != 0;
            break;
        case 'D': {
            int i = cli_choice("--distance", optarg, dists);
            if (i < 0) bad = 1;
            else io.distance = i == 0 ? TENYO_DIST_SECTION : i == 1 ? TENYO_DIST_CLASS
                                                                 : TENYO_DIST_SUBCLASS;
            break;
        }
        case 'L': bad |= cli_choice("--lang", optarg, langs) < 0; lang = optarg; break;
        case 'C': csv = 1; break;
        case 'U': bom = 1; break;
        case 'n': bad |= cli_long("-n", optarg, 1, 100, &n) != 0; break;
        case 'h': fputs(profile_usage, stdout); return EXIT_OK;
        default: bad = 1;
        }
    }
    if (!bad && ids && all) {
        cli_err("--ids and --all: give one\n");
        bad = 1;
    }
    if (!bad && bom && !csv) {
        cli_err("--bom goes with --csv\n");
        bad = 1;
    }
    if (!bad && optind != argc - 1) {
        cli_err(optind == argc ? "no INDEX\n" : "one INDEX only\n");
        bad = 1;
    }
    if (bad) return cli_usage_error(profile_usage);
    const char *path = argv[optind];
    tenyo_index *x = NULL;
    tenyo_ctx *ctx = NULL;
    char err[512] = "";
    int ec = EXIT_OK;
    uint64_t *docs = NULL;
    tenyo_query *q = NULL;
    size_t nd = 0;
    if (!(x = cli_open_index(path, &ec))) return ec;
    int rc;
    uint64_t N = tenyo_index_ndocs(x);
    docs = malloc((N ? N : 1) * sizeof *docs);
    if (!docs) { cli_err("out of memory\n"); ec = EXIT_RESOURCE; goto done; }
    if (ids) {
        FILE *f = !strcmp(ids, "-") ? stdin : fopen(ids, "r");
        if (!f) { cli_err("%s: cannot open\n", ids); ec = EXIT_INPUT; goto done; }
        char line[1024];
        long ln = 0, unresolved = 0;
        uint8_t *seen = calloc(N ? N : 1, 1);
        while (seen && fgets(line, sizeof line, f)) {
            ln++;
            char *s = line;
            if (ln == 1 && !strncmp(s, "\xEF\xBB\xBF", 3)) s += 3;
            s[strcspn(s, "\r\n")] = 0;
            while (*s == ' ' || *s == '\t') s++;
            if (!*s || *s == '#') continue;
            int64_t d;
            char msg[512];
            if (cli_resolve_id(x, s, &d, msg, sizeof msg) < 0) {
                cli_err("%s:%ld: %s\n", ids, ln, msg);
                unresolved++;
                continue;
            }
            if (!seen[d]) docs[nd++] = (uint64_t)d;
            seen[d] = 1;
        }
        free(seen);
        if (f != stdin) fclose(f);
        if (unresolved) cli_err("%ld lines of %s name no patent of the index (skipped)\n",
                                unresolved, ids);
    } else {
        for (uint64_t d = 0; d < N; d++) {
            tenyo_doc_meta dm;
            tenyo_index_doc(x, d, &dm);
            if (all || dm.open) docs[nd++] = d;
        }
        if (!nd && !all)
            cli_err("warning: %s marks no patent licensable (load a list with 'tenyo open "
                    "INDEX --from FILE', or profile --all / --ids FILE): nothing to profile\n",
                    path);
    }
    rc = tenyo_ctx_new(x, &ctx, err, sizeof err);
    q = calloc(nd ? nd : 1, sizeof *q);
    if (rc || !q) { cli_err("%s\n", rc ? err : "out of memory"); ec = EXIT_RESOURCE; goto done; }
    for (size_t i = 0; i < nd; i++) q[i].doc = (int64_t)docs[i];
    if (csv) {
        if (bom) fputs("\xEF\xBB\xBF", stdout);
        fputs("id,title,applicant,date,fields,open,proposals,sections,farthest,"
              "best_confidence,applicability,uses,strongest_evidence,evidence_similarity,"
              "evidence_applicant,evidence_field,link\r\n", stdout);
    }
    profile_run pr = {x, ctx, docs, lang, csv, 0, NULL};
    rc = nd ? tenyo_ideas_batch(ctx, q, nd, &io, (size_t)n, profile_cb, &pr) : TENYO_OK;
    if (rc) {
        cli_err("%s\n", tenyo_ctx_error(ctx));
        ec = cli_exit_code(rc);
    } else if (pr.failed) {
        ec = EXIT_INPUT;
    }
done:
    free(q);
    free(docs);
    tenyo_ctx_free(ctx);
    tenyo_index_free(x);
    return ec;
}
