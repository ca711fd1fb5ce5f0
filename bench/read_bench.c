/*
 * read_bench.c — what one process of tenyo-mpi pays to read its share of
 * an input file that every process reads: the reader taking every record,
 * and taking only the records of one process's chunks (ty_reader_select:
 * lines (l - 1) / CHUNK % P == 0, the other lines found and skipped
 * unparsed), for several P, median of -r runs (default 3) each.
 *
 *   make bench/read_bench && build/bench/read_bench FILE [-c CHUNK] [-r RUNS] [P...]
 *
 * Prints the full read's time per record, a read that takes nothing (every
 * line found and skipped: the cost of a skipped record), and per P the
 * records taken and the median wall time against the full read's. The file is read from the page cache after the first run (a
 * first untimed read warms it), so these are parse and skip costs, not the
 * disk's. There is no peer: what it compares is the reader with itself.
 */
#include "io/io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long g_p = 1, g_chunk = 256;

static int take(void *ud, long line) {
    (void)ud;
    return g_p > 0 && ((line - 1) / g_chunk) % g_p == 0;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Read path taking process 0's share of p processes (p = 1: everything;
 * p = 0: nothing); *n = records taken. Returns the wall seconds, or -1. */
static double read_once(const char *path, long p, long *n) {
    tenyo_reader *r = NULL;
    char err[512];
    double t0 = now();
    if (tenyo_reader_open(path, NULL, &r, err, sizeof err)) {
        fprintf(stderr, "read_bench: %s\n", err);
        return -1;
    }
    g_p = p;
    if (p != 1) ty_reader_select(r, take, NULL);
    const tenyo_doc *d;
    int rc;
    *n = 0;
    while ((rc = tenyo_reader_next(r, &d)) == 1) (*n)++;
    double t = now() - t0;
    tenyo_reader_free(r);
    return rc < 0 ? -1 : t;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    const char *path = NULL;
    long ps[32];
    int np = 0, runs = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-c") && i + 1 < argc) g_chunk = atol(argv[++i]);
        else if (!strcmp(argv[i], "-r") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!path) path = argv[i];
        else if (np < 32) ps[np++] = atol(argv[i]);
    }
    if (!path || g_chunk < 1 || runs < 1 || runs > 99) {
        fprintf(stderr, "usage: read_bench FILE [-c CHUNK] [-r RUNS] [P...]\n");
        return 2;
    }
    if (!np) {
        long def[] = {2, 4, 8, 32};
        memcpy(ps, def, sizeof def);
        np = 4;
    }
    long n;
    if (read_once(path, 1, &n) < 0) return 1; /* warm the page cache */
    double full = 0;
    long total = n;
    for (int k = -2; k < np; k++) {
        long p = k == -2 ? 1 : k == -1 ? 0 : ps[k];
        double t[99];
        for (int i = 0; i < runs; i++)
            if ((t[i] = read_once(path, p, &n)) < 0) return 1;
        qsort(t, (size_t)runs, sizeof *t, cmp_d);
        double med = t[runs / 2];
        double per = 1e6 * med / (double)(total ? total : 1);
        if (k == -2) {
            full = med;
            printf("every record taken: %ld records, %.3f s median of %d, %.2f us a record\n",
                   total, full, runs, per);
        } else if (k == -1) {
            printf("none taken (all skipped): %.3f s median of %d, %.2f us a record\n", med, runs,
                   per);
        } else {
            printf("P = %ld (chunks of %ld): %ld taken, %.3f s median, %.2fx the full read\n", p,
                   g_chunk, n, med, med / full);
        }
    }
    return 0;
}
