/*
 * linear.c — the field model: one linear classifier per field over the
 * TF-IDF rows (liblinear adapter; the only file that includes linear.h).
 *
 * Why: kNN field voting (ideas.c) can only propose a field one of the
 * query's nearest neighbours carries. A discriminative model sees every
 * document of every field and weighs the terms that tell a field apart, so
 * it can propose a field no neighbour carries, and its weights name the
 * field's own vocabulary (the field-specific bridge terms).
 *
 * Model: for each field with at least FM_MIN_DOCS documents, an
 * L2-regularised logistic regression (liblinear's dual solver, C = FM_C)
 * of "the document carries the field" on the L2-normalised TF-IDF row plus
 * a bias feature, one-vs-rest over the training documents: all documents,
 * or every s-th one when there are more than FM_MAX_DOCS (the cost is then
 * bounded whatever the corpus; TENYO_FM_MAX_DOCS lowers the bound for
 * tests, fm_max_docs). Each field trains on its positives and at most
 * FM_NEG of its negatives, drawn by a hash of (row, field) (fm_sampled),
 * its intercept then corrected by ln(share of negatives kept) so that the
 * score still estimates the population's odds: most fields have a few
 * dozen positives among tens of thousands of rows, and the negatives they
 * do not see moved none of Protocol X's figures (bench/README.md, "field
 * model"), while the cost per field no longer grows with the corpus
 * (TENYO_FM_NEG lowers FM_NEG for tests). Only the training rows are
 * read, wherever they are: tenyo-mpi's rank 0 gathers just them
 * (ty_fieldmodel_train_rows) and trains the same model as on the whole
 * matrix. Each field keeps its FM_KEEP weights of
 * largest magnitude; the kept weights are stored term-major (postings per
 * term: field, weight) so that a query costs one pass over its own terms.
 * The score of field f for a query q (L2-normalised TF-IDF, weights qw on
 * terms qt) is the logistic of bias_f + sum_t qw_t w_{f,t}: an estimate of
 * P(field | text) that needs no neighbour.
 *
 * Workers: liblinear's dual solver draws its coordinate order from rand(),
 * one hidden state per process, so each field is trained right after
 * srand(field + 1); threads would share that state and make the model
 * depend on timing. The fields are therefore trained by processes: the
 * builder's (tenyo index --threads N) forks N - 1 children that claim
 * fields from a counter in a shared anonymous mapping, write their
 * weights there and leave with _exit; the parent trains whatever a child
 * did not finish. A child dies with its parent (PR_SET_PDEATHSIG), so a
 * killed build leaves no worker holding the index's writer lock. Same
 * bytes for any worker count (tests). Rejected: the
 * primal (trust-region) solver, which draws nothing and could run in
 * threads, but was slower on two threads than the dual on one. A model
 * trained lazily for an old index (ideas.c) or on tenyo-mpi's rank 0
 * uses one worker: no fork inside a server or an MPI process.
 *
 * Trained by the builder (tenyo index, rebuild) and stored in the index as
 * the optional section "fieldmodel"; an index written before it existed
 * gets its model trained in memory on the first ideas call instead.
 * Updates (add,
 * delete) keep the stored model until the next rebuild: the base's terms
 * keep their ids, and fields are named by code in the blob, so a merged
 * index with renumbered or new fields reads it correctly (new fields have
 * no model: basis.model 0).
 *
 * Blob (little-endian; the store compresses and checksums the section,
 * and the blob checks itself again, as search/ivf.c's does):
 *   0   8  magic "TYFMODL1"
 *   8   8  T: terms the model was trained on (the first T of the index)
 *   16  4  F: fields in the blob
 *   20  4  reserved (0)
 *   24  8  E: weights kept
 *   32  12F per field: code[8] NUL-padded, f32 bias
 *   ..  4T  u32 weights per term (term-major, sum E)
 *   ..  8E  per weight: u32 field (index into the blob's fields), f32 w
 *   ..  8   FNV-1a 64 of everything before
 */
#include "model/model.h"

#include <linear.h>
#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef TY_LIBLINEAR_SONAME
#define TY_LIBLINEAR_SONAME "liblinear.so.4"
#endif

/* liblinear's functions the training calls: the library opened with
 * dlopen by the first training of the process (ll_open; its soname
 * TY_LIBLINEAR_SONAME from the Makefile), not linked: a linked library is
 * loaded at the start of every process and only a build trains
 * (model/blas.c says what that costs); a missing one ends the process
 * naming it, as the loader would have at its start. */
static struct {
    __typeof__(train) *train;
    __typeof__(get_decfun_coef) *coef;
    __typeof__(get_decfun_bias) *bias;
    __typeof__(free_and_destroy_model) *free_model;
    __typeof__(set_print_string_function) *set_print;
} ll;
static pthread_once_t ll_once = PTHREAD_ONCE_INIT;

static void ll_load(void) {
    const ty_dlsym t[] = {{"train", (void **)&ll.train},
                          {"get_decfun_coef", (void **)&ll.coef},
                          {"get_decfun_bias", (void **)&ll.bias},
                          {"free_and_destroy_model", (void **)&ll.free_model},
                          {"set_print_string_function", (void **)&ll.set_print}};
    (void)ty_dl_need(TY_LIBLINEAR_SONAME, t, sizeof t / sizeof *t); /* open for good */
}

static void ll_open(void) { pthread_once(&ll_once, ll_load); }

#define FM_MIN_DOCS 2
#define FM_MAX_DOCS 40000
#define FM_KEEP 500
#define FM_C 4.0
#define FM_EPS 0.1
#define FM_NEG 1500
#define FM_MAX_WORKERS 64

static void fm_quiet(const char *s) { (void)s; }

/* What training writes, per field; one block for all fields, in memory
 * shared with the worker processes when there are several. */
typedef struct fm_out {
    atomic_uint next;         /* next field to claim */
    uint32_t *keep_t;         /* nfields x FM_KEEP terms */
    float *keep_w;            /* their weights */
    uint32_t *nkeep;          /* per field: weights kept */
    float *bias;              /* per field */
    uint8_t *trained;         /* per field: 1 when it has a model */
    uint8_t *done;            /* per field: 1 when its training ended */
} fm_out;

typedef struct fm_job {
    const ty_model *m;
    struct feature_node **x;  /* training rows, shared */
    uint64_t *rows;           /* document of each training row */
    size_t nrows;
    int nfeat;                /* nterms + 1 (bias) */
    uint32_t nf;              /* fields */
    uint64_t *ftrain;         /* positive training rows per field */
    uint64_t neg;             /* most negatives per field (fm_neg) */
    fm_out *o;                /* the results */
} fm_job;

typedef struct { uint32_t t; float w; } fm_tw;

/* 1 when training row r is among field f's sampled negatives: a hash of
 * (r, f) below the keep share (splitmix64 finaliser), so the sample is
 * the same in every process and for every worker count. */
static int fm_sampled(uint64_t r, uint32_t f, uint64_t thr) {
    uint64_t h = r * 0x9E3779B97F4A7C15ull ^ ((uint64_t)f + 1) * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBull;
    h ^= h >> 31;
    return h <= thr;
}

/* Train field f on its positives and its sample of negatives (all of
 * them when there are at most FM_NEG); y, tw, sub: scratch of nrows,
 * nfeat and nrows entries. Returns 0 or a status. */
static int fm_field(const fm_job *j, uint32_t f, double *y, fm_tw *tw,
                    struct feature_node **sub) {
    const ty_model *m = j->m;
    fm_out *o = j->o;
    if (j->ftrain[f] < FM_MIN_DOCS || j->ftrain[f] == j->nrows) return 0;
    uint64_t nneg = j->nrows - j->ftrain[f];
    double keep = nneg > j->neg ? (double)j->neg / (double)nneg : 1.0;
    uint64_t thr = keep < 1.0 ? (uint64_t)(keep * 18446744073709549568.0) : UINT64_MAX;
    size_t l = 0;
    for (size_t r = 0; r < j->nrows; r++) {
        uint64_t d = j->rows[r];
        int pos = 0;
        for (uint64_t k = m->field_ptr[d]; k < m->field_ptr[d + 1]; k++)
            if (m->field_ids[k] == f) { pos = 1; break; }
        if (!pos && !fm_sampled(r, f, thr)) continue;
        y[l] = pos ? 1 : -1;
        sub[l++] = j->x[r];
    }
    struct problem prob = {.l = (int)l, .n = j->nfeat, .y = y, .x = sub, .bias = 1};
    struct parameter par = {.solver_type = L2R_LR_DUAL, .eps = FM_EPS, .C = FM_C};
    srand(f + 1);
    struct model *md = ll.train(&prob, &par);
    if (!md) return TENYO_ERR_NOMEM;
    int pos = md->label[0] == 1 ? 0 : 1;
    size_t n = 0;
    for (int i = 1; i < j->nfeat; i++) { /* feature i = term i-1 */
        double w = ll.coef(md, i, pos);
        if (w != 0) tw[n++] = (fm_tw){(uint32_t)(i - 1), (float)w};
    }
    /* the sample's odds are the population's divided by keep */
    o->bias[f] = (float)(ll.bias(md, pos) + log(keep));
    ll.free_model(&md);
    /* the FM_KEEP largest magnitudes, ties by term (tw is in term order):
     * a bounded heap rather than a sort of every weight, which was 60% of
     * the field model's build */
    tenyo_hit best[FM_KEEP];
    ty_topk tk;
    ty_topk_init(&tk, best, FM_KEEP);
    for (size_t i = 0; i < n; i++) ty_topk_push(&tk, i, fabsf(tw[i].w));
    n = ty_topk_finish(&tk);
    for (size_t i = 0; i < n; i++) {
        o->keep_t[(size_t)f * FM_KEEP + i] = tw[best[i].doc].t;
        o->keep_w[(size_t)f * FM_KEEP + i] = tw[best[i].doc].w;
    }
    o->nkeep[f] = (uint32_t)n;
    o->trained[f] = 1;
    return 0;
}

/* Claim fields one at a time and train them until none is left (all:
 * also those claimed by a worker that died, done[f] still 0). */
static int fm_claim(const fm_job *j, int all) {
    double *y = malloc((j->nrows ? j->nrows : 1) * sizeof *y);
    fm_tw *tw = malloc((size_t)j->nfeat * sizeof *tw);
    struct feature_node **sub = malloc((j->nrows ? j->nrows : 1) * sizeof *sub);
    int rc = !y || !tw || !sub ? TENYO_ERR_NOMEM : 0;
    if (all) {
        for (uint32_t f = 0; f < j->nf && !rc; f++)
            if (!j->o->done[f]) {
                rc = fm_field(j, f, y, tw, sub);
                j->o->done[f] = 1;
            }
    } else {
        while (!rc) {
            uint32_t f = atomic_fetch_add(&j->o->next, 1);
            if (f >= j->nf) break;
            rc = fm_field(j, f, y, tw, sub);
            if (!rc) j->o->done[f] = 1;
        }
    }
    free(y);
    free(tw);
    free(sub);
    return rc;
}

/* Train every field with `workers` processes: this one and workers - 1
 * forked children that share the result block (mmap, MAP_SHARED) and
 * leave with _exit. Whatever a child did not finish (fork refused, the
 * child killed) this process trains afterwards, so the model is the same
 * whatever happened. */
static int fm_run(const fm_job *j, int workers) {
    pid_t kids[FM_MAX_WORKERS], parent = getpid();
    int nkids = 0;
    for (int w = 1; w < workers && w < FM_MAX_WORKERS; w++) {
        pid_t p = fork();
        if (p == 0) {
            /* die with the parent: a killed build must not leave workers
             * holding its inherited descriptors (the index's writer lock) */
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent) _exit(1);
            _exit(fm_claim(j, 0) ? 1 : 0);
        }
        if (p < 0) break;
        kids[nkids++] = p;
    }
    int rc = fm_claim(j, 0);
    for (int i = 0; i < nkids; i++)
        while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR) {}
    if (!rc) rc = fm_claim(j, 1);
    return rc;
}

/* FM_MAX_DOCS, or TENYO_FM_MAX_DOCS from the environment when it is a
 * number in 1..FM_MAX_DOCS (tests: a small corpus then trains on a sample,
 * as a large one does; the plain tenyo and tenyo-mpi read it alike). */
static uint64_t fm_max_docs(void) {
    const char *e = getenv("TENYO_FM_MAX_DOCS");
    if (!e || !*e) return FM_MAX_DOCS;
    char *end;
    unsigned long long v = strtoull(e, &end, 10);
    return *end || v < 1 || v > FM_MAX_DOCS ? FM_MAX_DOCS : (uint64_t)v;
}

/* FM_NEG, or TENYO_FM_NEG from the environment when it is a number in
 * 1..FM_NEG (tests: a small corpus then has its negatives sampled, as a
 * large one does). */
static uint64_t fm_neg(void) {
    const char *e = getenv("TENYO_FM_NEG");
    if (!e || !*e) return FM_NEG;
    char *end;
    unsigned long long v = strtoull(e, &end, 10);
    return *end || v < 1 || v > FM_NEG ? FM_NEG : (uint64_t)v;
}

uint64_t ty_fieldmodel_step(uint64_t ndocs) {
    uint64_t max = fm_max_docs();
    return ndocs > max ? (ndocs + max - 1) / max : 1;
}

int ty_fieldmodel_train(const ty_model *m, ty_fieldmodel *fm) {
    return ty_fieldmodel_train_rows(m, &m->tfidf, ty_fieldmodel_step(m->ndocs), 1, fm);
}

int ty_fieldmodel_train_workers(const ty_model *m, int workers, ty_fieldmodel *fm) {
    return ty_fieldmodel_train_rows(m, &m->tfidf, ty_fieldmodel_step(m->ndocs), workers, fm);
}

/* The result block: one anonymous shared mapping (fm_run's children write
 * into it), carved into fm_out's arrays. Returns NULL when out of memory. */
static fm_out *fm_out_new(uint32_t nf, size_t *len) {
    size_t keep = (size_t)nf * FM_KEEP;
    size_t n = sizeof(fm_out) + keep * (sizeof(uint32_t) + sizeof(float)) +
               (size_t)nf * (sizeof(uint32_t) + sizeof(float) + 2) + 64;
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    fm_out *o = p; /* the mapping is zeroed */
    char *q = (char *)p + sizeof *o;
    o->keep_t = (uint32_t *)q;
    q += keep * sizeof(uint32_t);
    o->keep_w = (float *)q;
    q += keep * sizeof(float);
    o->nkeep = (uint32_t *)q;
    q += (size_t)nf * sizeof(uint32_t);
    o->bias = (float *)q;
    q += (size_t)nf * sizeof(float);
    o->trained = (uint8_t *)q;
    o->done = o->trained + nf;
    atomic_init(&o->next, 0);
    *len = n;
    return o;
}

int ty_fieldmodel_train_rows(const ty_model *m, const ty_csr *a, uint64_t astep, int workers,
                             ty_fieldmodel *fm) {
    memset(fm, 0, sizeof *fm);
    if (!m->nfields || !m->ndocs) return TENYO_OK;
    if (m->nterms >= (uint64_t)INT32_MAX) return TENYO_ERR_LIMIT;
    uint64_t step = ty_fieldmodel_step(m->ndocs), last = (m->ndocs - 1) / step;
    if (astep < 1 || a->nrows <= last * astep) return TENYO_ERR_ARG;
    ll_open(); /* before the workers fork */
    ll.set_print(fm_quiet);
    size_t nrows = 0;
    uint64_t nnz = 0;
    for (uint64_t d = 0, ar = 0; d < m->ndocs; d += step, ar += astep) {
        nrows++;
        nnz += a->rowptr[ar + 1] - a->rowptr[ar] + 2;
    }
    int rc = TENYO_ERR_NOMEM;
    uint32_t nf = m->nfields;
    size_t olen = 0;
    fm_out *o = fm_out_new(nf, &olen);
    struct feature_node **x = malloc(nrows * sizeof *x);
    struct feature_node *nodes = malloc(nnz * sizeof *nodes);
    uint64_t *rows = malloc(nrows * sizeof *rows);
    uint64_t *ftrain = calloc(nf, sizeof *ftrain);
    float *bias = malloc(nf * sizeof *bias);
    uint8_t *trained = malloc(nf);
    if (!o || !x || !nodes || !rows || !ftrain || !bias || !trained) goto out;
    int nfeat = (int)m->nterms + 1;
    size_t r = 0;
    struct feature_node *p = nodes;
    for (uint64_t d = 0, ar = 0; d < m->ndocs; d += step, ar += astep, r++) {
        rows[r] = d;
        x[r] = p;
        for (uint64_t j = a->rowptr[ar]; j < a->rowptr[ar + 1]; j++)
            *p++ = (struct feature_node){(int)a->col[j] + 1, a->val[j]};
        *p++ = (struct feature_node){nfeat, 1.0}; /* bias */
        *p++ = (struct feature_node){-1, 0};
        for (uint64_t k = m->field_ptr[d]; k < m->field_ptr[d + 1]; k++) ftrain[m->field_ids[k]]++;
    }
    fm_job job = {m, x, rows, nrows, nfeat, nf, ftrain, fm_neg(), o};
    rc = fm_run(&job, workers < 1 ? 1 : workers);
    if (rc) goto out;
    const uint32_t *keep_t = o->keep_t, *nkeep = o->nkeep;
    const float *keep_w = o->keep_w;
    memcpy(bias, o->bias, nf * sizeof *bias);
    memcpy(trained, o->trained, nf);
    /* term-major postings of the kept weights */
    fm->ptr = calloc(m->nterms + 1, sizeof *fm->ptr);
    uint64_t total = 0;
    for (uint32_t f = 0; f < nf; f++) total += nkeep[f];
    fm->field = malloc((total ? total : 1) * sizeof *fm->field);
    fm->w = malloc((total ? total : 1) * sizeof *fm->w);
    if (!fm->ptr || !fm->field || !fm->w) { rc = TENYO_ERR_NOMEM; goto out; }
    for (uint32_t f = 0; f < nf; f++)
        for (uint32_t i = 0; i < nkeep[f]; i++) fm->ptr[keep_t[(size_t)f * FM_KEEP + i] + 1]++;
    for (uint64_t t = 0; t < m->nterms; t++) fm->ptr[t + 1] += fm->ptr[t];
    uint64_t *fill = malloc((m->nterms ? m->nterms : 1) * sizeof *fill);
    if (!fill) { rc = TENYO_ERR_NOMEM; goto out; }
    memcpy(fill, fm->ptr, m->nterms * sizeof *fill);
    for (uint32_t f = 0; f < nf; f++)
        for (uint32_t i = 0; i < nkeep[f]; i++) {
            uint32_t t = keep_t[(size_t)f * FM_KEEP + i];
            fm->field[fill[t]] = f;
            fm->w[fill[t]++] = keep_w[(size_t)f * FM_KEEP + i];
        }
    free(fill);
    fm->nterms = m->nterms;
    fm->nfields = nf;
    fm->bias = bias;
    fm->trained = trained;
    bias = NULL;
    trained = NULL;
out:
    if (rc) ty_fieldmodel_free(fm);
    if (o) munmap(o, olen);
    free(x);
    free(nodes);
    free(rows);
    free(ftrain);
    free(bias);
    free(trained);
    return rc;
}

void ty_fieldmodel_score(const ty_fieldmodel *fm, const uint32_t *qt, const float *qw, size_t qn,
                         float *z) {
    for (uint32_t f = 0; f < fm->nfields; f++) z[f] = fm->bias[f];
    for (size_t i = 0; i < qn; i++) {
        uint32_t t = qt[i];
        if (t >= fm->nterms) continue;
        for (uint64_t j = fm->ptr[t]; j < fm->ptr[t + 1]; j++) z[fm->field[j]] += qw[i] * fm->w[j];
    }
}

float ty_fieldmodel_weight(const ty_fieldmodel *fm, uint32_t t, uint32_t f) {
    if (!fm || t >= fm->nterms) return 0;
    for (uint64_t j = fm->ptr[t]; j < fm->ptr[t + 1]; j++)
        if (fm->field[j] == f) return fm->w[j];
    return 0;
}

void ty_fieldmodel_free(ty_fieldmodel *fm) {
    free(fm->ptr);
    free(fm->field);
    free(fm->w);
    free(fm->bias);
    free(fm->trained);
    memset(fm, 0, sizeof *fm);
}

/* ============================================================= the blob */

#define FM_MAGIC "TYFMODL1"
#define FM_HEAD 32


int ty_fieldmodel_write(const ty_fieldmodel *fm, const ty_model *m, ty_buf *out) {
    if (!fm || !m || !out || fm->nfields != m->nfields) return TENYO_ERR_ARG;
    uint64_t T = fm->nterms, E = T ? fm->ptr[T] : 0;
    uint32_t F = 0, *idx = ty_calloc(fm->nfields ? fm->nfields : 1, sizeof *idx);
    if (!idx) return TENYO_ERR_NOMEM;
    for (uint32_t f = 0; f < fm->nfields; f++) idx[f] = fm->trained[f] ? F++ : UINT32_MAX;
    uint64_t sz = FM_HEAD + 12ull * F + 4 * T + 8 * E + 8;
    size_t start = out->len;
    if (sz > SIZE_MAX / 2 || ty_buf_reserve(out, (size_t)sz)) {
        free(idx);
        return TENYO_ERR_NOMEM;
    }
    unsigned char *b = (unsigned char *)out->p + start, *p = b;
    memcpy(p, FM_MAGIC, 8);
    ty_put_le64(p + 8, T);
    ty_put_le32(p + 16, F);
    ty_put_le32(p + 20, 0);
    ty_put_le64(p + 24, E);
    p += FM_HEAD;
    for (uint32_t f = 0; f < fm->nfields; f++) {
        if (idx[f] == UINT32_MAX) continue;
        memset(p, 0, 8);
        memcpy(p, m->field_code[f], strnlen(m->field_code[f], 8));
        uint32_t u;
        memcpy(&u, &fm->bias[f], 4);
        ty_put_le32(p + 8, u);
        p += 12;
    }
    for (uint64_t t = 0; t < T; t++, p += 4) ty_put_le32(p, (uint32_t)(fm->ptr[t + 1] - fm->ptr[t]));
    for (uint64_t e = 0; e < E; e++, p += 8) {
        uint32_t u;
        memcpy(&u, &fm->w[e], 4);
        ty_put_le32(p, idx[fm->field[e]]);
        ty_put_le32(p + 4, u);
    }
    ty_put_le64(p, ty_fnv1a(b, (size_t)(p - b)));
    out->len = start + (size_t)sz;
    out->p[out->len] = '\0';
    free(idx);
    return TENYO_OK;
}

static int fm_read_any(const char *blob, size_t len, const ty_model *m, ty_fieldmodel *fm,
                       int fnv, char *why, size_t whylen);

int ty_fieldmodel_read(const char *blob, size_t len, const ty_model *m, ty_fieldmodel *fm,
                       char *why, size_t whylen) {
    return fm_read_any(blob, len, m, fm, 1, why, whylen);
}

int ty_fieldmodel_read_framed(const char *blob, size_t len, const ty_model *m, ty_fieldmodel *fm,
                              char *why, size_t whylen) {
    return fm_read_any(blob, len, m, fm, 0, why, whylen);
}

/* fnv: compare the blob's own FNV-1a (a byte at a time: 2 ms for the 2 MB
 * of a 60k index's model). */
static int fm_read_any(const char *blob, size_t len, const ty_model *m, ty_fieldmodel *fm,
                       int fnv, char *why, size_t whylen) {
    memset(fm, 0, sizeof *fm);
    const unsigned char *b = (const unsigned char *)blob;
    if (len < FM_HEAD + 8 || memcmp(b, FM_MAGIC, 8) != 0) {
        ty_seterr(why, whylen, "not a field model (%zu bytes, bad magic)", len);
        return TENYO_ERR_CORRUPT;
    }
    if (fnv && ty_get_le64(b + len - 8) != ty_fnv1a(b, len - 8)) {
        ty_seterr(why, whylen, "checksum mismatch");
        return TENYO_ERR_CORRUPT;
    }
    uint64_t T = ty_get_le64(b + 8), E = ty_get_le64(b + 24);
    uint32_t F = ty_get_le32(b + 16);
    /* sizes first, without overflow: every count bounded by len */
    if (ty_get_le32(b + 20) != 0 || T > len / 4 || E > len / 8 || F > len / 12 ||
        FM_HEAD + 12ull * F + 4 * T + 8 * E + 8 != len) {
        ty_seterr(why, whylen, "sizes do not add up (%llu terms, %u fields, %llu weights, "
                  "%zu bytes)", (unsigned long long)T, F, (unsigned long long)E, len);
        return TENYO_ERR_CORRUPT;
    }
    if (T > m->nterms) {
        ty_seterr(why, whylen, "trained on %llu terms but the index has %llu",
                  (unsigned long long)T, (unsigned long long)m->nterms);
        return TENYO_ERR_CORRUPT;
    }
    int rc = TENYO_ERR_NOMEM;
    uint32_t nf = m->nfields;
    int64_t *map = ty_mallocarray(F ? F : 1, sizeof *map);
    fm->ptr = ty_calloc(T + 1, sizeof *fm->ptr);
    fm->field = ty_mallocarray(E ? E : 1, sizeof *fm->field);
    fm->w = ty_mallocarray(E ? E : 1, sizeof *fm->w);
    fm->bias = ty_calloc(nf ? nf : 1, sizeof *fm->bias);
    fm->trained = ty_calloc(nf ? nf : 1, 1);
    if (!map || !fm->ptr || !fm->field || !fm->w || !fm->bias || !fm->trained) goto out;
    const unsigned char *p = b + FM_HEAD;
    for (uint32_t i = 0; i < F; i++, p += 12) {
        char code[9] = {0};
        memcpy(code, p, 8);
        uint32_t u = ty_get_le32(p + 8);
        float bias;
        memcpy(&bias, &u, 4);
        if (!code[0] || !isfinite(bias)) {
            ty_seterr(why, whylen, "field %u: empty code or bias not finite", i);
            rc = TENYO_ERR_CORRUPT;
            goto out;
        }
        map[i] = -1;
        for (uint32_t f = 0; f < nf && map[i] < 0; f++)
            if (strncmp(m->field_code[f], code, 8) == 0) map[i] = f;
        if (map[i] >= 0) {
            if (fm->trained[map[i]]) {
                ty_seterr(why, whylen, "field %s listed twice", code);
                rc = TENYO_ERR_CORRUPT;
                goto out;
            }
            fm->trained[map[i]] = 1;
            fm->bias[map[i]] = bias;
        }
    }
    uint64_t sum = 0;
    for (uint64_t t = 0; t < T; t++, p += 4) {
        sum += ty_get_le32(p);
        fm->ptr[t + 1] = sum;
    }
    if (sum != E) {
        ty_seterr(why, whylen, "per-term counts sum to %llu, not %llu weights",
                  (unsigned long long)sum, (unsigned long long)E);
        rc = TENYO_ERR_CORRUPT;
        goto out;
    }
    /* weights of fields the index no longer has are dropped */
    uint64_t kept = 0, e = 0;
    for (uint64_t t = 0; t < T; t++) {
        uint64_t start = kept;
        for (; e < fm->ptr[t + 1]; e++, p += 8) {
            uint32_t fi = ty_get_le32(p), u = ty_get_le32(p + 4);
            float w;
            memcpy(&w, &u, 4);
            if (fi >= F || !isfinite(w)) {
                ty_seterr(why, whylen, "weight %llu: field %u of %u, or not finite",
                          (unsigned long long)e, fi, F);
                rc = TENYO_ERR_CORRUPT;
                goto out;
            }
            if (map[fi] < 0) continue;
            fm->field[kept] = (uint32_t)map[fi];
            fm->w[kept++] = w;
        }
        fm->ptr[t] = start;
    }
    fm->ptr[T] = kept;
    fm->nterms = T;
    fm->nfields = nf;
    rc = TENYO_OK;
out:
    free(map);
    if (rc) ty_fieldmodel_free(fm);
    return rc;
}
