/*
 * tok_bench.c — tokenizer throughput: raw MeCab against tenyo's tokenizer,
 * on the same real Japanese text, at 1..N threads, side by side.
 *
 * Text: ../shared/data/text/ja_tech_docs.jsonl.zst (Japanese manuals, one
 * {"text": ...} per line, 19 MB UTF-8) and aozora_sjis_400.tar.zst (400
 * Aozora Bunko novels in Shift_JIS, decoded once to UTF-8 with the library's
 * tenyo_text_to_utf8 before timing). Both are decompressed into memory before
 * any clock starts, so the numbers are tokenizer throughput, not zstd's or the
 * disk's.
 *
 * The peer, "raw MeCab", is what any MeCab user would write: one shared
 * mecab_model_t (system ipadic-utf8), one tagger per thread from
 * mecab_model_new_tagger, mecab_sparse_tonode2 over each document, and a
 * walk of the node list counting the morphemes. tenyo's side is the public
 * tenyo_tokenizer API with default options (NFKC + case folding in ICU,
 * MeCab, compound nouns kept with their parts, stopwords dropped), one
 * tokenizer per thread. Handles are created before timing on both sides.
 *
 * Threads take documents from an atomic counter (documents vary from a few
 * hundred bytes to hundreds of KB; static slices would leave a thread idle).
 * Each configuration runs -r times (default 3) and the median wall time is
 * reported. MB/s counts input UTF-8 bytes, the one unit both sides share;
 * tokens/s counts MeCab morphemes and tenyo terms respectively (not the same
 * unit: tenyo drops stopwords and adds compound terms). The ratio printed is
 * tenyo MB/s over raw MeCab MB/s at the same thread count, and over raw MeCab
 * single-thread MB/s times the thread count (the issue-4 target: >= 0.90).
 *
 * Output: one human line per configuration on stderr-free stdout, plus with
 * --json one JSON object per line. Rejected: timing `mecab` the CLI (adds
 * formatting and pipe I/O the library never does), and per-sentence splitting
 * (both sides see whole documents, as the indexer does).
 *
 * Usage: tok_bench [-t 1,2] [-r 3] [--corpus tech|aozora|both]
 *                  [--data DIR] [--limit-mb N] [--json]
 */
#include <tenyo.h>
#include "bench.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <mecab.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#define MAX_THREADS 256
#define MAX_RUNS 31

/* ============================================================ corpus */

/* All documents of one corpus, UTF-8, in one arena. */
typedef struct corpus {
    const char *name;  /* "tech" or "aozora" */
    char *arena;       /* document bytes, each NUL-terminated */
    size_t *off;       /* start of document i in arena */
    size_t *len;       /* bytes of document i */
    size_t n, cap;     /* documents used / allocated */
    size_t used, acap; /* arena bytes used / allocated */
    size_t bytes;      /* total text bytes (sum of len) */
} corpus;

static void die(const char *msg) {
    fprintf(stderr, "tok_bench: %s\n", msg);
    exit(1);
}

static void corpus_add(corpus *c, const char *s, size_t n) {
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 1024;
        c->off = realloc(c->off, c->cap * sizeof *c->off);
        c->len = realloc(c->len, c->cap * sizeof *c->len);
        if (!c->off || !c->len) die("out of memory");
    }
    if (c->used + n + 1 > c->acap) {
        size_t cap = c->acap ? c->acap : 1 << 20;
        while (cap < c->used + n + 1) cap *= 2;
        if (!(c->arena = realloc(c->arena, cap))) die("out of memory");
        c->acap = cap;
    }
    memcpy(c->arena + c->used, s, n);
    c->arena[c->used + n] = 0;
    c->off[c->n] = c->used;
    c->len[c->n++] = n;
    c->used += n + 1;
    c->bytes += n;
}

/* Whole zstd file decompressed into a malloc'd buffer; NULL when absent. */
static char *unzstd(const char *path, size_t *outlen) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    ZSTD_DStream *ds = ZSTD_createDStream();
    size_t inCap = ZSTD_DStreamInSize(), cap = 1 << 24, len = 0;
    char *in = malloc(inCap), *out = malloc(cap);
    if (!ds || !in || !out) die("out of memory");
    ZSTD_initDStream(ds);
    size_t got;
    while ((got = fread(in, 1, inCap, f)) > 0) {
        ZSTD_inBuffer ib = {in, got, 0};
        while (ib.pos < ib.size) {
            if (cap - len < (1 << 20)) {
                cap *= 2;
                if (!(out = realloc(out, cap))) die("out of memory");
            }
            ZSTD_outBuffer ob = {out + len, cap - len, 0};
            size_t r = ZSTD_decompressStream(ds, &ob, &ib);
            if (ZSTD_isError(r)) {
                fprintf(stderr, "tok_bench: %s: %s\n", path, ZSTD_getErrorName(r));
                exit(1);
            }
            len += ob.pos;
        }
    }
    fclose(f);
    free(in);
    ZSTD_freeDStream(ds);
    *outlen = len;
    return out;
}

/* ja_tech_docs: one JSON object per line, its "text" is a document. */
static int load_tech(corpus *c, const char *dir, size_t limit) {
    char path[4096];
    size_t n;
    snprintf(path, sizeof path, "%s/text/ja_tech_docs.jsonl.zst", dir);
    char *buf = unzstd(path, &n);
    if (!buf) return -1;
    for (char *p = buf, *e = buf + n; p < e && c->bytes < limit;) {
        char *nl = memchr(p, '\n', (size_t)(e - p));
        size_t ln = nl ? (size_t)(nl - p) : (size_t)(e - p);
        json_error_t jerr;
        json_t *o = json_loadb(p, ln, 0, &jerr);
        json_t *t = o ? json_object_get(o, "text") : NULL;
        if (t && json_is_string(t) && json_string_length(t))
            corpus_add(c, json_string_value(t), json_string_length(t));
        json_decref(o);
        p += ln + 1;
    }
    free(buf);
    return 0;
}

/* aozora tarball: every regular *.txt member, Shift_JIS -> UTF-8. */
static int load_aozora(corpus *c, const char *dir, size_t limit) {
    char path[4096], err[256];
    size_t n;
    snprintf(path, sizeof path, "%s/text/aozora_sjis_400.tar.zst", dir);
    char *buf = unzstd(path, &n);
    if (!buf) return -1;
    for (size_t pos = 0; pos + 512 <= n && c->bytes < limit;) {
        const char *h = buf + pos;
        if (!h[0]) break; /* end-of-archive block */
        size_t size = (size_t)strtoull(h + 124, NULL, 8);
        size_t namelen = strnlen(h, 100);
        pos += 512;
        if (pos + size > n) break;
        if ((h[156] == '0' || h[156] == 0) && namelen > 4 &&
            !memcmp(h + namelen - 4, ".txt", 4)) {
            char *u = NULL;
            size_t ulen = 0;
            if (tenyo_text_to_utf8(buf + pos, size, NULL, &u, &ulen, NULL, 0,
                                   err, sizeof err) == TENYO_OK)
                corpus_add(c, u, ulen);
            else
                fprintf(stderr, "tok_bench: %.100s: %s (skipped)\n", h, err);
            free(u);
        }
        pos += (size + 511) / 512 * 512;
    }
    free(buf);
    return 0;
}

/* =========================================================== workers */

/* One timed run: which engine, how many threads, what text. */
typedef struct run {
    const corpus *c;          /* documents */
    int engine;               /* 0 raw MeCab, 1 tenyo */
    atomic_size_t next;       /* next document to take */
    atomic_ullong tokens;     /* tokens produced (all threads) */
    atomic_int failed;        /* a document failed to tokenize */
} run;

/* One worker's handles (created before the clock starts). */
typedef struct worker {
    run *r;                   /* shared run state */
    mecab_t *tagger;          /* raw MeCab tagger (engine 0) */
    tenyo_tokenizer *tok;     /* tenyo tokenizer (engine 1) */
} worker;

static void count_term(void *ud, const char *term, size_t len) {
    (void)term;
    (void)len;
    ++*(unsigned long long *)ud;
}

static void *work(void *arg) {
    worker *w = arg;
    run *r = w->r;
    unsigned long long tokens = 0;
    for (;;) {
        size_t i = atomic_fetch_add(&r->next, 1);
        if (i >= r->c->n) break;
        const char *s = r->c->arena + r->c->off[i];
        size_t n = r->c->len[i];
        if (r->engine == 0) {
            const mecab_node_t *node = mecab_sparse_tonode2(w->tagger, s, n);
            if (!node) { atomic_store(&r->failed, 1); continue; }
            for (; node; node = node->next)
                tokens += node->stat == MECAB_NOR_NODE ||
                          node->stat == MECAB_UNK_NODE;
        } else {
            unsigned long long t = 0;
            int rc = tenyo_tokenizer_run(w->tok, s, n, count_term, &t);
            if (rc < 0) { atomic_store(&r->failed, 1); continue; }
            tokens += t;
        }
    }
    atomic_fetch_add(&r->tokens, tokens);
    return NULL;
}

/* Time one pass of engine over c with nt workers (handles given). */
static double timed(const corpus *c, int engine, worker *ws, int nt,
                    unsigned long long *tokens) {
    run r = {.c = c, .engine = engine};
    atomic_init(&r.next, 0);
    atomic_init(&r.tokens, 0);
    atomic_init(&r.failed, 0);
    pthread_t th[MAX_THREADS];
    for (int i = 0; i < nt; i++) ws[i].r = &r;
    double t0 = now();
    for (int i = 1; i < nt; i++)
        if (pthread_create(&th[i], NULL, work, &ws[i])) die("pthread_create");
    work(&ws[0]);
    for (int i = 1; i < nt; i++) pthread_join(th[i], NULL);
    double dt = now() - t0;
    if (atomic_load(&r.failed)) die("a document failed to tokenize");
    *tokens = atomic_load(&r.tokens);
    return dt;
}

/* ============================================================== main */

static const char *usage =
    "usage: tok_bench [-t 1,2] [-r RUNS] [--corpus tech|aozora|both]\n"
    "                 [--data DIR] [--limit-mb N] [--json]\n"
    "Raw MeCab vs tenyo tokenizer throughput on ../shared/data/text.\n";

int main(int argc, char **argv) {
    static const struct option lo[] = {
        {"threads", required_argument, 0, 't'}, {"runs", required_argument, 0, 'r'},
        {"corpus", required_argument, 0, 'c'}, {"data", required_argument, 0, 'd'},
        {"limit-mb", required_argument, 0, 'l'}, {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int threads[16], nthr = 0, runs = 3, json = 0, c;
    const char *which = "both", *dir = "../shared/data";
    size_t limit = SIZE_MAX;
    char tl[256] = "1,2";
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu > 2) snprintf(tl, sizeof tl, "1,2,%ld", ncpu);
    while ((c = getopt_long(argc, argv, "t:r:h", lo, NULL)) != -1) {
        switch (c) {
        case 't': snprintf(tl, sizeof tl, "%s", optarg); break;
        case 'r': runs = atoi(optarg); break;
        case 'c': which = optarg; break;
        case 'd': dir = optarg; break;
        case 'l': limit = (size_t)atol(optarg) << 20; break;
        case 'j': json = 1; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 1;
        }
    }
    for (char *save = NULL, *p = strtok_r(tl, ",", &save); p && nthr < 16;
         p = strtok_r(NULL, ",", &save)) {
        int t = atoi(p);
        if (t < 1 || t > MAX_THREADS) { fputs(usage, stderr); return 1; }
        threads[nthr++] = t;
    }
    if (!nthr || runs < 1 || runs > MAX_RUNS || optind != argc ||
        (strcmp(which, "tech") && strcmp(which, "aozora") && strcmp(which, "both"))) {
        fputs(usage, stderr);
        return 1;
    }

    corpus cs[2] = {{.name = "tech"}, {.name = "aozora"}};
    int have[2] = {0, 0};
    if (strcmp(which, "aozora")) have[0] = load_tech(&cs[0], dir, limit) == 0;
    if (strcmp(which, "tech")) have[1] = load_aozora(&cs[1], dir, limit) == 0;
    if (!have[0] && !have[1]) {
        fprintf(stderr, "tok_bench: no text under %s/text (skipped)\n", dir);
        return 0;
    }

    /* Handles for the largest thread count, made before any timing. */
    int maxt = 1;
    for (int i = 0; i < nthr; i++) maxt = threads[i] > maxt ? threads[i] : maxt;
    char *margv[] = {"mecab", "-d", "/var/lib/mecab/dic/ipadic-utf8"};
    mecab_model_t *model = mecab_model_new(3, margv);
    if (!model) die("cannot load MeCab ipadic-utf8");
    worker *ws = calloc((size_t)maxt, sizeof *ws);
    if (!ws) die("out of memory");
    tenyo_tok_opts to;
    tenyo_tok_opts_default(&to);
    char err[512];
    for (int i = 0; i < maxt; i++) {
        ws[i].tagger = mecab_model_new_tagger(model);
        if (!ws[i].tagger) die("mecab_model_new_tagger failed");
        if (tenyo_tokenizer_new(&to, &ws[i].tok, err, sizeof err)) die(err);
    }

    char host[256] = "?";
    gethostname(host, sizeof host);
    printf("# tok_bench: host %s, %ld online cores, tenyo %s, tokenizer %s, "
           "median of %d runs\n", host, ncpu, tenyo_version(),
           tenyo_tokenizer_identity(ws[0].tok), runs);

    for (int ci = 0; ci < 2; ci++) {
        if (!have[ci]) continue;
        const corpus *cp = &cs[ci];
        double mb = cp->bytes / 1e6, mecab1 = 0;
        printf("# corpus %s: %zu docs, %.1f MB UTF-8\n", cp->name, cp->n, mb);
        for (int ti = 0; ti < nthr; ti++) {
            int nt = threads[ti];
            double med[2];
            unsigned long long tok[2] = {0, 0};
            for (int e = 0; e < 2; e++) {
                double t[MAX_RUNS];
                for (int k = 0; k < runs; k++) t[k] = timed(cp, e, ws, nt, &tok[e]);
                qsort(t, (size_t)runs, sizeof *t, cmp_double);
                med[e] = t[runs / 2];
            }
            double mbs_m = mb / med[0], mbs_t = mb / med[1];
            if (nt == 1) mecab1 = mbs_m;
            double ideal = mecab1 > 0 ? mecab1 * nt : 0;
            printf("%-6s threads %2d  raw MeCab %6.2f MB/s %9.0f tok/s | tenyo "
                   "%6.2f MB/s %9.0f terms/s | tenyo/MeCab(same threads) %.3f",
                   cp->name, nt, mbs_m, tok[0] / med[0], mbs_t, tok[1] / med[1],
                   mbs_t / mbs_m);
            if (ideal > 0) printf(" | tenyo/(MeCab1 x %d) %.3f", nt, mbs_t / ideal);
            putchar('\n');
            if (json)
                printf("{\"bench\":\"tok\",\"corpus\":\"%s\",\"docs\":%zu,"
                       "\"mb\":%.3f,\"threads\":%d,\"runs\":%d,"
                       "\"mecab_sec\":%.4f,\"mecab_mbs\":%.3f,\"mecab_tokens\":%llu,"
                       "\"tenyo_sec\":%.4f,\"tenyo_mbs\":%.3f,\"tenyo_terms\":%llu,"
                       "\"ratio_same_threads\":%.4f,\"ratio_vs_ideal\":%.4f}\n",
                       cp->name, cp->n, mb, nt, runs, med[0], mbs_m, tok[0],
                       med[1], mbs_t, tok[1], mbs_t / mbs_m,
                       ideal > 0 ? mbs_t / ideal : 0);
            fflush(stdout);
        }
    }

    for (int i = 0; i < maxt; i++) {
        mecab_destroy(ws[i].tagger);
        tenyo_tokenizer_free(ws[i].tok);
    }
    free(ws);
    mecab_model_destroy(model);
    for (int ci = 0; ci < 2; ci++) {
        free(cs[ci].arena);
        free(cs[ci].off);
        free(cs[ci].len);
    }
    return 0;
}
