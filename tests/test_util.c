/*
 * test_util.c — util.c's pieces shared by every layer: the run-once guard
 * the string map's borrowed-key bulk insert, top-k, ty_parallel.
 */
#include "util/util.h"
#include "test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

/* ty_once_run: of threads arriving together, one runs the function, all get
 * its result; later calls do not run it again. */
typedef struct once_job {
    ty_once *o;
    int *calls;
    int rc;
} once_job;

static int once_fn(void *arg) {
    int *calls = arg;
    __atomic_add_fetch(calls, 1, __ATOMIC_RELAXED);
    struct timespec ts = {0, 20 * 1000 * 1000}; /* the others arrive meanwhile */
    nanosleep(&ts, NULL);
    return 7;
}

static void *once_thread(void *arg) {
    once_job *j = arg;
    j->rc = ty_once_run(j->o, once_fn, j->calls);
    return NULL;
}

TY_TEST(util_once_runs_once) {
    ty_once o;
    ty_once_init(&o);
    int calls = 0;
    once_job j[8];
    pthread_t t[8];
    for (int i = 0; i < 8; i++) {
        j[i] = (once_job){.o = &o, .calls = &calls, .rc = -1};
        CHECK_EQ_INT(pthread_create(&t[i], NULL, once_thread, &j[i]), 0);
    }
    for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < 8; i++) CHECK_EQ_INT(j[i].rc, 7);
    CHECK_EQ_INT(ty_once_run(&o, once_fn, &calls), 7);
    CHECK_EQ_INT(calls, 1);
    ty_once_destroy(&o);
}

/* A blob of n keys "k<i>" (or key dupat equal to key 0), offsets in off. */
static char *key_blob(uint64_t n, uint64_t dupat, uint64_t *off) {
    ty_buf b = {0};
    for (uint64_t i = 0; i < n; i++) {
        char k[32];
        int l = snprintf(k, sizeof k, "k%llu", (unsigned long long)(i == dupat ? 0 : i));
        off[i] = b.len;
        if (ty_buf_append(&b, k, (size_t)l + 1)) return NULL;
    }
    return b.p;
}

/* Borrowed keys: every key found with its number, keys not copied, a key met
 * twice reported at its second place, for sizes below and above the
 * prefetch window, and after keys already interned. */
/* ty_finder_next gives memmem's answer: every needle length from 0 to 40
 * (one byte, two, a CJK character of three, longer; the AVX2 blocks and
 * the tail after them), needles made of a haystack's own bytes (hits at
 * the start, the end and across the 32-byte blocks), bytes that repeat
 * (aaaa in aaaaaa: the leftmost), haystacks of every length up to 200, cut
 * out of a larger buffer so that a read past the end would be seen by
 * AddressSanitizer; then counting as keyword search counts (non-overlapping,
 * left to right) over UTF-8 Japanese. */
TY_TEST(util_finder_is_memmem) {
    unsigned seed = 12345;
    char big[512];
    int checked = 0;
    for (int round = 0; round < 400; round++) {
        int alpha = round % 3 == 0 ? 2 : round % 3 == 1 ? 4 : 256;
        size_t len = (size_t)(rand_r(&seed) % 201);
        for (size_t i = 0; i < sizeof big; i++) big[i] = (char)(rand_r(&seed) % alpha + (alpha < 256 ? 'a' : 0));
        char *h = malloc(len ? len : 1); /* exactly len bytes */
        CHECK(h != NULL);
        memcpy(h, big, len);
        for (size_t m = 0; m <= 40; m++) {
            char nb[41];
            if (len >= m && rand_r(&seed) % 2) { /* a piece of the haystack */
                size_t at = len > m ? (size_t)rand_r(&seed) % (len - m + 1) : 0;
                memcpy(nb, h + at, m);
            } else {
                for (size_t i = 0; i < m; i++) nb[i] = (char)(rand_r(&seed) % alpha + (alpha < 256 ? 'a' : 0));
            }
            ty_finder f;
            ty_finder_init(&f, nb, m);
            const char *want = memmem(h, len, nb, m), *got = ty_finder_next(&f, h, len);
            CHECKF(got == want, "len %zu, needle %zu bytes: %td against memmem's %td", len, m,
                   got ? got - h : -1, want ? want - h : -1);
            checked++;
        }
        free(h);
    }
    CHECK(checked == 400 * 41);
    const char *text = "システムとシステムシステム、システ、ムシステムのシ ステム";
    ty_finder f;
    ty_finder_init(&f, "システム", strlen("システム"));
    int n = 0;
    for (const char *p = text, *e = text + strlen(text); (p = ty_finder_next(&f, p, (size_t)(e - p)));
         p += strlen("システム"))
        n++;
    CHECK_EQ_INT(n, 4);
    ty_finder_init(&f, "aa", 2);
    const char *aaa = "aaaaa";
    n = 0;
    for (const char *p = aaa, *e = aaa + 5; (p = ty_finder_next(&f, p, (size_t)(e - p))); p += 2) n++;
    CHECK_EQ_INT(n, 2); /* aa aa a: non-overlapping, as keyword search counts */
}

/* ty_finder_count gives the count a memmem loop gives (leftmost, then past
 * each hit), and of those the hits before a split: every needle length up
 * to 70 (the blocks of 32, the padded last block up to 64 bytes, memmem
 * past it; the words compared at 4, 8 and 16 bytes and the memcmp beyond),
 * needles cut from the haystack and repeating ones (aaaa in aaaaaaa...,
 * where hits overlap and the step past each one decides), haystacks of
 * every length up to 300, each exactly its length under AddressSanitizer. */
TY_TEST(util_finder_count_is_memmem_loop) {
    unsigned seed = 777;
    char big[600];
    int checked = 0, hits = 0;
    for (int round = 0; round < 600; round++) {
        int alpha = round % 4 == 0 ? 1 : round % 4 == 1 ? 2 : round % 4 == 2 ? 3 : 256;
        size_t len = (size_t)(rand_r(&seed) % 301);
        for (size_t i = 0; i < sizeof big; i++) big[i] = (char)(rand_r(&seed) % alpha + (alpha < 256 ? 'a' : 0));
        char *h = malloc(len ? len : 1);
        CHECK(h != NULL);
        memcpy(h, big, len);
        for (size_t m = 1; m <= 70; m++) {
            char nb[71];
            if (len >= m && rand_r(&seed) % 3) {
                size_t at = len > m ? (size_t)rand_r(&seed) % (len - m + 1) : 0;
                memcpy(nb, h + at, m);
            } else {
                for (size_t i = 0; i < m; i++) nb[i] = (char)(rand_r(&seed) % alpha + (alpha < 256 ? 'a' : 0));
            }
            size_t split = len ? (size_t)rand_r(&seed) % (len + 1) : 0;
            uint64_t want = 0, wantb = 0;
            for (size_t from = 0; from + m <= len;) {
                const char *p = memmem(h + from, len - from, nb, m);
                if (!p) break;
                want++;
                wantb += (size_t)(p - h) < split;
                from = (size_t)(p - h) + m;
            }
            ty_finder f;
            ty_finder_init(&f, nb, m);
            uint64_t before = 99, got = ty_finder_count(&f, h, len, split, &before);
            CHECKF(got == want && before == wantb,
                   "len %zu, needle %zu bytes, split %zu: %llu (%llu before) against %llu (%llu)",
                   len, m, split, (unsigned long long)got, (unsigned long long)before,
                   (unsigned long long)want, (unsigned long long)wantb);
            checked++;
            hits += want > 0;
        }
        free(h);
    }
    CHECK(checked == 600 * 70);
    CHECK(hits > 10000);
    const char *text = "システムとシステムシステム、システ、ムシステムのシ ステム";
    ty_finder f;
    ty_finder_init(&f, "システム", strlen("システム"));
    uint64_t before = 0;
    CHECK(ty_finder_count(&f, text, strlen(text), strlen("システムと"), &before) == 4);
    CHECK(before == 1);
    ty_finder_init(&f, "", 0);
    CHECK(ty_finder_count(&f, text, strlen(text), 0, &before) == 0 && before == 0);
}

TY_TEST(util_strmap_add_blob) {
    static const uint64_t sizes[] = {0, 1, 5, 16, 17, 1000, 70000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        uint64_t n = sizes[s];
        uint64_t *off = malloc((n ? n : 1) * sizeof *off);
        char *blob = key_blob(n, UINT64_MAX, off);
        CHECK(off && (blob || n == 0));
        ty_strmap *m = ty_strmap_new();
        CHECK(m);
        CHECK(ty_strmap_intern(m, "first", 5, NULL) == 0);
        uint64_t dup = 12345;
        CHECK_EQ_INT(ty_strmap_add_blob(m, blob, off, 1, n, &dup), 0);
        CHECK(dup == 12345);
        CHECK(ty_strmap_size(m) == n + 1);
        CHECK(ty_strmap_get(m, "first", 5) == 0);
        for (uint64_t i = 0; i < n; i++) {
            const char *k = blob + off[i];
            CHECK(ty_strmap_get(m, k, strlen(k)) == (int64_t)(i + 1));
            CHECK(ty_strmap_key(m, (uint32_t)(i + 1), NULL) == k); /* borrowed */
        }
        CHECK(ty_strmap_get(m, "k-1", 3) == -1);
        ty_strmap_free(m);
        free(blob);
        /* the same keys with key dupat equal to key 0 */
        if (n >= 2) {
            uint64_t dupat = n - 1 - n / 3;
            blob = key_blob(n, dupat, off);
            m = ty_strmap_new();
            CHECK(m && blob);
            CHECK_EQ_INT(ty_strmap_add_blob(m, blob, off, 1, n, &dup), 1);
            CHECK(dup == dupat);
            CHECK(ty_strmap_size(m) == dupat); /* the keys before it are in */
            ty_strmap_free(m);
            free(blob);
        }
        free(off);
    }
}

/* Stride: every third string of the blob is a key (the id of a document's
 * strings). */
TY_TEST(util_strmap_add_blob_stride) {
    const char blob[] = "a\0x\0y\0b\0x\0y\0c\0x\0y";
    uint64_t off[9];
    for (int i = 0; i < 9; i++) off[i] = 2 * (uint64_t)i;
    ty_strmap *m = ty_strmap_new();
    CHECK(m);
    uint64_t dup = 0;
    CHECK_EQ_INT(ty_strmap_add_blob(m, blob, off, 3, 3, &dup), 0);
    CHECK(ty_strmap_size(m) == 3);
    CHECK(ty_strmap_get(m, "b", 1) == 1);
    CHECK(ty_strmap_get(m, "c", 1) == 2);
    CHECK(ty_strmap_get(m, "x", 1) == -1);
    ty_strmap_free(m);
}

/* A blob added to an empty map is read in place (no list of its keys):
 * lookups compare up to the blob key's end (a prefix, a longer key and a
 * key holding a NUL all miss), keys come from the blob; a key interned
 * afterwards lists the blob's first, and every key is found after the
 * slots grow; a second blob joins a listed map alike. */
TY_TEST(util_strmap_blob_in_place) {
    const char blob[] = "alpha\0beta\0gamma\0al\0alphabet";
    uint64_t off[] = {0, 6, 11, 17, 20};
    ty_strmap *m = ty_strmap_new();
    CHECK(m);
    uint64_t dup = 0;
    CHECK_EQ_INT(ty_strmap_add_blob(m, blob, off, 1, 5, &dup), 0);
    CHECK(ty_strmap_get(m, "alpha", 5) == 0);
    CHECK(ty_strmap_get(m, "alphabet", 8) == 4);
    CHECK(ty_strmap_get(m, "al", 2) == 3);
    CHECK(ty_strmap_get(m, "alph", 4) == -1);
    CHECK(ty_strmap_get(m, "alphab", 6) == -1);
    CHECK(ty_strmap_get(m, "gamma\0x", 7) == -1);
    CHECK(ty_strmap_get(m, "gammaX", 5) == 2); /* len 5: "gamma" */
    size_t len = 0;
    const char *k = ty_strmap_key(m, 1, &len);
    CHECK(k == blob + 6 && len == 4);
    int is_new = 0;
    CHECK(ty_strmap_intern(m, "delta", 5, &is_new) == 5 && is_new);
    CHECK(ty_strmap_intern(m, "beta", 4, &is_new) == 1 && !is_new);
    char key[16];
    for (int i = 0; i < 3000; i++) { /* the slots grow several times */
        snprintf(key, sizeof key, "k%d", i);
        CHECK(ty_strmap_intern(m, key, strlen(key), NULL) == 6 + i);
    }
    for (int i = 0; i < 5; i++) {
        k = blob + off[i];
        CHECK(ty_strmap_get(m, k, strlen(k)) == i);
        CHECK(ty_strmap_key(m, (uint32_t)i, &len) == k && len == strlen(k));
    }
    CHECK(ty_strmap_get(m, "delta", 5) == 5);
    CHECK(ty_strmap_get(m, "k2999", 5) == 3005);
    const char b2[] = "one\0alpha";
    uint64_t o2[] = {0, 4};
    CHECK_EQ_INT(ty_strmap_add_blob(m, b2, o2, 1, 2, &dup), 1);
    CHECK(dup == 1 && ty_strmap_get(m, "one", 3) == 3006);
    ty_strmap_free(m);
    /* a duplicate inside one blob: the keys before it are in */
    const char b3[] = "x\0y\0x";
    uint64_t o3[] = {0, 2, 4};
    m = ty_strmap_new();
    CHECK(m);
    CHECK_EQ_INT(ty_strmap_add_blob(m, b3, o3, 1, 3, &dup), 1);
    CHECK(dup == 2 && ty_strmap_size(m) == 2 && ty_strmap_get(m, "y", 1) == 1);
    ty_strmap_free(m);
}

/* Lazy keys (ty_strmap_add_blob_lazy): size and keys answered before the
 * map is built, then every lookup the same as an eager map's, the map
 * built once however many threads ask first; a key met twice reported by
 * every settle at its second place; a lazy map that is not empty refused. */
typedef struct lazy_ask {
    const ty_strmap *m;
    const char *blob;
    const uint64_t *off;
    uint64_t n;
    int bad;
} lazy_ask;

static void *lazy_ask_run(void *arg) {
    lazy_ask *a = arg;
    for (uint64_t i = 0; i < a->n; i += 7) {
        const char *k = a->blob + a->off[i];
        a->bad += ty_strmap_get(a->m, k, strlen(k)) != (int64_t)i;
    }
    return NULL;
}

TY_TEST(util_strmap_lazy_blob) {
    static const uint64_t sizes[] = {0, 1, 17, 70000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        uint64_t n = sizes[s];
        uint64_t *off = malloc((n ? n : 1) * sizeof *off);
        char *blob = key_blob(n, UINT64_MAX, off);
        CHECK(off && (blob || n == 0));
        ty_strmap *m = ty_strmap_new();
        CHECK(m);
        CHECK_EQ_INT(ty_strmap_add_blob_lazy(m, blob, off, 1, n), 0);
        CHECK(ty_strmap_size(m) == n); /* before it is built */
        for (uint64_t i = 0; i < n; i += 101) {
            size_t l = 0;
            CHECK(ty_strmap_key(m, (uint32_t)i, &l) == blob + off[i] && l == strlen(blob + off[i]));
        }
        CHECK(ty_strmap_key(m, (uint32_t)n, NULL) == NULL);
        pthread_t t[4];
        lazy_ask a[4];
        for (int i = 0; i < 4; i++) {
            a[i] = (lazy_ask){m, blob, off, n, 0};
            CHECK(pthread_create(&t[i], NULL, lazy_ask_run, &a[i]) == 0);
        }
        for (int i = 0; i < 4; i++) {
            pthread_join(t[i], NULL);
            CHECK_EQ_INT(a[i].bad, 0);
        }
        uint64_t dup = 99;
        CHECK_EQ_INT(ty_strmap_settle(m, &dup), 0);
        CHECK(dup == 99 && ty_strmap_size(m) == n);
        for (uint64_t i = 0; i < n; i++) {
            const char *k = blob + off[i];
            CHECK(ty_strmap_get(m, k, strlen(k)) == (int64_t)i);
            CHECK(ty_strmap_key(m, (uint32_t)i, NULL) == k); /* borrowed */
        }
        CHECK(ty_strmap_get(m, "k-1", 3) == -1);
        CHECK(ty_strmap_intern(m, "k-1", 3, NULL) == (int64_t)n); /* usable after */
        CHECK(ty_strmap_size(m) == n + 1);
        ty_strmap_free(m);
        free(blob);
        if (n >= 2) { /* key dupat equal to key 0: reported by the build */
            uint64_t dupat = n - 1 - n / 3;
            blob = key_blob(n, dupat, off);
            m = ty_strmap_new();
            CHECK(m && blob);
            CHECK_EQ_INT(ty_strmap_add_blob_lazy(m, blob, off, 1, n), 0);
            CHECK(ty_strmap_get(m, blob + off[0], strlen(blob + off[0])) == 0);
            for (int r = 0; r < 2; r++) {
                dup = 0;
                CHECK_EQ_INT(ty_strmap_settle(m, &dup), 1);
                CHECK(dup == dupat);
            }
            CHECK(ty_strmap_size(m) == dupat); /* the keys before it are in */
            ty_strmap_free(m);
            free(blob);
        }
        free(off);
    }
    ty_strmap *m = ty_strmap_new();
    uint64_t o = 0;
    CHECK(m && ty_strmap_intern(m, "a", 1, NULL) == 0);
    CHECK_EQ_INT(ty_strmap_add_blob_lazy(m, "b", &o, 1, 1), TENYO_ERR_ARG);
    CHECK_EQ_INT(ty_strmap_settle(m, NULL), 0); /* not lazy: nothing to do */
    ty_strmap_free(m);
}

/* ty_topk_array gives what pushing every score into a ty_topk gives: random
 * scores with many ties, NaN, -inf and +inf among them, a skipped document,
 * sizes below and above the histogram's threshold, k from 1 to more than n. */
TY_TEST(util_topk_array_matches_heap) {
    static const uint64_t ns[] = {10, 9000, 50000};
    static const size_t ks[] = {1, 11, 256, 60000};
    uint64_t st = 5;
    float *s = malloc(50000 * sizeof *s);
    tenyo_hit *a = malloc(60000 * sizeof *a), *b = malloc(60000 * sizeof *b);
    CHECK(s && a && b);
    for (int variant = 0; variant < 4; variant++)
        for (size_t ni = 0; ni < 3; ni++) {
            uint64_t n = ns[ni];
            for (uint64_t d = 0; d < n; d++) {
                st = st * 6364136223846793005ull + 1442695040888963407ull;
                double u = (double)(st >> 11) / 9007199254740992.0;
                /* variant 0 continuous, 1 coarse (ties), 2 with NaN / -inf, 3 +inf too */
                s[d] = variant == 1 ? (float)((int)(u * 50)) / 50.f : (float)(u * 2 - 1);
                if (variant >= 2 && d % 97 == 3) s[d] = NAN;
                if (variant >= 2 && d % 89 == 5) s[d] = -INFINITY;
                if (variant == 3 && d == n / 2) s[d] = INFINITY;
            }
            for (size_t ki = 0; ki < 4; ki++) {
                size_t k = ks[ki];
                uint64_t skip = n / 3;
                ty_topk t;
                ty_topk_init(&t, b, k);
                for (uint64_t d = 0; d < n; d++)
                    if (d != skip) ty_topk_push(&t, d, s[d]);
                size_t nb = ty_topk_finish(&t);
                size_t na = ty_topk_array(s, n, skip, k, a);
                CHECKF(na == nb, "variant %d n %llu k %zu: %zu vs %zu hits", variant,
                       (unsigned long long)n, k, na, nb);
                for (size_t i = 0; i < na; i++)
                    CHECKF(a[i].doc == b[i].doc && a[i].score == b[i].score,
                           "variant %d n %llu k %zu: hit %zu differs", variant,
                           (unsigned long long)n, k, i);
            }
        }
    free(s);
    free(a);
    free(b);
}

/* ty_parallel: every worker runs once with its (t, nt); the status is the
 * lowest-numbered failure whatever the finishing order; ty_split covers
 * [0, n) in order; the watch variant calls its watch and runs them all. */
typedef struct par_probe {
    atomic_int ran[64];
    int fail_from;       /* workers >= this fail with -(t + 1) (64: none) */
    atomic_int watched;
} par_probe;
static int par_probe_fn(void *ud, int t, int nt) {
    par_probe *p = ud;
    atomic_fetch_add(&p->ran[t], 1);
    if (t >= p->fail_from) {
        /* a later worker finishes first */
        struct timespec ts = {0, (long)(nt - t) * 1000000L};
        nanosleep(&ts, NULL);
        return -(t + 1);
    }
    return 0;
}
static void par_probe_watch(void *ud) {
    atomic_fetch_add(&((par_probe *)ud)->watched, 1);
}
TY_TEST(util_parallel_workers_and_first_error) {
    for (int nt = 1; nt <= 9; nt += 4) {
        par_probe p = {.fail_from = 64};
        CHECK(ty_parallel(nt, par_probe_fn, &p) == 0);
        for (int t = 0; t < nt; t++) CHECKF(atomic_load(&p.ran[t]) == 1, "nt %d: worker %d", nt, t);
        CHECK(atomic_load(&p.ran[nt]) == 0);
    }
    par_probe p = {.fail_from = 3};
    CHECK(ty_parallel(8, par_probe_fn, &p) == -4);
    par_probe q = {.fail_from = 2};
    CHECK(ty_parallel_watch(6, par_probe_fn, &q, par_probe_watch, &q, 1) == -3);
    for (int t = 0; t < 6; t++) CHECK(atomic_load(&q.ran[t]) == 1);
    CHECK(atomic_load(&q.watched) >= 1);
    CHECK(ty_parallel(0, par_probe_fn, &(par_probe){.fail_from = 64}) == 0); /* clamped to 1 */
    CHECK(tenyo_parallel(2, NULL, NULL) == TENYO_ERR_ARG);
    const uint64_t ns[] = {0, 1, 7, 1000, UINT64_MAX};
    for (size_t i = 0; i < 5; i++)
        for (int nt = 1; nt <= 7; nt++) {
            CHECK(ty_split(ns[i], 0, nt) == 0 && ty_split(ns[i], nt, nt) == ns[i]);
            for (int t = 0; t < nt; t++) {
                uint64_t a = ty_split(ns[i], t, nt), b = ty_split(ns[i], t + 1, nt);
                CHECK(a <= b && b - a - ns[i] / (uint64_t)nt <= (ns[i] % (uint64_t)nt != 0));
            }
        }
    CHECK(ty_parallel_workers(4, 10, 100) == 1);
    CHECK(ty_parallel_workers(4, 1000, 100) == 4);
    CHECK(ty_parallel_workers(1000, 1u << 30, 1) == TY_PAR_MAX);
}

/* ty_topk_ranges: the k best split over 1 to 5 document ranges are the
 * hits of one heap fed every score (ty_topk_push), in the same order, bit
 * for bit: scores with many ties (a few distinct values), NaN and -inf
 * (never ranked), a skipped document, a keep mask; k from 0 to past n,
 * and arrays long enough for ty_topk_array's sampled threshold. */
TY_TEST(util_topk_ranges_equal_one_heap) {
    static const uint64_t ns[] = {0, 1, 7, 1000, 40000};
    static const size_t ks[] = {0, 1, 3, 10, 100, 1005};
    uint64_t seed = 12345;
    for (size_t ni = 0; ni < sizeof ns / sizeof *ns; ni++) {
        uint64_t n = ns[ni];
        float *s = malloc((n ? n : 1) * sizeof *s);
        uint8_t *keep = malloc(n ? n : 1);
        tenyo_hit *a = malloc(1005 * sizeof *a), *b = malloc(1005 * sizeof *b);
        CHECK(s && keep && a && b);
        for (uint64_t d = 0; d < n; d++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            uint32_t r = (uint32_t)(seed >> 33);
            s[d] = r % 97 == 0 ? NAN : r % 89 == 0 ? -INFINITY : (float)(r % 13) / 8.f - 0.5f;
            keep[d] = (uint8_t)(r % 5 != 0);
        }
        for (size_t ki = 0; ki < sizeof ks / sizeof *ks; ki++)
            for (int mk = 0; mk < 2; mk++)
                for (int sk = 0; sk < 2; sk++) {
                    size_t k = ks[ki];
                    uint64_t skip = sk && n ? n / 3 : UINT64_MAX;
                    const uint8_t *kp = mk ? keep : NULL;
                    ty_topk t;
                    ty_topk_init(&t, b, k);
                    for (uint64_t d = 0; d < n; d++)
                        if (d != skip && (!kp || kp[d])) ty_topk_push(&t, d, s[d]);
                    size_t nb = ty_topk_finish(&t);
                    for (int nt = 1; nt <= 5; nt++) {
                        size_t na = ty_topk_ranges(s, n, skip, kp, k, nt, a);
                        int same = na == nb;
                        for (size_t i = 0; same && i < na; i++)
                            same = a[i].doc == b[i].doc &&
                                   memcmp(&a[i].score, &b[i].score, sizeof a[i].score) == 0;
                        CHECKF(same, "n %llu k %zu keep %d skip %d nt %d: %zu vs %zu hits",
                               (unsigned long long)n, k, mk, sk, nt, na, nb);
                    }
                }
        free(s);
        free(keep);
        free(a);
        free(b);
    }
}

/* ty_parallel_claim: every part done exactly once, by whichever thread,
 * for many calls in a row (the parked helpers reused) and from several
 * callers at once (one job slot: a later post takes it over, the earlier
 * caller finishes its parts itself); the status is the lowest failing
 * part's. */
typedef struct claim_t {
    atomic_int hits[64]; /* per part: times done */
    int fail_from;       /* parts >= this fail with -(part + 1) */
} claim_t;

static int claim_part(void *ud, int i, int n) {
    claim_t *c = ud;
    (void)n;
    atomic_fetch_add(&c->hits[i], 1);
    return i >= c->fail_from ? -(i + 1) : 0;
}

static void *claim_caller(void *arg) {
    int *bad = arg;
    for (int r = 0; r < 300; r++) {
        claim_t c;
        for (int i = 0; i < 64; i++) atomic_init(&c.hits[i], 0);
        c.fail_from = 64;
        int n = 1 + r % 64;
        if (ty_parallel_claim(1 + r % 4, n, claim_part, &c) != 0) (*bad)++;
        for (int i = 0; i < 64; i++) *bad += atomic_load(&c.hits[i]) != (i < n);
    }
    return NULL;
}

TY_TEST(util_parallel_claim_each_part_once) {
    claim_t c;
    for (int i = 0; i < 64; i++) atomic_init(&c.hits[i], 0);
    c.fail_from = 5;
    CHECK_EQ_INT(ty_parallel_claim(3, 12, claim_part, &c), -6);
    for (int i = 0; i < 12; i++) CHECK_EQ_INT(atomic_load(&c.hits[i]), 1);
    CHECK_EQ_INT(ty_parallel_claim(2, 0, claim_part, &c), 0);
    int bad[3] = {0, 0, 0};
    pthread_t th[3];
    for (int t = 0; t < 3; t++) CHECK(pthread_create(&th[t], NULL, claim_caller, &bad[t]) == 0);
    for (int t = 0; t < 3; t++) pthread_join(th[t], NULL);
    CHECK_EQ_INT(bad[0] + bad[1] + bad[2], 0);
}

/* A part that notes the thread it ran on (slow enough for helpers to claim
 * some). */
typedef struct {
    pthread_t who[8];
} claim_who_t;

static int claim_who(void *ud, int i, int np) {
    (void)np;
    claim_who_t *w = ud;
    w->who[i] = pthread_self();
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    return 0;
}

static int claim_threads_seen(void) {
    claim_who_t w;
    memset(&w, 0, sizeof w);
    if (ty_parallel_claim(3, 8, claim_who, &w) != 0) return -1;
    int n = 0;
    for (int i = 0; i < 8; i++) {
        int seen = 0;
        for (int j = 0; j < i; j++) seen |= pthread_equal(w.who[i], w.who[j]);
        n += !seen;
    }
    return n;
}

/* A child of fork() made after the helpers started has none of them: it
 * starts its own (its parts run on more than one thread again; before, the
 * child counted the parent's helpers and ran every part itself). Both
 * processes are children of the test, which keeps no helper of its own
 * (the null-argument test forks it, and ThreadSanitizer refuses threads in
 * a child of a threaded process: skipped there). */
TY_TEST(util_parallel_claim_after_fork) {
#if defined(__SANITIZE_THREAD__)
    TY_SKIP("ThreadSanitizer does not start threads in a child of a threaded process");
#else
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        if (claim_threads_seen() < 2) _exit(2); /* the parent's helpers */
        pid_t c = fork();
        if (c < 0) _exit(3);
        if (c == 0) _exit(claim_threads_seen() >= 2 ? 0 : 4);
        int st = 0;
        waitpid(c, &st, 0);
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 5);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d (2: no helpers in the first "
           "process, 4: none in its child)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
#endif
}
