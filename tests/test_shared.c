/*
 * test_shared.c — the shared scan of tenyo-mpi serve (api/index.c, "A
 * shared scan") without MPI: an index whose ty_scan_share runs every
 * "process" in this one, each with its own context scoring its own
 * document ranges through ty_ctx_scan_part (uneven shards dealt as
 * tenyo-mpi deals them, s mod P, empty ones included; the answers handed
 * back in reverse order). Every answer must be the one-process answer:
 * the same documents with the same score bits, ties included — similar
 * by document and by text in the three modes, k 1 / 10 / 100, the float
 * and the int8 LSA scan (its exact re-scoring merged), with and without a
 * filter; ideas with 300 and 30 neighbours, open documents only, TF-IDF
 * and hybrid. On the bundled sample (P = 1..4) and a generated corpus
 * (P = 3; bench/gen_corpus.c, built next to this program by make test);
 * the parts on several threads too. And on a sharded index whose
 * "processes" 1.. open only their own shards (ty_index_open_part, as
 * tenyo-mpi serve's do: the others' documents empty stand-ins).
 * Also: a failing part fails the query (no partial answer).
 */
#include "api/api.h"
#include "test.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SAMPLE "data/sample/sample.jsonl"
#define MAXP 4

/* Build file into path (threads 2, rank dim): 0, or -1 (ty_test_build). */
static int build_index(const char *file, const char *path, int dim) {
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.threads = 2;
    bo.dim = dim;
    return ty_test_build(file, INT_MAX, &bo, path);
}

/* The "processes" of one shared index. */
typedef struct fake {
    int np;                      /* processes */
    tenyo_ctx *part[MAXP];       /* contexts of processes 1.. (0: the caller's) */
    tenyo_index *px[MAXP];       /* their partial indexes (sharded, part_open) */
    uint64_t rng[MAXP][16];      /* each one's ranges, [from, to) pairs */
    size_t nr[MAXP];             /* how many */
    int fail;                    /* 1: process np - 1 fails its part */
} fake;

static int fake_scan(void *ud, tenyo_ctx *c, const void *msg, size_t len, void **out,
                     size_t *outn, char *err, size_t errlen) {
    fake *f = ud;
    ty_buf all = {0};
    for (int p = f->np - 1; p >= 0; p--) { /* any order */
        ty_buf one = {0};
        int rc = f->fail && p == f->np - 1
                     ? TENYO_ERR_NOMEM
                     : ty_ctx_scan_part(p ? f->part[p] : c, msg, len, f->rng[p], f->nr[p], &one);
        if (rc || ty_buf_append(&all, one.p, one.len)) {
            ty_buf_free(&one);
            ty_buf_free(&all);
            ty_seterr(err, errlen, "process %d failed", p);
            return rc ? rc : TENYO_ERR_NOMEM;
        }
        ty_buf_free(&one);
    }
    *out = all.p;
    *outn = all.len;
    return TENYO_OK;
}

/* Deal nd documents in 7 uneven shards (one empty) to np processes as
 * tenyo-mpi serve does: shard s to process s mod np. */
static void fake_deal(fake *f, uint64_t nd, int np) {
    static const unsigned w[7] = {3, 1, 0, 5, 2, 4, 1}; /* shares of 16 */
    f->np = np;
    memset(f->nr, 0, sizeof f->nr);
    uint64_t at = 0, acc = 0;
    for (int s = 0; s < 7; s++) {
        acc += w[s];
        uint64_t to = s == 6 ? nd : nd * acc / 16;
        int p = s % np;
        f->rng[p][2 * f->nr[p]] = at;
        f->rng[p][2 * f->nr[p] + 1] = to;
        f->nr[p]++;
        at = to;
    }
}

static int same_hits(int na, const tenyo_hit *a, int nb, const tenyo_hit *b) {
    if (na != nb) return 0;
    for (int i = 0; i < na; i++)
        if (a[i].doc != b[i].doc || memcmp(&a[i].score, &b[i].score, sizeof a[i].score)) return 0;
    return 1;
}

static int same_ideas(int na, const tenyo_idea *a, int nb, const tenyo_idea *b) {
    int eq = na == nb;
    for (int j = 0; eq && j < na; j++) {
        const tenyo_idea *x = &a[j], *y = &b[j];
        eq = x->field == y->field && x->score == y->score && x->confidence == y->confidence &&
             x->support == y->support && x->nevidence == y->nevidence;
        for (int e = 0; eq && e < x->nevidence; e++)
            eq = x->evidence[e].doc == y->evidence[e].doc &&
                 x->evidence[e].score == y->evidence[e].score;
    }
    return eq;
}

/* One index opened twice: the reference and the shared one over np
 * processes; every query of the list compared. */
/* Deal a sharded index's shards as tenyo-mpi serve does (s mod np) and
 * open, for processes 1.., only their shards (a failure is the test's). */
static void fake_deal_shards(ty_test_state *ts_, fake *f, const char *path, int np) {
    uint32_t n = 0;
    uint64_t *first = NULL;
    char err[512];
    CHECK_EQ_INT(ty_shards_layout(path, &n, &first, err, sizeof err), TENYO_OK);
    f->np = np;
    memset(f->nr, 0, sizeof f->nr);
    for (uint32_t s = 0; s < n && s < 8 * MAXP; s++) {
        int p = (int)(s % (uint32_t)np);
        f->rng[p][2 * f->nr[p]] = first[s];
        f->rng[p][2 * f->nr[p] + 1] = first[s + 1];
        f->nr[p]++;
    }
    free(first);
    for (int p = 1; p < np; p++) {
        uint8_t keep[8 * MAXP] = {0};
        for (uint32_t s = (uint32_t)p; s < n; s += (uint32_t)np) keep[s] = 1;
        int rc = ty_index_open_part(path, keep, n, &f->px[p], err, sizeof err);
        CHECKF(rc == TENYO_OK, "open part %d: %.200s", p, err);
        /* a partial read: the others' documents are stand-ins */
        CHECK(f->px[p]->m.partial == (n > 1));
    }
}

static void shared_identity_on(ty_test_state *ts_, const char *path, int np, uint64_t step,
                               int threads, int part_open) {
    static const size_t ks[3] = {1, 10, 100};
    char err[512];
    tenyo_index *xr = NULL, *xs = NULL;
    tenyo_ctx *cr = NULL, *cs = NULL;
    fake f;
    memset(&f, 0, sizeof f);
    CHECK_EQ_INT(tenyo_index_open(path, &xr, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_index_open(path, &xs, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_new(xr, &cr, err, sizeof err), TENYO_OK);
    CHECK_EQ_INT(tenyo_ctx_new(xs, &cs, err, sizeof err), TENYO_OK);
    uint64_t nd = tenyo_index_ndocs(xr);
    if (part_open) fake_deal_shards(ts_, &f, path, np);
    else fake_deal(&f, nd, np);
    for (int p = 1; p < np; p++)
        CHECK_EQ_INT(tenyo_ctx_new(f.px[p] ? f.px[p] : xs, &f.part[p], err, sizeof err), TENYO_OK);
    ty_index_set_scan_share(xs, &(ty_scan_share){.scan = fake_scan, .ud = &f});
    if (threads) /* each part's ranges on several threads, however small */
        for (int p = 0; p < np; p++) {
            tenyo_ctx *pc = p ? f.part[p] : cs;
            pc->par_min = 0;
            tenyo_ctx_set_threads(pc, threads);
        }
    tenyo_filter *fr = NULL, *fs = NULL;
    CHECK_EQ_INT(tenyo_filter_new(xr, &fr), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_new(xs, &fs), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_dates(fr, "2010", "2020"), TENYO_OK);
    CHECK_EQ_INT(tenyo_filter_dates(fs, "2010", "2020"), TENYO_OK);
    tenyo_hit a[100], b[100];
    int bad = 0, asked = 0;
    char why[256] = "";
    for (int filt = 0; filt < 2; filt++)
        for (int scan = 0; scan < 2; scan++) {
            tenyo_ctx_set_scan(cr, scan ? TENYO_SCAN_INT8 : TENYO_SCAN_FP32);
            tenyo_ctx_set_scan(cs, scan ? TENYO_SCAN_INT8 : TENYO_SCAN_FP32);
            tenyo_ctx_set_filter(cr, filt ? fr : NULL);
            tenyo_ctx_set_filter(cs, filt ? fs : NULL);
            for (int mode = TENYO_MODE_TFIDF; mode <= TENYO_MODE_HYBRID; mode++)
                for (int ki = 0; ki < 3; ki++)
                    for (uint64_t q = 0; q < nd + 4 * step; q += step) {
                        tenyo_doc_meta m;
                        int text = q >= nd, na, nb;
                        if (text && (tenyo_index_doc(xr, q % nd, &m) || !m.title || !*m.title))
                            continue;
                        if (text) {
                            na = tenyo_similar_text(cr, m.title, strlen(m.title),
                                                    (tenyo_mode)mode, ks[ki], a);
                            nb = tenyo_similar_text(cs, m.title, strlen(m.title),
                                                    (tenyo_mode)mode, ks[ki], b);
                        } else {
                            na = tenyo_similar_doc(cr, q, (tenyo_mode)mode, ks[ki], a);
                            nb = tenyo_similar_doc(cs, q, (tenyo_mode)mode, ks[ki], b);
                        }
                        asked++;
                        if (!same_hits(na, a, nb, b) && !bad++)
                            snprintf(why, sizeof why,
                                     "P %d filter %d scan %d mode %d k %zu query %llu: %d vs %d "
                                     "hits", np, filt, scan, mode, ks[ki],
                                     (unsigned long long)q, na, nb);
                    }
        }
    CHECKF(bad == 0, "%d of %d answers differ: %s", bad, asked, why);
    /* ideas: 300 and 30 neighbours, open documents only, tfidf and hybrid,
     * a filter; the int8 scan */
    tenyo_ctx_set_scan(cr, TENYO_SCAN_INT8);
    tenyo_ctx_set_scan(cs, TENYO_SCAN_INT8);
    for (int v = 0; v < 16; v++) {
        tenyo_ideas_opts o;
        tenyo_ideas_opts_default(&o);
        o.knn = v & 1 ? 30 : 0;
        o.open_only = (v >> 1) & 1;
        o.mode = v & 4 ? TENYO_MODE_TFIDF : TENYO_MODE_HYBRID;
        tenyo_ctx_set_filter(cr, v & 8 ? fr : NULL);
        tenyo_ctx_set_filter(cs, v & 8 ? fs : NULL);
        for (int qi = 0; qi < 5; qi++) {
            uint64_t d = ((uint64_t)qi * 197 + (uint64_t)v * 31) % nd;
            tenyo_idea ia[10], ib[10];
            int na = tenyo_ideas_doc(cr, d, &o, 10, ia);
            int nb = tenyo_ideas_doc(cs, d, &o, 10, ib);
            CHECKF(na >= 0 && same_ideas(na, ia, nb, ib), "ideas P %d doc %llu options %d", np,
                   (unsigned long long)d, v);
        }
    }
    tenyo_ctx_set_filter(cr, NULL);
    tenyo_ctx_set_filter(cs, NULL);
    /* a part that fails fails the query */
    f.fail = 1;
    CHECK(tenyo_similar_doc(cs, 0, TENYO_MODE_HYBRID, 10, b) < 0);
    f.fail = 0;
    CHECK(tenyo_similar_doc(cs, 0, TENYO_MODE_HYBRID, 10, b) > 0);
    tenyo_filter_free(fr);
    tenyo_filter_free(fs);
    for (int p = 1; p < np; p++) {
        tenyo_ctx_free(f.part[p]);
        tenyo_index_free(f.px[p]);
    }
    tenyo_ctx_free(cr);
    tenyo_ctx_free(cs);
    tenyo_index_free(xr);
    tenyo_index_free(xs);
}

TY_TEST(shared_scan_identical_sample) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/shared_sample.tny", ty_test_tmpdir());
    CHECK_EQ_INT(build_index(SAMPLE, path, 0), TENYO_OK);
    for (int np = 1; np <= MAXP && !ts_->failed; np++) shared_identity_on(ts_, path, np, 7, 0, 0);
    shared_identity_on(ts_, path, 2, 7, 3, 0); /* the parts on 3 threads */
}

/* The same on a sharded sample (3 shards) whose processes 1.. read only
 * their shards: P = 2, 3, and 4 (one process without a shard). */
TY_TEST(shared_scan_identical_partial_open) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/shared_sharded.tny", ty_test_tmpdir());
    tenyo_build_opts bo;
    tenyo_build_opts_default(&bo);
    bo.threads = 2;
    bo.shards = 3;
    CHECK_EQ_INT(ty_test_build(SAMPLE, INT_MAX, &bo, path), TENYO_OK);
    for (int np = 2; np <= MAXP && !ts_->failed; np++) shared_identity_on(ts_, path, np, 7, 0, 1);
}

TY_TEST(shared_scan_identical_generated) {
    char exe[PATH_MAX], gen[PATH_MAX + 32], jsonl[PATH_MAX], cmd[3 * PATH_MAX], path[PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    CHECK(l > 0);
    exe[l] = 0;
    char *slash = strrchr(exe, '/');
    CHECK(slash != NULL);
    *slash = 0;
    snprintf(gen, sizeof gen, "%s/gen_corpus", exe);
    CHECKF(access(gen, X_OK) == 0, "no generated corpus (gen_corpus not built)");
    snprintf(jsonl, sizeof jsonl, "%s/shared_gen.jsonl", ty_test_tmpdir());
    snprintf(cmd, sizeof cmd, "'%s' -n 3000 -s 11 -o '%s'", gen, jsonl);
    CHECK(system(cmd) == 0);
    snprintf(path, sizeof path, "%s/shared_gen.tny", ty_test_tmpdir());
    CHECK_EQ_INT(build_index(jsonl, path, 64), TENYO_OK);
    shared_identity_on(ts_, path, 3, 113, 0, 0);
    shared_identity_on(ts_, path, 2, 229, 2, 0);
}
