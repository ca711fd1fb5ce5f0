/*
 * hnsw_bench.cc — native hnswlib, the peer of tenyo's IVF at its best: the
 * header-only library of Debian's libhnswlib-dev (0.6.2) compiled in this one
 * file with -O3 -march=native, so its inner-product kernel is the AVX-512 one
 * (hnswlib picks AVX-512 / AVX / SSE by the compiler's macros; Debian's Python
 * module is built for the baseline and runs SSE). Driven by bench/ann_peers.sh
 * on the vectors bench/ann_bench writes (--npy-out), against the same truth.
 *
 *   hnsw_bench DIR [--M 8,16,32] [--efc 200] [--ef 10,12,...] [-r RUNS]
 *              [-t THREADS] [--cache DIR]
 *
 * For each M: build (ef_construction --efc, -t threads adding points, as the
 * Python binding's add_items does) or load the graph cached in --cache (keyed
 * by a digest of the vectors, M and efc; a 1M graph takes tens of minutes on
 * 2 cores); then for each ef: single-query QPS on one thread (a C++ loop, no
 * binding overhead) with p50/p99 per query, batched QPS with -t threads each
 * taking a contiguous share, recall@10 against truth.npy. Medians of -r runs.
 * Memory per document: the saved index's bytes / N (float vectors + graph +
 * labels), as bench/ann_vs_peers.sh reports for the Python module.
 * One JSON line per measure.
 */
#include "npy.h"

#include <hnswlib/hnswlib.h>

#include <sys/stat.h>
#include <thread>

#include "peer_util.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: hnsw_bench DIR [--M 8,16,32] [--efc 200] [--ef LIST] [-r RUNS] "
                        "[-t THREADS] [--cache DIR]\n");
        return 1;
    }
    std::string dir = argv[1], cache;
    std::vector<size_t> Ms = {8, 16, 32}, efs;
    for (size_t e = 10; e <= 256; e += e < 64 ? 2 : e < 128 ? 8 : 16) efs.push_back(e);
    size_t efc = 200;
    int runs = 3, threads = (int)std::thread::hardware_concurrency();
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string o = argv[i];
        if (o == "--M") Ms = parse_list(argv[i + 1]);
        else if (o == "--efc") efc = strtoull(argv[i + 1], NULL, 10);
        else if (o == "--ef") efs = parse_list(argv[i + 1]);
        else if (o == "-r") runs = atoi(argv[i + 1]);
        else if (o == "-t") threads = atoi(argv[i + 1]);
        else if (o == "--cache") cache = argv[i + 1];
        else { fprintf(stderr, "hnsw_bench: unknown option %s\n", o.c_str()); return 1; }
    }
    if (runs < 1 || threads < 1) { fprintf(stderr, "hnsw_bench: bad options\n"); return 1; }
    npy_arr X, Q, T;
    npy_read(dir + "/base.npy", X);
    npy_read(dir + "/queries.npy", Q);
    npy_read(dir + "/truth.npy", T);
    size_t n = X.rows, k = X.cols, nq = Q.rows;
    uint64_t dig = npy_digest(X.f);
#if defined(USE_AVX512)
    const char *simd = "avx512";
#elif defined(USE_AVX)
    const char *simd = "avx";
#else
    const char *simd = "sse";
#endif
    printf("{\"bench\":\"hnsw_native\",\"hnswlib\":\"0.6.2 (libhnswlib-dev)\",\"simd\":\"%s\","
           "\"flags\":\"-O3 -march=native\",\"n\":%zu,\"k\":%zu,\"queries\":%zu,\"runs\":%d,"
           "\"threads\":%d}\n", simd, n, k, nq, runs, threads);
    fflush(stdout);
    hnswlib::InnerProductSpace space(k);
    for (size_t M : Ms) {
        char name[256];
        snprintf(name, sizeof name, "hnsw-%016llx-M%zu-efc%zu.bin", (unsigned long long)dig, M, efc);
        std::string path = (cache.empty() ? dir : cache) + "/" + name;
        struct stat st;
        double tb = 0;
        bool reused = false;
        hnswlib::HierarchicalNSW<float> *h;
        FILE *meta = fopen((path + ".sec").c_str(), "r");
        if (!cache.empty() && meta && stat(path.c_str(), &st) == 0) {
            if (fscanf(meta, "%lf", &tb) != 1) tb = -1;
            h = new hnswlib::HierarchicalNSW<float>(&space, path, false, n);
            reused = true;
        } else {
            h = new hnswlib::HierarchicalNSW<float>(&space, n, M, efc, 42);
            double t0 = npy_now();
            h->addPoint(X.f.data(), 0); /* the entry point first, as add_items */
            std::vector<std::thread> th;
            for (int t = 0; t < threads; t++)
                th.emplace_back([&, t] {
                    for (size_t r = 1 + t; r < n; r += threads) h->addPoint(X.f.data() + r * k, r);
                });
            for (auto &x : th) x.join();
            tb = npy_now() - t0;
            h->saveIndex(path);
            FILE *m = fopen((path + ".sec").c_str(), "w");
            if (m) { fprintf(m, "%.3f\n", tb); fclose(m); }
        }
        if (meta) fclose(meta);
        stat(path.c_str(), &st);
        double bpd = (double)st.st_size / (double)n;
        if (cache.empty()) { remove(path.c_str()); remove((path + ".sec").c_str()); }
        printf("{\"peer\":\"hnswlib-native\",\"measure\":\"build\",\"M\":%zu,\"ef_construction\":%zu,"
               "\"threads\":%d,\"sec\":%.2f,\"bytes_per_doc\":%.1f,\"reused\":%s}\n",
               M, efc, threads, tb, bpd, reused ? "true" : "false");
        fflush(stdout);
        std::vector<int64_t> ids(nq * 10);
        std::vector<double> lat((size_t)runs * nq);
        for (size_t ef : efs) {
            h->setEf(ef);
            std::vector<double> tv, tbv;
            for (int r = 0; r < runs; r++) {
                double ta = npy_now();
                for (size_t j = 0; j < nq; j++) {
                    double tq = npy_now();
                    auto res = h->searchKnn(Q.f.data() + j * k, 10);
                    lat[(size_t)r * nq + j] = npy_now() - tq;
                    for (size_t i = res.size(); i-- > 0;) { /* worst first */
                        ids[j * 10 + i] = (int64_t)res.top().second;
                        res.pop();
                    }
                }
                tv.push_back((npy_now() - ta) / (double)nq);
            }
            double rec = npy_recall(T, ids, nq);
            for (int r = 0; r < runs; r++) {
                double ta = npy_now();
                std::vector<std::thread> th;
                for (int t = 0; t < threads; t++)
                    th.emplace_back([&, t] {
                        size_t a = nq * t / threads, b = nq * (t + 1) / threads;
                        for (size_t j = a; j < b; j++) h->searchKnn(Q.f.data() + j * k, 10);
                    });
                for (auto &x : th) x.join();
                tbv.push_back(npy_now() - ta);
            }
            printf("{\"peer\":\"hnswlib-native\",\"measure\":\"search\",\"M\":%zu,\"ef\":%zu,"
                   "\"recall_at_10\":%.4f,\"qps_1thread\":%.0f,\"p50_us\":%.1f,\"p99_us\":%.1f,"
                   "\"qps_batched\":%.0f,\"batch_threads\":%d,\"bytes_per_doc\":%.1f}\n",
                   M, ef, rec, 1.0 / npy_median(tv), npy_pct(lat, 50) * 1e6, npy_pct(lat, 99) * 1e6,
                   (double)nq / npy_median(tbv), threads, bpd);
            fflush(stdout);
        }
        delete h;
    }
    return 0;
}
