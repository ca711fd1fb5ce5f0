/*
 * run.c — runs every registered test (see test.h) and prints a summary.
 *
 * Usage: build/tests/run [SUBSTRING...]. Runs the tests whose name holds
 * any of the substrings (every test without one), in file/name order so
 * the output is stable; a test that took a second or more says how long
 * (which tests a slow build, a sanitizer's, should pick); exit status 0
 * only when nothing failed.
 */
#include "test.h"
#include <tenyo.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct entry { const char *name, *file; ty_test_fn fn; } entry;
static entry *g_tests;
static size_t g_n, g_cap;

void ty_test_register(const char *name, const char *file, ty_test_fn fn) {
    if (g_n == g_cap) {
        g_cap = g_cap ? 2 * g_cap : 64;
        g_tests = realloc(g_tests, g_cap * sizeof *g_tests);
        if (!g_tests) abort();
    }
    g_tests[g_n++] = (entry){name, file, fn};
}

const char *ty_test_shared(const char *rel) {
    static char slots[8][1024];
    static int next;
    const char *base = getenv("TENYO_SHARED_DATA");
    if (!base || !*base) base = "../shared/data";
    char *p = slots[next++ % 8];
    snprintf(p, 1024, "%s/%s", base, rel);
    struct stat st;
    return stat(p, &st) == 0 ? p : NULL;
}

const char *ty_test_tmpdir(void) {
    static char dir[256];
    if (!dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/tenyo-test-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(dir)) { perror("mkdtemp"); abort(); }
    }
    return dir;
}

char *ty_test_slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *p = NULL;
    size_t cap = 0, len = 0, got;
    do {
        if (len + 1 >= cap) {
            char *q = realloc(p, cap = cap ? 2 * cap : 65536);
            if (!q) {
                free(p);
                fclose(f);
                return NULL;
            }
            p = q;
        }
        got = fread(p + len, 1, cap - len - 1, f);
        len += got;
    } while (got > 0);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(p);
        return NULL;
    }
    p[len] = 0;
    *n = len;
    return p;
}

int ty_test_copy(const char *from, const char *to) {
    size_t n;
    char *buf = ty_test_slurp(from, &n);
    if (!buf) return -1;
    FILE *f = fopen(to, "wb");
    int rc = f && fwrite(buf, 1, n, f) == n ? 0 : -1;
    if (f && fclose(f)) rc = -1;
    free(buf);
    return rc;
}

static int cmp_entry(const void *a, const void *b) {
    const entry *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    return c ? c : strcmp(x->name, y->name);
}

int main(int argc, char **argv) {
    size_t passed = 0, failed = 0, skipped = 0;
    qsort(g_tests, g_n, sizeof *g_tests, cmp_entry);
    for (size_t i = 0; i < g_n; i++) {
        int want = argc < 2;
        for (int a = 1; a < argc && !want; a++) want = strstr(g_tests[i].name, argv[a]) != NULL;
        if (!want) continue;
        ty_test_state ts = {0};
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        g_tests[i].fn(&ts);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        char took[32] = "";
        if (secs >= 1.0) snprintf(took, sizeof took, "  (%.1f s)", secs);
        if (ts.failed) {
            printf("FAIL %s  %s%s\n", g_tests[i].name, ts.msg, took);
            failed++;
        } else if (ts.skipped) {
            printf("skip %s  (%s)\n", g_tests[i].name, ts.msg);
            skipped++;
        } else {
            printf("ok   %s%s\n", g_tests[i].name, took);
            passed++;
        }
        fflush(stdout);
    }
    if (skipped) printf("%zu skipped\n", skipped);
    printf("%zu passed, %zu failed\n", passed, failed);
    return failed ? 1 : 0;
}

int ty_test_feed(const char *path, int from, int to,
                 int (*add)(void *ud, const struct tenyo_doc *d), void *ud) {
    tenyo_reader *r = NULL;
    char err[256];
    if (tenyo_reader_open(path, NULL, &r, err, sizeof err)) return -1;
    const tenyo_doc *d;
    int i = 0, rc = 0, got;
    while ((got = tenyo_reader_next(r, &d)) == 1) {
        if (i >= from && i < to && (rc = add(ud, d)) != 0) break;
        i++;
    }
    tenyo_reader_free(r);
    return rc || got < 0 ? -1 : i; /* a record the reader refused fails too */
}

static int add_builder(void *ud, const struct tenyo_doc *d) { return tenyo_builder_add(ud, d); }

int ty_test_build(const char *path, int n, const struct tenyo_build_opts *opts,
                  const char *out) {
    tenyo_build_opts o;
    tenyo_build_opts_default(&o);
    if (opts) o = *opts;
    tenyo_builder *b = NULL;
    char err[256];
    if (tenyo_builder_new(&o, &b, err, sizeof err)) return -1;
    int ok = ty_test_feed(path, 0, n, add_builder, b) > 0 &&
             tenyo_builder_write(b, out, NULL) == TENYO_OK;
    tenyo_builder_free(b);
    return ok ? 0 : -1;
}
