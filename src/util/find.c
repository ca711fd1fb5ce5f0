/*
 * find.c — the leftmost occurrence of one needle in many short haystacks
 * (util/): what keyword search asks of each candidate record's text
 * (api/keywords.c, count_range), the same answer as memmem.
 *
 * A keyword unit is looked for in thousands of records of a few hundred
 * bytes each; memmem prepares its needle on every call (glibc's shift
 * table for a short needle), and that preparation was most of a common
 * word's query (システム at 60,620 records: 15,316 records read, memmem
 * 77% of the query). A ty_finder is made once per unit and compares two of
 * the needle's bytes with 32 bytes of the haystack at a time (AVX2, chosen
 * at run time: the needle's byte at a and its last byte at b, each against
 * the haystack shifted by that much; a position where both agree is
 * checked whole with memcmp, leftmost first) — W. Muła's "SIMD-friendly
 * algorithms for substring searching". a is the needle's third byte when
 * it has more than three (in UTF-8 Japanese the last byte of the first
 * character: a continuation byte, where the lead bytes of kana are one
 * value), else its first. The rest of the haystack
 * after the last whole block of 32, a needle of one byte, and a machine
 * without AVX2 use memchr or memmem, so the answer is always memmem's.
 * The loads stay inside the haystack: a block is compared only while
 * b + 32 of its bytes are there.
 *
 * ty_finder_count counts a record's hits in one call, as keyword search
 * counts them (leftmost, then past each hit), those in the title apart:
 * the same blocks, each candidate start at or past the last hit's end
 * checked by the needle's first and last 8 (or 4) bytes as words (memcmp
 * only for the middle of a needle over 16 bytes), so the loop calls
 * nothing and its two bytes stay in registers; the starts the blocks leave
 * (fewer than 32) in one more block over a zero-padded copy (a needle up
 * to 64 bytes), else memmem. A loop of ty_finder_next calls paid the
 * block set-up, a function call and a memmem over the tail per hit: at
 * 60k, システム's 15,316 records 3.9 -> 2.9 ms (the rest: keywords.c's
 * prefetch).
 */
#include "util/util.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define FIND_X86 1
#endif

void ty_finder_init(ty_finder *f, const char *needle, size_t m) {
    f->n = needle;
    f->m = m;
    f->b = m ? m - 1 : 0;
    f->a = m > 3 ? 2 : 0;
    f->w0 = f->w1 = 0;
    if (m >= 8) {
        memcpy(&f->w0, needle, 8);
        memcpy(&f->w1, needle + m - 8, 8);
    } else if (m >= 4) {
        uint32_t x, y;
        memcpy(&x, needle, 4);
        memcpy(&y, needle + m - 4, 4);
        f->w0 = x, f->w1 = y;
    }
#ifdef FIND_X86
    f->simd = m >= 2 && __builtin_cpu_supports("avx2");
#else
    f->simd = 0;
#endif
}

#ifdef FIND_X86
__attribute__((target("avx2"))) static const char *find_avx2(const ty_finder *f, const char *h,
                                                             size_t len, size_t *done) {
    const __m256i A = _mm256_set1_epi8(f->n[f->a]), B = _mm256_set1_epi8(f->n[f->b]);
    size_t i = 0;
    for (; i + f->b + 32 <= len; i += 32) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(h + i + f->a));
        __m256i y = _mm256_loadu_si256((const __m256i *)(const void *)(h + i + f->b));
        uint32_t mask = (uint32_t)_mm256_movemask_epi8(
            _mm256_and_si256(_mm256_cmpeq_epi8(x, A), _mm256_cmpeq_epi8(y, B)));
        while (mask) {
            size_t k = (size_t)__builtin_ctz(mask);
            if (!memcmp(h + i + k, f->n, f->m)) return h + i + k; /* i + k + m <= len */
            mask &= mask - 1;
        }
    }
    *done = i;
    return NULL;
}
#endif

const char *ty_finder_next(const ty_finder *f, const char *h, size_t len) {
    if (f->m == 0) return h;
    if (f->m > len) return NULL;
    if (f->m == 1) return memchr(h, (unsigned char)f->n[0], len);
    size_t done = 0;
#ifdef FIND_X86
    if (f->simd) {
        const char *p = find_avx2(f, h, len, &done);
        if (p) return p;
    }
#endif
    /* every start before done was looked at */
    return memmem(h + done, len - done, f->n, f->m);
}

/* The needle at p (m bytes readable there)? Its first and last 8 (or 4)
 * bytes against the words kept, the middle of a longer one by memcmp. */
static inline int same_at(const ty_finder *f, const char *p) {
    size_t m = f->m;
    if (m >= 8) {
        uint64_t x, y;
        memcpy(&x, p, 8);
        memcpy(&y, p + m - 8, 8);
        return x == f->w0 && y == f->w1 && (m <= 16 || !memcmp(p + 8, f->n + 8, m - 16));
    }
    if (m >= 4) {
        uint32_t x, y;
        memcpy(&x, p, 4);
        memcpy(&y, p + m - 4, 4);
        return x == (uint32_t)f->w0 && y == (uint32_t)f->w1;
    }
    return !memcmp(p, f->n, m);
}

/* Hits from position from on (the needle's next start at least from), by
 * memmem: the part of a haystack the blocks of 32 leave. */
static uint64_t count_rest(const ty_finder *f, const char *h, size_t len, size_t from,
                           size_t split, uint64_t *before) {
    uint64_t n = 0;
    const char *p;
    while (from + f->m <= len && (p = memmem(h + from, len - from, f->n, f->m))) {
        size_t at = (size_t)(p - h);
        n++;
        *before += at < split;
        from = at + f->m;
    }
    return n;
}

#ifdef FIND_X86
/* ty_finder_count's blocks of 32 starts: the two bytes' mask, then each
 * candidate start at or past the last hit's end checked whole; a hit
 * drops the starts it covers. The loop calls nothing (no memcmp below 17
 * bytes), so the two broadcast bytes stay in registers. The starts the
 * whole blocks leave (fewer than 32) are checked in one more block over a
 * copy padded with zeros (a needle of up to 64 bytes; its starts past the
 * last possible one masked off), else by memmem. */
__attribute__((target("avx2"))) static uint64_t count_avx2(const ty_finder *f, const char *h,
                                                           size_t len, size_t split,
                                                           uint64_t *before) {
    const size_t m = f->m, a = f->a, b = f->b;
    const __m256i A = _mm256_set1_epi8(f->n[a]), B = _mm256_set1_epi8(f->n[b]);
    uint64_t n = 0, nb = 0;
    size_t next = 0, i = 0;
    for (; i + b + 32 <= len; i += 32) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(h + i + a));
        __m256i y = _mm256_loadu_si256((const __m256i *)(const void *)(h + i + b));
        uint32_t mask = (uint32_t)_mm256_movemask_epi8(
            _mm256_and_si256(_mm256_cmpeq_epi8(x, A), _mm256_cmpeq_epi8(y, B)));
        if (next > i) mask &= next - i >= 32 ? 0 : ~0u << (next - i);
        while (mask) {
            size_t at = i + (size_t)__builtin_ctz(mask);
            if (same_at(f, h + at)) { /* at + m <= i + b + 32 <= len */
                n++;
                nb += at < split;
                next = at + m;
                mask &= next - i >= 32 ? 0 : ~0u << (next - i);
            } else {
                mask &= mask - 1;
            }
        }
    }
    size_t from = next > i ? next : i;
    if (from + m <= len && m <= 64) {
        /* the starts from..len-m: one block over a zero-padded copy of
         * h[i..len) (fewer than b + 32 bytes) */
        unsigned char buf[32 + 64 + 32] = {0};
        size_t have = len - i;
        memcpy(buf, h + i, have);
        __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(buf + a));
        __m256i y = _mm256_loadu_si256((const __m256i *)(const void *)(buf + b));
        uint32_t mask = (uint32_t)_mm256_movemask_epi8(
            _mm256_and_si256(_mm256_cmpeq_epi8(x, A), _mm256_cmpeq_epi8(y, B)));
        size_t last = len - m - i; /* < 32: the last start, from i */
        mask &= last >= 31 ? ~0u : (2u << last) - 1;
        mask &= ~0u << (from - i);
        while (mask) {
            size_t at = (size_t)__builtin_ctz(mask);
            if (same_at(f, (const char *)buf + at)) {
                n++;
                nb += i + at < split;
                size_t nx = at + m;
                mask &= nx >= 32 ? 0 : ~0u << nx;
            } else {
                mask &= mask - 1;
            }
        }
        *before += nb;
        return n;
    }
    *before += nb;
    return n + count_rest(f, h, len, from, split, before);
}
#endif

uint64_t ty_finder_count(const ty_finder *f, const char *h, size_t len, size_t split,
                         uint64_t *before) {
    *before = 0;
    if (f->m == 0 || f->m > len) return 0;
#ifdef FIND_X86
    if (f->simd) return count_avx2(f, h, len, split, before);
#endif
    return count_rest(f, h, len, 0, split, before);
}
