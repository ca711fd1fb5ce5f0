/*
 * quant.c — int8 document vectors and the kernels that scan them.
 *
 * Why: the LSA scan reads every document vector once per query; at k = 256
 * a float vector is 1 KiB, so a 1M-document scan reads 1 GiB and is bound
 * by memory bandwidth, not arithmetic. Stored as int8 with one float scale
 * per vector it is 256 bytes: four times less to read, and the dot products
 * run on integer SIMD (AVX-512 VNNI vpdpbusd: 64 u8 x s8 products per
 * instruction, accumulated in int32 without saturation).
 *
 * Quantisation (ty_q8_quantize, model/q8code.c): per vector, scale s = max|x| / 127 and
 * q = round(x / s) in [-127, 127]; the query the same way. Then
 *   x . y  ~=  s_x s_y (q_x . q_y)
 * with an error of about 1e-3 on unit vectors at k = 256 — enough to
 * rank, not to report. Callers rank a few times more candidates than they
 * need by the int8 score and re-score those exactly in float (ty_q8_topk
 * does both), so results match the float scan (recall@10 measured in
 * bench/scan_bench.c).
 *
 * vpdpbusd multiplies UNSIGNED by signed bytes, so the query is offset to
 * u = q + 128 (0..255) and the dot product corrected with the document's
 * byte sum, kept per vector at quantisation time:
 *   sum (q_i + 128) d_i = q . d + 128 * sum d_i.
 * Exact in int32 for k <= 65,535 (|term| <= 255 * 127).
 *
 * Kernels, chosen once at run time (__builtin_cpu_supports), all exact
 * integer arithmetic so every kernel gives the same scores bit for bit:
 *   - avx512vnni: 64 bytes per vpdpbusd;
 *   - avx2: bytes widened to int16, vpmaddwd (16 products per instruction);
 *   - portable C.
 * TENYO_KERNEL=c|avx2|avx512vnni forces one (for tests and benchmarks).
 * Batches (ty_q8_scan_multi) meet each panel of 32 rows with up to 32
 * queries while it is in L1: with VNNI and k % 64 == 0 (k <= 512) as a
 * register-blocked integer GEMM (panel_scan: the panel transposed once into
 * dword-interleaved form, 2 x 8 accumulators of sixteen documents each, no
 * horizontal sums; it replaced tile16_vnni, which reduced sixteen row sums
 * per query with a transpose tree, 1.5x slower on the same tiles); the
 * other kernels one query at a time over a block of rows still in cache.
 * Memory is read once per batch. ty_q8_topk_multi gives each query of a
 * batch its best rows without a score array (scores of chunks in L2, a
 * sampled starting bound, a vector threshold test): writing and re-reading
 * 400 KB of scores per query at 100k rows cost more than the scan.
 * Rows' statistics (byte sum, 1 / |row|) are filled by one pass
 * (ty_q8_finish_stats) or pending (ty_q8_adopt_codes): then the range scan,
 * the id scan of the IVF and the row functions compute each row's from its
 * codes, the same integers; with ty_q8.src they read the codes with pread
 * into a reused buffer instead of touching the mapping (a one-query
 * process: on shadow-paged virtual machines the first touch of mapped
 * pages costs several times copying them).
 * Rejected: float dequantisation inside the loop (compute-bound at 4x the
 * instructions), u8 x s8 vpmaddubsw on AVX2 (saturates int16 for these
 * ranges), and a product-quantisation codebook (lossy beyond re-ranking's
 * reach at the recall the issue asks, and needs training).
 */
#include "search/search.h"

#include "model/blas.h"
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TY_X86 1
#endif

/* ============================================================= kernels */

/* Dot products of the offset query u (k bytes, q + 128) with n document
 * rows of k signed bytes, into acc[] (int32, uncorrected). */
typedef void (*q8_kernel)(const uint8_t *u, const int8_t *d, size_t n,
                          size_t k, int32_t *acc);

static void dots_c(const uint8_t *u, const int8_t *d, size_t n, size_t k,
                   int32_t *acc) {
    for (size_t r = 0; r < n; r++, d += k) {
        int32_t s = 0;
        for (size_t i = 0; i < k; i++) s += (int32_t)u[i] * d[i];
        acc[r] = s;
    }
}

#ifdef TY_X86
__attribute__((target("avx2"))) static void dots_avx2(const uint8_t *u,
                                                       const int8_t *d,
                                                       size_t n, size_t k,
                                                       int32_t *acc) {
    size_t k16 = k & ~(size_t)15;
    for (size_t r = 0; r < n; r++, d += k) {
        __m256i s = _mm256_setzero_si256();
        size_t i = 0;
        for (; i < k16; i += 16) {
            __m256i a = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(u + i)));
            __m256i b = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(d + i)));
            s = _mm256_add_epi32(s, _mm256_madd_epi16(a, b));
        }
        __m128i h = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
        h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4E));
        h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xB1));
        int32_t t = _mm_cvtsi128_si32(h);
        for (; i < k; i++) t += (int32_t)u[i] * d[i];
        acc[r] = t;
    }
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) static void
dots_vnni(const uint8_t *u, const int8_t *d, size_t n, size_t k, int32_t *acc) {
    size_t k64 = k & ~(size_t)63;
    /* k = 256: the query fits four registers, loaded once */
    if (k == 256) {
        __m512i u0 = _mm512_loadu_si512(u), u1 = _mm512_loadu_si512(u + 64),
                u2 = _mm512_loadu_si512(u + 128), u3 = _mm512_loadu_si512(u + 192);
        size_t r = 0;
        for (; r + 2 <= n; r += 2, d += 512) { /* two rows: two chains */
            __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512();
            s0 = _mm512_dpbusd_epi32(s0, u0, _mm512_loadu_si512(d));
            s1 = _mm512_dpbusd_epi32(s1, u0, _mm512_loadu_si512(d + 256));
            s0 = _mm512_dpbusd_epi32(s0, u1, _mm512_loadu_si512(d + 64));
            s1 = _mm512_dpbusd_epi32(s1, u1, _mm512_loadu_si512(d + 320));
            s0 = _mm512_dpbusd_epi32(s0, u2, _mm512_loadu_si512(d + 128));
            s1 = _mm512_dpbusd_epi32(s1, u2, _mm512_loadu_si512(d + 384));
            s0 = _mm512_dpbusd_epi32(s0, u3, _mm512_loadu_si512(d + 192));
            s1 = _mm512_dpbusd_epi32(s1, u3, _mm512_loadu_si512(d + 448));
            acc[r] = _mm512_reduce_add_epi32(s0);
            acc[r + 1] = _mm512_reduce_add_epi32(s1);
        }
        for (; r < n; r++, d += 256) {
            __m512i s0 = _mm512_setzero_si512();
            s0 = _mm512_dpbusd_epi32(s0, u0, _mm512_loadu_si512(d));
            s0 = _mm512_dpbusd_epi32(s0, u1, _mm512_loadu_si512(d + 64));
            s0 = _mm512_dpbusd_epi32(s0, u2, _mm512_loadu_si512(d + 128));
            s0 = _mm512_dpbusd_epi32(s0, u3, _mm512_loadu_si512(d + 192));
            acc[r] = _mm512_reduce_add_epi32(s0);
        }
        return;
    }
    for (size_t r = 0; r < n; r++, d += k) {
        __m512i s = _mm512_setzero_si512();
        size_t i = 0;
        for (; i < k64; i += 64)
            s = _mm512_dpbusd_epi32(s, _mm512_loadu_si512(u + i), _mm512_loadu_si512(d + i));
        int32_t t = _mm512_reduce_add_epi32(s);
        for (; i < k; i++) t += (int32_t)u[i] * d[i];
        acc[r] = t;
    }
}

/* ------------------------------------------- batched: a register-blocked GEMM
 *
 * The batched scan as a small integer GEMM with no horizontal sums. A panel
 * of Q8P_ROWS (32) document rows is transposed once per query block into
 * dword-interleaved form in L1: for each group g of four dimensions, one
 * vector holds dimensions 4g..4g+3 of sixteen rows. Then one vpdpbusd
 * multiplies sixteen rows by four bytes of one query (broadcast from
 * memory) and adds into sixteen lanes, each lane one document's running
 * sum: two such vectors (32 rows) times Q8P_QR (8) queries are sixteen
 * accumulators held in registers for the whole row, and the scores come
 * out in row order, sixteen to a store. The transposition (4 x 64 shuffles
 * per sixteen rows) is paid once per panel and shared by every query of the
 * block.
 *
 * vpdpbusd multiplies unsigned by signed bytes and only its last operand
 * can be a broadcast, so the roles swap against the one-query kernels: the
 * document bytes become unsigned (d + 128, flipped with an xor during the
 * transposition) and the query stays signed:
 *   sum (d_i + 128) q_i = q . d + 128 * sum q_i,
 * corrected with the query's byte sum. The integer q . d is the one the
 * other kernels compute, and it is converted with the same float operations
 * in the same order, so every score is theirs bit for bit. */
#define Q8P_ROWS 32 /* rows per panel: two vectors of sixteen */
#define Q8P_QR 8    /* queries per register block */
#define Q8P_MAXK 512 /* largest k the panel kernel takes (stack buffers) */

/* Sixteen rows of k bytes (k % 64 == 0, stride k) transposed into t: group
 * g's sixteen dwords (row i's bytes 4g..4g+3 in lane i, xor 0x80) at
 * t + (g * Q8P_ROWS / 16 + half) * 64 bytes. */
__attribute__((target("avx512f,avx512bw,avx512vnni"))) static void
panel_transpose16(const int8_t *rows, size_t k, int half, uint8_t *t) {
    const __m512i flip = _mm512_set1_epi32((int)0x80808080u);
    for (size_t b = 0; b < k / 64; b++) {
        __m512i r[16], u[16];
#pragma GCC unroll 16
        for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_si512(rows + (size_t)i * k + 64 * b);
        /* within 128-bit lanes: after these, r[4m + c] lane L holds column
         * 4L + c of rows 4m .. 4m + 3 */
#pragma GCC unroll 8
        for (int i = 0; i < 8; i++) {
            u[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
            u[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
        }
#pragma GCC unroll 4
        for (int m = 0; m < 4; m++) {
            r[4 * m] = _mm512_unpacklo_epi64(u[4 * m], u[4 * m + 2]);
            r[4 * m + 1] = _mm512_unpackhi_epi64(u[4 * m], u[4 * m + 2]);
            r[4 * m + 2] = _mm512_unpacklo_epi64(u[4 * m + 1], u[4 * m + 3]);
            r[4 * m + 3] = _mm512_unpackhi_epi64(u[4 * m + 1], u[4 * m + 3]);
        }
        /* across lanes: column 4L + c gathers lane L of r[c], r[4 + c],
         * r[8 + c], r[12 + c] */
#pragma GCC unroll 4
        for (int c = 0; c < 4; c++) {
            __m512i x = _mm512_shuffle_i32x4(r[c], r[4 + c], 0x88);
            __m512i y = _mm512_shuffle_i32x4(r[c], r[4 + c], 0xDD);
            __m512i v = _mm512_shuffle_i32x4(r[8 + c], r[12 + c], 0x88);
            __m512i w = _mm512_shuffle_i32x4(r[8 + c], r[12 + c], 0xDD);
            size_t g = 16 * b + (size_t)c;
            const size_t D = Q8P_ROWS / 16;
            _mm512_storeu_si512(t + ((g + 0) * D + (size_t)half) * 64,
                                _mm512_xor_si512(_mm512_shuffle_i32x4(x, v, 0x88), flip));
            _mm512_storeu_si512(t + ((g + 4) * D + (size_t)half) * 64,
                                _mm512_xor_si512(_mm512_shuffle_i32x4(y, w, 0x88), flip));
            _mm512_storeu_si512(t + ((g + 8) * D + (size_t)half) * 64,
                                _mm512_xor_si512(_mm512_shuffle_i32x4(x, v, 0xDD), flip));
            _mm512_storeu_si512(t + ((g + 12) * D + (size_t)half) * 64,
                                _mm512_xor_si512(_mm512_shuffle_i32x4(y, w, 0xDD), flip));
        }
    }
}

/* acc + d (unsigned bytes) . b (signed bytes), in place. The intrinsic
 * makes gcc 12 copy every accumulator twice around each vpdpbusd (it does
 * not see that the instruction accumulates into its first operand): half
 * the panel kernel's instructions were those copies. */
__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline)) static inline __m512i
dpbusd_inplace(__m512i acc, __m512i d, __m512i b) {
    __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(d), "v"(b));
    return acc;
}

/* nr (1..Q8P_QR, a constant where it is inlined) signed queries sq (k
 * bytes each, stride k) against a transposed panel t: scores of the panel's
 * 32 rows to out[j] .. out[j] + 31. qoff[j] = 128 * query j's byte sum,
 * qs[j] its scale, sc the rows' 32 scales; pf (or NULL): the next panel's
 * rows (32 k bytes), fetched into cache meanwhile so that its transposition
 * does not wait for memory. */
__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline)) static inline void
panel_block(const uint8_t *t, size_t k, const int8_t *sq, const int32_t *qoff, const float *qs,
            const float *sc, float *const *out, const int8_t *pf, const int nr) {
    __m512i a0[Q8P_QR], a1[Q8P_QR];
#pragma GCC unroll 8
    for (int j = 0; j < nr; j++) a0[j] = a1[j] = _mm512_setzero_si512();
    for (size_t g = 0; g < k / 4; g++, t += 128) {
        __m512i d0 = _mm512_loadu_si512(t), d1 = _mm512_loadu_si512(t + 64);
        if (pf) { /* the next panel's rows: 32 k bytes over k / 4 steps */
            _mm_prefetch((const char *)pf + 128 * g, _MM_HINT_T0);
            _mm_prefetch((const char *)pf + 128 * g + 64, _MM_HINT_T0);
        }
#pragma GCC unroll 8
        for (int j = 0; j < nr; j++) {
            int32_t w;
            memcpy(&w, sq + (size_t)j * k + 4 * g, 4);
            __m512i b = _mm512_set1_epi32(w);
            a0[j] = dpbusd_inplace(a0[j], d0, b);
            a1[j] = dpbusd_inplace(a1[j], d1, b);
        }
    }
    __m512 s0 = _mm512_loadu_ps(sc), s1 = _mm512_loadu_ps(sc + 16);
#pragma GCC unroll 8
    for (int j = 0; j < nr; j++) {
        __m512i o = _mm512_set1_epi32(qoff[j]);
        __m512 f = _mm512_set1_ps(qs[j]);
        /* (float)(q . d) * qscale * scale, in that order */
        _mm512_storeu_ps(out[j], _mm512_mul_ps(_mm512_mul_ps(
                                     _mm512_cvtepi32_ps(_mm512_sub_epi32(a0[j], o)), f), s0));
        _mm512_storeu_ps(out[j] + 16, _mm512_mul_ps(_mm512_mul_ps(
                                     _mm512_cvtepi32_ps(_mm512_sub_epi32(a1[j], o)), f), s1));
    }
}

/* panel_block for any nq (1..Q8P_QR), each count its own unrolled copy. */
__attribute__((target("avx512f,avx512bw,avx512vnni"))) static void
panel_queries(const uint8_t *t, size_t k, const int8_t *sq, const int32_t *qoff,
              const float *qs, const float *sc, float *const *out, const int8_t *pf, size_t nq) {
    size_t j = 0;
    for (; j + Q8P_QR <= nq; j += Q8P_QR, pf = NULL)
        panel_block(t, k, sq + j * k, qoff + j, qs + j, sc, out + j, pf, Q8P_QR);
    switch (nq - j) {
#define Q8P_CASE(c) \
    case c: panel_block(t, k, sq + j * k, qoff + j, qs + j, sc, out + j, pf, c); break;
        Q8P_CASE(1) Q8P_CASE(2) Q8P_CASE(3) Q8P_CASE(4) Q8P_CASE(5) Q8P_CASE(6) Q8P_CASE(7)
#undef Q8P_CASE
    default: break;
    }
}

/* Queries met by each panel of rows in one pass (their bytes stay in L1). */
#define Q8_MULTI_MAX 32

/* ty_q8_scan_multi with the panel kernel (k % 64 == 0, k <= Q8P_MAXK):
 * blocks of Q8_MULTI_MAX queries, each met by every panel of 32 rows; the
 * rows after the last whole panel go through a zero-padded copy, so every
 * row sees the same instructions. */
__attribute__((target("avx512f,avx512bw,avx512vnni"))) static void
panel_scan(const ty_q8 *v, const ty_q8_query *qp, size_t nq, float *scores, size_t ld) {
    size_t k = v->dim;
    _Alignas(64) int8_t sq[Q8_MULTI_MAX * Q8P_MAXK];
    _Alignas(64) uint8_t t[Q8P_MAXK / 4 * Q8P_ROWS * 4];
    _Alignas(64) int8_t pad[Q8P_ROWS * Q8P_MAXK];
    float tail[Q8_MULTI_MAX * Q8P_ROWS], psc[Q8P_ROWS];
    int32_t qoff[Q8_MULTI_MAX];
    float qs[Q8_MULTI_MAX];
    float *out[Q8_MULTI_MAX];
    for (size_t g = 0; g < nq; g += Q8_MULTI_MAX) {
        size_t ng = nq - g < Q8_MULTI_MAX ? nq - g : Q8_MULTI_MAX;
        for (size_t j = 0; j < ng; j++) {
            int32_t s = 0;
            for (size_t i = 0; i < k; i++) {
                sq[j * k + i] = (int8_t)(qp[g + j].u[i] - 128);
                s += sq[j * k + i];
            }
            qoff[j] = 128 * s;
            qs[j] = qp[g + j].scale;
        }
        uint64_t r = 0;
        for (; r + Q8P_ROWS <= v->n; r += Q8P_ROWS) {
            panel_transpose16(v->q + r * k, k, 0, t);
            panel_transpose16(v->q + (r + 16) * k, k, 1, t);
            for (size_t j = 0; j < ng; j++) out[j] = scores + (g + j) * ld + r;
            const int8_t *next = r + 2 * Q8P_ROWS <= v->n ? v->q + (r + Q8P_ROWS) * k : NULL;
            panel_queries(t, k, sq, qoff, qs, v->scale + r, out, next, ng);
        }
        if (r < v->n) {
            size_t nb = (size_t)(v->n - r);
            memset(pad, 0, sizeof pad);
            memcpy(pad, v->q + r * k, nb * k);
            for (size_t i = 0; i < Q8P_ROWS; i++) psc[i] = i < nb ? v->scale[r + i] : 0.f;
            panel_transpose16(pad, k, 0, t);
            panel_transpose16(pad + 16 * k, k, 1, t);
            for (size_t j = 0; j < ng; j++) out[j] = tail + j * Q8P_ROWS;
            panel_queries(t, k, sq, qoff, qs, psc, out, NULL, ng);
            for (size_t j = 0; j < ng; j++)
                memcpy(scores + (g + j) * ld + r, tail + j * Q8P_ROWS, nb * sizeof *scores);
        }
    }
}
#endif

/* The kernels, best first; has() tells whether this CPU runs it. */
static int has_c(void) { return 1; }
#ifdef TY_X86
static int has_avx2(void) { return __builtin_cpu_supports("avx2"); }
static int has_vnni(void) {
    return __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw");
}
#endif
static const struct q8_impl {
    const char *name;  /* as in TENYO_KERNEL and ty_q8_kernel() */
    q8_kernel fn;      /* the kernel */
    int (*has)(void);  /* 1 when this CPU can run it */
} q8_impls[] = {
#ifdef TY_X86
    {"avx512vnni", dots_vnni, has_vnni},
    {"avx2", dots_avx2, has_avx2},
#endif
    {"c", dots_c, has_c},
};

static const char *kernel_name = "c";
static q8_kernel kernel_fn = dots_c;
static pthread_once_t kernel_once = PTHREAD_ONCE_INIT;

/* Use the named kernel (NULL: the best this CPU has): 0, or -1 when the
 * name is unknown or this CPU lacks it (nothing changes then). */
static int use_kernel(const char *name) {
    for (size_t i = 0; i < sizeof q8_impls / sizeof q8_impls[0]; i++) {
        if (name && strcmp(name, q8_impls[i].name)) continue;
        if (!q8_impls[i].has()) {
            if (name) return -1;
            continue;
        }
        kernel_fn = q8_impls[i].fn;
        kernel_name = q8_impls[i].name;
        return 0;
    }
    return -1;
}

/* First use: TENYO_KERNEL when this CPU has it, else the best. */
static void pick_kernel(void) {
#ifdef TY_X86
    __builtin_cpu_init();
#endif
    if (use_kernel(getenv("TENYO_KERNEL"))) use_kernel(NULL);
}

int ty_q8_set_kernel(const char *name) {
    pthread_once(&kernel_once, pick_kernel);
    return use_kernel(name);
}

const char *ty_q8_kernel(void) {
    pthread_once(&kernel_once, pick_kernel);
    return kernel_name;
}

/* ================================================================ scan */

/* Rows scored per kernel call: the int32 accumulators stay in L1. */
#define Q8_BLOCK 256

static int stats_ready(const ty_q8 *v);
static int row_avx2_ok(void);
static void row_stats(const int8_t *r, size_t k, int avx2, int32_t *sum, float *scale);

/* Rows [d0, d0 + n) of v's codes into dst: read from v->src (pread; the
 * page cache's bytes copied, the mapping's pages left untouched), else,
 * or when a read falls short, copied from the mapping. */
static void q8_src_read(const ty_q8 *v, uint64_t d0, size_t n, int8_t *dst) {
    size_t len = n * v->dim, got = 0;
    if (v->src) {
        uint64_t at = v->src->off + d0 * v->dim;
        while (got < len) {
            ssize_t r = pread(v->src->fd, dst + got, len - got, (off_t)(at + got));
            if (r <= 0) break;
            got += (size_t)r;
        }
    }
    if (got < len) memcpy(dst + got, v->q + d0 * v->dim + got, len - got);
}

void ty_q8_prepare(const float *q, size_t k, ty_q8_query *out) {
    int8_t qq[TY_MAX_DIM];
    int32_t qsum;
    if (k > TY_MAX_DIM) k = 0;
    out->dim = k;
    ty_q8_quantize(q, k, qq, &out->scale, &qsum);
    for (size_t i = 0; i < k; i++) out->u[i] = (uint8_t)(qq[i] + 128);
}

void ty_q8_scan_prepared(const ty_q8 *v, const ty_q8_query *qp, float *scores) {
    pthread_once(&kernel_once, pick_kernel);
    size_t k = v->dim;
    if (v->n == 0) return;
    if (k == 0 || k > TY_MAX_DIM || qp->dim != k) {
        memset(scores, 0, v->n * sizeof *scores);
        return;
    }
    int32_t acc[Q8_BLOCK];
    for (uint64_t r0 = 0; r0 < v->n; r0 += Q8_BLOCK) {
        size_t nb = v->n - r0 < Q8_BLOCK ? (size_t)(v->n - r0) : Q8_BLOCK;
        kernel_fn(qp->u, v->q + r0 * k, nb, k, acc);
        for (size_t r = 0; r < nb; r++)
            scores[r0 + r] = (float)(acc[r] - 128 * v->sum[r0 + r]) * qp->scale * v->scale[r0 + r];
    }
}

void ty_q8_scan_multi(const ty_q8 *v, const ty_q8_query *qp, size_t nq, float *scores,
                      size_t ld) {
    pthread_once(&kernel_once, pick_kernel);
    size_t k = v->dim;
    if (v->n == 0 || nq == 0) return;
    int ok = k > 0 && k <= TY_MAX_DIM;
    for (size_t j = 0; j < nq; j++) ok &= qp[j].dim == k;
    if (!ok) { /* what the one-query scan gives each */
        for (size_t j = 0; j < nq; j++) ty_q8_scan_prepared(v, &qp[j], scores + j * ld);
        return;
    }
#ifdef TY_X86
    if (kernel_fn == dots_vnni && k % 64 == 0 && k <= Q8P_MAXK) {
        panel_scan(v, qp, nq, scores, ld);
        return;
    }
#endif
    /* other kernels: one query at a time over each block while it is in
     * cache */
    int32_t acc[Q8_BLOCK];
    for (uint64_t r0 = 0; r0 < v->n; r0 += Q8_BLOCK) {
        size_t nb = v->n - r0 < Q8_BLOCK ? (size_t)(v->n - r0) : Q8_BLOCK;
        for (size_t j = 0; j < nq; j++) {
            kernel_fn(qp[j].u, v->q + r0 * k, nb, k, acc);
            float *out = scores + j * ld + r0;
            for (size_t r = 0; r < nb; r++)
                out[r] = (float)(acc[r] - 128 * v->sum[r0 + r]) * qp[j].scale * v->scale[r0 + r];
        }
    }
}

/* Rows [d0, d1) of v as rows of their own (no copy): every row's score
 * depends on that row and the query alone, so a scan of the view writes
 * the bits the whole scan writes for those rows. */
static ty_q8 q8_view(const ty_q8 *v, uint64_t d0, uint64_t d1) {
    ty_q8 r = {d1 - d0, v->dim, v->q + d0 * v->dim, v->scale + d0, v->sum + d0, 1, 0, NULL};
    return r;
}

/* ===================================================== batched top-k */

/* ty_q8_topk_multi: each query's best kc rows by int8 score without
 * writing its score array. The scan runs over chunks of Q8T_CHUNK rows
 * (ty_q8_scan_multi on a view of them, so the scores are its bits), whose
 * scores for the block of queries (256 KiB at 32 queries) stay in L2; each
 * query's chunk is then filtered against its bound thr with one vector
 * compare per sixteen scores, and the few that pass are appended to its
 * candidate list. When the list fills, a selection finds its kc-th best
 * score T and keeps the entries >= T (at least kc of them): every entry
 * dropped, or never appended, has kc better ones, so it cannot be among the
 * kc best, and the final heap over the list gives exactly the hits
 * ty_topk_array gives over the whole score array, ties included. Writing
 * and re-reading a 32-query score block (12.8 MB at 100k rows) cost more
 * than the scan itself; this reads nothing but the rows. */
#define Q8T_CHUNK 2048 /* rows per chunk (a multiple of the panel's 32) */

/* One query's candidates. */
typedef struct q8cand {
    tenyo_hit *c;  /* entries (cap + 16 slots: a vector's worth of slack) */
    size_t n, cap; /* used, compaction point */
    float thr;     /* scores below it cannot be among the kc best */
    uint64_t added; /* entries ever appended (each reached thr then) */
} q8cand;

/* The kc-th largest of a[0..n) (1 <= kc <= n), reordering a: Hoare
 * selection, median-of-three pivot. No NaN in a. */
static float kth_largest(float *a, size_t n, size_t kc) {
    ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, want = (ptrdiff_t)kc - 1;
    while (lo < hi) {
        float x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi];
        float p = x > y ? (y > z ? y : (x > z ? z : x)) : (x > z ? x : (y > z ? z : y));
        ptrdiff_t i = lo, j = hi;
        while (i <= j) { /* descending: a[lo..j] >= p, a[i..hi] <= p */
            while (a[i] > p) i++;
            while (a[j] < p) j--;
            if (i <= j) {
                float t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        if (want <= j) hi = j;
        else if (want >= i) lo = i;
        else return a[want]; /* between: equal to p */
    }
    return a[want];
}

/* Raise q's bound to a score T that at least kc of its entries reach and
 * drop the entries below T. T comes from a sample of about 256 entries (the
 * score that 1.5 kc of the list would reach at the sample's rate: selecting
 * over the whole list cost 26 us at 2,048 entries, its branches
 * unpredictable); when fewer than kc entries reach it, T is the list's
 * exact kc-th best. When ties at T keep more than half the list, its kc best
 * alone are kept (a heap). ftmp: cap + 16 floats, htmp: kc hits. */
static void cand_shrink(q8cand *q, size_t kc, float *ftmp, tenyo_hit *htmp) {
    size_t n = q->n;
    if (n <= kc) return;
    size_t step = n / 256 ? n / 256 : 1, m = 0;
    for (size_t i = 0; i < n; i += step) ftmp[m++] = q->c[i].score;
    size_t want = (3 * kc * m + 2 * n - 1) / (2 * n); /* ceil(1.5 kc m / n) */
    if (want < 1) want = 1;
    float t = -INFINITY;
    size_t reach = 0;
    if (want <= m) {
        t = kth_largest(ftmp, m, want);
        for (size_t i = 0; i < n; i++) reach += q->c[i].score >= t;
    }
    if (reach < kc) { /* the sample misled: the exact kc-th best */
        for (size_t i = 0; i < n; i++) ftmp[i] = q->c[i].score;
        t = kth_largest(ftmp, n, kc);
    }
    size_t k2 = 0;
    for (size_t i = 0; i < n; i++)
        if (q->c[i].score >= t) q->c[k2++] = q->c[i];
    q->n = k2;
    if (t > q->thr) q->thr = t;
    if (k2 > q->cap / 2) {
        ty_topk h;
        ty_topk_init(&h, htmp, kc);
        for (size_t i = 0; i < k2; i++) ty_topk_push(&h, q->c[i].doc, q->c[i].score);
        memcpy(q->c, htmp, h.n * sizeof *htmp);
        q->n = h.n;
        if (h.n == kc && h.h[0].score > q->thr) q->thr = h.h[0].score;
    }
}

/* Append the scores s[0..n) of rows d0.. that reach q's bound (but skip's),
 * compacting when the list is full. The vector form tests sixteen scores
 * with one compare; both append the same entries in the same order. */
static void cand_filter_c(q8cand *q, const float *s, size_t n, uint64_t d0, uint64_t skip,
                          size_t kc, float *ftmp, tenyo_hit *htmp) {
    for (size_t i = 0; i < n; i++) {
        if (!(s[i] >= q->thr) || d0 + i == skip) continue;
        q->c[q->n].doc = d0 + i;
        q->c[q->n++].score = s[i];
        q->added++;
        if (q->n >= q->cap) cand_shrink(q, kc, ftmp, htmp);
    }
}

#ifdef TY_X86
__attribute__((target("avx512f"))) static void
cand_filter_avx512(q8cand *q, const float *s, size_t n, uint64_t d0, uint64_t skip, size_t kc,
                   float *ftmp, tenyo_hit *htmp) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __mmask16 m = _mm512_cmp_ps_mask(_mm512_loadu_ps(s + i), _mm512_set1_ps(q->thr),
                                         _CMP_GE_OQ);
        while (m) {
            unsigned b = (unsigned)__builtin_ctz(m);
            m &= m - 1;
            if (d0 + i + b == skip) continue;
            q->c[q->n].doc = d0 + i + b;
            q->c[q->n++].score = s[i + b];
            q->added++;
            if (q->n >= q->cap) {
                cand_shrink(q, kc, ftmp, htmp);
                /* the bound rose: re-test the rest of these sixteen */
                m &= _mm512_cmp_ps_mask(_mm512_loadu_ps(s + i), _mm512_set1_ps(q->thr),
                                        _CMP_GE_OQ);
            }
        }
    }
    cand_filter_c(q, s + i, n - i, d0 + i, skip, kc, ftmp, htmp);
}
#endif

/* The kc best of c[0..n) (rows < 2^32, no NaN) best first into out, as a
 * ty_topk over them gives (score descending, then row ascending; -inf
 * never ranks): an LSD radix sort of 64-bit keys (the score mapped to an
 * unsigned order, inverted, above the row), 8 bits a pass, passes where
 * every key shares the digit skipped. The heap and its heapsort took a
 * fifth of a batch's selection time at 100k rows. -0.0 and +0.0 map to one
 * key (they compare equal, so the row decides, as in the heap); the scores
 * travel with the keys bit for bit. key, k2: n uint64, f, f2: n floats. */
static size_t cand_sort(const tenyo_hit *c, size_t n, size_t kc, tenyo_hit *out, uint64_t *key,
                        uint64_t *k2, float *f, float *f2) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        float x = c[i].score;
        if (x == -INFINITY) continue;
        uint32_t b;
        memcpy(&b, &x, 4);
        if (x == 0.f) b = 0; /* -0.0 as +0.0 */
        uint32_t u = b & 0x80000000u ? ~b : b | 0x80000000u; /* ascending with x */
        key[m] = (uint64_t)~u << 32 | (uint32_t)c[i].doc;
        f[m++] = x;
    }
    if (m == 0) return 0;
    size_t cnt[8][256];
    memset(cnt, 0, sizeof cnt);
    for (size_t i = 0; i < m; i++)
        for (int p = 0; p < 8; p++) cnt[p][(key[i] >> (8 * p)) & 255]++;
    for (int p = 0; p < 8; p++) {
        size_t *h = cnt[p];
        if (h[(key[0] >> (8 * p)) & 255] == m) continue; /* one digit: nothing moves */
        size_t sum = 0;
        for (int b = 0; b < 256; b++) {
            size_t t = h[b];
            h[b] = sum;
            sum += t;
        }
        for (size_t i = 0; i < m; i++) {
            size_t at = h[(key[i] >> (8 * p)) & 255]++;
            k2[at] = key[i];
            f2[at] = f[i];
        }
        uint64_t *tk = key;
        key = k2;
        k2 = tk;
        float *tf = f;
        f = f2;
        f2 = tf;
    }
    size_t got = m < kc ? m : kc;
    for (size_t i = 0; i < got; i++) {
        out[i].doc = (uint32_t)key[i];
        out[i].score = f[i];
    }
    return got;
}

/* Rows sampled for the starting bounds, and the fewest rows worth it. */
#define Q8T_SAMPLE 2048
#define Q8T_MIN 16384

/* ty_q8_topk_multi for queries qp[0..nq) (nq <= 32), sampled bounds when
 * sample (else none). */
static int topk_group(const ty_q8 *v, const ty_q8_query *qp, size_t nq, const uint64_t *skip,
                      size_t kc, tenyo_hit *hits, size_t *nhits, int sample) {
    size_t cap = 8 * kc < 1024 ? 1024 : 8 * kc, k = v->dim;
    uint64_t chunk = v->n < Q8T_CHUNK ? v->n : Q8T_CHUNK;
    /* rows of the chunk's score block 8 KiB + 128 B apart: at 8 KiB, the
     * 32 queries' stores and loads fell into one L1 set */
    size_t ld = (size_t)chunk + 32;
    uint64_t want = 2 * (uint64_t)kc * Q8T_SAMPLE / (v->n ? v->n : 1) + 16;
    if (!sample || v->n < Q8T_MIN || want > Q8T_SAMPLE / 4) sample = 0;
    size_t nsc = ld > Q8T_SAMPLE ? ld : Q8T_SAMPLE;
    float *sc = ty_mallocarray(nq, nsc * sizeof *sc);
    tenyo_hit *cb = ty_mallocarray(nq, (cap + 16) * sizeof *cb);
    float *ftmp = ty_mallocarray(4 * (cap + 16), sizeof *ftmp); /* + cand_sort's floats */
    uint64_t *kt = ty_mallocarray(2 * (cap + 16), sizeof *kt);   /* cand_sort's keys */
    tenyo_hit *htmp = ty_mallocarray(kc > want ? kc : want, sizeof *htmp);
    int8_t *sq = sample ? ty_mallocarray(Q8T_SAMPLE, k ? k : 1) : NULL;
    float *ssc = sample ? ty_mallocarray(Q8T_SAMPLE, sizeof *ssc) : NULL;
    int32_t *ssum = sample ? ty_mallocarray(Q8T_SAMPLE, sizeof *ssum) : NULL;
    q8cand q[32];
    float bound[32];
    int rc = TENYO_ERR_NOMEM;
    if (!sc || !cb || !ftmp || !kt || !htmp || (sample && (!sq || !ssc || !ssum))) goto done;
    void (*filter)(q8cand *, const float *, size_t, uint64_t, uint64_t, size_t, float *,
                   tenyo_hit *) = cand_filter_c;
#ifdef TY_X86
    if (kernel_fn == dots_vnni) filter = cand_filter_avx512; /* AVX-512 is there */
#endif
    for (size_t j = 0; j < nq; j++) {
        q[j] = (q8cand){cb + j * (cap + 16), 0, cap, -INFINITY, 0};
        bound[j] = -INFINITY;
    }
    if (sample) {
        /* every (n / 2048)-th row scored first: each query starts at the
         * want-th best of those, a bound about 2 kc + 16 n / 2048 rows reach */
        uint64_t stride = v->n / Q8T_SAMPLE;
        for (size_t i = 0; i < Q8T_SAMPLE; i++) {
            memcpy(sq + i * k, v->q + i * stride * k, k);
            ssc[i] = v->scale[i * stride];
            ssum[i] = v->sum[i * stride];
        }
        ty_q8 sv = {Q8T_SAMPLE, k, sq, ssc, ssum, 1, 0, NULL};
        ty_q8_scan_multi(&sv, qp, nq, sc, Q8T_SAMPLE);
        for (size_t j = 0; j < nq; j++) {
            ty_topk h;
            ty_topk_init(&h, htmp, (size_t)want);
            for (size_t i = 0; i < Q8T_SAMPLE; i++) ty_topk_push(&h, i, sc[j * Q8T_SAMPLE + i]);
            if (h.n == want && h.h[0].score > -INFINITY) bound[j] = q[j].thr = h.h[0].score;
        }
    }
    for (uint64_t d0 = 0; d0 < v->n; d0 += chunk) {
        uint64_t d1 = v->n - d0 < chunk ? v->n : d0 + chunk;
        ty_q8 view = q8_view(v, d0, d1);
        ty_q8_scan_multi(&view, qp, nq, sc, ld);
        for (size_t j = 0; j < nq; j++)
            filter(&q[j], sc + j * ld, (size_t)(d1 - d0), d0, skip ? skip[j] : UINT64_MAX, kc,
                   ftmp, htmp);
    }
    for (size_t j = 0; j < nq; j++) {
        if (bound[j] > -INFINITY && q[j].added < kc) {
            /* fewer than kc rows reached the sampled bound: rows below it
             * may belong; this query again without one */
            rc = topk_group(v, qp + j, 1, skip ? skip + j : NULL, kc, hits + j * kc, nhits + j,
                            0);
            if (rc) goto done;
            continue;
        }
        if (q[j].n > 2 * kc) cand_shrink(&q[j], kc, ftmp, htmp);
        if (v->n <= UINT32_MAX) { /* what is left, sorted */
            nhits[j] = cand_sort(q[j].c, q[j].n, kc, hits + j * kc, kt, kt + cap + 16,
                                 ftmp + 2 * (cap + 16), ftmp + 3 * (cap + 16));
            continue;
        }
        ty_topk h; /* rows past 32 bits: a heap */
        ty_topk_init(&h, hits + j * kc, kc);
        for (size_t i = 0; i < q[j].n; i++) ty_topk_push(&h, q[j].c[i].doc, q[j].c[i].score);
        nhits[j] = ty_topk_finish(&h);
    }
    rc = TENYO_OK;
done:
    free(sc);
    free(cb);
    free(ftmp);
    free(kt);
    free(htmp);
    free(sq);
    free(ssc);
    free(ssum);
    return rc;
}

int ty_q8_topk_multi(const ty_q8 *v, const ty_q8_query *qp, size_t nq, const uint64_t *skip,
                     size_t kc, tenyo_hit *hits, size_t *nhits) {
    pthread_once(&kernel_once, pick_kernel);
    if (kc == 0 || v->n == 0) {
        for (size_t j = 0; j < nq; j++) nhits[j] = 0;
        return TENYO_OK;
    }
    for (size_t g = 0; g < nq; g += 32) {
        size_t ng = nq - g < 32 ? nq - g : 32;
        int rc = topk_group(v, qp + g, ng, skip ? skip + g : NULL, kc, hits + g * kc,
                            nhits + g, 1);
        if (rc) return rc;
    }
    return TENYO_OK;
}

void ty_q8_scan(const ty_q8 *v, const float *q, float *scores) {
    ty_q8_query qp;
    ty_q8_prepare(q, v->dim, &qp);
    ty_q8_scan_prepared(v, &qp, scores);
}

/* n contiguous rows scored against qp into out, each row's statistics
 * computed from its codes: the same integers, hence the same bits, as the
 * scan with stored statistics (ty_q8_scan_prepared). */
static void score_rows(const ty_q8_query *qp, const int8_t *rows, size_t n, size_t k, int avx2,
                       float *out) {
    int32_t acc[Q8_BLOCK];
    for (size_t b0 = 0; b0 < n; b0 += Q8_BLOCK) {
        size_t bn = n - b0 < Q8_BLOCK ? n - b0 : Q8_BLOCK;
        const int8_t *br = rows + b0 * k;
        kernel_fn(qp->u, br, bn, k, acc);
        for (size_t r = 0; r < bn; r++) {
            float sc;
            int32_t sm;
            row_stats(br + r * k, k, avx2, &sm, &sc);
            out[b0 + r] = (float)(acc[r] - 128 * sm) * qp->scale * sc;
        }
    }
}

void ty_q8_scan_range(const ty_q8 *v, const ty_q8_query *qp, uint64_t d0, uint64_t d1,
                      float *scores) {
    int ready = stats_ready(v);
    if (ready) { /* the rows' pass was made: their pages are in memory */
        ty_q8 r = q8_view(v, d0, d1);
        ty_q8_scan_prepared(&r, qp, scores + d0);
        return;
    }
    pthread_once(&kernel_once, pick_kernel);
    size_t k = v->dim;
    if (d1 <= d0) return;
    if (k == 0 || k > TY_MAX_DIM || qp->dim != k) {
        memset(scores + d0, 0, (d1 - d0) * sizeof *scores);
        return;
    }
    /* rows a block at a time (read into 256 KiB when v->src is set: a
     * quarter of the calls 64 KiB would take; else where they lie), their
     * statistics computed from them */
    enum { BUF = 262144, STACK = 4096 };
    _Alignas(64) int8_t small[STACK];
    int8_t *buf = v->src ? malloc(BUF) : NULL;
    size_t cap = buf ? BUF : STACK;
    if (!buf) buf = small; /* one row at least: k <= TY_MAX_DIM = STACK */
    size_t per = v->src ? cap / k : Q8_BLOCK;
    int avx2 = row_avx2_ok();
    for (uint64_t r0 = d0; r0 < d1; r0 += per) {
        size_t nb = d1 - r0 < per ? (size_t)(d1 - r0) : per;
        const int8_t *rows = v->q + r0 * k;
        if (v->src) {
            q8_src_read(v, r0, nb, buf);
            rows = buf;
        }
        score_rows(qp, rows, nb, k, avx2, scores + r0);
    }
    if (buf != small) free(buf);
}

void ty_q8_dots_range(const ty_q8 *v, const float *x, uint64_t d0, uint64_t d1, float *scores) {
    if (!stats_ready(v)) { /* each row read and scaled by ty_q8_row: the same bits */
        float row[TY_MAX_DIM];
        for (uint64_t d = d0; d < d1; d++) {
            ty_q8_row(v, d, row);
            scores[d] = cblas_sdot((int)v->dim, row, 1, x, 1);
        }
        return;
    }
    ty_q8 r = q8_view(v, d0, d1);
    ty_q8_dots(&r, x, scores + d0);
}

double ty_q8_error(const float *x, size_t k, double *norm) {
    int8_t q[TY_MAX_DIM];
    float sc;
    int32_t sum;
    *norm = 0;
    if (k > TY_MAX_DIM) return INFINITY;
    ty_q8_quantize(x, k, q, &sc, &sum);
    double e = 0, n = 0;
    for (size_t i = 0; i < k; i++) {
        double d = (double)x[i] - (double)sc * q[i];
        e += d * d;
        n += (double)x[i] * x[i];
    }
    *norm = sqrt(n);
    return sqrt(e);
}

int ty_q8_build(const float *x, uint64_t n, size_t k, ty_q8 *out) {
    memset(out, 0, sizeof *out);
    out->n = n;
    out->dim = k;
    out->q = ty_mallocarray(n ? n : 1, k ? k : 1);
    out->scale = ty_mallocarray(n ? n : 1, sizeof *out->scale);
    out->sum = ty_mallocarray(n ? n : 1, sizeof *out->sum);
    if (!out->q || !out->scale || !out->sum) {
        ty_q8_free(out);
        return TENYO_ERR_NOMEM;
    }
    for (uint64_t i = 0; i < n; i++)
        ty_q8_quantize(x + i * k, k, out->q + i * k, &out->scale[i], &out->sum[i]);
    return TENYO_OK;
}

void ty_q8_free(ty_q8 *v) {
    if (!v) return;
    if (!v->q_borrowed) free(v->q);
    free(v->scale);
    free(v->sum);
    memset(v, 0, sizeof *v);
}

/* ======================================================= rows as floats */

/* The document vectors of an index are their int8 codes (what the file
 * stores since format 2): row d is scale[d] * q[d], nothing else is kept.
 * Exact scores are float dot products with these rows; a float copy of
 * every row (1 KiB per document at k = 256, 1 GiB at 1M documents) is never
 * made. Every exact score is one cblas_sdot of a dequantised row (a whole
 * scan dequantises 32 KiB of rows at a time into a stack buffer), so the scan,
 * the re-ranking after the int8 scan and the IVF agree bit for bit.
 * Rejected: sgemv over the buffer (faster by a few percent, but its sums
 * need not round like sdot's, and re-ranked scores would then differ from
 * scanned ones in the last bit). */

#ifdef TY_X86
/* Eight lanes at a time; each is the scalar loop's s * (float)q (an exact
 * conversion and one rounded product), so the same bits. The scalar loop
 * (at -O2, no SSE4.1 widening) was 80% of an fp32 LSA query's time. */
__attribute__((target("avx2"))) static void row_avx2(const int8_t *q, float s, size_t dim,
                                                     float *out) {
    __m256 sv = _mm256_set1_ps(s);
    size_t j = 0;
    for (; j + 8 <= dim; j += 8) {
        __m128i b = _mm_loadl_epi64((const __m128i *)(const void *)(q + j));
        __m256 f = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(b));
        _mm256_storeu_ps(out + j, _mm256_mul_ps(f, sv));
    }
    for (; j < dim; j++) out[j] = s * (float)q[j];
}
#endif

void ty_q8_row(const ty_q8 *v, uint64_t d, float *out) {
    const int8_t *q = v->q + d * v->dim;
    int8_t own[TY_MAX_DIM];
    float s;
    int32_t sum;
    if (stats_ready(v)) {
        s = v->scale[d];
    } else { /* before the rows' pass: the row read (v->src), its scale */
        if (v->src) {
            q8_src_read(v, d, 1, own);
            q = own;
        }
        row_stats(q, v->dim, row_avx2_ok(), &sum, &s);
        (void)sum;
    }
#ifdef TY_X86
    pthread_once(&kernel_once, pick_kernel);
    if (kernel_fn != dots_c) { /* a kernel of this CPU's: it has AVX2 */
        row_avx2(q, s, v->dim, out);
        return;
    }
#endif
    for (size_t j = 0; j < v->dim; j++) out[j] = s * (float)q[j];
}

void ty_q8_rows(const ty_q8 *v, uint64_t d0, uint64_t n, float *out) {
    for (uint64_t i = 0; i < n; i++) ty_q8_row(v, d0 + i, out + i * v->dim);
}

float ty_q8_dot(const ty_q8 *v, uint64_t d, const float *x) {
    float row[TY_MAX_DIM];
    ty_q8_row(v, d, row);
    return cblas_sdot((int)v->dim, row, 1, x, 1);
}

void ty_q8_dots(const ty_q8 *v, const float *x, float *scores) {
    /* 32 KiB of rows on the stack: no allocation per query */
    enum { BUF = 8192 };
    float buf[BUF];
    if (v->n == 0) return;
    if (v->dim == 0) {
        memset(scores, 0, v->n * sizeof *scores);
        return;
    }
    uint64_t chunk = BUF / v->dim; /* >= 2: dim <= TY_MAX_DIM */
    for (uint64_t d0 = 0; d0 < v->n; d0 += chunk) {
        uint64_t n = v->n - d0 < chunk ? v->n - d0 : chunk;
        ty_q8_rows(v, d0, n, buf);
        for (uint64_t i = 0; i < n; i++)
            scores[d0 + i] = cblas_sdot((int)v->dim, buf + i * v->dim, 1, x, 1);
    }
}

_Static_assert((int64_t)TY_MAX_DIM * 128 * 128 < INT32_MAX, "ty_q8_adopt's 32-bit sums");

#ifdef TY_X86
/* A row's byte sum and sum of squares, 16 bytes a step widened to 16 bits
 * (madd: pairs of products into 32 bits), the same integers as the loop in
 * ty_q8_adopt: an open of an index whose codes are mapped spends its time
 * here (the codes of 60k documents, 15.7 MB: 6.5 ms in the plain loop). */
__attribute__((target("avx2"))) static void row_stats_avx2(const int8_t *r, size_t k,
                                                           int32_t *s1o, int32_t *s2o) {
    __m256i a1 = _mm256_setzero_si256(), a2 = _mm256_setzero_si256();
    const __m256i one = _mm256_set1_epi16(1);
    size_t j = 0;
    for (; j + 16 <= k; j += 16) {
        __m256i x = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(r + j)));
        a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(x, one));
        a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(x, x));
    }
    int32_t v1[8], v2[8], s1 = 0, s2 = 0;
    _mm256_storeu_si256((__m256i *)(void *)v1, a1);
    _mm256_storeu_si256((__m256i *)(void *)v2, a2);
    for (int t = 0; t < 8; t++) {
        s1 += v1[t];
        s2 += v2[t];
    }
    for (; j < k; j++) {
        s1 += r[j];
        s2 += (int32_t)r[j] * r[j];
    }
    *s1o = s1;
    *s2o = s2;
}
#endif

/* One row's statistics: its byte sum and 1 / |row| (0 for a zero row). */
static void row_stats(const int8_t *r, size_t k, int avx2, int32_t *sum, float *scale) {
    /* 32 bits suffice (k <= TY_MAX_DIM, so s2 <= k * 128^2 < 2^31) and let
     * the loop vectorise: opening a 1M index spent 0.2 s here with 64-bit
     * sums */
    int32_t s1 = 0, s2 = 0;
#ifdef TY_X86
    if (avx2)
        row_stats_avx2(r, k, &s1, &s2);
    else
#endif
    {
        (void)avx2;
        size_t j = 0;
        for (; j + 64 <= k; j += 64) /* a fixed inner count: gcc -O2 vectorises it */
            for (size_t t = 0; t < 64; t++) {
                s1 += r[j + t];
                s2 += (int32_t)r[j + t] * r[j + t];
            }
        for (; j < k; j++) {
            s1 += r[j];
            s2 += (int32_t)r[j] * r[j];
        }
    }
    *sum = s1;
    *scale = s2 > 0 ? (float)(1.0 / sqrt((double)s2)) : 0.f;
}

static int row_avx2_ok(void) {
#ifdef TY_X86
    return has_avx2();
#else
    return 0;
#endif
}

/* Rows [d0, d1) of out's statistics. */
static void q8_stats(ty_q8 *out, uint64_t d0, uint64_t d1) {
    size_t k = out->dim;
    int avx2 = row_avx2_ok();
    for (uint64_t d = d0; d < d1; d++)
        row_stats(out->q + d * k, k, avx2, &out->sum[d], &out->scale[d]);
}

/* Whether v's statistics are filled (acquire: their bytes are visible). */
static int stats_ready(const ty_q8 *v) {
    return !__atomic_load_n(&v->stats_pending, __ATOMIC_ACQUIRE);
}

enum { Q8_STATS_PART = 16384 }; /* rows per part of the threaded pass */

static int q8_stats_part(void *ud, int i, int np) {
    ty_q8 *out = ud;
    (void)np;
    uint64_t d0 = (uint64_t)i * Q8_STATS_PART;
    q8_stats(out, d0, d0 + Q8_STATS_PART < out->n ? d0 + Q8_STATS_PART : out->n);
    return TENYO_OK;
}

int ty_q8_adopt_codes(ty_q8 *out, int8_t *q, uint64_t n, size_t k) {
    memset(out, 0, sizeof *out);
    out->n = n;
    out->dim = k;
    out->scale = ty_mallocarray(n ? n : 1, sizeof *out->scale);
    out->sum = ty_mallocarray(n ? n : 1, sizeof *out->sum);
    if (!out->scale || !out->sum) {
        free(out->scale);
        free(out->sum);
        memset(out, 0, sizeof *out);
        return TENYO_ERR_NOMEM;
    }
    out->q = q;
    out->stats_pending = 1;
#ifdef TY_X86
    pthread_once(&kernel_once, pick_kernel); /* __builtin_cpu_init */
#endif
    return TENYO_OK;
}

int ty_q8_finish_stats(ty_q8 *out, int nt) {
    if (stats_ready(out)) return TENYO_OK;
    /* each row's statistics depend on its codes alone: the same bits
     * whichever thread computes them. The first pass over mapped codes
     * also faults their pages in: the threads share that too. */
    uint64_t n = out->n, np = (n + Q8_STATS_PART - 1) / Q8_STATS_PART;
    int rc = TENYO_OK;
    if (nt > 1 && np > 1 && np <= INT32_MAX)
        rc = ty_parallel_claim(nt, (int)np, q8_stats_part, out);
    else
        q8_stats(out, 0, n);
    if (!rc) __atomic_store_n(&out->stats_pending, 0, __ATOMIC_RELEASE);
    return rc;
}

int ty_q8_adopt_nt(ty_q8 *out, int8_t *q, uint64_t n, size_t k, int nt) {
    int rc = ty_q8_adopt_codes(out, q, n, k);
    return rc ? rc : ty_q8_finish_stats(out, nt);
}

int ty_q8_adopt(ty_q8 *out, int8_t *q, uint64_t n, size_t k) {
    return ty_q8_adopt_nt(out, q, n, k, 1);
}

void ty_q8_scan_ids(const ty_q8 *v, const ty_q8_query *qp, const uint32_t *ids, size_t n,
                    float *scores) {
    pthread_once(&kernel_once, pick_kernel);
    size_t k = v->dim;
    if (n == 0) return;
    if (k == 0 || k > TY_MAX_DIM || qp->dim != k) {
        memset(scores, 0, n * sizeof *scores);
        return;
    }
    /* 64 KiB of gathered rows: the kernel's integers do not depend on which
     * rows lie beside a row, so a gathered block scores as the scan does */
    enum { GATHER = 65536 };
    _Alignas(64) int8_t buf[GATHER];
    size_t per = GATHER / k; /* >= 16 */
    int read = v->src && !stats_ready(v), avx2 = row_avx2_ok();
    for (size_t i0 = 0; i0 < n; i0 += per) {
        size_t nb = n - i0 < per ? n - i0 : per;
        for (size_t r = 0; r < nb; r++) {
            if (read) q8_src_read(v, ids[i0 + r], 1, buf + r * k);
            else memcpy(buf + r * k, v->q + (uint64_t)ids[i0 + r] * k, k);
        }
        score_rows(qp, buf, nb, k, avx2, scores + i0);
    }
}
