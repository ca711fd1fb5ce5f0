/*
 * ideas.c — `tenyo ideas`: other technical fields where a patent (or a
 * described technology) could be applied, with bridge terms, evidence
 * patents and one idea sentence per proposal.
 *
 * Output: a readable report (default), or with --json one object
 * {"query": {...}, "ideas": [...]} per query. The sentence is built from the
 * proposal's parts in the chosen language (--lang, default: the query's).
 *
 * --batch reads JSONL queries; one line is parsed by cli_batch_parse_line
 * (batch.h), kept apart from the file loop and the worker threads so that
 * the fuzz target tests/fuzz/fuzz_batch.c reaches it with arbitrary bytes.
 */
#include "cli.h"
#include "batch.h"

#include <csv.h>
#include <getopt.h>
#include <pthread.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_IDEAS 100
#define NBRIDGE 5
#define NPHRASE 3

static const char *ideas_usage =
    "usage: tenyo ideas INDEX (ID | --text TEXT | --file FILE | --batch QUERIES.jsonl) [options]\n"
    "Propose other technical fields (IPC subclasses) where the patent could apply.\n"
    "  --home CODES         home fields, comma-separated subclasses (default: the\n"
    "                       patent's own fields; predicted for free text)\n"
    "  --distance D         section | class | subclass: how far proposals must be\n"
    "                       from every home field (default class)\n"
    "  -n N                 number of proposals (default 10, at most 100)\n"
    "  --open-only          evidence only from licensable (open) patents\n"
    "  --lang ja|en         language of labels and sentences (default ja)\n"
    "  --novelty V          0..1, how readily unexpected fields are promoted (default 1)\n"
    "  --knn N              neighbours that vote (default 100)\n"
    "  -m, --mode M         similarity for the evidence: tfidf | lsa | hybrid (default)\n"
    "  --nprobe N           approximate: neighbours from the N closest IVF lists of the\n"
    "                       index (index --ivf), scored exactly (not with --batch)\n"
    "  --ipc-titles FILE    IPC scheme TSV (JPO Japanese or English) for subclass\n"
    "                       labels (repeatable; default: built-in class labels)\n"
    "  --batch FILE         JSONL queries {\"id\", \"text\", \"home\": [...]} (id alone may\n"
    "                       name an indexed patent); JSONL results in input order\n"
    "  --json               one JSON object {\"query\": {...}, \"ideas\": [...]}\n";

/* Comma-separated codes -> array (pointers into buf, modified). */
static size_t split_codes(char *buf, const char **out, size_t cap) {
    size_t n = 0;
    char *save = NULL; /* strtok_r: batch workers split concurrently */
    for (char *p = strtok_r(buf, ", ", &save); p && n < cap; p = strtok_r(NULL, ", ", &save))
        out[n++] = p;
    return n;
}

/* The first part of a label ("手工具；可搬式動力工具；マニプレータ" ->
 * "手工具") for use inside a sentence; the card shows the whole label. */
static void label_head(const char *label, char *out, size_t len) {
    const char *cut = strstr(label, "；");
    size_t n = cut ? (size_t)(cut - label) : strlen(label);
    const char *semi = memchr(label, ';', n);
    if (semi) n = (size_t)(semi - label);
    snprintf(out, len, "%.*s", (int)n, label);
}

/* The idea sentence: bridge terms, the field, the best application phrase
 * when there is one, and the evidence it came from. */
static void sentence(char *out, size_t len, const char *lang, const char **bt,
                     int nb, const char *code, const char *label,
                     const tenyo_phrase *ph, const tenyo_doc_meta *ev) {
    char terms[512] = "", head[256];
    int ja = !strcmp(lang, "ja");
    for (int i = 0; i < nb && i < 3; i++) {
        size_t l = strlen(terms);
        snprintf(terms + l, sizeof terms - l, "%s%s", i ? (ja ? "・" : ", ") : "", bt[i]);
    }
    label_head(label, head, sizeof head);
    const char *id = ev ? ev->id : "-", *title = ev ? ev->title : "";
    if (ja && ph)
        snprintf(out, len, "%s%s本技術を、%s（%s）分野の「%.*s」に転用できる可能性（根拠: %s「%s」）",
                 terms, nb ? "に関する" : "", head, code, (int)ph->target_len, ph->target,
                 id, title);
    else if (ja)
        snprintf(out, len, "%s%s本技術を、%s（%s）分野に転用できる可能性（根拠: %s「%s」）",
                 terms, nb ? "に関する" : "", head, code, id, title);
    else if (ph)
        snprintf(out, len, "The technology%s%s could be applied in %s (%s), e.g. \"%s\" "
                 "(evidence: %s \"%s\")", nb ? " around " : "", terms, head, code,
                 ph->text, id, title);
    else
        snprintf(out, len, "The technology%s%s could be applied in %s (%s) (evidence: %s \"%s\")",
                 nb ? " around " : "", terms, head, code, id, title);
}

/* Bridge terms (into bt, NBRIDGE entries; returns their count), phrases
 * (into ph, NPHRASE entries; count in *nph), label and idea sentence of one
 * proposal of the last ideas call on ctx. */
static int explain(const tenyo_index *x, const tenyo_ctx *ctx,
                   const tenyo_idea *idea, const char *lang, const char **bt,
                   tenyo_phrase *ph, int *nph, const char **label, char *sent,
                   size_t sentlen) {
    int nb = tenyo_idea_bridge(ctx, idea, NBRIDGE, bt);
    if (nb < 0) nb = 0;
    *nph = tenyo_idea_phrases(ctx, idea, NPHRASE, ph);
    if (*nph < 0) *nph = 0;
    *label = tenyo_field_label(x, idea->code, lang);
    tenyo_doc_meta ev;
    /* the sentence quotes the best phrase written in its language (an
     * English sentence does not quote 「車両用」), and cites the patent the
     * phrase came from, else the best evidence */
    const tenyo_phrase *use = NULL;
    for (int i = 0; i < *nph && !use; i++) {
        int ascii = 1;
        for (const char *q = ph[i].text; *q && ascii; q++) ascii = (unsigned char)*q < 0x80;
        if (ascii == !strcmp(lang, "en")) use = &ph[i];
    }
    uint64_t evdoc = use ? use->doc : idea->nevidence ? idea->evidence[0].doc : UINT64_MAX;
    int hasev = evdoc != UINT64_MAX && tenyo_index_doc(x, evdoc, &ev) == TENYO_OK;
    sentence(sent, sentlen, lang, bt, nb, idea->code, *label, use, hasev ? &ev : NULL);
    return nb;
}

/* One proposal as JSON (the schema of README "ideas --json"). */
static json_t *idea_json(const tenyo_index *x, const tenyo_idea *idea, int rank,
                         const char *label, const char **bt, int nb,
                         const tenyo_phrase *ph, int nph, const char *sent) {
    json_t *it = json_object(), *b = json_array(), *e = json_array();
    json_object_set_new(it, "rank", json_integer(rank));
    json_object_set_new(it, "field", json_string(idea->code));
    json_object_set_new(it, "label", json_string(label));
    json_object_set_new(it, "label_ja", json_string(tenyo_field_label(x, idea->code, "ja")));
    json_object_set_new(it, "label_en", json_string(tenyo_field_label(x, idea->code, "en")));
    json_object_set_new(it, "score", json_real(idea->score));
    json_object_set_new(it, "relevance", json_real(idea->relevance));
    json_object_set_new(it, "surprise", json_real(idea->surprise));
    json_object_set_new(it, "expected", json_boolean(idea->expected));
    for (int k = 0; k < nb; k++) json_array_append_new(b, json_string(bt[k]));
    json_object_set_new(it, "bridge_terms", b);
    json_t *pa = json_array();
    for (int k = 0; k < nph; k++) json_array_append_new(pa, json_string(ph[k].text));
    json_object_set_new(it, "phrases", pa);
    for (int k = 0; k < idea->nevidence; k++) {
        tenyo_doc_meta dm;
        tenyo_index_doc(x, idea->evidence[k].doc, &dm);
        json_t *d = json_object();
        json_object_set_new(d, "id", json_string(dm.id));
        json_object_set_new(d, "title", json_string(dm.title));
        json_object_set_new(d, "similarity", json_real((double)idea->evidence[k].score));
        json_object_set_new(d, "open", json_boolean(dm.open));
        json_array_append_new(e, d);
    }
    json_object_set_new(it, "evidence", e);
    json_object_set_new(it, "idea", json_string(sent));
    return it;
}


/* {"query": {...}, "ideas": [...]} of ideas[0..got) just computed on ctx. */
static json_t *ideas_render(const tenyo_index *x, const tenyo_ctx *ctx, int64_t qdoc,
                            const char *text, size_t len, const tenyo_idea *ideas,
                            int got, const char *lang) {
    int predicted = 0;
    const char *home = tenyo_ctx_home(ctx, &predicted);
    json_t *o = json_object(), *q = json_object(), *arr = json_array();
    if (qdoc >= 0) {
        tenyo_doc_meta qm;
        tenyo_index_doc(x, (uint64_t)qdoc, &qm);
        json_object_set_new(q, "id", json_string(qm.id));
        json_object_set_new(q, "title", json_string(qm.title));
    } else if (text) {
        json_object_set_new(q, "text", json_stringn(text, len));
    }
    json_object_set_new(q, "home", cli_json_list(home));
    json_object_set_new(q, "home_predicted", json_boolean(predicted));
    json_object_set_new(q, "lang", json_string(lang));
    json_object_set_new(o, "query", q);
    for (int i = 0; i < got; i++) {
        const char *bt[NBRIDGE], *label;
        tenyo_phrase ph[NPHRASE];
        int nph;
        char sent[2048];
        int nb = explain(x, ctx, &ideas[i], lang, bt, ph, &nph, &label, sent, sizeof sent);
        json_array_append_new(arr, idea_json(x, &ideas[i], i + 1, label, bt, nb, ph, nph, sent));
    }
    json_object_set_new(o, "ideas", arr);
    return o;
}

json_t *cli_ideas_json(const tenyo_index *x, tenyo_ctx *ctx, int64_t qdoc,
                       const char *text, size_t len, const tenyo_ideas_opts *io,
                       size_t n, const char *lang, int *status) {
    tenyo_idea ideas[MAX_IDEAS];
    if (n > MAX_IDEAS) n = MAX_IDEAS;
    int got = qdoc >= 0 ? tenyo_ideas_doc(ctx, (uint64_t)qdoc, io, n, ideas)
                        : tenyo_ideas_text(ctx, text, len, io, n, ideas);
    *status = got < 0 ? got : TENYO_OK;
    if (got < 0) return NULL;
    return ideas_render(x, ctx, qdoc, text, len, ideas, got, lang);
}

/* Output formats of `ideas`. */
enum { OUT_REPORT, OUT_JSON, OUT_CSV };

/* String member of a JSON object, "" when absent. */
static const char *jstr(const json_t *o, const char *key) {
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

/* Join the strings of a JSON array (or one member of each object in it). */
static void jjoin(const json_t *a, const char *member, const char *sep,
                  char *out, size_t len) {
    size_t i, at = 0;
    json_t *v;
    out[0] = 0;
    json_array_foreach(a, i, v) {
        const char *t = member ? jstr(v, member) : json_string_value(v);
        if (!t) continue;
        int w = snprintf(out + at, len - at, "%s%s", at ? sep : "", t);
        if (w < 0 || (size_t)w >= len - at) break;
        at += (size_t)w;
    }
}

/* The readable report of one result object of cli_ideas_json. */
static void print_report(const json_t *o, const char *lang) {
    int ja = !strcmp(lang, "ja");
    const json_t *q = json_object_get(o, "query"), *arr = json_object_get(o, "ideas");
    char home[512];
    jjoin(json_object_get(q, "home"), NULL, ",", home, sizeof home);
    if (json_object_get(q, "id"))
        printf("転用候補 / ideas for %s  %s\n", jstr(q, "id"), jstr(q, "title"));
    else
        printf("転用候補 / ideas for the query text\n");
    printf("home fields: %s%s\n\n", home[0] ? home : "-",
           json_is_true(json_object_get(q, "home_predicted")) ? (ja ? "（推定）" : " (predicted)") : "");
    size_t i, k;
    json_t *it, *e;
    json_array_foreach(arr, i, it) {
        char list[1024];
        printf("%2d. %s %s   score %.3f  relevance %.3f  surprise %.2f%s\n", (int)i + 1,
               jstr(it, "field"), jstr(it, "label"),
               json_real_value(json_object_get(it, "score")),
               json_real_value(json_object_get(it, "relevance")),
               json_real_value(json_object_get(it, "surprise")),
               json_is_true(json_object_get(it, "expected")) ? "" : "  *");
        jjoin(json_object_get(it, "bridge_terms"), NULL, ", ", list, sizeof list);
        printf("    %s: %s\n", ja ? "橋渡し語" : "bridge terms", list);
        jjoin(json_object_get(it, "phrases"), NULL, ja ? "、" : "; ", list, sizeof list);
        if (list[0]) printf("    %s: %s\n", ja ? "用途表現" : "application phrases", list);
        printf("    %s:\n", ja ? "根拠特許" : "evidence");
        json_array_foreach(json_object_get(it, "evidence"), k, e)
            printf("      %.3f %s %s%s\n", json_real_value(json_object_get(e, "similarity")),
                   jstr(e, "id"), jstr(e, "title"),
                   json_is_true(json_object_get(e, "open")) ? "  [open]" : "");
        printf("    → %s\n\n", jstr(it, "idea"));
    }
    if (json_array_size(arr))
        printf("%s\n", ja ? "* = 共分類の統計だけでは提案されない分野"
                          : "* = a field co-classification statistics alone would not propose");
}

/* One CSV field (RFC 4180 quoting by libcsv), then a comma or newline. */
static void csv_field(const char *s, int last) {
    csv_fwrite(stdout, s, strlen(s));
    fputc(last ? '\n' : ',', stdout);
}

/* CSV rows (one per proposal; one row with the error for a failed batch
 * line) of one result object, after the header when header is set. */
static void print_csv(const json_t *o, int header) {
    static const char *cols[] = {"query", "home", "rank", "field", "label", "score",
                                 "relevance", "surprise", "expected", "bridge_terms",
                                 "phrases", "evidence", "idea", "error"};
    const int ncol = (int)(sizeof cols / sizeof cols[0]);
    if (header)
        for (int c = 0; c < ncol; c++) csv_field(cols[c], c == ncol - 1);
    const json_t *q = json_object_get(o, "query");
    char qid[256], home[512], num[64];
    snprintf(qid, sizeof qid, "%s", json_object_get(q, "id") ? jstr(q, "id") : "(text)");
    jjoin(json_object_get(q, "home"), NULL, ",", home, sizeof home);
    if (json_object_get(o, "error")) {
        csv_field(qid, 0);
        csv_field(home, 0);
        for (int c = 2; c < ncol - 1; c++) csv_field("", 0);
        csv_field(jstr(o, "error"), 1);
        return;
    }
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(o, "ideas"), i, it) {
        char list[2048];
        csv_field(qid, 0);
        csv_field(home, 0);
        snprintf(num, sizeof num, "%d", (int)i + 1), csv_field(num, 0);
        csv_field(jstr(it, "field"), 0);
        csv_field(jstr(it, "label"), 0);
        snprintf(num, sizeof num, "%.4f", json_real_value(json_object_get(it, "score"))), csv_field(num, 0);
        snprintf(num, sizeof num, "%.4f", json_real_value(json_object_get(it, "relevance"))), csv_field(num, 0);
        snprintf(num, sizeof num, "%.3f", json_real_value(json_object_get(it, "surprise"))), csv_field(num, 0);
        csv_field(json_is_true(json_object_get(it, "expected")) ? "1" : "0", 0);
        jjoin(json_object_get(it, "bridge_terms"), NULL, "; ", list, sizeof list), csv_field(list, 0);
        jjoin(json_object_get(it, "phrases"), NULL, "; ", list, sizeof list), csv_field(list, 0);
        jjoin(json_object_get(it, "evidence"), "id", "; ", list, sizeof list), csv_field(list, 0);
        csv_field(jstr(it, "idea"), 0);
        csv_field("", 1);
    }
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
    size_t nideas;          /* proposals per query */
    const char *lang;       /* language */
    int threads, tid;       /* layout */
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
        o = ideas_render(j->x, bc->ctx, bc->doc[i], NULL, 0, ideas, got, j->lang);
        json_t *q = json_object_get(o, "query");
        json_object_del(q, "title");
        if (b->id) json_object_set_new(q, "id", json_string(b->id));
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

/* A worker: its contiguous chunk of lines through tenyo_ideas_batch, so
 * that the chunk's queries share the LSA scan (one pass per block). */
static void *batch_worker(void *arg) {
    bjob *j = arg;
    size_t per = (j->n + (size_t)j->threads - 1) / (size_t)j->threads;
    size_t lo = (size_t)j->tid * per, hi = lo + per < j->n ? lo + per : j->n;
    if (lo >= hi) return NULL;
    tenyo_ctx *ctx = NULL;
    char err[512];
    if (tenyo_ctx_new(j->x, &ctx, err, sizeof err)) return NULL;
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
        int64_t d = b->text || !b->id ? -1 : tenyo_index_find(j->x, b->id);
        if (!b->text && d < 0) {
            json_t *q = json_object(), *o = json_object();
            snprintf(err, sizeof err, "no text and no indexed patent '%s'", b->id ? b->id : "");
            if (b->id) json_object_set_new(q, "id", json_string(b->id));
            json_object_set_new(q, "line", json_integer(b->line));
            json_object_set_new(o, "query", q);
            json_object_set_new(o, "error", json_string(err));
            b->out = o;
            b->status = EXIT_INPUT;
            continue;
        }
        tenyo_query *q = &qs[nq];
        q->doc = d;
        q->text = b->text;
        q->len = b->text ? strlen(b->text) : 0;
        if (b->homes && (hbuf[nq] = strdup(b->homes)) != NULL) {
            size_t nc = 1;
            for (const char *c = hbuf[nq]; *c; c++) nc += *c == ',' || *c == ' ';
            if (nc > 65) nc = 65; /* one more than the library takes: it says so */
            if ((homes[nq] = calloc(nc, sizeof **homes)) != NULL) {
                q->nhome = split_codes(hbuf[nq], homes[nq], nc);
                q->home = homes[nq];
            }
        }
        line[nq] = li;
        doc[nq] = d;
        nq++;
    }
    bctx bc = {j, ctx, line, doc};
    tenyo_ideas_batch(ctx, qs, nq, &j->io, j->nideas, batch_done, &bc);
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
    return NULL;
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
    }
    if (why) snprintf(msg, msglen, "%s", why);
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
                     size_t nideas, const char *lang, int csv, int *header) {
    int ec = EXIT_OK;
    int nt = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nt < 1) nt = 1;
    if (nt > 64) nt = 64;
    if ((size_t)nt > n) nt = n ? (int)n : 1;
    bjob jobs[64];
    pthread_t th[64];
    for (int t = 0; t < nt; t++) {
        jobs[t] = (bjob){x, lines, n, *io, nideas, lang, nt, t};
        pthread_create(&th[t], NULL, batch_worker, &jobs[t]);
    }
    for (int t = 0; t < nt; t++) pthread_join(th[t], NULL);
    for (size_t i = 0; i < n; i++) {
        if (lines[i].out && csv) {
            print_csv(lines[i].out, *header);
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
                     const char *lang, int csv) {
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        fprintf(stderr, "tenyo: %s: cannot open the batch file\n", path);
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
        if (got == 0 && !toolong) continue;
        if (++nq > BATCH_MAX_QUERIES) {
            fprintf(stderr, "tenyo: %s:%ld: more than %ld queries in one batch\n", path, ln,
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
            fprintf(stderr, "%s:%ld: %s\n", path, ln, msg);
            json_t *e = json_object(), *q = json_object();
            json_object_set_new(q, "line", json_integer(ln));
            json_object_set_new(e, "query", q);
            json_object_set_new(e, "error", json_string(msg));
            b->out = e;
            b->status = EXIT_INPUT;
        }
        if (n == BATCH_CHUNK) {
            int e = run_chunk(x, lines, n, io, nideas, lang, csv, &header);
            if (ec == EXIT_OK) ec = e;
            n = 0;
        }
    }
    if (lines && n) {
        int e = run_chunk(x, lines, n, io, nideas, lang, csv, &header);
        if (ec == EXIT_OK) ec = e;
    }
    free(buf);
    free(lines);
    if (f != stdin) fclose(f);
    return ec;
}

int cli_cmd_ideas(int argc, char **argv) {
    static const struct option lo[] = {
        {"text", required_argument, 0, 'T'}, {"file", required_argument, 0, 'F'},
        {"home", required_argument, 0, 'H'}, {"distance", required_argument, 0, 'D'},
        {"open-only", no_argument, 0, 'O'}, {"lang", required_argument, 0, 'L'},
        {"novelty", required_argument, 0, 'V'}, {"knn", required_argument, 0, 'K'},
        {"ipc-titles", required_argument, 0, 'I'}, {"batch", required_argument, 0, 'B'},
        {"mode", required_argument, 0, 'm'}, {"nprobe", required_argument, 0, 'P'},
        {"json", no_argument, 0, 'j'}, {"csv", no_argument, 0, 'C'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *titles[4];
    int ntitles = 0;
    const char *text = NULL, *file = NULL, *lang = "ja", *batch = NULL;
    char *homebuf = NULL;
    const char *homes[65]; /* one more than ideas take, so that too many is an error */
    tenyo_ideas_opts io;
    tenyo_ideas_opts_default(&io);
    long n = 10, nprobe = 0;
    int fmt = OUT_REPORT, c, bad = 0;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:m:jh", lo, NULL)) != -1) {
        switch (c) {
        case 'T': text = optarg; break;
        case 'F': file = optarg; break;
        case 'H':
            free(homebuf);
            homebuf = strdup(optarg);
            io.nhome = homebuf ? split_codes(homebuf, homes, 65) : 0;
            io.home = homes;
            if (!io.nhome) { fprintf(stderr, "tenyo: --home needs codes\n"); bad = 1; }
            break;
        case 'D':
            if (!strcmp(optarg, "section")) io.distance = TENYO_DIST_SECTION;
            else if (!strcmp(optarg, "class")) io.distance = TENYO_DIST_CLASS;
            else if (!strcmp(optarg, "subclass")) io.distance = TENYO_DIST_SUBCLASS;
            else { fprintf(stderr, "tenyo: --distance must be section, class or subclass\n"); bad = 1; }
            break;
        case 'O': io.open_only = 1; break;
        case 'L':
            if (strcmp(optarg, "ja") && strcmp(optarg, "en")) {
                fprintf(stderr, "tenyo: --lang must be ja or en\n");
                bad = 1;
            }
            lang = optarg;
            break;
        case 'V':
            io.novelty = strtod(optarg, &end);
            if (*end || io.novelty < 0 || io.novelty > 1) {
                fprintf(stderr, "tenyo: --novelty must be in [0, 1]\n");
                bad = 1;
            }
            break;
        case 'P':
            nprobe = strtol(optarg, &end, 10);
            if (*end || nprobe < 1 || nprobe > 1000000) {
                fprintf(stderr, "tenyo: --nprobe must be between 1 and 1000000\n");
                bad = 1;
            }
            break;
        case 'K':
            io.knn = (int)strtol(optarg, &end, 10);
            if (*end || io.knn < 1 || io.knn > 100000) {
                fprintf(stderr, "tenyo: --knn must be between 1 and 100000\n");
                bad = 1;
            }
            break;
        case 'n':
            n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > MAX_IDEAS) {
                fprintf(stderr, "tenyo: -n must be between 1 and %d\n", MAX_IDEAS);
                bad = 1;
            }
            break;
        case 'B': batch = optarg; break;
        case 'm':
            if (cli_parse_mode(optarg, &io.mode)) {
                fprintf(stderr, "tenyo: unknown mode '%s' (tfidf, lsa, hybrid)\n", optarg);
                bad = 1;
            }
            break;
        case 'I':
            if (ntitles < 4) titles[ntitles++] = optarg;
            break;
        case 'j': fmt = OUT_JSON; break;
        case 'C': fmt = OUT_CSV; break;
        case 'h': free(homebuf); fputs(ideas_usage, stdout); return EXIT_OK;
        default: bad = 1;
        }
    }
    int npos = argc - optind;
    int nq = (text != NULL) + (file != NULL) + (npos == 2) + (batch != NULL);
    if (bad || npos < 1 || npos > 2 || nq != 1) {
        if (!bad) fprintf(stderr, "tenyo ideas: give exactly one of ID, --text, --file, --batch\n");
        fputs(ideas_usage, stderr);
        free(homebuf);
        return EXIT_USAGE;
    }
    const char *path = argv[optind], *id = npos == 2 ? argv[optind + 1] : NULL;
    tenyo_index *x = NULL;
    tenyo_ctx *ctx = NULL;
    char err[512] = "", *buf = NULL;
    int ec = EXIT_OK;
    int rc = tenyo_index_open(path, &x, err, sizeof err);
    if (rc) {
        fprintf(stderr, "tenyo: %s\n", err);
        free(homebuf);
        return rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INDEX;
    }
    for (int i = 0; i < ntitles; i++) {
        rc = tenyo_index_load_titles(x, titles[i], err, sizeof err);
        if (rc) { fprintf(stderr, "tenyo: %s\n", err); ec = EXIT_INPUT; goto done; }
    }
    if (batch) {
        ec = run_batch(x, batch, &io, (size_t)n, lang, fmt == OUT_CSV);
        goto done;
    }
    rc = tenyo_ctx_new(x, &ctx, err, sizeof err);
    if (rc) { fprintf(stderr, "tenyo: %s\n", err); ec = EXIT_RESOURCE; goto done; }
    if (nprobe && tenyo_ctx_set_nprobe(ctx, (uint32_t)nprobe)) {
        fprintf(stderr, "tenyo: %s: %s\n", path, tenyo_ctx_error(ctx));
        ec = EXIT_USAGE;
        goto done;
    }
    int64_t qdoc = -1;
    size_t len = 0;
    ec = cli_resolve_query(x, path, id, file, &text, &len, &buf, &qdoc);
    if (ec) goto done;
    int st;
    json_t *o = cli_ideas_json(x, ctx, qdoc, text, len, &io, (size_t)n, lang, &st);
    if (!o) {
        fprintf(stderr, "tenyo: %s\n", tenyo_ctx_error(ctx));
        ec = st == TENYO_ERR_ARG ? EXIT_USAGE : cli_exit_code(st);
        goto done;
    }
    if (fmt == OUT_JSON) cli_print_json(o);
    else if (fmt == OUT_CSV) print_csv(o, 1);
    else print_report(o, lang);
    json_decref(o);
done:
    free(buf);
    free(homebuf);
    tenyo_ctx_free(ctx);
    tenyo_index_free(x);
    return ec;
}
