/*
 * test_prune.c — the pruned TF-IDF and hybrid scans (search/prune.c,
 * api/index.c score_pruned) answer exactly what the full scan answers:
 * the same documents with the same score bits, ties included, for many
 * queries (by document and by text), modes tfidf and hybrid, k 1 / 10 /
 * 100, the float and the int8 LSA scan (the int8 one re-scores its best
 * candidates: the re-scored set must be the scan's), with and without a
 * filter; batches and ideas too. On the bundled sample and on a generated
 * corpus (bench/gen_corpus.c, built next to this program by make test).
 * Each comparison also requires that pruning did answer most queries, so
 * the identity is not that of two full scans.
 */
#include "api/api.h"
#include "test.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SAMPLE "data/sample/sample.jsonl"

/* Build file into path (threads 2, rank dim): 0, or -1 (ty_test_build). */
static int build_index(const char *file, const char *path, int dim) {
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.threads = 2;
    bo.dim = dim;
    return ty_test_build(file, INT_MAX, &bo, path);
}

/* The generated corpus index (n documents), built once; NULL when the
 * generator is missing (it is built by make test). */
static const char *gen_index(int n) {
    static char path[PATH_MAX];
    static int done;
    if (done) return path[0] ? path : NULL;
    done = 1;
    char exe[PATH_MAX], gen[PATH_MAX + 32], jsonl[PATH_MAX], cmd[3 * PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (l <= 0) return NULL;
    exe[l] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash) return NULL;
    *slash = 0;
    snprintf(gen, sizeof gen, "%s/gen_corpus", exe);
    if (access(gen, X_OK)) return NULL;
    snprintf(jsonl, sizeof jsonl, "%s/prune_gen.jsonl", ty_test_tmpdir());
    snprintf(cmd, sizeof cmd, "'%s' -n %d -s 7 -o '%s'", gen, n, jsonl);
    if (system(cmd)) return NULL;
    snprintf(path, sizeof path, "%s/prune_gen.tny", ty_test_tmpdir());
    if (build_index(jsonl, path, 64)) path[0] = 0;
    return path[0] ? path : NULL;
}

/* Two contexts on one index opened with the postings and pruning on
 * (TENYO_PRUNE=on): a pruning one and one that scans in full. */
typedef struct pair {
    tenyo_index *x;
    tenyo_ctx *p, *f; /* pruned, full */
} pair;

static int pair_open(pair *pr, const char *path) {
    char err[512];
    memset(pr, 0, sizeof *pr);
    setenv("TENYO_POSTINGS", "on", 1);
    setenv("TENYO_PRUNE", "on", 1);
    int rc = tenyo_index_open(path, &pr->x, err, sizeof err);
    unsetenv("TENYO_POSTINGS");
    unsetenv("TENYO_PRUNE");
    if (!rc) rc = tenyo_ctx_new(pr->x, &pr->p, err, sizeof err);
    if (!rc) rc = tenyo_ctx_new(pr->x, &pr->f, err, sizeof err);
    if (!rc) pr->f->prune = 0;
    return rc;
}

static void pair_close(pair *pr) {
    tenyo_ctx_free(pr->p);
    tenyo_ctx_free(pr->f);
    tenyo_index_free(pr->x);
}

/* Compare pruned and full answers over nq documents (every step-th) and
 * the titles of a few: returns the number of differences; *asked counts
 * the queries, the contexts' npruned how many were pruned. */
static int compare_similar(pair *pr, tenyo_mode mode, size_t k, uint64_t step, int texts,
                           uint64_t *asked, char *why, size_t whylen) {
    uint64_t nd = tenyo_index_ndocs(pr->x);
    tenyo_hit *a = malloc(k * sizeof *a), *b = malloc(k * sizeof *b);
    int bad = 0;
    for (uint64_t d = 0; d < nd && a && b; d += step) {
        int na = tenyo_similar_doc(pr->p, d, mode, k, a);
        int nb = tenyo_similar_doc(pr->f, d, mode, k, b);
        (*asked)++;
        int same = na == nb;
        for (int i = 0; same && i < na; i++)
            same = a[i].doc == b[i].doc && memcmp(&a[i].score, &b[i].score, sizeof a[i].score) == 0;
        if (!same && !bad++)
            snprintf(why, whylen, "mode %d k %zu doc %llu: %d vs %d hits, first %llu/%g vs %llu/%g",
                     (int)mode, k, (unsigned long long)d, na, nb,
                     na > 0 ? (unsigned long long)a[0].doc : 0ULL, na > 0 ? a[0].score : 0.,
                     nb > 0 ? (unsigned long long)b[0].doc : 0ULL, nb > 0 ? b[0].score : 0.);
    }
    for (int t = 0; t < texts && a && b; t++) {
        tenyo_doc_meta m;
        if (tenyo_index_doc(pr->x, (uint64_t)t * 37 % nd, &m) || !m.title || !*m.title) continue;
        int na = tenyo_similar_text(pr->p, m.title, strlen(m.title), mode, k, a);
        int nb = tenyo_similar_text(pr->f, m.title, strlen(m.title), mode, k, b);
        (*asked)++;
        int same = na == nb;
        for (int i = 0; same && i < na; i++)
            same = a[i].doc == b[i].doc && memcmp(&a[i].score, &b[i].score, sizeof a[i].score) == 0;
        if (!same && !bad++)
            snprintf(why, whylen, "mode %d k %zu text \"%s\": %d vs %d hits", (int)mode, k, m.title,
                     na, nb);
    }
    free(a);
    free(b);
    return bad;
}

/* Every combination on one index: modes tfidf / hybrid, k 1 / 10 / 100,
 * LSA scan float / int8, no filter / a date range and a field excluded. */
static void identity_on(ty_test_state *ts_, const char *path, uint64_t step, const char *from,
                        const char *to, const char *nofield) {
    pair pr;
    CHECK_EQ_INT(pair_open(&pr, path), TENYO_OK);
    tenyo_filter *f[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) CHECK_EQ_INT(tenyo_filter_new(pr.x, &f[i]), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_dates(f[0], from, to), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_field(f[0], nofield, 1), TENYO_OK);
    int64_t kept = tenyo_filter_count(f[0]);
    uint64_t nd = tenyo_index_ndocs(pr.x);
    CHECKF(kept > 0 && (uint64_t)kept < nd, "the filter keeps %lld of %llu", (long long)kept,
           (unsigned long long)nd);
    static const size_t ks[3] = {1, 10, 100};
    char why[512] = "";
    for (int filt = 0; filt < 2; filt++)
        for (int scan = 0; scan < 2; scan++) {
            tenyo_scan sc = scan ? TENYO_SCAN_INT8 : TENYO_SCAN_FP32;
            CHECK_EQ_INT(tenyo_ctx_set_scan(pr.p, sc), TENYO_OK);
            CHECK_EQ_INT(tenyo_ctx_set_scan(pr.f, sc), TENYO_OK);
            CHECK_EQ_INT(tenyo_ctx_set_filter(pr.p, filt ? f[0] : NULL), TENYO_OK);
            CHECK_EQ_INT(tenyo_ctx_set_filter(pr.f, filt ? f[0] : NULL), TENYO_OK);
            for (int mode = TENYO_MODE_TFIDF; mode <= TENYO_MODE_HYBRID; mode += 2)
                for (int ki = 0; ki < 3; ki++) {
                    uint64_t asked = 0, before = pr.p->npruned;
                    int bad = compare_similar(&pr, (tenyo_mode)mode, ks[ki], step, 8, &asked, why,
                                              sizeof why);
                    CHECKF(bad == 0, "%d of %llu queries differ (filter %d, scan %d): %s", bad,
                           (unsigned long long)asked, filt, scan, why);
                    CHECK(pr.f->npruned == 0);
                    /* pruning answered most of them where the rank it
                     * must bound is a small share of the index (k + 1,
                     * or the int8 scan's re-scored max(4 (k + 1), 256)) */
                    size_t rank = scan && mode == TENYO_MODE_HYBRID
                                      ? (4 * (ks[ki] + 1) > 256 ? 4 * (ks[ki] + 1) : 256)
                                      : ks[ki] + 1;
                    if (rank * 8 <= nd)
                        CHECKF((pr.p->npruned - before) * 2 >= asked,
                               "pruned %llu of %llu (mode %d k %zu filter %d scan %d)",
                               (unsigned long long)(pr.p->npruned - before),
                               (unsigned long long)asked, mode, ks[ki], filt, scan);
                }
        }
    tenyo_ctx_set_filter(pr.p, NULL);
    tenyo_ctx_set_filter(pr.f, NULL);
    for (int i = 0; i < 2; i++) tenyo_filter_free(f[i]);
    pair_close(&pr);
}

TY_TEST(prune_identical_sample) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/prune_sample.tny", ty_test_tmpdir());
    CHECK_EQ_INT(build_index(SAMPLE, path, 0), TENYO_OK);
    identity_on(ts_, path, 1, "2015", "2022", "G06");
}

TY_TEST(prune_identical_generated) {
    const char *path = gen_index(4000);
    if (!path) {
        snprintf(ts_->msg, sizeof ts_->msg, "no generated corpus (gen_corpus not built)");
        ts_->failed = 1;
        return;
    }
    identity_on(ts_, path, 23, "2010", "2020", "G06");
}

/* Batches (what tenyo serve and --batch use): pruned equal full; and
 * ideas. */
typedef struct bres {
    tenyo_hit h[64][10];
    int n[64];
} bres;

static void bcb(void *ud, size_t i, int got, const tenyo_hit *hits) {
    bres *r = ud;
    r->n[i] = got;
    for (int j = 0; j < got && j < 10; j++) r->h[i][j] = hits[j];
}

TY_TEST(prune_batch_and_ideas_identical) {
    const char *path = gen_index(4000);
    CHECK(path != NULL);
    pair pr;
    CHECK_EQ_INT(pair_open(&pr, path), TENYO_OK);
    uint64_t nd = tenyo_index_ndocs(pr.x);
    tenyo_query q[64];
    for (int i = 0; i < 64; i++) q[i] = (tenyo_query){.doc = (int64_t)((uint64_t)i * 61 % nd)};
    static bres r, rf;
    for (int scan = 0; scan < 2; scan++) {
        tenyo_scan sc = scan ? TENYO_SCAN_INT8 : TENYO_SCAN_FP32;
        CHECK_EQ_INT(tenyo_ctx_set_scan(pr.p, sc), TENYO_OK);
        CHECK_EQ_INT(tenyo_ctx_set_scan(pr.f, sc), TENYO_OK);
        for (int mode = TENYO_MODE_TFIDF; mode <= TENYO_MODE_HYBRID; mode += 2) {
            uint64_t before = pr.p->npruned;
            CHECK_EQ_INT(tenyo_similar_batch(pr.p, q, 64, (tenyo_mode)mode, 10, bcb, &r), TENYO_OK);
            CHECK(pr.p->npruned - before >= 32);
            CHECK_EQ_INT(tenyo_similar_batch(pr.f, q, 64, (tenyo_mode)mode, 10, bcb, &rf),
                         TENYO_OK);
            for (int i = 0; i < 64; i++) {
                CHECK_EQ_INT(r.n[i], rf.n[i]);
                for (int j = 0; j < r.n[i]; j++)
                    CHECKF(r.h[i][j].doc == rf.h[i][j].doc && r.h[i][j].score == rf.h[i][j].score,
                           "batch query %d rank %d mode %d scan %d", i, j, mode, scan);
            }
        }
    }
    /* ideas (hybrid neighbours, the int8 scan): the same proposals */
    tenyo_ideas_opts o;
    tenyo_ideas_opts_default(&o);
    CHECK_EQ_INT(tenyo_ctx_set_scan(pr.p, TENYO_SCAN_INT8), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_set_scan(pr.f, TENYO_SCAN_INT8), TENYO_OK);
    uint64_t before = pr.p->npruned;
    for (int i = 0; i < 40; i++) {
        uint64_t d = (uint64_t)i * 197 % nd;
        /* the default 300 neighbours re-score 1,204 of 4,000: little to
         * prune; 30 (256 re-scored) prunes */
        o.knn = i % 2 ? 30 : 0;
        tenyo_idea a[10], b[10];
        int na = tenyo_ideas_doc(pr.p, d, &o, 10, a);
        int nb = tenyo_ideas_doc(pr.f, d, &o, 10, b);
        CHECK_EQ_INT(na, nb);
        for (int j = 0; j < na; j++) {
            CHECKF(a[j].field == b[j].field && a[j].score == b[j].score &&
                       a[j].nevidence == b[j].nevidence,
                   "ideas doc %llu rank %d", (unsigned long long)d, j);
            for (int e = 0; e < a[j].nevidence; e++)
                CHECK(a[j].evidence[e].doc == b[j].evidence[e].doc &&
                      a[j].evidence[e].score == b[j].evidence[e].score);
        }
    }
    CHECK(pr.p->npruned - before >= 10);
    pair_close(&pr);
}

/* An LSA batch over the int8 scan ranks from each query's best documents
 * by int8 score (ty_q8_topk_multi, no score block): the same hits, bit for
 * bit, as single queries scoring every document, for k from 1 to past the
 * re-scored 256, queries by document (the document left out) and by text,
 * and with a filter (which keeps the score block). */
typedef struct cres {
    tenyo_hit h[64][300];
    int n[64];
} cres;

static void ccb(void *ud, size_t i, int got, const tenyo_hit *hits) {
    cres *r = ud;
    r->n[i] = got;
    for (int j = 0; j < got && j < 300; j++) r->h[i][j] = hits[j];
}

TY_TEST(prune_lsa_batch_candidates_identical) {
    const char *path = gen_index(4000);
    CHECK(path != NULL);
    pair pr;
    CHECK_EQ_INT(pair_open(&pr, path), TENYO_OK);
    uint64_t nd = tenyo_index_ndocs(pr.x);
    const char *txt = "車両の運転者の眠気をカメラで検出し、車両の制御に使う車両装置";
    tenyo_query q[64];
    for (int i = 0; i < 64; i++)
        q[i] = i % 9 == 8 ? (tenyo_query){.doc = -1, .text = txt, .len = strlen(txt)}
                          : (tenyo_query){.doc = (int64_t)((uint64_t)i * 61 % nd)};
    static cres r;
    CHECK_EQ_INT(tenyo_ctx_set_scan(pr.f, TENYO_SCAN_INT8), TENYO_OK);
    tenyo_filter *f = NULL;
    CHECK_EQ_INT(tenyo_filter_new(pr.x, &f), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_dates(f, "2010", "2020"), TENYO_OK);
    const size_t ks[] = {1, 10, 63, 300};
    for (int filt = 0; filt < 2; filt++) {
        CHECK_EQ_INT(tenyo_ctx_set_filter(pr.f, filt ? f : NULL), TENYO_OK);
        for (size_t a = 0; a < 4; a++) {
            size_t k = ks[a];
            CHECK_EQ_INT(tenyo_similar_batch(pr.f, q, 64, TENYO_MODE_LSA, k, ccb, &r), TENYO_OK);
            for (int i = 0; i < 64; i++) {
                tenyo_hit h[300];
                int n = q[i].doc >= 0
                            ? tenyo_similar_doc(pr.f, (uint64_t)q[i].doc, TENYO_MODE_LSA, k, h)
                            : tenyo_similar_text(pr.f, txt, strlen(txt), TENYO_MODE_LSA, k, h);
                CHECK_EQ_INT(r.n[i], n);
                for (int j = 0; j < n; j++)
                    CHECKF(r.h[i][j].doc == h[j].doc &&
                               memcmp(&r.h[i][j].score, &h[j].score, sizeof h[j].score) == 0,
                           "k %zu query %d rank %d filter %d", k, i, j, filt);
            }
        }
    }
    tenyo_ctx_set_filter(pr.f, NULL);
    tenyo_filter_free(f);
    pair_close(&pr);
}

/* Pruning is opt-in: without TENYO_PRUNE=on no block maxima are built and
 * no scan prunes. */
TY_TEST(prune_off_by_default) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/prune_default.tny", ty_test_tmpdir());
    CHECK_EQ_INT(build_index(SAMPLE, path, 0), TENYO_OK);
    char err[512];
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    unsetenv("TENYO_PRUNE");
    setenv("TENYO_POSTINGS", "on", 1);
    CHECK_EQ_INT(tenyo_index_open(path, &x, err, sizeof err), TENYO_OK);
    unsetenv("TENYO_POSTINGS");
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    tenyo_hit h[10];
    for (uint64_t d = 0; d < 20; d++) CHECK(tenyo_similar_doc(c, d, TENYO_MODE_HYBRID, 10, h) > 0);
    CHECK(x->post.rowptr != NULL && x->bmax.ptr == NULL && c->npruned == 0);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* A copy of the generated index with every 7th document deleted (an
 * update over the base, applied at open) into path. */
static void deleted_index(ty_test_state *ts_, const char *name, char *path, size_t len) {
    const char *gen = gen_index(4000);
    CHECK(gen != NULL);
    char cmd[3 * PATH_MAX], err[512];
    snprintf(path, len, "%s/%s", ty_test_tmpdir(), name);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", gen, path);
    CHECK(system(cmd) == 0);
    tenyo_index *x = NULL;
    CHECK_EQ_INT(tenyo_index_open(path, &x, err, sizeof err), TENYO_OK);
    uint64_t nd = tenyo_index_ndocs(x);
    tenyo_update *u = NULL;
    CHECK_EQ_INT(tenyo_update_open(path, NULL, &u, err, sizeof err), TENYO_OK);
    int deleted = 0;
    for (uint64_t d = 0; d < nd; d += 7) {
        tenyo_doc_meta m;
        CHECK_EQ_INT(tenyo_index_doc(x, d, &m), TENYO_OK);
        deleted += tenyo_update_delete(u, m.id) == 1;
    }
    tenyo_update_stats st;
    CHECK_EQ_INT(tenyo_update_commit(u, &st), TENYO_OK);
    tenyo_update_free(u);
    tenyo_index_free(x);
    CHECK(deleted > 500);
    CHECK_EQ_INT(tenyo_index_open(path, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_ndocs(x), nd - (uint64_t)deleted);
    tenyo_index_free(x);
}

/* Deletions: the pruned scan over what is left equals the full one. */
TY_TEST(prune_identical_after_deletions) {
    char path[PATH_MAX];
    deleted_index(ts_, "prune_del.tny", path, sizeof path);
    if (ts_->failed) return;
    identity_on(ts_, path, 29, "2010", "2020", "G06");
}

/* ============================== one query on several threads (api/index.c)
 *
 * A query's scoring split by document ranges (tenyo_ctx_set_threads)
 * answers the same bits as on one thread: 2 and 3 threads (ranges of 1,333
 * documents, not multiples of the int8 scan's blocks), and 2 with pruning
 * (the LSA scan split before the pruned scan), against 1, with the split
 * forced on these small indexes (par_min 1); modes tfidf / lsa / hybrid,
 * k 1 / 10 / 100, the float and int8 LSA scans, the TF-IDF postings walk
 * and the rows' gather, a filter, after deletions, in batches, and ideas
 * (the neighbour selections split too: open_only, a filter). */

/* Contexts on one index: c[0..2] full scans on 1, 2, 3 threads; c[3] 2
 * threads, pruning. */
typedef struct tctx {
    tenyo_index *x;
    tenyo_ctx *c[4];
} tctx;

static int tctx_open(tctx *t, const char *path, const char *postings) {
    char err[512];
    memset(t, 0, sizeof *t);
    setenv("TENYO_POSTINGS", postings, 1);
    setenv("TENYO_PRUNE", "on", 1);
    int rc = tenyo_index_open(path, &t->x, err, sizeof err);
    unsetenv("TENYO_POSTINGS");
    unsetenv("TENYO_PRUNE");
    for (int i = 0; i < 4 && !rc; i++) {
        rc = tenyo_ctx_new(t->x, &t->c[i], err, sizeof err);
        if (rc) break;
        t->c[i]->par_min = 1;
        t->c[i]->prune = i == 3;
        rc = tenyo_ctx_set_threads(t->c[i], i < 3 ? i + 1 : 2);
    }
    return rc;
}

static void tctx_close(tctx *t) {
    for (int i = 0; i < 4; i++) tenyo_ctx_free(t->c[i]);
    tenyo_index_free(t->x);
}

static int same_hits(int na, const tenyo_hit *a, int nb, const tenyo_hit *b) {
    if (na != nb) return 0;
    for (int i = 0; i < na; i++)
        if (a[i].doc != b[i].doc || memcmp(&a[i].score, &b[i].score, sizeof a[i].score)) return 0;
    return 1;
}

/* One proposal equal to another: field, every score, support, evidence. */
static int idea_eq(const tenyo_idea *x, const tenyo_idea *y) {
    int eq = x->field == y->field && x->score == y->score && x->confidence == y->confidence &&
             x->support == y->support && x->nevidence == y->nevidence;
    for (int e = 0; eq && e < x->nevidence; e++)
        eq = x->evidence[e].doc == y->evidence[e].doc && x->evidence[e].score == y->evidence[e].score;
    return eq;
}

static int same_ideas(int na, const tenyo_idea *a, int nb, const tenyo_idea *b) {
    int eq = na == nb;
    for (int j = 0; eq && j < na; j++) eq = idea_eq(&a[j], &b[j]);
    return eq;
}

/* Every combination of similar (by document, every step-th, and a few
 * titles) on c[1..3] against c[0]; then batches and ideas. */
static void threads_identity_on(ty_test_state *ts_, const char *path, uint64_t step) {
#if defined(__SANITIZE_THREAD__)
    step *= 8; /* an eighth of the queries there: every path still runs on threads */
#endif
    static const size_t ks[3] = {1, 10, 100};
    static const char *post[2] = {"on", "off"};
    tenyo_hit *a = malloc(100 * sizeof *a), *b = malloc(100 * sizeof *b);
    CHECK(a && b);
    for (int pi = 0; pi < 2 && !ts_->failed; pi++) {
        tctx t;
        CHECK_EQ_INT(tctx_open(&t, path, post[pi]), TENYO_OK);
        uint64_t nd = tenyo_index_ndocs(t.x);
        tenyo_filter *f = NULL;
        CHECK_EQ_INT(tenyo_filter_new(t.x, &f), TENYO_OK);
        CHECK_EQ_INT(tenyo_filter_dates(f, "2010", "2020"), TENYO_OK);
        CHECK_EQ_INT(tenyo_filter_field(f, "G06", 1), TENYO_OK);
        int bad = 0;
        char why[256] = "";
        for (int filt = 0; filt < 2; filt++)
            for (int scan = 0; scan < 2; scan++) {
                for (int i = 0; i < 4; i++) {
                    tenyo_ctx_set_scan(t.c[i], scan ? TENYO_SCAN_INT8 : TENYO_SCAN_FP32);
                    tenyo_ctx_set_filter(t.c[i], filt ? f : NULL);
                }
                for (int mode = TENYO_MODE_TFIDF; mode <= TENYO_MODE_HYBRID; mode++)
                    for (int ki = 0; ki < 3; ki++)
                        for (uint64_t q = 0; q < nd + 6 * step; q += step) {
                            int na, nb;
                            tenyo_doc_meta m;
                            int text = q >= nd;
                            if (text && (tenyo_index_doc(t.x, q % nd, &m) || !m.title || !*m.title))
                                continue;
                            na = text ? tenyo_similar_text(t.c[0], m.title, strlen(m.title),
                                                           (tenyo_mode)mode, ks[ki], a)
                                      : tenyo_similar_doc(t.c[0], q, (tenyo_mode)mode, ks[ki], a);
                            for (int i = 1; i < 4; i++) {
                                nb = text ? tenyo_similar_text(t.c[i], m.title, strlen(m.title),
                                                               (tenyo_mode)mode, ks[ki], b)
                                          : tenyo_similar_doc(t.c[i], q, (tenyo_mode)mode, ks[ki],
                                                              b);
                                if (!same_hits(na, a, nb, b) && !bad++)
                                    snprintf(why, sizeof why,
                                             "ctx %d postings %s filter %d scan %d mode %d k %zu "
                                             "query %llu: %d vs %d hits",
                                             i, post[pi], filt, scan, mode, ks[ki],
                                             (unsigned long long)q, na, nb);
                            }
                        }
            }
        CHECKF(bad == 0, "%d answers differ: %s", bad, why);
        /* batches (one LSA pass for the queries, the rest per query) */
        static bres r[4];
        tenyo_query bq[64];
        for (int i = 0; i < 64; i++) bq[i] = (tenyo_query){.doc = (int64_t)((uint64_t)i * 61 % nd)};
        for (int i = 0; i < 4; i++) tenyo_ctx_set_filter(t.c[i], NULL);
        for (int scan = 0; scan < 2; scan++)
            for (int mode = TENYO_MODE_TFIDF; mode <= TENYO_MODE_HYBRID; mode++) {
                for (int i = 0; i < 4; i++) {
                    tenyo_ctx_set_scan(t.c[i], scan ? TENYO_SCAN_INT8 : TENYO_SCAN_FP32);
                    CHECK_EQ_INT(tenyo_similar_batch(t.c[i], bq, 64, (tenyo_mode)mode, 10, bcb,
                                                     &r[i]),
                                 TENYO_OK);
                }
                for (int i = 1; i < 4; i++)
                    for (int j = 0; j < 64; j++)
                        CHECKF(same_hits(r[0].n[j], r[0].h[j], r[i].n[j], r[i].h[j]),
                               "batch ctx %d query %d mode %d scan %d", i, j, mode, scan);
            }
        /* ideas: hybrid and tfidf neighbours, 300 and 30 of them, open
         * documents only, a filter */
        tenyo_ideas_opts o;
        for (int i = 0; i < 4; i++) tenyo_ctx_set_scan(t.c[i], TENYO_SCAN_INT8);
        for (int v = 0; v < 16; v++) {
            tenyo_ideas_opts_default(&o);
            o.knn = v & 1 ? 30 : 0;
            o.open_only = (v >> 1) & 1;
            o.mode = v & 4 ? TENYO_MODE_TFIDF : TENYO_MODE_HYBRID;
            for (int i = 0; i < 4; i++) tenyo_ctx_set_filter(t.c[i], v & 8 ? f : NULL);
            for (int qi = 0; qi < 6; qi++) {
                uint64_t d = ((uint64_t)qi * 197 + (uint64_t)v * 31) % nd;
                tenyo_idea ia[10], ib[10];
                int na = tenyo_ideas_doc(t.c[0], d, &o, 10, ia);
                CHECK(na >= 0);
                for (int i = 1; i < 4; i++) {
                    int nb = tenyo_ideas_doc(t.c[i], d, &o, 10, ib);
                    CHECKF(same_ideas(na, ia, nb, ib), "ideas ctx %d doc %llu options %d", i,
                           (unsigned long long)d, v);
                }
            }
        }
        for (int i = 0; i < 4; i++) tenyo_ctx_set_filter(t.c[i], NULL);
        tenyo_filter_free(f);
        tctx_close(&t);
    }
    free(a);
    free(b);
}

TY_TEST(threads_identical_generated) {
    const char *path = gen_index(4000);
    CHECK(path != NULL);
    threads_identity_on(ts_, path, 53);
}

TY_TEST(threads_identical_after_deletions) {
    char path[PATH_MAX];
    deleted_index(ts_, "threads_del.tny", path, sizeof path);
    if (ts_->failed) return;
    threads_identity_on(ts_, path, 97);
}

/* The setter: a count >= 0 (0: auto); below par_min documents one thread
 * whatever the count (the answers are the same either way). */
TY_TEST(threads_setter) {
    CHECK_EQ_INT(tenyo_ctx_set_threads(NULL, 1), TENYO_ERR_ARG);
    char path[PATH_MAX], err[512];
    snprintf(path, sizeof path, "%s/threads_sample.tny", ty_test_tmpdir());
    CHECK_EQ_INT(build_index(SAMPLE, path, 0), TENYO_OK);
    tenyo_index *x = NULL;
    tenyo_ctx *c = NULL;
    CHECK_EQ_INT(tenyo_index_open(path, &x, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_new(x, &c, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(c->threads, 0);
    CHECK_EQ_INT(c->par_min, TY_QPAR_MIN_DOCS);
    CHECK_EQ_INT(tenyo_ctx_set_threads(c, -1), TENYO_ERR_ARG);
    CHECK_EQ_INT(tenyo_ctx_set_threads(c, 4), TENYO_OK);
    CHECK_EQ_INT(c->threads, 4);
    tenyo_hit h[10];
    CHECK(tenyo_similar_doc(c, 0, TENYO_MODE_HYBRID, 10, h) > 0);
    tenyo_ctx_free(c);
    tenyo_index_free(x);
}

/* The postings walk's kernels (search/search.c: the portable loop and the
 * AVX2 one) give the row-wise gather's scores bit for bit, on the
 * generated index, for whole scans and for document ranges whose bounds
 * fall inside the lists (a split query's parts): documents' own rows as
 * queries, and one with a repeated term and a term of weight 0. */
TY_TEST(postings_walk_kernels_identical) {
    const char *path = gen_index(4000);
    CHECK(path != NULL);
    char err[512];
    tenyo_index *x = NULL;
    setenv("TENYO_POSTINGS", "on", 1);
    int rc = tenyo_index_open(path, &x, err, sizeof err);
    unsetenv("TENYO_POSTINGS");
    CHECK_EQ_INT(rc, TENYO_OK);
    CHECK_EQ_INT(tenyo_index_warm(x, err, sizeof err), TENYO_OK);
    const ty_model *m = &x->m;
    uint64_t nd = m->ndocs;
    CHECK(x->post.rowptr != NULL && nd > 1000);
    float *a = malloc(nd * sizeof *a), *b = malloc(nd * sizeof *b);
    float *qd = calloc(m->nterms, sizeof *qd);
    uint32_t *t = malloc(m->nterms * sizeof *t), qt[6];
    float *w = malloc(m->nterms * sizeof *w), qw[6];
    CHECK(a && b && qd && t && w);
    static const char *kern[2] = {"c", "avx2"};
    static const uint64_t cut[][2] = {{0, 0}, {0, 1}, {1, 999}, {999, 2500}, {2500, 0}, {17, 18}};
    for (int q = 0; q < 41; q++) {
        const uint32_t *rt;
        const float *rw;
        size_t qn;
        if (q < 40) { /* document (q * 97) % nd as the query */
            uint64_t d = (uint64_t)q * 97 % nd;
            rt = m->tfidf.col + m->tfidf.rowptr[d];
            rw = m->tfidf.val + m->tfidf.rowptr[d];
            qn = m->tfidf.rowptr[d + 1] - m->tfidf.rowptr[d];
        } else {
            uint32_t t0 = m->tfidf.col[0], t1 = m->tfidf.col[1];
            uint32_t tt[6] = {t1, t0, t1, 5, 3, t0};
            float ww[6] = {0.5f, 0.25f, 0.75f, 0.f, 0.125f, 1.5f};
            memcpy(qt, tt, sizeof tt);
            memcpy(qw, ww, sizeof ww);
            rt = qt, rw = qw, qn = 6;
        }
        ty_scan_tfidf(m, rt, rw, qn, qd, a);
        size_t nt = ty_query_terms(rt, rw, qn, qd, t, w);
        for (int k = 0; k < 2; k++) {
            if (ty_postings_walk_set(kern[k])) continue; /* this CPU lacks it */
            for (size_t r = 0; r < sizeof cut / sizeof cut[0]; r++) {
                uint64_t d0 = cut[r][0], d1 = cut[r][1] ? cut[r][1] : nd;
                memset(b, 0xff, nd * sizeof *b);
                ty_scan_tfidf_postings_range(&x->post, t, w, nt, d0, d1, b);
                CHECKF(memcmp(a + d0, b + d0, (d1 - d0) * sizeof *a) == 0,
                       "kernel %s query %d range [%llu, %llu)", kern[k], q,
                       (unsigned long long)d0, (unsigned long long)d1);
                for (uint64_t d = 0; d < nd; d++) /* nothing outside the range written */
                    if (d < d0 || d >= d1) CHECKF(((uint32_t *)b)[d] == 0xffffffffu, "outside %llu", (unsigned long long)d);
            }
        }
    }
    for (uint64_t i = 0; i < m->nterms; i++) CHECK(qd[i] == 0.f);
    ty_postings_walk_set(getenv("TENYO_KERNEL") && !strcmp(getenv("TENYO_KERNEL"), "c") ? "c" : "avx2");
    free(a);
    free(b);
    free(qd);
    free(t);
    free(w);
    tenyo_index_free(x);
}
