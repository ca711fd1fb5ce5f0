/*
 * test.h — the tiny test harness of tenyo.
 *
 * Each tests/test_*.c file defines tests with TY_TEST(name) { ... }; a
 * constructor registers them, so files can be added without a central list.
 * tests/run.c runs them all (or those whose name contains argv[1]) and ends
 * with the line "N passed, N failed" (skips are reported but not counted as
 * passed). CHECK failures record file:line and end the test.
 *
 * Tests that need ../shared/data call ty_test_shared("jp/jplatpat.jsonl") and
 * TY_SKIP with a message when it returns NULL.
 */
#ifndef TENYO_TEST_H
#define TENYO_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <math.h>

typedef struct ty_test_state {
    int failed;           /* a CHECK failed */
    int skipped;          /* TY_SKIP was called */
    char msg[512];        /* failure or skip message */
} ty_test_state;

typedef void (*ty_test_fn)(ty_test_state *ts_);
void ty_test_register(const char *name, const char *file, ty_test_fn fn);
/* Path of a file under the shared data folder (TENYO_SHARED_DATA or
 * ../shared/data), or NULL when it does not exist. Static buffer per call
 * slot (8 slots rotate). */
const char *ty_test_shared(const char *rel);
/* A fresh temporary directory for this test run (created once). */
const char *ty_test_tmpdir(void);
/* The whole file at path, malloc'd and NUL-terminated (an empty file gives
 * ""), its size in *n; NULL when it cannot be read. */
char *ty_test_slurp(const char *path, size_t *n);
/* The file from copied whole to to (made or truncated): 0, or -1. */
int ty_test_copy(const char *from, const char *to);
/* Records [from, to) of the JSONL file at path, each given to add(ud, doc)
 * in order; the number of records read, or -1 when the file cannot be
 * read or add returned non-zero. */
struct tenyo_doc;
struct tenyo_build_opts;
/* An index at out of records [0, n) of the JSONL file at path, built with
 * opts (NULL: defaults); 0, or -1. */
int ty_test_build(const char *path, int n, const struct tenyo_build_opts *opts,
                  const char *out);
int ty_test_feed(const char *path, int from, int to,
                 int (*add)(void *ud, const struct tenyo_doc *d), void *ud);

#define TY_TEST(name)                                                      \
    static void ty_test_##name(ty_test_state *ts_);                       \
    __attribute__((constructor)) static void ty_test_reg_##name(void) {   \
        ty_test_register(#name, __FILE__, ty_test_##name);                 \
    }                                                                      \
    static void ty_test_##name(ty_test_state *ts_)

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            snprintf(ts_->msg, sizeof ts_->msg, "%s:%d: CHECK(%s)",        \
                     __FILE__, __LINE__, #cond);                           \
            ts_->failed = 1;                                               \
            return;                                                        \
        }                                                                  \
    } while (0)

#define CHECKF(cond, ...)                                                  \
    do {                                                                   \
        if (!(cond)) {                                                     \
            int o_ = snprintf(ts_->msg, sizeof ts_->msg, "%s:%d: ",        \
                              __FILE__, __LINE__);                         \
            if (o_ > 0 && (size_t)o_ < sizeof ts_->msg)                    \
                snprintf(ts_->msg + o_, sizeof ts_->msg - o_, __VA_ARGS__);\
            ts_->failed = 1;                                               \
            return;                                                        \
        }                                                                  \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                 \
    CHECKF((long long)(a) == (long long)(b), "%s == %s: %lld != %lld", #a,  \
           #b, (long long)(a), (long long)(b))

#define CHECK_STR(a, b)                                                    \
    CHECKF(strcmp((a), (b)) == 0, "%s == %s: \"%s\" != \"%s\"", #a, #b,     \
           (a), (b))

#define CHECK_NEAR(a, b, tol)                                              \
    CHECKF(fabs((double)(a) - (double)(b)) <= (tol),                       \
           "%s ~ %s: %g vs %g (tol %g)", #a, #b, (double)(a), (double)(b),  \
           (double)(tol))

#define TY_SKIP(...)                                                       \
    do {                                                                   \
        snprintf(ts_->msg, sizeof ts_->msg, __VA_ARGS__);                  \
        ts_->skipped = 1;                                                  \
        return;                                                            \
    } while (0)

/* Copy of src at dst with one byte flipped (xor mask) at byte at of the
 * frame of section name (at -1: its middle), and of name2 too when not
 * NULL (found in the section table: 48-byte entries from byte 32,
 * store/format.h). 0, or -1 when a section is not there or the files
 * cannot be read or written. */
static inline int ty_test_damage_at(const char *src, const char *dst, const char *name,
                                    const char *name2, int64_t at, unsigned char mask) {
    FILE *f = fopen(src, "rb");
    if (!f) return -1;
    static unsigned char b[1 << 22];
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    uint32_t ns = (uint32_t)b[16] | (uint32_t)b[17] << 8;
    int hits = 0;
    for (uint32_t i = 0; i < ns && n > 32 + 48 * (size_t)ns; i++) {
        const unsigned char *e = b + 32 + 48 * i;
        if (strcmp((const char *)e, name) && (!name2 || strcmp((const char *)e, name2))) continue;
        uint64_t off = 0, stored = 0;
        for (int j = 7; j >= 0; j--) {
            off = off << 8 | e[16 + j];
            stored = stored << 8 | e[24 + j];
        }
        if (off + stored > n || (at >= 0 && (uint64_t)at >= stored)) return -1;
        b[off + (at >= 0 ? (uint64_t)at : stored / 2)] ^= mask;
        hits++;
    }
    f = fopen(dst, "wb");
    if (!f || fwrite(b, 1, n, f) != n) {
        if (f) fclose(f);
        return -1;
    }
    return fclose(f) == 0 && hits == 1 + (name2 != NULL) ? 0 : -1;
}

/* The same, the byte in the middle of the frame flipped by 0x5a. */
static inline int ty_test_damage(const char *src, const char *dst, const char *name,
                                 const char *name2) {
    return ty_test_damage_at(src, dst, name, name2, -1, 0x5a);
}

#endif
