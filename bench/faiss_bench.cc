/*
 * faiss_bench.cc — native faiss, the peer of tenyo's exact int8 scan and of
 * its IVF at their best: linked against the faiss_avx2 library that
 * bench/faiss_native_build.sh builds from Debian's source package (faiss
 * 1.7.3, FAISS_OPT_LEVEL=avx2 plus -O3 -march=native, OpenBLAS), not Debian's
 * binary package (built "OPTIMIZE GENERIC": SSE only). Driven by
 * bench/ann_peers.sh on the vectors bench/ann_bench writes (--npy-out),
 * against the same truth.
 *
 *   faiss_bench DIR [--flat 0|1] [--nlist L] [--nprobe LIST] [-r RUNS]
 *                   [-t THREADS] [--single-queries Q]
 *
 * IndexFlatIP (exact): single queries (one search() call per query; faiss
 * scans one query on one thread whatever the OpenMP count) with 1 and -t
 * threads: with -t, -t threads each take a share of the queries, one call
 * per query (what tenyo's "2 threads, one query each" does); batched: one
 * search() over all queries with OpenMP and OpenBLAS both at 1 and at -t
 * threads (faiss switches to sgemm from 20 queries). --single-queries caps
 * the single-query loop (a flat scan of 1M takes ~0.1 s).
 * IndexIVFScalarQuantizer, QT_8bit, inner product, residual encoding (the
 * faiss default, "IVF{nlist},SQ8"), trained on 64 * nlist sampled rows as
 * tenyo's IVF is; nlist default 4 sqrt(N) (tenyo's); nprobe swept: single
 * query QPS on one thread with p50/p99, batched QPS with -t OpenMP threads.
 * Memory per document: the index written by write_index, bytes / N.
 * Medians of -r runs; one JSON line per measure.
 */
#include "npy.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/index_io.h>
#include <faiss/invlists/InvertedLists.h>
#include <faiss/utils/utils.h>

#include <omp.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

extern "C" void openblas_set_num_threads(int);

#include "peer_util.h"

static void set_threads(int t) {
    omp_set_num_threads(t);
    openblas_set_num_threads(t);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: faiss_bench DIR [--flat 0|1] [--ivf 0|1] [--nlist L] "
                        "[--nprobe LIST] [-r RUNS] [-t THREADS] [--single-queries Q]\n");
        return 1;
    }
    std::string dir = argv[1];
    int runs = 3, threads = (int)std::thread::hardware_concurrency(), flat = 1, ivf = 1;
    size_t nlist = 0, nsingle = 200;
    std::vector<size_t> nprobes = {1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32,
                                   40, 48, 56, 64, 80, 96, 128};
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string o = argv[i];
        if (o == "--flat") flat = atoi(argv[i + 1]);
        else if (o == "--ivf") ivf = atoi(argv[i + 1]);
        else if (o == "--nlist") nlist = strtoull(argv[i + 1], NULL, 10);
        else if (o == "--nprobe") nprobes = parse_list(argv[i + 1]);
        else if (o == "-r") runs = atoi(argv[i + 1]);
        else if (o == "-t") threads = atoi(argv[i + 1]);
        else if (o == "--single-queries") nsingle = strtoull(argv[i + 1], NULL, 10);
        else { fprintf(stderr, "faiss_bench: unknown option %s\n", o.c_str()); return 1; }
    }
    npy_arr X, Q, T;
    npy_read(dir + "/base.npy", X);
    npy_read(dir + "/queries.npy", Q);
    npy_read(dir + "/truth.npy", T);
    size_t n = X.rows, k = X.cols, nq = Q.rows;
    if (!nlist) nlist = (size_t)(4 * std::sqrt((double)n) + 0.5);
    if (nsingle > nq) nsingle = nq;
    printf("{\"bench\":\"faiss_native\",\"faiss\":\"1.7.3 (Debian source, avx2 + -O3 -march=native)\","
           "\"compile_options\":\"%s\",\"n\":%zu,\"k\":%zu,\"queries\":%zu,\"runs\":%d,"
           "\"threads\":%d}\n",
           faiss::get_compile_options().c_str(), n, k, nq, runs, threads);
    fflush(stdout);
    std::vector<float> D(nq * 10);
    std::vector<faiss::Index::idx_t> I(nq * 10);
    std::vector<int64_t> ids(nq * 10);
    auto recall = [&](size_t m) {
        for (size_t i = 0; i < m * 10; i++) ids[i] = I[i];
        return npy_recall(T, ids, m);
    };

    if (flat) {
        faiss::IndexFlatIP fi(k);
        fi.add(n, X.f.data());
        for (int t : {1, threads}) {
            /* single queries: t threads, each its share, one call per query */
            set_threads(1);
            std::vector<double> tv, lat((size_t)runs * nsingle);
            for (int r = 0; r < runs; r++) {
                double ta = npy_now();
                std::vector<std::thread> th;
                for (int u = 0; u < t; u++)
                    th.emplace_back([&, u] {
                        size_t a = nsingle * u / t, b = nsingle * (u + 1) / t;
                        for (size_t j = a; j < b; j++) {
                            double tq = npy_now();
                            fi.search(1, Q.f.data() + j * k, 10, D.data() + j * 10, I.data() + j * 10);
                            if (t == 1) lat[(size_t)r * nsingle + j] = npy_now() - tq;
                        }
                    });
                for (auto &x : th) x.join();
                tv.push_back(npy_now() - ta);
            }
            double rs = recall(nsingle);
            /* batched: one call, OpenMP and OpenBLAS at t threads */
            set_threads(t);
            std::vector<double> tb;
            for (int r = 0; r < runs; r++) {
                double ta = npy_now();
                fi.search(nq, Q.f.data(), 10, D.data(), I.data());
                tb.push_back(npy_now() - ta);
            }
            printf("{\"peer\":\"faiss-native\",\"measure\":\"flat_ip\",\"threads\":%d,"
                   "\"recall_at_10\":%.4f,\"single_qps\":%.1f,\"single_p50_ms\":%.3f,"
                   "\"batched_qps\":%.1f,\"batched_recall_at_10\":%.4f,\"bytes_per_doc\":%zu}\n",
                   t, rs, (double)nsingle / npy_median(tv),
                   t == 1 ? npy_pct(lat, 50) * 1e3 : 0.0, (double)nq / npy_median(tb), recall(nq),
                   4 * k);
            fflush(stdout);
        }
    }

    if (ivf) {
        set_threads(threads);
        faiss::IndexFlatIP coarse(k);
        faiss::IndexIVFScalarQuantizer iv(&coarse, k, nlist, faiss::ScalarQuantizer::QT_8bit,
                                          faiss::METRIC_INNER_PRODUCT);
        size_t ntrain = std::min(n, 64 * nlist);
        std::vector<float> tr(ntrain * k);
        /* the same kind of sample as tenyo's: evenly spaced rows */
        for (size_t i = 0; i < ntrain; i++)
            memcpy(tr.data() + i * k, X.f.data() + (i * n / ntrain) * k, k * 4);
        double t0 = npy_now();
        iv.train(ntrain, tr.data());
        iv.add(n, X.f.data());
        double tbuild = npy_now() - t0;
        char tmpl[] = "/tmp/faiss-ivfsq8-XXXXXX";
        int fd = mkstemp(tmpl);
        double bpd = 0;
        if (fd >= 0) {
            close(fd);
            faiss::write_index(&iv, tmpl);
            struct stat st;
            if (stat(tmpl, &st) == 0) bpd = (double)st.st_size / (double)n;
            unlink(tmpl);
        }
        /* what the index holds in memory, as tenyo's ty_ivf_bytes counts its
         * own: the lists' allocated codes and ids (std::vector capacity:
         * add() appends entry by entry, so a list's storage grows
         * geometrically past its size), the centroids, the quantiser's
         * trained ranges; the file (bytes_per_doc) holds only the sizes */
        double mem = 0;
        if (auto *al = dynamic_cast<faiss::ArrayInvertedLists *>(iv.invlists)) {
            for (size_t l = 0; l < al->nlist; l++)
                mem += (double)al->codes[l].capacity() +
                       (double)al->ids[l].capacity() * sizeof(int64_t);
            mem += (double)nlist * k * sizeof(float) + (double)iv.sq.trained.size() * sizeof(float);
        }
        printf("{\"peer\":\"faiss-native\",\"measure\":\"ivf_sq8_build\",\"nlist\":%zu,\"train\":%zu,"
               "\"threads\":%d,\"sec\":%.2f,\"bytes_per_doc\":%.1f,\"bytes_per_doc_in_memory\":%.1f}\n",
               nlist, ntrain, threads, tbuild, bpd, mem / (double)n);
        fflush(stdout);
        std::vector<double> lat((size_t)runs * nq);
        for (size_t np : nprobes) {
            if (np > nlist) continue;
            iv.nprobe = np;
            set_threads(1);
            std::vector<double> tv, tb;
            for (int r = 0; r < runs; r++) {
                double ta = npy_now();
                for (size_t j = 0; j < nq; j++) {
                    double tq = npy_now();
                    iv.search(1, Q.f.data() + j * k, 10, D.data() + j * 10, I.data() + j * 10);
                    lat[(size_t)r * nq + j] = npy_now() - tq;
                }
                tv.push_back((npy_now() - ta) / (double)nq);
            }
            double rs = recall(nq);
            set_threads(threads);
            for (int r = 0; r < runs; r++) {
                double ta = npy_now();
                iv.search(nq, Q.f.data(), 10, D.data(), I.data());
                tb.push_back(npy_now() - ta);
            }
            printf("{\"peer\":\"faiss-native\",\"measure\":\"ivf_sq8_search\",\"nlist\":%zu,"
                   "\"nprobe\":%zu,\"recall_at_10\":%.4f,\"qps_1thread\":%.0f,\"p50_us\":%.1f,"
                   "\"p99_us\":%.1f,\"qps_batched\":%.0f,\"batch_threads\":%d,\"bytes_per_doc\":%.1f}\n",
                   nlist, np, rs, 1.0 / npy_median(tv), npy_pct(lat, 50) * 1e6,
                   npy_pct(lat, 99) * 1e6, (double)nq / npy_median(tb), threads, bpd);
            fflush(stdout);
        }
    }
    return 0;
}
