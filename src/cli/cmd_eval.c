/*
 * cmd_eval.c — `tenyo eval`: Protocol S of ../shared/EVAL.md.
 *
 * Corpus: as EVAL.md defines it, the records that have an abstract and at
 * least one classification code (others are left out and counted).
 * Split: a record is a test query when md5(salt + id) mod modulus == 0
 * (tenyo_split_is_test; salt "dev", modulus 4 = the development split).
 * The train records are indexed exactly as `tenyo index` would (same
 * builder, same options), the index is written to a file and loaded again so
 * that the evaluation also exercises the store. --keep-index writes it as
 * `tenyo index -o` does (tenyo_writer: its lock, an index or an empty
 * file only), and --dump-candidates by the same rule (cli_output_check),
 * both checked before any work.
 *
 * Protocol S: every train document that has at least one classification
 * main group (code up to the slash, spaces removed, CPC section Y ignored)
 * queries the train index with `similar` (itself excluded); P@10 is the
 * share of the 10 neighbours sharing at least one main group with it,
 * averaged over queries. Documents without any main group cannot have a
 * relevant neighbour and are not used as queries (their number is printed).
 * Queries run on all cores, one tenyo_ctx per worker (tenyo_parallel:
 * worker t takes queries t, t + nt, ...; each sums into its own slot,
 * and the slots are added in worker order, so the sums do not depend on
 * the threads' timing).
 *
 * Protocol X: every test record with classification targets (its subclasses
 * whose section differs from that of its first code, the home) queries the
 * train index through `ideas` with its text and home only, distance
 * section, 10 proposals; recall@5/10, surprise-weighted recall@10 and
 * serendipity@10 (recall over targets the prior ranking — other-section
 * subclasses by co-classification with home — does not put in its top 10)
 * are printed for tenyo and the prior.
 *
 * --per-query writes every query's counts (S: per mode and document, X: the
 * sums each query adds to the totals) so that two runs compare query by
 * query with a paired bootstrap (eval/paired.py).
 *
 * Who calls whom: called by tenyo.c's table; calls help_ja.c, input.c,
 * opts.c, writer.c, views/filters.c, views/render.c, views/safe.c,
 * views/say.c and the library (tenyo.h).
 */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A test query of Protocol X. */
typedef struct xquery {
    char *text;              /* title + abstract */
    char home[5];            /* subclass of the first code */
    char (*targets)[5];      /* other-section subclasses */
    int ntargets;            /* entries in targets */
} xquery;

typedef struct split_filter {
    const char *salt;        /* split salt */
    unsigned mod;            /* split modulus */
    unsigned long long no_text; /* records without abstract or codes */
    xquery *xq;              /* test queries collected (Protocol X) */
    size_t nxq, capxq;       /* used / allocated */
    unsigned long long ntest;   /* test documents seen */
} split_filter;

/* Keep a test record as a Protocol X query when it has targets. */
static void collect_x(split_filter *s, const tenyo_doc *d) {
    char subs[64][5];
    int ns = 0;
    for (size_t i = 0; i < d->ncodes && ns < 64; i++) {
        char sc[5];
        if (!tenyo_code_subclass(d->codes[i], sc)) continue;
        int seen = 0;
        for (int j = 0; j < ns; j++) seen |= strcmp(subs[j], sc) == 0;
        if (!seen) memcpy(subs[ns++], sc, 5);
    }
    if (ns < 2) return;
    xquery q = {0};
    memcpy(q.home, subs[0], 5);
    q.targets = calloc((size_t)ns, sizeof *q.targets);
    if (!q.targets) return;
    for (int j = 1; j < ns; j++)
        if (subs[j][0] != q.home[0]) memcpy(q.targets[q.ntargets++], subs[j], 5);
    if (!q.ntargets) { free(q.targets); return; }
    size_t lt = strlen(d->title), la = strlen(d->abstract);
    q.text = malloc(lt + la + 2);
    if (!q.text) { free(q.targets); return; }
    memcpy(q.text, d->title, lt);
    q.text[lt] = '\n';
    memcpy(q.text + lt + 1, d->abstract, la + 1);
    if (s->nxq == s->capxq) {
        size_t cap = s->capxq ? s->capxq * 2 : 256;
        xquery *n = realloc(s->xq, cap * sizeof *n);
        if (!n) { free(q.text); free(q.targets); return; }
        s->xq = n;
        s->capxq = cap;
    }
    s->xq[s->nxq++] = q;
}

/* EVAL.md's corpora are the records with an abstract and classification
 * codes; of those, the train split is indexed. */
static int keep_train(void *ud, const tenyo_doc *d) {
    split_filter *s = ud;
    if (!d->abstract[0] || d->ncodes == 0) {
        s->no_text++;
        return 0;
    }
    if (tenyo_split_is_test(d->id, s->salt, s->mod)) {
        s->ntest++;
        collect_x(s, d);
        return 0;
    }
    return 1;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t hash_str(const char *p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) { h ^= (unsigned char)p[i]; h *= 1099511628211ull; }
    return h;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Main groups of every document as sorted hash lists. */
typedef struct groups {
    uint64_t *h;       /* all hashes */
    uint64_t *ptr;     /* ndocs+1 offsets */
} groups;

static int build_groups(const tenyo_index *x, groups *g) {
    uint64_t n = tenyo_index_ndocs(x), cap = 1024, used = 0;
    g->ptr = calloc(n + 1, sizeof *g->ptr);
    g->h = malloc(cap * sizeof *g->h);
    if (!g->ptr || !g->h) return -1;
    for (uint64_t d = 0; d < n; d++) {
        tenyo_doc_meta m;
        tenyo_index_doc(x, d, &m);
        uint64_t start = used;
        const char *p = m.codes;
        while (*p) {
            const char *e = strchr(p, ';');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            char grp[64];
            size_t k = 0;
            for (size_t i = 0; i < len && k < sizeof grp - 1 && p[i] != '/'; i++)
                if (p[i] != ' ') grp[k++] = p[i];
            if (k >= 4 && grp[0] != 'Y' && memchr(p, '/', len)) {
                if (used == cap) {
                    cap *= 2;
                    uint64_t *nh = realloc(g->h, cap * sizeof *nh);
                    if (!nh) return -1;
                    g->h = nh;
                }
                g->h[used++] = hash_str(grp, k);
            }
            p += len + (e ? 1 : 0);
        }
        qsort(g->h + start, used - start, sizeof *g->h, cmp_u64);
        g->ptr[d + 1] = used;
    }
    return 0;
}

static int share_group(const groups *g, uint64_t a, uint64_t b) {
    uint64_t i = g->ptr[a], ie = g->ptr[a + 1], j = g->ptr[b], je = g->ptr[b + 1];
    while (i < ie && j < je) {
        if (g->h[i] == g->h[j]) return 1;
        if (g->h[i] < g->h[j]) i++;
        else j++;
    }
    return 0;
}

typedef struct sjob {
    const tenyo_index *x;   /* train index */
    const groups *g;        /* main groups */
    tenyo_mode mode;        /* search mode */
    double weight;          /* hybrid weight (<0: default) */
    signed char *rel;       /* --per-query: per document its relevant
                               neighbours (-1: not a query), or NULL */
    double sum;             /* sum of P@10 over this worker's queries */
    uint64_t nq;            /* queries done */
    int status;             /* first error */
} sjob;

/* Worker t of Protocol S (ud: the jobs, one per worker); its status. */
static int s_worker(void *ud, int wk, int nw) {
    sjob *j = (sjob *)ud + wk;
    tenyo_ctx *c = NULL;
    char err[512];
    if (tenyo_ctx_new(j->x, &c, err, sizeof err)) { j->status = -1; return j->status; }
    if (j->weight >= 0) tenyo_ctx_set_hybrid_weight(c, j->weight);
    tenyo_hit hits[10];
    uint64_t n = tenyo_index_ndocs(j->x);
    for (uint64_t d = (uint64_t)wk; d < n; d += (uint64_t)nw) {
        if (j->g->ptr[d] == j->g->ptr[d + 1]) continue;
        int r = tenyo_similar_doc(c, d, j->mode, 10, hits);
        if (r < 0) { j->status = r; break; }
        int rel = 0;
        for (int i = 0; i < r; i++) rel += share_group(j->g, d, hits[i].doc);
        j->sum += rel / 10.0;
        j->nq++;
        if (j->rel) j->rel[d] = (signed char)rel;
    }
    tenyo_ctx_free(c);
    return j->status;
}


/* ============================================================ Protocol X */

typedef struct xstats {
    double t5, t10, sw10, swall;   /* tenyo: hits@5, hits@10, weighted */
    double p5, p10, psw10;         /* prior baseline */
    double ser_hit, ser_all;       /* serendipity numerator / denominator */
    double ser_absent, ser_rare;   /* serendipity targets in no / fewer than
                                      3 train documents */
    double ntargets, nqueries;     /* totals */
    double prop, prop_big;         /* proposals, of them in the 3 largest fields */
    double tgt_big;                /* targets in the 3 largest fields */
} xstats;

typedef struct xjob {
    const tenyo_index *x;      /* train index */
    const split_filter *sf;    /* queries */
    tenyo_ideas_opts io;       /* ideas options (home set per query) */
    const int64_t *big;        /* the 3 largest fields of the index */
    xstats *per;               /* per-query sums (shared array, own slots) */
    xstats st;                 /* this worker's sums */
    FILE *dump;                /* --dump-candidates, or NULL */
    pthread_mutex_t *dump_mu;  /* its lock */
    int status;                /* first error */
    char err[512];             /* its message */
} xjob;

static void xstats_add(xstats *a, const xstats *b) {
    a->t5 += b->t5; a->t10 += b->t10; a->sw10 += b->sw10; a->swall += b->swall;
    a->p5 += b->p5; a->p10 += b->p10; a->psw10 += b->psw10;
    a->ser_hit += b->ser_hit; a->ser_all += b->ser_all;
    a->ser_absent += b->ser_absent; a->ser_rare += b->ser_rare;
    a->ntargets += b->ntargets; a->nqueries += b->nqueries;
    a->prop += b->prop; a->prop_big += b->prop_big; a->tgt_big += b->tgt_big;
}

/* Fields of another section than home, by co(home, f) descending (ties by
 * code): the prior ranking of EVAL.md. Writes up to 10 field numbers. */
static int prior_top(const tenyo_index *x, const char *home, int64_t hid,
                     int64_t *top, int k) {
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    int n = 0;
    uint64_t tc[10];
    for (uint32_t f = 0; f < in.nfields; f++) {
        const char *code;
        tenyo_index_field(x, f, &code, NULL);
        if (code[0] == home[0]) continue;
        uint64_t c = hid >= 0 ? tenyo_index_cooccur(x, (uint32_t)hid, f) : 0;
        int pos = n;
        while (pos > 0 && tc[pos - 1] < c) pos--; /* stable: earlier codes win ties */
        if (pos >= k) continue;
        int last = n < k ? n : k - 1;
        for (int i = last; i > pos; i--) { top[i] = top[i - 1]; tc[i] = tc[i - 1]; }
        top[pos] = f;
        tc[pos] = c;
        if (n < k) n++;
    }
    return n;
}

/* Worker t of Protocol X (ud: the jobs, one per worker); its status. */
static int x_worker(void *ud, int wk, int nw) {
    xjob *j = (xjob *)ud + wk;
    tenyo_ctx *c = NULL;
    if (tenyo_ctx_new(j->x, &c, j->err, sizeof j->err)) { j->status = -1; return j->status; }
    tenyo_idea ideas[10];
    for (size_t qi = (size_t)wk; qi < j->sf->nxq; qi += (size_t)nw) {
        const xquery *q = &j->sf->xq[qi];
        const char *home[1] = {q->home};
        tenyo_ideas_opts io = j->io;
        io.home = home;
        io.nhome = 1;
        io.distance = TENYO_DIST_SECTION;
        int n = tenyo_ideas_text(c, q->text, strlen(q->text), &io, 10, ideas);
        if (n == TENYO_ERR_EMPTY) n = 0; /* no known term: nothing proposed */
        if (n < 0) {
            j->status = n;
            snprintf(j->err, sizeof j->err, "%s", tenyo_ctx_error(c));
            break;
        }
        int64_t hid = tenyo_index_field_find(j->x, q->home);
        uint64_t nh = 0;
        if (hid >= 0) tenyo_index_field(j->x, (uint32_t)hid, NULL, &nh);
        int64_t top[10];
        int np = prior_top(j->x, q->home, hid, top, 10);
        xstats q1 = {0};
        q1.nqueries = 1;
        q1.prop = n;
        for (int i = 0; i < n; i++)
            for (int b = 0; b < 3; b++)
                if (j->big[b] >= 0 && (int64_t)ideas[i].field == j->big[b]) q1.prop_big++;
        for (int t = 0; t < q->ntargets; t++) {
            int64_t tf = tenyo_index_field_find(j->x, q->targets[t]);
            double co = (hid >= 0 && tf >= 0) ? (double)tenyo_index_cooccur(j->x, (uint32_t)hid, (uint32_t)tf) : 0;
            double w = -log((co + 0.5) / ((double)nh + 1));
            int rank = 0;
            for (int i = 0; i < n; i++)
                if (strcmp(ideas[i].code, q->targets[t]) == 0) { rank = i + 1; break; }
            int prank = 0;
            for (int i = 0; i < np; i++)
                if (tf >= 0 && top[i] == tf) { prank = i + 1; break; }
            q1.ntargets++;
            q1.swall += w;
            for (int b = 0; b < 3; b++)
                if (tf >= 0 && tf == j->big[b]) q1.tgt_big++;
            if (rank && rank <= 5) q1.t5++;
            if (rank) { q1.t10++; q1.sw10 += w; }
            if (prank && prank <= 5) q1.p5++;
            if (prank) { q1.p10++; q1.psw10 += w; }
            if (!prank) {
                q1.ser_all++;
                if (tf < 0) q1.ser_absent++;
                else {
                    uint64_t cnt = 0;
                    tenyo_index_field(j->x, (uint32_t)tf, NULL, &cnt);
                    if (cnt < 3) q1.ser_rare++;
                }
                if (rank) q1.ser_hit++;
            }
        }
        j->per[qi] = q1;
        xstats_add(&j->st, &q1);
        if (j->dump) { /* every field with a vote, for fitting the confidence */
            tenyo_idea all[200];
            tenyo_ideas_opts ao = io;
            ao.min_confidence = 0;
            ao.merge = 0;
            ao.serendipity_from = 100; /* its largest: confidence order */
            int na = tenyo_ideas_text(c, q->text, strlen(q->text), &ao, 200, all);
            if (na == TENYO_ERR_EMPTY) na = 0; /* no known term: nothing voted */
            if (na < 0) { /* a dump without its rows is no dump */
                j->status = na;
                snprintf(j->err, sizeof j->err, "%s", tenyo_ctx_error(c));
                break;
            }
            pthread_mutex_lock(j->dump_mu);
            for (int i = 0; i < na; i++) {
                int tgt = 0, inprior = 0;
                for (int t = 0; t < q->ntargets; t++) tgt |= !strcmp(all[i].code, q->targets[t]);
                for (int k = 0; k < np; k++) inprior |= top[k] == (int64_t)all[i].field;
                fprintf(j->dump, "%zu\t%s\t%d\t%d\t%.6g\t%.6g\t%.6g\t%.6g\t%d\t%.6g\t%.6g\t%.6g\t%d\t%.6g\t%.6g\n",
                        qi, all[i].code, tgt, inprior, all[i].basis.vote_share, all[i].basis.prior,
                        all[i].basis.field_share, all[i].nevidence ? (double)all[i].evidence[0].score : 0,
                        all[i].support, all[i].focus, all[i].basis.generic_share,
                        all[i].basis.title_only, all[i].expected,
                        (double)tenyo_ctx_notes(c)->best_similarity, all[i].basis.model);
            }
            pthread_mutex_unlock(j->dump_mu);
        }
    }
    tenyo_ctx_free(c);
    return j->status;
}

/* The 3 fields with the most documents (ties: lower number). */
static void largest3(const tenyo_index *x, int64_t big[3]) {
    tenyo_index_info in;
    tenyo_index_info_get(x, &in);
    uint64_t bc[3] = {0, 0, 0};
    big[0] = big[1] = big[2] = -1;
    for (uint32_t f = 0; f < in.nfields; f++) {
        uint64_t cnt = 0;
        tenyo_index_field(x, f, NULL, &cnt);
        for (int b = 0; b < 3; b++)
            if (big[b] < 0 || cnt > bc[b]) {
                for (int k = 2; k > b; k--) { big[k] = big[k - 1]; bc[k] = bc[k - 1]; }
                big[b] = f;
                bc[b] = cnt;
                break;
            }
    }
}

/* Run Protocol X over sf's queries; fills st and per (one entry per query
 * of sf, zero for a query that failed). Returns an exit code. */
static int run_x(const tenyo_index *x, const split_filter *sf,
                 const tenyo_ideas_opts *io, int nt, xstats *st, xstats *per,
                 const int64_t big[3], FILE *dump, double *secs) {
    xjob jobs[64];
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    double t0 = now_s();
    for (int t = 0; t < nt; t++) {
        memset(&jobs[t], 0, sizeof jobs[t]);
        jobs[t].x = x;
        jobs[t].sf = sf;
        jobs[t].io = *io;
        jobs[t].big = big;
        jobs[t].per = per;
        jobs[t].dump = dump;
        jobs[t].dump_mu = &mu;
    }
    tenyo_parallel(nt, x_worker, jobs); /* each failure is reported below */
    int ec = EXIT_OK;
    memset(st, 0, sizeof *st);
    for (int t = 0; t < nt; t++) {
        if (jobs[t].status) {
            cli_err("ideas: %s\n", jobs[t].err);
            ec = EXIT_RESOURCE;
        }
        xstats_add(st, &jobs[t].st);
    }
    *secs = now_s() - t0;
    return ec;
}

/* 95% bootstrap intervals: the queries resampled with replacement B times
 * (a fixed xorshift seed, so a run is repeatable), each metric a ratio of
 * sums over the resample; lo/hi are the 2.5th and 97.5th percentiles. */
enum { XM_R5, XM_R10, XM_SW10, XM_SER, XM_N };
#define BOOT_B 1000

static double xmetric(const xstats *s, int m) {
    switch (m) {
    case XM_R5: return s->ntargets > 0 ? s->t5 / s->ntargets : 0;
    case XM_R10: return s->ntargets > 0 ? s->t10 / s->ntargets : 0;
    case XM_SW10: return s->swall > 0 ? s->sw10 / s->swall : 0;
    default: return s->ser_all > 0 ? s->ser_hit / s->ser_all : 0;
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int bootstrap(const xstats *per, size_t nq, double lo[XM_N], double hi[XM_N]) {
    double *v = malloc((size_t)BOOT_B * XM_N * sizeof *v);
    if (!v) return -1;
    uint64_t r = 0x9E3779B97F4A7C15ull;
    for (int b = 0; b < BOOT_B; b++) {
        xstats s = {0};
        for (size_t i = 0; i < nq; i++) {
            r ^= r << 13; r ^= r >> 7; r ^= r << 17;
            xstats_add(&s, &per[r % nq]);
        }
        for (int m = 0; m < XM_N; m++) v[(size_t)m * BOOT_B + (size_t)b] = xmetric(&s, m);
    }
    for (int m = 0; m < XM_N; m++) {
        qsort(v + (size_t)m * BOOT_B, BOOT_B, sizeof *v, cmp_double);
        lo[m] = v[(size_t)m * BOOT_B + BOOT_B * 25 / 1000];
        hi[m] = v[(size_t)m * BOOT_B + BOOT_B * 975 / 1000 - 1];
    }
    free(v);
    return 0;
}

static double ratio(double a, double b) { return b > 0 ? a / b : 0; }

/* The start of a --per-query file's header (also how an earlier one is
 * recognised, to be replaced without --force). */
#define PER_HEAD "protocol\tmode\tquery\t"

static const char *eval_usage =
    "usage: tenyo eval [options] FILE...\n"
    "Measure the answers on a corpus: the records of FILEs with an abstract and a\n"
    "classification code, split by md5(salt + id) mod M (0: test, else train); the\n"
    "train split is indexed as 'tenyo index' would.\n"
    "Protocol S (similar): every train document queries the train index (itself\n"
    "  left out); P@10 is the share of its 10 nearest sharing a classification main\n"
    "  group (G06F 3/01: G06F 3) with it.\n"
    "Protocol X (ideas): every test record queries with its text and its home (the\n"
    "  subclass of its first code), distance section, 10 proposals; its targets are\n"
    "  its subclasses in other sections. recall@5 and @10, and serendipity@10 (recall\n"
    "  of the targets that co-classification statistics do not put in their top 10),\n"
    "  for tenyo and for those statistics alone.\n"
    "  --salt S             split salt (default \"dev\": the development split)\n"
    "  --modulus M          split modulus (default 4)\n"
    "  -m, --mode M         tfidf | lsa | hybrid | all (default all)\n"
    "  --hybrid-weight W    TF-IDF weight in hybrid mode (default 0.7)\n"
    "  --keep-index PATH    keep the train index at PATH (replaced atomically; an\n"
    "                       existing file must be a tenyo index no writer is at\n"
    "                       work on, and not an input)\n"
    "  --protocol P         S, X or all (default all)\n"
    "  --knn N              Protocol X: neighbours that vote (default 100)\n"
    "  --novelty V          Protocol X: novelty of the ideas list (default 0.6)\n"
    "  --field-norm A       Protocol X: votes divided by field size^A (default 0)\n"
    "  --serendipity-from R Protocol X: proposals ranked by confidence first\n"
    "  --prior-weight W     Protocol X: weight of the co-classification prior\n"
    "  --ideas-mode M       Protocol X: similarity for the evidence (default hybrid)\n"
    "  --reference R5,SER   reference recall@5 and serendipity@10 for ratios\n"
    "  --min-confidence C   Protocol X with proposals below C left out (default 0)\n"
    "  --dump-candidates F  TSV of every voted field of every Protocol X query\n"
    "                       with its confidence basis (eval/fit_confidence.py)\n"
    "  --per-query F        TSV of every query's counts (Protocol S per mode, X),\n"
    "                       for comparing two runs query by query (eval/paired.py)\n"
    "  --force              replace a file of another kind with --keep-index,\n"
    "                       --dump-candidates or --per-query (never an index or\n"
    "                       an input)\n"
    "  -j, --json           one JSON object\n"
    "build options, as for `tenyo index`:\n"
    "  -d, --dim K          LSA rank (default 256, fewer for small corpora)\n"
    "  -t, --threads N      threads (default: all cores)\n"
    "  --min-df N           drop terms in fewer documents (default 2)\n"
    "  --max-df R           drop terms in a larger share of documents (default 0.5)\n"
    "  --seed S             SVD seed (default fixed)\n"
    "  --power-iters N      randomized SVD power iterations (default 1)\n"
    "  --oversample N       randomized SVD oversampling (default 16)\n"
    "  --max-terms N        keep only the N highest-weighted terms of each document\n"
    "  --dicdir DIR         MeCab dictionary (default: system ipadic-utf8)\n"
    "  --no-parts           do not keep the parts of compound nouns\n"
    "  --stem, --no-stem    English stemming on (default) or off\n";

/* The options of one `tenyo eval` run, and its inputs. */
typedef struct eval_args {
    int do_s, do_x;            /* the protocols to run */
    tenyo_ideas_opts io;       /* Protocol X's ideas options */
    split_filter sf;           /* the split, and the test queries it collects */
    const char *keep, *dump_path; /* --keep-index, --dump-candidates */
    const char *per_path;      /* --per-query */
    double weight;             /* --hybrid-weight (<0: default) */
    double ref5, refser;       /* --reference (0: none) */
    int json;                  /* --json */
    int force;                 /* --force */
    tenyo_writer *w;           /* --keep-index's writer (its lock), or NULL */
    tenyo_build_opts bo;       /* build options, as for `tenyo index` */
    tenyo_mode mlist[3];       /* Protocol S's modes */
    int nm;                    /* entries in mlist */
    char **files;              /* the inputs */
    int nfiles;
} eval_args;

/* What a run measured, for the report. */
typedef struct eval_result {
    cli_read_totals tot;       /* the records read */
    tenyo_build_stats st;      /* the train index's build */
    double t_build;            /* its seconds, reading included */
    uint64_t ndocs, nq;        /* train documents; Protocol S queries */
    double p10[3], secs[3];    /* Protocol S per mode */
    xstats xs;                 /* Protocol X sums */
    double xsecs;              /* its seconds */
    double clo[XM_N], chi[XM_N]; /* its bootstrap intervals */
    signed char *srel[3];      /* --per-query: Protocol S per mode and document */
    xstats *xper;              /* --per-query: Protocol X per query */
    char bigs[3][5];           /* the 3 largest fields ("-": none) */
} eval_result;

/* Reads the options into *a: -1 to go on, else the exit code (help or a
 * usage error). */
static int eval_parse(int argc, char **argv, eval_args *a) {
    static const struct option lo[] = {
        {"salt", required_argument, 0, OPT_SALT}, {"modulus", required_argument, 0, OPT_MODULUS},
        {"mode", required_argument, 0, 'm'}, {"json", no_argument, 0, 'j'},
        {"keep-index", required_argument, 0, OPT_KEEP},
        {"hybrid-weight", required_argument, 0, OPT_WEIGHT},
        {"dim", required_argument, 0, 'd'}, {"threads", required_argument, 0, 't'},
        {"min-df", required_argument, 0, OPT_MIN_DF}, {"max-df", required_argument, 0, OPT_MAX_DF},
        {"seed", required_argument, 0, OPT_SEED}, {"power-iters", required_argument, 0, OPT_POWER},
        {"oversample", required_argument, 0, OPT_OVERSAMPLE}, {"dicdir", required_argument, 0, OPT_DICDIR},
        {"max-terms", required_argument, 0, OPT_MAX_TERMS},
        {"no-parts", no_argument, 0, OPT_NO_PARTS}, {"stem", no_argument, 0, OPT_STEM}, {"no-stem", no_argument, 0, OPT_NO_STEM},
        {"protocol", required_argument, 0, 'P'}, {"knn", required_argument, 0, 'K'},
        {"novelty", required_argument, 0, 'N'}, {"field-norm", required_argument, 0, 'A'},
        {"ideas-mode", required_argument, 0, 'I'},
        {"serendipity-from", required_argument, 0, 'R'},
        {"prior-weight", required_argument, 0, 'W'},
        {"reference", required_argument, 0, 'F'},
        {"dump-candidates", required_argument, 0, 'D'},
        {"per-query", required_argument, 0, 'Q'},
        {"min-confidence", required_argument, 0, 'C'},
        {"force", no_argument, 0, OPT_FORCE},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    static const char *const protos[] = {"S", "X", "all", NULL};
    static const char *const mnames[] = {"all", "tfidf", "lsa", "hybrid", NULL};
    const char *proto = "all", *modes = "all";
    tenyo_ideas_opts *io = &a->io;
    int bad = 0, c;
    long lv;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "m:jd:t:h", lo)) != -1) {
        if (cli_build_opt(c, optarg, &a->bo, &bad)) continue;
        switch (c) {
        case OPT_SALT: a->sf.salt = optarg; break;
        case OPT_MODULUS:
            if (cli_long("--modulus", optarg, 2, 1000000, &lv)) bad = 1;
            else a->sf.mod = (unsigned)lv;
            break;
        case 'm': modes = optarg; bad |= cli_choice("--mode", optarg, mnames) < 0; break;
        case 'j': a->json = 1; break;
        case OPT_KEEP: a->keep = optarg; break;
        case OPT_WEIGHT: bad |= cli_double("--hybrid-weight", optarg, 0, 0, 1, &a->weight) != 0; break;
        case 'P': proto = optarg; bad |= cli_choice("--protocol", optarg, protos) < 0; break;
        case 'K': bad |= cli_ideas_set("knn", NULL, optarg, io, NULL); break;
        case 'N': bad |= cli_ideas_set("novelty", NULL, optarg, io, NULL); break;
        case 'A': bad |= cli_ideas_set("field_norm", NULL, optarg, io, NULL); break;
        case 'R': bad |= cli_ideas_set("serendipity_from", NULL, optarg, io, NULL); break;
        case 'W': bad |= cli_ideas_set("prior_weight", NULL, optarg, io, NULL); break;
        case 'D': a->dump_path = optarg; break;
        case 'Q': a->per_path = optarg; break;
        case 'C': bad |= cli_ideas_set("min_confidence", NULL, optarg, io, NULL); break;
        case OPT_FORCE: a->force = 1; break;
        case 'F':
            if (sscanf(optarg, "%lf,%lf", &a->ref5, &a->refser) != 2 ||
                !(a->ref5 > 0 && a->ref5 <= 1) || !(a->refser > 0 && a->refser <= 1)) {
                cli_err("--reference must be RECALL5,SERENDIPITY10, two numbers above 0 and "
                        "at most 1 (like 0.877,0.597), not '%s'\n", optarg);
                bad = 1;
            }
            break;
        case 'I': bad |= cli_ideas_set("mode", "--ideas-mode", optarg, io, NULL); break;
        case 'h': return cli_help(eval_usage);
        default: bad = 1;
        }
    }
    a->do_s = !strcmp(proto, "all") || !strcmp(proto, "S");
    a->do_x = !strcmp(proto, "all") || !strcmp(proto, "X");
    if (!strcmp(modes, "all")) {
        a->mlist[0] = TENYO_MODE_TFIDF; a->mlist[1] = TENYO_MODE_LSA; a->mlist[2] = TENYO_MODE_HYBRID;
        a->nm = 3;
    } else if (cli_parse_mode(modes, &a->mlist[0]) == 0) {
        a->nm = 1;
    }
    a->files = argv + optind;
    a->nfiles = argc - optind;
    if (bad || a->nfiles <= 0 || (!a->do_s && !a->do_x)) {
        if (!bad) cli_err("no input files\n");
        return cli_usage_error(eval_usage);
    }
    return -1;
}

/* Remove the folder dir that eval_train_index made (mkdtemp) and what the
 * index written in it left there: its files, and one level of folders
 * (the index's update folder). */
static void eval_tmpdir_remove(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[4200];
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (unlink(p) == 0 || errno != EISDIR) continue;
        DIR *s = opendir(p);
        struct dirent *f;
        char q[4500];
        while (s && (f = readdir(s)))
            if (strcmp(f->d_name, ".") && strcmp(f->d_name, "..")) {
                snprintf(q, sizeof q, "%s/%s", p, f->d_name);
                unlink(q);
            }
        if (s) closedir(s);
        rmdir(p);
    }
    if (d) closedir(d);
    rmdir(dir);
}

/* Indexes the train split of the inputs as `tenyo index` would, writes it
 * (to --keep-index, else into a folder of its own that mkdtemp makes in
 * $TMPDIR, never an existing file's name, removed once the index is open)
 * and opens it again into *X: 0, or the exit code (its message printed). */
static int eval_train_index(eval_args *a, eval_result *r, tenyo_index **x) {
    char tmp[4096], dir[4000] = "";
    if (a->keep) snprintf(tmp, sizeof tmp, "%s", a->keep);
    else {
        const char *td = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/tenyo-eval-XXXXXX", td && *td ? td : "/tmp");
        if (!mkdtemp(dir)) {
            cli_err("%s: cannot make a folder for the train index: %s\n", cli_safe(dir),
                    strerror(errno));
            return EXIT_RESOURCE;
        }
        snprintf(tmp, sizeof tmp, "%s/train.tny", dir);
    }
    char err[512] = "";
    tenyo_builder *b = NULL;
    int rc = tenyo_builder_new(&a->bo, &b, err, sizeof err);
    int ec = EXIT_RESOURCE;
    if (rc) { cli_err("%s\n", err); goto done; }
    double t0 = now_s();
    tenyo_read_opts ro = {0};
    cli_sink sink = cli_sink_builder(b);
    ec = cli_read_inputs(&sink, a->files, a->nfiles, &ro, 1, keep_train, &a->sf, &r->tot);
    if (ec) { tenyo_builder_free(b); goto done; }
    rc = a->w ? tenyo_writer_commit(a->w, b, &r->st, err, sizeof err)
              : tenyo_builder_write(b, tmp, &r->st);
    if (rc) {
        cli_err("%s\n", a->w ? err : tenyo_builder_error(b));
        tenyo_builder_free(b);
        ec = cli_exit_code(rc);
        goto done;
    }
    tenyo_builder_free(b);
    r->t_build = now_s() - t0;
    rc = tenyo_index_open(tmp, x, err, sizeof err);
    ec = EXIT_OK;
    if (rc) { cli_err("%s\n", err); ec = EXIT_INDEX; }
done:
    if (*dir) eval_tmpdir_remove(dir);
    return ec;
}

/* The files eval writes, before any work (the rule of `tenyo index -o`,
 * cli_output_check): --keep-index none of the inputs, taken as its
 * writer (a->w: an index, or with --force any regular file, no other
 * writer at work); --dump-candidates none of the inputs nor an index,
 * another kind of file only with --force. EXIT_OK, else the exit code
 * after a message. */
static int eval_check_outputs(eval_args *a) {
    const char *const *in = (const char *const *)a->files;
    const char *dump = a->dump_path, *keep = a->keep;
    if (dump && keep && !strcmp(dump, keep)) {
        cli_err("--dump-candidates %s: also the --keep-index file; nothing written\n",
                cli_safe(dump));
        return EXIT_USAGE;
    }
    const char *per = a->per_path;
    if (per && ((dump && !strcmp(per, dump)) || (keep && !strcmp(per, keep)))) {
        cli_err("--per-query %s: also the %s file; nothing written\n", cli_safe(per),
                dump && !strcmp(per, dump) ? "--dump-candidates" : "--keep-index");
        return EXIT_USAGE;
    }
    int ec = dump ? cli_output_check("--dump-candidates", dump, in, a->nfiles,
                                     "query\tfield\ttarget\t", a->force)
                  : EXIT_OK;
    if (!ec && per)
        ec = cli_output_check("--per-query", per, in, a->nfiles, PER_HEAD, a->force);
    if (ec || !keep) return ec;
    if ((ec = cli_output_inputs("--keep-index", keep, in, a->nfiles))) return ec;
    char err[512] = "";
    int rc = tenyo_writer_open(keep, a->force ? TENYO_WRITE_FORCE : 0, &a->w, err, sizeof err);
    if (rc) {
        cli_err("--keep-index %s; nothing written\n", err);
        return rc == TENYO_ERR_ARG ? EXIT_USAGE : EXIT_RESOURCE;
    }
    return EXIT_OK;
}

/* Protocol S in each mode, NT workers: P@10, seconds and the number of
 * queries into *r; EXIT_OK, or EXIT_RESOURCE when a worker failed. */
static int eval_protocol_s(const eval_args *a, const tenyo_index *x, const groups *g, int nt,
                           eval_result *r) {
    int ec = EXIT_OK;
    for (int mi = 0; mi < a->nm; mi++) {
        sjob jobs[64];
        double t1 = now_s();
        if (a->per_path) {
            uint64_t nd = tenyo_index_ndocs(x);
            if (!(r->srel[mi] = malloc(nd ? nd : 1))) {
                cli_err("out of memory\n");
                return EXIT_RESOURCE;
            }
            memset(r->srel[mi], -1, nd);
        }
        for (int t = 0; t < nt; t++)
            jobs[t] = (sjob){x, g, a->mlist[mi], a->weight, r->srel[mi], 0, 0, 0};
        tenyo_parallel(nt, s_worker, jobs);
        double sum = 0;
        r->nq = 0;
        for (int t = 0; t < nt; t++) {
            sum += jobs[t].sum;
            r->nq += jobs[t].nq;
            if (jobs[t].status) ec = EXIT_RESOURCE;
        }
        r->secs[mi] = now_s() - t1;
        r->p10[mi] = r->nq ? sum / (double)r->nq : 0;
    }
    return ec;
}

/* Protocol X over the collected test queries, NT workers (with its
 * --dump-candidates TSV), and the bootstrap intervals; the 3 largest fields
 * into *BIG. Returns an exit code. */
static int eval_protocol_x(const eval_args *a, const tenyo_index *x, int nt, int64_t big[3],
                           eval_result *r) {
    const split_filter *sf = &a->sf;
    xstats *per = calloc(sf->nxq ? sf->nxq : 1, sizeof *per);
    if (!per) {
        cli_err("out of memory\n");
        return EXIT_RESOURCE;
    }
    largest3(x, big);
    int ec = EXIT_OK;
    FILE *dump = NULL;
    if (a->dump_path && !(dump = fopen(a->dump_path, "w"))) {
        cli_err("%s: cannot create\n", a->dump_path);
        ec = EXIT_RESOURCE;
    }
    if (ec == EXIT_OK) {
        if (dump)
            fputs("query\tfield\ttarget\tprior_top10\tvote_share\tprior\tfield_share\t"
                  "best_similarity\tsupport\tfocus\tgeneric_share\ttitle_only\texpected\t"
                  "query_best\tmodel\n", dump);
        ec = run_x(x, sf, &a->io, nt, &r->xs, per, big, dump, &r->xsecs);
    }
    if (dump && fclose(dump)) ec = EXIT_RESOURCE;
    if (ec == EXIT_OK && bootstrap(per, sf->nxq, r->clo, r->chi)) ec = EXIT_RESOURCE;
    if (a->per_path) r->xper = per; /* written with Protocol S's by eval_write_per */
    else free(per);
    return ec;
}

/* Protocol X's part of the JSON report. */
static json_t *eval_json_x(const eval_args *a, const eval_result *r) {
    const xstats *xs = &r->xs;
    json_t *xo = json_object(), *t = json_object(), *p = json_object();
    json_object_set_new(xo, "queries", json_integer((json_int_t)xs->nqueries));
    json_object_set_new(xo, "targets", json_integer((json_int_t)xs->ntargets));
    json_object_set_new(t, "recall_at_5", json_real(ratio(xs->t5, xs->ntargets)));
    json_object_set_new(t, "recall_at_10", json_real(ratio(xs->t10, xs->ntargets)));
    json_object_set_new(t, "sw_recall_at_10", json_real(ratio(xs->sw10, xs->swall)));
    json_object_set_new(t, "serendipity_at_10", json_real(ratio(xs->ser_hit, xs->ser_all)));
    static const char *mn[XM_N] = {"recall_at_5", "recall_at_10", "sw_recall_at_10",
                                   "serendipity_at_10"};
    json_t *ci = json_object();
    for (int m = 0; m < XM_N; m++) {
        json_t *pair = json_array();
        json_array_append_new(pair, json_real(r->clo[m]));
        json_array_append_new(pair, json_real(r->chi[m]));
        json_object_set_new(ci, mn[m], pair);
    }
    json_object_set_new(t, "ci95", ci);
    json_t *dr = json_object(), *bl = json_array();
    for (int k = 0; k < 3; k++) json_array_append_new(bl, json_string(r->bigs[k]));
    json_object_set_new(dr, "fields", bl);
    json_object_set_new(dr, "share_of_proposals", json_real(ratio(xs->prop_big, xs->prop)));
    json_object_set_new(dr, "share_of_targets", json_real(ratio(xs->tgt_big, xs->ntargets)));
    json_object_set_new(xo, "drift", dr);
    if (a->ref5 > 0 && a->refser > 0) {
        json_t *rf = json_object();
        json_object_set_new(rf, "recall_at_5", json_real(a->ref5));
        json_object_set_new(rf, "serendipity_at_10", json_real(a->refser));
        json_object_set_new(xo, "reference", rf);
    }
    json_object_set_new(p, "recall_at_5", json_real(ratio(xs->p5, xs->ntargets)));
    json_object_set_new(p, "recall_at_10", json_real(ratio(xs->p10, xs->ntargets)));
    json_object_set_new(p, "sw_recall_at_10", json_real(ratio(xs->psw10, xs->swall)));
    json_object_set_new(p, "serendipity_at_10", json_real(0));
    json_object_set_new(xo, "tenyo", t);
    json_object_set_new(xo, "prior", p);
    json_object_set_new(xo, "seconds", json_real(r->xsecs));
    return xo;
}

/* The report as one JSON object (--json). */
static void eval_print_json(const eval_args *a, const eval_result *r) {
    const split_filter *sf = &a->sf;
    json_t *o = json_object(), *md = json_object();
    json_object_set_new(o, "protocol", json_string("S"));
    json_object_set_new(o, "salt", json_string(sf->salt));
    json_object_set_new(o, "modulus", json_integer(sf->mod));
    json_object_set_new(o, "train_docs", json_integer((json_int_t)r->ndocs));
    json_object_set_new(o, "test_docs_left_out",
                        json_integer((json_int_t)(r->tot.filtered - sf->no_text)));
    json_object_set_new(o, "docs_without_abstract_or_codes", json_integer((json_int_t)sf->no_text));
    json_object_set_new(o, "queries", json_integer((json_int_t)r->nq));
    json_object_set_new(o, "terms", json_integer((json_int_t)r->st.terms));
    json_object_set_new(o, "rank", json_integer(r->st.dim));
    json_object_set_new(o, "build_seconds", json_real(r->t_build));
    for (int mi = 0; mi < a->nm; mi++) {
        json_t *m = json_object();
        json_object_set_new(m, "p_at_10", json_real(r->p10[mi]));
        json_object_set_new(m, "seconds", json_real(r->secs[mi]));
        json_object_set_new(m, "queries_per_second",
                            json_real(r->nq / (r->secs[mi] > 0 ? r->secs[mi] : 1e-9)));
        json_object_set_new(md, cli_mode_name(a->mlist[mi]), m);
    }
    if (a->do_s) json_object_set_new(o, "modes", md);
    else json_decref(md);
    if (a->do_x) json_object_set_new(o, "protocol_x", eval_json_x(a, r));
    cli_print_json(o);
    json_decref(o);
}

/* Protocol X's part of the text report. */
static void eval_print_x(const eval_args *a, const eval_result *r) {
    const xstats *xs = &r->xs;
    const double *clo = r->clo, *chi = r->chi;
    const double tv[XM_N] = {ratio(xs->t5, xs->ntargets), ratio(xs->t10, xs->ntargets),
                             ratio(xs->sw10, xs->swall), ratio(xs->ser_hit, xs->ser_all)};
    double ref5 = a->ref5, refser = a->refser;
    printf("Protocol X: %.0f queries, %.0f targets, %.2f s (%.0f queries/s)\n",
           xs->nqueries, xs->ntargets, r->xsecs, xs->nqueries / (r->xsecs > 0 ? r->xsecs : 1e-9));
    printf("%-8s %10s %10s %14s %16s\n", "ranker", "recall@5", "recall@10",
           "sw_recall@10", "serendipity@10");
    printf("%-8s %10.3f %10.3f %14.3f %16.3f\n", "prior", ratio(xs->p5, xs->ntargets),
           ratio(xs->p10, xs->ntargets), ratio(xs->psw10, xs->swall), 0.0);
    printf("%-8s %10.3f %10.3f %14.3f %16.3f\n", "tenyo", tv[XM_R5], tv[XM_R10],
           tv[XM_SW10], tv[XM_SER]);
    printf("%-8s  %.3f-%.3f  %.3f-%.3f    %.3f-%.3f      %.3f-%.3f   (95%% bootstrap, %d resamples of the queries)\n",
           "  ci95", clo[XM_R5], chi[XM_R5], clo[XM_R10], chi[XM_R10], clo[XM_SW10], chi[XM_SW10],
           clo[XM_SER], chi[XM_SER], BOOT_B);
    if (ref5 > 0 && refser > 0)
        printf("against the reference (recall@5 %.3f, serendipity@10 %.3f): recall@5 %.3fx "
               "(%.3f-%.3f), serendipity@10 %.3fx (%.3f-%.3f)\n", ref5, refser,
               tv[XM_R5] / ref5, clo[XM_R5] / ref5, chi[XM_R5] / ref5, tv[XM_SER] / refser,
               clo[XM_SER] / refser, chi[XM_SER] / refser);
    printf("drift: %.1f%% of %.0f proposals fall in the 3 largest fields (%s %s %s); "
           "%.1f%% of the targets do\n", 100 * ratio(xs->prop_big, xs->prop), xs->prop,
           r->bigs[0], r->bigs[1], r->bigs[2], 100 * ratio(xs->tgt_big, xs->ntargets));
    printf("serendipity targets: %.0f found of %.0f; %.0f in no train document, %.0f in "
           "fewer than 3 (out of reach of any ranker that learns from the index)\n",
           xs->ser_hit, xs->ser_all, xs->ser_absent, xs->ser_rare);
}

/* The report as text. */
static void eval_print_text(const eval_args *a, const eval_result *r) {
    const split_filter *sf = &a->sf;
    printf("split (salt \"%s\", modulus %u): %llu train docs, %llu test docs left out, "
           "%llu records without abstract or codes left out)\n",
           sf->salt, sf->mod, (unsigned long long)r->ndocs,
           (unsigned long long)(r->tot.filtered - sf->no_text), sf->no_text);
    printf("index: %llu terms, rank %d, built in %.1f s\n", (unsigned long long)r->st.terms,
           r->st.dim, r->t_build);
    if (a->do_s) {
        printf("Protocol S: %llu queries (%llu docs without a main group not queried)\n",
               (unsigned long long)r->nq, (unsigned long long)(r->ndocs - r->nq));
        printf("%-8s %8s %10s %10s\n", "mode", "P@10", "seconds", "queries/s");
        for (int mi = 0; mi < a->nm; mi++)
            printf("%-8s %8.3f %10.2f %10.0f\n", cli_mode_name(a->mlist[mi]), r->p10[mi],
                   r->secs[mi], r->nq / (r->secs[mi] > 0 ? r->secs[mi] : 1e-9));
    }
    if (a->do_x) eval_print_x(a, r);
}

/* --per-query: one line per query of each protocol, so that two runs can
 * be compared query by query (eval/paired.py: paired bootstrap). Protocol
 * S: hits10 = the query's neighbours sharing a main group, targets = 10;
 * Protocol X: its sums (xstats) as they enter the totals. EXIT_OK or
 * EXIT_RESOURCE after a message. */
static int eval_write_per(const eval_args *a, const eval_result *r) {
    FILE *f = fopen(a->per_path, "w");
    if (!f) {
        cli_err("--per-query %s: cannot create\n", cli_safe(a->per_path));
        return EXIT_RESOURCE;
    }
    fputs(PER_HEAD "hits5\thits10\tsw10\tswall\tser_hit\tser_all\ttargets\n", f);
    for (int mi = 0; mi < a->nm && a->do_s; mi++)
        for (uint64_t d = 0; r->srel[mi] && d < r->ndocs; d++)
            if (r->srel[mi][d] >= 0)
                fprintf(f, "S\t%s\t%llu\t\t%d\t\t\t\t\t10\n", cli_mode_name(a->mlist[mi]),
                        (unsigned long long)d, r->srel[mi][d]);
    for (size_t i = 0; r->xper && i < a->sf.nxq; i++) {
        const xstats *q = &r->xper[i];
        fprintf(f, "X\tideas\t%zu\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\n", i,
                q->t5, q->t10, q->sw10, q->swall, q->ser_hit, q->ser_all, q->ntargets);
    }
    if (fclose(f)) {
        cli_err("--per-query %s: cannot write\n", cli_safe(a->per_path));
        return EXIT_RESOURCE;
    }
    return EXIT_OK;
}

int cli_cmd_eval(int argc, char **argv) {
    eval_args a = {.sf = {.salt = "dev", .mod = 4}, .weight = -1};
    tenyo_ideas_opts_default(&a.io);
    a.io.min_confidence = 0; /* Protocol X ranks the full list, */
    a.io.merge = 0;          /* one field per proposal */
    tenyo_build_opts_default(&a.bo);
    int ec = eval_parse(argc, argv, &a);
    if (ec >= 0) return ec;
    eval_result r = {.bigs = {"-", "-", "-"}};
    tenyo_index *x = NULL;
    if ((ec = eval_check_outputs(&a))) return ec;
    ec = eval_train_index(&a, &r, &x);
    tenyo_writer_free(a.w); /* the kept index is in place (or not written) */
    if (ec) return ec;
    groups g = {0};
    if (build_groups(x, &g)) {
        cli_err("out of memory\n");
        tenyo_index_free(x);
        return EXIT_RESOURCE;
    }
    int nt = a.bo.threads > 0 ? a.bo.threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nt < 1) nt = 1;
    if (nt > 64) nt = 64;
    if (a.do_s) ec = eval_protocol_s(&a, x, &g, nt, &r);
    r.ndocs = tenyo_index_ndocs(x);
    int64_t big[3] = {-1, -1, -1};
    if (a.do_x && ec == EXIT_OK) ec = eval_protocol_x(&a, x, nt, big, &r);
    for (int k = 0; k < 3; k++) {
        const char *code = NULL;
        if (big[k] >= 0 && tenyo_index_field(x, (uint32_t)big[k], &code, NULL) == TENYO_OK)
            snprintf(r.bigs[k], sizeof r.bigs[k], "%s", code);
    }
    if (ec == EXIT_OK && a.per_path) ec = eval_write_per(&a, &r);
    if (a.json) eval_print_json(&a, &r);
    else eval_print_text(&a, &r);
    for (int mi = 0; mi < 3; mi++) free(r.srel[mi]);
    free(r.xper);
    free(g.h);
    free(g.ptr);
    for (size_t i = 0; i < a.sf.nxq; i++) {
        free(a.sf.xq[i].text);
        free(a.sf.xq[i].targets);
    }
    free(a.sf.xq);
    tenyo_index_free(x);
    return ec;
}
