/*
 * bench.h — what the C benchmarks share (header-only: each bench/NAME.c is
 * built as one program by `make bench/NAME`): a monotonic clock, medians,
 * and the seeded generator of synthetic unit vectors (splitmix64 ->
 * uniform -> Gaussian by Box-Muller), so that scan_bench and ann_bench
 * draw the same kind of vectors from the same seed; and whether two
 * lists of ideas are the same bits (the benches that compare contexts);
 * nearest-rank quantiles and a query file's lines (kw_bench and
 * groonga_bench time the same queries the same way); a file copied whole
 * (the relayout tools write a copy of an index, then rewrite it).
 */
#ifndef TENYO_BENCH_H
#define TENYO_BENCH_H

#include <tenyo.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

/* Copy the file src to dst (created, not there before): 0 or -1. */
static inline int bench_copy_file(const char *src, const char *dst) {
    int in = open(src, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (in < 0 || out < 0) {
        if (in >= 0) close(in);
        if (out >= 0) close(out);
        return -1;
    }
    static char buf[1 << 20];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            rc = -1;
            break;
        }
    if (n < 0 || fsync(out)) rc = -1;
    close(in);
    return close(out) || rc ? -1 : 0;
}

/* The same proposals (na of a, nb of b): fields, score bits, evidence. */
static inline int ideas_identical(int na, const tenyo_idea *a, int nb, const tenyo_idea *b) {
    if (na != nb) return 0;
    for (int j = 0; j < na; j++) {
        if (a[j].field != b[j].field || memcmp(&a[j].score, &b[j].score, sizeof a[j].score) ||
            a[j].nevidence != b[j].nevidence)
            return 0;
        for (int e = 0; e < a[j].nevidence; e++)
            if (a[j].evidence[e].doc != b[j].evidence[e].doc ||
                memcmp(&a[j].evidence[e].score, &b[j].evidence[e].score, sizeof(float)))
                return 0;
    }
    return 1;
}

/* Seconds on the monotonic clock. */
static inline double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* qsort order of doubles, ascending. */
static inline int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of v[0..n) (sorted in place). */
static inline double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The generator's state: seed it by assignment. */
/* The q-quantile of sorted v[0..n) (nearest rank). */
static inline double quantile(const double *v, int n, double q) {
    int i = (int)(q * n + 0.999999) - 1;
    if (i < 0) i = 0;
    if (i >= n) i = n - 1;
    return v[i];
}

/* The non-empty lines of path, at most max, into q (each malloc'd): their
 * count, or -1 when the file cannot be read (said on stderr). */
static inline int read_lines(const char *path, char **q, int max) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    char line[4096];
    int n = 0;
    while (n < max && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (*line) q[n++] = strdup(line);
    }
    fclose(f);
    return n;
}

static uint64_t rng_state;

static inline uint64_t rnd64(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in (0, 1). */
static inline double unif(void) { return ((rnd64() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }

/* Standard normal (Box-Muller, one of the pair). */
static inline double gauss(void) { return sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif()); }

/* Scale x[0..k) to unit length (a zero vector stays zero). */
static inline void normalize(float *x, size_t k) {
    double n = 0;
    for (size_t i = 0; i < k; i++) n += (double)x[i] * x[i];
    float inv = n > 0 ? (float)(1 / sqrt(n)) : 0.f;
    for (size_t i = 0; i < k; i++) x[i] *= inv;
}

#endif
