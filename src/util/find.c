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
