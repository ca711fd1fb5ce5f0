/*
 * half.c — float16 (IEEE 754 binary16) document vectors: conversion and
 * the dot product the approximate search re-ranks with.
 *
 * Why. The index keeps its document vectors as int8 codes (quant.c): 256
 * bytes per document at k = 256, enough to rank but ~1e-3 off the float
 * cosine, so the IVF's answers stop improving near recall@10 0.98 against
 * the float vectors however many lists it probes. A float16 copy is 2k
 * bytes (512 at k = 256, half of float32) with a relative error of 2^-11
 * per component; re-scoring the IVF's best int8 candidates from it reaches
 * recall@10 0.99 at a fraction of a graph index's memory (bench/README.md,
 * "float16 re-rank"). The copy is an optional index section
 * ("docvec.f16", store/format.h), written when asked (tenyo index --f16).
 *
 * Conversion rounds to nearest, ties to even (what F16C's vcvtps2ph does
 * with _MM_FROUND_TO_NEAREST_INT), so a file is the same bytes whichever
 * kernel wrote it; half to float is exact.
 *
 * The dot product accumulates in float with fused multiply-adds, in 16
 * lanes: lane l takes components l, l + 16, l + 32, ... in order, and the
 * lanes are summed by one fixed tree (reduce16). Every kernel does exactly
 * these operations, so scores are the same bits on every CPU (as the int8
 * kernels are): the SIMD kernels keep the lanes in one zmm (AVX-512F) or
 * two ymm (AVX2 + FMA + F16C) registers and hand them to the same C tail
 * and reduction. Kernels, chosen once at run time (__builtin_cpu_supports):
 *   - avx512: _mm512_cvtph_ps + _mm512_fmadd_ps, 16 components per step;
 *   - f16c: _mm256_cvtph_ps + _mm256_fmadd_ps twice per step;
 *   - c: bit arithmetic and fmaf.
 * TENYO_KERNEL (quant.c's variable) picks the matching level for tests and
 * benchmarks: "c" the portable kernel, "avx2" the F16C one, "avx512vnni"
 * the AVX-512 one.
 *
 * Rejected: a float32 copy (twice the memory for ~0.0005 recall, bench
 * experiment), bfloat16 (8 bits of mantissa: errors near int8's), and
 * converting with the compiler's _Float16 (its code depends on the
 * compiler's flags and version; the bit arithmetic here does not).
 */
#include "search/search.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define TY_X86 1
#endif

/* ======================================================== conversion */

/* float to binary16, round to nearest even (F. Giesen's float_to_half
 * with RTNE): NaN becomes the quiet NaN 0x7e00, overflow infinity,
 * values under half the smallest subnormal zero. */
static uint16_t f2h(float fv) {
    const uint32_t f32inf = 255u << 23, f16max = (127u + 16u) << 23;
    const uint32_t magic_u = ((127u - 15u) + (23u - 10u) + 1u) << 23;
    uint32_t f;
    memcpy(&f, &fv, 4);
    uint32_t sign = f & 0x80000000u;
    f ^= sign;
    uint16_t o;
    if (f >= f16max) {
        o = f > f32inf ? 0x7e00 : 0x7c00;
    } else if (f < (113u << 23)) { /* subnormal or zero: the FPU rounds */
        float t, magic;
        memcpy(&t, &f, 4);
        memcpy(&magic, &magic_u, 4);
        t += magic;
        uint32_t u;
        memcpy(&u, &t, 4);
        o = (uint16_t)(u - magic_u);
    } else {
        uint32_t odd = (f >> 13) & 1;
        f += ((uint32_t)(15 - 127) << 23) + 0xfff;
        f += odd;
        o = (uint16_t)(f >> 13);
    }
    return (uint16_t)(o | (sign >> 16));
}

/* binary16 to float, exactly. */
static float h2f(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ffu, u;
    if (e == 0x1f) {
        u = sign | 0x7f800000u | (m << 13);
    } else if (e == 0) {
        float f = (float)m * 0x1p-24f; /* subnormal: exact */
        memcpy(&u, &f, 4);
        u |= sign;
    } else {
        u = sign | ((e + 112) << 23) | (m << 13);
    }
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* ============================================================ kernels */

typedef void (*f16_conv)(const float *x, size_t n, uint16_t *h);
typedef void (*f16_lanes)(const uint16_t *h, const float *q, size_t blocks, float *acc);

/* The 16 lanes' sum by the one fixed tree every kernel uses. */
static float reduce16(const float *a) {
    float s8[8], s4[4];
    for (int l = 0; l < 8; l++) s8[l] = a[l] + a[l + 8];
    for (int l = 0; l < 4; l++) s4[l] = s8[l] + s8[l + 4];
    return (s4[0] + s4[2]) + (s4[1] + s4[3]);
}

static void conv_c(const float *x, size_t n, uint16_t *h) {
    for (size_t i = 0; i < n; i++) h[i] = f2h(x[i]);
}

/* acc[l] += h[16 b + l] q[16 b + l] for blocks b < blocks, fused. */
static void lanes_c(const uint16_t *h, const float *q, size_t blocks, float *acc) {
    for (size_t b = 0; b < blocks; b++, h += 16, q += 16)
        for (int l = 0; l < 16; l++) acc[l] = fmaf(h2f(h[l]), q[l], acc[l]);
}

#ifdef TY_X86
__attribute__((target("avx2,fma,f16c"))) static void conv_f16c(const float *x, size_t n,
                                                               uint16_t *h) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(h + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) h[i] = f2h(x[i]);
}

__attribute__((target("avx2,fma,f16c"))) static void lanes_f16c(const uint16_t *h,
                                                                const float *q,
                                                                size_t blocks, float *acc) {
    __m256 a0 = _mm256_loadu_ps(acc), a1 = _mm256_loadu_ps(acc + 8);
    for (size_t b = 0; b < blocks; b++, h += 16, q += 16) {
        a0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)h)),
                             _mm256_loadu_ps(q), a0);
        a1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + 8))),
                             _mm256_loadu_ps(q + 8), a1);
    }
    _mm256_storeu_ps(acc, a0);
    _mm256_storeu_ps(acc + 8, a1);
}

__attribute__((target("avx512f"))) static void lanes_avx512(const uint16_t *h, const float *q,
                                                            size_t blocks, float *acc) {
    __m512 a = _mm512_loadu_ps(acc);
    for (size_t b = 0; b < blocks; b++, h += 16, q += 16)
        a = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)h)),
                            _mm512_loadu_ps(q), a);
    _mm512_storeu_ps(acc, a);
}

/* F16C from CPUID leaf 1 (ECX bit 29): clang's __builtin_cpu_supports
 * does not know the name. */
static int has_f16c(void) {
    unsigned a, b, c, d;
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
           __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
}
static int has_avx512(void) { return __builtin_cpu_supports("avx512f") && has_f16c(); }
#endif
static int has_c(void) { return 1; }

static const struct f16_impl {
    const char *name;   /* the kernel's name (ty_f16_kernel) */
    const char *level;  /* the TENYO_KERNEL value that picks it */
    f16_conv conv;      /* float to half */
    f16_lanes lanes;    /* the dot product's lanes */
    int (*has)(void);   /* 1 when this CPU can run it */
} f16_impls[] = {
#ifdef TY_X86
    {"avx512", "avx512vnni", conv_f16c, lanes_avx512, has_avx512},
    {"f16c", "avx2", conv_f16c, lanes_f16c, has_f16c},
#endif
    {"c", "c", conv_c, lanes_c, has_c},
};

static const struct f16_impl *impl = &f16_impls[sizeof f16_impls / sizeof f16_impls[0] - 1];
static pthread_once_t impl_once = PTHREAD_ONCE_INIT;

/* Use the kernel named (or of TENYO_KERNEL level `level`; both NULL: the
 * best this CPU has): 0, or -1 when unknown or not on this CPU. */
static int use_impl(const char *name, const char *level) {
    for (size_t i = 0; i < sizeof f16_impls / sizeof f16_impls[0]; i++) {
        if (name && strcmp(name, f16_impls[i].name)) continue;
        if (level && strcmp(level, f16_impls[i].level)) continue;
        if (!f16_impls[i].has()) {
            if (name || level) return -1;
            continue;
        }
        impl = &f16_impls[i];
        return 0;
    }
    return -1;
}

static void pick_impl(void) {
#ifdef TY_X86
    __builtin_cpu_init();
#endif
    const char *lv = getenv("TENYO_KERNEL");
    if (!lv || use_impl(NULL, lv)) use_impl(NULL, NULL);
}

int ty_f16_set_kernel(const char *name) {
    pthread_once(&impl_once, pick_impl);
    return use_impl(name, NULL);
}

const char *ty_f16_kernel(void) {
    pthread_once(&impl_once, pick_impl);
    return impl->name;
}

/* =============================================================== API */

void ty_f16_from_floats(const float *x, size_t n, uint16_t *h) {
    pthread_once(&impl_once, pick_impl);
    impl->conv(x, n, h);
}

void ty_f16_to_floats(const uint16_t *h, size_t n, float *x) {
    for (size_t i = 0; i < n; i++) x[i] = h2f(h[i]);
}

float ty_f16_dot(const uint16_t *h, const float *q, size_t k) {
    pthread_once(&impl_once, pick_impl);
    float acc[16] = {0};
    size_t blocks = k / 16;
    impl->lanes(h, q, blocks, acc);
    for (size_t i = blocks * 16; i < k; i++) acc[i & 15] = fmaf(h2f(h[i]), q[i], acc[i & 15]);
    return reduce16(acc);
}
