/*
 * npy.h — the few lines the C++ peer drivers (hnsw_bench.cc, faiss_bench.cc)
 * share: read the .npy files bench/ann_bench writes (--npy-out: base.npy and
 * queries.npy float32 rows, truth.npy int64 Q x 10), a clock, medians,
 * percentiles, a digest of the vectors (to key cached peer indexes) and
 * recall@10 against the truth. Header-only on purpose: each driver is one
 * translation unit compiled by the script that runs it, outside the Makefile
 * (these are peers' benches, not part of tenyo's build or CI).
 */
#ifndef TENYO_BENCH_NPY_H
#define TENYO_BENCH_NPY_H

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

/* A 2-D .npy array: rows x cols of float32 ('<f4') or int64 ('<i8'). */
struct npy_arr {
    size_t rows = 0, cols = 0;  /* shape */
    std::vector<float> f;       /* data when float32 */
    std::vector<int64_t> i;     /* data when int64 */
};

/* Reads PATH into A; exits with a message on any surprise (a bench tool). */
static void npy_read(const std::string &path, npy_arr &a) {
    FILE *fp = fopen(path.c_str(), "rb");
    if (!fp) { fprintf(stderr, "npy: cannot open %s\n", path.c_str()); exit(2); }
    unsigned char pre[10];
    if (fread(pre, 1, 10, fp) != 10 || memcmp(pre, "\x93NUMPY", 6)) {
        fprintf(stderr, "npy: %s: not a .npy file\n", path.c_str());
        exit(2);
    }
    size_t hl = pre[8] | (size_t)pre[9] << 8;
    std::string h(hl, '\0');
    if (fread(&h[0], 1, hl, fp) != hl) { fprintf(stderr, "npy: %s: short\n", path.c_str()); exit(2); }
    bool isf = h.find("<f4") != std::string::npos, isi = h.find("<i8") != std::string::npos;
    size_t s = h.find("shape': (");
    if ((!isf && !isi) || s == std::string::npos || h.find("True") != std::string::npos) {
        fprintf(stderr, "npy: %s: want a C-order <f4 or <i8 matrix\n", path.c_str());
        exit(2);
    }
    a.rows = strtoull(h.c_str() + s + 9, NULL, 10);
    a.cols = strtoull(h.c_str() + h.find(',', s) + 1, NULL, 10);
    size_t n = a.rows * a.cols, got;
    if (isf) { a.f.resize(n); got = fread(a.f.data(), 4, n, fp); }
    else { a.i.resize(n); got = fread(a.i.data(), 8, n, fp); }
    fclose(fp);
    if (got != n) { fprintf(stderr, "npy: %s: short data\n", path.c_str()); exit(2); }
}

static double npy_now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

static double npy_median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* p-th percentile (0..100), nearest rank, as bench/ann_bench.c. */
static double npy_pct(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    size_t i = (size_t)std::ceil(p / 100.0 * (double)v.size());
    return v[i ? i - 1 : 0];
}

/* FNV-1a over the bytes of the vectors: keys an index cached on disk. */
static uint64_t npy_digest(const std::vector<float> &x) {
    uint64_t h = 1469598103934665603ull;
    const unsigned char *p = (const unsigned char *)x.data();
    for (size_t i = 0, n = x.size() * 4; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* recall@10: share of each query's true top 10 (truth row) among its 10 ids. */
static double npy_recall(const npy_arr &truth, const std::vector<int64_t> &ids, size_t nq) {
    double hit = 0;
    for (size_t j = 0; j < nq; j++)
        for (size_t a = 0; a < 10; a++)
            for (size_t b = 0; b < 10; b++) hit += ids[j * 10 + a] == truth.i[j * truth.cols + b];
    return hit / (10.0 * (double)nq);
}

#endif
