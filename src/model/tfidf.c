/*
 * tfidf.c — TF-IDF weights of the term-count rows.
 *
 * The weighting is scikit-learn's TfidfVectorizer(sublinear_tf=True,
 * smooth_idf=True, norm="l2"), chosen because it is the best-known baseline
 * for patent similarity and lets anyone check our numbers in three lines of
 * Python:
 *     idf(t) = ln((1 + n) / (1 + df(t))) + 1
 *     w(t)   = (1 + ln count(t)) * idf(t),  then the row is scaled to norm 1.
 * Smoothing (the +1's) keeps idf finite for a term seen in no document (a
 * query term) and the trailing +1 keeps terms that occur everywhere in play
 * with a small weight instead of zero. Sublinear tf stops one repeated word
 * (「前記」, "said") from dominating a long claim. BM25 was considered and
 * rejected for the stored rows: its length normalisation needs a corpus
 * average that changes when documents are added, and LSA wants a fixed
 * linear map from counts to weights.
 *
 * Arithmetic is done in double and stored as float: the logs and the norm
 * are cheap next to tokenizing, and double keeps weights of the same term
 * identical whichever row they are in. Rows arrive as (term, count) pairs,
 * usually already sorted and unique (the builder and the query path both
 * merge counts); the sort here is an in-place heapsort, run only when the
 * pairs are out of order, so the common case costs one pass and no memory.
 */
#include "model/model.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================== idf */

void ty_idf_compute(const uint32_t *df, uint64_t nterms, uint64_t ndocs,
                    float *idf) {
    if (!idf || (!df && nterms)) return;
    for (uint64_t t = 0; t < nterms; t++)
        idf[t] = (float)(log((1.0 + (double)ndocs) / (1.0 + (double)df[t])) +
                         1.0);
}

/* ================================================================= sort */

static void swap_pair(uint32_t *terms, float *vals, size_t i, size_t j) {
    uint32_t t = terms[i];
    terms[i] = terms[j];
    terms[j] = t;
    float v = vals[i];
    vals[i] = vals[j];
    vals[j] = v;
}

static void sift(uint32_t *terms, float *vals, size_t n, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && terms[l] > terms[m]) m = l;
        if (r < n && terms[r] > terms[m]) m = r;
        if (m == i) return;
        swap_pair(terms, vals, i, m);
        i = m;
    }
}

/* Sort the pairs by term (ascending) in place; no-op when already sorted.
 * Equal terms end up adjacent in unspecified order — they are summed next,
 * and their counts are whole numbers in practice, so the order of that sum
 * does not matter. */
static void sort_pairs(uint32_t *terms, float *vals, size_t n) {
    size_t i = 1;
    while (i < n && terms[i - 1] <= terms[i]) i++;
    if (i >= n) return;
    for (size_t s = n / 2; s-- > 0;) sift(terms, vals, n, s);
    for (size_t e = n; e-- > 1;) {
        swap_pair(terms, vals, 0, e);
        sift(terms, vals, e, 0);
    }
}

/* ============================================================== weights */

/* 1 + ln(c) for the small whole counts nearly every entry has, computed
 * once with the very expression weigh() uses, so the table changes no bit;
 * it takes the log out of loading an index (the log was 22% of opening one
 * without it, measured by perf, 100k documents). */
#define LN_TABLE 256
static double ln_table[LN_TABLE];
static pthread_once_t ln_once = PTHREAD_ONCE_INIT;

static void ln_init(void) {
    for (int c = 1; c < LN_TABLE; c++) ln_table[c] = 1.0 + log((double)c);
}

static inline double tf_weight(double cnt) {
    if (cnt >= 1 && cnt < LN_TABLE && cnt == (double)(int)cnt) return ln_table[(int)cnt];
    return 1.0 + log(cnt);
}

/* Sort, merge, weight and normalise; the shared body of both row calls.
 * With compact set, merged duplicates and entries whose count is not
 * positive are removed and *n shrinks; otherwise n stays and every
 * duplicate after the first of its term keeps its term with weight 0
 * (the row stays sorted, non-decreasing). Returns the norm before
 * normalisation. */
static double weigh(uint32_t *terms, float *vals, size_t *n, const float *idf,
                    int compact) {
    size_t in = *n, out = 0;
    pthread_once(&ln_once, ln_init);
    sort_pairs(terms, vals, in);
    double ss = 0;
    for (size_t i = 0; i < in;) {
        uint32_t t = terms[i];
        double cnt = 0;
        size_t j = i;
        for (; j < in && terms[j] == t; j++) cnt += vals[j];
        /* count <= 0 (or NaN) carries no weight: ln would be -inf */
        double w = cnt > 0 ? tf_weight(cnt) * (double)idf[t] : 0.0;
        if (!isfinite(w)) w = 0.0;
        if (compact) {
            if (w != 0.0) {
                terms[out] = t;
                vals[out++] = (float)w;
            }
        } else {
            vals[i] = (float)w;
            for (size_t d = i + 1; d < j; d++) vals[d] = 0.0f;
        }
        /* square the stored float so the norm matches the stored values */
        ss += (double)(float)w * (double)(float)w;
        i = j;
    }
    if (compact) *n = out;
    double norm = sqrt(ss);
    if (norm > 0) {
        double inv = 1.0 / norm;
        for (size_t i = 0; i < *n; i++) vals[i] = (float)(vals[i] * inv);
    }
    return norm;
}

double ty_tfidf_row(uint32_t *terms, float *vals, size_t n, const float *idf) {
    if (n == 0 || !terms || !vals || !idf) return 0.0;
    return weigh(terms, vals, &n, idf, 0);
}

double ty_tfidf_row_counts(const uint32_t *terms, float *vals, size_t n, const float *idf) {
    pthread_once(&ln_once, ln_init);
    /* weigh() without its sort and merge: each term once, its count whole
     * and >= 1, so cnt is vals[i] and w is finite for a finite idf (a file
     * with a non-finite idf is refused by the model check after loading) —
     * the same expressions, so the same bits. The branch-free loop lets the
     * idf loads (random over the vocabulary: cache misses at 139k terms)
     * overlap: this loop is 18% of opening a 1M index, against 30% for a
     * loop with branches, most of it waiting on them. */
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        double cnt = vals[i];
        double w = tf_weight(cnt) * (double)idf[terms[i]];
        vals[i] = (float)w;
        ss += (double)vals[i] * (double)vals[i];
    }
    double norm = sqrt(ss);
    if (norm > 0) {
        double inv = 1.0 / norm;
        for (size_t i = 0; i < n; i++) vals[i] = (float)(vals[i] * inv);
    }
    return norm;
}

double ty_tfidf_counts_norm(const uint32_t *terms, const uint32_t *tf, size_t n,
                            const float *idf) {
    pthread_once(&ln_once, ln_init);
    double ss = 0; /* ty_tfidf_row_counts' sum, the count read as the float it loads */
    for (size_t i = 0; i < n; i++) {
        float v = (float)(tf_weight((double)(float)tf[i]) * (double)idf[terms[i]]);
        ss += (double)v * (double)v;
    }
    return sqrt(ss);
}

float ty_tfidf_weight(uint32_t tf, float idf, double inv) {
    return (float)(ty_tfidf_unnormed(tf, idf) * inv); /* inv 1.0 (an empty norm): v itself */
}

float ty_tfidf_unnormed(uint32_t tf, float idf) {
    pthread_once(&ln_once, ln_init);
    return (float)(tf_weight((double)(float)tf) * (double)idf);
}

double ty_tfidf_row_n(uint32_t *terms, float *vals, size_t *n,
                      const float *idf) {
    if (!n) return 0.0;
    if (*n == 0 || !terms || !vals || !idf) {
        if (!terms || !vals || !idf) *n = 0;
        return 0.0;
    }
    return weigh(terms, vals, n, idf, 1);
}

/* ============================================================== pruning */

static int cmp_desc_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return x > y ? -1 : x < y;
}

size_t ty_tfidf_prune(uint32_t *terms, float *vals, uint32_t *tf, size_t n, size_t keep,
                      const float *idf, float *scratch) {
    if (!terms || !vals || !tf || !idf || !scratch || keep == 0 || n <= keep) return n;
    memcpy(scratch, vals, n * sizeof *scratch);
    qsort(scratch, n, sizeof *scratch, cmp_desc_float);
    float thr = scratch[keep - 1];
    size_t above = 0;
    for (size_t i = 0; i < n; i++) above += vals[i] > thr;
    size_t ties = keep - above, out = 0; /* entries equal to thr still to keep */
    for (size_t i = 0; i < n; i++) {
        int k = vals[i] > thr || (vals[i] == thr && ties > 0);
        if (!k) continue;
        if (vals[i] == thr && !(vals[i] > thr)) ties--;
        terms[out] = terms[i];
        tf[out] = tf[i];
        out++;
    }
    for (size_t i = 0; i < out; i++) vals[i] = (float)tf[i];
    ty_tfidf_row(terms, vals, out, idf);
    return out;
}
