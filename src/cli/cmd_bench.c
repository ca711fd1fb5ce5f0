/*
 * cmd_bench.c — `tenyo bench`: query throughput, latency and recall of an
 * existing index, for the people who benchmark retrieval on large corpora.
 *
 * Workload: N indexed patents drawn with a seed (each queries with its own
 * vector, itself excluded from the answer, as `similar ID` does), or their
 * titles as short free-text queries (--titles), or one query text per line
 * of a file (--query-file). Settings: every mode asked (lsa, tfidf, hybrid
 * exact; ivf = LSA through the index's IVF lists at each nprobe of a sweep,
 * ivf-hybrid the hybrid mode so;
 * ideas; search = keyword search with the query's text as the keywords;
 * steer = the ideas list made again after one analyst's action)
 * times every thread count asked. Each thread has its own query context
 * (one thread per query: the thread count is the number of queries in
 * flight) and claims queries from a shared counter; every query is timed
 * alone (CLOCK_MONOTONIC), QPS is queries over the setting's wall time.
 *
 * Recall: for lsa, tfidf and hybrid the reference is the same mode scanned
 * exactly in float (--scan fp32, no IVF), computed once before the timed
 * runs; for ivf it is exact LSA, for ivf-hybrid exact hybrid. recall@k = the share of the reference's k
 * documents found in the answer (by document, so a tie at the k-th score
 * decided the other way counts as a miss: a floor); a text query without
 * any index term has no answer and no reference, and is counted apart
 * ("without index terms"), not as an error. The default scan of a
 * large index is int8 with float re-ranking, so even "exact" modes get a
 * measured recall. ideas, steer and search have no reference (their
 * answers are fields and keyword matches): their recall is left out.
 *
 * Steer: what the page and the CLI do after each of an analyst's actions.
 * Before the timed runs, each query's default list is made once (not
 * timed) and one action is drawn from it, in turn by query: strike the
 * first card's first bridge word, keep its field, reject its field, focus
 * on the query's first two sentences. Timed is the list made again with
 * that decision set on the context (tenyo_ctx_set_steer), as a server
 * answers the page's next request; the open of the index that the CLI
 * adds is bench/steer_cli.sh's to time.
 *
 * Output: one table row per setting on stdout as it completes (progress on
 * standard error while a setting runs, when it is a terminal); --json,
 * --csv and --svg write the same rows to files; the SVG plots recall@k
 * against QPS on a log scale, one line per mode and thread count, the
 * picture ann-benchmarks users read. The files are checked before any
 * work (bm_check_outputs, cli_output_check: never the index, the query
 * file or any index; another kind of file only with --force). Rejected: timing through a batch API
 * (tenyo_similar_batch) here: batches trade latency for throughput, and a
 * per-query latency is what the table reports; bench/ has the batch peers.
 *
 * Who calls whom: called by tenyo.c's table; calls help_ja.c, opts.c,
 * writer.c, views/safe.c, views/say.c and the library (tenyo.h).
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static const char *bench_usage =
    "usage: tenyo bench INDEX [options]\n"
    "Query throughput (QPS), latency (p50/p95/p99) and recall@k of an index.\n"
    "Workload (default: 1000 indexed patents drawn at random, each querying\n"
    "with its own vector):\n"
    "  -n, --queries N       number of queries drawn (default 1000, at most the index)\n"
    "      --titles          query with the drawn patents' titles as free text\n"
    "      --query-file FILE one query text per line (UTF-8) instead\n"
    "      --seed S          seed of the draw (default 1)\n"
    "Settings (every mode times every thread count):\n"
    "  -m, --modes LIST      lsa,tfidf,hybrid,ivf,ivf-hybrid,ideas,steer,search (default\n"
    "                        lsa,tfidf,hybrid, and ivf when the index has IVF lists);\n"
    "                        ivf-hybrid: the hybrid mode through the IVF lists; steer:\n"
    "                        the ideas list made again after one action (strike a\n"
    "                        word, keep or reject a field, focus on two sentences)\n"
    "      --nprobe LIST     IVF lists visited, swept (default 1,2,4,8,16,32,64)\n"
    "  -k N                  answers per query, and the k of recall@k (default 10)\n"
    "  -t, --threads LIST    queries in flight, one thread each (default 1)\n"
    "Output (a table on stdout; progress on stderr):\n"
    "      --json FILE       the results as one JSON object\n"
    "      --csv FILE        the results as CSV, one row per setting\n"
    "      --svg FILE        recall@k against QPS (log scale) as an SVG picture\n"
    "      --force           replace a file of another kind with them (never an\n"
    "                        index, an input or a locked file)\n"
    "  -q, --quiet           no progress\n"
    "Recall is against the exact answer (float scan, no IVF) of the same mode\n"
    "(ivf: of lsa; ivf-hybrid: of hybrid); ideas, steer and search have none.\n";

enum { BOPT_TITLES = 1000, BOPT_QFILE, BOPT_NPROBE, BOPT_JSON, BOPT_CSV, BOPT_SVG };

/* The settings' kinds. */
enum { BM_LSA, BM_TFIDF, BM_HYBRID, BM_IVF, BM_IDEAS, BM_SEARCH, BM_STEER, BM_IVFH, BM_NKINDS };
static const char *const bm_names[] = {"lsa",   "tfidf",  "hybrid", "ivf",       "ideas",
                                       "search", "steer", "ivf-hybrid", NULL};

/* The kinds swept over nprobe: LSA and hybrid through the IVF lists. */
static int bm_swept(int kind) { return kind == BM_IVF || kind == BM_IVFH; }

#define BM_MAX_LIST 64

/* One measured setting. */
typedef struct bm_row {
    int kind;           /* BM_* */
    uint32_t nprobe;    /* ivf: lists visited, else 0 */
    int threads;        /* queries in flight */
    size_t queries;     /* queries run */
    size_t errors;      /* queries that returned an error */
    size_t empty;       /* text queries without any index term (no
                           answer, not an error: `similar --text` exits 2) */
    double wall;        /* seconds for all of them */
    double p50, p95, p99, mean; /* latency, milliseconds */
    double recall;      /* mean recall@k, < 0 when there is no reference */
} bm_row;

/* The workload and the shared state of one timed run. */
typedef struct bm_run {
    const tenyo_index *x;
    tenyo_ctx **ctx;         /* one per thread */
    size_t nq;               /* queries */
    const int64_t *doc;      /* per query: indexed document, or -1 */
    char **text;             /* per query: text when doc < 0 */
    size_t k;
    int kind;
    tenyo_hit *hits;         /* nq x k answers (similar kinds) */
    int *got;                /* per query: answers, or a negative status */
    double *lat;             /* per query: seconds */
    atomic_size_t next;      /* next query to claim */
    atomic_size_t done;      /* queries finished */
    int progress;            /* worker 0 prints progress */
    const char *label;       /* the setting, for progress */
    tenyo_steer **steer;     /* steer: per query, its action (NULL: none) */
} bm_run;

static double bm_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static tenyo_mode bm_mode(int kind) {
    return kind == BM_TFIDF ? TENYO_MODE_TFIDF
           : kind == BM_HYBRID ? TENYO_MODE_HYBRID
           : kind == BM_LSA || kind == BM_IVF ? TENYO_MODE_LSA
                                               : TENYO_MODE_HYBRID;
}

/* One query i of r on context c: the answer count or a negative status. */
static int bm_query(bm_run *r, tenyo_ctx *c, size_t i, tenyo_idea *ideas) {
    tenyo_hit *h = r->hits + i * r->k;
    int64_t d = r->doc[i];
    const char *t = r->text[i];
    if (r->kind == BM_IDEAS || r->kind == BM_STEER) {
        tenyo_ideas_opts o;
        tenyo_ideas_opts_default(&o);
        size_t pool = tenyo_ideas_pool(&o, r->k); /* the list of k as `ideas` makes it */
        if (r->kind == BM_STEER) tenyo_ctx_set_steer(c, r->steer ? r->steer[i] : NULL);
        int rc = d >= 0 ? tenyo_ideas_doc(c, (uint64_t)d, &o, pool, ideas)
                        : tenyo_ideas_text(c, t, strlen(t), &o, pool, ideas);
        if (r->kind == BM_STEER) tenyo_ctx_set_steer(c, NULL);
        return rc;
    }
    if (r->kind == BM_SEARCH) {
        tenyo_filter *f = NULL;
        int rc = tenyo_filter_new(r->x, &f);
        if (!rc) rc = tenyo_filter_keywords(f, c, t);
        if (!rc) rc = tenyo_search(c, f, r->k, h);
        tenyo_filter_free(f);
        return rc == TENYO_ERR_EMPTY ? 0 : rc; /* a stop-word-only title: no answer */
    }
    tenyo_mode m = bm_mode(r->kind);
    return d >= 0 ? tenyo_similar_doc(c, (uint64_t)d, m, r->k, h)
                  : tenyo_similar_text(c, t, strlen(t), m, r->k, h);
}

/* Worker t: claim queries until none is left; worker 0 also reports
 * progress about twice a second. */
static int bm_worker(void *ud, int t, int nt) {
    (void)nt;
    bm_run *r = ud;
    tenyo_idea *ideas = calloc(r->k * TENYO_IDEAS_POOL, sizeof *ideas); /* the pool */
    if (!ideas) return TENYO_ERR_NOMEM;
    double last = bm_now();
    for (;;) {
        size_t i = atomic_fetch_add(&r->next, 1);
        if (i >= r->nq) break;
        double t0 = bm_now();
        r->got[i] = bm_query(r, r->ctx[t], i, ideas);
        double t1 = bm_now();
        r->lat[i] = t1 - t0;
        size_t done = atomic_fetch_add(&r->done, 1) + 1;
        if (t == 0 && r->progress && t1 - last > 0.5) {
            last = t1;
            fprintf(stderr, "\rtenyo bench: %s: %zu/%zu queries", r->label, done, r->nq);
            fflush(stderr);
        }
    }
    free(ideas);
    return 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of sorted v[n] (nearest rank). */
static double bm_pct(const double *v, size_t n, double q) {
    if (!n) return 0;
    size_t i = (size_t)ceil(q * (double)n);
    return v[i ? i - 1 : 0];
}

/* Recall@k of answers (got[i] hits at hits + i k) against ref. */
static double bm_recall(const bm_run *r, const tenyo_hit *ref, const int *refgot) {
    double sum = 0;
    size_t n = 0;
    for (size_t i = 0; i < r->nq; i++) {
        if (refgot[i] <= 0) continue;
        const tenyo_hit *a = r->hits + i * r->k, *e = ref + i * r->k;
        int found = 0, ga = r->got[i] > 0 ? r->got[i] : 0;
        for (int j = 0; j < refgot[i]; j++)
            for (int l = 0; l < ga; l++)
                if (a[l].doc == e[j].doc) { found++; break; }
        sum += (double)found / refgot[i];
        n++;
    }
    return n ? sum / (double)n : 1.0;
}

/* Parse a comma-separated list of numbers in [lo, hi] into v (at most
 * BM_MAX_LIST); the count, or -1 after a message. */
static int bm_numlist(const char *opt, const char *arg, long lo, long hi, long *v) {
    int n = 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", arg);
    for (char *s = strtok(buf, ","); s; s = strtok(NULL, ",")) {
        if (n == BM_MAX_LIST) {
            cli_err("%s: at most %d values\n", opt, BM_MAX_LIST);
            return -1;
        }
        if (cli_long(opt, s, lo, hi, &v[n])) return -1;
        n++;
    }
    if (!n) {
        cli_err("%s: no value\n", opt);
        return -1;
    }
    return n;
}

/* The query file's lines (blank lines skipped); 0, or an exit code after
 * a message naming the file and line. */
static int bm_read_queries(const char *path, char ***out, size_t *n) {
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        cli_err("%s: cannot open: %s\n", path, strerror(errno));
        return EXIT_INPUT;
    }
    char *line = NULL, **v = NULL;
    size_t cap = 0, nv = 0, vcap = 0;
    ssize_t len;
    long lineno = 0;
    int ec = EXIT_OK;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (!len) continue;
        if (memchr(line, 0, (size_t)len)) {
            cli_err("%s:%ld: a NUL byte in the query\n", path, lineno);
            ec = EXIT_INPUT;
            break;
        }
        if (nv == vcap) {
            vcap = vcap ? 2 * vcap : 256;
            char **nvp = realloc(v, vcap * sizeof *v);
            if (!nvp) { ec = EXIT_RESOURCE; break; }
            v = nvp;
        }
        if (!(v[nv] = strdup(line))) { ec = EXIT_RESOURCE; break; }
        nv++;
    }
    if (ec == EXIT_OK && ferror(f)) {
        cli_err("%s: cannot read: %s\n", path, strerror(errno));
        ec = EXIT_INPUT;
    }
    if (ec == EXIT_OK && !nv) {
        cli_err("%s: no query (one per line)\n", path);
        ec = EXIT_INPUT;
    }
    if (ec == EXIT_RESOURCE) cli_err("out of memory\n");
    free(line);
    if (f != stdin) fclose(f);
    if (ec) {
        for (size_t i = 0; i < nv; i++) free(v[i]);
        free(v);
        return ec;
    }
    *out = v;
    *n = nv;
    return EXIT_OK;
}

/* xorshift64*: the draw of the workload, the same on every machine. */
static uint64_t bm_rand(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1Dull;
}

/* ============================================================== output */

static const char *bm_label(const bm_row *w, char *buf, size_t n) {
    if (bm_swept(w->kind)) snprintf(buf, n, "%s nprobe=%u", bm_names[w->kind], w->nprobe);
    else snprintf(buf, n, "%s", bm_names[w->kind]);
    return buf;
}

static void bm_print_row(const bm_row *w, size_t k) {
    char l[48], rec[16];
    if (w->recall < 0) snprintf(rec, sizeof rec, "-");
    else snprintf(rec, sizeof rec, "%.3f", w->recall);
    printf("%-22s %7d %10.1f %9.3f %9.3f %9.3f %9s", bm_label(w, l, sizeof l), w->threads,
           w->wall > 0 ? (double)w->queries / w->wall : 0, w->p50, w->p95, w->p99, rec);
    if (w->empty) printf("  (%zu without index terms)", w->empty);
    if (w->errors) printf("  (%zu errors)", w->errors);
    printf("\n");
    (void)k;
    fflush(stdout);
}

static json_t *bm_json(const char *path, uint64_t ndocs, size_t k, size_t nq, const char *workload,
                       const bm_row *rows, size_t nrows) {
    struct utsname u;
    if (uname(&u)) snprintf(u.nodename, sizeof u.nodename, "?");
    json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:s, s:{s:s, s:I}, s:s}", "index", path,
                          "docs", (json_int_t)ndocs, "k", (json_int_t)k, "queries",
                          (json_int_t)nq, "workload", workload, "machine", "host",
                          u.nodename, "cores", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN),
                          "version", tenyo_version());
    json_t *a = json_array();
    for (size_t i = 0; i < nrows; i++) {
        const bm_row *w = rows + i;
        json_t *r = json_pack("{s:s, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f}", "mode",
                              bm_names[w->kind], "nprobe", (json_int_t)w->nprobe, "threads",
                              (json_int_t)w->threads, "queries", (json_int_t)w->queries,
                              "errors", (json_int_t)w->errors, "qps",
                              w->wall > 0 ? (double)w->queries / w->wall : 0.0, "p50_ms", w->p50,
                              "p95_ms", w->p95, "p99_ms", w->p99, "mean_ms", w->mean);
        json_object_set_new(r, "recall", w->recall < 0 ? json_null() : json_real(w->recall));
        json_object_set_new(r, "without_terms", json_integer((json_int_t)w->empty));
        json_array_append_new(a, r);
    }
    json_object_set_new(o, "results", a);
    return o;
}

static int bm_write_csv(FILE *f, size_t k, const bm_row *rows, size_t nrows) {
    fprintf(f, "mode,nprobe,threads,queries,errors,without_terms,qps,p50_ms,p95_ms,p99_ms,mean_ms,"
               "recall_at_%zu\n",
            k);
    for (size_t i = 0; i < nrows; i++) {
        const bm_row *w = rows + i;
        fprintf(f, "%s,%u,%d,%zu,%zu,%zu,%.2f,%.4f,%.4f,%.4f,%.4f,", bm_names[w->kind], w->nprobe,
                w->threads, w->queries, w->errors, w->empty,
                w->wall > 0 ? (double)w->queries / w->wall : 0, w->p50, w->p95, w->p99, w->mean);
        if (w->recall >= 0) fprintf(f, "%.4f", w->recall);
        fprintf(f, "\n");
    }
    return ferror(f) ? -1 : 0;
}

/* s with &, <, >, " escaped for XML. */
static void bm_xml(FILE *f, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* v with a comma between groups of three digits ("1,000,000"). */
static const char *bm_commas(uint64_t v, char *buf, size_t n) {
    char d[24];
    int len = snprintf(d, sizeof d, "%llu", (unsigned long long)v), o = 0;
    for (int i = 0; i < len && o + 2 < (int)n; i++) {
        if (i && (len - i) % 3 == 0) buf[o++] = ',';
        buf[o++] = d[i];
    }
    buf[o] = 0;
    return buf;
}

/* Under the legend from y, in the width w left of the picture: the
 * settings without recall (ideas, search), which have no place on the
 * recall axis, named with their QPS (whole, with thousands commas; one
 * decimal below 10); a line too long for w (about 6.6 px a character at
 * 12 px) puts the QPS on a line of its own. */
static void bm_svg_unplotted(FILE *f, double x, double y, double w, const bm_row *rows,
                             size_t nrows) {
    int first = 1;
    for (size_t i = 0; i < nrows; i++) {
        const bm_row *r = rows + i;
        if (r->recall >= 0) continue;
        if (first)
            fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" fill=\"#555\">no recall, not drawn:</text>\n",
                    x, y);
        first = 0;
        char l[48], name[96], qps[40];
        double q = r->wall > 0 ? (double)r->queries / r->wall : 0;
        if (q >= 10)
            bm_commas((uint64_t)(q + 0.5), qps, sizeof qps);
        else
            snprintf(qps, sizeof qps, "%.1f", q);
        snprintf(name, sizeof name, "%s, %d thread%s:", bm_label(r, l, sizeof l), r->threads,
                 r->threads == 1 ? "" : "s");
        int split = (strlen(name) + strlen(qps) + 5) * 6.6 > w;
        y += 16;
        fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" fill=\"#555\">", x, y);
        bm_xml(f, name);
        if (split) {
            y += 14;
            fprintf(f, "</text>\n<text x=\"%.0f\" y=\"%.0f\" fill=\"#555\">", x + 10, y);
        } else {
            fputc(' ', f);
        }
        fprintf(f, "%s QPS</text>\n", qps);
    }
}

/* 1 when boxes a and b (x0, y0, x1, y1) overlap. */
static int bm_box_hit(const double *a, const double *b) {
    return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/* The nprobe label of the point at (x, y): above right of it, else
 * wherever it overlaps nothing placed before (boxes[0..*n): every point of
 * the picture, then the labels placed) — above left, below right, below
 * left — and left out (the point's tooltip still says it) where all four
 * would, so that the close points of the high-recall end stay readable. */
static void bm_svg_label(FILE *f, double x, double y, const char *col, unsigned nprobe,
                         double (*boxes)[4], size_t *n, size_t cap) {
    char t[16];
    int len = snprintf(t, sizeof t, "%u", nprobe);
    double w = 6.2 * len, h = 10;
    static const double dx[4] = {5, -5, 5, -5}, dy[4] = {-5, -5, 14, 14};
    for (int c = 0; c < 4; c++) {
        double lx = dx[c] > 0 ? x + dx[c] : x + dx[c] - w;
        double box[4] = {lx, y + dy[c] - h, lx + w, y + dy[c]};
        int hit = 0;
        for (size_t i = 0; i < *n && !hit; i++) hit = bm_box_hit(box, boxes[i]);
        if (hit) continue;
        if (*n < cap) memcpy(boxes[(*n)++], box, sizeof box);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"%s\"%s>%s</text>\n",
                x + dx[c], y + dy[c], col, dx[c] < 0 ? " text-anchor=\"end\"" : "", t);
        return;
    }
}

/* Recall (x) against QPS (y, log scale): one series per (mode, threads),
 * the IVF sweep as a line through its nprobe points. Settings without
 * recall are named under the legend with their QPS. */
static int bm_write_svg(FILE *f, const char *path, uint64_t ndocs, size_t k, const bm_row *rows,
                        size_t nrows) {
    static const char *const colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                         "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
    const double W = 760, H = 500, L = 80, R = 200, T = 50, B = 60;
    double rmin = 1, qmin = 1e300, qmax = 0;
    for (size_t i = 0; i < nrows; i++) {
        const bm_row *w = rows + i;
        double q = w->wall > 0 ? (double)w->queries / w->wall : 0;
        if (w->recall < 0 || q <= 0) continue;
        if (w->recall < rmin) rmin = w->recall;
        if (q < qmin) qmin = q;
        if (q > qmax) qmax = q;
    }
    if (qmax <= 0) qmin = 1, qmax = 10;
    double x0 = floor(rmin * 10 - 1e-9) / 10;
    if (x0 > 0.9) x0 = 0.9;
    if (x0 < 0) x0 = 0;
    double y0 = floor(log10(qmin * 0.8)), y1 = ceil(log10(qmax * 1.25));
    if (y1 <= y0) y1 = y0 + 1;
    double x1 = 1.0 + (1.0 - x0) * 0.03; /* room for the points at recall 1 */
#define BX(r) (L + ((r) - x0) / (x1 - x0) * (W - L - R))
#define BY(q) (H - B - (log10(q) - y0) / (y1 - y0) * (H - T - B))
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n",
            W, H, W, H);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    const char *base = strrchr(path, '/');
    fprintf(f, "<text x=\"%.0f\" y=\"24\" font-size=\"15\">tenyo bench ", L);
    bm_xml(f, base && base[1] ? base + 1 : path);
    char num[32];
    fprintf(f, ": %s documents, k %zu</text>\n", bm_commas(ndocs, num, sizeof num), k);
    /* grid and ticks: recall at round steps */
    double step = 1.0 - x0 > 0.5 ? 0.1 : 1.0 - x0 > 0.2 ? 0.05 : 0.02;
    for (int i = 0; x0 + i * step <= 1.0 + 1e-9; i++) {
        double r = x0 + i * step;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#ddd\"/>\n",
                BX(r), T, BX(r), H - B);
        fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%.2f</text>\n", BX(r),
                H - B + 16, r);
    }
    for (double e = y0; e <= y1 + 1e-9; e++)
        for (int m = 1; m < 10; m++) {
            double q = pow(10, e) * m;
            if (log10(q) > y1 + 1e-9) break;
            fprintf(f, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
                    L, BY(q), W - R, BY(q), m == 1 ? "#bbb" : "#eee");
            if (m != 1) continue;
            if (q >= 1) bm_commas((uint64_t)(q + 0.5), num, sizeof num); /* not 1e+06 */
            else snprintf(num, sizeof num, "%g", q);
            fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", L - 6,
                    BY(q) + 4, num);
        }
    fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
               "stroke=\"black\"/>\n",
            L, T, W - L - R, H - T - B);
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">recall@%zu</text>\n",
            (L + W - R) / 2, H - 18, k);
    fprintf(f, "<text transform=\"translate(20 %.0f) rotate(-90)\" text-anchor=\"middle\">"
               "queries per second (log scale)</text>\n",
            (T + H - B) / 2);
    /* every point's box first, the labels kept off them (and each other) */
    double (*boxes)[4] = malloc((2 * nrows + 1) * sizeof *boxes);
    size_t nbox = 0, cap = boxes ? 2 * nrows + 1 : 0;
    for (size_t i = 0; i < nrows && boxes; i++)
        if (rows[i].recall >= 0 && rows[i].wall > 0) {
            double cx = BX(rows[i].recall), cy = BY((double)rows[i].queries / rows[i].wall);
            double d[4] = {cx - 4, cy - 4, cx + 4, cy + 4};
            memcpy(boxes[nbox++], d, sizeof d);
        }
    /* series: rows of one (kind class, threads) in order */
    int series = 0;
    for (size_t i = 0; i < nrows; i++) {
        const bm_row *w = rows + i;
        if (w->recall < 0) continue;
        int seen = 0; /* drawn with an earlier row's series */
        for (size_t j = 0; j < i; j++)
            if (rows[j].kind == w->kind && rows[j].threads == w->threads) seen = 1;
        if (seen) continue;
        const char *col = colors[series % 8];
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", col);
        for (size_t j = i; j < nrows; j++)
            if (rows[j].kind == w->kind && rows[j].threads == w->threads && rows[j].wall > 0)
                fprintf(f, "%.1f,%.1f ", BX(rows[j].recall),
                        BY((double)rows[j].queries / rows[j].wall));
        fprintf(f, "\"/>\n");
        for (size_t j = i; j < nrows; j++)
            if (rows[j].kind == w->kind && rows[j].threads == w->threads && rows[j].wall > 0) {
                double q = (double)rows[j].queries / rows[j].wall;
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>",
                        BX(rows[j].recall), BY(q), col);
                char l[48];
                fprintf(f, "%s, %d thread%s: %.1f QPS, recall %.3f", bm_label(rows + j, l, sizeof l),
                        rows[j].threads, rows[j].threads == 1 ? "" : "s", q, rows[j].recall);
                fprintf(f, "</title></circle>\n");
                if (bm_swept(rows[j].kind))
                    bm_svg_label(f, BX(rows[j].recall), BY(q), col, rows[j].nprobe, boxes, &nbox, cap);
            }
        double ly = T + 16 + 20 * series;
        fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" "
                   "stroke-width=\"2\"/>\n",
                W - R + 14, ly - 4, W - R + 40, ly - 4, col);
        fprintf(f, "<text x=\"%.0f\" y=\"%.0f\">%s%s, %d thread%s</text>\n", W - R + 46, ly,
                bm_names[w->kind], bm_swept(w->kind) ? " (nprobe)" : "", w->threads,
                w->threads == 1 ? "" : "s");
        series++;
    }
    bm_svg_unplotted(f, W - R + 14, T + 16 + 20 * series + 10, R - 18, rows, nrows);
    free(boxes);
    fprintf(f, "</svg>\n");
#undef BX
#undef BY
    return ferror(f) ? -1 : 0;
}

/* Write to path through fn; 0, or -1 after a message. */
static int bm_save(const char *path, int (*fn)(FILE *, void *), void *ud) {
    FILE *f = fopen(path, "w");
    if (!f) {
        cli_err("%s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = fn(f, ud);
    if (fclose(f) || rc) {
        cli_err("%s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

typedef struct bm_out {
    const char *path;
    uint64_t ndocs;
    size_t k, nq;
    const char *workload;
    const bm_row *rows;
    size_t nrows;
} bm_out;

static int bm_save_json(FILE *f, void *ud) {
    bm_out *o = ud;
    json_t *j = bm_json(o->path, o->ndocs, o->k, o->nq, o->workload, o->rows, o->nrows);
    int rc = j ? json_dumpf(j, f, JSON_INDENT(1)) : -1;
    fputc('\n', f);
    json_decref(j);
    return rc;
}
static int bm_save_csv(FILE *f, void *ud) {
    bm_out *o = ud;
    return bm_write_csv(f, o->k, o->rows, o->nrows);
}
static int bm_save_svg(FILE *f, void *ud) {
    bm_out *o = ud;
    return bm_write_svg(f, o->path, o->ndocs, o->k, o->rows, o->nrows);
}

/* The options of one `tenyo bench` run. */
typedef struct bm_args {
    const char *path;          /* INDEX */
    long nqa, k;               /* --queries, -k */
    long threads[BM_MAX_LIST], nprobes[BM_MAX_LIST]; /* --threads, --nprobe */
    int nthreads, nnprobe;     /* entries in them (nprobes: 0 for the default) */
    int kinds[BM_NKINDS], nkinds; /* --modes (0: the default) */
    int titles, quiet, force;  /* --titles, --quiet, --force */
    unsigned long long seed;   /* --seed */
    const char *qfile, *json_path, *csv_path, *svg_path;
} bm_args;

/* The workload and the buffers of a run, freed by bm_free. */
typedef struct bm_state {
    size_t nq, nrows;          /* queries; rows measured */
    int maxt;                  /* the most threads of a setting */
    int64_t *doc;              /* per query: indexed document, or -1 */
    char **text;               /* per query: its text */
    uint32_t *perm;            /* the draw's permutation of the documents */
    tenyo_ctx **ctx;           /* maxt contexts */
    tenyo_hit *hits, *ref;     /* nq x k answers, and the exact ones */
    int *got, *refgot;         /* per query: their counts or statuses */
    double *lat, *sorted;      /* per query: seconds; milliseconds sorted */
    bm_row *rows;              /* one per setting */
    tenyo_steer **steer;       /* steer: per query, its action */
} bm_state;

/* --modes LIST into a->kinds: 0, or 1 after a message. */
static int bm_modes_opt(const char *arg, bm_args *a) {
    char buf[256];
    int bad = 0;
    snprintf(buf, sizeof buf, "%s", arg);
    a->nkinds = 0;
    for (char *s = strtok(buf, ","); s && !bad; s = strtok(NULL, ",")) {
        int i = cli_choice("--modes", s, bm_names);
        if (i < 0) bad = 1;
        else if (a->nkinds < BM_NKINDS) a->kinds[a->nkinds++] = i;
    }
    if (!bad && !a->nkinds) { /* "," or "": not the default modes in silence */
        cli_err("--modes '%s' names no mode: give one or more of lsa, tfidf, hybrid, ivf, "
                "ivf-hybrid, ideas, steer, search (comma-separated)\n", arg);
        bad = 1;
    }
    return bad;
}

/* Reads the options into *a: -1 to go on, else the exit code (help or a
 * usage error). */
static int bm_parse(int argc, char **argv, bm_args *a) {
    static const struct option lo[] = {
        {"queries", required_argument, 0, 'n'}, {"titles", no_argument, 0, BOPT_TITLES},
        {"query-file", required_argument, 0, BOPT_QFILE}, {"seed", required_argument, 0, OPT_SEED},
        {"modes", required_argument, 0, 'm'}, {"nprobe", required_argument, 0, BOPT_NPROBE},
        {"threads", required_argument, 0, 't'}, {"json", required_argument, 0, BOPT_JSON},
        {"csv", required_argument, 0, BOPT_CSV}, {"svg", required_argument, 0, BOPT_SVG},
        {"force", no_argument, 0, OPT_FORCE},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c, bad = 0;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "n:m:k:t:qh", lo)) != -1) {
        switch (c) {
        case 'n': bad |= cli_long("--queries", optarg, 1, 10000000, &a->nqa) != 0; break;
        case BOPT_TITLES: a->titles = 1; break;
        case BOPT_QFILE: a->qfile = optarg; break;
        case OPT_SEED: bad |= cli_u64("--seed", optarg, &a->seed) != 0; break;
        case 'm': bad |= bm_modes_opt(optarg, a); break;
        case BOPT_NPROBE:
            a->nnprobe = bm_numlist("--nprobe", optarg, 1, 1000000, a->nprobes);
            bad |= a->nnprobe < 0;
            break;
        case 'k': bad |= cli_long("-k", optarg, 1, 1000, &a->k) != 0; break;
        case 't':
            a->nthreads = bm_numlist("--threads", optarg, 1, 256, a->threads);
            bad |= a->nthreads < 0;
            break;
        case BOPT_JSON: a->json_path = optarg; break;
        case BOPT_CSV: a->csv_path = optarg; break;
        case BOPT_SVG: a->svg_path = optarg; break;
        case 'q': a->quiet = 1; break;
        case OPT_FORCE: a->force = 1; break;
        case 'h': return cli_help(bench_usage);
        default: bad = 1;
        }
    }
    if (bad || argc - optind != 1 || (a->titles && a->qfile)) {
        if (!bad)
            cli_err(argc - optind < 1 ? "no INDEX\n"
                    : a->titles && a->qfile ? "give --titles or --query-file, not both\n"
                                            : "one INDEX only\n");
        return cli_usage_error(bench_usage);
    }
    a->path = argv[optind];
    return -1;
}

/* The output files, before any work: none an input (the index, the query
 * file), an index or locked, of another kind only with --force, no two
 * the same. EXIT_OK, else the exit code after a message. */
static int bm_check_outputs(const bm_args *a) {
    const char *in[] = {a->path, a->qfile};
    const char *opt[] = {"--json", "--csv", "--svg"};
    const char *out[] = {a->json_path, a->csv_path, a->svg_path};
    /* the first bytes of each as bench writes it (bm_save_json, _csv, _svg) */
    static const char *const own[] = {"{\n \"index\": ", "mode,nprobe,threads,",
                                      "<svg xmlns=\"http://www.w3.org/2000/svg\""};
    for (int i = 0; i < 3; i++) {
        if (!out[i]) continue;
        for (int j = 0; j < i; j++)
            if (out[j] && !strcmp(out[i], out[j])) {
                cli_err("%s %s: also the file of %s; nothing written\n", opt[i],
                        cli_safe(out[i]), opt[j]);
                return EXIT_USAGE;
            }
        int ec = cli_output_check(opt[i], out[i], in, 2, own[i], a->force);
        if (ec) return ec;
    }
    return EXIT_OK;
}

/* The workload into s->doc and s->text: the query file's lines, or nq
 * documents drawn with the seed (a partial Fisher-Yates shuffle) with their
 * titles. 0, or the exit code (its message printed; -1: out of memory). */
static int bm_workload(const bm_args *a, const tenyo_index *x, bm_state *s) {
    uint64_t ndocs = tenyo_index_ndocs(x);
    if (a->qfile) {
        int ec = bm_read_queries(a->qfile, &s->text, &s->nq);
        if (ec) return ec;
        if (!(s->doc = malloc(s->nq * sizeof *s->doc))) return -1;
        for (size_t i = 0; i < s->nq; i++) s->doc[i] = -1;
        return 0;
    }
    if (!ndocs) {
        cli_err("%s: the index holds no document to query with\n", a->path);
        return EXIT_INDEX;
    }
    size_t nq = s->nq = (uint64_t)a->nqa < ndocs ? (size_t)a->nqa : (size_t)ndocs;
    uint32_t *perm = s->perm = malloc(ndocs * sizeof *perm);
    s->doc = malloc(nq * sizeof *s->doc);
    s->text = calloc(nq, sizeof *s->text);
    if (!perm || !s->doc || !s->text) return -1;
    for (uint64_t i = 0; i < ndocs; i++) perm[i] = (uint32_t)i;
    uint64_t sd = a->seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    for (size_t i = 0; i < nq; i++) {
        uint64_t j = i + bm_rand(&sd) % (ndocs - i);
        uint32_t tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
        s->doc[i] = perm[i];
        tenyo_doc_meta m;
        if (tenyo_index_doc(x, perm[i], &m) == 0 && !(s->text[i] = strdup(m.title ? m.title : "")))
            return -1;
        if (!s->text[i] && !(s->text[i] = strdup(""))) return -1;
        if (a->titles) s->doc[i] = -1;
    }
    return 0;
}

/* The buffers of the timed runs, the index warmed and one single-threaded
 * context per thread: 0, or the exit code (its message printed; -1: out of
 * memory). */
static int bm_prepare(const bm_args *a, tenyo_index *x, bm_state *s) {
    size_t nq = s->nq, k = (size_t)a->k;
    char err[512] = "";
    s->ctx = calloc((size_t)s->maxt, sizeof *s->ctx);
    s->hits = calloc(nq * k, sizeof *s->hits);
    s->ref = calloc(nq * k, sizeof *s->ref);
    s->got = calloc(nq, sizeof *s->got);
    s->refgot = calloc(nq, sizeof *s->refgot);
    s->lat = calloc(nq, sizeof *s->lat);
    s->sorted = calloc(nq, sizeof *s->sorted);
    size_t settings = 0; /* a swept kind gives a row per nprobe */
    for (int i = 0; i < a->nkinds; i++) settings += bm_swept(a->kinds[i]) ? (size_t)a->nnprobe : 1;
    s->rows = calloc((size_t)a->nthreads * settings, sizeof *s->rows);
    if (!s->ctx || !s->hits || !s->ref || !s->got || !s->refgot || !s->lat || !s->sorted ||
        !s->rows)
        return -1;
    if (tenyo_index_warm(x, err, sizeof err)) {
        cli_err("%s\n", err);
        return EXIT_INDEX;
    }
    tenyo_set_blas_threads(1);
    for (int t = 0; t < s->maxt; t++) {
        if (tenyo_ctx_new(x, &s->ctx[t], err, sizeof err)) {
            cli_err("%s\n", err);
            return EXIT_RESOURCE;
        }
        tenyo_ctx_set_threads(s->ctx[t], 1);
    }
    return 0;
}

/* The exact answers of r's kind (ivf: of lsa, ivf-hybrid: of hybrid) into s->ref and s->refgot:
 * float scan, no IVF, one context. */
static void bm_reference(const bm_args *a, bm_state *s, bm_run *r) {
    int kind = r->kind;
    r->kind = kind == BM_IVF ? BM_LSA : kind == BM_IVFH ? BM_HYBRID : kind;
    tenyo_ctx_set_scan(s->ctx[0], TENYO_SCAN_FP32);
    tenyo_ctx_set_nprobe(s->ctx[0], 0);
    if (!a->quiet) fprintf(stderr, "tenyo bench: exact answers for %s...\n", bm_names[r->kind]);
    for (size_t i = 0; i < s->nq; i++) s->refgot[i] = bm_query(r, s->ctx[0], i, NULL);
    tenyo_ctx_set_scan(s->ctx[0], TENYO_SCAN_AUTO);
    r->kind = kind;
}

/* One setting, timed: the next row of s (w's kind, nprobe and threads
 * set) filled and printed. 0, or the exit code after a message. */
static int bm_measure(const bm_args *a, bm_state *s, bm_run *r, bm_row *w, int has_ref,
                      int progress) {
    size_t nq = s->nq;
    char label[64];
    bm_label(w, label, sizeof label);
    r->hits = s->hits;
    r->got = s->got;
    r->progress = progress;
    r->label = label;
    atomic_store(&r->next, 0);
    atomic_store(&r->done, 0);
    double t0 = bm_now();
    int rc = tenyo_parallel(w->threads, bm_worker, r);
    w->wall = bm_now() - t0;
    if (progress) fprintf(stderr, "\r\033[K");
    if (rc) {
        cli_err("%s\n", tenyo_strerror(rc));
        return cli_exit_code(rc);
    }
    w->queries = nq;
    double sum = 0;
    for (size_t i = 0; i < nq; i++) {
        s->sorted[i] = s->lat[i] * 1e3;
        sum += s->sorted[i];
        if (s->got[i] == TENYO_ERR_EMPTY) w->empty++;
        else if (s->got[i] < 0) w->errors++;
    }
    qsort(s->sorted, nq, sizeof *s->sorted, cmp_double);
    w->p50 = bm_pct(s->sorted, nq, 0.50);
    w->p95 = bm_pct(s->sorted, nq, 0.95);
    w->p99 = bm_pct(s->sorted, nq, 0.99);
    w->mean = sum / (double)nq;
    w->recall = has_ref ? bm_recall(r, s->ref, s->refgot) : -1;
    bm_print_row(w, (size_t)a->k);
    if (w->errors && !a->quiet) {
        for (size_t i = 0; i < nq; i++)
            if (s->got[i] < 0 && s->got[i] != TENYO_ERR_EMPTY) {
                cli_err("%s: first failed query (#%zu): %s\n", label, i + 1,
                        tenyo_strerror(s->got[i]));
                break;
            }
    }
    return 0;
}

/* The steer setting's actions: each query's default list made once on
 * the first context, and one action drawn from it by the query's number
 * (strike the first card's first bridge word, keep its field, reject it,
 * focus on sentences 1-2). 0, or -1 out of memory. */
static int bm_steer_prepare(const bm_args *a, bm_state *s) {
    if (s->steer) return 0;
    s->steer = calloc(s->nq ? s->nq : 1, sizeof *s->steer);
    tenyo_idea *ideas = calloc((size_t)a->k, sizeof *ideas);
    if (!s->steer || !ideas) {
        free(ideas);
        return -1;
    }
    if (!a->quiet) fprintf(stderr, "tenyo bench: default lists for steer...\n");
    tenyo_ctx *c = s->ctx[0];
    tenyo_ideas_opts o;
    tenyo_ideas_opts_default(&o);
    for (size_t i = 0; i < s->nq; i++) {
        int64_t d = s->doc[i];
        const char *t = s->text[i];
        int n = d >= 0 ? tenyo_ideas_doc(c, (uint64_t)d, &o, (size_t)a->k, ideas)
                       : tenyo_ideas_text(c, t, strlen(t), &o, (size_t)a->k, ideas);
        if (n <= 0) continue;
        const char *w[1] = {NULL};
        int nb = tenyo_idea_bridge(c, &ideas[0], 1, w);
        tenyo_steer *st = NULL;
        if (tenyo_steer_new(&st)) break;
        int rc;
        switch (i % 4) {
        case 0: rc = nb > 0 ? tenyo_steer_strike(st, w[0]) : tenyo_steer_keep(st, ideas[0].code); break;
        case 1: rc = tenyo_steer_keep(st, ideas[0].code); break;
        case 2: rc = tenyo_steer_reject(st, ideas[0].code); break;
        default: rc = tenyo_steer_focus(st, "1,2"); break;
        }
        if (rc) {
            tenyo_steer_free(st);
            continue;
        }
        s->steer[i] = st;
    }
    free(ideas);
    return 0;
}

/* Every setting: each mode (ivf and ivf-hybrid at each nprobe, no more than the index's
 * NLISTS) times each thread count, after the mode's exact answers. 0, or
 * the exit code after a message. */
static int bm_settings(const bm_args *a, const tenyo_index *x, bm_state *s, uint32_t nlists) {
    int progress = !a->quiet && isatty(2);
    for (int ki = 0; ki < a->nkinds; ki++) {
        int kind = a->kinds[ki];
        int has_ref = kind != BM_IDEAS && kind != BM_SEARCH && kind != BM_STEER;
        if (kind == BM_STEER && bm_steer_prepare(a, s)) return -1;
        bm_run r = {x, s->ctx, s->nq, s->doc, s->text, (size_t)a->k, kind, s->ref, s->refgot,
                    s->lat, 0, 0, 0, "", s->steer};
        if (has_ref) bm_reference(a, s, &r);
        int nsweep = bm_swept(kind) ? a->nnprobe : 1;
        for (int pi = 0; pi < nsweep; pi++) {
            uint32_t np = bm_swept(kind) ? (uint32_t)a->nprobes[pi] : 0;
            if (bm_swept(kind) && np > nlists) np = nlists;
            for (int t = 0; t < s->maxt; t++) tenyo_ctx_set_nprobe(s->ctx[t], np);
            for (int ti = 0; ti < a->nthreads; ti++) {
                bm_row *w = s->rows + s->nrows++;
                w->kind = kind;
                w->nprobe = np;
                w->threads = (int)a->threads[ti];
                int ec = bm_measure(a, s, &r, w, has_ref, progress);
                if (ec) return ec;
            }
        }
        for (int t = 0; t < s->maxt; t++) tenyo_ctx_set_nprobe(s->ctx[t], 0);
    }
    return 0;
}

static void bm_free(bm_state *s) {
    if (s->ctx)
        for (int t = 0; t < s->maxt; t++) tenyo_ctx_free(s->ctx[t]);
    free(s->ctx);
    if (s->text)
        for (size_t i = 0; i < s->nq; i++) free(s->text[i]);
    free(s->text);
    free(s->doc);
    free(s->perm);
    free(s->hits);
    free(s->ref);
    free(s->got);
    free(s->refgot);
    free(s->lat);
    free(s->sorted);
    free(s->rows);
    if (s->steer)
        for (size_t i = 0; i < s->nq; i++) tenyo_steer_free(s->steer[i]);
    free(s->steer);
}

/* The rows to --json, --csv and --svg: EXIT_OK, or EXIT_RESOURCE when one
 * could not be written. */
static int bm_write_files(const bm_args *a, uint64_t ndocs, const bm_state *s) {
    int ec = EXIT_OK;
    bm_out o = {a->path, ndocs, (size_t)a->k, s->nq,
                a->qfile ? "query file" : a->titles ? "titles" : "patents", s->rows, s->nrows};
    if (a->json_path && bm_save(a->json_path, bm_save_json, &o)) ec = EXIT_RESOURCE;
    if (a->csv_path && bm_save(a->csv_path, bm_save_csv, &o)) ec = EXIT_RESOURCE;
    if (a->svg_path && bm_save(a->svg_path, bm_save_svg, &o)) ec = EXIT_RESOURCE;
    return ec;
}

int cli_cmd_bench(int argc, char **argv) {
    bm_args a = {.nqa = 1000, .k = 10, .threads = {1}, .nthreads = 1, .seed = 1};
    int ec = bm_parse(argc, argv, &a);
    if (ec >= 0) return ec;
    if ((ec = bm_check_outputs(&a))) return ec;
    tenyo_index *x = cli_open_index(a.path, &ec);
    if (!x) return ec;
    uint64_t ndocs = tenyo_index_ndocs(x);
    uint32_t nlists = tenyo_index_ivf_lists(x);
    if (!a.nkinds) {
        a.kinds[a.nkinds++] = BM_LSA;
        a.kinds[a.nkinds++] = BM_TFIDF;
        a.kinds[a.nkinds++] = BM_HYBRID;
        if (nlists) a.kinds[a.nkinds++] = BM_IVF;
    }
    if (!a.nnprobe) {
        for (long p = 1; p <= 64; p *= 2) a.nprobes[a.nnprobe++] = p;
    }
    bm_state s = {.maxt = 1};
    for (int i = 0; i < a.nthreads; i++)
        if (a.threads[i] > s.maxt) s.maxt = (int)a.threads[i];
    for (int i = 0; i < a.nkinds; i++)
        if (bm_swept(a.kinds[i]) && !nlists) {
            cli_err("%s: mode %s: the index has no IVF lists (build it with index --ivf)\n",
                    a.path, bm_names[a.kinds[i]]);
            ec = EXIT_USAGE;
            goto done;
        }
    if ((ec = bm_workload(&a, x, &s)) || (ec = bm_prepare(&a, x, &s))) goto done;
    printf("# tenyo bench %s: %llu documents, %zu queries (%s), k %ld\n", a.path,
           (unsigned long long)ndocs, s.nq,
           a.qfile ? "query file" : a.titles ? "titles as text" : "indexed patents", a.k);
    printf("%-22s %7s %10s %9s %9s %9s %9s\n", "setting", "threads", "QPS", "p50 ms", "p95 ms",
           "p99 ms", "recall");
    if (!(ec = bm_settings(&a, x, &s, nlists))) ec = bm_write_files(&a, ndocs, &s);
done:
    if (ec < 0) {
        cli_err("out of memory\n");
        ec = EXIT_RESOURCE;
    }
    bm_free(&s);
    tenyo_index_free(x);
    return ec;
}
